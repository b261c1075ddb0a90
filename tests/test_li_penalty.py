"""Eq. 10 and its two-step fit."""

import numpy as np
import pytest

from sselab.continuum.li_penalty import LiDiffusionLaw, fit_two_step, li_penalty
from sselab.errors import SSELabError

TRUE = LiDiffusionLaw(prefactor=2e-7, activation_volume=6.8e-7, activation_energy_eV=0.31)


def synthetic(noise, seed=7):
    rng = np.random.default_rng(seed)
    t = np.repeat([900.0, 1000.0, 1100.0, 1200.0], 4)
    s = np.tile([-1e9, 0.0, 1e9, 2e9], 4)
    return t, s, TRUE.diffusivity(t, s) * np.exp(rng.normal(0, noise, t.size))


def test_exact_data_is_recovered_exactly():
    fit = fit_two_step(*synthetic(0.0))
    assert fit.law.prefactor == pytest.approx(2e-7, rel=1e-9)
    assert fit.law.activation_volume == pytest.approx(6.8e-7, rel=1e-9)
    assert fit.law.activation_energy_eV == pytest.approx(0.31, rel=1e-9)


def test_noisy_data_is_recovered_within_the_reported_errors():
    misses = 0
    for seed in range(20):
        law = fit_two_step(*synthetic(0.05, seed)).law
        misses += abs(law.activation_energy_eV - 0.31) > 3 * law.activation_energy_stderr_eV
        misses += abs(law.activation_volume - 6.8e-7) > 3 * law.activation_volume_stderr
    assert misses <= 2


def test_penalty_at_room_temperature():
    bulk = LiDiffusionLaw(prefactor=2e-7, activation_volume=6.8e-7, activation_energy_eV=0.30)
    result = li_penalty(TRUE, bulk, 300.0, 1e9)
    k_t = 8.617333262e-5 * 300.0
    assert result.ratio_zero_stress == pytest.approx(np.exp(-0.01 / k_t), rel=1e-6)
    assert result.ratio_stressed / result.ratio_zero_stress == pytest.approx(np.exp(-1e9 * 6.8e-7 / (8.314462618 * 300)), rel=1e-6)


def test_reported_log_diffusivity_error_matches_its_scatter():
    """Monte Carlo: the spread of ln D predicted at 300 K and at the fit's centre over many noisy
    fits matches the reported standard error (which needs the ln D₀–E_a covariance)."""
    for temperature, stress in ((300.0, 1e9), (1036.0, 0.0)):
        predictions, reported = [], []
        for seed in range(300):
            law = fit_two_step(*synthetic(0.05, seed)).law
            predictions.append(np.log(law.diffusivity(temperature, stress)))
            reported.append(law.log_diffusivity_stderr(temperature, stress))
        assert np.median(reported) == pytest.approx(np.std(predictions), rel=0.2)


@pytest.mark.parametrize(
    "data",
    [
        (np.array([1000.0, 1000.0]), np.array([0.0, 1e9]), np.array([1e-10, 5e-11])),  # one temperature
        (np.array([900.0, 1000.0]), np.array([0.0, 0.0]), np.array([1e-10, 2e-10])),  # one stress each
        (np.array([900.0, 900.0, 1000.0, 1000.0]), np.array([0.0, 1e9, 0.0, 1e9]), np.array([1e-10, -1.0, 2e-10, 1e-10])),
        (np.array([900.0, 900.0, 1000.0, 1000.0]), np.array([0.0, np.nan, 0.0, 1e9]), np.array([1e-10, 1e-10, 2e-10, 1e-10])),
    ],
)
def test_unfittable_data_is_refused(data):
    with pytest.raises(SSELabError):
        fit_two_step(*data)


def test_non_finite_parameters_are_refused():
    with pytest.raises(SSELabError, match="finite"):
        LiDiffusionLaw(prefactor=1e-7, activation_volume=float("inf"), activation_energy_eV=0.3)
