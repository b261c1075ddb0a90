"""Pathway sizes d₁/d₂ (Zeo++ D_f, D_if; seed 004 Fig. 4d): analytic lattices, invariances, radii, files and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from ase import Atoms
from ase.io import write
from conftest import run_cli

from sselab.analysis.pathways import PathwayAnalysis, PathwayResult, free_spheres, ionic_radius
from sselab.atomistic.build.structures import load_structure
from sselab.errors import InputError

#: Å. ZeoCssr writes fractional coordinates to 4 decimals: 1e-4 × a 12 Å edge moves an atom up to ~1e-3 Å.
CSSR_ROUNDING_A = 2e-3


def simple_cubic(a: float = 4.0) -> Atoms:
    return Atoms("K", positions=[[0.0, 0.0, 0.0]], cell=[a, a, a], pbc=True)


def test_simple_cubic_diameters_equal_the_geometry_of_its_windows_and_cages():
    """Spheres of radius R on a simple cubic lattice a: the channel along an edge passes square windows whose centre
    lies a/√2 from four atoms (D_f = √2 a − 2R); the cube centre lies √3 a/2 from eight (D_i = √3 a − 2R) and is on
    that channel, so D_if = D_i."""
    a, radius = 4.0, 1.0
    spheres = free_spheres(simple_cubic(a), {"K": radius})
    assert spheres.free_A == pytest.approx(np.sqrt(2) * a - 2 * radius, abs=1e-4)
    assert spheres.included_A == pytest.approx(np.sqrt(3) * a - 2 * radius, abs=1e-4)
    assert spheres.included_along_free_A == pytest.approx(spheres.included_A, abs=1e-4)


def test_primitive_fcc_cell_gives_the_triangular_window_and_the_octahedral_cage():
    """A 60° cell catches axis mix-ups: fcc spheres of radius R pass oct → tet through triangles of nearest neighbours
    whose centre lies a/√6 from each (D_f = 2(a/√6 − R)); the octahedral cage has D_i = a − 2R."""
    from ase.build import bulk

    a, radius = 4.0, 1.0
    spheres = free_spheres(bulk("Cu", "fcc", a=a), {"Cu": radius})
    assert spheres.free_A == pytest.approx(2 * (a / np.sqrt(6) - radius), abs=1e-4)
    assert spheres.included_A == pytest.approx(a - 2 * radius, abs=1e-4)


def test_unequal_spheres_rocksalt_is_bracketed_and_the_high_accuracy_setting_is_applied():
    """Rocksalt MgO (a = 4.21 Å, Mg 0.72, O 1.40 Å). Exactly: the tetrahedral hole lies a√3/4 from 4 Mg and 4 O, so
    D_i = 2(a√3/4 − 1.40). The channel crosses square Mg–O–Mg–O windows of half-diagonal h = a√2/4; the best crossing
    sits s toward a Mg with √(s² + h²) − 1.40 = h − s − 0.72, so D_f = 2(h − s − 0.72) = 0.390 Å. The plain radical
    network is exact for D_i and 15 % short on D_f; S100 is closer."""
    from ase.build import bulk

    a, r_mg, r_o = 4.21, 0.72, 1.40
    h = a * np.sqrt(2) / 4
    s = (h**2 - (h + r_o - r_mg) ** 2) / (-2 * (h + r_o - r_mg))
    exact_free = 2 * (h - s - r_mg)
    assert exact_free == pytest.approx(0.390, abs=1e-3)
    rocksalt = bulk("MgO", "rocksalt", a=a, cubic=True)
    plain = free_spheres(rocksalt, {"Mg": r_mg, "O": r_o})
    fine = free_spheres(rocksalt, {"Mg": r_mg, "O": r_o}, accuracy="S100")
    assert plain.included_A == pytest.approx(2 * (a * np.sqrt(3) / 4 - r_o), abs=1e-3)
    assert plain.free_A < exact_free
    assert abs(fine.free_A - exact_free) < 0.5 * abs(plain.free_A - exact_free)


def test_a_framework_without_a_channel_gives_d1_zero_d2_undefined_and_a_warning():
    from ase.build import bulk

    closed = bulk("MgO", "rocksalt", a=4.21, cubic=True)
    spheres = free_spheres(closed, {"Mg": 1.0, "O": 1.6})
    assert spheres.free_A == 0.0 and np.isnan(spheres.included_along_free_A)
    result = PathwayAnalysis(radii_A={"Mg": 1.0, "O": 1.6}).run([closed, closed])
    assert result.d1.mean_A == 0.0 and result.d2.mean_A is None
    assert any("no sphere percolates in 2 of 2" in note for note in result.warnings)
    assert PathwayResult.from_dict(json.loads(json.dumps(result.to_dict()))).d2.mean_A is None


def test_d2_does_not_depend_on_the_order_the_cell_axes_are_written_in():
    """Rattled frames where Zeo++ alone reports different cages for the same crystal written (a, b, c) or (c, a, b)."""
    lzo = load_structure("li6zr2o7")
    framework = lzo[[symbol != "Li" for symbol in lzo.get_chemical_symbols()]]
    for seed in range(4):
        frame = framework.copy()
        frame.rattle(0.05, seed=seed)
        rolled = frame.copy()
        rolled.set_cell(np.roll(frame.cell.array, 1, axis=0))
        assert free_spheres(rolled, {"O": 1.4, "Zr": 0.72}) == free_spheres(frame, {"O": 1.4, "Zr": 0.72})


def test_oxidation_state_arrays_and_a_new_element_in_a_later_frame_are_handled():
    """pymatgen's get_atoms adds oxi_states; the species written for Zeo++ must stay bare symbols (else Zeo++ exits)."""
    lzo = load_structure("li6zr2o7")
    labelled = lzo.copy()
    labelled.set_array("oxi_states", np.where(np.array(lzo.get_chemical_symbols()) == "O", -2.0, 1.0))
    doped = lzo.copy()
    doped.symbols[[i for i, symbol in enumerate(lzo.get_chemical_symbols()) if symbol == "O"][0]] = "N"
    result = PathwayAnalysis().run([labelled, doped])
    assert result.frames == 2 and result.radii_A == {"N": 1.46, "O": 1.40, "Zr": 0.72}


