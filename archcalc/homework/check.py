"""Marking a hand-made table cell by cell against a network, with a diagnosis for each mistake.

The flow is one way: the answers table (``answers``) → rows matched to the engine's rows
(``names``) → every cell read as a number, an expression or "expression = value" (``expr``) →
the table's convention decided from the cells (biases or not, MACs or FLOPs, K = 1000 or 1024,
floor or ceil) → each cell marked against the engine's value under that convention, with the
worked arithmetic (``explain``) and, when wrong, the mistakes from ``CATALOGUE`` that fit.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

from . import explain
from .answers import FIELDS, Column, Table, columns
from .expr import ExprError, Value, is_plain_number, parse
from ..core.kinds import RULES
from ..core.names import Index, plain
from ..core.records import Analysis, LayerRow, Shape

TOTAL_NAMES = ("total", "totals", "sum", "overall", "all", "network", "whole network")
INPUT_NAMES = ("input", "image", "data", "inputimage")
NOT_APPLICABLE = ("-", "–", "—", "n/a", "na", "none", "/")


def exercise_rows(a: Analysis) -> list[LayerRow]:
    """The layers an exercise table lists: those with parameters, operations or a new shape
    (activations, dropout and normalizations that keep the shape are left out) and every join."""
    return [r for r in a.rows
            if r.counts.params or r.counts.macs or r.counts.fixed or len(r.inputs) != 1
            or RULES[r.kind].category == "pooling" or not r.input_shapes or r.output != r.input_shapes[0]]


# --- conventions -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Convention:
    bias: bool = True              # params = weights + biases
    flops: frozenset = frozenset()  # headers of the operations columns that count FLOPs = 2 × MACs
    k_base: int = 1000             # K, M, G are powers of 1000 (or 1024)
    rounding: str = "spec"         # pooling sizes: as the spec says, or all "floor" / "ceil"
    order: str = "HWC"             # a one-column output "55x55x96" is H×W×C (or C×H×W)
    how: tuple[tuple[str, str], ...] = ()   # (what, how it was decided)

    def counts_flops(self, header: str) -> bool:
        return header in self.flops

    def as_dict(self) -> dict:
        return {"bias": self.bias, "flops_columns": sorted(self.flops),
                "k": self.k_base, "rounding": self.rounding, "output_order": self.order,
                "how": dict(self.how)}

    def text(self) -> str:
        return "; ".join(f"{what}: {how}" for what, how in self.how)


@dataclass(frozen=True)
class Options:
    mapping: dict | None = None    # header → field, for headers archcalc does not know
    by_order: bool = False
    bias: bool | None = None       # None: decide from the cells
    flops: bool | None = None
    k_base: int | None = None
    rounding: str | None = None


# --- reading a cell --------------------------------------------------------------------------

@dataclass(frozen=True)
class Reading:
    """A cell: its parts split at "=", each part's value (``None`` where unreadable)."""

    text: str
    parts: tuple[str, ...] = ()
    values: tuple[Value | None, ...] = ()
    error: str = ""
    shape: tuple[int, ...] = ()       # for the one-column output: the numbers written
    order: str = ""                   # "CHW" when the writing says so ("6@28x28")

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    @property
    def na(self) -> bool:
        return self.text.strip().lower() in NOT_APPLICABLE

    @property
    def final(self) -> Value | None:
        return self.values[-1] if self.values else None

    @property
    def formula(self) -> Value | None:
        """The first part when it is arithmetic (``3x3x256x384`` of ``3x3x256x384 = 86,400``)."""
        if self.values and not is_plain_number(self.parts[0]):
            return self.values[0]
        return None


# A unit word after a number ("params", "weights", "개"); not a lone x or an SI suffix.
_TRAILING_WORD = re.compile(r"(?<=[\d)\]])\s+(?![xXkKMGBT]\s*$)[^\W\d_]+\s*$")


def _clean(text: str) -> str:
    t = text.strip().strip("*`").strip()
    t = re.sub(r"^[~≈]\s*", "", t)
    return t


def read_cell(text: str, k_base: int, unit: str = "") -> Reading:
    t = _clean(text)
    if not t or t.lower() in NOT_APPLICABLE:
        return Reading(t)
    parts = tuple(p.strip() for p in re.split(r"=|≈", t))
    if any(not p for p in parts):
        return Reading(t, parts, error="an '=' with nothing on one side")
    values = []
    for p in parts:
        p = _TRAILING_WORD.sub("", p)     # "34,944 params", "96 개" (a Korean counter word)
        if unit and is_plain_number(p) and not re.search(r"[kKMGBT]\s*$", p):
            p = p + unit
        try:
            values.append(parse(p, k_base))
        except ExprError as e:
            return Reading(t, parts, error=str(e))
    return Reading(t, parts, tuple(values))


