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

import math
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from sselab.errors import InputError
from sselab.units import parse_quantity
from sselab.validation import read_text_file

_LABELS = {"hosts": "host", "ions": "ion", "li0": "separator case", "forcefields": "force field",
           "precursors": "precursor list", "references": "reference set", "lammps": "LAMMPS potential",
           "interfaces": "interface parameter file"}


def packaged_names(kind: str) -> list[str]:
    """Names of the packaged sets of ``kind`` ("hosts" or "ions")."""
    folder = resources.files("sselab.params") / "data" / kind
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def read_table(name_or_path: str | Path, kind: str) -> tuple[dict[str, Any], str]:
    """The TOML table of a packaged set of ``kind`` (by name, any case) or of a user's file, and where it came from.

    A user's file is read as UTF-8 text (:func:`~sselab.validation.read_text_file`: a missing, empty,
    binary or non-UTF-8 file is one line); malformed TOML is one line naming the file and the position.
    """
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        text, origin = read_text_file(path, "parameter file"), str(path)
    else:
        names = {name.lower(): name for name in packaged_names(kind)}
        key = names.get(str(name_or_path).lower())
        if key is None:
            label = _LABELS[kind]
            raise InputError(
                f"unknown {label} {name_or_path!r}: choose one of {', '.join(packaged_names(kind))} or give a .toml file"
            )
        resource = resources.files("sselab.params") / "data" / kind / f"{key}.toml"
        text, origin = resource.read_text(encoding="utf-8"), f"sselab:params/data/{kind}/{key}.toml"
    try:
        return tomllib.loads(text), origin
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{origin}: not valid TOML ({' '.join(str(error).split())})") from None
    except RecursionError:
        raise InputError(f"{origin}: nested too deeply to be a parameter file") from None


#: Field kind of :func:`convert_fields` for a text value (a TOML string) and for a flag (a TOML boolean).
TEXT, FLAG = None, "flag"


def convert_fields(table: dict[str, Any], fields: dict[str, str | None], origin: str) -> dict[str, Any]:
    """``table``'s values in SI; unknown keys are refused, and so is a value of the wrong TOML type.

    ``fields``: key → quantity kind (a number or a string with units, see
    :func:`~sselab.units.parse_quantity`, which refuses lists, tables and booleans), :data:`TEXT`
    (a string) or :data:`FLAG` (true/false). Every message names the file and the key.
    """
    if not isinstance(table, dict):
        raise InputError(f"{origin}: expected a table of parameters, got {type(table).__name__}")
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise InputError(f"{origin}: unknown parameter(s) {', '.join(unknown)}")
    return {key: _field_value(value, fields[key], f"{origin}: {key}") for key, value in table.items()}


def _field_value(value: Any, kind: str | None, where: str) -> Any:
    """One value of :func:`convert_fields`, checked against its kind."""
    if kind is TEXT:
        if not isinstance(value, str):
            raise InputError(f"{where}: must be a string (text in quotes), got {_toml_type(value)}")
        return value
    if kind == FLAG:
        if not isinstance(value, bool):
            raise InputError(f"{where}: must be true or false, got {_toml_type(value)}")
        return value
    return parse_quantity(value, kind, where)


def _toml_type(value: Any) -> str:
    """How a value of the wrong type is named in a message: its TOML type and a short excerpt."""
    names = {bool: "a boolean", str: "a string", int: "a number", float: "a number", list: "an array", dict: "a table"}
    excerpt = repr(value)
    return f"{names.get(type(value), type(value).__name__)} ({excerpt[:40]}{'...' if len(excerpt) > 40 else ''})"


def quantity_text(value: float, unit: str) -> str:
    """A quantity as a writer stores it: the shortest text of the float that reads back to the same value, and its unit
    (NumPy scalars are written as plain numbers; a value that is not finite is refused)."""
    number = float(value)
    if not math.isfinite(number):
        raise InputError(f"cannot write {number} {unit} to a parameter file (not a finite number)")
    return f"{number!r} {unit}"


def write_table(path: str | Path, table: dict[str, Any], header: str = "") -> Path:
    """Write ``table`` as TOML with tomli-w (``header`` lines become comments at the top); None values are left out.

    Every hand-off file goes through here, never through string formatting: tomli-w escapes quotes,
    newlines and control characters in strings, so any name reads back exactly. A number that is not
    finite (NaN, ±inf) is refused with its key, since no reader would accept it back; control
    characters in ``header`` (a comment, where TOML does not allow them) are written as ``?``.
    """
    import tomli_w

    content = _plain({k: v for k, v in table.items() if v is not None}, str(path))
    target = Path(path)
    lines = "".join(f"# {_comment(line)}\n" for line in header.splitlines())
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(lines + tomli_w.dumps(content), encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot write parameter file {target}: {error.strerror}") from None
    return target


def _comment(line: str) -> str:
    """``line`` with the characters TOML forbids in a comment (controls other than tab, DEL) as ``?``."""
    return "".join("?" if (ord(char) < 32 and char != "\t") or ord(char) == 127 else char for char in line)


def _plain(value: Any, where: str) -> Any:
    """``value`` with NumPy scalars as Python numbers (nested tables and arrays too); NaN or ±inf refused, naming the key."""
    if isinstance(value, dict):
        return {key: _plain(item, f"{where}: {key}") for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item, where) for item in value]
    if hasattr(value, "item") and callable(value.item) and getattr(value, "shape", None) == ():  # a NumPy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(f"{where}: cannot write {value} to a parameter file (not a finite number)")
    return value
