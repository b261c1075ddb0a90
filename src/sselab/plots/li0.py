"""Figures of the li0 domain: each function takes a result and returns a matplotlib Figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr


def li0_conductivity(separator) -> plt.Figure:
    """Figs. 2a/3b-c: σ_ion, σ_e and σ_h of each layer against μ_Li⁰ (log scale)."""
    mu = np.linspace(min(separator.mu_cathode, separator.mu_anode) - 1.0, max(separator.mu_cathode, separator.mu_anode) + 1.0, 400)
    kt = separator.thermal_energy
    layers = separator.layers
    fig, axes = plt.subplots(1, len(layers), figsize=(4.2 * len(layers), 3.6), squeeze=False, sharey=True, constrained_layout=True)
    for ax, layer, index in zip(axes[0], layers, range(len(layers)), strict=True):
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
    axes[0, 0].set_ylabel("conductivity (S/m)")
    axes[0, 0].legend(fontsize=8)
    return fig


def li0_profile(result, title: str) -> plt.Figure:
    """Figs. 2b-8: μ_Li⁰(x/L) with layers shaded, boundary potentials dashed, and an inset per jump."""
    solution = result.solution
    separator = solution.separator
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
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
    ax.set_title(f"{title}: $t_{{Li}}$ = {solution.t:.6g}, 1 - $t_{{Li}}$ = {solution.one_minus_t:.3g}")
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


def li0_sweep(dataset: xr.Dataset) -> plt.Figure:
    """Jump position and t over (anode potential, B) of the swept layer."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    for ax, name, cmap in ((axes[0], "jump_x_over_L", "viridis"), (axes[1], "t_li", "magma")):
        mesh = ax.pcolormesh(dataset.mu_anode.values, dataset.B.values, dataset[name].values, cmap=cmap, shading="nearest")
        fig.colorbar(mesh, ax=ax, label=dataset[name].attrs.get("long_name", name))
        ax.set_xlabel("$\\mu_{anode}$ (eV)")
        ax.set_ylabel(f"B of layer {dataset.attrs['layer']} (eV)")
    axes[0].set_title("position of the jump at $\\mu$ = B (x/L)")
    axes[1].set_title("$t_{Li}$ (blank: no steady state)")
    return fig