def read_shape(text: str) -> Reading:
    """``55x55x96``, ``55 × 55 × 96``, ``[55x55x96]``, ``96@55x55`` or a vector's ``4096``."""
    t = _clean(text).strip("[]() ")
    if not t or t.lower() in NOT_APPLICABLE:
        return Reading(t)
    t = t.split("=")[-1].strip()
    lead = None
    if "@" in t:                          # LeNet's "6@28x28": C maps of H×W
        lead, t = (x.strip() for x in t.split("@", 1))
    nums = []
    for p in ([lead] if lead is not None else []) + re.split(r"\s*[x×X*]\s*", t):
        try:
            v = parse(p)
        except ExprError as e:
            return Reading(text.strip(), error=str(e))
        if v.value.denominator != 1 or not v.exact:
            return Reading(text.strip(), error=f"{p!r} is not a whole number")
        nums.append(int(v.value))
    if len(nums) not in (1, 2, 3) or (lead is not None and len(nums) != 3):
        return Reading(text.strip(), error="expected H×W×C, C×H×W, C@H×W, H×W or one number")
    return Reading(text.strip(), shape=tuple(nums), order="CHW" if lead is not None else "")


# --- the mark of one cell --------------------------------------------------------------------

@dataclass
class Cell:
    row: str                   # as written in the answers file
    column: str                # the header as written
    field: str
    given: str
    expected: int | str | None
    verdict: str               # "right", "wrong", "missing"
    diagnosis: str = ""
    working: str = ""
    line: int = 0
    layer: str = ""            # the layer it was matched to ("" for a total row)
    diagnoses: list = field(default_factory=list)   # ids of CATALOGUE entries that fit

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "given": self.given,
                "expected": self.expected, "verdict": self.verdict,
                "diagnosis": self.diagnosis or None, "diagnoses": list(self.diagnoses),
                "layer": self.layer or None,
                "field": self.field, "working": self.working or None, "line": self.line}


@dataclass
class Result:
    network: str
    table: Table
    convention: Convention
    cells: list[Cell]
    unmatched: list[tuple[int, str, str]] = field(default_factory=list)  # line, row, hint
    unmarked: list[str] = field(default_factory=list)     # headers not marked
    notes: list[str] = field(default_factory=list)

    @property
    def right(self) -> int:
        return sum(c.verdict == "right" for c in self.cells)

    @property
    def wrong(self) -> int:
        return sum(c.verdict == "wrong" for c in self.cells)

    @property
    def missing(self) -> int:
        return sum(c.verdict == "missing" for c in self.cells)

    @property
    def marked(self) -> int:
        return self.right + self.wrong

    def score(self) -> dict:
        return {"right": self.right, "wrong": self.wrong, "missing": self.missing,
                "marked": self.marked, "text": f"{self.right}/{self.marked}"}

    @property
    def exit_code(self) -> int:
        return 1 if self.wrong else 0


# --- the mistakes we know --------------------------------------------------------------------

@dataclass
class Ctx:
    """What a diagnosis may look at: the cell, the layer, and the marking around it."""

    row: LayerRow | None
    field: str
    expected: int
    candidates: tuple[Value, ...]     # the values written (the final value and the formula's)
    reading: Reading
    conv: Convention
    marker: "Marker"
    name: str = ""                    # the row as written
    line: int = 0
    column: str = ""

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
        return 2 * macs if self.flops else macs

    def with_bias(self, weights: int, biases: int) -> int:
        return weights + biases if self.conv.bias else weights


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
    if not c.flops and c.fits(2 * r.counts.macs):
        return f"FLOPs (2 × MACs = {2 * r.counts.macs:,}) where this table counts MACs"
    if c.flops and c.fits(r.counts.macs):
        return f"MACs where this table counts FLOPs = 2 × MACs = {2 * r.counts.macs:,}"
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
    if not re.search(r"\d\s*[kKMGBT]\b", c.reading.text):
        return None
    other = 1024 if c.conv.k_base == 1000 else 1000
    v = read_cell(c.reading.text, other, c.marker.unit_of(c)).final
    if v is not None and v.matches(c.expected):
        return f"K = {other} used; this table's K is {c.conv.k_base}"
    return None


