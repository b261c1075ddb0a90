"""Seed 002 (Kim & Li): one separator's Li⁰ profile, a map over (μ_anode, B), and the Figs. 2–8 reproduction.

The physics is :mod:`sselab.continuum.li0_potential` (closed-form μ_Li⁰(x), t, jumps); this module
chains it into what ``sselab li0 solve | sweep | reproduce`` compute, as results a script can use::

    profile = solve_li0("fig3", mu_anode_eV=0.1)          # a packaged case, a TOML path or a Separator
    sweep = Li0Sweep(anode_count=5, b_count=4).run("fig5c", workers=1)
    reproduction = reproduce_li0()                         # every packaged case, A stated and calibrated

Units: SI throughout (K, m, A/m², S/m), potentials in eV with Li_BCC = 0. Each result has
``to_dict()`` (the CLI's ``--json`` summary without ``run_directory``), ``from_dict`` and
``write(run_dir)``; a result rebuilt from its dict holds no profile, so it writes ``run.json`` (and
the reproduction's table) but no arrays or figures.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from scipy.optimize import brentq

from sselab.continuum.li0_potential import (
    MAX_POTENTIAL_EV,
    Li0Result,
    Separator,
    analyse,
    electronic_bottlenecks,
    fraction_near,
    solve,
)
from sselab.errors import ConvergenceError, InputError, SSELabError
from sselab.params import packaged_names
from sselab.params.separators import load_separator
from sselab.progress import Progress, no_progress
from sselab.runs import HELD, RunDirectory, from_summary, summary_of
from sselab.sweep import run_tasks
from sselab.validation import require_count, require_finite, require_range, require_within_limit

#: ``config`` recorded for a stack given as a :class:`Separator` object rather than a file.
IN_MEMORY_CONFIG = "<Separator>"
#: The packaged case whose printed t calibrates A (Fig. 3, t = 0.9812) and whose A is the paper's stated value.
CALIBRATION_CASE = "fig3"

@dataclass(frozen=True)
class Li0Case:
    """A separator stack with where it came from (``config``), a display name and what the paper printed.

    ``config`` is the origin :func:`~sselab.params.separators.load_separator` reports (a packaged
    resource path or the user's file), or :data:`IN_MEMORY_CONFIG` for a :class:`Separator` object.
    """

    separator: Separator
    config: str
    name: str
    paper: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, config: str | Path | Separator | Li0Case) -> Li0Case:
        """A packaged case name (``fig3``), a separator TOML path, a :class:`Separator` or a case (returned as is)."""
        if isinstance(config, Li0Case):
            return config
        if isinstance(config, Separator):
            return cls(config, IN_MEMORY_CONFIG, "separator")
        separator, info = load_separator(config)
        return cls(separator, info["origin"], info["name"], info["paper"])


# ---------------------------------------------------------------------------------------------- solve


@dataclass(frozen=True, kw_only=True)
class Li0Profile:
    """The steady-state μ_Li⁰ profile of one separator and what it implies (``sselab li0 solve``).

    Every field but ``name`` and ``analysis`` is a key of :meth:`to_dict`; the meaning of each is in
    ``definitions``. Potentials in eV (Li_BCC = 0), positions as x/L from the cathode.
    """

    config: str
    t_li: float
    one_minus_t_li: float
    interface_mu: list[float]
    interface_x_over_L: list[float]
    jumps: list[dict[str, float]]
    electronic_bottlenecks: list[dict[str, float]]
    overshoot: bool
    undershoot: bool
    mu_max_eV: float
    mu_min_eV: float
    vulnerable_band_eV: float
    fraction_near_cathode_potential: float
    fraction_near_anode_potential: float
    position_residual_max: float
    anode_mismatch_eV: float
    mu_cathode_eV: float
    mu_anode_eV: float
    temperature_K: float
    thickness_m: float
    current_density_A_per_m2: float
    definitions: dict[str, str]
    name: str = field(default="", metadata=HELD)  # title of the figures
    analysis: Li0Result | None = field(default=None, repr=False, compare=False, metadata=HELD)

    @classmethod
    def from_analysis(cls, analysis: Li0Result, config: str, name: str = "") -> Li0Profile:
        """The result of :func:`~sselab.continuum.li0_potential.analyse` for the stack read from ``config``."""
        return cls(config=config, **analysis.summary(), name=name, analysis=analysis)

    def to_dict(self) -> dict[str, Any]:
        """The ``sselab li0 solve --json`` summary, without ``run_directory``."""
        return summary_of(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Li0Profile:
        """Back from :meth:`to_dict` (no profile arrays: :meth:`write` then writes run.json only)."""
        return from_summary(cls, data)

    @property
    def separator(self) -> Separator | None:
        """The stack that was solved (None for a result rebuilt from its dict)."""
        return None if self.analysis is None else self.analysis.solution.separator

    def to_dataset(self) -> xr.Dataset:
        """μ(x/L) as sampled (``mu``, eV) and the potentials at every segment boundary (``boundary_mu``)."""
        if self.analysis is None:
            raise InputError("this Li0Profile was rebuilt from its summary and holds no profile")
        solution = self.analysis.solution
        return xr.Dataset(
            {
                "mu": ("sample", self.analysis.mu, {"units": "eV", "long_name": "Li0 chemical potential (Li_BCC = 0)"}),
                "boundary_mu": ("boundary", np.array(solution.boundary_potentials), {"units": "eV"}),
            },
            coords={
                "x_over_L": ("sample", self.analysis.xi, {"units": "1"}),
                "boundary_x_over_L": ("boundary", np.array([0.0] + [s.end for s in solution.segments]), {"units": "1"}),
            },
            attrs={"t_li": solution.t, "one_minus_t_li": solution.one_minus_t},
        )

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """run.json, ``profile.nc``, ``profile.png`` and ``conductivity.png`` (the last three need the profile)."""
        from sselab.plots import li0 as plots

        run = RunDirectory.open(run_dir, "li0 solve", {
            "config": self.config, "mu_cathode_eV": self.mu_cathode_eV, "mu_anode_eV": self.mu_anode_eV,
            "current_density_A_per_m2": self.current_density_A_per_m2, "temperature_K": self.temperature_K,
            "thickness_m": self.thickness_m, "band_eV": self.vulnerable_band_eV})
        if self.analysis is not None:
            run.write_dataset("profile", self.to_dataset())
            run.save_figure("profile", plots.li0_profile(self))
            run.save_figure("conductivity", plots.li0_conductivity(self.separator))
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run


def solve_li0(
    config: str | Path | Separator | Li0Case,
    *,
    mu_cathode_eV: float | None = None,
    mu_anode_eV: float | None = None,
    current_density_A_per_m2: float | None = None,
    temperature_K: float | None = None,
    thickness_m: float | None = None,
    band_eV: float = 0.05,
) -> Li0Profile:
    """Steady-state μ_Li⁰ profile, t_Li, jumps and over/undershoot for one separator (``sselab li0 solve``).

    ``config``: a packaged case (``fig3``, ``fig4b``, ...), a separator TOML path or a
    :class:`~sselab.continuum.li0_potential.Separator`. The keyword arguments override the stack's
    operating point (SI; potentials in eV). ``band_eV``: the width around each electrode potential
    counted as vulnerable (``fraction_near_*``). Raises :class:`~sselab.errors.InputError` for an
    invalid stack or one without a steady state with 0 < t ≤ 1.
    """
    case = Li0Case.load(config)
    overrides = {"mu_cathode": mu_cathode_eV, "mu_anode": mu_anode_eV, "current_density": current_density_A_per_m2,
                 "temperature": temperature_K, "thickness": thickness_m}
    changes = {key: require_finite(value, key) for key, value in overrides.items() if value is not None}
    separator = replace(case.separator, **changes) if changes else case.separator
    return Li0Profile.from_analysis(analyse(separator, band_eV), config=case.config, name=case.name)


# ---------------------------------------------------------------------------------------------- sweep

#: ``status`` of a sweep point: solved, no steady state with 0 < t ≤ 1, refused by the solver (ConvergenceError).
SWEEP_SOLVED, SWEEP_NO_STEADY_STATE, SWEEP_NOT_RESOLVABLE = 0.0, 1.0, 2.0
#: Values a sweep stores per point (t, jump, near_anode, overshoot, status): its cost in the ``grid_points`` limit.
SWEEP_VALUES = 5
#: ``layer`` of a sweep indexes a stack's layers: no stack has more than this many.
MAX_LAYERS = 10_000


@dataclass(frozen=True)
class SweepRow:
    """One task of :class:`Li0Sweep`: the stack with B of layer ``layer`` set to ``b_eV``, at every anode potential."""

    separator: Separator
    layer: int
    b_eV: float
    anodes_eV: np.ndarray
    band_eV: float


def solve_sweep_row(row: SweepRow) -> list[dict[str, float]]:
    """One row of the map (fixed B), a pure function of ``row`` (the Dask task of :meth:`Li0Sweep.run`).

    Per anode potential: ``t``; ``jump``, the x/L where μ crosses B in the swept layer (the electronic
    bottleneck, from the closed form; NaN if it does not); ``near_anode``, the share of the thickness
    within ``band_eV`` of μ_anode; ``overshoot`` (1.0 if μ exceeds max(μ_cathode, μ_anode) + 1e-9 eV);
    and ``status`` (:data:`SWEEP_SOLVED`, :data:`SWEEP_NO_STEADY_STATE`, :data:`SWEEP_NOT_RESOLVABLE`,
    the others NaN).
    """
    separator, layer = row.separator, row.layer
    layers = list(separator.layers)
    layers[layer] = replace(layers[layer], B=row.b_eV)
    points = []
    for anode in row.anodes_eV:
        try:
            solution = solve(replace(separator, layers=tuple(layers), mu_anode=float(anode)))
        except SSELabError as error:
            status = SWEEP_NOT_RESOLVABLE if isinstance(error, ConvergenceError) else SWEEP_NO_STEADY_STATE
            points.append({"t": np.nan, "jump": np.nan, "near_anode": np.nan, "overshoot": np.nan, "status": status})
            continue
        crossings = [b["x_over_L"] for b in electronic_bottlenecks(solution) if b["layer"] == layer]
        points.append({
            "t": solution.t,
            "jump": crossings[0] if crossings else np.nan,
            "near_anode": fraction_near(solution, float(anode), row.band_eV),
            "overshoot": float(max(solution.boundary_potentials) > max(separator.mu_cathode, float(anode)) + 1e-9),
            "status": SWEEP_SOLVED,
        })
    return points


@dataclass(frozen=True, kw_only=True)
class Li0SweepResult:
    """The (B, μ_anode) map of :class:`Li0Sweep` (``dataset``) and its ``sselab li0 sweep --json`` summary."""

    config: str
    points: int
    no_steady_state: int
    not_resolvable: int
    jump_x_over_L_range: list[float | None]
    dataset: xr.Dataset | None = field(default=None, repr=False, compare=False, metadata=HELD)
    settings: Li0Sweep | None = field(default=None, compare=False, metadata=HELD)

    @classmethod
    def from_dataset(cls, dataset: xr.Dataset, settings: Li0Sweep | None = None) -> Li0SweepResult:
        """The summary of a sweep dataset (variables ``jump_x_over_L`` and ``status`` over (B, mu_anode))."""
        jump, status = dataset["jump_x_over_L"].values, dataset["status"].values
        found = bool(np.isfinite(jump).any())
        return cls(
            config=dataset.attrs["config"],
            points=int(status.size),
            no_steady_state=int((status == SWEEP_NO_STEADY_STATE).sum()),
            not_resolvable=int((status == SWEEP_NOT_RESOLVABLE).sum()),
            jump_x_over_L_range=[float(np.nanmin(jump)) if found else None, float(np.nanmax(jump)) if found else None],
            dataset=dataset,
            settings=settings,
        )

    def to_dict(self) -> dict[str, Any]:
        """The ``sselab li0 sweep --json`` summary, without ``run_directory``."""
        return summary_of(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Li0SweepResult:
        """Back from :meth:`to_dict` (no dataset: :meth:`write` then writes run.json only)."""
        return from_summary(cls, data)

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """run.json, ``sweep.nc`` and ``sweep.png`` (the last two need the dataset)."""
        from sselab.plots import li0 as plots

        inputs = {"config": self.config, **(asdict(self.settings) if self.settings is not None else {})}
        run = RunDirectory.open(run_dir, "li0 sweep", inputs)
        if self.dataset is not None:
            run.write_dataset("sweep", self.dataset)
            run.save_figure("sweep", plots.li0_sweep(self))
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run


@dataclass(frozen=True, kw_only=True)
class Li0Sweep:
    """Map of the electronic-bottleneck jump over anode potential × B of one layer (``sselab li0 sweep``).

    Grids are ``np.linspace(min, max, count)`` in eV; ``layer`` indexes the stack's layers from the
    cathode (negative from the anode: −1, the default, is the anodic layer); ``band_eV`` is the
    vulnerable band around μ_anode. One Dask task per B row (:func:`solve_sweep_row`).
    """

    anode_min_eV: float = -0.2
    anode_max_eV: float = 0.3
    anode_count: int = 50
    b_min_eV: float = -1.0
    b_max_eV: float = -0.5
    b_count: int = 50
    layer: int = -1
    band_eV: float = 0.05

    def __post_init__(self) -> None:
        """Counts whole and at least 1, the map's size within the ``grid_points`` limit (each point stores
        :data:`SWEEP_VALUES` values), potentials finite within ±10 eV with min ≤ max, the band in (0, 10] eV."""
        anode_count = require_count(self.anode_count, "anode_count")
        b_count = require_count(self.b_count, "b_count")
        require_within_limit(anode_count * b_count * SWEEP_VALUES, "grid_points",
                             f"a sweep of {anode_count} x {b_count} points ({SWEEP_VALUES} values each)")
        for low, high in (("anode_min_eV", "anode_max_eV"), ("b_min_eV", "b_max_eV")):
            bottom = require_range(getattr(self, low), low, low=-MAX_POTENTIAL_EV, high=MAX_POTENTIAL_EV, unit="eV")
            top = require_range(getattr(self, high), high, low=-MAX_POTENTIAL_EV, high=MAX_POTENTIAL_EV, unit="eV")
            if bottom > top:
                raise InputError(f"{low} ({bottom:g} eV) must not exceed {high} ({top:g} eV)")
        require_range(self.band_eV, "band_eV", low=0.0, low_inclusive=False, high=MAX_POTENTIAL_EV, unit="eV")
        require_count(self.layer, "layer", low=-MAX_LAYERS, high=MAX_LAYERS - 1)

    @property
    def anodes_eV(self) -> np.ndarray:
        return np.linspace(self.anode_min_eV, self.anode_max_eV, self.anode_count)

    @property
    def b_values_eV(self) -> np.ndarray:
        return np.linspace(self.b_min_eV, self.b_max_eV, self.b_count)

    def layer_index(self, separator: Separator) -> int:
        """The swept layer's index from the cathode; InputError when ``layer`` does not exist in ``separator``."""
        count = len(separator.layers)
        index = self.layer if self.layer >= 0 else count + self.layer
        if not 0 <= index < count:
            raise InputError(f"layer {self.layer} is out of range for {count} layer(s)")
        return index

    def tasks(self, separator: Separator) -> list[SweepRow]:
        """One :class:`SweepRow` per B value, in the order of :attr:`b_values_eV`."""
        index, anodes = self.layer_index(separator), self.anodes_eV
        return [SweepRow(separator, index, float(b), anodes, self.band_eV) for b in self.b_values_eV]

    def run(self, config: str | Path | Separator | Li0Case, scheduler: str | None = None, workers: int | None = None,
            progress: bool = True) -> Li0SweepResult:
        """Solve every point on Dask: a local cluster of ``workers`` processes (default: all cores), or
        the running scheduler at address ``scheduler``; ``progress`` draws a bar on stderr."""
        case = Li0Case.load(config)
        index = self.layer_index(case.separator)
        rows = run_tasks(solve_sweep_row, self.tasks(case.separator), scheduler, workers, "li0 sweep (rows of B)",
                         show_progress=progress)
        grid = {key: np.array([[p[key] for p in row] for row in rows], dtype=float)
                for key in ("t", "jump", "near_anode", "overshoot", "status")}
        dims = ("B", "mu_anode")
        dataset = xr.Dataset(
            {
                "t_li": (dims, grid["t"], {"units": "1"}),
                "jump_x_over_L": (dims, grid["jump"], {"units": "1", "long_name": f"jump at mu = B in layer {index}"}),
                "fraction_near_anode": (dims, grid["near_anode"], {"units": "1"}),
                "overshoot": (dims, grid["overshoot"], {"units": "1"}),
                "status": (dims, grid["status"], {"flag_values": [0, 1, 2],
                                                  "flag_meanings": "solved | no steady state | refused by the solver"}),
            },
            coords={"B": ("B", self.b_values_eV, {"units": "eV"}), "mu_anode": ("mu_anode", self.anodes_eV, {"units": "eV"})},
            attrs={"config": case.config, "layer": index, "band_eV": self.band_eV},
        )
        return Li0SweepResult.from_dataset(dataset, self)


