"""Labelled configurations: extxyz frames with energy (eV), forces (eV/Å) and, where known, stress (eV/Å³).

A training set is a list of :class:`ase.Atoms` whose calculator results hold the labels and whose
``info["config_type"]`` names how the frame was made ("strain", "rattle", "exchange", "md-1200K", ...):
the hold-out split is stratified by it and errors are reported per kind. ``info["config_weight"]`` (MACE's name for
it; default 1) multiplies the frame's squared residuals in a fit, all of its rows alike. Frames come from
:mod:`~sselab.atomistic.fitting.sampling` or from a user's own file (their DFT), read with
:func:`read_training_set`, which refuses a file the fitters cannot use in one line.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from ase import Atoms

from sselab.errors import InputError
from sselab.validation import require_file, require_range, require_within_limit

__all__ = [
    "UNSEEN_PAIR_MIN_A",
    "WEIGHT_KEY",
    "check_training_set",
    "config_type",
    "dataset_sha256",
    "first_collapsed",
    "frame_sha256",
    "frame_weight",
    "has_stress",
    "read_training_set",
    "shortest_pair_distances",
    "split_holdout",
    "weighted",
    "write_training_set",
]

#: the ``info`` key of a frame's fitting weight (MACE's ``config_weight``)
WEIGHT_KEY = "config_weight"
#: largest accepted frame weight
MAX_FRAME_WEIGHT = 1e6


def config_type(atoms: Atoms) -> str:
    """How a frame was made (``info["config_type"]``), "unknown" when the file did not say."""
    return str(atoms.info.get("config_type", "unknown"))


def frame_weight(atoms: Atoms) -> float:
    """The frame's fitting weight (``info["config_weight"]``, 1 when absent): it multiplies the frame's squared
    residuals (energy, forces and stress alike)."""
    return float(atoms.info.get(WEIGHT_KEY, 1.0))


def weighted(frames: Iterable[Atoms], weight: float) -> list[Atoms]:
    """``frames`` with their fitting weight set to ``weight`` (in (0, 1e6]); the Atoms are modified and returned."""
    require_range(weight, "frame weight", low=0.0, high=MAX_FRAME_WEIGHT, low_inclusive=False)
    out = list(frames)
    for atoms in out:
        atoms.info[WEIGHT_KEY] = float(weight)
    return out


def has_stress(atoms: Atoms) -> bool:
    """True when the frame carries a stress label."""
    return atoms.calc is not None and "stress" in atoms.calc.results


def frame_sha256(atoms: Atoms) -> str:
    """Hash of a frame's structure (numbers, cell, positions to 1e-6 Å): equal hashes are duplicate frames."""
    digest = hashlib.sha256()
    digest.update(np.asarray(atoms.numbers, dtype=np.int64).tobytes())
    digest.update(np.round(np.asarray(atoms.cell), 6).tobytes())
    digest.update(np.round(atoms.positions, 6).tobytes())
    return digest.hexdigest()


def dataset_sha256(frames: Iterable[Atoms]) -> str:
    """Hash of structures, labels and weights (where not 1) of a training set, in order: the provenance a fitted set
    records."""
    digest = hashlib.sha256()
    for atoms in frames:
        digest.update(frame_sha256(atoms).encode())
        if frame_weight(atoms) != 1.0:
            digest.update(f"weight {frame_weight(atoms)!r}".encode())
        results = atoms.calc.results
        for key in ("energy", "forces", "stress"):
            if key in results:
                digest.update(np.round(np.asarray(results[key], dtype=float), 9).tobytes())
    return digest.hexdigest()


def check_training_set(frames: Sequence[Atoms], elements: Iterable[str] | None = None, what: str = "training set") -> list[Atoms]:
    """The frames of ``frames`` that a fitter can use, duplicates dropped (the first kept, or the one with the largest
    ``config_weight``).

    Refused in one line: an empty set, a frame without energy or forces or with non-finite labels, a
    non-periodic frame, a weight (``config_weight``) that is not a number in (0, 1e6], species outside ``elements``
    (the model's), a set whose frames are all copies of one.
    """
    if not frames:
        raise InputError(f"the {what} is empty")
    allowed = set(elements) if elements is not None else None
    seen: dict[str, int] = {}
    unique: list[Atoms] = []
    for index, atoms in enumerate(frames):
        where = f"{what}: frame {index} ({atoms.get_chemical_formula()})"
        results = atoms.calc.results if atoms.calc is not None else {}
        for key in ("energy", "forces"):
            if key not in results:
                raise InputError(f"{where} has no {key}; a fit needs energy and forces on every frame")
            if not np.isfinite(np.asarray(results[key], dtype=float)).all():
                raise InputError(f"{where}: {key} is not finite")
        if np.shape(results["forces"]) != (len(atoms), 3):
            raise InputError(f"{where}: forces have shape {np.shape(results['forces'])}, expected ({len(atoms)}, 3)")
        if "stress" in results and not np.isfinite(np.asarray(results["stress"], dtype=float)).all():
            raise InputError(f"{where}: stress is not finite")
        if not all(atoms.pbc) or atoms.cell.rank != 3:
            raise InputError(f"{where} is not a fully periodic cell")
        if WEIGHT_KEY in atoms.info:
            require_range(atoms.info[WEIGHT_KEY], f"{where}: {WEIGHT_KEY}", low=0.0, high=MAX_FRAME_WEIGHT, low_inclusive=False)
        if allowed is not None:
            extra = sorted(set(atoms.get_chemical_symbols()) - allowed)
            if extra:
                raise InputError(f"{where} holds {', '.join(extra)}, which the model lacks (it covers {', '.join(sorted(allowed))})")
        key = frame_sha256(atoms)
        if key not in seen:
            seen[key] = len(unique)
            unique.append(atoms)
        elif frame_weight(atoms) > frame_weight(unique[seen[key]]):  # a duplicate given a larger weight keeps it
            unique[seen[key]] = atoms
    if len(unique) == 1 and len(frames) > 1:
        raise InputError(f"the {what} holds {len(frames)} frames that are all copies of one structure")
    return unique


