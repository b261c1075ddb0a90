"""Ideal-gas μ(T, p) of a released gas and harmonic phonon free energies (the KO₂ route of seed 000 §3.2)."""

import numpy as np
import pytest
from ase import Atoms, units
from ase.build import bulk

from sselab import as_engine
from sselab.atomistic.properties.gas import (
    GASES,
    finite_difference_hessian,
    gas_reference,
    gas_species,
    ideal_gas_chemical_potential,
)
from sselab.atomistic.properties.phonons import harmonic_free_energy, q_mesh, supercell_repeats
from sselab.errors import ConvergenceError, InputError

KJ_PER_MOL = units.kJ / units.mol
# NIST-JANAF table O-029 (O2, ideal gas, 1 bar), as copied verbatim in github.com/n-takumasa/py-janaf (src/janaf/data):
# S(298.15 K) = 205.147 and S(1200 K) = 250.010 J/(mol K), H(1200 K) - H(298.15 K) = 29.761 kJ/mol
JANAF_O2 = {"S_298": 205.147e-3, "S_1200": 250.010e-3, "dH_1200": 29.761}
# O2 X 3Σg-: ω_e = 1580.19 cm-1, r_e = 1.20752 Å (NIST Chemistry WebBook, Huber & Herzberg constants)
O2_VIBRATION_EV = 1580.19 * units.invcm
O2_BOND_A = 1.20752


def _o2() -> Atoms:
    return Atoms("O2", positions=[[0.0, 0.0, 0.0], [0.0, 0.0, O2_BOND_A]])


def test_o2_chemical_potential_follows_the_janaf_table():
    """G(1200 K) − G(298.15 K) = ΔH − 1200 S(1200) + 298.15 S(298) from JANAF, to the rigid-rotor-harmonic accuracy."""
    species = gas_species("O2")
    mu = {t: ideal_gas_chemical_potential(species, 0.0, np.array([O2_VIBRATION_EV]), _o2(), t, 1e5) for t in (298.15, 1200.0)}
    janaf = JANAF_O2["dH_1200"] - 1200.0 * JANAF_O2["S_1200"] + 298.15 * JANAF_O2["S_298"]  # kJ/mol
    assert (mu[1200.0] - mu[298.15]) / KJ_PER_MOL == pytest.approx(janaf, abs=0.5)
    # the entropy itself, by a central difference of μ in T: S = −∂μ/∂T
    h = 0.5
    entropy = -(ideal_gas_chemical_potential(species, 0.0, np.array([O2_VIBRATION_EV]), _o2(), 298.15 + h, 1e5)
                - ideal_gas_chemical_potential(species, 0.0, np.array([O2_VIBRATION_EV]), _o2(), 298.15 - h, 1e5)) / (2 * h)
    assert entropy / KJ_PER_MOL == pytest.approx(JANAF_O2["S_298"], abs=0.5e-3)


def test_pressure_enters_as_kT_log_p_and_energy_as_a_shift():
    species = gas_species("O2")
    vib = np.array([O2_VIBRATION_EV])
    base = ideal_gas_chemical_potential(species, -9.0, vib, _o2(), 1200.0, 1e5)
    air = ideal_gas_chemical_potential(species, -9.0, vib, _o2(), 1200.0, 0.21e5)
    assert air - base == pytest.approx(units.kB * 1200.0 * np.log(0.21), rel=1e-9)
    assert ideal_gas_chemical_potential(species, -8.0, vib, _o2(), 1200.0, 1e5) - base == pytest.approx(1.0, abs=1e-12)


def test_gas_table_and_bad_conditions():
    assert GASES["O2"].spin == 1.0 and GASES["O2"].symmetry_number == 2
    with pytest.raises(InputError, match="no ideal-gas data"):
        gas_species("CO2x")
    with pytest.raises(InputError):
        ideal_gas_chemical_potential(gas_species("O2"), 0.0, np.array([0.2]), _o2(), 1200.0, 0.0)


