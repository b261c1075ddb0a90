"""Apparent fracture strength of an edge flaw in a residual-stress field (seed 000, eq. 6).

An edge crack of depth a, loaded in mode I by a remote tension σ_perm and the residual stress
σ_c(x) (compressive positive, x from the free surface), fails when

    K_IC = Y σ_perm √(πa) − Y · 2√(a/π) ∫₀ᵃ σ_c(x) / √(a² − x²) dx,

the weight-function result for an edge flaw (Tada, Paris & Irwin). Hence

    σ_perm(a) = K_IC / (Y √(πa)) + (2/π) ∫₀ᵃ σ_c(x) / √(a² − x²) dx.      ("weight-function")

Under a uniform σ_c the integral is π/2·σ_c, so σ_perm = native + σ_c.

The printed eq. 6 carries 2√a/π in place of 2√(a/π); solved the same way it gives

    σ_perm(a) = K_IC / (Y √(πa)) + (2/π^{3/2}) ∫₀ᵃ σ_c(x) / √(a² − x²) dx,   ("printed")

i.e. the residual-stress benefit divided by √π. Both are offered; see docs/ion_exchange.md for
which one reproduces the paper's numbers.

The residual stress is taken as piecewise linear between nodes (the solver's cell centres plus
the faces); on each segment the singular kernel is integrated exactly,
∫ (α + βx)/√(a² − x²) dx = α·arcsin(x/a) − β·√(a² − x²).
Assumptions: linear-elastic fracture mechanics, a sharp straight crack normal to the surface,
flaw small against the plate (a ≪ L) so that one shape factor Y applies.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from sselab.errors import InputError

FractureForm = Literal["weight-function", "printed"]
FRACTURE_FORMS: tuple[FractureForm, ...] = ("weight-function", "printed")


def native_strength(fracture_toughness: float, shape_factor: float, flaw_size: np.ndarray | float) -> np.ndarray:
    """Griffith strength K_IC / (Y √(π a)) in Pa (K_IC in Pa·m^½, a in m)."""
    a = np.asarray(flaw_size, dtype=float)
    if np.any(~(a > 0)) or np.any(~np.isfinite(a)):
        raise InputError("flaw size must be positive and finite")
    return fracture_toughness / (shape_factor * np.sqrt(np.pi * a))


def kernel_integral(nodes: np.ndarray, stress: np.ndarray, flaw_size: np.ndarray | float) -> np.ndarray:
    """∫₀ᵃ σ(x)/√(a² − x²) dx (Pa) for a piecewise-linear σ through (``nodes``, ``stress``).

    ``nodes`` must start at 0 and be non-decreasing; a repeated node is a jump in σ. ``flaw_size``
    may be an array; each a must lie within the nodes' range.
    """
    a = np.atleast_1d(np.asarray(flaw_size, dtype=float))
    if np.any(a <= 0) or np.any(a > nodes[-1]):
        raise InputError(f"flaw size must lie in (0, {nodes[-1]:.4g}] m")
    x0, x1 = nodes[:-1], nodes[1:]
    s0, s1 = stress[:-1], stress[1:]
    width = x1 - x0
    slope = np.divide(s1 - s0, width, out=np.zeros_like(width), where=width > 0)
    intercept = s0 - slope * x0
    lo = np.minimum(x0[None, :], a[:, None])
    hi = np.minimum(x1[None, :], a[:, None])
    ratio_lo = lo / a[:, None]
    ratio_hi = hi / a[:, None]
    root_lo = a[:, None] * np.sqrt(np.clip(1.0 - ratio_lo**2, 0.0, None))
    root_hi = a[:, None] * np.sqrt(np.clip(1.0 - ratio_hi**2, 0.0, None))
    pieces = intercept * (np.arcsin(ratio_hi) - np.arcsin(ratio_lo)) - slope * (root_hi - root_lo)
    result = pieces.sum(axis=1)
    return result if np.ndim(flaw_size) else result[:1]


def check_form(form: str) -> FractureForm:
    """``form`` if it names a form of eq. 6 (see the module docstring), else an :class:`InputError`."""
    if form not in FRACTURE_FORMS:
        raise InputError(f"fracture_form must be one of {', '.join(FRACTURE_FORMS)}, got {form!r}")
    return form  # type: ignore[return-value]


def uniform_stress_factor(form: FractureForm) -> float:
    """σ_perm gained per unit of uniform residual stress: 1 (weight-function) or 1/√π (printed)."""
    check_form(form)
    return 1.0 if form == "weight-function" else 1.0 / np.sqrt(np.pi)


def residual_stress_benefit(
    nodes: np.ndarray, stress: np.ndarray, flaw_size: np.ndarray | float, form: FractureForm = "weight-function"
) -> np.ndarray:
    """The residual-stress term of σ_perm (Pa): (2/π)∫… ("weight-function") or (2/π^{3/2})∫… ("printed")."""
    return uniform_stress_factor(form) * (2.0 / np.pi) * kernel_integral(nodes, stress, flaw_size)


def permissible_stress(
    nodes: np.ndarray,
    stress: np.ndarray,
    flaw_size: np.ndarray | float,
    fracture_toughness: float,
    shape_factor: float,
    form: FractureForm = "weight-function",
) -> np.ndarray:
    """σ_perm(a) = native strength + residual-stress benefit (Pa); see the module docstring."""
    return native_strength(fracture_toughness, shape_factor, flaw_size) + residual_stress_benefit(
        nodes, stress, flaw_size, form
    )


def theoretical_maximum_strength(
    flaw_size: np.ndarray | float,
    thickness: float,
    fracture_toughness: float,
    shape_factor: float,
    fracture_strength: float,
    safety_factor: float = 1.0,
    form: FractureForm = "weight-function",
) -> np.ndarray:
    """Upper bound of σ_perm(a) for a two-sided exchange that just encapsulates the flaw (Pa).

    Seed 000 §3.5: the exchanged layer reaches exactly the flaw depth and the centre carries
    exactly the fracture strength σ_f (divided by ``safety_factor``). Taking the layer as a
    uniform compressive step of depth a on both faces (among profiles that do not increase with
    depth, the one that puts the most compression on the flaw for a given centre tension),
    force balance gives σ_comp · 2a = (σ_f/s) · (L − 2a), and a uniform stress over the flaw
    adds itself to the native strength (times 1/√π in the printed form of eq. 6):
    σ_max = K_IC/(Y√(πa)) + f · (σ_f/s)(L − 2a)/(2a).
    """
    a = np.asarray(flaw_size, dtype=float)
    if np.any(a >= thickness / 2):
        raise InputError("flaw size must be smaller than half the thickness")
    if not (safety_factor >= 1 and np.isfinite(safety_factor)):
        raise InputError(f"safety factor must be finite and at least 1, got {safety_factor}")
    tension = fracture_strength / safety_factor
    benefit = uniform_stress_factor(form) * tension * (thickness - 2 * a) / (2 * a)
    return native_strength(fracture_toughness, shape_factor, a) + benefit
