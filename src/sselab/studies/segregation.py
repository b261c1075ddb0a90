"""The seed 001 chain for one metal/substrate pair, from bulk structures to the W_ad ≥ 2σ_m verdict.

1. Relax both bulk cells with the chosen calculator.
2. Build the coherent interface (:func:`~sselab.atomistic.build.interfaces.build_interface`).
3. σ_m of the metal *as strained in the interface*, by the Fiorentini–Methfessel fit over slab
   thicknesses in the matched in-plane cell, and ρ from the undercoordinated atoms; the
   unstrained σ_m for reference.
4. W_ad (eq. 2) from the relaxed interface, metal and substrate.
5. Layer-resolved vacancy energies at the interface (unrelaxed and relaxed vacancy) and at the
   free surface of the same strained metal slab: ΔE_bulk-int, ΔE_bulk-free, site-resolved.
6. The bond-breaking model's prediction (eqs. 11, 12) beside the computed values.

Every energy goes through the engine's cache, so a killed study rerun with the same database
recomputes nothing that finished. ``progress`` is called with a short label after each step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ase import Atoms

from sselab.atomistic.build.interfaces import InterfaceModel, build_interface, strained_metal
from sselab.atomistic.engine import Engine
from sselab.atomistic.properties.adhesion import AdhesionResult, work_of_adhesion
from sselab.atomistic.properties.surface import SurfaceEnergyResult, surface_energy
from sselab.atomistic.properties.vacancies import VacancyProfile, vacancy_profile
from sselab.constants import ELECTRON_VOLT
from sselab.continuum.segregation import SegregationPrediction, predict, weakest_site

FM_PLANES = (5, 7, 9, 11, 13)


@dataclass(frozen=True)
class StudySettings:
    metal_miller: tuple[int, int, int] = (1, 0, 0)
    substrate_miller: tuple[int, int, int] = (1, 0, 0)
    metal_planes: int = 11
    substrate_planes: int = 4
    max_strain: float = 0.08
    min_image: float = 9.0
    registry: str | None = None
    substrate_termination: str | None = None
    fm_planes: tuple[int, ...] = FM_PLANES
    vacancy_planes: tuple[int, ...] | None = None  # default: 1 … middle
    fix_substrate_planes: int = 0


@dataclass
class SegregationStudy:
    metal: str
    substrate: str
    settings: StudySettings
    interface: InterfaceModel
    relaxed_interface: Atoms
    strained_surface: SurfaceEnergyResult
    unstrained_surface: SurfaceEnergyResult
    adhesion: AdhesionResult
    interface_profiles: dict[str, VacancyProfile]
    free_profile: VacancyProfile
    prediction: SegregationPrediction
    unconverged: int = 0
    extras: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        relaxed = self.interface_profiles["fully-relaxed"]
        unrelaxed = self.interface_profiles["relaxed-surface"]
        site, weakest = weakest_site(relaxed.segregation_by_site())
        density = self.strained_surface.surface_atoms / self.strained_surface.area_A2  # 1/Å²
        return {
            "metal": self.metal,
            "substrate": self.substrate,
            "metal_miller": list(self.settings.metal_miller),
            "substrate_miller": list(self.settings.substrate_miller),
            "in_plane_strain": [s - 1.0 for s in self.interface.match.stretches],
            "lateral_repeats": list(self.interface.repeats),
            "registry": self.interface.registry,
            "substrate_termination": self.settings.substrate_termination,
            "n_atoms_interface": len(self.interface.interface),
            "surface_energy_J_per_m2": self.strained_surface.surface_energy_J_per_m2,
            "surface_energy_eV_per_atom": self.strained_surface.surface_energy_eV_per_atom,
            "surface_energy_unstrained_J_per_m2": self.unstrained_surface.surface_energy_J_per_m2,
            "surface_density_per_nm2": self.strained_surface.surface_density_per_nm2,
            "work_of_adhesion_J_per_m2": self.adhesion.work_of_adhesion_J_per_m2,
            "work_of_adhesion_eV_per_atom": self.adhesion.work_of_adhesion_eV_per_atom,
            "sigma_minus_half_w_eV_per_atom": (self.strained_surface.surface_energy_eV_per_A2
                                               - self.adhesion.work_of_adhesion_eV_per_A2 / 2) / density,
            "delta_e_bulk_int_model_eV": self.prediction.delta_e_bulk_int / ELECTRON_VOLT,
            "delta_e_bulk_int_eV": relaxed.segregation_energy_eV,
            "delta_e_bulk_int_unrelaxed_eV": unrelaxed.segregation_energy_eV,
            "delta_e_bulk_free_eV": self.free_profile.segregation_energy_eV,
            "delta_e_bulk_free_model_eV": self.prediction.delta_e_bulk_free / ELECTRON_VOLT,
            "interface_sites": [
                {"atom_index": s.index, "multiplicity": s.multiplicity, "E_V_eV": s.formation_energy_eV,
                 "delta_e_bulk_int_eV": relaxed.plane_energies()[relaxed.middle_plane] - s.formation_energy_eV}
                for s in relaxed.sites if s.plane in relaxed.surface_planes],
            "weakest_site": site,
            "weakest_site_delta_e_bulk_int_eV": weakest,
            "contact_angle_deg": self.prediction.contact_angle_deg,
            "segregation_suppressed": self.prediction.segregation_suppressed,
            "computed_segregation_suppressed": bool(weakest <= 0.0),
            "vacancy_energies_interface_eV": {mode: p.plane_energies() for mode, p in self.interface_profiles.items()},
            "vacancy_energies_free_eV": self.free_profile.plane_energies(),
            "unconverged_relaxations": self.unconverged,
            "warnings": self.warnings(),
        }

    def warnings(self) -> list[str]:
        """What a reader of the numbers must know: unconverged relaxations, vacancies that reconstruct."""
        notes = []
        if self.unconverged:
            notes.append(f"{self.unconverged} relaxation(s) stopped at the step limit; their energies are upper bounds")
        profiles = {f"interface, {mode}": p for mode, p in self.interface_profiles.items()}
        profiles["free surface, fully-relaxed"] = self.free_profile
        for mode, profile in profiles.items():
            negative = [s for s in profile.sites if s.formation_energy_eV < 0]
            if negative:
                notes.append(f"{mode}: {len(negative)} vacancy site(s) with E_V < 0 (planes "
                             f"{sorted({s.plane for s in negative})}): removing that atom lowers the energy, so the plane is "
                             "unstable or reconstructs and ΔE there is not a simple segregation energy")
        if max(abs(s - 1.0) for s in self.interface.match.stretches) > 0.1:
            notes.append("the metal is strained by more than 10 % to be coherent; its bonding differs from the bulk metal's")
        return notes


def strained_surface_energy(engine: Engine, metal_bulk: Atoms, model: InterfaceModel, settings: StudySettings,
                            step: Callable[[str], None]) -> SurfaceEnergyResult:
    """σ_m of the metal in the interface's matched, strained in-plane cell (one lateral repeat)."""
    substrate_cell = model.substrate.cell.array.copy()
    substrate_cell[0] /= model.repeats[0]
    substrate_cell[1] /= model.repeats[1]
    return surface_energy(engine, metal_bulk, settings.metal_miller, settings.fm_planes,
                          strain=tuple(s - 1.0 for s in model.match.stretches),
                          progress=lambda: step("strained slab"),
                          reshape=lambda cut: strained_metal(cut, model.match, substrate_cell, (1, 1)))


