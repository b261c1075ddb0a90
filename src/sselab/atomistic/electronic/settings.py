"""DFT settings for GPAW: what a user chooses, the checks made before anything runs, and the calculator they make.

GPAW (plane waves or LCAO, PBE by default, PAW setups from the ``gpaw-data`` wheel) is installed with the ``dft``
extra; see ``docs/electronic.md``. Everything here is checked before GPAW starts:

- every element has a PAW setup (and an LCAO basis in LCAO mode);
- an odd number of electrons (a charged cell, or a radical) needs spin polarisation: a spin-paired run would put
  half an electron in each spin channel of the extra state and report a metal;
- the memory the run will need, estimated from the cell (below), stays within ``SSELAB_LIMIT_DFT_MEMORY_GIB``.

Memory estimate (GiB; an upper bound: it counts the full k-point grid, not the irreducible wedge, so it can exceed
GPAW's need many times over for a symmetric cell; it is not yet compared with GPAW's own report):

- plane waves: N_G = V k_c³ / (6π²) coefficients per band and k-point, k_c = √(E_cut / 3.81 eV Å²); the wave
  functions and the eigensolver's two work copies are 3 × 16 B × N_G × N_bands × N_k × N_spin, plus the dense
  matrices 3 × 16 B × N_bands² × N_k × N_spin;
- LCAO: N_ao orbitals (per atom, dzp: 5 for H and He, 13 for other main-group elements, 15 for d- and f-block
  elements) give
  6 × 16 B × N_ao² × N_k × N_spin (H, S, C and work), plus 40 real-space grids of 8 B at 0.2 Å spacing.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from ase import Atoms
from ase.calculators.calculator import kptdensity2monkhorstpack

from sselab.errors import InputError, SetupError
from sselab.validation import require_count, require_range, require_text, require_within_limit

MODES = ("pw", "lcao")
#: ħ²/2m_e in eV Å²: E = ħ²k²/2m gives the plane-wave cut-off wave vector.
HBAR2_OVER_2ME_EV_A2 = 3.80998
_TRANSITION_LIKE = frozenset({*range(21, 31), *range(39, 49), *range(57, 81), *range(89, 113)})
_ORBITALS = {"s": 0, "p": 1, "d": 2, "f": 3}


@dataclass(frozen=True, kw_only=True)
class DFTSettings:
    """One GPAW calculation's settings (energies eV, lengths Å).

    ``ecut_eV`` 600 by default: the PBE gap of Li₂O moves by 0.1 eV from 400 to 600 eV and by 0.001 eV from 600 to
    800 eV (``tests/test_electronic_gpaw.py``). ``kpts`` is an explicit Monkhorst–Pack size; ``None`` takes it from ``kpt_density`` (k-points per Å⁻¹ of
    reciprocal-cell length, ASE's convention), Γ-centred. ``spin_polarized=None`` turns spin on exactly when the
    electron count is odd. ``hubbard_u`` holds (element, orbital letter, U in eV) triples (Dudarev +U, as seed 004
    uses for Co 3d). ``empty_bands`` are computed above the occupied ones so that the conduction band and gap
    states are seen; they are converged up to 2 eV above the conduction-band minimum.
    """

    mode: str = "pw"
    ecut_eV: float = 600.0
    basis: str = "dzp"
    kpts: tuple[int, int, int] | None = None
    kpt_density: float = 2.5
    xc: str = "PBE"
    charge: int = 0
    spin_polarized: bool | None = None
    smearing_eV: float = 0.01
    hubbard_u: tuple[tuple[str, str, float], ...] = ()
    empty_bands: int = 8

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise InputError(f"mode {self.mode!r}: choose pw or lcao")
        require_range(self.ecut_eV, "ecut", low=100.0, high=2000.0, unit="eV")
        require_range(self.kpt_density, "kpt_density", low=0.0, high=20.0, unit="per 1/A")
        require_range(self.smearing_eV, "smearing", low=0.0, high=1.0, low_inclusive=False, unit="eV")
        require_count(self.empty_bands, "empty_bands", low=1, high=10_000)
        if isinstance(self.charge, bool) or not isinstance(self.charge, int) or abs(self.charge) > 100:
            raise InputError(f"charge {self.charge!r}: expected a whole number of electrons removed (+) or added (-), |charge| <= 100")
        require_text(self.xc, "xc")
        require_text(self.basis, "basis")
        if self.kpts is not None:
            if len(self.kpts) != 3:
                raise InputError(f"kpts {self.kpts!r}: give three whole numbers, e.g. 4x4x4")
            for n in self.kpts:
                require_count(n, "kpts", low=1, high=64)
        for element, orbital, u in self.hubbard_u:
            if orbital not in _ORBITALS:
                raise InputError(f"hubbard U for {element}: orbital {orbital!r} must be one of s, p, d, f")
            require_range(u, f"hubbard U of {element}", low=0.0, high=20.0, unit="eV")

    def kpoint_grid(self, atoms: Atoms) -> tuple[int, int, int]:
        """The Monkhorst–Pack size: ``kpts``, or the smallest grid with ``kpt_density`` (1 along non-periodic axes)."""
        if self.kpts is not None:
            return tuple(int(n) for n in self.kpts)
        if self.kpt_density == 0:
            return (1, 1, 1)
        grid = kptdensity2monkhorstpack(atoms, kptdensity=self.kpt_density, even=False)
        return tuple(int(n) if periodic else 1 for n, periodic in zip(grid, atoms.pbc))

    def identity(self, atoms: Atoms | None) -> tuple[tuple[str, str], ...]:
        """What changes the result, as the cache and the run record keep it (``atoms=None``: for any structure)."""
        grid = f"density {self.kpt_density:g}" if atoms is None and self.kpts is None else "x".join(map(str, self.kpoint_grid(atoms)))
        spin = str(self.spin_polarized) if atoms is None else str(self.spin_for(atoms))
        bands = () if atoms is None else (("empty_bands", str(self.empty_bands)),)  # the engine's runs use GPAW's own count
        return (("mode", self.mode), ("ecut_eV", f"{self.ecut_eV:g}" if self.mode == "pw" else "-"),
                ("basis", self.basis if self.mode == "lcao" else "-"), ("kpts", grid), ("xc", self.xc), ("charge", str(self.charge)),
                ("spin_polarized", spin), ("smearing_eV", f"{self.smearing_eV:g}"),
                ("hubbard_u", ";".join(f"{e}:{o}:{u:g}" for e, o, u in self.hubbard_u)), *bands,
                ("setups", setup_source()))

    def electrons(self, atoms: Atoms) -> int:
        """Valence electrons of the cell (PAW setups' valence, minus the charge)."""
        return sum(paw_valence(symbol, self.xc) for symbol in atoms.get_chemical_symbols()) - self.charge

    def spin_for(self, atoms: Atoms) -> bool:
        """Whether the run is spin polarised: as asked, else exactly when the electron count is odd or the structure
        carries initial magnetic moments. An odd count, or moments, with ``spin_polarized=False`` are refused."""
        odd = self.electrons(atoms) % 2 == 1
        moments = bool(np.any(atoms.get_initial_magnetic_moments()))
        if self.spin_polarized is None:
            return odd or moments
        if not self.spin_polarized and (odd or moments):
            why = (f"an odd number of electrons ({self.electrons(atoms)})" if odd else "initial magnetic moments")
            raise InputError(f"{atoms.get_chemical_formula()} with charge {self.charge:+d} has {why}: it needs spin "
                             "polarisation (drop --no-spin)")
        return self.spin_polarized

    def bands(self, atoms: Atoms) -> int:
        return math.ceil(self.electrons(atoms) / 2) + self.empty_bands

    def check(self, atoms: Atoms) -> None:
        """Everything that can be refused before GPAW starts (see the module docstring)."""
        if len(atoms) == 0:
            raise InputError("the structure has no atoms")
        if atoms.cell.rank != 3:
            raise InputError(f"{atoms.get_chemical_formula()}: DFT needs a cell with three lattice vectors (add vacuum to a molecule)")
        for symbol in sorted(set(atoms.get_chemical_symbols())):
            paw_valence(symbol, self.xc)
            if self.mode == "lcao":
                require_basis(symbol, self.basis)
        for element, _, _ in self.hubbard_u:
            if element not in atoms.get_chemical_symbols():
                raise InputError(f"hubbard U given for {element}, which the structure does not contain")
        if self.electrons(atoms) <= 0:
            raise InputError(f"charge {self.charge:+d} leaves {atoms.get_chemical_formula()} without electrons")
        self.spin_for(atoms)
        require_within_limit(memory_estimate_gib(atoms, self), "dft_memory_gib", f"DFT ({self.mode}) of {atoms.get_chemical_formula()}")

    def calculator(self, atoms: Atoms | None, txt: str | None = None) -> Any:
        """A GPAW calculator with these settings: for ``atoms`` (call :meth:`check` first) with the empty bands converged,
        or, with ``atoms=None``, for any structure (k-points from the density, GPAW's own band count)."""
        require_gpaw()
        from gpaw import GPAW, PW, FermiDirac

        parameters: dict[str, Any] = {"xc": self.xc, "occupations": FermiDirac(self.smearing_eV), "charge": self.charge, "txt": txt}
        if atoms is None:
            parameters["kpts"] = ({"size": self.kpts, "gamma": True} if self.kpts is not None
                                  else {"density": self.kpt_density, "gamma": True})
            if self.spin_polarized is not None:
                parameters["spinpol"] = self.spin_polarized
        else:
            parameters.update(kpts={"size": self.kpoint_grid(atoms), "gamma": True}, spinpol=self.spin_for(atoms),
                              nbands=self.bands(atoms), convergence={"bands": "CBM+2.0"})
        if self.mode == "pw":
            parameters["mode"] = PW(self.ecut_eV)
        else:
            parameters.update(mode="lcao", basis=self.basis)
        if self.hubbard_u:
            parameters["setups"] = {element: f":{orbital},{u:g}" for element, orbital, u in self.hubbard_u}
        return GPAW(**parameters)


def spin_start(atoms: Atoms, settings: DFTSettings) -> Atoms:
    """``atoms`` with initial magnetic moments that let a spin-polarised run leave the symmetric solution.

    Moments the user set are kept. Otherwise a spin-polarised run starts from 1 μ_B spread evenly over the atoms (one
    started from zero moments stays spin-paired, and an odd electron then splits between the spin channels).
    """
    start = atoms.copy()
    if settings.spin_for(atoms) and not np.any(atoms.get_initial_magnetic_moments()):
        start.set_initial_magnetic_moments(np.full(len(atoms), 1.0 / len(atoms)))
    return start


def setup_source() -> str:
    """Where the PAW setups and basis sets come from: the gpaw-data version and GPAW_SETUP_PATH (they choose the data)."""
    from importlib import metadata

    try:
        version = metadata.version("gpaw-data")
    except metadata.PackageNotFoundError:
        version = "none"
    return f"gpaw-data {version}; GPAW_SETUP_PATH={os.environ.get('GPAW_SETUP_PATH', '')}"


def require_gpaw() -> None:
    try:
        import gpaw  # noqa: F401
    except ImportError:
        raise SetupError("DFT needs GPAW: pip install 'sselab[dft]' (after apt-get install libxc-dev libopenblas-dev, "
                         "with CC=g++); 'make test' does both") from None


@cache
def paw_valence(symbol: str, xc: str = "PBE") -> int:
    """Valence electrons of the PAW setup of ``symbol``; an element without a setup is refused."""
    require_gpaw()
    from gpaw.setup import create_setup

    try:
        return int(round(create_setup(symbol, xc).Nv))
    except (FileNotFoundError, RuntimeError, KeyError):
        raise InputError(f"no {xc} PAW setup for {symbol} in gpaw-data (set GPAW_SETUP_PATH to a folder that has {symbol}.{xc})") from None


def require_basis(symbol: str, basis: str) -> None:
    """Refuse an LCAO basis that no setup folder holds for ``symbol``."""
    require_gpaw()
    from gpaw import setup_paths

    names = (f"{symbol}.{basis}.basis", f"{symbol}.{basis}.basis.gz")
    if not any(os.path.isfile(os.path.join(folder, name)) for folder in setup_paths for name in names):
        raise InputError(f"no LCAO basis {basis!r} for {symbol} (looked in {', '.join(map(str, setup_paths))}); use --mode pw")


def memory_estimate_gib(atoms: Atoms, settings: DFTSettings) -> float:
    """Memory one run of ``settings`` on ``atoms`` needs, GiB (the module docstring gives the formula)."""
    nk = math.prod(settings.kpoint_grid(atoms))  # no symmetry reduction: an upper bound
    nspin = 2 if settings.spin_for(atoms) else 1
    nbands = settings.bands(atoms)
    if settings.mode == "pw":
        k_cut = math.sqrt(settings.ecut_eV / HBAR2_OVER_2ME_EV_A2)
        n_g = atoms.get_volume() * k_cut**3 / (6 * math.pi**2)
        total = 3 * 16 * (n_g * nbands + nbands**2) * nk * nspin
    else:
        n_ao = sum(_orbitals_dzp(number) for number in atoms.numbers)
        total = 6 * 16 * n_ao**2 * nk * nspin + 40 * 8 * atoms.get_volume() / 0.2**3
    return total / 2**30


def _orbitals_dzp(number: int) -> int:
    if number <= 10:
        return 5 if number <= 2 else 13
    return 15 if number in _TRANSITION_LIKE else 13


def parse_kpts(text: str) -> tuple[int, int, int]:
    """``"4x4x4"`` or ``"4"`` (the same along each axis) → a Monkhorst–Pack size."""
    parts = require_text(text, "kpts").lower().replace(",", "x").split("x")
    try:
        sizes = [int(p) for p in parts]
    except ValueError:
        raise InputError(f"kpts {text!r}: expected whole numbers like 4x4x4") from None
    if len(sizes) == 1:
        sizes *= 3
    if len(sizes) != 3:
        raise InputError(f"kpts {text!r}: give one or three numbers")
    return tuple(require_count(n, "kpts", low=1, high=64) for n in sizes)


def parse_hubbard(text: str) -> tuple[str, str, float]:
    """``"Co:d:3.3"`` → (element, orbital, U eV)."""
    from ase.data import atomic_numbers

    parts = require_text(text, "hubbard").split(":")
    if len(parts) != 3 or parts[0] not in atomic_numbers or parts[1] not in _ORBITALS:
        raise InputError(f"hubbard {text!r}: expected ELEMENT:ORBITAL:U_eV, e.g. Co:d:3.3")
    try:
        u = float(parts[2])
    except ValueError:
        raise InputError(f"hubbard {text!r}: U must be a number of eV") from None
    return parts[0], parts[1], require_range(u, f"hubbard U of {parts[0]}", low=0.0, high=20.0, unit="eV")


_OPTION_KEYS = ("mode", "ecut", "basis", "kpts", "kpt_density", "xc", "charge", "spin", "smearing", "u", "empty_bands")


def parse_gpaw_options(text: str) -> DFTSettings:
    """``"mode=lcao,kpts=2x2x2,charge=-1,spin=on,u=Co:d:3.3"`` → :class:`DFTSettings` (empty text: the defaults)."""
    values: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        key, _, value = item.partition("=")
        key, value = key.strip().lower(), value.strip()
        if key not in _OPTION_KEYS or not value:
            raise InputError(f"gpaw option {item!r}: expected KEY=VALUE with KEY one of {', '.join(_OPTION_KEYS)}")
        try:
            if key == "mode":
                values["mode"] = value.lower()
            elif key in ("ecut", "kpt_density", "smearing"):
                values[{"ecut": "ecut_eV", "smearing": "smearing_eV"}.get(key, key)] = float(value)
            elif key in ("charge", "empty_bands"):
                values[key] = int(value)
            elif key == "kpts":
                values["kpts"] = parse_kpts(value)
            elif key == "spin":
                if value.lower() not in ("on", "off", "true", "false"):
                    raise InputError(f"gpaw option spin={value!r}: expected on or off")
                values["spin_polarized"] = value.lower() in ("on", "true")
            elif key == "u":
                values["hubbard_u"] = tuple(parse_hubbard(u) for u in value.split(";"))
            else:
                values[key] = value
        except InputError:
            raise
        except ValueError:
            raise InputError(f"gpaw option {item!r}: the value is not a number") from None
    return DFTSettings(**values)
