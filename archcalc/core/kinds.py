"""One rule per layer kind, looked up in ``RULES``: a layer kind is defined here, once.

A rule is the whole definition of its kind:

* its attributes (``main``, the value of the kind's own key, and ``attrs``: names, types,
  defaults — the spec loader checks the TOML against this schema); every windowed kind
  (``Windowed``) keeps its kernel, stride, padding and dilation as ``k``, ``s``, ``p``,
  ``dilation``, whatever its TOML calls them (``maxpool = 3`` is the kernel);
* its shape rule and counts (``apply``: output shape, weights, biases, fixed values, MACs,
  buffers, from the pure functions in ``formulas``), its K/S/P text (``geometry``) and its
  window for the receptive field (``rf_window``);
* the facts other modules ask of it instead of keeping lists of kind names: its ``category``
  (one of ``CATEGORIES``), whether it is ``weighted``, whether its output is a ``new_tensor``,
  a pool's reduction (``pooling``), whether its main value counts its outputs;
* its explanation for ``archcalc explain``: ``working`` returns each cell's ``Step`` records
  (``working.py``), which ``homework.explain`` prints.

Outside the core, by the kind's name: its torch builder (``verify/builders.BUILDERS``: torch
stays out of the core), its handling in each counting preset, and its row in the README's
layer-kind table. ``tests/test_kinds.py`` fails for a kind that lacks any of these.
"""

from __future__ import annotations

import math
from collections import Counter

from . import formulas as F
from . import working as W
from .records import Counts, LayerRow, Note, Record, Shape, _set
from .working import Step, Term

REQUIRED = object()


class LayerError(ValueError):
    """A layer cannot be applied to its input (shapes, channel counts); the engine locates it."""


class Attr(Record):
    """One attribute of a layer kind. ``type`` is a key of ``spec.CHECKERS``."""

    __slots__ = ("name", "type", "default", "doc", "store")
    name: str
    type: str
    default: object
    doc: str
    store: str          # the attrs key the value is kept under, when not ``name`` (a pool's
                        # window, written ``maxpool = 3``, is its kernel ``k``)

    def __init__(self, name: str, type: str, default: object = REQUIRED, doc: str = "",
                 store: str = ""):
        _set(self, "name", name)
        _set(self, "type", type)
        _set(self, "default", default)
        _set(self, "doc", doc)
        _set(self, "store", store)

    @property
    def key(self) -> str:
        return self.store or self.name


class Result(Record):
    """What a rule gives for its inputs: the output shape, the counts, the notes."""

    __slots__ = ("shape", "counts", "notes")
    shape: Shape
    counts: Counts
    notes: tuple[Note, ...]

    def __init__(self, shape: Shape, counts: Counts, notes: tuple[Note, ...] = ()):
        _set(self, "shape", shape)
        _set(self, "counts", counts)
        _set(self, "notes", notes)


# What a layer does: every kind is in exactly one category.
CATEGORIES = {
    "convolution": "a learned filter slid over the feature map (conv, dwconv, sepconv)",
    "fully connected": "every output a weighted sum of every input value (fc)",
    "subsampling": "LeNet-5's trainable subsampling: a window sum times a learned coefficient",
    "radial basis": "Euclidean distances to fixed prototypes (LeNet-5's RBF output units)",
    "pooling": "a fixed max or average over windows of each map; no parameters",
    "normalization": "rescales values by statistics of their neighbours or the batch",
    "activation": "a function applied to each value on its own",
    "regularization": "changes training only; the identity at inference (dropout)",
    "reshape": "moves, drops or zero-fills values without arithmetic (flatten, zeropad)",
    "join": "combines two or more branches into one (concat, add, mul)",
    "not counted": ("an operation archcalc has no rule for, kept by `import --skip-unknown` with "
                    "the output shape its source reported; nothing of it is counted (uncounted)"),
    "recalibration": ("squeeze-and-excitation: each channel scaled by a gate that two small fc "
                      "layers compute from the pooled map (se)"),
    "scaling": "multiplies each channel by a learned factor of its own (layer_scale)",
    "embedding": ("learned values put in or added to a transformer's token sequence "
                  "(cls_token, pos_embed)"),
    "attention": ("each token a mix of every token's values, weighted by query–key products "
                  "(mhsa)"),
    "upsampling": "enlarges each map by copying or interpolating its values (upsample)",
}
# The categories whose work is weighted sums counted as MACs: a "weighted layer" as papers
# count depth (VGG-16's 16, LeNet-5's 7, its subsampling and RBF layers included); each with
# the words WEIGHTED_TEXT names it by, which the table's footer prints (a test keeps them in it).
WEIGHTED = {"convolution": "conv", "fully connected": "fc",
            "subsampling": "LeNet-5's subsampling", "radial basis": "RBF units",
            "recalibration": "squeeze-and-excitation's fcs",
            "attention": "attention's projections and products"}
WEIGHTED_TEXT = "conv, fc"
# Weighted categories the footer names only for a network that has them (a DenseNet's footer
# does not speak of LeNet-5's units).
WEIGHTED_WHEN_PRESENT = ("subsampling", "radial basis", "recalibration", "attention")


def weighted_text(kinds=None) -> str:
    """The footer's list of weighted layers: ``WEIGHTED_TEXT``, and the words of each category
    of ``WEIGHTED_WHEN_PRESENT`` that one of ``kinds`` (the network's) belongs to."""
    present = {RULES[k].category for k in kinds or ()}
    extra = [WEIGHTED[c] for c in WEIGHTED_WHEN_PRESENT if c in present]
    return "; ".join([WEIGHTED_TEXT] + extra)


class Rule:
    """Base class: a layer kind with one input and no parameters that keeps its shape."""

    kind = ""
    doc = ""
    category = ""                   # a key of CATEGORIES
    main: Attr | None = None        # the value of the op key itself, e.g. ``conv = 96``
    main_counts_outputs = False     # the main value is the output's channels or units (conv = 96)
    attrs: tuple[Attr, ...] = ()
    arity = 1                       # inputs; 0 means "two or more"
    spatial_input = False           # needs a C×H×W input, not a vector
    new_tensor = True               # its output is a new tensor (False: computed in place,
                                    # the identity at inference, or a view of its input)
    pooling = ""                    # a pooling kind's reduction: "max" or "average"
    windowed = False                # slides a window: attrs k, s, p, dilation (see Windowed)
    buffers_text = ""               # what its buffers are, for the footer (where it has some)

    @property
    def weighted(self) -> bool:
        """Whether the kind's work is weighted sums, counted as MACs (conv, fc, LeNet-5's
        subsampling and RBF units): what "weighted layer" means in depth and bias counts."""
        return self.category in WEIGHTED

    def has_attr(self, name: str) -> bool:
        """Whether the kind takes attribute ``name`` (besides its main value)."""
        return any(a.name == name for a in self.attrs)

    def main_value(self, a: dict):
        """The value written with the kind's own key (``conv = 96`` → 96; ``maxpool = 3`` →
        (3, 3)); ``None`` for a kind that takes none."""
        return None if self.main is None else a[self.main.key]

    def stored(self, a: dict) -> dict:
        """The attributes as the rules read them, from the loader's checked values (by
        ``Attr.key``): the place to complete a kind's schema."""
        return a

    def apply(self, ins: list[Shape], a: dict) -> Result:
        return Result(ins[0], Counts())

    def geometry(self, a: dict) -> str:
        return ""

    def geometry_at(self, a: dict, ins: list[Shape]) -> str:
        """The K/S/P column for these inputs: ``geometry``, where TensorFlow's ``"same"`` padding
        comes out lopsided, with its sides: ``p=same(0,1,0,1)`` (top, bottom, left, right)."""
        g = self.geometry(a)
        if self.windowed and a["p"] == "same" and ins and not ins[0].flat and "p=same" in g:
            t, b, l, r = pad_sides(a, ins[0])
            if t != b or l != r:
                g = g.replace("p=same", f"p=same({t},{b},{l},{r})")
        return g

    def rf_window(self, a: dict, ins: list[Shape]) -> tuple[tuple[int, int, int, int], ...] | None:
        """For the receptive field: per axis (H, W), the (kernel, stride, leading padding,
        dilation) this layer applies, or ``None`` when each output sees its whole input (global
        pooling, fc), or ``"upsampling"`` for a layer that enlarges the map (its outputs' fields
        are not evenly spaced: not computed). The default keeps every position where it is."""
        return ((1, 1, 0, 1), (1, 1, 0, 1))

    def working(self, r: LayerRow, bias: bool) -> list[Step]:
        """The worked arithmetic of every cell of row ``r`` of this kind, as a student writes
        it (``homework.explain`` prints it); ``bias=False`` counts weights only."""
        return W.unexplained(r, bias)

    def check_input(self, ins: list[Shape]) -> None:
        if self.spatial_input and ins[0].flat:
            raise LayerError(f"{self.kind} needs a C×H×W feature map, but its input is a "
                             f"flattened vector of {ins[0].c:,} values")


# --- geometry helpers --------------------------------------------------------------------

def pad_sides(a: dict, x: Shape) -> tuple[int, int, int, int]:
    """A windowed layer's padding as (top, bottom, left, right), resolving ``"same"`` for this
    input."""
    p = a["p"]
    if p == "same":
        (kh, kw), (sh, sw), (dh, dw) = a["k"], a["s"], a["dilation"]
        return F.same_padding(x.h, kh, sh, dh) + F.same_padding(x.w, kw, sw, dw)
    return p


def _rf_axes(a: dict, x: Shape) -> tuple[tuple[int, int, int, int], ...]:
    """(kernel, stride, leading padding, dilation) per axis of a windowed layer."""
    (kh, kw), (sh, sw), (dh, dw) = a["k"], a["s"], a["dilation"]
    top, _, left, _ = pad_sides(a, x)
    return ((kh, sh, top, dh), (kw, sw, left, dw))


