"""Partial RDFs, bond cut-offs and counts, crystalline order, density and bond evolution (seed 003 Fig. 4a)."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms

from sselab.analysis.bonds import BondEvolution, bond_evolution, widest_gap
from sselab.analysis.structure import count_bonds, crystalline_fraction, first_minimum, mass_density, partial_rdf
from sselab.errors import InputError
from sselab.studies.md import build_md_system


@pytest.fixture(scope="module")
def llzo() -> Atoms:
    atoms, _ = build_md_system("llzo")
    return atoms.repeat((2, 2, 2))  # 1536 atoms, 26 Å: room for a 6 Å RDF


def test_first_minimum_of_a_symmetric_two_peak_g_is_halfway_between_the_peaks():
    r = np.linspace(0.0, 6.0, 601)
    g = np.exp(-((r - 2.0) ** 2) / 0.5) + np.exp(-((r - 4.0) ** 2) / 0.5)
    assert first_minimum(r, g) == pytest.approx(3.0, abs=0.011)
    noisy = g + np.random.default_rng(1).normal(0.0, 0.01, r.size)
    assert first_minimum(r, noisy) == pytest.approx(3.0, abs=0.15)
    sharp = np.where(np.abs(r - 2.0) < 0.02, 50.0, 0.0) + np.where(np.abs(r - 4.0) < 0.02, 50.0, 0.0)  # 0 K shells
    assert first_minimum(r, sharp) == pytest.approx(3.0, abs=0.03)
    with pytest.raises(InputError, match="no peak"):
        first_minimum(r, np.zeros_like(r))


def test_a_long_shallow_trough_cuts_at_its_middle_whatever_the_noise():
    r = np.linspace(0.0, 6.0, 601)
    shell = 6.0 * np.exp(-((r - 1.9) ** 2) / 0.02) + 2.0 * np.exp(-((r - 3.6) ** 2) / 0.05)
    trough = 0.3 / (1 + np.exp(-(r - 2.2) / 0.03)) / (1 + np.exp((r - 3.2) / 0.03))  # amorphous Li-O: a flat, low trough
    g = shell + trough
    cuts = [first_minimum(r, g + np.random.default_rng(seed).normal(0.0, 0.03, r.size)) for seed in range(5)]
    assert all(2.6 < c < 2.9 for c in cuts) and np.ptp(cuts) < 0.15  # the lowest bin alone sits at the far edge (3.2 Å)


def test_a_trough_rising_little_on_one_side_is_not_widened_by_the_tall_first_peak():
    r = np.linspace(0.0, 6.0, 601)
    g = 6.0 * np.exp(-((r - 2.0) ** 2) / 0.05) + 0.5 / (1 + np.exp(-(r - 4.0) / 0.1))  # a weak, unprominent second shell
    # the floor within 5 % of the lower flank (0.5) spans 2.52-3.71 A; 5 % of the first peak (6) would reach 4.04 A
    assert first_minimum(r, g) == pytest.approx(0.5 * (2.52 + 3.71), abs=0.04)


def test_a_noisy_trough_with_a_weak_far_side_cuts_near_its_middle():
    r = np.linspace(0.0, 6.0, 301)  # 0.02 Å bins, as one quenched frame gives them
    g = 6.0 * np.exp(-((r - 1.9) ** 2) / 0.01) + 0.4 / (1 + np.exp(-(r - 1.9) / 0.03)) + 0.7 / (1 + np.exp(-(r - 3.5) / 0.05))
    cuts = np.array([first_minimum(r, g + np.random.default_rng(seed).normal(0.0, 0.25, r.size)) for seed in range(40)])
    # the trough is flat at 0.4 from 2.0 to 3.4 Å: 81 % of 400 noisy copies are cut within 2.6-3.1 Å (the smoothed g's
    # lowest point alone: 38 %); seeds 0-39 give 80 %; 70 % is about two binomial standard deviations below 81 %
    assert np.mean((cuts > 2.6) & (cuts < 3.1)) >= 0.7 and 2.6 < np.median(cuts) < 3.0


def test_a_g_that_never_rises_again_has_no_first_minimum_in_range():
    r = np.linspace(0.0, 6.0, 601)
    with pytest.raises(InputError, match="does not rise again"):
        first_minimum(r, 6.0 * np.exp(-((r - 2.0) ** 2) / 0.05))


def test_gaps_on_a_periodic_line():
    assert widest_gap(np.array([1.0, 2.0, 3.0]), 10.0) == pytest.approx((8.0, 7.0))
    assert widest_gap(np.array([0.5, 9.0]), 10.0) == pytest.approx((8.5, 4.75))


def thermal(atoms: Atoms, rms_A: float = 0.1, seed: int = 0) -> Atoms:
    """A copy with Gaussian displacements (0.1 Å rms is about LLZO's at 300 K): the RDF a run's first frame has."""
    shaken = atoms.copy()
    shaken.positions += np.random.default_rng(seed).normal(0.0, rms_A, shaken.positions.shape)
    return shaken


def test_bond_counts_of_the_crystal_are_the_ideal_coordinations_and_survive_a_small_affine_strain(llzo):
    cutoffs = {pair: partial_rdf(thermal(llzo), pair).first_minimum_A() for pair in (("Zr", "O"), ("La", "O"))}
    assert 2.2 < cutoffs[("Zr", "O")] < 3.5 and 2.6 < cutoffs[("La", "O")] < 3.5
    n = {s: llzo.get_chemical_symbols().count(s) for s in ("La", "Zr")}
    assert count_bonds(llzo, cutoffs) == {("Zr", "O"): 6 * n["Zr"], ("La", "O"): 8 * n["La"]}
    strained = llzo.copy()
    strained.set_cell(llzo.cell.array @ np.diag([1.0, 1.0, 1.01]), scale_atoms=True)
    assert count_bonds(strained, cutoffs) == {("Zr", "O"): 6 * n["Zr"], ("La", "O"): 8 * n["La"]}
    lower = np.zeros(len(llzo), dtype=bool)
    lower[llzo.positions[:, 2] < 0.5 * llzo.cell[2, 2]] = True
    half = count_bonds(llzo, cutoffs, lower)
    zr_in_lower = int(np.sum(lower & (np.asarray(llzo.get_chemical_symbols()) == "Zr")))
    assert half[("Zr", "O")] == 6 * zr_in_lower


def test_rdf_of_an_ideal_gas_is_one_and_the_range_is_checked():
    rng = np.random.default_rng(3)
    gas = Atoms("Ar2000", positions=rng.random((2000, 3)) * 30.0, cell=[30.0, 30.0, 30.0], pbc=True)
    rdf = partial_rdf(gas, ("Ar", "Ar"), r_max_A=10.0, bins=20)
    assert np.allclose(rdf.g[5:], 1.0, atol=0.1)  # beyond 2.5 Å the bins hold enough pairs
    with pytest.raises(InputError, match="half the cell"):
        partial_rdf(gas, ("Ar", "Ar"), r_max_A=16.0)
    with pytest.raises(InputError, match="no Xe atoms"):
        partial_rdf(gas, ("Ar", "Xe"))


def test_crystalline_fraction_tells_an_ordered_zr_sublattice_from_a_random_one(llzo):
    rng = np.random.default_rng(0)
    assert crystalline_fraction(llzo) == 1.0
    thermal = llzo.copy()
    thermal.positions += rng.normal(0.0, 0.2, thermal.positions.shape)
    assert crystalline_fraction(thermal) == 1.0
    scrambled = llzo.copy()
    scrambled.positions = rng.random((len(llzo), 3)) @ llzo.cell.array
    assert crystalline_fraction(scrambled) == 0.0
    half = llzo.copy()  # scramble the upper half only: the lower half stays crystalline
    upper = half.positions[:, 2] > 0.5 * half.cell[2, 2]
    half.positions[upper] = rng.random((upper.sum(), 3)) @ np.diag([half.cell[0, 0], half.cell[1, 1], 0.5 * half.cell[2, 2]]) + [0, 0, 0.5 * half.cell[2, 2]]
    assert crystalline_fraction(half, members=~upper) > 0.85
    assert crystalline_fraction(half, members=upper) < 0.15
    with pytest.raises(InputError, match="exceed the neighbours"):
        crystalline_fraction(llzo, neighbors=8, solid_threshold=9)


def test_slab_density_equals_the_cell_density_for_a_crystal_cut_in_whole_periods(llzo):
    total = llzo.get_masses().sum() / llzo.get_volume() * 1.66053906660
    period = llzo.cell[2, 2] / 2
    assert mass_density(llzo, "z", 0.3 * period, period) == pytest.approx(total, rel=0.02)
    assert total == pytest.approx(5.1, abs=0.3)  # cubic LLZO, measured 5.1 g/cm3


def test_an_affine_pull_breaks_no_bond_and_a_separated_cell_opens(llzo):
    frames = []
    for strain in np.linspace(0.0, 0.02, 5):
        frame = thermal(llzo)
        frame.set_cell(llzo.cell.array @ np.diag([1.0, 1.0, 1.0 + strain]), scale_atoms=True)
        frames.append(frame)
    evolution = bond_evolution(frames, "z", pairs=(("Zr", "O"), ("La", "O")))
    np.testing.assert_allclose(evolution.strain, np.linspace(0.0, 0.02, 5), atol=1e-12)
    assert all(evolution.onset_strain(p) is None for p in evolution.counts)
    assert all(np.all(c == c[0]) for c in evolution.counts.values())
    # open a 6 Å gap: lengthen the cell without moving the atoms
    opened = frames[-1].copy()
    opened.set_cell(frames[-1].cell.array + np.diag([0.0, 0.0, 6.0]), scale_atoms=False)
    evolution = bond_evolution([*frames, opened], "z", pairs=(("Zr", "O"),), crack_axis="y")
    assert evolution.opening_A[-1] > evolution.opening_A[0] + 5.9
    assert evolution.cracked_length_A[-1] == pytest.approx(opened.cell[1, 1]) and evolution.cracked_length_A[0] == 0.0
    assert evolution.onset_strain("Zr-O") is None  # lost in the last frame only: not yet sustained (censored)
    evolution = bond_evolution([*frames, *[opened] * 5], "z", pairs=(("Zr", "O"),))
    assert evolution.onset_strain("Zr-O") == evolution.strain[-1]  # held open for five frames: the bonds broke


def test_onset_is_where_the_loss_stays_past_the_threshold():
    strain = np.linspace(0.0, 0.1, 11)
    counts = np.array([100, 100, 97, 100, 99, 97, 96, 90, 80, 60, 50])  # a dip at 2 % that recovers
    evolution = BondEvolution(strain=strain, counts={"Zr-O": counts}, cutoffs_A={"Zr-O": 2.6}, opening_A=np.zeros(11),
                              opening_center_A=np.zeros(11), cracked_length_A=None, threshold=0.02, region=None)
    assert evolution.onset_strain("Zr-O") == pytest.approx(0.05)
    assert evolution.to_dict()["bonds_left_at_end"]["Zr-O"] == pytest.approx(0.5)
    late = BondEvolution(**{**evolution.__dict__, "counts": {"Zr-O": np.array([100] * 9 + [90, 85])}})
    assert late.onset_strain("Zr-O") is None  # below the threshold for two frames only, fewer than the 5 required


def test_steepest_loss_is_where_the_count_falls_fastest_and_none_for_a_flat_count():
    strain = np.linspace(0.0, 0.1, 11)
    counts = np.array([100, 100, 97, 100, 99, 97, 96, 90, 80, 60, 50])
    evolution = BondEvolution(strain=strain, counts={"Zr-O": counts, "La-O": np.full(11, 40)}, cutoffs_A={"Zr-O": 2.6, "La-O": 3.2},
                              opening_A=np.zeros(11), opening_center_A=np.zeros(11), cracked_length_A=None, threshold=0.02,
                              region=None, smoothing_frames=1)
    assert evolution.steepest_drop_strain("Zr-O") == pytest.approx(0.085)  # 80 -> 60 between 8 and 9 %
    assert evolution.steepest_drop_strain("La-O") is None
    smoothed = BondEvolution(**{**evolution.__dict__, "smoothing_frames": 3})
    assert 0.07 <= smoothed.steepest_drop_strain("Zr-O") <= 0.09  # a 3-frame mean moves it by less than a frame
    step = np.where(np.arange(21) < 12, 100, 40)  # every bond lost between frames 11 and 12
    for width in (1, 5, 7):
        stepped = BondEvolution(strain=np.linspace(0.0, 0.2, 21), counts={"Zr-O": step}, cutoffs_A={"Zr-O": 2.6},
                                opening_A=np.zeros(21), opening_center_A=np.zeros(21), cracked_length_A=None, threshold=0.02,
                                region=None, smoothing_frames=width)
        assert stepped.steepest_drop_strain("Zr-O") == pytest.approx(0.115)  # the step's own interval, whatever the mean


def test_same_species_bonds_in_a_region_are_counted_once_as_an_independent_neighbour_list_does(llzo):
    from ase.neighborlist import neighbor_list

    cell = build_md_system("llzo")[0]
    lower = cell.positions[:, 2] < 0.5 * cell.cell[2, 2]
    i, j = neighbor_list("ij", cell, {("O", "O"): 3.0})
    oxygen = np.asarray(cell.get_chemical_symbols()) == "O"
    both = oxygen[i] & oxygen[j] & (i < j)
    assert count_bonds(cell, {("O", "O"): 3.0}) == {("O", "O"): int(both.sum())}
    assert count_bonds(cell, {("O", "O"): 3.0}, lower) == {("O", "O"): int(np.sum(both & (lower[i] | lower[j])))}
    assert count_bonds(cell, {("O", "O"): 3.0}, np.ones(len(cell), dtype=bool)) == count_bonds(cell, {("O", "O"): 3.0})


def test_rdf_averages_frames_of_different_volume_and_is_the_same_in_a_sheared_basis():
    rng = np.random.default_rng(5)
    frames = [Atoms("Ar2000", positions=rng.random((2000, 3)) * side, cell=[side] * 3, pbc=True) for side in (30.0, 40.0)]
    rdf = partial_rdf(frames, ("Ar", "Ar"), r_max_A=10.0, bins=20)
    assert rdf.frames == 2 and np.allclose(rdf.g[5:], 1.0, atol=0.1)
    crystal = thermal(build_md_system("llzo")[0])
    sheared = crystal.copy()  # the same lattice in the basis (a1, a1 + a2, a3): a triclinic cell
    sheared.set_cell([crystal.cell[0], crystal.cell[0] + crystal.cell[1], crystal.cell[2]], scale_atoms=False)
    sheared.wrap()
    straight, skew = (partial_rdf(a, ("Zr", "O"), r_max_A=4.5, bins=90) for a in (crystal, sheared))
    np.testing.assert_allclose(skew.g, straight.g, atol=1e-6)


@pytest.mark.parametrize(("call", "message"), [
    (lambda a: partial_rdf(a, ("Zr", "Qq")), "not an element"),
    (lambda a: partial_rdf(a, ("Zr",)), "two element symbols"),
    (lambda a: count_bonds(a, {("Zr", "O"): 2.6}, np.arange(len(a)) < 3), None),
    (lambda a: count_bonds(a, {("Zr", "O"): 2.6}, np.arange(10)), "boolean"),
    (lambda a: count_bonds(a, {("Zr", "O"): 2.6}, np.ones(10, dtype=bool)), "shape"),
    (lambda a: first_minimum(np.linspace(6.0, 0.0, 50), np.ones(50)), "increasing"),
    (lambda a: bond_evolution([a], "z", region=(np.nan, 5.0)), "finite"),
    (lambda a: bond_evolution([a], "z", region=(1.0,)), "centre, width"),
    (lambda a: bond_evolution([a], "z", pairs=(("Zr", "O"),), region=(1.0, 0.01)), "no Zr-O bonds in the region"),
])
def test_bad_structure_analysis_input_is_refused_in_one_line(call, message):
    cell = build_md_system("llzo")[0]
    if message is None:
        assert call(cell)[("Zr", "O")] >= 0  # a boolean mask of the right length is accepted
        return
    with pytest.raises(InputError, match=message):
        call(cell)


def test_the_fracture_plane_is_traced_back_to_the_first_frame_also_across_the_periodic_boundary():
    from ase.build import bulk

    from sselab.analysis.bonds import fracture_plane

    first = bulk("Cu", "fcc", a=3.6, cubic=True).repeat((2, 2, 8))  # (002) layers every 1.8 Å, c = 28.8 Å
    opened = first.copy()
    opened.positions[opened.positions[:, 2] > 10.0, 2] += 5.0  # broken between the layers at 9.0 and 10.8 Å
    opened.cell[2, 2] += 5.0
    assert fracture_plane(first, opened, "z") == pytest.approx(9.9)
    wrapped = first.copy()
    wrapped.cell[2, 2] += 5.0  # broken between the top layer (27.0 Å) and the bottom one's image (28.8 Å)
    assert fracture_plane(first, wrapped, "z") == pytest.approx(27.9)
    with pytest.raises(InputError, match="not one run"):
        fracture_plane(first, opened[:-1], "z")
