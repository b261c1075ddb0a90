"""``sselab elastic``, ``sselab fracture`` and ``sselab gb``: seed 003's mechanics (grain boundaries, tension, toughness).

The library behind them is :mod:`sselab.studies.fracture`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sselab.cli.common import DEFAULT_DB, emit, make_engine, progress_bar
from sselab.cli.options import (
    CalculatorOption,
    DbOption,
    JsonOption,
    OutOption,
    OverwriteOption,
    SchedulerOption,
    WorkersOption,
)
from sselab.errors import InputError

elastic_app = typer.Typer(help="Elastic constants and directional Young's moduli (seed 003 Table 1).", no_args_is_help=True)
fracture_app = typer.Typer(help="Tensile fracture MD and toughness algebra (seed 003).", no_args_is_help=True)
gb_app = typer.Typer(help="Grain-boundary models (seed 003).", no_args_is_help=True)

StructureArg = Annotated[str, typer.Argument(help="'llzo' (ordered cubic LLZO), a packaged structure name, or a structure file.")]
ForcefieldOpt = Annotated[str | None, typer.Option("--forcefield", help="A force field or LAMMPS potential (llzo_fit, lammps:llzo_pod, a file).")]


def _miller(text: str, option: str = "--plane") -> tuple[int, int, int]:
    parts = text.replace(",", " ").split()
    if len(parts) == 1 and len(parts[0].lstrip("-")) == 3 and parts[0].lstrip("-").isdigit():
        parts = list(parts[0])
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        raise InputError(f"{option} takes three whole Miller indices such as '1 1 0' or 110, got {text!r}") from None
    if len(values) != 3:
        raise InputError(f"{option} takes three whole Miller indices such as '1 1 0' or 110, got {text!r}")
    return values  # type: ignore[return-value]


@elastic_app.command("constants")
def elastic_constants_command(
    structure: StructureArg,
    calculator: CalculatorOption = "chgnet",
    forcefield: ForcefieldOpt = None,
    strain: Annotated[float, typer.Option("--strain", help="Finite strain of each of the four strained cells.")] = 0.005,
    db: DbOption = DEFAULT_DB,
    fmax: Annotated[float, typer.Option("--fmax", help="Force tolerance of the ion relaxations, eV/A.")] = 0.01,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """C11, C12, C44 of a cubic cell (relaxed ions), E100/E110/E111 and the cubic identity's E110."""
    from sselab.runs import RunDirectory
    from sselab.studies.fracture import ElasticConstantsCalculation

    model = f"ff:{forcefield}" if forcefield is not None else calculator
    study = ElasticConstantsCalculation(strain=strain, fmax=fmax)
    run = RunDirectory.open(out, "elastic constants", {"structure": structure, "model": model, "strain": strain}, overwrite=overwrite)
    result = study.run(structure, make_engine(model, db, fmax))
    run = result.write(run)
    values = result.to_dict()
    rows = [(key.replace("_GPa", " (GPa)"), f"{values[key]:.2f}") for key in
            ("c11_GPa", "c12_GPa", "c44_GPa", "e100_GPa", "e110_GPa", "e111_GPa", "e110_from_identity_GPa")]
    emit(run.summary, json_output, f"Elastic constants ({model})", rows, [f"run directory: {run.path}"])


@fracture_app.command("toughness")
def toughness_command(
    youngs_modulus: Annotated[str, typer.Option("--youngs-modulus", help="Young's modulus, e.g. '150 GPa'.")],
    poisson_ratio: Annotated[float, typer.Option("--poisson-ratio", help="Poisson ratio nu = -eps_lateral/eps_axial, in (-1, 0.5).")],
    g_c: Annotated[str | None, typer.Option("--g-c", help="Critical energy release rate, e.g. '1 J/m^2'.")] = None,
    k_ic: Annotated[str | None, typer.Option("--k-ic", help="Critical stress intensity, e.g. '0.4 MPa*m^0.5'.")] = None,
    plane: Annotated[str, typer.Option("--plane", help="strain (E' = E/(1-nu^2)) or stress (E' = E).")] = "strain",
    json_output: JsonOption = False,
) -> None:
    """K_IC = sqrt(G_c E') and back (seed 003 eq. 2)."""
    from sselab.studies.fracture import toughness
    from sselab.units import parse_quantity

    values = toughness(
        g_c_J_per_m2=parse_quantity(g_c, "surface_energy", "--g-c") if g_c is not None else None,
        k_ic_Pa_sqrt_m=parse_quantity(k_ic, "toughness", "--k-ic") if k_ic is not None else None,
        youngs_modulus_Pa=parse_quantity(youngs_modulus, "pressure", "--youngs-modulus"), poisson_ratio=poisson_ratio, plane=plane)
    emit(values, json_output, f"Fracture toughness (plane {plane})",
         [("K_IC (MPa m^0.5)", f"{values['k_ic_MPa_sqrt_m']:.4g}"), ("G_c (J/m^2)", f"{values['g_c_J_per_m2']:.4g}"),
          ("E' (GPa)", f"{values['effective_modulus_GPa']:.4g}")], [])


