"""The record of one MD point (``point.json``): what defines its run, written before its first step.

``sselab md run`` writes ``point.json`` into every point folder before the point's first step. It
holds everything that determines the trajectory (the cell and how it was built, the engine's
identity, ensemble and schedule, the point's temperature and strain). It serves two readers:

* a resume (:func:`require_same_settings`) compares it with the settings asked for now and refuses,
  naming the first difference, so that a trajectory is never continued with another cell, engine or
  schedule;
* the analyses (:func:`trajectory_completeness`) read the production length it asked for and tell a
  finished trajectory from the partial one a killed run leaves.

The comparison is on the JSON form of the values (what the file holds), so a value and its
round trip through the file always compare equal.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sselab.errors import InputError
from sselab.validation import read_json_file

__all__ = ["POINT_RECORD", "Completeness", "read_point_record", "require_same_settings", "trajectory_completeness",
           "write_point_record"]

#: the record's file name inside a point folder
POINT_RECORD = "point.json"
#: what identifies the file as a point record, and the keys the analyses read from it
FORMAT = "sselab md point"
SCHEDULE_KEYS = ("production_fs", "frame_interval_fs")


def as_json(value: Any) -> Any:
    """``value`` as it reads back from a JSON file (tuples become lists, keys strings)."""
    return json.loads(json.dumps(value))


def write_point_record(folder: Path, settings: dict[str, Any]) -> Path:
    """Write ``settings`` (plain JSON values, :data:`SCHEDULE_KEYS` included) as the point record of ``folder``."""
    target = Path(folder) / POINT_RECORD
    partial = target.with_name(f".{target.name}.partial")
    partial.write_text(json.dumps({"format": FORMAT, **as_json(settings)}, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    partial.replace(target)
    return target


def read_point_record(folder: Path) -> dict[str, Any] | None:
    """The point record of ``folder`` (None when there is none); a malformed one is a one-line :class:`InputError`."""
    target = Path(folder) / POINT_RECORD
    if not target.exists():
        return None
    data = read_json_file(target, "MD point record")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"{target} is not an sselab MD point record")
    for key in SCHEDULE_KEYS:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise InputError(f"{target}: {key} must be a positive number, got {value!r}")
    return data


def require_same_settings(recorded: dict[str, Any], wanted: dict[str, Any], where: str) -> None:
    """Refuse (one line naming the first differing setting) when ``wanted`` differs from ``recorded`` on any key of ``wanted``."""
    wanted = as_json(wanted)
    for key, value in wanted.items():
        if key not in recorded:
            raise InputError(f"{where} records no '{key}' (written by another sselab version?): it cannot be resumed "
                             "safely; use another --out, or --overwrite to start it again")
        if recorded[key] != value:
            raise InputError(f"cannot resume {where}: {key} differs (on disk {_shown(recorded[key])}, now {_shown(value)}); "
                             "resume with the same settings, or use another --out")


def _shown(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass(frozen=True)
class Completeness:
    """Whether a trajectory holds all the production its run asked for (``complete`` None: no record says)."""

    complete: bool | None
    last_time_fs: float | None
    requested_fs: float | None

    @property
    def warning(self) -> str | None:
        """The line an analysis adds to its warnings, or None for a complete trajectory."""
        if self.complete is None:
            return f"no MD point record ({POINT_RECORD}) beside the trajectory: whether its run finished is unknown"
        if self.complete:
            return None
        reached = "no complete frame" if self.last_time_fs is None else f"{self.last_time_fs:g} fs"
        return (f"incomplete trajectory: it reaches {reached} of the {self.requested_fs:g} fs its run asked for "
                "(a killed or unfinished run; continue it with 'sselab md run --resume')")


def trajectory_completeness(trajectory: Path) -> Completeness:
    """Compare the last complete frame of an extended-XYZ ``trajectory`` with its point record's production time."""
    from sselab.atomistic.md.ase_md import extxyz_frames

    record = read_point_record(Path(trajectory).parent)
    if record is None:
        return Completeness(None, None, None)
    requested = float(record["production_fs"])
    frames = extxyz_frames(Path(trajectory))
    last = frames[-1][1] if frames else None
    tolerance = 1e-6 * float(record["frame_interval_fs"])
    return Completeness(last is not None and abs(last - requested) <= tolerance, last, requested)
