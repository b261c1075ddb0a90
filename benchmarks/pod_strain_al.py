"""Active-learning frames for the relaxed-ion elastic response of a fitted LLZO potential (docs/potentials.md,
"Stress rows, and the elastic gate read as a Li site change").

Strained cells are relaxed (ions only) by the fitted potential, where it may move a Li ion to another site, and the
relaxed cells are labelled by the teacher (CHGNet), so the next fit learns the forces and stresses there
(config_type ``strain-relaxed``). The validation's own ±0.5 % strains are never used. Two sets were made:

* ``teacher-cell`` (now also ``sselab potential sample llzo --rattled 0 --strains "" --strain-component 0
  --relaxed-by lammps:POTENTIAL.toml``, which reproduces it): the teacher's relaxed cell (the ``equilibrium`` frame of a ``potential sample`` run), each of the
  six Voigt components at +1.5, -1.5, +2.5, -2.5 % (engineering shear), relaxed to fmax 0.02 eV/Å (25 frames with
  the unstrained cell);
* ``model-cell``: the ordered LLZO cell relaxed (cell and ions, cell_factor 1, fmax 0.01 eV/Å) by the potential itself,
  each normal strain at +0.25, +0.75, +1.25, -0.75, -1.25 % and each shear at ±0.75 %, relaxed to fmax 0.01 eV/Å
  (22 frames with the relaxed cell itself).

Usage: ``python benchmarks/pod_strain_al.py POTENTIAL.toml OUT.extxyz teacher-cell|model-cell --sample
runs/s23/llzo-sample/training.extxyz --db runs/s23/llzo.db`` (``--sample`` only for ``teacher-cell``).
"""

from __future__ import annotations

import argparse

import numpy as np
from ase.io import read, write

from sselab.atomistic.engine import Engine
from sselab.atomistic.properties.elastic import strained_copy
from sselab.studies.md import build_md_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("potential")
    parser.add_argument("out")
    parser.add_argument("start", choices=("teacher-cell", "model-cell"))
    parser.add_argument("--sample", help="training.extxyz of a 'potential sample' run (its equilibrium frame)")
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    teacher = Engine.create("chgnet", args.db)
    if args.start == "teacher-cell":
        start = next(f for f in read(args.sample, ":") if f.info.get("config_type") == "equilibrium")
        relaxer = Engine.create(f"lammps:{args.potential}")
        cells = [start.copy()] + [strained_copy(start, k, s) for k in range(6) for s in (0.015, -0.015, 0.025, -0.025)]
    else:
        relaxer = Engine.create(f"lammps:{args.potential}", fmax=0.01, max_steps=2000)
        start = relaxer.relax(build_md_system("llzo")[0], cell=True, cell_factor=1.0)
        cells = [start] + [strained_copy(start, k, s) for k in range(3) for s in (0.0025, 0.0075, 0.0125, -0.0075, -0.0125)]
        cells += [strained_copy(start, k, s) for k in range(3, 6) for s in (0.0075, -0.0075)]
    labelled = []
    for n, cell in enumerate(cells):
        relaxed = relaxer.relax(cell) if n or args.start == "teacher-cell" else cell
        moved = np.linalg.norm(relaxed.positions - cell.positions, axis=1).max()
        label = teacher.label(relaxed)
        label.info = {"config_type": "strain-relaxed"}
        labelled.append(label)
        print(n, f"largest ion relaxation {moved:.3f} A, teacher's largest force component "
                 f"{np.abs(label.get_forces()).max():.3f} eV/A", flush=True)
    write(args.out, labelled, format="extxyz")


if __name__ == "__main__":
    main()
