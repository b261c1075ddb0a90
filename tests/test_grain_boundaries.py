"""Mirror bicrystals: the garnet (110) mirror is a translation, the (111) one a twin equal to pymatgen's Σ3 in fcc."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from ase.build import bulk

from sselab.atomistic.build.grain_boundaries import (
    csl_bicrystal,
    formal_charge,
    mirror_bicrystal,
    mirror_translation,
    neutralize_by_removal,
    oriented_cell,
)
from sselab.atomistic.build.llzo import ordered_cubic_llzo
from sselab.errors import InputError

FRAMEWORK = ("La", "Zr", "O")


@pytest.fixture(scope="module")
def llzo():
    return ordered_cubic_llzo()[0]


def test_the_110_mirror_through_zr_is_a_quarter_translation_of_the_framework(llzo):
    built = mirror_bicrystal(llzo, (1, 1, 0), "Zr", framework=FRAMEWORK, neutralize=True)
    assert built.character.startswith("translation")
    np.testing.assert_allclose(np.abs(built.translation_fractional), 0.25, atol=1e-9)  # a/4 <1 -1 -1>
    assert formal_charge(built.atoms) == 0.0
    oriented, matrix, _ = oriented_cell(llzo, (1, 1, 0))
    cell = oriented.cell.array
    np.testing.assert_allclose(cell - np.diag(np.diag(cell)), 0.0, atol=1e-9)  # an orthogonal box
    assert abs(round(np.linalg.det(matrix))) == 2 and len(oriented) == 2 * len(llzo)


def test_the_111_mirror_is_not_a_translation(llzo):
    oriented, _, _ = oriented_cell(llzo, (1, 1, 1))
    assert len(oriented) == 6 * len(llzo)
    assert mirror_translation(oriented, FRAMEWORK) is None
    assert mirror_translation(oriented, None) is None  # with the Li too


def test_both_boundaries_are_mirror_planes_and_no_pair_is_left_too_close(llzo):
    from ase.neighborlist import neighbor_list

    raw = mirror_bicrystal(llzo, (1, 1, 0), "Zr", min_distance_A=0.0).atoms
    length = raw.cell[2, 2] / 2
    frac = raw.get_scaled_positions()
    for plane in (0.0, length):  # reflect every atom through the plane: the same set of atoms, species included
        mirrored = raw.positions.copy()
        mirrored[:, 2] = 2 * plane - mirrored[:, 2]
        moved = raw.cell.scaled_positions(mirrored)
        for k, row in enumerate(moved):
            delta = frac - row
            delta -= np.round(delta)
            distance = np.linalg.norm(delta @ raw.cell.array, axis=1)
            assert distance.min() < 1e-6 and raw.numbers[np.argmin(distance)] == raw.numbers[k]
    built = mirror_bicrystal(llzo, (1, 1, 0), "La", neutralize=True)
    assert len(neighbor_list("i", built.atoms, 1.6)) == 0


def test_without_overlap_removal_the_bicrystal_holds_twice_the_grain(llzo):
    built = mirror_bicrystal(llzo, (1, 1, 0), "La", layers=2, min_distance_A=0.0)
    assert len(built.atoms) == 2 * 2 * 2 * len(llzo)  # two grains of two periods of the 2x-cell
    assert built.overlaps_removed == {} and formal_charge(built.atoms) == 0.0
    assert built.boundaries_z_A[1] == pytest.approx(built.atoms.cell[2, 2] / 2)


def test_the_fcc_111_mirror_is_pymatgens_sigma3_twin():
    from pymatgen.analysis.structure_matcher import StructureMatcher
    from pymatgen.core.interface import GrainBoundaryGenerator
    from pymatgen.io.ase import AseAtomsAdaptor

    cu = bulk("Cu", "fcc", a=3.6, cubic=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sigma3 = GrainBoundaryGenerator(AseAtomsAdaptor.get_structure(cu)).gb_from_parameters([1, 1, 1], 60.0, expand_times=2,
                                                                                             plane=[1, 1, 1])
    matcher = StructureMatcher(primitive_cell=False, scale=False, attempt_supercell=True, ltol=0.05, stol=0.05, angle_tol=1)
    mine = mirror_bicrystal(cu, (1, 1, 1), "Cu", layers=2)
    assert mine.character.startswith("mirror") and mine.overlaps_removed == {}
    assert matcher.fit(AseAtomsAdaptor.get_structure(mine.atoms), sigma3)
    thicker = mirror_bicrystal(cu, (1, 1, 1), "Cu", layers=3)  # a different grain thickness is another structure
    assert not matcher.fit(AseAtomsAdaptor.get_structure(thicker.atoms), sigma3)


def test_neutralizing_removes_the_nearest_ions_first():
    atoms = bulk("Li2O", "fluorite", a=4.6, cubic=True)
    del atoms[[i for i, s in enumerate(atoms.get_chemical_symbols()) if s == "Li"][:3]]  # net -3 e
    distance = np.arange(len(atoms), dtype=float)[::-1]  # the last atoms are nearest
    neutral, removed = neutralize_by_removal(atoms, distance)
    assert formal_charge(neutral) == 0.0 and removed == {"O": 2, "Li": 1}
    kept_o = [i for i, s in enumerate(atoms.get_chemical_symbols()) if s == "O"][:-2]
    assert neutral.get_chemical_symbols().count("O") == len(kept_o)


def test_the_purest_111_li_plane_holds_only_li_where_the_first_holds_zr():
    """Along (111) of the packaged garnet cell (what ``gb build llzo`` reads) the lowest Li plane is also a Zr plane;
    seed 003's Li-enriched interface needs a mirror through Li alone, and the densest such plane."""
    from sselab.studies.md import build_md_system

    llzo = build_md_system("llzo")[0]

    def on_mirror(atoms):
        z = np.mod(atoms.positions[:, 2] + 0.5 * atoms.cell[2, 2], atoms.cell[2, 2]) - 0.5 * atoms.cell[2, 2]
        return sorted(s for s, height in zip(atoms.get_chemical_symbols(), z) if abs(height) <= 0.1)

    first = mirror_bicrystal(llzo, (1, 1, 1), "Li", min_distance_A=0.0)
    purest = mirror_bicrystal(llzo, (1, 1, 1), "Li", min_distance_A=0.0, plane_choice="purest")
    assert "Zr" in on_mirror(first.atoms) and set(on_mirror(purest.atoms)) == {"Li"}
    # no Li-only plane of the oriented cell holds more Li than the chosen one
    oriented = oriented_cell(llzo, (1, 1, 1))[0]
    period, symbols = oriented.cell[2, 2], np.array(oriented.get_chemical_symbols())
    z = np.mod(oriented.positions[:, 2], period)
    sizes = []
    for height in z[symbols == "Li"]:
        near = np.abs(np.mod(z - height + period / 2, period) - period / 2) <= 0.1
        if set(symbols[near]) == {"Li"}:
            sizes.append(int(near.sum()))
    assert len(on_mirror(purest.atoms)) == max(sizes)
    assert purest.summary()["mirror_plane_composition"] == {"Li": max(sizes)} and purest.summary()["plane_choice"] == "purest"
    assert sorted(purest.atoms.get_chemical_symbols()) == sorted(first.atoms.get_chemical_symbols())  # both twice the grain


