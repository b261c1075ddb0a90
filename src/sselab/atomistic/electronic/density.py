"""Where an excess electron (or hole) goes: density differences on the cell's grid, windows, localization.

A :class:`DensityGrid` holds a number density n(r) (electrons per Å³) on the periodic real-space grid of a cell:
value ``[i, j, k]`` at fractional position (i/N₁, j/N₂, k/N₃). Integrals are Riemann sums, ∫n dV = Σ n ΔV with
ΔV = V/N₁N₂N₃, exact for the plane-wave-represented part of a periodic density up to the grid's band limit.

- Excess density of a cell with charge q against the neutral cell at the same geometry: Δn = n_q − n_0, with
  ∫Δn dV = −q electrons (q = −1: one extra electron).
- Planar average along cell vector c (likewise a, b): the line density λ(z) = ∫∫ Δn dA (electrons per Å) on the
  planes parallel to a and b, z the distance from the plane through the origin (fractional coordinate × the
  interplanar spacing). ∫ λ dz = ∫ Δn dV.
- A window NAME:AXIS=LO:HI is the slab LO ≤ z ≤ HI (Å, along that axis' normal, as above). Its fraction is
  ∫_window Δn dV / ∫ Δn dV; the part outside every window is reported as ``rest``.
- Localization volume V_loc = (∫Δn dV)² / ∫Δn² dV (Å³): the cell volume for a uniform density, the volume of the
  region for a density uniform on a region, small for a localized one. ``V_loc / V`` is the participation ratio.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sselab.atomistic.electronic.states import interplanar_spacing
from sselab.errors import InputError

AXES = {"a": 0, "b": 1, "c": 2, "x": 0, "y": 1, "z": 2}
_WINDOW = re.compile(r"^\s*([A-Za-z0-9_.+-]+)\s*:\s*([abcxyzABCXYZ])\s*=\s*([^:]+):([^:]+)\s*$")


@dataclass(frozen=True)
class DensityGrid:
    """n(r) in electrons per Å³ on the periodic grid of ``cell`` (Å)."""

    values: np.ndarray
    cell: np.ndarray

    def __post_init__(self) -> None:
        if self.values.ndim != 3 or min(self.values.shape) < 1:
            raise InputError(f"a density grid needs three dimensions, got shape {self.values.shape}")
        if not np.isfinite(self.values).all():
            raise InputError("the density grid holds non-finite values")

    @property
    def volume_A3(self) -> float:
        return float(abs(np.linalg.det(self.cell)))

    @property
    def voxel_A3(self) -> float:
        return self.volume_A3 / self.values.size

    def integral(self) -> float:
        """∫ n dV (electrons)."""
        return float(self.values.sum() * self.voxel_A3)

    def minus(self, other: DensityGrid) -> DensityGrid:
        if other.values.shape != self.values.shape or not np.allclose(other.cell, self.cell, atol=1e-6):
            raise InputError("the two densities are on different grids or cells: compute them at the same geometry and settings")
        return DensityGrid(self.values - other.values, self.cell)


@dataclass(frozen=True)
class Window:
    """The slab ``low_A`` ≤ z ≤ ``high_A`` along the normal of the planes spanned by the two other cell vectors."""

    name: str
    axis: int
    low_A: float
    high_A: float


def parse_window(text: str) -> Window:
    """``"gb:c=10:14"`` → Window("gb", 2, 10.0, 14.0)."""
    match = _WINDOW.match(text or "")
    if not match:
        raise InputError(f"window {text!r}: expected NAME:AXIS=LO:HI with AXIS one of a, b, c and LO, HI in A, e.g. gb:c=10:14")
    name, axis, low, high = match.groups()
    try:
        low_A, high_A = float(low), float(high)
    except ValueError:
        raise InputError(f"window {text!r}: LO and HI must be numbers of A") from None
    if not (np.isfinite(low_A) and np.isfinite(high_A)) or high_A <= low_A:
        raise InputError(f"window {text!r}: needs finite LO < HI")
    return Window(name, AXES[axis.lower()], low_A, high_A)


def check_windows(windows: Sequence[Window], cell: np.ndarray) -> None:
    """Refuse windows outside the cell, windows along different axes, duplicated names, and overlapping windows."""
    names = [w.name for w in windows]
    if len(set(names)) != len(names) or "rest" in names:
        raise InputError("window names must be distinct and not 'rest'")
    if len({w.axis for w in windows}) > 1:
        raise InputError("all windows must lie along one axis")
    for window in windows:
        spacing = interplanar_spacing(cell, window.axis)
        if window.low_A < 0 or window.high_A > spacing + 1e-9:
            raise InputError(f"window {window.name}: {window.low_A:g}..{window.high_A:g} A lies outside the cell "
                             f"(0..{spacing:.3f} A along {'abc'[window.axis]})")
    ordered = sorted(windows, key=lambda w: w.low_A)
    for first, second in zip(ordered, ordered[1:]):
        if second.low_A < first.high_A:
            raise InputError(f"windows {first.name} and {second.name} overlap")


def planar_average(grid: DensityGrid, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """z (Å, grid planes) and λ(z) (electrons per Å), with Σ λ Δz = ∫ n dV."""
    n = grid.values.shape[axis]
    spacing = interplanar_spacing(grid.cell, axis)
    other = tuple(i for i in range(3) if i != axis)
    line = grid.values.sum(axis=other) * grid.voxel_A3 / (spacing / n)
    return np.arange(n) * spacing / n, line


def window_fractions(grid: DensityGrid, windows: Sequence[Window]) -> dict[str, float]:
    """∫_window n dV / ∫ n dV for each window, and ``rest`` for what no window holds.

    Grid plane i stands for the slab z_i ± Δz/2 (the midpoint rule); a plane at a window's edge counts with the share
    of its slab inside the window, so that the fractions converge as Δz² with the grid.
    """
    check_windows(windows, grid.cell)
    total = grid.integral()
    if abs(total) < 1e-6:
        raise InputError("the density integrates to zero: there is no excess charge to share among windows")
    fractions: dict[str, float] = {}
    for window in windows:
        z, line = planar_average(grid, window.axis)
        spacing = interplanar_spacing(grid.cell, window.axis)
        dz = spacing / len(z)
        share = sum(np.clip(np.minimum(window.high_A + shift, z + dz / 2) - np.maximum(window.low_A + shift, z - dz / 2), 0.0, dz)
                    for shift in (-spacing, 0.0, spacing))
        fractions[window.name] = float((line * share).sum()) / total
    fractions["rest"] = 1.0 - sum(fractions.values())
    return fractions


def localization_volume(grid: DensityGrid) -> float:
    """V_loc = (∫n dV)² / ∫n² dV, Å³ (see the module docstring)."""
    square = float((grid.values**2).sum() * grid.voxel_A3)
    if square == 0:
        raise InputError("the density is zero everywhere")
    return grid.integral() ** 2 / square
