"""Physical constants and the formal-charge table, in one place.

Values come from :mod:`scipy.constants` (CODATA 2018, exact SI definitions where they exist); the
derived conversions used across sselab are named by their units so that a reader never has to
guess what a bare number means.
"""

from __future__ import annotations

from types import MappingProxyType

from scipy.constants import N_A as AVOGADRO
from scipy.constants import R as GAS_CONSTANT  # J/(mol K)
from scipy.constants import atomic_mass as ATOMIC_MASS_KG
from scipy.constants import e as ELEMENTARY_CHARGE  # C
from scipy.constants import k as BOLTZMANN  # J/K

__all__ = [
    "AMU_PER_A3_TO_G_PER_CM3", "AVOGADRO", "BOLTZMANN", "BOLTZMANN_EV", "ELECTRON_VOLT", "ELEMENTARY_CHARGE", "EV_PER_A2_TO_J_PER_M2",
    "EV_PER_A3_TO_GPA", "FORMAL_CHARGES", "GAS_CONSTANT",
]

#: Boltzmann constant in eV/K.
BOLTZMANN_EV = BOLTZMANN / ELEMENTARY_CHARGE
#: One electronvolt in joules.
ELECTRON_VOLT = ELEMENTARY_CHARGE
#: eV/Å² → J/m² (16.02…).
EV_PER_A2_TO_J_PER_M2 = ELECTRON_VOLT / 1e-20
#: eV/Å³ → GPa (160.2…): stresses of ASE calculators in the units elastic constants are quoted in.
EV_PER_A3_TO_GPA = ELECTRON_VOLT / 1e-30 / 1e9
#: amu/Å³ → g/cm³ (1.6605…): mass densities of atomistic cells.
AMU_PER_A3_TO_G_PER_CM3 = ATOMIC_MASS_KG * 1e3 / 1e-24

#: Formal (oxidation-state) charges, in units of e, of the ions the seeds use. They weight Ewald
#: rankings of configurations and the Nernst–Einstein conductivity; they are not fitted charges. S is
#: sulfate's S(VI) and Co/Ni the layered oxides' M(III), the states in the seeds' compounds.
FORMAL_CHARGES = MappingProxyType({
    "H": 1.0, "Li": 1.0, "Na": 1.0, "K": 1.0, "Ag": 1.0, "Cu": 1.0,
    "Mg": 2.0, "Ca": 2.0, "Zn": 2.0,
    "Al": 3.0, "Ga": 3.0, "La": 3.0, "Y": 3.0, "Co": 3.0, "Ni": 3.0,
    "Zr": 4.0, "Ti": 4.0,
    "Ta": 5.0, "Nb": 5.0, "P": 5.0, "S": 6.0,
    "N": -3.0, "O": -2.0, "F": -1.0, "Cl": -1.0, "Br": -1.0, "I": -1.0,
})