# ---------------------------------------------------------------------------------------- reproduction


def scale_A(separator: Separator, factor: float) -> Separator:
    """The stack with A (σ_e = A e^{−u}, σ_h = A e^{u}) multiplied by ``factor`` in every layer."""
    return replace(separator, layers=tuple(replace(layer, A=layer.A * factor) for layer in separator.layers))


def calibrate_A_factor(separator: Separator, target_t: float) -> float:
    """The factor f on A (every layer) for which ``separator``'s t equals ``target_t``.

    t falls as A grows (more electronic leakage), so t(f) − target has one root; it is bracketed
    in ln f over [ln 0.05, 0] and found with Brent's method to 1e-12 in ln f.
    """
    def miss(log_factor: float) -> float:
        return solve(scale_A(separator, math.exp(log_factor))).t - target_t

    try:
        return math.exp(brentq(miss, math.log(0.05), math.log(1.0), xtol=1e-12))
    except ValueError:  # not bracketed
        raise InputError(f"no factor on A in [0.05, 1] gives t = {target_t:g} for this stack") from None


def stated_A_S_per_m() -> float:
    """A as the paper states it, 4.25e-17 S/m, read from the packaged Fig. 3 case (the A of its layers)."""
    return Li0Case.load(CALIBRATION_CASE).separator.layers[0].A


