"""Molecular dynamics over a temperature × hydrostatic-strain grid (seed 000 §2.2), ready for the diffusion analysis.

::

    grid = MDGrid(temperatures_K=(1100, 1200), strains=(0.0, 0.01), time_fs=100_000, dump_interval_fs=50)
    result = grid.run("llzo", forcefield="llzo_bush_coreshell", out="runs/md")   # or calculator="chgnet", device="cuda"
    [DiffusionAnalysis.from_file(p.trajectory, species="Li") for p in result.points]

One sub-directory per (T, strain) point, ``T<T>K_strain<±s>pct/``, each with ``trajectory.extxyz`` and
``thermo.csv`` in the format every diffusion analysis reads (see :mod:`sselab.atomistic.md.ase_md`).

* The cell: ``"llzo"`` (ordered cubic LLZO, Li ordering seeded), a packaged structure name, a
  structure file or an :class:`ase.Atoms`; repeated by ``repeat``, then ``exchange_count`` Li (or a
  site fraction ``exchange_concentration`` of them) replaced by ``exchange_ion`` on octahedral sites.
* Strain is seed 000's hydrostatic linear strain, compression positive: every cell vector × (1 − s).
* The engine: ``forcefield=`` runs a classical force field (rigid-ion or core–shell) or a LAMMPS
  potential (``"lammps:llzo_pod"``, machine-learned) in LAMMPS (:mod:`sselab.atomistic.md.lammps`;
  recommended timestep resolving the shell vibration, 1 fs without shells);
  otherwise ``calculator=`` (a name, an ASE calculator or an Engine; CHGNet by default, 1 fs)
  runs through ASE (:mod:`sselab.atomistic.md.ase_md`).
* Before its first step every point writes ``point.json`` (:mod:`sselab.atomistic.md.record`): the
  cell (atoms, formula, a hash of the built cell), how it was built (repeat, exchange, seed), the
  engine (calculator name, model, version and settings, or force-field name and a hash of its
  numbers), ensemble (with its barostat for ``npt``), thermostat, damping, timestep, frame interval, equilibration,
  production time, temperature and strain. ``run.json`` records the same settings for the whole grid.
* ``resume=True`` skips finished points and continues interrupted ones from their checkpoint (the
  last stored frame for ASE, ``checkpoint.restart`` for LAMMPS), after checking that every
  setting above equals what ``point.json`` (and a finished run's ``run.json``) holds: anything
  else is refused, naming the setting, before any step runs. A longer production time is refused
  too (a different run, not a continuation). An interrupted run (Ctrl-C, a kill) keeps every
  finished point and the frames of the current one, so a resume recomputes nothing finished.
* Without ``resume``, point folders holding earlier work are refused unless ``overwrite``.
* Bounds, checked before anything runs: temperatures in (0, 10 000] K, |strain| ≤ 0.2, timestep in
  (0, 10] fs, production and frame interval > 0 with the frame interval at most the production time,
  equilibration ≥ 0, an exchange concentration in (0, 1]; the cell's atoms, the grid's points and
  each point's steps against the limits ``atoms``, ``structures`` and ``md_steps``
  (:data:`sselab.validation.LIMITS`).
* Under ``mpiexec -n N`` (force-field runs only, with an explicit ``out``) every rank builds the same
  seeded cell and LAMMPS splits the work; rank 0 alone writes ``run.json``.
"""

from __future__ import annotations

import hashlib
import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers

from sselab.atomistic.md.ase_md import (
    BAROSTATS,
    ENSEMBLES,
    MAX_SEED,
    THERMOSTATS,
    MDSettings,
    apply_hydrostatic_strain,
    check_hydrostatic_strain,
    check_temperature,
    check_timestep,
    extxyz_frames,
    run_ase_md,
)
from sselab.atomistic.md.lammps import (
    MDModel,
    load_md_model,
    model_identity,
    mpi_barrier,
    mpi_layout,
    recommended_timestep_fs,
    require_model_elements,
    run_lammps_md,
)
from sselab.atomistic.md.record import POINT_RECORD, read_point_record, require_same_settings, write_point_record
from sselab.errors import InputError
from sselab.progress import Progress, no_progress
from sselab.runs import RunDirectory, read_run_record, to_jsonable
from sselab.validation import require_count, require_positive, require_range, require_within_limit

