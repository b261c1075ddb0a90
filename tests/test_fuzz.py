"""Issue 13's property for every command: exit 0 with valid JSON, or exit 2 with one line on stderr;
never a traceback, never a silent acceptance of a meaningless input, never longer than its bound.

Three tiers of the same property (the harness is tests/fuzz: corpus.py, runner.py, report.py):

- a fast slice of the hostile-input corpus (every class of hostility and every command group, plus
  the reproductions listed in issue 13) runs in the default tier, one test per case so that a failure
  names its case;
- the whole corpus runs under the ``fuzz`` marker (``pytest -m fuzz tests/test_fuzz.py``);
- Hypothesis generates option values for cheap commands: a few derandomized examples per property in
  the default tier, many fresh ones under the ``fuzz`` marker.

Each case runs in a forked child of this process with a 20 s timeout and a 4 GiB address-space cap
(see tests/fuzz/runner.py for how outcomes are classified).
"""

from __future__ import annotations

import math

import pytest
from fuzz.corpus import GROUPS, TOP_LEVEL, Case, corpus
from fuzz.runner import Outcome, preload, run_case, run_cases
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SLICE_SIZE = 72


def fast_slice(cases: tuple[Case, ...], size: int = SLICE_SIZE) -> list[Case]:
    """A deterministic slice: one case of every class and every command group first (cases without setup steps
    preferred), then the issue's reproductions, then one case per (group, class) pair until ``size``."""
    chosen: list[Case] = []

    def take(case: Case) -> None:
        if case not in chosen and len(chosen) < size:
            chosen.append(case)

    ordered = sorted(cases, key=lambda case: bool(case.setup))  # stable: corpus order, setup-free first
    for key in (lambda case: case.label, lambda case: case.group):
        for value in dict.fromkeys(key(case) for case in cases):
            if not any(key(case) == value for case in chosen):
                take(next(case for case in ordered if key(case) == value))
    for case in ordered:
        if "issue13" in case.name and not case.setup:
            take(case)
    for pair in dict.fromkeys((case.group, case.label) for case in ordered if not case.setup):
        if not any((case.group, case.label) == pair for case in chosen):
            take(next(case for case in ordered if (case.group, case.label) == pair))
    return chosen


SLICE = fast_slice(corpus())


def describe(outcome: Outcome) -> str:
    """The failure message: what ran, what was expected, what happened."""
    stderr = outcome.stderr.strip().splitlines()
    shown = "\n".join(stderr[-8:])
    return (f"{outcome.kind} ({outcome.detail}) for {outcome.case.name!r}, expected {outcome.case.expect}: "
            f"exit {outcome.status} after {outcome.seconds:.1f} s\nstderr (last lines):\n{shown}\n"
            f"stdout starts: {outcome.stdout[:300]!r}")


@pytest.fixture(scope="module")
def outcomes(request) -> dict[str, Outcome]:
    """Outcomes of every corpus case the session selected in this module, run two at a time in one batch."""
    wanted: dict[str, Case] = {}
    for item in request.session.items:
        case = getattr(item, "callspec", None) and item.callspec.params.get("case")
        if isinstance(case, Case) and item.module is request.module:
            wanted.setdefault(case.name, case)
    preload()
    return {outcome.case.name: outcome for outcome in run_cases(list(wanted.values()))}


def test_the_corpus_covers_every_command_group_with_the_issue_reproductions():
    """Guards the corpus itself: 550+ cases, every command group, refusals, acceptances and the issue's classes."""
    cases = corpus()
    assert len(cases) >= 550
    assert {case.group for case in cases} >= set(GROUPS) | set(TOP_LEVEL)
    assert {case.expect for case in cases} == {"refuse", "accept", "either"}
    assert {"number", "count-bound", "unit-string", "file", "run-dir", "resume", "overwrite", "security", "long-arg",
            "toml-list", "name"} <= {case.label for case in cases}
    assert sum("issue13" in case.name for case in cases) >= 30


def test_the_fast_slice_covers_every_class_and_group():
    assert len(SLICE) <= SLICE_SIZE
    assert {case.label for case in SLICE} == {case.label for case in corpus()}
    assert {case.group for case in SLICE} == {case.group for case in corpus()}


@pytest.mark.parametrize("case", SLICE, ids=lambda case: case.name)
def test_fast_slice_case_is_clean(case, outcomes):
    outcome = outcomes[case.name]
    assert outcome.kind == "clean", describe(outcome)


@pytest.mark.fuzz
@pytest.mark.parametrize("case", [case for case in corpus() if case not in SLICE], ids=lambda case: case.name)
def test_corpus_case_is_clean(case, outcomes):
    outcome = outcomes[case.name]
    assert outcome.kind == "clean", describe(outcome)


# --- Hypothesis: generated option values for cheap commands ----------------------------------------------------

PROFILES = {"fast": settings(max_examples=20, deadline=None, derandomize=True, database=None,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]),
            "long": settings(max_examples=300, deadline=None, database=None,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])}
PROFILE = pytest.mark.parametrize("profile", ["fast", pytest.param("long", marks=pytest.mark.fuzz)])

numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**30, 10**30),
                    st.sampled_from([0.0, -1.0, 1e-300, 1e308, -0.0]))
junk = st.text(st.characters(blacklist_characters="\x00"), max_size=12)  # argv can hold no NUL


def number_text(value) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def is_finite_number(value) -> bool:
    return not isinstance(value, float) or math.isfinite(value)


def quantity(units: list[str]):
    """(text, finite): a number with one of ``units`` (or without, or with junk), and whether the number is finite."""
    with_unit = st.tuples(numbers, st.sampled_from(units)).map(lambda pair: (f"{number_text(pair[0])} {pair[1]}",
                                                                            is_finite_number(pair[0])))
    return st.one_of(with_unit, numbers.map(lambda value: (number_text(value), is_finite_number(value))),
                     junk.map(lambda text: (text, True)))


def check_property(argv: list[str], finite: bool, files: tuple[str, ...] = ()) -> None:
    """Exit 0 with one JSON object, or exit 2 with one line; a non-finite number must be refused."""
    case = Case("generated", tuple(argv), "either" if finite else "refuse", "generated", files)
    outcome = run_case(case)
    assert outcome.kind == "clean", describe(outcome)


@pytest.fixture(scope="module")
def preloaded():
    preload()


def run_property(profile: str, strategy, build) -> None:
    """Run ``build(example) -> (argv, finite, files)`` through :func:`check_property` for ``profile``'s examples."""

    @PROFILES[profile]
    @given(strategy)
    def prop(example):
        check_property(*build(example))

    prop()


DESIGN_OPTIONS = {"--thickness": ["mm", "m", "um", "K"], "--temperature": ["K", "degC", "eV"],
                  "--flaw-size": ["um", "nm", "s"], "--reference-diffusivity": ["m^2/s", "cm^2/s", "m"],
                  "--time": ["min", "s", "m"]}


@PROFILE
def test_ion_exchange_design_options(profile, preloaded):
    strategy = st.sampled_from(sorted(DESIGN_OPTIONS)).flatmap(lambda option: st.tuples(st.just(option),
                                                                                        quantity(DESIGN_OPTIONS[option])))

    def build(example):
        option, (text, finite) = example
        return ["ion-exchange", "design", "--ion", "Na", "--surface-concentration", "5 %", option, text, "--json"], finite, ()

    run_property(profile, strategy, build)


LI0_OPTIONS = {"--temperature": ["K", "eV"], "--thickness": ["um", "nm", "K"], "--current-density": ["mA/cm^2", "A/m^2"],
               "--mu-anode": ["eV", "V"], "--mu-cathode": ["eV", "J"], "--band": ["eV", "meV"]}


@PROFILE
def test_li0_solve_options(profile, preloaded):
    strategy = st.sampled_from(sorted(LI0_OPTIONS)).flatmap(lambda option: st.tuples(st.just(option),
                                                                                     quantity(LI0_OPTIONS[option])))

    def build(example):
        option, (text, finite) = example
        return ["li0", "solve", "fig3", option, text, "--json"], finite, ()

    run_property(profile, strategy, build)


@PROFILE
def test_segregation_model_options(profile, preloaded):
    strategy = st.tuples(quantity(["J/m^2", "eV/A^2", "K"]), quantity(["J/m^2", "mJ/m^2"]), quantity(["nm^-2", "m^-2", "m"]))

    def build(example):
        (sigma, f1), (adhesion, f2), (density, f3) = example
        argv = ["segregation", "model", "--surface-energy", sigma, "--work-of-adhesion", adhesion, "--surface-density",
                density, "--json"]
        return argv, f1 and f2 and f3, ()

    run_property(profile, strategy, build)


formulas = st.lists(st.tuples(st.sampled_from(["Li", "Co", "O", "Zr", "Xx", "", "("]), st.integers(0, 10**12)),
                    min_size=1, max_size=3).map(lambda parts: "".join(f"{element}{count}" for element, count in parts))


@PROFILE
def test_stability_hull_targets(profile, preloaded):
    strategy = st.tuples(formulas, numbers)

    def build(example):
        formula, energy = example
        argv = ["stability", "hull", "--entries", "entries.json", "--target", f"{formula}={number_text(energy)}", "--json"]
        return argv, is_finite_number(energy), ("entries",)

    run_property(profile, strategy, build)


ANALYZE_OPTIONS = {"--max-lag-fraction": numbers.map(number_text), "--min-msd": numbers.map(number_text),
                   "--every": st.integers(-5, 10**12).map(str),
                   "--window": st.tuples(numbers, numbers).map(lambda p: f"{number_text(p[0])} fs, {number_text(p[1])} fs")}


@PROFILE
def test_diffusion_analyze_options(profile, preloaded):
    strategy = st.sampled_from(sorted(ANALYZE_OPTIONS)).flatmap(lambda option: st.tuples(st.just(option),
                                                                                         ANALYZE_OPTIONS[option]))

    def build(example):
        option, text = example
        finite = not any(word in text for word in ("nan", "inf"))
        return ["diffusion", "analyze", "walk.extxyz", "--species", "Li", option, text, "--json"], finite, ("trajectories",)

    run_property(profile, strategy, build)
