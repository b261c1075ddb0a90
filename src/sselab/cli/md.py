"""``sselab md run``: molecular dynamics over temperatures × hydrostatic strains (seed 000 §2.2).

One sub-directory per (T, strain) point, each with ``trajectory.extxyz`` and ``thermo.csv`` in the
format every ``sselab diffusion`` command reads. ``--forcefield`` runs the classical core–shell
force field in LAMMPS; otherwise ``--calculator`` (CHGNet by default) runs through ASE.
``--resume`` skips finished points and continues interrupted ones from their checkpoint.
Large force-field boxes run in parallel under ``mpiexec -n N sselab md run ... --forcefield F --out D``:
every rank builds the same cell (seeded) and LAMMPS splits the work; rank 0 alone writes and reports.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

import typer
from ase import Atoms

from sselab.atomistic.build.llzo import ordered_cubic_llzo, substitute_exchange_ions
from sselab.atomistic.build.structures import load_structure
from sselab.atomistic.md.ase_md import MDSettings, apply_hydrostatic_strain, extxyz_frames, run_ase_md
from sselab.cli.common import emit, progress_bar
from sselab.cli.options import CalculatorOption, JsonOption, OutOption
from sselab.errors import SSELabError
from sselab.runs import RunDirectory
from sselab.units import parse_quantity

app = typer.Typer(help="Molecular dynamics with an MLIP (ASE) or a classical force field (LAMMPS).", no_args_is_help=True)


def mpi_layout() -> tuple[int, int]:
    """(rank, size) of this process when started by mpiexec (MPICH/Hydra, Open MPI, PMIx) or srun, else (0, 1)."""
    for rank_key, size_key in (("PMI_RANK", "PMI_SIZE"), ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"), ("PMIX_RANK", "PMIX_SIZE"),
                               ("SLURM_PROCID", "SLURM_NTASKS")):
        if rank_key in os.environ:
            return int(os.environ[rank_key]), int(os.environ.get(size_key, "1"))
    return 0, 1


def parse_repeat(text: str) -> tuple[int, int, int]:
    parts = text.lower().replace("*", "x").split("x")
    try:
        repeat = tuple(int(p) for p in parts)
    except ValueError:
        raise SSELabError(f"--repeat takes three integers like 2x3x3, got {text!r}") from None
    if len(repeat) != 3 or min(repeat) < 1:
        raise SSELabError(f"--repeat takes three positive integers like 2x3x3, got {text!r}")
    return repeat


def build_system(structure: str, repeat: str, exchange_ion: str | None, exchange_count: int | None, exchange_concentration: str | None,
                 seed: int) -> tuple[Atoms, dict]:
    """The simulation cell: 'llzo' (ordered cubic LLZO) or a packaged name/file, repeated, then exchanged."""
    record: dict = {"structure": structure}
    if structure.lower() == "llzo":
        atoms, report = ordered_cubic_llzo(seed=seed)
        record["li_ordering"] = {"seed": report.seed, "samples": report.samples, "ewald_lowest_eV": report.ewald_lowest,
                                 "ewald_spread_eV": report.ewald_highest - report.ewald_lowest}
    else:
        atoms = load_structure(structure)
    atoms = atoms.repeat(parse_repeat(repeat))
    if exchange_ion is not None:
        concentration = parse_quantity(exchange_concentration, "dimensionless", "--exchange-concentration") if exchange_concentration else None
        atoms = substitute_exchange_ions(atoms, exchange_ion, count=exchange_count, concentration=concentration, seed=seed)
        exchanged = atoms.get_chemical_symbols().count(exchange_ion)
        record["exchange"] = {"ion": exchange_ion, "count": exchanged,
                              "site_fraction": exchanged / (exchanged + atoms.get_chemical_symbols().count("Li"))}
    elif exchange_count is not None or exchange_concentration is not None:
        raise SSELabError("--exchange-count/--exchange-concentration need --exchange-ion")
    record.update({"atoms": len(atoms), "formula": atoms.get_chemical_formula()})
    return atoms, record


def point_name(temperature: float, strain: float) -> str:
    return f"T{temperature:g}K_strain{strain * 100:+g}pct"


def _finished(trajectory: Path, total_fs: float) -> bool:
    if not trajectory.is_file():
        return False
    frames = extxyz_frames(trajectory)
    return bool(frames) and frames[-1][1] is not None and abs(frames[-1][1] - total_fs) < 1e-6


@app.command("run")
def run_command(
    structure: Annotated[str, typer.Argument(help="'llzo' (ordered cubic LLZO), a packaged structure name, or a structure file.")],
    temperature: Annotated[list[str], typer.Option(help="Temperature(s); repeat the option for several, e.g. --temperature 1100K --temperature 1200K.")],
    time: Annotated[str, typer.Option(help="Production time per run, e.g. '100 ps'.")] = "10 ps",
    timestep: Annotated[str | None, typer.Option(help="Timestep (default: 1 fs for MLIPs, the shell-resolving step for core-shell force fields).")] = None,
    dump_interval: Annotated[str, typer.Option(help="Time between stored frames, e.g. '50 fs'.")] = "50 fs",
    equilibration: Annotated[str, typer.Option(help="Equilibration before production (not stored).")] = "1 ps",
    strain: Annotated[list[float] | None, typer.Option(help="Hydrostatic linear strain(s), compression positive (0.01 = +1 %); repeatable.")] = None,
    ensemble: Annotated[str, typer.Option(help="nvt, npt or nve.")] = "nvt",
    thermostat: Annotated[str, typer.Option(help="nose-hoover or langevin (ASE runs).")] = "nose-hoover",
    damping: Annotated[str, typer.Option(help="Thermostat relaxation time (seed 000: 0.1 ps).")] = "100 fs",
    forcefield: Annotated[str | None, typer.Option(help="Classical force field run in LAMMPS, e.g. llzo_bush_coreshell (or a TOML file).")] = None,
    calculator: CalculatorOption = "chgnet",
    repeat: Annotated[str, typer.Option(help="Supercell repetition, e.g. 2x3x3 (seed 000's 3456-atom LLZO).")] = "1x1x1",
    exchange_ion: Annotated[str | None, typer.Option(help="Exchange ion replacing Li, e.g. Na.")] = None,
    exchange_count: Annotated[int | None, typer.Option(help="Number of Li replaced.")] = None,
    exchange_concentration: Annotated[str | None, typer.Option(help="Fraction of Li replaced, e.g. '1.7 %' (rounded to whole ions).")] = None,
    seed: Annotated[int, typer.Option(help="Seed for velocities, Li ordering and ion placement.")] = 1,
    resume: Annotated[bool, typer.Option(help="Skip finished points and continue interrupted ones.")] = False,
    out: OutOption = None,
    json_output: JsonOption = False,
) -> None:
    """MD at each temperature and strain; trajectories ready for 'sselab diffusion analyze'."""
    rank, ranks = mpi_layout()
    if ranks > 1 and (forcefield is None or out is None):
        raise SSELabError("under mpiexec, md run needs --forcefield (LAMMPS runs in parallel; ASE runs are serial) and an explicit --out")
    kelvins = [parse_quantity(t, "temperature", "--temperature") for t in temperature]
    strains = strain or [0.0]
    total_fs = parse_quantity(time, "time", "--time") * 1e15
    dump_fs = parse_quantity(dump_interval, "time", "--dump-interval") * 1e15
    equilibration_fs = parse_quantity(equilibration, "time", "--equilibration") * 1e15
    damping_fs = parse_quantity(damping, "time", "--damping") * 1e15
    atoms, system = build_system(structure, repeat, exchange_ion, exchange_count, exchange_concentration, seed)
    if forcefield is not None:
        from sselab.atomistic.md.forcefields import load_forcefield
        from sselab.atomistic.md.lammps import recommended_timestep_fs

        field = load_forcefield(forcefield)
        field.require(atoms.get_chemical_symbols())
        dt = parse_quantity(timestep, "time", "--timestep") * 1e15 if timestep else recommended_timestep_fs(field)
        engine = {"engine": "lammps", "forcefield": field.name, "source": field.source}
    else:
        from sselab.atomistic.engine.calculators import load_calculator

        logging.getLogger("sselab").setLevel(logging.ERROR)
        os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
        loaded = load_calculator(calculator)
        loaded.spec.check_elements(atoms.get_chemical_symbols())
        dt = parse_quantity(timestep, "time", "--timestep") * 1e15 if timestep else 1.0
        engine = {"engine": "ase", **loaded.spec.identity()}
    dump_every = round(dump_fs / dt)
    if dump_every < 1 or abs(dump_every * dt - dump_fs) > 1e-6 * dump_fs:
        raise SSELabError(f"--dump-interval {dump_fs:g} fs must be a whole number of timesteps ({dt:g} fs)")
    steps = round(total_fs / dt)
    if steps % dump_every:
        raise SSELabError(f"--time {total_fs:g} fs must be a whole number of frame intervals ({dump_fs:g} fs)")
    settings = [MDSettings(temperature_K=t, timestep_fs=dt, steps=steps, dump_every=dump_every, ensemble=ensemble, thermostat=thermostat,
                           thermostat_damping_fs=damping_fs, seed=seed, equilibration_steps=round(equilibration_fs / dt)) for t in kelvins]
    run = RunDirectory.open(out, "md run", {"structure": structure, "temperature": temperature, "time": time, "timestep_fs": dt,
                                            "dump_interval": dump_interval, "equilibration": equilibration, "strain": strains,
                                            "ensemble": ensemble, "thermostat": thermostat, "damping": damping, "forcefield": forcefield,
                                            "calculator": None if forcefield else calculator, "repeat": repeat, "exchange_ion": exchange_ion,
                                            "exchange_count": exchange_count, "exchange_concentration": exchange_concentration,
                                            "seed": seed, "resume": resume})
    points = []
    for setting in settings:
        for linear_strain in strains:
            folder = run.path / point_name(setting.temperature_K, linear_strain)
            folder.mkdir(exist_ok=True)
            trajectory, thermo = folder / "trajectory.extxyz", folder / "thermo.csv"
            point = {"temperature_K": setting.temperature_K, "strain": linear_strain, "directory": str(folder)}
            if resume and _finished(trajectory, steps * dt):
                points.append({**point, "status": "already finished"})
                continue
            if not resume and trajectory.exists():
                raise SSELabError(f"{trajectory} exists: use --resume to continue it, or another --out")
            strained = apply_hydrostatic_strain(atoms, linear_strain)
            label = f"{setting.temperature_K:g} K, strain {linear_strain:+.3g}"
            with progress_bar(steps, f"MD {label}", not json_output and rank == 0) as advance:
                report = _production_steps(advance, steps)
                if forcefield is not None:
                    result = _run_lammps(strained, field, setting, trajectory, thermo, folder, resume, report)
                else:
                    result = run_ase_md(strained, loaded.calculator, setting, trajectory, thermo, progress=report, resume=resume)
            points.append({**point, "status": "ran", "wall_time_s": result.wall_time_s, "ns_per_day": result.ns_per_day,
                           "mean_temperature_K": result.mean_temperature_K, "steps_run": result.steps_run})
    summary = {"system": system, "engine": engine, "timestep_fs": dt, "frame_interval_fs": dump_every * dt, "production_fs": steps * dt,
               "points": points, "next": f"sselab diffusion analyze {run.path}/<point>/trajectory.extxyz --species <ion>",
               "run_directory": str(run.path)}
    if rank != 0:  # the other MPI ranks computed with rank 0, which alone writes and reports
        return
    summary["mpi_ranks"] = ranks
    run.finish(summary)
    rows = [("system", f"{system['formula']} ({system['atoms']} atoms)"), ("engine", engine.get("forcefield") or engine.get("model", "")),
            ("timestep / frame interval", f"{dt:g} fs / {dump_every * dt:g} fs")]
    rows += [(f"{p['temperature_K']:g} K, strain {p['strain']:+g}", p["status"] if p["status"] != "ran" else
              f"{p['wall_time_s']:.0f} s wall, {p['ns_per_day']:.3g} ns/day, <T> = {p['mean_temperature_K']:.0f} K") for p in points]
    emit(summary, json_output, "md run", rows, [f"run directory: [bold]{run.path}[/bold]", f"next: {summary['next']}"])


def _production_steps(advance, production: int):
    """Progress callback (done, total) → advance the bar by new production steps (total − production are equilibration)."""
    shown = 0

    def report(done: int, total: int) -> None:
        nonlocal shown
        now = max(0, done - (total - production))
        if now > shown:
            advance(None, now - shown)
            shown = now

    return report


def _run_lammps(atoms, field, setting: MDSettings, trajectory: Path, thermo: Path, folder: Path, resume: bool, progress):
    from sselab.atomistic.md.lammps import run_lammps_md

    checkpoint = folder / "checkpoint.restart"
    restart = checkpoint if resume and checkpoint.is_file() else None
    if restart is None:
        trajectory.unlink(missing_ok=True)
        thermo.unlink(missing_ok=True)
    return run_lammps_md(atoms, field, setting, trajectory, thermo, progress=progress, restart_path=restart, checkpoint_path=checkpoint)
