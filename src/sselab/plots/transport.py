"""Figures of the transport domain: each takes a result, draws on the given Axes (or new ones) and returns the Figure.

Results: :class:`~sselab.analysis.diffusion.DiffusionAnalysis` (MSD),
:class:`~sselab.studies.transport.ArrheniusAnalysis` (ln D against 1/T) and
:class:`~sselab.analysis.correlations.VanHoveAnalysis` (van Hove heatmaps, g(r) and ξ, density
map, clustering). Figures need the arrays a freshly computed result holds; one rebuilt with
``from_dict`` has only the numbers, and plotting it raises :class:`~sselab.errors.InputError`.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np

from sselab.errors import InputError
from sselab.plots.style import BOUND_COLOR, ION_COLORS


def _given(axes, count: int) -> list:
    """The ``count`` Axes a caller passed (a sequence or an array of them)."""
    axes = list(np.atleast_1d(np.asarray(axes, dtype=object)).ravel())
    if len(axes) != count:
        raise InputError(f"this figure draws on {count} Axes, got {len(axes)}")
    return axes


def _row(axes, count: int, figsize: tuple[float, float]):
    """(figure, ``count`` Axes, whether the figure is new): the given Axes, or a new row of them."""
    if axes is None:
        fig, created = plt.subplots(1, count, figsize=figsize, squeeze=False)
        return fig, list(created[0]), True
    axes = _given(axes, count)
    return axes[0].figure, axes, False


def _require(value, what: str):
    if value is None:
        raise InputError(f"the figure needs the {what}, which a result rebuilt with from_dict does not hold: compute it again")
    return value


def msd_figure(analysis, axes=None) -> plt.Figure:
    """MSD against lag, linear and log–log, with the diffusive window and the line of the reported D.

    ``axes``: two Axes (linear, log–log), or None for a new figure.
    """
    lag_fs = _require(analysis.lag_fs, "MSD")
    msd, spread = analysis.msd_A2, analysis.msd_stderr_A2
    fig, (linear, loglog), created = _row(axes, 2, (10, 4))
    lag_ps = lag_fs / 1000
    for ax in (linear, loglog):
        ax.plot(lag_ps, msd, color="C0", label=f"{analysis.species} (mean of {analysis.atoms})")
        ax.fill_between(lag_ps, np.maximum(msd - spread, 1e-12), msd + spread, color="C0", alpha=0.2, lw=0,
                        label="± standard error over atoms")
        ax.set_xlabel("lag time (ps)")
        ax.set_ylabel("MSD (Å$^2$)")
    if analysis.window_fs is not None:
        start, end = (t / 1000 for t in analysis.window_fs)
        for ax in (linear, loglog):
            ax.axvspan(start, end, color="0.85", zorder=0, label="fitting window")
    if analysis.diffusive:
        inside = (lag_fs >= analysis.window_fs[0]) & (lag_fs <= analysis.window_fs[1])
        reported, error = analysis.diffusivity_m2_per_s, analysis.diffusivity_stderr_m2_per_s
        slope = 6 * reported / 1e-5  # m²/s → Å²/fs, 3D
        intercept = np.mean(msd[inside] - slope * lag_fs[inside])
        linear.plot(lag_ps[inside], intercept + slope * lag_fs[inside], "k--",
                    label=f"D = {reported:.3g} ± {error or float('nan'):.2g} m$^2$/s")
        linear.set_title("diffusive")
    else:
        linear.set_title(textwrap.fill(f"not diffusive: {analysis.reason}", 70), fontsize=8)
    positive = lag_fs > 0
    loglog.set_xscale("log")
    loglog.set_yscale("log")
    if np.count_nonzero(positive) > 1:  # one lag (a two-frame run) has no range to show
        loglog.set_xlim(lag_ps[positive][0], lag_ps[-1])
    if np.any(msd[positive] > 0):
        loglog.set_ylim(msd[positive & (msd > 0)].min() / 2, msd.max() * 2)
    reference = msd[positive][-1] * (lag_fs[positive] / lag_fs[positive][-1])
    loglog.plot(lag_ps[positive], reference, ":", color="0.4", label="slope 1")
    loglog.set_title(f"log-log slope over the window: {analysis.loglog_slope:.2f}")
    linear.legend(fontsize=8)
    loglog.legend(fontsize=8)
    if created:
        fig.tight_layout()
    return fig


def arrhenius_figure(result, ax=None) -> plt.Figure:
    """ln D against 1000/T with the GLS line, its 1σ band and the extrapolation to the target temperature."""
    fit = _require(result.fit, "Arrhenius fit")
    temperature = np.array([p["temperature_K"] for p in result.data], dtype=float)
    diffusivity = np.array([p["D_m2_per_s"] for p in result.data], dtype=float)
    stderr = np.array([p.get("D_stderr_m2_per_s") or 0.0 for p in result.data], dtype=float)
    target = result.extrapolation_temperature_K
    created = ax is None
    fig, ax = plt.subplots(figsize=(5.5, 4.2)) if created else (ax.figure, ax)
    ax.errorbar(1000 / temperature, diffusivity, yerr=stderr, fmt="o", color="C0", capsize=3, label="MD")
    grid = np.linspace(1000 / max(temperature.max(), target) * 0.98, 1000 / min(temperature.min(), target) * 1.02, 200)
    line = fit.diffusivity(1000 / grid)
    band = np.array([fit.log_diffusivity_stderr(1000 / g) for g in grid])
    ax.plot(grid, line, "k-", label=f"E$_a$ = {fit.activation_energy_eV:.3f} ± {fit.activation_energy_stderr_eV:.3f} eV")
    if np.all(np.isfinite(band)):
        ax.fill_between(grid, line * np.exp(-band), line * np.exp(band), color="0.8", label="±1σ")
    ax.axvline(1000 / target, color=BOUND_COLOR, ls=":", label=f"{target:g} K")
    ax.set_yscale("log")
    ax.set_xlabel("1000/T (1/K)")
    ax.set_ylabel("D (m$^2$/s)")
    ax.legend(fontsize=8)
    if created:
        fig.tight_layout()
    return fig


def van_hove_figure(analysis, axes=None) -> plt.Figure:
    """Seed 004 Fig. 5: heatmaps of 4πr²G_s(r, t) and G_d(r, t) against r and t.

    ``axes``: one Axes per part (two when the distinct part was computed), or None for a new figure.
    """
    result = _require(analysis.van_hove, "van Hove functions")
    panels = 2 if result.distinct is not None else 1
    fig, axes, created = _row(axes, panels, (5.2 * panels, 4.2))
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

    heat(axes[0], result.self_density, "4πr$^2$G$_s$ (1/Å)", f"self, {result.species}",
         np.percentile(result.self_density[1:], 99.5))
    if result.distinct is not None:
        heat(axes[1], result.distinct, "G$_d$", f"distinct, {result.species}-{result.species}", 3.0)
        for ax in axes:
            ax.axvline(analysis.nearest_neighbour_A, color="w", ls=":", lw=1)
    if created:
        fig.tight_layout()
    return fig


def correlation_length_figure(analysis, axes=None) -> plt.Figure:
    """g(r) (top) and |g(r) − 1| with the maxima in the fit range and the fitted envelope e^(−r/ξ) (bottom).

    ``axes``: two Axes (top, bottom), or None for a new figure.
    """
    result = _require(analysis.van_hove, "van Hove functions")
    fit = analysis.correlation
    r, g = result.r_A, result.distinct[0]
    created = axes is None
    if created:
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(5.5, 5.5), sharex=True)
    else:
        top, bottom = _given(axes, 2)
        fig = top.figure
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
    if created:
        fig.tight_layout()
    return fig


def density_map_figure(analysis, ax=None, axis_labels: tuple[str, str] = ("a", "b")) -> plt.Figure:
    """Trajectory density of the species projected on a cell face (fractional coordinates)."""
    density = _require(analysis.density, "density map")
    fig, ax = plt.subplots(figsize=(4.8, 4.2)) if ax is None else (ax.figure, ax)
    image = ax.imshow(density.T, origin="lower", extent=(0, 1, 0, 1), cmap="magma", vmax=np.percentile(density, 99.5))
    ax.set_xlabel(f"{axis_labels[0]} (fractional)")
    ax.set_ylabel(f"{axis_labels[1]} (fractional)")
    ax.set_title(f"{analysis.species} trajectory density")
    fig.colorbar(image, ax=ax, label="density / mean")
    return fig


def clustering_figure(analysis, ax=None) -> plt.Figure:
    """Close-pair ratio of the exchange ion against time, with the uniform-random level and the threshold."""
    result = _require(analysis.cluster, "clustering test (cluster_species)")
    created = ax is None
    fig, ax = plt.subplots(figsize=(5.2, 3.6)) if created else (ax.figure, ax)
    ax.plot(result.time_fs / 1000, result.pair_ratio, color=ION_COLORS.get(result.species, "C0"))
    ax.axhline(1, color="0.5", lw=0.8, label="uniform random")
    ax.axhline(result.threshold, color=BOUND_COLOR, ls=":", label="clustering threshold")
    ax.set_xlabel("time (ps)")
    ax.set_ylabel(f"{result.species}-{result.species} pairs < {result.cutoff_A:g} Å / random")
    ax.legend(fontsize=8)
    if created:
        fig.tight_layout()
    return fig


def pathway_figure(result, ax=None) -> plt.Figure:
    """Seed 004 Fig. 4d for one run: d₁ (D_f), d₂ (D_if) and D_i per frame (time when known), means dashed."""
    series = _require(result.series, "per-frame pathway diameters")
    fig, (ax,), created = _row(None if ax is None else [ax], 1, (6.0, 3.8))
    known = np.all(np.isfinite(series.time_fs))
    x = series.time_fs / 1000 if known else np.arange(series.free_A.size)
    for values, statistic, label, color in ((series.included_A, result.largest_included, "largest included $D_i$", "0.55"),
                                            (series.included_along_free_A, result.d2, "$d_2$ = $D_{if}$ (cage on the path)", "C1"),
                                            (series.free_A, result.d1, "$d_1$ = $D_f$ (bottleneck)", "C0")):
        ax.plot(x, values, "o-", ms=2.5, lw=0.8, color=color, label=f"{label}: {statistic.mean_A:.3f} Å")
        ax.axhline(statistic.mean_A, color=color, ls="--", lw=0.8)
    ax.set_xlabel("time (ps)" if known else "frame")
    ax.set_ylabel("sphere diameter (Å)")
    removed = ", ".join(result.mobile)
    ax.set_title(f"free-sphere diameters of the framework without {removed}", fontsize=9)
    ax.legend(fontsize=8, loc="best")
    if created:
        fig.tight_layout()
    return fig
