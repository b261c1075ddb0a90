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
ln q finds t when one exists, and reports that none exists otherwise. Where the profile must
enter a segment within float spacing of its unstable window edge, that interface becomes a
further unknown (a :class:`Pin`: a signed log-distance to the edge), and the stack is solved by
multiple shooting between pins with position residuals (:func:`solve_from_cathode`); where shooting
from the cathode still cannot place an interface, :func:`solve` shoots the mirrored stack from the
anode (:meth:`Separator.mirrored`), where that interface is a plateau on a stable edge. The solution
is checked in position: every layer's closed-form width must equal its thickness fraction
(``position_residuals``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
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

    def mirrored(self) -> Separator:
        """The same stack seen from the anode: layers and bottlenecks reversed, electrodes swapped, j → −j.

        With ξ' = 1 − ξ, dμ/dξ' = e L (−j) g(μ) with the same t, so the mirrored stack has the same
        transference number and the profile μ(1 − ξ'). A window edge that repels the flow in one
        direction attracts it in the other, which is why :func:`solve` falls back on it.
        """
        return replace(
            self, current_density=-self.current_density, mu_cathode=self.mu_anode, mu_anode=self.mu_cathode,
            layers=tuple(reversed(self.layers)),
            bottlenecks=tuple(replace(neck, position=1.0 - neck.position) for neck in reversed(self.bottlenecks)))

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

    @property
    def unstable_sign(self) -> int:
        """Which window edge repels the flow: the lower one (−1) for j > 0, the upper one (+1) for j < 0."""
        return -1 if self.drive > 0 else 1

    def position_near_edge(self, sign: int, side: int, log_delta: float) -> float:
        """ξ(μ) (the antiderivative of :meth:`position`) at μ = edge(sign) + side · e^{log_delta} (eV).

        Exact for any distance δ = e^{log_delta}, including distances far below the float spacing of μ:
        with ε = δ/k_BT, the half-distance of u to this edge is ε/2 and enters only through
        ln(1 − e^{−ε}) = ln ε + ln((1 − e^{−ε})/ε), so the log-singular term is carried through
        ``log_delta`` itself. The remaining terms are smooth in u = sign · u* + side · ε.
        """
        c, rho, shape, _ = self._constants
        star = self.window
        log_eps = log_delta - math.log(self.thermal_energy)
        eps = math.exp(log_eps)
        tail_near = log_eps + (math.log(-math.expm1(-eps) / eps) if eps > 0 else 0.0)
        u = sign * star + side * eps
        a, b = (star + u) / 2, (star - u) / 2  # the near half-distance is ±ε/2 (a for the lower edge, b for the upper)
        far = b if sign < 0 else a
        inside = (sign < 0) == (side > 0)
        linear = shape * u if inside else -u + rho * (abs(a) - abs(b))
        tail_far = _log1mexp_scalar(2 * abs(far))
        tails = tail_near - tail_far if sign < 0 else tail_far - tail_near
        return c * (linear + rho * tails)

    def width_between(self, mu_start: float, mu_end: float) -> float:
        """Δξ needed to go from ``mu_start`` to ``mu_end`` (inf across a fixed point)."""
        if mu_start == mu_end:
            return 0.0
        return self.width_from(mu_start, float(self.position_scalar(mu_start)), mu_end)

    def width_from(self, mu_start: float, start_position: float, mu_end: float, leaving: int = 0,
                   direction: float | None = None) -> float:
        """Δξ from a start with known antiderivative ``start_position`` to ``mu_end``: inf if ``mu_end``
        lies beyond the fixed point the flow runs into, negative if it lies behind the start.
        ``leaving`` names the unstable window edge the start sits on (its sign), which is then not
        ahead, and ``direction`` the side the flow leaves it to."""
        if direction is None:
            direction = float(np.sign(self.velocity(mu_start)))
        bound = self._bound(mu_start, direction, leaving)
        if bound is not None and (mu_end - bound) * direction >= 0 and mu_end != mu_start:
            return math.inf
        return float(self.position_scalar(mu_end)) - start_position

    def _bound(self, mu_start: float, direction: float | None = None, leaving: int = 0) -> float | None:
        """The fixed point the flow from ``mu_start`` runs towards (None if it runs to ±∞); ``leaving``
        excludes the edge the start sits on."""
        star = self.window
        if direction is None:
            direction = float(np.sign(self.velocity(mu_start)))
        if star is None or direction == 0:
            return None
        u0 = float(self.u(mu_start))
        ahead = [p for p in (-star, star) if (p - u0) * direction > 0 and np.sign(p) != leaving]
        if not ahead:
            return None
        nearest = min(ahead, key=lambda p: abs(p - u0))
        return self.segment.B + self.thermal_energy * nearest

    def advance(self, mu_start: float, width: float, start_position: float | None = None, leaving: int = 0,
                direction: float | None = None) -> float:
        """μ after travelling ``width`` in ξ from ``mu_start`` (exact inversion of the closed form).

        ``start_position`` (the exact antiderivative at the start), ``leaving`` (the unstable edge the
        start sits on, as its sign) and ``direction`` (the side it leaves to) describe a start that
        float64 cannot place: a point within float spacing of a window edge (see
        :meth:`position_near_edge`). A start that sits on a fixed point to float resolution without
        them stays there.
        """
        if direction is None:
            direction = float(np.sign(self.velocity(mu_start)))
        if direction == 0 or width == 0:
            return mu_start
        start = self.position_scalar(mu_start) if start_position is None else start_position
        if not math.isfinite(start):
            return mu_start  # on a fixed point to float resolution: the flow cannot leave it
        target = start + width

        def miss(mu: float) -> float:
            return self.position_scalar(mu) - target

        bound = self._bound(mu_start, direction, leaving)
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
                if not math.isfinite(far) or abs(far) > RUNAWAY_POTENTIAL_EV:
                    raise ConvergenceError("the potential runs away to infinity within a layer")
        lo, hi = (mu_start, far) if direction > 0 else (far, mu_start)
        if miss(lo) * miss(hi) > 0:  # the start itself is past the target at float resolution
            return mu_start
        return brentq(miss, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500)


#: |μ| (eV) beyond which a layer map counts as running away (far beyond any input potential).
RUNAWAY_POTENTIAL_EV = 1e3


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
#: ln of the smallest distance (eV) to an unstable edge at which a pinned interface is searched.
LOG_DELTA_MIN = -1e8
#: ln of the largest distance (eV) of a pinned interface from its edge, on the side facing away from the window.
LOG_DELTA_MAX_OUTSIDE = 0.0


@dataclass(frozen=True)
class Pin:
    """An interface potential that is an unknown of the solve (multiple shooting restarts there).

    - On an edge (``sign`` = ±1): the potential at segment boundary ``boundary`` (the start of segment
      ``boundary``) is edge(``sign``) + ``side`` · e^{``log_delta``} eV, where the edge
      μ = B ± k_BT·arccosh α moves with q. Float64 cannot place such a point once e^{log_delta} is
      below the float spacing of μ, and the segment's width depends on ln δ; so the segment is
      evaluated through ``log_delta`` (:meth:`SegmentFlow.position_near_edge`).
    - Free (``sign`` = 0): the potential is ``log_delta`` itself (eV), searched within ``bounds``: an
      interface that sits inside a jump of the preceding segment, where adjacent floats of the upstream
      unknown move it by more than float spacing of μ.
    """

    boundary: int
    sign: int
    side: int = 1
    log_delta: float = LOG_DELTA_MIN
    bounds: tuple[float, float] | None = None

    def start(self, flow: SegmentFlow) -> tuple[float, float]:
        """(μ rounded to float, exact ξ-antiderivative) at the pinned potential of ``flow`` (segment ``boundary``);
        ConvergenceError where the segment has no window at this q (no edge to pin to)."""
        if self.sign == 0:
            return self.log_delta, math.nan
        if flow.window is None:
            raise ConvergenceError("a pinned interface lost its window edge")
        mu = flow.edge(self.sign) + self.side * math.exp(self.log_delta)
        return mu, flow.position_near_edge(self.sign, self.side, self.log_delta)

    def limits(self, flow: SegmentFlow) -> tuple[float, float]:
        """Search range of ``log_delta``: up to half the window inside, 1 eV outside; ``bounds`` if free."""
        if self.sign == 0:
            return self.bounds
        inside = (self.sign < 0) == (self.side > 0)
        if not inside:
            return LOG_DELTA_MIN, LOG_DELTA_MAX_OUTSIDE
        return LOG_DELTA_MIN, math.log(0.5 * abs(flow.edge(1) - flow.edge(-1)))


@dataclass(frozen=True)
class Unknowns:
    """The multiple-shooting unknowns: ln(1 − t) and one signed log-distance per pinned interface.

    Level 0 is ``log_q``; level ℓ ≥ 1 is ``pins[ℓ − 1].log_delta``. Level ℓ's stretch runs from its
    start (the cathode, or pin ℓ − 1's potential) to the next pin, or to the anode for the last level.
    """

    log_q: float
    pins: tuple[Pin, ...] = ()

    def value(self, level: int) -> float:
        return self.log_q if level == 0 else self.pins[level - 1].log_delta

    def with_value(self, level: int, x: float) -> Unknowns:
        if level == 0:
            return replace(self, log_q=x)
        pins = list(self.pins)
        pins[level - 1] = replace(pins[level - 1], log_delta=x)
        return replace(self, pins=tuple(pins))


@dataclass(frozen=True)
class Start:
    """Where a stretch of shooting begins: boundary index, μ (float), exact antiderivative (or None),
    the unstable edge it sits on (its sign; 0 for an ordinary start) and the side it leaves it to."""

    boundary: int
    mu: float
    position: float | None = None
    leaving: int = 0
    direction: float | None = None


def _level_start(separator: Separator, segment_flows: list[SegmentFlow], unknowns: Unknowns, level: int) -> Start:
    if level == 0:
        return Start(0, separator.mu_cathode)
    pin = unknowns.pins[level - 1]
    mu, position = pin.start(segment_flows[pin.boundary])
    if pin.sign == 0:
        return Start(pin.boundary, mu)
    return Start(pin.boundary, mu, position, pin.sign, float(pin.side))


def _shoot_stretch(segment_flows: list[SegmentFlow], start: Start, stop: int) -> list[float]:
    """Potentials at boundaries start.boundary … ``stop`` (exact layer maps from ``start``)."""
    potentials = [start.mu]
    for k in range(start.boundary, stop):
        flow = segment_flows[k]
        first = k == start.boundary
        potentials.append(flow.advance(potentials[-1], flow.segment.width, *(
            (start.position, start.leaving, start.direction) if first else ())))
    return potentials


def _finite(value: float, cap: float = 1e3) -> float:
    return max(-cap, min(cap, value)) if not math.isnan(value) else math.nan


def level_residual(separator: Separator, unknowns: Unknowns, level: int) -> float:
    """The residual that fixes level ``level``'s unknown, with every other unknown held (monotone in it).

    - Towards the next pin at boundary b: the width the last segment before b needs to reach the pinned
      potential, minus its thickness fraction (a position residual). Infinite widths (the target lies
      beyond a fixed point) are capped at 10³. For a pin on the cathode (b = 0): the pinned potential
      minus μ_cathode (eV).
    - For the last level: the potential reached at the anode minus μ_anode (eV).
    """
    segment_flows = flows(separator, unknowns.log_q)
    start = _level_start(separator, segment_flows, unknowns, level)
    if level == len(unknowns.pins):
        return _finite(_shoot_stretch(segment_flows, start, len(segment_flows))[-1] - separator.mu_anode)
    b = unknowns.pins[level].boundary
    target = unknowns.pins[level].start(segment_flows[b])[0]
    if b == 0:
        return target - separator.mu_cathode
    potentials = _shoot_stretch(segment_flows, start, b - 1)
    flow = segment_flows[b - 1]
    if b - 1 == start.boundary and start.position is not None:
        width = flow.width_from(start.mu, start.position, target, start.leaving, start.direction)
    else:
        width = flow.width_between(potentials[-1], target)
    return _finite(width - flow.segment.width)


def _root_near(f, x0: float, low: float, high: float) -> float | None:
    """A root of the monotone ``f`` in [low, high], bracketed first close to ``x0`` (None if none)."""
    scale = max(1.0, abs(x0))
    for spread in (1e-13, 1e-10, 1e-7, 1e-4, 1e-1, math.inf):
        lo, hi = (low, high) if spread == math.inf else (max(low, x0 - spread * scale), min(high, x0 + spread * scale))
        try:
            f_lo, f_hi = f(lo), f(hi)
            if f_lo == 0 or f_hi == 0:
                return lo if f_lo == 0 else hi
            if f_lo * f_hi < 0:
                return brentq(f, lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=1000)
        except ConvergenceError:
            continue
    return None


def _limits(separator: Separator, unknowns: Unknowns, level: int) -> tuple[float, float]:
    if level == 0:
        return LOG_Q_MIN, LOG_Q_MAX
    pin = unknowns.pins[level - 1]
    return pin.limits(flows(separator, unknowns.log_q)[pin.boundary])


def _solve_level(separator: Separator, unknowns: Unknowns, level: int) -> Unknowns | None:
    """Solve level ``level``'s unknown from its residual, every other unknown held (None: no root)."""
    root = _root_near(lambda x: level_residual(separator, unknowns.with_value(level, x), level),
                      unknowns.value(level), *_limits(separator, unknowns, level))
    return None if root is None else unknowns.with_value(level, root)


def _solve_new_pin(separator: Separator, unknowns: Unknowns) -> Unknowns | None:
    """Solve the last pin's log-distance from the anode condition, on whichever side of its edge brackets."""
    level = len(unknowns.pins)
    if unknowns.pins[-1].sign == 0:
        return _solve_level(separator, unknowns, level)
    for side in (1, -1):
        trial = unknowns.with_value(level, LOG_DELTA_MIN)
        trial = replace(trial, pins=(*trial.pins[:-1], replace(trial.pins[-1], side=side)))
        solved = _solve_level(separator, trial, level)
        if solved is not None:
            return solved
    return None


GAUSS_SEIDEL_SWEEPS = 12


def _gauss_seidel(separator: Separator, unknowns: Unknowns) -> Unknowns | None:
    """Block Gauss–Seidel over the levels: each unknown is re-solved from its own (monotone) residual
    with the others held, until no unknown moves by more than a few float spacings."""
    for _ in range(GAUSS_SEIDEL_SWEEPS):
        previous = unknowns
        for level in range(len(unknowns.pins) + 1):
            solved = _solve_level(separator, unknowns, level)
            if solved is None:
                return None
            unknowns = solved
        if all(abs(unknowns.value(k) - previous.value(k)) <= 16 * math.ulp(max(1.0, abs(previous.value(k))))
               for k in range(len(unknowns.pins) + 1)):
            break
    return unknowns


#: Rounding, in float spacings, assumed on a boundary potential and on a window edge (see :func:`float_noise`).
NOISE_ULPS = 8


def float_noise(flow: SegmentFlow, mu: float) -> float:
    """How far (in ξ) the closed-form position at ``mu`` can move under rounding: |dξ/dμ| times the
    uncertainty of μ's distance to the segment's window edges, ``NOISE_ULPS`` float spacings of μ and
    of the edge plus the edge's shift over one float spacing of ln(1 − t) (∂μ_edge/∂ln q ≈ k_BT ρ/t)."""
    velocity = abs(float(flow.velocity(mu)))
    edge_scale = abs(flow.segment.B) + flow.thermal_energy * (flow.window or 0.0)
    c, rho, _, _ = flow._constants
    q_shift = flow.thermal_energy * rho / -math.expm1(flow.log_q) * math.ulp(flow.log_q)
    noise = NOISE_ULPS * (math.ulp(abs(mu)) + math.ulp(edge_scale)) + NOISE_ULPS * q_shift
    return math.inf if velocity == 0 else noise / velocity


#: Two shots whose boundary potentials differ by more than this (eV) have parted at that boundary.
PARTING_EV = 1e-11
#: A segment start this close (eV) to its unstable window edge, where shots part, is pinned to that edge.
ON_EDGE_EV = 1e-6
#: Floats of the innermost unknown searched on each side of its value for two adjacent shots that bracket μ_anode.
PARTING_SEARCH_ULPS = 8


def _parting_pin(separator: Separator, unknowns: Unknowns) -> Pin | None:
    """The boundary where shots at adjacent floats of the innermost unknown, landing on either side of
    μ_anode, part (by > ``PARTING_EV``).

    If the segment ending there started on its unstable window edge, that start becomes an edge pin;
    otherwise the potential there sits inside a jump of the segment ending there and becomes a free
    pin, searched between the two shots' values (the exact profile lies between them: the layer maps
    are monotone)."""
    level = len(unknowns.pins)
    x = unknowns.value(level)
    values = [x]
    for _ in range(PARTING_SEARCH_ULPS):  # a bracketing root finder stops within a few float spacings of the crossing
        values = [float(np.nextafter(values[0], -np.inf)), *values, float(np.nextafter(values[-1], np.inf))]
    shots = []
    for value in values:
        trial = unknowns.with_value(level, value)
        segment_flows = flows(separator, trial.log_q)
        start = _level_start(separator, segment_flows, trial, level)
        try:
            shots.append((_shoot_stretch(segment_flows, start, len(segment_flows)), segment_flows))
        except ConvergenceError:
            return None
    first = unknowns.pins[-1].boundary if unknowns.pins else 0
    for (low, _), (high, segment_flows) in zip(shots[:-1], shots[1:], strict=True):
        if (low[-1] - separator.mu_anode) * (high[-1] - separator.mu_anode) > 0:
            continue
        parted = next((i for i in range(1, len(low)) if abs(low[i] - high[i]) > PARTING_EV), None)
        if parted is None:
            continue
        boundary = first + parted
        before = boundary - 1
        if (before > first or level == 0) and _near_unstable_edge(segment_flows[before], low[parted - 1]) and abs(
                low[parted - 1] - segment_flows[before].edge(segment_flows[before].unstable_sign)) <= ON_EDGE_EV:
            return Pin(before, segment_flows[before].unstable_sign)
        if boundary < len(segment_flows):
            bounds = (min(low[parted], high[parted]), max(low[parted], high[parted]))
            return Pin(boundary, 0, log_delta=0.5 * (bounds[0] + bounds[1]), bounds=bounds)
    return None


def _near_unstable_edge(flow: SegmentFlow, mu: float) -> bool:
    return flow.window is not None and abs(mu - flow.edge(flow.unstable_sign)) < abs(mu - flow.edge(-flow.unstable_sign))


def _next_pin(unknowns: Unknowns, best: Li0Solution, position_tolerance: float) -> Pin | None:
    """The boundary after the innermost unknown's start whose segment starts so close to its unstable
    window edge that rounding there decides the profile downstream: its potential becomes a pin (None
    if there is none).

    Float64 cannot place such a start; carried as a log-distance to the edge it is exact again. The
    first start whose rounding alone moves its own segment's width by more than a tenth of the
    tolerance (:func:`float_noise`) is taken; failing that, the most sensitive start (rounding
    compounds across several nearly-unstable starts in a row)."""
    if not best.boundary_potentials:
        return None
    first = unknowns.pins[-1].boundary + 1 if unknowns.pins else 0
    reach = {b: float_noise(best.flows_[b], best.boundary_potentials[b]) for b in range(first, len(best.flows_))
             if _near_unstable_edge(best.flows_[b], best.boundary_potentials[b])}
    candidates = [b for b, r in reach.items() if r > 1e-6 * position_tolerance]
    if not candidates:
        return None
    boundary = next((b for b in candidates if reach[b] > 0.1 * position_tolerance), max(candidates, key=reach.get))
    return Pin(boundary, best.flows_[boundary].unstable_sign)


#: Most pinned interfaces a solve introduces (one per segment boundary at most).
MAX_PINS = 64


@dataclass(frozen=True)
class Li0Solution:
    separator: Separator
    log_q: float
    boundary_potentials: tuple[float, ...]  # at every segment boundary, from the cathode
    segments: tuple[Segment, ...]
    position_residuals: tuple[float, ...]  # closed-form width − segment width per segment (0: exact at float resolution)
    # the last stretch's shot at its far electrode − that electrode's μ (a conditioning diagnostic; the miss is at the
    # cathode when shot_from == "anode")
    anode_mismatch_eV: float
    flows_: tuple[SegmentFlow, ...] = field(repr=False, default=())
    start_positions: tuple[float | None, ...] = ()  # exact ξ-antiderivative at a segment's start, where float μ cannot place it
    pins: tuple[Pin, ...] = ()  # interfaces carried as log-distances to an unstable window edge, in the shot's frame
    shot_from: str = "cathode"  # the electrode the shooting started from ("anode": the mirrored stack was solved)
    mirror: Li0Solution | None = field(default=None, repr=False)  # for shot_from == "anode": the mirrored stack's solution

    @property
    def one_minus_t(self) -> float:
        return math.exp(self.log_q)

    @property
    def worst_residual(self) -> float:
        return max(abs(r) for r in self.position_residuals)

    @property
    def t(self) -> float:
        return -math.expm1(self.log_q)


def _bracketed_at_float_resolution(width_at, start: float, end: float, target: float, vary_start: bool) -> bool:
    """Whether the widths at the neighbouring floats of the end (and start) potentials bracket ``target``."""
    starts = (start, float(np.nextafter(start, -np.inf)), float(np.nextafter(start, np.inf))) if vary_start else (start,)
    ends = (end, float(np.nextafter(end, -np.inf)), float(np.nextafter(end, np.inf)))
    misses = [width_at(a, b) - target for a in starts for b in ends]
    finite = [m for m in misses if math.isfinite(m)]
    return bool(finite) and min(finite) <= 0.0 <= max(finite)


def _within_rounding(flow: SegmentFlow, end: float, raw: float, position_tolerance: float) -> bool:
    """Whether a width residual ``raw`` lies within the tolerance plus what rounding of the end potential can
    produce; never where the end sits on a fixed point (zero velocity: the rounding reach is unbounded)."""
    noise = float_noise(flow, end)
    return math.isfinite(noise) and abs(raw) <= position_tolerance + noise


def _segment_residual(flow: SegmentFlow, start: float, end: float, position_tolerance: float) -> float:
    """Closed-form width − segment width, or 0 where the segment is exact to float resolution.

    Near a plateau ξ(μ) is steeper than float spacing in μ: the width then changes by more than
    the tolerance between adjacent floats of μ. The segment is exact to working precision when
    the target lies between the widths at the neighbouring floats, or when the end sits on the
    stable fixed point it runs into (to 1e-12 relative): there ξ diverges logarithmically, so
    any width is matched by an end potential within float spacing of the computed one.
    """
    width = flow.segment.width
    if start == end:
        change = abs(float(flow.velocity(start))) * width
        return 0.0 if change <= position_tolerance else math.inf
    raw = flow.width_between(start, end) - width
    if abs(raw) <= position_tolerance:
        return raw
    if _within_rounding(flow, end, raw, position_tolerance):
        return 0.0  # within what rounding of the end potential and of the window edges can produce
    bound = flow._bound(start)
    if bound is not None and abs(end - bound) <= 1e-12 * max(1.0, abs(bound)):
        return 0.0  # a plateau on the stable fixed point: the end potential is exact to float spacing, ξ(μ) is not
    return 0.0 if _bracketed_at_float_resolution(flow.width_between, start, end, width, True) else raw


def _pinned_residual(flow: SegmentFlow, start: Start, end: float, position_tolerance: float) -> float:
    """:func:`_segment_residual` for a segment whose start is pinned (exact antiderivative, float end)."""
    width = flow.segment.width

    def width_at(_: float, b: float) -> float:
        return flow.width_from(start.mu, start.position, b, start.leaving, start.direction)

    raw = width_at(start.mu, end) - width
    if abs(raw) <= position_tolerance:
        return raw
    if _within_rounding(flow, end, raw, position_tolerance):
        return 0.0  # within what rounding of the end potential and of the window edges can produce
    return 0.0 if _bracketed_at_float_resolution(width_at, start.mu, end, width, False) else raw


def _solution(separator: Separator, unknowns: Unknowns, position_tolerance: float) -> Li0Solution:
    """The profile for given unknowns: shoot each stretch, pin the last potential to μ_anode and measure
    every segment's position residual."""
    segment_flows = flows(separator, unknowns.log_q)
    count = len(segment_flows)
    potentials: list[float] = []
    starts: list[Start | None] = [None] * count
    for level in range(len(unknowns.pins) + 1):
        start = _level_start(separator, segment_flows, unknowns, level)
        last = level == len(unknowns.pins)
        stretch = _shoot_stretch(segment_flows, start, count if last else unknowns.pins[level].boundary)
        if level > 0:
            starts[start.boundary] = start if start.position is not None else None
        potentials.extend(stretch if last else stretch[:-1])
    potentials[0] = separator.mu_cathode
    miss = potentials[-1] - separator.mu_anode
    potentials[-1] = separator.mu_anode
    residuals = tuple(
        _segment_residual(flow, a, b, position_tolerance) if start is None
        else _pinned_residual(flow, start, b, position_tolerance)
        for flow, a, b, start in zip(segment_flows, potentials[:-1], potentials[1:], starts, strict=True)
    )
    start_positions = tuple(None if start is None else start.position for start in starts)
    return Li0Solution(separator, unknowns.log_q, tuple(potentials), tuple(separator.segments()), residuals, miss,
                       tuple(segment_flows), start_positions, unknowns.pins)


def solution_at(separator: Separator, log_q: float, position_tolerance: float = 1e-9) -> Li0Solution:
    """The candidate solution at ln(1 − t) = ``log_q``: shoot, pin the last potential to μ_anode and
    measure every segment's position residual (closed-form width − thickness fraction).

    :func:`solve` accepts it when the worst residual is within ``position_tolerance``; evaluated at
    a perturbed ``log_q`` it shows how sharply the stack pins t.
    """
    try:
        return _solution(separator, Unknowns(log_q), position_tolerance)
    except ConvergenceError:
        return Li0Solution(separator, log_q, (), tuple(separator.segments()), (math.inf,), math.inf, ())


def _best_near(separator: Separator, unknowns: Unknowns, position_tolerance: float) -> Li0Solution:
    """The best of the candidates at the innermost unknown and its four neighbouring floats on each side:
    a bracketing root finder stops within a few float spacings of the crossing."""
    level = len(unknowns.pins)
    values, x = [unknowns.value(level)], unknowns.value(level)
    for direction in (-np.inf, np.inf):
        step = x
        for _ in range(4):
            step = float(np.nextafter(step, direction))
            values.append(step)
    candidates = []
    for value in values:
        try:
            candidates.append(_solution(separator, unknowns.with_value(level, value), position_tolerance))
        except ConvergenceError:
            continue
        if candidates[-1].worst_residual <= position_tolerance:
            break
    if not candidates:
        return Li0Solution(separator, unknowns.log_q, (), tuple(separator.segments()), (math.inf,), math.inf, ())
    return min(candidates, key=lambda solution: solution.worst_residual)


def solve(separator: Separator, position_tolerance: float = 1e-9) -> Li0Solution:
    """Find t (as 1 − t) and every boundary potential; see the module docstring.

    The stack is shot from the cathode (:func:`solve_from_cathode`). Where that cannot place some
    interface, the mirrored stack (:meth:`Separator.mirrored`) is shot from the anode and its
    solution mapped back: an edge that repels the flow from one side attracts it from the other,
    so an interface the forward shot must start on an unstable edge is reached from the anode as
    a plateau on a stable one. Existence of a steady state does not depend on the direction, so a
    stack without one is refused before the mirror is tried.
    """
    try:
        return solve_from_cathode(separator, position_tolerance)
    except ConvergenceError as forward_error:
        try:
            backward = solve_from_cathode(separator.mirrored(), position_tolerance)
        except ConvergenceError:
            raise forward_error from None
        return _mirror_back(separator, backward)


def _mirror_back(separator: Separator, backward: Li0Solution) -> Li0Solution:
    """The solution of ``separator`` from that of its mirror: the same t, boundary potentials and position residuals
    reversed, the flows rebuilt in the cathode-to-anode direction, and the mirror's solution kept (``mirror``).

    The profile is sampled from the mirror and mapped back (ξ → 1 − ξ; :func:`sample_profile`, :func:`fraction_near`,
    :func:`electronic_bottlenecks`): seen from the cathode, a pinned interface is a start within float spacing of an
    unstable edge, where the closed form anchored at the float start potential is meaningless. The residuals, the
    pins and the shot mismatch (``anode_mismatch_eV``, then at the cathode) are those of the solve, in the mirror's frame."""
    segments = tuple(separator.segments())
    mirrored_widths = [s.width for s in reversed(backward.segments)]
    if len(segments) != len(mirrored_widths) or any(
            abs(s.width - w) > 1e-12 for s, w in zip(segments, mirrored_widths, strict=True)):
        raise ConvergenceError("the mirrored stack cut its layers differently (bottleneck edges within 1e-12 of a layer edge)")
    return Li0Solution(separator, backward.log_q, tuple(reversed(backward.boundary_potentials)), segments,
                       tuple(reversed(backward.position_residuals)), backward.anode_mismatch_eV,
                       tuple(flows(separator, backward.log_q)), (), backward.pins, shot_from="anode", mirror=backward)


def solve_from_cathode(separator: Separator, position_tolerance: float = 1e-9) -> Li0Solution:
    """Find t (as 1 − t) and every boundary potential by shooting from the cathode.

    1. Bracket ln(1 − t) on the anode potential of a single shot (monotone in q).
    2. If no float of ln(1 − t) satisfies every segment in position, the shots at adjacent floats part
       at some boundary: the segment entered there starts within float spacing of its unstable window
       edge. That interface becomes a pin: its potential is carried as edge ± e^{s}, ln(1 − t) is
       fixed by the upstream stretch reaching it (a position residual) and s by the downstream one.
       Repeat for every further parting boundary, solving all unknowns by block Gauss–Seidel.

    Acceptance is in position, not potential: with the last boundary potential set to μ_anode,
    every segment's closed-form width must equal its thickness fraction to ``position_tolerance``
    (or bracket it between neighbouring floats of its end potentials). A jump that sits at the anode
    edge can be narrower than float64 resolution in ξ; then no t makes the shot land on μ_anode, yet
    the position residual is ~1e-16 and the solution is exact to working precision.
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
    unknowns = Unknowns(brentq(mismatch, LOG_Q_MIN, LOG_Q_MAX, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=1000))
    best = _best_near(separator, unknowns, position_tolerance)
    for _ in range(min(MAX_PINS, len(best.segments))):
        if best.worst_residual <= position_tolerance:
            return best
        pinned = _with_pin(separator, unknowns, _next_pin(unknowns, best, position_tolerance))
        pinned = pinned or _with_pin(separator, unknowns, _parting_pin(separator, unknowns))
        if pinned is None:
            break
        unknowns = pinned
        best = _best_near(separator, unknowns, position_tolerance)
    if best.worst_residual <= position_tolerance:
        return best
    worst = int(np.argmax([abs(r) for r in best.position_residuals]))
    raise ConvergenceError(
        f"the solver could not place the potential across x/L = {best.segments[worst].start:.6g}-{best.segments[worst].end:.6g} "
        f"(layer-width residual {best.position_residuals[worst]:.3g} after {len(unknowns.pins)} pinned interface(s)); "
        "please report this stack (docs/li0_potential.md, 'Extent')"
    )


def _with_pin(separator: Separator, unknowns: Unknowns, pin: Pin | None) -> Unknowns | None:
    """The unknowns with ``pin`` added and every level re-solved (None if there is no pin or no solution)."""
    if pin is None:
        return None
    pinned = _solve_level(separator, replace(unknowns, pins=(*unknowns.pins, pin)), len(unknowns.pins))
    pinned = None if pinned is None else _solve_new_pin(separator, pinned)
    return None if pinned is None else _gauss_seidel(separator, pinned)


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
    geometrically towards both of its end potentials, and ξ follows from the closed form (for a solution found from
    the anode, the mirror's samples with ξ → 1 − ξ)."""
    if solution.mirror is not None:
        xi, mu = sample_profile(solution.mirror, points_per_segment)
        return 1.0 - xi[::-1], mu[::-1]
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
    if solution.mirror is not None:
        last = len(solution.separator.layers) - 1
        return [{"x_over_L": 1.0 - b["x_over_L"], "B_eV": b["B_eV"], "layer": last - b["layer"]}
                for b in reversed(electronic_bottlenecks(solution.mirror))]
    found = []
    for flow, a, b, start in _segment_paths(solution):
        B = flow.segment.B
        if a != b and min(a, b) <= B <= max(a, b):
            found.append({"x_over_L": float(_xi_at(flow, a, b, np.array([B]), start)[0]), "B_eV": B, "layer": flow.segment.layer})
    return found


def fraction_near(solution: Li0Solution, potential: float, band: float) -> float:
    """Fraction of the thickness where |μ − potential| ≤ band (exact, segment by segment)."""
    if solution.mirror is not None:
        return fraction_near(solution.mirror, potential, band)
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
