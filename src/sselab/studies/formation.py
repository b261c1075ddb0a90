"""Seed 000's precursor screen (eq. 1 + eq. 7, Fig. 3, §3.2) from a user's energies or with a calculator.

::

    screen = FormationEnergyScreen(ion="Na", temperature_K=1200)
    result = screen.run(energies="my_dft.json")                        # the user's own DFT energies
    result = screen.run(calculator="chgnet", sites="runs/sites-na")     # packaged salts + a 'defects sites' run
    result.E_f_eV["Na2O"], result.rows[0].verdict

With a calculator, every packaged salt of the ion and its Li counterpart is relaxed (cell and positions); the
LLZO energies come from a site scan (``sites``: its lowest configurations, the paper's E_IX) or, without one,
from one octahedral site of the ordered cell (a warning says E_f can then be too high). A packaged precursor that
releases a gas (KO₂ → ½ Li₂O + ¾ O₂ per exchanged K) is booked at the process temperature and the gas's partial
pressure ``gas_pressure_Pa``: the precursor's and solid products' harmonic phonons and the gas's ideal-gas μ(T, p) come
from the same calculator (:func:`sselab.atomistic.properties.formation.gas_release`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ase import Atoms
from ase.calculators.calculator import Calculator
from pymatgen.core import Composition

from sselab.atomistic.build.defects import select_li_sites, substitute
from sselab.atomistic.engine import Engine, as_engine
from sselab.atomistic.properties.checks import check_optional_force_tolerance, check_temperature, finite_energy
from sselab.atomistic.properties.formation import (
    DiluteCheck,
    ExchangeEnergies,
    FormationRow,
    GasRelease,
    dilute_check_against,
    gas_release,
    packaged_precursors,
    precursor,
    salt_energy_per_formula_unit,
    screen_precursors,
)
from sselab.atomistic.properties.gas import STANDARD_PRESSURE_PA, GasReference, gas_reference
from sselab.atomistic.properties.phonons import VibrationalFreeEnergy, harmonic_free_energy, relax_for_phonons
from sselab.errors import InputError
from sselab.progress import Progress, no_progress
from sselab.runs import RunDirectory
from sselab.studies.exchange_sites import LLZO_ELEMENTS, ExchangeSiteResult, check_exchange_ion, relaxed_llzo
from sselab.validation import require_count, require_range

COMMAND = "defects formation-energy"
SINGLE_SITE_WARNING = (
    "E_IX is one octahedral configuration, not the lowest of a site scan (Fig. 2): E_f can be too high "
    "by the spread of site energies; pass --sites RUN from 'defects sites' for the paper's E_f"
)


def calculator_steps(ion: str) -> int:
    """Progress steps of a calculator screen of ``ion``: one per salt structure relaxed (each precursor and its Li
    counterpart or solid products), one per gas-releasing route, two for the LLZO cells."""
    steps = 2
    for entry in packaged_precursors(ion):
        products = entry.get("products")
        steps += 2 if products is None else 2 + sum(structure != "gas" for structure in products.values())
    return steps


@dataclass(frozen=True, kw_only=True)
class FormationEnergyScreen:
    """Settings: the exchange ``ion``, the process ``temperature_K`` of the dilute concentration exp(−E_f/k_BT) (and of a
    gas-releasing precursor's decomposition), the released gas's partial pressure ``gas_pressure_Pa``, the Li ordering
    ``seed`` of the LLZO cell (without a site scan) and the relaxations' ``fmax`` (eV/Å)."""

    ion: str
    temperature_K: float
    gas_pressure_Pa: float = STANDARD_PRESSURE_PA
    seed: int = 0
    fmax: float | None = None  # eV/Å; None: a given Engine's own, 0.05 for a new one

    def __post_init__(self) -> None:
        check_exchange_ion(self.ion)
        check_temperature(self.temperature_K, "temperature (--temperature)")
        require_range(self.gas_pressure_Pa, "gas pressure (--gas-pressure)", low=0.0, low_inclusive=False, high=1e9, unit="Pa")
        require_count(self.seed, "--seed", low=0)
        check_optional_force_tolerance(self.fmax, "--fmax (fmax)")

    def run(
        self,
        *,
        energies: ExchangeEnergies | str | Path | None = None,
        calculator: Engine | str | Calculator | None = None,
        sites: ExchangeSiteResult | str | Path | None = None,
        db: str | None = None,
        device: str = "cpu",
        progress: Progress = no_progress,
    ) -> FormationEnergyResult:
        """E_f per precursor from ``energies`` (an energies file or :class:`ExchangeEnergies`) or with ``calculator``.

        ``sites`` (a ``defects sites`` result or run directory, same model) goes with ``calculator``.
        """
        if (energies is None) == (calculator is None):
            raise InputError("give exactly one of --energies FILE and --calculator NAME")
        if sites is not None and energies is not None:
            raise InputError("--sites goes with --calculator; with --energies, put the LLZO energies in the file")
        if energies is not None:
            data = energies if isinstance(energies, ExchangeEnergies) else ExchangeEnergies.from_file(energies)
            return self._from_energies(data, db)
        return self._with_calculator(calculator, sites, db, device, progress)

    def _inputs(self, energies: str | None, calculator: str | None, sites: str | None, db: str | None) -> dict[str, Any]:
        return {
            "ion": self.ion,
            "temperature_K": self.temperature_K,
            "energies": energies,
            "calculator": calculator,
            "sites": sites,
            "gas_pressure_Pa": self.gas_pressure_Pa,
            "seed": self.seed,
            "db": db,
        }

    def _from_energies(self, data: ExchangeEnergies, db: str | None) -> FormationEnergyResult:
        rows = screen_precursors(
            self.ion, data.host_energy_eV, data.exchanged_energy_eV, data.n_exchanged, data.precursors, self.temperature_K,
            routes=data.route_terms(self.ion),
        )
        return self._result(
            rows,
            f"energies file {data.origin}",
            data.host_energy_eV,
            data.exchanged_energy_eV,
            data.n_exchanged,
            list(data.series),
            self._inputs(data.origin, None, None, db),
        )

    def _with_calculator(
        self,
        calculator: Engine | str | Calculator,
        sites: ExchangeSiteResult | str | Path | None,
        db: str | None,
        device: str,
        progress: Progress,
    ) -> FormationEnergyResult:
        engine = as_engine(calculator, db=db, device=device, fmax=self.fmax, default_fmax=0.05)
        entries = packaged_precursors(self.ion)
        engine.spec.check_elements({self.ion} | LLZO_ELEMENTS, "exchanged LLZO")
        series: list[tuple[int, float, float]] = []
        if sites is not None:  # refuse a mismatched run before any relaxation
            sites = sites if isinstance(sites, ExchangeSiteResult) else ExchangeSiteResult.from_directory(sites)
            host_energy, series = sites.energies(self.ion, engine.spec.model)
        salts: dict[str, float] = {}
        relaxed: dict[str, Atoms] = {}
        structure_of: dict[str, str] = {}
        for entry in entries:
            salt = precursor(entry["formula"], self.ion)
            pairs = [(entry["formula"], entry["structure"])]
            if "products" in entry:
                pairs += [(product, structure) for product, structure in entry["products"].items() if structure != "gas"]
            else:
                pairs.append((salt.li_counterpart, entry["li_structure"]))
            for formula, structure in pairs:
                if formula not in salts:
                    salts[formula], relaxed[structure] = salt_energy_per_formula_unit(engine, structure, formula)
                    structure_of[formula] = structure
                progress(formula)
        releases = {}
        for entry in (e for e in entries if "products" in e):
            releases[entry["formula"]] = self._gas_release(engine, entry, relaxed, structure_of)
            progress(f"{entry['formula']} phonons and gas")
        if sites is not None:
            n_exchanged, _, exchanged_energy = series[0]
        else:
            host = relaxed_llzo(engine, seed=self.seed)
            progress("relaxed the LLZO host")
            index = select_li_sites(host, octahedral=1, tetrahedral=0)[0]
            exchanged = engine.relax(substitute(host, [index], self.ion), cell=False)
            progress(f"{self.ion} on one octahedral site")
            host_energy, exchanged_energy, n_exchanged = (
                finite_energy(host, "the LLZO host"),
                finite_energy(exchanged, f"{self.ion} on one octahedral site"),
                1,
            )
        where = (sites.source or "a 'defects sites' result") if sites is not None else None
        source = f"{engine.spec.model} on the packaged salts" + (
            f" and the LLZO cells of {where}" if sites is not None else " and one octahedral site of ordered LLZO (no site scan)"
        )
        rows = screen_precursors(self.ion, host_energy, exchanged_energy, n_exchanged, salts, self.temperature_K,
                                 routes={f: (r.products, r.salt_term_eV) for f, (r, _, _) in releases.items()})
        result = self._result(
            rows, source, host_energy, exchanged_energy, n_exchanged, series, self._inputs(None, engine.spec.name, where, db)
        )
        result.releases = {f: r for f, (r, _, _) in releases.items()}
        result.phonons = {f: v for _, (_, phonons, _) in releases.items() for f, v in phonons.items()}
        result.gases = {g.formula: g for _, (_, _, g) in releases.items()}
        result.engine = engine.record()
        result.warning = SINGLE_SITE_WARNING if sites is None else None
        result.salts = relaxed
        return result

    def _gas_release(
        self, engine: Engine, entry: dict[str, Any], relaxed: dict[str, Atoms], structure_of: dict[str, str]
    ) -> tuple[GasRelease, dict[str, VibrationalFreeEnergy], GasReference]:
        """The salt term of a gas-releasing precursor: it and its solid products relaxed again for phonons (their energies
        taken there), their harmonic phonons and the gas's μ(T, p), all from ``engine``."""
        formula, products = entry["formula"], entry["products"]
        gases = [p for p, structure in products.items() if structure == "gas"]
        if len(gases) != 1:
            raise InputError(f"precursor list: {formula} must release exactly one gas (products {products})")
        phonons, energies = {}, {}
        for solid in [formula, *(p for p in products if p not in gases)]:
            crystal = relax_for_phonons(engine, relaxed[structure_of[solid]])
            units = round(len(crystal) / Composition(solid).num_atoms)
            energies[solid] = finite_energy(crystal, solid) / units
            phonons[solid] = harmonic_free_energy(engine, crystal, self.temperature_K, units)
        reference, molecule = gas_reference(engine, gases[0], self.temperature_K, self.gas_pressure_Pa)
        relaxed[f"molecule-{gases[0]}"] = molecule
        release = gas_release(formula, self.ion, list(products), gases[0], energies, {f: v.free_energy_eV for f, v in phonons.items()},
                              reference.energy_eV, reference.chemical_potential_eV, self.temperature_K, self.gas_pressure_Pa)
        return release, phonons, reference

    def _result(
        self,
        rows: list[FormationRow],
        source: str,
        host_energy: float,
        exchanged_energy: float,
        n_exchanged: int,
        series: list[tuple[int, float, float]],
        inputs: dict[str, Any],
    ) -> FormationEnergyResult:
        metal = next((r for r in rows if precursor(r.precursor, self.ion).is_metal), None)
        check = None
        if series and metal is not None and len({c for _, c, _ in series}) >= 2:
            check = dilute_check_against(metal, host_energy, exchanged_energy, n_exchanged, series)
        return FormationEnergyResult(
            ion=self.ion,
            temperature_K=self.temperature_K,
            energy_source=source,
            host_energy_eV=host_energy,
            exchanged_energy_eV=exchanged_energy,
            n_exchanged=n_exchanged,
            rows=tuple(rows),
            dilute_check=check,
            dilute_reference=metal.precursor if check else None,
            inputs=inputs,
        )


@dataclass(kw_only=True)
class FormationEnergyResult:
    """E_f of every precursor, sorted (eV per exchanged ion), with verdicts and dilute concentrations (seed 000 Fig. 3)."""

    ion: str
    temperature_K: float
    energy_source: str
    host_energy_eV: float
    exchanged_energy_eV: float
    n_exchanged: int
    rows: tuple[FormationRow, ...]
    dilute_check: DiluteCheck | None = None
    dilute_reference: str | None = None  # the metal whose E_f the dilute check follows
    engine: dict[str, Any] | None = None
    warning: str | None = None
    releases: dict[str, GasRelease] = field(default_factory=dict)  # gas-releasing precursors: their salt terms in parts
    phonons: dict[str, VibrationalFreeEnergy] = field(default_factory=dict)  # harmonic F_vib of the releases' solids
    gases: dict[str, GasReference] = field(default_factory=dict)
    salts: dict[str, Atoms] = field(default_factory=dict, repr=False)  # relaxed salt structures by structure name
    inputs: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def E_f_eV(self) -> dict[str, float]:
        """Precursor formula → E_f (eV per exchanged ion)."""
        return {r.precursor: r.E_f_eV for r in self.rows}

    @property
    def hand_off(self) -> str:
        return (
            f"sselab ion-exchange design --ion {self.ion} --formation-energy '<E_f> eV' --temperature '{self.temperature_K:g} K'"
        )

    def to_dict(self) -> dict[str, Any]:
        summary: dict[str, Any] = {
            "ion": self.ion,
            "temperature_K": self.temperature_K,
            "energy_source": self.energy_source,
            "host_energy_eV": self.host_energy_eV,
            "exchanged_energy_eV": self.exchanged_energy_eV,
            "n_exchanged": self.n_exchanged,
            "rows": [r.as_dict() for r in self.rows],
            "hand_off": self.hand_off,
        }
        if self.dilute_check is not None:
            check = self.dilute_check
            summary["dilute_check"] = {
                "reference": self.dilute_reference,
                "concentrations": list(check.concentrations),
                "E_f_eV": list(check.formation_energies_eV),
                "slope_eV_per_percent": check.slope_eV_per_percent,
                "dilute": check.dilute,
                "threshold_eV_per_percent": check.threshold_eV_per_percent,
            }
        if self.releases:
            summary["gas_releases"] = {f: r.as_dict() for f, r in self.releases.items()}
            summary["phonons"] = {f: v.as_dict() for f, v in self.phonons.items()}
            summary["gases"] = {f: g.as_dict() for f, g in self.gases.items()}
        if self.engine is not None:
            summary["engine"] = self.engine
        if self.warning is not None:
            summary["warning"] = self.warning
        return summary

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FormationEnergyResult:
        check = data.get("dilute_check")
        return cls(
            ion=data["ion"],
            temperature_K=float(data["temperature_K"]),
            energy_source=data["energy_source"],
            host_energy_eV=float(data["host_energy_eV"]),
            exchanged_energy_eV=float(data["exchanged_energy_eV"]),
            n_exchanged=int(data["n_exchanged"]),
            rows=tuple(FormationRow.from_dict(r) for r in data["rows"]),
            dilute_check=None
            if check is None
            else DiluteCheck(
                tuple(check["concentrations"]),
                tuple(check["E_f_eV"]),
                check["slope_eV_per_percent"],
                check["threshold_eV_per_percent"],
            ),
            dilute_reference=None if check is None else check["reference"],
            engine=data.get("engine"),
            warning=data.get("warning"),
            releases={f: GasRelease.from_dict(r) for f, r in data.get("gas_releases", {}).items()},
            phonons={f: VibrationalFreeEnergy.from_dict(v) for f, v in data.get("phonons", {}).items()},
            gases={f: GasReference.from_dict(g) for f, g in data.get("gases", {}).items()},
        )

    def write(self, run_dir: str | Path | RunDirectory | None = None) -> RunDirectory:
        """``salt_<structure>.extxyz`` of every relaxed salt (calculator runs), ``formation_energies.png``, ``run.json``;
        with a gas-releasing precursor also ``gas_pressure.png`` (E_f against the gas's partial pressure)."""
        from ase.io import write

        from sselab.plots.defects import formation_energy_figure, gas_pressure_figure

        run = RunDirectory.open(run_dir, COMMAND, self.inputs)
        for structure, atoms in self.salts.items():
            write(run.path / f"salt_{structure}.extxyz", atoms)
        run.save_figure("formation_energies", formation_energy_figure(self))
        if self.releases:
            run.save_figure("gas_pressure", gas_pressure_figure(self))
        run.finish({**self.to_dict(), "run_directory": str(run.path)})
        return run
