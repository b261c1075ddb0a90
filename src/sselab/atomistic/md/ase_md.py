"""Molecular dynamics with any ASE calculator (the embedded MLIPs included), and what MD runs share.

Ensembles (ASE integrators, ASE units: Å, fs, eV):

* ``nvt`` with ``nose-hoover`` — Nosé–Hoover chain (Martyna–Klein–Tuckerman, 3 thermostats),
  ``ase.md.nose_hoover_chain.NoseHooverChainNVT``, relaxation time ``thermostat_damping_fs``;
* ``nvt`` with ``langevin`` — ``ase.md.langevin.Langevin``, friction 1/``thermostat_damping_fs``,
  its noise from the run's seed, centre of mass free (the analysis removes drift);
* ``npt`` — MTK barostat + Nosé–Hoover chains, target ``pressure_GPa``: ``barostat="iso"`` scales the cell
  uniformly (``ase.md.nose_hoover_chain.IsotropicMTKNPT``: the shape is held), ``"tri"`` lets all nine cell
  components move (``MTKNPT``: lengths and angles relax to the hydrostatic target). ``"aniso"`` (lengths
  independent, angles held) exists in LAMMPS only (:mod:`sselab.atomistic.md.lammps`);
* ``nve`` — velocity Verlet.

Initial velocities: Maxwell–Boltzmann at ``temperature_K`` from ``seed``, total momentum removed.
``equilibration_steps`` run first and are not stored.

Outputs are the same for this module and :mod:`sselab.atomistic.md.lammps`, so the analysis
never needs to know which engine ran:

* trajectory: extended XYZ, frame 0 at production time 0, one frame every ``dump_every`` steps,
  positions unwrapped (ASE integrators never wrap; ``info["unwrapped"] = True`` says so to the reader), the
  cell, ``info["time_fs"]`` and ``info["target_temperature_K"]``; frames carry momenta, so the file is also the checkpoint;
* thermo: CSV with time_fs, temperature_K, potential_energy_eV, total_energy_eV, pressure_GPa,
  volume_A3, one row per stored frame.

Restart: :func:`run_ase_md` with ``resume=True`` reads the last stored frame (positions,
momenta, cell), keeps the frames before it and continues to ``steps``. Thermostat and barostat
variables (and the Langevin noise stream) restart from zero, so a resumed run is a statistically
equivalent continuation, not a bit-identical one.
"""

from __future__ import annotations

import csv
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ase import Atoms, units
from ase.io import read, write
from ase.md.velocitydistribution import Stationary, thermalize_momenta

from sselab.atomistic.build.checks import MAX_STRAIN
from sselab.errors import InputError
from sselab.validation import require_count, require_finite, require_positive, require_range, require_within_limit

ENSEMBLES = ("nvt", "npt", "nve")
#: Cell freedom of an NPT run: uniform scaling; three independent lengths (angles held; LAMMPS only); the full cell.
BAROSTATS = ("iso", "aniso", "tri")
THERMOSTATS = ("nose-hoover", "langevin")
#: frame info key: True when the positions are unwrapped (continuous across the periodic boundaries)
UNWRAPPED_KEY = "unwrapped"
THERMO_COLUMNS = ("time_fs", "temperature_K", "potential_energy_eV", "total_energy_eV", "pressure_GPa", "volume_A3")
#: physical bounds of the settings (see the check_* functions)
MAX_TEMPERATURE_K = 10_000.0
MAX_TIMESTEP_FS = 10.0
MAX_PRESSURE_GPA = 1_000.0
MAX_SEED = 899_999_999


