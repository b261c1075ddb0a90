"""Benchmark: MSD + D for 3456 atoms × 20 000 frames, sselab against pymatgen-analysis-diffusion.

What is measured
----------------
A synthetic LLZO-sized trajectory (seeded): 1008 "Li" doing Brownian motion (D = 1e-9 m²/s) among
2448 framework atoms vibrating about fixed sites, 20 000 frames 50 fs apart, unwrapped, in memory
as one (frames, atoms, 3) float64 array (1.66 GB). Each side then computes the species MSD over
all time origins and D from it:

* sselab: ``trajectory_from_arrays`` (framework-drift removal) → ``msd_per_atom`` →
  ``estimate_diffusivity`` (window detection, per-atom error);
* peer: ``pymatgen.analysis.diffusion.analyzer.DiffusionAnalyzer(structure, displacements, "Li",
  ..., smoothed="max")``, given the same displacements (its constructor does the MSD and the fit;
  building it from Structures would only add I/O cost to the peer).

Each side runs in its own fresh subprocess; the time is that of the analysis call alone (data
generation excluded), the memory is the peak RSS during the call (VmHWM, reset after the data are made) minus the
RSS just before it (so neither the input array nor its generation is counted). Repeats: median of ``REPEATS``. Both D's are
reported against the true value.

Run as ``python benchmarks/bench_msd.py`` (needs ``pip install 'sselab[test]'`` for the peer);
writes ``results/bench_msd.json``. Needs ~16 GB free memory for the peer.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

from bench_design import environment, write_results

FRAMES, MOBILE, FRAMEWORK = 20_000, 1008, 2448
DT_FS, D_TRUE = 50.0, 1e-9  # fs, m²/s
REPEATS = 3


def synthetic():
    import numpy as np

    rng = np.random.default_rng(2024)
    positions = np.empty((FRAMES, MOBILE + FRAMEWORK, 3))
    step_sigma = np.sqrt(2 * D_TRUE * 1e5 * DT_FS)  # D in Å²/fs
    positions[:, :MOBILE] = np.cumsum(rng.normal(0, step_sigma, (FRAMES, MOBILE, 3)), axis=0)
    positions[:, MOBILE:] = rng.random((1, FRAMEWORK, 3)) * 40.0 + rng.normal(0, 0.1, (FRAMES, FRAMEWORK, 3))
    return positions


def status_mb(field: str) -> float:
    """VmRSS or VmHWM (peak RSS) of this process, MB."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(f"{field}:"):
                return float(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0), so the data generation's peak is not counted."""
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")


def measure(side: str) -> dict:
    """Run inside a subprocess: generate the data, time one analysis, report peak memory."""
    positions = synthetic()
    reset_peak()
    before = status_mb("VmRSS")
    started = time.perf_counter()
    if side == "sselab":
        from sselab.analysis.msd import estimate_diffusivity, msd_per_atom
        from sselab.analysis.trajectory import trajectory_from_arrays

        symbols = ["Li"] * MOBILE + ["O"] * FRAMEWORK
        trajectory = trajectory_from_arrays(symbols, positions, DT_FS, ["Li"])
        del positions
        estimate = estimate_diffusivity("Li", msd_per_atom(trajectory.displacements["Li"], max_lag=FRAMES // 2), DT_FS, frames=FRAMES)
        diffusivity, stderr = estimate.diffusivity, estimate.diffusivity_stderr
    else:
        from pymatgen.analysis.diffusion.analyzer import DiffusionAnalyzer
        from pymatgen.core import Lattice, Structure

        structure = Structure(Lattice.cubic(40.0), ["Li"] * MOBILE + ["O"] * FRAMEWORK, positions[0] / 40.0)
        displacements = (positions - positions[0]).transpose(1, 0, 2)
        del positions
        analyzer = DiffusionAnalyzer(structure, displacements, "Li", 1200, DT_FS, 1, smoothed="max")
        diffusivity, stderr = analyzer.diffusivity * 1e-4, analyzer.diffusivity_std_dev * 1e-4
    seconds = time.perf_counter() - started
    peak = status_mb("VmHWM")
    return {"seconds": seconds, "peak_extra_memory_MB": peak - before, "D_m2_per_s": diffusivity, "D_stderr_m2_per_s": stderr}


def run_side(side: str) -> dict:
    runs = []
    for _ in range(REPEATS):
        output = subprocess.run([sys.executable, __file__, "--side", side], capture_output=True, text=True, check=True)
        runs.append(json.loads(output.stdout.strip().splitlines()[-1]))
        print(f"{side}: {runs[-1]['seconds']:.1f} s, +{runs[-1]['peak_extra_memory_MB']:.0f} MB", flush=True)
    return {
        "median_seconds": statistics.median(r["seconds"] for r in runs),
        "median_peak_extra_memory_MB": statistics.median(r["peak_extra_memory_MB"] for r in runs),
        "runs": runs,
    }


def main() -> None:
    ours = run_side("sselab")
    peer = run_side("pymatgen")
    results = {
        **environment(),
        "versions_peer": {"pymatgen-analysis-diffusion": version("pymatgen-analysis-diffusion"), "pymatgen": version("pymatgen")},
        "case": {"frames": FRAMES, "atoms": MOBILE + FRAMEWORK, "mobile_atoms": MOBILE, "frame_interval_fs": DT_FS,
                 "true_D_m2_per_s": D_TRUE, "input_array_GB": FRAMES * (MOBILE + FRAMEWORK) * 3 * 8 / 1e9},
        "sselab": ours,
        "pymatgen_analysis_diffusion": peer,
        "speedup": peer["median_seconds"] / ours["median_seconds"],
        "memory_ratio_peer_over_sselab": peer["median_peak_extra_memory_MB"] / ours["median_peak_extra_memory_MB"],
        "goal": "sselab >= 10x faster and less memory than the peer",
    }
    write_results(Path(__file__).parent / "results" / "bench_msd.json", results)
    print(f"speedup {results['speedup']:.1f}x, memory ratio {results['memory_ratio_peer_over_sselab']:.1f}x")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--side":
        print(json.dumps(measure(sys.argv[2])))
    else:
        main()
