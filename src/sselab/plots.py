"""Figures. Each function takes results and returns a matplotlib Figure; saving is the caller's job."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402

from sselab.continuum.ion_exchange import VERDICTS, ExchangeDesign  # noqa: E402

ION_COLORS = {"Na": "#2a9d4b", "Ag": "#e08a1e", "K": "#1f3b73"}
BOUND_COLOR = "#c62828"
MPA, UM = 1e6, 1e-6


def _color(design: ExchangeDesign, index: int) -> str:
    return ION_COLORS.get(design.process.ion.name, f"C{index}")


def _label(design: ExchangeDesign) -> str:
    p = design.process
    return f"{p.ion.name}$^+$, $C_s$ = {100 * p.surface_concentration:.2g} %"


def crack_schematic(design: ExchangeDesign) -> plt.Figure:
    """Fig. 6a: the edge flaw inside the compressed surface layer, shaded by the residual stress."""
    profile, a = design.profile, design.bounds.flaw_size
    depth_shown = 1.3 * max(profile.exchange_depth, 2 * a)
    depth = np.linspace(0, depth_shown, 300)
    stress = np.interp(depth, profile.nodes, profile.stress) / MPA
    fig, ax = plt.subplots(figsize=(5.2, 4.0))
    width = depth_shown
    limit = max(abs(stress).max(), 1e-9)
    image = ax.imshow(
        np.tile(stress[:, None], (1, 2)), extent=(0, width / UM, depth_shown / UM, 0), aspect="auto",
        cmap="RdBu", vmin=-limit, vmax=limit,
    )
    centre = width / 2 / UM
    ax.fill([centre - 0.04 * width / UM, centre + 0.04 * width / UM, centre], [0, 0, a / UM], color="black")
    ax.annotate(f"flaw a = {a / UM:.3g} µm", (centre, a / UM), xytext=(centre + 0.08 * width / UM, a / UM * 1.05 + 0.05 * depth_shown / UM))
    arrow_y = 0.35 * a / UM
    for side in (-1, 1):
        ax.annotate("", xy=(centre + side * 0.07 * width / UM, arrow_y), xytext=(centre + side * 0.3 * width / UM, arrow_y),
                    arrowprops={"arrowstyle": "->", "color": "#5e35b1", "lw": 2})
    ax.axhline(profile.exchange_depth / UM, color="0.25", ls=":", lw=1.5)
    ax.text(0.02 * width / UM, profile.exchange_depth / UM, " exchange depth (C = 1 % C$_s$)", va="bottom", color="0.25", fontsize=8)
    ax.axhline(design.bounds.depth_factor * a / UM, color=BOUND_COLOR, lw=1.5)
    ax.text(0.02 * width / UM, design.bounds.depth_factor * a / UM, f" required depth ({design.bounds.depth_factor:g} a)", va="bottom", color=BOUND_COLOR, fontsize=8)
    ax.set_xlabel("lateral position (µm)")
    ax.set_ylabel("depth below the surface (µm)")
    ax.set_title(f"(a) {design.process.ion.name}$^+$-exchanged surface with an edge flaw")
    fig.colorbar(image, ax=ax, label="residual stress (MPa, compression > 0)")
    return fig


def concentration_profiles(designs: Sequence[ExchangeDesign]) -> plt.Figure:
    """Fig. 6b: C(x) near the surface, with the depth bound (2a) as a red notch."""
    fig, ax = plt.subplots(figsize=(5.2, 4.0))
    extent = 1.4 * max(max(d.profile.exchange_depth for d in designs), 2 * designs[0].bounds.depth_factor * designs[0].bounds.flaw_size)
    for i, d in enumerate(designs):
        p = d.profile
        keep = p.nodes <= extent
        ax.plot(p.nodes[keep] / UM, 100 * p.concentration[keep], color=_color(d, i), label=_label(d))
        ax.plot(*_step(d.uniform.profile.nodes, 100 * d.uniform.profile.concentration, extent), color=_color(d, i), ls="--", lw=1,
                label=f"{d.process.ion.name}$^+$ uniform-layer model (SI.7)")
        ax.axvline(p.exchange_depth / UM, color=_color(d, i), ls=":", lw=1)
    bound = designs[0].bounds.depth_factor * designs[0].bounds.flaw_size / UM
    top = ax.get_ylim()[1]
    ax.fill([bound * 0.96, bound * 1.04, bound], [top, top, top * 0.88], color=BOUND_COLOR, label=f"minimum depth {bound:.3g} µm")
    ax.set_xlim(0, extent / UM)
    ax.set_ylim(0, top)
    ax.set_xlabel("depth x (µm)")
    ax.set_ylabel("exchanged-ion concentration (%)")
    ax.set_title(f"(b) concentration after t = {designs[0].process.time:.3g} s")
    ax.legend(fontsize=8)
    return fig


def _step(nodes: np.ndarray, values: np.ndarray, extent: float) -> tuple[np.ndarray, np.ndarray]:
    keep = nodes <= extent
    x, y = nodes[keep], values[keep]
    return np.append(x, extent) / UM, np.append(y, values[keep.sum()] if keep.sum() < values.size else y[-1])


def stress_profiles(designs: Sequence[ExchangeDesign]) -> plt.Figure:
    """Fig. 6c: σ_c(x) across the whole plate with −σ_f (spontaneous fracture) in red."""
    fig, ax = plt.subplots(figsize=(5.2, 4.0))
    for i, d in enumerate(designs):
        p = d.profile
        ax.plot(p.nodes / d.process.thickness, p.stress / MPA, color=_color(d, i), label=f"{_label(d)}: centre {d.converged.metrics['center_stress_Pa'] / MPA:.0f} MPa")
    strength = designs[0].process.host.fracture_strength / MPA
    ax.axhline(-strength, color=BOUND_COLOR, label=f"$-|\\sigma_f|$ = {-strength:.0f} MPa")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_ylim(bottom=min(ax.get_ylim()[0], -1.3 * strength))
    ax.set_xlabel("x / L")
    ax.set_ylabel("residual stress (MPa, compression > 0)")
    ax.set_title("(c) residual stress (eq. 4 with force balance)")
    ax.legend(fontsize=8, loc="upper center")
    return fig


def strength_curves(designs: Sequence[ExchangeDesign]) -> plt.Figure:
    """Fig. 6d: σ_perm vs a/L with the native line, the theoretical maximum and the SF-2 bound."""
    first = designs[0]
    length = first.process.thickness
    ratios = np.geomspace(1e-3, 0.2, 160)
    curves = first.strength_curves(ratios * length)
    fig, ax = plt.subplots(figsize=(5.2, 4.0))
    ax.fill_between(ratios, curves["native"] / MPA, curves["safety_factor_2"] / MPA, color="0.85", label="safe and effective range")
    ax.plot(ratios, curves["native"] / MPA, color="black", label="native LLZO")
    ax.plot(ratios, curves["theoretical_maximum"] / MPA, color=BOUND_COLOR, label="theoretical maximum")
    ax.plot(ratios, curves["safety_factor_2"] / MPA, color=BOUND_COLOR, ls="--", label="safety factor 2")
    for i, d in enumerate(designs):
        gradient = d.strength_curves(ratios * length)["gradient"]
        ax.plot(ratios, gradient / MPA, color=_color(d, i), label=_label(d))
        ax.plot(d.bounds.flaw_size / length, d.sigma_permissible / MPA, "o", color=_color(d, i))
    ax.axvline(first.bounds.flaw_size / length, color="0.5", ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(curves["native"].min() / MPA * 0.8, None)
    ax.set_xlabel("flaw size a / L")
    ax.set_ylabel("$\\sigma_{permissible}$ (MPa)")
    ax.set_title(f"(d) apparent strength ({first.form} form of eq. 6)")
    ax.legend(fontsize=7)
    return fig


def uniform_comparison(design: ExchangeDesign) -> plt.Figure:
    """SI.7: gradient vs uniform-layer model — concentration, stress and σ_perm."""
    length = design.process.thickness
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    extent = 1.5 * max(design.profile.exchange_depth, design.uniform.depth)
    for model, profile, style in (("gradient", design.profile, "-"), ("uniform layer", design.uniform.profile, "--")):
        keep = profile.nodes <= extent
        axes[0].plot(profile.nodes[keep] / UM, 100 * profile.concentration[keep], style, label=model)
        axes[1].plot(profile.nodes[keep] / UM, profile.stress[keep] / MPA, style, label=model)
    ratios = np.geomspace(1e-3, 0.3, 160)
    curves = design.strength_curves(ratios * length)
    axes[2].plot(ratios, curves["gradient"] / MPA, label="gradient")
    axes[2].plot(ratios, curves["uniform"] / MPA, "--", label="uniform layer")
    axes[2].plot(ratios, curves["native"] / MPA, color="black", label="native")
    axes[2].set_xscale("log")
    axes[2].set_yscale("log")
    for ax, label in zip(axes, ("concentration (%)", "stress (MPa)", "$\\sigma_{permissible}$ (MPa)"), strict=True):
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
    axes[0].set_xlabel("depth (µm)")
    axes[1].set_xlabel("depth (µm)")
    axes[2].set_xlabel("a / L")
    fig.suptitle(f"SI.7: same dopant amount and surface concentration ({_label(design)})")
    fig.tight_layout()
    return fig


def map_overview(dataset: xr.Dataset) -> plt.Figure:
    """Scalar maps over C_s × t/τ: depth, centre stress, strength gain and the verdict."""
    cs = 100 * dataset.surface_concentration.values
    ratio = dataset.time_ratio.values
    length, flaw = dataset.attrs["thickness_m"], dataset.attrs["flaw_size_m"]
    strength = dataset.attrs["fracture_strength_Pa"]
    fig, axes = plt.subplots(2, 2, figsize=(11, 8.5), constrained_layout=True)
    panels = [
        (axes[0, 0], dataset.exchange_depth.values / length, "exchange depth / L", "viridis",
         dataset.attrs["depth_factor"] * flaw / length),
        (axes[0, 1], dataset.center_stress.values / strength, "centre stress / $|\\sigma_f|$", "magma",
         -1.0 / dataset.attrs["safety_factor"]),
        (axes[1, 0], dataset.sigma_permissible.values / MPA, f"$\\sigma_{{perm}}$ at a = {flaw / UM:.3g} µm (MPa)", "cividis", None),
    ]
    for ax, values, title, cmap, contour in panels:
        mesh = ax.pcolormesh(ratio, cs, values, cmap=cmap, shading="nearest")
        fig.colorbar(mesh, ax=ax)
        if contour is not None and values.min() < contour < values.max():
            ax.contour(ratio, cs, values, levels=[contour], colors=BOUND_COLOR, linewidths=2)
        ax.set_title(title)
    codes = dataset.verdict.values
    verdict_map = ListedColormap(["#4caf50", "#ffca28", "#e53935", "#9e9e9e"])
    axes[1, 1].pcolormesh(ratio, cs, codes, cmap=verdict_map, vmin=-0.5, vmax=len(VERDICTS) - 0.5, shading="nearest")
    axes[1, 1].set_title("verdict")
    handles = [plt.Rectangle((0, 0), 1, 1, color=verdict_map(i)) for i in range(len(VERDICTS))]
    axes[1, 1].legend(handles, VERDICTS, fontsize=8, loc="lower left")
    for ax in axes.flat:
        ax.set_xscale("log")
        ax.set_xlabel("t / τ")
        ax.set_ylabel("$C_s$ (%)")
    fig.suptitle(
        f"{dataset.attrs['ion']}$^+$ exchange in {dataset.attrs['host']}, T = {dataset.attrs['temperature_K']:g} K, "
        f"L = {length * 1e3:g} mm, τ = {dataset.attrs['tau_s']:.3g} s"
    )
    return fig


def map_profiles(dataset: xr.Dataset, rows: int = 3) -> plt.Figure:
    """SI.8: σ/|σ_f| (left) and C (right) vs x/L at each t/τ, for a few C_s, with the bounds in red."""
    picks = np.unique(np.linspace(0, dataset.surface_concentration.size - 1, rows).round().astype(int))
    fig, axes = plt.subplots(len(picks), 2, figsize=(10, 3.0 * len(picks)), squeeze=False, constrained_layout=True)
    colors = plt.cm.plasma(np.linspace(0, 0.9, dataset.time_ratio.size))
    notch = dataset.attrs["depth_factor"] * dataset.attrs["flaw_size_m"] / dataset.attrs["thickness_m"]
    x = dataset.x_over_L.values[1:]  # log axis: leave out the surface point x = 0
    for row, index in enumerate(picks):
        sub = dataset.isel(surface_concentration=index)
        for j, color in enumerate(colors):
            axes[row, 0].plot(x, sub.stress_over_strength.values[j, 1:], color=color, lw=1)
            axes[row, 1].plot(x, 100 * sub.concentration.values[j, 1:], color=color, lw=1)
        axes[row, 0].axhline(-1.0 / dataset.attrs["safety_factor"], color=BOUND_COLOR, lw=1.5)
        top = axes[row, 0].get_ylim()[1]
        axes[row, 0].fill([notch * 0.9, notch * 1.1, notch], [top, top, top * 0.85], color=BOUND_COLOR)
        axes[row, 0].set_xscale("log")
        axes[row, 1].set_xscale("log")
        axes[row, 0].set_ylabel(f"$C_s$ = {100 * sub.surface_concentration.item():.2g} %\n$\\sigma / |\\sigma_f|$")
        axes[row, 1].set_ylabel("C (%)")
    for ax in axes[-1]:
        ax.set_xlabel("x / L")
    sm = plt.cm.ScalarMappable(cmap="plasma", norm=matplotlib.colors.LogNorm(dataset.time_ratio.values.min(), dataset.time_ratio.values.max()))
    fig.colorbar(sm, ax=axes, label="t / τ")
    fig.suptitle(f"SI.8 dimensionless map, {dataset.attrs['ion']}$^+$ (red: bounds)")
    return fig


def li_penalty_figure(temperature: np.ndarray, stress: np.ndarray, diffusivity: np.ndarray, fit) -> plt.Figure:
    """Two-step fit: ln D vs σ at each T (step 1) and the zero-stress Arrhenius line (step 2)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    law = fit.law
    for i, level in enumerate(fit.temperatures):
        at = temperature == level
        grid = np.linspace(stress[at].min(), stress[at].max(), 50)
        left.plot(stress[at] / 1e9, diffusivity[at], "o", color=f"C{i}", label=f"{level:g} K")
        left.plot(grid / 1e9, np.exp(fit.zero_stress_log_diffusivity[i]) * np.exp(-grid * law.activation_volume / (8.314462618 * level)), color=f"C{i}")
    left.set_yscale("log")
    left.set_xlabel("stress (GPa, compression > 0)")
    left.set_ylabel("$D_{Li}$ (m$^2$/s)")
    left.set_title(f"step 1: V‡ = {law.activation_volume * 1e6:.3g} cm³/mol")
    inverse = np.linspace(1 / fit.temperatures.max(), 1 / 300.0, 100)
    right.plot(1000 / fit.temperatures, np.exp(fit.zero_stress_log_diffusivity), "ko", label="zero-stress intercepts")
    right.plot(1000 * inverse, law.diffusivity(1 / inverse), "k-", label=f"E$_a$ = {law.activation_energy_eV:.3f} eV")
    right.set_yscale("log")
    right.set_xlabel("1000 / T (1/K)")
    right.set_ylabel("$D_{Li}$(T, 0) (m$^2$/s)")
    right.set_title("step 2: Arrhenius, extrapolated to 300 K")
    left.legend(fontsize=8)
    right.legend(fontsize=8)
    return fig


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


