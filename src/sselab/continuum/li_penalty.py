"""Li⁺ diffusivity under stress in ion-exchanged LLZO (seed 000, eq. 10, §3.6).

    D_Li(T, σ) = D₀ · exp(−σ V‡/(R T)) · exp(−E_a/(k_B T))

σ in Pa (compressive positive), V‡ in m³/mol, E_a in eV per ion (the paper's E_a/RT with E_a per
mole is the same factor), D in m²/s.

Two-step fit (the paper's procedure, after its refs. 18 and 68), from MD diffusivities D(T, σ):
1. at each temperature, ln D is linear in σ with slope −V‡/(R T), giving V‡ and the
   zero-stress intercept ln D(T, 0);
2. the intercepts are linear in 1/T: ln D(T, 0) = ln D₀ − E_a/(k_B T) gives E_a and D₀.
Standard errors come from the least-squares covariances (see :func:`fit_two_step`). The model
assumes V‡ independent of T and E_a independent of σ.

In the fit σ is the MD cell's hydrostatic pressure. Applied to an exchanged layer under equibiaxial stress σ_c
(:func:`li_penalty`), the consistent σ is the layer's pressure 2σ_c/3 (the default); the paper uses σ_c itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import linregress

from sselab.constants import BOLTZMANN_EV, GAS_CONSTANT
from sselab.continuum.transport import DEFAULT_STRESS_COUPLING, activation_stress, fit_arrhenius
from sselab.errors import InputError
from sselab.validation import require_range

ROOM_TEMPERATURE = 300.0
#: Bounds of eq. 10's parameters: D₀ ≤ 1 m²/s (10⁴ times any solid's), |V‡| ≤ 10⁻³ m³/mol (1000 cm³/mol), |E_a| ≤ 20 eV.
#: A negative E_a is allowed (a fit to noisy MD data may give one); its sign is for the reader to judge.
MAX_PREFACTOR_M2_PER_S, MAX_ACTIVATION_VOLUME_M3_PER_MOL, MAX_ACTIVATION_ENERGY_EV = 1.0, 1e-3, 20.0


@dataclass(frozen=True)
class LiDiffusionLaw:
    """Eq. 10 parameters with optional standard errors (NaN where unknown)."""

    prefactor: float  # D₀, m²/s
    activation_volume: float  # V‡, m³/mol
    activation_energy_eV: float  # E_a, eV
    prefactor_log_stderr: float = float("nan")  # standard error of ln D₀
    activation_volume_stderr: float = float("nan")
    activation_energy_stderr_eV: float = float("nan")
    log_prefactor_energy_covariance: float = 0.0  # cov(ln D₀, E_a), eV

    def __post_init__(self) -> None:
        for name in ("prefactor", "activation_volume", "activation_energy_eV"):
            if not np.isfinite(getattr(self, name)):
                raise InputError(f"eq. 10 parameter {name} must be finite, got {getattr(self, name)}")
        if not self.prefactor > 0:
            raise InputError(f"diffusion prefactor D0 must be positive, got {self.prefactor}")
        require_range(self.prefactor, "eq. 10 prefactor D0", high=MAX_PREFACTOR_M2_PER_S, unit="m^2/s")
        require_range(self.activation_volume, "eq. 10 activation_volume", low=-MAX_ACTIVATION_VOLUME_M3_PER_MOL,
                      high=MAX_ACTIVATION_VOLUME_M3_PER_MOL, unit="m^3/mol")
        require_range(self.activation_energy_eV, "eq. 10 activation_energy_eV", low=-MAX_ACTIVATION_ENERGY_EV,
                      high=MAX_ACTIVATION_ENERGY_EV, unit="eV")

    def diffusivity(self, temperature: np.ndarray | float, stress: np.ndarray | float = 0.0) -> np.ndarray:
        """D_Li (m²/s) at temperature (K) and stress (Pa, compressive positive)."""
        t = np.asarray(temperature, dtype=float)
        if np.any(t <= 0):
            raise InputError("temperature must be positive")
        s = np.asarray(stress, dtype=float)
        with np.errstate(over="ignore", under="ignore"):  # out-of-range results are checked where they are used
            return self.prefactor * np.exp(-s * self.activation_volume / (GAS_CONSTANT * t)) * np.exp(
                -self.activation_energy_eV / (BOLTZMANN_EV * t)
            )

    def log_diffusivity_stderr(self, temperature: float, stress: float = 0.0) -> float:
        """Standard error of ln D at (T, σ).

        var = σ²(ln D₀) + σ²(E_a)/(k_BT)² − 2 cov(ln D₀, E_a)/(k_BT) + (σ/RT)² σ²(V‡); the
        covariance of V‡ with the Arrhenius pair is neglected (zero at σ = 0). NaN without errors.
        """
        k_t = np.float64(BOLTZMANN_EV * temperature)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # out of float range: NaN, not an exception
            variance = (
                np.float64(self.prefactor_log_stderr) ** 2
                + (self.activation_energy_stderr_eV / k_t) ** 2
                - 2 * self.log_prefactor_energy_covariance / k_t
                + (np.float64(stress) / (GAS_CONSTANT * np.float64(temperature))) ** 2 * self.activation_volume_stderr**2
            )
        return float(np.sqrt(variance)) if np.isfinite(variance) and variance >= 0 else float("nan")


@dataclass(frozen=True)
class TwoStepFit:
    law: LiDiffusionLaw
    temperatures: np.ndarray  # K, the distinct temperatures
    activation_volume_per_temperature: np.ndarray  # m³/mol, step 1
    zero_stress_log_diffusivity: np.ndarray  # ln(m²/s), step-1 intercepts
    arrhenius_r_squared: float


def fit_two_step(temperature: np.ndarray, stress: np.ndarray, diffusivity: np.ndarray) -> TwoStepFit:
    """Fit eq. 10 to MD data (arrays of equal length; K, Pa, m²/s). See the module docstring.

    Step 1 is one least-squares fit of ln D = a_T − σ V‡/(R T) with an intercept a_T per
    temperature and a shared V‡ (pooled residual variance). Step 2 is a generalised least-squares
    line through the a_T against 1/T, weighted by step 1's covariance of the a_T, so the errors
    of E_a and ln D₀ carry step 1's scatter. Errors are NaN when step 1 has no spare degree of
    freedom.
    """
    t = np.asarray(temperature, dtype=float)
    s = np.asarray(stress, dtype=float)
    d = np.asarray(diffusivity, dtype=float)
    if not (t.shape == s.shape == d.shape) or t.ndim != 1:
        raise InputError("temperature, stress and diffusivity must be 1D arrays of one length")
    if not (np.isfinite(t).all() and np.isfinite(s).all() and np.isfinite(d).all()):
        raise InputError("temperatures, stresses and diffusivities must all be finite numbers")
    if np.any(d <= 0):
        raise InputError("diffusivities must be positive")
    if np.any(t <= 0):
        raise InputError("temperatures must be positive")
    levels, which = np.unique(t, return_inverse=True)
    if levels.size < 2:
        raise InputError("the two-step fit needs at least two temperatures")
    for level in levels:
        if np.unique(s[t == level]).size < 2:
            raise InputError(f"the two-step fit needs at least two stresses at {level:g} K")
    per_temperature = np.array([-linregress(s[t == level], np.log(d[t == level])).slope * GAS_CONSTANT * level for level in levels])

    design = np.column_stack([np.eye(levels.size)[which], -s / (GAS_CONSTANT * t)])
    coefficients, *_ = np.linalg.lstsq(design, np.log(d), rcond=None)
    dof = t.size - design.shape[1]
    residual = np.log(d) - design @ coefficients
    variance = float(residual @ residual / dof) if dof > 0 else float("nan")
    covariance = variance * np.linalg.inv(design.T @ design)
    intercepts, volume = coefficients[:-1], float(coefficients[-1])

    step_one_known = dof > 0 and variance > 0
    arrhenius = fit_arrhenius(levels, intercepts, covariance[:-1, :-1] if step_one_known else None)
    parameter_covariance = arrhenius.covariance if step_one_known else np.full((2, 2), np.nan)
    law = LiDiffusionLaw(
        prefactor=arrhenius.prefactor,
        activation_volume=volume,
        activation_energy_eV=arrhenius.activation_energy_eV,
        prefactor_log_stderr=float(np.sqrt(parameter_covariance[0, 0])),
        activation_volume_stderr=float(np.sqrt(covariance[-1, -1])) if dof > 0 else float("nan"),
        activation_energy_stderr_eV=float(np.sqrt(parameter_covariance[1, 1])),
        log_prefactor_energy_covariance=float(parameter_covariance[0, 1]),
    )
    return TwoStepFit(
        law=law,
        temperatures=levels,
        activation_volume_per_temperature=per_temperature,
        zero_stress_log_diffusivity=intercepts,
        arrhenius_r_squared=arrhenius.r_squared,
    )


@dataclass(frozen=True)
class LiPenalty:
    """D_Li of the exchanged material at (T, σ) against bulk LLZO at (T, 0)."""

    temperature: float
    stress: float
    exchanged_zero_stress: float  # m²/s
    exchanged_stressed: float  # m²/s
    bulk: float  # m²/s
    log_stderr: float

    @property
    def ratio_zero_stress(self) -> float:
        return self.exchanged_zero_stress / self.bulk

    @property
    def ratio_stressed(self) -> float:
        return self.exchanged_stressed / self.bulk


def li_penalty(exchanged: LiDiffusionLaw, bulk: LiDiffusionLaw, temperature: float = ROOM_TEMPERATURE, stress: float = 0.0,
               stress_coupling: str = DEFAULT_STRESS_COUPLING) -> LiPenalty:
    """Extrapolate both laws to ``temperature`` and compare (stress applies to the exchanged layer).

    ``stress`` is the layer's equibiaxial in-plane stress (compressive positive); V‡ multiplies
    :func:`~sselab.continuum.transport.activation_stress` of it: 2σ/3 ("hydrostatic", the pressure V‡ is fitted
    against; default) or σ ("biaxial", the paper's eq. 10).

    A diffusivity that leaves float64's range there (0 or ∞: the extrapolation is too far from the fitted
    temperatures, or the stress too large for V‡) is refused rather than reported as a ratio of 0 or NaN.
    """
    pressure = float(activation_stress(stress, stress_coupling))
    values = {
        "exchanged_zero_stress": float(exchanged.diffusivity(temperature, 0.0)),
        "exchanged_stressed": float(exchanged.diffusivity(temperature, pressure)),
        "bulk": float(bulk.diffusivity(temperature, 0.0)),
    }
    for name, value in values.items():
        if not (np.isfinite(value) and value > 0):
            raise InputError(f"D_Li ({name.replace('_', ' ')}) at {temperature:g} K and {stress:g} Pa is {value:g} m^2/s, "
                             "outside float64's range: too far an extrapolation of eq. 10")
    return LiPenalty(temperature=temperature, stress=stress, **values,
                     log_stderr=exchanged.log_diffusivity_stderr(temperature, pressure))
