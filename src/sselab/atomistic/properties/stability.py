"""Phase stability and cathode-contact reactivity (seed 004 eqs. 1–2) on pymatgen's phase diagrams.

Entries are (composition, total energy in eV of that formula) from one source — a user's file (their own
DFT, Materials Project entries, …) or one calculator's relaxed structures. Mixing sources on one hull is
meaningless and the code cannot check it; the run records where the entries came from.

- Decomposition energy E_d (eq. 1) = the energy above the convex hull, eV/atom, from
  :class:`pymatgen.analysis.phase_diagram.PhaseDiagram` (0 for a ground state; seed 004: LZO 0 meV/atom).
- Minimum mutual reaction energy (eq. 2): ΔE = min over x ∈ [0, 1] of the hull energy of the mixture
  x c_A + (1 − x) c_B minus the mixture of the two phases' hull energies, per atom — pymatgen's
  :class:`~pymatgen.analysis.interface_reactions.InterfacialReactivity` with ``use_hull_energy=True``
  (both end members taken at the hull, as in the paper) and normalised compositions. ΔE ≤ 0; ≈ 0 means no
  driving force to react.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pymatgen.analysis.phase_diagram import PDEntry, PhaseDiagram
from pymatgen.core import Composition

from sselab.errors import SSELabError


def _composition(text: str) -> Composition:
    try:
        composition = Composition(text)
    except (ValueError, KeyError, TypeError):
        raise SSELabError(f"cannot read composition {text!r}") from None
    if composition.num_atoms <= 0:
        raise SSELabError(f"composition {text!r} has no atoms")
    return composition


def entries_from_records(records: object, origin: str = "entries") -> list[PDEntry]:
    """PDEntry list from [{"composition": "Li6Zr2O7", "energy_eV": total energy of that formula}, ...]."""
    if not isinstance(records, list) or not records:
        raise SSELabError(f"{origin}: expected a non-empty JSON list of {{composition, energy_eV}}")
    entries = []
    for number, record in enumerate(records):
        if not isinstance(record, dict) or "composition" not in record or "energy_eV" not in record:
            raise SSELabError(f"{origin}: entry {number} needs 'composition' and 'energy_eV'")
        try:
            energy = float(record["energy_eV"])
        except (TypeError, ValueError):
            raise SSELabError(f"{origin}: entry {number} energy {record['energy_eV']!r} is not a number") from None
        if not np.isfinite(energy):
            raise SSELabError(f"{origin}: entry {number} energy is not finite")
        # pymatgen's InterfacialReactivity parses entry names as formulas: the user's label goes in ``attribute``
        entries.append(PDEntry(_composition(str(record["composition"])), energy, attribute=str(record.get("name", record["composition"]))))
    return entries


def phase_diagram(entries: list[PDEntry]) -> PhaseDiagram:
    """The convex hull; a missing elemental (terminal) entry is a user error."""
    try:
        return PhaseDiagram(entries)
    except ValueError as error:
        raise SSELabError(f"cannot build the phase diagram: {error}") from None


def _clean(value: float, tolerance: float = 1e-9) -> float:
    """max(0, value) with round-off below ``tolerance`` eV/atom set to exactly 0."""
    return 0.0 if value < tolerance else float(value)


def _entry_for(diagram: PhaseDiagram, composition: Composition):
    """The lowest entry of this reduced composition; a phase without an entry is a user error."""
    matches = [e for e in diagram.all_entries if e.composition.reduced_composition == composition.reduced_composition]
    if not matches:
        raise SSELabError(f"no entry for {composition.reduced_formula}: add its energy to the entries (a phase's reactivity "
                          "needs its own energy, not the hull's)")
    return min(matches, key=lambda e: e.energy_per_atom)


@dataclass(frozen=True)
class HullRow:
    formula: str
    name: str
    energy_per_atom_eV: float
    e_above_hull_eV_per_atom: float
    decomposition: tuple[str, ...]  # the stable phases it would decompose to (itself when on the hull)


def hull_rows(diagram: PhaseDiagram, entries: list[PDEntry]) -> list[HullRow]:
    """E_d of every entry (eq. 1), sorted by formula then energy."""
    rows = []
    for entry in entries:
        decomposition, e_above = diagram.get_decomp_and_e_above_hull(entry, allow_negative=True)
        label = entry.attribute if entry.attribute is not None else entry.name
        rows.append(HullRow(entry.composition.reduced_formula, str(label), entry.energy_per_atom, _clean(e_above),
                            tuple(sorted(e.composition.reduced_formula for e in decomposition))))
    return sorted(rows, key=lambda r: (r.formula, r.energy_per_atom_eV))


def hull_energy_above(diagram: PhaseDiagram, formula: str, energy_eV: float) -> float:
    """Signed distance (eV/atom) of a composition not in the diagram from the hull: ≥ 0 is E_d; < 0 means the
    candidate lies *below* the hull (it would be a new ground state and change the hull)."""
    composition = _composition(formula)
    missing = sorted(str(el) for el in composition.elements if el not in diagram.elements)
    if missing:
        raise SSELabError(f"composition {formula} has {', '.join(missing)}, which the entries do not cover")
    if not np.isfinite(energy_eV):
        raise SSELabError(f"energy of {formula} must be finite")
    distance = float(energy_eV / composition.num_atoms - diagram.get_hull_energy_per_atom(composition))
    return 0.0 if abs(distance) < 1e-9 else distance


@dataclass(frozen=True)
class Reactivity:
    phase_a: str
    phase_b: str
    min_reaction_energy_eV_per_atom: float
    mixing_ratio: float  # x of phase A at the minimum
    reaction: str
    e_above_hull_a_eV_per_atom: float  # a metastable end member reacts from its hull energy (eq. 2); this says how far above it is
    e_above_hull_b_eV_per_atom: float


def mutual_reactivity(diagram: PhaseDiagram, phase_a: str, phase_b: str) -> Reactivity:
    """Seed 004 eq. 2 for the pseudo-binary A–B (x = fraction of A in the normalised mixture)."""
    from pymatgen.analysis.interface_reactions import InterfacialReactivity

    a, b = _composition(phase_a), _composition(phase_b)
    for composition in (a, b):
        missing = sorted(str(el) for el in composition.elements if el not in diagram.elements)
        if missing:
            raise SSELabError(f"composition {composition.reduced_formula} has {', '.join(missing)}, which the entries do not cover")
    above = [_clean(diagram.get_e_above_hull(_entry_for(diagram, c), allow_negative=True)) for c in (a, b)]
    reactivity = InterfacialReactivity(a, b, diagram, norm=True, use_hull_energy=True)
    kinks = list(reactivity.get_kinks())
    _, x, energy, reaction, _ = min(kinks, key=lambda kink: kink[2])
    return Reactivity(a.reduced_formula, b.reduced_formula, -_clean(-energy) + 0.0, float(x), str(reaction), above[0], above[1])


def reactivity_matrix(diagram: PhaseDiagram, cathodes: list[str], coatings: list[str]) -> tuple[np.ndarray, list[Reactivity]]:
    """ΔE_mutual,min (eV/atom) for every cathode (rows) × coating (columns) — the heatmap of seed 004 Fig. 2b —
    and the pairs, row by row."""
    pairs = [mutual_reactivity(diagram, c, s) for c in cathodes for s in coatings]
    matrix = np.array([p.min_reaction_energy_eV_per_atom for p in pairs]).reshape(len(cathodes), len(coatings))
    return matrix, pairs
