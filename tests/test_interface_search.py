"""Coherent interfaces, registry search (BO vs grid) and the seed-004 work of adhesion, on EMT metals."""

import json

import numpy as np
import pytest

from sselab.atomistic.build.heterointerface import MatchSettings, build_coherent_interface
from sselab.atomistic.build.structures import load_structure
from sselab.atomistic.engine import Engine
from sselab.atomistic.properties.adhesion import adhesion_energy
from sselab.atomistic.properties.registry import ShiftGrid, bayesian_search, expected_improvement, grid_search
from sselab.errors import SSELabError
from sselab.studies.interface_search import (
    InterfaceBuildResult,
    InterfaceHopResult,
    InterfaceHopStudy,
    InterfaceSpec,
    LatticeMatchResult,
    RegistrySearch,
    RegistrySearchResult,
)
from tests.conftest import run_cli

SEARCH_KEYS = {"interface", "objective", "grid_points", "film_indices", "calculator", "distinct_structures_evaluated", "bo", "grid",
               "bo_reached_grid_minimum", "bo_gap_to_grid_minimum_eV", "calculation_ratio_bo_to_grid", "w_adhesion_J_per_m2",
               "w_adhesion_sign", "adhesion_energies_eV", "engine"}
HOP_KEYS = {"hopping_atom", "vacated_site", "species", "lateral_repeats", "atoms", "barrier_eV", "reverse_barrier_eV",
            "reaction_energy_eV", "image_energies_eV", "hop_distance_A", "converged", "engine"}


@pytest.fixture(scope="module")
def emt():
    return Engine.create("emt")


@pytest.fixture(scope="module")
def cu_ni():
    return build_coherent_interface(load_structure("ni-fcc"), load_structure("cu-fcc"), (1, 0, 0), (1, 0, 0),
                                    MatchSettings(max_area=30.0, max_strain=0.05), substrate_layers=3, film_layers=3)


def test_default_grid_is_the_papers_search_space():
    points = ShiftGrid().points()
    assert points.shape == (13 * 13 * 4, 3)
    assert points.min(axis=0).tolist() == [0, 0, 0] and points.max(axis=0).tolist() == pytest.approx([3.0, 3.0, 0.75])
    with pytest.raises(SSELabError):
        ShiftGrid(lateral_step=0).points()


def test_expected_improvement_limits():
    mean = np.array([0.0, -1.0, 1.0])
    std = np.array([1.0, 1.0, 0.0])
    ei = expected_improvement(mean, std, best=0.0, xi=0.0)
    assert ei[1] > ei[0] > 0 and ei[2] == 0.0
    assert expected_improvement(np.array([-2.0]), np.array([0.0]), 0.0, 0.0)[0] == pytest.approx(2.0)


def test_bayesian_optimisation_finds_a_smooth_minimum_with_few_evaluations():
    points = ShiftGrid().points()
    target = np.array([1.75, 0.5, 0.25])

    def bowl(index):
        return float(np.sum(((points[index] - target) / [1.0, 1.0, 0.3]) ** 2))

    reference = grid_search(bowl, len(points))
    assert reference.evaluations == len(points) and np.allclose(points[reference.best_index], target)
    # a patience of 6 (the paper stops after 2 steps without improvement: see the registry benchmark)
    runs = [bayesian_search(bowl, points, initial=3, patience=6, seed=seed) for seed in range(5)]
    assert sum(np.allclose(points[r.best_index], target) for r in runs) >= 4
    for result in runs:
        assert result.evaluations < len(points) / 10
        assert len(set(result.evaluated)) == result.evaluations  # never evaluates a point twice
        assert result.best_value <= np.sort(reference.values)[3]  # at worst the 4th-best grid point
    assert bayesian_search(bowl, points, initial=3, patience=6, seed=1).evaluated == runs[1].evaluated


def test_interface_has_the_matched_cell_and_strain(cu_ni):
    atoms = cu_ni.atoms()
    assert sorted(set(atoms.get_chemical_symbols())) == ["Cu", "Ni"]
    # Cu (a = 3.615) squeezed onto Ni (3.524): compressive film strain of 1 - 3.524/3.615, no shear
    assert cu_ni.film_strains == pytest.approx((3.524 / 3.615 - 1,) * 2, abs=2e-3)
    assert cu_ni.angle_mismatch_deg == pytest.approx(0.0, abs=1e-6)
    assert cu_ni.area_A2 == pytest.approx((3.524 / np.sqrt(2)) ** 2, rel=1e-6)  # the primitive fcc(100) cell of Ni


