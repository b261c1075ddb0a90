"""Benchmark: MD throughput of a fitted rigid-ion set against CHGNet and the core–shell set, in one run.

What is measured
----------------
* fitted set (``FITTED``, default the packaged ``llzo_fit``): ``run_lammps_md`` on ordered cubic LLZO
  repeated 2×3×3 (3456 ions, seed 000's box) with 18 Na⁺, NVT at 1100 K, 1 fs steps, ``STEPS`` steps;
  1 and 2 MPI ranks (``mpiexec -n 2`` from the mpich wheel), each in a fresh subprocess;
* the core–shell set ``llzo_bush_coreshell`` on the same box with its shell-resolving 0.2 fs step, 1 and 2 ranks;
* optionally a machine-learned LAMMPS potential (``lammps:FILE``, e.g. a fitted POD) on the same box, 1 fs steps,
  ``STEPS``/5 steps, 1 and 2 ranks;
* CHGNet (the default MLIP) through ASE's MD on the 192-atom LLZO cell, ``CHGNET_STEPS`` steps of 1 fs,
  timed after one warm-up step.

Reported: atom-steps per second (ions × steps / LAMMPS run time or ASE loop time) and ns/day, and the ratios
fitted/CHGNet (atom-steps/s; the issue's goal ≥ 500) and fitted/core–shell (ns/day at each set's own timestep;
goal ≥ 5), each at equal rank counts, and the same two ratios for the machine-learned potential. Run as
``python benchmarks/bench_potentials.py [FITTED [lammps:POTENTIAL.toml]]`` with nothing else running; writes
``results/bench_potentials.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from bench_design import environment, write_results

STEPS, DUMP_EVERY, TEMPERATURE, CHGNET_STEPS = 1000, 500, 1100.0, 5
CORE_SHELL = "llzo_bush_coreshell"


def lammps_worker(forcefield: str) -> None:
    """One LAMMPS run (under mpiexec when asked); rank 0 prints the result as JSON."""
    from sselab.atomistic.build.llzo import ordered_cubic_llzo, substitute_exchange_ions
    from sselab.atomistic.md.ase_md import MDSettings
    from sselab.atomistic.md.forcefields import ForceField
    from sselab.atomistic.md.lammps import load_md_model, recommended_timestep_fs, run_lammps_md

    atoms, _ = ordered_cubic_llzo(seed=1)
    atoms = substitute_exchange_ions(atoms.repeat((2, 3, 3)), "Na", count=18, seed=1)
    field = load_md_model(forcefield)
    dt = recommended_timestep_fs(field)
    steps = STEPS if isinstance(field, ForceField) and field.rigid else STEPS // 5
    settings = MDSettings(temperature_K=TEMPERATURE, timestep_fs=dt, steps=steps, dump_every=min(DUMP_EVERY, steps), seed=5)
    with tempfile.TemporaryDirectory() as scratch:
        result = run_lammps_md(atoms, field, settings, Path(scratch) / "t.extxyz", Path(scratch) / "t.csv")
    if os.environ.get("PMI_RANK", "0") == "0":
        run_time = steps * dt * 1e-6 / result.ns_per_day * 86400.0
        print(json.dumps({"ns_per_day": result.ns_per_day, "atom_steps_per_s": len(atoms) * steps / run_time, "timestep_fs": dt,
                          "steps": steps, "ions": result.n_ions, "shells": result.n_shells,
                          "mean_temperature_K": result.mean_temperature_K}))


def chgnet_worker() -> None:
    """CHGNet MD steps on the 192-atom cell through ASE (the path 'md run --calculator chgnet' takes)."""
    from ase import units
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution
    from ase.md.verlet import VelocityVerlet

    from sselab.atomistic.build.llzo import ordered_cubic_llzo
    from sselab.atomistic.engine import load_calculator

    atoms, _ = ordered_cubic_llzo(seed=1)
    atoms.calc = load_calculator("chgnet").calculator
    MaxwellBoltzmannDistribution(atoms, temperature_K=TEMPERATURE)
    dynamics = VelocityVerlet(atoms, 1.0 * units.fs)
    dynamics.run(1)
    start = time.perf_counter()
    dynamics.run(CHGNET_STEPS)
    elapsed = time.perf_counter() - start
    print(json.dumps({"atom_steps_per_s": len(atoms) * CHGNET_STEPS / elapsed, "seconds_per_step": elapsed / CHGNET_STEPS,
                      "ns_per_day": CHGNET_STEPS * 1e-6 / elapsed * 86400.0, "atoms": len(atoms), "timestep_fs": 1.0}))


def measure(arguments: list[str], ranks: int = 1, threads: int = 1) -> dict:
    command = [sys.executable, __file__, *arguments]
    if ranks > 1:
        mpiexec = shutil.which("mpiexec", path=str(Path(sys.executable).parent))
        if mpiexec is None:
            return {"skipped": "no mpiexec beside the Python interpreter"}
        command = [mpiexec, "-n", str(ranks), *command]
    output = subprocess.run(command, capture_output=True, text=True, check=True, env={**os.environ, "OMP_NUM_THREADS": str(threads)})
    result = json.loads([line for line in output.stdout.splitlines() if line.startswith("{")][-1])
    print(f"{' '.join(arguments)} x{ranks}: {result['atom_steps_per_s']:.3g} atom-steps/s, {result['ns_per_day']:.3g} ns/day", flush=True)
    return {"ranks": ranks, **result}


def main(fitted: str, learned: str | None) -> None:
    runs = {
        "fitted_1_rank": measure(["--lammps", fitted]),
        "fitted_2_ranks": measure(["--lammps", fitted], ranks=2),
        "core_shell_1_rank": measure(["--lammps", CORE_SHELL]),
        "core_shell_2_ranks": measure(["--lammps", CORE_SHELL], ranks=2),
        "chgnet_1_process": measure(["--chgnet"], threads=os.cpu_count() or 1),
    }
    if learned:
        runs["learned_1_rank"] = measure(["--lammps", learned])
        runs["learned_2_ranks"] = measure(["--lammps", learned], ranks=2)
    ratios = {
        "fitted_vs_chgnet_atom_steps": runs["fitted_1_rank"]["atom_steps_per_s"] / runs["chgnet_1_process"]["atom_steps_per_s"],
        "fitted_vs_core_shell_ns_per_day_1_rank": runs["fitted_1_rank"]["ns_per_day"] / runs["core_shell_1_rank"]["ns_per_day"],
        "fitted_vs_core_shell_ns_per_day_2_ranks": runs["fitted_2_ranks"].get("ns_per_day", float("nan"))
        / runs["core_shell_2_ranks"].get("ns_per_day", float("nan")),
        "fitted_speedup_2_ranks": runs["fitted_2_ranks"].get("ns_per_day", float("nan")) / runs["fitted_1_rank"]["ns_per_day"],
    }
    if learned:
        ratios["learned_vs_chgnet_atom_steps"] = runs["learned_1_rank"]["atom_steps_per_s"] / runs["chgnet_1_process"]["atom_steps_per_s"]
        ratios["learned_vs_core_shell_ns_per_day_1_rank"] = runs["learned_1_rank"]["ns_per_day"] / runs["core_shell_1_rank"]["ns_per_day"]
        ratios["learned_speedup_2_ranks"] = runs["learned_2_ranks"].get("ns_per_day", float("nan")) / runs["learned_1_rank"]["ns_per_day"]
    results = {
        **environment(),
        "versions_md": {"lammps": version("lammps"), "mpich": version("mpich"), "chgnet": version("chgnet")},
        "case": {"system": "ordered cubic LLZO 2x3x3 (3456 ions) with 18 Na for LAMMPS; the 192-atom cell for CHGNet",
                 "fitted": fitted, "learned": learned, "core_shell": CORE_SHELL, "temperature_K": TEMPERATURE, "ensemble": "nvt",
                 "note": "CHGNet with torch threads on every core vs LAMMPS on 1 rank (1 core): the CHGNet ratio is conservative"},
        **runs,
        "ratios": ratios,
        "goals": {"fitted_vs_chgnet_atom_steps": 500.0, "fitted_vs_core_shell_ns_per_day": 5.0},
    }
    write_results(Path(__file__).parent / "results" / "bench_potentials.json", results)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--lammps":
        lammps_worker(sys.argv[2])
    elif len(sys.argv) == 2 and sys.argv[1] == "--chgnet":
        chgnet_worker()
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else "llzo_fit", sys.argv[2] if len(sys.argv) > 2 else None)
