"""Li⁰ chemical-potential profile across single- and multi-layer separators (seed 002, Kim & Li).

Model (seed 002, eqs. 5–15), 1D steady state, x from the cathode (x = 0) to the anode (x = L),
ξ = x/L, μ = μ_Li⁰ in eV with Li_BCC = 0:

    dμ/dξ = e L j · g(μ),   g(μ) = −t/σ_ion + (1 − t)/(σ_e + σ_h),
    σ_e + σ_h = A e^{−(μ−B)/k_BT} + A e^{(μ−B)/k_BT} = 2A cosh u,   u = (μ − B)/k_BT,

with j the total current density (A/m², constant), σ_ion constant in each layer, and the Li
transference number t constant through the stack and fixed by μ(0) = μ_cathode, μ(1) = μ_anode.
e L j is in volts, so with μ in eV the equation needs no further constants.

Closed form (eqs. 16–17; the printed constant ``a`` is garbled, so it is derived here). With
q = 1 − t, α = q σ_ion / (2A(1 − q)), c = σ_ion k_BT / (e L j (1 − q)) and ρ = α/√|α² − 1|,

    1/(e L j g) = (c/k_BT) cosh u / (α − cosh u),   ξ(μ) = c (−u + ρ J(u)) + const,

    α > 1:  J(u) = ln |sinh((u* + u)/2) / sinh((u* − u)/2)|,  u* = arccosh α,
    α < 1:  J(u) = −2 arctan(tanh(u/2) √((1 + α)/(1 − α))).

For α > 1, g > 0 inside the window |u| < u* and the fixed points μ = B ± k_BT u* cannot be
crossed; for α < 1 (e.g. a strong ionic bottleneck) g < 0 everywhere and μ falls along the layer
(for j > 0).

Solution method. The unknown is q = 1 − t, carried as ln q, so that 1 − t keeps full relative
precision even when t differs from 1 only in its eleventh decimal. For a given q, each layer's
end potential follows from its start by inverting the closed form (a monotone 1D root), so
the anode potential μ_L(q) is exact up to round-off. Because ∂g/∂q = 1/(2A cosh u) + 1/σ_ion > 0
everywhere, μ_L(q) is monotone in q (comparison principle for a scalar ODE), so bracketing on
ln q always finds the unique t when one exists, and reports that none exists otherwise.
The solution is then checked in position: every layer's closed-form width must equal its
thickness fraction (``position_residuals``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy.optimize import brentq

from sselab.constants import BOLTZMANN_EV
from sselab.errors import ConvergenceError, InputError
from sselab.validation import require_finite, require_range

FRACTION_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Layer:
    """One electrolyte layer: thickness fraction of L, σ_ion (S/m), A (S/m), B (eV)."""

    fraction: float
    sigma_ion: float
    A: float
    B: float
    name: str = ""


@dataclass(frozen=True)
class Bottleneck:
    """An ionic bottleneck: σ_ion × ``sigma_ion_factor`` over [position − width/2, position + width/2] (fractions of L)."""

    position: float
    width: float
    sigma_ion_factor: float


@dataclass(frozen=True)
class Segment:
    """A stretch of uniform properties: [start, end] in ξ, σ_ion, A, B, and the layer it belongs to."""

    start: float
    end: float
    sigma_ion: float
    A: float
    B: float
    layer: int
    bottleneck: bool

    @property
    def width(self) -> float:
        return self.end - self.start


# Physical bounds of a separator and its operating point, so that a slip ends in one line rather than in an
# overflow or a "not resolvable" deep in the solver:
#: temperature (K): above 5000 K every solid electrolyte has melted;
MAX_TEMPERATURE_K = 5000.0
#: thickness (m): below 1 nm a layer is a few atoms, not a continuum; above 1 m it is no separator;
THICKNESS_RANGE_M = (1e-9, 1.0)
#: |current density| (A/m²): 10⁶ A/m² (100 A/cm²) is four orders above any cell's;
MAX_CURRENT_DENSITY_A_PER_M2 = 1e6
#: |potential| (eV, Li_BCC = 0): μ_cathode, μ_anode, B and the vulnerable band; no electrochemical window exceeds 10 eV;
MAX_POTENTIAL_EV = 10.0
#: conductivities σ_ion and A (S/m): up to silver's 6·10⁷ S/m (10⁸), down to 10⁻⁴⁰ S/m (seed 002 uses 2·10⁻³¹);
CONDUCTIVITY_RANGE_S_PER_M = (1e-40, 1e8)
#: bottleneck factor on σ_ion: the reduced (or raised) conductivity stays within these bounds of its layer's.
BOTTLENECK_FACTOR_RANGE = (1e-20, 1e6)


def _finite_positive(label: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and value > 0):
        raise InputError(f"{label} must be positive and finite, got {value}")


def _within(label: str, value: float, low: float, high: float, unit: str = "") -> None:
    require_range(value, label, low=low, high=high, unit=unit)


@dataclass(frozen=True)
class Separator:
    """The stack and its operating point (SI; potentials in eV)."""

    temperature: float  # K
    thickness: float  # m
    current_density: float  # A/m²
    mu_cathode: float  # eV
    mu_anode: float  # eV
    layers: tuple[Layer, ...]
    bottlenecks: tuple[Bottleneck, ...] = ()

    def __post_init__(self) -> None:
        _finite_positive("temperature", self.temperature)
        _finite_positive("thickness", self.thickness)
        _within("temperature", self.temperature, 0.0, MAX_TEMPERATURE_K, "K")
        _within("thickness", self.thickness, *THICKNESS_RANGE_M, "m")
        require_finite(self.current_density, "current density")
        if self.current_density == 0:
            raise InputError(f"current density must be finite and non-zero, got {self.current_density}")
        _within("current density", self.current_density, -MAX_CURRENT_DENSITY_A_PER_M2, MAX_CURRENT_DENSITY_A_PER_M2, "A/m^2")
        for label, value in (("mu_cathode", self.mu_cathode), ("mu_anode", self.mu_anode)):
            _within(label, value, -MAX_POTENTIAL_EV, MAX_POTENTIAL_EV, "eV")
        if not self.layers:
            raise InputError("the separator needs at least one layer")
        for i, layer in enumerate(self.layers, 1):
            _finite_positive(f"layer {i} fraction", layer.fraction)
            _finite_positive(f"layer {i} sigma_ion", layer.sigma_ion)
            _finite_positive(f"layer {i} A", layer.A)
            _within(f"layer {i} sigma_ion", layer.sigma_ion, *CONDUCTIVITY_RANGE_S_PER_M, "S/m")
            _within(f"layer {i} A", layer.A, *CONDUCTIVITY_RANGE_S_PER_M, "S/m")
            _within(f"layer {i} B", layer.B, -MAX_POTENTIAL_EV, MAX_POTENTIAL_EV, "eV")
        total = math.fsum(layer.fraction for layer in self.layers)
        if abs(total - 1.0) > FRACTION_TOLERANCE:
            raise InputError(f"layer fractions must sum to 1, got {total:.12g}")
        for i, neck in enumerate(self.bottlenecks, 1):
            _finite_positive(f"bottleneck {i} width", neck.width)
            if neck.width < 1e-12:
                raise InputError(f"bottleneck {i} width {neck.width:g} is below 1e-12 of the thickness (not resolvable)")
            _finite_positive(f"bottleneck {i} sigma_ion_factor", neck.sigma_ion_factor)
            _within(f"bottleneck {i} sigma_ion_factor", neck.sigma_ion_factor, *BOTTLENECK_FACTOR_RANGE)
            if not (neck.position - neck.width / 2 >= 0 and neck.position + neck.width / 2 <= 1):
                raise InputError(f"bottleneck {i} must lie within the separator (0 <= position ± width/2 <= 1)")

    @property
    def thermal_energy(self) -> float:
        """k_B T in eV."""
        return BOLTZMANN_EV * self.temperature

    @property
    def drive(self) -> float:
        """e L j in eV (L j in volts)."""
        return self.thickness * self.current_density

    def segments(self) -> list[Segment]:
        return list(self._segments)

    @cached_property
    def _segments(self) -> tuple[Segment, ...]:
        """Layers cut at every bottleneck edge; bottleneck stretches carry the reduced σ_ion (where
        bottlenecks overlap, their factors multiply)."""
        edges = np.concatenate([[0.0], np.cumsum([layer.fraction for layer in self.layers])])
        edges[-1] = 1.0
        cuts = set(edges.tolist())
        for neck in self.bottlenecks:
            cuts.update((neck.position - neck.width / 2, neck.position + neck.width / 2))
        points = sorted(cuts)
        segments = []
        for start, end in zip(points[:-1], points[1:], strict=True):
            if end - start <= 1e-15:
                continue
            middle = 0.5 * (start + end)
            layer_index = int(min(np.searchsorted(edges, middle, side="right") - 1, len(self.layers) - 1))
            layer = self.layers[layer_index]
            factor = 1.0
            for neck in self.bottlenecks:
                if neck.position - neck.width / 2 <= middle <= neck.position + neck.width / 2:
                    factor *= neck.sigma_ion_factor
            segments.append(Segment(start, end, layer.sigma_ion * factor, layer.A, layer.B, layer_index, factor != 1.0))
        return tuple(segments)


def _log1mexp_scalar(x: float) -> float:
    if x == 0.0:
        return -math.inf
    return math.log(-math.expm1(-x)) if x < math.log(2.0) else math.log1p(-math.exp(-x))


def _log1mexp(x: np.ndarray) -> np.ndarray:
    """ln(1 − e^{−x}) for x ≥ 0, accurate at both ends (Mächler's split at ln 2); −inf at 0."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(x < math.log(2.0), np.log(-np.expm1(-x)), np.log1p(-np.exp(-x)))


@dataclass(frozen=True)
class SegmentFlow:
    """The flow dμ/dξ = e L j g(μ) in one segment at a given q = 1 − t, with its closed-form ξ(μ)."""

    segment: Segment
    log_q: float
    thermal_energy: float
    drive: float

    @cached_property
    def q(self) -> float:
        return math.exp(self.log_q)

    @cached_property
    def log_alpha(self) -> float:
        """ln α, α = q σ_ion / (2A(1 − q))."""
        s = self.segment
        return self.log_q + math.log(s.sigma_ion) - math.log(2 * s.A) - math.log(-math.expm1(self.log_q))

    @cached_property
    def window(self) -> float | None:
        """u* = arccosh α when α > 1 (fixed points at u = ±u*), else None."""
        la = self.log_alpha
        if la <= 0:
            return None
        return la + math.log1p(math.sqrt(-math.expm1(-2 * la)))

    @cached_property
    def _constants(self) -> tuple[float, float, float, float]:
        """(c, ρ, shape, has_window): shape is ρ − 1 when α > 1 (has_window = 1.0) and the arctan
        factor √((1 + α)/(1 − α)) when α < 1 (has_window = 0.0)."""
        one_minus_q = -math.expm1(self.log_q)
        c = self.segment.sigma_ion * self.thermal_energy / (self.drive * one_minus_q)
        la = self.log_alpha
        if self.window is None:
            alpha = math.exp(la)
            return c, alpha / math.sqrt(-math.expm1(2 * la)), math.sqrt((1 + alpha) / (1 - alpha)), 0.0
        root = math.sqrt(-math.expm1(-2 * la))
        return c, 1.0 / root, math.exp(-2 * la) / (root * (1 + root)), 1.0

    def u(self, mu: np.ndarray | float) -> np.ndarray:
        return (np.asarray(mu, dtype=float) - self.segment.B) / self.thermal_energy

    def velocity(self, mu: np.ndarray | float) -> np.ndarray:
        """dμ/dξ (eV per unit ξ) = e L j (q/(2A cosh u) − (1 − q)/σ_ion)."""
        u = np.abs(self.u(mu))
        inverse_cosh = 2 * np.exp(-u) / (1 + np.exp(-2 * u))
        one_minus_q = -math.expm1(self.log_q)
        return self.drive * (self.q * inverse_cosh / (2 * self.segment.A) - one_minus_q / self.segment.sigma_ion)

    def position(self, mu: np.ndarray | float) -> np.ndarray:
        """ξ(μ) up to a constant (the antiderivative; see the module docstring).

        For α > 1, J is evaluated as |a| − |b| + ln(1 − e^{−2|a|}) − ln(1 − e^{−2|b|}) with
        a, b = (u* ± u)/2, and inside the window −u + ρ(|a| − |b|) = (ρ − 1)u with
        ρ − 1 = α⁻²/(√z(1 + √z)), z = 1 − α⁻²: no cancellation even when α ~ 10³⁰.
        """
        u = self.u(mu)
        c, rho, shape, has_window = self._constants
        if not has_window:
            return c * (-u + rho * -2 * np.arctan(np.tanh(u / 2) * shape))
        star = self.window
        a, b = (star + u) / 2, (star - u) / 2
        inside = (a > 0) & (b > 0)
        linear = np.where(inside, shape * u, -u + rho * (np.abs(a) - np.abs(b)))
        tails = _log1mexp(2 * np.abs(a)) - _log1mexp(2 * np.abs(b))
        return c * (linear + rho * tails)

    def position_scalar(self, mu: float) -> float:
        """:meth:`position` for one float, with ``math`` only (the root-finders' inner loop)."""
        u = (mu - self.segment.B) / self.thermal_energy
        c, rho, shape, has_window = self._constants
        if not has_window:
            return c * (-u - 2 * rho * math.atan(math.tanh(u / 2) * shape))
        star = self.window
        a, b = (star + u) / 2, (star - u) / 2
        linear = shape * u if (a > 0 and b > 0) else -u + rho * (abs(a) - abs(b))
        return c * (linear + rho * (_log1mexp_scalar(2 * abs(a)) - _log1mexp_scalar(2 * abs(b))))

    def edge(self, sign: int) -> float:
        """The fixed point μ = B + sign · k_BT · u* (sign = −1 lower, +1 upper window edge)."""
        return self.segment.B + sign * self.thermal_energy * self.window

    def position_near_edge(self, sign: int, log_delta: float) -> float:
        """ξ(μ) at a distance e^{log_delta} (eV) from edge(sign), for distances below float spacing
        (either side: only |μ − edge| enters at this order).

        The half-distance of u to the edge, δ/(2k_BT), enters only through ln(1 − e^{−δ/k_BT}) ≈
        ln(δ/k_BT), so the antiderivative stays exact however small δ is.
        """
        c, rho, shape, _ = self._constants
        star = self.window
        log_small = log_delta - math.log(self.thermal_energy)  # ln(2 |small half-distance|) = ln(δ/kT)
        small = math.exp(log_small)
        tail_small = log_small - small / 2 if small < 1e-8 else _log1mexp_scalar(small)
        u = sign * star
        linear = shape * u  # −u + ρ(|a| − |b|) at the edge equals (ρ − 1)u on both sides
        tail_big = _log1mexp_scalar(2 * star)
        tails = tail_small - tail_big if sign < 0 else tail_big - tail_small
        return c * (linear + rho * tails)

    def width_between(self, mu_start: float, mu_end: float) -> float:
        """Δξ needed to go from ``mu_start`` to ``mu_end`` (inf across a fixed point)."""
        if mu_start == mu_end:
            return 0.0
        bound = self._bound(mu_start)
        if bound is not None and (mu_end - bound) * (mu_start - bound) <= 0 and mu_end != bound:
            return math.inf
        return float(self.position(mu_end) - self.position(mu_start))

    def _bound(self, mu_start: float) -> float | None:
        """The fixed point the flow from ``mu_start`` runs towards (None if it runs to ±∞)."""
        star = self.window
        direction = np.sign(self.velocity(mu_start))
        if star is None or direction == 0:
            return None
        u0 = float(self.u(mu_start))
        ahead = [p for p in (-star, star) if (p - u0) * direction > 0]
        if not ahead:
            return None
        nearest = min(ahead, key=lambda p: abs(p - u0))
        return self.segment.B + self.thermal_energy * nearest

    def advance(self, mu_start: float, width: float, start_position: float | None = None,
                direction: float | None = None) -> float:
        """μ after travelling ``width`` in ξ from ``mu_start`` (exact inversion of the closed form).

        ``start_position`` and ``direction`` describe a start that float64 cannot place: a point
        within float spacing of a fixed point (see :meth:`position_near_edge`).
        """
        if direction is None:
            direction = float(np.sign(self.velocity(mu_start)))
        if direction == 0 or width == 0:
            return mu_start
        start = self.position_scalar(mu_start) if start_position is None else start_position
        if not math.isfinite(start):
            raise ConvergenceError(
                "a potential sits on a fixed point of the flow to float64 resolution; this profile is not "
                "resolvable by shooting in float64"
            )
        target = start + width

        def miss(mu: float) -> float:
            return self.position_scalar(mu) - target

        bound = self._bound(mu_start if start_position is None else mu_start + direction * 1e-9)
        if bound is not None:
            gap = bound - mu_start
            far = mu_start + 0.5 * gap
            while miss(far) < 0:
                remaining = bound - far
                if abs(remaining) <= 8 * math.ulp(bound) + 1e-300:
                    return bound  # the plateau sits on the fixed point to float resolution
                far = bound - remaining * 1e-3
        else:
            step = direction * max(self.thermal_energy, abs(self.drive) / self.segment.sigma_ion, 1e-3)
            far = mu_start + step
            while miss(far) < 0:
                step *= 2
                far = mu_start + step
                if not math.isfinite(far):
                    raise ConvergenceError("the potential runs away to infinity within a layer")
        lo, hi = (mu_start, far) if direction > 0 else (far, mu_start)
        try:
            return brentq(miss, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500)
        except ValueError:  # non-finite ξ at float-resolution distances from a fixed point
            raise ConvergenceError("a layer map is not resolvable in float64 (fixed point within float spacing)") from None


def flows(separator: Separator, log_q: float) -> list[SegmentFlow]:
    return [SegmentFlow(s, log_q, separator.thermal_energy, separator.drive) for s in separator.segments()]


def shoot(separator: Separator, log_q: float) -> list[float]:
    """Potentials at every segment boundary, from μ_cathode, for q = exp(log_q)."""
    potentials = [separator.mu_cathode]
    for flow in flows(separator, log_q):
        potentials.append(flow.advance(potentials[-1], flow.segment.width))
    return potentials


LOG_Q_MIN = math.log(1e-300)
LOG_Q_MAX = math.log1p(-1e-15)


@dataclass(frozen=True)
class Li0Solution:
    separator: Separator
    log_q: float
    boundary_potentials: tuple[float, ...]  # at every segment boundary, from the cathode
    segments: tuple[Segment, ...]
    position_residuals: tuple[float, ...]  # closed-form width − segment width per segment (0: exact at float resolution)
    anode_mismatch_eV: float
    flows_: tuple[SegmentFlow, ...] = field(repr=False, default=())
    start_positions: tuple[float | None, ...] = ()  # exact ξ-antiderivative at a segment's start, where float μ cannot place it

    @property
    def one_minus_t(self) -> float:
        return math.exp(self.log_q)

    @property
    def worst_residual(self) -> float:
        return max(abs(r) for r in self.position_residuals)

    @property
    def t(self) -> float:
        return -math.expm1(self.log_q)


def solve(separator: Separator, position_tolerance: float = 1e-9) -> Li0Solution:
    """Find t (as 1 − t) and every boundary potential; see the module docstring.

    Acceptance is in position, not potential: with the last boundary potential set to μ_anode,
    every segment's closed-form width must equal its thickness fraction to
    ``position_tolerance``. A jump that sits at the anode edge can be narrower than float64
    resolution in ξ; then no t makes the shot land on μ_anode, yet the position residual is
    ~1e-16 and the solution is exact to working precision.
    """

    def mismatch(log_q: float) -> float:
        return shoot(separator, log_q)[-1] - separator.mu_anode

    sign = 1.0 if separator.drive > 0 else -1.0  # μ_L increases with q when j > 0
    low, high = mismatch(LOG_Q_MIN), mismatch(LOG_Q_MAX)
    if sign * low > 0 or sign * high < 0:
        reach = sorted((low + separator.mu_anode, high + separator.mu_anode))
        raise InputError(
            f"no steady state with 0 < t_Li <= 1: the anode-side potential can only reach [{reach[0]:.4g}, {reach[1]:.4g}] eV "
            f"for this stack and current, and mu_anode = {separator.mu_anode:g} eV lies outside"
        )
    log_q = brentq(mismatch, LOG_Q_MIN, LOG_Q_MAX, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=1000)
    best = solution_at(separator, log_q)
    if not best.worst_residual <= position_tolerance:  # brentq stops within a few ulps: try the neighbours
        neighbours = []
        for direction in (-np.inf, np.inf):
            step = log_q
            for _ in range(4):
                step = float(np.nextafter(step, direction))
                neighbours.append(solution_at(separator, step))
        best = min([best, *neighbours], key=lambda sol: sol.worst_residual)
    if not best.worst_residual <= position_tolerance:
        rescued = _through_unstable_edge(separator, log_q, position_tolerance)
        if rescued is not None:
            return rescued
        raise ConvergenceError(
            f"this profile is not resolvable in float64 (best layer-width residual {best.worst_residual:.3g}): an interface "
            "potential must sit within float spacing of an unstable fixed point of the next layer, which happens at "
            "currents well above the seed's; see docs/li0_potential.md, Limitations"
        )
    return best


EDGE_LOG_DELTA_SWITCH = math.log(1e-12)  # below this distance to an edge, use the log-distance form


def _start_position(flow: SegmentFlow, sign: int, side: int, log_delta: float) -> tuple[float, float]:
    """(μ as a float, exact ξ-antiderivative) at edge(sign) + side·e^{log_delta}."""
    edge = flow.edge(sign)
    if log_delta >= EDGE_LOG_DELTA_SWITCH:
        mu = edge + side * math.exp(log_delta)
        return mu, flow.position_scalar(mu)
    return edge, flow.position_near_edge(sign, log_delta)


def _through_unstable_edge(separator: Separator, log_q: float, position_tolerance: float) -> Li0Solution | None:
    """Solve a stack whose profile must enter a segment within float spacing of that segment's
    unstable fixed point (a window edge), where adjacent floats of ln(1 − t) send the profile to
    opposite sides of it.

    1. Find the boundary where the two adjacent-float shots part; the segment starting there must
       begin on one of its window edges p(q).
    2. Solve ln q so that the upstream profile reaches p(q) exactly at that boundary (a position
       residual, well-conditioned in q).
    3. Carry the boundary potential as p ± e^s and solve s from the anode condition, with the
       closed form evaluated through ln(distance) (:meth:`SegmentFlow.position_near_edge`).
    Returns None when the stack does not have this structure.
    """
    neighbours = [float(np.nextafter(log_q, -np.inf)), log_q, float(np.nextafter(log_q, np.inf))]
    try:
        shots = [shoot(separator, lq) for lq in neighbours]
    except ConvergenceError:
        return None
    pair = next(((a, b) for a, b in zip(shots[:-1], shots[1:], strict=True)
                 if (a[-1] - separator.mu_anode) * (b[-1] - separator.mu_anode) <= 0), None)
    if pair is None:
        return None
    low, high = pair
    parted = next((i for i in range(1, len(low)) if abs(low[i] - high[i]) > 1e-6), None)
    if parted is None:
        return None
    boundary = parted - 1  # the segment starting here starts on an edge
    entering = flows(separator, log_q)[boundary]
    if entering.window is None:
        return None
    sign = min((-1, 1), key=lambda e: abs(entering.edge(e) - low[boundary]))
    if abs(entering.edge(sign) - low[boundary]) > 1e-6:
        return None
    widths = [segment.width for segment in separator.segments()]

    def upstream_residual(lq: float) -> float:
        segment_flows = flows(separator, lq)
        edge = segment_flows[boundary].edge(sign)
        if boundary == 0:
            return edge - separator.mu_cathode
        potentials = [separator.mu_cathode]
        for flow in segment_flows[: boundary - 1]:
            potentials.append(flow.advance(potentials[-1], flow.segment.width))
        width = segment_flows[boundary - 1].width_between(potentials[-1], edge)
        return (width if math.isfinite(width) else 1e3) - widths[boundary - 1]

    lq_star = None
    for spread in (1e-12, 1e-9, 1e-6, 1e-3, 1e-1):
        lo, hi = log_q - spread * max(1.0, abs(log_q)), min(log_q + spread * max(1.0, abs(log_q)), LOG_Q_MAX)
        try:
            r_lo, r_hi = upstream_residual(lo), upstream_residual(hi)
        except ConvergenceError:
            return None
        if r_lo * r_hi <= 0:
            lq_star = brentq(upstream_residual, lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)
            break
    if lq_star is None:
        return None
    segment_flows = flows(separator, lq_star)
    upstream = [separator.mu_cathode]
    for flow in segment_flows[:boundary]:
        upstream.append(flow.advance(upstream[-1], flow.segment.width))
    entering = segment_flows[boundary]
    edge = entering.edge(sign)

    def downstream(side: int, log_delta: float) -> tuple[list[float], float]:
        mu0, start = _start_position(entering, sign, side, log_delta)
        potentials = [mu0, entering.advance(mu0, entering.segment.width, start_position=start, direction=float(side))]
        for flow in segment_flows[boundary + 1 :]:
            potentials.append(flow.advance(potentials[-1], flow.segment.width))
        return potentials, start

    gap = math.log(0.5 * abs(entering.edge(-sign) - edge))
    for side in (1, -1):
        try:
            ends = [downstream(side, s)[0][-1] - separator.mu_anode for s in (math.log(1e-300), gap)]
        except ConvergenceError:
            continue
        if ends[0] * ends[1] > 0:
            continue
        s_star = brentq(lambda s_: downstream(side, s_)[0][-1] - separator.mu_anode, math.log(1e-300), gap,
                        xtol=1e-12, rtol=4 * np.finfo(float).eps, maxiter=500)
        tail, start = downstream(side, s_star)
        potentials = upstream[:-1] + [edge] + tail[1:]
        miss = potentials[-1] - separator.mu_anode
        potentials[-1] = separator.mu_anode
        starts: list[float | None] = [None] * len(segment_flows)
        starts[boundary] = start
        residuals = []
        for k, (flow, a, b) in enumerate(zip(segment_flows, potentials[:-1], potentials[1:], strict=True)):
            if k == boundary:
                residuals.append(float(flow.position_scalar(b)) - start - flow.segment.width)
            else:
                residuals.append(_segment_residual(flow, a, b, position_tolerance))
        solution = Li0Solution(separator, lq_star, tuple(potentials), tuple(separator.segments()), tuple(residuals),
                               miss, tuple(segment_flows), tuple(starts))
        if solution.worst_residual <= position_tolerance:
            return solution
    return None


def _segment_residual(flow: SegmentFlow, start: float, end: float, position_tolerance: float) -> float:
    """Closed-form width − segment width, or 0 where the segment is exact to float resolution.

    Near a plateau ξ(μ) is steeper than float spacing in μ: the width then changes by more than
    the tolerance between adjacent floats of μ. The segment is exact to working precision when
    the target lies between the widths at the neighbouring floats, or when the end sits on the
    stable fixed point the flow runs into (to 1e-12 relative): there ξ diverges logarithmically, so
    any width is matched by an end potential within float spacing of the computed one.
    """
    width = flow.segment.width
    if start == end:
        change = abs(float(flow.velocity(start))) * width
        return 0.0 if change <= position_tolerance else math.inf
    raw = flow.width_between(start, end) - width
    if abs(raw) <= position_tolerance:
        return raw
    bound = flow._bound(start)
    if bound is not None and abs(end - bound) <= 1e-12 * max(1.0, abs(bound)):
        return 0.0  # a plateau on the stable fixed point: the end potential is exact to float spacing, ξ(μ) is not
    ends = [(a, b) for a in (start, float(np.nextafter(start, -np.inf)), float(np.nextafter(start, np.inf)))
            for b in (end, float(np.nextafter(end, -np.inf)), float(np.nextafter(end, np.inf)))]
    misses = [flow.width_between(a, b) - width for a, b in ends]
    finite = [m for m in misses if math.isfinite(m)]
    return 0.0 if finite and min(finite) <= 0.0 <= max(finite) else raw


def solution_at(separator: Separator, log_q: float, position_tolerance: float = 1e-9) -> Li0Solution:
    """The candidate solution at ln(1 − t) = ``log_q``: shoot, pin the last potential to μ_anode and
    measure every segment's position residual (closed-form width − thickness fraction).

    :func:`solve` accepts it when the worst residual is within ``position_tolerance``; evaluated at
    a perturbed ``log_q`` it shows how sharply the stack pins t.
    """
    try:
        potentials = shoot(separator, log_q)
    except ConvergenceError:
        return Li0Solution(separator, log_q, (), tuple(separator.segments()), (math.inf,), math.inf, ())
    miss = potentials[-1] - separator.mu_anode
    potentials[-1] = separator.mu_anode
    segment_flows = flows(separator, log_q)
    residuals = tuple(
        _segment_residual(flow, a, b, position_tolerance)
        for flow, a, b in zip(segment_flows, potentials[:-1], potentials[1:], strict=True)
    )
    return Li0Solution(separator, log_q, tuple(potentials), tuple(separator.segments()), residuals, miss, tuple(segment_flows))


def _xi_at(flow: SegmentFlow, mu_start: float, mu_end: float, mu: np.ndarray, start_position: float | None = None) -> np.ndarray:
    """ξ at potentials ``mu`` on the segment's path from ``mu_start`` to ``mu_end`` (clipped to it).

    Where the path ends on a fixed point (a plateau at float resolution), that end maps to the
    segment's far edge.
    """
    segment = flow.segment
    mu = np.asarray(mu, dtype=float)
    if mu_start == mu_end:
        return np.full(mu.shape, segment.start)
    origin = flow.position_scalar(mu_start) if start_position is None else start_position
    with np.errstate(invalid="ignore", over="ignore"):
        xi = segment.start + (flow.position(mu) - origin)
    if start_position is not None:
        xi = np.where(mu == mu_start, segment.start, xi)  # the start itself: float μ sits on the edge
    xi = np.where(np.isfinite(xi), xi, segment.end)
    xi = np.where(mu == mu_end, segment.end, xi)
    return np.clip(xi, segment.start, segment.end)


def _segment_paths(solution: Li0Solution):
    """(flow, start potential, end potential, exact start position or None) per segment."""
    starts = solution.start_positions or (None,) * len(solution.flows_)
    potentials = solution.boundary_potentials
    return zip(solution.flows_, potentials[:-1], potentials[1:], starts, strict=True)


def sample_profile(solution: Li0Solution, points_per_segment: int = 600) -> tuple[np.ndarray, np.ndarray]:
    """(ξ, μ) resolving every jump and plateau: each segment is sampled uniformly in μ and
    geometrically towards both of its end potentials, and ξ follows from the closed form."""
    xs, mus = [], []
    for flow, a, b, start in _segment_paths(solution):
        if a == b:
            xs.append(np.array([flow.segment.start, flow.segment.end]))
            mus.append(np.array([a, a]))
            continue
        fractions = np.unique(np.concatenate([
            np.linspace(0.0, 1.0, points_per_segment // 2),
            np.geomspace(1e-13, 0.5, points_per_segment // 4),
            1.0 - np.geomspace(1e-13, 0.5, points_per_segment // 4),
        ]))
        mu = a + (b - a) * fractions
        mu[-1] = b
        xs.append(_xi_at(flow, a, b, mu, start))
        mus.append(mu)
    xi, mu = np.concatenate(xs), np.concatenate(mus)
    order = np.argsort(xi, kind="stable")
    return xi[order], mu[order]


@dataclass(frozen=True)
class Jump:
    x_over_L: float  # where μ is halfway through the steep region (sample nearest mid-height)
    height_eV: float  # μ after − μ before (negative for a fall)
    start: float  # ξ where the steep region begins
    end: float  # ξ where it ends


def find_jumps(solution: Li0Solution, xi: np.ndarray, mu: np.ndarray, min_height: float = 0.05) -> list[Jump]:
    """Steep regions of the profile: contiguous stretches where |dμ/dξ| exceeds ten times the
    largest ohmic slope e L j/σ_ion of the stack (and at least 1 eV per unit ξ), keeping those
    whose potential change is at least ``min_height`` eV."""
    separator = solution.separator
    ohmic = max(abs(separator.drive) / s.sigma_ion for s in solution.segments if not s.bottleneck) if any(
        not s.bottleneck for s in solution.segments) else abs(separator.drive) / min(s.sigma_ion for s in solution.segments)
    threshold = max(1.0, 10 * ohmic)
    keep = np.concatenate([[True], (np.diff(xi) != 0) | (np.diff(mu) != 0)])  # segment-boundary duplicates
    xi, mu = xi[keep], mu[keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.abs(np.diff(mu) / np.diff(xi))
    steep = np.where(np.diff(xi) > 0, slope > threshold, np.abs(np.diff(mu)) > 0)
    jumps = []
    i = 0
    while i < steep.size:
        if not steep[i]:
            i += 1
            continue
        j = i
        while j + 1 < steep.size and steep[j + 1]:
            j += 1
        height = mu[j + 1] - mu[i]
        if abs(height) >= min_height:
            middle = mu[i] + 0.5 * height
            k = i + int(np.argmin(np.abs(mu[i : j + 2] - middle)))
            jumps.append(Jump(float(xi[k]), float(height), float(xi[i]), float(xi[j + 1])))
        i = j + 1
    return jumps


def electronic_bottlenecks(solution: Li0Solution) -> list[dict[str, float]]:
    """Where μ crosses B (the minimum of σ_e + σ_h) in each segment."""
    found = []
    for flow, a, b, start in _segment_paths(solution):
        B = flow.segment.B
        if a != b and min(a, b) <= B <= max(a, b):
            found.append({"x_over_L": float(_xi_at(flow, a, b, np.array([B]), start)[0]), "B_eV": B, "layer": flow.segment.layer})
    return found


def fraction_near(solution: Li0Solution, potential: float, band: float) -> float:
    """Fraction of the thickness where |μ − potential| ≤ band (exact, segment by segment)."""
    total = 0.0
    for flow, a, b, start in _segment_paths(solution):
        if a == b:
            total += flow.segment.width if abs(a - potential) <= band else 0.0
            continue
        low, high = max(min(a, b), potential - band), min(max(a, b), potential + band)
        if low > high:
            continue
        ends = _xi_at(flow, a, b, np.array([low, high]), start)
        total += abs(ends[1] - ends[0])
    return total


@dataclass(frozen=True)
class Li0Result:
    solution: Li0Solution
    xi: np.ndarray
    mu: np.ndarray
    jumps: list[Jump]
    electronic_bottlenecks: list[dict[str, float]]
    overshoot: bool
    undershoot: bool
    vulnerable_band_eV: float
    fraction_near_cathode: float
    fraction_near_anode: float

    def summary(self) -> dict:
        s = self.solution
        separator = s.separator
        interface_mu = [float(p) for p in s.boundary_potentials[1:-1]]
        return {
            "t_li": s.t,
            "one_minus_t_li": s.one_minus_t,
            "interface_mu": interface_mu,
            "interface_x_over_L": [seg.end for seg in s.segments[:-1]],
            "jumps": [{"x_over_L": j.x_over_L, "height_eV": j.height_eV, "from_x_over_L": j.start, "to_x_over_L": j.end}
                      for j in self.jumps],
            "electronic_bottlenecks": self.electronic_bottlenecks,
            "overshoot": self.overshoot,
            "undershoot": self.undershoot,
            "mu_max_eV": float(max(s.boundary_potentials)),
            "mu_min_eV": float(min(s.boundary_potentials)),
            "vulnerable_band_eV": self.vulnerable_band_eV,
            "fraction_near_cathode_potential": self.fraction_near_cathode,
            "fraction_near_anode_potential": self.fraction_near_anode,
            "position_residual_max": float(max(abs(r) for r in s.position_residuals)),
            "anode_mismatch_eV": s.anode_mismatch_eV,
            "mu_cathode_eV": separator.mu_cathode,
            "mu_anode_eV": separator.mu_anode,
            "temperature_K": separator.temperature,
            "thickness_m": separator.thickness,
            "current_density_A_per_m2": separator.current_density,
            "definitions": {
                "t_li": "Li transference number e J_Li / j_total, fixed by the two boundary potentials",
                "interface_mu": "mu_Li0 (eV, Li_BCC = 0) at each internal boundary from the cathode, bottleneck edges included",
                "jumps": "steep regions (|dmu/dx| > 10x the largest ohmic slope, >= 1 eV per L) changing mu by >= 0.05 eV",
                "overshoot": "mu above max(mu_cathode, mu_anode) somewhere inside (Li metal can precipitate)",
                "undershoot": "mu below min(mu_cathode, mu_anode) somewhere inside (O2 / oxidised phases)",
                "fraction_near": "share of the thickness within vulnerable_band_eV of that electrode's potential",
            },
        }


def analyse(separator: Separator, band: float = 0.05, min_jump: float = 0.05) -> Li0Result:
    """Solve and characterise the profile (jumps, bottlenecks, over/undershoot, vulnerable share)."""
    if not (band > 0 and math.isfinite(band)):
        raise InputError(f"vulnerable band must be positive, got {band}")
    _within("vulnerable band", band, 0.0, MAX_POTENTIAL_EV, "eV")
    solution = solve(separator)
    xi, mu = sample_profile(solution)
    top, bottom = max(separator.mu_cathode, separator.mu_anode), min(separator.mu_cathode, separator.mu_anode)
    return Li0Result(
        solution=solution,
        xi=xi,
        mu=mu,
        jumps=find_jumps(solution, xi, mu, min_jump),
        electronic_bottlenecks=electronic_bottlenecks(solution),
        overshoot=bool(max(solution.boundary_potentials) > top + 1e-9),
        undershoot=bool(min(solution.boundary_potentials) < bottom - 1e-9),
        vulnerable_band_eV=band,
        fraction_near_cathode=fraction_near(solution, separator.mu_cathode, band),
        fraction_near_anode=fraction_near(solution, separator.mu_anode, band),
    )
