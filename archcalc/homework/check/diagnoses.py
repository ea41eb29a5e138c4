"""The catalogue of mistakes people make in these tables: each a pure function of one wrong
cell's ``Ctx`` — the cell, its layer, and what was computed around it (the table's other cells,
the network at the other input size, the table marked against the sibling networks) — that
returns the mistake in words when it explains the value written, else ``None``.

``CATALOGUE`` lists them most specific first; ``diagnose`` returns every one that fits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from fractions import Fraction
from typing import Callable

from ...analysis import counting as N
from ...core.kinds import RULES
from ...core.records import Analysis, Counts, LayerRow
from ..expr import Value, parse
from .convention import TableConvention
from .copies import Columns
from .reading import Reading, has_suffix, read_cell
from .truth import Steps, value_in


@dataclass(frozen=True)
class Around:
    """What a diagnosis may look at beyond its cell, computed before any diagnosis runs."""

    a: Analysis                       # the network as marked (its pools as the table has them)
    steps: Steps
    units: dict[str, str]             # field → the unit its first column's header gives
    values: dict[str, tuple[tuple[str, int], ...]]   # field → (row as written, whole value
    #                                   written) of each readable cell of a layer row, in order
    left_out: str                     # the weighted layers the table does not list
    other_inputs: tuple[Analysis, ...] = ()          # the network at 224 ↔ 227
    siblings: tuple[tuple[str, dict], ...] = ()      # (variant, (line, column) → MarkedCell)

    @cached_property
    def columns(self) -> Columns:
        """Each field's values indexed, once (a pass per wrong cell was quadratic)."""
        return Columns(self.values)

    def column_sum(self, fld: str) -> int | None:
        return self.columns.sum(fld)


@dataclass(frozen=True)
class Ctx:
    """What a diagnosis may look at: the cell, the layer, and the marking around it."""

    row: LayerRow | None
    field: str
    expected: int
    candidates: tuple[Value, ...]     # the values written (the final value and the formula's)
    reading: Reading
    conv: TableConvention
    name: str = ""                    # the row as written
    line: int = 0
    column: str = ""
    around: Around | None = None

    def fits(self, x: int | Fraction | None) -> bool:
        if x is None or x == self.expected:
            return False
        return any(v.matches(x) for v in self.candidates)

    @property
    def flops(self) -> bool:
        """Whether this cell's column counts FLOPs = 2 × MACs."""
        return self.conv.counts_flops(self.column)

    def scaled(self, macs: int) -> int:
        """A MAC count as the table counts it (× 2 for FLOPs)."""
        return N.flops_of_macs(macs) if self.flops else macs

    def with_bias(self, weights: int, biases: int) -> int:
        return N.params(Counts(weights, biases), self.conv.bias)


def _conv_like(r: LayerRow | None) -> bool:
    return (r is not None and RULES[r.kind].category == "convolution"
            and not r.output.flat)


def d_slip(c: Ctx) -> str | None:
    f, v = c.reading.formula, c.reading.final
    if f is not None and v is not None and f.matches(c.expected) and not v.matches(c.expected):
        return (f"formula right, product wrong: {c.reading.parts[0]} = {c.expected:,}, "
                f"not {c.reading.parts[-1]} (an arithmetic slip)")
    if f is None and v is not None and v.exact and v.value.denominator == 1 and v.value > 0:
        a, b = str(int(v.value)), str(c.expected)
        if len(a) == len(b) >= 3 and a != b:        # 27 for 26 is not a "slip" worth naming
            diff = [i for i in range(len(a)) if a[i] != b[i]]
            if len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]):
                return f"one slip from {c.expected:,} (a digit miscopied or swapped)"
    return None


def d_input_channels(c: Ctx) -> str | None:
    r = c.row
    if not _conv_like(r) or r.kind != "conv" or c.field not in ("params", "macs"):
        return None
    kh, kw = r.attrs["k"]
    o, x = r.output, r.input_shapes[0]
    if x.c == 1:
        return None
    w = kh * kw * o.c
    alt = c.with_bias(w, r.counts.biases) if c.field == "params" else c.scaled(o.h * o.w * w)
    if c.fits(alt):
        return (f"forgot the input channels: each of the {o.c} filters is {kh}·{kw}·{x.c}, "
                f"not {kh}·{kw} (K·K·C_out leaves out the {x.c} input maps)")
    return None


