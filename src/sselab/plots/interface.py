"""Figures of the interface domain (seed 004 Figs. S4/S6): each takes a result and returns the Figure."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np

from sselab.errors import InputError

if TYPE_CHECKING:
    from sselab.studies.interface_search import RegistrySearchResult


def registry_search_figure(result: RegistrySearchResult, axes=None) -> plt.Figure:
    """Registry search: lowest energy found vs calculations (BO and grid), and the evaluated shifts in the lateral plane.

    Needs the raw searches of a run (a result restored from its summary dict has only their progress curves).
    """
    results, points = result.searches, result.points
    if not results or points is None:
        raise InputError("the registry figure needs the searches of a run, not a result restored from its summary")
    if axes is None:
        fig, (left, right) = plt.subplots(1, 2, figsize=(9.5, 3.8))
        created = True
    else:
        (left, right), created = axes, False
        fig = left.figure
    styles = {"bo": ("o-", "#c62828", "Bayesian optimisation"), "grid": ("-", "#555555", "grid search")}
    reference = min(r.best_value for r in results.values())
    for name, search in results.items():
        style, color, label = styles[name]
        steps = np.arange(1, search.evaluations + 1)
        left.plot(steps, search.best_so_far() - reference, style, color=color, ms=3,
                  label=f"{label} ({search.evaluations} calcs)")
    left.set_xscale("log")
    left.set_xlabel("calculations")
    left.set_ylabel("lowest energy so far − overall minimum (eV)")
    left.legend(frameon=False, fontsize=8)
    if "grid" in results:
        values = np.asarray(results["grid"].values)
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
    if created:
        fig.suptitle("Interface registry search", fontsize=10)
        fig.tight_layout()
    return fig
