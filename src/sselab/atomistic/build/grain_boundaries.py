"""Mirror bicrystals (seed 003's construction), boundary character, net formal charge and its removal.

Construction (You et al. 2025, §2 and §4.3: "mirrored along the (110) plane, with Zr and La atoms as the
central reference points"):

1. :func:`oriented_cell` — a periodic cell of the crystal whose third vector c is the shortest lattice
   vector normal to (hkl) and whose first two are the shortest perpendicular in-plane lattice vectors,
   rotated so that a ∥ x, c ∥ z (an orthogonal box when the lattice allows one, as cubic lattices do).
2. The cell is shifted so that an atomic plane holding ``element`` sits at z = 0 and repeated ``layers``
   times along c: grain A, of thickness L = layers × |c|, spans [0, L].
3. Grain B is the mirror image z → 2L − z of grain A. The box is 2L long; both boundaries (z = 0 and
   z = L) are mirror planes through a plane of ``element``, whose atoms are shared by the two grains, so
   that before overlap removal the bicrystal holds exactly twice grain A (its composition and charge).
4. Pairs across a boundary closer than ``min_distance_A`` are resolved by deleting the grain-B atom of
   the pair (reported by element); the net formal charge that leaves is reported and, if asked, removed
   by deleting the Li (excess positive charge) or O (excess negative charge) nearest to a boundary.

Character: a mirror can coincide with a translation of the crystal (then the "boundary" is an antiphase
or translation boundary, its structure coming only from the cut and from what overlap removal does);
:func:`mirror_translation` finds that translation if it exists. For the Ia-3d garnet La/Zr/O framework the
(110) mirror through a Zr or La plane is such a translation, a/4⟨1 −1 −1⟩; the (111) mirror is not (a Σ3
twin). :func:`csl_bicrystal` builds coincidence-site-lattice boundaries with pymatgen's ``GrainBoundaryGenerator``
and resolves their overlaps and charge the same way.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from ase import Atoms
from ase.build import make_supercell
from scipy.spatial import cKDTree

from sselab.constants import FORMAL_CHARGES
from sselab.errors import InputError
from sselab.validation import require_count, require_range

__all__ = [
    "CSLBicrystal",
    "MirrorBicrystal",
    "boundary_enrichment",
    "csl_bicrystal",
    "formal_charge",
    "grain_boundary_heights",
    "is_charge_balanced",
    "mirror_bicrystal",
    "mirror_translation",
    "neutralize_by_removal",
    "oriented_cell",
]

#: atoms closer than this along the normal belong to one atomic plane (Å)
PLANE_TOLERANCE_A = 0.1
#: how :func:`mirror_bicrystal` picks the mirror plane among the planes of its element
PLANE_CHOICES = ("first", "purest")
#: half-width (Å) of the slab about each boundary in which :func:`boundary_enrichment` compares composition with bulk
BOUNDARY_SLAB_HALF_WIDTH_A = 2.0
_SEARCH = 4  # integer coefficients searched for lattice vectors: |n_i| <= _SEARCH


def _check_miller(miller) -> tuple[int, int, int]:
    values = tuple(miller)
    if len(values) != 3 or not all(isinstance(v, (int, np.integer)) for v in values):
        raise InputError(f"a plane needs three whole Miller indices, got {miller!r}")
    if not any(values):
        raise InputError("the plane (0 0 0) does not exist: give non-zero Miller indices")
    return tuple(int(v) for v in values)  # type: ignore[return-value]


def _lattice_vectors(cell: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer combinations (|n_i| <= bound, not all zero) and their Cartesian vectors, shortest first."""
    combos = np.array([n for n in itertools.product(range(-bound, bound + 1), repeat=3) if any(n)])
    vectors = combos @ cell
    order = np.argsort(np.linalg.norm(vectors, axis=1), kind="stable")
    return combos[order], vectors[order]


