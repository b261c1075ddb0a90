"""Vacancy hops in a bulk cell by the climbing-image NEB: the migration barrier of a mobile ion.

The property that checks a fitted potential against its teacher on ion transport (issue 14's gate: a Li
vacancy-hop barrier within 0.1 eV of the reference)::

    result = bulk_vacancy_hop(host, "ff:llzo_fit", species="Li", images=5)
    result.barrier_eV, result.hop_indices, result.hop_distance_A

:func:`vacancy_hop_pairs` lists the nearest-neighbour hops of one species (unordered pairs within a cutoff,
minimum image, shortest first); :func:`bulk_vacancy_hop` runs one of them. The end points and the band
reuse :func:`sselab.atomistic.properties.neb.hop_endpoints` and the engine's ase.db cache (end-point
relaxations are the engine's own tasks, the band is one cached task keyed by the relaxed initial state).

Charged cells. Removing an ion leaves the cell with the opposite net charge. A charge-agnostic model
(CHGNet and the other MLIPs) just sees one atom fewer. A rigid-ion force field (``ff:NAME``) refuses a
charged cell in its calculator (:mod:`sselab.atomistic.md.evaluate`); for this property the cell is
evaluated with a uniform neutralising background instead, which is what LAMMPS' Ewald sum does for a net
charge Q (the G = 0 term dropped, plus its -pi Q^2 / (2 V alpha^2) correction) and what DFT codes do for a
charged supercell. At a fixed cell and composition the background adds one constant to every image's
energy and nothing to any force, so barriers and reaction energies are the same as those of any other
uniform compensation; only absolute energies carry it. The alternatives were worse here: a neutral
defect (an Li2O Schottky trio, a far interstitial) adds a second defect whose strain and field reach the
hop in a 2 nm cell, and shrinking every charge changes the model. The engine for such cells gets a
calculator identity with ``net_charge = uniform background`` in its settings, so its cached results never
mix with the refusing calculator's. Finite-size (image-charge) corrections are not applied: they cancel
in the barrier to first order, since the charge and cell are the same along the path.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.geometry import find_mic, get_distances
from ase.mep import NEB
from ase.optimize import BFGS, FIRE

from sselab.atomistic.engine import Engine, as_engine
from sselab.atomistic.engine.calculators import LoadedCalculator
from sselab.atomistic.md.evaluate import ForceFieldCalculator
from sselab.atomistic.properties.checks import check_force_tolerance, finite_energies
from sselab.atomistic.properties.neb import CalculatorLike, HopResult, check_band, hop_endpoints
from sselab.errors import ConvergenceError, InputError
from sselab.runs import HELD, from_summary, summary_of
from sselab.validation import require_count, require_range

if TYPE_CHECKING:
    from sselab.runs import RunDirectory

#: Default cutoff of a nearest-neighbour hop, Å: Li–Li neighbours in Li2O (2.31 Å) and LLZO's 24d–96h (~1.6–2.5 Å)
#: and 96h–96h (~2.4–3.0 Å) pairs, but not Li2O's second shell (3.26 Å).
HOP_CUTOFF_A = 3.0
#: Optimisers of the band.
OPTIMIZERS = {"FIRE": FIRE, "BFGS": BFGS}
#: Net charge (e) below which a cell counts as neutral (the force-field module's own tolerance).
NEUTRAL_TOL_E = 1e-6
BACKGROUND_SETTING = ("net_charge", "uniform background")


class Hop(NamedTuple):
    """One unordered nearest-neighbour pair of a species: atom indices ``i < j`` and their minimum-image distance (Å)."""

    i: int
    j: int
    distance_A: float


def _species_indices(atoms: Atoms, species: str) -> np.ndarray:
    if not isinstance(species, str) or not species:
        raise InputError(f"species: expected an element symbol, got {species!r}")
    indices = np.flatnonzero(np.asarray(atoms.get_chemical_symbols()) == species)
    if len(indices) < 2:
        present = ", ".join(sorted(set(atoms.get_chemical_symbols())))
        raise InputError(f"species {species!r}: {atoms.get_chemical_formula()} holds {len(indices)} such atom(s); a hop "
                         f"needs two (present: {present})")
    return indices


def vacancy_hop_pairs(atoms: Atoms, species: str = "Li", max_distance_A: float = HOP_CUTOFF_A) -> list[Hop]:
    """The distinct nearest-neighbour hops of ``species``: every unordered pair ``i < j`` of its atoms closer than
    ``max_distance_A`` (minimum image), sorted by distance, then by ``i`` and ``j`` (a deterministic order)."""
    max_distance_A = require_range(max_distance_A, "max_distance_A", low=0.0, low_inclusive=False, unit="A")
    indices = _species_indices(atoms, species)
    matrix = get_distances(atoms.positions[indices], cell=atoms.cell, pbc=atoms.pbc)[1]  # minimum image
    pairs = [Hop(int(indices[a]), int(indices[b]), float(matrix[a, b]))
             for a in range(len(indices)) for b in range(a + 1, len(indices)) if 0.0 < matrix[a, b] <= max_distance_A]
    return sorted(pairs, key=lambda hop: (round(hop.distance_A, 6), hop.i, hop.j))


def _check_hop(atoms: Atoms, species: str, hop: Any, max_distance_A: float) -> Hop:
    indices = set(_species_indices(atoms, species).tolist())
    if not isinstance(hop, (tuple, list)) or len(hop) != 2:
        raise InputError(f"hop: expected two atom indices (i, j), got {hop!r}")
    i, j = (require_count(site, f"hop index (an atom index of the {len(atoms)}-atom cell)", low=0, high=len(atoms) - 1)
            for site in hop)
    if i == j:
        raise InputError(f"hop ({i}, {j}): a hop needs two different atoms")
    symbols = atoms.get_chemical_symbols()
    for site in (i, j):
        if site not in indices:
            raise InputError(f"hop ({i}, {j}): atom {site} is {symbols[site]}, not {species}")
    distance = float(atoms.get_distance(i, j, mic=True))
    if distance > max_distance_A:
        raise InputError(f"hop ({i}, {j}): the atoms are {distance:.2f} A apart, beyond max_distance_A = {max_distance_A:g} A "
                         "(not a nearest-neighbour hop)")
    return Hop(i, j, distance)


# --- charged cells: a rigid-ion force field with a neutralising background -------------------------------------------

def net_charge(engine: Engine, atoms: Atoms) -> float | None:
    """The net charge (e) of ``atoms`` under the engine's rigid-ion force field; None for a charge-agnostic calculator."""
    forcefield = getattr(engine.loaded.calculator, "forcefield", None)
    if forcefield is None or not hasattr(forcefield, "total_charge"):
        return None
    return float(forcefield.total_charge(atoms.get_chemical_symbols()))