def d_input_size(c: Ctx) -> str | None:
    if c.row is None:
        return None
    for alt in c.marker.alternatives():
        v = c.marker.value_in(alt, c.row.name, c.field, c.conv, c.column)
        if v is not None and c.fits(v):
            size = alt.input
            note = ""
            if {size.h, c.marker.a.input.h} == {224, 227}:
                note = (" (the AlexNet paper says 224, but (224 − 11)/4 + 1 = 54.25 is not a "
                        "whole number: the arithmetic needs 227)")
            return (f"the value for a {size.h}×{size.w} input; this network's input is "
                    f"{c.marker.a.input.h}×{c.marker.a.input.w}{note}")
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
    st = c.marker.steps(c.row, True).get(c.field)
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
    s = c.marker.column_sum(c.field)
    if s is None:
        return None
    if not any(v.matches(s) for v in c.candidates):
        return f"not the sum of its rows: they add up to {s:,}"
    if c.fits(s):
        return (f"the sum of the table's rows ({s:,}), but they leave out layers of the "
                f"network: {c.marker.left_out()}")
    return None


def d_sibling(c: Ctx) -> str | None:
    for name, cells in c.marker.siblings():
        other = cells.get((c.line, c.column))
        if other is not None and other.verdict == "right":
            where = f" {other.layer}" if other.layer else ""
            return f"right for {name}'s layer{where}: the table may describe {name}"
    return None


def d_copied(c: Ctx) -> str | None:
    for name, v in c.marker.column_values(c.field):
        if name == c.name:
            break                       # only rows above this one
        if v and c.fits(v):
            return f"the same as row {name}'s value: copied from another row?"
    return None


# Most specific first; the text names the first SHOWN that fit (``Cell.diagnoses`` has all).
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


# --- marking ---------------------------------------------------------------------------------

