"""Transport laws fitted across MD runs, and the parameter files that hand them to the continuum models.

Seed 000's Fig. 1 chain, from many ``diffusion analyze`` results to one law each:

* :meth:`ArrheniusAnalysis.from_runs`: ln D = ln D₀ − E_a/(k_B T) by GLS, extrapolated (with its
  error) to a target temperature, and the Nernst–Einstein conductivity there;
* :func:`fit_exchange_ion`: eq. 8, D = D₁ exp(−σV*/(R T)) (1 − C/d) at one temperature, written as
  an ion file (:func:`sselab.params.ions.write_ion`) that ``ion-exchange design --ion FILE`` reads;
* :func:`fit_li_law`: eq. 10, D = D₀ exp(−σV‡/(R T)) exp(−E_a/(k_B T)), written as a Li law file
  (:func:`sselab.params.ions.write_li_law`) for ``ion-exchange li-penalty``.

A run is a :class:`~sselab.analysis.diffusion.DiffusionAnalysis`, a ``diffusion analyze`` run
directory (its ``run.json``), or a CSV file with one row per run and the columns the fit needs
(``temperature_K``, ``stress_Pa``, ``concentration``, ``D_m2_per_s``, optional
``D_stderr_m2_per_s``, ``diffusive`` and ``complete``, as ``sselab diffusion campaign`` writes them). Runs that are not diffusive are left out with a warning. The numerics are
in :mod:`sselab.continuum.transport` and :mod:`sselab.continuum.li_penalty`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from sselab.analysis.diffusion import DiffusionAnalysis
from sselab.continuum.ion_exchange import ExchangeIon
from sselab.continuum.li_penalty import LiDiffusionLaw, fit_two_step
from sselab.continuum.transport import ArrheniusFit, fit_arrhenius, fit_stress_concentration, nernst_einstein_conductivity
from sselab.errors import InputError
from sselab.params.ions import load_ion, write_ion, write_li_law
from sselab.runs import RunDirectory, read_run_record, run_summary, to_jsonable
from sselab.validation import read_text_file, require_finite, require_range

__all__ = ["ArrheniusAnalysis", "ExchangeIonFit", "LiLawFit", "fit_exchange_ion", "fit_li_law", "read_runs"]

Run = DiffusionAnalysis | str | Path
#: summary keys of a ``diffusion analyze`` run that the fits use
POINT_KEYS = ("diffusive", "D_m2_per_s", "D_stderr_m2_per_s", "temperature_K", "stress_Pa", "concentration", "species",
              "number_density_per_m3", "charge", "complete")
#: the numeric ones among them
NUMBER_KEYS = ("D_m2_per_s", "D_stderr_m2_per_s", "temperature_K", "stress_Pa", "concentration", "number_density_per_m3", "charge")
#: highest temperature an extrapolation may target (K)
MAX_TEMPERATURE_K = 10_000.0
EQ8_COLUMNS = ("stress_Pa", "concentration", "D_m2_per_s")
EQ10_COLUMNS = ("temperature_K", "stress_Pa", "D_m2_per_s")


# ------------------------------------------------------------------------------------------- runs


def _point(source: str, summary: dict[str, Any]) -> dict[str, Any]:
    """The fit keys of one run's summary, each checked for its type (numbers finite, D positive), else a one-line refusal."""
    point = {"source": source, **{key: summary.get(key) for key in POINT_KEYS}}
    if not isinstance(point["diffusive"], bool):
        raise InputError(f"{source}: 'diffusive' must be true or false, got {point['diffusive']!r}")
    if point["complete"] not in (True, False, None):
        raise InputError(f"{source}: 'complete' must be true, false or null, got {point['complete']!r}")
    if point["species"] is not None and not isinstance(point["species"], str):
        raise InputError(f"{source}: 'species' must be text, got {point['species']!r}")
    for key in NUMBER_KEYS:
        if point[key] is not None:
            point[key] = require_finite(point[key], f"{source}: {key}")
    for key in ("D_m2_per_s", "temperature_K", "number_density_per_m3"):
        if point[key] is not None and point[key] <= 0:
            raise InputError(f"{source}: {key} must be positive, got {point[key]:g}")
    if point["concentration"] is not None and not 0 <= point["concentration"] <= 1:
        raise InputError(f"{source}: concentration is a site fraction in [0, 1], got {point['concentration']:g}")
    return point


