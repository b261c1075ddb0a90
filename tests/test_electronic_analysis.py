"""The analysis behind ``sselab electronic`` on synthetic states and densities, where every answer is known in closed form
(no DFT code needed)."""

import math

import numpy as np
import pytest

from sselab.atomistic.electronic.density import (
    DensityGrid,
    check_windows,
    localization_volume,
    parse_window,
    planar_average,
    window_fractions,
)
from sselab.atomistic.electronic.settings import DFTSettings, parse_gpaw_options, parse_hubbard, parse_kpts
from sselab.atomistic.electronic.states import (
    ElectronicStructure,
    band_edges,
    gap_states,
    gaussian_dos,
    interplanar_spacing,
    layer_groups,
    local_edges,
    potential_alignment,
    projected_dos,
    shares,
    total_dos,
)
from sselab.errors import InputError

CELL = np.diag([4.0, 5.0, 10.0])


def _states(eigenvalues, occupations, projections, positions, potentials=None, weights=None, cell=CELL, symbols=None):
    eigenvalues = np.asarray(eigenvalues, float)
    n_atoms = len(positions)
    return ElectronicStructure(
        tuple(symbols or ["O"] * n_atoms), np.asarray(positions, float), np.asarray(cell, float), eigenvalues,
        np.asarray(occupations, float), np.asarray(weights if weights is not None else np.full(eigenvalues.shape[1], 1 / eigenvalues.shape[1])),
        0.0, np.asarray(projections, float), np.asarray(potentials if potentials is not None else np.zeros(n_atoms), float))


def test_band_edges_find_an_indirect_gap_across_k_points_and_spins():
    eig = np.array([[[-1.0, 2.0], [-0.5, 1.5]], [[-0.8, 3.0], [-0.7, 2.5]]])  # spins x k x bands
    occ = np.array([[[1, 0], [1, 0]], [[1, 0], [1, 0]]])
    edges = band_edges(_states(eig, occ, np.ones((2, 2, 2, 1, 4)), [[0, 0, 0]]))
    assert edges.vbm_eV == -0.5 and edges.cbm_eV == 1.5 and edges.gap_eV == 2.0
    assert edges.vbm_at == (0, 1) and edges.cbm_at == (0, 1) and edges.direct
    eig[0, 1, 1] = 2.2  # now the lowest empty state is spin 0, k 0: the gap becomes indirect
    edges = band_edges(_states(eig, occ, np.ones((2, 2, 2, 1, 4)), [[0, 0, 0]]))
    assert edges.cbm_eV == 2.0 and edges.cbm_at == (0, 0) and not edges.direct


def test_a_band_crossing_the_fermi_level_or_a_half_filled_level_is_metallic():
    eig = np.array([[[-1.0, 0.5], [-0.5, 0.2]]])
    crossing = np.array([[[1, 1], [1, 0]]])  # band 1 occupied at k 0, empty at k 1
    edges = band_edges(_states(eig, crossing, np.ones((1, 2, 2, 1, 4)), [[0, 0, 0]]))
    assert edges.metallic and edges.gap_eV == 0.0
    half = np.array([[[1, 0.5], [1, 0.5]]])
    assert band_edges(_states(eig, half, np.ones((1, 2, 2, 1, 4)), [[0, 0, 0]])).metallic
    insulating = np.array([[[1, 0], [1, 0]]])
    assert not band_edges(_states(eig, insulating, np.ones((1, 2, 2, 1, 4)), [[0, 0, 0]])).metallic


def test_gaussian_dos_integrates_to_the_number_of_states_times_the_spin_degeneracy():
    eig = np.array([[[-3.0, -1.0, 2.0], [-2.5, -0.5, 2.5]]])
    energies = np.linspace(-10, 10, 20001)
    dos = gaussian_dos(energies, eig, np.ones_like(eig), np.array([0.25, 0.75]), 0.1, degeneracy=2.0)
    assert np.trapezoid(dos, energies) == pytest.approx(6.0, rel=1e-9)  # 3 bands x 2 electrons' worth of states
    # one state, weight 1: the peak of a unit Gaussian of width σ is 1/(√π σ)
    single = gaussian_dos(np.array([0.0]), np.zeros((1, 1, 1)), np.ones((1, 1, 1)), np.ones(1), 0.2, degeneracy=1.0)
    assert single[0] == pytest.approx(1 / (math.sqrt(math.pi) * 0.2))


