"""Benchmark: the seed 001 Li(100)/LiCl(100) study with the default MLIP (CHGNet 0.3.0) on this machine.

What is measured
----------------
``SegregationStudy().run`` for li-bcc on licl with the study defaults (11 metal planes, 4 substrate planes,
3 × 3 lateral repeats, Fiorentini–Methfessel over 5-13 planes, vacancies in planes 1-6 unrelaxed
and relaxed, fmax 0.02 eV/Å) on a *fresh* SQLite result cache: wall time (CHGNet model load
excluded, measured separately), calculator calls, tasks computed. Then the same study again on
the same cache: wall time and cache hit rate (the resume path). The peer, measured in the same
run, is the same chain with SevenNet-0 (the other shipped MLIP), reported as a wall-time ratio.

Run as ``python benchmarks/bench_segregation.py`` (needs ``pip install 'sselab[mlip,sevennet]'``); writes
``results/bench_segregation.json``. OMP_NUM_THREADS defaults to the machine's core count.
"""

from __future__ import annotations

import os
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from bench_design import environment, write_results

os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))

from sselab.atomistic.engine import Engine
from sselab.atomistic.engine.cache import ResultCache
from sselab.studies.segregation import SegregationStudy

RESULTS_PATH = Path(__file__).resolve().parent / "results" / "bench_segregation.json"


def measure(calculator: str, folder: Path) -> dict:
    started = time.perf_counter()
    engine = Engine.create(calculator, str(folder / f"{calculator}.db"))
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    study = SegregationStudy().run("li-bcc", "licl", calculator=engine)
    fresh_seconds = time.perf_counter() - started
    fresh = engine.cache.stats.as_dict()
    rerun_engine = Engine(engine.loaded, ResultCache(str(folder / f"{calculator}.db")))
    started = time.perf_counter()
    SegregationStudy().run("li-bcc", "licl", calculator=rerun_engine)
    rerun_seconds = time.perf_counter() - started
    summary = study.to_dict()
    return {
        "calculator": engine.spec.identity(),
        "model_load_s": load_seconds,
        "fresh_wall_s": fresh_seconds,
        "fresh": fresh,
        "rerun_wall_s": rerun_seconds,
        "rerun": rerun_engine.cache.stats.as_dict(),
        "n_atoms_interface": summary["n_atoms_interface"],
        "results": {k: summary[k] for k in ("work_of_adhesion_J_per_m2", "surface_energy_J_per_m2", "delta_e_bulk_int_eV",
                                              "delta_e_bulk_int_model_eV", "unconverged_relaxations")},
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        default = measure("chgnet", Path(folder))
        peer = measure("sevennet", Path(folder))
    environment_record = environment()
    environment_record["versions"].update({name: version(name) for name in ("ase", "pymatgen", "torch", "chgnet", "sevenn")})
    environment_record["omp_num_threads"] = os.environ["OMP_NUM_THREADS"]
    result = {
        "benchmark": "seed 001 segregation study, Li(100)/LiCl(100), fresh cache then rerun",
        **environment_record,
        "default_mlip": default,
        "peer_sevennet": peer,
        "ratios": {
            "rerun_over_fresh_wall": default["rerun_wall_s"] / default["fresh_wall_s"],
            "sevennet_over_chgnet_fresh_wall": peer["fresh_wall_s"] / default["fresh_wall_s"],
        },
    }
    print(f"CHGNet fresh {default['fresh_wall_s']:.1f} s, {default['fresh']['calculator_calls']} calls; "
          f"rerun {default['rerun_wall_s']:.2f} s, hit rate {default['rerun']['cache_hit_rate']:.0%}; "
          f"SevenNet fresh {peer['fresh_wall_s']:.1f} s")
    write_results(RESULTS_PATH, result)


if __name__ == "__main__":
    main()
