"""Fitted potentials: the Born fitter, the ff:NAME calculator, the force-field TOML round trip, sampling, elastic
constants and the potential commands' refusals.

Synthetic teacher: a known rigid-ion Li2O model (partial charges, Buckingham + D/r^8, reference energies) evaluated by
LAMMPS; the fitter must give its parameters back from the data it made.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk
from ase.calculators.singlepoint import SinglePointCalculator
from ase.io import write
from conftest import LI2O_RIGID_TOML, run_cli

pytest.importorskip("lammps")

KNOWN_TOML = LI2O_RIGID_TOML


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    path = tmp_path_factory.mktemp("known") / "known.toml"
    path.write_text(KNOWN_TOML)
    return path


def li2o_cell() -> Atoms:
    return bulk("Li2O", "fluorite", a=4.61, cubic=True).repeat(2)


@pytest.fixture(scope="module")
def labelled(known):
    """Compressed, stretched and rattled Li2O cells labelled by the known model (energy, forces, stress)."""
    from sselab.atomistic.engine import Engine
    from sselab.atomistic.fitting.sampling import rattled_cells, strained_cells

    engine = Engine.create(f"ff:{known}")
    rng = np.random.default_rng(0)
    frames = strained_cells(li2o_cell(), (-0.08, -0.04, 0.02)) + rattled_cells(li2o_cell(), 16, 0.15, rng)
    out = []
    for frame in frames:
        result = engine.label(frame)
        result.info = dict(frame.info)
        out.append(result)
    return out


@pytest.fixture(scope="module")
def recovered(labelled, known):
    from sselab.atomistic.fitting.born import BornFitSettings, fit_born
    from sselab.atomistic.md.forcefields import load_forcefield

    model = load_forcefield(known)
    # start 10 % away from the truth
    initial = dataclasses.replace(model, pairs=tuple(dataclasses.replace(p, rho_A=1.1 * p.rho_A) for p in model.pairs))
    return fit_born(labelled, BornFitSettings(cutoff_A=9.0, short_range_cutoff_A=6.0, kspace="ewald 1e-7"), initial=initial)


def test_fitter_recovers_the_parameters_of_the_model_that_made_the_data(recovered):
    ff = recovered.forcefield
    assert recovered.charge_scale == pytest.approx(0.8, rel=1e-3)
    assert ff.species["Li"].charge == pytest.approx(0.8, rel=1e-3)
    # one composition fixes only the weighted sum of the reference energies (per Li2O: 2 E0(Li) + E0(O) = -6 eV)
    e0 = 2 * ff.species["Li"].reference_energy_eV + ff.species["O"].reference_energy_eV
    assert e0 == pytest.approx(-6.0, abs=5e-3)
    li_o = ff.pair("Li", "O")
    assert li_o.A_eV == pytest.approx(426.48, rel=1e-2)
    assert li_o.rho_A == pytest.approx(0.3, rel=1e-3)
    assert li_o.D_eVA8 == pytest.approx(40.0, rel=2e-2)
    assert li_o.C_eVA6 == pytest.approx(0.0, abs=0.5)
    # O-O never comes closer than ~2.6 A in the data, where A exp(-r/rho) is ~1e-3 eV: A and rho are not identifiable
    # there, but the pair energy over the distances the data holds must be the model's
    o_o = ff.pair("O", "O")
    truth = dataclasses.replace(o_o, A_eV=22764.0, rho_A=0.149, C_eVA6=27.879, D_eVA8=100.0)
    r_min = recovered.shortest_A["O-O"]
    for r in np.linspace(r_min, 6.0, 12):
        assert o_o.energy_eV(r) == pytest.approx(truth.energy_eV(r), abs=5e-4)
    assert recovered.errors["force_rmse_eV_per_A"] < 1e-3
    assert recovered.errors["energy_rmse_meV_per_atom"] < 0.1


def test_fitted_charges_are_neutral_for_every_formula_neutral_in_formal_charges(recovered):
    from sselab.atomistic.md.forcefields import formula_charge

    ff = recovered.forcefield
    assert formula_charge(ff, "Li2O") == pytest.approx(0.0, abs=1e-12)
    assert formula_charge(ff, "Li14O7") == pytest.approx(0.0, abs=1e-12)


def test_written_toml_reads_back_to_the_same_model_and_lammps_gives_the_fit_prediction(recovered, labelled, tmp_path):
    from sselab.atomistic.md.evaluate import ForceFieldCalculator
    from sselab.atomistic.md.forcefields import load_forcefield, write_forcefield

    path = write_forcefield(recovered.forcefield, tmp_path / "fit.toml", header="test\nsecond line")
    loaded = load_forcefield(path)
    assert loaded.parameters_sha256() == recovered.forcefield.parameters_sha256()
    calculator = ForceFieldCalculator(loaded)
    errors = []
    for frame in labelled[:6]:
        work = frame.copy()
        work.calc = calculator
        errors.append(work.get_potential_energy() / len(work) - frame.get_potential_energy() / len(frame))
    # LAMMPS evaluation of the written file reproduces the reference as closely as the fit's own linear model did
    assert np.sqrt(np.mean(np.square(errors))) * 1000 < 0.1


def _born_energy_numpy(atoms: Atoms, ff) -> float:
    """Independent evaluation: pymatgen's Ewald sum for the Coulomb part, a direct pair sum for the short range
    (each pair term shifted to zero at the short-range cutoff)."""
    from ase.neighborlist import neighbor_list
    from pymatgen.analysis.ewald import EwaldSummation
    from pymatgen.io.ase import AseAtomsAdaptor

    structure = AseAtomsAdaptor.get_structure(atoms)
    structure.add_oxidation_state_by_site([ff.species[s].charge for s in atoms.get_chemical_symbols()])
    coulomb = EwaldSummation(structure, acc_factor=12).total_energy
    i, j, d = neighbor_list("ijd", atoms, ff.short_range_cutoff_A)
    symbols = atoms.get_chemical_symbols()
    short = 0.0
    for a, b, r in zip(i, j, d):
        pair = ff.pair(symbols[a], symbols[b])
        if pair is not None:
            short += 0.5 * (pair.energy_eV(r) - pair.energy_eV(ff.short_range_cutoff_A))  # shifted to 0 at the cutoff
    return coulomb + short + sum(ff.species[s].reference_energy_eV for s in symbols)


def test_lammps_evaluation_equals_an_independent_numpy_evaluation(known):
    from sselab.atomistic.md.evaluate import ForceFieldCalculator
    from sselab.atomistic.md.forcefields import load_forcefield

    ff = load_forcefield(known)
    atoms = li2o_cell()
    atoms.rattle(0.1, seed=3)
    atoms.set_cell(atoms.cell @ np.array([[1.0, 0.02, 0.0], [0.0, 1.0, 0.01], [0.0, 0.0, 1.03]]), scale_atoms=True)
    atoms.calc = ForceFieldCalculator(ff)
    assert atoms.get_potential_energy() == pytest.approx(_born_energy_numpy(atoms, ff), abs=1e-4)


def test_ff_calculator_forces_and_stress_are_derivatives_of_its_energy(known):
    from ase.calculators.fd import calculate_numerical_stress

    from sselab import load_calculator

    atoms = li2o_cell()
    atoms.rattle(0.08, seed=5)
    atoms.set_cell(atoms.cell @ np.array([[1.0, 0.02, 0.0], [0.0, 1.0, 0.01], [0.01, 0.0, 1.0]]), scale_atoms=True)
    atoms.calc = load_calculator(f"ff:{known}").calculator
    forces = atoms.get_forces()

    def energy_at(index: int, axis: int, shift: float) -> float:
        moved = atoms.copy()
        moved.calc = atoms.calc
        moved.positions[index, axis] += shift
        return moved.get_potential_energy()

    # LAMMPS tabulates erfc in coul/long (~1e-6 eV noise in energies): a fourth-order stencil with h = 5e-3 A keeps
    # both the noise (~3e-4 eV/A) and the truncation error (~h^4) below the tolerance
    h = 5e-3
    for index in (0, 5, 40):
        for axis in range(3):
            e = [energy_at(index, axis, k * h) for k in (-2, -1, 1, 2)]
            numeric = -(e[0] - 8 * e[1] + 8 * e[2] - e[3]) / (12 * h)
            assert numeric == pytest.approx(forces[index, axis], abs=1e-3)
    stress = atoms.get_stress()
    # stresses here are ~0.15 eV/A^3 (24 GPa): agreement to 2e-4 eV/A^3 (0.03 GPa) is 0.1 % and far inside the 0.5 GPa gate
    assert np.abs(calculate_numerical_stress(atoms, eps=1e-4) - stress).max() < 2e-4


def test_ff_calculator_refuses_core_shell_sets_and_charged_cells(known):
    from sselab import InputError, load_calculator

    with pytest.raises(InputError, match="core-shell"):
        load_calculator("ff:llzo_bush_coreshell")
    atoms = li2o_cell()
    del atoms[0]
    atoms.calc = load_calculator(f"ff:{known}").calculator
    with pytest.raises(InputError, match="net charge"):
        atoms.get_potential_energy()


def test_label_caches_the_stress(known, tmp_path):
    from sselab.atomistic.engine import Engine

    engine = Engine.create(f"ff:{known}", str(tmp_path / "cache.db"))
    first = engine.label(li2o_cell())
    again = Engine.create(f"ff:{known}", str(tmp_path / "cache.db")).label(li2o_cell())
    assert np.allclose(first.get_stress(), again.get_stress())
    assert first.get_stress()[:3] == pytest.approx(again.get_stress()[:3])


def test_sampled_cells_carry_the_requested_strains_and_exchanges():
    from sselab.atomistic.fitting.sampling import exchanged_cells, strained_cells

    cell = li2o_cell()
    frames = strained_cells(cell, (-0.02, 0.03), component=0.01)
    assert len(frames) == 2 + 12
    assert frames[0].get_volume() == pytest.approx(cell.get_volume() * 0.98**3)
    assert frames[1].get_volume() == pytest.approx(cell.get_volume() * 1.03**3)
    exchanged = exchanged_cells(cell, "Na", 3, 4, 0.0, np.random.default_rng(1))
    assert [a.get_chemical_symbols().count("Na") for a in exchanged] == [3, 3, 3, 3]
    assert all(a.info["config_type"] == "exchange-Na" for a in exchanged)


def test_split_holds_out_each_kind():
    from sselab.atomistic.fitting.dataset import split_holdout

    frames = []
    for kind, count in (("strain", 10), ("rattle", 20), ("md", 3)):
        for k in range(count):
            atoms = Atoms("H", cell=[3, 3, 3 + 0.01 * k], pbc=True)
            atoms.info["config_type"] = kind
            frames.append(atoms)
    training, held = split_holdout(frames, 0.2, seed=0)
    kinds = [a.info["config_type"] for a in held]
    assert kinds.count("strain") == 2 and kinds.count("rattle") == 4 and kinds.count("md") == 1
    assert len(training) + len(held) == len(frames)


def test_cubic_elastic_constants_match_energy_curvatures_and_a_rotated_compliance_tensor():
    from ase.calculators.emt import EMT
    from ase.filters import FrechetCellFilter
    from ase.optimize import BFGS

    from sselab.atomistic.properties.elastic import CubicElasticConstants, cubic_elastic_constants, strained_copy

    copper = bulk("Cu", "fcc", a=3.59, cubic=True)
    copper.calc = EMT()
    BFGS(FrechetCellFilter(copper), logfile=None).run(fmax=1e-6)

    def stress_of(cell: Atoms) -> np.ndarray:  # fcc with one atom type: no internal relaxation under these strains
        cell.calc = EMT()
        return cell.get_stress()

    constants = cubic_elastic_constants(copper, stress_of, 0.002)
    volume = copper.get_volume()

    def curvature(strain_of) -> float:
        """d²E/dh² (eV) of E(h) for the strain tensor strain_of(h), by a quadratic fit over |h| <= 0.004."""
        steps = np.linspace(-0.004, 0.004, 9)
        energies = []
        for h in steps:
            cell = copper.copy()
            cell.set_cell(np.asarray(copper.cell) @ (np.eye(3) + strain_of(h)).T, scale_atoms=True)
            cell.calc = EMT()
            energies.append(cell.get_potential_energy())
        return 2 * np.polyfit(steps, energies, 2)[0]

    to_gpa = 160.21766208 / volume
    # independent routes: E = V C11 h²/2 (uniaxial); E = V (C11 + C12) h² (biaxial xx = yy = h); E = V C44 γ²/2 (shear γ = h)
    c11 = curvature(lambda h: np.diag([h, 0, 0])) * to_gpa
    biaxial = curvature(lambda h: np.diag([h, h, 0])) * to_gpa / 2
    c44 = curvature(lambda h: np.array([[0, 0, 0], [0, 0, h / 2], [0, h / 2, 0]])) * to_gpa
    assert constants.C11_GPa == pytest.approx(c11, rel=1e-2)
    assert constants.C12_GPa == pytest.approx(biaxial - c11, rel=2e-2)
    assert constants.C44_GPa == pytest.approx(c44, rel=1e-2)
    assert strained_copy(copper, 3, 0.01).cell[1, 2] != 0

    # Young's modulus along n: 1/E = n_i n_j n_k n_l S_ijkl with the full compliance tensor of the cubic crystal
    s11, s12, s44 = constants.compliances()
    tensor = np.zeros((3, 3, 3, 3))
    for i in range(3):
        for j in range(3):
            tensor[i, i, j, j] = s11 if i == j else s12
            if i != j:
                tensor[i, j, i, j] = tensor[i, j, j, i] = s44 / 4
    for direction in ((1, 0, 0), (1, 1, 0), (1, 1, 1), (1, 2, 3)):
        n = np.asarray(direction, dtype=float) / np.linalg.norm(direction)
        assert constants.youngs_modulus_GPa(direction) == pytest.approx(1 / np.einsum("i,j,k,l,ijkl", n, n, n, n, tensor), rel=1e-10)
    with pytest.raises(__import__("sselab").InputError, match="not mechanically stable"):
        CubicElasticConstants(-50.0, -10.0, 10.0).E100_GPa


def test_full_elastic_tensor_of_a_rotated_cubic_crystal_gives_its_cubic_moduli_along_the_rotated_directions():
    """The full-tensor route (for non-cubic cells) on EMT copper turned by an arbitrary rotation R: its Young's modulus
    along R n is the cubic crystal's along n, its bulk modulus is (C11 + 2 C12)/3, and in the unrotated cell it has
    cubic symmetry and the cubic route's constants. Finite differences at h = 0.002 along different strain paths agree
    to O((h C'/C)^2) ~ 1e-4 relative (C' the third-order constants, about ten times C): the tolerances are 2e-3."""
    from ase.calculators.emt import EMT
    from ase.filters import FrechetCellFilter
    from ase.optimize import BFGS
    from scipy.spatial.transform import Rotation

    from sselab.atomistic.properties.elastic import ElasticConstants, cubic_elastic_constants, elastic_tensor

    copper = bulk("Cu", "fcc", a=3.59, cubic=True)
    copper.calc = EMT()
    BFGS(FrechetCellFilter(copper), logfile=None).run(fmax=1e-6)

    def stress_of(cell: Atoms) -> np.ndarray:  # one atom type in fcc: no internal relaxation
        cell.calc = EMT()
        return cell.get_stress()

    cubic = cubic_elastic_constants(copper, stress_of, 0.002)
    full = elastic_tensor(copper, stress_of, 0.002)
    c = full.voigt_GPa
    assert c[1, 1] == pytest.approx(c[0, 0], rel=1e-6) and c[5, 5] == pytest.approx(c[3, 3], rel=1e-6)
    assert abs(c[0, 3]) < 1e-6 * c[0, 0] and full.asymmetry_GPa < 1e-3 * c[0, 0]
    assert (full.C11_GPa, full.C12_GPa, full.C44_GPa) == pytest.approx((cubic.C11_GPa, cubic.C12_GPa, cubic.C44_GPa), rel=1e-6)
    assert full.bulk_modulus_vrh_GPa == pytest.approx((cubic.C11_GPa + 2 * cubic.C12_GPa) / 3, rel=1e-6)

    rotation = Rotation.from_euler("zyx", (20.0, 35.0, -50.0), degrees=True).as_matrix()
    turned = copper.copy()
    turned.set_cell(np.asarray(copper.cell) @ rotation.T, scale_atoms=True)
    rotated = elastic_tensor(turned, stress_of, 0.002)
    for direction in ((1, 0, 0), (1, 1, 0), (1, 1, 1), (1, 2, 3)):
        assert rotated.youngs_modulus_GPa(rotation @ np.asarray(direction, float)) == pytest.approx(
            cubic.youngs_modulus_GPa(direction), rel=2e-3)
    assert rotated.bulk_modulus_vrh_GPa == pytest.approx(full.bulk_modulus_vrh_GPa, rel=2e-3)
    unstable = ElasticConstants(np.diag([100.0, 100.0, 100.0, 30.0, -5.0, 30.0]), 0.0)
    assert unstable.lowest_eigenvalue_GPa == -5.0 and full.lowest_eigenvalue_GPa > 0
    with pytest.raises(__import__("sselab").InputError, match="not mechanically stable"):
        unstable.E100_GPa  # noqa: B018 - the property raises


# ------------------------------------------------------------------------------------------------
# the commands


def test_sample_fit_validate_chain_on_a_known_teacher(known, tmp_path, capsys):
    import json

    code, out, err = run_cli(["potential", "sample", "li2o", "--calculator", f"ff:{known}", "--db", str(tmp_path / "c.db"),
                              "--rattled", "10", "--out", str(tmp_path / "s"), "--json"], capsys)
    assert code == 0, err
    sample = json.loads(out)
    assert sample["counts"] == {"equilibrium": 1, "rattle": 10, "strain": 16}
    code, out, err = run_cli(["potential", "fit", str(tmp_path / "s" / "training.extxyz"), "--name", "li2o_t", "--teacher",
                              str(tmp_path / "s"), "--cutoff", "9", "--short-range-cutoff", "6", "--out", str(tmp_path / "f"), "--json"], capsys)
    assert code == 0, err
    fit = json.loads(out)
    assert fit["held_out_frames"] == 4 and fit["training_frames"] == 23
    toml = tmp_path / "f" / "li2o_t.toml"
    assert "[fit.teacher]" in toml.read_text()
    code, out, err = run_cli(["potential", "validate", str(toml), "--data", str(tmp_path / "f" / "heldout.extxyz"),
                              "--structure", "li2o", "--reference", f"ff:{known}", "--db", str(tmp_path / "c.db"),
                              "--out", str(tmp_path / "v"), "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    for key in ("energy_rmse_meV_per_atom", "force_rmse_eV_per_A", "stress_rmse_GPa"):
        assert report[key] == pytest.approx(fit["held_out_rmse"]["all"][key], rel=1e-6)
    assert report["gates"]["lattice_relative_error"]["holds"]
    assert report["properties"]["reference"]["C11_GPa"] > 0
    worst = report["gates"]["force_rmse_eV_per_A_every_kind"]
    assert worst["kind"] in ("rattle", "strain") and worst["value"] == report["errors"][worst["kind"]]["force_rmse_eV_per_A"]
    # antifluorite Li2O under 0.5 % strains: no ion changes site (only the shear's small internal strain)
    assert 0 <= report["properties"]["fitted"]["max_ion_relaxation_A"] < 0.05
    assert "K_VRH_GPa" not in report["properties"]["fitted"]  # a cubic cell: the cubic route

    # the same crystal as a 1 x 1 x 2 cell is not a cubic cell: the full-tensor route gives the same constants
    from sselab.studies.md import build_md_system

    write(tmp_path / "li2o_112.extxyz", build_md_system("li2o")[0].repeat((1, 1, 2)))
    code, out, err = run_cli(["potential", "validate", str(toml), "--structure", str(tmp_path / "li2o_112.extxyz"),
                              "--reference", f"ff:{known}", "--db", str(tmp_path / "c.db"), "--out", str(tmp_path / "v2"),
                              "--json"], capsys)
    assert code == 0, err
    long_cell = json.loads(out)["properties"]
    for who in ("fitted", "reference"):
        cubic, full = report["properties"][who], long_cell[who]
        for key in ("C11_GPa", "C12_GPa", "C44_GPa", "E100_GPa", "E110_GPa", "E111_GPa"):
            assert full[key] == pytest.approx(cubic[key], rel=2e-3), (who, key)
        assert full["K_VRH_GPa"] == pytest.approx((cubic["C11_GPa"] + 2 * cubic["C12_GPa"]) / 3, rel=2e-3)
    assert 0 <= report["properties"]["reference"]["max_ion_relaxation_A"] < 0.05


def test_sample_relaxed_by_a_model_gives_its_relaxed_strained_cells_labelled_by_the_teacher(known, tmp_path, capsys):
    """``--relaxed-by``: the teacher's relaxed cell and each Voigt component at each strain, ions relaxed by the given
    model (here the teacher itself, so the labels it gives there are forces below the relaxation's 0.02 eV/Å), the
    cells strained exactly as the strain says."""
    import json

    from ase.io import read

    code, out, err = run_cli(["potential", "sample", "li2o", "--calculator", f"ff:{known}", "--db", str(tmp_path / "c.db"),
                              "--rattled", "0", "--strains", "", "--strain-component", "0", "--relaxed-by", f"ff:{known}",
                              "--relaxed-strains", "0.02,-0.02", "--out", str(tmp_path / "s"), "--json"], capsys)
    assert code == 0, err
    # 1 + 6 × 2 cells; the unstrained one, relaxed by the teacher itself, is the equilibrium frame again and is dropped
    assert json.loads(out)["counts"] == {"equilibrium": 1, "strain-relaxed": 12}
    frames = read(tmp_path / "s" / "training.extxyz", ":")
    start, relaxed = frames[0], [f for f in frames if f.info["config_type"] == "strain-relaxed"]
    assert all(np.abs(f.get_forces()).max() < 0.02 for f in relaxed)
    expected = np.asarray(start.cell) @ (np.eye(3) + np.array([[0, 0, 0], [0, 0, 0.01], [0, 0.01, 0]])).T  # γ_yz = 0.02
    assert np.allclose(relaxed[3 * 2].cell, expected, atol=1e-9)


@pytest.mark.parametrize(("strains", "message"), [("0", "non-empty and non-zero"), ("", "non-empty and non-zero"),
                                                  ("0.5", "relaxed-cell strain")])
def test_sample_refuses_bad_relaxed_strains_before_any_work(known, tmp_path, capsys, strains, message):
    code, _, err = run_cli(["potential", "sample", "li2o", "--calculator", f"ff:{known}", "--relaxed-by", f"ff:{known}",
                            "--relaxed-strains", strains, "--out", str(tmp_path / "s")], capsys)
    assert code == 2 and message in err and not (tmp_path / "s").exists()


def _write_frames(path, frames):
    write(path, frames, format="extxyz")
    return path


def _labelled_frame(energy=True, forces=True, symbols="Li2O") -> Atoms:
    atoms = bulk(symbols, "fluorite", a=4.61) if symbols == "Li2O" else bulk(symbols, "rocksalt", a=4.6)
    results = {}
    if energy:
        results["energy"] = -10.0
    if forces:
        results["forces"] = np.zeros((len(atoms), 3))
    atoms.calc = SinglePointCalculator(atoms, **results)
    return atoms


@pytest.mark.parametrize(("case", "message"), [
    ("no-forces", "has no forces"),
    ("empty", "not readable extended XYZ|is empty"),
    ("duplicates", "all copies of one structure"),
    ("non-neutral", "a rigid-ion fit needs charge-neutral frames"),
])
def test_fit_refuses_unusable_data_in_one_line(case, message, tmp_path, capsys):
    path = tmp_path / "data.extxyz"
    if case == "no-forces":
        _write_frames(path, [_labelled_frame(forces=False)])
    elif case == "empty":
        path.write_text("")
    elif case == "duplicates":
        _write_frames(path, [_labelled_frame(), _labelled_frame()])
    else:
        atoms = _labelled_frame()
        del atoms[0]  # LiO: +1 - 2 with formal charges
        atoms.calc = SinglePointCalculator(atoms, energy=-5.0, forces=np.zeros((len(atoms), 3)))
        other = atoms.copy()
        other.positions[0] += 0.1
        other.calc = SinglePointCalculator(other, energy=-5.1, forces=np.zeros((len(other), 3)))
        _write_frames(path, [atoms, other])
    code, out, err = run_cli(["potential", "fit", str(path), "--out", str(tmp_path / "f")], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert __import__("re").search(message, err), err
    assert not (tmp_path / "f" / "run.json").exists()


def test_validate_refuses_species_the_model_lacks(known, tmp_path, capsys):
    path = _write_frames(tmp_path / "nacl.extxyz", [_labelled_frame(symbols="NaCl")])
    code, _, err = run_cli(["potential", "validate", str(known), "--data", str(path), "--out", str(tmp_path / "v")], capsys)
    assert code == 2 and "which the model lacks" in err and len(err.strip().splitlines()) == 1


def test_validate_takes_a_packaged_lammps_potential_by_name(tmp_path, capsys):
    """``potential validate lammps:lzo_pod`` is the packaged file under its name: the same errors as the file's path
    (frames labelled with arbitrary numbers, so the errors are large and any other model would give others), and the
    same ``parameters_sha256`` in the run record."""
    import json

    from sselab.atomistic.build.structures import load_structure
    from sselab.atomistic.engine.potentials import packaged_folder

    pytest.importorskip("lammps")
    atoms = load_structure("li6zr2o7")
    atoms.rattle(0.05, seed=2)
    atoms.calc = SinglePointCalculator(atoms, energy=-400.0, forces=np.zeros((len(atoms), 3)), stress=np.zeros(6))
    frames = _write_frames(tmp_path / "lzo.extxyz", [atoms])
    reports, identities = [], []
    changed = tmp_path / "changed"  # the packaged files with one coefficient changed: another model under the same name
    changed.mkdir()
    for suffix in (".toml", "_param.pod", "_coefficients.pod"):
        (changed / f"lzo_pod{suffix}").write_text((packaged_folder() / f"lzo_pod{suffix}").read_text())
    lines = (changed / "lzo_pod_coefficients.pod").read_text().splitlines()
    lines[1] = f"{float(lines[1]) + 1e-3:.10f}"
    (changed / "lzo_pod_coefficients.pod").write_text("\n".join(lines) + "\n")
    for name in ("lammps:lzo_pod", str(packaged_folder() / "lzo_pod.toml"), str(changed / "lzo_pod.toml")):
        code, out, err = run_cli(["potential", "validate", name, "--data", str(frames), "--out", str(tmp_path / f"v{len(reports)}"), "--json"], capsys)
        assert code == 0, err
        reports.append(json.loads(out)["errors"]["all"])
        identities.append(json.loads(out)["parameters_sha256"])
    assert reports[0] == reports[1] and reports[0]["force_rmse_eV_per_A"] > 0.1
    # the run records which version of the packaged name it measured: the same files give the same hash, one changed
    # coefficient another
    assert identities[0] == identities[1] != identities[2] and len(identities[0]) == 64
    code, _, err = run_cli(["potential", "validate", "lammps:no_such_pod", "--data", str(frames), "--out", str(tmp_path / "x")], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    code, _, err = run_cli(["potential", "validate", "lammps:lzo_pod", "--data", str(frames), "--fmax", "0", "--out", str(tmp_path / "y")], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "fmax" in err


def test_sample_refuses_a_reference_that_cannot_do_the_elements(tmp_path, capsys):
    code, _, err = run_cli(["potential", "sample", "li2o", "--calculator", "emt", "--db", str(tmp_path / "c.db"),
                            "--out", str(tmp_path / "s")], capsys)
    assert code == 2 and "cannot do Li" in err and len(err.strip().splitlines()) == 1


def test_non_neutral_charge_set_is_refused(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(KNOWN_TOML.replace("charge = -1.6", "charge = -1.5"))
    code, _, err = run_cli(["potential", "validate", str(path), "--out", str(tmp_path / "v")], capsys)
    assert code == 2 and "net charge" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("teacher", ["known", "no-core"])
def test_repulsive_core_keeps_every_fitted_pair_repulsive_at_short_range(teacher, recovered, known, tmp_path):
    """With the known model the floor does not bind; with a teacher whose Li-O pair has C = 30 and no D (it turns over
    near 1 A) the floor must bind and still keep every fitted pair repulsive below its core radius."""
    from sselab.atomistic.engine import Engine
    from sselab.atomistic.fitting.born import BornFitSettings, fit_born
    from sselab.atomistic.fitting.sampling import rattled_cells, strained_cells

    fit = recovered
    if teacher == "no-core":
        path = tmp_path / "no-core.toml"
        path.write_text(KNOWN_TOML.replace("C_eVA6 = 0.0\nD_eVA8 = 40.0", "C_eVA6 = 30.0\nD_eVA8 = 0.0"))
        engine = Engine.create(f"ff:{path}")
        frames = [engine.label(f) for f in strained_cells(li2o_cell(), (-0.06, 0.02)) + rattled_cells(li2o_cell(), 8, 0.12,
                                                                                                     np.random.default_rng(2))]
        fit = fit_born(frames, BornFitSettings(cutoff_A=9.0, short_range_cutoff_A=6.0, max_iterations=20))
    ff = fit.forcefield
    k = 14.399645
    for pair in ff.pairs:
        qq = ff.species[pair.a].charge * ff.species[pair.b].charge
        core = fit.core_radius_A[f"{pair.a}-{pair.b}"]
        radii = np.linspace(0.3, core, 400)
        energy = np.array([pair.energy_eV(r) + k * qq / r for r in radii])
        assert np.all(np.diff(energy) < 0), f"{pair.a}-{pair.b} turns over below {core:.2f} A"
        # the inequality itself: 8 D >= k |q_a q_b| r_c^7 (attractive pairs, charges <= formal) + 6 C r_c^2
        assert 8 * pair.D_eVA8 >= 6 * pair.C_eVA6 * core**2 - 1e-9
    assert math.isfinite(fit.charge_scale)


def test_active_learning_lowers_the_error_on_hot_frames_the_first_fit_never_saw(tmp_path):
    """A teacher the student cannot represent exactly (a Li-Li repulsion; the student has anion pairs only). The first fit
    sees strained and lightly rattled cells; after two rounds at 1500 K the final set must describe hot frames of an
    independent teacher MD run (another seed) better than the first fit does."""
    from ase.io import read

    from sselab.atomistic.engine import Engine
    from sselab.atomistic.fitting.born import BornFitSettings
    from sselab.atomistic.fitting.metrics import errors_by_kind
    from sselab.atomistic.fitting.sampling import rattled_cells, strained_cells
    from sselab.atomistic.md.ase_md import MDSettings
    from sselab.atomistic.md.evaluate import evaluate_forcefield
    from sselab.atomistic.md.forcefields import load_forcefield
    from sselab.atomistic.md.lammps import run_lammps_md
    from sselab.studies.potential import ActiveLearning, PotentialFit

    known = tmp_path / "teacher.toml"
    known.write_text(KNOWN_TOML + '[pairs."Li-Li"]\nA_eV = 600.0\nrho_A = 0.3\nC_eVA6 = 0.0\n')
    engine = Engine.create(f"ff:{known}")
    cold = [engine.label(f) for f in strained_cells(li2o_cell(), (-0.02, 0.02)) + rattled_cells(li2o_cell(), 4, 0.03,
                                                                                                 np.random.default_rng(4))]
    settings = BornFitSettings(cutoff_A=9.0, short_range_cutoff_A=6.0, max_iterations=20)
    fit = PotentialFit(settings=settings, holdout=0.0)
    study = ActiveLearning(fit=fit, temperatures_K=(1500.0,), md_time_fs=400.0, candidates=4, picked=2, min_rounds=2,
                           max_rounds=2, seed=3)
    result = study.run(li2o_cell(), cold, calculator=engine)
    assert [r["added"] for r in result.rounds] == [2, 2]
    first = fit.run(cold).forcefield

    teacher = load_forcefield(known)
    run_lammps_md(li2o_cell(), teacher, MDSettings(temperature_K=1500.0, timestep_fs=1.0, steps=400, dump_every=100, seed=11),
                  tmp_path / "hot.extxyz", tmp_path / "hot.csv")
    hot = []
    for frame in read(tmp_path / "hot.extxyz", index="1:"):
        frame.wrap()
        energy, forces, stress = evaluate_forcefield(frame, teacher)
        frame.calc = SinglePointCalculator(frame, energy=energy, forces=forces, stress=stress)
        hot.append(frame)

    def labeller(model):
        def label(atoms):
            energy, forces, stress = evaluate_forcefield(atoms, model)
            out = atoms.copy()
            out.calc = SinglePointCalculator(out, energy=energy, forces=forces, stress=stress)
            return out
        return label

    before = errors_by_kind(hot, labeller(first))[0]["all"]
    after = errors_by_kind(hot, labeller(result.final.forcefield))[0]["all"]
    assert after.force_rmse_eV_per_A < before.force_rmse_eV_per_A
    assert after.energy_rmse_meV_per_atom < before.energy_rmse_meV_per_atom


def test_learn_command_writes_the_rounds_and_the_learning_plot(known, tmp_path, capsys):
    import json

    code, _, err = run_cli(["potential", "sample", "li2o", "--calculator", f"ff:{known}", "--db", str(tmp_path / "c.db"),
                            "--rattled", "6", "--strain-component", "0", "--out", str(tmp_path / "s")], capsys)
    assert code == 0, err
    code, out, err = run_cli(["potential", "learn", str(tmp_path / "s" / "training.extxyz"), "--structure", "li2o", "--calculator",
                              f"ff:{known}", "--db", str(tmp_path / "c.db"), "--temperature", "1500K", "--time", "0.4ps",
                              "--candidates", "4", "--picked", "2", "--min-rounds", "2", "--max-rounds", "2",
                              "--out", str(tmp_path / "al"), "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert [r["added"] for r in report["rounds"]] == [2, 2]
    assert report["rounds"][1]["training_frames"] > report["rounds"][0]["training_frames"]
    assert (tmp_path / "al" / "learning.png").exists() and (tmp_path / "al" / "fitted.toml").exists()


def test_active_learning_explores_every_cell_in_npt_and_picks_from_each(known):
    """Two cells of different size explored at constant pressure: each gives its own candidates (labelled with its
    formula) and its own picked frame, and the stored frames have left the starting volume, as NPT must."""
    from sselab.atomistic.engine import Engine
    from sselab.atomistic.fitting.born import BornFitSettings
    from sselab.atomistic.fitting.dataset import config_type
    from sselab.atomistic.fitting.sampling import rattled_cells, strained_cells
    from sselab.studies.potential import ActiveLearning, PotentialFit

    engine = Engine.create(f"ff:{known}")
    cold = [engine.label(f) for f in strained_cells(li2o_cell(), (-0.02, 0.02)) + rattled_cells(li2o_cell(), 4, 0.03,
                                                                                                 np.random.default_rng(4))]
    fit = PotentialFit(settings=BornFitSettings(cutoff_A=9.0, short_range_cutoff_A=6.0, max_iterations=8), holdout=0.0)
    small = bulk("Li2O", "fluorite", a=4.61, cubic=True).repeat((2, 2, 1))
    study = ActiveLearning(fit=fit, temperatures_K=(1500.0,), md_time_fs=200.0, candidates=2, picked=1, min_rounds=1,
                           max_rounds=1, seed=3, ensemble="npt")
    result = study.run([li2o_cell(), small], cold, calculator=engine)
    (record,) = result.rounds
    assert set(record["collapsed"]) == {"1500K-Li64O32", "1500K-Li32O16"} and record["added"] == 2
    gathered = result.frames[len(cold):]
    assert sorted(config_type(frame) for frame in gathered) == ["md-1500K-Li32O16", "md-1500K-Li64O32"]
    start_volume = {96: li2o_cell().get_volume(), 48: small.get_volume()}
    assert all(abs(frame.get_volume() / start_volume[len(frame)] - 1) > 1e-4 for frame in gathered)


def test_learning_signature_keeps_the_old_keys_for_nvt_and_names_the_ensemble_otherwise():
    """Checkpoints written before ``ensemble`` existed must resume: an NVT run's signature has no ``settings.ensemble``
    key (the resume check refuses keys an old checkpoint lacks); an NPT run's names it."""
    from sselab.studies.potential import ActiveLearning

    nvt = ActiveLearning().signature([], {"structure": "li2o"}, {"name": "emt"})
    npt = ActiveLearning(ensemble="npt").signature([], {"structure": "li2o"}, {"name": "emt"})
    assert "settings.ensemble" not in nvt and npt["settings.ensemble"] == "npt"
    assert set(npt) - set(nvt) == {"settings.ensemble"}


def test_exploration_labels_tell_cells_apart_and_bad_ensembles_are_refused(known, tmp_path, capsys):
    from sselab.studies.potential import exploration_labels

    assert exploration_labels(["Li8O4"]) == [""]
    assert exploration_labels(["Li8O4", "Li16O8", "Li8O4"]) == ["-Li8O4#0", "-Li16O8", "-Li8O4#2"]
    code, _, err = run_cli(["potential", "learn", str(tmp_path / "none.extxyz"), "--structure", "li2o", "--ensemble", "nve",
                            "--calculator", f"ff:{known}", "--out", str(tmp_path / "al")], capsys)
    assert code == 2 and err.strip().count("\n") == 0 and "exploration ensemble must be one of nvt, npt" in err


def test_zero_stress_weight_still_reports_finite_errors_and_zero_energy_weight_is_refused(labelled):
    from sselab import InputError
    from sselab.atomistic.fitting.born import BornFitSettings, FitWeights, fit_born

    fit = fit_born(labelled[:8], BornFitSettings(cutoff_A=9.0, short_range_cutoff_A=6.0, max_iterations=5,
                                                 weights=FitWeights(stress=0.0)))
    assert all(math.isfinite(v) for v in fit.errors.values())
    with pytest.raises(InputError, match="energy weight must be positive"):
        FitWeights(energy=0.0)


def test_existing_sets_keep_their_parameter_hash():
    """The D/r^8, reference-energy and short-range-cutoff keys enter the hash only when set: resume records stay valid."""
    from sselab.atomistic.md.forcefields import load_forcefield

    # the hash of llzo_bush_coreshell before those keys existed (commit d5dbebd)
    assert load_forcefield("llzo_bush_coreshell").parameters_sha256() == "81cb587f2bacc3a1999f4423b9bb2ab6cc3264cd20b18adccc0455dc16dc54ba"


def test_md_runs_a_fitted_rigid_ion_set_and_records_the_closest_pair(known, tmp_path, capsys):
    import json

    code, out, err = run_cli(["md", "run", "li2o", "--forcefield", str(known), "--repeat", "2x2x2", "--temperature", "800K",
                              "--time", "0.2ps", "--equilibration", "0ps", "--dump-interval", "20fs", "--out", str(tmp_path / "md"),
                              "--json"], capsys)
    assert code == 0, err
    point = json.loads(out)["points"][0]
    assert point["status"] == "ran"
    # Li-O in Li2O is 2.0 A at equilibrium; thermal motion at 800 K brings pairs closer, never below ~1.5 A
    assert 1.4 < point["min_pair_distance_A"] < 2.0


def test_pod_family_through_the_fit_and_validate_commands(known, tmp_path, capsys):
    """``potential fit --family pod`` writes a LAMMPS potential file beside its coefficients; ``potential validate`` reads it
    as lammps:<file> and reproduces the fit's held-out errors."""
    import json

    code, _, err = run_cli(["potential", "sample", "li2o", "--calculator", f"ff:{known}", "--db", str(tmp_path / "c.db"),
                            "--rattled", "12", "--rattle", "0.08", "--out", str(tmp_path / "s")], capsys)
    assert code == 0, err
    code, out, err = run_cli(["potential", "fit", str(tmp_path / "s" / "training.extxyz"), "--family", "pod", "--name", "li2o_pod",
                              "--out", str(tmp_path / "f"), "--json"], capsys)
    assert code == 0, err
    fit = json.loads(out)
    assert fit["family"] == "pod" and fit["elements"] == ["Li", "O"]
    for name in ("li2o_pod.toml", "li2o_pod_param.pod", "li2o_pod_coefficients.pod"):
        assert (tmp_path / "f" / name).is_file()
    code, out, err = run_cli(["potential", "validate", str(tmp_path / "f" / "li2o_pod.toml"), "--data",
                              str(tmp_path / "f" / "heldout.extxyz"), "--out", str(tmp_path / "v"), "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    for key in ("energy_rmse_meV_per_atom", "force_rmse_eV_per_A"):
        assert report[key] == pytest.approx(fit["held_out_rmse"]["all"][key], rel=1e-6)
    # the teacher's forces in these frames are ~1 eV/A (RMS); the POD reproduces them to a few percent
    assert report["force_rmse_eV_per_A"] < 0.1
    assert fit["stress"].startswith("not fitted")
    code, out, err = run_cli(["potential", "fit", str(tmp_path / "s" / "training.extxyz"), "--family", "pod", "--name", "li2o_pod",
                              "--pod-stress-weight", "1", "--pod-basis", "4,3,2", "--out", str(tmp_path / "fs"), "--json"], capsys)
    assert code == 0, err
    stressed = json.loads(out)
    assert stressed["stress"].startswith("fitted with weight 1 per GPa") and stressed["training_rmse"]["stress_rmse_GPa"] >= 0
    param = (tmp_path / "fs" / "li2o_pod_param.pod").read_text()
    assert "twobody_number_radial_basis_functions 4" in param and "threebody_angular_degree 2" in param
    # two elements: 1 + 4 two-body + 3 pairs x 3 radial x (2 + 1) angular three-body descriptors each; 2 x 32 coefficients
    assert stressed["coefficients"] == 2 * (1 + 2 * 4 + 3 * 3 * 3)
    for bad in ("4,3", "a,b,c", "4,3,13"):
        code, _, err = run_cli(["potential", "fit", str(tmp_path / "s" / "training.extxyz"), "--family", "pod", "--pod-basis", bad,
                                "--out", str(tmp_path / "bad")], capsys)
        assert code == 2 and len(err.strip().splitlines()) == 1 and ("pod-basis" in err or "angular degree" in err), err


@pytest.mark.slow  # half a minute of POD fits and LAMMPS MD; the Born loop above covers the loop in the default tier
def test_active_learning_runs_the_pod_family_and_lowers_its_error_on_hot_frames(tmp_path):
    """The same loop with a POD: its MD runs in LAMMPS through the potential file. The teacher (Born with a Li-Li
    repulsion) is represented by no POD exactly; after two rounds at 1500 K the final POD must describe hot frames of an
    independent teacher MD run better than the POD fitted to the cold frames alone."""
    from ase.io import read

    from sselab.atomistic.engine import Engine
    from sselab.atomistic.fitting.metrics import errors_by_kind
    from sselab.atomistic.fitting.sampling import rattled_cells, strained_cells
    from sselab.atomistic.md.ase_md import MDSettings
    from sselab.atomistic.md.lammps import run_lammps_md
    from sselab.studies.potential import ActiveLearning, PotentialFit

    known = tmp_path / "teacher.toml"
    known.write_text(KNOWN_TOML + '[pairs."Li-Li"]\nA_eV = 600.0\nrho_A = 0.3\nC_eVA6 = 0.0\n')
    engine = Engine.create(f"ff:{known}")
    cold = [engine.label(f) for f in strained_cells(li2o_cell(), (-0.03, -0.01, 0.01, 0.03))
            + rattled_cells(li2o_cell(), 8, 0.05, np.random.default_rng(4))]
    fit = PotentialFit(name="li2o_pod", family="pod", holdout=0.0)
    study = ActiveLearning(fit=fit, temperatures_K=(1500.0,), md_time_fs=400.0, candidates=4, picked=2, min_rounds=2,
                           max_rounds=2, seed=3)
    result = study.run(li2o_cell(), cold, calculator=engine)
    assert [r["added"] for r in result.rounds] == [2, 2] and result.final.summary()["family"] == "pod"
    assert all(set(r["collapsed"]) == {"1500K"} for r in result.rounds)
    first = fit.run(cold)

    run_lammps_md(li2o_cell(), known, MDSettings(temperature_K=1500.0, timestep_fs=1.0, steps=400, dump_every=100, seed=11),
                  tmp_path / "hot.extxyz", tmp_path / "hot.csv")
    hot = []
    for frame in read(tmp_path / "hot.extxyz", index="1:"):
        frame.wrap()
        hot.append(engine.label(frame))

    def labeller(fitted):
        calculator = fitted.calculator()

        def label(atoms):
            out = atoms.copy()
            out.calc = calculator
            energy, forces, stress = out.get_potential_energy(), out.get_forces(), out.get_stress()
            out.calc = SinglePointCalculator(out, energy=energy, forces=forces, stress=stress)
            return out
        return label

    before = errors_by_kind(hot, labeller(first))[0]["all"]
    after = errors_by_kind(hot, labeller(result.final))[0]["all"]
    assert after.force_rmse_eV_per_A < before.force_rmse_eV_per_A


def test_collapsed_frames_are_found_against_the_shortest_distances_of_the_data():
    """Antifluorite Li2O (a = 4.61 A; O on the fcc sites, Li on every tetrahedral site): Li-O a sqrt(3)/4 = 1.996 A,
    Li-Li a/2 = 2.305 A, O-O a/sqrt(2) = 3.260 A. A frame with one Li moved 0.9 A towards an O is collapsed at fraction
    0.75 (Li-O 1.10 < 1.50 A); the perfect cell is not."""
    from sselab.atomistic.fitting.dataset import UNSEEN_PAIR_MIN_A, first_collapsed, shortest_pair_distances

    cell = bulk("OLi2", "fluorite", a=4.61, cubic=True).repeat(2)  # the first element takes the fcc sites
    shortest = shortest_pair_distances([cell])
    assert shortest[("Li", "O")] == pytest.approx(4.61 * np.sqrt(3) / 4, abs=1e-9)
    assert shortest[("Li", "Li")] == pytest.approx(4.61 / 2, abs=1e-9)
    assert shortest[("O", "O")] == pytest.approx(4.61 / np.sqrt(2), abs=1e-9)
    squeezed = cell.copy()
    li = [a.index for a in cell if a.symbol == "Li"][0]
    o = int(np.argmin([cell.get_distance(li, a.index, mic=True) if a.symbol == "O" else np.inf for a in cell]))
    direction = cell.get_distance(li, o, mic=True, vector=True)
    squeezed.positions[li] += 0.9 * direction / np.linalg.norm(direction)
    assert first_collapsed([cell, cell, squeezed, cell], shortest, 0.75) == 2
    assert first_collapsed([cell, cell], shortest, 0.75) == 2
    # a pair the data never held (Li-O unseen): only closer than UNSEEN_PAIR_MIN_A counts
    assert first_collapsed([squeezed], {("Li", "Li"): 2.3, ("O", "O"): 2.3}, 0.75) == 1
    assert UNSEEN_PAIR_MIN_A < 1.10
    # heavy cations sit far apart: a limit above the old fixed 2.5 A search (0.75 x 3.97 A = 2.98 A) is still enforced,
    # and a pair 5.5 A apart in the data (beyond the old 4 A search) is seen rather than treated as unseen
    la = Atoms("La2", positions=[[0, 0, 0], [3.97, 0, 0]], cell=[12, 12, 12], pbc=True)
    zr = Atoms("Zr2", positions=[[0, 0, 0], [5.5, 0, 0]], cell=[12, 12, 12], pbc=True)
    assert shortest_pair_distances([la, zr]) == pytest.approx({("La", "La"): 3.97, ("Zr", "Zr"): 5.5})
    near_la = Atoms("La2", positions=[[0, 0, 0], [2.7, 0, 0]], cell=[12, 12, 12], pbc=True)
    near_zr = Atoms("Zr2", positions=[[0, 0, 0], [0.9, 0, 0]], cell=[12, 12, 12], pbc=True)
    limits = shortest_pair_distances([la, zr])
    assert first_collapsed([la, near_la], limits, 0.75) == 1
    assert first_collapsed([zr, near_zr], limits, 0.75) == 1


def test_packaged_llzo_fit_is_neutral_documented_and_close_to_its_teacher():
    """The packaged set: rigid, neutral for LLZO and its exchanged forms, provenance naming CHGNet and the data hash, and
    on a lightly rattled LLZO cell (not in its data) within the accuracy docs/potentials.md reports against CHGNet.
    Measured when packaged: 0.6 meV/atom and 0.17 eV/A force RMSE (CHGNet's forces there: 0.71 eV/A RMS)."""
    from sselab import load_calculator
    from sselab.atomistic.build.llzo import ordered_cubic_llzo
    from sselab.atomistic.md.forcefields import formula_charge, load_forcefield

    ff = load_forcefield("llzo_fit")
    assert ff.rigid and ff.fit["teacher"]["model"] == "CHGNet 0.3.0" and len(ff.fit["data_sha256"]) == 64
    for formula in ("Li7La3Zr2O12", "Li27NaLa12Zr8O48", "Li27AgLa12Zr8O48", "Li27KLa12Zr8O48"):
        assert formula_charge(ff, formula) == pytest.approx(0.0, abs=1e-9)
    pytest.importorskip("chgnet")
    atoms, _ = ordered_cubic_llzo(seed=0)
    atoms.rattle(0.05, seed=1)
    results = {}
    for name in ("ff:llzo_fit", "chgnet"):
        work = atoms.copy()
        work.calc = load_calculator(name).calculator
        results[name] = (work.get_potential_energy() / len(work), work.get_forces())
    assert abs(results["ff:llzo_fit"][0] - results["chgnet"][0]) < 0.010  # the energy gate, eV/atom
    assert np.sqrt(np.mean((results["ff:llzo_fit"][1] - results["chgnet"][1]) ** 2)) < 0.3


def test_packaged_lzo_fit_is_neutral_documented_and_as_close_to_its_teacher_as_reported():
    """lzo_fit (Born, C2/c Li6Zr2O7 and its N-doped forms): neutral, CHGNet provenance, and on the packaged pristine cell
    rattled by 0.05 A within the energy gate and within the held-out force error the set was packaged with (0.44 eV/A
    in its first version, 0.39 now; it fails the 0.25 gate). Measured when packaged (2026-12-05): +0.2 meV/atom, 0.31 eV/A."""
    from sselab import load_calculator
    from sselab.atomistic.build.structures import load_structure
    from sselab.atomistic.md.forcefields import formula_charge, load_forcefield

    ff = load_forcefield("lzo_fit")
    assert ff.rigid and ff.fit["teacher"]["model"] == "CHGNet 0.3.0" and formula_charge(ff, "Li6Zr2O7") == pytest.approx(0.0, abs=1e-9)
    assert formula_charge(ff, "Li52Zr16O52N4") == pytest.approx(0.0, abs=1e-9)  # x = 0.5 LZON, N on O sites + interstitial Li
    pytest.importorskip("chgnet")
    atoms = load_structure("li6zr2o7")
    atoms.rattle(0.05, seed=1)
    results = {}
    for name in ("ff:lzo_fit", "chgnet"):
        work = atoms.copy()
        work.calc = load_calculator(name).calculator
        results[name] = (work.get_potential_energy() / len(work), work.get_forces())
    assert abs(results["ff:lzo_fit"][0] - results["chgnet"][0]) < 0.010
    assert np.sqrt(np.mean((results["ff:lzo_fit"][1] - results["chgnet"][1]) ** 2)) < 0.44


def test_every_kind_gates_name_the_worst_kind_and_skip_kinds_without_stress():
    from sselab.atomistic.fitting.metrics import Errors
    from sselab.studies.potential import ValidationResult

    nan = float("nan")
    # "all" is made the largest energy error here (real data cannot do that) to show it is never taken as a kind
    errors = {"all": Errors(30, 20.0, 0.20, 0.30), "rattle": Errors(10, 3.0, 0.27, 0.20),
              "strain": Errors(10, 6.0, 0.05, 0.45), "md": Errors(10, 2.0, 0.24, nan)}
    gates = ValidationResult("x", errors, {}).gates()
    assert gates["force_rmse_eV_per_A"]["holds"]  # 0.20 over all frames
    assert gates["force_rmse_eV_per_A_every_kind"] == {"value": 0.27, "kind": "rattle", "limit": 0.25, "holds": False}
    assert gates["energy_rmse_meV_per_atom_every_kind"] == {"value": 6.0, "kind": "strain", "limit": 10.0, "holds": True}
    assert not gates["energy_rmse_meV_per_atom"]["holds"]  # 20 over all frames
    assert gates["stress_rmse_GPa_every_kind"] == {"value": 0.45, "kind": "strain", "limit": 0.5, "holds": True}


def test_frame_weights_pull_a_born_fit_towards_the_weighted_frames_and_a_uniform_weight_changes_nothing(labelled):
    """Four frames with forces scaled by 1.5 (no Born model makes them) conflict with eight true ones: weighting the
    true frames x100 brings the fit's forces on them closer to the truth than the unweighted fit; the same weight on
    every frame leaves the fit as it was (the objective is only scaled)."""
    from sselab.atomistic.fitting.born import BornFitSettings, fit_born
    from sselab.atomistic.fitting.dataset import weighted
    from sselab.atomistic.md.evaluate import ForceFieldCalculator

    def copy(atoms, force_scale=1.0):
        out = atoms.copy()
        results = dict(atoms.calc.results)
        results["forces"] = force_scale * np.asarray(results["forces"])
        out.calc = SinglePointCalculator(out, **results)
        return out

    true, false = labelled[3:11], labelled[11:15]
    settings = BornFitSettings(cutoff_A=9.0, short_range_cutoff_A=6.0, max_iterations=5)

    def force_error(fit):
        calculator = ForceFieldCalculator(fit.forcefield)
        return math.sqrt(np.mean([np.mean((calculator.get_forces(copy(a)) - a.get_forces()) ** 2) for a in true]))

    plain = fit_born([copy(a) for a in true] + [copy(a, 1.5) for a in false], settings)
    favoured = fit_born(weighted([copy(a) for a in true], 100.0) + [copy(a, 1.5) for a in false], settings)
    uniform = fit_born(weighted([copy(a) for a in true] + [copy(a, 1.5) for a in false], 100.0), settings)
    assert force_error(favoured) < 0.5 * force_error(plain)
    assert uniform.charge_scale == pytest.approx(plain.charge_scale, rel=1e-6)
    assert force_error(uniform) == pytest.approx(force_error(plain), rel=1e-5)


@pytest.mark.parametrize(("weight", "message"), [("0", "within"), ("-2", "within"), ("nan", "finite"), ("abc", "number")])
def test_a_bad_frame_weight_in_a_data_file_is_refused_in_one_line(weight, message, tmp_path, capsys):
    atoms, other = _labelled_frame(), _labelled_frame()
    other.positions[0] += 0.05
    other.calc = SinglePointCalculator(other, energy=-10.1, forces=np.zeros((len(other), 3)))
    path = _write_frames(tmp_path / "data.extxyz", [atoms, other])
    text = path.read_text().replace("pbc=", f"config_weight={weight} pbc=", 1)
    path.write_text(text)
    code, _, err = run_cli(["potential", "fit", str(path), "--out", str(tmp_path / "f")], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "config_weight" in err and message in err, err


@pytest.mark.parametrize(("option", "message"), [("other.extxyz=3", "not one of the data files"),
                                                 ("{data}=x", "expected FILE=WEIGHT"), ("{data}", "expected FILE=WEIGHT"),
                                                 ("{data}=0", "frame weight")])
def test_a_bad_frame_weight_option_is_refused_before_any_fit(option, message, tmp_path, capsys):
    atoms, other = _labelled_frame(), _labelled_frame()
    other.positions[0] += 0.05
    other.calc = SinglePointCalculator(other, energy=-10.1, forces=np.zeros((len(other), 3)))
    path = _write_frames(tmp_path / "data.extxyz", [atoms, other])
    code, _, err = run_cli(["potential", "fit", str(path), "--frame-weight", option.format(data=path),
                            "--out", str(tmp_path / "f")], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert message in err, err


def test_a_weight_enters_the_data_hash_and_a_weight_of_one_does_not():
    from sselab.atomistic.fitting.dataset import dataset_sha256, weighted

    frames = [_labelled_frame()]
    plain = dataset_sha256(frames)
    assert dataset_sha256(weighted(frames, 1.0)) == plain
    assert dataset_sha256(weighted(frames, 2.0)) != plain


def test_an_unstable_fitted_tensor_fails_the_stability_gate_and_leaves_the_moduli_ordering_undefined():
    from sselab.studies.potential import ValidationResult

    def props(lowest, moduli):
        return {"volume_A3_per_atom": 10.0, "C11_GPa": 170.0, "C12_GPa": 65.0, "C44_GPa": 45.0,
                "elastic_lowest_eigenvalue_GPa": lowest, **dict(zip(("E100_GPa", "E110_GPa", "E111_GPa"), moduli))}

    reference = props(40.0, (138.0, 129.0, 127.0))
    gates = ValidationResult("x", {}, {"fitted": props(-30.0, (math.nan,) * 3), "reference": reference}).gates()
    assert gates["elastic_stability"]["holds"] is False and gates["elastic_stability"]["value"] == -30.0
    assert gates["E_hkl_ordering"]["value"].startswith("undefined") and gates["E_hkl_ordering"]["holds"] is False
    gates = ValidationResult("x", {}, {"fitted": reference, "reference": props(-1.0, (math.nan,) * 3)}).gates()
    assert gates["E_hkl_ordering"]["holds"] is None  # nothing to compare with
    gates = ValidationResult("x", {}, {"fitted": props(35.0, (130.0, 129.0, 128.0)), "reference": reference}).gates()
    assert gates["elastic_stability"]["holds"] and gates["E_hkl_ordering"]["holds"]


def test_a_weighted_duplicate_of_an_unweighted_frame_keeps_its_weight():
    from sselab.atomistic.fitting.dataset import check_training_set, frame_weight, weighted

    first, other = _labelled_frame(), _labelled_frame()
    other.positions[0] += 0.05
    other.calc = SinglePointCalculator(other, energy=-10.1, forces=np.zeros((len(other), 3)))
    again = _labelled_frame()
    kept = check_training_set([first, other, *weighted([again], 10.0)])
    assert len(kept) == 2 and [frame_weight(a) for a in kept] == [10.0, 1.0]
    kept = check_training_set([*weighted([_labelled_frame()], 10.0), other, _labelled_frame()])
    assert [frame_weight(a) for a in kept] == [10.0, 1.0]


def test_the_elastic_route_follows_the_input_cell_and_a_rotated_cube_is_not_cubic():
    from scipy.spatial.transform import Rotation

    from sselab.studies.md import build_md_system
    from sselab.studies.potential import is_cubic_cell

    li2o = build_md_system("li2o")[0]
    assert is_cubic_cell(li2o) and not is_cubic_cell(li2o.repeat((1, 1, 2)))
    turned = li2o.copy()
    turned.set_cell(np.asarray(li2o.cell) @ Rotation.from_euler("z", 30, degrees=True).as_matrix().T, scale_atoms=True)
    assert not is_cubic_cell(turned)  # equal edges at right angles, but the cubic formulas need them along x, y, z
    assert is_cubic_cell(build_md_system("llzo")[0])
