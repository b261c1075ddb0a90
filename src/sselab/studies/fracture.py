"""Seed 003's mechanics: elastic constants, mirror bicrystals, uniaxial tension and toughness.

* :class:`ElasticConstantsCalculation` — C11, C12, C44 of a cubic cell by finite strains with relaxed ions
  (any calculator or ``ff:NAME`` force field), E along ⟨100⟩/⟨110⟩/⟨111⟩ and the cubic identity
  1/E110 = ¼/E100 + ¾/E111 (exact for any cubic crystal: a check on a table of E's).
* :class:`BicrystalBuild` — a mirror bicrystal (:mod:`sselab.atomistic.build.grain_boundaries`) written as a
  structure file with its record.
* :class:`TensileTest` — uniaxial tension in LAMMPS at a constant engineering strain rate
  (:mod:`sselab.atomistic.md.deformation`), optionally with an elliptical crack, resumable from its
  checkpoint; analysed by :mod:`sselab.analysis.tensile`.
* :class:`BondAnalysis` — bond counts, onset strains and crack opening along a pull (:mod:`sselab.analysis.bonds`).
* :func:`toughness` — K ↔ G (:mod:`sselab.continuum.toughness`).
"""

from __future__ import annotations

import csv
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ase import Atoms

from sselab.atomistic.build.cracks import EllipticalCrack
from sselab.atomistic.md.deformation import UniaxialTension
from sselab.errors import InputError
from sselab.runs import RunDirectory
from sselab.validation import require_count, require_range

__all__ = [
    "BicrystalBuild",
    "BondAnalysis",
    "BondResult",
    "BicrystalResult",
    "BoundaryEnergyCalculation",
    "BoundaryEnergyResult",
    "ElasticConstantsCalculation",
    "ElasticConstantsResult",
    "TensileResult",
    "TensileTest",
    "cubic_identity_e110",
    "toughness",
]

TRAJECTORY_FILE = "trajectory.extxyz"
THERMO_FILE = "thermo.csv"
CHECKPOINT_FILE = "checkpoint.restart"
START_FILE = "start.extxyz"


def cubic_identity_e110(e100_GPa: float, e111_GPa: float) -> float:
    """E110 (GPa) that a cubic crystal's E100 and E111 imply: 1/E110 = ¼/E100 + ¾/E111."""
    for name, value in (("E100", e100_GPa), ("E111", e111_GPa)):
        require_range(value, name, low=0.0, low_inclusive=False, unit="GPa")
    return 1.0 / (0.25 / e100_GPa + 0.75 / e111_GPa)


@dataclass
class ElasticConstantsResult:
    """Relaxed-ion cubic elastic constants (GPa), directional moduli and the lattice of the relaxed cell."""

    c11_GPa: float
    c12_GPa: float
    c44_GPa: float
    e100_GPa: float
    e110_GPa: float
    e111_GPa: float
    zener_ratio: float
    lattice_A: list[float]
    model: str
    unconverged_relaxations: int = 0  # relaxations that stopped at max_steps above fmax: the constants are then stiff

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "e110_from_identity_GPa": cubic_identity_e110(self.e100_GPa, self.e111_GPa)}

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        run = RunDirectory.open(run_dir, "elastic constants", {"model": self.model})
        run.finish(self.to_dict())
        return run


@dataclass(frozen=True)
class ElasticConstantsCalculation:
    """Finite strain ±``strain`` (normal and shear) around the fully relaxed cell; ions relaxed to ``fmax`` in at most
    ``max_steps`` steps, whatever engine is given (a 0.5 % strain leaves small forces, so the soft Li modes of LLZO
    take hundreds of steps; a relaxation cut short leaves the constants too stiff, and is counted in the result)."""

    strain: float = 0.005
    fmax: float = 0.01
    max_steps: int = 2000

    def run(self, structure: str | Path | Atoms, calculator: Any = "chgnet") -> ElasticConstantsResult:
        from sselab.atomistic.engine import as_engine
        from sselab.atomistic.properties.elastic import CubicElasticConstants
        from sselab.studies.md import build_md_system
        from sselab.studies.potential import equilibrium_properties

        atoms, _ = build_md_system(structure)
        engine = as_engine(calculator, fmax=self.fmax, max_steps=self.max_steps)
        values = equilibrium_properties(atoms, engine, self.strain)
        constants = CubicElasticConstants(values["C11_GPa"], values["C12_GPa"], values["C44_GPa"])
        return ElasticConstantsResult(
            c11_GPa=constants.C11_GPa, c12_GPa=constants.C12_GPa, c44_GPa=constants.C44_GPa, e100_GPa=constants.E100_GPa,
            e110_GPa=constants.E110_GPa, e111_GPa=constants.E111_GPa, zener_ratio=constants.zener_ratio,
            lattice_A=[values["a_A"], values["b_A"], values["c_A"]], model=engine.spec.name,
            unconverged_relaxations=len(engine.unconverged))


