"""Seed 000's continuum model (eq. 4, 9, the C_s routes, design bounds, convergence) and its library entry points."""

import json
import re
from dataclasses import replace

import numpy as np
import pytest
import xarray as xr
from matplotlib.figure import Figure

from sselab.continuum.ion_exchange import (
    DesignBounds,
    ExchangeDiffusivity,
    ExchangeProcess,
    Host,
    design_exchange,
    dilute_surface_concentration,
    solve_exchange,
    surface_concentration_for_stress,
    uniform_layer_equivalent,
)
from sselab.continuum.ion_exchange_map import map_row_task
from sselab.errors import ConvergenceError, InputError, SSELabError
from sselab.plots import ion_exchange as plots
from sselab.runs import to_jsonable
from sselab.studies.ion_exchange import (
    IonExchangeDesign,
    IonExchangeMap,
    IonExchangeMapResult,
    design_ion_exchange,
    paper_time_ratio,
)


def paper_process(host, ion, c_s, ratio=1.8e-3):
    """The paper's treatment, with eq. 9 read as the paper reads it (V* times the biaxial stress)."""
    return ExchangeProcess(host, ion, 1200.0, 1e-3, c_s, ratio * 2e5, stress_coupling="biaxial")


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
        ExchangeProcess(llzo, sodium, 1100.0, 1e-3, 0.05, 360.0)
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


# --- the library entry points: sselab.studies.ion_exchange --------------------------------------------

K_B = 8.617333262e-5  # eV/K


@pytest.fixture(scope="module")
def na_design():
    return design_ion_exchange(ion="Na", target_surface_stress_Pa=1e9, time_s=360.0)


def test_design_of_the_papers_sodium_case(na_design):
    assert na_design.time_s == 360.0 and na_design.tau_s == 2e5
    assert na_design.surface_concentration == pytest.approx(0.0708, abs=1e-4)
    assert na_design.surface_concentration_source["target_surface_stress_Pa"] == 1e9
    assert na_design.verdict == "effective"
    assert na_design.sigma_permissible_Pa == na_design.sigma_permissible_weight_function_Pa
    assert na_design.strength_gain == pytest.approx(na_design.sigma_permissible_Pa / na_design.sigma_permissible_native_Pa)


def test_the_default_time_is_the_papers_time_ratio():
    result = design_ion_exchange(ion="Na", surface_concentration=0.05)
    assert result.time_ratio == pytest.approx(1.8e-3, rel=1e-12)  # seed 000 Fig. 6
    assert result.time_s == pytest.approx(360.0, rel=1e-12)
    assert paper_time_ratio() == 1.8e-3


def test_design_from_a_formation_energy_uses_the_dilute_limit():
    result = design_ion_exchange(ion="Ag", formation_energy_eV=0.3, flaw_size_m=10e-6)
    assert result.surface_concentration == pytest.approx(np.exp(-0.3 / (K_B * 1200.0)), rel=1e-9)
    assert result.surface_concentration_source == {"method": "dilute limit, C_s = exp(-E_f/(k_B T))", "formation_energy_eV": 0.3}
    assert result.flaw_size_m == 10e-6


def test_objects_and_names_give_the_same_design(llzo, sodium):
    by_name = design_ion_exchange(ion="Na", surface_concentration=0.05, time_ratio=1e-3)
    by_object = design_ion_exchange(ion=sodium, host=llzo, surface_concentration=0.05, time_ratio=1e-3)
    assert by_object.to_dict() == by_name.to_dict()


def test_a_design_round_trips_through_its_dict_and_json(na_design):
    data = na_design.to_dict()
    assert IonExchangeDesign.from_dict(data).to_dict() == data
    assert IonExchangeDesign.from_dict(json.loads(json.dumps(to_jsonable(data)))) == na_design
    assert IonExchangeDesign.from_dict({**data, "run_directory": "runs/x"}).to_dict() == data
    with pytest.raises(InputError, match="unknown keys typo"):
        IonExchangeDesign.from_dict({**data, "typo": 1})


