"""``sselab surface-energy | adhesion | vacancy-profile | neb``: atomistic steps of seed 001.

Every command takes ``--calculator NAME`` (default chgnet), ``--db`` (the result cache; rerunning
with the same database recomputes nothing that finished), ``--json`` and ``--out``.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
import typer
from ase import Atoms
from ase.io import write

from sselab.atomistic.build.interfaces import build_interface, lateral_repeats
from sselab.atomistic.build.slabs import build_slab, plane_index, reference_surface_planes, require_symmetric
from sselab.atomistic.build.structures import load_structure
from sselab.atomistic.properties.adhesion import work_of_adhesion
from sselab.atomistic.properties.neb import vacancy_hop
from sselab.atomistic.properties.surface import surface_energy
from sselab.atomistic.properties.vacancies import MODES, vacancy_profile
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
    MillerOption,
    MinImageOption,
    OutOption,
    PlanesOption,
    RegistryOption,
    StructureArgument,
    SubstrateArgument,
    SubstrateMillerOption,
    SubstratePlanesOption,
    SubstrateTerminationOption,
)
from sselab.errors import SSELabError
from sselab.plots import segregation as segregation_plots
from sselab.runs import RunDirectory
from sselab.studies.segregation import StudySettings, strained_surface_energy


def surface_energy_command(
    structure: StructureArgument,
    miller: MillerOption,
    planes: PlanesOption = "5,7,9,11,13",
    strain: Annotated[float, typer.Option("--strain", help="In-plane strain applied to a and b (0.0567 = +5.67 %).")] = 0.0,
    as_cleaved: Annotated[bool, typer.Option("--as-cleaved", help="Do not relax the slabs.")] = False,
    termination: Annotated[int, typer.Option("--termination", help="Which distinct cut SlabGenerator offers (0 = first).")] = 0,
    calculator: CalculatorOption = "chgnet",
    db: DbOption = DEFAULT_DB,
    fmax: FmaxOption = 0.02,
    out: OutOption = None,
    json_output: JsonOption = False,
) -> None:
    """Surface energy (seed 001 eq. 1) with the Fiorentini-Methfessel bulk reference."""
    thicknesses = parse_int_list(planes, "--planes")
    engine = make_engine(calculator, db, fmax)
    bulk = load_structure(structure)
    run = RunDirectory.open(out, "surface-energy", {"structure": structure, "miller": list(miller), "planes": list(thicknesses),
                                                      "strain": strain, "relaxed": not as_cleaved, "db": db})
    with progress_bar(len(thicknesses) + 1, f"surface energy {structure} {miller}", not json_output) as advance:
        relaxed_bulk = engine.relax(bulk, cell=True)
        advance()
        result = surface_energy(engine, relaxed_bulk, tuple(miller), thicknesses, (strain, strain), not as_cleaved,
                                termination=termination, progress=advance)
    write(run.path / "bulk_relaxed.extxyz", relaxed_bulk)
    summary = {
        "structure": structure,
        "miller": list(miller),
        "strain": strain,
        "relaxed": not as_cleaved,
        "surface_energy_J_per_m2": result.surface_energy_J_per_m2,
        "surface_energy_stderr_J_per_m2": result.surface_energy_stderr_eV_per_A2 * 16.021766208,
        "surface_energy_eV_per_atom": result.surface_energy_eV_per_atom,
        "surface_density_per_nm2": result.surface_density_per_nm2,
        "bulk_energy_per_atom_eV": result.bulk_energy_per_atom_eV,
        "lattice_A": relaxed_bulk.cell.cellpar()[:3].tolist(),
        "planes": list(result.planes),
        "slab_energies_eV": list(result.slab_energies_eV),
        "unconverged_relaxations": result.unconverged_relaxations,
        "engine": engine.record(),
    }
    run.finish(summary)
    emit(summary, json_output, f"Surface energy of {structure} {tuple(miller)}", [
        ("sigma", f"{result.surface_energy_J_per_m2:.4f} ± {summary['surface_energy_stderr_J_per_m2']:.1e} J/m^2"),
        ("sigma per surface atom", f"{result.surface_energy_eV_per_atom:.4f} eV  (rho = {result.surface_density_per_nm2:.3f} /nm^2)"),
        ("bulk energy (fit slope)", f"{result.bulk_energy_per_atom_eV:.5f} eV/atom"),
        ("calculator", f"{engine.spec.model} ({engine.spec.version})"),
    ], [f"run directory: {run.path}"])


def _interface_options(metal_miller, substrate_miller, metal_planes, substrate_planes, max_strain, min_image, registry, termination,
                       fix_substrate_planes):
    return dict(metal_miller=tuple(metal_miller), substrate_miller=tuple(substrate_miller), metal_planes=metal_planes,
                substrate_planes=substrate_planes, max_strain=max_strain, min_image=min_image, registry=registry,
                substrate_termination=termination, fix_substrate_planes=fix_substrate_planes)




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
    calculator: CalculatorOption = "chgnet",
    db: DbOption = DEFAULT_DB,
    fmax: FmaxOption = 0.02,
    out: OutOption = None,
    json_output: JsonOption = False,
) -> None:
    """Work of adhesion (seed 001 eq. 2) of a coherent metal/substrate interface."""
    engine = make_engine(calculator, db, fmax)
    options = _interface_options(metal_miller, substrate_miller, metal_planes, substrate_planes, max_strain, min_image, registry,
                                 substrate_termination, fix_substrate_planes)
    run = RunDirectory.open(out, "adhesion", {"metal": metal, "substrate": substrate, **options, "db": db})
    with progress_bar(3, f"adhesion {metal}/{substrate}", not json_output) as advance:
        metal_bulk = engine.relax(load_structure(metal), cell=True)
        substrate_bulk = engine.relax(load_structure(substrate), cell=True)
        advance()
        model = build_interface(metal_bulk, substrate_bulk, **options)
        advance("relaxing interface, metal and substrate")
        result, relaxed = work_of_adhesion(engine, model)
        advance()
    write(run.path / "interface_initial.extxyz", model.interface)
    write(run.path / "interface_relaxed.extxyz", relaxed)
    summary = {
        "metal": metal, "substrate": substrate,
        "work_of_adhesion_J_per_m2": result.work_of_adhesion_J_per_m2,
        "work_of_adhesion_eV_per_atom": result.work_of_adhesion_eV_per_atom,
        "in_plane_strain": [s - 1.0 for s in model.match.stretches],
        "registry": model.registry, "area_A2": result.area_A2, "n_atoms": len(model.interface),
        "interface_metal_atoms": result.interface_metal_atoms,
        "engine": engine.record(),
    }
    run.finish(summary)
    emit(summary, json_output, f"Work of adhesion {metal}{tuple(metal_miller)} / {substrate}{tuple(substrate_miller)}", [
        ("W_ad", f"{result.work_of_adhesion_J_per_m2:.4f} J/m^2 = {result.work_of_adhesion_eV_per_atom:.4f} eV per metal interface atom"),
        ("metal strain", ", ".join(f"{s - 1:+.2%}" for s in model.match.stretches)),
        ("registry / atoms", f"{model.registry} / {len(model.interface)}"),
    ], [f"run directory: {run.path}"])


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
    planes: Annotated[str | None, typer.Option("--layers", help="Metal planes to probe (default 1 to the middle).")] = None,
    fm_planes: PlanesOption = "5,7,9,11,13",
    modes: Annotated[str, typer.Option("--modes", help="Comma-separated: as-cleaved, relaxed-surface, fully-relaxed.")] = ",".join(MODES),
    calculator: CalculatorOption = "chgnet",
    db: DbOption = DEFAULT_DB,
    fmax: FmaxOption = 0.02,
    out: OutOption = None,
    json_output: JsonOption = False,
) -> None:
    """Layer-resolved vacancy formation energies (seed 001 eq. 3, Figs. 1 and 3)."""
    chosen = [m.strip() for m in modes.split(",") if m.strip()]
    unknown = [m for m in chosen if m not in MODES]
    if unknown or not chosen:
        raise SSELabError(f"--modes: unknown mode(s) {unknown}; choose from {', '.join(MODES)}")
    probe = list(parse_int_list(planes, "--layers")) if planes else None
    engine = make_engine(calculator, db, fmax)
    run = RunDirectory.open(out, "vacancy-profile", {"structure": structure, "miller": list(miller), "substrate": substrate,
                                                       "metal_planes": metal_planes, "modes": chosen, "db": db})
    thicknesses = parse_int_list(fm_planes, "--fm-planes")
    metal_bulk = engine.relax(load_structure(structure), cell=True)
    if substrate is None:
        slab = build_slab(metal_bulk, tuple(miller), metal_planes)
        require_symmetric(slab, metal_planes, miller)
        host = slab.repeat((*lateral_repeats(slab.cell.array, min_image), 1))
        metal_indices = np.arange(len(host))
        outer = reference_surface_planes(metal_bulk, tuple(miller))
        bulk_fit = surface_energy(engine, metal_bulk, tuple(miller), thicknesses)
    else:
        substrate_bulk = engine.relax(load_structure(substrate), cell=True)
        model = build_interface(metal_bulk, substrate_bulk, tuple(miller), tuple(substrate_miller), metal_planes, substrate_planes,
                                max_strain, min_image, registry, substrate_termination, fix_substrate_planes=fix_substrate_planes)
        host, metal_indices, outer = model.interface, model.metal_indices, model.surface_planes
        # eq. 3's e_bulk must carry the interface's in-plane strain: the FM slope of equally strained slabs
        bulk_fit = strained_surface_energy(engine, metal_bulk, model, StudySettings(metal_miller=tuple(miller), fm_planes=thicknesses),
                                           lambda _label: None)
    count = int(plane_index(host[metal_indices]).max()) + 1
    n_planes = len(set(probe or range(1, (count + 1) // 2 + 1)) | {(count + 1) // 2})
    profiles = {}
    with progress_bar(1 + n_planes * len(chosen), f"vacancies in {structure}", not json_output) as advance:
        relaxed = engine.relax(host)
        advance("vacancies")
        for mode in chosen:
            profiles[mode] = vacancy_profile(engine, relaxed, metal_indices, bulk_fit.bulk_energy_per_atom_eV, mode, probe,
                                             unrelaxed_host=host, progress=advance, surface_planes=outer)
    write(run.path / "host_relaxed.extxyz", relaxed)
    energies = {mode: p.plane_energies() for mode, p in profiles.items()}
    label = "delta_e_bulk_int_eV" if substrate else "delta_e_bulk_free_eV"
    summary = {
        "structure": structure, "substrate": substrate, "miller": list(miller),
        "vacancy_energies_eV": energies,
        label: {mode: p.segregation_energy_eV for mode, p in profiles.items()},
        "sites": {mode: [vars(s) for s in p.sites] for mode, p in profiles.items()},
        "bulk_energy_per_atom_eV": bulk_fit.bulk_energy_per_atom_eV,
        "engine": engine.record(),
    }
    where = f"{structure}/{substrate}" if substrate else f"{structure} {tuple(miller)} slab"
    run.save_figure("vacancy_profile", segregation_plots.vacancy_profile_figure(energies, f"{where} ({engine.spec.model})"))
    run.finish(summary)
    rows = [(f"{mode}: E_V by plane", ", ".join(f"{p}: {e:.3f}" for p, e in energies[mode].items())) for mode in chosen]
    rows += [(f"{label} ({mode})", f"{p.segregation_energy_eV:+.3f} eV") for mode, p in profiles.items()]
    emit(summary, json_output, f"Vacancy formation energies, {where}", rows, [f"run directory: {run.path}"])


def neb_command(
    structure: StructureArgument,
    miller: MillerOption = (1, 0, 0),
    from_layer: Annotated[int, typer.Option("--from-layer", help="Plane of the vacancy before the hop (1 = surface).")] = 1,
    to_layer: Annotated[int, typer.Option("--to-layer", help="Plane it hops to (a neighbouring plane).")] = 2,
    metal_planes: MetalPlanesOption = 11,
    min_image: MinImageOption = 9.0,
    images: Annotated[int, typer.Option("--images", help="Intermediate images (seed 001: 3).")] = 3,
    neb_fmax: Annotated[float, typer.Option("--neb-fmax", help="Force tolerance of the band, eV/A.")] = 0.05,
    calculator: CalculatorOption = "chgnet",
    db: DbOption = DEFAULT_DB,
    fmax: FmaxOption = 0.02,
    out: OutOption = None,
    json_output: JsonOption = False,
) -> None:
    """Climbing-image NEB of a vacancy hop between two planes of a metal slab (seed 001 Fig. 2)."""
    if not neb_fmax > 0:
        raise SSELabError(f"--neb-fmax must be positive, got {neb_fmax}")
    for layer in (from_layer, to_layer):
        if not 1 <= layer <= metal_planes:
            raise SSELabError(f"layer {layer} does not exist in a {metal_planes}-plane slab")
    engine = make_engine(calculator, db, fmax)
    run = RunDirectory.open(out, "neb", {"structure": structure, "miller": list(miller), "from_layer": from_layer,
                                          "to_layer": to_layer, "metal_planes": metal_planes, "images": images, "neb_fmax": neb_fmax,
                                          "db": db})
    with progress_bar(2, f"NEB {structure} layer {from_layer} -> {to_layer}", not json_output) as advance:
        bulk = engine.relax(load_structure(structure), cell=True)
        slab = build_slab(bulk, tuple(miller), metal_planes)
        host = engine.relax(slab.repeat((*lateral_repeats(slab.cell.array, min_image), 1)))
        advance("climbing-image NEB")
        site_from, site_to = hop_sites(host, from_layer, to_layer)
        hop = vacancy_hop(engine, host, site_from, site_to, images, neb_fmax)
        advance()
    summary = {
        "structure": structure, "miller": list(miller), "from_layer": from_layer, "to_layer": to_layer,
        "barrier_eV": hop.barrier_eV, "reverse_barrier_eV": hop.reverse_barrier_eV, "reaction_energy_eV": hop.reaction_energy_eV,
        "image_energies_eV": list(hop.image_energies_eV), "converged": hop.converged, "hop_distance_A": hop.path_length_A[-1],
        "engine": engine.record(),
    }
    run.save_figure("neb", segregation_plots.neb_figure(hop.path_length_A, hop.image_energies_eV,
                                            f"{structure} {tuple(miller)}: vacancy layer {from_layer} → {to_layer}"))
    run.finish(summary)
    emit(summary, json_output, f"Vacancy hop, {structure} {tuple(miller)} layer {from_layer} -> {to_layer}", [
        ("barrier (forward / reverse)", f"{hop.barrier_eV:.3f} / {hop.reverse_barrier_eV:.3f} eV"),
        ("reaction energy", f"{hop.reaction_energy_eV:+.3f} eV"),
        ("converged", str(hop.converged)),
    ], [f"run directory: {run.path}"])


def hop_sites(host: Atoms, from_layer: int, to_layer: int) -> tuple[int, int]:
    """The atom of ``from_layer`` nearest the cell centre and its nearest neighbour in ``to_layer``."""
    labels = plane_index(host) + 1
    origin = np.flatnonzero(labels == from_layer)
    target = np.flatnonzero(labels == to_layer)
    if len(origin) == 0 or len(target) == 0:
        raise SSELabError(f"layers {from_layer} and {to_layer} must both exist in the slab")
    centre = (host.cell.array[0, :2] + host.cell.array[1, :2]) / 2
    start = origin[np.argmin(np.linalg.norm(host.positions[origin, :2] - centre, axis=1))]
    distances = host.get_distances(start, target, mic=True)
    return int(start), int(target[np.argmin(distances)])
