"""A temperature ramp of part of a cell with the rest held: the stages of a melt–quench (what LAMMPS runs).

During production the ``mobile`` atoms are integrated (Nosé–Hoover thermostat on the mobile atoms only, its target
ramped linearly from the run's temperature to ``final_temperature_K`` over the production steps); every other atom is
held: never integrated, zero velocity, so it keeps its position while it exerts and feels forces. A melt is a ramp
with final = start; a quench at q K/ps from T₁ to T₀ is (T₁ − T₀)/q ps of ramp.

Pressure: with ``pressure_axis`` = x, y or z, a Berendsen barostat (LAMMPS ``fix press/berendsen``, bulk modulus
``BULK_MODULUS_BAR``) drives the stress along that axis to zero by changing the cell length and moving only the mobile
atoms with it (``dilate partial``): the melt expands along the boundary normal while the held crystal keeps its
lattice. The stress it drives to zero is the whole cell's, the held atoms' frozen virial included: a held part that is
not at its own zero stress pushes the cell without end (the study therefore keeps the cell fixed by default). "iso" scales all three axes (a whole-cell melt); None keeps the cell. The held atoms should lie in one
contiguous slab away from the cell's faces along ``pressure_axis`` (the melt straddling the faces), because a longer
cell moves a held atom's periodic images apart; :class:`sselab.studies.amorphization.MeltQuench` centres the cell so.
The pressure and temperature LAMMPS reports count the mobile atoms' kinetic energy only (the held ones have none).

Force fields with shells (core–shell) are refused: a shell has no place in a melt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sselab.errors import InputError
from sselab.validation import require_range

__all__ = ["BULK_MODULUS_BAR", "PRESSURE_AXES", "RegionAnneal", "id_ranges"]

PRESSURE_AXES = ("x", "y", "z", "iso")
#: the bulk modulus Berendsen's rescaling assumes: 50 GPa, between an oxide melt's and crystalline LLZO's (~100 GPa)
BULK_MODULUS_BAR = 5.0e5


@dataclass(frozen=True)
class RegionAnneal:
    """Indices of the atoms that move, the temperature the ramp ends at (K) and the barostat (module docstring)."""

    mobile: tuple[int, ...]
    final_temperature_K: float
    pressure_axis: str | None = "z"

    def __post_init__(self) -> None:
        if len(self.mobile) == 0:
            raise InputError("no atoms in the region to melt")
        if len(set(self.mobile)) != len(self.mobile) or min(self.mobile) < 0:
            raise InputError("the region's atom indices must be distinct and non-negative")
        require_range(self.final_temperature_K, "final temperature", low=0.0, low_inclusive=False, unit="K")
        if self.pressure_axis not in (*PRESSURE_AXES, None):
            raise InputError(f"pressure axis must be x, y, z, iso or None, got {self.pressure_axis!r}")


def id_ranges(indices: np.ndarray | tuple[int, ...]) -> str:
    """LAMMPS atom-ID ranges ("1:4 7 9:12") of zero-based ``indices`` (IDs are index + 1)."""
    ids = np.unique(np.asarray(indices, dtype=int)) + 1
    breaks = np.flatnonzero(np.diff(ids) != 1)
    starts = np.concatenate([ids[:1], ids[breaks + 1]])
    ends = np.concatenate([ids[breaks], ids[-1:]])
    return " ".join(str(a) if a == b else f"{a}:{b}" for a, b in zip(starts, ends))
