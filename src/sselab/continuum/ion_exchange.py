"""Ion-exchange residual stress in a plate and the fracture-strength gain it buys (seed 000, §2.3, §3.5).

All quantities are SI (Pa, m, s, K, m²/s, m³/mol); concentrations are site fractions of the
exchanged ion (0.07 = 7 %). Compressive stress is positive, as in the paper.

Model
-----
1. Two-sided exchange into a plate of thickness L (eq. 3/5):
   ∂C/∂t = ∂/∂x (D(C) ∂C/∂x), C(0, t) = C(L, t) = C_s, C(x, 0) = 0, with (eq. 9)
   D(C) = D₁ · exp(−f σ_c V*/(RT)) · (1 − C/d),  σ_c = M γ C,  M = E/(1 − ν) (biaxial modulus).
   As in the paper, the stress inside D is the local chemical stress M γ C, without the small
   force-balance term. f is the stress coupling (:data:`sselab.continuum.transport.STRESS_COUPLINGS`):
   V* is fitted against the hydrostatic pressure of strained MD cells, and the pressure of a layer under
   equibiaxial stress σ_c is 2σ_c/3, so the consistent default is f = 2/3 ("hydrostatic"); the paper
   applies σ_c itself, f = 1 ("biaxial"). D₁ is fitted at one temperature (Table 1: 1200 K); another temperature
   needs an activation energy, D₁(T) = D₁ exp(−E_a/k_B · (1/T − 1/T_fit)).
2. Residual stress with force balance (eq. 4, with the 1/L the printed equation lacks):
   σ_c(x) = M γ [C(x) − (1/L)∫₀ᴸ C dx]. It integrates to zero over the thickness.
3. Apparent strength of an edge flaw of depth a: see :mod:`sselab.continuum.fracture`.

Definitions used in every result: τ = L²/D_ref (D_ref = 5×10⁻¹² m²/s unless given);
exchange depth = depth at which C first falls to 1 % of C_s, measured from the x = 0 face;
centre stress = σ_c(L/2).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sselab.constants import BOLTZMANN_EV, GAS_CONSTANT
from sselab.continuum import fracture
from sselab.continuum.diffusion import (
    DiffusionSolution,
    NonlinearDiffusivity,
    solve_plate_diffusion,
    stretching_for_fraction,
    symmetric_plate_mesh,
)
from sselab.continuum.transport import DEFAULT_STRESS_COUPLING, STRESS_COUPLINGS, check_stress_coupling
from sselab.errors import ConvergenceError, InputError
from sselab.validation import require_range

DEFAULT_REFERENCE_DIFFUSIVITY = 5e-12  # m²/s, gives τ = 2×10⁵ s for L = 1 mm (seed 000 §3.5)
DEPTH_THRESHOLD = 0.01  # exchange depth: C falls to 1 % of C_s
#: √(D t) below this fraction of L is refused: the profile would be a film a few lattice constants
#: thick for a millimetre plate, and the mesh positions near x = L would fall below float spacing.
MINIMUM_DIFFUSION_LENGTH_RATIO = 1e-5

DEFINITIONS = {
    "sign_convention": "compressive stress positive; tension negative",
    "tau": "tau = L^2 / D_ref (D_ref = reference_diffusivity_m2_per_s)",
    "exchange_depth": "depth from the x = 0 face at which C first falls to 1 % of C_s",
    "center_stress": "residual stress at x = L/2 (eq. 4 with the 1/L force-balance term)",
    "sigma_permissible": "remote tension that makes an edge flaw of depth a critical (eq. 6)",
    "diffusivity": "D(C) = D1 exp(-f M gamma C V*/(R T)) (1 - C/d), M = E/(1 - nu) (eq. 9); f = 2/3 (stress_coupling "
                   "hydrostatic: the layer's pressure, against which V* is fitted) or 1 (biaxial: the paper's reading)",
}


# Physical bounds of the inputs (SI). Each refuses a number no treatment of a solid electrolyte plate can have, so
# that a slip (1e308, a unit off by 10⁹) ends in one line instead of an overflow or a meaningless result.
#: Temperatures (K): above 5000 K every oxide electrolyte has melted.
MAX_TEMPERATURE_K = 5000.0
#: Plate thickness (m): a plate thicker than 1 m is no electrolyte component.
MAX_THICKNESS_M = 1.0
#: Exchange time (s): 10¹⁰ s (about 300 years) is longer than any process.
MAX_EXCHANGE_TIME_S = 1e10
#: D_ref (m²/s): above 10⁻⁴ m²/s (gas-phase diffusion) no solid conducts; below 10⁻³⁰ m²/s τ exceeds the age of the universe.
REFERENCE_DIFFUSIVITY_RANGE = (1e-30, 1e-4)
#: Stresses (Pa): 100 GPa exceeds the theoretical strength of every oxide (about E/10).
MAX_STRESS_PA = 1e11
#: Flaw size (m): below 1 nm a "flaw" is a few bonds, outside linear-elastic fracture mechanics.
MIN_FLAW_SIZE_M = 1e-9
#: Safety factor on the centre tension, and the minimum strength gain: a factor above 100 (gain above 1000) refuses
#: every treatment, since no residual stress multiplies a strength that much.
MAX_SAFETY_FACTOR, MAX_MINIMUM_GAIN = 100.0, 1000.0
#: Host moduli and strengths (Pa, Pa·m^½) and the shape factor: beyond diamond's modulus (1.2 TPa), 100 GPa and
#: 1 GPa·m^½ (no ceramic is tougher than steel's 0.2 GPa·m^½), and Y ≤ 10.
MAX_YOUNGS_MODULUS_PA, MAX_TOUGHNESS, MAX_SHAPE_FACTOR = 2e12, 1e9, 10.0
#: Ion parameters: γ ≤ 10 (strain per site fraction), D₁ ≤ 10⁻⁴ m²/s, |V*| ≤ 10⁻³ m³/mol (1000 cm³/mol, far above any
#: ion's molar volume), 0 ≤ E_a ≤ 20 eV.
MAX_EXPANSION, MAX_DIFFUSIVITY, MAX_ACTIVATION_VOLUME, MAX_ACTIVATION_ENERGY_EV = 10.0, 1e-4, 1e-3, 20.0
#: |k d| of eq. 9's e^{-kC} above this overflows float64's exponential.
MAX_EXPONENT = 700.0


def _require_finite(owner: str, **values: float | None) -> None:
    for name, value in values.items():
        if value is not None and not np.isfinite(value):
            raise InputError(f"{owner}: {name} must be finite, got {value}")


def _require_within(owner: str, name: str, value: float | None, low: float | None, high: float, unit: str = "") -> None:
    """An upper (and optional lower) physical bound on an already finite ``value``; None passes."""
    if value is not None:
        require_range(value, f"{owner}: {name}", low=low, high=high, unit=unit)


@dataclass(frozen=True)
class Host:
    """Elastic and fracture properties of the electrolyte (SI)."""

    name: str
    youngs_modulus: float  # Pa
    poisson_ratio: float
    fracture_strength: float  # Pa, |σ_f|
    fracture_toughness: float  # Pa·m^½
    shape_factor: float  # Y of an edge flaw
    source: str = ""

    def __post_init__(self) -> None:
        _require_finite(self.name, youngs_modulus=self.youngs_modulus, poisson_ratio=self.poisson_ratio,
                        fracture_strength=self.fracture_strength, fracture_toughness=self.fracture_toughness,
                        shape_factor=self.shape_factor)
        if not self.youngs_modulus > 0:
            raise InputError(f"{self.name}: Young's modulus must be positive")
        if not -1.0 < self.poisson_ratio < 0.5:
            raise InputError(f"{self.name}: Poisson's ratio must lie in (-1, 0.5), got {self.poisson_ratio}")
        for label, value in (
            ("fracture strength", self.fracture_strength),
            ("fracture toughness", self.fracture_toughness),
            ("shape factor", self.shape_factor),
        ):
            if not value > 0:
                raise InputError(f"{self.name}: {label} must be positive, got {value}")
        _require_within(self.name, "youngs_modulus", self.youngs_modulus, None, MAX_YOUNGS_MODULUS_PA, "Pa")
        _require_within(self.name, "fracture_strength", self.fracture_strength, None, MAX_STRESS_PA, "Pa")
        _require_within(self.name, "fracture_toughness", self.fracture_toughness, None, MAX_TOUGHNESS, "Pa*m^0.5")
        _require_within(self.name, "shape_factor", self.shape_factor, None, MAX_SHAPE_FACTOR)

    @property
    def biaxial_modulus(self) -> float:
        """M = E/(1 − ν) in Pa."""
        return self.youngs_modulus / (1.0 - self.poisson_ratio)


@dataclass(frozen=True)
class ExchangeIon:
    """An exchange ion's chemical expansion and its stress- and concentration-dependent mobility."""

    name: str
    chemical_expansion_coefficient: float  # γ = ε_c / C
    diffusion_prefactor: float | None = None  # D₁, m²/s
    activation_volume: float | None = None  # V*, m³/mol
    saturation_concentration: float | None = None  # d, site fraction
    fit_temperature: float | None = None  # K
    activation_energy_eV: float | None = None
    continuum_use: bool = True
    caveat: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        _require_finite(self.name, chemical_expansion_coefficient=self.chemical_expansion_coefficient,
                        diffusion_prefactor=self.diffusion_prefactor, activation_volume=self.activation_volume,
                        saturation_concentration=self.saturation_concentration, fit_temperature=self.fit_temperature,
                        activation_energy_eV=self.activation_energy_eV)
        if not isinstance(self.continuum_use, bool):
            raise InputError(f"{self.name}: continuum_use must be true or false, got {self.continuum_use!r}")
        if self.fit_temperature is not None and not self.fit_temperature > 0:
            raise InputError(f"{self.name}: fit temperature must be positive")
        if not self.chemical_expansion_coefficient > 0:
            raise InputError(f"{self.name}: chemical expansion coefficient must be positive")
        # d > 1 is kept: d -> infinity is eq. 8's no-saturation limit, and the paper's printed eq. 6 reads d in percent
        if self.saturation_concentration is not None and not self.saturation_concentration > 0:
            raise InputError(f"{self.name}: saturation concentration d must be positive")
        if self.diffusion_prefactor is not None and not self.diffusion_prefactor > 0:
            raise InputError(f"{self.name}: diffusion prefactor D1 must be positive")
        _require_within(self.name, "chemical_expansion_coefficient", self.chemical_expansion_coefficient, None, MAX_EXPANSION)
        _require_within(self.name, "diffusion_prefactor", self.diffusion_prefactor, None, MAX_DIFFUSIVITY, "m^2/s")
        _require_within(self.name, "activation_volume", self.activation_volume, -MAX_ACTIVATION_VOLUME, MAX_ACTIVATION_VOLUME,
                        "m^3/mol")
        _require_within(self.name, "fit_temperature", self.fit_temperature, None, MAX_TEMPERATURE_K, "K")
        _require_within(self.name, "activation_energy_eV", self.activation_energy_eV, 0.0, MAX_ACTIVATION_ENERGY_EV, "eV")

    def require_transport(self) -> None:
        """Refuse an ion without the transport data (or flagged unfit) for the continuum model."""
        if not self.continuum_use:
            raise InputError(f"{self.name} is not usable in the continuum model: {self.caveat}")
        missing = [
            label
            for label, value in (
                ("diffusion_prefactor_m2_per_s", self.diffusion_prefactor),
                ("activation_volume_m3_per_mol", self.activation_volume),
                ("saturation_concentration", self.saturation_concentration),
                ("fit_temperature_K", self.fit_temperature),
            )
            if value is None
        ]
        if missing:
            raise InputError(f"{self.name}: the ion parameters lack {', '.join(missing)}")