def d_biases(c: Ctx) -> str | None:
    r = c.row
    if r is None or c.field != "params" or not r.counts.biases:
        return None
    w, b = r.counts.weights, r.counts.biases
    if c.conv.bias and c.fits(w):
        return f"forgot the biases: {w:,} weights + {b:,} biases (one per output) = {w + b:,}"
    if not c.conv.bias and c.fits(w + b):
        return (f"counted the {b:,} biases, but this table counts weights only: "
                f"{w:,} + {b:,} = {w + b:,} → {w:,}")
    return None


def d_one_bias(c: Ctx) -> str | None:
    r = c.row
    if r is None or c.field != "params" or r.counts.biases <= 1:
        return None
    if c.fits(r.counts.weights + 1):
        return (f"one bias for the whole layer; there is one per output map "
                f"({r.counts.biases:,})")
    return None


def d_groups(c: Ctx) -> str | None:
    r = c.row
    if r is None or r.kind != "conv" or c.field not in ("params", "macs"):
        return None
    kh, kw = r.attrs["k"]
    x, o = r.input_shapes[0], r.output
    full_w = kh * kw * x.c * o.c
    alt = (c.with_bias(full_w, r.counts.biases) if c.field == "params"
           else c.scaled(o.h * o.w * full_w))
    if r.attrs["connections"] is not None and c.fits(alt):
        return (f"the sparse connection table ignored: not every output map sees all {x.c} "
                f"input maps ({r.counts.weights:,} weights, not {full_w:,})")
    g = r.attrs["groups"]
    if g != 1 and c.fits(alt):
        return (f"groups ignored: with {g} groups (the two GPUs) each filter sees "
                f"{x.c // g} of the {x.c} input maps, not all of them")
    return None


def d_flatten(c: Ctx) -> str | None:
    r = c.row
    if r is None:
        return None
    x = r.input_shapes[0] if r.input_shapes else None
    if r.kind == "flatten" and c.field in ("C", "activations"):
        return f"the flatten size is H·W·C = {x.h}·{x.w}·{x.c} = {x.elements:,}"
    if r.kind == "fc" and c.field in ("params", "macs") and x is not None:
        n_out = r.output.c
        bias = r.counts.biases if (c.field == "params" and c.conv.bias) else 0
        per = c.scaled(n_out) if c.field == "macs" else n_out
        for v in c.candidates:
            if not v.exact or v.value.denominator != 1:
                continue
            n = Fraction(int(v.value) - bias, per)
            if n.denominator == 1 and n > 0 and n != x.elements:
                src = (f"{x.h}·{x.w}·{x.c} = {x.elements:,}" if not x.flat
                       else f"{x.elements:,}")
                return (f"wrong input size: {int(n):,} inputs used, but this layer's input "
                        f"is {src} values (the flatten size)")
    return None


def d_pool_channels(c: Ctx) -> str | None:
    r = c.row
    if r is not None and RULES[r.kind].category == "pooling" and c.field == "C":
        return f"pooling changed the channel count: it keeps its input's {r.input_shapes[0].c}"
    return None


def d_flops(c: Ctx) -> str | None:
    r = c.row
    if c.field != "macs" or r is None or not r.counts.macs:
        return None
    if not c.flops and c.fits(N.flops(r)):
        return f"FLOPs (2 × MACs = {N.flops(r):,}) where this table counts MACs"
    if c.flops and c.fits(r.counts.macs):
        return f"MACs where this table counts FLOPs = 2 × MACs = {N.flops(r):,}"
    return None


def d_macs_on_input(c: Ctx) -> str | None:
    r = c.row
    if c.field != "macs" or not _conv_like(r) or not r.counts.macs:
        return None
    x, o = r.input_shapes[0], r.output
    per = Fraction(r.counts.macs, o.h * o.w)
    alt = per * x.h * x.w
    if (x.h, x.w) != (o.h, o.w) and alt.denominator == 1 and c.fits(c.scaled(int(alt))):
        return (f"MACs computed on the input size {x.h}×{x.w}; a conv does its work at each "
                f"output position ({o.h}×{o.w})")
    return None


