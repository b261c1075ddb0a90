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

Two entry points: :func:`surface_energy` fits σ for a bulk already relaxed with the calculator (the
building block of the studies); :func:`calculate_surface_energy` is ``sselab surface-energy``: it
takes a structure (library name, file or Atoms), relaxes it and returns a result with ``to_dict()``,
``from_dict()`` and ``write(run_dir)``::

    result = calculate_surface_energy("cu-fcc", (1, 0, 0), planes=(4, 5, 6), calculator="emt")
    result.surface_energy_J_per_m2
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator

from sselab.atomistic.build.checks import check_miller, check_planes, check_strain
from sselab.atomistic.build.slabs import (
    CellSlab,
    atoms_in_planes,
    build_slab,
    check_cut,
    compensated_alike,
    in_plane_area,
    is_stoichiometric,
    reference_surface_planes,
    require_symmetric,
    strain_in_plane,
)
from sselab.atomistic.build.structures import as_atoms
from sselab.atomistic.engine import Engine, as_engine
from sselab.atomistic.properties.checks import check_optional_force_tolerance, finite_energy
from sselab.constants import EV_PER_A2_TO_J_PER_M2
from sselab.errors import InputError
from sselab.progress import Progress, no_progress
from sselab.runs import HELD, from_summary, summary_of

if TYPE_CHECKING:
    from sselab.atomistic.build.interfaces import InterfaceModel
    from sselab.runs import RunDirectory

#: Slab thicknesses (atomic planes) of the Fiorentini–Methfessel fit (seed 001).
FM_PLANES = (5, 7, 9, 11, 13)
#: Most thicknesses one fit takes: each is a relaxation of its own, and a straight line needs only a few.
MAX_FM_THICKNESSES = 20

CalculatorLike = Engine | str | Calculator | None


class FittedSurfaceEnergy:
    """σ in J/m² of a result holding ``surface_energy_eV_per_A2`` and its standard error (eV/Å²)."""

    surface_energy_eV_per_A2: float
    surface_energy_stderr_eV_per_A2: float

    @property
    def surface_energy_J_per_m2(self) -> float:
        return self.surface_energy_eV_per_A2 * EV_PER_A2_TO_J_PER_M2

    @property
    def surface_energy_stderr_J_per_m2(self) -> float:
        """Standard error of σ from the fit (NaN for an exact two-thickness fit)."""
        return self.surface_energy_stderr_eV_per_A2 * EV_PER_A2_TO_J_PER_M2


@dataclass(frozen=True)
class SurfaceEnergyResult(FittedSurfaceEnergy):
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
        raise InputError("the Fiorentini-Methfessel fit needs at least two slab thicknesses")
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


def surface_energy(calculator: CalculatorLike, bulk: Atoms, miller: tuple[int, int, int], planes: tuple[int, ...] = FM_PLANES,
                   strain: tuple[float, float] = (0.0, 0.0), relax: bool = True, vacuum: float = 15.0,
                   termination: int = 0, progress: Progress | None = None, reshape: Callable[[Atoms], Atoms] | None = None,
                   *, db: str | None = None, device: str = "cpu") -> SurfaceEnergyResult:
    """σ of ``miller`` for a bulk already relaxed with the calculator (name, ASE calculator or Engine).

    The same in-plane strain is applied to every slab, so the fitted e_bulk is the strained bulk
    and the strain energy largely cancels (seed 001). ``relax=False`` gives the as-cleaved σ.
    ``reshape`` replaces the isotropic ``strain`` by any in-plane map of the cut slab (an interface's
    supercell and strain); ``strain`` is then only recorded. ``progress()`` is called after each slab.
    """
    miller = check_miller(miller, "miller")
    planes = check_fm_planes(planes, bulk, miller)
    strain = (check_strain(strain[0], "strain"), check_strain(strain[1], "strain"))
    engine = as_engine(calculator, db=db, device=device)
    reshape = reshape or (lambda cut: strain_in_plane(cut, strain))
    symbols = set(bulk.get_chemical_symbols())
    n_atoms, energies, unconverged = [], [], 0
    slab = None
    for count in sorted(planes):
        slab = reshape(build_slab(bulk, miller, count, vacuum, termination))
        require_symmetric(slab, count, miller)
        if len(symbols) > 1 and not is_stoichiometric(slab, bulk):
            raise InputError(f"a {count}-plane {miller} slab is not stoichiometric; surface energies need "
                             "stoichiometric slabs (choose other thicknesses or a termination)")
        result = engine.relax(slab) if relax else engine.energy(slab)
        unconverged += not result.info.get("converged", True)
        n_atoms.append(len(slab))
        energies.append(finite_energy(result, f"the {count}-plane {miller} slab"))
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


