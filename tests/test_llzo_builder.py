"""Ordered cubic LLZO and exchange-ion substitution (seed 000 §2.1-2.2, §3.1)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import spglib
from ase.geometry import get_distances

from sselab.atomistic.build.llzo import (
    MIN_LI_LI,
    ewald_energy,
    exchange_count,
    li_conflicts,
    llzo_framework,
    ordered_cubic_llzo,
    pair_ewald_matrix,
    substitute_exchange_ions,
)
from sselab.constants import FORMAL_CHARGES
from sselab.errors import SSELabError


@pytest.fixture(scope="module")
def ordered():
    return ordered_cubic_llzo(seed=0, samples=40)


@pytest.fixture(scope="module")
def supercell(ordered):
    return ordered[0].repeat((2, 3, 3))


def _li_li_min(atoms):
    li = atoms[atoms.numbers == 3]
    _, d = get_distances(li.positions, cell=li.cell, pbc=True)
    np.fill_diagonal(d, np.inf)
    return d.min()


def test_composition_and_neutrality(ordered):
    atoms, _ = ordered
    assert Counter(atoms.get_chemical_symbols()) == {"Li": 56, "La": 24, "Zr": 16, "O": 96}
    assert sum(FORMAL_CHARGES[s] for s in atoms.get_chemical_symbols()) == 0


def test_framework_space_group_230(ordered):
    atoms, _ = ordered
    frame = atoms[atoms.numbers != 3]
    cell = (frame.cell.array, frame.get_scaled_positions(), frame.numbers)
    assert spglib.get_symmetry_dataset(cell, symprec=1e-3).number == 230
    # the Li ordering breaks the cubic symmetry, as any ordered model of a partially occupied site must
    full = (atoms.cell.array, atoms.get_scaled_positions(), atoms.numbers)
    assert spglib.get_symmetry_dataset(full, symprec=1e-3).number != 230


def test_framework_geometry_is_garnet_like():
    """Cation–O distances of the packaged refinement lie in the ranges known for garnet LLZO."""
    atoms, labels = llzo_framework()
    o = np.flatnonzero(atoms.numbers == 8)
    for label, lo, hi in (("24c-La", 2.45, 2.65), ("16a-Zr", 2.05, 2.15), ("24d", 1.85, 2.00)):
        i = int(np.flatnonzero(labels == label)[0])
        _, d = get_distances(atoms.positions[i], atoms.positions[o], cell=atoms.cell, pbc=True)
        n = {"24c-La": 8, "16a-Zr": 6, "24d": 4}[label]
        nearest = np.sort(d[0])[:n]
        assert lo < nearest.min() and nearest.max() < hi, (label, nearest)


def test_site_labels_and_rules(ordered):
    atoms, report = ordered
    sites = atoms.arrays["site"]
    li = atoms.numbers == 3
    assert set(sites[li]) <= {"24d", "96h"}
    assert Counter(sites[~li]) == {"24c-La": 24, "16a-Zr": 16, "96h-O": 96}
    assert report.n_li_24d + report.n_li_96h == 56
    assert report.n_li_24d == int(np.count_nonzero(sites == "24d"))
    assert _li_li_min(atoms) >= MIN_LI_LI
    assert report.min_li_li_distance == pytest.approx(_li_li_min(atoms))


def test_rules_exclude_cage_partner_and_face_sharing_tetrahedron():
    atoms, labels = llzo_framework()
    li = np.flatnonzero(atoms.numbers == 3)
    conflicts = li_conflicts(atoms[li], MIN_LI_LI)
    li_labels = labels[li]
    _, d = get_distances(atoms[li].positions, cell=atoms.cell, pbc=True)
    for k in np.flatnonzero(li_labels == "96h")[:10]:
        partners = conflicts[k]
        assert sorted(li_labels[partners]) == ["24d", "96h"]  # its cage partner and its face-sharing 24d
        assert d[k, partners].max() < 1.8
    for k in np.flatnonzero(li_labels == "24d")[:5]:
        assert list(li_labels[conflicts[k]]) == ["96h"] * 4


def test_fast_ewald_matches_pymatgen_directly(ordered):
    """The sub-block sum of the all-sites pair matrix equals a direct Ewald sum of the ordering."""
    atoms, report = ordered
    assert ewald_energy(atoms) == pytest.approx(report.ewald_lowest, abs=1e-4)
    # a second, independently sampled ordering
    other, other_report = ordered_cubic_llzo(seed=7, samples=3)
    assert ewald_energy(other) == pytest.approx(other_report.ewald_lowest, abs=1e-4)
    frame, _ = llzo_framework()
    matrix = pair_ewald_matrix(frame)
    assert np.allclose(matrix, matrix.T, atol=1e-8)


def test_lowest_energy_is_kept(ordered):
    _, report = ordered
    energies = np.array(report.ewald_energies)
    assert len(energies) == report.samples == 40
    assert report.ewald_lowest == energies.min() <= energies.max() == report.ewald_highest
    assert np.all(report.ewald_lowest <= energies)
    assert report.ewald_std > 0  # the samples really differ


def test_seeded(ordered):
    atoms, report = ordered
    again, again_report = ordered_cubic_llzo(seed=0, samples=40)
    assert np.array_equal(atoms.positions, again.positions)
    assert again_report == report
    other, _ = ordered_cubic_llzo(seed=1, samples=40)
    assert not np.array_equal(atoms.positions, other.positions)


def test_bad_ordering_requests():
    with pytest.raises(SSELabError):
        ordered_cubic_llzo(samples=0)
    with pytest.raises(SSELabError):
        ordered_cubic_llzo(samples=2, min_li_li=1.0)


def test_paper_supercell_counts(supercell):
    assert len(supercell) == 3456
    assert int(np.count_nonzero(supercell.numbers == 3)) == 1008 == 56 * 18
    assert Counter(supercell.arrays["site"])["96h-O"] == 96 * 18
    # seed 000 §2.2: 18 and 36 exchanged ions for its "1.7 %" and "3.4 %" = 1/56 and 2/56 of Li
    assert exchange_count(1008, 1 / 56) == 18
    assert exchange_count(1008, 2 / 56) == 36
    assert exchange_count(1008, 0.017) == 17  # the printed 1.7 % taken literally (17.14 -> 17)
    assert exchange_count(10, 0.25) == 3  # halves round up


@pytest.mark.parametrize("site, allowed", [("octahedral", {"96h"}), ("tetrahedral", {"24d"}), ("any", {"24d", "96h"})])
def test_substitution_obeys_site_and_count(supercell, site, allowed):
    out = substitute_exchange_ions(supercell, "Na", concentration=1 / 56, site=site, seed=3)
    na = np.flatnonzero(out.numbers == 11)
    assert len(na) == 18 and int(np.count_nonzero(out.numbers == 3)) == 1008 - 18
    assert set(out.arrays["site"][na]) <= allowed
    assert out.info["exchange"]["indices"] == sorted(na.tolist())
    assert len(supercell) == len(out) and np.array_equal(supercell.positions, out.positions)
    assert np.count_nonzero(supercell.numbers == 11) == 0  # input untouched


def test_substitution_spreads_ions(supercell):
    out = substitute_exchange_ions(supercell, "K", count=18, seed=0)
    k = out.positions[out.numbers == 19]
    _, d = get_distances(k, cell=out.cell, pbc=True)
    np.fill_diagonal(d, np.inf)
    # 18 ions in 18 conventional cells (a = 13 Å): far apart, not clustered
    assert d.min() > 8.0
    rng = np.random.default_rng(0)
    oct_li = np.flatnonzero(supercell.arrays["site"] == "96h")
    random_min = []
    for _ in range(20):
        pick = rng.choice(oct_li, 18, replace=False)
        _, dr = get_distances(supercell.positions[pick], cell=out.cell, pbc=True)
        np.fill_diagonal(dr, np.inf)
        random_min.append(dr.min())
    assert d.min() > max(random_min)


def test_substitution_seeded(supercell):
    a = substitute_exchange_ions(supercell, "Ag", count=36, seed=5)
    b = substitute_exchange_ions(supercell, "Ag", count=36, seed=5)
    c = substitute_exchange_ions(supercell, "Ag", count=36, seed=6)
    assert a.info["exchange"]["indices"] == b.info["exchange"]["indices"]
    assert a.info["exchange"]["indices"] != c.info["exchange"]["indices"]


def test_substitution_errors(ordered, supercell):
    atoms, _ = ordered
    n_tet = int(np.count_nonzero(atoms.arrays["site"] == "24d"))
    with pytest.raises(SSELabError, match="only"):
        substitute_exchange_ions(atoms, "Na", count=n_tet + 1, site="tetrahedral")
    with pytest.raises(SSELabError, match="exactly one"):
        substitute_exchange_ions(atoms, "Na", count=1, concentration=0.1)
    with pytest.raises(SSELabError, match="exactly one"):
        substitute_exchange_ions(atoms, "Na")
    with pytest.raises(SSELabError, match="rounds to 0"):
        substitute_exchange_ions(atoms, "Na", concentration=0.005)
    with pytest.raises(SSELabError, match="unknown element"):
        substitute_exchange_ions(atoms, "Xx", count=1)
    with pytest.raises(SSELabError):
        substitute_exchange_ions(atoms, "Na", count=1, site="interstitial")  # type: ignore[arg-type]
    plain = atoms.copy()
    del plain.arrays["site"]
    with pytest.raises(SSELabError, match="site labels"):
        substitute_exchange_ions(plain, "Na", count=1)
