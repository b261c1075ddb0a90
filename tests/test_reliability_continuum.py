"""Reliability of the continuum commands (ion-exchange, li0, segregation, stability), their parameter files and Dask sweeps.

One test per class of failure: a bad input ends in exit status 2 and one line on stderr (never a traceback), the
library raises InputError for the same input, counts are bounded before work, Ctrl-C exits 130 without Dask's
tracebacks, hand-off files round-trip any name, and a reused --out needs --overwrite.
"""

from __future__ import annotations

import json
import math
from dataclasses import fields

import pytest
from conftest import run_cli

from sselab.continuum.li0_potential import Separator
from sselab.continuum.li_penalty import LiDiffusionLaw, li_penalty
from sselab.continuum.segregation import predict
from sselab.errors import InputError
from sselab.params import write_table
from sselab.params.entries import load_entry_records, write_entries
from sselab.params.interfaces import load_interface, write_interface
from sselab.params.ions import load_host, load_ion, load_li_law, write_host, write_ion, write_li_law
from sselab.params.separators import load_separator, write_separator
from sselab.studies.ion_exchange import IonExchangeMap, MDDiffusivities, design_ion_exchange, li_diffusivity_penalty
from sselab.studies.li0 import Li0Sweep
from sselab.studies.segregation import SegregationResult, SegregationStudy, read_study
from sselab.studies.stability import energy_above_hull
from sselab.sweep import check_cluster

BULK_LAW = 'prefactor = "1e-7 m^2/s"\nactivation_volume = "5 cm^3/mol"\nactivation_energy_eV = 0.29\n'
ENTRIES = [{"composition": "Li", "energy_eV": -1.9}, {"composition": "O2", "energy_eV": -9.8},
           {"composition": "Li2O", "energy_eV": -14.3}]




def assert_one_line_refusal(code, stdout, stderr, fragment):
    assert code == 2, stderr
    assert stdout == ""
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert fragment in lines[0]


@pytest.fixture
def bulk_law(tmp_path):
    path = tmp_path / "bulk.toml"
    path.write_text(BULK_LAW)
    return path


# ---------------------------------------------------------------- physical bounds: 1e308, NaN, a slip of units


@pytest.mark.parametrize("argv, fragment", [
    (["ion-exchange", "design", "--ion", "Na", "--surface-concentration", "0.05", "--thickness", "1e308"], "thickness_m: must be at most 1 m"),
    (["ion-exchange", "design", "--ion", "Na", "--surface-concentration", "0.05", "--temperature", "1e308"], "at most 5000 K"),
    (["ion-exchange", "design", "--ion", "Na", "--surface-concentration", "0.05", "--flaw-size", "1e-300"], "flaw_size"),
    (["ion-exchange", "design", "--ion", "Na", "--surface-concentration", "0.05", "--safety-factor", "1e308"], "safety_factor"),
    (["ion-exchange", "design", "--ion", "Na", "--surface-concentration", "0.05", "--minimum-gain", "1e308"], "minimum_gain"),
    (["ion-exchange", "design", "--ion", "Na", "--surface-concentration", "0.05", "--time", "1e308"], "time: must be at most"),
    (["ion-exchange", "design", "--ion", "Na", "--surface-concentration", "0.05", "--reference-diffusivity", "1e-300"],
     "reference_diffusivity"),
    (["ion-exchange", "design", "--ion", "Na", "--target-surface-stress", "1e308"], "target surface stress"),
    (["li0", "solve", "fig3", "--thickness", "1e308"], "thickness: must be within"),
    (["li0", "solve", "fig3", "--current-density", "1e308"], "current density"),
    (["li0", "solve", "fig3", "--mu-cathode", "-1e308 eV"], "mu_cathode"),
    (["li0", "solve", "fig3", "--band", "1e308 eV"], "vulnerable band"),
    (["li0", "sweep", "fig3", "--anode-min", "1e308 eV"], "anode_min_eV"),
    (["li0", "sweep", "fig3", "--anode-min", "0.3 eV", "--anode-max", "0.1 eV"], "must not exceed"),
    (["segregation", "model", "--surface-energy", "1e308 J/m^2", "--work-of-adhesion", "0.6 J/m^2", "--surface-density", "8.5 1/nm^2"],
     "sigma_m"),
    (["segregation", "model", "--surface-energy", "0.4 J/m^2", "--work-of-adhesion", "1e300 J/m^2", "--surface-density", "8.5 1/nm^2"],
     "W_ad"),
    (["segregation", "study", "li-bcc", "licl", "--max-strain", "nan", "--calculator", "emt"], "max_strain"),
    (["segregation", "study", "li-bcc", "licl", "--max-strain", "5", "--calculator", "emt"], "max_strain"),
    (["segregation", "study", "li-bcc", "licl", "--min-image", "1e308", "--calculator", "emt"], "min_image"),
])
def test_out_of_range_numbers_are_one_line(argv, fragment, tmp_path, monkeypatch, capfd):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "x"
    code, stdout, stderr = run_cli([*argv, "--out", str(out)] if argv[1] != "model" else argv, capfd)
    assert_one_line_refusal(code, stdout, stderr, fragment)
    assert not out.exists()  # refused before the run directory exists


