"""Time-averaged mean-square displacement by FFT, and D from its diffusive regime.

MSD (seed 004 eq. 5), averaged over all time origins, for lag m (frames) and T frames:

    MSD_i(m) = 1/(T−m) Σ_k |r_i(k+m) − r_i(k)|²
             = 1/(T−m) [Σ_{k<T−m} |r_i(k)|² + Σ_{k≥m} |r_i(k)|²] − 2/(T−m) Σ_k r_i(k)·r_i(k+m)

The first bracket comes from cumulative sums, the correlation from a zero-padded FFT, so one atom
costs O(T log T) instead of O(T²) (Kneller et al., Comput. Phys. Commun. 91, 191 (1995)). Atoms
are processed in chunks sized to a memory budget, so a long trajectory never needs more than the
budget on top of its positions. This is written here rather than taken from
pymatgen-analysis-diffusion because that package transforms every atom of the system, framework
included, at once; the algorithm itself is the same (the tests compare the two).

D (seed 004 eq. 6): D = slope/(2d) of the species-mean MSD against lag over the diffusive window,
d the dimensionality (3). The window ends at a fraction f of the run: longer lags have few
independent origins. For Brownian motion the relative error of the time-averaged MSD at lag m
of a T-frame run over N atoms is ≈ √(4m/(3NT)) (Qian, Sheetz & Elson, Biophys. J. 60, 910
(1991)), so f = min(``max_lag_fraction``, 0.03 N) keeps it near 20 % or below (f = 3 % for one
atom, the default 50 % from 17 atoms on). The window starts at the earliest lag from
which the MSD is linear in t, by either of two tests: its log–log slope β is within
``beta_tolerance`` (0.15) of 1 (robust to noise at long lags, as it weights decades of lag
equally), or the slopes of straight-line fits over the first and second half of the window
agree within ``linearity_tolerance`` (20 %), which accepts a cage offset (MSD = A + 6Dt, whose β
is below 1) but not curvature. This skips the ballistic (convex) and caged or sub-diffusive
(concave) regimes. The run is "not diffusive" when no start passes, or when the MSD grows by
less than ``min_msd_A2`` over the window (ions that have not left their sites). A window that passes the halves test
but not the log–log one carries a warning: with β below 1 the two cannot tell a cage offset (D right) from a short,
still sub-diffusive run (D an upper bound).

Uncertainty: every atom's own MSD slope over the same window gives D_i; the standard error of D
is std(D_i)/√N. This treats the atoms as independent (the Haven ratio is 1) and is the spread a
repeat of the run with the same number of ions would show. With few atoms (a dilute exchange ion)
that spread is itself poorly known, so :func:`block_estimate` cuts the run into B = 8 consecutive
blocks, fits every atom in every block over [start, block length/2], and takes the mean of the
D_ib as D and std(D_ib)/√(N·B) as its error: blocks of a diffusive run are independent once they
are much longer than the velocity memory. (The full-run fit to half the run is the less
efficient estimator: its scatter for one atom is ~2.6× the block error, which is why the block
mean, not the full-run slope, is reported with the block error.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.fft

from sselab.errors import SSELabError

A2_PER_FS_TO_M2_PER_S = 1e-20 / 1e-15
DEFAULT_MEMORY_BUDGET = 256 * 2**20
#: the window may reach this fraction of the run per atom analysed (see the module docstring)
SAMPLING_FRACTION_PER_ATOM = 0.03


def msd_per_atom(displacements: np.ndarray, max_lag: int | None = None, memory_budget: int = DEFAULT_MEMORY_BUDGET) -> np.ndarray:
    """MSD_i(m) in Å² for lags m = 0 … max_lag (frames) from (frames, atoms, 3) positions in Å.

    Returns shape (atoms, max_lag + 1). Positions should be unwrapped; subtracting each atom's
    first position (as :class:`~sselab.analysis.trajectory.Trajectory` does) keeps the FFT accurate.
    """
    positions = np.asarray(displacements, dtype=float)
    if positions.ndim != 3 or positions.shape[2] != 3:
        raise SSELabError("positions must have shape (frames, atoms, 3)")
    frames, atoms, _ = positions.shape
    if frames < 2:
        raise SSELabError("the MSD needs at least two frames")
    max_lag = frames - 1 if max_lag is None else int(max_lag)
    if not 0 < max_lag < frames:
        raise SSELabError(f"max_lag must be between 1 and {frames - 1}, got {max_lag}")
    length = scipy.fft.next_fast_len(frames + max_lag, real=True)  # no wrap-around up to max_lag
    bytes_per_atom = 3 * (length // 2 + 1) * 16 * 2 + length * 8 + frames * 8 * 4
    chunk = max(1, int(memory_budget // bytes_per_atom))
    lags = np.arange(max_lag + 1)
    origins = frames - lags
    result = np.empty((atoms, max_lag + 1))
    for start in range(0, atoms, chunk):
        block = positions[:, start : start + chunk, :]
        squared = np.einsum("tij,tij->it", block, block)  # (atoms, frames)
        cumulative = np.concatenate([np.zeros((squared.shape[0], 1)), np.cumsum(squared, axis=1)], axis=1)
        head = cumulative[:, frames - lags]  # Σ_{k<T−m} |r(k)|²
        tail = cumulative[:, -1:] - cumulative[:, lags]  # Σ_{k≥m} |r(k)|²
        spectrum = scipy.fft.rfft(block, n=length, axis=0, workers=-1)
        power = (spectrum.real**2 + spectrum.imag**2).sum(axis=2)  # Σ over x, y, z before the inverse: one transform, not three
        correlation = scipy.fft.irfft(power, n=length, axis=0, workers=-1)[: max_lag + 1].T
        result[start : start + chunk] = (head + tail - 2 * correlation) / origins
    result[:, 0] = 0.0  # exact by definition; the FFT leaves round-off there
    return np.maximum(result, 0.0)


@dataclass(frozen=True)
class DiffusionEstimate:
    """D of one species with the window it came from; ``diffusive`` False means no D is claimed."""

    species: str
    atoms: int
    diffusive: bool
    diffusivity: float | None  # m²/s
    diffusivity_stderr: float | None  # m²/s
    window_fs: tuple[float, float] | None
    loglog_slope: float  # β of MSD ∝ t^β over the window tried last
    msd_at_window_end_A2: float
    reason: str = ""
    warnings: list[str] = field(default_factory=list)


def _loglog_slope(lag_fs: np.ndarray, msd: np.ndarray) -> float:
    usable = (lag_fs > 0) & (msd > 0)
    if usable.sum() < 3:
        return float("nan")
    logs_t, logs_m = np.log(lag_fs[usable]), np.log(msd[usable])
    # equal weight per log-interval of lag, not per frame (otherwise long lags dominate)
    bins = np.digitize(logs_t, np.linspace(logs_t[0], logs_t[-1], 41))
    centres_t = np.array([logs_t[bins == b].mean() for b in np.unique(bins)])
    centres_m = np.array([logs_m[bins == b].mean() for b in np.unique(bins)])
    return float(np.polyfit(centres_t, centres_m, 1)[0]) if centres_t.size >= 2 else float("nan")


def _slopes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares slopes of every row of y (rows, len(x)) against x, in closed form (one matrix product)."""
    centred = x - x.mean()
    return (y @ centred) / (centred @ centred)


