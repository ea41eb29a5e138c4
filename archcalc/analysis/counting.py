"""Every count archcalc shows, defined once.

A layer's own counts (weights, biases, fixed parameters, buffers, MACs) come from its kind's rule
(``core.kinds``) and sit in the engine's rows. Everything a view derives from them is defined
here and only here, and every view asks this module: the layer table and its formats, compare,
the paper tables, check, quiz, explain, memory, the presets and the verifier.

* ``params(c, bias)``: trainable parameters, weights + biases, or weights only (``--no-bias``).
* ``flops(r, count)``: FLOPs = 2 × MACs (a multiply and an add each), plus one per operation of
  the kinds ``--count`` names (``EXTRAS``; ``extra_ops`` per kind, in ``EXTRA_OPS``).
* ``activations(r)``: the values a layer's output adds to a forward pass's storage, the
  in-place rule: its output if that is a new tensor, none for a layer computed in place (ReLU,
  tanh, sigmoid, the closing softmax), the identity (dropout) or a view (flatten).
* ``training_flops(r, count)``: a training step's FLOPs (``--training``): the forward FLOPs and
  the backward pass, ≈ 2 × the forward MACs of each weighted layer (``backward_macs``).
* ``weighted(r)``: a weighted layer (conv, fc, LeNet-5's subsampling and RBF units), as papers
  count depth.
* ``longest_paths(rows, counted)``: per row, the longest chain of counted rows on a path to it:
  a network's depth, a paper table's depth column and its "config" chains.
"""

from __future__ import annotations

from typing import Callable, Iterable

from ..core import formulas as F
from ..core.kinds import RULES
from ..core.records import Analysis, Counts, LayerRow, Record, _set

# --- what a layer is -------------------------------------------------------------------------

def weighted(r: LayerRow) -> bool:
    """Whether ``r`` is a weighted layer: its kind's work is weighted sums, counted as MACs."""
    return RULES[r.kind].weighted


def new_tensor(r: LayerRow) -> bool:
    """Whether ``r``'s output is a new tensor (not computed in place, the identity or a view)."""
    return RULES[r.kind].new_tensor


def inference(a: Analysis, aux: bool = False) -> list[LayerRow]:
    """The rows of ``a`` that a total counts: every row but the auxiliary heads' (all of them
    with ``aux``, the training-time total)."""
    return list(a.rows) if aux else [r for r in a.rows if not r.aux]


# --- parameters ------------------------------------------------------------------------------

def params(c: Counts | LayerRow, bias: bool = True) -> int:
    """Trainable parameters of a row or of ``Counts`` (a total): weights + biases, or the
    weights only (``bias=False``, as many lecture tables count)."""
    return (c.counts if isinstance(c, LayerRow) else c).trainable(bias)


# --- operations ------------------------------------------------------------------------------

EXTRAS = ("bias", "bn", "act", "pool", "add")
EXTRA_TEXT = {
    "bias": "bias additions (1 per output value of a layer with biases)",
    "bn": "batch norm (a scale and a shift per value)",
    "act": "activations (1 per output value of ReLU, tanh, sigmoid, softmax)",
    "pool": "pooling (max: Kh·Kw − 1 comparisons, average: Kh·Kw − 1 additions + 1 division "
            "per output value)",
    "add": ("element-wise joins (add: 1 addition per value per extra branch, + 1 multiply where "
            "scaled; mul: 1 multiply per value per gate)"),
}


def _window_values(r: LayerRow) -> int:
    """Input values read by all the windows of a pooling row (Σ over outputs of Kh·Kw)."""
    x, o = r.input_shapes[0], r.output
    if r.kind == "gap":
        return x.elements
    if r.kind == "adaptive_avgpool":
        return x.c * F.adaptive_window_sum(x.h, o.h) * F.adaptive_window_sum(x.w, o.w)
    kh, kw = r.attrs["k"]
    return o.elements * kh * kw


def _bias(r: LayerRow) -> tuple[str, int]:
    return "bias", r.output.elements if r.counts.biases else 0


def _max_pool(r: LayerRow) -> tuple[str, int]:
    kh, kw = r.attrs["k"]
    return "pool", r.output.elements * (kh * kw - 1)


def _add(r: LayerRow) -> tuple[str, int]:
    scaled = r.attrs.get("scale", 1.0) != 1
    return "add", (len(r.inputs) - 1 + scaled) * r.output.elements


def _none(r: LayerRow) -> None:
    return None


