"""Seed 004's correlation analysis of one trajectory, as one result: van Hove, τ₁/τ₂, ξ, density map, clustering.

:class:`VanHoveAnalysis` is what ``sselab diffusion vanhove`` computes::

    analysis = VanHoveAnalysis.from_file("md/T1100K_strain+0pct/trajectory.extxyz", species="Li")
    analysis.tau1_fs, analysis.xi_A

The numerics and their definitions (τ₁, τ₂ and the ξ envelope are operational definitions of
ours: the seed names them without formulas) are in :mod:`sselab.analysis.vanhove`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from ase.data import chemical_symbols

from sselab.analysis.trajectory import Trajectory, read_trajectory
from sselab.analysis.vanhove import (
    Clustering,
    CorrelationLength,
    VanHove,
    characteristic_times,
    clustering,
    correlation_length,
    density_map,
    van_hove,
)
from sselab.errors import InputError
from sselab.runs import RunDirectory, to_jsonable
from sselab.validation import require_positive, require_range

__all__ = ["CLUSTERING_DEFINITION", "VanHoveAnalysis"]

CLUSTERING_DEFINITION = "close pairs / uniform-random expectation, mean over the last quarter of the run"

#: Å. Largest clustering cutoff: beyond ~3 neighbour shells every pair of a dilute ion counts as "clustered".
MAX_CLUSTER_CUTOFF_A = 10.0


@dataclass(frozen=True)
class VanHoveAnalysis:
    """G_s, G_d, τ₁, τ₂ and ξ of one species (and optionally the clustering of another) in one MD run.

    The fields are the numbers of ``sselab diffusion vanhove --json``; ``clustering`` is None or
    the dict of that summary. ``van_hove``, ``correlation``, ``density`` and ``cluster`` (the arrays
    behind the figures) are absent from a result rebuilt with :meth:`from_dict`.
    """

    species: str
    nearest_neighbour_A: float
    tau1_fs: float | None
    tau2_fs: float | None
    tau_definitions: str
    xi_A: float | None
    xi_stderr_A: float | None
    xi_fit_range_A: tuple[float, float]
    xi_note: str
    origins: int
    frames: int
    duration_ps: float
    clustering: dict[str, Any] | None = None
    complete: bool | None = None
    warnings: list[str] = field(default_factory=list)
    van_hove: VanHove | None = field(default=None, compare=False, repr=False)
    correlation: CorrelationLength | None = field(default=None, compare=False, repr=False)
    density: np.ndarray | None = field(default=None, compare=False, repr=False)  # (a, b) fractional bins, mean 1
    cluster: Clustering | None = field(default=None, compare=False, repr=False)
    inputs: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_file(cls, path: str | Path, species: str = "Li", frame_interval_fs: float | None = None, *, r_max_A: float = 10.0,
                  origins: int = 20, cluster_species: str | None = None, cluster_cutoff_A: float = 4.0, every: int = 1,
                  progress: Callable[[int], None] | None = None) -> VanHoveAnalysis:
        """Analyse a trajectory file ASE can read; ``cluster_species`` (e.g. "K") adds the clustering test.

        The options are checked before the file is read (:meth:`check_options`); ``complete`` and the
        file's notes come from :func:`~sselab.analysis.trajectory.read_trajectory`.
        """
        cls.check_options(r_max_A, origins, cluster_cutoff_A)
        if cluster_species is not None and cluster_species not in chemical_symbols[1:]:
            raise InputError(f"--cluster-species: {cluster_species!r} is not an element symbol")
        wanted = [species] + ([cluster_species] if cluster_species and cluster_species != species else [])
        trajectory = read_trajectory(Path(path), wanted, frame_interval_fs, every, progress)
        inputs = {"trajectory": str(path), "species": species, "frame_interval_fs": frame_interval_fs, "r_max_A": r_max_A,
                  "origins": origins, "cluster_species": cluster_species, "cluster_cutoff_A": cluster_cutoff_A, "every": every}
        return cls.from_trajectory(trajectory, species, r_max_A=r_max_A, origins=origins, cluster_species=cluster_species,
                                   cluster_cutoff_A=cluster_cutoff_A, inputs=inputs)

    @classmethod
    def from_trajectory(cls, trajectory: Trajectory, species: str = "Li", *, r_max_A: float = 10.0, origins: int = 20,
                        cluster_species: str | None = None, cluster_cutoff_A: float = 4.0,
                        inputs: dict[str, Any] | None = None) -> VanHoveAnalysis:
        """Analyse a :class:`~sselab.analysis.trajectory.Trajectory` (with its cell) that holds the species."""
        cls.check_options(r_max_A, origins, cluster_cutoff_A)
        result = van_hove(trajectory, species, r_max_A=r_max_A, origins=origins)
        times = characteristic_times(result)
        xi = correlation_length(result.r_A, result.distinct[0])
        density, *_ = density_map(trajectory, species)
        cluster = clustering(trajectory, cluster_species, cluster_cutoff_A) if cluster_species else None
        summary = None if cluster is None else {
            "species": cluster_species, "cutoff_A": cluster_cutoff_A, "final_pair_ratio": cluster.final_ratio,
            "clustered": cluster.clustered, "threshold": cluster.threshold, "definition": CLUSTERING_DEFINITION}
        if inputs is None:
            inputs = {"species": species, "r_max_A": r_max_A, "origins": origins, "cluster_species": cluster_species,
                      "cluster_cutoff_A": cluster_cutoff_A}
        return cls(
            species=species, nearest_neighbour_A=times.nearest_neighbour_A, tau1_fs=times.residence_time_fs,
            tau2_fs=times.concerted_onset_fs, tau_definitions=times.definition, xi_A=xi.xi_A, xi_stderr_A=xi.xi_stderr_A,
            xi_fit_range_A=(float(xi.fit_range_A[0]), float(xi.fit_range_A[1])), xi_note=xi.reason, origins=result.origins,
            frames=trajectory.frames, duration_ps=trajectory.duration_fs / 1000, clustering=summary,
            complete=trajectory.complete, warnings=list(trajectory.warnings),
            van_hove=result, correlation=xi, density=density, cluster=cluster, inputs=inputs,
        )

    @staticmethod
    def check_options(r_max_A: float, origins: int, cluster_cutoff_A: float) -> None:
        """Refuse a non-finite or non-positive r_max or clustering cutoff (Å), a cutoff beyond
        :data:`MAX_CLUSTER_CUTOFF_A`, and fewer than one time origin."""
        require_positive(r_max_A, "--r-max", "Å")
        if isinstance(origins, bool) or not isinstance(origins, int) or origins < 1:
            raise InputError(f"--origins must be at least 1 (a whole number), got {origins!r}")
        require_range(cluster_cutoff_A, "--cluster-cutoff", low=0.0, low_inclusive=False, high=MAX_CLUSTER_CUTOFF_A, unit="Å")

    def to_dict(self) -> dict[str, Any]:
        """The summary of ``sselab diffusion vanhove --json`` (without ``run_directory``), as plain JSON types."""
        return to_jsonable({
            "species": self.species,
            "nearest_neighbour_A": self.nearest_neighbour_A,
            "tau1_fs": self.tau1_fs,
            "tau2_fs": self.tau2_fs,
            "tau_definitions": self.tau_definitions,
            "xi_A": self.xi_A,
            "xi_stderr_A": self.xi_stderr_A,
            "xi_fit_range_A": list(self.xi_fit_range_A),
            "xi_note": self.xi_note,
            "origins": self.origins,
            "frames": self.frames,
            "duration_ps": self.duration_ps,
            "clustering": self.clustering,
            "complete": self.complete,
            "warnings": self.warnings,
        })

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VanHoveAnalysis:
        """The result back from :meth:`to_dict` (or a run's ``run.json`` summary), without the arrays."""
        low, high = data["xi_fit_range_A"]
        return cls(
            species=data["species"], nearest_neighbour_A=float(data["nearest_neighbour_A"]), tau1_fs=data.get("tau1_fs"),
            tau2_fs=data.get("tau2_fs"), tau_definitions=data.get("tau_definitions", ""), xi_A=data.get("xi_A"),
            xi_stderr_A=data.get("xi_stderr_A"), xi_fit_range_A=(float(low), float(high)), xi_note=data.get("xi_note", ""),
            origins=int(data["origins"]), frames=int(data["frames"]), duration_ps=float(data["duration_ps"]),
            clustering=None if data.get("clustering") is None else dict(data["clustering"]),
            complete=data.get("complete"), warnings=list(data.get("warnings", [])),
        )

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """``run.json`` and, when the arrays are held, ``vanhove.nc`` and the PNG figures; returns the RunDirectory."""
        import xarray as xr

        from sselab.plots import transport as plots

        run = RunDirectory.open(run_dir, "diffusion vanhove", self.inputs)
        if self.van_hove is not None:
            result = self.van_hove
            run.write_dataset("vanhove", xr.Dataset(
                {"self_density": (("lag", "r"), result.self_density, {"units": "1/angstrom", "long_name": "4 pi r^2 G_s(r, t)"}),
                 "distinct": (("lag", "r"), result.distinct, {"long_name": "G_d(r, t), 1 for uncorrelated ions"})},
                coords={"lag": ("lag", result.lag_fs, {"units": "fs"}), "r": ("r", result.r_A, {"units": "angstrom"})},
                attrs={"species": self.species}))
            run.save_figure("vanhove", plots.van_hove_figure(self))
            run.save_figure("correlation_length", plots.correlation_length_figure(self))
            run.save_figure("density_map", plots.density_map_figure(self))
            if self.cluster is not None:
                run.save_figure("clustering", plots.clustering_figure(self))
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run

    def plot(self, axes=None):
        """Seed 004 Fig. 5: the G_s and G_d heatmaps (on ``axes`` when given); returns the Figure."""
        from sselab.plots.transport import van_hove_figure

        return van_hove_figure(self, axes=axes)
