"""A result cache in an ASE database, so that an interrupted study resumes where it stopped.

Every energy or relaxation is one row of an :mod:`ase.db` database (SQLite file by default, a
``postgresql://`` URL for a team's shared database). A row's key is the SHA-256 of the input
structure (numbers, positions and cell rounded to 1e-6 Å, pbc, fixed atoms), the calculator's
identity (name, model, version, settings) and the task settings (kind of relaxation, force
tolerance, step limit). The row holds the final structure with its energy and forces, so a hit
returns exactly what the computation returned. Rows are written only when a task finishes: a study
killed halfway keeps everything that finished and recomputes nothing of it.

Sharing. Any number of processes may open and write one cache at once, first use included:

- A new SQLite file's tables are created inside one ``BEGIN IMMEDIATE`` transaction. SQLite's own
  write lock then serialises first use (the others wait for it, then find the whole schema) on
  every filesystem where SQLite itself is safe, without a lock file that a killed process could
  leave behind; for the same reason ASE's own lock file is not used (a stale one makes every later
  write wait forever).
- Every access is retried, with exponential back-off and jitter, while it fails for a reason
  another process causes and ends: SQLite's "database is locked"/"busy" (a lock held longer than
  SQLite's own 20 s wait) and "already exists", PostgreSQL's deadlocks, serialization failures and
  the unique, foreign-key and duplicate-table violations of a concurrent first use. The wait is
  bounded (:data:`PATIENCE_S` in total per access), then one line says which cache and what to do.
- A result computed is a result stored: when storing still fails, the result stays in memory for
  this run (one warning line; ``cache_unstored`` in the record) instead of being lost.

Damage. An existing SQLite file is checked when opened: its header, then ``PRAGMA quick_check``
(linear in the file size: measured 15 ms for a 32 MB cache in the page cache, 0.7 s read cold
from disk; skipped above :data:`QUICK_CHECK_MAX_MB`, where damage is still caught on access).
Damage found then or on any later access ("database disk image is malformed", "file is not a
database") is one line saying how to move the file aside or recover it.

Secrets. A ``postgresql://user:password@host/db`` location is shown everywhere (``location``,
messages, logs, run records) with the password replaced by ``***``; only the connection sees it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import shlex
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator

from sselab.atomistic.engine.calculators import CalculatorSpec
from sselab.errors import InputError, SetupError, SSELabError
from sselab.validation import redact, require_range

log = logging.getLogger(__name__)

_DIGITS = 6
#: Seconds one cache access waits in total, over its retries, for what another process holds.
PATIENCE_S = 300.0
#: Largest SQLite file (MB) fully checked with ``PRAGMA quick_check`` when opened.
QUICK_CHECK_MAX_MB = 1000
_FIRST_PAUSE_S, _LONGEST_PAUSE_S = 0.05, 5.0
_SQLITE_HEADER = b"SQLite format 3\x00"
_SQLITE_TRANSIENT = ("locked", "busy", "already exists")
_SQLITE_DAMAGE = ("malformed", "not a database", "disk image", "encrypted")
#: PostgreSQL (psycopg2/psycopg) error classes of concurrent use, matched by name so psycopg2 is never imported here.
_POSTGRES_TRANSIENT = frozenset({"TransactionRollbackError", "DeadlockDetected", "SerializationFailure", "LockNotAvailable",
                                 "UniqueViolation", "ForeignKeyViolation", "DuplicateTable", "DuplicateObject"})

T = TypeVar("T")


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


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` comes from another process's use of the database and goes away (see the module docstring)."""
    if isinstance(error, sqlite3.OperationalError):
        return any(word in str(error).lower() for word in _SQLITE_TRANSIENT)
    kind = type(error)
    return kind.__module__.startswith("psycopg") and any(base.__name__ in _POSTGRES_TRANSIENT for base in kind.__mro__)


def is_damage(error: BaseException) -> bool:
    """Whether ``error`` says the SQLite file itself is damaged."""
    return isinstance(error, sqlite3.DatabaseError) and any(word in str(error).lower() for word in _SQLITE_DAMAGE)


