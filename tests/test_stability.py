"""Convex hull E_d and minimum mutual reaction energy (seed 004 eqs. 1-2) on hand-built entries."""

import json

import numpy as np
import pytest

from sselab.atomistic.properties.stability import (
    entries_from_records,
    hull_energy_above,
    hull_rows,
    mutual_reactivity,
    phase_diagram,
)
from sselab.errors import SSELabError
from sselab.studies.stability import (
    EntriesResult,
    HullResult,
    ReactivityResult,
    StabilityEntries,
    cathode_reactivity,
    energy_above_hull,
    entry_structure,
)
from tests.conftest import run_cli

ELEMENTS = [{"composition": "Li", "energy_eV": -1.9}, {"composition": "Zr", "energy_eV": -8.5}, {"composition": "O2", "energy_eV": -9.8}]
LI2O, ZRO2 = -14.4, -28.5  # totals per formula (3 atoms each)
DELTA = 0.6  # Li2ZrO3 below Li2O + ZrO2 by this much per formula (6 atoms)


def records(extra=()):
    # labels that are not formulas, as `stability entries` and `defects configurations` write them
    return [*ELEMENTS, {"composition": "Li2O", "energy_eV": LI2O, "name": "li2o"}, {"composition": "ZrO2", "energy_eV": ZRO2},
            {"composition": "Li2ZrO3", "energy_eV": LI2O + ZRO2 - DELTA, "name": "Li2ZrO3 (configuration 4)"}, *extra]


def test_energy_above_hull_is_the_distance_to_the_tie_line():
    # Li4ZrO4 = Li2ZrO3 + Li2O lies 0.07 eV/atom above that tie line (9 atoms)
    above = 0.07
    entries = entries_from_records(records([{"composition": "Li4ZrO4", "energy_eV": LI2O + ZRO2 - DELTA + LI2O + 9 * above}]))
    rows = {r.formula: r for r in hull_rows(phase_diagram(entries), entries)}
    assert rows["Li4ZrO4"].e_above_hull_eV_per_atom == pytest.approx(above, abs=1e-9)
    assert set(rows["Li4ZrO4"].decomposition) == {"Li2ZrO3", "Li2O"}
    for formula in ("Li2O", "ZrO2", "Li2ZrO3", "Li", "Zr", "O2"):
        assert rows[formula].e_above_hull_eV_per_atom == 0.0


def test_hull_energy_above_for_a_composition_outside_the_entries():
    diagram = phase_diagram(entries_from_records(records()))
    assert hull_energy_above(diagram, "Li2ZrO3", LI2O + ZRO2 - DELTA + 6 * 0.015) == pytest.approx(0.015, abs=1e-9)
    # below the hull: reported as a negative distance, never as "stable at 0"
    assert hull_energy_above(diagram, "Li2ZrO3", LI2O + ZRO2 - DELTA - 6 * 0.02) == pytest.approx(-0.02, abs=1e-9)
    with pytest.raises(SSELabError, match="finite"):
        hull_energy_above(diagram, "Li2ZrO3", float("nan"))
    with pytest.raises(SSELabError, match="N, which the entries do not cover"):
        hull_energy_above(diagram, "Li3N", -10.0)


def test_mutual_reaction_energy_of_two_phases_that_form_a_compound():
    """Li2O + ZrO2 -> Li2ZrO3 releases DELTA per 6 atoms at a 1:1 atomic mixture; ZrO2 vs itself does not react."""
    diagram = phase_diagram(entries_from_records(records()))
    result = mutual_reactivity(diagram, "Li2O", "ZrO2")
    assert result.min_reaction_energy_eV_per_atom == pytest.approx(-DELTA / 6, rel=1e-6)
    assert result.mixing_ratio == pytest.approx(0.5, abs=1e-6)
    # symmetric in the pair
    assert mutual_reactivity(diagram, "ZrO2", "Li2O").min_reaction_energy_eV_per_atom == pytest.approx(-DELTA / 6, rel=1e-6)
    assert mutual_reactivity(diagram, "Li2ZrO3", "Li2O").min_reaction_energy_eV_per_atom == 0.0


