"""``sselab diffusion analyze | arrhenius | fit-stress | vanhove``: MD trajectories to transport laws.

``analyze`` turns one trajectory into D (with its error) and a conductivity; ``arrhenius`` and
``fit-stress`` fit laws through several of those runs and write the parameter files the
continuum models read (seed 000's Fig. 1 chain: eq. 8 → ``ion-exchange design --ion FILE``,
eq. 10 → ``ion-exchange li-penalty``); ``vanhove`` gives seed 004's correlation analysis.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
import xarray as xr

from sselab.analysis.msd import block_estimate, estimate_diffusivity, msd_per_atom
from sselab.analysis.trajectory import read_trajectory
from sselab.analysis.vanhove import characteristic_times, clustering, correlation_length, density_map, van_hove
from sselab.atomistic.md.ase_md import extxyz_frames
from sselab.cli.common import emit, progress_bar
from sselab.cli.options import EveryOption, IntervalOption, JsonOption, OutOption, SpeciesOption, TrajectoryArgument
from sselab.continuum.li_penalty import fit_two_step
from sselab.continuum.transport import fit_arrhenius, fit_stress_concentration, nernst_einstein_conductivity
from sselab.errors import SSELabError
from sselab.params.ions import load_ion
from sselab.plots import transport as transport_plots
from sselab.runs import RunDirectory
from sselab.units import parse_quantity

app = typer.Typer(help="Diffusivity, conductivity and correlations from MD trajectories (seeds 000, 004).", no_args_is_help=True)

#: formal charges of common mobile ions, for the Nernst–Einstein conductivity (override with --charge)
FORMAL_CHARGES = {"Li": 1, "Na": 1, "K": 1, "Ag": 1, "Cu": 1, "H": 1, "Mg": 2, "Zn": 2, "Ca": 2, "F": -1, "Cl": -1, "O": -2}
THERMO_FILE = "thermo.csv"
#: below this many atoms of a species, D and its error come from blocks of the run (see analysis.msd)
FEW_ATOMS = 10



def _read(path: Path, species: list[str], frame_interval: str | None, every: int, show: bool):
    """read_trajectory with a progress bar over the frames (counted by a header scan for extended XYZ)."""
    if every < 1:
        raise SSELabError(f"--every must be a positive integer, got {every}")
    interval = _femtoseconds(frame_interval, "--frame-interval")
    if not (show and path.suffix in (".extxyz", ".xyz") and path.is_file()):
        return read_trajectory(path, species, interval, every)
    with progress_bar(len(extxyz_frames(path)) // every + 1, "reading frames", True) as advance:
        return read_trajectory(path, species, interval, every, lambda n: advance(None, n))


def _femtoseconds(text: str | None, name: str) -> float | None:
    return None if text is None else parse_quantity(text, "time", name) * 1e15


def _mean_thermo_pressure(trajectory_path: Path) -> float | None:
    """Mean pressure (Pa) from a thermo.csv beside the trajectory (written by ``sselab md run``)."""
    thermo = trajectory_path.parent / THERMO_FILE
    if not thermo.is_file():
        return None
    with thermo.open(newline="") as handle:
        values = [float(row["pressure_GPa"]) for row in csv.DictReader(handle) if row.get("pressure_GPa") not in (None, "")]
    return float(np.mean(values)) * 1e9 if values else None


def exchange_fraction(counts: dict[str, int], species: str) -> float | None:
    """Site fraction of an exchange ion on the Li sublattice, n_X/(n_X + n_Li); None for Li itself."""
    if species == "Li" or "Li" not in counts:
        return None
    return counts[species] / (counts[species] + counts["Li"])


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
    json_output: JsonOption = False,
) -> None:
    """MSD (FFT, all time origins), D with its standard error, Nernst-Einstein conductivity."""
    window_fs = None
    if window is not None:
        parts = [p for p in window.split(",") if p.strip()]
        if len(parts) != 2:
            raise SSELabError("--window takes two times separated by a comma, e.g. '20 ps, 200 ps'")
        window_fs = tuple(parse_quantity(p.strip(), "time", "--window") * 1e15 for p in parts)
    trajectory = _read(trajectory_path, [species], frame_interval, every, not json_output)
    kelvin = parse_quantity(temperature, "temperature", "--temperature") if temperature is not None else trajectory.info.get("target_temperature_K")
    z = charge if charge is not None else FORMAL_CHARGES.get(species)
    run = RunDirectory.open(out, "diffusion analyze", {"trajectory": str(trajectory_path), "species": species, "frame_interval": frame_interval,
                                                       "temperature": temperature, "stress": stress, "charge": charge, "window": window,
                                                       "max_lag_fraction": max_lag_fraction, "min_msd_A2": min_msd, "every": every})
    per_atom = msd_per_atom(trajectory.displacements[species], max_lag=trajectory.frames - 1)
    estimate = estimate_diffusivity(species, per_atom, trajectory.frame_interval_fs, max_lag_fraction=max_lag_fraction,
                                    min_msd_A2=min_msd, window_fs=window_fs)
    warnings = list(estimate.warnings)
    diffusivity, stderr, error_method = estimate.diffusivity, estimate.diffusivity_stderr, "spread over atoms"
    if estimate.diffusive and estimate.atoms < FEW_ATOMS:
        blocked = block_estimate(trajectory.displacements[species], trajectory.frame_interval_fs, estimate)
        if blocked is None:
            warnings.append(f"only {estimate.atoms} {species} atom(s) and a run too short for 8 blocks: the error is not reliable")
        else:
            (diffusivity, stderr), error_method = blocked, f"8 consecutive blocks x {estimate.atoms} atom(s)"
            warnings = [w for w in warnings if "no standard error" not in w]
    number_density = trajectory.counts[species] / (trajectory.volume_A3 * 1e-30) if trajectory.volume_A3 else None
    conductivity = conductivity_stderr = None
    if estimate.diffusive:
        if kelvin is None or number_density is None or z is None:
            missing = "temperature (--temperature)" if kelvin is None else "cell volume" if number_density is None else "charge (--charge)"
            warnings.append(f"no conductivity: the {missing} is unknown")
        else:
            conductivity = nernst_einstein_conductivity(number_density, z, diffusivity, kelvin)
            if stderr is not None:
                conductivity_stderr = conductivity * stderr / diffusivity
    if stress is not None:
        stress_pa, stress_source = parse_quantity(stress, "pressure", "--stress"), "--stress"
    else:
        stress_pa = _mean_thermo_pressure(trajectory_path)
        stress_source = f"mean pressure in {THERMO_FILE}" if stress_pa is not None else None
    lag_fs = np.arange(per_atom.shape[1]) * trajectory.frame_interval_fs
    spread = per_atom.std(axis=0, ddof=1) / np.sqrt(per_atom.shape[0]) if per_atom.shape[0] > 1 else np.zeros(per_atom.shape[1])
    run.write_dataset("msd", xr.Dataset(
        {"msd": ("lag", per_atom.mean(axis=0), {"units": "angstrom**2"}), "msd_stderr": ("lag", spread, {"units": "angstrom**2"})},
        coords={"lag": ("lag", lag_fs, {"units": "fs"})}, attrs={"species": species}))
    run.save_figure("msd", transport_plots.msd_figure(lag_fs, per_atom.mean(axis=0), spread, estimate, diffusivity, stderr))
    summary = {
        "species": species,
        "atoms": estimate.atoms,
        "diffusive": estimate.diffusive,
        "reason": estimate.reason,
        "D_m2_per_s": diffusivity,
        "D_stderr_m2_per_s": stderr,
        "error_method": error_method if estimate.diffusive else None,
        "conductivity_S_per_m": conductivity,
        "conductivity_stderr_S_per_m": conductivity_stderr,
        "window_fs": estimate.window_fs,
        "loglog_slope": estimate.loglog_slope,
        "msd_at_window_end_A2": estimate.msd_at_window_end_A2,
        "temperature_K": kelvin,
        "stress_Pa": stress_pa,
        "stress_source": stress_source,
        "concentration": exchange_fraction(trajectory.counts, species),
        "charge": z,
        "number_density_per_m3": number_density,
        "frames": trajectory.frames,
        "frame_interval_fs": trajectory.frame_interval_fs,
        "duration_ps": trajectory.duration_fs / 1000,
        "counts": trajectory.counts,
        "model": "D = slope/6 of the time-origin-averaged MSD over the diffusive window (mean over blocks for < 10 atoms); sigma = n (z e)^2 D/(k_B T), Haven ratio 1",
        "warnings": warnings,
        "run_directory": str(run.path),
    }
    run.finish(summary)
    value = (f"{diffusivity:.3g} ± {stderr or float('nan'):.2g} m²/s ({error_method})" if estimate.diffusive
             else f"not diffusive ({estimate.reason})")
    rows = [("species", f"{species} ({estimate.atoms} atoms, {trajectory.frames} frames, {trajectory.duration_fs / 1000:.4g} ps)"),
            ("D", value)]
    if estimate.window_fs is not None:
        rows.append(("fitting window", f"{estimate.window_fs[0] / 1000:.4g}–{estimate.window_fs[1] / 1000:.4g} ps (log-log slope {estimate.loglog_slope:.2f})"))
    if conductivity is not None:
        rows.append(("conductivity (Nernst-Einstein)", f"{conductivity:.3g} S/m at {kelvin:g} K"))
    rows += [("warning", w) for w in warnings]
    emit(summary, json_output, "diffusion analyze", rows, [f"run directory: [bold]{run.path}[/bold]"])


def _read_points(sources: list[Path], columns: tuple[str, ...]) -> list[dict]:
    """Rows of ``columns`` from ``diffusion analyze`` run directories (run.json) or CSV files."""
    points: list[dict] = []
    for source in sources:
        if source.is_dir():
            record = source / "run.json"
            if not record.is_file():
                raise SSELabError(f"{source} is not a run directory (no run.json)")
            summary = json.loads(record.read_text()).get("summary", {})
            if "D_m2_per_s" not in summary:
                raise SSELabError(f"{source} is not a 'diffusion analyze' run")
            point = {"source": str(source), "diffusive": summary["diffusive"], "D_m2_per_s": summary["D_m2_per_s"],
                     "D_stderr_m2_per_s": summary.get("D_stderr_m2_per_s"), "temperature_K": summary.get("temperature_K"),
                     "stress_Pa": summary.get("stress_Pa"), "concentration": summary.get("concentration"),
                     "species": summary.get("species"), "number_density_per_m3": summary.get("number_density_per_m3"),
                     "charge": summary.get("charge")}
            points.append(point)
        elif source.is_file():
            with source.open(newline="") as handle:
                rows = list(csv.DictReader(handle))
            if not rows or any(c not in rows[0] for c in columns):
                raise SSELabError(f"{source}: expected a CSV with columns {', '.join(columns)}")
            for index, row in enumerate(rows):
                try:
                    point = {key: float(value) for key, value in row.items() if key in (*columns, "D_stderr_m2_per_s", "temperature_K") and value not in ("", None)}
                except ValueError:
                    raise SSELabError(f"{source}: row {index + 2} has a value that is not a number") from None
                points.append({"source": f"{source}:{index + 2}", "diffusive": True, **point})
        else:
            raise SSELabError(f"{source} does not exist")
    for point in points:
        missing = [c for c in columns if point.get(c) is None]
        if missing and point["diffusive"]:
            raise SSELabError(f"{point['source']}: no {', '.join(missing)} (give them to 'diffusion analyze' or in the CSV)")
    return points


def _diffusive(points: list[dict]) -> tuple[list[dict], list[str]]:
    kept = [p for p in points if p["diffusive"]]
    skipped = [f"{p['source']}: not diffusive, left out" for p in points if not p["diffusive"]]
    return kept, skipped


@app.command("arrhenius")
def arrhenius_command(
    runs: Annotated[list[Path], typer.Argument(help="'diffusion analyze' run directories, or CSVs with temperature_K, D_m2_per_s[, D_stderr_m2_per_s].")],
    extrapolate_to: Annotated[str, typer.Option(help="Temperature to extrapolate D (and the conductivity) to.")] = "300 K",
    out: OutOption = None,
    json_output: JsonOption = False,
) -> None:
    """Arrhenius fit of D(T): E_a, D0 and the extrapolation with its uncertainty."""
    target = parse_quantity(extrapolate_to, "temperature", "--extrapolate-to")
    if not target > 0:
        raise SSELabError("--extrapolate-to must be a positive temperature")
    points, warnings = _diffusive(_read_points(runs, ("temperature_K", "D_m2_per_s")))
    if len(points) < 2:
        raise SSELabError(f"an Arrhenius fit needs two or more diffusive runs, got {len(points)}")
    temperature = np.array([p["temperature_K"] for p in points])
    diffusivity = np.array([p["D_m2_per_s"] for p in points])
    stderr = np.array([p.get("D_stderr_m2_per_s") or np.nan for p in points])
    weighted = bool(np.all(np.isfinite(stderr) & (stderr > 0)))
    fit = fit_arrhenius(temperature, np.log(diffusivity), np.diag((stderr / diffusivity) ** 2) if weighted else None)
    if not weighted:
        warnings.append("some runs have no standard error: points weighted equally, errors from the scatter")
    run = RunDirectory.open(out, "diffusion arrhenius", {"runs": [str(r) for r in runs], "extrapolate_to": extrapolate_to})
    extrapolated = float(fit.diffusivity(target))
    log_error = fit.log_diffusivity_stderr(target)
    densities = [p.get("number_density_per_m3") for p in points]
    charges = {p.get("charge") for p in points}
    conductivity = None
    if None not in densities and len(charges) == 1 and None not in charges:
        density = float(np.mean(densities))
        if np.ptp(densities) > 1e-3 * density:
            warnings.append(f"the runs' carrier densities differ by {100 * np.ptp(densities) / density:.2g} % (strain, NPT): "
                            "the extrapolated conductivity uses their mean")
        conductivity = nernst_einstein_conductivity(density, charges.pop(), extrapolated, target)
    else:
        warnings.append("no extrapolated conductivity: the runs do not all give a carrier density and one charge")
    summary = {
        "points": len(points),
        "activation_energy_eV": fit.activation_energy_eV,
        "activation_energy_stderr_eV": fit.activation_energy_stderr_eV,
        "D0_m2_per_s": fit.prefactor,
        "ln_D0_stderr": fit.log_prefactor_stderr,
        "r_squared": fit.r_squared,
        "reduced_chi_squared": fit.reduced_chi_squared,
        "weighted": weighted,
        "extrapolation_temperature_K": target,
        "D_extrapolated_m2_per_s": extrapolated,
        "D_extrapolated_ln_stderr": log_error,
        "D_extrapolated_1sigma_m2_per_s": [extrapolated * np.exp(-log_error), extrapolated * np.exp(log_error)],
        "conductivity_extrapolated_S_per_m": conductivity,
        "data": [{k: p.get(k) for k in ("source", "temperature_K", "D_m2_per_s", "D_stderr_m2_per_s")} for p in points],
        "model": "ln D = ln D0 - E_a/(k_B T), GLS weighted by the runs' standard errors",
        "warnings": warnings,
        "run_directory": str(run.path),
    }
    run.save_figure("arrhenius", transport_plots.arrhenius_figure(temperature, diffusivity, np.nan_to_num(stderr), fit, target))
    run.finish(summary)
    rows = [("runs fitted", str(len(points))),
            ("E_a", f"{fit.activation_energy_eV:.3f} ± {fit.activation_energy_stderr_eV:.3f} eV"),
            ("D0", f"{fit.prefactor:.3g} m²/s"),
            (f"D at {target:g} K", f"{extrapolated:.3g} m²/s (1σ: {extrapolated * np.exp(-log_error):.2g}–{extrapolated * np.exp(log_error):.2g})")]
    if conductivity is not None:
        rows.append((f"conductivity at {target:g} K", f"{conductivity:.3g} S/m"))
    rows += [("warning", w) for w in warnings]
    emit(summary, json_output, "diffusion arrhenius", rows, [f"run directory: [bold]{run.path}[/bold]"])


def ion_parameter_toml(name: str, fit, chemical_expansion: float, source: str) -> str:
    """An ion parameter file for ``ion-exchange design --ion FILE`` from an eq. 8 fit."""
    return "\n".join([
        f"# {name}+ exchanged for Li+: eq. 8 fitted by 'sselab diffusion fit-stress' ({fit.points} MD points)",
        f'name = "{name}"',
        f"chemical_expansion_coefficient = {chemical_expansion!r}",
        f'diffusion_prefactor = "{fit.prefactor!r} m**2/s"',
        f'activation_volume = "{fit.activation_volume!r} m**3/mol"',
        f"saturation_concentration = {fit.saturation_concentration!r}",
        f'fit_temperature = "{fit.temperature!r} K"',
        f'source = "{source}"',
        "",
    ])


def li_law_toml(law, source: str) -> str:
    """An eq. 10 parameter file for ``ion-exchange li-penalty --exchanged/--bulk``."""
    return "\n".join([
        "# Li+ diffusivity law, eq. 10, two-step fit by 'sselab diffusion fit-stress --model eq10'",
        f'prefactor = "{law.prefactor!r} m**2/s"',
        f'activation_volume = "{law.activation_volume!r} m**3/mol"',
        f"activation_energy_eV = {law.activation_energy_eV!r}",
        f'source = "{source}"',
        "",
    ])


@app.command("fit-stress")
def fit_stress_command(
    runs: Annotated[list[Path], typer.Argument(help="'diffusion analyze' run directories or CSVs (eq8: stress_Pa, concentration, D_m2_per_s; eq10: temperature_K, stress_Pa, D_m2_per_s).")],
    model: Annotated[str, typer.Option(help="'eq8' (exchange ion: D1, V*, d at one temperature) or 'eq10' (Li+: D0, V‡, E_a).")] = "eq8",
    ion: Annotated[str | None, typer.Option(help="eq8: exchange ion name for the written file (default: the runs' species).")] = None,
    chemical_expansion_from: Annotated[str | None, typer.Option(help="eq8: packaged ion or ion TOML that supplies gamma (e.g. Na).")] = None,
    chemical_expansion: Annotated[float | None, typer.Option(help="eq8: chemical expansion coefficient gamma (strain per site fraction).")] = None,
    write: Annotated[Path | None, typer.Option(help="Parameter file to write (default <run dir>/ion.toml or li_law.toml).")] = None,
    out: OutOption = None,
    json_output: JsonOption = False,
) -> None:
    """Stress(-concentration) fit of MD diffusivities, written as a continuum parameter file."""
    if model not in ("eq8", "eq10"):
        raise SSELabError(f"--model must be 'eq8' or 'eq10', got {model!r}")
    columns = ("stress_Pa", "concentration", "D_m2_per_s") if model == "eq8" else ("temperature_K", "stress_Pa", "D_m2_per_s")
    points, warnings = _diffusive(_read_points(runs, columns))
    if not points:
        raise SSELabError("no diffusive runs to fit")
    run = RunDirectory.open(out, "diffusion fit-stress", {"runs": [str(r) for r in runs], "model": model, "ion": ion,
                                                         "chemical_expansion_from": chemical_expansion_from, "chemical_expansion": chemical_expansion})
    stress = np.array([p["stress_Pa"] for p in points])
    diffusivity = np.array([p["D_m2_per_s"] for p in points])
    if model == "eq8":
        temperatures = {round(float(p["temperature_K"]), 6) for p in points if p.get("temperature_K") is not None}
        if len(temperatures) != 1:
            raise SSELabError(f"eq. 8 is fitted at one temperature; the runs have {sorted(temperatures) or 'none'} (CSV: add temperature_K)")
        if (chemical_expansion is None) == (chemical_expansion_from is None):
            raise SSELabError("eq8 writes an ion file for the continuum model: give exactly one of --chemical-expansion-from or --chemical-expansion")
        gamma = chemical_expansion if chemical_expansion is not None else load_ion(chemical_expansion_from).chemical_expansion_coefficient
        species = {p.get("species") for p in points} - {None}
        name = ion or (species.pop() if len(species) == 1 else None)
        if name is None:
            raise SSELabError("give --ion: the runs do not name one exchange ion")
        fit = fit_stress_concentration(stress, np.array([p["concentration"] for p in points]), diffusivity, temperatures.pop())
        target = write or run.path / "ion.toml"
        target.write_text(ion_parameter_toml(name, fit, gamma, f"sselab diffusion fit-stress, {len(points)} MD runs; gamma from {chemical_expansion_from or 'the command line'}"))
        summary = {"model": "D = D1 exp(-sigma V*/(R T)) (1 - C/d) (seed 000 eq. 8)", "points": len(points),
                   "D1_m2_per_s": fit.prefactor, "activation_volume_m3_per_mol": fit.activation_volume,
                   "saturation_concentration": fit.saturation_concentration, "temperature_K": fit.temperature,
                   "stderr": fit.stderr, "rms_ln_residual": fit.rms_log_residual, "chemical_expansion_coefficient": gamma}
        rows = [("D1", f"{fit.prefactor:.3g} m²/s"), ("V*", f"{fit.activation_volume * 1e6:.3g} cm³/mol"),
                ("d", f"{100 * fit.saturation_concentration:.3g} %"), ("T", f"{fit.temperature:g} K")]
        follow = f"sselab ion-exchange design --ion {target} --surface-concentration '5 %'"
    else:
        fit = fit_two_step(np.array([p["temperature_K"] for p in points]), stress, diffusivity)
        target = write or run.path / "li_law.toml"
        target.write_text(li_law_toml(fit.law, f"sselab diffusion fit-stress --model eq10, {len(points)} MD runs"))
        law = fit.law
        summary = {"model": "D = D0 exp(-sigma V/(R T)) exp(-E_a/(k_B T)) (seed 000 eq. 10), two-step fit", "points": len(points),
                   "D0_m2_per_s": law.prefactor, "activation_volume_m3_per_mol": law.activation_volume,
                   "activation_energy_eV": law.activation_energy_eV, "activation_energy_stderr_eV": law.activation_energy_stderr_eV,
                   "activation_volume_stderr_m3_per_mol": law.activation_volume_stderr, "arrhenius_r_squared": fit.arrhenius_r_squared}
        rows = [("D0", f"{law.prefactor:.3g} m²/s"), ("V‡", f"{law.activation_volume * 1e6:.3g} cm³/mol"),
                ("E_a", f"{law.activation_energy_eV:.3f} ± {law.activation_energy_stderr_eV:.3f} eV")]
        follow = f"sselab ion-exchange li-penalty --exchanged {target} --bulk BULK.toml"
    summary.update({"parameter_file": str(target), "next": follow, "warnings": warnings, "run_directory": str(run.path)})
    run.finish(summary)
    rows += [("parameter file", str(target)), ("next", follow)] + [("warning", w) for w in warnings]
    emit(summary, json_output, f"diffusion fit-stress ({model})", rows, [f"run directory: [bold]{run.path}[/bold]"])


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
    json_output: JsonOption = False,
) -> None:
    """Van Hove G_self/G_distinct, g(r), tau1/tau2, correlation length, density map, clustering."""
    if origins < 1:
        raise SSELabError("--origins must be at least 1")
    wanted = [species] + ([cluster_species] if cluster_species and cluster_species != species else [])
    trajectory = _read(trajectory_path, wanted, frame_interval, every, not json_output)
    run = RunDirectory.open(out, "diffusion vanhove", {"trajectory": str(trajectory_path), "species": species, "frame_interval": frame_interval,
                                                      "r_max_A": r_max, "origins": origins, "cluster_species": cluster_species,
                                                      "cluster_cutoff_A": cluster_cutoff, "every": every})
    result = van_hove(trajectory, species, r_max_A=r_max, origins=origins)
    times = characteristic_times(result)
    xi = correlation_length(result.r_A, result.distinct[0])
    run.write_dataset("vanhove", xr.Dataset(
        {"self_density": (("lag", "r"), result.self_density, {"units": "1/angstrom", "long_name": "4 pi r^2 G_s(r, t)"}),
         "distinct": (("lag", "r"), result.distinct, {"long_name": "G_d(r, t), 1 for uncorrelated ions"})},
        coords={"lag": ("lag", result.lag_fs, {"units": "fs"}), "r": ("r", result.r_A, {"units": "angstrom"})}, attrs={"species": species}))
    run.save_figure("vanhove", transport_plots.van_hove_figure(result, times))
    run.save_figure("correlation_length", transport_plots.correlation_length_figure(result.r_A, result.distinct[0], xi))
    density, *_ = density_map(trajectory, species)
    run.save_figure("density_map", transport_plots.density_map_figure(density, species, ("a", "b")))
    summary = {
        "species": species,
        "nearest_neighbour_A": times.nearest_neighbour_A,
        "tau1_fs": times.residence_time_fs,
        "tau2_fs": times.concerted_onset_fs,
        "tau_definitions": times.definition,
        "xi_A": xi.xi_A,
        "xi_stderr_A": xi.xi_stderr_A,
        "xi_fit_range_A": list(xi.fit_range_A),
        "xi_note": xi.reason,
        "origins": result.origins,
        "frames": trajectory.frames,
        "duration_ps": trajectory.duration_fs / 1000,
        "clustering": None,
        "run_directory": str(run.path),
    }
    rows = [("r_NN", f"{times.nearest_neighbour_A:.2f} Å"),
            ("tau1 (residence)", f"{times.residence_time_fs / 1000:.3g} ps" if times.residence_time_fs is not None else "beyond the run"),
            ("tau2 (concerted onset)", f"{times.concerted_onset_fs / 1000:.3g} ps" if times.concerted_onset_fs is not None else "beyond the run"),
            ("correlation length xi", f"{xi.xi_A:.2f} Å" if xi.xi_A is not None else xi.reason)]
    if cluster_species:
        cluster = clustering(trajectory, cluster_species, cluster_cutoff)
        run.save_figure("clustering", transport_plots.clustering_figure(cluster))
        summary["clustering"] = {"species": cluster_species, "cutoff_A": cluster_cutoff, "final_pair_ratio": cluster.final_ratio,
                                 "clustered": cluster.clustered, "threshold": cluster.threshold,
                                 "definition": "close pairs / uniform-random expectation, mean over the last quarter of the run"}
        rows.append((f"{cluster_species} clustering", f"{'clustered' if cluster.clustered else 'not clustered'} (pair ratio {cluster.final_ratio:.2f})"))
    run.finish(summary)
    emit(summary, json_output, "diffusion vanhove", rows, [f"run directory: [bold]{run.path}[/bold]"])
