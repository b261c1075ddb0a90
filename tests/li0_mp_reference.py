"""An independent high-precision reference for seed 002's steady Li⁰ profile (mpmath), for tests and benchmarks.

It shares no code with :mod:`sselab.continuum.li0_potential`: it reads only the stack's fields
(layers, bottlenecks, operating point), cuts its own segments, uses its own antiderivative and
its own root finders, all in mpmath at ``dps`` significant digits.

Model (seed 002, eq. 13), ξ = x/L from the cathode, μ in eV, u = (μ − B)/k_BT, q = 1 − t, p = t:

    dμ/dξ = D (q/(2A cosh u) − p/σ),   D = e L j (volts, so eV per unit ξ),

so dξ/du = C cosh u/(α − cosh u) with C = σ k_BT/(D p) and α = qσ/(2A p), and ξ(u) = C F(u) with

    F(u) = −u + α I(u),   I(u) = ∫ du/(α − cosh u).

The half-angle substitution w = tanh(u/2) (cosh u = (1 + w²)/(1 − w²), du = 2 dw/(1 − w²)) gives
I = ∫ 2 dw/((α − 1) − (α + 1) w²), hence

    α > 1:  I = ln|(k + w)/(k − w)| / √(α² − 1),  k = √((α − 1)/(α + 1)) = tanh(u*/2), u* = arccosh α,
            and (k + w)/(k − w) = sinh((u* + u)/2)/sinh((u* − u)/2) (used: no cancellation near ±1);
    α < 1:  I = −2 arctan(w/m)/√(1 − α²),  m = √((1 − α)/(1 + α)).

Shooting: for given ln q, every segment's end potential is found from its start by a bracketing
root finder on C(F(u_end) − F(u_start)) = width (near a window edge in the variable ln(distance to
the edge), where F is nearly linear); ln q is found by a safeguarded Illinois iteration on
μ(ξ = 1) − μ_anode, monotone in q. The precision is raised until two precisions agree.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import mpmath

#: k_B/e in eV/K from the exact SI values (k_B = 1.380649e-23 J/K, e = 1.602176634e-19 C).
BOLTZMANN_J_PER_K, ELEMENTARY_CHARGE_C = "1.380649e-23", "1.602176634e-19"


@dataclass(frozen=True)
class Reference:
    """The reference solution: 1 − t, the potentials at every segment boundary (eV) and the digits used."""

    one_minus_t: float
    boundary_potentials: tuple[float, ...]
    boundaries: tuple[float, ...]
    dps: int
    agreement: float  # largest change of any output between the last two precisions


class NoSteadyState(Exception):
    """μ(ξ = 1) cannot reach μ_anode for any 0 < t ≤ 1 (t ≥ 1e-15, 1 − t ≥ 1e-300)."""


def reference_segments(stack) -> list[tuple[float, float, float, float, float]]:
    """(start, end, σ_ion, A, B) of every stretch of uniform properties: layers cut at bottleneck edges,
    σ_ion multiplied by every bottleneck factor covering the stretch."""
    edges, total = [0.0], 0.0
    for layer in stack.layers:
        total += layer.fraction
        edges.append(total)
    edges[-1] = 1.0
    cuts = set(edges)
    for neck in stack.bottlenecks:
        cuts.update((neck.position - neck.width / 2, neck.position + neck.width / 2))
    points = sorted(cuts)
    out = []
    for start, end in zip(points[:-1], points[1:]):
        if end - start <= 1e-15:
            continue
        middle = 0.5 * (start + end)
        index = max(i for i in range(len(stack.layers)) if edges[i] <= middle)
        layer = stack.layers[index]
        factor = 1.0
        for neck in stack.bottlenecks:
            if neck.position - neck.width / 2 <= middle <= neck.position + neck.width / 2:
                factor *= neck.sigma_ion_factor
        out.append((start, end, layer.sigma_ion * factor, layer.A, layer.B))
    return out


class _Segment:
    """One stretch at a given q, in mpmath."""

    def __init__(self, width, sigma, A, B, q, kT, drive):
        mp = mpmath.mp
        self.width, self.B, self.kT = mp.mpf(width), mp.mpf(B), kT
        p = 1 - q
        self.alpha = q * sigma / (2 * A * p)
        self.C = sigma * kT / (drive * p)
        if self.alpha > 1:
            self.star = mpmath.acosh(self.alpha)
            self.root = mpmath.sqrt(self.alpha**2 - 1)
        else:
            self.star = None
            self.m = mpmath.sqrt((1 - self.alpha) / (1 + self.alpha))
            self.root = mpmath.sqrt(1 - self.alpha**2)

    def F(self, u):
        if self.star is None:
            return -u - self.alpha * 2 * mpmath.atan(mpmath.tanh(u / 2) / self.m) / self.root
        ratio = mpmath.sinh((self.star + u) / 2) / mpmath.sinh((self.star - u) / 2)
        return -u + self.alpha * mpmath.log(abs(ratio)) / self.root

    def slope(self, u):
        """dξ/du = C cosh u/(α − cosh u)."""
        return self.C * mpmath.cosh(u) / (self.alpha - mpmath.cosh(u))

    def advance(self, u0, tiny):
        """u at the end of the segment, from u0 at its start."""
        mp = mpmath.mp
        direction = 1 if self.slope(u0) > 0 else -1
        F0 = self.F(u0)

        def gap(u):
            return self.C * (self.F(u) - F0) - self.width

        ahead = None
        if self.star is not None:
            edges = [e for e in (-self.star, self.star) if (e - u0) * direction > 0]
            ahead = min(edges, key=lambda e: abs(e - u0)) if edges else None
        if ahead is not None:
            distance = abs(ahead - u0)
            low = mpmath.log(tiny * max(1, abs(ahead)))
            high = mpmath.log(distance)
            if low >= high:
                return u0  # the start sits on the edge at this precision

            def in_log(y):
                return gap(ahead - direction * mpmath.exp(y))

            if in_log(low) < 0:
                return ahead - direction * mpmath.exp(low)  # a plateau on the stable edge at this precision
            y = _bracketed_root(in_log, low, high)
            return ahead - direction * mpmath.exp(y)
        step = mp.mpf(1)
        while gap(u0 + direction * step) < 0:
            step *= 2
            if step > 1e6:
                raise NoSteadyState("runaway")
        low, high = sorted((u0, u0 + direction * step))
        return _bracketed_root(gap, low, high)


class ReferenceTimeout(Exception):
    """The reference ran past its deadline."""


_DEADLINE = [float("inf")]


def _bracketed_root(f, low, high):
    """Root of the monotone f in [low, high]: Illinois steps (regula falsi halving the stale end), with a
    bisection whenever four steps fail to halve the bracket, until a step or the bracket is at the
    working precision."""
    mp = mpmath.mp
    f_low, f_high = f(low), f(high)
    if (f_low > 0) == (f_high > 0):
        return low if abs(f_low) < abs(f_high) else high
    side, last, checkpoint = 0, None, high - low
    for iteration in range(1, 40 * mp.prec):
        if time.monotonic() > _DEADLINE[0]:
            raise ReferenceTimeout("the reference ran past its deadline")
        tolerance = mp.eps * 16 * max(1, abs(low), abs(high))
        if high - low <= tolerance:
            break
        x = (low * f_high - high * f_low) / (f_high - f_low)
        if iteration % 4 == 0:
            if high - low > checkpoint / 2:
                x = (low + high) / 2
            checkpoint = high - low
        if not (low < x < high):
            x = (low + high) / 2
        if last is not None and abs(x - last) <= tolerance:
            return x
        last, fx = x, f(x)
        if fx == 0:
            return x
        if (fx > 0) == (f_high > 0):
            high, f_high = x, fx
            if side == 1:
                f_low /= 2
            side = 1
        else:
            low, f_low = x, fx
            if side == -1:
                f_high /= 2
            side = -1
    return (low + high) / 2


def _solve_at(stack, dps: int, hint: float | None = None):
    mp = mpmath.mp
    with mpmath.workdps(dps):
        tiny = mp.mpf(10) ** (-(dps - 8))
        kT = mp.mpf(BOLTZMANN_J_PER_K) / mp.mpf(ELEMENTARY_CHARGE_C) * mp.mpf(stack.temperature)
        drive = mp.mpf(stack.thickness) * mp.mpf(stack.current_density)
        segments = reference_segments(stack)

        def shoot(log_q):
            q = mpmath.exp(log_q)
            mu = [mp.mpf(stack.mu_cathode)]
            for start, end, sigma, A, B in segments:
                seg = _Segment(mp.mpf(end) - mp.mpf(start), mp.mpf(sigma), mp.mpf(A), B, q, kT, drive)
                u = seg.advance((mu[-1] - seg.B) / kT, tiny)
                mu.append(seg.B + kT * u)
            return mu

        sign = 1 if drive > 0 else -1
        anode = mp.mpf(stack.mu_anode)

        def miss(log_q):
            return sign * (shoot(log_q)[-1] - anode)

        low, high = mpmath.log(mp.mpf(10) ** -300), mpmath.log(1 - mp.mpf(10) ** -15)
        if hint is not None:  # narrows the first bracket only if the reference's own signs confirm it
            centre, spread = mpmath.log(mp.mpf(hint)), mp.mpf(10) ** -9 * max(1, abs(mpmath.log(mp.mpf(hint))))
            near_low, near_high = max(low, centre - spread), min(high, centre + spread)
            if miss(near_low) <= 0 <= miss(near_high):
                low, high = near_low, near_high
        if miss(low) > 0 or miss(high) < 0:
            raise NoSteadyState(f"mu_anode outside the reachable range at {dps} digits")
        log_q = _bracketed_root(miss, low, high)
        potentials = shoot(log_q)
        return mpmath.exp(log_q), potentials, [segments[0][0]] + [s[1] for s in segments]


def reference_solve(stack, dps: int = 60, max_dps: int = 960, hint: float | None = None,
                    deadline_s: float = float("inf")) -> Reference:
    """Solve at ``dps`` and ``dps + 30`` digits, doubling until 1 − t (relative) and every boundary
    potential (eV) agree to 1e-15 between the last two precisions *and* both shots end on μ_anode (to
    1e-12 eV); raises :class:`NoSteadyState`. Agreement alone is not enough: a start closer to an unstable
    window edge than the working precision resolves sends both precisions down the same wrong branch.

    ``hint`` (a guess of 1 − t, e.g. from the solver under test) only speeds the search up: it is used
    as the first bracket when the reference's own anode misses change sign across ±1e-9 of it, and the
    root inside is unique because μ(ξ = 1) is monotone in q. Raises :class:`ReferenceTimeout` after
    ``deadline_s`` seconds."""
    _DEADLINE[0] = time.monotonic() + deadline_s
    previous = _solve_at(stack, dps, hint)
    while True:
        current = _solve_at(stack, dps + 30, float(previous[0]))
        change = max([abs(current[0] / previous[0] - 1)] + [abs(a - b) for a, b in zip(current[1], previous[1])])
        landed = all(abs(float(shot[1][-1]) - stack.mu_anode) <= 1e-12 for shot in (previous, current))
        if change <= 1e-15 and landed or dps >= max_dps:
            return Reference(float(current[0]), tuple(float(m) for m in current[1]), tuple(current[2]), dps + 30,
                             float(change))
        dps *= 2
        previous = _solve_at(stack, dps, hint)
