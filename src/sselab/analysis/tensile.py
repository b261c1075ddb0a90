"""Stress–strain curves of uniaxial tension runs: modulus, Poisson ratio, strength, work of fracture, K_IC.

A curve is read from trajectory frames that carry the cell and the stress (``sselab fracture tensile``
writes them; any extended-XYZ file with a ``stress`` per frame will do). Conventions:

* engineering strain along the load, ε = L/L₀ − 1, with L₀ the cell length of the first frame; lateral
  strains likewise along the two other axes; the cell must stay orthogonal (load along a cell axis);
* σ is the Cartesian stress component along the load, tension positive (ASE's sign), in GPa.

Elastic constants from the first part of the curve (ε ≤ ``elastic_max_strain``), least squares with an
intercept (the thermal stress at ε = 0 is not exactly zero):

* lateral faces free (their lengths move): E = dσ/dε, ν = −dε_lateral/dε (mean of the two lateral axes);
* lateral lengths held: the slope is the uniaxial-strain modulus M = E(1 − ν)/((1 + ν)(1 − 2ν)) and the
  lateral stress rises as σ_lat = ν/(1 − ν) σ; ν and E follow from the two slopes. This inversion
  assumes an isotropic solid (a glass; for a crystal it mixes C11 and C12 of the loaded axes).

Strength and failure: σ_peak and its strain; the failure strain is the first strain after the peak at
which σ falls to ``failure_fraction`` × σ_peak (None if it never does within the run).

Energy along the pull (seed 003 Fig. 4b plots ΔE per atom against strain and names no single number):
ΔE(ε) = (U(ε) − U₀)/N per atom, in meV, with U the potential energy of a frame and U₀ the ε = 0 value of
a quadratic least-squares fit U₀ + aε + bε² over the elastic window (fitted rather than the first frame's
U, which carries one frame's noise, ~k_BT·√(3/(2N)) per atom). Only U₀ is subtracted: the linear part
stays in ΔE. It needs an equilibrated start (``TensileTest`` equilibrates 10 ps by default): a start from
0 K warms up during the pull and its warming reads as ΔE. The *energy to fracture* is our reading of
"the energy required for fracture": the largest ΔE after a running mean over ``energy_smoothing_frames``
frames, and the strain at the centre of that window. Its biases: at a brittle break the window averages
over the rising branch (low by ~10 % with 5 frames 0.2 % apart at a 7 % break; the strain two frames
early); on a flat noisy top the maximum of the mean is high by about its noise. For a pull that never
broke, or one that flows rather than cracks, it is only the largest ΔE reached, set by where the pull stops.
Beside it, ΔE at the peak stress (the mean over the 5 frames centred on the frame of σ_peak) is defined for
every pull and measures the energy stored before the cell yields. ΔE is not the mechanical work W = V₀∫σ dε: under isothermal
tension a solid with thermal expansion α > 0 takes heat TΔS ≈ T·V₀·E·α·ε from the thermostat, so
ΔE ≈ (W + TΔS)/N. For LLZO-like numbers (E 75 GPa, 13 Å³ per atom, α 5 × 10⁻⁵ /K, 300 K) TΔS/N is about
90 meV × ε, equal to the strain energy ½·E·V·ε² at ε ≈ 3 % and 40 % of it at 7 %: models that break
at different strains carry different shares of it.

Toughness (:mod:`sselab.continuum.toughness`): seed 003 eq. 1, G_c = L₀ ∫(σ − σ₀) dε (V/A with A the
cross-section) over the whole curve, also with A = 2 × the cross-section (the two new surfaces). σ₀ is the
intercept of the elastic fit, the residual (thermal) stress of the starting cell, reported as
``stress_at_zero_strain_GPa``; it is not work done by the pull. Eq. 2, K_IC = √(G_c E/(1 − ν²)) with this
curve's E and ν (plane strain). Irwin's relation takes G per unit area of crack plane, so
``eq2_cross_section`` is the consistent one; ``eq2_two_surfaces`` (√2 lower) is the other reading of the
seed's "total crack area", kept for comparison. For a crack of half-length a in a cell of width W, the
stress route K = σ_peak √(W tan(πa/W)) (a periodic row along the crack; the images along the load axis are
neglected, fair while the crack is short against the cell height). Stresses are instantaneous frame values:
σ_peak of a small cell is biased upward by its thermal noise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from ase import Atoms

from sselab.constants import EV_PER_A3_TO_GPA
from sselab.continuum.toughness import periodic_crack_stress_intensity, stress_intensity, work_of_fracture
from sselab.errors import InputError
from sselab.validation import require_count, require_positive, require_range

__all__ = ["AXES", "TensileCurve", "TensileProperties", "analyze_tensile", "axis_index", "energy_change_per_atom",
           "energy_to_fracture"]

AXES = ("x", "y", "z")
_GPA = 1e9
_ANGSTROM = 1e-10
#: lateral strains spanning less than this over the elastic window are read as lateral lengths held
_HELD_LATERAL_SPAN = 1e-7


def axis_index(axis: str) -> int:
    """0, 1, 2 for "x", "y", "z"."""
    if axis not in AXES:
        raise InputError(f"axis must be one of x, y, z, got {axis!r}")
    return AXES.index(axis)


@dataclass(frozen=True)
class TensileCurve:
    """Engineering strains and stresses (GPa, tension positive) of a uniaxial run along ``axis``.

    ``lateral_strain`` and ``lateral_stress_GPa`` have one column per lateral axis (in x, y, z order);
    ``lengths0_A`` are the cell lengths of the first frame; ``potential_energy_eV`` (of the whole cell, per frame) may
    be None; ``atom_count`` is the number of atoms of the first frame.
    """

    axis: str
    strain: np.ndarray
    stress_GPa: np.ndarray
    lateral_strain: np.ndarray
    lateral_stress_GPa: np.ndarray
    lengths0_A: tuple[float, float, float]
    potential_energy_eV: np.ndarray | None = None
    atom_count: int | None = None

    @property
    def volume0_A3(self) -> float:
        return float(np.prod(self.lengths0_A))

    @property
    def cross_section0_A2(self) -> float:
        return self.volume0_A3 / self.lengths0_A[axis_index(self.axis)]

    @classmethod
    def from_frames(cls, frames: Iterable[Atoms], axis: str = "z") -> TensileCurve:
        """The curve of trajectory frames that carry a stress (``atoms.get_stress()``, eV/Å³) and an orthogonal cell."""
        index = axis_index(axis)
        lateral = [k for k in range(3) if k != index]
        lengths, stresses, energies, atom_count = [], [], [], None
        for number, atoms in enumerate(frames):
            atom_count = len(atoms) if atom_count is None else atom_count
            cell = np.asarray(atoms.cell)
            if atoms.cell.rank != 3:
                raise InputError(f"frame {number} has no cell: a tensile curve needs the cell of every frame")
            off_diagonal = np.abs(cell - np.diag(np.diag(cell))).max()
            if off_diagonal > 1e-6 * np.abs(np.diag(cell)).max():
                raise InputError(f"frame {number} has a non-orthogonal cell: load a cell whose axes are Cartesian")
            if atoms.calc is None or "stress" not in atoms.calc.results:
                raise InputError(f"frame {number} carries no stress: the trajectory was not written by a run that records it "
                                 "(sselab fracture tensile does)")
            stress = atoms.get_stress(voigt=False)
            if not np.all(np.isfinite(stress)):
                raise InputError(f"frame {number} has a non-finite stress")
            lengths.append(np.diag(cell).copy())
            stresses.append(np.diag(stress) * EV_PER_A3_TO_GPA)
            energies.append(atoms.calc.results.get("energy", np.nan))
        if len(lengths) < 3:
            raise InputError(f"a tensile curve needs at least 3 frames, got {len(lengths)}")
        length = np.array(lengths)
        stress_diag = np.array(stresses)
        strain = length / length[0] - 1.0
        energy = np.array(energies, dtype=float)
        return cls(axis=axis, strain=strain[:, index], stress_GPa=stress_diag[:, index], lateral_strain=strain[:, lateral],
                   lateral_stress_GPa=stress_diag[:, lateral], lengths0_A=tuple(float(v) for v in length[0]),
                   potential_energy_eV=None if np.isnan(energy).any() else energy, atom_count=atom_count)


@dataclass(frozen=True)
class TensileProperties:
    """What a tensile curve gives; moduli in GPa, works of fracture in J/m², K in MPa·√m."""

    youngs_modulus_GPa: float
    youngs_modulus_error_GPa: float
    poisson_ratio: float
    lateral: str  # "free" (ν from lateral strains) or "held" (ν from the lateral stress, isotropic inversion)
    stress_at_zero_strain_GPa: float
    peak_stress_GPa: float
    peak_strain: float
    failure_strain: float | None
    work_density_GJ_per_m3: float
    work_of_fracture_J_per_m2: dict[str, float] = field(default_factory=dict)
    k_ic_MPa_sqrt_m: dict[str, float] = field(default_factory=dict)
    elastic_max_strain: float = 0.02
    energy_to_fracture_meV_per_atom: float | None = None  # None: the frames carry no potential energy
    energy_peak_strain: float | None = None
    energy_at_peak_stress_meV_per_atom: float | None = None

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


def _slope(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares slope of y on x (with an intercept) and its standard error."""
    design = np.column_stack([x, np.ones_like(x)])
    coefficients, residuals, _, _ = np.linalg.lstsq(design, y, rcond=None)
    dof = len(x) - 2
    variance = float(residuals[0]) / dof if residuals.size and dof > 0 else 0.0
    spread = float(np.sum((x - x.mean()) ** 2))
    return float(coefficients[0]), float(np.sqrt(variance / spread)) if spread > 0 else float("inf")


