"""Seed 004 cross-check: Li in x = 0.5 LZON at 1000 K, the fitted POD against a direct CHGNet run, on one measure.

Both sides run NVT at 1000 K in the same CHGNet-relaxed 124-atom cell (``runs/s17/lzon-n4/best.extxyz``; docs/transport.md,
"Seed 004 at 300 K"). Each trajectory is scored by :func:`compare_dli.summarise`: the Li MSD at 2 ps and the chord slope
D = (MSD(2 ps) − MSD(0.5 ps)) / (6 × 1.5 ps), the measure used for the LLZO reference, so that a short CHGNet run and
the POD runs average the same lags. Prints one JSON object and writes ``--out`` (default ``results/same_span_lzon.json``).

Run as ``python benchmarks/same_span_lzon.py --reference CHGNET_TRAJECTORY FITTED_TRAJECTORY ...``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from compare_dli import summarise

from sselab.analysis.diffusion import DiffusionAnalysis

RESULTS = Path(__file__).resolve().parent / "results"


def score(path: str) -> dict:
    return {"trajectory": path, **summarise(DiffusionAnalysis.from_file(Path(path), "Li", temperature_K=1000.0))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", action="append", required=True, help="a CHGNet trajectory (repeatable)")
    parser.add_argument("fitted", nargs="+", help="trajectories of the fitted potential")
    parser.add_argument("--out", default=str(RESULTS / "same_span_lzon.json"), help="JSON file to write")
    args = parser.parse_args()
    reference, fitted = [score(p) for p in args.reference], [score(p) for p in args.fitted]

    def mean(runs: list[dict], key: str) -> float:
        return float(np.mean([run[key] for run in runs]))

    summary = {"reference": reference, "fitted": fitted,
               "chord_D_ratio_fitted_to_reference": mean(fitted, "D_chord_m2_per_s") / mean(reference, "D_chord_m2_per_s"),
               "msd_2ps_ratio_fitted_to_reference": mean(fitted, "msd_at_2ps_A2") / mean(reference, "msd_at_2ps_A2")}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