def test_a_design_writes_its_run_directory(na_design, tmp_path):
    run = na_design.write(tmp_path / "na")
    record = json.loads((run.path / "run.json").read_text())
    assert record["summary"] == json.loads(json.dumps(to_jsonable({**na_design.to_dict(), "run_directory": str(run.path)})))
    assert record["inputs"]["target_surface_stress_Pa"] == 1e9 and record["inputs"]["ion"] == "Na"
    with xr.open_dataset(run.path / "profiles.nc") as profiles:
        assert profiles.stress.attrs["units"] == "Pa"
        assert float(profiles.stress[0]) == pytest.approx(na_design.surface_stress_Pa)
    rebuilt = IonExchangeDesign.from_dict(na_design.to_dict())
    assert sorted(p.name for p in rebuilt.write(tmp_path / "rebuilt").path.iterdir()) == ["run.json"]
    with pytest.raises(InputError, match="rebuilt from a summary"):
        rebuilt.solved()


NA = {"ion": "Na", "surface_concentration": 0.05}


@pytest.mark.parametrize(
    "change, error, fragment",
    [
        ({"surface_concentration": 0.0925}, InputError, "reaches Na's d"),
        ({"surface_concentration": 0.12}, InputError, "reaches Na's d"),
        ({"thickness_m": -1e-3}, InputError, "thickness_m must be positive"),
        ({"thickness_m": "1 mm"}, InputError, "thickness_m must be a number"),
        ({"temperature_K": float("nan")}, InputError, "temperature_K must be finite"),
        ({"temperature_K": -5.0}, InputError, "temperature_K must be positive"),
        ({"reference_diffusivity_m2_per_s": 0.0}, InputError, "reference_diffusivity_m2_per_s must be positive"),
        ({"time_s": 0.0}, SSELabError, "time must be positive"),
        ({"time_s": float("inf")}, InputError, "time_s must be finite"),
        ({"time_s": 1e-9}, SSELabError, "too short"),
        ({"time_ratio": -1.0}, InputError, "time_ratio must be positive"),
        ({"time_ratio": 1e-3, "time_s": 10.0}, InputError, "time_ratio or time_s, not both"),
        ({"flaw_size_m": 0.0}, SSELabError, "flaw size must be positive"),
        ({"flaw_size_m": -3e-6}, SSELabError, "flaw size must be positive"),
        ({"safety_factor": float("nan")}, InputError, "safety_factor must be finite"),
        ({"target_surface_stress_Pa": 1e9}, InputError, "exactly one of surface_concentration | target_surface_stress_Pa"),
        ({"surface_concentration": None}, InputError, "exactly one"),
        ({"surface_concentration": None, "formation_energy_eV": -0.1}, SSELabError, "corrosive"),
        ({"ion": "Xe"}, InputError, "unknown ion"),
        ({"ion": "K"}, SSELabError, "clusters"),
        ({"temperature_K": 1000.0}, SSELabError, "activation_energy"),
        ({"fracture_form": "tada"}, InputError, "fracture_form must be one of"),
        ({"rtol": 1e-12}, ConvergenceError, "loosen rtol"),
    ],
)
def test_bad_design_inputs_name_the_keyword(change, error, fragment):
    with pytest.raises(error, match=re.escape(fragment)):
        design_ion_exchange(**{**NA, **change})


def test_a_host_file_with_an_impossible_poisson_ratio_is_refused(tmp_path):
    host = tmp_path / "host.toml"
    host.write_text('name = "odd"\nyoungs_modulus = "150 GPa"\npoisson_ratio = 0.6\nfracture_strength = "150 MPa"\n'
                    'fracture_toughness = "1 MPa*m**0.5"\nshape_factor = 1.12\n')
    with pytest.raises(SSELabError, match="Poisson"):
        design_ion_exchange(**NA, host=host)


def small_map(**change):
    """The map's rows solved in this process (the Dask path is exercised by the CLI test)."""
    grid = IonExchangeMap(**{"ion": "Ag", "cs_count": 2, "ratio_count": 3, **change}).grid()
    return IonExchangeMapResult.from_dataset(grid.assemble([map_row_task(task) for task in grid.tasks()]))


def test_a_map_deepens_with_time_and_accounts_for_every_point():
    result = small_map()
    dataset = result.solved()
    assert dataset.stress.shape == (2, 3, 501)
    assert result.points == 6 and result.ion == "Ag" and result.tau_s == 2e5
    assert (dataset.exchange_depth.diff("time_ratio") > 0).all()
    fractions = (result.fraction_effective, result.fraction_too_shallow, result.fraction_fracture_risk, result.fraction_no_gain)
    assert sum(fractions) == pytest.approx(1.0)
    assert result.max_estimated_relative_error <= 1e-2
    assert IonExchangeMapResult.from_dict(result.to_dict()) == result


