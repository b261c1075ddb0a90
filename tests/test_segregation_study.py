"""The seed 001 chain end to end on EMT cells: resume after an interruption, and the CLI's contract."""

import json

import pytest
from conftest import run_cli

from sselab.atomistic.build.structures import load_structure
from sselab.atomistic.engine import Engine
from sselab.studies.segregation import StudySettings, run_study, study_steps

SETTINGS = StudySettings(metal_planes=5, substrate_planes=3, max_strain=0.15, min_image=5.0, fm_planes=(3, 4, 5))


class Interrupt(Exception):
    pass


def _study(engine, progress=None):
    return run_study(engine, "ag-fcc", load_structure("ag-fcc"), "cu-fcc", load_structure("cu-fcc"), SETTINGS, progress)


def test_interrupted_study_resumes_without_recomputing(tmp_path):
    reference_engine = Engine.create("emt", str(tmp_path / "reference.db"))
    reference = _study(reference_engine).summary()
    total = reference_engine.cache.stats.computed

    database = str(tmp_path / "cache.db")
    first = Engine.create("emt", database)
    steps = []

    def stop_halfway(label):
        steps.append(label)
        if len(steps) == study_steps(SETTINGS) // 2:
            raise Interrupt  # what Ctrl-C or a killed job does to the Python side
    with pytest.raises(Interrupt):
        _study(first, stop_halfway)
    finished = first.cache.stats.computed
    assert 0 < finished < total

    second = Engine.create("emt", database)
    resumed = _study(second).summary()
    assert second.cache.stats.computed == total - finished  # nothing finished is computed again
    assert second.cache.stats.hits >= finished
    for key in ("work_of_adhesion_J_per_m2", "surface_energy_J_per_m2", "delta_e_bulk_int_eV"):
        assert resumed[key] == pytest.approx(reference[key], abs=1e-10)

    third = Engine.create("emt", database)
    _study(third)
    assert third.cache.stats.computed == 0 and third.cache.stats.hit_rate == 1.0


def test_study_agrees_with_the_bond_breaking_model_sign(tmp_path):
    summary = _study(Engine.create("emt")).summary()
    # Ag on Cu(100) binds metallically (W_ad > 2 sigma_m): model and computed both say "into the bulk"
    assert summary["segregation_suppressed"] and summary["computed_segregation_suppressed"]
    assert summary["delta_e_bulk_int_model_eV"] < 0 and summary["delta_e_bulk_int_eV"] < 0
    # Ag squeezed by 11.7 % onto Cu: the study says so
    assert summary["in_plane_strain"][0] == pytest.approx(-0.117, abs=0.005)
    assert any("more than 10 %" in note for note in summary["warnings"])


def run(argv, capsys):
    return run_cli(argv, capsys)


def test_model_cli_keys_and_units(capsys):
    code, out, _ = run(["segregation", "model", "--surface-energy", "0.46 J/m^2", "--work-of-adhesion", "0.6 J/m^2",
                        "--surface-density", "8.5 1/nm^2", "--json"], capsys)
    assert code == 0
    summary = json.loads(out)
    assert {"delta_e_bulk_int_eV", "delta_e_bulk_free_eV", "contact_angle_deg", "segregation_suppressed"} <= set(summary)
    assert summary["delta_e_bulk_int_eV"] == pytest.approx((0.46 - 0.3) / 8.5e18 / 1.602176634e-19)
    assert summary["segregation_suppressed"] is False


