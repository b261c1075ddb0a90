"""Ion-exchange formation energy vs precursor (seed 000 eq. 1 + eq. 7), verdicts, dilute limit, and γ (eq. 2)."""

import json

import numpy as np
import pytest

from sselab.atomistic.properties.expansion import fit_chemical_expansion, fit_size_trend, shannon_radius
from sselab.atomistic.properties.formation import (
    balance_products,
    dilute_concentration,
    dilute_limit_check,
    formation_energy,
    gas_release,
    precursor,
    screen_precursors,
    verdict,
)
from sselab.errors import SSELabError
from sselab.params.references import load_reference
from sselab.studies.formation import FormationEnergyResult, FormationEnergyScreen
from tests.conftest import run_cli

FORMATION_KEYS = {"ion", "temperature_K", "energy_source", "host_energy_eV", "exchanged_energy_eV", "n_exchanged", "rows", "hand_off",
                  "dilute_check", "run_directory"}

# a made-up additive energy model: every atom of element X contributes EPS[X] eV wherever it is
EPS = {"Li": -1.9, "Na": -1.3, "K": -1.0, "Ag": -2.8, "O": -4.9, "F": -2.0, "P": -5.4, "La": -4.9, "Zr": -8.5}


def additive(formula_counts: dict[str, float]) -> float:
    return sum(EPS[el] * n for el, n in formula_counts.items())


def test_precursor_parsing_gives_k_and_the_lithium_counterpart():
    assert precursor("Na3PO4", "Na").k == 3
    assert precursor("Na3PO4", "Na").li_counterpart == "Li3PO4"
    assert precursor("Ag2O", "Ag").li_counterpart == "Li2O"
    assert precursor("K", "K").is_metal and precursor("K", "K").li_counterpart == "Li"
    with pytest.raises(SSELabError, match="contains no Na"):
        precursor("KF", "Na")
    with pytest.raises(SSELabError, match="cannot read"):
        precursor("Na3PO4", "Qq")


def test_additive_energies_give_zero_formation_energy_for_every_precursor():
    """Conservation check: if energy is a sum of per-element terms, exchange costs nothing whatever the salt."""
    host = {"Li": 56, "La": 24, "Zr": 16, "O": 96}
    exchanged = {"Li": 54, "Na": 2, "La": 24, "Zr": 16, "O": 96}
    salts = {"Na": additive({"Na": 1}), "Li": additive({"Li": 1}), "Na2O": additive({"Na": 2, "O": 1}), "Li2O": additive({"Li": 2, "O": 1}),
             "Na3PO4": additive({"Na": 3, "P": 1, "O": 4}), "Li3PO4": additive({"Li": 3, "P": 1, "O": 4})}
    rows = screen_precursors("Na", additive(host), additive(exchanged), 2, salts, 1200.0)
    assert {r.precursor for r in rows} == {"Na", "Na2O", "Na3PO4"}
    for row in rows:
        assert row.E_f_eV == pytest.approx(0.0, abs=1e-9)
        assert row.verdict == "feasible" and row.dilute_concentration == pytest.approx(1.0)


def test_products_balance_the_lithium_counterpart():
    assert balance_products("LiO2", ["Li2O", "O2"]) == pytest.approx({"Li2O": 0.5, "O2": 0.75})
    assert balance_products("Li3PO4", ["Li2O", "P2O5"]) == pytest.approx({"Li2O": 1.5, "P2O5": 0.5})
    with pytest.raises(SSELabError, match="cannot balance"):
        balance_products("LiO2", ["Li2O"])  # O left over
    with pytest.raises(SSELabError, match="cannot balance"):
        balance_products("LiO2", ["Li2O", "Li2O2", "O2"])  # more than one way
    with pytest.raises(SSELabError, match="cannot balance"):
        balance_products("Li2O", ["LiO2", "O2"])  # 2 LiO2 - 1.5 O2: a negative amount of O2
    with pytest.raises(SSELabError, match="no products"):
        balance_products("LiO2", [])


