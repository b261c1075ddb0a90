"""The machine-learned family: a POD potential (LAMMPS ML-POD) fitted to labelled configurations by ``fitpod``.

Model (energies in eV, r in Å; LAMMPS ``pair_style pod``, Nguyen & Rohskopf, J. Comput. Phys. 480, 112030 (2023))::

    E = sum_i [ c0(element_i) + sum_m c_m(element_i) D_m(i) ]

- D_m(i) are the proper-orthogonal-descriptors of atom i's neighbours within ``rcut``: two-body radial terms and
  three-body radial × angular terms per element pair (one-body: the constant c0, which puts the energies on the
  reference's scale);
- the radial basis is built from Bessel (degree 4) and inverse (degree 8) polynomials of r on [rin, rcut],
  compressed by a proper orthogonal decomposition to the requested number of functions;
- the coefficients c are linear, found by ``fitpod`` as regularised least squares over energies and force
  components (weights ``energy_weight`` and ``force_weight``). ``fitpod`` has no stress term and weighs every frame
  alike: with ``stress_weight`` > 0, or any frame weighted (its ``config_weight``), sselab assembles the same normal
  equations from LAMMPS' ``compute pod/global`` rows, adds stress rows and frame weights and solves them itself
  (:mod:`sselab.atomistic.fitting.pod_stress`).

A repulsive wall (``zbl_wall``, on by default): a POD has no repulsive core, and where it has seen no data it can pull
two atoms together until they fuse (a Li–Li pair of a 1200 K LLZO run went from 1.6 to 1.0 Å in 60 fs and LAMMPS lost
atoms). So the written potential overlays LAMMPS' ``zbl`` (the universal Ziegler–Biersack–Littmark screened nuclear
repulsion) on every element pair, one ``zbl`` instance per pair, each switched smoothly to zero between its own
r_inner = r_outer − ``zbl_width`` and r_outer = min(``zbl_fraction`` × that pair's shortest distance in the training
data, the distance where the pair's bare ZBL energy reaches ``zbl_cap_eV``). The first bound keeps it exactly zero at
every distance the data holds, so the fit is unchanged (no baseline is subtracted); the second keeps it out of
distances a simulation may reach without data, such as Ag–Ag or K–K contacts at 2.5–3 Å when the data holds those
ions only far apart (there the ZBL is a few tenths of an eV: physics, not a wall). A pair the data never brings
within 8 Å gets the cap's radius. Below r_inner the added forces are ZBL's own; the energy there carries LAMMPS'
constant switching shift. The wall adds repulsion; it does not make the sum repulsive where the POD extrapolates
into a stronger attraction.

What is written into ``folder`` (``NAME`` the model's name): ``NAME_training/training.xyz`` (the frames as fitpod
reads them), ``NAME_param.pod`` and ``NAME_data.pod`` (fitpod's inputs), ``NAME_fitpod.log``,
``NAME_coefficients.pod`` and fitpod's error tables, and ``NAME.toml``: a LAMMPS potential file
(:mod:`sselab.atomistic.engine.potentials`) that ``lammps:<folder>/NAME.toml`` evaluates.

LAMMPS gives type i the i-th element of the param file's ``species`` and does not match the element names of
``pair_coeff`` against it, so the potential file lists the elements in that order. An element of the data that
``species`` lacks crashes fitpod; the frames are checked first and fitpod runs in a child process, so that any
crash becomes an error message.
"""

from __future__ import annotations

import math
import re
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import util
from pathlib import Path
from types import MappingProxyType

import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.data import atomic_numbers, chemical_symbols

from sselab.atomistic.engine.potentials import lammps_potential
from sselab.atomistic.fitting.dataset import (
    check_training_set,
    config_type,
    dataset_sha256,
    frame_weight,
    shortest_pair_distances,
)
from sselab.atomistic.fitting.pod_stress import solve_pod_coefficients, write_pod_coefficients
from sselab.errors import ConvergenceError, InputError, SetupError
from sselab.progress import Progress, no_progress
from sselab.validation import require_count, require_range

__all__ = ["PodFit", "PodSettings", "fit_pod"]

