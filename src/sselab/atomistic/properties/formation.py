"""Ion-exchange formation energy against a precursor salt (seed 000 eq. 1 with the reaction of eq. 7).

Exchanging n Li⁺ of the host for n M⁺ brought in by a precursor M_kX that leaves as Li_kX,

    host + (n/k) M_kX  →  host:M_n + (n/k) Li_kX,

costs per exchanged ion

    E_f = (E_IX − E_bulk)/n + [E(Li_kX) − E(M_kX)]/k                                  (eq. 1 + eq. 7)

with E_IX, E_bulk the total energies of the exchanged and pristine host cells and E(·) total energies per
formula unit of the salts (eV). Metals are the case X = ∅, k = 1: E(Li) − E(M) per atom. The paper's
approximation Δμ_Li − Δμ_IX ≈ E_Li − E_IX is exactly the second term. All energies are 0 K total energies
from one calculator; no vibrational, configurational or pV terms (seed 000 SI.3 adds those), except in the gas-releasing
route below.

A precursor whose Li counterpart does not exist releases a gas instead (seed 000 §3.2: KO₂, "to yield Li₂O + O₂(g)
after ion exchange"; LiO₂ → ½ Li₂O + ¾ O₂). Its salt term [E(Li_kX) − E(M_kX)] becomes the free energy of that route,

    Δ_route = Σ_j ν_j G_j − G(M_kX),   G = E₀ + F_vib(T) for a solid,  G = μ(T, p) for the gas,

per formula unit of the precursor, with the ν_j balancing Li_kX. The gas's entropy is the driving force, and the solids'
harmonic vibrational free energy must come with it: a solid that gives off O₂ loses its O vibrations, which at 1200 K
is worth nearly as much (three quarters of it for KO₂, docs/defects.md; :mod:`sselab.atomistic.properties.gas`,
:mod:`sselab.atomistic.properties.phonons`). The host cells stay at 0 K, as in every other row, so the vibrational
change of the LLZO on exchanging Li for M is not included.

Screening (seed 000 §3.2): E_f < 0 is corrosive (spontaneous exchange, not recommended), 0–0.5 eV feasible,
0.5–1 eV marginal, > 1 eV insufficient (needs an extra driving force). In the dilute limit the exchanged
fraction at the process temperature T is C = exp(−E_f / k_B T) (the paper's "E_f ≈ 0.3 eV gives ≈ 5 % at
1200 K"); this is what ``sselab ion-exchange design --formation-energy`` uses as the surface concentration.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator
from pymatgen.core import Composition, Element

from sselab.atomistic.engine import Engine, as_engine
from sselab.atomistic.properties.checks import finite_energy
from sselab.constants import BOLTZMANN_EV
from sselab.continuum.ion_exchange import dilute_surface_concentration
from sselab.errors import InputError, SSELabError
from sselab.validation import limit, read_json_file, require_count, require_finite, require_range, require_text


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


def balance_products(formula: str, products: Sequence[str]) -> dict[str, float]:
    """Coefficients ν_j > 0 with Σ ν_j P_j = ``formula`` (per formula unit; ``KO2`` into ``K2O``, ``O2``: ½ and ¾).
    Refuses products that cannot balance it, balance it in more than one way, or need a negative amount."""
    if not products:
        raise SSELabError(f"no products to balance {formula} with")
    try:
        target = Composition(formula)
        parts = [Composition(p) for p in products]
    except (ValueError, KeyError):
        raise SSELabError(f"cannot read the products {', '.join(products)} of {formula}") from None
    elements = sorted({el for c in [target, *parts] for el in c.elements}, key=lambda el: el.Z)
    matrix = np.array([[c[el] for c in parts] for el in elements], dtype=float)
    vector = np.array([target[el] for el in elements], dtype=float)
    coefficients, *_ = np.linalg.lstsq(matrix, vector, rcond=None)
    exact = np.allclose(matrix @ coefficients, vector, atol=1e-9)
    if not exact or np.linalg.matrix_rank(matrix) < len(parts) or (coefficients <= 1e-12).any():
        raise SSELabError(f"{' + '.join(products)} cannot balance {formula} with positive amounts of each")
    return {p: float(v) for p, v in zip(products, coefficients)}


@dataclass(frozen=True)
class GasRelease:
    """The salt term of a gas-releasing ``precursor`` → Σ ν_j products (per formula unit of the precursor, eV) in three
    parts: the 0 K energy change, the solids' harmonic vibrational free energy change (zero point included) and the
    gas's μ(T, p) − E₀."""

    precursor: str
    coefficients: dict[str, float]  # ν of each product (the gas among them) per precursor formula unit
    gas: str
    energy_change_eV: float
    vibrational_change_eV: float
    gas_thermal_eV: float
    temperature_K: float
    pressure_Pa: float

    @property
    def salt_term_eV(self) -> float:
        return self.energy_change_eV + self.vibrational_change_eV + self.gas_thermal_eV

    def salt_term_at(self, pressure_Pa: float) -> float:
        """The salt term at another partial pressure of the gas: ν_gas k_B T ln(p / p_run) added (ideal gas, eV)."""
        require_range(pressure_Pa, "gas pressure (Pa)", low=0.0, low_inclusive=False)
        return self.salt_term_eV + self.coefficients[self.gas] * BOLTZMANN_EV * self.temperature_K * np.log(
            pressure_Pa / self.pressure_Pa)

    @property
    def products(self) -> str:
        """``0.5 Li2O + 0.75 O2(g)``."""
        return " + ".join(f"{v:g} {p}{'(g)' if p == self.gas else ''}" for p, v in self.coefficients.items())

    def as_dict(self) -> dict[str, Any]:
        return {"precursor": self.precursor, "coefficients": dict(self.coefficients), "gas": self.gas,
                "energy_change_eV": self.energy_change_eV, "vibrational_change_eV": self.vibrational_change_eV,
                "gas_thermal_eV": self.gas_thermal_eV, "salt_term_eV": self.salt_term_eV,
                "temperature_K": self.temperature_K, "pressure_Pa": self.pressure_Pa}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GasRelease:
        return cls(data["precursor"], {k: float(v) for k, v in data["coefficients"].items()}, data["gas"],
                   float(data["energy_change_eV"]), float(data["vibrational_change_eV"]), float(data["gas_thermal_eV"]),
                   float(data["temperature_K"]), float(data["pressure_Pa"]))


