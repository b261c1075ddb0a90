"""`sselab li0`: exit codes, JSON keys, run-directory files and one-line errors (the physics is in test_li0_potential.py)."""

import json

import pytest
from conftest import run_cli

SOLVE_KEYS = {
    "config", "t_li", "one_minus_t_li", "interface_mu", "interface_x_over_L", "jumps", "electronic_bottlenecks",
    "overshoot", "undershoot", "mu_max_eV", "mu_min_eV", "vulnerable_band_eV", "fraction_near_cathode_potential",
    "fraction_near_anode_potential", "position_residual_max", "anode_mismatch_eV", "mu_cathode_eV", "mu_anode_eV",
    "temperature_K", "thickness_m", "current_density_A_per_m2", "definitions", "run_directory",
}
JUMP_KEYS = {"x_over_L", "height_eV", "from_x_over_L", "to_x_over_L"}
REPRODUCE_KEYS = {"calibrated_A_factor", "calibrated_A_S_per_m", "rows", "run_directory"}
SWEEP_KEYS = {"config", "points", "no_steady_state", "not_resolvable", "jump_x_over_L_range", "run_directory"}


def test_li0_solve_json_keys_and_run_directory(tmp_path, capsys):
    out = tmp_path / "li0"
    code, stdout, _ = run_cli(["li0", "solve", "fig4b", "--out", str(out), "--json"], capsys)
    assert code == 0
    summary = json.loads(stdout)
    assert set(summary) == SOLVE_KEYS
    assert summary["jumps"] and all(set(j) == JUMP_KEYS for j in summary["jumps"])
    assert summary["run_directory"] == str(out)
    for name in ("run.json", "profile.nc", "profile.png", "conductivity.png"):
        assert (out / name).exists()
    assert json.loads((out / "run.json").read_text())["inputs"]["config"] == "fig4b"


def test_li0_solve_flags_are_read_with_units(tmp_path, capsys):
    code, stdout, _ = run_cli(["li0", "solve", "fig3", "--mu-anode", "100 meV", "--current-density", "2 mA/cm^2",
                               "--thickness", "50 um", "--band", "0.1 eV", "--out", str(tmp_path / "a"), "--json"], capsys)
    summary = json.loads(stdout)
    assert code == 0 and summary["mu_anode_eV"] == pytest.approx(0.1)
    assert summary["current_density_A_per_m2"] == pytest.approx(20.0) and summary["thickness_m"] == pytest.approx(50e-6)
    assert summary["vulnerable_band_eV"] == pytest.approx(0.1)


def test_li0_solve_prints_a_table_without_json(tmp_path, capsys):
    code, stdout, _ = run_cli(["li0", "solve", "fig3", "--out", str(tmp_path / "t")], capsys)
    assert code == 0 and "li0 solve: fig3" in stdout and "t_Li / 1 - t_Li" in stdout


def test_li0_reproduce_json_keys_and_files(tmp_path, capsys):
    out = tmp_path / "r"
    code, stdout, _ = run_cli(["li0", "reproduce", "--out", str(out), "--json"], capsys)
    assert code == 0
    summary = json.loads(stdout)
    assert set(summary) == REPRODUCE_KEYS and len(summary["rows"]) == 20
    assert {"case", "figure", "paper_t", "t_stated", "t_calibrated", "phase_boundary_mu_calibrated"} <= set(summary["rows"][0])
    for name in ("run.json", "reproduction.md", "fig2a_conductivity.png", "fig3bc_conductivity.png", "fig3_profile.png"):
        assert (out / name).exists()


def test_li0_sweep_json_keys_and_files(tmp_path, capsys):
    out = tmp_path / "s"
    code, stdout, _ = run_cli(["li0", "sweep", "fig3", "--anode-count", "3", "--b-count", "2", "--workers", "1",
                               "--out", str(out), "--json"], capsys)
    summary = json.loads(stdout)
    assert code == 0 and set(summary) == SWEEP_KEYS and summary["points"] == 6
    for name in ("run.json", "sweep.nc", "sweep.png"):
        assert (out / name).exists()
    assert json.loads((out / "run.json").read_text())["inputs"]["layer"] == 1  # --layer -1 recorded as the index


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["li0", "sweep", "fig3", "--layer", "2"], "out of range"),
        (["li0", "sweep", "fig3", "--b-count", "0"], "at least 1"),
        (["li0", "solve", "fig3", "--mu-anode", "3 K"], "--mu-anode"),
        (["li0", "solve", "no-such-case"], "unknown separator case"),
    ],
)
def test_li0_bad_options_give_one_line_and_exit_2(tmp_path, capsys, argv, fragment):
    code, stdout, stderr = run_cli([*argv, "--out", str(tmp_path / "x")], capsys)
    assert code == 2 and stdout == "" and len(stderr.strip().splitlines()) == 1 and fragment in stderr


@pytest.mark.parametrize(
    "text, fragment",
    [
        ('temperature = 298\nthickness = 1e-4\ncurrent_density = 10\nmu_cathode = -3\nmu_anode = 0\n'
         '[[layers]]\nfraction = 0.6\nsigma_ion = 0.1\nA = 1e-17\nB = -1\n', "sum to 1"),
        ('temperature = 298\nthickness = 1e-4\ncurrent_density = 10\nmu_cathode = -3\nmu_anode = 0\n'
         '[[layers]]\nfraction = 1\nsigma_ion = -0.1\nA = 1e-17\nB = -1\n', "sigma_ion must be positive"),
        ('temperature = 0\nthickness = 1e-4\ncurrent_density = 10\nmu_cathode = -3\nmu_anode = 0\n'
         '[[layers]]\nfraction = 1\nsigma_ion = 0.1\nA = 1e-17\nB = -1\n', "temperature must be positive"),
        ('temperature = 298\nthickness = "-1 um"\ncurrent_density = 10\nmu_cathode = -3\nmu_anode = 0\n'
         '[[layers]]\nfraction = 1\nsigma_ion = 0.1\nA = 1e-17\nB = -1\n', "thickness must be positive"),
        ('temperature = 298\nthickness = 1e-4\ncurrent_density = 10\nmu_cathode = -3\nmu_anode = 0\n'
         '[[layers]]\nfraction = 1\nsigma_ion = 0.1\nA = 4.25e-17\nB = -1.48\n', "no steady state"),
        ('temperature = 298\nthickness = 1e-4\ncurrent_density = 10\nmu_cathode = -3\n'
         '[[layers]]\nfraction = 1\nsigma_ion = 0.1\nA = 1e-17\nB = -1\n', "missing mu_anode"),
    ],
)
def test_li0_bad_config_gives_one_line_and_exit_2(tmp_path, capsys, text, fragment):
    config = tmp_path / "stack.toml"
    config.write_text(text)
    code, stdout, stderr = run_cli(["li0", "solve", str(config), "--out", str(tmp_path / "x")], capsys)
    assert code == 2 and stdout == "" and len(stderr.strip().splitlines()) == 1 and fragment in stderr