def test_gas_release_conserves_energy_with_additive_energies():
    """If every atom has a fixed energy, in a solid or in O2 alike, exchange through KO2 -> Li2O + O2 costs nothing."""
    host = {"Li": 56, "La": 24, "Zr": 16, "O": 96}
    exchanged = {"Li": 55, "K": 1, "La": 24, "Zr": 16, "O": 96}
    eps = {**EPS, "K": -1.0}
    energies = {"KO2": eps["K"] + 2 * eps["O"], "Li2O": 2 * eps["Li"] + eps["O"]}
    release = gas_release("KO2", "K", ["Li2O", "O2"], "O2", energies, {"KO2": 0.0, "Li2O": 0.0}, 2 * eps["O"], 2 * eps["O"], 1200.0, 1e5)
    assert release.coefficients == pytest.approx({"Li2O": 0.5, "O2": 0.75}) and release.products == "0.5 Li2O + 0.75 O2(g)"
    rows = screen_precursors("K", sum(eps[e] * n for e, n in host.items()), sum(eps[e] * n for e, n in exchanged.items()), 1,
                             {"KO2": energies["KO2"]}, 1200.0, routes={"KO2": (release.products, release.salt_term_eV)})
    assert rows[0].E_f_eV == pytest.approx(0.0, abs=1e-9) and rows[0].li_counterpart == "0.5 Li2O + 0.75 O2(g)"
    # the parts add up: a colder, lower-entropy gas and stiffer products shift the salt term by exactly their changes
    shifted = gas_release("KO2", "K", ["Li2O", "O2"], "O2", energies, {"KO2": -0.3, "Li2O": -0.1}, 2 * eps["O"], 2 * eps["O"] - 2.0,
                          1200.0, 1e5)
    assert shifted.vibrational_change_eV == pytest.approx(0.5 * -0.1 + 0.3) and shifted.gas_thermal_eV == pytest.approx(-1.5)
    assert shifted.salt_term_eV == pytest.approx(release.salt_term_eV + 0.25 - 1.5)


def test_gas_release_against_pressure_and_its_figure():
    from sselab.atomistic.properties.formation import FormationRow, GasRelease
    from sselab.plots.defects import gas_pressure_figure

    release = GasRelease("KO2", {"Li2O": 0.5, "O2": 0.75}, "O2", -0.7, 1.45, -1.96, 1200.0, 1e5)
    kT = 8.617333262e-5 * 1200.0
    assert release.salt_term_at(0.21e5) - release.salt_term_eV == pytest.approx(0.75 * kT * np.log(0.21), rel=1e-6)
    assert release.salt_term_at(1e5) == pytest.approx(release.salt_term_eV)
    with pytest.raises(SSELabError):
        release.salt_term_at(0.0)
    rows = (FormationRow("K2O", "Li2O", 2.0, 1.14, 1e-5, "insufficient"),
            FormationRow("KO2", release.products, 1.0, 1.88, 1e-8, "insufficient"))
    result = FormationEnergyResult(ion="K", temperature_K=1200.0, energy_source="test", host_energy_eV=0.0, exchanged_energy_eV=0.0,
                                   n_exchanged=1, rows=rows, releases={"KO2": release})
    figure = gas_pressure_figure(result)
    line = next(l for l in figure.axes[0].get_lines() if l.get_label().startswith("KO2"))
    pressures, energies = line.get_data()
    assert np.interp(0.0, np.log10(pressures), energies) == pytest.approx(1.88, abs=1e-3)  # through the run's point at 1 bar
    slope = np.polyfit(np.log10(pressures), energies, 1)[0]
    assert slope == pytest.approx(0.75 * kT * np.log(10), rel=1e-6)  # 0.18 eV per decade at 1200 K
    data = result.to_dict()
    assert FormationEnergyResult.from_dict(json.loads(json.dumps(data))).to_dict() == data


def test_progress_steps_count_every_relaxation_and_route():
    from sselab.studies.formation import calculator_steps

    assert calculator_steps("Na") == 2 + 5 * 2  # five salts and their Li counterparts, host and exchanged cell
    assert calculator_steps("K") == 2 + 5 * 2 + 3  # KO2: itself, Li2O, and its phonons + gas step