@dataclass
class BicrystalResult:
    """The bicrystal and its record (:meth:`MirrorBicrystal.summary`)."""

    atoms: Atoms
    record: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.record)

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        from ase.io import write

        run = RunDirectory.open(run_dir, "gb build", {"record": self.record})
        target = run.path / "bicrystal.extxyz"
        write(target, self.atoms, format="extxyz")
        run.files.append(target.name)
        run.finish({**self.record, "structure_file": str(target)})
        return run


@dataclass(frozen=True)
class BicrystalBuild:
    """Seed 003's mirror bicrystal across (hkl) through a plane of ``element`` (which plane: ``plane_choice``, "first" or
    "purest"; :func:`~sselab.atomistic.build.grain_boundaries.mirror_bicrystal`); with ``rotation_angle_deg``, a CSL
    bicrystal instead (grain B rotated about ``rotation_axis``, boundary plane ``miller``, ``layers`` CSL periods per
    grain; :func:`~sselab.atomistic.build.grain_boundaries.csl_bicrystal`)."""

    miller: tuple[int, int, int] = (1, 1, 0)
    element: str = "Zr"
    layers: int = 1
    min_distance_A: float = 1.6
    neutralize: bool = False
    framework: tuple[str, ...] | None = None
    rotation_axis: tuple[int, int, int] | None = None
    rotation_angle_deg: float | None = None
    plane_choice: str = "first"

    def __post_init__(self) -> None:
        if (self.rotation_axis is None) != (self.rotation_angle_deg is None):
            raise InputError("a CSL boundary takes both a rotation axis and a rotation angle (neither: a mirror bicrystal)")
        if self.rotation_axis is not None and self.plane_choice != "first":
            raise InputError("the mirror plane choice applies to mirror bicrystals only, not to a CSL boundary")

    def run(self, structure: str | Path | Atoms) -> BicrystalResult:
        from sselab.atomistic.build.grain_boundaries import csl_bicrystal, mirror_bicrystal
        from sselab.studies.md import build_md_system

        atoms, record = build_md_system(structure)
        if self.rotation_axis is not None:
            built = csl_bicrystal(atoms, self.rotation_axis, self.rotation_angle_deg, plane=self.miller, expand_times=self.layers,
                                  min_distance_A=self.min_distance_A, neutralize=self.neutralize)
        else:
            built = mirror_bicrystal(atoms, self.miller, self.element, layers=self.layers, min_distance_A=self.min_distance_A,
                                     neutralize=self.neutralize, framework=self.framework, plane_choice=self.plane_choice)
        return BicrystalResult(atoms=built.atoms, record={"structure": record.get("structure"), **built.summary()})


@dataclass
class BoundaryEnergyResult:
    """γ_GB and its bookkeeping (:class:`~sselab.atomistic.properties.boundary.BoundaryEnergy`) with the model used."""

    values: dict[str, Any]
    model: str
    relaxed: Atoms = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {**self.values, "model": self.model}

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        from ase.io import write

        run = RunDirectory.open(run_dir, "gb energy", {"model": self.model})
        target = run.path / "relaxed.extxyz"
        write(target, self.relaxed, format="extxyz")
        run.files.append(target.name)
        run.finish({**self.to_dict(), "structure_file": str(target)})
        return run


