"""Slabs cut to an exact number of atomic planes, and their surface planes (seed 001).

Slabs are cut with pymatgen's :class:`~pymatgen.core.surface.SlabGenerator` and trimmed to an
exact number of atomic planes; the normal is z, the vacuum (≥ 15 Å by default) is split between
both sides, and the c vector is made orthogonal to the surface. Planes are counted from the
bottom (lowest z) surface, which is the surface that meets a substrate in an interface.


The surface density ρ counts the atoms whose nearest-neighbour coordination is below that of the
slab's middle (one plane for BCC (100) and HCP (0001); two for HCP (10-10)), as in the paper. The
planes are classified on the unstrained slab and counted per area of the (strained) slab: a 15 %
stretch would otherwise pull out-of-plane second neighbours into the first shell and count a
second plane.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from ase import Atoms
from ase.constraints import FixAtoms
from ase.neighborlist import neighbor_list
from pymatgen.core.surface import SlabGenerator
from pymatgen.io.ase import AseAtomsAdaptor

from sselab.atomistic.build.checks import check_miller, check_planes, check_strain
from sselab.constants import FORMAL_CHARGES
from sselab.errors import InputError, SSELabError
from sselab.validation import require_count, require_range, require_within_limit

PLANE_TOLERANCE = 0.3  # Å: atoms closer than this in z belong to one plane
MAX_VACUUM_A = 100.0  # Å: far beyond where any surface interaction the calculators describe has decayed


def plane_index(atoms: Atoms, tolerance: float = PLANE_TOLERANCE) -> np.ndarray:
    """Index of the atomic plane of each atom, 0 for the lowest plane (z increasing)."""
    z = atoms.positions[:, 2]
    order = np.argsort(z)
    labels = np.empty(len(atoms), dtype=int)
    plane = 0
    for previous, current in zip(np.r_[order[0], order[:-1]], order):
        if z[current] - z[previous] > tolerance:
            plane += 1
        labels[current] = plane
    return labels


def count_planes(atoms: Atoms, tolerance: float = PLANE_TOLERANCE) -> int:
    return int(plane_index(atoms, tolerance).max()) + 1


def orthogonal_c(atoms: Atoms, vacuum: float) -> Atoms:
    """The slab in a cell whose c is along z, with ``vacuum`` Å split above and below (a and b in the xy plane)."""
    slab = atoms.copy()
    normal = np.cross(slab.cell[0], slab.cell[1])
    if np.linalg.norm(normal[:2]) > 1e-9 * np.linalg.norm(normal):
        slab.rotate(normal, "z", rotate_cell=True)  # a relaxed bulk may carry a tiny shear
    cell = slab.cell.array.copy()
    cell[:2, 2] = 0.0
    z = slab.positions[:, 2]
    thickness = z.max() - z.min()
    cell[2] = [0.0, 0.0, thickness + vacuum]
    slab.set_cell(cell, scale_atoms=False)
    slab.positions[:, 2] += vacuum / 2 - z.min()
    slab.pbc = (True, True, True)
    slab.wrap(pbc=(True, True, False))
    return slab


def build_slab(bulk: Atoms, miller: tuple[int, int, int], planes: int, vacuum: float = 15.0,
               termination: int = 0) -> Atoms:
    """A slab of exactly ``planes`` atomic planes normal to ``miller``, cut from ``bulk``.

    ``termination`` picks among the distinct cuts SlabGenerator finds, widest spacing first (:func:`_cuts`); the cut's
    spacing is recorded as ``info["cut_spacing_A"]``. The
    slab is stoichiometric only when a whole number of repeat units fits in ``planes``; the caller
    checks what it needs (surface energies require elemental or stoichiometric slabs).
    """
    miller = check_miller(miller, "Miller index")
    (planes,) = check_planes([planes], "planes", bulk, f"{miller} slab")
    require_range(vacuum, "vacuum", low=15.0, high=MAX_VACUUM_A, unit="A")  # seed 001: at least 15 A
    slabs = _cuts(bulk, miller, planes, vacuum)
    check_termination(termination, slabs, miller)
    slab = orthogonal_c(AseAtomsAdaptor.get_atoms(slabs[termination]), vacuum)
    labels = plane_index(slab)
    available = labels.max() + 1
    if available < planes:
        raise SSELabError(f"internal: generated slab has {available} planes, fewer than {planes}")
    trimmed = orthogonal_c(slab[labels < planes], vacuum)
    trimmed.info.update({"miller": list(miller), "planes": planes, "termination": termination,
                         "terminations_available": len(slabs), "cut_spacing_A": cut_spacing(slabs[termination])})
    return trimmed


#: The last few cut enumerations (SlabGenerator's symmetry analysis takes seconds for a 60-atom cell), by structure.
_CUT_CACHE: dict[tuple, list] = {}
_CUT_CACHE_SIZE = 32


def _cuts(bulk: Atoms, miller: tuple[int, int, int], planes: int, vacuum: float) -> list:
    """The distinct cuts (pymatgen slabs) SlabGenerator offers for ``miller``, thick enough for ``planes`` planes,
    the cut through the widest interplanar spacing first (fewest bonds broken; ties in SlabGenerator's order).

    SlabGenerator's own order follows the fractional shifts of the cuts, which can swap when the lattice changes
    (HCP Li (10-10) with the packaged vs a relaxed c/a), so the index alone would not name the same surface.
    Enumerations are remembered for the same structure (numbers, positions and cell to 1e-6 Å) and arguments.
    """
    key = (bulk.numbers.tobytes(), np.round(bulk.positions, 6).tobytes(), np.round(bulk.cell.array, 6).tobytes(),
           tuple(int(i) for i in miller), planes, float(vacuum))
    if key not in _CUT_CACHE:
        if len(_CUT_CACHE) >= _CUT_CACHE_SIZE:
            _CUT_CACHE.pop(next(iter(_CUT_CACHE)))
        _CUT_CACHE[key] = _enumerate_cuts(bulk, miller, planes, vacuum)
    return _CUT_CACHE[key]


def _enumerate_cuts(bulk: Atoms, miller: tuple[int, int, int], planes: int, vacuum: float) -> list:
    """:func:`_cuts` without the cache."""
    structure = AseAtomsAdaptor.get_structure(bulk)
    spacing = structure.lattice.d_hkl(miller)
    generator = SlabGenerator(structure, miller, min_slab_size=spacing * (planes + 2), min_vacuum_size=vacuum,
                              center_slab=True, primitive=True, reorient_lattice=True, in_unit_planes=False)
    slabs = generator.get_slabs(symmetrize=False)
    if not slabs:
        raise InputError(f"SlabGenerator found no slab for {miller}")
    return sorted(slabs, key=lambda slab: -round(cut_spacing(slab), 3))


def repeat_along_normal(lattice) -> float:
    """Repeat (Å) of a pymatgen lattice along the normal of its a × b plane: V / |a × b|."""
    return float(lattice.volume / np.linalg.norm(np.cross(lattice.matrix[0], lattice.matrix[1])))


def compensated_alike(slabs: Sequence[CellSlab]) -> bool:
    """Whether every thickness of a cut took the same compensation in the same surface cell (atoms per cell)."""
    return len({(slab.compensation, len(slab.atoms) // slab.atoms.info["cells"]) for slab in slabs}) == 1


def cut_spacing(slab) -> float:
    """Width (Å) of the empty bulk spacing a pymatgen slab was cut through: with heights h = ((f_c − shift) mod 1)·P of
    the oriented unit cell's atoms above the cut (f_c their fractional c, P the cell's repeat along the normal), the
    gap is min h + P − max h. a and b lie in the surface, so f_c·P is a height along the normal for any c."""
    cell = slab.oriented_unit_cell
    period = repeat_along_normal(cell.lattice)
    heights = np.mod(cell.frac_coords[:, 2] - slab.shift, 1.0) * period
    return float(heights.min() + period - heights.max())


@dataclass(frozen=True)
class CellSlab:
    """A slab of whole oriented unit cells (stoichiometric for any compound) and what its cut looks like
    (``cut_spacing_A``: the gap the cut goes through, before any compensation).

    ``top`` and ``bottom``: composition of the atoms within :data:`FACE_DEPTH_A` of each outer face; ``symmetric``:
    pymatgen's verdict (equivalent faces); ``polar``: a dipole per cell across the slab above
    :data:`POLAR_DIPOLE_E_PER_A` with the charges of :func:`ionic_charges` (None when it finds none);
    ``compensation``: the ions moved between the faces to cancel the dipole of a polar cut
    (:func:`compensate_dipole`, e.g. ``"O top->bottom x2"``), empty when none were."""

    atoms: Atoms
    termination: int
    cut_spacing_A: float
    symmetric: bool
    polar: bool | None
    top: str
    bottom: str
    compensation: str = ""


FACE_DEPTH_A = 1.0  # Å below an outer face counted as that face's composition
#: Dipole per oriented unit cell (e·Å/Å²) above which a cut is polar. It is a potential step of 4π·14.4·p ≈ 0.9 V per
#: cell across the slab at 5e-3; the polar cuts of Li6Zr2O7 carry ≥ 0.06, and a 0.01 Å jitter of a non-polar one
#: gives ~1e-3 (pymatgen's Slab.is_polar tests 1e-3 on the whole slab, which that jitter already crosses).
POLAR_DIPOLE_E_PER_A = 5e-3


def ionic_charges(bulk: Atoms) -> dict[str, float] | None:
    """Charges of ``bulk``'s elements for the polarity test: the formal charges (:data:`~sselab.constants.FORMAL_CHARGES`)
    when every element has one and the cell is neutral with them, else pymatgen's first neutral oxidation-state guess
    (sulfides, whose S is +6 in the formal table); None when there is none or it is all zeros (a metal, an
    intermetallic)."""
    from pymatgen.core import Composition

    symbols = bulk.get_chemical_symbols()
    if all(symbol in FORMAL_CHARGES for symbol in set(symbols)) and abs(sum(FORMAL_CHARGES[s] for s in symbols)) < 1e-9:
        return {symbol: FORMAL_CHARGES[symbol] for symbol in set(symbols)}
    guesses = Composition(dict(Counter(symbols))).oxi_state_guesses(max_sites=-1)
    if not guesses or not any(guesses[0].values()):
        return None
    return {symbol: float(charge) for symbol, charge in guesses[0].items()}


def normal_dipole_per_area(atoms: Atoms, charges: dict[str, float]) -> float:
    """Σ q_i (z_i − z̄) / A (e·Å per Å²) of a slab with its normal along z, formal charges q: non-zero for a Tasker
    type-3 (polar) stoichiometric slab, whose electrostatic energy grows with its thickness."""
    q = np.array([charges[symbol] for symbol in atoms.get_chemical_symbols()])
    z = atoms.positions[:, 2]
    return float(q @ (z - z.mean()) / in_plane_area(atoms))


#: Most ions :func:`compensate_dipole` moves between the faces of one cell's area.
MAX_COMPENSATING_MOVES = 4
#: Depths (Å below a face) within which :func:`compensate_dipole` looks for ions to move, tried in turn.
COMPENSATION_WINDOWS_A = (1.0, 2.0, 3.0, 4.0)
#: Most candidate ions (the shallowest) :func:`compensate_dipole` combines per window: C(24, 4) ≈ 10⁴ sets.
MAX_COMPENSATION_CANDIDATES = 24
#: A moved ion must land within this factor of its element's shortest bulk contact to an ion of opposite charge.
ANCHOR_FACTOR = 1.25
#: In-plane supercells :func:`compensate_dipole` tries, in turn, when whole ions of the surface cell cannot cancel a dipole.
COMPENSATION_SUPERCELLS = ((1, 1), (2, 1), (1, 2))


def compensate_dipole(slab, cells: int, charges: dict[str, float], species: Sequence[str] | None = None) -> tuple | None:
    """A polar slab of ``cells`` whole oriented unit cells (a pymatgen ``Slab`` from SlabGenerator) made dipole-free by
    moving ions from one face to the other (Tasker's compensation of a type-3 surface); (slab, moves) or None.

    An ion of charge q at depth d below the top face moved by −cells·c (c the oriented cell's repeat vector) lands on
    a site of the infinite crystal d + s below the bottom face (s the spacing the cut goes through); the dipole per
    surface cell changes by −q·P/A (P the repeat along the normal, A the area), and by +q·P/A for a move from the bottom
    up. The slab stays stoichiometric. Among the ions within a depth window of their face
    (:data:`COMPENSATION_WINDOWS_A`, the shallowest window that works; at most :data:`MAX_COMPENSATION_CANDIDATES` of
    them) the fewest moves (at most :data:`MAX_COMPENSATING_MOVES`) that cancel the dipole are taken, the shallowest set
    first, skipping any set that leaves a moved ion unbonded (no ion of opposite charge within :data:`ANCHOR_FACTOR`
    times its element's shortest such contact: a deep ion moved without the ions above it floats in the vacuum).
    ``species`` restricts the ions moved (None: any). When the surface cell admits no such set, because the dipole needs
    part of an ion per cell (half a quantum on rocksalt (111); an odd number of quanta with O²⁻ alone), the in-plane
    supercells of :data:`COMPENSATION_SUPERCELLS` are tried in turn (half of a face's ions moved, as in Tasker's
    picture); the returned slab then has that supercell's area, and ``moves`` starts with it ("2x1: ...").

    This builds one candidate per cut, not the lowest-energy compensation: fewest moves favours highly charged ions
    (one Zr⁴⁺ cancels what two O²⁻ do), and other compensations, never built, may lie lower; compare them by restricting
    ``species``. None when no set of at most :data:`MAX_COMPENSATING_MOVES` moves exists in these cells.
    """
    period = repeat_along_normal(slab.oriented_unit_cell.lattice)
    for repeat in COMPENSATION_SUPERCELLS:
        trial = slab.copy()
        if repeat != (1, 1):
            trial.make_supercell([repeat[0], repeat[1], 1])
        found = _fewest_moves(trial, cells, period, charges, species)
        if found is not None:
            compensated, moves = found
            return compensated, (moves if repeat == (1, 1) else f"{repeat[0]}x{repeat[1]}: {moves}")
    return None


def _fewest_moves(slab, cells: int, period: float, charges: dict[str, float], species: Sequence[str] | None) -> tuple | None:
    """:func:`compensate_dipole` within ``slab``'s own surface cell: (compensated slab, moves), (slab, "") when it is
    not polar, or None. ``period``: the oriented cell's repeat along the normal (Å)."""
    normal = np.cross(slab.lattice.matrix[0], slab.lattice.matrix[1])
    area = float(np.linalg.norm(normal))
    layers = round(slab.lattice.c / slab.oriented_unit_cell.lattice.c)
    symbols = np.array([site.specie.symbol for site in slab])
    z = slab.cart_coords @ (normal / area)  # heights along the normal (pymatgen's a may leave the xy plane)
    q = np.array([charges[symbol] for symbol in symbols])
    quanta = float(q @ (z - z.mean())) / (cells * period)  # dipole per surface cell in e·P: a move changes it by ±q
    if abs(quanta) * period / area <= POLAR_DIPOLE_E_PER_A:
        return slab, ""
    reach = _anchor_reach(slab, q)
    movable = np.ones(len(slab), bool) if species is None else np.isin(symbols, list(species))
    for window in COMPENSATION_WINDOWS_A:
        top = np.flatnonzero(movable & (z >= z.max() - window))
        bottom = np.flatnonzero(movable & (z <= z.min() + window))
        candidates = [(i, -q[i], z.max() - z[i], -1) for i in top] + [(i, q[i], z[i] - z.min(), +1) for i in bottom if i not in top]
        candidates = sorted(candidates, key=lambda move: move[2])[:MAX_COMPENSATION_CANDIDATES]
        for count in range(1, MAX_COMPENSATING_MOVES + 1):
            sets = [moves for moves in combinations(candidates, count)
                    if abs(quanta + sum(m[1] for m in moves)) * period / area <= POLAR_DIPOLE_E_PER_A]
            for moves in sorted(sets, key=lambda moves: round(sum(m[2] for m in moves), 3)):
                compensated = slab.copy()
                for index, _, _, direction in moves:
                    compensated.translate_sites([index], [0.0, 0.0, direction * cells / layers], frac_coords=True, to_unit_cell=False)
                if _anchored(compensated, q, [move[0] for move in moves], reach):
                    return compensated, _describe_moves(symbols, moves)
    return None


def _anchor_reach(slab, q: np.ndarray) -> dict[str, float]:
    """Per element: :data:`ANCHOR_FACTOR` × its shortest distance (Å) to an ion of opposite charge in ``slab``."""
    distances = slab.distance_matrix
    opposite = np.sign(q)[:, None] * np.sign(q)[None, :] < 0
    reach = {}
    for symbol in {site.specie.symbol for site in slab}:
        rows = np.array([site.specie.symbol == symbol for site in slab])
        reach[symbol] = ANCHOR_FACTOR * float(np.where(opposite[rows], distances[rows], np.inf).min())
    return reach


def _anchored(slab, q: np.ndarray, moved: list[int], reach: dict[str, float]) -> bool:
    """Whether every moved ion has an ion of opposite charge within its element's reach."""
    distances = slab.lattice.get_all_distances(slab.frac_coords[moved], slab.frac_coords)  # periodic, moved rows only
    for row, index in enumerate(moved):
        opposite = np.sign(q) * np.sign(q[index]) < 0
        if distances[row][opposite].min() > reach[slab[index].specie.symbol]:
            return False
    return True


def _describe_moves(symbols: np.ndarray, moves) -> str:
    """'O top->bottom x2, Li bottom->top' from (index, Δquanta, depth, direction) moves."""
    labels = Counter(f"{symbols[index]} {'top->bottom' if direction < 0 else 'bottom->top'}" for index, _, _, direction in moves)
    return ", ".join(label if n == 1 else f"{label} x{n}" for label, n in sorted(labels.items()))


def cut_count(bulk: Atoms, miller: tuple[int, int, int], vacuum: float = 15.0) -> int:
    """How many distinct cuts (terminations) SlabGenerator offers for ``miller``."""
    return len(_cuts(bulk, check_miller(miller, "Miller index"), 1, vacuum))


def thinnest_cell_count(bulk: Atoms, miller: tuple[int, int, int], min_thickness_A: float = 10.0, vacuum: float = 15.0) -> int:
    """The fewest whole oriented unit cells of ``miller`` whose atoms span ``min_thickness_A`` (Å) along the normal for
    every cut of the facet: N·P minus the widest cut's spacing, P the cell's repeat along the normal."""
    require_range(min_thickness_A, "minimum slab thickness", low=0.0, high=MAX_VACUUM_A, unit="A")
    cuts = _cuts(bulk, check_miller(miller, "Miller index"), 1, vacuum)
    period = repeat_along_normal(cuts[0].oriented_unit_cell.lattice)
    return max(1, math.ceil((min_thickness_A + cut_spacing(cuts[0])) / period - 1e-9))


def build_cell_slabs(bulk: Atoms, miller: tuple[int, int, int], cells: Sequence[int] | None = None, vacuum: float = 15.0,
                     terminations: Sequence[int] | None = None, min_thickness_A: float = 10.0,
                     thicknesses: int = 3, compensate: bool = False,
                     compensating_species: Sequence[str] | None = None) -> dict[int, list[CellSlab]]:
    """Slabs of whole oriented unit cells of ``miller``, for each cut index in ``terminations`` (widest interplanar
    spacing first, as :func:`build_slab`; None: every cut): {cut: [slab per thickness]}.

    ``cells``: the thicknesses in cells; None picks ``thicknesses`` consecutive counts from the fewest cells whose
    atoms span ``min_thickness_A`` along the normal for every cut of the facet (N·P minus the widest cut's spacing, P the
    cell's repeat along the normal: a facet's cell can be 4 Å thick or 10 Å). Whole repeat units
    keep any compound stoichiometric, so E_slab − N·e_bulk is the energy of its two faces; when they differ
    (``symmetric`` false) a surface energy from it is their mean, the cleavage energy per face. The distinct cuts are
    enumerated once (SlabGenerator's symmetry analysis is the slow step). ``compensate``: a polar cut is made
    dipole-free by :func:`compensate_dipole` (moving only ``compensating_species``; None: any ion); a cut it cannot
    compensate stays polar, flagged.
    """
    miller = check_miller(miller, "Miller index")
    require_range(vacuum, "vacuum", low=15.0, high=MAX_VACUUM_A, unit="A")
    cuts = _cuts(bulk, miller, 1, vacuum)
    indices = range(len(cuts)) if terminations is None else [check_termination(t, cuts, miller) for t in terminations]
    period = repeat_along_normal(cuts[0].oriented_unit_cell.lattice)
    if cells is None:
        first = thinnest_cell_count(bulk, miller, min_thickness_A, vacuum)
        cells = range(first, first + require_count(thicknesses, "thicknesses", low=2))
    counts = [require_count(n, "cells", low=1) for n in cells]
    require_within_limit(len(cuts[0].oriented_unit_cell) * max(counts), "atoms", f"a {max(counts)}-cell {tuple(miller)} slab")
    structure = AseAtomsAdaptor.get_structure(bulk)
    charges = ionic_charges(bulk)
    built: dict[int, list[CellSlab]] = {}
    for index in indices:
        cut = cuts[index]
        built[index] = []
        for count in counts:
            generator = SlabGenerator(structure, miller, min_slab_size=(count - 0.5) * period, min_vacuum_size=vacuum,
                                      center_slab=True, primitive=True, reorient_lattice=True, in_unit_planes=False)
            cut_slab, moves = generator.get_slab(shift=cut.shift), ""
            if compensate and charges is not None:
                cut_slab, moves = compensate_dipole(cut_slab, count, charges, compensating_species) or (cut_slab, "")
            atoms = orthogonal_c(AseAtomsAdaptor.get_atoms(cut_slab), vacuum)
            z = atoms.positions[:, 2]
            symbols = np.array(atoms.get_chemical_symbols())
            atoms.info.update({"miller": list(miller), "cells": count, "termination": index,
                               "terminations_available": len(cuts), "cut_spacing_A": cut_spacing(cut), "compensation": moves})
            dipole = normal_dipole_per_area(atoms, charges) / count if charges is not None else None
            built[index].append(CellSlab(atoms=atoms, termination=index, cut_spacing_A=cut_spacing(cut),
                                         symmetric=bool(cut_slab.is_symmetric()),
                                         polar=None if dipole is None else abs(dipole) > POLAR_DIPOLE_E_PER_A,
                                         top=_formula(symbols[z > z.max() - FACE_DEPTH_A]),
                                         bottom=_formula(symbols[z < z.min() + FACE_DEPTH_A]), compensation=moves))
    return built


def _formula(symbols: np.ndarray) -> str:
    """'O3', 'Li2O': element counts in alphabetical order."""
    counts = Counter(symbols.tolist())
    return "".join(f"{el}{counts[el] if counts[el] > 1 else ''}" for el in sorted(counts))


def check_termination(termination: int, cuts: list, miller: tuple[int, int, int],
                      name: str = "termination (--termination)") -> int:
    """``termination`` when it indexes one of the distinct ``cuts``; else one line, naming the option ``name``, giving how
    many there are."""
    termination = require_count(termination, name, low=0)
    if termination >= len(cuts):
        raise InputError(f"{name} {termination} out of range: {len(cuts)} distinct cut(s) for {miller}")
    return termination


def check_cut(termination: int, bulk: Atoms, miller: tuple[int, int, int], vacuum: float = 15.0,
              name: str = "termination (--termination)") -> int:
    """``termination`` when it indexes one of the distinct cuts of ``miller`` (:func:`_cuts`; a bulk not yet relaxed
    gives the same choice), so a bad index is refused before any work; else one line giving how many there are."""
    return check_termination(termination, _cuts(bulk, check_miller(miller, "Miller index"), 1, vacuum), miller, name)


def strain_in_plane(slab: Atoms, strain: tuple[float, float]) -> Atoms:
    """Scale the a and b vectors by (1 + ε_a, 1 + ε_b), atoms following; c untouched."""
    strain = tuple(check_strain(value, "in-plane strain") for value in strain)
    strained = slab.copy()
    cell = strained.cell.array.copy()
    cell[0] *= 1.0 + strain[0]
    cell[1] *= 1.0 + strain[1]
    strained.set_cell(cell, scale_atoms=True)
    return strained


def fix_planes(atoms: Atoms, planes: int) -> Atoms:
    """Return a copy with the lowest ``planes`` atomic planes fixed (FixAtoms)."""
    planes = require_count(planes, "fixed planes", low=0)
    fixed = atoms.copy()
    if planes > 0:
        labels = plane_index(fixed)
        if planes >= labels.max() + 1:
            raise InputError(f"cannot fix {planes} planes of a {labels.max() + 1}-plane slab")
        fixed.set_constraint(FixAtoms(indices=np.flatnonzero(labels < planes)))
    return fixed


def in_plane_area(atoms: Atoms) -> float:
    """Area of the a × b face, Å²."""
    return float(np.linalg.norm(np.cross(atoms.cell[0], atoms.cell[1])))


def _first_shell_cutoff(distances: np.ndarray) -> float:
    """A cutoff between the first neighbour shell (distances within 8 % of the nearest) and the next."""
    distances = np.sort(distances)
    nearest = distances[0]
    first_max = distances[distances <= 1.08 * nearest].max()
    beyond = distances[distances > 1.08 * nearest]
    return 0.5 * (first_max + beyond[0]) if len(beyond) else 1.1 * first_max


def undercoordinated(slab: Atoms) -> np.ndarray:
    """Boolean mask of slab atoms with fewer first-shell neighbours than the atoms of its middle plane.

    The reference is the slab's own middle plane, so an in-plane strain (which moves neighbours in
    and out of the first shell) is treated the same way at the surface and in the "bulk".
    """
    labels = plane_index(slab)
    middle = np.flatnonzero(labels == labels.max() // 2)
    first, _, distances = neighbor_list("ijd", slab, 8.0)
    if not np.isin(first, middle).any():
        raise InputError("no neighbours within 8 A in the middle of the slab")
    cutoff = _first_shell_cutoff(distances[np.isin(first, middle)])
    counts = np.bincount(neighbor_list("i", slab, cutoff), minlength=len(slab))
    return counts < counts[middle].min()


def surface_planes(slab: Atoms) -> tuple[int, ...]:
    """Plane numbers (1 = bottom) holding the undercoordinated atoms of the bottom half: (1,) for BCC (100),
    (1, 2) for HCP (10-10). Classify an *unstrained* slab: strain moves neighbours across any cutoff."""
    labels = plane_index(slab)
    mask = undercoordinated(slab) & (labels < (labels.max() + 1) / 2)
    if not mask.any():
        raise InputError("no undercoordinated surface atoms found: the slab is too thin to tell surface from bulk")
    return tuple(sorted({int(p) + 1 for p in labels[mask]}))


REFERENCE_PLANES = 15


def reference_surface_planes(bulk: Atoms, miller, vacuum: float = 15.0, termination: int = 0) -> tuple[int, ...]:
    """Surface planes of ``miller`` classified on a thick (15-plane), unstrained slab.

    A thin slab's middle plane is itself undercoordinated (BCC (111), fcc (110), HCP (10-10) below
    ~7 planes), which would make the surface look like one plane; the thick slab does not.
    """
    return surface_planes(build_slab(bulk, miller, REFERENCE_PLANES, vacuum, termination))


def atoms_in_planes(slab: Atoms, planes: tuple[int, ...]) -> int:
    """Atoms in the given planes (1 = bottom): ρ·A when ``planes`` are the surface planes."""
    return int(np.count_nonzero(np.isin(plane_index(slab) + 1, planes)))


def is_symmetric(slab: Atoms, tolerance: float = 0.05) -> bool:
    """Whether top and bottom look alike: palindromic plane spacings and plane compositions."""
    labels = plane_index(slab)
    z = slab.positions[:, 2]
    heights = np.array([z[labels == p].mean() for p in range(labels.max() + 1)])
    compositions = [sorted(np.array(slab.get_chemical_symbols())[labels == p]) for p in range(labels.max() + 1)]
    spacings = np.diff(heights)
    return bool(np.allclose(spacings, spacings[::-1], atol=tolerance)) and compositions == compositions[::-1]


def require_symmetric(slab: Atoms, planes: int, miller) -> None:
    """Eq. 1 needs two identical surfaces; refuse a plane count that ends the slab differently."""
    if not is_symmetric(slab):
        raise InputError(f"a {planes}-plane {tuple(miller)} slab has different top and bottom surfaces; eq. 1 needs two "
                          "equal surfaces: choose other plane counts (e.g. even counts for HCP (10-10))")


def is_stoichiometric(slab: Atoms, bulk: Atoms) -> bool:
    """Whether ``slab`` holds the elements of ``bulk`` in the bulk's ratios (a whole number of formula units)."""
    slab_counts, bulk_counts = Counter(slab.get_chemical_symbols()), Counter(bulk.get_chemical_symbols())
    ratios = {slab_counts[s] / bulk_counts[s] for s in bulk_counts}
    return len(ratios) == 1 and set(slab_counts) == set(bulk_counts)
