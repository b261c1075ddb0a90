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

``sselab md campaign`` runs the same grid over exchange amounts and replicas as Dask tasks, one per point
(:class:`sselab.studies.campaign.MDCampaign`); ``sselab diffusion campaign`` analyses it into one table.
"""

from __future__ import annotations

from typing import Annotated

import typer

from sselab.cli.common import emit, make_engine, progress_bar
from sselab.cli.options import (
    CalculatorOption,
    DeviceOption,
    JsonOption,
    OutOption,
    OverwriteOption,
    SchedulerOption,
    WorkersOption,
)
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


StructureArg = Annotated[str, typer.Argument(help="'llzo' (ordered cubic LLZO), a packaged structure name, or a structure file.")]
TemperaturesOpt = Annotated[list[str], typer.Option("--temperature", help="Temperature(s); repeat the option for several, e.g. --temperature 1100K --temperature 1200K.")]
TimeOpt = Annotated[str, typer.Option("--time", help="Production time per run, e.g. '100 ps'.")]
TimestepOpt = Annotated[str | None, typer.Option("--timestep", help="Timestep (default: 1 fs for MLIPs, the shell-resolving step for core-shell force fields).")]
DumpOpt = Annotated[str, typer.Option("--dump-interval", help="Time between stored frames, e.g. '50 fs'.")]
EquilibrationOpt = Annotated[str, typer.Option("--equilibration", help="Equilibration before production (not stored).")]
StrainOpt = Annotated[list[float] | None, typer.Option("--strain", help="Hydrostatic linear strain(s), compression positive (0.01 = +1 %); repeatable.")]
EnsembleOpt = Annotated[str, typer.Option("--ensemble", help="nvt, npt or nve.")]
BarostatOpt = Annotated[str, typer.Option("--barostat", help="With npt: iso (uniform scaling, shape held), aniso (three lengths; LAMMPS only) or tri (the full cell).")]
ThermostatOpt = Annotated[str, typer.Option("--thermostat", help="nose-hoover or langevin (ASE runs).")]
DampingOpt = Annotated[str, typer.Option("--damping", help="Thermostat relaxation time (seed 000: 0.1 ps).")]
ForcefieldOpt = Annotated[str | None, typer.Option("--forcefield", help="Model run in LAMMPS: a force field (llzo_fit, llzo_bush_coreshell, a TOML file) or a LAMMPS potential (lammps:NAME, e.g. a fitted POD).")]
RepeatOpt = Annotated[str, typer.Option("--repeat", help="Supercell repetition, e.g. 2x3x3 (seed 000's 3456-atom LLZO).")]
ExchangeIonOpt = Annotated[str | None, typer.Option("--exchange-ion", help="Exchange ion replacing Li, e.g. Na.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed for velocities, Li ordering and ion placement (a campaign's replicas take the next seeds).")]
ResumeOpt = Annotated[bool, typer.Option("--resume", help="Skip finished points and continue interrupted ones (the settings must equal the recorded ones).")]


def md_grid(temperature: list[str], strain: list[float] | None, time: str, timestep: str | None, dump_interval: str,
            equilibration: str, ensemble: str, thermostat: str, damping: str, repeat: str, exchange_ion: str | None,
            exchange_count: int | None, exchange_concentration: str | None, seed: int, barostat: str = "iso"):
    """The MDGrid of the options (quantities parsed with units; fractions such as '1.7 %')."""
    from sselab.studies.md import MDGrid
    from sselab.units import parse_quantity

    def fs(text: str, name: str) -> float:
        return parse_quantity(text, "time", name) * 1e15

    fraction = (parse_quantity(exchange_concentration, "dimensionless", "--exchange-concentration")
                if exchange_concentration is not None else None)
    return MDGrid(temperatures_K=[parse_quantity(t, "temperature", "--temperature") for t in temperature], strains=strain or [0.0],
                  time_fs=fs(time, "--time"), timestep_fs=fs(timestep, "--timestep") if timestep is not None else None,
                  dump_interval_fs=fs(dump_interval, "--dump-interval"), equilibration_fs=fs(equilibration, "--equilibration"),
                  ensemble=ensemble, thermostat=thermostat, damping_fs=fs(damping, "--damping"), repeat=parse_repeat(repeat),
                  exchange_ion=exchange_ion, exchange_count=exchange_count, exchange_concentration=fraction, seed=seed,
                  barostat=barostat)


@app.command("run")
def run_command(
    structure: StructureArg,
    temperature: TemperaturesOpt,
    time: TimeOpt = "10 ps",
    timestep: TimestepOpt = None,
    dump_interval: DumpOpt = "50 fs",
    equilibration: EquilibrationOpt = "1 ps",
    strain: StrainOpt = None,
    ensemble: EnsembleOpt = "nvt",
    barostat: BarostatOpt = "iso",
    thermostat: ThermostatOpt = "nose-hoover",
    damping: DampingOpt = "100 fs",
    forcefield: ForcefieldOpt = None,
    calculator: CalculatorOption = "chgnet",
    device: DeviceOption = "cpu",
    repeat: RepeatOpt = "1x1x1",
    exchange_ion: ExchangeIonOpt = None,
    exchange_count: Annotated[int | None, typer.Option(help="Number of Li replaced.")] = None,
    exchange_concentration: Annotated[str | None, typer.Option(help="Fraction of Li replaced, e.g. '1.7 %' (rounded to whole ions).")] = None,
    seed: SeedOpt = 1,
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
    resume: ResumeOpt = False,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """MD at each temperature and strain; trajectories ready for 'sselab diffusion analyze'.

    With --scheduler or --workers the points run as Dask tasks, exactly as 'sselab md campaign' runs a one-cell
    campaign (points under OUT/<cell>/).
    """
    from sselab.atomistic.md.lammps import mpi_layout

    rank = mpi_layout()[0]
    grid = md_grid(temperature, strain, time, timestep, dump_interval, equilibration, ensemble, thermostat, damping, repeat,
                   exchange_ion, exchange_count, exchange_concentration, seed, barostat)
    if scheduler is not None or workers is not None:
        from sselab.studies.campaign import MDCampaign

        if mpi_layout()[1] > 1:
            raise SSELabError("--workers/--scheduler run the points as Dask tasks: do not start them under mpiexec")

        run_campaign(MDCampaign(grid=grid), structure, forcefield, calculator, device, out, resume, overwrite, scheduler,
                     workers, json_output)
        return
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


@app.command("campaign")
def campaign_command(
    structure: StructureArg,
    temperature: TemperaturesOpt,
    time: TimeOpt = "10 ps",
    timestep: TimestepOpt = None,
    dump_interval: DumpOpt = "50 fs",
    equilibration: EquilibrationOpt = "1 ps",
    strain: StrainOpt = None,
    ensemble: EnsembleOpt = "nvt",
    barostat: BarostatOpt = "iso",
    thermostat: ThermostatOpt = "nose-hoover",
    damping: DampingOpt = "100 fs",
    forcefield: ForcefieldOpt = None,
    calculator: CalculatorOption = "chgnet",
    device: DeviceOption = "cpu",
    repeat: RepeatOpt = "1x1x1",
    exchange_ion: ExchangeIonOpt = None,
    exchange_count: Annotated[list[int] | None, typer.Option(help="Number of Li replaced; repeat for several cells.")] = None,
    exchange_concentration: Annotated[list[str] | None, typer.Option(help="Fraction of Li replaced, e.g. '1.7 %'; repeat for several cells.")] = None,
    replicas: Annotated[int, typer.Option(help="Independent cells per exchange amount (seeds --seed, --seed + 1, ...).")] = 1,
    seed: SeedOpt = 1,
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
    resume: ResumeOpt = False,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """A grid of MD runs (temperature x strain x exchange amount x replica), one Dask task per run; resumable."""
    from sselab.studies.campaign import MDCampaign
    from sselab.units import parse_quantity

    counts, fractions = list(exchange_count or []), list(exchange_concentration or [])
    grid = md_grid(temperature, strain, time, timestep, dump_interval, equilibration, ensemble, thermostat, damping, repeat,
                   exchange_ion, counts[0] if counts else None, fractions[0] if fractions else None, seed, barostat)
    campaign = MDCampaign(grid=grid, exchange_counts=tuple(counts), replicas=replicas,
                          exchange_concentrations=tuple(parse_quantity(x, "dimensionless", "--exchange-concentration") for x in fractions))
    run_campaign(campaign, structure, forcefield, calculator, device, out, resume, overwrite, scheduler, workers, json_output)


def run_campaign(campaign, structure: str, forcefield: str | None, calculator: str, device: str, out, resume: bool,
                 overwrite: bool, scheduler: str | None, workers: int | None, json_output: bool) -> None:
    """Run a campaign on Dask, write its run directory and report every point (md campaign, md run --workers)."""
    result = campaign.run(structure, forcefield=forcefield, calculator=None if forcefield else calculator, device=device,
                          out=out, resume=resume, overwrite=overwrite, scheduler=scheduler, workers=workers,
                          show_progress=not json_output)
    run = result.write()
    summary = result.to_dict()
    rows = [("system", f"{result.system['formula']} ({result.system['atoms']} atoms), {len(campaign.cells())} cells"),
            ("engine", result.engine.get("forcefield") or result.engine.get("model", "")),
            ("points", f"{summary['ran']} ran, {summary['already_finished']} already finished, {summary['failed']} failed")]
    rows += [(f"{p['cell']} {p['temperature_K']:g} K, strain {p['strain']:+g}",
              f"failed: {p['error']}" if p["status"] == "failed" else p["status"] if p["status"] != "ran" else
              f"{p['wall_time_s']:.0f} s wall, <T> = {p['mean_temperature_K'] or float('nan'):.0f} K, "
              f"closest pair {p['min_pair_distance_A'] or float('nan'):.2f} A")
             for p in result.points]
    emit(run.summary, json_output, "md campaign", rows,
         [f"run directory: [bold]{run.path}[/bold] (points.csv)", f"next: sselab diffusion campaign {run.path} --species <ion>"])