@dataclass(frozen=True)
class BoundaryEnergyCalculation:
    """γ_GB of a bicrystal with ``boundaries`` boundaries normal to c, against its bulk and reference phases (name →
    structure), every cell relaxed with one engine (:func:`~sselab.atomistic.properties.boundary.boundary_energy`)
    for at most ``max_steps`` optimizer steps each (a thousand-atom bicrystal needs several hundred)."""

    boundaries: int = 2
    max_steps: int = 1000

    def __post_init__(self) -> None:
        require_count(self.max_steps, "max_steps", low=1, high=100_000)

    def run(self, bicrystal: str | Path | Atoms, bulk: str | Path | Atoms, calculator: Any = "chgnet", *,
            references: dict[str, str | Path | Atoms] | None = None) -> BoundaryEnergyResult:
        from sselab.atomistic.engine import as_engine
        from sselab.atomistic.properties.boundary import boundary_energy
        from sselab.studies.md import build_md_system

        engine = as_engine(calculator, max_steps=self.max_steps)
        cells = {name: build_md_system(source)[0] for name, source in (references or {}).items()}
        result = boundary_energy(build_md_system(bicrystal)[0], build_md_system(bulk)[0], engine, references=cells,
                                 boundaries=self.boundaries)
        return BoundaryEnergyResult(values=result.to_dict(), model=engine.spec.name, relaxed=result.relaxed)


@dataclass
class TensileResult:
    """The stress–strain curve's properties (:class:`~sselab.analysis.tensile.TensileProperties`) and the run record."""

    properties: dict[str, Any]
    settings: dict[str, Any]
    system: dict[str, Any]
    engine: dict[str, Any]
    folder: Path
    curve: Any = field(repr=False, default=None)

    def to_dict(self) -> dict[str, Any]:
        return {**self.properties, "settings": self.settings, "system": self.system, "engine": self.engine,
                "trajectory": str(self.folder / TRAJECTORY_FILE)}

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        run = RunDirectory.open(run_dir if run_dir is not None else self.folder, "fracture tensile", {"settings": self.settings},
                                overwrite=True)
        if self.curve is not None:
            from sselab.analysis.tensile import energy_change_per_atom

            energy = energy_change_per_atom(self.curve, elastic_max_strain=self.properties["elastic_max_strain"])
            target = run.path / "stress_strain.csv"
            with target.open("w", newline="") as handle:
                out = csv.writer(handle)
                out.writerow(["strain", "stress_GPa", "lateral_strain_1", "lateral_strain_2",
                              *(["energy_change_meV_per_atom"] if energy is not None else [])])
                for k in range(len(self.curve.strain)):
                    out.writerow([repr(float(self.curve.strain[k])), repr(float(self.curve.stress_GPa[k])),
                                  *(repr(float(v)) for v in self.curve.lateral_strain[k]),
                                  *([repr(float(energy[k]))] if energy is not None else [])])
            run.files.append(target.name)
            from sselab.plots.fracture import plot_stress_strain

            run.save_figure("stress_strain", plot_stress_strain(self.curve, self.properties).figure)
        run.finish(self.to_dict())
        return run


