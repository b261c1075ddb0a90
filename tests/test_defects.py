"""Exchange-ion site scan in ordered LLZO (seed 000 Fig. 2) and Ewald-ranked configuration sampling (seed 004)."""

import json

import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.lj import LennardJones
from ase.geometry import get_distances

from sselab.atomistic.build.defects import (
    interstitial_candidates,
    llzo_li_sites,
    sample_configurations,
    select_li_sites,
    substitute,
)
from sselab.atomistic.build.electrostatics import ewald_energy
from sselab.atomistic.build.llzo import ordered_cubic_llzo
from sselab.atomistic.engine import Engine
from sselab.atomistic.engine.calculators import wrap_calculator
from sselab.atomistic.properties.sites import _name_sites, grow_concentration, nearest_site_type, scan_sites
from sselab.errors import SSELabError
from tests.conftest import run_cli

LLZO_CHARGES = {"Li": 1.0, "La": 3.0, "Zr": 4.0, "O": -2.0, "Na": 1.0}


@pytest.fixture(scope="module")
def host():
    atoms, _ = ordered_cubic_llzo(seed=0, samples=20)
    return atoms


def cheap_engine():
    """Element-blind Lennard-Jones with a handful of steps: exercises the machinery, not the physics."""
    return Engine(wrap_calculator(LennardJones(sigma=1.5, epsilon=0.01, rc=4.0, smooth=True)), max_steps=3)


def test_candidate_sites_reproduce_the_builders_labels(host):
    positions, labels = llzo_li_sites(host)
    assert len(positions) == 120 and (labels == "24d").sum() == 24 and (labels == "96h").sum() == 96
    for index in np.flatnonzero(host.numbers == 3):
        kind, distance = nearest_site_type(host, index, positions, labels)
        assert distance < 1e-6
        assert kind == {"24d": "tetrahedral", "96h": "octahedral"}[host.arrays["site"][index]]
    big = host.repeat((2, 1, 1))
    assert len(llzo_li_sites(big)[0]) == 240
    with pytest.raises(SSELabError, match="not a repeat"):
        llzo_li_sites(bulk("Cu", "fcc", a=3.6, cubic=True))


def test_a_tetrahedral_ion_moved_into_an_empty_octahedron_is_labelled_octahedral(host):
    positions, labels = llzo_li_sites(host)
    tet = int(np.flatnonzero(host.arrays["site"] == "24d")[0])
    li = host.positions[host.numbers == 3]
    _, to_li = get_distances(positions, li, cell=host.cell, pbc=True)
    empty_oct = np.flatnonzero((labels == "96h") & (to_li.min(axis=1) > 0.5))
    _, to_tet = get_distances(host.positions[tet], positions[empty_oct], cell=host.cell, pbc=True)
    target = empty_oct[int(np.argmin(to_tet[0]))]
    moved = host.copy()
    moved.positions[tet] = positions[target]
    assert nearest_site_type(moved, tet, positions, labels)[0] == "octahedral"


def test_site_selection_counts_types_and_is_deterministic(host):
    chosen = select_li_sites(host, octahedral=4, tetrahedral=2)
    labels = host.arrays["site"][chosen]
    assert len(chosen) == 6 and (labels == "96h").sum() == 4 and (labels == "24d").sum() == 2
    assert np.all(host.numbers[chosen] == 3)
    assert chosen == select_li_sites(host, octahedral=4, tetrahedral=2)
    with pytest.raises(SSELabError):
        select_li_sites(host, octahedral=0, tetrahedral=0)


def test_configuration_names_follow_the_paper():
    raw = [{"index": 1, "site_before": "tetrahedral", "site_after": "octahedral", "energy_eV": -10.5, "displacement_A": 1.7, "converged": True},
           {"index": 2, "site_before": "octahedral", "site_after": "octahedral", "energy_eV": -11.0, "displacement_A": 0.1, "converged": True},
           {"index": 3, "site_before": "tetrahedral", "site_after": "tetrahedral", "energy_eV": -10.2, "displacement_A": 0.1, "converged": True},
           {"index": 4, "site_before": "octahedral", "site_after": "octahedral", "energy_eV": -10.9, "displacement_A": 0.1, "converged": True}]
    sites = {s.index: s for s in _name_sites(raw)}
    assert sites[2].name == "O1" and sites[4].name == "O2" and sites[1].name == "*T1" and sites[3].name == "T2"
    assert sites[2].relative_eV == 0.0 and sites[3].relative_eV == pytest.approx(0.8)
    assert sites[1].hopped and not sites[3].hopped


