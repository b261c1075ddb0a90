"""Seed 004's interface chain: a coherent interface, its registry by Bayesian optimisation, W_adhesion, an ion hop across it.

::

    built = InterfaceSpec(substrate_miller=(1, 0, 4), film_miller=(0, 0, 1)).build("licoo2", "li6zr2o7-model")
    search = RegistrySearch(method="both", objective="single-point").run(built, calculator="chgnet", db="cache.db")
    search.w_adhesion_J_per_m2, search.searches["bo"].evaluations
    hop = InterfaceHopStudy(species="Li").run(search, calculator="chgnet", db="cache.db")

Shifts x = (s_a, s_b, s_z) of the film are in Å (:class:`~sselab.atomistic.properties.registry.ShiftGrid`); the
objective is the calculator energy after relaxation at fixed cell (the paper) or a single point. W_adhesion is seed
004 eq. 4, **negative binds** (:func:`~sselab.atomistic.properties.adhesion.adhesion_energy`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator
from ase.data import chemical_symbols

from sselab.atomistic.build.checks import check_min_image
from sselab.atomistic.build.heterointerface import (
    CoherentInterface,
    MatchSettings,
    build_coherent_interface,
    cross_interface_pair,
    lattice_matches,
)
from sselab.atomistic.engine import Engine, as_engine
from sselab.atomistic.properties.adhesion import AdhesionEnergy, adhesion_energy
from sselab.atomistic.properties.checks import check_force_tolerance, record_field
from sselab.atomistic.properties.neb import HopResult, check_band, vacancy_hop
from sselab.atomistic.properties.registry import SearchResult, ShiftGrid, bayesian_search, grid_search
from sselab.errors import InputError
from sselab.progress import Progress, no_progress
from sselab.runs import RunDirectory, csv_table, run_summary
from sselab.validation import require_count, require_within_limit

W_ADHESION_SIGN = "seed 004 eq. 4: (E_int - E_substrate - E_film)/A, negative binds"
SEARCH_COMMAND = "interface search"


def describe_interface(model: CoherentInterface) -> dict[str, Any]:
    """What a built interface is: facets, termination, area (Å²), film strains and shear, size, gap (Å)."""
    atoms = model.atoms()
    return {
        "substrate_miller": list(model.substrate_miller),
        "film_miller": list(model.film_miller),
        "termination": list(model.termination),
        "area_A2": model.area_A2,
        "film_strains": list(model.film_strains),
        "mean_abs_strain": model.mean_abs_strain,
        "shear_deg": model.angle_mismatch_deg,
        "tolerance_reading": "ZSL length/angle tolerances are relative (pymatgen)",
        "matches_within_tolerance": model.matches_found,
        "atoms": len(atoms),
        "formula": atoms.get_chemical_formula(),
        "gap_A": model.base_gap,
    }


@dataclass(frozen=True, kw_only=True)
class InterfaceSpec:
    """How to match and cut the two crystals (seed 004: ZSL tolerances 0.1, 0.1, 300 Å²; film strain ≤ 3 %, shear ≤ 2°).

    ``max_shear`` is in degrees, ``gap`` and ``vacuum`` in Å, layers in the two slabs; ``termination`` picks one of
    pymatgen's (film, substrate) termination pairs (0 = first).
    """

    substrate_miller: tuple[int, int, int]
    film_miller: tuple[int, int, int]
    max_length_tol: float = 0.1
    max_angle_tol: float = 0.1
    max_area: float = 300.0
    max_strain: float = 0.03
    max_shear: float = 2.0
    substrate_layers: int = 2
    film_layers: int = 2
    gap: float = 2.0
    vacuum: float = 15.0
    termination: int = 0

    def build(self, substrate: str | Atoms, film: str | Atoms) -> InterfaceBuildResult:
        """The smallest-area coherent interface of ``film`` on ``substrate`` (library names, files or Atoms)."""
        from sselab.atomistic.build.structures import as_atoms

        bulk = [as_atoms(s) for s in (substrate, film)]
        settings = MatchSettings(self.max_length_tol, self.max_angle_tol, self.max_area, self.max_strain, self.max_shear)
        model = build_coherent_interface(
            bulk[0],
            bulk[1],
            self.substrate_miller,
            self.film_miller,
            settings,
            self.substrate_layers,
            self.film_layers,
            self.gap,
            self.vacuum,
            self.termination,
        )
        names = [s if isinstance(s, str) else s.get_chemical_formula() for s in (substrate, film)]
        inputs = {
            "substrate": names[0],
            "film": names[1],
            "substrate_miller": list(self.substrate_miller),
            "film_miller": list(self.film_miller),
            "max_length_tol": self.max_length_tol,
            "max_angle_tol": self.max_angle_tol,
            "max_area": self.max_area,
            "max_strain": self.max_strain,
            "max_shear_deg": self.max_shear,
            "substrate_layers": self.substrate_layers,
            "film_layers": self.film_layers,
            "gap": self.gap,
            "vacuum": self.vacuum,
            "termination": self.termination,
        }
        return InterfaceBuildResult(
            model=model, substrate=names[0], film=names[1], description=describe_interface(model), inputs=inputs
        )

    def matches(self, substrate: str | Atoms, film: str | Atoms) -> LatticeMatchResult:
        """Every distinct lattice match :meth:`build` chooses from (within the area and ZSL tolerances), least strained
        first, each flagged by whether it passes ``max_strain`` and ``max_shear``: how far off a facet pair is."""
        from sselab.atomistic.build.structures import as_atoms

        settings = MatchSettings(self.max_length_tol, self.max_angle_tol, self.max_area, self.max_strain, self.max_shear)
        rows = lattice_matches(as_atoms(substrate), as_atoms(film), self.substrate_miller, self.film_miller, settings)
        names = [s if isinstance(s, str) else s.get_chemical_formula() for s in (substrate, film)]
        inputs = {"substrate": names[0], "film": names[1], "substrate_miller": list(self.substrate_miller),
                  "film_miller": list(self.film_miller), "max_length_tol": self.max_length_tol, "max_angle_tol": self.max_angle_tol,
                  "max_area": self.max_area, "max_strain": self.max_strain, "max_shear_deg": self.max_shear}
        return LatticeMatchResult(matches=[asdict(row) for row in rows], inputs=inputs)


#: Columns of ``matches.csv`` (one row per distinct lattice match).
MATCH_COLUMNS = ("area_A2", "film_strains", "mean_abs_strain", "shear_deg", "von_mises_strain", "within_limits")


@dataclass(kw_only=True)
class LatticeMatchResult:
    """The lattice matches of a facet pair (``interface matches --json``): ``matches`` as dicts of
    :class:`~sselab.atomistic.build.heterointerface.LatticeMatch`, least mean |strain| first."""

    matches: list[dict[str, Any]]
    inputs: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def least_von_mises(self) -> dict[str, Any] | None:
        """The match of least von Mises strain (lengths and angle together)."""
        return min(self.matches, key=lambda row: row["von_mises_strain"], default=None)

    def to_dict(self) -> dict[str, Any]:
        return {"matches": [dict(row, film_strains=list(row["film_strains"])) for row in self.matches],
                "within_limits": sum(row["within_limits"] for row in self.matches)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LatticeMatchResult:
        return cls(matches=[dict(row, film_strains=tuple(row["film_strains"])) for row in data["matches"]])

    def table(self) -> str:
        """``matches.csv``: the two film strains as 'e1 e2'."""
        return csv_table(MATCH_COLUMNS, [dict(row, film_strains=" ".join(f"{e:.6f}" for e in row["film_strains"])) for row in self.matches])

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """``matches.csv`` and ``run.json``."""
        run = RunDirectory.open(run_dir, "interface matches", self.inputs)
        run.write_text("matches.csv", self.table())
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run


@dataclass(kw_only=True)
class InterfaceBuildResult:
    """A built coherent interface (``model``, None from a dict) and its description (``interface build --json``)."""

    description: dict[str, Any]
    model: CoherentInterface | None = field(default=None, repr=False)
    substrate: str = ""
    film: str = ""
    inputs: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.description)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InterfaceBuildResult:
        return cls(description=dict(data))

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """``interface.extxyz`` and ``run.json``."""
        from ase.io import write

        run = RunDirectory.open(run_dir, "interface build", self.inputs)
        if self.model is not None:
            write(run.path / "interface.extxyz", self.model.atoms())
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run


@dataclass(frozen=True, kw_only=True)
class RegistrySearch:
    """Settings of the registry search: ``method`` bo | grid | both (grid = the reference minimum), ``objective`` relaxed |
    single-point, the shift grid (Å), BO's ``initial`` random points, ``patience`` and ``seed``, whether to compute the
    work of ``adhesion`` of the best registry, and ``fmax`` of the relaxations (eV/Å)."""

    method: str = "bo"
    objective: str = "relaxed"
    lateral_step: float = 0.25
    lateral_max: float = 3.0
    vertical_step: float = 0.25
    vertical_max: float = 0.75
    initial: int = 3
    patience: int = 2
    seed: int = 0
    adhesion: bool = True
    fmax: float = 0.05

    def __post_init__(self) -> None:
        if self.method not in ("bo", "grid", "both"):
            raise InputError(f"--method must be bo, grid or both, got {self.method!r}")
        if self.objective not in ("relaxed", "single-point"):
            raise InputError(f"--objective must be relaxed or single-point, got {self.objective!r}")
        require_count(self.patience, "patience (--patience)", low=1)
        require_count(self.seed, "seed (--seed)", low=0)
        check_force_tolerance(self.fmax, "--fmax (fmax)")
        require_within_limit(self.evaluations_bound(), "structures", "the registry search (at most every grid point, per method)")
        # BO's random start draws distinct grid points
        require_count(self.initial, "initial (--initial)", low=1, high=len(self.grid.points()))

    @property
    def grid(self) -> ShiftGrid:
        return ShiftGrid(self.lateral_step, self.lateral_max, self.vertical_step, self.vertical_max)

    def evaluations_bound(self) -> int:
        """Most objective evaluations :meth:`run` can make (for a progress bar's total)."""
        return len(self.grid.points()) * (2 if self.method == "both" else 1)

    def run(
        self,
        interface: InterfaceBuildResult | CoherentInterface,
        *,
        calculator: Engine | str | Calculator = "chgnet",
        db: str | None = None,
        device: str = "cpu",
        progress: Progress = no_progress,
    ) -> RegistrySearchResult:
        """Search the film's registry on ``interface``; every distinct shift is computed once (and cached in ``db``)."""
        points = self.grid.points()
        model = interface.model if isinstance(interface, InterfaceBuildResult) else interface
        if model is None:
            raise InputError("the interface holds no structure (a result read from a dict): build it again")
        engine = as_engine(calculator, db=db, device=device, fmax=self.fmax)
        engine.spec.check_elements(set(model.atoms().get_chemical_symbols()), "interface")
        structures: dict[int, Atoms] = {}

        def evaluate(index: int) -> float:
            if index not in structures:
                atoms = model.shifted(points[index])
                structures[index] = engine.relax(atoms, cell=False) if self.objective == "relaxed" else engine.energy(atoms)
            return float(structures[index].get_potential_energy())

        searches: dict[str, SearchResult] = {}
        if self.method in ("bo", "both"):
            searches["bo"] = bayesian_search(evaluate, points, self.initial, self.patience, seed=self.seed, progress=progress)
        if self.method in ("grid", "both"):
            searches["grid"] = grid_search(evaluate, len(points), progress=progress)
        best = searches["grid" if "grid" in searches else "bo"]
        best_atoms = structures[best.best_index]
        adhesion = adhesion_energy(engine, model, best_atoms, relax=self.objective == "relaxed") if self.adhesion else None
        periods = model.atoms().cell.lengths()[:2]
        warning = None
        if self.lateral_max >= periods.min():
            warning = (
                f"the lateral range ({self.lateral_max:g} A) reaches an in-plane period ({periods.min():.2f} A): "
                "equivalent registries appear more than once in the grid"
            )
        methods = {
            name: {
                "evaluations": r.evaluations,
                "best_shift_A": points[r.best_index].tolist(),
                "best_energy_eV": r.best_value,
                "best_so_far_eV": r.best_so_far().tolist(),
                "evaluated_shifts_A": points[list(r.evaluated)].tolist(),
            }
            for name, r in searches.items()
        }
        inputs = {
            "substrate": getattr(interface, "substrate", None),
            "film": getattr(interface, "film", None),
            "substrate_miller": list(model.substrate_miller),
            "film_miller": list(model.film_miller),
            "method": self.method,
            "objective": self.objective,
            "grid": [self.lateral_step, self.lateral_max, self.vertical_step, self.vertical_max],
            "initial": self.initial,
            "patience": self.patience,
            "seed": self.seed,
            "db": db,
        }
        return RegistrySearchResult(
            interface=describe_interface(model),
            objective=self.objective,
            grid_points=len(points),
            film_indices=[int(i) for i in model.interface.film_indices],
            calculator=engine.spec.identity(),
            distinct_structures_evaluated=len(structures),
            warning=warning,
            methods=methods,
            adhesion=adhesion,
            engine=engine.record(),
            points=points,
            searches=searches,
            best_atoms=best_atoms,
            interface_atoms=model.atoms(),
            inputs=inputs,
        )


@dataclass(kw_only=True)
class RegistrySearchResult:
    """Calculations and minima of each search method, the best registry and its W_adhesion (negative binds)."""

    interface: dict[str, Any]
    objective: str
    grid_points: int
    film_indices: list[int]
    calculator: dict[str, Any]
    distinct_structures_evaluated: int
    methods: dict[str, dict[str, Any]]  # "bo" and/or "grid": evaluations, best shift (Å) and energy (eV), progress, shifts
    warning: str | None = None
    adhesion: AdhesionEnergy | None = None
    engine: dict[str, Any] = field(default_factory=dict)
    points: np.ndarray | None = field(default=None, repr=False)  # the shift grid, Å
    searches: dict[str, SearchResult] = field(default_factory=dict, repr=False)  # raw searches (not in a dict)
    best_atoms: Atoms | None = field(default=None, repr=False)
    interface_atoms: Atoms | None = field(default=None, repr=False)
    source: str | None = None  # the run directory it was read from
    inputs: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def w_adhesion_J_per_m2(self) -> float | None:
        return None if self.adhesion is None else self.adhesion.w_adhesion_J_per_m2

    def to_dict(self) -> dict[str, Any]:
        summary: dict[str, Any] = {
            "interface": self.interface,
            "objective": self.objective,
            "grid_points": self.grid_points,
            "film_indices": list(self.film_indices),
            "calculator": self.calculator,
            "distinct_structures_evaluated": self.distinct_structures_evaluated,
        }
        if self.warning is not None:
            summary["warning"] = self.warning
        summary.update(self.methods)
        if "bo" in self.methods and "grid" in self.methods:
            bo, grid = self.methods["bo"], self.methods["grid"]
            summary["bo_reached_grid_minimum"] = bool(bo["best_energy_eV"] <= grid["best_energy_eV"] + 1e-6)
            summary["bo_gap_to_grid_minimum_eV"] = bo["best_energy_eV"] - grid["best_energy_eV"]
            summary["calculation_ratio_bo_to_grid"] = bo["evaluations"] / grid["evaluations"]
        if self.adhesion is not None:
            w = self.adhesion
            summary["w_adhesion_J_per_m2"] = w.w_adhesion_J_per_m2
            summary["w_adhesion_sign"] = W_ADHESION_SIGN
            summary["adhesion_energies_eV"] = {
                "interface": w.interface_energy_eV,
                "substrate_slab": w.substrate_slab_energy_eV,
                "film_slab": w.film_slab_energy_eV,
                "area_A2": w.area_A2,
            }
        summary["engine"] = self.engine
        return summary

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RegistrySearchResult:
        energies = data.get("adhesion_energies_eV")
        adhesion = (
            None
            if energies is None
            else AdhesionEnergy(energies["interface"], energies["substrate_slab"], energies["film_slab"], energies["area_A2"])
        )
        return cls(
            interface=data["interface"],
            objective=data["objective"],
            grid_points=int(data["grid_points"]),
            film_indices=list(data["film_indices"]),
            calculator=data["calculator"],
            distinct_structures_evaluated=int(data["distinct_structures_evaluated"]),
            methods={name: data[name] for name in ("bo", "grid") if name in data},
            warning=data.get("warning"),
            adhesion=adhesion,
            engine=data.get("engine", {}),
        )

    @classmethod
    def from_directory(cls, directory: str | Path) -> RegistrySearchResult:
        """An ``interface search`` run directory: its summary and ``best_interface.extxyz``."""
        from sselab.atomistic.build.structures import read_structure_file

        directory = Path(directory)
        summary = run_summary(directory, SEARCH_COMMAND)
        if summary.get("film_indices") is None:
            raise InputError(f"{directory / 'run.json'} records no film atoms: rerun 'interface search'")
        best = directory / "best_interface.extxyz"
        if not best.is_file():
            raise InputError(f"{directory} lacks best_interface.extxyz: not a finished 'interface search' run")
        atoms = read_structure_file(best, "best interface")
        data = {"grid_points": 0, "distinct_structures_evaluated": 0, "interface": {}, "objective": "", "calculator": {}, **summary}
        check_search_summary(data, len(atoms), f"{directory / 'run.json'} summary")
        result = cls.from_dict(data)
        result.best_atoms = atoms
        result.source = str(directory)
        return result

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """``best_interface.extxyz``, ``interface.extxyz``, ``registry_search.png``, ``run.json``."""
        from ase.io import write

        from sselab.plots.interface import registry_search_figure

        run = RunDirectory.open(run_dir, SEARCH_COMMAND, self.inputs)
        if self.best_atoms is not None:
            write(run.path / "best_interface.extxyz", self.best_atoms)
        if self.interface_atoms is not None:
            write(run.path / "interface.extxyz", self.interface_atoms)
        if self.searches:
            run.save_figure("registry_search", registry_search_figure(self))
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run


def check_search_summary(data: dict[str, Any], atoms: int, where: str) -> None:
    """The fields of an ``interface search`` summary that :meth:`RegistrySearchResult.from_dict` reads, with their types;
    ``film_indices`` must index the ``atoms`` of the best interface. One line naming ``where`` and the field otherwise."""
    for key, kind in (("interface", "table"), ("objective", "text"), ("grid_points", "count"), ("calculator", "table"),
                      ("distinct_structures_evaluated", "count"), ("film_indices", "list")):
        record_field(data, key, kind, where)
    if not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < atoms for i in data["film_indices"]):
        raise InputError(f"{where}: 'film_indices' must be atom indices of the {atoms}-atom best interface")
    for name in ("bo", "grid"):
        if name in data:
            record_field(data, name, "table", where)
    for key in ("engine", "adhesion_energies_eV"):
        if data.get(key) is not None:
            record_field(data, key, "table", where)
    if data.get("adhesion_energies_eV") is not None:
        for key in ("interface", "substrate_slab", "film_slab", "area_A2"):
            record_field(data["adhesion_energies_eV"], key, "number", f"{where}, adhesion_energies_eV")
    if data.get("warning") is not None:
        record_field(data, "warning", "text", where)


