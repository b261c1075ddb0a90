"""The plate diffusion solver against exact solutions, conservation and symmetry."""

import numpy as np
import pytest
from scipy.integrate import solve_bvp
from scipy.special import erfc

from sselab.continuum.diffusion import (
    constant_diffusivity,
    solve_plate_diffusion,
    stretching_for_fraction,
    symmetric_plate_mesh,
)
from sselab.continuum.ion_exchange import ExchangeDiffusivity

L, D, CS = 1e-3, 5e-12, 0.05


def image_series(x, t, terms=40):
    """Two-sided constant-D plate solution as a series of erfc images."""
    s = 2 * np.sqrt(D * t)
    n = np.arange(terms)[:, None]
    return CS * np.sum((-1.0) ** n * (erfc((n * L + x) / s) + erfc(((n + 1) * L - x) / s)), axis=0)


def fourier_series(x, t, terms=4001):
    k = np.arange(1, terms, 2)[:, None]
    return CS * (1 - 4 / np.pi * np.sum(np.sin(k * np.pi * x / L) / k * np.exp(-(k**2) * np.pi**2 * D * t / L**2), axis=0))


@pytest.mark.parametrize("time_ratio", [1e-3, 0.05])
def test_constant_diffusivity_matches_erfc_series(time_ratio):
    t = time_ratio * L**2 / D
    beta = stretching_for_fraction(6 * np.sqrt(D * t) / (L / 2), 0.6)
    solution = solve_plate_diffusion(constant_diffusivity(D), symmetric_plate_mesh(L, 200, beta), (CS, CS), t, 100)
    x = solution.mesh.centers
    exact = image_series(x, t)
    assert np.max(np.abs(solution.concentration - exact)) < 2e-4 * CS
    # the two series are independent representations of one solution
    assert np.max(np.abs(fourier_series(x[::10], t) - exact[::10])) < 1e-6 * CS


def test_mass_balance_is_exact_and_matches_the_analytic_uptake():
    t = 360.0
    law = ExchangeDiffusivity(prefactor=6.7e-12, stress_coefficient=3.7, saturation=0.0925).as_law()
    solution = solve_plate_diffusion(law, symmetric_plate_mesh(L, 150, 3.0), (0.07, 0.07), t, 80)
    assert solution.amount == pytest.approx(solution.uptake, rel=1e-11)
    constant = solve_plate_diffusion(constant_diffusivity(D), symmetric_plate_mesh(L, 400, 3.0), (CS, CS), t, 200)
    assert constant.amount == pytest.approx(4 * CS * np.sqrt(D * t / np.pi), rel=1e-3)


def test_two_sided_exchange_is_mirror_symmetric():
    law = ExchangeDiffusivity(prefactor=6.7e-12, stress_coefficient=3.7, saturation=0.0925).as_law()
    solution = solve_plate_diffusion(law, symmetric_plate_mesh(L, 120, 2.5), (0.07, 0.07), 2000.0, 60)
    assert np.allclose(solution.concentration, solution.concentration[::-1], rtol=0, atol=1e-12)


def test_one_sided_boundary_values_are_respected():
    solution = solve_plate_diffusion(constant_diffusivity(D), symmetric_plate_mesh(L, 100, 0.0), (CS, 0.0), 50 * L**2 / D, 200)
    # long times: the linear steady state between the two faces
    assert np.allclose(solution.concentration, CS * (1 - solution.mesh.centers / L), atol=1e-6 * CS)


def test_nonlinear_profile_matches_boltzmann_similarity_solution():
    """Early times on a thick plate are semi-infinite: C depends on η = x/√t only (independent ODE)."""
    law = ExchangeDiffusivity(prefactor=6.73e-12, stress_coefficient=3.75, saturation=0.0925)
    c_s, t = 0.07, 200.0
    eta_max = 12 * np.sqrt(6.73e-12)

    def rhs(eta, y):  # y = (C, D(C) dC/dη);  (D C')' = −η/2 C'
        slope = y[1] / law(y[0])
        return np.vstack([slope, -eta / 2 * slope])

    eta = np.linspace(0, eta_max, 400)
    guess_c = c_s * erfc(eta / (2 * np.sqrt(6.73e-12)))
    guess = np.vstack([guess_c, law(guess_c) * np.gradient(guess_c, eta)])
    ode = solve_bvp(rhs, lambda a, b: np.array([a[0] - c_s, b[0]]), eta, guess, tol=1e-8, max_nodes=100000)
    assert ode.success
    solution = solve_plate_diffusion(law.as_law(), symmetric_plate_mesh(L, 400, 4.0), (c_s, c_s), t, 200)
    x = solution.mesh.centers
    near = x < eta_max * np.sqrt(t)
    assert np.max(np.abs(solution.concentration[near] - ode.sol(x[near] / np.sqrt(t))[0])) < 1e-4 * c_s


def test_second_order_convergence_in_space_and_time():
    law = ExchangeDiffusivity(prefactor=6.73e-12, stress_coefficient=3.75, saturation=0.0925).as_law()
    levels = [(50, 25), (100, 50), (200, 100), (1600, 800)]
    amounts = [solve_plate_diffusion(law, symmetric_plate_mesh(L, n, 1.5), (0.07, 0.07), 360.0, m).amount for n, m in levels]
    errors = np.abs(np.array(amounts[:-1]) - amounts[-1])
    ratios = errors[:-1] / errors[1:]
    assert np.all((ratios > 3.0) & (ratios < 5.5)), ratios


def test_kirchhoff_potential_is_the_integral_of_the_diffusivity():
    for k in (0.0, 1e-7, 3.75, 40.0):
        law = ExchangeDiffusivity(prefactor=2e-12, stress_coefficient=k, saturation=0.09)
        c = np.linspace(0, 0.085, 2001)
        phi = law.kirchhoff_potential(c)
        trapezoid = np.concatenate([[0], np.cumsum(0.5 * (law(c[1:]) + law(c[:-1])) * np.diff(c))])
        assert np.allclose(phi, trapezoid, rtol=1e-6, atol=1e-22)


def test_stretching_puts_the_requested_share_of_cells_in_the_zone():
    beta = stretching_for_fraction(0.01, 0.6)
    mesh = symmetric_plate_mesh(1.0, 100, beta)
    assert mesh.faces[60] == pytest.approx(0.005, rel=1e-9)
    assert np.all(np.diff(mesh.faces) > 0)
    assert stretching_for_fraction(0.9, 0.6) == 0.0
