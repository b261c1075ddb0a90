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

from sselab.atomistic.build.checks import check_max_strain, check_miller
from sselab.errors import InputError, SSELabError
from sselab.validation import require_count, require_positive, require_range, require_within_limit

#: Largest relative ZSL length and angle tolerance: beyond 50 % a "match" says nothing about coherence.
MAX_RELATIVE_TOL = 0.5
#: Degrees. Largest shear limit (change of the film's in-plane cell angle): 90 already lets every match through that
#: ZSL's relative angle tolerance (at most 0.5) allows.
MAX_SHEAR_DEG = 90.0


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


def _interface_builder(substrate_bulk: Atoms, film_bulk: Atoms, substrate_miller, film_miller, settings: MatchSettings):
    """pymatgen's CoherentInterfaceBuilder with the ZSL search of ``settings`` done (its ``zsl_matches``)."""
    from pymatgen.analysis.interfaces.coherent_interfaces import CoherentInterfaceBuilder
    from pymatgen.analysis.interfaces.zsl import ZSLGenerator

    generator = ZSLGenerator(max_area=settings.max_area, max_length_tol=settings.max_length_tol, max_angle_tol=settings.max_angle_tol)
    try:
        return CoherentInterfaceBuilder(AseAtomsAdaptor.get_structure(substrate_bulk), AseAtomsAdaptor.get_structure(film_bulk),
                                        tuple(film_miller), tuple(substrate_miller), zslgen=generator)
    except (ValueError, IndexError) as error:
        raise SSELabError(f"cannot set up the interface search: {error}") from None


def _within_limits(match, settings: MatchSettings) -> bool:
    return bool(np.mean(np.abs(_film_strains(match))) <= settings.max_strain and _angle_mismatch(match) <= settings.max_angle_mismatch_deg)


@dataclass(frozen=True)
class LatticeMatch:
    """One Zur–McGill superlattice match of a film on a substrate.

    ``area_A2``: the matched superlattice area (Å², pymatgen's ``match_area``); ``film_strains``: |v_sub|/|v_film| − 1 along
    the two superlattice vectors; ``shear_deg``: the change of the film's superlattice angle; ``von_mises_strain``: of the
    Green–Lagrange strain of pymatgen's match transformation (length and angle changes together); ``within_limits``:
    mean |strain| and shear within the settings' ``max_strain`` and ``max_angle_mismatch_deg``.
    """

    area_A2: float
    film_strains: tuple[float, float]
    mean_abs_strain: float
    shear_deg: float
    von_mises_strain: float
    within_limits: bool


def lattice_matches(substrate_bulk: Atoms, film_bulk: Atoms, substrate_miller, film_miller,
                    settings: MatchSettings = MatchSettings()) -> list[LatticeMatch]:
    """Every distinct ZSL match of ``film_miller`` on ``substrate_miller`` within the settings' area and ZSL tolerances,
    least mean |strain| first (then smallest area): what ``interface build`` chooses from, and how far off the rest are."""
    from pymatgen.analysis.elasticity.strain import Deformation

    substrate_miller, film_miller = check_coherent_request(substrate_bulk, film_bulk, substrate_miller, film_miller, settings,
                                                           1, 1, 2.0, 15.0, 0)
    builder = _interface_builder(substrate_bulk, film_bulk, substrate_miller, film_miller, settings)
    rows = {}
    for match in builder.zsl_matches:
        strains = _film_strains(match)
        row = LatticeMatch(area_A2=float(match.match_area), film_strains=strains, mean_abs_strain=float(np.mean(np.abs(strains))),
                           shear_deg=_angle_mismatch(match),
                           von_mises_strain=float(Deformation(match.match_transformation).green_lagrange_strain.von_mises_strain),
                           within_limits=_within_limits(match, settings))
        rows.setdefault((round(row.area_A2, 3), *np.round(strains, 5), round(row.shear_deg, 3)), row)
    return sorted(rows.values(), key=lambda row: (row.mean_abs_strain, row.area_A2))


def describe_closest_match(zsl_matches) -> str:
    """What the ZSL search did find, for a user whose strain/shear limits rejected every match: the match of least mean
    film strain and the one of least shear, each as (mean strain, shear, area in Å²)."""
    if not zsl_matches:
        return "the lattice search found no match (raise --max-area or the tolerances)"

    def summary(match) -> str:
        return f"{100 * np.mean(np.abs(_film_strains(match))):.2f} %/{_angle_mismatch(match):.2f} deg/{match.match_area:.0f} A^2"

    least_strain = min(zsl_matches, key=lambda m: (np.mean(np.abs(_film_strains(m))), _angle_mismatch(m)))
    least_shear = min(zsl_matches, key=lambda m: (_angle_mismatch(m), np.mean(np.abs(_film_strains(m)))))
    return (f"least strained match (strain/shear/area) {summary(least_strain)}, least sheared {summary(least_shear)}; "
            "all: interface matches")


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