@dataclass(frozen=True)
class TerminationEnergy(FittedSurfaceEnergy):
    """σ of one cut of a compound from stoichiometric slabs of whole oriented unit cells (eq. 1, Fiorentini–Methfessel).

    When the slab's two faces differ (``symmetric`` false), 2Aσ = E_slab − N·e_bulk is the energy of both, and σ is
    their mean (the cleavage energy per face): the faces' separate energies need chemical potentials. Energies in eV,
    areas in Å²; ``top``/``bottom`` the composition of the outer 1 Å of each face (as cut, before relaxation).
    """

    miller: tuple[int, int, int]
    termination: int
    cut_spacing_A: float
    symmetric: bool
    polar: bool | None  # None: no formal charges for the compound
    top: str
    bottom: str
    relaxed: bool
    cells: tuple[int, ...]
    n_atoms: tuple[int, ...]
    slab_energies_eV: tuple[float, ...]
    bulk_energy_per_atom_eV: float  # the fitted slope
    area_A2: float
    surface_energy_eV_per_A2: float
    surface_energy_stderr_eV_per_A2: float
    unconverged_relaxations: int
    compensation: str = ""  # ions moved between the faces to cancel a polar cut's dipole (empty: none)



def termination_energy(calculator: CalculatorLike, slabs: Sequence[CellSlab], relax: bool = True,
                       progress: Progress | None = None, *, allow_polar: bool = False, db: str | None = None,
                       device: str = "cpu") -> TerminationEnergy:
    """σ of one cut of a compound from its stoichiometric slabs of whole oriented unit cells
    (:func:`~sselab.atomistic.build.slabs.build_cell_slabs`, cut from a bulk already relaxed with the calculator).

    Each slab is relaxed in positions at the bulk's in-plane cell (``relax=False``: as cleaved) and the energies are
    fitted to E = N·e_bulk + 2Aσ. A polar cut (a formal-charge dipole across the slab, Tasker type 3) is refused unless
    ``allow_polar``: with real charges its E − N·e_bulk grows with thickness (or the surface reconstructs or takes up
    charge), so it has no surface energy; a short-ranged potential (CHGNet, POD) does not see the dipole and still
    returns a finite σ, which is then a number of that model only. ``progress()`` is called after each slab.
    """
    if len({len(slab.atoms) for slab in slabs}) < 2:
        raise InputError("cells (--cells): give at least two different slab thicknesses for the Fiorentini-Methfessel fit")
    first = slabs[0]
    miller = tuple(first.atoms.info["miller"])
    if not compensated_alike(slabs):
        raise InputError(f"cut {first.termination} of {miller} is compensated differently at different thicknesses "
                         "(thin slabs can take other ions): use thicker slabs")
    if first.polar and not allow_polar:
        raise InputError(f"cut {first.termination} of {miller} is polar: a dipole across the slab leaves no finite surface energy")
    engine = as_engine(calculator, db=db, device=device)
    n_atoms, energies, unconverged = [], [], 0
    for slab in slabs:
        result = engine.relax(slab.atoms) if relax else engine.energy(slab.atoms)
        unconverged += not result.info.get("converged", True)
        n_atoms.append(len(slab.atoms))
        energies.append(finite_energy(result, f"the {slab.atoms.info['cells']}-cell {miller} slab (cut {slab.termination})"))
        if progress is not None:
            progress()
    area = in_plane_area(first.atoms)
    slope, sigma, stderr = fit_bulk_and_surface(np.array(n_atoms), np.array(energies), area)
    return TerminationEnergy(
        miller=miller, termination=first.termination, cut_spacing_A=first.cut_spacing_A, symmetric=first.symmetric,
        polar=first.polar, top=first.top, bottom=first.bottom, relaxed=relax, cells=tuple(slab.atoms.info["cells"] for slab in slabs),
        n_atoms=tuple(n_atoms), slab_energies_eV=tuple(energies), bulk_energy_per_atom_eV=slope, area_A2=area,
        surface_energy_eV_per_A2=sigma, surface_energy_stderr_eV_per_A2=stderr, unconverged_relaxations=unconverged,
        compensation=first.compensation,
    )


