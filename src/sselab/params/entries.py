"""Phase-diagram entries files (seed 004): a JSON list of ``{"composition": ..., "energy_eV": ...}``,
each the total energy of that formula unit in eV (as ``sselab stability entries`` writes them).

The schema, checked record by record with the record's number in every message: ``composition`` a
formula of real element symbols (``Li6Zr2O7``), ``energy_eV`` a finite JSON number whose magnitude
per atom is at most :data:`MAX_ENERGY_PER_ATOM_EV`, optional ``name`` (text) and ``converged``
(true/false); no other keys, and at least one record.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from sselab.errors import InputError
from sselab.validation import read_json_file, require_text

#: Keys a record may hold.
REQUIRED_KEYS, OPTIONAL_KEYS = ("composition", "energy_eV"), ("name", "converged")
#: |total energy| per atom above this (eV) is no energy of a calculator or DFT code in use (all-electron totals of the
#: heaviest elements stay below 10⁶ eV/atom): a unit slip or a corrupted file.
MAX_ENERGY_PER_ATOM_EV = 1e6
#: Atoms per formula unit above this are no formula of a phase but a slip (``Li1e400``).
MAX_FORMULA_ATOMS = 1e6


def formula_atoms(composition: Any, where: str) -> float:
    """The number of atoms in the formula ``composition`` (text of real element symbols, positive finite amounts)."""
    from pymatgen.core import Composition
    from pymatgen.core.periodic_table import Element

    text = require_text(composition, f"{where}: composition").strip()
    if not text:
        raise InputError(f"{where}: composition is empty")
    try:
        parsed = Composition(text)
        atoms = float(parsed.num_atoms)
    except (ValueError, KeyError, TypeError, OverflowError, ArithmeticError):
        raise InputError(f"{where}: cannot read composition {text!r} as a formula") from None
    unknown = [str(species) for species in parsed if not isinstance(species, Element)]
    if unknown:
        raise InputError(f"{where}: composition {text!r} names unknown element(s) {', '.join(unknown)}")
    if not (math.isfinite(atoms) and 0 < atoms <= MAX_FORMULA_ATOMS) or any(not amount > 0 for amount in parsed.values()):
        raise InputError(f"{where}: composition {text!r} must have between 0 and {MAX_FORMULA_ATOMS:g} atoms, each amount positive")
    return atoms


def check_energy(energy: Any, atoms: float, where: str) -> float:
    """``energy`` (eV, total of a formula of ``atoms`` atoms) as a float: a finite number within the per-atom bound."""
    if isinstance(energy, bool) or not isinstance(energy, (int, float)):
        raise InputError(f"{where}: energy_eV must be a number, got {energy!r}")
    value = float(energy)
    if not math.isfinite(value):
        raise InputError(f"{where}: energy_eV must be finite, got {energy!r}")
    if abs(value) / atoms > MAX_ENERGY_PER_ATOM_EV:
        raise InputError(f"{where}: energy_eV {value:g} is {abs(value) / atoms:.3g} eV per atom in magnitude, beyond "
                         f"{MAX_ENERGY_PER_ATOM_EV:g}: not a total energy in eV")
    return value


def check_record(record: Any, where: str) -> dict[str, Any]:
    """One record of an entries file, checked against the schema of the module docstring."""
    if not isinstance(record, dict):
        raise InputError(f"{where}: expected {{composition, energy_eV}}, got {type(record).__name__}")
    missing = [key for key in REQUIRED_KEYS if key not in record]
    unknown = sorted(set(record) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if missing or unknown:
        problems = [f"missing {', '.join(missing)}" if missing else "", f"unknown key(s) {', '.join(unknown)}" if unknown else ""]
        raise InputError(f"{where}: " + "; ".join(p for p in problems if p))
    check_energy(record["energy_eV"], formula_atoms(record["composition"], where), where)
    if "name" in record:
        require_text(record["name"], f"{where}: name")
    if "converged" in record and not isinstance(record["converged"], bool):
        raise InputError(f"{where}: converged must be true or false, got {record['converged']!r}")
    return record


def check_records(records: Any, origin: str) -> list[dict[str, Any]]:
    """``records`` as a non-empty list of schema-checked records (``origin`` names the file or list in messages)."""
    if not isinstance(records, list) or not records:
        raise InputError(f"{origin}: expected a non-empty JSON list of {{composition, energy_eV}} records")
    return [check_record(record, f"{origin}: entry {number}") for number, record in enumerate(records)]


def load_entry_records(path: str | Path) -> list[dict[str, Any]]:
    """The records of an entries file, schema-checked (a UTF-8 JSON file; see the module docstring)."""
    return check_records(read_json_file(path, "entries file"), f"entries file {path}")


def write_entries(path: str | Path, records: list[dict[str, Any]], *, overwrite: bool = False) -> Path:
    """Write ``records`` so that :func:`load_entry_records` reads them back unchanged.

    An existing file is refused unless ``overwrite`` (another command's entries are not replaced silently).
    """
    target = Path(path)
    text = json.dumps(check_records(records, str(target)), indent=1, allow_nan=False) + "\n"
    if target.is_dir():
        raise InputError(f"entries file {target} is a directory; give a file name")
    if target.exists() and not overwrite:
        raise InputError(f"entries file {target} already exists: choose another name or pass --overwrite to replace it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot write entries file {target}: {error.strerror}") from None
    return target
