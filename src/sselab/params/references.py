"""The seeds' own published numbers, as packaged data with their citations.

Each file under ``params/data/references`` is a TOML table with a ``citation`` (the paper and the
figure or table) and the numbers as printed, in the units its keys name. Reproductions compare with
these and never with numbers typed into code.
"""

from __future__ import annotations

from typing import Any

from sselab.errors import InputError
from sselab.params import read_table


def load_reference(name: str) -> dict[str, Any]:
    """A packaged reference set by name; every set carries a ``citation``."""
    table, origin = read_table(name, "references")
    if not isinstance(table.get("citation"), str):
        raise InputError(f"{origin}: a reference set needs a citation")
    return table
