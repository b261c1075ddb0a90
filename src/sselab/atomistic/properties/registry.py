"""Registry search for a hetero-interface: Bayesian optimisation against the exhaustive grid (seed 004).

The search space X is a grid of rigid shifts x = (s_a, s_b, s_z) of the upper crystal: lateral shifts along
the two in-plane cell vectors and a vertical shift of the gap, in Å (seed 004: 0.25 Å steps over [0, 3] Å
laterally and [0, 0.75] Å vertically; x = 0 is the interface as built). The objective f(x) is the
calculator energy of the shifted interface (after relaxation, as in the paper, or single-point).

Bayesian optimisation (seed 004 Fig. S4): ``initial`` random grid points are evaluated; a Gaussian process
with an RBF kernel (isotropic on the grid scaled to the unit cube, plus a constant amplitude and a white-noise
term; scikit-learn, hyper-parameters by maximum marginal likelihood — the paper minimised an MSE loss with
Adam, a different fit of the same model) predicts f over the unevaluated grid points, and the point with the largest Expected
Improvement,

    EI(x) = (f* − μ − ξ) Φ(Z) + σ φ(Z),   Z = (f* − μ − ξ)/σ,

(f* the lowest value so far, ξ a small exploration margin) is evaluated next. The search stops when f* has not
improved for ``patience`` (2) consecutive BO steps, or the grid is exhausted. :func:`grid_search` evaluates every
point: the reference minimum, and the count BO is compared with.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from sselab.errors import SSELabError
from sselab.validation import require_range, require_within_limit

#: Å. Smallest shift step: a registry 1e-4 Å away changes a calculator's energy by ~1e-4 eV/Å × 1e-4 Å, nothing it
#: resolves; the floor keeps the grid's size computable (a 1e-300 Å step overflowed it).
MIN_SHIFT_STEP_A = 1e-4


@dataclass(frozen=True)
class ShiftGrid:
    """Lateral shifts 0..lateral_max (both in-plane directions) and vertical shifts 0..vertical_max, in Å."""

    lateral_step: float = 0.25
    lateral_max: float = 3.0
    vertical_step: float = 0.25
    vertical_max: float = 0.75

    def points(self) -> np.ndarray:
        for name in ("lateral_step", "vertical_step"):
            if not getattr(self, name) > 0:
                raise SSELabError(f"{name.replace('_', ' ')} must be positive")
        values = (self.lateral_step, self.lateral_max, self.vertical_step, self.vertical_max)
        if not all(np.isfinite(values)):
            raise SSELabError("shift steps and ranges must be finite")
        for name in ("lateral_step", "vertical_step"):  # finer than atomic positions are known: no registry differs
            require_range(getattr(self, name), name.replace("_", " "), low=MIN_SHIFT_STEP_A, unit="A")
        if self.lateral_max < 0 or self.vertical_max < 0:
            raise SSELabError("shift ranges must not be negative")
        lateral_count = math.floor(self.lateral_max / self.lateral_step) + 1  # exact integers: no float overflow
        size = lateral_count**2 * (math.floor(self.vertical_max / self.vertical_step) + 1)
        # each point is a structure the grid search computes (and BO may): bounded like any study's structures
        require_within_limit(size, "structures", "the shift grid's points")
        lateral = np.arange(0.0, self.lateral_max + 1e-9, self.lateral_step)
        vertical = np.arange(0.0, self.vertical_max + 1e-9, self.vertical_step)
        a, b, z = np.meshgrid(lateral, lateral, vertical, indexing="ij")
        return np.column_stack([a.ravel(), b.ravel(), z.ravel()])


@dataclass(frozen=True)
class SearchResult:
    method: str
    evaluated: tuple[int, ...]  # grid indices in evaluation order
    values: tuple[float, ...]  # objective at each, same order

    @property
    def evaluations(self) -> int:
        return len(self.evaluated)

    @property
    def best_index(self) -> int:
        return self.evaluated[int(np.argmin(self.values))]

    @property
    def best_value(self) -> float:
        return float(min(self.values))

    def best_so_far(self) -> np.ndarray:
        return np.minimum.accumulate(np.asarray(self.values))


def grid_search(objective: Callable[[int], float], n_points: int, progress: Callable[..., None] | None = None) -> SearchResult:
    """Evaluate ``objective`` (grid index → value) at every point."""
    values = []
    for index in range(n_points):
        values.append(float(objective(index)))
        if progress:
            progress()
    return SearchResult("grid", tuple(range(n_points)), tuple(values))


def expected_improvement(mean: np.ndarray, std: np.ndarray, best: float, xi: float) -> np.ndarray:
    """EI for minimisation; 0 where the GP is certain."""
    improvement = best - mean - xi
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(std > 0, improvement / std, 0.0)
    return np.where(std > 0, improvement * norm.cdf(z) + std * norm.pdf(z), np.maximum(improvement, 0.0))


def _gaussian_process(seed: int):
    """GP on grid coordinates scaled to the unit cube: isotropic RBF, amplitude and white noise fitted.

    The length-scale bounds (0.1–1 of the search range) keep the marginal-likelihood fit on a handful of points
    from running to degenerate extremes (a flat or a spiky surrogate), which otherwise stalls the search.
    """
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    kernel = ConstantKernel(1.0, (1e-2, 1e2)) * RBF(length_scale=0.3, length_scale_bounds=(0.1, 1.0)) + WhiteKernel(1e-5, (1e-8, 1e-2))
    return GaussianProcessRegressor(kernel=kernel, normalize_y=True, n_restarts_optimizer=2, random_state=seed)


def bayesian_search(objective: Callable[[int], float], points: np.ndarray, initial: int = 3, patience: int = 2, xi: float = 0.01,
                    seed: int = 0, progress: Callable[..., None] | None = None) -> SearchResult:
    """GP (RBF) + Expected Improvement over the grid ``points`` (N × d); stop after ``patience`` steps without improvement.

    ``xi`` is in units of the objective's standard deviation over the evaluated points (it is scaled by it).
    """
    from sklearn.exceptions import ConvergenceWarning

    points = np.asarray(points, dtype=float)
    n = len(points)
    span = np.ptp(points, axis=0)
    scaled = (points - points.min(axis=0)) / np.where(span > 0, span, 1.0)
    if initial < 1 or patience < 1:
        raise SSELabError("initial and patience must be at least 1")
    rng = np.random.default_rng(seed)
    evaluated = [int(i) for i in rng.choice(n, size=min(initial, n), replace=False)]
    values = []
    for index in evaluated:
        values.append(float(objective(index)))
        if progress:
            progress()
    stale = 0
    while len(evaluated) < n and stale < patience:
        model = _gaussian_process(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(scaled[evaluated], np.asarray(values))
        remaining = np.setdiff1d(np.arange(n), evaluated)
        mean, std = model.predict(scaled[remaining], return_std=True)
        scale = float(np.std(values)) or 1.0
        score = expected_improvement(mean, std, min(values), xi * scale)
        choice = int(remaining[int(np.argmax(score))])
        best_before = min(values)
        evaluated.append(choice)
        values.append(float(objective(choice)))
        if progress:
            progress()
        stale = 0 if values[-1] < best_before - 1e-12 else stale + 1
    return SearchResult("bayesian", tuple(evaluated), tuple(values))
