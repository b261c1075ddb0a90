"""Fracture toughness: energy release rate G ↔ stress intensity K, work of fracture, periodic crack arrays.

Seed 003 (You et al., ACS AMI 2025) reads toughness from tensile MD in two steps:

* eq. 1, the work of fracture per crack area, ``G_c = (V / A_crack) ∫ σ dε`` (V the initial volume,
  σ and ε the stress and engineering strain along the load). It is a work per area of crack: it grows
  with the cell length along the load (V/A = L), because all the elastic energy stored before the
  break is counted. The crack area is either the cross-section (one crack plane) or the two new
  surfaces (2 × the cross-section); the seed does not say which, so both are reported.
* eq. 2, Irwin's relation ``K_IC = √(G_c E')``, with ``E' = E / (1 − ν²)`` in plane strain and ``E' = E``
  in plane stress. The seed calls ν "μ" and defines it inverted in the text; here ν = −ε_lateral/ε_axial.

For an anisotropic crystal Irwin's relation takes the Sih–Paris–Irwin form, evaluated by matscipy
(:class:`matscipy.fracture_mechanics.crack.CubicCrystalCrack`), which has it with the rotation of C_ij into
the crack frame: ``G = K² (−a22/2) Im((μ1 + μ2)/(μ1 μ2))`` with the compliances a_ij of the crack frame
and the roots μ of the characteristic equation. It reduces to the isotropic form when C11 − C12 = 2 C44.
Assumption: the plane normal to the crack front is a mirror plane of the crystal (true for the low-index
fronts of a cubic crystal); other orientations, where mode I couples to anti-plane shear, are refused.

A stress-based K for a crack in a periodic cell: an infinite row of collinear cracks of length 2a and
period W under remote tension σ (Irwin 1957; Tada, Paris & Irwin, The Stress Analysis of Cracks Handbook,
case 5.1)::

    K = σ √(W tan(π a / W))          → σ √(π a) as a / W → 0

Units: SI throughout (Pa, m, J/m², Pa·√m).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np

from sselab.errors import InputError
from sselab.validation import require_finite, require_positive, require_range

__all__ = [
    "PLANE_STATES",
    "PlaneState",
    "anisotropic_stress_intensity",
    "check_plane_state",
    "effective_modulus",
    "energy_release_rate",
    "periodic_crack_stress_intensity",
    "stress_intensity",
    "work_of_fracture",
]

PlaneState = Literal["strain", "stress"]
PLANE_STATES: tuple[str, ...] = ("strain", "stress")


def check_plane_state(plane: str) -> PlaneState:
    """``plane`` if it is "strain" or "stress"."""
    if plane not in PLANE_STATES:
        raise InputError(f"plane must be 'strain' or 'stress', got {plane!r}")
    return plane  # type: ignore[return-value]


def check_poisson_ratio(poisson_ratio: float) -> float:
    """ν in (−1, 0.5): outside it an isotropic solid is not stable."""
    return require_range(poisson_ratio, "Poisson ratio", low=-1.0, high=0.5, low_inclusive=False, high_inclusive=False)


def effective_modulus(youngs_modulus_Pa: float, poisson_ratio: float, plane: str = "strain") -> float:
    """E' (Pa): E / (1 − ν²) in plane strain, E in plane stress."""
    modulus = require_positive(youngs_modulus_Pa, "Young's modulus", "Pa")
    nu = check_poisson_ratio(poisson_ratio)
    return modulus / (1.0 - nu * nu) if check_plane_state(plane) == "strain" else modulus


def stress_intensity(energy_release_rate_J_per_m2: float, youngs_modulus_Pa: float, poisson_ratio: float,
                     plane: str = "strain") -> float:
    """K (Pa·√m) = √(G E') from the energy release rate G (J/m², ≥ 0): seed 003 eq. 2."""
    g = require_range(energy_release_rate_J_per_m2, "energy release rate G", low=0.0, unit="J/m^2")
    return math.sqrt(g * effective_modulus(youngs_modulus_Pa, poisson_ratio, plane))


def energy_release_rate(stress_intensity_Pa_sqrt_m: float, youngs_modulus_Pa: float, poisson_ratio: float,
                        plane: str = "strain") -> float:
    """G (J/m²) = K² / E' from the stress intensity K (Pa·√m, ≥ 0)."""
    k = require_range(stress_intensity_Pa_sqrt_m, "stress intensity K", low=0.0, unit="Pa m^0.5")
    return k * k / effective_modulus(youngs_modulus_Pa, poisson_ratio, plane)


