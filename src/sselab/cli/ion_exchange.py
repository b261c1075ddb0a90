"""``sselab ion-exchange``: design, map, li-penalty and reproduce (seed 000).

Each command parses its text options with units, calls :mod:`sselab.studies.ion_exchange`, writes the
run directory and prints the summary; the library is imported inside the commands.
"""

from __future__ import annotations

import time as clock
from pathlib import Path
from typing import Annotated, Any

import typer

from sselab.cli.common import emit, emit_markdown, stderr
from sselab.cli.options import (
    FlawOption,
    FormOption,
    GainOption,
    HostOption,
    IonOption,
    JsonOption,
    OutOption,
    OverwriteOption,
    ReferenceOption,
    SafetyOption,
    SchedulerOption,
    TemperatureOption,
    ThicknessOption,
    WorkersOption,
)

StressCouplingOption = Annotated[str, typer.Option(help="How V* (eq. 9) and V‡ (eq. 10) read the in-plane layer stress: hydrostatic (its pressure 2σ/3, against which V is fitted from MD) or biaxial (σ, the paper's reading).")]

app = typer.Typer(help="Ion-exchange residual stress and fracture-strength design (seed 000).", no_args_is_help=True)

MPA, UM = 1e6, 1e-6
#: the library's D_ref (sselab.continuum.ion_exchange.DEFAULT_REFERENCE_DIFFUSIVITY) as the option's text; a test
#: keeps the two equal (the constant is not imported here, to keep start-up light)
DEFAULT_REFERENCE_DIFFUSIVITY = "5e-12 m^2/s"


def _si(text: str | None, kind: str, flag: str) -> float | None:
    """``text`` in SI (None stays None); errors name the flag."""
    from sselab.units import parse_quantity

    return None if text is None else parse_quantity(text, kind, flag)


def _design_rows(s: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("ion / host", f"{s['ion']} / {s['host']}"),
        ("surface concentration C_s", f"{100 * s['surface_concentration']:.4g} % ({s['surface_concentration_source']['method']})"),
        ("time t, tau, t/tau", f"{s['time_s']:.4g} s, {s['tau_s']:.4g} s, {s['time_ratio']:.4g}"),
        ("surface stress (with force balance)", f"{s['surface_stress_Pa'] / MPA:.1f} MPa"),
        ("centre stress", f"{s['center_stress_Pa'] / MPA:.1f} MPa"),
        ("exchange depth", f"{s['exchange_depth_m'] / UM:.1f} µm (minimum {s['bounds']['minimum_depth_m'] / UM:.3g} µm)"),
        ("compressive to depth", f"{s['zero_stress_depth_m'] / UM:.1f} µm"),
        ("sigma_perm at a = " + f"{s['flaw_size_m'] / UM:.3g} µm", f"{s['sigma_permissible_Pa'] / MPA:.1f} MPa ({s['fracture_form']} form)"),
        ("  weight-function / printed eq. 6", f"{s['sigma_permissible_weight_function_Pa'] / MPA:.1f} / {s['sigma_permissible_printed_Pa'] / MPA:.1f} MPa"),
        ("  native", f"{s['sigma_permissible_native_Pa'] / MPA:.1f} MPa (gain x{s['strength_gain']:.2f})"),
        ("  uniform-layer model (SI.7)", f"{s['uniform_model']['sigma_permissible_Pa'] / MPA:.1f} MPa, depth {s['uniform_model']['depth_m'] / UM:.1f} µm"),
        ("verdict", s["verdict"]),
        ("est. discretisation error", f"{max(s['discretisation']['estimated_relative_error'].values()):.1e} (relative, max over outputs)"),
    ]


