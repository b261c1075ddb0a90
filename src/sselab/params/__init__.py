"""Packaged parameter sets (TOML, with sources) and the readers for a user's own files.

A parameter is a bare number in SI units or a string with units (``"150 GPa"``). Unknown keys are
refused, so that a typo cannot silently fall back to a default.

Packaged sets: hosts (``llzo``), exchange ions (``na``, ``ag``, ``k``) and separator stacks for
seed 002's figures (``li0/fig3`` …) under ``params/data``.
An argument that names an existing file is read as a user's file instead.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from sselab.continuum.ion_exchange import ExchangeIon, Host
from sselab.continuum.li0_potential import Bottleneck, Layer, Separator
from sselab.errors import SSELabError
from sselab.units import parse_quantity

_HOST_FIELDS = {
    "name": None,
    "youngs_modulus": "pressure",
    "poisson_ratio": "dimensionless",
    "fracture_strength": "pressure",
    "fracture_toughness": "toughness",
    "shape_factor": "dimensionless",
    "source": None,
}
_ION_FIELDS = {
    "name": None,
    "chemical_expansion_coefficient": "dimensionless",
    "chemical_strain": "dimensionless",
    "chemical_strain_concentration": "dimensionless",
    "diffusion_prefactor": "diffusivity",
    "activation_volume": "molar_volume",
    "saturation_concentration": "dimensionless",
    "fit_temperature": "temperature",
    "activation_energy_eV": "energy",
    "continuum_use": None,
    "caveat": None,
    "source": None,
}


def packaged_names(kind: str) -> list[str]:
    """Names of the packaged sets of ``kind`` ("hosts" or "ions")."""
    folder = resources.files("sselab.params") / "data" / kind
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def read_table(name_or_path: str | Path, kind: str) -> tuple[dict[str, Any], str]:
    """The TOML table of a packaged set of ``kind`` (by name, any case) or of a user's file, and where it came from."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise SSELabError(f"parameter file {path} does not exist")
        text, origin = path.read_text(), str(path)
    else:
        names = {name.lower(): name for name in packaged_names(kind)}
        key = names.get(str(name_or_path).lower())
        if key is None:
            label = {"hosts": "host", "ions": "ion", "li0": "separator case", "forcefields": "force field",
                     "precursors": "precursor list"}[kind]
            raise SSELabError(
                f"unknown {label} {name_or_path!r}: choose one of {', '.join(packaged_names(kind))} or give a .toml file"
            )
        resource = resources.files("sselab.params") / "data" / kind / f"{key}.toml"
        text, origin = resource.read_text(), f"sselab:params/data/{kind}/{key}.toml"
    try:
        return tomllib.loads(text), origin
    except tomllib.TOMLDecodeError as error:
        raise SSELabError(f"{origin}: not valid TOML ({error})") from None


def _convert(table: dict[str, Any], fields: dict[str, str | None], origin: str) -> dict[str, Any]:
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise SSELabError(f"{origin}: unknown parameter(s) {', '.join(unknown)}")
    for key in ("name", "source", "caveat"):
        if key in table and not isinstance(table[key], str):
            raise SSELabError(f"{origin}: {key} must be a string")
    return {
        key: value if fields[key] is None else parse_quantity(value, fields[key], f"{origin}: {key}")
        for key, value in table.items()
    }


def load_host(name_or_path: str | Path = "llzo") -> Host:
    """A packaged host by name, or a host TOML file."""
    table, origin = read_table(name_or_path, "hosts")
    values = _convert(table, _HOST_FIELDS, origin)
    required = [key for key in _HOST_FIELDS if key not in ("source",) and key not in values]
    if required:
        raise SSELabError(f"{origin}: missing {', '.join(required)}")
    return Host(**values)


