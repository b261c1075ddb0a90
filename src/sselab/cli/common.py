"""Shared CLI plumbing: emitting results as a table or as one JSON object."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from sselab.errors import SSELabError
from sselab.runs import to_jsonable

stderr = Console(stderr=True)


def emit(summary: dict[str, Any], as_json: bool, title: str, rows: list[tuple[str, str]], footer: list[str]) -> None:
    """``--json``: the summary as one JSON object on stdout and nothing else; otherwise a table."""
    if as_json:
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
        print(json.dumps(to_jsonable(summary)))
        return
    console = Console()
    console.print(Markdown(markdown))
    console.print(footer)


def read_json_file(path: Path, what: str) -> Any:
    """The parsed JSON of a user's file; a missing or malformed file is a user error naming ``what`` it should be."""
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise SSELabError(f"{what} {path} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SSELabError(f"cannot read {what} {path}: {error}") from None