def check_settings(settings: MatchSettings) -> None:
    """ZSL tolerances in (0, :data:`MAX_RELATIVE_TOL`], area > 0 and within the ``interface_area_A2`` limit, film strain within
    :data:`~sselab.atomistic.build.checks.MAX_STRAIN`, shear in [0, :data:`MAX_SHEAR_DEG`] degrees."""
    require_range(settings.max_length_tol, "max length tolerance (--max-length-tol)", low=0.0, high=MAX_RELATIVE_TOL,
                  low_inclusive=False)
    require_range(settings.max_angle_tol, "max angle tolerance (--max-angle-tol)", low=0.0, high=MAX_RELATIVE_TOL,
                  low_inclusive=False)
    require_positive(settings.max_area, "max area (--max-area)", unit="A^2")
    require_within_limit(settings.max_area, "interface_area_A2", "the coherent-match search (--max-area)")
    check_max_strain(settings.max_strain, "max film strain (--max-strain)")
    require_range(settings.max_angle_mismatch_deg, "max shear (--max-shear)", low=0.0, high=MAX_SHEAR_DEG, unit="deg")


def estimated_atoms(bulk: Atoms, miller: tuple[int, int, int], layers: int, area: float) -> float:
    """About how many atoms ``layers`` layers (each one interplanar distance d_hkl thick) of ``bulk`` hold over ``area`` Å²."""
    spacing = AseAtomsAdaptor.get_structure(bulk).lattice.d_hkl(miller)
    return area * layers * spacing * len(bulk) / bulk.get_volume()


def check_coherent_request(substrate_bulk: Atoms, film_bulk: Atoms, substrate_miller, film_miller, settings: MatchSettings,
                           substrate_layers: int, film_layers: int, gap: float, vacuum: float,
                           termination: int) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """The two Miller indices, after every option of :func:`build_coherent_interface` is checked before any search.

    The layers are bounded by the atoms the largest allowed interface would hold (:func:`estimated_atoms` over
    ``max_area``) against the ``atoms`` limit; gap in (0, 20] Å, vacuum in (0, 200] Å, termination ≥ 0.
    """
    substrate_miller = check_miller(substrate_miller, "substrate Miller index (--substrate-miller)")
    film_miller = check_miller(film_miller, "film Miller index (--film-miller)")
    check_settings(settings)
    substrate_layers = require_count(substrate_layers, "substrate layers (--substrate-layers)", low=1)
    film_layers = require_count(film_layers, "film layers (--film-layers)", low=1)
    require_range(gap, "gap (--gap)", low=0.0, high=20.0, low_inclusive=False, unit="A")
    require_range(vacuum, "vacuum (--vacuum)", low=0.0, high=200.0, low_inclusive=False, unit="A")
    require_count(termination, "termination (--termination)", low=0)
    estimate = (estimated_atoms(substrate_bulk, substrate_miller, substrate_layers, settings.max_area)
                + estimated_atoms(film_bulk, film_miller, film_layers, settings.max_area))
    require_within_limit(estimate, "atoms", f"an interface of up to {settings.max_area:g} A^2 with {substrate_layers} substrate "
                         f"and {film_layers} film layers")
    return substrate_miller, film_miller


def build_coherent_interface(substrate_bulk: Atoms, film_bulk: Atoms, substrate_miller: tuple[int, int, int],
                             film_miller: tuple[int, int, int], settings: MatchSettings = MatchSettings(),
                             substrate_layers: int = 2, film_layers: int = 2, gap: float = 2.0, vacuum: float = 15.0,
                             termination: int = 0) -> CoherentInterface:
    """The smallest-area coherent interface within the tolerances; no match is a user error."""
    substrate_miller, film_miller = check_coherent_request(substrate_bulk, film_bulk, substrate_miller, film_miller, settings,
                                                           substrate_layers, film_layers, gap, vacuum, termination)
    builder = _interface_builder(substrate_bulk, film_bulk, substrate_miller, film_miller, settings)
    matches = [m for m in builder.zsl_matches if _within_limits(m, settings)]
    if not matches:
        raise SSELabError(f"no coherent interface {tuple(substrate_miller)}|{tuple(film_miller)} within area {settings.max_area:g} A^2, "
                          f"length/angle tolerance {settings.max_length_tol:g}/{settings.max_angle_tol:g}, strain {settings.max_strain:g} "
                          f"and shear {settings.max_angle_mismatch_deg:g} deg; {describe_closest_match(builder.zsl_matches)}")
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