@dataclass(frozen=True, kw_only=True)
class InterfaceHopStudy:
    """Settings of the hop across the interface: the ``species``; the atom that hops (``site_from``) and the one whose site
    is vacated for it (``site_to``), by default the closest pair across the interface; ``images`` of the band (seed 004: 3),
    its ``neb_fmax`` and the end points' ``fmax`` (eV/Å); ``min_image``: lateral repeats until vacancy images are this far
    apart (Å)."""

    species: str = "Li"
    site_from: int | None = None
    site_to: int | None = None
    images: int = 3
    neb_fmax: float = 0.05
    min_image: float = 9.0
    fmax: float = 0.05

    def __post_init__(self) -> None:
        if (self.site_from is None) != (self.site_to is None):
            raise InputError("give both --from and --to, or neither")
        if self.species not in chemical_symbols[1:]:
            raise InputError(f"--species {self.species!r} is not an element symbol")
        for site, name in ((self.site_from, "--from"), (self.site_to, "--to")):
            if site is not None:
                require_count(site, f"{name} (an atom index)", low=0)
        check_band(self.images, self.neb_fmax)
        check_min_image(self.min_image, "min image (--min-image)")
        check_force_tolerance(self.fmax, "--fmax (fmax)")

    def endpoints(self, search: RegistrySearchResult | str | Path) -> tuple[Atoms, int, int, tuple[int, int]]:
        """The laterally repeated best interface (the first copy keeps the original indices), the hopping atom, the
        vacated site and the repeats; checked before any calculation."""
        from sselab.atomistic.build.interfaces import lateral_repeats, repeat_for_images

        search = search if isinstance(search, RegistrySearchResult) else RegistrySearchResult.from_directory(search)
        host = search.best_atoms
        if host is None:
            raise InputError("the search result holds no best interface (a result read from a dict): use its run directory")
        site_from, site_to = self.site_from, self.site_to
        if site_from is None:
            site_from, site_to = cross_interface_pair(host, search.film_indices, self.species)
        for index in (site_from, site_to):
            if not 0 <= index < len(host):
                raise InputError(f"atom {index} does not exist in the interface ({len(host)} atoms)")
        if site_from == site_to:
            raise InputError(f"--from and --to name the same atom ({site_from}): a hop needs two sites")
        repeated = repeat_for_images(host, self.min_image, "the best interface")
        repeats = lateral_repeats(host.cell.array, self.min_image)
        return repeated, int(site_from), int(site_to), tuple(int(r) for r in repeats)

    def run(
        self,
        search: RegistrySearchResult | str | Path,
        *,
        calculator: Engine | str | Calculator = "chgnet",
        db: str | None = None,
        device: str = "cpu",
    ) -> InterfaceHopResult:
        """Climbing-image NEB of the ion at ``site_from`` hopping into the vacated site of ``site_to`` (vacancy mechanism)."""
        search = search if isinstance(search, RegistrySearchResult) else RegistrySearchResult.from_directory(search)
        host, site_from, site_to, repeats = self.endpoints(search)
        engine = as_engine(calculator, db=db, device=device, fmax=self.fmax)
        # the ion at site_from moves into the vacancy left at site_to: in vacancy terms the vacancy goes site_to -> site_from
        hop = vacancy_hop(engine, host, site_to, site_from, self.images, self.neb_fmax)
        inputs = {
            "search_run": search.source,
            "species": self.species,
            "from": site_from,
            "to": site_to,
            "images": self.images,
            "neb_fmax": self.neb_fmax,
            "db": db,
        }
        return InterfaceHopResult(
            hopping_atom=site_from,
            vacated_site=site_to,
            species=self.species,
            lateral_repeats=list(repeats),
            atoms=len(host),
            hop=hop,
            engine=engine.record(),
            inputs=inputs,
        )