def _halves_ratio(lag_fs: np.ndarray, msd: np.ndarray) -> float:
    """Slope of the MSD over the second half of the lags divided by that over the first half (1 when linear)."""
    if lag_fs.size < 8:
        return float("nan")
    middle = lag_fs.size // 2
    first = np.polyfit(lag_fs[: middle + 1], msd[: middle + 1], 1)[0]
    second = np.polyfit(lag_fs[middle:], msd[middle:], 1)[0]
    return float(second / first) if first > 0 else float("inf")


def estimate_diffusivity(
    species: str,
    per_atom_msd: np.ndarray,
    frame_interval_fs: float,
    dimension: int = 3,
    max_lag_fraction: float = 0.5,
    beta_tolerance: float = 0.15,
    linearity_tolerance: float = 0.2,
    min_msd_A2: float = 1.0,
    window_fs: tuple[float, float] | None = None,
    frames: int | None = None,
) -> DiffusionEstimate:
    """D with its standard error from per-atom MSDs (atoms, lags) (see the module docstring).

    ``frames`` is the run's length when the MSD was computed only up to a shorter ``max_lag``
    (default: the MSD's own length). ``window_fs`` fixes the fitting window instead of detecting
    it (the linearity and growth checks still decide ``diffusive``).
    """
    if dimension not in (1, 2, 3):
        raise SSELabError(f"the diffusion dimensionality must be 1, 2 or 3, got {dimension}")
    if not 0 < max_lag_fraction <= 1:
        raise SSELabError(f"max_lag_fraction must be in (0, 1], got {max_lag_fraction}")
    atoms, lags = per_atom_msd.shape
    lag_fs = np.arange(lags) * frame_interval_fs
    mean = per_atom_msd.mean(axis=0)
    run_lags = (frames or lags) - 1
    fraction = min(max_lag_fraction, SAMPLING_FRACTION_PER_ATOM * atoms)
    end = int(run_lags * fraction) if window_fs is None else int(np.floor(window_fs[1] / frame_interval_fs + 1e-9))
    if end > lags - 1:
        raise SSELabError(f"the fitting window needs the MSD up to lag {end} frames; it was computed up to {lags - 1}")
    if window_fs is not None and not (0 <= window_fs[0] < window_fs[1]):
        raise SSELabError(f"the fitting window {window_fs} fs must lie inside the run's lags (0 to {lag_fs[-1]:g} fs)")
    if end < 8:
        return DiffusionEstimate(species, atoms, False, None, None, None, float("nan"), float(mean[min(end, lags - 1)]),
                                 reason=f"the run is too short: only {end} lags in the fitting window (need at least 8 frames)")

    def linear(first: int) -> tuple[bool, float, float]:
        beta = _loglog_slope(lag_fs[max(first, 1) : end + 1], mean[max(first, 1) : end + 1])
        ratio = _halves_ratio(lag_fs[first : end + 1], mean[first : end + 1])
        return abs(beta - 1) <= beta_tolerance or abs(ratio - 1) <= linearity_tolerance, beta, ratio

    if window_fs is not None:
        start = int(np.ceil(window_fs[0] / frame_interval_fs - 1e-9))
        accepted, beta, ratio = linear(start)
    else:
        start, accepted, beta, ratio = None, False, float("nan"), float("nan")
        for candidate in np.unique(np.geomspace(1, max(end // 4, 1), 24).astype(int)):
            accepted, beta, ratio = linear(int(candidate))
            if accepted:
                start = int(candidate)
                break
    msd_end = float(mean[end])
    if start is None or not accepted:
        return DiffusionEstimate(species, atoms, False, None, None, None, beta, msd_end,
                                 reason=f"the MSD is not linear in t: it grows as t^{beta:.2f} and its slope changes by a factor "
                                        f"{ratio:.2f} across the window")
    growth = msd_end - float(mean[start])
    if growth < min_msd_A2:
        return DiffusionEstimate(species, atoms, False, None, None, (lag_fs[start], lag_fs[end]), beta, msd_end,
                                 reason=f"the MSD grows by only {growth:.3g} Å² over the window (< {min_msd_A2:g} Å²): the ions have not left their sites")
    window = slice(start, end + 1)
    slopes = _slopes(lag_fs[window], per_atom_msd[:, window])  # Å²/fs per atom
    per_atom_d = slopes / (2 * dimension) * A2_PER_FS_TO_M2_PER_S
    warnings = []
    if atoms > 1:
        stderr = float(per_atom_d.std(ddof=1) / np.sqrt(atoms))
    else:
        stderr = None
        warnings.append("one atom of this species: no standard error (it needs the spread over atoms)")
    if end - start < 20:
        warnings.append(f"the diffusive window holds only {end - start + 1} lags; run longer or store frames more often")
    if abs(beta - 1) > beta_tolerance:  # accepted by the halves test alone
        warnings.append(f"the MSD grows as t^{beta:.2f} over the window and passed only because its two halves have slopes within "
                        f"{linearity_tolerance:.0%} (ratio {ratio:.2f}): D is right if this is a cage offset (MSD = A + 6Dt) and an "
                        "upper bound if the MSD is still sub-diffusive; a longer run decides")
    return DiffusionEstimate(species, atoms, True, float(per_atom_d.mean()), stderr, (float(lag_fs[start]), float(lag_fs[end])),
                             beta, msd_end, warnings=warnings)


def block_estimate(displacements: np.ndarray, frame_interval_fs: float, estimate: DiffusionEstimate, blocks: int = 8,
                   dimension: int = 3) -> tuple[float, float] | None:
    """D and its standard error (m²/s) from every atom in each of ``blocks`` consecutive blocks of the run.

    Each block is fitted over [the diffusive window's start, half the block]; D is the mean of the
    N·B slopes and the error std/√(N·B). None when the run is not diffusive or the blocks hold fewer
    than 8 lags. Meant for few atoms, where the spread over atoms alone is poorly known.
    """
    if not estimate.diffusive or blocks < 2:
        return None
    frames = displacements.shape[0] // blocks
    start = int(round(estimate.window_fs[0] / frame_interval_fs))
    end = (frames - 1) // 2
    if end - start < 8:
        return None
    lag_fs = np.arange(start, end + 1) * frame_interval_fs
    slopes = []
    for block in range(blocks):
        part = displacements[block * frames : (block + 1) * frames]
        msd = msd_per_atom(part - part[0], max_lag=end)[:, start : end + 1]
        slopes.append(_slopes(lag_fs, msd))
    samples = np.concatenate(slopes) / (2 * dimension) * A2_PER_FS_TO_M2_PER_S
    return float(samples.mean()), float(samples.std(ddof=1) / np.sqrt(samples.size))
