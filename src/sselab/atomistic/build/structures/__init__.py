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
import warnings
from importlib import resources
from pathlib import Path
from typing import Any

from ase import Atoms
from ase.io import read

from sselab.atomistic.build.checks import check_structure
from sselab.errors import InputError
from sselab.validation import read_text_file, require_file, require_text

_DATA = resources.files("sselab.atomistic.build.structures") / "data"

#: Edge of the periodic box a free molecule sits in (Å): images ≥ ~13 Å apart, beyond the MLIPs' cut-offs.
MOLECULE_BOX_A = 15.0


def library() -> dict[str, dict[str, Any]]:
    """Library name → its SOURCES.toml entry."""
    return tomllib.loads((_DATA / "SOURCES.toml").read_text())


def library_names() -> list[str]:
    return sorted(library())


def load_structure(name_or_path: str | Path) -> Atoms:
    """A library structure by name, else the structure in a file (:func:`read_structure_file`); anything else is a user error."""
    text = require_text(str(name_or_path), "structure")
    entries = library()
    if text.lower() in entries:
        with resources.as_file(_DATA / f"{text.lower()}.cif") as path:
            atoms = read(path)
        atoms.info["structure"] = text.lower()
        atoms.info["source"] = entries[text.lower()]["source"]
        return atoms
    path = Path(text)
    if not path.exists():
        raise InputError(f"structure {text!r} is neither a library name ({', '.join(library_names())}) nor a file")
    atoms = read_structure_file(path, "structure file")
    atoms.info["structure"] = str(path)
    return atoms


def molecule_in_box(formula: str, box_A: float = MOLECULE_BOX_A) -> Atoms:
    """ASE's molecule ``formula`` (its G2 geometry: ``O2``, ``N2``, ``H2O`` …) centred in a periodic cubic box of edge ``box_A`` Å."""
    from ase.build import molecule

    try:
        atoms = molecule(require_text(formula, "molecule"))
    except KeyError:
        raise InputError(f"molecule:{formula}: ASE knows no such molecule") from None
    atoms.set_cell([box_A] * 3)
    atoms.center()
    atoms.pbc = True
    atoms.info["structure"] = f"molecule:{formula}"
    return atoms


_FORMAT_HINT = "use a CIF, POSCAR or extxyz file"

#: ASE formats whose files are binary (all others must be UTF-8 text).
BINARY_FORMATS = frozenset({"traj", "db", "netcdftrajectory", "gpw", "abinit-gsr", "cp2k-dcd", "lammps-dump-binary"})


def read_structure_file(path: str | Path, what: str = "structure file") -> Atoms:
    """The last structure in the file ``path``, checked (:func:`~sselab.atomistic.build.checks.check_structure`).

    The one reader of a user's (or an earlier run's) structure file. Refused in one line naming the file:
    a missing file or a directory, a file whose format ASE cannot tell, an empty, oversized, binary or
    non-UTF-8 file of a text format, a file ASE's reader fails on (its error, whatever its type), and a
    structure :func:`check_structure` refuses (no atoms, not periodic, NaN/inf, degenerate cell,
    overlapping atoms, over the atoms limit). Energies, forces and per-atom arrays stored in the file are kept.
    """
    from ase.io.formats import UnknownFileTypeError, filetype, ioformats

    target = require_file(path, what)
    try:
        fmt = filetype(str(target))
    except UnknownFileTypeError as error:
        raise InputError(f"{what} {target}: cannot tell its format ({_one_line(error)}); {_FORMAT_HINT}") from None
    except OSError as error:
        raise InputError(f"cannot read {what} {target}: {error.strerror or error}") from None
    if fmt not in ioformats or not ioformats[fmt].can_read:
        raise InputError(f"{what} {target}: cannot tell its format (ASE reads no {fmt!r} files); {_FORMAT_HINT}")
    if fmt not in BINARY_FORMATS:
        read_text_file(target, what)  # empty, binary, non-UTF-8 or oversized text is refused here, in one line
    try:
        with warnings.catch_warnings():  # a reader's warnings would spread the one-line refusal over several lines
            warnings.simplefilter("ignore")
            atoms = read(str(target), format=fmt)
    except Exception as error:  # noqa: BLE001 - ASE's readers raise many unrelated types; each is the file's fault here
        raise InputError(f"cannot read {what} {target} as {fmt}: {_one_line(error) or 'no structure found in it'}") from None
    return check_structure(atoms, f"{what} {target}")


def _one_line(error: BaseException, length: int = 160) -> str:
    """An exception's message on one line, cut to ``length`` characters."""
    text = " ".join(str(error).split())
    return text if len(text) <= length else text[: length - 3] + "..."


def as_atoms(structure: str | Path | Atoms) -> Atoms:
    """A library name or structure file (:func:`load_structure`), or a checked copy of an :class:`ase.Atoms`.

    A given Atoms passes the same checks as a file (:func:`~sselab.atomistic.build.checks.check_structure`) and
    keeps its ``info["structure"]`` label, or is labelled with its chemical formula.
    """
    if not isinstance(structure, Atoms):
        return load_structure(structure)
    atoms = check_structure(structure, "the structure given as ase.Atoms").copy()
    atoms.info.setdefault("structure", atoms.get_chemical_formula())
    return atoms
