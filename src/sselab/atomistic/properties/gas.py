"""Chemical potential of a gas a reaction releases (O₂ from a superoxide precursor, seed 000 §3.2).

For an ideal gas of rigid-rotor, harmonic molecules

    μ(T, p) = E₀ + E_ZPE + ∫₀ᵀ C_p dT' − T·S(T, p),   S(T, p) = S(T, p°) − k_B ln(p / p°),   p° = 1 bar

per molecule (eV), with the translational, rotational, vibrational and electronic-spin terms of ASE's
:class:`~ase.thermochemistry.IdealGasThermo`. E₀ is the calculator's energy of the molecule relaxed in a periodic
box, and the vibrational energies ħω come from the same calculator's Hessian by central differences of its forces,
analysed by ASE's :class:`~ase.vibrations.VibrationsData` (mass weighting, the translations and rotations are the
lowest modes and are dropped). Each single point goes through the engine and its cache. Assumptions: ideal gas,
no anharmonicity, the molecule's ground-state spin multiplicity from :data:`GASES` (O₂ is a triplet), and no
correction of the calculator's molecular energy (an MLIP's molecule is an extrapolation: compare its formation
enthalpies with experiment before trusting a reaction with a gas, docs/defects.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from ase import Atoms

from sselab.atomistic.engine import Engine
from sselab.atomistic.properties.checks import finite_energy
from sselab.errors import ConvergenceError, InputError
from sselab.validation import require_range

#: Standard pressure of the tabulated entropies (Pa), ASE's reference pressure.
STANDARD_PRESSURE_PA = 1.0e5
#: Displacement of the finite-difference Hessian (Å): small against a bond, large against float32 force noise.
HESSIAN_STEP_A = 0.01


@dataclass(frozen=True)
class GasSpecies:
    """What the ideal-gas partition function needs beyond the energies: shape, rotational symmetry number, spin S."""

    formula: str
    geometry: str  # "linear" or "nonlinear" (ASE's names)
    symmetry_number: int
    spin: float  # total electronic spin of the ground state (O₂ ³Σg⁻: 1)


#: The gases a packaged reaction may release.
GASES = {
    "O2": GasSpecies("O2", "linear", 2, 1.0),
    "N2": GasSpecies("N2", "linear", 2, 0.0),
}


def gas_species(formula: str) -> GasSpecies:
    """The :data:`GASES` entry of ``formula``; anything else is a user error."""
    try:
        return GASES[formula]
    except KeyError:
        raise InputError(f"no ideal-gas data for {formula!r} (have: {', '.join(GASES)})") from None


def ideal_gas_chemical_potential(species: GasSpecies, energy_eV: float, vibrational_energies_eV: np.ndarray, atoms: Atoms,
                                 temperature_K: float, pressure_Pa: float) -> float:
    """μ(T, p) per molecule (eV): ``energy_eV`` + zero point + ∫C_p dT − TS (ASE IdealGasThermo, the highest 3N−5 or
    3N−6 of ``vibrational_energies_eV`` taken as the vibrations)."""
    from ase.thermochemistry import IdealGasThermo

    require_range(temperature_K, "temperature (K)", low=0.0, low_inclusive=False)
    require_range(pressure_Pa, "gas pressure (Pa)", low=0.0, low_inclusive=False)
    molecule = atoms.copy()  # only its masses and geometry (moments of inertia) enter; ASE wants it non-periodic
    molecule.pbc = False
    thermo = IdealGasThermo(vib_energies=list(vibrational_energies_eV), geometry=species.geometry, potentialenergy=energy_eV,
                            atoms=molecule, symmetrynumber=species.symmetry_number, spin=species.spin)
    return float(thermo.get_gibbs_energy(temperature_K, pressure_Pa, verbose=False))


def finite_difference_hessian(engine: Engine, atoms: Atoms, step_A: float = HESSIAN_STEP_A) -> np.ndarray:
    """H_ij = −∂F_i/∂x_j (eV/Å², 3N × 3N) by central differences of the engine's forces, symmetrised."""
    n = 3 * len(atoms)
    hessian = np.empty((n, n))
    for j in range(n):
        forces = []
        for sign in (1.0, -1.0):
            displaced = atoms.copy()
            displaced.positions[j // 3, j % 3] += sign * step_A
            forces.append(engine.energy(displaced).get_forces().ravel())
        hessian[:, j] = -(forces[0] - forces[1]) / (2.0 * step_A)
    return 0.5 * (hessian + hessian.T)


@dataclass(frozen=True)
class GasReference:
    """One gas at the process conditions: its 0 K energy, vibrations and μ(T, p) (eV per molecule)."""

    formula: str
    energy_eV: float
    vibrational_energies_eV: tuple[float, ...]  # the true vibrations (3N−5 or 3N−6)
    zero_point_energy_eV: float
    temperature_K: float
    pressure_Pa: float
    chemical_potential_eV: float

    @property
    def thermal_part_eV(self) -> float:
        """μ(T, p) − E₀: what the gas's zero point, heat and entropy add to its 0 K energy."""
        return self.chemical_potential_eV - self.energy_eV

    def as_dict(self) -> dict[str, Any]:
        return {"formula": self.formula, "energy_eV": self.energy_eV, "vibrational_energies_eV": list(self.vibrational_energies_eV),
                "zero_point_energy_eV": self.zero_point_energy_eV, "temperature_K": self.temperature_K,
                "pressure_Pa": self.pressure_Pa, "chemical_potential_eV": self.chemical_potential_eV,
                "thermal_part_eV": self.thermal_part_eV}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GasReference:
        return cls(data["formula"], float(data["energy_eV"]), tuple(float(v) for v in data["vibrational_energies_eV"]),
                   float(data["zero_point_energy_eV"]), float(data["temperature_K"]), float(data["pressure_Pa"]),
                   float(data["chemical_potential_eV"]))


def gas_reference(engine: Engine, formula: str, temperature_K: float, pressure_Pa: float) -> tuple[GasReference, Atoms]:
    """Relax ASE's ``formula`` molecule in a periodic box with ``engine``, take its Hessian and return μ(T, p) with the
    relaxed molecule."""
    from ase.vibrations import VibrationsData

    from sselab.atomistic.build.structures import molecule_in_box

    species = gas_species(formula)
    relaxed = engine.relax(molecule_in_box(formula), cell=False)
    energy = finite_energy(relaxed, f"the {formula} molecule")
    hessian = finite_difference_hessian(engine, relaxed)
    modes = VibrationsData.from_2d(relaxed, hessian).get_energies()
    count = 3 * len(relaxed) - (5 if species.geometry == "linear" else 6)
    ordered = sorted(modes, key=lambda e: (e**2).real)
    vibrations = np.real(np.asarray(ordered[-count:]))
    if (np.abs(np.imag(ordered[-count:])) > 0).any() or (vibrations <= 0).any():
        raise ConvergenceError(f"{engine.spec.name}: the relaxed {formula} molecule has an imaginary vibration; its μ(T, p) is undefined")
    mu = ideal_gas_chemical_potential(species, energy, vibrations, relaxed, temperature_K, pressure_Pa)
    reference = GasReference(formula, energy, tuple(float(v) for v in vibrations), float(0.5 * vibrations.sum()), temperature_K,
                             pressure_Pa, mu)
    return reference, relaxed
