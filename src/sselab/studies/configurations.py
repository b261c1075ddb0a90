"""Seed 004's defect-configuration search: random configurations ranked by Ewald energy, the lowest relaxed.

::

    search = ConfigurationSearch(supercell=(2, 2, 2), substitutions=[("F", "O", None), ("Li", "Zr", 8)],
                                 vacancies=[("O", 4)], samples=500, keep=5)
    result = search.run("lif", calculator="chgnet", db="cache.db")
    result.best, result.entry          # the lowest relaxed configuration; its hull entry {composition, energy_eV, name}

Formal charges (for the Ewald ranking and the neutrality check) come from :data:`sselab.constants.FORMAL_CHARGES`,
with ``charges`` overriding or adding elements.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator
from ase.data import chemical_symbols

from sselab.atomistic.build.checks import check_repeats
from sselab.atomistic.build.defects import Configuration, interstitial_candidates, sample_configurations
from sselab.atomistic.engine import Engine, as_engine
from sselab.atomistic.properties.checks import check_optional_force_tolerance, finite_energy
from sselab.constants import FORMAL_CHARGES
from sselab.errors import InputError
from sselab.progress import Progress, no_progress
from sselab.runs import RunDirectory
from sselab.validation import require_count, require_range, require_within_limit

COMMAND = "defects configurations"


#: Largest |formal charge| (e): no element has an oxidation state beyond ±8.
MAX_FORMAL_CHARGE = 8.0


def _element(symbol: str, option: str) -> str:
    """``symbol`` when it is an element symbol; else one line naming ``option``."""
    if not isinstance(symbol, str) or symbol not in chemical_symbols[1:]:
        raise InputError(f"{option}: {str(symbol)[:40]!r} is not an element symbol")
    return symbol


@dataclass(frozen=True)
class SampledConfigurations:
    """The Ewald step: the parent, the ``keep`` lowest distinct configurations and every sample's Ewald energy (eV)."""

    parent: Atoms
    kept: tuple[Configuration, ...]
    ewald_energies_eV: np.ndarray
    structure: str | None = None  # the parent's library name or file


@dataclass(frozen=True, kw_only=True)
class ConfigurationSearch:
    """Settings: ``supercell`` repeats of the parent; ``substitutions`` (old, new, count or None for all) applied in order;
    ``vacancies`` (element, count); ``interstitials`` (element, count) on distinct Voronoi empty-space sites; ``charges`` overriding
    the formal-charge table; ``samples`` drawn and ``keep`` lowest relaxed (seed 004: 500 and 5); ``relax_cell`` (cell and
    positions, or positions only); ``fmax`` (eV/Å)."""

    supercell: tuple[int, int, int] = (1, 1, 1)
    substitutions: Sequence[tuple[str, str, int | None]] = ()
    vacancies: Sequence[tuple[str, int]] = ()
    interstitials: Sequence[tuple[str, int]] = ()
    charges: Mapping[str, float] | None = None
    samples: int = 500
    keep: int = 5
    seed: int = 0
    relax_cell: bool = True
    fmax: float | None = None  # eV/Å; None: a given Engine's own, 0.05 for a new one

    def __post_init__(self) -> None:
        if len(self.supercell) != 3:
            raise InputError(f"--supercell: expected three repeats N1 N2 N3, got {self.supercell!r}")
        for repeat in self.supercell:
            require_count(repeat, "--supercell repeat", low=1)
        for old, new, count in self.substitutions:
            _element(old, "--replace")
            _element(new, "--replace")
            if count is not None:
                require_count(count, "--replace count", low=1)
        for element, count in self.vacancies:
            _element(element, "--remove")
            require_count(count, "--remove count", low=1)
        for element, count in self.interstitials:
            _element(element, "--interstitial")
            require_count(count, "--interstitial count", low=1)
        for element, value in (self.charges or {}).items():
            _element(element, "--charges")
            require_range(value, f"--charges: {element}'s charge", low=-MAX_FORMAL_CHARGE, high=MAX_FORMAL_CHARGE, unit="e")
        require_count(self.samples, "--samples", low=1)
        require_within_limit(self.samples, "structures", f"--samples {self.samples}")
        require_count(self.keep, "--keep", low=1, high=self.samples)  # the lowest of the samples drawn
        require_count(self.seed, "--seed", low=0)
        check_optional_force_tolerance(self.fmax, "--fmax (fmax)")

    @property
    def charge_table(self) -> dict[str, float]:
        """The formal charges used: the package's table with ``charges`` on top."""
        return {**FORMAL_CHARGES, **(self.charges or {})}

    def sample(self, structure: str | Atoms, progress: Progress = no_progress) -> SampledConfigurations:
        """The Ewald ranking of ``samples`` random configurations of ``structure`` (library name, file or Atoms), repeated."""
        from sselab.atomistic.build.structures import as_atoms

        unit = as_atoms(structure)
        check_repeats(len(unit), self.supercell, f"--supercell {' '.join(map(str, self.supercell))}")
        parent = unit.repeat(tuple(self.supercell))
        sites = interstitial_candidates(parent) if self.interstitials else None
        kept, energies = sample_configurations(
            parent,
            self.charge_table,
            list(self.substitutions),
            list(self.vacancies),
            list(self.interstitials),
            sites,
            self.samples,
            self.keep,
            self.seed,
            progress=progress,
        )
        return SampledConfigurations(parent, tuple(kept), energies, structure if isinstance(structure, str) else None)

    def run(
        self,
        structure: str | Atoms | SampledConfigurations,
        *,
        calculator: Engine | str | Calculator = "chgnet",
        db: str | None = None,
        device: str = "cpu",
        progress: Progress = no_progress,
    ) -> ConfigurationResult:
        """Sample (unless given the :meth:`sample` step), then relax the kept configurations and pick the lowest energy."""
        sampled = structure if isinstance(structure, SampledConfigurations) else self.sample(structure, progress)
        engine = as_engine(calculator, db=db, device=device, fmax=self.fmax, default_fmax=0.05)
        engine.spec.check_elements(set(sampled.kept[0].atoms.get_chemical_symbols()), "configuration")
        relaxed = []
        for configuration in sampled.kept:
            relaxed.append(engine.relax(configuration.atoms, cell=self.relax_cell))
            progress("relaxed a configuration")
        ranked = tuple(
            RankedConfiguration(i, c.ewald_eV, finite_energy(r, f"configuration {i}"), bool(r.info.get("converged", True)))
            for i, (c, r) in enumerate(zip(sampled.kept, relaxed))
        )
        order = int(np.argmin([r.energy_eV for r in ranked]))
        energies = sampled.ewald_energies_eV
        inputs = {
            "structure": sampled.structure,
            "supercell": list(self.supercell),
            "substitutions": [list(s) for s in self.substitutions],
            "vacancies": [list(v) for v in self.vacancies],
            "interstitials": [list(i) for i in self.interstitials],
            "charges": self.charge_table,
            "samples": self.samples,
            "keep": self.keep,
            "seed": self.seed,
            "relax_cell": self.relax_cell,
            "db": db,
        }
        return ConfigurationResult(
            samples=len(energies),
            ewald_eV={"lowest": float(energies.min()), "highest": float(energies.max()), "mean": float(energies.mean())},
            configurations=ranked,
            best_rank_by_ewald=order,
            best=relaxed[order],
            model=engine.spec.model,
            engine=engine.record(),
            ewald_energies_eV=energies,
            inputs=inputs,
        )