def test_hessian_and_gas_reference_agree_with_ase_vibrations(tmp_path, monkeypatch):
    """The engine's finite-difference Hessian gives ASE Vibrations' stretch of an EMT O2; μ is IdealGasThermo's of it."""
    from ase.calculators.emt import EMT
    from ase.vibrations import Vibrations

    engine = as_engine("emt")
    reference, molecule = gas_reference(engine, "O2", 1200.0, 1e5)
    monkeypatch.chdir(tmp_path)
    work = molecule.copy()
    work.calc = EMT()
    vibrations = Vibrations(work, delta=0.01)
    vibrations.run()
    assert reference.vibrational_energies_eV[0] == pytest.approx(vibrations.get_energies()[-1].real, rel=1e-6)
    assert len(reference.vibrational_energies_eV) == 1 and reference.zero_point_energy_eV == pytest.approx(
        0.5 * reference.vibrational_energies_eV[0])
    hessian = finite_difference_hessian(engine, molecule)
    assert np.allclose(hessian, hessian.T) and np.allclose(hessian.sum(axis=0), 0.0, atol=1e-3)  # translation invariance
    assert reference.thermal_part_eV < 0  # at 1200 K the entropy outweighs zero point and heat


def test_phonon_free_energy_is_per_formula_unit_and_matches_ase_phonons(tmp_path, monkeypatch):
    from ase.calculators.emt import EMT
    from ase.phonons import Phonons
    from ase.thermochemistry import CrystalThermo

    engine = as_engine("emt")
    primitive = engine.relax(bulk("Cu", "fcc", a=3.6), cell=True)
    conventional = engine.relax(bulk("Cu", "fcc", a=3.6, cubic=True), cell=True)
    one = harmonic_free_energy(engine, primitive, 300.0, 1)
    four = harmonic_free_energy(engine, conventional, 300.0, 4)
    assert four.free_energy_eV == pytest.approx(one.free_energy_eV, abs=2e-5)  # the cell chosen does not matter
    assert four.entropy_eV_per_K == pytest.approx(one.entropy_eV_per_K, rel=1e-3)
    # an independent implementation: ASE's own Phonons and CrystalThermo on the same EMT crystal
    monkeypatch.chdir(tmp_path)
    phonons = Phonons(primitive, EMT(), supercell=(5, 5, 5), delta=0.02)
    phonons.run()
    phonons.read(acoustic=True)
    dos = phonons.get_dos(kpts=(30, 30, 30)).sample_grid(npts=3000, width=1e-3)
    energies, weights = dos.get_energies(), dos.get_weights()
    positive = energies > 1e-5
    thermo = CrystalThermo(phonon_energies=energies[positive], phonon_DOS=weights[positive], potentialenergy=0.0, formula_units=1)
    assert one.free_energy_eV == pytest.approx(thermo.get_helmholtz_energy(300.0, verbose=False), abs=1e-3)
    assert one.entropy_eV_per_K == pytest.approx(thermo.get_entropy(300.0, verbose=False), rel=0.01)


def test_phonon_limits_zero_point_and_dulong_petit():
    engine = as_engine("emt")
    crystal = engine.relax(bulk("Cu", "fcc", a=3.6), cell=True)
    cold = harmonic_free_energy(engine, crystal, 0.0, 1)
    assert cold.free_energy_eV == pytest.approx(cold.zero_point_energy_eV) and cold.entropy_eV_per_K == pytest.approx(0.0, abs=1e-12)
    hot = harmonic_free_energy(engine, crystal, 3000.0, 1)
    assert hot.heat_capacity_eV_per_K == pytest.approx(3 * units.kB, rel=0.002)  # harmonic: C_v → 3 k_B per atom


def test_a_saddle_has_no_harmonic_free_energy():
    engine = as_engine("emt")
    unstable = engine.relax(bulk("Cu", "bcc", a=2.87), cell=True)  # EMT's bcc Cu is a saddle (imaginary modes)
    with pytest.raises(ConvergenceError, match="imaginary phonons"):
        harmonic_free_energy(engine, unstable, 300.0, 1)


def test_supercell_and_mesh_sizes():
    cell = np.diag([4.0, 6.0, 12.0])
    assert supercell_repeats(cell, 10.0) == (3, 2, 1)
    assert q_mesh(cell, 40.0) == (10, 7, 4)