def first_line(error: BaseException) -> str:
    """The first line of an error's message (its class name when it has none), passwords hidden."""
    text = str(error).strip()
    return redact(text.splitlines()[0]) if text else type(error).__name__


def retrying(operation: Callable[[], T], patience_s: float, sleep: Callable[[float], None] = time.sleep) -> T:
    """``operation()``, retried while it fails with an :func:`is_transient` error, until ``patience_s`` seconds have passed.

    Pauses grow from 50 ms by a factor of two up to 5 s, each stretched by a random factor in [1, 2)
    so that processes which collided once do not collide again in step. The last error is raised
    when the time is up (one attempt may itself wait: SQLite's own busy wait is 20 s).
    """
    deadline = time.monotonic() + patience_s
    pause = _FIRST_PAUSE_S
    while True:
        try:
            return operation()
        except Exception as error:
            left = deadline - time.monotonic()
            if not is_transient(error) or left <= 0:
                raise
            sleep(min(pause * (1.0 + random.random()), left))
            pause = min(2.0 * pause, _LONGEST_PAUSE_S)


def check_sqlite_file(path: Path, shown: str, patience_s: float) -> None:
    """Refuse an existing, non-empty SQLite cache whose header or b-tree structure is damaged (see the module docstring)."""
    size = path.stat().st_size
    if size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(len(_SQLITE_HEADER))
    if header != _SQLITE_HEADER:
        raise InputError(f"cannot open cache database {shown}: not an SQLite database (no SQLite header); give another --db path")
    if size > QUICK_CHECK_MAX_MB * 1e6:
        return

    def quick_check() -> str:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=min(20.0, patience_s))
        try:
            return str(connection.execute("PRAGMA quick_check").fetchone()[0])
        finally:
            connection.close()

    try:
        verdict = retrying(quick_check, patience_s)
    except sqlite3.Error as error:
        if is_damage(error):
            raise _damaged(shown, first_line(error)) from None
        if is_transient(error):
            raise _locked(shown, patience_s, error) from None
        raise SetupError(f"cannot open cache database {shown}: {first_line(error)}") from None
    if verdict != "ok":
        problems = [line for line in verdict.splitlines() if line.strip() and not line.startswith("***")]
        raise _damaged(shown, problems[0] if problems else verdict)


def _damaged(shown: str, detail: str) -> InputError:
    """The one-line error of a damaged SQLite cache: what happened and what to do."""
    quoted = shlex.quote(shown)
    return InputError(f"cache {shown} is damaged ({detail}): move it aside (mv {quoted} {shlex.quote(shown + '.damaged')}) "
                      f"and rerun; finished results in it are lost, or try `sqlite3 {quoted} .recover`")


def _locked(shown: str, patience_s: float, error: BaseException) -> SetupError:
    return SetupError(f"cache {shown} stayed busy for {patience_s:g} s ({first_line(error)}): another process holds it; "
                      "rerun when that process has finished, or give this run its own --db")


@dataclass
class CacheStats:
    hits: int = 0
    computed: int = 0
    calculator_calls: int = 0
    unstored: int = 0  # results computed but not written to the database (kept in memory for this run)

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.computed
        return self.hits / total if total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"cache_hits": self.hits, "computed": self.computed, "calculator_calls": self.calculator_calls,
                "cache_hit_rate": self.hit_rate, "cache_unstored": self.unstored}