class Marker:
    """Marks one table against one analysed network."""

    def __init__(self, a: Analysis, table: Table, opts: Options, net=None,
                 conv: Convention | None = None):
        self.a, self.table, self.opts, self.net = a, table, opts, net
        self.given_conv = conv          # a convention already decided (marking siblings)
        self._steps: dict = {}
        self._forced: dict = {}
        self._forced_error: dict = {}
        self._index = {r.name: i for i, r in enumerate(a.rows)}
        self.cols = columns(table.header, opts.mapping)
        self.marked_cols = [c for c in self.cols if c.field in FIELDS]
        self.rows: list[tuple[int, str, LayerRow | None, str]] = []   # index, name, layer, kind
        self.unmatched: list[tuple[int, str, str]] = []
        self._alts: list[Analysis] | None = None
        self._sibs: list[Analysis] | None = None
        self.conv = Convention()
        self.readings: dict[tuple[int, int], Reading] = {}

    # rows ---------------------------------------------------------------------------------
    def match_rows(self) -> None:
        name_col = next((c.index for c in self.cols if c.field == "name"), 0)
        by_name = {r.name: r for r in self.a.rows}
        index = Index(by_name)
        totals = {plain(t) for t in TOTAL_NAMES}
        order = iter(exercise_rows(self.a))
        for i, row in enumerate(self.table.rows):
            name = row[name_col] if name_col < len(row) else ""
            key = plain(name)
            if key in totals:
                self.rows.append((i, name, None, "total"))
                continue
            if key in INPUT_NAMES and index.find(name) is None:
                self.rows.append((i, name, None, "input"))
                continue
            if self.opts.by_order:
                layer = next(order, None)
                hit = layer.name if layer else None
            else:
                hit = index.find(name)
            if hit is None:
                from ..core.errors import suggest

                hint = suggest(name, by_name) if name else ""
                self.unmatched.append((self.table.lines[i], name, hint))
                continue
            self.rows.append((i, name, by_name[hit], "layer"))

    # values -------------------------------------------------------------------------------
    def unit_of(self, c: Ctx) -> str:
        return next((col.unit for col in self.marked_cols if col.field == c.field), "")

    def truth(self, r: LayerRow, fld: str, conv: Convention, header: str = ""):
        """The engine's value of a cell in the column ``header`` under the convention
        (``None``: not applicable)."""
        b = conv.bias
        if fld in ("H", "W") and r.output.flat:
            return None
        if fld == "activations":
            return r.output.elements
        if fld == "macs":
            return 2 * r.counts.macs if conv.counts_flops(header) else r.counts.macs
        s = self.steps(r, b).get(fld)
        return s.value if s else None

    def steps(self, r: LayerRow, bias: bool) -> dict[str, explain.Step]:
        """``explain.working`` of a row by field, worked out once per row."""
        key = (id(r), bias)
        if key not in self._steps:
            self._steps[key] = {s.field: s for s in explain.working(r, bias)}
        return self._steps[key]

    def value_in(self, a: Analysis, name: str, fld: str, conv: Convention, header: str = ""):
        r = next((x for x in a.rows if x.name == name), None)
        if r is None or fld == "output":
            return None
        return self.truth(r, fld, conv, header)

    def input_truth(self, fld: str):
        x = self.a.input
        return {"H": x.h, "W": x.w, "C": x.c, "activations": x.elements, "params": 0,
                "macs": 0}.get(fld)

    def total_truth(self, fld: str, conv: Convention, header: str = ""):
        t = self.a.totals
        return {"params": t.params if conv.bias else t.weights,
                "macs": 2 * t.macs if conv.counts_flops(header) else t.macs,
                "activations": sum(r.output.elements for r in self.a.rows if not r.aux)
                }.get(fld)

    def alternatives(self) -> list[Analysis]:
        """The network at the input sizes people mix up (224 ↔ 227)."""
        if self._alts is None:
            self._alts = []
            x = self.a.input
            if self.net is not None and x.h == x.w and x.h in (224, 227):
                from ..core import engine
                from ..core.errors import ArchcalcError

                other = 224 if x.h == 227 else 227
                try:
                    self._alts.append(engine.analyse(self.net, Shape(x.c, other, other)))
                except ArchcalcError:
                    pass
        return self._alts

    def siblings(self) -> list[tuple[str, dict]]:
        """The other networks of the same spec family (VGG-13 beside VGG-16), each with this
        table marked against it under the same convention: (name, (line, column) → verdict
        and expected)."""
        if self._sibs is None:
            self._sibs = []
            if self.net is not None and self.family and self.wrong_so_far >= 2:
                from ..core import engine, spec
                from ..core.errors import ArchcalcError

                try:
                    sf, _ = spec.resolve(self.net.file + ":" + self.net.name)
                    for name in sf.variants:
                        if name == self.net.name:
                            continue
                        sib_net = sf.network(name)
                        sib = engine.analyse(sib_net, self.a.input
                                             if self.a.input != self.net.input else None)
                        m = Marker(sib, self.table, self.opts, sib_net, self.conv)
                        m.diagnosing = False
                        res = m.mark()
                        self._sibs.append((name, {(c.line, c.column): c for c in res.cells}))
                except ArchcalcError:
                    pass
        return self._sibs

    wrong_so_far = 0
    conv_so_far = Convention()
    diagnosing = True
    family = True                   # compare with the spec file's other variants

    def column_values(self, fld: str) -> list[tuple[str, int]]:
        """(row as written, the final value written) of every readable cell in the column."""
        out = []
        for col in self.marked_cols:
            if col.field != fld:
                continue
            for i, name, layer, kind in self.rows:
                if kind != "layer":
                    continue
                rd = self.readings.get((i, col.index))
                v = rd.final if rd else None
                if v is not None and v.exact and v.value.denominator == 1:
                    out.append((name, int(v.value)))
        return out

    def column_sum(self, fld: str) -> int | None:
        vals = self.column_values(fld)
        return sum(v for _, v in vals) if vals else None

    def left_out(self) -> str:
        listed = {layer.name for _, _, layer, kind in self.rows if layer is not None}
        missing = [r.name for r in self.a.rows if (r.counts.params or r.counts.macs)
                   and not r.aux and r.name not in listed]
        shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6
                                          else "")
        return shown or "none"

    # readings and convention ---------------------------------------------------------------
    def use(self, a: Analysis) -> None:
        """Mark against ``a`` (the same layers, other sizes) instead of the spec's network."""
        self.a = a
        self.rows = [(i, name, a.rows[self._index[layer.name]] if layer else None, kind)
                     for i, name, layer, kind in self.rows]

    def text_at(self, i: int, col: Column) -> str:
        row = self.table.rows[i]
        return row[col.index] if col.index < len(row) else ""

    def read_all(self, k_base: int) -> None:
        self.readings = {}
        for i, _, _, _ in self.rows:
            for col in self.marked_cols:
                text = self.text_at(i, col)
                self.readings[(i, col.index)] = (read_shape(text) if col.field == "output"
                                                 else read_cell(text, k_base, col.unit))

    def cells_of(self, *fields: str):
        """(layer, column, text) of every cell of a matched layer row in the given columns."""
        for i, _, layer, kind in self.rows:
            if kind != "layer":
                continue
            for col in self.marked_cols:
                if col.field in fields:
                    yield layer, col, self.text_at(i, col)

    def votes(self, fld: str, a_val, b_val, header: str | None = None) -> tuple[int, int]:
        """How many cells of the ``fld`` columns (or only the one headed ``header``) match
        ``a_val(layer)`` only, and ``b_val(layer)`` only."""
        va = vb = 0
        for r, col, text in self.cells_of(fld):
            if header is not None and col.header != header:
                continue
            a, b = a_val(r), b_val(r)
            vals = [v for v in read_cell(text, 1000, col.unit).values if v is not None]
            if a == b or not vals:
                continue
            ma = any(v.matches(a) for v in vals)
            mb = any(v.matches(b) for v in vals)
            va += ma and not mb
            vb += mb and not ma
        return va, vb

    def decide(self) -> Convention:
        """The table's convention: each part from the option, else from the cells' votes."""
        o = self.opts
        how: list[tuple[str, str]] = []
        bias = self._bias(o.bias, how)
        flops = self._flops(o.flops, how)
        k = self._k_base(o.k_base, Convention(bias=bias, flops=flops), how)
        self.conv_so_far = Convention(bias=bias, flops=flops, k_base=k)
        rounding = self._rounding(o.rounding, how)
        order = self._order(how)
        return Convention(bias, flops, k, rounding, order, tuple(how))

    def _bias(self, given: bool | None, how) -> bool:
        if given is not None:
            how.append(("params", ("weights + biases" if given else "weights only, no biases")
                        + " (as the option says)"))
            return given
        wb, w = self.votes("params", lambda r: r.counts.params, lambda r: r.counts.weights)
        header_w = any(plain(c.header) in ("weights", "ofweights", "numberofweights")
                       for c in self.marked_cols if c.field == "params")
        bias = wb >= w if (wb or w) else not header_w
        detail = (f"{_cells(w)} count{'s' if w == 1 else ''} weights only, {wb} weights + "
                  "biases" + ("; the table mixes both: the fewer are marked wrong" if w and wb
                              else "") if (w or wb) else
                  ("the column is headed weights" if header_w else
                   "no cell tells; archcalc's default"))
        how.append(("params", ("weights + biases" if bias else
                               "weights only, the table does not count biases")
                    + f" ({detail})"))
        return bias

    def _flops(self, given: bool | None, how) -> frozenset:
        """The operations columns that count FLOPs = 2 × MACs: each column decided by its own
        cells, else by its header (a table may have both a MACs and a FLOPs column)."""
        out = set()
        for col in self.marked_cols:
            if col.field != "macs":
                continue
            if given is not None:
                flops, detail = given, "as the option says"
            else:
                m, f = self.votes("macs", lambda r: r.counts.macs, lambda r: 2 * r.counts.macs,
                                  col.header)
                header_f = "flop" in plain(col.header)
                flops = f > m if (m or f) else header_f
                detail = (f"{_cells(m)} match MACs, {f} FLOPs"
                          + ("; the column mixes both: the fewer are marked wrong" if m and f
                             else "") if (m or f) else "from the header")
            if flops:
                out.add(col.header)
            how.append((f"'{col.header}'", ("FLOPs = 2 × MACs" if flops else
                                            "MACs (multiply-accumulates)") + f" ({detail})"))
        return frozenset(out)

    def _k_base(self, given: int | None, conv: Convention, how) -> int:
        if given is not None:
            how.append(("K", f"{given} (as the option says)"))
            return given
        k1 = k2 = 0
        for r, col, text in self.cells_of("W", "H", "C", "params", "macs", "activations"):
            if not re.search(r"\d\s*[kKMGBT]\b", text) and not col.unit:
                continue
            t = self.truth(r, col.field, conv, col.header)
            if t is None:
                continue
            a = read_cell(text, 1000, col.unit).final
            b = read_cell(text, 1024, col.unit).final
            ma, mb = bool(a and a.matches(t)), bool(b and b.matches(t))
            k1 += ma and not mb
            k2 += mb and not ma
        k = 1024 if k2 > k1 else 1000
        if k1 or k2:
            how.append(("K", f"{k} ({_cells(k1)} read right with K = 1000, {k2} with 1024)"))
        return k

    def forced(self, rounding: str) -> Analysis | None:
        """The network with every pooling layer floored (``"floor"``) or in ceil mode
        (``"ceil"``); ``None`` when that is the spec's own network or cannot be built."""
        if rounding not in self._forced:
            self._forced[rounding] = None
            if self.net is not None:
                from dataclasses import replace

                from ..core import engine
                from ..core.errors import ArchcalcError

                ceil = rounding == "ceil"
                nodes = tuple(replace(n, attrs=dict(n.attrs, ceil=ceil))
                              if RULES[n.kind].has_attr("ceil") and n.attrs.get("ceil") != ceil
                              else n for n in self.net.nodes)
                if nodes != self.net.nodes:
                    try:
                        self._forced[rounding] = engine.analyse(replace(self.net, nodes=nodes),
                                                                self.a.input)
                    except ArchcalcError as e:   # GoogLeNet floored: pool5 no longer fits
                        self._forced_error[rounding] = str(e).splitlines()[0]
        return self._forced[rounding]

    def _rounding(self, given: str | None, how) -> str:
        """Pooling sizes as the spec says, or all floored, or all in ceil mode (Caffe): the
        one whose sizes more cells of the table agree with."""
        if given is not None:
            if self.forced(given) is not None:
                how.append(("pooling", f"{'ceil mode' if given == 'ceil' else 'floored'} "
                                       "(as the option says)"))
                return given
            if given in self._forced_error:
                how.append(("pooling", f"as the spec says: with every pool "
                                       f"{'in ceil mode' if given == 'ceil' else 'floored'} the "
                                       f"network does not fit ({self._forced_error[given]})"))
            return "spec"
        choices = {"spec": self.a, "floor": self.forced("floor"), "ceil": self.forced("ceil")}
        choices = {k: v for k, v in choices.items() if v is not None}
        if len(choices) == 1:
            return "spec"
        fits = {k: 0 for k in choices}
        for r, col, text in self.cells_of("H", "W", "C", "output", "macs", "activations",
                                          "params"):
            rd = read_shape(text) if col.field == "output" else read_cell(text, 1000, col.unit)
            if not (rd.shape or rd.final):
                continue
            hit = set()
            for k, a in choices.items():
                row = a.rows[self._index[r.name]]
                o = row.output
                if col.field == "output":
                    ok = rd.shape in ((o.h, o.w, o.c), (o.c, o.h, o.w), (o.c,))
                else:
                    v = self.truth(row, col.field, self.conv_so_far, col.header)
                    st = self.steps(row, True).get(col.field)
                    got = self._rounded(st.rounding if st else "", rd.parts[-1], rd.final)
                    ok = v is not None and got.matches(v)
                if ok:
                    hit.add(k)
            if len(hit) < len(choices):
                for k in hit:
                    fits[k] += 1
        best = max(fits, key=lambda k: (fits[k], k == "spec"))
        if any(fits[k] for k in fits if k != "spec") or best != "spec":
            words = {"spec": "as the spec says", "floor": "all floored", "ceil": "all in ceil mode"}
            how.append(("pooling", f"{words[best]} ("
                        + ", ".join(f"{_cells(n)} fit {words[k]}" for k, n in fits.items())
                        + ")"))
        return best

    def _order(self, how) -> str:
        outs = [c for c in self.marked_cols if c.field == "output"]
        if not outs:
            return "HWC"
        if all(c.order for c in outs):
            how.append(("output", ", ".join(f"'{c.header}' {'×'.join(c.order)}" for c in outs)
                        + " (as the header says)"))
            return outs[0].order
        hwc = chw = 0
        for r, col, text in self.cells_of("output"):
            if col.order:
                continue                # the header says the order
            sh, o = read_shape(text).shape, r.output
            if len(sh) == 3:
                hwc += sh == (o.h, o.w, o.c) and sh != (o.c, o.h, o.w)
                chw += sh == (o.c, o.h, o.w) and sh != (o.h, o.w, o.c)
        order = "CHW" if chw > hwc else "HWC"
        how.append(("output", f"{'C×H×W' if order == 'CHW' else 'H×W×C'} "
                              f"({_cells(hwc)} read H×W×C, {chw} C×H×W)"))
        return order

    # marking ------------------------------------------------------------------------------
    def mark(self) -> Result:
        self.match_rows()
        self.conv = self.given_conv or self.decide()
        if self.conv.rounding != "spec" and self.forced(self.conv.rounding) is not None:
            self.use(self.forced(self.conv.rounding))
        self.read_all(self.conv.k_base)
        cells: list[Cell] = []
        pending: list[tuple[Cell, Ctx]] = []
        for i, name, layer, kind in self.rows:
            for col in self.marked_cols:
                cell, ctx = self.mark_cell(i, name, layer, kind, col)
                if cell is None:
                    continue
                cells.append(cell)
                if cell.verdict == "wrong" and ctx is not None:
                    pending.append((cell, ctx))
        self.wrong_so_far = len(pending)
        # After every cell is read: totals, copies and siblings look at the other cells.
        for cell, ctx in (pending if self.diagnosing else []):
            found = diagnose(ctx)
            if found:
                cell.diagnosis = "; ".join(t for _, t in found[:SHOWN])
                cell.diagnoses = [d for d, _ in found]
        res = Result(self.a.network, self.table, self.conv, cells, self.unmatched,
                     [c.header for c in self.cols if c.field == ""])
        if self.diagnosing:
            res.notes += self.sibling_note(cells)
        return res

    def sibling_note(self, cells: list[Cell]) -> list[str]:
        mine = sum(c.verdict == "right" for c in cells)
        best = max(((sum(c.verdict == "right" for c in sc.values()), name)
                    for name, sc in self.siblings()), default=None)
        if best and best[0] > mine:
            return [f"the table fits {best[1]} better than {self.a.network}: {best[0]} cells "
                    f"right against {mine}; are its layers labelled as the wrong variant?"]
        return []

    def mark_cell(self, i: int, name: str, layer: LayerRow | None, kind: str, col: Column):
        text = self.text_at(i, col)
        rd = self.readings[(i, col.index)]
        conv = self.conv
        line = self.table.lines[i]
        if col.field == "output":
            return self.mark_shape(i, name, layer, kind, col, rd, line), None
        if kind == "layer":
            expected = self.truth(layer, col.field, conv, col.header)
            steps = self.steps(layer, conv.bias)
            step = steps.get(col.field) or (explain.activations(layer)
                                            if col.field == "activations" else None)
            working = step.text() if step else ""
            if col.field == "macs" and conv.counts_flops(col.header) and step:
                working = f"FLOPs = 2 × MACs = 2 · {step.value:,} = {expected:,}"
        elif kind == "input":
            expected, working, step = self.input_truth(col.field), "", None
        else:
            step = None
            expected = self.total_truth(col.field, conv, col.header)
            working = (f"the network's total {explain.LABELS.get(col.field, col.field)} "
                       f"({'with' if conv.bias else 'without'} biases)"
                       if col.field == "params" else "the network's total")
            if expected is None:
                return None, None
        cell = Cell(name, col.header, col.field, text.strip(), expected, "right", "",
                    working, line, layer.name if layer else "")
        if expected is None:              # H, W of a vector: nothing to mark unless written
            if rd.blank or rd.na or (rd.final is not None and rd.final.matches(1)):
                return None, None
            cell.verdict, cell.diagnosis = "wrong", "this layer's output is a vector: no H or W"
            return cell, None
        if rd.blank:
            cell.verdict = "missing"
            return cell, None
        if rd.na:
            if expected == 0:
                return cell, None
            cell.verdict, cell.diagnosis = "wrong", f"'{text.strip()}' written, but it is {expected:,}"
            return cell, None
        if rd.error:
            cell.verdict, cell.diagnosis = "wrong", f"cannot read this cell: {rd.error}"
            return cell, None
        how = step.rounding if kind == "layer" and step else ""
        vals = [self._rounded(how, p, v) for p, v in zip(rd.parts, rd.values)]
        if all(v.matches(expected) for v in vals):
            return cell, None
        cell.verdict = "wrong"
        if vals[-1].matches(expected):      # the value is right, the working is not
            cell.diagnosis = (f"the value is right, but the working {rd.parts[0]} gives "
                              f"{_show(vals[0])}")
            return cell, None
        cands = tuple(dict.fromkeys(vals))
        return cell, Ctx(layer, col.field, expected, cands,
                         Reading(rd.text, rd.parts, tuple(vals)), conv, self, name, line,
                         col.header)

    def _rounded(self, how: str, part: str, v: Value) -> Value:
        """A size formula that gives a fraction, rounded as the layer rounds it (``how``:
        "floor" or "ceil") — only where the layer's own formula gives a fraction: elsewhere a
        fraction means the working is wrong."""
        if how and v.exact and v.value.denominator != 1 and not is_plain_number(part):
            f = math.ceil if how == "ceil" else math.floor
            return Value(Fraction(f(v.value)))
        return v

    def mark_shape(self, i, name, layer, kind, col, rd: Reading, line) -> Cell | None:
        if kind == "total":
            return None
        if kind == "input":
            x = self.a.input
            dims = {"H": x.h, "W": x.w, "C": x.c}
            flat = False
        else:
            o = layer.output
            dims = {"H": o.h, "W": o.w, "C": o.c}
            flat = o.flat
        order = rd.order or col.order or self.conv.order
        axes = ("H", "W", "C") if order == "HWC" else ("C", "H", "W")
        expected = f"{dims['C']:,}" if flat else "×".join(str(dims[k]) for k in axes)
        steps = self.steps(layer, self.conv.bias) if layer else {}
        working = "; ".join(steps[k].text() for k in ("H", "W", "C") if k in steps)
        cell = Cell(name, col.header, "output", rd.text, expected, "right", "", working, line,
                    layer.name if layer else "")
        if rd.blank:
            cell.verdict = "missing"
            return cell
        if rd.error:
            cell.verdict, cell.diagnosis = "wrong", f"cannot read this cell: {rd.error}"
            return cell
        sh = rd.shape
        if flat:
            ok = sh in ((dims["C"],), (1, 1, dims["C"]), (dims["C"], 1, 1))
        elif len(sh) == 3:
            ok = sh == tuple(dims[k] for k in axes)
        elif len(sh) == 2:
            ok = sh == (dims["H"], dims["W"])
        else:
            ok = False
        if ok:
            return cell
        cell.verdict = "wrong"
        if len(sh) == 3 and not flat and layer is not None:
            got = dict(zip(axes, sh))
            why = []
            for k in ("H", "W", "C"):
                if got[k] != dims[k]:
                    ctx = Ctx(layer, k, dims[k], (Value(Fraction(got[k])),),
                              Reading(str(got[k])), self.conv, self, name, line, col.header)
                    found = diagnose(ctx)
                    why.append(f"{k} is {dims[k]}, not {got[k]}"
                               + (f" ({found[0][1]})" if found else ""))
            cell.diagnosis = "; ".join(why)
        return cell