def test_diameters_scale_with_the_lattice_and_the_radii_together():
    reference = free_spheres(simple_cubic(4.0), {"K": 1.0})
    scaled = free_spheres(simple_cubic(4.0 * 1.3), {"K": 1.3})
    assert scaled.free_A == pytest.approx(1.3 * reference.free_A, abs=1e-4)
    assert scaled.included_A == pytest.approx(1.3 * reference.included_A, abs=1e-4)


def test_li6zr2o7_diameters_do_not_depend_on_the_supercell_or_where_the_origin_is():
    lzo = load_structure("li6zr2o7")
    reference = PathwayAnalysis().run(lzo)
    moved = lzo.repeat((2, 1, 2))
    moved.translate([1.1, -0.7, 2.3])
    moved.wrap()
    shifted = PathwayAnalysis().run(moved)
    for name in ("d1", "d2", "largest_included"):
        assert getattr(shifted, name).mean_A == pytest.approx(getattr(reference, name).mean_A, abs=CSSR_ROUNDING_A)
    # a channel and a cage, both narrower than the cage: D_f ≤ D_if ≤ D_i
    assert 0 < reference.d1.mean_A < reference.d2.mean_A <= reference.largest_included.mean_A


def test_keeping_the_li_narrows_the_channel_and_the_radii_used_are_recorded():
    """With the Li in place the free sphere must squeeze past them. (D_i is not compared: with three unequal radii
    Zeo++'s plain radical network reports a larger D_i with the Li than without, a known limit; module docstring.)"""
    lzo = load_structure("li6zr2o7")
    without_li = PathwayAnalysis().run(lzo)
    with_li = PathwayAnalysis(mobile=()).run(lzo)
    assert with_li.d1.mean_A < 0.75 * without_li.d1.mean_A
    assert without_li.radii_A == {"O": 1.40, "Zr": 0.72}
    assert PathwayAnalysis(mobile="Li").run(lzo) == without_li  # one species given as a bare string
    assert with_li.radii_A == {"Li": 0.76, "O": 1.40, "Zr": 0.72}


def test_the_high_accuracy_mode_leaves_equal_spheres_exact_and_is_recorded():
    plain = PathwayAnalysis(radii_A={"K": 1.0}).run(simple_cubic(4.0))
    fine = PathwayAnalysis(radii_A={"K": 1.0}, accuracy="MED").run(simple_cubic(4.0))
    assert fine.d1.mean_A == pytest.approx(plain.d1.mean_A, abs=1e-4) == pytest.approx(np.sqrt(2) * 4.0 - 2.0, abs=1e-4)
    assert fine.accuracy == "MED" and fine.to_dict()["accuracy"] == "MED"
    assert plain.to_dict()["accuracy"] == "plain radical Voronoi"


def test_larger_framework_radii_close_the_channel():
    lzo = load_structure("li6zr2o7")
    default = PathwayAnalysis().run(lzo)
    larger = PathwayAnalysis(radii_A={"O": 1.50}).run(lzo)
    assert larger.d1.mean_A < default.d1.mean_A
    assert larger.radii_A["O"] == 1.50


@pytest.mark.parametrize("element, radius", [("O", 1.40), ("N", 1.46), ("Zr", 0.72), ("La", 1.032), ("Co", 0.545), ("Na", 1.02)])
def test_default_radii_are_shannons_at_the_formal_charge(element, radius):
    """Shannon (1976) ionic radii: six-fold, N³⁻ four-fold (its only entry), Co³⁺ low spin (as in LiCoO₂)."""
    assert ionic_radius(element) == pytest.approx(radius)