def test_projected_dos_of_a_partition_adds_up_to_the_total_and_splits_in_proportion_to_the_projections():
    rng = np.random.default_rng(3)
    eig = np.sort(rng.normal(size=(2, 3, 6)), axis=2)
    projections = rng.random((2, 3, 6, 4, 4))
    states = _states(eig, eig < 0, projections, rng.random((4, 3)), weights=np.array([0.2, 0.3, 0.5]))
    energies = np.linspace(-4, 4, 801)
    parts = projected_dos(states, energies, {"a": [0, 2], "b": [1], "c": [3]})
    np.testing.assert_allclose(sum(parts.values()), total_dos(states, energies), rtol=1e-12, atol=1e-12)
    share = shares(states)
    np.testing.assert_allclose(share.sum(axis=3), 1.0)
    np.testing.assert_allclose(share[1, 2, 5, 1], projections[1, 2, 5, 1].sum() / projections[1, 2, 5].sum())


def test_layer_groups_and_local_edges_of_a_two_material_stack():
    # four atoms along c; states: a deep band on atoms 0-1 (layer 1), a shallow band on atoms 2-3 (layer 2), and
    # empty bands: a low one on layer 2 and a high one on layer 1
    positions = [[0, 0, 0.1], [0, 0, 0.3], [0, 0, 0.6], [0, 0, 0.8]]
    groups, edges_A = layer_groups(np.array(positions), CELL, 2, 2)
    assert groups == {"layer 1": [0, 1], "layer 2": [2, 3]}
    np.testing.assert_allclose(edges_A, [0.0, 5.0, 10.0])
    eig = np.array([[[-5.0, -1.0, 2.0, 6.0]]])
    occ = np.array([[[1, 1, 0, 0]]])
    on_1, on_2 = [1, 1, 0, 0], [0, 0, 1, 1]
    projections = np.array([on_1, on_2, on_2, on_1], float)[None, None, :, :, None] * np.ones(4)
    local = {e.name: e for e in local_edges(_states(eig, occ, projections, positions), groups)}
    assert (local["layer 1"].vbm_eV, local["layer 1"].cbm_eV, local["layer 1"].gap_eV) == (-5.0, 6.0, 11.0)
    assert (local["layer 2"].vbm_eV, local["layer 2"].cbm_eV, local["layer 2"].gap_eV) == (-1.0, 2.0, 3.0)


def test_potential_alignment_uses_atoms_far_from_the_changed_site_and_gap_states_lie_in_the_aligned_host_gap():
    cell = np.diag([30.0, 5.0, 5.0])
    positions = [[x / 30.0, 0.5, 0.5] for x in (1.0, 6.0, 13.0, 18.0, 25.0)]  # minimum-image distances from atom 0: 5, 12, 13, 6 Å
    host = _states(np.array([[[-1.0, 3.0]]]), np.array([[[1, 0]]]), np.ones((1, 1, 2, 5, 4)), positions,
                   potentials=[-30.0] * 5, cell=cell, symbols=["O"] * 5)
    # the defect: atom 0 replaced by F; far from it the potential is 0.4 eV higher; one state at 1.9 eV sits on the F
    projections = np.zeros((1, 1, 3, 5, 4))
    projections[0, 0, 0, :, 0] = 1.0
    projections[0, 0, 1, 0, 0] = 1.0
    projections[0, 0, 2, :, 0] = 1.0
    defect = _states(np.array([[[-0.6, 1.9, 3.4]]]), np.array([[[1, 1, 0]]]), projections, positions,
                     potentials=[-35.0, -29.0, -29.6, -29.6, -29.2], cell=cell, symbols=["F", "O", "O", "O", "O"])
    shift, used = potential_alignment(defect, host, far_A=8.0)
    assert used == 2 and shift == pytest.approx(0.4)  # atoms 2 and 3; atoms 1 and 4 are within 8 Å of the F
    found = gap_states(defect, band_edges(host), shift)
    assert len(found) == 1
    assert found[0].energy_above_vbm_eV == pytest.approx(1.9 - (-1.0 + 0.4))
    assert found[0].weights["F"] == 1.0 and found[0].weights["O"] == 0.0 and found[0].participating_atoms == pytest.approx(1.0)
    with pytest.raises(InputError, match="different cell"):
        potential_alignment(defect, _states(host.eigenvalues_eV, host.occupations, host.projections, positions, cell=CELL))
    with pytest.raises(InputError, match="farther than"):
        potential_alignment(defect, host, far_A=14.0)


