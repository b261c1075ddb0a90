"""Seed 003's amorphization: melt a slab around a grain boundary (or the whole cell) and quench it in LAMMPS.

Seed 003 §4.2: "the selected region was first heated to 3000 K, melted for 50 ps, and then slowly cooled to room
temperature"; "for the amorphous model, we heat up the entire material". No cooling rate is printed.

:class:`MeltQuench` runs two stages of :func:`~sselab.atomistic.md.lammps.run_lammps_md` with a
:class:`~sselab.atomistic.md.annealing.RegionAnneal`:

1. melt: the region at ``melt_temperature_K`` for ``melt_ps``, the rest held, the cell fixed; a whole-cell melt
   relaxes all three axes (Berendsen). ``normal_barostat`` relaxes the stress normal to the slab instead (only the
   region's atoms rescaled), but that stress includes the held atoms' frozen virial, which no melt can relax: measured
   on an unrelaxed (110) Zr bicrystal of 720 atoms with ``llzo_fit``, σ_zz = −15 GPa at the start drove the cell from
   36.7 Å to 72 Å in 20 ps. Use it only on a cell equilibrated at the final temperature;
2. quench: the thermostat ramped linearly from the melt to ``final_temperature_K`` at ``quench_rate_K_per_ps``.
   The quench starts from the melt's last frame with new Maxwell–Boltzmann velocities at the melt temperature (the
   stored frames hold positions only; a redraw at the same temperature is one thermostat kick).

The region is a slab of ``width_A`` around ``center_A`` along ``axis`` in the input cell; ``lateral_range_A`` = (lo, hi)
along ``lateral_axis`` keeps only the slab's atoms with lo ≤ coordinate < hi (seed 003 Fig. 3a: the boundary melted on
one side of the cell only, the half-amorphous, half-interface crack model). Before the run the cell is
shifted along ``axis`` so that the slab straddles the cell's faces and the held crystal sits in its middle (a longer
cell then leaves the held crystal whole); the result is shifted back, so it lies in the input's frame.

Reported (:class:`AmorphizationResult`): the region's mass density before and after (its atoms over the cell area ×
the region's new width, the held slab keeping its thickness; in a fixed cell the held atoms and the cell fix the
band's volume, so its mean density cannot change and "after" is reported as null), the crystalline fraction of the region's Zr (or the
first ``order_species``) before and after and of the held part after (:func:`~sselab.analysis.structure.crystalline_fraction`),
the region's partial RDFs before and after, and the mean cation–O coordination before and after, with cut-offs at the
first minima of the quenched region's partial RDFs (thermal; the held atoms keep the input's positions, and a 0 K
lattice has split, zero-width shells whose gaps are not bond cut-offs: measured on the 720-atom (110) bicrystal, the
whole quenched cell's Li–O minimum fell at 2.03 Å between two held-lattice shells, the region's at 2.49 Å).
The species the analysis needs (``order_species`` in the region and in the held part, the cation of every
Li/La/Zr–O pair present in the region) are checked before any MD is run. The Berendsen barostat of
``normal_barostat`` rescales the region's coordinates about the cell's centre along ``axis`` (LAMMPS' ``dilate
partial``); a warning is issued when it is used on a slab.
Each stage resumes from its checkpoint; a finished stage is not run again.
"""

from __future__ import annotations

import csv
import json
import math
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms

from sselab.analysis.structure import BOND_PAIRS
from sselab.constants import AMU_PER_A3_TO_G_PER_CM3
from sselab.errors import InputError
from sselab.runs import RunDirectory
from sselab.validation import require_count, require_range

__all__ = ["AmorphizationResult", "MeltQuench"]

STAGES = ("melt", "quench")
START_FILE = "start.extxyz"
RESULT_FILE = "amorphized.extxyz"