def oriented_cell(atoms: Atoms, miller: tuple[int, int, int]) -> tuple[Atoms, np.ndarray, np.ndarray]:
    """``atoms`` re-celled with c the shortest lattice vector normal to (hkl), a and b the shortest in-plane
    lattice vectors (perpendicular to each other when possible), rotated to a ∥ x, c ∥ z.

    Returns the new cell, the integer matrix P (rows: new vectors in the old lattice's coefficients) and the
    rotation R taking the old frame to the new one (new positions = old positions @ R.T).
    Refused when no lattice vector within ±4 of each old vector is normal to the plane.
    """
    hkl = _check_miller(miller)
    cell = np.asarray(atoms.cell)
    normal = np.array(hkl, dtype=float) @ np.linalg.inv(cell).T  # reciprocal vector: normal to (hkl)
    normal /= np.linalg.norm(normal)
    combos, vectors = _lattice_vectors(cell, _SEARCH)
    lengths = np.linalg.norm(vectors, axis=1)
    cosines = vectors @ normal / lengths
    normal_ones = np.nonzero(np.abs(cosines - 1.0) < 1e-8)[0]
    in_plane = np.nonzero(np.abs(cosines) < 1e-8)[0]
    if not normal_ones.size or len(in_plane) < 2:
        raise InputError(f"no lattice vector of this cell is normal to ({' '.join(map(str, hkl))}) within ±{_SEARCH} cell "
                         "vectors: a mirror bicrystal needs one (cubic, tetragonal and orthorhombic cells have them for low indices)")
    first = in_plane[0]
    rest = in_plane[1:]
    rest = rest[np.linalg.norm(np.cross(vectors[rest], vectors[first]), axis=1) > 1e-6 * lengths[first]]
    perpendicular = rest[np.abs(vectors[rest] @ vectors[first]) < 1e-8 * lengths[first] * lengths[rest]]
    second = (perpendicular if perpendicular.size else rest)[0]
    matrix = np.array([combos[first], combos[second], combos[normal_ones[0]]])
    if np.linalg.det(matrix) < 0:
        matrix[1] *= -1
    oriented = make_supercell(atoms, matrix, wrap=True)
    standard, rotation = oriented.cell.standard_form()
    oriented.set_cell(standard, scale_atoms=True)
    oriented.wrap()
    return oriented, matrix, rotation


def _planes(z: np.ndarray, period: float) -> list[float]:
    """Distinct plane heights in [0, period) of the heights ``z`` (within PLANE_TOLERANCE_A, periodic)."""
    heights = np.sort(np.mod(z, period))
    planes: list[float] = []
    for value in heights:
        if not planes or value - planes[-1] > PLANE_TOLERANCE_A:
            planes.append(float(value))
    if len(planes) > 1 and planes[0] + period - planes[-1] <= PLANE_TOLERANCE_A:
        planes.pop()
    return planes


def _unit_interval(fractional: np.ndarray) -> np.ndarray:
    """Fractional coordinates folded into [0, 1) (np.mod can return 1.0 for a tiny negative value)."""
    folded = np.mod(fractional, 1.0)
    return np.where(folded >= 1.0, 0.0, folded)


def mirror_translation(atoms: Atoms, symbols: tuple[str, ...] | None = None, tolerance_A: float = 0.05) -> np.ndarray | None:
    """The translation t (Cartesian, Å) with mirror_z(atoms) = atoms + t (modulo the cell), or None.

    Compares only ``symbols`` when given (e.g. the La/Zr/O framework of a garnet, leaving out the
    partially ordered Li). ``atoms`` must have c ∥ z and a, b in the xy plane (as :func:`oriented_cell` gives).
    """
    keep = np.ones(len(atoms), bool) if symbols is None else np.isin(atoms.get_chemical_symbols(), symbols)
    if not keep.any():
        raise InputError(f"none of {symbols} is in the structure")
    cell = np.asarray(atoms.cell)
    positions, numbers = atoms.positions[keep], atoms.numbers[keep]
    mirrored = positions * np.array([1.0, 1.0, -1.0])
    inverse = np.linalg.inv(cell)
    reference = _unit_interval(positions @ inverse)
    anchor = int(np.argmin(np.bincount(numbers)[numbers]))  # an atom of the rarest kind: fewest candidates
    for j in np.nonzero(numbers == numbers[anchor])[0]:
        shift = positions[j] - mirrored[anchor]
        moved = _unit_interval((mirrored + shift) @ inverse)
        ok = True
        for number in np.unique(numbers):
            tree = cKDTree(reference[numbers == number], boxsize=1.0)  # periodic in fractional coordinates
            trial = moved[numbers == number]
            _, index = tree.query(trial)
            folded = trial - reference[numbers == number][index]
            folded -= np.round(folded)
            if np.linalg.norm(folded @ cell, axis=1).max() > tolerance_A:
                ok = False
                break
        if ok:
            return shift
    return None


