"""The ε_xx response of a model's relaxed ordered LLZO cell, strain by strain: the secant C11 = Δσ_xx/ε and the
largest distance an ion moved while the strained cell relaxed (docs/potentials.md, "Stress rows, and the elastic gate
read as a Li site change"). A linear response gives the same secant at every small strain and ion moves of a few
hundredths of an Å; a Li site change shows as a jump of tenths of an Å and a secant that collapses on one side.

The cell is relaxed as ``potential validate`` relaxes it (cell and ions, cell_factor 1, fmax 0.01 eV/Å, at most 2000
steps), from ``--structure`` (default the ordered LLZO builder; any name ``md run`` takes). ``--clamped`` instead strains the teacher's relaxed cell (``--sample``'s
equilibrium frame) without relaxing the ions: the clamped-ion C11.

Usage: ``python benchmarks/strain_response.py MODEL [--structure llzo] [--db DB] [--strains 0.0025,0.005,0.01]
[--clamped --sample FILE] [--out results/NAME.json]`` with MODEL a calculator name (``chgnet``, ``lammps:FILE.toml``).
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from ase.io import read

from sselab.atomistic.engine import Engine
from sselab.atomistic.properties.elastic import strained_copy
from sselab.constants import EV_PER_A3_TO_GPA
from sselab.studies.md import build_md_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model")
    parser.add_argument("--structure", default="llzo")
    parser.add_argument("--db", default=None)
    parser.add_argument("--strains", default="0.0025,0.005,0.01")
    parser.add_argument("--clamped", action="store_true")
    parser.add_argument("--sample", help="training.extxyz of a 'potential sample' run (its equilibrium frame)")
    parser.add_argument("--out", help="also write the rows as JSON here (e.g. benchmarks/results/strain_response_NAME.json)")
    args = parser.parse_args()
    engine = Engine.create(args.model, args.db, fmax=0.01, max_steps=2000)
    if args.clamped:
        start = next(f for f in read(args.sample, ":") if f.info.get("config_type") == "equilibrium")
    else:
        start = engine.relax(build_md_system(args.structure)[0], cell=True, cell_factor=1.0)
    print("cell lengths (A)", np.round(start.cell.lengths(), 4))
    base = engine.label(start).get_stress() * EV_PER_A3_TO_GPA
    rows = []
    for size in (float(x) for x in args.strains.split(",")):
        for sign in (1, -1):
            strained = strained_copy(start, 0, sign * size)
            ions = strained if args.clamped else engine.relax(strained)
            stress = engine.label(ions).get_stress() * EV_PER_A3_TO_GPA - base
            moved = np.linalg.norm(ions.positions - strained.positions, axis=1)
            print(f"eps_xx {sign * size:+.4f}: d sigma xx/yy/zz {stress[0]:+.3f} {stress[1]:+.3f} {stress[2]:+.3f} GPa, "
                  f"secant C11 {stress[0] / (sign * size):.1f}, C12 {(stress[1] + stress[2]) / 2 / (sign * size):.1f} GPa, largest ion relaxation {moved.max():.3f} A "
                  f"({ions[int(moved.argmax())].symbol})", flush=True)
            rows.append({"strain_xx": sign * size, "d_stress_GPa": [float(x) for x in stress[:3]],
                         "secant_C11_GPa": float(stress[0] / (sign * size)),
                         "secant_C12_GPa": float((stress[1] + stress[2]) / 2 / (sign * size)),
                         "largest_ion_relaxation_A": float(moved.max()), "moved_element": ions[int(moved.argmax())].symbol})
    if args.out:
        record = {"model": args.model, "structure": "teacher cell of " + args.sample if args.clamped else args.structure,
                  "clamped": args.clamped, "cell_lengths_A": [float(x) for x in start.cell.lengths()], "rows": rows}
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump(record, handle, indent=1)


if __name__ == "__main__":
    main()
