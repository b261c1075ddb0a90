"""Seed 003's model comparison as a campaign: every (model, replica) pull is one Dask task, resumable.

::

    models = [FractureModel("crystal", "llzo110.extxyz"), FractureModel("interface", "gb/bicrystal.extxyz"),
              FractureModel("amorphous", "amorph/amorphized.extxyz")]
    campaign = FractureCampaign(test=TensileTest(strain_rate_per_ps=0.005, max_strain=0.3), replicas=3,
                                reference="interface")
    result = campaign.run(models, "llzo_fit", out="runs/seed003")          # a local Dask cluster
    result.summary()["ratios"]["amorphous"]["k_ic"]                         # K(amorphous)/K(interface) ± s.e.

* Points: ``<out>/<model>_seed<s>/`` for s = ``test.seed`` … ``test.seed + replicas − 1``; each is a
  :class:`~sselab.studies.fracture.TensileTest` run directory (the seed sets the velocities), followed by a
  :func:`~sselab.analysis.bonds.bond_evolution` of its trajectory in ``<point>/bonds/`` (over the model's ``region``
  along the load axis; else, with ``fracture_width_A``, over a slab that wide around the plane where that pull broke,
  seed 003's "fracture region" (:func:`~sselab.analysis.bonds.fracture_plane`); else the whole cell, where the few
  bonds a crack cuts are a small fraction of all).
* Tasks run on :func:`sselab.sweep.run_tasks`: a local cluster of single-threaded workers by default, or an existing
  cluster by address (dask-jobqueue for SLURM/PBS). A task always resumes its point from the point's checkpoint, so
  a killed worker or an interrupted campaign started again with ``resume=True`` recomputes nothing finished; a
  finished pull is only re-analysed. A point that fails returns status ``failed`` with a one-line message and the
  others go on.
* Summary per model: mean and standard error over replicas of E, ν, σ_peak, its strain, the energy change per atom
  at σ_peak (seed 003 Fig. 4b; :mod:`sselab.analysis.tensile`) and each pair's bond-loss onset and steepest-loss
  strain; the failure strain, eq. 1 G_c, eq. 2 K_IC (both with A the cross-section) and the energy to fracture (the
  largest mean energy change per atom) with its strain over the replicas that broke only (``broken``: the stress fell below the failure threshold before ``max_strain``), each
  with its count n. An unbroken replica's work is a lower bound, so it enters no mean of toughness. Ratios to the
  ``reference`` model are ratios of the means with the standard errors propagated to first order,
  s(a/b) = (a/b)·√((s_a/a)² + (s_b/b)²): replicas of different cells are not paired. A toughness ratio is withheld
  (``ratio`` None, with the reason) when either model has an unbroken replica; the ratio of the broken replicas'
  means is then given beside it as ``broken_only``.
* G_c here is the work of the whole pull per cross-section, W/A = L·∫σ dε: it grows with the cell length L along the
  load (the elastic energy of the whole column is counted), so compare models of one length only.
"""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from sselab.atomistic.md.record import require_same_settings
from sselab.errors import InputError
from sselab.runs import RunDirectory, csv_table, read_run_record, to_jsonable
from sselab.studies.fracture import TRAJECTORY_FILE, TensileTest
from sselab.sweep import check_cluster, point_or_failure, run_tasks, worker_path
from sselab.validation import require_count, require_range

__all__ = ["FractureCampaign", "FractureCampaignResult", "FractureModel", "run_fracture_point"]

COMMAND = "fracture campaign"
POINTS_FILE = "points.csv"
SUMMARY_FILE = "models.csv"
MODEL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,39}$")
POINT_FOLDER = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,39}_seed[0-9]+$")

