"""Errors of a potential against labelled frames: RMSE of energies per atom, force components and stresses.

Energies are compared per atom after no shift: a fitted set carries the reference energies E0 of its
species, so its energies are on the teacher's scale. Stress errors use only the frames that carry a stress
label. Units: meV/atom, eV/Å, GPa (the gates of :data:`sselab.atomistic.fitting.born.GATES`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from ase import Atoms

from sselab.atomistic.fitting.dataset import config_type, has_stress
from sselab.constants import EV_PER_A3_TO_GPA

__all__ = ["Errors", "ParityData", "errors_by_kind", "parity_data"]



@dataclass(frozen=True)
class ParityData:
    """Reference and predicted values, flattened: energies per atom (eV), force components (eV/Å), stresses (GPa)."""

    energy_ref: np.ndarray
    energy_pred: np.ndarray
    force_ref: np.ndarray
    force_pred: np.ndarray
    stress_ref: np.ndarray
    stress_pred: np.ndarray


@dataclass(frozen=True)
class Errors:
    """RMSEs of one group of frames (stress NaN when no frame carries a stress label)."""

    frames: int
    energy_rmse_meV_per_atom: float
    force_rmse_eV_per_A: float
    stress_rmse_GPa: float


def parity_data(reference: Sequence[Atoms], predicted: Sequence[Atoms]) -> ParityData:
    """Pairs of labels of the same frames (``predicted[i]`` is ``reference[i]`` evaluated by the potential)."""
    if len(reference) != len(predicted):
        raise ValueError("reference and predicted frames differ in number")
    e_ref = np.array([a.calc.results["energy"] / len(a) for a in reference])
    e_pred = np.array([a.calc.results["energy"] / len(a) for a in predicted])
    f_ref = np.concatenate([np.ravel(a.calc.results["forces"]) for a in reference]) if reference else np.zeros(0)
    f_pred = np.concatenate([np.ravel(a.calc.results["forces"]) for a in predicted]) if predicted else np.zeros(0)
    stressed = [i for i, a in enumerate(reference) if has_stress(a)]
    s_ref = np.concatenate([reference[i].calc.results["stress"] for i in stressed]) * EV_PER_A3_TO_GPA if stressed else np.zeros(0)
    s_pred = np.concatenate([predicted[i].calc.results["stress"] for i in stressed]) * EV_PER_A3_TO_GPA if stressed else np.zeros(0)
    return ParityData(e_ref, e_pred, f_ref, f_pred, s_ref, s_pred)


def _rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((a - b) ** 2))) if a.size else float("nan")


def _errors(reference: Sequence[Atoms], predicted: Sequence[Atoms]) -> Errors:
    data = parity_data(reference, predicted)
    return Errors(len(reference), 1000 * _rmse(data.energy_ref, data.energy_pred), _rmse(data.force_ref, data.force_pred),
                  _rmse(data.stress_ref, data.stress_pred))


def errors_by_kind(reference: Sequence[Atoms], evaluate: Callable[[Atoms], Atoms]) -> tuple[dict[str, Errors], list[Atoms]]:
    """({"all": Errors, <config_type>: Errors, ...}, predicted frames): ``evaluate`` labels a frame with the potential."""
    predicted = [evaluate(a) for a in reference]
    groups: dict[str, list[int]] = defaultdict(list)
    for index, atoms in enumerate(reference):
        groups[config_type(atoms)].append(index)
    table = {"all": _errors(reference, predicted)}
    for kind, indices in sorted(groups.items()):
        table[kind] = _errors([reference[i] for i in indices], [predicted[i] for i in indices])
    return table, predicted