def test_surface_energy_cli_writes_a_run_directory(tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, _ = run(["surface-energy", "cu-fcc", "--miller", "1", "0", "0", "--planes", "4,5,6", "--calculator", "emt",
                           "--db", str(tmp_path / "c.db"), "--out", str(out), "--json"], capsys)
    assert code == 0
    summary = json.loads(stdout)
    assert summary["surface_energy_J_per_m2"] > 0
    record = json.loads((out / "run.json").read_text())
    assert record["summary"]["engine"]["calculator"] == "emt" and record["summary"]["engine"]["model"] == "ASE EMT"
    assert (out / "bulk_relaxed.extxyz").exists()


def test_study_cli_and_table(tmp_path, capsys):
    out = tmp_path / "study"
    argv = ["segregation", "study", "ag-fcc", "cu-fcc", "--metal-planes", "5", "--substrate-planes", "3", "--max-strain", "0.15",
            "--min-image", "5", "--fm-planes", "3,4,5", "--calculator", "emt", "--db", str(tmp_path / "c.db"), "--out", str(out),
            "--json"]
    code, stdout, _ = run(argv, capsys)
    assert code == 0
    summary = json.loads(stdout)
    assert summary["engine"]["cache_hit_rate"] < 0.5
    code, stdout, _ = run(argv, capsys)  # rerun: everything from the cache
    assert json.loads(stdout)["engine"]["cache_hit_rate"] == 1.0
    for name in ("run.json", "vacancy_profile.png", "fig4_point.png", "table.md", "interface_relaxed.extxyz"):
        assert (out / name).exists()
    code, stdout, _ = run(["segregation", "table", str(out), "--out", str(tmp_path / "table"), "--json"], capsys)
    assert code == 0 and json.loads(stdout)["rows"][0]["substrate"] == "cu-fcc"
    assert (tmp_path / "table" / "fig4.png").exists()


@pytest.mark.parametrize("argv, message", [
    (["surface-energy", "cu-fcc", "--miller", "1", "0", "0", "--calculator", "quantum-magic"], "unknown calculator"),
    (["surface-energy", "li-bcc", "--miller", "1", "0", "0", "--calculator", "emt"], "cannot do Li"),
    (["adhesion", "ag-fcc", "cu-fcc", "--calculator", "emt", "--max-strain", "0.001"], "beyond tolerance"),
    (["vacancy-profile", "cu-fcc", "--metal-planes", "5", "--layers", "1,9", "--calculator", "emt"], "too thin"),
    (["surface-energy", "nowhere.cif", "--miller", "1", "0", "0", "--calculator", "emt"], "neither a library name"),
    (["segregation", "model", "--surface-energy", "0.4 J", "--work-of-adhesion", "1 J/m^2", "--surface-density", "8 1/nm^2"],
     "not a surface energy"),
    (["neb", "cu-fcc", "--from-layer", "0", "--calculator", "emt"], "does not exist"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, argv, message):
    code, _, err = run([*argv, "--db", str(tmp_path / "c.db")] if argv[0] != "segregation" else argv, capsys)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_study_hands_its_parameters_to_the_model(tmp_path, capsys):
    out = tmp_path / "study"
    code, stdout, _ = run(["segregation", "study", "ag-fcc", "cu-fcc", "--metal-planes", "5", "--substrate-planes", "3",
                           "--max-strain", "0.15", "--min-image", "5", "--fm-planes", "3,4,5", "--calculator", "emt",
                           "--db", str(tmp_path / "c.db"), "--out", str(out), "--json"], capsys)
    assert code == 0
    study = json.loads(stdout)
    code, stdout, _ = run(["segregation", "model", "--params", str(out / "interface.toml"), "--json"], capsys)
    assert code == 0
    model = json.loads(stdout)
    assert model["delta_e_bulk_int_eV"] == pytest.approx(study["delta_e_bulk_int_model_eV"], rel=1e-5)
    assert model["contact_angle_deg"] == pytest.approx(study["contact_angle_deg"], abs=1e-3)
    code, _, err = run(["segregation", "model", "--surface-energy", "0.4 J/m^2"], capsys)
    assert code == 2 and "missing --work-of-adhesion, --surface-density" in err


@pytest.mark.parametrize("argv, message", [
    (["neb", "cu-fcc", "--neb-fmax", "0", "--calculator", "emt"], "--neb-fmax must be positive"),
    (["adhesion", "ag-fcc", "cu-fcc", "--calculator", "emt", "--max-strain", "0.15", "--fix-substrate-planes", "-1"],
     "--fix-substrate-planes"),
    (["surface-energy", "cu-fcc", "--miller", "1", "0", "0", "--calculator", "emt", "--db", "/proc/none/c.db"], "cannot open cache"),
    (["vacancy-profile", "cu-fcc", "--miller", "1", "1", "0", "--metal-planes", "3", "--calculator", "emt"], "too thin"),
])
def test_more_bad_input(tmp_path, capsys, argv, message):
    argv = argv if "--db" in argv else [*argv, "--db", str(tmp_path / "c.db")]
    code, _, err = run(argv, capsys)
    assert code == 2 and message in err and "Traceback" not in err


def test_bad_cache_file_and_bad_density(tmp_path, capsys):
    bogus = tmp_path / "text.db"
    bogus.write_text("not a database")
    code, _, err = run(["surface-energy", "cu-fcc", "--miller", "1", "0", "0", "--calculator", "emt", "--db", str(bogus)], capsys)
    assert code == 2 and "cannot open cache database" in err
    code, _, err = run(["segregation", "model", "--surface-energy", "0.4 J/m^2", "--work-of-adhesion", "0.5 J/m^2",
                        "--surface-density", "10"], capsys)
    assert code == 2 and "give units" in err
