"""Molecular dynamics: ASE integrators with any calculator (``ase_md``), LAMMPS with packaged force
fields (``lammps``) and the force-field files themselves (``forcefields``)."""
