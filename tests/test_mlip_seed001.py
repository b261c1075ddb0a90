"""Opt-in (``pytest -m mlip``): the seed 001 chain with the default MLIP, CHGNet 0.3.0, on the paper's pairs.

Asserts the paper's qualitative results, which the bond-breaking model turns into a design rule:
ΔE_bulk-int > 0 for Li/LiCl (vacancies collect at the interface), < 0 for Li/LiMg (they are pushed
into the bulk), and the model's sign agrees with the computed one. About 2-3 min on 2 cores.
"""

import pytest

pytest.importorskip("chgnet")

from sselab.atomistic.build.structures import load_structure
from sselab.atomistic.engine import Engine
from sselab.studies.segregation import StudySettings, run_study

pytestmark = [pytest.mark.mlip, pytest.mark.slow, pytest.mark.paper]


@pytest.fixture(scope="module")
def chgnet():
    return Engine.create("chgnet")


def test_li_licl_vacancies_segregate_to_the_interface(chgnet):
    summary = run_study(chgnet, "li-bcc", load_structure("li-bcc"), "licl", load_structure("licl")).summary()
    assert summary["delta_e_bulk_int_eV"] > 0.05  # paper (PBE): +0.180 eV
    assert summary["delta_e_bulk_int_model_eV"] > 0
    assert not summary["segregation_suppressed"] and not summary["computed_segregation_suppressed"]
    assert summary["unconverged_relaxations"] == 0


def test_li_limg_vacancies_are_pushed_into_the_bulk(chgnet):
    settings = StudySettings(substrate_termination="Mg")
    summary = run_study(chgnet, "li-bcc", load_structure("li-bcc"), "limg", load_structure("limg"), settings).summary()
    assert summary["delta_e_bulk_int_eV"] < -0.05  # paper (PBE): -0.223 eV
    assert summary["work_of_adhesion_J_per_m2"] > 2 * summary["surface_energy_J_per_m2"]
    assert summary["segregation_suppressed"] and summary["computed_segregation_suppressed"]