#: polynomial degrees of the raw radial functions: 3 Bessel families × degree 4 + inverse degree 8 = 20 functions,
#: of which the proper orthogonal decomposition keeps the requested number
BESSEL_DEGREE = 4
INVERSE_DEGREE = 8
_RAW_RADIAL = 3 * BESSEL_DEGREE + INVERSE_DEGREE
#: LAMMPS' own bound on the three-body angular degree
MAX_ANGULAR_DEGREE = 12
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")
_TRAINING = "training.xyz"
#: the child process: fitpod PARAM DATA, LAMMPS' log to LOG
_FITPOD = """
import sys
from sselab.atomistic.engine.calculators import load_mpi_library
load_mpi_library()
from lammps import lammps
param, data, log = sys.argv[1:4]
lmp = lammps(cmdargs=["-log", log, "-screen", "none", "-nocite"])
lmp.command(f"fitpod {param} {data}")
lmp.close()
"""


@dataclass(frozen=True)
class PodSettings:
    """Settings of :func:`fit_pod` (lengths in Å).

    ``rcut``/``rin``: the outer cutoff and the inner radius; the radial functions are functions of r - rin, singular
    at r = rin, so keep ``rin`` well below the shortest distance the data or a simulation holds; ``two_body_radial``,
    ``three_body_radial``: the radial functions kept (at most 20, the raw functions), ``angular_degree``: the
    three-body angular degree (LAMMPS allows up to 12); ``energy_weight``/``force_weight``: the weights of the
    energy (per atom, eV) and force (eV/Å) residuals; ``stress_weight``: the weight of a stress residual in GPa (0:
    no stress rows, and ``fitpod`` solves; > 0: sselab solves, see the module docstring); ``regularization``: the
    ridge parameter (1e-10 overfits a small set badly);
    ``zbl_wall``, ``zbl_fraction``, ``zbl_width``, ``zbl_cap_eV``: the repulsive wall of the module docstring.
    """

    rcut: float = 5.0
    rin: float = 0.5
    two_body_radial: int = 6
    three_body_radial: int = 4
    angular_degree: int = 3
    energy_weight: float = 100.0
    force_weight: float = 1.0
    stress_weight: float = 0.0
    regularization: float = 1e-6
    zbl_wall: bool = True
    zbl_fraction: float = 0.9
    zbl_width: float = 0.5
    zbl_cap_eV: float = 2.0

    def __post_init__(self) -> None:
        require_range(self.rcut, "POD cutoff rcut", low=2.0, high=12.0, unit="A")
        require_range(self.rin, "POD inner radius rin", low=0.0, high=self.rcut - 1.0, unit="A")
        require_count(self.two_body_radial, "two-body radial functions", low=1, high=_RAW_RADIAL)
        require_count(self.three_body_radial, "three-body radial functions", low=1, high=_RAW_RADIAL)
        require_count(self.angular_degree, "three-body angular degree", low=0, high=MAX_ANGULAR_DEGREE)
        require_range(self.energy_weight, "energy weight", low=0.0, high=1e6)
        require_range(self.force_weight, "force weight", low=0.0, high=1e6)
        require_range(self.stress_weight, "stress weight", low=0.0, high=1e6, unit="1/GPa")
        if self.energy_weight == self.force_weight == 0:
            raise InputError("at least one of the energy and force weights must be positive")
        require_range(self.regularization, "regularization", low=0.0, high=1.0, low_inclusive=False)
        require_range(self.zbl_fraction, "ZBL wall fraction of the shortest distance", low=0.1, high=1.0)
        require_range(self.zbl_width, "ZBL switching width", low=0.05, high=2.0, unit="A")
        require_range(self.zbl_cap_eV, "ZBL wall energy cap", low=0.1, high=100.0, unit="eV")

    def zbl_radii(self, first: str, second: str, shortest_A: float) -> tuple[float, float]:
        """(r_inner, r_outer) of the wall of an element pair whose shortest distance in the data is ``shortest_A`` (Å;
        inf for a pair the data never brings within 8 Å): r_outer = min(``zbl_fraction`` × shortest, the distance at
        which the bare ZBL energy of the pair reaches ``zbl_cap_eV``)."""
        outer = min(self.zbl_fraction * shortest_A,
                    zbl_distance_at(atomic_numbers[first], atomic_numbers[second], self.zbl_cap_eV))
        return max(outer - self.zbl_width, 0.5 * outer), outer

    def zbl_walls(self, frames: Sequence[Atoms], elements: Sequence[str]) -> dict[tuple[str, str], tuple[float, float]]:
        """(r_inner, r_outer) per element pair (symbols in ``elements`` order) of the wall for ``frames``."""
        shortest = shortest_pair_distances(frames)
        walls = {}
        for i, first in enumerate(elements):
            for second in elements[i:]:
                key = (first, second) if first <= second else (second, first)
                walls[(first, second)] = self.zbl_radii(first, second, shortest.get(key, math.inf))
        return walls


