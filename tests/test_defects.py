"""Exchange-ion site scan in ordered LLZO (seed 000 Fig. 2), its hand-offs (formation energy, γ) and Ewald-ranked
configuration sampling (seed 004): the library, then the CLI's exit codes, JSON keys and files."""

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
from sselab.atomistic.properties.sites import grow_concentration, name_sites, nearest_site_type, scan_sites
from sselab.errors import SSELabError
from sselab.params.ions import load_ion
from sselab.studies.configurations import ConfigurationResult, ConfigurationSearch
from sselab.studies.exchange_sites import ExchangeSiteResult, ExchangeSiteStudy, load_relaxed_host
from sselab.studies.expansion import ChemicalExpansionResult, ChemicalExpansionStudy, ion_parameters
from sselab.studies.formation import FormationEnergyResult, FormationEnergyScreen
from tests.conftest import run_cli

LLZO_CHARGES = {"Li": 1.0, "La": 3.0, "Zr": 4.0, "O": -2.0, "Na": 1.0}

SITES_KEYS = {"calculator", "host_energy_eV", "host_lattice_constant_A", "li_sites_in_host", "ions", "engine"}
FORMATION_KEYS = {"ion", "temperature_K", "energy_source", "host_energy_eV", "exchanged_energy_eV", "n_exchanged", "rows", "hand_off"}
EXPANSION_KEYS = {"a0_A", "ions", "size_trend", "order_by_gamma", "ion_files", "no_ion_file", "engine"}
CONFIGURATION_KEYS = {"formula", "atoms", "samples", "distinct_ewald_energies_kept", "ewald_eV", "configurations", "best_rank_by_ewald",
                      "best_energy_eV", "best_energy_per_atom_eV", "entry_file", "engine"}


@pytest.fixture(scope="module")
def host():
    atoms, _ = ordered_cubic_llzo(seed=0, samples=20)
    return atoms


def cheap_engine():
    """Element-blind Lennard-Jones with a handful of steps: exercises the machinery, not the physics."""
    return Engine(wrap_calculator(LennardJones(sigma=1.5, epsilon=0.01, rc=4.0, smooth=True)), max_steps=3)


@pytest.fixture(scope="module")
def sites_result():
    """A two-site Na scan grown to 2 ions with the cheap engine (host relaxed by it too)."""
    return ExchangeSiteStudy(octahedral=2, tetrahedral=0, max_count=2, candidates=1).run(["Na"], calculator=cheap_engine())


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
    sites = {s.index: s for s in name_sites(raw)}
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


def test_scan_takes_a_calculator_object_as_well_as_an_engine(host):
    """The same LJ potential as an ASE calculator or wrapped in an Engine (with the default policy) gives the same scan."""
    indices = select_li_sites(host, octahedral=1, tetrahedral=0)
    by_engine, _ = scan_sites(Engine(wrap_calculator(LennardJones(sigma=1.5, epsilon=0.01, rc=4.0, smooth=True))), host, "Na", indices)
    by_calculator, _ = scan_sites(LennardJones(sigma=1.5, epsilon=0.01, rc=4.0, smooth=True), host, "Na", indices)
    assert by_calculator.sites[0].energy_eV == pytest.approx(by_engine.sites[0].energy_eV, rel=1e-12)


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
    # holes on the faces of a supercell (fractional 0 up to round-off) counted once each, not dropped: 8 x 4
    assert len(interstitial_candidates(atoms.repeat(2), min_distance=1.7)) == 32