def test_shift_by_a_lattice_vector_changes_nothing(emt, cu_ni):
    """Translational invariance: moving the film by one in-plane period gives the same structure energy."""
    period = float(np.linalg.norm(cu_ni.atoms().cell[0]))
    base = emt.energy(cu_ni.shifted(np.array([0.4, 0.2, 0.1]))).get_potential_energy()
    moved = emt.energy(cu_ni.shifted(np.array([0.4 + period, 0.2, 0.1]))).get_potential_energy()
    assert moved == pytest.approx(base, abs=1e-6)
    other = emt.energy(cu_ni.shifted(np.array([0.4 + period / 2, 0.2, 0.1]))).get_potential_energy()
    assert abs(other - base) > 1e-3


def test_shift_moves_the_film_by_the_stated_angstroms_on_an_oblique_cell():
    model = build_coherent_interface(load_structure("ni-fcc"), load_structure("cu-fcc"), (1, 1, 1), (1, 1, 1),
                                     MatchSettings(max_area=30.0, max_strain=0.05), substrate_layers=2, film_layers=2)
    base, moved = model.atoms(), model.shifted(np.array([0.7, 0.3, 0.4]))
    cell = base.cell.array
    assert abs(np.dot(cell[0], cell[1])) > 1.0  # oblique (hexagonal) cell
    expected = 0.7 * cell[0] / np.linalg.norm(cell[0]) + 0.3 * cell[1] / np.linalg.norm(cell[1]) + [0.0, 0.0, 0.4]
    film = list(model.interface.film_indices)
    step = moved.positions[film] - base.positions[film]
    step -= np.rint(np.linalg.solve(cell.T, step.T).T * [1, 1, 0]) @ cell  # wrapped in-plane
    assert np.allclose(step, expected, atol=1e-6)
    substrate = [i for i in range(len(base)) if i not in film]
    assert np.allclose(moved.positions[substrate], base.positions[substrate], atol=1e-6)


def test_default_patience_stops_two_steps_after_the_last_improvement():
    points = ShiftGrid().points()
    result = bayesian_search(lambda index: 1.0, points, initial=3)  # nothing ever improves
    assert result.evaluations == 3 + 2


def test_adhesion_energy_sign_and_separated_limit(emt, cu_ni):
    """Seed 004 eq. 4: negative when the slabs bind, -> 0 when they are pulled far apart."""
    half = float(np.linalg.norm(cu_ni.atoms().cell[0])) / 2
    hollow = emt.energy(cu_ni.shifted(np.array([half, half, 0.0])))  # fcc stacking continued across the interface
    bound = adhesion_energy(emt, cu_ni, hollow, relax=False)
    assert bound.w_adhesion_J_per_m2 < -0.5
    atop = adhesion_energy(emt, cu_ni, emt.energy(cu_ni.shifted(np.array([0.0, 0.0, 0.0]))), relax=False)
    assert atop.w_adhesion_J_per_m2 > bound.w_adhesion_J_per_m2  # atoms on top of each other at the same gap bind less
    apart = emt.energy(cu_ni.shifted(np.array([half, half, 9.0])))
    assert abs(adhesion_energy(emt, cu_ni, apart, relax=False).w_adhesion_J_per_m2) < 1e-3


def test_no_interface_within_tolerance_is_a_user_error(capsys):
    with pytest.raises(SSELabError, match="no coherent interface"):
        build_coherent_interface(load_structure("ni-fcc"), load_structure("cu-fcc"), (1, 0, 0), (1, 0, 0), MatchSettings(max_area=1.0))
    code, _, err = run_cli(["interface", "build", "ni-fcc", "cu-fcc", "--substrate-miller", "1", "0", "0", "--film-miller", "1", "0", "0",
                            "--max-area", "1"], capsys)
    assert code == 2 and "no coherent interface" in err and len(err.strip().splitlines()) == 1



def test_rejected_matches_name_the_closest_one():
    """Ni|Cu (100) within 30 A^2: every match strains Cu by a_Ni/a_Cu - 1 = -2.52 %; a 1 % limit rejects them all and
    the message says how far off the closest is."""
    ni, cu = load_structure("ni-fcc"), load_structure("cu-fcc")
    mismatch = 100 * abs(ni.cell.cellpar()[0] / cu.cell.cellpar()[0] - 1)
    with pytest.raises(SSELabError, match=rf"least strained match \(strain/shear/area\) {mismatch:.2f} %/0.00 deg"):
        build_coherent_interface(ni, cu, (1, 0, 0), (1, 0, 0), MatchSettings(max_area=30.0, max_strain=0.01))


