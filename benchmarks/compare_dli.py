"""D_Li at 1200 K of fitted potentials against the CHGNet reference MD on the same 192-atom LLZO cell.

Inputs (not in the repository; regenerate them with the commands in docs/potentials.md):
* ``runs/ref-md-gpu2/llzo_{A,B,C,E}_1200K.extxyz``: four CHGNet NVT runs of 5.3–5.5 ps (Bussi thermostat, 2 fs;
  ``benchmarks/chgnet_reference_md.py`` on one GPU, driven as in docs/potentials.md) on
  ``runs/ref-md-gpu2/llzo_chgnet_relaxed.extxyz``, the CHGNet-relaxed ordered cell;
* ``runs/llzo_fit-nvt-refcell2``, ``runs/llzo_pod_capped-nvt-refcell2`` (the packaged ``llzo_pod``) and
  ``runs/llzo_pod-nvt-refcell2`` (the earlier ``llzo_pod``, no wall): ``sselab md run`` of the fitted sets on that cell.

The first 1 ps of every CHGNet run is dropped (the thermostat brings the run from its start to 1200 K); the fitted
runs had 1 ps of equilibration before production, and a fitted run is cut before its first collapsed frame
(``COLLAPSE_FRACTION``). D comes from :class:`sselab.DiffusionAnalysis` with its own diffusive window (None where the
Li MSD is not linear in t or grows by less than 1 Å²); beside it, the Li MSD at 2 ps and the log-log slope over the
fixed window ``WINDOW_FS`` (and the chord slope D there), for the whole fitted run and for its first 4.3 ps, the span of
the reference runs, so that both MSDs average over the same time origins. The reference's run-to-run spread of the
chord D is reported too: with four short runs it, not the fit's own error bar, limits any comparison. The reference D is that of the four runs pooled (every Li of
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

REFERENCE = Path("runs/ref-md-gpu2")
REFERENCE_RUNS = ("A", "B", "C", "E")
FITTED = {"llzo_fit": Path("runs/llzo_fit-nvt-refcell2/T1200K_strain+0pct/trajectory.extxyz"),
          "llzo_pod": Path("runs/llzo_pod_capped-nvt-refcell2/T1200K_strain+0pct/trajectory.extxyz"),
          "llzo_pod_earlier_no_wall": Path("runs/llzo_pod-nvt-refcell2/T1200K_strain+0pct/trajectory.extxyz")}
EQUILIBRATION_FS = 1000.0
#: a fitted run is analysed up to its first frame with a pair closer than this fraction of that pair's shortest distance
#: in the reference runs (``sselab potential learn``'s collapse rule): what follows is a collapse, not diffusion
COLLAPSE_FRACTION = 0.6
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


def summarise(analysis: DiffusionAnalysis) -> dict:
    """D from the estimator's own diffusive window, and the Li MSD at the ends of ``WINDOW_FS`` with the chord slope
    between them, D_chord = (MSD(t2) − MSD(t1)) / (6 (t2 − t1)) (m²/s): one formula for every run, slow ones included."""
    own = analysis.to_dict()
    report = {"D_m2_per_s": own["D_m2_per_s"], "D_stderr_m2_per_s": own["D_stderr_m2_per_s"], "D_window_fs": own["window_fs"],
              "D_reason": own["reason"]}
    lags, msd = analysis.lag_fs, analysis.msd_A2
    if lags[-1] < WINDOW_FS[1]:
        return {**report, "msd_at_2ps_A2": None, "D_chord_m2_per_s": None, "note": f"run shorter than 2 x {WINDOW_FS[1]:g} fs"}
    start, end = (float(np.interp(t, lags, msd)) for t in WINDOW_FS)
    return {**report, "msd_at_2ps_A2": end, "D_chord_m2_per_s": (end - start) / (6 * (WINDOW_FS[1] - WINDOW_FS[0])) * 1e-5}


def diffusivity(path: Path, span_ps: float) -> dict:
    return {"span_ps": span_ps,
            **summarise(DiffusionAnalysis.from_file(path, "Li", temperature_K=1200.0))}


def pooled_diffusivity(runs: list[list]) -> dict:
    """D_Li of the ensemble: the runs' atoms side by side in one trajectory (each run wrapped in the same fixed cell,
    cut to the shortest run), so that the MSD is averaged over every Li of every run before the fit. Conductivity is
    not meaningful for this stacked cell and is not reported."""
    frames = min(len(run) for run in runs)
    positions = np.concatenate([np.array([f.positions for f in run[:frames]]) for run in runs], axis=1)
    symbols = [s for run in runs for s in run[0].get_chemical_symbols()]
    interval = runs[0][1].info["time_fs"] - runs[0][0].info["time_fs"]
    return {"runs": len(runs), "span_ps": (frames - 1) * interval / 1000.0, **summarise(
        DiffusionAnalysis.from_arrays(symbols, positions, interval, "Li", cell=runs[0][0].cell.array, temperature_K=1200.0))}


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
        reference_span_fs = min(run[-1].info["time_fs"] for run in runs)
        for name, path in FITTED.items():
            if not path.exists():
                report["fitted"][name] = {"missing": str(path)}
                continue
            frames = read(path, index=":")
            kept = first_collapsed(frames, shortest, COLLAPSE_FRACTION)
            cut = Path(scratch) / f"{name}.extxyz"
            write(cut, frames[:kept], format="extxyz")
            matched = Path(scratch) / f"{name}-matched.extxyz"  # the reference's span, for a like-for-like MSD
            write(matched, [f for f in frames[:kept] if f.info["time_fs"] <= reference_span_fs + 1e-6], format="extxyz")
            report["fitted"][name] = {**diffusivity(cut, frames[kept - 1].info["time_fs"] / 1000.0),
                                      "frames": len(frames), "collapsed_from_ps": (frames[kept].info["time_fs"] / 1000.0
                                                                                  if kept < len(frames) else None),
                                      "over_the_reference_span": diffusivity(matched, reference_span_fs / 1000.0)}
    report["reference_pooled"] = pooled = pooled_diffusivity(runs)
    slopes = np.array([run["D_chord_m2_per_s"] for run in report["reference"].values()], dtype=float)
    report["reference_runs_chord"] = {"D_mean_m2_per_s": float(slopes.mean()),
                                             "D_run_to_run_stderr_m2_per_s": float(slopes.std(ddof=1) / np.sqrt(slopes.size))}
    for result in report["fitted"].values():
        matched = result.get("over_the_reference_span", {})
        if matched.get("msd_at_2ps_A2") is not None:
            result["msd_at_2ps_ratio_to_reference_same_span"] = matched["msd_at_2ps_A2"] / pooled["msd_at_2ps_A2"]
        if matched.get("D_chord_m2_per_s") is not None:
            result["D_chord_ratio_to_reference_same_span"] = (matched["D_chord_m2_per_s"]
                                                                     / pooled["D_chord_m2_per_s"])
    RESULTS_PATH.write_text(json.dumps({"benchmark": "compare_dli", "command": "python benchmarks/compare_dli.py",
                                        **report}, indent=1) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
