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
from ase.data import atomic_numbers

from sselab.atomistic.build.defects import select_li_sites
from sselab.atomistic.build.llzo import ordered_cubic_llzo
from sselab.atomistic.engine import Engine, as_engine
from sselab.atomistic.properties.expansion import equivalent_cubic_lattice_constant
from sselab.atomistic.properties.sites import ConcentrationStep, SiteScan, grow_concentration, scan_sites
from sselab.errors import InputError
from sselab.progress import Progress, no_progress
from sselab.runs import RunDirectory, run_summary

COMMAND = "defects sites"
LLZO_ELEMENTS = {"Li", "La", "Zr", "O"}


def check_exchange_ion(ion: str) -> str:
    """An exchange ion: a metal other than Li with a +1 oxidation state (Na, K, Ag, Cu, Rb, ...)."""
    from pymatgen.core import Element

    try:
        element = Element(ion)
    except ValueError:
        raise InputError(f"--ion {ion!r} is not an element") from None
    if ion == "Li" or not element.is_metal or 1 not in element.common_oxidation_states:
        raise InputError(f"--ion {ion!r}: the exchange ion must be a metal other than Li that forms +1 ions")
    return ion


def check_exchange_ions(ions: Sequence[str]) -> list[str]:
    """Each a valid exchange ion (:func:`check_exchange_ion`), each once."""
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
    from ase.io import read

    engine = as_engine(calculator, db=db, device=device)
    try:
        host = read(path)
    except FileNotFoundError:
        raise InputError(f"host file {path} does not exist") from None
    except Exception as error:  # ASE's readers raise many unrelated types
        raise InputError(f"cannot read host file {path}: {error}") from None
    if "site" not in host.arrays or host.calc is None:
        raise InputError(f"host file {path} lacks Li site labels or an energy: use host_relaxed.extxyz of a 'defects sites' run")
    stored = float(host.get_potential_energy())
    recomputed = float(engine.energy(host).get_potential_energy())
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
        if self.max_count < 1 or self.candidates < 1:
            raise InputError("--max-count and --candidates must be at least 1")
        if self.octahedral < 0 or self.tetrahedral < 0 or self.octahedral + self.tetrahedral == 0:
            raise InputError("--octahedral and --tetrahedral must not be negative, and at least one site must be scanned")

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
            host_energy_eV=float(host.get_potential_energy()),
            host_lattice_constant_A=equivalent_cubic_lattice_constant(host),
            li_sites_in_host=int(np.count_nonzero(host.numbers == atomic_numbers["Li"])),
            ions=results,
            engine=engine.record(),
            host=host,
            inputs=inputs,
        )


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
        from ase.io import read

        directory = Path(directory)
        summary = run_summary(directory, COMMAND, {"calculator", "host_energy_eV", "li_sites_in_host", "ions"})
        files = [directory / "host_relaxed.extxyz"]
        for ion, data in summary["ions"].items():
            steps = data.get("concentration_steps") or []
            if not steps:
                raise InputError(f"{directory}: no configurations recorded for {ion}")
            files += [directory / f"best_{ion}_n{step['count']}.extxyz" for step in steps]
        missing = [f.name for f in files if not f.is_file()]
        if missing:
            raise InputError(f"{directory} lacks {', '.join(missing)}")
        result = cls.from_dict(summary)
        result.host = read(files[0])
        for ion, sites in result.ions.items():
            sites.structures = [read(directory / f"best_{ion}_n{step.count}.extxyz") for step in sites.steps]
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