def load_ion(name_or_path: str | Path) -> ExchangeIon:
    """A packaged exchange ion by name (Na, Ag, K), or an ion TOML file.

    γ is given either directly (``chemical_expansion_coefficient``) or as a chemical strain at a
    concentration (``chemical_strain`` at ``chemical_strain_concentration``, eq. 2: γ = ε_c/C).
    """
    table, origin = read_table(name_or_path, "ions")
    values = _convert(table, _ION_FIELDS, origin)
    if "name" not in values:
        raise SSELabError(f"{origin}: missing name")
    strain = values.pop("chemical_strain", None)
    strain_concentration = values.pop("chemical_strain_concentration", None)
    if ("chemical_expansion_coefficient" in values) == (strain is not None):
        raise SSELabError(
            f"{origin}: give either chemical_expansion_coefficient or chemical_strain with chemical_strain_concentration"
        )
    if strain is not None:
        if strain_concentration is None or strain_concentration <= 0:
            raise SSELabError(f"{origin}: chemical_strain needs a positive chemical_strain_concentration")
        values["chemical_expansion_coefficient"] = strain / strain_concentration
    return ExchangeIon(**values)


_SEPARATOR_FIELDS = {
    "name": None,
    "source": None,
    "temperature": "temperature",
    "thickness": "length",
    "current_density": "current_density",
    "mu_cathode": "energy",
    "mu_anode": "energy",
}
_LAYER_FIELDS = {"name": None, "fraction": "dimensionless", "sigma_ion": "conductivity", "A": "conductivity", "B": "energy"}
_BOTTLENECK_FIELDS = {"position": "dimensionless", "width": "dimensionless", "sigma_ion_factor": "dimensionless"}


def load_separator(name_or_path: str | Path) -> tuple[Separator, dict[str, Any]]:
    """A separator stack from TOML (a file, or a packaged ``li0`` configuration by name).

    Top level: ``temperature``, ``thickness``, ``current_density``, ``mu_cathode``, ``mu_anode``
    (eV); ``[[layers]]`` from the cathode with ``fraction``, ``sigma_ion``, ``A``, ``B``;
    optional ``[[bottlenecks]]`` with ``position``, ``width``, ``sigma_ion_factor``. An optional
    ``[paper]`` table (what a seed printed for this case) is returned alongside, unparsed.
    """
    table, origin = read_table(name_or_path, "li0")
    paper = table.pop("paper", {})
    layers = table.pop("layers", None)
    bottlenecks = table.pop("bottlenecks", [])
    if not isinstance(layers, list) or not layers:
        raise SSELabError(f"{origin}: needs at least one [[layers]] table")
    if not isinstance(bottlenecks, list):
        raise SSELabError(f"{origin}: bottlenecks must be an array of tables ([[bottlenecks]])")
    values = _convert(table, _SEPARATOR_FIELDS, origin)
    missing = [key for key in _SEPARATOR_FIELDS if key not in ("name", "source") and key not in values]
    if missing:
        raise SSELabError(f"{origin}: missing {', '.join(missing)}")

    def parse_all(items: list, fields: dict, label: str) -> list[dict[str, Any]]:
        parsed = []
        for i, item in enumerate(items, 1):
            if not isinstance(item, dict):
                raise SSELabError(f"{origin}: {label} {i} must be a table")
            entry = _convert(item, fields, f"{origin}: {label} {i}")
            lacking = [key for key in fields if key != "name" and key not in entry]
            if lacking:
                raise SSELabError(f"{origin}: {label} {i} lacks {', '.join(lacking)}")
            parsed.append(entry)
        return parsed

    separator = Separator(
        temperature=values["temperature"],
        thickness=values["thickness"],
        current_density=values["current_density"],
        mu_cathode=values["mu_cathode"],
        mu_anode=values["mu_anode"],
        layers=tuple(Layer(**entry) for entry in parse_all(layers, _LAYER_FIELDS, "layer")),
        bottlenecks=tuple(Bottleneck(**entry) for entry in parse_all(bottlenecks, _BOTTLENECK_FIELDS, "bottleneck")),
    )
    info = {"origin": origin, "name": values.get("name", Path(str(name_or_path)).stem), "source": values.get("source", "")}
    return separator, {**info, "paper": paper}