@pytest.mark.parametrize("element", ["Li", "La", "Zr"])
def test_each_built_111_mirror_is_enriched_in_its_element_within_two_angstrom(element):
    """Seed 003's Li-, La- and Zr-enriched (111) interfaces, as built (overlaps removed, neutralised): the element's share
    of the atoms within ±2 Å of the two boundaries, counted here by hand, exceeds its share in the crystal."""
    from sselab.studies.md import build_md_system

    llzo = build_md_system("llzo")[0]
    built = mirror_bicrystal(llzo, (1, 1, 1), element, neutralize=True, plane_choice="purest")
    atoms, length = built.atoms, built.atoms.cell[2, 2]
    z = atoms.positions[:, 2]
    near = np.zeros(len(atoms), bool)
    for boundary in built.boundaries_z_A:
        near |= np.abs(np.mod(z - boundary + length / 2, length) - length / 2) <= 2.0
    symbols = np.array(atoms.get_chemical_symbols())
    share = np.mean(symbols[near] == element)
    bulk_share = llzo.get_chemical_symbols().count(element) / len(llzo)
    assert share > bulk_share
    assert built.summary()["boundary_enrichment"][element] == pytest.approx(share / bulk_share, rel=1e-12)


@pytest.mark.parametrize("miller, element, kwargs, match", [
    ((1, 1, 1), "Li", {"plane_choice": "densest"}, "plane choice"),
    ((0, 0, 0), "Zr", {}, "0 0 0"), ((1, 1, 0), "Na", {}, "not in the structure"), ((1.5, 1, 0), "Zr", {}, "whole Miller"),
    ((1, 1, 0), "Zr", {"layers": 0}, "grain thickness"), ((1, 1, 0), "Zr", {"neutralize": False}, "net formal charge"),
])
def test_bad_bicrystal_requests_are_refused(llzo, miller, element, kwargs, match):
    with pytest.raises(InputError, match=match):
        mirror_bicrystal(llzo, miller, element, **kwargs)


