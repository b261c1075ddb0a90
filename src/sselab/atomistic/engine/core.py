"""The engine every atomistic step uses: one calculator, one result cache, one relaxation policy.

``Engine.energy`` and ``Engine.relax`` return a *new* :class:`ase.Atoms` carrying its energy (and
forces) as a single-point result, and ``info`` with ``converged``, ``steps`` and
``calculator_calls``. Results come from the cache when the same structure, calculator and task
were computed before.

Relaxations use ASE's LBFGS on positions (atoms under :class:`ase.constraints.FixAtoms` stay) or,
with ``cell=True``, on positions and cell through :class:`ase.filters.FrechetCellFilter`. A
relaxation that reaches ``max_steps`` is kept and flagged ``converged=False``; studies report how
many of those they contain.

Policy bounds. ``fmax`` is finite, > 0 and at most :data:`FMAX_LIMIT` (1 eV/Å, the bound of the
studies' own checks too): forces in an unrelaxed cell are ~0.1–1 eV/Å, so a larger tolerance stops a
relaxation before it moves and reports unrelaxed structures as converged. ``max_steps`` is a whole
number in 1..:data:`MAX_STEPS_LIMIT`: LBFGS reaches 0.01 eV/Å in a few hundred steps on cells of
hundreds of atoms, and a bound keeps a typo from running for days. A calculator that returns a NaN or infinite
energy or force (broken potential, overlapping atoms) raises :class:`ConvergenceError`; such a
result is never cached.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator
from ase.calculators.singlepoint import SinglePointCalculator
from ase.filters import FrechetCellFilter
from ase.optimize import LBFGS

from sselab.atomistic.engine.cache import ResultCache, cache_key
from sselab.atomistic.engine.calculators import UNNAMED_PREFIX, LoadedCalculator, load_calculator
from sselab.errors import ConvergenceError, InputError
from sselab.validation import require_count, require_range

log = logging.getLogger(__name__)

#: Largest force tolerance a relaxation accepts, eV/Å (see the module docstring).
FMAX_LIMIT = 1.0
#: Largest number of optimizer steps of one relaxation (see the module docstring).
MAX_STEPS_LIMIT = 100_000


def require_force_tolerance(value: float, name: str = "fmax") -> float:
    """A force tolerance: finite, > 0 and at most :data:`FMAX_LIMIT` eV/Å."""
    return require_range(value, name, low=0.0, low_inclusive=False, high=FMAX_LIMIT, unit="eV/A")


@dataclass
class Engine:
    """A calculator, a cache and the relaxation settings (force tolerance in eV/Å)."""

    loaded: LoadedCalculator
    cache: ResultCache = field(default_factory=lambda: ResultCache(None))
    fmax: float = 0.02
    max_steps: int = 300
    unconverged: set[str] = field(default_factory=set)  # cache keys of relaxations that stopped at max_steps

    def __post_init__(self) -> None:
        self.fmax = require_force_tolerance(self.fmax)
        self.max_steps = require_count(self.max_steps, "max_steps", low=1, high=MAX_STEPS_LIMIT)

    @classmethod
    def create(cls, calculator: str | Calculator | LoadedCalculator | None = None, database: str | None = None,
               fmax: float = 0.02, max_steps: int = 300, *, device: str = "cpu") -> Engine:
        """An engine from a calculator name, an ASE calculator or a loaded one, and a cache path or URL.

        The policy is checked here too (besides ``__post_init__``) so that a bad one is refused before a model loads."""
        require_force_tolerance(fmax)
        require_count(max_steps, "max_steps", low=1, high=MAX_STEPS_LIMIT)
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

    def label(self, atoms: Atoms) -> Atoms:
        """Single-point energy, forces and stress (ASE Voigt order, eV/Å³): a training or validation label.

        Needs a periodic cell (a stress is a derivative with respect to the cell); cached apart from
        :meth:`energy`, whose results hold no stress.
        """
        self._check(atoms)
        if not all(atoms.pbc) or atoms.cell.rank != 3:
            raise InputError(f"{atoms.get_chemical_formula()}: a label with stress needs a fully periodic cell")
        return self.cache.get_or_compute(atoms, self.spec, {"kind": "label"}, self._label)

    def relax(self, atoms: Atoms, cell: bool = False, fmax: float | None = None, cell_factor: float | None = None,
              cell_mask: tuple[bool, ...] | None = None) -> Atoms:
        """Relax positions (and the cell when ``cell``); fixed atoms stay where they are.

        ``cell_factor``: FrechetCellFilter's ``exp_cell_factor``. Its default (the number of atoms) stops the cell
        when the virial per atom, V|σ|/N, is below ``fmax``: up to ~0.7 GPa of residual stress in a 192-atom LLZO
        cell at fmax = 0.05 eV/Å. ``cell_factor=1`` converges the stress itself to fmax/V (a few MPa): needed where the cell *is* the
        result, as for chemical expansion.

        ``cell_mask``: which strain components (Voigt order xx, yy, zz, yz, xz, xy) the cell may take; None frees all
        six. (False, False, True, True, True, False) keeps the ab plane and relaxes only c: a slab or bicrystal held at
        its grains' in-plane lattice.
        """
        self._check(atoms)
        tolerance = self.fmax if fmax is None else require_force_tolerance(fmax)
        if cell_factor is not None:
            require_range(cell_factor, "cell_factor", low=0.0, low_inclusive=False)
        if cell_mask is not None:
            cell_mask = tuple(bool(v) for v in cell_mask)
            if len(cell_mask) != 6 or not any(cell_mask) or not cell:
                raise InputError("a cell mask is six booleans (Voigt xx, yy, zz, yz, xz, xy), at least one True, for a cell relaxation")
        task = {"kind": "relax-cell" if cell else "relax-positions", "fmax": tolerance, "max_steps": self.max_steps,
                "optimizer": "LBFGS"}
        if cell and cell_factor is not None:
            task["cell_factor"] = cell_factor
        if cell_mask is not None and not all(cell_mask):
            task["cell_mask"] = [int(v) for v in cell_mask]
        result = self.cache.get_or_compute(atoms, self.spec, task, lambda a: self._relax(a, cell, tolerance, cell_factor, cell_mask))
        if not result.info.get("converged", True):
            self.unconverged.add(cache_key(atoms, self.spec, task))
        return result

    def _single_point(self, atoms: Atoms) -> tuple[Atoms, dict[str, Any]]:
        work = atoms.copy()
        work.calc = self.loaded.calculator
        energy = work.get_potential_energy()
        forces = work.get_forces()
        return _detached(work, energy, forces, self.spec.name), {"converged": True, "steps": 0, "calculator_calls": 1}

    def _label(self, atoms: Atoms) -> tuple[Atoms, dict[str, Any]]:
        work = atoms.copy()
        work.calc = self.loaded.calculator
        energy, forces, stress = work.get_potential_energy(), work.get_forces(), work.get_stress(voigt=True)
        if not np.isfinite(stress).all():
            raise ConvergenceError(f"calculator {self.spec.name} returned a non-finite stress for {atoms.get_chemical_formula()}; nothing was cached")
        result = _detached(work, energy, forces, self.spec.name)
        result.calc.results["stress"] = np.asarray(stress, dtype=float)
        return result, {"converged": True, "steps": 0, "calculator_calls": 1}

    def _relax(self, atoms: Atoms, cell: bool, fmax: float, cell_factor: float | None = None,
               cell_mask: tuple[bool, ...] | None = None) -> tuple[Atoms, dict[str, Any]]:
        work = atoms.copy()
        work.calc = self.loaded.calculator
        target = FrechetCellFilter(work, mask=cell_mask, exp_cell_factor=cell_factor) if cell else work
        optimizer = LBFGS(target, logfile=None)
        with warnings.catch_warnings():  # FrechetCellFilter's matrix logarithm warns at round-off level (~1e-13)
            warnings.filterwarnings("ignore", message="logm result may be inaccurate", category=RuntimeWarning)
            converged = bool(optimizer.run(fmax=fmax, steps=self.max_steps))
        if not converged:
            log.warning("relaxation stopped after %d steps above fmax=%g eV/A", optimizer.nsteps, fmax)
        energy = work.get_potential_energy()
        forces = work.get_forces()
        info = {"converged": converged, "steps": int(optimizer.nsteps), "calculator_calls": int(optimizer.nsteps) + 1}
        return _detached(work, energy, forces, self.spec.name), info


def _detached(atoms: Atoms, energy: float, forces, calculator: str) -> Atoms:
    """A copy of ``atoms`` holding ``energy`` and ``forces``; a NaN or infinite value (or position) is a ConvergenceError."""
    if not (math.isfinite(float(energy)) and np.isfinite(forces).all() and np.isfinite(atoms.positions).all()):
        raise ConvergenceError(f"calculator {calculator} returned a non-finite energy or force for {atoms.get_chemical_formula()} "
                               "(overlapping atoms or a potential outside its range); nothing was cached")
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