def background_engine(engine: Engine) -> Engine:
    """The same engine (cache, policy) whose force field evaluates charged cells with a neutralising background;
    its calculator identity adds ``net_charge = uniform background``."""
    calculator = engine.loaded.calculator
    loaded = LoadedCalculator(ForceFieldCalculator(calculator.forcefield, kspace=calculator.kspace, background=True),
                              replace(engine.spec, settings=(*engine.spec.settings, BACKGROUND_SETTING)))
    return replace(engine, loaded=loaded)


# --- the band --------------------------------------------------------------------------------------------------------

class _RecordingNEB(NEB):
    """ASE's NEB keeping the last projected forces (the optimizer's), so the climbing image's residual costs no call."""

    last_forces: np.ndarray | None = None

    def get_forces(self):
        forces = super().get_forces()
        self.last_forces = np.array(forces, copy=True)
        return forces


def _path_length(band: list[Atoms]) -> list[float]:
    lengths = [0.0]
    for first, second in zip(band[:-1], band[1:]):
        lengths.append(lengths[-1] + float(np.linalg.norm(second.positions - first.positions)))
    return lengths


def _band(engine: Engine, initial: Atoms, final: Atoms, *, images: int, neb_fmax: float, climb: bool, steps: int,
          optimizer: str, moving: int) -> Atoms:
    """The relaxed band between two relaxed end points (one cached task): the saddle image with the band in ``info``."""
    task = {"kind": "bulk-neb", "images": images, "fmax": neb_fmax, "max_steps": steps, "climb": climb,
            "optimizer": optimizer, "method": "improvedtangent", "interpolation": "idpp",
            "final": np.round(final.positions, 6).tolist()}

    def ends(atoms: Atoms) -> Atoms:
        end = atoms.copy()
        end.calc = SinglePointCalculator(end, energy=atoms.get_potential_energy(), forces=atoms.get_forces())
        return end

    def compute(first: Atoms) -> tuple[Atoms, dict]:
        band = [ends(initial)] + [initial.copy() for _ in range(images)] + [ends(final)]
        for image in band[1:-1]:
            image.calc = engine.loaded.calculator
        neb = _RecordingNEB(band, climb=climb, allow_shared_calculator=True, method="improvedtangent")
        neb.interpolate(method="idpp", mic=True)
        relaxer = OPTIMIZERS[optimizer](neb, logfile=None)
        converged = bool(relaxer.run(fmax=neb_fmax, steps=steps))
        energies = finite_energies([float(e) for e in neb.energies], "an image of the band")
        top = 1 + int(np.argmax(energies[1:-1]))
        per_image = np.linalg.norm(neb.last_forces.reshape(images, len(first), 3), axis=2).max(axis=1)
        lengths = _path_length(band)
        start, end = band[0].positions[moving], band[-1].positions[moving]
        midpoint = start + (end - start) / 2  # the end points hold the moving atom on one side of the cell (bulk_vacancy_hop)
        saddle = band[top].copy()
        saddle.calc = SinglePointCalculator(saddle, energy=energies[top])
        info = {"converged": converged, "steps": int(relaxer.nsteps), "calculator_calls": int(relaxer.nsteps + 1) * images,
                "image_energies": energies, "path_length": lengths, "saddle_image": top,
                "image_forces": [float(f) for f in per_image], "saddle_offset": float(np.linalg.norm(band[top].positions[moving] - midpoint)),
                "band_positions": [np.round(image.positions, 6).tolist() for image in band]}
        return saddle, info

    return engine.cache.get_or_compute(initial, engine.spec, task, compute)


