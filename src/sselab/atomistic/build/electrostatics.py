"""Formal-charge electrostatics with pymatgen's ``EwaldSummation``: cell energies and per-site (Madelung) shares.

Used to rank orderings and defect configurations before any calculator runs (the LLZO Li ordering, seed 004's
"lowest E_Ewald" sampling). Charges are formal, one number per element; energies in eV.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms

from sselab.errors import SSELabError


def charged_structure(atoms: Atoms, charges: dict[str, float]):
    """A pymatgen ``Structure`` of ``atoms`` carrying each element's formal charge (no neutrality check)."""
    from pymatgen.core import Lattice, Structure

    symbols = atoms.get_chemical_symbols()
    unknown = sorted(set(symbols) - set(charges))
    if unknown:
        raise SSELabError(f"no formal charge given for {', '.join(unknown)}")
    return Structure(Lattice(atoms.cell.array), symbols, atoms.get_scaled_positions(wrap=True),
                     site_properties={"charge": [charges[s] for s in symbols]})


def madelung_site_energies(atoms: Atoms, charges: dict[str, float]) -> np.ndarray:
    """Each atom's share of the formal-charge Ewald energy (eV)."""
    from pymatgen.analysis.ewald import EwaldSummation

    ewald = EwaldSummation(charged_structure(atoms, charges), compute_forces=False)
    return np.array([ewald.get_site_energy(i) for i in range(len(atoms))])


def ewald_energy(atoms: Atoms, charges: dict[str, float]) -> float:
    """Formal-charge Ewald energy (eV) of a neutral cell."""
    from pymatgen.analysis.ewald import EwaldSummation

    total = sum(charges.get(s, 0.0) for s in atoms.get_chemical_symbols())
    structure = charged_structure(atoms, charges)
    if abs(total) > 1e-6:
        raise SSELabError(f"the configuration carries a net formal charge of {total:+g} e; Ewald ranking needs a neutral cell")
    return float(EwaldSummation(structure, compute_forces=False).total_energy)
