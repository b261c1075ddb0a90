"""The atomistic engine: calculators with their identity, the ase.db result cache, relaxations.

Every atomistic entry point takes ``calculator=`` as a name, an ASE calculator object or an
:class:`Engine`; :func:`as_engine` turns any of them into an engine.
"""

from sselab.atomistic.engine.calculators import (
    CalculatorSpec,
    LoadedCalculator,
    known_names,
    load_calculator,
    register_calculator,
)
from sselab.atomistic.engine.core import FMAX_LIMIT, Engine, as_engine, require_force_tolerance

__all__ = ["FMAX_LIMIT", "CalculatorSpec", "Engine", "LoadedCalculator", "as_engine", "known_names", "load_calculator",
           "register_calculator", "require_force_tolerance"]