def test_several_interstitial_species_share_the_site_pool_without_doubling_up():
    """Seed 004's interstitial-N case: one N3- and three Li+ on empty-space sites of a neutral host."""
    parent = bulk("Cu", "fcc", a=3.6, cubic=True).repeat(2)  # 32 atoms, 32 octahedral holes at 1.8 A
    sites = interstitial_candidates(parent, min_distance=1.7)
    charges = {"Cu": 0.0, "N": -3.0, "Li": 1.0}
    kept, energies = sample_configurations(parent, charges, interstitials=[("N", 1), ("Li", 3)], interstitial_sites=sites,
                                           samples=40, keep=3, seed=1)
    assert len(energies) == 40
    for configuration in kept:
        symbols = configuration.atoms.get_chemical_symbols()
        assert (symbols.count("Cu"), symbols.count("N"), symbols.count("Li")) == (32, 1, 3)
        extra = configuration.atoms.positions[32:]
        _, to_sites = get_distances(extra, sites, cell=parent.cell, pbc=True)
        assert to_sites.min(axis=1) == pytest.approx([0.0] * 4, abs=1e-9)  # each on a candidate site
        assert len(set(to_sites.argmin(axis=1))) == 4  # and no two on the same one
    # octahedral + tetrahedral holes lie 1.56 A apart: an N3- next to a Li+ there would win the Ewald ranking
    crowded = interstitial_candidates(parent, min_distance=1.5)
    assert len(crowded) == 96
    kept, _ = sample_configurations(parent, charges, interstitials=[("N", 1), ("Li", 3)], interstitial_sites=crowded,
                                    samples=60, keep=5, seed=2)
    for configuration in kept:
        _, apart = get_distances(configuration.atoms.positions[32:], cell=parent.cell, pbc=True)
        assert apart[np.triu_indices(4, 1)].min() >= 1.6
    with pytest.raises(SSELabError, match="cannot place 1 N, 40 Li interstitials on 32 candidate sites"):
        sample_configurations(parent, {**charges, "Li": 3 / 40}, interstitials=[("N", 1), ("Li", 40)], interstitial_sites=sites)
    with pytest.raises(SSELabError, match="net formal charge"):
        sample_configurations(parent, charges, interstitials=[("N", 1), ("Li", 2)], interstitial_sites=sites, samples=2)


def test_full_replacement_is_applied_in_order():
    parent = bulk("LiF", "rocksalt", a=4.03, cubic=True)
    kept, _ = sample_configurations(parent, {"Li": 1.0, "Na": 1.0, "K": 1.0, "F": -1.0}, [("Li", "Na", 1), ("Na", "K", None)],
                                    samples=3, keep=1)
    assert sorted(kept[0].atoms.get_chemical_symbols()) == ["F"] * 4 + ["K"] + ["Li"] * 3


def test_off_site_flag_and_its_threshold():
    from sselab.atomistic.properties.sites import OFF_SITE_A, SiteEnergy

    common = {"name": "T1", "index": 0, "site_before": "tetrahedral", "site_after": "tetrahedral", "energy_eV": 0.0,
              "relative_eV": 0.0, "displacement_A": 0.7, "converged": True}
    assert SiteEnergy(**common, site_distance_A=0.70).off_site  # a K+ pushed 0.7 A towards a shared face
    assert not SiteEnergy(**common, site_distance_A=0.2).off_site
    assert 0.3 < OFF_SITE_A < 1.66 / 2


# ------------------------------------------------------------------------------------------------ the studies (library)


def test_site_study_result_round_trips_and_writes_its_run_directory(sites_result, tmp_path):
    na = sites_result.ions["Na"]
    assert [s.count for s in na.steps] == [1, 2] and len(na.structures) == 2
    assert sites_result.li_sites_in_host == 56
    assert sites_result.host_energy_eV == pytest.approx(sites_result.host.get_potential_energy())
    data = sites_result.to_dict()
    assert set(data) == SITES_KEYS
    assert ExchangeSiteResult.from_dict(json.loads(json.dumps(data))).to_dict() == data
    run = sites_result.write(tmp_path / "sites")
    for name in ("host_relaxed.extxyz", "best_Na_n1.extxyz", "best_Na_n2.extxyz", "sites.png", "run.json"):
        assert (run.path / name).is_file()
    again = ExchangeSiteResult.from_directory(run.path)
    assert again.to_dict()["ions"] == json.loads(json.dumps(data["ions"]))
    assert again.ions["Na"].structures[1].get_chemical_symbols().count("Na") == 2


