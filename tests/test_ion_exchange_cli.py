"""`sselab ion-exchange`: stable keys, run directories, one-line errors with exit status 2."""

import json

import pytest
import xarray as xr
from conftest import run_cli

DESIGN_KEYS = {
    "surface_concentration", "time_s", "tau_s", "surface_stress_Pa", "center_stress_Pa", "exchange_depth_m",
    "flaw_size_m", "sigma_permissible_Pa", "sigma_permissible_native_Pa", "verdict",
    "sigma_permissible_weight_function_Pa", "sigma_permissible_printed_Pa", "zero_stress_depth_m",
}


def run(argv, capsys):
    return run_cli(argv, capsys)


def test_design_json_and_run_directory(tmp_path, capsys):
    out = tmp_path / "na"
    code, stdout, _ = run(["ion-exchange", "design", "--ion", "Na", "--target-surface-stress", "1 GPa",
                           "--time", "6 min", "--out", str(out), "--json"], capsys)
    assert code == 0
    summary = json.loads(stdout)
    assert DESIGN_KEYS <= set(summary)
    assert summary["time_s"] == 360.0 and summary["tau_s"] == 2e5
    assert summary["surface_concentration"] == pytest.approx(0.0708, abs=1e-4)
    assert summary["verdict"] == "effective"
    record = json.loads((out / "run.json").read_text())
    assert record["inputs"]["target_surface_stress"] == "1 GPa"
    assert record["summary"]["center_stress_Pa"] == summary["center_stress_Pa"]
    assert {"numpy", "sselab", "python"} <= set(record["versions"])
    assert record["wall_time_s"] > 0
    for name in ("design_a_schematic", "design_b_concentration", "design_c_stress", "design_d_strength", "uniform_comparison"):
        assert (out / f"{name}.png").stat().st_size > 10_000
    profiles = xr.open_dataset(out / "profiles.nc")
    assert profiles.stress.attrs["units"] == "Pa"
    assert float(profiles.stress[0]) == pytest.approx(summary["surface_stress_Pa"])
    profiles.close()


def test_design_from_formation_energy_and_human_output(tmp_path, capsys):
    code, stdout, _ = run(["ion-exchange", "design", "--ion", "Ag", "--formation-energy", "0.3 eV",
                           "--flaw-size", "10 um", "--out", str(tmp_path / "ag")], capsys)
    assert code == 0
    assert "exchange depth" in stdout and "tau" in stdout and "verdict" in stdout


def test_map_runs_on_dask_and_writes_a_dataset(tmp_path, capsys):
    out = tmp_path / "map"
    code, stdout, _ = run(["ion-exchange", "map", "--ion", "Ag", "--cs-count", "2", "--ratio-count", "3",
                           "--workers", "1", "--out", str(out), "--json"], capsys)
    assert code == 0
    summary = json.loads(stdout)
    assert summary["points"] == 6
    dataset = xr.open_dataset(out / "map.nc")
    assert dataset.stress.shape == (2, 3, 501)
    # deeper exchange with time at fixed C_s
    assert (dataset.exchange_depth.diff("time_ratio") > 0).all()
    dataset.close()
    assert (out / "map_overview.png").exists() and (out / "map_profiles.png").exists()


def test_li_penalty_from_md_data_and_parameters(tmp_path, capsys):
    data = tmp_path / "ag.csv"
    rows = ["temperature_K,stress_Pa,D_m2_per_s"]
    import numpy as np

    for temperature in (900.0, 1000.0, 1100.0, 1200.0):
        for stress in (-1e9, 0.0, 1e9, 2e9):
            d = 1e-7 * np.exp(-stress * 7e-7 / (8.314462618 * temperature)) * np.exp(-0.3 / (8.617333262e-5 * temperature))
            rows.append(f"{temperature},{stress},{d}")
    data.write_text("\n".join(rows) + "\n")
    bulk = tmp_path / "bulk.toml"
    bulk.write_text('prefactor = "1e-7 m^2/s"\nactivation_volume = "5 cm^3/mol"\nactivation_energy_eV = "0.29 eV"\n')
    code, stdout, _ = run(["ion-exchange", "li-penalty", "--exchanged", str(data), "--bulk", str(bulk),
                           "--stress", "1 GPa", "--out", str(tmp_path / "li"), "--json"], capsys)
    assert code == 0
    summary = json.loads(stdout)
    assert summary["exchanged"]["activation_energy_eV"] == pytest.approx(0.3, rel=1e-6)
    assert summary["ratio_to_bulk_zero_stress"] == pytest.approx(np.exp(-0.01 / (8.617333262e-5 * 300)), rel=1e-5)
    assert (tmp_path / "li" / "li_penalty_fit.png").exists()