def test_reactivity_needs_an_entry_per_phase_and_reports_metastable_end_members():
    with pytest.raises(SSELabError, match="no entry for Li4ZrO4"):
        mutual_reactivity(phase_diagram(entries_from_records(records())), "Li4ZrO4", "ZrO2")
    above = 0.05  # a metastable Li4ZrO4, 0.05 eV/atom over the Li2ZrO3 + Li2O tie line
    diagram = phase_diagram(entries_from_records(records([{"composition": "Li4ZrO4", "energy_eV": 2 * LI2O + ZRO2 - DELTA + 9 * above}])))
    result = mutual_reactivity(diagram, "Li4ZrO4", "ZrO2")
    assert result.e_above_hull_a_eV_per_atom == pytest.approx(above) and result.e_above_hull_b_eV_per_atom == 0.0
    # eq. 2 takes both end members at the hull: Li4ZrO4 (= Li2ZrO3 + Li2O at the hull) + ZrO2 -> 2 Li2ZrO3 releases DELTA per 12 atoms
    assert result.min_reaction_energy_eV_per_atom == pytest.approx(-DELTA / 12, rel=1e-6)


def test_bad_entries_are_user_errors():
    with pytest.raises(SSELabError, match="non-empty JSON list"):
        entries_from_records({"a": 1})
    with pytest.raises(SSELabError, match="needs 'composition'"):
        entries_from_records([{"composition": "Li"}])
    with pytest.raises(SSELabError, match="cannot build the phase diagram"):
        phase_diagram(entries_from_records([{"composition": "Li2O", "energy_eV": -14.0}]))


def test_hull_and_reactivity_from_an_entries_file(tmp_path):
    path = tmp_path / "entries.json"
    path.write_text(json.dumps(records()))
    hull = energy_above_hull(path)
    rows = hull.e_above_hull_eV_per_atom
    assert rows["Li2ZrO3"] == 0.0 and set(rows) >= {"Li2O", "ZrO2", "Li", "Zr", "O2"}
    assert hull.entries_file == str(path) and "Li2ZrO3" in hull.stable
    assert HullResult.from_dict(json.loads(json.dumps(hull.to_dict()))).to_dict() == hull.to_dict()
    reactivity = cathode_reactivity(records(), cathodes=["Li2O"], coatings=["ZrO2", "Li2ZrO3"])
    assert reactivity.matrix[0, 0] == pytest.approx(-DELTA / 6) and reactivity.matrix[0, 1] == 0.0
    data = reactivity.to_dict()
    assert ReactivityResult.from_dict(json.loads(json.dumps(data))).to_dict() == data


def test_a_target_below_the_hull_is_a_negative_distance_not_a_stable_phase():
    hull = energy_above_hull(records(), targets={"Li2ZrO3": -100.0})
    target = hull.rows[-1]
    assert target["name"] == "target" and target["e_above_hull_eV_per_atom"] < 0 and "below the hull" in target["below_hull"]
    assert "Li2ZrO3" in hull.stable  # the entry itself, not the target


def test_reactivity_heatmap_draws_on_a_given_axes():
    import matplotlib.pyplot as plt

    from sselab.plots.stability import reactivity_heatmap

    result = cathode_reactivity(records(), cathodes=["Li2O", "ZrO2"], coatings=["ZrO2", "Li2ZrO3"])
    fig, ax = plt.subplots()
    assert reactivity_heatmap(result, ax=ax) is fig and len(ax.texts) == 4
    plt.close(fig)


def test_entries_relax_crystals_and_box_molecules(tmp_path):
    oxygen, relax_cell = entry_structure("molecule:O2")
    assert not relax_cell and oxygen.cell.lengths() == pytest.approx([15.0] * 3)
    assert np.allclose(oxygen.get_scaled_positions().mean(axis=0), 0.5, atol=1e-3)  # centred, far from its images
    result = StabilityEntries().run(["cu-fcc", "molecule:O2"], calculator="emt")
    assert [r["composition"] for r in result.entries] == ["Cu4", "O2"]
    assert result.relaxed["molecule-O2"].cell.lengths() == pytest.approx([15.0] * 3)  # the box stays
    written = result.write_entries(tmp_path / "entries.json")
    assert json.loads(written.read_text()) == result.entries and result.entries_file == str(tmp_path / "entries.json")
    assert EntriesResult.from_dict(json.loads(json.dumps(result.to_dict()))).to_dict() == result.to_dict()
    with pytest.raises(SSELabError, match="no such molecule"):
        entry_structure("molecule:Xx9")


