"""Seed 001 interface parameter files: the hand-off from ``segregation study`` to the bond-breaking model.

Keys: ``surface_energy`` (σ_m of the metal as strained in the interface), ``work_of_adhesion``
(W_ad, positive binds), ``surface_density`` (ρ, metal surface atoms per area), each a number in SI or
a string with units; optional ``metal``, ``substrate``, ``calculator``, ``source``, ``note``. A user
may write one by hand for the model alone (``sselab segregation model --params FILE``).
"""

from __future__ import annotations

from pathlib import Path

from sselab.errors import InputError
from sselab.params import convert_fields, quantity_text, read_table, write_table

#: The model's inputs and their quantity kinds.
INTERFACE_FIELDS = {"surface_energy": "surface_energy", "work_of_adhesion": "surface_energy", "surface_density": "areal_density"}
_TEXT_FIELDS = {"metal": None, "substrate": None, "calculator": None, "source": None, "note": None}


def load_interface(path: str | Path) -> dict[str, float]:
    """The model inputs present in the file, in SI (J/m², J/m², 1/m²); missing ones are left out."""
    if not Path(path).is_file():
        raise InputError(f"interface parameter file {path} does not exist")
    table, origin = read_table(path, "interfaces")
    values = convert_fields(table, {**INTERFACE_FIELDS, **_TEXT_FIELDS}, origin)
    return {key: values[key] for key in INTERFACE_FIELDS if key in values}


def write_interface(path: str | Path, *, surface_energy_J_per_m2: float, work_of_adhesion_J_per_m2: float,
                    surface_density_per_m2: float, metal: str = "", substrate: str = "", calculator: str = "") -> Path:
    """An interface file that :func:`load_interface` reads back to the same three values."""
    table = {
        "metal": metal or None, "substrate": substrate or None, "calculator": calculator or None,
        "surface_energy": quantity_text(surface_energy_J_per_m2, "J/m^2"),
        "work_of_adhesion": quantity_text(work_of_adhesion_J_per_m2, "J/m^2"),
        "surface_density": quantity_text(float(surface_density_per_m2) * 1e-18, "1/nm^2"),
    }
    header = (f"seed 001 interface parameters ({calculator or 'user'}): sigma_m of the metal as strained in the interface,\n"
              "W_ad (positive binds) and rho, for `sselab segregation model --params`")
    return write_table(path, table, header)