def _cells(n: int) -> str:
    return f"{n} cell{'' if n == 1 else 's'}"


def _show(v: Value) -> str:
    x = v.value
    return f"{int(x):,}" if x.denominator == 1 else f"{float(x):,.4g}"


def check(a: Analysis, table: Table, opts: Options = Options(), net=None,
          family: bool = True) -> Result:
    """Mark ``table`` against the analysed network ``a`` (``net``: its graph, for the
    alternatives a diagnosis compares with: another input size and, with ``family``, the
    sibling variants of its spec file)."""
    m = Marker(a, table, opts, net)
    m.family = family
    return m.mark()


# --- rendering -------------------------------------------------------------------------------

MARKS = {"right": "✓", "wrong": "✗", "missing": "·"}


def _expected(c: Cell) -> str:
    return f"{c.expected:,}" if isinstance(c.expected, int) else str(c.expected)


def render_text(res: Result) -> str:
    from tabulate import tabulate

    t = res.table
    out = [f"{t.source}: a {t.fmt.upper() if t.fmt != 'markdown' else 'Markdown'} table "
           f"(line {t.first_line}, {len(t.rows)} rows) marked against {res.network}"]
    if t.others:
        out.append(f"  (the file has {len(t.others) + 1} tables; this is table {t.index}; "
                   "--table N picks another)")
    out.append(f"convention: {res.convention.text()}")
    headers = [""]
    cols: list[str] = []
    for c in res.cells:
        if c.column not in cols:
            cols.append(c.column)
    headers += cols
    grid: dict[tuple[int, str], str] = {}
    rows: dict[int, str] = {}
    for c in res.cells:
        rows.setdefault(c.line, c.row)
        grid[(c.line, c.column)] = MARKS[c.verdict] + (
            f" {_expected(c)}" if c.verdict == "wrong" else "")
    body = [[rows[ln]] + [grid.get((ln, col), "") for col in cols] for ln in rows]
    out += ["", tabulate(body, headers, tablefmt="simple", disable_numparse=True)]
    wrong = [c for c in res.cells if c.verdict == "wrong"]
    if wrong:
        out += ["", "wrong:"]
        for c in wrong:
            out.append(f"  {c.row} {c.column}: {c.given!r} — expected {_expected(c)}")
            if c.working:
                out.append(f"      working: {c.working}")
            if c.diagnosis:
                out.append(f"      diagnosis: {c.diagnosis}")
    missing = [c for c in res.cells if c.verdict == "missing"]
    if missing:
        out += ["", f"missing ({len(missing)} blank cells, not marked wrong): "
                + ", ".join(f"{c.row} {c.column}" for c in missing[:12])
                + (f" and {len(missing) - 12} more" if len(missing) > 12 else "")]
    for line, name, hint in res.unmatched:
        out.append(f"not matched: row '{name}' (line {line}) is not a layer of {res.network}"
                   f"{hint}; its cells are not marked (--by-order matches rows by position)")
    for h in res.unmarked:
        out.append(f"not marked: column '{h}' (--column '{h}=FIELD' maps it to one of "
                   f"{', '.join(FIELDS)})")
    for n in res.notes:
        out.append(f"note: {n}")
    s = res.score()
    out += ["", f"score: {s['right']}/{s['marked']} marked cells right"
                f" ({s['wrong']} wrong, {s['missing']} missing)"]
    return "\n".join(out) + "\n"


def to_dict(res: Result) -> dict:
    """The JSON contract: ``cells`` ({row, column, given, expected, verdict, diagnosis}, …),
    ``convention`` and ``score``."""
    return {
        "network": res.network,
        "answers": res.table.source,
        "cells": [c.as_dict() for c in res.cells],
        "convention": res.convention.as_dict(),
        "score": res.score(),
        "unmatched_rows": [{"row": n, "line": ln} for ln, n, _ in res.unmatched],
        "unmarked_columns": list(res.unmarked),
        "notes": list(res.notes),
    }