#: per-point quantities summarised per model: (column, label)
QUANTITIES: tuple[tuple[str, str], ...] = (
    ("youngs_modulus_GPa", "E (GPa)"),
    ("poisson_ratio", "Poisson ratio"),
    ("peak_stress_GPa", "peak stress (GPa)"),
    ("peak_strain", "peak strain"),
    ("failure_strain", "failure strain"),
    ("g_c_J_per_m2", "G_c eq. 1, cross-section (J/m^2)"),
    ("k_ic_MPa_sqrt_m", "K_IC eq. 2, cross-section (MPa m^0.5)"),
    ("energy_to_fracture_meV_per_atom", "energy to fracture, largest mean energy change per atom (meV)"),
    ("energy_peak_strain", "strain of the largest energy change"),
    ("energy_at_peak_stress_meV_per_atom", "energy change per atom at the peak stress (meV)"),
)
#: quantities that mean something only for a replica that broke: averaged over those alone
TOUGHNESS = ("failure_strain", "g_c_J_per_m2", "k_ic_MPa_sqrt_m", "energy_to_fracture_meV_per_atom", "energy_peak_strain")
#: the ratios to the reference model: (column, key)
RATIOS = (("k_ic_MPa_sqrt_m", "k_ic"), ("g_c_J_per_m2", "g_c"), ("peak_stress_GPa", "peak_stress"),
          ("youngs_modulus_GPa", "youngs_modulus"), ("energy_to_fracture_meV_per_atom", "energy_to_fracture"),
          ("energy_at_peak_stress_meV_per_atom", "energy_at_peak_stress"))


@dataclass(frozen=True)
class FractureModel:
    """One model of the comparison: a name (a folder name: letters, digits, '-'), its structure (a file or a packaged
    name) and, optionally, the bond-analysis region (centre, width) in Å along the load axis of the starting cell."""

    name: str
    structure: str | Path
    region: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not MODEL_NAME.match(self.name):
            raise InputError(f"a model name is 1-40 letters, digits or '-', starting with a letter; got {self.name!r}")
        if self.region is not None:
            from sselab.analysis.bonds import checked_region

            object.__setattr__(self, "region", checked_region(self.region))


@dataclass(frozen=True)
class FracturePointTask:
    """One pull as a Dask task receives it."""

    model: FractureModel
    test: TensileTest
    forcefield: Any
    folder: str
    resume: bool
    fracture_width_A: float | None = None


def run_fracture_point(task: FracturePointTask) -> dict[str, Any]:
    """Run (or resume, or only re-analyse) one pull and its bond analysis; returns its row (status ``failed`` with a
    one-line error instead of raising, so that the other points go on)."""
    return point_or_failure(_run_point, task)


def _run_point(task: FracturePointTask) -> dict[str, Any]:
    from sselab.studies.fracture import BondAnalysis

    folder = Path(task.folder)
    result = task.test.run(task.model.structure, task.forcefield, folder, resume=task.resume)
    p = result.properties
    row: dict[str, Any] = {
        "status": "ran",
        "youngs_modulus_GPa": p["youngs_modulus_GPa"], "poisson_ratio": p["poisson_ratio"],
        "peak_stress_GPa": p["peak_stress_GPa"], "peak_strain": p["peak_strain"], "failure_strain": p["failure_strain"],
        "broken": p["failure_strain"] is not None,
        "g_c_J_per_m2": p["work_of_fracture_J_per_m2"]["cross_section"],
        "k_ic_MPa_sqrt_m": p["k_ic_MPa_sqrt_m"].get("eq2_cross_section"),
        "energy_to_fracture_meV_per_atom": p.get("energy_to_fracture_meV_per_atom"),
        "energy_peak_strain": p.get("energy_peak_strain"),
        "energy_at_peak_stress_meV_per_atom": p.get("energy_at_peak_stress_meV_per_atom"),
        "atoms": result.system.get("atoms"),
    }
    width = task.fracture_width_A if task.model.region is None else None
    bonds = BondAnalysis(axis=task.test.axis, region=task.model.region, fracture_width_A=width).run(folder / TRAJECTORY_FILE)
    bonds.write(RunDirectory.open(folder / "bonds", "fracture bonds", {"trajectory": str(folder / TRAJECTORY_FILE)},
                                  overwrite=True))
    values = bonds.to_dict()
    row["max_opening_A"] = values["max_opening_A"]  # a few Å: a neck, not a crack (an unbroken pull's fracture region)
    for pair, strain in values["onset_strain"].items():
        row[f"onset_{pair}"] = strain
    for pair, strain in values["steepest_drop_strain"].items():
        row[f"steepest_{pair}"] = strain
    return row


def _mean_and_error(values: Sequence[float]) -> tuple[float | None, float | None, int]:
    """Mean, standard error of the mean (None for one value) and count of the finite values."""
    finite = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if finite.size == 0:
        return None, None, 0
    error = float(np.std(finite, ddof=1) / math.sqrt(finite.size)) if finite.size > 1 else None
    return float(finite.mean()), error, int(finite.size)


