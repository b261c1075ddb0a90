"""``sselab diffusion analyze | campaign | arrhenius | fit-stress | vanhove | pathways``: MD trajectories to transport laws.

``analyze`` turns one trajectory into D (with its error) and a conductivity; ``arrhenius`` and
``fit-stress`` fit laws through several of those runs and write the parameter files the
continuum models read (seed 000's Fig. 1 chain: eq. 8 → ``ion-exchange design --ion FILE``,
eq. 10 → ``ion-exchange li-penalty``); ``campaign`` analyses every run of an ``md campaign`` into one table
(``diffusion.csv``, which ``arrhenius`` and ``fit-stress`` read); ``vanhove`` gives seed 004's correlation analysis
and ``pathways`` its Li-channel sizes d₁/d₂ (Zeo++).
The physics is in :mod:`sselab.analysis.diffusion`, :mod:`sselab.analysis.correlations` and
:mod:`sselab.studies.transport`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from sselab.cli.common import emit, progress_bar
from sselab.cli.options import (
    EveryOption,
    IntervalOption,
    JsonOption,
    OutOption,
    OverwriteOption,
    SpeciesOption,
    TrajectoryArgument,
)
from sselab.errors import SSELabError

AllowIncompleteOption = Annotated[bool, typer.Option(
    "--allow-incomplete", help="Fit runs analysed from incomplete trajectories (killed MD runs) too, with a warning.")]

app = typer.Typer(help="Diffusivity, conductivity and correlations from MD trajectories (seeds 000, 004).", no_args_is_help=True)


def _femtoseconds(text: str | None, name: str) -> float | None:
    from sselab.units import parse_quantity

    return None if text is None else parse_quantity(text, "time", name) * 1e15


def _window_fs(text: str | None) -> tuple[float, float] | None:
    """'20 ps, 200 ps' → (2e4, 2e5) fs."""
    if text is None:
        return None
    parts = [p for p in text.split(",") if p.strip()]
    if len(parts) != 2:
        raise SSELabError("--window takes two times separated by a comma, e.g. '20 ps, 200 ps'")
    return _femtoseconds(parts[0].strip(), "--window"), _femtoseconds(parts[1].strip(), "--window")


@contextmanager
def _reading_bar(path: Path, every: int, show: bool) -> Iterator:
    """A progress callback over the frames read from an extended-XYZ file (counted by a header scan), or None."""
    if not (show and path.suffix in (".extxyz", ".xyz") and path.is_file()):
        yield None
        return
    from sselab.atomistic.md.ase_md import extxyz_frames

    with progress_bar(len(extxyz_frames(path)) // max(every, 1) + 1, "reading frames", True) as advance:
        yield lambda n: advance(None, n)


def _footer(run) -> list[str]:
    return [f"run directory: [bold]{run.path}[/bold]"]


@app.command("analyze")
def analyze_command(
    trajectory_path: TrajectoryArgument,
    species: SpeciesOption,
    frame_interval: IntervalOption = None,
    temperature: Annotated[str | None, typer.Option(help="Temperature for the conductivity (default: the MD target stored in the file).")] = None,
    stress: Annotated[str | None, typer.Option(help="Hydrostatic stress of the run, compressive positive (default: mean pressure from thermo.csv beside the file).")] = None,
    charge: Annotated[int | None, typer.Option(help="Ionic charge number z (default: the formal charge of the species).")] = None,
    window: Annotated[str | None, typer.Option(help="Fix the fitting window, e.g. '20 ps, 200 ps' (default: detected).")] = None,
    max_lag_fraction: Annotated[float, typer.Option(help="Longest lag fitted, as a fraction of the run.")] = 0.5,
    min_msd: Annotated[float, typer.Option(help="MSD (Å²) the window must reach to count as diffusive.")] = 1.0,
    every: EveryOption = 1,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """MSD (FFT, all time origins), D with its standard error, Nernst-Einstein conductivity.

    A trajectory shorter than its MD run asked for (a killed run) is analysed with complete: false
    and a warning; one without a point record (not written by 'md run') with complete: null.
    """
    from sselab.analysis.diffusion import DiffusionAnalysis
    from sselab.runs import RunDirectory
    from sselab.units import parse_quantity

    window_fs, interval_fs = _window_fs(window), _femtoseconds(frame_interval, "--frame-interval")
    kelvin = parse_quantity(temperature, "temperature", "--temperature") if temperature is not None else None
    stress_pa = parse_quantity(stress, "pressure", "--stress") if stress is not None else None
    with _reading_bar(trajectory_path, every, not json_output) as progress:
        a = DiffusionAnalysis.from_file(trajectory_path, species, interval_fs, temperature_K=kelvin, stress_Pa=stress_pa,
                                        charge=charge, window_fs=window_fs, max_lag_fraction=max_lag_fraction, min_msd_A2=min_msd,
                                        every=every, progress=progress)
    run = a.write(RunDirectory.open(out, "diffusion analyze", {
        "trajectory": str(trajectory_path), "species": species, "frame_interval": frame_interval, "temperature": temperature,
        "stress": stress, "charge": charge, "window": window, "max_lag_fraction": max_lag_fraction, "min_msd_A2": min_msd,
        "every": every}, overwrite=overwrite))
    error = a.diffusivity_stderr_m2_per_s or float("nan")
    value = (f"{a.diffusivity_m2_per_s:.3g} ± {error:.2g} m²/s ({a.error_method})" if a.diffusive
             else f"not diffusive ({a.reason})")
    rows = [("species", f"{species} ({a.atoms} atoms, {a.frames} frames, {a.duration_ps:.4g} ps)"), ("D", value)]
    if a.window_fs is not None:
        start, end = (t / 1000 for t in a.window_fs)
        rows.append(("fitting window", f"{start:.4g}–{end:.4g} ps (log-log slope {a.loglog_slope:.2f})"))
    if a.conductivity_S_per_m is not None:
        rows.append(("conductivity (Nernst-Einstein)", f"{a.conductivity_S_per_m:.3g} S/m at {a.temperature_K:g} K"))
    rows += [("warning", w) for w in a.warnings]
    emit(run.summary, json_output, "diffusion analyze", rows, _footer(run))


@app.command("campaign")
def campaign_command(
    campaign: Annotated[Path, typer.Argument(help="An 'md campaign' run directory.")],
    species: SpeciesOption,
    max_lag_fraction: Annotated[float, typer.Option(help="Longest lag fitted, as a fraction of each run.")] = 0.5,
    min_msd: Annotated[float, typer.Option(help="MSD (Å²) the window must reach to count as diffusive.")] = 1.0,
    include_incomplete: Annotated[bool, typer.Option(help="Keep points whose run failed or is still running (rows with complete false).")] = False,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """D of one species at every point of an MD campaign: diffusion.csv (for fit-stress/arrhenius) and diffusion.nc."""
    from sselab.runs import RunDirectory
    from sselab.studies.campaign import analyze_campaign

    run = RunDirectory.open(out, "diffusion campaign", {
        "campaign": str(campaign), "species": species, "max_lag_fraction": max_lag_fraction, "min_msd_A2": min_msd,
        "include_incomplete": include_incomplete}, overwrite=overwrite)
    result = analyze_campaign(campaign, species, max_lag_fraction=max_lag_fraction, min_msd_A2=min_msd,
                              include_incomplete=include_incomplete)
    run = result.write(run)
    rows = [(f"{r['cell']} {r['temperature_K']:g} K, strain {r['strain']:+g}",
             f"D = {r['D_m2_per_s']:.3g} ± {r['D_stderr_m2_per_s'] or float('nan'):.2g} m²/s" if r["diffusive"] else "not diffusive")
            for r in result.rows]
    rows += [("skipped", s) for s in result.skipped]
    table = run.path / "diffusion.csv"
    emit(run.summary, json_output, "diffusion campaign", rows,
         [*_footer(run), f"next: sselab diffusion fit-stress {table} --model eq8 --temperature <T> --ion <X> ... "
                         f"(eq10 for Li); arrhenius fits every row as one law, so give it the rows of one strain and cell"])


@app.command("arrhenius")
def arrhenius_command(
    runs: Annotated[list[Path], typer.Argument(help="'diffusion analyze' run directories, or CSVs with temperature_K, D_m2_per_s[, D_stderr_m2_per_s].")],
    extrapolate_to: Annotated[str, typer.Option(help="Temperature to extrapolate D (and the conductivity) to.")] = "300 K",
    allow_incomplete: AllowIncompleteOption = False,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Arrhenius fit of D(T): E_a, D0 and the extrapolation with its uncertainty."""
    from sselab.runs import RunDirectory
    from sselab.studies.transport import ArrheniusAnalysis
    from sselab.units import parse_quantity

    result = ArrheniusAnalysis.from_runs(runs, extrapolate_to_K=parse_quantity(extrapolate_to, "temperature", "--extrapolate-to"),
                                         allow_incomplete=allow_incomplete)
    inputs = {"runs": [str(r) for r in runs], "extrapolate_to": extrapolate_to, "allow_incomplete": allow_incomplete}
    run = result.write(RunDirectory.open(out, "diffusion arrhenius", inputs, overwrite=overwrite))
    target, (low, high) = result.extrapolation_temperature_K, result.D_extrapolated_1sigma_m2_per_s
    rows = [("runs fitted", str(result.points)),
            ("E_a", f"{result.activation_energy_eV:.3f} ± {result.activation_energy_stderr_eV:.3f} eV"),
            ("D0", f"{result.D0_m2_per_s:.3g} m²/s"),
            (f"D at {target:g} K", f"{result.D_extrapolated_m2_per_s:.3g} m²/s (1σ: {low:.2g}–{high:.2g})")]
    if result.conductivity_extrapolated_S_per_m is not None:
        rows.append((f"conductivity at {target:g} K", f"{result.conductivity_extrapolated_S_per_m:.3g} S/m"))
    rows += [("warning", w) for w in result.warnings]
    emit(run.summary, json_output, "diffusion arrhenius", rows, _footer(run))


