"""Figures of the defects domain (seed 000 Figs. 2–4, seed 004 Fig. S5): each takes a result and returns the Figure.

Single-panel figures draw on ``ax`` when given (else a new figure); two-panel ones on ``axes`` (a pair).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np

from sselab.plots.style import ION_COLORS, SITE_MARKERS, model_label

if TYPE_CHECKING:
    from sselab.studies.configurations import ConfigurationResult
    from sselab.studies.exchange_sites import ExchangeSiteResult
    from sselab.studies.expansion import ChemicalExpansionResult
    from sselab.studies.formation import FormationEnergyResult


def _figure(ax, size: tuple[float, float]):
    if ax is not None:
        return ax.figure, ax, False
    fig, ax = plt.subplots(figsize=size)
    return fig, ax, True


def _figure_pair(axes, size: tuple[float, float]):
    if axes is not None:
        left, right = axes
        return left.figure, left, right, False
    fig, (left, right) = plt.subplots(1, 2, figsize=size)
    return fig, left, right, True


def site_preference_figure(result: ExchangeSiteResult, ax=None) -> plt.Figure:
    """Seed 000 Fig. 2: ΔE of every scanned Li site per ion; x = the replaced Li site (O = octahedral, T = tetrahedral
    start, with its atom index), the same sites for every ion; filled markers = the ion left its tetrahedron (T→O)."""
    scans = {ion: sites.scan for ion, sites in result.ions.items()}
    first = next(iter(scans.values()))
    order = sorted(first.sites, key=lambda s: (s.site_before != "octahedral", s.relative_eV))
    position = {s.index: i for i, s in enumerate(order)}
    labels = [f"{'O' if s.site_before == 'octahedral' else 'T'}{s.index}" for s in order]
    fig, ax, created = _figure(ax, (max(5.5, 0.32 * len(order) + 2), 3.8))
    for index, (ion, scan) in enumerate(scans.items()):
        color = ION_COLORS.get(ion, f"C{index}")
        marker = SITE_MARKERS.get(ion, "D")
        points = [(position[s.index], s.relative_eV, s.hopped) for s in scan.sites if s.index in position]
        ax.plot([p[0] for p in points], [p[1] for p in points], marker, color=color, label=f"{ion}$^+$", ms=7, mfc="none", ls="none")
        hopped = [p for p in points if p[2]]
        ax.plot([p[0] for p in hopped], [p[1] for p in hopped], marker, color=color, ms=7, ls="none")
    ax.set_xticks(range(len(order)), labels, rotation=90, fontsize=8)
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_xlabel("replaced Li (O/T start, atom index)")
    ax.set_ylabel(r"$\Delta E_f$ (eV)")
    ax.set_title(f"Exchange-ion site preference in LLZO ({model_label(result.model)}); filled = T→O hop", fontsize=10)
    ax.legend(frameon=False)
    if created:
        fig.tight_layout()
    return fig


VERDICT_COLORS = {"corrosive": "#c62828", "feasible": "#2a9d4b", "marginal": "#e0a81e", "insufficient": "#757575"}


def formation_energy_figure(result: FormationEnergyResult, ax=None) -> plt.Figure:
    """Seed 000 Fig. 3 for one ion: E_f per precursor with the verdict bands."""
    rows = result.rows
    fig, ax, created = _figure(ax, (max(4.5, 0.6 * len(rows) + 2), 3.8))
    x = np.arange(len(rows))
    ax.axhspan(0.0, 0.5, color=VERDICT_COLORS["feasible"], alpha=0.08)
    ax.axhspan(0.5, 1.0, color=VERDICT_COLORS["marginal"], alpha=0.08)
    ax.axhline(0.0, color="k", ls="--", lw=1)
    ax.bar(x, [r.E_f_eV for r in rows], color=[VERDICT_COLORS[r.verdict] for r in rows], width=0.6)
    ax.set_xticks(x, [r.precursor for r in rows], rotation=45, ha="right")
    ax.set_ylabel(r"$E_f$ (eV per exchanged ion)")
    ax.set_title(f"{result.ion}$^+$ exchange: precursor screen ({result.temperature_K:g} K dilute limit)", fontsize=10)
    if created:
        fig.tight_layout()
    return fig


def gas_pressure_figure(result: FormationEnergyResult, ax=None) -> plt.Figure:
    """E_f of each gas-releasing precursor against the gas's partial pressure (ideal gas: a line in ln p) at the run's
    temperature, beside the other precursors' E_f (pressure-independent), with the verdict bands."""
    fig, ax, created = _figure(ax, (5.5, 3.8))
    pressures_bar = np.logspace(-8, 1, 200)
    rows = {r.precursor: r for r in result.rows}
    ax.axhspan(0.0, 0.5, color=VERDICT_COLORS["feasible"], alpha=0.08)
    ax.axhspan(0.5, 1.0, color=VERDICT_COLORS["marginal"], alpha=0.08)
    ax.axhline(0.0, color="k", ls="--", lw=1)
    for formula, row in rows.items():
        if formula not in result.releases:
            ax.axhline(row.E_f_eV, color="0.55", lw=0.8, ls=":")
            ax.annotate(formula, (pressures_bar[0], row.E_f_eV), textcoords="offset points", xytext=(2, 2), fontsize=7, color="0.35")
    for index, (formula, release) in enumerate(result.releases.items()):
        row = rows[formula]
        energies = [row.E_f_eV + (release.salt_term_at(1e5 * p) - release.salt_term_eV) / row.k for p in pressures_bar]
        ax.plot(pressures_bar, energies, color=f"C{index}", lw=2, label=f"{formula} → {release.products}")
        ax.plot(release.pressure_Pa / 1e5, row.E_f_eV, "o", color=f"C{index}")
    ax.set_xscale("log")
    ax.set_xlabel(f"{next(iter(result.releases.values())).gas} partial pressure (bar)" if result.releases else "pressure (bar)")
    ax.set_ylabel(r"$E_f$ (eV per exchanged ion)")
    ax.set_title(f"{result.ion}$^+$ precursors at {result.temperature_K:g} K: gas release against pressure", fontsize=10)
    ax.legend(frameon=False, fontsize=8, loc="center right")
    if created:
        fig.tight_layout()
    return fig