def test_lattice_matches_list_every_match_with_its_strains(tmp_path, capsys):
    """Ni|Cu(100) within 30 A^2: every match is a supercell of the 1x1 cell, so each strains Cu by e = a_Ni/a_Cu - 1 along
    both vectors without shear. The Green-Lagrange strain is biaxial, eps = ((1 + e)^2 - 1)/2, and its von Mises strain,
    sqrt(2/3 dev:dev), is 2|eps|/3. A 1 % strain limit rejects them all."""
    ni, cu = load_structure("ni-fcc"), load_structure("cu-fcc")
    e = ni.cell.cellpar()[0] / cu.cell.cellpar()[0] - 1
    spec = InterfaceSpec(substrate_miller=(1, 0, 0), film_miller=(1, 0, 0), max_area=30.0, max_strain=0.05)
    result = spec.matches(ni, cu)
    assert len(result.matches) >= 2 and all(row["within_limits"] for row in result.matches)
    for row in result.matches:
        assert row["film_strains"] == pytest.approx((e, e), abs=1e-9) and row["shear_deg"] == pytest.approx(0.0, abs=1e-9)
        assert row["von_mises_strain"] == pytest.approx(2 * abs(((1 + e) ** 2 - 1) / 2) / 3, rel=1e-9)
    assert min(row["area_A2"] for row in result.matches) == pytest.approx(cu.cell.cellpar()[0] ** 2 / 2, rel=1e-9)
    strict = InterfaceSpec(substrate_miller=(1, 0, 0), film_miller=(1, 0, 0), max_area=30.0, max_strain=0.01).matches(ni, cu)
    assert not any(row["within_limits"] for row in strict.matches) and len(strict.matches) == len(result.matches)
    assert LatticeMatchResult.from_dict(json.loads(json.dumps(result.to_dict()))).to_dict() == json.loads(json.dumps(result.to_dict()))
    code, stdout, _ = run_cli(["interface", "matches", "ni-fcc", "cu-fcc", "--substrate-miller", "1", "0", "0", "--film-miller", "1", "0", "0",
                               "--max-area", "30", "--max-strain", "0.01", "--out", str(tmp_path / "m"), "--json"], capsys)
    assert code == 0 and json.loads(stdout)["within_limits"] == 0
    assert len((tmp_path / "m" / "matches.csv").read_text().splitlines()) == 1 + len(strict.matches)
    code, _, err = run_cli(["interface", "matches", "ni-fcc", "cu-fcc", "--substrate-miller", "1", "0", "0", "--film-miller", "1", "0", "0",
                            "--show", "0"], capsys)
    assert code == 2 and "--show" in err and len(err.strip().splitlines()) == 1


NI_CU = InterfaceSpec(substrate_miller=(1, 0, 0), film_miller=(1, 0, 0), max_area=30.0, max_strain=0.05)
SEARCH = RegistrySearch(method="both", objective="single-point", lateral_step=0.5, lateral_max=2.0, vertical_max=0.5)
CU_CU = InterfaceSpec(substrate_miller=(1, 0, 0), film_miller=(1, 0, 0), max_area=30.0)
HOMO_SEARCH = RegistrySearch(method="grid", objective="relaxed", lateral_step=0.5, lateral_max=1.5, vertical_max=0.25, adhesion=False)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """One result cache for the library and CLI runs of the same searches (the CLI ones then recompute nothing)."""
    return str(tmp_path_factory.mktemp("cache") / "c.db")


def test_search_counts_bo_and_grid(cache, tmp_path):
    built = NI_CU.build("ni-fcc", "cu-fcc")
    assert InterfaceBuildResult.from_dict(built.to_dict()).to_dict() == built.to_dict()
    result = SEARCH.run(built, calculator="emt", db=cache)
    assert result.methods["grid"]["evaluations"] == result.grid_points == 5 * 5 * 3
    assert result.methods["bo"]["evaluations"] < result.methods["grid"]["evaluations"]
    shifts = [tuple(p) for p in result.methods["bo"]["evaluated_shifts_A"]]
    assert len(shifts) == len(set(shifts)) == result.methods["bo"]["evaluations"]
    assert result.w_adhesion_J_per_m2 < 0
    data = result.to_dict()
    assert set(data) == SEARCH_KEYS
    assert RegistrySearchResult.from_dict(json.loads(json.dumps(data))).to_dict() == json.loads(json.dumps(data))
    run = result.write(tmp_path / "run")
    assert (run.path / "registry_search.png").is_file() and (run.path / "best_interface.extxyz").is_file()


