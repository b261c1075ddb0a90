"""Coherent metal/substrate interfaces (seed 001); their work of adhesion is :mod:`sselab.atomistic.properties.adhesion`.

Construction, following the paper's "Interface generation":

1. Cut the metal and the substrate slabs (:func:`~sselab.atomistic.build.slabs.build_slab`).
2. Find the smallest pair of in-plane supercells (at most ``max_area`` Å², default 120) that match
   within ``max_strain`` with the Zur–McGill algorithm (pymatgen's :class:`ZSLGenerator`); a square
   metal face on a hexagonal substrate (Li(100) on Li₃P(001)) needs ~250 Å² at 3 %. The metal is strained onto the
   substrate (the substrate keeps its relaxed bulk lattice). The misfit is reported as the
   principal in-plane stretches of the metal minus one.
3. Repeat both laterally so that periodic images of a vacancy are ≥ ``min_image`` Å apart.
4. Registry: a metal atom of the interface plane goes above an anion of the substrate's top
   layer (``anion``, the paper's choice for ionic substrates), above a hollow (``hollow``: the
   in-plane point farthest from the top-plane atoms, the paper's choice for metallic substrates),
   or above a cation (``cation``). The default is ``anion`` when the substrate has an element with
   Pauling electronegativity ≥ 2.5, else ``hollow``.
5. Initial separation: the metal is lowered until its closest substrate atom is at the mean of the
   metal's and the substrate's nearest-neighbour distances (for Li on LiCl 2.8 Å vs the paper's
   a/2 = 2.6 Å; a fixed interplanar spacing would put Li 0.9 Å from O on Li3PO4 or Li2O, whose
   planes come in close pairs). All atoms then relax at fixed cell.

"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import Atoms
from ase.build import make_supercell
from ase.neighborlist import neighbor_list
from pymatgen.analysis.interfaces.zsl import ZSLGenerator
from pymatgen.core.periodic_table import Element
from scipy.optimize import brentq
from scipy.spatial import Voronoi, cKDTree

from sselab.atomistic.build.checks import check_max_strain, check_miller, check_min_image, check_planes, check_repeats
from sselab.atomistic.build.slabs import (
    build_slab,
    check_cut,
    fix_planes,
    in_plane_area,
    orthogonal_c,
    plane_index,
    reference_surface_planes,
    require_symmetric,
)
from sselab.errors import InputError, SSELabError
from sselab.validation import require_count, require_positive, require_within_limit

ANION_ELECTRONEGATIVITY = 2.5
REGISTRIES = ("anion", "cation", "hollow")
#: Largest in-plane area (Å²) of the coherent-match search unless asked otherwise (--max-area)
DEFAULT_MATCH_AREA_A2 = 120.0


@dataclass(frozen=True)
class LatticeMatch:
    """Integer in-plane supercells (2×2, rows = new a, b in old a, b) and the metal's misfit."""

    metal_matrix: tuple[tuple[int, int], tuple[int, int]]
    substrate_matrix: tuple[tuple[int, int], tuple[int, int]]
    stretches: tuple[float, float]  # principal in-plane stretches of the metal (1 = unstrained)
    area_A2: float

    @property
    def max_misfit(self) -> float:
        return float(max(abs(s - 1.0) for s in self.stretches))


def _in_plane(vectors: np.ndarray) -> np.ndarray:
    return np.asarray(vectors, dtype=float)[:2, :2]


def _integer_matrix(supercell_vectors, cell_vectors) -> np.ndarray:
    solution, *_ = np.linalg.lstsq(_in_plane(cell_vectors).T, _in_plane(supercell_vectors).T, rcond=None)
    matrix = np.rint(solution.T).astype(int)
    if not np.allclose(matrix @ _in_plane(cell_vectors), _in_plane(supercell_vectors), atol=1e-4):
        raise SSELabError("internal: lattice-match vectors are not integer combinations of the surface cell")
    return matrix


