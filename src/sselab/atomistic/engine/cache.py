"""A result cache in an ASE database, so that an interrupted study resumes where it stopped.

Every energy or relaxation is one row of an :mod:`ase.db` database (SQLite file by default, a
``postgresql://`` URL for a team's shared database). A row's key is the SHA-256 of the input
structure (numbers, positions and cell rounded to 1e-6 Å, pbc, fixed atoms), the calculator's
identity (name, model, version, settings) and the task settings (kind of relaxation, force
tolerance, step limit). The row holds the final structure with its energy and forces, so a hit
returns exactly what the computation returned. Rows are written only when a task finishes: a study
killed halfway keeps everything that finished and recomputes nothing of it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator

from sselab.atomistic.engine.calculators import CalculatorSpec
from sselab.errors import InputError, SetupError

_DIGITS = 6


def _rounded(values: np.ndarray) -> list:
    return (np.round(values, _DIGITS) + 0.0).tolist()  # + 0.0 turns -0.0 into 0.0


def structure_fingerprint(atoms: Atoms) -> dict[str, Any]:
    """What identifies a structure for caching: positions and cell to 1e-6 Å, every constraint,
    initial magnetic moments and charges."""
    return {
        "numbers": atoms.numbers.tolist(),
        "positions": _rounded(atoms.positions),
        "cell": _rounded(atoms.cell.array),
        "pbc": atoms.pbc.tolist(),
        "constraints": [json.loads(json.dumps(c.todict(), default=_plain)) for c in atoms.constraints],
        "magmoms": _rounded(atoms.get_initial_magnetic_moments()),
        "charges": _rounded(atoms.get_initial_charges()),
    }


def _plain(value: Any) -> Any:
    return value.tolist() if isinstance(value, np.ndarray) else str(value)


def cache_key(atoms: Atoms, spec: CalculatorSpec, task: dict[str, Any]) -> str:
    payload = {"structure": structure_fingerprint(atoms), "calculator": spec.identity(), "task": task}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=_plain)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class CacheStats:
    hits: int = 0
    computed: int = 0
    calculator_calls: int = 0

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.computed
        return self.hits / total if total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"cache_hits": self.hits, "computed": self.computed, "calculator_calls": self.calculator_calls,
                "cache_hit_rate": self.hit_rate}


@dataclass
class ResultCache:
    """Look up or compute-and-store results keyed by structure + calculator + task.

    ``location`` is a path to an SQLite file (created when absent), a ``postgresql://`` URL, or
    None for an in-memory cache that lasts as long as the object.
    """

    location: str | Path | None
    stats: CacheStats = field(default_factory=CacheStats)
    _memory: dict[str, tuple[Atoms, dict[str, Any]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._db = None
        if self.location is None:
            return
        import ase.db

        text = str(self.location)
        if not text.startswith(("postgresql://", "postgres://")):
            path = Path(text)
            if path.exists() and path.is_dir():
                raise InputError(f"cache database {path} is a directory")
            if path.suffix != ".db":
                raise InputError(f"cache database {path} must end in .db (an ASE SQLite database) or be a postgresql:// URL")
        try:
            if not text.startswith("postgres"):
                Path(text).parent.mkdir(parents=True, exist_ok=True)
            self._db = ase.db.connect(text, type="db" if not text.startswith("postgres") else "postgresql")
            self._db.count()  # ase.db connects lazily: open it now so a bad location fails here
        except ModuleNotFoundError:
            raise SetupError("a PostgreSQL cache needs ASE's database backends: pip install 'sselab[postgres]'") from None
        except Exception as error:  # ase.db raises driver-specific errors (sqlite3, psycopg2, OSError)
            message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise SetupError(f"cannot open cache database {text}: {message}") from None

    def lookup(self, key: str) -> Atoms | None:
        if self._db is None:
            if key not in self._memory:
                return None
            stored, results = self._memory[key]
            atoms = stored.copy()
            atoms.calc = SinglePointCalculator(atoms, **results)
            return atoms
        rows = list(self._db.select(sselab_key=key, limit=1))
        if not rows:
            return None
        row = rows[0]
        atoms = row.toatoms()
        atoms.info.update(row.data.get("info", {}))
        return atoms

    def store(self, key: str, atoms: Atoms, spec: CalculatorSpec, task: dict[str, Any], info: dict[str, Any]) -> None:
        if self._db is None:
            results = {k: v for k, v in atoms.calc.results.items() if k in ("energy", "forces", "stress")}
            self._memory[key] = (atoms.copy(), results)
            return
        self._db.write(
            atoms,
            sselab_key=key,
            task=str(task.get("kind", "")),
            calc_name=spec.name,
            calc_model=spec.model,
            calc_version=spec.version,
            data={"task": task, "info": info},
        )

    def get_or_compute(self, atoms: Atoms, spec: CalculatorSpec, task: dict[str, Any],
                       compute: Callable[[Atoms], tuple[Atoms, dict[str, Any]]]) -> Atoms:
        """Cached result for (atoms, spec, task), else ``compute(atoms)`` → (final atoms, info), stored."""
        key = cache_key(atoms, spec, task)
        found = self.lookup(key)
        if found is not None:
            self.stats.hits += 1
            return found
        final, info = compute(atoms)
        self.stats.computed += 1
        self.stats.calculator_calls += int(info.get("calculator_calls", 0))
        final.info.update(info)
        self.store(key, final, spec, task, info)
        return self.lookup(key)

    def __len__(self) -> int:
        return len(self._memory) if self._db is None else self._db.count()

