"""Opt-in (``pytest -m mlip``): the seed 001 chain with the default MLIP, CHGNet 0.3.0, on the paper's pairs at full size.

Asserts the paper's qualitative results, which the bond-breaking model turns into a design rule:
ΔE_bulk-int > 0 for Li/LiCl (vacancies collect at the interface), < 0 for Li/LiMg (they are pushed
into the bulk), and the model's sign agrees with the computed one. About 2-3 min on 2 cores. The
same conclusion on the smallest cells runs in the default tier (``tests/test_realpotential_seed001.py``).
"""

import pytest

pytest.importorskip("chgnet")

from sselab.atomistic.engine import Engine
from sselab.params.references import load_reference
from sselab.studies.segregation import SegregationStudy

pytestmark = [pytest.mark.mlip, pytest.mark.slow, pytest.mark.paper]
PAPER = load_reference("seed001_text")


@pytest.fixture(scope="module")
def chgnet():
    return Engine.create("chgnet")


def test_li_licl_vacancies_segregate_to_the_interface(chgnet):
    result = SegregationStudy().run("li-bcc", "licl", calculator=chgnet)
    assert PAPER["li_licl_delta_e_bulk_int_eV"] > 0
    assert result.delta_e_bulk_int_eV > 0.05
    assert result.delta_e_bulk_int_model_eV > 0
    assert not result.segregation_suppressed and not result.computed_segregation_suppressed
    assert result.unconverged_relaxations == 0


def test_li_limg_vacancies_are_pushed_into_the_bulk(chgnet):
    result = SegregationStudy(substrate_termination="Mg").run("li-bcc", "limg", calculator=chgnet)
    assert PAPER["li_limg_delta_e_bulk_int_eV"] < 0
    assert result.delta_e_bulk_int_eV < -0.05
    assert result.work_of_adhesion_J_per_m2 > 2 * result.surface_energy_J_per_m2
    assert result.segregation_suppressed and result.computed_segregation_suppressed
