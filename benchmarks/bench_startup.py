"""Benchmark: start-up time of the ``sselab`` command and of ``import sselab``.

What is measured: wall time of fresh processes (median of ``REPEATS``), each a new interpreter:
``sselab --help``, ``sselab <group> --help`` for every command group, and ``python -c "import
sselab"``. Peers measured in the same run: the bare interpreter (``python -c pass``) and the CLI
framework alone (``import typer``), the floor any Typer CLI pays; and, when the environment
variable ``SSELAB_BASELINE_SRC`` names the ``src`` folder of another sselab checkout (e.g. the
commit before a change), the same commands run from that source, so that before/after come from
one run on one machine.

Run as ``python benchmarks/bench_startup.py``; writes ``results/bench_startup.json``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPEATS = 5
GROUPS = ("ion-exchange", "li0", "segregation", "diffusion", "md", "defects", "stability", "interface")
CLI = "from sselab.cli import main; import sys; main(sys.argv[1:])"


def median_seconds(argv: list[str], env: dict[str, str] | None = None) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(env: dict[str, str] | None = None) -> dict[str, float]:
    python = sys.executable
    found = {"sselab --help": median_seconds([python, "-c", CLI, "--help"], env),
             "import sselab": median_seconds([python, "-c", "import sselab"], env)}
    for group in GROUPS:
        found[f"sselab {group} --help"] = median_seconds([python, "-c", CLI, group, "--help"], env)
    return found


def main() -> None:
    results = {
        "machine": {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count()},
        "repeats": REPEATS,
        "peers_s": {"python -c pass": median_seconds([sys.executable, "-c", "pass"]),
                    "import typer": median_seconds([sys.executable, "-c", "import typer"])},
        "sselab_s": measure(),
    }
    baseline = os.environ.get("SSELAB_BASELINE_SRC")
    if baseline:
        env = {**os.environ, "PYTHONPATH": baseline}
        results["baseline_src"] = baseline
        results["baseline_s"] = measure(env)
        results["baseline_over_sselab"] = {k: results["baseline_s"][k] / v for k, v in results["sselab_s"].items()}
    results["sselab_over_import_typer"] = {k: v / results["peers_s"]["import typer"] for k, v in results["sselab_s"].items()}
    target = Path(__file__).parent / "results" / "bench_startup.json"
    target.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
