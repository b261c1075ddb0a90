"""Long-NPT stability of a fitted potential: volume drift, closest pair, and whether the framework stayed on its sites.

For each trajectory (an extxyz of ``sselab md run``):

* the mean cell volume over the run and over each half (a drift shows as different halves);
* the closest interatomic distance in any frame (minimum image);
* per species, how far each atom's *mean* position moved between the first and the second half of the run. Positions
  are unwrapped frame to frame in fractional coordinates (so that the NPT cell's own fluctuation adds nothing), and each
  half's mean is taken in fractional coordinates and converted with the run's mean cell, after removing the Zr
  framework's mean shift (centre-of-mass drift). Thermal vibration averages out of a half's mean, so an atom that stays
  on its site shifts by a few hundredths of an Å; one that changed site shifts by about a bond length (> 1 Å). Reported:
  the mean and the largest shift, and how many atoms shifted by more than ``SITE_CHANGE_A``;
* per species, the number of frame-to-frame steps longer than a third of a cell vector (fractional). Unwrapping takes
  the shortest image, so such a step (a fast hop, or two hops between stored frames) may be unwrapped wrongly: species
  with such steps have uncertain shifts (Li at 1400 K with 200 fs frames, for one).

Prints one JSON object and writes ``--out``. Run as ``python benchmarks/npt_stability.py TRAJECTORY [TRAJECTORY ...]
--out results/npt_stability.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from ase.io import iread

FRAMEWORK = "Zr"
SITE_CHANGE_A = 1.0
LONG_STEP = 1.0 / 3.0  # fractional


def summarise(path: str) -> dict:
    volumes, cells, unwrapped, closest = [], [], [], np.inf
    symbols = long_steps = previous = current = None
    for atoms in iread(path):
        fractional = atoms.get_scaled_positions(wrap=False)
        if symbols is None:
            symbols, long_steps, current = np.array(atoms.get_chemical_symbols()), np.zeros(len(atoms), int), fractional
        else:
            step = fractional - previous
            step -= np.round(step)
            long_steps += (np.abs(step) > LONG_STEP).any(axis=1)
            current = current + step
        previous = fractional
        unwrapped.append(current)
        cells.append(atoms.cell.array)
        volumes.append(atoms.get_volume())
        distances = atoms.get_all_distances(mic=True)
        closest = min(closest, float(distances[np.triu_indices(len(atoms), 1)].min()))
    unwrapped, half = np.array(unwrapped), len(volumes) // 2
    shift = (unwrapped[half:].mean(axis=0) - unwrapped[:half].mean(axis=0)) @ np.mean(cells, axis=0)
    shift -= shift[symbols == FRAMEWORK].mean(axis=0)
    distance = np.linalg.norm(shift, axis=1)
    species = {}
    for s in sorted(set(symbols)):
        mine = symbols == s
        species[str(s)] = {"mean_shift_A": float(distance[mine].mean()), "largest_shift_A": float(distance[mine].max()),
                           "atoms_shifted_over_1A": int((distance[mine] > SITE_CHANGE_A).sum()), "atoms": int(mine.sum()),
                           "long_steps": int(long_steps[mine].sum())}
    return {"trajectory": path, "frames": len(volumes), "mean_volume_A3": float(np.mean(volumes)),
            "mean_volume_halves_A3": [float(np.mean(volumes[:half])), float(np.mean(volumes[half:]))],
            "closest_pair_A": closest, "half_mean_shift": species}


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