def _one_minus_exp_times_one_plus(u: np.ndarray, largest: float) -> np.ndarray:
    """g(u) = 1 − e^{−u}(1 + u) for 0 ≤ u ≤ ``largest``.

    The closed form loses about ε/u relative accuracy to cancellation, so for ``largest`` < 0.1
    the Taylor series Σ_{n≥2} (−1)ⁿ (n − 1) uⁿ/n! (12 terms, exact to round-off there) is used.
    """
    if largest >= 0.1:
        return -np.expm1(-u) - u * np.exp(-u)
    result = np.zeros_like(u)
    for n in range(13, 1, -1):  # Horner: u²(1/2! − 2u/3! + 3u²/4! − …)
        result = result * u + (-1) ** n * (n - 1) / math.factorial(n)
    return result * u * u


@dataclass(frozen=True)
class ExchangeDiffusivity:
    """Eq. 9: D(C) = D₁ e^{−kC} (1 − C/d), with k = f M γ V*/(R T) (dimensionless per unit C; f the stress coupling)."""

    prefactor: float  # D₁ at the process temperature, m²/s
    stress_coefficient: float  # k
    saturation: float  # d

    @classmethod
    def for_process(cls, host: Host, ion: ExchangeIon, temperature: float,
                    stress_coupling: str = DEFAULT_STRESS_COUPLING) -> ExchangeDiffusivity:
        ion.require_transport()
        if not temperature > 0:
            raise InputError(f"temperature must be positive, got {temperature} K")
        prefactor = float(ion.diffusion_prefactor)
        if not np.isclose(temperature, ion.fit_temperature, rtol=0, atol=1e-6):
            if ion.activation_energy_eV is None:
                raise InputError(
                    f"{ion.name} mobility was fitted at {ion.fit_temperature:g} K; give its "
                    f"activation_energy_eV to run at {temperature:g} K"
                )
            prefactor *= np.exp(-ion.activation_energy_eV / BOLTZMANN_EV * (1 / temperature - 1 / ion.fit_temperature))
        k = (STRESS_COUPLINGS[check_stress_coupling(stress_coupling)] * host.biaxial_modulus
             * ion.chemical_expansion_coefficient * ion.activation_volume / (GAS_CONSTANT * temperature))
        if abs(k * ion.saturation_concentration) > MAX_EXPONENT:
            raise InputError(f"{ion.name} in {host.name} at {temperature:g} K: eq. 9's stress factor exp(-k C) reaches "
                             f"exp({-k * ion.saturation_concentration:.3g}), beyond float64; check E, gamma and V*")
        return cls(prefactor=prefactor, stress_coefficient=k, saturation=float(ion.saturation_concentration))

    def __call__(self, concentration: np.ndarray) -> np.ndarray:
        c = np.asarray(concentration, dtype=float)
        return self.prefactor * np.exp(-self.stress_coefficient * c) * (1.0 - c / self.saturation)

    def kirchhoff_potential(self, concentration: np.ndarray) -> np.ndarray:
        """Φ(C) = ∫₀^C D dc = D₁[(1 − e^{−kC})/k − (1 − e^{−kC}(1 + kC))/(k² d)] (→ D₁(C − C²/2d) as k → 0)."""
        c = np.asarray(concentration, dtype=float)
        k, d = self.stress_coefficient, self.saturation
        if k == 0.0:
            return self.prefactor * (c - c**2 / (2 * d))
        u = k * c
        # C < d everywhere (ExchangeProcess checks C_s < d), so u < k d
        g = _one_minus_exp_times_one_plus(u, abs(k) * d)
        return self.prefactor * (-np.expm1(-u) / k - g / (k**2 * d))

    def as_law(self) -> NonlinearDiffusivity:
        return NonlinearDiffusivity(diffusivity=self, kirchhoff_potential=self.kirchhoff_potential)

    def maximum_on(self, upper: float) -> float:
        """max D on [0, upper] (m²/s); sets how deep the mesh must resolve."""
        return float(np.max(self(np.linspace(0.0, upper, 201))))