def msd_figure(lag_fs: np.ndarray, msd: np.ndarray, msd_spread: np.ndarray, estimate, diffusivity: float | None = None,
               stderr: float | None = None) -> plt.Figure:
    """MSD against lag, linear and log–log, with the diffusive window and the line of the reported D."""
    fig, (linear, loglog) = plt.subplots(1, 2, figsize=(10, 4))
    lag_ps = lag_fs / 1000
    for ax in (linear, loglog):
        ax.plot(lag_ps, msd, color="C0", label=f"{estimate.species} (mean of {estimate.atoms})")
        ax.fill_between(lag_ps, np.maximum(msd - msd_spread, 1e-12), msd + msd_spread, color="C0", alpha=0.2, lw=0,
                        label="± standard error over atoms")
        ax.set_xlabel("lag time (ps)")
        ax.set_ylabel("MSD (Å$^2$)")
    if estimate.window_fs is not None:
        start, end = (t / 1000 for t in estimate.window_fs)
        for ax in (linear, loglog):
            ax.axvspan(start, end, color="0.85", zorder=0, label="fitting window")
    if estimate.diffusive:
        inside = (lag_fs >= estimate.window_fs[0]) & (lag_fs <= estimate.window_fs[1])
        reported = diffusivity if diffusivity is not None else estimate.diffusivity
        error = stderr if diffusivity is not None else estimate.diffusivity_stderr
        slope = 6 * reported / 1e-5  # m²/s → Å²/fs, 3D
        intercept = np.mean(msd[inside] - slope * lag_fs[inside])
        linear.plot(lag_ps[inside], intercept + slope * lag_fs[inside], "k--",
                    label=f"D = {reported:.3g} ± {error or float('nan'):.2g} m$^2$/s")
        linear.set_title("diffusive")
    else:
        linear.set_title(textwrap.fill(f"not diffusive: {estimate.reason}", 70), fontsize=8)
    positive = lag_fs > 0
    loglog.set_xscale("log")
    loglog.set_yscale("log")
    loglog.set_xlim(lag_ps[positive][0], lag_ps[-1])
    if np.any(msd[positive] > 0):
        loglog.set_ylim(msd[positive & (msd > 0)].min() / 2, msd.max() * 2)
    reference = msd[positive][-1] * (lag_fs[positive] / lag_fs[positive][-1])
    loglog.plot(lag_ps[positive], reference, ":", color="0.4", label="slope 1")
    loglog.set_title(f"log-log slope over the window: {estimate.loglog_slope:.2f}")
    linear.legend(fontsize=8)
    loglog.legend(fontsize=8)
    fig.tight_layout()
    return fig


