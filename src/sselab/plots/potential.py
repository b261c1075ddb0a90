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


def learning_figure(rounds: list[dict], gates: dict[str, float], *, axes=None) -> plt.Figure:
    """Errors of each active-learning round on the MD frames it explored (before they were added), per kind, with the gates."""
    if axes is None:
        fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), constrained_layout=True)
    else:
        fig = axes[0].figure
    keys = (("energy_rmse_meV_per_atom", "energy RMSE (meV/atom)", gates["energy_meV_per_atom"]),
            ("force_rmse_eV_per_A", "force RMSE (eV/Å)", gates["force_eV_per_A"]),
            ("stress_rmse_GPa", "stress RMSE (GPa)", gates["stress_GPa"]))
    numbers = [r["round"] for r in rounds]
    kinds = sorted({k for r in rounds for k in r["candidates"] if k != "all"})
    for ax, (key, label, gate) in zip(axes, keys):
        for kind in kinds:
            values = [r["candidates"].get(kind, {}).get(key, np.nan) for r in rounds]
            ax.plot(numbers, values, marker="o", label=kind)
        ax.axhline(gate, color="0.3", ls="--", lw=0.8, label="gate")
        ax.set_xlabel("round")
        ax.set_ylabel(label)
        ax.set_yscale("log")
        ax.set_xticks(numbers)
    axes[0].legend(fontsize=8)
    return fig
