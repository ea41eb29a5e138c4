"""The worked arithmetic of every cell of a row, as a student writes it.

``working(row)`` returns one ``Step`` per cell (H, W, C, params, MACs, and LeNet-5's fixed
values): the formula with the layer's numbers put in, and the engine's value. The numbers are
the engine's own (``row.output``, ``row.counts``); the expressions are built from the same
attributes the rules in ``layers`` read, with the helpers of ``formulas``, and the tests parse
every expression of every network with ``expr`` and check that it gives the engine's value.

One explainer per layer kind, looked up in ``EXPLAINERS`` like ``layers.RULES``; a kind without
one is a test failure.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

from ..analysis import counting as N
from ..core import formulas as F
from ..core.kinds import pad_sides
from ..core.records import LayerRow
from ..render.units import exact as _n
from ..core.printable import printable

LABELS = {"H": "H", "W": "W", "C": "C", "params": "params", "macs": "MACs", "fixed": "fixed",
          "buffers": "buffers", "activations": "activations", "flops": "FLOPs"}


@dataclass(frozen=True)
class Term:
    """One part of a cell's arithmetic: ``expr`` (parseable by ``archcalc.homework.expr``) = ``value``."""

    expr: str
    value: int
    label: str = ""          # "weights", "biases", …


@dataclass(frozen=True)
class Step:
    """The working of one cell. ``rounding`` is "floor" or "ceil" when ``terms[0].expr`` is a
    fraction that the layer rounds; ``why`` is a short reason in words."""

    field: str
    terms: tuple[Term, ...]
    value: int
    why: str = ""
    rounding: str = ""
    exact: str = ""          # the unrounded value, e.g. "54.25", when rounded

    def text(self, label: str | None = None) -> str:
        label = label or LABELS[self.field]
        return f"{label} = {self.rhs()}"

    def rhs(self) -> str:
        """``(227 − 11 + 2·0)/4 + 1 = 55`` — everything after ``label =``."""
        parts: list[str] = []
        if len(self.terms) == 1:
            t = self.terms[0]
            if t.expr != f"{t.value:,}":
                parts.append(t.expr)
            if self.exact:
                parts.append(f"{self.exact} → {self.value:,}")
            else:
                parts.append(f"{self.value:,}" + (f" {t.label}" if t.label else ""))
        else:
            products = [t.expr for t in self.terms if t.expr != f"{t.value:,}"]
            if len(products) == len(self.terms) and not any(t.label for t in self.terms):
                parts.append(" + ".join(products))
            else:
                shown = []
                for t in self.terms:
                    own = t.expr if t.expr == f"{t.value:,}" else f"{t.expr} = {t.value:,}"
                    shown.append(f"{own} {t.label}".rstrip())
                parts.append(" + ".join(shown))
            parts.append(f"{self.value:,}")
        out = " = ".join(parts)
        return f"{out} ({self.why})" if self.why else out


def _dot(*xs) -> str:
    return "·".join(str(x) if isinstance(x, str) else _n(x) for x in xs)


def _same(field: str, value: int, why: str) -> Step:
    return Step(field, (Term(_n(value), value),), value, why)


# --- shapes ----------------------------------------------------------------------------------

