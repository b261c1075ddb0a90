"""The seed 001 chain end to end on EMT cells through the library (resume after an interruption, the model's sign, the
hand-off file, the table, the result's round trip), then the ``segregation`` and atomistic commands' contract: exit
codes, JSON keys and run-directory files."""

import json
from dataclasses import fields

import pytest
from conftest import run_cli

from sselab.atomistic.engine import Engine
from sselab.continuum.segregation import segregation_model
from sselab.errors import InputError
from sselab.plots.segregation import segregation_map, segregation_profile_figure
from sselab.runs import to_jsonable
from sselab.studies.segregation import SegregationResult, SegregationStudy, SegregationTable

STUDY = SegregationStudy(metal_planes=5, substrate_planes=3, max_strain=0.15, min_image=5.0, fm_planes=(3, 4, 5))
STUDY_ARGS = ["ag-fcc", "cu-fcc", "--metal-planes", "5", "--substrate-planes", "3", "--max-strain", "0.15", "--min-image", "5",
              "--fm-planes", "3,4,5", "--calculator", "emt"]
STUDY_FILES = ("run.json", "vacancy_profile.png", "fig4_point.png", "table.md", "interface.toml", "interface_relaxed.extxyz")
SUMMARY_KEYS = {f.name for f in fields(SegregationResult) if f.metadata.get("summary", True)}


class Interrupt(Exception):
    pass


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    return str(tmp_path_factory.mktemp("cache") / "emt.db")


@pytest.fixture(scope="module")
def study(database):
    """The EMT study of Ag(100) on Cu(100), computed once into the module's cache (a calculator name and db=)."""
    return STUDY.run("ag-fcc", "cu-fcc", calculator="emt", db=database)


def test_interrupted_study_resumes_without_recomputing(tmp_path, study):
    total = study.engine["computed"]  # a fresh cache computed every task once
    assert study.engine["cache_hit_rate"] < 0.5
    database = str(tmp_path / "cache.db")
    first = Engine.create("emt", database)
    steps = []

    def stop_halfway(label):
        steps.append(label)
        if len(steps) == STUDY.steps() // 2:
            raise Interrupt  # what Ctrl-C or a killed job does to the Python side
    with pytest.raises(Interrupt):
        STUDY.run("ag-fcc", "cu-fcc", calculator=first, progress=stop_halfway)
    finished = first.cache.stats.computed
    assert 0 < finished < total

    second = Engine.create("emt", database)
    resumed = STUDY.run("ag-fcc", "cu-fcc", calculator=second)
    assert second.cache.stats.computed == total - finished  # nothing finished is computed again
    assert second.cache.stats.hits >= finished
    for key in ("work_of_adhesion_J_per_m2", "surface_energy_J_per_m2", "delta_e_bulk_int_eV"):
        assert getattr(resumed, key) == pytest.approx(getattr(study, key), abs=1e-10)

    third = STUDY.run("ag-fcc", "cu-fcc", calculator="emt", db=database)
    assert third.engine["computed"] == 0 and third.engine["cache_hit_rate"] == 1.0


def test_study_agrees_with_the_bond_breaking_model_sign(study):
    # Ag on Cu(100) binds metallically (W_ad > 2 sigma_m): model and computed both say "into the bulk"
    assert study.segregation_suppressed and study.computed_segregation_suppressed
    assert study.delta_e_bulk_int_model_eV < 0 and study.delta_e_bulk_int_eV < 0
    assert study.work_of_adhesion_J_per_m2 > 2 * study.surface_energy_J_per_m2
    # Ag squeezed by 11.7 % onto Cu: the study says so
    assert study.in_plane_strain[0] == pytest.approx(-0.117, abs=0.005)
    assert any("more than 10 %" in note for note in study.warnings)
    assert study.calculator == "emt" and study.engine["model"] == "ASE EMT"


def test_result_round_trips_through_json(study):
    data = study.to_dict()
    assert set(data) == SUMMARY_KEYS
    back = SegregationResult.from_dict(json.loads(json.dumps(to_jsonable(data))))  # plane keys come back as text
    assert back == study and back.to_dict() == data
    assert back.interface_profiles is None and study.interface_profiles is not None
    with pytest.raises(InputError, match="lacks"):
        SegregationResult.from_dict({key: value for key, value in data.items() if key != "warnings"})


def test_study_hands_its_parameters_to_the_model(tmp_path, study):
    run = study.write(tmp_path / "study")
    for name in STUDY_FILES:
        assert (run.path / name).exists(), name
    assert run.summary["run_directory"] == str(run.path)
    model = segregation_model(interface_file=run.path / "interface.toml")
    assert model.delta_e_bulk_int / 1.602176634e-19 == pytest.approx(study.delta_e_bulk_int_model_eV, rel=1e-9)
    assert model.contact_angle_deg == pytest.approx(study.contact_angle_deg, abs=1e-6)


