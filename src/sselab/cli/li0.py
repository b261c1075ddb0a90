"""``sselab li0``: Li⁰ chemical-potential profiles across separators (seed 002)."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Annotated, Optional

import numpy as np
import typer
import xarray as xr
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from scipy.optimize import brentq

from sselab.cli.common import emit, emit_markdown, stderr
from sselab.cli.options import BandOption, ConfigArgument, JsonOption, OutOption
from sselab.continuum import li0_potential as model
from sselab.continuum.li0_potential import Li0Result, Separator, analyse
from sselab.errors import ConvergenceError, SSELabError
from sselab.params import packaged_names
from sselab.params.separators import load_separator
from sselab.plots import li0 as li0_plots
from sselab.runs import RunDirectory
from sselab.sweep import run_tasks
from sselab.units import parse_quantity

app = typer.Typer(help="Li0 chemical-potential profiles in single- and multi-layer separators (seed 002).", no_args_is_help=True)



def _with_overrides(separator: Separator, **overrides: tuple[str | None, str]) -> Separator:
    changes = {
        field: parse_quantity(text, kind, "--" + field.replace("_", "-"))
        for field, (text, kind) in overrides.items()
        if text is not None
    }
    return replace(separator, **changes) if changes else separator


def profile_dataset(result: Li0Result) -> xr.Dataset:
    solution = result.solution
    return xr.Dataset(
        {
            "mu": ("sample", result.mu, {"units": "eV", "long_name": "Li0 chemical potential (Li_BCC = 0)"}),
            "boundary_mu": ("boundary", np.array(solution.boundary_potentials), {"units": "eV"}),
        },
        coords={
            "x_over_L": ("sample", result.xi, {"units": "1"}),
            "boundary_x_over_L": ("boundary", np.array([0.0] + [s.end for s in solution.segments]), {"units": "1"}),
        },
        attrs={"t_li": solution.t, "one_minus_t_li": solution.one_minus_t},
    )


def _solve_rows(s: dict) -> list[tuple[str, str]]:
    jumps = ", ".join(f"{j['height_eV']:+.3f} eV at x/L = {j['x_over_L']:.4g}" for j in s["jumps"]) or "none"
    return [
        ("t_Li / 1 - t_Li", f"{s['t_li']:.10g} / {s['one_minus_t_li']:.6g}"),
        ("boundary potentials", f"[{s['mu_cathode_eV']:g}, {s['mu_anode_eV']:g}] eV"),
        ("interface potentials", ", ".join(f"{m:.4f}" for m in s["interface_mu"]) or "none"),
        ("jumps", jumps),
        ("electronic bottlenecks (mu = B)", ", ".join(f"x/L = {b['x_over_L']:.4g}" for b in s["electronic_bottlenecks"]) or "none"),
        ("overshoot / undershoot", f"{s['overshoot']} / {s['undershoot']}"),
        (f"share within {s['vulnerable_band_eV']:g} eV of cathode / anode", f"{s['fraction_near_cathode_potential']:.3g} / {s['fraction_near_anode_potential']:.3g}"),
        ("largest position residual", f"{s['position_residual_max']:.1e}"),
    ]


@app.command()
def solve(
    config: ConfigArgument,
    mu_cathode: Annotated[Optional[str], typer.Option(help="Override the cathode potential, e.g. '-3 eV'.")] = None,
    mu_anode: Annotated[Optional[str], typer.Option(help="Override the anode potential, e.g. '0.15 eV'.")] = None,
    current_density: Annotated[Optional[str], typer.Option(help="Override j, e.g. '1 mA/cm^2'.")] = None,
    temperature: Annotated[Optional[str], typer.Option(help="Override T, e.g. '298 K'.")] = None,
    thickness: Annotated[Optional[str], typer.Option(help="Override L, e.g. '100 um'.")] = None,
    band: BandOption = "0.05 eV",
    out: OutOption = None,
    json_output: JsonOption = False,
) -> None:
    """Steady-state mu_Li0 profile, t_Li, jumps and over/undershoot for one separator."""
    separator, info = load_separator(config)
    separator = _with_overrides(
        separator, mu_cathode=(mu_cathode, "energy"), mu_anode=(mu_anode, "energy"),
        current_density=(current_density, "current_density"), temperature=(temperature, "temperature"), thickness=(thickness, "length"),
    )
    result = analyse(separator, parse_quantity(band, "energy", "--band"))
    run = RunDirectory.open(out, "li0 solve", {"config": config, "mu_cathode": mu_cathode, "mu_anode": mu_anode,
                                               "current_density": current_density, "temperature": temperature,
                                               "thickness": thickness, "band": band})
    summary = {"config": info["origin"], **result.summary(), "run_directory": str(run.path)}
    run.write_dataset("profile", profile_dataset(result))
    run.save_figure("profile", li0_plots.li0_profile(result, info["name"]))
    run.save_figure("conductivity", li0_plots.li0_conductivity(separator))
    run.finish(summary)
    emit(summary, json_output, f"li0 solve: {info['name']}", _solve_rows(summary), [f"run directory and plots: [bold]{run.path}[/bold]"])


def calibrated_factor(reference: str, target_t: float) -> float:
    """Factor on A (in every layer) that makes ``reference``'s t equal the paper's ``target_t``."""
    separator, _ = load_separator(reference)

    def miss(log_factor: float) -> float:
        return model.solve(_scaled(separator, math.exp(log_factor))).t - target_t

    return math.exp(brentq(miss, math.log(0.05), math.log(1.0), xtol=1e-12))


def _scaled(separator: Separator, factor: float) -> Separator:
    return replace(separator, layers=tuple(replace(layer, A=layer.A * factor) for layer in separator.layers))


def _reproduce_case(run: RunDirectory, name: str, factor: float) -> dict:
    """One packaged case, with A as stated and (where the case allows it) calibrated; saves its profile."""
    separator, info = load_separator(name)
    paper = info["paper"]
    row = {"case": name, "figure": paper.get("figure", ""), "paper_t": paper.get("t_li"), "paper_phase_boundary_mu": paper.get("phase_boundary_mu"),
           "note": paper.get("note", "")}
    variants = {"stated": separator, "calibrated": _scaled(separator, factor) if paper.get("calibrate_A", True) else None}
    for label, variant in variants.items():
        if variant is None:
            row[f"t_{label}"] = row[f"phase_boundary_mu_{label}"] = None
            continue
        try:
            result = analyse(variant)
        except SSELabError as error:
            row[f"t_{label}"], row[f"error_{label}"] = None, str(error)
            row[f"phase_boundary_mu_{label}"] = None
            continue
        s = result.summary()
        row[f"t_{label}"] = s["t_li"]
        row[f"one_minus_t_{label}"] = s["one_minus_t_li"]
        middle = [m for x, m in zip(s["interface_x_over_L"], s["interface_mu"], strict=True) if abs(x - 0.5) < 1e-12]
        row[f"phase_boundary_mu_{label}"] = middle[0] if middle else None
        row[f"jumps_{label}"] = s["jumps"]
        if label == ("calibrated" if variants["calibrated"] is not None else "stated"):
            run.save_figure(f"{name}_profile", li0_plots.li0_profile(result, f"{name} (A x {factor:.4g})" if label == "calibrated" else name))
    return row


@app.command()
def reproduce(
    out: OutOption = None,
    json_output: JsonOption = False,
) -> None:
    """Every configuration of seed 002's Figs. 2-8: t and phase-boundary potentials, A as stated and calibrated on Fig. 3."""
    names = [n for n in packaged_names("li0")]
    run = RunDirectory.open(out, "li0 reproduce", {"cases": names})
    with stderr.status("calibrating A on Fig. 3"):
        factor = calibrated_factor("fig3", load_separator("fig3")[1]["paper"]["t_li"])
    rows = []
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=stderr,
                        transient=True, disable=json_output)
    with progress:
        task = progress.add_task("seed 002 cases", total=len(names))
        for name in names:
            rows.append(_reproduce_case(run, name, factor))
            progress.advance(task)
    run.save_figure("fig2a_conductivity", li0_plots.li0_conductivity(load_separator("fig2_center")[0]))
    run.save_figure("fig3bc_conductivity", li0_plots.li0_conductivity(_scaled(load_separator("fig3")[0], factor)))
    table = reproduction_table(rows, factor)
    run.write_text("reproduction.md", table)
    summary = {"calibrated_A_factor": factor, "calibrated_A_S_per_m": 4.25e-17 * factor, "rows": rows, "run_directory": str(run.path)}
    run.finish(summary)
    emit_markdown(summary, json_output, table, f"profiles and the table: [bold]{run.path}[/bold]")


