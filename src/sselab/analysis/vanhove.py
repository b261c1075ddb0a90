"""Van Hove correlation functions, g(r), correlation length and exchange-ion clustering (seed 004).

Seed 004 eq. 8 splits G(r, t) into a self and a distinct part; both are radial averages here:

* self:      P_s(r, t) = 4πr² G_s(r, t) = ⟨(1/N) Σ_i δ(r − |r_i(t₀+t) − r_i(t₀)|)⟩_{t₀}, a probability
  density in r (1/Å), ∫ P_s dr = 1; from unwrapped displacements.
* distinct:  G_d(r, t) = ⟨(1/N) Σ_{i≠j} δ(r − |r_j(t₀+t) − r_i(t₀)|)⟩ / (4πr² ρ), normalised by the
  density of the other ions, (N−1)/V, so that G_d → 1 for uncorrelated ions; minimum image with the cell of
  frame t₀+t, valid for r up to half the smallest cell width. G_d(r, 0) = g(r).

Characteristic times (the seed names them but gives no formula; these are our operational
definitions, stated in every output):

* τ₁, residence time: the first lag at which a fraction 1 − 1/e of the ions are farther than
  r_NN/2 from where they started (r_NN the first peak of g(r)), i.e. have left their site;
* τ₂, onset of concerted migration: the first lag at which G_d averaged over r < r_NN/2 reaches
  1 − 1/e of its uncorrelated value 1, i.e. another ion has moved into a site that one just left.

Correlation length ξ (seed 004, after its ref. 56): the largest |g(r) − 1| of each lobe (between
sign changes of g − 1, after a 5-bin running mean) between 2.7 and 7.5 Å is fitted to A e^(−r/ξ)
(a line through their logarithms); one point per lobe keeps noise wiggles out of the envelope.

Clustering of exchange ions (seed 000 §3.4, K⁺ at 3.4 %): the number of ion pairs closer than
``cutoff`` in each frame, divided by the number expected for ions placed uniformly at random in
the cell, n(n−1)/2 · (4π r_c³/3)/V. A ratio that grows and ends well above 1 means clustering.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sselab.analysis.trajectory import Trajectory
from sselab.errors import SSELabError
from sselab.validation import require_count, require_positive

ONE_MINUS_INV_E = 1 - np.exp(-1)


def _periodic_positions(trajectory: Trajectory, species: str) -> np.ndarray:
    if trajectory.cells is None:
        raise SSELabError("the distinct van Hove function, g(r) and clustering need the cell: the trajectory has none")
    return trajectory.first_positions[species][None, :, :] + trajectory.displacements[species]


def largest_radius(cells: np.ndarray) -> float:
    """Half the smallest perpendicular width of the cells (Å): the minimum-image limit."""
    widths = []
    for cell in cells:
        volume = abs(np.linalg.det(cell))
        for i in range(3):
            j, k = (i + 1) % 3, (i + 2) % 3
            widths.append(volume / np.linalg.norm(np.cross(cell[j], cell[k])))
    return 0.5 * min(widths)


def _pair_distances(origin: np.ndarray, later: np.ndarray, cell: np.ndarray, exclude_self: bool) -> np.ndarray:
    delta = later[None, :, :] - origin[:, None, :]
    fractional = delta @ np.linalg.inv(cell)
    fractional -= np.round(fractional)
    distances = np.linalg.norm(fractional @ cell, axis=2)
    if exclude_self:
        np.fill_diagonal(distances, np.inf)
    return distances.ravel()


@dataclass(frozen=True)
class VanHove:
    species: str
    r_A: np.ndarray  # bin centres, Å
    lag_fs: np.ndarray
    self_density: np.ndarray  # P_s(r, t), (lags, bins), 1/Å
    distinct: np.ndarray | None  # G_d(r, t), (lags, bins), dimensionless
    origins: int


def lag_grid(frames: int, points: int = 40) -> np.ndarray:
    """Lags (frames) 0, then log-spaced up to half the run."""
    top = max(1, (frames - 1) // 2)
    return np.unique(np.concatenate([[0], np.geomspace(1, top, points).astype(int)]))


def van_hove(
    trajectory: Trajectory,
    species: str,
    lags: np.ndarray | None = None,
    r_max_A: float = 10.0,
    bin_width_A: float = 0.1,
    origins: int = 20,
    distinct: bool = True,
) -> VanHove:
    """P_s(r, t) and G_d(r, t) at ``lags`` (frames), averaged over up to ``origins`` time origins."""
    require_positive(r_max_A, "r_max", "Å")
    require_positive(bin_width_A, "bin width", "Å")
    require_count(origins, "origins", low=1)
    if species not in trajectory.displacements:
        raise SSELabError(f"species {species} was not read from the trajectory")
    frames = trajectory.frames
    lags = lag_grid(frames) if lags is None else np.asarray(lags, dtype=int)
    if lags.min() < 0 or lags.max() >= frames:
        raise SSELabError(f"lags must lie between 0 and {frames - 1} frames")
    positions = _periodic_positions(trajectory, species) if distinct else None
    if distinct:
        r_max_A = min(r_max_A, largest_radius(trajectory.cells))
    edges = np.arange(int(np.floor(r_max_A / bin_width_A + 1e-9)) + 1) * bin_width_A  # never past the minimum-image limit
    centres = 0.5 * (edges[1:] + edges[:-1])
    shell = 4 / 3 * np.pi * (edges[1:] ** 3 - edges[:-1] ** 3)
    displacements = trajectory.displacements[species]
    count = displacements.shape[1]
    if distinct and count < 2:
        raise SSELabError(f"the distinct van Hove function needs at least two {species} atoms")
    self_density = np.zeros((lags.size, centres.size))
    distinct_part = np.zeros((lags.size, centres.size)) if distinct else None
    used = 0
    for row, lag in enumerate(lags):
        starts = np.unique(np.linspace(0, frames - 1 - lag, min(origins, frames - lag)).astype(int))
        used = max(used, starts.size)
        steps = np.linalg.norm(displacements[starts + lag] - displacements[starts], axis=2).ravel()
        self_density[row] = np.histogram(steps, bins=edges)[0] / (steps.size * bin_width_A)
        if distinct:
            histogram = np.zeros(centres.size)
            for start in starts:
                cell = trajectory.cells[start + lag]
                distances = _pair_distances(positions[start], positions[start + lag], cell, exclude_self=True)
                density = (count - 1) / abs(np.linalg.det(cell))  # the N−1 other ions: G_d → 1 when uncorrelated
                histogram += np.histogram(distances, bins=edges)[0] / (count * density * shell)
            distinct_part[row] = histogram / starts.size
    return VanHove(species, centres, lags * trajectory.frame_interval_fs, self_density, distinct_part, used)


def first_peak(r: np.ndarray, g: np.ndarray, r_min: float = 1.0) -> float:
    """Position (Å) of the first maximum of g(r) beyond r_min that reaches half the global maximum.

    The maximum is located on a 3-bin running mean and refined as the centroid of g over ±2 bins.
    """
    mask = r > r_min
    if not np.any(g[mask] > 0):
        raise SSELabError("g(r) is zero everywhere: no pairs within the range")
    smooth = np.convolve(g, np.ones(3) / 3, mode="same")
    index = np.flatnonzero(mask)[np.argmax(smooth[mask] > 0.5 * smooth[mask].max())]
    while index + 1 < r.size and smooth[index + 1] > smooth[index]:
        index += 1
    around = slice(max(index - 2, 0), index + 3)
    return float(np.sum(r[around] * g[around]) / np.sum(g[around]))


@dataclass(frozen=True)
class CharacteristicTimes:
    nearest_neighbour_A: float
    residence_time_fs: float | None  # τ₁
    concerted_onset_fs: float | None  # τ₂
    definition: str


def characteristic_times(result: VanHove) -> CharacteristicTimes:
    """τ₁ and τ₂ as defined in the module docstring (None when the run is too short to see them)."""
    if result.distinct is None or result.lag_fs[0] != 0:
        raise SSELabError("characteristic times need the distinct part and the zero lag")
    r_nn = first_peak(result.r_A, result.distinct[0])
    width = result.r_A[1] - result.r_A[0]
    left = 1.0 - (result.self_density[:, result.r_A <= r_nn / 2] * width).sum(axis=1)  # counts ions beyond r_max too
    near = result.r_A < r_nn / 2
    weights = result.r_A[near] ** 2
    refill = (result.distinct[:, near] * weights).sum(axis=1) / weights.sum()

    def first(series: np.ndarray) -> float | None:
        hits = np.flatnonzero(series >= ONE_MINUS_INV_E)
        return float(result.lag_fs[hits[0]]) if hits.size else None

    return CharacteristicTimes(
        nearest_neighbour_A=r_nn,
        residence_time_fs=first(left),
        concerted_onset_fs=first(refill),
        definition="tau1: 1-1/e of ions farther than r_NN/2 from their start; tau2: G_d(r<r_NN/2) reaches 1-1/e",
    )


@dataclass(frozen=True)
class CorrelationLength:
    xi_A: float | None
    xi_stderr_A: float | None
    maxima_r_A: np.ndarray
    maxima_value: np.ndarray
    fit_range_A: tuple[float, float]
    reason: str = ""


def correlation_length(r: np.ndarray, g: np.ndarray, fit_range_A: tuple[float, float] = (2.7, 7.5)) -> CorrelationLength:
    """ξ from the envelope A e^(−r/ξ) of the maxima of |g(r) − 1| in ``fit_range_A``."""
    excess = np.convolve(np.asarray(g) - 1.0, np.ones(5) / 5, mode="same")  # 5-bin running mean against bin noise
    inside = (r >= fit_range_A[0]) & (r <= fit_range_A[1])
    # one maximum of |g − 1| per lobe (between sign changes of g − 1), so noise wiggles are not counted
    lobes = np.concatenate([[0], np.cumsum(np.diff(np.sign(excess)) != 0)])
    maxima = []
    for lobe in np.unique(lobes[inside]):
        members = np.flatnonzero(inside & (lobes == lobe))
        best = members[np.argmax(np.abs(excess[members]))]
        if abs(excess[best]) > 0 and members[0] < best < members[-1]:  # a true extremum, not a lobe cut by the range
            maxima.append(best)
    maxima = np.asarray(maxima, dtype=int)
    r_max, values = r[maxima], np.abs(excess[maxima])
    if len(maxima) < 2:
        return CorrelationLength(None, None, r_max, values, fit_range_A, reason="fewer than two maxima of |g(r) - 1| in the fit range")
    coefficients, covariance = (np.polyfit(r_max, np.log(values), 1, cov=True) if len(maxima) > 3 else (np.polyfit(r_max, np.log(values), 1), None))
    slope = coefficients[0]
    if not slope < 0:
        return CorrelationLength(None, None, r_max, values, fit_range_A, reason="the envelope of |g(r) - 1| does not decay in the fit range")
    xi = -1.0 / slope
    stderr = float(xi**2 * np.sqrt(covariance[0, 0])) if covariance is not None else None
    return CorrelationLength(float(xi), stderr, r_max, values, fit_range_A)


@dataclass(frozen=True)
class Clustering:
    species: str
    cutoff_A: float
    time_fs: np.ndarray
    pair_ratio: np.ndarray  # close pairs / uniform-random expectation, per frame
    final_ratio: float  # mean over the last quarter of the run
    clustered: bool
    threshold: float


def clustering(trajectory: Trajectory, species: str, cutoff_A: float = 4.0, threshold: float = 3.0, samples: int = 200) -> Clustering:
    """Close-pair ratio of ``species`` against a uniform random placement (module docstring)."""
    require_positive(cutoff_A, "clustering cutoff", "Å")
    positions = _periodic_positions(trajectory, species)
    count = positions.shape[1]
    if count < 2:
        raise SSELabError(f"clustering needs at least two {species} ions, the trajectory has {count}")
    if cutoff_A >= largest_radius(trajectory.cells):
        raise SSELabError(f"the clustering cutoff {cutoff_A} Å exceeds half the cell width")
    frames = np.unique(np.linspace(0, trajectory.frames - 1, min(samples, trajectory.frames)).astype(int))
    ratios = []
    for frame in frames:
        cell = trajectory.cells[frame]
        distances = _pair_distances(positions[frame], positions[frame], cell, exclude_self=True)
        close = np.count_nonzero(distances < cutoff_A) / 2
        expected = count * (count - 1) / 2 * (4 / 3 * np.pi * cutoff_A**3) / abs(np.linalg.det(cell))
        ratios.append(close / expected)
    ratios = np.asarray(ratios)
    tail = ratios[frames >= 0.75 * (trajectory.frames - 1)]
    final = float(tail.mean()) if tail.size else float(ratios[-1])
    return Clustering(species, cutoff_A, frames * trajectory.frame_interval_fs, ratios, final, final >= threshold, threshold)


def density_map(trajectory: Trajectory, species: str, axis: int = 2, bins: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Histogram of the species' positions over all frames, projected along ``axis`` (fractional).

    Returns (density, edges_u, edges_v) with positions wrapped into the cell in fractional
    coordinates of the two remaining axes; the density is normalised to a mean of 1.
    """
    positions = _periodic_positions(trajectory, species)
    fractional = np.einsum("tnj,tjk->tnk", positions, np.linalg.inv(trajectory.cells)) % 1.0
    keep = [i for i in range(3) if i != axis]
    u, v = fractional[..., keep[0]].ravel(), fractional[..., keep[1]].ravel()
    density, edges_u, edges_v = np.histogram2d(u, v, bins=bins, range=[[0, 1], [0, 1]])
    return density / density.mean(), edges_u, edges_v
