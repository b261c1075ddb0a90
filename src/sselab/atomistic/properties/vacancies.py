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

A fully relaxed vacancy may not stay where it was made: in HCP Li (0001) the paper's layer-2 vacancy
relaxes into the surface layer. After each relaxation the empty host site is found by matching the relaxed
atoms one-to-one to the host sites (the assignment of least total squared displacement, minimum image);
``plane_after`` records its plane. E_V of a plane stays the energy of removing an atom of that plane and
relaxing, whatever state that ends in; the sites whose vacancy moved are listed as ``moved``.

:func:`vacancy_profile` computes the profile of a given (relaxed) host; :func:`calculate_vacancy_profile`
is ``sselab vacancy-profile``: a metal slab (or the metal on a substrate) built from bulk structures,
e_bulk from the Fiorentini–Methfessel fit, the profile in each mode, as a result with ``to_dict()``,
``from_dict()`` and ``write(run_dir)``::

    result = calculate_vacancy_profile("cu-fcc", metal_planes=5, min_image=5.0, fm_planes=(4, 5, 6), calculator="emt")
    result.vacancy_energies_eV["fully-relaxed"]    # plane → E_V (eV)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import spglib
from ase import Atoms
from ase.calculators.calculator import Calculator
from ase.geometry import get_distances
from scipy.optimize import linear_sum_assignment

from sselab.atomistic.build.checks import check_miller, check_min_image, check_planes
from sselab.atomistic.build.interfaces import DEFAULT_MATCH_AREA_A2, build_interface, check_interface_options, repeat_for_images
from sselab.atomistic.build.slabs import (
    build_slab,
    check_cut,
    plane_index,
    reference_surface_planes,
    require_symmetric,
)
from sselab.atomistic.build.structures import as_atoms
from sselab.atomistic.engine import Engine, as_engine
from sselab.atomistic.properties.checks import check_optional_force_tolerance, finite_energy
from sselab.atomistic.properties.surface import FM_PLANES, check_fm_planes, strained_surface_energy, surface_energy
from sselab.errors import InputError
from sselab.progress import Progress, no_progress
from sselab.runs import HELD
from sselab.validation import require_count

if TYPE_CHECKING:
    from sselab.runs import RunDirectory

MODES = ("as-cleaved", "relaxed-surface", "fully-relaxed")

CalculatorLike = Engine | str | Calculator | None

@dataclass(frozen=True)
class VacancySite:
    plane: int  # 1 = bottom metal plane
    index: int  # atom index in the host
    multiplicity: int  # equivalent sites of the plane it stands for
    formation_energy_eV: float
    converged: bool
    plane_after: int  # plane of the empty site after relaxation (= plane unless the vacancy moved)

    @property
    def moved(self) -> bool:
        """True when relaxation carried the vacancy to another plane."""
        return self.plane_after != self.plane


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

    def moved(self) -> dict[str, str]:
        """Sites whose vacancy left its plane on relaxation: ``"site <index>"`` → ``"plane p -> q"``."""
        return {f"site {s.index}": f"plane {s.plane} -> {s.plane_after}" for s in self.sites if s.moved}

    def warnings(self, label: str) -> list[str]:
        """What a reader of this profile's numbers must know, each line starting with ``label``: vacancies with
        E_V < 0 (removing the atom lowers the energy: the plane is unstable or reconstructs) and vacancies that moved."""
        notes = []
        negative = [s for s in self.sites if s.formation_energy_eV < 0]
        if negative:
            notes.append(f"{label}: {len(negative)} vacancy site(s) with E_V < 0 (planes "
                         f"{sorted({s.plane for s in negative})}): removing that atom lowers the energy, so the plane is "
                         "unstable or reconstructs and ΔE there is not a simple segregation energy")
        notes += [f"{label}: the vacancy at {site} moved ({move}) on relaxation: its E_V is that of the state it moved to"
                  for site, move in self.moved().items()]
        return notes

    def _check(self) -> dict[int, float]:
        energies = self.plane_energies()
        needed = {*self.surface_planes, self.middle_plane}
        if not needed <= set(energies):
            raise InputError(f"the profile needs planes {sorted(needed)} for a segregation energy")
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