__all__ = ["MDGrid", "MDGridResult", "MDPoint", "MDSchedule", "build_md_system", "check_mpi_run", "point_name"]

TRAJECTORY_FILE = "trajectory.extxyz"
THERMO_FILE = "thermo.csv"
CHECKPOINT_FILE = "checkpoint.restart"
#: timestep of MLIP runs through ASE when none is given (fs)
MLIP_TIMESTEP_FS = 1.0


def point_name(temperature_K: float, strain: float) -> str:
    """The folder of one grid point, e.g. ``T1100K_strain+1pct``."""
    return f"T{temperature_K:g}K_strain{strain * 100:+g}pct"


def check_mpi_run(forcefield: MDModel | str | Path | None, out: object, ranks: int | None = None) -> None:
    """Refuse a parallel (mpiexec) run without a force field or an explicit output directory."""
    ranks = mpi_layout()[1] if ranks is None else ranks
    if ranks > 1 and (forcefield is None or out is None):
        raise InputError("under mpiexec, md run needs --forcefield (LAMMPS runs in parallel; ASE runs are serial) "
                         "and an explicit --out")


def build_md_system(structure: str | Path | Atoms, *, repeat: tuple[int, int, int] = (1, 1, 1), exchange_ion: str | None = None,
                    exchange_count: int | None = None, exchange_concentration: float | None = None,
                    seed: int = 1) -> tuple[Atoms, dict]:
    """The simulation cell and its record: 'llzo' (ordered cubic LLZO) or a packaged name/file/Atoms, repeated, then exchanged."""
    from sselab.atomistic.build.llzo import ordered_cubic_llzo, substitute_exchange_ions
    from sselab.atomistic.build.structures import load_structure

    if isinstance(structure, Atoms):
        atoms, record = structure.copy(), {"structure": structure.info.get("structure", structure.get_chemical_formula())}
    elif str(structure).lower() == "llzo":
        atoms, report = ordered_cubic_llzo(seed=seed)
        record = {"structure": str(structure), "li_ordering": {
            "seed": report.seed, "samples": report.samples, "ewald_lowest_eV": report.ewald_lowest,
            "ewald_spread_eV": report.ewald_highest - report.ewald_lowest}}
    else:
        atoms, record = load_structure(structure), {"structure": str(structure)}
    require_within_limit(len(atoms) * math.prod(repeat), "atoms", f"the {'x'.join(map(str, repeat))} supercell")
    atoms = atoms.repeat(tuple(repeat))
    if exchange_ion is not None:
        atoms = substitute_exchange_ions(atoms, exchange_ion, count=exchange_count, concentration=exchange_concentration,
                                         seed=seed)
        symbols = atoms.get_chemical_symbols()
        exchanged = symbols.count(exchange_ion)
        record["exchange"] = {"ion": exchange_ion, "count": exchanged,
                              "site_fraction": exchanged / (exchanged + symbols.count("Li"))}
    elif exchange_count is not None or exchange_concentration is not None:
        raise InputError("--exchange-count/--exchange-concentration need --exchange-ion")
    record.update({"atoms": len(atoms), "formula": atoms.get_chemical_formula(), "cell_sha256": cell_sha256(atoms)})
    return atoms, record


def cell_sha256(atoms: Atoms) -> str:
    """SHA-256 of a cell's content: species, positions and cell vectors (rounded to 1e-6 Å), periodicity.

    A resume compares it, so that a structure file edited (or another seed's Li ordering) between
    an interruption and its resume is noticed.
    """
    digest = hashlib.sha256()
    for array in (atoms.numbers.astype(np.int64), np.round(atoms.positions, 6) + 0.0, np.round(atoms.cell.array, 6) + 0.0,
                  atoms.pbc.astype(np.int8)):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class MDSchedule:
    """Timestep (fs) and step counts of every point: production ``steps``, a frame every ``dump_every``."""

    timestep_fs: float
    dump_every: int
    steps: int
    equilibration_steps: int

    @property
    def frame_interval_fs(self) -> float:
        return self.dump_every * self.timestep_fs

    @property
    def production_fs(self) -> float:
        return self.steps * self.timestep_fs