@app.command("fit-stress")
def fit_stress_command(
    runs: Annotated[list[Path], typer.Argument(help="'diffusion analyze' run directories or CSVs (eq8: stress_Pa, concentration, D_m2_per_s; eq10: temperature_K, stress_Pa, D_m2_per_s).")],
    model: Annotated[str, typer.Option(help="'eq8' (exchange ion: D1, V*, d at one temperature) or 'eq10' (Li+: D0, V‡, E_a).")] = "eq8",
    ion: Annotated[str | None, typer.Option(help="eq8: exchange ion name for the written file (default: the runs' species).")] = None,
    chemical_expansion_from: Annotated[str | None, typer.Option(help="eq8: packaged ion or ion TOML that supplies gamma (e.g. Na).")] = None,
    chemical_expansion: Annotated[float | None, typer.Option(help="eq8: chemical expansion coefficient gamma (strain per site fraction).")] = None,
    temperature: Annotated[str | None, typer.Option(help="eq8: fit only the runs at this temperature (a campaign table holds several), e.g. 1200K.")] = None,
    write: Annotated[Path | None, typer.Option(help="Parameter file to write (default <run dir>/ion.toml or li_law.toml); an existing one needs --overwrite.")] = None,
    allow_incomplete: AllowIncompleteOption = False,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Stress(-concentration) fit of MD diffusivities, written as a continuum parameter file."""
    from sselab.studies.transport import fit_exchange_ion, fit_li_law

    if model not in ("eq8", "eq10"):
        raise SSELabError(f"--model must be 'eq8' or 'eq10', got {model!r}")
    if model == "eq10" and temperature is not None:
        raise SSELabError("--temperature picks eq8's one temperature; eq10 fits every temperature of the runs")
    if model == "eq8":
        from sselab.units import parse_quantity

        result = fit_exchange_ion(runs, ion=ion, chemical_expansion=chemical_expansion,
                                  chemical_expansion_from=chemical_expansion_from, allow_incomplete=allow_incomplete,
                                  temperature_K=None if temperature is None else parse_quantity(temperature, "temperature", "--temperature"))
        rows = [("D1", f"{result.D1_m2_per_s:.3g} m²/s"), ("V*", f"{result.activation_volume_m3_per_mol * 1e6:.3g} cm³/mol"),
                ("d", f"{100 * result.saturation_concentration:.3g} %"), ("T", f"{result.temperature_K:g} K")]
    else:
        result = fit_li_law(runs, allow_incomplete=allow_incomplete)
        rows = [("D0", f"{result.D0_m2_per_s:.3g} m²/s"), ("V‡", f"{result.activation_volume_m3_per_mol * 1e6:.3g} cm³/mol"),
                ("E_a", f"{result.activation_energy_eV:.3f} ± {result.activation_energy_stderr_eV:.3f} eV")]
    run = result.write(out, parameter_file=write, overwrite=overwrite)  # checks --write before it opens --out
    summary = run.summary
    rows += [("parameter file", summary["parameter_file"]), ("next", summary["next"])]
    rows += [("warning", w) for w in summary["warnings"]]
    emit(summary, json_output, f"diffusion fit-stress ({model})", rows, _footer(run))


@app.command("vanhove")
def vanhove_command(
    trajectory_path: TrajectoryArgument,
    species: SpeciesOption = "Li",
    frame_interval: IntervalOption = None,
    r_max: Annotated[float, typer.Option(help="Largest r (Å), capped at half the cell width.")] = 10.0,
    origins: Annotated[int, typer.Option(help="Time origins averaged per lag.")] = 20,
    cluster_species: Annotated[str | None, typer.Option(help="Exchange ion to test for clustering, e.g. K.")] = None,
    cluster_cutoff: Annotated[float, typer.Option(help="Pair distance (Å) counted as close for clustering.")] = 4.0,
    every: EveryOption = 1,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Van Hove G_self/G_distinct, g(r), tau1/tau2, correlation length, density map, clustering."""
    from sselab.analysis.correlations import VanHoveAnalysis
    from sselab.runs import RunDirectory

    interval_fs = _femtoseconds(frame_interval, "--frame-interval")
    with _reading_bar(trajectory_path, every, not json_output) as progress:
        a = VanHoveAnalysis.from_file(trajectory_path, species, interval_fs, r_max_A=r_max, origins=origins,
                                      cluster_species=cluster_species, cluster_cutoff_A=cluster_cutoff, every=every,
                                      progress=progress)
    run = a.write(RunDirectory.open(out, "diffusion vanhove", {
        "trajectory": str(trajectory_path), "species": species, "frame_interval": frame_interval, "r_max_A": r_max,
        "origins": origins, "cluster_species": cluster_species, "cluster_cutoff_A": cluster_cutoff, "every": every},
        overwrite=overwrite))
    rows = [("r_NN", f"{a.nearest_neighbour_A:.2f} Å"),
            ("tau1 (residence)", f"{a.tau1_fs / 1000:.3g} ps" if a.tau1_fs is not None else "beyond the run"),
            ("tau2 (concerted onset)", f"{a.tau2_fs / 1000:.3g} ps" if a.tau2_fs is not None else "beyond the run"),
            ("correlation length xi", f"{a.xi_A:.2f} Å" if a.xi_A is not None else a.xi_note)]
    if a.clustering is not None:
        verdict = "clustered" if a.clustering["clustered"] else "not clustered"
        rows.append((f"{cluster_species} clustering", f"{verdict} (pair ratio {a.clustering['final_pair_ratio']:.2f})"))
    rows += [("warning", w) for w in a.warnings]
    emit(run.summary, json_output, "diffusion vanhove", rows, _footer(run))


def _radii(texts: list[str] | None) -> dict[str, float]:
    """['Zr=0.72', 'O=1.40'] → {'Zr': 0.72, 'O': 1.4}."""
    radii = {}
    for text in texts or []:
        element, _, value = text.partition("=")
        try:
            radii[element.strip()] = float(value)
        except ValueError:
            raise SSELabError(f"--radius takes ELEMENT=ANGSTROM, e.g. Zr=0.72, got {text!r}") from None
    return radii


@app.command("pathways")
def pathways_command(
    trajectory_path: Annotated[Path, typer.Argument(help="Trajectory or structure file ASE can read (extxyz, .traj, CIF, LAMMPS dump).")],
    mobile: Annotated[list[str] | None, typer.Option(help="Species removed before measuring (the ions that move); repeatable.")] = None,
    radius: Annotated[list[str] | None, typer.Option(help="Radius of a framework element, e.g. Zr=0.72 (Å); default: its Shannon radius.")] = None,
    accuracy: Annotated[str | None, typer.Option(help="Zeo++ high-accuracy setting for unequal radii (MED, DEF, S100, ...; 100-1000x slower).")] = None,
    every: EveryOption = 1,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Seed 004 Fig. 4d: d1 (largest free sphere, Zeo++ D_f) and d2 (D_if) of the framework, averaged over frames."""
    from sselab.analysis.pathways import PathwayAnalysis
    from sselab.runs import RunDirectory

    analysis = PathwayAnalysis(mobile=tuple(mobile or ["Li"]), radii_A=_radii(radius), every=every, accuracy=accuracy)
    with _reading_bar(trajectory_path, every, not json_output) as progress:
        result = analysis.run(trajectory_path, progress=progress)
    run = result.write(RunDirectory.open(out, "diffusion pathways", {
        "trajectory": str(trajectory_path), "mobile": list(analysis.mobile), "radius": radius or [], "accuracy": accuracy, "every": every},
        overwrite=overwrite))

    def shown(statistic) -> str:
        error = f" ± {statistic.stderr_A:.3f}" if statistic.stderr_A is not None else ""
        return f"{statistic.mean_A:.3f}{error} Å"

    rows = [("d1 (free sphere, bottleneck)", shown(result.d1)), ("d2 (included along the free path)", shown(result.d2)),
            ("largest included sphere", shown(result.largest_included)), ("frames", str(result.frames)),
            ("radii", ", ".join(f"{e} {r:.3g} Å" for e, r in result.radii_A.items()))]
    rows += [("warning", w) for w in result.warnings]
    emit(run.summary, json_output, "diffusion pathways", rows, _footer(run))
