"""Checks shared by the atomistic properties and their studies: tolerances, temperatures, energies, earlier runs' fields.

- Force tolerances (:func:`check_force_tolerance`): finite, in (0, :data:`FMAX_LIMIT`] eV/Å. An ``inf``
  tolerance stops every relaxation and band at step 0 and reports unrelaxed structures as converged.
- Process temperatures (:func:`check_temperature`): in (0, :data:`MAX_TEMPERATURE_K`] K.
- Energies read from a calculator (:func:`finite_energy`): NaN or inf is a
  :class:`~sselab.errors.ConvergenceError`, never a number written to a result.
- Fields of an earlier run's summary (:func:`record_field`): present and of the expected type, or one line
  naming the run directory and the field.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

from ase import Atoms

from sselab.atomistic.engine.core import FMAX_LIMIT
from sselab.errors import ConvergenceError, InputError
from sselab.validation import require_finite, require_range

#: K. Above any temperature at which the solids of these studies (oxides, halides, metals) stay solid.
MAX_TEMPERATURE_K = 3000.0


def check_force_tolerance(value: Any, name: str) -> float:
    """A force tolerance in (0, :data:`FMAX_LIMIT`] eV/Å."""
    number = require_finite(value, name)
    if not 0 < number <= FMAX_LIMIT:
        raise InputError(f"{name} must be positive and at most {FMAX_LIMIT:g} eV/A, got {number:g}")
    return number


def check_optional_force_tolerance(value: Any, name: str) -> float | None:
    """None (a study's default or a given Engine's own), or a force tolerance (:func:`check_force_tolerance`)."""
    return None if value is None else check_force_tolerance(value, name)


def check_temperature(value: Any, name: str) -> float:
    """A process temperature in (0, :data:`MAX_TEMPERATURE_K`] K."""
    return require_range(value, name, low=0.0, high=MAX_TEMPERATURE_K, low_inclusive=False, unit="K")


def finite_energy(atoms: Atoms, what: str) -> float:
    """The potential energy of a computed structure (eV); a calculator's NaN or inf is a ConvergenceError naming ``what``."""
    energy = float(atoms.get_potential_energy())
    if not math.isfinite(energy):
        raise ConvergenceError(f"the calculator returned a non-finite energy ({energy}) for {what}")
    return energy


def finite_energies(values: Any, what: str) -> list[float]:
    """Energies (eV) as floats; any NaN or inf is a ConvergenceError naming ``what``."""
    energies = [float(v) for v in values]
    if not all(math.isfinite(e) for e in energies):
        raise ConvergenceError(f"the calculator returned a non-finite energy for {what}: {energies}")
    return energies


_KINDS = {
    "number": (lambda v: isinstance(v, Real) and not isinstance(v, bool) and math.isfinite(float(v)), "a finite number"),
    "count": (lambda v: isinstance(v, Integral) and not isinstance(v, bool) and v >= 0, "a whole number"),
    "text": (lambda v: isinstance(v, str), "text"),
    "flag": (lambda v: isinstance(v, bool), "true or false"),
    "table": (lambda v: isinstance(v, dict), "a table"),
    "list": (lambda v: isinstance(v, list), "a list"),
}


def record_field(table: Any, key: str, kind: str, where: str) -> Any:
    """``table[key]`` when it is of ``kind`` (number, count, text, flag, table or list); else one line naming ``where`` and the field."""
    if not isinstance(table, dict):
        raise InputError(f"{where}: expected a table holding {key!r}, got {type(table).__name__}")
    if key not in table:
        raise InputError(f"{where}: missing {key!r}")
    check, wanted = _KINDS[kind]
    if not check(table[key]):
        raise InputError(f"{where}: {key!r} must be {wanted}, got {table[key]!r:.60}")
    return table[key]
