"""Vacancy hops by the climbing-image nudged elastic band (seed 001 Fig. 2).

A vacancy at site A hops to a neighbouring site B: the atom at B moves into A. Both end points are
relaxed (cell fixed); the band between them has ``images`` intermediate images (3 in the paper),
interpolated with the image-dependent pair potential (IDPP) and relaxed with ASE's NEB
(climbing image) to ``fmax``. The barrier is max(E_image) - E(initial); the reverse barrier is
max(E_image) - E(final).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.mep import NEB
from ase.optimize import FIRE

from sselab.atomistic.engine import Engine
from sselab.errors import SSELabError


@dataclass(frozen=True)
class HopResult:
    image_energies_eV: tuple[float, ...]  # initial, intermediates, final
    path_length_A: tuple[float, ...]  # cumulative distance along the band
    converged: bool

    @property
    def barrier_eV(self) -> float:
        return max(self.image_energies_eV) - self.image_energies_eV[0]

    @property
    def reverse_barrier_eV(self) -> float:
        return max(self.image_energies_eV) - self.image_energies_eV[-1]

    @property
    def reaction_energy_eV(self) -> float:
        return self.image_energies_eV[-1] - self.image_energies_eV[0]


def hop_endpoints(host: Atoms, site_from: int, site_to: int) -> tuple[Atoms, Atoms]:
    """Vacancy at ``site_from`` (initial) and at ``site_to`` (final), same atom order in both."""
    if site_from == site_to:
        raise SSELabError("a hop needs two different sites")
    for site in (site_from, site_to):
        if not 0 <= site < len(host):
            raise SSELabError(f"site {site} is not an atom index of the host ({len(host)} atoms)")
    initial = host.copy()
    initial.calc = None
    target = initial.positions[site_from].copy()
    del initial[site_from]
    moving = site_to - (site_to > site_from)
    final = initial.copy()
    final.positions[moving] = target
    return initial, final


def _band_length(images: list[Atoms]) -> tuple[float, ...]:
    lengths = [0.0]
    for first, second in zip(images[:-1], images[1:]):
        step = second.positions - first.positions
        lengths.append(lengths[-1] + float(np.linalg.norm(step)))
    return tuple(lengths)


def vacancy_hop(engine: Engine, host: Atoms, site_from: int, site_to: int, images: int = 3, fmax: float = 0.05,
                max_steps: int = 300) -> HopResult:
    """Climbing-image NEB for the vacancy hop site_from → site_to in a relaxed ``host``."""
    if images < 1:
        raise SSELabError(f"the band needs at least one intermediate image, got {images}")
    distance = host.get_distance(site_from, site_to, mic=True)
    if distance > 4.5:
        raise SSELabError(f"sites {site_from} and {site_to} are {distance:.2f} A apart: not a nearest-neighbour hop")
    start, end = hop_endpoints(host, site_from, site_to)
    initial = engine.relax(start)
    final = engine.relax(end)
    task = {"kind": "neb", "images": images, "fmax": fmax, "max_steps": max_steps, "climb": True,
            "final": np.round(final.positions, 6).tolist()}

    def compute(first: Atoms) -> tuple[Atoms, dict]:
        band = [first.copy() for _ in range(images + 1)] + [final.copy()]
        for image in band:
            image.calc = engine.loaded.calculator
        neb = NEB(band, climb=True, allow_shared_calculator=True, method="improvedtangent")
        neb.interpolate(method="idpp", mic=True)
        optimizer = FIRE(neb, logfile=None)
        converged = bool(optimizer.run(fmax=fmax, steps=max_steps))
        energies = []
        for image in band:
            energies.append(float(image.get_potential_energy()))
        saddle = band[int(np.argmax(energies))].copy()
        saddle.calc = SinglePointCalculator(saddle, energy=max(energies))
        calls = (optimizer.nsteps + 1) * images + 2
        return saddle, {"converged": converged, "steps": int(optimizer.nsteps), "calculator_calls": int(calls),
                        "image_energies": energies, "path_length": list(_band_length(band))}

    engine.spec.check_elements(set(initial.get_chemical_symbols()))
    saddle = engine.cache.get_or_compute(initial, engine.spec, task, compute)
    return HopResult(tuple(saddle.info["image_energies"]), tuple(saddle.info["path_length"]), bool(saddle.info["converged"]))
