"""Benchmark: robustness of the Li⁰ solver (seed 002) on seeded random multilayer stacks, against mpmath.

What is measured
----------------
``STACKS`` random stacks (seed ``SEED``), drawn as a designer would try them (issue 15):

* 2–5 layers, thickness fractions from a Dirichlet(2, …, 2) draw (each ≥ 0.05);
* μ_cathode ∈ [−3.2, −2.8] eV, μ_anode ∈ [−0.2, 0.2] eV;
* B of the cathodic layer 0.3–1 eV above μ_cathode, of the anodic one 0.3–1 eV below μ_anode,
  intermediate layers anywhere between;
* A = 10^U(−17.5, −16.3) S/m, σ_ion = 10^U(−2, 0) S/m per layer, L = U(20, 200) µm, T = 298 K;
* |j| ∈ {1, 10, 100} A/m² (equal shares), and 1000 A/m² (100 mA/cm²) for a quarter of the stacks;
  a quarter of all stacks carry the reversed current (j < 0);
* half of the stacks carry 1–3 ionic bottlenecks (σ_ion × 10^U(−4, −2), width 10^U(−4, −2.5) of L).

Each stack is solved by ``sselab.continuum.li0_potential.solve`` (wall time of one call) and put
into one of: solved / no steady state (InputError) / refused (any other error). Every verdict is
checked by the independent mpmath solver of ``tests/li0_mp_reference.py`` (60 + 30 digits,
doubled until two precisions agree to 1e-15 and both shots land on μ_anode, at most ``REFERENCE_MAX_DPS`` + 30
digits and ``REFERENCE_DEADLINE_S`` per stack; a reference that ends more than ``REFERENCE_LANDING_EV`` from μ_anode
counts as unconverged, and the solved stacks it could not check are listed): on a solved stack it gives 1 − t and every interface potential
(errors: relative in 1 − t, absolute in eV at every internal segment boundary, bottleneck edges
included); on a "no steady state" stack it must find none; on a refused stack it shows whether a
steady state existed.

Run as ``python benchmarks/bench_li0_stacks.py`` (2 worker processes for the reference); writes
``results/bench_li0_stacks.json``. ``python benchmarks/bench_li0_stacks.py --cross-check`` then adds, for every solved
stack the reference could not check, the comparison of two independent solves, one from each electrode.
"""

from __future__ import annotations

import json
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np
from bench_design import environment, write_results

from sselab.continuum.li0_potential import Bottleneck, Layer, Separator, solve, solve_from_cathode
from sselab.errors import ConvergenceError, InputError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from li0_mp_reference import NoSteadyState, ReferenceTimeout, reference_solve  # noqa: E402

RESULTS_PATH = Path(__file__).resolve().parent / "results" / "bench_li0_stacks.json"
SEED = 20250115
STACKS = 500
WORKERS = 2
#: Largest precision of the reference (digits); a stack whose two last precisions still disagree is
#: reported as "reference unconverged" and left out of the error statistics.
REFERENCE_MAX_DPS = 480
#: A reference counts only if its shot ends this close (eV) to μ_anode: two precisions can agree on the same wrong
#: branch when a start lies closer to an unstable edge than either resolves (tests/li0_mp_reference.py).
REFERENCE_LANDING_EV = 1e-12
#: Wall-clock limit (s) of one reference solve; a stack past it is reported as "reference timed out".
REFERENCE_DEADLINE_S = 240.0
GOALS = {"one_minus_t_relative": 1e-8, "interface_mu_eV": 1e-8, "median_solve_seconds": 0.020}


def random_stack(rng: np.random.Generator) -> Separator:
    """One stack over the ranges of the module docstring."""
    count = int(rng.integers(2, 6))
    fractions = rng.dirichlet([2.0] * count)
    fractions = np.maximum(fractions, 0.05)
    fractions = fractions / fractions.sum()
    fractions[-1] = 1.0 - math.fsum(fractions[:-1])
    mu_cathode, mu_anode = rng.uniform(-3.2, -2.8), rng.uniform(-0.2, 0.2)
    first, last = mu_cathode + rng.uniform(0.3, 1.0), mu_anode - rng.uniform(0.3, 1.0)
    bs = [first, *rng.uniform(mu_cathode + 0.3, mu_anode - 0.3, count - 2), last]
    layers = tuple(Layer(float(f), float(10 ** rng.uniform(-2, 0)), float(10 ** rng.uniform(-17.5, -16.3)), float(b))
                   for f, b in zip(fractions, bs, strict=True))
    necks = []
    if rng.random() < 0.5:
        for _ in range(int(rng.integers(1, 4))):
            width = float(10 ** rng.uniform(-4, -2.5))
            necks.append(Bottleneck(float(rng.uniform(width, 1 - width)), width, float(10 ** rng.uniform(-4, -2))))
    current = 1000.0 if rng.random() < 0.25 else float(rng.choice([1.0, 10.0, 100.0]))
    if rng.random() < 0.25:
        current = -current  # the current reversed (charge instead of discharge)
    return Separator(298.0, float(rng.uniform(20e-6, 200e-6)), current, float(mu_cathode), float(mu_anode),
                     layers, tuple(necks))