#: e²/(4πε₀) in eV·Å
COULOMB_EV_A = 14.399645
#: the universal ZBL screening function φ(x) = Σ c_k exp(−d_k x) (Ziegler, Biersack & Littmark 1985)
ZBL_SCREENING = ((0.18175, 3.19980), (0.50986, 0.94229), (0.28022, 0.40290), (0.02817, 0.20162))


def zbl_energy(z1: int, z2: int, r_A: float) -> float:
    """The bare (unswitched) ZBL repulsion in eV of nuclei ``z1``, ``z2`` at ``r_A`` Å:
    E = e²/(4πε₀) z1 z2 / r · φ(r/a), a = 0.46850 Å / (z1^0.23 + z2^0.23)."""
    x = r_A * (z1**0.23 + z2**0.23) / 0.46850
    return COULOMB_EV_A * z1 * z2 / r_A * sum(c * math.exp(-d * x) for c, d in ZBL_SCREENING)


def zbl_distance_at(z1: int, z2: int, energy_eV: float) -> float:
    """The distance (Å) at which :func:`zbl_energy` equals ``energy_eV`` (it falls monotonically with r)."""
    from scipy.optimize import brentq

    return float(brentq(lambda r: zbl_energy(z1, z2, r) - energy_eV, 1e-3, 20.0, xtol=1e-9))


@dataclass(frozen=True)
class PodFit:
    """A fitted POD: its potential file (``lammps:<path>``), the elements in LAMMPS type order, the number of
    coefficients, the frames it was fitted to and fitpod's training RMSEs (``energy_rmse_meV_per_atom``,
    ``force_rmse_eV_per_A``; empty when fitpod's error table could not be read)."""

    path: Path
    elements: tuple[str, ...]
    coefficients: int
    frames: int
    errors: Mapping[str, float]


def fit_pod(frames: Sequence[Atoms], settings: PodSettings | None = None, *, elements: Sequence[str] | None = None,
            folder: str | Path, name: str, progress: Progress = no_progress) -> PodFit:
    """Fit a POD to labelled frames (energy and forces on each; stress where labelled) with LAMMPS' ``fitpod``, or
    with stress rows and frame weights by :func:`~sselab.atomistic.fitting.pod_stress.solve_pod_coefficients` when
    ``settings.stress_weight`` > 0 or a frame has a ``config_weight`` other than 1 (``progress(done, total)`` once per
    frame there); write ``NAME.toml`` and its files
    into ``folder`` (see the module docstring).

    ``elements`` is the LAMMPS type order of the potential (default: the species of the data by atomic number); every
    species of the data must be in it and every element of it in the data. Duplicate frames are dropped.
    """
    settings = settings or PodSettings()
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InputError(f"POD name {name!r}: use 1-64 letters, digits, '_', '.', '-' (it names files LAMMPS reads)")
    given = None if elements is None else _symbols(elements)
    unique = check_training_set(frames, given, what="POD training set")
    order = _type_order(unique, given)
    if util.find_spec("lammps") is None:
        raise SetupError("fitting a POD needs LAMMPS' Python module: pip install 'sselab[lammps]'")
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    data = _write_training(unique, target / f"{name}_training")
    (target / f"{name}_param.pod").write_text(_param_text(settings, order), encoding="utf-8")
    if _own_solver(settings, unique):
        solution = solve_pod_coefficients(
            unique, target / f"{name}_param.pod", order, settings.rcut, energy_weight=settings.energy_weight,
            force_weight=settings.force_weight, stress_weight=settings.stress_weight,
            regularization=settings.regularization, progress=progress)
        write_pod_coefficients(target / f"{name}_coefficients.pod", solution.coefficients)
        coefficients = solution.coefficients.size
        errors = {"energy_rmse_meV_per_atom": round(solution.energy_rmse_meV_per_atom, 9),
                  "force_rmse_eV_per_A": solution.force_rmse_eV_per_A, "stress_rmse_GPa": solution.stress_rmse_GPa}
    else:
        (target / f"{name}_data.pod").write_text(_data_text(settings, data.name, name), encoding="utf-8")
        coefficients = _run_fitpod(target, name)
        errors = _training_errors(target / f"{name}_training_errors.pod")
    walls = settings.zbl_walls(unique, order) if settings.zbl_wall else None
    path = target / f"{name}.toml"
    path.write_text(_potential_toml(name, order, settings, unique, errors, walls), encoding="utf-8")
    lammps_potential(str(path))  # the whitelist: what is returned loads as lammps:<path>
    return PodFit(path, order, coefficients, len(unique), MappingProxyType(errors))