def _reproduce_case(name: str, factor: float) -> tuple[dict[str, Any], Li0Profile | None]:
    """One packaged case with A as stated and (where the case allows it) calibrated: its table row,
    and the profile to draw (the calibrated one when there is one, else the stated; None if it failed)."""
    case = Li0Case.load(name)
    paper = case.paper
    row = {"case": name, "figure": paper.get("figure", ""), "paper_t": paper.get("t_li"),
           "paper_phase_boundary_mu": paper.get("phase_boundary_mu"), "note": paper.get("note", "")}
    variants = {"stated": case.separator,
                "calibrated": scale_A(case.separator, factor) if paper.get("calibrate_A", True) else None}
    drawn = "calibrated" if variants["calibrated"] is not None else "stated"
    profile = None
    for label, variant in variants.items():
        if variant is None:
            row[f"t_{label}"] = row[f"phase_boundary_mu_{label}"] = None
            continue
        try:
            result = analyse(variant)
        except SSELabError as error:
            row[f"t_{label}"], row[f"error_{label}"] = None, str(error)
            row[f"phase_boundary_mu_{label}"] = None
            continue
        s = result.summary()
        row[f"t_{label}"] = s["t_li"]
        row[f"one_minus_t_{label}"] = s["one_minus_t_li"]
        middle = [m for x, m in zip(s["interface_x_over_L"], s["interface_mu"], strict=True) if abs(x - 0.5) < 1e-12]
        row[f"phase_boundary_mu_{label}"] = middle[0] if middle else None
        row[f"jumps_{label}"] = s["jumps"]
        if label == drawn:
            title = f"{name} (A x {factor:.4g})" if label == "calibrated" else name
            profile = Li0Profile.from_analysis(result, config=case.config, name=title)
    return row, profile


