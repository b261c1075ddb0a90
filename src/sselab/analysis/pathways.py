"""Pathway sizes of seed 004 Fig. 4d: free-sphere diameters of the framework that the mobile ions move through.

For each frame the mobile species (Li by default) is removed and the rest is taken as hard spheres of
ionic radii. Zeo++ (Willems, Rycroft, Kazi, Meza, Haranczyk, Micropor. Mesopor. Mater. 149 (2012) 134),
through its Python interface ``pyzeo``, decomposes the void space into a radical Voronoi network and
returns three diameters (Å):

* D_i  — the largest sphere included anywhere in the void;
* D_f  — the largest *free* sphere: the largest sphere that can travel from a cell to its periodic
  image along the network (the bottleneck of the best channel) — seed 004's **d₁**;
* D_if — the largest sphere included along that free-sphere path (the largest cage on the channel) —
  seed 004's **d₂**.

Seed 004 (ref. 54 of the paper) averages d₁ and d₂ over 300 K MLIP-MD frames. It states neither the
radii nor whether Li is kept. Our reading, both settable: the mobile ions are removed (the channel is
the space the framework leaves them), and each remaining element is a sphere of its Shannon (1976)
ionic radius at its formal charge (:data:`sselab.constants.FORMAL_CHARGES`) in six-fold coordination,
or in the listed coordination nearest to six where six is not tabulated (N³⁻: four-fold, 1.46 Å).
The diameters are geometric, not energetic: a larger d₁ means a wider bottleneck for a hard-sphere ion.

Where several directions share the widest channel, d₂ is the largest cage along any of them
(:func:`free_spheres`); where no sphere percolates, d₁ is 0 and d₂ is undefined (NaN).

Accuracy: Zeo++'s radical Voronoi network is exact for equal spheres (a simple cubic lattice gives
D_f = √2a − 2R and D_i = √3a − 2R to 1e-5 Å, a primitive fcc cell D_f = 2(a/√6 − R); see the tests) and
approximate for unequal ones. On rocksalt MgO (Mg 0.72, O 1.40 Å, a = 4.21 Å), where D_i = 0.846 Å
and D_f = 0.390 Å exactly, it gives D_i exactly and D_f = 0.331 Å (−15 %). Its high-accuracy mode
(``accuracy``, Zeo++'s ``-ha`` settings) replaces large spheres by clusters of small ones, costs
10–1000× more and is no cure: S100 gives 0.866 and 0.414 Å, S30 0.929 and 0.469 Å (coarse settings
overshoot, even past the true D_i). On Li₆Zr₂O₇ without Li (Zr 0.72, O 1.40 Å) the plain network gives
d₁ = 0.828 and d₂ = 2.945 Å, S100 0.852 and 2.969 Å. With the Li kept (0.76 Å) the plain network reports
a larger D_i than without them, which cannot be: the default leaves the mobile ions out. The radii
matter to first order (d₁ moves by about −2ΔR_O), so compare compositions at the same radii.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms

from sselab.constants import FORMAL_CHARGES
from sselab.errors import InputError, SetupError
from sselab.runs import RunDirectory, to_jsonable
from sselab.validation import require_count, require_range

__all__ = ["FreeSpheres", "PathwayAnalysis", "PathwayResult", "PathwaySeries", "PathwayStatistic", "free_spheres", "ionic_radius"]

#: Å. Atoms closer than this are one atom written twice (a broken frame), not a structure.
OVERLAP_A = 0.1

#: Å. Radii outside this range are not ionic radii (a typo such as 14 for 1.4, or a negative one).
RADIUS_RANGE_A = (0.05, 3.0)


@dataclass(frozen=True)
class FreeSpheres:
    """Zeo++'s three diameters (Å) of one frame: largest included, free, and included along the free path."""

    included_A: float
    free_A: float
    included_along_free_A: float


