"""Figures of the interface domain: each function takes a result and returns a matplotlib Figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def registry_search_figure(points: np.ndarray, results: dict) -> plt.Figure:
    """Registry search: lowest energy found vs calculations (BO and grid), and the evaluated shifts in the lateral plane."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.5, 3.8))
    styles = {"bo": ("o-", "#c62828", "Bayesian optimisation"), "grid": ("-", "#555555", "grid search")}
    reference = min(r.best_value for r in results.values())
    for name, result in results.items():
        style, color, label = styles[name]
        steps = np.arange(1, result.evaluations + 1)
        left.plot(steps, result.best_so_far() - reference, style, color=color, ms=3, label=f"{label} ({result.evaluations} calcs)")
    left.set_xscale("log")
    left.set_xlabel("calculations")
    left.set_ylabel("lowest energy so far − overall minimum (eV)")
    left.legend(frameon=False, fontsize=8)
    if "grid" in results:
        grid = results["grid"]
        values = np.asarray(grid.values)
        lowest_per_column: dict[tuple[float, float], float] = {}
        for (a, b, _), value in zip(points, values):
            key = (round(a, 6), round(b, 6))
            lowest_per_column[key] = min(value, lowest_per_column.get(key, np.inf))
        keys = np.array(list(lowest_per_column))
        image = right.scatter(keys[:, 0], keys[:, 1], c=np.array(list(lowest_per_column.values())) - reference, cmap="viridis", s=40, marker="s")
        fig.colorbar(image, ax=right, label="min over vertical shifts − minimum (eV)")
    if "bo" in results:
        shifts = points[list(results["bo"].evaluated)]
        right.plot(shifts[:, 0], shifts[:, 1], "o-", color="#c62828", mfc="white", ms=5, lw=0.8, label="BO path")
        best = points[results["bo"].best_index]
        right.plot(best[0], best[1], "*", color="#c62828", ms=14, label="BO best")
        right.legend(frameon=False, fontsize=8)
    right.set_xlabel("shift along a (Å)")
    right.set_ylabel("shift along b (Å)")
    fig.suptitle("Interface registry search", fontsize=10)
    fig.tight_layout()
    return fig
