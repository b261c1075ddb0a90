"""Run directories: every computing command leaves ``run.json``, NetCDF arrays and PNG plots.

``run.json`` holds the command line, the inputs (with units), sselab's and its dependencies'
versions, the git commit of the sselab source when it is a checkout, the wall time and the
summary, so that a result can be traced and rerun from its directory alone.
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sselab.errors import InputError
from sselab.validation import read_json_file, redact_all

if TYPE_CHECKING:
    import xarray as xr

_DEPENDENCIES = ("numpy", "scipy", "xarray", "netCDF4", "pint", "matplotlib", "dask", "distributed", "typer")


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in ("sselab", *_DEPENDENCIES):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def source_commit() -> str | None:
    """Commit of the sselab checkout the code was imported from (None outside a git checkout)."""
    here = Path(__file__).resolve().parent
    try:
        result = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False
        )
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--", "."], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    return result.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def to_jsonable(value: Any) -> Any:
    """Numbers, arrays and nested containers as plain JSON types (NaN → null)."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, (np.floating, float)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, Path):
        return str(value)
    return value


#: Dataclass field metadata of a result's field that the result holds (structures, arrays, its inputs) but does not
#: summarise: not a key of its ``to_dict()``.
HELD = {"summary": False}


def summary_names(result_type: type) -> list[str]:
    """The fields of a result dataclass that its summary (``to_dict()``, the ``--json`` keys) holds: all but :data:`HELD`."""
    return [f.name for f in fields(result_type) if f.metadata.get("summary", True)]


def summary_of(result: Any) -> dict[str, Any]:
    """``result``'s summarised fields by name (see :func:`summary_names`)."""
    return {name: getattr(result, name) for name in summary_names(type(result))}


def from_summary(result_type: type, data: dict[str, Any]) -> Any:
    """A result of ``result_type`` from its ``to_dict()`` (a ``run_directory`` key, as in run.json's summary, is
    ignored); a missing or unknown key is a user error naming them. Held fields take their defaults."""
    names = summary_names(result_type)
    given = {key: value for key, value in data.items() if key != "run_directory"}
    missing, unknown = sorted(set(names) - set(given)), sorted(set(given) - set(names))
    if missing or unknown:
        raise InputError(f"not a {result_type.__name__} summary: missing {missing or 'nothing'}, unknown {unknown or 'nothing'}")
    return result_type(**given)


