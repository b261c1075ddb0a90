"""D_Li at 1200 K of fitted potentials against the CHGNet reference MD on the same 192-atom LLZO cell.

Inputs (not in the repository; regenerate them with the commands in docs/potentials.md):
* ``runs/ref-md-gpu2/llzo_{A,B,C,E}_1200K.extxyz``: four CHGNet NVT runs of 5.3–5.5 ps (Bussi thermostat, 2 fs;
  ``benchmarks/chgnet_reference_md.py`` on one GPU, driven as in docs/potentials.md) on
  ``runs/ref-md-gpu2/llzo_chgnet_relaxed.extxyz``, the CHGNet-relaxed ordered cell;
* ``runs/llzo-fit-nvt-refcell2`` and ``runs/llzo-pod-nvt-refcell2``: ``sselab md run`` of the fitted sets on that cell.

The first 1 ps of every CHGNet run is dropped (the thermostat brings the run from its start to 1200 K); the fitted
runs had 1 ps of equilibration before production, and a fitted run is cut before its first collapsed frame
(``COLLAPSE_FRACTION``). D comes from :class:`sselab.DiffusionAnalysis` with its own diffusive window (None where the
Li MSD is not linear in t or grows by less than 1 Å²); beside it, the Li MSD at 2 ps and the log-log slope over the
fixed window ``WINDOW_FS``. The reference D is that of the four runs pooled (every Li of
every run in one MSD, :func:`pooled_diffusivity`); each fitted D is given as a ratio to it. Prints one JSON object and writes
it to ``results/compare_dli.json``. Run as ``python benchmarks/compare_dli.py``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
from ase.io import read, write

from sselab.analysis.diffusion import DiffusionAnalysis
from sselab.atomistic.fitting.dataset import first_collapsed, shortest_pair_distances
from sselab.errors import SSELabError

REFERENCE = Path("runs/ref-md-gpu2")
REFERENCE_RUNS = ("A", "B", "C", "E")
FITTED = {"llzo_fit": Path("runs/llzo_fit-nvt-refcell2/T1200K_strain+0pct/trajectory.extxyz"),
          "llzo_pod_global_wall": Path("runs/llzo_pod_wall-nvt-refcell2/T1200K_strain+0pct/trajectory.extxyz"),
          "llzo_pod_pair_walls": Path("runs/llzo_pod_walls-nvt-refcell2/T1200K_strain+0pct/trajectory.extxyz"),
          "llzo_pod": Path("runs/llzo_pod-nvt-refcell2/T1200K_strain+0pct/trajectory.extxyz")}
EQUILIBRATION_FS = 1000.0
#: a fitted run is analysed up to its first frame with a pair closer than this fraction of that pair's shortest distance
#: in the reference runs (``sselab potential learn``'s collapse rule): what follows is a collapse, not diffusion
COLLAPSE_FRACTION = 0.6
GATE_FACTOR = 2.0
#: a fixed lag window (fs) for every run, reference and fitted, within half the shortest reference run (4.3 ps after
#: equilibration): the Li MSD at its end (2 ps) and the log-log slope over it compare mobility like for like where the
#: MSD is not yet linear in t and the estimator's own window gives no D (or a D from different lags)
WINDOW_FS = (500.0, 2000.0)
RESULTS_PATH = Path(__file__).resolve().parent / "results" / "compare_dli.json"


def after_equilibration(frames: list, folder: Path, name: str) -> tuple[Path, float]:
    """The frames from EQUILIBRATION_FS on, times counted from there, written as extxyz; (path, span in ps)."""
    kept = [f for f in frames if f.info["time_fs"] >= EQUILIBRATION_FS - 1e-6]
    start = kept[0].info["time_fs"]
    for frame in kept:
        frame.info["time_fs"] -= start
    path = folder / f"{name}.extxyz"
    write(path, kept, format="extxyz")
    return path, kept[-1].info["time_fs"] / 1000.0


def summarise(analyse) -> dict:
    """D from the estimator's own diffusive window, and the MSD and log-log slope over the fixed ``WINDOW_FS``.

    ``analyse(window_fs)`` runs :class:`DiffusionAnalysis` on one trajectory with that window (None: its own)."""
    own = analyse(None).to_dict()
    report = {"D_m2_per_s": own["D_m2_per_s"], "D_stderr_m2_per_s": own["D_stderr_m2_per_s"], "D_window_fs": own["window_fs"],
              "D_reason": own["reason"]}
    try:
        fixed = analyse(WINDOW_FS).to_dict()
    except SSELabError as error:  # a run too short for the fixed window
        return {**report, "msd_at_2ps_A2": None, "note": str(error)}
    return {**report, "msd_at_2ps_A2": fixed["msd_at_window_end_A2"], "loglog_slope_0.5_2ps": fixed["loglog_slope"]}


def diffusivity(path: Path, span_ps: float) -> dict:
    return {"span_ps": span_ps,
            **summarise(lambda window: DiffusionAnalysis.from_file(path, "Li", temperature_K=1200.0, window_fs=window))}


def pooled_diffusivity(runs: list[list]) -> dict:
    """D_Li of the ensemble: the runs' atoms side by side in one trajectory (each run wrapped in the same fixed cell,
    cut to the shortest run), so that the MSD is averaged over every Li of every run before the fit. Conductivity is
    not meaningful for this stacked cell and is not reported."""
    frames = min(len(run) for run in runs)
    positions = np.concatenate([np.array([f.positions for f in run[:frames]]) for run in runs], axis=1)
    symbols = [s for run in runs for s in run[0].get_chemical_symbols()]
    interval = runs[0][1].info["time_fs"] - runs[0][0].info["time_fs"]
    return {"runs": len(runs), "span_ps": (frames - 1) * interval / 1000.0, **summarise(
        lambda window: DiffusionAnalysis.from_arrays(symbols, positions, interval, "Li", cell=runs[0][0].cell.array,
                                                     temperature_K=1200.0, window_fs=window))}


def main() -> None:
    report: dict = {"reference": {}, "fitted": {}}
    with tempfile.TemporaryDirectory() as scratch:
        runs = []
        for name in REFERENCE_RUNS:
            frames = read(REFERENCE / f"llzo_{name}_1200K.extxyz", index=":")
            path, span = after_equilibration(frames, Path(scratch), name)
            report["reference"][f"chgnet_{name}"] = diffusivity(path, span)
            runs.append(read(path, index=":"))
        shortest = shortest_pair_distances([frame for run in runs for frame in run[::25]])
        for name, path in FITTED.items():
            if not path.exists():
                report["fitted"][name] = {"missing": str(path)}
                continue
            frames = read(path, index=":")
            kept = first_collapsed(frames, shortest, COLLAPSE_FRACTION)
            cut = Path(scratch) / f"{name}.extxyz"
            write(cut, frames[:kept], format="extxyz")
            report["fitted"][name] = {**diffusivity(cut, frames[kept - 1].info["time_fs"] / 1000.0),
                                      "frames": len(frames), "collapsed_from_ps": (frames[kept].info["time_fs"] / 1000.0
                                                                                  if kept < len(frames) else None)}
    report["reference_pooled"] = pooled_diffusivity(runs)
    pooled = report["reference_pooled"]
    for result in report["fitted"].values():
        if result.get("D_m2_per_s") is not None and pooled["D_m2_per_s"] is not None:
            result["D_ratio_to_reference"] = result["D_m2_per_s"] / pooled["D_m2_per_s"]
            result["D_within_factor_2"] = 1 / GATE_FACTOR <= result["D_ratio_to_reference"] <= GATE_FACTOR
        if result.get("msd_at_2ps_A2") is not None and pooled["msd_at_2ps_A2"] is not None:
            result["msd_at_2ps_ratio_to_reference"] = result["msd_at_2ps_A2"] / pooled["msd_at_2ps_A2"]
    RESULTS_PATH.write_text(json.dumps({"benchmark": "compare_dli", "command": "python benchmarks/compare_dli.py",
                                        **report}, indent=1) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
