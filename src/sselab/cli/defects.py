"""``sselab defects sites | formation-energy`` and ``sselab expansion``: seed 000's atomistic ion-exchange steps.

``defects sites`` scans the exchange ion over Li sites of ordered LLZO (Fig. 2) and builds higher
concentrations on the best configuration; its run directory keeps the relaxed host and the lowest
configurations (``host_relaxed.extxyz``, ``best_<Ion>_n<k>.extxyz``) for the two commands after it.
``defects formation-energy`` screens precursor salts (eq. 1 + eq. 7) from a user's energies file (their own
DFT) or with a calculator on the packaged salt structures. ``expansion`` relaxes the cells and fits γ (eq. 2).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from ase import Atoms
from ase.data import atomic_numbers
from ase.io import read, write
from pymatgen.core import Composition, Element

from sselab.atomistic.build.defects import interstitial_candidates, sample_configurations, select_li_sites, substitute
from sselab.atomistic.build.structures import load_structure
from sselab.atomistic.engine import Engine
from sselab.atomistic.properties.expansion import (
    equivalent_cubic_lattice_constant,
    fit_chemical_expansion,
    fit_size_trend,
    shannon_radius,
)
from sselab.atomistic.properties.formation import (
    dilute_limit_check,
    precursor,
    screen_precursors,
)
from sselab.cli.common import DEFAULT_DB, emit, make_engine, progress_bar, read_json_file
from sselab.cli.options import CalculatorOption, DbOption, FmaxOption, IonsOption, JsonOption, OutOption, SeedOption
from sselab.errors import SSELabError
from sselab.params import read_table
from sselab.plots import defects as defects_plots
from sselab.runs import RunDirectory
from sselab.studies.exchange_sites import relaxed_llzo, site_study, study_size
from sselab.units import parse_quantity

app = typer.Typer(help="Exchange-ion sites, formation energies against precursors (seed 000).", no_args_is_help=True)



def _check_ion(ion: str) -> str:
    """An exchange ion: a metal other than Li with a +1 oxidation state (Na, K, Ag, Cu, Rb, ...)."""
    try:
        element = Element(ion)
    except ValueError:
        raise SSELabError(f"--ion {ion!r} is not an element") from None
    if ion == "Li" or not element.is_metal or 1 not in element.common_oxidation_states:
        raise SSELabError(f"--ion {ion!r}: the exchange ion must be a metal other than Li that forms +1 ions")
    return ion


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
    json_output: JsonOption = False,
) -> None:
    """Site preference of exchange ions in ordered LLZO (seed 000 Fig. 2), relaxed at fixed cell."""
    for ion in ions:
        _check_ion(ion)
    if len(set(ions)) != len(ions):
        raise SSELabError("--ion: each ion once")
    if max_count < 1 or candidates < 1:
        raise SSELabError("--max-count and --candidates must be at least 1")
    if octahedral < 0 or tetrahedral < 0 or octahedral + tetrahedral == 0:
        raise SSELabError("--octahedral and --tetrahedral must not be negative, and at least one site must be scanned")
    engine = make_engine(calculator, db, fmax)
    engine.spec.check_elements(set(ions) | {"Li", "La", "Zr", "O"}, "exchanged LLZO")
    run = RunDirectory.open(out, "defects sites", {"ions": ions, "octahedral": octahedral, "tetrahedral": tetrahedral,
                                                     "max_count": max_count, "candidates": candidates, "seed": seed, "db": db,
                                                     "host": host_file})
    results: dict[str, Any] = {}
    if host_file is not None:
        host = _read_host(host_file, engine)
    else:
        with progress_bar(1, "relaxing the LLZO host", not json_output) as advance:
            host = relaxed_llzo(engine, seed=seed)
            advance()
    write(run.path / "host_relaxed.extxyz", host)
    total = sum(study_size(host, octahedral, tetrahedral, max_count, candidates) for _ in ions)
    with progress_bar(total, "site scan", not json_output) as advance:
        for ion in ions:
            study = site_study(engine, host, ion, octahedral, tetrahedral, max_count, candidates, progress=advance)
            results[ion] = study
            for step, structure in zip(study.steps, study.structures):
                write(run.path / f"best_{ion}_n{step.count}.extxyz", structure)
    n_li = int(np.count_nonzero(host.numbers == 3))
    summary = {
        "calculator": engine.spec.identity(),
        "host_energy_eV": float(host.get_potential_energy()),
        "host_lattice_constant_A": equivalent_cubic_lattice_constant(host),
        "li_sites_in_host": n_li,
        "ions": {ion: {**study.scan.as_dict(),
                       "concentration_steps": [{"count": s.count, "concentration": s.concentration, "indices": list(s.indices),
                                                "energy_eV": s.energy_eV, "scanned_sites": s.scanned_sites} for s in study.steps]}
                 for ion, study in results.items()},
        "engine": engine.record(),
    }
    run.save_figure("sites", defects_plots.site_preference_figure({ion: study.scan for ion, study in results.items()}, engine.spec.model))
    run.finish(summary)
    rows = []
    for ion, study in results.items():
        preference = study.scan.octahedral_preference_eV
        rows.append((f"{ion}: lowest configuration", f"{study.scan.best.name} ({study.scan.best.site_after})"))
        rows.append((f"{ion}: E(best tetrahedral) - E(best octahedral)",
                     "no ion stayed tetrahedral" if preference is None else f"{preference:+.3f} eV"))
        rows.append((f"{ion}: T->O hops during relaxation", str(study.scan.hops)))
    emit(summary, json_output, f"Exchange-ion site preference in LLZO ({engine.spec.model})", rows, [f"run directory: {run.path}"])


def _read_host(path: Path, engine: Engine) -> Atoms:
    """A relaxed LLZO host written by an earlier sites run: needs its Li site labels and an energy this calculator reproduces."""
    try:
        host = read(path)
    except FileNotFoundError:
        raise SSELabError(f"host file {path} does not exist") from None
    except Exception as error:  # ASE's readers raise many unrelated types
        raise SSELabError(f"cannot read host file {path}: {error}") from None
    if "site" not in host.arrays or host.calc is None:
        raise SSELabError(f"host file {path} lacks Li site labels or an energy: use host_relaxed.extxyz of a 'defects sites' run")
    stored = float(host.get_potential_energy())
    recomputed = float(engine.energy(host).get_potential_energy())
    if abs(recomputed - stored) / len(host) > 1e-3:
        raise SSELabError(f"host file {path} was computed with another calculator or model ({stored:.4f} eV there, "
                          f"{recomputed:.4f} eV with {engine.spec.model})")
    return host


# ----------------------------------------------------------------------------------------------------------- formation


def _energies_file(path: Path) -> dict[str, Any]:
    data = read_json_file(path, "energies file")
    if not isinstance(data, dict):
        raise SSELabError(f"energies file {path}: expected a JSON object")
    missing = [k for k in ("host_energy_eV", "exchanged_energy_eV", "n_exchanged", "precursors") if k not in data]
    if missing:
        raise SSELabError(f"energies file {path}: missing {', '.join(missing)}")
    if not isinstance(data["precursors"], dict):
        raise SSELabError(f"energies file {path}: 'precursors' must map formula -> energy per formula unit (eV)")
    try:
        n = data["n_exchanged"]
        if isinstance(n, bool) or int(n) != n or n < 1:
            raise ValueError
        host, exchanged = float(data["host_energy_eV"]), float(data["exchanged_energy_eV"])
    except (TypeError, ValueError):
        raise SSELabError(f"energies file {path}: energies must be numbers and n_exchanged a whole number >= 1") from None
    if not (np.isfinite(host) and np.isfinite(exchanged)):
        raise SSELabError(f"energies file {path}: energies must be finite")
    return data


def _series(items: Any, path: Path) -> list[tuple[int, float, float]]:
    """The optional dilute-check series: [{n_exchanged, concentration (fraction), exchanged_energy_eV}, ...]."""
    if not isinstance(items, list):
        raise SSELabError(f"energies file {path}: 'series' must be a list")
    series = []
    for number, item in enumerate(items):
        try:
            n, c, e = item["n_exchanged"], float(item["concentration"]), float(item["exchanged_energy_eV"])
            if isinstance(n, bool) or int(n) != n or n < 1:
                raise ValueError
        except (KeyError, TypeError, ValueError):
            raise SSELabError(f"energies file {path}: series item {number} needs n_exchanged (whole number >= 1), "
                              "concentration and exchanged_energy_eV (numbers)") from None
        if not 0 < c <= 1 or not np.isfinite(e):
            raise SSELabError(f"energies file {path}: series item {number}: concentration must be a fraction in (0, 1] "
                              f"(got {c}) and the energy finite")
        series.append((int(n), c, e))
    return series


def packaged_precursors(ion: str) -> list[dict[str, str]]:
    """The packaged precursor list of ``ion`` (params/data/precursors/salts.toml): formula and structure names."""
    table, _ = read_table("salts", "precursors")
    entries = table.get(ion)
    if not entries:
        raise SSELabError(f"no packaged precursors for {ion} (have: {', '.join(k for k in table if k not in ('source', 'note'))})")
    return entries["salts"]


def _energy_per_formula_unit(engine: Engine, structure: str, formula: str) -> tuple[float, Atoms]:
    atoms = load_structure(structure)
    relaxed = engine.relax(atoms, cell=True)
    per_unit = Composition(formula).num_atoms
    units = len(relaxed) / per_unit
    if abs(units - round(units)) > 1e-6 or Composition(relaxed.get_chemical_formula()).reduced_composition != Composition(formula).reduced_composition:
        raise SSELabError(f"structure {structure} ({relaxed.get_chemical_formula()}) is not {formula}")
    return float(relaxed.get_potential_energy()) / round(units), relaxed


def _read_sites_run(directory: Path) -> dict[str, Any]:
    """The summary of a 'defects sites' run, checked for what the later commands read (keys and files)."""
    summary = read_json_file(directory / "run.json", "'defects sites' run record").get("summary") if (directory / "run.json").exists() else None
    if not isinstance(summary, dict) or not {"calculator", "host_energy_eV", "li_sites_in_host", "ions"} <= set(summary):
        raise SSELabError(f"{directory} is not a 'defects sites' run directory (no run.json with its summary)")
    files = [directory / "host_relaxed.extxyz"]
    for ion, data in summary["ions"].items():
        steps = data.get("concentration_steps") or []
        if not steps:
            raise SSELabError(f"{directory}: no configurations recorded for {ion}")
        files += [directory / f"best_{ion}_n{step['count']}.extxyz" for step in steps]
    missing = [f.name for f in files if not f.is_file()]
    if missing:
        raise SSELabError(f"{directory} lacks {', '.join(missing)}")
    return summary


def _from_sites_run(sites_run: Path, ion: str, engine: Engine | None) -> tuple[float, list[tuple[int, float, float]]]:
    """Host energy and (count, concentration, energy) of each best configuration from a ``defects sites`` run."""
    summary = _read_sites_run(sites_run)
    if ion not in summary["ions"]:
        raise SSELabError(f"the sites run {sites_run} has no {ion} (has {', '.join(summary.get('ions', {})) or 'none'})")
    if engine is not None and summary["calculator"]["model"] != engine.spec.model:
        raise SSELabError(f"the sites run used {summary['calculator']['model']}, not {engine.spec.model}: energies cannot be mixed")
    steps = summary["ions"][ion]["concentration_steps"]
    return float(summary["host_energy_eV"]), [(s["count"], s["concentration"], s["energy_eV"]) for s in steps]


def formation_energy_command(
    ion: Annotated[str, typer.Option("--ion", help="Exchange ion: Na, Ag, K.")],
    temperature: Annotated[str, typer.Option("--temperature", help="Process temperature for the dilute concentration, e.g. '1200 K'.")],
    energies: Annotated[Path | None, typer.Option("--energies", help="JSON energies file (your own DFT): host_energy_eV, exchanged_energy_eV, n_exchanged, precursors.")] = None,
    calculator: Annotated[str | None, typer.Option("--calculator", help="Compute the energies with this calculator (chgnet, sevennet, ...).")] = None,
    sites: Annotated[Path | None, typer.Option("--sites", help="A 'defects sites' run directory to take the LLZO energies from (with --calculator).")] = None,
    seed: SeedOption = 0,
    db: DbOption = DEFAULT_DB,
    fmax: FmaxOption = 0.05,
    out: OutOption = None,
    json_output: JsonOption = False,
) -> None:
    """Ion-exchange formation energy against each precursor salt, with verdict and dilute concentration (seed 000 §3.2)."""
    _check_ion(ion)
    kelvin = parse_quantity(temperature, "temperature", "--temperature")
    if not kelvin > 0:
        raise SSELabError(f"--temperature must be positive, got {temperature}")
    if (energies is None) == (calculator is None):
        raise SSELabError("give exactly one of --energies FILE and --calculator NAME")
    if sites is not None and energies is not None:
        raise SSELabError("--sites goes with --calculator; with --energies, put the LLZO energies in the file")
    series: list[tuple[int, float, float]] = []
    engine = None
    inputs = {"ion": ion, "temperature_K": kelvin, "energies": energies, "calculator": calculator, "sites": sites, "seed": seed, "db": db}
    if energies is not None:
        data = _energies_file(energies)
        host_energy, exchanged_energy, n_exchanged = float(data["host_energy_eV"]), float(data["exchanged_energy_eV"]), int(data["n_exchanged"])
        salts = dict(data["precursors"])
        series = _series(data.get("series", []), energies)
        source = f"energies file {energies}"
        screen_precursors(ion, host_energy, exchanged_energy, n_exchanged, salts, kelvin)  # bad files stop here, before the run directory
        run = RunDirectory.open(out, "defects formation-energy", inputs)
    else:
        engine = make_engine(calculator, db, fmax)
        entries = packaged_precursors(ion)
        engine.spec.check_elements({ion, "Li", "La", "Zr", "O"}, "exchanged LLZO")
        if sites is not None:  # refuse a mismatched run before any relaxation
            host_energy, series = _from_sites_run(sites, ion, engine)
        run = RunDirectory.open(out, "defects formation-energy", inputs)
        salts = {}
        with progress_bar(2 * len(entries) + 2, f"{ion} precursors", not json_output) as advance:
            for entry in entries:
                salt = precursor(entry["formula"], ion)
                for formula, structure in ((entry["formula"], entry["structure"]), (salt.li_counterpart, entry["li_structure"])):
                    if formula not in salts:
                        salts[formula], relaxed = _energy_per_formula_unit(engine, structure, formula)
                        write(run.path / f"salt_{structure}.extxyz", relaxed)
                    advance()
            if sites is not None:
                n_exchanged, _, exchanged_energy = series[0]
                advance(steps=2)
            else:
                host = relaxed_llzo(engine, seed=seed)
                advance()
                index = select_li_sites(host, octahedral=1, tetrahedral=0)[0]
                exchanged = engine.relax(substitute(host, [index], ion), cell=False)
                advance()
                host_energy, exchanged_energy, n_exchanged = float(host.get_potential_energy()), float(exchanged.get_potential_energy()), 1
        source = f"{engine.spec.model} on the packaged salts" + (f" and the LLZO cells of {sites}" if sites else
                                                                 " and one octahedral site of ordered LLZO (no site scan)")
    rows = screen_precursors(ion, host_energy, exchanged_energy, n_exchanged, salts, kelvin)
    summary: dict[str, Any] = {
        "ion": ion,
        "temperature_K": kelvin,
        "energy_source": source,
        "host_energy_eV": host_energy,
        "exchanged_energy_eV": exchanged_energy,
        "n_exchanged": n_exchanged,
        "rows": [{"precursor": r.precursor, "li_counterpart": r.li_counterpart, "k": r.k, "E_f_eV": r.E_f_eV,
                  "dilute_concentration": r.dilute_concentration, "verdict": r.verdict} for r in rows],
        "hand_off": "sselab ion-exchange design --ion {ion} --formation-energy '<E_f> eV' --temperature '{T:g} K'".format(ion=ion, T=kelvin),
    }
    metal = next((r for r in rows if precursor(r.precursor, ion).is_metal), None)
    if series and metal is not None and len({c for c, _, _ in series}) >= 2:
        reference_term = metal.E_f_eV - (exchanged_energy - host_energy) / n_exchanged  # E(Li) - E(M), per atom
        values = [(e - host_energy) / n + reference_term for n, _, e in series]
        check = dilute_limit_check([c for _, c, _ in series], values)
        summary["dilute_check"] = {"reference": metal.precursor, "concentrations": list(check.concentrations),
                                   "E_f_eV": list(check.formation_energies_eV), "slope_eV_per_percent": check.slope_eV_per_percent,
                                   "dilute": check.dilute, "threshold_eV_per_percent": check.threshold_eV_per_percent}
    if engine is not None:
        summary["engine"] = engine.record()
        if sites is None:
            summary["warning"] = ("E_IX is one octahedral configuration, not the lowest of a site scan (Fig. 2): E_f can be too high "
                                  "by the spread of site energies; pass --sites RUN from 'defects sites' for the paper's E_f")
    run.save_figure("formation_energies", defects_plots.formation_energy_figure(ion, summary["rows"], kelvin))
    run.finish(summary)
    table = [(f"{r.precursor} -> {r.li_counterpart}", f"E_f = {r.E_f_eV:+.3f} eV, C = {r.dilute_concentration:.3g}, {r.verdict}")
             for r in rows]
    emit(summary, json_output, f"{ion} exchange formation energies at {kelvin:g} K", table,
         [f"energies: {source}"] + ([f"warning: {summary['warning']}"] if "warning" in summary else [])
         + [f"hand-off: {summary['hand_off']}", f"run directory: {run.path}"])


# ----------------------------------------------------------------------------------------------------------- expansion

# The cell is the result here: converge the stress itself (|σ| < fmax/V, a few MPa for LLZO), not the virial per atom.
# With ASE's default a single Na⁺ left -0.22 GPa in the 192-atom cell and its expansion unresolved (measured).
STRESS_CONVERGED = 1.0


def expansion_command(
    sites: Annotated[list[Path], typer.Argument(help="'defects sites' run directories (same host and calculator), made with --max-count >= 2.")],
    calculator: CalculatorOption = "chgnet",
    db: DbOption = DEFAULT_DB,
    fmax: FmaxOption = 0.05,
    base_ion: Annotated[str | None, typer.Option("--base-ion", help="Ion file (Na, Ag or a TOML) whose other parameters go into the written ion files.")] = None,
    out: OutOption = None,
    json_output: JsonOption = False,
) -> None:
    """Chemical expansion coefficient gamma (seed 000 eq. 2): fully relaxed cells at 1, 2, ... exchange ions."""
    engine = make_engine(calculator, db, fmax)
    plan: dict[str, tuple[Path, list[int]]] = {}
    hosts = []
    for directory in sites:
        summary_in = _read_sites_run(directory)
        if summary_in["calculator"]["model"] != engine.spec.model:
            raise SSELabError(f"the sites run {directory} used {summary_in['calculator']['model']}, not {engine.spec.model}")
        hosts.append((summary_in["host_energy_eV"], summary_in["li_sites_in_host"]))
        for ion, data in summary_in["ions"].items():
            if ion in plan:
                raise SSELabError(f"{ion} appears in two sites runs ({plan[ion][0]} and {directory}): give each ion once")
            plan[ion] = (directory, [s["count"] for s in data["concentration_steps"]])
    if any(abs(e - hosts[0][0]) > 1e-4 or n != hosts[0][1] for e, n in hosts):
        raise SSELabError("the sites runs start from different LLZO hosts (Li ordering seed or calculator settings differ)")
    ions = list(plan)
    for ion in ions:  # fail before hours of relaxations, not after
        shannon_radius(ion)
        _ion_file(ion, 0.01, engine.spec.model, base_ion)
    run = RunDirectory.open(out, "expansion", {"sites": sites, "db": db, "base_ion": base_ion})
    host = read(sites[0] / "host_relaxed.extxyz")
    n_li = hosts[0][1]
    fits = {}
    with progress_bar(1 + sum(len(c) for _, c in plan.values()), "full relaxations", not json_output) as advance:
        a0 = equivalent_cubic_lattice_constant(engine.relax(host, cell=True, cell_factor=STRESS_CONVERGED))
        advance()
        for ion, (directory, counts) in plan.items():
            lattice = []
            for count in counts:
                structure = read(directory / f"best_{ion}_n{count}.extxyz")
                relaxed = engine.relax(structure, cell=True, cell_factor=STRESS_CONVERGED)
                write(run.path / f"relaxed_{ion}_n{count}.extxyz", relaxed)
                lattice.append(equivalent_cubic_lattice_constant(relaxed))
                advance()
            fits[ion] = fit_chemical_expansion(a0, [c / n_li for c in counts], lattice)
    trend = fit_size_trend(ions, [fits[i].gamma for i in ions])
    ion_files = {}
    for ion, fit in fits.items():
        if fit.gamma > 0:  # the ion-exchange model needs an expanding ion (compressive surface stress)
            ion_files[ion] = str(run.write_text(f"{ion.lower()}.toml", _ion_file(ion, fit.gamma, engine.spec.model, base_ion)))
    summary = {
        "a0_A": a0,
        "ions": {ion: {"gamma": fit.gamma, "r_squared": fit.r_squared, "concentrations": list(fit.concentrations),
                       "lattice_constants_A": list(fit.lattice_constants_A), "strains": list(fit.strains),
                       "shannon_radius_A": shannon_radius(ion)} for ion, fit in fits.items()},
        "size_trend": {"slope_per_A": trend.slope_per_A, "intercept": trend.intercept, "r_squared": trend.r_squared,
                       "includes_li_at_zero": True} if trend else None,
        "order_by_gamma": sorted(fits, key=lambda i: fits[i].gamma),
        "ion_files": ion_files,
        "no_ion_file": {ion: "gamma <= 0: the ion-exchange stress model needs an expanding ion" for ion in fits if ion not in ion_files},
        "engine": engine.record(),
    }
    run.save_figure("expansion", defects_plots.expansion_figure(fits, trend, engine.spec.model))
    run.finish(summary)
    rows = [(ion, f"gamma = {fit.gamma:.4f} (R^2 = {fit.r_squared:.3f}), r = {shannon_radius(ion):.2f} A") for ion, fit in fits.items()]
    if trend:
        rows.append(("gamma vs Shannon radius", f"slope {trend.slope_per_A:.3f} per A, R^2 = {trend.r_squared:.3f}"))
    emit(summary, json_output, f"Chemical expansion in LLZO ({engine.spec.model})", rows,
         [f"ion file for 'ion-exchange design --ion': {path}" for path in ion_files.values()] + [f"run directory: {run.path}"])


def _ion_file(ion: str, gamma: float, model: str, base_ion: str | None) -> str:
    """An ion TOML with gamma replaced; diffusion parameters from ``base_ion`` (or the packaged ion of that name)."""
    base_name = base_ion or ion
    try:
        table, origin = read_table(base_name, "ions")
    except SSELabError:
        raise SSELabError(f"no ion file {base_name!r} to take the diffusion parameters from; pass --base-ion FILE") from None
    kept = {k: v for k, v in table.items() if k not in ("chemical_strain", "chemical_strain_concentration",
                                                        "chemical_expansion_coefficient", "source")}
    lines = [f"# {ion}+ in LLZO: gamma from 'sselab expansion' with {model}; other parameters from {origin}"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in kept.items()]
    lines += [f"chemical_expansion_coefficient = {gamma!r}", f'source = "sselab expansion ({model}); diffusion: {origin}"']
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------------ configurations

DEFAULT_CHARGES = {"Li": 1.0, "Na": 1.0, "K": 1.0, "Ag": 1.0, "Mg": 2.0, "La": 3.0, "Y": 3.0, "Al": 3.0, "Zr": 4.0, "Ta": 5.0,
                   "Nb": 5.0, "P": 5.0, "S": 6.0, "Co": 3.0, "Ni": 3.0, "O": -2.0, "N": -3.0, "F": -1.0, "Cl": -1.0}


def _parse_charges(text: str | None) -> dict[str, float]:
    charges = dict(DEFAULT_CHARGES)
    for item in (text or "").replace(" ", "").split(","):
        if not item:
            continue
        element, _, value = item.partition("=")
        element = _element(element, "--charges")
        try:
            charges[element] = float(value)
        except ValueError:
            raise SSELabError(f"--charges: expected ELEMENT=CHARGE pairs, got {item!r}") from None
        if not np.isfinite(charges[element]):
            raise SSELabError(f"--charges: {element}'s charge must be finite")
    return charges


def _parse_spec(text: str, parts: int, option: str) -> list[str]:
    fields = text.split(":")
    if len(fields) != parts or not all(fields):
        raise SSELabError(f"{option} {text!r}: expected {':'.join(['X'] * (parts - 1))}:COUNT")
    return fields


def _element(symbol: str, option: str) -> str:
    if symbol not in atomic_numbers or symbol == "X":
        raise SSELabError(f"{option}: {symbol!r} is not an element symbol")
    return symbol


def _count(text: str, option: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise SSELabError(f"{option}: count {text!r} is not a whole number") from None
    if value < 1:
        raise SSELabError(f"{option}: count must be at least 1")
    return value


def configurations_command(
    structure: Annotated[str, typer.Argument(help="Parent structure: library name or file.")],
    supercell: Annotated[tuple[int, int, int], typer.Option("--supercell", help="Repeat the parent N1 N2 N3 first.")] = (1, 1, 1),
    replace: Annotated[list[str] | None, typer.Option("--replace", help="OLD:NEW:COUNT substitution (COUNT may be 'all'); repeat, applied in order.")] = None,
    remove: Annotated[list[str] | None, typer.Option("--remove", help="ELEMENT:COUNT vacancies; repeat.")] = None,
    interstitial: Annotated[str | None, typer.Option("--interstitial", help="ELEMENT:COUNT extra atoms on empty-space (Voronoi) sites.")] = None,
    charges: Annotated[str | None, typer.Option("--charges", help="Formal charges for the Ewald ranking, e.g. 'Co=3,N=-3' (defaults for common ions).")] = None,
    samples: Annotated[int, typer.Option("--samples", help="Random configurations drawn (seed 004: 500).")] = 500,
    keep: Annotated[int, typer.Option("--keep", help="Lowest-Ewald configurations relaxed (seed 004: 5).")] = 5,
    seed: SeedOption = 0,
    relax_cell: Annotated[bool, typer.Option("--relax-cell/--fixed-cell", help="Relax cell and positions (default) or positions only.")] = True,
    calculator: CalculatorOption = "chgnet",
    db: DbOption = DEFAULT_DB,
    fmax: FmaxOption = 0.05,
    out: OutOption = None,
    json_output: JsonOption = False,
) -> None:
    """Random dopant/vacancy/interstitial configurations ranked by Ewald energy, the lowest relaxed (seed 004)."""
    if any(n < 1 for n in supercell):
        raise SSELabError("--supercell repeats must be at least 1")
    parent = load_structure(structure).repeat(tuple(supercell))
    charge_table = _parse_charges(charges)
    substitutions: list[tuple[str, str, int | None]] = []
    for item in replace or []:
        old, new, count = _parse_spec(item, 3, "--replace")
        substitutions.append((_element(old, "--replace"), _element(new, "--replace"), None if count == "all" else _count(count, "--replace")))
    vacancies = [(_element(el, "--remove"), _count(n, "--remove")) for el, n in (_parse_spec(item, 2, "--remove") for item in remove or [])]
    extra = None
    sites = None
    if interstitial:
        element, count = _parse_spec(interstitial, 2, "--interstitial")
        extra = (_element(element, "--interstitial"), _count(count, "--interstitial"))
        sites = interstitial_candidates(parent)
    with progress_bar(samples, "Ewald ranking", not json_output) as advance:
        kept, energies = sample_configurations(parent, charge_table, substitutions, vacancies, extra, sites, samples, keep, seed,
                                               progress=advance)
    engine = make_engine(calculator, db, fmax)
    engine.spec.check_elements(set(kept[0].atoms.get_chemical_symbols()), "configuration")
    run = RunDirectory.open(out, "defects configurations", {"structure": structure, "supercell": list(supercell), "replace": replace or [],
                                                              "remove": remove or [], "interstitial": interstitial, "charges": charge_table,
                                                              "samples": samples, "keep": keep, "seed": seed, "relax_cell": relax_cell, "db": db})
    relaxed = []
    with progress_bar(len(kept), "relaxing the lowest-Ewald configurations", not json_output) as advance:
        for configuration in kept:
            relaxed.append(engine.relax(configuration.atoms, cell=relax_cell))
            advance()
    order = int(np.argmin([r.get_potential_energy() for r in relaxed]))
    best = relaxed[order]
    write(run.path / "best.extxyz", best)
    formula = best.get_chemical_formula(mode="metal")
    entry = [{"composition": formula, "energy_eV": float(best.get_potential_energy()), "name": f"{formula} (configuration {order})"}]
    run.write_text("entry.json", json.dumps(entry, indent=1) + "\n")
    summary = {
        "formula": formula,
        "atoms": len(best),
        "samples": samples,
        "distinct_ewald_energies_kept": len(kept),
        "ewald_eV": {"lowest": float(energies.min()), "highest": float(energies.max()), "mean": float(energies.mean())},
        "configurations": [{"rank_by_ewald": i, "ewald_eV": c.ewald_eV, "energy_eV": float(r.get_potential_energy()),
                            "converged": bool(r.info.get("converged", True))} for i, (c, r) in enumerate(zip(kept, relaxed))],
        "best_rank_by_ewald": order,
        "best_energy_eV": float(best.get_potential_energy()),
        "best_energy_per_atom_eV": float(best.get_potential_energy()) / len(best),
        "entry_file": str(run.path / "entry.json"),
        "engine": engine.record(),
    }
    run.save_figure("ewald_vs_energy", defects_plots.ewald_energy_figure(energies, summary["configurations"], engine.spec.model))
    run.finish(summary)
    rows = [(f"Ewald rank {c['rank_by_ewald']}", f"E_Ewald {c['ewald_eV']:.2f} eV -> E = {c['energy_eV']:.4f} eV") for c in summary["configurations"]]
    emit(summary, json_output, f"{formula}: lowest of {samples} configurations ({engine.spec.model})", rows,
         [f"best: Ewald rank {order}", f"hull entry: {summary['entry_file']}", f"run directory: {run.path}"])