def anisotropic_stress_intensity(energy_release_rate_J_per_m2: float, stiffness_Pa: np.ndarray, crack_plane: Sequence[float],
                                 crack_front: Sequence[float], plane: str = "strain") -> float:
    """Mode-I K (Pa·√m) of a straight crack in a crystal with stiffness ``stiffness_Pa`` (6×6 Voigt, Pa, in the
    crystal frame) whose faces are normal to ``crack_plane`` and whose front runs along ``crack_front`` (both
    crystal-frame directions, mutually perpendicular); Sih–Paris–Irwin through matscipy."""
    from matscipy.fracture_mechanics.crack import CubicCrystalCrack

    g = require_range(energy_release_rate_J_per_m2, "energy release rate G", low=0.0, unit="J/m^2")
    stiffness = np.asarray(stiffness_Pa, dtype=float)
    if stiffness.shape != (6, 6) or not np.all(np.isfinite(stiffness)):
        raise InputError("the stiffness must be a finite 6x6 Voigt matrix (Pa)")
    if not np.allclose(stiffness, stiffness.T, rtol=1e-8, atol=1e-6 * np.abs(stiffness).max()):
        raise InputError("the stiffness matrix must be symmetric")
    if np.linalg.eigvalsh(stiffness).min() <= 0:
        raise InputError("the stiffness matrix is not positive definite (the crystal is mechanically unstable)")
    normal, front = (np.asarray(v, dtype=float) for v in (crack_plane, crack_front))
    for name, vector in (("crack plane normal", normal), ("crack front", front)):
        if vector.shape != (3,) or not np.all(np.isfinite(vector)) or np.linalg.norm(vector) == 0:
            raise InputError(f"the {name} must be a non-zero 3-vector, got {vector.tolist()!r}")
    if abs(normal @ front) > 1e-8 * np.linalg.norm(normal) * np.linalg.norm(front):
        raise InputError(f"the crack front {front.tolist()} must lie in the crack plane (perpendicular to {normal.tolist()})")
    state = "plane strain" if check_plane_state(plane) == "strain" else "plane stress"
    crack = CubicCrystalCrack(normal, front, C=stiffness, stress_state=state)
    # matscipy's reduction keeps in-plane terms only: exact when the plane normal to the front is a mirror plane of
    # the crystal (no coupling of in-plane stress to anti-plane shear, S14 = S15 = S24 = S25 = 0 in the crack frame)
    coupling = np.abs(crack.S[np.ix_([0, 1], [3, 4])]).max()
    if coupling > 1e-8 * np.abs(crack.S).max():
        raise InputError("this crack orientation couples mode I to anti-plane shear (the plane normal to the front is not a "
                         "mirror plane of the crystal): the mode-I Griffith K is not defined for it here")
    return float(crack.k1g(g / 2.0)) if g > 0 else 0.0  # matscipy's k1g takes the surface energy γ = G/2


def periodic_crack_stress_intensity(stress_Pa: float, half_length_m: float, period_m: float) -> float:
    """K (Pa·√m) = σ √(W tan(π a / W)) of a row of collinear cracks of length 2a and period W under σ."""
    sigma = require_finite(stress_Pa, "stress")
    a = require_positive(half_length_m, "crack half-length", "m")
    w = require_positive(period_m, "crack period (cell width)", "m")
    if 2 * a >= w:
        raise InputError(f"the crack (length 2a = {2 * a:.4g} m) must be shorter than the cell width it repeats over ({w:.4g} m)")
    return sigma * math.sqrt(w * math.tan(math.pi * a / w))


def work_of_fracture(strain: Sequence[float], stress_Pa: Sequence[float], volume_m3: float, crack_area_m2: float) -> float:
    """Seed 003 eq. 1: G_c = (V / A_crack) ∫ σ dε (J/m²), trapezoidal over the given engineering strains."""
    eps = np.asarray(strain, dtype=float)
    sigma = np.asarray(stress_Pa, dtype=float)
    if eps.ndim != 1 or eps.shape != sigma.shape or len(eps) < 2:
        raise InputError("strain and stress must be 1-D arrays of the same length, at least two points")
    if not (np.all(np.isfinite(eps)) and np.all(np.isfinite(sigma))):
        raise InputError("strain and stress must be finite")
    if np.any(np.diff(eps) <= 0):
        raise InputError("the strain must increase monotonically along the curve")
    volume = require_positive(volume_m3, "volume", "m^3")
    area = require_positive(crack_area_m2, "crack area", "m^2")
    return float(volume / area * np.trapezoid(sigma, eps))
