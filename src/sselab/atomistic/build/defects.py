"""Defect structures: Li-site selection in LLZO and random defect configurations ranked by electrostatics.

Which Li sites (for the scan in :mod:`sselab.atomistic.properties.sites`): an ordered Li arrangement has little or no symmetry, so symmetry-equivalent Li (spglib,
when the ordering keeps any symmetry) are scanned once, and from the distinct ones ``octahedral`` and
``tetrahedral`` representatives are taken evenly spread over the range of their formal-charge Madelung
site energies (pymatgen ``EwaldSummation.get_site_energy``) — the paper's 21 sites (14 O, 7 T) are the
defaults. Higher concentrations follow the paper: the lowest configuration with n ions is the start for
n + 1, whose extra ion is scanned over ``candidates`` octahedral Li sites again.

Configuration sampling (seed 004, "500 configurations ... top-5 lowest E_Ewald relaxed")
---------------------------------------------------------------------------------------
:func:`sample_configurations` draws random substitutions (and optional extra atoms on given interstitial
sites), ranks them by their formal-charge Ewald energy, drops duplicates (same Ewald energy within
1e-6 eV), and returns the lowest ``keep``; the caller relaxes them and keeps the lowest calculator energy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers
from ase.geometry import get_distances

from sselab.atomistic.build.electrostatics import ewald_energy, madelung_site_energies
from sselab.atomistic.build.llzo import OCTAHEDRAL, TETRAHEDRAL, llzo_framework
from sselab.atomistic.properties.vacancies import distinct_sites
from sselab.constants import FORMAL_CHARGES
from sselab.errors import InputError, SSELabError
from sselab.progress import Progress, no_progress
from sselab.validation import require_count, require_within_limit


def llzo_li_sites(atoms: Atoms) -> tuple[np.ndarray, np.ndarray]:
    """Cartesian positions and 24d/96h labels of every Li candidate site for a cell of repeated cubic LLZO.

    The cell must be (close to) an integer repeat n1×n2×n3 of the cubic conventional cell; candidate sites are
    taken at the framework's fractional coordinates, so a uniformly scaled (relaxed) cell is fine.
    """
    framework, labels = llzo_framework()
    li = framework.numbers == atomic_numbers["Li"]
    repeats = atoms.cell.lengths() / framework.cell.lengths()
    rounded = np.rint(repeats).astype(int)
    angles = atoms.cell.angles()
    if np.any(rounded < 1) or np.any(np.abs(repeats - rounded) > 0.1) or np.any(np.abs(angles - 90.0) > 1.0):
        raise SSELabError(f"cell {np.round(atoms.cell.cellpar(), 3).tolist()} is not a repeat of the cubic LLZO cell")
    supercell = framework[li].repeat(tuple(rounded))
    site_labels = np.tile(labels[li], int(np.prod(rounded)))
    positions = supercell.get_scaled_positions() @ atoms.cell.array
    return positions, site_labels


def _spread(indices: list[int], scores: np.ndarray, count: int) -> list[int]:
    """``count`` of ``indices`` evenly spread over the range of ``scores`` (all when fewer)."""
    if count >= len(indices):
        return sorted(indices)
    order = sorted(indices, key=lambda i: scores[i])
    picks = np.unique(np.rint(np.linspace(0, len(order) - 1, count)).astype(int))
    return sorted(order[p] for p in picks)


def select_li_sites(host: Atoms, octahedral: int = 14, tetrahedral: int = 7,
                    charges: dict[str, float] | None = None) -> list[int]:
    """Li atom indices to scan: symmetry-distinct ones, spread over their Madelung site energies per site type.

    Madelung energies use ``charges`` (default: :data:`sselab.constants.FORMAL_CHARGES`).

    Needs ``host.arrays['site']`` (24d/96h labels, from :func:`~sselab.atomistic.build.llzo.ordered_cubic_llzo`).
    """
    if octahedral < 0 or tetrahedral < 0 or octahedral + tetrahedral == 0:
        raise SSELabError("choose at least one octahedral or tetrahedral site (non-negative counts)")
    if "site" not in host.arrays:
        raise SSELabError("the host carries no Li site labels; build it with ordered_cubic_llzo")
    li = np.flatnonzero(host.numbers == atomic_numbers["Li"])
    representatives = [index for index, _ in distinct_sites(host, li)]
    energies = madelung_site_energies(host, charges or FORMAL_CHARGES)
    chosen: list[int] = []
    for label, count in ((OCTAHEDRAL, octahedral), (TETRAHEDRAL, tetrahedral)):
        of_type = [i for i in representatives if host.arrays["site"][i] == label]
        chosen += _spread(of_type, energies, count)
    return sorted(chosen)


def substitute(host: Atoms, indices: list[int], element: str) -> Atoms:
    """A copy of ``host`` with the atoms at ``indices`` turned into ``element`` (positions unchanged)."""
    if element not in atomic_numbers:
        raise SSELabError(f"unknown element {element!r}")
    out = host.copy()
    out.calc = None
    out.numbers[list(indices)] = atomic_numbers[element]
    return out


@dataclass(frozen=True)
class Configuration:
    atoms: Atoms
    ewald_eV: float


def sample_configurations(host: Atoms, charges: dict[str, float], substitutions: list[tuple[str, str, int | None]] | None = None,
                          vacancies: list[tuple[str, int]] | None = None, interstitials: list[tuple[str, int]] | None = None,
                          interstitial_sites: np.ndarray | None = None, samples: int = 500, keep: int = 5,
                          seed: int = 0, progress: Progress = no_progress) -> tuple[list[Configuration], np.ndarray]:
    """Random defect configurations of ``host``, the ``keep`` lowest in formal-charge Ewald energy (seed 004).

    ``substitutions``: (old element, new element, how many — None for all) applied in order, each on the atoms that
    are still ``old`` at that point; ``vacancies``: (element, how many) removed at random; ``interstitials``: (element,
    how many) placed on rows of ``interstitial_sites`` (Cartesian, Å) at least :data:`INTERSTITIAL_SEPARATION_A` apart,
    every species drawn from the same pool (seed 004's interstitial N³⁻ with three Li⁺ is ``[("N", 1), ("Li", 3)]``;
    candidate sites can lie 0.5 Å apart, and the formal-charge Ewald sum would otherwise reward an N³⁻ on top of a Li⁺).
    Every sample must be charge neutral with the
    formal ``charges``. Returns the kept configurations (lowest first, duplicates by Ewald energy removed) and
    every sample's Ewald energy.
    """
    samples = require_count(samples, "samples (--samples)", low=1)
    keep = require_count(keep, "keep (--keep)", low=1)
    require_within_limit(samples, "structures", "the Ewald ranking")
    rng = np.random.default_rng(require_count(seed, "seed (--seed)", low=0))
    symbols = np.array(host.get_chemical_symbols(), dtype="<U3")
    counts = {el: int(np.count_nonzero(symbols == el)) for el in set(symbols)}
    plan = []
    for old, new, count in substitutions or []:
        count = counts.get(old, 0) if count is None else count
        if count < 1 or count > counts.get(old, 0):
            raise SSELabError(f"cannot put {count} {new} on {counts.get(old, 0)} {old} sites")
        counts[old] -= count
        counts[new] = counts.get(new, 0) + count
        plan.append((old, new, count))
    for element, count in vacancies or []:
        if count < 1 or count > counts.get(element, 0):
            raise SSELabError(f"cannot remove {count} {element} of {counts.get(element, 0)}")
        if count == counts[element]:
            raise InputError(f"removing {count} {element} removes every {element} of the cell: that is another compound, "
                             "not a vacancy configuration (start from that structure instead)")
        counts[element] -= count
    extra = [element for element, count in interstitials or [] for _ in range(count)]
    sites = np.zeros((0, 3))
    if interstitials:
        sites = np.asarray(interstitial_sites if interstitial_sites is not None else sites, dtype=float)
        if any(count < 1 for _, count in interstitials) or len(extra) > len(sites):
            wanted = ", ".join(f"{count} {element}" for element, count in interstitials)
            raise SSELabError(f"cannot place {wanted} interstitials on {len(sites)} candidate sites")
        for element, count in interstitials:
            counts[element] = counts.get(element, 0) + count
    atoms = sum(counts.values())
    require_within_limit(atoms, "ewald_atoms", "the Ewald ranking of one configuration")
    unknown = sorted(el for el, n in counts.items() if n and el not in charges)
    if unknown:
        raise SSELabError(f"no formal charge given for {', '.join(unknown)}")
    net = sum(charges[el] * n for el, n in counts.items() if n)
    if abs(net) > 1e-6:
        raise SSELabError(f"the defect configuration carries a net formal charge of {net:+g} e; adjust the counts")
    energies = []
    unique: dict[float, Configuration] = {}
    for _ in range(samples):
        new_symbols = symbols.copy()
        for old, new, count in plan:
            pool = np.flatnonzero(new_symbols == old)
            new_symbols[pool if count == len(pool) else rng.choice(pool, count, replace=False)] = new
        keep_mask = np.ones(len(host), dtype=bool)
        for element, count in vacancies or []:
            keep_mask[rng.choice(np.flatnonzero((new_symbols == element) & keep_mask), count, replace=False)] = False
        trial = host.copy()
        trial.calc = None
        trial.set_chemical_symbols(new_symbols.tolist())
        trial = trial[keep_mask]
        if extra:
            trial += Atoms(extra, positions=sites[_separated_sites(sites, len(extra), host.cell, rng)])
        energy = ewald_energy(trial, charges)
        energies.append(energy)
        unique.setdefault(round(energy, 6), Configuration(trial, energy))
        progress()
    kept = sorted(unique.values(), key=lambda c: c.ewald_eV)[:keep]
    return kept, np.array(energies)


#: Closest two interstitials may be placed (Å): the floor interstitial_candidates keeps from every host atom.
INTERSTITIAL_SEPARATION_A = 1.6
BOUNDARY_TOLERANCE = 1e-6  # fractional; how far round-off may put a point on a cell face outside it


def _separated_sites(sites: np.ndarray, count: int, cell, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``count`` random rows of ``sites`` pairwise at least :data:`INTERSTITIAL_SEPARATION_A` apart (periodic
    ``cell``), drawn one at a time among the rows still far enough from those already drawn."""
    _, distances = get_distances(sites, cell=cell, pbc=True)
    allowed = np.ones(len(sites), dtype=bool)
    chosen = []
    for _ in range(count):
        pool = np.flatnonzero(allowed)
        if not len(pool):
            raise SSELabError(f"cannot place {count} interstitials {INTERSTITIAL_SEPARATION_A} A apart on the "
                              f"{len(sites)} candidate sites")
        pick = int(rng.choice(pool))
        chosen.append(pick)
        allowed &= distances[pick] >= INTERSTITIAL_SEPARATION_A
    return np.array(chosen)


