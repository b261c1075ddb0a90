"""Run fuzz cases in forked children of a pre-imported parent and classify each outcome.

Each case runs ``sselab.cli.main(argv)`` in a child made by :func:`os.fork` (the parent imported
sselab and its heavy dependencies once, so a refused case costs milliseconds, not an interpreter
start), in its own new folder as working directory, with stdout and stderr redirected to files,
stdin closed, its address space capped (default 4 GiB) and a wall-clock timeout (default 20 s).
The child emulates the interpreter's exit: ``SystemExit`` gives its code, an uncaught exception
prints a traceback and gives 1. At most ``jobs`` children (default 2) run at once.

Outcome kinds (the property of issue 13: exit 0 with valid JSON, or exit 2 with one line):

- ``clean``: the expected outcome — exit 2 with exactly one non-empty stderr line for a refusal,
  exit 0 (with exactly one JSON object on stdout when ``--json`` was given) for an acceptance.
- ``traceback``: "Traceback" on stderr, or exit 1 (an uncaught exception).
- ``multiline``: exit 2 with more than one non-empty stderr line.
- ``silent-acceptance``: exit 0 where the case must be refused.
- ``hang``: the timeout passed, the child was killed, or it hit the memory cap (a one-line
  "out of memory" refusal counts: the request was not bounded before work started).
- ``bad-json``: exit 0 with ``--json`` but stdout is not exactly one JSON object.
- ``injected``: the case's security marker file exists afterwards (a command in a data file ran).
- ``setup``: a setup step of the case (e.g. the earlier run a resume case continues) failed.
- ``wrong-exit``: anything else (exit 2 for a case that must be accepted, exit 2 with an empty
  stderr, another status, a death by a signal).
"""

from __future__ import annotations

import io
import json
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from fuzz.corpus import Case, materialize

KINDS = ("clean", "traceback", "multiline", "silent-acceptance", "hang", "bad-json", "injected", "setup", "wrong-exit")
DEFAULT_TIMEOUT_S = 20.0
DEFAULT_MEMORY_GIB = 4.0
SETUP_FAILED = 99  # the child's status when a setup step did not exit 0
HEAVY_MODULES = ("numpy", "scipy", "scipy.optimize", "scipy.interpolate", "xarray", "pint", "ase", "ase.io", "ase.build",
                 "ase.optimize", "ase.calculators.emt", "pymatgen.core", "matplotlib", "matplotlib.pyplot", "dask",
                 "typer", "rich", "sselab.cli")


def preload() -> str:
    """Import sselab's CLI and the heavy libraries once, before forking; return where sselab came from.

    The returned path is the evidence of which source tree a report measured (the editable install
    or a ``PYTHONPATH`` checkout placed before it).
    """
    os.environ.setdefault("MPLBACKEND", "Agg")
    import importlib
    import pkgutil

    for name in HEAVY_MODULES:
        importlib.import_module(name)
    import sselab

    for module in pkgutil.walk_packages(sselab.__path__, "sselab."):
        try:
            importlib.import_module(module.name)
        except ImportError:  # a module of an optional extra that is not installed: its commands import it themselves
            pass
    for argv in (["--help"], ["li0", "solve", "--help"], ["li0", "solve", "--no-such-option"],
                 ["segregation", "model", "--surface-energy", "0.46 J/m^2", "--work-of-adhesion", "0.6 J/m^2",
                  "--surface-density", "8.5e18", "--json"]):  # the last one builds the unit registry; it writes no file
        _warm_up(argv)
    return str(Path(sselab.__file__).parent)


def _warm_up(argv: list[str]) -> None:
    """Run a harmless command once in the parent, output discarded, so children start with Typer and Rich warm."""
    streams = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = io.StringIO()
    try:
        _exit_status(argv)
    finally:
        sys.stdout, sys.stderr = streams


@dataclass(frozen=True)
class Outcome:
    """What one case did: its kind (see the module docstring), exit status and output."""

    case: Case
    kind: str
    status: int | None
    seconds: float
    stdout: str
    stderr: str
    detail: str = ""

    @property
    def first_line(self) -> str:
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return lines[0][:300] if lines else ""

    def to_dict(self) -> dict:
        return {"name": self.case.name, "group": self.case.group, "class": self.case.label, "expect": self.case.expect,
                "argv": abbreviate(self.case.argv), "kind": self.kind, "status": self.status,
                "seconds": round(self.seconds, 2), "stderr_first_line": self.first_line,
                "stderr_lines": len([line for line in self.stderr.splitlines() if line.strip()]), "detail": self.detail}


def abbreviate(argv: Iterable[str], width: int = 60) -> list[str]:
    """The argument list with long items cut to ``width`` characters (100 000-character arguments stay readable)."""
    shown = []
    for item in argv:
        text = item.replace("\n", "\\n")
        shown.append(text if len(text) <= width else f"{text[:width - 20]}...<{len(item)} chars>")
    return shown