def test_scan_and_growth_machinery(host):
    engine = cheap_engine()
    indices = select_li_sites(host, octahedral=2, tetrahedral=1)
    scan, relaxed = scan_sites(engine, host, "Na", indices)
    assert sorted(s.index for s in scan.sites) == sorted(indices)
    assert min(s.relative_eV for s in scan.sites) == 0.0
    for index, atoms in relaxed.items():
        assert atoms.get_chemical_symbols()[index] == "Na" and atoms.get_chemical_symbols().count("Na") == 1
    best = scan.best
    first = relaxed[best.index]
    first.arrays["site"] = host.arrays["site"]
    steps, structures = grow_concentration(engine, host, "Na", first, best.index, counts=3, candidates=2)
    assert [s.count for s in steps] == [1, 2, 3]
    assert [s.concentration for s in steps] == pytest.approx([1 / 56, 2 / 56, 3 / 56])
    assert len(set(steps[-1].indices)) == 3 and steps[-1].indices[:2] == steps[1].indices
    assert structures[-1].get_chemical_symbols().count("Na") == 3
    with pytest.raises(SSELabError, match="not Li"):
        scan_sites(engine, host, "Na", [0])


def test_ewald_energy_is_translation_invariant_and_needs_neutrality():
    atoms = bulk("LiF", "rocksalt", a=4.03, cubic=True)
    charges = {"Li": 1.0, "F": -1.0}
    shifted = atoms.copy()
    shifted.positions += [0.37, -1.1, 2.9]
    assert ewald_energy(shifted, charges) == pytest.approx(ewald_energy(atoms, charges), rel=1e-9)
    with pytest.raises(SSELabError, match="net formal charge"):
        ewald_energy(substitute(atoms, [0], "Mg"), {"Mg": 2.0, **charges})


def test_configuration_sampling_ranks_by_ewald_and_keeps_composition():
    parent = bulk("LiF", "rocksalt", a=4.2, cubic=True).repeat((2, 2, 2))
    parent.set_chemical_symbols(["O" if s == "F" else s for s in parent.get_chemical_symbols()])
    charges = {"Li": 1.0, "Zr": 4.0, "O": -2.0}
    kept, energies = sample_configurations(parent, charges, [("Li", "Zr", 8)], [("O", 4)], samples=60, keep=4, seed=3)
    assert len(energies) == 60 and len(kept) == 4
    assert [c.ewald_eV for c in kept] == sorted(c.ewald_eV for c in kept)
    assert kept[0].ewald_eV == pytest.approx(energies.min())
    for configuration in kept:
        symbols = configuration.atoms.get_chemical_symbols()
        assert (symbols.count("Li"), symbols.count("Zr"), symbols.count("O")) == (24, 8, 28)
    again, _ = sample_configurations(parent, charges, [("Li", "Zr", 8)], [("O", 4)], samples=60, keep=4, seed=3)
    assert [c.ewald_eV for c in again] == [c.ewald_eV for c in kept]
    with pytest.raises(SSELabError, match="net formal charge"):
        sample_configurations(parent, charges, [("Li", "Zr", 8)], samples=2)


def test_interstitial_candidates_of_fcc_are_its_octahedral_holes():
    """fcc: octahedral holes a/2 from the atoms (4 per cell), tetrahedral ones a*sqrt(3)/4; a 1.7 A floor keeps only the former."""
    a = 3.6
    atoms = bulk("Cu", "fcc", a=a, cubic=True)
    sites = interstitial_candidates(atoms, min_distance=1.7)
    assert len(sites) == 4
    _, d = get_distances(sites, atoms.positions, cell=atoms.cell, pbc=True)
    assert d.min(axis=1) == pytest.approx([a / 2] * 4, abs=1e-6)
    assert len(interstitial_candidates(atoms, min_distance=1.5)) == 12  # + the 8 tetrahedral holes