def surface_concentration_for_stress(target_stress: float, host: Host, ion: ExchangeIon) -> float:
    """C_s = σ₀(1 − ν)/(E γ): the paper's estimate, which ignores the force-balance term of eq. 4 (σ₀ ≤ :data:`MAX_STRESS_PA`)."""
    if not target_stress > 0:
        raise InputError(f"target surface stress must be compressive (positive), got {target_stress} Pa")
    _require_within("design", "target surface stress", target_stress, None, MAX_STRESS_PA, "Pa")
    return target_stress / (host.biaxial_modulus * ion.chemical_expansion_coefficient)


def dilute_surface_concentration(formation_energy_eV: float, temperature: float) -> float:
    """C_s = exp(−E_f/(k_B T)): dilute-limit equilibrium with the precursor (seed 000 §3.2)."""
    if not temperature > 0:
        raise InputError(f"temperature must be positive, got {temperature} K")
    if formation_energy_eV < 0:
        raise InputError(
            f"formation energy {formation_energy_eV} eV is negative: the exchange is corrosive and the "
            "dilute limit does not apply"
        )
    return float(np.exp(-formation_energy_eV / (BOLTZMANN_EV * temperature)))


@dataclass(frozen=True)
class ExchangeProcess:
    """One ion-exchange treatment: material, ion, temperature (K), plate thickness (m), C_s, time (s), and how eq. 9's
    activation volume reads the layer stress (``stress_coupling``, module docstring)."""

    host: Host
    ion: ExchangeIon
    temperature: float
    thickness: float
    surface_concentration: float
    time: float
    reference_diffusivity: float = DEFAULT_REFERENCE_DIFFUSIVITY
    stress_coupling: str = DEFAULT_STRESS_COUPLING

    def __post_init__(self) -> None:
        self.ion.require_transport()
        check_stress_coupling(self.stress_coupling)
        _require_finite("process", temperature=self.temperature, thickness=self.thickness, time=self.time,
                        surface_concentration=self.surface_concentration, reference_diffusivity=self.reference_diffusivity)
        if not self.thickness > 0:
            raise InputError(f"thickness must be positive, got {self.thickness} m")
        if not self.time > 0:
            raise InputError(f"exchange time must be positive, got {self.time} s")
        if not self.reference_diffusivity > 0:
            raise InputError("reference diffusivity must be positive")
        _require_within("process", "temperature", self.temperature, None, MAX_TEMPERATURE_K, "K")
        _require_within("process", "thickness", self.thickness, None, MAX_THICKNESS_M, "m")
        _require_within("process", "time", self.time, None, MAX_EXCHANGE_TIME_S, "s")
        _require_within("process", "reference_diffusivity", self.reference_diffusivity, *REFERENCE_DIFFUSIVITY_RANGE, "m^2/s")
        c_s, d = self.surface_concentration, self.ion.saturation_concentration
        if not 0 < c_s < 1:
            raise InputError(f"surface concentration must lie in (0, 1), got {c_s}")
        if c_s >= d:
            raise InputError(
                f"surface concentration {c_s:.4g} reaches {self.ion.name}'s d = {d:.4g}: "
                "eq. 9's (1 - C/d) would make the diffusivity vanish or turn negative"
            )
        length = np.sqrt(self.diffusivity.maximum_on(c_s) * self.time)
        if length < MINIMUM_DIFFUSION_LENGTH_RATIO * self.thickness:
            raise InputError(
                f"exchange time {self.time:.3g} s is too short: the diffusion length {length:.3g} m is below "
                f"{MINIMUM_DIFFUSION_LENGTH_RATIO:g} of the thickness (a surface film, not a continuum profile)"
            )

    @property
    def tau(self) -> float:
        """Characteristic time τ = L²/D_ref (s)."""
        return self.thickness**2 / self.reference_diffusivity

    @property
    def diffusivity(self) -> ExchangeDiffusivity:
        return ExchangeDiffusivity.for_process(self.host, self.ion, self.temperature, self.stress_coupling)

    def stress_per_concentration(self) -> float:
        """M γ (Pa per unit site fraction)."""
        return self.host.biaxial_modulus * self.ion.chemical_expansion_coefficient


