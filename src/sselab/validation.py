"""The validation layer at the edges: numbers, counts, work estimates, files and secrets.

Every value a user gives (a CLI option, a settings dataclass field, a parameter file) passes
through these checks before any work starts, so that a mistake ends in one line naming the input
(:class:`~sselab.errors.InputError`, CLI exit status 2) and never in a traceback, a hang or a
silently wrong number.

Bounds on work. A request whose size is only limited by memory (atoms in a cell, points of a grid,
structures of a study) is estimated before it starts and refused when the estimate exceeds a
limit. The limits are generous defaults for a workstation; raise one deliberately with an
environment variable, e.g. ``SSELAB_LIMIT_ATOMS=200000`` (see :data:`LIMITS`).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable
from numbers import Integral, Real
from pathlib import Path
from typing import Any

from sselab.errors import InputError

#: name → (default, what it bounds); override with the environment variable ``SSELAB_LIMIT_<NAME>``.
LIMITS: dict[str, tuple[float, str]] = {
    "atoms": (200_000, "atoms in one atomistic cell"),  # seed 003: a ~120 000-atom crack model; seed 000: 3456
    "structures": (20_000, "structures one study builds or computes"),
    "grid_points": (20_000_000, "points of a numerical grid"),
    "md_steps": (1e9, "time steps of one MD run"),
    "file_mb": (2_000, "MB of one input file read whole into memory"),
    "text_length": (4_096, "characters of one text argument"),
    # pymatgen's EwaldSummation holds N x N matrices (~200 MB at 3000 atoms; ~10 s per sample at 2000, one core)
    "ewald_atoms": (3_000, "atoms of one configuration ranked by Ewald energy"),
    # the ZSL enumeration grows with (area / surface-cell area)²; seed 004's 300 Å² cells are a few hundred atoms
    "interface_area_A2": (1_000, "A^2 of interface area searched for coherent matches"),
    # electronic/settings.py estimates it before GPAW starts; these machines have 24 GiB
    "dft_memory_gib": (16, "GiB of memory one DFT calculation is estimated to need"),
}


def limit(name: str) -> float:
    """The limit ``name`` of :data:`LIMITS`, or its ``SSELAB_LIMIT_<NAME>`` override (a positive number)."""
    default, _ = LIMITS[name]
    variable = f"SSELAB_LIMIT_{name.upper()}"
    text = os.environ.get(variable)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{variable}={text!r}: expected a positive number") from None
    if not (math.isfinite(value) and value > 0):
        raise InputError(f"{variable}={text!r}: expected a positive number")
    return value


def require_within_limit(estimate: float, name: str, what: str) -> None:
    """Refuse work whose estimated size ``estimate`` (in the unit of limit ``name``) exceeds the limit.

    The message gives the estimate, the limit and the variable that raises it.
    """
    bound = limit(name)
    try:
        finite = math.isfinite(estimate)
    except OverflowError:  # an integer beyond float range
        finite = False
    if not finite or estimate > bound:
        shown = f"{estimate:.3g}" if finite else "an unbounded number of"
        raise InputError(
            f"{what} would need {shown} {LIMITS[name][1]} (limit {bound:.3g}); "
            f"reduce the request or raise the limit with SSELAB_LIMIT_{name.upper()}=N"
        )


def require_finite(value: Any, name: str) -> float:
    """``value`` as a finite float (bools, text and NaN/±inf are refused)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InputError(f"{name}: expected a number, got {value!r}")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond float range
        number = math.inf
    if not math.isfinite(number):
        raise InputError(f"{name}: must be a finite number, got {_short(value)}")
    return number


