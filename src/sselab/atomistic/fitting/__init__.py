"""Fitting fast potentials to a reference calculator (an MLIP, DFT or any ASE calculator).

- :mod:`~sselab.atomistic.fitting.dataset`: labelled configurations (extxyz with energy, forces, stress),
  their checks, hash and hold-out split;
- :mod:`~sselab.atomistic.fitting.sampling`: the configurations a potential must see (strained, rattled,
  exchanged cells, MD snapshots), labelled through the engine and its cache;
- :mod:`~sselab.atomistic.fitting.born`: the physical family, rigid-ion Buckingham + Coulomb with a fitted
  charge scale and a repulsive core, written as a force-field TOML that LAMMPS runs;
- :mod:`~sselab.atomistic.fitting.pod`: the machine-learned family, a POD fitted by LAMMPS' ``fitpod`` and
  written as a LAMMPS potential file;
- :mod:`~sselab.atomistic.fitting.metrics`: errors of a potential against labelled data.
"""