def test_site_study_refuses_bad_ions_and_settings():
    with pytest.raises(SSELabError, match="other than Li"):
        ExchangeSiteStudy().run(["Li"], calculator=cheap_engine())
    with pytest.raises(SSELabError, match="each ion once"):
        ExchangeSiteStudy().run(["Na", "Na"], calculator=cheap_engine())
    with pytest.raises(SSELabError, match="\\+1 ions"):
        ExchangeSiteStudy().run(["Mg"], calculator=cheap_engine())
    with pytest.raises(SSELabError, match="--max-count"):
        ExchangeSiteStudy(max_count=0)
    with pytest.raises(SSELabError, match="at least one site"):
        ExchangeSiteStudy(octahedral=0, tetrahedral=0)


def test_a_host_from_another_calculator_is_refused(sites_result, tmp_path):
    run = sites_result.write(tmp_path / "sites")
    path = run.path / "host_relaxed.extxyz"
    assert load_relaxed_host(path, cheap_engine()).get_potential_energy() == pytest.approx(sites_result.host_energy_eV)
    other = Engine(wrap_calculator(LennardJones(sigma=1.5, epsilon=0.02, rc=4.0, smooth=True)), max_steps=3)
    with pytest.raises(SSELabError, match="another calculator"):
        load_relaxed_host(path, other)


def test_formation_energy_from_a_site_scan_is_the_reaction_energy(sites_result):
    """The metal row from the scan's energies and the relaxed salts: E(n=1) - E(host) + E(Li)/atom - E(Na)/atom."""
    result = FormationEnergyScreen(ion="Na", temperature_K=1200.0).run(calculator=cheap_engine(), sites=sites_result)
    assert set(result.E_f_eV) == {"Na", "Na2O", "NaF", "NaCl", "NaBr"}
    one = sites_result.ions["Na"].steps[0].energy_eV
    li, na = result.salts["li-bcc"], result.salts["na-bcc"]
    expected = one - sites_result.host_energy_eV + li.get_potential_energy() / len(li) - na.get_potential_energy() / len(na)
    assert result.E_f_eV["Na"] == pytest.approx(expected, rel=1e-9)
    assert result.dilute_check.concentrations == pytest.approx((1 / 56, 2 / 56))
    assert result.warning is None and set(result.to_dict()) == FORMATION_KEYS | {"dilute_check", "engine"}
    assert FormationEnergyResult.from_dict(json.loads(json.dumps(result.to_dict()))).to_dict() == json.loads(json.dumps(result.to_dict()))


def test_chemical_expansion_from_the_scan_and_its_ion_file(sites_result, tmp_path):
    result = ChemicalExpansionStudy().run([sites_result], calculator=cheap_engine())
    fit = result.fits["Na"]
    a0 = result.a0_A
    strains = [(r.get_volume() ** (1 / 3) - a0) / a0 for r in result.relaxed["Na"]]
    assert fit.strains == pytest.approx(strains, rel=1e-9)
    assert fit.concentrations == pytest.approx((1 / 56, 2 / 56))
    assert set(result.to_dict()) == EXPANSION_KEYS
    # the element-blind test potential can shrink the cell: an ion file is made only for an expanding ion
    assert ("Na" in result.ion_files) == (fit.gamma > 0) and ("Na" in result.to_dict()["no_ion_file"]) == (fit.gamma <= 0)
    run = result.write(tmp_path / "gamma")
    assert (run.path / "na.toml").is_file() == (fit.gamma > 0)
    assert ChemicalExpansionResult.from_dict(json.loads(json.dumps(result.to_dict()))).to_dict() == json.loads(json.dumps(result.to_dict()))


