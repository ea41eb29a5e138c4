"""The Python API: ``archcalc.analyze(...)`` returns a ``Table`` whose rows and totals are
plain data and whose renderings are the CLI's, number for number."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from . import options as _options
from .core.errors import ArchcalcError
from .core.records import Analysis, Shape
from .render.report import Options


def parse_input(text, channels: int) -> Shape:
    """``224`` (H = W, the spec's C), ``224x224`` (H×W) or ``3x224x224`` (C×H×W): ``--input``'s
    rule and messages (``options.input_shape``, which also takes ints and tuples)."""
    return _options.input_shape(text, channels)


def _shape(input, channels: int) -> Shape | None:
    return _options.input_shape(input, channels)


def options(**kw) -> Options:
    """The table's ``Options`` from keyword arguments, each checked as the command line's
    (``count`` and ``columns`` may be a comma-separated string or a list)."""
    return _options.table(**kw)


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

        return render(self.analysis, _options.choice("--format", fmt), self.options)

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


def _overrides(params) -> dict[str, str] | None:
    """``params`` as ``--set`` gives them: a value's TOML text (a str is TOML text already),
    each checked as ``--set`` is (``options.sets``)."""
    return _options.sets(params) or None


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
    return Table(engine.analyse(_options.at_input(net, input)), opt)


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

    ``input``: 224, (224, 224), (3, 224, 224) or "3x224x224"; ``params``: the spec's declared
    params to override, as ``--set`` does (``{"classes": 10}``); ``conventions``: the table's
    options — ``bias``, ``aux``, ``count`` ("bias,act" or a list), ``convention``, ``units``,
    ``kilo``, ``dtype``, ``batch``, ``optimizer``, ``memory``, ``rf``, ``columns``. Each is
    checked as the command line's option is (``archcalc.options``): what ``archcalc table``
    refuses, this raises as an ``ArchcalcError`` with the same message.
    """
    opt = _options.table(**conventions)
    return Table(_options.analysis(target, input, params), opt)


def load(target: str | None = None, spec_text: str | None = None, network: str | None = None,
         params: dict | None = None):
    """The network graph of a bundled network or spec file (``target``), or of a spec given as
    text (``spec_text``, with ``network`` picking a variant): what ``check`` and ``quiz`` need
    beside the rows."""
    if spec_text is not None:
        return load_spec(spec_text, network, params)
    return _options.network(target, None, params)


def analysis_of(net, input=None) -> Analysis:
    """The engine's ``Analysis`` of the loaded network ``net`` at ``input`` (``--input``'s
    forms; ``None``: the spec's own)."""
    from .core import engine

    return engine.analyse(_options.at_input(net, input))


def column_mapping(pairs) -> dict[str, str]:
    """``--column HEADER=FIELD`` (repeatable) → {header: field}, each field checked."""
    return _options.column_mapping(pairs)


def gradebook(submissions, net, input=None, **options) -> str:
    """The gradebook CSV of ``archcalc check --gradebook``: each (name, text) submission marked
    against ``net`` as :func:`check_answers` marks it (``options`` are its keywords), one row
    each; a submission that cannot be read is a row saying why."""
    from .homework.check import gradebook as G

    return G.to_csv(gradebook_entries(submissions, net, input, **options))


def gradebook_entries(submissions, net, input=None, **options) -> list:
    """The gradebook's entries (``homework.check.gradebook.Entry``: each submission's name, its
    marking or why it has none), as :func:`gradebook` writes them as CSV."""
    from .homework.check import gradebook as G

    return G.mark_all(submissions, lambda name, text: check_answers(
        text, net, input, source=name, **options))


def check_answers(answers: str | bytes, net, input=None, *, source: str = "answers",
                  columns: dict[str, str] | None = None, by_order: bool = False,
                  bias: bool | None = None, flops: bool | None = None,
                  k_base: int | None = None, rounding: str | None = None,
                  table: int | None = None, family: bool = True,
                  bytes_per_value: int | None = None):
    """Mark a hand-made table (its text, or its bytes as a file holds them) against the
    network ``net`` (``load``), as ``archcalc check`` does; returns the check's ``Result``."""
    from .homework import answers as A
    from .homework import check as C

    a = analysis_of(net, input)
    text = A.from_bytes(answers if isinstance(answers, bytes) else answers.encode("utf-8"),
                        source)
    cols = dict(columns or {})
    parsed = A.parse(text, source, lambda h: A.recognised(h, cols), table)
    opts = C.CheckOptions
    res = C.check(a, parsed, opts(cols, by_order, bias, flops, k_base, rounding,
                                  bytes_per_value), net,
                  family=family)
    if not res.cells:
        raise ArchcalcError(f"{source}: no row of the table matches a layer of {a.network}"
                            + ("" if by_order else "; --by-order matches rows by position")
                            + (f" (rows: {', '.join(n for _, n, _ in res.unmatched[:5])})"
                               if res.unmatched else ""))
    return res


def quiz_columns(blank) -> tuple[str, ...]:
    """``--blank W,H,params`` → the quiz's column names (any case), each checked."""
    return _options.quiz_columns(blank)


def mark_quiz(q, filled: dict[tuple[int, int], str], net, input=None, bias: bool = True):
    """Mark the blank cells of quiz ``q`` as filled in (``(row, column)`` index → text): the
    quiz's CSV with those cells written in, marked by ``check`` under the quiz's stated
    convention (biases as ``bias`` says, MACs, K = 1000); the ``Result`` holds the blank cells
    only, each answered or missing."""
    from dataclasses import replace

    from .render import table as T

    rows = [[filled.get((i, j), "") if (i, j) in q.blank else cell
             for j, cell in enumerate(row)] for i, row in enumerate(q.rows)]
    answers = T.render(T.Table([T.Column(h, h) for h in q.headers], rows), "csv")
    res = check_answers(answers, net, input, source="quiz",
                        bias=bias, flops=False, k_base=1000)
    blanks = {(q.rows[i][0], q.headers[j]) for i, j in q.blank}
    return replace(res, cells=[c for c in res.cells if (c.row, c.column) in blanks])
