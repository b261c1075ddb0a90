"""Coherent crystal|crystal interfaces (seed 004: LCO(104)|LZO(001)) (W_adhesion: :func:`sselab.atomistic.properties.adhesion.adhesion_energy`).

Construction: pymatgen's :class:`CoherentInterfaceBuilder` with the Zur–McGill lattice match
(:class:`ZSLGenerator`). Seed 004 gives "maximum tolerance length, angle and superlattice area of 0.1 Å,
0.1° and 300 Å²"; pymatgen's length and angle tolerances are *relative*, so we read the paper's numbers as
the values passed to it (``max_length_tol=0.1``, ``max_angle_tol=0.1``, ``max_area=300``). Of the matches
found, the one with the smallest area whose mean in-plane strain of the film is at most ``max_strain`` and whose shear (the difference of the
film's and the substrate's superlattice angles) is at most ``max_angle_mismatch_deg`` is used (smallest cell
first: the atomistic cost grows with the area). The film (upper crystal) is strained onto the substrate; its
strain is reported per superlattice vector, |v_sub|/|v_film| − 1, with the shear.

"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import Atoms
from pymatgen.io.ase import AseAtomsAdaptor

from sselab.errors import InputError, SSELabError


@dataclass(frozen=True)
class MatchSettings:
    max_length_tol: float = 0.1
    max_angle_tol: float = 0.1
    max_area: float = 300.0
    max_strain: float = 0.03
    max_angle_mismatch_deg: float = 2.0


def _film_strains(match) -> tuple[float, float]:
    film = np.asarray(match.film_sl_vectors, dtype=float)
    substrate = np.asarray(match.substrate_sl_vectors, dtype=float)
    return tuple(float(np.linalg.norm(s) / np.linalg.norm(f) - 1.0) for f, s in zip(film, substrate))


def _angle(vectors: np.ndarray) -> float:
    a, b = np.asarray(vectors, dtype=float)
    return float(np.degrees(np.arccos(np.clip(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)), -1.0, 1.0))))


def _angle_mismatch(match) -> float:
    """Shear of the film: |angle(film superlattice) − angle(substrate superlattice)| in degrees."""
    return abs(_angle(match.film_sl_vectors) - _angle(match.substrate_sl_vectors))


@dataclass
class CoherentInterface:
    """A built interface (pymatgen ``Interface``) and how it was matched."""

    interface: object  # pymatgen.core.interface.Interface
    substrate_miller: tuple[int, int, int]
    film_miller: tuple[int, int, int]
    termination: tuple[str, str]
    area_A2: float  # in-plane area of the interface cell (the substrate's supercell)
    film_strains: tuple[float, float]
    angle_mismatch_deg: float
    matches_found: int

    @property
    def mean_abs_strain(self) -> float:
        return float(np.mean(np.abs(self.film_strains)))

    @property
    def base_gap(self) -> float:
        return float(self.interface.gap)

    def atoms(self) -> Atoms:
        return AseAtomsAdaptor.get_atoms(self.interface)

    def shifted(self, shift: np.ndarray) -> Atoms:
        """The film moved by (s_a, s_b) Å along the in-plane cell vectors and the gap widened by s_z Å."""
        moved = self.interface.copy()
        lengths = np.asarray(moved.lattice.abc[:2])
        base_offset = np.asarray(self.interface.in_plane_offset, dtype=float)
        moved.in_plane_offset = base_offset + np.asarray(shift[:2], dtype=float) / lengths
        moved.gap = self.base_gap + float(shift[2])
        return AseAtomsAdaptor.get_atoms(moved)

    def slabs(self, atoms: Atoms) -> tuple[Atoms, Atoms]:
        """(substrate slab, film slab) cut from an interface structure with this interface's atom order."""
        film = np.zeros(len(atoms), dtype=bool)
        film[list(self.interface.film_indices)] = True
        return atoms[~film], atoms[film]