def test_written_ion_file_loads_back_with_the_same_numbers(tmp_path):
    """gamma from the expansion, every other parameter from the packaged ion: write_ion then load_ion gives them back."""
    from sselab.params.ions import write_ion

    parameters, header = ion_parameters("Na", 0.07, "test model")
    path = write_ion(tmp_path / "na.toml", parameters, header)
    loaded = load_ion(path)
    packaged = load_ion("Na")
    assert loaded.chemical_expansion_coefficient == pytest.approx(0.07, rel=1e-15)
    for name in ("diffusion_prefactor", "activation_volume", "saturation_concentration", "fit_temperature"):
        assert getattr(loaded, name) == pytest.approx(getattr(packaged, name), rel=1e-12), name
    assert loaded.name == packaged.name and "test model" in loaded.source and "test model" in path.read_text()
    with pytest.raises(SSELabError, match="--base-ion"):
        ion_parameters("Rb", 0.07, "test model")


def test_configuration_search_relaxes_the_lowest_ewald_ones(tmp_path):
    search = ConfigurationSearch(substitutions=[("Cu", "Ni", 1)], charges={"Cu": 0.0, "Ni": 0.0}, samples=8, keep=2)
    sampled = search.sample("cu-fcc")
    assert len(sampled.kept) == 1 and len(sampled.ewald_energies_eV) == 8  # neutral atoms: every sample has Ewald energy 0
    result = search.run(sampled, calculator="emt")
    assert result.formula == "Cu3Ni" and result.best.get_chemical_symbols().count("Ni") == 1
    assert result.entry == {"composition": "Cu3Ni", "energy_eV": result.best_energy_eV, "name": "Cu3Ni (configuration 0)"}
    assert set(result.to_dict()) == CONFIGURATION_KEYS
    run = result.write(tmp_path / "conf")
    assert json.loads((run.path / "entry.json").read_text()) == [result.entry]
    assert ConfigurationResult.from_dict(json.loads(json.dumps(result.to_dict()))).to_dict() == json.loads(json.dumps(result.to_dict()))
    import matplotlib.pyplot as plt

    from sselab.plots.defects import ewald_energy_figure

    fig, axes = plt.subplots(1, 2)
    assert ewald_energy_figure(result, axes=axes) is fig and axes[0].patches and axes[1].lines
    plt.close(fig)
    with pytest.raises(SSELabError, match="finite"):
        ConfigurationSearch(charges={"Li": float("nan")})


def test_figures_draw_on_a_given_axes(sites_result):
    import matplotlib.pyplot as plt

    from sselab.plots.defects import expansion_figure, formation_energy_figure, site_preference_figure

    fig, ax = plt.subplots()
    assert site_preference_figure(sites_result, ax=ax) is fig and ax.get_xticklabels()
    formation = FormationEnergyScreen(ion="Na", temperature_K=1200.0).run(calculator=cheap_engine(), sites=sites_result)
    fig, ax = plt.subplots()
    assert formation_energy_figure(formation, ax=ax) is fig and len(ax.containers[0]) == len(formation.rows)
    expansion = ChemicalExpansionResult.from_dict({"a0_A": 13.0, "ions": {
        ion: {"gamma": g, "r_squared": 1.0, "concentrations": [1 / 56], "lattice_constants_A": [13.0 * (1 + g / 56)],
              "strains": [g / 56], "shannon_radius_A": r} for ion, g, r in (("Na", 0.07, 1.02), ("K", 0.17, 1.38))},
        "size_trend": {"slope_per_A": 0.3, "intercept": -0.2, "r_squared": 0.99, "includes_li_at_zero": True},
        "order_by_gamma": ["Na", "K"], "ion_files": {}, "no_ion_file": {}, "engine": {}})
    fig, axes = plt.subplots(1, 2)
    assert expansion_figure(expansion, axes=axes) is fig and axes[1].lines
    plt.close("all")


# --------------------------------------------------------------------------------------------------------------- CLI