def _elastic_window(curve: TensileCurve, elastic_max_strain: float) -> np.ndarray:
    """Mask of the frames with 0 ≤ ε ≤ ``elastic_max_strain``; at least 3 of them."""
    window = (curve.strain >= 0) & (curve.strain <= elastic_max_strain + 1e-9)
    require_count(int(window.sum()), f"frames with 0 <= strain <= {elastic_max_strain:g} (the elastic window)", low=3)
    return window


def energy_change_per_atom(curve: TensileCurve, *, elastic_max_strain: float = 0.02) -> np.ndarray | None:
    """ΔE(ε) per atom (meV) of every frame against the ε = 0 value of a quadratic fit of the potential energy over the
    elastic window (module docstring); None if the frames carry no energy."""
    if curve.potential_energy_eV is None or not curve.atom_count:
        return None
    energy = np.asarray(curve.potential_energy_eV, dtype=float) / curve.atom_count
    window = _elastic_window(curve, elastic_max_strain)
    eps = curve.strain[window]
    design = np.column_stack([np.ones_like(eps), eps, eps**2])
    baseline = float(np.linalg.lstsq(design, energy[window], rcond=None)[0][0])
    return 1000.0 * (energy - baseline)


def energy_to_fracture(strain: np.ndarray, energy_change_meV: np.ndarray, smoothing_frames: int = 5) -> tuple[float, float]:
    """The largest ΔE (meV/atom) after a running mean over ``smoothing_frames`` frames (in strain order), and its strain."""
    require_count(smoothing_frames, "energy smoothing frames", low=1)
    order = np.argsort(strain, kind="stable")
    width = min(smoothing_frames, len(order))
    kernel = np.full(width, 1.0 / width)
    smooth_energy = np.convolve(energy_change_meV[order], kernel, mode="valid")
    smooth_strain = np.convolve(strain[order], kernel, mode="valid")
    peak = int(np.argmax(smooth_energy))
    return float(smooth_energy[peak]), float(smooth_strain[peak])


