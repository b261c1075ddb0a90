"""``sselab defects sites | formation-energy | configurations``: seed 000's and seed 004's defect screens.

``defects sites`` scans the exchange ion over Li sites of ordered LLZO (Fig. 2) and builds higher
concentrations on the best configuration; its run directory keeps the relaxed host and the lowest
configurations (``host_relaxed.extxyz``, ``best_<Ion>_n<k>.extxyz``) for ``formation-energy`` and ``expansion``.
``defects formation-energy`` screens precursor salts (eq. 1 + eq. 7) from a user's energies file (their own
DFT) or with a calculator on the packaged salt structures. ``defects configurations`` ranks random defect
configurations by Ewald energy and relaxes the lowest (seed 004). The library behind them is
:mod:`sselab.studies.exchange_sites`, :mod:`sselab.studies.formation` and :mod:`sselab.studies.configurations`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sselab.cli.common import DEFAULT_DB, emit, make_engine, progress_bar
from sselab.cli.options import (
    CalculatorOption,
    DbOption,
    FmaxOption,
    IonsOption,
    JsonOption,
    OutOption,
    OverwriteOption,
    SeedOption,
)
from sselab.errors import InputError

app = typer.Typer(help="Exchange-ion sites, formation energies against precursors (seed 000), defect configurations (seed 004).",
                  no_args_is_help=True)


@app.command("sites")
def sites_command(
    ions: IonsOption,
    octahedral: Annotated[int, typer.Option("--octahedral", help="Octahedral (96h) Li sites to scan.")] = 14,
    tetrahedral: Annotated[int, typer.Option("--tetrahedral", help="Tetrahedral (24d) Li sites to scan.")] = 7,
    max_count: Annotated[int, typer.Option("--max-count", help="Build configurations up to this many ions (1, 2, 3 = 1.8, 3.6, 5.4 %).")] = 1,
    candidates: Annotated[int, typer.Option("--candidates", help="Octahedral sites tried for each extra ion.")] = 4,
    seed: SeedOption = 0,
    host_file: Annotated[Path | None, typer.Option("--host", help="Start from this relaxed host (host_relaxed.extxyz of an earlier sites run, same calculator).")] = None,
    calculator: CalculatorOption = "chgnet",
    db: DbOption = DEFAULT_DB,
    fmax: FmaxOption = 0.05,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Site preference of exchange ions in ordered LLZO (seed 000 Fig. 2), relaxed at fixed cell."""
    from sselab.runs import RunDirectory
    from sselab.studies.exchange_sites import ExchangeSiteStudy, check_exchange_ions

    study = ExchangeSiteStudy(octahedral=octahedral, tetrahedral=tetrahedral, max_count=max_count, candidates=candidates, seed=seed,
                              fmax=fmax)
    check_exchange_ions(ions)
    engine = make_engine(calculator, db, fmax)
    run = RunDirectory.open(out, "defects sites", {"ions": ions, "octahedral": octahedral, "tetrahedral": tetrahedral,
                                                     "max_count": max_count, "candidates": candidates, "seed": seed, "db": db,
                                                     "host": host_file}, overwrite=overwrite)
    with progress_bar((host_file is None) + study.relaxations(len(ions)), "site scan", not json_output) as advance:
        result = study.run(ions, calculator=engine, host=host_file, progress=advance)
    run = result.write(run)
    rows = []
    for ion, sites in result.ions.items():
        scan = sites.scan
        preference = scan.octahedral_preference_eV
        rows.append((f"{ion}: lowest configuration", f"{scan.best.name} ({scan.best.site_after})"))
        rows.append((f"{ion}: E(best tetrahedral) - E(best octahedral)",
                     "no ion stayed tetrahedral" if preference is None else f"{preference:+.3f} eV"))
        rows.append((f"{ion}: T->O hops during relaxation", str(scan.hops)))
    emit(run.summary, json_output, f"Exchange-ion site preference in LLZO ({result.model})", rows, [f"run directory: {run.path}"])