def empty_site(host: Atoms, relaxed: Atoms, candidates: np.ndarray, removed: int) -> int:
    """Which of the host sites ``candidates`` is empty in ``relaxed``: the host without atom ``removed`` (one of the
    candidates), relaxed, in the same atom order. Returns the position in ``candidates``.

    The relaxed candidate atoms are matched one-to-one to the candidate sites by the assignment of least total
    squared minimum-image displacement (Hungarian algorithm); the one site left unmatched is the vacancy. A
    collective shift of the neighbours and a hop of one atom into the vacancy are both found.
    """
    kept = candidates[candidates != removed]
    moving = kept - (kept > removed)  # their indices once atom ``removed`` is deleted
    _, distances = get_distances(relaxed.positions[moving], host.positions[candidates], cell=host.cell, pbc=host.pbc)
    _, matched = linear_sum_assignment(distances**2)
    return int(np.setdiff1d(np.arange(len(candidates)), matched)[0])


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


def vacancy_profile(calculator: CalculatorLike, host: Atoms, metal_indices: np.ndarray, bulk_energy_per_atom: float,
                    mode: str = "fully-relaxed", planes: list[int] | None = None, unrelaxed_host: Atoms | None = None,
                    progress: Progress | None = None, surface_planes: tuple[int, ...] = (1,), *, db: str | None = None,
                    device: str = "cpu") -> VacancyProfile:
    """E_V (eq. 3) for vacancies in the requested metal planes (default 1 … middle) of ``host``.

    ``host`` is the relaxed slab/interface; ``unrelaxed_host`` the as-built one, with the same atom
    order. When given, its ideal symmetry decides which sites are distinct (relaxation noise of a
    few 1e-3 Å would otherwise make every atom of a coherent plane look unique); it is required for
    ``as-cleaved``. ``metal_indices`` lists which atoms are the metal; ``surface_planes`` the
    planes that count as the surface or interface (always probed). ``calculator``: a name, an ASE
    calculator or an Engine; ``progress()`` is called after each vacancy.
    """
    engine = as_engine(calculator, db=db, device=device)
    if mode not in MODES:
        raise InputError(f"unknown vacancy mode {mode!r}; choose {', '.join(MODES)}")
    reference = unrelaxed_host if mode == "as-cleaved" else host
    if reference is None:
        raise InputError("as-cleaved vacancies need the unrelaxed host")
    metal_indices = np.asarray(metal_indices)
    numbers = metal_planes(reference, metal_indices)
    count = int(numbers.max())
    middle = (count + 1) // 2
    planes = planes or list(range(1, middle + 1))
    bad = [p for p in planes if not 1 <= p <= count]
    if bad:
        raise InputError(f"metal plane(s) {bad} do not exist: the metal slab has {count} planes (too thin for the request)")
    if middle in surface_planes:
        raise InputError(f"the metal slab is too thin: its middle plane {middle} is still a surface plane "
                          f"(surface planes {list(surface_planes)}); use more metal planes")
    planes = sorted({*planes, *surface_planes, middle})
    pristine = finite_energy(engine.energy(reference), "the vacancy host")
    profile = VacancyProfile(mode, bulk_energy_per_atom, middle, tuple(surface_planes))
    for plane in planes:
        in_plane = metal_indices[numbers == plane]
        for index, multiplicity in distinct_sites(unrelaxed_host if unrelaxed_host is not None else host, in_plane):
            defect = reference.copy()
            defect.calc = None
            del defect[index]
            result = engine.relax(defect) if mode == "fully-relaxed" else engine.energy(defect)
            energy = finite_energy(result, f"a vacancy at atom {index} ({mode})") - pristine + bulk_energy_per_atom
            plane_after = int(numbers[empty_site(reference, result, metal_indices, index)]) if mode == "fully-relaxed" else plane
            profile.sites.append(VacancySite(plane, int(index), multiplicity, float(energy),
                                             bool(result.info.get("converged", True)), plane_after))
            if progress is not None:
                progress()
    return profile


def check_modes(modes: Sequence[str]) -> list[str]:
    """The requested vacancy modes as a list; an empty request or an unknown mode is an input error."""
    chosen = list(modes)
    unknown = [m for m in chosen if m not in MODES]
    if unknown or not chosen:
        raise InputError(f"--modes: unknown mode(s) {unknown}; choose from {', '.join(MODES)}")
    return chosen