def _sheet_fractions(planes: int) -> dict[str, float]:
    cell = np.array([[6.0, 0, 0], [1.0, 5.0, 0], [0.5, 0.3, 12.0]])  # oblique: z is measured along the normal of a×b
    z = np.arange(planes) * interplanar_spacing(cell, 2) / planes
    profile = sum(np.exp(-((z - 4.0 - image) / 2.0) ** 2) for image in (-24.0, -12.0, 0.0, 12.0, 24.0))  # a periodic sheet at 4 Å
    grid = DensityGrid(np.array(np.broadcast_to(profile, (8, 10, planes))), cell)
    grid = DensityGrid(grid.values / grid.integral(), cell)  # one electron
    zs, line = planar_average(grid, 2)
    assert grid.integral() == pytest.approx(1.0) and line.sum() * (zs[1] - zs[0]) == pytest.approx(1.0)
    return window_fractions(grid, [parse_window("near:c=3:5"), parse_window("far:c=8:12")])


def test_window_fractions_of_a_synthetic_density_match_analytic_integrals_and_converge_with_the_grid():
    assert interplanar_spacing(np.array([[6.0, 0, 0], [1.0, 5.0, 0], [0.5, 0.3, 12.0]]), 2) == pytest.approx(12.0)
    exact = {"near": math.erf(0.5),  # ±1 Å = ±half a width of the sheet at 4 Å
             "far": math.erfc(2.0) - math.erfc(4.0)}  # 8..12 Å: 2 to 4 widths from the sheet, and from its image at 16 Å
    coarse, fine = _sheet_fractions(120), _sheet_fractions(240)
    for name, value in exact.items():
        assert fine[name] == pytest.approx(value, abs=1e-4)
        assert abs(fine[name] - value) < abs(coarse[name] - value) / 3  # second order: halving Δz quarters the error
    assert sum(fine.values()) == pytest.approx(1.0) and fine["rest"] == pytest.approx(1 - exact["near"] - exact["far"], abs=2e-4)


def test_localization_volume_is_the_cell_for_a_uniform_density_and_the_region_for_a_confined_one():
    cell = np.diag([3.0, 4.0, 5.0])
    uniform = DensityGrid(np.full((6, 8, 10), 1 / 60.0), cell)
    assert localization_volume(uniform) == pytest.approx(60.0)
    confined = np.zeros((6, 8, 10))
    confined[:3, :4, :5] = 1.0  # an eighth of the cell
    assert localization_volume(DensityGrid(confined, cell)) == pytest.approx(7.5)


@pytest.mark.parametrize("text, message", [
    ("gb:c=5:3", "LO < HI"), ("gb=0:3", "NAME:AXIS=LO:HI"), ("gb:q=0:3", "NAME:AXIS=LO:HI"), ("gb:c=a:3", "numbers"),
])
def test_bad_windows_are_refused(text, message):
    with pytest.raises(InputError, match=message):
        parse_window(text)


def test_windows_outside_the_cell_or_overlapping_are_refused():
    with pytest.raises(InputError, match="outside the cell"):
        check_windows([parse_window("gb:c=8:11")], CELL)
    with pytest.raises(InputError, match="overlap"):
        check_windows([parse_window("a:c=0:5"), parse_window("b:c=4:6")], CELL)
    with pytest.raises(InputError, match="one axis"):
        check_windows([parse_window("a:c=0:5"), parse_window("b:a=1:2")], CELL)


def test_settings_parse_and_refuse_bad_values():
    settings = parse_gpaw_options("mode=lcao,kpts=2x2x1,charge=-1,spin=on,u=Co:d:3.3;Ni:d:6.2")
    assert settings.mode == "lcao" and settings.kpts == (2, 2, 1) and settings.charge == -1 and settings.spin_polarized
    assert settings.hubbard_u == (("Co", "d", 3.3), ("Ni", "d", 6.2))
    assert parse_kpts("3") == (3, 3, 3)
    for text, message in (("mode=fd", "pw or lcao"), ("ecut=abc", "not a number"), ("nbands=3", "KEY=VALUE"),
                          ("kpts=0x1x1", "kpts"), ("spin=maybe", "on or off")):
        with pytest.raises(InputError, match=message):
            parse_gpaw_options(text)
    with pytest.raises(InputError, match="ELEMENT:ORBITAL:U_eV"):
        parse_hubbard("Co:x:3")
    with pytest.raises(InputError, match="charge"):
        DFTSettings(charge=0.5)