def gas_release(precursor_formula: str, ion: str, products: Sequence[str], gas: str, energies_eV: Mapping[str, float],
                vibrational_eV: Mapping[str, float], gas_energy_eV: float, gas_potential_eV: float, temperature_K: float,
                pressure_Pa: float) -> GasRelease:
    """Δ_route = Σ ν_j [E + F_vib](solid_j) + ν_gas μ_gas(T, p) − [E + F_vib](precursor), the ν balancing the precursor's
    Li counterpart; energies and harmonic free energies per formula unit keyed by formula (pass F_vib = 0 for 0 K)."""
    if gas not in products:
        raise SSELabError(f"the gas {gas} is not among the products {', '.join(products)} of {precursor_formula}")
    nu = balance_products(precursor(precursor_formula, ion).li_counterpart, products)
    solids = [p for p in nu if p != gas]
    energy = sum(nu[p] * energies_eV[p] for p in solids) + nu[gas] * gas_energy_eV - energies_eV[precursor_formula]
    vibrational = sum(nu[p] * vibrational_eV[p] for p in solids) - vibrational_eV[precursor_formula]
    return GasRelease(precursor_formula, nu, gas, energy, vibrational, nu[gas] * (gas_potential_eV - gas_energy_eV),
                      temperature_K, pressure_Pa)