@dataclass(frozen=True)
class TensileTest:
    """Uniaxial tension of a cell in LAMMPS at ``temperature_K``: equilibration (stress-free, or lateral lengths held)
    for ``equilibration_ps``, then a pull at ``strain_rate_per_ps`` to ``max_strain`` with a frame every
    ``frame_strain`` of strain. ``crack`` cuts an elliptical crack first (``neutralize`` removes the charge it leaves)."""

    temperature_K: float = 300.0
    strain_rate_per_ps: float = 5e-4
    max_strain: float = 0.2
    axis: str = "z"
    lateral: str = "free"
    timestep_fs: float = 1.0
    frame_strain: float = 0.002
    equilibration_ps: float = 10.0
    seed: int = 1
    crack: EllipticalCrack | None = None
    neutralize: bool = False
    elastic_max_strain: float = 0.02

    def __post_init__(self) -> None:
        self.tension()  # validates rate, axis, lateral
        require_range(self.max_strain, "maximum strain", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
        require_range(self.frame_strain, "strain between frames", low=0.0, high=self.max_strain / 2, low_inclusive=False)
        require_range(self.equilibration_ps, "equilibration time", low=0.0, unit="ps")
        require_count(self.seed, "seed")

    def tension(self) -> UniaxialTension:
        return UniaxialTension(strain_rate_per_ps=self.strain_rate_per_ps, axis=self.axis, lateral=self.lateral)

    def md_settings(self):
        from sselab.atomistic.md.ase_md import MDSettings

        steps_per_frame = max(1, round(self.frame_strain / (self.strain_rate_per_ps * self.timestep_fs / 1000.0)))
        frames = math.ceil(self.max_strain / (steps_per_frame * self.strain_rate_per_ps * self.timestep_fs / 1000.0) - 1e-9)
        return MDSettings(temperature_K=self.temperature_K, timestep_fs=self.timestep_fs, steps=frames * steps_per_frame,
                          dump_every=steps_per_frame, ensemble="nvt", seed=self.seed,
                          equilibration_steps=round(self.equilibration_ps * 1000.0 / self.timestep_fs))

    def settings_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["crack"] = asdict(self.crack) if self.crack is not None else None
        return record

    def run(self, structure: str | Path | Atoms, forcefield: str | Path, out: str | Path, *, resume: bool = False,
            progress=None) -> TensileResult:
        """Run (or, with ``resume``, continue from its checkpoint) the test in ``out`` and analyse it."""
        import json

        from ase.io import read, write

        from sselab.analysis.tensile import TensileCurve, analyze_tensile
        from sselab.atomistic.build.cracks import cut_elliptical_crack
        from sselab.atomistic.md.lammps import run_lammps_md
        from sselab.studies.md import build_md_system, cell_sha256, md_engine

        atoms, system = build_md_system(structure, seed=self.seed)
        if self.crack is not None:
            cut = cut_elliptical_crack(atoms, self.crack, self.axis, neutralize=self.neutralize)
            atoms = cut.atoms
            system.update({"crack_removed": cut.removed, "crack_neutralized": cut.neutralized, "atoms": len(atoms),
                           "formula": atoms.get_chemical_formula(), "cell_sha256": cell_sha256(atoms)})
        model, engine_record, identity = md_engine(None, forcefield, "cpu", atoms.get_chemical_symbols())
        folder = Path(out)
        run = RunDirectory.open(folder, "fracture tensile", {"settings": self.settings_record()}, resume=resume)
        record_path = folder / "point.json"
        defining = {"settings": self.settings_record(), "system": system, "engine": identity}
        checkpoint = folder / CHECKPOINT_FILE
        restart = None
        if resume and record_path.is_file():
            recorded = json.loads(record_path.read_text())
            if _same_run(recorded) != _same_run(json.loads(json.dumps(defining, default=str))):
                raise InputError(f"{folder} holds a tensile run with other settings, cell or model: --resume continues only "
                                 "the same run (pass --overwrite to start again)")
            restart = checkpoint if checkpoint.is_file() else None
        elif (folder / TRAJECTORY_FILE).exists() and not resume:
            raise InputError(f"{folder} already holds a tensile run: pass --resume to continue it or choose another --out")
        if restart is None:
            for name in (TRAJECTORY_FILE, THERMO_FILE):
                (folder / name).unlink(missing_ok=True)
            record_path.write_text(json.dumps(defining, default=str, indent=1))
            write(folder / START_FILE, atoms, format="extxyz")
        settings = self.md_settings()
        run_lammps_md(atoms, model, settings, folder / TRAJECTORY_FILE, folder / THERMO_FILE, progress=progress, restart_path=restart,
                      checkpoint_path=checkpoint, tension=self.tension())
        curve = TensileCurve.from_frames(read(folder / TRAJECTORY_FILE, index=":"), self.axis)
        crack_args = {}
        if self.crack is not None:
            crack_args = {"crack_half_length_A": self.crack.half_length_A,
                          "crack_period_A": float(curve.lengths0_A["xyz".index(self.crack.length_axis)])}
        properties = analyze_tensile(curve, elastic_max_strain=self.elastic_max_strain, **crack_args).to_dict()
        result = TensileResult(properties=properties, settings=self.settings_record(), system=system, engine=engine_record,
                               folder=folder, curve=curve)
        result.write(run)
        return result


def _same_run(record: dict[str, Any]) -> dict[str, Any]:
    """What makes two tensile records the same run: everything but the path the structure was read from (the cell's
    hash identifies it), so that a run directory resumes after a move or from another working directory."""
    system = {k: v for k, v in record.get("system", {}).items() if k != "structure"}
    return {**record, "system": system}


def toughness(*, g_c_J_per_m2: float | None = None, k_ic_Pa_sqrt_m: float | None = None, youngs_modulus_Pa: float,
              poisson_ratio: float, plane: str = "strain") -> dict[str, float]:
    """Irwin's K ↔ G for an isotropic solid: give exactly one of G_c (J/m²) and K_IC (Pa·√m)."""
    from sselab.continuum.toughness import effective_modulus, energy_release_rate, stress_intensity

    if (g_c_J_per_m2 is None) == (k_ic_Pa_sqrt_m is None):
        raise InputError("give exactly one of G_c and K_IC")
    if g_c_J_per_m2 is not None:
        g, k = g_c_J_per_m2, stress_intensity(g_c_J_per_m2, youngs_modulus_Pa, poisson_ratio, plane)
    else:
        k, g = k_ic_Pa_sqrt_m, energy_release_rate(k_ic_Pa_sqrt_m, youngs_modulus_Pa, poisson_ratio, plane)
    return {"k_ic_MPa_sqrt_m": k / 1e6, "g_c_J_per_m2": g, "effective_modulus_GPa": effective_modulus(youngs_modulus_Pa, poisson_ratio, plane) / 1e9,
            "plane": plane}


@dataclass
class BondResult:
    """A :class:`~sselab.analysis.bonds.BondEvolution` and the trajectory it came from."""

    evolution: Any
    trajectory: str

    def to_dict(self) -> dict[str, Any]:
        return {**self.evolution.to_dict(), "trajectory": self.trajectory}

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        from sselab.plots.fracture import plot_bond_evolution

        run = RunDirectory.open(run_dir, "fracture bonds", {"trajectory": self.trajectory})
        e = self.evolution
        target = run.path / "bonds.csv"
        with target.open("w", newline="") as handle:
            out = csv.writer(handle)
            pairs = list(e.counts)
            out.writerow(["strain", *pairs, "opening_A", "opening_center_A", *(["cracked_length_A"] if e.cracked_length_A is not None else [])])
            for k in range(e.strain.size):
                out.writerow([repr(float(e.strain[k])), *(int(e.counts[p][k]) for p in pairs), repr(float(e.opening_A[k])),
                              repr(float(e.opening_center_A[k])), *([repr(float(e.cracked_length_A[k]))] if e.cracked_length_A is not None else [])])
        run.files.append(target.name)
        run.save_figure("bonds", plot_bond_evolution(e).figure)
        run.finish(self.to_dict())
        return run


@dataclass(frozen=True)
class BondAnalysis:
    """Seed 003 Fig. 4a on a pull's trajectory: see :func:`sselab.analysis.bonds.bond_evolution` for the settings."""

    axis: str = "z"
    region: tuple[float, float] | None = None
    threshold: float = 0.02
    crack_axis: str | None = None
    every: int = 1
    fracture_width_A: float | None = None  # instead of ``region``: a slab this wide around where the pull broke

    def __post_init__(self) -> None:
        if self.fracture_width_A is not None:
            if self.region is not None:
                raise InputError("give a region or a fracture-region width, not both")
            require_range(self.fracture_width_A, "fracture-region width", low=0.0, low_inclusive=False, unit="Å")

    def run(self, trajectory: str | Path) -> BondResult:
        from ase.io import iread, read

        from sselab.analysis.bonds import bond_evolution, fracture_plane

        path = Path(trajectory)
        if not path.is_file():
            raise InputError(f"trajectory {path} does not exist")
        require_count(self.every, "--every", low=1)
        try:
            region = self.region
            if self.fracture_width_A is not None:  # seed 003's "fracture region": around the plane that opened
                region = (fracture_plane(read(str(path), index=0), read(str(path), index=-1), self.axis), self.fracture_width_A)
            frames = iread(str(path), index=f"::{self.every}")
            evolution = bond_evolution(frames, self.axis, region=region, threshold=self.threshold, crack_axis=self.crack_axis)
        except InputError:
            raise
        except Exception as error:  # ASE's readers raise many kinds
            raise InputError(f"cannot read trajectory {path} ({type(error).__name__}: {' '.join(str(error).split())[:160]})") from None
        return BondResult(evolution=evolution, trajectory=str(path))
