"""The Li vacancy hop of docs/potentials.md: fitted sets evaluated on CHGNet's own NEB band, image by image.

A fitted set's own band can connect different end states than its teacher's (the moving Li and a spectator relax
differently), so besides each model's own CI-NEB the teacher's band (``runs/ref-md-gpu2/neb_band.extxyz`` from
``benchmarks/chgnet_reference_gpu.sh``) is re-evaluated with each fitted set: the energy profile along the same path.
Prints one JSON object and writes ``results/compare_neb.json``. Run as
``python benchmarks/compare_neb.py [lammps:llzo_pod ff:llzo_fit ...]``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ase.io import read

from sselab import as_engine
from sselab.atomistic.properties.migration import background_engine, net_charge

BAND = Path("runs/ref-md-gpu2/neb_band.extxyz")
RESULTS_PATH = Path(__file__).resolve().parent / "results" / "compare_neb.json"


def profile(name: str, band: list) -> list[float]:
    """Energies (eV) of the band's images relative to its first, evaluated by ``name`` (a charged cell of a rigid-ion
    set with a uniform background, as bulk_vacancy_hop does)."""
    engine = as_engine(name)
    charge = net_charge(engine, band[0])
    if charge is not None and abs(charge) > 1e-6:
        engine = background_engine(engine)
    energies = [float(engine.label(image.copy()).get_potential_energy()) for image in band]
    return [e - energies[0] for e in energies]


def main(names: list[str]) -> None:
    band = read(BAND, index=":")
    report = {"band": str(BAND), "teacher_eV": [float(a.get_potential_energy() - band[0].get_potential_energy()) for a in band]}
    for name in names:
        report[name] = profile(name, band)
    report["barriers_eV"] = {key: max(values) for key, values in report.items() if key != "band"}
    RESULTS_PATH.write_text(json.dumps({"benchmark": "compare_neb", "command": "python benchmarks/compare_neb.py " + " ".join(names),
                                        **report}, indent=1) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:] or ["lammps:llzo_pod", "ff:llzo_fit"])
