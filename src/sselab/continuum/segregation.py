"""Bond-breaking model of alkali-metal vacancy segregation at a metal/substrate interface (seed 001).

Seymour & Aguadero, J. Mater. Chem. A 9, 19901 (2021), eqs. 4-12. A vacancy in the metal bulk
breaks N_b metal-metal bonds of energy e_mm; at a free surface N_s of them are already broken; at
the interface the site also holds N_i metal-substrate bonds of energy e_msub. With the metal
surface energy σ_m = N_s e_mm ρ (eq. 4) and the work of adhesion W_ad = 2 N_i e_msub ρ (eq. 7),
ρ being the areal density of metal surface atoms:

    ΔE_bulk-int  = E_V(bulk) - E_V(interface) = (σ_m - W_ad / 2) / ρ      (eq. 11)
    ΔE_bulk-free = E_V(bulk) - E_V(free surface) = σ_m / ρ              (eq. 12)

ΔE_bulk-int > 0: vacancies prefer the interface (voids grow there); ≤ 0: they are pushed into
the bulk. Segregation is suppressed when W_ad ≥ 2 σ_m, i.e. when the Young–Dupré contact angle
of the (liquid) metal on the substrate, cos θ = W_ad / σ_m - 1, is 0°.

Assumptions (the paper's): pairwise bonds without the √density dependence of metallic bonding;
a coherent, sharp interface; an isolated vacancy. For incoherent interfaces the verdict belongs
to the weakest-binding site (the largest site-resolved ΔE_bulk-int), not to the average W_ad.

Units: SI in and out (J/m², 1/m², J); helpers convert to eV per atom at the edges.

:func:`segregation_model` is ``sselab segregation model``: σ_m, W_ad, ρ in SI and/or an interface
parameter file (a study's ``interface.toml``) in, a :class:`SegregationPrediction` out, whose
``to_dict()`` is the command's ``--json`` summary::

    prediction = segregation_model(0.46, 0.6, 8.5e18)          # J/m², J/m², 1/m²
    prediction.to_dict()["delta_e_bulk_int_eV"]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sselab.constants import ELECTRON_VOLT
from sselab.errors import InputError
from sselab.validation import require_keys, require_positive, require_range


@dataclass(frozen=True)
class SegregationPrediction:
    """The bond-breaking model's answer for one metal/substrate pair (energies in J)."""

    surface_energy: float  # σ_m, J/m²
    work_of_adhesion: float  # W_ad, J/m²
    surface_density: float  # ρ, metal surface atoms per m²
    delta_e_bulk_int: float  # eq. 11, J
    delta_e_bulk_free: float  # eq. 12, J
    contact_angle_deg: float  # Young–Dupré, 0 when W_ad ≥ 2σ_m
    segregation_suppressed: bool  # W_ad ≥ 2σ_m

    @property
    def adhesion_ratio(self) -> float:
        """W_ad / (2 σ_m): ≥ 1 means segregation is suppressed."""
        return self.work_of_adhesion / (2.0 * self.surface_energy)

    def to_dict(self) -> dict[str, Any]:
        """The ``sselab segregation model --json`` summary: inputs in SI, ΔE in eV, θ in degrees."""
        return {
            "surface_energy_J_per_m2": self.surface_energy,
            "work_of_adhesion_J_per_m2": self.work_of_adhesion,
            "surface_density_per_m2": self.surface_density,
            "delta_e_bulk_int_eV": self.delta_e_bulk_int / ELECTRON_VOLT,
            "delta_e_bulk_free_eV": self.delta_e_bulk_free / ELECTRON_VOLT,
            "contact_angle_deg": self.contact_angle_deg,
            "adhesion_ratio": self.adhesion_ratio,
            "segregation_suppressed": self.segregation_suppressed,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SegregationPrediction:
        """Back from :meth:`to_dict`: the model evaluated again on its three inputs (the outputs follow from them)."""
        keys = ("surface_energy_J_per_m2", "work_of_adhesion_J_per_m2", "surface_density_per_m2")
        require_keys(data, keys, "segregation model summary")
        return predict(*(data[key] for key in keys))


def contact_angle_deg(surface_energy: float, work_of_adhesion: float) -> float:
    """Young–Dupré contact angle θ (degrees) from W_ad = σ_m (1 + cos θ).

    Clipped to 0° for W_ad ≥ 2σ_m (complete wetting) and to 180° for W_ad ≤ 0 (no adhesion).
    """
    cosine = work_of_adhesion / surface_energy - 1.0
    return math.degrees(math.acos(min(1.0, max(-1.0, cosine))))


#: Largest σ_m (J/m²): no metal surface energy exceeds about 4 J/m² (W, Re); beyond this is a unit slip.
MAX_SURFACE_ENERGY_J_PER_M2 = 10.0
#: Largest |W_ad| (J/m²): adhesion cannot exceed the cohesion of either side, itself below 2 × 10 J/m².
MAX_WORK_OF_ADHESION_J_PER_M2 = 20.0


def predict(surface_energy: float, work_of_adhesion: float, surface_density: float) -> SegregationPrediction:
    """Eqs. 11 and 12 and the Young–Dupré angle for σ_m, W_ad (J/m²) and ρ (1/m²).

    σ_m must lie in (0, :data:`MAX_SURFACE_ENERGY_J_PER_M2`], |W_ad| within :data:`MAX_WORK_OF_ADHESION_J_PER_M2`
    (W_ad < 0, an interface that repels, is allowed), ρ finite and positive.
    """
    surface_energy = require_range(surface_energy, "surface energy sigma_m", low=0.0, low_inclusive=False,
                                   high=MAX_SURFACE_ENERGY_J_PER_M2, unit="J/m^2")
    work_of_adhesion = require_range(work_of_adhesion, "work of adhesion W_ad", low=-MAX_WORK_OF_ADHESION_J_PER_M2,
                                     high=MAX_WORK_OF_ADHESION_J_PER_M2, unit="J/m^2")
    surface_density = require_positive(surface_density, "surface density rho", unit="1/m^2")
    return SegregationPrediction(
        surface_energy=surface_energy,
        work_of_adhesion=work_of_adhesion,
        surface_density=surface_density,
        delta_e_bulk_int=(surface_energy - work_of_adhesion / 2.0) / surface_density,
        delta_e_bulk_free=surface_energy / surface_density,
        contact_angle_deg=contact_angle_deg(surface_energy, work_of_adhesion),
        segregation_suppressed=work_of_adhesion >= 2.0 * surface_energy,
    )


#: Metal surface densities outside this range (1/m², i.e. 0.1–100 atoms/nm²) are a unit slip, not a metal surface.
PLAUSIBLE_SURFACE_DENSITY_PER_M2 = (1e17, 1e20)


def segregation_model(surface_energy_J_per_m2: float | None = None, work_of_adhesion_J_per_m2: float | None = None,
                      surface_density_per_m2: float | None = None, *,
                      interface_file: str | Path | None = None) -> SegregationPrediction:
    """``sselab segregation model``: eqs. 11, 12 and the Young–Dupré angle for σ_m, W_ad (J/m²) and ρ (1/m²).

    ``interface_file``: an interface parameter file (:mod:`sselab.params.interfaces`, e.g. a study's
    ``interface.toml``); values given as arguments override the file's. All three must be known.
    """
    values: dict[str, float] = {}
    if interface_file is not None:
        from sselab.params.interfaces import load_interface

        values.update(load_interface(interface_file))
    given = {"surface_energy": surface_energy_J_per_m2, "work_of_adhesion": work_of_adhesion_J_per_m2,
             "surface_density": surface_density_per_m2}
    values.update({key: value for key, value in given.items() if value is not None})
    missing = [key for key in given if key not in values]
    if missing:
        raise InputError(f"missing {', '.join(missing)} (give them or an interface file)")
    density = require_positive(values["surface_density"], "surface density rho", unit="1/m^2")
    if not PLAUSIBLE_SURFACE_DENSITY_PER_M2[0] <= density <= PLAUSIBLE_SURFACE_DENSITY_PER_M2[1]:
        raise InputError(f"surface density {density:.3g} 1/m^2 is outside 0.1-100 atoms/nm^2: it is per m^2 "
                         "(8.5 atoms/nm^2 = 8.5e18), or give units, e.g. '8.5 1/nm^2'")
    return predict(values["surface_energy"], values["work_of_adhesion"], density)


def bond_energies(surface_energy: float, work_of_adhesion: float, surface_density: float,
                  surface_bonds: float, interface_bonds: float) -> tuple[float, float]:
    """(e_mm, e_msub) in J from eqs. 4 and 7 for N_s broken surface bonds and N_i interface bonds."""
    if surface_bonds <= 0 or interface_bonds <= 0:
        raise InputError("bond counts must be positive")
    metal_metal = surface_energy / (surface_bonds * surface_density)
    metal_substrate = work_of_adhesion / (2.0 * interface_bonds * surface_density)
    return metal_metal, metal_substrate


def weakest_site(delta_e_bulk_int_by_site: dict[str, float]) -> tuple[str, float]:
    """The interface site with the largest ΔE_bulk-int: where vacancies collect first.

    For an incoherent interface the criterion is ΔE_bulk-int(weakest site) ≤ 0, a stricter test
    than W_ad ≥ 2σ_m on the average adhesion (seed 001, Fig. 6 discussion).
    """
    if not delta_e_bulk_int_by_site:
        raise InputError("no interface sites given")
    site = max(delta_e_bulk_int_by_site, key=delta_e_bulk_int_by_site.__getitem__)
    return site, delta_e_bulk_int_by_site[site]