@dataclass(frozen=True)
class MDPoint:
    """One (T, strain) point: its folder, whether it ran now or had finished before, and its throughput."""

    temperature_K: float
    strain: float
    directory: str
    status: str  # "ran" or "already finished"
    wall_time_s: float | None = None
    ns_per_day: float | None = None
    mean_temperature_K: float | None = None
    steps_run: int | None = None
    min_pair_distance_A: float | None = None  # smallest interatomic distance over the stored frames: a collapse shows here

    @property
    def trajectory(self) -> Path:
        """The point's trajectory, the input of the diffusion analyses."""
        return Path(self.directory) / TRAJECTORY_FILE

    def to_dict(self) -> dict[str, Any]:
        point = {"temperature_K": self.temperature_K, "strain": self.strain, "directory": self.directory, "status": self.status}
        if self.status == "ran":
            point.update({"wall_time_s": self.wall_time_s, "ns_per_day": self.ns_per_day,
                          "mean_temperature_K": self.mean_temperature_K, "steps_run": self.steps_run,
                          "min_pair_distance_A": self.min_pair_distance_A})
        return point


@dataclass(frozen=True)
class MDGridResult:
    """What ``sselab md run`` reports: the cell, the engine, the schedule and every point.

    ``run`` is the run directory the grid ran in (absent after :meth:`from_dict`); ``mpi_rank`` is
    this process's rank in a parallel run (only rank 0 writes ``run.json``).
    """

    system: dict[str, Any]
    engine: dict[str, Any]
    timestep_fs: float
    frame_interval_fs: float
    production_fs: float
    points: tuple[MDPoint, ...]
    next: str
    mpi_ranks: int = 1
    mpi_rank: int = field(default=0, compare=False)
    run: RunDirectory | None = field(default=None, compare=False, repr=False)

    @property
    def trajectories(self) -> list[Path]:
        """The trajectory of every point, in grid order (temperatures, then strains)."""
        return [point.trajectory for point in self.points]

    def to_dict(self) -> dict[str, Any]:
        """The summary of ``sselab md run --json`` (without ``run_directory``), as plain JSON types."""
        return to_jsonable({"system": self.system, "engine": self.engine, "timestep_fs": self.timestep_fs,
                            "frame_interval_fs": self.frame_interval_fs, "production_fs": self.production_fs,
                            "points": [p.to_dict() for p in self.points], "next": self.next, "mpi_ranks": self.mpi_ranks})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MDGridResult:
        """The result back from :meth:`to_dict` (or a run's ``run.json`` summary)."""
        return cls(system=dict(data["system"]), engine=dict(data["engine"]), timestep_fs=float(data["timestep_fs"]),
                   frame_interval_fs=float(data["frame_interval_fs"]), production_fs=float(data["production_fs"]),
                   points=tuple(MDPoint(**p) for p in data["points"]), next=data["next"], mpi_ranks=int(data.get("mpi_ranks", 1)))

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """``run.json`` in ``run_dir`` (default: the directory the grid ran in), on MPI rank 0; returns the RunDirectory."""
        inputs = {} if self.run is None else self.run.inputs
        run = RunDirectory.open(run_dir if run_dir is not None else self.run, "md run", inputs)
        if self.mpi_rank == 0:  # the other ranks computed with rank 0, which alone writes
            run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run


