"""Figures of a compound's surface terminations (seed 004 Table S1): each takes a result and returns the Figure."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np

from sselab.plots.style import BOUND_COLOR, model_label

if TYPE_CHECKING:
    from sselab.studies.surfaces import TerminationScanResult


def termination_figure(result: TerminationScanResult, ax=None) -> plt.Figure:
    """σ of every computed cut (J/m², lowest first) as horizontal bars with the fit's standard error; each bar is
    labelled by facet, cut index and its two faces' outer-1-Å compositions; the lowest non-polar cut is drawn in red,
    polar cuts hatched (their σ is the calculator's alone), compensated cuts marked."""
    rows = sorted(result.terminations, key=lambda row: row["surface_energy_J_per_m2"])
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 0.32 * len(rows) + 1.4))
        created = True
    else:
        fig, created = ax.figure, False
    sigma = np.array([row["surface_energy_J_per_m2"] for row in rows])
    error = np.nan_to_num(np.array([row["surface_energy_stderr_J_per_m2"] for row in rows], dtype=float))
    labels = [f"({''.join(map(str, row['miller']))}) #{row['termination']}  {row['top']} | {row['bottom']}"
              f"{'  polar' if row['polar'] else ''}{'  (compensated)' if row.get('compensation') else ''}" for row in rows]
    lowest = result.lowest or {}
    colors = [BOUND_COLOR if (row["miller"], row["termination"]) == (lowest.get("miller"), lowest.get("termination"))
              else "#d9dee5" if row["polar"] else "#7a8ca3" for row in rows]
    positions = np.arange(len(rows))[::-1]
    bars = ax.barh(positions, sigma, xerr=error, color=colors, height=0.7, capsize=2, edgecolor="#7a8ca3")
    for bar, row in zip(bars, rows):
        if row["polar"]:
            bar.set_hatch("///")
    ax.set_yticks(positions, labels, fontsize=7)
    ax.set_xlabel(r"$\sigma$ (J/m$^2$; mean of the two faces)")
    state = "relaxed" if result.relaxed else "as cleaved"
    ax.set_title(f"{result.structure}: surface energy per cut ({state}, {model_label(result.model)})", fontsize=9)
    if created:
        fig.tight_layout()
    return fig
