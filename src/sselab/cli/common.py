"""Shared CLI plumbing: emitting results as a table or as one JSON object."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

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