def _own_solver(settings: PodSettings, frames: Sequence[Atoms]) -> bool:
    """True when fitpod cannot make the fit: stress rows asked for, or frames weighted unequally."""
    return settings.stress_weight > 0 or any(frame_weight(atoms) != 1.0 for atoms in frames)


def _symbols(elements: Sequence[str]) -> tuple[str, ...]:
    """``elements`` as a tuple of distinct element symbols."""
    order = tuple(elements)
    if not order or len(set(order)) != len(order) or any(symbol not in chemical_symbols[1:] for symbol in order):
        raise InputError(f"POD elements {list(order)}: give distinct element symbols (the LAMMPS type order)")
    return order


def _type_order(frames: Sequence[Atoms], elements: tuple[str, ...] | None) -> tuple[str, ...]:
    """The LAMMPS type order: ``elements``, each of which must occur in the data, or the data's species by atomic number."""
    present = {symbol for atoms in frames for symbol in atoms.get_chemical_symbols()}
    if elements is None:
        return tuple(sorted(present, key=lambda symbol: atomic_numbers[symbol]))
    unused = [symbol for symbol in elements if symbol not in present]
    if unused:
        raise InputError(f"POD elements {', '.join(unused)} occur in no frame; a POD is not fitted for an element it never sees")
    return elements


def _param_text(settings: PodSettings, elements: Sequence[str]) -> str:
    """fitpod's param file: the descriptors (species in LAMMPS type order, periodic cells, one- to three-body terms)."""
    lines = [f"species {' '.join(elements)}", "pbc 1 1 1", f"rin {float(settings.rin)!r}", f"rcut {float(settings.rcut)!r}",
             f"bessel_polynomial_degree {BESSEL_DEGREE}", f"inverse_polynomial_degree {INVERSE_DEGREE}", "onebody 1",
             f"twobody_number_radial_basis_functions {settings.two_body_radial}",
             f"threebody_number_radial_basis_functions {settings.three_body_radial}",
             f"threebody_angular_degree {settings.angular_degree}"]
    for body in ("four", "five", "six", "seven"):
        lines += [f"{body}body_number_radial_basis_functions 0", f"{body}body_angular_degree 0"]
    return "\n".join(lines) + "\n"


def _data_text(settings: PodSettings, training: str, basename: str) -> str:
    """fitpod's data file: every frame of folder ``training`` (relative to fitpod's working directory) in its order,
    no test set, outputs named ``basename``."""
    energy, force, ridge = (repr(float(x)) for x in (settings.energy_weight, settings.force_weight, settings.regularization))
    lines = ["file_format extxyz", "file_extension xyz", f'path_to_training_data_set "{training}"',
             f'path_to_test_data_set "{training}"', "fraction_training_data_set 1.0", "randomize_training_data_set 0",
             "fraction_test_data_set 1.0", "randomize_test_data_set 0", f"fitting_weight_energy {energy}",
             f"fitting_weight_force {force}", f"fitting_regularization_parameter {ridge}",
             "error_analysis_for_training_data_set 1", "error_analysis_for_test_data_set 0",
             f"basename_for_output_files {basename}", "precision_for_pod_coefficients 10"]
    return "\n".join(lines) + "\n"


