"""Cubic elastic constants by finite strain with relaxed ions, and directional Young's moduli.

Hooke's law in Voigt notation, σ = C ε (tension positive; ASE's stress sign). For a cubic crystal three
constants suffice: a normal strain ε_xx = ±h gives C11 = Δσ_xx/(2h) and C12 = Δ(σ_yy + σ_zz)/2/(2h); an
engineering shear γ_yz = ±h gives C44 = Δσ_yz/(2h). Central differences cancel the residual stress of
the reference cell and the first anharmonic term. Ions are relaxed at every strained cell (the relaxed-
ion constants an experiment measures), with the engine's force tolerance.

Young's modulus along the unit vector (l, m, n) of a cubic crystal (Nye, Physical Properties of Crystals,
ch. VIII)::

    1/E = S11 - 2 (S11 - S12 - S44/2) (l²m² + m²n² + n²l²)

with S11 = (C11 + C12)/((C11 - C12)(C11 + 2 C12)), S12 = -C12/((C11 - C12)(C11 + 2 C12)), S44 = 1/C44.
Assumption: the cell is cubic or close to it (an ordered-Li LLZO cell is pseudo-cubic); the constants are
those of the x and yz directions of the given cell, not an average over equivalent ones.
Written here rather than taken from a library because it is three finite differences on the engine's
cached relaxations; pymatgen's ElasticTensor fits the full tensor from many more strains.

For a crystal of lower symmetry (monoclinic Li₆Zr₂O₇) the cubic formulas are not its directional moduli.
:func:`elastic_tensor` takes all six columns of C from ±h of each Voigt strain (twelve relaxed cells, C_ij =
Δσ_i/(2h) for strain j), symmetrises it, and gives the Young's modulus along any unit vector n from the full
compliance S = C⁻¹ (1/E = S_ijkl n_i n_j n_k n_l; pymatgen's ``ElasticTensor`` does the Voigt ↔ tensor bookkeeping)
and the Voigt–Reuss–Hill bulk and shear moduli.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from ase import Atoms

from sselab.constants import EV_PER_A3_TO_GPA
from sselab.errors import InputError
from sselab.validation import require_range

__all__ = ["CubicElasticConstants", "ElasticConstants", "cubic_elastic_constants", "elastic_tensor", "strained_copy"]



@dataclass(frozen=True)
class CubicElasticConstants:
    """C11, C12, C44 in GPa, with the compliances and directional Young's moduli they imply."""

    C11_GPa: float
    C12_GPa: float
    C44_GPa: float

    def compliances(self) -> tuple[float, float, float]:
        """(S11, S12, S44) in 1/GPa."""
        c11, c12, c44 = self.C11_GPa, self.C12_GPa, self.C44_GPa
        # Born stability of a cubic crystal: each factor on its own (their product is positive when both are negative)
        if c11 - c12 <= 0 or c11 + 2 * c12 <= 0 or c44 <= 0:
            raise InputError(f"elastic constants C11={c11:.4g}, C12={c12:.4g}, C44={c44:.4g} GPa are not mechanically stable "
                             "(need C11 - C12 > 0, C11 + 2 C12 > 0, C44 > 0)")
        denominator = (c11 - c12) * (c11 + 2 * c12)
        return (c11 + c12) / denominator, -c12 / denominator, 1.0 / c44

    @property
    def lowest_eigenvalue_GPa(self) -> float:
        """The smallest eigenvalue of the cubic Voigt matrix, min(C11 + 2 C12, C11 − C12, C44): positive when stable."""
        return min(self.C11_GPa + 2 * self.C12_GPa, self.C11_GPa - self.C12_GPa, self.C44_GPa)

    @property
    def zener_ratio(self) -> float:
        """Anisotropy A = 2 C44 / (C11 - C12); 1 for an isotropic solid."""
        return 2 * self.C44_GPa / (self.C11_GPa - self.C12_GPa)

    def youngs_modulus_GPa(self, direction: Sequence[float]) -> float:
        """Young's modulus (GPa) along ``direction`` (any non-zero vector, e.g. (1, 1, 0))."""
        vector = np.asarray(direction, dtype=float)
        norm = float(np.linalg.norm(vector))
        if vector.shape != (3,) or norm == 0:
            raise InputError(f"direction must be a non-zero 3-vector, got {direction!r}")
        l, m, n = vector / norm
        s11, s12, s44 = self.compliances()
        return 1.0 / (s11 - 2 * (s11 - s12 - s44 / 2) * (l * l * m * m + m * m * n * n + n * n * l * l))

    @property
    def E100_GPa(self) -> float:
        return self.youngs_modulus_GPa((1, 0, 0))

    @property
    def E110_GPa(self) -> float:
        return self.youngs_modulus_GPa((1, 1, 0))

    @property
    def E111_GPa(self) -> float:
        return self.youngs_modulus_GPa((1, 1, 1))