def ratio_with_error(a: float, sa: float | None, b: float, sb: float | None) -> tuple[float, float | None]:
    """a/b and its first-order standard error from independent errors (None when either is unknown)."""
    if b == 0:
        raise InputError("a ratio to a reference model whose mean is zero")
    r = a / b
    if sa is None or sb is None or a == 0:
        return r, None
    return r, abs(r) * math.sqrt((sa / a) ** 2 + (sb / b) ** 2)


def _ratio(entry: dict[str, Any], reference: dict[str, Any], column: str, names: tuple[str, str]) -> dict[str, Any] | None:
    """The ratio of one column's means (module docstring); a toughness ratio is withheld when a side has unbroken
    replicas, with the broken replicas' ratio beside it."""
    a, b = entry[column], reference[column]
    if a["mean"] is None or b["mean"] is None:
        return None
    if names[0] == names[1]:
        return {"ratio": 1.0, "standard_error": 0.0}  # the reference against itself: exact
    r, s = ratio_with_error(a["mean"], a["standard_error"], b["mean"], b["standard_error"])
    unbroken = [f"{name} ({side['replicas'] - side['broken']} of {side['replicas']})"
                for name, side in zip(names, (entry, reference)) if side["broken"] < side["replicas"]]
    if column in TOUGHNESS and unbroken:
        return {"ratio": None, "standard_error": None, "broken_only": {"ratio": r, "standard_error": s},
                "withheld": f"unbroken replicas in {' and '.join(dict.fromkeys(unbroken))}: their work is a lower bound"}
    return {"ratio": r, "standard_error": s}


@dataclass
class FractureCampaignResult:
    """Every point's row and the per-model summary (module docstring)."""

    points: list[dict[str, Any]]
    models: list[str]
    reference: str | None
    settings: dict[str, Any]
    run: RunDirectory | None = field(default=None, repr=False)

    def summary(self) -> dict[str, Any]:
        columns = [c for c, _ in QUANTITIES] + sorted({k for p in self.points for k in p if k.startswith(("onset_", "steepest_"))})
        per_model: dict[str, dict[str, Any]] = {}
        for model in self.models:
            rows = [p for p in self.points if p["model"] == model and p["status"] != "failed"]
            broken = [r for r in rows if r.get("broken")]
            entry: dict[str, Any] = {"replicas": len(rows), "broken": len(broken),
                                     "failed": sum(p["model"] == model and p["status"] == "failed" for p in self.points)}
            for column in columns:
                mean, error, n = _mean_and_error([r.get(column) for r in (broken if column in TOUGHNESS else rows)])
                entry[column] = {"mean": mean, "standard_error": error, "n": n}
            per_model[model] = entry
        ratios: dict[str, dict[str, Any]] = {}
        if self.reference is not None:
            for model in self.models:
                ratios[model] = {key: _ratio(per_model[model], per_model[self.reference], column, (model, self.reference))
                                 for column, key in RATIOS}
        return to_jsonable({"models": per_model, "reference": self.reference, "ratios": ratios, "points": self.points,
                            "settings": self.settings,
                            "failed": sum(p["status"] == "failed" for p in self.points)})

    def to_dict(self) -> dict[str, Any]:
        return self.summary()

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """``run.json``, ``points.csv`` (one row per pull), ``models.csv`` (mean ± s.e. per model) and the overlay plot."""
        from sselab.plots.fracture import plot_campaign_curves

        run = RunDirectory.open(run_dir if run_dir is not None else self.run, COMMAND, {} if self.run is None else self.run.inputs)
        summary = self.summary()
        point_columns = ["model", "seed", "status", "broken", *(c for c, _ in QUANTITIES), "atoms", "max_opening_A",
                         *sorted({k for p in self.points for k in p if k.startswith(("onset_", "steepest_"))}), "error", "directory"]
        run.write_text(POINTS_FILE, csv_table(point_columns, self.points))
        model_rows = []
        for model, entry in summary["models"].items():
            row = {"model": model, "replicas": entry["replicas"], "broken": entry["broken"], "failed": entry["failed"]}
            for column, values in entry.items():
                if isinstance(values, dict):
                    row[column], row[f"{column}_se"], row[f"{column}_n"] = values["mean"], values["standard_error"], values["n"]
            model_rows.append(row)
        run.write_text(SUMMARY_FILE, csv_table(list(model_rows[0]) if model_rows else ["model"], model_rows))
        curves = {p["model"]: [] for p in self.points}
        energies = {p["model"]: [] for p in self.points}
        for p in self.points:
            path = Path(p["directory"]) / "stress_strain.csv"
            if p["status"] != "failed" and path.is_file():
                data = np.genfromtxt(path, delimiter=",", names=True)
                strain = np.atleast_1d(data["strain"])
                curves[p["model"]].append((strain, np.atleast_1d(data["stress_GPa"])))
                if "energy_change_meV_per_atom" in (data.dtype.names or ()):
                    energies[p["model"]].append((strain, np.atleast_1d(data["energy_change_meV_per_atom"])))
        if any(curves.values()):
            run.save_figure("stress_strain", plot_campaign_curves(curves).figure)
        if any(energies.values()):
            run.save_figure("energy_strain", plot_campaign_curves(
                energies, ylabel="potential energy change per atom (meV)").figure)
        run.finish(summary)
        return run


