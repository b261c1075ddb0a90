"""sselab: electro-chemo-mechanical design of solid-state battery electrolytes.

The names a script needs are importable from here; each loads its module on first use, so that
``import sselab`` stays fast (the heavy libraries come in with the capability that needs them)::

    import sselab
    design = sselab.design_ion_exchange(ion="Na", target_surface_stress_Pa=1e9, time_ratio=1.8e-3)
    print(design.to_dict()["sigma_permissible_Pa"])

See ``docs/python.md`` for every capability beside its CLI form.
"""

from __future__ import annotations

import importlib

#: public name → module that defines it
_EXPORTS = {
    # errors and units
    "SSELabError": "sselab.errors", "InputError": "sselab.errors", "SetupError": "sselab.errors",
    "ConvergenceError": "sselab.errors", "parse_quantity": "sselab.units",
    # calculators and the engine
    "load_calculator": "sselab.atomistic.engine", "register_calculator": "sselab.atomistic.engine",
    "as_engine": "sselab.atomistic.engine", "Engine": "sselab.atomistic.engine",
    "load_structure": "sselab.atomistic.build.structures",
    # parameter files
    "load_host": "sselab.params.ions", "load_ion": "sselab.params.ions", "write_ion": "sselab.params.ions",
    "load_li_law": "sselab.params.ions", "load_separator": "sselab.params.separators",
    "load_interface": "sselab.params.interfaces", "load_reference": "sselab.params.references",
    "write_host": "sselab.params.ions", "write_li_law": "sselab.params.ions", "write_separator": "sselab.params.separators",
    # seed 000: ion-exchange design (continuum)
    **dict.fromkeys(("design_ion_exchange", "IonExchangeDesign", "IonExchangeMap", "IonExchangeMapResult",
                     "li_diffusivity_penalty", "LiPenaltyResult", "MDDiffusivities", "reproduce_fig6", "Fig6Reproduction"),
                    "sselab.studies.ion_exchange"),
    "LiDiffusionLaw": "sselab.continuum.li_penalty",
    # seed 002: Li0 potential in multilayer separators
    **dict.fromkeys(("solve_li0", "Li0Profile", "Li0Case", "Li0Sweep", "Li0SweepResult", "reproduce_li0", "Li0Reproduction"),
                    "sselab.studies.li0"),
    # seeds 000 and 004: MD and transport
    "DiffusionAnalysis": "sselab.analysis.diffusion", "VanHoveAnalysis": "sselab.analysis.correlations",
    "PathwayAnalysis": "sselab.analysis.pathways", "PathwayResult": "sselab.analysis.pathways",
    **dict.fromkeys(("ArrheniusAnalysis", "fit_exchange_ion", "fit_li_law", "ExchangeIonFit", "LiLawFit"), "sselab.studies.transport"),
    "MDGrid": "sselab.studies.md", "MDGridResult": "sselab.studies.md",
    **dict.fromkeys(("MDCampaign", "CampaignResult", "CampaignAnalysis", "analyze_campaign"), "sselab.studies.campaign"),
    # seed 003: grain boundaries, elastic constants, tension and toughness
    **dict.fromkeys(("ElasticConstantsCalculation", "ElasticConstantsResult", "BicrystalBuild", "BicrystalResult", "TensileTest",
                     "TensileResult", "BondAnalysis", "BondResult", "BoundaryEnergyCalculation", "BoundaryEnergyResult",
                     "toughness"), "sselab.studies.fracture"),
    **dict.fromkeys(("FractureCampaign", "FractureCampaignResult", "FractureModel"), "sselab.studies.fracture_campaign"),
    **dict.fromkeys(("MeltQuench", "AmorphizationResult"), "sselab.studies.amorphization"),
    "EllipticalCrack": "sselab.atomistic.build.cracks",
    # seeds 000, 003, 004: electronic structure with GPAW (the dft extra)
    **dict.fromkeys(("DOSStudy", "DOSResult", "ExcessChargeStudy", "ExcessChargeResult"), "sselab.studies.electronic"),
    "DFTSettings": "sselab.atomistic.electronic.settings",
    # seed 001: vacancy segregation at metal/electrolyte interfaces
    **dict.fromkeys(("SegregationStudy", "SegregationResult", "SegregationTable"), "sselab.studies.segregation"),
    "segregation_model": "sselab.continuum.segregation", "SegregationPrediction": "sselab.continuum.segregation",
    "calculate_surface_energy": "sselab.atomistic.properties.surface", "SurfaceEnergyCalculation": "sselab.atomistic.properties.surface",
    "TerminationScan": "sselab.studies.surfaces", "TerminationScanResult": "sselab.studies.surfaces",
    "calculate_adhesion": "sselab.atomistic.properties.adhesion", "AdhesionCalculation": "sselab.atomistic.properties.adhesion",
    "calculate_vacancy_profile": "sselab.atomistic.properties.vacancies",
    "VacancyProfileCalculation": "sselab.atomistic.properties.vacancies",
    "calculate_vacancy_hop": "sselab.atomistic.properties.neb", "VacancyHopCalculation": "sselab.atomistic.properties.neb",
    "write_interface": "sselab.params.interfaces", "as_atoms": "sselab.atomistic.build.structures",
    # seeds 000 and 004: exchange-ion sites, formation energies, expansion, configurations, stability, interfaces
    "ExchangeSiteStudy": "sselab.studies.exchange_sites", "ExchangeSiteResult": "sselab.studies.exchange_sites",
    "FormationEnergyScreen": "sselab.studies.formation", "FormationEnergyResult": "sselab.studies.formation",
    "ExchangeEnergies": "sselab.atomistic.properties.formation",
    "ChemicalExpansionStudy": "sselab.studies.expansion", "ChemicalExpansionResult": "sselab.studies.expansion",
    "ConfigurationSearch": "sselab.studies.configurations", "ConfigurationResult": "sselab.studies.configurations",
    **dict.fromkeys(("StabilityEntries", "EntriesResult", "energy_above_hull", "HullResult", "cathode_reactivity",
                     "ReactivityResult", "materials_project_records"), "sselab.studies.stability"),
    **dict.fromkeys(("InterfaceSpec", "InterfaceBuildResult", "LatticeMatchResult", "RegistrySearch", "RegistrySearchResult",
                     "InterfaceHopStudy", "InterfaceHopResult"), "sselab.studies.interface_search"),
    "ordered_cubic_llzo": "sselab.atomistic.build.llzo",
    # fitted potentials
    **dict.fromkeys(("PotentialSampling", "SamplingResult", "PotentialFit", "PotentialFitResult", "PotentialValidation",
                     "ValidationResult"), "sselab.studies.potential"),
    "BornFitSettings": "sselab.atomistic.fitting.born", "FitWeights": "sselab.atomistic.fitting.born",
    "load_forcefield": "sselab.atomistic.md.forcefields", "write_forcefield": "sselab.atomistic.md.forcefields",
    "read_training_set": "sselab.atomistic.fitting.dataset",
}


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("sselab")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


def __getattr__(name: str):
    if name == "__version__":  # looked up on first use: reading package metadata costs more than the rest of the import
        globals()["__version__"] = version = _version()
        return version
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sselab' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = sorted(_EXPORTS)