def arrhenius_figure(temperature: np.ndarray, diffusivity: np.ndarray, stderr: np.ndarray, fit, target_temperature: float) -> plt.Figure:
    """ln D against 1000/T with the GLS line, its 1σ band and the extrapolation to ``target_temperature``."""
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    inverse = 1000 / np.asarray(temperature)
    ax.errorbar(inverse, diffusivity, yerr=stderr, fmt="o", color="C0", capsize=3, label="MD")
    grid = np.linspace(1000 / max(temperature.max(), target_temperature) * 0.98, 1000 / min(temperature.min(), target_temperature) * 1.02, 200)
    line = fit.diffusivity(1000 / grid)
    band = np.array([fit.log_diffusivity_stderr(1000 / g) for g in grid])
    ax.plot(grid, line, "k-", label=f"E$_a$ = {fit.activation_energy_eV:.3f} ± {fit.activation_energy_stderr_eV:.3f} eV")
    if np.all(np.isfinite(band)):
        ax.fill_between(grid, line * np.exp(-band), line * np.exp(band), color="0.8", label="±1σ")
    ax.axvline(1000 / target_temperature, color=BOUND_COLOR, ls=":", label=f"{target_temperature:g} K")
    ax.set_yscale("log")
    ax.set_xlabel("1000/T (1/K)")
    ax.set_ylabel("D (m$^2$/s)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def van_hove_figure(result, times=None) -> plt.Figure:
    """Seed 004 Fig. 5: heatmaps of 4πr²G_s(r, t) and G_d(r, t) against r and t."""
    panels = 2 if result.distinct is not None else 1
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 4.2), squeeze=False)
    lag_ps = result.lag_fs / 1000
    extent = (result.r_A[0], result.r_A[-1])

    def heat(ax, values, label, title, vmax):
        mesh = ax.pcolormesh(result.r_A, np.arange(lag_ps.size), values, cmap="viridis", vmin=0, vmax=vmax, shading="nearest")
        ticks = np.linspace(0, lag_ps.size - 1, 6).astype(int)
        ax.set_yticks(ticks, [f"{lag_ps[t]:.3g}" for t in ticks])
        ax.set_xlim(*extent)
        ax.set_xlabel("r (Å)")
        ax.set_ylabel("t (ps)")
        ax.set_title(title)
        fig.colorbar(mesh, ax=ax, label=label)

    heat(axes[0, 0], result.self_density, "4πr$^2$G$_s$ (1/Å)", f"self, {result.species}", np.percentile(result.self_density[1:], 99.5))
    if result.distinct is not None:
        heat(axes[0, 1], result.distinct, "G$_d$", f"distinct, {result.species}-{result.species}", 3.0)
        if times is not None:
            for ax in axes[0]:
                ax.axvline(times.nearest_neighbour_A, color="w", ls=":", lw=1)
    fig.tight_layout()
    return fig