def _folded_fractional(vector: np.ndarray, atoms: Atoms) -> list[float]:
    """``vector`` (Cartesian, the input's frame) in fractional coordinates of ``atoms``' cell, folded to [-1/2, 1/2)."""
    fractional = vector @ np.linalg.inv(np.asarray(atoms.cell))
    return [float(v) for v in fractional - np.floor(fractional + 0.5)]


def formal_charge(atoms: Atoms) -> float:
    """Net formal (oxidation-state) charge of ``atoms`` in e, from :data:`sselab.constants.FORMAL_CHARGES`."""
    symbols = atoms.get_chemical_symbols()
    missing = sorted(set(symbols) - set(FORMAL_CHARGES))
    if missing:
        raise InputError(f"no formal charge is known for {', '.join(missing)}")
    return float(sum(FORMAL_CHARGES[s] for s in symbols))


def is_charge_balanced(atoms: Atoms) -> bool:
    """True for an ionic cell, neutral with formal charges (False for a metal or an element without a known charge)."""
    return set(atoms.get_chemical_symbols()) <= set(FORMAL_CHARGES) and abs(formal_charge(atoms)) < 1e-9


def neutralize_by_removal(atoms: Atoms, distance_A: np.ndarray, cation: str = "Li", anion: str = "O") -> tuple[Atoms, dict[str, int]]:
    """Remove ``anion`` atoms while the net formal charge is negative and ``cation`` atoms while it is positive,
    nearest first by ``distance_A`` (one value per atom, e.g. the distance to a boundary). Returns the neutral
    cell and the counts removed. Refused when the charges of the two species cannot reach zero."""
    charge = formal_charge(atoms)
    q_cation, q_anion = FORMAL_CHARGES.get(cation, 0.0), FORMAL_CHARGES.get(anion, 0.0)
    if q_cation <= 0 or q_anion >= 0:
        raise InputError(f"neutralising needs a cation and an anion, got {cation} ({q_cation:+g}) and {anion} ({q_anion:+g})")
    symbols = np.array(atoms.get_chemical_symbols())
    order = np.argsort(np.asarray(distance_A), kind="stable")
    remove: list[int] = []
    removed = {cation: 0, anion: 0}
    anions = [i for i in order if symbols[i] == anion]
    cations = [i for i in order if symbols[i] == cation]
    while charge < -1e-9:
        if not anions:
            raise InputError(f"the cell stays at {charge:+g} e: no {anion} left to remove")
        remove.append(anions.pop(0))
        removed[anion] += 1
        charge -= q_anion
    while charge > 1e-9:
        if not cations:
            raise InputError(f"the cell stays at {charge:+g} e: no {cation} left to remove")
        remove.append(cations.pop(0))
        removed[cation] += 1
        charge -= q_cation
    if abs(charge) > 1e-9:
        raise InputError(f"removing {cation} and {anion} cannot make this cell neutral (left {charge:+g} e)")
    out = atoms.copy()
    del out[sorted(remove)]
    return out, removed


def _resolve_boundaries(bicrystal: Atoms, grain_b: np.ndarray, boundary_heights_A: tuple[float, ...], min_distance_A: float,
                        ionic: bool, neutralize: bool) -> tuple[Atoms, dict[str, int], dict[str, int], float]:
    """Delete the grain-B atom of every pair closer than ``min_distance_A`` across a boundary, then (an ``ionic``
    crystal only) remove the net formal charge left, Li or O nearest a boundary first (heights along z), or refuse
    unless ``neutralize``. Returns the bicrystal, the overlaps and neutralising removals by element, and the charge."""
    from ase.neighborlist import neighbor_list

    first, second = neighbor_list("ij", bicrystal, min_distance_A) if min_distance_A > 0 else (np.array([], int), np.array([], int))
    doomed = sorted({int(j) for i, j in zip(first, second) if grain_b[j] and not grain_b[i]})
    overlaps: dict[str, int] = {}
    for index in doomed:
        overlaps[bicrystal[index].symbol] = overlaps.get(bicrystal[index].symbol, 0) + 1
    bicrystal = bicrystal.copy()
    del bicrystal[doomed]
    bicrystal.wrap()
    distance = np.minimum.reduce([np.abs(bicrystal.positions[:, 2] - b) for b in boundary_heights_A])
    neutralized: dict[str, int] = {}
    # only a crystal that is neutral with formal charges (an ionic one, not a metal) is held to neutrality
    charge = formal_charge(bicrystal) if ionic else 0.0
    if abs(charge) > 1e-9:
        if not neutralize:
            raise InputError(f"overlap removal left a net formal charge of {charge:+g} e; ask for neutralising "
                             "(remove Li or O at the boundary) or change the minimum distance")
        bicrystal, neutralized = neutralize_by_removal(bicrystal, distance)
        charge = formal_charge(bicrystal)
    return bicrystal, overlaps, neutralized, charge


