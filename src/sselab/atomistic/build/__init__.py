"""Structure builders: the structure library (CIFs with sources), the ordered LLZO cell, slabs,
coherent interfaces, defect configurations (Ewald-ranked) and formal-charge electrostatics."""