@dataclass(frozen=True)
class RankedConfiguration:
    """One relaxed configuration: its rank and energy by Ewald, its calculator energy (eV)."""

    rank_by_ewald: int
    ewald_eV: float
    energy_eV: float
    converged: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "rank_by_ewald": self.rank_by_ewald,
            "ewald_eV": self.ewald_eV,
            "energy_eV": self.energy_eV,
            "converged": self.converged,
        }


@dataclass(kw_only=True)
class ConfigurationResult:
    """The relaxed lowest-Ewald configurations and the best of them (seed 004 Fig. S5)."""

    samples: int
    ewald_eV: dict[str, float]  # lowest, highest, mean over all samples
    configurations: tuple[RankedConfiguration, ...]
    best_rank_by_ewald: int
    best: Atoms | None = field(default=None, repr=False)  # None from a dict
    formula: str = ""
    atoms: int = 0
    model: str = ""
    engine: dict[str, Any] = field(default_factory=dict)
    entry_file: str = "entry.json"  # full path after write
    ewald_energies_eV: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)  # every sample's (not kept in a dict)
    inputs: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.best is not None:
            self.formula = self.best.get_chemical_formula(mode="metal")
            self.atoms = len(self.best)

    @property
    def best_energy_eV(self) -> float:
        return self.configurations[self.best_rank_by_ewald].energy_eV

    @property
    def entry(self) -> dict[str, Any]:
        """The best configuration as a hull entry: total energy of ``composition`` (eV)."""
        return {
            "composition": self.formula,
            "energy_eV": self.best_energy_eV,
            "name": f"{self.formula} (configuration {self.best_rank_by_ewald})",
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "formula": self.formula,
            "atoms": self.atoms,
            "samples": self.samples,
            "distinct_ewald_energies_kept": len(self.configurations),
            "ewald_eV": dict(self.ewald_eV),
            "configurations": [c.as_dict() for c in self.configurations],
            "best_rank_by_ewald": self.best_rank_by_ewald,
            "best_energy_eV": self.best_energy_eV,
            "best_energy_per_atom_eV": self.best_energy_eV / self.atoms,
            "entry_file": self.entry_file,
            "engine": self.engine,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConfigurationResult:
        configurations = tuple(RankedConfiguration(**c) for c in data["configurations"])
        return cls(
            samples=int(data["samples"]),
            ewald_eV=dict(data["ewald_eV"]),
            configurations=configurations,
            best_rank_by_ewald=int(data["best_rank_by_ewald"]),
            formula=data["formula"],
            atoms=int(data["atoms"]),
            model=str(data.get("engine", {}).get("model", "")),
            engine=data.get("engine", {}),
            entry_file=data["entry_file"],
        )

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """``best.extxyz``, ``entry.json`` (a one-entry entries file for the hull), ``ewald_vs_energy.png``, ``run.json``."""
        from ase.io import write

        from sselab.params.entries import write_entries
        from sselab.plots.defects import ewald_energy_figure

        run = RunDirectory.open(run_dir, COMMAND, self.inputs)
        if self.best is not None:
            write(run.path / "best.extxyz", self.best)
        entry_file = write_entries(run.path / "entry.json", [self.entry], overwrite=True)
        run.files.append(entry_file.name)
        run.save_figure("ewald_vs_energy", ewald_energy_figure(self))
        run.finish({**self.to_dict(), "entry_file": str(entry_file), "run_directory": str(run.path)})
        return run