def test_relaxed_registry_bo_with_the_papers_rule_reaches_the_grid_minimum(cache):
    """Seed 004's search as the paper runs it: every candidate relaxed (fixed cell), 3 random starts, stop after 2 steps
    without improvement. Relaxation turns the 75-point Ni|Cu(100) grid into a few basins 0.37 eV and more apart, and
    BO lands in the lowest for every seed, with far fewer calculations than the grid's 75 (5-8 measured; asserted: under
    half)."""
    built = NI_CU.build("ni-fcc", "cu-fcc")
    settings = dict(objective="relaxed", lateral_step=0.5, lateral_max=2.0, vertical_max=0.5, adhesion=False)
    grid = RegistrySearch(method="grid", **settings).run(built, calculator="emt", db=cache).searches["grid"]
    levels = np.sort(np.asarray(grid.values) - grid.best_value)
    assert levels[-1] > 0.3 and np.any((levels > 0.3) & (levels < levels[-1]))  # distinct basins, not a flat grid
    for seed in range(5):
        bo = RegistrySearch(method="bo", seed=seed, **settings).run(built, calculator="emt", db=cache).searches["bo"]
        assert bo.best_value - grid.best_value < 1e-3  # within the relaxations' own scatter (fmax 0.05 eV/A)
        assert bo.evaluations < len(grid.values) // 2


def test_registry_figure_draws_on_given_axes(cache):
    import matplotlib.pyplot as plt

    from sselab.plots.interface import registry_search_figure

    result = SEARCH.run(NI_CU.build("ni-fcc", "cu-fcc"), calculator="emt", db=cache)
    fig, axes = plt.subplots(1, 2)
    assert registry_search_figure(result, axes=axes) is fig and len(axes[0].lines) == 2
    plt.close("all")
    with pytest.raises(SSELabError, match="restored"):
        registry_search_figure(RegistrySearchResult.from_dict(result.to_dict()))


def test_neb_across_a_homo_interface_is_symmetric(cache, tmp_path):
    """Cu(100)|Cu(100) at its best registry is bulk Cu: a vacancy hop across it has equal forward and backward barriers."""
    search = HOMO_SEARCH.run(CU_CU.build("cu-fcc", "cu-fcc"), calculator="emt", db=cache)
    search.write(tmp_path / "search")
    hop = InterfaceHopStudy(species="Cu").run(tmp_path / "search", calculator="emt", db=cache)
    assert hop.hop.converged and hop.lateral_repeats == [4, 4]
    assert 0.3 < hop.hop.barrier_eV < 1.5
    assert hop.hop.barrier_eV == pytest.approx(hop.hop.reverse_barrier_eV, abs=2e-3)
    data = hop.to_dict()
    assert set(data) == HOP_KEYS and InterfaceHopResult.from_dict(json.loads(json.dumps(data))).to_dict() == json.loads(json.dumps(data))
    with pytest.raises(SSELabError, match="no Li on both sides"):
        InterfaceHopStudy(species="Li").run(search, calculator="emt", db=cache)
    with pytest.raises(SSELabError, match="both --from and --to"):
        InterfaceHopStudy(site_from=1)


def test_cli_search_and_neb_exit_codes_keys_and_files(cache, tmp_path, capsys):
    code, out, err = run_cli(["interface", "search", "ni-fcc", "cu-fcc", "--substrate-miller", "1", "0", "0", "--film-miller", "1", "0", "0",
                              "--max-area", "30", "--max-strain", "0.05", "--method", "both", "--objective", "single-point",
                              "--lateral-step", "0.5", "--lateral-max", "2.0", "--vertical-max", "0.5", "--calculator", "emt",
                              "--db", cache, "--out", str(tmp_path / "run"), "--json"], capsys)
    assert code == 0, err
    assert set(json.loads(out)) == SEARCH_KEYS | {"run_directory"}
    for name in ("registry_search.png", "best_interface.extxyz", "interface.extxyz", "run.json"):
        assert (tmp_path / "run" / name).is_file()
    code, out, err = run_cli(["interface", "search", "cu-fcc", "cu-fcc", "--substrate-miller", "1", "0", "0", "--film-miller", "1", "0", "0",
                              "--max-area", "30", "--method", "grid", "--objective", "relaxed", "--lateral-step", "0.5",
                              "--lateral-max", "1.5", "--vertical-max", "0.25", "--calculator", "emt", "--db", cache,
                              "--out", str(tmp_path / "search"), "--json", "--no-adhesion"], capsys)
    assert code == 0, err
    code, out, err = run_cli(["interface", "neb", str(tmp_path / "search"), "--species", "Cu", "--calculator", "emt", "--db", cache,
                              "--out", str(tmp_path / "neb"), "--json"], capsys)
    assert code == 0, err
    assert set(json.loads(out)) == HOP_KEYS | {"run_directory"} and (tmp_path / "neb" / "neb.png").is_file()
    code, _, err = run_cli(["interface", "neb", str(tmp_path / "search"), "--species", "Li", "--calculator", "emt", "--db", cache], capsys)
    assert code == 2 and "no Li on both sides" in err
    code, _, err = run_cli(["interface", "neb", str(tmp_path / "nowhere"), "--calculator", "emt"], capsys)
    assert code == 2 and "not a 'interface search' run" in err