def _write_training(frames: Sequence[Atoms], folder: Path) -> Path:
    """The frames as fitpod's extxyz reader takes them (it parses by position: species, positions, forces; energy in the
    header): new Atoms with only numbers, positions, cell and the energy and force labels."""
    from ase.io import write

    folder.mkdir(exist_ok=True)
    others = sorted(path.name for path in folder.glob("*xyz") if path.name != _TRAINING)
    if others:
        raise InputError(f"{folder} holds {', '.join(others)}; fitpod trains on every xyz file there: remove them")
    plain = []
    for atoms in frames:
        copy = Atoms(numbers=atoms.numbers, positions=atoms.positions, cell=atoms.cell, pbc=True)
        copy.calc = SinglePointCalculator(copy, energy=float(atoms.calc.results["energy"]),
                                          forces=np.asarray(atoms.calc.results["forces"], dtype=float))
        plain.append(copy)
    write(folder / _TRAINING, plain, format="extxyz")
    return folder


def _run_fitpod(folder: Path, name: str) -> int:
    """Run fitpod in a child process in ``folder``; the number of coefficients it wrote (checked finite)."""
    log = folder / f"{name}_fitpod.log"
    coefficients = folder / f"{name}_coefficients.pod"
    coefficients.unlink(missing_ok=True)
    done = subprocess.run([sys.executable, "-c", _FITPOD, f"{name}_param.pod", f"{name}_data.pod", log.name],
                          cwd=folder, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not coefficients.is_file():
        code = done.returncode
        how = f"crashed (signal {-code}: {signal.strsignal(-code)})" if code < 0 else f"failed (exit status {code})"
        raise SetupError(f"LAMMPS fitpod {how}: {_cause(log, done.stderr)} (log: {log})")
    words = coefficients.read_text(encoding="utf-8").split()
    try:
        count, values = int(words[1]), np.array(words[4:], dtype=float)
    except (IndexError, ValueError):
        count, values = -1, np.zeros(0)
    if values.size != count:
        raise SetupError(f"LAMMPS fitpod wrote an unreadable coefficient file {coefficients}")
    if not np.isfinite(values).all():
        raise ConvergenceError(f"LAMMPS fitpod gave non-finite POD coefficients ({coefficients}); "
                               "raise the regularization or add frames")
    return count


def _cause(log: Path, stderr: str) -> str:
    """The LAMMPS error line of a failed run (its log, then its stderr), else the last line either holds."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
    lines = [line.strip() for line in (text + "\n" + stderr).splitlines() if line.strip()]
    failures = [line for line in lines if "ERROR" in line]
    if failures:
        return failures[-1][:300]
    return f"no error message; last output {lines[-1][:200]!r}" if lines else "no output"


def _training_errors(path: Path) -> dict[str, float]:
    """fitpod's training RMSEs from the "All files" row of its error table (energy per atom in eV, force components in
    eV/Å), as meV/atom and eV/Å; empty when the table is missing or unreadable."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    for line in text.splitlines():
        words = line.split()
        if words[:2] == ["All", "files"] and len(words) == 8:
            try:
                energy, force = float(words[5]), float(words[7])
            except ValueError:
                return {}
            return {"energy_rmse_meV_per_atom": round(1000.0 * energy, 9), "force_rmse_eV_per_A": force}
    return {}


