"""Figures of the segregation domain: each function takes a result and returns a matplotlib Figure."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from sselab.plots.style import BOUND_COLOR

MODE_STYLES = {"as-cleaved": ("s--", "#9e9e9e"), "relaxed-surface": ("o--", "#1f77b4"), "fully-relaxed": ("D-", "#c62828")}
MODE_LABELS = {"as-cleaved": "as cleaved", "relaxed-surface": "relaxed host, unrelaxed vacancy",
               "fully-relaxed": "relaxed vacancy"}


def vacancy_profile_figure(profiles: dict[str, dict[int, float]], title: str, reference: dict[int, float] | None = None,
                           reference_label: str = "free surface",
                           sites: dict[str, list[tuple[int, float]]] | None = None) -> plt.Figure:
    """E_V against metal plane (1 = interface or surface, last = middle of the slab), per mode (seed 001 Figs. 1b, 3c).

    Lines join the plane means; ``sites`` (mode → (plane, E_V) of each distinct site) adds the
    site-resolved spread of an incoherent interface as small markers (Fig. 6).
    """
    fig, ax = plt.subplots(figsize=(5.5, 4), constrained_layout=True)
    for mode, energies in profiles.items():
        style, color = MODE_STYLES.get(mode, ("o-", "k"))
        planes = sorted(energies)
        ax.plot(planes, [energies[p] for p in planes], style, color=color, label=MODE_LABELS.get(mode, mode))
        spread = (sites or {}).get(mode, [])
        if len(spread) > len(planes):
            ax.plot([p for p, _ in spread], [e for _, e in spread], "_", ms=14, mew=2, color=color, alpha=0.7)
    if reference:
        planes = sorted(reference)
        ax.plot(planes, [reference[p] for p in planes], "^", ms=8, color="#2a9d4b", label=reference_label)
    ax.set_xlabel("metal plane (1 = interface / surface)")
    ax.set_ylabel("vacancy formation energy $E_{V}$ (eV)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def segregation_map(points: Sequence[dict]) -> plt.Figure:
    """Seed 001 Fig. 4: computed ΔE_bulk-int against (σ_m − W_ad/2)/ρ, with the model line y = x."""
    fig, ax = plt.subplots(figsize=(8.5, 4.8), constrained_layout=True)
    x = np.array([p["sigma_minus_half_w_eV_per_atom"] for p in points])
    span = max(0.5, float(np.abs(x).max()) * 1.2 if len(x) else 0.5)
    line = np.linspace(-span, span, 2)
    ax.plot(line, line, "-.", color="k", label="bond-breaking model, eq. 11")
    ax.axhline(0, color="#bbbbbb", lw=0.8)
    ax.axvline(0, color="#bbbbbb", lw=0.8)
    ax.plot([0], [0], "o", color=BOUND_COLOR, ms=7, label="$W_{ad} = 2\\sigma_m$")
    colors = plt.get_cmap("tab20")
    for i, point in enumerate(points):
        filled = point["metal"].lower().startswith("li")
        termination = f" {point['substrate_termination']}" if point.get("substrate_termination") else ""
        ax.plot(point["sigma_minus_half_w_eV_per_atom"], point["delta_e_bulk_int_eV"], "D", ms=8,
                color=colors(i % 20), mfc=colors(i % 20) if filled else "white", mew=1.5,
                label=f"{point['metal']}/{point['substrate']}{termination} ({point.get('calculator', '')})")
    ax.text(0.03, 0.95, "vacancies segregate to the interface", transform=ax.transAxes, fontsize=8, va="top")
    ax.text(0.97, 0.05, "vacancies injected into the bulk", transform=ax.transAxes, fontsize=8, ha="right")
    ax.set_xlabel("$(\\sigma_m - W_{ad}/2)/\\rho$ (eV per surface atom)")
    ax.set_ylabel("$\\Delta E^{Bulk-Int}_{Vm}$ (eV), relaxed vacancy")
    ax.set_title("Li: filled, Na: open", fontsize=9)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return fig


def neb_figure(path: Sequence[float], energies: Sequence[float], title: str) -> plt.Figure:
    """Seed 001 Fig. 2: energy along the band, relative to the initial state."""
    fig, ax = plt.subplots(figsize=(5, 3.5), constrained_layout=True)
    energies = np.asarray(energies) - energies[0]
    ax.plot(path, energies, "o-", color="#1f3b73")
    top = int(np.argmax(energies))
    ax.annotate(f"{energies[top]:.3f} eV", (path[top], energies[top]), textcoords="offset points", xytext=(0, 6), ha="center")
    ax.margins(y=0.18)
    ax.set_xlabel("reaction coordinate (Å)")
    ax.set_ylabel("E − E$_{initial}$ (eV)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return fig
