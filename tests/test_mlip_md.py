"""Opt-in (``pytest -m mlip``): MD of ordered cubic LLZO with the default MLIP (CHGNet 0.3.0).

NVE with a 1 fs step must conserve energy (a check on the ASE driver with a real MLIP, whose
forces are the exact gradient of its energy), and the trajectory must feed the MSD analysis.
About 2 min on 2 cores.
"""

import numpy as np
import pytest

pytest.importorskip("chgnet")

from sselab.analysis.msd import estimate_diffusivity, msd_per_atom
from sselab.analysis.trajectory import read_trajectory
from sselab.atomistic.build.llzo import ordered_cubic_llzo
from sselab.atomistic.engine.calculators import load_calculator
from sselab.atomistic.md.ase_md import MDSettings, run_ase_md

pytestmark = [pytest.mark.mlip, pytest.mark.slow]


def test_chgnet_nve_conserves_energy_in_llzo_and_the_li_msd_is_read(tmp_path):
    atoms, _ = ordered_cubic_llzo(seed=1)
    settings = MDSettings(temperature_K=900, timestep_fs=1.0, steps=100, dump_every=5, ensemble="nve", seed=4)
    run_ase_md(atoms, load_calculator("chgnet").calculator, settings, tmp_path / "t.extxyz", tmp_path / "t.csv")
    energies = np.loadtxt(tmp_path / "t.csv", delimiter=",", skiprows=1, usecols=3)
    assert np.ptp(energies) / len(atoms) < 2e-3  # eV/atom over 100 fs
    trajectory = read_trajectory(tmp_path / "t.extxyz", ["Li"])
    assert trajectory.frame_interval_fs == 5.0 and trajectory.counts["Li"] == 56
    estimate = estimate_diffusivity("Li", msd_per_atom(trajectory.displacements["Li"]), trajectory.frame_interval_fs)
    assert not estimate.diffusive  # 100 fs is far too short to see hops: reported, not a number
