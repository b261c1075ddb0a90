"""GPAW runs through the result cache: one converged ground state → its states (and, on request, its density).

A run is a row of the ase.db cache like every other sselab result: the key is the structure, the calculator
identity (``gpaw``, the XC functional and mode, GPAW's version, every :class:`DFTSettings` field that changes the
answer) and the task (``electronic``, with or without the density). The row keeps the eigenvalues, occupations,
projections and nuclear potentials, and the all-electron density (and the spin density of a spin-polarised run)
on GPAW's coarse grid. A rerun reads the row and starts no GPAW.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator

from sselab.atomistic.electronic.density import DensityGrid
from sselab.atomistic.electronic.settings import DFTSettings, spin_start
from sselab.atomistic.electronic.states import ElectronicStructure, from_gpaw
from sselab.atomistic.engine.cache import ResultCache
from sselab.atomistic.engine.calculators import CalculatorSpec, gpaw_version
from sselab.errors import ConvergenceError


@dataclass(frozen=True)
class GroundState:
    """One DFT run: its states, its densities (when asked for; electrons per Å³) and how long it took."""

    states: ElectronicStructure
    density: DensityGrid | None
    spin_density: DensityGrid | None
    wall_time_s: float
    cached: bool


def gpaw_spec(atoms: Atoms, settings: DFTSettings) -> CalculatorSpec:
    return CalculatorSpec("gpaw", f"GPAW {settings.xc} {settings.mode}", gpaw_version(), None, settings.identity(atoms))


def ground_state(atoms: Atoms, settings: DFTSettings, cache: ResultCache | None = None, *, density: bool = False) -> GroundState:
    """The converged ground state of ``atoms`` (from the cache when it was computed before with the same settings)."""
    settings.check(atoms)
    cache = cache if cache is not None else ResultCache(None)
    spec = gpaw_spec(atoms, settings)
    task = {"kind": "electronic", "density": density}
    computed: list[bool] = []

    def compute(structure: Atoms) -> tuple[Atoms, dict[str, Any]]:
        computed.append(True)
        return _run(structure, settings, density)

    result = cache.get_or_compute(atoms, spec, task, compute)
    info = result.info
    states = ElectronicStructure.from_arrays(info["electronic"])
    grid = DensityGrid(np.asarray(info["density"], float), states.cell) if density else None
    spin = DensityGrid(np.asarray(info["spin_density"], float), states.cell) if density and "spin_density" in info else None
    return GroundState(states, grid, spin, float(info["wall_time_s"]), not computed)


def _run(atoms: Atoms, settings: DFTSettings, density: bool) -> tuple[Atoms, dict[str, Any]]:
    from gpaw import KohnShamConvergenceError

    start = time.perf_counter()
    work = spin_start(atoms, settings)
    calc = settings.calculator(work)
    work.calc = calc
    try:
        energy = work.get_potential_energy()
    except KohnShamConvergenceError:
        raise ConvergenceError(f"GPAW's SCF did not converge for {atoms.get_chemical_formula()} ({settings.mode}); nothing was "
                               "cached: try more smearing or another mode") from None
    states = from_gpaw(work, calc, settings.charge, dict(settings.identity(atoms)))
    info: dict[str, Any] = {"electronic": states.arrays(), "converged": True, "steps": int(calc.get_number_of_iterations()),
                            "calculator_calls": 1}
    if density:
        info["density"] = calc.get_all_electron_density(gridrefinement=1)
        if states.spins == 2:
            info["spin_density"] = (calc.get_all_electron_density(spin=0, gridrefinement=1)
                                    - calc.get_all_electron_density(spin=1, gridrefinement=1))
    info["wall_time_s"] = time.perf_counter() - start
    final = atoms.copy()
    final.calc = SinglePointCalculator(final, energy=float(energy))
    return final, info