@dataclass(frozen=True)
class StressProfile:
    """Concentration and residual stress at ``nodes`` (x in m; faces included)."""

    nodes: np.ndarray
    concentration: np.ndarray
    stress: np.ndarray  # Pa, compressive positive
    mean_concentration: float
    exchange_depth: float  # m

    @property
    def surface_stress(self) -> float:
        return float(self.stress[0])

    def stress_at(self, x: float) -> float:
        return float(np.interp(x, self.nodes, self.stress))


def residual_stress(concentration: np.ndarray, mean_concentration: float, host: Host, ion: ExchangeIon) -> np.ndarray:
    """Eq. 4 with force balance: σ_c = M γ (C − C̄) in Pa (compressive positive)."""
    return host.biaxial_modulus * ion.chemical_expansion_coefficient * (np.asarray(concentration) - mean_concentration)


def exchange_depth(nodes: np.ndarray, concentration: np.ndarray, surface_concentration: float) -> float:
    """Depth (m) from x = 0 where C first falls to 1 % of C_s; L/2 if it never does before the centre.

    Between the two bracketing nodes the crossing is found by interpolating ln C.
    """
    threshold = DEPTH_THRESHOLD * surface_concentration
    half = nodes <= 0.5 * nodes[-1]
    x, c = nodes[half], concentration[half]
    below = np.flatnonzero(c <= threshold)
    if below.size == 0:
        return float(0.5 * nodes[-1])
    i = below[0]
    if i == 0 or c[i - 1] == c[i]:
        return float(x[i])
    if c[i] > 0:  # the tail decays near-exponentially: interpolate ln C, which converges smoothly
        fraction = np.log(c[i - 1] / threshold) / np.log(c[i - 1] / c[i])
    else:
        fraction = (c[i - 1] - threshold) / (c[i - 1] - c[i])
    return float(x[i - 1] + (x[i] - x[i - 1]) * fraction)