def test_li_penalty_stress_and_temperature_are_bounded(tmp_path, bulk_law, capfd):
    for flag, value, fragment in (("--stress", "1e308", "stress_Pa"), ("--temperature", "1e308", "temperature_K"),
                                  ("--temperature", "0.5 K", "outside float64's range")):
        code, stdout, stderr = run_cli(["ion-exchange", "li-penalty", "--exchanged", str(bulk_law), "--bulk", str(bulk_law),
                                         flag, value, "--out", str(tmp_path / "x")], capfd)
        assert_one_line_refusal(code, stdout, stderr, fragment)


def test_the_library_refuses_the_same_numbers(bulk_law):
    with pytest.raises(InputError, match="thickness_m: must be at most 1 m"):
        design_ion_exchange(ion="Na", surface_concentration=0.05, thickness_m=1e308)
    with pytest.raises(InputError, match="stress_Pa"):
        li_diffusivity_penalty(bulk_law, bulk_law, stress_Pa=1e308)
    law = load_li_law(bulk_law)
    with pytest.raises(InputError, match="outside float64's range"):
        li_penalty(law, law, temperature=1e-300)
    with pytest.raises(InputError, match="activation_energy_eV"):
        LiDiffusionLaw(prefactor=1e-7, activation_volume=5e-6, activation_energy_eV=-50.0)
    separator, _ = load_separator("fig3")
    with pytest.raises(InputError, match="layer 1 A"):
        Separator(**{**{f.name: getattr(separator, f.name) for f in fields(Separator)},
                     "layers": (type(separator.layers[0])(fraction=1.0, sigma_ion=0.1, A=1e300, B=-0.7),)})
    with pytest.raises(InputError, match="W_ad"):
        predict(0.4, math.inf, 8.5e18)
    with pytest.raises(InputError, match="max_strain"):
        SegregationStudy(max_strain=5.0)
    with pytest.raises(InputError, match="fix_substrate_planes"):
        SegregationStudy(substrate_planes=3, fix_substrate_planes=3)
    with pytest.raises(InputError, match="band_eV"):
        Li0Sweep(band_eV=math.nan)


# ---------------------------------------------------------------- counts bounded before work


@pytest.mark.parametrize("argv", [
    ["ion-exchange", "map", "--ion", "Ag", "--cs-count", "100000000"],
    ["ion-exchange", "map", "--ion", "Ag", "--ratio-count", "100000000"],
    ["li0", "sweep", "fig3", "--anode-count", "100000000"],
    ["li0", "sweep", "fig3", "--b-count", "100000000"],
])
def test_huge_grids_are_refused_with_the_estimate(argv, tmp_path, capfd):
    code, stdout, stderr = run_cli([*argv, "--out", str(tmp_path / "x")], capfd)
    assert_one_line_refusal(code, stdout, stderr, "SSELAB_LIMIT_GRID_POINTS")
    assert not (tmp_path / "x").exists()