def match_lattices(metal_slab: Atoms, substrate_slab: Atoms, max_strain: float = 0.08,
                   max_area: float = DEFAULT_MATCH_AREA_A2) -> LatticeMatch:
    """The smallest-area coherent match of the two surface cells (ties: least misfit)."""
    max_strain = check_max_strain(max_strain, "max strain (--max-strain)")
    generator = ZSLGenerator(max_area_ratio_tol=2.2 * max_strain + max_strain**2, max_area=max_area,
                             max_length_tol=max_strain, max_angle_tol=max_strain / 2)
    metal_vectors = metal_slab.cell.array[:2]
    substrate_vectors = substrate_slab.cell.array[:2]
    candidates = []
    for match in generator(metal_vectors, substrate_vectors):
        metal_matrix = _integer_matrix(match.film_sl_vectors, metal_vectors)
        substrate_matrix = _integer_matrix(match.substrate_sl_vectors, substrate_vectors)
        if np.linalg.det(metal_matrix) < 0:  # keep both supercells right-handed: the pairing a↔a, b↔b...
            metal_matrix[1] *= -1
        if np.linalg.det(substrate_matrix) < 0:  # ...then holds up to the sign of b, which the strain check judges
            substrate_matrix[1] *= -1
        film = metal_matrix @ _in_plane(metal_vectors)
        substrate = substrate_matrix @ _in_plane(substrate_vectors)
        deformation = np.linalg.solve(film, substrate).T  # substrate rows = film rows @ D.T
        stretches = np.linalg.svd(deformation, compute_uv=False)
        misfit = float(np.max(np.abs(stretches - 1.0)))
        if misfit <= max_strain + 1e-9:
            area = abs(float(np.linalg.det(substrate)))
            candidates.append((round(area, 6), misfit, metal_matrix, substrate_matrix, stretches))
    if not candidates:
        raise InputError(
            f"no coherent match within {max_strain:.1%} strain and {max_area:g} A^2: the misfit is beyond tolerance "
            "(raise --max-strain or --max-area)"
        )
    area, _, metal_matrix, substrate_matrix, stretches = min(candidates, key=lambda c: (c[0], c[1]))
    return LatticeMatch(tuple(map(tuple, metal_matrix.tolist())), tuple(map(tuple, substrate_matrix.tolist())),
                        (float(stretches[0]), float(stretches[1])), area)


def _supercell(slab: Atoms, matrix) -> Atoms:
    full = np.eye(3, dtype=int)
    full[:2, :2] = np.asarray(matrix)
    return make_supercell(slab, full, wrap=True)


def lateral_repeats(cell: np.ndarray, min_image: float) -> tuple[int, int]:
    """Repeats of a and b so that in-plane periodic images are at least ``min_image`` Å apart."""
    a, b = np.asarray(cell)[0, :2], np.asarray(cell)[1, :2]
    area = abs(a[0] * b[1] - a[1] * b[0])
    # distance between lattice lines: height of the parallelogram over each side
    return (max(1, int(np.ceil(min_image / (area / np.linalg.norm(b))))),
            max(1, int(np.ceil(min_image / (area / np.linalg.norm(a))))))


def repeat_for_images(slab: Atoms, min_image: float, what: str) -> Atoms:
    """``slab`` repeated in a and b until periodic images are ≥ ``min_image`` Å apart (:func:`lateral_repeats`);
    refused before it is built when the repeated cell would exceed the ``atoms`` limit."""
    min_image = check_min_image(min_image, "min image (--min-image)")
    repeats = lateral_repeats(slab.cell.array, min_image)
    check_repeats(len(slab), (*repeats, 1), f"{what} repeated {repeats[0]} x {repeats[1]} for --min-image {min_image:g} A")
    return slab.repeat((*repeats, 1))


def strained_metal(metal_slab: Atoms, match: LatticeMatch, substrate_cell: np.ndarray, repeats: tuple[int, int]) -> Atoms:
    """The metal slab in the matched supercell, strained onto the substrate's in-plane vectors."""
    film = _supercell(metal_slab, match.metal_matrix)
    target = film.cell.array.copy()
    target[:2] = np.asarray(substrate_cell)[:2]
    film.set_cell(target, scale_atoms=True)
    return film.repeat((repeats[0], repeats[1], 1))


