"""Seed 004's stability screen: hull entries from a calculator, E_d above the hull (eq. 1), cathode reactivity (eq. 2).

::

    entries = StabilityEntries().run(["li-bcc", "zr-hcp", "molecule:O2", "li2o"], calculator="chgnet", db="cache.db")
    entries.write_entries("entries.json")
    hull = energy_above_hull("entries.json", targets={"Li6Zr2O7": -300.0})
    reactivity = cathode_reactivity("entries.json", cathodes=["LiCoO2"], coatings=["Li6Zr2O7", "Li2O"])

An entries file (or list) is one energy source: a calculator's relaxed structures, the user's DFT, or the Materials
Project (:func:`materials_project_records`). Mixing sources on one hull is meaningless and cannot be checked here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator

from sselab.atomistic.engine import Engine, as_engine, require_force_tolerance
from sselab.atomistic.properties.stability import (
    HullRow,
    Reactivity,
    entries_from_records,
    hull_energy_above,
    hull_rows,
    phase_diagram,
    reactivity_matrix,
)
from sselab.errors import InputError, SetupError
from sselab.progress import Progress, no_progress
from sselab.runs import RunDirectory

BELOW_HULL = "lies below the hull: a new ground state; add it to the entries and rebuild"


def entry_structure(name: str) -> tuple[Atoms, bool]:
    """A library name / file (a crystal: relax its cell), or ``molecule:O2`` — an ASE molecule centred in a periodic
    15 Å box (relaxed at fixed box). Returns the structure and whether its cell is relaxed."""
    from sselab.atomistic.build.structures import load_structure, molecule_in_box

    if name.startswith("molecule:"):
        return molecule_in_box(name.removeprefix("molecule:")), False
    return load_structure(name), True


def _label(name: str) -> str:
    return Path(name.replace("molecule:", "molecule-")).stem


@dataclass(frozen=True, kw_only=True)
class StabilityEntries:
    """Settings of ``stability entries``: the relaxations' force tolerance ``fmax`` (eV/Å), finite and within
    (0, :data:`~sselab.atomistic.engine.FMAX_LIMIT`]: a looser tolerance leaves structures unrelaxed and their energies meaningless."""

    fmax: float = 0.05

    def __post_init__(self) -> None:
        require_force_tolerance(self.fmax, "fmax")

    def run(
        self,
        structures: Sequence[str],
        *,
        calculator: Engine | str | Calculator = "chgnet",
        db: str | None = None,
        device: str = "cpu",
        progress: Progress = no_progress,
    ) -> EntriesResult:
        """Relax each structure (cell and positions; molecules at fixed box): one entry {composition, energy_eV, name} each."""
        if not structures:
            raise InputError("give at least one structure")
        engine = as_engine(calculator, db=db, device=device, fmax=self.fmax)
        loaded = [entry_structure(s) for s in structures]
        for name, (atoms, _) in zip(structures, loaded):
            engine.spec.check_elements(set(atoms.get_chemical_symbols()), name)
        records, relaxed = [], {}
        for name, (atoms, bulk) in zip(structures, loaded):
            result = engine.relax(atoms, cell=bulk)
            label = _label(name)
            relaxed[label] = result
            records.append(
                {
                    "composition": result.get_chemical_formula(mode="metal"),
                    "energy_eV": float(result.get_potential_energy()),
                    "name": label,
                    "converged": bool(result.info.get("converged", True)),
                }
            )
            progress(label)
        return EntriesResult(
            entries=records,
            calculator=engine.spec.identity(),
            engine=engine.record(),
            relaxed=relaxed,
            inputs={"structures": list(structures), "db": db},
        )


@dataclass(kw_only=True)
class EntriesResult:
    """Hull entries computed with one calculator (total energies of each composition, eV) and the relaxed structures."""

    entries: list[dict[str, Any]]
    calculator: dict[str, Any]
    engine: dict[str, Any] = field(default_factory=dict)
    entries_file: str | None = None  # set by write_entries
    relaxed: dict[str, Atoms] = field(default_factory=dict, repr=False)
    inputs: dict[str, Any] = field(default_factory=dict, repr=False)

    def write_entries(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """The entries file (JSON list of {composition, energy_eV, name, converged}) that ``hull`` and ``reactivity`` read;
        an existing file is replaced only with ``overwrite``."""
        from sselab.params.entries import write_entries

        written = write_entries(path, self.entries, overwrite=overwrite)
        self.entries_file = str(path)
        return written

    def to_dict(self) -> dict[str, Any]:
        return {"entries_file": self.entries_file, "calculator": self.calculator, "entries": self.entries, "engine": self.engine}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EntriesResult:
        return cls(
            entries=list(data["entries"]),
            calculator=data["calculator"],
            engine=data.get("engine", {}),
            entries_file=data.get("entries_file"),
        )

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """``<name>_relaxed.extxyz`` of every structure and ``run.json``."""
        from ase.io import write

        run = RunDirectory.open(run_dir, "stability entries", self.inputs)
        for label, atoms in self.relaxed.items():
            write(run.path / f"{label}_relaxed.extxyz", atoms)
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run


def materials_project_records(chemical_system: str, api_key: str | None = None) -> list[dict[str, Any]]:
    """Entries of a chemical system (e.g. ``Li-Zr-O-N``) from the Materials Project, MP2020-corrected total energies.

    Needs the ``mp-api`` client, an API key (``api_key`` or the ``MP_API_KEY`` environment variable) and the network.
    """
    import os

    key = api_key or os.environ.get("MP_API_KEY")
    if not key:
        raise SetupError("set MP_API_KEY to your Materials Project API key (https://materialsproject.org/api)")
    try:
        from mp_api.client import MPRester
    except ImportError:
        raise SetupError("the Materials Project client is not installed: pip install mp-api") from None
    try:
        with MPRester(key) as rester:
            entries = rester.get_entries_in_chemsys(chemical_system)
    except Exception as error:  # network and API errors come in many types
        raise SetupError(f"Materials Project query for {chemical_system} failed: {error}") from None
    return [
        {"composition": e.composition.formula.replace(" ", ""), "energy_eV": float(e.energy), "name": str(e.entry_id)}
        for e in entries
    ]


def _records(entries: str | Path | list[dict[str, Any]]) -> tuple[list, str | None]:
    """PDEntries from an entries file or a list of records (both schema-checked), and the file name (None for a list)."""
    from sselab.params.entries import check_records, load_entry_records

    if isinstance(entries, (str, Path)):
        return entries_from_records(load_entry_records(entries), str(entries)), str(entries)
    return entries_from_records(check_records(entries, "entries")), None


@dataclass(kw_only=True)
class HullResult:
    """E_d of every entry (seed 004 eq. 1, eV/atom) and of any target compositions (signed: < 0 lies below the hull)."""

    entries_file: str | None
    elements: list[str]
    rows: list[dict[str, Any]]
    inputs: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def stable(self) -> list[str]:
        return sorted({r["formula"] for r in self.rows if r["e_above_hull_eV_per_atom"] == 0.0})

    @property
    def e_above_hull_eV_per_atom(self) -> dict[str, float]:
        """Formula → E_d of its lowest entry (targets included)."""
        out: dict[str, float] = {}
        for row in self.rows:
            out[row["formula"]] = min(row["e_above_hull_eV_per_atom"], out.get(row["formula"], np.inf))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "entries_file": self.entries_file,
            "elements": list(self.elements),
            "rows": list(self.rows),
            "stable": self.stable,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HullResult:
        return cls(entries_file=data["entries_file"], elements=list(data["elements"]), rows=list(data["rows"]))

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        run = RunDirectory.open(run_dir, "stability hull", self.inputs)
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run


def _hull_row(row: HullRow) -> dict[str, Any]:
    return {
        "formula": row.formula,
        "name": row.name,
        "e_above_hull_eV_per_atom": row.e_above_hull_eV_per_atom,
        "energy_per_atom_eV": row.energy_per_atom_eV,
        "decomposition": list(row.decomposition),
    }


def energy_above_hull(
    entries: str | Path | list[dict[str, Any]], targets: Mapping[str, float] | Sequence[tuple[str, float]] = ()
) -> HullResult:
    """E_d of every entry of ``entries`` (an entries file or a list of {composition, energy_eV, name}), and the signed
    distance from the hull of each target (formula → total energy of that formula, eV), which is not added to it."""
    from sselab.params.entries import check_energy, formula_atoms

    records, entries_file = _records(entries)
    pairs = list(targets.items()) if isinstance(targets, Mapping) else list(targets)
    for number, (formula, energy) in enumerate(pairs):
        check_energy(energy, formula_atoms(formula, f"target {number}"), f"target {number} ({formula})")
    diagram = phase_diagram(records)
    rows = [_hull_row(r) for r in hull_rows(diagram, records)]
    for formula, energy in pairs:
        distance = hull_energy_above(diagram, formula, float(energy))
        rows.append(
            {
                "formula": formula.strip(),
                "name": "target",
                "e_above_hull_eV_per_atom": distance,
                **({"below_hull": BELOW_HULL} if distance < 0 else {}),
            }
        )
    return HullResult(
        entries_file=entries_file,
        elements=sorted(str(e) for e in diagram.elements),
        rows=rows,
        inputs={"entries": entries_file, "target": [f"{f}={e}" for f, e in pairs]},
    )


@dataclass(kw_only=True)
class ReactivityResult:
    """ΔE_mutual,min (seed 004 eq. 2, eV/atom) of every cathode (rows) × coating (columns): Fig. 2b."""

    entries_file: str | None
    cathodes: list[str]
    coatings: list[str]
    matrix: np.ndarray
    pairs: list[dict[str, Any]]
    inputs: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "entries_file": self.entries_file,
            "cathodes": list(self.cathodes),
            "coatings": list(self.coatings),
            "min_reaction_energy_eV_per_atom": self.matrix.tolist(),
            "rows": list(self.pairs),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReactivityResult:
        return cls(
            entries_file=data["entries_file"],
            cathodes=list(data["cathodes"]),
            coatings=list(data["coatings"]),
            matrix=np.asarray(data["min_reaction_energy_eV_per_atom"], dtype=float),
            pairs=list(data["rows"]),
        )

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """``reactivity.png`` (the heatmap) and ``run.json``."""
        from sselab.plots.stability import reactivity_heatmap

        run = RunDirectory.open(run_dir, "stability reactivity", self.inputs)
        run.save_figure("reactivity", reactivity_heatmap(self))
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run


def _pair(p: Reactivity) -> dict[str, Any]:
    return {
        "cathode": p.phase_a,
        "coating": p.phase_b,
        "min_reaction_energy_eV_per_atom": p.min_reaction_energy_eV_per_atom,
        "cathode_fraction": p.mixing_ratio,
        "reaction": p.reaction,
        "cathode_e_above_hull_eV_per_atom": p.e_above_hull_a_eV_per_atom,
        "coating_e_above_hull_eV_per_atom": p.e_above_hull_b_eV_per_atom,
    }


def cathode_reactivity(
    entries: str | Path | list[dict[str, Any]], cathodes: Sequence[str], coatings: Sequence[str]
) -> ReactivityResult:
    """Minimum mutual reaction energy (eq. 2) for every cathode × coating pair on the hull of ``entries``."""
    from sselab.params.entries import formula_atoms

    for role, formulas in (("cathode", cathodes), ("coating", coatings)):
        if not formulas:
            raise InputError(f"give at least one {role}")
        for formula in formulas:
            formula_atoms(formula, role)
    records, entries_file = _records(entries)
    matrix, pairs = reactivity_matrix(phase_diagram(records), list(cathodes), list(coatings))
    return ReactivityResult(
        entries_file=entries_file,
        cathodes=list(cathodes),
        coatings=list(coatings),
        matrix=matrix,
        pairs=[_pair(p) for p in pairs],
        inputs={"entries": entries_file, "cathodes": list(cathodes), "coatings": list(coatings)},
    )