def test_formation_energy_is_the_reaction_energy_per_exchanged_ion():
    # host + (n/k) M_kX -> host:M_n + (n/k) Li_kX with n = 2, k = 2 and hand-picked totals
    e_host, e_ix, e_lkx, e_mkx = -1000.0, -998.5, -14.0, -10.0
    reaction = (e_ix + (2 / 2) * e_lkx) - (e_host + (2 / 2) * e_mkx)
    assert formation_energy(e_ix, e_host, 2, e_lkx, e_mkx, 2) == pytest.approx(reaction / 2)


def test_verdict_bands_and_the_papers_dilute_estimate():
    assert [verdict(e) for e in (-0.03, 0.0, 0.29, 0.5, 0.8, 1.0, 1.2)] == [
        "corrosive", "feasible", "feasible", "marginal", "marginal", "marginal", "insufficient"]
    # exp(-0.3 eV / (k_B 1200 K)) = 0.0552
    assert dilute_concentration(0.3, 1200.0) == pytest.approx(0.055, abs=0.001)
    # seed 000 §3.2: "E_f ~ 0.3 eV would provide a concentration of ~5 %" at 1200 K
    paper = load_reference("seed000_formation")["dilute_estimate"]
    assert dilute_concentration(paper["E_f_eV"], paper["temperature_K"]) == pytest.approx(paper["concentration"], abs=0.01)
    assert dilute_concentration(-0.2, 1200.0) == 1.0
    with pytest.raises(SSELabError):
        dilute_concentration(0.3, 0.0)


def test_dilute_check_slope_in_ev_per_percent():
    check = dilute_limit_check([1 / 56, 2 / 56, 3 / 56], [0.30, 0.31, 0.32])
    assert check.slope_eV_per_percent == pytest.approx(0.01 / (100 / 56), rel=1e-9)
    assert check.dilute
    assert not dilute_limit_check([0.01, 0.02], [0.3, 0.4]).dilute
    with pytest.raises(SSELabError):
        dilute_limit_check([0.01], [0.3])


def test_missing_lithium_counterpart_and_absent_ion_are_user_errors():
    with pytest.raises(SSELabError, match="no lithium counterpart energy for NaF"):
        screen_precursors("Na", 0.0, 0.0, 1, {"NaF": -9.0, "Na": -1.3, "Li": -1.9}, 1200.0)
    with pytest.raises(SSELabError, match="no precursor containing K"):
        screen_precursors("K", 0.0, 0.0, 1, {"Na": -1.3, "Li": -1.9}, 1200.0)


def _energies_file(tmp_path, **changes):
    data = {"host_energy_eV": -1000.0, "exchanged_energy_eV": -999.05, "n_exchanged": 1,
            "precursors": {"Na": -1.31, "Li": -1.91, "NaF": -8.80, "LiF": -9.83, "Na2O": -12.0, "Li2O": -14.3},
            "series": [{"n_exchanged": 2, "concentration": 2 / 56, "exchanged_energy_eV": -998.39},
                       {"n_exchanged": 1, "concentration": 1 / 56, "exchanged_energy_eV": -999.2}]}
    data.update(changes)
    path = tmp_path / "energies.json"
    path.write_text(json.dumps(data))
    return path


def test_formation_energy_from_a_users_energies_file(tmp_path):
    result = FormationEnergyScreen(ion="Na", temperature_K=1200.0).run(energies=_energies_file(tmp_path))
    rows = {r.precursor: r for r in result.rows}
    assert set(rows) == {"Na", "NaF", "Na2O"}
    # by hand: (E_IX - E_bulk)/1 = 0.95; Na metal: 0.95 + (-1.91 + 1.31) = 0.35
    assert rows["Na"].E_f_eV == pytest.approx(0.35)
    assert rows["NaF"].E_f_eV == pytest.approx(0.95 + (-9.83 + 8.80))
    assert rows["Na2O"].E_f_eV == pytest.approx(0.95 + (-14.3 + 12.0) / 2)
    assert rows["Na2O"].verdict == "corrosive" and rows["Na"].verdict == "feasible"
    assert rows["Na"].dilute_concentration == pytest.approx(np.exp(-0.35 / (8.617333262e-5 * 1200)))
    assert [r.precursor for r in result.rows] == ["Na2O", "NaF", "Na"]  # sorted by E_f
    assert result.dilute_reference == "Na"
    assert result.dilute_check.formation_energies_eV == pytest.approx([(-998.39 + 1000) / 2 - 0.6, 0.2])
    assert result.engine is None and result.warning is None
    data = result.to_dict()
    assert FormationEnergyResult.from_dict(json.loads(json.dumps(data))).to_dict() == data