@dataclass
class MirrorBicrystal:
    """A mirror bicrystal and its record: plane, element, grain thickness, boundary heights, what was removed."""

    atoms: Atoms
    miller: tuple[int, int, int]
    element: str
    layers: int
    plane_spacing_A: float  # between neighbouring planes of ``element`` along the normal
    boundaries_z_A: tuple[float, float]
    translation_A: list[float] | None  # the mirror as a translation of the framework, if it is one (bicrystal frame)
    translation_fractional: list[float] | None  # the same in the input cell's fractional coordinates, folded to [-1/2, 1/2)
    overlaps_removed: dict[str, int] = field(default_factory=dict)
    neutralized: dict[str, int] = field(default_factory=dict)
    net_formal_charge: float = 0.0
    plane_choice: str = "first"
    mirror_plane_composition: dict[str, int] = field(default_factory=dict)  # atoms within 0.1 Å of the z = 0 mirror, as built
    enrichment: dict[str, float] = field(default_factory=dict)  # :func:`boundary_enrichment` within ±2 Å, as built

    @property
    def character(self) -> str:
        return "translation (antiphase-type) boundary" if self.translation_A is not None else "mirror (twin) boundary"

    def summary(self) -> dict:
        return {"miller": list(self.miller), "element": self.element, "layers": self.layers, "atoms": len(self.atoms),
                "formula": self.atoms.get_chemical_formula(), "cell_A": self.atoms.cell.lengths().tolist(),
                "grain_thickness_A": self.boundaries_z_A[1] - self.boundaries_z_A[0], "element_plane_spacing_A": self.plane_spacing_A,
                "boundaries_z_A": list(self.boundaries_z_A), "character": self.character, "translation_A": self.translation_A,
                "translation_fractional": self.translation_fractional,
                "overlaps_removed": self.overlaps_removed, "neutralized": self.neutralized, "net_formal_charge_e": self.net_formal_charge,
                "plane_choice": self.plane_choice, "mirror_plane_composition": self.mirror_plane_composition,
                "boundary_enrichment": self.enrichment}


def _slab_composition(atoms: Atoms, heights_A: tuple[float, ...], half_width_A: float) -> dict[str, int]:
    """Atoms by element within ``half_width_A`` along z of any of the heights ``heights_A`` (periodic in the cell's c).
    Unlike :func:`sselab.analysis.structure.slab_members` it needs only c ∥ z, not an orthogonal cell: a mirror
    bicrystal of a non-cubic lattice may have a tilted in-plane cell."""
    period = float(atoms.cell[2, 2])
    near = np.zeros(len(atoms), bool)
    for height in heights_A:
        near |= np.abs(np.mod(atoms.positions[:, 2] - height + period / 2, period) - period / 2) <= half_width_A
    symbols = np.array(atoms.get_chemical_symbols())[near]
    return {str(name): int(count) for name, count in zip(*np.unique(symbols, return_counts=True))}


def _purest_plane(atoms: Atoms, element: str, heights_A: list[float]) -> float:
    """Of the planes of ``element`` at ``heights_A`` (each holds at least one atom of it), the one where ``element`` is
    the largest share of the atoms within ``PLANE_TOLERANCE_A`` of it (ties: more atoms of ``element``, then the
    lowest). The share is of that thin layer only: in a garnet along (111) the layers are corrugated, and other
    species sit 0.1-0.6 Å away."""
    def rank(height: float) -> tuple[float, int, float]:
        composition = _slab_composition(atoms, (height,), PLANE_TOLERANCE_A)
        return composition.get(element, 0) / sum(composition.values()), composition.get(element, 0), -height

    return max(heights_A, key=rank)