@fracture_app.command("tensile")
def tensile_command(
    structure: StructureArg,
    forcefield: Annotated[str, typer.Option("--forcefield", help="A force field or LAMMPS potential run in LAMMPS (llzo_fit for LLZO).")],
    temperature: Annotated[str, typer.Option("--temperature", help="Temperature, e.g. '300 K'.")] = "300 K",
    strain_rate: Annotated[str, typer.Option("--strain-rate", help="Engineering strain rate, e.g. '5e8 1/s' or '0.0005 1/ps' (seed 003, read per ps).")] = "5e8 1/s",
    max_strain: Annotated[float, typer.Option("--max-strain", help="Engineering strain at the end of the pull, in (0, 1).")] = 0.2,
    axis: Annotated[str, typer.Option("--axis", help="Load axis of the cell: x, y or z.")] = "z",
    lateral: Annotated[str, typer.Option("--lateral", help="free (zero lateral stress) or fixed (lateral lengths held).")] = "free",
    frame_strain: Annotated[float, typer.Option("--frame-strain", help="Strain between stored frames.")] = 0.002,
    equilibration: Annotated[str, typer.Option("--equilibration", help="Equilibration before the pull.")] = "10 ps",
    timestep: Annotated[str, typer.Option("--timestep", help="MD timestep.")] = "1 fs",
    crack: Annotated[str | None, typer.Option("--crack", help="Elliptical crack semi-axes 'A,B' in Å: A along --crack-axis, B along the load (seed 003: 10,5).")] = None,
    crack_axis: Annotated[str, typer.Option("--crack-axis", help="Axis along which the crack runs.")] = "y",
    neutralize: Annotated[bool, typer.Option("--neutralize", help="Remove Li or O next to the crack to cancel the charge it leaves.")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the velocities (and of the Li ordering of 'llzo').")] = 1,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted run in --out from its checkpoint.")] = False,
    out: Annotated[Path, typer.Option("--out", help="Run directory.")] = Path("runs/fracture-tensile"),
    json_output: JsonOption = False,
) -> None:
    """Uniaxial tension in LAMMPS: stress-strain curve, E, nu, peak stress, failure strain, eq. 1 work of fracture, K_IC."""
    test = _tensile_test(temperature, strain_rate, max_strain, axis, lateral, frame_strain, equilibration, timestep, crack,
                         crack_axis, neutralize, seed)
    settings = test.md_settings()
    with progress_bar(settings.steps + settings.equilibration_steps, "tension", not json_output) as advance:
        last = [0]

        def report(done: int, total: int) -> None:
            advance(steps=done - last[0])
            last[0] = done

        result = test.run(structure, forcefield, out, resume=resume, progress=report)
    p = result.properties
    rows = [("E (GPa)", f"{p['youngs_modulus_GPa']:.1f} ± {p['youngs_modulus_error_GPa']:.1f}"), ("Poisson ratio", f"{p['poisson_ratio']:.3f}"),
            ("peak stress (GPa)", f"{p['peak_stress_GPa']:.2f} at {100 * p['peak_strain']:.1f} %"),
            ("failure strain", "not reached" if p["failure_strain"] is None else f"{100 * p['failure_strain']:.1f} %"),
            *((f"G_c eq. 1, {k} (J/m^2)", f"{v:.3g}") for k, v in p["work_of_fracture_J_per_m2"].items()),
            *((f"K_IC {k} (MPa m^0.5)", f"{v:.3g}") for k, v in p["k_ic_MPa_sqrt_m"].items())]
    summary = result.to_dict()
    emit(summary, json_output, f"Uniaxial tension along {axis} at {test.temperature_K:g} K", rows, [f"run directory: {out}"])