def strained_surface_energy(calculator: CalculatorLike, metal_bulk: Atoms, model: InterfaceModel, miller: tuple[int, int, int],
                            planes: tuple[int, ...] = FM_PLANES, progress: Progress | None = None, *, db: str | None = None,
                            device: str = "cpu") -> SurfaceEnergyResult:
    """σ_m of the metal in the interface's matched, strained in-plane cell (one lateral repeat).

    Eq. 3's e_bulk at an interface must carry the interface's in-plane strain: this fit's slope is
    that strained bulk, and its σ is the σ_m of the criterion W_ad ≥ 2σ_m (seed 001).
    """
    from sselab.atomistic.build.interfaces import strained_metal

    substrate_cell = model.substrate.cell.array.copy()
    substrate_cell[0] /= model.repeats[0]
    substrate_cell[1] /= model.repeats[1]
    return surface_energy(calculator, metal_bulk, miller, planes, strain=tuple(s - 1.0 for s in model.match.stretches),
                          progress=progress, reshape=lambda cut: strained_metal(cut, model.match, substrate_cell, (1, 1)),
                          db=db, device=device)


def check_fm_planes(planes: Any, bulk: Atoms, miller: tuple[int, int, int]) -> tuple[int, ...]:
    """Slab thicknesses for the Fiorentini–Methfessel fit: at least two different counts of at least one plane each,
    the thickest within the ``atoms`` limit (:func:`~sselab.atomistic.build.checks.check_planes`), sorted."""
    counts = check_planes(list(planes), "planes (--planes)", bulk, f"{tuple(miller)} slab")
    if len(set(counts)) < 2:
        raise InputError("planes (--planes): give at least two different slab thicknesses for the Fiorentini-Methfessel fit")
    if len(counts) > MAX_FM_THICKNESSES:
        raise InputError(f"planes (--planes): {len(counts)} thicknesses; the fit needs a few (at most {MAX_FM_THICKNESSES})")
    return tuple(sorted(counts))



