"""``sselab stability entries | hull | reactivity``: convex-hull stability and cathode reactivity (seed 004).

``entries`` relaxes structures (library names or files) with a calculator and writes an entries file
(JSON list of {composition, energy_eV, name}); ``hull`` and ``reactivity`` read such a file — or one made
from the user's own DFT or Materials Project energies — so one file is one consistent energy source.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from ase.io import write

from sselab.atomistic.build.structures import load_structure
from sselab.atomistic.properties.stability import (
    entries_from_records,
    hull_energy_above,
    hull_rows,
    phase_diagram,
    reactivity_matrix,
)
from sselab.cli.common import DEFAULT_DB, emit, make_engine, progress_bar, read_json_file
from sselab.cli.options import CalculatorOption, DbOption, EntriesOption, JsonOption, OutOption
from sselab.errors import SSELabError
from sselab.plots import stability as stability_plots
from sselab.runs import RunDirectory

app = typer.Typer(help="Convex-hull stability and cathode-contact reactivity (seed 004).", no_args_is_help=True)



def read_entries(path: Path) -> list:
    return entries_from_records(read_json_file(path, "entries file"), str(path))


MOLECULE_BOX_A = 15.0


def _check_output(output: Path) -> None:
    """Refuse an entries path that cannot be written, before any computing."""
    if output.is_dir():
        raise SSELabError(f"--output {output} is a directory; give a file name")
    parent = next((p for p in output.absolute().parents if p.exists()), None)
    if parent is None or not parent.is_dir():
        raise SSELabError(f"--output {output}: {parent} is not a directory")


def _write_entries(output: Path, records: list[dict]) -> None:
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(records, indent=1) + "\n")
    except OSError as error:
        raise SSELabError(f"cannot write entries file {output}: {error.strerror}") from None


def _structure_or_molecule(name: str):
    """A library name / file, or ``molecule:O2`` — an ASE molecule in a periodic 15 Å box (relaxed at fixed cell)."""
    if not name.startswith("molecule:"):
        return load_structure(name), True
    from ase.build import molecule

    try:
        atoms = molecule(name.removeprefix("molecule:"))
    except KeyError:
        raise SSELabError(f"{name}: ASE knows no such molecule") from None
    atoms.set_cell([MOLECULE_BOX_A] * 3)
    atoms.center()
    atoms.pbc = True
    return atoms, False


def entries_command(
    structures: Annotated[list[str], typer.Argument(help="Library names, structure files, or molecule:O2 (a molecule in a 15 A box).")],
    output: Annotated[Path, typer.Option("--output", help="Entries file to write (JSON).")],
    calculator: CalculatorOption = "chgnet",
    db: DbOption = DEFAULT_DB,
    fmax: Annotated[float, typer.Option("--fmax", help="Force tolerance, eV/A.")] = 0.05,
    out: OutOption = None,
    json_output: JsonOption = False,
) -> None:
    """Relax each structure (cell and positions; molecules at fixed box) and write its total energy as a hull entry."""
    _check_output(output)
    engine = make_engine(calculator, db, fmax)
    loaded = [_structure_or_molecule(s) for s in structures]
    atoms_list = [atoms for atoms, _ in loaded]
    for name, atoms in zip(structures, atoms_list):
        engine.spec.check_elements(set(atoms.get_chemical_symbols()), name)
    run = RunDirectory.open(out, "stability entries", {"structures": structures, "db": db})
    records = []
    with progress_bar(len(structures), "relaxing", not json_output) as advance:
        for name, (atoms, bulk) in zip(structures, loaded):
            relaxed = engine.relax(atoms, cell=bulk)
            label = Path(name.replace("molecule:", "molecule-")).stem
            write(run.path / f"{label}_relaxed.extxyz", relaxed)
            records.append({"composition": relaxed.get_chemical_formula(mode="metal"), "energy_eV": float(relaxed.get_potential_energy()),
                            "name": label, "converged": bool(relaxed.info.get("converged", True))})
            advance()
    _write_entries(output, records)
    summary = {"entries_file": str(output), "calculator": engine.spec.identity(), "entries": records, "engine": engine.record()}
    run.finish(summary)
    emit(summary, json_output, f"Hull entries ({engine.spec.model})",
         [(r["name"], f"{r['composition']}: {r['energy_eV']:.4f} eV") for r in records], [f"entries file: {output}", f"run directory: {run.path}"])


def materials_project_command(
    chemical_system: Annotated[str, typer.Argument(help="Chemical system, e.g. Li-Zr-O-N.")],
    output: Annotated[Path, typer.Option("--output", help="Entries file to write (JSON).")],
    json_output: JsonOption = False,
) -> None:
    """Entries of a chemical system from the Materials Project (needs mp-api, MP_API_KEY and network; MP2020-corrected energies)."""
    import os

    _check_output(output)
    key = os.environ.get("MP_API_KEY")
    if not key:
        raise SSELabError("set MP_API_KEY to your Materials Project API key (https://materialsproject.org/api)")
    try:
        from mp_api.client import MPRester
    except ImportError:
        raise SSELabError("the Materials Project client is not installed: pip install mp-api") from None
    try:
        with MPRester(key) as rester:
            entries = rester.get_entries_in_chemsys(chemical_system)
    except Exception as error:  # network and API errors come in many types
        raise SSELabError(f"Materials Project query for {chemical_system} failed: {error}") from None
    records = [{"composition": e.composition.formula.replace(" ", ""), "energy_eV": float(e.energy), "name": str(e.entry_id)} for e in entries]
    _write_entries(output, records)
    emit({"entries_file": str(output), "entries": len(records), "source": "Materials Project (MP2020-corrected energies)"}, json_output,
         f"Materials Project entries, {chemical_system}", [("entries", str(len(records)))], [f"entries file: {output}"])


def hull_command(
    entries: EntriesOption,
    target: Annotated[list[str] | None, typer.Option("--target", help="Extra composition to test, FORMULA=ENERGY_eV (total energy of FORMULA).")] = None,
    out: OutOption = None,
    json_output: JsonOption = False,
) -> None:
    """Energy above the convex hull, E_d (seed 004 eq. 1), of every entry."""
    records = read_entries(entries)
    diagram = phase_diagram(records)
    rows: list[dict[str, Any]] = [{"formula": r.formula, "name": r.name, "e_above_hull_eV_per_atom": r.e_above_hull_eV_per_atom,
                                   "energy_per_atom_eV": r.energy_per_atom_eV, "decomposition": list(r.decomposition)}
                                  for r in hull_rows(diagram, records)]
    for item in target or []:
        formula, _, energy = item.partition("=")
        try:
            value = float(energy)
        except ValueError:
            raise SSELabError(f"--target {item!r}: expected FORMULA=ENERGY_eV") from None
        distance = hull_energy_above(diagram, formula, value)
        rows.append({"formula": formula.strip(), "name": "target", "e_above_hull_eV_per_atom": distance,
                     **({"below_hull": "lies below the hull: a new ground state; add it to the entries and rebuild"} if distance < 0 else {})})
    run = RunDirectory.open(out, "stability hull", {"entries": entries, "target": target or []})
    summary = {"entries_file": str(entries), "elements": sorted(str(e) for e in diagram.elements), "rows": rows,
               "stable": sorted({r["formula"] for r in rows if r["e_above_hull_eV_per_atom"] == 0.0})}
    run.finish(summary)
    emit(summary, json_output, "Energy above the convex hull",
         [(f"{r['formula']} ({r['name']})", f"{1000 * r['e_above_hull_eV_per_atom']:.1f} meV/atom"
           + ("  BELOW the hull: a new ground state" if "below_hull" in r else "")) for r in rows],
         [f"run directory: {run.path}"])


def reactivity_command(
    entries: EntriesOption,
    cathode: Annotated[list[str], typer.Option("--cathode", help="Cathode composition (repeat), e.g. LiCoO2.")],
    coating: Annotated[list[str], typer.Option("--coating", help="Coating / electrolyte composition (repeat), e.g. Li6Zr2O7.")],
    out: OutOption = None,
    json_output: JsonOption = False,
) -> None:
    """Minimum mutual reaction energy (seed 004 eq. 2) for every cathode x coating pair: Fig. 2b."""
    records = read_entries(entries)
    diagram = phase_diagram(records)
    matrix, pairs = reactivity_matrix(diagram, cathode, coating)
    run = RunDirectory.open(out, "stability reactivity", {"entries": entries, "cathodes": cathode, "coatings": coating})
    summary = {"entries_file": str(entries), "cathodes": cathode, "coatings": coating,
               "min_reaction_energy_eV_per_atom": matrix.tolist(),
               "rows": [{"cathode": p.phase_a, "coating": p.phase_b, "min_reaction_energy_eV_per_atom": p.min_reaction_energy_eV_per_atom,
                         "cathode_fraction": p.mixing_ratio, "reaction": p.reaction,
                         "cathode_e_above_hull_eV_per_atom": p.e_above_hull_a_eV_per_atom,
                         "coating_e_above_hull_eV_per_atom": p.e_above_hull_b_eV_per_atom} for p in pairs]}
    run.save_figure("reactivity", stability_plots.reactivity_heatmap(matrix, cathode, coating))
    run.finish(summary)
    emit(summary, json_output, "Minimum mutual reaction energy (eV/atom)",
         [(f"{r['cathode']} | {r['coating']}", f"{r['min_reaction_energy_eV_per_atom']:+.3f}  ({r['reaction']})") for r in summary["rows"]],
         [f"run directory: {run.path}"])