def correlation_length_figure(r: np.ndarray, g: np.ndarray, fit) -> plt.Figure:
    """g(r) with the maxima of |g − 1| and the fitted envelope e^(−r/ξ)."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(5.5, 5.5), sharex=True)
    top.plot(r, g, color="C0")
    top.axhline(1, color="0.5", lw=0.8)
    top.set_ylabel("g(r)")
    bottom.semilogy(r, np.abs(g - 1) + 1e-6, color="C0", lw=0.8)
    bottom.plot(fit.maxima_r_A, fit.maxima_value, "o", color="C3", label="maxima in the fit range")
    if fit.xi_A is not None:
        grid = np.linspace(*fit.fit_range_A, 50)
        amplitude = np.exp(np.mean(np.log(fit.maxima_value) + fit.maxima_r_A / fit.xi_A))
        bottom.plot(grid, amplitude * np.exp(-grid / fit.xi_A), "k--", label=f"ξ = {fit.xi_A:.2f} Å")
    else:
        bottom.set_title(fit.reason, fontsize=8)
    bottom.axvspan(*fit.fit_range_A, color="0.92", zorder=0)
    bottom.set_xlabel("r (Å)")
    bottom.set_ylabel("|g(r) − 1|")
    bottom.set_ylim(1e-3, None)
    bottom.legend(fontsize=8)
    fig.tight_layout()
    return fig


def density_map_figure(density: np.ndarray, species: str, axis_labels: tuple[str, str]) -> plt.Figure:
    """Trajectory density of one species projected on a cell face (fractional coordinates)."""
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    image = ax.imshow(density.T, origin="lower", extent=(0, 1, 0, 1), cmap="magma", vmax=np.percentile(density, 99.5))
    ax.set_xlabel(f"{axis_labels[0]} (fractional)")
    ax.set_ylabel(f"{axis_labels[1]} (fractional)")
    ax.set_title(f"{species} trajectory density")
    fig.colorbar(image, ax=ax, label="density / mean")
    return fig


def clustering_figure(result) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    ax.plot(result.time_fs / 1000, result.pair_ratio, color=ION_COLORS.get(result.species, "C0"))
    ax.axhline(1, color="0.5", lw=0.8, label="uniform random")
    ax.axhline(result.threshold, color=BOUND_COLOR, ls=":", label="clustering threshold")
    ax.set_xlabel("time (ps)")
    ax.set_ylabel(f"{result.species}-{result.species} pairs < {result.cutoff_A:g} Å / random")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


SITE_MARKERS = {"Na": "^", "Ag": "s", "K": "o"}


def site_preference_figure(scans: dict, model: str) -> plt.Figure:
    """Seed 000 Fig. 2: ΔE of every scanned Li site per ion; x = the replaced Li site (O = octahedral, T = tetrahedral
    start, with its atom index), the same sites for every ion; filled markers = the ion left its tetrahedron (T→O)."""
    first = next(iter(scans.values()))
    order = sorted(first.sites, key=lambda s: (s.site_before != "octahedral", s.relative_eV))
    position = {s.index: i for i, s in enumerate(order)}
    labels = [f"{'O' if s.site_before == 'octahedral' else 'T'}{s.index}" for s in order]
    fig, ax = plt.subplots(figsize=(max(5.5, 0.32 * len(order) + 2), 3.8))
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
    ax.set_title(f"Exchange-ion site preference in LLZO ({model}); filled = T→O hop", fontsize=10)
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


VERDICT_COLORS = {"corrosive": "#c62828", "feasible": "#2a9d4b", "marginal": "#e0a81e", "insufficient": "#757575"}


def formation_energy_figure(ion: str, rows: Sequence[dict], temperature: float) -> plt.Figure:
    """Seed 000 Fig. 3 for one ion: E_f per precursor with the verdict bands."""
    fig, ax = plt.subplots(figsize=(max(4.5, 0.6 * len(rows) + 2), 3.8))
    x = np.arange(len(rows))
    ax.axhspan(0.0, 0.5, color=VERDICT_COLORS["feasible"], alpha=0.08)
    ax.axhspan(0.5, 1.0, color=VERDICT_COLORS["marginal"], alpha=0.08)
    ax.axhline(0.0, color="k", ls="--", lw=1)
    ax.bar(x, [r["E_f_eV"] for r in rows], color=[VERDICT_COLORS[r["verdict"]] for r in rows], width=0.6)
    ax.set_xticks(x, [r["precursor"] for r in rows], rotation=45, ha="right")
    ax.set_ylabel(r"$E_f$ (eV per exchanged ion)")
    ax.set_title(f"{ion}$^+$ exchange: precursor screen ({temperature:g} K dilute limit)", fontsize=10)
    fig.tight_layout()
    return fig


def expansion_figure(fits: dict, trend, model: str) -> plt.Figure:
    """Seed 000 Fig. 4: (a) relaxed lattice constant vs C with linear fits, (b) γ vs Shannon radius."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.5, 3.8))
    for index, (ion, fit) in enumerate(fits.items()):
        color = ION_COLORS.get(ion, f"C{index}")
        c = np.concatenate([[0.0], fit.concentrations])
        a = np.concatenate([[fit.a0_A], fit.lattice_constants_A])
        left.plot(100 * c, a, SITE_MARKERS.get(ion, "D"), color=color, label=f"{ion}$^+$ (γ = {fit.gamma:.3f})")
        left.plot(100 * c, fit.a0_A * (1 + fit.gamma * c), "--", color=color, lw=1)
    left.set_xlabel(r"$C_{IX}$ (%)")
    left.set_ylabel(r"equivalent cubic $a$ (Å)")
    left.legend(frameon=False, fontsize=8)
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
    fig.suptitle(f"Chemical expansion of LLZO by ion exchange ({model})", fontsize=10)
    fig.tight_layout()
    return fig