def test_gas_releasing_route_from_a_users_energies_file(tmp_path):
    path = _energies_file(tmp_path, precursors={"K": -1.0, "Li": -1.91, "K2O": -9.5, "Li2O": -14.3, "KO2": -13.9, "K2O2": -17.0},
                          routes={"KO2": ["Li2O", "O2"], "K2O2": ["Li2O", "O2"]}, gas_chemical_potentials_eV={"O2": -12.4},
                          series=[])
    result = FormationEnergyScreen(ion="K", temperature_K=1200.0).run(energies=path)
    rows = {r.precursor: r for r in result.rows}
    # host + KO2 -> host:K + 1/2 Li2O + 3/4 O2 by hand
    assert rows["KO2"].E_f_eV == pytest.approx(0.95 + 0.5 * -14.3 + 0.75 * -12.4 - -13.9)
    # k = 2: host + 1/2 K2O2 -> host:K + 1/2 Li2O + 1/4 O2 per exchanged K
    assert rows["K2O2"].k == 2 and rows["K2O2"].li_counterpart == "1 Li2O + 0.5 O2(g)"
    assert rows["K2O2"].E_f_eV == pytest.approx(0.95 + 0.5 * -14.3 + 0.25 * -12.4 - 0.5 * -17.0)
    assert rows["KO2"].li_counterpart == "0.5 Li2O + 0.75 O2(g)" and rows["K2O"].li_counterpart == "Li2O"
    data = result.to_dict()
    assert FormationEnergyResult.from_dict(json.loads(json.dumps(data))).to_dict() == data


