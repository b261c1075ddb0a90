"""The packaged Li3P (D0_18) under the embedded MLIPs: the Li 4f height and whether D0_18 is the model's ground state.

1. z of Li on 4f relaxed at the fixed experimental cell under P6_3/mmc (ASE FixSymmetry, BFGS to 0.002 eV/A) from
   three starts, with CHGNet and (when installed) SevenNet-0: the check behind the RECONSTRUCTED z in SOURCES.toml.
2. Rattled sqrt3 x sqrt3 x 1 and 2 x 2 x 1 supercells relaxed at the fixed cell (BFGS to 0.005 eV/A), energies per
   atom against the packaged 8-atom cell: the D0_18 -> Cu3P-type distortion (docs/segregation.md, Li/Li3P).

Run: python benchmarks/li3p_model_check.py  (about a minute on 2 cores; writes results/li3p_model_check.json)
"""

from __future__ import annotations

import importlib.util
import json
from importlib import metadata
from pathlib import Path

import numpy as np
from ase.build import make_supercell
from ase.constraints import FixSymmetry
from ase.optimize import BFGS
from ase.spacegroup import crystal

from sselab.atomistic.build.structures import library, load_structure
from sselab.atomistic.engine.calculators import load_calculator

RESULTS_PATH = Path(__file__).resolve().parent / "results" / "li3p_model_check.json"
SUPERCELLS = {"sqrt3 x sqrt3 x 1": [[2, 1, 0], [-1, 1, 0], [0, 0, 1]], "2 x 2 x 1": [[2, 0, 0], [0, 2, 0], [0, 0, 1]]}


def relaxed_z(calculator, z_start: float) -> float:
    """Li 4f height after a symmetry-constrained relaxation at the packaged cell."""
    a, _, c = library()["li3p"]["lattice_A"]
    atoms = crystal(["Li", "Li", "P"], [(0, 0, 0.25), (1 / 3, 2 / 3, z_start), (1 / 3, 2 / 3, 0.25)], spacegroup=194,
                    cellpar=[a, a, c, 90, 90, 120])
    atoms.calc = calculator
    atoms.set_constraint(FixSymmetry(atoms))
    BFGS(atoms, logfile=None).run(fmax=0.002, steps=200)
    fractional = atoms.get_scaled_positions() % 1.0
    upper = [f[2] for s, f in zip(atoms.get_chemical_symbols(), fractional) if s == "Li" and 0.5 < f[2] < 0.75]
    return float(upper[0])


def supercell_energy_change(calculator, matrix, seed: int) -> tuple[float, float]:
    """(E − E(D0_18)) in meV/atom and the largest move (Å) of a rattled supercell relaxed at fixed cell."""
    base = load_structure("li3p")
    base.calc = calculator
    reference = base.get_potential_energy() / len(base)
    ideal = make_supercell(base, matrix)
    cell = ideal.copy()
    cell.rattle(0.05, seed=seed)
    cell.calc = calculator
    BFGS(cell, logfile=None).run(fmax=0.005, steps=500)
    change = 1000 * float(cell.get_potential_energy() / len(cell) - reference)
    return change, float(np.abs(cell.positions - ideal.positions).max())


def main() -> None:
    models = ["chgnet"] + (["sevennet"] if importlib.util.find_spec("sevenn") else [])
    report = {"li_4f_z_from_starts_0.56_0.583_0.60": {}, "supercell_energy_change_meV_per_atom": {}}
    for name in models:
        calculator = load_calculator(name).calculator
        heights = [relaxed_z(calculator, z) for z in (0.56, 0.583, 0.60)]
        report["li_4f_z_from_starts_0.56_0.583_0.60"][name] = heights
        print(name, "Li 4f z from 0.56 / 0.583 / 0.60:", ", ".join(f"{z:.4f}" for z in heights))
    chgnet = load_calculator("chgnet").calculator
    for label, matrix in SUPERCELLS.items():
        for seed in (1, 2):
            change, move = supercell_energy_change(chgnet, matrix, seed)
            key = f"{label}, rattle seed {seed}"
            report["supercell_energy_change_meV_per_atom"][key] = {"change": float(change), "largest_move_A": move}
            print(f"chgnet {label}, rattle seed {seed}: E - E(D0_18) = {change:+.2f} meV/atom, largest move {move:.2f} A")
    versions = {package: metadata.version(package) for package in ("chgnet", "ase")}
    if "sevennet" in models:
        versions["sevenn"] = metadata.version("sevenn")
    RESULTS_PATH.write_text(json.dumps({"benchmark": "li3p_model_check", "command": "python benchmarks/li3p_model_check.py",
                                        "versions": versions, **report}, indent=1) + "\n")


if __name__ == "__main__":
    main()