def _run_directory_point(source: Path) -> dict[str, Any]:
    record = read_run_record(source, "diffusion analyze")
    if record.get("command") != "diffusion analyze":
        raise InputError(f"{source} is a '{record.get('command')}' run, not a 'diffusion analyze' run")
    return _point(str(source), run_summary(source, "diffusion analyze", {"D_m2_per_s", "diffusive"}))


def _csv_points(source: Path, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """One point per row of a CSV (UTF-8, a header with the ``columns``); a value that is not a finite number is refused."""
    text = read_text_file(source, "CSV of diffusion runs")
    try:
        rows = list(csv.DictReader(io.StringIO(text)))
    except csv.Error as error:
        raise InputError(f"{source}: not a readable CSV ({error})") from None
    if not rows or any(c not in rows[0] for c in columns):
        raise InputError(f"{source}: expected a CSV with columns {', '.join(columns)}")
    points = []
    for index, row in enumerate(rows):
        try:
            values = {key: float(value) for key, value in row.items()
                      if key in (*columns, "D_stderr_m2_per_s", "temperature_K") and value not in ("", None)}
        except (TypeError, ValueError):
            raise InputError(f"{source}: row {index + 2} has a value that is not a number") from None
        flags = {key: _csv_flag(row.get(key), f"{source}: row {index + 2}: {key}") for key in ("diffusive", "complete")}
        flags["diffusive"] = True if flags["diffusive"] is None else flags["diffusive"]
        points.append(_point(f"{source}:{index + 2}", {**flags, **values}))
    return points


def _csv_flag(text: str | None, name: str) -> bool | None:
    """A CSV cell read as a flag: true/false (or 1/0, any case); empty or absent: None."""
    if text is None or not text.strip():
        return None
    value = text.strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise InputError(f"{name} must be true or false, got {text[:20]!r}")


def read_runs(runs: Iterable[Run], columns: tuple[str, ...], *, allow_incomplete: bool = False,
              temperature_K: float | None = None) -> list[dict[str, Any]]:
    """One point (a dict of the summary keys the fits use, plus ``source``) per run (module docstring).

    ``temperature_K`` keeps only the points at that temperature (before any check on the others).

    Every diffusive point must carry the ``columns`` the fit needs; a missing one is an
    :class:`~sselab.errors.InputError` that names the run. A run whose trajectory was incomplete
    (``complete`` false: a killed MD run) is refused unless ``allow_incomplete``.
    """
    points: list[dict[str, Any]] = []
    for index, run in enumerate(runs):
        if isinstance(run, DiffusionAnalysis):
            points.append(_point(f"analysis {index + 1} ({run.species})", run.to_dict()))
            continue
        source = Path(run)
        if source.is_dir():
            points.append(_run_directory_point(source))
        elif source.is_file():
            points.extend(_csv_points(source, columns))
        else:
            raise InputError(f"{source} does not exist")
    if temperature_K is not None:
        require_finite(temperature_K, "--temperature")
        points = [p for p in points if p.get("temperature_K") is not None and math.isclose(float(p["temperature_K"]), temperature_K)]
        if not points:
            raise InputError(f"no run at {temperature_K:g} K to fit")
    for point in points:
        _check_ranges(point)
        missing = [c for c in columns if point.get(c) is None]
        if missing and point["diffusive"]:
            raise InputError(f"{point['source']}: no {', '.join(missing)} (give them to 'diffusion analyze' or in the CSV)")
        if point["complete"] is False and not allow_incomplete:
            raise InputError(f"{point['source']}: analysed from an incomplete trajectory (a killed MD run): finish it with "
                             "'sselab md run --resume' and analyse it again, or pass --allow-incomplete")
    return points


#: Physical ranges of a point's values (SI; low, high, low included): no solid diffuses at 1 m²/s (liquids: ~1e-9),
#: no cell holds 1 TPa.
POINT_RANGES = {"temperature_K": (0.0, MAX_TEMPERATURE_K, False), "D_m2_per_s": (0.0, 1.0, False),
                "stress_Pa": (-1e12, 1e12, True), "concentration": (0.0, 1.0, True)}


def _check_ranges(point: dict[str, Any]) -> None:
    """Refuse a point whose temperature, D, stress or concentration lies outside :data:`POINT_RANGES`, naming it."""
    for key, (low, high, low_inclusive) in POINT_RANGES.items():
        if point.get(key) is not None:
            require_range(point[key], f"{point['source']}: {key}", low=low, high=high, low_inclusive=low_inclusive)


def _incomplete_warnings(points: list[dict[str, Any]]) -> list[str]:
    return [f"{p['source']}: analysed from an incomplete trajectory (included by --allow-incomplete)"
            for p in points if p["complete"] is False]


def _require_finite_results(values: dict[str, float], points: int, parameters: int) -> None:
    """Refuse a fit whose written parameters are not all finite, naming them and the likely reason."""
    bad = [name for name, value in values.items() if not np.isfinite(value)]
    if bad:
        reason = (f"{points} points for {parameters} parameters" if points <= parameters
                  else "the data do not determine them (check the runs' values)")
        raise InputError(f"the fit gives non-finite {', '.join(bad)} ({reason}): nothing written")


def _diffusive(points: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    kept = [p for p in points if p["diffusive"]]
    skipped = [f"{p['source']}: not diffusive, left out" for p in points if not p["diffusive"]]
    return kept, skipped


def _sources(runs: Iterable[Run]) -> list[str]:
    return [f"analysis ({r.species})" if isinstance(r, DiffusionAnalysis) else str(r) for r in runs]


# -------------------------------------------------------------------------------------- Arrhenius


@dataclass(frozen=True)
class ArrheniusAnalysis:
    """E_a, D₀ and D (with its 1σ interval) at ``extrapolation_temperature_K`` from D(T) of several runs.

    Fields are the numbers of ``sselab diffusion arrhenius --json``; ``fit`` (the parameter
    covariance, for the figure's band) is absent from a result rebuilt with :meth:`from_dict`.
    """

    points: int
    activation_energy_eV: float
    activation_energy_stderr_eV: float
    D0_m2_per_s: float
    ln_D0_stderr: float
    r_squared: float
    reduced_chi_squared: float
    weighted: bool
    extrapolation_temperature_K: float
    D_extrapolated_m2_per_s: float
    D_extrapolated_ln_stderr: float
    conductivity_extrapolated_S_per_m: float | None
    data: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)
    fit: ArrheniusFit | None = field(default=None, compare=False, repr=False)
    inputs: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    MODEL = "ln D = ln D0 - E_a/(k_B T), GLS weighted by the runs' standard errors"

    @classmethod
    def from_runs(cls, runs: Iterable[Run], *, extrapolate_to_K: float = 300.0, allow_incomplete: bool = False) -> ArrheniusAnalysis:
        """GLS Arrhenius fit through the diffusive runs, weighted by their errors when every run has one.

        Without errors for every run the points count equally and the parameter errors come from
        the scatter. The conductivity at ``extrapolate_to_K`` uses the runs' mean carrier density
        and needs one charge for all of them. Runs analysed from incomplete trajectories are refused
        unless ``allow_incomplete`` (:func:`read_runs`).
        """
        runs = list(runs)
        if not 0 < require_finite(extrapolate_to_K, "--extrapolate-to") <= MAX_TEMPERATURE_K:
            raise InputError(f"--extrapolate-to must be a positive temperature up to {MAX_TEMPERATURE_K:g} K, got {extrapolate_to_K:g} K")
        points, warnings = _fitted_points(runs, ("temperature_K", "D_m2_per_s"), allow_incomplete, require_any=False)
        if len(points) < 2:
            raise InputError(f"an Arrhenius fit needs two or more diffusive runs, got {len(points)}")
        temperature = np.array([p["temperature_K"] for p in points])
        diffusivity = np.array([p["D_m2_per_s"] for p in points])
        stderr = np.array([p.get("D_stderr_m2_per_s") or np.nan for p in points])
        weighted = bool(np.all(np.isfinite(stderr) & (stderr > 0)))
        fit = fit_arrhenius(temperature, np.log(diffusivity), np.diag((stderr / diffusivity) ** 2) if weighted else None)
        if not weighted:
            warnings.append("some runs have no standard error: points weighted equally, errors from the scatter")
        extrapolated = float(fit.diffusivity(extrapolate_to_K))
        conductivity = _extrapolated_conductivity(points, extrapolated, extrapolate_to_K, warnings)
        return cls(
            points=len(points), activation_energy_eV=fit.activation_energy_eV,
            activation_energy_stderr_eV=fit.activation_energy_stderr_eV,
            D0_m2_per_s=fit.prefactor, ln_D0_stderr=fit.log_prefactor_stderr, r_squared=fit.r_squared,
            reduced_chi_squared=fit.reduced_chi_squared, weighted=weighted, extrapolation_temperature_K=float(extrapolate_to_K),
            D_extrapolated_m2_per_s=extrapolated, D_extrapolated_ln_stderr=fit.log_diffusivity_stderr(extrapolate_to_K),
            conductivity_extrapolated_S_per_m=conductivity,
            data=[{k: p.get(k) for k in ("source", "temperature_K", "D_m2_per_s", "D_stderr_m2_per_s")} for p in points],
            warnings=warnings, fit=fit, inputs={"runs": _sources(runs), "extrapolate_to_K": extrapolate_to_K,
                                                                "allow_incomplete": allow_incomplete},
        )

    @property
    def D_extrapolated_1sigma_m2_per_s(self) -> tuple[float, float]:
        """The 1σ interval of the extrapolated D (m²/s), from its ln-space standard error."""
        return (self.D_extrapolated_m2_per_s * float(np.exp(-self.D_extrapolated_ln_stderr)),
                self.D_extrapolated_m2_per_s * float(np.exp(self.D_extrapolated_ln_stderr)))

    def to_dict(self) -> dict[str, Any]:
        """The summary of ``sselab diffusion arrhenius --json`` (without ``run_directory``), as plain JSON types."""
        return to_jsonable({
            "points": self.points,
            "activation_energy_eV": self.activation_energy_eV,
            "activation_energy_stderr_eV": self.activation_energy_stderr_eV,
            "D0_m2_per_s": self.D0_m2_per_s,
            "ln_D0_stderr": self.ln_D0_stderr,
            "r_squared": self.r_squared,
            "reduced_chi_squared": self.reduced_chi_squared,
            "weighted": self.weighted,
            "extrapolation_temperature_K": self.extrapolation_temperature_K,
            "D_extrapolated_m2_per_s": self.D_extrapolated_m2_per_s,
            "D_extrapolated_ln_stderr": self.D_extrapolated_ln_stderr,
            "D_extrapolated_1sigma_m2_per_s": list(self.D_extrapolated_1sigma_m2_per_s),
            "conductivity_extrapolated_S_per_m": self.conductivity_extrapolated_S_per_m,
            "data": self.data,
            "model": self.MODEL,
            "warnings": self.warnings,
        })

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArrheniusAnalysis:
        """The result back from :meth:`to_dict` (a JSON null, e.g. an undetermined error, reads as NaN)."""
        def number(key: str) -> float:
            return float("nan") if data.get(key) is None else float(data[key])

        return cls(
            points=int(data["points"]), activation_energy_eV=number("activation_energy_eV"),
            activation_energy_stderr_eV=number("activation_energy_stderr_eV"), D0_m2_per_s=number("D0_m2_per_s"),
            ln_D0_stderr=number("ln_D0_stderr"), r_squared=number("r_squared"), reduced_chi_squared=number("reduced_chi_squared"),
            weighted=bool(data["weighted"]), extrapolation_temperature_K=number("extrapolation_temperature_K"),
            D_extrapolated_m2_per_s=number("D_extrapolated_m2_per_s"),
            D_extrapolated_ln_stderr=number("D_extrapolated_ln_stderr"),
            conductivity_extrapolated_S_per_m=data.get("conductivity_extrapolated_S_per_m"),
            data=[dict(p) for p in data["data"]], warnings=list(data.get("warnings", [])),
        )

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """``run.json`` and (when the fit is held) ``arrhenius.png`` in ``run_dir``; returns the RunDirectory."""
        run = RunDirectory.open(run_dir, "diffusion arrhenius", self.inputs)
        if self.fit is not None:
            run.save_figure("arrhenius", self.plot())
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run

    def plot(self, ax=None):
        """ln D against 1000/T with the fit, its 1σ band and the extrapolation; returns the Figure."""
        from sselab.plots.transport import arrhenius_figure

        return arrhenius_figure(self, ax=ax)


def _extrapolated_conductivity(points: list[dict[str, Any]], diffusivity: float, temperature: float,
                               warnings: list[str]) -> float | None:
    """Nernst–Einstein σ at the extrapolation temperature with the runs' mean carrier density (None without one charge)."""
    densities = [p.get("number_density_per_m3") for p in points]
    charges = {p.get("charge") for p in points}
    if None in densities or len(charges) != 1 or None in charges:
        warnings.append("no extrapolated conductivity: the runs do not all give a carrier density and one charge")
        return None
    density = float(np.mean(densities))
    if np.ptp(densities) > 1e-3 * density:
        warnings.append(f"the runs' carrier densities differ by {100 * np.ptp(densities) / density:.2g} % (strain, NPT): "
                        "the extrapolated conductivity uses their mean")
    return nernst_einstein_conductivity(density, charges.pop(), diffusivity, temperature)


# ------------------------------------------------------------------------------ stress laws (eq. 8, 10)


def _fitted_points(runs: list[Run], columns: tuple[str, ...], allow_incomplete: bool, require_any: bool = True,
                   temperature_K: float | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """The diffusive points of ``runs`` (at ``temperature_K`` if given) and the warnings on those left out or
    included incomplete."""
    points, warnings = _diffusive(read_runs(runs, columns, allow_incomplete=allow_incomplete, temperature_K=temperature_K))
    if require_any and not points:
        raise InputError("no diffusive runs to fit")
    return points, warnings + _incomplete_warnings(points)


def _refuse_existing(path: str | Path, overwrite: bool) -> Path:
    """``path``, unless a file is there already and ``overwrite`` is False (a parameter file is never replaced silently)."""
    target = Path(path)
    if target.exists() and not overwrite:
        raise InputError(f"{target} exists: choose another file or pass --overwrite to replace it")
    if target.is_dir():
        raise InputError(f"{target} is a directory, not a parameter file")
    return target


def _write_fit(fit: ExchangeIonFit | LiLawFit, run_dir: str | Path | RunDirectory | None, parameter_file: str | Path | None,
               overwrite: bool) -> RunDirectory:
    """A fit's parameter file and ``run.json``: non-finite results and an existing ``parameter_file`` (unless
    ``overwrite``) are refused before the run directory is opened."""
    fit.check_finite()
    if parameter_file is not None:
        _refuse_existing(parameter_file, overwrite)
    run = RunDirectory.open(run_dir, "diffusion fit-stress", fit.inputs, overwrite=overwrite)
    written = fit.write_parameter_file(parameter_file or run.path / fit.FILE_NAME, overwrite=True)
    run.finish({**written.to_dict(), "run_directory": str(run.path)})
    return run


@dataclass(frozen=True)
class ExchangeIonFit:
    """Seed 000 eq. 8 fitted to an exchange ion's runs at one temperature, with γ for the continuum model.

    Fields are the numbers of ``sselab diffusion fit-stress --model eq8 --json``. :attr:`ion` is the
    :class:`~sselab.continuum.ion_exchange.ExchangeIon` a design takes; ``ion_name`` (not in the
    summary) is absent from a result rebuilt with :meth:`from_dict`.
    """

    points: int
    D1_m2_per_s: float
    activation_volume_m3_per_mol: float
    saturation_concentration: float
    temperature_K: float
    stderr: dict[str, float]
    rms_ln_residual: float
    chemical_expansion_coefficient: float
    warnings: list[str] = field(default_factory=list)
    parameter_file: str | None = None
    ion_name: str | None = field(default=None, compare=False)
    gamma_source: str = field(default="", compare=False)
    inputs: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    MODEL = "D = D1 exp(-sigma V*/(R T)) (1 - C/d) (seed 000 eq. 8)"
    FILE_NAME = "ion.toml"

    @property
    def ion(self) -> ExchangeIon:
        """The fitted ion as the continuum model takes it (D₁, V*, d, T_fit and γ)."""
        if self.ion_name is None:
            raise InputError("this result has no ion name (it was rebuilt from a dict): fit the runs again")
        return ExchangeIon(
            name=self.ion_name, chemical_expansion_coefficient=self.chemical_expansion_coefficient,
            diffusion_prefactor=self.D1_m2_per_s,
            activation_volume=self.activation_volume_m3_per_mol, saturation_concentration=self.saturation_concentration,
            fit_temperature=self.temperature_K,
            source=f"sselab diffusion fit-stress, {self.points} MD runs; "
                   f"gamma from {self.gamma_source or 'the given coefficient'}",
        )

    @property
    def next_command(self) -> str:
        """The command that takes the written ion file on to the continuum design."""
        return f"sselab ion-exchange design --ion {self.parameter_file or self.FILE_NAME} --surface-concentration '5 %'"

    def write_parameter_file(self, path: str | Path, *, overwrite: bool = False) -> ExchangeIonFit:
        """Write :attr:`ion` as an ion TOML file (:func:`~sselab.params.ions.load_ion` reads it); returns the new result.

        An existing file is refused unless ``overwrite``; so is a fit with a non-finite parameter.
        """
        self.check_finite()
        target = _refuse_existing(path, overwrite)
        header = f"{self.ion_name}+ exchanged for Li+: eq. 8 fitted by 'sselab diffusion fit-stress' ({self.points} MD points)"
        return replace(self, parameter_file=str(write_ion(target, self.ion, header)))

    def check_finite(self) -> None:
        """Refuse a fit whose D1, V*, d, T or gamma is not a finite number (too few or degenerate points)."""
        _require_finite_results({"D1": self.D1_m2_per_s, "V*": self.activation_volume_m3_per_mol,
                                 "d": self.saturation_concentration, "T": self.temperature_K,
                                 "gamma": self.chemical_expansion_coefficient}, self.points, 3)

    def to_dict(self) -> dict[str, Any]:
        """The summary of ``sselab diffusion fit-stress --model eq8 --json`` (without ``run_directory``)."""
        return to_jsonable({
            "model": self.MODEL, "points": self.points, "D1_m2_per_s": self.D1_m2_per_s,
            "activation_volume_m3_per_mol": self.activation_volume_m3_per_mol,
            "saturation_concentration": self.saturation_concentration,
            "temperature_K": self.temperature_K, "stderr": self.stderr, "rms_ln_residual": self.rms_ln_residual,
            "chemical_expansion_coefficient": self.chemical_expansion_coefficient,
            "parameter_file": self.parameter_file, "next": self.next_command, "warnings": self.warnings,
        })

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExchangeIonFit:
        """The result back from :meth:`to_dict` (an undetermined error, null in JSON, reads as NaN)."""
        return cls(
            points=int(data["points"]), D1_m2_per_s=float(data["D1_m2_per_s"]),
            activation_volume_m3_per_mol=float(data["activation_volume_m3_per_mol"]),
            saturation_concentration=float(data["saturation_concentration"]), temperature_K=float(data["temperature_K"]),
            stderr={k: float("nan") if v is None else float(v) for k, v in data["stderr"].items()},
            rms_ln_residual=float(data["rms_ln_residual"]),
            chemical_expansion_coefficient=float(data["chemical_expansion_coefficient"]),
            warnings=list(data.get("warnings", [])), parameter_file=data.get("parameter_file"),
        )

    def write(self, run_dir: str | Path | RunDirectory | None = None, parameter_file: str | Path | None = None, *,
              overwrite: bool = False) -> RunDirectory:
        """The ion file (default ``<run_dir>/ion.toml``) and ``run.json``; returns the RunDirectory.

        A given ``parameter_file`` that exists is refused unless ``overwrite``, before the run directory is opened.
        """
        return _write_fit(self, run_dir, parameter_file, overwrite)


def fit_exchange_ion(runs: Iterable[Run], *, ion: str | None = None, chemical_expansion: float | None = None,
                     chemical_expansion_from: str | Path | None = None, allow_incomplete: bool = False,
                     temperature_K: float | None = None) -> ExchangeIonFit:
    """Eq. 8 through an exchange ion's runs at one temperature (at least two stresses and two concentrations).

    ``temperature_K`` keeps only the runs at that temperature (a campaign table holds several); without it the runs
    must all be at one temperature.

    ``ion`` names the ion (default: the one species of the runs); γ, which the continuum model
    needs beside the mobility, is given either as ``chemical_expansion`` (strain per site
    fraction, finite) or taken from a packaged ion or ion file, ``chemical_expansion_from`` (e.g. "Na").
    Runs analysed from incomplete trajectories are refused unless ``allow_incomplete``.
    """
    runs = list(runs)
    if chemical_expansion is not None:
        require_finite(chemical_expansion, "--chemical-expansion")
    points, warnings = _fitted_points(runs, EQ8_COLUMNS, allow_incomplete, temperature_K=temperature_K)
    temperatures = {round(float(p["temperature_K"]), 6) for p in points if p.get("temperature_K") is not None}
    if len(temperatures) != 1:
        raise InputError(f"eq. 8 is fitted at one temperature; the runs have {sorted(temperatures) or 'none'} "
                         "(choose one with --temperature; CSV: add temperature_K)")
    if (chemical_expansion is None) == (chemical_expansion_from is None):
        raise InputError("eq8 writes an ion file for the continuum model: "
                         "give exactly one of --chemical-expansion-from or --chemical-expansion")
    gamma = chemical_expansion
    if gamma is None:
        gamma = load_ion(chemical_expansion_from).chemical_expansion_coefficient
    species = {p.get("species") for p in points} - {None}
    name = ion or (species.pop() if len(species) == 1 else None)
    if name is None:
        raise InputError("give --ion: the runs do not name one exchange ion")
    fit = fit_stress_concentration(np.array([p["stress_Pa"] for p in points]), np.array([p["concentration"] for p in points]),
                                   np.array([p["D_m2_per_s"] for p in points]), temperatures.pop())
    return ExchangeIonFit(
        points=len(points), D1_m2_per_s=fit.prefactor, activation_volume_m3_per_mol=fit.activation_volume,
        saturation_concentration=fit.saturation_concentration, temperature_K=fit.temperature, stderr=fit.stderr,
        rms_ln_residual=fit.rms_log_residual, chemical_expansion_coefficient=gamma, warnings=warnings, ion_name=name,
        gamma_source=str(chemical_expansion_from) if chemical_expansion_from is not None else "",
        inputs={"runs": _sources(runs), "model": "eq8", "ion": ion, "chemical_expansion_from": chemical_expansion_from,
                "chemical_expansion": chemical_expansion, "allow_incomplete": allow_incomplete, "temperature_K": temperature_K},
    )


@dataclass(frozen=True)
class LiLawFit:
    """Seed 000 eq. 10 fitted to Li⁺ runs over temperatures and stresses (two-step fit).

    Fields are the numbers of ``sselab diffusion fit-stress --model eq10 --json``; :attr:`law` is
    the :class:`~sselab.continuum.li_penalty.LiDiffusionLaw` that ``li-penalty`` takes (with every
    error when freshly fitted, with those of the summary after :meth:`from_dict`).
    """

    points: int
    D0_m2_per_s: float
    activation_volume_m3_per_mol: float
    activation_energy_eV: float
    activation_energy_stderr_eV: float
    activation_volume_stderr_m3_per_mol: float
    arrhenius_r_squared: float
    warnings: list[str] = field(default_factory=list)
    parameter_file: str | None = None
    fitted_law: LiDiffusionLaw | None = field(default=None, compare=False, repr=False)
    inputs: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    MODEL = "D = D0 exp(-sigma V/(R T)) exp(-E_a/(k_B T)) (seed 000 eq. 10), two-step fit"
    FILE_NAME = "li_law.toml"

    @property
    def law(self) -> LiDiffusionLaw:
        """The fitted eq. 10 law."""
        if self.fitted_law is not None:
            return self.fitted_law
        return LiDiffusionLaw(self.D0_m2_per_s, self.activation_volume_m3_per_mol, self.activation_energy_eV,
                              activation_volume_stderr=self.activation_volume_stderr_m3_per_mol,
                              activation_energy_stderr_eV=self.activation_energy_stderr_eV)

    @property
    def next_command(self) -> str:
        """The command that takes the written law on to the Li⁺ penalty."""
        return f"sselab ion-exchange li-penalty --exchanged {self.parameter_file or self.FILE_NAME} --bulk BULK.toml"

    def write_parameter_file(self, path: str | Path, *, overwrite: bool = False) -> LiLawFit:
        """Write :attr:`law` as a Li law TOML file (:func:`~sselab.params.ions.load_li_law` reads it); returns the new result.

        An existing file is refused unless ``overwrite``; so is a fit with a non-finite parameter.
        """
        self.check_finite()
        target = write_li_law(_refuse_existing(path, overwrite), self.law, f"sselab diffusion fit-stress --model eq10, {self.points} MD runs",
                              "Li+ diffusivity law, eq. 10, two-step fit by 'sselab diffusion fit-stress --model eq10'")
        return replace(self, parameter_file=str(target))

    def to_dict(self) -> dict[str, Any]:
        """The summary of ``sselab diffusion fit-stress --model eq10 --json`` (without ``run_directory``)."""
        return to_jsonable({
            "model": self.MODEL, "points": self.points, "D0_m2_per_s": self.D0_m2_per_s,
            "activation_volume_m3_per_mol": self.activation_volume_m3_per_mol, "activation_energy_eV": self.activation_energy_eV,
            "activation_energy_stderr_eV": self.activation_energy_stderr_eV,
            "activation_volume_stderr_m3_per_mol": self.activation_volume_stderr_m3_per_mol,
            "arrhenius_r_squared": self.arrhenius_r_squared,
            "parameter_file": self.parameter_file, "next": self.next_command, "warnings": self.warnings,
        })

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LiLawFit:
        """The result back from :meth:`to_dict` (an undetermined error, null in JSON, reads as NaN)."""
        def number(key: str) -> float:
            return float("nan") if data.get(key) is None else float(data[key])

        return cls(
            points=int(data["points"]), D0_m2_per_s=number("D0_m2_per_s"),
            activation_volume_m3_per_mol=number("activation_volume_m3_per_mol"),
            activation_energy_eV=number("activation_energy_eV"),
            activation_energy_stderr_eV=number("activation_energy_stderr_eV"),
            activation_volume_stderr_m3_per_mol=number("activation_volume_stderr_m3_per_mol"),
            arrhenius_r_squared=number("arrhenius_r_squared"), warnings=list(data.get("warnings", [])),
            parameter_file=data.get("parameter_file"),
        )

    def check_finite(self) -> None:
        """Refuse a fit whose D0, V‡ or E_a is not a finite number (too few or degenerate points)."""
        _require_finite_results({"D0": self.D0_m2_per_s, "V": self.activation_volume_m3_per_mol,
                                 "E_a": self.activation_energy_eV}, self.points, 3)

    def write(self, run_dir: str | Path | RunDirectory | None = None, parameter_file: str | Path | None = None, *,
              overwrite: bool = False) -> RunDirectory:
        """The law file (default ``<run_dir>/li_law.toml``) and ``run.json``; returns the RunDirectory.

        A given ``parameter_file`` that exists is refused unless ``overwrite``, before the run directory is opened.
        """
        return _write_fit(self, run_dir, parameter_file, overwrite)


def fit_li_law(runs: Iterable[Run], *, allow_incomplete: bool = False) -> LiLawFit:
    """Eq. 10 through Li⁺ runs at several temperatures and stresses (:func:`~sselab.continuum.li_penalty.fit_two_step`).

    Runs analysed from incomplete trajectories are refused unless ``allow_incomplete``.
    """
    runs = list(runs)
    points, warnings = _fitted_points(runs, EQ10_COLUMNS, allow_incomplete)
    fit = fit_two_step(np.array([p["temperature_K"] for p in points]), np.array([p["stress_Pa"] for p in points]),
                       np.array([p["D_m2_per_s"] for p in points]))
    law = fit.law
    return LiLawFit(
        points=len(points), D0_m2_per_s=law.prefactor, activation_volume_m3_per_mol=law.activation_volume,
        activation_energy_eV=law.activation_energy_eV, activation_energy_stderr_eV=law.activation_energy_stderr_eV,
        activation_volume_stderr_m3_per_mol=law.activation_volume_stderr, arrhenius_r_squared=fit.arrhenius_r_squared,
        warnings=warnings, fitted_law=law, inputs={"runs": _sources(runs), "model": "eq10", "allow_incomplete": allow_incomplete},
    )
