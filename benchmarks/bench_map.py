"""Benchmark: the 20 × 20 dimensionless map (seed 000 SI.8) on a local Dask cluster.

What is measured
----------------
The map of ``sselab ion-exchange map --ion Na`` with its defaults (C_s from 1 % to 90 % of d,
t/τ from 10⁻⁴ to 10⁻¹, 1 % target accuracy per point): wall time of computing all 400 points and
assembling the Dataset (one Dask task per C_s row, as the CLI does), median of ``REPEATS`` runs, each run starting its own LocalCluster (one
worker process per core) so that the cluster's start-up is charged. The peer, measured in the
same run, is the same 400 points computed serially in this process; their ratio shows what Dask
buys on this machine. Goal (issue 2): < 20 s on 2 cores.

Run as ``python benchmarks/bench_map.py``; writes ``results/bench_map.json`` next to this file.
"""

from __future__ import annotations

import os
from pathlib import Path

from bench_design import environment, median_seconds, write_results

from sselab.continuum.ion_exchange_map import map_row_task
from sselab.studies.ion_exchange import IonExchangeMap

RESULTS_PATH = Path(__file__).resolve().parent / "results" / "bench_map.json"
TARGET_SECONDS = 20.0
REPEATS = 3


#: the benchmarked map: Na+ in LLZO, 20 C_s x 20 t/tau, 1 mm, 1200 K, a = 20 um (the library's defaults)
SETTINGS = IonExchangeMap(ion="Na", cs_min=0.01, cs_count=20, ratio_min=1e-4, ratio_max=1e-1, ratio_count=20)


def main() -> None:
    grid = SETTINGS.grid()

    def dask_map():
        return SETTINGS.run(progress=False).solved()

    def serial_map():
        return grid.assemble([map_row_task(task) for task in grid.tasks()])

    dataset, dask_seconds, dask_runs = median_seconds(dask_map, REPEATS)
    _, serial_seconds, serial_runs = median_seconds(serial_map, REPEATS)
    result = {
        "benchmark": "ion-exchange map, 20 x 20 points, Na+ in LLZO (seed 000 SI.8)",
        "environment": environment(),
        "workers": os.cpu_count(),
        "points": grid.points,
        "dask_tasks": len(grid.tasks()),
        "per_point_rtol": grid.spec.rtol,
        "max_estimated_relative_error": float(dataset.estimated_relative_error.max()),
        "dask_median_s": dask_seconds,
        "dask_runs_s": dask_runs,
        "serial_median_s": serial_seconds,
        "serial_runs_s": serial_runs,
        "ratio_serial_over_dask": serial_seconds / dask_seconds,
        "target": f"20 x 20 map < {TARGET_SECONDS:g} s on 2 cores",
        "meets_target": dask_seconds < TARGET_SECONDS,
    }
    print(f"map 20x20: Dask {dask_seconds:.2f} s, serial {serial_seconds:.2f} s (x{serial_seconds / dask_seconds:.2f}); "
          f"target < {TARGET_SECONDS:g} s: {'met' if result['meets_target'] else 'MISSED'}")
    write_results(RESULTS_PATH, result)


if __name__ == "__main__":
    main()
