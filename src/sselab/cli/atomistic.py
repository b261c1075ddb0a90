"""``sselab surface-energy | surface-terminations | adhesion | vacancy-profile | neb``: atomistic steps of seeds 001 and 004.

Every command takes ``--calculator NAME`` (default chgnet), ``--db`` (the result cache; rerunning
with the same database recomputes nothing that finished), ``--device``, ``--json`` and ``--out``.
The computations are :mod:`sselab.atomistic.properties` (``calculate_surface_energy``,
``calculate_adhesion``, ``calculate_vacancy_profile``, ``calculate_vacancy_hop``); these commands
parse, call them, write the run directory and print. They are top-level commands (no group name).
"""

from __future__ import annotations

from typing import Annotated

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
    MillerOption,
    MinImageOption,
    OutOption,
    OverwriteOption,
    PlanesOption,
    RegistryOption,
    SlabTerminationOption,
    StructureArgument,
    SubstrateArgument,
    SubstrateCutOption,
    SubstrateMillerOption,
    SubstratePlanesOption,
    SubstrateTerminationOption,
)
from sselab.errors import InputError

app = typer.Typer(help="Atomistic steps of seed 001: surface energies, adhesion, vacancy profiles, vacancy hops.")

#: The vacancy modes (as in :data:`sselab.atomistic.properties.vacancies.MODES`, kept here so that ``--help`` imports no ASE).
VACANCY_MODES = "as-cleaved,relaxed-surface,fully-relaxed"


