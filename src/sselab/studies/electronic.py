"""Electronic structure with GPAW (seeds 000, 003, 004): band gap, band-edge character, projected DOS, gap states
against a host, and where an excess electron goes.

::

    from sselab.studies.electronic import DOSStudy, ExcessChargeStudy
    host = DOSStudy(mode="lcao").run("llzo", db="cache.db")
    defect = DOSStudy(mode="lcao", reference=host).run("llzo-ag.extxyz", db="cache.db")
    defect.gap_states                      # states inside the aligned host gap, with their element/site shares
    excess = ExcessChargeStudy(charge=-1, windows=("gb:c=0:6", "bulk:c=10:20")).run("bicrystal.cif")
    excess.fraction_by_window              # where the extra electron sits

Every GPAW run goes through the ase.db cache (:mod:`sselab.atomistic.electronic.calculation`); the definitions of
every quantity are in :mod:`sselab.atomistic.electronic.states` and :mod:`sselab.atomistic.electronic.density`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms

from sselab.atomistic.build.structures import as_atoms
from sselab.atomistic.electronic.calculation import GroundState, ground_state
from sselab.atomistic.electronic.density import (
    DensityGrid,
    Window,
    check_windows,
    localization_volume,
    parse_window,
    planar_average,
    window_fractions,
)
from sselab.atomistic.electronic.settings import DFTSettings
from sselab.atomistic.electronic.states import (
    BandEdges,
    EdgeCharacter,
    ElectronicStructure,
    GapState,
    LocalEdges,
    band_edges,
    edge_character,
    element_groups,
    gap_states,
    interplanar_spacing,
    layer_groups,
    local_edges,
    potential_alignment,
    projected_dos,
    shares,
    total_dos,
)
from sselab.atomistic.engine.cache import ResultCache
from sselab.errors import InputError
from sselab.progress import Progress, no_progress
from sselab.runs import RunDirectory
from sselab.validation import require_range

DOS_COMMAND = "electronic dos"
EXCESS_COMMAND = "electronic excess-charge"
#: ∫Δn must equal the added electrons to this many electrons (the all-electron density's normalisation)
CHARGE_TOLERANCE_E = 0.01
_ENERGY_STEP_EV = 0.01


@dataclass(frozen=True, kw_only=True)
class DOSStudy:
    """Settings of ``electronic dos``: the DFT run, the DOS broadening (eV), an optional layer resolution along a cell
    axis, and an optional host run (a :class:`DOSResult` or its run directory) to find gap states against."""

    dft: DFTSettings = field(default_factory=DFTSettings)
    width_eV: float = 0.1
    layer_axis: int | None = None
    layers: int = 0
    reference: DOSResult | str | Path | None = None
    far_A: float = 4.0

    def __post_init__(self) -> None:
        require_range(self.width_eV, "width", low=0.0, high=2.0, low_inclusive=False, unit="eV")
        require_range(self.far_A, "far", low=0.0, high=50.0, unit="A")
        if (self.layer_axis is None) != (self.layers == 0):
            raise InputError("give a layer axis and a number of layers together (e.g. --layers c:8)")

    def run(self, structure: str | Path | Atoms, *, db: str | None = None, progress: Progress = no_progress) -> DOSResult:
        atoms = as_atoms(structure)
        reference = self._reference()
        if reference is not None and not np.allclose(reference.states.cell, atoms.cell.array, rtol=0.01, atol=0.05):
            raise InputError("the reference run has a different cell: compare a defect with the host cell it was made from")
        if reference is not None:
            ours = dict(self.dft.identity(atoms))
            differ = [key for key in ("mode", "ecut_eV", "basis", "kpts", "xc", "hubbard_u", "setups")
                      if str(reference.states.settings.get(key)) != ours[key]]
            if differ:
                raise InputError(f"the reference run used other DFT settings ({', '.join(differ)}): run host and defect alike")
        groups = layer_groups(atoms.get_scaled_positions(wrap=False), atoms.cell.array, self.layer_axis, self.layers)[0] if self.layers else {}
        progress("DFT ground state")
        state = ground_state(atoms, self.dft, ResultCache(db))
        return analyse_dos(state, atoms, self, reference, groups)

    def _reference(self) -> DOSResult | None:
        if self.reference is None or isinstance(self.reference, DOSResult):
            return self.reference
        return DOSResult.from_directory(self.reference)


def analyse_dos(state: GroundState, atoms: Atoms, study: DOSStudy, reference: DOSResult | None,
                layers: dict[str, list[int]]) -> DOSResult:
    states = state.states
    edges = band_edges(states)
    vbm_character, cbm_character = edge_character(states, edges)
    low = float(states.eigenvalues_eV.min()) - 1.0
    high = edges.cbm_eV + 2.0  # the empty bands are converged up to CBM + 2 eV only
    energies = np.arange(low, high, _ENERGY_STEP_EV)
    alignment, aligned_atoms, found = None, 0, []
    if reference is not None:
        alignment, aligned_atoms = potential_alignment(states, reference.states, study.far_A)
        found = gap_states(states, reference.edges, alignment)
    captured = states.projections.sum(axis=(3, 4))
    occupied = states.occupations > 0.5
    return DOSResult(
        states=states, edges=edges, vbm_character=vbm_character, cbm_character=cbm_character,
        energies_eV=energies, dos=total_dos(states, energies, study.width_eV),
        element_pdos=projected_dos(states, energies, element_groups(states.symbols), study.width_eV),
        layer_pdos=projected_dos(states, energies, layers, study.width_eV) if layers else {},
        layer_axis=study.layer_axis, layer_edges=local_edges(states, layers) if layers else [], width_eV=study.width_eV,
        captured_occupied=float(np.average(captured[occupied])) if occupied.any() else float("nan"),
        gap_states=found, alignment_eV=alignment, alignment_atoms=aligned_atoms,
        reference_edges=reference.edges if reference else None, reference_source=reference.source if reference else None,
        wall_time_s=state.wall_time_s, cached=state.cached,
        inputs={"structure": str(atoms.info.get("structure", atoms.get_chemical_formula())), "dft": asdict(study.dft),
                "width_eV": study.width_eV, "layers": study.layers, "layer_axis": study.layer_axis,
                "reference": reference.source if reference else None},
        structure=atoms,
    )


@dataclass(kw_only=True)
class DOSResult:
    """Band edges, edge character, DOS/PDOS on an energy grid (states per eV per cell) and gap states against a host."""

    states: ElectronicStructure
    edges: BandEdges
    vbm_character: EdgeCharacter
    cbm_character: EdgeCharacter
    energies_eV: np.ndarray
    dos: np.ndarray
    element_pdos: dict[str, np.ndarray]
    layer_pdos: dict[str, np.ndarray]
    layer_axis: int | None
    layer_edges: list[LocalEdges]
    width_eV: float
    captured_occupied: float
    gap_states: list[GapState]
    alignment_eV: float | None
    alignment_atoms: int
    reference_edges: BandEdges | None
    reference_source: str | None
    wall_time_s: float
    cached: bool
    inputs: dict[str, Any] = field(default_factory=dict)
    structure: Atoms | None = None
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        e = self.edges
        return {
            "band_gap_eV": e.gap_eV, "vbm_eV": e.vbm_eV, "cbm_eV": e.cbm_eV, "direct_gap": e.direct, "metallic": e.metallic,
            "fermi_level_eV": self.states.fermi_level_eV, "energy_eV": self.states.energy_eV,
            "spin_polarized": self.states.spins == 2, "charge": self.states.charge,
            "vbm_character": _character(self.vbm_character), "cbm_character": _character(self.cbm_character),
            "gap_states": [_gap_state(s) for s in self.gap_states],
            "reference": None if self.reference_edges is None else {
                "run": self.reference_source, "band_gap_eV": self.reference_edges.gap_eV,
                "alignment_eV": self.alignment_eV, "alignment_atoms": self.alignment_atoms,
                "vbm_eV_aligned": self.reference_edges.vbm_eV + self.alignment_eV,
                "cbm_eV_aligned": self.reference_edges.cbm_eV + self.alignment_eV,
                "gap_change_eV": e.gap_eV - self.reference_edges.gap_eV,
            },
            "layers": [{"name": e.name, "atoms": e.atoms, "vbm_eV": e.vbm_eV, "cbm_eV": e.cbm_eV, "gap_eV": e.gap_eV}
                       for e in self.layer_edges],
            "layer_axis": None if self.layer_axis is None else "abc"[self.layer_axis],
            "projection_captured_occupied": self.captured_occupied,
            "dft": dict(self.states.settings), "wall_time_s": self.wall_time_s, "cached": self.cached,
        }

    @classmethod
    def from_directory(cls, directory: str | Path) -> DOSResult:
        """A finished ``electronic dos`` run (its ``states.nc`` and ``run.json``), e.g. as the host of a defect run."""
        from sselab.runs import run_summary

        path = Path(directory)
        summary = run_summary(path, DOS_COMMAND, {"band_gap_eV"})
        states = read_states(path / "states.nc")
        edges = band_edges(states)
        vbm, cbm = edge_character(states, edges)
        return cls(states=states, edges=edges, vbm_character=vbm, cbm_character=cbm, energies_eV=np.zeros(0), dos=np.zeros(0),
                   element_pdos={}, layer_pdos={}, layer_axis=None, layer_edges=[], width_eV=0.1,
                   captured_occupied=float(summary.get("projection_captured_occupied", float("nan"))), gap_states=[],
                   alignment_eV=None, alignment_atoms=0, reference_edges=None, reference_source=None,
                   wall_time_s=float(summary.get("wall_time_s", 0.0)), cached=True, source=str(path))

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """``run.json``, ``states.nc`` (the states; a later run's ``--reference``), ``dos.nc``, ``dos.png``,
        ``structure.extxyz``."""
        from ase.io import write

        from sselab.plots.electronic import dos_figure

        run = RunDirectory.open(run_dir, DOS_COMMAND, self.inputs)
        run.write_dataset("states", states_dataset(self.states))
        run.write_dataset("dos", self.dataset())
        if self.structure is not None:
            write(run.path / "structure.extxyz", self.structure)
            run.files.append("structure.extxyz")
        run.save_figure("dos", dos_figure(self))
        self.source = str(run.path)
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run

    def dataset(self):
        import xarray as xr

        variables = {"dos": ("energy", self.dos, {"units": "states/eV/cell"})}
        for name, values in self.element_pdos.items():
            variables[f"pdos_{name}"] = ("energy", values, {"units": "states/eV/cell", "group": f"element {name}"})
        for name, values in self.layer_pdos.items():
            variables[f"pdos_{name.replace(' ', '_')}"] = ("energy", values, {"units": "states/eV/cell", "group": name})
        return xr.Dataset(variables, coords={"energy": ("energy", self.energies_eV, {"units": "eV"})},
                          attrs={"vbm_eV": self.edges.vbm_eV, "cbm_eV": self.edges.cbm_eV, "width_eV": self.width_eV})


def _character(character: EdgeCharacter) -> dict[str, Any]:
    return {"window_eV": character.window_eV, "elements": character.elements,
            "sites": [{"index": i, "element": s, "share": w} for i, s, w in character.sites]}


def _gap_state(state: GapState) -> dict[str, Any]:
    return {"energy_above_vbm_eV": state.energy_above_vbm_eV, "spin": state.spin, "band": state.band,
            "occupation": state.occupation, "weights": state.weights, "participating_atoms": state.participating_atoms,
            "sites": [{"index": i, "element": s, "share": w} for i, s, w in state.sites]}


def states_dataset(states: ElectronicStructure):
    import xarray as xr

    data = states.arrays()
    return xr.Dataset(
        {"eigenvalues": (("spin", "kpoint", "band"), data["eigenvalues_eV"], {"units": "eV"}),
         "occupations": (("spin", "kpoint", "band"), data["occupations"]),
         "kpoint_weights": ("kpoint", data["kpoint_weights"]),
         "projections": (("spin", "kpoint", "band", "atom", "l"), data["projections"]),
         "atomic_potentials": ("atom", data["atomic_potentials_eV"], {"units": "eV"}),
         "scaled_positions": (("atom", "xyz"), data["scaled_positions"]),
         "cell": (("vector", "xyz"), data["cell"], {"units": "A"})},
        coords={"symbol": ("atom", np.array(data["symbols"], dtype=str))},
        attrs={"fermi_level_eV": data["fermi_level_eV"], "charge": data["charge"], "energy_eV": data["energy_eV"],
               **{f"dft_{k}": str(v) for k, v in data["settings"].items()}},
    )


def read_states(path: str | Path) -> ElectronicStructure:
    import xarray as xr

    from sselab.validation import require_file

    with xr.open_dataset(require_file(path, "electronic states (states.nc of an 'electronic dos' run)")) as data:
        return ElectronicStructure(
            tuple(str(s) for s in data["symbol"].values), data["scaled_positions"].values, data["cell"].values,
            data["eigenvalues"].values, data["occupations"].values, data["kpoint_weights"].values,
            float(data.attrs["fermi_level_eV"]), data["projections"].values, data["atomic_potentials"].values,
            int(data.attrs["charge"]), float(data.attrs["energy_eV"]),
            {k[4:]: v for k, v in data.attrs.items() if k.startswith("dft_")})


@dataclass(frozen=True, kw_only=True)
class ExcessChargeStudy:
    """Settings of ``electronic excess-charge``: the DFT run (its ``charge`` is taken from ``charge``), the charge of
    the second cell (−1: one extra electron; +1: one hole), the windows ``NAME:AXIS=LO:HI`` (Å) and the axis of the
    planar average (that of the windows, else c)."""

    dft: DFTSettings = field(default_factory=DFTSettings)
    charge: int = -1
    windows: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.charge, bool) or not isinstance(self.charge, int) or self.charge == 0 or abs(self.charge) > 4:
            raise InputError(f"charge {self.charge!r}: give a whole number of electrons, -4..4 and not 0 (-1: one extra electron)")
        self.parsed_windows()

    def parsed_windows(self) -> list[Window]:
        return [parse_window(text) for text in self.windows]

    def run(self, structure: str | Path | Atoms, *, db: str | None = None, progress: Progress = no_progress) -> ExcessChargeResult:
        from dataclasses import replace

        atoms = as_atoms(structure)
        windows = self.parsed_windows()
        check_windows(windows, atoms.cell.array)
        neutral_settings = replace(self.dft, charge=0)
        charged_settings = replace(self.dft, charge=self.charge)
        charged_settings.check(atoms)  # both are checked before the first GPAW run
        cache = ResultCache(db)
        neutral = ground_state(atoms, neutral_settings, cache, density=True)
        progress("neutral cell")
        charged = ground_state(atoms, charged_settings, cache, density=True)
        progress("charged cell")
        return analyse_excess(atoms, neutral, charged, self.charge, windows,
                              {"structure": str(atoms.info.get("structure", atoms.get_chemical_formula())), "dft": asdict(self.dft),
                               "charge": self.charge, "windows": list(self.windows)})


def analyse_excess(atoms: Atoms, neutral: GroundState, charged: GroundState, charge: int, windows: Sequence[Window],
                   inputs: dict[str, Any]) -> ExcessChargeResult:
    difference = charged.density.minus(neutral.density)
    excess = difference.integral()
    if abs(excess + charge) > CHARGE_TOLERANCE_E:
        raise InputError(f"the density difference integrates to {excess:.4f} e, not {-charge} e: the two runs are not comparable "
                         "(the grids or the SCF of one of them)")
    axis = windows[0].axis if windows else 2
    z, line = planar_average(difference, axis)
    fractions = window_fractions(difference, windows) if windows else {}
    proxy_state, proxy = frontier_state_fractions(neutral.states, charge, windows, axis)
    return ExcessChargeResult(
        excess_charge_e=excess, fraction_by_window=fractions, localization_volume_A3=localization_volume(difference),
        cell_volume_A3=difference.volume_A3, axis=axis, z_A=z, line_density=line, difference=difference,
        spin_density=charged.spin_density, proxy_fraction_by_window=proxy, proxy_state=proxy_state,
        neutral_gap_eV=band_edges(neutral.states).gap_eV, wall_time_s=neutral.wall_time_s + charged.wall_time_s,
        cached=neutral.cached and charged.cached, structure=atoms, windows=list(windows), inputs=inputs)


def frontier_state_fractions(states: ElectronicStructure, charge: int, windows: Sequence[Window], axis: int) -> tuple[str, dict[str, float]]:
    """The proxy: the share, by window, of the neutral cell's lowest empty state (charge < 0) or highest occupied state
    (charge > 0), from its normalised projections on the atoms inside each window (k-weighted; spin channel 0)."""
    if not windows:
        return "", {}
    edges = band_edges(states)
    spin, k = edges.cbm_at if charge < 0 else edges.vbm_at
    target = edges.cbm_eV if charge < 0 else edges.vbm_eV
    band = int(np.argmin(np.abs(states.eigenvalues_eV[spin, k] - target)))
    site = (shares(states)[spin, :, band, :] * states.kpoint_weights[:, None]).sum(axis=0)
    spacing = interplanar_spacing(states.cell, axis)
    z = np.mod(states.scaled_positions[:, axis], 1.0) * spacing
    fractions = {w.name: float(site[(z >= w.low_A) & (z < w.high_A)].sum()) for w in windows}
    fractions["rest"] = 1.0 - sum(fractions.values())
    return ("lowest empty state" if charge < 0 else "highest occupied state") + " of the neutral cell", fractions


@dataclass(kw_only=True)
class ExcessChargeResult:
    """Δn = n(charged) − n(neutral) at one geometry: its integral, window fractions, planar average, localization."""

    excess_charge_e: float
    fraction_by_window: dict[str, float]
    localization_volume_A3: float
    cell_volume_A3: float
    axis: int
    z_A: np.ndarray
    line_density: np.ndarray
    difference: DensityGrid
    spin_density: DensityGrid | None
    proxy_fraction_by_window: dict[str, float]
    proxy_state: str
    neutral_gap_eV: float
    wall_time_s: float
    cached: bool
    structure: Atoms
    windows: list[Window]
    inputs: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        spin = None if self.spin_density is None else self.spin_density.integral()
        return {
            "excess_charge_e": self.excess_charge_e, "fraction_by_window": self.fraction_by_window,
            "windows": [{"name": w.name, "axis": "abc"[w.axis], "low_A": w.low_A, "high_A": w.high_A} for w in self.windows],
            "localization_volume_A3": self.localization_volume_A3, "cell_volume_A3": self.cell_volume_A3,
            "participation_ratio": self.localization_volume_A3 / self.cell_volume_A3,
            "spin_moment_e": spin, "neutral_band_gap_eV": self.neutral_gap_eV,
            "negative_part_e": float(np.minimum(self.difference.values, 0.0).sum() * self.difference.voxel_A3),
            "proxy": {"label": "PROXY: " + self.proxy_state, "fraction_by_window": self.proxy_fraction_by_window}
            if self.proxy_state else None,
            "wall_time_s": self.wall_time_s, "cached": self.cached,
        }

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """``run.json``, ``delta_density.cube`` (and ``spin_density.cube``), ``planar_average.csv``, ``excess_charge.png``."""
        from ase.io import write

        from sselab.plots.electronic import excess_figure

        run = RunDirectory.open(run_dir, EXCESS_COMMAND, self.inputs)
        write(run.path / "delta_density.cube", self.structure, data=self.difference.values)
        run.files.append("delta_density.cube")
        if self.spin_density is not None:
            write(run.path / "spin_density.cube", self.structure, data=self.spin_density.values)
            run.files.append("spin_density.cube")
        rows = "\n".join(f"{z:.6f},{v:.8e}" for z, v in zip(self.z_A, self.line_density))
        run.write_text("planar_average.csv", f"z_A,excess_electrons_per_A\n{rows}\n")
        run.save_figure("excess_charge", excess_figure(self))
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run
