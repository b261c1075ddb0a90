"""Seed 000's site scan with any calculator: relaxed LLZO → site scan per ion → higher concentrations (Fig. 2).

::

    result = ExchangeSiteStudy(octahedral=2, tetrahedral=1).run(["Na"], calculator="chgnet", db="cache.db")
    result.ions["Na"].scan.octahedral_preference_eV     # E(best T) − E(best O), eV; positive = octahedral
    result.write("runs/sites-na")                       # what ``sselab defects sites`` writes

The relaxed host, the lowest configuration at each ion count and their energies are what the formation-energy
screen (:mod:`sselab.studies.formation`) and the chemical-expansion fit (:mod:`sselab.studies.expansion`)
consume, in memory or from the run directory (``host_relaxed.extxyz``, ``best_<Ion>_n<k>.extxyz``) through
:meth:`ExchangeSiteResult.from_directory`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator
from ase.data import atomic_numbers, chemical_symbols

from sselab.atomistic.build.defects import select_li_sites
from sselab.atomistic.build.llzo import LI_PER_CELL, ordered_cubic_llzo
from sselab.atomistic.engine import Engine, as_engine
from sselab.atomistic.properties.checks import check_optional_force_tolerance, finite_energy, record_field
from sselab.atomistic.properties.expansion import equivalent_cubic_lattice_constant
from sselab.atomistic.properties.sites import ConcentrationStep, SiteScan, grow_concentration, scan_sites
from sselab.errors import InputError
from sselab.progress import Progress, no_progress
from sselab.runs import RunDirectory, run_summary
from sselab.validation import require_count, require_within_limit

COMMAND = "defects sites"
LLZO_ELEMENTS = {"Li", "La", "Zr", "O"}


def check_exchange_ion(ion: str) -> str:
    """An exchange ion: a metal other than Li with a +1 oxidation state (Na, K, Ag, Cu, Rb, ...)."""
    from pymatgen.core import Element

    if not isinstance(ion, str) or ion not in chemical_symbols[1:]:
        raise InputError(f"--ion {str(ion)[:40]!r} is not an element symbol")
    element = Element(ion)
    if ion == "Li" or not element.is_metal or 1 not in element.common_oxidation_states:
        raise InputError(f"--ion {ion!r}: the exchange ion must be a metal other than Li that forms +1 ions")
    return ion


def check_exchange_ions(ions: Sequence[str]) -> list[str]:
    """Each a valid exchange ion (:func:`check_exchange_ion`), each once."""
    if isinstance(ions, str) or not ions:
        raise InputError("--ion: give at least one exchange ion (a list of element symbols)")
    for ion in ions:
        check_exchange_ion(ion)
    if len(set(ions)) != len(ions):
        raise InputError("--ion: each ion once")
    return list(ions)


def relaxed_llzo(
    calculator: Engine | str | Calculator = "chgnet",
    seed: int = 0,
    samples: int = 200,
    *,
    db: str | None = None,
    device: str = "cpu",
) -> Atoms:
    """The ordered cubic LLZO cell (lowest Ewald of ``samples``), positions and cell relaxed; site labels kept."""
    engine = as_engine(calculator, db=db, device=device)
    host, _ = ordered_cubic_llzo(seed=seed, samples=samples)
    relaxed = engine.relax(host, cell=True)
    relaxed.arrays["site"] = host.arrays["site"]
    relaxed.info["li_ordering_seed"] = seed
    return relaxed


def load_relaxed_host(
    path: str | Path, calculator: Engine | str | Calculator = "chgnet", *, db: str | None = None, device: str = "cpu"
) -> Atoms:
    """A relaxed LLZO host written by an earlier sites run: needs its Li site labels and an energy this calculator reproduces."""
    from sselab.atomistic.build.structures import read_structure_file

    host = read_structure_file(path, "host file")
    if "site" not in host.arrays or host.calc is None:
        raise InputError(f"host file {path} lacks Li site labels or an energy: use host_relaxed.extxyz of a 'defects sites' run")
    stored = finite_energy(host, f"host file {path}")
    engine = as_engine(calculator, db=db, device=device)
    recomputed = finite_energy(engine.energy(host), f"the host of {path}")
    if abs(recomputed - stored) / len(host) > 1e-3:
        raise InputError(
            f"host file {path} was computed with another calculator or model ({stored:.4f} eV there, "
            f"{recomputed:.4f} eV with {engine.spec.model})"
        )
    return host


@dataclass
class IonSites:
    """One ion's scan (Fig. 2) and its lowest configurations at 1, 2, ... ions."""

    scan: SiteScan
    steps: list[ConcentrationStep]
    structures: list[Atoms] = field(default_factory=list, repr=False)  # relaxed, fixed cell; empty when read from a dict

    def to_dict(self) -> dict[str, Any]:
        return {**self.scan.as_dict(), "concentration_steps": [s.as_dict() for s in self.steps]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IonSites:
        return cls(SiteScan.from_dict(data), [ConcentrationStep.from_dict(s) for s in data["concentration_steps"]])


def site_study(
    calculator: Engine | str | Calculator,
    host: Atoms,
    element: str,
    octahedral: int = 14,
    tetrahedral: int = 7,
    max_count: int = 1,
    candidates: int = 4,
    progress: Progress = no_progress,
    *,
    db: str | None = None,
    device: str = "cpu",
) -> IonSites:
    """Fig. 2 scan for one ion, then ``max_count`` − 1 growth steps from the best configuration."""
    engine = as_engine(calculator, db=db, device=device)
    indices = select_li_sites(host, octahedral, tetrahedral)
    scan, relaxed = scan_sites(engine, host, element, indices, progress=progress)
    best = scan.best
    first = relaxed[best.index]
    first.arrays["site"] = host.arrays["site"]
    steps, structures = grow_concentration(engine, host, element, first, best.index, max_count, candidates, progress)
    return IonSites(scan, steps, structures)


@dataclass(frozen=True, kw_only=True)
class ExchangeSiteStudy:
    """Settings of the seed 000 site scan (Fig. 2) and the growth to higher concentrations (§2.1).

    ``octahedral``/``tetrahedral``: Li sites scanned per type (the paper: 14 + 7); ``max_count``: build the lowest
    configurations up to this many ions (1, 2, 3 = 1.8, 3.6, 5.4 % of 56 Li); ``candidates``: octahedral sites tried for
    each extra ion; ``seed``: of the Li ordering of the LLZO cell; ``fmax``: force tolerance of every relaxation, eV/Å
    (it replaces an Engine's own).
    """

    octahedral: int = 14
    tetrahedral: int = 7
    max_count: int = 1
    candidates: int = 4
    seed: int = 0
    fmax: float | None = None  # eV/Å; None: a given Engine's own, 0.05 for a new one

    def __post_init__(self) -> None:
        for name, low in (("octahedral", 0), ("tetrahedral", 0), ("max_count", 1), ("candidates", 1)):
            require_count(getattr(self, name), f"--{name.replace('_', '-')} (Li sites of the {LI_PER_CELL}-Li LLZO cell)",
                          low=low, high=LI_PER_CELL)
        if self.octahedral + self.tetrahedral == 0:
            raise InputError("--octahedral and --tetrahedral: at least one site must be scanned")
        require_count(self.seed, "--seed", low=0)
        check_optional_force_tolerance(self.fmax, "--fmax (fmax)")

    def relaxations(self, ions: int, li_sites: int = 56) -> int:
        """Relaxations :meth:`run` makes for ``ions`` ions on a host with ``li_sites`` Li, besides the host's own."""
        return ions * (min(self.octahedral + self.tetrahedral, li_sites) + (self.max_count - 1) * self.candidates)

    def run(
        self,
        ions: Sequence[str],
        *,
        calculator: Engine | str | Calculator = "chgnet",
        db: str | None = None,
        device: str = "cpu",
        host: Atoms | str | Path | None = None,
        progress: Progress = no_progress,
    ) -> ExchangeSiteResult:
        """Relax the host (or take ``host``: relaxed Atoms with site labels, or a host_relaxed.extxyz), then scan each ion.

        ``progress`` is called with a label after the host and before each configuration's relaxation.
        """
        ions = check_exchange_ions(ions)
        require_within_limit(self.relaxations(len(ions)), "structures", f"the site scan of {len(ions)} ion(s)")
        engine = as_engine(calculator, db=db, device=device, fmax=self.fmax, default_fmax=0.05)
        engine.spec.check_elements(set(ions) | LLZO_ELEMENTS, "exchanged LLZO")
        host_file = None if host is None or isinstance(host, Atoms) else str(host)
        if host is None:
            host = relaxed_llzo(engine, seed=self.seed)
            progress("relaxed the LLZO host")
        elif not isinstance(host, Atoms):
            host = load_relaxed_host(host, engine)
        elif "site" not in host.arrays or host.calc is None:
            raise InputError("the host needs Li site labels and an energy (a relaxed_llzo() or host_relaxed.extxyz structure)")
        results = {
            ion: site_study(engine, host, ion, self.octahedral, self.tetrahedral, self.max_count, self.candidates, progress)
            for ion in ions
        }
        inputs = {"ions": ions, **asdict(self), "db": db, "host": host_file}
        return ExchangeSiteResult(
            calculator=engine.spec.identity(),
            host_energy_eV=finite_energy(host, "the LLZO host"),
            host_lattice_constant_A=equivalent_cubic_lattice_constant(host),
            li_sites_in_host=int(np.count_nonzero(host.numbers == atomic_numbers["Li"])),
            ions=results,
            engine=engine.record(),
            host=host,
            inputs=inputs,
        )


_SITE_FIELDS = (("name", "text"), ("index", "count"), ("site_before", "text"), ("site_after", "text"), ("energy_eV", "number"),
                ("relative_eV", "number"), ("displacement_A", "number"), ("converged", "flag"))
_STEP_FIELDS = (("count", "count"), ("concentration", "number"), ("indices", "list"), ("energy_eV", "number"),
                ("scanned_sites", "count"))


def check_sites_summary(summary: dict[str, Any], where: str) -> None:
    """The fields of a ``defects sites`` summary that :meth:`ExchangeSiteResult.from_dict` reads, with their types.

    Every ion must be an exchange ion (its name becomes part of file names), scanned at one site at least, with
    concentration steps 1, 2, ... One line naming ``where`` and the field otherwise.
    """
    record_field(summary, "calculator", "table", where)
    record_field(summary, "host_energy_eV", "number", where)
    if record_field(summary, "li_sites_in_host", "count", where) < 1:
        raise InputError(f"{where}: 'li_sites_in_host' must be at least 1")
    if summary.get("host_lattice_constant_A") is not None:
        record_field(summary, "host_lattice_constant_A", "number", where)
    if summary.get("engine") is not None:
        record_field(summary, "engine", "table", where)
    ions = record_field(summary, "ions", "table", where)
    if not ions:
        raise InputError(f"{where}: no ions recorded")
    for ion, data in ions.items():
        place = f"{where}, ion {str(ion)[:20]!r}"
        try:
            check_exchange_ion(ion)
        except InputError:
            raise InputError(f"{place}: not an exchange ion") from None
        record_field(data, "element", "text", place)
        sites = record_field(data, "sites", "list", place)
        steps = record_field(data, "concentration_steps", "list", place)
        if not sites or not steps:
            raise InputError(f"{place}: no configurations recorded")
        for number, site in enumerate(sites):
            for key, kind in _SITE_FIELDS:
                record_field(site, key, kind, f"{place}, site {number}")
        for number, step in enumerate(steps):
            for key, kind in _STEP_FIELDS:
                record_field(step, key, kind, f"{place}, concentration step {number}")
            if not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in step["indices"]):
                raise InputError(f"{place}, concentration step {number}: 'indices' must be atom indices")
        if [step["count"] for step in steps] != list(range(1, len(steps) + 1)):
            raise InputError(f"{place}: concentration steps must count 1, 2, ... ions")


