"""Calculators as users hold them: names, ASE objects, loaded calculators and engines, one normalisation."""

import pytest
from ase.build import bulk
from ase.calculators.emt import EMT

from sselab.atomistic.engine import Engine, as_engine, load_calculator, register_calculator
from sselab.errors import InputError, SSELabError


def test_a_name_an_object_and_a_loaded_calculator_resolve_to_the_same_energies():
    copper = bulk("Cu", "fcc", a=3.6) * (2, 2, 2)
    direct = copper.copy()
    direct.calc = EMT()
    reference = direct.get_potential_energy()
    for held in ("emt", EMT(), load_calculator("emt")):
        assert as_engine(held).energy(copper).get_potential_energy() == pytest.approx(reference, abs=1e-12)


def test_identity_names_what_was_given():
    assert load_calculator("emt").spec.name == "emt"
    assert load_calculator(EMT()).spec.name == "python:EMT"
    loaded = load_calculator("emt")
    assert load_calculator(loaded) is loaded


def test_an_engine_is_used_as_it_is_and_its_policy_can_be_tightened():
    engine = Engine.create("emt")
    assert as_engine(engine) is engine
    tighter = as_engine(engine, fmax=0.001)
    assert tighter.fmax == 0.001 and tighter.cache is engine.cache and engine.fmax == 0.02


def test_an_engine_with_a_second_cache_is_refused():
    with pytest.raises(InputError, match="already has its cache"):
        as_engine(Engine.create("emt"), db="other.db")


def test_a_registered_name_works_everywhere_a_name_does(tmp_path):
    register_calculator("emt-for-tests", EMT, model="ASE EMT (registered in a test)", overwrite=True)
    engine = as_engine("emt-for-tests", db=str(tmp_path / "cache.db"))
    assert engine.spec.model == "ASE EMT (registered in a test)"
    atoms = bulk("Al", "fcc", a=4.05)
    first = engine.energy(atoms).get_potential_energy()
    again = as_engine("emt-for-tests", db=str(tmp_path / "cache.db"))
    assert again.energy(atoms).get_potential_energy() == first and again.cache.stats.hits == 1
    with pytest.raises(InputError, match="already registered"):
        register_calculator("emt-for-tests", EMT)


@pytest.mark.parametrize("held, fragment", [
    ("no-such-model", "unknown calculator"),
    (42, "expected a calculator name"),
])
def test_what_cannot_be_a_calculator_is_a_user_error(held, fragment):
    with pytest.raises(InputError, match=fragment):
        load_calculator(held)


def test_a_device_for_a_calculator_without_one_is_refused_not_ignored():
    with pytest.raises(InputError, match="no device setting"):
        load_calculator("emt", device="cuda")


def test_user_errors_share_the_base_class_the_cli_turns_into_exit_2():
    assert issubclass(InputError, SSELabError)


def test_two_calculator_objects_of_one_class_never_share_a_persistent_cache(tmp_path):
    """An object's identity is its class and parameters; two models of one class would collide in an ase.db."""
    with pytest.raises(InputError, match="register it"):
        as_engine(EMT(), db=str(tmp_path / "cache.db"))
    copper = bulk("Cu", "fcc", a=3.6)
    first, second = as_engine(EMT()), as_engine(EMT(asap_cutoff=True))
    first.energy(copper), second.energy(copper)
    assert (first.cache.stats.computed, second.cache.stats.computed, second.cache.stats.hits) == (1, 1, 0)


def test_a_cell_mask_relaxes_only_the_chosen_strain_and_a_bad_mask_is_refused():
    import numpy as np

    engine = Engine.create("emt", fmax=0.01)
    squeezed = bulk("Cu", "fcc", a=3.5, cubic=True)
    only_c = engine.relax(squeezed, cell=True, cell_factor=1.0, cell_mask=(False, False, True, False, False, False))
    np.testing.assert_allclose(only_c.cell.array[:2], squeezed.cell.array[:2], atol=1e-12)
    assert only_c.cell[2, 2] > 3.55  # c expands toward EMT's 3.59 A; a and b stay compressed
    whole = engine.relax(squeezed, cell=True, cell_factor=1.0)
    assert whole.cell[0, 0] > 3.55 and whole.get_potential_energy() < only_c.get_potential_energy()  # another cache entry
    for mask in ((True,) * 5, (False,) * 6):
        with pytest.raises(InputError, match="six booleans"):
            engine.relax(squeezed, cell=True, cell_mask=mask)
    with pytest.raises(InputError, match="cell relaxation"):
        engine.relax(squeezed, cell_mask=(False, False, True, False, False, False))