def _axis_step(field: str, out: int, i: int, k: int, s: int, lo: int, hi: int, d: int,
               ceil: bool, extra: str = "") -> Step:
    expr = F.out_len_text(i, k, s, lo, hi, d)
    exact = F.out_len_exact(i, k, s, lo, hi, d)
    if exact.denominator == 1:
        return Step(field, (Term(expr, out),), out, extra)
    how = "ceil mode" if ceil else "floored"
    if ceil and out != -(-exact.numerator // exact.denominator):
        how = "ceil mode, less a last window that would start in the padding"
    why = how + (f"; {extra}" if extra else "")
    return Step(field, (Term(expr, out),), out, why, "ceil" if ceil else "floor",
                F.fraction_text(exact))


def _window_steps(r: LayerRow) -> list[Step]:
    a = r.attrs
    x = r.input_shapes[0]
    (kh, kw), (sh, sw), (dh, dw) = a["k"], a["s"], a["dilation"]
    t, b, l, rt = pad_sides(a, x)
    same = a["p"] == "same"
    ceil = bool(a.get("ceil"))
    hx = f'"same" padding: {t} before, {b} after' if same and t != b else ""
    wx = f'"same" padding: {l} before, {rt} after' if same and l != rt else ""
    return [_axis_step("H", r.output.h, x.h, kh, sh, t, b, dh, ceil, hx),
            _axis_step("W", r.output.w, x.w, kw, sw, l, rt, dw, ceil, wx)]


def _kept_hw(r: LayerRow, why: str) -> list[Step]:
    if r.output.flat:
        return []
    return [_same("H", r.output.h, why), _same("W", r.output.w, why)]


def _shape_kept(r: LayerRow, why: str) -> list[Step]:
    return _kept_hw(r, why) + [_same("C", r.output.c, why)]


# --- counts ----------------------------------------------------------------------------------

def _params(r: LayerRow, weights: list[Term], bias_expr: str, bias_label: str,
            bias: bool) -> Step:
    terms = list(weights)
    if bias and r.counts.biases:
        terms.append(Term(bias_expr, r.counts.biases, bias_label))
    value = N.params(r, bias)
    why = "" if r.counts.biases or not weights else "no biases"
    if not bias and r.counts.biases:
        why = f"the {r.counts.biases:,} biases are not counted"
    return Step("params", tuple(terms), value, why)


def _none(r: LayerRow, why: str) -> list[Step]:
    return [_same("params", 0, why), _same("macs", 0, why)]


# --- one explainer per kind ------------------------------------------------------------------

def _conv(r: LayerRow, bias: bool) -> list[Step]:
    a, x, o = r.attrs, r.input_shapes[0], r.output
    kh, kw = a["k"]
    g, conn = a["groups"], a["connections"]
    steps = _window_steps(r)
    steps.append(_same("C", o.c, "one output map per filter"))
    if conn is not None:
        fan = Counter(len(row) for row in conn)
        inner = " + ".join(f"{f}·{n}" for f, n in sorted(fan.items()))
        w_expr = f"{kh}·{kw}·({inner})"
        macs_expr = f"{o.h}·{o.w} · {w_expr}"
        seen = ", ".join(f"{n} see{'s' if n == 1 else ''} {f}" for f, n in sorted(fan.items()))
        why_w = f"LeNet's connection table: of the {o.c} maps, {seen} input maps"
        weights = [Term(w_expr, r.counts.weights, "weights")]
        p = _params(r, weights, _n(o.c), "biases", bias)
        p = Step(p.field, p.terms, p.value, why_w + (f"; {p.why}" if p.why else ""))
        return steps + [p, Step("macs", (Term(macs_expr, r.counts.macs),), r.counts.macs,
                                "one MAC per weight per output position")]
    cin = _n(x.c) if g == 1 else f"({x.c}/{g})"
    weights = [Term(_dot(kh, kw, cin, o.c), r.counts.weights, "weights")]
    return steps + [
        _params(r, weights, _n(o.c), "biases", bias),
        Step("macs", (Term(f"{_dot(o.h, o.w, o.c)} · {_dot(kh, kw, cin)}", r.counts.macs),),
             r.counts.macs, f"{g} groups: each filter sees {x.c // g} of the {x.c} input maps"
             if g != 1 else ""),
    ]


def _dwconv(r: LayerRow, bias: bool) -> list[Step]:
    a, x, o = r.attrs, r.input_shapes[0], r.output
    kh, kw = a["k"]
    m = a["dwconv"]
    cm = _n(x.c) if m == 1 else f"{x.c}·{m}"
    return _window_steps(r) + [
        _same("C", o.c, "depthwise: each input map gets its own filter" if m == 1 else
              f"depthwise: each input map gets {m} filters of its own"),
        _params(r, [Term(_dot(kh, kw, cm), r.counts.weights, "weights")], cm, "biases", bias),
        Step("macs", (Term(f"{_dot(o.h, o.w, cm)} · {_dot(kh, kw)}", r.counts.macs),),
             r.counts.macs),
    ]


def _sepconv(r: LayerRow, bias: bool) -> list[Step]:
    a, x, o = r.attrs, r.input_shapes[0], r.output
    kh, kw = a["k"]
    m = a["mult"]
    cm = _n(x.c) if m == 1 else f"{x.c}·{m}"
    dw = F.depthwise_weights(x.c, kh, kw, m)
    weights = [Term(_dot(kh, kw, cm), dw, "depthwise weights"),
               Term(_dot(cm, o.c), r.counts.weights - dw, "pointwise weights")]
    return _window_steps(r) + [
        _same("C", o.c, "one output map per pointwise filter"),
        _params(r, weights, _n(o.c), "biases", bias),
        Step("macs", (Term(f"{_dot(o.h, o.w, cm)} · ({kh}·{kw} + {_n(o.c)})", r.counts.macs),),
             r.counts.macs, "depthwise then pointwise, at every output position"),
    ]


def _pool(r: LayerRow, bias: bool) -> list[Step]:
    return (_window_steps(r)
            + [_same("C", r.output.c, "pooling keeps the channels")]
            + _none(r, "pooling has no parameters; its operations are not MACs"))


def _subsample(r: LayerRow, bias: bool) -> list[Step]:
    o = r.output
    kh, kw = r.attrs["k"]
    return _window_steps(r) + [
        _same("C", o.c, "subsampling keeps the maps"),
        _params(r, [Term(_n(o.c), r.counts.weights, "coefficients")], _n(o.c), "biases", bias),
        Step("macs", (Term(f"{_dot(o.h, o.w, o.c)} · {_dot(kh, kw)}", r.counts.macs),),
             r.counts.macs, "each window's inputs times the map's coefficient"),
    ]


def _adaptive(r: LayerRow, bias: bool) -> list[Step]:
    why = "adaptive pooling: the output size is fixed by the layer"
    return ([_same("H", r.output.h, why), _same("W", r.output.w, why),
             _same("C", r.output.c, "pooling keeps the channels")]
            + _none(r, "pooling has no parameters"))


def _gap(r: LayerRow, bias: bool) -> list[Step]:
    why = "global pooling: one value per map"
    return ([_same("H", 1, why), _same("W", 1, why),
             _same("C", r.output.c, "pooling keeps the channels")]
            + _none(r, "pooling has no parameters"))


def _keeps(what: str) -> Callable[[LayerRow, bool], list[Step]]:
    def explain(r: LayerRow, bias: bool) -> list[Step]:
        return _shape_kept(r, f"{what} keeps the shape") + _none(r, f"{what} has no parameters")
    return explain


def _bn(r: LayerRow, bias: bool) -> list[Step]:
    c = r.output.c
    return _shape_kept(r, "batch norm keeps the shape") + [
        _params(r, [Term(_n(c), r.counts.weights, "scales γ")], _n(c), "shifts β", bias),
        _same("macs", r.counts.macs, "normalization is not counted as MACs"),
    ] + ([Step("buffers", (Term(f"2·{_n(c)}", r.counts.buffers, "running means and variances"),),
               r.counts.buffers, "buffers, not parameters")] if r.counts.buffers else [])


def _flatten(r: LayerRow, bias: bool) -> list[Step]:
    x = r.input_shapes[0]
    return [Step("C", (Term(_dot(x.h, x.w, x.c), r.output.c),), r.output.c,
                 "H·W·C of the input, as one vector")] + _none(r, "flatten has no parameters")


def _n_in(r: LayerRow) -> str:
    x = r.input_shapes[0]
    return _n(x.c) if x.flat or (x.h, x.w) == (1, 1) else f"({_dot(x.h, x.w, x.c)})"


def _fc(r: LayerRow, bias: bool) -> list[Step]:
    o = r.output.c
    n_in = _n_in(r)
    return [
        _same("C", o, "one per output unit"),
        _params(r, [Term(_dot(n_in, o), r.counts.weights, "weights")], _n(o), "biases", bias),
        Step("macs", (Term(_dot(n_in, o), r.counts.macs),), r.counts.macs,
             "one MAC per weight"),
    ]


def _rbf(r: LayerRow, bias: bool) -> list[Step]:
    o = r.output.c
    n_in = _n_in(r)
    return [
        _same("C", o, "one per RBF unit"),
        _same("params", 0, "the prototypes are fixed, not trained"),
        Step("fixed", (Term(_dot(n_in, o), r.counts.fixed, "fixed prototype values"),),
             r.counts.fixed),
        Step("macs", (Term(_dot(n_in, o), r.counts.macs),), r.counts.macs,
             "one squared difference per prototype value"),
    ]


def _concat(r: LayerRow, bias: bool) -> list[Step]:
    cs = [x.c for x in r.input_shapes]
    why = "every branch has this size"
    return _kept_hw(r, why) + [
        Step("C", (Term(" + ".join(_n(c) for c in cs), r.output.c),), r.output.c,
             "the branches' channels, side by side"),
    ] + _none(r, "a concatenation has no parameters")


def _add(r: LayerRow, bias: bool) -> list[Step]:
    scale = r.attrs.get("scale", 1.0)
    why = "every branch has this shape; they are summed element-wise"
    if scale != 1:
        why += f", the residual scaled by {scale:g} first"
    return _shape_kept(r, why) + _none(r, "a sum has no parameters; additions are not MACs")


def _zeropad(r: LayerRow, bias: bool) -> list[Step]:
    x, o = r.input_shapes[0], r.output
    sh, sw = r.attrs["s"]
    steps = []
    for field, i, st, out in (("H", x.h, sh, o.h), ("W", x.w, sw, o.w)):
        if st == 1:
            steps.append(_same(field, out, "kept: stride 1"))
        elif i % st == 0:
            steps.append(Step(field, (Term(f"{i}/{st}", out),), out, f"one pixel in {st}"))
        else:
            steps.append(Step(field, (Term(f"{i}/{st}", out),), out,
                              f"one pixel in {st}, from the first", "ceil",
                              F.fraction_text(Fraction(i, st))))
    grow = o.c - x.c
    c = (Term(f"{_n(x.c)} + {_n(grow)}", o.c) if grow else Term(_n(o.c), o.c))
    steps.append(Step("C", (c,), o.c, f"the input's {x.c} channels and {grow} zero channels"
                      if grow else "the input's channels"))
    return steps + _none(r, "a zero-padding shortcut has no parameters")


def _mul(r: LayerRow, bias: bool) -> list[Step]:
    return (_shape_kept(r, "the feature map's shape; each value times its channel's gate")
            + _none(r, "a product of branches has no parameters; its products are not counted "
                    "as MACs"))


def _uncounted(r: LayerRow, bias: bool) -> list[Step]:
    o = r.output
    why = (f"{r.attrs['uncounted']} has no rule in archcalc: its output shape is the source "
           "model's, and its parameters and operations are not counted")
    return ([_same("C", o.c, why)] + ([] if o.flat else [_same("H", o.h, why), _same("W", o.w, why)])
            + _none(r, why))


EXPLAINERS: dict[str, Callable[[LayerRow, bool], list[Step]]] = {
    "conv": _conv, "dwconv": _dwconv, "sepconv": _sepconv,
    "maxpool": _pool, "avgpool": _pool, "subsample": _subsample,
    "adaptive_avgpool": _adaptive, "gap": _gap,
    "lrn": _keeps("normalization"), "bn": _bn,
    "relu": _keeps("an activation"), "tanh": _keeps("an activation"),
    "sigmoid": _keeps("an activation"), "softmax": _keeps("softmax"),
    "dropout": _keeps("dropout"), "flatten": _flatten, "fc": _fc, "rbf": _rbf,
    "concat": _concat, "add": _add, "mul": _mul, "zeropad": _zeropad,
    "uncounted": _uncounted,
}


def working(r: LayerRow, bias: bool = True) -> list[Step]:
    """The worked arithmetic of every cell of ``r``; ``bias=False`` counts weights only."""
    fn = EXPLAINERS.get(r.kind)
    if fn is None:          # a kind added without an explainer (tests/test_explain.py fails)
        why = f"the engine's value; no worked arithmetic for {r.kind} yet"
        p = N.params(r, bias)
        return (_kept_hw(r, why) + [_same("C", r.output.c, why), _same("params", p, why),
                                    _same("macs", r.counts.macs, why)])
    return fn(r, bias)


def activations(r: LayerRow, in_place: bool = True) -> Step:
    """What a "memory" or "activations" column counts: the output's values (C·H·W), none for
    a layer whose output is no new tensor (``counting.activations``); with ``in_place=False``
    every layer's output values, as some tables count them."""
    o = r.output
    if in_place and not N.new_tensor(r):
        return _same("activations", N.activations(r),
                     f"{r.kind} makes no new tensor: in place, the identity or a view")
    expr = _n(o.c) if o.flat else _dot(o.c, o.h, o.w)
    return Step("activations", (Term(expr, o.elements),), o.elements)


def flops(r: LayerRow, count: tuple[str, ...] = ()) -> Step:
    """FLOPs = 2 × MACs, plus the ``--count`` extras asked for (``conventions.extra_ops``)."""
    from ..analysis import conventions as CV

    macs = r.counts.macs
    terms = [Term(f"2·{_n(macs)}", 2 * macs, "(2 × MACs)" if count else "")]
    extra = CV.extra_ops(r) if count else {}
    terms += [Term(_n(extra[k]), extra[k], CV.EXTRA_TEXT[k].split(" (")[0])
              for k in count if extra[k]]
    return Step("flops", tuple(terms), CV.flops(r, count))


# report's column keys → the field of the step that works the cell out
CELL_FIELDS = {"h": "H", "w": "W", "c": "C", "params": "params", "fixed": "fixed",
               "macs": "macs"}


def cells(r: LayerRow, bias: bool = True, count: tuple[str, ...] = (),
          stored: int | None = None) -> dict[str, str]:
    """The working of each cell of ``r``'s table row, by the column keys of
    ``render.report.COLUMNS`` (H, W, C, params, fixed, MACs, FLOPs, and activations where
    ``stored``, the values the memory column counts, is given; the layer's name: all of it, as
    ``archcalc explain`` writes it): what ``--format html
    --standalone`` and ``archcalc serve`` show when a cell is clicked."""
    by = {s.field: s for s in working(r, bias)}
    out = {"layer": render([r], bias).rstrip("\n")}    # the layer's whole working
    out |= {key: by[f].text() for key, f in CELL_FIELDS.items()
           if f in by and not (f in ("H", "W") and r.output.flat)}
    out["flops"] = flops(r, count).text()
    if stored is not None:
        act = activations(r)
        out["activations"] = act.text() if stored == act.value else (
            f"activations = 0 ({r.kind}: its output, {_n(act.value)} values, is no new "
            "tensor; the memory count leaves out in-place activations, dropout, flatten and "
            "the closing softmax)")
    return out


def table_cells(rows, bias: bool = True, count: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """``cells`` of every row, for the layer table's interactive HTML."""
    from ..analysis.memory import activations as stored

    return [cells(r, bias, count, stored(r)) for r in rows]


def lines(r: LayerRow, bias: bool = True) -> list[str]:
    """The working as lines of text; H and W are merged when their arithmetic is the same."""
    return _lines(working(r, bias))


def _lines(steps: list[Step]) -> list[str]:
    by = {s.field: s for s in steps}
    out = []
    for s in steps:
        if s.field == "W" and "H" in by and by["H"].rhs() == s.rhs():
            continue
        if s.field == "H" and "W" in by and by["W"].rhs() == s.rhs():
            out.append(s.text("H = W"))
        else:
            out.append(s.text())
    return out


def layer_title(r: LayerRow) -> str:
    """``conv1 — conv 11×11 s4 p0, 96 filters; input 3×227×227``."""
    what = r.kind + (f" {r.geometry}" if r.geometry else "")
    ins = ", ".join(str(x) for x in r.input_shapes)
    src = f"; input{'s' if len(r.input_shapes) > 1 else ''} {ins}"
    return f"{r.name}{' (aux)' if r.aux else ''} — {what}{src} → {r.output}"


def render(rows, bias: bool = True) -> str:
    """``archcalc explain``: every row's title and its working, a blank line between rows."""
    blocks = []
    for r in rows:
        steps = working(r, bias)
        if all(s.value == 0 or s.terms[0].expr == _n(s.value) for s in steps) and not (
                r.counts.params or r.counts.macs or r.counts.fixed) and (
                r.input_shapes and r.output == r.input_shapes[0]) and len(r.input_shapes) == 1:
            why = next((s.why for s in steps if s.field == "C"), "")
            blocks.append(f"{layer_title(r)}\n  {why}; no parameters, no MACs")
            continue
        blocks.append("\n".join([layer_title(r)] + [f"  {t}" for t in _lines(steps)]))
    # A name or a note from a spec file may hold control characters: shown escaped, line by line.
    return "\n".join(printable(line) for line in "\n\n".join(blocks).split("\n")) + "\n"
