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

import numpy as np
from bench_design import environment, median_seconds, write_results

from sselab.continuum.ion_exchange import DesignBounds, ExchangeProcess
from sselab.continuum.ion_exchange_map import MapSpec, assemble_map, map_row
from sselab.params.ions import load_host, load_ion
from sselab.sweep import run_tasks

RESULTS_PATH = Path(__file__).resolve().parent / "results" / "bench_map.json"
TARGET_SECONDS = 20.0
REPEATS = 3


def _task(args: tuple[MapSpec, float, np.ndarray]) -> list[dict]:
    return map_row(*args)


def map_items() -> tuple[MapSpec, np.ndarray, np.ndarray, list[tuple[MapSpec, float, np.ndarray]]]:
    ion = load_ion("Na")
    template = ExchangeProcess(load_host("llzo"), ion, 1200.0, 1e-3, 0.01, 1.0)
    spec = MapSpec(template, DesignBounds(20e-6))
    concentrations = np.linspace(0.01, 0.9 * ion.saturation_concentration, 20)
    ratios = np.geomspace(1e-4, 1e-1, 20)
    return spec, concentrations, ratios, [(spec, float(c), ratios) for c in concentrations]


def main() -> None:
    spec, concentrations, ratios, items = map_items()

    def dask_map():
        rows = run_tasks(_task, items, show_progress=False)
        return assemble_map(spec, concentrations, ratios, [point for row in rows for point in row])

    def serial_map():
        return assemble_map(spec, concentrations, ratios, [point for item in items for point in _task(item)])

    dataset, dask_seconds, dask_runs = median_seconds(dask_map, REPEATS)
    _, serial_seconds, serial_runs = median_seconds(serial_map, REPEATS)
    result = {
        "benchmark": "ion-exchange map, 20 x 20 points, Na+ in LLZO (seed 000 SI.8)",
        "environment": environment(),
        "workers": os.cpu_count(),
        "points": concentrations.size * ratios.size,
        "dask_tasks": len(items),
        "per_point_rtol": spec.rtol,
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
