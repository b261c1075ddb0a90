"""Dimensionless design maps (seed 000 SI.8): a sweep over C_s × t/τ.

Each map point is one converged design; profiles are sampled on a common x/L grid over the
half thickness [0, 1/2] (the two-sided exchange is mirror-symmetric about L/2): the surface and
log-spaced points from 10⁻⁴ L, so that early, shallow profiles are resolved as well as late ones.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import xarray as xr

from sselab.continuum import fracture
from sselab.continuum.ion_exchange import VERDICTS, DesignBounds, ExchangeProcess, design_exchange
from sselab.errors import InputError


@dataclass(frozen=True)
class MapSpec:
    """The shared part of every map point."""

    template: ExchangeProcess  # its surface_concentration and time are replaced per point
    bounds: DesignBounds
    form: fracture.FractureForm = "weight-function"
    rtol: float = 1e-2
    samples: int = 501  # points of the common x/L grid on [0, 1/2]

    def grid(self) -> np.ndarray:
        return np.concatenate([[0.0], np.geomspace(1e-4, 0.5, self.samples - 1)])


def map_point(spec: MapSpec, surface_concentration: float, time_ratio: float) -> dict[str, np.ndarray | float | str]:
    """One (C_s, t/τ) point: profiles on the common grid and the design scalars (SI)."""
    process = replace(spec.template, surface_concentration=surface_concentration, time=time_ratio * spec.template.tau)
    design = design_exchange(process, spec.bounds, spec.form, spec.rtol)
    x = spec.grid() * process.thickness
    profile = design.profile
    return {
        "concentration": np.interp(x, profile.nodes, profile.concentration),
        "stress": np.interp(x, profile.nodes, profile.stress),
        "exchange_depth": profile.exchange_depth,
        "surface_stress": profile.surface_stress,
        "center_stress": design.converged.metrics["center_stress_Pa"],
        "sigma_permissible": design.sigma_permissible,
        "verdict": design.verdict,
        "estimated_relative_error": max(design.converged.relative_error.values()),
    }


def map_row(spec: MapSpec, surface_concentration: float, time_ratios: np.ndarray) -> list[dict]:
    """All t/τ points of one C_s: the unit of work of a sweep (one Dask task per row keeps the
    scheduler's per-task overhead small against the solves)."""
    return [map_point(spec, surface_concentration, float(ratio)) for ratio in time_ratios]


MapTask = tuple[MapSpec, float, np.ndarray]


def map_row_task(task: MapTask) -> list[dict]:
    """:func:`map_row` on one ``(spec, C_s, t/τ values)`` item: the picklable Dask task of a map sweep."""
    return map_row(*task)


def validate_axes(surface_concentrations: np.ndarray, time_ratios: np.ndarray, spec: MapSpec) -> None:
    d = spec.template.ion.saturation_concentration
    if np.any(surface_concentrations <= 0) or np.any(surface_concentrations >= d):
        raise InputError(f"map surface concentrations must lie in (0, d = {d:g})")
    if np.any(time_ratios <= 0):
        raise InputError("map time ratios t/tau must be positive")


@dataclass(frozen=True)
class MapGrid:
    """A map's shared spec and its two axes (C_s, t/τ), checked on construction.

    ``tasks()`` splits the work into one :func:`map_row_task` item per C_s; ``assemble`` stacks the
    rows those tasks return (in the order of ``tasks()``) into the map's Dataset.
    """

    spec: MapSpec
    surface_concentrations: np.ndarray
    time_ratios: np.ndarray

    def __post_init__(self) -> None:
        validate_axes(self.surface_concentrations, self.time_ratios, self.spec)

    @property
    def points(self) -> int:
        return self.surface_concentrations.size * self.time_ratios.size

    def tasks(self) -> list[MapTask]:
        return [(self.spec, float(c), self.time_ratios) for c in self.surface_concentrations]

    def assemble(self, rows: list[list[dict]]) -> xr.Dataset:
        return assemble_map(self.spec, self.surface_concentrations, self.time_ratios, [point for row in rows for point in row])


def assemble_map(
    spec: MapSpec, surface_concentrations: np.ndarray, time_ratios: np.ndarray, results: list[dict]
) -> xr.Dataset:
    """Stack ``results`` (one entry per point, row-major over C_s, then t/τ) into a Dataset."""
    shape = (surface_concentrations.size, time_ratios.size)

    def scalar(key: str) -> np.ndarray:
        return np.array([r[key] for r in results], dtype=float).reshape(shape)

    def profile(key: str) -> np.ndarray:
        return np.stack([r[key] for r in results]).reshape(*shape, -1)

    host = spec.template.host
    dims2, dims3 = ("surface_concentration", "time_ratio"), ("surface_concentration", "time_ratio", "x_over_L")
    verdict_code = np.array([VERDICTS.index(r["verdict"]) for r in results]).reshape(shape)
    dataset = xr.Dataset(
        {
            "concentration": (dims3, profile("concentration"), {"units": "site fraction"}),
            "stress": (dims3, profile("stress"), {"units": "Pa", "sign": "compressive positive"}),
            "stress_over_strength": (dims3, profile("stress") / host.fracture_strength, {"units": "1"}),
            "exchange_depth": (dims2, scalar("exchange_depth"), {"units": "m"}),
            "surface_stress": (dims2, scalar("surface_stress"), {"units": "Pa"}),
            "center_stress": (dims2, scalar("center_stress"), {"units": "Pa"}),
            "sigma_permissible": (dims2, scalar("sigma_permissible"), {"units": "Pa"}),
            "verdict": (dims2, verdict_code, {"flag_values": list(range(len(VERDICTS))), "flag_meanings": " | ".join(VERDICTS)}),
            "estimated_relative_error": (dims2, scalar("estimated_relative_error"), {"units": "1"}),
        },
        coords={
            "surface_concentration": ("surface_concentration", surface_concentrations, {"units": "site fraction"}),
            "time_ratio": ("time_ratio", time_ratios, {"units": "1", "long_name": "t / tau"}),
            "x_over_L": ("x_over_L", spec.grid(), {"units": "1"}),
        },
        attrs={
            "ion": spec.template.ion.name,
            "host": host.name,
            "temperature_K": spec.template.temperature,
            "thickness_m": spec.template.thickness,
            "tau_s": spec.template.tau,
            "flaw_size_m": spec.bounds.flaw_size,
            "safety_factor": spec.bounds.safety_factor,
            "depth_factor": spec.bounds.depth_factor,
            "fracture_form": spec.form,
            "fracture_strength_Pa": host.fracture_strength,
            "stress_coupling": spec.template.stress_coupling,
        },
    )
    return dataset
