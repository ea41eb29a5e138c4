"""The Python API: ``archcalc.analyze(...)`` returns a ``Table`` whose rows and totals are
plain data and whose renderings are the CLI's, number for number."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .core.errors import ArchcalcError, suggest
from .core.records import Analysis, Shape
from .render.report import Options


def parse_input(text: str, channels: int) -> Shape:
    """``224`` (H = W, the spec's C), ``224x224`` (H×W) or ``3x224x224`` (C×H×W), each size
    from 1 to the specs' largest (``--input``'s rule, and its messages)."""
    import re

    from .core.spec import MAX_SIZE

    shown = repr(text if len(text) <= 60 else text[:60] + "…")
    parts = re.split(r"\s*[x×,]\s*", text.strip().lower())
    if not all(re.fullmatch(r"[0-9]+", p) for p in parts) or len(parts) not in (1, 2, 3):
        raise ArchcalcError(f"--input: expected 224, 224x224 or 3x224x224 (whole numbers), "
                            f"found {shown}")
    nums = [int(p.lstrip("0") or "0") if len(p.lstrip("0")) <= 10 else MAX_SIZE + 1
            for p in parts]          # never int() of thousands of digits: Python refuses that
    if not all(1 <= n <= MAX_SIZE for n in nums):
        raise ArchcalcError(f"--input: every size must be at least 1 and at most {MAX_SIZE:,}, "
                            f"found {shown}")
    if len(nums) == 1:
        return Shape(channels, nums[0], nums[0])
    if len(nums) == 2:
        return Shape(channels, *nums)
    return Shape(*nums)


def _shape(input, channels: int) -> Shape | None:
    """``None``, 224 (H = W), (224, 224), (3, 224, 224) or a ``Shape``."""
    if input is None or isinstance(input, Shape):
        return input
    if isinstance(input, str):
        return parse_input(input, channels)
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
    for key in ("bias", "aux", "memory", "rf"):
        if not isinstance(kw.get(key, False), bool):
            raise ArchcalcError(f"{key}: expected true or false, found {kw[key]!r}")
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
    if isinstance(kw.get("columns"), str):
        kw["columns"] = tuple(x.strip() for x in kw["columns"].split(",") if x.strip())
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

    def to_html(self, standalone: bool = False) -> str:
        """The HTML fragment; ``standalone=True``: one self-contained page whose cells show
        their working on hover or click (``--format html --standalone``)."""
        if not standalone:
            return self.render("html")
        from .render.report import html_document

        return html_document(self.analysis, self.options, self.working())

    def working(self) -> list[dict[str, str]]:
        """Per row, column key → the cell's worked arithmetic (``archcalc explain``'s)."""
        from .homework.explain import table_cells

        return table_cells(self.analysis.rows, self.options.bias, self.options.count)

    def to_interactive_html(self) -> str:
        """The HTML fragment with each cell's exact value and working as attributes."""
        from .render.report import interactive_html

        return interactive_html(self.analysis, self.options, self.working())

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_text()


def _overrides(params: dict | None) -> dict[str, str] | None:
    """``params`` as ``--set`` gives them: a value's TOML text (a str is TOML text already)."""
    if not params:
        return None
    from .core import spec

    return {k: v if isinstance(v, str) else spec.toml_text(v) for k, v in params.items()}


def load_spec(text: str, network: str | None = None, params: dict | None = None,
              file: str = "spec.toml"):
    """The network that the spec ``text`` (TOML, as a spec file holds) defines, or its variant
    ``network``: the loader's rules, limits and messages, as for a file named ``file``."""
    from .core import spec

    sf = spec.from_text(text, file)
    if network is None:
        if len(sf.variants) > 1:
            raise ArchcalcError(f"{file} defines several networks ({', '.join(sf.variants)}); "
                                "pick one")
        network = next(iter(sf.variants))
    return sf.network(network, overrides=_overrides(params))


def analyze_spec(text: str, network: str | None = None, input=None,
                 params: dict | None = None, **conventions) -> Table:
    """``analyze`` for a spec given as TOML text (see ``load_spec``)."""
    from .core import engine

    opt = options(**conventions)
    net = load_spec(text, network, params)
    return Table(engine.analyse(net, _shape(input, net.input.c)), opt)


def error_line(text: str, e: Exception) -> int | None:
    """The line of the spec ``text`` that the error ``e`` is about: a TOML error's own line, or
    the line where the place it names (``layers[4] (conv2)``) is written; ``None`` if neither."""
    import re

    from .core.errors import SpecError
    from .core.tomlpos import line_of

    if not isinstance(e, SpecError):
        return None
    m = re.search(r":(\d+):(\d+)$", e.file)
    if m:
        return int(m.group(1))
    return line_of(text, e.where) if e.where else None


