"""The engine every atomistic step uses: one calculator, one result cache, one relaxation policy.

``Engine.energy`` and ``Engine.relax`` return a *new* :class:`ase.Atoms` carrying its energy (and
forces) as a single-point result, and ``info`` with ``converged``, ``steps`` and
``calculator_calls``. Results come from the cache when the same structure, calculator and task
were computed before.

Relaxations use ASE's LBFGS on positions (atoms under :class:`ase.constraints.FixAtoms` stay) or,
with ``cell=True``, on positions and cell through :class:`ase.filters.FrechetCellFilter`. A
relaxation that reaches ``max_steps`` is kept and flagged ``converged=False``; studies report how
many of those they contain.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

from ase import Atoms
from ase.calculators.calculator import Calculator
from ase.calculators.singlepoint import SinglePointCalculator
from ase.filters import FrechetCellFilter
from ase.optimize import LBFGS

from sselab.atomistic.engine.cache import ResultCache, cache_key
from sselab.atomistic.engine.calculators import UNNAMED_PREFIX, LoadedCalculator, load_calculator
from sselab.errors import InputError

log = logging.getLogger(__name__)


@dataclass
class Engine:
    """A calculator, a cache and the relaxation settings (force tolerance in eV/Å)."""

    loaded: LoadedCalculator
    cache: ResultCache = field(default_factory=lambda: ResultCache(None))
    fmax: float = 0.02
    max_steps: int = 300
    unconverged: set[str] = field(default_factory=set)  # cache keys of relaxations that stopped at max_steps

    @classmethod
    def create(cls, calculator: str | Calculator | LoadedCalculator | None = None, database: str | None = None,
               fmax: float = 0.02, max_steps: int = 300, *, device: str = "cpu") -> Engine:
        """An engine from a calculator name, an ASE calculator or a loaded one, and a cache path or URL."""
        if not fmax > 0:
            raise InputError(f"force tolerance must be positive, got {fmax}")
        if not (isinstance(max_steps, int) and max_steps > 0):
            raise InputError(f"max_steps must be a positive integer, got {max_steps!r}")
        loaded = load_calculator(calculator, device=device)
        if database is not None and loaded.spec.name.startswith(UNNAMED_PREFIX):
            raise InputError(f"a calculator object ({loaded.spec.model}) has no identity a persistent cache can trust (two models "
                             "of one class look alike): register it with sselab.register_calculator(name, factory, model=...) "
                             "and pass the name, or leave db unset")
        return cls(loaded, ResultCache(database), fmax, max_steps)

    @property
    def spec(self):
        return self.loaded.spec

    def record(self) -> dict[str, Any]:
        """What a run directory records of the engine: calculator identity, relaxation policy, cache use."""
        return {**self.spec.identity(), "fmax_eV_per_A": self.fmax, "max_steps": self.max_steps, **self.cache.stats.as_dict(),
                "unconverged_relaxations": len(self.unconverged)}

    def _check(self, atoms: Atoms) -> None:
        if len(atoms) == 0:
            raise InputError("the structure has no atoms")
        self.spec.check_elements(set(atoms.get_chemical_symbols()))

    def energy(self, atoms: Atoms) -> Atoms:
        """Single-point energy and forces."""
        self._check(atoms)
        return self.cache.get_or_compute(atoms, self.spec, {"kind": "single"}, self._single_point)

    def relax(self, atoms: Atoms, cell: bool = False, fmax: float | None = None, cell_factor: float | None = None) -> Atoms:
        """Relax positions (and the cell when ``cell``); fixed atoms stay where they are.

        ``cell_factor``: FrechetCellFilter's ``exp_cell_factor``. Its default (the number of atoms) stops the cell
        when the virial per atom, V|σ|/N, is below ``fmax``: up to ~0.7 GPa of residual stress in a 192-atom LLZO
        cell at fmax = 0.05 eV/Å. ``cell_factor=1`` converges the stress itself to fmax/V (a few MPa): needed where the cell *is* the
        result, as for chemical expansion.
        """
        self._check(atoms)
        tolerance = fmax or self.fmax
        task = {"kind": "relax-cell" if cell else "relax-positions", "fmax": tolerance, "max_steps": self.max_steps,
                "optimizer": "LBFGS"}
        if cell and cell_factor is not None:
            task["cell_factor"] = cell_factor
        result = self.cache.get_or_compute(atoms, self.spec, task, lambda a: self._relax(a, cell, tolerance, cell_factor))
        if not result.info.get("converged", True):
            self.unconverged.add(cache_key(atoms, self.spec, task))
        return result

    def _single_point(self, atoms: Atoms) -> tuple[Atoms, dict[str, Any]]:
        work = atoms.copy()
        work.calc = self.loaded.calculator
        energy = work.get_potential_energy()
        forces = work.get_forces()
        return _detached(work, energy, forces), {"converged": True, "steps": 0, "calculator_calls": 1}

    def _relax(self, atoms: Atoms, cell: bool, fmax: float, cell_factor: float | None = None) -> tuple[Atoms, dict[str, Any]]:
        work = atoms.copy()
        work.calc = self.loaded.calculator
        target = FrechetCellFilter(work, exp_cell_factor=cell_factor) if cell else work
        optimizer = LBFGS(target, logfile=None)
        with warnings.catch_warnings():  # FrechetCellFilter's matrix logarithm warns at round-off level (~1e-13)
            warnings.filterwarnings("ignore", message="logm result may be inaccurate", category=RuntimeWarning)
            converged = bool(optimizer.run(fmax=fmax, steps=self.max_steps))
        if not converged:
            log.warning("relaxation stopped after %d steps above fmax=%g eV/A", optimizer.nsteps, fmax)
        energy = work.get_potential_energy()
        forces = work.get_forces()
        info = {"converged": converged, "steps": int(optimizer.nsteps), "calculator_calls": int(optimizer.nsteps) + 1}
        return _detached(work, energy, forces), info


def _detached(atoms: Atoms, energy: float, forces) -> Atoms:
    result = atoms.copy()
    result.calc = SinglePointCalculator(result, energy=float(energy), forces=forces)
    return result


def as_engine(calculator: Engine | str | Calculator | LoadedCalculator | None = None, *, db: str | None = None,
              device: str = "cpu", fmax: float | None = None, max_steps: int | None = None,
              default_fmax: float = 0.02) -> Engine:
    """The one place where what a user holds becomes an :class:`Engine`.

    ``calculator`` is an :class:`Engine` (used as it is, with its own cache), a calculator name
    ("chgnet", "emt", "lammps:<potential>", a registered name), an ASE calculator object, or None
    for the default. ``db`` is the result cache (an ase.db path or a postgresql:// URL; None keeps
    results in memory); ``fmax`` (eV/Å) and ``max_steps`` set the relaxation policy. ``fmax=None`` keeps a
    given Engine's tolerance and gives a new engine ``default_fmax`` (a study's own default).
    """
    if isinstance(calculator, Engine):
        if db is not None or device != "cpu":
            raise InputError("db= and device= belong to a new engine; this Engine already has its cache and calculator")
        changes = {k: v for k, v in (("fmax", fmax), ("max_steps", max_steps)) if v is not None}
        return replace(calculator, **changes) if changes else calculator
    return Engine.create(calculator, db, default_fmax if fmax is None else fmax, 300 if max_steps is None else max_steps,
                         device=device)
