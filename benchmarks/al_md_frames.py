"""Active-learning candidates from MD campaigns: every n-th stored frame, and the last frames of runs that failed.

``sselab potential learn`` runs its own short exploration MD and adds only the frames it gets most wrong. The lzo_pod
refit of 2026-12-07 (docs/potentials.md, "Active learning of lzo_pod") was made instead from full ``sselab md run``
screens (NPT, 20 ps, five compositions): every n-th stored frame, and the frames stored just before a run failed,
all labelled by the reference. This script gathers them from the ``md run``/``md campaign`` run directories (their
``points.csv`` names each point's status and folder) into one extxyz, without labels; label it with
``sselab potential sample STRUCTURE --strains "" --strain-component 0 --rattled 0 --trajectory OUT --snapshot-every 1``
(which skips the file's first frame, as it does for a trajectory's starting structure).

Run as ``python benchmarks/al_md_frames.py --every 20 --last 6 --out frames.extxyz RUN_DIR [RUN_DIR ...]``.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from ase.io import read, write


def picked_indices(count: int, every: int, last: int, failed: bool) -> list[int]:
    """Indices of a run's stored frames to keep: every ``every``-th (1-based), and the last ``last`` of a failed run."""
    picked = set(range(every - 1, count, every))
    if failed:
        picked |= set(range(max(0, count - last), count))
    return sorted(picked)


def point_folder(run: Path, recorded: Path) -> Path:
    """The folder of one point: as recorded in points.csv (an absolute path), or, when the run directory was moved since,
    the same last two (or one) path components under ``run``."""
    for candidate in (recorded, run / recorded.parent.name / recorded.name, run / recorded.name):
        if candidate.is_dir():
            return candidate
    return recorded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=20, help="keep every n-th stored frame of each run")
    parser.add_argument("--last", type=int, default=6, help="keep the last k stored frames of a failed run")
    parser.add_argument("--out", required=True, help="extxyz file to write")
    parser.add_argument("runs", nargs="+", help="run directories of 'sselab md run' or 'md campaign'")
    args = parser.parse_args()
    frames = []
    for run in args.runs:
        with open(Path(run) / "points.csv", newline="") as handle:
            for row in csv.DictReader(handle):
                trajectory = point_folder(Path(run), Path(row["directory"])) / "trajectory.extxyz"
                if not trajectory.exists():
                    continue  # failed before its first stored frame
                stored = read(trajectory, ":")
                picked = picked_indices(len(stored), args.every, args.last, row["status"] == "failed")
                print(f"{trajectory}: {row['status']}, {len(stored)} frames, {len(picked)} kept")
                for index in picked:
                    frame = stored[index]
                    frame.calc, frame.info = None, {"source": f"{trajectory}:{index}"}
                    frames.append(frame)
    write(args.out, frames)
    print(f"{len(frames)} frames -> {args.out}")


if __name__ == "__main__":
    main()