def test_cli_build_exit_code_keys_and_files(tmp_path, capsys):
    code, out, err = run_cli(["interface", "build", "ni-fcc", "cu-fcc", "--substrate-miller", "1", "0", "0", "--film-miller", "1", "0", "0",
                              "--max-area", "30", "--max-strain", "0.05", "--out", str(tmp_path / "b"), "--json"], capsys)
    assert code == 0, err
    assert set(json.loads(out)) == {"substrate_miller", "film_miller", "termination", "area_A2", "film_strains", "mean_abs_strain",
                                    "shear_deg", "tolerance_reading", "matches_within_tolerance", "atoms", "formula", "gap_A",
                                    "run_directory"}
    assert (tmp_path / "b" / "interface.extxyz").is_file()


def test_shear_filter_changes_the_chosen_match():
    """fcc(100) on fcc(111): the smallest-area match shears the film by 6.6 deg; a 2 deg limit picks an unsheared one."""
    loose = build_coherent_interface(load_structure("ni-fcc"), load_structure("cu-fcc"), (1, 1, 1), (1, 0, 0),
                                     MatchSettings(max_area=40, max_strain=0.1, max_angle_mismatch_deg=90), 1, 1)
    strict = build_coherent_interface(load_structure("ni-fcc"), load_structure("cu-fcc"), (1, 1, 1), (1, 0, 0),
                                      MatchSettings(max_area=40, max_strain=0.1, max_angle_mismatch_deg=2), 1, 1)
    assert loose.angle_mismatch_deg > 2 and strict.angle_mismatch_deg <= 2 and strict.area_A2 > loose.area_A2


@pytest.mark.parametrize("argv, message", [
    (["--substrate-miller", "0", "0", "0"], "not a plane"),
    (["--gap", "inf"], "gap"),
    (["--max-strain", "nan"], "finite"),
])
def test_cli_build_bad_geometry_exits_2(capsys, argv, message):
    base = ["interface", "build", "ni-fcc", "cu-fcc", "--substrate-miller", "1", "0", "0", "--film-miller", "1", "0", "0"]
    code, _, err = run_cli(base + argv, capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_grid_refuses_non_finite_and_huge():
    with pytest.raises(SSELabError, match="finite"):
        ShiftGrid(lateral_max=float("nan")).points()
    with pytest.raises(SSELabError, match="points"):
        ShiftGrid(lateral_step=1e-4).points()


def test_stress_converged_cell_relaxation_keeps_old_cache_keys(emt):
    """cell_factor=1 converges the stress itself; callers that do not pass it keep their cache entries."""
    from ase.build import bulk

    from sselab.atomistic.engine.cache import cache_key

    strained = bulk("Cu", "fcc", a=3.70, cubic=True).repeat((2, 2, 2))
    default = emt.relax(strained, cell=True, fmax=0.05)
    converged = emt.relax(strained, cell=True, fmax=0.05, cell_factor=1.0)
    default.calc, converged.calc = load_calculator_emt(), load_calculator_emt()
    assert abs(converged.get_stress()[:3]).max() < abs(default.get_stress()[:3]).max()
    assert abs(converged.get_stress()[:3]).max() * converged.get_volume() < 0.05 + 1e-9
    old_task = {"kind": "relax-cell", "fmax": 0.05, "max_steps": emt.max_steps, "optimizer": "LBFGS"}
    assert emt.cache.lookup(cache_key(strained, emt.spec, old_task)) is not None


def load_calculator_emt():
    from ase.calculators.emt import EMT

    return EMT()
