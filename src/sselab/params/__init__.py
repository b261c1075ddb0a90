"""Parameter files: packaged sets (TOML, with sources), and one reader/writer per file kind.

A parameter is a bare number in SI units or a string with units (``"150 GPa"``). Unknown keys are
refused, so that a typo cannot silently fall back to a default. An argument that names an existing
file is read as a user's file; otherwise it names a packaged set under ``params/data/<kind>``.

One module per file kind, each with its reader and writer (round-trip tested):

- :mod:`sselab.params.ions`: hosts (``llzo``), exchange ions (``na``, ``ag``, ``k``) and eq. 10 Li⁺ laws;
- :mod:`sselab.params.separators`: seed 002's separator stacks (``li0/fig3`` …);
- :mod:`sselab.params.interfaces`: seed 001's interface parameters (σ_m, W_ad, ρ) for the segregation model;
- :mod:`sselab.params.entries`: phase-diagram entries (JSON) for the hull and reactivity;
- :mod:`sselab.params.references`: the seeds' own published numbers, with their citations.

This module holds what they share and imports no model class.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from sselab.errors import InputError
from sselab.units import parse_quantity

_LABELS = {"hosts": "host", "ions": "ion", "li0": "separator case", "forcefields": "force field",
           "precursors": "precursor list", "references": "reference set", "lammps": "LAMMPS potential",
           "interfaces": "interface parameter file"}


def packaged_names(kind: str) -> list[str]:
    """Names of the packaged sets of ``kind`` ("hosts" or "ions")."""
    folder = resources.files("sselab.params") / "data" / kind
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def read_table(name_or_path: str | Path, kind: str) -> tuple[dict[str, Any], str]:
    """The TOML table of a packaged set of ``kind`` (by name, any case) or of a user's file, and where it came from."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise InputError(f"parameter file {path} does not exist")
        text, origin = path.read_text(), str(path)
    else:
        names = {name.lower(): name for name in packaged_names(kind)}
        key = names.get(str(name_or_path).lower())
        if key is None:
            label = _LABELS[kind]
            raise InputError(
                f"unknown {label} {name_or_path!r}: choose one of {', '.join(packaged_names(kind))} or give a .toml file"
            )
        resource = resources.files("sselab.params") / "data" / kind / f"{key}.toml"
        text, origin = resource.read_text(), f"sselab:params/data/{kind}/{key}.toml"
    try:
        return tomllib.loads(text), origin
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{origin}: not valid TOML ({error})") from None


def convert_fields(table: dict[str, Any], fields: dict[str, str | None], origin: str) -> dict[str, Any]:
    """``table``'s values in SI (``fields``: key → quantity kind, None for text); unknown keys are refused."""
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise InputError(f"{origin}: unknown parameter(s) {', '.join(unknown)}")
    for key in ("name", "source", "caveat"):
        if key in table and not isinstance(table[key], str):
            raise InputError(f"{origin}: {key} must be a string")
    return {
        key: value if fields[key] is None else parse_quantity(value, fields[key], f"{origin}: {key}")
        for key, value in table.items()
    }


def write_table(path: str | Path, table: dict[str, Any], header: str = "") -> Path:
    """Write ``table`` as TOML (``header`` lines become comments at the top); None values are left out."""
    import tomli_w

    target = Path(path)
    lines = "".join(f"# {line}\n" for line in header.splitlines())
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(lines + tomli_w.dumps({k: v for k, v in table.items() if v is not None}))
    except OSError as error:
        raise InputError(f"cannot write parameter file {target}: {error.strerror}") from None
    return target
