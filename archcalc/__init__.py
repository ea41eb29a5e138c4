"""archcalc: exact shapes, parameters and multiply-accumulates of classic CNNs, with the working shown.

Python API::

    import archcalc
    a = archcalc.analyse("alexnet")            # or a path to a spec file
    a.totals.params, a.totals.macs             # exact integers
    [(r.name, r.output.as_list(), r.params) for r in a.rows]
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import ArchcalcError, SpecError
from .records import Analysis, Counts, LayerRow, Shape


def analyse(target: str, input: Shape | None = None) -> Analysis:
    """Analyse a bundled network by name, or a spec file by path, at an optional input shape."""
    from . import engine, spec

    net = spec.load(target)
    return engine.analyse(net, input)


__all__ = ["analyse", "Analysis", "ArchcalcError", "Counts", "LayerRow", "Shape", "SpecError",
           "__version__"]
