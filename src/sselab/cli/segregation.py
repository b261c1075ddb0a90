"""``sselab segregation model | study | table``: the W_ad ≥ 2σ_m criterion of seed 001."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Annotated

import typer
from ase.io import write

from sselab.atomistic.build.structures import load_structure
from sselab.cli.common import DEFAULT_DB, emit, make_engine, parse_int_list, progress_bar
from sselab.cli.options import (
    CalculatorOption,
    DbOption,
    FixSubstrateOption,
    FmaxOption,
    JsonOption,
    MaxStrainOption,
    MetalArgument,
    MetalMillerOption,
    MetalPlanesOption,
    MinImageOption,
    OutOption,
    RegistryOption,
    SubstrateArgument,
    SubstrateMillerOption,
    SubstratePlanesOption,
    SubstrateTerminationOption,
)
from sselab.constants import ELECTRON_VOLT
from sselab.continuum.segregation import predict
from sselab.errors import SSELabError
from sselab.plots import segregation as segregation_plots
from sselab.runs import RunDirectory, to_jsonable
from sselab.studies.segregation import StudySettings, run_study, study_steps
from sselab.units import parse_quantity

app = typer.Typer(help="Vacancy segregation at alkali-metal/substrate interfaces (seed 001).", no_args_is_help=True)


PARAMETER_KEYS = {"surface_energy": "surface_energy", "work_of_adhesion": "surface_energy", "surface_density": "areal_density"}


def read_interface_parameters(path: Path) -> dict[str, str]:
    """An interface parameter file (TOML): surface_energy, work_of_adhesion, surface_density (+ source, note)."""
    try:
        table = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SSELabError(f"cannot read interface parameters {path}: {error}") from None
    unknown = set(table) - set(PARAMETER_KEYS) - {"source", "note", "metal", "substrate", "calculator"}
    if unknown:
        raise SSELabError(f"{path}: unknown keys {sorted(unknown)}")
    return {key: table[key] for key in PARAMETER_KEYS if key in table}


def interface_parameters_toml(summary: dict, calculator: str) -> str:
    """The study's hand-off to the continuum model, in a file a user could also write by hand."""
    return (
        f"# seed 001 interface parameters from `sselab segregation study` ({calculator})\n"
        f'metal = "{summary["metal"]}"\nsubstrate = "{summary["substrate"]}"\ncalculator = "{calculator}"\n'
        f'surface_energy = "{summary["surface_energy_J_per_m2"]:.6g} J/m^2"  # sigma_m of the metal as strained in the interface\n'
        f'work_of_adhesion = "{summary["work_of_adhesion_J_per_m2"]:.6g} J/m^2"\n'
        f'surface_density = "{summary["surface_density_per_nm2"]:.6g} 1/nm^2"\n'
    )


