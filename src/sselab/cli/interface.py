"""``sselab interface build | search | neb``: coherent hetero-interfaces, registry search and hops across them (seed 004).

``build`` matches the two lattices and writes the interface; ``search`` then scans rigid shifts of the film
by Bayesian optimisation and/or the exhaustive grid (same objective, counted calculations), and reports the
work of adhesion (seed 004 eq. 4, negative binds) of the best registry; ``neb`` takes a search run directory
and computes an ion hop across its best interface.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from ase.io import read, write

from sselab.atomistic.build.heterointerface import MatchSettings, build_coherent_interface
from sselab.atomistic.build.interfaces import lateral_repeats
from sselab.atomistic.build.structures import load_structure
from sselab.atomistic.properties.adhesion import adhesion_energy
from sselab.atomistic.properties.neb import vacancy_hop
from sselab.atomistic.properties.registry import ShiftGrid, bayesian_search, grid_search
from sselab.cli.common import DEFAULT_DB, emit, make_engine, progress_bar, read_json_file
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
    SubstrateLayersOption,
    TerminationPairOption,
    VacuumOption,
)
from sselab.errors import SSELabError
from sselab.plots import interface as interface_plots
from sselab.plots import segregation as segregation_plots
from sselab.runs import RunDirectory

app = typer.Typer(help="Coherent hetero-interfaces, registry search by Bayesian optimisation, adhesion (seed 004).", no_args_is_help=True)



def _build(substrate: str, film: str, substrate_miller, film_miller, max_length_tol: float, max_angle_tol: float, max_area: float,
           max_strain: float, max_shear: float, substrate_layers: int, film_layers: int, gap: float, vacuum: float, termination: int):
    settings = MatchSettings(max_length_tol, max_angle_tol, max_area, max_strain, max_shear)
    return build_coherent_interface(load_structure(substrate), load_structure(film), substrate_miller, film_miller, settings,
                                    substrate_layers, film_layers, gap, vacuum, termination)


def _description(model) -> dict[str, Any]:
    atoms = model.atoms()
    return {"substrate_miller": list(model.substrate_miller), "film_miller": list(model.film_miller), "termination": list(model.termination),
            "area_A2": model.area_A2, "film_strains": list(model.film_strains), "mean_abs_strain": model.mean_abs_strain,
            "shear_deg": model.angle_mismatch_deg, "tolerance_reading": "ZSL length/angle tolerances are relative (pymatgen)",
            "matches_within_tolerance": model.matches_found, "atoms": len(atoms), "formula": atoms.get_chemical_formula(), "gap_A": model.base_gap}




def build_command(
    substrate: InterfaceSubstrateArgument, film: InterfaceFilmArgument, substrate_miller: InterfaceSubstrateMillerOption, film_miller: FilmMillerOption,
    max_length_tol: MaxLengthTolOption = 0.1, max_angle_tol: MaxAngleTolOption = 0.1, max_area: MaxAreaOption = 300.0, max_strain: FilmMaxStrainOption = 0.03, max_shear: MaxShearOption = 2.0,
    substrate_layers: SubstrateLayersOption = 2, film_layers: FilmLayersOption = 2, gap: GapOption = 2.0, vacuum: VacuumOption = 15.0, termination: TerminationPairOption = 0,
    out: OutOption = None, json_output: JsonOption = False,
) -> None:
    """Lattice-matched coherent interface (pymatgen CoherentInterfaceBuilder), smallest area within tolerance."""
    model = _build(substrate, film, substrate_miller, film_miller, max_length_tol, max_angle_tol, max_area, max_strain, max_shear,
                   substrate_layers, film_layers, gap, vacuum, termination)
    run = RunDirectory.open(out, "interface build", {"substrate": substrate, "film": film, "substrate_miller": list(substrate_miller),
                                                       "film_miller": list(film_miller), "max_length_tol": max_length_tol,
                                                       "max_angle_tol": max_angle_tol, "max_area": max_area, "max_strain": max_strain,
                                                       "max_shear_deg": max_shear,
                                                       "substrate_layers": substrate_layers, "film_layers": film_layers, "gap": gap,
                                                       "vacuum": vacuum, "termination": termination})
    write(run.path / "interface.extxyz", model.atoms())
    summary = _description(model)
    run.finish(summary)
    emit(summary, json_output, f"{substrate}{tuple(substrate_miller)} | {film}{tuple(film_miller)}",
         [("atoms", f"{summary['atoms']} ({summary['formula']})"), ("area", f"{model.area_A2:.1f} A^2"),
          ("film strain", ", ".join(f"{100 * s:+.2f} %" for s in model.film_strains) + f" (mean |strain| {100 * model.mean_abs_strain:.2f} %)"),
          ("film shear", f"{model.angle_mismatch_deg:.2f} deg"),
          ("matches within tolerance", str(model.matches_found))], [f"run directory: {run.path}"])


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
    out: OutOption = None, json_output: JsonOption = False,
) -> None:
    """Registry (lateral + vertical shift) search: Bayesian optimisation vs grid, counting calculations (seed 004)."""
    if method not in ("bo", "grid", "both"):
        raise SSELabError(f"--method must be bo, grid or both, got {method!r}")
    if objective not in ("relaxed", "single-point"):
        raise SSELabError(f"--objective must be relaxed or single-point, got {objective!r}")
    points = ShiftGrid(lateral_step, lateral_max, vertical_step, vertical_max).points()
    model = _build(substrate, film, substrate_miller, film_miller, max_length_tol, max_angle_tol, max_area, max_strain, max_shear,
                   substrate_layers, film_layers, gap, vacuum, termination)
    engine = make_engine(calculator, db, fmax)
    engine.spec.check_elements(set(model.atoms().get_chemical_symbols()), "interface")
    run = RunDirectory.open(out, "interface search", {"substrate": substrate, "film": film, "substrate_miller": list(substrate_miller),
                                                        "film_miller": list(film_miller), "method": method, "objective": objective,
                                                        "grid": [lateral_step, lateral_max, vertical_step, vertical_max], "initial": initial,
                                                        "patience": patience, "seed": seed, "db": db})
    structures: dict[int, Any] = {}
    calls = {"count": 0}

    def evaluate(index: int) -> float:
        if index not in structures:
            atoms = model.shifted(points[index])
            structures[index] = engine.relax(atoms, cell=False) if objective == "relaxed" else engine.energy(atoms)
            calls["count"] += 1
        return float(structures[index].get_potential_energy())

    results = {}
    with progress_bar(len(points) * (2 if method == "both" else 1), "registry search", not json_output) as advance:
        if method in ("bo", "both"):
            results["bo"] = bayesian_search(evaluate, points, initial, patience, seed=seed, progress=advance)
        if method in ("grid", "both"):
            results["grid"] = grid_search(evaluate, len(points), progress=advance)
    best_method = "grid" if "grid" in results else "bo"
    best = results[best_method]
    best_atoms = structures[best.best_index]
    write(run.path / "best_interface.extxyz", best_atoms)
    write(run.path / "interface.extxyz", model.atoms())
    summary: dict[str, Any] = {"interface": _description(model), "objective": objective, "grid_points": len(points),
                               "film_indices": [int(i) for i in model.interface.film_indices],
                               "calculator": engine.spec.identity(), "distinct_structures_evaluated": calls["count"]}
    periods = model.atoms().cell.lengths()[:2]
    if lateral_max >= periods.min():
        summary["warning"] = (f"the lateral range ({lateral_max:g} A) reaches an in-plane period ({periods.min():.2f} A): "
                              "equivalent registries appear more than once in the grid")
    for name, result in results.items():
        summary[name] = {"evaluations": result.evaluations, "best_shift_A": points[result.best_index].tolist(),
                         "best_energy_eV": result.best_value, "best_so_far_eV": result.best_so_far().tolist(),
                         "evaluated_shifts_A": points[list(result.evaluated)].tolist()}
    if "bo" in results and "grid" in results:
        summary["bo_reached_grid_minimum"] = bool(results["bo"].best_value <= results["grid"].best_value + 1e-6)
        summary["bo_gap_to_grid_minimum_eV"] = results["bo"].best_value - results["grid"].best_value
        summary["calculation_ratio_bo_to_grid"] = results["bo"].evaluations / results["grid"].evaluations
    if adhesion:
        w = adhesion_energy(engine, model, best_atoms, relax=objective == "relaxed")
        summary["w_adhesion_J_per_m2"] = w.w_adhesion_J_per_m2
        summary["w_adhesion_sign"] = "seed 004 eq. 4: (E_int - E_substrate - E_film)/A, negative binds"
        summary["adhesion_energies_eV"] = {"interface": w.interface_energy_eV, "substrate_slab": w.substrate_slab_energy_eV,
                                           "film_slab": w.film_slab_energy_eV, "area_A2": w.area_A2}
    summary["engine"] = engine.record()
    run.save_figure("registry_search", interface_plots.registry_search_figure(points, results))
    run.finish(summary)
    rows = [("interface", f"{summary['interface']['atoms']} atoms, {model.area_A2:.1f} A^2, mean |strain| {100 * model.mean_abs_strain:.2f} %")]
    for name, result in results.items():
        rows.append((f"{name}: calculations", str(result.evaluations)))
        rows.append((f"{name}: best shift (a, b, z) A", f"{points[result.best_index].tolist()} -> {result.best_value:.4f} eV"))
    if "bo_reached_grid_minimum" in summary:
        rows.append(("BO reached the grid minimum", "yes" if summary["bo_reached_grid_minimum"] else
                     f"no ({1000 * summary['bo_gap_to_grid_minimum_eV']:.1f} meV above)"))
    if adhesion:
        rows.append(("W_adhesion (eq. 4, negative binds)", f"{summary['w_adhesion_J_per_m2']:+.3f} J/m^2"))
    emit(summary, json_output, f"Registry search {substrate}{tuple(substrate_miller)} | {film}{tuple(film_miller)} ({engine.spec.model})",
         rows, [f"run directory: {run.path}"])


def cross_interface_pair(atoms, film_indices: list[int], species: str, max_distance: float = 4.5) -> tuple[int, int]:
    """(substrate atom, film atom) of ``species``: the closest pair across the interface (minimum image)."""
    film = set(film_indices)
    candidates = [i for i, s in enumerate(atoms.get_chemical_symbols()) if s == species]
    lower = [i for i in candidates if i not in film]
    upper = [i for i in candidates if i in film]
    if not lower or not upper:
        raise SSELabError(f"no {species} on both sides of the interface")
    distances = np.array([[atoms.get_distance(i, j, mic=True) for j in upper] for i in lower])
    i, j = np.unravel_index(int(np.argmin(distances)), distances.shape)
    if distances[i, j] > max_distance:
        raise SSELabError(f"the closest {species} pair across the interface is {distances[i, j]:.2f} A apart: no nearest-neighbour hop")
    return lower[i], upper[j]


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
    out: OutOption = None, json_output: JsonOption = False,
) -> None:
    """Climbing-image NEB of an ion hopping across the interface into a vacant site (vacancy mechanism, seed 004 Fig. 6)."""
    record = search_run / "run.json"
    if not record.is_file() or not (search_run / "best_interface.extxyz").is_file():
        raise SSELabError(f"{search_run} is not an 'interface search' run directory")
    film_indices = (read_json_file(record, "'interface search' run record").get("summary") or {}).get("film_indices")
    if film_indices is None:
        raise SSELabError(f"{record} records no film atoms: rerun 'interface search'")
    host = read(search_run / "best_interface.extxyz")
    if (site_from is None) != (site_to is None):
        raise SSELabError("give both --from and --to, or neither")
    if site_from is None:
        site_from, site_to = cross_interface_pair(host, film_indices, species)
    for index in (site_from, site_to):
        if not 0 <= index < len(host):
            raise SSELabError(f"atom {index} does not exist in the interface ({len(host)} atoms)")
    repeats = lateral_repeats(host.cell.array, min_image)
    host = host.repeat((*repeats, 1))  # the first copy keeps the original indices
    engine = make_engine(calculator, db, fmax)
    run = RunDirectory.open(out, "interface neb", {"search_run": search_run, "species": species, "from": site_from, "to": site_to,
                                                    "images": images, "neb_fmax": neb_fmax, "db": db})
    with progress_bar(1, "climbing-image NEB", not json_output) as advance:
        # the ion at site_from moves into the vacancy left at site_to: in vacancy terms the vacancy goes site_to -> site_from
        hop = vacancy_hop(engine, host, site_to, site_from, images, neb_fmax)
        advance()
    summary = {"hopping_atom": site_from, "vacated_site": site_to, "species": species, "lateral_repeats": list(repeats),
               "atoms": len(host),
               "barrier_eV": hop.barrier_eV, "reverse_barrier_eV": hop.reverse_barrier_eV, "reaction_energy_eV": hop.reaction_energy_eV,
               "image_energies_eV": list(hop.image_energies_eV), "hop_distance_A": hop.path_length_A[-1], "converged": hop.converged,
               "engine": engine.record()}
    run.save_figure("neb", segregation_plots.neb_figure(hop.path_length_A, hop.image_energies_eV, f"{species} {site_from} -> site of {site_to}"))
    run.finish(summary)
    emit(summary, json_output, f"{species} hop across the interface", [
        ("barrier (forward / backward)", f"{hop.barrier_eV:.3f} / {hop.reverse_barrier_eV:.3f} eV"),
        ("reaction energy", f"{hop.reaction_energy_eV:+.3f} eV"), ("converged", str(hop.converged))], [f"run directory: {run.path}"])
