"""ASE molecular dynamics driver: conservation, thermostat, outputs, resume (EMT, small cells)."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.io import read

from sselab.atomistic.md.ase_md import MDSettings, apply_hydrostatic_strain, run_ase_md
from sselab.errors import SSELabError


def copper():
    return bulk("Cu", "fcc", a=3.61, cubic=True).repeat((2, 2, 2))


def thermo(path):
    with path.open(newline="") as handle:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(handle)]


def test_nve_conserves_energy_and_writes_the_shared_output_format(tmp_path):
    settings = MDSettings(temperature_K=600, timestep_fs=2.0, steps=200, dump_every=10, ensemble="nve", seed=3)
    result = run_ase_md(copper(), EMT(), settings, tmp_path / "traj.extxyz", tmp_path / "thermo.csv")
    rows = thermo(tmp_path / "thermo.csv")
    energies = np.array([r["total_energy_eV"] for r in rows])
    assert len(rows) == settings.frames == result.frames_written == 21
    assert np.ptp(energies) / 32 < 2e-4  # eV/atom over 400 fs
    frames = read(tmp_path / "traj.extxyz", index=":")
    assert [f.info["time_fs"] for f in frames] == [20.0 * i for i in range(21)]
    assert frames[0].info["target_temperature_K"] == 600
    assert frames[-1].get_momenta() is not None


def test_langevin_holds_the_target_temperature(tmp_path):
    settings = MDSettings(temperature_K=500, timestep_fs=4.0, steps=1500, dump_every=10, thermostat="langevin",
                          thermostat_damping_fs=50.0, seed=1)
    result = run_ase_md(copper(), EMT(), settings, tmp_path / "t.extxyz", tmp_path / "t.csv")
    temperatures = np.array([r["temperature_K"] for r in thermo(tmp_path / "t.csv")])[50:]
    # 32 atoms: instantaneous T fluctuates by ~T sqrt(2/(3N)) ≈ 72 K; the mean of ~100 frames is within ~25 K
    assert abs(temperatures.mean() - 500) < 60
    assert result.mean_temperature_K > 0


def test_resume_continues_the_trajectory_without_gaps(tmp_path):
    first = MDSettings(temperature_K=300, timestep_fs=2.0, steps=60, dump_every=20, seed=2)
    run_ase_md(copper(), EMT(), first, tmp_path / "r.extxyz", tmp_path / "r.csv")
    longer = MDSettings(temperature_K=300, timestep_fs=2.0, steps=140, dump_every=20, seed=2)
    result = run_ase_md(copper(), EMT(), longer, tmp_path / "r.extxyz", tmp_path / "r.csv", resume=True)
    times = [f.info["time_fs"] for f in read(tmp_path / "r.extxyz", index=":")]
    assert times == [40.0 * i for i in range(8)]
    assert [r["time_fs"] for r in thermo(tmp_path / "r.csv")] == times
    assert result.steps_run == 80


def test_strain_convention_and_settings_checks():
    atoms = copper()
    compressed = apply_hydrostatic_strain(atoms, 0.01)
    assert compressed.get_volume() == pytest.approx(atoms.get_volume() * 0.99**3)
    with pytest.raises(SSELabError, match="multiple"):
        MDSettings(temperature_K=300, timestep_fs=1.0, steps=105, dump_every=10)
    with pytest.raises(SSELabError, match="Nos"):
        MDSettings(temperature_K=300, timestep_fs=1.0, steps=100, dump_every=10, ensemble="npt", thermostat="langevin")
    with pytest.raises(SSELabError, match="outside"):
        apply_hydrostatic_strain(atoms, 1.0)


def test_resume_after_a_torn_last_frame_drops_it_and_continues(tmp_path):
    settings = MDSettings(temperature_K=300, timestep_fs=2.0, steps=60, dump_every=20, seed=2)
    run_ase_md(copper(), EMT(), settings, tmp_path / "r.extxyz", tmp_path / "r.csv")
    text = (tmp_path / "r.extxyz").read_text().splitlines(keepends=True)
    (tmp_path / "r.extxyz").write_text("".join(text[: len(text) - 5]))  # killed while writing the last frame
    result = run_ase_md(copper(), EMT(), settings, tmp_path / "r.extxyz", tmp_path / "r.csv", resume=True)
    times = [f.info["time_fs"] for f in read(tmp_path / "r.extxyz", index=":")]
    assert times == [0.0, 40.0, 80.0, 120.0] and result.steps_run == 20