@dataclass(frozen=True)
class MDSettings:
    """Temperature (K), timestep (fs), production steps, steps between stored frames, ensemble; for ``npt``,
    the target pressure (GPa) and the cell freedom ``barostat`` (:data:`BAROSTATS`; the module docstring)."""

    temperature_K: float
    timestep_fs: float
    steps: int
    dump_every: int
    ensemble: str = "nvt"
    thermostat: str = "nose-hoover"
    thermostat_damping_fs: float = 100.0
    barostat_damping_fs: float = 1000.0
    pressure_GPa: float = 0.0
    seed: int = 1
    equilibration_steps: int = 0
    barostat: str = "iso"

    def __post_init__(self) -> None:
        if self.ensemble not in ENSEMBLES:
            raise InputError(f"ensemble must be one of {', '.join(ENSEMBLES)}, got {self.ensemble!r}")
        if self.barostat not in BAROSTATS:
            raise InputError(f"barostat must be one of {', '.join(BAROSTATS)}, got {self.barostat!r}")
        if self.thermostat not in THERMOSTATS:
            raise InputError(f"thermostat must be one of {', '.join(THERMOSTATS)}, got {self.thermostat!r}")
        if self.ensemble == "npt" and self.thermostat != "nose-hoover":
            raise InputError("npt runs with the Nosé-Hoover (MTK) thermostat only")
        check_temperature(self.temperature_K)
        check_timestep(self.timestep_fs)
        require_count(self.steps, "production steps", low=1)
        require_count(self.equilibration_steps, "equilibration steps", low=0)
        require_within_limit(self.steps + self.equilibration_steps, "md_steps", "this MD run")
        require_count(self.dump_every, "steps between stored frames", low=1)
        if self.steps % self.dump_every:
            raise InputError(f"the run length ({self.steps} steps) must be a positive multiple of the frame interval ({self.dump_every} steps)")
        require_positive(self.thermostat_damping_fs, "thermostat damping time", "fs")
        require_positive(self.barostat_damping_fs, "barostat damping time", "fs")
        require_range(self.pressure_GPa, "pressure", low=-MAX_PRESSURE_GPA, high=MAX_PRESSURE_GPA, unit="GPa")
        require_count(self.seed, "seed", low=1, high=MAX_SEED)

    @property
    def frames(self) -> int:
        return self.steps // self.dump_every + 1


def check_temperature(temperature_K: float) -> float:
    """Refuse a temperature outside (0, MAX_TEMPERATURE_K]: above it no solid (nor these force fields) survives."""
    return require_range(temperature_K, "temperature", low=0.0, low_inclusive=False, high=MAX_TEMPERATURE_K, unit="K")


def check_timestep(timestep_fs: float) -> float:
    """Refuse a timestep outside (0, MAX_TIMESTEP_FS]: longer steps do not resolve atomic vibrations (~10-100 fs periods)."""
    return require_range(timestep_fs, "timestep", low=0.0, low_inclusive=False, high=MAX_TIMESTEP_FS, unit="fs")


def check_hydrostatic_strain(strain: float) -> None:
    """Refuse a linear strain outside ±20 % (most likely a percentage given where a fraction is meant)."""
    value = require_finite(strain, "hydrostatic strain")
    if not -MAX_STRAIN <= value <= MAX_STRAIN:
        raise InputError(f"hydrostatic strain {strain} is outside ±20 %: give it as a fraction (0.01 = 1 % compression)")


def apply_hydrostatic_strain(atoms: Atoms, strain: float) -> Atoms:
    """A copy with every cell vector scaled by (1 − strain): seed 000's convention, compression positive."""
    check_hydrostatic_strain(strain)
    strained = atoms.copy()
    strained.set_cell(atoms.cell.array * (1 - strain), scale_atoms=True)
    return strained


@dataclass(frozen=True)
class MDResult:
    wall_time_s: float
    ns_per_day: float
    steps_run: int
    frames_written: int
    mean_temperature_K: float
    mean_pressure_GPa: float


