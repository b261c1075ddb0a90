"""`sselab ion-exchange`: exit codes, JSON keys, run-directory files and one-line errors (exit status 2).

The physics behind these commands is tested through the library: tests/test_ion_exchange.py (design,
map, plots), tests/test_li_penalty.py, tests/test_paper_seed000.py (Fig. 6).
"""

import json

import pytest
import xarray as xr
from conftest import run_cli

DESIGN_KEYS = {
    "ion", "host", "surface_concentration", "surface_concentration_source", "temperature_K", "thickness_m", "time_s", "tau_s",
    "time_ratio", "reference_diffusivity_m2_per_s", "stress_coupling", "surface_stress_Pa", "center_stress_Pa", "exchange_depth_m",
    "zero_stress_depth_m", "mean_concentration", "flaw_size_m", "fracture_form", "sigma_permissible_Pa",
    "sigma_permissible_native_Pa", "sigma_permissible_weight_function_Pa", "sigma_permissible_printed_Pa", "strength_gain",
    "uniform_model", "bounds", "verdict", "discretisation", "definitions", "run_directory",
}
MAP_KEYS = {
    "ion", "points", "tau_s", "fraction_effective", "fraction_too_shallow", "fraction_fracture_risk", "fraction_no_gain",
    "strongest_effective_point", "max_estimated_relative_error", "run_directory", "definitions",
}
PENALTY_KEYS = {
    "temperature_K", "stress_Pa", "exchanged", "bulk", "D_exchanged_zero_stress_m2_per_s", "D_exchanged_stressed_m2_per_s",
    "D_exchanged_ln_stderr", "D_bulk_m2_per_s", "ratio_to_bulk_zero_stress", "ratio_to_bulk_stressed", "model", "stress_coupling",
    "run_directory",
}
ROW_KEYS = {
    "ion", "case", "diffusivity_reading", "surface_concentration", "exchange_depth_m", "center_stress_Pa",
    "sigma_permissible_printed_Pa", "sigma_permissible_weight_function_Pa", "sigma_permissible_native_Pa", "surface_stress_Pa",
}


def run(argv, capsys):
    return run_cli(argv, capsys)


def test_design_json_and_run_directory(tmp_path, capsys):
    out = tmp_path / "na"
    code, stdout, _ = run(["ion-exchange", "design", "--ion", "Na", "--target-surface-stress", "1 GPa",
                           "--time", "6 min", "--out", str(out), "--json"], capsys)
    assert code == 0
    summary = json.loads(stdout)
    assert set(summary) == DESIGN_KEYS
    assert summary["time_s"] == 360.0 and summary["run_directory"] == str(out)
    record = json.loads((out / "run.json").read_text())
    assert record["inputs"]["target_surface_stress"] == "1 GPa" and record["inputs"]["reference_diffusivity"] == "5e-12 m^2/s"
    assert record["summary"] == summary
    assert {"numpy", "sselab", "python"} <= set(record["versions"])
    assert record["wall_time_s"] > 0
    for name in ("design_a_schematic", "design_b_concentration", "design_c_stress", "design_d_strength", "uniform_comparison"):
        assert (out / f"{name}.png").stat().st_size > 10_000
    with xr.open_dataset(out / "profiles.nc") as profiles:
        assert set(profiles.data_vars) >= {"concentration", "stress"}


def test_design_from_formation_energy_and_human_output(tmp_path, capsys):
    code, stdout, _ = run(["ion-exchange", "design", "--ion", "Ag", "--formation-energy", "0.3 eV",
                           "--flaw-size", "10 um", "--out", str(tmp_path / "ag")], capsys)
    assert code == 0
    assert "exchange depth" in stdout and "tau" in stdout and "verdict" in stdout


def test_the_default_reference_diffusivity_is_the_librarys():
    from sselab.cli.ion_exchange import DEFAULT_REFERENCE_DIFFUSIVITY
    from sselab.continuum import ion_exchange
    from sselab.units import parse_quantity

    assert parse_quantity(DEFAULT_REFERENCE_DIFFUSIVITY, "diffusivity") == ion_exchange.DEFAULT_REFERENCE_DIFFUSIVITY


def test_map_runs_on_dask_and_writes_a_dataset(tmp_path, capsys):
    out = tmp_path / "map"
    code, stdout, _ = run(["ion-exchange", "map", "--ion", "Ag", "--cs-count", "2", "--ratio-count", "3",
                           "--workers", "1", "--out", str(out), "--json"], capsys)
    assert code == 0
    summary = json.loads(stdout)
    assert set(summary) == MAP_KEYS and summary["points"] == 6
    with xr.open_dataset(out / "map.nc") as dataset:
        assert dataset.stress.dims == ("surface_concentration", "time_ratio", "x_over_L")
        assert dataset.stress.shape[:2] == (2, 3)
    assert (out / "map_overview.png").exists() and (out / "map_profiles.png").exists()
    assert json.loads((out / "run.json").read_text())["inputs"]["cs_count"] == 2