@dataclass(frozen=True, kw_only=True)
class MDGrid:
    """Settings of an MD grid (module docstring); times in fs, temperatures in K, strains as fractions.

    ``timestep_fs`` None: the force field's recommended step (LAMMPS) or 1 fs (ASE). ``barostat`` (``npt`` only):
    ``iso`` scales the cell uniformly (its shape is held), ``aniso`` relaxes the three lengths (LAMMPS only), ``tri``
    the full cell (lengths and angles; for a low-symmetry cell such as monoclinic Li6Zr2O7).
    """

    temperatures_K: tuple[float, ...]
    strains: tuple[float, ...] = (0.0,)
    time_fs: float = 10_000.0
    timestep_fs: float | None = None
    dump_interval_fs: float = 50.0
    equilibration_fs: float = 1_000.0
    ensemble: str = "nvt"
    thermostat: str = "nose-hoover"
    damping_fs: float = 100.0
    repeat: tuple[int, int, int] = (1, 1, 1)
    exchange_ion: str | None = None
    exchange_count: int | None = None
    exchange_concentration: float | None = None
    seed: int = 1
    barostat: str = "iso"

    def __post_init__(self) -> None:
        temperatures = (self.temperatures_K,) if isinstance(self.temperatures_K, (int, float)) else self.temperatures_K
        strains = (self.strains,) if isinstance(self.strains, (int, float)) else self.strains
        object.__setattr__(self, "temperatures_K", tuple(check_temperature(t) for t in temperatures))
        for strain in strains:
            check_hydrostatic_strain(strain)
        object.__setattr__(self, "strains", tuple(float(s) for s in strains) or (0.0,))
        if not self.temperatures_K:
            raise InputError("give at least one temperature")
        self._check_grid()
        self._check_times()
        if self.ensemble not in ENSEMBLES:
            raise InputError(f"ensemble must be one of {', '.join(ENSEMBLES)}, got {self.ensemble!r}")
        if self.thermostat not in THERMOSTATS:
            raise InputError(f"thermostat must be one of {', '.join(THERMOSTATS)}, got {self.thermostat!r}")
        if self.barostat not in BAROSTATS:
            raise InputError(f"--barostat must be one of {', '.join(BAROSTATS)}, got {self.barostat!r}")
        if self.barostat != "iso" and self.ensemble != "npt":
            raise InputError(f"--barostat {self.barostat} needs --ensemble npt (a {self.ensemble} run keeps its cell)")
        self._check_cell()

    def check_engine(self, forcefield: Any) -> None:
        """Refuse an ``aniso`` barostat for ASE MD (no ``forcefield``): ASE has no MTK barostat with angles held."""
        if self.ensemble == "npt" and self.barostat == "aniso" and forcefield is None:
            raise InputError("--barostat aniso (independent cell lengths, angles held) runs in LAMMPS only (--forcefield); "
                             "ASE MD takes iso or tri")

    def _check_grid(self) -> None:
        """The grid's size against the ``structures`` limit; two points sharing one folder are refused."""
        require_within_limit(len(self.temperatures_K) * len(self.strains), "structures", "the MD grid (temperatures x strains)")
        names = [point_name(t, s) for t in self.temperatures_K for s in self.strains]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise InputError(f"the grid names the point {repeated[0]} twice (temperatures or strains equal to the folder's precision)")

    def _check_times(self) -> None:
        """Production, frame interval, equilibration and damping: finite, positive (equilibration may be 0), in order."""
        require_positive(self.time_fs, "--time", "fs")
        if self.timestep_fs is not None:
            check_timestep(self.timestep_fs)
        require_positive(self.dump_interval_fs, "--dump-interval", "fs")
        if self.dump_interval_fs > self.time_fs:
            raise InputError(f"--dump-interval {self.dump_interval_fs:g} fs is longer than --time {self.time_fs:g} fs: "
                             "the run would store no frame after the first")
        require_range(self.equilibration_fs, "--equilibration", low=0.0, unit="fs")
        require_positive(self.damping_fs, "--damping", "fs")

    def _check_cell(self) -> None:
        """Repeat, exchange ion and seed: whole numbers in range, a real element other than Li, one way of counting."""
        repeat = tuple(self.repeat) if isinstance(self.repeat, (tuple, list)) else (self.repeat,)
        if len(repeat) != 3 or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in repeat):
            raise InputError(f"repeat takes three positive integers like (2, 3, 3), got {self.repeat!r}")
        object.__setattr__(self, "repeat", repeat)
        require_within_limit(math.prod(repeat), "atoms", f"the {'x'.join(map(str, repeat))} supercell")
        require_count(self.seed, "seed", low=1, high=MAX_SEED)
        if self.exchange_ion is None:
            if self.exchange_count is not None or self.exchange_concentration is not None:
                raise InputError("--exchange-count/--exchange-concentration need --exchange-ion")
            return
        if not isinstance(self.exchange_ion, str) or self.exchange_ion not in atomic_numbers or self.exchange_ion in ("X", "Li"):
            raise InputError(f"--exchange-ion must be an element symbol other than Li, got {self.exchange_ion!r}")
        if (self.exchange_count is None) == (self.exchange_concentration is None):
            raise InputError("--exchange-ion needs exactly one of --exchange-count and --exchange-concentration")
        if self.exchange_count is not None:
            require_count(self.exchange_count, "--exchange-count", low=1)
        else:
            require_range(self.exchange_concentration, "--exchange-concentration", low=0.0, low_inclusive=False, high=1.0)

    def schedule(self, forcefield: MDModel | str | Path | None = None) -> MDSchedule:
        """The timestep and step counts for this engine; the frame interval and run time must be whole numbers of steps.

        Each point's steps (equilibration and production) are checked against the ``md_steps`` limit first.
        """
        if self.timestep_fs is not None:
            dt = float(self.timestep_fs)
        elif forcefield is not None:
            dt = recommended_timestep_fs(load_md_model(forcefield))
        else:
            dt = MLIP_TIMESTEP_FS
        require_within_limit((self.time_fs + self.equilibration_fs) / dt, "md_steps", "each MD point")
        dump_every = round(self.dump_interval_fs / dt)
        if dump_every < 1 or abs(dump_every * dt - self.dump_interval_fs) > 1e-6 * self.dump_interval_fs:
            raise InputError(f"--dump-interval {self.dump_interval_fs:g} fs must be a whole number of timesteps ({dt:g} fs)")
        steps = round(self.time_fs / dt)
        if steps % dump_every:
            raise InputError(f"--time {self.time_fs:g} fs must be a whole number of frame intervals "
                             f"({self.dump_interval_fs:g} fs)")
        return MDSchedule(dt, dump_every, steps, round(self.equilibration_fs / dt))

    def md_settings(self, temperature_K: float, schedule: MDSchedule) -> MDSettings:
        """The engine settings of one temperature of the grid."""
        return MDSettings(temperature_K=temperature_K, timestep_fs=schedule.timestep_fs, steps=schedule.steps,
                          dump_every=schedule.dump_every, ensemble=self.ensemble, thermostat=self.thermostat,
                          thermostat_damping_fs=self.damping_fs, seed=self.seed, equilibration_steps=schedule.equilibration_steps,
                          barostat=self.barostat)

    def defining_settings(self, system: dict[str, Any], engine: dict[str, Any], schedule: MDSchedule) -> dict[str, Any]:
        """Everything that determines every point's trajectory except its temperature and strain (module docstring).

        ``system`` is :func:`build_md_system`'s record, ``engine`` the engine's identity. A resume
        compares these values with the recorded ones.
        """
        return {"repeat": list(self.repeat), "exchange_ion": self.exchange_ion, "exchange_count": self.exchange_count,
                "exchange_concentration": self.exchange_concentration, "seed": self.seed, "atoms": system["atoms"],
                "formula": system["formula"], "cell_sha256": system["cell_sha256"], "engine": engine,
                "ensemble": self.ensemble, "thermostat": self.thermostat, "damping_fs": self.damping_fs,
                "timestep_fs": schedule.timestep_fs, "frame_interval_fs": schedule.frame_interval_fs,
                "equilibration_fs": schedule.equilibration_steps * schedule.timestep_fs, "production_fs": schedule.production_fs,
                **({"barostat": self.barostat} if self.ensemble == "npt" else {})}

    def run(self, structure: str | Path | Atoms, *, calculator=None, forcefield: MDModel | str | Path | None = None,
            device: str = "cpu", out: str | Path | RunDirectory | None = None, resume: bool = False, overwrite: bool = False,
            progress: Progress = no_progress) -> MDGridResult:
        """Run every (T, strain) point into ``out`` (a path or an open RunDirectory; default runs/md-run-<time>).

        ``calculator`` (name, ASE calculator or Engine; ``device`` for torch models) runs ASE MD;
        ``forcefield`` (packaged name, TOML file, ``lammps:NAME`` or a model object) runs LAMMPS instead. ``progress(label, n)``
        is called as production steps advance (n new steps of the point named ``label``). Earlier work
        in ``out`` is refused unless ``resume`` (same settings, checked against the records) or
        ``overwrite``. This method owns the run's recorded inputs; call :meth:`MDGridResult.write`
        to finish ``run.json``.
        """
        rank, ranks = mpi_layout()
        check_mpi_run(forcefield, out, ranks)
        if forcefield is not None and calculator is not None:
            raise InputError("give a calculator (ASE MD) or a force field (LAMMPS MD), not both")
        self.check_engine(forcefield)
        run = RunDirectory.open(out, "md run", {}, overwrite=overwrite, resume=resume)  # a bad --out fails before any work
        atoms, system = build_md_system(structure, repeat=self.repeat, exchange_ion=self.exchange_ion,
                                        exchange_count=self.exchange_count, exchange_concentration=self.exchange_concentration,
                                        seed=self.seed)
        engine, record, identity = md_engine(calculator, forcefield, device, atoms.get_chemical_symbols())
        schedule = self.schedule(engine if forcefield is not None else None)
        defining = self.defining_settings(system, identity, schedule)
        grid = {"temperatures_K": list(self.temperatures_K), "strains": list(self.strains)}
        run.inputs = {"structure": system["structure"], **defining, **grid, "device": device, "resume": resume}
        if resume and (run.path / "run.json").exists():
            recorded = read_run_record(run.path, "md run").get("inputs")
            require_same_settings(recorded if isinstance(recorded, dict) else {}, {**defining, **grid}, f"the run in {run.path}")
        grid_points = [(t, strain) for t in self.temperatures_K for strain in self.strains]
        plans = [self.plan_point(run.path, t, strain, defining, resume, overwrite) for t, strain in grid_points]  # all checked first
        mpi_barrier()  # every rank has read the folders as they were before rank 0 writes to them
        if overwrite and rank == 0:
            remove_other_points(run.path, {folder for folder, _ in plans})
        points = []
        for (t, strain), (folder, continuing) in zip(grid_points, plans):
            point_record = None if rank else {"structure": system["structure"], **defining, "temperature_K": t, "strain": strain}
            points.append(self.run_point(atoms, self.md_settings(t, schedule), strain, folder, engine, continuing, progress,
                                      point_record))
        return MDGridResult(system=system, engine=record, timestep_fs=schedule.timestep_fs,
                            frame_interval_fs=schedule.frame_interval_fs, production_fs=schedule.production_fs, points=tuple(points),
                            next=f"sselab diffusion analyze {run.path}/<point>/{TRAJECTORY_FILE} --species <ion>",
                            mpi_ranks=ranks, mpi_rank=rank, run=run)

    @staticmethod
    def plan_point(root: Path, temperature_K: float, strain: float, defining: dict[str, Any], resume: bool,
              overwrite: bool) -> tuple[Path, bool]:
        """(folder, continue it?) of one point, checked before any point runs.

        Earlier work in the folder (a record, a trajectory, a checkpoint) is continued with ``resume``
        when its record matches, replaced with ``overwrite``, and refused otherwise.
        """
        folder = root / point_name(temperature_K, strain)
        earlier = [f for f in (POINT_RECORD, TRAJECTORY_FILE, CHECKPOINT_FILE) if (folder / f).exists()]
        if not earlier:
            return folder, False
        if not resume:
            if overwrite:
                return folder, False
            raise InputError(f"{folder} holds an earlier MD point ({', '.join(earlier)}): use --resume to continue it, "
                             "--overwrite to replace it, or another --out")
        recorded = read_point_record(folder)
        if recorded is None:
            raise InputError(f"{folder} has no {POINT_RECORD} (written by an older sselab?): its settings cannot be checked, "
                             "so it is not resumed; use --overwrite to run it again, or another --out")
        require_same_settings(recorded, {**defining, "temperature_K": temperature_K, "strain": strain}, f"point {folder}")
        return folder, True

    @staticmethod
    def run_point(atoms: Atoms, settings: MDSettings, strain: float, folder: Path, engine, continuing: bool,
               progress: Progress, record: dict[str, Any] | None) -> MDPoint:
        """Run (or continue) one point; a fresh point clears the folder's old outputs and writes ``record`` first (rank 0)."""
        trajectory, thermo = folder / TRAJECTORY_FILE, folder / THERMO_FILE
        if continuing and is_finished(trajectory, settings.steps * settings.timestep_fs):
            return MDPoint(settings.temperature_K, strain, str(folder), "already finished")
        if record is not None:
            folder.mkdir(exist_ok=True)
            if not continuing:  # an overwritten point: nothing of the old run may be continued under the new record
                for name in (TRAJECTORY_FILE, THERMO_FILE, CHECKPOINT_FILE):
                    (folder / name).unlink(missing_ok=True)
                write_point_record(folder, record)
        strained = apply_hydrostatic_strain(atoms, strain)
        report = production_progress(progress, f"MD {settings.temperature_K:g} K, strain {strain:+.3g}", settings.steps)
        if isinstance(engine, MDModel):
            result = _run_lammps(strained, engine, settings, folder, continuing, report)
        else:
            result = run_ase_md(strained, engine.loaded.calculator, settings, trajectory, thermo, progress=report,
                                resume=continuing)
        return MDPoint(settings.temperature_K, strain, str(folder), "ran", result.wall_time_s, result.ns_per_day,
                       result.mean_temperature_K, result.steps_run, min_pair_distance(trajectory))


