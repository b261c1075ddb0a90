"""Seed 000's continuum model: eq. 4, 9, the C_s routes, design bounds and convergence."""

from dataclasses import replace

import numpy as np
import pytest

from sselab.continuum.ion_exchange import (
    DesignBounds,
    ExchangeProcess,
    Host,
    design_exchange,
    dilute_surface_concentration,
    solve_exchange,
    surface_concentration_for_stress,
    uniform_layer_equivalent,
)
from sselab.errors import ConvergenceError, SSELabError


def paper_process(host, ion, c_s, ratio=1.8e-3):
    return ExchangeProcess(host, ion, 1200.0, 1e-3, c_s, ratio * 2e5)


def test_tau_for_one_millimetre_is_the_papers(llzo, sodium):
    assert paper_process(llzo, sodium, 0.05).tau == pytest.approx(2e5)


def test_surface_concentration_for_one_gigapascal_matches_the_paper(llzo, sodium, silver):
    # seed 000 §3.5: "7% for Na+ and 4.5% for Ag+"
    assert surface_concentration_for_stress(1e9, llzo, sodium) == pytest.approx(0.07, abs=0.001)
    assert surface_concentration_for_stress(1e9, llzo, silver) == pytest.approx(0.045, abs=0.001)


def test_dilute_surface_concentration_matches_the_paper():
    # seed 000 §3.2: E_f ~ 0.3 eV at 1200 K gives ~5 %
    assert dilute_surface_concentration(0.3, 1200.0) == pytest.approx(0.055, abs=0.001)
    with pytest.raises(SSELabError):
        dilute_surface_concentration(-0.03, 1200.0)


def test_residual_stress_is_force_balanced_and_compressive_at_the_surface(llzo, sodium):
    profile, solution = solve_exchange(paper_process(llzo, sodium, 0.07))
    cell_stress = profile.stress[1:-1]
    assert abs(np.dot(solution.mesh.widths, cell_stress)) < 1e-9 * profile.surface_stress * 1e-3
    assert profile.surface_stress > 0 > profile.stress_at(5e-4)
    # surface stress = target minus the force-balance term M γ C̄
    assert profile.surface_stress == pytest.approx(llzo.biaxial_modulus * sodium.chemical_expansion_coefficient * (0.07 - profile.mean_concentration))


def test_concentration_dependence_slows_the_exchange(llzo, sodium):
    coupled, _ = solve_exchange(paper_process(llzo, sodium, 0.07))
    free, _ = solve_exchange(paper_process(llzo, replace(sodium, activation_volume=0.0, saturation_concentration=1e6), 0.07))
    assert coupled.exchange_depth < free.exchange_depth
    assert coupled.mean_concentration < free.mean_concentration


def test_uniform_layer_keeps_the_dopant_amount(llzo, silver):
    process = paper_process(llzo, silver, 0.045)
    profile, _ = solve_exchange(process)
    layer = uniform_layer_equivalent(process, profile.mean_concentration)
    assert 2 * layer.depth * 0.045 == pytest.approx(profile.mean_concentration * 1e-3)
    assert layer.depth < profile.exchange_depth  # SI.7: the uniform model underestimates the depth


def test_design_reports_a_converged_result(llzo, sodium):
    design = design_exchange(paper_process(llzo, sodium, 0.05), DesignBounds(20e-6), rtol=1e-3)
    assert max(design.converged.relative_error.values()) <= 1e-3
    tighter = design_exchange(paper_process(llzo, sodium, 0.05), DesignBounds(20e-6), rtol=1e-5)
    for key, value in design.converged.metrics.items():
        assert value == pytest.approx(tighter.converged.metrics[key], rel=1e-3)
    summary = design.summary()
    for key in ("surface_concentration", "time_s", "tau_s", "surface_stress_Pa", "center_stress_Pa", "exchange_depth_m",
                "flaw_size_m", "sigma_permissible_Pa", "sigma_permissible_native_Pa", "verdict", "definitions"):
        assert key in summary