def _frames(count: int) -> list[Atoms]:
    lzo = load_structure("li6zr2o7")
    frames = []
    for index in range(count):
        frame = lzo.copy()
        frame.rattle(0.03, seed=index)
        frame.info["time_fs"] = 50.0 * index
        frames.append(frame)
    return frames


def test_trajectory_mean_equals_the_mean_of_single_frames_and_the_summary_round_trips(tmp_path):
    frames = _frames(10)
    path = tmp_path / "traj.extxyz"
    write(path, frames)
    result = PathwayAnalysis(every=2).run(path)
    singles = [PathwayAnalysis().run(frame).d1.mean_A for frame in frames[::2]]
    assert result.frames == 5
    assert result.d1.mean_A == pytest.approx(np.mean(singles), abs=1e-4)
    assert result.d1.stderr_A is None  # under ten frames there are no five blocks of two
    assert PathwayAnalysis().run(path).d1.stderr_A > 0
    np.testing.assert_allclose(result.series.time_fs, [0, 100, 200, 300, 400])
    again = PathwayResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result and again.series is None


def test_a_torn_last_frame_is_left_out_with_a_warning(tmp_path):
    path = tmp_path / "traj.extxyz"
    write(path, _frames(3))
    text = path.read_text()
    path.write_text(text + text[: len(text) // 5])
    result = PathwayAnalysis().run(path)
    assert result.frames == 3
    assert any("torn" in note for note in result.warnings)


@pytest.mark.parametrize("kwargs, message", [
    ({"mobile": ("Xx",)}, "not an element"),
    ({"radii_A": {"O": 14.0}}, "radius of O"),
    ({"radii_A": {"O": -1.0}}, "radius of O"),
    ({"every": 0}, "--every"),
    ({"accuracy": "ULTRA"}, "not a Zeo\\+\\+ setting"),
])
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(InputError, match=message):
        PathwayAnalysis(**kwargs)


@pytest.mark.parametrize("frame, message", [
    (Atoms("O2", positions=[[0, 0, 0], [np.nan, 1, 1]], cell=[5, 5, 5], pbc=True), "non-finite"),
    (Atoms("O2", positions=[[0, 0, 0], [5, 5, 5]], cell=[5, 5, 5], pbc=True), "within 0.1"),  # the same site, wrapped
    (Atoms("O2", positions=[[0, 0, 0], [1, 1, 1]], cell=[[5, 0, 0], [5, 0, 0], [0, 0, 5]], pbc=True), "linearly dependent"),
])
def test_frames_that_would_make_zeo_exit_the_process_are_refused_first(frame, message):
    with pytest.raises(InputError, match=message):
        free_spheres(frame, {"O": 1.4})


def test_an_element_without_a_radius_a_molecule_or_an_empty_framework_is_refused():
    with pytest.raises(InputError, match="no Shannon radius for He"):
        PathwayAnalysis().run(Atoms("He", cell=[3, 3, 3], pbc=True))
    with pytest.raises(InputError, match="periodic"):
        PathwayAnalysis().run(Atoms("O2", positions=[[0, 0, 0], [0, 0, 1.2]]))
    with pytest.raises(InputError, match="no framework atoms"):
        PathwayAnalysis().run(Atoms("Li2", positions=[[0, 0, 0], [1.5, 1.5, 1.5]], cell=[3, 3, 3], pbc=True))


def test_cli_json_is_the_library_summary_on_a_clean_stdout(tmp_path, capfd):
    path = tmp_path / "traj.extxyz"
    write(path, _frames(3))
    code, out, err = run_cli(["diffusion", "pathways", str(path), "--json", "--out", str(tmp_path / "run")], capfd)
    assert code == 0, err
    summary = json.loads(out)  # Zeo++'s own chatter must not reach stdout
    assert summary["d1_A"] == pytest.approx(PathwayAnalysis().run(path).d1.mean_A)
    assert summary["frames"] == 3 and summary["mobile_removed"] == ["Li"]
    assert {p.name for p in (tmp_path / "run").iterdir()} >= {"run.json", "pathways.nc", "pathways.png"}


@pytest.mark.parametrize("argv, message", [
    (["--radius", "Zr"], "ELEMENT=ANGSTROM"),
    (["--radius", "O=9"], "radius of O"),
    (["--mobile", "Q"], "not an element"),
])
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, capsys, argv, message):
    path = tmp_path / "traj.extxyz"
    write(path, _frames(1))
    code, out, err = run_cli(["diffusion", "pathways", str(path), *argv, "--out", str(tmp_path / "run")], capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_cli_missing_file_is_exit_2(tmp_path, capsys):
    code, _, err = run_cli(["diffusion", "pathways", str(tmp_path / "nothing.extxyz")], capsys)
    assert code == 2 and "does not exist" in err