def expansion_figure(result: ChemicalExpansionResult, axes=None) -> plt.Figure:
    """Seed 000 Fig. 4: (a) relaxed lattice constant vs C with linear fits, (b) γ vs Shannon radius."""
    fig, left, right, created = _figure_pair(axes, (9.5, 3.8))
    for index, (ion, fit) in enumerate(result.fits.items()):
        color = ION_COLORS.get(ion, f"C{index}")
        c = np.concatenate([[0.0], fit.concentrations])
        a = np.concatenate([[fit.a0_A], fit.lattice_constants_A])
        left.plot(100 * c, a, SITE_MARKERS.get(ion, "D"), color=color, label=f"{ion}$^+$ (γ = {fit.gamma:.3f})")
        left.plot(100 * c, fit.a0_A * (1 + fit.gamma * c), "--", color=color, lw=1)
    left.set_xlabel(r"$C_{IX}$ (%)")
    left.set_ylabel(r"equivalent cubic $a$ (Å)")
    left.legend(frameon=False, fontsize=8)
    trend = result.trend
    if trend is not None:
        for ion, r, g in zip(trend.elements, trend.radii_A, trend.gammas):
            right.plot(r, g, "*" if ion == "Li" else SITE_MARKERS.get(ion, "D"), color=ION_COLORS.get(ion, "k"), ms=9)
            right.annotate(ion, (r, g), textcoords="offset points", xytext=(5, 4), fontsize=8)
        r = np.linspace(min(trend.radii_A), max(trend.radii_A), 50)
        right.plot(r, trend.slope_per_A * r + trend.intercept, "k--", lw=1, label=f"linear, $R^2$ = {trend.r_squared:.3f}")
        right.legend(frameon=False, fontsize=8)
        right.margins(x=0.12, y=0.1)
    right.set_xlabel("Shannon radius, 6-fold (Å)")
    right.set_ylabel(r"$\gamma$")
    if created:
        fig.suptitle(f"Chemical expansion of LLZO by ion exchange ({model_label(result.model)})", fontsize=10)
        fig.tight_layout()
    return fig


def ewald_energy_figure(result: ConfigurationResult, axes=None) -> plt.Figure:
    """Seed 004 Fig. S5: Ewald energy of all samples (when the result holds them), and calculator energy vs Ewald energy of
    the relaxed ones."""
    fig, left, right, created = _figure_pair(axes, (9, 3.6))
    if len(result.ewald_energies_eV):
        left.hist(result.ewald_energies_eV, bins=40, color="#9e9e9e")
    for c in result.configurations:
        left.axvline(c.ewald_eV, color="#c62828", lw=0.8)
    left.set_xlabel("Ewald energy (eV)")
    left.set_ylabel("samples")
    left.set_title("all samples (red: relaxed)", fontsize=9)
    x = [c.ewald_eV for c in result.configurations]
    y = np.array([c.energy_eV for c in result.configurations])
    right.plot(x, y - y.min(), "o", color="#1f3b73")
    right.set_xlabel("Ewald energy (eV)")
    right.set_ylabel(f"relaxed energy − lowest (eV, {model_label(result.model)})")
    if created:
        fig.tight_layout()
    return fig