def test_li_penalty_from_md_data_and_parameters(tmp_path, capsys):
    data = tmp_path / "ag.csv"
    rows = ["temperature_K,stress_Pa,D_m2_per_s"]
    for temperature in (900.0, 1000.0, 1100.0, 1200.0):
        for stress, d in ((0.0, 1e-10), (1e9, 5e-11)):
            rows.append(f"{temperature},{stress},{d * temperature / 900}")
    data.write_text("\n".join(rows) + "\n")
    bulk = tmp_path / "bulk.toml"
    bulk.write_text('prefactor = "1e-7 m^2/s"\nactivation_volume = "5 cm^3/mol"\nactivation_energy_eV = "0.29 eV"\n')
    code, stdout, _ = run(["ion-exchange", "li-penalty", "--exchanged", str(data), "--bulk", str(bulk),
                           "--stress", "1 GPa", "--out", str(tmp_path / "li"), "--json"], capsys)
    assert code == 0
    summary = json.loads(stdout)
    assert set(summary) == PENALTY_KEYS and summary["exchanged"]["kind"] == "two-step fit"
    assert (tmp_path / "li" / "li_penalty_fit.png").exists()
    code, stdout, _ = run(["ion-exchange", "li-penalty", "--exchanged", str(bulk), "--bulk", str(bulk),
                           "--out", str(tmp_path / "toml")], capsys)
    assert code == 0 and "D_Li at 300 K" in stdout
    assert not (tmp_path / "toml" / "li_penalty_fit.png").exists()


def test_reproduce_writes_the_figure_6_panels_and_table(tmp_path, capsys):
    out = tmp_path / "repro"
    code, stdout, _ = run(["ion-exchange", "reproduce", "--out", str(out), "--json"], capsys)
    assert code == 0
    summary = json.loads(stdout)
    assert set(summary) == {"fracture_form", "rows", "run_directory"}
    assert len(summary["rows"]) == 8 and all(set(row) == ROW_KEYS for row in summary["rows"])
    for panel in ("a_schematic", "b_concentration", "c_stress", "d_strength"):
        assert (out / f"fig6{panel}.png").exists()
    assert (out / "figSI7_uniform_vs_gradient_Na.png").exists()
    assert (out / "fig6_Na.nc").exists() and (out / "fig6_Ag.nc").exists()
    assert "| Na | 1 GPa |" in (out / "reproduction.md").read_text()


BASE = ["ion-exchange", "design", "--ion", "Na"]


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (BASE + ["--surface-concentration", "9.25 %"], "reaches Na's d"),  # the model refuses
        (BASE + ["--surface-concentration", "0.05", "--thickness", "-1 mm"], "thickness_m must be positive"),  # the library
        (BASE + ["--surface-concentration", "0.05", "--temperature", "nan K"], "--temperature: must be finite"),  # unit parsing
        (BASE + ["--surface-concentration", "0.05", "--thickness", "1 GPa"], "is not a length"),
        (BASE + ["--surface-concentration", "0.05", "--temperature", "hot"], "cannot read"),
        (BASE + ["--surface-concentration", "0.05", "--time", "inf s"], "finite"),
        (BASE + ["--surface-concentration", "0.05", "--time-ratio", "-1"], "time_ratio must be positive"),
        (BASE + ["--surface-concentration", "0.05", "--target-surface-stress", "1 GPa"], "exactly one"),
        (BASE, "exactly one"),
        (["ion-exchange", "design", "--ion", "Xe", "--surface-concentration", "0.05"], "unknown ion"),
        (["ion-exchange", "design", "--ion", "K", "--surface-concentration", "0.05"], "clusters"),
        (BASE + ["--surface-concentration", "0.05", "--fracture-form", "tada"], "fracture_form"),
        (BASE + ["--formation-energy", "-0.1 eV"], "corrosive"),
        (BASE + ["--surface-concentration", "0.05", "--rtol", "1e-12"], "loosen rtol"),  # a ConvergenceError
        (BASE + ["--surface-concentration", "0.05", "--no-such-flag"], "No such option"),  # Typer's usage error
        (["ion-exchange", "map", "--ion", "Na", "--cs-max", "20 %"], "(0, d"),
        (["ion-exchange", "map", "--ion", "Na", "--flaw-size", "0.3 mm"], "half the thickness"),
        (["ion-exchange", "map", "--ion", "Na", "--cs-count", "0"], "at least 1"),
        (["ion-exchange", "reproduce", "--fracture-form", "tada"], "fracture_form"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(argv, fragment, capsys, tmp_path):
    code, stdout, stderr = run(argv + ["--out", str(tmp_path / "x")] if "--no-such-flag" not in argv else argv, capsys)
    assert code == 2
    assert stdout == ""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert fragment in lines[0]
    assert "Traceback" not in stderr
    assert not (tmp_path / "x").exists()  # nothing is written for a refused input


@pytest.mark.parametrize(
    "csv_text, fragment",
    [
        ("temperature_K,stress_Pa,D_m2_per_s\n900,0,1e-10\n900\n", "every row needs numbers"),
        ("T,sigma,D\n900,0,1e-10\n", "expected a CSV with columns"),
    ],
)
def test_bad_md_data_is_refused(tmp_path, capsys, csv_text, fragment):
    data, bulk = tmp_path / "md.csv", tmp_path / "bulk.toml"
    data.write_text(csv_text)
    bulk.write_text('prefactor = 1e-7\nactivation_volume = 5e-6\nactivation_energy_eV = 0.29\n')
    code, stdout, stderr = run(["ion-exchange", "li-penalty", "--exchanged", str(data), "--bulk", str(bulk),
                                "--out", str(tmp_path / "x")], capsys)
    assert code == 2 and stdout == "" and len(stderr.strip().splitlines()) == 1 and fragment in stderr


def test_a_host_file_with_an_impossible_poisson_ratio_is_refused(tmp_path, capsys):
    host = tmp_path / "host.toml"
    host.write_text('name = "odd"\nyoungs_modulus = "150 GPa"\npoisson_ratio = 0.6\nfracture_strength = "150 MPa"\n'
                    'fracture_toughness = "1 MPa*m**0.5"\nshape_factor = 1.12\n')
    code, _, stderr = run(BASE + ["--surface-concentration", "0.05", "--host", str(host)], capsys)
    assert code == 2 and "Poisson" in stderr and len(stderr.strip().splitlines()) == 1
