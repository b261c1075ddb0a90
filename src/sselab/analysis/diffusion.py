"""D with its error and the Nernst–Einstein conductivity of one species in one trajectory.

:class:`DiffusionAnalysis` is what ``sselab diffusion analyze`` computes, as an object a script holds::

    analysis = DiffusionAnalysis.from_file("md/T1100K_strain+0pct/trajectory.extxyz", species="Li")
    analysis.diffusivity_m2_per_s, analysis.diffusivity_stderr_m2_per_s, analysis.conductivity_S_per_m

The chain (numerics in :mod:`sselab.analysis.msd` and :mod:`sselab.continuum.transport`):

1. MSD_i(m) of every atom of the species, averaged over all time origins (seed 004 eq. 5);
2. D = slope/6 of the species-mean MSD over the detected diffusive window (seed 004 eq. 6), its
   standard error from the spread of the atoms' own slopes, std(D_i)/√N. With fewer than
   ``FEW_ATOMS`` atoms (a dilute exchange ion) that spread is itself poorly known, so D and its
   error come from 8 consecutive blocks of the run × the atoms (``block_estimate``);
3. σ = n (z e)² D/(k_B T) (seed 004 eq. 7, Haven ratio 1), n the species' number density in the
   mean cell volume, z its formal charge (:data:`sselab.constants.FORMAL_CHARGES`) unless given,
   T the MD target stored in the frames unless given.

Completeness: a trajectory ``sselab md run`` wrote carries its point record; ``complete`` is False
(with a warning) for the partial trajectory of a killed run, None (with a warning) for a file
without a record, and the fits across runs refuse incomplete points unless asked
(:mod:`sselab.studies.transport`).

The run's stress (compressive positive, Pa) is the one given, else the mean pressure of the
``thermo.csv`` that ``sselab md run`` writes beside the trajectory; the exchange-ion concentration
is the site fraction n_X/(n_X + n_Li). Both feed the stress/concentration fits across runs
(:mod:`sselab.studies.transport`).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sselab.analysis.msd import DiffusionEstimate, block_estimate, estimate_diffusivity, msd_per_atom
from sselab.analysis.trajectory import Trajectory, read_trajectory, trajectory_from_arrays
from sselab.constants import FORMAL_CHARGES
from sselab.continuum.transport import nernst_einstein_conductivity
from sselab.errors import InputError
from sselab.runs import RunDirectory, to_jsonable
from sselab.validation import require_finite, require_range

__all__ = ["FEW_ATOMS", "THERMO_FILE", "DiffusionAnalysis", "check_options", "exchange_fraction", "formal_charge_number",
           "mean_thermo_pressure"]

#: the thermo log ``sselab md run`` writes beside every trajectory
THERMO_FILE = "thermo.csv"
#: below this many atoms of a species, D and its error come from blocks of the run (see analysis.msd)
FEW_ATOMS = 10
MODEL = ("D = slope/6 of the time-origin-averaged MSD over the diffusive window (mean over blocks for < 10 atoms); "
         "sigma = n (z e)^2 D/(k_B T), Haven ratio 1")


def mean_thermo_pressure(trajectory_path: str | Path) -> float | None:
    """Mean pressure (Pa, compressive positive) of the ``thermo.csv`` beside a trajectory; None without one.

    Rows without a finite pressure (calculators without stress write NaN) are left out; None when
    none has one. A log that is not a readable CSV is refused in one line (give the stress instead).
    """
    thermo = Path(trajectory_path).parent / THERMO_FILE
    if not thermo.is_file():
        return None
    try:
        with thermo.open(newline="", encoding="utf-8") as handle:
            values = [float(row["pressure_GPa"]) for row in csv.DictReader(handle) if row.get("pressure_GPa") not in (None, "")]
    except (UnicodeDecodeError, ValueError, TypeError, csv.Error) as error:
        raise InputError(f"{thermo} (read for the run's stress) is not a readable thermo log ({type(error).__name__}); "
                         "give the stress with --stress") from None
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) * 1e9 if finite else None


def exchange_fraction(counts: dict[str, int], species: str) -> float | None:
    """Site fraction of an exchange ion on the Li sublattice, n_X/(n_X + n_Li); None for Li itself."""
    if species == "Li" or "Li" not in counts:
        return None
    return counts[species] / (counts[species] + counts["Li"])


#: Largest |charge number| of an ion (the highest oxidation states are +8, e.g. Os in OsO4).
MAX_CHARGE_NUMBER = 8


def formal_charge_number(species: str) -> int | None:
    """The charge number z of ``species`` from the formal-charge table (an integer), None when it has none."""
    charge = FORMAL_CHARGES.get(species)
    return None if charge is None else int(charge)


@dataclass(frozen=True)
class DiffusionAnalysis:
    """D ± its standard error and the conductivity of one species in one MD run (module docstring).

    The fields are the numbers of ``sselab diffusion analyze --json``; ``lag_fs``, ``msd_A2`` and
    ``msd_stderr_A2`` (the species-mean MSD and its spread over atoms, for :meth:`plot` and
    :meth:`write`) are absent from a result rebuilt with :meth:`from_dict`.
    """

    species: str
    atoms: int
    diffusive: bool
    reason: str
    diffusivity_m2_per_s: float | None
    diffusivity_stderr_m2_per_s: float | None
    error_method: str | None
    conductivity_S_per_m: float | None
    conductivity_stderr_S_per_m: float | None
    window_fs: tuple[float, float] | None
    loglog_slope: float
    msd_at_window_end_A2: float
    temperature_K: float | None
    stress_Pa: float | None
    stress_source: str | None
    concentration: float | None
    charge: float | None
    number_density_per_m3: float | None
    frames: int
    frame_interval_fs: float
    duration_ps: float
    counts: dict[str, int]
    warnings: list[str] = field(default_factory=list)
    complete: bool | None = None
    lag_fs: np.ndarray | None = field(default=None, compare=False, repr=False)
    msd_A2: np.ndarray | None = field(default=None, compare=False, repr=False)
    msd_stderr_A2: np.ndarray | None = field(default=None, compare=False, repr=False)
    inputs: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    # ------------------------------------------------------------------------------- constructors

    @classmethod
    def from_file(cls, path: str | Path, species: str, frame_interval_fs: float | None = None, *,
                  temperature_K: float | None = None, stress_Pa: float | None = None, charge: float | None = None,
                  window_fs: tuple[float, float] | None = None, max_lag_fraction: float = 0.5, min_msd_A2: float = 1.0,
                  every: int = 1, progress: Callable[[int], None] | None = None) -> DiffusionAnalysis:
        """Analyse a trajectory file ASE can read (extxyz, .traj, LAMMPS dump), every ``every``-th frame.

        ``frame_interval_fs`` is needed only when the frames carry no ``time_fs``; ``stress_Pa``
        defaults to the mean pressure of a ``thermo.csv`` beside the file. ``progress(n)`` is
        called after every n frames read. ``complete`` and the file's notes come from
        :func:`~sselab.analysis.trajectory.read_trajectory`.
        """
        trajectory = read_trajectory(Path(path), [species], frame_interval_fs, every, progress)
        inputs = {"trajectory": str(path), "species": species, "frame_interval_fs": frame_interval_fs,
                  "temperature_K": temperature_K, "stress_Pa": stress_Pa, "charge": charge, "window_fs": window_fs,
                  "max_lag_fraction": max_lag_fraction, "min_msd_A2": min_msd_A2, "every": every}
        source = "--stress"
        if stress_Pa is None:
            stress_Pa = mean_thermo_pressure(path)
            source = f"mean pressure in {THERMO_FILE}"
        return cls.from_trajectory(trajectory, species, temperature_K=temperature_K, stress_Pa=stress_Pa, stress_source=source,
                                   charge=charge, window_fs=window_fs, max_lag_fraction=max_lag_fraction, min_msd_A2=min_msd_A2,
                                   inputs=inputs)

    @classmethod
    def from_arrays(cls, symbols: Sequence[str], positions: np.ndarray, frame_interval_fs: float, species: str, *,
                    cell: np.ndarray | None = None, **options: Any) -> DiffusionAnalysis:
        """Analyse in-memory positions (frames, atoms, 3) in Å, wrapped in a fixed ``cell`` or unwrapped without one.

        ``options`` are those of :meth:`from_trajectory` (temperature_K, stress_Pa, charge, window_fs, …).
        """
        trajectory = trajectory_from_arrays(list(symbols), positions, frame_interval_fs, [species], cell=cell)
        return cls.from_trajectory(trajectory, species, **options)

    @classmethod
    def from_trajectory(cls, trajectory: Trajectory, species: str, *, temperature_K: float | None = None,
                        stress_Pa: float | None = None, stress_source: str | None = None, charge: float | None = None,
                        window_fs: tuple[float, float] | None = None, max_lag_fraction: float = 0.5, min_msd_A2: float = 1.0,
                        inputs: dict[str, Any] | None = None) -> DiffusionAnalysis:
        """Analyse a :class:`~sselab.analysis.trajectory.Trajectory` that holds ``species``.

        ``temperature_K`` defaults to the MD target stored in the frames, ``charge`` to the formal
        charge; ``stress_source`` says where a given ``stress_Pa`` came from (default "--stress").
        The options are checked first (:func:`check_options`).
        """
        check_options(temperature_K, stress_Pa, charge, window_fs, max_lag_fraction, min_msd_A2)
        kelvin = temperature_K if temperature_K is not None else trajectory.info.get("target_temperature_K")
        z = charge if charge is not None else formal_charge_number(species)
        displacements = trajectory.displacements[species]
        per_atom = msd_per_atom(displacements, max_lag=trajectory.frames - 1)
        estimate = estimate_diffusivity(species, per_atom, trajectory.frame_interval_fs, max_lag_fraction=max_lag_fraction,
                                        min_msd_A2=min_msd_A2, window_fs=window_fs)
        diffusivity, stderr, error_method, warnings = _reported(estimate, displacements, trajectory.frame_interval_fs)
        warnings = [*trajectory.warnings, *warnings]
        number_density = trajectory.counts[species] / (trajectory.volume_A3 * 1e-30) if trajectory.volume_A3 else None
        conductivity = conductivity_stderr = None
        if estimate.diffusive:
            if kelvin is None or number_density is None or z is None:
                missing = ("temperature (--temperature)" if kelvin is None else "cell volume" if number_density is None
                           else "charge (--charge)")
                warnings.append(f"no conductivity: the {missing} is unknown")
            else:
                conductivity = nernst_einstein_conductivity(number_density, z, diffusivity, kelvin)
                if stderr is not None:
                    conductivity_stderr = conductivity * stderr / diffusivity
        spread = (per_atom.std(axis=0, ddof=1) / np.sqrt(per_atom.shape[0]) if per_atom.shape[0] > 1
                  else np.zeros(per_atom.shape[1]))
        if inputs is None:
            inputs = {"species": species, "temperature_K": temperature_K, "stress_Pa": stress_Pa, "charge": charge,
                      "window_fs": window_fs, "max_lag_fraction": max_lag_fraction, "min_msd_A2": min_msd_A2}
        return cls(
            species=species, atoms=estimate.atoms, diffusive=estimate.diffusive, reason=estimate.reason,
            diffusivity_m2_per_s=diffusivity, diffusivity_stderr_m2_per_s=stderr,
            error_method=error_method if estimate.diffusive else None,
            conductivity_S_per_m=conductivity, conductivity_stderr_S_per_m=conductivity_stderr,
            window_fs=None if estimate.window_fs is None else (float(estimate.window_fs[0]), float(estimate.window_fs[1])),
            loglog_slope=float(estimate.loglog_slope), msd_at_window_end_A2=float(estimate.msd_at_window_end_A2),
            temperature_K=None if kelvin is None else float(kelvin),
            stress_Pa=stress_Pa, stress_source=(stress_source or "--stress") if stress_Pa is not None else None,
            concentration=exchange_fraction(trajectory.counts, species), charge=z, number_density_per_m3=number_density,
            frames=trajectory.frames, frame_interval_fs=trajectory.frame_interval_fs, duration_ps=trajectory.duration_fs / 1000,
            counts=dict(trajectory.counts), warnings=warnings, complete=trajectory.complete,
            lag_fs=np.arange(per_atom.shape[1]) * trajectory.frame_interval_fs, msd_A2=per_atom.mean(axis=0),
            msd_stderr_A2=spread,
            inputs=inputs,
        )

    # ----------------------------------------------------------------------------------- results

    @property
    def model(self) -> str:
        """The estimators, in one line (recorded with every result)."""
        return MODEL

    def to_dict(self) -> dict[str, Any]:
        """The summary of ``sselab diffusion analyze --json`` (without ``run_directory``), as plain JSON types."""
        return to_jsonable({
            "species": self.species,
            "atoms": self.atoms,
            "diffusive": self.diffusive,
            "reason": self.reason,
            "D_m2_per_s": self.diffusivity_m2_per_s,
            "D_stderr_m2_per_s": self.diffusivity_stderr_m2_per_s,
            "error_method": self.error_method,
            "conductivity_S_per_m": self.conductivity_S_per_m,
            "conductivity_stderr_S_per_m": self.conductivity_stderr_S_per_m,
            "window_fs": self.window_fs,
            "loglog_slope": self.loglog_slope,
            "msd_at_window_end_A2": self.msd_at_window_end_A2,
            "temperature_K": self.temperature_K,
            "stress_Pa": self.stress_Pa,
            "stress_source": self.stress_source,
            "concentration": self.concentration,
            "charge": self.charge,
            "number_density_per_m3": self.number_density_per_m3,
            "frames": self.frames,
            "frame_interval_fs": self.frame_interval_fs,
            "duration_ps": self.duration_ps,
            "counts": self.counts,
            "model": self.model,
            "warnings": self.warnings,
            "complete": self.complete,
        })

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DiffusionAnalysis:
        """The result back from :meth:`to_dict` (or a run's ``run.json`` summary); the MSD arrays are not in it."""
        window = data.get("window_fs")
        slope = data.get("loglog_slope")
        return cls(
            species=data["species"], atoms=int(data["atoms"]), diffusive=bool(data["diffusive"]), reason=data.get("reason", ""),
            diffusivity_m2_per_s=data.get("D_m2_per_s"), diffusivity_stderr_m2_per_s=data.get("D_stderr_m2_per_s"),
            error_method=data.get("error_method"), conductivity_S_per_m=data.get("conductivity_S_per_m"),
            conductivity_stderr_S_per_m=data.get("conductivity_stderr_S_per_m"),
            window_fs=None if window is None else (float(window[0]), float(window[1])),
            loglog_slope=float("nan") if slope is None else float(slope), msd_at_window_end_A2=data.get("msd_at_window_end_A2"),
            temperature_K=data.get("temperature_K"), stress_Pa=data.get("stress_Pa"), stress_source=data.get("stress_source"),
            concentration=data.get("concentration"), charge=data.get("charge"),
            number_density_per_m3=data.get("number_density_per_m3"), frames=int(data["frames"]),
            frame_interval_fs=float(data["frame_interval_fs"]), duration_ps=float(data["duration_ps"]),
            counts=dict(data.get("counts", {})), warnings=list(data.get("warnings", [])), complete=data.get("complete"),
        )

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """``run.json``, and (when the MSD is held) ``msd.nc`` and ``msd.png``, in ``run_dir``; returns the RunDirectory."""
        import xarray as xr

        run = RunDirectory.open(run_dir, "diffusion analyze", self.inputs)
        if self.msd_A2 is not None:
            run.write_dataset("msd", xr.Dataset(
                {"msd": ("lag", self.msd_A2, {"units": "angstrom**2"}),
                 "msd_stderr": ("lag", self.msd_stderr_A2, {"units": "angstrom**2"})},
                coords={"lag": ("lag", self.lag_fs, {"units": "fs"})}, attrs={"species": self.species}))
            run.save_figure("msd", self.plot())
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run

    def plot(self, axes=None):
        """The MSD figure (linear and log–log panels, on the two ``axes`` when given); returns the Figure."""
        from sselab.plots.transport import msd_figure

        return msd_figure(self, axes=axes)


def check_options(temperature_K: float | None, stress_Pa: float | None, charge: float | None,
                  window_fs: tuple[float, float] | None, max_lag_fraction: float, min_msd_A2: float) -> None:
    """Refuse meaningless analysis options: a temperature outside (0, 1e4] K, a non-finite stress, a charge number
    that is 0, non-finite or beyond ±:data:`MAX_CHARGE_NUMBER`, a window that is not two finite times 0 ≤ start < end, a lag fraction outside (0, 1],
    a negative or non-finite MSD threshold."""
    if temperature_K is not None:
        require_range(temperature_K, "--temperature", low=0.0, low_inclusive=False, high=1e4, unit="K")
    if stress_Pa is not None:
        require_finite(stress_Pa, "--stress")
    if charge is not None and not 0 < abs(require_finite(charge, "--charge")) <= MAX_CHARGE_NUMBER:
        raise InputError(f"--charge: an ion's charge number lies within ±{MAX_CHARGE_NUMBER} and is not 0, got {charge:g}")
    if window_fs is not None:
        if len(window_fs) != 2:
            raise InputError(f"--window takes two times (start, end), got {window_fs!r}")
        start, end = (require_range(t, "--window", low=0.0, unit="fs") for t in window_fs)
        if not start < end:
            raise InputError(f"--window must run from an earlier to a later time, got {start:g} fs to {end:g} fs")
    require_range(max_lag_fraction, "--max-lag-fraction", low=0.0, low_inclusive=False, high=1.0)
    require_range(min_msd_A2, "--min-msd", low=0.0, unit="Å²")


def _reported(estimate: DiffusionEstimate, displacements: np.ndarray,
              frame_interval_fs: float) -> tuple[float | None, float | None, str, list[str]]:
    """(D, its error, how the error was taken, warnings): the block estimate replaces the full-run one for few atoms."""
    warnings = list(estimate.warnings)
    if not (estimate.diffusive and estimate.atoms < FEW_ATOMS):
        return estimate.diffusivity, estimate.diffusivity_stderr, "spread over atoms", warnings
    blocked = block_estimate(displacements, frame_interval_fs, estimate)
    if blocked is None:
        warnings.append(f"only {estimate.atoms} {estimate.species} atom(s) and a run too short for 8 blocks: "
                        "the error is not reliable")
        return estimate.diffusivity, estimate.diffusivity_stderr, "spread over atoms", warnings
    warnings = [w for w in warnings if "no standard error" not in w]
    return blocked[0], blocked[1], f"8 consecutive blocks x {estimate.atoms} atom(s)", warnings
