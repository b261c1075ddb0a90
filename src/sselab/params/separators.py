"""Seed 002 separator stacks: the TOML reader (packaged ``li0`` cases or a user's file) and its writer."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from sselab.continuum.li0_potential import Bottleneck, Layer, Separator
from sselab.errors import InputError
from sselab.params import convert_fields, quantity_text, read_table, write_table

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
    if not isinstance(paper, dict):
        raise InputError(f"{origin}: paper must be a table ([paper])")
    layers = table.pop("layers", None)
    bottlenecks = table.pop("bottlenecks", [])
    if not isinstance(layers, list) or not layers:
        raise InputError(f"{origin}: needs at least one [[layers]] table")
    if not isinstance(bottlenecks, list):
        raise InputError(f"{origin}: bottlenecks must be an array of tables ([[bottlenecks]])")
    values = convert_fields(table, _SEPARATOR_FIELDS, origin)
    missing = [key for key in _SEPARATOR_FIELDS if key not in ("name", "source") and key not in values]
    if missing:
        raise InputError(f"{origin}: missing {', '.join(missing)}")

    def parse_all(items: list, fields: dict, label: str) -> list[dict[str, Any]]:
        parsed = []
        for i, item in enumerate(items, 1):
            if not isinstance(item, dict):
                raise InputError(f"{origin}: {label} {i} must be a table")
            entry = convert_fields(item, fields, f"{origin}: {label} {i}")
            lacking = [key for key in fields if key != "name" and key not in entry]
            if lacking:
                raise InputError(f"{origin}: {label} {i} lacks {', '.join(lacking)}")
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


_SI_UNITS = {"temperature": "K", "thickness": "m", "current_density": "A/m**2", "mu_cathode": "eV", "mu_anode": "eV"}
_LAYER_UNITS = {"sigma_ion": "S/m", "A": "S/m", "B": "eV"}


def write_separator(path: str | Path, separator: Separator, name: str = "", source: str = "", header: str = "") -> Path:
    """A separator file that :func:`load_separator` reads back to ``separator`` (values with their units)."""
    def with_units(values: dict[str, Any], units: dict[str, str]) -> dict[str, Any]:
        return {key: quantity_text(value, units[key]) if key in units else value for key, value in values.items()}

    table = {
        "name": name or None, "source": source or None,
        **{key: quantity_text(getattr(separator, key), unit) for key, unit in _SI_UNITS.items()},
        "layers": [with_units({k: v for k, v in asdict(layer).items() if v != ""}, _LAYER_UNITS) for layer in separator.layers],
    }
    if separator.bottlenecks:
        table["bottlenecks"] = [asdict(b) for b in separator.bottlenecks]
    return write_table(path, table, header)
