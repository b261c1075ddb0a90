"""Harmonic vibrational free energy of a crystal (phonopy, forces from the engine).

    F_vib(T) = Σ_qν [ħω_qν/2 + k_B T ln(1 − exp(−ħω_qν / k_B T))]

per cell, on a Γ-centred q mesh, from force constants by finite displacements in a supercell (phonopy's
displacement set and symmetrisation; every force through the engine and its cache). Assumptions: harmonic lattice
at the relaxed 0 K volume (no thermal expansion, no anharmonicity: at a solid's melting point both matter), no
non-analytic (LO–TO) correction. A crystal with imaginary modes on the mesh has no harmonic free energy: it is refused
rather than summed without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from ase import Atoms

from sselab.atomistic.engine import Engine
from sselab.constants import AVOGADRO, ELECTRON_VOLT
from sselab.errors import ConvergenceError
from sselab.validation import require_range

#: Finite displacement (Å): phonopy's 0.01 Å would leave float32 MLIP force noise (~1e-3 eV/Å) at ~10 % of soft constants.
DISPLACEMENT_A = 0.02
#: Smallest supercell edge (Å): force constants beyond ~half of it are cut off.
MIN_SUPERCELL_A = 10.0
#: q-point density: mesh divisions per reciprocal length, n_i = ceil(MESH_DENSITY_A · |b_i|) with |b_i| = 1/d_i (Å⁻¹).
MESH_DENSITY_A = 40.0
#: Imaginary frequencies softer than this (THz, as negative numbers) are numerical noise of the acoustic modes at Γ.
IMAGINARY_TOLERANCE_THZ = 0.1
KJ_PER_MOL_TO_EV = 1000.0 / (AVOGADRO * ELECTRON_VOLT)  # phonopy's thermal properties are in kJ/mol
#: Force (eV/Å) and stress (fmax/V) tolerance of the relaxation before phonons: a cell relaxed to the studies' 0.05–0.1
#: eV/Å can leave CHGNet's KO₂ with imaginary modes that vanish at this tolerance.
PHONON_FMAX = 0.005


def relax_for_phonons(engine: Engine, crystal: Atoms) -> Atoms:
    """``crystal`` with cell and positions relaxed to :data:`PHONON_FMAX` (the stress itself converged, ``cell_factor=1``)."""
    return engine.relax(crystal, cell=True, fmax=PHONON_FMAX, cell_factor=1.0)


@dataclass(frozen=True)
class VibrationalFreeEnergy:
    """F_vib (zero point included), S_vib and C_v of one crystal at one temperature, per formula unit (eV, eV/K)."""

    formula_units: int  # in the cell given
    temperature_K: float
    free_energy_eV: float
    zero_point_energy_eV: float
    entropy_eV_per_K: float
    heat_capacity_eV_per_K: float
    supercell: tuple[int, int, int]
    mesh: tuple[int, int, int]
    displacements: int
    lowest_frequency_THz: float

    def as_dict(self) -> dict[str, Any]:
        return {"formula_units": self.formula_units, "temperature_K": self.temperature_K, "free_energy_eV": self.free_energy_eV,
                "zero_point_energy_eV": self.zero_point_energy_eV, "entropy_eV_per_K": self.entropy_eV_per_K,
                "heat_capacity_eV_per_K": self.heat_capacity_eV_per_K, "supercell": list(self.supercell), "mesh": list(self.mesh),
                "displacements": self.displacements, "lowest_frequency_THz": self.lowest_frequency_THz}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VibrationalFreeEnergy:
        return cls(int(data["formula_units"]), float(data["temperature_K"]), float(data["free_energy_eV"]),
                   float(data["zero_point_energy_eV"]), float(data["entropy_eV_per_K"]), float(data["heat_capacity_eV_per_K"]),
                   tuple(data["supercell"]), tuple(data["mesh"]), int(data["displacements"]), float(data["lowest_frequency_THz"]))


def supercell_repeats(cell: np.ndarray, min_edge_A: float = MIN_SUPERCELL_A) -> tuple[int, int, int]:
    """Repeats along each cell vector so that every perpendicular width of the supercell is ≥ ``min_edge_A``."""
    widths = np.abs(np.linalg.det(cell)) / np.linalg.norm(np.cross(cell[[1, 2, 0]], cell[[2, 0, 1]]), axis=1)
    return tuple(int(np.ceil(min_edge_A / w - 1e-9)) for w in widths)


def q_mesh(cell: np.ndarray, density_A: float = MESH_DENSITY_A) -> tuple[int, int, int]:
    """Γ-centred mesh divisions n_i = ceil(density · |b_i|), b the reciprocal vectors without 2π."""
    reciprocal = np.linalg.norm(np.linalg.inv(cell).T, axis=1)
    return tuple(max(1, int(np.ceil(density_A * b))) for b in reciprocal)


def harmonic_free_energy(engine: Engine, crystal: Atoms, temperature_K: float, formula_units: int, *,
                         displacement_A: float = DISPLACEMENT_A, min_supercell_A: float = MIN_SUPERCELL_A,
                         mesh_density_A: float = MESH_DENSITY_A) -> VibrationalFreeEnergy:
    """F_vib(T) per formula unit of ``crystal`` (``formula_units`` of them in its cell) with ``engine``'s forces; the crystal
    must be at a minimum of the same engine (:func:`relax_for_phonons`)."""
    from phonopy import Phonopy
    from phonopy.structure.atoms import PhonopyAtoms

    require_range(temperature_K, "temperature (K)", low=0.0)
    unit = PhonopyAtoms(symbols=crystal.get_chemical_symbols(), cell=np.asarray(crystal.cell), scaled_positions=crystal.get_scaled_positions())
    repeats = supercell_repeats(np.asarray(crystal.cell), min_supercell_A)
    phonon = Phonopy(unit, supercell_matrix=np.diag(repeats), primitive_matrix="P")  # sums per cell given
    phonon.generate_displacements(distance=displacement_A)
    forces = []
    for supercell in phonon.supercells_with_displacements:
        displaced = Atoms(supercell.symbols, cell=supercell.cell, scaled_positions=supercell.scaled_positions, pbc=True)
        forces.append(engine.energy(displaced).get_forces())
    phonon.forces = np.asarray(forces)
    phonon.produce_force_constants()
    phonon.symmetrize_force_constants()
    mesh = q_mesh(np.asarray(crystal.cell), mesh_density_A)
    phonon.run_mesh(list(mesh), is_gamma_center=True)
    lowest = float(np.min(phonon.mesh.frequencies))
    if lowest < -IMAGINARY_TOLERANCE_THZ:
        raise ConvergenceError(f"{engine.spec.name}: {crystal.get_chemical_formula()} has imaginary phonons ({lowest:.2f} THz) at its "
                               "relaxed cell: it is not a harmonic minimum and has no harmonic free energy")
    phonon.run_thermal_properties(temperatures=[0.0, temperature_K], exclude_gamma_acoustic=True)
    thermal = phonon.thermal_properties  # per cell given: kJ/mol and J/(K mol)
    per_unit = KJ_PER_MOL_TO_EV / formula_units
    return VibrationalFreeEnergy(
        formula_units=formula_units,
        temperature_K=temperature_K,
        free_energy_eV=float(thermal.free_energy[1]) * per_unit,
        zero_point_energy_eV=float(thermal.free_energy[0]) * per_unit,
        entropy_eV_per_K=float(thermal.entropy[1]) * per_unit / 1000.0,
        heat_capacity_eV_per_K=float(thermal.heat_capacity[1]) * per_unit / 1000.0,
        supercell=repeats,
        mesh=mesh,
        displacements=len(forces),
        lowest_frequency_THz=lowest,
    )
