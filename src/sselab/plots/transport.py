"""Figures of the transport domain: each function takes a result and returns a matplotlib Figure."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np

from sselab.plots.style import BOUND_COLOR, ION_COLORS


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
