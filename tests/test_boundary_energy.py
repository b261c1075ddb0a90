"""Grain-boundary energy (sselab.atomistic.properties.boundary) with EMT copper and composition bookkeeping."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import bulk

from sselab.atomistic.build.grain_boundaries import csl_bicrystal
from sselab.atomistic.engine import Engine
from sselab.atomistic.properties.boundary import boundary_energy, reference_amounts
from sselab.errors import InputError


def test_amounts_of_bulk_and_a_reference_add_up_to_an_off_stoichiometric_boundary():
    llzo = {"La": 24, "Li": 56, "O": 96, "Zr": 16}
    bicrystal = {e: 2 * n for e, n in llzo.items()}
    bicrystal["Li"] -= 6
    bicrystal["O"] -= 3  # three Li2O units lost at the boundaries
    assert reference_amounts(bicrystal, {"bulk": llzo, "Li2O": {"Li": 2, "O": 1}}) == pytest.approx({"bulk": 2.0, "Li2O": -3.0})
    bicrystal["O"] -= 1
    with pytest.raises(InputError, match="not bulk plus the reference phases"):
        reference_amounts(bicrystal, {"bulk": llzo, "Li2O": {"Li": 2, "O": 1}})
    with pytest.raises(InputError, match="not independent"):
        reference_amounts(llzo, {"bulk": llzo, "twice": {e: 2 * n for e, n in llzo.items()}})


def _fcc_twin_energy_from_stacking(engine: Engine, a: float) -> float:
    """ANNNI estimate of the coherent twin, γ_T ≈ (E_hcp − E_fcc)/A₁₁₁ per atom of a (111) layer (J/m²): the twin
    turns one fcc stacking triple into an hcp one; both phases relaxed with ``engine``."""
    from sselab.constants import EV_PER_A2_TO_J_PER_M2

    fcc = engine.relax(bulk("Cu", "fcc", a=a), cell=True, cell_factor=1.0, fmax=1e-4)
    hcp = engine.relax(bulk("Cu", "hcp", a=a / np.sqrt(2), c=a / np.sqrt(2) * 1.633), cell=True, cell_factor=1.0, fmax=1e-4)
    difference = hcp.get_potential_energy() / len(hcp) - fcc.get_potential_energy() / len(fcc)
    area = np.sqrt(3) / 4 * (4 * fcc.get_volume()) ** (2 / 3)
    return difference / area * EV_PER_A2_TO_J_PER_M2


def test_emt_copper_boundaries_a_bulk_supercell_costs_nothing_a_twin_its_stacking_energy_and_a_sigma5_about_a_joule():
    cu = bulk("Cu", "fcc", a=3.6, cubic=True)
    engine = Engine.create("emt", fmax=0.01, max_steps=1000)
    supercell = boundary_energy(cu.repeat((1, 1, 4)), cu, engine)
    assert abs(supercell.energy_J_per_m2) < 1e-5 and abs(supercell.interface_stress_N_per_m) < 0.05  # no boundary
    assert supercell.converged and set(supercell.relaxations) == {"bulk", "bicrystal"}
    twin = boundary_energy(csl_bicrystal(cu, (1, 1, 1), 60.0, plane=(1, 1, 1)).atoms, cu, engine)
    # EMT puts hcp copper 0.9 meV/atom below fcc, so its twin costs a little less than nothing
    assert twin.energy_J_per_m2 == pytest.approx(_fcc_twin_energy_from_stacking(engine, 3.6), rel=0.1)
    sigma5_cell = csl_bicrystal(cu, (0, 0, 1), np.degrees(2 * np.arctan(1 / 3)), plane=(3, 1, 0), expand_times=1).atoms
    sigma5 = boundary_energy(sigma5_cell, cu, engine)
    # EAM copper gives about 0.9 J/m2 for the Σ5(310)[001] boundary and an expansion of about 0.3 Å
    assert 0.6 < sigma5.energy_J_per_m2 < 1.3 and 0.1 < sigma5.excess_volume_per_area_A < 0.5
    assert sigma5.amounts == pytest.approx({"bulk": len(sigma5.relaxed) / 4})
    assert sigma5.expansion_per_area_A == pytest.approx(sigma5.excess_volume_per_area_A)  # no reference phase: the same
    assert sigma5.interface_stress_N_per_m == pytest.approx(sum(sigma5.interface_stress_components_N_per_m) / 2)
    # the plane keeps the relaxed bulk's lattice: only c relaxed
    np.testing.assert_allclose(sigma5.relaxed.cell.array[:2], sigma5_cell.cell.array[:2] * sigma5.in_plane_scale, atol=1e-9)


def test_an_unconverged_relaxation_is_recorded():
    cu = bulk("Cu", "fcc", a=3.6, cubic=True)
    sigma5 = csl_bicrystal(cu, (0, 0, 1), np.degrees(2 * np.arctan(1 / 3)), plane=(3, 1, 0), expand_times=1).atoms
    result = boundary_energy(sigma5, cu, Engine.create("emt", fmax=0.01, max_steps=3))
    assert not result.converged and result.relaxations["bicrystal"] == {"converged": False, "steps": 3}
    assert result.to_dict()["converged"] is False


def test_elastic_constants_use_their_own_step_limit_on_a_given_engine_and_count_relaxations_cut_short():
    from sselab.studies.fracture import ElasticConstantsCalculation

    squeezed = bulk("Cu", "fcc", a=3.5, cubic=True)  # far from EMT's 3.59 Å: the cell relaxation needs several steps
    short = ElasticConstantsCalculation(max_steps=1).run(squeezed, Engine.create("emt", max_steps=1000))
    assert short.unconverged_relaxations >= 1 and short.to_dict()["unconverged_relaxations"] == short.unconverged_relaxations
    assert ElasticConstantsCalculation().run(squeezed, Engine.create("emt", max_steps=1)).unconverged_relaxations == 0
