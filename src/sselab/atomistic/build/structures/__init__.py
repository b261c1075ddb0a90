"""The structure library: packaged CIFs with their sources, or a user's structure file.

A STRUCTURE argument is a library name (``li-bcc``, ``licl`` …, case-insensitive; see
``data/SOURCES.toml`` for lattice parameters and citations) or a path to a file ASE can read
(CIF, POSCAR, extxyz …); Python callers may also hand an :class:`ase.Atoms` (:func:`as_atoms`).
Library cells are conventional cells at experimental lattice parameters; every study relaxes them
with its own calculator first. ``atoms.info["structure"]`` names what was loaded (the label that
results and run directories record).
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from ase import Atoms
from ase.io import read

from sselab.errors import InputError

_DATA = resources.files("sselab.atomistic.build.structures") / "data"


def library() -> dict[str, dict[str, Any]]:
    """Library name → its SOURCES.toml entry."""
    return tomllib.loads((_DATA / "SOURCES.toml").read_text())


def library_names() -> list[str]:
    return sorted(library())


def load_structure(name_or_path: str | Path) -> Atoms:
    """A library structure by name, else the structure in a file; anything else is a user error."""
    text = str(name_or_path)
    entries = library()
    if text.lower() in entries:
        with resources.as_file(_DATA / f"{text.lower()}.cif") as path:
            atoms = read(path)
        atoms.info["structure"] = text.lower()
        atoms.info["source"] = entries[text.lower()]["source"]
        return atoms
    path = Path(text)
    if not path.is_file():
        raise InputError(f"structure {text!r} is neither a library name ({', '.join(library_names())}) nor a file")
    try:
        atoms = read(path)
    except Exception as error:  # ASE's readers raise many unrelated types
        raise InputError(f"cannot read structure file {path}: {error}") from None
    if not isinstance(atoms, Atoms) or len(atoms) == 0 or not atoms.pbc.all():
        raise InputError(f"structure file {path} must hold one periodic (bulk) structure")
    atoms.info["structure"] = str(path)
    return atoms


def as_atoms(structure: str | Path | Atoms) -> Atoms:
    """A library name or structure file (:func:`load_structure`), or a copy of an :class:`ase.Atoms`.

    A given Atoms keeps its ``info["structure"]`` label, or is labelled with its chemical formula.
    """
    if not isinstance(structure, Atoms):
        return load_structure(structure)
    if len(structure) == 0 or not structure.pbc.all():
        raise InputError("a structure given as ase.Atoms must be one periodic (bulk) structure")
    atoms = structure.copy()
    atoms.info.setdefault("structure", atoms.get_chemical_formula())
    return atoms
