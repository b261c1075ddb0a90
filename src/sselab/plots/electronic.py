"""Figures of electronic structure: aligned DOS panels, layer-resolved DOS stacks, the excess-charge profile."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np

if TYPE_CHECKING:
    from sselab.studies.electronic import DOSResult, ExcessChargeResult

_SHOWN_BELOW_VBM_EV = 8.0
_SHOWN_ABOVE_CBM_EV = 4.0


def dos_figure(result: DOSResult, *, axes=None) -> plt.Figure:
    """Total DOS with the element PDOS stacked under it, energies from the VBM, the gap shaded and gap states
    marked; with layers, a second panel with one DOS curve per layer, offset upwards along the axis."""
    panels = 2 if result.layer_pdos else 1
    if axes is None:
        fig, axes = plt.subplots(1, panels, figsize=(6.5 * panels, 4.2), constrained_layout=True, squeeze=False)
        axes = axes[0]
    else:
        axes = np.atleast_1d(axes)
        fig = axes[0].figure
    vbm, gap = result.edges.vbm_eV, result.edges.gap_eV
    energy = result.energies_eV - vbm
    shown = (energy > -_SHOWN_BELOW_VBM_EV) & (energy < gap + _SHOWN_ABOVE_CBM_EV)
    ax = axes[0]
    bottom = np.zeros_like(energy)
    for name, values in sorted(result.element_pdos.items(), key=lambda item: -item[1][shown].max()):
        ax.fill_between(energy[shown], bottom[shown], (bottom + values)[shown], alpha=0.6, lw=0, label=name)
        bottom = bottom + values
    ax.plot(energy[shown], result.dos[shown], color="k", lw=0.8, label="total")
    ax.axvspan(0.0, gap, color="0.9", zorder=0, label=f"gap {gap:.2f} eV")
    for state in result.gap_states:
        ax.axvline(state.energy_above_vbm_eV + (result.reference_edges.vbm_eV + result.alignment_eV - vbm if result.alignment_eV
                                                is not None else 0.0), color="tab:red", lw=0.8, ls=":")
    ax.set_xlabel("energy − VBM (eV)")
    ax.set_ylabel("DOS (states/eV/cell)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, frameon=False)
    if result.layer_pdos:
        ax = axes[1]
        peak = max(values[shown].max() for values in result.layer_pdos.values()) or 1.0
        for offset, (name, values) in enumerate(result.layer_pdos.items()):
            ax.fill_between(energy[shown], offset, offset + 0.9 * values[shown] / peak, color=plt.cm.viridis(offset / len(result.layer_pdos)))
            ax.text(energy[shown][0], offset + 0.1, name, fontsize=7, va="bottom")
        ax.axvspan(0.0, gap, color="0.9", zorder=0)
        ax.set_xlabel("energy − VBM (eV)")
        ax.set_ylabel(f"layer along {'abc'[result.layer_axis]} (DOS scaled)")
        ax.set_yticks([])
    return fig


def excess_figure(result: ExcessChargeResult, *, ax=None) -> plt.Figure:
    """The planar average of the excess density along the windows' axis, the windows shaded with their fractions."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 3.8), constrained_layout=True)
    else:
        fig = ax.figure
    ax.plot(result.z_A, result.line_density, color="tab:blue", lw=1.2)
    ax.axhline(0.0, color="0.5", lw=0.6)
    for number, window in enumerate(result.windows):
        fraction = result.fraction_by_window.get(window.name, np.nan)
        ax.axvspan(window.low_A, window.high_A, color=plt.cm.tab10(number % 10), alpha=0.15)
        ax.text((window.low_A + window.high_A) / 2, 0.98, f"{window.name}\n{fraction:.0%}", transform=ax.get_xaxis_transform(),
                ha="center", va="top", fontsize=8)
    ax.set_xlabel(f"position along {'abc'[result.axis]} (Å)")
    ax.set_ylabel("excess electrons per Å")
    ax.set_title(f"∫Δn = {result.excess_charge_e:.3f} e, localization volume {result.localization_volume_A3:.0f} Å³", fontsize=10)
    return fig