def _tensile_test(temperature: str, strain_rate: str, max_strain: float, axis: str, lateral: str, frame_strain: float,
                  equilibration: str, timestep: str, crack: str | None, crack_axis: str, neutralize: bool, seed: int):
    """A TensileTest from the tension options shared by 'fracture tensile' and 'fracture campaign'."""
    from sselab.atomistic.build.cracks import EllipticalCrack
    from sselab.studies.fracture import TensileTest
    from sselab.units import parse_quantity

    cut = None
    if crack is not None:
        try:
            half_length, half_opening = (float(v) for v in crack.split(","))
        except ValueError:
            raise InputError(f"--crack takes two semi-axes in Å as 'A,B', got {crack!r}") from None
        cut = EllipticalCrack(half_length_A=half_length, half_opening_A=half_opening, length_axis=crack_axis)
    return TensileTest(
        temperature_K=parse_quantity(temperature, "temperature", "--temperature"),
        strain_rate_per_ps=parse_quantity(strain_rate, "rate", "--strain-rate") * 1e-12, max_strain=max_strain, axis=axis,
        lateral=lateral, timestep_fs=parse_quantity(timestep, "time", "--timestep") * 1e15, frame_strain=frame_strain,
        equilibration_ps=parse_quantity(equilibration, "time", "--equilibration") * 1e12, seed=seed, crack=cut, neutralize=neutralize)


def _named(values: list[str], option: str) -> dict[str, str]:
    """'NAME=VALUE' options as a dict, or a one-line error."""
    named = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name.strip() or not rest.strip():
            raise InputError(f"{option} takes NAME=VALUE, got {value!r}")
        if name.strip() in named:
            raise InputError(f"{option} names {name.strip()!r} twice")
        named[name.strip()] = rest.strip()
    return named


