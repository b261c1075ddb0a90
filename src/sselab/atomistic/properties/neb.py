"""Vacancy hops by the climbing-image nudged elastic band (seed 001 Fig. 2).

A vacancy at site A hops to a neighbouring site B: the atom at B moves into A. Both end points are
relaxed (cell fixed); the band between them has ``images`` intermediate images (3 in the paper),
interpolated with the image-dependent pair potential (IDPP) and relaxed with ASE's NEB
(climbing image) to ``fmax``. The barrier is max(E_image) - E(initial); the reverse barrier is
max(E_image) - E(final).

:func:`vacancy_hop` runs the band for two sites of a given host; :func:`calculate_vacancy_hop` is
``sselab neb``: a metal slab built from a bulk structure, the hop between two of its planes, as a result
with ``to_dict()``, ``from_dict()`` and ``write(run_dir)``::

    result = calculate_vacancy_hop("cu-fcc", from_layer=1, to_layer=2, metal_planes=5, min_image=5.0, calculator="emt")
    result.barrier_eV
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator
from ase.calculators.singlepoint import SinglePointCalculator
from ase.mep import NEB
from ase.optimize import FIRE

from sselab.atomistic.build.checks import check_miller, check_min_image, check_planes, check_repeats
from sselab.atomistic.build.interfaces import repeat_for_images
from sselab.atomistic.build.slabs import build_slab, check_cut, plane_index
from sselab.atomistic.build.structures import as_atoms
from sselab.atomistic.engine import Engine, as_engine
from sselab.atomistic.properties.checks import check_force_tolerance, check_optional_force_tolerance, finite_energies
from sselab.errors import InputError
from sselab.progress import Progress, no_progress
from sselab.runs import HELD, from_summary, summary_of
from sselab.validation import require_count, require_range

if TYPE_CHECKING:
    from sselab.runs import RunDirectory

CalculatorLike = Engine | str | Calculator | None

#: Most intermediate images of one band: the climbing image needs a few (seed 001: 3); each costs a force call per step.
MAX_IMAGES = 30
#: Longest hop accepted by default, Å: beyond every nearest-neighbour distance of the alkali metals (Na 3.7 Å).
#: The HCP Li (0001) layer 1 → 3 hop of seed 001 Fig. S6 spans the c axis (~5 Å) and needs a larger ``max_hop_A``.
MAX_HOP_A = 4.5

@dataclass(frozen=True)
class HopResult:
    image_energies_eV: tuple[float, ...]  # initial, intermediates, final
    path_length_A: tuple[float, ...]  # cumulative distance along the band
    converged: bool

    @property
    def barrier_eV(self) -> float:
        return max(self.image_energies_eV) - self.image_energies_eV[0]

    @property
    def reverse_barrier_eV(self) -> float:
        return max(self.image_energies_eV) - self.image_energies_eV[-1]

    @property
    def reaction_energy_eV(self) -> float:
        return self.image_energies_eV[-1] - self.image_energies_eV[0]


def hop_endpoints(host: Atoms, site_from: int, site_to: int) -> tuple[Atoms, Atoms]:
    """Vacancy at ``site_from`` (initial) and at ``site_to`` (final), same atom order in both."""
    if site_from == site_to:
        raise InputError("a hop needs two different sites")
    for site in (site_from, site_to):
        if not 0 <= site < len(host):
            raise InputError(f"site {site} is not an atom index of the host ({len(host)} atoms)")
    initial = host.copy()
    initial.calc = None
    target = initial.positions[site_from].copy()
    del initial[site_from]
    moving = site_to - (site_to > site_from)
    final = initial.copy()
    final.positions[moving] = target
    return initial, final


def _band_length(images: list[Atoms]) -> tuple[float, ...]:
    lengths = [0.0]
    for first, second in zip(images[:-1], images[1:]):
        step = second.positions - first.positions
        lengths.append(lengths[-1] + float(np.linalg.norm(step)))
    return tuple(lengths)


def vacancy_hop(calculator: CalculatorLike, host: Atoms, site_from: int, site_to: int, images: int = 3, fmax: float = 0.05,
                max_steps: int = 300, *, max_hop_A: float = MAX_HOP_A, db: str | None = None,
                device: str = "cpu") -> HopResult:
    """Climbing-image NEB for the vacancy hop site_from → site_to in a relaxed ``host``.

    ``calculator``: a name, an ASE calculator or an Engine (whose relaxation tolerance relaxes the end
    points); ``fmax`` (eV/Å) is the band's force tolerance; ``max_hop_A`` the longest site distance accepted.
    The band is one cached task.
    """
    check_band(images, fmax)
    max_hop_A = check_max_hop(max_hop_A)
    max_steps = require_count(max_steps, "max_steps", low=1)
    engine = as_engine(calculator, db=db, device=device)
    check_repeats(len(host), (images + 2,), f"a band of {images} images")  # the band holds every image at once
    for site in (site_from, site_to):
        require_count(site, f"site (an atom index of the {len(host)}-atom host)", low=0, high=len(host) - 1)
    distance = host.get_distance(site_from, site_to, mic=True)
    if distance > max_hop_A:
        raise InputError(f"sites {site_from} and {site_to} are {distance:.2f} A apart, beyond the longest hop "
                         f"{max_hop_A:g} A: not a nearest-neighbour hop (--max-hop accepts a longer one)")
    start, end = hop_endpoints(host, site_from, site_to)
    initial = engine.relax(start)
    final = engine.relax(end)
    task = {"kind": "neb", "images": images, "fmax": fmax, "max_steps": max_steps, "climb": True,
            "final": np.round(final.positions, 6).tolist()}

    def compute(first: Atoms) -> tuple[Atoms, dict]:
        band = [first.copy() for _ in range(images + 1)] + [final.copy()]
        for image in band:
            image.calc = engine.loaded.calculator
        neb = NEB(band, climb=True, allow_shared_calculator=True, method="improvedtangent")
        neb.interpolate(method="idpp", mic=True)
        optimizer = FIRE(neb, logfile=None)
        converged = bool(optimizer.run(fmax=fmax, steps=max_steps))
        energies = finite_energies([image.get_potential_energy() for image in band], "an image of the band")
        saddle = band[int(np.argmax(energies))].copy()
        saddle.calc = SinglePointCalculator(saddle, energy=max(energies))
        calls = (optimizer.nsteps + 1) * images + 2
        return saddle, {"converged": converged, "steps": int(optimizer.nsteps), "calculator_calls": int(calls),
                        "image_energies": energies, "path_length": list(_band_length(band))}

    engine.spec.check_elements(set(initial.get_chemical_symbols()))
    saddle = engine.cache.get_or_compute(initial, engine.spec, task, compute)
    return HopResult(tuple(saddle.info["image_energies"]), tuple(saddle.info["path_length"]), bool(saddle.info["converged"]))


def check_band(images: int, neb_fmax: float) -> None:
    """Refuse a band without intermediate images or with more than :data:`MAX_IMAGES`, and a band tolerance outside
    (0, 1] eV/Å (:func:`~sselab.atomistic.properties.checks.check_force_tolerance`: ``inf`` would call any band converged)."""
    require_count(images, "images (--images)", low=1, high=MAX_IMAGES)
    check_force_tolerance(neb_fmax, "--neb-fmax (neb_fmax)")


def check_max_hop(max_hop_A: float) -> float:
    """The longest accepted hop, Å: within (0, 10] (a band longer than that is not one vacancy hop)."""
    return require_range(max_hop_A, "--max-hop (max_hop_A)", low=0.0, low_inclusive=False, high=10.0, unit="A")


def check_hop_request(from_layer: int, to_layer: int, metal_planes: int, neb_fmax: float, images: int = 3,
                      max_hop_A: float = MAX_HOP_A) -> None:
    """Refuse a hop between planes the slab does not have, a band :func:`check_band` refuses and a bad ``max_hop_A``."""
    check_band(images, neb_fmax)
    check_max_hop(max_hop_A)
    metal_planes = require_count(metal_planes, "metal planes (--metal-planes)", low=2)
    for layer, name in ((from_layer, "--from-layer"), (to_layer, "--to-layer")):
        if isinstance(layer, bool) or not isinstance(layer, Integral) or not 1 <= layer <= metal_planes:
            raise InputError(f"{name}: layer {layer!r} does not exist in a {metal_planes}-plane slab")


def hop_sites(host: Atoms, from_layer: int, to_layer: int) -> tuple[int, int]:
    """The atom of ``from_layer`` (1 = bottom plane) nearest the cell centre and its nearest neighbour in ``to_layer``."""
    labels = plane_index(host) + 1
    origin = np.flatnonzero(labels == from_layer)
    target = np.flatnonzero(labels == to_layer)
    if len(origin) == 0 or len(target) == 0:
        raise InputError(f"layers {from_layer} and {to_layer} must both exist in the slab")
    centre = (host.cell.array[0, :2] + host.cell.array[1, :2]) / 2
    start = origin[np.argmin(np.linalg.norm(host.positions[origin, :2] - centre, axis=1))]
    target = target[target != start]  # a hop within one plane goes to another atom of it
    if len(target) == 0:
        raise InputError(f"layer {to_layer} holds no atom for the vacancy to hop to")
    distances = host.get_distances(start, target, mic=True)
    return int(start), int(target[np.argmin(distances)])


@dataclass(frozen=True, kw_only=True)
class VacancyHopCalculation:
    """What ``sselab neb`` computes: a vacancy hop between two planes of a metal slab (seed 001 Fig. 2).

    Every field but ``hop`` and ``inputs`` is a key of :meth:`to_dict` (the ``--json`` summary).
    Energies in eV, the hop distance (the band's length) in Å.
    """

    structure: str
    miller: list[int]
    from_layer: int
    to_layer: int
    barrier_eV: float
    reverse_barrier_eV: float
    reaction_energy_eV: float
    image_energies_eV: list[float]
    converged: bool
    hop_distance_A: float
    engine: dict[str, Any]
    hop: HopResult | None = field(default=None, repr=False, compare=False, metadata=HELD)
    inputs: dict[str, Any] = field(default_factory=dict, repr=False, compare=False, metadata=HELD)

    def to_dict(self) -> dict[str, Any]:
        """The ``sselab neb --json`` summary, without ``run_directory``."""
        return summary_of(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VacancyHopCalculation:
        """Back from :meth:`to_dict` (or run.json's summary); without the band, :meth:`write` writes run.json only."""
        return from_summary(cls, data)

    @property
    def title(self) -> str:
        """What was computed, for figures."""
        return f"{self.structure} {tuple(self.miller)}: vacancy layer {self.from_layer} → {self.to_layer}"

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """run.json and ``neb.png`` (energy along the band; needs the band)."""
        from sselab.plots.segregation import neb_figure
        from sselab.runs import RunDirectory

        run = RunDirectory.open(run_dir, "neb", self.inputs)
        if self.hop is not None:
            run.save_figure("neb", neb_figure(self.hop, title=self.title))
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run


def calculate_vacancy_hop(structure: str | Path | Atoms, *, miller: tuple[int, int, int] = (1, 0, 0), from_layer: int = 1,
                          to_layer: int = 2, metal_planes: int = 11, termination: int = 0, min_image: float = 9.0, images: int = 3,
                          neb_fmax: float = 0.05, max_hop_A: float = MAX_HOP_A, calculator: CalculatorLike = "chgnet", db: str | None = None,
                          device: str = "cpu", fmax: float | None = None,
                          progress: Progress = no_progress) -> VacancyHopCalculation:
    """``sselab neb``: climbing-image NEB of a vacancy hop from plane ``from_layer`` to ``to_layer`` (1 = surface).

    The bulk (library name, file or Atoms) is relaxed, a ``metal_planes``-plane ``miller`` slab is cut
    (``termination``: which distinct cut),
    repeated so that images are ≥ ``min_image`` Å apart and relaxed; the atom of ``from_layer`` nearest
    the cell centre is removed and its nearest neighbour in ``to_layer`` hops into the vacancy
    (:func:`hop_sites`, :func:`vacancy_hop`). ``images``: intermediate images (seed 001: 3);
    ``neb_fmax``: the band's tolerance and ``fmax`` that of the relaxations (eV/Å); ``max_hop_A``: the
    longest hop accepted (raise it for HCP (0001) layer 1 → 3). ``progress`` is called after the slab (with a
    label) and after the band.
    """
    check_hop_request(from_layer, to_layer, metal_planes, neb_fmax, images, max_hop_A)
    miller = check_miller(miller, "miller (--miller)")
    check_min_image(min_image, "min image (--min-image)")
    fmax = check_optional_force_tolerance(fmax, "--fmax (fmax)")
    atoms = as_atoms(structure)
    check_planes([metal_planes], "metal planes (--metal-planes)", atoms, f"{miller} slab", low=2)
    termination = check_cut(termination, atoms, miller)
    engine = as_engine(calculator, db=db, device=device, fmax=fmax)
    label = atoms.info["structure"]
    bulk = engine.relax(atoms, cell=True)
    slab = build_slab(bulk, miller, metal_planes, termination=termination)
    host = engine.relax(repeat_for_images(slab, min_image, f"the {metal_planes}-plane slab"))
    progress("climbing-image NEB")
    site_from, site_to = hop_sites(host, from_layer, to_layer)
    hop = vacancy_hop(engine, host, site_from, site_to, images, neb_fmax, max_hop_A=max_hop_A)
    progress()
    inputs = {"structure": label, "miller": list(miller), "from_layer": from_layer, "to_layer": to_layer,
              "metal_planes": metal_planes, "termination": termination, "images": images, "neb_fmax": neb_fmax,
              "max_hop_A": max_hop_A, "db": engine.cache.location}
    return VacancyHopCalculation(
        structure=label, miller=list(miller), from_layer=from_layer, to_layer=to_layer, barrier_eV=hop.barrier_eV,
        reverse_barrier_eV=hop.reverse_barrier_eV, reaction_energy_eV=hop.reaction_energy_eV,
        image_energies_eV=list(hop.image_energies_eV), converged=hop.converged, hop_distance_A=hop.path_length_A[-1],
        engine=engine.record(), hop=hop, inputs=inputs,
    )