def read_training_set(path: str | Path) -> list[Atoms]:
    """Labelled frames of an extxyz file (energy and forces required, stress optional), checked."""
    from ase.io import read

    file = require_file(path, "training-set file")
    try:
        frames = read(file, index=":", format="extxyz")
    except Exception as error:  # noqa: BLE001 - ase.io raises many types on a malformed file
        raise InputError(f"training-set file {file} is not readable extended XYZ: {' '.join(str(error).split())[:160]}") from None
    if isinstance(frames, Atoms):
        frames = [frames]
    require_within_limit(sum(len(a) for a in frames), "atoms", f"the training set {file}")
    return check_training_set(frames, what=f"training set {file.name}")


def write_training_set(frames: Sequence[Atoms], path: str | Path) -> Path:
    """Write labelled frames as extxyz (energy, forces, stress, ``config_type``); returns the path."""
    from ase.io import write

    target = Path(path)
    write(target, list(frames), format="extxyz")
    return target


def split_holdout(frames: Sequence[Atoms], fraction: float, seed: int) -> tuple[list[Atoms], list[Atoms]]:
    """(training, held-out) frames: ``fraction`` of each ``config_type`` held out (at least one of a kind
    with three or more frames), drawn with ``numpy.random.default_rng(seed)``."""
    require_range(fraction, "hold-out fraction", low=0.0, high=0.5)
    groups: dict[str, list[int]] = defaultdict(list)
    for index, atoms in enumerate(frames):
        groups[config_type(atoms)].append(index)
    rng = np.random.default_rng(seed)
    held: set[int] = set()
    for indices in groups.values():
        count = round(fraction * len(indices))
        if fraction > 0 and count == 0 and len(indices) >= 3:
            count = 1
        held.update(int(i) for i in rng.choice(indices, size=count, replace=False))
    training = [a for i, a in enumerate(frames) if i not in held]
    if not training:
        raise InputError("the hold-out split left no training frames")
    return training, [a for i, a in enumerate(frames) if i in held]


#: shortest distance (Å) accepted for an element pair that the training data never brings together
UNSEEN_PAIR_MIN_A = 0.5


def shortest_pair_distances(frames: Sequence[Atoms], search_A: float = 8.0) -> dict[tuple[str, str], float]:
    """Shortest distance (Å, minimum image) of every element pair (sorted symbols) within ``search_A`` over ``frames``.

    8 Å covers the nearest neighbours of every pair in an oxide cell (Zr–Zr in LLZO is 5.6 Å); a pair farther apart
    in every frame is absent and counts as unseen in :func:`first_collapsed`.
    """
    from ase.neighborlist import neighbor_list

    shortest: dict[tuple[str, str], float] = {}
    for frame in frames:
        i, j, d = neighbor_list("ijd", frame, search_A)
        symbols = np.asarray(frame.get_chemical_symbols())
        for a, b, r in zip(symbols[i], symbols[j], d):
            key = (a, b) if a <= b else (b, a)
            if r < shortest.get(key, np.inf):
                shortest[key] = float(r)
    return shortest


def first_collapsed(frames: Sequence[Atoms], shortest: dict[tuple[str, str], float], fraction: float) -> int:
    """Index of the first frame holding a pair closer than ``fraction`` × that pair's shortest distance in the data
    (:data:`UNSEEN_PAIR_MIN_A` for a pair the data lacks); ``len(frames)`` when none does. Neighbours are searched out to
    the largest of those limits, so no pair that breaks its limit is missed."""
    from ase.neighborlist import neighbor_list

    search = max([UNSEEN_PAIR_MIN_A, *(fraction * r for r in shortest.values())])
    for index, frame in enumerate(frames):
        i, j, d = neighbor_list("ijd", frame, search)
        symbols = np.asarray(frame.get_chemical_symbols())
        for a, b, r in zip(symbols[i], symbols[j], d):
            key = (a, b) if a <= b else (b, a)
            limit = fraction * shortest[key] if key in shortest else UNSEEN_PAIR_MIN_A
            if r < limit:
                return index
    return len(frames)