def boundary_enrichment(bicrystal: Atoms, boundaries_z_A: tuple[float, ...], crystal: Atoms,
                        half_width_A: float = BOUNDARY_SLAB_HALF_WIDTH_A) -> dict[str, float]:
    """Per element, its share of the atoms within ``half_width_A`` of the boundaries divided by its share in
    ``crystal``: > 1 where the boundary region is enriched in it, < 1 where depleted (0 for an element absent there)."""
    require_range(half_width_A, "boundary slab half-width", low=0.0, low_inclusive=False, unit="A")
    slab = _slab_composition(bicrystal, boundaries_z_A, half_width_A)
    total = sum(slab.values())
    if total == 0:
        raise InputError(f"no atom lies within {half_width_A} Å of the boundaries")
    bulk = crystal.get_chemical_symbols()
    return {element: slab.get(element, 0) / total / (bulk.count(element) / len(bulk)) for element in sorted(set(bulk))}


def mirror_bicrystal(atoms: Atoms, miller: tuple[int, int, int], element: str, *, layers: int = 1, min_distance_A: float = 1.6,
                     neutralize: bool = False, framework: tuple[str, ...] | None = None,
                     plane_choice: str = "first") -> MirrorBicrystal:
    """Seed 003's bicrystal: grain A (``layers`` periods of :func:`oriented_cell` along the (hkl) normal, an
    ``element`` plane at z = 0) and its mirror image, two boundaries per box (see the module docstring).

    ``min_distance_A`` (default 1.6 Å, below LLZO's shortest bulk pair, Li–O 1.80 Å) sets the overlap test.
    ``framework`` names the species compared by :func:`mirror_translation` (default: every species but Li,
    whose partial ordering in a garnet would hide a translation of the framework; all of them in a Li-free or
    Li-only crystal). ``plane_choice`` picks which plane of ``element`` is the mirror: "first" (the lowest along the
    normal of :func:`oriented_cell`) or "purest" (:func:`_purest_plane`: the thin layer made most of ``element``; for
    seed 003's Li-, La- and Zr-enriched (111) interfaces, where the lowest Li layer also holds Zr). What the boundary
    region holds after overlap removal and neutralising is reported as :func:`boundary_enrichment`. A net formal
    charge left by overlap removal (in a crystal neutral with formal charges) is an error unless ``neutralize``
    is True.
    """
    require_count(layers, "grain thickness (periods along the normal)", low=1, high=50)
    require_range(min_distance_A, "minimum distance", low=0.0, high=3.0, unit="A")
    if element not in atoms.get_chemical_symbols():
        raise InputError(f"the mirror element {element} is not in the structure ({atoms.get_chemical_formula()})")
    if plane_choice not in PLANE_CHOICES:
        raise InputError(f"the mirror plane choice must be one of {', '.join(PLANE_CHOICES)}, got {plane_choice!r}")
    oriented, _, rotation = oriented_cell(atoms, miller)
    period = float(oriented.cell[2, 2])
    heights = oriented.positions[np.array(oriented.get_chemical_symbols()) == element, 2]
    candidates = _planes(heights, period)
    plane = candidates[0] if plane_choice == "first" else _purest_plane(oriented, element, candidates)
    oriented.positions[:, 2] -= plane
    oriented.wrap()
    z = oriented.positions[:, 2]
    near_top = z > period - PLANE_TOLERANCE_A  # an atom of the z = 0 plane wrapped to just below the top
    oriented.positions[near_top, 2] -= period
    if framework is None:
        others = tuple(sorted(set(atoms.get_chemical_symbols()) - {"Li"}))
        framework = others or None
    translation = mirror_translation(oriented, framework)
    grain = oriented.repeat((1, 1, layers))
    length = period * layers
    z = grain.positions[:, 2]
    on_plane = np.abs(z) <= PLANE_TOLERANCE_A
    inside = ~on_plane
    top_plane = grain[on_plane]
    top_plane.positions[:, 2] += length
    mirror = grain[inside]
    mirror.positions[:, 2] = 2 * length - mirror.positions[:, 2]
    cell = grain.cell.array.copy()
    cell[2] *= 2
    bicrystal = Atoms(cell=cell, pbc=True)
    for part in (grain, top_plane, mirror):
        bicrystal += part
    bicrystal.set_cell(cell)
    grain_b = np.zeros(len(bicrystal), bool)
    grain_b[len(grain) + len(top_plane):] = True
    boundaries = (0.0, length)
    bicrystal, overlaps, neutralized, charge = _resolve_boundaries(bicrystal, grain_b, (0.0, length, 2 * length), min_distance_A,
                                                                  is_charge_balanced(atoms), neutralize)
    return MirrorBicrystal(atoms=bicrystal, miller=_check_miller(miller), element=element, layers=layers,
                           plane_spacing_A=period / max(len(_planes(heights, period)), 1), boundaries_z_A=boundaries,
                           translation_A=None if translation is None else [float(v) for v in translation],
                           translation_fractional=None if translation is None else _folded_fractional(translation @ rotation, atoms),
                           overlaps_removed=overlaps, neutralized=neutralized, net_formal_charge=charge,
                           plane_choice=plane_choice,
                           mirror_plane_composition=_slab_composition(bicrystal, (0.0,), PLANE_TOLERANCE_A),
                           enrichment=boundary_enrichment(bicrystal, boundaries, atoms))


