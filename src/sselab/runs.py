"""Run directories: every computing command leaves ``run.json``, NetCDF arrays and PNG plots.

``run.json`` holds the command line, the inputs (with units), sselab's and its dependencies'
versions, the git commit of the sselab source when it is a checkout, the wall time and the
summary, so that a result can be traced and rerun from its directory alone.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from sselab.errors import InputError

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
    files: list[str] = field(default_factory=list)

    summary: dict[str, Any] = field(default_factory=dict)  # what finish() wrote, for the CLI's --json

    @classmethod
    def open(cls, path: Path | str | RunDirectory | None, command: str, inputs: dict[str, Any]) -> RunDirectory:
        """Create (or reuse) the folder; an already open RunDirectory is returned as it is.

        Commands open their run directory before long work, so that a bad ``--out`` fails fast; a
        result's ``write(run_dir)`` takes either that directory or a path.
        """
        if isinstance(path, RunDirectory):
            return path
        target = Path(path) if path is not None else default_run_dir(command.replace(" ", "-"))
        if target.exists() and not target.is_dir():
            raise InputError(f"output path {target} exists and is not a directory")
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InputError(f"cannot create output directory {target}: {error.strerror}") from None
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
            "git_commit": source_commit(),
            "platform": platform.platform(),
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "wall_time_s": time.perf_counter() - self.started,
            "files": self.files,
            "summary": summary,
        }
        (self.path / "run.json").write_text(json.dumps(to_jsonable(record), indent=2, ensure_ascii=False) + "\n")
        self.summary = summary
        return record


def read_run_record(directory: str | Path, command: str) -> dict[str, Any]:
    """The whole ``run.json`` a run directory holds; a missing or unreadable one is a user error naming ``command``,
    the command whose run directory was expected. Later steps of a chain read earlier runs only through here."""
    record = Path(directory) / "run.json"
    try:
        data = json.loads(record.read_text())
    except FileNotFoundError:
        raise InputError(f"{directory} is not a '{command}' run (not a run directory: no run.json)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"cannot read '{command}' run record {record}: {error}") from None
    if not isinstance(data, dict):
        raise InputError(f"{record} is not a run record")
    return data


def run_summary(directory: str | Path, command: str, required: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """The summary in ``directory/run.json``, with at least the ``required`` keys (else a user error naming ``command``)."""
    summary = read_run_record(directory, command).get("summary")
    if not isinstance(summary, dict) or not set(required) <= set(summary):
        raise InputError(f"{directory} is not a '{command}' run (its run.json has no such summary)")
    return summary