class _Unoffered:
    """A kind whose arithmetic no ``--count`` extra covers: it adds nothing to any extra, and a
    table that counts extras names it (``unoffered``), so that its zero is never silent."""

    def __init__(self, what: str):
        self.what = what

    def __call__(self, r: LayerRow) -> None:
        return None


def _act(r: LayerRow) -> tuple[str, int]:
    return "act", r.output.elements


def _mhsa(r: LayerRow) -> dict[str, int]:
    """Self-attention's projections add a bias per output value (3·N·D + N·D) and its softmax
    is one activation per score (h·N·N)."""
    n, d, h = r.output.h, r.output.c, r.attrs["mhsa"]
    return {"bias": 4 * n * d if r.counts.biases else 0, "act": h * n * n}


def _se(r: LayerRow) -> dict[str, int]:
    """Squeeze-and-excitation counts in four extras: its fcs' R + C bias additions (they act on
    the pooled C-vector), its activation and gate (R + C values), the squeeze (a global average:
    one per input value) and the scale (one multiply per value)."""
    return {"bias": r.counts.biases, "act": r.attrs["se"] + r.output.c,
            "pool": r.output.elements, "add": r.output.elements}


# Per kind: which ``--count`` extra its operations are, and how many (``None``: its work is
# all in its MACs, or it does none: LRN's arithmetic is not offered as an extra; a dict for a
# kind whose operations fall under several, squeeze-and-excitation's).
EXTRA_OPS: dict[str, Callable[[LayerRow], tuple[str, int] | dict[str, int] | None]] = {
    "conv": _bias, "pwconv": _bias, "dwconv": _bias, "sepconv": _bias, "fc": _bias,
    "linear": _bias, "patch_embed": _bias, "tconv": _bias, "subsample": _bias, "rbf": _bias,
    "bn": lambda r: ("bn", 2 * r.output.elements),
    "relu": _act, "relu6": _act, "tanh": _act, "sigmoid": _act, "hardswish": _act,
    "hardsigmoid": _act, "silu": _act, "gelu": _act, "softmax": _act,
    "maxpool": _max_pool,
    "avgpool": lambda r: ("pool", _window_values(r)),
    "adaptive_avgpool": lambda r: ("pool", _window_values(r)),
    "gap": lambda r: ("pool", _window_values(r)),
    "add": _add,
    "mul": lambda r: ("add", (len(r.inputs) - 1) * r.output.elements),
    "se": _se, "mhsa": _mhsa,
    "cls_token": _none, "token": _none, "crop": _none,
    "dropout": _none, "flatten": _none, "concat": _none, "zeropad": _none,
    "stochastic_depth": _none, "shuffle": _none, "split": _none,
    "uncounted": _none,        # named in the footer by the import's note
    # Arithmetic that no extra covers (named in the footer when extras are counted): LRN's and
    # layer norm's (each position's mean and variance at inference: batch norm's "a scale and a
    # shift" would understate it), a layer scale's product per value, a position embedding's
    # addition per value (not a join), an upsampling's interpolation.
    "lrn": _Unoffered("local response normalization"),
    "ln": _Unoffered("layer norm"), "ln2d": _Unoffered("layer norm"),
    "layer_scale": _Unoffered("layer scale"), "pos_embed": _Unoffered("position embedding"),
    "upsample": _Unoffered("upsampling"),
    "rescale": _Unoffered("rescaling"), "standardize": _Unoffered("standardization"),
}


def unoffered(rows: Iterable[LayerRow]) -> dict[str, int]:
    """The kinds of operations among ``rows`` that no ``--count`` extra covers, each with its
    number of rows, in order of first appearance."""
    out: dict[str, int] = {}
    for r in rows:
        handler = EXTRA_OPS[r.kind]
        if isinstance(handler, _Unoffered):
            out[handler.what] = out.get(handler.what, 0) + 1
    return out


def unoffered_text(rows: Iterable[LayerRow]) -> str:
    """A sentence naming ``unoffered(rows)`` for a footer that counts extras ("" if none)."""
    missing = unoffered(rows)
    if not missing:
        return ""
    return ("The operations of "
            + ", ".join(f"{n:,} {what} row{'s' * (n != 1)}" for what, n in missing.items())
            + " are in no --count extra, so not in these FLOPs.")


def extra_ops(r: LayerRow) -> dict[str, int]:
    """The operations of one row that MACs leave out, by ``--count`` name."""
    out = dict.fromkeys(EXTRAS, 0)
    got = EXTRA_OPS[r.kind](r)
    if isinstance(got, dict):
        out.update(got)
    elif got:
        out[got[0]] = got[1]
    return out


