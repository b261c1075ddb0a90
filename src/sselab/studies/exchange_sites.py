"""Seed 000's DFT chain with any calculator: relaxed LLZO → site scan per ion → higher concentrations → γ.

The relaxed host, the lowest configuration at each ion count and their fully relaxed cells are what the
formation-energy screen (:mod:`sselab.atomistic.formation`) and the chemical expansion fit
(:mod:`sselab.atomistic.expansion`) consume; ``sselab defects sites`` writes them to its run directory as
extxyz files so the later commands can start from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers

from sselab.atomistic.build.defects import select_li_sites
from sselab.atomistic.build.llzo import ordered_cubic_llzo
from sselab.atomistic.engine import Engine
from sselab.atomistic.properties.sites import ConcentrationStep, SiteScan, grow_concentration, scan_sites
from sselab.progress import Progress, no_progress


def relaxed_llzo(engine: Engine, seed: int = 0, samples: int = 200) -> Atoms:
    """The ordered cubic LLZO cell (lowest Ewald of ``samples``), positions and cell relaxed; site labels kept."""
    host, _ = ordered_cubic_llzo(seed=seed, samples=samples)
    relaxed = engine.relax(host, cell=True)
    relaxed.arrays["site"] = host.arrays["site"]
    relaxed.info["li_ordering_seed"] = seed
    return relaxed


@dataclass
class IonSites:
    scan: SiteScan
    steps: list[ConcentrationStep]
    structures: list[Atoms] = field(repr=False)  # lowest relaxed configuration with 1, 2, ... ions (fixed cell)


def site_study(engine: Engine, host: Atoms, element: str, octahedral: int = 14, tetrahedral: int = 7, max_count: int = 1,
               candidates: int = 4, progress: Progress = no_progress) -> IonSites:
    """Fig. 2 scan for one ion, then ``max_count`` − 1 growth steps from the best configuration."""
    indices = select_li_sites(host, octahedral, tetrahedral)
    scan, relaxed = scan_sites(engine, host, element, indices, progress=progress)
    best = scan.best
    first = relaxed[best.index]
    first.arrays["site"] = host.arrays["site"]
    steps, structures = grow_concentration(engine, host, element, first, best.index, max_count, candidates, progress)
    return IonSites(scan, steps, structures)


def study_size(host: Atoms, octahedral: int, tetrahedral: int, max_count: int, candidates: int) -> int:
    """Number of relaxations :func:`site_study` runs for one ion (for progress bars)."""
    n_li = int(np.count_nonzero(host.numbers == atomic_numbers["Li"]))
    return min(octahedral + tetrahedral, n_li) + (max_count - 1) * candidates
