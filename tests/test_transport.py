"""Arrhenius, seed 000 eq. 8 and Nernst–Einstein laws, and their fits across MD runs with the parameter files they write."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy.constants import N_A, R, physical_constants
from test_msd import write_walk

from sselab.analysis.diffusion import DiffusionAnalysis
from sselab.continuum.li_penalty import li_penalty
from sselab.continuum.transport import fit_arrhenius, fit_stress_concentration, nernst_einstein_conductivity
from sselab.errors import InputError, SSELabError
from sselab.params.ions import load_ion, load_li_law
from sselab.studies.transport import ArrheniusAnalysis, ExchangeIonFit, LiLawFit, fit_exchange_ion, fit_li_law

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


# ------------------------------------------------------------------ fits across runs (studies.transport)


def hopping_runs(tmp_path, energy=0.3, temperatures=(900.0, 1100.0, 1400.0)):
    """Analyses of lattice walks hopping with p = 2 exp(−E_a/k_BT) per frame: D ∝ exp(−E_a/k_BT)."""

    runs = []
    for index, temperature in enumerate(temperatures):
        trajectory = tmp_path / f"walk{index}.extxyz"
        write_walk(trajectory, 2.0 * np.exp(-energy / (8.617333262e-5 * temperature)), temperature=temperature, frames=1200, walkers=60, seed=index)
        runs.append(DiffusionAnalysis.from_file(trajectory, species="Li"))
    return runs


def test_arrhenius_across_analyses_recovers_the_activation_energy(tmp_path):
    runs = hopping_runs(tmp_path)
    result = ArrheniusAnalysis.from_runs(runs, extrapolate_to_K=300.0)
    assert result.weighted and result.points == 3
    assert abs(result.activation_energy_eV - 0.3) < 3 * result.activation_energy_stderr_eV
    assert result.activation_energy_stderr_eV < 0.05
    low, high = result.D_extrapolated_1sigma_m2_per_s
    assert low < result.D_extrapolated_m2_per_s < high
    # every run has the same Li density and charge: σ(300 K) is Nernst–Einstein with the extrapolated D
    density = runs[0].number_density_per_m3
    assert result.conductivity_extrapolated_S_per_m == pytest.approx(
        nernst_einstein_conductivity(density, 1, result.D_extrapolated_m2_per_s, 300.0), rel=1e-9)
    assert ArrheniusAnalysis.from_dict(result.to_dict()) == result
    run = result.write(tmp_path / "fit")
    assert "arrhenius.png" in run.files and run.summary["points"] == 3


def test_arrhenius_needs_two_diffusive_runs_and_leaves_frozen_ones_out(tmp_path):
    write_walk(tmp_path / "frozen.extxyz", 0.0, frames=100)
    write_walk(tmp_path / "moving.extxyz", 0.05, frames=400)
    frozen, moving = (DiffusionAnalysis.from_file(tmp_path / f"{name}.extxyz", species="Li") for name in ("frozen", "moving"))
    with pytest.raises(SSELabError, match="two or more diffusive runs, got 1"):
        ArrheniusAnalysis.from_runs([frozen, moving])
    with pytest.raises(SSELabError, match="positive temperature"):
        ArrheniusAnalysis.from_runs([moving, moving], extrapolate_to_K=-1.0)


def test_arrhenius_from_a_csv_without_errors_weights_points_equally(tmp_path):
    temperatures = np.array([900.0, 1100.0, 1300.0])
    diffusivity = 3e-8 * np.exp(-0.32 / (8.617333262e-5 * temperatures))
    table = tmp_path / "d.csv"
    table.write_text("temperature_K,D_m2_per_s\n" + "".join(f"{t},{d}\n" for t, d in zip(temperatures, diffusivity, strict=True)))
    result = ArrheniusAnalysis.from_runs([table])
    assert not result.weighted and result.activation_energy_eV == pytest.approx(0.32, rel=1e-9)
    assert result.D0_m2_per_s == pytest.approx(3e-8, rel=1e-9) and result.conductivity_extrapolated_S_per_m is None
    assert any("weighted equally" in w for w in result.warnings)


def eq8_csv(path, temperature=1200.0):
    stress = np.array([-1.2e9, 0.0, 0.6e9, 1.3e9] * 2)
    concentration = np.repeat([1 / 56, 2 / 56], 4)
    truth = (6.73e-12, 26.49e-7, 0.0925)  # Na+, Table 1
    diffusivity = truth[0] * np.exp(-stress * truth[1] / (R * temperature)) * (1 - concentration / truth[2])
    path.write_text("temperature_K,stress_Pa,concentration,D_m2_per_s\n" + "".join(
        f"{temperature},{s},{c},{d}\n" for s, c, d in zip(stress, concentration, diffusivity, strict=True)))
    return path, truth


def test_eq8_fit_writes_an_ion_file_with_table_1_that_the_design_reads(tmp_path):
    from sselab.studies.ion_exchange import design_ion_exchange  # the hand-off target, another domain

    table, truth = eq8_csv(tmp_path / "na.csv")
    fit = fit_exchange_ion([table], ion="Na", chemical_expansion_from="Na")
    assert fit.D1_m2_per_s == pytest.approx(truth[0], rel=1e-5)
    assert fit.activation_volume_m3_per_mol == pytest.approx(truth[1], rel=1e-5)
    assert fit.saturation_concentration == pytest.approx(truth[2], rel=1e-5)
    packaged = load_ion("Na")
    run = fit.write(tmp_path / "fit")
    written = load_ion(tmp_path / "fit" / "ion.toml")
    assert run.summary["parameter_file"] == str(tmp_path / "fit" / "ion.toml")
    assert written.name == "Na" and written.fit_temperature == 1200.0
    for key in ("diffusion_prefactor", "activation_volume", "saturation_concentration", "chemical_expansion_coefficient"):
        assert getattr(written, key) == pytest.approx(getattr(packaged, key), rel=1e-5)
    assert "eq. 8 fitted" in (tmp_path / "fit" / "ion.toml").read_text().splitlines()[0]
    ours = design_ion_exchange(ion=written, surface_concentration=0.05).to_dict()
    reference = design_ion_exchange(ion="Na", surface_concentration=0.05).to_dict()
    assert ours["center_stress_Pa"] == pytest.approx(reference["center_stress_Pa"], rel=1e-4)
    assert ExchangeIonFit.from_dict(run.summary) == fit.write_parameter_file(tmp_path / "fit" / "ion.toml", overwrite=True)


def test_eq8_fit_refuses_runs_it_cannot_turn_into_an_ion_file(tmp_path):
    table, _ = eq8_csv(tmp_path / "na.csv")
    with pytest.raises(SSELabError, match="exactly one of"):
        fit_exchange_ion([table], ion="Na")
    with pytest.raises(SSELabError, match="give --ion"):
        fit_exchange_ion([table], chemical_expansion=0.07)
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(table.read_text() + "1100,0.0,0.02,1e-12\n")
    with pytest.raises(SSELabError, match="one temperature"):
        fit_exchange_ion([mixed], ion="Na", chemical_expansion=0.07)
    # a table over several temperatures (a campaign's) is fitted at the one chosen: the 1100 K row is left out
    chosen = fit_exchange_ion([mixed], ion="Na", chemical_expansion=0.07, temperature_K=1200.0)
    assert chosen.points == 8 and chosen.D1_m2_per_s == pytest.approx(6.73e-12, rel=1e-5)
    with pytest.raises(SSELabError, match="no run at 1000 K"):
        fit_exchange_ion([mixed], ion="Na", chemical_expansion=0.07, temperature_K=1000.0)
    with pytest.raises(SSELabError, match="does not exist"):
        fit_exchange_ion([tmp_path / "missing.csv"], ion="Na", chemical_expansion=0.07)


def test_eq10_fit_writes_a_law_that_the_li_penalty_reads(tmp_path):
    temperature = np.repeat([900.0, 1000.0, 1100.0, 1200.0], 3)
    stress = np.tile([-1e9, 0.0, 1e9], 4)
    diffusivity = 2e-8 * np.exp(-stress * 5e-7 / (R * temperature)) * np.exp(-0.28 / (8.617333262e-5 * temperature))
    table = tmp_path / "li.csv"
    table.write_text("temperature_K,stress_Pa,D_m2_per_s\n" + "".join(f"{t},{s},{d}\n" for t, s, d in zip(temperature, stress, diffusivity, strict=True)))
    fit = fit_li_law([table])
    assert fit.activation_energy_eV == pytest.approx(0.28, rel=1e-6)
    assert fit.activation_volume_m3_per_mol == pytest.approx(5e-7, rel=1e-6) and fit.D0_m2_per_s == pytest.approx(2e-8, rel=1e-6)
    run = fit.write(tmp_path / "fit")
    law = load_li_law(tmp_path / "fit" / "li_law.toml")
    assert (law.prefactor, law.activation_volume, law.activation_energy_eV) == pytest.approx(
        (fit.D0_m2_per_s, fit.activation_volume_m3_per_mol, fit.activation_energy_eV), rel=1e-12)
    penalty = li_penalty(law, law, stress=1e9)
    assert penalty.ratio_zero_stress == pytest.approx(1.0)
    assert penalty.ratio_stressed == pytest.approx(np.exp(-(2e9 / 3) * 5e-7 / (R * 300)), rel=1e-5)
    assert LiLawFit.from_dict(run.summary) == fit.write_parameter_file(tmp_path / "fit" / "li_law.toml", overwrite=True)


def test_arrhenius_figure_draws_on_a_given_axes(tmp_path):
    table = tmp_path / "d.csv"
    table.write_text("temperature_K,D_m2_per_s,D_stderr_m2_per_s\n900,1e-10,1e-11\n1100,5e-10,4e-11\n1300,1.2e-9,1e-10\n")
    result = ArrheniusAnalysis.from_runs([table])
    figure = Figure()
    ax = figure.subplots()
    assert result.plot(ax=ax) is figure
    assert ax.get_yscale() == "log" and len(ax.lines) >= 2  # the fit line and the target-temperature marker
    figure.savefig(tmp_path / "arrhenius.png")


@pytest.mark.parametrize("record", ["{not json", '{"command": "neb", "summary": {}}'])
def test_a_run_directory_that_is_not_an_analysis_is_refused_with_one_line(tmp_path, record):
    from sselab.studies.transport import ArrheniusAnalysis

    (tmp_path / "run.json").write_text(record)
    with pytest.raises(InputError, match="diffusion analyze"):
        ArrheniusAnalysis.from_runs([tmp_path], extrapolate_to_K=300)
