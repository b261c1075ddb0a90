"""Surface energies of every termination of a compound's facets (seed 004 Table S1)::

    scan = TerminationScan(millers=[(0, 0, 1), (0, 1, 0)]).run("li6zr2o7", calculator="chgnet", db="cache.db")
    scan.lowest, scan.write("runs/lzo-surfaces").path

Each distinct cut pymatgen's SlabGenerator offers for a facet (widest interplanar spacing first, as ``surface-energy
--termination``) is cut into slabs of three consecutive counts of whole oriented unit cells, the thinnest with atoms
spanning at least 10 Å (stoichiometric for any compound; a facet's cell can be 4 Å thick or 10 Å), relaxed in
positions at the relaxed bulk's in-plane cell, and fitted to E = N·e_bulk + 2Aσ (Fiorentini–Methfessel,
:func:`~sselab.atomistic.properties.surface.termination_energy`). When a cut's two faces differ σ is their mean (the
cleavage energy per face); the faces' separate energies would need chemical potentials. Polar cuts (a formal-charge
dipole across the whole-cell slab, Tasker type 3) are skipped and listed unless ``include_polar``: their σ is then
the calculator's alone, since a short-ranged potential does not see the dipole that makes such a surface reconstruct.
With ``compensate`` a polar cut is instead made dipole-free by moving a few ions of its faces to the other face
(Tasker's compensation, :func:`~sselab.atomistic.build.slabs.compensate_dipole`), which keeps it stoichiometric; two
cuts that become the same slab are computed once.
The fit's slope minus the relaxed bulk's energy per atom is kept per row as a check of thickness convergence, with
σ_N = (E_N − N·e_bulk)/2A of each slab against the relaxed bulk: for a polar cut these drift with thickness and the
fitted intercept is not a surface energy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ase import Atoms
from ase.calculators.calculator import Calculator
from ase.data import chemical_symbols

from sselab.atomistic.build.checks import check_miller
from sselab.atomistic.build.slabs import (
    CellSlab,
    build_cell_slabs,
    check_termination,
    compensated_alike,
    cut_count,
    ionic_charges,
    thinnest_cell_count,
)
from sselab.atomistic.build.structures import as_atoms
from sselab.atomistic.engine import Engine, as_engine
from sselab.atomistic.properties.checks import check_optional_force_tolerance, finite_energy
from sselab.atomistic.properties.surface import TerminationEnergy, termination_energy
from sselab.constants import EV_PER_A2_TO_J_PER_M2
from sselab.errors import InputError
from sselab.progress import Progress, no_progress
from sselab.runs import HELD, RunDirectory, csv_table, from_summary, summary_of
from sselab.validation import require_count, require_range

#: Columns of ``terminations.csv`` (one row per computed cut).
TERMINATION_COLUMNS = ("miller", "termination", "cut_spacing_A", "top", "bottom", "symmetric", "polar",
                       "surface_energy_J_per_m2", "surface_energy_stderr_J_per_m2", "fit_slope_minus_bulk_meV_per_atom",
                       "surface_energy_by_thickness_J_per_m2", "compensation", "cells", "n_atoms", "unconverged_relaxations")
#: Keys of a scan's ``lowest`` summary (the lowest cut not known to be polar).
LOWEST_KEYS = ("miller", "termination", "top", "bottom", "polar", "compensation", "surface_energy_J_per_m2")
#: Largest --min-thickness accepted (Å): far thicker than any surface needs.
MAX_MIN_THICKNESS_A = 100.0
#: Most facets one scan takes (each has up to ~10 cuts, each cut three relaxations).
MAX_FACETS = 20


@dataclass(frozen=True, kw_only=True)
class TerminationScan:
    """Settings: ``millers`` (facets H K L); ``terminations`` (cut indices, widest spacing first, applied to every facet;
    None: every cut); ``cells`` (slab thicknesses in oriented unit cells, at least two; None: three, the thinnest at
    least ``min_thickness_A`` of atoms along the normal, per facet); ``relax`` (positions of the slabs; False: as
    cleaved);
    ``include_polar`` (compute polar cuts too, flagged); ``compensate`` (make polar cuts dipole-free by moving ions
    between the faces, only ``compensating_species`` if given); ``fmax`` (eV/Å; None: a given Engine's own, 0.02 for
    a new one)."""

    millers: Sequence[tuple[int, int, int]]
    terminations: Sequence[int] | None = None
    cells: tuple[int, ...] | None = None
    min_thickness_A: float = 10.0
    relax: bool = True
    include_polar: bool = False
    compensate: bool = False
    compensating_species: tuple[str, ...] | None = None
    fmax: float | None = None

    def __post_init__(self) -> None:
        if not self.millers:
            raise InputError("--miller: give at least one facet")
        if len(self.millers) > MAX_FACETS:
            raise InputError(f"--miller: {len(self.millers)} facets; one scan takes at most {MAX_FACETS}")
        for miller in self.millers:
            check_miller(miller, "--miller")
        facets = {max(tuple(m), tuple(-i for i in m)) for m in self.millers}  # (h k l) and (-h -k -l): the same planes
        if len(facets) < len(self.millers):
            raise InputError("--miller: a facet is given twice ((h k l) and (-h -k -l) are the same planes)")
        for index in self.terminations or ():
            require_count(index, "--termination", low=0)
        if self.cells is not None and len({require_count(n, "--cells", low=1) for n in self.cells}) < 2:
            raise InputError("--cells: give at least two different slab thicknesses for the Fiorentini-Methfessel fit")
        require_range(self.min_thickness_A, "--min-thickness", low=0.0, high=MAX_MIN_THICKNESS_A, unit="A")
        if self.compensating_species is not None:
            if not self.compensate:
                raise InputError("--compensate-with needs --compensate")
            unknown = [symbol for symbol in self.compensating_species if symbol not in chemical_symbols[1:]]
            if unknown or not self.compensating_species:
                raise InputError(f"--compensate-with: not element symbols: {unknown or 'none given'}")
        check_optional_force_tolerance(self.fmax, "--fmax (fmax)")

    def run(self, structure: str | Path | Atoms, *, calculator: Engine | str | Calculator = "chgnet", db: str | None = None,
            device: str = "cpu", progress: Progress = no_progress) -> TerminationScanResult:
        """Relax the bulk (cell and positions), then σ of every requested cut; ``progress()`` after the bulk and after
        each slab (computed, or skipped as polar)."""
        bulk = as_atoms(structure)
        if len(set(bulk.get_chemical_symbols())) < 2:
            raise InputError("surface-terminations is for compounds; for an element use surface-energy (atomic planes)")
        self.plan(bulk)  # every index and the all-polar case refused before any work; planned again on the relaxed bulk
        engine = as_engine(calculator, db=db, device=device, fmax=self.fmax, default_fmax=0.02)
        engine.spec.check_elements(set(bulk.get_chemical_symbols()), "structure")
        relaxed = engine.relax(bulk, cell=True)
        bulk_energy = finite_energy(relaxed, "the relaxed bulk") / len(relaxed)
        progress()
        rows, skipped = [], []
        thicknesses = 3 if self.cells is None else len(set(self.cells))
        for miller, polar in self.plan(relaxed).items():  # pymatgen's distinct cuts can merge or split as the lattice relaxes
            wanted = [index for index, is_polar in polar.items() if self.include_polar or not is_polar]
            skipped += [{"miller": list(miller), "termination": index, "reason": "polar"}
                        for index in polar if index not in wanted]
            for _ in range((len(polar) - len(wanted)) * thicknesses):
                progress()
            if not wanted:
                continue
            slabs = build_cell_slabs(relaxed, miller, None if self.cells is None else sorted(set(self.cells)),
                                     terminations=wanted, min_thickness_A=self.min_thickness_A, compensate=self.compensate,
                                     compensating_species=self.compensating_species)
            uneven = [index for index, cut in slabs.items() if not compensated_alike(cut)]
            for index, reason in [*((i, "compensated differently at different thicknesses") for i in uneven),
                                  *((i, f"same slab as cut {same} once compensated") for i, same in _same_slabs(
                                      {k: v for k, v in slabs.items() if k not in uneven}).items())]:
                skipped.append({"miller": list(miller), "termination": index, "reason": reason})
                del slabs[index]
                for _ in range(thicknesses):
                    progress()
            for cut in slabs.values():
                fit = termination_energy(engine, cut, self.relax, progress=progress, allow_polar=self.include_polar)
                rows.append(_row(fit, bulk_energy))
        if not rows:
            raise InputError("every requested cut is polar after relaxing the bulk; add --include-polar to compute them anyway")
        lowest = min((row for row in rows if not row["polar"]), key=lambda row: row["surface_energy_J_per_m2"], default=None)
        label = bulk.info.get("structure", str(structure) if not isinstance(structure, Atoms) else "atoms")
        inputs = {"structure": label, "millers": [list(m) for m in self.millers],
                  "terminations": None if self.terminations is None else list(self.terminations),
                  "cells": None if self.cells is None else list(self.cells), "min_thickness_A": self.min_thickness_A,
                  "relaxed": self.relax, "include_polar": self.include_polar, "compensate": self.compensate,
                  "compensating_species": None if self.compensating_species is None else list(self.compensating_species),
                  "db": engine.cache.location}
        return TerminationScanResult(
            structure=label, relaxed=self.relax, bulk_energy_per_atom_eV=bulk_energy,
            lattice_A=relaxed.cell.cellpar().tolist(), terminations=rows, skipped=skipped,
            lowest=None if lowest is None else {key: lowest[key] for key in LOWEST_KEYS},
            model=engine.spec.model, engine=engine.record(), relaxed_bulk=relaxed, inputs=inputs,
        )

    def plan(self, bulk: Atoms) -> dict[tuple[int, int, int], dict[int, bool | None]]:
        """{facet: {cut index: polar}} to compute for ``bulk``, judged on the thinnest slab of the run. An index out of
        range for a facet is refused, and so is a request whose every cut is polar (after compensation, with
        ``compensate``) unless ``include_polar``, and compensation of a structure without ionic charges. The distinct
        cuts pymatgen finds can change as a bulk relaxes (C2/c Li6Zr2O7 (101): 7 cuts as packaged, 6 relaxed with
        lzo_pod), so a run plans twice: before any work, and on the relaxed bulk."""
        absent = sorted(set(self.compensating_species or ()) - set(bulk.get_chemical_symbols()))
        if absent:
            raise InputError(f"--compensate-with: {', '.join(absent)} not in the structure")
        if self.compensate and ionic_charges(bulk) is None:
            raise InputError("--compensate: no ionic charges for this structure (a metal or intermetallic has no dipole to cancel)")
        plan = {}
        for miller in self.millers:
            miller = check_miller(miller, "--miller")
            available = cut_count(bulk, miller)
            indices = range(available) if self.terminations is None else self.terminations
            indices = [check_termination(index, [None] * available, miller) for index in indices]
            thinnest = min(self.cells) if self.cells is not None else thinnest_cell_count(bulk, miller, self.min_thickness_A)
            one = build_cell_slabs(bulk, miller, [thinnest], terminations=indices, compensate=self.compensate,
                                   compensating_species=self.compensating_species)
            plan[miller] = {index: cut[0].polar for index, cut in one.items()}
        if not self.include_polar and all(polar for cuts in plan.values() for polar in cuts.values()):
            hint = "" if self.compensate else "--compensate to cancel their dipoles, or "
            raise InputError(f"every requested cut is polar (a formal-charge dipole across the slab): no surface energy to "
                             f"compute; add {hint}--include-polar to compute them anyway, flagged")
        return plan


#: StructureMatcher's site tolerance for telling two compensated slabs apart, in units of (V/N)^(1/3) of the slab cell
#: (vacuum included, about 3 Å here): 0.05 is ~0.15 Å, while the sites of two different cuts differ by ≥ 1 Å.
SAME_SLAB_SITE_TOLERANCE = 0.05


def _same_slabs(slabs: dict[int, list[CellSlab]]) -> dict[int, int]:
    """{cut: earlier cut} for cuts whose thinnest slab is the same structure as an earlier cut's, one of the two
    compensated (pymatgen's StructureMatcher, no supercells, no scaling, site tolerance
    :data:`SAME_SLAB_SITE_TOLERANCE`): moving ions between the faces can turn two cuts into one slab."""
    from pymatgen.analysis.structure_matcher import StructureMatcher
    from pymatgen.io.ase import AseAtomsAdaptor

    matcher = StructureMatcher(primitive_cell=False, scale=False, attempt_supercell=False, stol=SAME_SLAB_SITE_TOLERANCE)
    kept: list[int] = []
    same: dict[int, int] = {}
    for index, cut in slabs.items():
        structure = AseAtomsAdaptor.get_structure(cut[0].atoms)
        match = next((k for k in kept if (cut[0].compensation or slabs[k][0].compensation)
                      and len(slabs[k][0].atoms) == len(cut[0].atoms)
                      and matcher.fit(AseAtomsAdaptor.get_structure(slabs[k][0].atoms), structure)), None)
        if match is None:
            kept.append(index)
        else:
            same[index] = match
    return same


def _row(fit: TerminationEnergy, bulk_energy_eV: float) -> dict[str, Any]:
    """One row of the scan's table from a cut's fit and the relaxed bulk's energy per atom (eV)."""
    return {
        "miller": list(fit.miller), "termination": fit.termination, "cut_spacing_A": fit.cut_spacing_A, "top": fit.top,
        "bottom": fit.bottom, "symmetric": fit.symmetric, "polar": fit.polar,
        "surface_energy_J_per_m2": fit.surface_energy_J_per_m2,
        "surface_energy_stderr_J_per_m2": fit.surface_energy_stderr_J_per_m2,
        "fit_slope_minus_bulk_meV_per_atom": 1000.0 * (fit.bulk_energy_per_atom_eV - bulk_energy_eV),
        "surface_energy_by_thickness_J_per_m2": [(energy - n * bulk_energy_eV) / (2.0 * fit.area_A2) * EV_PER_A2_TO_J_PER_M2
                                                 for n, energy in zip(fit.n_atoms, fit.slab_energies_eV)],
        "compensation": fit.compensation,
        "area_A2": fit.area_A2, "cells": list(fit.cells), "n_atoms": list(fit.n_atoms),
        "slab_energies_eV": list(fit.slab_energies_eV),
        "unconverged_relaxations": fit.unconverged_relaxations,
    }


