"""Mistakes in one layer's arithmetic: the input channels, the biases, groups, the flatten
size, pooling's channels, FLOPs for MACs, the MACs' positions, padding, stride, a '+' for '×'.
Each is a pure function of a wrong cell's ``Ctx``: the mistake in words when it explains the
value written, else ``None``."""

from __future__ import annotations

import math
from fractions import Fraction

from ...analysis import counting as N
from ...core.kinds import RULES
from ...core.records import LayerRow
from ..expr import parse
from .context import Ctx
from .reading import read_cell

def _conv_like(r: LayerRow | None) -> bool:
    return (r is not None and RULES[r.kind].category == "convolution"
            and not r.output.flat)


def _grouped_conv(r: LayerRow | None) -> bool:
    """A convolution whose filters each see C_in/groups input maps (conv, pwconv)."""
    return _conv_like(r) and RULES[r.kind].has_attr("groups")


def d_input_channels(c: Ctx) -> str | None:
    r = c.row
    if not _grouped_conv(r) or c.field not in ("params", "macs"):
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
    if not _grouped_conv(r) or c.field not in ("params", "macs"):
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
    rule = RULES[r.kind]
    if _flattens(r) and (c.field == "C" or c.field == "activations" and not c.conv.in_place):
        return f"the flatten size is H·W·C = {x.h}·{x.w}·{x.c} = {x.elements:,}"
    # Only a layer whose input was flattened from a map (not a fully connected layer after
    # another, nor ViT's head on the class token, a vector taken from the tokens).
    if (rule.category == "fully connected" and c.field in ("params", "macs") and x is not None
            and (not x.flat or _unflattened(c, r) is not None)):
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
                before = _unflattened(c, r)
                if before is not None and n == before.c:
                    return (f"counted the {before.c:,} channels of the last feature map as the "
                            f"inputs, not its {before.h}·{before.w}·{before.c} = "
                            f"{before.elements:,} values once flattened")
                return (f"wrong input size: {int(n):,} inputs used, but this layer's input "
                        f"is {src} values (the flatten size)")
    return None


def _flattens(r: LayerRow) -> bool:
    """A reshape of a map into a vector of all its values (flatten), not one that picks some
    of them (ViT's class token, x[:, 0])."""
    x = r.input_shapes[0] if r.input_shapes else None
    return (RULES[r.kind].category == "reshape" and r.output.flat and x is not None
            and not x.flat and r.output.elements == x.elements)


def _unflattened(c: Ctx, r: LayerRow):
    """The feature map a fully connected layer's input was flattened from, if any (through
    layers that keep a vector, as dropout does)."""
    by_name = {x.name: x for x in c.around.a.rows}
    src = by_name.get(r.inputs[0]) if r.inputs else None
    while src is not None and src.input_shapes and src.output.flat and src.kind != "fc":
        if not src.input_shapes[0].flat:
            return src.input_shapes[0] if _flattens(src) else None
        src = by_name.get(src.inputs[0]) if src.inputs else None
    return None


def _window(r: LayerRow | None, field: str):
    """(input size, kernel, stride, padding both sides, dilation) of a windowed layer along
    the H or W axis, or ``None``."""
    if r is None or field not in ("H", "W") or not r.input_shapes or r.output.flat:
        return None
    k, s, p = r.attrs.get("k"), r.attrs.get("s"), r.attrs.get("p", (0, 0, 0, 0))
    if not k or not s or p == "same" or not isinstance(p, tuple):
        return None
    i = 0 if field == "H" else 1
    x = r.input_shapes[0]
    d = (r.attrs.get("dilation") or (1, 1))[i]
    return (x.h if i == 0 else x.w), k[i], s[i], p[2 * i] + p[2 * i + 1], d


