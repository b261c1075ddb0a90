"""Atomistic steps run with any ASE calculator: the engine (calculators, cache, relaxation),
the structure library, surfaces, interfaces, vacancies and NEB.

Units inside are ASE's: eV, Å, amu; conversion to SI happens where a result becomes a parameter
for a continuum model.
"""
