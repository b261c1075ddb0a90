"""Arrhenius, seed 000 eq. 8 and Nernst–Einstein laws."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.constants import N_A, R, physical_constants

from sselab.continuum.transport import fit_arrhenius, fit_stress_concentration, nernst_einstein_conductivity
from sselab.errors import SSELabError

FARADAY = physical_constants["Faraday constant"][0]


def test_arrhenius_recovers_exact_parameters_and_propagates_errors_to_300_k():
    temperatures = np.array([900.0, 1000.0, 1100.0, 1200.0])
    k_b = 8.617333262e-5
    diffusivity = 3e-8 * np.exp(-0.32 / (k_b * temperatures))
    exact = fit_arrhenius(temperatures, np.log(diffusivity))
    assert exact.activation_energy_eV == pytest.approx(0.32, rel=1e-9)
    assert exact.prefactor == pytest.approx(3e-8, rel=1e-9)
    assert exact.r_squared == pytest.approx(1.0)
    # with stated 10 % errors, the extrapolation error grows with distance from the data
    weighted = fit_arrhenius(temperatures, np.log(diffusivity), np.diag(np.full(4, 0.1**2)))
    assert weighted.log_diffusivity_stderr(300.0) > 3 * weighted.log_diffusivity_stderr(1050.0)
    # two points and no stated errors: nothing to estimate the scatter from
    assert np.isnan(fit_arrhenius(temperatures[:2], np.log(diffusivity[:2])).activation_energy_stderr_eV)


def test_arrhenius_error_matches_the_scatter_of_repeated_noisy_fits():
    rng = np.random.default_rng(0)
    temperatures = np.array([900.0, 1000.0, 1100.0, 1200.0, 1300.0])
    truth = np.log(1e-8) - 0.3 / (8.617333262e-5 * temperatures)
    energies, stated = [], []
    for _ in range(400):
        fit = fit_arrhenius(temperatures, truth + rng.normal(0, 0.2, temperatures.size), np.diag(np.full(5, 0.04)))
        energies.append(fit.activation_energy_eV)
        stated.append(fit.activation_energy_stderr_eV)
    assert np.std(energies) == pytest.approx(np.mean(stated), rel=0.1)


def test_eq8_fit_recovers_table_1_from_data_generated_with_it():
    temperature = 1200.0
    strains_stress = np.array([-1.5e9, -0.5e9, 0.0, 0.6e9, 1.4e9])
    stress = np.concatenate([strains_stress, strains_stress])
    concentration = np.repeat([0.017, 0.034], 5)
    truth = (6.73e-12, 26.49e-7, 0.0925)  # Na+, Table 1 (V* per mole)
    diffusivity = truth[0] * np.exp(-stress * truth[1] / (R * temperature)) * (1 - concentration / truth[2])
    fit = fit_stress_concentration(stress, concentration, diffusivity, temperature)
    assert fit.prefactor == pytest.approx(truth[0], rel=1e-6)
    assert fit.activation_volume == pytest.approx(truth[1], rel=1e-6)
    assert fit.saturation_concentration == pytest.approx(truth[2], rel=1e-6)
    np.testing.assert_allclose(fit.diffusivity(stress, concentration), diffusivity, rtol=1e-6)


def test_eq8_fit_refuses_data_that_cannot_separate_its_parameters():
    with pytest.raises(SSELabError, match="two or more concentrations"):
        fit_stress_concentration(np.array([0.0, 1e9]), np.array([0.017, 0.017]), np.array([1e-12, 5e-13]), 1200.0)
    with pytest.raises(SSELabError, match="no positive d"):
        fit_stress_concentration(np.array([0.0, 1e9, 0.0, 1e9]), np.array([0.017, 0.017, 0.034, 0.034]),
                                 np.array([1e-12, 5e-13, 2e-12, 1e-12]), 1200.0)


def test_nernst_einstein_matches_the_molar_form_of_seed_004_eq_7():
    number_density, diffusivity, temperature = 2.4e28, 3e-11, 900.0  # Li in LLZO-like solid
    molar = number_density / N_A
    expected = molar * FARADAY**2 * diffusivity / (R * temperature)
    assert nernst_einstein_conductivity(number_density, 1, diffusivity, temperature) == pytest.approx(expected, rel=1e-12)
    assert nernst_einstein_conductivity(number_density, 2, diffusivity, temperature) == pytest.approx(4 * expected, rel=1e-12)


def test_arrhenius_widens_errors_when_points_scatter_beyond_their_stated_errors():
    k_b = 8.617333262e-5
    temperatures = np.array([900.0, 1000.0, 1100.0, 1200.0, 1300.0])
    truth = np.log(1e-8) - 0.3 / (k_b * temperatures)
    scattered = truth + np.array([0.3, -0.3, 0.3, -0.3, 0.3])  # 0.3 in ln D against a stated 0.01
    fit = fit_arrhenius(temperatures, scattered, np.diag(np.full(5, 0.01**2)))
    design = np.column_stack([np.ones(5), -1 / (k_b * temperatures)])
    (intercept, slope), *_ = np.linalg.lstsq(design, scattered, rcond=None)  # equal weights: GLS = OLS
    residual = scattered - design @ [intercept, slope]
    chi2 = residual @ residual / 0.01**2 / 3
    stated_only = np.sqrt(np.linalg.inv(design.T @ design / 0.01**2)[1, 1])
    assert fit.reduced_chi_squared == pytest.approx(chi2, rel=1e-9) and chi2 > 100
    assert fit.activation_energy_stderr_eV == pytest.approx(stated_only * np.sqrt(chi2), rel=1e-9)


def test_eq8_refuses_percent_instead_of_fraction():
    with pytest.raises(SSELabError, match="site fractions"):
        fit_stress_concentration(np.array([0.0, 1e9, 0.0, 1e9]), np.array([1.7, 1.7, 3.4, 3.4]), np.array([2e-12, 1e-12, 1.5e-12, 0.7e-12]), 1200.0)
