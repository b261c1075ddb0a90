"""Figures of the fracture domain: a tensile curve with its elastic fit, peak and failure marked."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np


def plot_stress_strain(curve, properties: dict[str, Any], *, ax=None):
    """σ (GPa) against engineering strain (%) of a :class:`~sselab.analysis.tensile.TensileCurve`, with the elastic
    line E ε over the fitted window, the peak and (if reached) the failure strain; returns the Axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.8))
    strain = 100 * np.asarray(curve.strain)
    ax.plot(strain, curve.stress_GPa, color="0.2", lw=1.2, label="MD")
    window = np.asarray(curve.strain) <= properties["elastic_max_strain"]
    offset = float(np.mean(curve.stress_GPa[window] - properties["youngs_modulus_GPa"] * np.asarray(curve.strain)[window]))
    fit = np.linspace(0, 1.5 * properties["elastic_max_strain"], 20)
    ax.plot(100 * fit, offset + properties["youngs_modulus_GPa"] * fit, color="tab:blue", lw=2,
            label=f"E = {properties['youngs_modulus_GPa']:.0f} GPa, ν = {properties['poisson_ratio']:.2f}")
    ax.plot(100 * properties["peak_strain"], properties["peak_stress_GPa"], "o", color="tab:red",
            label=f"peak {properties['peak_stress_GPa']:.1f} GPa")
    if properties.get("failure_strain") is not None:
        ax.axvline(100 * properties["failure_strain"], color="tab:red", ls=":", label=f"failure at {100 * properties['failure_strain']:.1f} %")
    ax.set_xlabel(f"engineering strain along {curve.axis} (%)")
    ax.set_ylabel("tensile stress (GPa)")
    ax.axhline(0, color="0.7", lw=0.6)
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_campaign_curves(curves: dict[str, list[tuple[np.ndarray, np.ndarray]]], *, ylabel: str = "tensile stress (GPa)",
                         ax=None):
    """A quantity (the stress in GPa by default; name it with ``ylabel``) against strain (%) of every replica, one colour
    per model (thin: replicas, thick: their mean on a common strain grid); returns the Axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 4.0))
    for k, (model, replicas) in enumerate(curves.items()):
        color = f"C{k}"
        for strain, stress in replicas:
            ax.plot(100 * strain, stress, color=color, lw=0.6, alpha=0.45)
        if replicas:
            grid = np.linspace(0.0, min(float(s.max()) for s, _ in replicas), 200)
            mean = np.mean([np.interp(grid, s, y) for s, y in replicas], axis=0)
            ax.plot(100 * grid, mean, color=color, lw=2.0, label=f"{model} ({len(replicas)})")
    ax.axhline(0, color="0.7", lw=0.6)
    ax.set_xlabel("engineering strain (%)")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize=8, title="model (replicas)", title_fontsize=8)
    return ax


def plot_amorphization(rdfs: dict[str, dict[str, np.ndarray]], thermo_files, *, axes=None):
    """Left: the region's partial RDFs before (dashed) and after (solid) a melt–quench, one pair above the next;
    right: the region's temperature through the melt and the quench (from the stages' thermo CSVs). Returns the Axes
    pair (the figure is ``axes[0].figure``)."""
    import csv

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9.5, 3.8))
    left, right = axes
    r = rdfs["r_A"]["r"]
    for k, (name, g_after) in enumerate(sorted(rdfs["after"].items())):
        shift = 4.0 * k
        color = f"C{k}"
        left.plot(r, shift + rdfs["before"][name], color=color, ls="--", lw=0.9)
        left.plot(r, shift + g_after, color=color, lw=1.4, label=name)
    left.set_xlabel("r (Å)")
    left.set_ylabel("g(r) of the region (offset by 4 per pair)")
    left.set_title("dashed: before, solid: after", fontsize=9)
    left.legend(frameon=False, fontsize=8)
    offset = 0.0
    for path in thermo_files:
        with open(path, newline="") as handle:
            rows = list(csv.DictReader(handle))
        if not rows:
            continue
        t = offset + np.array([float(row["time_fs"]) for row in rows]) / 1000.0
        right.plot(t, [float(row["temperature_K"]) for row in rows], lw=1.0, label=path.stem)
        offset = float(t[-1])
    right.set_xlabel("time (ps)")
    right.set_ylabel("temperature of the region (K)")
    right.legend(frameon=False, fontsize=8)
    return axes


def plot_bond_evolution(evolution, *, ax=None):
    """Bonds left (% of the first frame's) against strain (%) per pair, onsets and steepest losses marked; returns the Axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.8))
    strain = 100 * np.asarray(evolution.strain)
    for k, pair in enumerate(evolution.counts):
        color = f"C{k}"
        ax.plot(strain, 100 * evolution.relative(pair), color=color, lw=1.3, label=pair)
        onset = evolution.onset_strain(pair)
        if onset is not None:
            ax.axvline(100 * onset, color=color, ls=":", lw=1.0)
        steepest = evolution.steepest_drop_strain(pair)
        if steepest is not None:
            ax.plot(100 * steepest, float(np.interp(steepest, evolution.strain, 100 * evolution.relative(pair))), "v",
                    color=color, ms=6)
    ax.axhline(100 * (1 - evolution.threshold), color="0.6", lw=0.6, ls="--")
    ax.set_xlabel("engineering strain (%)")
    ax.set_ylabel("bonds left (% of the first frame)")
    ax.legend(frameon=False, fontsize=8, title="dotted: onset; ▼ steepest loss", title_fontsize=8)
    return ax