@dataclass(kw_only=True)
class InterfaceHopResult:
    """Barriers (eV) of the hop across the interface and the band's energies (seed 004 Fig. 6)."""

    hopping_atom: int
    vacated_site: int
    species: str
    lateral_repeats: list[int]
    atoms: int
    hop: HopResult
    engine: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        hop = self.hop
        return {
            "hopping_atom": self.hopping_atom,
            "vacated_site": self.vacated_site,
            "species": self.species,
            "lateral_repeats": list(self.lateral_repeats),
            "atoms": self.atoms,
            "barrier_eV": hop.barrier_eV,
            "reverse_barrier_eV": hop.reverse_barrier_eV,
            "reaction_energy_eV": hop.reaction_energy_eV,
            "image_energies_eV": list(hop.image_energies_eV),
            "hop_distance_A": hop.path_length_A[-1],
            "converged": hop.converged,
            "engine": self.engine,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InterfaceHopResult:
        """Back from :meth:`to_dict`; only the band's total length is recorded, so the images are spread evenly along it."""
        energies = tuple(data["image_energies_eV"])
        path = tuple(np.linspace(0.0, data["hop_distance_A"], len(energies)).tolist())
        return cls(
            hopping_atom=int(data["hopping_atom"]),
            vacated_site=int(data["vacated_site"]),
            species=data["species"],
            lateral_repeats=list(data["lateral_repeats"]),
            atoms=int(data["atoms"]),
            hop=HopResult(energies, path, bool(data["converged"])),
            engine=data.get("engine", {}),
        )

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """``neb.png`` and ``run.json``."""
        from sselab.plots.segregation import neb_figure

        run = RunDirectory.open(run_dir, "interface neb", self.inputs)
        run.save_figure("neb", neb_figure(self.hop, title=f"{self.species} {self.hopping_atom} -> site of {self.vacated_site}"))
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run