@app.command("formation-energy")
def formation_energy_command(
    ion: Annotated[str, typer.Option("--ion", help="Exchange ion: Na, Ag, K.")],
    temperature: Annotated[str, typer.Option("--temperature", help="Process temperature for the dilute concentration, e.g. '1200 K'.")],
    energies: Annotated[Path | None, typer.Option("--energies", help="JSON energies file (your own DFT): host_energy_eV, exchanged_energy_eV, n_exchanged, precursors.")] = None,
    calculator: Annotated[str | None, typer.Option("--calculator", help="Compute the energies with this calculator (chgnet, sevennet, ...).")] = None,
    sites: Annotated[Path | None, typer.Option("--sites", help="A 'defects sites' run directory to take the LLZO energies from (with --calculator).")] = None,
    gas_pressure: Annotated[str, typer.Option("--gas-pressure", help="Partial pressure of the gas a precursor releases (KO2's O2), e.g. '0.21 bar' for air.")] = "1 bar",
    seed: SeedOption = 0,
    db: DbOption = DEFAULT_DB,
    fmax: FmaxOption = 0.05,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Ion-exchange formation energy against each precursor salt, with verdict and dilute concentration (seed 000 §3.2)."""
    from sselab.runs import RunDirectory
    from sselab.studies.formation import FormationEnergyScreen
    from sselab.units import parse_quantity

    kelvin = parse_quantity(temperature, "temperature", "--temperature")
    pascal = parse_quantity(gas_pressure, "pressure", "--gas-pressure")
    screen = FormationEnergyScreen(ion=ion, temperature_K=kelvin, gas_pressure_Pa=pascal, seed=seed, fmax=fmax)
    if (energies is None) == (calculator is None):
        raise InputError("give exactly one of --energies FILE and --calculator NAME")
    if sites is not None and energies is not None:
        raise InputError("--sites goes with --calculator; with --energies, put the LLZO energies in the file")
    inputs = {"ion": ion, "temperature_K": kelvin, "gas_pressure_Pa": pascal, "energies": energies, "calculator": calculator,
              "sites": sites, "seed": seed, "db": db}
    if energies is not None:  # quick, and a bad file must leave no run directory
        result = screen.run(energies=energies)
        run = RunDirectory.open(out, "defects formation-energy", inputs, overwrite=overwrite)
    else:
        engine = make_engine(calculator, db, fmax)
        run = RunDirectory.open(out, "defects formation-energy", inputs, overwrite=overwrite)
        from sselab.studies.formation import calculator_steps

        with progress_bar(calculator_steps(ion), f"{ion} precursors", not json_output) as advance:
            result = screen.run(calculator=engine, sites=sites, progress=advance)
    run = result.write(run)
    table = [(f"{r.precursor} -> {r.li_counterpart}", f"E_f = {r.E_f_eV:+.3f} eV, C = {r.dilute_concentration:.3g}, {r.verdict}")
             for r in result.rows]
    table += [(f"{r.precursor} salt term", (f"{r.salt_term_eV:+.3f} eV = 0 K {r.energy_change_eV:+.3f} + phonons "
               f"{r.vibrational_change_eV:+.3f} + {r.gas} gas {r.gas_thermal_eV:+.3f}")) for r in result.releases.values()]
    emit(run.summary, json_output, f"{ion} exchange formation energies at {kelvin:g} K", table,
         [f"energies: {result.energy_source}"] + ([f"warning: {result.warning}"] if result.warning else [])
         + [f"hand-off: {result.hand_off}", f"run directory: {run.path}"])


def _parse_charges(text: str | None) -> dict[str, float]:
    """``Co=3,N=-3``: formal charges on top of the package's table."""
    charges: dict[str, float] = {}
    for item in (text or "").replace(" ", "").split(","):
        if not item:
            continue
        element, _, value = item.partition("=")
        element = _element(element, "--charges")
        try:
            charges[element] = float(value)
        except ValueError:
            raise InputError(f"--charges: expected ELEMENT=CHARGE pairs, got {item!r}") from None
    return charges


def _parse_spec(text: str, parts: int, option: str) -> list[str]:
    fields = text.split(":")
    if len(fields) != parts or not all(fields):
        raise InputError(f"{option} {text!r}: expected {':'.join(['X'] * (parts - 1))}:COUNT")
    return fields


def _element(symbol: str, option: str) -> str:
    from ase.data import atomic_numbers

    if symbol not in atomic_numbers or symbol == "X":
        raise InputError(f"{option}: {symbol!r} is not an element symbol")
    return symbol


def _count(text: str, option: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"{option}: count {text!r} is not a whole number") from None
    if value < 1:
        raise InputError(f"{option}: count must be at least 1")
    return value


@app.command("configurations")
def configurations_command(
    structure: Annotated[str, typer.Argument(help="Parent structure: library name or file.")],
    supercell: Annotated[tuple[int, int, int], typer.Option("--supercell", help="Repeat the parent N1 N2 N3 first.")] = (1, 1, 1),
    replace: Annotated[list[str] | None, typer.Option("--replace", help="OLD:NEW:COUNT substitution (COUNT may be 'all'); repeat, applied in order.")] = None,
    remove: Annotated[list[str] | None, typer.Option("--remove", help="ELEMENT:COUNT vacancies; repeat.")] = None,
    interstitial: Annotated[list[str] | None, typer.Option("--interstitial", help="ELEMENT:COUNT extra atoms on empty-space (Voronoi) sites; repeat for several species.")] = None,
    charges: Annotated[str | None, typer.Option("--charges", help="Formal charges for the Ewald ranking, e.g. 'Co=3,N=-3' (defaults for common ions).")] = None,
    samples: Annotated[int, typer.Option("--samples", help="Random configurations drawn (seed 004: 500).")] = 500,
    keep: Annotated[int, typer.Option("--keep", help="Lowest-Ewald configurations relaxed (seed 004: 5).")] = 5,
    seed: SeedOption = 0,
    relax_cell: Annotated[bool, typer.Option("--relax-cell/--fixed-cell", help="Relax cell and positions (default) or positions only.")] = True,
    calculator: CalculatorOption = "chgnet",
    db: DbOption = DEFAULT_DB,
    fmax: FmaxOption = 0.05,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Random dopant/vacancy/interstitial configurations ranked by Ewald energy, the lowest relaxed (seed 004)."""
    from sselab.runs import RunDirectory
    from sselab.studies.configurations import ConfigurationSearch

    substitutions = []
    for item in replace or []:
        old, new, count = _parse_spec(item, 3, "--replace")
        substitutions.append((_element(old, "--replace"), _element(new, "--replace"), None if count == "all" else _count(count, "--replace")))
    vacancies = [(_element(el, "--remove"), _count(n, "--remove")) for el, n in (_parse_spec(item, 2, "--remove") for item in remove or [])]
    extra = [(_element(el, "--interstitial"), _count(n, "--interstitial")) for el, n in (_parse_spec(item, 2, "--interstitial") for item in interstitial or [])]
    search = ConfigurationSearch(supercell=tuple(supercell), substitutions=substitutions, vacancies=vacancies, interstitials=extra,
                                 charges=_parse_charges(charges), samples=samples, keep=keep, seed=seed, relax_cell=relax_cell, fmax=fmax)
    run = RunDirectory.open(out, "defects configurations", {"structure": structure, "supercell": list(supercell), "replace": replace or [],
                                                              "remove": remove or [], "interstitial": interstitial or [],
                                                              "charges": search.charge_table, "samples": samples, "keep": keep,
                                                              "seed": seed, "relax_cell": relax_cell, "db": db}, overwrite=overwrite)
    with progress_bar(samples, "Ewald ranking", not json_output) as advance:
        sampled = search.sample(structure, progress=advance)
    engine = make_engine(calculator, db, fmax)
    with progress_bar(len(sampled.kept), "relaxing the lowest-Ewald configurations", not json_output) as advance:
        result = search.run(sampled, calculator=engine, progress=advance)
    run = result.write(run)
    rows = [(f"Ewald rank {c.rank_by_ewald}", f"E_Ewald {c.ewald_eV:.2f} eV -> E = {c.energy_eV:.4f} eV") for c in result.configurations]
    emit(run.summary, json_output, f"{result.formula}: lowest of {samples} configurations ({result.model})", rows,
         [f"best: Ewald rank {result.best_rank_by_ewald}", f"hull entry: {run.summary['entry_file']}", f"run directory: {run.path}"])
