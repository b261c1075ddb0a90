"""Kohn–Sham states of a cell and what a designer reads from them: band edges, (projected) DOS, gap states.

An :class:`ElectronicStructure` holds, per spin s, irreducible k-point k and band n: the eigenvalue ε_skn (eV),
the occupation f_skn ∈ [0, 1] of the spin channel, and the PAW projection weights
w_skna,l = Σ_{i ∈ a, l} |⟨p̃_i|ψ̃_skn⟩|² of each atom a and angular momentum l (bound-state projectors, summed over m).
Also the k-point weights (summing to 1), the Fermi level, the electrostatic potential at each nucleus
(for aligning two cells) and the cell.

Definitions (the docs list them beside the seeds):

- Density of states, Gaussian broadening of width σ:
  g(E) = d Σ_skn w_k exp(−(E − ε_skn)²/σ²) / (√π σ), d = 2/N_spin (states per eV per cell).
- Projected DOS of a group G of atoms (an element, a site, a layer): the same sum with each state weighted by
  its *normalised* share on G, Σ_{a∈G,l} w_skna,l / Σ_{a,l} w_skna,l. The shares of all atoms add to 1, so the
  groups of a partition add up to the total DOS. The PAW projections capture only the part of a state inside the
  augmentation spheres (``captured``; not a probability: PAW projectors are not orthonormal, and the sum can pass 1,
  1.26 for the occupied states of LiF); the normalisation splits each state in proportion to its projections,
  which is the usual reading of a projected DOS.
- Band edges: VBM = the highest ε with f > ½, CBM = the lowest with f ≤ ½, over spins and k-points; the gap is
  CBM − VBM. A cell with a partly occupied state (0.01 < f < 0.99) or a band count that changes between k-points is
  metallic: gap 0 and ``metallic`` set. A layer's local edges are the highest occupied and lowest empty states with at
  least half an even share on its atoms (:func:`local_edges`). A gap state of a defect cell is a state of the defect cell that lies, after
  aligning the two cells, inside the host's gap.
- Alignment of a defect cell to its host: the median, over atoms of the same element at the same place (within
  0.3 Å) farther than ``far_A`` from every changed site, of the difference of the electrostatic potentials at the
  nuclei (the usual potential alignment of defect calculations).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ase import Atoms

from sselab.errors import ConvergenceError, InputError

#: angular momenta kept in the projections: s, p, d, f
N_L = 4
L_NAMES = "spdf"
#: a gap state lies at least this far (eV) inside the host's aligned gap
GAP_MARGIN_EV = 0.1


@dataclass(frozen=True)
class ElectronicStructure:
    """Eigenvalues, occupations and projections of one converged DFT run (eV; see the module docstring)."""

    symbols: tuple[str, ...]
    scaled_positions: np.ndarray  # (atoms, 3)
    cell: np.ndarray  # (3, 3), Å
    eigenvalues_eV: np.ndarray  # (spins, k-points, bands)
    occupations: np.ndarray  # (spins, k-points, bands), 0..1 per spin channel
    kpoint_weights: np.ndarray  # (k-points,), summing to 1
    fermi_level_eV: float
    projections: np.ndarray  # (spins, k-points, bands, atoms, N_L)
    atomic_potentials_eV: np.ndarray  # (atoms,)
    charge: int = 0
    energy_eV: float = math.nan
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def spins(self) -> int:
        return self.eigenvalues_eV.shape[0]

    @property
    def degeneracy(self) -> float:
        return 2.0 / self.spins

    @property
    def atoms(self) -> Atoms:
        return Atoms(self.symbols, scaled_positions=self.scaled_positions, cell=self.cell, pbc=True)

    def arrays(self) -> dict[str, Any]:
        """Everything as plain arrays and numbers (for the result cache and NetCDF)."""
        return {"symbols": list(self.symbols), "scaled_positions": self.scaled_positions, "cell": self.cell,
                "eigenvalues_eV": self.eigenvalues_eV, "occupations": self.occupations, "kpoint_weights": self.kpoint_weights,
                "fermi_level_eV": self.fermi_level_eV, "projections": self.projections,
                "atomic_potentials_eV": self.atomic_potentials_eV, "charge": self.charge, "energy_eV": self.energy_eV,
                "settings": dict(self.settings)}

    @classmethod
    def from_arrays(cls, data: Mapping[str, Any]) -> ElectronicStructure:
        return cls(tuple(str(s) for s in data["symbols"]), np.asarray(data["scaled_positions"], float), np.asarray(data["cell"], float),
                   np.asarray(data["eigenvalues_eV"], float), np.asarray(data["occupations"], float),
                   np.asarray(data["kpoint_weights"], float), float(data["fermi_level_eV"]), np.asarray(data["projections"], float),
                   np.asarray(data["atomic_potentials_eV"], float), int(data["charge"]), float(data["energy_eV"]),
                   dict(data.get("settings", {})))

    def shifted(self, delta_eV: float) -> ElectronicStructure:
        """The same states with every energy moved by ``delta_eV`` (for alignment)."""
        from dataclasses import replace

        return replace(self, eigenvalues_eV=self.eigenvalues_eV + delta_eV, fermi_level_eV=self.fermi_level_eV + delta_eV)


def from_gpaw(atoms: Atoms, calc: Any, charge: int = 0, settings: Mapping[str, Any] | None = None) -> ElectronicStructure:
    """Read eigenvalues, occupations, projections and nuclear potentials from a converged GPAW calculator."""
    from gpaw.dos import get_projector_numbers

    spins = calc.get_number_of_spins()
    weights = np.asarray(calc.get_k_point_weights(), float)
    nk = len(weights)
    eigenvalues = np.array([[calc.get_eigenvalues(kpt=k, spin=s) for k in range(nk)] for s in range(spins)])
    degeneracy = 2.0 / spins
    # raw=True: the occupation of each state (0..1); GPAW 26.7 scales its stored array in place without it
    occupations = np.array([[np.array(calc.get_occupation_numbers(kpt=k, spin=s, raw=True)) for k in range(nk)] for s in range(spins)])
    electrons = float(calc.get_number_of_electrons())
    counted = float(degeneracy * (occupations * weights[None, :, None]).sum())
    if abs(counted - electrons) > 1e-4:
        raise ConvergenceError(f"GPAW's occupations hold {counted:.6f} electrons, not {electrons:g}: the states cannot be read")
    nbands = eigenvalues.shape[2]
    projections = np.zeros((spins, nk, nbands, len(atoms), N_L))
    setups = calc.setups
    indices = [[get_projector_numbers(setups[a], l) for l in range(N_L)] for a in range(len(atoms))]
    for state in calc.wfs.kpt_u:
        for a, p_ni in state.projections.items():
            for l in range(N_L):
                if indices[a][l]:
                    projections[state.s, state.k, :, a, l] = (np.abs(p_ni[:, indices[a][l]]) ** 2).sum(axis=1)
    return ElectronicStructure(
        tuple(atoms.get_chemical_symbols()), atoms.get_scaled_positions(wrap=False), atoms.cell.array.copy(), eigenvalues,
        occupations, weights, float(calc.get_fermi_level()), projections,
        np.asarray(calc.get_atomic_electrostatic_potentials(), float), charge,
        float(calc.get_potential_energy(atoms)), dict(settings or {}),
    )


@dataclass(frozen=True)
class BandEdges:
    """VBM, CBM and gap (eV), and where they sit: (spin, k-point index). ``metallic``: some band is partly occupied
    (0.01 < f < 0.99) or occupied at some k-points and empty at others; the gap is then 0."""

    vbm_eV: float
    cbm_eV: float
    gap_eV: float
    direct: bool
    vbm_at: tuple[int, int]
    cbm_at: tuple[int, int]
    metallic: bool = False


#: occupations between these count as partial (a band crossing the Fermi level, or a half-filled level)
PARTIAL = (0.01, 0.99)


def band_edges(states: ElectronicStructure) -> BandEdges:
    """VBM = highest occupied (f > ½), CBM = lowest empty (f ≤ ½); gap = max(CBM − VBM, 0), and 0 for a metal."""
    eig, f = states.eigenvalues_eV, states.occupations
    occupied = f > 0.5
    if occupied.all() or not occupied.any():
        raise InputError("the run has no empty (or no occupied) state: add empty bands to see a gap")
    vbm_index = np.unravel_index(np.argmax(np.where(occupied, eig, -np.inf)), eig.shape)
    cbm_index = np.unravel_index(np.argmin(np.where(occupied, np.inf, eig)), eig.shape)
    vbm, cbm = float(eig[vbm_index]), float(eig[cbm_index])
    partial = bool(((f > PARTIAL[0]) & (f < PARTIAL[1])).any())
    crossing = any(len({int(row.sum()) for row in occupied[s]}) > 1 for s in range(states.spins))  # band count varies with k
    metallic = partial or crossing or cbm <= vbm
    return BandEdges(vbm, cbm, 0.0 if metallic else cbm - vbm, vbm_index[:2] == cbm_index[:2],
                     (int(vbm_index[0]), int(vbm_index[1])), (int(cbm_index[0]), int(cbm_index[1])), metallic)


def shares(states: ElectronicStructure) -> np.ndarray:
    """Each state's normalised share on each atom, (spins, k, bands, atoms), summing to 1 over atoms."""
    per_atom = states.projections.sum(axis=4)
    total = per_atom.sum(axis=3, keepdims=True)
    return np.divide(per_atom, total, out=np.full_like(per_atom, 1.0 / per_atom.shape[3]), where=total > 0)


