"""Adhesion of two crystals, in the two sign conventions of the seeds, each with its own name.

- :func:`work_of_adhesion` (seed 001 eq. 2), **positive binds**: the work needed to separate a
  metal from its substrate, with the metal slab, substrate slab and interface relaxed in one cell,

      W_ad = (E_m + E_sub − E_int) / A                                               (seed 001 eq. 2)

  in J/m², and per metal surface atom (W_ad/ρ, ρ counting the undercoordinated metal atoms as for
  σ_m) in eV. E_m and E_sub are the lowest energies of each slab relaxed from two starts: the ideal cut, and
  its own atoms taken out of the relaxed interface. A relaxation keeps the symmetry of its start, so an ideal
  slab can stay on a saddle that the interface has left (CHGNet's Li₃P(001) reconstructs under the metal and,
  from the interface's geometry, also without it: 0.48 eV lower in a 249 Å² cell); the second start removes
  that bias, which would otherwise inflate W_ad.
- :func:`adhesion_energy` (seed 004 eq. 4), **negative binds**: the energy of forming the interface
  from two slabs cut from the interface cell itself (same lattice, same atoms, the other slab removed),

      W_adhesion = (E_A|B − E_A slab − E_B slab) / A                                 (seed 004 eq. 4)

  in J/m². The conventions differ in sign and in the slab references: seed 001 relaxes separate slabs in
  the interface cell, seed 004 cuts both slabs from the interface itself; a bound pair has W_ad > 0 and
  W_adhesion < 0.

:func:`calculate_adhesion` is ``sselab adhesion`` (seed 001's W_ad, positive binds): bulk structures in
(library names, files or Atoms), relaxed, the coherent interface built and W_ad computed, as a result
with ``to_dict()``, ``from_dict()`` and ``write(run_dir)``::

    result = calculate_adhesion("ag-fcc", "cu-fcc", metal_planes=5, substrate_planes=3, max_strain=0.15, calculator="emt")
    result.work_of_adhesion_J_per_m2
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator

from sselab.atomistic.build.heterointerface import CoherentInterface
from sselab.atomistic.build.interfaces import DEFAULT_MATCH_AREA_A2, InterfaceModel, build_interface, check_interface_options
from sselab.atomistic.build.slabs import atoms_in_planes, in_plane_area
from sselab.atomistic.build.structures import as_atoms
from sselab.atomistic.engine import Engine, as_engine
from sselab.atomistic.properties.checks import check_optional_force_tolerance, finite_energy
from sselab.constants import EV_PER_A2_TO_J_PER_M2
from sselab.progress import Progress, no_progress
from sselab.runs import HELD, from_summary, summary_of

if TYPE_CHECKING:
    from sselab.runs import RunDirectory

CalculatorLike = Engine | str | Calculator | None

@dataclass(frozen=True)
class AdhesionResult:
    """Eq. 2 from three relaxed energies in one cell."""

    energy_interface_eV: float
    energy_metal_eV: float
    energy_substrate_eV: float
    area_A2: float
    interface_metal_atoms: int  # ρ·A: undercoordinated metal atoms on the side touching the substrate
    #: the slabs ("metal", "substrate") whose lower energy came from their atoms in the relaxed interface
    references_from_interface: tuple[str, ...] = ()
    #: each reference slab's relaxed energy from both starts: {"metal": {"ideal_cut": E, "from_interface": E}, ...} (eV)
    reference_starts_eV: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def work_of_adhesion_eV_per_A2(self) -> float:
        return (self.energy_metal_eV + self.energy_substrate_eV - self.energy_interface_eV) / self.area_A2

    @property
    def work_of_adhesion_J_per_m2(self) -> float:
        return self.work_of_adhesion_eV_per_A2 * EV_PER_A2_TO_J_PER_M2

    @property
    def work_of_adhesion_eV_per_atom(self) -> float:
        return self.work_of_adhesion_eV_per_A2 * self.area_A2 / self.interface_metal_atoms


def work_of_adhesion(calculator: CalculatorLike, model: InterfaceModel, relax: bool = True, *, db: str | None = None,
                     device: str = "cpu") -> tuple[AdhesionResult, Atoms]:
    """Seed 001's W_ad (eq. 2, positive binds) and the relaxed interface (positions only; the cell stays the substrate's).

    ``calculator``: a name, an ASE calculator or an Engine. ``relax=False``: the three energies of the as-built cells.
    With ``relax``, each slab is relaxed from the ideal cut and from its atoms in the relaxed interface, and the lower
    energy is its reference (:attr:`AdhesionResult.references_from_interface` names those the second start won).
    """
    engine = as_engine(calculator, db=db, device=device)
    compute = engine.relax if relax else engine.energy
    interface = compute(model.interface)
    energies, from_interface, starts = {}, [], {}
    is_metal = np.zeros(len(interface), dtype=bool)
    is_metal[model.metal_indices] = True
    for name, slab, mask in (("metal", model.metal, is_metal), ("substrate", model.substrate, ~is_metal)):
        energies[name] = finite_energy(compute(slab), f"the {name} slab")
        if relax:
            separated = finite_energy(compute(interface[mask]), f"the {name} slab taken from the relaxed interface")
            starts[name] = {"ideal_cut": energies[name], "from_interface": separated}
            if separated < energies[name]:
                energies[name] = separated
                from_interface.append(name)
    result = AdhesionResult(finite_energy(interface, "the interface"), energies["metal"], energies["substrate"], model.area_A2,
                            atoms_in_planes(model.metal, model.surface_planes), tuple(from_interface), starts)
    return result, interface


@dataclass(frozen=True, kw_only=True)
class AdhesionCalculation:
    """What ``sselab adhesion`` computes: seed 001's W_ad (eq. 2, positive binds) of one coherent interface.

    Every field but ``interface``, ``relaxed_interface``, ``adhesion`` and ``inputs`` is a key of
    :meth:`to_dict` (the ``--json`` summary). W_ad in J/m² and eV per metal interface atom; area in Å².
    """

    metal: str
    substrate: str
    work_of_adhesion_J_per_m2: float
    work_of_adhesion_eV_per_atom: float
    in_plane_strain: list[float]  # principal in-plane stretches of the metal minus one
    registry: str
    area_A2: float
    n_atoms: int
    interface_metal_atoms: int
    engine: dict[str, Any]
    #: slabs whose reference energy came from their atoms in the relaxed interface (lower than from the ideal cut)
    references_from_interface: list[str] = field(default_factory=list)
    #: each reference slab's relaxed energy (eV) from the ideal cut and from its atoms in the relaxed interface
    reference_starts_eV: dict[str, dict[str, float]] = field(default_factory=dict)
    interface: InterfaceModel | None = field(default=None, repr=False, compare=False, metadata=HELD)
    relaxed_interface: Atoms | None = field(default=None, repr=False, compare=False, metadata=HELD)
    adhesion: AdhesionResult | None = field(default=None, repr=False, compare=False, metadata=HELD)
    inputs: dict[str, Any] = field(default_factory=dict, repr=False, compare=False, metadata=HELD)

    def to_dict(self) -> dict[str, Any]:
        """The ``sselab adhesion --json`` summary, without ``run_directory``."""
        return summary_of(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AdhesionCalculation:
        """Back from :meth:`to_dict` (or run.json's summary); without structures, :meth:`write` writes run.json only."""
        return from_summary(cls, data)

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """run.json, ``interface_initial.extxyz`` (as built) and ``interface_relaxed.extxyz``."""
        from ase.io import write

        from sselab.runs import RunDirectory

        run = RunDirectory.open(run_dir, "adhesion", self.inputs)
        if self.interface is not None:
            write(run.path / "interface_initial.extxyz", self.interface.interface)
        if self.relaxed_interface is not None:
            write(run.path / "interface_relaxed.extxyz", self.relaxed_interface)
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run


def calculate_adhesion(metal: str | Path | Atoms, substrate: str | Path | Atoms, *,
                       metal_miller: tuple[int, int, int] = (1, 0, 0), substrate_miller: tuple[int, int, int] = (1, 0, 0),
                       metal_planes: int = 11, substrate_planes: int = 4, max_strain: float = 0.08, min_image: float = 9.0,
                       registry: str | None = None, substrate_termination: str | None = None, fix_substrate_planes: int = 0,
                       max_area: float = DEFAULT_MATCH_AREA_A2, substrate_cut: int = 0,
                       calculator: CalculatorLike = "chgnet", db: str | None = None, device: str = "cpu",
                       fmax: float | None = None, progress: Progress = no_progress) -> AdhesionCalculation:
    """``sselab adhesion``: seed 001's W_ad (eq. 2, positive binds) of ``metal`` on ``substrate``.

    Both bulks (library names, structure files or Atoms) are relaxed (cell and positions), the
    coherent interface is built by :func:`~sselab.atomistic.build.interfaces.build_interface` with
    the keyword options (its arguments), and the interface, the metal slab and the substrate slab
    are relaxed in one cell. ``calculator``: a name, an ASE calculator or an Engine; ``db`` the result
    cache; ``fmax`` (eV/Å) the relaxation tolerance (default 0.02, or the Engine's own). ``progress``
    is called after the bulks, after building (with a label) and at the end.
    """
    fmax = check_optional_force_tolerance(fmax, "--fmax (fmax)")
    metal_atoms, substrate_atoms = as_atoms(metal), as_atoms(substrate)
    metal_label, substrate_label = metal_atoms.info["structure"], substrate_atoms.info["structure"]
    options = dict(metal_miller=tuple(metal_miller), substrate_miller=tuple(substrate_miller), metal_planes=metal_planes,
                   substrate_planes=substrate_planes, max_strain=max_strain, min_image=min_image, registry=registry,
                   substrate_termination=substrate_termination, fix_substrate_planes=fix_substrate_planes, max_area=max_area,
                   substrate_cut=substrate_cut)
    check_interface_options(metal_atoms, substrate_atoms, **options)  # before the bulks are relaxed
    engine = as_engine(calculator, db=db, device=device, fmax=fmax)
    metal_bulk = engine.relax(metal_atoms, cell=True)
    substrate_bulk = engine.relax(substrate_atoms, cell=True)
    progress()
    model = build_interface(metal_bulk, substrate_bulk, **options)
    progress("relaxing interface, metal and substrate")
    result, relaxed = work_of_adhesion(engine, model)
    progress()
    return AdhesionCalculation(
        metal=metal_label, substrate=substrate_label,
        work_of_adhesion_J_per_m2=result.work_of_adhesion_J_per_m2,
        work_of_adhesion_eV_per_atom=result.work_of_adhesion_eV_per_atom,
        in_plane_strain=[s - 1.0 for s in model.match.stretches], registry=model.registry, area_A2=result.area_A2,
        n_atoms=len(model.interface), interface_metal_atoms=result.interface_metal_atoms, engine=engine.record(),
        references_from_interface=list(result.references_from_interface),
        reference_starts_eV=result.reference_starts_eV,
        interface=model, relaxed_interface=relaxed, adhesion=result,
        inputs={"metal": metal_label, "substrate": substrate_label, **options, "db": engine.cache.location},
    )


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


def adhesion_energy(calculator: Engine | str | Calculator, model: CoherentInterface, interface_atoms: Atoms,
                    relax: bool) -> AdhesionEnergy:
    """Seed 004's W_adhesion (eq. 4, negative binds) with the slabs cut from ``interface_atoms`` (relaxed at fixed
    cell when ``relax``, like the interface); ``calculator``: a name, an ASE calculator or an Engine."""
    engine = as_engine(calculator)
    substrate, film = model.slabs(interface_atoms)
    compute = (lambda a: engine.relax(a, cell=False)) if relax else engine.energy
    return AdhesionEnergy(finite_energy(interface_atoms, "the interface"), finite_energy(compute(substrate), "the substrate slab"),
                          finite_energy(compute(film), "the film slab"), in_plane_area(interface_atoms))
