"""Long-NPT stability of a fitted potential: volume drift, closest pair and how far each species moved.

For each trajectory (an extxyz of ``sselab md run``): the mean cell volume over the whole run and over each half (a
drift shows as different halves), the closest interatomic distance in any frame (minimum image), and each species'
RMS displacement between the first and the last frame, unwrapped frame to frame by the minimum image and measured
from the Zr framework's mean displacement (so the cell's centre-of-mass drift drops out). A crystalline framework
moves a few tenths of an Å (thermal vibration); a diffusing species moves many Å; a framework that melts or
rearranges moves like the diffusing one. A species one of whose atoms moves more than a third of a cell vector between
two stored frames cannot be unwrapped unambiguously: it gets no RMS (null) and is named in ``not_unwrappable``. Prints one JSON object and writes ``--out``.

Run as ``python benchmarks/npt_stability.py TRAJECTORY [TRAJECTORY ...] --out results/npt_stability.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from ase.io import iread

FRAMEWORK = "Zr"
UNAMBIGUOUS_STEP = 1.0 / 3.0  # largest fractional step between frames that the minimum image unwraps safely


def summarise(path: str) -> dict:
    volumes, closest = [], np.inf
    previous = symbols = None
    moved = largest_step = None
    for atoms in iread(path):
        positions = atoms.get_positions()
        if symbols is None:
            symbols, moved = np.array(atoms.get_chemical_symbols()), np.zeros_like(positions)
            largest_step = np.zeros(len(atoms))
        else:
            fractional = (positions - previous) @ np.linalg.inv(atoms.cell.array)
            fractional -= np.round(fractional)
            largest_step = np.maximum(largest_step, np.abs(fractional).max(axis=1))
            moved += fractional @ atoms.cell.array
        previous = positions
        volumes.append(atoms.get_volume())
        distances = atoms.get_all_distances(mic=True)
        closest = min(closest, float(distances[np.triu_indices(len(atoms), 1)].min()))
    relative = moved - moved[symbols == FRAMEWORK].mean(axis=0)
    half = len(volumes) // 2
    species = sorted(set(symbols))
    ambiguous = [str(s) for s in species if largest_step[symbols == s].max() > UNAMBIGUOUS_STEP]
    return {"trajectory": path, "frames": len(volumes), "mean_volume_A3": float(np.mean(volumes)),
            "mean_volume_halves_A3": [float(np.mean(volumes[:half])), float(np.mean(volumes[half:]))],
            "closest_pair_A": closest,
            "rms_displacement_A": {str(s): None if str(s) in ambiguous
                                   else float(np.sqrt((relative[symbols == s] ** 2).sum(axis=1).mean())) for s in species},
            "not_unwrappable": ambiguous}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trajectories", nargs="+")
    parser.add_argument("--out", required=True, help="JSON file to write")
    args = parser.parse_args()
    summary = [summarise(path) for path in args.trajectories]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
