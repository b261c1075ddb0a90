"""Classical Born-model force fields: formal charges, Buckingham short range, core-shell ions.

The model (Born model of an ionic solid, Dick-Overhauser shell model for polarisable ions)::

    E = sum_{i<j} q_i q_j / (4 pi eps0 r_ij)                  Coulomb, every core and shell pair
                                                              except a core and its own shell
      + sum_{pairs} A exp(-r/rho) - C / r^6 + D / r^8         Buckingham (+ an optional repulsive core D),
                                                              cation core - anion shell and
                                                              anion shell - anion shell
      + sum_{shells} (1/2) k |r_core - r_shell|^2             core-shell spring
      + sum_i E0(species_i)                                   per-species reference energy (fitted sets)

Units are ASE's atomistic ones: A in eV, rho in Å, C in eV Å^6, D in eV Å^8, charges in e, k in eV/Å²
with the GULP / DL_POLY convention E = k d²/2 (LAMMPS ``bond_style harmonic`` takes K = k/2). The pair
term is LAMMPS' ``born`` form with sigma = 0. D > 0 makes a pair repulsive at short range whatever its
charges and C (a Buckingham term alone turns over, and a cation-anion pair under Coulomb attraction
collapses once a melt carries it over the top of A exp(-r/rho)). The reference energies E0 change no
force: they put the classical energy on the scale of the data a set was fitted to (an MLIP or DFT),
so that energies of different compositions can be compared.

A polarisable species carries ``core_charge`` + ``shell_charge`` (+ spring, shell mass); a rigid ion
carries ``charge``. Packaged sets live in ``sselab/params/data/forcefields`` with a source for every
number; ``load_forcefield`` also reads a user's TOML file of the same form. Unknown keys, pairs of
unknown species, missing cation-anion or anion-anion pairs and charge-imbalanced reference formulas
are refused with :class:`~sselab.errors.InputError`.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sselab.errors import InputError
from sselab.params import packaged_names, read_table
from sselab.validation import read_text_file

__all__ = [
    "BuckinghamPair",
    "ForceField",
    "IonSpecies",
    "forcefield_names",
    "forcefield_table",
    "formula_charge",
    "load_forcefield",
    "parse_kspace",
    "write_forcefield",
]

_TOP_KEYS = {"name", "source", "cutoff_A", "short_range_cutoff_A", "kspace", "reference_formulas", "validity", "species", "pairs", "fit"}
_RIGID_KEYS = {"charge", "reference_energy_eV", "source"}
_SHELL_KEYS = {"core_charge", "shell_charge", "spring_eV_per_A2", "shell_mass_amu", "reference_energy_eV", "source"}
_PAIR_KEYS = {"A_eV", "rho_A", "C_eVA6", "D_eVA8", "source"}
_NEUTRAL_TOL = 1e-6
#: largest real-space cutoff accepted (Å): beyond it the neighbour lists of a periodic cell explode
MAX_CUTOFF_A = 30.0
KSPACE_SOLVERS = ("ewald", "pppm")


@dataclass(frozen=True)
class IonSpecies:
    """One ion of the model: a rigid ion (``shell_charge is None``) or a core-shell ion.

    charge = core_charge + shell_charge (e). The spring energy is k d²/2 (k in eV/Å², d in Å); the
    shell mass (amu) is a numerical choice of adiabatic core-shell MD, not a property of the ion.
    """

    symbol: str
    core_charge: float
    shell_charge: float | None = None
    spring_eV_per_A2: float | None = None
    shell_mass_amu: float | None = None
    source: str = ""
    reference_energy_eV: float = 0.0

    @property
    def polarizable(self) -> bool:
        """True for a core-shell ion."""
        return self.shell_charge is not None

    @property
    def charge(self) -> float:
        """Total ionic charge q = q_core + q_shell (e)."""
        return self.core_charge + (self.shell_charge or 0.0)

    @property
    def short_range_site(self) -> str:
        """Which particle carries the Buckingham terms: "shell" for a core-shell ion, else "core"."""
        return "shell" if self.polarizable else "core"

    def polarizability_A3(self) -> float | None:
        """Free-ion polarisability of the shell model, alpha = Y² / k, in Å³ (Gaussian units).

        alpha = Y² e² / (4 pi eps0 k) = 14.3996 eV·Å × Y² / k; None for a rigid ion.
        """
        if not self.polarizable:
            return None
        coulomb_eV_A = 14.399645  # e² / (4 pi eps0) in eV·Å
        return coulomb_eV_A * self.shell_charge**2 / self.spring_eV_per_A2


@dataclass(frozen=True)
class BuckinghamPair:
    """Short-range term between species ``a`` and ``b``: V(r) = A exp(-r/rho) - C/r^6 + D/r^8 (eV, r in Å)."""

    a: str
    b: str
    A_eV: float
    rho_A: float
    C_eVA6: float
    source: str = ""
    D_eVA8: float = 0.0

    def energy_eV(self, r_A: float) -> float:
        """V(r) in eV for a separation r in Å (r > 0)."""
        if r_A <= 0:
            raise InputError(f"Buckingham {self.a}-{self.b}: separation must be positive, got {r_A} Å")
        return self.A_eV * math.exp(-r_A / self.rho_A) - self.C_eVA6 / r_A**6 + self.D_eVA8 / r_A**8

    def key(self) -> frozenset[str]:
        """Unordered pair of species symbols."""
        return frozenset((self.a, self.b))


@dataclass(frozen=True)
class ForceField:
    """A complete Born/shell-model force field: species, pairs, real-space cutoff and k-space solver."""

    name: str
    source: str
    cutoff_A: float
    kspace: str
    species: Mapping[str, IonSpecies]
    pairs: tuple[BuckinghamPair, ...]
    reference_formulas: tuple[str, ...] = ()
    short_range_cutoff_A: float | None = None  # cutoff of the short-range terms when shorter than the Coulomb one
    validity: str = ""  # where a fitted set may be used, and where not
    fit: Mapping[str, Any] = field(default_factory=dict)  # provenance of a fitted set: teacher, data hash, weights, errors

    @property
    def rigid(self) -> bool:
        """True when no species carries a shell (a rigid-ion model: 1–2 fs MD steps, ASE evaluation through ``ff:NAME``)."""
        return not any(s.polarizable for s in self.species.values())

    @property
    def elements(self) -> frozenset[str]:
        """Element symbols the force field can describe."""
        return frozenset(self.species)

    def pair(self, a: str, b: str) -> BuckinghamPair | None:
        """The Buckingham term between ``a`` and ``b`` (either order), or None."""
        wanted = frozenset((a, b))
        for pair in self.pairs:
            if pair.key() == wanted:
                return pair
        return None

    def require(self, symbols: Iterable[str]) -> None:
        """Raise InputError unless every symbol is a species of this force field."""
        missing = sorted(set(symbols) - set(self.species))
        if missing:
            raise InputError(
                f"force field {self.name} has no parameters for {', '.join(missing)} (it covers {', '.join(sorted(self.species))})"
            )

    def parameters_sha256(self) -> str:
        """SHA-256 of every number that enters the model (charges, springs, shell masses, pairs, cutoff, k-space).

        Names and sources are left out: two files with the same numbers give the same dynamics. A run
        records it so that a resume with an edited force-field file is refused. The repulsive D and the
        reference energies enter only where non-zero, so a set without them keeps the hash it had before
        they existed.
        """
        numbers = {
            "cutoff_A": self.cutoff_A, "kspace": self.kspace,
            **({"short_range_cutoff_A": self.short_range_cutoff_A} if self.short_range_cutoff_A else {}),
            "species": {s.symbol: [s.core_charge, s.shell_charge, s.spring_eV_per_A2, s.shell_mass_amu,
                                   *([s.reference_energy_eV] if s.reference_energy_eV else [])]
                        for s in sorted(self.species.values(), key=lambda s: s.symbol)},
            "pairs": sorted([*sorted((p.a, p.b)), p.A_eV, p.rho_A, p.C_eVA6, *([p.D_eVA8] if p.D_eVA8 else [])]
                            for p in self.pairs),
        }
        return hashlib.sha256(json.dumps(numbers, sort_keys=True).encode()).hexdigest()

    def total_charge(self, symbols: Iterable[str]) -> float:
        """Sum of ionic charges (e) of a list of element symbols."""
        symbols = list(symbols)
        self.require(symbols)
        return math.fsum(self.species[s].charge for s in symbols)


def formula_charge(forcefield: ForceField, formula: str) -> float:
    """Total charge (e) of a chemical formula such as "Li7La3Zr2O12" with the force field's ion charges."""
    from ase.formula import Formula

    try:
        counts = Formula(formula).count()
    except ValueError as error:
        raise InputError(f"force field {forcefield.name}: cannot read formula {formula!r}") from error
    return forcefield.total_charge(symbol for symbol, n in counts.items() for _ in range(n))


