"""ASE molecular dynamics driver and the MD grid: conservation, thermostat, outputs, resume (EMT, small cells)."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.io import read

from sselab.analysis.diffusion import DiffusionAnalysis
from sselab.atomistic.engine import as_engine
from sselab.atomistic.md.ase_md import MDSettings, apply_hydrostatic_strain, run_ase_md
from sselab.errors import SSELabError
from sselab.studies.md import MDGrid, MDGridResult, build_md_system, point_name


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


def test_barostat_settings_and_the_full_cell_barostat_of_ase(tmp_path):
    with pytest.raises(SSELabError, match="barostat must be one of"):
        MDSettings(temperature_K=300, timestep_fs=1.0, steps=100, dump_every=10, ensemble="npt", barostat="xyz")
    with pytest.raises(SSELabError, match="needs --ensemble npt"):
        MDGrid(temperatures_K=(300.0,), barostat="tri")
    with pytest.raises(SSELabError, match="LAMMPS only"):
        MDGrid(temperatures_K=(300.0,), ensemble="npt", barostat="aniso", time_fs=100.0, equilibration_fs=0.0).run(
            copper(), calculator="emt", out=tmp_path / "g")
    assert not (tmp_path / "g").exists()  # refused before any work
    with pytest.raises(SSELabError, match="LAMMPS only"):
        run_ase_md(copper(), EMT(), MDSettings(temperature_K=300, timestep_fs=1.0, steps=10, dump_every=10, ensemble="npt",
                                                barostat="aniso"), tmp_path / "a.extxyz", tmp_path / "a.csv")
    # ASE's full-cell MTK barostat relaxes a shear that the isotropic one keeps (EMT copper, c tilted 0.4 A along x,
    # beta = 86.8 deg): with "tri" beta oscillates about 90 deg (the cell may also rotate, so the angle is the measure)
    atoms = copper()
    cell = atoms.cell.array.copy()
    cell[2, 0] += 0.4
    atoms.set_cell(cell, scale_atoms=True)
    shear = {}
    for barostat, steps in (("iso", 100), ("tri", 800)):
        settings = MDSettings(temperature_K=100, timestep_fs=2.0, steps=steps, dump_every=20, ensemble="npt",
                              barostat_damping_fs=100.0, seed=2, barostat=barostat)
        run_ase_md(atoms, EMT(), settings, tmp_path / f"{barostat}.extxyz", tmp_path / f"{barostat}.csv")
        shear[barostat] = np.array([90.0 - frame.cell.angles()[1] for frame in read(tmp_path / f"{barostat}.extxyz", index=":")])
    start = 90.0 - atoms.cell.angles()[1]
    np.testing.assert_allclose(shear["iso"], start, atol=1e-9)
    assert abs(shear["tri"][1:].mean()) < 0.2 * start, shear["tri"]


def test_resume_after_a_torn_last_frame_drops_it_and_continues(tmp_path):
    settings = MDSettings(temperature_K=300, timestep_fs=2.0, steps=60, dump_every=20, seed=2)
    run_ase_md(copper(), EMT(), settings, tmp_path / "r.extxyz", tmp_path / "r.csv")
    text = (tmp_path / "r.extxyz").read_text().splitlines(keepends=True)
    (tmp_path / "r.extxyz").write_text("".join(text[: len(text) - 5]))  # killed while writing the last frame
    result = run_ase_md(copper(), EMT(), settings, tmp_path / "r.extxyz", tmp_path / "r.csv", resume=True)
    times = [f.info["time_fs"] for f in read(tmp_path / "r.extxyz", index=":")]
    assert times == [0.0, 40.0, 80.0, 120.0] and result.steps_run == 20


# ------------------------------------------------------------------------------------------ MD grid

GRID = {"time_fs": 200.0, "timestep_fs": 2.0, "dump_interval_fs": 20.0, "equilibration_fs": 0.0, "repeat": (2, 2, 2)}


def test_grid_writes_one_analysable_trajectory_per_point_and_resume_skips_them(tmp_path):
    grid = MDGrid(temperatures_K=(600.0, 900.0), strains=(0.0, 0.01), **GRID)
    progress = []
    result = grid.run("cu-fcc", calculator="emt", out=tmp_path / "md", progress=lambda label, n: progress.append((label, n)))
    assert [(p.temperature_K, p.strain, p.status) for p in result.points] == [
        (600.0, 0.0, "ran"), (600.0, 0.01, "ran"), (900.0, 0.0, "ran"), (900.0, 0.01, "ran")]
    assert result.system["atoms"] == 32 and result.engine["engine"] == "ase" and result.frame_interval_fs == 20.0
    assert sum(n for _, n in progress) == 4 * 100 and progress[0][0] == "MD 600 K, strain +0"
    compressed = read(tmp_path / "md" / point_name(600.0, 0.01) / "trajectory.extxyz", index=":")
    relaxed = read(result.points[0].trajectory, index="0")
    assert len(compressed) == 11 and compressed[-1].info["time_fs"] == 200.0
    assert compressed[0].get_volume() == pytest.approx(relaxed.get_volume() * 0.99**3)
    analysis = DiffusionAnalysis.from_file(result.points[2].trajectory, species="Cu")
    assert analysis.temperature_K == 900.0 and analysis.stress_Pa is not None and not analysis.diffusive  # a solid at 900 K
    run = result.write()
    assert run.path == tmp_path / "md" and MDGridResult.from_dict(run.summary) == result
    with pytest.raises(SSELabError, match="--resume"):
        grid.run("cu-fcc", calculator=EMT(), out=tmp_path / "md")
    resumed = grid.run("cu-fcc", calculator=as_engine("emt"), out=tmp_path / "md", resume=True)
    assert {p.status for p in resumed.points} == {"already finished"}


def test_grid_settings_are_checked_before_anything_runs(tmp_path):
    with pytest.raises(SSELabError, match="outside"):
        MDGrid(temperatures_K=600.0, strains=(0.0, 0.5))
    with pytest.raises(SSELabError, match="need --exchange-ion"):
        MDGrid(temperatures_K=600.0, exchange_count=2)
    with pytest.raises(SSELabError, match="three positive integers"):
        MDGrid(temperatures_K=600.0, repeat=(2, 2))
    with pytest.raises(SSELabError, match="whole number of timesteps"):
        MDGrid(temperatures_K=600.0, timestep_fs=2.0, dump_interval_fs=15.0).schedule()
    with pytest.raises(SSELabError, match="whole number of frame intervals"):
        MDGrid(temperatures_K=600.0, timestep_fs=2.0, dump_interval_fs=20.0, time_fs=250.0).schedule()
    schedule = MDGrid(temperatures_K=600.0, time_fs=1000.0, dump_interval_fs=50.0, equilibration_fs=200.0).schedule()
    assert (schedule.timestep_fs, schedule.dump_every, schedule.steps, schedule.equilibration_steps) == (1.0, 50, 1000, 200)
    with pytest.raises(SSELabError, match="not both"):
        MDGrid(temperatures_K=600.0, **GRID).run("cu-fcc", calculator="emt", forcefield="llzo_bush_coreshell", out=tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_system_builder_exchanges_li_in_ordered_llzo():
    atoms, record = build_md_system("llzo", exchange_ion="Na", exchange_count=2, seed=3)
    symbols = atoms.get_chemical_symbols()
    assert len(atoms) == 192 and symbols.count("Na") == 2 and symbols.count("Li") == 54
    assert record["exchange"] == {"ion": "Na", "count": 2, "site_fraction": pytest.approx(2 / 56)} and record["li_ordering"]["seed"] == 3
    doubled, doubled_record = build_md_system(copper(), repeat=(1, 1, 2))
    assert len(doubled) == 64 and doubled_record["formula"] == "Cu64"