def check_layers(layers: Sequence[int] | None, metal_planes: int) -> list[int] | None:
    """The metal planes to probe (``--layers``), each within 1 … ``metal_planes``; None or empty: the default (1 to the middle)."""
    if not layers:
        return None
    chosen = [require_count(layer, "layer (--layers)", low=1) for layer in layers]
    bad = [layer for layer in chosen if layer > metal_planes]
    if bad:
        raise InputError(f"--layers: metal plane(s) {bad} do not exist: the metal slab has {metal_planes} planes "
                         "(too thin for the request)")
    return chosen


def check_vacancy_request(metal: Atoms, substrate: Atoms | None, miller, substrate_miller, metal_planes: int,
                          substrate_planes: int, max_strain: float, min_image: float, registry: str | None,
                          substrate_termination: str | None, fix_substrate_planes: int,
                          max_area: float = DEFAULT_MATCH_AREA_A2, substrate_cut: int = 0) -> tuple[int, int, int]:
    """The metal's Miller index, after the slab (or interface) options are checked before any bulk is relaxed.

    A free slab needs at least 3 metal planes (two surfaces and a middle) within the ``atoms`` limit once
    repeated for ``min_image``; an interface is checked by
    :func:`~sselab.atomistic.build.interfaces.check_interface_options`.
    """
    if substrate is not None:
        check_interface_options(metal, substrate, miller, substrate_miller, metal_planes, substrate_planes, max_strain,
                                min_image, registry, substrate_termination, fix_substrate_planes, max_area, substrate_cut)
        return check_miller(miller, "miller (--miller)")
    miller = check_miller(miller, "miller (--miller)")
    check_planes([metal_planes], "metal planes (--metal-planes)", metal, f"{miller} slab", low=3)
    check_min_image(min_image, "min image (--min-image)")
    return miller


def interface_inputs(substrate_miller, substrate_planes: int, max_strain: float, min_image: float, registry: str | None,
                     substrate_termination: str | None, fix_substrate_planes: int, max_area: float,
                     substrate_cut: int) -> dict[str, Any]:
    """The interface options of a vacancy profile on a substrate, as run.json records them."""
    return {"substrate_miller": [int(i) for i in substrate_miller], "substrate_planes": substrate_planes,
            "max_strain": max_strain, "min_image": min_image, "registry": registry,
            "substrate_termination": substrate_termination, "fix_substrate_planes": fix_substrate_planes,
            "max_area": max_area, "substrate_cut": substrate_cut}


def check_slab_termination(termination: int, metal: Atoms, miller, at_interface: bool) -> int:
    """``termination`` when it indexes a distinct cut of the free ``miller`` slab; at an interface only 0 (the
    interface builder picks the metal's cut; ``--substrate-termination`` chooses the substrate's)."""
    if at_interface:
        if termination != 0:
            raise InputError("--termination applies to a free slab; at an interface use --substrate-termination")
        return 0
    return check_cut(termination, metal, miller)


def vacancy_profile_steps(metal_planes: int, layers: Sequence[int] | None, modes: Sequence[str]) -> int:
    """Progress steps of :func:`calculate_vacancy_profile` (one per probed plane and mode, plus the host), for a bar's total."""
    middle = (metal_planes + 1) // 2
    probed = middle if not layers else len(set(layers) | {middle})  # arithmetic: metal_planes is not yet bounded here
    return 1 + probed * len(modes)