def classify(case: Case, status: int | None, stdout: str, stderr: str, *, timed_out: bool, injected: bool,
             setup_failed: bool) -> tuple[str, str]:
    """(kind, detail) of one finished child, from its exit status and output (see the module docstring)."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    if injected:
        return "injected", f"marker {case.marker} exists: a command from a data file ran"
    if timed_out:
        return "hang", "timeout"
    if setup_failed:
        return "setup", "a setup step failed"
    if "Traceback (most recent call last)" in stderr or status == 1:
        last = lines[-1][:200] if lines else ""
        return "traceback", last
    if status is None or status < 0:
        name = signal.Signals(-status).name if status is not None and -status in signal.valid_signals() else str(status)
        return ("hang" if status == -signal.SIGKILL else "wrong-exit"), f"killed by {name}"
    if status == 2 and lines and "out of memory" in lines[0]:
        return "hang", "hit the memory cap (MemoryError)"
    if status == 2:
        if len(lines) > 1:
            return "multiline", f"{len(lines)} stderr lines"
        if not lines:
            return "wrong-exit", "exit 2 with nothing on stderr"
        if case.expect == "accept":
            return "wrong-exit", "refused an input that must be accepted"
        return "clean", ""
    if status == 0:
        if case.expect == "refuse":
            return "silent-acceptance", "exit 0"
        if "--json" in case.argv and not is_one_json_object(stdout):
            return "bad-json", "stdout is not exactly one JSON object"
        return "clean", ""
    return "wrong-exit", f"exit {status}"


def is_one_json_object(text: str) -> bool:
    """True when ``text`` is exactly one JSON object (surrounding whitespace allowed)."""
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return isinstance(value, dict)


def _exit_status(argv: list[str]) -> int:
    """Call the CLI as the console script would and return the status the interpreter would exit with."""
    from sselab.cli import main

    try:
        main(argv)
    except SystemExit as stop:
        if stop.code is None:
            return 0
        if isinstance(stop.code, int):
            return stop.code & 0xFF
        print(stop.code, file=sys.stderr)
        return 1
    except BaseException:  # noqa: BLE001 - the interpreter prints any uncaught exception and exits 1; so does this child
        traceback.print_exc()
        return 1
    return 0


def _redirect(fd: int, path: Path) -> io.TextIOWrapper:
    """Point file descriptor ``fd`` at ``path`` (so C libraries write there too) and return a text stream on it."""
    target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(target, fd)
    os.close(target)
    return io.TextIOWrapper(io.FileIO(fd, "w", closefd=False), encoding="utf-8", errors="backslashreplace", write_through=True)


def _child(case: Case, folder: Path, logs: Path, memory_bytes: int) -> None:
    """Body of the forked child: never returns (os._exit)."""
    status = 3
    try:
        os.setsid()  # its own process group, so a timeout kills anything it started too
        os.chdir(folder)
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        stdin = os.open(os.devnull, os.O_RDONLY)
        os.dup2(stdin, 0)
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
        os.environ.update(case.env)
        for index, step in enumerate(case.setup):
            sys.stdout = _redirect(1, logs / f"setup{index}.out")
            sys.stderr = _redirect(2, logs / f"setup{index}.err")
            if _exit_status(list(step)) != 0:
                os._exit(SETUP_FAILED)
        sys.stdout = _redirect(1, logs / "stdout")
        sys.stderr = _redirect(2, logs / "stderr")
        status = _exit_status(list(case.argv))
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(status)


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", "backslashreplace")
    except FileNotFoundError:
        return ""


class _Running:
    """One forked child and what is needed to finish it."""

    def __init__(self, case: Case, root: Path, index: int, memory_bytes: int):
        self.case = case
        self.folder = root / f"case{index:04d}"
        self.logs = root / f"case{index:04d}.logs"
        self.folder.mkdir()
        self.logs.mkdir()
        materialize(case, self.folder)
        sys.stdout.flush()
        sys.stderr.flush()
        self.start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _child(case, self.folder, self.logs, memory_bytes)
        self.pid = pid

    def poll(self, timeout_s: float) -> Outcome | None:
        done, wait_status = os.waitpid(self.pid, os.WNOHANG)
        timed_out = False
        if done == 0:
            if time.monotonic() - self.start < timeout_s:
                return None
            timed_out = True
            self._kill_group()
            _, wait_status = os.waitpid(self.pid, 0)
        self._kill_group()  # anything the case started and left behind (Dask workers, ...)
        seconds = time.monotonic() - self.start
        status = os.waitstatus_to_exitcode(wait_status)
        stdout, stderr = _read(self.logs / "stdout"), _read(self.logs / "stderr")
        injected = bool(self.case.marker) and (self.folder / self.case.marker).exists()
        kind, detail = classify(self.case, status, stdout, stderr, timed_out=timed_out, injected=injected,
                                setup_failed=status == SETUP_FAILED and bool(self.case.setup))
        if kind == "setup":
            errors = [line for step in range(len(self.case.setup)) for line in _read(self.logs / f"setup{step}.err").splitlines()]
            detail = f"setup failed: {errors[-1][:200]}" if errors else detail
        return Outcome(self.case, kind, None if timed_out else status, seconds, stdout, stderr, detail)

    def _kill_group(self) -> None:
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def run_cases(cases: Iterable[Case], *, timeout_s: float = DEFAULT_TIMEOUT_S, jobs: int = 2,
              memory_gib: float = DEFAULT_MEMORY_GIB, keep: Path | None = None) -> Iterator[Outcome]:
    """Run ``cases`` (at most ``jobs`` at once) and yield their outcomes in the order they finish.

    Each case gets a fresh folder under a temporary root (kept under ``keep`` when given, for
    inspection). The parent should have called :func:`preload` first.
    """
    root = Path(tempfile.mkdtemp(prefix="sselab-fuzz-", dir=keep))
    memory_bytes = int(memory_gib * 2**30)
    pending = list(cases)
    running: list[_Running] = []
    try:
        index = 0
        while pending or running:
            while pending and len(running) < jobs:
                running.append(_Running(pending.pop(0), root, index, memory_bytes))
                index += 1
            for child in list(running):
                outcome = child.poll(timeout_s)
                if outcome is not None:
                    running.remove(child)
                    yield outcome
            time.sleep(0.01)
    finally:
        for child in running:
            child._kill_group()
            os.waitpid(child.pid, 0)
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)


def run_case(case: Case, **options) -> Outcome:
    """One case's outcome (see :func:`run_cases` for the options)."""
    return next(iter(run_cases([case], jobs=1, **options)))