def check_distinct_ends(start: Atoms, initial: Atoms, end: Atoms, final: Atoms, moving: int, hop: tuple[int, int],
                        calculator: str) -> None:
    """Refuse a hop whose relaxed end states are one state: the moving atom must stay nearer its own site than the other
    site in both (otherwise the barrier would be that of no hop, often 0). Positions need no minimum image here: the
    end states are built on one side of the cell and relaxations do not wrap."""
    site_i, site_j = start.positions[moving], end.positions[moving]
    for state, own, other, name in ((initial, site_i, site_j, "initial"), (final, site_j, site_i, "final")):
        near_own, near_other = (float(np.linalg.norm(state.positions[moving] - site)) for site in (own, other))
        if near_other <= near_own:
            raise ConvergenceError(
                f"hop {hop[0]} -> vacancy {hop[1]}: with {calculator} the relaxed {name} state is the other end state (the "
                f"moving atom ends {near_other:.2f} A from the other site, {near_own:.2f} A from its own): that site is no "
                "local minimum next to the vacancy; choose another hop or direction")


def local_minima(energies: list[float] | tuple[float, ...]) -> list[int]:
    """Interior images of a band lower than both neighbours."""
    return [k for k in range(1, len(energies) - 1) if energies[k] < energies[k - 1] and energies[k] < energies[k + 1]]


