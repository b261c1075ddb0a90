"""``sselab interface build | search | neb``: coherent hetero-interfaces, registry search and hops across them (seed 004).

``build`` matches the two lattices and writes the interface; ``search`` then scans rigid shifts of the film
by Bayesian optimisation and/or the exhaustive grid (same objective, counted calculations), and reports the
work of adhesion (seed 004 eq. 4, negative binds) of the best registry; ``neb`` takes a search run directory
and computes an ion hop across its best interface. The library behind them is :mod:`sselab.studies.interface_search`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sselab.cli.common import DEFAULT_DB, emit, make_engine, progress_bar
from sselab.cli.options import (
    CalculatorOption,
    DbOption,
    FilmLayersOption,
    FilmMaxStrainOption,
    FilmMillerOption,
    GapOption,
    InterfaceFilmArgument,
    InterfaceSubstrateArgument,
    InterfaceSubstrateMillerOption,
    JsonOption,
    MaxAngleTolOption,
    MaxAreaOption,
    MaxLengthTolOption,
    MaxShearOption,
    OutOption,
    OverwriteOption,
    SubstrateLayersOption,
    TerminationPairOption,
    VacuumOption,
)

app = typer.Typer(help="Coherent hetero-interfaces, registry search by Bayesian optimisation, adhesion (seed 004).", no_args_is_help=True)


@app.command("build")
def build_command(
    substrate: InterfaceSubstrateArgument, film: InterfaceFilmArgument, substrate_miller: InterfaceSubstrateMillerOption, film_miller: FilmMillerOption,
    max_length_tol: MaxLengthTolOption = 0.1, max_angle_tol: MaxAngleTolOption = 0.1, max_area: MaxAreaOption = 300.0, max_strain: FilmMaxStrainOption = 0.03, max_shear: MaxShearOption = 2.0,
    substrate_layers: SubstrateLayersOption = 2, film_layers: FilmLayersOption = 2, gap: GapOption = 2.0, vacuum: VacuumOption = 15.0, termination: TerminationPairOption = 0,
    out: OutOption = None, overwrite: OverwriteOption = False, json_output: JsonOption = False,
) -> None:
    """Lattice-matched coherent interface (pymatgen CoherentInterfaceBuilder), smallest area within tolerance."""
    from sselab.runs import RunDirectory
    from sselab.studies.interface_search import InterfaceSpec

    spec = InterfaceSpec(substrate_miller=tuple(substrate_miller), film_miller=tuple(film_miller), max_length_tol=max_length_tol,
                         max_angle_tol=max_angle_tol, max_area=max_area, max_strain=max_strain, max_shear=max_shear,
                         substrate_layers=substrate_layers, film_layers=film_layers, gap=gap, vacuum=vacuum, termination=termination)
    result = spec.build(substrate, film)
    run = result.write(RunDirectory.open(out, "interface build", result.inputs, overwrite=overwrite))
    d = result.description
    emit(run.summary, json_output, f"{substrate}{tuple(substrate_miller)} | {film}{tuple(film_miller)}",
         [("atoms", f"{d['atoms']} ({d['formula']})"), ("area", f"{d['area_A2']:.1f} A^2"),
          ("film strain", ", ".join(f"{100 * s:+.2f} %" for s in d["film_strains"]) + f" (mean |strain| {100 * d['mean_abs_strain']:.2f} %)"),
          ("film shear", f"{d['shear_deg']:.2f} deg"),
          ("matches within tolerance", str(d["matches_within_tolerance"]))], [f"run directory: {run.path}"])


@app.command("matches")
def matches_command(
    substrate: InterfaceSubstrateArgument, film: InterfaceFilmArgument, substrate_miller: InterfaceSubstrateMillerOption, film_miller: FilmMillerOption,
    max_length_tol: MaxLengthTolOption = 0.1, max_angle_tol: MaxAngleTolOption = 0.1, max_area: MaxAreaOption = 300.0, max_strain: FilmMaxStrainOption = 0.03, max_shear: MaxShearOption = 2.0,
    show: Annotated[int, typer.Option("--show", help="Matches to print, least strained first (all go to matches.csv).")] = 10,
    out: OutOption = None, overwrite: OverwriteOption = False, json_output: JsonOption = False,
) -> None:
    """Every lattice match of a facet pair (ZSL), least strained first, with its shear and von Mises strain."""
    from sselab.runs import RunDirectory
    from sselab.studies.interface_search import InterfaceSpec
    from sselab.validation import require_count

    require_count(show, "--show", low=1)
    spec = InterfaceSpec(substrate_miller=tuple(substrate_miller), film_miller=tuple(film_miller), max_length_tol=max_length_tol,
                         max_angle_tol=max_angle_tol, max_area=max_area, max_strain=max_strain, max_shear=max_shear)
    result = spec.matches(substrate, film)
    run = result.write(RunDirectory.open(out, "interface matches", result.inputs, overwrite=overwrite))
    rows = [(f"{row['area_A2']:.1f} A^2", f"strain {100 * row['film_strains'][0]:+.2f} / {100 * row['film_strains'][1]:+.2f} % "
             f"(mean {100 * row['mean_abs_strain']:.2f} %), shear {row['shear_deg']:.2f} deg, von Mises {100 * row['von_mises_strain']:.2f} %"
             f"{'   within limits' if row['within_limits'] else ''}") for row in result.matches[:show]]
    least = result.least_von_mises
    emit(run.summary, json_output, f"{substrate}{tuple(substrate_miller)} | {film}{tuple(film_miller)}: {len(result.matches)} lattice matches", rows,
         [f"within --max-strain and --max-shear: {run.summary['within_limits']}",
          *([f"least von Mises strain: {100 * least['von_mises_strain']:.2f} % at {least['area_A2']:.1f} A^2"] if least else []),
          f"run directory: {run.path}"])


@app.command("search")
def search_command(
    substrate: InterfaceSubstrateArgument, film: InterfaceFilmArgument, substrate_miller: InterfaceSubstrateMillerOption, film_miller: FilmMillerOption,
    method: Annotated[str, typer.Option("--method", help="bo, grid, or both (grid = the reference minimum).")] = "bo",
    objective: Annotated[str, typer.Option("--objective", help="relaxed (seed 004: energy after relaxation) or single-point.")] = "relaxed",
    lateral_step: Annotated[float, typer.Option("--lateral-step", help="Lateral shift step, A.")] = 0.25,
    lateral_max: Annotated[float, typer.Option("--lateral-max", help="Largest lateral shift, A.")] = 3.0,
    vertical_step: Annotated[float, typer.Option("--vertical-step", help="Vertical shift step, A.")] = 0.25,
    vertical_max: Annotated[float, typer.Option("--vertical-max", help="Largest vertical shift, A.")] = 0.75,
    initial: Annotated[int, typer.Option("--initial", help="Random points before the first BO step.")] = 3,
    patience: Annotated[int, typer.Option("--patience", help="Stop BO after this many steps without improvement.")] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the initial random points.")] = 0,
    adhesion: Annotated[bool, typer.Option("--adhesion/--no-adhesion", help="Work of adhesion of the best registry.")] = True,
    max_length_tol: MaxLengthTolOption = 0.1, max_angle_tol: MaxAngleTolOption = 0.1, max_area: MaxAreaOption = 300.0, max_strain: FilmMaxStrainOption = 0.03, max_shear: MaxShearOption = 2.0,
    substrate_layers: SubstrateLayersOption = 2, film_layers: FilmLayersOption = 2, gap: GapOption = 2.0, vacuum: VacuumOption = 15.0, termination: TerminationPairOption = 0,
    calculator: CalculatorOption = "chgnet", db: DbOption = DEFAULT_DB,
    fmax: Annotated[float, typer.Option("--fmax", help="Force tolerance of relaxations, eV/A.")] = 0.05,
    out: OutOption = None, overwrite: OverwriteOption = False, json_output: JsonOption = False,
) -> None:
    """Registry (lateral + vertical shift) search: Bayesian optimisation vs grid, counting calculations (seed 004)."""
    from sselab.runs import RunDirectory
    from sselab.studies.interface_search import InterfaceSpec, RegistrySearch

    search = RegistrySearch(method=method, objective=objective, lateral_step=lateral_step, lateral_max=lateral_max,
                            vertical_step=vertical_step, vertical_max=vertical_max, initial=initial, patience=patience, seed=seed,
                            adhesion=adhesion, fmax=fmax)
    total = search.evaluations_bound()  # also checks the grid before anything is built
    spec = InterfaceSpec(substrate_miller=tuple(substrate_miller), film_miller=tuple(film_miller), max_length_tol=max_length_tol,
                         max_angle_tol=max_angle_tol, max_area=max_area, max_strain=max_strain, max_shear=max_shear,
                         substrate_layers=substrate_layers, film_layers=film_layers, gap=gap, vacuum=vacuum, termination=termination)
    built = spec.build(substrate, film)
    engine = make_engine(calculator, db, fmax)
    run = RunDirectory.open(out, "interface search", {"substrate": substrate, "film": film, "substrate_miller": list(substrate_miller),
                                                        "film_miller": list(film_miller), "method": method, "objective": objective,
                                                        "grid": [lateral_step, lateral_max, vertical_step, vertical_max], "initial": initial,
                                                        "patience": patience, "seed": seed, "db": db}, overwrite=overwrite)
    with progress_bar(total, "registry search", not json_output) as advance:
        result = search.run(built, calculator=engine, progress=advance)
    run = result.write(run)
    d = result.interface
    rows = [("interface", f"{d['atoms']} atoms, {d['area_A2']:.1f} A^2, mean |strain| {100 * d['mean_abs_strain']:.2f} %")]
    for name, found in result.methods.items():
        rows.append((f"{name}: calculations", str(found["evaluations"])))
        rows.append((f"{name}: best shift (a, b, z) A", f"{found['best_shift_A']} -> {found['best_energy_eV']:.4f} eV"))
    if "bo_reached_grid_minimum" in run.summary:
        rows.append(("BO reached the grid minimum", "yes" if run.summary["bo_reached_grid_minimum"] else
                     f"no ({1000 * run.summary['bo_gap_to_grid_minimum_eV']:.1f} meV above)"))
    if result.adhesion is not None:
        rows.append(("W_adhesion (eq. 4, negative binds)", f"{result.w_adhesion_J_per_m2:+.3f} J/m^2"))
    emit(run.summary, json_output, f"Registry search {substrate}{tuple(substrate_miller)} | {film}{tuple(film_miller)} ({engine.spec.model})",
         rows, [f"run directory: {run.path}"])


@app.command("neb")
def neb_command(
    search_run: Annotated[Path, typer.Argument(help="An 'interface search' run directory (its best_interface.extxyz).")],
    species: Annotated[str, typer.Option("--species", help="Hopping species.")] = "Li",
    site_from: Annotated[int | None, typer.Option("--from", help="Atom index that hops (default: closest pair across the interface).")] = None,
    site_to: Annotated[int | None, typer.Option("--to", help="Index of the atom whose site is vacated for the hop.")] = None,
    images: Annotated[int, typer.Option("--images", help="Intermediate images (seed 004: 3).")] = 3,
    neb_fmax: Annotated[float, typer.Option("--neb-fmax", help="Force tolerance of the band, eV/A.")] = 0.05,
    min_image: Annotated[float, typer.Option("--min-image", help="Repeat the interface laterally until vacancy images are this far apart, A.")] = 9.0,
    calculator: CalculatorOption = "chgnet", db: DbOption = DEFAULT_DB,
    fmax: Annotated[float, typer.Option("--fmax", help="Force tolerance of the end-point relaxations, eV/A.")] = 0.05,
    out: OutOption = None, overwrite: OverwriteOption = False, json_output: JsonOption = False,
) -> None:
    """Climbing-image NEB of an ion hopping across the interface into a vacant site (vacancy mechanism, seed 004 Fig. 6)."""
    from sselab.runs import RunDirectory
    from sselab.studies.interface_search import InterfaceHopStudy, RegistrySearchResult

    found = RegistrySearchResult.from_directory(search_run)
    study = InterfaceHopStudy(species=species, site_from=site_from, site_to=site_to, images=images, neb_fmax=neb_fmax,
                              min_image=min_image, fmax=fmax)
    _, hopping, vacated, _ = study.endpoints(found)  # a bad pair fails before any calculation
    engine = make_engine(calculator, db, fmax)
    run = RunDirectory.open(out, "interface neb", {"search_run": search_run, "species": species, "from": hopping, "to": vacated,
                                                    "images": images, "neb_fmax": neb_fmax, "db": db}, overwrite=overwrite)
    with progress_bar(1, "climbing-image NEB", not json_output) as advance:
        result = study.run(found, calculator=engine)
        advance()
    run = result.write(run)
    hop = result.hop
    emit(run.summary, json_output, f"{species} hop across the interface", [
        ("barrier (forward / backward)", f"{hop.barrier_eV:.3f} / {hop.reverse_barrier_eV:.3f} eV"),
        ("reaction energy", f"{hop.reaction_energy_eV:+.3f} eV"), ("converged", str(hop.converged))], [f"run directory: {run.path}"])
