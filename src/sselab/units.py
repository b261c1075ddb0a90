"""Quantities at the edges: parse user text with pint into SI floats.

Bare numbers are taken in the kind's unit: SI (``"0.001"`` for a thickness means 1 mm), except
energies, which are eV (``"0.3"`` for a formation energy means 0.3 eV); text with units is
converted (``"1 mm"``, ``"20 um"``, ``"1 GPa"``, ``"1200 K"``, ``"6 min"``, ``"7 %"``).
Anything that does not parse, or parses to the wrong dimension, raises :class:`SSELabError`.

Text is read with a small grammar, never evaluated: a decimal number, then optionally a unit made
of unit names joined by ``*``, ``/`` or spaces, each with an optional small exponent (``**2``,
``^-1``, ``**0.5``, ``²``), optionally led by ``1/`` or ``/`` (``"8.5 1/nm^2"``); ``·`` for a product;
``%`` and ``°C`` too. Parenthesised exponents (``m^(1/2)``) are not read: write ``m**0.5``. Expressions such as ``9**9**9 m`` or ``(1+2) m`` are
refused before pint sees them (pint would evaluate them, and an exponent tower never returns).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import pint

from sselab.errors import InputError

#: SI unit for each kind of quantity the CLI and parameter files accept.
SI_UNITS = {
    "length": "m",
    "time": "s",
    "temperature": "K",
    "pressure": "Pa",
    "energy": "eV",
    "diffusivity": "m**2/s",
    "molar_volume": "m**3/mol",
    "toughness": "Pa*m**0.5",
    "conductivity": "S/m",
    "current_density": "A/m**2",
    "dimensionless": "dimensionless",
    "surface_energy": "J/m**2",
    "areal_density": "1/m**2",
    "rate": "1/s",
}


_NUMBER = r"[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?|(?i:nan|inf(?:inity)?))"
_UNIT_NAME = r"(?:[A-Za-z\u00b5\u03bc\u00c5\u2126_]+|%|\u00b0[CF]?)"
_POWER = r"(?:\s*(?:\*\*|\^)\s*[+-]?\d(?:\.\d{1,3})?)?"
_FACTOR = _UNIT_NAME + _POWER
_QUANTITY = re.compile(
    rf"^\s*(?P<number>{_NUMBER})?\s*(?P<unit>(?:1?\s*/\s*)?{_FACTOR}(?:\s*(?:\*|/|\s)\s*{_FACTOR})*)?\s*$"
)
#: typographic forms written as the grammar's own: a middle dot for a product, superscript powers
_TYPOGRAPHIC = {"\u00b7": "*", "\u22c5": "*", "\u207b\u00b9": "**-1", "\u207b\u00b2": "**-2", "\u207b\u00b3": "**-3",
                "\u00b9": "**1", "\u00b2": "**2", "\u00b3": "**3"}
#: longest quantity text read (a quantity is a number and a unit, never a paragraph)
_MAX_LENGTH = 80


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    return pint.UnitRegistry(autoconvert_offset_to_baseunit=True)


def parse_quantity(value: str | float | int, kind: str, name: str = "value") -> float:
    """Return ``value`` in the SI unit of ``kind`` (see :data:`SI_UNITS`).

    Energies are returned in eV, the unit of atomistic work (molar energies such as kJ/mol are
    divided by Avogadro's number); everything else in SI.
    """
    if kind not in SI_UNITS:
        raise ValueError(f"unknown quantity kind {kind!r}")
    if isinstance(value, bool):
        raise InputError(f"{name}: expected a number or a quantity with units, got {value!r}")
    number = _to_si(value, kind, name)
    if not math.isfinite(number):
        raise InputError(f"{name}: must be finite, got {value!r}")
    return number


def _to_si(value: str | float | int, kind: str, name: str) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        raise InputError(f"{name}: expected a number or a quantity with units, got {value!r}")
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    for typographic, plain in _TYPOGRAPHIC.items():
        text = text.replace(typographic, plain)
    match = _QUANTITY.match(text) if len(text) <= _MAX_LENGTH else None
    if match is None or not (match["number"] or match["unit"]):
        raise InputError(f"{name}: cannot read {text[:_MAX_LENGTH]!r} as a quantity (expected a number and a unit, e.g. '1 GPa')")
    ureg = registry()
    try:
        magnitude = float(match["number"]) if match["number"] else 1.0
        unit = (match["unit"] or "dimensionless").replace("^", "**")
        unit = f"1{unit}" if unit.startswith("/") else unit
        quantity = ureg.Quantity(magnitude, ureg.parse_units(unit))
        if kind == "energy" and quantity.check("[energy]/[substance]"):
            quantity = quantity / ureg.avogadro_constant  # molar energies (kJ/mol) per particle
        return float(quantity.to(SI_UNITS[kind]).magnitude)
    except pint.DimensionalityError:
        raise InputError(f"{name}: {text!r} is not a {kind.replace('_', ' ')} (expected units like {SI_UNITS[kind]})") from None
    except Exception:  # pint raises several unrelated types for unparseable text
        raise InputError(f"{name}: cannot read {text!r} as a quantity") from None