def _dynamics(atoms: Atoms, settings: MDSettings, step: int = 0):
    """The integrator; a Langevin noise stream is seeded by (seed, step), so a resumed run does not replay it."""
    from ase.md.langevin import Langevin
    from ase.md.nose_hoover_chain import MTKNPT, IsotropicMTKNPT, NoseHooverChainNVT
    from ase.md.verlet import VelocityVerlet

    dt = settings.timestep_fs * units.fs
    if settings.ensemble == "nve":
        return VelocityVerlet(atoms, dt)
    if settings.ensemble == "npt":
        integrator = MTKNPT if settings.barostat == "tri" else IsotropicMTKNPT
        return integrator(atoms, dt, temperature_K=settings.temperature_K, pressure_au=settings.pressure_GPa * units.GPa,
                      tdamp=settings.thermostat_damping_fs * units.fs, pdamp=settings.barostat_damping_fs * units.fs)
    if settings.thermostat == "langevin":
        return Langevin(atoms, dt, temperature_K=settings.temperature_K, friction=1 / (settings.thermostat_damping_fs * units.fs), fixcm=False,
                        rng=np.random.default_rng([settings.seed, step]))
    return NoseHooverChainNVT(atoms, dt, temperature_K=settings.temperature_K, tdamp=settings.thermostat_damping_fs * units.fs)


def thermo_row(atoms: Atoms, time_fs: float) -> dict[str, float]:
    potential = atoms.get_potential_energy()
    kinetic = atoms.get_kinetic_energy()
    try:
        pressure = -np.trace(atoms.get_stress(voigt=False, include_ideal_gas=True)) / 3 / units.GPa  # as LAMMPS press
    except Exception:  # calculators without stress (e.g. non-periodic or no virial)
        pressure = float("nan")
    return {"time_fs": time_fs, "temperature_K": atoms.get_temperature(), "potential_energy_eV": potential,
            "total_energy_eV": potential + kinetic, "pressure_GPa": pressure, "volume_A3": atoms.get_volume()}


def extxyz_frames(path: Path) -> list[tuple[int, float | None]]:
    """(end byte offset, time_fs) of every complete frame of an extended-XYZ file.

    Reads headers and counts lines only, so it is cheap on long trajectories; it stops at the first
    incomplete frame (a run killed while writing) and at anything that is not a frame header (a
    count line that is not a non-negative whole number, binary content).
    """
    frames: list[tuple[int, float | None]] = []
    with open(path, "rb") as handle:
        while True:
            try:
                count = int(handle.readline())
            except ValueError:
                break
            comment = handle.readline()
            if count < 0 or not comment.endswith(b"\n") or not _skip_lines(handle, count):
                break
            match = re.search(rb"time_fs=([-+0-9.eE]+)", comment)
            try:
                time_fs = float(match.group(1)) if match else None
            except ValueError:
                time_fs = None
            frames.append((handle.tell(), time_fs))
    return frames


def _skip_lines(handle, count: int) -> bool:
    """Read ``count`` complete lines from ``handle``; False at a torn line or the end of the file."""
    for _ in range(count):
        if not handle.readline().endswith(b"\n"):
            return False
    return True


def truncate_extxyz(path: Path, last_time_fs: float | None = None) -> int:
    """Cut ``path`` after its last complete frame with time_fs ≤ ``last_time_fs`` (any time when None).

    Returns the number of frames kept; a torn last frame is dropped.
    """
    kept = [(end, t) for end, t in extxyz_frames(path) if last_time_fs is None or (t is not None and t <= last_time_fs)]
    with open(path, "r+b") as handle:
        handle.truncate(kept[-1][0] if kept else 0)
    return len(kept)