def test_cli_sites_with_a_cheap_calculator(tmp_path, capsys, monkeypatch):
    import sselab.cli.defects as defects

    monkeypatch.setattr(defects, "make_engine", lambda calculator, db, fmax: cheap_engine())
    code, out, err = run_cli(["defects", "sites", "--ion", "Na", "--octahedral", "2", "--tetrahedral", "1", "--max-count", "2",
                              "--candidates", "1", "--out", str(tmp_path / "sites"), "--json"], capsys)
    assert code == 0, err
    summary = json.loads(out)
    na = summary["ions"]["Na"]
    assert len(na["sites"]) == 3 and [s["count"] for s in na["concentration_steps"]] == [1, 2]
    for name in ("host_relaxed.extxyz", "best_Na_n1.extxyz", "best_Na_n2.extxyz", "sites.png", "run.json"):
        assert (tmp_path / "sites" / name).is_file()
    code, _, err = run_cli(["defects", "sites", "--ion", "Li"], capsys)
    assert code == 2 and "other than Li" in err


def test_cli_configurations_bad_input_exits_2(capsys):
    code, _, err = run_cli(["defects", "configurations", "lif", "--replace", "Li:Zr"], capsys)
    assert code == 2 and "X:X:COUNT" in err
    code, _, err = run_cli(["defects", "configurations", "lif", "--replace", "Li:Zr:1"], capsys)
    assert code == 2 and "net formal charge" in err
    code, _, err = run_cli(["defects", "configurations", "lif", "--replace", "Li:Qq:1", "--charges", "Qq=1"], capsys)
    assert code == 2 and "'Qq' is not an element symbol" in err


def test_full_replacement_is_applied_in_order():
    parent = bulk("LiF", "rocksalt", a=4.03, cubic=True)
    kept, _ = sample_configurations(parent, {"Li": 1.0, "Na": 1.0, "K": 1.0, "F": -1.0}, [("Li", "Na", 1), ("Na", "K", None)],
                                    samples=3, keep=1)
    assert sorted(kept[0].atoms.get_chemical_symbols()) == ["F"] * 4 + ["K"] + ["Li"] * 3


def test_cli_chain_sites_then_formation_energy_and_expansion(tmp_path, capsys, monkeypatch):
    """The hand-offs: a sites run feeds formation-energy (--calculator --sites) and expansion, whose ion file loads."""
    from ase.io import read

    import sselab.cli.defects as defects
    from sselab.params.ions import load_ion

    monkeypatch.setattr(defects, "make_engine", lambda calculator, db, fmax: cheap_engine())
    sites = tmp_path / "sites"
    code, _, err = run_cli(["defects", "sites", "--ion", "Na", "--octahedral", "2", "--tetrahedral", "0", "--max-count", "2",
                            "--candidates", "1", "--out", str(sites), "--json"], capsys)
    assert code == 0, err
    code, out, err = run_cli(["defects", "formation-energy", "--ion", "Na", "--calculator", "lj", "--sites", str(sites),
                              "--temperature", "1200 K", "--out", str(tmp_path / "fe"), "--json"], capsys)
    assert code == 0, err
    summary = json.loads(out)
    rows = {r["precursor"]: r for r in summary["rows"]}
    assert set(rows) == {"Na", "Na2O", "NaF", "NaCl", "NaBr"}
    # recompute the metal row from the files the runs wrote: E(n=1) - E(host) + E(Li)/atom - E(Na)/atom
    host = read(sites / "host_relaxed.extxyz").get_potential_energy()
    one = read(sites / "best_Na_n1.extxyz").get_potential_energy()
    li, na = (read(tmp_path / "fe" / f"salt_{name}.extxyz") for name in ("li-bcc", "na-bcc"))
    expected = one - host + li.get_potential_energy() / len(li) - na.get_potential_energy() / len(na)
    assert rows["Na"]["E_f_eV"] == pytest.approx(expected, rel=1e-9)
    assert summary["dilute_check"]["concentrations"] == pytest.approx([1 / 56, 2 / 56])

    code, out, err = run_cli(["expansion", str(sites), "--calculator", "lj", "--out", str(tmp_path / "gamma"), "--json"], capsys)
    assert code == 0, err
    result = json.loads(out)
    gamma = result["ions"]["Na"]["gamma"]
    a0 = result["a0_A"]
    relaxed = [read(tmp_path / "gamma" / f"relaxed_Na_n{n}.extxyz") for n in (1, 2)]
    strains = [(r.get_volume() ** (1 / 3) - a0) / a0 for r in relaxed]
    assert result["ions"]["Na"]["strains"] == pytest.approx(strains, rel=1e-9)
    # the element-blind test potential can shrink the cell: an ion file is written only for an expanding ion
    assert (tmp_path / "gamma" / "na.toml").is_file() == (gamma > 0)
    assert ("Na" in result["no_ion_file"]) == (gamma <= 0)
    ion_text = defects._ion_file("Na", 0.07, "test model", None)
    (tmp_path / "na.toml").write_text(ion_text)
    ion = load_ion(tmp_path / "na.toml")
    assert ion.chemical_expansion_coefficient == pytest.approx(0.07)
    assert ion.diffusion_prefactor == pytest.approx(load_ion("Na").diffusion_prefactor)  # taken from the packaged Na
    code, _, err = run_cli(["expansion", str(tmp_path / "nowhere")], capsys)
    assert code == 2 and "not a 'defects sites' run" in err



