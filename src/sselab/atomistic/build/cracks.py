"""A through-thickness elliptical crack cut into a periodic cell (seed 003 §4.4).

Atoms inside the elliptical cylinder ``(u/a)² + (w/b)² < 1`` are removed, where u runs along the
crack's length axis and w along the load axis, both measured from the cell centre, and the cylinder
runs through the third axis (seed 003: a = 10 Å along y, b = 5 Å along z, load along z). In an ionic
cell the formal charge this leaves is removed with Li or O nearest the crack, if asked
(:func:`~sselab.atomistic.build.grain_boundaries.neutralize_by_removal`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ase import Atoms

from sselab.atomistic.build.grain_boundaries import formal_charge, is_charge_balanced, neutralize_by_removal
from sselab.errors import InputError
from sselab.validation import require_positive

__all__ = ["EllipticalCrack", "cut_elliptical_crack"]

_AXES = ("x", "y", "z")


@dataclass(frozen=True)
class EllipticalCrack:
    """Semi-axes (Å): ``half_length_A`` along ``length_axis``, ``half_opening_A`` along the load axis."""

    half_length_A: float = 10.0
    half_opening_A: float = 5.0
    length_axis: str = "y"

    def __post_init__(self) -> None:
        require_positive(self.half_length_A, "crack half-length", "A")
        require_positive(self.half_opening_A, "crack half-opening", "A")
        if self.length_axis not in _AXES:
            raise InputError(f"crack length axis must be x, y or z, got {self.length_axis!r}")


@dataclass
class CrackCut:
    atoms: Atoms
    removed: dict[str, int] = field(default_factory=dict)
    neutralized: dict[str, int] = field(default_factory=dict)


def cut_elliptical_crack(atoms: Atoms, crack: EllipticalCrack, load_axis: str = "z", *, neutralize: bool = False) -> CrackCut:
    """``atoms`` (orthogonal cell) with the crack cut at the cell centre; see the module docstring."""
    if load_axis not in _AXES or load_axis == crack.length_axis:
        raise InputError(f"the load axis ({load_axis!r}) must be x, y or z and differ from the crack's length axis ({crack.length_axis})")
    cell = np.asarray(atoms.cell)
    if np.abs(cell - np.diag(np.diag(cell))).max() > 1e-6 * np.abs(np.diag(cell)).max():
        raise InputError("a crack is cut into an orthogonal cell (its axes along x, y, z)")
    u_axis, w_axis = _AXES.index(crack.length_axis), _AXES.index(load_axis)
    lengths = np.diag(cell)
    if 2 * crack.half_length_A >= lengths[u_axis] or 2 * crack.half_opening_A >= lengths[w_axis]:
        raise InputError(f"the crack ({2 * crack.half_length_A:g} x {2 * crack.half_opening_A:g} A) is larger than the cell "
                         f"({lengths[u_axis]:.4g} x {lengths[w_axis]:.4g} A)")
    wrapped = atoms.get_positions(wrap=True)
    u = (wrapped[:, u_axis] - lengths[u_axis] / 2) / crack.half_length_A
    w = (wrapped[:, w_axis] - lengths[w_axis] / 2) / crack.half_opening_A
    inside = u * u + w * w < 1.0
    removed: dict[str, int] = {}
    for symbol in np.array(atoms.get_chemical_symbols())[inside]:
        removed[symbol] = removed.get(symbol, 0) + 1
    out = atoms[~inside]
    neutralized: dict[str, int] = {}
    if is_charge_balanced(atoms) and abs(formal_charge(out)) > 1e-9:
        if not neutralize:
            raise InputError(f"the crack leaves a net formal charge of {formal_charge(out):+g} e; ask for neutralising "
                             "(Li or O nearest the crack are removed)")
        kept = out.get_positions(wrap=True)
        distance = np.hypot((kept[:, u_axis] - lengths[u_axis] / 2) / crack.half_length_A,
                            (kept[:, w_axis] - lengths[w_axis] / 2) / crack.half_opening_A)
        out, neutralized = neutralize_by_removal(out, distance)
    return CrackCut(atoms=out, removed=removed, neutralized=neutralized)