def test_cli_sites_exit_code_keys_and_files(tmp_path, capsys, monkeypatch):
    import sselab.cli.defects as defects

    monkeypatch.setattr(defects, "make_engine", lambda calculator, db, fmax: cheap_engine())
    code, out, err = run_cli(["defects", "sites", "--ion", "Na", "--octahedral", "2", "--tetrahedral", "1", "--max-count", "2",
                              "--candidates", "1", "--out", str(tmp_path / "sites"), "--json"], capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert set(summary) == SITES_KEYS | {"run_directory"}
    assert len(summary["ions"]["Na"]["sites"]) == 3 and [s["count"] for s in summary["ions"]["Na"]["concentration_steps"]] == [1, 2]
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
    code, _, err = run_cli(["defects", "configurations", "lif", "--charges", "Li=nan"], capsys)
    assert code == 2 and "finite" in err


def test_cli_configurations_exit_code_keys_and_files(tmp_path, capsys):
    code, out, err = run_cli(["defects", "configurations", "cu-fcc", "--replace", "Cu:Ni:1", "--charges", "Cu=0,Ni=0", "--samples", "4",
                              "--keep", "1", "--calculator", "emt", "--db", str(tmp_path / "c.db"), "--out", str(tmp_path / "conf"),
                              "--json"], capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert set(summary) == CONFIGURATION_KEYS | {"run_directory"} and summary["entry_file"] == str(tmp_path / "conf" / "entry.json")
    for name in ("best.extxyz", "entry.json", "ewald_vs_energy.png", "run.json"):
        assert (tmp_path / "conf" / name).is_file()


def test_cli_chain_sites_then_formation_energy_and_expansion(tmp_path, capsys, monkeypatch):
    """The hand-offs by run directory: a sites run feeds formation-energy (--calculator --sites) and expansion."""
    import sselab.cli.defects as defects
    import sselab.cli.expansion as expansion

    monkeypatch.setattr(defects, "make_engine", lambda calculator, db, fmax: cheap_engine())
    monkeypatch.setattr(expansion, "make_engine", lambda calculator, db, fmax: cheap_engine())
    sites = tmp_path / "sites"
    code, _, err = run_cli(["defects", "sites", "--ion", "Na", "--octahedral", "2", "--tetrahedral", "0", "--max-count", "2",
                            "--candidates", "1", "--out", str(sites), "--json"], capsys)
    assert code == 0, err
    code, out, err = run_cli(["defects", "formation-energy", "--ion", "Na", "--calculator", "lj", "--sites", str(sites),
                              "--temperature", "1200 K", "--out", str(tmp_path / "fe"), "--json"], capsys)
    assert code == 0, err
    assert set(json.loads(out)) == FORMATION_KEYS | {"dilute_check", "engine", "run_directory"}
    for name in ("salt_li-bcc.extxyz", "salt_na-bcc.extxyz", "formation_energies.png", "run.json"):
        assert (tmp_path / "fe" / name).is_file()
    code, out, err = run_cli(["expansion", str(sites), "--calculator", "lj", "--out", str(tmp_path / "gamma"), "--json"], capsys)
    assert code == 0, err
    result = json.loads(out)
    assert set(result) == EXPANSION_KEYS | {"run_directory"}
    for name in ("relaxed_Na_n1.extxyz", "relaxed_Na_n2.extxyz", "expansion.png", "run.json"):
        assert (tmp_path / "gamma" / name).is_file()
    for path in result["ion_files"].values():
        assert load_ion(path).name == "Na"
    code, _, err = run_cli(["expansion", str(tmp_path / "nowhere")], capsys)
    assert code == 2 and "not a 'defects sites' run" in err


def test_cli_sites_refuses_a_host_from_another_calculator(tmp_path, capsys, monkeypatch):
    import sselab.cli.defects as defects
    import sselab.cli.expansion as expansion

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
    monkeypatch.setattr(expansion, "make_engine", lambda calculator, db, fmax: cheap_engine())
    code, _, err = run_cli(["expansion", str(tmp_path / "a"), str(tmp_path / "a"), "--calculator", "lj"], capsys)
    assert code == 2 and "appears in two sites runs" in err
    (tmp_path / "a" / "best_Na_n1.extxyz").unlink()
    code, _, err = run_cli(["expansion", str(tmp_path / "a"), "--calculator", "lj"], capsys)
    assert code == 2 and "lacks best_Na_n1.extxyz" in err
