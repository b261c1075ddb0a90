"""Figures of the li0 domain (seed 002): each takes a result (or the stack) and returns a matplotlib Figure.

Pass ``ax=`` (``axes=`` for the multi-panel figures) to draw into your own figure; otherwise a new
figure is created. No backend is chosen here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sselab.errors import InputError

if TYPE_CHECKING:
    from sselab.continuum.li0_potential import Separator
    from sselab.studies.li0 import Li0Profile, Li0SweepResult


def li0_conductivity(separator: Separator, *, axes: Sequence[Axes] | None = None) -> Figure:
    """Figs. 2a/3b-c: σ_ion, σ_e = A e^{−u} and σ_h = A e^{u} of each layer against μ_Li⁰ (log scale), one panel per layer."""
    low, high = sorted((separator.mu_cathode, separator.mu_anode))
    mu = np.linspace(low - 1.0, high + 1.0, 400)
    kt = separator.thermal_energy
    layers = separator.layers
    if axes is None:
        _, grid = plt.subplots(1, len(layers), figsize=(4.2 * len(layers), 3.6), squeeze=False, sharey=True,
                               constrained_layout=True)
        axes = list(grid[0])
    elif len(axes) != len(layers):
        raise InputError(f"li0_conductivity needs one Axes per layer ({len(layers)}), got {len(axes)}")
    fig = axes[0].figure
    for ax, layer, index in zip(axes, layers, range(len(layers)), strict=True):
        u = (mu - layer.B) / kt
        with np.errstate(over="ignore"):
            ax.semilogy(mu, layer.A * np.exp(-u), color="#1565c0", label="$\\sigma_{e^-}$")
            ax.semilogy(mu, layer.A * np.exp(u), color="#c62828", label="$\\sigma_{h^+}$")
        ax.axhline(layer.sigma_ion, color="black", label="$\\sigma_{Li^+}$")
        ax.axvline(layer.B, color="0.5", ls=":", lw=1)
        for potential in (separator.mu_cathode, separator.mu_anode):
            ax.axvline(potential, color="#2e7d32", ls="--", lw=1)
        ax.set_ylim(layer.A / 1e3, max(1e3 * layer.sigma_ion, 10.0))
        ax.set_xlabel("$\\mu_{Li^0}$ (eV, Li$_{BCC}$ = 0)")
        ax.set_title(layer.name or f"layer {index + 1}")
    axes[0].set_ylabel("conductivity (S/m)")
    axes[0].legend(fontsize=8)
    return fig


def li0_profile(profile: Li0Profile, *, ax: Axes | None = None, title: str | None = None) -> Figure:
    """Figs. 2b-8: μ_Li⁰(x/L) with layers shaded (bottlenecks red), boundary potentials dashed, and an
    inset on each of the two largest jumps. ``title`` defaults to the profile's name."""
    result = profile.analysis
    if result is None:
        raise InputError("this Li0Profile was rebuilt from its summary and holds no profile to draw")
    solution = result.solution
    separator = solution.separator
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.5))
    fig = ax.figure
    shades = ["#eef3fb", "#fbf3ea", "#eef8ee", "#f6eef8"]
    for segment in solution.segments:
        color = "#ffcdd2" if segment.bottleneck else shades[segment.layer % len(shades)]
        ax.axvspan(segment.start, segment.end, color=color, lw=0, zorder=0)
    ax.plot(result.xi, result.mu, color="black", lw=1.6)
    for potential in (separator.mu_cathode, separator.mu_anode):
        ax.axhline(potential, color="#2e7d32", ls="--", lw=1)
    ax.set_xlim(0, 1)
    ax.set_xlabel("x / L (cathode at 0)")
    ax.set_ylabel("$\\mu_{Li^0}$ (eV, Li$_{BCC}$ = 0)")
    name = profile.name if title is None else title
    ax.set_title(f"{name}: $t_{{Li}}$ = {solution.t:.6g}, 1 - $t_{{Li}}$ = {solution.one_minus_t:.3g}")
    for k, jump in enumerate(sorted(result.jumps, key=lambda j: -abs(j.height_eV))[:2]):
        span = max(jump.end - jump.start, 1e-6)
        left, right = max(0.0, jump.start - span), min(1.0, jump.end + span)
        inset = ax.inset_axes([0.06 + 0.5 * k, 0.55, 0.38, 0.35])
        keep = (result.xi >= left) & (result.xi <= right)
        inset.plot(result.xi[keep], result.mu[keep], color="black", lw=1.2)
        inset.set_xlim(left, right)
        inset.tick_params(labelsize=7)
        inset.set_title(f"jump {jump.height_eV:+.2f} eV at {jump.x_over_L:.4g}", fontsize=7)
        ax.indicate_inset_zoom(inset, edgecolor="0.4")
    return fig


def li0_sweep(result: Li0SweepResult, *, axes: Sequence[Axes] | None = None) -> Figure:
    """Jump position (left) and t (right) over (anode potential, B of the swept layer); blank where no steady state."""
    dataset = result.dataset
    if dataset is None:
        raise InputError("this Li0SweepResult was rebuilt from its summary and holds no map to draw")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    elif len(axes) != 2:
        raise InputError(f"li0_sweep needs two Axes, got {len(axes)}")
    fig = axes[0].figure
    for ax, name, cmap in ((axes[0], "jump_x_over_L", "viridis"), (axes[1], "t_li", "magma")):
        mesh = ax.pcolormesh(dataset.mu_anode.values, dataset.B.values, dataset[name].values, cmap=cmap, shading="nearest")
        fig.colorbar(mesh, ax=ax, label=dataset[name].attrs.get("long_name", name))
        ax.set_xlabel("$\\mu_{anode}$ (eV)")
        ax.set_ylabel(f"B of layer {dataset.attrs['layer']} (eV)")
    axes[0].set_title("position of the jump at $\\mu$ = B (x/L)")
    axes[1].set_title("$t_{Li}$ (blank: no steady state)")
    return fig
