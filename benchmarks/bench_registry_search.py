"""Benchmark: calculations Bayesian optimisation needs to find an interface registry, against the grid (seed 004).

What is measured
----------------
The interface is built as ``sselab interface search`` builds it, and the objective is evaluated at every point
of seed 004's shift grid (0.25 Å steps, [0, 3] Å laterally, [0, 0.75] Å vertically: 676 points): that is the grid
search, the peer. Bayesian optimisation (GP + RBF, Expected Improvement, 3 random starting points) is then run
on the same objective values for ``SEEDS`` different random starts, with the paper's rule (3 random points,
stop after no improvement in 2 steps), a patience of 6, and 20 random starting points with a patience of 6. Reported per rule: median and range of calculations, the
fraction of runs reaching the grid minimum, the mean excess energy over it, and calculations relative to the grid.

Objective: single-point energies (``--objective single-point``) — the paper relaxes every candidate, which is
out of reach for 676 relaxations on a CPU; the search logic is the same. Calculator: CHGNet by default.

Run as ``python benchmarks/bench_registry_search.py SUBSTRATE FILM H K L H K L [calculator] [cache.db]``, e.g.
``python benchmarks/bench_registry_search.py licoo2 runs/seed004/lzo-model/best.extxyz 1 0 4 0 0 1``; writes
``results/bench_registry_search.json``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from bench_design import environment, write_results

from sselab.atomistic.engine import as_engine
from sselab.atomistic.properties.registry import ShiftGrid, bayesian_search
from sselab.studies.interface_search import InterfaceSpec

RESULTS_PATH = Path(__file__).parent / "results" / "bench_registry_search.json"
SEEDS = 20
RULES = ((3, 2), (3, 6), (20, 6))  # (random starting points, patience): the paper's rule, a patient one, a wider start


def main() -> None:
    substrate, film = sys.argv[1], sys.argv[2]
    substrate_miller = tuple(int(x) for x in sys.argv[3:6])
    film_miller = tuple(int(x) for x in sys.argv[6:9])
    calculator = sys.argv[9] if len(sys.argv) > 9 else "chgnet"
    database = sys.argv[10] if len(sys.argv) > 10 else None  # a result cache that `sselab interface search` can reuse
    model = InterfaceSpec(substrate_miller=substrate_miller, film_miller=film_miller).build(substrate, film).model
    engine = as_engine(calculator, db=database)
    points = ShiftGrid().points()
    start = time.perf_counter()
    grid = np.array([engine.energy(model.shifted(p)).get_potential_energy() for p in points])
    grid_time = time.perf_counter() - start
    computed = engine.cache.stats.computed
    best = float(grid.min())
    rules = {}
    for initial, patience in RULES:
        runs = [bayesian_search(lambda i: float(grid[i]), points, initial=initial, patience=patience, seed=seed) for seed in range(SEEDS)]
        evaluations = np.array([r.evaluations for r in runs])
        excess = np.array([r.best_value - best for r in runs])
        rules[f"initial_{initial}_patience_{patience}"] = {
            "median_calculations": float(np.median(evaluations)),
            "min_calculations": int(evaluations.min()),
            "max_calculations": int(evaluations.max()),
            "fraction_reaching_grid_minimum": float(np.mean(excess <= 1e-6)),
            "mean_excess_eV": float(excess.mean()),
            "max_excess_eV": float(excess.max()),
            "calculation_ratio_to_grid": float(np.median(evaluations) / len(points)),
        }
    atoms = model.atoms()
    result = {
        "benchmark": "interface registry search: Bayesian optimisation vs grid (seed 004)",
        **environment(),
        "interface": {"substrate": substrate, "film": film, "substrate_miller": list(substrate_miller), "film_miller": list(film_miller),
                      "atoms": len(atoms), "area_A2": model.area_A2, "film_strains": list(model.film_strains)},
        "calculator": engine.spec.identity(),
        "objective": "single-point energy",
        "grid_points": len(points),
        "grid_calculations_computed": computed,
        "grid_wall_time_s": grid_time if computed == len(points) else None,
        "seconds_per_calculation": grid_time / len(points) if computed == len(points) else None,
        "grid_note": "computed in this run" if computed == len(points) else f"{len(points) - computed} of the grid energies came from the result cache: no timing",
        "grid_minimum_shift_A": points[int(grid.argmin())].tolist(),
        "grid_energy_range_eV": float(grid.max() - grid.min()),
        "seeds": SEEDS,
        "bayesian": rules,
    }
    write_results(RESULTS_PATH, result)


if __name__ == "__main__":
    main()
