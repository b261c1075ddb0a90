"""Atomistic steps run with any ASE calculator, by role:

- ``engine/``: calculators with their identity, the ase.db result cache, relaxations;
- ``build/``: the structure library, LLZO, slabs, interfaces, defect configurations;
- ``properties/``: surface energy, adhesion, vacancies, NEB, sites, formation, expansion, stability;
- ``md/``: molecular dynamics with ASE or LAMMPS and the force-field files.

Units inside are ASE's: eV, Å, fs, amu; conversion to SI happens where a result becomes a parameter
for a continuum model.
"""