def study_steps(settings: StudySettings, vacancy_sites: int = 1) -> int:
    """Number of progress steps of :func:`run_study` (for a progress bar's total)."""
    middle = (settings.metal_planes + 1) // 2
    planes = len(set(settings.vacancy_planes or range(1, middle + 1)) | {middle})
    return 2 + 2 * len(settings.fm_planes) + 1 + 2 * planes * vacancy_sites + 2


def run_study(engine: Engine, metal_name: str, metal_bulk: Atoms, substrate_name: str, substrate_bulk: Atoms,
              settings: StudySettings = StudySettings(), progress: Callable[[str], None] | None = None) -> SegregationStudy:
    step = progress or (lambda label: None)
    unconverged_before = set(engine.unconverged)
    metal_relaxed = engine.relax(metal_bulk, cell=True)
    step("metal bulk")
    substrate_relaxed = engine.relax(substrate_bulk, cell=True)
    step("substrate bulk")
    model = build_interface(metal_relaxed, substrate_relaxed, settings.metal_miller, settings.substrate_miller,
                            settings.metal_planes, settings.substrate_planes, settings.max_strain, settings.min_image,
                            settings.registry, settings.substrate_termination,
                            fix_substrate_planes=settings.fix_substrate_planes)
    strained = strained_surface_energy(engine, metal_relaxed, model, settings, step)
    unstrained = surface_energy(engine, metal_relaxed, settings.metal_miller, settings.fm_planes,
                                progress=lambda: step("unstrained slab"))
    adhesion, relaxed_interface = work_of_adhesion(engine, model)
    step("interface, metal and substrate relaxed")

    metal_indices = model.metal_indices
    vacancy_planes = list(settings.vacancy_planes) if settings.vacancy_planes else None
    outer = model.surface_planes  # (1,) for BCC (100), (1, 2) for HCP (10-10)
    profiles = {}
    for mode in ("relaxed-surface", "fully-relaxed"):
        profiles[mode] = vacancy_profile(engine, relaxed_interface, metal_indices, strained.bulk_energy_per_atom_eV, mode,
                                         vacancy_planes, unrelaxed_host=model.interface,
                                         progress=lambda m=mode: step(f"interface vacancy ({m})"), surface_planes=outer)
    relaxed_metal = engine.relax(model.metal)
    middle = (settings.metal_planes + 1) // 2
    # the metal slab alone has free surfaces on both sides; plane 1 is the one that met the substrate
    free = vacancy_profile(engine, relaxed_metal, np.arange(len(relaxed_metal)),
                           strained.bulk_energy_per_atom_eV, "fully-relaxed", [*outer, middle], unrelaxed_host=model.metal,
                           progress=lambda: step("free-surface vacancy"), surface_planes=outer)
    density_m2 = strained.surface_atoms / (strained.area_A2 * 1e-20)
    prediction = predict(strained.surface_energy_J_per_m2, adhesion.work_of_adhesion_J_per_m2, density_m2)
    unconverged = len(engine.unconverged - unconverged_before)
    return SegregationStudy(metal_name, substrate_name, settings, model, relaxed_interface, strained, unstrained, adhesion,
                            profiles, free, prediction, unconverged)