def test_table_of_studies(tmp_path, study):
    first = study.write(tmp_path / "a").path
    rebuilt = SegregationResult.from_dict(study.to_dict()).write(tmp_path / "b").path  # no structures: still a table row
    assert not (rebuilt / "interface_relaxed.extxyz").exists()
    table = SegregationTable.from_runs([first, rebuilt])
    assert [row.substrate for row in table.rows] == ["cu-fcc", "cu-fcc"]
    assert table.markdown.count("ag-fcc(100)/cu-fcc(100), hollow") == 2
    assert SegregationTable.from_dict(table.to_dict()).rows == table.rows
    out = table.write(tmp_path / "table").path
    assert (out / "fig4.png").exists() and (out / "table.md").read_text() == table.markdown
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "run.json").write_text(json.dumps({"command": "neb", "summary": {}}))
    with pytest.raises(InputError, match="does not hold a segregation study"):
        SegregationTable.from_runs([tmp_path / "other"])


def test_study_plots_draw_into_a_given_axes(study):
    import matplotlib.pyplot as plt

    for plot in (lambda ax: segregation_profile_figure(study, ax=ax), lambda ax: segregation_map([study], ax=ax)):
        figure, ax = plt.subplots()
        assert plot(ax) is figure and ax.lines
        plt.close(figure)


# --- the CLI: exit codes, JSON keys, run directories ----------------------------------------------------------------------


def run(argv, capsys):
    return run_cli(argv, capsys)


def test_model_cli(capsys, tmp_path):
    code, out, _ = run(["segregation", "model", "--surface-energy", "0.46 J/m^2", "--work-of-adhesion", "0.6 J/m^2",
                        "--surface-density", "8.5 1/nm^2", "--json"], capsys)
    assert code == 0
    assert set(json.loads(out)) == set(segregation_model(0.46, 0.6, 8.5e18).to_dict())
    code, _, err = run(["segregation", "model", "--surface-energy", "0.4 J/m^2"], capsys)
    assert code == 2 and "missing --work-of-adhesion, --surface-density" in err


def test_study_table_and_model_cli(tmp_path, capsys, database, study):
    out = tmp_path / "study"
    code, stdout, _ = run(["segregation", "study", *STUDY_ARGS, "--db", database, "--out", str(out), "--json"], capsys)
    assert code == 0
    assert set(json.loads(stdout)) == SUMMARY_KEYS | {"run_directory"}
    for name in STUDY_FILES:
        assert (out / name).exists(), name
    code, stdout, _ = run(["segregation", "table", str(out), "--out", str(tmp_path / "table"), "--json"], capsys)
    assert code == 0 and set(json.loads(stdout)) == {"rows", "n_rows", "run_directory"}
    assert (tmp_path / "table" / "fig4.png").exists() and (tmp_path / "table" / "table.md").exists()
    code, stdout, _ = run(["segregation", "model", "--params", str(out / "interface.toml"), "--json"], capsys)
    assert code == 0 and "delta_e_bulk_int_eV" in json.loads(stdout)
    code, stdout, _ = run(["segregation", "table", str(out), "--out", str(tmp_path / "table2")], capsys)
    assert code == 0 and "| system |" in stdout and "run directory:" in stdout


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
def test_bad_input_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)  # run directories of failed commands stay out of the checkout
    code, _, err = run([*argv, "--db", str(tmp_path / "c.db")] if argv[0] != "segregation" else argv, capsys)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("argv, message", [
    (["neb", "cu-fcc", "--neb-fmax", "0", "--calculator", "emt"], "--neb-fmax (neb_fmax) must be positive"),
    (["adhesion", "ag-fcc", "cu-fcc", "--calculator", "emt", "--max-strain", "0.15", "--fix-substrate-planes", "-1"],
     "--fix-substrate-planes"),
    (["surface-energy", "cu-fcc", "--miller", "1", "0", "0", "--calculator", "emt", "--db", "/proc/none/c.db"],
     "cannot open cache"),
    (["vacancy-profile", "cu-fcc", "--miller", "1", "1", "0", "--metal-planes", "3", "--calculator", "emt"], "too thin"),
    (["vacancy-profile", "cu-fcc", "--modes", "relaxed", "--calculator", "emt"], "unknown mode"),
    (["segregation", "table", "nowhere"], "not a run directory"),
])
def test_more_bad_input(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    argv = argv if "--db" in argv or argv[0] == "segregation" else [*argv, "--db", str(tmp_path / "c.db")]
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
