"""Trajectories for transport analysis: unwrapped, drift-corrected positions per species.

Positions are in Å and times in fs (ASE units). A trajectory file is read frame by frame
(``ase.io.iread``), so memory grows with frames × atoms of the species asked for, never with the
whole system.

Frames that say their positions are unwrapped (``info["unwrapped"] = True``: what ``sselab md run``
writes with either engine, LAMMPS unwrapping by image flags) are taken as they are, however far an
atom moves between frames (a fast ion at 1200 K crosses a third of a 13 Å cell within a picosecond).

Other files are unwrapped here (assumption: no atom moves more than a third of a cell vector between
stored frames): the displacement between consecutive frames is taken as the minimum image in
fractional coordinates, Δs − round(Δs), mapped back with the later frame's cell. It is applied whether
the file is wrapped or already unwrapped (for unwrapped input it changes nothing), and works for a
cell that changes in time (NPT). A displacement past the third-of-a-cell bound means the frames
are too far apart to unwrap, which is an error rather than a silent wrong MSD.

Without a cell, wrapping cannot be undone: a frame-to-frame jump of more than half the extent of
the positions along an axis is read as wrapping and refused.

Damaged files are refused in one line: an empty, binary or unreadable file, a frame with
non-finite (NaN, inf) positions, cell or time, frames whose atoms differ. An extended-XYZ file that
ends in a torn frame (a run killed while writing) is read up to its last complete frame, with a
warning. A trajectory that ``sselab md run`` wrote has its point record (``point.json``) beside it;
:attr:`Trajectory.complete` then says whether it holds all the production its run asked for
(False for the partial trajectory of a killed run), and is None, with a warning, without a record.

Drift: the mean displacement of the atoms *not* analysed (the framework) is subtracted from the
analysed species in every frame, which removes centre-of-mass drift of the host (thermostats
and barostats can make the whole box wander). When every atom is analysed, the mean of all
atoms is used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from ase import Atoms

from sselab.atomistic.md.ase_md import UNWRAPPED_KEY, extxyz_frames
from sselab.atomistic.md.record import trajectory_completeness
from sselab.errors import InputError, SSELabError
from sselab.validation import require_count, require_finite

MAX_FRACTIONAL_STEP = 1 / 3
TIME_KEYS = ("time_fs",)
PROGRESS_FRAMES = 100
#: suffixes read as (extended) XYZ text: scanned for torn frames and checked for completeness
XYZ_SUFFIXES = (".extxyz", ".xyz")


@dataclass(frozen=True)
class Trajectory:
    """Unwrapped, drift-corrected displacements of some species.

    ``displacements[s]`` has shape (frames, atoms of s, 3) in Å, relative to each atom's first
    position (displacements, not positions, so that the MSD's FFT works on small numbers);
    ``first_positions[s]`` holds the frame-0 positions. ``volume_A3`` is the mean cell volume
    (None without a cell). ``complete`` is whether the file holds the production its run asked for
    (None: unknown); ``warnings`` are notes on the file (a torn last frame, an incomplete run).
    """

    displacements: dict[str, np.ndarray]
    first_positions: dict[str, np.ndarray]
    frame_interval_fs: float
    counts: dict[str, int]
    volume_A3: float | None
    cells: np.ndarray | None  # (frames, 3, 3), Å
    info: dict = field(default_factory=dict)
    complete: bool | None = None
    warnings: tuple[str, ...] = ()

    @property
    def frames(self) -> int:
        return next(iter(self.displacements.values())).shape[0]

    @property
    def duration_fs(self) -> float:
        return (self.frames - 1) * self.frame_interval_fs


def minimum_image_step(previous: np.ndarray, current: np.ndarray, cell: np.ndarray) -> np.ndarray:
    """Displacement current − previous (…, N, 3) by the minimum image of ``cell`` (…, 3, 3)."""
    inverse = np.linalg.inv(cell)
    fractional = (current - previous) @ inverse
    fractional -= np.round(fractional)
    if np.abs(fractional).max(initial=0.0) > MAX_FRACTIONAL_STEP:
        raise SSELabError(
            "atoms move more than a third of the cell between stored frames: the frame interval is too long "
            "to unwrap the trajectory; store frames more often"
        )
    return fractional @ cell


def _has_cell(atoms: Atoms) -> bool:
    return bool(atoms.pbc.any()) and abs(atoms.cell.volume) > 1e-6


def _check_unwrapped(previous: np.ndarray, current: np.ndarray, frame: int) -> None:
    step = np.abs(current - previous)
    extent = np.ptp(np.vstack([previous, current]), axis=0)
    jumps = step > 0.5 * np.maximum(extent, 1e-9)
    if jumps.any() and step[jumps].max() > 1.0:
        raise SSELabError(
            f"positions jump by {step.max():.1f} Å between frames {frame - 1} and {frame} and the file has no cell: "
            "wrapped coordinates cannot be unwrapped; store the cell (periodic boundaries) or unwrapped positions"
        )


def _frame_times(frames_info: list[float | None], frame_interval_fs: float | None) -> float:
    times = [t for t in frames_info if t is not None]
    if len(times) not in (0, len(frames_info)):
        raise SSELabError("only some frames carry a time: the trajectory is inconsistent")
    if times:
        steps = np.diff(np.asarray(times, dtype=float))
        if steps.size == 0:
            raise SSELabError("the trajectory has a single frame: nothing to analyse")
        interval = float(np.median(steps))
        if not interval > 0 or not np.allclose(steps, interval, rtol=1e-6, atol=1e-9):
            raise SSELabError("the frames are not evenly spaced in time (time_fs in the file): the MSD needs a uniform frame interval")
        if frame_interval_fs is not None and not np.isclose(frame_interval_fs, interval, rtol=1e-6):
            raise SSELabError(
                f"--frame-interval {frame_interval_fs:g} fs disagrees with the file's frame times ({interval:g} fs between frames)"
            )
        return interval
    if frame_interval_fs is None:
        raise SSELabError("the file does not store frame times: give the time between stored frames with --frame-interval")
    if not frame_interval_fs > 0:
        raise SSELabError(f"the frame interval must be positive, got {frame_interval_fs} fs")
    return float(frame_interval_fs)


def _check_finite(atoms: Atoms, frame: int) -> None:
    """Refuse a frame whose positions, cell or time are not finite numbers (a damaged file, a blown-up run)."""
    for what, values in (("positions", atoms.positions), ("cell", atoms.cell.array)):
        if not np.isfinite(values).all():
            raise InputError(f"frame {frame} of the trajectory holds non-finite {what} (NaN or inf): the file is damaged "
                             "or the run blew up")
    time = atoms.info.get("time_fs")
    if time is not None and (isinstance(time, bool) or not isinstance(time, (int, float, np.number)) or not np.isfinite(time)):
        raise InputError(f"frame {frame} of the trajectory has time_fs={time!r}, not a finite number")


def trajectory_from_frames(frames: Iterable[Atoms], species: list[str], frame_interval_fs: float | None = None,
                           progress: Callable[[int], None] | None = None, every: int = 1) -> Trajectory:
    """Stream ``frames`` into a :class:`Trajectory` of ``species`` (see the module docstring).

    ``progress(n)`` is called after every ``PROGRESS_FRAMES`` frames read, with n = that many;
    ``every`` (the stride the frames were read with) only numbers the frames of the file in messages.
    """
    symbols: list[str] | None = None
    selected: dict[str, np.ndarray] = {}
    framework: np.ndarray | None = None
    previous: np.ndarray | None = None
    periodic = False
    displacement_rows: dict[str, list[np.ndarray]] = {}
    drift_rows: list[np.ndarray] = []
    cells: list[np.ndarray] = []
    times: list[float | None] = []
    unwrapped = None
    stored_unwrapped = False
    info: dict = {}
    for index, atoms in enumerate(frames):
        _check_finite(atoms, index * every)
        positions = atoms.get_positions()
        if symbols is None:
            symbols = atoms.get_chemical_symbols()
            periodic = _has_cell(atoms)
            missing = [s for s in species if s not in symbols]
            if missing:
                present = ", ".join(sorted(set(symbols)))
                raise SSELabError(f"species {', '.join(missing)} not in the trajectory (it has {present})")
            names = np.asarray(symbols)
            selected = {s: np.flatnonzero(names == s) for s in species}
            analysed = np.concatenate(list(selected.values()))
            framework = np.setdiff1d(np.arange(len(symbols)), analysed)
            if framework.size == 0:
                framework = np.arange(len(symbols))
            displacement_rows = {s: [] for s in species}
            unwrapped = positions.copy()
            stored_unwrapped = atoms.info.get(UNWRAPPED_KEY) is True
            info = {k: v for k, v in atoms.info.items() if isinstance(v, (int, float, str)) and k not in TIME_KEYS}
        else:
            if atoms.get_chemical_symbols() != symbols:
                raise InputError(f"frame {index * every} has different atoms from frame 0 ({len(atoms)} against {len(symbols)}, "
                                 "or other species): the trajectory is inconsistent")
            if (atoms.info.get(UNWRAPPED_KEY) is True) != stored_unwrapped:
                raise InputError(f"frame {index * every} and frame 0 disagree on whether positions are unwrapped: the file mixes runs")
            if stored_unwrapped:
                unwrapped = positions.copy()
            elif periodic:
                if not _has_cell(atoms):
                    raise SSELabError(f"frame {index} has no cell while frame 0 has one")
                unwrapped = unwrapped + minimum_image_step(previous, positions, atoms.cell.array)
            else:
                _check_unwrapped(previous, positions, index)
                unwrapped = positions.copy()
        previous = positions
        drift_rows.append(unwrapped[framework].mean(axis=0))
        for s, indices in selected.items():
            displacement_rows[s].append(unwrapped[indices].copy())
        cells.append(atoms.cell.array.copy())
        time = atoms.info.get("time_fs")
        times.append(float(time) if time is not None else None)
        if progress is not None and (index + 1) % PROGRESS_FRAMES == 0:
            progress(PROGRESS_FRAMES)
    if symbols is None:
        raise SSELabError("the trajectory has no frames")
    if len(times) < 2:
        raise SSELabError("the trajectory has a single frame: nothing to analyse")
    interval = _frame_times(times, frame_interval_fs)
    selected_rows = {s: np.asarray(rows) for s, rows in displacement_rows.items()}
    return _assemble(symbols, selected_rows, np.asarray(drift_rows), interval, np.asarray(cells) if periodic else None, info)


def _assemble(symbols: list[str], unwrapped: dict[str, np.ndarray], framework_mean: np.ndarray, interval: float,
              cells: np.ndarray | None, info: dict) -> Trajectory:
    """Subtract the framework drift and first positions (module docstring) and build the Trajectory."""
    drift = framework_mean - framework_mean[0]
    names = np.asarray(symbols)
    first = {s: stacked[0].copy() for s, stacked in unwrapped.items()}
    for s, stacked in unwrapped.items():  # in place: these arrays are the caller's private copies
        stacked -= first[s]
        stacked -= drift[:, None, :]
    return Trajectory(
        displacements=unwrapped,
        first_positions=first,
        frame_interval_fs=interval,
        counts={s: int(np.sum(names == s)) for s in sorted(set(symbols))},
        volume_A3=float(np.mean(np.abs(np.linalg.det(cells)))) if cells is not None else None,
        cells=cells,
        info=info,
    )


def _columns(positions: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """A private copy of positions[:, indices] (a slice copy when the indices are contiguous, which is faster)."""
    if indices.size and np.all(np.diff(indices) == 1):
        return positions[:, indices[0] : indices[-1] + 1].copy()
    return positions[:, indices]


def trajectory_from_arrays(symbols: list[str], positions: np.ndarray, frame_interval_fs: float, species: list[str],
                           cell: np.ndarray | None = None) -> Trajectory:
    """A Trajectory from in-memory positions (frames, atoms, 3) in Å, wrapped or not, with a fixed cell or none.

    Same assumptions as files (module docstring); without a cell the positions must be unwrapped.
    """
    positions = np.asarray(positions, dtype=float)
    if positions.ndim != 3 or positions.shape[1] != len(symbols) or positions.shape[2] != 3:
        raise SSELabError("positions must have shape (frames, atoms, 3) matching the symbols")
    if positions.shape[0] < 2:
        raise SSELabError("the trajectory has a single frame: nothing to analyse")
    if not frame_interval_fs > 0:
        raise SSELabError(f"the frame interval must be positive, got {frame_interval_fs} fs")
    names = np.asarray(symbols)
    missing = [s for s in species if s not in symbols]
    if missing:
        raise SSELabError(f"species {', '.join(missing)} not in the trajectory (it has {', '.join(sorted(set(symbols)))})")
    if cell is not None:
        steps = minimum_image_step(positions[:-1], positions[1:], np.asarray(cell, dtype=float))
        positions = np.concatenate([positions[:1], positions[:1] + np.cumsum(steps, axis=0)])
    selected = {s: _columns(positions, np.flatnonzero(names == s)) for s in species}
    framework = ~np.isin(names, species)
    if not framework.any():
        framework[:] = True
    # mean over framework atoms as one matrix product on the contiguous (frames, 3·atoms) view: no copy
    weights = np.kron(framework / framework.sum(), np.eye(3)).T  # (3·atoms, 3)
    framework_mean = positions.reshape(positions.shape[0], -1) @ weights
    cells = None if cell is None else np.broadcast_to(np.asarray(cell, dtype=float), (positions.shape[0], 3, 3))
    return _assemble(list(symbols), selected, framework_mean, float(frame_interval_fs), cells, {})


def read_trajectory(path: Path, species: list[str], frame_interval_fs: float | None = None, every: int = 1,
                    progress: Callable[[int], None] | None = None) -> Trajectory:
    """Read a trajectory file ASE can read (extxyz, ASE .traj, LAMMPS dump …), every ``every``-th frame.

    The frame interval is taken from ``time_fs`` in the frames' info when present (and checked
    against ``frame_interval_fs`` when both are given), else ``frame_interval_fs`` is required.
    It is the interval of the frames *read*, i.e. multiplied by ``every``. Damaged files, torn
    frames and completeness: see the module docstring.
    """
    from ase.io import iread

    path = Path(path)
    if not path.is_file():
        raise InputError(f"trajectory {path} does not exist" if not path.exists() else f"trajectory {path} is not a file")
    every = require_count(every, "--every", low=1)
    stated = None if frame_interval_fs is None else require_finite(frame_interval_fs, "--frame-interval") * every
    if path.stat().st_size == 0:
        raise InputError(f"trajectory {path} is empty")
    index, notes, complete = f"::{every}", [], None
    if path.suffix.lower() in XYZ_SUFFIXES:
        index, notes = xyz_frames_to_read(path, every)
        completeness = trajectory_completeness(path)
        complete = completeness.complete
        notes += [completeness.warning] if completeness.warning else []
    try:
        trajectory = trajectory_from_frames(iread(str(path), index=index), species, stated, progress, every)
    except SSELabError:
        raise
    except Exception as error:  # ASE's readers raise many kinds (ValueError, XYZError, UnicodeDecodeError, ...)
        reason = " ".join(str(error).split())[:160] or "no detail"
        raise InputError(f"cannot read trajectory {path} ({type(error).__name__}: {reason})") from None
    return replace(trajectory, complete=complete, warnings=tuple(notes))


def xyz_frames_to_read(path: Path, every: int) -> tuple[str, list[str]]:
    """The ASE index that reads the complete frames of an (extended-)XYZ file, and a note on a torn last frame."""
    with path.open("rb") as handle:
        if b"\x00" in handle.read(65536):
            raise InputError(f"trajectory {path} is a binary file, not (extended) XYZ text")
    frames = extxyz_frames(path)
    if not frames:
        raise InputError(f"trajectory {path} holds no complete (extended) XYZ frame")
    notes = []
    if frames[-1][0] < path.stat().st_size:
        notes.append(f"the file ends in a torn frame after its {len(frames)} complete ones (a run killed while writing): "
                     "it was left out")
    return f":{len(frames)}:{every}", notes
