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


def test_emt_copper_boundaries_a_bulk_supercell_costs_nothing_a_twin_almost_nothing_and_a_sigma5_about_a_joule():
    cu = bulk("Cu", "fcc", a=3.6, cubic=True)
    engine = Engine.create("emt", fmax=0.01, max_steps=1000)
    assert abs(boundary_energy(cu.repeat((1, 1, 4)), cu, engine).energy_J_per_m2) < 1e-5  # no boundary: γ = 0
    twin = boundary_energy(csl_bicrystal(cu, (1, 1, 1), 60.0, plane=(1, 1, 1)).atoms, cu, engine)
    assert abs(twin.energy_J_per_m2) < 0.01  # coherent twin: the stacking changes, no bond does
    sigma5 = boundary_energy(csl_bicrystal(cu, (0, 0, 1), np.degrees(2 * np.arctan(1 / 3)), plane=(3, 1, 0), expand_times=1).atoms,
                             cu, engine)
    # EAM copper gives about 0.9 J/m2 for the Σ5(310)[001] boundary and an expansion of about 0.3 Å
    assert 0.6 < sigma5.energy_J_per_m2 < 1.3 and 0.1 < sigma5.excess_volume_per_area_A < 0.5
    assert sigma5.amounts == pytest.approx({"bulk": len(sigma5.relaxed) / 4})
