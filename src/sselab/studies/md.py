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
* The engine: ``forcefield=`` runs a classical core–shell force field in LAMMPS
  (:mod:`sselab.atomistic.md.lammps`, recommended timestep resolving the shell vibration);
  otherwise ``calculator=`` (a name, an ASE calculator or an Engine; CHGNet by default, 1 fs)
  runs through ASE (:mod:`sselab.atomistic.md.ase_md`).
* ``resume=True`` skips finished points and continues interrupted ones from their checkpoint (the
  last stored frame for ASE, ``checkpoint.restart`` for LAMMPS).
* Under ``mpiexec -n N`` (force-field runs only, with an explicit ``out``) every rank builds the same
  seeded cell and LAMMPS splits the work; rank 0 alone writes ``run.json``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ase import Atoms

from sselab.atomistic.md.ase_md import MDSettings, apply_hydrostatic_strain, check_hydrostatic_strain, extxyz_frames, run_ase_md
from sselab.atomistic.md.forcefields import ForceField, load_forcefield
from sselab.atomistic.md.lammps import mpi_layout, recommended_timestep_fs, run_lammps_md
from sselab.errors import InputError
from sselab.progress import Progress, no_progress
from sselab.runs import RunDirectory, to_jsonable

__all__ = ["MDGrid", "MDGridResult", "MDPoint", "MDSchedule", "build_md_system", "check_mpi_run", "point_name"]

TRAJECTORY_FILE = "trajectory.extxyz"
THERMO_FILE = "thermo.csv"
CHECKPOINT_FILE = "checkpoint.restart"
#: timestep of MLIP runs through ASE when none is given (fs)
MLIP_TIMESTEP_FS = 1.0


def point_name(temperature_K: float, strain: float) -> str:
    """The folder of one grid point, e.g. ``T1100K_strain+1pct``."""
    return f"T{temperature_K:g}K_strain{strain * 100:+g}pct"


