"""Layer-resolved metal-vacancy formation energies in slabs and interfaces (seed 001 eq. 3).

For a slab (or interface) with i metal atoms, removing one metal atom costs

    E_V = E(slab, i-1) - E(slab, i) + e_bulk                                          (eq. 3)

with e_bulk the metal's energy per atom in the equally strained bulk (the Fiorentini–Methfessel
slope of :mod:`sselab.atomistic.properties.surface`). Three modes, as in the paper's Fig. 1:

- ``as-cleaved``: the unrelaxed slab, the vacancy made without relaxation;
- ``relaxed-surface``: the relaxed slab, the vacancy made without relaxation (for interfaces the
  paper's "unrelaxed vacancy");
- ``fully-relaxed``: the relaxed slab, all atoms relaxed again around the vacancy.

Metal planes are numbered from 1 at the bottom of the metal (the interface, or a free surface) to
the middle of the metal, which stands for the bulk. For each plane the vacancy is made at every
symmetry-distinct site of that plane (spglib equivalence of the host), so an incoherent interface
yields its site-resolved distribution. Then

    ΔE_bulk-int (or ΔE_bulk-free) = E_V(middle plane) - E_V(surface)                  (eqs. 11, 12)

where E_V(surface) is plane 1, or the mean over the undercoordinated planes when there are several
(HCP (10-10): planes 1 and 2, as the paper averages them); per site of those planes as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import spglib
from ase import Atoms

from sselab.atomistic.build.slabs import plane_index
from sselab.atomistic.engine import Engine
from sselab.errors import SSELabError

MODES = ("as-cleaved", "relaxed-surface", "fully-relaxed")


@dataclass(frozen=True)
class VacancySite:
    plane: int  # 1 = bottom metal plane
    index: int  # atom index in the host
    multiplicity: int  # equivalent sites of the plane it stands for
    formation_energy_eV: float
    converged: bool


@dataclass
class VacancyProfile:
    mode: str
    bulk_energy_per_atom_eV: float
    middle_plane: int
    surface_planes: tuple[int, ...] = (1,)
    sites: list[VacancySite] = field(default_factory=list)

    def plane_energies(self) -> dict[int, float]:
        """Multiplicity-weighted mean E_V per plane."""
        planes: dict[int, list[tuple[float, int]]] = {}
        for site in self.sites:
            planes.setdefault(site.plane, []).append((site.formation_energy_eV, site.multiplicity))
        return {p: float(np.average([e for e, _ in v], weights=[w for _, w in v])) for p, v in sorted(planes.items())}

    def _check(self) -> dict[int, float]:
        energies = self.plane_energies()
        needed = {*self.surface_planes, self.middle_plane}
        if not needed <= set(energies):
            raise SSELabError(f"the profile needs planes {sorted(needed)} for a segregation energy")
        return energies

    def segregation_by_site(self) -> dict[str, float]:
        """ΔE_bulk-(int|free) per distinct site of the surface plane(s): E_V(bulk) - E_V(site), eV."""
        bulk = self._check()[self.middle_plane]
        return {f"site {s.index}": bulk - s.formation_energy_eV for s in self.sites if s.plane in self.surface_planes}

    @property
    def segregation_energy_eV(self) -> float:
        """ΔE between the middle plane and the surface plane(s) (plane means, averaged over surface planes)."""
        energies = self._check()
        return energies[self.middle_plane] - float(np.mean([energies[p] for p in self.surface_planes]))


def metal_planes(host: Atoms, metal_indices: np.ndarray) -> np.ndarray:
    """Plane number (1 = lowest) of each metal atom, for the metal atoms only."""
    return plane_index(host[metal_indices]) + 1


def distinct_sites(host: Atoms, candidates: np.ndarray, symprec: float = 1e-3) -> list[tuple[int, int]]:
    """(representative index, multiplicity) for symmetry-distinct atoms among ``candidates``."""
    cell = (host.cell.array, host.get_scaled_positions(), host.numbers)
    spglib.error.OLD_ERROR_HANDLING = False  # raise instead of returning None with a deprecation warning
    try:
        classes = spglib.get_symmetry_dataset(cell, symprec=symprec).equivalent_atoms
    except spglib.error.SpglibError:  # no symmetry found: every atom is its own class
        classes = np.arange(len(host))
    groups: dict[int, list[int]] = {}
    for index in candidates:
        groups.setdefault(int(classes[index]), []).append(int(index))
    centre = host.cell.array[0, :2] / 2 + host.cell.array[1, :2] / 2
    representatives = []
    for members in groups.values():
        # the member nearest the in-plane centre of the cell (far from the cell edges)
        distances = [np.linalg.norm(host.positions[m, :2] - centre) for m in members]
        representatives.append((members[int(np.argmin(distances))], len(members)))
    return sorted(representatives)


def vacancy_profile(engine: Engine, host: Atoms, metal_indices: np.ndarray, bulk_energy_per_atom: float,
                    mode: str = "fully-relaxed", planes: list[int] | None = None, unrelaxed_host: Atoms | None = None,
                    progress=None, surface_planes: tuple[int, ...] = (1,)) -> VacancyProfile:
    """E_V for vacancies in the requested metal planes (default 1 … middle) of ``host``.

    ``host`` is the relaxed slab/interface; ``unrelaxed_host`` the as-built one, with the same atom
    order. When given, its ideal symmetry decides which sites are distinct (relaxation noise of a
    few 1e-3 Å would otherwise make every atom of a coherent plane look unique); it is required for
    ``as-cleaved``. ``metal_indices`` lists which atoms are the metal; ``surface_planes`` the
    planes that count as the surface or interface (always probed).
    """
    if mode not in MODES:
        raise SSELabError(f"unknown vacancy mode {mode!r}; choose {', '.join(MODES)}")
    reference = unrelaxed_host if mode == "as-cleaved" else host
    if reference is None:
        raise SSELabError("as-cleaved vacancies need the unrelaxed host")
    metal_indices = np.asarray(metal_indices)
    numbers = metal_planes(reference, metal_indices)
    count = int(numbers.max())
    middle = (count + 1) // 2
    planes = planes or list(range(1, middle + 1))
    bad = [p for p in planes if not 1 <= p <= count]
    if bad:
        raise SSELabError(f"metal plane(s) {bad} do not exist: the metal slab has {count} planes (too thin for the request)")
    if middle in surface_planes:
        raise SSELabError(f"the metal slab is too thin: its middle plane {middle} is still a surface plane "
                          f"(surface planes {list(surface_planes)}); use more metal planes")
    planes = sorted({*planes, *surface_planes, middle})
    pristine = engine.energy(reference).get_potential_energy()
    profile = VacancyProfile(mode, bulk_energy_per_atom, middle, tuple(surface_planes))
    for plane in planes:
        in_plane = metal_indices[numbers == plane]
        for index, multiplicity in distinct_sites(unrelaxed_host if unrelaxed_host is not None else host, in_plane):
            defect = reference.copy()
            defect.calc = None
            del defect[index]
            result = engine.relax(defect) if mode == "fully-relaxed" else engine.energy(defect)
            energy = result.get_potential_energy() - pristine + bulk_energy_per_atom
            profile.sites.append(VacancySite(plane, int(index), multiplicity, float(energy), bool(result.info.get("converged", True))))
            if progress is not None:
                progress()
    return profile
