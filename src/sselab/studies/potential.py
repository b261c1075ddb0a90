"""Fast potentials distilled from a reference calculator: sample → fit → validate.

::

    data = PotentialSampling(exchange_ions=("Na",)).run("llzo", calculator="chgnet", db="cache.db")
    data.write("runs/llzo-data")                                  # training.extxyz + run.json
    fit = PotentialFit(name="llzo_fit").run(["runs/llzo-data/training.extxyz"], teacher=data.teacher)
    fit.write("runs/llzo-fit")                                     # llzo_fit.toml, heldout.extxyz, parity.png
    report = PotentialValidation().run("runs/llzo-fit/llzo_fit.toml", "runs/llzo-fit/heldout.extxyz",
                                       structure="llzo", reference="chgnet", db="cache.db")

The sampled frames are labelled by the engine (energy, forces, stress; cached in ase.db, so a repeated
or extended sampling recomputes nothing). The fit holds out a fraction of every kind of frame and reports
errors on it from the fitted set as LAMMPS evaluates it (``ff:`` calculator), not from the fit's own
linear model. The validation compares held-out errors with the gates of the issue (10 meV/atom,
0.25 eV/Å, 0.5 GPa) and properties computed by both the fitted set and the reference: the lattice
parameter, C11/C12/C44 and E100/E110/E111.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator

from sselab.atomistic.engine import Engine, as_engine
from sselab.atomistic.engine.potentials import LammpsPotential, lammps_potential
from sselab.atomistic.fitting.born import GATES, BornFit, BornFitSettings, fit_born, provenance
from sselab.atomistic.fitting.dataset import (
    check_training_set,
    config_type,
    dataset_sha256,
    first_collapsed,
    read_training_set,
    shortest_pair_distances,
    split_holdout,
    weighted,
    write_training_set,
)
from sselab.atomistic.fitting.metrics import Errors, errors_by_kind, parity_data
from sselab.atomistic.fitting.pod import PodFit, PodSettings, fit_pod
from sselab.atomistic.fitting.sampling import (check_relaxed_strains, exchanged_cells, md_snapshots, rattled_cells,
                                               relaxed_strained_cells, strained_cells)
from sselab.atomistic.md.forcefields import ForceField, load_forcefield, write_forcefield
from sselab.atomistic.md.lammps import MDModel
from sselab.errors import ConvergenceError, InputError
from sselab.progress import Progress, no_progress
from sselab.runs import RunDirectory, replace_atomically, to_jsonable
from sselab.validation import require_count, require_range, require_text

__all__ = ["FAMILIES", "ActiveLearning", "ActiveLearningResult", "PodFitResult", "PotentialFit", "PotentialFitResult", "PotentialSampling", "PotentialValidation", "SamplingResult", "ValidationResult"]


# --------------------------------------------------------------------------------------------------
# sampling


@dataclass(frozen=True, kw_only=True)
class PotentialSampling:
    """Which configurations to make around a structure (strains dimensionless, lengths Å).

    The structure is first relaxed (cell and ions) by the reference, so that strains and rattles are
    about the reference's own equilibrium. Exchanged cells replace ``exchange_count`` Li by each ion.
    ``trajectories`` adds every ``snapshot_every``-th frame of existing MD runs (their temperatures).
    ``relaxed_by`` (a calculator name, e.g. a fitted ``lammps:FILE.toml``) adds the relaxed structure and its copies
    with each Voigt component at each of ``relaxed_strains``, their ions relaxed by that model (fmax 0.02 eV/Å) and
    then labelled by the reference (:func:`~sselab.atomistic.fitting.sampling.relaxed_strained_cells`).
    """

    volumetric_strains: tuple[float, ...] = (-0.04, -0.02, 0.02, 0.04)
    strain_component: float = 0.01
    rattled: int = 20
    rattle_A: float = 0.1
    exchange_ions: tuple[str, ...] = ()
    exchange_count: int = 2
    exchanged: int = 6
    trajectories: tuple[Path, ...] = ()
    snapshot_every: int = 10
    seed: int = 0
    repeat: tuple[int, int, int] = (1, 1, 1)
    relaxed_by: str | None = None
    relaxed_strains: tuple[float, ...] = (0.015, -0.015, 0.025, -0.025)

    def __post_init__(self) -> None:
        require_count(self.rattled, "rattled frames", low=0, high=10_000)
        require_count(self.exchanged, "exchanged frames per ion", low=0, high=10_000)
        require_count(self.seed, "seed", low=0)
        require_range(self.rattle_A, "rattle amplitude", low=0.0, high=0.5, unit="A")
        from ase.data import atomic_numbers

        for ion in self.exchange_ions:
            if ion not in atomic_numbers or ion in ("X", "Li"):
                raise InputError(f"exchange ion must be an element symbol other than Li, got {ion!r}")
        if self.relaxed_by is not None:
            require_text(self.relaxed_by, "model relaxing the strained cells")
            check_relaxed_strains(self.relaxed_strains)

    def configurations(self, relaxed: Atoms) -> list[Atoms]:
        """The unlabelled frames made from the relaxed structure, in a fixed order for a given seed."""
        rng = np.random.default_rng(self.seed)
        frames = [relaxed.copy()]
        frames[0].info["config_type"] = "equilibrium"
        frames += strained_cells(relaxed, self.volumetric_strains, self.strain_component)
        frames += rattled_cells(relaxed, self.rattled, self.rattle_A, rng)
        for ion in self.exchange_ions:
            frames += exchanged_cells(relaxed, ion, self.exchange_count, self.exchanged, self.rattle_A, rng)
        for path in self.trajectories:
            frames += md_snapshots(path, self.snapshot_every, f"md:{Path(path).parent.name or Path(path).stem}")
        return frames

    def run(self, structure: str | Path | Atoms, *, calculator: Engine | str | Calculator = "chgnet", db: str | None = None,
            device: str = "cpu", progress: Progress = no_progress) -> SamplingResult:
        """Relax ``structure`` ('llzo', a packaged name, a file or Atoms) and label every configuration."""
        from sselab.studies.md import build_md_system

        engine = as_engine(calculator, db=db, device=device, default_fmax=0.05)
        atoms, record = build_md_system(structure, repeat=self.repeat, seed=self.seed)
        engine.spec.check_elements(set(atoms.get_chemical_symbols()) | set(self.exchange_ions))
        relaxed = engine.relax(atoms, cell=True)
        progress("relaxed the structure")
        frames = []
        configurations = self.configurations(relaxed)
        if self.relaxed_by is not None:
            relaxer = as_engine(self.relaxed_by, device=device, default_fmax=0.02)
            relaxer.spec.check_elements(set(atoms.get_chemical_symbols()))
            configurations += relaxed_strained_cells(relaxed, self.relaxed_strains, relaxer.relax)
            progress(f"relaxed the strained cells with {self.relaxed_by}")
        for frame in configurations:
            labelled = engine.label(frame)
            labelled.info = dict(frame.info)
            frames.append(labelled)
            progress(config_type(frame))
        frames = check_training_set(frames)
        return SamplingResult(frames=frames, structure=record, teacher=engine.spec.identity(), engine=engine.record(),
                              settings=self)


@dataclass
class SamplingResult:
    """Labelled frames, where they came from and who labelled them."""

    frames: list[Atoms]
    structure: dict[str, Any]
    teacher: dict[str, Any]
    engine: dict[str, Any]
    settings: PotentialSampling

    def counts(self) -> dict[str, int]:
        """Frames per kind (``config_type``)."""
        return dict(sorted(Counter(config_type(a) for a in self.frames).items()))

    def summary(self) -> dict[str, Any]:
        return {"frames": len(self.frames), "atoms": int(sum(len(a) for a in self.frames)), "counts": self.counts(),
                "data_sha256": dataset_sha256(self.frames), "teacher": self.teacher, "structure": self.structure,
                "engine": self.engine, "training_set": "training.extxyz"}

    def write(self, out: str | Path | RunDirectory | None = None) -> RunDirectory:
        run = RunDirectory.open(out, "potential sample", {"settings": self.settings.__dict__})
        write_training_set(self.frames, run.path / "training.extxyz")
        run.files.append("training.extxyz")
        run.finish(self.summary())
        return run


# --------------------------------------------------------------------------------------------------
# fitting


@dataclass(frozen=True, kw_only=True)
class PotentialFit:
    """Fit a family to labelled frames, holding out ``holdout`` of each kind (drawn with ``seed``).

    ``family`` "born" is the physical rigid-ion family (:mod:`sselab.atomistic.fitting.born`, settings in
    ``settings``); "pod" the machine-learned one (:mod:`sselab.atomistic.fitting.pod`, settings in ``pod``), written
    as a LAMMPS potential file that ``lammps:<file>`` evaluates. ``initial`` (Born only) is a force field (name or
    TOML) whose decay lengths start the fit.
    """

    name: str = "fitted"
    family: str = "born"
    settings: BornFitSettings = field(default_factory=BornFitSettings)
    pod: PodSettings = field(default_factory=PodSettings)
    holdout: float = 0.15
    seed: int = 0
    initial: str | Path | None = None

    def __post_init__(self) -> None:
        require_text(self.name, "potential name")
        if not self.name.replace("_", "").replace("-", "").isalnum():
            raise InputError(f"potential name {self.name!r}: use letters, digits, '_' and '-' only")
        if self.family not in FAMILIES:
            raise InputError(f"family {self.family!r} is not available; choose one of {', '.join(FAMILIES)}")
        require_range(self.holdout, "hold-out fraction", low=0.0, high=0.5)

    def run(self, data: Sequence[str | Path | Atoms], *, teacher: dict[str, Any] | None = None,
            file_weights: Mapping[str | Path, float] | None = None,
            progress: Progress = no_progress) -> PotentialFitResult | PodFitResult:
        """Fit to the frames of ``data`` (extxyz files or labelled Atoms) and evaluate the held-out frames.

        ``file_weights`` maps some of the files of ``data`` to a weight given to each of their frames (their
        ``config_weight``, which multiplies a frame's squared residuals; a frame's own ``config_weight`` is kept
        otherwise)."""
        from sselab.atomistic.md.evaluate import ForceFieldCalculator

        file_weights = {str(Path(path)): weight for path, weight in (file_weights or {}).items()}
        unknown = sorted(set(file_weights) - {str(Path(item)) for item in data if not isinstance(item, Atoms)})
        if unknown:
            raise InputError(f"frame weight for {unknown[0]}, which is not one of the data files")
        frames: list[Atoms] = []
        for item in data:
            if isinstance(item, Atoms):
                frames.append(item)
            else:
                read = read_training_set(item)
                weight = file_weights.get(str(Path(item)))
                frames += read if weight is None else weighted(read, weight)
        frames = check_training_set(frames)
        if self.family == "pod":
            return self._run_pod(frames, teacher, progress)
        initial = load_forcefield(self.initial) if self.initial is not None else None  # pairs it lacks start at rho = 0.3 A
        training, held = split_holdout(frames, self.holdout, self.seed)
        fit = fit_born(training, self.settings, initial=initial, name=self.name,
                       progress=lambda stage, done, total: progress(stage))
        teacher = teacher or {"calculator": "unknown (user data)"}
        record = provenance(fit, teacher, dataset_sha256(frames), len(training), self.settings)
        formulas = sorted({a.get_chemical_formula(empirical=True) for a in frames})
        forcefield = ForceField(
            self.name, f"fitted by sselab potential fit to {teacher.get('model', teacher.get('calculator'))} labels",
            fit.forcefield.cutoff_A, fit.forcefield.kspace, fit.forcefield.species, fit.forcefield.pairs,
            reference_formulas=tuple(formulas), short_range_cutoff_A=fit.forcefield.short_range_cutoff_A,
            validity=validity_statement(frames, fit), fit=record)
        calculator = ForceFieldCalculator(forcefield)

        held_errors, predicted = errors_by_kind(held, _labeller(calculator, progress)) if held else ({}, [])
        return PotentialFitResult(forcefield=forcefield, fit=fit, training=training, held_out=held, predicted=predicted,
                                  held_out_errors=held_errors, settings=self)


    def _run_pod(self, frames: list[Atoms], teacher: dict[str, Any] | None, progress: Progress) -> PodFitResult:
        import tempfile

        training, held = split_holdout(frames, self.holdout, self.seed)
        folder = Path(tempfile.mkdtemp(prefix="sselab-pod-"))  # written into the run directory by PodFitResult.write
        fit = fit_pod(training, self.pod, folder=folder, name=self.name, progress=lambda done, total: progress("POD rows"))
        progress("fitted the POD")
        result = PodFitResult(fit=fit, training=training, held_out=held, predicted=[], held_out_errors={},
                              teacher=teacher or {"calculator": "unknown (user data)"}, data_sha256=dataset_sha256(frames),
                              settings=self)
        if held:
            result.held_out_errors, result.predicted = errors_by_kind(held, _labeller(result.calculator(), progress))
        return result


#: the families :class:`PotentialFit` offers
FAMILIES = ("born", "pod")


@dataclass
class PodFitResult:
    """A fitted POD (its potential file and fitpod's record), the held-out frames and their errors (LAMMPS evaluation)."""

    fit: PodFit
    training: list[Atoms]
    held_out: list[Atoms]
    predicted: list[Atoms]
    held_out_errors: dict[str, Errors]
    teacher: dict[str, Any]
    data_sha256: str
    settings: PotentialFit

    @property
    def md_model(self) -> LammpsPotential:
        """The potential as LAMMPS MD runs it (``md run --forcefield lammps:<file>``)."""
        return lammps_potential(str(self.fit.path))

    def calculator(self) -> Calculator:
        """An ASE calculator of the potential (``lammps:<file>``)."""
        from sselab.atomistic.engine import load_calculator

        return load_calculator(f"lammps:{self.fit.path}").calculator

    def summary(self) -> dict[str, Any]:
        return {"name": self.settings.name, "family": "pod", "elements": list(self.fit.elements),
                "coefficients": self.fit.coefficients, "training_frames": len(self.training),
                "held_out_frames": len(self.held_out), "training_rmse": dict(self.fit.errors),
                "held_out_rmse": {kind: errors.__dict__ for kind, errors in self.held_out_errors.items()},
                "gates": dict(GATES), "potential_file": f"{self.settings.name}.toml", "teacher": self.teacher,
                "data_sha256": self.data_sha256, "pod_settings": self.settings.pod.__dict__,
                "stress": (f"fitted with weight {self.settings.pod.stress_weight:g} per GPa (sselab's least squares)"
                           if self.settings.pod.stress_weight > 0 else
                           "not fitted (fitpod has no stress term); held-out stress errors are predictions")}

    def write(self, out: str | Path | RunDirectory | None = None) -> RunDirectory:
        """The potential file with its parameter and coefficient files (relative references kept), fitpod's log, the
        held-out frames, the parity plot and run.json."""
        import shutil

        from sselab.plots.potential import parity_figure

        run = RunDirectory.open(out, "potential fit", {"settings": {k: str(v) for k, v in self.settings.__dict__.items()}})
        name = self.settings.name
        for suffix in (".toml", "_param.pod", "_coefficients.pod", "_fitpod.log", "_training_errors.pod"):
            source = self.fit.path.parent / f"{name}{suffix}"
            if source.exists():
                shutil.copyfile(source, run.path / source.name)
                run.files.append(source.name)
        if self.held_out:
            write_training_set(self.held_out, run.path / "heldout.extxyz")
            run.files.append("heldout.extxyz")
            run.save_figure("parity", parity_figure(parity_data(self.held_out, self.predicted), title=f"{name} (POD): held-out frames"))
        run.finish(self.summary())
        return run


def _labeller(calculator: Calculator, progress: Progress = no_progress):
    """A function that labels a frame (energy, forces, stress) with ``calculator``: a new Atoms with a single-point result."""
    from ase.calculators.singlepoint import SinglePointCalculator

    def label(atoms: Atoms) -> Atoms:
        work = atoms.copy()
        work.calc = calculator
        energy, forces, stress = work.get_potential_energy(), work.get_forces(), work.get_stress()
        work.calc = SinglePointCalculator(work, energy=energy, forces=forces, stress=stress)
        progress("held-out frame")
        return work

    return label


def validity_statement(frames: Sequence[Atoms], fit: BornFit) -> str:
    """Where a fitted set may be used: the compositions and kinds of its data, the distances it saw."""
    kinds = ", ".join(sorted({config_type(a) for a in frames}))
    elements = ", ".join(sorted({s for a in frames for s in a.get_chemical_symbols()}))
    shortest = ", ".join(f"{pair} {r:.2f} A" for pair, r in fit.shortest_A.items())
    return (f"Fitted to {len(frames)} frames of {elements} ({kinds}). Use inside that range of compositions and "
            f"configurations; pairs are repulsive below {min(fit.core_radius_A.values()):.2f} A at least, but energies "
            f"below the shortest distances seen ({shortest}) are extrapolated. Not valid for other elements, for "
            "electronic properties, or for charged cells.")


@dataclass
class PotentialFitResult:
    """The fitted force field, the fit record and the held-out errors (LAMMPS evaluation)."""

    forcefield: ForceField
    fit: BornFit
    training: list[Atoms]
    held_out: list[Atoms]
    predicted: list[Atoms]
    held_out_errors: dict[str, Errors]
    settings: PotentialFit

    @property
    def md_model(self) -> ForceField:
        """The force field as LAMMPS MD runs it (``md run --forcefield <file>``)."""
        return self.forcefield

    def calculator(self) -> Calculator:
        """An ASE calculator of the force field (``ff:<file>``)."""
        from sselab.atomistic.md.evaluate import ForceFieldCalculator

        return ForceFieldCalculator(self.forcefield)

    def summary(self) -> dict[str, Any]:
        return {"name": self.forcefield.name, "family": self.settings.family, "charge_scale": self.fit.charge_scale,
                "training_frames": len(self.training), "held_out_frames": len(self.held_out),
                "training_rmse": dict(self.fit.errors),
                "held_out_rmse": {kind: errors.__dict__ for kind, errors in self.held_out_errors.items()},
                "gates": dict(GATES), "forcefield_file": f"{self.forcefield.name}.toml",
                "pairs": [f"{p.a}-{p.b}" for p in self.forcefield.pairs],
                "optimizer_converged": self.fit.converged, "evaluations": self.fit.evaluations}

    def write(self, out: str | Path | RunDirectory | None = None) -> RunDirectory:
        from sselab.plots.potential import parity_figure

        run = RunDirectory.open(out, "potential fit", {"settings": {k: str(v) for k, v in self.settings.__dict__.items()}})
        write_forcefield(self.forcefield, run.path / f"{self.forcefield.name}.toml",
                         header=f"Rigid-ion Born force field fitted by 'sselab potential fit' ({run.path}).\n"
                                "Energies eV, lengths A; see docs/potentials.md.")
        run.files.append(f"{self.forcefield.name}.toml")
        if self.held_out:
            write_training_set(self.held_out, run.path / "heldout.extxyz")
            run.files.append("heldout.extxyz")
            run.save_figure("parity", parity_figure(parity_data(self.held_out, self.predicted), title=f"{self.forcefield.name}: held-out frames"))
        run.finish(self.summary())
        return run


# --------------------------------------------------------------------------------------------------
# validation


@dataclass(frozen=True, kw_only=True)
class PotentialValidation:
    """Errors on labelled frames and properties against the reference: lattice parameter, C11/C12/C44, E_hkl.

    ``strain`` is the finite-strain step of the elastic constants; ``fmax`` (eV/Å) the relaxations' tolerance, for the
    fitted set and the reference alike. The relaxed-ion constants need the ions relaxed well below the forces the strain
    makes (0.04–0.07 eV/Å at 0.5 % in Li₆Zr₂O₇): at 0.01 eV/Å the ions of the strained Li₆Zr₂O₇ cells stop part-way
    (the a3w3 lzo_pod's C44 was 79 GPa clamped, 50 at 0.01 eV/Å and about 33 converged), and a soft mode coupled
    to the shear shows only at 0.002 eV/Å or below (docs/potentials.md, "Relaxation tolerance"). The default 0.001 eV/Å
    converges CHGNet's Li₆Zr₂O₇ constants at ±0.5 % to 0.5 %; validations documented before it ran at 0.01 (their
    commands say ``--fmax 0.01``).
    """

    strain: float = 0.005
    fmax: float = 0.001

    def __post_init__(self) -> None:
        require_range(self.strain, "elastic strain step", low=1e-4, high=0.02)
        require_range(self.fmax, "relaxation tolerance fmax", low=1e-5, high=0.1, unit="eV/A")

    def run(self, forcefield: str | Path | ForceField, data: Sequence[str | Path] = (), *, structure: str | Path | Atoms | None = None,
            reference: Engine | str | Calculator | None = None, db: str | None = None, device: str = "cpu",
            progress: Progress = no_progress) -> ValidationResult:
        """Validate ``forcefield`` on the frames of ``data`` and, when ``structure`` and ``reference`` are given, on properties."""
        from sselab.atomistic.md.evaluate import ForceFieldCalculator

        packaged_lammps = isinstance(forcefield, str) and forcefield.startswith("lammps:")
        if packaged_lammps or _is_lammps_potential(forcefield):  # a POD (or any LAMMPS potential), evaluated as lammps:<name or file>
            from sselab.atomistic.engine import load_calculator

            target = str(forcefield).removeprefix("lammps:")
            loaded = load_calculator(f"lammps:{target}")
            name, validity, species = Path(target).stem, "", loaded.spec.elements
            identity = dict(loaded.spec.settings)["content_sha256"]
            fitted = as_engine(loaded, fmax=self.fmax, max_steps=2000)
        else:
            model = forcefield if isinstance(forcefield, ForceField) else load_forcefield(forcefield)
            name, validity, species = model.name, model.validity, model.species
            identity = model.parameters_sha256()
            fitted = as_engine(ForceFieldCalculator(model), fmax=self.fmax, max_steps=2000)
        frames: list[Atoms] = []
        for item in data:
            frames += read_training_set(item)
        if frames:
            check_training_set(frames, species)

        def evaluate(atoms: Atoms) -> Atoms:
            labelled = fitted.label(atoms)
            progress("frame")
            return labelled

        errors, _ = errors_by_kind(frames, evaluate) if frames else ({}, [])
        properties: dict[str, dict[str, float]] = {}
        if structure is not None:
            if reference is None:
                raise InputError("properties need a reference calculator (--reference) to compare with")
            teacher = as_engine(reference, db=db, device=device, fmax=self.fmax, max_steps=2000)
            properties = compare_properties(structure, fitted, teacher, self.strain, progress)
        return ValidationResult(name=name, errors=errors, properties=properties, validity=validity, parameters_sha256=identity)


def _is_lammps_potential(candidate: str | Path | ForceField) -> bool:
    """True for a TOML file of the LAMMPS potential kind (it names a ``pair_style``), such as a fitted POD."""
    import tomllib

    if isinstance(candidate, ForceField) or not Path(str(candidate)).is_file():
        return False
    try:
        return "pair_style" in tomllib.loads(Path(candidate).read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False


def is_cubic_cell(atoms: Atoms, length_tolerance: float = 0.01, angle_tolerance_deg: float = 0.5) -> bool:
    """True when the cell's three lengths agree within ``length_tolerance`` (relative), its angles are 90° within
    ``angle_tolerance_deg`` and its edges lie along x, y, z (off-diagonal cell components below ``length_tolerance``
    of the longest edge): the cells whose Cartesian elastic constants the cubic formulas describe."""
    cell = np.asarray(atoms.cell)
    lengths, angles = atoms.cell.lengths(), atoms.cell.angles()
    aligned = np.abs(cell - np.diag(np.diagonal(cell))).max() <= length_tolerance * lengths.max()
    return bool(lengths.max() / lengths.min() - 1 <= length_tolerance and np.abs(angles - 90).max() <= angle_tolerance_deg
                and aligned)


def equilibrium_properties(atoms: Atoms, engine: Engine, strain: float) -> dict[str, float]:
    """Lattice parameters, relaxed-ion elastic constants and the largest distance any ion moved while the strained cells
    relaxed (``max_ion_relaxation_A``): a few hundredths of an Å for a linear response; tenths mean an ion changed site
    under the strain, and the finite-difference constant then holds that rearrangement, not the lattice's stiffness.

    The route is chosen from the input cell, so that every model given the same cell takes the same one: a cubic,
    axis-aligned input cell (:func:`is_cubic_cell`; the ordered LLZO cell, which relaxes pseudo-cubic) gets C11, C12, C44
    from four strained cells and E100/E110/E111 from the cubic formulas, and its stability is checked on those three
    constants only; any other cell gets the full 6 × 6 tensor from twelve, E along the Cartesian x, [110] and [111]
    directions of its cell from the full compliance, the Voigt–Reuss–Hill moduli ``K_VRH_GPa``/``G_VRH_GPa`` and the
    tensor's ``elastic_asymmetry_GPa`` (:mod:`sselab.atomistic.properties.elastic`). C12 is the mean of C12 and C13."""
    from ase.geometry import find_mic

    from sselab.atomistic.properties.elastic import cubic_elastic_constants, elastic_tensor

    relaxed = engine.relax(atoms, cell=True, cell_factor=1.0)
    lengths = relaxed.cell.lengths()
    shifts: list[float] = []

    def relaxed_stress(strained: Atoms) -> np.ndarray:
        ions = engine.relax(strained)
        moves, _ = find_mic(ions.positions - strained.positions, ions.cell, pbc=True)
        shifts.append(float(np.max(np.linalg.norm(moves, axis=1))))
        return engine.label(ions).get_stress()

    cubic = is_cubic_cell(atoms)
    constants = (cubic_elastic_constants if cubic else elastic_tensor)(relaxed, relaxed_stress, strain)
    moduli = ("E100_GPa", "E110_GPa", "E111_GPa") + (() if cubic else ("K_VRH_GPa", "G_VRH_GPa"))
    stable = constants.lowest_eigenvalue_GPa > 0  # else the moduli are undefined: NaN, and the stability gate fails
    out = {"a_A": float(lengths[0]), "b_A": float(lengths[1]), "c_A": float(lengths[2]),
           "volume_A3_per_atom": float(relaxed.get_volume() / len(relaxed)),
           "C11_GPa": constants.C11_GPa, "C12_GPa": constants.C12_GPa, "C44_GPa": constants.C44_GPa,
           "elastic_lowest_eigenvalue_GPa": constants.lowest_eigenvalue_GPa, "max_ion_relaxation_A": max(shifts)}
    out.update({key: _modulus(constants, key) if stable else math.nan for key in moduli})
    if not cubic:
        out["elastic_asymmetry_GPa"] = constants.asymmetry_GPa
    return out


def _modulus(constants: Any, key: str) -> float:
    """E100/E110/E111 or the VRH moduli of a stable set of elastic constants, by their result key."""
    names = {"K_VRH_GPa": "bulk_modulus_vrh_GPa", "G_VRH_GPa": "shear_modulus_vrh_GPa"}
    return float(getattr(constants, names.get(key, key)))


def compare_properties(structure: str | Path | Atoms, fitted: Engine, teacher: Engine, strain: float,
                       progress: Progress) -> dict[str, dict[str, float]]:
    """{"fitted": {...}, "reference": {...}} of :func:`equilibrium_properties` on the same starting cell."""
    from sselab.studies.md import build_md_system

    atoms, _ = build_md_system(structure)
    out = {}
    for label, engine in (("fitted", fitted), ("reference", teacher)):
        out[label] = equilibrium_properties(atoms, engine, strain)
        progress(f"properties: {label}")
    return out


@dataclass
class ValidationResult:
    """Errors by kind of frame, properties of both models, and the gates each meets. ``parameters_sha256`` identifies
    what was validated (the hash of the force field's parameters, or of a LAMMPS potential's lines and files), so that a
    run directory says which version of a packaged name it measured."""

    name: str
    errors: dict[str, Errors]
    properties: dict[str, dict[str, float]]
    validity: str = ""
    parameters_sha256: str = ""

    def gates(self) -> dict[str, dict[str, Any]]:
        """Each gate: the value, the limit and whether it holds (on all held-out frames; properties vs the reference)."""
        out: dict[str, dict[str, Any]] = {}
        if "all" in self.errors:
            total = self.errors["all"]
            for key, limit in (("energy_rmse_meV_per_atom", GATES["energy_meV_per_atom"]),
                               ("force_rmse_eV_per_A", GATES["force_eV_per_A"]), ("stress_rmse_GPa", GATES["stress_GPa"])):
                value = getattr(total, key)
                out[key] = {"value": value, "limit": limit, "holds": bool(value <= limit) if np.isfinite(value) else None}
            out.update(self._every_kind_gates())
        if self.properties:
            fitted, reference = self.properties["fitted"], self.properties["reference"]
            volume = (fitted["volume_A3_per_atom"] / reference["volume_A3_per_atom"]) ** (1 / 3) - 1
            out["lattice_relative_error"] = {"value": volume, "limit": 0.01, "holds": bool(abs(volume) <= 0.01)}
            for key in ("C11_GPa", "C12_GPa", "C44_GPa"):
                relative = fitted[key] / reference[key] - 1
                out[f"{key[:3]}_relative_error"] = {"value": relative, "limit": 0.2, "holds": bool(abs(relative) <= 0.2)}
            lowest = fitted["elastic_lowest_eigenvalue_GPa"]
            out["elastic_stability"] = {"value": lowest, "limit": "lowest eigenvalue of C > 0", "holds": bool(lowest > 0)}
            keys = ("E100_GPa", "E110_GPa", "E111_GPa")
            order = [" < ".join(sorted(keys, key=lambda k: props[k])) if all(math.isfinite(props[k]) for k in keys)
                     else "undefined (mechanically unstable)" for props in (fitted, reference)]
            holds = None if order[1].startswith("undefined") else order[0] == order[1]
            out["E_hkl_ordering"] = {"value": order[0], "limit": order[1], "holds": holds}
        return out

    def _every_kind_gates(self) -> dict[str, dict[str, Any]]:
        """The same three gates on the worst kind of frame (the issue asks for them on held-out data of each kind: a
        kind that fails is not hidden by many easy frames of another); kinds without a finite value are skipped."""
        out: dict[str, dict[str, Any]] = {}
        kinds = {kind: e for kind, e in self.errors.items() if kind != "all"}
        for key, limit in (("energy_rmse_meV_per_atom", GATES["energy_meV_per_atom"]),
                           ("force_rmse_eV_per_A", GATES["force_eV_per_A"]), ("stress_rmse_GPa", GATES["stress_GPa"])):
            values = {kind: getattr(e, key) for kind, e in kinds.items() if np.isfinite(getattr(e, key))}
            if values:
                worst = max(values, key=values.get)
                out[f"{key}_every_kind"] = {"value": values[worst], "kind": worst, "limit": limit,
                                             "holds": bool(values[worst] <= limit)}
        return out

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "errors": {kind: e.__dict__ for kind, e in self.errors.items()},
                "energy_rmse_meV_per_atom": self.errors["all"].energy_rmse_meV_per_atom if "all" in self.errors else None,
                "force_rmse_eV_per_A": self.errors["all"].force_rmse_eV_per_A if "all" in self.errors else None,
                "stress_rmse_GPa": self.errors["all"].stress_rmse_GPa if "all" in self.errors else None,
                "properties": self.properties, "gates": self.gates(), "validity": self.validity,
                "parameters_sha256": self.parameters_sha256}

    def write(self, out: str | Path | RunDirectory | None = None) -> RunDirectory:
        run = RunDirectory.open(out, "potential validate", {"name": self.name})
        run.finish(self.summary())
        return run


# --------------------------------------------------------------------------------------------------
# active learning


@dataclass(frozen=True, kw_only=True)
class ActiveLearning:
    """Refit where the potential will be used: run it, ask the reference where it is least trustworthy, refit.

    Each round: fit the current data (:class:`PotentialFit`, either family); run LAMMPS MD (``ensemble``: NVT, or
    NPT at zero pressure with an isotropic barostat) with the fitted set on every explored cell at every temperature
    (``md_time_fs`` with a 1 fs step, ``candidates`` frames stored per cell and temperature; a run that blows up keeps
    the frames written before it did, which are the configurations the set gets most wrong); label the candidates
    with the reference and measure the set's error on each; add the ``picked`` frames with the largest force error
    per cell and temperature to the data. After ``min_rounds`` rounds it stops as soon as the candidates of a round
    meet every gate; it never runs more than ``max_rounds``. A last fit is made on everything gathered.

    Several cells (compositions of one system, say) are explored in each round when :meth:`run` is given a list;
    their candidates are then labelled ``md-<T>K-<formula>``, one cell alone keeps ``md-<T>K``.

    Collapsed frames are not labelled: once a frame brings a pair of elements closer than ``collapse_fraction`` ×
    the shortest distance of that pair in the starting data (or closer than 0.5 Å for a pair the data lacks), that frame and
    the rest of its run are dropped and counted (``collapsed`` in the round record). The default 0.6 leaves room for
    thermal motion (a Li2O teacher's own 1500 K MD brings O-O pairs to 0.74 x their shortest distance in cold data). A machine-learned potential
    without a repulsive core can pull atoms together where it has seen no data; such configurations are
    unphysical, and a reference labels them with forces so large that they would dominate the next fit.
    """

    fit: PotentialFit = field(default_factory=PotentialFit)
    temperatures_K: tuple[float, ...] = (1200.0, 3000.0)
    md_time_fs: float = 5000.0
    candidates: int = 10
    picked: int = 5
    min_rounds: int = 2
    max_rounds: int = 4
    seed: int = 1
    collapse_fraction: float = 0.6
    ensemble: str = "nvt"

    def __post_init__(self) -> None:
        if self.ensemble not in EXPLORATION_ENSEMBLES:
            raise InputError(f"exploration ensemble must be one of {', '.join(EXPLORATION_ENSEMBLES)}, got {self.ensemble!r}")
        if not self.temperatures_K:
            raise InputError("give at least one temperature to explore")
        for temperature in self.temperatures_K:
            require_range(temperature, "exploration temperature", low=1.0, high=3000.0, unit="K")
        require_range(self.md_time_fs, "exploration time", low=10.0, high=1e6, unit="fs")
        require_count(self.candidates, "candidate frames per temperature", low=1, high=1000)
        require_count(self.picked, "picked frames per cell and temperature", low=1, high=self.candidates)
        require_count(self.min_rounds, "minimum rounds", low=1, high=20)
        require_count(self.max_rounds, "maximum rounds", low=self.min_rounds, high=20)
        require_range(self.collapse_fraction, "collapse fraction", low=0.0, low_inclusive=False, high=1.0)

    def run(self, structure: str | Path | Atoms | Sequence[str | Path | Atoms], data: Sequence[str | Path | Atoms], *,
            calculator: Engine | str | Calculator = "chgnet", db: str | None = None, device: str = "cpu",
            checkpoint: str | Path | None = None, progress: Progress = no_progress) -> ActiveLearningResult:
        """Active learning from the frames of ``data`` on the cell of ``structure`` (or on each cell of a list of
        them), labelled by ``calculator``.

        ``checkpoint`` (a folder, created when missing) makes the loop resumable. After every finished round it holds

        * ``rounds.json``: the round records, the number and sha256 of the frames the rounds added, and the
          signature of the run (:meth:`signature`: these settings with the fit's, the sha256 of the starting frames,
          the structure's record with the hash of its cell, the teacher's identity);
        * ``gathered.extxyz``: the frames the finished rounds added, in order (the starting frames are not copied).

        Both are replaced atomically (a temporary file, then a rename; the frames first, the record last, so an
        interruption leaves the last finished round readable). The loop then goes on with the frames as the file holds
        them (positions and forces to 1e-8), so a run continued from the checkpoint is the same run.

        Resume rule: when the folder already holds a checkpoint, its signature must equal this run's (otherwise a
        one-line :class:`InputError` names the first differing setting; nothing is computed); its rounds are taken as
        done and the loop continues with the next round, or goes straight to the final fit when the last recorded
        round already stopped the loop (``max_rounds`` reached, or a round of number ≥ ``min_rounds`` whose candidates
        meet every gate). Every round is a function of the frames before it (the MD seeds are ``seed`` + round), so a
        resumed run gives the rounds and frames of an uninterrupted one. The checkpoint is kept after the final fit.
        """
        from sselab.studies.md import build_md_system

        teacher = as_engine(calculator, db=db, device=device, default_fmax=0.05)
        start: list[Atoms] = []
        for item in data:
            start += [item] if isinstance(item, Atoms) else read_training_set(item)
        start = check_training_set(start)
        cells = [structure] if isinstance(structure, (str, Path, Atoms)) else list(structure)
        if not cells:
            raise InputError("give at least one structure to explore")
        built = [build_md_system(cell, seed=self.seed) for cell in cells]
        for atoms, _ in built:
            teacher.spec.check_elements(set(atoms.get_chemical_symbols()))
        explored = list(zip([atoms for atoms, _ in built], exploration_labels([record["formula"] for _, record in built])))
        system = {"cells": len(built), **{str(i): record for i, (_, record) in enumerate(built)}} if len(built) > 1 else built[0][1]
        folder = Path(checkpoint) if checkpoint is not None else None
        signature = self.signature(start, system, teacher.spec.identity()) if folder is not None else {}
        rounds: list[dict[str, Any]] = []
        gathered: list[Atoms] = []  # the frames the rounds added, after the starting ones
        if folder is not None:
            rounds, gathered = read_learning_checkpoint(folder, signature) or ([], [])
            for record in rounds:
                progress(f"round {record['round']}: read from the checkpoint")
        shortest = shortest_pair_distances(start)  # from the starting data only, so that the limits never ratchet down
        while not self._stops(rounds):
            number = len(rounds) + 1
            frames = start + gathered
            fitted = self.fit.run(frames, teacher=teacher.spec.identity(), progress=progress)
            candidates, collapsed = self._explore(explored, fitted.md_model, number, shortest, progress)
            if not candidates:
                raise ConvergenceError(f"round {number}: every MD run of the fitted set collapsed before its first stored "
                                       "frame; start from more data (sample hotter or more rattled cells) or use the Born family")
            labelled = []
            for frame in candidates:
                result = teacher.label(frame)
                result.info = dict(frame.info)
                labelled.append(result)
                progress("labelling candidates")
            errors, predicted = errors_by_kind(labelled, _labeller(fitted.calculator()))
            picked = _most_wrong(labelled, predicted, self.picked)
            record = _plain_copy({"round": number, "training_frames": len(fitted.training),
                                  "charge_scale": fitted.summary().get("charge_scale"),
                                  "held_out": {k: e.__dict__ for k, e in fitted.held_out_errors.items()},
                                  "candidates": {k: e.__dict__ for k, e in errors.items()}, "added": len(picked),
                                  "collapsed": collapsed})
            if folder is None:
                rounds, gathered = [*rounds, record], gathered + picked
            else:  # go on with what the checkpoint holds, as a resumed run will
                write_learning_checkpoint(folder, signature, [*rounds, record], gathered + picked)
                rounds, gathered = read_learning_checkpoint(folder, signature) or ([], [])
            progress(f"round {number} finished")
        frames = start + gathered
        final = self.fit.run(frames, teacher=teacher.spec.identity(), progress=progress)
        return ActiveLearningResult(final=final, rounds=rounds, frames=frames, settings=self)

    def _stops(self, rounds: Sequence[dict[str, Any]]) -> bool:
        """Whether the loop is over after ``rounds``: ``max_rounds`` done, or the last round (number ≥ ``min_rounds``)
        met every gate on its candidates."""
        if not rounds:
            return False
        last = rounds[-1]
        return len(rounds) >= self.max_rounds or (last["round"] >= self.min_rounds and _round_meets(last))

    def signature(self, frames: Sequence[Atoms], system: dict[str, Any], teacher: dict[str, Any]) -> dict[str, Any]:
        """Everything that determines the rounds, as flat JSON values (nested keys joined by dots, so that a refused
        resume names the very setting that differs): every setting of this study and its fit (``settings.*``; with
        the parameter hash of the fit's ``initial`` force field), the sha256 of the starting ``frames``
        (``data_sha256``), the structure's record from :func:`~sselab.studies.md.build_md_system` (``structure.*``:
        the argument, the formula and the sha256 of the cell; ``structure.cells`` and ``structure.<i>.*`` for each of
        several cells) and the teacher's identity (``teacher.*``). ``ensemble`` appears only when it is not the
        default NVT."""
        settings = to_jsonable(dataclasses.asdict(self))
        if self.ensemble == "nvt":  # the default: left out, so that checkpoints written before the setting existed resume
            settings.pop("ensemble")
        if self.fit.initial is not None and self.fit.family == "born":
            settings["fit"]["initial_parameters_sha256"] = load_forcefield(self.fit.initial).parameters_sha256()
        return _plain_copy(_flat({"format": LEARNING_CHECKPOINT_FORMAT, "settings": settings,
                                  "data_sha256": dataset_sha256(frames), "structure": system, "teacher": teacher}))

    def _explore(self, explored: Sequence[tuple[Atoms, str]], model: MDModel, number: int,
                 shortest: dict[tuple[str, str], float], progress: Progress) -> tuple[list[Atoms], dict[str, int]]:
        """Frames of short LAMMPS runs of ``model`` on every (cell, label suffix) of ``explored`` at every temperature
        (those written before a blow-up included, none from the first collapsed frame on), and the number of frames
        dropped as collapsed per temperature and cell (keys ``<T>K`` plus the cell's suffix)."""
        import tempfile

        from ase.io import read

        from sselab.atomistic.md.ase_md import MDSettings
        from sselab.atomistic.md.lammps import run_lammps_md
        from sselab.errors import SSELabError

        steps = int(round(self.md_time_fs))
        dump = max(1, steps // self.candidates)
        out: list[Atoms] = []
        collapsed: dict[str, int] = {}
        for atoms, suffix in explored:
            for temperature in self.temperatures_K:
                settings = MDSettings(temperature_K=temperature, timestep_fs=1.0, steps=dump * self.candidates,
                                      dump_every=dump, seed=self.seed + number, equilibration_steps=0, ensemble=self.ensemble)
                with tempfile.TemporaryDirectory(prefix="sselab-al-") as scratch:
                    trajectory = Path(scratch) / "t.extxyz"
                    try:
                        run_lammps_md(atoms, model, settings, trajectory, Path(scratch) / "t.csv")
                    except SSELabError:
                        pass  # the frames before the blow-up are the ones to learn from
                    frames = read(trajectory, index="1:", format="extxyz") if trajectory.exists() else []
                kept = first_collapsed(frames, shortest, self.collapse_fraction)
                key = f"{temperature:g}K{suffix}"
                collapsed[key] = len(frames) - kept
                frames = frames[:kept]
                for frame in frames:
                    frame.wrap()
                    frame.calc = None
                    frame.info = {"config_type": f"md-{key}"}
                out += frames
                progress(f"explored {temperature:g} K{suffix}")
        return out, collapsed


#: the MD ensembles an active-learning round explores with (NPT: zero pressure, isotropic barostat)
EXPLORATION_ENSEMBLES = ("nvt", "npt")


def exploration_labels(formulas: Sequence[str]) -> list[str]:
    """Suffixes that tell explored cells apart in the candidates' labels: none for one cell, ``-<formula>`` for each
    of several (``-<formula>#<i>`` for the i-th cell, from 0, where two cells share a formula)."""
    if len(formulas) == 1:
        return [""]
    counts = Counter(formulas)
    return [f"-{formula}" + (f"#{i}" if counts[formula] > 1 else "") for i, formula in enumerate(formulas)]


#: the files of an active-learning checkpoint folder (:meth:`ActiveLearning.run`) and the record's format name
LEARNING_CHECKPOINT_RECORD = "rounds.json"
LEARNING_CHECKPOINT_FRAMES = "gathered.extxyz"
LEARNING_CHECKPOINT_FORMAT = "sselab active-learning checkpoint"


def write_learning_checkpoint(folder: str | Path, signature: dict[str, Any], rounds: Sequence[dict[str, Any]],
                              gathered: Sequence[Atoms]) -> None:
    """Write the checkpoint of :meth:`ActiveLearning.run` into ``folder``: the ``gathered`` frames, then the record.

    Each file is written under a temporary name and renamed over the old one. The frames go first: an interruption
    between the two renames leaves the old record, whose frame count and hash still name the first frames of the new
    file (frames are only ever appended).
    """
    target = Path(folder)
    try:
        target.mkdir(parents=True, exist_ok=True)
        frames_file = target / LEARNING_CHECKPOINT_FRAMES
        partial = frames_file.with_name(f".{frames_file.name}.partial")
        write_training_set(list(gathered), partial)
        os.replace(partial, frames_file)
        stored = _checkpoint_frames(target, len(gathered))
        record = {"format": LEARNING_CHECKPOINT_FORMAT, "signature": signature, "rounds": list(rounds),
                  "gathered_frames": len(stored), "gathered_sha256": dataset_sha256(stored)}
    except OSError as error:
        raise InputError(f"cannot write the active-learning checkpoint in {target}: {error.strerror or error}") from None
    replace_atomically(target / LEARNING_CHECKPOINT_RECORD, json.dumps(_plain_copy(record), indent=1) + "\n")


def read_learning_checkpoint(folder: str | Path, signature: dict[str, Any]) -> tuple[list[dict[str, Any]], list[Atoms]] | None:
    """(round records, gathered frames) of the checkpoint in ``folder``; None when it holds none.

    Refused in one line: a checkpoint whose signature differs from ``signature`` (naming the first differing key), a
    record that is not a checkpoint, frames that do not match the record's count and hash.
    """
    from sselab.atomistic.md.record import require_same_settings
    from sselab.validation import read_json_file

    target = Path(folder)
    record_file = target / LEARNING_CHECKPOINT_RECORD
    if not record_file.exists():
        return None
    data = read_json_file(record_file, "active-learning checkpoint")
    rounds = data.get("rounds") if isinstance(data, dict) else None
    if (not isinstance(data, dict) or data.get("format") != LEARNING_CHECKPOINT_FORMAT or not isinstance(data.get("signature"), dict)
            or not isinstance(rounds, list) or not all(isinstance(r, dict) for r in rounds)
            or [r.get("round") for r in rounds] != list(range(1, len(rounds) + 1))
            or not all(isinstance(r.get("added"), int) and isinstance(r.get("candidates"), dict)
                    and isinstance(r["candidates"].get("all"), dict) for r in rounds)
            or not isinstance(data.get("gathered_frames"), int) or not isinstance(data.get("gathered_sha256"), str)):
        raise InputError(f"{record_file} is not an sselab active-learning checkpoint; use another --out, or --overwrite to start again")
    require_same_settings(data["signature"], signature, f"the active-learning checkpoint in {target}")
    count = data["gathered_frames"]
    gathered = _checkpoint_frames(target, count)
    if (len(gathered) != count or dataset_sha256(gathered) != data["gathered_sha256"]
            or sum(r.get("added", 0) for r in rounds) != count):
        raise InputError(f"{target / LEARNING_CHECKPOINT_FRAMES} does not hold the {count} frames its record "
                         f"{LEARNING_CHECKPOINT_RECORD} names (edited or damaged); use another --out, or --overwrite to start again")
    return rounds, gathered


def prepare_learning_checkpoint(folder: str | Path, *, resume: bool, overwrite: bool) -> Path:
    """Check the checkpoint folder of a ``potential learn`` run directory before any work; returns it.

    A checkpoint there is continued with ``resume`` (its signature is checked when the run reads it), removed with
    ``overwrite`` (without ``resume``), and refused otherwise. ``resume`` on a finished run whose folder has no
    checkpoint (an older sselab wrote it) is refused: its settings cannot be checked.
    """
    target = Path(folder)
    files = [target / name for name in (LEARNING_CHECKPOINT_RECORD, LEARNING_CHECKPOINT_FRAMES)]
    if any(f.exists() for f in files):
        if resume:
            return target
        if not overwrite:
            raise InputError(f"{target.parent} holds an unfinished 'potential learn' run (rounds checkpointed in {target}): "
                             "use --resume to continue it, --overwrite to replace it, or another --out")
        for file in files:
            file.unlink(missing_ok=True)
    elif resume and (target.parent / "run.json").exists():
        raise InputError(f"{target.parent} holds a 'potential learn' run without a checkpoint ({target}): its settings cannot "
                         "be checked, so it is not resumed; use --overwrite to run it again, or another --out")
    return target


def _checkpoint_frames(folder: Path, count: int) -> list[Atoms]:
    """The first ``count`` frames of the checkpoint's frame file (none read when ``count`` is 0)."""
    if count == 0:
        return []
    return read_training_set(folder / LEARNING_CHECKPOINT_FRAMES)[:count]


def _plain_copy(value: Any) -> Any:
    """``value`` as it reads back from a JSON file, NaN kept (numpy scalars and arrays as Python numbers and lists)."""
    def plain(item: Any) -> Any:
        if isinstance(item, np.ndarray):
            return item.tolist()
        if isinstance(item, np.generic):
            return item.item()
        if isinstance(item, Path):
            return str(item)
        raise TypeError(f"{type(item).__name__} is not JSON serializable")

    return json.loads(json.dumps(value, default=plain))


def _flat(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested table with its nested keys joined by dots (``{"a": {"b": 1}}`` → ``{"a.b": 1}``); lists stay values."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(_flat(value, f"{name}."))
        else:
            out[name] = value
    return out


def _most_wrong(reference: Sequence[Atoms], predicted: Sequence[Atoms], per_kind: int) -> list[Atoms]:
    """The ``per_kind`` frames of each ``config_type`` with the largest force RMSE between prediction and reference."""
    scored: dict[str, list[tuple[float, int]]] = {}
    for index, (ref, pred) in enumerate(zip(reference, predicted)):
        error = float(np.sqrt(np.mean((ref.get_forces() - pred.get_forces()) ** 2)))
        scored.setdefault(config_type(ref), []).append((error, index))
    chosen = sorted(index for items in scored.values() for _, index in sorted(items, reverse=True)[:per_kind])
    return [reference[i] for i in chosen]


def _meets_gates(errors: Errors) -> bool:
    stress_ok = not np.isfinite(errors.stress_rmse_GPa) or errors.stress_rmse_GPa <= GATES["stress_GPa"]
    return (errors.energy_rmse_meV_per_atom <= GATES["energy_meV_per_atom"] and errors.force_rmse_eV_per_A <= GATES["force_eV_per_A"]
            and stress_ok)


@dataclass
class ActiveLearningResult:
    """The final fit, the error history of every round and all frames gathered."""

    final: PotentialFitResult | PodFitResult
    rounds: list[dict[str, Any]]
    frames: list[Atoms]
    settings: ActiveLearning

    def summary(self) -> dict[str, Any]:
        return {**self.final.summary(), "rounds": self.rounds, "frames_total": len(self.frames),
                "last_round_meets_gates": _round_meets(self.rounds[-1])}

    def write(self, out: str | Path | RunDirectory | None = None) -> RunDirectory:
        from sselab.plots.potential import learning_figure

        run = RunDirectory.open(out, "potential learn", {"settings": {k: str(v) for k, v in self.settings.__dict__.items()}})
        self.final.write(run)  # the fitted TOML, held-out frames and parity plot; finish() below replaces its summary
        write_training_set(self.frames, run.path / "training.extxyz")
        run.files.append("training.extxyz")
        run.save_figure("learning", learning_figure(self.rounds, dict(GATES)))
        run.finish(self.summary())
        return run


def _round_meets(record: dict[str, Any]) -> bool:
    errors = record["candidates"]["all"]
    return _meets_gates(Errors(**errors))