def forcefield_names() -> list[str]:
    """Names of the packaged force fields."""
    return packaged_names("forcefields")


def load_forcefield(name_or_path: str | Path) -> ForceField:
    """Read a packaged force field by name (see :func:`forcefield_names`) or a user's TOML file.

    A user's file must be UTF-8 text (an empty, binary or undecodable file is refused in one line).
    """
    if Path(name_or_path).is_file():
        read_text_file(name_or_path, "force-field file")
    table, origin = read_table(name_or_path, "forcefields")
    return _parse(table, origin)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"{where} must be a finite number, got {value!r}")
    return float(value)


def _refuse_unknown(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise InputError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")


def _parse_species(symbol: str, entry: Any, origin: str) -> IonSpecies:
    from ase.data import atomic_numbers

    where = f"{origin}: species.{symbol}"
    if symbol not in atomic_numbers or symbol == "X":
        raise InputError(f"{where}: {symbol!r} is not an element symbol")
    if not isinstance(entry, dict):
        raise InputError(f"{where} must be a table")
    source = str(entry.get("source", ""))
    reference = _number(entry.get("reference_energy_eV", 0.0), f"{where}.reference_energy_eV")
    if "charge" in entry:
        _refuse_unknown(entry, _RIGID_KEYS, where + " (rigid ion)")
        return IonSpecies(symbol, _number(entry["charge"], f"{where}.charge"), source=source, reference_energy_eV=reference)
    _refuse_unknown(entry, _SHELL_KEYS, where + " (core-shell ion)")
    missing = sorted(_SHELL_KEYS - {"source", "reference_energy_eV"} - set(entry))
    if missing:
        raise InputError(f"{where}: needs either 'charge' or all of core_charge, shell_charge, spring_eV_per_A2, shell_mass_amu (missing {', '.join(missing)})")
    spring = _number(entry["spring_eV_per_A2"], f"{where}.spring_eV_per_A2")
    shell_mass = _number(entry["shell_mass_amu"], f"{where}.shell_mass_amu")
    if spring <= 0:
        raise InputError(f"{where}.spring_eV_per_A2 must be positive, got {spring}")
    if not 0 < shell_mass < 0.5 * _mass(symbol):
        raise InputError(f"{where}.shell_mass_amu must lie between 0 and half the ion's mass, got {shell_mass}")
    return IonSpecies(
        symbol,
        _number(entry["core_charge"], f"{where}.core_charge"),
        _number(entry["shell_charge"], f"{where}.shell_charge"),
        spring,
        shell_mass,
        source,
        reference,
    )


def _mass(symbol: str) -> float:
    from ase.data import atomic_masses, atomic_numbers

    return float(atomic_masses[atomic_numbers[symbol]])


def _parse(table: dict[str, Any], origin: str) -> ForceField:
    _refuse_unknown(table, _TOP_KEYS, origin)
    for key in ("name", "cutoff_A", "kspace", "species", "pairs"):
        if key not in table:
            raise InputError(f"{origin}: missing key {key!r}")
    cutoff = _number(table["cutoff_A"], f"{origin}: cutoff_A")
    if not 0 < cutoff <= MAX_CUTOFF_A:
        raise InputError(f"{origin}: cutoff_A must lie in (0, {MAX_CUTOFF_A:g}] Å, got {cutoff}")
    for key in ("name", "source", "validity"):
        if key in table and not isinstance(table[key], str):
            raise InputError(f"{origin}: {key} must be a string, got {type(table[key]).__name__}")
    formulas = table.get("reference_formulas", [])
    if not isinstance(formulas, list) or not all(isinstance(f, str) for f in formulas):
        raise InputError(f"{origin}: reference_formulas must be a list of formula strings such as [\"Li7La3Zr2O12\"]")
    kspace = parse_kspace(table["kspace"], f"{origin}: kspace")
    short_range = None
    if "short_range_cutoff_A" in table:
        short_range = _number(table["short_range_cutoff_A"], f"{origin}: short_range_cutoff_A")
        if not 0 < short_range <= cutoff:
            raise InputError(f"{origin}: short_range_cutoff_A must lie in (0, cutoff_A = {cutoff:g}] Å, got {short_range}")

    if not isinstance(table["species"], dict) or not table["species"]:
        raise InputError(f"{origin}: [species] must be a non-empty table")
    species = {symbol: _parse_species(symbol, entry, origin) for symbol, entry in table["species"].items()}

    if not isinstance(table["pairs"], dict):
        raise InputError(f"{origin}: [pairs] must be a table")
    pairs: list[BuckinghamPair] = []
    seen: set[frozenset[str]] = set()
    for label, entry in table["pairs"].items():
        where = f"{origin}: pairs.\"{label}\""
        parts = label.split("-")
        if len(parts) != 2:
            raise InputError(f"{where}: a pair is named 'A-B' with two element symbols")
        a, b = parts
        for symbol in (a, b):
            if symbol not in species:
                raise InputError(f"{where}: {symbol} is not listed under [species]")
        if not isinstance(entry, dict):
            raise InputError(f"{where} must be a table")
        _refuse_unknown(entry, _PAIR_KEYS, where)
        for key in ("A_eV", "rho_A", "C_eVA6"):
            if key not in entry:
                raise InputError(f"{where}: missing {key}")
        pair = BuckinghamPair(
            a, b, _number(entry["A_eV"], f"{where}.A_eV"), _number(entry["rho_A"], f"{where}.rho_A"),
            _number(entry["C_eVA6"], f"{where}.C_eVA6"), str(entry.get("source", "")),
            _number(entry.get("D_eVA8", 0.0), f"{where}.D_eVA8"),
        )
        if pair.A_eV < 0 or pair.rho_A <= 0 or pair.C_eVA6 < 0 or pair.D_eVA8 < 0:
            raise InputError(f"{where}: need A >= 0, rho > 0, C >= 0, D >= 0 (got {pair.A_eV}, {pair.rho_A}, {pair.C_eVA6}, {pair.D_eVA8})")
        if pair.key() in seen:
            raise InputError(f"{where}: pair given twice")
        seen.add(pair.key())
        pairs.append(pair)

    forcefield = ForceField(
        name=str(table["name"]),
        source=str(table.get("source", "")),
        cutoff_A=cutoff,
        kspace=kspace,
        species=MappingProxyType(species),
        pairs=tuple(pairs),
        reference_formulas=tuple(formulas),
        short_range_cutoff_A=short_range,
        validity=str(table.get("validity", "")),
        fit=MappingProxyType(_fit_table(table.get("fit", {}), origin)),
    )
    # every cation needs a short-range term with every anion, and anions with each other: without the
    # repulsion, opposite charges collapse onto each other
    anions = [s for s in species.values() if s.charge < 0]
    cations = [s for s in species.values() if s.charge > 0]
    for anion in anions:
        for other in [*cations, *anions]:
            if forcefield.pair(anion.symbol, other.symbol) is None:
                raise InputError(f"{origin}: missing Buckingham pair {other.symbol}-{anion.symbol}")
    for formula in forcefield.reference_formulas:
        charge = formula_charge(forcefield, formula)
        if abs(charge) > _NEUTRAL_TOL:
            raise InputError(f"{origin}: reference formula {formula} carries a net charge of {charge:+.6g} e with these charges")
    return forcefield


def forcefield_table(forcefield: ForceField) -> dict[str, Any]:
    """The TOML table of ``forcefield`` (the inverse of :func:`load_forcefield`'s parsing)."""
    table: dict[str, Any] = {"name": forcefield.name, "source": forcefield.source, "cutoff_A": forcefield.cutoff_A}
    if forcefield.short_range_cutoff_A:
        table["short_range_cutoff_A"] = forcefield.short_range_cutoff_A
    table["kspace"] = forcefield.kspace
    if forcefield.reference_formulas:
        table["reference_formulas"] = list(forcefield.reference_formulas)
    if forcefield.validity:
        table["validity"] = forcefield.validity
    species: dict[str, Any] = {}
    for ion in forcefield.species.values():
        entry: dict[str, Any] = ({"charge": ion.core_charge} if not ion.polarizable else
                                 {"core_charge": ion.core_charge, "shell_charge": ion.shell_charge,
                                  "spring_eV_per_A2": ion.spring_eV_per_A2, "shell_mass_amu": ion.shell_mass_amu})
        if ion.reference_energy_eV:
            entry["reference_energy_eV"] = ion.reference_energy_eV
        if ion.source:
            entry["source"] = ion.source
        species[ion.symbol] = entry
    table["species"] = species
    table["pairs"] = {f"{p.a}-{p.b}": {"A_eV": p.A_eV, "rho_A": p.rho_A, "C_eVA6": p.C_eVA6,
                                       **({"D_eVA8": p.D_eVA8} if p.D_eVA8 else {}), **({"source": p.source} if p.source else {})}
                      for p in forcefield.pairs}
    if forcefield.fit:
        table["fit"] = dict(forcefield.fit)
    return table


def write_forcefield(forcefield: ForceField, path: str | Path, header: str = "") -> Path:
    """Write ``forcefield`` as a TOML file that :func:`load_forcefield` reads back to the same numbers; ``header``
    becomes comment lines at the top. Returns the path."""
    import tomli_w

    target = Path(path)
    comments = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines())
    target.write_text(comments + tomli_w.dumps(forcefield_table(forcefield)), encoding="utf-8")
    return target


def _fit_table(value: Any, origin: str) -> dict[str, Any]:
    """The ``[fit]`` provenance table: kept as read (it changes no number of the model), but it must be a table."""
    if not isinstance(value, dict):
        raise InputError(f"{origin}: [fit] must be a table (the provenance of a fitted set)")
    return value


def parse_kspace(text: Any, where: str = "kspace") -> str:
    """``'ewald <accuracy>'`` or ``'pppm <accuracy>'`` (accuracy in (0, 1)) rewritten from its parsed parts.

    The result is what reaches LAMMPS' ``kspace_style``: a solver name from a fixed list and a number
    formatted here, never the text as given.
    """
    parts = text.split() if isinstance(text, str) else []
    if len(parts) != 2 or parts[0] not in KSPACE_SOLVERS:
        raise InputError(f"{where} must read 'ewald <accuracy>' or 'pppm <accuracy>', got {text!r}")
    try:
        accuracy = float(parts[1])
    except ValueError:
        raise InputError(f"{where}: accuracy must be a number, got {parts[1]!r}") from None
    if not 0 < accuracy < 1:
        raise InputError(f"{where}: accuracy must lie in (0, 1), got {parts[1]}")
    return f"{parts[0]} {accuracy:g}"