def _top_plane_atoms(slab: Atoms, plane_offset: int = 0) -> np.ndarray:
    labels = plane_index(slab)
    return np.flatnonzero(labels == labels.max() - plane_offset)


def default_registry(substrate: Atoms) -> str:
    electronegativity = max(Element(s).X for s in set(substrate.get_chemical_symbols()))
    return "anion" if electronegativity >= ANION_ELECTRONEGATIVITY else "hollow"


def hollow_site(substrate: Atoms, top: np.ndarray) -> np.ndarray:
    """The in-plane point farthest from every atom of the top plane (periodic in a and b).

    It is the Voronoi vertex of the (periodically repeated) top-plane atoms with the largest distance
    to its nearest atom: the fourfold hollow of a BCC/B2, fcc or rock-salt (100) face, the threefold
    hollow of a close-packed face.
    """
    cell = substrate.cell.array[:2, :2]
    base = substrate.positions[top, :2]
    shifts = np.array([(i, j) for i in (-1, 0, 1) for j in (-1, 0, 1)]) @ cell
    tiled = (base[None, :, :] + shifts[:, None, :]).reshape(-1, 2)
    vertices = Voronoi(tiled).vertices
    fractional = np.linalg.solve(cell.T, vertices.T).T
    inside = np.all((fractional >= -1e-9) & (fractional < 1 - 1e-9), axis=1)
    candidates = vertices[inside]
    distance, _ = cKDTree(tiled).query(candidates)
    best = np.flatnonzero(distance >= distance.max() - 1e-6)
    return candidates[best[np.lexsort(candidates[best].T[::-1])][0]]


def registry_site(substrate: Atoms, registry: str) -> np.ndarray:
    """Cartesian xy of the substrate site the first metal atom is placed over."""
    symbols = np.array(substrate.get_chemical_symbols())
    chi = np.array([Element(s).X for s in symbols])
    top = _top_plane_atoms(substrate)
    if registry == "hollow":
        return hollow_site(substrate, top)
    if registry in ("anion", "cation"):
        z_top = substrate.positions[top, 2].max()
        near_surface = np.flatnonzero(substrate.positions[:, 2] > z_top - 1.5)
        pick = np.argmax if registry == "anion" else np.argmin
        best = chi[near_surface][pick(chi[near_surface])]
        candidates = near_surface[chi[near_surface] == best]
        return substrate.positions[candidates[np.argmax(substrate.positions[candidates, 2])], :2]
    raise InputError(f"unknown registry {registry!r}; choose {', '.join(REGISTRIES)}")


def check_interface_options(metal_bulk: Atoms, substrate_bulk: Atoms, metal_miller, substrate_miller, metal_planes: int,
                            substrate_planes: int, max_strain: float, min_image: float, registry: str | None,
                            substrate_termination: str | None, fix_substrate_planes: int,
                            max_area: float = DEFAULT_MATCH_AREA_A2, substrate_cut: int = 0) -> None:
    """Refuse, before any slab is cut (or any bulk relaxed), options :func:`build_interface` cannot honour.

    Checked: both Miller indices, the plane counts (metal ≥ 3: interface, bulk and free surface; substrate ≥ 2)
    with each slab's atom estimate, the strain tolerance, the match area (> 0, within the ``interface_area_A2``
    limit), the image distance, the registry, that the substrate holds the asked termination element, that
    ``substrate_cut`` indexes one of its distinct cuts, and 0 ≤ fixed planes < substrate planes.
    """
    metal_miller = check_miller(metal_miller, "metal Miller index (--metal-miller / --miller)")
    substrate_miller = check_miller(substrate_miller, "substrate Miller index (--substrate-miller)")
    check_planes([metal_planes], "metal planes (--metal-planes)", metal_bulk, f"metal {metal_miller} slab", low=3)
    check_planes([substrate_planes], "substrate planes (--substrate-planes)", substrate_bulk,
                 f"substrate {substrate_miller} slab", low=2)
    check_max_strain(max_strain, "max strain (--max-strain)")
    require_positive(max_area, "max area (--max-area)", unit="A^2")
    require_within_limit(max_area, "interface_area_A2", "the coherent-match search (--max-area)")
    check_min_image(min_image, "min image (--min-image)")
    if registry is not None and registry not in REGISTRIES:
        raise InputError(f"unknown registry {registry!r} (--registry); choose {', '.join(REGISTRIES)}")
    if substrate_termination is not None and substrate_termination not in set(substrate_bulk.get_chemical_symbols()):
        raise InputError(f"--substrate-termination {substrate_termination!r}: the substrate holds "
                         f"{', '.join(sorted(set(substrate_bulk.get_chemical_symbols())))}")
    require_count(fix_substrate_planes, "fixed substrate planes (--fix-substrate-planes)", low=0, high=substrate_planes - 1)
    check_cut(substrate_cut, substrate_bulk, substrate_miller, name="substrate cut (--substrate-cut)")