def formation_energy(exchanged_energy_eV: float, host_energy_eV: float, n_exchanged: int, li_counterpart_energy_eV: float,
                     precursor_energy_eV: float, k: float) -> float:
    """E_f = (E_IX − E_bulk)/n + [E(Li_kX) − E(M_kX)]/k, energies of the salts per formula unit (eV)."""
    # no cell within the atoms limit holds more exchanged ions than atoms
    require_count(n_exchanged, "n_exchanged", low=1, high=int(limit("atoms")))
    if not k > 0:
        raise SSELabError(f"k must be positive, got {k}")
    return (exchanged_energy_eV - host_energy_eV) / n_exchanged + (li_counterpart_energy_eV - precursor_energy_eV) / k


@dataclass(frozen=True)
class FormationRow:
    precursor: str
    li_counterpart: str  # the Li counterpart's formula, or a gas-releasing route's products ("0.5 Li2O + 0.75 O2(g)")
    k: float
    E_f_eV: float
    dilute_concentration: float
    verdict: str

    def as_dict(self) -> dict[str, Any]:
        return {"precursor": self.precursor, "li_counterpart": self.li_counterpart, "k": self.k, "E_f_eV": self.E_f_eV,
                "dilute_concentration": self.dilute_concentration, "verdict": self.verdict}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FormationRow:
        return cls(data["precursor"], data["li_counterpart"], float(data["k"]), float(data["E_f_eV"]),
                   float(data["dilute_concentration"]), data["verdict"])


def screen_precursors(ion: str, host_energy_eV: float, exchanged_energy_eV: float, n_exchanged: int,
                      salt_energies_eV: Mapping[str, float], temperature_K: float, *,
                      routes: Mapping[str, tuple[str, float]] | None = None) -> list[FormationRow]:
    """One row per precursor of ``ion`` in ``salt_energies_eV`` (formula → energy per formula unit), sorted by E_f.

    A precursor's Li counterpart must be in ``salt_energies_eV``, unless the precursor is in ``routes``: formula →
    (its products as the row shows them, its salt term Δ_route per formula unit in eV, e.g. :attr:`GasRelease.salt_term_eV`).
    Formulas are matched by composition (``Li3PO4`` = ``Li3O4P``).
    """
    by_composition = {}
    for formula, energy in salt_energies_eV.items():
        try:
            by_composition[Composition(formula)] = (formula, float(energy))
        except (ValueError, KeyError, TypeError):
            raise SSELabError(f"precursor energies: cannot read formula {formula!r} or its energy {energy!r}") from None
    route_of = {}
    for formula, (products, salt_term) in (routes or {}).items():
        try:
            route_of[Composition(formula)] = (formula, products, require_finite(salt_term, f"salt term of {formula}"))
        except (ValueError, KeyError):
            raise SSELabError(f"cannot read the route's precursor formula {formula!r}") from None
    rows = []
    missing = []
    for composition in dict.fromkeys([*by_composition, *route_of]):
        formula = (by_composition.get(composition) or route_of[composition])[0]
        if Element(ion) not in composition or Element("Li") in composition:
            continue
        salt = precursor(formula, ion)
        if composition in route_of:
            _, label, salt_term = route_of[composition]
            e_f = formation_energy(exchanged_energy_eV, host_energy_eV, n_exchanged, salt_term, 0.0, salt.k)
        else:
            counterpart = by_composition.get(Composition(salt.li_counterpart))
            if counterpart is None:
                missing.append(f"{formula} (needs {salt.li_counterpart})")
                continue
            label = counterpart[0]
            e_f = formation_energy(exchanged_energy_eV, host_energy_eV, n_exchanged, counterpart[1], by_composition[composition][1],
                                   salt.k)
        rows.append(FormationRow(formula, label, salt.k, e_f, dilute_concentration(e_f, temperature_K), verdict(e_f)))
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