def profile_from_solution(process: ExchangeProcess, solution: DiffusionSolution) -> StressProfile:
    nodes = solution.nodes
    concentration = solution.node_values
    mean = solution.amount / process.thickness
    return StressProfile(
        nodes=nodes,
        concentration=concentration,
        stress=residual_stress(concentration, mean, process.host, process.ion),
        mean_concentration=mean,
        exchange_depth=exchange_depth(nodes, concentration, process.surface_concentration),
    )


@dataclass(frozen=True)
class Resolution:
    """Cells per half thickness and number of time steps."""

    cells_per_half: int = 100
    time_steps: int = 25

    def refined(self) -> Resolution:
        return Resolution(2 * self.cells_per_half, 2 * self.time_steps)


def solve_exchange(process: ExchangeProcess, resolution: Resolution = Resolution()) -> tuple[StressProfile, DiffusionSolution]:
    """Concentration and stress profiles at ``process.time`` on one mesh/time grid."""
    law = process.diffusivity
    reach = 6.0 * np.sqrt(law.maximum_on(process.surface_concentration) * process.time)
    stretching = stretching_for_fraction(reach / (0.5 * process.thickness), 0.6)
    mesh = symmetric_plate_mesh(process.thickness, resolution.cells_per_half, stretching)
    c_s = process.surface_concentration
    solution = solve_plate_diffusion(law.as_law(), mesh, (c_s, c_s), process.time, resolution.time_steps)
    return profile_from_solution(process, solution), solution


