"""Figures of seed 000's continuum studies (:mod:`sselab.studies.ion_exchange`).

Each function takes a result and an optional ``ax`` (one panel) or ``axes`` (several panels) to draw
into, and returns the Figure. A design is an :class:`~sselab.studies.ion_exchange.IonExchangeDesign`
or a :class:`~sselab.continuum.ion_exchange.ExchangeDesign`; the Fig. 6 panels also take several of
them, or a :class:`~sselab.studies.ion_exchange.Fig6Reproduction` (its Fig. 6 designs). A map is an
:class:`~sselab.studies.ion_exchange.IonExchangeMapResult` or its Dataset (``map.nc``).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from sselab.constants import GAS_CONSTANT
from sselab.continuum.ion_exchange import VERDICTS, ExchangeDesign
from sselab.errors import InputError
from sselab.plots.style import BOUND_COLOR, ION_COLORS
from sselab.studies.ion_exchange import Fig6Reproduction, IonExchangeDesign, IonExchangeMapResult, LiPenaltyResult

MPA, UM = 1e6, 1e-6
PANEL_SIZE = (5.2, 4.0)

DesignLike = ExchangeDesign | IonExchangeDesign
Designs = DesignLike | Sequence[DesignLike] | Fig6Reproduction


def _design(design: DesignLike) -> ExchangeDesign:
    return design.solved() if isinstance(design, IonExchangeDesign) else design


def _designs(designs: Designs) -> list[ExchangeDesign]:
    if isinstance(designs, Fig6Reproduction):
        return designs.figure_designs()
    if isinstance(designs, (ExchangeDesign, IonExchangeDesign)):
        return [_design(designs)]
    return [_design(d) for d in designs]


def _dataset(result: IonExchangeMapResult | xr.Dataset) -> xr.Dataset:
    return result if isinstance(result, xr.Dataset) else result.solved()


def _panel(ax: Axes | None) -> tuple[Figure, Axes]:
    if ax is None:
        return plt.subplots(figsize=PANEL_SIZE)
    return ax.figure, ax


def _color(design: ExchangeDesign, index: int) -> str:
    return ION_COLORS.get(design.process.ion.name, f"C{index}")


def _label(design: ExchangeDesign) -> str:
    p = design.process
    return f"{p.ion.name}$^+$, $C_s$ = {100 * p.surface_concentration:.2g} %"


def crack_schematic(design: DesignLike, ax: Axes | None = None) -> Figure:
    """Fig. 6a: the edge flaw inside the compressed surface layer, shaded by the residual stress."""
    design = _design(design)
    profile, a = design.profile, design.bounds.flaw_size
    depth_shown = 1.3 * max(profile.exchange_depth, 2 * a)
    depth = np.linspace(0, depth_shown, 300)
    stress = np.interp(depth, profile.nodes, profile.stress) / MPA
    fig, ax = _panel(ax)
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


def concentration_profiles(designs: Designs, ax: Axes | None = None) -> Figure:
    """Fig. 6b: C(x) near the surface, with the depth bound (2a) as a red notch."""
    designs = _designs(designs)
    fig, ax = _panel(ax)
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


def stress_profiles(designs: Designs, ax: Axes | None = None) -> Figure:
    """Fig. 6c: σ_c(x) across the whole plate with −σ_f (spontaneous fracture) in red."""
    designs = _designs(designs)
    fig, ax = _panel(ax)
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


def strength_curves(designs: Designs, ax: Axes | None = None) -> Figure:
    """Fig. 6d: σ_perm vs a/L with the native line, the theoretical maximum and the SF-2 bound."""
    designs = _designs(designs)
    first = designs[0]
    length = first.process.thickness
    ratios = np.geomspace(1e-3, 0.2, 160)
    curves = first.strength_curves(ratios * length)
    fig, ax = _panel(ax)
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


def uniform_comparison(design: DesignLike, axes: Sequence[Axes] | None = None) -> Figure:
    """SI.7: gradient vs uniform-layer model — concentration, stress and σ_perm (three panels)."""
    design = _design(design)
    length = design.process.thickness
    created = axes is None
    if created:
        fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    else:
        fig = axes[0].figure
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
    if created:
        fig.suptitle(f"SI.7: same dopant amount and surface concentration ({_label(design)})")
        fig.tight_layout()
    return fig


def map_overview(result: IonExchangeMapResult | xr.Dataset, axes: np.ndarray | None = None) -> Figure:
    """Scalar maps over C_s × t/τ (a 2 × 2 grid of panels): depth, centre stress, strength and the verdict."""
    dataset = _dataset(result)
    cs = 100 * dataset.surface_concentration.values
    ratio = dataset.time_ratio.values
    length, flaw = dataset.attrs["thickness_m"], dataset.attrs["flaw_size_m"]
    strength = dataset.attrs["fracture_strength_Pa"]
    created = axes is None
    if created:
        fig, axes = plt.subplots(2, 2, figsize=(11, 8.5), constrained_layout=True)
    else:
        axes = np.asarray(axes).reshape(2, 2)
        fig = axes[0, 0].figure
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
    if created:
        fig.suptitle(
            f"{dataset.attrs['ion']}$^+$ exchange in {dataset.attrs['host']}, T = {dataset.attrs['temperature_K']:g} K, "
            f"L = {length * 1e3:g} mm, τ = {dataset.attrs['tau_s']:.3g} s"
        )
    return fig


def map_profiles(result: IonExchangeMapResult | xr.Dataset, rows: int = 3, axes: np.ndarray | None = None) -> Figure:
    """SI.8: σ/|σ_f| (left) and C (right) vs x/L at each t/τ, for up to ``rows`` values of C_s, with the
    bounds in red. ``axes``, if given, needs one row of two panels per C_s shown."""
    dataset = _dataset(result)
    picks = np.unique(np.linspace(0, dataset.surface_concentration.size - 1, rows).round().astype(int))
    created = axes is None
    if created:
        fig, axes = plt.subplots(len(picks), 2, figsize=(10, 3.0 * len(picks)), squeeze=False, constrained_layout=True)
    else:
        axes = np.asarray(axes).reshape(len(picks), 2)
        fig = axes[0, 0].figure
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
    if created:
        fig.suptitle(f"SI.8 dimensionless map, {dataset.attrs['ion']}$^+$ (red: bounds)")
    return fig


def li_penalty_figure(result: LiPenaltyResult, axes: Sequence[Axes] | None = None) -> Figure:
    """Two-step fit of the exchanged law: ln D vs σ at each T (step 1) and the zero-stress Arrhenius line
    (step 2), from a result whose exchanged law was fitted to MD data."""
    if result.exchanged_fit is None or result.exchanged_data is None:
        raise InputError("the exchanged law was not fitted to MD data here: there is no fit to plot")
    fit, data = result.exchanged_fit, result.exchanged_data
    temperature, stress, diffusivity = data.temperature_K, data.stress_Pa, data.D_m2_per_s
    if axes is None:
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    else:
        left, right = axes
        fig = left.figure
    law = fit.law
    for i, level in enumerate(fit.temperatures):
        at = temperature == level
        grid = np.linspace(stress[at].min(), stress[at].max(), 50)
        left.plot(stress[at] / 1e9, diffusivity[at], "o", color=f"C{i}", label=f"{level:g} K")
        left.plot(grid / 1e9, np.exp(fit.zero_stress_log_diffusivity[i]) * np.exp(-grid * law.activation_volume / (GAS_CONSTANT * level)), color=f"C{i}")
    left.set_yscale("log")
    left.set_xlabel("MD cell pressure (GPa, compression > 0)")
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
