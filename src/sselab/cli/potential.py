"""``sselab potential sample|fit|validate|learn``: fast potentials distilled from a reference calculator.

The library behind it is :mod:`sselab.studies.potential` (``PotentialSampling``, ``PotentialFit``,
``PotentialValidation``); the method is in docs/potentials.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sselab.cli.common import DEFAULT_DB, emit, make_engine, progress_bar
from sselab.cli.options import CalculatorOption, DbOption, DeviceOption, JsonOption, OutOption, OverwriteOption

app = typer.Typer(help="Fit fast potentials (rigid-ion Born) to an MLIP or your DFT data; validate; use as ff:NAME.",
                  no_args_is_help=True)


def parse_floats(text: str, name: str) -> tuple[float, ...]:
    """Numbers separated by commas ("-0.04,-0.02,0.02"); an empty list is allowed as ""."""
    from sselab.errors import InputError
    from sselab.validation import require_finite

    items = [item.strip() for item in text.split(",")] if text.strip() else []
    try:
        return tuple(require_finite(float(item), name) for item in items)
    except ValueError:
        raise InputError(f"{name}: expected numbers separated by commas, got {text!r}") from None


def parse_weights(text: str):
    """'energy=1,forces=1,stress=0.5' → FitWeights (omitted keys keep 1)."""
    from sselab.atomistic.fitting.born import FitWeights
    from sselab.errors import InputError

    values: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or key.strip() not in ("energy", "forces", "stress"):
            raise InputError(f"--weights: expected energy=W,forces=W,stress=W, got {item!r}")
        try:
            values[key.strip()] = float(value)
        except ValueError:
            raise InputError(f"--weights: {key.strip()} must be a number, got {value!r}") from None
    return FitWeights(**values)


def parse_pod_basis(text: str) -> dict[str, int]:
    """'8,6,5' → the POD basis: two-body radial functions, three-body radial functions, three-body angular degree."""
    from sselab.errors import InputError

    items = [item.strip() for item in text.split(",")]
    if len(items) != 3 or not all(item.isdigit() for item in items):
        raise InputError(f"--pod-basis: expected TWO,THREE,ANGULAR (three whole numbers, e.g. 6,4,3), got {text!r}")
    return dict(zip(("two_body_radial", "three_body_radial", "angular_degree"), map(int, items), strict=True))


def parse_file_weights(items: list[str] | None) -> dict[str, float]:
    """['data/a.extxyz=10', ...] → {'data/a.extxyz': 10.0} (the weight of every frame of that file)."""
    from sselab.errors import InputError

    weights: dict[str, float] = {}
    for item in items or ():
        path, sep, value = item.rpartition("=")
        try:
            weight = float(value)
        except ValueError:
            sep = ""
        if not sep or not path:
            raise InputError(f"--frame-weight: expected FILE=WEIGHT, got {item!r}")
        weights[path] = weight
    return weights


@app.command("sample")
def sample_command(
    structure: Annotated[str, typer.Argument(help="'llzo' (ordered cubic LLZO), a packaged structure name or a structure file.")],
    calculator: CalculatorOption = "chgnet",
    db: DbOption = DEFAULT_DB,
    device: DeviceOption = "cpu",
    strains: Annotated[str, typer.Option(help="Isotropic linear strains, comma-separated (tension positive).")] = "-0.04,-0.02,0.02,0.04",
    strain_component: Annotated[float, typer.Option(help="Each Voigt strain component applied at +/- this value (0: none).")] = 0.01,
    rattled: Annotated[int, typer.Option(help="Number of rattled cells.")] = 20,
    rattle: Annotated[float, typer.Option(help="Rattle amplitude (standard deviation per component), A.")] = 0.1,
    exchange_ion: Annotated[list[str] | None, typer.Option(help="Exchange ion replacing Li (repeatable), e.g. Na.")] = None,
    exchange_count: Annotated[int, typer.Option(help="Li replaced per exchanged cell.")] = 2,
    exchanged: Annotated[int, typer.Option(help="Exchanged cells per ion.")] = 6,
    trajectory: Annotated[list[Path] | None, typer.Option(help="MD trajectory (extxyz from 'md run') to take snapshots from; repeatable.")] = None,
    snapshot_every: Annotated[int, typer.Option(help="Take every n-th frame of each trajectory.")] = 10,
    relaxed_by: Annotated[str | None, typer.Option(help="Model that relaxes the ions of strained cells before the reference labels them, e.g. lammps:FILE.toml (active learning on the relaxed-ion elastic response).")] = None,
    relaxed_strains: Annotated[str, typer.Option(help="Strains of each Voigt component for --relaxed-by, comma-separated (shear as engineering strain).")] = "0.015,-0.015,0.025,-0.025",
    seed: Annotated[int, typer.Option(help="Seed of the random configurations (and the LLZO Li ordering).")] = 0,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Labelled configurations (energy, forces, stress) around a structure, written as training.extxyz."""
    from sselab.runs import RunDirectory
    from sselab.studies.potential import PotentialSampling

    sampling = PotentialSampling(volumetric_strains=parse_floats(strains, "--strains"), strain_component=strain_component,
                                 rattled=rattled, rattle_A=rattle, exchange_ions=tuple(exchange_ion or ()),
                                 exchange_count=exchange_count, exchanged=exchanged, trajectories=tuple(trajectory or ()),
                                 snapshot_every=snapshot_every, seed=seed, relaxed_by=relaxed_by,
                                 relaxed_strains=parse_floats(relaxed_strains, "--relaxed-strains"))
    engine = make_engine(calculator, db, 0.05, device)
    run = RunDirectory.open(out, "potential sample", {"structure": structure, "calculator": calculator, "db": db}, overwrite=overwrite)
    with progress_bar(0, "labelling", not json_output) as advance:
        result = sampling.run(structure, calculator=engine, progress=advance)
    run = result.write(run)
    rows = [("frames", f"{len(result.frames)} ({', '.join(f'{k} {v}' for k, v in result.counts().items())})"),
            ("teacher", result.teacher["model"]), ("data sha256", run.summary["data_sha256"][:16])]
    emit(run.summary, json_output, "Training data", rows,
         [f"training set: {run.path / 'training.extxyz'}", f"next: sselab potential fit {run.path / 'training.extxyz'} --name NAME"])


