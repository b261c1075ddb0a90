"""The validation's relaxed-ion elastic constants against the ions' relaxation tolerance, model by model.

``potential validate`` takes C11/C12/C44 from cells strained by ±h with their ions relaxed to ``fmax``
(:func:`sselab.studies.potential.equilibrium_properties`). When the strain's forces are not far above ``fmax`` the ions
hardly move and the constants approach clamped-ion ones; a soft internal mode coupled to the strain only shows at a
tighter tolerance. This script gives the constants and the largest ion move at each tolerance, so that a gate verdict
can be checked for convergence (docs/potentials.md, "Relaxation tolerance"). A non-cubic cell (Li₆Zr₂O₇) gets the full
6 × 6 tensor: its lowest eigenvalue (negative: mechanically unstable, and then the moduli are NaN) and the VRH moduli
are reported too.

Run as ``python benchmarks/elastic_tolerance.py --structure li6zr2o7 --fmax 0.01,0.002 --out results/X.json MODEL ...``
with MODEL a calculator name (``chgnet``, ``lammps:lzo_pod``, ``lammps:FILE.toml``, ``ff:NAME``).
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

from sselab.atomistic.engine import as_engine, load_calculator
from sselab.errors import SSELabError
from sselab.studies.md import build_md_system
from sselab.studies.potential import equilibrium_properties


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", help="calculator names")
    parser.add_argument("--structure", default="li6zr2o7", help="packaged name or structure file")
    parser.add_argument("--fmax", default="0.01,0.002", help="relaxation tolerances (eV/A), comma-separated")
    parser.add_argument("--strain", type=float, default=0.005, help="strain step of the finite differences")
    parser.add_argument("--db", default=None, help="ase.db cache for the reference's labels")
    parser.add_argument("--out", required=True, help="JSON file to write")
    args = parser.parse_args()
    atoms, _ = build_md_system(args.structure)
    rows = []
    for model in args.models:
        for fmax in (float(value) for value in args.fmax.split(",")):
            engine = as_engine(load_calculator(model), db=args.db, fmax=fmax, max_steps=8000)
            row = {"model": model, "fmax_eV_per_A": fmax, "strain": args.strain}
            try:
                properties = equilibrium_properties(atoms, engine, args.strain)
                row.update({key: float(value) for key, value in properties.items() if key not in ("a_A", "b_A", "c_A")})
            except SSELabError as error:
                row["error"] = str(error)
            print(json.dumps(row), flush=True)
            rows.append(row)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"structure": args.structure, "machine": platform.node(), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