@app.command("design")
def design(
    ion: IonOption,
    surface_concentration: Annotated[str | None, typer.Option(help="C_s as a fraction or '7 %'.")] = None,
    target_surface_stress: Annotated[str | None, typer.Option(help="Surface stress to aim for, e.g. '1 GPa'.")] = None,
    formation_energy: Annotated[str | None, typer.Option(help="Exchange formation energy E_f, e.g. '0.3 eV'.")] = None,
    thickness: ThicknessOption = "1 mm",
    temperature: TemperatureOption = "1200 K",
    time_ratio: Annotated[float | None, typer.Option(help="t/tau (default 1.8e-3, the paper's Fig. 6).")] = None,
    time: Annotated[str | None, typer.Option(help="Exchange time, e.g. '6 min'.")] = None,
    flaw_size: FlawOption = "20 um",
    safety_factor: SafetyOption = 1.0,
    minimum_gain: GainOption = 1.1,
    fracture_form: FormOption = "weight-function",
    reference_diffusivity: ReferenceOption = DEFAULT_REFERENCE_DIFFUSIVITY,
    host: HostOption = "llzo",
    rtol: Annotated[float, typer.Option(help="Target relative discretisation error.")] = 1e-3,
    stress_coupling: StressCouplingOption = "hydrostatic",
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Design one treatment: profiles, stresses, exchange depth, strength gain and a verdict."""
    from sselab.runs import RunDirectory
    from sselab.studies.ion_exchange import design_ion_exchange

    inputs = {
        "ion": ion, "host": host, "surface_concentration": surface_concentration, "target_surface_stress": target_surface_stress,
        "formation_energy": formation_energy, "thickness": thickness, "temperature": temperature, "time_ratio": time_ratio,
        "time": time, "flaw_size": flaw_size, "safety_factor": safety_factor, "minimum_gain": minimum_gain,
        "fracture_form": fracture_form, "reference_diffusivity": reference_diffusivity, "rtol": rtol,
        "stress_coupling": stress_coupling,
    }
    result = design_ion_exchange(
        ion=ion, host=host, surface_concentration=_si(surface_concentration, "dimensionless", "--surface-concentration"),
        target_surface_stress_Pa=_si(target_surface_stress, "pressure", "--target-surface-stress"),
        formation_energy_eV=_si(formation_energy, "energy", "--formation-energy"),
        thickness_m=_si(thickness, "length", "--thickness"), temperature_K=_si(temperature, "temperature", "--temperature"),
        time_ratio=time_ratio, time_s=_si(time, "time", "--time"), flaw_size_m=_si(flaw_size, "length", "--flaw-size"),
        safety_factor=safety_factor, minimum_gain=minimum_gain, fracture_form=fracture_form,
        reference_diffusivity_m2_per_s=_si(reference_diffusivity, "diffusivity", "--reference-diffusivity"), rtol=rtol,
        stress_coupling=stress_coupling,
    )
    run = result.write(RunDirectory.open(out, "ion-exchange design", inputs, overwrite=overwrite))
    footer = ["[dim]" + f"{name}: {text}" + "[/dim]" for name, text in result.definitions.items()]
    emit(run.summary, json_output, f"ion-exchange design: {result.ion}+ in {result.host}", _design_rows(run.summary),
         [*footer, f"run directory and plots: [bold]{run.path}[/bold]"])


@app.command("map")
def map_command(
    ion: IonOption,
    cs_min: Annotated[str, typer.Option(help="Smallest surface concentration.")] = "1 %",
    cs_max: Annotated[str | None, typer.Option(help="Largest surface concentration (default 90 % of d).")] = None,
    cs_count: Annotated[int, typer.Option(help="Number of surface concentrations.")] = 20,
    ratio_min: Annotated[float, typer.Option(help="Smallest t/tau.")] = 1e-4,
    ratio_max: Annotated[float, typer.Option(help="Largest t/tau.")] = 1e-1,
    ratio_count: Annotated[int, typer.Option(help="Number of t/tau values (log-spaced).")] = 20,
    thickness: ThicknessOption = "1 mm",
    temperature: TemperatureOption = "1200 K",
    flaw_size: FlawOption = "20 um",
    safety_factor: SafetyOption = 1.0,
    minimum_gain: GainOption = 1.1,
    fracture_form: FormOption = "weight-function",
    reference_diffusivity: ReferenceOption = DEFAULT_REFERENCE_DIFFUSIVITY,
    host: HostOption = "llzo",
    rtol: Annotated[float, typer.Option(help="Target relative discretisation error per point.")] = 1e-2,
    stress_coupling: StressCouplingOption = "hydrostatic",
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Dimensionless map over C_s x t/tau (SI.8), computed as Dask tasks."""
    from sselab.runs import RunDirectory
    from sselab.studies.ion_exchange import IonExchangeMap
    from sselab.sweep import check_cluster

    settings = IonExchangeMap(
        ion=ion, host=host, cs_min=_si(cs_min, "dimensionless", "--cs-min"), cs_max=_si(cs_max, "dimensionless", "--cs-max"),
        cs_count=cs_count, ratio_min=ratio_min, ratio_max=ratio_max, ratio_count=ratio_count,
        thickness_m=_si(thickness, "length", "--thickness"), temperature_K=_si(temperature, "temperature", "--temperature"),
        flaw_size_m=_si(flaw_size, "length", "--flaw-size"), safety_factor=safety_factor, minimum_gain=minimum_gain,
        fracture_form=fracture_form, reference_diffusivity_m2_per_s=_si(reference_diffusivity, "diffusivity", "--reference-diffusivity"), rtol=rtol,
        stress_coupling=stress_coupling,
    )
    settings.grid()  # every input checked before the run directory and the Dask cluster exist
    check_cluster(scheduler, workers)
    inputs = {
        "ion": ion, "host": host, "cs_min": cs_min, "cs_max": cs_max, "cs_count": cs_count, "ratio_min": ratio_min,
        "ratio_max": ratio_max, "ratio_count": ratio_count, "thickness": thickness, "temperature": temperature,
        "flaw_size": flaw_size, "safety_factor": safety_factor, "minimum_gain": minimum_gain, "fracture_form": fracture_form,
        "reference_diffusivity": reference_diffusivity, "rtol": rtol, "stress_coupling": stress_coupling,
        "scheduler": scheduler, "workers": workers,
    }
    run = RunDirectory.open(out, "ion-exchange map", inputs, overwrite=overwrite)
    result = settings.run(scheduler=scheduler, workers=workers, progress=not json_output)
    result.write(run)
    best = result.strongest_effective_point
    rows = [
        ("points", f"{result.points} ({cs_count} C_s x {ratio_count} t/tau)"),
        ("effective / too shallow / fracture risk / no gain",
         " / ".join(f"{fraction:.0%}" for fraction in (result.fraction_effective, result.fraction_too_shallow,
                                                      result.fraction_fracture_risk, result.fraction_no_gain))),
        ("strongest effective point", "none" if best is None else
         f"C_s = {100 * best['surface_concentration']:.3g} %, t/tau = {best['time_ratio']:.3g}: {best['sigma_permissible_Pa'] / MPA:.0f} MPa"),
        ("wall time", f"{clock.perf_counter() - run.started:.1f} s"),
    ]
    emit(run.summary, json_output, f"ion-exchange map: {result.ion}+", rows, [f"run directory and plots: [bold]{run.path}[/bold]"])


@app.command("li-penalty")
def li_penalty_command(
    exchanged: Annotated[Path, typer.Option(help="Ion-exchanged LLZO: eq. 10 TOML, or MD CSV (temperature_K, stress_Pa, D_m2_per_s).")],
    bulk: Annotated[Path, typer.Option(help="Bulk LLZO reference, same formats.")],
    temperature: Annotated[str, typer.Option(help="Temperature to extrapolate to.")] = "300 K",
    stress: Annotated[str, typer.Option(help="Compressive in-plane stress in the exchanged layer, e.g. '1 GPa'.")] = "0 Pa",
    stress_coupling: StressCouplingOption = "hydrostatic",
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Li+ diffusivity penalty of ion exchange (eq. 10): two-step fit, extrapolation, ratio to bulk."""
    from sselab.runs import RunDirectory
    from sselab.studies.ion_exchange import li_diffusivity_penalty

    result = li_diffusivity_penalty(exchanged, bulk, temperature_K=_si(temperature, "temperature", "--temperature"),
                                    stress_Pa=_si(stress, "pressure", "--stress"), stress_coupling=stress_coupling)
    inputs = {"exchanged": str(exchanged), "bulk": str(bulk), "temperature": temperature, "stress": stress,
              "stress_coupling": stress_coupling}
    run = result.write(RunDirectory.open(out, "ion-exchange li-penalty", inputs, overwrite=overwrite))
    x, b, kelvin = result.exchanged_law, result.bulk_law, result.temperature_K
    rows = [
        ("exchanged: D0, V‡, E_a", f"{x.prefactor:.3g} m²/s, {x.activation_volume * 1e6:.3g} cm³/mol, {x.activation_energy_eV:.3f} eV"),
        ("bulk: D0, V‡, E_a", f"{b.prefactor:.3g} m²/s, {b.activation_volume * 1e6:.3g} cm³/mol, {b.activation_energy_eV:.3f} eV"),
        (f"D_Li at {kelvin:g} K, zero stress", f"{result.D_exchanged_zero_stress_m2_per_s:.3g} m²/s (x{result.ratio_to_bulk_zero_stress:.2f} bulk)"),
        (f"D_Li at {kelvin:g} K, {result.stress_Pa / MPA:g} MPa ({result.stress_coupling} coupling)",
         f"{result.D_exchanged_stressed_m2_per_s:.3g} m²/s (x{result.ratio_to_bulk_stressed:.2f} bulk)"),
    ]
    emit(run.summary, json_output, "ion-exchange li-penalty", rows, [f"run directory: [bold]{run.path}[/bold]"])


@app.command("reproduce")
def reproduce(
    fracture_form: FormOption = "weight-function",
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Seed 000 Fig. 6 and SI.7 for Na+ and Ag+, with a paper-vs-sselab table (paper / sselab).

    The table always shows both forms of eq. 6; --fracture-form picks the one the figures use."""
    from sselab.continuum.fracture import check_form
    from sselab.runs import RunDirectory
    from sselab.studies.ion_exchange import reproduce_fig6

    run = RunDirectory.open(out, "ion-exchange reproduce", {"fracture_form": check_form(fracture_form)}, overwrite=overwrite)
    with stderr.status("solving the Fig. 6 cases"):
        result = reproduce_fig6(fracture_form)
    result.write(run)
    emit_markdown(run.summary, json_output, result.table, f"Fig. 6 panels, SI.7 comparison and the table: [bold]{run.path}[/bold]")