Metrics = Callable[[StressProfile], dict[str, float]]


def basic_metrics(profile: StressProfile) -> dict[str, float]:
    return {
        "surface_stress_Pa": profile.surface_stress,
        "center_stress_Pa": profile.stress_at(0.5 * profile.nodes[-1]),
        "exchange_depth_m": profile.exchange_depth,
        "mean_concentration": profile.mean_concentration,
    }


@dataclass(frozen=True)
class ConvergedExchange:
    """The finest profile and the estimated discretisation error of each metric.

    The error estimate is |Q_fine − Q_coarse| between the last two resolutions (each refinement
    halves every cell and every time step). The scheme is second order in both, so the true
    error of the fine solution is about a third of that: the figure reported is conservative.
    Relative errors are taken against max(|Q|, floor), with floors of 1 % of the stress scale
    M γ C_s for stresses and of C_s for concentrations, so that a stress that is nearly zero
    (a saturated plate) does not demand refinement without end.
    """

    profile: StressProfile
    solution: DiffusionSolution
    resolution: Resolution
    metrics: dict[str, float]
    absolute_error: dict[str, float]
    relative_error: dict[str, float]


def converge_exchange(
    process: ExchangeProcess,
    metrics: Metrics = basic_metrics,
    rtol: float = 1e-3,
    start: Resolution = Resolution(),
    max_refinements: int = 5,
) -> ConvergedExchange:
    """Refine mesh and time step together until every metric changes by less than ``rtol``."""
    if not 0 < rtol < 1:
        raise InputError(f"relative tolerance must lie in (0, 1), got {rtol}")
    scale = process.stress_per_concentration() * process.surface_concentration
    floors = {"mean_concentration": 0.01 * process.surface_concentration}
    resolution = start
    coarse_profile, _ = solve_exchange(process, resolution)
    coarse = metrics(coarse_profile)
    relative: dict[str, float] = {}
    for _ in range(max_refinements):
        resolution = resolution.refined()
        profile, solution = solve_exchange(process, resolution)
        fine = metrics(profile)
        absolute = {key: abs(fine[key] - coarse[key]) for key in fine}
        relative = {
            key: absolute[key] / max(abs(fine[key]), floors.get(key, 0.01 * scale if key.endswith("_Pa") else 1e-300))
            for key in fine
        }
        if max(relative.values()) <= rtol:
            return ConvergedExchange(profile, solution, resolution, fine, absolute, relative)
        coarse = fine
    raise ConvergenceError(
        f"could not reach a relative error of {rtol:g} in {max_refinements} refinements "
        f"({2 * resolution.cells_per_half} cells; reached {max(relative.values()):.2g}); loosen rtol"
    )


@dataclass(frozen=True)
class UniformLayer:
    """SI.7's uniform-concentration model: C = C_s to depth h on each face, same dopant amount."""

    depth: float  # m
    profile: StressProfile


def uniform_layer_equivalent(process: ExchangeProcess, mean_concentration: float) -> UniformLayer:
    """Uniform layer with the gradient model's dopant amount and surface concentration (SI.7)."""
    c_s, length = process.surface_concentration, process.thickness
    depth = min(0.5 * mean_concentration * length / c_s, 0.5 * length)
    nodes = np.array([0.0, depth, depth, length - depth, length - depth, length])
    concentration = np.array([c_s, c_s, 0.0, 0.0, c_s, c_s])
    if depth >= 0.5 * length:
        concentration[:] = c_s
    stress = residual_stress(concentration, mean_concentration, process.host, process.ion)
    return UniformLayer(
        depth=depth,
        profile=StressProfile(nodes, concentration, stress, mean_concentration, exchange_depth=depth),
    )


VERDICTS = ("effective", "too shallow", "spontaneous-fracture risk", "no strength gain")


