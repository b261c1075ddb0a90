"""Host and exchange-ion parameter files (seed 000), and eq. 10 Li⁺ diffusivity laws.

Host keys: ``name``, ``youngs_modulus``, ``poisson_ratio``, ``fracture_strength``,
``fracture_toughness``, ``shape_factor`` (+ ``source``). Ion keys: ``name``, γ as
``chemical_expansion_coefficient`` or ``chemical_strain`` at ``chemical_strain_concentration``
(eq. 2: γ = ε_c/C), the eq. 8 mobility ``diffusion_prefactor``, ``activation_volume``,
``saturation_concentration``, ``fit_temperature`` (+ ``activation_energy_eV``, ``continuum_use``,
``caveat``, ``source``). Li-law keys: ``prefactor``, ``activation_volume``, ``activation_energy_eV``
(+ ``source``).

Each kind has a reader and a writer that round-trip: :func:`load_host`/:func:`write_host`,
:func:`load_ion`/:func:`write_ion`, :func:`load_li_law`/:func:`write_li_law`.
"""

from __future__ import annotations

from pathlib import Path

from sselab.continuum.ion_exchange import ExchangeIon, Host
from sselab.continuum.li_penalty import LiDiffusionLaw
from sselab.errors import InputError
from sselab.params import FLAG, convert_fields, quantity_text, read_table, write_table

HOST_FIELDS = {
    "name": None,
    "youngs_modulus": "pressure",
    "poisson_ratio": "dimensionless",
    "fracture_strength": "pressure",
    "fracture_toughness": "toughness",
    "shape_factor": "dimensionless",
    "source": None,
}
ION_FIELDS = {
    "name": None,
    "chemical_expansion_coefficient": "dimensionless",
    "chemical_strain": "dimensionless",
    "chemical_strain_concentration": "dimensionless",
    "diffusion_prefactor": "diffusivity",
    "activation_volume": "molar_volume",
    "saturation_concentration": "dimensionless",
    "fit_temperature": "temperature",
    "activation_energy_eV": "energy",
    "continuum_use": FLAG,
    "caveat": None,
    "source": None,
}


def load_host(name_or_path: str | Path = "llzo") -> Host:
    """A packaged host by name, or a host TOML file."""
    table, origin = read_table(name_or_path, "hosts")
    values = convert_fields(table, HOST_FIELDS, origin)
    required = [key for key in HOST_FIELDS if key not in ("source",) and key not in values]
    if required:
        raise InputError(f"{origin}: missing {', '.join(required)}")
    return Host(**values)


#: TOML unit of each host quantity written by :func:`write_host`.
_HOST_UNITS = {"youngs_modulus": "Pa", "fracture_strength": "Pa", "fracture_toughness": "Pa*m**0.5"}


def write_host(path: str | Path, host: Host, header: str = "") -> Path:
    """A host file that :func:`load_host` reads back to ``host`` (quantities carry their units)."""
    return write_table(path, {
        "name": host.name,
        **{key: quantity_text(getattr(host, key), unit) for key, unit in _HOST_UNITS.items()},
        "poisson_ratio": float(host.poisson_ratio),
        "shape_factor": float(host.shape_factor),
        "source": host.source or None,
    }, header)


def load_ion(name_or_path: str | Path) -> ExchangeIon:
    """A packaged exchange ion by name (Na, Ag, K), or an ion TOML file.

    γ is given either directly (``chemical_expansion_coefficient``) or as a chemical strain at a
    concentration (``chemical_strain`` at ``chemical_strain_concentration``, eq. 2: γ = ε_c/C).
    """
    table, origin = read_table(name_or_path, "ions")
    values = convert_fields(table, ION_FIELDS, origin)
    if "name" not in values:
        raise InputError(f"{origin}: missing name")
    strain = values.pop("chemical_strain", None)
    strain_concentration = values.pop("chemical_strain_concentration", None)
    if ("chemical_expansion_coefficient" in values) == (strain is not None):
        raise InputError(
            f"{origin}: give either chemical_expansion_coefficient or chemical_strain with chemical_strain_concentration"
        )
    if strain is not None:
        if strain_concentration is None or strain_concentration <= 0:
            raise InputError(f"{origin}: chemical_strain needs a positive chemical_strain_concentration")
        values["chemical_expansion_coefficient"] = strain / strain_concentration
    return ExchangeIon(**values)


#: TOML unit of each ion field written by :func:`write_ion` (text fields: None).
_ION_UNITS = {"diffusion_prefactor": "m**2/s", "activation_volume": "m**3/mol", "fit_temperature": "K"}


def write_ion(path: str | Path, ion: ExchangeIon, header: str = "") -> Path:
    """An ion file that :func:`load_ion` reads back to ``ion`` (quantities carry their units)."""
    table = {
        "name": ion.name,
        "chemical_expansion_coefficient": float(ion.chemical_expansion_coefficient),
        **{key: None if getattr(ion, key) is None else quantity_text(getattr(ion, key), unit) for key, unit in _ION_UNITS.items()},
        "saturation_concentration": None if ion.saturation_concentration is None else float(ion.saturation_concentration),
        "activation_energy_eV": None if ion.activation_energy_eV is None else float(ion.activation_energy_eV),
        "continuum_use": ion.continuum_use,
        "caveat": ion.caveat or None,
        "source": ion.source or None,
    }
    return write_table(path, table, header)


LI_LAW_FIELDS = {"prefactor": "diffusivity", "activation_volume": "molar_volume", "activation_energy_eV": "energy", "source": None}


def load_li_law(path: str | Path) -> LiDiffusionLaw:
    """An eq. 10 parameter file: ``prefactor`` (D₀), ``activation_volume`` (V‡, per mole) and
    ``activation_energy_eV`` (E_a), each a number in SI (eV for E_a) or a string with units, and an
    optional ``source``. Unknown or missing keys are refused with the file's name."""
    if not Path(path).is_file():
        raise InputError(f"Li law file {path} does not exist")
    table, origin = read_table(path, "ions")
    values = convert_fields(table, LI_LAW_FIELDS, origin)
    missing = [key for key in LI_LAW_FIELDS if key != "source" and key not in values]
    if missing:
        raise InputError(f"{origin}: missing {', '.join(missing)} (expected prefactor, activation_volume, activation_energy_eV)")
    values.pop("source", None)
    return LiDiffusionLaw(**values)


def write_li_law(path: str | Path, law: LiDiffusionLaw, source: str, header: str = "") -> Path:
    """An eq. 10 file that :func:`load_li_law` reads back to ``law``'s parameters (standard errors are not kept)."""
    return write_table(path, {
        "prefactor": quantity_text(law.prefactor, "m**2/s"),
        "activation_volume": quantity_text(law.activation_volume, "m**3/mol"),
        "activation_energy_eV": float(law.activation_energy_eV),
        "source": source,
    }, header)
