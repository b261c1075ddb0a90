"""Benchmark: MD throughput of POD potentials of Li₆Zr₂O₇ against each other (and lzo_fit), in one run.

A larger POD basis costs MD time: each atom's descriptors and their derivatives grow with the number of radial and
angular functions. This measures ``run_lammps_md`` (NVT, 1000 K, 1 fs, ``STEPS`` steps, one rank, one thread) on the
C2/c Li₆Zr₂O₇ cell repeated 2×4×2 (960 atoms) for each model, ``REPEATS`` times each in turn (interleaved, so that a
change in machine load falls on every model alike), and reports the median atom-steps/s and its ratio to the first
model. Run as ``python benchmarks/pod_basis_speed.py MODEL [MODEL ...] --out results/pod_basis_speed.json`` with MODEL
``lammps:NAME``, ``lammps:FILE.toml`` or a force-field name (``lzo_fit``), and nothing else running.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_design import environment, write_results

STEPS, REPEATS, TEMPERATURE, REPEAT_CELL = 500, 3, 1000.0, (2, 4, 2)


def worker(model: str) -> None:
    """One MD run in this process; prints atom-steps/s as JSON."""
    from sselab.atomistic.md.ase_md import MDSettings
    from sselab.atomistic.md.lammps import load_md_model, run_lammps_md
    from sselab.studies.md import build_md_system

    atoms, _ = build_md_system("li6zr2o7")
    atoms = atoms.repeat(REPEAT_CELL)
    settings = MDSettings(temperature_K=TEMPERATURE, timestep_fs=1.0, steps=STEPS, dump_every=STEPS, seed=5)
    with tempfile.TemporaryDirectory() as scratch:
        result = run_lammps_md(atoms, load_md_model(model), settings, Path(scratch) / "t.extxyz", Path(scratch) / "t.csv")
    seconds = STEPS * 1e-6 / result.ns_per_day * 86400.0
    print(json.dumps({"atom_steps_per_s": len(atoms) * STEPS / seconds, "ns_per_day": result.ns_per_day, "atoms": len(atoms)}))


def measure(model: str) -> dict:
    output = subprocess.run([sys.executable, __file__, "--worker", model], capture_output=True, text=True, check=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    return json.loads([line for line in output.stdout.splitlines() if line.startswith("{")][-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    samples: dict[str, list[float]] = {model: [] for model in args.models}
    for _ in range(REPEATS):
        for model in args.models:
            samples[model].append(measure(model)["atom_steps_per_s"])
            print(model, f"{samples[model][-1]:.4g} atom-steps/s", flush=True)
    medians = {model: statistics.median(values) for model, values in samples.items()}
    first = args.models[0]
    write_results(Path(args.out), {
        **environment(),
        "case": {"cell": f"C2/c Li6Zr2O7 x {REPEAT_CELL} (960 atoms)", "ensemble": "nvt", "temperature_K": TEMPERATURE,
                 "timestep_fs": 1.0, "steps": STEPS, "ranks": 1, "repeats": REPEATS},
        "atom_steps_per_s": {model: {"median": medians[model], "samples": samples[model]} for model in args.models},
        "ratio_to_first": {model: medians[model] / medians[first] for model in args.models},
    })


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
    else:
        main()