@dataclass
class CSLBicrystal:
    """A coincidence-site-lattice bicrystal (pymatgen's ``GrainBoundaryGenerator``) and its record."""

    atoms: Atoms
    sigma: int
    rotation_axis: tuple[int, int, int]
    rotation_angle_deg: float
    plane: tuple[int, int, int]
    expand_times: int
    boundaries_z_A: tuple[float, float]
    overlaps_removed: dict[str, int] = field(default_factory=dict)
    neutralized: dict[str, int] = field(default_factory=dict)
    net_formal_charge: float = 0.0

    def summary(self) -> dict:
        return {"sigma": self.sigma, "rotation_axis": list(self.rotation_axis), "rotation_angle_deg": self.rotation_angle_deg,
                "plane": list(self.plane), "expand_times": self.expand_times, "atoms": len(self.atoms),
                "formula": self.atoms.get_chemical_formula(), "cell_A": self.atoms.cell.lengths().tolist(),
                "cell_angles_deg": self.atoms.cell.angles().tolist(), "grain_thickness_A": self.boundaries_z_A[1] - self.boundaries_z_A[0],
                "boundaries_z_A": list(self.boundaries_z_A), "character": f"Σ{self.sigma} CSL boundary",
                "overlaps_removed": self.overlaps_removed, "neutralized": self.neutralized, "net_formal_charge_e": self.net_formal_charge}


def grain_boundary_heights(z_fractional: np.ndarray, upper_grain: np.ndarray) -> tuple[float, float]:
    """The two boundaries of a periodic bicrystal whose lower grain fills z ∈ [0, ½) and upper grain [½, 1), as
    fractions of c: each lies midway between the facing outermost layers of the two grains,

        z₁ = (top of lower + bottom of upper)/2,   z₀ = (top of upper + bottom of lower + 1)/2 (taken in [0, 1)),

    each grain's extent measured as signed distances from its own centre (¼ or ¾), far from where its atoms lie, so
    that an atom on either side of z = 0 or z = ½ counts with its grain. A boundary whose plane is an atomic layer (a
    twin's mirror) lies half a layer spacing from that layer."""
    z = np.mod(np.asarray(z_fractional, dtype=float), 1.0)
    upper = np.asarray(upper_grain, dtype=bool)
    if upper.all() or not upper.any():
        raise InputError("a bicrystal needs atoms of both grains")

    def about(centre: float, members: np.ndarray) -> np.ndarray:
        return centre + np.mod(z[members] - centre + 0.5, 1.0) - 0.5

    lower_z, upper_z = about(0.25, ~upper), about(0.75, upper)
    middle = 0.5 * (lower_z.max() + upper_z.min())
    bottom = 0.5 * (upper_z.max() + lower_z.min() + 1.0)
    return float(np.mod(bottom, 1.0)), float(middle)


