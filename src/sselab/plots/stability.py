"""Figures of the stability domain (seed 004 Fig. 2b): each takes a result and returns the Figure."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np

if TYPE_CHECKING:
    from sselab.studies.stability import ReactivityResult


def reactivity_heatmap(result: ReactivityResult, ax=None) -> plt.Figure:
    """Seed 004 Fig. 2b: minimum mutual reaction energy, cathodes (rows) × coatings (columns), eV/atom."""
    matrix, cathodes, coatings = np.asarray(result.matrix, dtype=float), result.cathodes, result.coatings
    if ax is None:
        fig, ax = plt.subplots(figsize=(1.1 * len(coatings) + 2.5, 0.6 * len(cathodes) + 1.8))
        created = True
    else:
        fig, created = ax.figure, False
    limit = max(float(np.abs(matrix).max()), 1e-3)
    image = ax.imshow(matrix, cmap="RdYlBu", vmin=-limit, vmax=0.0, aspect="auto")
    for (i, j), value in np.ndenumerate(matrix):
        red, green, blue, _ = image.cmap(image.norm(value))
        luminance = 0.299 * red + 0.587 * green + 0.114 * blue
        ax.text(j, i, f"{value + 0.0:.2f}", ha="center", va="center", fontsize=8, color="white" if luminance < 0.5 else "black")
    ax.set_xticks(range(len(coatings)), coatings, rotation=45, ha="right")
    ax.set_yticks(range(len(cathodes)), cathodes)
    fig.colorbar(image, ax=ax, label=r"$\Delta E_{mutual,min}$ (eV/atom)")
    ax.set_title("Cathode–coating reactivity (red: most reactive)", fontsize=10)
    if created:
        fig.tight_layout()
    return fig