def test_grid_limits_in_the_library():
    with pytest.raises(InputError, match="limit"):
        IonExchangeMap(ion="Ag", cs_count=10**8).grid()
    with pytest.raises(InputError, match="limit"):
        Li0Sweep(anode_count=10**8)
    with pytest.raises(InputError, match="whole number"):
        Li0Sweep(b_count=2.5)


# ---------------------------------------------------------------- Dask: scheduler, workers, Ctrl-C


@pytest.mark.parametrize("options, fragment", [
    (["--scheduler", "not a url"], "expected [protocol://]host:port"),
    (["--scheduler", "http://host:8786"], "unknown protocol"),
    (["--workers", "0"], "number of workers"),
    (["--workers", "-1"], "number of workers"),
    (["--workers", "100000"], "number of workers"),
])
@pytest.mark.parametrize("command", [["ion-exchange", "map", "--ion", "Ag", "--cs-count", "1", "--ratio-count", "1"],
                                     ["li0", "sweep", "fig3", "--anode-count", "1", "--b-count", "1"]])
def test_bad_cluster_settings_are_one_line(command, options, fragment, tmp_path, capfd):
    code, stdout, stderr = run_cli([*command, *options, "--out", str(tmp_path / "x")], capfd)
    assert_one_line_refusal(code, stdout, stderr, fragment)
    assert not (tmp_path / "x").exists()


def test_check_cluster_accepts_a_well_formed_address():
    check_cluster("tcp://10.0.0.5:8786", None)
    check_cluster(None, 1)
    with pytest.raises(InputError, match="number of workers"):
        check_cluster(None, True)


def test_ctrl_c_during_a_map_exits_130_without_dask_tracebacks(tmp_path, capfd, monkeypatch):
    """Ctrl-C arrives while the client waits for results (here: when the first row comes back)."""
    from rich.progress import Progress

    def interrupt(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Progress, "advance", interrupt)
    code, stdout, stderr = run_cli(["ion-exchange", "map", "--ion", "Ag", "--cs-count", "2", "--ratio-count", "1",
                                     "--workers", "1", "--out", str(tmp_path / "map"), "--json"], capfd)
    assert code == 130
    assert stdout == ""
    assert "Traceback" not in stderr and "distributed" not in stderr
    assert stderr.strip().splitlines() == [stderr.strip()] and "interrupted" in stderr


# ---------------------------------------------------------------- parameter files: encoding, TOML types, syntax


@pytest.mark.parametrize("content, fragment", [
    (b"\x00\x01\x02", "binary"),
    (b"", "is empty"),
    ("prefactor = 1e-7 # caf\xe9\n".encode("latin-1"), "not UTF-8"),
    (b"prefactor = = 1\n", "not valid TOML"),
    (b'prefactor = [1, 2]\nactivation_volume = 5e-6\nactivation_energy_eV = 0.29\n', "prefactor"),
    (b'prefactor = {a = 1}\nactivation_volume = 5e-6\nactivation_energy_eV = 0.29\n', "prefactor"),
    (b'prefactor = true\nactivation_volume = 5e-6\nactivation_energy_eV = 0.29\n', "prefactor"),
    (b'prefactor = 1e-7\nactivation_volume = 5e-6\nactivation_energy_eV = 0.29\nsource = 3\n', "source: must be a string"),
])
def test_bad_parameter_files_are_one_line(content, fragment, tmp_path, bulk_law, capfd):
    law = tmp_path / "law.toml"
    law.write_bytes(content)
    with pytest.raises(InputError, match=fragment):
        load_li_law(law)
    code, stdout, stderr = run_cli(["ion-exchange", "li-penalty", "--exchanged", str(law), "--bulk", str(bulk_law),
                                     "--out", str(tmp_path / "x")], capfd)
    assert_one_line_refusal(code, stdout, stderr, fragment)


