"""Reliability at the shared edges: unit grammar, limits, file readers, run directories, secrets, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sselab.errors import InputError
from sselab.runs import RunDirectory, read_run_record
from sselab.units import parse_quantity
from sselab.validation import (
    limit,
    read_json_file,
    read_text_file,
    redact,
    require_count,
    require_range,
    require_text,
    require_within_limit,
)

SSELAB = [sys.executable, "-c", "from sselab.cli import main; main()"]


# ---------------------------------------------------------------- unit strings: a grammar, never evaluated


@pytest.mark.parametrize(
    ("text", "kind", "si"),
    [("1 GPa", "pressure", 1e9), ("100 um", "length", 1e-4), ("1200K", "temperature", 1200.0), ("7 %", "dimensionless", 0.07),
     ("1.5 MPa*m**0.5", "toughness", 1.5e6), ("10 mA/cm^2", "current_density", 100.0), ("5 mA cm^-2", "current_density", 50.0),
     ("25 degC", "temperature", 298.15), ("2e-13 m**2/s", "diffusivity", 2e-13), ("96.485 kJ/mol", "energy", 1.0),
     ("8.5 /nm^2", "areal_density", 8.5e18), ("1e-12 cm²/s", "diffusivity", 1e-16), ("1 MPa·m^0.5", "toughness", 1e6),
     ("5 mA cm⁻²", "current_density", 50.0)],
)
def test_the_grammar_reads_every_unit_form_the_packaged_files_and_docs_use(text, kind, si):
    assert parse_quantity(text, kind) == pytest.approx(si, rel=1e-4)


@pytest.mark.parametrize("text", ["9**9**9 m", "(1+2) m", "2**2**2**2 m", "1 m**9999", "__import__ m", "[1, 2]", "1;2 m", "x" * 10_000])
def test_expressions_are_refused_before_pint_sees_them_and_return_at_once(text):
    started = time.perf_counter()
    with pytest.raises(InputError, match="cannot read"):
        parse_quantity(text, "length", "--thickness")
    assert time.perf_counter() - started < 1.0  # '9**9**9' evaluated never returns


@pytest.mark.parametrize("value", ["nan", "inf m", "-inf", "1e400 m", float("nan"), float("inf")])
def test_non_finite_quantities_are_refused(value):
    with pytest.raises(InputError, match="finite|cannot read"):
        parse_quantity(value, "length", "--thickness")


@pytest.mark.parametrize("value", [[1, 2], {"a": 1}, True, None])
def test_a_value_of_the_wrong_type_is_refused_not_coerced(value):
    with pytest.raises(InputError, match="expected a number"):
        parse_quantity(value, "length", "thickness")


# ---------------------------------------------------------------- numbers, counts, limits


def test_range_and_count_checks_name_the_input_and_the_bound():
    assert require_range(0.5, "x", low=0, high=1) == 0.5
    with pytest.raises(InputError, match=r"--strain: must be within \[-0.2, 0.2\], got 5"):
        require_range(5, "--strain", low=-0.2, high=0.2)
    with pytest.raises(InputError, match="finite"):
        require_range(float("nan"), "--strain", low=-0.2, high=0.2)
    with pytest.raises(InputError, match="greater than 0"):
        require_range(0.0, "--fmax", low=0, low_inclusive=False)
    assert require_count(3.0, "n") == 3
    for bad in (2.5, True, "3", float("inf")):
        with pytest.raises(InputError, match="whole number"):
            require_count(bad, "n")
    with pytest.raises(InputError, match="between 1 and 10, got 11"):
        require_count(11, "n", high=10)


def test_work_beyond_a_limit_is_refused_with_the_estimate_and_the_variable_that_raises_it(monkeypatch):
    with pytest.raises(InputError, match=r"would need 1e\+07 atoms .*limit 2e\+05.*SSELAB_LIMIT_ATOMS"):
        require_within_limit(1e7, "atoms", "the slab")
    monkeypatch.setenv("SSELAB_LIMIT_ATOMS", "2e7")
    require_within_limit(1e7, "atoms", "the slab")  # raised deliberately: accepted
    assert limit("atoms") == 2e7
    monkeypatch.setenv("SSELAB_LIMIT_ATOMS", "lots")
    with pytest.raises(InputError, match="SSELAB_LIMIT_ATOMS"):
        limit("atoms")


def test_text_arguments_are_bounded_and_free_of_control_characters():
    with pytest.raises(InputError, match="longer than the limit"):
        require_text("a" * 100_000, "--name")
    with pytest.raises(InputError, match="control character"):
        require_text('Na"\n[evil]', "--name")


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "is empty"), (b"   \n", "is empty"), (b"\x00\x01\x02binary", "binary"), (b"caf\xe9 = 1", "not UTF-8"),
     (b'{"a": ', "not valid JSON")],
)
def test_file_readers_refuse_bad_content_in_one_line(tmp_path, content, message):
    path = tmp_path / "input.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as caught:
        read_json_file(path, "entries file")
    assert "\n" not in str(caught.value)


def test_file_readers_refuse_missing_files_and_directories(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_text_file(tmp_path / "absent.toml", "parameter file")
    with pytest.raises(InputError, match="is a directory"):
        read_text_file(tmp_path, "parameter file")


def test_a_deeply_nested_json_file_is_refused_not_a_recursion_traceback(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match="nested too deeply|not valid JSON"):
        read_json_file(path, "entries file")


# ---------------------------------------------------------------- run directories


def test_a_finished_run_is_not_replaced_without_overwrite(tmp_path):
    first = RunDirectory.open(tmp_path / "run", "li0 solve", {"config": "fig3"})
    first.finish({"t": 0.5})
    with pytest.raises(InputError, match="already holds a finished 'li0 solve' run.*--overwrite"):
        RunDirectory.open(tmp_path / "run", "li0 sweep", {})
    with pytest.raises(InputError, match="already holds"):  # resume is for the same command only
        RunDirectory.open(tmp_path / "run", "md run", {}, resume=True)
    again = RunDirectory.open(tmp_path / "run", "li0 sweep", {}, overwrite=True)
    again.finish({"points": 3})
    assert read_run_record(tmp_path / "run", "li0 sweep")["command"] == "li0 sweep"
    assert not list((tmp_path / "run").glob(".*partial"))  # written through a rename, nothing left behind


def test_the_run_record_names_the_commit_the_run_began_with(tmp_path, monkeypatch):
    """A long run that finishes after the checkout moved on (a commit, an edited file) records the code it ran with."""
    import sselab.runs

    monkeypatch.setattr(sselab.runs, "source_commit", lambda: "aaaa")
    run = RunDirectory.open(tmp_path / "run", "li0 solve", {})
    monkeypatch.setattr(sselab.runs, "source_commit", lambda: "bbbb-dirty")
    run.finish({})
    assert read_run_record(tmp_path / "run", "li0 solve")["git_commit"] == "aaaa"


def test_an_unfinished_run_directory_is_reused_freely(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "half.png").write_bytes(b"")
    assert RunDirectory.open(tmp_path / "run", "li0 solve", {}).path == tmp_path / "run"


def test_an_unwritable_output_directory_is_refused_before_any_work(tmp_path, monkeypatch):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    if os.access(folder, os.W_OK):  # root ignores permission bits: make the check see what a user would
        monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != folder)
    with pytest.raises(InputError, match="not writable"):
        RunDirectory.open(folder, "li0 solve", {})


def test_passwords_never_reach_run_json(tmp_path):
    url = "postgresql://alice:s3cret@db.example:5432/sselab"
    run = RunDirectory.open(tmp_path / "run", "surface-energy", {"db": url, "nested": [{"db": url}]})
    run.finish({"engine": {"db": url}})
    text = (tmp_path / "run" / "run.json").read_text()
    assert "s3cret" not in text and "postgresql://alice:***@db.example:5432/sselab" in text
    assert redact("no url here") == "no url here"


def test_cli_messages_hide_passwords_and_stay_on_one_line(tmp_path):
    result = subprocess.run([*SSELAB, "surface-energy", "li-bcc", "--miller", "1", "0", "0", "--calculator", "emt",
                             "--db", "postgresql://alice:s3cret@127.0.0.1:1/none", "--out", str(tmp_path / "r")],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2, result.stderr
    assert "s3cret" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


# ---------------------------------------------------------------- Ctrl-C


def _rows(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as connection:
            return connection.execute("select count(*) from systems").fetchone()[0]
    except sqlite3.Error:
        return 0


def _as_from_a_terminal() -> None:
    """Give the child SIGINT's default disposition, as a shell does for a foreground command. A job started in the
    background of a non-interactive shell (some CI runners start the whole suite that way) inherits SIGINT ignored,
    and Python then leaves it ignored, as Unix background jobs should; Ctrl-C is not what such a job sees."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_exits_130_with_one_line_and_a_rerun_resumes_from_the_cache(tmp_path):
    """SIGINT mid-study: status 130, one line, nothing on stdout, no run.json; the cache stays whole and a rerun
    recomputes nothing that had finished."""
    db, out = tmp_path / "cache.db", tmp_path / "run"
    argv = [*SSELAB, "surface-energy", "cu-fcc", "--miller", "1", "0", "0", "--calculator", "emt",
            "--planes", "5,9,13,17,21,25,29,33", "--db", str(db), "--out", str(out), "--json"]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                               preexec_fn=_as_from_a_terminal)
    deadline = time.monotonic() + 120
    while _rows(db) < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "the study finished before it could be interrupted"
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stdout == "" and len(stderr.strip().splitlines()) == 1 and "interrupted" in stderr
    assert not (out / "run.json").exists()
    stored = _rows(db)
    with sqlite3.connect(db) as connection:
        assert connection.execute("pragma integrity_check").fetchone()[0] == "ok"
    rerun = subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=tmp_path, check=False)
    assert rerun.returncode == 0, rerun.stderr
    engine = json.loads(rerun.stdout)["engine"]
    assert engine["cache_hits"] == stored >= 2
    assert engine["cache_hits"] + engine["computed"] == _rows(db)


