"""MD campaigns: grids of independent MD runs (temperature × strain × exchange amount × replica) as Dask tasks.

::

    grid = MDGrid(temperatures_K=(900, 1000, 1100), strains=(0.01, 0.0, -0.01), time_fs=100_000, dump_interval_fs=100,
                  exchange_ion="Na", exchange_concentration=0.017)
    campaign = MDCampaign(grid=grid, exchange_concentrations=(0.017, 0.034), replicas=2)
    result = campaign.run("llzo", forcefield="llzo_fit", out="runs/na-campaign")          # a local Dask cluster
    result = campaign.run(..., scheduler="tcp://10.0.0.5:8786")                          # an existing one
    table = analyze_campaign("runs/na-campaign", species="Na")                            # D of every point, one table

* The cells: one per exchange amount (``exchange_counts`` or ``exchange_concentrations``; none: the grid's own) and
  replica (seeds ``grid.seed``, ``grid.seed + 1``, …: another Li ordering, ion placement and velocities). Each cell
  is a folder ``<out>/<cell>/`` (e.g. ``Na2pct_seed1``) whose points ``T<T>K_strain<s>pct/`` are laid out as
  ``sselab md run`` lays them out, so every diffusion command reads them.
* One Dask task per point (:func:`sselab.sweep.run_tasks`: a local cluster of single-threaded workers by default, or
  ``scheduler=`` an existing cluster, e.g. one started by dask-jobqueue on SLURM/PBS). Before any task starts, this
  process builds every cell, writes each new point's ``point.json`` (its full settings) and checks earlier work:
  refused without ``resume``/``overwrite``, continued with ``resume`` when its record matches. A task therefore
  always continues its point from the point's checkpoint, so a worker killed mid-run (Dask re-runs its task
  elsewhere) or a campaign interrupted and started again with ``resume=True`` recomputes nothing finished.
* A task rebuilds its cell from the settings (the builds are seeded) and refuses to run if the cell's hash differs
  from the one recorded by this process.
* Calculators must be named (``"chgnet"``): a task loads its own. Force fields and LAMMPS potentials run one LAMMPS
  process per task (MPI ranks inside a task are not offered: on a cluster, run more tasks).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from sselab.atomistic.md.lammps import MDModel
from sselab.atomistic.md.record import POINT_RECORD, read_point_record, require_same_settings, write_point_record
from sselab.errors import InputError, SSELabError
from sselab.runs import RunDirectory, csv_table, read_run_record, to_jsonable
from sselab.studies.md import (
    CHECKPOINT_FILE,
    THERMO_FILE,
    TRAJECTORY_FILE,
    MDGrid,
    build_md_system,
    is_finished,
    md_engine,
)
from sselab.sweep import check_cluster, point_or_failure, run_tasks, worker_path
from sselab.validation import require_count, require_range, require_within_limit

__all__ = ["CampaignAnalysis", "CampaignResult", "MDCampaign", "analyze_campaign", "cell_name"]

COMMAND = "md campaign"
POINTS_FILE = "points.csv"
DIFFUSION_FILE = "diffusion.csv"


def cell_name(grid: MDGrid) -> str:
    """The folder of one cell of a campaign: exchange ion and amount, then the seed (``Na2pct_seed1``, ``Na4_seed2``,
    ``host_seed1``)."""
    if grid.exchange_ion is None:
        amount = "host"
    elif grid.exchange_count is not None:
        amount = f"{grid.exchange_ion}{grid.exchange_count}"
    else:
        amount = f"{grid.exchange_ion}{grid.exchange_concentration * 100:.4g}pct"
    return f"{amount}_seed{grid.seed}"


@dataclass(frozen=True)
class CampaignTask:
    """One point of a campaign, as a Dask task receives it: everything needed to rebuild the cell and run the point."""

    structure: Any  # a name, a path or an Atoms (all picklable)
    grid: MDGrid  # the cell's grid (its exchange amount and seed)
    temperature_K: float
    strain: float
    forcefield: Any  # a name, a path, an MDModel or None
    calculator: str | None
    device: str
    folder: str
    cell_sha256: str
    engine_identity: dict[str, Any]


def run_campaign_task(task: CampaignTask) -> dict[str, Any]:
    """Run (or continue from its checkpoint) one campaign point in a Dask worker; returns the point's record.

    The point's ``point.json`` was written by the process that submitted the campaign; the cell is rebuilt from
    the seeded settings and must have the recorded hash, and the worker's calculator or force field the recorded
    identity. A point that fails (an MD run that became unstable, a record that does not match, a worker's disk or
    library error) returns status ``failed`` and a one-line message; its frames and checkpoint are kept, and the
    other points go on.
    """
    return point_or_failure(_run_point, task)


def _run_point(task: CampaignTask) -> dict[str, Any]:
    grid = task.grid
    atoms, system = build_md_system(task.structure, repeat=grid.repeat, exchange_ion=grid.exchange_ion,
                                    exchange_count=grid.exchange_count, exchange_concentration=grid.exchange_concentration,
                                    seed=grid.seed)
    if system["cell_sha256"] != task.cell_sha256:
        raise InputError(f"{task.folder}: the cell built on the worker differs from the one recorded (structure file "
                         "changed, or another sselab version on the worker)")
    engine, _, identity = md_engine(task.calculator, task.forcefield, task.device, atoms.get_chemical_symbols())
    if to_jsonable(identity) != to_jsonable(task.engine_identity):
        raise InputError(f"{task.folder}: the worker's calculator or force field differs from the one recorded "
                         "(another file or library version on the worker)")
    schedule = grid.schedule(engine if task.forcefield is not None else None)
    point = MDGrid.run_point(atoms, grid.md_settings(task.temperature_K, schedule), task.strain, Path(task.folder), engine,
                             True, lambda *_: None, None)
    return point.to_dict()


@dataclass(frozen=True)
class CampaignResult:
    """Every point of a campaign: its cell (exchange ion, count, site fraction, seed), T, strain, folder and status."""

    system: dict[str, Any]
    engine: dict[str, Any]
    timestep_fs: float
    frame_interval_fs: float
    production_fs: float
    points: tuple[dict[str, Any], ...]
    run: RunDirectory | None = field(default=None, compare=False, repr=False)

    @property
    def trajectories(self) -> list[Path]:
        return [Path(p["directory"]) / TRAJECTORY_FILE for p in self.points]

    def to_dict(self) -> dict[str, Any]:
        counts = {status: sum(p["status"] == status for p in self.points) for status in ("ran", "already finished", "failed")}
        return to_jsonable({"system": self.system, "engine": self.engine, "timestep_fs": self.timestep_fs,
                            "frame_interval_fs": self.frame_interval_fs, "production_fs": self.production_fs,
                            "points": list(self.points), "ran": counts["ran"], "already_finished": counts["already finished"],
                            "failed": counts["failed"],
                            "next": f"sselab diffusion campaign {self.run.path if self.run else '<campaign>'} --species <ion>"})

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """``run.json`` and ``points.csv`` (one row per point) in ``run_dir`` (default: the campaign's directory)."""
        run = RunDirectory.open(run_dir if run_dir is not None else self.run, COMMAND, {} if self.run is None else self.run.inputs)
        columns = ("cell", "exchange_ion", "exchange_count", "site_fraction", "seed", "temperature_K", "strain", "status",
                   "wall_time_s", "ns_per_day", "mean_temperature_K", "min_pair_distance_A", "error", "directory")
        run.write_text(POINTS_FILE, csv_table(columns, self.points))
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run


@dataclass(frozen=True, kw_only=True)
class MDCampaign:
    """Settings of a campaign (module docstring): ``grid`` gives the temperatures, strains, times, ensemble, cell and
    exchange ion; ``exchange_counts`` or ``exchange_concentrations`` (site fractions of the Li sublattice) the
    amounts; ``replicas`` the seeds ``grid.seed`` … ``grid.seed + replicas − 1``."""

    grid: MDGrid
    exchange_counts: tuple[int, ...] = ()
    exchange_concentrations: tuple[float, ...] = ()
    replicas: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.grid, MDGrid):
            raise InputError(f"grid must be an MDGrid, got {type(self.grid).__name__}")
        object.__setattr__(self, "exchange_counts", tuple(self.exchange_counts))
        object.__setattr__(self, "exchange_concentrations", tuple(self.exchange_concentrations))
        require_count(self.replicas, "replicas (--replicas)", low=1, high=1000)
        if self.exchange_counts and self.exchange_concentrations:
            raise InputError("give exchange counts or exchange concentrations, not both")
        if (self.exchange_counts or self.exchange_concentrations) and self.grid.exchange_ion is None:
            raise InputError("exchange amounts need an exchange ion (--exchange-ion)")
        for count in self.exchange_counts:
            require_count(count, "--exchange-count", low=1)
        for fraction in self.exchange_concentrations:
            require_range(fraction, "--exchange-concentration", low=0.0, low_inclusive=False, high=1.0)
        cells = self.cells()
        names = [cell_name(c) for c in cells]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise InputError(f"the campaign names the cell {repeated[0]} twice (exchange amounts equal to the folder's precision)")
        require_within_limit(len(cells) * len(self.grid.temperatures_K) * len(self.grid.strains), "structures",
                             "the MD campaign (cells x temperatures x strains)")

    def cells(self) -> list[MDGrid]:
        """The grid of every cell: one per exchange amount and replica, in that order."""
        if self.exchange_counts:
            amounts = [{"exchange_count": n, "exchange_concentration": None} for n in self.exchange_counts]
        elif self.exchange_concentrations:
            amounts = [{"exchange_count": None, "exchange_concentration": x} for x in self.exchange_concentrations]
        else:
            amounts = [{}]
        return [replace(self.grid, seed=self.grid.seed + k, **amount) for amount in amounts for k in range(self.replicas)]

    @property
    def points(self) -> int:
        return len(self.cells()) * len(self.grid.temperatures_K) * len(self.grid.strains)

    def run(self, structure, *, forcefield: MDModel | str | Path | None = None, calculator: str | None = None,
            device: str = "cpu", out: str | Path | RunDirectory | None = None, resume: bool = False, overwrite: bool = False,
            scheduler: str | None = None, workers: int | None = None, show_progress: bool = True) -> CampaignResult:
        """Run every point not yet finished as a Dask task; returns every point's record (module docstring)."""
        check_cluster(scheduler, workers)
        if forcefield is not None and calculator is not None:
            raise InputError("give a calculator (ASE MD) or a force field (LAMMPS MD), not both")
        self.grid.check_engine(forcefield)
        if forcefield is None:
            calculator = calculator or "chgnet"
            if not isinstance(calculator, str):
                raise InputError("a campaign names its calculator (e.g. 'chgnet'): each Dask task loads its own")
        run = RunDirectory.open(out, COMMAND, {}, overwrite=overwrite, resume=resume)
        if any(run.path.glob(f"*/{POINT_RECORD}")):
            raise InputError(f"{run.path} holds 'md run' points ({run.path}/T…/); a campaign lays its points out under "
                             f"{run.path}/<cell>/: choose another --out")
        structure, forcefield = worker_path(structure), worker_path(forcefield)  # workers may run in another directory
        tasks, rows, systems, defining_all, engine_record, schedule, cells_by_hash = [], [], [], [], None, None, {}
        for cell in self.cells():
            atoms, system = build_md_system(structure, repeat=cell.repeat, exchange_ion=cell.exchange_ion,
                                            exchange_count=cell.exchange_count,
                                            exchange_concentration=cell.exchange_concentration, seed=cell.seed)
            # the same cell with the same seed (velocities) is the same run twice; replicas of a structure file share
            # the cell and differ in their seed
            same = cells_by_hash.setdefault((system["cell_sha256"], cell.seed), cell_name(cell))
            if same != cell_name(cell):
                raise InputError(f"the cells {same} and {cell_name(cell)} are the same cell (their exchange amounts round "
                                 "to the same number of ions): give distinct amounts")
            engine, engine_record, identity = md_engine(calculator, forcefield, device, atoms.get_chemical_symbols())
            schedule = cell.schedule(engine if forcefield is not None else None)
            defining = cell.defining_settings(system, identity, schedule)
            systems.append(system)
            defining_all.append(defining)
            exchange = system.get("exchange", {})
            for t in cell.temperatures_K:
                for strain in cell.strains:
                    folder, continuing = MDGrid.plan_point(run.path.resolve() / cell_name(cell), t, strain, defining, resume,
                                                           overwrite)
                    row = {"cell": cell_name(cell), "exchange_ion": cell.exchange_ion, "exchange_count": exchange.get("count"),
                           "site_fraction": exchange.get("site_fraction"), "seed": cell.seed, "temperature_K": t,
                           "strain": strain, "directory": str(folder)}
                    record = {"structure": system["structure"], **defining, "temperature_K": t, "strain": strain}
                    rows.append((row, folder, continuing, record))
                    tasks.append(CampaignTask(structure, cell, t, strain, forcefield, calculator, device, str(folder),
                                              system["cell_sha256"], identity))
        inputs = {"structure": systems[0]["structure"], "cells": [cell_name(c) for c in self.cells()],
                  "temperatures_K": list(self.grid.temperatures_K), "strains": list(self.grid.strains),
                  "exchange_counts": list(self.exchange_counts), "exchange_concentrations": list(self.exchange_concentrations),
                  "replicas": self.replicas, "settings": defining_all, "device": device, "scheduler": scheduler}
        if resume and (run.path / "run.json").exists():
            recorded = read_run_record(run.path, COMMAND).get("inputs")
            recorded = recorded if isinstance(recorded, dict) else {}
            require_same_settings({k: recorded.get(k) for k in ("cells", "temperatures_K", "strains", "settings")},
                                  {k: inputs[k] for k in ("cells", "temperatures_K", "strains", "settings")}, f"the campaign in {run.path}")
        run.inputs = inputs
        if overwrite:
            _remove_other_points(run.path, {folder for _, folder, _, _ in rows})
        pending, results = [], {}
        for index, ((row, folder, continuing, record), task) in enumerate(zip(rows, tasks)):
            if continuing and is_finished(folder / TRAJECTORY_FILE, schedule.production_fs):
                results[index] = {"status": "already finished"}
                continue
            if not continuing:
                folder.mkdir(parents=True, exist_ok=True)
                for name in (TRAJECTORY_FILE, THERMO_FILE, CHECKPOINT_FILE):
                    (folder / name).unlink(missing_ok=True)
                write_point_record(folder, record)
            pending.append((index, task))
        if pending:
            done = run_tasks(run_campaign_task, [task for _, task in pending], scheduler, workers, "MD campaign (points)",
                             show_progress)
            results.update({index: result for (index, _), result in zip(pending, done)})
        points = tuple({**row, **{k: v for k, v in results[i].items() if k not in ("temperature_K", "strain", "directory")}}
                       for i, (row, *_) in enumerate(rows))
        return CampaignResult(system=systems[0], engine=engine_record, timestep_fs=schedule.timestep_fs,
                              frame_interval_fs=schedule.frame_interval_fs, production_fs=schedule.production_fs,
                              points=points, run=run)