def analyze_tensile(curve: TensileCurve, *, elastic_max_strain: float = 0.02, failure_fraction: float = 0.5,
                    crack_half_length_A: float | None = None, crack_period_A: float | None = None,
                    energy_smoothing_frames: int = 5) -> TensileProperties:
    """E, ν, strength, failure strain, toughness and energy to fracture of ``curve`` (see the module docstring)."""
    require_range(elastic_max_strain, "elastic strain window", low=0.0, high=0.5, low_inclusive=False)
    require_range(failure_fraction, "failure fraction", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    window = _elastic_window(curve, elastic_max_strain)
    eps = curve.strain[window]
    slope, slope_error = _slope(eps, curve.stress_GPa[window])
    intercept = float(np.mean(curve.stress_GPa[window] - slope * eps))
    if slope <= 0:
        raise InputError(f"the stress does not rise with strain in the elastic window (slope {slope:.3g} GPa): "
                         "the run is not a tension test, or the window holds no elastic part")
    lateral_strain = curve.lateral_strain[window].mean(axis=1)
    if np.ptp(lateral_strain) > _HELD_LATERAL_SPAN:
        lateral = "free"
        youngs, youngs_error = slope, slope_error
        nu = -_slope(eps, lateral_strain)[0]
    else:  # uniaxial strain: slope M, lateral stress ratio r = ν/(1 − ν)
        lateral = "held"
        ratio = _slope(eps, curve.lateral_stress_GPa[window].mean(axis=1))[0] / slope
        if ratio <= -0.5:
            raise InputError(f"the lateral stress falls as fast as the axial one rises (ratio {ratio:.3g}): not an elastic solid")
        nu = ratio / (1.0 + ratio)
        factor = (1 + nu) * (1 - 2 * nu) / (1 - nu)
        youngs, youngs_error = slope * factor, slope_error * abs(factor)
    peak = int(np.argmax(curve.stress_GPa))
    peak_stress = float(curve.stress_GPa[peak])
    after = np.nonzero(curve.stress_GPa[peak:] <= failure_fraction * peak_stress)[0]
    failure = float(curve.strain[peak + after[0]]) if after.size else None
    order = np.argsort(curve.strain, kind="stable")
    strain, stress = curve.strain[order], curve.stress_GPa[order] - intercept
    keep = np.concatenate([[True], np.diff(strain) > 0])
    area_m2 = curve.cross_section0_A2 * _ANGSTROM**2
    volume_m3 = curve.volume0_A3 * _ANGSTROM**3
    work = {
        "cross_section": work_of_fracture(strain[keep], stress[keep] * _GPA, volume_m3, area_m2),
        "two_surfaces": work_of_fracture(strain[keep], stress[keep] * _GPA, volume_m3, 2 * area_m2),
    }
    k_ic: dict[str, float] = {}
    if -1.0 < nu < 0.5:
        for name, g in work.items():
            k_ic[f"eq2_{name}"] = stress_intensity(max(g, 0.0), youngs * _GPA, nu) / 1e6
    if crack_half_length_A is not None or crack_period_A is not None:
        if crack_half_length_A is None or crack_period_A is None:
            raise InputError("the stress route to K needs both the crack half-length and the cell width it repeats over")
        require_positive(crack_half_length_A, "crack half-length", "A")
        k_ic["stress_periodic_crack"] = periodic_crack_stress_intensity(peak_stress * _GPA, crack_half_length_A * _ANGSTROM,
                                                                        crack_period_A * _ANGSTROM) / 1e6
    energy_change = energy_change_per_atom(curve, elastic_max_strain=elastic_max_strain)
    energy_peak, energy_peak_strain = (None, None) if energy_change is None else \
        energy_to_fracture(curve.strain, energy_change, energy_smoothing_frames)
    energy_at_peak = None if energy_change is None else float(np.mean(energy_change[max(peak - 2, 0):peak + 3]))
    return TensileProperties(
        youngs_modulus_GPa=youngs, youngs_modulus_error_GPa=youngs_error, poisson_ratio=float(nu), lateral=lateral,
        stress_at_zero_strain_GPa=intercept,
        peak_stress_GPa=peak_stress, peak_strain=float(curve.strain[peak]), failure_strain=failure,
        work_density_GJ_per_m3=float(np.trapezoid(stress[keep], strain[keep])),
        work_of_fracture_J_per_m2=work, k_ic_MPa_sqrt_m=k_ic, elastic_max_strain=elastic_max_strain,
        energy_to_fracture_meV_per_atom=energy_peak, energy_peak_strain=energy_peak_strain,
        energy_at_peak_stress_meV_per_atom=energy_at_peak,
    )