@dataclass(frozen=True)
class DesignBounds:
    """Design bounds of seed 000 Fig. 6 / SI.8, and the gain that makes a treatment worth doing."""

    flaw_size: float  # m, largest flaw to protect
    safety_factor: float = 1.0  # on the centre tension
    depth_factor: float = 2.0  # exchange depth ≥ depth_factor × flaw size
    minimum_gain: float = 1.1  # σ_perm / native at the flaw

    def __post_init__(self) -> None:
        _require_finite("design bounds", flaw_size=self.flaw_size, safety_factor=self.safety_factor,
                        depth_factor=self.depth_factor, minimum_gain=self.minimum_gain)
        if not self.flaw_size > 0:
            raise InputError(f"flaw size must be positive, got {self.flaw_size} m")
        if not self.safety_factor >= 1:
            raise InputError(f"safety factor must be at least 1, got {self.safety_factor}")
        if not self.depth_factor > 0:
            raise InputError("depth factor must be positive")
        if not self.minimum_gain >= 1:
            raise InputError(f"minimum strength gain must be at least 1, got {self.minimum_gain}")
        _require_within("design bounds", "flaw_size", self.flaw_size, MIN_FLAW_SIZE_M, MAX_THICKNESS_M, "m")
        _require_within("design bounds", "safety_factor", self.safety_factor, None, MAX_SAFETY_FACTOR)
        _require_within("design bounds", "minimum_gain", self.minimum_gain, None, MAX_MINIMUM_GAIN)

    @property
    def minimum_depth(self) -> float:
        return self.depth_factor * self.flaw_size

    def check_plate(self, thickness: float) -> None:
        if self.minimum_depth >= 0.5 * thickness:
            raise InputError(
                f"flaw size {self.flaw_size:.3g} m needs an exchange depth of {self.minimum_depth:.3g} m, "
                f"not below half the thickness ({0.5 * thickness:.3g} m)"
            )


def verdict(profile: StressProfile, center_stress: float, strength_gain: float, host: Host, bounds: DesignBounds) -> str:
    """Classify a treatment, the most serious failure first.

    1. "spontaneous-fracture risk": |centre tension| ≥ σ_f / safety_factor (upper bound).
    2. "too shallow": exchange depth < depth_factor × a, or the stress at that depth is not
       compressive, so the flaw tip is not wrapped in compression (lower bound; the 1 %
       concentration depth alone can lie in the tensile zone).
    3. "no strength gain": σ_perm/native < minimum_gain (a treatment too weak to matter).
    4. "effective" otherwise.
    """
    if center_stress < 0 and -center_stress >= host.fracture_strength / bounds.safety_factor:
        return "spontaneous-fracture risk"
    if profile.exchange_depth < bounds.minimum_depth or profile.stress_at(bounds.minimum_depth) <= 0:
        return "too shallow"
    if strength_gain < bounds.minimum_gain:
        return "no strength gain"
    return "effective"


def zero_stress_depth(profile: StressProfile) -> float:
    """Depth (m) where the residual stress first turns tensile (L/2 if it never does)."""
    half = profile.nodes <= 0.5 * profile.nodes[-1]
    x, sigma = profile.nodes[half], profile.stress[half]
    tensile = np.flatnonzero(sigma < 0)
    if tensile.size == 0:
        return float(0.5 * profile.nodes[-1])
    i = tensile[0]
    if i == 0:
        return 0.0
    return float(x[i - 1] + (x[i] - x[i - 1]) * sigma[i - 1] / (sigma[i - 1] - sigma[i]))