def d_k_base(c: Ctx) -> str | None:
    if not has_suffix(c.reading.text):
        return None
    other = 1024 if c.conv.k_base == 1000 else 1000
    v = read_cell(c.reading.text, other, c.around.units.get(c.field, "")).final
    if v is not None and v.matches(c.expected):
        return f"K = {other} used; this table's K is {c.conv.k_base}"
    return None


def d_input_size(c: Ctx) -> str | None:
    if c.row is None:
        return None
    for alt in c.around.other_inputs:
        v = value_in(c.around.steps, alt, c.row.name, c.field, c.conv, c.column)
        if v is not None and c.fits(v):
            size = alt.input
            note = ""
            if {size.h, c.around.a.input.h} == {224, 227}:
                note = (" (the AlexNet paper says 224, but (224 − 11)/4 + 1 = 54.25 is not a "
                        "whole number: the arithmetic needs 227)")
            return (f"the value for a {size.h}×{size.w} input; this network's input is "
                    f"{c.around.a.input.h}×{c.around.a.input.w}{note}")
    return None


def d_not_whole(c: Ctx) -> str | None:
    v = c.reading.final
    if c.field in ("H", "W") and v is not None and v.value.denominator != 1 and v.tol < Fraction(1, 2):
        return ("an output size is a whole number: the formula's fraction is "
                "rounded as the layer does")
    return None


def d_rounding(c: Ctx) -> str | None:
    if c.row is None or c.field not in ("H", "W"):
        return None
    st = c.around.steps(c.row, True).get(c.field)
    if st is None or not st.rounding:
        return None
    exact = parse(st.terms[0].expr).value
    other, word = ((math.floor(exact), "floored") if st.rounding == "ceil"
                   else (math.ceil(exact), "rounded up"))
    if c.fits(other):
        mode = "ceil mode (Caffe)" if st.rounding == "ceil" else "floored (PyTorch's default)"
        return f"{word}, but this layer is {mode}: {st.rhs()}"
    return None


def d_total(c: Ctx) -> str | None:
    if c.row is not None:
        return None
    s = c.around.column_sum(c.field)
    if s is None:
        return None
    if not any(v.matches(s) for v in c.candidates):
        return f"not the sum of its rows: they add up to {s:,}"
    if c.fits(s):
        return (f"the sum of the table's rows ({s:,}), but they leave out layers of the "
                f"network: {c.around.left_out}")
    return None


def d_sibling(c: Ctx) -> str | None:
    for name, cells in c.around.siblings:
        other = cells.get((c.line, c.column))
        if other is not None and other.verdict == "right":
            where = f" {other.layer}" if other.layer else ""
            return f"right for {name}'s layer{where}: the table may describe {name}"
    return None


def d_copied(c: Ctx) -> str | None:
    index = c.around.columns.copies(c.field)
    # Only rows above this one (before this row's name first appears), never 0 or the truth.
    row = index.first_fitting(c.candidates, {0, c.expected}, index.first_of.get(c.name))
    if row is None:
        return None
    return f"the same as row {index.names[row]}'s value: copied from another row?"


# Most specific first; the text names the first SHOWN that fit (``MarkedCell.diagnoses`` has all).
CATALOGUE: list[tuple[str, Callable[[Ctx], str | None]]] = [
    ("slip", d_slip), ("rounding", d_rounding), ("input-channels", d_input_channels),
    ("biases", d_biases), ("one-bias", d_one_bias), ("groups", d_groups),
    ("flatten", d_flatten), ("pool-channels", d_pool_channels), ("flops", d_flops),
    ("macs-on-input", d_macs_on_input), ("k-base", d_k_base), ("input-size", d_input_size),
    ("not-whole", d_not_whole), ("total", d_total), ("copied", d_copied),
    ("sibling", d_sibling),
]
SHOWN = 2


def diagnose(c: Ctx) -> list[tuple[str, str]]:
    """(id, text) of every mistake in the catalogue that explains the cell."""
    out = []
    for ident, fn in CATALOGUE:
        text = fn(c)
        if text:
            out.append((ident, text))
    return out
