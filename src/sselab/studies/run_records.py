"""Reading what an earlier run left: the summary in its ``run.json``.

Later steps of a chain start from an earlier run directory (``defects formation-energy --sites``,
``expansion``, ``interface neb``); this is the one place that reads and checks such a record.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sselab.errors import InputError


def run_summary(directory: str | Path, command: str, required: set[str] = frozenset()) -> dict[str, Any]:
    """The summary of the ``command`` run recorded in ``directory/run.json``, with at least the ``required`` keys.

    A missing or unreadable record, or one without those keys, is a user error naming the command it should come from.
    """
    record = Path(directory) / "run.json"
    summary = None
    if record.is_file():
        try:
            summary = json.loads(record.read_text()).get("summary")
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError) as error:
            raise InputError(f"cannot read '{command}' run record {record}: {error}") from None
    if not isinstance(summary, dict) or not required <= set(summary):
        raise InputError(f"{directory} is not a '{command}' run directory (no run.json with its summary)")
    return summary