def flops(r: LayerRow, count: tuple[str, ...] = ()) -> int:
    """FLOPs = 2 × MACs, plus the extra operations of the kinds ``count`` names."""
    if not count:
        return flops_of_macs(r.counts.macs)
    extra = extra_ops(r)
    return flops_of_macs(r.counts.macs) + sum(extra[k] for k in count)


def flops_of_macs(macs: int) -> int:
    """FLOPs of a MAC count (a total, or a table's MACs column): a multiply and an add each."""
    return 2 * macs


# --- training --------------------------------------------------------------------------------

def training_text(kinds=()) -> str:
    """The ``--training`` rule as the footer states it, for a network of ``kinds`` (the fixed
    prototypes of RBF units are named only where the network has them)."""
    rbf = any(RULES[k].category == "radial basis" for k in kinds)
    return ("the backward pass of a weighted layer is ≈ 2 × its forward MACs: the gradient of its "
            "input and the gradient of its weights, each as many multiply-adds as the forward pass"
            + (" (1 × for LeNet-5's RBF units, whose fixed prototypes get no gradient)" if rbf
               else "")
            + ", at 2 FLOPs per MAC; counted for every weighted layer, the first too (whose input "
            "gradient training can skip); the backward of bias, activation, pooling, "
            "normalization and join layers and the optimizer's update are left out")


def backward_macs(r: LayerRow) -> int:
    """MACs of ``r``'s backward pass, the ``--training`` rule: for a weighted layer its forward
    MACs for the input gradient and as many again for the weight gradient where it has trainable
    weights (an RBF layer's prototypes are fixed); none for any other layer."""
    if not weighted(r):
        return 0
    return r.counts.macs * (2 if r.counts.weights else 1)


def training_flops(r: LayerRow, count: tuple[str, ...] = ()) -> int:
    """A training step's FLOPs for ``r``: its forward ``flops`` and its backward MACs, 2 each."""
    return flops(r, count) + flops_of_macs(backward_macs(r))


# --- memory ----------------------------------------------------------------------------------

def activations(r: LayerRow) -> int:
    """Values ``r``'s output adds to a forward pass's storage: its output's values when it is a
    new tensor; none when it is computed in place, the identity or a view of its input."""
    return r.output.elements if new_tensor(r) else 0


def activation_values(a: Analysis, aux: bool = False) -> int:
    """Values a forward pass stores per image: the input and every row's ``activations``
    (the auxiliary heads' with ``aux``)."""
    return a.input_elements + sum(activations(r) for r in inference(a, aux))


# --- longest paths ---------------------------------------------------------------------------

class Chain(Record):
    """A chain of counted rows along one path through the graph, as a linked list from its
    last row back (sharing its beginning with the chains it grew from)."""

    __slots__ = ("length", "last", "before")
    length: int
    last: LayerRow | None
    before: "Chain | None"

    def __init__(self, length: int = 0, last: LayerRow | None = None,
                 before: "Chain | None" = None):
        _set(self, "length", length)
        _set(self, "last", last)
        _set(self, "before", before)

    def rows(self) -> list[LayerRow]:
        out, c = [], self
        while c.last is not None:
            out.append(c.last)
            c = c.before
        return out[::-1]


EMPTY = Chain()


def longest_paths(rows: Iterable[LayerRow],
                  counted: Callable[[LayerRow], bool] = weighted) -> dict[str, Chain]:
    """For each row (by name), the longest chain of ``counted`` rows on a path ending at it.
    An input that is not among ``rows`` (the network's input, a layer before a paper table's
    row) starts an empty chain; of equally long chains, the first input's is kept."""
    best: dict[str, Chain] = {}
    for r in rows:
        before = max((best[i] for i in r.inputs if i in best), key=_length, default=EMPTY)
        best[r.name] = Chain(before.length + 1, r, before) if counted(r) else before
    return best


def _length(c: Chain) -> int:
    return c.length


def longest(rows: Iterable[LayerRow], counted: Callable[[LayerRow], bool] = weighted) -> Chain:
    """The longest chain of ``counted`` rows through ``rows`` (the first, of equally long)."""
    return max(longest_paths(rows, counted).values(), key=_length, default=EMPTY)


def depth(a: Analysis) -> int:
    """Weighted layers on the longest path from the input to the output (the last row),
    auxiliary heads left out: VGG-16 16, ResNet-50 50, GoogLeNet 22."""
    rows = inference(a)
    return longest_paths(rows)[rows[-1].name].length if rows else 0
