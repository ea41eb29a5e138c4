"""Views over the engine's records: counting, memory, receptive fields, conventions, comparisons, paper tables."""
