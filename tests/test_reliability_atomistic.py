"""Hostile input to the atomistic builders, properties and their studies: one line and exit 2, never a traceback,
never a silently accepted meaningless value, never unbounded work (issue 13). EMT and tiny cells only."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import typer
from ase.build import bulk
from ase.calculators.calculator import Calculator, all_changes
from ase.io import write

from sselab.atomistic.build.checks import MIN_SEPARATION_A, check_structure
from sselab.atomistic.build.slabs import build_slab
from sselab.atomistic.build.structures import as_atoms, library_names, load_structure
from sselab.atomistic.engine import Engine
from sselab.atomistic.engine.calculators import wrap_calculator
from sselab.atomistic.properties.neb import hop_sites, vacancy_hop
from sselab.atomistic.properties.surface import calculate_surface_energy, surface_energy
from sselab.errors import ConvergenceError, InputError
from sselab.studies.configurations import ConfigurationSearch
from sselab.studies.exchange_sites import ExchangeSiteResult, ExchangeSiteStudy
from sselab.studies.expansion import ChemicalExpansionStudy
from sselab.studies.formation import FormationEnergyScreen
from sselab.studies.interface_search import InterfaceHopStudy, RegistrySearch
from tests.conftest import run_cli

INF = float("inf")


def refused(argv, capsys, *needles):
    """Run ``sselab argv``: exit 2, one line on stderr holding every needle, no traceback."""
    code, out, err = run_cli(argv, capsys)
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err
    return err


def copper():
    return bulk("Cu", "fcc", a=3.6, cubic=True)


def _write(path, atoms):
    write(path, atoms)
    return path


def _bad_structure_files(tmp_path):
    """name → (path, what the refusal must say)."""
    overlapping = copper()
    overlapping.positions[1] = overlapping.positions[0] + [0.2, 0.0, 0.0]
    nan_position = copper()
    nan_position.positions[2, 1] = np.nan
    flat = copper()
    flat.cell[2] = flat.cell[0] + flat.cell[1]
    molecule = copper()
    molecule.pbc = False
    files = {
        "empty": (tmp_path / "empty.cif", "Empty file"),
        "binary": (tmp_path / "binary.cif", "binary"),
        "not utf-8": (tmp_path / "latin.cif", "not UTF-8"),
        "unparseable": (tmp_path / "garbage.cif", "cannot read"),
        "no atoms": (tmp_path / "no_atoms.cif", "no structure"),
        "unknown format": (tmp_path / "cell.abc", "cannot tell its format"),
        "NaN position": (_write(tmp_path / "nan.extxyz", nan_position), "not a finite number"),
        "degenerate cell": (_write(tmp_path / "flat.extxyz", flat), "degenerate cell"),
        "overlapping atoms": (_write(tmp_path / "overlap.cif", overlapping), f"closer than {MIN_SEPARATION_A}"),
        "not periodic": (_write(tmp_path / "molecule.xyz", molecule), "periodic"),
        "missing": (tmp_path / "missing.cif", "neither a library name"),
    }
    (tmp_path / "empty.cif").write_bytes(b"")
    (tmp_path / "binary.cif").write_bytes(b"data_x\n\x00\x01\x02")
    (tmp_path / "latin.cif").write_bytes("data_x\n_cell_length_a 3.6\u00e9\n".encode("latin-1"))
    (tmp_path / "garbage.cif").write_text("data_x\nthis is not a cif\n")
    (tmp_path / "no_atoms.cif").write_text("data_x\n_cell_length_a 3\n_cell_length_b 3\n_cell_length_c 3\n"
                                           "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n")
    (tmp_path / "cell.abc").write_text("Cu 0 0 0\n")
    return files


def test_every_bad_structure_file_is_one_line_from_the_library_and_the_cli(tmp_path, capsys):
    for name, (path, message) in _bad_structure_files(tmp_path).items():
        with pytest.raises(InputError, match=message):
            load_structure(path)
        refused(["surface-energy", str(path), "--miller", "1", "0", "0", "--calculator", "emt", "--db", str(tmp_path / "c.db"),
                 "--out", str(tmp_path / f"run-{name.replace(' ', '-')}")], capsys, message)


def test_nan_in_a_cif_cell_is_refused(tmp_path):
    path = tmp_path / "nan_cell.cif"
    path.write_text("data_x\n_cell_length_a nan\n_cell_length_b 3\n_cell_length_c 3\n_cell_angle_alpha 90\n_cell_angle_beta 90\n"
                    "_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
                    "Cu 0 0 0\n")
    with pytest.raises(InputError, match="cell that is not finite"):
        load_structure(path)


def test_atoms_given_in_python_pass_the_same_checks():
    overlapping = copper()
    overlapping.positions[3] = overlapping.positions[2]
    with pytest.raises(InputError, match="apart"):
        as_atoms(overlapping)
    tiny = bulk("Cu", "fcc", a=3.6)
    tiny.set_cell(tiny.cell * 0.1, scale_atoms=True)  # an atom 0.25 A from its own periodic image
    with pytest.raises(InputError, match="own periodic image"):
        as_atoms(tiny)


def test_a_cell_over_the_atoms_limit_is_refused_before_any_work(tmp_path, monkeypatch):
    path = _write(tmp_path / "cu.cif", copper())
    monkeypatch.setenv("SSELAB_LIMIT_ATOMS", "3")
    with pytest.raises(InputError, match="SSELAB_LIMIT_ATOMS"):
        load_structure(path)


def test_the_packaged_library_passes_the_structure_checks():
    for name in library_names():
        check_structure(load_structure(name), name)


@pytest.fixture
def emt_db(tmp_path):
    return ["--calculator", "emt", "--db", str(tmp_path / "cache.db")]


@pytest.mark.parametrize("options, message", [
    (["--planes", "5"], "two different slab thicknesses"),
    (["--planes", "0,5"], "--planes"),
    (["--planes", "5,99999999999"], "SSELAB_LIMIT_ATOMS"),
    (["--strain", "5"], "strain"),
    (["--strain", "nan"], "finite"),
    (["--miller", "0", "0", "0"], "not a plane"),
    (["--miller", "97", "89", "83"], "--miller"),
    (["--termination", "-1"], "--termination"),
    (["--termination", "99"], "out of range"),
    (["--fmax", "inf"], "fmax"),
])
def test_surface_energy_bounds(tmp_path, capsys, emt_db, options, message):
    argv = ["surface-energy", "cu-fcc", "--miller", "1", "0", "0", *options, *emt_db, "--out", str(tmp_path / "run")]
    refused(argv, capsys, message)


@pytest.mark.parametrize("command, options, message", [
    ("neb", ["--neb-fmax", "inf"], "--neb-fmax"),
    ("neb", ["--images", "0"], "--images"),
    ("neb", ["--images", "100000"], "--images"),
    ("neb", ["--from-layer", "99"], "--from-layer"),
    ("neb", ["--min-image", "1e308"], "--min-image"),
    ("neb", ["--metal-planes", "100000000"], "SSELAB_LIMIT_ATOMS"),
    ("adhesion", ["--max-strain", "5"], "--max-strain"),
    ("adhesion", ["--registry", "bridge"], "--registry"),
    ("adhesion", ["--fix-substrate-planes", "9"], "--fix-substrate-planes"),
    ("adhesion", ["--substrate-planes", "100000000"], "SSELAB_LIMIT_ATOMS"),
    ("adhesion", ["--substrate-termination", "O"], "--substrate-termination"),
    ("adhesion", ["--max-area", "-3"], "--max-area"),
    ("adhesion", ["--max-area", "1e308"], "SSELAB_LIMIT_INTERFACE_AREA_A2"),
    ("adhesion", ["--substrate-cut", "7"], "--substrate-cut"),
    ("vacancy-profile", ["--substrate", "ag-fcc", "--max-area", "nan"], "--max-area"),
    ("vacancy-profile", ["--substrate", "ag-fcc", "--substrate-cut", "-1"], "--substrate-cut"),
    ("vacancy-profile", ["--layers", "1,99"], "--layers"),
    ("vacancy-profile", ["--metal-planes", "2"], "--metal-planes"),
])
def test_slab_and_interface_bounds_refuse_before_any_relaxation(tmp_path, capsys, emt_db, command, options, message):
    structures = ["ag-fcc", "cu-fcc"] if command == "adhesion" else ["cu-fcc"]
    refused([command, *structures, *options, *emt_db, "--out", str(tmp_path / "run")], capsys, message)


@pytest.mark.parametrize("options, message", [
    (["--max-area", "1e308"], "--max-area"),
    (["--film-layers", "1000000"], "SSELAB_LIMIT_ATOMS"),
    (["--substrate-layers", "0"], "--substrate-layers"),
    (["--max-length-tol", "nan"], "finite"),
    (["--max-angle-tol", "2"], "--max-angle-tol"),
    (["--max-shear", "-1"], "--max-shear"),
    (["--gap", "0"], "--gap"),
    (["--vacuum", "1e308"], "--vacuum"),
    (["--termination", "-2"], "--termination"),
    (["--film-miller", "0", "0", "0"], "not a plane"),
])
def test_interface_build_bounds(tmp_path, capsys, options, message):
    argv = ["interface", "build", "ni-fcc", "cu-fcc", "--substrate-miller", "1", "0", "0", "--film-miller", "1", "0", "0", *options,
            "--out", str(tmp_path / "run")]
    refused(argv, capsys, message)


def test_registry_search_grid_is_bounded_before_the_interface_is_built(tmp_path, capsys, emt_db):
    argv = ["interface", "search", "ni-fcc", "cu-fcc", "--substrate-miller", "1", "0", "0", "--film-miller", "1", "0", "0",
            "--lateral-step", "0.001", *emt_db, "--out", str(tmp_path / "run")]
    refused(argv, capsys, "SSELAB_LIMIT_STRUCTURES")


@pytest.mark.parametrize("options, message", [
    (["--octahedral", "1000000"], "--octahedral"),
    (["--candidates", "0"], "--candidates"),
    (["--seed", "-1"], "--seed"),
    (["--fmax", "inf"], "fmax"),
])
def test_site_scan_bounds(tmp_path, capsys, emt_db, options, message):
    refused(["defects", "sites", "--ion", "Na", *options, *emt_db, "--out", str(tmp_path / "run")], capsys, message)


@pytest.mark.parametrize("options, message", [
    (["--supercell", "1000", "1000", "1000"], "SSELAB_LIMIT_ATOMS"),
    (["--samples", "1000000000"], "SSELAB_LIMIT_STRUCTURES"),
    (["--remove", "F:4", "--remove", "Li:4"], "removes every F"),
    (["--charges", "Li=nan"], "finite"),
    (["--replace", "F:Xx:1"], "not an element"),
])
def test_configuration_bounds(tmp_path, capsys, emt_db, options, message):
    refused(["defects", "configurations", "lif", *options, *emt_db, "--out", str(tmp_path / "run")], capsys, message)


@pytest.mark.parametrize("temperature, message", [("1e308 K", "temperature"), ("0 K", "temperature"), ("-5 K", "temperature")])
def test_formation_temperature_bounds(tmp_path, capsys, temperature, message):
    energies = tmp_path / "energies.json"
    energies.write_text(json.dumps({"host_energy_eV": -1.0, "exchanged_energy_eV": -1.0, "n_exchanged": 1,
                                    "precursors": {"Na2O": -1.0, "Li2O": -1.0}}))
    refused(["defects", "formation-energy", "--ion", "Na", "--energies", str(energies), "--temperature", temperature,
             "--out", str(tmp_path / "run")], capsys, message)


@pytest.mark.parametrize("make", [
    lambda: RegistrySearch(fmax=INF),
    lambda: InterfaceHopStudy(neb_fmax=INF),
    lambda: InterfaceHopStudy(fmax=math.nan),
    lambda: ExchangeSiteStudy(fmax=INF),
    lambda: ConfigurationSearch(fmax=INF),
    lambda: ChemicalExpansionStudy(fmax=INF),
    lambda: FormationEnergyScreen(ion="Na", temperature_K=1200.0, fmax=INF),
    lambda: calculate_surface_energy("cu-fcc", (1, 0, 0), planes=(3, 4), fmax=INF, calculator="emt"),
])
def test_an_infinite_force_tolerance_is_refused_by_every_study(make):
    """fmax = inf would stop every relaxation at step 0 and call the unrelaxed structure converged."""
    with pytest.raises(InputError, match="fmax"):
        make()


def test_an_infinite_band_tolerance_is_refused_before_the_band():
    host = build_slab(copper(), (1, 0, 0), 3)
    with pytest.raises(InputError, match="--neb-fmax"):
        vacancy_hop("emt", host, 0, 1, fmax=INF)


class NotANumber(Calculator):
    """A calculator that returns NaN energies (a diverged model, a broken potential file)."""

    implemented_properties = ("energy", "forces")

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        self.results = {"energy": math.nan, "forces": np.zeros((len(self.atoms), 3))}


def test_nan_energies_from_a_calculator_are_a_convergence_error_not_a_number():
    engine = Engine(wrap_calculator(NotANumber()), max_steps=3)
    with pytest.raises(ConvergenceError, match="non-finite energy"):
        surface_energy(engine, copper(), (1, 0, 0), (3, 4), relax=False)


def test_a_hop_within_one_plane_goes_to_another_atom_of_it():
    host = build_slab(copper(), (1, 0, 0), 3).repeat((2, 2, 1))
    start, target = hop_sites(host, 1, 1)
    assert start != target and host.get_distance(start, target, mic=True) == pytest.approx(3.6 / math.sqrt(2), abs=1e-6)


def _search_run(tmp_path, name, summary):
    directory = tmp_path / name
    directory.mkdir()
    (directory / "run.json").write_text(json.dumps({"command": "interface search", "summary": summary}))
    write(directory / "best_interface.extxyz", copper())
    return directory


def test_interface_neb_refuses_a_malformed_search_run_naming_the_field(tmp_path, capsys, emt_db):
    directory = _search_run(tmp_path, "text", {"film_indices": "0,1"})
    refused(["interface", "neb", str(directory), *emt_db, "--out", str(tmp_path / "neb")], capsys, "film_indices", str(directory))
    beyond = _search_run(tmp_path, "beyond", {"film_indices": [0, 99]})
    refused(["interface", "neb", str(beyond), *emt_db, "--out", str(tmp_path / "neb2")], capsys, "film_indices", "4-atom")


def _sites_run(tmp_path, ions):
    directory = tmp_path / "sites"
    directory.mkdir()
    summary = {"calculator": {"model": "EMT"}, "host_energy_eV": -1.0, "li_sites_in_host": 56, "ions": ions}
    (directory / "run.json").write_text(json.dumps({"command": "defects sites", "summary": summary}))
    return directory


@pytest.mark.parametrize("ions, message", [
    (["Na"], "'ions' must be a table"),
    ({"../../evil": {}}, "not an exchange ion"),
    ({"Na": {"element": "Na", "sites": [{"name": "O1"}], "concentration_steps": [{"count": 1}]}}, "missing 'index'"),
    ({"Na": {"element": "Na", "sites": [], "concentration_steps": []}}, "no configurations"),
])
def test_a_malformed_sites_run_is_one_line_for_the_library_and_expansion(tmp_path, capsys, emt_db, ions, message):
    directory = _sites_run(tmp_path, ions)
    with pytest.raises(InputError, match=message):
        ExchangeSiteResult.from_directory(directory)
    refused(["expansion", str(directory), *emt_db, "--out", str(tmp_path / "gamma")], capsys, message, str(directory))


def test_a_finished_run_is_not_replaced_without_overwrite(tmp_path, capsys):
    energies = tmp_path / "energies.json"
    energies.write_text(json.dumps({"host_energy_eV": -1000.0, "exchanged_energy_eV": -999.0, "n_exchanged": 1,
                                    "precursors": {"Na2O": -10.0, "Li2O": -11.0}}))
    argv = ["defects", "formation-energy", "--ion", "Na", "--energies", str(energies), "--temperature", "1200 K",
            "--out", str(tmp_path / "run"), "--json"]
    assert run_cli(argv, capsys)[0] == 0
    refused(argv, capsys, "--overwrite")
    code, out, _ = run_cli([*argv, "--overwrite"], capsys)
    assert code == 0 and json.loads(out)["ion"] == "Na"


def test_every_command_writing_a_run_directory_takes_overwrite():
    from sselab.cli import atomistic, defects, expansion, interface

    for module in (atomistic, defects, expansion, interface):
        group = typer.main.get_command(module.app)
        commands = group.commands.values() if hasattr(group, "commands") else [group]
        for command in commands:
            assert "overwrite" in {p.name for p in command.params}, command.name


def test_sizes_beyond_float_range_are_refused_without_overflow(recwarn):
    """A 400-digit repeat once overflowed a float conversion (a traceback); a 1e300 Å grid range a float power."""
    from sselab.atomistic.build.checks import check_repeats
    from sselab.atomistic.properties.registry import ShiftGrid

    with pytest.raises(InputError, match="SSELAB_LIMIT_ATOMS"):
        check_repeats(4, (int("1" * 400), 2, 2), "--supercell")
    with pytest.raises(InputError, match="SSELAB_LIMIT_STRUCTURES"):
        ShiftGrid(lateral_max=1e300).points()
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
    assert len(ShiftGrid(lateral_step=0.25, lateral_max=3.0, vertical_step=0.25, vertical_max=0.75).points()) == 13 * 13 * 4
