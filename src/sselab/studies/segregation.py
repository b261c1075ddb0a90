"""The seed 001 chain for one metal/substrate pair, from bulk structures to the W_ad ≥ 2σ_m verdict.

:class:`SegregationStudy` holds the settings (keyword-only; lengths in Å, forces in eV/Å) and
:meth:`SegregationStudy.run` does, for a metal and a substrate (library names, structure files or
``ase.Atoms``) with a calculator (a name, an ASE calculator or an :class:`~sselab.atomistic.engine.Engine`):

1. Relax both bulk cells with the chosen calculator.
2. Build the coherent interface (:func:`~sselab.atomistic.build.interfaces.build_interface`).
3. σ_m of the metal *as strained in the interface*, by the Fiorentini–Methfessel fit over slab
   thicknesses in the matched in-plane cell, and ρ from the undercoordinated atoms; the
   unstrained σ_m for reference.
4. W_ad (eq. 2, positive binds) from the relaxed interface, metal and substrate.
5. Layer-resolved vacancy energies at the interface (unrelaxed and relaxed vacancy) and at the
   free surface of the same strained metal slab: ΔE_bulk-int, ΔE_bulk-free, site-resolved.
6. The bond-breaking model's prediction (eqs. 11, 12) beside the computed values.

::

    result = SegregationStudy(metal_planes=5, substrate_planes=2, min_image=5.0, fm_planes=(3, 5)).run("li-bcc", "licl")
    result.delta_e_bulk_int_eV, result.segregation_suppressed
    result.write("runs/li-licl")      # run.json, figures, table.md, interface.toml (the model's input)

Every energy goes through the engine's cache, so a killed study rerun with the same database
recomputes nothing that finished. ``progress`` is called with a short label after each step.
:class:`SegregationTable` gathers studies into the Table S6-like table and the Fig. 4 plot; the
model alone is :func:`~sselab.continuum.segregation.segregation_model`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator

from sselab.atomistic.build.checks import check_max_strain, check_miller, check_min_image
from sselab.atomistic.build.interfaces import DEFAULT_MATCH_AREA_A2, InterfaceModel, build_interface
from sselab.atomistic.build.structures import as_atoms
from sselab.atomistic.engine import Engine, as_engine, require_force_tolerance
from sselab.atomistic.properties.adhesion import AdhesionResult, work_of_adhesion
from sselab.atomistic.properties.surface import FM_PLANES, SurfaceEnergyResult, strained_surface_energy, surface_energy
from sselab.atomistic.properties.vacancies import VacancyProfile, vacancy_profile
from sselab.constants import ELECTRON_VOLT
from sselab.continuum.segregation import SegregationPrediction, predict, weakest_site
from sselab.errors import InputError
from sselab.progress import Progress, no_progress
from sselab.runs import HELD, summary_names, summary_of
from sselab.validation import require_count, require_positive, require_text, require_within_limit

if TYPE_CHECKING:
    from sselab.runs import RunDirectory

#: The command a study's run.json records (``sselab segregation study``).
STUDY_COMMAND = "segregation-study"
#: Bounds of :class:`SegregationStudy`'s settings: a slab of more than 100 planes is bulk. Miller indices, strains and
#: image distances have the builders' bounds (sselab.atomistic.build.checks), the force tolerance the engine's.
MAX_PLANES = 100
#: Atoms per Å² of the densest metal plane (fcc Cu(111): 0.177), for a lower estimate of the cells' size before they exist:
#: the thickest cell holds at least (planes) × min_image² × this many atoms.
DENSEST_PLANE_ATOMS_PER_A2 = 0.18

@dataclass(frozen=True, kw_only=True)
class SegregationStudy:
    """Settings of the seed 001 chain (``sselab segregation study``); :meth:`run` computes it for one pair.

    Interface: Miller indices, atomic planes of the metal and substrate slabs, the largest in-plane
    strain of a coherent match, the smallest distance between vacancy images (Å), the registry
    (``anion``, ``cation``, ``hollow``; default by electronegativity), the element the substrate's
    top plane must hold, how many bottom substrate planes to freeze, the largest match area ``max_area`` (Å²) and the
    substrate's ``substrate_cut`` (distinct cuts, widest spacing first). ``fm_planes``: slab
    thicknesses of the Fiorentini–Methfessel fit; ``vacancy_planes``: metal planes probed (default
    1 to the middle); ``fmax``: relaxation tolerance in eV/Å (None: 0.02 for a new engine, or the
    given Engine's own).
    """

    metal_miller: tuple[int, int, int] = (1, 0, 0)
    substrate_miller: tuple[int, int, int] = (1, 0, 0)
    metal_planes: int = 11
    substrate_planes: int = 4
    max_strain: float = 0.08
    min_image: float = 9.0
    registry: str | None = None
    substrate_termination: str | None = None
    fm_planes: tuple[int, ...] = FM_PLANES
    vacancy_planes: tuple[int, ...] | None = None
    fix_substrate_planes: int = 0
    max_area: float = DEFAULT_MATCH_AREA_A2
    substrate_cut: int = 0
    fmax: float | None = None

    def __post_init__(self) -> None:
        """Every setting in its range (see :data:`MAX_PLANES`), and the size of the cells bounded before any relaxation."""
        for name in ("metal_miller", "substrate_miller"):
            check_miller(getattr(self, name), name)
        for name in ("metal_planes", "substrate_planes"):
            require_count(getattr(self, name), name, low=1, high=MAX_PLANES)
        check_max_strain(self.max_strain, "max_strain")
        require_positive(self.max_area, "max_area", unit="A^2")
        require_within_limit(self.max_area, "interface_area_A2", "the coherent-match search (max_area)")
        require_count(self.substrate_cut, "substrate_cut", low=0)
        check_min_image(self.min_image, "min_image")
        if not isinstance(self.fm_planes, (tuple, list)) or len(set(self.fm_planes)) < 2:
            raise InputError(f"fm_planes: the Fiorentini-Methfessel fit needs at least two slab thicknesses, got {self.fm_planes!r}")
        for planes in self.fm_planes:
            require_count(planes, "fm_planes", low=1, high=MAX_PLANES)
        for plane in self.vacancy_planes or ():
            require_count(plane, "vacancy_planes", low=1, high=self.metal_planes)
        require_count(self.fix_substrate_planes, "fix_substrate_planes", low=0, high=self.substrate_planes - 1)
        if self.fmax is not None:
            require_force_tolerance(self.fmax, "fmax")
        for name in ("registry", "substrate_termination"):
            if getattr(self, name) is not None:
                require_text(getattr(self, name), name)
        thickest = self.metal_planes + self.substrate_planes + max(self.fm_planes)
        require_within_limit(thickest * self.min_image**2 * DENSEST_PLANE_ATOMS_PER_A2, "atoms", "this segregation study")

    def steps(self, vacancy_sites: int = 1) -> int:
        """Number of progress calls of :meth:`run` (for a progress bar's total)."""
        middle = (self.metal_planes + 1) // 2
        planes = len(set(self.vacancy_planes or range(1, middle + 1)) | {middle})
        return 2 + 2 * len(self.fm_planes) + 1 + 2 * planes * vacancy_sites + 2

    def inputs(self, metal: str, substrate: str, engine: Engine) -> dict[str, Any]:
        """What run.json records as the inputs of a study of ``metal`` on ``substrate`` with ``engine``."""
        settings = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "fmax"}
        return {"metal": metal, "substrate": substrate, **settings, "db": engine.cache.location, "calculator": engine.spec.name,
                "fmax_eV_per_A": engine.fmax}

    def run(self, metal: str | Path | Atoms, substrate: str | Path | Atoms,
            calculator: Engine | str | Calculator | None = "chgnet", db: str | None = None, device: str = "cpu",
            progress: Progress = no_progress) -> SegregationResult:
        """The chain for ``metal`` on ``substrate`` (library names, structure files or Atoms).

        ``calculator``: a name (``chgnet``, ``emt``, …), an ASE calculator or an Engine; ``db``: the
        result cache (an ase.db path or a postgresql:// URL; None keeps results in memory);
        ``device``: the torch device of an MLIP. ``progress(label)`` is called after each step
        (:meth:`steps` of them).
        """
        engine = as_engine(calculator, db=db, device=device, fmax=self.fmax)
        metal_atoms, substrate_atoms = as_atoms(metal), as_atoms(substrate)
        unconverged_before = set(engine.unconverged)
        metal_relaxed = engine.relax(metal_atoms, cell=True)
        progress("metal bulk")
        substrate_relaxed = engine.relax(substrate_atoms, cell=True)
        progress("substrate bulk")
        model = build_interface(metal_relaxed, substrate_relaxed, self.metal_miller, self.substrate_miller, self.metal_planes,
                                self.substrate_planes, self.max_strain, self.min_image, self.registry, self.substrate_termination,
                                fix_substrate_planes=self.fix_substrate_planes, max_area=self.max_area,
                                substrate_cut=self.substrate_cut)
        strained = strained_surface_energy(engine, metal_relaxed, model, self.metal_miller, self.fm_planes,
                                           progress=lambda: progress("strained slab"))
        unstrained = surface_energy(engine, metal_relaxed, self.metal_miller, self.fm_planes,
                                    progress=lambda: progress("unstrained slab"))
        adhesion, relaxed_interface = work_of_adhesion(engine, model)
        progress("interface, metal and substrate relaxed")

        planes = list(self.vacancy_planes) if self.vacancy_planes else None
        outer = model.surface_planes  # (1,) for BCC (100), (1, 2) for HCP (10-10)
        profiles = {mode: vacancy_profile(engine, relaxed_interface, model.metal_indices, strained.bulk_energy_per_atom_eV, mode,
                                          planes, unrelaxed_host=model.interface,
                                          progress=lambda m=mode: progress(f"interface vacancy ({m})"), surface_planes=outer)
                    for mode in ("relaxed-surface", "fully-relaxed")}
        relaxed_metal = engine.relax(model.metal)
        middle = (self.metal_planes + 1) // 2
        # the metal slab alone has free surfaces on both sides; plane 1 is the one that met the substrate
        free = vacancy_profile(engine, relaxed_metal, np.arange(len(relaxed_metal)), strained.bulk_energy_per_atom_eV,
                               "fully-relaxed", [*outer, middle], unrelaxed_host=model.metal,
                               progress=lambda: progress("free-surface vacancy"), surface_planes=outer)
        density_m2 = strained.surface_atoms / (strained.area_A2 * 1e-20)
        prediction = predict(strained.surface_energy_J_per_m2, adhesion.work_of_adhesion_J_per_m2, density_m2)
        parts = StudyParts(model, relaxed_interface, strained, unstrained, adhesion, profiles, free, prediction,
                           len(engine.unconverged - unconverged_before))
        labels = metal_atoms.info["structure"], substrate_atoms.info["structure"]
        return SegregationResult.from_parts(*labels, self, parts, engine)


@dataclass(frozen=True)
class StudyParts:
    """The computed pieces of one study, before they are summarised."""

    interface: InterfaceModel
    relaxed_interface: Atoms
    strained_surface: SurfaceEnergyResult
    unstrained_surface: SurfaceEnergyResult
    adhesion: AdhesionResult
    interface_profiles: dict[str, VacancyProfile]
    free_profile: VacancyProfile
    prediction: SegregationPrediction
    unconverged: int

    def warnings(self) -> list[str]:
        """What a reader of the numbers must know: unconverged relaxations, vacancies that reconstruct, large strain."""
        notes = []
        if self.unconverged:
            notes.append(f"{self.unconverged} relaxation(s) stopped at the step limit; their energies are upper bounds")
        profiles = {f"interface, {mode}": p for mode, p in self.interface_profiles.items()}
        profiles["free surface, fully-relaxed"] = self.free_profile
        for mode, profile in profiles.items():
            notes += profile.warnings(mode)
        if max(abs(s - 1.0) for s in self.interface.match.stretches) > 0.1:
            notes.append("the metal is strained by more than 10 % to be coherent; its bonding differs from the bulk metal's")
        return notes


def _planes(energies: dict[Any, float]) -> dict[int, float]:
    """Plane → E_V with integer planes (run.json stores them as text)."""
    return {int(plane): energy for plane, energy in energies.items()}


@dataclass(frozen=True, kw_only=True)
class SegregationResult:
    """One study's numbers (``sselab segregation study --json``), with its structures and profiles when computed.

    σ_m and W_ad in J/m² and per surface atom (eV), ρ in 1/nm², ΔE in eV (positive: vacancies collect
    at the interface), θ in degrees; vacancy energies are plane → E_V (eV), plane 1 at the interface.
    Every field but ``parts`` and ``inputs`` is a key of :meth:`to_dict`.
    """

    metal: str
    substrate: str
    metal_miller: list[int]
    substrate_miller: list[int]
    in_plane_strain: list[float]
    lateral_repeats: list[int]
    registry: str
    substrate_termination: str | None
    n_atoms_interface: int
    surface_energy_J_per_m2: float
    surface_energy_eV_per_atom: float
    surface_energy_unstrained_J_per_m2: float
    surface_density_per_nm2: float
    work_of_adhesion_J_per_m2: float
    work_of_adhesion_eV_per_atom: float
    sigma_minus_half_w_eV_per_atom: float
    delta_e_bulk_int_model_eV: float
    delta_e_bulk_int_eV: float
    delta_e_bulk_int_unrelaxed_eV: float
    delta_e_bulk_free_eV: float
    delta_e_bulk_free_model_eV: float
    interface_sites: list[dict[str, Any]]
    weakest_site: str
    weakest_site_delta_e_bulk_int_eV: float
    contact_angle_deg: float
    segregation_suppressed: bool
    computed_segregation_suppressed: bool
    vacancy_energies_interface_eV: dict[str, dict[int, float]]
    vacancy_energies_free_eV: dict[int, float]
    unconverged_relaxations: int
    warnings: list[str]
    calculator: str
    engine: dict[str, Any]
    parts: StudyParts | None = field(default=None, repr=False, compare=False, metadata=HELD)
    inputs: dict[str, Any] = field(default_factory=dict, repr=False, compare=False, metadata=HELD)

    @classmethod
    def from_parts(cls, metal: str, substrate: str, settings: SegregationStudy, parts: StudyParts,
                   engine: Engine) -> SegregationResult:
        """The summary of a computed study (labels of the two structures, its settings, pieces and engine)."""
        relaxed = parts.interface_profiles["fully-relaxed"]
        unrelaxed = parts.interface_profiles["relaxed-surface"]
        site, weakest = weakest_site(relaxed.segregation_by_site())
        strained, adhesion, prediction = parts.strained_surface, parts.adhesion, parts.prediction
        density = strained.surface_atoms / strained.area_A2  # 1/Å²
        bulk_plane = relaxed.plane_energies()[relaxed.middle_plane]
        return cls(
            metal=metal, substrate=substrate, metal_miller=list(settings.metal_miller),
            substrate_miller=list(settings.substrate_miller),
            in_plane_strain=[s - 1.0 for s in parts.interface.match.stretches], lateral_repeats=list(parts.interface.repeats),
            registry=parts.interface.registry, substrate_termination=settings.substrate_termination,
            n_atoms_interface=len(parts.interface.interface),
            surface_energy_J_per_m2=strained.surface_energy_J_per_m2,
            surface_energy_eV_per_atom=strained.surface_energy_eV_per_atom,
            surface_energy_unstrained_J_per_m2=parts.unstrained_surface.surface_energy_J_per_m2,
            surface_density_per_nm2=strained.surface_density_per_nm2,
            work_of_adhesion_J_per_m2=adhesion.work_of_adhesion_J_per_m2,
            work_of_adhesion_eV_per_atom=adhesion.work_of_adhesion_eV_per_atom,
            sigma_minus_half_w_eV_per_atom=(strained.surface_energy_eV_per_A2
                                            - adhesion.work_of_adhesion_eV_per_A2 / 2) / density,
            delta_e_bulk_int_model_eV=prediction.delta_e_bulk_int / ELECTRON_VOLT,
            delta_e_bulk_int_eV=relaxed.segregation_energy_eV, delta_e_bulk_int_unrelaxed_eV=unrelaxed.segregation_energy_eV,
            delta_e_bulk_free_eV=parts.free_profile.segregation_energy_eV,
            delta_e_bulk_free_model_eV=prediction.delta_e_bulk_free / ELECTRON_VOLT,
            interface_sites=[{"atom_index": s.index, "multiplicity": s.multiplicity, "E_V_eV": s.formation_energy_eV,
                              "delta_e_bulk_int_eV": bulk_plane - s.formation_energy_eV}
                             for s in relaxed.sites if s.plane in relaxed.surface_planes],
            weakest_site=site, weakest_site_delta_e_bulk_int_eV=weakest,
            contact_angle_deg=prediction.contact_angle_deg, segregation_suppressed=prediction.segregation_suppressed,
            computed_segregation_suppressed=bool(weakest <= 0.0),
            vacancy_energies_interface_eV={mode: p.plane_energies() for mode, p in parts.interface_profiles.items()},
            vacancy_energies_free_eV=parts.free_profile.plane_energies(),
            unconverged_relaxations=parts.unconverged, warnings=parts.warnings(),
            calculator=engine.spec.name, engine=engine.record(), parts=parts, inputs=settings.inputs(metal, substrate, engine),
        )

    def to_dict(self) -> dict[str, Any]:
        """The ``sselab segregation study --json`` summary, without ``run_directory``."""
        return summary_of(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SegregationResult:
        """Back from :meth:`to_dict` or a run.json summary (plane keys as text are read back as integers).

        Without structures and profiles, :meth:`write` writes run.json, the figures (no site spread),
        table.md and interface.toml.
        """
        names = summary_names(cls)
        missing = [name for name in names if name not in data]
        if missing:
            raise InputError(f"not a segregation study summary: it lacks {', '.join(missing)}")
        values = {name: data[name] for name in names}
        values["vacancy_energies_interface_eV"] = {mode: _planes(e) for mode, e in data["vacancy_energies_interface_eV"].items()}
        values["vacancy_energies_free_eV"] = _planes(data["vacancy_energies_free_eV"])
        return cls(**values)

    @property
    def title(self) -> str:
        """``metal/substrate (model)``, for figures."""
        return f"{self.metal}/{self.substrate} ({self.engine.get('model', '')})"

    @property
    def interface_profiles(self) -> dict[str, VacancyProfile] | None:
        """The interface's vacancy profiles by mode (None for a result rebuilt from its dict)."""
        return None if self.parts is None else self.parts.interface_profiles

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """run.json, ``vacancy_profile.png``, ``fig4_point.png``, ``table.md``, ``interface.toml`` and
        ``interface_relaxed.extxyz`` (when the structures are held)."""
        from ase.io import write

        from sselab.params.interfaces import write_interface
        from sselab.plots.segregation import segregation_map, segregation_profile_figure
        from sselab.runs import RunDirectory

        run = RunDirectory.open(run_dir, STUDY_COMMAND, self.inputs)
        if self.parts is not None:
            write(run.path / "interface_relaxed.extxyz", self.parts.relaxed_interface)
        run.save_figure("vacancy_profile", segregation_profile_figure(self))
        run.save_figure("fig4_point", segregation_map([self]))
        run.write_text("table.md", table_markdown([self]))
        write_interface(run.path / "interface.toml", surface_energy_J_per_m2=self.surface_energy_J_per_m2,
                        work_of_adhesion_J_per_m2=self.work_of_adhesion_J_per_m2,
                        surface_density_per_m2=self.surface_density_per_nm2 * 1e18, metal=self.metal, substrate=self.substrate,
                        calculator=self.calculator)
        run.files.append("interface.toml")
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run


def _miller(indices: Sequence[int]) -> str:
    return "(" + "".join(str(i) for i in indices) + ")"


def system_label(result: SegregationResult) -> str:
    """``li-bcc(100)/li3ocl(100) O-term, anion``: what a table row is."""
    termination = f" {result.substrate_termination}-term" if result.substrate_termination else ""
    return (f"{result.metal}{_miller(result.metal_miller)}/{result.substrate}{_miller(result.substrate_miller)}{termination}, "
            f"{result.registry}")


#: Table S6-like columns: header and how each cell is written from a result.
COLUMNS: tuple[tuple[str, Callable[[SegregationResult], str]], ...] = (
    ("system", system_label),
    ("calculator", lambda r: r.calculator),
    ("strain %", lambda r: f"{100 * r.in_plane_strain[0]:+.2f}"),
    ("σ_m J/m²", lambda r: f"{r.surface_energy_J_per_m2:.3f}"),
    ("σ_m eV/atom", lambda r: f"{r.surface_energy_eV_per_atom:.3f}"),
    ("W_ad J/m²", lambda r: f"{r.work_of_adhesion_J_per_m2:.3f}"),
    ("W_ad eV/atom", lambda r: f"{r.work_of_adhesion_eV_per_atom:.3f}"),
    ("ΔE model eV", lambda r: f"{r.delta_e_bulk_int_model_eV:+.3f}"),
    ("ΔE unrelaxed eV", lambda r: f"{r.delta_e_bulk_int_unrelaxed_eV:+.3f}"),
    ("ΔE relaxed eV", lambda r: f"{r.delta_e_bulk_int_eV:+.3f}"),
    ("θ °", lambda r: f"{r.contact_angle_deg:.0f}"),
    ("suppressed (model / computed)", lambda r: f"{r.segregation_suppressed} / {r.computed_segregation_suppressed}"),
)


def table_markdown(results: Sequence[SegregationResult]) -> str:
    """Table S6-like rows: σ_m, W_ad, ΔE_bulk-int from the model and computed."""
    lines = ["| " + " | ".join(name for name, _ in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(r) for _, cell in COLUMNS) + " |" for r in results]
    return "\n".join(lines) + "\n"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and bool(np.isfinite(value))


def _is_plane_table(value: Any) -> bool:
    """Plane → E_V as run.json stores it: whole-number keys (text), finite numbers."""
    return isinstance(value, dict) and all(str(key).isdigit() and _is_number(energy) for key, energy in value.items())


#: What each summary field's annotation requires of its value in a run.json (JSON types; NaN, written as null, refused).
_SUMMARY_TYPES: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "str | None": lambda v: v is None or isinstance(v, str),
    "float": _is_number,
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "list[int]": lambda v: isinstance(v, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in v),
    "list[float]": lambda v: isinstance(v, list) and bool(v) and all(_is_number(x) for x in v),
    "list[str]": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "list[dict[str, Any]]": lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
    "dict[str, Any]": lambda v: isinstance(v, dict),
    "dict[int, float]": _is_plane_table,
    "dict[str, dict[int, float]]": lambda v: isinstance(v, dict) and all(_is_plane_table(t) for t in v.values()),
}


def check_study_summary(summary: dict[str, Any], where: str) -> dict[str, Any]:
    """``summary`` (a study's run.json summary) with every field of :class:`SegregationResult` of the right JSON type;
    else one line naming ``where`` and the fields that are wrong."""
    types = {f.name: str(f.type) for f in fields(SegregationResult)}
    wrong = [name for name in summary_names(SegregationResult) if not _SUMMARY_TYPES[types[name]](summary[name])]
    if wrong:
        raise InputError(f"{where}: run.json holds values of the wrong type (or NaN) in {', '.join(wrong)}: rerun the study")
    return summary


def read_study(path: str | Path) -> SegregationResult:
    """The result a ``segregation study`` run directory recorded in its run.json, read with
    :func:`~sselab.runs.read_run_record` and schema-checked: one line naming the directory and what is missing or
    wrong, never a KeyError."""
    from sselab.runs import read_run_record

    data = read_run_record(path, STUDY_COMMAND)
    if data.get("command") != STUDY_COMMAND:
        raise InputError(f"{path} does not hold a segregation study run")
    summary = data.get("summary")
    if not isinstance(summary, dict):
        raise InputError(f"{path}/run.json has no summary: rerun the study")
    missing = [name for name in summary_names(SegregationResult) if name not in summary]
    if missing:
        raise InputError(f"{path}/run.json lacks {', '.join(missing)}: rerun the study")
    return SegregationResult.from_dict(check_study_summary(summary, str(path)))


@dataclass(frozen=True, kw_only=True)
class SegregationTable:
    """Studies side by side (``sselab segregation table``): the Table S6-like table and the Fig. 4 plot.

    ``rows`` are the studies' results; ``runs`` the run directories they were read from.
    """

    rows: list[SegregationResult]
    runs: list[str] = field(default_factory=list, metadata=HELD)

    @classmethod
    def from_runs(cls, paths: Sequence[str | Path]) -> SegregationTable:
        """The table of the ``segregation study`` run directories ``paths`` (at least one)."""
        if not paths:
            raise InputError("give at least one segregation study run directory")
        return cls(rows=[read_study(path) for path in paths], runs=[str(path) for path in paths])

    @property
    def markdown(self) -> str:
        """The table as Markdown (what ``table.md`` holds)."""
        return table_markdown(self.rows)

    def to_dict(self) -> dict[str, Any]:
        """The ``sselab segregation table --json`` summary (``rows``: each study's summary), without ``run_directory``."""
        return {"rows": [row.to_dict() for row in self.rows], "n_rows": len(self.rows)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SegregationTable:
        """Back from :meth:`to_dict`."""
        return cls(rows=[SegregationResult.from_dict(row) for row in data["rows"]])

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """run.json, ``fig4.png`` (model line and computed points) and ``table.md``."""
        from sselab.plots.segregation import segregation_map
        from sselab.runs import RunDirectory

        run = RunDirectory.open(run_dir, "segregation-table", {"runs": self.runs})
        run.save_figure("fig4", segregation_map(self.rows))
        run.write_text("table.md", self.markdown)
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run
