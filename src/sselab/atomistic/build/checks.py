"""Checks of what the atomistic builders are given, made before any slab, interface or supercell is built.

- A structure (:func:`check_structure`): at least one atom, periodic in all three directions, finite
  positions and cell, a cell that spans three dimensions, no two atoms (or an atom and its own periodic
  image) closer than :data:`MIN_SEPARATION_A`, and no more atoms than the ``atoms`` work limit.
- Miller indices (:func:`check_miller`): three whole numbers, not all zero, each at most :data:`MAX_MILLER`.
- In-plane strains (:func:`check_strain`): |ε| ≤ :data:`MAX_STRAIN`.
- Image distances (:func:`check_min_image`): in (0, :data:`MAX_MIN_IMAGE_A`] Å.
- Plane counts (:func:`check_planes`) and lateral repeats (:func:`check_repeats`): whole numbers whose
  estimated cell stays within the ``atoms`` limit of :mod:`sselab.validation`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from ase import Atoms
from ase.neighborlist import neighbor_list

from sselab.errors import InputError
from sselab.validation import require_count, require_range, require_within_limit

#: Å. Two atoms closer than this are one site counted twice: the shortest bond in any solid or molecule
#: (H–H, 0.74 Å) is well above it, so such a pair comes from a CIF whose symmetry expansion duplicated a
#: site, from partially occupied split sites kept as full atoms, or from a typing error in the coordinates.
MIN_SEPARATION_A = 0.5

#: Å. A cell vector longer than 1 µm is not an atomistic cell (and would overflow volume arithmetic).
MAX_CELL_LENGTH_A = 1.0e4

#: Largest |h|, |k|, |l|. The oriented cell of a facet holds about h² + k² + l² bulk cells, so indices
#: beyond single digits build cells of hundreds of bulk cells; the seeds' facets have indices up to 4.
MAX_MILLER = 9

#: Largest |in-plane strain| (fraction). No crystal lattice survives a 20 % biaxial strain (metals yield or
#: turn unstable well before); seed 001's largest coherent misfit is 15 %.
MAX_STRAIN = 0.2

#: Å. Largest in-plane distance asked between periodic images of a defect: far beyond where any interaction
#: the calculators describe has decayed (seed 001 uses 9 Å), and it bounds the lateral repeats.
MAX_MIN_IMAGE_A = 100.0


def check_structure(atoms: Any, what: str) -> Atoms:
    """``atoms`` if it is one periodic (bulk) structure fit for a calculation; else one line naming ``what``."""
    if not isinstance(atoms, Atoms):
        raise InputError(f"{what} must hold one structure, got {type(atoms).__name__}")
    if len(atoms) == 0:
        raise InputError(f"{what} holds no atoms")
    require_within_limit(len(atoms), "atoms", what)
    if not atoms.pbc.all():
        raise InputError(f"{what} must be periodic in all three directions (a bulk structure with a cell)")
    cell = atoms.cell.array
    if not np.isfinite(cell).all():
        raise InputError(f"{what} has a cell that is not finite (NaN or inf)")
    if not np.isfinite(atoms.positions).all():
        raise InputError(f"{what} has a position that is not a finite number (NaN or inf)")
    if np.abs(cell).max() > MAX_CELL_LENGTH_A:  # before any norm: squaring a 1e300 component would overflow
        raise InputError(f"{what} has a cell component of {np.abs(cell).max():.3g} A, beyond {MAX_CELL_LENGTH_A:g} A")
    lengths = np.linalg.norm(cell, axis=1)
    if lengths.max() > MAX_CELL_LENGTH_A:
        raise InputError(f"{what} has a cell vector of {lengths.max():.3g} A, longer than {MAX_CELL_LENGTH_A:g} A")
    if lengths.min() == 0 or abs(np.linalg.det(cell)) <= 1e-9 * np.prod(lengths):
        raise InputError(f"{what} has a degenerate cell (its vectors do not span three dimensions): "
                         f"{np.round(atoms.cell.cellpar(), 4).tolist()}")
    reduced, _ = atoms.cell.minkowski_reduce()
    shortest = float(np.linalg.norm(np.asarray(reduced), axis=1).min())
    if shortest < MIN_SEPARATION_A:
        raise InputError(f"{what}: its cell has a lattice vector of {shortest:.3f} A, so every atom overlaps its own "
                         f"periodic image (closer than {MIN_SEPARATION_A} A)")
    _require_separated(atoms, np.asarray(reduced), what)
    return atoms


def _require_separated(atoms: Atoms, reduced_cell: np.ndarray, what: str) -> None:
    """No two atoms closer than :data:`MIN_SEPARATION_A` (minimum image; the reduced cell keeps the search local)."""
    probe = Atoms(numbers=atoms.numbers, positions=atoms.positions, cell=reduced_cell, pbc=True)
    probe.wrap()
    first, second, distances = neighbor_list("ijd", probe, MIN_SEPARATION_A)
    if len(distances):
        k = int(np.argmin(distances))
        i, j = int(first[k]), int(second[k])
        raise InputError(f"{what}: atoms {i} ({atoms[i].symbol}) and {j} ({atoms[j].symbol}) are {distances[k]:.3f} A apart, "
                         f"closer than {MIN_SEPARATION_A} A (a duplicated or partially occupied site?)")


def check_miller(miller: Any, name: str) -> tuple[int, int, int]:
    """Three whole numbers, not all zero, each within ±:data:`MAX_MILLER`."""
    if isinstance(miller, (str, bytes)) or not isinstance(miller, Iterable):
        raise InputError(f"{name}: expected three whole numbers H K L, got {miller!r}")
    values = list(miller)
    if len(values) != 3:
        raise InputError(f"{name}: expected three whole numbers H K L, got {values!r}")
    indices = tuple(require_count(v, name, low=-MAX_MILLER, high=MAX_MILLER) for v in values)
    if not any(indices):
        raise InputError(f"{name}: {indices} is not a plane (all indices zero)")
    return indices  # type: ignore[return-value]


def check_strain(value: Any, name: str) -> float:
    """An in-plane strain (fraction) with |ε| ≤ :data:`MAX_STRAIN`."""
    return require_range(value, name, low=-MAX_STRAIN, high=MAX_STRAIN)


def check_max_strain(value: Any, name: str) -> float:
    """A strain tolerance (fraction) in (0, :data:`MAX_STRAIN`]."""
    return require_range(value, name, low=0.0, high=MAX_STRAIN, low_inclusive=False)


def check_min_image(value: Any, name: str) -> float:
    """A distance between periodic images in (0, :data:`MAX_MIN_IMAGE_A`] Å."""
    return require_range(value, name, low=0.0, high=MAX_MIN_IMAGE_A, low_inclusive=False, unit="A")


def check_planes(planes: Sequence[Any], name: str, bulk: Atoms, what: str, low: int = 1) -> tuple[int, ...]:
    """Plane counts (each ≥ ``low``) whose thickest slab stays within the ``atoms`` limit.

    Estimate before the slab is cut: an atomic plane holds about the atoms of one bulk cell or fewer (the
    oriented cell of a facet is one repeat of the bulk lattice, split into one or more planes), so the
    thickest slab has about ``planes × len(bulk)`` atoms.
    """
    counts = tuple(require_count(p, name, low=low) for p in planes)
    if not counts:
        raise InputError(f"{name}: give at least one plane count")
    require_within_limit(max(counts) * len(bulk), "atoms", f"a {max(counts)}-plane slab ({what})")
    return counts


def check_repeats(atoms: int, repeats: Sequence[int], what: str) -> None:
    """Refuse repeating a cell of ``atoms`` atoms by ``repeats`` when the result would exceed the ``atoms`` limit."""
    require_within_limit(atoms * math.prod(int(r) for r in repeats), "atoms", what)  # exact integers: no float overflow