@pytest.mark.parametrize(
    "c_s, ratio, flaw, expected",
    [
        (0.0708, 1.8e-3, 20e-6, "effective"),  # Fig. 6, Na+
        (0.0708, 1e-5, 20e-6, "too shallow"),  # 1 % depth far short of 2a
        (0.0708, 1.8e-3, 60e-6, "too shallow"),  # 1 % depth 160 µm > 2a, but tensile from ~100 µm on
        (0.083, 2e-2, 20e-6, "spontaneous-fracture risk"),  # centre tension beyond σ_f
        (1e-5, 1.8e-3, 20e-6, "no strength gain"),  # 13 MPa surface stress: gain < 10 %
    ],
)
def test_verdict_follows_the_design_bounds(llzo, sodium, c_s, ratio, flaw, expected):
    design = design_exchange(paper_process(llzo, sodium, c_s, ratio), DesignBounds(flaw))
    assert design.verdict == expected
    summary = design.summary()
    if expected == "spontaneous-fracture risk":
        assert -summary["center_stress_Pa"] >= llzo.fracture_strength
    if expected == "no strength gain":
        assert summary["strength_gain"] < 1.1


def test_zero_stress_depth_lies_inside_the_exchange_depth(llzo, sodium):
    summary = design_exchange(paper_process(llzo, sodium, 0.0708), DesignBounds(20e-6)).summary()
    assert 0 < summary["zero_stress_depth_m"] < summary["exchange_depth_m"]


def test_long_exchange_saturates_and_loses_its_stress(llzo, sodium):
    design = design_exchange(paper_process(llzo, sodium, 0.05, ratio=5.0), DesignBounds(20e-6))
    assert design.profile.mean_concentration == pytest.approx(0.05, rel=1e-6)
    assert abs(design.profile.surface_stress) < 1e-3 * 1e6


def test_temperature_other_than_the_fit_needs_an_activation_energy(llzo, sodium):
    with pytest.raises(SSELabError, match="activation_energy"):
        ExchangeProcess(llzo, sodium, 1100.0, 1e-3, 0.05, 360.0).diffusivity
    hot = replace(sodium, activation_energy_eV=0.8)
    scaled = ExchangeProcess(llzo, hot, 1100.0, 1e-3, 0.05, 360.0).diffusivity.prefactor
    assert scaled == pytest.approx(6.73e-12 * np.exp(-0.8 / 8.617333e-5 * (1 / 1100 - 1 / 1200)), rel=1e-6)


def test_an_unreachable_tolerance_is_an_error_not_a_silent_answer(llzo, sodium):
    with pytest.raises(ConvergenceError, match="loosen"):
        design_exchange(paper_process(llzo, sodium, 0.05), DesignBounds(20e-6), rtol=1e-12)


def test_a_film_thinner_than_the_continuum_limit_is_refused(llzo, sodium):
    with pytest.raises(SSELabError, match="too short"):
        ExchangeProcess(llzo, sodium, 1200.0, 1e-3, 0.05, 1e-9)


@pytest.mark.parametrize(
    "change",
    [
        {"surface_concentration": 0.0925},  # C_s ≥ d
        {"surface_concentration": 0.0},
        {"thickness": -1e-3},
        {"time": 0.0},
        {"time": float("inf")},
        {"thickness": float("nan")},
    ],
)
def test_bad_process_inputs_are_refused(llzo, sodium, change):
    values = {"host": llzo, "ion": sodium, "temperature": 1200.0, "thickness": 1e-3, "surface_concentration": 0.05, "time": 360.0}
    with pytest.raises(SSELabError):
        ExchangeProcess(**{**values, **change})


def test_bad_materials_are_refused(sodium):
    with pytest.raises(SSELabError, match="Poisson"):
        Host("bad", 150e9, 0.5, 150e6, 1e6, 1.12)
    with pytest.raises(SSELabError, match="Poisson"):
        Host("bad", 150e9, -1.0, 150e6, 1e6, 1.12)
    with pytest.raises(SSELabError, match="finite"):
        Host("bad", float("inf"), 0.25, 150e6, 1e6, 1.12)
    with pytest.raises(SSELabError, match="finite"):
        replace(sodium, activation_volume=float("nan"))
    with pytest.raises(SSELabError, match="true or false"):
        replace(sodium, continuum_use="false")
    with pytest.raises(SSELabError):
        DesignBounds(flaw_size=0.0)
    with pytest.raises(SSELabError, match="finite"):
        DesignBounds(flaw_size=20e-6, safety_factor=float("nan"))
    with pytest.raises(SSELabError, match="not usable"):
        replace(sodium, continuum_use=False, caveat="clusters").require_transport()