@pytest.mark.parametrize(
    "change, fragment",
    [
        ({"ion": "Na", "cs_max": 0.2}, "(0, d"),
        ({"flaw_size_m": 0.3e-3}, "half the thickness"),
        ({"cs_count": 0}, "cs_count: must be at least 1"),
        ({"ratio_min": 0.5, "ratio_max": 0.1}, "ordered"),
        ({"rtol": 2.0}, "rtol must lie in (0, 1)"),
        ({"fracture_form": "tada"}, "fracture_form"),
    ],
)
def test_bad_map_settings_are_refused_before_any_solve(change, fragment):
    with pytest.raises(SSELabError, match=re.escape(fragment)):
        IonExchangeMap(**{"ion": "Ag", **change}).grid()


def test_every_plot_renders_from_a_result_and_into_given_axes(na_design):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for plot in (plots.crack_schematic, plots.concentration_profiles, plots.stress_profiles, plots.strength_curves):
        assert isinstance(plot(na_design), Figure)
        fig, ax = plt.subplots()
        assert plot(na_design, ax=ax) is fig
        assert ax.has_data() or ax.images
    assert isinstance(plots.concentration_profiles([na_design, na_design.solved()]), Figure)
    fig, axes = plt.subplots(1, 3)
    assert plots.uniform_comparison(na_design, axes=axes) is fig and all(a.has_data() for a in axes)
    result = small_map(cs_count=2, ratio_count=2)
    for plot, shape in ((plots.map_overview, (2, 2)), (plots.map_profiles, (2, 2))):
        assert isinstance(plot(result), Figure) and isinstance(plot(result.solved()), Figure)
        fig, axes = plt.subplots(*shape)
        assert plot(result, axes=axes) is fig and all(a.has_data() for a in axes.flat)
    with pytest.raises(InputError, match="rebuilt"):
        plots.crack_schematic(IonExchangeDesign.from_dict(na_design.to_dict()))
    plt.close("all")


def test_stress_coupling_scales_the_activation_volume_by_two_thirds_and_nothing_else():
    """'hydrostatic' (default) reads eq. 9's σ_c as the layer's pressure 2σ_c/3; 'biaxial' (the paper's) as σ_c. So the
    design with V* under 'hydrostatic' is the design with (2/3)V* under 'biaxial', and the two readings differ."""
    from sselab.params.ions import load_host, load_ion
    from sselab.studies.ion_exchange import design_ion_exchange

    na = load_ion("Na")
    consistent = design_ion_exchange(ion=na, surface_concentration=0.05).to_dict()
    scaled = design_ion_exchange(ion=replace(na, activation_volume=na.activation_volume * 2 / 3), surface_concentration=0.05,
                                 stress_coupling="biaxial").to_dict()
    paper = design_ion_exchange(ion=na, surface_concentration=0.05, stress_coupling="biaxial").to_dict()
    assert consistent["stress_coupling"] == "hydrostatic" and paper["stress_coupling"] == "biaxial"
    for key in ("exchange_depth_m", "center_stress_Pa", "sigma_permissible_Pa"):
        assert consistent[key] == pytest.approx(scaled[key], rel=1e-9)
    # a weaker stress brake (k = f M γ V*/RT) lets the ion in deeper
    host = load_host("llzo")
    k = {c: ExchangeDiffusivity.for_process(host, na, 1200.0, c).stress_coefficient for c in ("hydrostatic", "biaxial")}
    assert k["hydrostatic"] == pytest.approx(2 / 3 * k["biaxial"], rel=1e-12)
    assert k["biaxial"] == pytest.approx(host.biaxial_modulus * na.chemical_expansion_coefficient * na.activation_volume
                                         / (8.314462618 * 1200.0), rel=1e-8)
    assert consistent["exchange_depth_m"] > paper["exchange_depth_m"]
    with pytest.raises(InputError, match="stress coupling"):
        design_ion_exchange(ion=na, surface_concentration=0.05, stress_coupling="von-mises")