@pytest.mark.parametrize("changes, message", [
    ({"routes": {"KO2": ["Li2O", "O2"]}}, "exactly one product in 'gas_chemical_potentials_eV'"),
    ({"routes": {"KO2": "Li2O + O2"}, "gas_chemical_potentials_eV": {"O2": -12.0}}, "'routes' must map"),
    ({"routes": {"KO2": ["Li2O2", "O2"]}, "gas_chemical_potentials_eV": {"O2": -12.0}}, "needs the energies of Li2O2"),
    ({"routes": {"KO2": ["Li2O", "O2"]}, "gas_chemical_potentials_eV": {"O2": "x"}}, "chemical potential of O2"),
])
def test_bad_routes_in_an_energies_file_are_one_line_errors(tmp_path, capsys, changes, message):
    precursors = {"K": -1.0, "Li": -1.91, "KO2": -13.9, "Li2O": -14.3}
    path = _energies_file(tmp_path, precursors=precursors, series=[], **changes)
    code, _, err = run_cli(["defects", "formation-energy", "--ion", "K", "--energies", str(path), "--temperature", "1200 K",
                            "--out", str(tmp_path / "run")], capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()


def test_cli_formation_energy_from_a_users_energies_file(tmp_path, capsys):
    path = _energies_file(tmp_path)
    code, out, err = run_cli(["defects", "formation-energy", "--ion", "Na", "--energies", str(path), "--temperature", "1200 K",
                              "--out", str(tmp_path / "run"), "--json"], capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert set(summary) == FORMATION_KEYS and set(summary["rows"][0]) == {"precursor", "li_counterpart", "k", "E_f_eV",
                                                                          "dilute_concentration", "verdict"}
    assert (tmp_path / "run" / "formation_energies.png").is_file() and (tmp_path / "run" / "run.json").is_file()
    # the hand-off: the chosen E_f sets the surface concentration of the continuum design (dilute limit)
    rows = {r["precursor"]: r for r in summary["rows"]}
    code, out, err = run_cli(["ion-exchange", "design", "--ion", "Na", "--formation-energy", f"{rows['Na']['E_f_eV']} eV",
                              "--temperature", "1200 K", "--out", str(tmp_path / "design"), "--json"], capsys)
    assert code == 0, err
    design = json.loads(out)
    surface = design.get("surface_concentration", design.get("C_s"))
    assert surface == pytest.approx(rows["Na"]["dilute_concentration"], rel=1e-6)


@pytest.mark.parametrize("changes, message", [
    ({"precursors": {"NaF": -8.8, "LiF": -9.8}}, "no precursor containing K"),
    ({"n_exchanged": 0}, "n_exchanged"),
    ({"precursors": {"KF": -8.8}}, "no lithium counterpart"),
])
def test_cli_formation_energy_bad_input_exits_2(tmp_path, capsys, changes, message):
    path = _energies_file(tmp_path, **changes)
    code, out, err = run_cli(["defects", "formation-energy", "--ion", "K", "--energies", str(path), "--temperature", "1200 K",
                              "--out", str(tmp_path / "run")], capsys)
    assert code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_cli_formation_energy_needs_one_energy_source(tmp_path, capsys):
    code, _, err = run_cli(["defects", "formation-energy", "--ion", "Na", "--temperature", "1200 K"], capsys)
    assert code == 2 and "exactly one of --energies" in err
    code, _, err = run_cli(["defects", "formation-energy", "--ion", "K", "--temperature", "1200 K", "--gas-pressure", "-1 bar",
                            "--energies", str(_energies_file(tmp_path))], capsys)
    assert code == 2 and "gas pressure" in err
    code, _, err = run_cli(["defects", "formation-energy", "--ion", "Na", "--temperature", "1200 K", "--energies",
                            str(tmp_path / "absent.json")], capsys)
    assert code == 2 and "does not exist" in err


def test_chemical_expansion_recovers_a_known_gamma_and_is_exact_for_linear_data():
    a0, gamma = 13.0, 0.07
    c = [1 / 56, 2 / 56, 3 / 56]
    fit = fit_chemical_expansion(a0, c, [a0 * (1 + gamma * x) for x in c])
    assert fit.gamma == pytest.approx(gamma, rel=1e-12)
    assert fit.r_squared == pytest.approx(1.0)
    noisy = fit_chemical_expansion(a0, c, [a0 * (1 + gamma * x) + d for x, d in zip(c, (0.002, -0.002, 0.001))])
    assert 0.5 < noisy.r_squared < 1.0
    with pytest.raises(SSELabError):
        fit_chemical_expansion(a0, [0.0], [a0])


def test_size_trend_on_the_papers_strains_is_linear():
    """Seed 000 §3.3: the printed strains at 3.4 % against Shannon VI radii, Li at 0: linear as the paper's R^2 ~ 0.995."""
    assert shannon_radius("Li") == pytest.approx(0.76) and shannon_radius("K") == pytest.approx(1.38)
    paper = load_reference("seed000_expansion")
    ions = list(paper["strains"])
    trend = fit_size_trend(ions, [paper["strains"][ion] / paper["strain_concentration"] for ion in ions])
    assert trend.r_squared > 0.99 and abs(trend.r_squared - paper["size_trend_r_squared"]) < 0.01
    assert trend.slope_per_A > 0
    with pytest.raises(SSELabError, match="Shannon"):
        shannon_radius("Xe", 1)



@pytest.mark.parametrize("series, message", [
    ([{"n_exchanged": 1, "concentration": 1.8, "exchanged_energy_eV": -999.0}], "fraction"),
    ([{"n_exchanged": 1}], "series item 0 needs"),
    ({"n_exchanged": 1}, "must be a list"),
])
def test_cli_bad_series_exits_2_without_a_run_directory(tmp_path, capsys, series, message):
    path = _energies_file(tmp_path, series=series)
    code, _, err = run_cli(["defects", "formation-energy", "--ion", "Na", "--energies", str(path), "--temperature", "1200 K",
                            "--out", str(tmp_path / "run")], capsys)
    assert code == 2 and message in err and not (tmp_path / "run").exists()


def test_cli_sites_and_energies_are_exclusive(tmp_path, capsys):
    path = _energies_file(tmp_path)
    code, _, err = run_cli(["defects", "formation-energy", "--ion", "Na", "--energies", str(path), "--sites", str(tmp_path),
                            "--temperature", "1200 K"], capsys)
    assert code == 2 and "--sites goes with --calculator" in err
