"""``sselab expansion``: the chemical expansion coefficient γ (seed 000 eq. 2, Fig. 4) from ``defects sites`` runs.

The library behind it is :class:`sselab.studies.expansion.ChemicalExpansionStudy`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sselab.cli.common import DEFAULT_DB, emit, make_engine, progress_bar
from sselab.cli.options import CalculatorOption, DbOption, FmaxOption, JsonOption, OutOption, OverwriteOption

app = typer.Typer(help="Chemical expansion coefficient gamma of exchange ions in LLZO (seed 000).")


@app.command("expansion")
def expansion_command(
    sites: Annotated[list[Path], typer.Argument(help="'defects sites' run directories (same host and calculator), made with --max-count >= 2.")],
    calculator: CalculatorOption = "chgnet",
    db: DbOption = DEFAULT_DB,
    fmax: FmaxOption = 0.05,
    base_ion: Annotated[str | None, typer.Option("--base-ion", help="Ion file (Na, Ag or a TOML) whose other parameters go into the written ion files.")] = None,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Chemical expansion coefficient gamma (seed 000 eq. 2): fully relaxed cells at 1, 2, ... exchange ions."""
    from sselab.atomistic.properties.expansion import shannon_radius
    from sselab.runs import RunDirectory
    from sselab.studies.exchange_sites import ExchangeSiteResult
    from sselab.studies.expansion import ChemicalExpansionStudy

    study = ChemicalExpansionStudy(fmax=fmax, base_ion=base_ion)
    engine = make_engine(calculator, db, fmax)
    runs = [ExchangeSiteResult.from_directory(directory) for directory in sites]
    run = RunDirectory.open(out, "expansion", {"sites": sites, "db": db, "base_ion": base_ion}, overwrite=overwrite)
    with progress_bar(study.relaxations(runs), "full relaxations", not json_output) as advance:
        result = study.run(runs, calculator=engine, progress=advance)
    run = result.write(run)
    rows = [(ion, f"gamma = {fit.gamma:.4f} (R^2 = {fit.r_squared:.3f}), r = {shannon_radius(ion):.2f} A") for ion, fit in result.fits.items()]
    if result.trend:
        rows.append(("gamma vs Shannon radius", f"slope {result.trend.slope_per_A:.3f} per A, R^2 = {result.trend.r_squared:.3f}"))
    emit(run.summary, json_output, f"Chemical expansion in LLZO ({result.model})", rows,
         [f"ion file for 'ion-exchange design --ion': {path}" for path in run.summary["ion_files"].values()] + [f"run directory: {run.path}"])
