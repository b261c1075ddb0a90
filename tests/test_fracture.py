"""Edge-flaw strength under residual stress (eq. 6)."""

import numpy as np
import pytest
from scipy.integrate import quad

from sselab.continuum import fracture
from sselab.errors import InputError, SSELabError

K_IC, Y = 1e6, 1.12


def test_native_strength_known_value():
    # 1 MPa·m^½ / (1.12 √(π·20 µm)) = 112.6 MPa; seed 000 quotes ~120 MPa
    assert fracture.native_strength(K_IC, Y, 20e-6) == pytest.approx(112.63e6, rel=1e-4)


@pytest.mark.parametrize("sigma", [-80e6, 300e6])
def test_uniform_stress_adds_itself_to_the_native_strength(sigma):
    nodes = np.linspace(0, 1e-3, 11)
    stress = np.full_like(nodes, sigma)
    a = np.array([5e-6, 20e-6, 300e-6])
    native = fracture.native_strength(K_IC, Y, a)
    assert np.allclose(fracture.permissible_stress(nodes, stress, a, K_IC, Y), native + sigma, rtol=1e-12)
    printed = fracture.permissible_stress(nodes, stress, a, K_IC, Y, "printed")
    assert np.allclose(printed, native + sigma / np.sqrt(np.pi), rtol=1e-12)


def test_kernel_integral_matches_adaptive_quadrature_with_the_singular_weight():
    length = 40e-6
    nodes = np.linspace(0, 200e-6, 4001)
    stress = 900e6 * np.exp(-nodes / length) - 70e6
    for a in (7e-6, 20e-6, 150e-6):
        reference, _ = quad(lambda x: (900e6 * np.exp(-x / length) - 70e6) / np.sqrt(a + x), 0, a, weight="alg", wvar=(0, -0.5))
        assert fracture.kernel_integral(nodes, stress, a)[0] == pytest.approx(reference, rel=1e-6)


def test_step_profile_is_integrated_exactly():
    depth, sigma = 10e-6, 500e6
    nodes = np.array([0, depth, depth, 1e-3])
    stress = np.array([sigma, sigma, 0.0, 0.0])
    a = np.array([5e-6, 30e-6])
    expected = np.array([np.pi / 2, np.arcsin(depth / 30e-6)]) * sigma
    assert np.allclose(fracture.kernel_integral(nodes, stress, a), expected, rtol=1e-12)


def test_theoretical_maximum_is_a_force_balanced_step_with_the_fracture_strength_at_the_centre():
    length, a, strength = 1e-3, 20e-6, 150e6
    bound = fracture.theoretical_maximum_strength(a, length, K_IC, Y, strength)
    compression = bound - fracture.native_strength(K_IC, Y, a)
    # force balance of the step: compression over 2a equals tension over L − 2a
    assert compression * 2 * a == pytest.approx(strength * (length - 2 * a), rel=1e-12)
    halved = fracture.theoretical_maximum_strength(a, length, K_IC, Y, strength, safety_factor=2)
    assert halved - fracture.native_strength(K_IC, Y, a) == pytest.approx(compression / 2)


def test_bounds_follow_the_form_of_eq6():
    length, a, strength = 1e-3, 20e-6, 150e6
    native = fracture.native_strength(K_IC, Y, a)
    correct = fracture.theoretical_maximum_strength(a, length, K_IC, Y, strength)
    printed = fracture.theoretical_maximum_strength(a, length, K_IC, Y, strength, form="printed")
    assert printed - native == pytest.approx((correct - native) / np.sqrt(np.pi), rel=1e-12)


def test_bad_flaw_sizes_and_forms_are_refused():
    nodes = np.linspace(0, 1e-3, 5)
    with pytest.raises(SSELabError):
        fracture.native_strength(K_IC, Y, 0.0)
    with pytest.raises(SSELabError):
        fracture.kernel_integral(nodes, nodes, 2e-3)
    with pytest.raises(SSELabError):
        fracture.residual_stress_benefit(nodes, nodes, 1e-4, "tada")
    with pytest.raises(SSELabError):
        fracture.native_strength(K_IC, Y, float("nan"))
    with pytest.raises(SSELabError, match="safety factor"):
        fracture.theoretical_maximum_strength(20e-6, 1e-3, K_IC, Y, 150e6, float("nan"))


def test_an_unknown_form_names_the_keyword_and_the_choices():
    assert fracture.check_form("printed") == "printed"
    with pytest.raises(InputError, match="fracture_form must be one of weight-function, printed"):
        fracture.check_form("tada")