def analyze(target: str, input=None, params: dict | None = None, **conventions) -> Table:
    """Analyse a bundled network (or a spec file) and return a ``Table``.

    ``input``: 224, (224, 224) or (3, 224, 224); ``params``: the spec's declared params to
    override, as ``--set`` does (``{"classes": 10}``); ``conventions``: the table's options —
    ``bias``, ``aux``, ``count`` ("bias,act" or a list), ``convention``, ``units``, ``kilo``,
    ``dtype``, ``batch``, ``optimizer``, ``memory``, ``rf``, ``columns``.
    """
    from .core import engine, spec

    opt = options(**conventions)
    net = spec.load(target, overrides=_overrides(params))
    return Table(engine.analyse(net, _shape(input, net.input.c)), opt)


def load(target: str | None = None, spec_text: str | None = None, network: str | None = None,
         params: dict | None = None):
    """The network graph of a bundled network or spec file (``target``), or of a spec given as
    text (``spec_text``, with ``network`` picking a variant): what ``check`` and ``quiz`` need
    beside the rows."""
    from .core import spec

    if spec_text is not None:
        return load_spec(spec_text, network, params)
    return spec.load(target, overrides=_overrides(params))


def analysis_of(net, input=None) -> Analysis:
    from .core import engine

    return engine.analyse(net, _shape(input, net.input.c))


def column_mapping(pairs) -> dict[str, str]:
    """``--column HEADER=FIELD`` (repeatable) → {header: field}, each field checked."""
    from .homework import answers as A

    fields = A.FIELDS + ("name",)
    out = {}
    for m in pairs:
        head, sep, fld = m.rpartition("=")
        if not sep or not head.strip() or fld.strip() not in fields:
            raise ArchcalcError(f"--column: expected HEADER=FIELD with FIELD one of "
                                f"{', '.join(fields)}, found {m!r}{suggest(fld.strip(), fields)}")
        out[head.strip()] = fld.strip()
    return out


def check_answers(answers: str | bytes, net, input=None, *, source: str = "answers",
                  columns: dict[str, str] | None = None, by_order: bool = False,
                  bias: bool | None = None, flops: bool | None = None,
                  k_base: int | None = None, rounding: str | None = None,
                  table: int | None = None, family: bool = True):
    """Mark a hand-made table (its text, or its bytes as a file holds them) against the
    network ``net`` (``load``), as ``archcalc check`` does; returns the check's ``Result``."""
    from .homework import answers as A
    from .homework import check as C

    a = analysis_of(net, input)
    text = A.from_bytes(answers if isinstance(answers, bytes) else answers.encode("utf-8"),
                        source)
    cols = dict(columns or {})
    parsed = A.parse(text, source, lambda h: A.recognised(h, cols), table)
    opts = getattr(C, "CheckOptions", None) or C.Options     # issue 12 renames it CheckOptions
    res = C.check(a, parsed, opts(cols, by_order, bias, flops, k_base, rounding), net,
                  family=family)
    if not res.cells:
        raise ArchcalcError(f"{source}: no row of the table matches a layer of {a.network}"
                            + ("" if by_order else "; --by-order matches rows by position")
                            + (f" (rows: {', '.join(n for _, n, _ in res.unmatched[:5])})"
                               if res.unmatched else ""))
    return res


def quiz_columns(blank: str) -> tuple[str, ...]:
    """``--blank W,H,params`` → the quiz's column names (any case), each checked."""
    from .homework import quiz

    lower = {c.lower(): c for c in quiz.COLUMNS}
    picked = []
    for c in (c.strip() for c in blank.split(",")):
        if not c:
            continue
        if c.lower() not in lower:
            raise ArchcalcError(f"--blank: unknown column '{c}'{suggest(c, quiz.COLUMNS)}; "
                                f"the columns are {', '.join(quiz.COLUMNS)}")
        picked.append(lower[c.lower()])
    return tuple(picked)


def mark_quiz(q, filled: dict[tuple[int, int], str], net, input=None, bias: bool = True):
    """Mark the blank cells of quiz ``q`` as filled in (``(row, column)`` index → text): the
    quiz's CSV with those cells written in, marked by ``check`` under the quiz's stated
    convention (biases as ``bias`` says, MACs, K = 1000); the ``Result`` holds the blank cells
    only, each answered or missing."""
    from dataclasses import replace

    from .render.report import write_csv

    rows = [[filled.get((i, j), "") if (i, j) in q.blank else cell
             for j, cell in enumerate(row)] for i, row in enumerate(q.rows)]
    res = check_answers(write_csv(list(q.headers), rows), net, input, source="quiz",
                        bias=bias, flops=False, k_base=1000)
    blanks = {(q.rows[i][0], q.headers[j]) for i, j in q.blank}
    return replace(res, cells=[c for c in res.cells if (c.row, c.column) in blanks])
