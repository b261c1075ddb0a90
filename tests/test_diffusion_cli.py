"""``sselab diffusion …``: exit codes, JSON keys and run-directory files.

The physics is tested through the library in test_msd, test_transport and test_vanhove.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import run_cli
from test_msd import write_walk

from sselab.analysis.diffusion import DiffusionAnalysis

ANALYZE_KEYS = set((
    "species atoms diffusive reason D_m2_per_s D_stderr_m2_per_s error_method conductivity_S_per_m "
    "conductivity_stderr_S_per_m window_fs loglog_slope msd_at_window_end_A2 temperature_K stress_Pa stress_source "
    "concentration charge number_density_per_m3 frames frame_interval_fs duration_ps counts model warnings complete "
    "run_directory"
).split())
ARRHENIUS_KEYS = set((
    "points activation_energy_eV activation_energy_stderr_eV D0_m2_per_s ln_D0_stderr r_squared reduced_chi_squared "
    "weighted extrapolation_temperature_K D_extrapolated_m2_per_s D_extrapolated_ln_stderr "
    "D_extrapolated_1sigma_m2_per_s conductivity_extrapolated_S_per_m data model warnings run_directory"
).split())
EQ8_KEYS = set((
    "model points D1_m2_per_s activation_volume_m3_per_mol saturation_concentration temperature_K stderr "
    "rms_ln_residual chemical_expansion_coefficient parameter_file next warnings run_directory"
).split())
EQ10_KEYS = set((
    "model points D0_m2_per_s activation_volume_m3_per_mol activation_energy_eV activation_energy_stderr_eV "
    "activation_volume_stderr_m3_per_mol arrhenius_r_squared parameter_file next warnings run_directory"
).split())
VANHOVE_KEYS = set((
    "species nearest_neighbour_A tau1_fs tau2_fs tau_definitions xi_A xi_stderr_A xi_fit_range_A xi_note origins "
    "frames duration_ps clustering complete warnings run_directory"
).split())


def cli_json(capsys, *argv):
    code, out, err = run_cli(list(argv), capsys)
    assert code == 0, err
    return json.loads(out)


def test_analyze_json_is_the_library_result_and_the_run_directory_holds_its_files(tmp_path, capsys):
    trajectory = tmp_path / "walk.extxyz"
    write_walk(trajectory, 0.05, frames=400)
    summary = cli_json(capsys, "diffusion", "analyze", str(trajectory), "--species", "Li", "--json", "--out", str(tmp_path / "run"))
    assert set(summary) == ANALYZE_KEYS and summary["run_directory"] == str(tmp_path / "run")
    library = DiffusionAnalysis.from_file(trajectory, species="Li").to_dict()
    assert {k: v for k, v in summary.items() if k != "run_directory"} == library
    for name in ("msd.png", "msd.nc", "run.json"):
        assert (tmp_path / "run" / name).is_file()
    recorded = json.loads((tmp_path / "run" / "run.json").read_text())
    assert recorded["summary"] == summary and recorded["inputs"]["species"] == "Li" and recorded["command"] == "diffusion analyze"


def test_analyze_prints_a_table_without_json(tmp_path, capsys):
    trajectory = tmp_path / "walk.extxyz"
    write_walk(trajectory, 0.05, frames=300)
    code, out, err = run_cli(["diffusion", "analyze", str(trajectory), "--species", "Li", "--window", "1 ps, 5 ps",
                              "--out", str(tmp_path / "run")], capsys)
    assert code == 0, err
    assert "fitting window" in out and "run directory" in out


@pytest.mark.parametrize(
    ("options", "kwargs", "message"),
    [
        (["--species", "Na"], {}, "Na not in the trajectory"),
        (["--species", "Li"], {"cell": False}, "no cell"),
        (["--species", "Li", "--frame-interval", "20 fs"], {}, "disagrees"),
        (["--species", "Li"], {"times": False}, "--frame-interval"),
        (["--species", "Li", "--frame-interval", "-3 fs"], {"times": False}, "positive"),
        (["--species", "Li", "--window", "20 ps"], {}, "--window takes two times"),
    ],
)
def test_analyze_bad_input_is_one_line_and_exit_2(tmp_path, capsys, options, kwargs, message):
    trajectory = tmp_path / "walk.extxyz"
    write_walk(trajectory, 0.3, frames=60, **kwargs)
    code, out, err = run_cli(["diffusion", "analyze", str(trajectory), *options, "--out", str(tmp_path / "run")], capsys)
    assert code == 2 and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_arrhenius_reads_analyze_run_directories(tmp_path, capsys):
    runs = []
    for index, (temperature, probability) in enumerate(((900.0, 0.02), (1200.0, 0.06))):
        trajectory = tmp_path / f"walk{index}.extxyz"
        write_walk(trajectory, probability, temperature=temperature, frames=400, seed=index)
        cli_json(capsys, "diffusion", "analyze", str(trajectory), "--species", "Li", "--json", "--out", str(tmp_path / f"run{index}"))
        runs.append(str(tmp_path / f"run{index}"))
    summary = cli_json(capsys, "diffusion", "arrhenius", *runs, "--json", "--out", str(tmp_path / "fit"))
    assert set(summary) == ARRHENIUS_KEYS and summary["points"] == 2
    assert [point["source"] for point in summary["data"]] == runs
    assert (tmp_path / "fit" / "arrhenius.png").is_file() and (tmp_path / "fit" / "run.json").is_file()


def test_arrhenius_needs_two_diffusive_runs(tmp_path, capsys):
    trajectory = tmp_path / "frozen.extxyz"
    write_walk(trajectory, 0.0, frames=100)
    cli_json(capsys, "diffusion", "analyze", str(trajectory), "--species", "Li", "--json", "--out", str(tmp_path / "frozen"))
    code, _, err = run_cli(["diffusion", "arrhenius", str(tmp_path / "frozen"), "--out", str(tmp_path / "fit")], capsys)
    assert code == 2 and "two or more diffusive runs" in err


def eq8_table(path):
    stress = np.array([-1.2e9, 0.0, 0.6e9, 1.3e9] * 2)
    concentration = np.repeat([1 / 56, 2 / 56], 4)
    diffusivity = 6.73e-12 * np.exp(-stress * 26.49e-7 / (8.314462618 * 1200)) * (1 - concentration / 0.0925)
    path.write_text("temperature_K,stress_Pa,concentration,D_m2_per_s\n" + "".join(
        f"1200,{s},{c},{d}\n" for s, c, d in zip(stress, concentration, diffusivity, strict=True)))
    return path


def test_fit_stress_eq8_writes_the_ion_file_the_design_command_reads(tmp_path, capsys):
    table = eq8_table(tmp_path / "na.csv")
    summary = cli_json(capsys, "diffusion", "fit-stress", str(table), "--model", "eq8", "--ion", "Na", "--chemical-expansion-from", "Na",
                       "--json", "--out", str(tmp_path / "fit"))
    assert set(summary) == EQ8_KEYS and summary["parameter_file"] == str(tmp_path / "fit" / "ion.toml")
    design = cli_json(capsys, "ion-exchange", "design", "--ion", summary["parameter_file"], "--surface-concentration", "5 %", "--json",
                      "--out", str(tmp_path / "design"))
    assert "center_stress_Pa" in design


def test_fit_stress_eq10_writes_the_law_file_the_li_penalty_command_reads(tmp_path, capsys):
    temperature = np.repeat([900.0, 1000.0, 1100.0], 3)
    stress = np.tile([-1e9, 0.0, 1e9], 3)
    diffusivity = 2e-8 * np.exp(-stress * 5e-7 / (8.314462618 * temperature)) * np.exp(-0.28 / (8.617333262e-5 * temperature))
    table = tmp_path / "li.csv"
    table.write_text("temperature_K,stress_Pa,D_m2_per_s\n" + "".join(f"{t},{s},{d}\n" for t, s, d in zip(temperature, stress, diffusivity, strict=True)))
    law = tmp_path / "custom" / "law.toml"
    summary = cli_json(capsys, "diffusion", "fit-stress", str(table), "--model", "eq10", "--write", str(law), "--json",
                       "--out", str(tmp_path / "fit"))
    assert set(summary) == EQ10_KEYS and summary["parameter_file"] == str(law) and law.is_file()
    penalty = cli_json(capsys, "ion-exchange", "li-penalty", "--exchanged", str(law), "--bulk", str(law), "--stress", "1 GPa", "--json",
                       "--out", str(tmp_path / "penalty"))
    assert "ratio_to_bulk_stressed" in penalty


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--model", "eq9"], "--model must be 'eq8' or 'eq10'"),
        (["--model", "eq8", "--ion", "Na"], "exactly one of --chemical-expansion-from or --chemical-expansion"),
    ],
)
def test_fit_stress_bad_input_is_one_line_and_exit_2(tmp_path, capsys, options, message):
    table = eq8_table(tmp_path / "na.csv")
    code, _, err = run_cli(["diffusion", "fit-stress", str(table), *options, "--out", str(tmp_path / "fit")], capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_vanhove_writes_the_correlation_outputs(tmp_path, capsys):
    trajectory = tmp_path / "walk.extxyz"
    write_walk(trajectory, 0.05, frames=150, extra=["K"] * 4)
    summary = cli_json(capsys, "diffusion", "vanhove", str(trajectory), "--species", "Li", "--cluster-species", "K", "--json",
                       "--out", str(tmp_path / "vh"))
    assert set(summary) == VANHOVE_KEYS and set(summary["clustering"]) == {"species", "cutoff_A", "final_pair_ratio", "clustered",
                                                                            "threshold", "definition"}
    for name in ("vanhove.png", "vanhove.nc", "correlation_length.png", "density_map.png", "clustering.png", "run.json"):
        assert (tmp_path / "vh" / name).is_file()
    code, _, err = run_cli(["diffusion", "vanhove", str(trajectory), "--origins", "0"], capsys)
    assert code == 2 and "--origins must be at least 1" in err
