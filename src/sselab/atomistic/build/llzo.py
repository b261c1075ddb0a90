"""Ordered cubic Li7La3Zr2O12 (LLZO) cells and Li -> exchange-ion substitution (seed 000, §2.1-2.2, §3.1).

Cubic LLZO (Ia-3d, No. 230) has a fully ordered La/Zr/O framework (La 24c, Zr 16a, O 96h) and 56 Li per
conventional cell spread over 120 partially occupied candidate sites: 24 tetrahedral 24d sites and 96
split octahedral 96h sites (two 96h positions ~0.7 Å apart around each of the 48 octahedral 48g centres).
The packaged CIF ``data/llzo-cubic-framework.cif`` holds the refined cell and occupancies (source in
``data/SOURCES.toml``). A simulation cell needs one *ordered* choice of 56 sites; seed 000 took its
Li distribution "based on rules provided in [5, 51-53]". :func:`ordered_cubic_llzo` implements such
rules as a single minimum Li–Li distance and picks, among random valid orderings, the one with the
lowest formal-charge Ewald energy.

Site labels: every atom carries ``atoms.arrays["site"]``: ``"24d"`` (tetrahedral Li), ``"96h"``
(octahedral Li), ``"24c-La"``, ``"16a-Zr"``, ``"96h-O"``. They survive ``atoms.repeat`` (ASE repeats
per-atom arrays), so no separate supercell builder is needed: ``atoms.repeat((2, 3, 3))`` is seed 000's
3456-atom MD cell.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any, Literal

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers
from ase.geometry import get_distances
from ase.io.cif import parse_cif
from ase.spacegroup import crystal

from sselab.atomistic.build.electrostatics import charged_structure
from sselab.atomistic.build.electrostatics import ewald_energy as general_ewald_energy
from sselab.constants import FORMAL_CHARGES
from sselab.errors import SSELabError
from sselab.validation import require_count, require_within_limit

FRAMEWORK_CIF = "llzo-cubic-framework.cif"
TETRAHEDRAL = "24d"
OCTAHEDRAL = "96h"
LI_PER_CELL = 56

# Smallest Li–Li distance allowed in an ordering, in Å. With the packaged geometry the Li candidate pairs
# closer than this are exactly (i) the two 96h positions of one octahedral cage (0.70 Å) and (ii) a 96h
# position and the 24d tetrahedron whose face it shares (1.66 Å); the next Li–Li distances are 2.34 Å
# (96h–24d) and 2.49 Å (96h–96h), so any cutoff between ~1.7 and ~2.3 Å gives the same rules. These are the
# usual cubic-garnet exclusion rules (at most one Li per octahedral cage; no Li in an octahedron next to an
# occupied tetrahedron across their shared face), e.g. Xu et al., Phys. Rev. B 85, 052301 (2012) — quoted
# from memory, not re-checked in this session.
MIN_LI_LI = 2.0



@dataclass(frozen=True)
class LiOrderingReport:
    """How the Li ordering of one cubic LLZO cell was chosen (energies in eV, distances in Å)."""

    seed: int
    samples: int
    min_li_li_rule: float
    ewald_lowest: float
    ewald_highest: float
    ewald_mean: float
    ewald_std: float
    n_li_24d: int
    n_li_96h: int
    occupancy_24d: float  # fraction of the 24 tetrahedral sites holding Li
    occupancy_96h: float  # fraction of the 96 octahedral (split) sites holding Li
    min_li_li_distance: float
    ewald_energies: tuple[float, ...]  # every sampled configuration's Ewald energy, in sampling order

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def llzo_framework() -> tuple[Atoms, np.ndarray]:
    """The conventional cubic cell with every candidate site filled (256 atoms) and each atom's site label.

    Atoms are ordered La(24c), Zr(16a), O(96h), Li(24d), Li(96h) — the CIF's asymmetric-unit order expanded
    by ASE's Ia-3d operations, which is deterministic.
    """
    with resources.as_file(resources.files("sselab.atomistic.build.structures") / "data" / FRAMEWORK_CIF) as path:
        block = next(parse_cif(str(path)))
    symbols = [str(s) for s in block.get("_atom_site_type_symbol")]
    wyckoff = [str(w) for w in block.get("_atom_site_wyckoff_symbol")]
    basis = np.column_stack(
        [block.get("_atom_site_fract_x"), block.get("_atom_site_fract_y"), block.get("_atom_site_fract_z")]
    ).astype(float)
    cellpar = [float(block.get(f"_cell_length_{k}")) for k in "abc"] + [
        float(block.get(f"_cell_angle_{k}")) for k in ("alpha", "beta", "gamma")
    ]
    atoms = crystal(symbols, basis, spacegroup=230, cellpar=cellpar, primitive_cell=False)
    kinds = atoms.get_array("spacegroup_kinds")
    labels = np.array([wyckoff[k] if symbols[k] == "Li" else f"{wyckoff[k]}-{symbols[k]}" for k in kinds], dtype="<U8")
    del atoms.arrays["spacegroup_kinds"]
    return atoms, labels


def pair_ewald_matrix(atoms: Atoms) -> np.ndarray:
    """Pairwise Ewald energy matrix E_ij (eV) of all sites with formal charges, from pymatgen.

    ``EwaldSummation.total_energy_matrix`` splits the Coulomb energy into pair terms q_i q_j φ(r_ij)
    (real + reciprocal) and self terms on the diagonal; for a fixed splitting parameter each term depends
    only on the two sites, not on which other sites are occupied. So the energy of any neutral subset S
    of the sites is Σ_{i,j∈S} E_ij exactly, up to the summation accuracy; the charged-cell background term
    of the (non-neutral) all-sites structure is not part of the matrix and vanishes for neutral subsets.
    """
    from pymatgen.analysis.ewald import EwaldSummation

    return np.asarray(EwaldSummation(charged_structure(atoms, FORMAL_CHARGES), compute_forces=False).total_energy_matrix)


def ewald_energy(atoms: Atoms) -> float:
    """Formal-charge Ewald energy (eV) of ``atoms`` computed directly with pymatgen (the slow, reference path)."""
    return general_ewald_energy(atoms, FORMAL_CHARGES)


def li_conflicts(li_atoms: Atoms, cutoff: float) -> list[np.ndarray]:
    """For each Li candidate site, the indices of the other Li candidates closer than ``cutoff`` Å (MIC): the exclusion rules."""
    _, d = get_distances(li_atoms.positions, cell=li_atoms.cell, pbc=li_atoms.pbc)
    np.fill_diagonal(d, np.inf)
    return [np.flatnonzero(row < cutoff) for row in d]


def _initial_ordering(rng: np.random.Generator, conflicts: list[np.ndarray], is_tet: np.ndarray, n_li: int) -> np.ndarray:
    """One valid ordering, built from the cage picture of the exclusion rules.

    Random sequential addition of single Li jams well below 56 (filling octahedral cages blocks the
    tetrahedra and vice versa), so the start is constructed: a random set S of tetrahedra no two of which
    bound the same octahedral cage, then one Li per cage on the cage's 96h position that is away from
    S, for 56 − |S| random cages. The result is checked against the full conflict lists.
    """
    tet = np.flatnonzero(is_tet)
    # near tetrahedra of each octahedral position, and the tetrahedra that share a cage with each tetrahedron
    near = {int(o): [int(t) for t in conflicts[o] if is_tet[t]] for o in np.flatnonzero(~is_tet)}
    cages = {tuple(sorted([int(o), *[int(p) for p in conflicts[o] if not is_tet[p]]])) for o in near}
    cage_tets = {c: {t for o in c for t in near[o]} for c in cages}
    linked = {int(t): set() for t in tet}
    for ts in cage_tets.values():
        for t in ts:
            linked[t] |= ts - {t}
    cage_list = sorted(cages)
    for _ in range(1000):  # random sequential addition of tetrahedra; redrawn if it jams too small
        chosen_t: list[int] = []
        for t in rng.permutation(tet):
            if not linked[int(t)] & set(chosen_t):
                chosen_t.append(int(t))
        n_oct = n_li - len(chosen_t)
        if 0 <= n_oct <= len(cage_list):
            break
    else:
        raise SSELabError("the Li exclusion rules admit no ordering with 56 Li in this geometry")
    occupied = list(chosen_t)
    for k in rng.permutation(len(cage_list))[:n_oct]:
        free = [o for o in cage_list[k] if not set(near[o]) & set(chosen_t)]
        occupied.append(int(rng.choice(free)))
    occ = np.zeros(len(conflicts), dtype=bool)
    occ[occupied] = True
    if any(occ[conflicts[i]].any() for i in occupied):
        raise SSELabError("the Li exclusion rules are not the cage rules in this geometry; change min_li_li")
    return occ


def _sample_orderings(
    rng: np.random.Generator,
    conflicts: list[np.ndarray],
    is_tet: np.ndarray,
    n_li: int,
    samples: int,
    chains: int = 10,
    burn_in: int = 5_000,
    stride: int = 1_000,
) -> list[np.ndarray]:
    """``samples`` random valid orderings from infinite-temperature Monte Carlo chains over valid orderings.

    Move: a random occupied site to a random empty site, accepted iff the result obeys the exclusion
    rule. The proposal is symmetric, so each chain samples valid orderings uniformly within the connected
    class of its start; because single-Li moves change the number of tetrahedral Li only slowly, the
    samples are spread over ``chains`` chains, each from its own constructed start
    (:func:`_initial_ordering`), and taken every ``stride`` attempts after ``burn_in``.
    """
    n_sites = len(conflicts)
    members = [set(c.tolist()) for c in conflicts]
    out: list[np.ndarray] = []
    per_chain = [len(part) for part in np.array_split(np.arange(samples), min(chains, samples))]
    for n_take in per_chain:
        occ = _initial_ordering(rng, conflicts, is_tet, n_li)
        blocked = np.zeros(n_sites, dtype=int)  # number of occupied conflicting neighbours of each site
        for i in np.flatnonzero(occ):
            blocked[conflicts[i]] += 1
        attempts = burn_in + stride * n_take
        draws_i = rng.random(attempts)
        draws_j = rng.random(attempts)
        for step in range(attempts):
            full = np.flatnonzero(occ)
            empty = np.flatnonzero(~occ)
            i = int(full[int(draws_i[step] * len(full))])
            j = int(empty[int(draws_j[step] * len(empty))])
            if blocked[j] - (1 if i in members[j] else 0) == 0:
                occ[i] = False
                blocked[conflicts[i]] -= 1
                occ[j] = True
                blocked[conflicts[j]] += 1
            if step >= burn_in and (step - burn_in + 1) % stride == 0:
                out.append(np.flatnonzero(occ))
    return out


def ordered_cubic_llzo(seed: int = 0, samples: int = 200, *, min_li_li: float = MIN_LI_LI) -> tuple[Atoms, LiOrderingReport]:
    """Li56La24Zr16O96: cubic LLZO with one ordered Li arrangement, the lowest-Ewald of ``samples`` random ones.

    Assumptions:
    - Geometry and candidate sites from the packaged refinement (``llzo-cubic-framework``); positions are
      the refined ones, not relaxed: relax with a calculator before computing anything physical.
    - Valid orderings: 56 Li on the 24d + 96h sites with no two Li closer than ``min_li_li`` (default
      2.0 Å: one Li per octahedral cage, no Li in an octahedron face-sharing an occupied tetrahedron).
    - Sampling: infinite-temperature Monte Carlo chains over valid orderings (see
      :func:`_sample_orderings`), so the ``samples`` orderings are near-uniform draws, not independent.
    - Ranking: Ewald energy with formal charges Li+ La3+ Zr4+ O2−, a crude electrostatic proxy for the DFT
      ordering rules used in seed 000 (refs. 5, 51-53 there).
    Fast path: pymatgen's ``EwaldSummation`` is run once on all 256 candidate sites; each sampled ordering's
    energy is then the sum of the occupied sub-block of the pair matrix (see :func:`pair_ewald_matrix`),
    which equals a direct Ewald calculation of that ordering to the summation accuracy (checked in the tests).
    The random stream is ``numpy.random.default_rng(seed)``; the same seed gives the same cell.
    """
    require_count(seed, "seed (--seed)", low=0)
    samples = require_count(samples, "samples", low=1)
    require_within_limit(samples, "structures", "the Li ordering search")
    if not 1.7 <= min_li_li <= 2.3:
        raise SSELabError(f"min_li_li must lie in [1.7, 2.3] Å (the cage rules), got {min_li_li}")
    framework, labels = llzo_framework()
    li = np.flatnonzero(framework.numbers == atomic_numbers["Li"])
    host = np.flatnonzero(framework.numbers != atomic_numbers["Li"])
    conflicts = li_conflicts(framework[li], min_li_li)

    matrix = pair_ewald_matrix(framework)
    host_host = float(matrix[np.ix_(host, host)].sum())
    host_li = matrix[np.ix_(host, li)].sum(axis=0) + matrix[np.ix_(li, host)].sum(axis=1)
    li_li = matrix[np.ix_(li, li)]

    rng = np.random.default_rng(seed)
    is_tet = labels[li] == TETRAHEDRAL
    best: np.ndarray | None = None
    best_energy = np.inf
    energies: list[float] = []
    for occupied in _sample_orderings(rng, conflicts, is_tet, LI_PER_CELL, samples):
        energy = host_host + float(host_li[occupied].sum()) + float(li_li[np.ix_(occupied, occupied)].sum())
        energies.append(energy)
        if energy < best_energy:
            best, best_energy = occupied, energy
    assert best is not None

    keep = np.concatenate([host, li[best]])
    atoms = framework[keep]
    atoms.arrays["site"] = labels[keep]
    atoms.info.pop("occupancy", None)
    li_labels = labels[li[best]]
    n_24d = int(np.count_nonzero(li_labels == TETRAHEDRAL))
    n_96h = int(np.count_nonzero(li_labels == OCTAHEDRAL))
    li_atoms = atoms[atoms.numbers == atomic_numbers["Li"]]
    _, d = get_distances(li_atoms.positions, cell=li_atoms.cell, pbc=True)
    np.fill_diagonal(d, np.inf)
    e = np.array(energies)
    report = LiOrderingReport(
        seed=seed,
        samples=samples,
        min_li_li_rule=min_li_li,
        ewald_lowest=float(e.min()),
        ewald_highest=float(e.max()),
        ewald_mean=float(e.mean()),
        ewald_std=float(e.std()),
        n_li_24d=n_24d,
        n_li_96h=n_96h,
        occupancy_24d=n_24d / 24,
        occupancy_96h=n_96h / 96,
        min_li_li_distance=float(d.min()),
        ewald_energies=tuple(float(x) for x in e),
    )
    atoms.info["structure"] = "llzo-cubic-ordered"
    atoms.info["li_ordering"] = {k: v for k, v in report.as_dict().items() if k != "ewald_energies"}
    return atoms, report


SiteChoice = Literal["octahedral", "tetrahedral", "any"]
_SITE_LABELS: dict[str, tuple[str, ...]] = {
    "octahedral": (OCTAHEDRAL,),
    "tetrahedral": (TETRAHEDRAL,),
    "any": (OCTAHEDRAL, TETRAHEDRAL),
}


def exchange_count(n_li: int, concentration: float) -> int:
    """Number of Li to replace for a fraction ``concentration`` of ``n_li`` Li: nearest integer, halves up.

    Seed 000's "1.7 %" and "3.4 %" are 1 and 2 exchanged ions per 56 Li (1/56 = 1.786 %, 2/56 = 3.571 %),
    i.e. 18 and 36 ions in the 2×3×3 cell with 1008 Li. Passing 0.017 literally gives round(17.14) = 17;
    pass ``1/56`` (or ``count=18``) to reproduce the paper's cells.
    """
    return int(np.floor(concentration * n_li + 0.5))


def substitute_exchange_ions(
    atoms: Atoms,
    element: str,
    count: int | None = None,
    concentration: float | None = None,
    site: SiteChoice = "octahedral",
    seed: int = 0,
) -> Atoms:
    """A copy of ``atoms`` with ``count`` Li (or a fraction ``concentration`` of all Li) replaced by ``element``.

    ``site`` restricts the replaced Li to octahedral (96h), tetrahedral (24d) or any Li sites; it needs the
    ``atoms.arrays["site"]`` labels from :func:`ordered_cubic_llzo`. Seed 000 §3.1 finds the exchange ions
    prefer octahedral sites, hence the default.
    Placement: spread apart by a seeded greedy farthest-point choice — the first site at random, each
    next one the candidate with the largest minimum-image distance to those already chosen (ties broken
    at random). The replaced indices and their site labels go to ``atoms.info["exchange"]``.
    Rounding of ``concentration``: see :func:`exchange_count` (fraction of *all* Li in ``atoms``).
    """
    if element not in atomic_numbers or element in ("X",):
        raise SSELabError(f"unknown element {element!r}")
    if element == "Li":
        raise SSELabError("the exchange ion must differ from Li")
    if site not in _SITE_LABELS:
        raise SSELabError(f"site must be one of {', '.join(_SITE_LABELS)}, got {site!r}")
    if (count is None) == (concentration is None):
        raise SSELabError("give exactly one of count and concentration")
    if "site" not in atoms.arrays:
        raise SSELabError("atoms carry no site labels; build them with ordered_cubic_llzo (and .repeat)")
    is_li = atoms.numbers == atomic_numbers["Li"]
    n_li = int(is_li.sum())
    if concentration is not None:
        if not 0.0 < concentration <= 1.0:
            raise SSELabError(f"concentration must lie in (0, 1], got {concentration}")
        count = exchange_count(n_li, concentration)
        if count == 0:
            raise SSELabError(f"concentration {concentration} of {n_li} Li rounds to 0 exchange ions")
    assert count is not None
    if count < 1:
        raise SSELabError(f"count must be at least 1, got {count}")
    candidates = np.flatnonzero(is_li & np.isin(atoms.arrays["site"], _SITE_LABELS[site]))
    if count > len(candidates):
        raise SSELabError(f"asked for {count} {element} but there are only {len(candidates)} {site} Li sites")

    rng = np.random.default_rng(seed)
    chosen = [int(rng.choice(candidates))]
    min_d = np.full(len(candidates), np.inf)
    for _ in range(count - 1):
        _, d = get_distances(atoms.positions[chosen[-1]], atoms.positions[candidates], cell=atoms.cell, pbc=atoms.pbc)
        min_d = np.minimum(min_d, d[0])
        min_d[np.isin(candidates, chosen)] = -np.inf
        best = np.flatnonzero(min_d >= min_d.max() - 1e-6)
        chosen.append(int(candidates[rng.choice(best)]))

    out = atoms.copy()
    indices = np.array(sorted(chosen))
    symbols = out.get_chemical_symbols()
    for i in indices:
        symbols[i] = element
    out.set_chemical_symbols(symbols)
    out.info["exchange"] = {
        "element": element,
        "count": int(count),
        "concentration": count / n_li,
        "site": site,
        "seed": seed,
        "indices": indices.tolist(),
        "sites": [str(s) for s in atoms.arrays["site"][indices]],
    }
    return out