@dataclass(frozen=True, kw_only=True)
class BulkHopResult:
    """A vacancy hop in a bulk cell: atom ``hop_indices[0]`` moves into the vacancy at ``hop_indices[1]``.

    Energies in eV (``image_energies_eV`` absolute: initial, intermediates, final), lengths in Å, forces in eV/Å.
    ``saddle_fraction``: the climbing image's place along the band (0 initial, 1 final); ``saddle_offset_A``: distance
    of the moving atom at the saddle from the midpoint of its two sites; ``saddle_force_eV_per_A``: the largest
    force of the climbing (highest) image projected as the optimizer saw it. ``intermediate_minima``: interior images
    below both neighbours (a metastable state on the path: the barrier is then that of the whole path, and a finer
    study splits the hop there); ``moving_atom_shift_A``: how far the relaxation moved the hopping atom from its site
    in the initial and final state (an end state that slid towards another site shows here); ``spectator_shift_A``:
    the largest displacement of any other atom between the relaxed end states (more than a few tenths of an Å: the
    band holds a rearrangement besides the hop; the relaxation around the vacancy alone moves its neighbours by ~0.1–0.3 Å). ``net_charge_e``: the cells' charge
    under a rigid-ion force field (None for a charge-agnostic model); ``charge_treatment``: "none" or
    "uniform background" (see the module docstring). Every field but the held ones is a key of :meth:`to_dict`.
    """

    structure: str
    species: str
    hop_indices: list[int]
    hop_sites: list[str]
    hop_distance_A: float
    barrier_eV: float
    reverse_barrier_eV: float
    reaction_energy_eV: float
    image_energies_eV: list[float]
    path_length_A: list[float]
    saddle_image: int
    saddle_fraction: float
    saddle_offset_A: float
    saddle_force_eV_per_A: float
    max_image_force_eV_per_A: float
    intermediate_minima: list[int]
    converged: bool
    endpoints_converged: bool
    band_steps: int
    moving_atom_shift_A: list[float]
    spectator_shift_A: float
    images: int
    neb_fmax_eV_per_A: float
    fmax_eV_per_A: float
    climb: bool
    net_charge_e: float | None
    charge_treatment: str
    engine: dict[str, Any]
    band: HopResult | None = field(default=None, repr=False, compare=False, metadata=HELD)
    saddle: Atoms | None = field(default=None, repr=False, compare=False, metadata=HELD)
    band_images: list[Atoms] | None = field(default=None, repr=False, compare=False, metadata=HELD)
    inputs: dict[str, Any] = field(default_factory=dict, repr=False, compare=False, metadata=HELD)

    def to_dict(self) -> dict[str, Any]:
        """The summary (run.json), without ``run_directory``."""
        return summary_of(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BulkHopResult:
        """Back from :meth:`to_dict`; without the band, :meth:`write` writes run.json only."""
        return from_summary(cls, data)

    @property
    def title(self) -> str:
        """What was computed, for figures."""
        sites = f" ({' → '.join(self.hop_sites)})" if self.hop_sites else ""
        return f"{self.structure}: {self.species} {self.hop_indices[0]} → vacancy {self.hop_indices[1]}{sites}"

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """run.json, ``neb.png`` (energy along the band), ``saddle.extxyz`` and ``band.extxyz`` (every image with its
        energy; when held)."""
        from sselab.plots.segregation import neb_figure
        from sselab.runs import RunDirectory

        run = RunDirectory.open(run_dir, "migration", self.inputs)
        if self.band is not None:
            run.save_figure("neb", neb_figure(self.band, title=self.title))
        if self.saddle is not None:
            self.saddle.write(run.path / "saddle.extxyz")
        if self.band_images is not None:
            from ase.io import write

            write(run.path / "band.extxyz", self.band_images)
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run


def bulk_vacancy_hop(atoms: Atoms, engine: CalculatorLike = "chgnet", *, species: str = "Li",
                     hop: tuple[int, int] | None = None, images: int = 5, neb_fmax: float = 0.05, fmax: float = 0.02,
                     climb: bool = True, relax_cell: bool = False, max_distance_A: float = HOP_CUTOFF_A,
                     neb_steps: int = 500, optimizer: str = "FIRE", db: str | None = None,
                     device: str = "cpu") -> BulkHopResult:
    """Climbing-image NEB of a ``species`` vacancy hop in the bulk cell ``atoms`` (cell fixed throughout).

    ``hop = (i, j)``: atom ``i`` moves into a vacancy at atom ``j`` (both ``species``, at most ``max_distance_A``
    apart, minimum image). Default: the shortest pair of :func:`vacancy_hop_pairs` (ties: lowest indices), with
    the vacancy at its second atom; the choice is recorded (``hop_indices``, ``hop_sites`` when the cell carries
    ``site`` labels, as the LLZO builders do). Pass ``(j, i)`` for the opposite direction.

    Initial state: ``atoms`` without atom ``j``, relaxed (positions only) by the engine to ``fmax``; final state: the
    relaxed initial state with atom ``i`` put on ``j``'s site, relaxed the same way (built from the relaxed initial
    state so that the other atoms start in the basin they relaxed into: in a disordered sublattice such as LLZO's Li,
    end states relaxed apart can differ by rearrangements that then dominate the band); the band of ``images`` intermediate images is interpolated
    with IDPP (minimum image) and relaxed by ``optimizer`` ("FIRE" or "BFGS") with ASE's NEB (``improvedtangent``,
    climbing image when ``climb``) to ``neb_fmax`` in at most ``neb_steps`` steps. ``relax_cell``: relax the perfect
    cell (positions and cell) first; by default ``atoms`` is used as given, so that a fitted potential and its
    teacher see the same cell. A rigid-ion force field evaluates the charged vacancy cells with a neutralising
    background (module docstring). A hop whose end states relax into one another (a site that is no minimum next
    to the vacancy) raises :class:`~sselab.errors.ConvergenceError` before the band. ``engine``: an Engine, a calculator name or an ASE calculator (``db``, ``device``
    for a new engine). Barrier = max(E) − E(initial), reverse = max(E) − E(final).
    """
    if not isinstance(atoms, Atoms) or len(atoms) == 0:
        raise InputError("atoms: expected a non-empty ase.Atoms bulk cell")
    if not all(atoms.pbc) or atoms.cell.rank != 3:
        raise InputError(f"{atoms.get_chemical_formula()}: a bulk vacancy hop needs a fully periodic cell")
    check_band(images, neb_fmax)
    fmax = check_force_tolerance(fmax, "fmax")
    neb_steps = require_count(neb_steps, "neb_steps", low=1, high=100_000)
    if optimizer not in OPTIMIZERS:
        raise InputError(f"optimizer {optimizer!r}: choose one of {', '.join(OPTIMIZERS)}")
    max_distance_A = require_range(max_distance_A, "max_distance_A", low=0.0, low_inclusive=False, unit="A")
    if hop is None:
        pairs = vacancy_hop_pairs(atoms, species, max_distance_A)
        if not pairs:
            raise InputError(f"no two {species} atoms of {atoms.get_chemical_formula()} are within {max_distance_A:g} A: "
                             "raise max_distance_A")
        chosen = pairs[0]
    else:
        chosen = _check_hop(atoms, species, hop, max_distance_A)
    engine = as_engine(engine, db=db, device=device, fmax=fmax)
    host = atoms.copy()
    host.calc = None
    if relax_cell:
        host = engine.relax(host, cell=True)
        host.calc = None
    i, j = chosen.i, chosen.j
    sites = [str(host.arrays["site"][k]) for k in (i, j)] if "site" in host.arrays else []
    start, _ = hop_endpoints(host, j, i)  # vacancy at j; atom i moves into it
    moving = i - (i > j)
    charge = net_charge(engine, start)
    treatment = "none"
    if charge is not None and abs(charge) > NEUTRAL_TOL_E:
        engine, treatment = background_engine(engine), "uniform background"
    initial = engine.relax(start)
    end = initial.copy()  # the final state starts from the relaxed initial one: spectators stay in their basin
    end.calc, end.info = None, {}
    step = find_mic(host.positions[j] - initial.positions[moving], host.cell, host.pbc)[0]
    end.positions[moving] = initial.positions[moving] + step  # the nearest image of j: the band need not cross the cell
    final = engine.relax(end)
    check_distinct_ends(start, initial, end, final, moving, (i, j), engine.spec.name)
    shifts = [float(np.linalg.norm(initial.positions[moving] - start.positions[moving])),
              float(np.linalg.norm(final.positions[moving] - end.positions[moving]))]
    others = np.arange(len(initial)) != moving
    spectator = float(find_mic(final.positions[others] - initial.positions[others], host.cell, host.pbc)[1].max())
    saddle = _band(engine, initial, final, images=images, neb_fmax=neb_fmax, climb=climb, steps=neb_steps,
                   optimizer=optimizer, moving=moving)
    info = saddle.info
    band = HopResult(tuple(info["image_energies"]), tuple(info["path_length"]), bool(info["converged"]))
    top = int(info["saddle_image"])
    band_images = None
    if "band_positions" in info:
        band_images = []
        for positions, energy in zip(info["band_positions"], band.image_energies_eV):
            image = initial.copy()
            image.positions = np.asarray(positions, dtype=float)
            image.calc = SinglePointCalculator(image, energy=float(energy))
            band_images.append(image)
    forces = list(info["image_forces"])
    inputs = {"structure": host.get_chemical_formula(), "species": species, "hop": [i, j], "images": images,
              "neb_fmax": neb_fmax, "fmax": fmax, "climb": climb, "relax_cell": relax_cell, "max_distance_A": max_distance_A,
              "neb_steps": neb_steps, "optimizer": optimizer, "db": engine.cache.location}
    return BulkHopResult(
        structure=host.get_chemical_formula(), species=species, hop_indices=[i, j], hop_sites=sites,
        hop_distance_A=float(host.get_distance(i, j, mic=True)), barrier_eV=band.barrier_eV,
        reverse_barrier_eV=band.reverse_barrier_eV, reaction_energy_eV=band.reaction_energy_eV,
        image_energies_eV=list(band.image_energies_eV), path_length_A=list(band.path_length_A), saddle_image=top,
        saddle_fraction=band.path_length_A[top] / band.path_length_A[-1], saddle_offset_A=float(info["saddle_offset"]),
        saddle_force_eV_per_A=forces[top - 1], max_image_force_eV_per_A=max(forces),
        intermediate_minima=local_minima(band.image_energies_eV), converged=band.converged,
        endpoints_converged=bool(initial.info.get("converged", True) and final.info.get("converged", True)),
        band_steps=int(info["steps"]), moving_atom_shift_A=shifts,
        spectator_shift_A=spectator, images=images, neb_fmax_eV_per_A=neb_fmax,
        fmax_eV_per_A=fmax, climb=climb, net_charge_e=charge, charge_treatment=treatment, engine=engine.record(),
        band=band, saddle=saddle, band_images=band_images, inputs=inputs,
    )