@dataclass(frozen=True, kw_only=True)
class FractureCampaign:
    """Pull every model ``replicas`` times with ``test`` (its seed is the first replica's) (module docstring)."""

    test: TensileTest = field(default_factory=TensileTest)
    replicas: int = 3
    reference: str | None = None
    fracture_width_A: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.test, TensileTest):
            raise InputError(f"test must be a TensileTest, got {type(self.test).__name__}")
        require_count(self.replicas, "replicas", low=1, high=1000)
        if self.fracture_width_A is not None:
            require_range(self.fracture_width_A, "fracture-region width", low=0.0, low_inclusive=False, unit="Å")

    def run(self, models: Sequence[FractureModel], forcefield: str | Path, *, out: str | Path | None = None, resume: bool = False,
            overwrite: bool = False, scheduler: str | None = None, workers: int | None = None,
            show_progress: bool = True) -> FractureCampaignResult:
        """Run every pull not yet finished as a Dask task, analyse them all, write and return the result."""
        check_cluster(scheduler, workers)
        models = list(models)
        if not models:
            raise InputError("a fracture campaign needs at least one model")
        names = [m.name for m in models]
        if len(set(names)) != len(names):
            raise InputError(f"model names must differ, got {', '.join(names)}")
        if self.reference is not None and self.reference not in names:
            raise InputError(f"the reference model {self.reference!r} is not among the models ({', '.join(names)})")
        models = [replace(m, structure=worker_path(m.structure)) for m in models]
        for model in models:
            if isinstance(model.structure, str) and not Path(model.structure).exists() and Path(model.structure).suffix:
                raise InputError(f"structure file {model.structure} of model {model.name!r} does not exist")
        forcefield = worker_path(forcefield)
        settings = {"test": self.test.settings_record(), "replicas": self.replicas, "reference": self.reference,
                    "models": [{"name": m.name, "structure": str(m.structure), "region": m.region} for m in models],
                    "forcefield": str(forcefield), "fracture_width_A": self.fracture_width_A}
        run = RunDirectory.open(out, COMMAND, settings, overwrite=overwrite, resume=resume)
        if resume and (run.path / "run.json").is_file():
            recorded = read_run_record(run.path, COMMAND).get("inputs")
            recorded = recorded if isinstance(recorded, dict) else {}
            require_same_settings({k: recorded.get(k) for k in ("test", "forcefield")},
                                  {k: settings[k] for k in ("test", "forcefield")}, f"the campaign in {run.path}")
        tasks, rows = [], []
        for model in models:
            for k in range(self.replicas):
                seed = self.test.seed + k
                folder = run.path.resolve() / f"{model.name}_seed{seed}"
                started = (folder / "point.json").is_file()
                if started and not (resume or overwrite):
                    raise InputError(f"{folder} holds a pull: pass resume to continue the campaign or overwrite to start again")
                if started and overwrite and POINT_FOLDER.match(folder.name):
                    shutil.rmtree(folder)
                    started = False
                folder.mkdir(parents=True, exist_ok=True)
                rows.append({"model": model.name, "seed": seed, "directory": str(folder)})
                tasks.append(FracturePointTask(model, replace(self.test, seed=seed), forcefield, str(folder), started,
                                               self.fracture_width_A))
        results = run_tasks(run_fracture_point, tasks, scheduler, workers, "fracture campaign (pulls)", show_progress)
        points = [{**row, **result} for row, result in zip(rows, results)]
        result = FractureCampaignResult(points=points, models=names, reference=self.reference, settings=settings, run=run)
        result.write(run)
        return result

