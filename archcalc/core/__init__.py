"""The core: formulas, layer kinds, the spec language, the engine and its records. Imports nothing else of archcalc."""
