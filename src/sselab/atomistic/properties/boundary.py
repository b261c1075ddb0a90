"""Grain-boundary energy of a periodic bicrystal against its bulk and, for an off-stoichiometric boundary, reference phases.

A periodic bicrystal holds ``boundaries`` boundaries of area A (the cell's cross-section normal to c). Its atoms are
written as a combination of the bulk crystal and reference phases, N_bicrystal = Σ_p n_p N_p (per element; n_p real,
found by least squares and required to be exact), and

    γ_GB = (E_bicrystal − Σ_p n_p E_p) / (boundaries · A)

with E_p the energy of phase p's relaxed cell. A stoichiometric boundary needs only the bulk. A boundary that lost
Li and O in the formal-charge ratio (``gb build --neutralize`` on LLZO) is bulk minus Li₂O units: with Li₂O as a
reference phase, γ_GB is the energy at the Li₂O-rich limit of the Li and O chemical potentials (μ_Li₂O = E(Li₂O)),
a stated choice — a boundary in equilibrium with another phase would take other chemical potentials.

Every structure is relaxed with the same engine, its stress converged to fmax/V (``cell_factor=1``). The bulk and
the reference phases relax their whole cells. The bicrystal first takes the relaxed bulk's lattice in plane: its cell
is scaled by s = (V_bulk,relaxed / V_bulk,given)^(1/3), which assumes that its grains were built from the given bulk
cell (``sselab gb build`` on the same structure) and that the bulk relaxes isotropically (exact for a cubic crystal;
an ordered LLZO cell's slight tetragonality is averaged). Then only the length of c relaxes (strain component zz),
so the grains keep the bulk lattice in plane and the boundary's excess volume appears along c. The cell filter's
strain is symmetric, so freeing yz and xz too (c's tilt) would lift a and b out of the plane; a shear of the grains
against each other is a rigid-body translation, which is not searched here either. The in-plane stress left in
the relaxed bicrystal is the boundary's interface stress,

    f = ½(σ_xx + σ_yy) · L_c / boundaries    (N/m; positive: the boundary pulls the plane inward),

with L_c = V/A the cell's length normal to the plane (f_xx and f_yy are reported too). An anisotropic bulk (an ordered
LLZO cell relaxes a few 0.1 % tetragonal) leaves the grains strained by that much after the isotropic scaling, which
adds its own in-plane stress × L_c to f, growing with the grains' thickness: for such a cell f is uncertain by that
much, and its sign and components mean more than its size.

Two volumes per boundary area: the excess volume against every phase, (V − Σ_p n_p V_p)/(boundaries·A), and the
framework's expansion against the bulk alone, (V − n_bulk V_bulk)/(boundaries·A); they differ by the volume of the
reference units the boundary gained or lost (for a neutralised LLZO boundary, Li₂O cells removed).

γ is the energy at the translation of the grains as built: no rigid-body translation is searched, so it is an upper
bound on the boundary's lowest energy for that misorientation.
Each relaxation's convergence (and its optimizer steps) is recorded; an unconverged one makes γ unreliable.
Energies come from :class:`~sselab.atomistic.engine.Engine` (ase.db cache), so a repeated call costs nothing.
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


#: strain components a bicrystal relaxes (Voigt xx, yy, zz, yz, xz, xy): the length of c only
NORMAL_ONLY = (False, False, True, False, False, False)


@dataclass
class BoundaryEnergy:
    """γ_GB (J/m²) and what it was made of (module docstring); energies in eV, the area in Å²."""

    energy_J_per_m2: float
    bicrystal_energy_eV: float
    area_A2: float
    boundaries: int
    amounts: dict[str, float]
    phase_energies_eV: dict[str, float]
    excess_volume_per_area_A: float  # (V_bicrystal − Σ_p n_p V_p) / (boundaries · A), against every phase
    expansion_per_area_A: float  # (V_bicrystal − n_bulk V_bulk) / (boundaries · A): the framework's expansion alone
    interface_stress_N_per_m: float
    interface_stress_components_N_per_m: tuple[float, float]  # f_xx, f_yy
    in_plane_scale: float  # s applied to the bicrystal's cell before its relaxation
    relaxations: dict[str, dict[str, int | bool]]  # name → {"converged", "steps"}
    relaxed: Atoms = field(repr=False)

    @property
    def converged(self) -> bool:
        return all(r["converged"] for r in self.relaxations.values())

    def to_dict(self) -> dict:
        return {"gb_energy_J_per_m2": self.energy_J_per_m2, "bicrystal_energy_eV": self.bicrystal_energy_eV,
                "area_A2": self.area_A2, "boundaries": self.boundaries, "amounts": dict(self.amounts),
                "phase_energies_eV": dict(self.phase_energies_eV), "excess_volume_per_area_A": self.excess_volume_per_area_A,
                "expansion_per_area_A": self.expansion_per_area_A,
                "interface_stress_N_per_m": self.interface_stress_N_per_m,
                "interface_stress_components_N_per_m": list(self.interface_stress_components_N_per_m),
                "in_plane_scale": self.in_plane_scale,
                "converged": self.converged, "relaxations": {k: dict(v) for k, v in self.relaxations.items()}}


def boundary_energy(bicrystal: Atoms, bulk: Atoms, engine, *, references: dict[str, Atoms] | None = None,
                    boundaries: int = 2) -> BoundaryEnergy:
    """γ_GB of ``bicrystal`` (``boundaries`` boundaries normal to c) against ``bulk`` and ``references`` (name → cell),
    all relaxed with ``engine`` (an :class:`~sselab.atomistic.engine.Engine`) as the module docstring states."""
    require_count(boundaries, "boundaries in the cell", low=1)
    references = dict(references or {})
    if "bulk" in references:
        raise InputError("'bulk' names the bulk crystal; give the reference phases other names")
    if "bicrystal" in references:
        raise InputError("'bicrystal' names the boundary cell; give the reference phases other names")
    phases = {"bulk": bulk, **references}
    counts = {name: dict(Counter(atoms.get_chemical_symbols())) for name, atoms in phases.items()}
    amounts = reference_amounts(dict(Counter(bicrystal.get_chemical_symbols())), counts)
    relaxed_phases = {name: engine.relax(atoms, cell=True, cell_factor=1.0) for name, atoms in phases.items()}
    energies = {name: float(atoms.get_potential_energy()) for name, atoms in relaxed_phases.items()}
    scale = float((relaxed_phases["bulk"].get_volume() / bulk.get_volume()) ** (1.0 / 3.0))
    start = bicrystal.copy()
    start.set_cell(bicrystal.cell.array * scale, scale_atoms=True)
    relaxed = engine.relax(start, cell=True, cell_factor=1.0, cell_mask=NORMAL_ONLY)
    cell = relaxed.cell.array
    area = float(np.linalg.norm(np.cross(cell[0], cell[1])))
    total = float(relaxed.get_potential_energy())
    gamma = (total - sum(amounts[p] * energies[p] for p in phases)) / (boundaries * area) * EV_PER_A2_TO_J_PER_M2
    excess_volume = relaxed.get_volume() - sum(amounts[p] * relaxed_phases[p].get_volume() for p in phases)
    expansion = relaxed.get_volume() - amounts["bulk"] * relaxed_phases["bulk"].get_volume()
    stress = engine.label(relaxed).get_stress(voigt=True)  # eV/Å³, ASE's sign: positive under tension
    per_boundary = relaxed.get_volume() / area / boundaries * EV_PER_A2_TO_J_PER_M2
    components = (float(stress[0]) * per_boundary, float(stress[1]) * per_boundary)
    relaxations = {name: {"converged": bool(atoms.info.get("converged", True)), "steps": int(atoms.info.get("steps", 0))}
                   for name, atoms in {**relaxed_phases, "bicrystal": relaxed}.items()}
    return BoundaryEnergy(energy_J_per_m2=gamma, bicrystal_energy_eV=total, area_A2=area, boundaries=boundaries, amounts=amounts,
                          phase_energies_eV=energies, excess_volume_per_area_A=float(excess_volume) / (boundaries * area),
                          expansion_per_area_A=float(expansion) / (boundaries * area),
                          interface_stress_N_per_m=0.5 * (components[0] + components[1]),
                          interface_stress_components_N_per_m=components, in_plane_scale=scale,
                          relaxations=relaxations, relaxed=relaxed)