def check_mpi_run(forcefield: ForceField | str | Path | None, out: object, ranks: int | None = None) -> None:
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
    record.update({"atoms": len(atoms), "formula": atoms.get_chemical_formula()})
    return atoms, record


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

    @property
    def trajectory(self) -> Path:
        """The point's trajectory, the input of the diffusion analyses."""
        return Path(self.directory) / TRAJECTORY_FILE

    def to_dict(self) -> dict[str, Any]:
        point = {"temperature_K": self.temperature_K, "strain": self.strain, "directory": self.directory, "status": self.status}
        if self.status == "ran":
            point.update({"wall_time_s": self.wall_time_s, "ns_per_day": self.ns_per_day,
                          "mean_temperature_K": self.mean_temperature_K, "steps_run": self.steps_run})
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

    ``timestep_fs`` None: the force field's recommended step (LAMMPS) or 1 fs (ASE).
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

    def __post_init__(self) -> None:
        temperatures = (self.temperatures_K,) if isinstance(self.temperatures_K, (int, float)) else self.temperatures_K
        object.__setattr__(self, "temperatures_K", tuple(float(t) for t in temperatures))
        object.__setattr__(self, "strains", tuple(float(s) for s in self.strains) or (0.0,))
        object.__setattr__(self, "repeat", tuple(self.repeat))
        if not self.temperatures_K:
            raise InputError("give at least one temperature")
        if len(self.repeat) != 3 or not all(isinstance(n, int) and n >= 1 for n in self.repeat):
            raise InputError(f"repeat takes three positive integers like (2, 3, 3), got {self.repeat!r}")
        if self.exchange_ion is None and (self.exchange_count is not None or self.exchange_concentration is not None):
            raise InputError("--exchange-count/--exchange-concentration need --exchange-ion")
        if self.timestep_fs is not None and not self.timestep_fs > 0:
            raise InputError(f"timestep must be positive, got {self.timestep_fs} fs")
        for strain in self.strains:
            check_hydrostatic_strain(strain)

    def schedule(self, forcefield: ForceField | str | Path | None = None) -> MDSchedule:
        """The timestep and step counts for this engine; the frame interval and run time must be whole numbers of steps."""
        if self.timestep_fs is not None:
            dt = float(self.timestep_fs)
        elif forcefield is not None:
            dt = recommended_timestep_fs(forcefield if isinstance(forcefield, ForceField) else load_forcefield(forcefield))
        else:
            dt = MLIP_TIMESTEP_FS
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
                          thermostat_damping_fs=self.damping_fs, seed=self.seed, equilibration_steps=schedule.equilibration_steps)

    def run(self, structure: str | Path | Atoms, *, calculator=None, forcefield: ForceField | str | Path | None = None,
            device: str = "cpu", out: str | Path | RunDirectory | None = None, resume: bool = False,
            progress: Progress = no_progress) -> MDGridResult:
        """Run every (T, strain) point into ``out`` (a path or an open RunDirectory; default runs/md-run-<time>).

        ``calculator`` (name, ASE calculator or Engine; ``device`` for torch models) runs ASE MD;
        ``forcefield`` (packaged name, TOML file or ForceField) runs LAMMPS instead. ``progress(label, n)``
        is called as production steps advance (n new steps of the point named ``label``). A trajectory
        that exists already is refused unless ``resume``. Call :meth:`MDGridResult.write` to finish ``run.json``.
        """
        rank, ranks = mpi_layout()
        check_mpi_run(forcefield, out, ranks)
        atoms, system = build_md_system(structure, repeat=self.repeat, exchange_ion=self.exchange_ion,
                                        exchange_count=self.exchange_count, exchange_concentration=self.exchange_concentration,
                                        seed=self.seed)
        symbols = atoms.get_chemical_symbols()
        if forcefield is not None:
            if calculator is not None:
                raise InputError("give a calculator (ASE MD) or a force field (LAMMPS MD), not both")
            engine = forcefield if isinstance(forcefield, ForceField) else load_forcefield(forcefield)
            engine.require(symbols)
            record = {"engine": "lammps", "forcefield": engine.name, "source": engine.source}
        else:
            from sselab.atomistic.engine import as_engine

            engine = as_engine(calculator, device=device)
            engine.spec.check_elements(symbols)
            record = {"engine": "ase", **engine.spec.identity()}
        schedule = self.schedule(engine if forcefield is not None else None)
        inputs = {"structure": system["structure"], **asdict(self), "timestep_fs": schedule.timestep_fs,
                  "forcefield": None if forcefield is None else record["forcefield"],
                  "calculator": record.get("calculator"), "device": device, "resume": resume}
        run = RunDirectory.open(out, "md run", inputs, resume=resume)
        points = tuple(self._point(atoms, self.md_settings(t, schedule), strain, run.path, engine, resume, progress)
                       for t in self.temperatures_K for strain in self.strains)
        return MDGridResult(system=system, engine=record, timestep_fs=schedule.timestep_fs,
                            frame_interval_fs=schedule.frame_interval_fs, production_fs=schedule.production_fs, points=points,
                            next=f"sselab diffusion analyze {run.path}/<point>/{TRAJECTORY_FILE} --species <ion>",
                            mpi_ranks=ranks, mpi_rank=rank, run=run)

    def _point(self, atoms: Atoms, settings: MDSettings, strain: float, root: Path, engine, resume: bool,
               progress: Progress) -> MDPoint:
        folder = root / point_name(settings.temperature_K, strain)
        folder.mkdir(exist_ok=True)
        trajectory, thermo = folder / TRAJECTORY_FILE, folder / THERMO_FILE
        if resume and is_finished(trajectory, settings.steps * settings.timestep_fs):
            return MDPoint(settings.temperature_K, strain, str(folder), "already finished")
        if not resume and trajectory.exists():
            raise InputError(f"{trajectory} exists: use --resume to continue it, or another --out")
        strained = apply_hydrostatic_strain(atoms, strain)
        report = production_progress(progress, f"MD {settings.temperature_K:g} K, strain {strain:+.3g}", settings.steps)
        if isinstance(engine, ForceField):
            result = _run_lammps(strained, engine, settings, folder, resume, report)
        else:
            result = run_ase_md(strained, engine.loaded.calculator, settings, trajectory, thermo, progress=report, resume=resume)
        return MDPoint(settings.temperature_K, strain, str(folder), "ran", result.wall_time_s, result.ns_per_day,
                       result.mean_temperature_K, result.steps_run)


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


def _run_lammps(atoms: Atoms, forcefield: ForceField, settings: MDSettings, folder: Path, resume: bool, progress):
    """One LAMMPS point; with ``resume`` it continues from the point's checkpoint when there is one, else starts afresh."""
    trajectory, thermo, checkpoint = folder / TRAJECTORY_FILE, folder / THERMO_FILE, folder / CHECKPOINT_FILE
    restart = checkpoint if resume and checkpoint.is_file() else None
    if restart is None:
        trajectory.unlink(missing_ok=True)
        thermo.unlink(missing_ok=True)
    return run_lammps_md(atoms, forcefield, settings, trajectory, thermo, progress=progress, restart_path=restart,
                         checkpoint_path=checkpoint)
