"""Ion-exchange formation energy against a precursor salt (seed 000 eq. 1 with the reaction of eq. 7).

Exchanging n Li⁺ of the host for n M⁺ brought in by a precursor M_kX that leaves as Li_kX,

    host + (n/k) M_kX  →  host:M_n + (n/k) Li_kX,

costs per exchanged ion

    E_f = (E_IX − E_bulk)/n + [E(Li_kX) − E(M_kX)]/k                                  (eq. 1 + eq. 7)

with E_IX, E_bulk the total energies of the exchanged and pristine host cells and E(·) total energies per
formula unit of the salts (eV). Metals are the case X = ∅, k = 1: E(Li) − E(M) per atom. The paper's
approximation Δμ_Li − Δμ_IX ≈ E_Li − E_IX is exactly the second term. All energies are 0 K total energies
from one calculator; no vibrational, configurational or pV terms (seed 000 SI.3 adds those).

Screening (seed 000 §3.2): E_f < 0 is corrosive (spontaneous exchange, not recommended), 0–0.5 eV feasible,
0.5–1 eV marginal, > 1 eV insufficient (needs an extra driving force). In the dilute limit the exchanged
fraction at the process temperature T is C = exp(−E_f / k_B T) (the paper's "E_f ≈ 0.3 eV gives ≈ 5 % at
1200 K"); this is what ``sselab ion-exchange design --formation-energy`` uses as the surface concentration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from pymatgen.core import Composition, Element

from sselab.continuum.ion_exchange import dilute_surface_concentration
from sselab.errors import SSELabError


def verdict(formation_energy_eV: float) -> str:
    """Seed 000 §3.2 bands: corrosive < 0 ≤ feasible < 0.5 ≤ marginal ≤ 1 < insufficient (eV)."""
    if not np.isfinite(formation_energy_eV):
        raise SSELabError(f"formation energy must be finite, got {formation_energy_eV}")
    if formation_energy_eV < 0.0:
        return "corrosive"
    if formation_energy_eV < 0.5:
        return "feasible"
    if formation_energy_eV <= 1.0:
        return "marginal"
    return "insufficient"


def dilute_concentration(formation_energy_eV: float, temperature_K: float) -> float:
    """Exchanged fraction exp(−E_f / k_B T) in the dilute limit — the continuum model's C_s — capped at 1 for E_f < 0
    (a corrosive exchange is no longer dilute)."""
    if not temperature_K > 0:
        raise SSELabError(f"temperature must be positive, got {temperature_K} K")
    return 1.0 if formation_energy_eV < 0 else dilute_surface_concentration(formation_energy_eV, temperature_K)


@dataclass(frozen=True)
class Precursor:
    """A salt M_kX delivering the exchange ion M, with its lithium counterpart Li_kX."""

    formula: str
    ion: str
    k: float  # M per formula unit
    li_counterpart: str

    @property
    def is_metal(self) -> bool:
        return Composition(self.formula).is_element


def precursor(formula: str, ion: str) -> Precursor:
    """Parse M_kX: k from the formula as written; Li_kX by replacing M with Li (``Na3PO4`` → k = 3, ``Li3PO4``)."""
    try:
        composition = Composition(formula)
        element = Element(ion)
    except (ValueError, KeyError):
        raise SSELabError(f"cannot read precursor formula {formula!r} for ion {ion!r}") from None
    if element not in composition:
        raise SSELabError(f"precursor {formula} contains no {ion}")
    if Element("Li") in composition:
        raise SSELabError(f"precursor {formula} already contains Li")
    counterpart = re.sub(rf"{ion}(?![a-z])", "Li", formula.strip())
    expected = Composition({("Li" if el == element else el.symbol): amount for el, amount in composition.items()})
    if Composition(counterpart) != expected:  # e.g. brackets that the plain substitution cannot handle
        counterpart = expected.formula.replace(" ", "")
    return Precursor(formula, ion, float(composition[element]), counterpart)


def formation_energy(exchanged_energy_eV: float, host_energy_eV: float, n_exchanged: int, li_counterpart_energy_eV: float,
                     precursor_energy_eV: float, k: float) -> float:
    """E_f = (E_IX − E_bulk)/n + [E(Li_kX) − E(M_kX)]/k, energies of the salts per formula unit (eV)."""
    if n_exchanged < 1:
        raise SSELabError(f"n_exchanged must be at least 1, got {n_exchanged}")
    if not k > 0:
        raise SSELabError(f"k must be positive, got {k}")
    return (exchanged_energy_eV - host_energy_eV) / n_exchanged + (li_counterpart_energy_eV - precursor_energy_eV) / k


@dataclass(frozen=True)
class FormationRow:
    precursor: str
    li_counterpart: str
    k: float
    E_f_eV: float
    dilute_concentration: float
    verdict: str


def screen_precursors(ion: str, host_energy_eV: float, exchanged_energy_eV: float, n_exchanged: int,
                      salt_energies_eV: dict[str, float], temperature_K: float) -> list[FormationRow]:
    """One row per precursor of ``ion`` in ``salt_energies_eV`` (formula → energy per formula unit) whose Li
    counterpart is there too; sorted by E_f. Formulas are matched by composition (``Li3PO4`` = ``Li3O4P``)."""
    by_composition = {}
    for formula, energy in salt_energies_eV.items():
        try:
            by_composition[Composition(formula)] = (formula, float(energy))
        except (ValueError, KeyError, TypeError):
            raise SSELabError(f"precursor energies: cannot read formula {formula!r} or its energy {energy!r}") from None
    rows = []
    missing = []
    for composition, (formula, energy) in by_composition.items():
        if Element(ion) not in composition or Element("Li") in composition:
            continue
        salt = precursor(formula, ion)
        counterpart = by_composition.get(Composition(salt.li_counterpart))
        if counterpart is None:
            missing.append(f"{formula} (needs {salt.li_counterpart})")
            continue
        e_f = formation_energy(exchanged_energy_eV, host_energy_eV, n_exchanged, counterpart[1], energy, salt.k)
        rows.append(FormationRow(formula, counterpart[0], salt.k, e_f, dilute_concentration(e_f, temperature_K), verdict(e_f)))
    if missing:
        raise SSELabError(f"no lithium counterpart energy for {', '.join(missing)}")
    if not rows:
        raise SSELabError(f"no precursor containing {ion} among {', '.join(salt_energies_eV) or 'no formulas'}")
    return sorted(rows, key=lambda r: r.E_f_eV)


@dataclass(frozen=True)
class DiluteCheck:
    """E_f (one reference) at several exchanged concentrations: slope in eV per percentage point (SI.2)."""

    concentrations: tuple[float, ...]  # fraction of the host's Li
    formation_energies_eV: tuple[float, ...]
    slope_eV_per_percent: float
    threshold_eV_per_percent: float

    @property
    def dilute(self) -> bool:
        return abs(self.slope_eV_per_percent) <= self.threshold_eV_per_percent


def dilute_limit_check(concentrations: list[float], formation_energies_eV: list[float], threshold_eV_per_percent: float = 0.025) -> DiluteCheck:
    """Least-squares slope of E_f against C (in %); the paper calls < 0.025 eV per % 'dilute' up to 5.1 %."""
    c = np.asarray(concentrations, dtype=float)
    e = np.asarray(formation_energies_eV, dtype=float)
    if c.size < 2 or c.size != e.size or np.ptp(c) == 0:
        raise SSELabError("the dilute-limit check needs formation energies at two or more different concentrations")
    slope = float(np.polyfit(100.0 * c, e, 1)[0])
    return DiluteCheck(tuple(c.tolist()), tuple(e.tolist()), slope, threshold_eV_per_percent)