def truncate_thermo(path: Path, last_time_fs: float) -> None:
    """Drop the rows of a thermo CSV written after ``last_time_fs`` (the resume point)."""
    if not path.is_file() or not path.stat().st_size:
        return
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = [r for r in csv.DictReader(handle) if float(r["time_fs"]) <= last_time_fs]
    except (KeyError, TypeError, ValueError) as error:  # a damaged log: no time_fs column, a torn or non-numeric row
        raise InputError(f"{path} is not a readable MD thermo log ({type(error).__name__}: {error}); "
                         "it cannot be resumed: use another --out, or --overwrite") from None
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, THERMO_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def _resume_state(trajectory: Path, thermo: Path, settings: MDSettings) -> tuple[Atoms, int]:
    """Last complete stored frame and its step; a torn frame and thermo rows after it are dropped."""
    if truncate_extxyz(trajectory) == 0:
        raise InputError(f"{trajectory} has no complete frame to resume from")
    try:
        last = read(trajectory, index=-1, format="extxyz")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as error:  # what ASE's extxyz reader raises on damage
        raise InputError(f"{trajectory}: its last frame cannot be read ({type(error).__name__}); it cannot be resumed") from None
    time_fs = last.info.get("time_fs")
    if not isinstance(time_fs, (int, float)) or not math.isfinite(time_fs) or "momenta" not in last.arrays:
        raise InputError(f"{trajectory} cannot be resumed: its frames need time_fs and momenta")
    if not (np.isfinite(last.positions).all() and np.isfinite(last.arrays["momenta"]).all()):
        raise InputError(f"{trajectory} cannot be resumed: its last frame holds non-finite positions or momenta")
    step = round(time_fs / settings.timestep_fs)
    if step % settings.dump_every or step > settings.steps or abs(step * settings.timestep_fs - time_fs) > 1e-6 * settings.timestep_fs:
        raise InputError(f"{trajectory} was written with other settings (last time {time_fs} fs); resume needs the same timestep and frame interval")
    truncate_thermo(thermo, time_fs + 1e-9)
    return last, step


def run_ase_md(
    atoms: Atoms,
    calculator,
    settings: MDSettings,
    trajectory_path: Path,
    thermo_path: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    resume: bool = False,
) -> MDResult:
    """Run MD with ``calculator`` and write the trajectory and thermo log (module docstring)."""
    if settings.ensemble == "npt" and settings.barostat == "aniso":
        raise InputError("the aniso barostat (independent cell lengths, angles held) runs in LAMMPS only (--forcefield); "
                         "ASE MD takes iso or tri")
    trajectory_path, thermo_path = Path(trajectory_path), Path(thermo_path)
    if resume and trajectory_path.is_file() and trajectory_path.stat().st_size:
        system, done = _resume_state(trajectory_path, thermo_path, settings)
        system.calc = calculator
    else:
        system, done = atoms.copy(), 0
        system.calc = calculator
        thermalize_momenta(system, temperature_K=settings.temperature_K, rng=np.random.default_rng(settings.seed))
        Stationary(system)
        if settings.equilibration_steps:
            _dynamics(system, settings).run(settings.equilibration_steps)
        trajectory_path.unlink(missing_ok=True)
        with thermo_path.open("w", newline="") as handle:
            csv.DictWriter(handle, THERMO_COLUMNS).writeheader()
    dynamics = _dynamics(system, settings, done)
    temperatures, pressures = [], []
    started = time.perf_counter()

    def store(step: int) -> None:
        time_fs = step * settings.timestep_fs
        row = thermo_row(system, time_fs)
        temperatures.append(row["temperature_K"])
        pressures.append(row["pressure_GPa"])
        with thermo_path.open("a", newline="") as handle:
            csv.DictWriter(handle, THERMO_COLUMNS).writerow(row)
        frame = system.copy()
        frame.calc = None
        frame.info.update({"time_fs": time_fs, "target_temperature_K": settings.temperature_K, UNWRAPPED_KEY: True})
        write(trajectory_path, frame, format="extxyz", append=True)
        if progress is not None:
            progress(step, settings.steps)

    if done == 0:
        store(0)
    start_step = done
    while done < settings.steps:
        dynamics.run(settings.dump_every)
        done += settings.dump_every
        store(done)
    wall = time.perf_counter() - started
    steps_run = settings.steps - start_step
    simulated_ns = steps_run * settings.timestep_fs * 1e-6
    return MDResult(
        wall_time_s=wall,
        ns_per_day=simulated_ns / (wall / 86400) if wall > 0 and steps_run else float("nan"),
        steps_run=steps_run,
        frames_written=steps_run // settings.dump_every + (1 if start_step == 0 else 0),
        mean_temperature_K=float(np.mean(temperatures)) if temperatures else float("nan"),
        mean_pressure_GPa=float(np.nanmean(pressures)) if pressures and not np.all(np.isnan(pressures)) else float("nan"),
    )
