"""D_Li of fitted-potential runs on the CHGNet reference's own measure, for runs made after the reference's files were lost.

The reference (docs/potentials.md: four CHGNet NVT runs at 1200 K on the CHGNet-relaxed ordered LLZO cell, 4.3 ps each
after 1 ps of equilibration) gave a chord D = (MSD(2 ps) − MSD(0.5 ps)) / (6 × 1.5 ps) of 0.90 ± 0.38 × 10⁻⁹ m²/s
(:mod:`compare_dli`). This script cuts each trajectory given on the command line (``md run``/``md campaign`` output,
production frames only) to the reference's 4.3 ps and applies the same formula (:func:`compare_dli.summarise`), so
that both sides average the same lags over the same span. Prints one JSON object and writes it to
``results/same_span_dli_<campaign>.json``, named by the campaign folder of the first trajectory.

Run as ``python benchmarks/same_span_dli.py runs/s12/refcell-pod5/*/T1200K_strain+0pct/trajectory.extxyz``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from ase.io import read, write
from compare_dli import summarise

from sselab.analysis.diffusion import DiffusionAnalysis

REFERENCE_SPAN_FS = 4300.0
REFERENCE_CHORD_D = 0.90e-9  # m²/s, mean of the four CHGNet runs (docs/potentials.md)
RESULTS = Path(__file__).resolve().parent / "results"


def same_span(path: Path, folder: Path) -> dict:
    frames = [f for f in read(path, ":") if f.info["time_fs"] <= REFERENCE_SPAN_FS + 1e-6]
    cut = folder / f"{abs(hash(str(path)))}.extxyz"
    write(cut, frames, format="extxyz")
    return summarise(DiffusionAnalysis.from_file(cut, "Li", temperature_K=1200.0))


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        runs = {arg: same_span(Path(arg), Path(scratch)) for arg in sys.argv[1:]}
    chords = np.array([r["D_chord_m2_per_s"] for r in runs.values()], dtype=float)
    text = json.dumps({"benchmark": "same_span_dli", "command": "python benchmarks/same_span_dli.py " + " ".join(sys.argv[1:]),
                       "reference_chord_D_m2_per_s": REFERENCE_CHORD_D, "runs": runs,
                       "D_chord_mean_m2_per_s": float(chords.mean()),
                       "ratio_to_reference": float(chords.mean() / REFERENCE_CHORD_D)}, indent=1)
    (RESULTS / f"same_span_dli_{Path(sys.argv[1]).parents[2].name}.json").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
