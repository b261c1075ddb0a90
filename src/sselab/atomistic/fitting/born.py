"""The physical family: a rigid-ion Born model fitted to labelled configurations (seed 000's way).

Model (energies in eV, r in Å; a LAMMPS ``born/coul/long`` force field, see :mod:`sselab.atomistic.md.forcefields`)::

    E = s² E_Coulomb(formal charges) + sum_{pairs p} sum_{r_ij of p} [V_p(r_ij) - V_p(r_c)] + sum_i E0(element_i)
    V_p(r) = A_p exp(-r/rho_p) - C_p/r^6 + D_p/r^8     (r < r_c, the short-range cutoff; shifted to 0 there)

- charges are q_i = s × formal charge (one scale s for every ion): any composition that is neutral with
  formal charges stays neutral with the fitted ones, exchange ions and dopants included;
- a short-range term for every pair that holds an anion (cation-anion and anion-anion; cation-cation pairs
  are held apart by their Coulomb repulsion);
- E0 per element puts the classical energy on the reference's scale (it changes no force).

Fit (variable projection). For fixed decay lengths rho_p every other parameter enters linearly, so the
inner problem is bounded linear least squares (:func:`scipy.optimize.lsq_linear`) over
[E0..., s², A_p..., C_p..., D'_p...] with s² in ``charge_scale_bounds``², A, C ≥ 0 and D' ≥ D'_floor; the
outer problem minimises its residual over ln rho_p with L-BFGS-B (:func:`scipy.optimize.minimize`). The
residual stacks energies per atom, force components and stress components (frames that carry one), each
block divided by its gate (10 meV/atom, 0.25 eV/Å, 0.5 GPa) and by the square root of its size, times the
user's weight: a weight of 1 for each asks for the same fraction of every gate. A frame's ``config_weight`` (default 1)
multiplies its squared residuals on top.

Repulsive core. Each pair must be repulsive below r_c = ``core_fraction`` × its shortest distance in the
data, whatever its charges and C: d/dr of D/r^8 outweighs the attractive Coulomb and -C/r^6 terms there when
8 D ≥ k|q_a q_b| r_c^7 (attractive pairs) + 6 C r_c². Both sides scale as r^-9 against r^-2 and r^-7, so the
inequality at r_c holds at every shorter distance (the A term is repulsive and only helps). It is imposed
exactly at every solve by writing D = D' + (6 r_c²/8) C and bounding D' ≥ k|q_a q_b| r_c^7 / 8 with the
charges at the largest allowed scale (max(1, s_max²) × formal): the C column becomes C_col + (6 r_c²/8) D_col.

Reference energies. The E0 are fixed only within the span of the training compositions: with one composition
(or compositions in fixed ratios, such as La:Zr:O in LLZO) only their weighted sum is determined and the
solver returns the minimum-norm split. Energy differences between compositions the data spans (Li ↔ Na
exchange in LLZO) are meaningful; formation energies against other phases are not.

The Coulomb term of each frame is evaluated once, by LAMMPS with formal charges (the same k-space code the
MD and ``ff:NAME`` use); the short-range columns are sums over ASE neighbour lists. A test fits data made
by a known model and recovers its parameters.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from ase import Atoms

from sselab.atomistic.fitting.dataset import frame_weight, has_stress
from sselab.atomistic.md.forcefields import BuckinghamPair, ForceField, IonSpecies, parse_kspace
from sselab.constants import FORMAL_CHARGES
from sselab.errors import ConvergenceError, InputError
from sselab.validation import require_range

__all__ = ["GATES", "BornFit", "BornFitSettings", "FitWeights", "fit_born", "fitted_pairs", "formal_charge_of", "provenance"]

#: the validation gates of a fitted set, which also scale the fit's residual blocks
GATES = MappingProxyType({"energy_meV_per_atom": 10.0, "force_eV_per_A": 0.25, "stress_GPa": 0.5})
_EV_PER_A3_IN_GPA = 160.21766208
#: e² / (4 pi eps0) in eV·Å
_COULOMB_EV_A = 14.399645
#: A columns kept per pair (the current rho and its finite-difference neighbours)
_CACHED_COLUMNS = 4


@dataclass(frozen=True)
class FitWeights:
    """Relative weights of the energy, force and stress blocks of the residual (each block is scaled by its gate)."""

    energy: float = 1.0
    forces: float = 1.0
    stress: float = 1.0

    def __post_init__(self) -> None:
        for name in ("energy", "forces", "stress"):
            require_range(getattr(self, name), f"{name} weight", low=0.0, high=1e6)
        if self.energy == 0:
            raise InputError("the energy weight must be positive: the reference energies E0 are fitted to energies alone")


@dataclass(frozen=True)
class BornFitSettings:
    """Settings of :func:`fit_born` (lengths in Å)."""

    cutoff_A: float = 10.0
    short_range_cutoff_A: float = 7.0
    kspace: str = "pppm 1e-5"
    weights: FitWeights = field(default_factory=FitWeights)
    charge_scale_bounds: tuple[float, float] = (0.3, 1.0)
    rho_bounds_A: tuple[float, float] = (0.1, 0.5)
    core_fraction: float = 0.8
    max_iterations: int = 60
    cation_pairs: bool = False  # short-range terms between cations too (those the data holds)

    def __post_init__(self) -> None:
        require_range(self.cutoff_A, "cutoff", low=4.0, high=30.0, unit="A")
        require_range(self.short_range_cutoff_A, "short-range cutoff", low=3.0, high=self.cutoff_A, unit="A")
        low, high = self.charge_scale_bounds
        require_range(low, "lowest charge scale", low=0.05, high=1.0)
        require_range(high, "highest charge scale", low=low, high=1.5)
        low, high = self.rho_bounds_A
        require_range(low, "lowest rho", low=0.02, high=1.0, unit="A")
        require_range(high, "highest rho", low=low, high=1.0, unit="A")
        require_range(self.core_fraction, "core fraction", low=0.3, high=1.0)
        object.__setattr__(self, "kspace", parse_kspace(self.kspace))  # one spelling, so that a written set reads back equal


@dataclass(frozen=True)
class BornFit:
    """A fitted set and how it was reached.

    ``errors`` holds the training RMSEs of the linear model (meV/atom, eV/Å, GPa); ``shortest_A`` the
    shortest distance of each pair in the data and ``core_radius_A`` the radius below which it is repulsive.
    """

    forcefield: ForceField
    charge_scale: float
    errors: Mapping[str, float]
    shortest_A: Mapping[str, float]
    core_radius_A: Mapping[str, float]
    evaluations: int
    converged: bool


def formal_charge_of(symbol: str) -> float:
    """The formal charge (e) of an element, or InputError naming the element."""
    if symbol not in FORMAL_CHARGES:
        raise InputError(f"no formal charge known for {symbol}; the Born fit scales formal charges "
                         f"({', '.join(sorted(FORMAL_CHARGES))})")
    return float(FORMAL_CHARGES[symbol])


def fitted_pairs(elements: Sequence[str], cation_pairs: bool = False) -> list[tuple[str, str]]:
    """The pairs that get a short-range term: every unordered pair holding an anion (formal charge < 0), and with
    ``cation_pairs`` the cation-cation pairs too."""
    ordered = sorted(elements)
    return [(a, b) for i, a in enumerate(ordered) for b in ordered[i:]
            if cation_pairs or formal_charge_of(a) < 0 or formal_charge_of(b) < 0]


@dataclass(frozen=True)
class _Neighbours:
    """All short-range pairs of all frames (full lists: each unordered pair twice)."""

    frame: np.ndarray  # frame index of each pair
    kind: np.ndarray  # fitted-pair index of each pair
    atom: np.ndarray  # global index (over all frames) of the first atom
    r: np.ndarray
    unit: np.ndarray  # (n, 3) unit vector from the first to the second atom
    n_atoms: int
    volumes: np.ndarray
    cutoff: float


def _neighbours(frames: Sequence[Atoms], pairs: list[tuple[str, str]], cutoff: float) -> _Neighbours:
    from ase.neighborlist import neighbor_list

    index = {pair: k for k, pair in enumerate(pairs)}
    parts: dict[str, list[np.ndarray]] = {"frame": [], "kind": [], "atom": [], "r": [], "unit": []}
    offset = 0
    for f, atoms in enumerate(frames):
        i, j, d, vectors = neighbor_list("ijdD", atoms, cutoff)
        symbols = np.asarray(atoms.get_chemical_symbols())
        kinds = np.array([index.get(tuple(sorted((a, b))), -1) for a, b in zip(symbols[i], symbols[j])], dtype=int)
        keep = kinds >= 0
        parts["frame"].append(np.full(int(keep.sum()), f))
        parts["kind"].append(kinds[keep])
        parts["atom"].append(i[keep] + offset)
        parts["r"].append(d[keep])
        parts["unit"].append(vectors[keep] / d[keep, None])
        offset += len(atoms)
    joined = {k: np.concatenate(v) if v else np.zeros(0) for k, v in parts.items()}
    return _Neighbours(joined["frame"].astype(int), joined["kind"].astype(int), joined["atom"].astype(int), joined["r"],
                       joined["unit"].reshape(-1, 3), offset, np.array([a.get_volume() for a in frames]), cutoff)


def _radial_columns(nb: _Neighbours, n_frames: int, n_kinds: int, value: np.ndarray, derivative: np.ndarray):
    """Energy (frames, K), force (atoms, 3, K) and stress (frames, 6, K) columns of sum_p f(r) for each pair kind.

    Full neighbour lists: E = ½ Σ (f(r) - f(r_c)) (shifted to zero at the cutoff, as LAMMPS' ``pair_modify shift yes``);
    F_i = Σ_j f'(r) u_ij (u from i to j); σ_ab = ½/V Σ f'(r) r u_a u_b. ``value`` holds f(r) followed by f(r_c) per pair.
    """
    value, at_cutoff = value[: len(nb.r)], value[len(nb.r):]
    energy = 0.5 * np.bincount(nb.frame * n_kinds + nb.kind, weights=value - at_cutoff,
                               minlength=n_frames * n_kinds).reshape(n_frames, n_kinds)
    forces = np.empty((nb.n_atoms, 3, n_kinds))
    for c in range(3):
        forces[:, c, :] = np.bincount(nb.atom * n_kinds + nb.kind, weights=derivative * nb.unit[:, c],
                                      minlength=nb.n_atoms * n_kinds).reshape(nb.n_atoms, n_kinds)
    stress = np.empty((n_frames, 6, n_kinds))
    for c, (a, b) in enumerate(((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))):
        weights = 0.5 * derivative * nb.r * nb.unit[:, a] * nb.unit[:, b]
        stress[:, c, :] = np.bincount(nb.frame * n_kinds + nb.kind, weights=weights,
                                      minlength=n_frames * n_kinds).reshape(n_frames, n_kinds)
    stress /= nb.volumes[:, None, None]
    return energy, forces, stress


@dataclass
class _Problem:
    """The stacked, scaled linear least-squares problem; the A columns are refreshed for each set of rho."""

    frames: Sequence[Atoms]
    elements: list[str]
    pairs: list[tuple[str, str]]
    nb: _Neighbours
    row_scale: np.ndarray  # per row: 1/(gate × sqrt(block size)), the unit every block is measured in
    row_weight: np.ndarray  # per row: sqrt(the user's weight of its block)
    target: np.ndarray  # scaled
    fixed: np.ndarray  # scaled columns [E0..., s², C..., D...]
    stress_rows: np.ndarray  # frames with a stress label
    n_energy: int
    _by_kind: list[_Neighbours] = field(default_factory=list)
    _cache: dict[tuple[int, float], np.ndarray] = field(default_factory=dict)
    _order: list[tuple[int, float]] = field(default_factory=list)

    def stack(self, energy: np.ndarray, forces: np.ndarray, stress: np.ndarray) -> np.ndarray:
        """Rows [energies per atom, force components, stress components of labelled frames], scaled."""
        atoms = np.array([len(a) for a in self.frames], dtype=float)
        columns = energy.shape[1]
        rows = np.concatenate([energy / atoms[:, None], forces.reshape(-1, columns),
                               stress[self.stress_rows].reshape(-1, columns)])
        return rows * self.row_scale[:, None]

    def exp_columns(self, rho: np.ndarray) -> np.ndarray:
        """The scaled A columns for decay lengths ``rho``; each pair's column is cached on its own rho, so a finite-difference
        step in one rho recomputes one column."""
        if not self._by_kind:
            for k in range(len(self.pairs)):
                chosen = self.nb.kind == k
                self._by_kind.append(_Neighbours(self.nb.frame[chosen], np.zeros(int(chosen.sum()), dtype=int), self.nb.atom[chosen],
                                                 self.nb.r[chosen], self.nb.unit[chosen], self.nb.n_atoms, self.nb.volumes,
                                                 self.nb.cutoff))
        columns = []
        for k, decay in enumerate(rho):
            key = (k, float(decay))
            if key not in self._cache:
                nb = self._by_kind[k]
                value = np.exp(-nb.r / decay)
                shifted = np.concatenate([value, np.full(len(nb.r), math.exp(-nb.cutoff / decay))])
                self._cache[key] = self.stack(*_radial_columns(nb, len(self.frames), 1, shifted, -value / decay))[:, 0]
                self._order.append(key)
                if len(self._order) > _CACHED_COLUMNS * len(self.pairs):
                    self._cache.pop(self._order.pop(0), None)
            columns.append(self._cache[key])
        return np.stack(columns, axis=1)


def _problem(frames: Sequence[Atoms], elements: list[str], pairs: list[tuple[str, str]], settings: BornFitSettings,
             coulomb: list[tuple[float, np.ndarray, np.ndarray]]) -> _Problem:
    n_frames = len(frames)
    nb = _neighbours(frames, pairs, settings.short_range_cutoff_A)
    stress_rows = np.array([has_stress(a) for a in frames], dtype=bool)
    w = settings.weights
    gate_energy = GATES["energy_meV_per_atom"] / 1000
    gate_force = GATES["force_eV_per_A"]
    gate_stress = GATES["stress_GPa"] / _EV_PER_A3_IN_GPA
    n_force, n_stress = 3 * nb.n_atoms, 6 * int(stress_rows.sum())
    scale = np.concatenate([
        np.full(n_frames, math.sqrt(1.0 / n_frames) / gate_energy),
        np.full(n_force, math.sqrt(1.0 / n_force) / gate_force),
        np.full(n_stress, math.sqrt(1.0 / max(n_stress, 1)) / gate_stress),
    ])
    frame = np.array([frame_weight(a) for a in frames])  # each frame's config_weight, on all of its rows
    weight = np.sqrt(np.concatenate([w.energy * frame, w.forces * np.repeat(frame, [3 * len(a) for a in frames]),
                                     w.stress * np.repeat(frame[stress_rows], 6)]))
    problem = _Problem(frames, elements, pairs, nb, scale, weight, np.zeros(0), np.zeros(0), stress_rows, n_frames)
    # target: reference energies, forces, stresses
    energy = np.array([[a.calc.results["energy"]] for a in frames])
    forces = np.concatenate([np.asarray(a.calc.results["forces"], dtype=float) for a in frames])[:, :, None]
    stress = np.array([np.asarray(a.calc.results["stress"], dtype=float) if has_stress(a) else np.zeros(6) for a in frames])[:, :, None]
    problem.target = problem.stack(energy, forces, stress)[:, 0]
    # reference energies E0: element counts
    counts = np.array([[a.get_chemical_symbols().count(e) for e in elements] for a in frames], dtype=float)
    e0 = problem.stack(counts, np.zeros((nb.n_atoms, 3, len(elements))), np.zeros((n_frames, 6, len(elements))))
    # Coulomb at formal charges (s² multiplies it)
    coul = problem.stack(np.array([[c[0]] for c in coulomb]), np.concatenate([c[1] for c in coulomb])[:, :, None],
                         np.array([c[2] for c in coulomb])[:, :, None])
    k = len(pairs)
    r6, r8 = nb.r**-6.0, nb.r**-8.0
    at_cutoff = np.ones_like(nb.r)
    c6 = problem.stack(*_radial_columns(nb, n_frames, k, np.concatenate([-r6, -at_cutoff * nb.cutoff**-6.0]), 6.0 * r6 / nb.r))
    d8 = problem.stack(*_radial_columns(nb, n_frames, k, np.concatenate([r8, at_cutoff * nb.cutoff**-8.0]), -8.0 * r8 / nb.r))
    problem.fixed = np.hstack([e0, coul, c6, d8])
    return problem


def _coulomb_reference(frames: Sequence[Atoms], elements: list[str], settings: BornFitSettings,
                       progress: Callable[[int, int], None] | None) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """(energy, forces, stress) of every frame with formal charges and no short-range term, by LAMMPS."""
    from sselab.atomistic.md.evaluate import EVALUATION_KSPACE, evaluate_forcefield

    species = {e: IonSpecies(e, formal_charge_of(e)) for e in elements}
    coulomb_only = ForceField("coulomb-formal", "formal charges, no short range", settings.cutoff_A, EVALUATION_KSPACE,
                              MappingProxyType(species), ())
    out = []
    for index, atoms in enumerate(frames):
        net = coulomb_only.total_charge(atoms.get_chemical_symbols())
        if abs(net) > 1e-6:
            raise InputError(f"frame {index} ({atoms.get_chemical_formula()}) carries {net:+g} e with formal charges; "
                             "a rigid-ion fit needs charge-neutral frames")
        out.append(evaluate_forcefield(atoms, coulomb_only, EVALUATION_KSPACE))
        if progress:
            progress(index + 1, len(frames))
    return out


def _shortest(nb: _Neighbours, pairs: list[tuple[str, str]]) -> np.ndarray:
    shortest = np.full(len(pairs), np.inf)
    np.minimum.at(shortest, nb.kind, nb.r)
    return shortest


def _core_terms(pairs: list[tuple[str, str]], core: np.ndarray, largest_scale: float) -> tuple[np.ndarray, np.ndarray]:
    """(kappa, D'_floor) per pair: D = D' + kappa C with kappa = 6 r_c²/8, and D' ≥ k |q_a q_b| r_c^7 / 8 for attractive
    pairs at the largest allowed charges (eV Å^8); see the module docstring."""
    kappa = 6.0 * core**2 / 8.0
    floor = np.zeros(len(pairs))
    for k, (a, b) in enumerate(pairs):
        qq = formal_charge_of(a) * formal_charge_of(b) * max(1.0, largest_scale) ** 2
        floor[k] = _COULOMB_EV_A * max(-qq, 0.0) * core[k] ** 7 / 8.0
    return kappa, floor


def fit_born(frames: Sequence[Atoms], settings: BornFitSettings | None = None, *, initial: ForceField | None = None,
             name: str = "fitted", progress: Callable[[str, int, int], None] | None = None) -> BornFit:
    """Fit a rigid-ion Born model to labelled ``frames`` (see the module docstring); ``initial`` supplies
    starting decay lengths rho (the packaged set), 0.3 Å otherwise. ``progress(stage, done, total)``."""
    from scipy.optimize import lsq_linear, minimize

    settings = settings or BornFitSettings()
    elements = sorted({s for a in frames for s in a.get_chemical_symbols()})
    pairs = fitted_pairs(elements, settings.cation_pairs)
    if not any(formal_charge_of(e) < 0 for e in elements):
        raise InputError(f"the data ({', '.join(elements)}) holds no anion: a Born model needs cation-anion pairs")
    coulomb = _coulomb_reference(frames, elements, settings, (lambda d, t: progress("Coulomb", d, t)) if progress else None)
    problem = _problem(frames, elements, pairs, settings, coulomb)
    shortest = _shortest(problem.nb, pairs)
    absent = [p for p, r in zip(pairs, shortest) if not np.isfinite(r) and min(formal_charge_of(e) for e in p) > 0]
    if absent:  # cation-cation pairs the data never brings within the cutoff get no term
        pairs = [p for p in pairs if p not in absent]
        problem = _problem(frames, elements, pairs, settings, coulomb)
        shortest = _shortest(problem.nb, pairs)
    for (a, b), r in zip(pairs, shortest):
        if not np.isfinite(r) and (formal_charge_of(a) > 0 or formal_charge_of(b) > 0):
            raise InputError(f"the data holds no {a}-{b} distance below {settings.short_range_cutoff_A:g} Å: "
                             "its repulsion cannot be fitted; add configurations where they meet")
    core = np.where(np.isfinite(shortest), settings.core_fraction * shortest, 1.0)
    n_e, k = len(elements), len(pairs)
    kappa, floor = _core_terms(pairs, core, settings.charge_scale_bounds[1])
    # columns [E0, s², A, C + kappa D, D']: D = D' + kappa C keeps every pair repulsive below r_c at every solve
    c_columns = problem.fixed[:, n_e + 1: n_e + 1 + k] + kappa * problem.fixed[:, n_e + 1 + k:]
    fixed = np.hstack([problem.fixed[:, : n_e + 1], c_columns, problem.fixed[:, n_e + 1 + k:]])
    low = np.concatenate([np.full(n_e, -np.inf), [settings.charge_scale_bounds[0] ** 2], np.zeros(2 * k), floor])
    high = np.concatenate([np.full(n_e, np.inf), [settings.charge_scale_bounds[1] ** 2], np.full(3 * k, np.inf)])

    def design(rho: np.ndarray) -> np.ndarray:
        return np.hstack([fixed[:, : n_e + 1], problem.exp_columns(rho), fixed[:, n_e + 1:]])

    def solve(rho: np.ndarray):
        matrix = design(rho) * problem.row_weight[:, None]
        norms = np.linalg.norm(matrix, axis=0)
        norms[norms == 0] = 1.0
        solution = lsq_linear(matrix / norms, problem.target * problem.row_weight, bounds=(low * norms, high * norms), method="bvls")
        # unscaling can leave a bound-active coefficient a round-off below its bound (C = -7e-17 was written once)
        return np.clip(solution.x / norms, low, high), float(2.0 * solution.cost)

    evaluations = 0
    start = np.array([_initial_rho(initial, a, b) for a, b in pairs])
    start = np.clip(start, *settings.rho_bounds_A)

    def objective(log_rho: np.ndarray) -> float:
        nonlocal evaluations
        evaluations += 1
        if progress:
            progress("rho", min(evaluations, settings.max_iterations * (k + 1)), settings.max_iterations * (k + 1))
        return solve(np.exp(log_rho))[1]

    bounds = [(math.log(settings.rho_bounds_A[0]), math.log(settings.rho_bounds_A[1]))] * k
    outer = minimize(objective, np.log(start), method="L-BFGS-B", bounds=bounds,
                     options={"maxiter": settings.max_iterations, "eps": 1e-4})
    rho = np.exp(outer.x)
    theta, cost = solve(rho)
    if not math.isfinite(cost):
        raise ConvergenceError("the Born fit gave a non-finite residual")
    charge_scale = math.sqrt(theta[n_e])
    errors = _block_rmse(problem, design(rho) @ theta)
    theta = theta.copy()
    theta[n_e + 1 + 2 * k:] += kappa * theta[n_e + 1 + k: n_e + 1 + 2 * k]  # D = D' + kappa C
    forcefield = _forcefield(name, elements, pairs, theta, rho, charge_scale, settings)
    label = [f"{a}-{b}" for a, b in pairs]
    return BornFit(forcefield, charge_scale, MappingProxyType(errors),
                   MappingProxyType({p: float(r) for p, r in zip(label, shortest) if np.isfinite(r)}),
                   MappingProxyType({p: float(r) for p, r in zip(label, core)}), evaluations, bool(outer.success))


def _initial_rho(initial: ForceField | None, a: str, b: str) -> float:
    pair = initial.pair(a, b) if initial is not None else None
    return pair.rho_A if pair is not None else 0.3


def _block_rmse(problem: _Problem, prediction: np.ndarray) -> dict[str, float]:
    """Training RMSE of each block in its unit (meV/atom, eV/Å, GPa), from the rows scaled by gate and size (not weight)."""
    residual = (prediction - problem.target) / problem.row_scale
    n_e, n_f = problem.n_energy, 3 * problem.nb.n_atoms
    blocks = {"energy_rmse_meV_per_atom": residual[:n_e] * 1000, "force_rmse_eV_per_A": residual[n_e:n_e + n_f],
              "stress_rmse_GPa": residual[n_e + n_f:] * _EV_PER_A3_IN_GPA}
    return {key: float(np.sqrt(np.mean(values**2))) if values.size else float("nan") for key, values in blocks.items()}


def _forcefield(name: str, elements: list[str], pairs: list[tuple[str, str]], theta: np.ndarray, rho: np.ndarray,
                charge_scale: float, settings: BornFitSettings) -> ForceField:
    n_e, k = len(elements), len(pairs)
    species = {e: IonSpecies(e, charge_scale * formal_charge_of(e), reference_energy_eV=float(theta[i]),
                             source=f"fitted: {charge_scale:.6f} x formal charge {formal_charge_of(e):+g}")
               for i, e in enumerate(elements)}
    amplitude = theta[n_e + 1: n_e + 1 + k]
    c6 = theta[n_e + 1 + k: n_e + 1 + 2 * k]
    d8 = theta[n_e + 1 + 2 * k:]
    born_pairs = tuple(BuckinghamPair(a, b, float(amplitude[i]), float(rho[i]), float(c6[i]), "fitted", float(d8[i]))
                       for i, (a, b) in enumerate(pairs))
    return ForceField(name, "", settings.cutoff_A, settings.kspace, MappingProxyType(species), born_pairs,
                      short_range_cutoff_A=settings.short_range_cutoff_A)


def provenance(fit: BornFit, teacher: Mapping[str, Any], data_sha256: str, frames: int, settings: BornFitSettings) -> dict[str, Any]:
    """The ``[fit]`` table a fitted TOML records: who labelled the data, which data, how, and the training errors."""
    from sselab import __version__

    return {
        "family": "born-rigid-ion", "sselab_version": __version__, "teacher": dict(teacher), "data_sha256": data_sha256,
        "training_frames": frames, "charge_scale": fit.charge_scale,
        "weights": {"energy": settings.weights.energy, "forces": settings.weights.forces, "stress": settings.weights.stress},
        "training_rmse": dict(fit.errors), "shortest_distance_A": dict(fit.shortest_A),
        "repulsive_below_A": dict(fit.core_radius_A), "optimizer_converged": fit.converged,
    }