def test_off_site_flag_and_its_threshold():
    from sselab.atomistic.properties.sites import OFF_SITE_A, SiteEnergy

    common = {"name": "T1", "index": 0, "site_before": "tetrahedral", "site_after": "tetrahedral", "energy_eV": 0.0,
              "relative_eV": 0.0, "displacement_A": 0.7, "converged": True}
    assert SiteEnergy(**common, site_distance_A=0.70).off_site  # a K+ pushed 0.7 A towards a shared face
    assert not SiteEnergy(**common, site_distance_A=0.2).off_site
    assert 0.3 < OFF_SITE_A < 1.66 / 2


def test_cli_sites_refuses_a_host_from_another_calculator(tmp_path, capsys, monkeypatch):
    import sselab.cli.defects as defects

    monkeypatch.setattr(defects, "make_engine", lambda calculator, db, fmax: cheap_engine())
    code, _, err = run_cli(["defects", "sites", "--ion", "Na", "--octahedral", "1", "--tetrahedral", "0",
                            "--out", str(tmp_path / "a"), "--json"], capsys)
    assert code == 0, err
    other = Engine(wrap_calculator(LennardJones(sigma=1.5, epsilon=0.02, rc=4.0, smooth=True)), max_steps=3)
    monkeypatch.setattr(defects, "make_engine", lambda calculator, db, fmax: other)
    code, _, err = run_cli(["defects", "sites", "--ion", "Na", "--octahedral", "1", "--tetrahedral", "0", "--host",
                            str(tmp_path / "a" / "host_relaxed.extxyz"), "--out", str(tmp_path / "b")], capsys)
    assert code == 2 and "another calculator" in err
    code, _, err = run_cli(["defects", "sites", "--ion", "Na", "--ion", "Na"], capsys)
    assert code == 2 and "each ion once" in err
    code, _, err = run_cli(["defects", "sites", "--ion", "Mg"], capsys)
    assert code == 2 and "+1 ions" in err
    code, _, err = run_cli(["expansion", str(tmp_path / "a"), str(tmp_path / "a"), "--calculator", "lj"], capsys)
    assert code == 2 and "appears in two sites runs" in err
    (tmp_path / "a" / "best_Na_n1.extxyz").unlink()
    code, _, err = run_cli(["expansion", str(tmp_path / "a"), "--calculator", "lj"], capsys)
    assert code == 2 and "lacks best_Na_n1.extxyz" in err


def test_cli_configurations_refuses_non_finite_charges(capsys):
    code, _, err = run_cli(["defects", "configurations", "lif", "--charges", "Li=nan"], capsys)
    assert code == 2 and "finite" in err