def build_coherent_interface(substrate_bulk: Atoms, film_bulk: Atoms, substrate_miller: tuple[int, int, int],
                             film_miller: tuple[int, int, int], settings: MatchSettings = MatchSettings(),
                             substrate_layers: int = 2, film_layers: int = 2, gap: float = 2.0, vacuum: float = 15.0,
                             termination: int = 0) -> CoherentInterface:
    """The smallest-area coherent interface within the tolerances; no match is a user error."""
    from pymatgen.analysis.interfaces.coherent_interfaces import CoherentInterfaceBuilder
    from pymatgen.analysis.interfaces.zsl import ZSLGenerator

    if substrate_layers < 1 or film_layers < 1 or not 0 < gap < 20 or not 0 < vacuum < 200:
        raise SSELabError("layers must be at least 1, the gap in (0, 20) A and the vacuum in (0, 200) A")
    limits = (settings.max_length_tol, settings.max_angle_tol, settings.max_area, settings.max_strain, settings.max_angle_mismatch_deg)
    if not all(np.isfinite(limits)) or min(limits) < 0:
        raise SSELabError("interface tolerances must be finite and not negative")
    for name, miller in (("substrate", substrate_miller), ("film", film_miller)):
        if not any(miller):
            raise SSELabError(f"the {name} Miller index {tuple(miller)} is the zero vector")
    adaptor = AseAtomsAdaptor()
    generator = ZSLGenerator(max_area=settings.max_area, max_length_tol=settings.max_length_tol, max_angle_tol=settings.max_angle_tol)
    try:
        builder = CoherentInterfaceBuilder(adaptor.get_structure(substrate_bulk), adaptor.get_structure(film_bulk), tuple(film_miller),
                                           tuple(substrate_miller), zslgen=generator)
    except (ValueError, IndexError) as error:
        raise SSELabError(f"cannot set up the interface search: {error}") from None
    matches = [m for m in builder.zsl_matches if np.mean(np.abs(_film_strains(m))) <= settings.max_strain
               and _angle_mismatch(m) <= settings.max_angle_mismatch_deg]
    if not matches:
        raise SSELabError(f"no coherent interface {tuple(substrate_miller)}|{tuple(film_miller)} within area {settings.max_area:g} A^2, "
                          f"length/angle tolerance {settings.max_length_tol:g}/{settings.max_angle_tol:g}, strain {settings.max_strain:g} "
                          f"and shear {settings.max_angle_mismatch_deg:g} deg")
    if not 0 <= termination < len(builder.terminations):
        raise SSELabError(f"termination {termination} does not exist: there are {len(builder.terminations)} ({builder.terminations})")
    best = min(matches, key=lambda m: (round(m.match_area, 6), np.mean(np.abs(_film_strains(m)))))
    builder.zsl_matches = [best]
    chosen = builder.terminations[termination]
    interface = next(builder.get_interfaces(chosen, gap=gap, vacuum_over_film=vacuum, film_thickness=film_layers,
                                            substrate_thickness=substrate_layers, in_layers=True), None)
    if interface is None:
        raise SSELabError(f"pymatgen built no interface for termination {chosen} of the chosen match")
    area = float(np.linalg.norm(np.cross(interface.lattice.matrix[0], interface.lattice.matrix[1])))
    return CoherentInterface(interface, tuple(substrate_miller), tuple(film_miller), tuple(chosen), area, _film_strains(best),
                             _angle_mismatch(best), len(matches))


def cross_interface_pair(atoms: Atoms, film_indices: list[int], species: str, max_distance: float = 4.5) -> tuple[int, int]:
    """(substrate atom, film atom) of ``species``: the closest pair across the interface (minimum image), at most
    ``max_distance`` Å apart (a nearest-neighbour hop)."""
    film = set(film_indices)
    candidates = [i for i, s in enumerate(atoms.get_chemical_symbols()) if s == species]
    lower = [i for i in candidates if i not in film]
    upper = [i for i in candidates if i in film]
    if not lower or not upper:
        raise InputError(f"no {species} on both sides of the interface")
    distances = np.array([[atoms.get_distance(i, j, mic=True) for j in upper] for i in lower])
    i, j = np.unravel_index(int(np.argmin(distances)), distances.shape)
    if distances[i, j] > max_distance:
        raise InputError(f"the closest {species} pair across the interface is {distances[i, j]:.2f} A apart: "
                         "no nearest-neighbour hop")
    return lower[i], upper[j]
