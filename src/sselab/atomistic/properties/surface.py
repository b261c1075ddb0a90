"""Surface energies (seed 001 eq. 1, Fiorentini–Methfessel bulk reference) of slabs from :mod:`sselab.atomistic.build.slabs`.


Surface energy of a stoichiometric slab with two equal free surfaces of area A:

    E_slab(N) = N e_bulk + 2 A σ                                                     (eq. 1)

with e_bulk the energy per atom of the (equally strained) bulk. Following Fiorentini &
Methfessel (J. Phys.: Condens. Matter 8, 6525 (1996)), e_bulk is the slope of a linear fit of slab
energies over several thicknesses, which cancels the error of a separately computed bulk energy;
σ comes from the intercept, with its standard error from the fit's covariance.

The surface density ρ counts the atoms whose nearest-neighbour coordination is below that of the
slab's middle (one plane for BCC (100) and HCP (0001); two for HCP (10-10)), as in the paper. The
planes are classified on the unstrained slab and counted per area of the (strained) slab: a 15 %
stretch would otherwise pull out-of-plane second neighbours into the first shell and count a
second plane.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ase import Atoms

from sselab.atomistic.build.slabs import (
    _is_stoichiometric,
    atoms_in_planes,
    build_slab,
    in_plane_area,
    reference_surface_planes,
    require_symmetric,
    strain_in_plane,
)
from sselab.atomistic.engine import Engine
from sselab.constants import EV_PER_A2_TO_J_PER_M2
from sselab.errors import SSELabError


@dataclass(frozen=True)
class SurfaceEnergyResult:
    """Eq. 1 with the Fiorentini–Methfessel bulk energy; energies in eV, areas in Å²."""

    miller: tuple[int, int, int]
    strain: tuple[float, float]
    relaxed: bool
    planes: tuple[int, ...]
    n_atoms: tuple[int, ...]
    slab_energies_eV: tuple[float, ...]
    bulk_energy_per_atom_eV: float  # fitted slope
    area_A2: float
    surface_energy_eV_per_A2: float
    surface_energy_stderr_eV_per_A2: float
    surface_atoms: int  # undercoordinated atoms on one surface of the thickest slab
    unconverged_relaxations: int

    @property
    def surface_energy_J_per_m2(self) -> float:
        return self.surface_energy_eV_per_A2 * EV_PER_A2_TO_J_PER_M2

    @property
    def surface_density_per_nm2(self) -> float:
        return self.surface_atoms / self.area_A2 * 100.0

    @property
    def surface_energy_eV_per_atom(self) -> float:
        """σ/ρ: the surface energy per undercoordinated surface atom (eq. 12's ΔE_bulk-free)."""
        return self.surface_energy_eV_per_A2 * self.area_A2 / self.surface_atoms


def fit_bulk_and_surface(n_atoms: np.ndarray, energies: np.ndarray, area: float) -> tuple[float, float, float]:
    """Least-squares E = N e_bulk + 2Aσ → (e_bulk, σ, stderr σ) in eV and eV/Å².

    With two thicknesses the fit is exact and the standard error is reported as NaN.
    """
    n_atoms = np.asarray(n_atoms, dtype=float)
    energies = np.asarray(energies, dtype=float)
    if len(np.unique(n_atoms)) < 2:
        raise SSELabError("the Fiorentini-Methfessel fit needs at least two slab thicknesses")
    design = np.column_stack([n_atoms, np.ones_like(n_atoms)])
    coefficients, *_ = np.linalg.lstsq(design, energies, rcond=None)
    slope, intercept = coefficients
    dof = len(n_atoms) - 2
    if dof > 0:
        residual = energies - design @ coefficients
        covariance = np.linalg.inv(design.T @ design) * (residual @ residual) / dof
        stderr = float(np.sqrt(covariance[1, 1])) / (2 * area)
    else:
        stderr = float("nan")
    return float(slope), float(intercept / (2 * area)), stderr


def surface_energy(engine: Engine, bulk: Atoms, miller: tuple[int, int, int], planes: tuple[int, ...] = (5, 7, 9, 11, 13),
                   strain: tuple[float, float] = (0.0, 0.0), relax: bool = True, vacuum: float = 15.0,
                   termination: int = 0, progress=None, reshape: Callable[[Atoms], Atoms] | None = None) -> SurfaceEnergyResult:
    """σ of ``miller`` for a bulk already relaxed with ``engine``'s calculator.

    The same in-plane strain is applied to every slab, so the fitted e_bulk is the strained bulk
    and the strain energy largely cancels (seed 001). ``relax=False`` gives the as-cleaved σ.
    ``reshape`` replaces the isotropic ``strain`` by any in-plane map of the cut slab (an interface's
    supercell and strain); ``strain`` is then only recorded.
    """
    reshape = reshape or (lambda cut: strain_in_plane(cut, strain))
    symbols = set(bulk.get_chemical_symbols())
    if len(planes) < 2:
        raise SSELabError("give at least two slab thicknesses for the Fiorentini-Methfessel fit")
    n_atoms, energies, unconverged = [], [], 0
    slab = None
    for count in sorted(planes):
        slab = reshape(build_slab(bulk, miller, count, vacuum, termination))
        require_symmetric(slab, count, miller)
        if len(symbols) > 1 and not _is_stoichiometric(slab, bulk):
            raise SSELabError(f"a {count}-plane {miller} slab is not stoichiometric; surface energies need "
                              "stoichiometric slabs (choose other thicknesses or a termination)")
        result = engine.relax(slab) if relax else engine.energy(slab)
        unconverged += not result.info.get("converged", True)
        n_atoms.append(len(slab))
        energies.append(result.get_potential_energy())
        if progress is not None:
            progress()
    area = in_plane_area(slab)
    slope, sigma, stderr = fit_bulk_and_surface(np.array(n_atoms), np.array(energies), area)
    outer = reference_surface_planes(bulk, miller, vacuum, termination)
    return SurfaceEnergyResult(
        miller=tuple(miller), strain=tuple(strain), relaxed=relax, planes=tuple(sorted(planes)),
        n_atoms=tuple(n_atoms), slab_energies_eV=tuple(energies), bulk_energy_per_atom_eV=slope, area_A2=area,
        surface_energy_eV_per_A2=sigma, surface_energy_stderr_eV_per_A2=stderr,
        surface_atoms=atoms_in_planes(slab, outer), unconverged_relaxations=unconverged,
    )
