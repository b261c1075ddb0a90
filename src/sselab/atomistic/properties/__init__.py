"""Properties computed with any calculator: surface energies, adhesion (both sign conventions),
vacancy profiles, NEB hops, exchange-ion site scans, formation energies, chemical expansion,
phase stability and interface-registry searches."""