@app.command("surface-energy")
def surface_energy_command(
    structure: StructureArgument,
    miller: MillerOption,
    planes: PlanesOption = "5,7,9,11,13",
    strain: Annotated[float, typer.Option("--strain", help="In-plane strain applied to a and b (0.0567 = +5.67 %).")] = 0.0,
    as_cleaved: Annotated[bool, typer.Option("--as-cleaved", help="Do not relax the slabs.")] = False,
    termination: SlabTerminationOption = 0,
    calculator: CalculatorOption = "chgnet",
    db: DbOption = DEFAULT_DB,
    fmax: FmaxOption = 0.02,
    device: DeviceOption = "cpu",
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Surface energy (seed 001 eq. 1) with the Fiorentini-Methfessel bulk reference."""
    from sselab.atomistic.properties.surface import calculate_surface_energy
    from sselab.runs import RunDirectory

    thicknesses = parse_int_list(planes, "--planes")
    engine = make_engine(calculator, db, fmax, device)
    run = RunDirectory.open(out, "surface-energy", {"structure": structure, "miller": list(miller), "planes": list(thicknesses),
                                                      "strain": strain, "relaxed": not as_cleaved, "termination": termination,
                                                      "db": db},
                           overwrite=overwrite)
    with progress_bar(len(thicknesses) + 1, f"surface energy {structure} {miller}", not json_output) as advance:
        result = calculate_surface_energy(structure, tuple(miller), planes=thicknesses, strain=strain, relax=not as_cleaved,
                                          termination=termination, calculator=engine, fmax=fmax, progress=advance)
    result.write(run)
    emit(run.summary, json_output, f"Surface energy of {structure} {tuple(miller)}", [
        ("sigma", f"{result.surface_energy_J_per_m2:.4f} ± {result.surface_energy_stderr_J_per_m2:.1e} J/m^2"),
        ("sigma per surface atom", f"{result.surface_energy_eV_per_atom:.4f} eV  (rho = {result.surface_density_per_nm2:.3f} /nm^2)"),
        ("bulk energy (fit slope)", f"{result.bulk_energy_per_atom_eV:.5f} eV/atom"),
        ("calculator", f"{engine.spec.model} ({engine.spec.version})"),
    ], [f"run directory: {run.path}"])


@app.command("surface-terminations")
def surface_terminations_command(
    structure: StructureArgument,
    miller: Annotated[list[str], typer.Option("--miller", help="Facet 'H,K,L' (e.g. 0,0,1 or -1,0,1); repeat for several.")],
    termination: Annotated[list[int] | None, typer.Option("--termination", help="Cut index, widest interplanar spacing first, for every facet; repeat. Default: every cut.")] = None,
    cells: Annotated[str | None, typer.Option("--cells", help="Slab thicknesses in whole oriented unit cells (stoichiometric for any compound). Default: three, the thinnest at least --min-thickness.")] = None,
    min_thickness: Annotated[float, typer.Option("--min-thickness", help="Least span of atoms along the normal of the thinnest default slab, A.")] = 10.0,
    as_cleaved: Annotated[bool, typer.Option("--as-cleaved", help="Do not relax the slabs.")] = False,
    include_polar: Annotated[bool, typer.Option("--include-polar", help="Compute polar cuts too (flagged: a short-ranged potential does not see their dipole).")] = False,
    compensate: Annotated[bool, typer.Option("--compensate", help="Cancel a polar cut's dipole by moving the fewest surface ions to the other face (Tasker; in a 2x1 or 1x2 surface cell when needed); stays stoichiometric.")] = False,
    compensate_with: Annotated[list[str] | None, typer.Option("--compensate-with", help="Element the --compensate moves may use (e.g. O); repeat. Default: any ion.")] = None,
    calculator: CalculatorOption = "chgnet",
    db: DbOption = DEFAULT_DB,
    fmax: FmaxOption = 0.02,
    device: DeviceOption = "cpu",
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Surface energy of every cut of a compound's facets (seed 004 Table S1): stoichiometric slabs, Fiorentini-Methfessel."""
    from sselab.atomistic.build.structures import as_atoms
    from sselab.runs import RunDirectory
    from sselab.studies.surfaces import TerminationScan

    millers = [_facet(item) for item in miller]
    scan = TerminationScan(millers=millers, terminations=termination, cells=parse_int_list(cells, "--cells") if cells is not None else None,
                           min_thickness_A=min_thickness,
                           relax=not as_cleaved, include_polar=include_polar, compensate=compensate,
                           compensating_species=tuple(compensate_with) if compensate_with else None, fmax=fmax)
    plan = scan.plan(as_atoms(structure))
    engine = make_engine(calculator, db, fmax, device)
    run = RunDirectory.open(out, "surface-terminations", {"structure": structure, "millers": [list(m) for m in millers],
                                                            "terminations": termination, "cells": cells,
                                                            "min_thickness_A": min_thickness,
                                                            "relaxed": not as_cleaved, "include_polar": include_polar,
                                                            "compensate": compensate, "compensating_species": compensate_with, "db": db},
                           overwrite=overwrite)
    with progress_bar(1 + sum(map(len, plan.values())) * len(set(scan.cells or range(3))), f"surface terminations of {structure}", not json_output) as advance:
        result = scan.run(structure, calculator=engine, progress=advance)
    result.write(run)
    rows = [(f"({' '.join(map(str, row['miller']))}) cut {row['termination']}",
             (f"{row['surface_energy_J_per_m2']:.3f} ± {row['surface_energy_stderr_J_per_m2']:.3f} J/m^2   {row['top']} | {row['bottom']}"
              f"{'   polar' if row['polar'] else ''}{'   moved: ' + row['compensation'] if row['compensation'] else ''}"))
            for row in sorted(result.terminations, key=lambda row: row["surface_energy_J_per_m2"])]
    lowest = result.lowest
    kind = "non-polar" if lowest is None or lowest["polar"] is False else "polarity unknown"
    emit(run.summary, json_output, f"Surface energies of {structure} ({engine.spec.model})", rows,
         ["lowest non-polar: none computed" if lowest is None else
          f"lowest ({kind}): ({' '.join(map(str, lowest['miller']))}) cut {lowest['termination']}, {lowest['surface_energy_J_per_m2']:.3f} J/m^2"
          f"{', compensated' if lowest['compensation'] else ''}",
          *[f"skipped ({s['reason']}): ({' '.join(map(str, s['miller']))}) cut {s['termination']}" for s in result.skipped],
          f"run directory: {run.path}"])


def _facet(text: str) -> tuple[int, int, int]:
    """'0,0,1' or '0 0 1' → (0, 0, 1); anything else is refused naming --miller."""
    numbers = parse_int_list(text, "--miller")
    if len(numbers) != 3:
        raise InputError(f"--miller: expected three whole numbers H,K,L, got {text!r}")
    return numbers


@app.command("adhesion")
def adhesion_command(
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
    calculator: CalculatorOption = "chgnet",
    db: DbOption = DEFAULT_DB,
    fmax: FmaxOption = 0.02,
    device: DeviceOption = "cpu",
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Work of adhesion (seed 001 eq. 2, positive binds) of a coherent metal/substrate interface."""
    from sselab.atomistic.properties.adhesion import calculate_adhesion
    from sselab.runs import RunDirectory

    options = dict(metal_miller=tuple(metal_miller), substrate_miller=tuple(substrate_miller), metal_planes=metal_planes,
                   substrate_planes=substrate_planes, max_strain=max_strain, min_image=min_image, registry=registry,
                   substrate_termination=substrate_termination, fix_substrate_planes=fix_substrate_planes,
                   max_area=max_area, substrate_cut=substrate_cut)
    engine = make_engine(calculator, db, fmax, device)
    run = RunDirectory.open(out, "adhesion", {"metal": metal, "substrate": substrate, **options, "db": db}, overwrite=overwrite)
    with progress_bar(3, f"adhesion {metal}/{substrate}", not json_output) as advance:
        result = calculate_adhesion(metal, substrate, **options, calculator=engine, fmax=fmax, progress=advance)
    result.write(run)
    emit(run.summary, json_output, f"Work of adhesion {metal}{tuple(metal_miller)} / {substrate}{tuple(substrate_miller)}", [
        ("W_ad", f"{result.work_of_adhesion_J_per_m2:.4f} J/m^2 = {result.work_of_adhesion_eV_per_atom:.4f} eV per metal interface atom"),
        ("metal strain", ", ".join(f"{s:+.2%}" for s in result.in_plane_strain)),
        ("registry / atoms", f"{result.registry} / {result.n_atoms}"),
    ], [f"run directory: {run.path}"])


@app.command("vacancy-profile")
def vacancy_profile_command(
    structure: StructureArgument,
    miller: MillerOption = (1, 0, 0),
    substrate: Annotated[str | None, typer.Option("--substrate", help="Put the metal on this substrate (interface profile).")] = None,
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
    termination: SlabTerminationOption = 0,
    planes: Annotated[str | None, typer.Option("--layers", help="Metal planes to probe (default 1 to the middle).")] = None,
    fm_planes: PlanesOption = "5,7,9,11,13",
    modes: Annotated[str, typer.Option("--modes", help="Comma-separated: as-cleaved, relaxed-surface, fully-relaxed.")] = VACANCY_MODES,
    calculator: CalculatorOption = "chgnet",
    db: DbOption = DEFAULT_DB,
    fmax: FmaxOption = 0.02,
    device: DeviceOption = "cpu",
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Layer-resolved vacancy formation energies (seed 001 eq. 3, Figs. 1 and 3)."""
    from sselab.atomistic.properties.vacancies import (
        calculate_vacancy_profile,
        check_modes,
        interface_inputs,
        vacancy_profile_steps,
    )
    from sselab.runs import RunDirectory

    chosen = check_modes([m.strip() for m in modes.split(",") if m.strip()])
    probe = parse_int_list(planes, "--layers") if planes else None
    thicknesses = parse_int_list(fm_planes, "--planes")
    engine = make_engine(calculator, db, fmax, device)
    inputs = {"structure": structure, "miller": list(miller), "substrate": substrate, "metal_planes": metal_planes,
              "termination": termination, "modes": chosen, "db": db}
    if substrate is not None:
        inputs |= interface_inputs(substrate_miller, substrate_planes, max_strain, min_image, registry, substrate_termination,
                                   fix_substrate_planes, max_area, substrate_cut)
    run = RunDirectory.open(out, "vacancy-profile", inputs, overwrite=overwrite)
    steps = vacancy_profile_steps(metal_planes, probe, chosen)
    with progress_bar(steps, f"vacancies in {structure}", not json_output) as advance:
        result = calculate_vacancy_profile(
            structure, miller=tuple(miller), substrate=substrate, substrate_miller=tuple(substrate_miller),
            metal_planes=metal_planes, substrate_planes=substrate_planes, max_strain=max_strain, min_image=min_image,
            registry=registry, substrate_termination=substrate_termination, fix_substrate_planes=fix_substrate_planes,
            max_area=max_area, substrate_cut=substrate_cut, termination=termination, layers=probe, fm_planes=thicknesses,
            modes=chosen, calculator=engine, fmax=fmax,
            progress=advance)
    result.write(run)
    rows = [(f"{mode}: E_V by plane", ", ".join(f"{p}: {e:.3f}" for p, e in energies.items()))
            for mode, energies in result.vacancy_energies_eV.items()]
    rows += [(f"{result.delta_e_key} ({mode})", f"{delta:+.3f} eV") for mode, delta in result.delta_e_eV.items()]
    where = f"{structure}/{substrate}" if substrate else f"{structure} {tuple(miller)} slab"
    emit(run.summary, json_output, f"Vacancy formation energies, {where}", rows,
         [f"warning: {note}" for note in result.warnings] + [f"run directory: {run.path}"])


@app.command("neb")
def neb_command(
    structure: StructureArgument,
    miller: MillerOption = (1, 0, 0),
    from_layer: Annotated[int, typer.Option("--from-layer", help="Plane of the vacancy before the hop (1 = surface).")] = 1,
    to_layer: Annotated[int, typer.Option("--to-layer", help="Plane it hops to (a neighbouring plane).")] = 2,
    metal_planes: MetalPlanesOption = 11,
    termination: SlabTerminationOption = 0,
    min_image: MinImageOption = 9.0,
    images: Annotated[int, typer.Option("--images", help="Intermediate images (seed 001: 3).")] = 3,
    neb_fmax: Annotated[float, typer.Option("--neb-fmax", help="Force tolerance of the band, eV/A.")] = 0.05,
    max_hop: Annotated[float, typer.Option("--max-hop", help="Longest hop accepted, A (HCP (0001) layer 1 -> 3: ~4.9-5.1).")] = 4.5,
    calculator: CalculatorOption = "chgnet",
    db: DbOption = DEFAULT_DB,
    fmax: FmaxOption = 0.02,
    device: DeviceOption = "cpu",
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Climbing-image NEB of a vacancy hop between two planes of a metal slab (seed 001 Fig. 2)."""
    from sselab.atomistic.properties.neb import calculate_vacancy_hop, check_hop_request
    from sselab.runs import RunDirectory

    check_hop_request(from_layer, to_layer, metal_planes, neb_fmax, images, max_hop)
    engine = make_engine(calculator, db, fmax, device)
    run = RunDirectory.open(out, "neb", {"structure": structure, "miller": list(miller), "from_layer": from_layer,
                                          "to_layer": to_layer, "metal_planes": metal_planes, "termination": termination,
                                          "images": images, "neb_fmax": neb_fmax,
                                          "max_hop_A": max_hop, "db": db}, overwrite=overwrite)
    with progress_bar(2, f"NEB {structure} layer {from_layer} -> {to_layer}", not json_output) as advance:
        result = calculate_vacancy_hop(structure, miller=tuple(miller), from_layer=from_layer, to_layer=to_layer,
                                       metal_planes=metal_planes, termination=termination, min_image=min_image, images=images,
                                       neb_fmax=neb_fmax,
                                       max_hop_A=max_hop, calculator=engine, fmax=fmax, progress=advance)
    result.write(run)
    emit(run.summary, json_output, f"Vacancy hop, {structure} {tuple(miller)} layer {from_layer} -> {to_layer}", [
        ("barrier (forward / reverse)", f"{result.barrier_eV:.3f} / {result.reverse_barrier_eV:.3f} eV"),
        ("reaction energy", f"{result.reaction_energy_eV:+.3f} eV"),
        ("converged", str(result.converged)),
    ], [f"run directory: {run.path}"])