@app.command("fit")
def fit_command(
    data: Annotated[list[Path], typer.Argument(help="Labelled extxyz files (from 'potential sample' or your DFT).")],
    name: Annotated[str, typer.Option(help="Name of the fitted set (the TOML file and ff:NAME).")] = "fitted",
    family: Annotated[str, typer.Option(help="born (rigid-ion Born, ff:NAME) or pod (LAMMPS ML-POD, lammps:NAME.toml).")] = "born",
    pod_cutoff: Annotated[float, typer.Option(help="POD cutoff radius, A (family pod).")] = 5.0,
    pod_wall: Annotated[bool, typer.Option(help="Overlay a ZBL repulsive wall below the data's shortest distance (family pod).")] = True,
    pod_basis: Annotated[str, typer.Option(help="POD basis (family pod): two-body radial functions, three-body radial functions, three-body angular degree.")] = "6,4,3",
    pod_stress_weight: Annotated[float, typer.Option(help="Weight of a stress residual per GPa (family pod; 0: fitpod fits energies and forces only).")] = 0.0,
    initial: Annotated[str | None, typer.Option(help="Force field whose decay lengths start the fit, e.g. llzo_bush_coreshell.")] = None,
    weights: Annotated[str, typer.Option(help="Weights of the energy, force and stress residuals (each scaled by its gate).")] = "energy=1,forces=1,stress=1",
    frame_weight: Annotated[list[str] | None, typer.Option(help="FILE=W: multiply the squared residuals of every frame of data file FILE by W (repeatable).")] = None,
    holdout: Annotated[float, typer.Option(help="Fraction of each kind of frame held out for validation.")] = 0.15,
    cutoff: Annotated[float, typer.Option(help="Real-space Coulomb cutoff, A.")] = 10.0,
    short_range_cutoff: Annotated[float, typer.Option(help="Cutoff of the short-range terms, A.")] = 7.0,
    cation_pairs: Annotated[bool, typer.Option(help="Short-range terms between cations too (not only pairs holding an anion).")] = False,
    seed: Annotated[int, typer.Option(help="Seed of the hold-out draw.")] = 0,
    teacher: Annotated[str | None, typer.Option(help="'potential sample' run directory whose teacher is recorded in the fit's provenance.")] = None,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Fit a rigid-ion Born model (fitted charge scale, Buckingham + repulsive core) or a POD; evaluate held-out frames."""
    from sselab.atomistic.fitting.born import BornFitSettings
    from sselab.atomistic.fitting.pod import PodSettings
    from sselab.runs import RunDirectory, run_summary
    from sselab.studies.potential import PotentialFit

    settings = BornFitSettings(cutoff_A=cutoff, short_range_cutoff_A=short_range_cutoff, weights=parse_weights(weights),
                               cation_pairs=cation_pairs)
    study = PotentialFit(name=name, family=family, settings=settings, pod=PodSettings(rcut=pod_cutoff, zbl_wall=pod_wall, stress_weight=pod_stress_weight, **parse_pod_basis(pod_basis)), holdout=holdout, seed=seed,
                         initial=initial)
    identity = run_summary(teacher, "potential sample", {"teacher"})["teacher"] if teacher else None
    file_weights = parse_file_weights(frame_weight)
    run = RunDirectory.open(out, "potential fit", {"data": data, "name": name, "initial": initial, "weights": weights,
                                                   "frame_weights": file_weights}, overwrite=overwrite)
    with progress_bar(0, "fitting", not json_output) as advance:
        result = study.run(data, teacher=identity, file_weights=file_weights, progress=advance)
    run = result.write(run)
    rows = [("model", f"charge scale {result.fit.charge_scale:.4f} x formal" if family == "born" else
             f"POD, {result.fit.coefficients} coefficients, elements {' '.join(result.fit.elements)}"),
            ("frames", f"{len(result.training)} training, {len(result.held_out)} held out")]
    rows += [(f"training RMSE {key}", f"{value:.4g}") for key, value in result.fit.errors.items()]
    if "all" in result.held_out_errors:
        e = result.held_out_errors["all"]
        rows.append(("held-out RMSE", f"{e.energy_rmse_meV_per_atom:.3g} meV/atom, {e.force_rmse_eV_per_A:.3g} eV/A, {e.stress_rmse_GPa:.3g} GPa"))
    toml = run.path / f"{name}.toml"
    use = f"--calculator ff:{toml}  or  md run --forcefield {toml}" if family == "born" else f"--calculator lammps:{toml}"
    emit(run.summary, json_output, f"Fitted {name}", rows,
         [f"potential: {toml}", f"use: {use}",
          f"next: sselab potential validate {toml} --data {run.path / 'heldout.extxyz'} --structure STRUCTURE --reference CALCULATOR"])


@app.command("validate")
def validate_command(
    forcefield: Annotated[str, typer.Argument(help="Fitted set: a packaged name or a TOML file; lammps:NAME for a packaged LAMMPS potential (lammps:lzo_pod) or lammps:FILE.")],
    data: Annotated[list[Path] | None, typer.Option("--data", help="Labelled extxyz frames to compute errors on (held out from the fit); repeatable.")] = None,
    structure: Annotated[str | None, typer.Option(help="Structure for properties ('llzo', a name or a file): lattice, C11/C12/C44, E_hkl.")] = None,
    reference: Annotated[str | None, typer.Option(help="Reference calculator for the properties, e.g. chgnet.")] = None,
    fmax: Annotated[float, typer.Option(help="Relaxation tolerance (eV/A) of the property relaxations, both models; the relaxed-ion elastic constants need it well below the strain's forces.")] = 0.001,
    strain: Annotated[float, typer.Option(help="Finite-strain step of the elastic constants (+/- each component; shear as engineering strain).")] = 0.005,
    db: DbOption = DEFAULT_DB,
    device: DeviceOption = "cpu",
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Errors on labelled frames and properties against the reference, with the gates each meets."""
    from sselab.runs import RunDirectory
    from sselab.studies.potential import PotentialValidation

    study = PotentialValidation(strain=strain, fmax=fmax)
    teacher = make_engine(reference, db, fmax, device) if reference is not None else None
    run = RunDirectory.open(out, "potential validate", {"forcefield": forcefield, "data": data or [], "structure": structure,
                                                        "reference": reference, "fmax_eV_per_A": fmax, "strain": strain,
                                                        "db": db}, overwrite=overwrite)
    with progress_bar(0, "validating", not json_output) as advance:
        result = study.run(forcefield, data or [], structure=structure, reference=teacher, progress=advance)
    run = result.write(run)
    rows = [(f"{kind} ({e.frames} frames)", f"{e.energy_rmse_meV_per_atom:.3g} meV/atom, {e.force_rmse_eV_per_A:.3g} eV/A, "
             f"{e.stress_rmse_GPa:.3g} GPa") for kind, e in result.errors.items()]
    for key, gate in result.gates().items():
        value = gate["value"] if isinstance(gate["value"], str) else f"{gate['value']:.4g}"
        value += f" ({gate['kind']})" if "kind" in gate else ""
        verdict = "no verdict" if gate["holds"] is None else "holds" if gate["holds"] else "FAILS"
        rows.append((f"gate {key}", f"{value} (limit {gate['limit']}): {verdict}"))
    if result.properties:
        moved = [result.properties[who]["max_ion_relaxation_A"] for who in ("fitted", "reference")]
        rows.append(("largest ion relaxation in the strained cells", f"fitted {moved[0]:.3f} A, reference {moved[1]:.3f} A"))
        if "K_VRH_GPa" in result.properties["fitted"]:
            rows.append(("full tensor (non-cubic cell): K_VRH, G_VRH", ", ".join(
                f"{who} {result.properties[who]['K_VRH_GPa']:.1f}, {result.properties[who]['G_VRH_GPa']:.1f} GPa"
                for who in ("fitted", "reference"))))
    emit(run.summary, json_output, f"Validation of {result.name}", rows, [f"run directory: {run.path}"])


@app.command("learn")
def learn_command(
    data: Annotated[list[Path], typer.Argument(help="Labelled extxyz files to start from (from 'potential sample').")],
    structure: Annotated[list[str], typer.Option(help="Cell to explore with MD: 'llzo', a packaged name or a structure file; repeatable (each cell is explored every round).")],
    calculator: CalculatorOption = "chgnet",
    db: DbOption = DEFAULT_DB,
    device: DeviceOption = "cpu",
    name: Annotated[str, typer.Option(help="Name of the fitted set.")] = "fitted",
    family: Annotated[str, typer.Option(help="born (rigid-ion Born, ff:NAME) or pod (LAMMPS ML-POD, lammps:NAME.toml).")] = "born",
    pod_cutoff: Annotated[float, typer.Option(help="POD cutoff radius, A (family pod).")] = 5.0,
    pod_wall: Annotated[bool, typer.Option(help="Overlay a ZBL repulsive wall below the data's shortest distance (family pod).")] = True,
    pod_basis: Annotated[str, typer.Option(help="POD basis (family pod): two-body radial functions, three-body radial functions, three-body angular degree.")] = "6,4,3",
    pod_stress_weight: Annotated[float, typer.Option(help="Weight of a stress residual per GPa (family pod; 0: fitpod fits energies and forces only).")] = 0.0,
    temperature: Annotated[list[str] | None, typer.Option(help="Exploration temperature(s), repeatable (default 1200 K and 3000 K).")] = None,
    time: Annotated[str, typer.Option(help="MD time per cell, temperature and round.")] = "5 ps",
    ensemble: Annotated[str, typer.Option(help="Exploration MD: nvt, or npt (zero pressure, isotropic barostat).")] = "nvt",
    candidates: Annotated[int, typer.Option(help="Frames labelled per cell, temperature and round.")] = 10,
    picked: Annotated[int, typer.Option(help="Frames with the largest force error added per cell, temperature and round.")] = 5,
    min_rounds: Annotated[int, typer.Option(help="Rounds before the gates may stop the loop.")] = 2,
    max_rounds: Annotated[int, typer.Option(help="Most rounds.")] = 4,
    collapse_fraction: Annotated[float, typer.Option(help="MD frames bringing a pair closer than this fraction of its shortest distance in the data are dropped as collapsed.")] = 0.6,
    initial: Annotated[str | None, typer.Option(help="Force field whose decay lengths start the fits.")] = None,
    weights: Annotated[str, typer.Option(help="Weights of the energy, force and stress residuals.")] = "energy=1,forces=1,stress=1",
    cation_pairs: Annotated[bool, typer.Option(help="Short-range terms between cations too.")] = False,
    seed: Annotated[int, typer.Option(help="Seed of the MD velocities, the LLZO Li ordering and the hold-out draw.")] = 1,
    resume: Annotated[bool, typer.Option(help="Continue the run in --out after its last finished round (the settings, data, structure and calculator must equal the recorded ones).")] = False,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    json_output: JsonOption = False,
) -> None:
    """Active learning: fit, run MD with the fit, label the frames it gets most wrong with the reference, refit.

    Every finished round is checkpointed in <out>/rounds/ (rounds.json: the round records and the signature of the
    settings; gathered.extxyz: the frames the rounds added). ``--resume`` continues an interrupted run from its last
    finished round (or, when the loop had already stopped, with the final fit) after checking that the settings, the
    starting data, the structure and the calculator equal the recorded ones; without it, a run directory holding a
    finished or an unfinished run is refused unless ``--overwrite``.
    """
    from sselab.atomistic.fitting.born import BornFitSettings
    from sselab.atomistic.fitting.pod import PodSettings
    from sselab.runs import RunDirectory
    from sselab.studies.potential import ActiveLearning, PotentialFit, prepare_learning_checkpoint
    from sselab.units import parse_quantity

    fit = PotentialFit(name=name, family=family, settings=BornFitSettings(weights=parse_weights(weights), cation_pairs=cation_pairs),
                       pod=PodSettings(rcut=pod_cutoff, zbl_wall=pod_wall, stress_weight=pod_stress_weight, **parse_pod_basis(pod_basis)), seed=seed, initial=initial)
    temperatures = tuple(parse_quantity(t, "temperature", "--temperature") for t in temperature) if temperature else (1200.0, 3000.0)
    study = ActiveLearning(fit=fit, temperatures_K=temperatures, md_time_fs=parse_quantity(time, "time", "--time") * 1e15,
                           candidates=candidates, picked=picked, min_rounds=min_rounds, max_rounds=max_rounds, seed=seed,
                           collapse_fraction=collapse_fraction, ensemble=ensemble)
    engine = make_engine(calculator, db, 0.05, device)
    cells = structure[0] if len(structure) == 1 else structure
    run = RunDirectory.open(out, "potential learn", {"data": data, "structure": cells, "calculator": calculator, "db": db,
                                                      "resume": resume}, overwrite=overwrite, resume=resume)
    checkpoint = prepare_learning_checkpoint(run.path / "rounds", resume=resume, overwrite=overwrite)
    with progress_bar(0, "active learning", not json_output) as advance:
        result = study.run(cells, data, calculator=engine, checkpoint=checkpoint, progress=advance)
    run = result.write(run)
    rows = []
    for record in result.rounds:
        e = record["candidates"]["all"]
        rows.append((f"round {record['round']} ({record['training_frames']} training frames)",
                     f"MD frames: {e['energy_rmse_meV_per_atom']:.3g} meV/atom, {e['force_rmse_eV_per_A']:.3g} eV/A, "
                     f"{e['stress_rmse_GPa']:.3g} GPa; {record['added']} added, "
                     f"{sum(record['collapsed'].values())} collapsed frames dropped"))
    kind = "force field" if family == "born" else "potential (lammps:FILE)"
    emit(run.summary, json_output, f"Active learning of {name}", rows,
         [f"{kind}: {run.path / (name + '.toml')}", f"run directory: {run.path}"])
