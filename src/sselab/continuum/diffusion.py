"""Conservative implicit solver for 1D nonlinear diffusion through a plate.

Solves ∂C/∂t = ∂/∂x (D(C) ∂C/∂x) on 0 < x < L with C(0, t) = C_left, C(L, t) = C_right and
C(x, 0) = C_initial, in SI units (x in m, t in s, D in m²/s; C in any unit, e.g. a site fraction).

Discretisation
--------------
* Space: cell-centred finite volumes. Face fluxes use the Kirchhoff potential
  Φ(C) = ∫₀^C D(c) dc, so that J = −∂Φ/∂x ≈ −(Φ(C_R) − Φ(C_L)) / Δx. This is second order, exact
  for steady 1D states, and conservative: the flux leaving one cell enters the next, so the
  interior never creates or destroys solute.
* Time: variable-step BDF2 (L-stable, second order), started with one backward-Euler step, on
  a grid uniform in √t (t_n = t_end (n/N)²), which resolves the √t boundary layer of a
  step change in surface concentration.
* Each step is solved by Newton's method with the exact tridiagonal Jacobian (LAPACK dgtsv,
  called directly: scipy's solve_banded wrapper costs more than the solve at these sizes).
* Mesh: exponential stretching from both faces towards the centre, so that a fixed share of
  the cells lies inside the diffusion zone. Refining (doubling the cell count on the same map)
  halves every cell, which makes successive resolutions comparable for error estimation.

Mass balance: the total amount M = Σ hᵢCᵢ obeys the same BDF2 recurrence as the time integral
of the boundary fluxes, so ``uptake`` (accumulated from the fluxes through the faces) equals
``∫C dx`` up to the Newton tolerance. ``tests/test_diffusion.py`` checks it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.linalg.lapack import dgtsv
from scipy.optimize import brentq

from sselab.errors import ConvergenceError, InputError

ArrayFunction = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class NonlinearDiffusivity:
    """A concentration-dependent diffusivity D(C) (m²/s) and its Kirchhoff potential Φ(C) (m²/s · [C])."""

    diffusivity: ArrayFunction
    kirchhoff_potential: ArrayFunction


def constant_diffusivity(value_m2_per_s: float) -> NonlinearDiffusivity:
    """D(C) = D₀, Φ(C) = D₀ C."""
    return NonlinearDiffusivity(
        diffusivity=lambda c: np.full_like(np.asarray(c, dtype=float), value_m2_per_s),
        kirchhoff_potential=lambda c: value_m2_per_s * np.asarray(c, dtype=float),
    )


@dataclass(frozen=True)
class PlateMesh:
    """Cell-centred mesh on [0, L]: ``faces`` (N+1), ``centers`` (N), ``widths`` (N), in m."""

    faces: np.ndarray

    @property
    def centers(self) -> np.ndarray:
        return 0.5 * (self.faces[1:] + self.faces[:-1])

    @property
    def widths(self) -> np.ndarray:
        return np.diff(self.faces)

    @property
    def thickness(self) -> float:
        return float(self.faces[-1])


def stretching_for_fraction(depth_fraction: float, cell_fraction: float) -> float:
    """Stretching β that puts ``cell_fraction`` of a half-mesh's cells within ``depth_fraction`` of it.

    With faces at x/(L/2) = (e^{βξ} − 1)/(e^β − 1), ξ ∈ [0, 1], this solves
    (e^{β·cell_fraction} − 1)/(e^β − 1) = depth_fraction. Returns 0 (uniform) when the diffusion
    zone already covers at least ``cell_fraction`` of the half thickness.
    """
    if depth_fraction >= cell_fraction:
        return 0.0

    def share(beta: float) -> float:
        # e^{-β(1-f)}-scaled form of (e^{βf} − 1)/(e^β − 1), free of overflow for large β
        return (np.exp(-beta * (1 - cell_fraction)) - np.exp(-beta)) / -np.expm1(-beta) - depth_fraction

    return float(brentq(share, 1e-9, 2000.0, xtol=1e-12))


def symmetric_plate_mesh(thickness: float, cells_per_half: int, stretching: float) -> PlateMesh:
    """Mesh refined towards both faces, mirror-symmetric about L/2 (``stretching`` = β ≥ 0)."""
    xi = np.linspace(0.0, 1.0, cells_per_half + 1)
    if stretching > 0:
        half = 0.5 * thickness * (np.exp(-stretching * (1 - xi)) - np.exp(-stretching)) / -np.expm1(-stretching)
    else:
        half = 0.5 * thickness * xi
    faces = np.concatenate([half, thickness - half[-2::-1]])
    return PlateMesh(faces=faces)


@dataclass(frozen=True)
class DiffusionSolution:
    """C at the cell centres at ``time_s``, with the boundary values and the accumulated uptake."""

    mesh: PlateMesh
    concentration: np.ndarray
    boundary_values: tuple[float, float]
    time_s: float
    uptake: float
    """Solute that entered through both faces since t = 0 (per unit area, [C]·m), from the face fluxes."""
    time_steps: int

    @property
    def nodes(self) -> np.ndarray:
        """Positions [0, cell centres…, L] for piecewise-linear interpolation (m)."""
        return np.concatenate([[0.0], self.mesh.centers, [self.mesh.thickness]])

    @property
    def node_values(self) -> np.ndarray:
        """Concentrations at :attr:`nodes` (face values from the boundary conditions)."""
        return np.concatenate([[self.boundary_values[0]], self.concentration, [self.boundary_values[1]]])

    @property
    def amount(self) -> float:
        """∫₀ᴸ C dx from the cell averages ([C]·m)."""
        return float(np.dot(self.mesh.widths, self.concentration))


def solve_plate_diffusion(
    law: NonlinearDiffusivity,
    mesh: PlateMesh,
    boundary_values: tuple[float, float],
    time_s: float,
    time_steps: int,
    initial_value: float = 0.0,
    newton_tolerance: float = 1e-13,
    max_newton_iterations: int = 30,
) -> DiffusionSolution:
    """Integrate the diffusion equation from t = 0 to ``time_s`` (see the module docstring)."""
    if time_s <= 0:
        raise InputError(f"diffusion time must be positive, got {time_s} s")
    if time_steps < 2:
        raise InputError("at least two time steps are needed")
    widths = mesh.widths
    centers = mesh.centers
    n = centers.size
    # Distances between neighbouring unknowns; the first and last reach the faces.
    gaps = np.concatenate([[centers[0]], np.diff(centers), [mesh.thickness - centers[-1]]])
    left, right = boundary_values
    phi_left = float(law.kirchhoff_potential(np.array([left]))[0])
    phi_right = float(law.kirchhoff_potential(np.array([right]))[0])
    scale = max(abs(left), abs(right), abs(initial_value), 1e-300)

    def fluxes(c: np.ndarray) -> np.ndarray:
        """J at every face (positive towards +x), from Φ differences."""
        phi = np.concatenate([[phi_left], law.kirchhoff_potential(c), [phi_right]])
        return -np.diff(phi) / gaps

    times = time_s * (np.arange(time_steps + 1) / time_steps) ** 2
    current = np.full(n, float(initial_value))
    previous = current
    uptake_current = 0.0
    uptake_previous = 0.0
    for step in range(1, time_steps + 1):
        dt = times[step] - times[step - 1]
        if step == 1:  # backward Euler
            a0, a1, a2 = 1.0, -1.0, 0.0
        else:
            omega = dt / (times[step - 1] - times[step - 2])
            a0, a1, a2 = (1 + 2 * omega) / (1 + omega), -(1 + omega), omega**2 / (1 + omega)
        history = a1 * current + a2 * previous
        guess = current.copy()
        for _ in range(max_newton_iterations):
            j = fluxes(guess)
            residual = a0 * guess + history - dt * (j[:-1] - j[1:]) / widths
            d = law.diffusivity(guess)
            # ∂(J_in − J_out)/∂C: from J_{i-1/2} = -(Φ_i − Φ_{i-1})/g_i and J_{i+1/2} = -(Φ_{i+1} − Φ_i)/g_{i+1}
            coupling_left = d / gaps[:-1]
            coupling_right = d / gaps[1:]
            diagonal = a0 + dt * (coupling_left + coupling_right) / widths
            upper = -dt * coupling_left[1:] / widths[:-1]
            lower = -dt * coupling_right[:-1] / widths[1:]
            *_, correction, info = dgtsv(lower, diagonal, upper, -residual)  # LAPACK tridiagonal solve
            if info != 0:
                raise ConvergenceError(f"singular Newton matrix at t = {times[step]:.3g} s (LAPACK info {info})")
            guess = guess + correction
            if np.max(np.abs(correction)) <= newton_tolerance * scale:
                break
        else:
            raise ConvergenceError(
                f"Newton iteration did not converge at t = {times[step]:.3g} s; "
                "the diffusivity may vanish or change sign within the concentration range"
            )
        j = fluxes(guess)
        uptake_next = (dt * (j[0] - j[-1]) - a1 * uptake_current - a2 * uptake_previous) / a0
        previous, current = current, guess
        uptake_previous, uptake_current = uptake_current, uptake_next
    return DiffusionSolution(
        mesh=mesh,
        concentration=current,
        boundary_values=(float(left), float(right)),
        time_s=float(time_s),
        uptake=float(uptake_current),
        time_steps=time_steps,
    )