def default_run_dir(command: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{command}-{stamp}"


@dataclass
class RunDirectory:
    """A folder for one run; create with :meth:`open`, finish with :meth:`finish`."""

    path: Path
    command: str
    inputs: dict[str, Any]
    started: float = field(default_factory=time.perf_counter)
    # the checkout's commit when the run began: the code that ran, even if the checkout moves on before it finishes
    commit: str | None = field(default_factory=lambda: source_commit())
    files: list[str] = field(default_factory=list)

    summary: dict[str, Any] = field(default_factory=dict)  # what finish() wrote, for the CLI's --json

    @classmethod
    def open(cls, path: Path | str | RunDirectory | None, command: str, inputs: dict[str, Any], *,
             overwrite: bool = False, resume: bool | None = None) -> RunDirectory:
        """Create (or reuse) the folder; an already open RunDirectory is returned as it is.

        Commands open their run directory before long work, so that a bad or unwritable ``--out``
        fails fast; a result's ``write(run_dir)`` takes either that directory or a path. A folder
        that already holds a finished run (its ``run.json``) is refused unless ``overwrite`` is
        True, or ``resume`` is True and that run is of the same ``command`` (the command then
        checks that the settings match); ``resume`` None means the command cannot resume.
        """
        if isinstance(path, RunDirectory):
            return path
        target = Path(path) if path is not None else default_run_dir(command.replace(" ", "-"))
        if target.exists() and not target.is_dir():
            raise InputError(f"output path {target} exists and is not a directory")
        earlier = target / "run.json"
        if earlier.exists() and not overwrite:
            found = _recorded_command(earlier)
            if not (resume and found == command):
                what = f"a finished '{found}' run" if found else "a run record (run.json)"
                hint = ", --resume to continue it," if resume is not None and found == command else ""
                raise InputError(f"{target} already holds {what}: choose another --out{hint} or pass --overwrite to replace it")
        created = not target.exists()
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InputError(f"cannot create output directory {target}: {error.strerror}") from None
        if created:
            _CREATED.append(target)
        if not os.access(target, os.W_OK | os.X_OK):
            raise InputError(f"output directory {target} is not writable")
        return cls(path=target, command=command, inputs=inputs)

    def write_dataset(self, name: str, dataset: xr.Dataset) -> Path:
        target = self.path / f"{name}.nc"
        dataset.to_netcdf(target)
        self.files.append(target.name)
        return target

    def save_figure(self, name: str, figure) -> Path:
        import matplotlib.pyplot as plt

        target = self.path / f"{name}.png"
        figure.savefig(target, dpi=150, bbox_inches="tight")
        plt.close(figure)
        self.files.append(target.name)
        return target

    def write_text(self, name: str, text: str) -> Path:
        target = self.path / name
        target.write_text(text)
        self.files.append(target.name)
        return target

    def finish(self, summary: dict[str, Any]) -> dict[str, Any]:
        record = {
            "command": self.command,
            "argv": sys.argv,
            "inputs": self.inputs,
            "versions": versions(),
            "git_commit": self.commit,
            "platform": platform.platform(),
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "wall_time_s": time.perf_counter() - self.started,
            "files": self.files,
            "summary": summary,
        }
        text = json.dumps(to_jsonable(redact_all(record)), indent=2, ensure_ascii=False) + "\n"
        replace_atomically(self.path / "run.json", text)
        self.summary = summary
        return record


#: run directories this process created (see :func:`discard_empty_run_directories`)
_CREATED: list[Path] = []


def discard_empty_run_directories() -> list[Path]:
    """Remove the run directories this process created that are still empty (a command refused or interrupted
    before writing anything), so that a failed command leaves no clutter; returns what was removed."""
    removed = []
    while _CREATED:
        folder = _CREATED.pop()
        try:
            folder.rmdir()  # only an empty folder goes
        except OSError:
            continue
        removed.append(folder)
    return removed


def csv_table(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    """CSV text of ``rows`` (dicts) under ``columns``; missing keys and None become empty cells, other keys are dropped."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: "" if row.get(key) is None else row.get(key) for key in columns})
    return buffer.getvalue()


def replace_atomically(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` through a temporary file and a rename: an interrupt leaves the old file or the new one."""
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)
    except OSError as error:
        raise InputError(f"cannot write {target}: {error.strerror or error}") from None


def _recorded_command(record: Path) -> str | None:
    """The command a ``run.json`` names (None when it is unreadable or has none)."""
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    return data.get("command") if isinstance(data, dict) and isinstance(data.get("command"), str) else None


def read_run_record(directory: str | Path, command: str) -> dict[str, Any]:
    """The whole ``run.json`` a run directory holds; a missing or unreadable one is a user error naming ``command``,
    the command whose run directory was expected. Later steps of a chain read earlier runs only through here."""
    record = Path(directory) / "run.json"
    if not record.is_file():
        raise InputError(f"{directory} is not a '{command}' run (not a run directory: no run.json)")
    data = read_json_file(record, f"'{command}' run record")
    if not isinstance(data, dict):
        raise InputError(f"{record} is not a run record")
    return data


def run_summary(directory: str | Path, command: str, required: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """The summary in ``directory/run.json``, with at least the ``required`` keys (else a user error naming ``command``)."""
    summary = read_run_record(directory, command).get("summary")
    if not isinstance(summary, dict) or not set(required) <= set(summary):
        raise InputError(f"{directory} is not a '{command}' run (its run.json has no such summary)")
    return summary