def dilute_check_against(reference: FormationRow, host_energy_eV: float, exchanged_energy_eV: float, n_exchanged: int,
                         series: list[tuple[int, float, float]]) -> DiluteCheck:
    """SI.2: E_f against ``reference`` (a metal, whose salt term is E(Li) − E(M) per atom) at every (n, C, E_IX) of ``series``.

    The salt term is recovered from the reference row, E(Li) − E(M) = E_f − (E_IX − E_bulk)/n, and added to each
    configuration's (E_IX,n − E_bulk)/n.
    """
    salt_term = reference.E_f_eV - (exchanged_energy_eV - host_energy_eV) / n_exchanged
    values = [(energy - host_energy_eV) / n + salt_term for n, _, energy in series]
    return dilute_limit_check([c for _, c, _ in series], values)


def packaged_precursors(ion: str) -> list[dict[str, str]]:
    """The packaged precursor list of ``ion`` (params/data/precursors/salts.toml): formula, structure and Li structure names."""
    from sselab.params import read_table

    table, _ = read_table("salts", "precursors")
    entries = table.get(ion)
    if not entries:
        raise InputError(f"no packaged precursors for {ion} (have: {', '.join(k for k in table if k not in ('source', 'note'))})")
    return entries["salts"]


def salt_energy_per_formula_unit(calculator: Engine | str | Calculator, structure: str | Atoms, formula: str, *,
                                 db: str | None = None, device: str = "cpu") -> tuple[float, Atoms]:
    """Energy per formula unit (eV) of ``formula`` from its structure (library name, file or Atoms), cell and positions relaxed.

    Refuses a structure whose composition is not a whole number of ``formula`` units.
    """
    from sselab.atomistic.build.structures import load_structure

    engine = as_engine(calculator, db=db, device=device)
    atoms = structure if isinstance(structure, Atoms) else load_structure(structure)
    relaxed = engine.relax(atoms, cell=True)
    units = len(relaxed) / Composition(formula).num_atoms
    same = Composition(relaxed.get_chemical_formula()).reduced_composition == Composition(formula).reduced_composition
    if abs(units - round(units)) > 1e-6 or not same:
        raise InputError(f"structure {structure if isinstance(structure, str) else 'given'} ({relaxed.get_chemical_formula()}) "
                         f"is not {formula}")
    return finite_energy(relaxed, formula) / round(units), relaxed