def sselab_verdict(stack: Separator) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        solution = solve(stack)
    except InputError as error:
        return {"status": "no steady state", "seconds": time.perf_counter() - start, "message": str(error)}
    except Exception as error:  # noqa: BLE001 - every other outcome is a refusal to be counted
        return {"status": "refused", "seconds": time.perf_counter() - start, "message": f"{type(error).__name__}: {error}"}
    return {"status": "solved", "seconds": time.perf_counter() - start, "one_minus_t": solution.one_minus_t,
            "boundary_potentials": list(solution.boundary_potentials), "pins": len(solution.pins),
            "shot_from": solution.shot_from,
            "residual": solution.worst_residual}


def check(item: tuple[int, Separator, dict[str, Any]]) -> dict[str, Any]:
    """The mpmath verdict on one stack, compared with sselab's."""
    index, stack, verdict = item
    start = time.perf_counter()
    row: dict[str, Any] = {"index": index, "sselab": verdict["status"], "layers": len(stack.layers),
                           "bottlenecks": len(stack.bottlenecks), "current_density_A_per_m2": stack.current_density,
                           "sselab_seconds": verdict["seconds"], "shot_from": verdict.get("shot_from")}
    try:
        reference = reference_solve(stack, max_dps=REFERENCE_MAX_DPS, hint=verdict.get("one_minus_t"),
                                    deadline_s=REFERENCE_DEADLINE_S)
    except NoSteadyState:
        row["reference"] = "no steady state"
    except ReferenceTimeout:
        row["reference"] = "timed out"
    else:
        landed = abs(reference.boundary_potentials[-1] - stack.mu_anode) <= REFERENCE_LANDING_EV
        row["reference"] = "solved" if reference.agreement <= 1e-15 and landed else "unconverged"
        row["reference_landing_eV"] = reference.boundary_potentials[-1] - stack.mu_anode
        row["reference_dps"] = reference.dps
        row["reference_agreement"] = reference.agreement
        if verdict["status"] == "solved" and row["reference"] == "solved":
            row["one_minus_t"] = verdict["one_minus_t"]
            row["pins"] = verdict["pins"]
            row["one_minus_t_rel_error"] = abs(verdict["one_minus_t"] / reference.one_minus_t - 1)
            inner = zip(verdict["boundary_potentials"][1:-1], reference.boundary_potentials[1:-1], strict=True)
            row["interface_mu_max_error_eV"] = max((abs(a - b) for a, b in inner), default=0.0)
    if verdict["status"] != "solved":
        row["message"] = verdict["message"][:300]
    row["reference_seconds"] = time.perf_counter() - start
    return row