@dataclass
class InterfaceModel:
    """An interface and its two parts, all in one cell; ``metal_indices`` index ``interface``."""

    interface: Atoms
    metal: Atoms
    substrate: Atoms
    metal_indices: np.ndarray
    match: LatticeMatch
    repeats: tuple[int, int]
    registry: str
    gap_A: float
    surface_planes: tuple[int, ...]  # metal planes (1 = at the substrate) undercoordinated in the unstrained slab

    @property
    def area_A2(self) -> float:
        return in_plane_area(self.interface)


def nearest_neighbour_distance(bulk: Atoms) -> float:
    distances = neighbor_list("d", bulk, 6.0)
    if len(distances) == 0:
        raise InputError("no neighbours within 6 A in the bulk structure")
    return float(distances.min())


def _closest_contact(substrate: Atoms, metal: Atoms, lift: float) -> float:
    lifted = metal.copy()
    lifted.positions[:, 2] += lift
    pair = substrate.copy() + lifted
    pair.set_cell(substrate.cell, scale_atoms=False)
    pair.pbc = (True, True, False)
    n = len(substrate)
    first, second, distances = neighbor_list("ijd", pair, 8.0)
    across = (first < n) & (second >= n)
    return float(distances[across].min()) if across.any() else np.inf


def separation_for_contact(substrate: Atoms, metal: Atoms, target: float) -> float:
    """Vertical gap (metal bottom above substrate top) at which the closest metal-substrate distance is ``target``.

    0 when even touching planes are farther apart than ``target`` (a very open substrate surface).
    """
    def excess(lift: float) -> float:
        return _closest_contact(substrate, metal, lift) - target

    if excess(0.0) >= 0:
        return 0.0
    if excess(8.0) <= 0:
        raise InputError("cannot place the metal: no gap up to 8 A gives a sensible closest contact")
    return float(brentq(excess, 0.0, 8.0, xtol=1e-4))


def orient_substrate(substrate_bulk: Atoms, miller, planes: int, vacuum: float, termination: str | None, cut: int = 0) -> Atoms:
    """Substrate slab of the distinct ``cut`` (widest interplanar spacing first, as
    :func:`~sselab.atomistic.build.slabs.build_slab`) whose top plane holds ``termination`` (an element) when asked."""
    for count in (planes, planes + 1):
        slab = build_slab(substrate_bulk, miller, count, vacuum, termination=cut)
        if termination is None:
            return slab
        for candidate in (slab, _flipped(slab, vacuum)):
            top = _top_plane_atoms(candidate)
            if termination in set(np.array(candidate.get_chemical_symbols())[top]):
                return candidate
    raise InputError(f"no {miller} cut of the substrate has {termination} in its top plane")


def _flipped(slab: Atoms, vacuum: float) -> Atoms:
    flipped = slab.copy()
    flipped.positions[:, 2] *= -1.0
    flipped.positions[:, 1] *= -1.0  # a rotation about x, keeping the cell right-handed
    cell = flipped.cell.array.copy()
    cell[:, 1] *= -1.0
    cell[:, 2] *= -1.0
    cell[1] *= -1.0  # b -> -b (same lattice) keeps a, b, +z right-handed once c points up again
    flipped.set_cell(cell, scale_atoms=False)
    return orthogonal_c(flipped, vacuum)