@dataclass(frozen=True)
class ExchangeDesign:
    """Everything `ion-exchange design` reports for one treatment."""

    process: ExchangeProcess
    bounds: DesignBounds
    form: fracture.FractureForm
    converged: ConvergedExchange
    uniform: UniformLayer
    sigma_permissible_by_form: dict[str, float]
    sigma_permissible_native: float
    sigma_permissible_uniform: float
    verdict: str
    surface_concentration_source: dict[str, float | str] = field(default_factory=dict)

    @property
    def profile(self) -> StressProfile:
        return self.converged.profile

    @property
    def sigma_permissible(self) -> float:
        return self.sigma_permissible_by_form[self.form]

    def strength_curves(self, flaw_sizes: np.ndarray) -> dict[str, np.ndarray]:
        """σ_perm vs a for the gradient and uniform models, native, and the Fig. 6d bounds (Pa),
        all in this design's form of eq. 6."""
        host, length = self.process.host, self.process.thickness
        args = (host.fracture_toughness, host.shape_factor)
        return {
            "gradient": fracture.permissible_stress(self.profile.nodes, self.profile.stress, flaw_sizes, *args, self.form),
            "uniform": fracture.permissible_stress(
                self.uniform.profile.nodes, self.uniform.profile.stress, flaw_sizes, *args, self.form
            ),
            "native": fracture.native_strength(*args, flaw_sizes),
            "theoretical_maximum": fracture.theoretical_maximum_strength(
                flaw_sizes, length, *args, host.fracture_strength, 1.0, self.form
            ),
            "safety_factor_2": fracture.theoretical_maximum_strength(
                flaw_sizes, length, *args, host.fracture_strength, 2.0, self.form
            ),
        }

    def summary(self) -> dict:
        p, prof = self.process, self.profile
        return {
            "ion": p.ion.name,
            "host": p.host.name,
            "surface_concentration": p.surface_concentration,
            "surface_concentration_source": self.surface_concentration_source,
            "temperature_K": p.temperature,
            "thickness_m": p.thickness,
            "time_s": p.time,
            "tau_s": p.tau,
            "time_ratio": p.time / p.tau,
            "reference_diffusivity_m2_per_s": p.reference_diffusivity,
            "stress_coupling": p.stress_coupling,
            "surface_stress_Pa": prof.surface_stress,
            "center_stress_Pa": self.converged.metrics["center_stress_Pa"],
            "exchange_depth_m": prof.exchange_depth,
            "zero_stress_depth_m": zero_stress_depth(prof),
            "mean_concentration": prof.mean_concentration,
            "flaw_size_m": self.bounds.flaw_size,
            "fracture_form": self.form,
            "sigma_permissible_Pa": self.sigma_permissible,
            "sigma_permissible_native_Pa": self.sigma_permissible_native,
            "sigma_permissible_weight_function_Pa": self.sigma_permissible_by_form["weight-function"],
            "sigma_permissible_printed_Pa": self.sigma_permissible_by_form["printed"],
            "strength_gain": self.sigma_permissible / self.sigma_permissible_native,
            "uniform_model": {
                "depth_m": self.uniform.depth,
                "surface_stress_Pa": self.uniform.profile.surface_stress,
                "center_stress_Pa": self.uniform.profile.stress_at(0.5 * p.thickness),
                "sigma_permissible_Pa": self.sigma_permissible_uniform,
            },
            "bounds": {
                "minimum_depth_m": self.bounds.minimum_depth,
                "maximum_center_tension_Pa": p.host.fracture_strength / self.bounds.safety_factor,
                "safety_factor": self.bounds.safety_factor,
                "depth_factor": self.bounds.depth_factor,
                "minimum_gain": self.bounds.minimum_gain,
            },
            "verdict": self.verdict,
            "discretisation": {
                "cells": 2 * self.converged.resolution.cells_per_half,
                "time_steps": self.converged.resolution.time_steps,
                "estimated_relative_error": self.converged.relative_error,
                "mass_balance_relative_error": abs(self.converged.solution.amount - self.converged.solution.uptake)
                / max(self.converged.solution.amount, 1e-300),
            },
            "definitions": DEFINITIONS,
        }


def design_exchange(
    process: ExchangeProcess,
    bounds: DesignBounds,
    form: fracture.FractureForm = "weight-function",
    rtol: float = 1e-3,
    surface_concentration_source: dict[str, float | str] | None = None,
) -> ExchangeDesign:
    """Solve the treatment to ``rtol`` and evaluate strength and design bounds at the flaw size."""
    bounds.check_plate(process.thickness)
    fracture.check_form(form)  # before any work
    host = process.host
    args = (host.fracture_toughness, host.shape_factor)

    def metrics(profile: StressProfile) -> dict[str, float]:
        values = basic_metrics(profile)
        values["sigma_permissible_Pa"] = float(
            fracture.permissible_stress(profile.nodes, profile.stress, bounds.flaw_size, *args, form)[0]
        )
        return values

    converged = converge_exchange(process, metrics, rtol)
    profile = converged.profile
    uniform = uniform_layer_equivalent(process, profile.mean_concentration)
    native = float(fracture.native_strength(*args, bounds.flaw_size))
    by_form = {
        name: float(fracture.permissible_stress(profile.nodes, profile.stress, bounds.flaw_size, *args, name)[0])
        for name in fracture.FRACTURE_FORMS
    }
    return ExchangeDesign(
        process=process,
        bounds=bounds,
        form=form,
        converged=converged,
        uniform=uniform,
        sigma_permissible_by_form=by_form,
        sigma_permissible_native=native,
        sigma_permissible_uniform=float(
            fracture.permissible_stress(uniform.profile.nodes, uniform.profile.stress, bounds.flaw_size, *args, form)[0]
        ),
        verdict=verdict(profile, converged.metrics["center_stress_Pa"], by_form[form] / native, host, bounds),
        surface_concentration_source=surface_concentration_source or {"method": "given"},
    )
