"""Figures of fitted potentials: parity of energies, forces and stresses against the reference."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np

if TYPE_CHECKING:
    from sselab.atomistic.fitting.metrics import ParityData


def parity_figure(data: ParityData, *, axes=None, title: str = "") -> plt.Figure:
    """Three parity panels (energy per atom, force components, stress components): fitted against reference,
    the diagonal, and the RMSE of each panel; draws on ``axes`` (three Axes) when given."""
    if axes is None:
        fig, axes = plt.subplots(1, 3, figsize=(12, 4), constrained_layout=True)
    else:
        fig = axes[0].figure
    panels = ((data.energy_ref, data.energy_pred, "energy (eV/atom)", 1000.0, "meV/atom"),
              (data.force_ref, data.force_pred, "force component (eV/Å)", 1.0, "eV/Å"),
              (data.stress_ref, data.stress_pred, "stress component (GPa)", 1.0, "GPa"))
    for ax, (ref, pred, label, scale, unit) in zip(axes, panels):
        if ref.size == 0:
            ax.text(0.5, 0.5, "no labels", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            continue
        ax.scatter(ref, pred, s=4, alpha=0.4, color="tab:blue", rasterized=True)
        low, high = float(min(ref.min(), pred.min())), float(max(ref.max(), pred.max()))
        ax.plot([low, high], [low, high], color="0.3", lw=0.8)
        rmse = float(np.sqrt(np.mean((ref - pred) ** 2))) * scale
        ax.set_title(f"RMSE {rmse:.3g} {unit}", fontsize=10)
        ax.set_xlabel(f"reference {label}")
        ax.set_ylabel(f"fitted {label}")
    if title:
        fig.suptitle(title)
    return fig
