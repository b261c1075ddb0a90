"""Real-potential tier (default ``make test``): seed 001's conclusion with the default MLIP, CHGNet 0.3.0.

Seymour & Aguadero find ΔE_bulk-int > 0 for Li(100)/LiCl(100) (vacancies collect at the interface, where voids
form on stripping) and < 0 for Li(100)/LiMg(100) (vacancies are pushed into the bulk), and the bond-breaking model
W_ad ≥ 2σ_m gives the same verdicts. Here the whole study runs on the smallest cells that keep both signs: 5 Li
planes (interface, bulk-like middle, free surface), 2 substrate planes, a 2 × 2 lateral cell (vacancy images 7 Å
apart), the Fiorentini–Methfessel fit over 3 and 5 planes, relaxations to 0.05 eV/Å. Measured on 2 cores:
ΔE_bulk-int = +0.44 eV (LiCl) and −0.10 eV (LiMg), about 20 s for both pairs with the model load (one torch thread). The full-size
cells are the opt-in ``tests/test_mlip_seed001.py``.

CHGNet is a dependency of this tier: without it the study raises and the test fails (it is never skipped).
"""

from dataclasses import replace

import pytest

from sselab.atomistic.engine import Engine
from sselab.params.references import load_reference
from sselab.studies.segregation import SegregationStudy

SMALLEST = SegregationStudy(metal_planes=5, substrate_planes=2, min_image=5.0, fm_planes=(3, 5), fmax=0.05)
PAPER = load_reference("seed001_text")


@pytest.fixture(scope="module")
def chgnet(one_torch_thread):
    return Engine.create("chgnet")


def test_sign_of_vacancy_segregation_differs_between_licl_and_limg(chgnet):
    licl = SMALLEST.run("li-bcc", "licl", calculator=chgnet)
    limg = replace(SMALLEST, substrate_termination="Mg").run("li-bcc", "limg", calculator=chgnet)
    assert PAPER["li_licl_delta_e_bulk_int_eV"] > 0 > PAPER["li_limg_delta_e_bulk_int_eV"]  # the conclusion checked here
    # computed (relaxed vacancy): E_V(bulk) - E_V(interface plane)
    assert licl.delta_e_bulk_int_eV > 0.05, licl.delta_e_bulk_int_eV
    assert limg.delta_e_bulk_int_eV < -0.05, limg.delta_e_bulk_int_eV
    # the bond-breaking model with the same potential's sigma_m, W_ad and rho agrees
    assert not licl.segregation_suppressed and limg.segregation_suppressed
    assert limg.work_of_adhesion_J_per_m2 > 2 * limg.surface_energy_J_per_m2 > licl.work_of_adhesion_J_per_m2
    assert licl.unconverged_relaxations == 0 and limg.unconverged_relaxations == 0