def test_a_flag_of_the_wrong_type_is_refused_naming_the_key(tmp_path):
    ion = tmp_path / "ion.toml"
    ion.write_text('name = "X"\nchemical_expansion_coefficient = 0.1\ncontinuum_use = "yes"\n')
    with pytest.raises(InputError, match="continuum_use: must be true or false"):
        load_ion(ion)


@pytest.mark.parametrize("text, fragment", [
    ("temperature_K,stress_Pa\n900,0\n", "expected a CSV with columns"),
    ("temperature_K,stress_Pa,D_m2_per_s,extra\n900,0,1e-10,1\n", "expected a CSV with columns"),
    ("temperature_K,stress_Pa,D_m2_per_s\n900,0,nan\n", "line 2, D_m2_per_s"),
    ("temperature_K,stress_Pa,D_m2_per_s\n900,0,1e-10,7\n", "more cells"),
    ("temperature_K,stress_Pa,D_m2_per_s\n", "no rows"),
])
def test_bad_md_csv_is_one_line(text, fragment, tmp_path):
    data = tmp_path / "md.csv"
    data.write_text(text)
    with pytest.raises(InputError, match=fragment):
        MDDiffusivities.from_csv(data)
    data.write_bytes("temperature_K,stress_Pa,D_m2_per_s\n900,0,1e-10 # \xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        MDDiffusivities.from_csv(data)


# ---------------------------------------------------------------- hand-off files: any name round-trips, or is refused

HOSTILE_NAMES = ['Na "quoted"', "two\nlines", 'x"\nname = "injected', "tab\tand \\ backslash", "ctrl \x01\x1f", "'''", "#comment"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hand_off_files_round_trip_hostile_names(name, tmp_path, llzo, sodium):
    ion = load_ion(write_ion(tmp_path / "ion.toml", sodium.__class__(**{**sodium.__dict__, "name": name, "source": name}),
                             header=f"fitted by {name}"))
    assert ion.name == name and ion.source == name
    host = load_host(write_host(tmp_path / "host.toml", llzo.__class__(**{**llzo.__dict__, "name": name}), header=name))
    assert host.name == name
    path = write_li_law(tmp_path / "li.toml", LiDiffusionLaw(1e-7, 5e-6, 0.29), source=name, header=name)
    assert load_li_law(path).prefactor == 1e-7
    import tomllib

    assert tomllib.loads(path.read_text(encoding="utf-8"))["source"] == name
    interface = write_interface(tmp_path / "interface.toml", surface_energy_J_per_m2=0.46, work_of_adhesion_J_per_m2=0.6,
                                surface_density_per_m2=8.5e18, metal=name, substrate=name, calculator=name)
    assert load_interface(interface)["surface_energy"] == 0.46
    assert set(tomllib.loads(interface.read_text(encoding="utf-8"))) == {"metal", "substrate", "calculator", "surface_energy",
                                                                        "work_of_adhesion", "surface_density"}
    separator, _ = load_separator("fig3")
    assert load_separator(write_separator(tmp_path / "sep.toml", separator, name=name, source=name))[1]["name"] == name


def test_hand_off_writers_refuse_what_cannot_be_read_back(tmp_path):
    import numpy as np

    with pytest.raises(InputError, match="not a finite number"):
        write_table(tmp_path / "a.toml", {"gamma": math.nan})
    with pytest.raises(InputError, match="not a finite number"):
        write_interface(tmp_path / "b.toml", surface_energy_J_per_m2=math.inf, work_of_adhesion_J_per_m2=0.6,
                        surface_density_per_m2=8.5e18)
    assert not (tmp_path / "a.toml").exists() and not (tmp_path / "b.toml").exists()
    # NumPy scalars are written as plain numbers, which read back
    write_interface(tmp_path / "c.toml", surface_energy_J_per_m2=np.float64(0.46), work_of_adhesion_J_per_m2=np.float64(0.6),
                    surface_density_per_m2=np.float64(8.5e18))
    assert load_interface(tmp_path / "c.toml")["work_of_adhesion"] == 0.6


# ---------------------------------------------------------------- segregation table: run.json schema


def study_summary():
    """A well-formed study summary (values of the right JSON types), as a study's run.json holds it."""
    return {
        "metal": "ag-fcc", "substrate": "cu-fcc", "metal_miller": [1, 0, 0], "substrate_miller": [1, 0, 0],
        "in_plane_strain": [0.1, 0.1], "lateral_repeats": [1, 1], "registry": "hollow", "substrate_termination": None,
        "n_atoms_interface": 40, "surface_energy_J_per_m2": 0.6, "surface_energy_eV_per_atom": 0.4,
        "surface_energy_unstrained_J_per_m2": 0.6, "surface_density_per_nm2": 12.0, "work_of_adhesion_J_per_m2": 1.5,
        "work_of_adhesion_eV_per_atom": 0.8, "sigma_minus_half_w_eV_per_atom": 0.0, "delta_e_bulk_int_model_eV": 0.0,
        "delta_e_bulk_int_eV": -0.1, "delta_e_bulk_int_unrelaxed_eV": -0.1, "delta_e_bulk_free_eV": 0.3,
        "delta_e_bulk_free_model_eV": 0.3, "interface_sites": [], "weakest_site": "0", "weakest_site_delta_e_bulk_int_eV": -0.1,
        "contact_angle_deg": 0.0, "segregation_suppressed": True, "computed_segregation_suppressed": True,
        "vacancy_energies_interface_eV": {"fully-relaxed": {"1": 0.5, "2": 0.6}}, "vacancy_energies_free_eV": {"1": 0.3},
        "unconverged_relaxations": 0, "warnings": [], "calculator": "emt", "engine": {"model": "EMT"},
    }


def write_study(folder, summary):
    folder.mkdir()
    (folder / "run.json").write_text(json.dumps({"command": "segregation-study", "summary": summary}))
    return folder


def test_the_summary_fixture_covers_every_field():
    assert set(study_summary()) == {f.name for f in fields(SegregationResult) if f.metadata.get("summary", True)}


@pytest.mark.parametrize("change, fragment", [
    ({"surface_energy_J_per_m2": "0.6"}, "surface_energy_J_per_m2"),
    ({"work_of_adhesion_J_per_m2": None}, "work_of_adhesion_J_per_m2"),
    ({"vacancy_energies_free_eV": {"top": 0.3}}, "vacancy_energies_free_eV"),
    ({"vacancy_energies_interface_eV": [1, 2]}, "vacancy_energies_interface_eV"),
    ({"segregation_suppressed": "yes"}, "segregation_suppressed"),
    ({"metal_miller": None}, "metal_miller"),
])
def test_a_malformed_study_record_is_one_line_naming_the_run(change, fragment, tmp_path, capfd):
    assert read_study(write_study(tmp_path / "good", study_summary())).metal == "ag-fcc"
    bad = write_study(tmp_path / "bad", {**study_summary(), **change})
    with pytest.raises(InputError, match=fragment):
        read_study(bad)
    code, stdout, stderr = run_cli(["segregation", "table", str(tmp_path / "good"), str(bad), "--out", str(tmp_path / "t")], capfd)
    assert_one_line_refusal(code, stdout, stderr, fragment)
    assert str(bad) in stderr


def test_a_study_record_lacking_keys_names_them(tmp_path):
    summary = study_summary()
    del summary["engine"], summary["registry"]
    with pytest.raises(InputError, match="lacks registry, engine"):
        read_study(write_study(tmp_path / "old", summary))


# ---------------------------------------------------------------- --overwrite on every command that writes a run


def test_a_reused_out_needs_overwrite(tmp_path, bulk_law, capfd):
    entries = tmp_path / "entries.json"
    entries.write_text(json.dumps(ENTRIES))
    study = write_study(tmp_path / "study", study_summary())
    commands = [
        ["ion-exchange", "li-penalty", "--exchanged", str(bulk_law), "--bulk", str(bulk_law)],
        ["li0", "solve", "fig3"],
        ["segregation", "table", str(study)],
        ["stability", "hull", "--entries", str(entries)],
        ["stability", "reactivity", "--entries", str(entries), "--cathode", "Li2O", "--coating", "Li"],
    ]
    for number, command in enumerate(commands):
        out = str(tmp_path / f"run{number}")
        assert run_cli([*command, "--out", out, "--json"], capfd)[0] == 0
        code, stdout, stderr = run_cli([*command, "--out", out, "--json"], capfd)
        assert_one_line_refusal(code, stdout, stderr, "--overwrite")
        code, stdout, _ = run_cli([*command, "--out", out, "--json", "--overwrite"], capfd)
        assert code == 0 and json.loads(stdout)["run_directory"] == out


def test_an_existing_entries_output_needs_overwrite(tmp_path, capfd):
    output = tmp_path / "mp.json"
    output.write_text("[]")
    code, stdout, stderr = run_cli(["stability", "materials-project", "Li-O", "--output", str(output)], capfd)
    assert_one_line_refusal(code, stdout, stderr, "already exists")
    assert output.read_text() == "[]"
    with pytest.raises(InputError, match="already exists"):
        write_entries(output, ENTRIES)
    write_entries(output, ENTRIES, overwrite=True)
    assert load_entry_records(output) == ENTRIES


# ---------------------------------------------------------------- stability entries: schema


@pytest.mark.parametrize("record, fragment", [
    ({"composition": "Xx", "energy_eV": -1.0}, "unknown element"),
    ({"composition": "Li", "energy_eV": True}, "must be a number"),
    ({"composition": "Li", "energy_eV": "-1.9"}, "must be a number"),
    ({"composition": "Li1e400", "energy_eV": -1.0}, "atoms"),
    ({"composition": "Li", "energy_eV": 1e308}, "per atom"),
    ({"composition": "Li", "energy_eV": -1.0, "name": [1]}, "name"),
    ({"composition": "Li", "energy_eV": -1.0, "energy": 3}, "unknown key"),
    ({"composition": "Li"}, "missing energy_eV"),
    ([1, 2], "expected {composition, energy_eV}"),
])
def test_malformed_entries_are_one_line(record, fragment, tmp_path, capfd):
    path = tmp_path / "entries.json"
    path.write_text(json.dumps([record, *ENTRIES]))
    with pytest.raises(InputError, match=fragment):
        load_entry_records(path)
    with pytest.raises(InputError, match=fragment):
        energy_above_hull([record, *ENTRIES])
    code, stdout, stderr = run_cli(["stability", "hull", "--entries", str(path), "--out", str(tmp_path / "x")], capfd)
    assert_one_line_refusal(code, stdout, stderr, fragment)
    assert "entry 0" in stderr


@pytest.mark.parametrize("content, fragment", [("[]", "non-empty"), ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
                                               ('{"composition": "Li"}', "non-empty JSON list")])
def test_entries_files_of_the_wrong_shape(content, fragment, tmp_path):
    path = tmp_path / "entries.json"
    path.write_text(content)
    with pytest.raises(InputError, match=fragment):
        load_entry_records(path)


def test_a_target_of_unknown_elements_or_absurd_energy_is_refused():
    with pytest.raises(InputError, match="unknown element"):
        energy_above_hull(ENTRIES, {"Qq2": -1.0})
    with pytest.raises(InputError, match="per atom"):
        energy_above_hull(ENTRIES, {"Li2O": 1e308})


def test_every_continuum_command_writing_a_run_directory_takes_overwrite():
    import typer

    from sselab.cli import ion_exchange, li0, segregation, stability

    for module in (ion_exchange, li0, segregation, stability):
        for command in typer.main.get_command(module.app).commands.values():
            if command.name != "model":  # `segregation model` prints and writes nothing
                assert "overwrite" in {p.name for p in command.params}, command.name

