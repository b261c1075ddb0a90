"""Uniaxial tension at a constant engineering strain rate (what ``fix deform … erate`` does in LAMMPS).

The cell length along ``axis`` grows as L(t) = L₀ (1 + ε̇ t), with L₀ the length when the tension
starts and t the production time; atoms follow the cell affinely (``remap x``). The two lateral axes
are either free (a Nosé–Hoover barostat holds their stress at zero: the uniaxial-stress test that gives
E and ν) or held at their lengths at the start of the pull (uniaxial strain). Before the pull the cell is
equilibrated stress-free on all three axes in either case. Temperature: Nosé–Hoover at the run's.

Units: ε̇ in 1/ps (LAMMPS metal units); 5 × 10⁻⁴ /ps = 5 × 10⁸ /s is seed 003's rate read as per ps
(printed "0.0005/fs", which would reach 15 % in 0.3 ps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sselab.errors import InputError
from sselab.validation import require_range

__all__ = ["LATERAL_CONDITIONS", "MAX_STRAIN_RATE_PER_PS", "UniaxialTension", "tension_steps"]

LATERAL_CONDITIONS = ("free", "fixed")
#: above 0.1 /ps (10¹¹ /s) the cell stretches faster than sound crosses a nanometre cell: no longer a tension test
MAX_STRAIN_RATE_PER_PS = 0.1


@dataclass(frozen=True)
class UniaxialTension:
    """Engineering strain rate (1/ps) along ``axis`` ("x", "y" or "z"), lateral axes "free" or "fixed"."""

    strain_rate_per_ps: float = 5e-4
    axis: str = "z"
    lateral: str = "free"

    def __post_init__(self) -> None:
        require_range(self.strain_rate_per_ps, "strain rate", low=0.0, low_inclusive=False, high=MAX_STRAIN_RATE_PER_PS, unit="1/ps")
        if self.axis not in ("x", "y", "z"):
            raise InputError(f"tension axis must be x, y or z, got {self.axis!r}")
        if self.lateral not in LATERAL_CONDITIONS:
            raise InputError(f"lateral must be 'free' (zero lateral stress) or 'fixed' (lateral lengths held), got {self.lateral!r}")

    @property
    def lateral_axes(self) -> tuple[str, str]:
        return tuple(a for a in ("x", "y", "z") if a != self.axis)  # type: ignore[return-value]


def tension_steps(tension: UniaxialTension, max_strain: float, timestep_fs: float) -> int:
    """MD steps that take the engineering strain from 0 to ``max_strain`` (in (0, 1)) at ``tension``'s rate."""
    strain = require_range(max_strain, "maximum strain", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    step = require_range(timestep_fs, "timestep", low=0.0, low_inclusive=False, unit="fs")
    return math.ceil(strain / (tension.strain_rate_per_ps * step / 1000.0) - 1e-9)