def csl_bicrystal(atoms: Atoms, rotation_axis: tuple[int, int, int], rotation_angle_deg: float, *,
                  plane: tuple[int, int, int] | None = None, expand_times: int = 2, min_distance_A: float = 1.6,
                  neutralize: bool = False) -> CSLBicrystal:
    """A CSL bicrystal: grain B is grain A rotated by ``rotation_angle_deg`` about ``rotation_axis`` (pymatgen's
    ``GrainBoundaryGenerator.gb_from_parameters`` with ``normal=True``, so c is normal to the boundary plane, and its
    own overlap removal off), two boundaries per box near z = 0 and z = c/2 (at the heights of
    :func:`grain_boundary_heights`) with ``expand_times`` CSL periods per grain, rotated so that c points along +z.

    The angle must be a CSL angle of the axis (pymatgen's ``enum_sigma_cubic`` and relatives list them). Overlaps
    across a boundary and the net formal charge are handled as for :func:`mirror_bicrystal`.

    pymatgen takes the lattice type from the space group; an ordered Li sublattice lowers LLZO's to P1 although its
    lattice stays cubic. A cell with a cubic metric (a = b = c, right angles, to 1e-4) is therefore declared cubic from
    its metric (the generator is made from the bare lattice and then given the full structure, which for a cubic
    lattice pymatgen uses as it is); other cells go through pymatgen's own analysis.
    """
    import warnings

    from pymatgen.core.interface import GrainBoundaryGenerator
    from pymatgen.io.ase import AseAtomsAdaptor

    axis = _check_miller(rotation_axis)
    if plane is not None:
        plane = _check_miller(plane)
    require_range(rotation_angle_deg, "rotation angle", low=0.0, high=180.0, low_inclusive=False, unit="deg")
    require_count(expand_times, "grain thickness (CSL periods, expand_times)", low=1, high=20)
    require_range(min_distance_A, "minimum distance", low=0.0, high=3.0, unit="A")
    structure = AseAtomsAdaptor.get_structure(atoms)
    lengths, angles = atoms.cell.lengths(), atoms.cell.angles()
    if np.ptp(lengths) < 1e-4 * lengths.max() and np.allclose(angles, 90.0, atol=1e-4):
        from pymatgen.core import Structure

        generator = GrainBoundaryGenerator(Structure(structure.lattice, ["H"], [[0.0, 0.0, 0.0]]))
        generator.initial_structure = structure
    else:
        try:
            generator = GrainBoundaryGenerator(structure)
        except ValueError as error:
            raise InputError(f"no CSL boundaries for this cell: {' '.join(str(error).split())[:160]}") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            boundary = generator.gb_from_parameters(list(axis), float(rotation_angle_deg), expand_times=expand_times,
                                                    plane=None if plane is None else list(plane), normal=True, rm_ratio=0.0)
    except (ValueError, RuntimeError, IndexError, ZeroDivisionError, np.linalg.LinAlgError) as error:
        reason = " ".join(str(error).split()).split(". ")[0][:120]
        raise InputError(f"no CSL boundary for axis {list(axis)}, angle {rotation_angle_deg:g}° ({reason}): "
                         "use a CSL angle of that axis") from None
    built = AseAtomsAdaptor.get_atoms(boundary)
    labels = np.asarray(boundary.site_properties["grain_label"])
    grain_b = np.char.startswith(labels.astype(str), "top")
    for key in list(built.arrays):
        if key not in ("numbers", "positions"):
            del built.arrays[key]
    if not np.allclose(built.cell.angles()[:2], 90.0, atol=1e-6):
        raise InputError(f"pymatgen built this boundary with c not normal to its plane (cell angles "
                         f"{np.round(built.cell.angles(), 2).tolist()}): give the boundary plane explicitly")
    # a rigid rotation into the standard orientation (a along x, c along +z): pymatgen's c may point along -z
    oriented = Atoms(built.get_chemical_symbols(), cell=built.cell.cellpar(), pbc=True)
    oriented.set_scaled_positions(built.get_scaled_positions())
    height = float(oriented.cell.array[2, 2])
    heights = tuple(height * z for z in grain_boundary_heights(oriented.get_scaled_positions()[:, 2], grain_b))
    bicrystal, overlaps, neutralized, charge = _resolve_boundaries(oriented, grain_b, (heights[0] - height, *heights, heights[0] + height), min_distance_A,
                                                                  is_charge_balanced(atoms), neutralize)
    return CSLBicrystal(atoms=bicrystal, sigma=int(boundary.sigma), rotation_axis=axis, rotation_angle_deg=float(rotation_angle_deg),
                        plane=tuple(int(v) for v in boundary.gb_plane), expand_times=expand_times, boundaries_z_A=heights,
                        overlaps_removed=overlaps, neutralized=neutralized, net_formal_charge=charge)