#: the folder names a campaign writes (:func:`cell_name`, :func:`~sselab.studies.md.point_name`); nothing else is
#: ever deleted by an overwrite
CELL_FOLDER = re.compile(r"^(host|[A-Z][a-z]?[0-9.e+-]+(pct)?)_seed-?[0-9]+$")
POINT_FOLDER = re.compile(r"^T[0-9.e+-]+K_strain[0-9.e+-]+pct$")


def _remove_other_points(root: Path, kept: set[Path]) -> None:
    """Delete the point folders of an overwritten campaign that the new campaign does not have (and cells left empty).

    Only ``<cell>/<point>`` folders named as a campaign names them and holding a ``point.json`` are removed."""
    for record in root.glob(f"*/*/{POINT_RECORD}"):
        point, cell = record.parent, record.parent.parent
        if point.resolve() not in kept and CELL_FOLDER.match(cell.name) and POINT_FOLDER.match(point.name):
            shutil.rmtree(point)
    for cell in root.iterdir():
        if cell.is_dir() and CELL_FOLDER.match(cell.name) and not any(cell.iterdir()):
            cell.rmdir()


# ------------------------------------------------------------------------------------------- analysis


@dataclass(frozen=True)
class CampaignAnalysis:
    """D (± standard error) of one species at every point of a campaign, as one tidy table.

    ``rows`` hold, per point: cell, seed, site_fraction, temperature_K, strain, stress_Pa (the mean pressure of the
    run, compressive positive), concentration (the analysed species' site fraction; None for Li), D_m2_per_s,
    D_stderr_m2_per_s, conductivity_S_per_m, diffusive, complete and the trajectory.
    """

    species: str
    rows: tuple[dict[str, Any], ...]
    skipped: tuple[str, ...] = ()
    run: RunDirectory | None = field(default=None, compare=False, repr=False)

    COLUMNS = ("cell", "seed", "site_fraction", "temperature_K", "strain", "stress_Pa", "concentration", "D_m2_per_s",
               "D_stderr_m2_per_s", "conductivity_S_per_m", "diffusive", "complete", "trajectory")

    def dataset(self):
        """The table as an xarray Dataset on dims (site_fraction, seed, temperature_K, strain); NaN where no run."""
        import xarray as xr

        axes = {name: sorted({_axis_value(r[name]) for r in self.rows}) for name in ("site_fraction", "seed", "temperature_K", "strain")}
        shape = tuple(len(v) for v in axes.values())
        data = {key: np.full(shape, np.nan) for key in ("D_m2_per_s", "D_stderr_m2_per_s", "stress_Pa", "conductivity_S_per_m")}
        for row in self.rows:
            index = tuple(axes[name].index(_axis_value(row[name])) for name in axes)
            for key in data:
                if row.get(key) is not None and (row["diffusive"] or key == "stress_Pa"):
                    data[key][index] = row[key]
        dims = tuple(axes)
        return xr.Dataset({key: (dims, value) for key, value in data.items()}, coords=axes,
                          attrs={"species": self.species, "note": "D only where the run is diffusive; site_fraction -1: no exchange ion"})

    def to_dict(self) -> dict[str, Any]:
        diffusive = sum(bool(r["diffusive"]) for r in self.rows)
        return to_jsonable({"species": self.species, "points": len(self.rows), "diffusive_points": diffusive,
                            "rows": list(self.rows), "skipped": list(self.skipped),
                            "next": "sselab diffusion fit-stress <campaign-analysis>/diffusion.csv --model eq8 --temperature <T> "
                                    "(eq10 for Li)"})

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """``diffusion.csv`` (the table; ``diffusion arrhenius``/``fit-stress`` read it), ``diffusion.nc`` and ``run.json``."""
        run = RunDirectory.open(run_dir if run_dir is not None else self.run, "diffusion campaign",
                                {} if self.run is None else self.run.inputs)
        run.write_text(DIFFUSION_FILE, csv_table(self.COLUMNS, self.rows))
        run.write_dataset("diffusion", self.dataset())
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run


