"""Phase-diagram entries files (seed 004): a JSON list of ``{"composition": ..., "energy_eV": ...}``,
each the total energy of that formula unit in eV (as ``sselab stability entries`` writes them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sselab.errors import InputError


def load_entry_records(path: str | Path) -> list[dict[str, Any]]:
    """The records of an entries file, as written (checked by :func:`~sselab.atomistic.properties.stability.entries_from_records`)."""
    try:
        records = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise InputError(f"entries file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"cannot read entries file {path}: {error}") from None
    if not isinstance(records, list):
        raise InputError(f"entries file {path}: expected a JSON list of {{composition, energy_eV}} records")
    return records


def write_entries(path: str | Path, records: list[dict[str, Any]]) -> Path:
    """Write ``records`` so that :func:`load_entry_records` reads them back unchanged."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(records, indent=1) + "\n")
    except OSError as error:
        raise InputError(f"cannot write entries file {target}: {error.strerror}") from None
    return target