def reproduction_table(rows: list[dict], factor: float) -> str:
    def fmt(value, spec: str) -> str:
        return "—" if value is None else format(value, spec)

    lines = [
        f"A calibrated on Fig. 3: A x {factor:.4g} = {4.25e-17 * factor:.4g} S/m (stated 4.25e-17 S/m).",
        "",
        "| case | figure | paper t | t, A stated | t, A calibrated | 1 − t (A calibrated, else stated) | paper μ(x/L=0.5) eV | μ(0.5), A stated | μ(0.5), A calibrated |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        stated = fmt(r["t_stated"], ".4f") if r["t_stated"] is not None else ("no steady state" if r.get("error_stated") else "—")
        lines.append(
            f"| {r['case']} | {r['figure']} | {fmt(r['paper_t'], '.4f')} | {stated} | {fmt(r['t_calibrated'], '.4f')} | "
            f"{fmt(r.get('one_minus_t_calibrated', r.get('one_minus_t_stated')), '.4g')} | "
            f"{fmt(r['paper_phase_boundary_mu'], '.4f')} | {fmt(r['phase_boundary_mu_stated'], '.4f')} | {fmt(r['phase_boundary_mu_calibrated'], '.4f')} |"
        )
    return "\n".join(lines) + "\n"


def _sweep_task(args: tuple[Separator, int, float, np.ndarray, float]) -> list[dict]:
    """One row of the map (fixed B): t, the electronic-bottleneck jump in the swept layer (where
    μ = B, from the closed form), the share near the anode potential and overshoot."""
    separator, layer, b_value, anodes, band = args
    layers = list(separator.layers)
    layers[layer] = replace(layers[layer], B=b_value)
    points = []
    for anode in anodes:
        try:
            solution = model.solve(replace(separator, layers=tuple(layers), mu_anode=float(anode)))
        except SSELabError as error:
            status = 2.0 if isinstance(error, ConvergenceError) else 1.0
            points.append({"t": np.nan, "jump": np.nan, "near_anode": np.nan, "overshoot": np.nan, "status": status})
            continue
        crossings = [b["x_over_L"] for b in model.electronic_bottlenecks(solution) if b["layer"] == layer]
        points.append({
            "t": solution.t,
            "jump": crossings[0] if crossings else np.nan,
            "near_anode": model.fraction_near(solution, float(anode), band),
            "overshoot": float(max(solution.boundary_potentials) > max(separator.mu_cathode, float(anode)) + 1e-9),
            "status": 0.0,
        })
    return points


@app.command()
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
    scheduler: Annotated[Optional[str], typer.Option(help="Address of a running Dask scheduler.")] = None,
    workers: Annotated[Optional[int], typer.Option(help="Local Dask workers (default: all cores).")] = None,
    out: OutOption = None,
    json_output: JsonOption = False,
) -> None:
    """Map of the electronic-bottleneck jump position over anode potential x B of one layer (Dask tasks)."""
    separator, info = load_separator(config)
    index = layer if layer >= 0 else len(separator.layers) + layer
    if not 0 <= index < len(separator.layers):
        raise SSELabError(f"--layer {layer} is out of range for {len(separator.layers)} layer(s)")
    if anode_count < 1 or b_count < 1:
        raise SSELabError("--anode-count and --b-count must be at least 1")
    anodes = np.linspace(parse_quantity(anode_min, "energy", "--anode-min"), parse_quantity(anode_max, "energy", "--anode-max"), anode_count)
    b_values = np.linspace(parse_quantity(b_min, "energy", "--b-min"), parse_quantity(b_max, "energy", "--b-max"), b_count)
    width = parse_quantity(band, "energy", "--band")
    run = RunDirectory.open(out, "li0 sweep", {"config": config, "anode_min": anode_min, "anode_max": anode_max, "anode_count": anode_count,
                                               "b_min": b_min, "b_max": b_max, "b_count": b_count, "layer": index, "band": band})
    rows = run_tasks(_sweep_task, [(separator, index, float(b), anodes, width) for b in b_values], scheduler, workers,
                     "li0 sweep (rows of B)", show_progress=not json_output)
    grid = {key: np.array([[p[key] for p in row] for row in rows], dtype=float)
            for key in ("t", "jump", "near_anode", "overshoot", "status")}
    dataset = xr.Dataset(
        {
            "t_li": (("B", "mu_anode"), grid["t"], {"units": "1"}),
            "jump_x_over_L": (("B", "mu_anode"), grid["jump"], {"units": "1", "long_name": f"jump at mu = B in layer {index}"}),
            "fraction_near_anode": (("B", "mu_anode"), grid["near_anode"], {"units": "1"}),
            "overshoot": (("B", "mu_anode"), grid["overshoot"], {"units": "1"}),
            "status": (("B", "mu_anode"), grid["status"], {"flag_values": [0, 1, 2],
                                                          "flag_meanings": "solved | no steady state | not resolvable in float64"}),
        },
        coords={"B": ("B", b_values, {"units": "eV"}), "mu_anode": ("mu_anode", anodes, {"units": "eV"})},
        attrs={"config": info["origin"], "layer": index, "band_eV": width},
    )
    run.write_dataset("sweep", dataset)
    run.save_figure("sweep", li0_plots.li0_sweep(dataset))
    summary = {
        "config": info["origin"], "points": int(anodes.size * b_values.size),
        "no_steady_state": int((grid["status"] == 1).sum()),
        "not_resolvable": int((grid["status"] == 2).sum()),
        "jump_x_over_L_range": [float(np.nanmin(grid["jump"])) if np.isfinite(grid["jump"]).any() else None,
                                float(np.nanmax(grid["jump"])) if np.isfinite(grid["jump"]).any() else None],
        "run_directory": str(run.path),
    }
    record = run.finish(summary)
    emit(summary, json_output, "li0 sweep", [("points", str(summary["points"])), ("no steady state", str(summary["no_steady_state"])),
                                             ("not resolvable in float64", str(summary["not_resolvable"])),
                                             ("wall time", f"{record['wall_time_s']:.1f} s")], [f"run directory and plots: [bold]{run.path}[/bold]"])