def _short(value: Any) -> str:
    """``repr(value)``, cut to 40 characters (a 400-digit integer is not worth a line)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def require_range(value: Any, name: str, *, low: float | None = None, high: float | None = None,
                  low_inclusive: bool = True, high_inclusive: bool = True, unit: str = "") -> float:
    """``value`` as a finite float within [low, high] (open ends where ``*_inclusive`` is False)."""
    number = require_finite(value, name)
    below = low is not None and (number < low if low_inclusive else number <= low)
    above = high is not None and (number > high if high_inclusive else number >= high)
    if below or above:
        suffix = f" {unit}" if unit else ""
        left = "" if low is None else f"{'[' if low_inclusive else '('}{low:g}"
        right = "" if high is None else f"{high:g}{']' if high_inclusive else ')'}"
        if low is not None and high is not None:
            wanted = f"within {left}, {right}{suffix}"
        elif low is not None:
            wanted = f"{'at least' if low_inclusive else 'greater than'} {low:g}{suffix}"
        else:
            wanted = f"{'at most' if high_inclusive else 'less than'} {high:g}{suffix}"
        raise InputError(f"{name}: must be {wanted}, got {number:g}{suffix}")
    return number


def require_positive(value: Any, name: str, unit: str = "") -> float:
    """``value`` as a finite float > 0."""
    return require_range(value, name, low=0.0, low_inclusive=False, unit=unit)


def require_count(value: Any, name: str, *, low: int = 1, high: int | None = None) -> int:
    """``value`` as a whole number within [low, high] (floats with a fraction and bools are refused)."""
    if isinstance(value, bool):
        raise InputError(f"{name}: expected a whole number, got {value!r}")
    if isinstance(value, Real) and not isinstance(value, Integral):
        if not math.isfinite(float(value)) or float(value) != int(value):
            raise InputError(f"{name}: expected a whole number, got {value!r}")
        value = int(value)
    if not isinstance(value, Integral):
        raise InputError(f"{name}: expected a whole number, got {value!r}")
    count = int(value)
    if count < low or (high is not None and count > high):
        wanted = f"at least {low}" if high is None else f"between {low} and {high}"
        raise InputError(f"{name}: must be {wanted}, got {count}")
    return count


def require_text(value: Any, name: str) -> str:
    """A text argument: a string of at most ``limit('text_length')`` characters, without control characters."""
    if not isinstance(value, str):
        raise InputError(f"{name}: expected text, got {value!r}")
    if len(value) > limit("text_length"):
        raise InputError(f"{name}: {len(value)} characters is longer than the limit of {limit('text_length'):.0f} "
                         "(raise it with SSELAB_LIMIT_TEXT_LENGTH=N)")
    if any(ord(char) < 32 and char not in "\t" for char in value):
        raise InputError(f"{name}: contains a control character (a newline or similar): {value[:60]!r}")
    return value


def require_file(path: str | Path, what: str) -> Path:
    """``path`` as a Path to an existing file (a missing path or a directory is refused, naming ``what``)."""
    target = Path(path)
    if not target.exists():
        raise InputError(f"{what} {target} does not exist")
    if target.is_dir():
        raise InputError(f"{what} {target} is a directory, not a file")
    return target


def read_text_file(path: str | Path, what: str) -> str:
    """The UTF-8 text of the file ``path`` (``what`` names it in messages).

    Refused in one line: a missing file, a directory, an unreadable file, an empty file, a file
    larger than ``limit('file_mb')``, and binary or non-UTF-8 content.
    """
    target = require_file(path, what)
    try:
        size = target.stat().st_size
        if size > limit("file_mb") * 1e6:
            raise InputError(f"{what} {target} is {size / 1e6:.0f} MB, larger than the limit of {limit('file_mb'):.0f} MB "
                             "(raise it with SSELAB_LIMIT_FILE_MB=N)")
        data = target.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read {what} {target}: {error.strerror or error}") from None
    if not data.strip():
        raise InputError(f"{what} {target} is empty")
    if b"\x00" in data:
        raise InputError(f"{what} {target} is a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{what} {target} is not UTF-8 text (byte {error.start})") from None


def read_json_file(path: str | Path, what: str) -> Any:
    """The JSON content of ``path`` (see :func:`read_text_file`); malformed JSON is one line naming the position."""
    text = read_text_file(path, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{what} {path} is not valid JSON ({error.msg}, line {error.lineno})") from None
    except RecursionError:
        raise InputError(f"{what} {path} is nested too deeply to be a parameter file") from None


def require_keys(table: Any, keys: Iterable[str], where: str) -> dict[str, Any]:
    """``table`` as a dict holding every key in ``keys`` (a file whose shape is wrong is refused, naming what is missing)."""
    if not isinstance(table, dict):
        raise InputError(f"{where}: expected a table of named values, got {type(table).__name__}")
    missing = [key for key in keys if key not in table]
    if missing:
        raise InputError(f"{where}: missing {', '.join(missing)}")
    return table


# the lookbehind anchors a scheme at its first letter, so a long text is scanned in linear time
_URL_PASSWORD = re.compile(
    r"(?<![A-Za-z0-9+.-])(?P<scheme>[A-Za-z][A-Za-z0-9+.-]{0,30}://)(?P<user>[^:/@\s]{0,200}):(?P<password>[^@\s]{0,500})@"
)


# a URL cut inside its password (``scheme://user:pa`` at the end of a shortened text)
_CUT_PASSWORD = re.compile(r"(?<![A-Za-z0-9+.-])(?P<scheme>[A-Za-z][A-Za-z0-9+.-]{0,30}://)(?P<user>[^:/@\s]{0,200}):[^@/\s]*$")


def redact(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@host`` URL replaced by ``***`` (also when the
    text ends inside the password)."""
    text = _URL_PASSWORD.sub(lambda match: f"{match['scheme']}{match['user']}:***@", text)
    return _CUT_PASSWORD.sub(lambda match: f"{match['scheme']}{match['user']}:***", text)


def redact_all(value: Any) -> Any:
    """:func:`redact` applied to every string inside nested dicts, lists and tuples."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_all(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_all(item) for item in value]
    return value