@dataclass(frozen=True, kw_only=True)
class Li0Reproduction:
    """Seed 002's Figs. 2–8 recomputed (``sselab li0 reproduce``): one row per packaged case.

    Each row has the paper's t and phase-boundary potential μ(x/L = 0.5) and sselab's, with A as
    stated (``*_stated``) and with A × ``calibrated_A_factor`` (``*_calibrated``), the factor that
    makes Fig. 3's t equal its printed 0.9812. ``profiles`` holds the profile drawn for each case.
    """

    calibrated_A_factor: float
    calibrated_A_S_per_m: float
    rows: list[dict[str, Any]]
    profiles: dict[str, Li0Profile] = field(default_factory=dict, repr=False, compare=False, metadata=HELD)

    def to_dict(self) -> dict[str, Any]:
        """The ``sselab li0 reproduce --json`` summary, without ``run_directory``."""
        return summary_of(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Li0Reproduction:
        """Back from :meth:`to_dict` (no profiles: :meth:`write` then leaves out the per-case figures)."""
        return from_summary(cls, data)

    @property
    def rows_by_case(self) -> dict[str, dict[str, Any]]:
        return {row["case"]: row for row in self.rows}

    def conductivity_stacks(self) -> dict[str, Separator]:
        """The stacks of Fig. 2a (single layer) and Figs. 3b–c (Fig. 3 with A calibrated), by figure file name."""
        return {"fig2a_conductivity": Li0Case.load("fig2_center").separator,
                "fig3bc_conductivity": scale_A(Li0Case.load(CALIBRATION_CASE).separator, self.calibrated_A_factor)}

    @property
    def markdown(self) -> str:
        """The comparison table (Markdown), as written to ``reproduction.md``."""
        def fmt(value: float | None, spec: str) -> str:
            return "—" if value is None else format(value, spec)

        factor, stated = self.calibrated_A_factor, stated_A_S_per_m()
        lines = [
            f"A calibrated on Fig. 3: A x {factor:.4g} = {stated * factor:.4g} S/m (stated {stated:.4g} S/m).",
            "",
            "| case | figure | paper t | t, A stated | t, A calibrated | 1 − t (A calibrated, else stated) "
            "| paper μ(x/L=0.5) eV | μ(0.5), A stated | μ(0.5), A calibrated |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in self.rows:
            unsolved = "no steady state" if r.get("error_stated") else "—"
            stated_t = fmt(r["t_stated"], ".4f") if r["t_stated"] is not None else unsolved
            lines.append(
                f"| {r['case']} | {r['figure']} | {fmt(r['paper_t'], '.4f')} | {stated_t} | {fmt(r['t_calibrated'], '.4f')} | "
                f"{fmt(r.get('one_minus_t_calibrated', r.get('one_minus_t_stated')), '.4g')} | "
                f"{fmt(r['paper_phase_boundary_mu'], '.4f')} | {fmt(r['phase_boundary_mu_stated'], '.4f')} | "
                f"{fmt(r['phase_boundary_mu_calibrated'], '.4f')} |"
            )
        return "\n".join(lines) + "\n"

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """run.json, ``<case>_profile.png`` per case, the two conductivity figures and ``reproduction.md``."""
        from sselab.plots import li0 as plots

        run = RunDirectory.open(run_dir, "li0 reproduce", {"cases": [row["case"] for row in self.rows]})
        for name, profile in self.profiles.items():
            run.save_figure(f"{name}_profile", plots.li0_profile(profile))
        for name, separator in self.conductivity_stacks().items():
            run.save_figure(name, plots.li0_conductivity(separator))
        run.write_text("reproduction.md", self.markdown)
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run


def reproduce_li0(progress: Progress = no_progress) -> Li0Reproduction:
    """Every packaged seed 002 case (``params/data/li0``), with A as stated and calibrated on Fig. 3.

    The calibration (:func:`calibrate_A_factor`) fits one factor on A to Fig. 3's printed t alone;
    the other figures test whether it carries over. ``progress()`` is called once per case.
    """
    reference = Li0Case.load(CALIBRATION_CASE)
    factor = calibrate_A_factor(reference.separator, reference.paper["t_li"])
    rows, profiles = [], {}
    for name in packaged_names("li0"):
        row, profile = _reproduce_case(name, factor)
        rows.append(row)
        if profile is not None:
            profiles[name] = profile
        progress()
    return Li0Reproduction(calibrated_A_factor=factor, calibrated_A_S_per_m=stated_A_S_per_m() * factor, rows=rows,
                           profiles=profiles)
