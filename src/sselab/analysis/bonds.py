"""Bond breaking and crack opening along a tensile trajectory (seed 003 Fig. 4a and Fig. 3b).

For every frame of a pull along ``axis`` (strain ε = L/L₀ − 1 from the cell, L₀ that of frame 0):

* the number of A–B bonds (Li–O, La–O, Zr–O by default) with the cut-off of each pair at the first minimum of its
  partial RDF in frame 0 (seed 003: "a bond is considered broken when the interatomic distance exceeds this
  threshold"), counted for the A atoms of a region chosen in frame 0 (or all), so that the same atoms are followed;
* the onset strain of each pair: the first strain from which the count stays below (1 − ``threshold``) of its
  frame-0 value to the end of the run, for at least ``smoothing_frames`` frames (a dip that recovers is thermal
  noise, not breaking; a loss in the last frames is not yet sustained, and gives None, a censored onset). Elastic
  stretching also pushes bonds past a fixed cut-off, so this onset can come before any rupture: it marks sustained
  bond loss;
* the steepest-drop strain of each pair: the middle of the frame intervals over which the relative count falls most
  (after a running mean over ``smoothing_frames`` frames, drops within 1 % of the largest) — where bonds are lost
  fastest, the rupture signal when the cell breaks;
* the opening: the widest atom-free slab normal to the load (Å) and its centre along the axis — zero until a crack
  crosses the whole section, then the crack's opening and where it runs;
* with ``crack_axis``, the cracked length: the cell is cut into columns ``column_A`` wide along ``crack_axis``, and a
  column counts as cracked when its widest atom-free gap along the load exceeds ``gap_threshold_A``; the cracked
  length is their number × ``column_A``.

Seed 003 counts bonds "within the fracture region". Without a pre-cut crack the pull decides where it breaks, so
:func:`fracture_plane` finds that plane afterwards: the widest opening of the last frame, traced back to frame 0
through the atoms that bound it; a slab around it is then the region (``BondAnalysis(fracture_width_A=...)``).

Assumptions: an orthogonal cell whose load axis is a cell axis (what :class:`~sselab.studies.fracture.TensileTest`
writes); frames in order of strain.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from ase import Atoms

from sselab.analysis.structure import BOND_PAIRS, count_bonds, partial_rdf, slab_members
from sselab.errors import InputError
from sselab.validation import require_count, require_range

__all__ = ["BondEvolution", "bond_evolution", "checked_region", "fracture_plane", "widest_gap"]

DEFAULT_RDF_RANGE_A = 6.0


def widest_gap(coordinates: np.ndarray, length: float) -> tuple[float, float]:
    """Widest empty interval (length, centre) of points on a periodic line of ``length`` (same unit)."""
    if coordinates.size == 0:
        return float(length), 0.0
    z = np.sort(np.mod(coordinates, length))
    gaps = np.diff(np.append(z, z[0] + length))
    k = int(np.argmax(gaps))
    return float(gaps[k]), float((z[k] + 0.5 * gaps[k]) % length)


def fracture_plane(first: Atoms, last: Atoms, axis: str = "z", *, edge_atoms: int = 8) -> float:
    """Where a pull broke, in frame 0's coordinates (Å along ``axis``): the widest atom-free slab of the ``last``
    frame, its bounding atoms on each side (the ``edge_atoms`` nearest each face) followed back to ``first``, and the
    midpoint of their two mean positions there (periodic means about the nearest atom, so a plane at z ≈ 0 works)."""
    k = _axis(axis)
    if len(first) != len(last):
        raise InputError(f"the first frame holds {len(first)} atoms, the last {len(last)}: not one run")
    require_count(edge_atoms, "edge atoms", low=1, high=max(1, len(first) // 2))
    length, length0 = float(last.cell.array[k, k]), float(first.cell.array[k, k])
    z = np.mod(last.positions[:, k], length)
    _, centre = widest_gap(z, length)
    below = np.argsort(np.mod(centre - z, length))[:edge_atoms]  # nearest the lower face
    above = np.argsort(np.mod(z - centre, length))[:edge_atoms]

    def mean_in_first(indices: np.ndarray) -> float:
        z0 = first.positions[indices, k]
        anchor = z0[0]
        return float(anchor + np.mean((z0 - anchor + 0.5 * length0) % length0 - 0.5 * length0))

    low, high = mean_in_first(below), mean_in_first(above)
    return float((low + 0.5 * ((high - low + 0.5 * length0) % length0 - 0.5 * length0)) % length0)


@dataclass(frozen=True)
class BondEvolution:
    """Bond counts, openings and onsets per frame (module docstring); arrays have one entry per frame."""

    strain: np.ndarray
    counts: dict[str, np.ndarray]
    cutoffs_A: dict[str, float]
    opening_A: np.ndarray
    opening_center_A: np.ndarray
    cracked_length_A: np.ndarray | None
    threshold: float
    region: dict | None
    smoothing_frames: int = 5

    def relative(self, pair: str) -> np.ndarray:
        counts = self.counts[pair]
        return counts / counts[0] if counts[0] else np.full(counts.shape, np.nan)

    def onset_strain(self, pair: str) -> float | None:
        """First strain from which the count stays below (1 − threshold) of frame 0's to the end, for at least
        ``smoothing_frames`` frames; None when it never does (a loss in the last few frames is not yet sustained)."""
        below = self.relative(pair) < 1.0 - self.threshold
        stays = np.flatnonzero(~below)
        first = 0 if stays.size == 0 else int(stays[-1]) + 1
        if below.size - first < min(self.smoothing_frames, below.size):
            return None
        return float(self.strain[first])

    def steepest_drop_strain(self, pair: str) -> float | None:
        """Strain of the steepest fall of the smoothed relative count; None when it never falls.

        The running mean spreads a one-frame step over ``smoothing_frames`` equal drops; the middle of the contiguous
        run of drops within 1 % of the largest is taken, so a step is placed at its own frame interval."""
        relative = self.relative(pair)
        width = min(self.smoothing_frames, relative.size)
        smooth = np.convolve(relative, np.ones(width) / width, mode="valid")
        if smooth.size < 2:
            return None
        drops = -np.diff(smooth)
        k = int(np.argmax(drops))
        if not drops[k] > 0:
            return None
        first = last = k
        while first > 0 and drops[first - 1] >= 0.99 * drops[k]:
            first -= 1
        while last + 1 < drops.size and drops[last + 1] >= 0.99 * drops[k]:
            last += 1
        offset = (width - 1) / 2  # a "valid" running mean's entry m is centred on frame m + offset
        return float(np.interp(0.5 * (first + last) + offset + 0.5, np.arange(self.strain.size), self.strain))

    def to_dict(self) -> dict:
        return {
            "cutoffs_A": dict(self.cutoffs_A),
            "onset_strain": {pair: self.onset_strain(pair) for pair in self.counts},
            "steepest_drop_strain": {pair: self.steepest_drop_strain(pair) for pair in self.counts},
            "threshold": self.threshold,
            "bonds_at_start": {pair: int(c[0]) for pair, c in self.counts.items()},
            "bonds_left_at_end": {pair: float(self.relative(pair)[-1]) for pair in self.counts},
            "max_opening_A": float(self.opening_A.max()),
            "opening_center_at_end_A": float(self.opening_center_A[-1]),
            "final_cracked_length_A": None if self.cracked_length_A is None else float(self.cracked_length_A[-1]),
            "region": self.region,
            "frames": int(self.strain.size),
        }


def _pair_name(pair: Sequence[str]) -> str:
    return f"{pair[0]}-{pair[1]}"


def _axis(axis: str) -> int:
    if axis not in ("x", "y", "z"):
        raise InputError(f"axis must be x, y or z, got {axis!r}")
    return "xyz".index(axis)


def bond_evolution(
    frames: Iterable[Atoms],
    axis: str = "z",
    *,
    pairs: Sequence[tuple[str, str]] | None = None,
    cutoffs_A: dict[tuple[str, str], float] | None = None,
    region: tuple[float, float] | None = None,
    threshold: float = 0.02,
    crack_axis: str | None = None,
    column_A: float = 4.0,
    gap_threshold_A: float = 4.0,
    smoothing_frames: int = 5,
) -> BondEvolution:
    """Follow bonds and openings through ``frames`` of a pull along ``axis`` (module docstring).

    ``pairs`` defaults to those of seed 003's Li–O, La–O, Zr–O whose species are all in the first frame.
    ``cutoffs_A`` overrides the RDF first minima per pair; ``region`` = (centre, width) in Å along ``axis`` in frame
    0 selects the A atoms whose bonds count.
    """
    k = _axis(axis)
    require_count(smoothing_frames, "frames of the running mean", low=1)
    require_range(threshold, "bond-loss threshold", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    if crack_axis is not None:
        if _axis(crack_axis) == k:
            raise InputError("the crack axis must differ from the load axis")
        require_range(column_A, "column width", low=0.0, low_inclusive=False, unit="Å")
        require_range(gap_threshold_A, "gap threshold", low=0.0, low_inclusive=False, unit="Å")
    iterator = iter(frames)
    first = next(iterator, None)
    if first is None:
        raise InputError("the trajectory has no frames")
    if not np.allclose(first.cell.array - np.diag(np.diag(first.cell.array)), 0.0, atol=1e-6):
        raise InputError("bond analysis along a load axis needs an orthogonal cell (vectors along x, y, z)")
    if pairs is None:
        present = set(first.get_chemical_symbols())
        pairs = [p for p in BOND_PAIRS if set(p) <= present]
        if not pairs:
            raise InputError(f"none of the pairs {', '.join(map(_pair_name, BOND_PAIRS))} is in the structure "
                             f"({first.get_chemical_formula()}): name the pairs to follow")
    cutoffs = {tuple(p): v for p, v in (cutoffs_A or {}).items()}
    for pair in pairs:
        if tuple(pair) not in cutoffs:
            r_max = min(DEFAULT_RDF_RANGE_A, 0.49 * float(min(np.diag(first.cell.array))))
            cutoffs[tuple(pair)] = partial_rdf(first, tuple(pair), r_max_A=r_max).first_minimum_A()
    members = None
    region_record = None
    if region is not None:
        center, width = checked_region(region)
        members = slab_members(first, axis, center, width)
        region_record = {"axis": axis, "center_A": center, "width_A": width, "atoms": int(members.sum())}
    length0 = float(first.cell.array[k, k])
    strain, openings, centers, cracked = [], [], [], []
    counts: dict[str, list[int]] = {_pair_name(p): [] for p in pairs}
    n_atoms = len(first)
    for atoms in [first, *iterator]:
        if len(atoms) != n_atoms:
            raise InputError(f"a frame holds {len(atoms)} atoms, frame 0 {n_atoms}: not one run")
        length = float(atoms.cell.array[k, k])
        strain.append(length / length0 - 1.0)
        for pair, n in count_bonds(atoms, {tuple(p): cutoffs[tuple(p)] for p in pairs}, members).items():
            if n == 0 and len(strain) == 1:
                where = "in the region" if region is not None else "in the first frame"
                raise InputError(f"no {_pair_name(pair)} bonds {where} (cut-off {cutoffs[pair]:.2f} Å): nothing to follow")
            counts[_pair_name(pair)].append(n)
        gap, center = widest_gap(atoms.positions[:, k], length)
        openings.append(gap)
        centers.append(center)
        if crack_axis is not None:
            cracked.append(_cracked_length(atoms, k, _axis(crack_axis), column_A, gap_threshold_A))
    return BondEvolution(
        strain=np.asarray(strain), counts={p: np.asarray(c) for p, c in counts.items()},
        cutoffs_A={_pair_name(p): float(cutoffs[tuple(p)]) for p in pairs},
        opening_A=np.asarray(openings), opening_center_A=np.asarray(centers),
        cracked_length_A=np.asarray(cracked) if crack_axis is not None else None, threshold=threshold, region=region_record,
        smoothing_frames=smoothing_frames)


def checked_region(region: Sequence[float]) -> tuple[float, float]:
    """(centre, width) in Å as two finite numbers, or InputError."""
    try:
        center, width = (float(v) for v in region)
    except (TypeError, ValueError):
        raise InputError(f"a region is (centre, width) in Å, got {region!r}") from None
    if not (np.isfinite(center) and np.isfinite(width)):
        raise InputError(f"a region's centre and width must be finite numbers, got {region!r}")
    return center, width


def _cracked_length(atoms: Atoms, load: int, along: int, column_A: float, gap_threshold_A: float) -> float:
    width = float(atoms.cell.array[along, along])
    columns = max(1, int(width // column_A))
    index = np.minimum((np.mod(atoms.positions[:, along], width) / width * columns).astype(int), columns - 1)
    length = float(atoms.cell.array[load, load])
    cracked = sum(widest_gap(atoms.positions[index == c, load], length)[0] > gap_threshold_A for c in range(columns))
    return cracked * width / columns