def test_reproduce_writes_the_figure_6_panels_and_table(tmp_path, capsys):
    out = tmp_path / "repro"
    code, stdout, _ = run(["ion-exchange", "reproduce", "--out", str(out), "--json"], capsys)
    assert code == 0
    rows = json.loads(stdout)["rows"]
    assert len(rows) == 8
    for panel in "abcd":
        assert (out / f"fig6{panel}_{ {'a': 'schematic', 'b': 'concentration', 'c': 'stress', 'd': 'strength'}[panel]}.png").exists()
    assert "| Na | 1 GPa |" in (out / "reproduction.md").read_text()
    assert all(row["sigma_permissible_weight_function_Pa"] > row["sigma_permissible_printed_Pa"][1] for row in rows)


BASE = ["ion-exchange", "design", "--ion", "Na"]


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (BASE + ["--surface-concentration", "9.25 %"], "reaches Na's d"),
        (BASE + ["--surface-concentration", "12 %"], "reaches Na's d"),
        (BASE + ["--surface-concentration", "0.05", "--thickness", "-1 mm"], "thickness must be positive"),
        (BASE + ["--surface-concentration", "0.05", "--temperature", "nan K"], "--temperature: must be finite"),
        (BASE + ["--surface-concentration", "0.05", "--temperature", "-5 K"], "--temperature must be positive"),
        (BASE + ["--surface-concentration", "0.05", "--time", "0 s"], "time must be positive"),
        (BASE + ["--surface-concentration", "0.05", "--flaw-size", "0 um"], "flaw size must be positive"),
        (BASE + ["--surface-concentration", "0.05", "--flaw-size", "-3 um"], "flaw size must be positive"),
        (BASE + ["--surface-concentration", "0.05", "--time-ratio", "-1"], "time-ratio must be positive"),
        (BASE + ["--surface-concentration", "0.05", "--thickness", "1 GPa"], "is not a length"),
        (BASE + ["--surface-concentration", "0.05", "--temperature", "hot"], "cannot read"),
        (BASE + ["--surface-concentration", "0.05", "--target-surface-stress", "1 GPa"], "exactly one"),
        (BASE, "exactly one"),
        (["ion-exchange", "design", "--ion", "Xe", "--surface-concentration", "0.05"], "unknown ion"),
        (["ion-exchange", "design", "--ion", "K", "--surface-concentration", "0.05"], "clusters"),
        (BASE + ["--surface-concentration", "0.05", "--temperature", "1000 K"], "activation_energy"),
        (BASE + ["--surface-concentration", "0.05", "--fracture-form", "tada"], "fracture-form"),
        (BASE + ["--formation-energy", "-0.1 eV"], "corrosive"),
        (BASE + ["--surface-concentration", "0.05", "--no-such-flag"], "No such option"),
        (["ion-exchange", "map", "--ion", "Na", "--cs-max", "20 %"], "(0, d"),
        (["ion-exchange", "map", "--ion", "Na", "--flaw-size", "0.3 mm"], "half the thickness"),
        (BASE + ["--surface-concentration", "0.05", "--safety-factor", "nan"], "finite"),
        (BASE + ["--surface-concentration", "0.05", "--time", "inf s"], "finite"),
        (BASE + ["--surface-concentration", "0.05", "--time", "1e-9 s"], "too short"),
        (BASE + ["--surface-concentration", "0.05", "--rtol", "1e-12"], "loosen --rtol"),
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


@pytest.mark.parametrize(
    "csv_text, fragment",
    [
        ("temperature_K,stress_Pa,D_m2_per_s\n900,0,1e-10\n900,nan,1e-10\n1000,0,2e-10\n1000,1e9,1e-10\n", "finite"),
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