def test_a_csl_sigma3_of_fcc_equals_the_111_mirror_and_a_sigma5_is_orthogonal():
    from pymatgen.analysis.structure_matcher import StructureMatcher
    from pymatgen.io.ase import AseAtomsAdaptor

    cu = bulk("Cu", "fcc", a=3.6, cubic=True)
    twin = csl_bicrystal(cu, (1, 1, 1), 60.0, plane=(1, 1, 1), expand_times=2)
    assert twin.sigma == 3 and twin.overlaps_removed == {} and len(twin.atoms) == 48
    matcher = StructureMatcher(primitive_cell=False, scale=False, attempt_supercell=True, ltol=0.05, stol=0.05, angle_tol=1)
    mirror = mirror_bicrystal(cu, (1, 1, 1), "Cu", layers=2).atoms  # another construction of the same twin
    assert matcher.fit(AseAtomsAdaptor.get_structure(twin.atoms), AseAtomsAdaptor.get_structure(mirror))
    sigma5 = csl_bicrystal(cu, (0, 0, 1), np.degrees(2 * np.arctan(1 / 3)), plane=(3, 1, 0))
    assert sigma5.sigma == 5 and np.allclose(sigma5.atoms.cell.angles(), 90.0)
    assert np.allclose(sigma5.atoms.cell.array[2, :2], 0.0)  # c normal to the boundary plane: a load axis along z
    twist = csl_bicrystal(cu, (0, 0, 1), np.degrees(2 * np.arctan(1 / 3)))  # pymatgen's c points along -z here
    assert twist.atoms.cell[2, 2] > 0 and twist.atoms.positions[:, 2].min() > -1e-6


def test_boundary_heights_lie_midway_between_the_grains_facing_layers():
    from sselab.atomistic.build.grain_boundaries import grain_boundary_heights

    # lower grain: layers at 0.05 ... 0.45, upper grain 0.55 ... 0.95 (one wrapped to -0.05): boundaries at 0 and 0.5
    z = np.array([0.05, 0.25, 0.45, 0.55, 0.75, -0.05])
    upper = np.array([False, False, False, True, True, True])
    assert grain_boundary_heights(z, upper) == pytest.approx((0.0, 0.5))
    # an upper grain shifted up by 0.02: both boundaries move up by 0.01
    assert grain_boundary_heights(z + 0.02 * upper, upper) == pytest.approx((0.01, 0.51))
    # atoms exactly at the nominal heights, a round-off on either side, stay with their grains
    edge = np.array([0.05, 0.25, 0.5 - 1e-12, 0.5, 0.75, 1.0 - 1e-12])
    assert grain_boundary_heights(edge, np.array([False, False, True, True, True, True])) == pytest.approx((0.025, 0.375))
    with pytest.raises(InputError, match="both grains"):
        grain_boundary_heights(z, np.zeros(6, dtype=bool))


def test_a_csl_sigma3_of_ordered_llzo_is_built_from_its_cubic_metric_and_left_neutral(llzo):
    from ase.neighborlist import neighbor_list

    built = csl_bicrystal(llzo, (1, 1, 1), 60.0, plane=(1, 1, 1), expand_times=1, neutralize=True)
    assert built.sigma == 3 and formal_charge(built.atoms) == 0.0
    assert len(neighbor_list("i", built.atoms, 1.6)) == 0  # no pair closer than the overlap distance is left
    assert sum(built.overlaps_removed.values()) > 0 and built.neutralized["Li"] > 0
    with pytest.raises(InputError, match="use a CSL angle"):
        csl_bicrystal(llzo, (1, 1, 1), 50.0, plane=(1, 1, 1))
    with pytest.raises(InputError, match="net formal charge"):
        csl_bicrystal(llzo, (1, 1, 1), 60.0, plane=(1, 1, 1), expand_times=1)