def _same_note(name: str, i: int, k: int, s: int, d: int, lo: int, hi: int) -> Note:
    """Why TensorFlow's ``"same"`` padding is lopsided here (only called when it is)."""
    o = -(-i // s)
    kern = F.effective_kernel(k, d)
    return Note("same", (
        f'{name}: TensorFlow "same" padding: output ⌈{i}/{s}⌉ = {o} needs ({o} − 1)·{s} + {kern} '
        f"− {i} = {lo + hi} pixel{'s' if lo + hi != 1 else ''} of padding, an odd number, so "
        f"{lo} before the input and {hi} after (PyTorch's symmetric padding cannot express this)"))


def _axis(name: str, i: int, k: int, s: int, lo: int, hi: int, d: int, ceil: bool) -> int:
    """Output length along one axis."""
    try:
        return F.out_len(i, k, s, lo, hi, d, ceil)
    except ValueError as e:
        raise LayerError(f"{e} along {name}") from None


# How a note names one axis's pixels: H's rows at the bottom, W's columns at the right.
_AXIS_WORDS = {"H": ("row", "rows", "bottom"), "W": ("column", "columns", "right"),
               "H = W": ("row", "rows", "bottom and right")}


def _pixels(label: str, n: int, of: int | None = None, last: bool = False) -> tuple[str, str]:
    """How a note counts pixels along an axis, and the verb that agrees: ``("the last 3 input
    rows", "are")``, ``("28 of the 56 input rows and as many columns", "are")``."""
    one, many, _ = _AXIS_WORDS[label]
    single = n == 1 and of is None
    if last:
        words = "the last input " if single else f"the last {n:,} input "
    else:
        words = f"{n:,}" + (f" of the {of:,}" if of is not None else "") + " input "
    words += one if single else many
    if label == "H = W":
        return words + (" and column" if single else " and as many columns"), "are"
    return words, "is" if single else "are"


def _axis_note(label: str, i: int, k: int, s: int, lo: int, hi: int, d: int, ceil: bool,
               o: int) -> Note | None:
    """What the windows along one axis leave out, when they leave anything: a note of kind
    ``"fraction"`` when the floored output leaves input pixels out that a further window
    would read (``--strict`` refuses it), ``"floor"`` when the rounding loses no input pixel
    (what it leaves out is padding, or pixels the windows skip anyway), ``"ceil"`` for a
    ceil-mode rounding, ``"skip"`` for a whole number whose windows skip pixels (a stride
    larger than the kernel, or a dilation's gaps). Every count is of input pixels that no
    window reads, as tests/test_formulas.py enumerates them."""
    r = F.pixels_left_out(i, k, s, lo, hi, d)
    unread = F.unread_inputs(i, k, s, lo, hi, d, ceil)
    if not r and not unread:
        return None
    side = _AXIS_WORDS[label][2]
    dropped = 0 if ceil else F.dropped_inputs(i, k, s, lo, hi, d)
    parts = []
    named = 0                       # unread pixels the note has counted already
    if r:
        exact = F.out_len_exact(i, k, s, lo, hi, d)
        formula = f"{F.out_len_text(i, k, s, lo, hi, d)} = {F.fraction_text(exact)}"
        how = "ceil mode, as the spec asks" if ceil else "floored, as PyTorch does"
        head = f"{label}: {formula} → {o} ({how})"
        if dropped:
            named = dropped
            if d == 1:
                px, verb = _pixels(label, dropped, last=True)
                parts.append(f"{px} at the {side} {verb} read by no window")
            else:
                px, verb = _pixels(label, dropped)
                parts.append(f"{px} near the {side}, which the dropped last window would "
                             f"read, {verb} read by no window")
            sizes = F.inputs_without_drops(i, k, s, lo, hi, d)
            if sizes:
                parts.append("this layer's nearest input sizes that leave no input pixel out: "
                             + ", ".join(f"{x:,}" for x in sizes))
        elif not ceil and r <= hi:
            pad = "pixel" if hi == 1 else "pixels"
            parts.append(f"only padding is left out: the last window ends {r} pixel"
                         f"{'s' if r != 1 else ''} short of the padded input's end, in the "
                         f"{hi} {pad} of padding at the {side}")
            if unread == 0:
                one = _AXIS_WORDS[label][0]
                parts[-1] += f"; every input {one}{' and column' if label == 'H = W' else ''} is read"
        elif not ceil:
            named = min(r - hi, i)      # the leading padding may be among the r
            px, verb = _pixels(label, named, last=True)
            parts.append(f"{px} at the {side} {verb} read by no window, but a further window "
                         f"would skip {'it' if verb == 'is' else 'them'} too, so the rounding "
                         f"loses no input pixel")
    else:
        head = f"{label}:"
    if unread is None:
        parts.append(f"dilation {d} may leave input pixels that no window reads (not counted: "
                     f"the kernel is too large)")
    elif unread > named:
        px, verb = _pixels(label, unread, i)
        total = " in all" if named else ""
        if d == 1:
            parts.append(f"stride {s} is larger than the kernel {k}, so the windows skip "
                         f"pixels: {px} {verb} read by no window{total}")
        else:
            parts.append(f"dilation {d} leaves gaps between the kernel's taps that stride {s} "
                         f"does not fill: {px} {verb} read by no window{total}")
    kind = ("fraction" if dropped else "ceil" if r and ceil else "floor" if r else "skip")
    sep = ": " if r else " "
    return Note(kind, head + (sep + "; ".join(parts) if parts else ""))


def _window(a: dict, x: Shape, ceil: bool = False) -> tuple[int, int, list[Note]]:
    (kh, kw), (sh, sw), (dh, dw) = a["k"], a["s"], a["dilation"]
    top, bottom, left, right = pad_sides(a, x)
    h = _axis("H", x.h, kh, sh, top, bottom, dh, ceil)
    w = _axis("W", x.w, kw, sw, left, right, dw, ceil)
    # One note when both axes do the same arithmetic, else one per axis.
    same = a.get("p") == "same"
    if (x.h, kh, sh, top, bottom, dh) == (x.w, kw, sw, left, right, dw):
        notes = [_axis_note("H = W", x.h, kh, sh, top, bottom, dh, ceil, h)]
        if same and top != bottom:
            notes.append(_same_note("H = W", x.h, kh, sh, dh, top, bottom))
    else:
        notes = [_axis_note("H", x.h, kh, sh, top, bottom, dh, ceil, h)]
        if same and top != bottom:
            notes.append(_same_note("H", x.h, kh, sh, dh, top, bottom))
        notes.append(_axis_note("W", x.w, kw, sw, left, right, dw, ceil, w))
        if same and left != right:
            notes.append(_same_note("W", x.w, kw, sw, dw, left, right))
    return h, w, [n for n in notes if n]


def _geometry(a: dict, *, pool: bool = False) -> str:
    """``11×11 s4 p0``, ``3×3 s2`` (a pool leaves zero padding out), ``3×3 s1 p2 d2``."""
    (kh, kw), (sh, sw), p, (dh, dw) = a["k"], a["s"], a["p"], a["dilation"]
    parts = [f"{kh}×{kw}", f"s{sh}" if sh == sw else f"s{sh},{sw}"]
    if p == "same":
        parts.append("p=same")
    else:
        text = _pad_text(p, pool)
        if text:
            parts.append(text)
    if (dh, dw) != (1, 1):
        parts.append(f"d{dh}" if dh == dw else f"d{dh},{dw}")
    return " ".join(parts)


def _pad_text(p: tuple[int, int, int, int], pool: bool) -> str:
    """``p1``, ``p1,0`` (H, W) or ``p0,1,0,1`` (top, bottom, left, right); ``""`` for an
    unpadded pool."""
    t, b, l, r = p
    if t == b == l == r:
        return f"p{t}" if t or not pool else ""
    if t == b and l == r:
        return f"p{t},{l}"
    return f"p{t},{b},{l},{r}"


WINDOW = (
    Attr("k", "pair", REQUIRED, "kernel size, K or [Kh, Kw]"),
    Attr("s", "pair", 1, "stride, S or [Sh, Sw]"),
    Attr("p", "padding", 0, 'padding: P, [Ph, Pw], [top, bottom, left, right] or "same"'),
    Attr("dilation", "pair", 1, "dilation, D or [Dh, Dw]"),
)
# What a windowed kind that does not take an attribute of WINDOW stores for it.
WINDOW_FIXED = {"p": (0, 0, 0, 0), "dilation": (1, 1)}


class Windowed(Rule):
    """Base of the kinds that slide a window. Each stores its window under the same names —
    kernel ``k``, stride ``s``, padding ``p`` (top, bottom, left, right, or ``"same"``) and
    ``dilation`` — whatever its TOML calls them (``maxpool = 3`` is the kernel) and whichever it
    takes (a kind without padding stores none, ``p = (0, 0, 0, 0)``)."""

    windowed = True
    spatial_input = True
    shows_zero_padding = True       # the K/S/P column writes ``p0`` (a conv; not a pool)

    def stored(self, a):
        return a | {k: v for k, v in WINDOW_FIXED.items() if k not in a}

    def rf_window(self, a, ins):
        return _rf_axes(a, ins[0])

    def geometry(self, a):
        return _geometry(a, pool=not self.shows_zero_padding)

    def window_steps(self, r: LayerRow) -> list[Step]:
        """The working of H and W."""
        return W.window_steps(r, pad_sides(r.attrs, r.input_shapes[0]))


# --- the rules ---------------------------------------------------------------------------

class Conv(Windowed):
    kind = "conv"
    category = "convolution"
    main_counts_outputs = True
    doc = "2-D convolution"
    main = Attr("conv", "count", REQUIRED, "number of output channels (filters)")
    attrs = WINDOW + (
        Attr("groups", "count", 1, "channel groups (AlexNet's two GPUs: 2)"),
        Attr("bias", "bool", True, "one bias per filter"),
        Attr("connections", "connections", None,
             "for each output map, the input maps it sees (LeNet-5's C3 table)"),
        Attr("bn", "bool", False, "append a batch-norm row after this conv"),
    )

    def apply(self, ins, a):
        x = ins[0]
        c_out, g, conn = self.main_value(a), a["groups"], a["connections"]
        (kh, kw) = a["k"]
        if conn is not None:
            if g != 1:
                raise LayerError("a connection table and groups cannot be combined")
            if len(conn) != c_out:
                raise LayerError(f"the connection table has {len(conn)} rows, one per output "
                                 f"map, but the layer has {c_out} output maps")
            for j, row in enumerate(conn):
                bad = [i for i in row if i >= x.c]
                if bad:
                    raise LayerError(f"connections[{j}] names input map {bad[0]}, but the input "
                                     f"has only {x.c} maps (0 … {x.c - 1})")
        elif x.c % g or c_out % g:
            raise LayerError(f"groups = {g} must divide both the input channels ({x.c}) and "
                             f"the output channels ({c_out})")
        h, w, notes = _window(a, x)
        if conn is not None:
            fan = [len(r) for r in conn]
            weights = F.partial_conv_weights(fan, kh, kw)
            macs = h * w * weights
        else:
            weights = F.conv_weights(x.c, c_out, kh, kw, g)
            macs = F.conv_macs(h, w, x.c, c_out, kh, kw, g)
        biases = c_out if a["bias"] else 0
        return Result(Shape(c_out, h, w), Counts(weights, biases, 0, macs), tuple(notes))

    def geometry(self, a):
        g = _geometry(a) + (f" g{a['groups']}" if a["groups"] != 1 else "")
        return g + " partial" if a["connections"] is not None else g

    def working(self, r, bias):
        a, x, o = r.attrs, r.input_shapes[0], r.output
        kh, kw = a["k"]
        g, conn = a["groups"], a["connections"]
        steps = self.window_steps(r)
        steps.append(W.same("C", o.c, "one output map per filter"))
        if conn is not None:
            fan = Counter(len(row) for row in conn)
            inner = " + ".join(f"{f}·{n}" for f, n in sorted(fan.items()))
            w_expr = f"{kh}·{kw}·({inner})"
            macs_expr = f"{o.h}·{o.w} · {w_expr}"
            seen = ", ".join(f"{n} see{'s' if n == 1 else ''} {f}"
                             for f, n in sorted(fan.items()))
            why_w = f"LeNet's connection table: of the {o.c} maps, {seen} input maps"
            weights = [Term(w_expr, r.counts.weights, "weights")]
            p = W.params(r, weights, W.exact(o.c), "biases", bias)
            p = Step(p.field, p.terms, p.value, why_w + (f"; {p.why}" if p.why else ""))
            return steps + [p, Step("macs", (Term(macs_expr, r.counts.macs),), r.counts.macs,
                                    "one MAC per weight per output position")]
        cin = W.exact(x.c) if g == 1 else f"({x.c}/{g})"
        weights = [Term(W.dot(kh, kw, cin, o.c), r.counts.weights, "weights")]
        return steps + [
            W.params(r, weights, W.exact(o.c), "biases", bias),
            Step("macs", (Term(f"{W.dot(o.h, o.w, o.c)} · {W.dot(kh, kw, cin)}",
                               r.counts.macs),),
                 r.counts.macs, f"{g} groups: each filter sees {x.c // g} of the {x.c} input "
                 "maps" if g != 1 else ""),
        ]


class PointwiseConv(Conv):
    """A conv with a 1×1 kernel, named: MobileNet's and ShuffleNet's channel mixing."""

    kind = "pwconv"
    doc = ("pointwise convolution: a conv with a 1×1 kernel, no padding (MobileNet's expansion "
           "and projection, ShuffleNet's grouped 1×1)")
    main = Attr("pwconv", "count", REQUIRED, "number of output channels (filters)")
    attrs = (
        Attr("s", "pair", 1, "stride, S or [Sh, Sw]"),
        Attr("groups", "count", 1, "channel groups (ShuffleNet v1's grouped 1×1: 3, 8, …)"),
        Attr("bias", "bool", True, "one bias per filter"),
        Attr("bn", "bool", False, "append a batch-norm row after this conv"),
    )

    def stored(self, a):
        return super().stored(a | {"k": (1, 1), "connections": None})


class DepthwiseConv(Windowed):
    kind = "dwconv"
    category = "convolution"
    doc = ("depthwise convolution: each input map convolved with its own filters "
           "(a conv with groups = input channels)")
    main = Attr("dwconv", "count", 1, "depth multiplier: filters per input map")
    attrs = WINDOW + (
        Attr("bias", "bool", True, "one bias per output map"),
        Attr("bn", "bool", False, "append a batch-norm row after this conv"),
    )

    def apply(self, ins, a):
        x = ins[0]
        m, (kh, kw) = a["dwconv"], a["k"]
        h, w, notes = _window(a, x)
        c_out = x.c * m
        # A grouped conv with one group per input map (groups = C_in, C_in·m filters).
        return Result(Shape(c_out, h, w),
                      Counts(F.conv_weights(x.c, c_out, kh, kw, x.c), c_out if a["bias"] else 0,
                             0, F.conv_macs(h, w, x.c, c_out, kh, kw, x.c)), tuple(notes))

    def geometry(self, a):
        g = _geometry(a) + " dw"
        return g if a["dwconv"] == 1 else f"{g}×{a['dwconv']}"

    def working(self, r, bias):
        a, x, o = r.attrs, r.input_shapes[0], r.output
        kh, kw = a["k"]
        m = a["dwconv"]
        cm = W.exact(x.c) if m == 1 else f"{x.c}·{m}"
        return self.window_steps(r) + [
            W.same("C", o.c, "depthwise: each input map gets its own filter" if m == 1 else
                   f"depthwise: each input map gets {m} filters of its own"),
            W.params(r, [Term(W.dot(kh, kw, cm), r.counts.weights, "weights")], cm, "biases",
                     bias),
            Step("macs", (Term(f"{W.dot(o.h, o.w, cm)} · {W.dot(kh, kw)}", r.counts.macs),),
                 r.counts.macs),
        ]


class SeparableConv(Windowed):
    kind = "sepconv"
    category = "convolution"
    main_counts_outputs = True
    doc = ("depthwise-separable convolution in one row (Keras SeparableConv2D): a depthwise "
           "K×K conv, then a pointwise 1×1 conv to the output channels, nothing between")
    main = Attr("sepconv", "count", REQUIRED, "number of output channels (pointwise filters)")
    attrs = WINDOW + (
        Attr("mult", "count", 1, "depth multiplier of the depthwise part"),
        Attr("bias", "bool", True, "one bias per output channel (after the pointwise part)"),
        Attr("bn", "bool", False, "append a batch-norm row after this conv"),
    )

    def apply(self, ins, a):
        x = ins[0]
        c_out, m, (kh, kw) = a["sepconv"], a["mult"], a["k"]
        h, w, notes = _window(a, x)
        return Result(Shape(c_out, h, w),
                      Counts(F.separable_weights(x.c, c_out, kh, kw, m),
                             c_out if a["bias"] else 0, 0,
                             F.separable_macs(h, w, x.c, c_out, kh, kw, m)), tuple(notes))

    def geometry(self, a):
        g = _geometry(a) + " dw"
        g = g if a["mult"] == 1 else f"{g}×{a['mult']}"
        return g + " + 1×1"

    def working(self, r, bias):
        a, x, o = r.attrs, r.input_shapes[0], r.output
        kh, kw = a["k"]
        m = a["mult"]
        cm = W.exact(x.c) if m == 1 else f"{x.c}·{m}"
        dw = F.depthwise_weights(x.c, kh, kw, m)
        weights = [Term(W.dot(kh, kw, cm), dw, "depthwise weights"),
                   Term(W.dot(cm, o.c), r.counts.weights - dw, "pointwise weights")]
        return self.window_steps(r) + [
            W.same("C", o.c, "one output map per pointwise filter"),
            W.params(r, weights, W.exact(o.c), "biases", bias),
            Step("macs", (Term(f"{W.dot(o.h, o.w, cm)} · ({kh}·{kw} + {W.exact(o.c)})",
                               r.counts.macs),),
                 r.counts.macs, "depthwise then pointwise, at every output position"),
        ]


class TransposedConv(Windowed):
    kind = "tconv"
    category = "convolution"
    main_counts_outputs = True
    doc = ("transposed convolution (\"up-convolution\", PyTorch's nn.ConvTranspose2d): each input "
           "value scattered through a K×K filter at stride S; output (I − 1)·S − P_lo − P_hi + "
           "D·(K − 1) + output_padding + 1")
    main = Attr("tconv", "count", REQUIRED, "number of output channels (filters)")
    attrs = WINDOW + (
        Attr("output_padding", "pair0", 0, "extra rows and columns at the bottom and right "
             "(PyTorch's output_padding: smaller than the stride or the dilation)"),
        Attr("groups", "count", 1, "channel groups"),
        Attr("bias", "bool", True, "one bias per filter"),
    )

    def apply(self, ins, a):
        x = ins[0]
        c_out, g = a["tconv"], a["groups"]
        (kh, kw), (sh, sw), (dh, dw), (oh, ow) = a["k"], a["s"], a["dilation"], a["output_padding"]
        if a["p"] == "same":
            raise LayerError('tconv takes explicit padding, not "same"')
        if x.c % g or c_out % g:
            raise LayerError(f"groups = {g} must divide both the input channels ({x.c}) and "
                             f"the output channels ({c_out})")
        for name, o, s, d in (("H", oh, sh, dh), ("W", ow, sw, dw)):
            if o >= max(s, d):
                raise LayerError(f"output_padding {o} along {name} must be smaller than the "
                                 f"stride {s} or the dilation {d} (PyTorch's rule)")
        top, bottom, left, right = a["p"]
        h = F.tconv_out_len(x.h, kh, sh, top, bottom, dh, oh)
        w = F.tconv_out_len(x.w, kw, sw, left, right, dw, ow)
        if h < 1 or w < 1:
            raise LayerError(f"the output would be {h}×{w}: the padding removes more than the "
                             "transposed convolution makes")
        weights = F.conv_weights(x.c, c_out, kh, kw, g)
        # one MAC per weight per *input* position: each input value is multiplied by the whole
        # filter (the output positions a filter tap reaches are not all of them)
        macs = x.h * x.w * weights
        return Result(Shape(c_out, h, w), Counts(weights, c_out if a["bias"] else 0, 0, macs))

    def geometry(self, a):
        g = _geometry(a)
        op = a["output_padding"]
        if op != (0, 0):
            g += f" op{op[0]}" if op[0] == op[1] else f" op{op[0]},{op[1]}"
        return g + (f" g{a['groups']}" if a["groups"] != 1 else "")

    def rf_window(self, a, ins):
        return "upsampling"

    def working(self, r, bias):
        a, x, o = r.attrs, r.input_shapes[0], r.output
        (kh, kw), (sh, sw), (dh, dw), (oh, ow) = a["k"], a["s"], a["dilation"], a["output_padding"]
        top, bottom, left, right = a["p"]
        g = a["groups"]
        cin = W.exact(x.c) if g == 1 else f"({x.c}/{g})"

        def axis(field, i, k, s, lo, hi, d, op, out):
            expr = f"({i} − 1)·{s} − {lo} − {hi} + {d}·({k} − 1) + {op} + 1"
            return Step(field, (Term(expr, out),), out, "")

        return [
            axis("H", x.h, kh, sh, top, bottom, dh, oh, o.h),
            axis("W", x.w, kw, sw, left, right, dw, ow, o.w),
            W.same("C", o.c, "one output map per filter"),
            W.params(r, [Term(W.dot(kh, kw, cin, o.c), r.counts.weights, "weights")],
                     W.exact(o.c), "biases", bias),
            Step("macs", (Term(f"{W.dot(x.h, x.w)} · {W.dot(kh, kw, cin, o.c)}",
                               r.counts.macs),), r.counts.macs,
                 "one MAC per weight per input position"),
        ]


class Upsample(Rule):
    kind = "upsample"
    category = "upsampling"
    spatial_input = True
    doc = ("upsampling by an integer factor (PyTorch's nn.Upsample): nearest copies each value "
           "into an S×S block, bilinear interpolates between the four nearest; no parameters")
    main = Attr("upsample", "pair", REQUIRED, "scale factor S or [Sh, Sw]")
    attrs = (Attr("mode", "text", "nearest", 'how: "nearest" or "bilinear"'),)
    MODES = ("nearest", "bilinear")

    def apply(self, ins, a):
        x, (sh, sw) = ins[0], a["upsample"]
        if a["mode"] not in self.MODES:
            raise LayerError(f"upsample's mode = \"{a['mode']}\" is not one of "
                             + ", ".join(self.MODES))
        return Result(Shape(x.c, x.h * sh, x.w * sw), Counts())

    def geometry(self, a):
        sh, sw = a["upsample"]
        return f"×{sh} {a['mode']}" if sh == sw else f"×{sh},{sw} {a['mode']}"

    def rf_window(self, a, ins):
        return "upsampling"

    def working(self, r, bias):
        x, o = r.input_shapes[0], r.output
        sh, sw = r.attrs["upsample"]
        return [Step("H", (Term(f"{x.h}·{sh}", o.h),), o.h),
                Step("W", (Term(f"{x.w}·{sw}", o.w),), o.w),
                W.same("C", o.c, "each map upsampled on its own")] + W.none(
            "upsampling has no parameters; its interpolation is not counted as MACs")


class Crop(Rule):
    kind = "crop"
    category = "reshape"
    new_tensor = False              # a view of its input (a slice)
    spatial_input = True
    doc = ("the centre H×W of each map (U-Net's \"copy and crop\": the border a valid "
           "convolution loses is cut off so that the maps can be concatenated); a view")
    main = Attr("crop", "pair", REQUIRED, "output size H or [H, W]")

    def apply(self, ins, a):
        x, (h, w) = ins[0], a["crop"]
        if h > x.h or w > x.w:
            raise LayerError(f"crop = {h}×{w} is larger than the input's {x.h}×{x.w}")
        return Result(Shape(x.c, h, w), Counts())

    def geometry(self, a):
        h, w = a["crop"]
        return f"centre {h}×{w}" if h != w else f"centre {h}"

    def rf_window(self, a, ins):
        x, (h, w) = ins[0], a["crop"]
        return ((1, 1, -((x.h - h) // 2), 1), (1, 1, -((x.w - w) // 2), 1))

    def working(self, r, bias):
        x, o = r.input_shapes[0], r.output
        return [W.same("H", o.h, f"the centre {o.h} of {x.h} rows: {(x.h - o.h) // 2} cut at "
                       f"the top, {x.h - o.h - (x.h - o.h) // 2} at the bottom"),
                W.same("W", o.w, f"the centre {o.w} of {x.w} columns"),
                W.same("C", o.c, "a crop keeps the channels")] + W.none(
            "a crop is a view: no parameters, no arithmetic")


class Pool(Windowed):
    category = "pooling"
    shows_zero_padding = False
    attrs = (
        Attr("s", "pair", REQUIRED, "stride (required: PyTorch defaults it to K, Caffe to 1)"),
        Attr("p", "padding", 0, "padding, at most half the kernel"),
        Attr("ceil", "bool", False, "round the output size up (Caffe; PyTorch ceil_mode)"),
    )

    def apply(self, ins, a):
        x = ins[0]
        if a["p"] != "same":
            (kh, kw), (t, b, l, r) = a["k"], a["p"]
            if max(t, b) > kh // 2 or max(l, r) > kw // 2:
                raise LayerError(f"padding {a['p']} is more than half the kernel "
                                 f"{kh}×{kw}; PyTorch refuses it")
        h, w, notes = _window(a, x, a["ceil"])
        return Result(Shape(x.c, h, w), Counts(), tuple(notes))

    def geometry(self, a):
        return super().geometry(a) + (" ceil" if a["ceil"] else "")

    def working(self, r, bias):
        return (self.window_steps(r)
                + [W.same("C", r.output.c, "pooling keeps the channels")]
                + W.none("pooling has no parameters; its operations are not MACs"))


class MaxPool(Pool):
    kind = "maxpool"
    pooling = "max"
    doc = "max pooling (no parameters; channels kept)"
    main = Attr("maxpool", "pair", REQUIRED, "window size, K or [Kh, Kw]", store="k")
    attrs = Pool.attrs + (Attr("dilation", "pair", 1, "dilation"),)


class AvgPool(Pool):
    kind = "avgpool"
    pooling = "average"
    doc = "average pooling (no parameters; channels kept)"
    main = Attr("avgpool", "pair", REQUIRED, "window size, K or [Kh, Kw]", store="k")


class Subsample(Windowed):
    kind = "subsample"
    category = "subsampling"
    doc = ("LeNet-5's trainable subsampling: each map's window sum times one trainable "
           "coefficient, plus one trainable bias")
    main = Attr("subsample", "pair", REQUIRED, "window size", store="k")
    attrs = (Attr("s", "pair", REQUIRED, "stride"),)
    shows_zero_padding = False

    def apply(self, ins, a):
        x = ins[0]
        h, w, notes = _window(a, x)
        kh, kw = a["k"]
        # The shared coefficient multiplies every input of the window: kh·kw MACs per output,
        # as in a depthwise conv whose weights are tied (LeCun's connections = MACs + biases).
        return Result(Shape(x.c, h, w), Counts(x.c, x.c, 0, h * w * x.c * kh * kw), tuple(notes))

    def working(self, r, bias):
        o = r.output
        kh, kw = r.attrs["k"]
        return self.window_steps(r) + [
            W.same("C", o.c, "subsampling keeps the maps"),
            W.params(r, [Term(W.exact(o.c), r.counts.weights, "coefficients")], W.exact(o.c),
                     "biases", bias),
            Step("macs", (Term(f"{W.dot(o.h, o.w, o.c)} · {W.dot(kh, kw)}", r.counts.macs),),
                 r.counts.macs, "each window's inputs times the map's coefficient"),
        ]



class AdaptiveAvgPool(Rule):
    kind = "adaptive_avgpool"
    category = "pooling"
    pooling = "average"
    doc = "adaptive average pooling to a fixed output size (torchvision's AlexNet and VGG)"
    main = Attr("adaptive_avgpool", "pair", REQUIRED, "output size, O or [Oh, Ow]")
    spatial_input = True

    def apply(self, ins, a):
        oh, ow = a["adaptive_avgpool"]
        return Result(Shape(ins[0].c, oh, ow), Counts())

    def rf_window(self, a, ins):
        # PyTorch's window i spans ⌊i·I/O⌋ … ⌈(i+1)·I/O⌉ − 1: the stride is ⌊I/O⌋ where O
        # divides I and the widest window bounds the field otherwise.
        return tuple((F.adaptive_window_max(n, o), max(n // o, 1), 0, 1)
                     for n, o in ((ins[0].h, a["adaptive_avgpool"][0]),
                                  (ins[0].w, a["adaptive_avgpool"][1])))

    def geometry(self, a):
        oh, ow = a["adaptive_avgpool"]
        return f"→{oh}×{ow}"

    def working(self, r, bias):
        why = "adaptive pooling: the output size is fixed by the layer"
        return ([W.same("H", r.output.h, why), W.same("W", r.output.w, why),
                 W.same("C", r.output.c, "pooling keeps the channels")]
                + W.none("pooling has no parameters"))


class GlobalAvgPool(Rule):
    kind = "gap"
    category = "pooling"
    pooling = "average"
    doc = "global average pooling: every map to one value"
    spatial_input = True

    def rf_window(self, a, ins):
        return None

    def apply(self, ins, a):
        return Result(Shape(ins[0].c, 1, 1), Counts())

    def working(self, r, bias):
        why = "global pooling: one value per map"
        return ([W.same("H", 1, why), W.same("W", 1, why),
                 W.same("C", r.output.c, "pooling keeps the channels")]
                + W.none("pooling has no parameters"))


class ZeroPad(Rule):
    kind = "zeropad"
    category = "reshape"
    main_counts_outputs = True
    doc = ("the parameter-free shortcut of ResNet's option A and PyramidNet: keep every s-th "
           "row and column (x[:, ::s, ::s]) and append zero channels up to the output width")
    main = Attr("zeropad", "count", REQUIRED, "output channels (at least the input's)")
    attrs = (Attr("s", "pair", 1, "subsampling stride, S or [Sh, Sw]"),)
    spatial_input = True

    def apply(self, ins, a):
        x, c = ins[0], a["zeropad"]
        if c < x.c:
            raise LayerError(f"zeropad can only add channels: {c} output channels is fewer than "
                             f"the input's {x.c}")
        (sh, sw) = a["s"]
        return Result(Shape(c, F.subsampled_len(x.h, sh), F.subsampled_len(x.w, sw)), Counts())

    def rf_window(self, a, ins):
        (sh, sw) = a["s"]
        return ((1, sh, 0, 1), (1, sw, 0, 1))

    def geometry(self, a):
        sh, sw = a["s"]
        return "" if (sh, sw) == (1, 1) else (f"s{sh}" if sh == sw else f"s{sh},{sw}")

    def geometry_at(self, a, ins):
        g = self.geometry(a)
        grow = f"+{a['zeropad'] - ins[0].c} ch" if ins and a["zeropad"] != ins[0].c else ""
        return " ".join(x for x in (g, grow) if x)

    def working(self, r, bias):
        x, o = r.input_shapes[0], r.output
        sh, sw = r.attrs["s"]
        steps = []
        for field, i, st, out in (("H", x.h, sh, o.h), ("W", x.w, sw, o.w)):
            if st == 1:
                steps.append(W.same(field, out, "kept: stride 1"))
            elif i % st == 0:
                steps.append(Step(field, (Term(f"{i}/{st}", out),), out, f"one pixel in {st}"))
            else:
                from fractions import Fraction      # rare: not on every table's path
                steps.append(Step(field, (Term(f"{i}/{st}", out),), out,
                                  f"one pixel in {st}, from the first", "ceil",
                                  F.fraction_text(Fraction(i, st))))
        grow = o.c - x.c
        c = (Term(f"{W.exact(x.c)} + {W.exact(grow)}", o.c) if grow else Term(W.exact(o.c), o.c))
        steps.append(Step("C", (c,), o.c, f"the input's {x.c} channels and {grow} zero channels"
                          if grow else "the input's channels"))
        return steps + W.none("a zero-padding shortcut has no parameters")


class LRN(Rule):
    kind = "lrn"
    category = "normalization"
    doc = "local response normalization across channels (no parameters)"
    main = Attr("lrn", "count", 5, "number of neighbouring channels, n")
    attrs = (
        Attr("alpha", "number", 1e-4, "α"),
        Attr("beta", "number", 0.75, "β"),
        Attr("offset", "number", 1.0, "the additive constant (k in the AlexNet paper)"),
    )

    def geometry(self, a):
        return f"n{a['lrn']}"

    def working(self, r, bias):
        return W.keeps(r, "normalization")


class BatchNorm(Rule):
    kind = "bn"
    category = "normalization"
    doc = ("batch normalization: a scale γ and a shift β per channel (2·C trainable); its running "
           "mean and variance (2·C) are buffers, not parameters")
    buffers_text = ("batch norm's running mean and variance, 2·C per layer (torch's "
                    "num_batches_tracked, one integer per layer, is not counted)")
    attrs = (Attr("eps", "number", 1e-5, "ε"),)

    def apply(self, ins, a):
        c = ins[0].c
        return Result(ins[0], Counts(weights=c, biases=c, buffers=2 * c))

    def working(self, r, bias):
        c = r.output.c
        return W.shape_kept(r, "batch norm keeps the shape") + [
            W.params(r, [Term(W.exact(c), r.counts.weights, "scales γ")], W.exact(c),
                     "shifts β", bias),
            W.same("macs", r.counts.macs, "normalization is not counted as MACs"),
        ] + ([Step("buffers", (Term(f"2·{W.exact(c)}", r.counts.buffers,
                                    "running means and variances"),),
                   r.counts.buffers, "buffers, not parameters")] if r.counts.buffers else [])


class Activation(Rule):
    category = "activation"
    new_tensor = False              # applied in place (softmax: the count stops at the logits)

    def __init__(self, kind: str, doc: str, word: str = "an activation"):
        self.kind, self.doc, self.word = kind, doc, word

    def working(self, r, bias):
        return W.keeps(r, self.word)


class Dropout(Rule):
    kind = "dropout"
    doc = "dropout (identity at inference)"
    category = "regularization"
    new_tensor = False
    main = Attr("dropout", "number", 0.5, "drop probability")

    def working(self, r, bias):
        return W.keeps(r, "dropout")


class Uncounted(Rule):
    """An operation of an imported model that archcalc has no rule for (``archcalc import
    --skip-unknown``): the source's output shape, written as ``c``, ``h``, ``w`` (each left out
    where it is the input's) or ``c`` with ``flat`` for a vector; no parameters, no MACs. The
    row says so in its note and the spec's notes name it in the footer: a total that leaves it
    out is not passed off as the model's."""

    kind = "uncounted"
    doc = ("an operation archcalc cannot count, kept by import --skip-unknown: the output shape "
           "its source reported, and no parameters or MACs counted")
    category = "not counted"
    main = Attr("uncounted", "text", REQUIRED, "the source's name for the operation (GELU)")
    attrs = (Attr("c", "count", None, "output channels (or values, with flat); default: the "
                                      "input's"),
             Attr("h", "count", None, "output height; default: the input's"),
             Attr("w", "count", None, "output width; default: the input's"),
             Attr("flat", "bool", False, "the output is a vector of c values"))

    def apply(self, ins, a):
        x = ins[0]
        if a["flat"]:
            return Result(Shape(a["c"] if a["c"] is not None else x.elements, flat=True),
                          Counts())
        if x.flat and (a["h"] is None or a["w"] is None):
            return Result(Shape(a["c"] if a["c"] is not None else x.c, flat=True), Counts())
        pick = lambda key, own: own if a[key] is None else a[key]  # noqa: E731
        return Result(Shape(pick("c", x.c), pick("h", x.h), pick("w", x.w)), Counts())

    def working(self, r, bias):
        o = r.output
        why = (f"{r.attrs['uncounted']} has no rule in archcalc: its output shape is the source "
               "model's, and its parameters and operations are not counted")
        return ([W.same("C", o.c, why)]
                + ([] if o.flat else [W.same("H", o.h, why), W.same("W", o.w, why)])
                + W.none(why))


class Flatten(Rule):
    kind = "flatten"
    doc = "C×H×W to a vector of C·H·W values"
    category = "reshape"
    new_tensor = False              # a view of its input

    def apply(self, ins, a):
        return Result(Shape(ins[0].elements, flat=True), Counts())

    def working(self, r, bias):
        x = r.input_shapes[0]
        return [Step("C", (Term(W.dot(x.h, x.w, x.c), r.output.c),), r.output.c,
                     "H·W·C of the input, as one vector")] + W.none("flatten has no parameters")


def _flatten_note(kind: str, x: Shape, n_out: int) -> tuple[Note, ...]:
    """An fc (or RBF) on a C×H×W map with H·W > 1 reads it as C·H·W values, an implicit
    flatten; the frameworks that act on the last axis instead count otherwise. (A C×1×1 map is
    its C values whichever way it is read: no note.)"""
    if x.flat or x.h * x.w == 1:
        return ()
    return (Note("flatten", (
        f"{kind} reads its {x} input as {x.elements:,} values: an implicit flatten (as Caffe's "
        f"InnerProduct does). Without a flatten before it, PyTorch's nn.Linear acts on the last "
        f"axis only (W = {x.w}: {x.c}×{x.h}×{n_out:,} outputs from {x.w}·{n_out:,} weights) "
        f"and Keras's Dense on the channels of each position ({x.h}×{x.w}×{n_out:,} outputs from "
        f"{x.c}·{n_out:,} weights); write \"flatten\" before the {kind} to make it explicit")),)


class FullyConnected(Rule):
    kind = "fc"
    category = "fully connected"
    main_counts_outputs = True
    doc = "fully connected (linear) layer; a C×H×W input is read as C·H·W values"
    main = Attr("fc", "count", REQUIRED, "number of outputs")
    attrs = (Attr("bias", "bool", True, "one bias per output"),)

    def rf_window(self, a, ins):
        return None

    def apply(self, ins, a):
        n_in, n_out = ins[0].elements, a["fc"]
        return Result(Shape(n_out, flat=True),
                      Counts(F.fc_weights(n_in, n_out), n_out if a["bias"] else 0, 0,
                             F.fc_macs(n_in, n_out)), _flatten_note("fc", ins[0], n_out))

    def working(self, r, bias):
        o = r.output.c
        n_in = W.n_in(r.input_shapes[0])
        return [
            W.same("C", o, "one per output unit"),
            W.params(r, [Term(W.dot(n_in, o), r.counts.weights, "weights")], W.exact(o),
                     "biases", bias),
            Step("macs", (Term(W.dot(n_in, o), r.counts.macs),), r.counts.macs,
                 "one MAC per weight"),
        ]


class RBF(Rule):
    kind = "rbf"
    category = "radial basis"
    main_counts_outputs = True
    doc = ("Euclidean radial basis function units (LeNet-5's output): each unit's N_in "
           "prototype values are fixed, not trained")
    main = Attr("rbf", "count", REQUIRED, "number of units")

    def rf_window(self, a, ins):
        return None

    def apply(self, ins, a):
        n_in, n_out = ins[0].elements, a["rbf"]
        # y_j = Σ_i (x_i − w_ij)²: one subtract-and-square-accumulate per prototype value.
        return Result(Shape(n_out, flat=True), Counts(fixed=n_in * n_out, macs=n_in * n_out),
                      _flatten_note("rbf", ins[0], n_out))

    def working(self, r, bias):
        o = r.output.c
        n_in = W.n_in(r.input_shapes[0])
        return [
            W.same("C", o, "one per RBF unit"),
            W.same("params", 0, "the prototypes are fixed, not trained"),
            Step("fixed", (Term(W.dot(n_in, o), r.counts.fixed, "fixed prototype values"),),
                 r.counts.fixed),
            Step("macs", (Term(W.dot(n_in, o), r.counts.macs),), r.counts.macs,
                 "one squared difference per prototype value"),
        ]


class ChannelShuffle(Rule):
    kind = "shuffle"
    category = "reshape"
    doc = ("channel shuffle (ShuffleNet): the channels, read as G groups of C/G, are interleaved "
           "so that each group of the next grouped conv sees every group of this one")
    main = Attr("shuffle", "count", REQUIRED, "groups G (G must divide the channels)")
    spatial_input = True            # a new tensor: torch's view–transpose–reshape copies

    def apply(self, ins, a):
        x, g = ins[0], a["shuffle"]
        if x.c % g:
            raise LayerError(f"shuffle = {g} groups must divide the input's {x.c} channels")
        return Result(x, Counts())

    def geometry(self, a):
        return f"g{a['shuffle']}"

    def working(self, r, bias):
        g = r.attrs["shuffle"]
        return (W.shape_kept(r, f"the same {r.output.c} channels in another order: "
                                f"{g} groups of {r.output.c // g}, interleaved")
                + W.none("a permutation has no parameters and no arithmetic"))


class ChannelSplit(Rule):
    kind = "split"
    category = "reshape"
    new_tensor = False              # a view of its input (torch's chunk)
    doc = ("one of G equal parts of the channels (ShuffleNet v2's channel split, torch's "
           "x.chunk(G, dim=1)[part]): a view, no arithmetic")
    main = Attr("split", "count", REQUIRED, "parts G (G must divide the channels)")
    attrs = (Attr("part", "count0", 0, "which part, from 0"),)

    def apply(self, ins, a):
        x, g, part = ins[0], a["split"], a["part"]
        if x.c % g:
            raise LayerError(f"split = {g} parts must divide the input's {x.c} channels")
        if part >= g:
            raise LayerError(f"part = {part} is not one of the {g} parts (0 … {g - 1})")
        return Result(Shape(x.c // g, x.h, x.w, x.flat), Counts())

    def geometry(self, a):
        return f"{a['part'] + 1}/{a['split']}"

    def working(self, r, bias):
        x, g, part = r.input_shapes[0], r.attrs["split"], r.attrs["part"]
        c = r.output.c
        return W.kept_hw(r, "a split keeps the size") + [
            Step("C", (Term(f"{W.exact(x.c)}/{g}", c),), c,
                 f"part {part + 1} of {g}: channels {part * c} … {(part + 1) * c - 1}"),
        ] + W.none("a split is a view: no parameters, no arithmetic")


class SqueezeExcitation(Rule):
    kind = "se"
    category = "recalibration"
    doc = ("squeeze-and-excitation (Hu et al. 2018) in one row: global average pooling, an fc "
           "C → R (a 1×1 conv with biases), an activation, an fc R → C, a gate, and each channel "
           "of the input multiplied by its gate; its own reduction R is the main value")
    main = Attr("se", "count", REQUIRED, "squeezed channels R (the reduction: C/16 in SENet, "
                "C/4 rounded to 8 in MobileNet v3)")
    attrs = (
        Attr("act", "text", "relu", "activation between the fcs: relu or silu"),
        Attr("gate", "text", "sigmoid", "the gate: sigmoid or hardsigmoid"),
        Attr("bias", "bool", True, "biases on both fcs"),
    )
    spatial_input = True
    ACTS = ("relu", "silu")
    GATES = ("sigmoid", "hardsigmoid")

    def apply(self, ins, a):
        x, r = ins[0], a["se"]
        for key, allowed in (("act", self.ACTS), ("gate", self.GATES)):
            if a[key] not in allowed:
                raise LayerError(f"se's {key} = \"{a[key]}\" is not one of "
                                 + ", ".join(allowed))
        # Two fcs on the pooled C-vector: C·R + R·C weights and multiply-adds; the pooling and
        # the C·H·W products of the scale are not MACs (like a mul join).
        biases = r + x.c if a["bias"] else 0
        return Result(x, Counts(2 * x.c * r, biases, 0, 2 * x.c * r))

    def rf_window(self, a, ins):
        return None                 # each output reads its whole map (through the gate)

    def geometry(self, a):
        return f"→{a['se']}→"

    def working(self, r, bias):
        c, red = r.output.c, r.attrs["se"]
        weights = [Term(W.dot(c, red), c * red, "fc1 weights"),
                   Term(W.dot(red, c), c * red, "fc2 weights")]
        return W.shape_kept(r, "each channel times its gate") + [
            W.params(r, weights, f"{W.exact(red)} + {W.exact(c)}", "biases", bias),
            Step("macs", (Term(f"{W.dot(c, red)} + {W.dot(red, c)}", r.counts.macs),),
                 r.counts.macs, "the two fcs on the pooled vector; the pooling and the scale's "
                 "products are not MACs"),
        ]


class StochasticDepth(Rule):
    kind = "stochastic_depth"
    category = "regularization"
    new_tensor = False
    doc = ("stochastic depth (Huang et al. 2016; torchvision's StochasticDepth, mode \"row\"): "
           "drops a residual branch per sample while training; the identity at inference")
    main = Attr("stochastic_depth", "number", None, "drop probability p (optional: it changes "
                "training only; EfficientNet raises it block by block)")

    def geometry(self, a):
        p = a["stochastic_depth"]
        return "" if p is None else f"p{p:g}"

    def working(self, r, bias):
        return W.keeps(r, "stochastic depth (the identity at inference)")


class LayerNorm(Rule):
    kind = "ln"
    category = "normalization"
    doc = ("layer normalization over each position's channels (a token's features; PyTorch's "
           "nn.LayerNorm on a channels-last map): a scale γ and a shift β per channel (2·C "
           "trainable), statistics computed from the values themselves, so no buffers")
    attrs = (Attr("eps", "number", 1e-5, "ε"),)

    def apply(self, ins, a):
        c = ins[0].c
        return Result(ins[0], Counts(weights=c, biases=c))

    def working(self, r, bias):
        c = r.output.c
        return W.shape_kept(r, "layer norm keeps the shape") + [
            W.params(r, [Term(W.exact(c), r.counts.weights, "scales γ")], W.exact(c),
                     "shifts β", bias),
            W.same("macs", r.counts.macs, "normalization is not counted as MACs"),
        ]


class LayerNorm2d(LayerNorm):
    kind = "ln2d"
    spatial_input = True
    doc = ("layer normalization over the channels of a C×H×W map at each position, the map "
           "kept channels-first (torchvision's LayerNorm2d in ConvNeXt's stem, downsampling and "
           "head): the same arithmetic and the same 2·C parameters as ln")


class LayerScale(Rule):
    kind = "layer_scale"
    category = "scaling"
    doc = ("layer scale (Touvron et al. 2021; ConvNeXt): each channel of a residual branch "
           "multiplied by a learned factor, C trainable values; an element-wise product, not a "
           "weighted sum, so no MACs (like batch norm's scale)")
    main = Attr("layer_scale", "number", None, "initial value of the factors (1e-6 in "
                "ConvNeXt; optional: it changes training only)")

    def apply(self, ins, a):
        return Result(ins[0], Counts(weights=ins[0].c))

    def geometry(self, a):
        v = a["layer_scale"]
        return "" if v is None else f"γ init {v:g}"

    def working(self, r, bias):
        c = r.output.c
        return W.shape_kept(r, "each channel times its factor") + [
            Step("params", (Term(W.exact(c), r.counts.weights, "factors"),), r.counts.weights,
                 "one per channel"),
            W.same("macs", r.counts.macs, "an element-wise product is not counted as MACs"),
        ]


class Rescale(Rule):
    kind = "rescale"
    category = "activation"
    doc = ("a fixed rescaling of every value, x·scale + offset (Keras's Rescaling layer, as "
           "keras.applications models take 0–255 pixels): constants, no parameters; a scale "
           "or an offset may be a list, one per channel (ImageNet's mean and deviation as "
           "Rescaling(scale=[…], offset=[…])), still constants; an element-wise product, not "
           "counted as MACs")
    main = Attr("rescale", "reals", REQUIRED, "the scale (1/255 = 0.0039215…), or a list of "
                "one per channel")
    attrs = (Attr("offset", "reals", 0.0, "added after the product (or a list of one per "
                  "channel)"),)

    def apply(self, ins, a):
        for key in ("rescale", "offset"):
            v = a[key]
            if isinstance(v, tuple) and len(v) not in (1, ins[0].c):
                raise LayerError(f"{key} has {len(v)} values; one per channel is "
                                 f"{ins[0].c:,} (or give one for all)")
        return Result(ins[0], Counts())

    @staticmethod
    def _values(v) -> str:
        return "(" + ", ".join(f"{x:.6g}" for x in v) + ")" if isinstance(v, tuple) else \
            f"{v:.6g}"

    def geometry(self, a):
        scale, offset = a["rescale"], a["offset"]
        text = "× per channel" if isinstance(scale, tuple) else f"×{scale:.6g}"
        if isinstance(offset, tuple):
            return text + " + per channel"
        return text + (f" {offset:+.6g}" if offset else "")

    def working(self, r, bias):
        scale, offset = r.attrs["rescale"], r.attrs["offset"]
        if not isinstance(scale, tuple) and not isinstance(offset, tuple):
            return W.keeps(r, "rescaling")
        return W.keeps(r, f"rescaling by ×{self._values(scale)} + {self._values(offset)} "
                          "(constants, one per channel)")


# A Keras Normalization's statistics: along which of archcalc's axes (C×H×W) each value has
# its own mean and variance ("channel": one per channel; "all": one for every value).
STANDARDIZE_AXES = {"channel": "c", "all": "", "h": "h", "w": "w", "hw": "hw", "ch": "ch",
                    "cw": "cw", "chw": "chw"}
AXIS_WORDS = {"c": "C", "h": "H", "w": "W"}


class Standardize(Rule):
    kind = "standardize"
    category = "normalization"
    doc = ("standardization by stored statistics, (x − mean)/√variance (Keras's Normalization "
           "layer, keras.applications' EfficientNet): per channel, a mean and a variance for "
           "each of the C channels and Keras's sample count, 2·C + 1 values that Keras keeps as "
           "non-trainable weights and count_params() counts: buffers, not parameters; "
           "standardize = \"all\" one mean and one variance for every value (3); \"h\", \"w\", "
           "\"hw\", \"ch\", \"cw\" or \"chw\" a mean and a variance for each position along "
           "those axes (Keras's axis=(1, 2) is \"hw\": 2·H·W + 1); invert = true the inverse, "
           "x·√variance + mean, with the same statistics; stored = false where the layer's "
           "config gives the mean and variance as constants (Keras then keeps no weights)")
    main = Attr("standardize", "text", "channel", 'statistics per "channel", over "all" values, '
                'or per position along "h", "w", "hw", "ch", "cw" or "chw"')
    attrs = (Attr("stored", "bool", True, "the mean, variance and count are the layer's "
                  "(non-trainable) weights"),
             Attr("invert", "bool", False, "the inverse, x·√variance + mean (Keras's "
                  "invert=True)"))
    buffers_text = ("Keras Normalization's mean, variance and sample count, 2·C + 1 per layer "
                    "(non-trainable weights to Keras; 2·(the sizes along its axes) + 1 for "
                    "other axes)")
    WAYS = tuple(STANDARDIZE_AXES)

    @staticmethod
    def sizes(ins: Shape, way: str) -> list[int]:
        """The sizes along the statistics' axes (``[]``: one for all values)."""
        axes = STANDARDIZE_AXES[way]
        if ins.flat and set(axes) - {"c"}:
            raise LayerError(f"standardize = \"{way}\" needs a C×H×W map, found {ins.c:,} "
                             "values")
        return [{"c": ins.c, "h": ins.h, "w": ins.w}[x] for x in axes]

    def apply(self, ins, a):
        if a["standardize"] not in self.WAYS:
            raise LayerError(f"standardize = \"{a['standardize']}\" is not one of "
                             + ", ".join(self.WAYS))
        n = math.prod(self.sizes(ins[0], a["standardize"]))
        return Result(ins[0], Counts(buffers=2 * n + 1 if a["stored"] else 0))

    def geometry(self, a):
        way = a["standardize"]
        text = ("per channel" if way == "channel" else "over all values" if way == "all" else
                "per " + "×".join(AXIS_WORDS[x] for x in STANDARDIZE_AXES[way]))
        return text + (", inverse" if a["invert"] else "")

    def working(self, r, bias):
        sizes = self.sizes(r.input_shapes[0], r.attrs["standardize"])
        what = "x·√variance + mean" if r.attrs["invert"] else "standardization"
        steps = W.shape_kept(r, f"{what} keeps the shape") + [
            W.same("params", 0, "no trainable parameters"),
            W.same("macs", r.counts.macs, "normalization is not counted as MACs")]
        if r.counts.buffers:
            n = ("2" if not sizes else f"2·{W.exact(sizes[0])}" if len(sizes) == 1 else
                 "2·(" + "·".join(W.exact(x) for x in sizes) + ")")
            steps.append(Step("buffers", (Term(n, r.counts.buffers - 1, "means and variances"),
                                          Term("1", 1, "Keras's sample count")),
                              r.counts.buffers, "Keras's non-trainable weights, which "
                              "count_params() counts: buffers, not parameters"))
        return steps


class Linear(Rule):
    kind = "linear"
    category = "convolution"
    main_counts_outputs = True
    doc = ("a linear layer on each position's channels (a token's features): PyTorch's "
           "nn.Linear on the last axis of a channels-last map, as in ConvNeXt's and a "
           "transformer's MLPs; the counts of a 1×1 conv")
    main = Attr("linear", "count", REQUIRED, "number of outputs per position")
    attrs = (Attr("bias", "bool", True, "one bias per output"),)

    def apply(self, ins, a):
        x, n_out = ins[0], a["linear"]
        pos = 1 if x.flat else x.h * x.w
        out = Shape(n_out, flat=True) if x.flat else Shape(n_out, x.h, x.w)
        return Result(out, Counts(F.fc_weights(x.c, n_out), n_out if a["bias"] else 0, 0,
                                  pos * F.fc_macs(x.c, n_out)))

    def working(self, r, bias):
        x, o = r.input_shapes[0], r.output
        steps = [] if o.flat else W.kept_hw(r, "applied at each position")
        pos = [] if o.flat else [o.h, o.w]
        return steps + [
            W.same("C", o.c, "one per output unit"),
            W.params(r, [Term(W.dot(x.c, o.c), r.counts.weights, "weights")], W.exact(o.c),
                     "biases", bias),
            Step("macs", (Term(W.dot(*pos, x.c, o.c), r.counts.macs),), r.counts.macs,
                 "one MAC per weight per position" if pos else "one MAC per weight"),
        ]


def _sequence(kind: str, x: Shape) -> int:
    """The number of tokens of a sequence (D×N×1, as patch_embed makes it), else a LayerError."""
    if x.flat or x.w != 1:
        raise LayerError(f"{kind} needs a sequence of tokens, D×N×1 (as patch_embed makes it), "
                         f"but its input is {x}")
    return x.h


class PatchEmbed(Rule):
    kind = "patch_embed"
    category = "convolution"
    main_counts_outputs = True
    spatial_input = True
    doc = ("patch embedding (ViT): the image cut into P×P patches, each projected linearly to "
           "D values (a P×P conv with stride P), the (H/P)×(W/P) map read as a sequence of "
           "N = (H/P)·(W/P) tokens, shown as D×N×1")
    main = Attr("patch_embed", "count", REQUIRED, "token width D (the projection's outputs)")
    attrs = (Attr("patch", "count", REQUIRED, "patch size P (it must divide H and W)"),
             Attr("bias", "bool", True, "one bias per output"))

    def apply(self, ins, a):
        x, d, p = ins[0], a["patch_embed"], a["patch"]
        if x.h % p or x.w % p:
            raise LayerError(f"patch = {p} must divide the input's {x.h}×{x.w} (ViT cuts the "
                             "image into whole patches)")
        gh, gw = x.h // p, x.w // p
        return Result(Shape(d, gh * gw, 1),
                      Counts(F.conv_weights(x.c, d, p, p, 1), d if a["bias"] else 0, 0,
                             F.conv_macs(gh, gw, x.c, d, p, p, 1)))

    def geometry(self, a):
        return f"{a['patch']}×{a['patch']} patches"

    def rf_window(self, a, ins):
        p = a["patch"]              # each token sees its P×P patch
        return ((p, p, 0, 1), (p, p, 0, 1))

    def working(self, r, bias):
        x, o, p = r.input_shapes[0], r.output, r.attrs["patch"]
        n = Term(f"({x.h}/{p})·({x.w}/{p})", o.h)
        return [
            Step("H", (n,), o.h, "tokens N: one per P×P patch"),
            W.same("W", 1, "a sequence: one token per row"),
            W.same("C", o.c, "the token width D, one output per filter"),
            W.params(r, [Term(W.dot(p, p, x.c, o.c), r.counts.weights, "weights")],
                     W.exact(o.c), "biases", bias),
            Step("macs", (Term(f"{W.dot(o.h, o.c)} · {W.dot(p, p, x.c)}", r.counts.macs),),
                 r.counts.macs, "one MAC per weight per patch"),
        ]


class ClassToken(Rule):
    kind = "cls_token"
    category = "embedding"
    doc = ("a learned class token put before the sequence (ViT; BERT's [CLS]): N + 1 tokens, "
           "D trainable values")

    def apply(self, ins, a):
        x = ins[0]
        n = _sequence(self.kind, x)
        return Result(Shape(x.c, n + 1, 1), Counts(weights=x.c))

    def working(self, r, bias):
        x, o = r.input_shapes[0], r.output
        return [
            Step("H", (Term(f"{x.h} + 1", o.h),), o.h, "the class token before the N tokens"),
            W.same("W", 1, "a sequence"), W.same("C", o.c, "the token width D"),
            Step("params", (Term(W.exact(o.c), r.counts.weights, "the token's values"),),
                 r.counts.weights, "one learned token of D values"),
            W.same("macs", 0, "putting a token in is no arithmetic"),
        ]


class PositionEmbedding(Rule):
    kind = "pos_embed"
    category = "embedding"
    doc = ("learned position embeddings added to the tokens (ViT): N·D trainable values, one "
           "addition per value (not a MAC)")

    def apply(self, ins, a):
        x = ins[0]
        _sequence(self.kind, x)
        return Result(x, Counts(weights=x.elements))

    def working(self, r, bias):
        o = r.output
        return W.shape_kept(r, "each token plus its position's embedding") + [
            Step("params", (Term(W.dot(o.h, o.c), r.counts.weights, "embeddings"),),
                 r.counts.weights, "one D-vector per position"),
            W.same("macs", 0, "additions are not counted as MACs"),
        ]


class TokenSelect(Rule):
    kind = "token"
    category = "reshape"
    new_tensor = False              # a view of its input, x[:, i]
    doc = ("one token of the sequence as a vector of D values (ViT's classifier reads the "
           "class token, x[:, 0]): a view, no arithmetic")
    main = Attr("token", "count0", 0, "which token, from 0")

    def apply(self, ins, a):
        x, i = ins[0], a["token"]
        n = _sequence(self.kind, x)
        if i >= n:
            raise LayerError(f"token = {i} is not one of the {n} tokens (0 … {n - 1})")
        return Result(Shape(x.c, flat=True), Counts())

    def geometry(self, a):
        return f"[{a['token']}]"

    def working(self, r, bias):
        return [W.same("C", r.output.c, f"token {r.attrs['token']}'s D values")] + W.none(
            "picking a token is a view: no parameters, no arithmetic")


class SelfAttention(Rule):
    kind = "mhsa"
    category = "attention"
    doc = ("multi-head self-attention over the N tokens of a D×N×1 sequence (PyTorch's "
           "nn.MultiheadAttention): projections to queries, keys and values (D → 3·D), per head "
           "the scores Q·Kᵀ/√(D/h), their softmax A and the weighted values A·V, then an output "
           "projection D → D: 4·D² weights + 4·D biases; 3·N·D² + N²·D + N²·D + N·D² MACs "
           "(projections, scores, weighted values, output)")
    main = Attr("mhsa", "count", REQUIRED, "heads h (h must divide D)")
    attrs = (Attr("bias", "bool", True, "biases on the Q, K, V and output projections"),
             Attr("out_bias", "bool", True, "with bias: the output projection's bias too (an "
                  "ONNX exporter may leave an all-zero one out of the file)"))

    def apply(self, ins, a):
        x, h = ins[0], a["mhsa"]
        n, d = _sequence(self.kind, x), x.c
        if d % h:
            raise LayerError(f"mhsa = {h} heads must divide the token width {d}")
        return Result(x, Counts(4 * d * d, self.biases(d, a), 0, F.attention_macs(n, d)))

    @staticmethod
    def biases(d: int, a) -> int:
        """3·D for the Q, K and V projections and D for the output's, where they have them."""
        return (3 * d + (d if a["out_bias"] else 0)) if a["bias"] else 0

    def geometry(self, a):
        return f"{a['mhsa']} heads"

    def rf_window(self, a, ins):
        return None                 # every token reads every token

    def working(self, r, bias):
        n, d, h = r.output.h, r.output.c, r.attrs["mhsa"]
        dh = d // h
        weights = [Term(W.dot(3, d, d), 3 * d * d, "Q, K, V projections"),
                   Term(W.dot(d, d), d * d, "output projection")]
        return W.shape_kept(r, "attention keeps the sequence") + [
            W.params(r, weights, f"3·{W.exact(d)} + {W.exact(d)}" if r.attrs["out_bias"] else
                     f"3·{W.exact(d)}", "biases" if r.attrs["out_bias"] else
                     "biases of Q, K, V (none on the output projection)", bias),
            Step("macs", (Term(W.dot(3, n, d, d), 3 * n * d * d, "Q, K, V projections"),
                          Term(W.dot(h, n, n, dh), n * n * d, "scores Q·Kᵀ, per head N·N·D/h"),
                          Term(W.dot(h, n, n, dh), n * n * d, "weighted values A·V"),
                          Term(W.dot(n, d, d), n * d * d, "output projection")),
                 r.counts.macs, "the softmax and the 1/√(D/h) scaling are not MACs"),
        ]


class Join(Rule):
    """Base of the kinds that join parallel branches: they check the branches agree."""

    category = "join"
    arity = 0
    verb = ""
    requirement = ""

    def agree(self, first: Shape, other: Shape) -> bool:
        raise NotImplementedError

    def joined(self, ins: list[Shape]) -> Shape:
        raise NotImplementedError

    def apply(self, ins, a):
        for i, x in enumerate(ins[1:], 1):
            if not self.agree(ins[0], x):
                raise LayerError(f"cannot {self.verb} branch 0 ({ins[0]}) and branch {i} ({x}): "
                                 f"{self.requirement}")
        return Result(self.joined(ins), Counts())


class Concat(Join):
    kind = "concat"
    doc = "concatenation of branches along channels; spatial sizes must agree"
    verb = "concatenate"
    requirement = "spatial sizes must agree"

    def agree(self, first, other):
        return (other.flat, other.h, other.w) == (first.flat, first.h, first.w)

    def joined(self, ins):
        return Shape(sum(x.c for x in ins), ins[0].h, ins[0].w, ins[0].flat)

    def working(self, r, bias):
        cs = [x.c for x in r.input_shapes]
        return W.kept_hw(r, "every branch has this size") + [
            Step("C", (Term(" + ".join(W.exact(c) for c in cs), r.output.c),), r.output.c,
                 "the branches' channels, side by side"),
        ] + W.none("a concatenation has no parameters")


class Add(Join):
    kind = "add"
    doc = ("element-wise sum of branches (a residual connection); shapes must agree exactly. "
           "With scale ≠ 1 the residual branch is multiplied by it before the sum, "
           "x + scale·F(x) as in Inception-ResNet; like activations, the scaling is not a MAC")
    attrs = (Attr("scale", "number", 1.0,
                  "factor on the residual branch before the sum (Inception-ResNet: 0.1–0.3)"),)
    verb = "add"
    requirement = ("shapes must agree; a shortcut that changes the channels or the size needs a 1×1 "
                   "conv projection (option B) or a zeropad (option A)")

    def agree(self, first, other):
        return other == first

    def joined(self, ins):
        return ins[0]

    def geometry(self, a):
        scale = a.get("scale", 1.0)
        return "" if scale == 1 else f"×{scale:g}"

    def working(self, r, bias):
        scale = r.attrs.get("scale", 1.0)
        why = "every branch has this shape; they are summed element-wise"
        if scale != 1:
            why += f", the residual scaled by {scale:g} first"
        return W.shape_kept(r, why) + W.none("a sum has no parameters; additions are not MACs")


class Multiply(Join):
    kind = "mul"
    doc = ("element-wise product of a feature map (branch 0) and gates (the other branches), each "
           "C×1×1 (one factor per channel: squeeze-and-excitation's scale) or the map's own shape; "
           "like activations, the products are not MACs")
    verb = "multiply"
    requirement = ("a gate needs the feature map's channels, and a 1×1 or the map's own size")

    def agree(self, first, other):
        return (other.c == first.c and other.flat == first.flat
                and (other.h, other.w) in ((1, 1), (first.h, first.w)))

    def joined(self, ins):
        return ins[0]

    def working(self, r, bias):
        return (W.shape_kept(r, "the feature map's shape; each value times its channel's gate")
                + W.none("a product of branches has no parameters; its products are not "
                         "counted as MACs"))


def _registry(*rules: Rule) -> dict[str, Rule]:
    return {r.kind: r for r in rules}


RULES: dict[str, Rule] = _registry(
    Conv(), PointwiseConv(), DepthwiseConv(), SeparableConv(), MaxPool(), AvgPool(), Subsample(), AdaptiveAvgPool(), GlobalAvgPool(),
    ZeroPad(), LRN(),
    BatchNorm(),
    Activation("relu", "rectified linear unit"),
    Activation("tanh", "hyperbolic tangent (LeNet-5's scaled squashing function)"),
    Activation("sigmoid", "logistic sigmoid"),
    Activation("softmax", "softmax over the outputs", "softmax"),
    Activation("relu6", "ReLU capped at 6, min(max(x, 0), 6) (MobileNet v1, v2)"),
    Activation("hardswish", "hard swish, x·ReLU6(x + 3)/6 (MobileNet v3)"),
    Activation("hardsigmoid", "hard sigmoid, ReLU6(x + 3)/6 (MobileNet v3's gates)"),
    Activation("silu", "SiLU, also called swish: x·σ(x) (EfficientNet)"),
    Activation("gelu", "Gaussian error linear unit, x·Φ(x), Φ the normal distribution "
               "function (ConvNeXt, ViT)"),
    LayerNorm(), LayerNorm2d(), LayerScale(), Linear(), Rescale(), Standardize(),
    PatchEmbed(), ClassToken(), PositionEmbedding(), TokenSelect(), SelfAttention(),
    TransposedConv(), Upsample(), Crop(),
    Dropout(), StochasticDepth(), Flatten(), FullyConnected(), RBF(), ChannelShuffle(), ChannelSplit(),
    SqueezeExcitation(), Concat(), Add(), Multiply(),
    Uncounted(),
)
