"""The Python API: ``archcalc.analyze(...)`` returns a ``Table`` whose rows and totals are
plain data and whose renderings are the CLI's, number for number."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .core.errors import ArchcalcError, suggest
from .core.records import Analysis, Shape
from .render.report import Options


def _shape(input, channels: int) -> Shape | None:
    """``None``, 224 (H = W), (224, 224), (3, 224, 224) or a ``Shape``."""
    if input is None or isinstance(input, Shape):
        return input
    dims = (input,) if isinstance(input, int) else tuple(input)
    if (not 1 <= len(dims) <= 3 or
            not all(isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in dims)):
        raise ArchcalcError(f"input: expected 224, (224, 224) or (3, 224, 224), whole numbers "
                            f"≥ 1, found {input!r}")
    if len(dims) == 1:
        return Shape(channels, dims[0], dims[0])
    return Shape(channels, *dims) if len(dims) == 2 else Shape(*dims)


def options(**kw) -> Options:
    """``Options`` from keyword arguments, each checked (``count`` may be a string or a list)."""
    from .analysis.conventions import EXTRAS, PRESETS
    from .analysis.memory import DTYPES, OPTIMIZERS
    from .render.report import COLUMNS, find_column
    from .render.units import KILOS, UNITS

    names = list(Options.__dataclass_fields__)
    for k in kw:
        if k not in names:
            raise ArchcalcError(f"unknown option '{k}'{suggest(k, names)}; the options are: "
                                + ", ".join(names))
    if isinstance(kw.get("count"), str):
        kw["count"] = tuple(x.strip() for x in kw["count"].split(",") if x.strip())
    checks = [("count", EXTRAS), ("convention", PRESETS + (None,)), ("units", UNITS),
              ("kilo", KILOS), ("dtype", tuple(DTYPES)), ("optimizer", tuple(OPTIMIZERS))]
    for key, allowed in checks:
        values = kw.get(key, ()) if key == "count" else [kw.get(key, allowed[0])]
        for v in values:
            if v not in allowed:
                raise ArchcalcError(f"{key}: expected one of {', '.join(map(str, allowed))}, "
                                    f"found {v!r}{suggest(v, allowed)}")
    if "columns" in kw:
        try:
            kw["columns"] = tuple(find_column(c) for c in kw["columns"])
        except KeyError as e:
            raise ArchcalcError(f"columns: unknown column {e}; choose from "
                                + ", ".join(COLUMNS)) from None
    if "count" in kw:
        kw["count"] = tuple(dict.fromkeys(kw["count"]))
    batch = kw.get("batch", 1)
    if not isinstance(batch, int) or isinstance(batch, bool) or batch < 1:
        raise ArchcalcError(f"batch: expected a whole number ≥ 1, found {batch!r}")
    return Options(**kw)


@dataclass(frozen=True)
class Table:
    """An analysed network with the options it is shown under.

    ``rows`` and ``totals`` are plain dicts of exact integers (the JSON's ``layers`` and
    ``totals``); ``to_text``, ``to_json``, ``to_csv``, ``to_tsv``, ``to_markdown``,
    ``to_latex`` and ``to_html`` are the CLI's formats; notebooks show ``_repr_html_``.
    """

    analysis: Analysis
    options: Options

    @cached_property
    def data(self) -> dict:
        from .render.report import to_dict

        return to_dict(self.analysis, self.options)

    @property
    def rows(self) -> list[dict]:
        return self.data["layers"]

    @property
    def totals(self) -> dict:
        return self.data["totals"]

    def render(self, fmt: str) -> str:
        from .render.report import render

        return render(self.analysis, fmt, self.options)

    def to_text(self) -> str:
        return self.render("text")

    def to_json(self) -> str:
        return self.render("json")

    def to_csv(self) -> str:
        return self.render("csv")

    def to_tsv(self) -> str:
        return self.render("tsv")

    def to_markdown(self) -> str:
        return self.render("markdown")

    def to_latex(self) -> str:
        return self.render("latex")

    def to_html(self) -> str:
        return self.render("html")

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_text()


def analyze(target: str, input=None, params: dict | None = None, **conventions) -> Table:
    """Analyse a bundled network (or a spec file) and return a ``Table``.

    ``input``: 224, (224, 224) or (3, 224, 224); ``params``: the spec's declared params to
    override, as ``--set`` does (``{"classes": 10}``); ``conventions``: the table's options —
    ``bias``, ``aux``, ``count`` ("bias,act" or a list), ``convention``, ``units``, ``kilo``,
    ``dtype``, ``batch``, ``optimizer``, ``memory``, ``rf``, ``columns``.
    """
    from .core import engine, spec

    opt = options(**conventions)
    overrides = None
    if params:
        overrides = {k: v if isinstance(v, str) else spec.toml_text(v)
                     for k, v in params.items()}
    net = spec.load(target, overrides=overrides)
    return Table(engine.analyse(net, _shape(input, net.input.c)), opt)