def _size(n: int, k: int, s: int, pad: int, d: int, ceil: bool) -> int:
    num = n + pad - d * (k - 1) - 1
    return (-(-num // s) if ceil else num // s) + 1


def d_padding(c: Ctx) -> str | None:
    w = _window(c.row, c.field)
    if w is None or not w[3]:
        return None
    n, k, s, pad, d = w
    alt = _size(n, k, s, 0, d, bool(c.row.attrs.get("ceil")))
    if alt > 0 and c.fits(alt):
        return (f"padding ignored: ({n} − {k})/{s} + 1 → {alt}, but this layer pads "
                f"{pad // 2 if pad % 2 == 0 else pad} {'on each side' if pad % 2 == 0 else 'in all'}:"
                f" ({n} − {k} + {pad})/{s} + 1 → {c.expected}")
    return None


def d_stride(c: Ctx) -> str | None:
    w = _window(c.row, c.field)
    if w is None:
        return None
    n, k, s, pad, d = w
    other = 1 if s > 1 else 2
    alt = _size(n, k, other, pad, d, bool(c.row.attrs.get("ceil")))
    if alt > 0 and c.fits(alt):
        return f"a stride of {other} used; this layer's stride is {s}"
    return None


def d_plus(c: Ctx) -> str | None:
    """``(7+7)*512`` for 7×7×512: a '+' typed where '×' was meant."""
    text = c.reading.parts[0] if c.reading.parts else ""
    if "+" not in text:
        return None
    v = read_cell(text.replace("+", "*"), c.conv.k_base).final
    if v is not None and v.matches(c.expected):
        return f"a '+' typed for '×': {text.replace('+', '×')} = {c.expected:,}"
    return None


def d_channels_and_biases(c: Ctx) -> str | None:
    """Two mistakes at once: a conv's input channels and its biases both left out."""
    r = c.row
    if not _grouped_conv(r) or c.field != "params" or not c.conv.bias:
        return None
    kh, kw = r.attrs["k"]
    o, x = r.output, r.input_shapes[0]
    if x.c == 1 or not r.counts.biases:
        return None
    if c.fits(kh * kw * o.c):
        return (f"forgot the input channels and the biases: {kh}·{kw}·{x.c}·{o.c} = "
                f"{r.counts.weights:,} weights + {r.counts.biases:,} biases, not {kh}·{kw}·{o.c}")
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


def d_extras(c: Ctx) -> str | None:
    """A FLOPs cell with the row's bias additions (or its activation, pooling, batch norm or
    join operations) counted, or left out, against the table's convention."""
    r = c.row
    if r is None or c.field != "macs" or not c.flops:
        return None
    for k, v in N.extra_ops(r).items():
        if not v:
            continue
        base = N.flops_of_macs(r.counts.macs)
        if k not in c.conv.count and c.fits(base + v):
            return (f"{N.EXTRA_TEXT[k].split(' (')[0]} counted ({v:,}, as table --count {k} "
                    f"adds them); this table's FLOPs leave them out: 2 × MACs = {base:,}")
        if k in c.conv.count and c.fits(base):
            return (f"the {N.EXTRA_TEXT[k].split(' (')[0]} left out; this table's FLOPs count "
                    f"them: 2 × MACs + {v:,} = {base + v:,}")
    return None


def d_in_place(c: Ctx) -> str | None:
    """The output of a layer that makes no new tensor (an in-place ReLU, dropout, a flatten
    view) counted where the table counts none for it — or the reverse."""
    r = c.row
    if r is None or c.field not in ("activations", "activation_bytes") or N.new_tensor(r):
        return None
    per = c.conv.bpv if c.field == "activation_bytes" else 1
    if c.conv.in_place and c.fits(r.output.elements * per):
        return (f"counted {r.name}'s output, but {r.kind} makes no new tensor (in place, the "
                "identity or a view): this table counts none for it, as archcalc's memory does")
    if not c.conv.in_place and c.fits(0):
        return (f"counted none for {r.name}; this table counts every layer's output "
                f"({r.output.elements * per:,})")
    return None