@dataclass(frozen=True, kw_only=True)
class SurfaceEnergyCalculation:
    """What ``sselab surface-energy`` computes: σ (eq. 1) of one facet of a relaxed bulk.

    Every field but ``relaxed_bulk``, ``fit`` and ``inputs`` is a key of :meth:`to_dict` (the
    ``--json`` summary). Energies in eV, σ in J/m², ρ in 1/nm², lengths in Å.
    """

    structure: str
    miller: list[int]
    strain: float
    relaxed: bool
    surface_energy_J_per_m2: float
    surface_energy_stderr_J_per_m2: float
    surface_energy_eV_per_atom: float
    surface_density_per_nm2: float
    bulk_energy_per_atom_eV: float
    lattice_A: list[float]
    planes: list[int]
    slab_energies_eV: list[float]
    unconverged_relaxations: int
    engine: dict[str, Any]
    relaxed_bulk: Atoms | None = field(default=None, repr=False, compare=False, metadata=HELD)
    fit: SurfaceEnergyResult | None = field(default=None, repr=False, compare=False, metadata=HELD)
    inputs: dict[str, Any] = field(default_factory=dict, repr=False, compare=False, metadata=HELD)

    def to_dict(self) -> dict[str, Any]:
        """The ``sselab surface-energy --json`` summary, without ``run_directory``."""
        return summary_of(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SurfaceEnergyCalculation:
        """Back from :meth:`to_dict` (or run.json's summary); without the relaxed bulk, :meth:`write` writes run.json only."""
        return from_summary(cls, data)

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """run.json and ``bulk_relaxed.extxyz`` (the bulk the slabs were cut from)."""
        from ase.io import write

        from sselab.runs import RunDirectory

        run = RunDirectory.open(run_dir, "surface-energy", self.inputs)
        if self.relaxed_bulk is not None:
            write(run.path / "bulk_relaxed.extxyz", self.relaxed_bulk)
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run


def calculate_surface_energy(structure: str | Path | Atoms, miller: tuple[int, int, int], *, planes: tuple[int, ...] = FM_PLANES,
                             strain: float = 0.0, relax: bool = True, termination: int = 0,
                             calculator: CalculatorLike = "chgnet", db: str | None = None, device: str = "cpu",
                             fmax: float | None = None, progress: Progress = no_progress) -> SurfaceEnergyCalculation:
    """``sselab surface-energy``: relax ``structure`` (cell and positions), then σ of ``miller`` by eq. 1.

    ``planes``: slab thicknesses of the Fiorentini–Methfessel fit; ``strain``: the same in-plane strain
    on a and b of every slab (0.0567 = +5.67 %); ``relax=False``: as-cleaved slabs; ``termination``:
    which distinct cut pymatgen offers. ``calculator``: a name, an ASE calculator or an Engine; ``db``
    the result cache, ``fmax`` (eV/Å) the relaxation tolerance (default 0.02, or the Engine's own).
    ``progress()`` is called after the bulk and after each slab.
    """
    miller = check_miller(miller, "miller (--miller)")
    strain = check_strain(strain, "strain (--strain)")
    fmax = check_optional_force_tolerance(fmax, "--fmax (fmax)")
    bulk = as_atoms(structure)
    planes = check_fm_planes(planes, bulk, miller)
    termination = check_cut(termination, bulk, miller)  # before the bulk is relaxed
    engine = as_engine(calculator, db=db, device=device, fmax=fmax)
    label = bulk.info["structure"]
    relaxed_bulk = engine.relax(bulk, cell=True)
    progress()
    fit = surface_energy(engine, relaxed_bulk, miller, planes, (strain, strain), relax, termination=termination,
                         progress=progress)
    inputs = {"structure": label, "miller": list(miller), "planes": list(planes), "strain": strain, "relaxed": relax,
              "termination": termination, "db": engine.cache.location}
    return SurfaceEnergyCalculation(
        structure=label, miller=list(miller), strain=strain, relaxed=relax,
        surface_energy_J_per_m2=fit.surface_energy_J_per_m2, surface_energy_stderr_J_per_m2=fit.surface_energy_stderr_J_per_m2,
        surface_energy_eV_per_atom=fit.surface_energy_eV_per_atom, surface_density_per_nm2=fit.surface_density_per_nm2,
        bulk_energy_per_atom_eV=fit.bulk_energy_per_atom_eV, lattice_A=relaxed_bulk.cell.cellpar()[:3].tolist(),
        planes=list(fit.planes), slab_energies_eV=list(fit.slab_energies_eV), unconverged_relaxations=fit.unconverged_relaxations,
        engine=engine.record(), relaxed_bulk=relaxed_bulk, fit=fit, inputs=inputs,
    )

