"""D_Li at 1200 K of fitted potentials against the CHGNet reference MD on the same 192-atom LLZO cell.

Inputs (not in the repository; regenerate them with the commands in docs/potentials.md):
* ``runs/ref-md-gpu/llzo_{A,B,C}_1200K.extxyz``: CHGNet NVT runs (``benchmarks/chgnet_reference_md.py``), three seeds,
  and ``llzo_A2_1200K_continued.extxyz``: run A continued from its last frame with fresh velocities;
* ``runs/llzo-fit-nvt-refcell`` and ``runs/llzo-pod-nvt-refcell``: ``sselab md run`` of the fitted sets on that cell.

The first 1 ps of every CHGNet run is dropped (the thermostat brings the run from its start to 1200 K); the fitted
runs had 1–2 ps of equilibration before production. D comes from :class:`sselab.DiffusionAnalysis` (its diffusive
window; None where the Li MSD stays below 1 Å²). Prints one JSON object. Run as ``python benchmarks/compare_dli.py``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from ase.io import read, write

from sselab.analysis.diffusion import DiffusionAnalysis

REFERENCE = Path("runs/ref-md-gpu")
FITTED = {"llzo_fit": Path("runs/llzo-fit-nvt-refcell/T1200K_strain+0pct/trajectory.extxyz"),
          "llzo_pod": Path("runs/llzo-pod-nvt-refcell/T1200K_strain+0pct/trajectory.extxyz")}
#: production time (fs) analysed per fitted run: llzo_fit's run failed at 6 ps, its pressure ramping from 7 to 22 GPa
#: and its framework starting to move over the last picosecond, so only the first 5 ps describe the crystal
FITTED_UNTIL_FS = {"llzo_fit": 5000.0, "llzo_pod": 10000.0}
EQUILIBRATION_FS = 1000.0


def after_equilibration(frames: list, folder: Path, name: str) -> tuple[Path, float]:
    """The frames from EQUILIBRATION_FS on, times counted from there, written as extxyz; (path, span in ps)."""
    kept = [f for f in frames if f.info["time_fs"] >= EQUILIBRATION_FS - 1e-6]
    start = kept[0].info["time_fs"]
    for frame in kept:
        frame.info["time_fs"] -= start
    path = folder / f"{name}.extxyz"
    write(path, kept, format="extxyz")
    return path, kept[-1].info["time_fs"] / 1000.0


def diffusivity(path: Path, span_ps: float) -> dict:
    result = DiffusionAnalysis.from_file(path, "Li", temperature_K=1200.0).to_dict()
    return {"span_ps": span_ps, **{key: result[key] for key in ("D_m2_per_s", "D_stderr_m2_per_s", "msd_at_window_end_A2")}}


def main() -> None:
    run_a = read(REFERENCE / "llzo_A_1200K.extxyz", index=":")
    continued = read(REFERENCE / "llzo_A2_1200K_continued.extxyz", index=":")
    for frame in continued[1:]:  # frame 0 of the continuation is run A's last frame
        frame.info["time_fs"] += run_a[-1].info["time_fs"]
    runs = {"chgnet_A": run_a + continued[1:], "chgnet_B": read(REFERENCE / "llzo_B_1200K.extxyz", index=":"),
            "chgnet_C": read(REFERENCE / "llzo_C_1200K.extxyz", index=":")}
    report = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, frames in runs.items():
            report[name] = diffusivity(*after_equilibration(frames, Path(scratch), name))
        for name, path in FITTED.items():
            frames = [f for f in read(path, index=":") if f.info["time_fs"] <= FITTED_UNTIL_FS[name] + 1e-6]
            kept = Path(scratch) / f"{name}.extxyz"
            write(kept, frames, format="extxyz")
            report[name] = diffusivity(kept, frames[-1].info["time_fs"] / 1000.0)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
