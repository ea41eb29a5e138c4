"""archcalc: exact shapes, parameters and multiply-accumulates of classic CNNs, with the working shown.

Python API::

    import archcalc
    t = archcalc.analyze("resnet50", input=(3, 224, 224), count="bias", memory=True)
    t.totals["params"], t.totals["macs"]       # exact integers, as plain data
    t.rows[0]["name"], t.to_csv(), t.to_latex()  # the CLI's numbers and formats

    a = archcalc.analyse("alexnet")            # the engine's records: a.rows, a.totals
"""

from __future__ import annotations

__version__ = "0.1.0"

from .core.errors import ArchcalcError, SpecError
from .core.records import Analysis, Counts, LayerRow, Shape


def analyse(target: str, input: Shape | None = None) -> Analysis:
    """Analyse a bundled network by name, or a spec file by path, at an optional input shape."""
    from .core import engine, spec

    net = spec.load(target)
    return engine.analyse(net, input)


def analyze(target: str, input=None, params: dict | None = None, **conventions):
    """A ``Table`` of ``target`` (a bundled name or a spec file): ``.rows`` and ``.totals`` as
    plain data, ``.to_json()``, ``.to_csv()``, ``.to_markdown()``, ``.to_latex()``,
    ``.to_html()`` (``_repr_html_`` in notebooks). See ``archcalc.api.analyze``."""
    from .api import analyze as _analyze

    return _analyze(target, input, params, **conventions)


__all__ = ["analyse", "analyze", "Analysis", "ArchcalcError", "Counts", "LayerRow", "Shape", "SpecError",
           "__version__"]