@dataclass(frozen=True, kw_only=True)
class TerminationScanResult:
    """σ per cut (J/m²) with the cut's faces, the lowest non-polar one, and the cuts skipped as polar. Every field but
    ``relaxed_bulk`` and ``inputs`` is a key of :meth:`to_dict` (the ``--json`` summary)."""

    structure: str
    relaxed: bool
    bulk_energy_per_atom_eV: float
    lattice_A: list[float]  # a, b, c (Å), α, β, γ (°) of the relaxed bulk
    terminations: list[dict[str, Any]]
    skipped: list[dict[str, Any]]
    lowest: dict[str, Any] | None  # the lowest cut not known to be polar; None when every computed cut is polar
    model: str
    engine: dict[str, Any]
    relaxed_bulk: Atoms | None = field(default=None, repr=False, compare=False, metadata=HELD)
    inputs: dict[str, Any] = field(default_factory=dict, repr=False, compare=False, metadata=HELD)

    def to_dict(self) -> dict[str, Any]:
        """The ``sselab surface-terminations --json`` summary, without ``run_directory``."""
        return summary_of(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TerminationScanResult:
        """Back from :meth:`to_dict` (or run.json's summary), without the relaxed bulk."""
        return from_summary(cls, data)

    def table(self) -> str:
        """``terminations.csv``: one row per computed cut, Miller index as 'H K L'."""
        rows = [{**row, **{key: " ".join(map(str, row[key])) for key in ("miller", "cells", "n_atoms")},
                 "surface_energy_by_thickness_J_per_m2": " ".join(f"{v:.4f}" for v in row["surface_energy_by_thickness_J_per_m2"])}
                for row in self.terminations]
        return csv_table(TERMINATION_COLUMNS, rows)

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """run.json, ``terminations.csv``, ``terminations.png`` and ``bulk_relaxed.extxyz``."""
        from ase.io import write

        from sselab.plots.surfaces import termination_figure

        run = RunDirectory.open(run_dir, "surface-terminations", self.inputs)
        run.write_text("terminations.csv", self.table())
        run.save_figure("terminations", termination_figure(self))
        if self.relaxed_bulk is not None:
            write(run.path / "bulk_relaxed.extxyz", self.relaxed_bulk)
            run.files.append("bulk_relaxed.extxyz")
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run
