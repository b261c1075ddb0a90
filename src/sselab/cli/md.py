"""``sselab md run``: molecular dynamics over temperatures × hydrostatic strains (seed 000 §2.2).

One sub-directory per (T, strain) point, each with ``trajectory.extxyz`` and ``thermo.csv`` in the
format every ``sselab diffusion`` command reads. ``--forcefield`` runs a classical force field (fitted
rigid-ion or core–shell) or a LAMMPS potential (``lammps:NAME``, e.g. a fitted POD) in LAMMPS; otherwise ``--calculator`` (CHGNet by default) runs through ASE.
``--resume`` skips finished points and continues interrupted ones from their checkpoint, after checking
that every setting equals the one recorded in each point's ``point.json`` (anything else is refused);
``--overwrite`` replaces earlier work in ``--out``.
Large force-field boxes run in parallel under ``mpiexec -n N sselab md run ... --forcefield F --out D``:
every rank builds the same cell (seeded) and LAMMPS splits the work; rank 0 alone writes and reports.
The grid is :class:`sselab.studies.md.MDGrid`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from sselab.cli.common import emit, make_engine, progress_bar
from sselab.cli.options import CalculatorOption, DeviceOption, JsonOption, OutOption, OverwriteOption
from sselab.errors import SSELabError

app = typer.Typer(help="Molecular dynamics with an MLIP (ASE) or a classical force field (LAMMPS).", no_args_is_help=True)


def parse_repeat(text: str) -> tuple[int, int, int]:
    """'2x3x3' → (2, 3, 3)."""
    parts = text.lower().replace("*", "x").split("x")
    try:
        repeat = tuple(int(p) for p in parts)
    except ValueError:
        raise SSELabError(f"--repeat takes three integers like 2x3x3, got {text!r}") from None
    if len(repeat) != 3 or min(repeat) < 1:
        raise SSELabError(f"--repeat takes three positive integers like 2x3x3, got {text!r}")
    return repeat


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
    forcefield: Annotated[str | None, typer.Option(help="Model run in LAMMPS: a force field (llzo_fit, llzo_bush_coreshell, a TOML file) or a LAMMPS potential (lammps:NAME, e.g. a fitted POD).")] = None,
    calculator: CalculatorOption = "chgnet",
    device: DeviceOption = "cpu",
    repeat: Annotated[str, typer.Option(help="Supercell repetition, e.g. 2x3x3 (seed 000's 3456-atom LLZO).")] = "1x1x1",
    exchange_ion: Annotated[str | None, typer.Option(help="Exchange ion replacing Li, e.g. Na.")] = None,
    exchange_count: Annotated[int | None, typer.Option(help="Number of Li replaced.")] = None,
    exchange_concentration: Annotated[str | None, typer.Option(help="Fraction of Li replaced, e.g. '1.7 %' (rounded to whole ions).")] = None,
    seed: Annotated[int, typer.Option(help="Seed for velocities, Li ordering and ion placement.")] = 1,
    resume: Annotated[bool, typer.Option(help="Skip finished points and continue interrupted ones (the settings must equal the recorded ones).")] = False,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """MD at each temperature and strain; trajectories ready for 'sselab diffusion analyze'."""
    from sselab.atomistic.md.lammps import mpi_layout
    from sselab.studies.md import MDGrid
    from sselab.units import parse_quantity

    def fs(text: str, name: str) -> float:
        return parse_quantity(text, "time", name) * 1e15

    rank = mpi_layout()[0]
    fraction = (parse_quantity(exchange_concentration, "dimensionless", "--exchange-concentration")
                if exchange_concentration is not None else None)
    grid = MDGrid(temperatures_K=[parse_quantity(t, "temperature", "--temperature") for t in temperature], strains=strain or [0.0],
                  time_fs=fs(time, "--time"), timestep_fs=fs(timestep, "--timestep") if timestep is not None else None,
                  dump_interval_fs=fs(dump_interval, "--dump-interval"), equilibration_fs=fs(equilibration, "--equilibration"),
                  ensemble=ensemble, thermostat=thermostat, damping_fs=fs(damping, "--damping"), repeat=parse_repeat(repeat),
                  exchange_ion=exchange_ion, exchange_count=exchange_count, exchange_concentration=fraction, seed=seed)
    schedule = grid.schedule(forcefield)
    engine = None if forcefield is not None else make_engine(calculator, None, 0.02, device)
    points = len(grid.temperatures_K) * len(grid.strains)
    with progress_bar(schedule.steps * points, "MD", not json_output and rank == 0) as advance:
        result = grid.run(structure, calculator=engine, forcefield=forcefield, device=device, out=out, resume=resume,
                          overwrite=overwrite, progress=advance)
    run = result.write()
    if rank != 0:  # the other MPI ranks computed with rank 0, which alone writes and reports
        return
    system, dt = result.system, result.timestep_fs
    rows = [("system", f"{system['formula']} ({system['atoms']} atoms)"),
            ("engine", result.engine.get("forcefield") or result.engine.get("model", "")),
            ("timestep / frame interval", f"{dt:g} fs / {result.frame_interval_fs:g} fs")]
    rows += [(f"{p.temperature_K:g} K, strain {p.strain:+g}", p.status if p.status != "ran" else
              f"{p.wall_time_s:.0f} s wall, {p.ns_per_day:.3g} ns/day, <T> = {p.mean_temperature_K:.0f} K"
              + (f", closest pair {p.min_pair_distance_A:.2f} A" if p.min_pair_distance_A is not None else ""))
             for p in result.points]
    emit(run.summary, json_output, "md run", rows, [f"run directory: [bold]{run.path}[/bold]", f"next: {result.next}"])
