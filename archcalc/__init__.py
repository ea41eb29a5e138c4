"""archcalc: exact shapes, parameters and multiply-accumulates of CNNs (the classics, the modern
families, your own model), with the working shown.

Python API::

    import archcalc
    t = archcalc.analyze("resnet50", input=(3, 224, 224), count="bias", memory=True)
    t.totals["params"], t.totals["macs"]       # exact integers, as plain data
    t.rows[0]["name"], t.to_csv(), t.to_latex()  # the CLI's numbers and formats

    a = archcalc.analyse("alexnet")            # the engine's records: a.rows, a.totals

Every argument is checked by ``archcalc.options``, as the command line's are: what the CLI
refuses, the API refuses with the same message (an ``ArchcalcError``).
"""

from __future__ import annotations

__version__ = "0.1.0"

# The records and errors are imported on first use (PEP 562), not here: `archcalc --version`
# imports this package, and its start-up is measured against click's (BENCHMARKS.md).
_LAZY = {"ArchcalcError": "core.errors", "SpecError": "core.errors", "Analysis": "core.records",
         "Counts": "core.records", "LayerRow": "core.records", "Shape": "core.records"}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'archcalc' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


def analyse(target: str, input=None, params: dict | None = None):
    """The engine's ``Analysis`` of a bundled network (by name) or a spec file (by path), at an
    optional input (224, (224, 224), (3, 224, 224) or a ``Shape``), with ``params`` overriding
    the spec's declared params (``{"classes": 10}``, as ``--set`` does)."""
    from .options import analysis

    return analysis(target, input, params)


def analyze(target: str, input=None, params: dict | None = None, **conventions):
    """A ``Table`` of ``target`` (a bundled name or a spec file): ``.rows`` and ``.totals`` as
    plain data, ``.to_json()``, ``.to_csv()``, ``.to_markdown()``, ``.to_latex()``,
    ``.to_html()`` (``_repr_html_`` in notebooks). See ``archcalc.api.analyze``."""
    from .api import analyze as _analyze

    return _analyze(target, input, params, **conventions)


__all__ = ["analyse", "analyze", "Analysis", "ArchcalcError", "Counts", "LayerRow", "Shape", "SpecError",
           "__version__"]
