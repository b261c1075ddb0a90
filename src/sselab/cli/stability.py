"""``sselab stability entries | materials-project | hull | reactivity``: convex-hull stability and cathode reactivity (seed 004).

``entries`` relaxes structures (library names or files) with a calculator and writes an entries file
(JSON list of {composition, energy_eV, name}); ``hull`` and ``reactivity`` read such a file — or one made
from the user's own DFT or Materials Project energies — so one file is one consistent energy source.
The library behind them is :mod:`sselab.studies.stability`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sselab.cli.common import DEFAULT_DB, emit, make_engine, progress_bar
from sselab.cli.options import CalculatorOption, DbOption, EntriesOption, JsonOption, OutOption, OverwriteOption
from sselab.errors import InputError

app = typer.Typer(help="Convex-hull stability and cathode-contact reactivity (seed 004).", no_args_is_help=True)


def _check_output(output: Path, overwrite: bool) -> None:
    """Refuse an entries path that cannot be written, or that holds a file and ``--overwrite`` is not given, before any computing."""
    if output.is_dir():
        raise InputError(f"--output {output} is a directory; give a file name")
    if output.exists() and not overwrite:
        raise InputError(f"--output {output} already exists: choose another name or pass --overwrite to replace it")
    parent = next((p for p in output.absolute().parents if p.exists()), None)
    if parent is None or not parent.is_dir():
        raise InputError(f"--output {output}: {parent} is not a directory")


@app.command("entries")
def entries_command(
    structures: Annotated[list[str], typer.Argument(help="Library names, structure files, or molecule:O2 (a molecule in a 15 A box).")],
    output: Annotated[Path, typer.Option("--output", help="Entries file to write (JSON).")],
    calculator: CalculatorOption = "chgnet",
    db: DbOption = DEFAULT_DB,
    fmax: Annotated[float, typer.Option("--fmax", help="Force tolerance, eV/A.")] = 0.05,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Relax each structure (cell and positions; molecules at fixed box) and write its total energy as a hull entry."""
    from sselab.runs import RunDirectory
    from sselab.studies.stability import StabilityEntries, entry_structure

    _check_output(output, overwrite)
    settings = StabilityEntries(fmax=fmax)
    engine = make_engine(calculator, db, fmax)
    for name in structures:  # unreadable names fail before any relaxation
        engine.spec.check_elements(set(entry_structure(name)[0].get_chemical_symbols()), name)
    run = RunDirectory.open(out, "stability entries", {"structures": structures, "db": db}, overwrite=overwrite)
    with progress_bar(len(structures), "relaxing", not json_output) as advance:
        result = settings.run(structures, calculator=engine, progress=advance)
    result.write_entries(output, overwrite=overwrite)
    run = result.write(run)
    emit(run.summary, json_output, f"Hull entries ({engine.spec.model})",
         [(r["name"], f"{r['composition']}: {r['energy_eV']:.4f} eV") for r in result.entries],
         [f"entries file: {output}", f"run directory: {run.path}"])


@app.command("materials-project")
def materials_project_command(
    chemical_system: Annotated[str, typer.Argument(help="Chemical system, e.g. Li-Zr-O-N.")],
    output: Annotated[Path, typer.Option("--output", help="Entries file to write (JSON).")],
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing --output file.")] = False,
    json_output: JsonOption = False,
) -> None:
    """Entries of a chemical system from the Materials Project (needs mp-api, MP_API_KEY and network; MP2020-corrected energies)."""
    from sselab.params.entries import write_entries
    from sselab.studies.stability import materials_project_records

    _check_output(output, overwrite)
    records = materials_project_records(chemical_system)
    write_entries(output, records, overwrite=overwrite)
    emit({"entries_file": str(output), "entries": len(records), "source": "Materials Project (MP2020-corrected energies)"}, json_output,
         f"Materials Project entries, {chemical_system}", [("entries", str(len(records)))], [f"entries file: {output}"])


@app.command("hull")
def hull_command(
    entries: EntriesOption,
    target: Annotated[list[str] | None, typer.Option("--target", help="Extra composition to test, FORMULA=ENERGY_eV (total energy of FORMULA).")] = None,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Energy above the convex hull, E_d (seed 004 eq. 1), of every entry."""
    from sselab.runs import RunDirectory
    from sselab.studies.stability import energy_above_hull

    targets = []
    for item in target or []:
        formula, _, energy = item.partition("=")
        try:
            targets.append((formula, float(energy)))
        except ValueError:
            raise InputError(f"--target {item!r}: expected FORMULA=ENERGY_eV") from None
    result = energy_above_hull(entries, targets)
    result.inputs = {"entries": entries, "target": target or []}
    run = result.write(RunDirectory.open(out, "stability hull", result.inputs, overwrite=overwrite))
    emit(run.summary, json_output, "Energy above the convex hull",
         [(f"{r['formula']} ({r['name']})", f"{1000 * r['e_above_hull_eV_per_atom']:.1f} meV/atom"
           + ("  BELOW the hull: a new ground state" if "below_hull" in r else "")) for r in result.rows],
         [f"run directory: {run.path}"])


@app.command("reactivity")
def reactivity_command(
    entries: EntriesOption,
    cathode: Annotated[list[str], typer.Option("--cathode", help="Cathode composition (repeat), e.g. LiCoO2.")],
    coating: Annotated[list[str], typer.Option("--coating", help="Coating / electrolyte composition (repeat), e.g. Li6Zr2O7.")],
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Minimum mutual reaction energy (seed 004 eq. 2) for every cathode x coating pair: Fig. 2b."""
    from sselab.runs import RunDirectory
    from sselab.studies.stability import cathode_reactivity

    result = cathode_reactivity(entries, cathode, coating)
    run = result.write(RunDirectory.open(out, "stability reactivity", result.inputs, overwrite=overwrite))
    emit(run.summary, json_output, "Minimum mutual reaction energy (eV/atom)",
         [(f"{r['cathode']} | {r['coating']}", f"{r['min_reaction_energy_eV_per_atom']:+.3f}  ({r['reaction']})") for r in result.pairs],
         [f"run directory: {run.path}"])