@dataclass(frozen=True, kw_only=True)
class VacancyProfileCalculation:
    """What ``sselab vacancy-profile`` computes: layer-resolved E_V (eq. 3) in a metal slab or at an interface.

    Every field but ``relaxed_host``, ``profiles`` and ``inputs`` is a key of :meth:`to_dict`
    (``moved``: mode → the sites whose vacancy left its plane on relaxation; ``warnings``: vacancies with E_V < 0 or
    that moved, one line each), except that ``delta_e_eV``
    (mode → E_V(middle) − E_V(surface), eV) is written as ``delta_e_bulk_int_eV``
    for an interface and ``delta_e_bulk_free_eV`` for a free slab (eqs. 11, 12). Planes count from 1
    at the interface or surface.
    """

    structure: str
    substrate: str | None
    miller: list[int]
    vacancy_energies_eV: dict[str, dict[int, float]]
    delta_e_eV: dict[str, float]
    sites: dict[str, list[dict[str, Any]]]
    bulk_energy_per_atom_eV: float
    engine: dict[str, Any]
    moved: dict[str, dict[str, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    relaxed_host: Atoms | None = field(default=None, repr=False, compare=False, metadata=HELD)
    profiles: dict[str, VacancyProfile] | None = field(default=None, repr=False, compare=False, metadata=HELD)
    inputs: dict[str, Any] = field(default_factory=dict, repr=False, compare=False, metadata=HELD)

    @property
    def delta_e_key(self) -> str:
        """``delta_e_bulk_int_eV`` at an interface, ``delta_e_bulk_free_eV`` in a free slab."""
        return "delta_e_bulk_int_eV" if self.substrate else "delta_e_bulk_free_eV"

    def to_dict(self) -> dict[str, Any]:
        """The ``sselab vacancy-profile --json`` summary, without ``run_directory``."""
        return {"structure": self.structure, "substrate": self.substrate, "miller": self.miller,
                "vacancy_energies_eV": self.vacancy_energies_eV, self.delta_e_key: self.delta_e_eV, "sites": self.sites,
                "bulk_energy_per_atom_eV": self.bulk_energy_per_atom_eV, "engine": self.engine, "moved": self.moved,
                "warnings": self.warnings}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VacancyProfileCalculation:
        """Back from :meth:`to_dict` (or run.json's summary, whose plane keys are text).

        Without the relaxed host, :meth:`write` writes run.json and the figure only.
        """
        key = "delta_e_bulk_int_eV" if data["substrate"] else "delta_e_bulk_free_eV"
        energies = {mode: {int(plane): energy for plane, energy in by_plane.items()}
                    for mode, by_plane in data["vacancy_energies_eV"].items()}
        return cls(structure=data["structure"], substrate=data["substrate"], miller=data["miller"], vacancy_energies_eV=energies,
                   delta_e_eV=data[key], sites=data["sites"], bulk_energy_per_atom_eV=data["bulk_energy_per_atom_eV"],
                   engine=data["engine"], moved=data.get("moved", {}), warnings=data.get("warnings", []))

    @property
    def title(self) -> str:
        """What was computed, for figures: ``li-bcc/licl (CHGNet 0.3.0)`` or ``li-bcc (1, 0, 0) slab (...)``."""
        where = f"{self.structure}/{self.substrate}" if self.substrate else f"{self.structure} {tuple(self.miller)} slab"
        return f"{where} ({self.engine.get('model', '')})"

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """run.json, ``vacancy_profile.png`` and ``host_relaxed.extxyz`` (the relaxed slab or interface)."""
        from ase.io import write

        from sselab.plots.segregation import vacancy_profile_figure
        from sselab.runs import RunDirectory

        run = RunDirectory.open(run_dir, "vacancy-profile", self.inputs)
        if self.relaxed_host is not None:
            write(run.path / "host_relaxed.extxyz", self.relaxed_host)
        run.save_figure("vacancy_profile", vacancy_profile_figure(self))
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run


def calculate_vacancy_profile(structure: str | Path | Atoms, *, miller: tuple[int, int, int] = (1, 0, 0),
                              substrate: str | Path | Atoms | None = None, substrate_miller: tuple[int, int, int] = (1, 0, 0),
                              metal_planes: int = 11, substrate_planes: int = 4, max_strain: float = 0.08, min_image: float = 9.0,
                              registry: str | None = None, substrate_termination: str | None = None,
                              fix_substrate_planes: int = 0, max_area: float = DEFAULT_MATCH_AREA_A2, substrate_cut: int = 0,
                              termination: int = 0, layers: Sequence[int] | None = None, fm_planes: tuple[int, ...] = FM_PLANES,
                              modes: Sequence[str] = MODES, calculator: CalculatorLike = "chgnet", db: str | None = None,
                              device: str = "cpu", fmax: float | None = None,
                              progress: Progress = no_progress) -> VacancyProfileCalculation:
    """``sselab vacancy-profile``: E_V by metal plane (seed 001 eq. 3, Figs. 1 and 3) in each of ``modes``.

    Without ``substrate``: a free ``metal_planes``-plane ``miller`` slab of the relaxed ``structure``,
    repeated so that vacancy images are ≥ ``min_image`` Å apart, e_bulk from the Fiorentini–Methfessel
    fit over ``fm_planes``; ``termination`` picks among the distinct cuts of ``miller``
    (:func:`~sselab.atomistic.build.slabs.build_slab`; HCP (10-10) has two). With ``substrate``: the coherent interface of
    :func:`~sselab.atomistic.build.interfaces.build_interface` (``miller`` is the metal's facet), e_bulk
    from the fit of equally strained slabs. ``layers``: metal planes to probe (default 1 to the middle).
    ``calculator``: a name, an ASE calculator or an Engine; ``fmax`` (eV/Å) the relaxation tolerance.
    ``progress`` is called once the host is relaxed and after each vacancy (:func:`vacancy_profile_steps`).
    """
    chosen = check_modes(modes)
    fmax = check_optional_force_tolerance(fmax, "--fmax (fmax)")
    metal_atoms = as_atoms(structure)
    substrate_atoms = None if substrate is None else as_atoms(substrate)
    miller = check_vacancy_request(metal_atoms, substrate_atoms, miller, substrate_miller, metal_planes, substrate_planes,
                                   max_strain, min_image, registry, substrate_termination, fix_substrate_planes, max_area,
                                   substrate_cut)
    termination = check_slab_termination(termination, metal_atoms, miller, substrate_atoms is not None)
    probe = check_layers(layers, metal_planes)
    fm_planes = check_fm_planes(fm_planes, metal_atoms, miller)
    engine = as_engine(calculator, db=db, device=device, fmax=fmax)
    label = metal_atoms.info["structure"]
    metal_bulk = engine.relax(metal_atoms, cell=True)
    if substrate_atoms is None:
        substrate_label = None
        slab = build_slab(metal_bulk, miller, metal_planes, termination=termination)
        require_symmetric(slab, metal_planes, miller)
        host = repeat_for_images(slab, min_image, f"the {metal_planes}-plane slab")
        metal_indices = np.arange(len(host))
        outer = reference_surface_planes(metal_bulk, miller, termination=termination)
        bulk_fit = surface_energy(engine, metal_bulk, miller, fm_planes, termination=termination)
    else:
        substrate_label = substrate_atoms.info["structure"]
        substrate_bulk = engine.relax(substrate_atoms, cell=True)
        model = build_interface(metal_bulk, substrate_bulk, tuple(miller), tuple(substrate_miller), metal_planes,
                                substrate_planes, max_strain, min_image, registry, substrate_termination,
                                fix_substrate_planes=fix_substrate_planes, max_area=max_area, substrate_cut=substrate_cut)
        host, metal_indices, outer = model.interface, model.metal_indices, model.surface_planes
        bulk_fit = strained_surface_energy(engine, metal_bulk, model, tuple(miller), tuple(fm_planes))
    relaxed = engine.relax(host)
    progress("vacancies")
    profiles = {mode: vacancy_profile(engine, relaxed, metal_indices, bulk_fit.bulk_energy_per_atom_eV, mode, probe,
                                      unrelaxed_host=host, progress=progress, surface_planes=outer)
                for mode in chosen}
    inputs = {"structure": label, "miller": list(miller), "substrate": substrate_label, "metal_planes": metal_planes,
              "termination": termination, "modes": chosen, "db": engine.cache.location}
    if substrate_label is not None:
        inputs |= interface_inputs(substrate_miller, substrate_planes, max_strain, min_image, registry, substrate_termination,
                                   fix_substrate_planes, max_area, substrate_cut)
    return VacancyProfileCalculation(
        structure=label, substrate=substrate_label, miller=list(miller),
        vacancy_energies_eV={mode: p.plane_energies() for mode, p in profiles.items()},
        delta_e_eV={mode: p.segregation_energy_eV for mode, p in profiles.items()},
        sites={mode: [vars(s) for s in p.sites] for mode, p in profiles.items()},
        bulk_energy_per_atom_eV=bulk_fit.bulk_energy_per_atom_eV, engine=engine.record(),
        moved={mode: p.moved() for mode, p in profiles.items() if p.moved()},
        warnings=[note for mode, p in profiles.items() for note in p.warnings(mode)], relaxed_host=relaxed, profiles=profiles, inputs=inputs,
    )
