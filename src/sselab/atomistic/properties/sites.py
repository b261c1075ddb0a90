"""Where an exchange ion sits in LLZO: the site scan and growth to higher concentrations (seed 000).

Site sampling (seed 000 §3.1, Fig. 2)
-------------------------------------
One Li of an ordered cubic LLZO cell is replaced by the exchange ion M (Na, Ag, K) at each chosen Li site
and all positions are relaxed at fixed cell (the host's relaxed cell). The site energies are reported
relative to the lowest one, ΔE_i = E_i − min_j E_j (eV). Each configuration is named as in the paper:
``O<k>`` when the replaced Li sat in an octahedral (96h) site, ``T<k>`` when tetrahedral (24d), numbered by
energy within its type, and ``*T<k>`` when the ion left its tetrahedron for an octahedron during the
relaxation (a T→O hop). The site an ion sits in after relaxation is the nearest Li candidate site of the
cubic garnet framework (24 tetrahedral 24d + 96 octahedral 96h positions per conventional cell, empty ones
included), so a hop into an *empty* neighbouring octahedron is detected.

Which Li sites: an ordered Li arrangement has little or no symmetry, so symmetry-equivalent Li (spglib,
when the ordering keeps any symmetry) are scanned once, and from the distinct ones ``octahedral`` and
``tetrahedral`` representatives are taken evenly spread over the range of their formal-charge Madelung
site energies (pymatgen ``EwaldSummation.get_site_energy``) — the paper's 21 sites (14 O, 7 T) are the
defaults. Higher concentrations follow the paper: the lowest configuration with n ions is the start for
n + 1, whose extra ion is scanned over ``candidates`` octahedral Li sites again.

"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator
from ase.data import atomic_numbers
from ase.geometry import get_distances

from sselab.atomistic.build.defects import llzo_li_sites, select_li_sites, substitute
from sselab.atomistic.build.llzo import OCTAHEDRAL, TETRAHEDRAL
from sselab.atomistic.engine import Engine, as_engine
from sselab.atomistic.properties.checks import finite_energy
from sselab.errors import SSELabError
from sselab.progress import Progress, no_progress

SITE_TYPES = {OCTAHEDRAL: "octahedral", TETRAHEDRAL: "tetrahedral"}


OFF_SITE_A = 0.5  # 30 % of the 24d-96h distance (1.66 Å): farther than this from every candidate site is "between sites"



def nearest_site_type(atoms: Atoms, index: int, site_positions: np.ndarray, site_labels: np.ndarray) -> tuple[str, float]:
    """'octahedral' or 'tetrahedral' for the Li candidate site nearest atom ``index``, and its distance (Å)."""
    _, distances = get_distances(atoms.positions[index], site_positions, cell=atoms.cell, pbc=True)
    nearest = int(np.argmin(distances[0]))
    return SITE_TYPES[str(site_labels[nearest])], float(distances[0, nearest])


@dataclass(frozen=True)
class SiteEnergy:
    """One exchange-ion configuration after relaxation at fixed cell (energies eV, distances Å)."""

    name: str  # O<k>, T<k>, or *T<k> for a tetrahedral start that ended octahedral
    index: int  # atom index of the replaced Li in the host
    site_before: str
    site_after: str
    energy_eV: float
    relative_eV: float  # E - min E over the scan
    displacement_A: float  # how far the exchange ion moved in the relaxation
    converged: bool
    site_distance_A: float = 0.0  # from the nearest Li candidate site after relaxation

    @property
    def off_site(self) -> bool:
        """More than OFF_SITE_A from every candidate site: stuck between sites, the O/T label is only the nearest one."""
        return self.site_distance_A > OFF_SITE_A

    @property
    def hopped(self) -> bool:
        return self.site_before != self.site_after


@dataclass(frozen=True)
class SiteScan:
    """The site-preference scan of one exchange ion (seed 000 Fig. 2)."""

    element: str
    sites: tuple[SiteEnergy, ...]

    @property
    def best(self) -> SiteEnergy:
        return min(self.sites, key=lambda s: s.energy_eV)

    def lowest(self, site_after: str) -> SiteEnergy | None:
        candidates = [s for s in self.sites if s.site_after == site_after]
        return min(candidates, key=lambda s: s.energy_eV) if candidates else None

    @property
    def octahedral_preference_eV(self) -> float | None:
        """E(lowest ion ending tetrahedral) − E(lowest ion ending octahedral); positive = octahedral preferred."""
        octahedral, tetrahedral = self.lowest("octahedral"), self.lowest("tetrahedral")
        if octahedral is None or tetrahedral is None:
            return None
        return tetrahedral.energy_eV - octahedral.energy_eV

    @property
    def hops(self) -> int:
        return sum(s.hopped for s in self.sites)

    def as_dict(self) -> dict[str, Any]:
        return {"element": self.element, "best": self.best.name, "best_energy_eV": self.best.energy_eV,
                "best_site_after": self.best.site_after, "octahedral_preference_eV": self.octahedral_preference_eV,
                "t_to_o_hops": self.hops, "off_site": sum(s.off_site for s in self.sites),
                "sites": [{**asdict(s), "hopped": s.hopped, "off_site": s.off_site} for s in self.sites]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SiteScan:
        """Back from :meth:`as_dict` (the derived entries — best, preference, hop counts — are recomputed)."""
        names = {f.name for f in fields(SiteEnergy)}
        return cls(data["element"], tuple(SiteEnergy(**{k: v for k, v in site.items() if k in names}) for site in data["sites"]))


def name_sites(raw: list[dict[str, Any]]) -> tuple[SiteEnergy, ...]:
    """Name relaxed configurations as the paper does: ``O<k>``/``T<k>`` by energy within the starting site type,
    ``*`` for a start that ended in the other type; ``relative_eV`` from the lowest of all."""
    lowest = min(r["energy_eV"] for r in raw)
    counters = {"octahedral": 0, "tetrahedral": 0}
    named = []
    for record in sorted(raw, key=lambda r: r["energy_eV"]):
        counters[record["site_before"]] += 1
        letter = "O" if record["site_before"] == "octahedral" else "T"
        star = "*" if record["site_after"] != record["site_before"] else ""
        named.append(SiteEnergy(name=f"{star}{letter}{counters[record['site_before']]}", relative_eV=record["energy_eV"] - lowest,
                                **record))
    return tuple(named)


def scan_sites(calculator: Engine | str | Calculator, host: Atoms, element: str, indices: list[int],
               occupied: tuple[int, ...] = (), progress: Progress = no_progress, *, db: str | None = None,
               device: str = "cpu") -> tuple[SiteScan, dict[int, Atoms]]:
    """Put ``element`` on each Li site in ``indices`` (besides those already in ``occupied``), relax at fixed cell.

    ``calculator``: a name, an ASE calculator or an :class:`~sselab.atomistic.engine.Engine` (``db``, ``device`` for a
    new one). ``host`` is the relaxed host (for n > 1, the host with the ``occupied`` ions already in place). Returns
    the scan and the relaxed structure of every configuration, keyed by the scanned index.
    """
    engine = as_engine(calculator, db=db, device=device)
    if not indices:
        raise SSELabError("no Li sites to scan")
    li = set(np.flatnonzero(host.numbers == atomic_numbers["Li"]).tolist())
    bad = [i for i in indices if i not in li]
    if bad:
        raise SSELabError(f"atoms {bad} are not Li")
    site_positions, site_labels = llzo_li_sites(host)
    raw: list[dict[str, Any]] = []
    relaxed: dict[int, Atoms] = {}
    for index in indices:
        start = substitute(host, [*occupied, index], element)
        before, _ = nearest_site_type(start, index, site_positions, site_labels)
        progress(f"{element} on Li {index} ({before})")
        result = engine.relax(start, cell=False)
        after, off = nearest_site_type(result, index, site_positions, site_labels)
        _, moved = get_distances(start.positions[index], result.positions[index], cell=host.cell, pbc=True)
        raw.append({"index": int(index), "site_before": before, "site_after": after,
                    "energy_eV": finite_energy(result, f"{element} on Li {index}"), "displacement_A": float(moved[0, 0]),
                    "converged": bool(result.info.get("converged", True)), "site_distance_A": off})
        relaxed[int(index)] = result
    return SiteScan(element, name_sites(raw)), relaxed


@dataclass(frozen=True)
class ConcentrationStep:
    """The lowest configuration with ``count`` exchange ions and how it was reached."""

    count: int
    concentration: float  # exchange ions per Li site of the host (count / Li in the pristine cell)
    indices: tuple[int, ...]
    energy_eV: float
    scanned_sites: int

    def as_dict(self) -> dict[str, Any]:
        return {"count": self.count, "concentration": self.concentration, "indices": list(self.indices),
                "energy_eV": self.energy_eV, "scanned_sites": self.scanned_sites}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConcentrationStep:
        return cls(int(data["count"]), float(data["concentration"]), tuple(int(i) for i in data["indices"]),
                   float(data["energy_eV"]), int(data["scanned_sites"]))


def grow_concentration(calculator: Engine | str | Calculator, host: Atoms, element: str, first: Atoms, first_index: int,
                       counts: int, candidates: int = 4, progress: Progress = no_progress, *, db: str | None = None,
                       device: str = "cpu") -> tuple[list[ConcentrationStep], list[Atoms]]:
    """Seed 000 §2.1: each next exchange ion is scanned over ``candidates`` octahedral Li of the previous best.

    ``first`` is the relaxed lowest single-ion configuration (replaced index ``first_index``). Returns the steps
    for 1..``counts`` ions and their relaxed structures (fixed cell). ``calculator`` as for :func:`scan_sites`.
    """
    engine = as_engine(calculator, db=db, device=device)
    n_li = int(np.count_nonzero(host.numbers == atomic_numbers["Li"]))
    steps = [ConcentrationStep(1, 1 / n_li, (first_index,), finite_energy(first, f"{element} on Li {first_index}"), 0)]
    structures = [first]
    current = first
    occupied = (first_index,)
    for count in range(2, counts + 1):
        base = current.copy()
        base.arrays["site"] = host.arrays["site"]
        pool = select_li_sites(_as_li(base, occupied), octahedral=candidates + len(occupied), tetrahedral=0)
        pool = [i for i in pool if i not in occupied][:candidates]
        scan, relaxed = scan_sites(engine, _as_li(base, occupied), element, pool, occupied, progress)
        best = scan.best
        occupied = (*occupied, best.index)
        current = relaxed[best.index]
        steps.append(ConcentrationStep(count, count / n_li, occupied, best.energy_eV, len(pool)))
        structures.append(current)
    return steps, structures


def _as_li(atoms: Atoms, indices: tuple[int, ...]) -> Atoms:
    """``atoms`` with the exchange ions at ``indices`` shown as Li again (for site selection by Li labels)."""
    out = substitute(atoms, list(indices), "Li")
    out.arrays["site"] = atoms.arrays["site"]
    return out