def reactivity_heatmap(matrix: np.ndarray, cathodes: Sequence[str], coatings: Sequence[str]) -> plt.Figure:
    """Seed 004 Fig. 2b: minimum mutual reaction energy, cathodes (rows) × coatings (columns), eV/atom."""
    fig, ax = plt.subplots(figsize=(1.1 * len(coatings) + 2.5, 0.6 * len(cathodes) + 1.8))
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
    fig.tight_layout()
    return fig


def registry_search_figure(points: np.ndarray, results: dict) -> plt.Figure:
    """Registry search: lowest energy found vs calculations (BO and grid), and the evaluated shifts in the lateral plane."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.5, 3.8))
    styles = {"bo": ("o-", "#c62828", "Bayesian optimisation"), "grid": ("-", "#555555", "grid search")}
    reference = min(r.best_value for r in results.values())
    for name, result in results.items():
        style, color, label = styles[name]
        steps = np.arange(1, result.evaluations + 1)
        left.plot(steps, result.best_so_far() - reference, style, color=color, ms=3, label=f"{label} ({result.evaluations} calcs)")
    left.set_xscale("log")
    left.set_xlabel("calculations")
    left.set_ylabel("lowest energy so far − overall minimum (eV)")
    left.legend(frameon=False, fontsize=8)
    if "grid" in results:
        grid = results["grid"]
        values = np.asarray(grid.values)
        lowest_per_column: dict[tuple[float, float], float] = {}
        for (a, b, _), value in zip(points, values):
            key = (round(a, 6), round(b, 6))
            lowest_per_column[key] = min(value, lowest_per_column.get(key, np.inf))
        keys = np.array(list(lowest_per_column))
        image = right.scatter(keys[:, 0], keys[:, 1], c=np.array(list(lowest_per_column.values())) - reference, cmap="viridis", s=40, marker="s")
        fig.colorbar(image, ax=right, label="min over vertical shifts − minimum (eV)")
    if "bo" in results:
        shifts = points[list(results["bo"].evaluated)]
        right.plot(shifts[:, 0], shifts[:, 1], "o-", color="#c62828", mfc="white", ms=5, lw=0.8, label="BO path")
        best = points[results["bo"].best_index]
        right.plot(best[0], best[1], "*", color="#c62828", ms=14, label="BO best")
        right.legend(frameon=False, fontsize=8)
    right.set_xlabel("shift along a (Å)")
    right.set_ylabel("shift along b (Å)")
    fig.suptitle("Interface registry search", fontsize=10)
    fig.tight_layout()
    return fig


def ewald_energy_figure(ewald: np.ndarray, configurations: Sequence[dict], model: str) -> plt.Figure:
    """Seed 004 Fig. S5: Ewald energy of all samples, and calculator energy vs Ewald energy of the relaxed ones."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    left.hist(ewald, bins=40, color="#9e9e9e")
    for c in configurations:
        left.axvline(c["ewald_eV"], color="#c62828", lw=0.8)
    left.set_xlabel("Ewald energy (eV)")
    left.set_ylabel("samples")
    left.set_title("all samples (red: relaxed)", fontsize=9)
    x = [c["ewald_eV"] for c in configurations]
    y = np.array([c["energy_eV"] for c in configurations])
    right.plot(x, y - y.min(), "o", color="#1f3b73")
    right.set_xlabel("Ewald energy (eV)")
    right.set_ylabel(f"relaxed energy − lowest (eV, {model})")
    fig.tight_layout()
    return fig