def _whole(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and int(value) == value and value >= 1


@dataclass(frozen=True)
class ExchangeEnergies:
    """A user's own energies for the screen (their DFT): the JSON energies file of ``defects formation-energy --energies``.

    ``host_energy_eV``, ``exchanged_energy_eV``: total energies of the pristine and exchanged cells; ``n_exchanged``
    ions exchanged; ``precursors``: formula → energy per formula unit (eV) of each salt and its Li counterpart;
    ``series``: optional (n_exchanged, concentration as a fraction, exchanged energy) for the dilute-limit check;
    ``routes``: optional precursor formula → the products that replace its Li counterpart (``{"KO2": ["Li2O", "O2"]}``),
    their energies in ``precursors`` (free energies at the process temperature, if you have them) except for the gas;
    ``gas_chemical_potentials_eV``: μ(T, p) per molecule (eV) of each gas a route releases, at the screen's temperature
    and the gas's partial pressure.
    """

    host_energy_eV: float
    exchanged_energy_eV: float
    n_exchanged: int
    precursors: dict[str, Any]
    series: tuple[tuple[int, float, float], ...] = ()
    routes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    gas_chemical_potentials_eV: dict[str, float] = field(default_factory=dict)
    origin: str = field(default="energies", compare=False)

    @classmethod
    def from_dict(cls, data: Any, origin: str = "energies") -> ExchangeEnergies:
        """Checked: the keys, whole n_exchanged >= 1, finite energies, a series of fractions in (0, 1]."""
        where = f"energies file {origin}"
        if not isinstance(data, dict):
            raise InputError(f"{where}: expected a JSON object")
        missing = [k for k in ("host_energy_eV", "exchanged_energy_eV", "n_exchanged", "precursors") if k not in data]
        if missing:
            raise InputError(f"{where}: missing {', '.join(missing)}")
        if not isinstance(data["precursors"], dict):
            raise InputError(f"{where}: 'precursors' must map formula -> energy per formula unit (eV)")
        if not _whole(data["n_exchanged"]):
            raise InputError(f"{where}: n_exchanged must be a whole number >= 1, got {data['n_exchanged']!r:.40}")
        host = require_finite(data["host_energy_eV"], f"{where}: host_energy_eV")
        exchanged = require_finite(data["exchanged_energy_eV"], f"{where}: exchanged_energy_eV")
        precursors = {require_text(formula, f"{where}: precursor formula"): require_finite(energy, f"{where}: energy of {formula}")
                      for formula, energy in data["precursors"].items()}
        routes = data.get("routes", {})
        if not isinstance(routes, dict) or not all(
                isinstance(products, list) and products and all(isinstance(p, str) for p in products) for products in routes.values()):
            raise InputError(f"{where}: 'routes' must map a precursor formula to a list of product formulas")
        gases = data.get("gas_chemical_potentials_eV", {})
        if not isinstance(gases, dict):
            raise InputError(f"{where}: 'gas_chemical_potentials_eV' must map a gas formula to its chemical potential (eV)")
        gases = {require_text(gas, f"{where}: gas formula"): require_finite(mu, f"{where}: chemical potential of {gas}")
                 for gas, mu in gases.items()}
        return cls(host, exchanged, int(data["n_exchanged"]), precursors, _series(data.get("series", []), where),
                   {k: tuple(v) for k, v in routes.items()}, gases, origin)

    def route_terms(self, ion: str) -> dict[str, tuple[str, float]]:
        """Each route as (its products, Δ_route = Σ ν_j E_j + ν_gas μ_gas − E(precursor)) for :func:`screen_precursors`."""
        terms = {}
        for formula, products in self.routes.items():
            gases = [p for p in products if p in self.gas_chemical_potentials_eV]
            if len(gases) != 1 or formula not in self.precursors:
                raise InputError(f"energies file {self.origin}: route of {formula} needs its energy in 'precursors' and exactly one "
                                 "product in 'gas_chemical_potentials_eV'")
            absent = [p for p in products if p not in gases and p not in self.precursors]
            if absent:
                raise InputError(f"energies file {self.origin}: route of {formula} needs the energies of {', '.join(absent)}")
            mu = self.gas_chemical_potentials_eV[gases[0]]
            release = gas_release(formula, ion, products, gases[0], self.precursors, dict.fromkeys([formula, *products], 0.0), mu, mu,
                                  float("nan"), float("nan"))
            terms[formula] = (release.products, release.salt_term_eV)
        return terms

    @classmethod
    def from_file(cls, path: str | Path) -> ExchangeEnergies:
        """The JSON energies file ``path`` (read by :func:`~sselab.validation.read_json_file`), checked by :meth:`from_dict`."""
        return cls.from_dict(read_json_file(path, "energies file"), str(path))


def _series(items: Any, where: str) -> tuple[tuple[int, float, float], ...]:
    """The optional dilute-check series: [{n_exchanged, concentration (fraction), exchanged_energy_eV}, ...]."""
    if not isinstance(items, list):
        raise InputError(f"{where}: 'series' must be a list")
    series = []
    for number, item in enumerate(items):
        try:
            n, c, e = item["n_exchanged"], require_finite(item["concentration"], ""), require_finite(item["exchanged_energy_eV"], "")
            if not _whole(n):
                raise ValueError
        except (KeyError, TypeError, ValueError):  # InputError is a ValueError: one message for every malformed item
            raise InputError(f"{where}: series item {number} needs n_exchanged (whole number >= 1), "
                             "concentration and exchanged_energy_eV (finite numbers)") from None
        if not 0 < c <= 1:
            raise InputError(f"{where}: series item {number}: concentration must be a fraction in (0, 1] "
                             f"(got {c}) and the energy finite")
        series.append((int(n), c, e))
    return tuple(series)
