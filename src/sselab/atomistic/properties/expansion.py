"""Chemical expansion coefficient γ of ion exchange (seed 000 eq. 2, Fig. 4).

    γ = ε_c / C = (a − a₀) / (a₀ C)                                                      (eq. 2)

a is the freely expanded (fully relaxed) lattice constant at exchanged fraction C (per Li site) and a₀ the
one of the pristine host. A relaxed cell of an ordered arrangement is not exactly cubic; its equivalent cubic
lattice constant is a = (V / n_cells)^(1/3), the isotropic (scalar) chemical strain of randomly oriented point
defects the paper assumes. γ is the least-squares slope of ε_c against C through the origin (ε_c(0) = 0 by
definition); R² is that of the proportional model over all points including C = 0.

Fig. 4(b) plots γ against the Shannon radius of the exchange ion in six-fold coordination, with Li⁺ itself at
γ = 0; :func:`fit_size_trend` is that straight line (the paper: R² = 0.995).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import Atoms

from sselab.errors import SSELabError


def equivalent_cubic_lattice_constant(atoms: Atoms, cells: int = 1) -> float:
    """(V / cells)^(1/3) in Å for a cell holding ``cells`` conventional cells."""
    if cells < 1:
        raise SSELabError(f"cells must be at least 1, got {cells}")
    return float((atoms.get_volume() / cells) ** (1.0 / 3.0))


def _r_squared(observed: np.ndarray, predicted: np.ndarray) -> float:
    total = float(np.sum((observed - observed.mean()) ** 2))
    residual = float(np.sum((observed - predicted) ** 2))
    return 1.0 - residual / total if total > 0 else float("nan")


@dataclass(frozen=True)
class ExpansionFit:
    a0_A: float
    concentrations: tuple[float, ...]
    lattice_constants_A: tuple[float, ...]
    strains: tuple[float, ...]
    gamma: float
    r_squared: float

    def strain_at(self, concentration: float) -> float:
        return self.gamma * concentration


def fit_chemical_expansion(a0_A: float, concentrations: list[float], lattice_constants_A: list[float]) -> ExpansionFit:
    """γ from relaxed lattice constants at exchanged fractions ``concentrations`` (> 0) and the host's a₀."""
    c = np.asarray(concentrations, dtype=float)
    a = np.asarray(lattice_constants_A, dtype=float)
    if c.size < 1 or c.size != a.size:
        raise SSELabError("give one lattice constant per concentration (at least one)")
    if np.any(c <= 0) or np.any(c > 1):
        raise SSELabError(f"concentrations must lie in (0, 1], got {c.tolist()}")
    if not a0_A > 0 or np.any(a <= 0):
        raise SSELabError("lattice constants must be positive")
    strain = (a - a0_A) / a0_A
    gamma = float(np.dot(c, strain) / np.dot(c, c))
    all_c = np.concatenate([[0.0], c])
    all_strain = np.concatenate([[0.0], strain])
    return ExpansionFit(a0_A, tuple(c.tolist()), tuple(a.tolist()), tuple(strain.tolist()), gamma,
                        _r_squared(all_strain, gamma * all_c))


def shannon_radius(element: str, charge: int = 1, coordination: str = "VI") -> float:
    """Shannon (1976) ionic radius in Å from pymatgen's table."""
    from pymatgen.core import Species

    try:
        return float(Species(element, charge).get_shannon_radius(coordination))
    except (KeyError, ValueError):
        raise SSELabError(f"no Shannon radius for {element}{charge:+d} in {coordination}-fold coordination") from None


@dataclass(frozen=True)
class SizeTrend:
    elements: tuple[str, ...]
    radii_A: tuple[float, ...]
    gammas: tuple[float, ...]
    slope_per_A: float
    intercept: float
    r_squared: float


def fit_size_trend(elements: list[str], gammas: list[float], include_li: bool = True) -> SizeTrend:
    """Straight line γ(r) through the exchange ions (and Li⁺ at γ = 0 when ``include_li``), r = Shannon VI radius."""
    names = list(elements) + (["Li"] if include_li else [])
    values = list(gammas) + ([0.0] if include_li else [])
    if len(names) < 2:
        raise SSELabError("the size trend needs at least two ions")
    radii = np.array([shannon_radius(name) for name in names])
    g = np.asarray(values, dtype=float)
    slope, intercept = np.polyfit(radii, g, 1)
    return SizeTrend(tuple(names), tuple(radii.tolist()), tuple(g.tolist()), float(slope), float(intercept),
                     _r_squared(g, slope * radii + intercept))
