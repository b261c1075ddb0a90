"""Every CLI option and argument type, in one module: a command declares ``name: SomeOption = default``.

Quantities are read as text and parsed with units in the library call's parameters (``"1 GPa"``,
``"100 um"``, ``"1200 K"``); bare numbers are SI, energies eV.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

OutOption = Annotated[Path | None, typer.Option("--out", help="Run directory (default runs/<command>-<time>).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object and nothing else.")]
DeviceOption = Annotated[str, typer.Option("--device", help="Device of a torch model (chgnet, sevennet): cpu, cuda, cuda:1, ...")]
SchedulerOption = Annotated[str | None, typer.Option("--scheduler", help="Address of a running Dask scheduler.")]
WorkersOption = Annotated[int | None, typer.Option("--workers", help="Local Dask workers (default: all cores).")]

# shared by the atomistic commands
StructureArgument = Annotated[str, typer.Argument(help="Library name (li-bcc, licl, ...) or a structure file (CIF, POSCAR, extxyz).")]
MillerOption = Annotated[tuple[int, int, int], typer.Option("--miller", help="Miller index H K L of the surface (HCP: (0001) = 0 0 1, (10-10) = 1 0 0).")]
CalculatorOption = Annotated[str, typer.Option("--calculator", help="chgnet (default), sevennet, emt, lammps:<potential>, ff:<forcefield>, vasp, gpaw.")]
DbOption = Annotated[str, typer.Option("--db", help="Result cache: an ASE SQLite database (.db) or a postgresql:// URL.")]
FmaxOption = Annotated[float, typer.Option("--fmax", help="Force tolerance of relaxations, eV/A.")]
PlanesOption = Annotated[str, typer.Option("--planes", help="Slab thicknesses (atomic planes) for the Fiorentini-Methfessel fit.")]
MetalArgument = Annotated[str, typer.Argument(help="Metal: library name (li-bcc, na-bcc, li-hcp) or structure file.")]
SubstrateArgument = Annotated[str, typer.Argument(help="Substrate: library name (licl, limg, ...) or structure file.")]

# defects, expansion
IonsOption = Annotated[list[str], typer.Option("--ion", help="Exchange ion (repeat for several): Na, Ag, K, ...")]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed of the Li ordering of the LLZO cell.")]

# diffusion
TrajectoryArgument = Annotated[Path, typer.Argument(help="Trajectory file ASE can read (extxyz, .traj, LAMMPS dump).")]
SpeciesOption = Annotated[str, typer.Option("--species", help="Element to analyse, e.g. Li.")]
IntervalOption = Annotated[str | None, typer.Option("--frame-interval", help="Time between stored frames, e.g. '10 fs' (read from the file when it has time_fs).")]
EveryOption = Annotated[int, typer.Option("--every", help="Read every n-th frame.")]

# ion-exchange
IonOption = Annotated[str, typer.Option("--ion", help="Exchange ion (Na, Ag) or an ion parameter TOML file.")]
HostOption = Annotated[str, typer.Option("--host", help="Host material name or TOML file.")]
ThicknessOption = Annotated[str, typer.Option("--thickness", help="Plate thickness L, e.g. '1 mm'.")]
TemperatureOption = Annotated[str, typer.Option("--temperature", help="Exchange temperature, e.g. '1200 K'.")]
FlawOption = Annotated[str, typer.Option("--flaw-size", help="Largest flaw depth a, e.g. '20 um'.")]
SafetyOption = Annotated[float, typer.Option("--safety-factor", help="Safety factor on the centre tension bound.")]
GainOption = Annotated[float, typer.Option("--minimum-gain", help="Strength gain (sigma_perm/native) below which a treatment is 'no strength gain'.")]
FormOption = Annotated[str, typer.Option("--fracture-form", help="'weight-function' (correct eq. 6) or 'printed'.")]
ReferenceOption = Annotated[str, typer.Option("--reference-diffusivity", help="D_ref in tau = L^2/D_ref.")]

# li0
ConfigArgument = Annotated[str, typer.Argument(help="Separator TOML file, or a packaged case such as fig3.")]
BandOption = Annotated[str, typer.Option("--band", help="Width of the band around each electrode potential counted as vulnerable.")]

# stability
EntriesOption = Annotated[Path, typer.Option("--entries", help="JSON list of {composition, energy_eV} (total energy of that formula, eV).")]

# interfaces of seed 001 (segregation study, adhesion, vacancy-profile)
MetalMillerOption = Annotated[tuple[int, int, int], typer.Option("--metal-miller", help="Metal surface H K L.")]
SubstrateMillerOption = Annotated[tuple[int, int, int], typer.Option("--substrate-miller", help="Substrate surface H K L.")]
MetalPlanesOption = Annotated[int, typer.Option("--metal-planes", help="Atomic planes of the metal slab (seed 001: 11).")]
SubstratePlanesOption = Annotated[int, typer.Option("--substrate-planes", help="Atomic planes of the substrate slab.")]
MaxStrainOption = Annotated[float, typer.Option("--max-strain", help="Largest in-plane strain of the metal accepted for a coherent match.")]
MinImageOption = Annotated[float, typer.Option("--min-image", help="Smallest in-plane distance between periodic images, A.")]
#: Default of --max-area (as :data:`sselab.atomistic.build.interfaces.DEFAULT_MATCH_AREA_A2`, kept here so that ``--help`` imports no ASE).
MATCH_AREA_A2 = 120.0
MatchAreaOption = Annotated[float, typer.Option("--max-area", help="Largest in-plane area of the coherent match, A^2 (a square face on a hexagonal one may need ~250).")]
RegistryOption = Annotated[str | None, typer.Option("--registry", help="anion, cation or hollow (default: anion for ionic substrates, hollow for metals).")]
SlabTerminationOption = Annotated[int, typer.Option("--termination", help="Which distinct cut of the free slab, widest interplanar spacing first (0: fewest bonds broken; HCP (10-10) 0 is the close-pair surface, 1 the other).")]
SubstrateCutOption = Annotated[int, typer.Option("--substrate-cut", help="Which distinct cut of the substrate, widest interplanar spacing of its relaxed bulk first (Li3P (001): 1 is the nonpolar Li|LiP|Li cut).")]
SubstrateTerminationOption = Annotated[str | None, typer.Option("--substrate-termination", help="Element the substrate's top plane must hold, e.g. Mg.")]
FixSubstrateOption = Annotated[int, typer.Option("--fix-substrate-planes", help="Freeze this many bottom substrate planes (bulk-like).")]

# crystal|crystal interfaces of seed 004 (interface build, search)
InterfaceSubstrateArgument = Annotated[str, typer.Argument(help="Substrate (lower) crystal: library name or structure file, e.g. licoo2.")]
InterfaceFilmArgument = Annotated[str, typer.Argument(help="Film (upper) crystal: library name or structure file, e.g. li6zr2o7.")]
InterfaceSubstrateMillerOption = Annotated[tuple[int, int, int], typer.Option("--substrate-miller", help="Substrate facet H K L.")]
FilmMillerOption = Annotated[tuple[int, int, int], typer.Option("--film-miller", help="Film facet H K L.")]
MaxLengthTolOption = Annotated[float, typer.Option("--max-length-tol", help="ZSL relative length tolerance (seed 004: 0.1).")]
MaxAngleTolOption = Annotated[float, typer.Option("--max-angle-tol", help="ZSL relative angle tolerance (seed 004: 0.1).")]
MaxAreaOption = Annotated[float, typer.Option("--max-area", help="Largest interface area, A^2 (seed 004: 300).")]
FilmMaxStrainOption = Annotated[float, typer.Option("--max-strain", help="Largest mean in-plane strain of the film accepted.")]
MaxShearOption = Annotated[float, typer.Option("--max-shear", help="Largest change of the in-plane cell angle of the film, degrees.")]
SubstrateLayersOption = Annotated[int, typer.Option("--substrate-layers", help="Substrate slab thickness in layers.")]
FilmLayersOption = Annotated[int, typer.Option("--film-layers", help="Film slab thickness in layers.")]
GapOption = Annotated[float, typer.Option("--gap", help="Initial film-substrate gap, A.")]
VacuumOption = Annotated[float, typer.Option("--vacuum", help="Vacuum above the film, A.")]
TerminationPairOption = Annotated[int, typer.Option("--termination", help="Which (film, substrate) termination pair pymatgen offers (0 = first).")]

# writing over earlier results
OverwriteOption = Annotated[bool, typer.Option("--overwrite", help="Replace the finished run already in --out.")]