_ROMAN = {"II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10, "XI": 11, "XII": 12}


def ionic_radius(element: str) -> float:
    """Shannon ionic radius (Å) of ``element`` at its formal charge: six-fold, or the tabulated coordination
    nearest to six (the lower one on a tie); low spin where both spin states are listed."""
    from pymatgen.core import Element

    charge = FORMAL_CHARGES.get(element)
    table = {}
    if charge is not None:
        table = Element(element).data.get("Shannon radii", {}).get(str(int(charge)), {})
    coordinations = [c for c in table if c in _ROMAN]
    if not coordinations:
        raise InputError(f"no Shannon radius for {element} at a known formal charge: give one, e.g. --radius {element}=1.0")
    spins = table[min(coordinations, key=lambda c: (abs(_ROMAN[c] - 6), _ROMAN[c]))]
    return float(spins.get("", spins.get("Low Spin", next(iter(spins.values()))))["ionic_radius"])


#: Zeo++'s high-accuracy settings (its ``-ha`` option): the number or kind of small spheres that replace a large one.
ACCURACY_SETTINGS = ("OCC", "FCC", "ACC", "AQC", "DDH", "TIH", "ICH", "ICC", "RIH", "S4", "S10", "S20", "S30", "S40", "S50",
                     "S100", "S500", "S1000", "S10000", "DEF", "HI", "MED", "LOW")


#: The Zeo++ call, run in a child Python: Zeo++ calls exit() or abort() on inputs it cannot handle (and aborted
#: once inside the test suite's long-lived process), which must not take the caller's process and finished work with it.
_ZEO_CHILD = """
import sys
from pyzeo.extension import AtomNetwork, high_accuracy_atomnet
cssr, rad, res, accuracy = sys.argv[1:5]
network = AtomNetwork.read_from_CSSR(cssr, rad_flag=True, rad_file=rad)
if accuracy:
    high_accuracy_atomnet(network, accuracy)
network.calculate_free_sphere_parameters(res)
"""


def _zeo_diameters(atoms: Atoms, radii_A: Mapping[str, float], accuracy: str | None) -> tuple[float, float, float]:
    """One Zeo++ ``-res`` evaluation: (D_i, D_f, D_if) in Å for the cell exactly as written."""
    import subprocess
    import sys

    from pymatgen.core import Lattice, Structure
    from pymatgen.io.zeopp import ZeoCssr

    # species from the bare symbols: an oxidation-state label ("Mg2+") has no radius, and Zeo++ then exits
    structure = Structure(Lattice(atoms.cell.array), atoms.get_chemical_symbols(), atoms.positions, coords_are_cartesian=True)
    with tempfile.TemporaryDirectory(prefix="sselab-zeo-") as folder:
        cssr, rad, res = (Path(folder) / name for name in ("frame.cssr", "radii.rad", "frame.res"))
        cssr.write_text(str(ZeoCssr(structure)))
        rad.write_text("".join(f"{element} {radius:.6f}\n" for element, radius in radii_A.items()))
        child = subprocess.run([sys.executable, "-c", _ZEO_CHILD, str(cssr), str(rad), str(res), accuracy or ""],
                               capture_output=True, text=True)  # Zeo++ reports its steps on stdout: kept out of ours
        if child.returncode != 0 or not res.is_file():
            last = (child.stdout + child.stderr).strip().splitlines()[-1:] or ["no message"]
            raise InputError(f"Zeo++ failed on a frame of {len(atoms)} atoms (exit {child.returncode}: {last[0][:160]})")
        included, free, along = (float(value) for value in res.read_text().split()[-3:])  # the line starts with the path
    return included, free, along


def free_spheres(atoms: Atoms, radii_A: Mapping[str, float], accuracy: str | None = None) -> FreeSpheres:
    """Zeo++'s D_i, D_f and D_if (Å) of ``atoms`` as hard spheres of ``radii_A`` (one radius per element present).

    ``atoms`` is the framework itself: remove the mobile ions first (:meth:`PathwayAnalysis.run` does).
    ``accuracy``: None for Zeo++'s plain radical Voronoi network, or one of :data:`ACCURACY_SETTINGS`.

    Where several directions share the largest free sphere, Zeo++ reports the cage along the first one it
    checks, so its D_if depends on the order the cell's axes are written in (0.1–0.2 Å on rattled
    Li₆Zr₂O₇ frames). The cell is therefore evaluated in its three cyclic axis orders and the largest D_if
    is reported: the largest cage along any of the widest channels. Where no sphere percolates (D_f = 0)
    there is no channel, and D_if is NaN.
    """
    try:
        import pyzeo.extension  # noqa: F401  (checked here; the child process does the work)
    except ImportError:
        raise SetupError("pathway sizes need Zeo++'s Python interface: pip install pyzeo") from None
    if accuracy is not None and accuracy not in ACCURACY_SETTINGS:
        raise InputError(f"accuracy {accuracy!r} is not a Zeo++ setting; choose one of {', '.join(ACCURACY_SETTINGS)}")
    if len(atoms) == 0:
        raise InputError("no framework atoms left to measure pathways in")
    if not all(atoms.pbc) or atoms.cell.rank < 3:
        raise InputError("pathway sizes need a periodic cell in all three directions")
    if not (np.all(np.isfinite(atoms.positions)) and np.all(np.isfinite(atoms.cell.array))):
        raise InputError("a frame has non-finite positions or cell vectors")  # Zeo++ would exit the process on them
    if abs(np.linalg.det(atoms.cell.array)) < 1e-6:
        raise InputError("the cell vectors are linearly dependent (zero volume)")
    from ase.neighborlist import neighbor_list

    first, second = neighbor_list("ij", atoms, OVERLAP_A)
    if len(first):  # coincident atoms make Zeo++'s Voronoi step exit the process
        raise InputError(f"atoms {first[0]} and {second[0]} of a frame lie within {OVERLAP_A} Å of each other")
    missing = sorted(set(atoms.get_chemical_symbols()) - set(radii_A))
    if missing:
        raise InputError(f"no radius for {', '.join(missing)}: give one, e.g. --radius {missing[0]}=1.0")
    orders = []
    for shift in range(3):
        rolled = atoms.copy()
        rolled.set_cell(np.roll(atoms.cell.array, shift, axis=0))  # same crystal, axes written in another cyclic order
        orders.append(_zeo_diameters(rolled, radii_A, accuracy))
    included = max(order[0] for order in orders)
    free = max(order[1] for order in orders)
    along = max(order[2] for order in orders)
    return FreeSpheres(included, free, along if free > 0 else float("nan"))


def _block_error(values: np.ndarray, blocks: int = 5) -> float | None:
    """Standard error of the mean from ``blocks`` equal consecutive blocks (frames are correlated); None if too few."""
    if values.size < 2 * blocks:
        return None
    means = np.array([chunk.mean() for chunk in np.array_split(values, blocks)])
    return float(means.std(ddof=1) / np.sqrt(blocks))


@dataclass(frozen=True)
class PathwaySeries:
    """The per-frame diameters (Å) behind a :class:`PathwayResult`, with the frames' times (fs; NaN where unknown)."""

    time_fs: np.ndarray
    included_A: np.ndarray
    free_A: np.ndarray
    included_along_free_A: np.ndarray


@dataclass(frozen=True)
class PathwayStatistic:
    """Mean over frames, frame-to-frame spread (sample standard deviation) and block standard error of one diameter (Å)."""

    mean_A: float | None
    spread_A: float | None
    stderr_A: float | None

    @classmethod
    def of(cls, values: np.ndarray) -> PathwayStatistic:
        """Over the finite values (a frame without a channel has no D_if); a mean of None when there are none."""
        values = values[np.isfinite(values)]
        if values.size == 0:
            return cls(None, None, None)
        return cls(float(values.mean()), float(values.std(ddof=1)) if values.size > 1 else None, _block_error(values))


DEFINITIONS = {
    "d1": "Zeo++ D_f, the largest free sphere (the channel's bottleneck)",
    "d2": "Zeo++ D_if, the largest included sphere along the free-sphere path",
    "largest_included": "Zeo++ D_i, the largest included sphere anywhere",
    "stderr": "standard error of the mean from 5 consecutive blocks of frames (None under 10 frames)",
}


@dataclass(frozen=True)
class PathwayResult:
    """Seed 004's d₁ (D_f) and d₂ (D_if), and D_i, over the frames; ``series`` is None in a result rebuilt by from_dict."""

    mobile: tuple[str, ...]
    radii_A: dict[str, float]
    frames: int
    d1: PathwayStatistic
    d2: PathwayStatistic
    largest_included: PathwayStatistic
    source: str
    accuracy: str | None = None
    warnings: tuple[str, ...] = ()
    series: PathwaySeries | None = field(default=None, compare=False, repr=False)
    inputs: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_series(cls, series: PathwaySeries, *, mobile: tuple[str, ...], radii_A: dict[str, float], source: str,
                    accuracy: str | None = None, warnings: tuple[str, ...] = (),
                    inputs: dict[str, Any] | None = None) -> PathwayResult:
        return cls(mobile=mobile, radii_A=radii_A, frames=int(series.free_A.size), d1=PathwayStatistic.of(series.free_A),
                   d2=PathwayStatistic.of(series.included_along_free_A), largest_included=PathwayStatistic.of(series.included_A),
                   source=source, accuracy=accuracy, warnings=warnings, series=series, inputs=inputs or {})

    def to_dict(self) -> dict[str, Any]:
        """The summary of ``sselab diffusion pathways --json`` (without ``run_directory``), lengths in Å."""
        summary: dict[str, Any] = {"mobile_removed": list(self.mobile), "radii_A": dict(self.radii_A), "frames": self.frames,
                                   "accuracy": self.accuracy or "plain radical Voronoi"}
        for name in ("d1", "d2", "largest_included"):
            statistic = getattr(self, name)
            summary.update({f"{name}_A": statistic.mean_A, f"{name}_spread_A": statistic.spread_A,
                            f"{name}_stderr_A": statistic.stderr_A})
        return to_jsonable({**summary, "definitions": DEFINITIONS, "source": self.source, "warnings": list(self.warnings)})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PathwayResult:
        """The result back from :meth:`to_dict` (or a run's ``run.json`` summary), without the per-frame series."""
        def statistic(name: str) -> PathwayStatistic:
            mean = data[f"{name}_A"]
            return PathwayStatistic(None if mean is None else float(mean), data.get(f"{name}_spread_A"), data.get(f"{name}_stderr_A"))

        return cls(mobile=tuple(data["mobile_removed"]), radii_A={k: float(v) for k, v in data["radii_A"].items()},
                   frames=int(data["frames"]), d1=statistic("d1"), d2=statistic("d2"),
                   largest_included=statistic("largest_included"), source=str(data["source"]),
                   accuracy=None if data.get("accuracy") in (None, "plain radical Voronoi") else data["accuracy"],
                   warnings=tuple(data.get("warnings", ())))

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """``run.json`` and, when the series is held, ``pathways.nc`` and ``pathways.png``; returns the RunDirectory."""
        import xarray as xr

        run = RunDirectory.open(run_dir, "diffusion pathways", self.inputs)
        if self.series is not None:
            s = self.series
            run.write_dataset("pathways", xr.Dataset(
                {"d1": ("frame", s.free_A, {"units": "angstrom", "long_name": DEFINITIONS["d1"]}),
                 "d2": ("frame", s.included_along_free_A, {"units": "angstrom", "long_name": DEFINITIONS["d2"]}),
                 "largest_included": ("frame", s.included_A, {"units": "angstrom", "long_name": DEFINITIONS["largest_included"]})},
                coords={"time": ("frame", s.time_fs, {"units": "fs"})},
                attrs={"mobile_removed": ",".join(self.mobile), "radii_A": ", ".join(f"{e}={r}" for e, r in self.radii_A.items())}))
            run.save_figure("pathways", self.plot())
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run

    def plot(self, ax=None):
        """d₁, d₂ and D_i per frame with their means (on ``ax`` when given); returns the Figure."""
        from sselab.plots.transport import pathway_figure

        return pathway_figure(self, ax=ax)


@dataclass(frozen=True)
class PathwayAnalysis:
    """Seed 004's pathway sizes d₁ (D_f) and d₂ (D_if) over the frames of a trajectory or structures.

    ``mobile``: species removed before measuring (the ions that move through the channel);
    ``radii_A``: radii (Å) that replace the Shannon defaults of :func:`ionic_radius`;
    ``every``: use every n-th frame of a file; ``accuracy``: Zeo++'s high-accuracy setting (module docstring).
    """

    mobile: tuple[str, ...] = ("Li",)
    radii_A: Mapping[str, float] = field(default_factory=dict)
    every: int = 1
    accuracy: str | None = None

    def __post_init__(self) -> None:
        from ase.data import chemical_symbols

        if isinstance(self.mobile, str):  # mobile="Li" means one species, not the letters L and i
            object.__setattr__(self, "mobile", (self.mobile,))
        require_count(self.every, "--every", low=1)
        if self.accuracy is not None and self.accuracy not in ACCURACY_SETTINGS:
            raise InputError(f"--accuracy {self.accuracy!r} is not a Zeo++ setting; choose one of {', '.join(ACCURACY_SETTINGS)}")
        for element in (*self.mobile, *self.radii_A):
            if element not in chemical_symbols[1:]:
                raise InputError(f"{element!r} is not an element symbol")
        for element, radius in self.radii_A.items():
            require_range(radius, f"radius of {element}", low=RADIUS_RANGE_A[0], high=RADIUS_RANGE_A[1], unit="Å")

    def radii_for(self, elements: Iterable[str]) -> dict[str, float]:
        """The radius (Å) used for each framework element: the given one, else its Shannon radius."""
        return {element: float(self.radii_A[element]) if element in self.radii_A else ionic_radius(element)
                for element in sorted(set(elements))}

    def run(self, source: str | Path | Atoms | Sequence[Atoms], progress: Callable[[int], None] | None = None) -> PathwayResult:
        """Measure every frame of a trajectory file (or one Atoms, or a list of them)."""
        frames, name, notes = self._frames(source)
        radii: dict[str, float] = {}
        times, diameters, absent = [], [], set(self.mobile)
        for index, atoms in enumerate(frames):
            if not np.all(np.isfinite(atoms.positions)):  # a mobile ion's NaN too: the frame is broken, not just its Li
                raise InputError(f"frame {index} of {name} has non-finite positions")
            symbols = np.array(atoms.get_chemical_symbols())
            absent -= set(symbols)
            framework = atoms[~np.isin(symbols, self.mobile)]
            radii.update(self.radii_for(set(framework.get_chemical_symbols()) - set(radii)))
            diameters.append(free_spheres(framework, radii, self.accuracy))
            times.append(atoms.info.get("time_fs", np.nan))
            if progress is not None:
                progress(1)
        if not diameters:
            raise InputError(f"{name} holds no frame")
        notes += [f"no {element} in any frame: nothing of it was removed" for element in sorted(absent)]
        closed = sum(d.free_A <= 0 for d in diameters)
        if closed:
            notes.append(f"no sphere percolates in {closed} of {len(diameters)} frames (d1 = 0 there; d2 is averaged over "
                         "the frames with a channel)")
        series = PathwaySeries(time_fs=np.asarray(times, dtype=float), included_A=np.array([d.included_A for d in diameters]),
                               free_A=np.array([d.free_A for d in diameters]),
                               included_along_free_A=np.array([d.included_along_free_A for d in diameters]))
        inputs = {"source": name, "mobile": list(self.mobile), "radii_A": dict(self.radii_A), "every": self.every,
                  "accuracy": self.accuracy}
        return PathwayResult.from_series(series, mobile=tuple(self.mobile), radii_A=radii or {}, accuracy=self.accuracy,
                                         source=name, warnings=tuple(notes), inputs=inputs)

    def _frames(self, source) -> tuple[Iterable[Atoms], str, list[str]]:
        if isinstance(source, Atoms):
            return [source], "structure", []
        if not isinstance(source, (str, Path)):
            return list(source), "structures", []
        from ase.io import iread

        from sselab.analysis.trajectory import XYZ_SUFFIXES, xyz_frames_to_read

        path = Path(source)
        if not path.is_file():
            raise InputError(f"trajectory {path} does not exist" if not path.exists() else f"trajectory {path} is not a file")
        index, notes = f"::{self.every}", []
        if path.suffix.lower() in XYZ_SUFFIXES:
            index, notes = xyz_frames_to_read(path, self.every)
        try:
            frames = list(iread(str(path), index=index))
        except Exception as error:  # ASE's readers raise many kinds (ValueError, XYZError, UnicodeDecodeError, ...)
            reason = " ".join(str(error).split())[:160] or "no detail"
            raise InputError(f"cannot read {path} ({type(error).__name__}: {reason})") from None
        return frames, str(path), notes