def run() -> dict[str, Any]:
    rng = np.random.default_rng(SEED)
    stacks = [random_stack(rng) for _ in range(STACKS)]
    verdicts = [sselab_verdict(stack) for stack in stacks]
    rows = []
    with ProcessPoolExecutor(WORKERS) as pool:
        futures = [pool.submit(check, (i, s, v)) for i, (s, v) in enumerate(zip(stacks, verdicts, strict=True))]
        for future in as_completed(futures):
            rows.append(future.result())
            if len(rows) % 25 == 0:
                print(f"{len(rows)} stacks checked", flush=True)
    rows.sort(key=lambda r: r["index"])
    solved = [r for r in rows if r["sselab"] == "solved"]
    compared = [r for r in solved if r["reference"] == "solved"]
    seconds = np.array([r["sselab_seconds"] for r in rows])
    solved_seconds = np.array([r["sselab_seconds"] for r in solved]) if solved else np.array([math.nan])
    worst_t = max(compared, key=lambda r: r["one_minus_t_rel_error"], default=None)
    worst_mu = max(compared, key=lambda r: r["interface_mu_max_error_eV"], default=None)
    counts = {
        "stacks": len(rows),
        "solved": len(solved),
        "no_steady_state": sum(r["sselab"] == "no steady state" for r in rows),
        "refused": sum(r["sselab"] == "refused" for r in rows),
        "refused_with_a_steady_state": sum(r["sselab"] == "refused" and r["reference"] == "solved" for r in rows),
        "no_steady_state_confirmed_by_reference": sum(r["sselab"] == "no steady state" and r["reference"] == "no steady state"
                                                      for r in rows),
        "no_steady_state_contradicted_by_reference": sum(r["sselab"] == "no steady state" and r["reference"] == "solved"
                                                         for r in rows),
        "reference_unconverged": sum(r["reference"] == "unconverged" for r in rows),
        "reference_timed_out": sum(r["reference"] == "timed out" for r in rows),
        "solved_but_reference_finds_none": sum(r["sselab"] == "solved" and r["reference"] == "no steady state" for r in rows),
        "solved_with_pinned_interfaces": sum(r.get("pins", 0) > 0 for r in compared),
        "solved_from_the_anode": sum(r.get("shot_from") == "anode" for r in solved),
        "by_layers": {str(n): sum(r["layers"] == n and r["sselab"] == "solved" for r in rows) for n in range(2, 6)},
        "by_current_density_A_per_m2": {str(j): {"stacks": sum(r["current_density_A_per_m2"] == j for r in rows),
                                                 "solved": sum(r["current_density_A_per_m2"] == j and r["sselab"] == "solved"
                                                               for r in rows)}
                                        for j in (-1000.0, -100.0, -10.0, -1.0, 1.0, 10.0, 100.0, 1000.0)},
        "with_bottlenecks": sum(r["bottlenecks"] > 0 for r in rows),
    }
    errors = {
        "compared_stacks": len(compared),
        "one_minus_t_rel_error_max": max((r["one_minus_t_rel_error"] for r in compared), default=None),
        "one_minus_t_rel_error_median": float(np.median([r["one_minus_t_rel_error"] for r in compared])) if compared else None,
        "interface_mu_error_max_eV": max((r["interface_mu_max_error_eV"] for r in compared), default=None),
        "interface_mu_error_median_eV": float(np.median([r["interface_mu_max_error_eV"] for r in compared])) if compared else None,
        "above_goal": sum(r["one_minus_t_rel_error"] > GOALS["one_minus_t_relative"]
                          or r["interface_mu_max_error_eV"] > GOALS["interface_mu_eV"] for r in compared),
        "above_goal_rows": [r for r in compared if r["one_minus_t_rel_error"] > GOALS["one_minus_t_relative"]
                            or r["interface_mu_max_error_eV"] > GOALS["interface_mu_eV"]],
        "worst_one_minus_t_stack": worst_t,
        "worst_interface_mu_stack": worst_mu,
        "reference_dps_max": max((r.get("reference_dps", 0) for r in rows), default=None),
        "reference_agreement_max": max((r.get("reference_agreement", 0.0) for r in rows), default=None),
    }
    timing = {
        "median_seconds_all": float(np.median(seconds)),
        "median_seconds_solved": float(np.median(solved_seconds)),
        "worst_seconds": float(seconds.max()),
        "worst_stack": int(np.argmax(seconds)),
        "p90_seconds": float(np.quantile(seconds, 0.9)),
        "reference_seconds_total": float(sum(r["reference_seconds"] for r in rows)),
    }
    return {
        "benchmark": "bench_li0_stacks",
        "command": "python benchmarks/bench_li0_stacks.py",
        **environment(),
        "seed": SEED,
        "generator": "random_stack() in benchmarks/bench_li0_stacks.py (ranges in its docstring)",
        "reference": "tests/li0_mp_reference.py: mpmath, 60+30 digits raised until two precisions agree to 1e-15",
        "goals": GOALS,
        "counts": counts,
        "errors": errors,
        "timing": timing,
        "meets_goals": (counts["refused_with_a_steady_state"] == 0 and counts["no_steady_state_contradicted_by_reference"] == 0
                        and errors["above_goal"] == 0 and timing["median_seconds_all"] < GOALS["median_solve_seconds"]),
        "not_solved_rows": [r for r in rows if r["sselab"] != "solved"][:50],
        "unchecked_solved_rows": [r for r in solved if r["reference"] != "solved"],
    }


def mirror_cross_check(stack: Separator) -> dict[str, Any]:
    """Where the reference could not check a solved stack: the stack shot independently from each electrode
    (``solve_from_cathode`` on it and on its mirror); their differences in 1 − t (relative) and at the interfaces (eV)."""
    solutions = []
    for separator in (stack, stack.mirrored()):
        try:
            solutions.append(solve_from_cathode(separator))
        except ConvergenceError:
            solutions.append(None)
    if None in solutions:
        return {"both_directions": False, "solved_from": ["cathode", "anode"][solutions.index(None) ^ 1]}
    forward, backward = solutions
    return {"both_directions": True, "one_minus_t_rel_difference": abs(backward.one_minus_t / forward.one_minus_t - 1),
            "interface_mu_max_difference_eV": max(abs(a - b) for a, b in zip(forward.boundary_potentials,
                                                                            backward.boundary_potentials[::-1], strict=True))}


def cross_check_unchecked() -> None:
    """``--cross-check``: add :func:`mirror_cross_check` to every solved stack of the results file that the reference
    did not check (the stacks are regenerated from the seed)."""
    result = json.loads(RESULTS_PATH.read_text())
    rng = np.random.default_rng(SEED)
    stacks = [random_stack(rng) for _ in range(STACKS)]
    for row in result["unchecked_solved_rows"]:
        row["mirror_cross_check"] = mirror_cross_check(stacks[row["index"]])
        print(row["index"], row["mirror_cross_check"])
    write_results(RESULTS_PATH, result)


def main() -> None:
    if sys.argv[1:] == ["--cross-check"]:
        cross_check_unchecked()
        return
    result = run()
    print({k: result[k] for k in ("counts", "timing", "meets_goals")})
    print({k: v for k, v in result["errors"].items() if not k.startswith("worst")})
    write_results(RESULTS_PATH, result)


if __name__ == "__main__":
    main()