def min_pair_distance(trajectory: Path, search_A: float = 3.0) -> float | None:
    """Smallest interatomic distance (Å, minimum image) over every stored frame of ``trajectory`` (rank 0 writes it;
    None on other ranks or when no pair comes closer than ``search_A``). A fitted set that collapses shows it here."""
    from ase.io import iread
    from ase.neighborlist import neighbor_list

    if not trajectory.is_file():
        return None
    shortest = math.inf
    for frame in iread(trajectory, index=":", format="extxyz"):
        distances = neighbor_list("d", frame, search_A)
        if distances.size:
            shortest = min(shortest, float(distances.min()))
    return shortest if math.isfinite(shortest) else None


def remove_other_points(root: Path, kept: set[Path]) -> None:
    """Delete the point folders (those holding a ``point.json``) of an overwritten run that the new grid does not
    have, so that no trajectory of the old run is left to be analysed beside the new ones."""
    for record in root.glob(f"*/{POINT_RECORD}"):
        if record.parent not in kept:
            shutil.rmtree(record.parent)


def md_engine(calculator, forcefield: MDModel | str | Path | None, device: str,
            symbols: list[str]) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """(engine, its summary record, its identity for the run's records) for a calculator or a force field.

    The identity is what a resume compares: the calculator's name, model, version and settings, or
    the model's name and the hash of what it computes (:func:`~sselab.atomistic.md.lammps.model_identity`).
    """
    if forcefield is not None:
        engine = load_md_model(forcefield)
        require_model_elements(engine, symbols)
        identity = {"engine": "lammps", **model_identity(engine)}
        return engine, {"engine": "lammps", "forcefield": identity["forcefield"], "source": engine.source}, identity
    from sselab.atomistic.engine import Engine, as_engine

    engine = calculator if isinstance(calculator, Engine) else as_engine(calculator, device=device)
    engine.spec.check_elements(symbols)
    identity = {"engine": "ase", **engine.spec.identity()}
    return engine, identity, identity


