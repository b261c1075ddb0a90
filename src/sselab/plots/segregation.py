"""Figures of the segregation domain (seed 001): each takes a result and returns a matplotlib Figure.

Pass ``ax=`` to draw into your own figure; otherwise a new figure is created. No backend is chosen here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sselab.plots.style import BOUND_COLOR

if TYPE_CHECKING:
    from sselab.atomistic.properties.neb import HopResult
    from sselab.atomistic.properties.vacancies import VacancyProfileCalculation
    from sselab.studies.segregation import SegregationResult

MODE_STYLES = {"as-cleaved": ("s--", "#9e9e9e"), "relaxed-surface": ("o--", "#1f77b4"), "fully-relaxed": ("D-", "#c62828")}
MODE_LABELS = {"as-cleaved": "as cleaved", "relaxed-surface": "relaxed host, unrelaxed vacancy",
               "fully-relaxed": "relaxed vacancy"}


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """``ax``, or the axes of a new figure of ``figsize`` inches."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, constrained_layout=True)
    return ax


def _draw_profiles(ax: Axes, profiles: dict[str, dict[int, float]], title: str, reference: dict[int, float] | None = None,
                   reference_label: str = "", sites: dict[str, list[tuple[int, float]]] | None = None) -> None:
    """E_V against metal plane per mode; ``sites`` (mode → (plane, E_V) per distinct site) adds the site spread."""
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


def vacancy_profile_figure(result: VacancyProfileCalculation, *, ax: Axes | None = None, title: str | None = None) -> Figure:
    """Seed 001 Figs. 1b, 3c: E_V against metal plane (1 = interface or surface, last = middle of the slab), per mode;
    a plane whose relaxed vacancy moved to another plane is labelled.

    ``title`` defaults to what was computed (``result.title``).
    """
    ax = _axes(ax, (5.5, 4))
    _draw_profiles(ax, result.vacancy_energies_eV, result.title if title is None else title)
    for mode, moves in result.moved.items():  # vacancies that relaxation carried to another plane
        for move in sorted(set(moves.values())):
            start = int(move.split()[1])
            ax.annotate(f"moves to plane {move.split()[-1]}", (start, result.vacancy_energies_eV[mode][start]),
                        textcoords="offset points", xytext=(6, -12), fontsize=7)
    return ax.figure


def segregation_profile_figure(result: SegregationResult, *, ax: Axes | None = None, title: str | None = None) -> Figure:
    """A study's interface profile (unrelaxed and relaxed vacancy) beside the free surface of the same strained metal.

    Lines join the plane means; when the result holds its profiles, the site-resolved spread of an
    incoherent interface is added as small markers (Fig. 6).
    """
    ax = _axes(ax, (5.5, 4))
    sites = None
    if result.interface_profiles is not None:
        sites = {mode: [(s.plane, s.formation_energy_eV) for s in profile.sites]
                 for mode, profile in result.interface_profiles.items()}
    _draw_profiles(ax, result.vacancy_energies_interface_eV, result.title if title is None else title,
                   reference=result.vacancy_energies_free_eV, reference_label="same metal slab, free surface (relaxed vacancy)",
                   sites=sites)
    return ax.figure


def segregation_map(results: Sequence[SegregationResult], *, ax: Axes | None = None) -> Figure:
    """Seed 001 Fig. 4: computed ΔE_bulk-int against (σ_m − W_ad/2)/ρ, with the model line y = x (Li filled, Na open)."""
    ax = _axes(ax, (8.5, 4.8))
    x = np.array([r.sigma_minus_half_w_eV_per_atom for r in results])
    span = max(0.5, float(np.abs(x).max()) * 1.2 if len(x) else 0.5)
    line = np.linspace(-span, span, 2)
    ax.plot(line, line, "-.", color="k", label="bond-breaking model, eq. 11")
    ax.axhline(0, color="#bbbbbb", lw=0.8)
    ax.axvline(0, color="#bbbbbb", lw=0.8)
    ax.plot([0], [0], "o", color=BOUND_COLOR, ms=7, label="$W_{ad} = 2\\sigma_m$")
    colors = plt.get_cmap("tab20")
    for i, result in enumerate(results):
        filled = result.metal.lower().startswith("li")
        termination = f" {result.substrate_termination}" if result.substrate_termination else ""
        ax.plot(result.sigma_minus_half_w_eV_per_atom, result.delta_e_bulk_int_eV, "D", ms=8,
                color=colors(i % 20), mfc=colors(i % 20) if filled else "white", mew=1.5,
                label=f"{result.metal}/{result.substrate}{termination} ({result.calculator})")
    ax.text(0.03, 0.95, "vacancies segregate to the interface", transform=ax.transAxes, fontsize=8, va="top")
    ax.text(0.97, 0.05, "vacancies injected into the bulk", transform=ax.transAxes, fontsize=8, ha="right")
    ax.set_xlabel("$(\\sigma_m - W_{ad}/2)/\\rho$ (eV per surface atom)")
    ax.set_ylabel("$\\Delta E^{Bulk-Int}_{Vm}$ (eV), relaxed vacancy")
    ax.set_title("Li: filled, Na: open", fontsize=9)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return ax.figure


def neb_figure(hop: HopResult, *, ax: Axes | None = None, title: str = "") -> Figure:
    """Seed 001 Fig. 2: energy along the band (relative to the initial state) against the path length, Å."""
    ax = _axes(ax, (5, 3.5))
    path = np.asarray(hop.path_length_A)
    energies = np.asarray(hop.image_energies_eV) - hop.image_energies_eV[0]
    ax.plot(path, energies, "o-", color="#1f3b73")
    top = int(np.argmax(energies))
    ax.annotate(f"{energies[top]:.3f} eV", (path[top], energies[top]), textcoords="offset points", xytext=(0, 6), ha="center")
    ax.margins(y=0.18)
    ax.set_xlabel("reaction coordinate (Å)")
    ax.set_ylabel("E − E$_{initial}$ (eV)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return ax.figure
