"""Grain-boundary energy of a periodic bicrystal against its bulk and, for an off-stoichiometric boundary, reference phases.

A periodic bicrystal holds ``boundaries`` boundaries of area A (the cell's cross-section normal to c). Its atoms are
written as a combination of the bulk crystal and reference phases, N_bicrystal = Σ_p n_p N_p (per element; n_p real,
found by least squares and required to be exact), and

    γ_GB = (E_bicrystal − Σ_p n_p E_p) / (boundaries · A)

with E_p the energy of phase p's relaxed cell. A stoichiometric boundary needs only the bulk. A boundary that lost
Li and O in the formal-charge ratio (``gb build --neutralize`` on LLZO) is bulk minus Li₂O units: with Li₂O as a
reference phase, γ_GB is the energy at the Li₂O-rich limit of the Li and O chemical potentials (μ_Li₂O = E(Li₂O)),
a stated choice — a boundary in equilibrium with another phase would take other chemical potentials.

Every structure is relaxed with the same engine, cell included (the bicrystal's cell relaxes to zero stress, so the
grains keep the bulk lattice in plane and the boundary's excess volume appears along c). Energies come from
:class:`~sselab.atomistic.engine.Engine` (ase.db cache), so a repeated call costs nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from ase import Atoms

from sselab.constants import EV_PER_A2_TO_J_PER_M2
from sselab.errors import InputError
from sselab.validation import require_count

__all__ = ["BoundaryEnergy", "boundary_energy", "reference_amounts"]


def reference_amounts(composition: dict[str, int], phases: dict[str, dict[str, int]]) -> dict[str, float]:
    """Amounts n_p of each phase (its cell as given) whose atoms add up to ``composition`` exactly.

    Least squares over the elements; refused when no combination matches to 1e-6 atoms or when it is not unique."""
    elements = sorted(set(composition) | {e for counts in phases.values() for e in counts})
    names = list(phases)
    matrix = np.array([[phases[p].get(e, 0) for p in names] for e in elements], dtype=float)
    target = np.array([composition.get(e, 0) for e in elements], dtype=float)
    if np.linalg.matrix_rank(matrix) < len(names):
        raise InputError(f"the reference phases {', '.join(names)} are not independent in composition")
    amounts, *_ = np.linalg.lstsq(matrix, target, rcond=None)
    residual = matrix @ amounts - target
    if np.max(np.abs(residual)) > 1e-6:
        off = ", ".join(f"{e} {r:+.2f}" for e, r in zip(elements, residual) if abs(r) > 1e-6)
        raise InputError(f"the bicrystal is not bulk plus the reference phases ({off} atoms): add a reference phase "
                         "holding what the boundary gained or lost (e.g. Li2O for Li and O removed together)")
    return {name: float(n) for name, n in zip(names, amounts)}


@dataclass
class BoundaryEnergy:
    """γ_GB (J/m²) and what it was made of (module docstring); energies in eV, the area in Å²."""

    energy_J_per_m2: float
    bicrystal_energy_eV: float
    area_A2: float
    boundaries: int
    amounts: dict[str, float]
    phase_energies_eV: dict[str, float]
    excess_volume_per_area_A: float  # (V_bicrystal − Σ_p n_p V_p) / (boundaries · A), each boundary's expansion
    relaxed: Atoms = field(repr=False)

    def to_dict(self) -> dict:
        return {"gb_energy_J_per_m2": self.energy_J_per_m2, "bicrystal_energy_eV": self.bicrystal_energy_eV,
                "area_A2": self.area_A2, "boundaries": self.boundaries, "amounts": dict(self.amounts),
                "phase_energies_eV": dict(self.phase_energies_eV), "excess_volume_per_area_A": self.excess_volume_per_area_A}


def boundary_energy(bicrystal: Atoms, bulk: Atoms, engine, *, references: dict[str, Atoms] | None = None,
                    boundaries: int = 2) -> BoundaryEnergy:
    """γ_GB of ``bicrystal`` (``boundaries`` boundaries normal to c) against ``bulk`` and ``references`` (name → cell),
    all relaxed with ``engine`` (an :class:`~sselab.atomistic.engine.Engine`), cells included."""
    require_count(boundaries, "boundaries in the cell", low=1)
    references = dict(references or {})
    if "bulk" in references:
        raise InputError("'bulk' names the bulk crystal; give the reference phases other names")
    phases = {"bulk": bulk, **references}
    counts = {name: dict(Counter(atoms.get_chemical_symbols())) for name, atoms in phases.items()}
    amounts = reference_amounts(dict(Counter(bicrystal.get_chemical_symbols())), counts)
    relaxed_phases = {name: engine.relax(atoms, cell=True) for name, atoms in phases.items()}
    energies = {name: float(atoms.get_potential_energy()) for name, atoms in relaxed_phases.items()}
    relaxed = engine.relax(bicrystal, cell=True)
    cell = relaxed.cell.array
    area = float(np.linalg.norm(np.cross(cell[0], cell[1])))
    total = float(relaxed.get_potential_energy())
    gamma = (total - sum(amounts[p] * energies[p] for p in phases)) / (boundaries * area) * EV_PER_A2_TO_J_PER_M2
    excess_volume = relaxed.get_volume() - sum(amounts[p] * relaxed_phases[p].get_volume() for p in phases)
    return BoundaryEnergy(energy_J_per_m2=gamma, bicrystal_energy_eV=total, area_A2=area, boundaries=boundaries, amounts=amounts,
                          phase_energies_eV=energies, excess_volume_per_area_A=float(excess_volume) / (boundaries * area),
                          relaxed=relaxed)