def interstitial_candidates(atoms: Atoms, min_distance: float = 1.6) -> np.ndarray:
    """Empty-space points of a periodic cell: Voronoi vertices at least ``min_distance`` Å from every atom.

    A geometric stand-in for seed 004's charge-density analysis: Voronoi vertices of the atomic positions are
    the points locally farthest from all atoms. Duplicates within 0.5 Å are merged. Cartesian Å.
    """
    from scipy.spatial import Voronoi, cKDTree

    shifts = np.array([[i, j, k] for i in (-1, 0, 1) for j in (-1, 0, 1) for k in (-1, 0, 1)])
    images = (atoms.get_scaled_positions()[None, :, :] + shifts[:, None, :]).reshape(-1, 3) @ atoms.cell.array
    vertices = Voronoi(images).vertices
    fractional = np.linalg.solve(atoms.cell.array.T, vertices.T).T
    # one image of each vertex: [-eps, 1 - eps) keeps a vertex on a cell face (round-off either side of 0 or 1) once
    inside = np.all((fractional >= -BOUNDARY_TOLERANCE) & (fractional < 1 - BOUNDARY_TOLERANCE), axis=1)
    vertices = (fractional[inside] % 1.0) @ atoms.cell.array
    distance, _ = cKDTree(images).query(vertices)
    vertices = vertices[distance >= min_distance]
    kept: list[np.ndarray] = []
    for point in vertices[np.argsort(-distance[distance >= min_distance])]:
        if not kept:
            kept.append(point)
            continue
        _, d = get_distances(point, np.array(kept), cell=atoms.cell, pbc=True)
        if d.min() > 0.5:
            kept.append(point)
    return np.array(kept).reshape(-1, 3)