def build_interface(metal_bulk: Atoms, substrate_bulk: Atoms, metal_miller, substrate_miller, metal_planes: int = 11,
                    substrate_planes: int = 4, max_strain: float = 0.08, min_image: float = 9.0, registry: str | None = None,
                    substrate_termination: str | None = None, vacuum: float = 15.0, gap: float | None = None,
                    fix_substrate_planes: int = 0, max_area: float = DEFAULT_MATCH_AREA_A2,
                    substrate_cut: int = 0) -> InterfaceModel:
    """A coherent metal-on-substrate interface (metal above, substrate below).

    ``substrate_cut`` picks the substrate's cut among the distinct ones, widest interplanar spacing first (0); on
    Li₃P(001) cut 0 leaves a polar LiP|Li₂ stack and cut 1 the nonpolar Li|LiP|Li units.

    ``fix_substrate_planes`` freezes the lowest substrate planes (bulk-like) in every later relaxation. The
    options are checked first (:func:`check_interface_options`), and the laterally repeated cell is refused
    before it is built when it would exceed the ``atoms`` limit.
    """
    check_interface_options(metal_bulk, substrate_bulk, metal_miller, substrate_miller, metal_planes, substrate_planes,
                            max_strain, min_image, registry, substrate_termination, fix_substrate_planes, max_area,
                            substrate_cut)
    metal_slab = build_slab(metal_bulk, metal_miller, metal_planes, vacuum)
    require_symmetric(metal_slab, metal_planes, metal_miller)  # the interface side and the free side alike
    substrate_slab = orient_substrate(substrate_bulk, substrate_miller, substrate_planes, vacuum, substrate_termination,
                                      substrate_cut)
    match = match_lattices(metal_slab, substrate_slab, max_strain, max_area)
    substrate = _supercell(substrate_slab, match.substrate_matrix)
    repeats = lateral_repeats(substrate.cell.array, min_image)
    matched_metal = len(metal_slab) * abs(round(np.linalg.det(np.asarray(match.metal_matrix, dtype=float))))
    check_repeats(matched_metal + len(substrate), (*repeats, 1),
                  f"the interface repeated {repeats[0]} x {repeats[1]} for --min-image")
    metal = strained_metal(metal_slab, match, substrate.cell.array, repeats)
    substrate = substrate.repeat((repeats[0], repeats[1], 1))
    registry = registry or default_registry(substrate)
    site = registry_site(substrate, registry)

    z_sub = substrate.positions[:, 2]
    metal_labels = plane_index(metal)
    anchor = np.flatnonzero(metal_labels == 0)[0]
    placed = metal.copy()
    placed.positions[:, :2] += site - metal.positions[anchor, :2]
    placed.positions[:, 2] += z_sub.max() - metal.positions[:, 2].min()
    if gap is None:
        target = 0.5 * (nearest_neighbour_distance(metal_bulk) + nearest_neighbour_distance(substrate_bulk))
        gap = separation_for_contact(substrate, placed, target)
    placed.positions[:, 2] += gap

    if fix_substrate_planes:
        substrate = fix_planes(substrate, fix_substrate_planes)
    combined = substrate.copy() + placed
    combined.set_cell(substrate.cell, scale_atoms=False)
    combined = orthogonal_c(combined, vacuum)
    n_sub = len(substrate)
    metal_indices = np.arange(n_sub, n_sub + len(placed))
    metal_only = combined[metal_indices]
    substrate_only = combined[:n_sub]
    combined.info.update({"registry": registry, "metal_planes": metal_planes, "substrate_planes": substrate_planes})
    return InterfaceModel(combined, metal_only, substrate_only, metal_indices, match, repeats, registry, gap,
                          reference_surface_planes(metal_bulk, metal_miller, vacuum))