def captured(states: ElectronicStructure) -> np.ndarray:
    """Σ over atoms and l of the raw projection weights of each state (spins, k, bands): how much of it the
    augmentation spheres hold."""
    return states.projections.sum(axis=(3, 4))


def gaussian_dos(energies: np.ndarray, eigenvalues: np.ndarray, state_weights: np.ndarray, kpoint_weights: np.ndarray,
                 width_eV: float, degeneracy: float) -> np.ndarray:
    """g(E) = d Σ_skn w_k c_skn exp(−(E − ε_skn)²/σ²)/(√π σ), states per eV per cell (``state_weights`` = c)."""
    if not width_eV > 0:
        raise InputError(f"DOS width must be > 0 eV, got {width_eV}")
    energies = np.asarray(energies, float)
    weights = (state_weights * kpoint_weights[None, :, None]).ravel()
    levels = eigenvalues.ravel()
    keep = weights != 0
    out = np.zeros_like(energies)
    for chunk in np.array_split(np.flatnonzero(keep), max(1, keep.sum() // 2000)):
        out += (weights[chunk] * np.exp(-((energies[:, None] - levels[chunk]) / width_eV) ** 2)).sum(axis=1)
    return degeneracy * out / (math.sqrt(math.pi) * width_eV)


def total_dos(states: ElectronicStructure, energies: np.ndarray, width_eV: float = 0.1) -> np.ndarray:
    return gaussian_dos(energies, states.eigenvalues_eV, np.ones_like(states.eigenvalues_eV), states.kpoint_weights,
                        width_eV, states.degeneracy)


def projected_dos(states: ElectronicStructure, energies: np.ndarray, groups: Mapping[str, Sequence[int]],
                  width_eV: float = 0.1) -> dict[str, np.ndarray]:
    """Projected DOS of each group of atom indices (normalised shares; see the module docstring)."""
    share = shares(states)
    n = len(states.symbols)
    out = {}
    for name, members in groups.items():
        index = np.asarray(list(members), int)
        if index.size and (index.min() < 0 or index.max() >= n):
            raise InputError(f"group {name}: atom indices must be within 0..{n - 1}")
        out[name] = gaussian_dos(energies, states.eigenvalues_eV, share[..., index].sum(axis=3), states.kpoint_weights,
                                 width_eV, states.degeneracy)
    return out


def element_groups(symbols: Sequence[str]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for index, symbol in enumerate(symbols):
        groups.setdefault(symbol, []).append(index)
    return groups


def layer_groups(scaled_positions: np.ndarray, cell: np.ndarray, axis: int, layers: int) -> tuple[dict[str, list[int]], np.ndarray]:
    """Atoms in ``layers`` equal slabs along cell vector ``axis`` (0, 1, 2); returns the groups and the slab edges
    in Å along the axis normal (fractional coordinate × interplanar spacing)."""
    if axis not in (0, 1, 2):
        raise InputError(f"axis {axis}: must be 0, 1 or 2 (a, b, c)")
    if isinstance(layers, bool) or not isinstance(layers, int) or not 1 <= layers <= 1000:
        raise InputError(f"layers {layers!r}: expected a whole number within 1..1000")
    fractions = np.mod(np.asarray(scaled_positions)[:, axis], 1.0)
    slab = np.minimum((fractions * layers).astype(int), layers - 1)
    spacing = interplanar_spacing(np.asarray(cell), axis)
    groups = {f"layer {i + 1}": np.flatnonzero(slab == i).tolist() for i in range(layers)}
    return groups, np.linspace(0.0, spacing, layers + 1)


def interplanar_spacing(cell: np.ndarray, axis: int) -> float:
    """Distance (Å) between the lattice planes spanned by the two other cell vectors: V / |b × c| for a."""
    others = [cell[i] for i in range(3) if i != axis]
    return float(abs(np.linalg.det(cell)) / np.linalg.norm(np.cross(*others)))


@dataclass(frozen=True)
class LocalEdges:
    """Band edges seen from one group of atoms (a layer): the highest occupied and lowest empty state that has at least
    ``fraction`` of an even share on the group, i.e. share_G ≥ fraction × N_G / N."""

    name: str
    atoms: int
    vbm_eV: float
    cbm_eV: float

    @property
    def gap_eV(self) -> float:
        return max(self.cbm_eV - self.vbm_eV, 0.0)


def local_edges(states: ElectronicStructure, groups: Mapping[str, Sequence[int]], fraction: float = 0.5) -> list[LocalEdges]:
    """:class:`LocalEdges` of each group: where a layer's own valence and conduction bands begin (a layer-resolved gap)."""
    share = shares(states)
    occupied = states.occupations > 0.5
    n = len(states.symbols)
    out = []
    for name, members in groups.items():
        index = np.asarray(list(members), int)
        if index.size == 0:
            continue
        on_group = share[..., index].sum(axis=3) >= fraction * index.size / n
        vbm = states.eigenvalues_eV[on_group & occupied]
        cbm = states.eigenvalues_eV[on_group & ~occupied]
        out.append(LocalEdges(name, int(index.size), float(vbm.max()) if vbm.size else math.nan,
                              float(cbm.min()) if cbm.size else math.nan))
    return out


@dataclass(frozen=True)
class EdgeCharacter:
    """Element shares (summing to 1) and the five largest site shares of the states within ``window_eV`` of an edge."""

    edge: str  # "VBM" or "CBM"
    window_eV: float
    elements: dict[str, float]
    sites: list[tuple[int, str, float]]


def edge_character(states: ElectronicStructure, edges: BandEdges, window_eV: float = 0.5) -> tuple[EdgeCharacter, EdgeCharacter]:
    """Who carries the top ``window_eV`` of the valence band and the bottom of the conduction band (k-weighted)."""
    eig, occupied = states.eigenvalues_eV, states.occupations > 0.5
    share = shares(states)
    out = []
    for name, mask in (("VBM", occupied & (eig >= edges.vbm_eV - window_eV)), ("CBM", ~occupied & (eig <= edges.cbm_eV + window_eV))):
        weight = (share * mask[..., None] * states.kpoint_weights[None, :, None, None]).sum(axis=(0, 1, 2))
        weight = weight / weight.sum()
        out.append(EdgeCharacter(name, window_eV, _by_element(states.symbols, weight), _top_sites(states.symbols, weight)))
    return out[0], out[1]


def _by_element(symbols: Sequence[str], weight: np.ndarray) -> dict[str, float]:
    totals: dict[str, float] = {}
    for symbol, w in zip(symbols, weight):
        totals[symbol] = totals.get(symbol, 0.0) + float(w)
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def _top_sites(symbols: Sequence[str], weight: np.ndarray, count: int = 5) -> list[tuple[int, str, float]]:
    order = np.argsort(weight)[::-1][:count]
    return [(int(i), symbols[i], float(weight[i])) for i in order]


def potential_alignment(defect: ElectronicStructure, host: ElectronicStructure, far_A: float = 4.0) -> tuple[float, int]:
    """ΔV (eV) to add to the host's energies to put them on the defect cell's scale, and the atoms it used.

    Host atoms are matched to defect atoms of the same element within 0.3 Å (minimum image); atoms within
    ``far_A`` of a changed site (an unmatched atom of either cell) are left out. The cells must have the same
    lattice to 1 %.
    """
    if defect.cell.shape != host.cell.shape or not np.allclose(defect.cell, host.cell, rtol=0.01, atol=0.05):
        raise InputError("the reference run has a different cell: compare a defect with the host cell it was made from")
    defect_atoms, host_atoms = defect.atoms, host.atoms
    matches: dict[int, int] = {}
    for i, position in enumerate(defect_atoms.positions):
        distances = _minimum_image_distances(host_atoms, position)
        j = int(np.argmin(distances))
        if distances[j] < 0.3 and host.symbols[j] == defect.symbols[i]:
            matches[i] = j
    changed = [defect_atoms.positions[i] for i in range(len(defect_atoms)) if i not in matches]
    matched_host = set(matches.values())
    changed += [host_atoms.positions[j] for j in range(len(host_atoms)) if j not in matched_host]
    use = [i for i in matches if all(_minimum_image_distances(defect_atoms, c)[i] > far_A for c in changed)]
    if not use:
        raise InputError(f"no atom of the defect cell lies farther than {far_A} A from the changed sites and matches the "
                         "reference: use a larger cell or a smaller far distance (--far)")
    differences = [defect.atomic_potentials_eV[i] - host.atomic_potentials_eV[matches[i]] for i in use]
    # GPAW reports the electron's potential energy at each nucleus (eV, large and negative), so the host-like levels
    # of the defect cell lie ΔV above the host's
    return float(np.median(differences)), len(use)


def _minimum_image_distances(atoms: Atoms, point: np.ndarray) -> np.ndarray:
    from ase.geometry import find_mic

    vectors, lengths = find_mic(atoms.positions - point, atoms.cell, pbc=True)
    return lengths


@dataclass(frozen=True)
class GapState:
    """A state of the defect cell inside the aligned host gap."""

    energy_above_vbm_eV: float  # above the aligned host VBM
    spin: int
    band: int
    occupation: float
    weights: dict[str, float]  # element shares, summing to 1
    sites: list[tuple[int, str, float]]  # the five largest site shares
    participating_atoms: float  # 1 / Σ_a share_a²: 1 for a state on one atom, N for one spread evenly


def gap_states(defect: ElectronicStructure, host_edges: BandEdges, alignment_eV: float,
               margin_eV: float = GAP_MARGIN_EV) -> list[GapState]:
    """States of ``defect`` whose k-averaged energy lies inside the host gap (aligned by ``alignment_eV``)."""
    low, high = host_edges.vbm_eV + alignment_eV + margin_eV, host_edges.cbm_eV + alignment_eV - margin_eV
    share = shares(defect)
    w = defect.kpoint_weights
    found = []
    for s in range(defect.spins):
        mean_energy = (defect.eigenvalues_eV[s] * w[:, None]).sum(axis=0)
        for n in np.flatnonzero((mean_energy > low) & (mean_energy < high)):
            site = (share[s, :, n, :] * w[:, None]).sum(axis=0)
            found.append(GapState(float(mean_energy[n] - host_edges.vbm_eV - alignment_eV), s, int(n),
                                  float((defect.occupations[s, :, n] * w).sum()), _by_element(defect.symbols, site),
                                  _top_sites(defect.symbols, site), float(1.0 / (site**2).sum())))
    return sorted(found, key=lambda state: state.energy_above_vbm_eV)