@dataclass
class ExchangeSiteResult:
    """What ``sselab defects sites`` reports: the host and, per ion, the scan and the concentration steps."""

    calculator: dict[str, Any]
    host_energy_eV: float
    host_lattice_constant_A: float
    li_sites_in_host: int
    ions: dict[str, IonSites]
    engine: dict[str, Any] = field(default_factory=dict)
    host: Atoms | None = field(default=None, repr=False)  # relaxed host with site labels (None from a dict)
    source: str | None = None  # the run directory it was read from
    inputs: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def model(self) -> str:
        return str(self.calculator.get("model", ""))

    def to_dict(self) -> dict[str, Any]:
        return {
            "calculator": self.calculator,
            "host_energy_eV": self.host_energy_eV,
            "host_lattice_constant_A": self.host_lattice_constant_A,
            "li_sites_in_host": self.li_sites_in_host,
            "ions": {ion: sites.to_dict() for ion, sites in self.ions.items()},
            "engine": self.engine,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExchangeSiteResult:
        return cls(
            data["calculator"],
            float(data["host_energy_eV"]),
            float(data.get("host_lattice_constant_A", float("nan"))),
            int(data["li_sites_in_host"]),
            {ion: IonSites.from_dict(d) for ion, d in data["ions"].items()},
            data.get("engine", {}),
        )

    @classmethod
    def from_directory(cls, directory: str | Path) -> ExchangeSiteResult:
        """A ``defects sites`` run directory: its summary, relaxed host and lowest configurations, checked to be complete."""
        from sselab.atomistic.build.structures import read_structure_file

        directory = Path(directory)
        summary = run_summary(directory, COMMAND)
        check_sites_summary(summary, f"{directory / 'run.json'} summary")
        files = [directory / "host_relaxed.extxyz"]
        for ion, data in summary["ions"].items():
            files += [directory / f"best_{ion}_n{step['count']}.extxyz" for step in data["concentration_steps"]]
        missing = [f.name for f in files if not f.is_file()]
        if missing:
            raise InputError(f"{directory} lacks {', '.join(missing)}")
        result = cls.from_dict(summary)
        result.host = read_structure_file(files[0], "relaxed host")
        for ion, sites in result.ions.items():
            sites.structures = [read_structure_file(directory / f"best_{ion}_n{step.count}.extxyz", f"lowest {ion} configuration")
                                for step in sites.steps]
        result.source = str(directory)
        return result

    def energies(self, ion: str, model: str | None = None) -> tuple[float, list[tuple[int, float, float]]]:
        """Host energy and (count, concentration, energy) of each lowest configuration of ``ion`` (eV).

        With ``model``, refuses a result computed with another model: energies of two models cannot be mixed.
        """
        where = self.source or "the sites result"
        if ion not in self.ions:
            raise InputError(f"the sites run {where} has no {ion} (has {', '.join(self.ions) or 'none'})")
        if model is not None and self.model != model:
            raise InputError(f"the sites run used {self.model}, not {model}: energies cannot be mixed")
        return self.host_energy_eV, [(s.count, s.concentration, s.energy_eV) for s in self.ions[ion].steps]

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """``host_relaxed.extxyz``, ``best_<Ion>_n<k>.extxyz`` (when the structures are held), ``sites.png``, ``run.json``."""
        from ase.io import write

        from sselab.plots.defects import site_preference_figure

        run = RunDirectory.open(run_dir, COMMAND, self.inputs)
        if self.host is not None:
            write(run.path / "host_relaxed.extxyz", self.host)
        for ion, sites in self.ions.items():
            for step, structure in zip(sites.steps, sites.structures):
                write(run.path / f"best_{ion}_n{step.count}.extxyz", structure)
        run.save_figure("sites", site_preference_figure(self))
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run