def test_cli_hull_and_reactivity(tmp_path, capsys):
    path = tmp_path / "entries.json"
    path.write_text(json.dumps(records()))
    code, out, err = run_cli(["stability", "hull", "--entries", str(path), "--out", str(tmp_path / "hull"), "--json"], capsys)
    assert code == 0, err
    assert set(json.loads(out)) == {"entries_file", "elements", "rows", "stable", "run_directory"}
    assert (tmp_path / "hull" / "run.json").is_file()
    code, out, err = run_cli(["stability", "reactivity", "--entries", str(path), "--cathode", "Li2O", "--coating", "ZrO2",
                              "--coating", "Li2ZrO3", "--out", str(tmp_path / "react"), "--json"], capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert set(summary) == {"entries_file", "cathodes", "coatings", "min_reaction_energy_eV_per_atom", "rows", "run_directory"}
    assert np.shape(summary["min_reaction_energy_eV_per_atom"]) == (1, 2)
    assert (tmp_path / "react" / "reactivity.png").is_file()


def test_cli_composition_not_covered_exits_2(tmp_path, capsys):
    path = tmp_path / "entries.json"
    path.write_text(json.dumps(records()))
    code, _, err = run_cli(["stability", "reactivity", "--entries", str(path), "--cathode", "LiCoO2", "--coating", "ZrO2"], capsys)
    assert code == 2 and "Co, which the entries do not cover" in err
    code, _, err = run_cli(["stability", "hull", "--entries", str(path), "--target", "Li3N=-10", "--out", str(tmp_path / "h1")], capsys)
    assert code == 2 and "do not cover" in err
    code, _, err = run_cli(["stability", "hull", "--entries", str(path), "--target", "Li3N", "--out", str(tmp_path / "h1")], capsys)
    assert code == 2 and "FORMULA=ENERGY_eV" in err
    code, out, err = run_cli(["stability", "hull", "--entries", str(path), "--target", "Li2ZrO3=-100", "--json", "--out", str(tmp_path / "h2")],
                             capsys)
    assert code == 0 and "below_hull" in json.loads(out)["rows"][-1]
    code, _, err = run_cli(["stability", "reactivity", "--entries", str(path), "--cathode", "Li4ZrO4", "--coating", "ZrO2"], capsys)
    assert code == 2 and "no entry for Li4ZrO4" in err
    path.write_text("not json")
    code, _, err = run_cli(["stability", "hull", "--entries", str(path)], capsys)
    assert code == 2 and "is not valid JSON" in err


def test_cli_materials_project_needs_a_key_and_the_client(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MP_API_KEY", raising=False)
    code, _, err = run_cli(["stability", "materials-project", "Li-Zr-O", "--output", str(tmp_path / "mp.json")], capsys)
    assert code == 2 and "MP_API_KEY" in err
    monkeypatch.setenv("MP_API_KEY", "not-a-key")
    monkeypatch.setitem(__import__("sys").modules, "mp_api", None)  # the client absent, as on CI
    code, _, err = run_cli(["stability", "materials-project", "Li-Zr-O", "--output", str(tmp_path / "mp.json")], capsys)
    assert code == 2 and "pip install mp-api" in err
    assert not (tmp_path / "mp.json").exists()


def test_cli_entries_exit_code_keys_and_files(tmp_path, capsys):
    output = tmp_path / "entries.json"
    code, out, err = run_cli(["stability", "entries", "cu-fcc", "molecule:O2", "--calculator", "emt", "--db", str(tmp_path / "c.db"),
                              "--output", str(output), "--out", str(tmp_path / "run"), "--json"], capsys)
    assert code == 0, err
    assert set(json.loads(out)) == {"entries_file", "calculator", "entries", "engine", "run_directory"}
    assert len(json.loads(output.read_text())) == 2
    assert (tmp_path / "run" / "molecule-O2_relaxed.extxyz").is_file() and (tmp_path / "run" / "cu-fcc_relaxed.extxyz").is_file()
    code, _, err = run_cli(["stability", "entries", "molecule:Xx9", "--calculator", "emt", "--output", str(output), "--overwrite"],
                           capsys)
    assert code == 2 and "no such molecule" in err
    code, _, err = run_cli(["stability", "entries", "cu-fcc", "--calculator", "emt", "--output", str(tmp_path)], capsys)
    assert code == 2 and "is a directory" in err
    (tmp_path / "afile").write_text("x")
    code, _, err = run_cli(["stability", "entries", "cu-fcc", "--calculator", "emt", "--output", str(tmp_path / "afile" / "e.json")], capsys)
    assert code == 2 and "is not a directory" in err


def test_hull_rows_label_entries_built_by_hand():
    from pymatgen.analysis.phase_diagram import PDEntry
    from pymatgen.core import Composition

    entries = [PDEntry(Composition("Li"), -1.9, name="lithium metal"), PDEntry(Composition("O2"), -9.8, name="oxygen")]
    assert {r.name for r in hull_rows(phase_diagram(entries), entries)} == {"lithium metal", "oxygen"}