@dataclass
class AmorphizationResult:
    """The quenched cell, the region's structure before and after, and the run record."""

    atoms: Atoms = field(repr=False)
    summary: dict[str, Any]
    rdfs: dict[str, dict[str, np.ndarray]] = field(repr=False)
    folder: Path

    def to_dict(self) -> dict[str, Any]:
        return dict(self.summary)

    def write(self, run: RunDirectory) -> RunDirectory:
        target = run.path / "rdf.csv"
        with target.open("w", newline="") as handle:
            out = csv.writer(handle)
            names = sorted(self.rdfs["after"])
            out.writerow(["r_A", *(f"g_{n}_{when}" for n in names for when in ("before", "after"))])
            r = self.rdfs["r_A"]["r"]
            for k in range(r.size):
                out.writerow([repr(float(r[k])), *(repr(float(self.rdfs[when][n][k])) for n in names for when in ("before", "after"))])
        run.files.append(target.name)
        from sselab.plots.fracture import plot_amorphization

        run.save_figure("amorphization", plot_amorphization(self.rdfs, [self.folder / f"{s}.csv" for s in STAGES])[0].figure)
        run.finish(self.to_dict())
        return run


@dataclass(frozen=True)
class MeltQuench:
    """Melt a slab (``center_A``, ``width_A`` along ``axis``; both None: the whole cell) and quench it (module docstring)."""

    melt_temperature_K: float = 3000.0
    melt_ps: float = 50.0
    final_temperature_K: float = 300.0
    quench_rate_K_per_ps: float = 10.0
    center_A: float | None = None
    width_A: float | None = None
    axis: str = "z"
    timestep_fs: float = 1.0
    frame_ps: float = 1.0
    seed: int = 1
    order_species: tuple[str, ...] = ("Zr",)
    normal_barostat: bool = False
    lateral_axis: str = "y"
    lateral_range_A: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        require_range(self.final_temperature_K, "final temperature", low=0.0, low_inclusive=False, unit="K")
        if not self.melt_temperature_K > self.final_temperature_K:
            raise InputError(f"the melt temperature ({self.melt_temperature_K:g} K) must exceed the final temperature "
                             f"({self.final_temperature_K:g} K)")
        require_range(self.melt_ps, "melt time", low=0.0, low_inclusive=False, unit="ps")
        require_range(self.quench_rate_K_per_ps, "quench rate", low=0.0, low_inclusive=False, unit="K/ps")
        require_range(self.frame_ps, "time between frames", low=0.0, low_inclusive=False, unit="ps")
        require_count(self.seed, "seed")
        if self.axis not in ("x", "y", "z"):
            raise InputError(f"axis must be x, y or z, got {self.axis!r}")
        if (self.center_A is None) != (self.width_A is None):
            raise InputError("a region takes both its centre and its width (or neither, for the whole cell)")
        if self.lateral_range_A is not None:
            if self.center_A is None:
                raise InputError("a lateral range restricts a slab: give the slab's centre and width too")
            if self.lateral_axis not in ("x", "y", "z") or self.lateral_axis == self.axis:
                raise InputError(f"the lateral axis must be x, y or z and differ from the slab's normal {self.axis}, "
                                 f"got {self.lateral_axis!r}")
            try:
                low, high = (float(v) for v in self.lateral_range_A)
            except (TypeError, ValueError):
                raise InputError(f"a lateral range is (lo, hi) in Å, got {self.lateral_range_A!r}") from None
            if not (math.isfinite(low) and math.isfinite(high) and low < high):
                raise InputError(f"a lateral range needs finite lo < hi, got {self.lateral_range_A!r}")
            object.__setattr__(self, "lateral_range_A", (low, high))

    @property
    def quench_ps(self) -> float:
        return (self.melt_temperature_K - self.final_temperature_K) / self.quench_rate_K_per_ps

    def stage_settings(self, stage: str):
        from sselab.atomistic.md.ase_md import MDSettings

        dump_every = max(1, round(self.frame_ps * 1000.0 / self.timestep_fs))
        duration = self.melt_ps if stage == "melt" else self.quench_ps
        frames = max(1, math.ceil(duration * 1000.0 / self.timestep_fs / dump_every - 1e-9))
        return MDSettings(temperature_K=self.melt_temperature_K, timestep_fs=self.timestep_fs, steps=frames * dump_every,
                          dump_every=dump_every, ensemble="nvt", seed=self.seed + STAGES.index(stage), equilibration_steps=0)

    def region(self, atoms: Atoms) -> tuple[np.ndarray, float]:
        """Mask of the region's atoms and the shift (Å along ``axis``) that centres the held part in the cell."""
        from sselab.analysis.structure import slab_members

        if self.center_A is None:
            return np.ones(len(atoms), dtype=bool), 0.0
        k = "xyz".index(self.axis)
        length = float(atoms.cell.array[k, k]) if np.allclose(atoms.cell.array - np.diag(np.diag(atoms.cell.array)), 0.0) else None
        if length is None:
            raise InputError("a slab region needs an orthogonal cell (cell vectors along x, y, z)")
        if not 0.0 <= self.center_A < length:
            raise InputError(f"the region's centre {self.center_A:g} Å lies outside the cell (0 to {length:.2f} Å along {self.axis})")
        if not 0.0 < self.width_A < length:
            raise InputError(f"the region's width must lie between 0 and the cell length {length:.2f} Å, got {self.width_A:g} Å")
        members = slab_members(atoms, self.axis, self.center_A, self.width_A)
        if self.lateral_range_A is not None:
            j = "xyz".index(self.lateral_axis)
            side = float(atoms.cell.array[j, j])
            if not 0.0 <= self.lateral_range_A[0] < self.lateral_range_A[1] <= side:
                raise InputError(f"the lateral range {self.lateral_range_A[0]:g}:{self.lateral_range_A[1]:g} Å must lie within the "
                                 f"cell (0 to {side:.2f} Å along {self.lateral_axis})")
            coordinate = np.mod(atoms.positions[:, j], side)
            members &= (coordinate >= self.lateral_range_A[0]) & (coordinate < self.lateral_range_A[1])
        if members.all() or not members.any():
            raise InputError("the region must hold some but not all atoms")
        return members, -self.center_A

    def check_analysable(self, atoms: Atoms, members: np.ndarray) -> None:
        """Refuse, before any MD, a cell whose region lacks the species the analysis reads (module docstring)."""
        names = np.asarray(atoms.get_chemical_symbols())
        ordered = np.isin(names, self.order_species)
        parts = [("region", members)] + ([("held part", ~members)] if not members.all() else [])
        for part, mask in parts:
            if not np.any(ordered & mask):
                raise InputError(f"no {', '.join(self.order_species)} atoms in the {part}: the crystalline fraction needs "
                                 f"them in both (the cell holds {atoms.get_chemical_formula()})")
        for cation, anion in BOND_PAIRS:
            if anion in names and cation in names and not np.any((names == cation) & members):
                raise InputError(f"no {cation} atoms in the region: widen it or move its centre")

    def run(self, structure: str | Path | Atoms, forcefield: str | Path, out: str | Path, *, resume: bool = False,
            progress=None) -> AmorphizationResult:
        """Run (or resume) both stages in ``out`` and analyse the region."""
        from ase.io import read, write

        from sselab.atomistic.md.annealing import RegionAnneal
        from sselab.atomistic.md.ase_md import extxyz_frames
        from sselab.atomistic.md.lammps import run_lammps_md
        from sselab.studies.md import build_md_system, md_engine

        atoms, system = build_md_system(structure, seed=self.seed)
        members, shift = self.region(atoms)
        self.check_analysable(atoms, members)
        if self.normal_barostat and self.center_A is not None:
            warnings.warn("the normal barostat reads the whole cell's stress, held atoms included: use it only on a cell "
                          "equilibrated at the final temperature (see sselab.studies.amorphization)", stacklevel=2)
        k = "xyz".index(self.axis)
        start = _shifted(atoms, k, shift)
        model, engine_record, identity = md_engine(None, forcefield, "cpu", atoms.get_chemical_symbols())
        folder = Path(out)
        settings_record = asdict(self)
        run = RunDirectory.open(folder, "gb amorphize", {"settings": settings_record}, resume=resume)
        defining = json.loads(json.dumps({"settings": settings_record, "system": system, "engine": identity}, default=str))
        record_path = folder / "point.json"
        if resume and record_path.is_file():
            if _as_it_ran(json.loads(record_path.read_text())) != defining:
                raise InputError(f"{folder} holds an amorphization with other settings, cell or model: --resume continues only "
                                 "the same run (pass --overwrite to start again)")
        elif (folder / "melt.extxyz").exists() and not resume:
            raise InputError(f"{folder} already holds an amorphization: pass --resume to continue it or choose another --out")
        else:
            for stage in STAGES:
                for suffix in (".extxyz", ".csv", ".restart"):
                    (folder / f"{stage}{suffix}").unlink(missing_ok=True)
            record_path.write_text(json.dumps(defining, indent=1))
            write(folder / START_FILE, atoms, format="extxyz")
        pressure_axis = "iso" if self.center_A is None else (self.axis if self.normal_barostat else None)
        total = sum(self.stage_settings(s).steps for s in STAGES)
        done_before = 0
        current = start
        for stage in STAGES:
            settings = self.stage_settings(stage)
            trajectory, thermo, checkpoint = (folder / f"{stage}{suffix}" for suffix in (".extxyz", ".csv", ".restart"))
            complete = trajectory.is_file() and len(extxyz_frames(trajectory)) == settings.steps // settings.dump_every + 1
            if not complete:
                final = self.melt_temperature_K if stage == "melt" else self.final_temperature_K
                restart = checkpoint if resume and checkpoint.is_file() and trajectory.is_file() else None
                if restart is None:
                    for path in (trajectory, thermo):
                        path.unlink(missing_ok=True)

                def report(done: int, _total: int, offset: int = done_before) -> None:
                    if progress is not None:
                        progress(offset + done, total)

                run_lammps_md(current, model, settings, trajectory, thermo, restart_path=restart, checkpoint_path=checkpoint,
                              anneal=RegionAnneal(tuple(int(i) for i in np.flatnonzero(members)), final, pressure_axis),
                              progress=report)
            last = read(trajectory, index=-1)
            current = Atoms(current.get_chemical_symbols(), positions=last.positions, cell=last.cell, pbc=True)
            current.wrap()
            done_before += settings.steps
        result_atoms = _shifted(current, k, -shift)
        write(folder / RESULT_FILE, result_atoms, format="extxyz")
        summary = self._analyse(atoms, result_atoms, members, k)
        summary.update({"settings": settings_record, "system": system, "engine": engine_record, "quench_ps": self.quench_ps,
                        "structure_file": str(folder / RESULT_FILE)})
        rdfs = summary.pop("_rdfs")
        result = AmorphizationResult(atoms=result_atoms, summary=summary, rdfs=rdfs, folder=folder)
        result.write(run)
        return result

    def _analyse(self, before: Atoms, after: Atoms, members: np.ndarray, k: int) -> dict[str, Any]:
        from sselab.analysis.structure import count_bonds, crystalline_fraction, partial_rdf

        area = abs(np.linalg.det(before.cell.array)) / before.cell.array[k, k]
        if self.lateral_range_A is not None:  # the region spans only lo <= x_j < hi of the cross-section
            j = "xyz".index(self.lateral_axis)
            area *= (self.lateral_range_A[1] - self.lateral_range_A[0]) / float(before.cell.array[j, j])
        mass = float(before.get_masses()[members].sum())
        width0 = float(self.width_A) if self.center_A is not None else float(before.cell.array[k, k])
        width1 = width0 + float(after.cell.array[k, k] - before.cell.array[k, k])
        to_g_cm3 = AMU_PER_A3_TO_G_PER_CM3
        if self.center_A is None:  # iso: the whole cell
            density = {"before": mass / before.get_volume() * to_g_cm3, "after": mass / after.get_volume() * to_g_cm3}
        elif self.normal_barostat:
            density = {"before": mass / (area * width0) * to_g_cm3, "after": mass / (area * width1) * to_g_cm3}
        else:  # the fixed cell and the held atoms fix the band's volume: no density change to measure
            density = {"before": mass / (area * width0) * to_g_cm3, "after": None}
        r_max = min(6.0, 0.49 * float(min(np.diag(before.cell.array))), 0.49 * float(min(np.diag(after.cell.array))))
        present = [p for p in BOND_PAIRS if all(s in before.get_chemical_symbols() for s in p)]
        rdfs: dict[str, dict[str, np.ndarray]] = {"before": {}, "after": {}, "r_A": {}}
        cutoffs, coordination = {}, {}
        for pair in present:
            name = f"{pair[0]}-{pair[1]}"
            for when, atoms in (("before", before), ("after", after)):
                rdf = partial_rdf(atoms, pair, r_max_A=r_max, members=members)
                rdfs[when][name] = rdf.g
                rdfs["r_A"]["r"] = rdf.r_A
            cutoffs[pair] = partial_rdf(after, pair, r_max_A=r_max, members=members).first_minimum_A()
        centres = {pair: int(np.sum(members & (np.asarray(before.get_chemical_symbols()) == pair[0]))) for pair in present}
        for when, atoms in (("before", before), ("after", after)):
            counts = count_bonds(atoms, cutoffs, members)
            coordination[when] = {f"{a}-{b}": counts[(a, b)] / centres[(a, b)] for a, b in present}
        order = {
            "region_before": crystalline_fraction(before, self.order_species, members=members),
            "region_after": crystalline_fraction(after, self.order_species, members=members),
        }
        if not members.all():
            order["held_after"] = crystalline_fraction(after, self.order_species, members=~members)
        return {
            "region": {"axis": self.axis, "center_A": self.center_A, "width_A": width0, "width_after_A": width1,
                       "atoms": int(members.sum()), "lateral_axis": self.lateral_axis if self.lateral_range_A else None,
                       "lateral_range_A": list(self.lateral_range_A) if self.lateral_range_A else None},
            "density_g_per_cm3": density,
            "crystalline_fraction": order,
            "order_species": list(self.order_species),
            "coordination": coordination,
            "cutoffs_A": {f"{a}-{b}": v for (a, b), v in cutoffs.items()},
            "cell_A": after.cell.lengths().tolist(),
            "_rdfs": rdfs,
        }


#: the value each setting added after the first release of MeltQuench had in effect before it existed
SETTINGS_BEFORE_THEY_EXISTED: dict[str, Any] = {
    "normal_barostat": True,  # before it became a choice, a slab's stress normal to the band was relaxed
    "lateral_axis": "y",
    "lateral_range_A": None,  # the whole slab melted
}


def _as_it_ran(record: dict[str, Any]) -> dict[str, Any]:
    """A recorded run's settings completed with what the settings added since it was written did then
    (:data:`SETTINGS_BEFORE_THEY_EXISTED`, not today's defaults), so that such a run resumes only as it ran."""
    return {**record, "settings": {**SETTINGS_BEFORE_THEY_EXISTED, **record.get("settings", {})}}


def _shifted(atoms: Atoms, k: int, shift: float) -> Atoms:
    moved = atoms.copy()
    moved.positions[:, k] += shift
    moved.wrap()
    return moved
