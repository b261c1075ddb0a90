"""The KO2 gas-release route under CHGNet against the NIST-JANAF tables (seed 000 §3.2, docs/defects.md).

The salt term of host + KO2 -> host:K + 1/2 Li2O + 3/4 O2 is E0 change + phonon change + gas term. This checks the
pieces that experiment can check without the LLZO host:
1. entropies S(298.15 K) and S(1200 K) of KO2(cr), Li2O(cr) (CHGNet harmonic phonons, cell relaxed for phonons) and
   O2(g) (ideal gas with CHGNet's bond and stretch), each beside JANAF;
2. the thermal part of the route, G(T) - H(0 K) summed over the reaction, at 1200 K and 1 bar, beside JANAF's;
3. the 0 K energy of KO2 -> 1/2 K2O + 3/4 O2 beside JANAF's enthalpy at 298.15 K (no 0 K row for K2O in JANAF).
   CHGNet's antifluorite K2O has imaginary phonons (its harmonic free energy is refused), so only its energy enters;
4. JANAF's free energy of that decomposition at 1200 K and 1 bar, and the O2 pressure below which it turns negative:
   E_f(KO2) − E_f(K2O) = ΔG_d, so KO2 gives the lower E_f exactly where it is itself unstable;
5. the stable potassium oxide against O2 pressure at 1200 K from JANAF (KO2, K2O2 from table K-013, K2O): in equilibrium
   the exchange draws K from that phase, and no O2 pressure brings E_f below the K2O row.

JANAF values (kJ/mol, J/(mol K)): the tables K-010 (KO2, cr), K-012 (K2O, cr), Li-014 (Li2O, cr), O-029 (O2, ref) as copied
verbatim in github.com/n-takumasa/py-janaf (src/janaf/data, commit 6d8ffed). Above KO2's melting/decomposition (about
560 C) the KO2 crystal table is JANAF's extrapolation.

Run: python benchmarks/ko2_route_check.py  (about a minute on 2 cores; writes results/ko2_route_check.json)
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import numpy as np
from ase import units

from sselab import as_engine
from sselab.atomistic.properties.formation import salt_energy_per_formula_unit
from sselab.atomistic.properties.gas import gas_reference, gas_species, ideal_gas_chemical_potential
from sselab.atomistic.properties.phonons import harmonic_free_energy, relax_for_phonons

RESULTS_PATH = Path(__file__).resolve().parent / "results" / "ko2_route_check.json"
KJ_PER_MOL = units.kJ / units.mol
TEMPERATURES = (298.15, 1200.0)
# JANAF: S at 298.15 and 1200 K; H(T) - H(298.15) at 1200 K and at 0 K (so H(T) - H(0) = difference)
JANAF = {
    "KO2": {"S": {298.15: 122.499, 1200.0: 246.376}, "H_1200": 81.997, "H_0": -16.734, "dfH_298": -284.512, "dfG_1200": -108.520},
    "Li2O": {"S": {298.15: 37.890, 1200.0: 140.244}, "H_1200": 69.826, "H_0": -7.248},
    "O2": {"S": {298.15: 205.147, 1200.0: 250.010}, "H_1200": 29.761, "H_0": -8.683},
    "K2O": {"dfH_298": -363.171, "dfG_1200": -175.390},
    "K2O2": {"dfG_1200": -211.675},
}
ROUTE = {"KO2": -1.0, "Li2O": 0.5, "O2": 0.75}


def janaf_thermal_kj(species: str, temperature: float) -> float:
    """G(T) − H(0 K) per mole from the JANAF rows."""
    row = JANAF[species]
    return row["H_1200"] - row["H_0"] - temperature * row["S"][temperature] / 1000.0


def main() -> None:
    cache = Path(__file__).resolve().parents[1] / ".sselab" / "ko2_route_check.db"  # never committed
    cache.parent.mkdir(exist_ok=True)
    engine = as_engine("chgnet", db=str(cache), fmax=0.05)
    report: dict = {"entropy_J_per_mol_K": {}, "route_thermal_part_1200K_eV": {}, "decomposition_KO2_to_K2O_O2_eV": {}}
    crystals, energies = {}, {}
    for formula, structure, units_in_cell in (("KO2", "ko2", 2), ("Li2O", "li2o", 4), ("K2O", "k2o", 4)):
        _, crystal = salt_energy_per_formula_unit(engine, structure, formula)
        crystals[formula] = (relax_for_phonons(engine, crystal), units_in_cell)
        energies[formula] = crystals[formula][0].get_potential_energy() / units_in_cell
    report["KO2_relaxed_cell_A"] = [float(v) for v in crystals["KO2"][0].cell.cellpar()[:3]]
    thermal = {}
    for formula in ("KO2", "Li2O"):
        crystal, units_in_cell = crystals[formula]
        for temperature in TEMPERATURES:
            phonons = harmonic_free_energy(engine, crystal, temperature, units_in_cell)
            report["entropy_J_per_mol_K"].setdefault(formula, {})[str(temperature)] = {
                "chgnet": phonons.entropy_eV_per_K / KJ_PER_MOL * 1000.0, "janaf": JANAF[formula]["S"][temperature]}
            if temperature == 1200.0:  # G(T) − H(0), H(0) = E0 + ZPE
                thermal[formula] = phonons.free_energy_eV - phonons.zero_point_energy_eV
    for temperature in TEMPERATURES:
        gas, molecule = gas_reference(engine, "O2", temperature, 1e5)
        species, vibrations = gas_species("O2"), gas.vibrational_energies_eV
        step = 0.5
        entropy = -(ideal_gas_chemical_potential(species, 0.0, vibrations, molecule, temperature + step, 1e5)
                    - ideal_gas_chemical_potential(species, 0.0, vibrations, molecule, temperature - step, 1e5)) / (2 * step)
        report["entropy_J_per_mol_K"].setdefault("O2", {})[str(temperature)] = {"chgnet": entropy / KJ_PER_MOL * 1000.0,
                                                                              "janaf": JANAF["O2"]["S"][temperature]}
        if temperature == 1200.0:
            thermal["O2"] = gas.chemical_potential_eV - gas.energy_eV - gas.zero_point_energy_eV
            report["O2_bond_A"] = float(molecule.get_distance(0, 1))
            report["O2_stretch_eV"] = float(vibrations[0])
            o2_energy = gas.energy_eV
    report["route_thermal_part_1200K_eV"] = {
        "chgnet_harmonic": sum(nu * thermal[s] for s, nu in ROUTE.items()),
        "janaf": sum(nu * janaf_thermal_kj(s, 1200.0) for s, nu in ROUTE.items()) * KJ_PER_MOL,
        "chgnet_gas_only": ROUTE["O2"] * thermal["O2"],
    }
    report["decomposition_KO2_to_K2O_O2_eV"] = {
        "chgnet_0K": 0.5 * energies["K2O"] + 0.75 * o2_energy - energies["KO2"],
        "janaf_dH_298": (0.5 * JANAF["K2O"]["dfH_298"] - JANAF["KO2"]["dfH_298"]) * KJ_PER_MOL,
    }
    decomposition_1200 = (0.5 * JANAF["K2O"]["dfG_1200"] - JANAF["KO2"]["dfG_1200"]) * KJ_PER_MOL  # O2 at 1 bar: ΔfG = 0
    report["decomposition_KO2_to_K2O_O2_eV"]["janaf_dG_1200K_1bar"] = decomposition_1200
    report["decomposition_KO2_to_K2O_O2_eV"]["janaf_pO2_where_dG_1200K_is_zero_bar"] = float(
        np.exp(-decomposition_1200 / (0.75 * units.kB * 1200.0)))
    kt = units.kB * 1200.0
    ko2_to_peroxide = (0.5 * JANAF["K2O2"]["dfG_1200"] - JANAF["KO2"]["dfG_1200"]) * KJ_PER_MOL  # KO2 -> 1/2 K2O2 + 1/2 O2
    peroxide_to_oxide = (JANAF["K2O"]["dfG_1200"] - JANAF["K2O2"]["dfG_1200"]) * KJ_PER_MOL  # K2O2 -> K2O + 1/2 O2
    report["janaf_stable_potassium_oxide_1200K"] = {
        "KO2_to_half_K2O2_dG_1bar_eV": ko2_to_peroxide,
        "KO2_stable_above_bar": float(np.exp(-ko2_to_peroxide / (0.5 * kt))),
        "K2O2_to_K2O_dG_1bar_eV": peroxide_to_oxide,
        "K2O_stable_below_bar": float(np.exp(-peroxide_to_oxide / (0.5 * kt))),
        "E_f_above_K2O_row_in_air_eV_per_K": 0.5 * (peroxide_to_oxide + 0.5 * kt * np.log(0.21)),
    }
    print(json.dumps(report, indent=1))
    RESULTS_PATH.write_text(json.dumps({"benchmark": "ko2_route_check", "command": "python benchmarks/ko2_route_check.py",
                                        "versions": {p: metadata.version(p) for p in ("chgnet", "ase", "phonopy")}, **report},
                                       indent=1) + "\n")


if __name__ == "__main__":
    main()
