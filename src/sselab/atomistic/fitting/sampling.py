"""Configurations a fitted potential must see, made from one structure (unlabelled; the engine labels them).

Each generator returns new :class:`ase.Atoms` with ``info["config_type"]`` set and draws its random
numbers from the generator it is given (``numpy.random.default_rng(seed)`` in the studies), so the same
seed gives the same frames and the engine's cache answers a repeated sampling.

- strained cells: isotropic linear strains (the equation of state, thermal expansion, the hydrostatic
  strains of seed 000's MD) and the six shear/normal components one at a time (elastic constants);
- rattled cells: Gaussian displacements with a small random cell strain (forces away from equilibrium);
- exchanged cells: Li replaced by an exchange ion (seed 000's Na/Ag/K), then rattled;
- MD snapshots: frames of existing trajectories (``md run``), the thermal disorder of the temperatures of use;
- relaxed strained cells: each Voigt component strained, the ions relaxed by another model (a fitted potential),
  so that the reference labels the states where that model's relaxation goes (active learning on the relaxed-ion
  elastic response, where a fitted potential may move an ion to another site).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from ase import Atoms

from sselab.errors import InputError
from sselab.validation import require_count, require_range

__all__ = ["check_relaxed_strains", "exchanged_cells", "md_snapshots", "rattled_cells", "relaxed_strained_cells",
           "strained_cells"]

#: largest linear strain a sampled cell carries (the builders' own bound)
MAX_SAMPLED_STRAIN = 0.2
#: largest rattle amplitude (Å): beyond it atoms overlap and the reference itself is outside its data
MAX_RATTLE_A = 0.5


def _strained(atoms: Atoms, strain: np.ndarray) -> Atoms:
    """``atoms`` with its cell deformed by (1 + strain), atoms carried along (fractional coordinates kept)."""
    out = atoms.copy()
    out.calc = None
    out.set_cell(np.asarray(atoms.cell) @ (np.eye(3) + strain).T, scale_atoms=True)
    return out


def strained_cells(atoms: Atoms, volumetric: Sequence[float] = (-0.03, -0.015, 0.015, 0.03),
                   component: float = 0.01) -> list[Atoms]:
    """Isotropic strains ε·I for each ε in ``volumetric`` (tension positive) and each of the six Voigt
    components at ±``component`` (symmetric strain tensors), in that order."""
    frames = []
    for eps in volumetric:
        require_range(eps, "volumetric strain", low=-MAX_SAMPLED_STRAIN, high=MAX_SAMPLED_STRAIN)
        frame = _strained(atoms, eps * np.eye(3))
        frame.info["config_type"] = "strain"
        frames.append(frame)
    require_range(component, "strain component", low=0.0, high=MAX_SAMPLED_STRAIN)
    if component > 0:
        for a, b in ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1)):
            for sign in (1.0, -1.0):
                strain = np.zeros((3, 3))
                strain[a, b] = strain[b, a] = sign * component if a == b else sign * component / 2
                frame = _strained(atoms, strain)
                frame.info["config_type"] = "strain"
                frames.append(frame)
    return frames


def rattled_cells(atoms: Atoms, count: int, amplitude_A: float, rng: np.random.Generator,
                  cell_strain: float = 0.01, config: str = "rattle") -> list[Atoms]:
    """``count`` copies with Gaussian displacements (standard deviation ``amplitude_A`` per component) and
    a random symmetric cell strain with components uniform in ±``cell_strain``."""
    require_count(count, "rattled frames", low=0)
    require_range(amplitude_A, "rattle amplitude (Å)", low=0.0, high=MAX_RATTLE_A)
    require_range(cell_strain, "cell strain of rattled frames", low=0.0, high=MAX_SAMPLED_STRAIN)
    frames = []
    for _ in range(count):
        strain = rng.uniform(-cell_strain, cell_strain, (3, 3))
        frame = _strained(atoms, (strain + strain.T) / 2)
        frame.positions += rng.normal(0.0, amplitude_A, frame.positions.shape)
        frame.info["config_type"] = config
        frames.append(frame)
    return frames


def exchanged_cells(atoms: Atoms, ion: str, count: int, frames: int, amplitude_A: float,
                    rng: np.random.Generator) -> list[Atoms]:
    """``frames`` cells with ``count`` Li replaced by ``ion`` at random Li sites, each rattled by ``amplitude_A``."""
    from ase.data import atomic_numbers

    if ion not in atomic_numbers or ion in ("X", "Li"):
        raise InputError(f"exchange ion must be an element other than Li, got {ion!r}")
    lithium = np.flatnonzero(np.asarray(atoms.get_chemical_symbols()) == "Li")
    require_count(count, f"{ion} per cell", low=1, high=max(1, len(lithium)))
    if len(lithium) == 0:
        raise InputError(f"{atoms.get_chemical_formula()} has no Li to exchange for {ion}")
    out = []
    for _ in range(require_count(frames, "exchanged frames", low=0)):
        chosen = rng.choice(lithium, size=count, replace=False)
        frame = atoms.copy()
        frame.calc = None
        symbols = frame.get_chemical_symbols()
        for index in chosen:
            symbols[index] = ion
        frame.set_chemical_symbols(symbols)
        frame.positions += rng.normal(0.0, amplitude_A, frame.positions.shape)
        frame.info["config_type"] = f"exchange-{ion}"
        out.append(frame)
    return out


def md_snapshots(trajectory: str | Path, every: int, label: str) -> list[Atoms]:
    """Every ``every``-th frame of an MD trajectory (extxyz, as ``md run`` writes it), wrapped into the cell,
    as ``config_type = label``; frame 0 (the starting structure) is skipped."""
    from ase.io import iread

    from sselab.validation import require_file

    path = require_file(trajectory, "MD trajectory")
    require_count(every, "snapshot interval", low=1)
    frames = []
    try:
        for index, frame in enumerate(iread(path, index=":", format="extxyz")):
            if index == 0 or index % every:
                continue
            frame.calc = None
            frame.wrap()
            frame.info = {"config_type": label}
            frames.append(frame)
    except Exception as error:  # noqa: BLE001 - ase.io raises many types on a malformed file
        raise InputError(f"MD trajectory {path} is not readable extended XYZ: {' '.join(str(error).split())[:160]}") from None
    return frames


def check_relaxed_strains(strains: Sequence[float]) -> None:
    """Refuse an empty list, a zero strain (the unstrained cell is always included) or one beyond the sampled bound."""
    if not strains or any(eps == 0 for eps in strains):
        raise InputError("relaxed-cell strains must be non-empty and non-zero (the unstrained cell is always included)")
    for eps in strains:
        require_range(eps, "relaxed-cell strain", low=-MAX_SAMPLED_STRAIN, high=MAX_SAMPLED_STRAIN)


def relaxed_strained_cells(atoms: Atoms, strains: Sequence[float], relax: Callable[[Atoms], Atoms]) -> list[Atoms]:
    """``atoms`` and its copies with each of the six Voigt components at each of ``strains`` (shear as engineering γ),
    each with its ions relaxed by ``relax`` (cell held), as ``config_type = "strain-relaxed"``."""
    from sselab.atomistic.properties.elastic import strained_copy

    check_relaxed_strains(strains)
    cells = [atoms.copy()] + [strained_copy(atoms, k, eps) for k in range(6) for eps in strains]
    frames = []
    for cell in cells:
        cell.calc = None
        relaxed = relax(cell)
        frame = Atoms(numbers=relaxed.numbers, positions=relaxed.positions, cell=relaxed.cell, pbc=relaxed.pbc)
        frame.info["config_type"] = "strain-relaxed"
        frames.append(frame)
    return frames