@fracture_app.command("campaign")
def fracture_campaign_command(
    model: Annotated[list[str], typer.Option("--model", help="NAME=STRUCTURE (repeat): a model of the comparison, e.g. interface=gb/bicrystal.extxyz.")],
    forcefield: Annotated[str, typer.Option("--forcefield", help="A force field or LAMMPS potential run in LAMMPS (llzo_fit for LLZO).")],
    replicas: Annotated[int, typer.Option("--replicas", help="Pulls per model; replica k uses velocity seed --seed + k.")] = 3,
    reference: Annotated[str | None, typer.Option("--reference", help="Model the others' K, G_c, strength and E are divided by.")] = None,
    region: Annotated[list[str] | None, typer.Option("--region", help="NAME=CENTRE,WIDTH (Å along the load axis): where that model's bonds are counted (default: the whole cell).")] = None,
    fracture_region: Annotated[float | None, typer.Option("--fracture-region", help="For models without --region: count bonds in a slab this wide (Å) around where each pull broke.")] = None,
    temperature: Annotated[str, typer.Option("--temperature", help="Temperature, e.g. '300 K'.")] = "300 K",
    strain_rate: Annotated[str, typer.Option("--strain-rate", help="Engineering strain rate, e.g. '5e9 1/s' or '0.005 1/ps'.")] = "5e8 1/s",
    max_strain: Annotated[float, typer.Option("--max-strain", help="Engineering strain at the end of each pull, in (0, 1).")] = 0.2,
    axis: Annotated[str, typer.Option("--axis", help="Load axis of the cells: x, y or z.")] = "z",
    lateral: Annotated[str, typer.Option("--lateral", help="free (zero lateral stress) or fixed (lateral lengths held).")] = "free",
    frame_strain: Annotated[float, typer.Option("--frame-strain", help="Strain between stored frames.")] = 0.002,
    equilibration: Annotated[str, typer.Option("--equilibration", help="Equilibration before each pull.")] = "10 ps",
    timestep: Annotated[str, typer.Option("--timestep", help="MD timestep.")] = "1 fs",
    crack: Annotated[str | None, typer.Option("--crack", help="Elliptical crack semi-axes 'A,B' in Å, cut in every model (seed 003: 10,5).")] = None,
    crack_axis: Annotated[str, typer.Option("--crack-axis", help="Axis along which the crack runs.")] = "y",
    neutralize: Annotated[bool, typer.Option("--neutralize", help="Remove Li or O next to the crack to cancel the charge it leaves.")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Velocity seed of the first replica.")] = 1,
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the campaign in --out: finished pulls are only re-analysed.")] = False,
    overwrite: OverwriteOption = False,
    out: OutOption = None,
    json_output: JsonOption = False,
) -> None:
    """Seed 003's model comparison: every model pulled --replicas times as Dask tasks; E, strength, G_c, K_IC and bond
    onsets per model (mean and standard error) and their ratios to --reference."""
    from sselab.studies.fracture_campaign import FractureCampaign, FractureModel

    test = _tensile_test(temperature, strain_rate, max_strain, axis, lateral, frame_strain, equilibration, timestep, crack,
                         crack_axis, neutralize, seed)
    structures = _named(model, "--model")
    regions = _named(region or [], "--region")
    unknown = sorted(set(regions) - set(structures))
    if unknown:
        raise InputError(f"--region names {unknown[0]!r}, which no --model defines")
    models = []
    for name, structure in structures.items():
        centre_width = None
        if name in regions:
            try:
                centre_width = tuple(float(v) for v in regions[name].split(","))
            except ValueError:
                centre_width = ()
            if len(centre_width) != 2:
                raise InputError(f"--region takes NAME=CENTRE,WIDTH in Å, got {name}={regions[name]!r}")
        models.append(FractureModel(name, structure, centre_width))
    campaign = FractureCampaign(test=test, replicas=replicas, reference=reference, fracture_width_A=fracture_region)
    result = campaign.run(models, forcefield, out=out, resume=resume,
                          overwrite=overwrite, scheduler=scheduler, workers=workers, show_progress=not json_output)
    summary = result.summary()
    rows = []
    for name, entry in summary["models"].items():
        k, g, peak = entry["k_ic_MPa_sqrt_m"], entry["g_c_J_per_m2"], entry["peak_stress_GPa"]
        rows.append((name, f"K_IC {_pm(k)} MPa m^0.5, G_c {_pm(g)} J/m^2 (broken replicas), peak {_pm(peak)} GPa; broke in "
                           f"{entry['broken']} of {entry['replicas']}" + (f", {entry['failed']} failed" if entry["failed"] else "")))
    for name, ratio in summary["ratios"].items():
        k_ratio = ratio.get("k_ic")
        if name == reference or not k_ratio:
            continue
        if k_ratio["ratio"] is None:
            rows.append((f"K({name})/K({reference})", f"withheld: {k_ratio['withheld']} (broken replicas only: "
                                                      f"{_pm(k_ratio['broken_only'], 'ratio')})"))
        else:
            rows.append((f"K({name})/K({reference})", _pm(k_ratio, "ratio")))
    emit(summary, json_output, "Fracture campaign", rows, [f"run directory: {result.run.path} (points.csv, models.csv)"])


def _pm(value: dict | None, key: str = "mean") -> str:
    """'mean ± s.e.' of a summary entry."""
    if not value or value.get(key) is None:
        return "n/a"
    error = value.get("standard_error")
    return f"{value[key]:.3g}" + (f" ± {error:.2g}" if error is not None else "")


@gb_app.command("energy")
def gb_energy_command(
    bicrystal: Annotated[str, typer.Argument(help="The bicrystal (e.g. bicrystal.extxyz of 'sselab gb build').")],
    bulk: Annotated[str, typer.Option("--bulk", help="The bulk crystal: 'llzo', a packaged name or a structure file.")],
    reference: Annotated[list[str] | None, typer.Option("--reference", help="NAME=STRUCTURE (repeat): a phase for what the boundary gained or lost, e.g. Li2O=li2o.")] = None,
    boundaries: Annotated[int, typer.Option("--boundaries", help="Boundaries in the cell (2 for a periodic bicrystal).")] = 2,
    calculator: CalculatorOption = "chgnet",
    forcefield: ForcefieldOpt = None,
    db: DbOption = DEFAULT_DB,
    fmax: Annotated[float, typer.Option("--fmax", help="Force tolerance of the relaxations, eV/A.")] = 0.02,
    max_steps: Annotated[int, typer.Option("--max-steps", help="Optimizer steps allowed per relaxation.")] = 1000,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Grain-boundary energy: (E_bicrystal - sum n_p E_p)/(boundaries x area); the bulk and references relax fully,
    the bicrystal at the bulk's in-plane lattice (the length of c only), its in-plane stress the interface stress."""
    from sselab.runs import RunDirectory
    from sselab.studies.fracture import BoundaryEnergyCalculation

    model = f"ff:{forcefield}" if forcefield is not None else calculator
    references = _named(reference or [], "--reference")
    run = RunDirectory.open(out, "gb energy", {"bicrystal": bicrystal, "bulk": bulk, "references": references, "model": model},
                            overwrite=overwrite)
    study = BoundaryEnergyCalculation(boundaries=boundaries, max_steps=max_steps)
    result = study.run(bicrystal, bulk, make_engine(model, db, fmax), references=references)
    run = result.write(run)
    v = result.to_dict()
    rows = [("GB energy (J/m^2)", f"{v['gb_energy_J_per_m2']:.3f}"), ("area (Å^2)", f"{v['area_A2']:.1f}"),
            ("excess volume per area (Å)", f"{v['excess_volume_per_area_A']:.3f}"),
            ("framework expansion per area (Å)", f"{v['expansion_per_area_A']:.3f}"),
            ("interface stress (N/m)", f"{v['interface_stress_N_per_m']:.3f} (xx {v['interface_stress_components_N_per_m'][0]:.3f}, "
                                       f"yy {v['interface_stress_components_N_per_m'][1]:.3f})"),
            ("made of", ", ".join(f"{n:+.3g} x {p}" for p, n in v["amounts"].items()))]
    unconverged = [name for name, r in v["relaxations"].items() if not r["converged"]]
    notes = [f"run directory: {run.path}"]
    if unconverged:
        notes.insert(0, f"warning: the relaxation of {', '.join(unconverged)} stopped at --max-steps {max_steps} above "
                        f"--fmax {fmax:g}: γ is not converged (raise --max-steps)")
    emit(run.summary, json_output, f"Grain-boundary energy ({model})", rows, notes)


@gb_app.command("build")
def gb_build_command(
    structure: StructureArg,
    plane: Annotated[str, typer.Option("--plane", help="Miller indices of the boundary plane, e.g. '1 1 0' or 111.")] = "1 1 0",
    element: Annotated[str, typer.Option("--element", help="Element whose atomic plane is the mirror (seed 003: Zr or La).")] = "Zr",
    layers: Annotated[int, typer.Option("--layers", help="Grain thickness in periods of the oriented cell along the normal.")] = 1,
    min_distance: Annotated[float, typer.Option("--min-distance", help="Pairs across a boundary closer than this (Å) lose their grain-B atom.")] = 1.6,
    neutralize: Annotated[bool, typer.Option("--neutralize", help="Remove Li or O at the boundaries to cancel a net formal charge.")] = False,
    framework: Annotated[str | None, typer.Option("--framework", help="Species compared when testing whether the mirror is a translation (default: all but Li), e.g. 'La,Zr,O'.")] = None,
    plane_choice: Annotated[str, typer.Option("--plane-choice", help="Which plane of ELEMENT is the mirror: first (the lowest along the normal) or purest (the one whose atoms within 0.1 Å are most of ELEMENT; seed 003's Li-/La-/Zr-enriched (111) interfaces).")] = "first",
    rotation_axis: Annotated[str | None, typer.Option("--rotation-axis", help="CSL boundary instead of a mirror: the rotation axis, e.g. '1 1 1' (with --angle; --layers counts CSL periods).")] = None,
    angle: Annotated[float | None, typer.Option("--angle", help="CSL rotation angle in degrees, e.g. 60 for Σ3 about [111].")] = None,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Mirror bicrystal across (hkl) through a plane of ELEMENT, or a CSL bicrystal (--rotation-axis, --angle): two
    boundaries per cell, their character and charge."""
    from sselab.runs import RunDirectory
    from sselab.studies.fracture import BicrystalBuild

    build = BicrystalBuild(miller=_miller(plane), element=element, layers=layers, min_distance_A=min_distance, neutralize=neutralize,
                           framework=tuple(s.strip() for s in framework.split(",")) if framework else None,
                           rotation_axis=None if rotation_axis is None else _miller(rotation_axis, "--rotation-axis"),
                           rotation_angle_deg=angle, plane_choice=plane_choice)
    run = RunDirectory.open(out, "gb build", {"structure": structure, "plane": plane, "element": element, "plane_choice": plane_choice,
                                              "rotation_axis": rotation_axis, "angle_deg": angle}, overwrite=overwrite)
    result = build.run(structure)
    run = result.write(run)
    r = result.record
    rows = [("atoms", f"{r['atoms']} ({r['formula']})"), ("cell (Å)", " x ".join(f"{v:.2f}" for v in r["cell_A"])),
            ("grain thickness (Å)", f"{r['grain_thickness_A']:.2f}"), ("character", r["character"]),
            ("overlaps removed", str(r["overlaps_removed"] or "none")), ("neutralized", str(r["neutralized"] or "none"))]
    if r.get("mirror_plane_composition"):
        rows.append(("mirror plane holds (±0.1 Å)", " ".join(f"{k}{v}" for k, v in sorted(r["mirror_plane_composition"].items()))))
        rows.append(("share / bulk share (±2 Å)", " ".join(f"{k} {v:.2f}" for k, v in sorted(r["boundary_enrichment"].items()))))
    if r.get("translation_fractional") is not None:
        rows.append(("mirror = translation by", "(" + ", ".join(f"{v:+.4f}" for v in r["translation_fractional"]) + ") of the input cell"))
    title = (f"Σ{r['sigma']} CSL bicrystal, ({plane}) plane, {angle:g}° about [{rotation_axis}]" if "sigma" in r
             else f"Mirror bicrystal ({plane}) through {element}")
    emit(run.summary, json_output, title, rows, [f"structure: {run.summary['structure_file']}"])


@gb_app.command("amorphize")
def gb_amorphize_command(
    structure: StructureArg,
    forcefield: Annotated[str, typer.Option("--forcefield", help="A rigid-ion force field or LAMMPS potential (llzo_fit for LLZO).")],
    center: Annotated[float | None, typer.Option("--center", help="Centre of the slab to melt along --axis, Å (omit with --width to melt the whole cell).")] = None,
    width: Annotated[float | None, typer.Option("--width", help="Width of the slab to melt, Å (seed 003: 15).")] = None,
    axis: Annotated[str, typer.Option("--axis", help="Normal of the slab: x, y or z.")] = "z",
    melt_temperature: Annotated[str, typer.Option("--melt-temperature", help="Melt temperature (seed 003: 3000 K).")] = "3000 K",
    melt_time: Annotated[str, typer.Option("--melt-time", help="Time at the melt temperature (seed 003: 50 ps).")] = "50 ps",
    final_temperature: Annotated[str, typer.Option("--final-temperature", help="Temperature the quench ends at.")] = "300 K",
    quench_rate: Annotated[float, typer.Option("--quench-rate", help="Cooling rate in K/ps (seed 003 prints none).")] = 10.0,
    frame_time: Annotated[str, typer.Option("--frame-time", help="Time between stored frames.")] = "1 ps",
    normal_barostat: Annotated[bool, typer.Option("--normal-barostat", help="Relax the stress normal to the slab (only for a cell equilibrated at the final temperature: the held atoms' stress counts).")] = False,
    lateral_range: Annotated[str | None, typer.Option("--lateral-range", help="'AXIS=LO:HI' in Å: melt only the slab's atoms with LO <= coordinate < HI along AXIS (seed 003's half-amorphous crack model), e.g. 'y=27.5:55'.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the velocities.")] = 1,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted run in --out from its checkpoints.")] = False,
    out: Annotated[Path, typer.Option("--out", help="Run directory.")] = Path("runs/gb-amorphize"),
    json_output: JsonOption = False,
) -> None:
    """Melt a slab around a boundary (the rest held) or the whole cell, quench it, and report density, RDFs and order."""
    from sselab.studies.amorphization import MeltQuench
    from sselab.units import parse_quantity

    lateral_axis, lateral_range_A = "y", None
    if lateral_range is not None:
        lateral_axis, _, span = lateral_range.partition("=")
        try:
            lateral_range_A = tuple(float(v) for v in span.split(":"))
        except ValueError:
            lateral_range_A = ()
        if len(lateral_range_A) != 2:
            raise InputError(f"--lateral-range takes 'AXIS=LO:HI' in Å, e.g. 'y=27.5:55', got {lateral_range!r}")
    study = MeltQuench(
        melt_temperature_K=parse_quantity(melt_temperature, "temperature", "--melt-temperature"),
        melt_ps=parse_quantity(melt_time, "time", "--melt-time") * 1e12,
        final_temperature_K=parse_quantity(final_temperature, "temperature", "--final-temperature"),
        quench_rate_K_per_ps=quench_rate, center_A=center, width_A=width, axis=axis,
        frame_ps=parse_quantity(frame_time, "time", "--frame-time") * 1e12, seed=seed, normal_barostat=normal_barostat,
        lateral_axis=lateral_axis.strip(), lateral_range_A=lateral_range_A)
    total = sum(study.stage_settings(s).steps for s in ("melt", "quench"))
    with progress_bar(total, "melt-quench", not json_output) as advance:
        last = [0]

        def report(done: int, _total: int) -> None:
            advance(steps=done - last[0])
            last[0] = done

        result = study.run(structure, forcefield, out, resume=resume, progress=report)
    s = result.summary
    order = s["crystalline_fraction"]
    density = s["density_g_per_cm3"]
    rows = [("region atoms", str(s["region"]["atoms"])),
            ("density (g/cm^3)", f"{density['before']:.2f} -> "
             + (f"{density['after']:.2f}" if density["after"] is not None else "unchanged (fixed cell)")),
            (f"crystalline fraction ({','.join(s['order_species'])})", f"{order['region_before']:.2f} -> {order['region_after']:.2f}"
             + (f" (held part {order['held_after']:.2f})" if "held_after" in order else "")),
            *((f"{pair} coordination", f"{s['coordination']['before'][pair]:.2f} -> {v:.2f}") for pair, v in s["coordination"]["after"].items())]
    emit(s, json_output, "Melt-quench", rows, [f"structure: {s['structure_file']}", f"run directory: {out}"])


@fracture_app.command("bonds")
def fracture_bonds_command(
    trajectory: Annotated[Path, typer.Argument(help="Trajectory of a pull (trajectory.extxyz of 'sselab fracture tensile').")],
    axis: Annotated[str, typer.Option("--axis", help="Load axis: x, y or z.")] = "z",
    region: Annotated[str | None, typer.Option("--region", help="'CENTRE,WIDTH' in Å along the load axis in the first frame: only bonds of atoms there count.")] = None,
    threshold: Annotated[float, typer.Option("--threshold", help="Fractional bond loss that marks the onset (kept to the end).")] = 0.02,
    crack_axis: Annotated[str | None, typer.Option("--crack-axis", help="Axis the crack runs along: report the cracked length.")] = None,
    every: Annotated[int, typer.Option("--every", help="Read every n-th frame.")] = 1,
    fracture_region: Annotated[float | None, typer.Option("--fracture-region", help="Instead of --region: count bonds in a slab this wide (Å) around the plane where the pull broke (seed 003's fracture region).")] = None,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Li-O, La-O, Zr-O bond counts vs strain (cut-offs at each RDF's first minimum), onset strains and crack opening."""
    from sselab.runs import RunDirectory
    from sselab.studies.fracture import BondAnalysis

    centre_width = None
    if region is not None:
        try:
            centre_width = tuple(float(v) for v in region.split(","))
        except ValueError:
            centre_width = ()
        if len(centre_width) != 2:
            raise InputError(f"--region takes 'CENTRE,WIDTH' in Å, got {region!r}")
    analysis = BondAnalysis(axis=axis, region=centre_width, threshold=threshold, crack_axis=crack_axis, every=every,
                            fracture_width_A=fracture_region)
    run = RunDirectory.open(out, "fracture bonds", {"trajectory": str(trajectory), "axis": axis, "region": region,
                                                    "fracture_region_A": fracture_region}, overwrite=overwrite)
    result = analysis.run(trajectory)
    run = result.write(run)
    values = result.to_dict()
    rows = [*((f"{pair} cut-off (Å)", f"{cut:.2f}") for pair, cut in values["cutoffs_A"].items()),
            *((f"{pair} onset strain", "none" if v is None else f"{100 * v:.1f} %") for pair, v in values["onset_strain"].items()),
            *((f"{pair} steepest loss at", "none" if v is None else f"{100 * v:.1f} %")
              for pair, v in values["steepest_drop_strain"].items()),
            ("widest opening (Å)", f"{values['max_opening_A']:.1f}")]
    emit(run.summary, json_output, f"Bonds along the pull ({trajectory.name})", rows, [f"run directory: {run.path}"])