@dataclass
class ResultCache:
    """Look up or compute-and-store results keyed by structure + calculator + task.

    ``location`` is a path to an SQLite file (created when absent), a ``postgresql://`` URL, or
    None for an in-memory cache that lasts as long as the object. After construction ``location``
    is what may be shown: a URL's password is replaced by ``***``. ``patience_s`` bounds the wait
    for other processes per access (see the module docstring).
    """

    location: str | Path | None
    stats: CacheStats = field(default_factory=CacheStats)
    patience_s: float = PATIENCE_S
    _memory: dict[str, tuple[Atoms, dict[str, Any]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._db = None
        self.patience_s = require_range(self.patience_s, "patience_s", low=0.0, unit="s")
        if self.location is None:
            return
        text = str(self.location)
        scheme, separator, rest = text.partition("://")
        postgres = bool(separator) and scheme.lower() in ("postgresql", "postgres")
        if separator and not postgres:
            raise InputError(f"cache database {redact(text)}: a URL must be postgresql://...; a path is an SQLite file ending in .db")
        if postgres:
            text = f"postgresql://{rest}"  # the scheme in the case the driver expects
            self.location = redact(text)
        self._shown = redact(text)
        if not postgres:
            self._prepare_sqlite_file(Path(text))
        self._db = self._connect(text, postgres)

    def _prepare_sqlite_file(self, path: Path) -> None:
        if path.is_dir():
            raise InputError(f"cache database {path} is a directory")
        if path.suffix != ".db":
            raise InputError(f"cache database {path} must end in .db (an ASE SQLite database) or be a postgresql:// URL")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                check_sqlite_file(path, self._shown, self.patience_s)
        except OSError as error:
            raise SetupError(f"cannot open cache database {path}: {error.strerror or error}") from None

    def _connect(self, text: str, postgres: bool):
        import ase.db

        try:
            database = ase.db.connect(text, type="postgresql" if postgres else "db", use_lock_file=False)
        except ModuleNotFoundError:
            raise SetupError("a PostgreSQL cache needs ASE's database backends: pip install 'sselab[postgres]'") from None
        self._access(lambda: self._open_schema(database, postgres), "open")
        return database

    @staticmethod
    def _open_schema(database, postgres: bool) -> None:
        """Open the database now (ase.db connects lazily) so that a bad location fails here; create a new SQLite
        file's tables in one write transaction, so that concurrent first users wait for each other."""
        if postgres:
            database.count()
            return
        with database:  # one connection for the block, committed (or rolled back) at its end
            connection = database.connection
            tables = connection.execute("SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name='systems'").fetchone()[0]
            if not tables:
                connection.execute("BEGIN IMMEDIATE")
            database.count()

    def _access(self, operation: Callable[[], T], what: str) -> T:
        """``operation()`` with the retries of :func:`retrying`; failures become one line naming the cache."""
        try:
            return retrying(operation, self.patience_s)
        except SSELabError:
            raise
        except Exception as error:
            if is_damage(error):
                raise _damaged(self._shown, first_line(error)) from None
            if is_transient(error):
                raise _locked(self._shown, self.patience_s, error) from None
            if isinstance(error, (sqlite3.Error, OSError)) or type(error).__module__.startswith("psycopg"):
                raise SetupError(f"cannot {what} cache database {self._shown}: {first_line(error)}") from None
            raise

    def lookup(self, key: str) -> Atoms | None:
        if key in self._memory:
            stored, results = self._memory[key]
            atoms = stored.copy()
            atoms.calc = SinglePointCalculator(atoms, **results)
            return atoms
        if self._db is None:
            return None
        return self._access(lambda: self._read(key), "read")

    def _read(self, key: str) -> Atoms | None:
        rows = list(self._db.select(sselab_key=key, limit=1))
        if not rows:
            return None
        atoms = rows[0].toatoms()
        atoms.info.update(rows[0].data.get("info", {}))
        return atoms

    def store(self, key: str, atoms: Atoms, spec: CalculatorSpec, task: dict[str, Any], info: dict[str, Any]) -> bool:
        """Store a result; False when the database refused it even after the retries.

        The result is then kept in memory, and so is every later one: the rest of the run goes on without
        the database (one warning line) rather than stopping and losing what it computed.
        """
        if self._db is not None:
            try:
                self._access(lambda: self._db.write(atoms, sselab_key=key, task=str(task.get("kind", "")), calc_name=spec.name,
                                                    calc_model=spec.model, calc_version=spec.version,
                                                    data={"task": task, "info": info}), "write")
                return True
            except SSELabError as error:
                log.error("warning: %s; this and later results are kept for this run only and recomputed next time", error)
                self._db = None
                self.stats.unstored += 1
        elif self.location is not None:
            self.stats.unstored += 1
        results = {k: v for k, v in atoms.calc.results.items() if k in ("energy", "forces", "stress")}
        self._memory[key] = (atoms.copy(), results)
        return self.location is None  # an in-memory cache's memory is its store

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
        return len(self._memory) if self._db is None else self._access(self._db.count, "count")
