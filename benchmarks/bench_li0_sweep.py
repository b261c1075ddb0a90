"""Benchmark: a 50 × 50 Li⁰ sweep (anode potential × B of the anodic layer) on a local Dask cluster.

What is measured
----------------
The map of ``sselab li0 sweep fig5c`` with its defaults (μ_anode from −0.2 to 0.3 eV, B_anodic from
−1.0 to −0.5 eV, 2500 steady-state solves of a bilayer with three ionic bottlenecks, one Dask task
per B row, :func:`sselab.studies.li0.solve_sweep_row`): wall time including the LocalCluster's
start-up, median of ``REPEATS`` runs. The peer, measured in the same run, is the same rows computed
serially in this process. Goal (issue 3): < 60 s on 2 cores.

Run as ``python benchmarks/bench_li0_sweep.py``; writes ``results/bench_li0_sweep.json``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from bench_design import environment, median_seconds, write_results

from sselab.studies.li0 import Li0Case, Li0Sweep, solve_sweep_row
from sselab.sweep import run_tasks

RESULTS_PATH = Path(__file__).resolve().parent / "results" / "bench_li0_sweep.json"
TARGET_SECONDS = 60.0
REPEATS = 3


def main() -> None:
    settings = Li0Sweep()  # the CLI's defaults: 50 anode potentials in [-0.2, 0.3] eV x 50 B in [-1.0, -0.5] eV, anodic layer
    rows = settings.tasks(Li0Case.load("fig5c").separator)
    anodes = settings.anodes_eV
    dask_points, dask_seconds, dask_runs = median_seconds(lambda: run_tasks(solve_sweep_row, rows, show_progress=False), REPEATS)
    serial_points, serial_seconds, serial_runs = median_seconds(lambda: [solve_sweep_row(row) for row in rows], 1)
    t_dask = np.array([[p["t"] for p in row] for row in dask_points])
    t_serial = np.array([[p["t"] for p in row] for row in serial_points])
    result = {
        "benchmark": "li0 sweep, 50 x 50 (mu_anode x B_anodic), fig5c stack (seed 002)",
        "environment": environment(),
        "workers": os.cpu_count(),
        "points": int(anodes.size * len(rows)),
        "no_steady_state_points": int(np.isnan(t_dask).sum()),
        "serial_and_dask_agree": bool(np.allclose(t_dask, t_serial, equal_nan=True, rtol=0, atol=0)),
        "dask_median_s": dask_seconds,
        "dask_runs_s": dask_runs,
        "serial_s": serial_seconds,
        "ratio_serial_over_dask": serial_seconds / dask_seconds,
        "target": f"50 x 50 sweep < {TARGET_SECONDS:g} s on 2 cores",
        "meets_target": dask_seconds < TARGET_SECONDS,
    }
    print(f"li0 sweep 50x50: Dask {dask_seconds:.1f} s, serial {serial_seconds:.1f} s; "
          f"target < {TARGET_SECONDS:g} s: {'met' if result['meets_target'] else 'MISSED'}")
    write_results(RESULTS_PATH, result)


if __name__ == "__main__":
    main()