@app.command()
def model(
    surface_energy: Annotated[str | None, typer.Option("--surface-energy", help="Metal surface energy sigma_m, e.g. '0.46 J/m^2'.")] = None,
    work_of_adhesion: Annotated[str | None, typer.Option("--work-of-adhesion", help="W_ad, e.g. '0.6 J/m^2'.")] = None,
    surface_density: Annotated[str | None, typer.Option("--surface-density", help="Metal surface atoms per area rho, e.g. '8.5 1/nm^2'.")] = None,
    params: Annotated[Path | None, typer.Option("--params", help="Interface parameter file (a study writes interface.toml); options override it.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Bond-breaking model (seed 001 eqs. 11-12) and the Young-Dupre contact angle."""
    values = read_interface_parameters(params) if params else {}
    given = {"surface_energy": surface_energy, "work_of_adhesion": work_of_adhesion, "surface_density": surface_density}
    values.update({key: value for key, value in given.items() if value is not None})
    missing = [f"--{key.replace('_', '-')}" for key in PARAMETER_KEYS if key not in values]
    if missing:
        raise SSELabError(f"missing {', '.join(missing)} (give them or --params FILE)")
    prediction = predict(*(parse_quantity(values[key], kind, f"--{key.replace('_', '-')}") for key, kind in PARAMETER_KEYS.items()))
    if not 1e17 <= prediction.surface_density <= 1e20:
        raise SSELabError(f"--surface-density {prediction.surface_density:.3g} 1/m^2 is outside 0.1-100 atoms/nm^2; "
                          "give units, e.g. '8.5 1/nm^2'")
    summary = {
        "surface_energy_J_per_m2": prediction.surface_energy,
        "work_of_adhesion_J_per_m2": prediction.work_of_adhesion,
        "surface_density_per_m2": prediction.surface_density,
        "delta_e_bulk_int_eV": prediction.delta_e_bulk_int / ELECTRON_VOLT,
        "delta_e_bulk_free_eV": prediction.delta_e_bulk_free / ELECTRON_VOLT,
        "contact_angle_deg": prediction.contact_angle_deg,
        "adhesion_ratio": prediction.adhesion_ratio,
        "segregation_suppressed": prediction.segregation_suppressed,
    }
    verdict = ("suppressed: vacancies are pushed into the bulk (W_ad >= 2 sigma_m)" if prediction.segregation_suppressed
               else "vacancies segregate to the interface (W_ad < 2 sigma_m): void risk on stripping")
    emit(summary, json_output, "Bond-breaking model (seed 001)", [
        ("dE bulk-int (eq. 11)", f"{summary['delta_e_bulk_int_eV']:+.4f} eV"),
        ("dE bulk-free (eq. 12)", f"{summary['delta_e_bulk_free_eV']:+.4f} eV"),
        ("contact angle (Young-Dupre)", f"{prediction.contact_angle_deg:.1f} deg"),
        ("W_ad / 2 sigma_m", f"{prediction.adhesion_ratio:.3f}"),
    ], [verdict])


@app.command()
def study(
    metal: MetalArgument,
    substrate: SubstrateArgument,
    metal_miller: MetalMillerOption = (1, 0, 0),
    substrate_miller: SubstrateMillerOption = (1, 0, 0),
    metal_planes: MetalPlanesOption = 11,
    substrate_planes: SubstratePlanesOption = 4,
    max_strain: MaxStrainOption = 0.08,
    min_image: MinImageOption = 9.0,
    registry: RegistryOption = None,
    substrate_termination: SubstrateTerminationOption = None,
    fix_substrate_planes: FixSubstrateOption = 0,
    fm_planes: Annotated[str, typer.Option("--fm-planes", help="Slab thicknesses for the Fiorentini-Methfessel fit.")] = "5,7,9,11,13",
    layers: Annotated[str | None, typer.Option("--layers", help="Metal planes for vacancies (default 1 to the middle).")] = None,
    calculator: CalculatorOption = "chgnet",
    db: DbOption = DEFAULT_DB,
    fmax: FmaxOption = 0.02,
    out: OutOption = None,
    json_output: JsonOption = False,
) -> None:
    """The whole seed 001 chain for one pair: sigma_m, W_ad, vacancy profiles, model vs computed."""
    settings = StudySettings(tuple(metal_miller), tuple(substrate_miller), metal_planes, substrate_planes, max_strain, min_image,
                             registry, substrate_termination, parse_int_list(fm_planes, "--fm-planes"),
                             parse_int_list(layers, "--layers") if layers else None, fix_substrate_planes)
    engine = make_engine(calculator, db, fmax)
    metal_bulk, substrate_bulk = load_structure(metal), load_structure(substrate)
    run = RunDirectory.open(out, "segregation-study", {"metal": metal, "substrate": substrate, **vars(settings), "db": db,
                                                         "calculator": calculator, "fmax_eV_per_A": fmax})
    with progress_bar(study_steps(settings), f"{metal}/{substrate}", not json_output) as advance:
        result = run_study(engine, metal, metal_bulk, substrate, substrate_bulk, settings, advance)
    summary = {**result.summary(), "calculator": engine.spec.name, "engine": engine.record()}
    write(run.path / "interface_relaxed.extxyz", result.relaxed_interface)
    run.save_figure("vacancy_profile", segregation_plots.vacancy_profile_figure(
        summary["vacancy_energies_interface_eV"], f"{metal}/{substrate} ({engine.spec.model})",
        reference=summary["vacancy_energies_free_eV"], reference_label="same metal slab, free surface (relaxed vacancy)",
        sites={mode: [(s.plane, s.formation_energy_eV) for s in profile.sites] for mode, profile in result.interface_profiles.items()}))
    run.save_figure("fig4_point", segregation_plots.segregation_map([summary]))
    run.write_text("table.md", table_markdown([summary]))
    run.write_text("interface.toml", interface_parameters_toml(summary, engine.spec.name))
    run.finish(summary)
    _print_table(summary, json_output, table_markdown([summary]), run.path)


def _miller(indices) -> str:
    return "(" + "".join(str(i) for i in indices) + ")"


def system_label(s: dict) -> str:
    """li-bcc(100)/li3ocl(100) O-term, anion: what the row is."""
    termination = f" {s['substrate_termination']}-term" if s.get("substrate_termination") else ""
    return (f"{s['metal']}{_miller(s['metal_miller'])}/{s['substrate']}{_miller(s['substrate_miller'])}{termination}, "
            f"{s['registry']}")


COLUMNS = (
    ("system", system_label),
    ("calculator", lambda s: s.get("calculator", "")),
    ("strain %", lambda s: f"{100 * s['in_plane_strain'][0]:+.2f}"),
    ("σ_m J/m²", lambda s: f"{s['surface_energy_J_per_m2']:.3f}"),
    ("σ_m eV/atom", lambda s: f"{s['surface_energy_eV_per_atom']:.3f}"),
    ("W_ad J/m²", lambda s: f"{s['work_of_adhesion_J_per_m2']:.3f}"),
    ("W_ad eV/atom", lambda s: f"{s['work_of_adhesion_eV_per_atom']:.3f}"),
    ("ΔE model eV", lambda s: f"{s['delta_e_bulk_int_model_eV']:+.3f}"),
    ("ΔE unrelaxed eV", lambda s: f"{s['delta_e_bulk_int_unrelaxed_eV']:+.3f}"),
    ("ΔE relaxed eV", lambda s: f"{s['delta_e_bulk_int_eV']:+.3f}"),
    ("θ °", lambda s: f"{s['contact_angle_deg']:.0f}"),
    ("suppressed (model / computed)", lambda s: f"{s['segregation_suppressed']} / {s['computed_segregation_suppressed']}"),
)


def table_markdown(summaries: list[dict]) -> str:
    """Table S6-like rows: σ_m, W_ad, ΔE_bulk-int from the model and computed."""
    lines = ["| " + " | ".join(name for name, _ in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(s) for _, cell in COLUMNS) + " |" for s in summaries]
    return "\n".join(lines) + "\n"


@app.command()
def table(
    runs: Annotated[list[Path], typer.Argument(help="Run directories of `segregation study`.")],
    out: OutOption = None,
    json_output: JsonOption = False,
) -> None:
    """Combine study runs into a Table S6-like table and the Fig. 4 plot (model line vs computed points)."""
    summaries = []
    for path in runs:
        record = path / "run.json"
        try:
            data = json.loads(record.read_text())
        except (OSError, json.JSONDecodeError):
            raise SSELabError(f"{path} is not a run directory with a readable run.json") from None
        if not isinstance(data, dict) or data.get("command") != "segregation-study":
            raise SSELabError(f"{path} does not hold a segregation study run")
        missing = {column for column in ("metal", "substrate", "surface_energy_J_per_m2", "work_of_adhesion_J_per_m2",
                                         "delta_e_bulk_int_eV", "sigma_minus_half_w_eV_per_atom")
                   if column not in (data.get("summary") or {})}
        if missing:
            raise SSELabError(f"{path}/run.json lacks {', '.join(sorted(missing))}: rerun the study")
        summaries.append(data["summary"])
    run = RunDirectory.open(out, "segregation-table", {"runs": [str(p) for p in runs]})
    run.save_figure("fig4", segregation_plots.segregation_map(summaries))
    markdown = table_markdown(summaries)
    run.write_text("table.md", markdown)
    summary = {"rows": summaries}
    run.finish({"n_rows": len(summaries)})
    _print_table(summary, json_output, markdown, run.path)


def _print_table(summary: dict, as_json: bool, markdown: str, path: Path) -> None:
    """``--json``: the summary as one JSON object; otherwise the Markdown table as plain text (wide tables stay readable)."""
    if as_json:
        print(json.dumps(to_jsonable(summary)))
        return
    print(markdown)
    for note in summary.get("warnings", []):
        print(f"warning: {note}")
    print(f"run directory: {path}")