def _pair_lines(name: str, elements: Sequence[str],
                walls: Mapping[tuple[str, str], tuple[float, float]] | None) -> tuple[str, list[str]]:
    """``pair_style`` and ``pair_coeff`` lines: the POD alone, or overlaid with one ZBL wall per element pair (LAMMPS
    numbers repeated sub-styles: ``pair_coeff I J zbl K Zi Zj`` for the K-th, when there are several)."""
    pod = f"{name}_param.pod {name}_coefficients.pod {' '.join(elements)}"
    if walls is None:
        return "pod", [f"pair_coeff * * {pod}"]
    styles, lines = ["hybrid/overlay", "pod"], [f"pair_coeff * * pod {pod}"]
    for k, ((first, second), (inner, outer)) in enumerate(walls.items(), 1):
        i, j = elements.index(first) + 1, elements.index(second) + 1
        styles += ["zbl", f"{inner:.6g}", f"{outer:.6g}"]
        instance = f" {k}" if len(walls) > 1 else ""
        lines.append(f"pair_coeff {min(i, j)} {max(i, j)} zbl{instance} {atomic_numbers[first]} {atomic_numbers[second]}")
    return " ".join(styles), lines


def _potential_toml(name: str, elements: Sequence[str], settings: PodSettings, frames: Sequence[Atoms],
                    errors: Mapping[str, float], walls: Mapping[tuple[str, str], tuple[float, float]] | None) -> str:
    """The LAMMPS potential file of the fitted POD: files by relative path, elements in the param file's order."""
    import tomli_w

    kinds = Counter(config_type(atoms) for atoms in frames)
    fitted = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
    own = _own_solver(settings, frames)
    solver = "sselab's least squares" if own else "fitpod"
    weights = Counter(frame_weight(atoms) for atoms in frames if frame_weight(atoms) != 1.0)
    parts = (["stress rows"] if settings.stress_weight > 0 else []) + (["frame weights"] if weights else [])
    coefficients_by = f"sselab with {' and '.join(parts)}" if own else "fitpod"
    trained = (f"; {solver} training RMSE {errors['energy_rmse_meV_per_atom']:.3g} meV/atom, "
               f"{errors['force_rmse_eV_per_A']:.3g} eV/A" if errors else "")
    if "stress_rmse_GPa" in errors and math.isfinite(errors["stress_rmse_GPa"]):
        trained += f", {errors['stress_rmse_GPa']:.3g} GPa"
    labels = (f"energies, forces and stresses (stress weight {settings.stress_weight:g} per GPa)"
              if settings.stress_weight > 0 else "energies and forces, no stress")
    if weights:
        labels += "; frame weights " + ", ".join(f"x{weight:g} on {count} frames" for weight, count in sorted(weights.items()))
    note = (f"fitted to {len(frames)} frames ({sum(len(a) for a in frames)} atoms; {fitted}; {labels}; "
            f"data sha256 {dataset_sha256(frames)[:16]}) with rcut {settings.rcut:g} A, rin {settings.rin:g} A, "
            f"{settings.two_body_radial} two-body and {settings.three_body_radial} three-body radial functions, "
            f"angular degree {settings.angular_degree}, Bessel/inverse degrees {BESSEL_DEGREE}/{INVERSE_DEGREE}, "
            f"weights energy {settings.energy_weight:g} force {settings.force_weight:g}, "
            f"regularization {settings.regularization:g}{trained}"
            + (f"; a ZBL wall on every element pair, switched off at the smaller of {settings.zbl_fraction:g} x that pair's "
               f"shortest distance in the data and the distance where its ZBL energy is {settings.zbl_cap_eV:g} eV "
               f"(outer radii {min(o for _, o in walls.values()):.3g}-{max(o for _, o in walls.values()):.3g} A)"
               if walls else "; no repulsive wall")
            + ". Valid only near the configurations it was fitted to.")
    pair_style, pair_coeff = _pair_lines(name, elements, walls)
    table = {
        "elements": list(elements),
        "pair_style": pair_style,
        "pair_coeff": pair_coeff,
        "source": (f"POD (LAMMPS ML-POD; coefficients by {coefficients_by}) "
                   f"fitted by sselab to the labelled frames {name}_training/{_TRAINING}"),
        "note": note,
    }
    return f"# {name}: a POD potential fitted by sselab.atomistic.fitting.pod.fit_pod\n" + tomli_w.dumps(table)
