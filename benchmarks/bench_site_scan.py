"""Benchmark: wall time of seed 000's Na⁺ site scan (Fig. 2) with CHGNet on this machine.

What is measured
----------------
``sselab defects sites --ion Na`` with the paper's 21 Li sites (14 octahedral, 7 tetrahedral) of the
192-atom ordered LLZO cell, each relaxed at fixed cell to 0.05 eV/Å, then two growth steps (2 and 3 Na,
``--candidates`` octahedral sites each), in a fresh result cache. Reported: total wall time, the host
relaxation, calculator calls and the time per relaxation. The peer figure, measured in the same run
afterwards, is one CHGNet energy+forces call on the relaxed host (median of 5): ``overhead_ratio`` =
wall time / (calls × that time), i.e. what the scan costs beyond its bare calculator calls (optimizer,
site choice, Ewald site energies, model loading, labelling).

Run as ``python benchmarks/bench_site_scan.py [candidates]`` (needs ``pip install 'sselab[mlip]'``);
writes ``results/bench_site_scan.json`` and keeps the run directory in ``runs/bench-site-scan``.
Nothing else should run on the machine meanwhile.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from bench_design import environment, write_results

RESULTS_PATH = Path(__file__).parent / "results" / "bench_site_scan.json"
RUN_DIR = Path("runs/bench-site-scan")


def main() -> None:
    candidates = sys.argv[1] if len(sys.argv) > 1 else "2"
    with tempfile.TemporaryDirectory() as scratch:
        command = [str(Path(sys.executable).parent / "sselab"), "defects", "sites", "--ion", "Na", "--max-count", "3",
                   "--candidates", candidates, "--db", f"{scratch}/cache.db", "--out", str(RUN_DIR), "--json"]
        start = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - start
    summary = json.loads(completed.stdout)
    engine = summary["engine"]
    na = summary["ions"]["Na"]
    relaxations = len(na["sites"]) + sum(s["scanned_sites"] for s in na["concentration_steps"])
    env = environment()
    env["versions"].update({"chgnet": version("chgnet"), "torch": version("torch")})
    result = {
        "benchmark": "Na site scan in ordered LLZO with CHGNet (seed 000 Fig. 2)",
        **env,
        "command": " ".join(command[1:]),
        "wall_time_s": wall,
        "relaxations": relaxations + 1,
        "calculator_calls": engine["calculator_calls"],
        "sites": len(na["sites"]),
        "best": na["best"],
        "octahedral_preference_eV": na["octahedral_preference_eV"],
        "t_to_o_hops": na["t_to_o_hops"],
        "wall_time_per_relaxation_s": wall / (relaxations + 1),
    }
    from ase.io import read

    from sselab.atomistic.engine import load_calculator

    host = read(RUN_DIR / "host_relaxed.extxyz")
    host.calc = load_calculator("chgnet").calculator
    times = []
    for _ in range(5):
        host.rattle(1e-4, seed=len(times))
        start = time.perf_counter()
        host.get_forces()
        times.append(time.perf_counter() - start)
    call = sorted(times)[2]
    result["peer_single_call_s"] = call
    result["overhead_ratio"] = wall / (engine["calculator_calls"] * call)
    write_results(RESULTS_PATH, result)


if __name__ == "__main__":
    main()
