"""``sselab li0``: Li⁰ chemical-potential profiles across separators (seed 002); the library is :mod:`sselab.studies.li0`."""

from __future__ import annotations

import time
from typing import Annotated, Any, Optional

import typer

from sselab.cli.common import emit, emit_markdown, progress_bar
from sselab.cli.options import BandOption, ConfigArgument, JsonOption, OutOption, OverwriteOption, SchedulerOption, WorkersOption

app = typer.Typer(help="Li0 chemical-potential profiles in single- and multi-layer separators (seed 002).", no_args_is_help=True)


def _solve_rows(s: dict[str, Any]) -> list[tuple[str, str]]:
    jumps = ", ".join(f"{j['height_eV']:+.3f} eV at x/L = {j['x_over_L']:.4g}" for j in s["jumps"]) or "none"
    crossings = ", ".join(f"x/L = {b['x_over_L']:.4g}" for b in s["electronic_bottlenecks"]) or "none"
    band = f"share within {s['vulnerable_band_eV']:g} eV of cathode / anode"
    return [
        ("t_Li / 1 - t_Li", f"{s['t_li']:.10g} / {s['one_minus_t_li']:.6g}"),
        ("boundary potentials", f"[{s['mu_cathode_eV']:g}, {s['mu_anode_eV']:g}] eV"),
        ("interface potentials", ", ".join(f"{m:.4f}" for m in s["interface_mu"]) or "none"),
        ("jumps", jumps),
        ("electronic bottlenecks (mu = B)", crossings),
        ("overshoot / undershoot", f"{s['overshoot']} / {s['undershoot']}"),
        (band, f"{s['fraction_near_cathode_potential']:.3g} / {s['fraction_near_anode_potential']:.3g}"),
        ("largest position residual", f"{s['position_residual_max']:.1e}"),
    ]


@app.command("solve")
def solve(
    config: ConfigArgument,
    mu_cathode: Annotated[Optional[str], typer.Option(help="Override the cathode potential, e.g. '-3 eV'.")] = None,
    mu_anode: Annotated[Optional[str], typer.Option(help="Override the anode potential, e.g. '0.15 eV'.")] = None,
    current_density: Annotated[Optional[str], typer.Option(help="Override j, e.g. '1 mA/cm^2'.")] = None,
    temperature: Annotated[Optional[str], typer.Option(help="Override T, e.g. '298 K'.")] = None,
    thickness: Annotated[Optional[str], typer.Option(help="Override L, e.g. '100 um'.")] = None,
    band: BandOption = "0.05 eV",
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Steady-state mu_Li0 profile, t_Li, jumps and over/undershoot for one separator."""
    from sselab.runs import RunDirectory
    from sselab.studies.li0 import solve_li0
    from sselab.units import parse_quantity

    def optional(text: str | None, kind: str, flag: str) -> float | None:
        return None if text is None else parse_quantity(text, kind, flag)

    result = solve_li0(
        config,
        mu_cathode_eV=optional(mu_cathode, "energy", "--mu-cathode"),
        mu_anode_eV=optional(mu_anode, "energy", "--mu-anode"),
        current_density_A_per_m2=optional(current_density, "current_density", "--current-density"),
        temperature_K=optional(temperature, "temperature", "--temperature"),
        thickness_m=optional(thickness, "length", "--thickness"),
        band_eV=parse_quantity(band, "energy", "--band"),
    )
    run = result.write(RunDirectory.open(out, "li0 solve", {"config": config, "mu_cathode": mu_cathode, "mu_anode": mu_anode,
                                                            "current_density": current_density, "temperature": temperature,
                                                            "thickness": thickness, "band": band}, overwrite=overwrite))
    emit(run.summary, json_output, f"li0 solve: {result.name}", _solve_rows(run.summary),
         [f"run directory and plots: [bold]{run.path}[/bold]"])


@app.command("reproduce")
def reproduce(
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Every configuration of seed 002's Figs. 2-8: t and phase-boundary potentials, A as stated and calibrated on Fig. 3."""
    from sselab.params import packaged_names
    from sselab.runs import RunDirectory
    from sselab.studies.li0 import reproduce_li0

    names = packaged_names("li0")
    run = RunDirectory.open(out, "li0 reproduce", {"cases": names}, overwrite=overwrite)
    with progress_bar(len(names), "seed 002 cases", enabled=not json_output) as step:
        result = reproduce_li0(progress=step)
    result.write(run)
    emit_markdown(run.summary, json_output, result.markdown, f"profiles and the table: [bold]{run.path}[/bold]")


@app.command("sweep")
def sweep(
    config: ConfigArgument,
    anode_min: Annotated[str, typer.Option(help="Lowest anode potential.")] = "-0.2 eV",
    anode_max: Annotated[str, typer.Option(help="Highest anode potential.")] = "0.3 eV",
    anode_count: Annotated[int, typer.Option(help="Number of anode potentials.")] = 50,
    b_min: Annotated[str, typer.Option(help="Lowest B of the swept layer.")] = "-1.0 eV",
    b_max: Annotated[str, typer.Option(help="Highest B of the swept layer.")] = "-0.5 eV",
    b_count: Annotated[int, typer.Option(help="Number of B values.")] = 50,
    layer: Annotated[int, typer.Option(help="Index of the layer whose B is swept (default: the anodic, last).")] = -1,
    band: BandOption = "0.05 eV",
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Map of the electronic-bottleneck jump position over anode potential x B of one layer (Dask tasks)."""
    from sselab.runs import RunDirectory
    from sselab.studies.li0 import Li0Case, Li0Sweep
    from sselab.sweep import check_cluster
    from sselab.units import parse_quantity

    case = Li0Case.load(config)
    settings = Li0Sweep(
        anode_min_eV=parse_quantity(anode_min, "energy", "--anode-min"),
        anode_max_eV=parse_quantity(anode_max, "energy", "--anode-max"),
        anode_count=anode_count,
        b_min_eV=parse_quantity(b_min, "energy", "--b-min"),
        b_max_eV=parse_quantity(b_max, "energy", "--b-max"),
        b_count=b_count,
        layer=layer,
        band_eV=parse_quantity(band, "energy", "--band"),
    )
    layer_index = settings.layer_index(case.separator)
    check_cluster(scheduler, workers)  # before the run directory exists
    run = RunDirectory.open(out, "li0 sweep", {"config": config, "anode_min": anode_min, "anode_max": anode_max,
                                               "anode_count": anode_count, "b_min": b_min, "b_max": b_max, "b_count": b_count,
                                               "layer": layer_index, "band": band}, overwrite=overwrite)
    result = settings.run(case, scheduler=scheduler, workers=workers, progress=not json_output)
    result.write(run)
    s = run.summary
    emit(s, json_output, "li0 sweep", [("points", str(s["points"])), ("no steady state", str(s["no_steady_state"])),
                                       ("refused by the solver", str(s["not_resolvable"])),
                                       ("wall time", f"{time.perf_counter() - run.started:.1f} s")],
         [f"run directory and plots: [bold]{run.path}[/bold]"])
