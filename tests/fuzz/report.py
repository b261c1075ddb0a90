"""Run the fuzz corpus (and optionally a fresh random sample of mutated cases) and write the counts as JSON.

    python tests/fuzz/report.py --out fuzz.json [--sample N --seed S] [--only TEXT] [--jobs 2] [--timeout 20]

The report holds: which sselab source was measured, the number of cases, clean outcomes, failures
by kind, the corpus size by class and command group, timings, and every failing case (argument
list abbreviated, kind, first stderr line). Run it with ``PYTHONPATH=<old checkout>/src`` first on
the path to measure an older source ("before"); the parent imports sselab once and forks a child
per case (see runner.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # two children at once on a small machine: no thread oversubscription
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, where the fuzz package lives

from fuzz.corpus import LONG, Case, corpus
from fuzz.runner import KINDS, preload, run_cases

#: values a mutation puts in place of an option's value, with what must happen
MUTATIONS = (("nan", "refuse"), ("inf", "refuse"), ("-inf", "refuse"), ("NaN eV", "refuse"), ("1e999", "refuse"),
             ("-1", "either"), ("0", "either"), ("1e308", "either"), ("-1e308", "either"), ("1e-308", "either"),
             ("", "either"), (" ", "either"), ("9**9**9", "either"), ("(1+2) m", "either"), ("1 2 3", "either"),
             ("0x7fffffff", "either"), ("99999999999999999999", "either"), ("\u00e9\u00e8", "either"), ("a\nb", "either"),
             ('"', "either"), ("--json", "either"), ("-", "either"), (LONG[:5000], "either"), ("1" * 400, "either"))


#: an option value that is a number or a quantity ("5", "-0.1", "1200 K", ".5"), as opposed to a name or a path
NUMERIC = re.compile(r"^[-+]?(\d|\.\d)")


def mutate(base: Case, rng: random.Random, index: int) -> Case:
    """``base`` with one option value replaced by a random hostile value (expectation from :data:`MUTATIONS`)."""
    argv = list(base.argv)
    slots = [i for i in range(1, len(argv)) if argv[i - 1].startswith("--") and not argv[i].startswith("--")
             and argv.count(argv[i - 1]) == 1]  # a repeated option's later value wins: mutate only options given once
    value, expect = rng.choice(MUTATIONS)
    if slots:
        slot = rng.choice(slots)
        if not NUMERIC.match(argv[slot]):
            expect = "either"  # "nan" or "-inf" is a fine name for a folder or a file: only a number must refuse it
        argv[slot] = value
    else:
        argv.append(value)
    if expect == "either" and base.expect == "refuse":
        expect = "refuse"  # the base case is refused for another reason that a mutation does not repair
    return Case(f"sample{index} {base.name}", tuple(argv), expect, "sample", base.files, base.setup, base.marker, base.env)


def random_sample(count: int, seed: int) -> list[Case]:
    """``count`` mutations of cheap corpus cases (those without setup steps), reproducible from ``seed``."""
    rng = random.Random(seed)
    bases = [case for case in corpus() if not case.setup and case.expect != "refuse" and "--json" in case.argv]
    return [mutate(rng.choice(bases), rng, index) for index in range(count)]


def summarize(outcomes, source: str, seconds: float, sample: int, seed: int | None) -> dict:
    """The report: counts, failures by kind, corpus size by class and group, and the failing cases."""
    kinds = Counter(outcome.kind for outcome in outcomes)
    failing = [outcome for outcome in outcomes if outcome.kind != "clean"]
    by_group: dict[str, Counter] = {}
    for outcome in outcomes:
        by_group.setdefault(outcome.case.group, Counter())[outcome.kind] += 1
    slowest = sorted(outcomes, key=lambda outcome: -outcome.seconds)[:10]
    return {
        "source": source,
        "cases": len(outcomes),
        "sample": sample,
        "seed": seed,
        "clean": kinds.get("clean", 0),
        "failures": len(failing),
        "failures_by_kind": {kind: kinds[kind] for kind in KINDS if kind != "clean" and kinds.get(kind)},
        "cases_by_class": dict(sorted(Counter(outcome.case.label for outcome in outcomes).items())),
        "cases_by_group": {group: dict(counts) for group, counts in sorted(by_group.items())},
        "seconds": round(seconds, 1),
        "slowest": [{"name": outcome.case.name, "seconds": round(outcome.seconds, 1)} for outcome in slowest],
        "failing": [outcome.to_dict() for outcome in sorted(failing, key=lambda outcome: (outcome.kind, outcome.case.name))],
    }


def write(path: Path, report: dict) -> None:
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="JSON report to write")
    parser.add_argument("--sample", type=int, default=0, help="also run N random mutations of corpus cases")
    parser.add_argument("--seed", type=int, default=None, help="seed of the random sample (default: random, reported)")
    parser.add_argument("--only", default="", help="run only the cases whose name contains this text")
    parser.add_argument("--no-corpus", action="store_true", help="run only the random sample")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--keep", type=Path, default=None, help="keep the case folders under this folder")
    options = parser.parse_args(argv)
    source = preload()
    cases = [] if options.no_corpus else [case for case in corpus() if options.only in case.name]
    seed = options.seed if options.seed is not None else random.SystemRandom().randrange(2**31)
    if options.sample:
        cases += random_sample(options.sample, seed)
    print(f"sselab from {source}: {len(cases)} cases", file=sys.stderr)
    start = time.monotonic()
    outcomes = []
    for outcome in run_cases(cases, timeout_s=options.timeout, jobs=options.jobs, keep=options.keep):
        outcomes.append(outcome)
        if outcome.kind != "clean":
            print(f"[{len(outcomes)}/{len(cases)}] {outcome.kind:17s} {outcome.case.name[:90]} | {outcome.first_line[:120]}",
                  file=sys.stderr)
        if len(outcomes) % 50 == 0:  # a partial report survives an interrupted run
            write(options.out, summarize(outcomes, source, time.monotonic() - start, options.sample, seed))
    report = summarize(outcomes, source, time.monotonic() - start, options.sample, seed if options.sample else None)
    write(options.out, report)
    print(f"{report['cases']} cases, {report['clean']} clean, failures {report['failures_by_kind']} "
          f"in {report['seconds']} s -> {options.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