@dataclass(frozen=True)
class ElasticConstants:
    """The full relaxed-ion stiffness in Voigt notation (6 × 6, GPa, symmetrised; ASE's order xx yy zz yz xz xy,
    engineering shear) and ``asymmetry_GPa``, the largest |C_ij − C_ji|/2 before symmetrising (a finite-difference
    error estimate). ``C11_GPa``, ``C12_GPa`` (mean of C12 and C13) and ``C44_GPa`` are read as the cubic ones are."""

    voigt_GPa: np.ndarray
    asymmetry_GPa: float

    @property
    def lowest_eigenvalue_GPa(self) -> float:
        """The smallest eigenvalue of the Voigt matrix: positive for a mechanically stable crystal (Born criterion)."""
        return float(np.linalg.eigvalsh(self.voigt_GPa).min())

    def _stable(self):
        """pymatgen's tensor of a stable crystal; an unstable one is refused (its moduli would be meaningless)."""
        from pymatgen.analysis.elasticity.elastic import ElasticTensor

        if not self.lowest_eigenvalue_GPa > 0:
            raise InputError(f"the elastic tensor is not mechanically stable (its lowest eigenvalue is "
                             f"{self.lowest_eigenvalue_GPa:.4g} GPa; every eigenvalue must be positive)")
        return ElasticTensor.from_voigt(self.voigt_GPa)

    @property
    def C11_GPa(self) -> float:
        return float(self.voigt_GPa[0, 0])

    @property
    def C12_GPa(self) -> float:
        return float((self.voigt_GPa[0, 1] + self.voigt_GPa[0, 2]) / 2)

    @property
    def C44_GPa(self) -> float:
        return float(self.voigt_GPa[3, 3])

    def youngs_modulus_GPa(self, direction: Sequence[float]) -> float:
        """Young's modulus (GPa) along the Cartesian ``direction`` (any non-zero vector): 1/(S_ijkl n_i n_j n_k n_l)."""
        vector = np.asarray(direction, dtype=float)
        norm = float(np.linalg.norm(vector))
        if vector.shape != (3,) or norm == 0:
            raise InputError(f"direction must be a non-zero 3-vector, got {direction!r}")
        n = vector / norm
        compliance = np.asarray(self._stable().compliance_tensor)
        return float(1.0 / np.einsum("ijkl,i,j,k,l", compliance, n, n, n, n))

    @property
    def E100_GPa(self) -> float:
        return self.youngs_modulus_GPa((1, 0, 0))

    @property
    def E110_GPa(self) -> float:
        return self.youngs_modulus_GPa((1, 1, 0))

    @property
    def E111_GPa(self) -> float:
        return self.youngs_modulus_GPa((1, 1, 1))

    @property
    def bulk_modulus_vrh_GPa(self) -> float:
        """Voigt–Reuss–Hill bulk modulus."""
        return float(self._stable().k_vrh)

    @property
    def shear_modulus_vrh_GPa(self) -> float:
        """Voigt–Reuss–Hill shear modulus."""
        return float(self._stable().g_vrh)


def elastic_tensor(atoms: Atoms, relaxed_stress: Callable[[Atoms], np.ndarray], strain: float = 0.005) -> ElasticConstants:
    """The full 6 × 6 relaxed-ion stiffness of a relaxed cell from ±``strain`` of each Voigt component (twelve cells;
    ``relaxed_stress`` as in :func:`cubic_elastic_constants`). Refused: a non-finite result. An unstable one is returned
    (its ``lowest_eigenvalue_GPa`` says so); its moduli are refused."""
    require_range(strain, "strain step", low=1e-4, high=0.02)
    columns = []
    for index in range(6):
        plus, minus = (np.asarray(relaxed_stress(strained_copy(atoms, index, sign * strain)), dtype=float)
                       for sign in (1, -1))
        columns.append((plus - minus) * EV_PER_A3_TO_GPA / (2 * strain))
    stiffness = np.array(columns).T  # C[i, j] = dσ_i/dε_j
    if not np.isfinite(stiffness).all():
        raise InputError("the elastic constants are not finite (the calculator returned a broken stress)")
    return ElasticConstants(0.5 * (stiffness + stiffness.T), float(np.abs(stiffness - stiffness.T).max() / 2))


def strained_copy(atoms: Atoms, voigt_index: int, engineering_strain: float) -> Atoms:
    """``atoms`` with one Voigt strain component applied (0-2 normal, 3 yz, 4 xz, 5 xy; shear as engineering γ)."""
    pairs = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))
    a, b = pairs[voigt_index]
    strain = np.zeros((3, 3))
    if a == b:
        strain[a, a] = engineering_strain
    else:
        strain[a, b] = strain[b, a] = engineering_strain / 2
    out = atoms.copy()
    out.calc = None
    out.set_cell(np.asarray(atoms.cell) @ (np.eye(3) + strain).T, scale_atoms=True)
    return out


def cubic_elastic_constants(atoms: Atoms, relaxed_stress: Callable[[Atoms], np.ndarray], strain: float = 0.005) -> CubicElasticConstants:
    """C11, C12, C44 of a relaxed cubic cell; ``relaxed_stress(cell)`` relaxes the ions of a strained cell and
    returns its stress (ASE Voigt order, eV/Å³). Four strained cells: ε_xx = ±h, γ_yz = ±h."""
    require_range(strain, "strain step", low=1e-4, high=0.02)
    stress = {}
    for index in (0, 3):
        for sign in (1, -1):
            stress[index, sign] = np.asarray(relaxed_stress(strained_copy(atoms, index, sign * strain)), dtype=float) * EV_PER_A3_TO_GPA
    normal = (stress[0, 1] - stress[0, -1]) / (2 * strain)
    shear = (stress[3, 1] - stress[3, -1]) / (2 * strain)
    constants = CubicElasticConstants(float(normal[0]), float((normal[1] + normal[2]) / 2), float(shear[3]))
    if not all(math.isfinite(c) for c in (constants.C11_GPa, constants.C12_GPa, constants.C44_GPa)):
        raise InputError("the elastic constants are not finite (the calculator returned a broken stress)")
    return constants