def _axis_value(value: Any) -> float:
    return -1.0 if value is None else float(value)


def analyze_campaign(campaign: str | Path, species: str, *, max_lag_fraction: float = 0.5, min_msd_A2: float = 1.0,
                     include_incomplete: bool = False) -> CampaignAnalysis:
    """Analyse every point of the campaign in ``campaign`` (a directory written by :meth:`MDCampaign.run`) for ``species``.

    Points that cannot be analysed are listed in ``skipped`` with their folder and reason: never started (no
    trajectory), too short to analyse (a run that failed in its first frames), or incomplete (failed or still
    running; kept as rows with ``complete`` false only when ``include_incomplete``, and the fits refuse such rows
    unless told otherwise). A campaign interrupted before it wrote its ``run.json`` is analysed from its points.
    """
    from sselab.analysis.diffusion import DiffusionAnalysis, exchange_fraction

    root = Path(campaign)
    if (root / "run.json").is_file():
        record = read_run_record(root, COMMAND)
        if record.get("command") != COMMAND:
            raise InputError(f"{root} is a '{record.get('command')}' run, not an 'md campaign' run")
    elif not root.is_dir():
        raise InputError(f"{root} is not an 'md campaign' run directory")
    records = sorted(root.glob(f"*/*/{POINT_RECORD}"))
    if not records:
        raise InputError(f"{root}: no campaign points (no */*/{POINT_RECORD})")
    rows, skipped = [], []
    for path in records:
        folder = path.parent
        point = read_point_record(folder) or {}
        trajectory = folder / TRAJECTORY_FILE
        if not trajectory.is_file():
            skipped.append(f"{folder}: no trajectory (not run yet)")
            continue
        try:
            analysis = DiffusionAnalysis.from_file(trajectory, species, max_lag_fraction=max_lag_fraction, min_msd_A2=min_msd_A2)
        except SSELabError as error:
            skipped.append(f"{folder}: {error}")
            continue
        if not analysis.complete and not include_incomplete:
            skipped.append(f"{folder}: incomplete (the run failed or is still running)")
            continue
        exchange = point.get("exchange_ion")
        rows.append({"cell": folder.parent.name, "seed": point.get("seed"),
                     "site_fraction": exchange_fraction(analysis.counts, exchange) if exchange in analysis.counts else None,
                     "temperature_K": point.get("temperature_K"),
                     "strain": point.get("strain"), "stress_Pa": analysis.stress_Pa, "concentration": analysis.concentration,
                     "D_m2_per_s": analysis.diffusivity_m2_per_s, "D_stderr_m2_per_s": analysis.diffusivity_stderr_m2_per_s,
                     "conductivity_S_per_m": analysis.conductivity_S_per_m, "diffusive": analysis.diffusive,
                     "complete": analysis.complete, "trajectory": str(trajectory)})
    if not rows:
        raise InputError(f"{root}: no point can be analysed yet ({len(skipped)} skipped; first: {skipped[0]})")
    return CampaignAnalysis(species=species, rows=tuple(rows), skipped=tuple(skipped))
