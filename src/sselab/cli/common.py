"""Shared CLI plumbing: the engine from the options, progress bars, and results as a table or one JSON object."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markdown import Markdown
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sselab.errors import InputError

if TYPE_CHECKING:
    from sselab.atomistic.engine import Engine

stderr = Console(stderr=True)


def emit(summary: dict[str, Any], as_json: bool, title: str, rows: list[tuple[str, str]], footer: list[str]) -> None:
    """``--json``: the summary as one JSON object on stdout and nothing else; otherwise a table."""
    if as_json:
        from sselab.runs import to_jsonable

        print(json.dumps(to_jsonable(summary)))
        return
    console = Console()
    table = Table(title=title, show_header=False)
    table.add_column("quantity", style="bold")
    table.add_column("value")
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    for line in footer:
        console.print(line)


def emit_markdown(summary: dict[str, Any], as_json: bool, markdown: str, footer: str) -> None:
    """``--json``: the summary as one JSON object; otherwise ``markdown`` rendered, then ``footer``."""
    if as_json:
        from sselab.runs import to_jsonable

        print(json.dumps(to_jsonable(summary)))
        return
    console = Console()
    console.print(Markdown(markdown))
    console.print(footer)


DEFAULT_DB = str(Path(".sselab") / "cache.db")


def parse_int_list(text: str, name: str) -> tuple[int, ...]:
    """Whole numbers separated by commas or blanks ("5,7,9", "5 7 9"); an empty item ("3,,5") is refused."""
    from sselab.validation import require_text

    items = require_text(text, name).replace(",", " , ").split()
    numbers = [item for item in items if item != ","]
    if not numbers:
        raise InputError(f"{name}: give at least one number")
    if items[0] == "," or items[-1] == "," or any(a == b == "," for a, b in zip(items, items[1:])):
        raise InputError(f"{name}: an empty item in {text!r}")
    try:
        return tuple(int(item) for item in numbers)
    except ValueError:
        raise InputError(f"{name}: expected whole numbers separated by commas, got {text!r}") from None


def make_engine(calculator: str, db: str | None, fmax: float, device: str = "cpu") -> Engine:
    """The engine of an atomistic command (library warnings quietened; all cores for the calculator's threads)."""
    from sselab.atomistic.engine import as_engine

    logging.getLogger("sselab").setLevel(logging.ERROR)
    os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
    return as_engine(calculator, db=db, fmax=fmax, device=device)


@contextmanager
def progress_bar(total: int, description: str, enabled: bool) -> Iterator:
    """A callable that advances a Rich progress bar on stderr (a no-op when disabled or stderr is not a terminal)."""
    if not enabled or not stderr.is_terminal:
        yield lambda *_, **__: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=stderr, transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda label=None, steps=1: progress.update(task, advance=steps, description=label or description)
