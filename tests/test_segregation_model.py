"""Seed 001's bond-breaking model (eqs. 4-12) and the Young-Dupre angle: limits, the paper's own numbers,
and the ``segregation model`` entry point (SI in, its --json summary out)."""

import math

import pytest

from sselab.constants import ELECTRON_VOLT
from sselab.continuum.segregation import (
    SegregationPrediction,
    bond_energies,
    contact_angle_deg,
    predict,
    segregation_model,
    weakest_site,
)
from sselab.errors import InputError, SSELabError
from sselab.params.interfaces import write_interface
from sselab.params.references import load_reference

NM2 = 1e-18
PAPER = load_reference("seed001_text")
MODEL_KEYS = {"surface_energy_J_per_m2", "work_of_adhesion_J_per_m2", "surface_density_per_m2", "delta_e_bulk_int_eV",
              "delta_e_bulk_free_eV", "contact_angle_deg", "adhesion_ratio", "segregation_suppressed"}


def test_criterion_boundary_is_exact():
    # W_ad = 2 sigma_m: no preference (eq. 11 = 0) and complete wetting
    p = predict(0.463, 2 * 0.463, 8.47 / NM2)
    assert p.delta_e_bulk_int == pytest.approx(0.0, abs=1e-30)
    assert p.contact_angle_deg == 0.0
    assert p.segregation_suppressed


def test_free_surface_limit_and_units():
    # no substrate (W_ad = 0): the interface is a free surface, eq. 11 = eq. 12 = sigma/rho
    p = predict(0.463, 0.0, 8.47 / NM2)
    assert p.delta_e_bulk_int == p.delta_e_bulk_free
    assert p.delta_e_bulk_free / ELECTRON_VOLT == pytest.approx(0.463 / 8.47e18 / 1.602176634e-19)
    assert p.contact_angle_deg == 180.0 and not p.segregation_suppressed


def test_paper_bcc_li_100_per_atom_energy():
    # seed 001: sigma = 0.463 J/m^2 and 0.341 eV per surface atom for BCC Li(100); rho = 1/a^2 with a = 3.436 A
    rho = 1.0 / (PAPER["li_bcc_lattice_A"] * 1e-10) ** 2
    per_atom = predict(PAPER["li_bcc_100_surface_energy_J_per_m2"], 0.0, rho).delta_e_bulk_free / ELECTRON_VOLT
    assert per_atom == pytest.approx(PAPER["li_bcc_100_surface_energy_eV_per_atom"], abs=0.002)


def test_paper_hcp_0001_density():
    # seed 001: 12.26 atoms/nm^2 on HCP Li(0001) and 0.290 eV/atom -> sigma = 0.290 eV * 12.26/nm^2 = 0.570 J/m^2
    per_atom, rho = PAPER["li_hcp_0001_surface_energy_eV_per_atom"], PAPER["li_hcp_0001_surface_density_per_nm2"] / NM2
    sigma = per_atom * ELECTRON_VOLT * rho
    assert sigma == pytest.approx(0.570, abs=0.001)
    assert predict(sigma, 0.0, rho).delta_e_bulk_free / ELECTRON_VOLT == pytest.approx(per_atom)


@pytest.mark.parametrize("theta", [0.0, 30.0, 90.0, 142.0, 180.0])
def test_young_dupre_round_trip(theta):
    sigma = 0.4
    work = sigma * (1 + math.cos(math.radians(theta)))
    assert contact_angle_deg(sigma, work) == pytest.approx(theta, abs=1e-6)


def test_angle_clipped_beyond_complete_wetting():
    assert contact_angle_deg(0.4, 1.2) == 0.0
    assert contact_angle_deg(0.4, -0.1) == 180.0


def test_bond_energies_reproduce_eq_11():
    sigma, work, rho, n_s, n_i = 0.46, 0.6, 8.5e18, 4.0, 4.0
    e_mm, e_msub = bond_energies(sigma, work, rho, n_s, n_i)
    # eq. 11 written with bond energies, with N_b - (N_b - N_s) = N_s: dE = N_s e_mm - N_i e_msub
    assert n_s * e_mm - n_i * e_msub == pytest.approx(predict(sigma, work, rho).delta_e_bulk_int)
    # KMC-style reading of the criterion (seed 001 discussion): W >= 2 sigma  <=>  e_msub >= (N_s/N_i) e_mm
    assert (e_msub >= e_mm) == predict(sigma, work, rho).segregation_suppressed


def test_weakest_site_is_the_largest_segregation_energy():
    assert weakest_site({"i": -0.11, "ii": 0.15, "iii": 0.17}) == ("iii", 0.17)


@pytest.mark.parametrize("args", [(0.0, 0.5, 8e18), (0.4, float("nan"), 8e18), (0.4, 0.5, -1.0)])
def test_bad_input(args):
    with pytest.raises(SSELabError):
        predict(*args)


def test_model_entry_point_in_si_and_its_summary():
    prediction = segregation_model(0.46, 0.6, 8.5 / NM2)
    summary = prediction.to_dict()
    assert set(summary) == MODEL_KEYS
    # eq. 11 by hand: (sigma - W/2)/rho in eV
    assert summary["delta_e_bulk_int_eV"] == pytest.approx((0.46 - 0.3) / 8.5e18 / 1.602176634e-19)
    assert summary["adhesion_ratio"] == pytest.approx(0.6 / 0.92)
    assert summary["segregation_suppressed"] is False
    assert SegregationPrediction.from_dict(summary) == prediction


def test_model_reads_an_interface_file_and_arguments_override_it(tmp_path):
    path = write_interface(tmp_path / "interface.toml", surface_energy_J_per_m2=0.46, work_of_adhesion_J_per_m2=0.6,
                           surface_density_per_m2=8.5e18)
    from_file = segregation_model(interface_file=path)
    assert from_file.delta_e_bulk_int == pytest.approx(predict(0.46, 0.6, 8.5e18).delta_e_bulk_int, rel=1e-12)
    # W_ad = 2 sigma_m given beside the file: the boundary of the criterion
    assert segregation_model(work_of_adhesion_J_per_m2=0.92, interface_file=path).segregation_suppressed
    with pytest.raises(InputError, match="missing work_of_adhesion, surface_density"):
        segregation_model(0.46)


@pytest.mark.parametrize("density", [8.5, 8.5e22])
def test_a_surface_density_in_the_wrong_unit_is_refused(density):
    """8.5 atoms/nm^2 given as 8.5 (per m^2) would put dE_bulk-int at ~1e17 eV without complaint."""
    from sselab.continuum.segregation import segregation_model

    assert segregation_model(0.46, 0.6, 8.5e18).delta_e_bulk_int > 0
    with pytest.raises(InputError, match="0.1-100 atoms/nm"):
        segregation_model(0.46, 0.6, density)


def test_the_cli_refuses_a_bare_surface_density_with_one_line(capsys):
    from conftest import run_cli

    code, stdout, stderr = run_cli(["segregation", "model", "--surface-energy", "0.46 J/m^2", "--work-of-adhesion",
                                    "0.6 J/m^2", "--surface-density", "8.5"], capsys)
    assert code == 2 and stdout == "" and len(stderr.strip().splitlines()) == 1 and "0.1-100 atoms/nm" in stderr
