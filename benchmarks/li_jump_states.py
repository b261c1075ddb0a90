"""Is the Li site change a fitted potential makes under tension a lower state for the teacher too? (docs/potentials.md,
"Stress rows, and the elastic gate read as a Li site change").

For ε_xx and ε_zz = +1.25 % on the ordered LLZO cell relaxed by ``--cell-from`` (default the potential itself): the
teacher (CHGNet) relaxes the strained cell as it is (where it keeps every Li on its site) and the site-changed cell
(frames 3 and 13 of a ``model-cell`` set of benchmarks/pod_strain_al.py); both models then compare the energies of the
two relaxed states, each after its own relaxation (fmax 0.01 eV/Å). Then the same at zero strain: the teacher's
site-changed state is scaled back to the unstrained cell and relaxed again by each model, against the unstrained cell
with every Li on its site.

Usage: ``python benchmarks/li_jump_states.py POTENTIAL.toml MODEL_CELL_SET.extxyz [--cell-from CELL_POTENTIAL.toml]
[--db DB]``
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from ase.io import read

from sselab.atomistic.engine import Engine
from sselab.atomistic.properties.elastic import strained_copy
from sselab.studies.md import build_md_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("potential")
    parser.add_argument("frames")
    parser.add_argument("--cell-from", help="potential whose relaxed cell the set was made on (default POTENTIAL)")
    parser.add_argument("--db", default=None)
    parser.add_argument("--out", help="also write the energies as JSON here")
    args = parser.parse_args()
    frames = read(args.frames, ":")
    pod = Engine.create(f"lammps:{args.potential}", fmax=0.01, max_steps=2000)
    teacher = Engine.create("chgnet", args.db, fmax=0.01, max_steps=2000)
    maker = Engine.create(f"lammps:{args.cell_from}", fmax=0.01, max_steps=2000) if args.cell_from else pod
    start = maker.relax(build_md_system("llzo")[0], cell=True, cell_factor=1.0)
    kept_at_zero = {name: engine.label(engine.relax(start)).get_potential_energy()
                    for name, engine in (("teacher", teacher), ("potential", pod))}
    record = {"potential": args.potential, "frames": args.frames, "cell_from": args.cell_from or args.potential, "states": []}
    for index, component, name in ((3, 0, "xx"), (13, 2, "zz")):
        kept = teacher.relax(strained_copy(start, component, 0.0125))
        changed = teacher.relax(frames[index])
        teacher_gap = teacher.label(changed).get_potential_energy() - teacher.label(kept).get_potential_energy()
        pod_gap = pod.label(pod.relax(changed)).get_potential_energy() - pod.label(pod.relax(kept)).get_potential_energy()
        apart = np.linalg.norm(changed.positions - kept.positions, axis=1).max()
        print(f"eps_{name} +1.25 %: E(site-changed) - E(sites kept): teacher {1000 * teacher_gap:+.1f} meV/cell, "
              f"potential {1000 * pod_gap:+.1f} meV/cell; the two states differ by up to {apart:.2f} A")
        back = changed.copy()
        back.set_cell(start.cell, scale_atoms=True)
        gaps = {name: engine.label(engine.relax(back)).get_potential_energy() - kept_at_zero[name]
                for name, engine in (("teacher", teacher), ("potential", pod))}
        print(f"  the same two arrangements at zero strain: teacher {1000 * gaps['teacher']:+.1f} meV/cell, "
              f"potential {1000 * gaps['potential']:+.1f} meV/cell")
        record["states"].append({"strain": f"eps_{name} +1.25 %", "teacher_meV_per_cell": 1000 * teacher_gap,
                                 "potential_meV_per_cell": 1000 * pod_gap, "apart_A": float(apart),
                                 "zero_strain_teacher_meV_per_cell": 1000 * gaps["teacher"],
                                 "zero_strain_potential_meV_per_cell": 1000 * gaps["potential"]})
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump(record, handle, indent=1)


if __name__ == "__main__":
    main()
