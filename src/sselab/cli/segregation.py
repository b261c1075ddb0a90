"""``sselab segregation model | study | table``: the W_ad ≥ 2σ_m criterion of seed 001.

The physics is :mod:`sselab.continuum.segregation` (the model) and :mod:`sselab.studies.segregation`
(the chain and the table); these commands parse, call the library, write the run directory and print.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from sselab.cli.common import DEFAULT_DB, emit, make_engine, parse_int_list, progress_bar
from sselab.cli.options import (
    MATCH_AREA_A2,
    CalculatorOption,
    DbOption,
    DeviceOption,
    FixSubstrateOption,
    FmaxOption,
    JsonOption,
    MatchAreaOption,
    MaxStrainOption,
    MetalArgument,
    MetalMillerOption,
    MetalPlanesOption,
    MinImageOption,
    OutOption,
    OverwriteOption,
    RegistryOption,
    SubstrateArgument,
    SubstrateCutOption,
    SubstrateMillerOption,
    SubstratePlanesOption,
    SubstrateTerminationOption,
)
from sselab.errors import InputError

app = typer.Typer(help="Vacancy segregation at alkali-metal/substrate interfaces (seed 001).", no_args_is_help=True)

#: model option → (interface-file key, quantity kind)
MODEL_OPTIONS = {
    "--surface-energy": ("surface_energy", "surface_energy"),
    "--work-of-adhesion": ("work_of_adhesion", "surface_energy"),
    "--surface-density": ("surface_density", "areal_density"),
}


@app.command("model")
def model(
    surface_energy: Annotated[str | None, typer.Option("--surface-energy", help="Metal surface energy sigma_m, e.g. '0.46 J/m^2'.")] = None,
    work_of_adhesion: Annotated[str | None, typer.Option("--work-of-adhesion", help="W_ad, e.g. '0.6 J/m^2'.")] = None,
    surface_density: Annotated[str | None, typer.Option("--surface-density", help="Metal surface atoms per area rho, e.g. '8.5 1/nm^2'.")] = None,
    params: Annotated[Path | None, typer.Option("--params", help="Interface parameter file (a study writes interface.toml); options override it.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Bond-breaking model (seed 001 eqs. 11-12) and the Young-Dupre contact angle."""
    from sselab.continuum.segregation import segregation_model
    from sselab.params.interfaces import load_interface
    from sselab.units import parse_quantity

    values = load_interface(params) if params else {}
    given = dict(zip(MODEL_OPTIONS, (surface_energy, work_of_adhesion, surface_density), strict=True))
    values.update({MODEL_OPTIONS[flag][0]: parse_quantity(text, MODEL_OPTIONS[flag][1], flag) for flag, text in given.items()
                   if text is not None})
    missing = [flag for flag, (key, _) in MODEL_OPTIONS.items() if key not in values]
    if missing:
        raise InputError(f"missing {', '.join(missing)} (give them or --params FILE)")
    prediction = segregation_model(values["surface_energy"], values["work_of_adhesion"], values["surface_density"])
    summary = prediction.to_dict()
    verdict = ("suppressed: vacancies are pushed into the bulk (W_ad >= 2 sigma_m)" if prediction.segregation_suppressed
               else "vacancies segregate to the interface (W_ad < 2 sigma_m): void risk on stripping")
    emit(summary, json_output, "Bond-breaking model (seed 001)", [
        ("dE bulk-int (eq. 11)", f"{summary['delta_e_bulk_int_eV']:+.4f} eV"),
        ("dE bulk-free (eq. 12)", f"{summary['delta_e_bulk_free_eV']:+.4f} eV"),
        ("contact angle (Young-Dupre)", f"{prediction.contact_angle_deg:.1f} deg"),
        ("W_ad / 2 sigma_m", f"{prediction.adhesion_ratio:.3f}"),
    ], [verdict])


@app.command("study")
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
    max_area: MatchAreaOption = MATCH_AREA_A2,
    substrate_cut: SubstrateCutOption = 0,
    fm_planes: Annotated[str, typer.Option("--fm-planes", help="Slab thicknesses for the Fiorentini-Methfessel fit.")] = "5,7,9,11,13",
    layers: Annotated[str | None, typer.Option("--layers", help="Metal planes for vacancies (default 1 to the middle).")] = None,
    calculator: CalculatorOption = "chgnet",
    db: DbOption = DEFAULT_DB,
    fmax: FmaxOption = 0.02,
    device: DeviceOption = "cpu",
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """The whole seed 001 chain for one pair: sigma_m, W_ad, vacancy profiles, model vs computed."""
    from sselab.runs import RunDirectory
    from sselab.studies.segregation import SegregationStudy, table_markdown

    settings = SegregationStudy(metal_miller=tuple(metal_miller), substrate_miller=tuple(substrate_miller),
                                metal_planes=metal_planes, substrate_planes=substrate_planes, max_strain=max_strain,
                                min_image=min_image, registry=registry, substrate_termination=substrate_termination,
                                fm_planes=parse_int_list(fm_planes, "--fm-planes"),
                                vacancy_planes=parse_int_list(layers, "--layers") if layers else None,
                                fix_substrate_planes=fix_substrate_planes, max_area=max_area, substrate_cut=substrate_cut)
    engine = make_engine(calculator, db, fmax, device)
    run = RunDirectory.open(out, "segregation-study", settings.inputs(metal, substrate, engine), overwrite=overwrite)
    with progress_bar(settings.steps(), f"{metal}/{substrate}", not json_output) as advance:
        result = settings.run(metal, substrate, calculator=engine, progress=advance)
    result.write(run)
    _print_table(run.summary, json_output, table_markdown([result]), run.path)


@app.command("table")
def table(
    runs: Annotated[list[Path], typer.Argument(help="Run directories of `segregation study`.")],
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Combine study runs into a Table S6-like table and the Fig. 4 plot (model line vs computed points)."""
    from sselab.runs import RunDirectory
    from sselab.studies.segregation import SegregationTable

    result = SegregationTable.from_runs(runs)
    run = result.write(RunDirectory.open(out, "segregation-table", {"runs": result.runs}, overwrite=overwrite))
    _print_table(run.summary, json_output, result.markdown, run.path)


def _print_table(summary: dict[str, Any], as_json: bool, markdown: str, path: Path) -> None:
    """``--json``: the summary as one JSON object; otherwise the Markdown table as plain text (wide tables stay readable)."""
    if as_json:
        from sselab.runs import to_jsonable

        print(json.dumps(to_jsonable(summary)))
        return
    print(markdown)
    for note in summary.get("warnings", []):
        print(f"warning: {note}")
    print(f"run directory: {path}")
