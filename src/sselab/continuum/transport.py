"""Transport laws fitted to MD diffusivities: Arrhenius, seed 000 eq. 8, Nernst–Einstein.

All functions take and return SI numbers (K, Pa, m²/s, S/m) except activation energies, which
are eV per ion.

* Arrhenius: ln D = ln D₀ − E_a/(k_B T), fitted by generalised least squares on ln D, so the
  statistical error of each D (its ln-space standard error, σ_D/D) weights its point.
* Seed 000 eq. 8 at one temperature T_fit: D(σ, C) = D₁ exp(−σ V*/(R T_fit)) (1 − C/d), σ
  compressive positive, V* per mole (Table 1 prints m³; it divides R T), C and d as site
  fractions. Fitted by non-linear least squares on ln D.
* Nernst–Einstein (seed 004 eq. 7): σ_ion = n (z e)² D/(k_B T), with n the number density of
  the carrier. The seed writes ρ F² z² D/(R T) and calls ρ a "mass density"; dimensionally ρ
  must be a molar concentration (mol/m³), which is n/N_A, so both forms agree. The Haven ratio
  is taken as 1 (no cross-correlations between ions), as in the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from sselab.constants import BOLTZMANN, BOLTZMANN_EV, ELEMENTARY_CHARGE, GAS_CONSTANT
from sselab.errors import InputError, SSELabError


def _positive_finite(name: str, values: np.ndarray) -> None:
    if not np.all(np.isfinite(values)):
        raise SSELabError(f"{name} must be finite numbers")
    if np.any(values <= 0):
        raise SSELabError(f"{name} must be positive")


@dataclass(frozen=True)
class ArrheniusFit:
    """ln D = ln D₀ − E_a/(k_B T); standard errors from the GLS covariance (NaN when undetermined)."""

    log_prefactor: float  # ln(D₀ / (m²/s))
    activation_energy_eV: float
    covariance: np.ndarray  # 2×2 of (ln D₀, E_a)
    r_squared: float
    points: int
    reduced_chi_squared: float = float("nan")  # with stated errors; NaN without, or with two points

    @property
    def prefactor(self) -> float:
        return float(np.exp(self.log_prefactor))

    @property
    def activation_energy_stderr_eV(self) -> float:
        return float(np.sqrt(self.covariance[1, 1]))

    @property
    def log_prefactor_stderr(self) -> float:
        return float(np.sqrt(self.covariance[0, 0]))

    def diffusivity(self, temperature: float | np.ndarray) -> np.ndarray:
        """D (m²/s) at temperature (K)."""
        return np.exp(self.log_prefactor - self.activation_energy_eV / (BOLTZMANN_EV * np.asarray(temperature, dtype=float)))

    def log_diffusivity_stderr(self, temperature: float) -> float:
        """Standard error of ln D(T) from the parameter covariance (the extrapolation error)."""
        gradient = np.array([1.0, -1.0 / (BOLTZMANN_EV * temperature)])
        return float(np.sqrt(gradient @ self.covariance @ gradient))


def fit_arrhenius(temperature: np.ndarray, log_diffusivity: np.ndarray, log_covariance: np.ndarray | None = None) -> ArrheniusFit:
    """GLS line through ln D against −1/(k_B T).

    ``log_covariance`` is the covariance of the ln D values (diagonal (σ_D/D)² for independent
    runs); without it the points are weighted equally and the covariance of the parameters is
    scaled by the residual variance (NaN with only two points). With it, the covariance is the
    GLS one, (Xᵀ W X)⁻¹, scaled by the reduced χ² when that exceeds 1 (the Birge ratio: points
    that scatter more than their errors allow widen the parameter errors, never narrow them).
    """
    t = np.asarray(temperature, dtype=float)
    y = np.asarray(log_diffusivity, dtype=float)
    if t.ndim != 1 or t.shape != y.shape:
        raise SSELabError("temperatures and diffusivities must be 1D arrays of one length")
    _positive_finite("temperatures", t)
    if not np.all(np.isfinite(y)):
        raise SSELabError("diffusivities must be positive finite numbers")
    if np.unique(t).size < 2:
        raise SSELabError("an Arrhenius fit needs at least two temperatures")
    design = np.column_stack([np.ones_like(t), -1.0 / (BOLTZMANN_EV * t)])
    if log_covariance is None:
        weight = np.eye(t.size)
    else:
        covariance = np.asarray(log_covariance, dtype=float)
        if covariance.shape != (t.size, t.size) or not np.all(np.isfinite(covariance)) or np.any(np.diag(covariance) <= 0):
            raise SSELabError("every diffusivity needs a positive, finite standard error for a weighted Arrhenius fit")
        weight = np.linalg.inv(covariance)
    normal = design.T @ weight @ design
    parameters = np.linalg.solve(normal, design.T @ weight @ y)
    residual = y - design @ parameters
    if log_covariance is None:
        dof = t.size - 2
        scale = float(residual @ residual / dof) if dof > 0 else float("nan")
        parameter_covariance = scale * np.linalg.inv(normal)
        reduced_chi_squared = float("nan")
    else:
        dof = t.size - 2
        reduced_chi_squared = float(residual @ weight @ residual / dof) if dof > 0 else float("nan")
        # Birge ratio: when the points scatter more than their stated errors allow, trust the scatter
        parameter_covariance = np.linalg.inv(normal) * (max(1.0, reduced_chi_squared) if dof > 0 else 1.0)
    spread = float(np.sum((y - y.mean()) ** 2))
    return ArrheniusFit(
        log_prefactor=float(parameters[0]),
        activation_energy_eV=float(parameters[1]),
        covariance=parameter_covariance,
        r_squared=1 - float(residual @ residual) / spread if spread > 0 else float("nan"),
        points=int(t.size),
        reduced_chi_squared=reduced_chi_squared,
    )


@dataclass(frozen=True)
class StressConcentrationFit:
    """Seed 000 eq. 8 at ``temperature``: D = D₁ exp(−σ V*/(R T)) (1 − C/d)."""

    prefactor: float  # D₁, m²/s
    activation_volume: float  # V*, m³/mol
    saturation_concentration: float  # d, site fraction
    temperature: float  # K
    stderr: dict[str, float]  # of "prefactor", "activation_volume", "saturation_concentration"
    rms_log_residual: float
    points: int

    def diffusivity(self, stress: np.ndarray | float, concentration: np.ndarray | float) -> np.ndarray:
        return stress_concentration_diffusivity(
            np.asarray(stress, dtype=float), np.asarray(concentration, dtype=float), self.prefactor, self.activation_volume,
            self.saturation_concentration, self.temperature,
        )


#: How the activation-volume term of eq. 9 (V*) and eq. 10 (V‡) reads the stress σ of an exchanged layer
#: (equibiaxial in-plane stress σ_xx = σ_yy = σ, σ_zz = 0 at the free surface of a thin layer; every component
#: compressive positive): "hydrostatic" uses the layer's pressure p = (σ_xx + σ_yy + σ_zz)/3 = 2σ/3, the quantity V
#: was fitted against (the MD cells of seed 000 §2.2 and of ``sselab md`` are strained hydrostatically; sselab's fits
#: use each run's pressure) — the consistent reading and the default, if the activation volume is isotropic (the deviatoric
#: part of the biaxial stress is neglected); "biaxial" uses σ itself, as the paper applies eq. 9 and eq. 10.
STRESS_COUPLINGS = {"hydrostatic": 2.0 / 3.0, "biaxial": 1.0}
DEFAULT_STRESS_COUPLING = "hydrostatic"


def check_stress_coupling(coupling: str) -> str:
    """``coupling`` if it names a :data:`STRESS_COUPLINGS` entry; otherwise a one-line error."""
    if not isinstance(coupling, str) or coupling not in STRESS_COUPLINGS:
        raise InputError(f"stress coupling must be one of {', '.join(STRESS_COUPLINGS)}, got {coupling!r}")
    return coupling


def activation_stress(layer_stress, coupling: str = DEFAULT_STRESS_COUPLING):
    """The stress (Pa) that multiplies an activation volume fitted to hydrostatic MD: 2σ/3 ("hydrostatic") or σ
    ("biaxial", the paper's eq. 9/10) for an equibiaxial layer stress σ (:data:`STRESS_COUPLINGS`)."""
    return STRESS_COUPLINGS[check_stress_coupling(coupling)] * np.asarray(layer_stress, dtype=float)


def stress_concentration_diffusivity(stress, concentration, prefactor, activation_volume, saturation_concentration, temperature):
    """Eq. 8 (m²/s): stress in Pa (compressive positive), V* in m³/mol, C and d site fractions."""
    return prefactor * np.exp(-stress * activation_volume / (GAS_CONSTANT * temperature)) * (1 - concentration / saturation_concentration)


def fit_stress_concentration(stress: np.ndarray, concentration: np.ndarray, diffusivity: np.ndarray, temperature: float) -> StressConcentrationFit:
    """Least-squares fit of eq. 8 on ln D (so relative errors count equally).

    Needs at least two concentrations (to separate D₁ from d) and two stresses (for V*). The
    start is the linear fit of ln D against σ and C (ln(1 − C/d) ≈ −C/d). Standard errors from
    the Jacobian, J ᵀJ scaled by the residual variance (NaN when there is no spare point).
    """
    s, c, d = (np.asarray(a, dtype=float) for a in (stress, concentration, diffusivity))
    if not (s.shape == c.shape == d.shape) or s.ndim != 1:
        raise SSELabError("stress, concentration and diffusivity must be 1D arrays of one length")
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(c))):
        raise SSELabError("stresses and concentrations must be finite numbers")
    _positive_finite("diffusivities", d)
    _positive_finite("concentrations", c)
    if np.any(c >= 1):
        raise SSELabError("concentrations are site fractions below 1 (1.7 % is 0.017)")
    if not temperature > 0:
        raise SSELabError(f"the fit temperature must be positive, got {temperature}")
    if np.unique(c).size < 2:
        raise SSELabError("eq. 8 needs diffusivities at two or more concentrations to separate D1 from d")
    if np.unique(s).size < 2:
        raise SSELabError("eq. 8 needs diffusivities at two or more stresses to fit V*")
    rt = GAS_CONSTANT * temperature
    linear = np.column_stack([np.ones_like(s), -s / rt, -c])
    (log_d1, volume, inverse_d), *_ = np.linalg.lstsq(linear, np.log(d), rcond=None)
    if not inverse_d > 0:
        raise SSELabError(
            "the diffusivity does not fall with concentration, so eq. 8's (1 - C/d) has no positive d; "
            "the data do not follow eq. 8"
        )

    def residual(p: np.ndarray) -> np.ndarray:
        log_prefactor, v, log_saturation = p
        return log_prefactor - s * v / rt + np.log1p(-c / np.exp(log_saturation)) - np.log(d)

    start = np.array([log_d1, volume, np.log(max(1.0 / inverse_d, 1.01 * c.max()))])
    lower = np.array([-np.inf, -np.inf, np.log(c.max()) + 1e-9])
    result = least_squares(residual, start, bounds=(lower, np.full(3, np.inf)), x_scale="jac")
    log_prefactor, v, log_saturation = result.x
    dof = s.size - 3
    rss = float(result.fun @ result.fun)
    if dof > 0:
        covariance = rss / dof * np.linalg.pinv(result.jac.T @ result.jac)
        prefactor, saturation = np.exp(log_prefactor), np.exp(log_saturation)
        stderr = {
            "prefactor": float(prefactor * np.sqrt(covariance[0, 0])),
            "activation_volume": float(np.sqrt(covariance[1, 1])),
            "saturation_concentration": float(saturation * np.sqrt(covariance[2, 2])),
        }
    else:
        stderr = dict.fromkeys(("prefactor", "activation_volume", "saturation_concentration"), float("nan"))
    return StressConcentrationFit(
        prefactor=float(np.exp(log_prefactor)),
        activation_volume=float(v),
        saturation_concentration=float(np.exp(log_saturation)),
        temperature=float(temperature),
        stderr=stderr,
        rms_log_residual=float(np.sqrt(rss / s.size)),
        points=int(s.size),
    )


def nernst_einstein_conductivity(number_density: float, charge_number: float, diffusivity: float, temperature: float) -> float:
    """σ = n (z e)² D/(k_B T) in S/m; n in 1/m³, D in m²/s, T in K (Haven ratio 1)."""
    if not temperature > 0:
        raise SSELabError(f"temperature must be positive for the Nernst-Einstein conductivity, got {temperature}")
    return float(number_density * (charge_number * ELEMENTARY_CHARGE) ** 2 * diffusivity / (BOLTZMANN * temperature))