def test_redaction_covers_a_url_cut_inside_its_password_and_stays_linear_on_long_text():
    assert redact("cannot open postgresql://alice:s3c") == "cannot open postgresql://alice:***"
    assert redact("see http://example.org:8080/x") == "see http://example.org:8080/x"  # a port is not a password
    started = time.perf_counter()
    redact("a" * 200_000)
    redact("ab:" * 50_000)
    assert time.perf_counter() - started < 5.0  # the earlier pattern took minutes here


def test_a_100_000_character_argument_gets_one_short_line(tmp_path):
    result = subprocess.run([*SSELAB, "li0", "solve", "x" * 100_000, "--out", str(tmp_path / "r")],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1 and len(result.stderr) < 400


def test_the_areal_density_form_the_interface_writer_uses_is_read_back():
    assert parse_quantity("8.5 1/nm^2", "areal_density") == pytest.approx(8.5e18)


def test_a_command_that_stops_before_writing_leaves_no_empty_run_directory(tmp_path):
    from sselab.runs import discard_empty_run_directories

    made, kept, used = tmp_path / "made", tmp_path / "kept", tmp_path / "used"
    kept.mkdir()
    for folder in (made, kept, used):
        RunDirectory.open(folder, "li0 solve", {})
    (used / "partial.png").write_bytes(b"")
    assert discard_empty_run_directories() == [made]  # a folder the user had, or one holding output, stays
    assert kept.is_dir() and used.is_dir() and not made.exists()
    result = subprocess.run([*SSELAB, "md", "run", "cu-fcc", "--calculator", "emt", "--temperature", "600K", "--time", "0.1 ps",
                             "--exchange-ion", "Na", "--exchange-count", "99", "--out", str(tmp_path / "md")],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2 and not (tmp_path / "md").exists()
