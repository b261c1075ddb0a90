"""The library's hexagonal Li3P (D0_18, P6_3/mmc) against what is known of the real structure.

The cell (a = 4.264, c = 7.579 A, Z = 2) is a secondary-source experimental value and the Li 4f height z is
reconstructed (SOURCES.toml), so the packaged file is checked for the chemistry the Na3As type must have: the
Wyckoff sites, charge balance, the graphite-like LiP layers, a P coordination of 3 + 2 + 6 Li, and that z sits at
CHGNet's minimum (the refinement that produced it: a regression check, not an independent one) within the spread of a
second model. CHGNet's minimum under P6_3/mmc is not its ground state (a sqrt3 x sqrt3 distortion is 2.5 meV/atom lower,
docs/segregation.md); the package keeps the reported space group.
"""

from __future__ import annotations

import numpy as np
import pytest
import spglib
from ase.neighborlist import neighbor_list

from sselab.atomistic.build.structures import library, load_structure

A, C = 4.264, 7.579


@pytest.fixture(scope="module")
def li3p():
    return load_structure("li3p")


def _sites(atoms) -> list[str]:
    data = spglib.get_symmetry_dataset((atoms.cell[:], atoms.get_scaled_positions(), atoms.numbers), symprec=1e-3)
    symbols = np.array(atoms.get_chemical_symbols())
    return [data.number] + sorted(f"{symbols[o]} {np.sum(data.equivalent_atoms == o)}{data.wyckoffs[o]}"
                                  for o in np.unique(data.equivalent_atoms))


def test_library_entry_records_the_cell_and_flags_the_reconstruction():
    entry = library()["li3p"]
    assert entry["space_group"] == 194 and entry["lattice_A"] == pytest.approx([A, A, C], abs=1e-4)
    assert "RECONSTRUCTED" in entry["note"] and "primary not checked" in entry["source"]
    assert entry["seed001_role"] == "substrate"


def test_composition_cell_charge_and_wyckoff_sites(li3p):
    assert li3p.get_chemical_formula(mode="metal") == "Li6P2"
    assert li3p.cell.cellpar() == pytest.approx([A, A, C, 90, 90, 120], abs=1e-4)
    assert sum({"Li": 1, "P": -3}[s] for s in li3p.get_chemical_symbols()) == 0
    assert _sites(li3p) == [194, "Li 2b", "Li 4f", "P 2c"]


def test_p_is_bonded_to_three_in_layer_two_axial_and_six_outer_li(li3p):
    symbols = np.array(li3p.get_chemical_symbols())
    i, j, d = neighbor_list("ijd", li3p, 3.2)
    for p in np.flatnonzero(symbols == "P"):
        shell = np.sort(d[(i == p) & (symbols[j] == "Li")])
        assert len(shell) == 11
        # in-layer Li(2b)-P is a/sqrt(3) whatever z is: the graphite-like LiP layer
        assert shell[:3] == pytest.approx(A / np.sqrt(3), abs=1e-3)
        assert np.all((shell[3:] > 2.4) & (shell[3:] < 3.0))
    layer_heights = np.unique(np.round(li3p.get_scaled_positions()[symbols == "P"][:, 2], 6))
    assert list(layer_heights) == [0.25, 0.75]


@pytest.mark.mlip
def test_the_reconstructed_z_is_the_chgnet_minimum_and_close_to_sevennet(li3p, one_torch_thread):
    from ase.constraints import FixSymmetry
    from ase.optimize import BFGS

    from sselab.atomistic.engine.calculators import load_calculator

    symbols = np.array(li3p.get_chemical_symbols())
    atoms = li3p.copy()
    atoms.calc = load_calculator("chgnet").calculator
    assert np.abs(atoms.get_forces()).max() < 0.01  # eV/A: the packaged z is CHGNet's minimum
    pytest.importorskip("sevenn")
    atoms.calc = load_calculator("sevennet").calculator
    atoms.set_constraint(FixSymmetry(atoms, symprec=1e-3))
    BFGS(atoms, logfile=None).run(fmax=0.002, steps=200)
    moved = np.linalg.norm(atoms.positions - li3p.positions, axis=1)
    assert moved[symbols == "P"].max() < 1e-4 and moved.max() < 0.06  # measured: 0.033 A along c (z 0.5860 vs 0.5817)
