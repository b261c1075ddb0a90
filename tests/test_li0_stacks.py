"""Issue 15: multilayer Li⁰ stacks whose steady state needs interfaces on window edges, checked against an
independent mpmath solver (tests/li0_mp_reference.py), and every packaged bilayer/bottleneck case at
1, 10 and 100 mA/cm²."""

from dataclasses import replace

import mpmath
import pytest
from li0_mp_reference import BOLTZMANN_J_PER_K, ELEMENTARY_CHARGE_C, reference_segments, reference_solve

from sselab.continuum.li0_potential import Layer, solve
from sselab.params.separators import load_separator

CALIBRATED_A_FACTOR = 0.2277  # docs/li0_potential.md: A calibrated on Fig. 3
BILAYER_CASES = ("fig3", "fig4b", "fig4c", "fig4d", "fig5a", "fig5b", "fig5c", "fig6", "fig7a_high", "fig7a_low",
                 "fig7b_double", "fig7b_fifth", "fig8a", "fig8b", "fig8c", "fig8d")
CURRENTS_A_PER_M2 = (10.0, 100.0, 1000.0)  # 1, 10 and 100 mA/cm²


def calibrated(name, current_density):
    separator = replace(load_separator(name)[0], current_density=current_density)
    return replace(separator, layers=tuple(replace(layer, A=layer.A * CALIBRATED_A_FACTOR) for layer in separator.layers))


def unstable_edge_distances(stack, reference):
    """|μ − unstable window edge| (eV) of every segment's start, from the reference's own 1 − t (mpmath)."""
    with mpmath.workdps(60):
        q = mpmath.mpf(reference.one_minus_t)
        kT = mpmath.mpf(BOLTZMANN_J_PER_K) / mpmath.mpf(ELEMENTARY_CHARGE_C) * stack.temperature
        sign = -1 if stack.current_density > 0 else 1
        distances = []
        for (_, _, sigma, A, B), mu in zip(reference_segments(stack), reference.boundary_potentials[:-1]):
            alpha = q * sigma / (2 * A * (1 - q))
            edge = B + sign * kT * mpmath.acosh(alpha) if alpha > 1 else mpmath.inf
            distances.append(float(abs(mpmath.mpf(mu) - edge)))
        return distances


def assert_matches_reference(stack, solution, reference, rel=1e-9, eV=1e-9):
    assert solution.one_minus_t == pytest.approx(reference.one_minus_t, rel=rel)
    inner = solution.boundary_potentials[1:-1]
    assert max(abs(a - b) for a, b in zip(inner, reference.boundary_potentials[1:-1])) <= eV


A_CALIBRATED = 4.25e-17 * CALIBRATED_A_FACTOR
THREE_LAYERS = (Layer(0.2, 0.3, A_CALIBRATED, -2.5), Layer(0.3, 0.1, A_CALIBRATED, -2.3), Layer(0.5, 0.1, A_CALIBRATED, -0.7))
FOUR_LAYERS = (Layer(0.1, 0.3, A_CALIBRATED, -2.6), Layer(0.1, 0.2, A_CALIBRATED, -2.45),
               Layer(0.3, 0.1, A_CALIBRATED, -2.3), Layer(0.5, 0.1, A_CALIBRATED, -0.7))


@pytest.mark.parametrize("layers", [THREE_LAYERS, FOUR_LAYERS], ids=["three layers", "four layers"])
def test_interface_within_1e_10_eV_of_an_unstable_edge_matches_mpmath(layers):
    """Fig. 3's operating point at 100 mA/cm² with one or two extra cathodic layers: the interface at
    x/L = 0.5 must sit within 1e-10 eV of the anodic layer's unstable window edge (and of the previous
    layer's stable one), which float64 shooting cannot place."""
    stack = replace(calibrated("fig3", 1000.0), layers=layers)
    reference = reference_solve(stack)
    at_half = [s[0] for s in reference_segments(stack)].index(0.5)
    assert unstable_edge_distances(stack, reference)[at_half] < 1e-10  # the test is about what it says
    solution = solve(stack)
    assert solution.worst_residual <= 1e-9
    assert_matches_reference(stack, solution, reference)


@pytest.mark.parametrize("name", BILAYER_CASES)
def test_every_packaged_bilayer_case_solves_at_1_10_and_100_mA_per_cm2(name):
    for current in CURRENTS_A_PER_M2:
        solution = solve(calibrated(name, current))
        assert solution.worst_residual <= 1e-9 and 0 < solution.one_minus_t < 1


@pytest.mark.parametrize("name", ["fig3", "fig8a", "fig8c"])
def test_double_edge_cases_at_100_mA_per_cm2_match_mpmath(name):
    """Figs. 3 and 8a were refused before issue 15; 8c is their asymmetric sibling."""
    stack = calibrated(name, 1000.0)
    assert_matches_reference(stack, solve(stack), reference_solve(stack))


@pytest.mark.slow
@pytest.mark.parametrize("name", BILAYER_CASES)
@pytest.mark.parametrize("current", CURRENTS_A_PER_M2)
def test_every_packaged_bilayer_case_matches_mpmath(name, current):
    stack = calibrated(name, current)
    solution = solve(stack)
    assert_matches_reference(stack, solution, reference_solve(stack, hint=solution.one_minus_t))


def test_the_reference_antiderivative_matches_quadrature():
    """The reference's closed form against mpmath quadrature of dξ/du = C cosh u/(α − cosh u), both regimes."""
    from li0_mp_reference import _Segment

    with mpmath.workdps(40):
        for alpha_q in (mpmath.mpf("0.05"), mpmath.mpf("1e-17")):
            segment = _Segment(1, mpmath.mpf("0.1"), mpmath.mpf("1e-17"), -1.0, alpha_q, mpmath.mpf("0.0257"),
                               mpmath.mpf("1e-3"))
            for u0, u1 in ((-5, 3), (20, 25)):
                if segment.star is not None and (u0 < segment.star < u1 or u0 < -segment.star < u1):
                    continue
                direct = mpmath.quad(segment.slope, [u0, u1])
                closed = segment.C * (segment.F(u1) - segment.F(u0))
                assert direct != 0 and abs(closed - direct) <= mpmath.mpf("1e-25") * abs(direct)  # relative, in mpmath
