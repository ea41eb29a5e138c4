"""The worked arithmetic of a row's cells, as records: each layer kind returns its ``Step``s
(``Rule.working``), built with the helpers below; ``homework.explain`` renders them.

A ``Step`` is the working of one cell (H, W, C, params, MACs, LeNet-5's fixed values, batch
norm's buffers): the formula with the layer's numbers put in, and the engine's value. The
numbers are the engine's own (``row.output``, ``row.counts``); the expressions are built from the
same attributes the rules read, with the helpers of ``formulas``, and the tests parse every
expression of every network with ``homework.expr`` and check that it gives the engine's value.
"""

from __future__ import annotations

from . import formulas as F
from .records import LayerRow, Record, Shape, _set

LABELS = {"H": "H", "W": "W", "C": "C", "params": "params", "macs": "MACs", "fixed": "fixed",
          "buffers": "buffers", "activations": "activations", "flops": "FLOPs"}


def exact(v: int) -> str:
    """``62,378,344``: a count written exactly, with thousands separators."""
    return f"{v:,}"


class Term(Record):
    """One part of a cell's arithmetic: ``expr`` (parseable by ``archcalc.homework.expr``) = ``value``."""

    __slots__ = ("expr", "value", "label")
    expr: str
    value: int
    label: str               # "weights", "biases", …

    def __init__(self, expr: str, value: int, label: str = ""):
        _set(self, "expr", expr)
        _set(self, "value", value)
        _set(self, "label", label)


class Step(Record):
    """The working of one cell. ``rounding`` is "floor" or "ceil" when ``terms[0].expr`` is a
    fraction that the layer rounds; ``why`` is a short reason in words."""

    __slots__ = ("field", "terms", "value", "why", "rounding", "exact")
    field: str
    terms: tuple[Term, ...]
    value: int
    why: str
    rounding: str
    exact: str               # the unrounded value, e.g. "54.25", when rounded

    def __init__(self, field: str, terms: tuple[Term, ...], value: int, why: str = "",
                 rounding: str = "", exact: str = ""):
        _set(self, "field", field)
        _set(self, "terms", terms)
        _set(self, "value", value)
        _set(self, "why", why)
        _set(self, "rounding", rounding)
        _set(self, "exact", exact)

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


def dot(*xs) -> str:
    """``11·11·3``: a product as written, counts with thousands separators."""
    return "·".join(str(x) if isinstance(x, str) else exact(x) for x in xs)


def same(field: str, value: int, why: str) -> Step:
    """A cell whose value is given, not computed: ``C = 96 (one output map per filter)``."""
    return Step(field, (Term(exact(value), value),), value, why)


# --- shapes ----------------------------------------------------------------------------------

def axis_step(field: str, out: int, i: int, k: int, s: int, lo: int, hi: int, d: int,
              ceil: bool, extra: str = "") -> Step:
    """One output length of a windowed layer: ``(227 − 11 + 2·0)/4 + 1``, and its rounding."""
    expr = F.out_len_text(i, k, s, lo, hi, d)
    frac = F.out_len_exact(i, k, s, lo, hi, d)
    if frac.denominator == 1:
        return Step(field, (Term(expr, out),), out, extra)
    how = "ceil mode" if ceil else "floored"
    if ceil and out != -(-frac.numerator // frac.denominator):
        how = "ceil mode, less a last window that would start in the padding"
    why = how + (f"; {extra}" if extra else "")
    return Step(field, (Term(expr, out),), out, why, "ceil" if ceil else "floor",
                F.fraction_text(frac))


def window_steps(r: LayerRow, sides: tuple[int, int, int, int]) -> list[Step]:
    """H and W of a windowed layer (attributes ``k``, ``s``, ``p``, ``dilation``), whose
    padding for this input is ``sides`` (top, bottom, left, right)."""
    a = r.attrs
    x = r.input_shapes[0]
    (kh, kw), (sh, sw), (dh, dw) = a["k"], a["s"], a["dilation"]
    t, b, l, rt = sides
    is_same = a["p"] == "same"
    ceil = bool(a.get("ceil"))
    hx = f'"same" padding: {t} before, {b} after' if is_same and t != b else ""
    wx = f'"same" padding: {l} before, {rt} after' if is_same and l != rt else ""
    return [axis_step("H", r.output.h, x.h, kh, sh, t, b, dh, ceil, hx),
            axis_step("W", r.output.w, x.w, kw, sw, l, rt, dw, ceil, wx)]


def kept_hw(r: LayerRow, why: str) -> list[Step]:
    if r.output.flat:
        return []
    return [same("H", r.output.h, why), same("W", r.output.w, why)]


def shape_kept(r: LayerRow, why: str) -> list[Step]:
    return kept_hw(r, why) + [same("C", r.output.c, why)]


def n_in(x: Shape) -> str:
    """The input of an fc-like layer as a count: ``4,096`` or ``(6·6·256)``."""
    return exact(x.c) if x.flat or (x.h, x.w) == (1, 1) else f"({dot(x.h, x.w, x.c)})"


# --- counts ----------------------------------------------------------------------------------

def params(r: LayerRow, weights: list[Term], bias_expr: str, bias_label: str,
           bias: bool) -> Step:
    """The params cell: the weight terms, and the biases where counted (``bias``)."""
    terms = list(weights)
    if bias and r.counts.biases:
        terms.append(Term(bias_expr, r.counts.biases, bias_label))
    value = r.counts.trainable(bias)
    why = "" if r.counts.biases or not weights else "no biases"
    if not bias and r.counts.biases:
        why = f"the {r.counts.biases:,} biases are not counted"
    return Step("params", tuple(terms), value, why)


def none(why: str) -> list[Step]:
    """No parameters and no MACs, with the reason."""
    return [same("params", 0, why), same("macs", 0, why)]


def keeps(r: LayerRow, what: str) -> list[Step]:
    """A layer that keeps its input's shape and has no parameters."""
    return shape_kept(r, f"{what} keeps the shape") + none(f"{what} has no parameters")


def unexplained(r: LayerRow, bias: bool) -> list[Step]:
    """The engine's values with no worked arithmetic: what a kind without its own working
    shows (``tests/test_kinds.py`` fails for such a kind)."""
    why = f"the engine's value; no worked arithmetic for {r.kind} yet"
    p = r.counts.trainable(bias)
    return (kept_hw(r, why) + [same("C", r.output.c, why), same("params", p, why),
                               same("macs", r.counts.macs, why)])


def activations(r: LayerRow) -> Step:
    """The output's values (C·H·W): what a "memory" or "activations" column counts."""
    o = r.output
    expr = exact(o.c) if o.flat else dot(o.c, o.h, o.w)
    return Step("activations", (Term(expr, o.elements),), o.elements)