def is_finished(trajectory: Path, total_fs: float) -> bool:
    """True when the trajectory's last complete frame is at the end of production (``total_fs``)."""
    if not trajectory.is_file():
        return False
    frames = extxyz_frames(trajectory)
    return bool(frames) and frames[-1][1] is not None and abs(frames[-1][1] - total_fs) < 1e-6


def production_progress(progress: Progress, label: str, production: int) -> Callable[[int, int], None]:
    """An engine callback (done, total) that reports new production steps as ``progress(label, n)``.

    The engines count equilibration too: its ``total − production`` steps are not reported.
    """
    shown = 0

    def report(done: int, total: int) -> None:
        nonlocal shown
        now = max(0, done - (total - production))
        if now > shown:
            progress(label, now - shown)
            shown = now

    return report


def _run_lammps(atoms: Atoms, forcefield: MDModel, settings: MDSettings, folder: Path, resume: bool, progress):
    """One LAMMPS point; with ``resume`` it continues from the point's checkpoint when there is one, else starts afresh."""
    trajectory, thermo, checkpoint = folder / TRAJECTORY_FILE, folder / THERMO_FILE, folder / CHECKPOINT_FILE
    restart = checkpoint if resume and checkpoint.is_file() else None
    if restart is None:
        trajectory.unlink(missing_ok=True)
        thermo.unlink(missing_ok=True)
    return run_lammps_md(atoms, forcefield, settings, trajectory, thermo, progress=progress, restart_path=restart,
                         checkpoint_path=checkpoint)
