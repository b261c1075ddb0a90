"""Adhesion of two crystals, in the two sign conventions of the seeds, each with its own name.

- :func:`work_of_adhesion` (seed 001 eq. 2), **positive binds**: the work needed to separate a
  metal from its substrate, with the metal slab, substrate slab and interface relaxed in one cell,

      W_ad = (E_m + E_sub − E_int) / A                                               (seed 001 eq. 2)

  in J/m², and per metal surface atom (W_ad/ρ, ρ counting the undercoordinated metal atoms as for
  σ_m) in eV.
- :func:`adhesion_energy` (seed 004 eq. 4), **negative binds**: the energy of forming the interface
  from two slabs cut from the interface cell itself (same lattice, same atoms, the other slab removed),

      W_adhesion = (E_A|B − E_A slab − E_B slab) / A                                 (seed 004 eq. 4)

  in J/m². For the same three energies, ``adhesion_energy = −work_of_adhesion``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ase import Atoms

from sselab.atomistic.build.heterointerface import CoherentInterface
from sselab.atomistic.build.interfaces import InterfaceModel
from sselab.atomistic.build.slabs import atoms_in_planes, in_plane_area
from sselab.atomistic.engine import Engine
from sselab.constants import EV_PER_A2_TO_J_PER_M2


@dataclass(frozen=True)
class AdhesionResult:
    """Eq. 2 from three relaxed energies in one cell."""

    energy_interface_eV: float
    energy_metal_eV: float
    energy_substrate_eV: float
    area_A2: float
    interface_metal_atoms: int  # ρ·A: undercoordinated metal atoms on the side touching the substrate

    @property
    def work_of_adhesion_eV_per_A2(self) -> float:
        return (self.energy_metal_eV + self.energy_substrate_eV - self.energy_interface_eV) / self.area_A2

    @property
    def work_of_adhesion_J_per_m2(self) -> float:
        return self.work_of_adhesion_eV_per_A2 * EV_PER_A2_TO_J_PER_M2

    @property
    def work_of_adhesion_eV_per_atom(self) -> float:
        return self.work_of_adhesion_eV_per_A2 * self.area_A2 / self.interface_metal_atoms


def work_of_adhesion(engine: Engine, model: InterfaceModel, relax: bool = True) -> tuple[AdhesionResult, Atoms]:
    """Seed 001's W_ad (eq. 2, positive binds) and the relaxed interface (positions only; the cell stays the substrate's)."""
    compute = engine.relax if relax else engine.energy
    interface = compute(model.interface)
    metal = compute(model.metal)
    substrate = compute(model.substrate)
    result = AdhesionResult(interface.get_potential_energy(), metal.get_potential_energy(),
                            substrate.get_potential_energy(), model.area_A2,
                            atoms_in_planes(model.metal, model.surface_planes))
    return result, interface


@dataclass(frozen=True)
class AdhesionEnergy:
    """Seed 004 eq. 4 from the interface and the two slabs cut from it; negative binds."""

    interface_energy_eV: float
    substrate_slab_energy_eV: float
    film_slab_energy_eV: float
    area_A2: float

    @property
    def w_adhesion_J_per_m2(self) -> float:
        """Seed 004 eq. 4: (E_int − E_sub − E_film)/A; negative binds."""
        return (self.interface_energy_eV - self.substrate_slab_energy_eV - self.film_slab_energy_eV) / self.area_A2 * EV_PER_A2_TO_J_PER_M2


def adhesion_energy(engine: Engine, model: CoherentInterface, interface_atoms: Atoms, relax: bool) -> AdhesionEnergy:
    """Seed 004's W_adhesion (eq. 4, negative binds) with the slabs cut from ``interface_atoms`` (relaxed at fixed cell when ``relax``, like the interface)."""
    substrate, film = model.slabs(interface_atoms)
    compute = (lambda a: engine.relax(a, cell=False)) if relax else engine.energy
    return AdhesionEnergy(float(interface_atoms.get_potential_energy()), float(compute(substrate).get_potential_energy()),
                    float(compute(film).get_potential_energy()), in_plane_area(interface_atoms))
