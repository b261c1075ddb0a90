"""Eq. 10, its two-step fit, and the Li⁺ penalty study."""

import json

import numpy as np
import pytest
from matplotlib.figure import Figure

from sselab.continuum.li_penalty import LiDiffusionLaw, fit_two_step, li_penalty
from sselab.errors import InputError, SSELabError
from sselab.runs import to_jsonable
from sselab.studies.ion_exchange import LiPenaltyResult, MDDiffusivities, li_diffusivity_penalty

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
    # a 1 GPa in-plane (biaxial) layer stress is a 2/3 GPa pressure, the quantity V‡ is fitted against
    assert result.ratio_stressed / result.ratio_zero_stress == pytest.approx(np.exp(-(2e9 / 3) * 6.8e-7 / (8.314462618 * 300)), rel=1e-6)
    # the paper applies V‡ to the biaxial stress itself: 1 GPa gives its -24 % (seed 000 §3.6)
    paper = li_penalty(TRUE, bulk, 300.0, 1e9, stress_coupling="biaxial")
    assert paper.ratio_stressed / paper.ratio_zero_stress == pytest.approx(np.exp(-1e9 * 6.8e-7 / (8.314462618 * 300)), rel=1e-6)
    assert paper.ratio_stressed / paper.ratio_zero_stress == pytest.approx(0.76, abs=0.005)
    with pytest.raises(InputError, match="stress coupling"):
        li_penalty(TRUE, bulk, 300.0, 1e9, stress_coupling="uniaxial")


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


# --- the library entry point: sselab.studies.ion_exchange.li_diffusivity_penalty ---------------------

K_B, R = 8.617333262e-5, 8.314462618


def write_md_csv(path, energy=0.3, volume=7e-7):
    rows = ["temperature_K,stress_Pa,D_m2_per_s"]
    for temperature in (900.0, 1000.0, 1100.0, 1200.0):
        for stress in (-1e9, 0.0, 1e9, 2e9):
            d = 1e-7 * np.exp(-stress * volume / (R * temperature)) * np.exp(-energy / (K_B * temperature))
            rows.append(f"{temperature},{stress},{d}")
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.fixture
def md_penalty(tmp_path):
    bulk = tmp_path / "bulk.toml"
    bulk.write_text('prefactor = "1e-7 m^2/s"\nactivation_volume = "5 cm^3/mol"\nactivation_energy_eV = "0.29 eV"\n')
    return li_diffusivity_penalty(write_md_csv(tmp_path / "ag.csv"), bulk, stress_Pa=1e9)


def test_penalty_from_md_data_fits_the_exchanged_law(md_penalty):
    assert md_penalty.exchanged["activation_energy_eV"] == pytest.approx(0.3, rel=1e-6)
    assert md_penalty.exchanged["kind"] == "two-step fit" and md_penalty.exchanged["points"] == 16
    assert md_penalty.bulk["kind"] == "parameters"
    assert md_penalty.temperature_K == 300.0
    assert md_penalty.ratio_to_bulk_zero_stress == pytest.approx(np.exp(-0.01 / (K_B * 300)), rel=1e-5)
    assert md_penalty.stress_coupling == "hydrostatic"  # 1 GPa in plane acts as a 2/3 GPa pressure on V‡
    assert md_penalty.ratio_to_bulk_stressed / md_penalty.ratio_to_bulk_zero_stress == pytest.approx(
        np.exp(-(2e9 / 3) * 7e-7 / (R * 300)), rel=1e-5)
    assert md_penalty.exchanged_law.activation_volume == pytest.approx(7e-7, rel=1e-6)


def test_penalty_from_laws_matches_eq10():
    bulk = LiDiffusionLaw(prefactor=2e-7, activation_volume=6.8e-7, activation_energy_eV=0.30)
    result = li_diffusivity_penalty(TRUE, bulk, temperature_K=300.0, stress_Pa=1e9)
    k_t = K_B * 300.0
    assert result.D_bulk_m2_per_s == pytest.approx(2e-7 * np.exp(-0.30 / k_t), rel=1e-9)
    assert result.D_exchanged_stressed_m2_per_s == pytest.approx(2e-7 * np.exp(-1e9 * 6.8e-7 / (R * 300)) * np.exp(-0.31 / k_t), rel=1e-9)
    assert result.exchanged_law == TRUE and result.bulk_law == bulk
    assert result.exchanged_fit is None


def test_penalty_from_md_data_in_memory_equals_the_csv_route(md_penalty, tmp_path):
    data = MDDiffusivities.from_csv(write_md_csv(tmp_path / "again.csv"))
    result = li_diffusivity_penalty(data, md_penalty.bulk_law, stress_Pa=1e9)
    assert result.D_exchanged_stressed_m2_per_s == md_penalty.D_exchanged_stressed_m2_per_s


def test_a_penalty_round_trips_and_writes_its_fit(md_penalty, tmp_path):
    data = md_penalty.to_dict()
    rebuilt = LiPenaltyResult.from_dict(json.loads(json.dumps(to_jsonable(data))))
    assert rebuilt.to_dict()["ratio_to_bulk_stressed"] == data["ratio_to_bulk_stressed"]
    assert rebuilt.bulk_law.activation_energy_eV == pytest.approx(0.29)
    run = md_penalty.write(tmp_path / "li")
    assert (run.path / "li_penalty_fit.png").stat().st_size > 10_000
    assert json.loads((run.path / "run.json").read_text())["summary"]["temperature_K"] == 300.0


def test_the_fit_plot_renders_from_a_result_and_into_given_axes(md_penalty):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sselab.plots.ion_exchange import li_penalty_figure

    assert isinstance(li_penalty_figure(md_penalty), Figure)
    fig, axes = plt.subplots(1, 2)
    assert li_penalty_figure(md_penalty, axes=axes) is fig and all(a.has_data() for a in axes)
    with pytest.raises(InputError, match="no fit to plot"):
        li_penalty_figure(li_diffusivity_penalty(TRUE, TRUE))
    plt.close("all")


@pytest.mark.parametrize(
    "csv_text, fragment",
    [
        ("temperature_K,stress_Pa,D_m2_per_s\n900,0,1e-10\n900,nan,1e-10\n1000,0,2e-10\n1000,1e9,1e-10\n", "finite"),
        ("temperature_K,stress_Pa,D_m2_per_s\n900,0,1e-10\n900\n", "every row needs numbers"),
        ("T,sigma,D\n900,0,1e-10\n", "expected a CSV with columns"),
    ],
)
def test_bad_md_data_is_refused(tmp_path, csv_text, fragment):
    data = tmp_path / "md.csv"
    data.write_text(csv_text)
    with pytest.raises(InputError, match=fragment):
        li_diffusivity_penalty(data, TRUE)


def test_bad_penalty_inputs_are_refused(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        li_diffusivity_penalty(tmp_path / "missing.csv", TRUE)
    with pytest.raises(InputError, match="does not exist"):
        li_diffusivity_penalty(TRUE, tmp_path / "missing.toml")
    with pytest.raises(InputError, match="temperature_K must be positive"):
        li_diffusivity_penalty(TRUE, TRUE, temperature_K=-1.0)
    with pytest.raises(InputError, match="stress_Pa must be finite"):
        li_diffusivity_penalty(TRUE, TRUE, stress_Pa=float("nan"))
