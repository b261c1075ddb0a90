"""Fracture toughness algebra (seed 003 eq. 1 and 2) and the tensile-curve analysis, on exact cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator

from sselab.analysis.tensile import TensileCurve, analyze_tensile, energy_change_per_atom, energy_to_fracture
from sselab.continuum.toughness import (
    anisotropic_stress_intensity,
    energy_release_rate,
    periodic_crack_stress_intensity,
    stress_intensity,
    work_of_fracture,
)
from sselab.errors import InputError

GPA_PER_EV_A3 = 1.602176634e-19 / 1e-30 / 1e9  # the SI definition of the eV (exact since 2019)


def test_irwin_relation_plane_strain_and_stress():
    # G = 1 J/m^2, E = 150 GPa, nu = 0.257 (the numbers)
    assert stress_intensity(1.0, 150e9, 0.257) / 1e6 == pytest.approx(0.4008, abs=5e-5)
    assert stress_intensity(1.0, 150e9, 0.257, "stress") / 1e6 == pytest.approx(0.3873, abs=5e-5)
    for plane in ("strain", "stress"):
        k = stress_intensity(3.7, 90e9, 0.3, plane)
        assert energy_release_rate(k, 90e9, 0.3, plane) == pytest.approx(3.7, rel=1e-14)


def _isotropic_stiffness(youngs: float, nu: float) -> np.ndarray:
    lam, mu = youngs * nu / ((1 + nu) * (1 - 2 * nu)), youngs / (2 * (1 + nu))
    c = np.zeros((6, 6))
    c[:3, :3] = lam
    c[range(3), range(3)] = lam + 2 * mu
    c[range(3, 6), range(3, 6)] = mu
    return c


@pytest.mark.parametrize("plane", ["strain", "stress"])
@pytest.mark.parametrize("normal, front", [((0, 0, 1), (1, 0, 0)), ((1, 1, 1), (1, -1, 0)), ((1, 1, 0), (0, 0, 1))])
def test_the_anisotropic_k_has_the_isotropic_limit(plane, normal, front):
    c = _isotropic_stiffness(150e9, 0.257)
    assert anisotropic_stress_intensity(2.0, c, normal, front, plane) == pytest.approx(stress_intensity(2.0, 150e9, 0.257, plane), rel=1e-9)


def test_the_anisotropic_k_depends_on_orientation_in_a_cubic_crystal():
    # an anisotropic cubic crystal (Zener ratio 2): K of the same G differs between crack planes
    c = _isotropic_stiffness(150e9, 0.25)
    c[range(3, 6), range(3, 6)] *= 2.0
    k100 = anisotropic_stress_intensity(1.0, c, (1, 0, 0), (0, 1, 0))
    k111 = anisotropic_stress_intensity(1.0, c, (1, 1, 1), (1, -1, 0))
    assert abs(k100 / k111 - 1) > 0.02
    with pytest.raises(InputError, match="front"):
        anisotropic_stress_intensity(1.0, c, (1, 0, 0), (1, 1, 0))
    with pytest.raises(InputError, match="positive definite"):
        anisotropic_stress_intensity(1.0, -c, (1, 0, 0), (0, 1, 0))


def test_periodic_crack_row_tends_to_the_single_crack():
    sigma, a = 1e9, 1e-9
    for ratio, expected in ((1e-4, 1.0), (0.25, math.sqrt(math.tan(math.pi / 4) / (math.pi / 4)))):
        k = periodic_crack_stress_intensity(sigma, a, a / ratio)
        assert k / (sigma * math.sqrt(math.pi * a)) == pytest.approx(expected, rel=1e-7)
    with pytest.raises(InputError, match="shorter"):
        periodic_crack_stress_intensity(sigma, 1.0, 2.0)


def test_work_of_fracture_of_a_triangle_is_length_times_half_peak_times_strain():
    step = 0.0005
    strain = np.arange(401) * step
    peak_stress, peak_strain = 10e9, 160 * step
    stress = np.where(strain <= peak_strain + 1e-12, peak_stress * strain / peak_strain, 0.0)  # a break in one step
    for length in (1e-8, 3e-8):
        area = 4e-18
        # the triangle L sigma_p eps_p / 2, plus the half step of the drop the trapezoid rule adds (exact)
        expected = length * peak_stress * (peak_strain + step) / 2
        assert work_of_fracture(strain, stress, length * area, area) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(InputError, match="monotonically"):
        work_of_fracture(strain[::-1], stress, 1.0, 1.0)


@pytest.mark.parametrize("bad, match", [({"youngs_modulus_Pa": 0.0}, "Young"), ({"poisson_ratio": 0.5}, "Poisson"),
                                        ({"poisson_ratio": -1.0}, "Poisson"), ({"energy_release_rate_J_per_m2": -1.0}, "G"),
                                        ({"plane": "shear"}, "plane")])
def test_bad_toughness_inputs_are_refused(bad, match):
    kwargs = {"energy_release_rate_J_per_m2": 1.0, "youngs_modulus_Pa": 1e11, "poisson_ratio": 0.25, "plane": "strain", **bad}
    with pytest.raises(InputError, match=match):
        stress_intensity(**kwargs)


# ------------------------------------------------------------------------------------------ curves


def _frames(strain: np.ndarray, stress_GPa: np.ndarray, lateral: np.ndarray, lateral_stress_GPa=None, lengths=(20.0, 30.0, 40.0),
            energy_eV=None, atoms_per_frame=1):
    frames = []
    for k, eps in enumerate(strain):
        cell = np.array(lengths) * np.array([1 + lateral[k], 1 + lateral[k], 1 + eps])
        atoms = Atoms(f"Li{atoms_per_frame}", positions=np.zeros((atoms_per_frame, 3)), cell=np.diag(cell), pbc=True)
        side = 0.0 if lateral_stress_GPa is None else lateral_stress_GPa[k]
        voigt = np.array([side, side, stress_GPa[k], 0, 0, 0]) / GPA_PER_EV_A3
        atoms.calc = SinglePointCalculator(atoms, stress=voigt, energy=-1.0 * k if energy_eV is None else energy_eV[k])
        frames.append(atoms)
    return frames


def test_a_synthetic_free_curve_gives_back_e_and_nu():
    rng = np.random.default_rng(3)
    strain = np.linspace(0, 0.12, 121)
    youngs, nu = 150.0, 0.257
    stress = np.where(strain < 0.07, youngs * strain, 0.5) + rng.normal(0, 0.05, strain.size)
    curve = TensileCurve.from_frames(_frames(strain, stress, -nu * strain), "z")
    props = analyze_tensile(curve, elastic_max_strain=0.03)
    assert props.lateral == "free"
    assert props.youngs_modulus_GPa == pytest.approx(youngs, abs=4 * props.youngs_modulus_error_GPa)
    assert props.poisson_ratio == pytest.approx(nu, abs=1e-9)
    assert props.peak_strain == pytest.approx(0.069, abs=0.002)
    assert props.failure_strain == pytest.approx(0.07, abs=0.002)
    # eq. 1 with A the cross-section is L0 * integral; with the two surfaces, half of it
    window = strain <= 0.03 + 1e-9
    offset = np.polyfit(strain[window], stress[window], 1)[1]  # the residual stress at zero strain is not work of the pull
    integral = np.trapezoid(stress - offset, strain) * 1e9
    assert props.work_of_fracture_J_per_m2["cross_section"] == pytest.approx(40e-10 * integral, rel=1e-6)
    assert props.work_of_fracture_J_per_m2["two_surfaces"] == pytest.approx(20e-10 * integral, rel=1e-6)
    g = props.work_of_fracture_J_per_m2["cross_section"]
    assert props.k_ic_MPa_sqrt_m["eq2_cross_section"] == pytest.approx(stress_intensity(g, props.youngs_modulus_GPa * 1e9,
                                                                                         props.poisson_ratio) / 1e6)


def test_a_held_lateral_curve_is_inverted_for_an_isotropic_solid():
    strain = np.linspace(0, 0.03, 31)
    youngs, nu = 100.0, 0.3
    m = youngs * (1 - nu) / ((1 + nu) * (1 - 2 * nu))
    curve = TensileCurve.from_frames(_frames(strain, m * strain, 0 * strain, nu / (1 - nu) * m * strain), "z")
    props = analyze_tensile(curve)
    assert props.lateral == "held"
    assert props.youngs_modulus_GPa == pytest.approx(youngs, rel=1e-9) and props.poisson_ratio == pytest.approx(nu, rel=1e-9)
    assert props.failure_strain is None


def test_curves_need_stresses_and_an_elastic_part():
    strain = np.linspace(0, 0.03, 31)
    frames = _frames(strain, 100 * strain, 0 * strain)
    frames[4].calc = None
    with pytest.raises(InputError, match="carries no stress"):
        TensileCurve.from_frames(frames, "z")
    with pytest.raises(InputError, match="axis"):
        TensileCurve.from_frames(_frames(strain, 100 * strain, 0 * strain), "w")
    falling = TensileCurve.from_frames(_frames(strain, -100 * strain, 0 * strain), "z")
    with pytest.raises(InputError, match="does not rise"):
        analyze_tensile(falling)
    with pytest.raises(InputError, match="both the crack"):
        analyze_tensile(TensileCurve.from_frames(_frames(strain, 100 * strain, -0.2 * strain), "z"), crack_half_length_A=5.0)


def test_the_energy_to_fracture_of_a_brittle_harmonic_pull_is_its_strain_energy():
    """A 0 K pull of 4 atoms in 24 000 Å^3: σ = Eε up to a break at 7 %, U = U0 + aε + V0 ∫σ dε before it and the
    surfaces' 0.1 eV after. ΔE per atom must come back as the strain energy per atom, in SI by hand and as the
    stress's own work."""
    strain = np.linspace(0, 0.12, 121)
    youngs, atoms = 150.0, 4
    broken = strain >= 0.07
    stress = np.where(broken, 0.0, youngs * strain)
    volume_A3 = 20.0 * 30.0 * 40.0
    strain_energy_eV = 0.5 * youngs / GPA_PER_EV_A3 * strain**2 * volume_A3  # of the whole cell
    # a baseline (eV) and the heat a solid with α > 0 takes in tension (eV per unit strain): the fit removes the first
    # and keeps the second
    baseline, heat = -1234.5, 3.0
    energy = baseline + heat * strain + np.where(broken, 0.1, strain_energy_eV)
    curve = TensileCurve.from_frames(_frames(strain, stress, -0.25 * strain, energy_eV=energy, atoms_per_frame=atoms), "z")
    assert curve.atom_count == atoms
    change = energy_change_per_atom(curve)
    np.testing.assert_allclose(change[~broken], 1000 * (heat * strain + strain_energy_eV)[~broken] / atoms, atol=1e-6)
    # without the heat, the largest ΔE is the strain energy at the last frame before the break, 0.069
    pure = TensileCurve.from_frames(_frames(strain, stress, -0.25 * strain, energy_eV=baseline + np.where(broken, 0.1, strain_energy_eV),
                                            atoms_per_frame=atoms), "z")
    by_hand_meV = 0.5 * 150e9 * 0.069**2 * 24000e-30 / 1.602176634e-19 * 1000 / 4  # J -> meV, per atom
    peak, at = energy_to_fracture(pure.strain, energy_change_per_atom(pure), smoothing_frames=1)
    assert peak == pytest.approx(by_hand_meV, rel=1e-9) and at == pytest.approx(0.069)
    work_meV = volume_A3 * np.trapezoid(stress[:70], strain[:70]) / GPA_PER_EV_A3 * 1000 / atoms  # V0 ∫σ dε to 0.069, exact for a line
    assert peak == pytest.approx(work_meV, rel=1e-9)
    props = analyze_tensile(pure)  # the default running mean over 5 frames: the mean of frames 0.065 ... 0.069
    assert props.energy_to_fracture_meV_per_atom == pytest.approx(1000 * strain_energy_eV[65:70].mean() / atoms, rel=1e-9)
    assert props.energy_peak_strain == pytest.approx(0.067)
    # σ peaks at the last intact frame (0.069): ΔE there is the mean over frames 0.067 ... 0.071, two of them broken
    expected = np.concatenate([strain_energy_eV[67:70], [0.1, 0.1]]).mean() * 1000 / atoms
    assert props.energy_at_peak_stress_meV_per_atom == pytest.approx(expected, rel=1e-9)


def test_frames_without_energies_give_no_energy_to_fracture():
    strain = np.linspace(0, 0.03, 31)
    frames = _frames(strain, 100 * strain, -0.2 * strain)
    for atoms in frames:
        del atoms.calc.results["energy"]
    props = analyze_tensile(TensileCurve.from_frames(frames, "z"))
    assert props.energy_to_fracture_meV_per_atom is None and props.energy_peak_strain is None
    with pytest.raises(InputError, match="smoothing"):
        energy_to_fracture(strain, strain, smoothing_frames=0)
