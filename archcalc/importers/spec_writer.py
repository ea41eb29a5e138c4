"""From a model's graph to an ordinary archcalc spec: the one module every importer ends in.

An importer (torch, ONNX, Keras, Caffe) reads its source and describes it as a ``Graph``: ``Op``s
in topological order, each with an archcalc layer kind and its attributes in the spec language's
terms, the name it has in the source (a module path such as ``layer1.0.conv1``), and the output
shape the source itself reports. Importers never make rows: this module writes spec text, which
the usual loader and engine then read like any bundled spec. The steps:

1. **tidy**: identities are dropped; a concat of another concat's inputs plus more is rewritten as
   a concat of that concat (a DenseNet block concatenates every earlier map at each layer).
2. **structure**: the spec language has chains and join blocks whose branches all fork from one
   tensor; each join's fork is its immediate dominator, so the graph becomes nested chains and
   joins. A graph not of that form (a tensor read from inside another join's branch) is refused,
   naming the tensor; every op must be placed exactly once. In a model of several inputs a
   branch that starts at an input says so: its first layer, or its first join's block, gets
   ``from = "NAME"``, and a branch with no op on the input is written as the input's name.
3. **scopes**: consecutive layers of one source module (the names' common prefix) form a group.
4. **blocks**: join bodies, and groups of a module class seen more than once, become blocks;
   instances of the same shape share one block, the values that differ become its ``params``
   (the most common value its default), a branch only some instances have is kept by ``if``;
   consecutive instances named ``X0, X1, …`` become one ``use`` with ``n`` (and ``first``,
   ``last`` or ``each`` for what differs). A group that is one such run is written as the run.
5. **TOML**, with a header comment naming the source, the tool and versions, and the input.

The written spec is then loaded back and analysed, and every layer's output shape must equal the
one the source reported (a multiset of kinds and shapes): a wrong importer fails loudly.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field

from ..core.errors import ArchcalcError
from ..core.kinds import REQUIRED, RULES

INPUT = "input"
ROOT = "\0inputs"           # above every input of a model of several (never a layer's name)
JOINS = ("concat", "add", "mul")
IDENTITY = "identity"            # an op that passes its input on unchanged: dropped by tidy()
UNKNOWN = "unknown"              # an op archcalc has no kind for: the import is refused
SCALE = "scale"                  # a product with a constant: an add's ``scale`` (tidy() folds it)
RESERVED = {"name", "n", "first", "last", "if", "note", "aux", "use", "each", "from"}
# A readable param name for a kind's main value (``conv = 64`` → ``c``).
MAIN_PARAM = {"conv": "c", "sepconv": "c", "dwconv": "mult", "fc": "units", "zeropad": "c",
              "maxpool": "k", "avgpool": "k", "subsample": "k", "adaptive_avgpool": "size",
              "lrn": "size", "dropout": "rate", "rbf": "units"}


class ImportFailure(ArchcalcError):
    """A model that cannot be imported: one message, exit status 2."""


@dataclass
class Op:
    """One operation of the source model, already in archcalc's terms.

    ``attrs`` holds the spec attributes (the main value under the kind's own key: ``{"conv": 64,
    "k": 3, "p": 1, "bias": False}``); those left out take the kind's defaults. ``shape`` is the
    output shape per sample as the source reports it, ``(C, H, W)`` or ``(N,)``, or ``None``
    where the source does not say. ``where`` locates it in the source for messages;
    ``source_type`` is the source's own name for the operation (``Conv2d``, ``Conv``)."""

    name: str
    kind: str
    attrs: dict = field(default_factory=dict)
    inputs: tuple[str, ...] = ()
    shape: tuple[int, ...] | None = None
    where: str = ""
    source_type: str = ""
    keeps_shape: bool = False     # an element-wise op (an unknown activation): output = input


@dataclass
class Graph:
    """A model as ops in topological order, reading ``INPUT`` and producing ``output``.

    ``sep`` is the character that separates the levels of the source's names (``.`` for torch
    module paths, ``_`` for Keras and Caffe layer names); ``classes`` maps a module path to its
    class name where the source has classes (torch), which names the blocks."""

    ops: list[Op]
    output: str
    input: tuple[int, int, int]
    sep: str = "."
    classes: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)      # for the spec's notes
    # a model of several inputs: ((name, (C, H, W)), …) in order, the ops reading them by name
    # (``input`` is then the first one's shape); empty for a model of one, read as ``INPUT``
    inputs: tuple = ()
    # modules that hold joins of their own besides their layers (a transformer encoder layer's
    # two residual adds), where the source names no class for them (ONNX's TorchScript export)
    join_owners: frozenset = frozenset()

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(n for n, _ in self.inputs) if self.inputs else (INPUT,)


@dataclass
class Meta:
    """What the header and the top-level keys say about where the spec came from."""

    name: str
    description: str
    source: str
    header: list[str]                 # comment lines, without the leading '# '
    notes: list[str] = field(default_factory=list)


def input_names(raw: list[str]) -> dict[str, str]:
    """A model's input names → the names its spec gives them: letters, digits, _, . and - (the
    spec's rule), ``input`` kept for a network's one input, each one unique."""
    import re

    out: dict[str, str] = {}
    for name in raw:
        n = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
        if not re.match(r"[A-Za-z_]", n):
            n = "_" + n
        while n == INPUT or n in out.values():
            n += "_"
        out[name] = n
    return out


# --- 1. tidy -----------------------------------------------------------------------------

# The three steps of a channel shuffle written out (torchvision's ShuffleNet v2: view to G × C/G,
# transpose, view back; ONNX's Reshape, Transpose, Reshape), each a pseudo-kind until
# fuse_shuffles() makes them one ``shuffle`` op; a step left alone is an unsupported reshape.
GROUPED, SWAPPED, UNGROUPED = "_grouped", "_swapped", "_ungrouped"


# A C×H×W map reshaped to C × H·W, its positions read as tokens: a pseudo-kind until
# fuse_patches() makes the P×P stride-P conv before it a ``patch_embed``.
TOKENS = "_tokens"


class Dims(tuple):
    """A tensor's shape per sample as its source gives it (torch, ONNX), and how archcalc reads
    it (``layout``):
    ``""`` a C×H×W map or a vector as they are; ``"hwc"`` a channels-last map (H, W, C), as
    ConvNeXt's blocks permute it for nn.LayerNorm and nn.Linear; ``"seq"`` a sequence of N tokens
    of width D, (N, D), as a transformer's encoder reads it; ``"dn"`` the same tokens
    channels-first, (D, N), as a conv's map is reshaped into them. archcalc shows the first two
    as C×H×W and the last two as D×N×1."""

    layout = ""

    def __new__(cls, shape, layout: str = ""):
        d = super().__new__(cls, tuple(shape))
        d.layout = layout if len(d) == {"hwc": 3, "seq": 2, "dn": 2}.get(layout, len(d)) else ""
        return d

    def archcalc(self) -> tuple:
        if self.layout == "hwc":
            h, w, c = self
            return (c, h, w)
        if self.layout in ("seq", "dn"):
            n, d = self if self.layout == "seq" else reversed(self)
            return (d, n, 1)
        return tuple(self)


LAYOUT = "_layout"          # a converter's attribute: the layout of the op's output (Dims)
# What reads a channels-last map or a sequence of tokens the way it reads a C×H×W map: the
# element-wise kinds and those defined on a position's channels (ln, linear) or on tokens.
LAYOUT_SAFE = {IDENTITY, TOKENS, "relu", "relu6", "gelu", "sigmoid", "tanh", "silu",
               "hardswish", "hardsigmoid", "dropout", "stochastic_depth", "add", "mul", "ln",
               "linear", "layer_scale", "cls_token", "pos_embed", "mhsa", "token",
               "bias"}          # (ONNX's Add of a MatMul's bias, folded into its linear)
WHERE = {"hwc": "a channels-last map", "seq": "a sequence of tokens", "dn": "tokens (D, N)"}


def layout_of(x) -> str:
    return getattr(x, "layout", "")


def with_layout(result, ins, out, stype):
    """(the converter's result, the layout of its output): a tensor keeps its input's layout
    where it keeps its rank, unless the converter says otherwise; an operation that reads a
    channels-last map or a sequence of tokens and is not defined on one is unsupported."""
    pieces = result if isinstance(result, list) else [result]
    lay = layout_of(ins[0]) if ins and len(ins[0]) == len(out) else ""
    for _, attrs in pieces:
        if isinstance(attrs, dict) and LAYOUT in attrs:
            lay = attrs.pop(LAYOUT)
    odd = next((layout_of(x) for x in ins if layout_of(x)), "")
    if odd and (any(k not in LAYOUT_SAFE for k, _ in pieces if k != UNKNOWN)
                or len({layout_of(x) for x in ins}) > 1):
        return (UNKNOWN, f"{stype} on {WHERE[odd]}"), ""
    return result, lay


def fuse_shuffles(ops: list[Op]) -> list[Op]:
    """Each reshape–transpose–reshape chain that is a channel shuffle made one ``shuffle`` op
    (the last reshape's name, shape and place; while archcalc has no shuffle kind, one
    unsupported op); the pieces of any other chain are unsupported reshapes."""
    by_name = {op.name: op for op in ops}
    readers: dict[str, int] = {}
    for op in ops:
        for i in op.inputs:
            readers[i] = readers.get(i, 0) + 1

    def source(name, passed):    # through identities (contiguous) that only this chain reads
        op = by_name.get(name)
        while op is not None and op.kind == IDENTITY and readers.get(op.name) == 1:
            passed.append(op.name)
            op = by_name.get(op.inputs[0])
        return op
    drop: set[str] = set()
    for op in ops:
        if op.kind != UNGROUPED:
            continue
        passed: list[str] = []
        t = source(op.inputs[0], passed)
        g = source(t.inputs[0], passed) if t is not None and t.kind == SWAPPED else None
        if g is None or g.kind != GROUPED or readers.get(t.name) != 1 \
                or readers.get(g.name) != 1:
            continue
        if "shuffle" in RULES:
            op.kind, op.attrs = "shuffle", {"shuffle": g.attrs["groups"]}
        else:
            op.kind, op.attrs = UNKNOWN, {}
            op.source_type = "channel shuffle (reshape, transpose, reshape)"
        op.inputs = g.inputs
        drop |= {t.name, g.name, *passed}
    out = []
    for op in ops:
        if op.name in drop:
            continue
        if op.kind in (GROUPED, SWAPPED, UNGROUPED):
            op.kind, op.attrs = UNKNOWN, {}
            op.source_type += " (a reshape)"
        out.append(op)
    return out





def fuse_patches(ops: list[Op]) -> list[Op]:
    """Each P×P conv with stride P and no padding whose map is reshaped into tokens, and read by
    nothing else, made one ``patch_embed`` op (the conv's name and place, the tokens' shape): ViT's
    patch embedding. Any other reshape into tokens is unsupported."""
    by_name = {op.name: op for op in ops}
    readers = Counter(i for op in ops for i in op.inputs)
    for op in ops:
        if op.kind != TOKENS:
            continue
        conv = by_name.get(op.inputs[0])
        a = conv.attrs if conv is not None else {}
        k = tuple(a.get("k", ()))
        if (conv is None or conv.kind != "conv" or readers[conv.name] != 1 or len(k) != 2
                or k[0] != k[1] or tuple(a.get("s", ())) != k
                or a.get("p") not in ([0, 0], (0, 0), [0] * 4, (0,) * 4)
                or tuple(a.get("dilation", (1, 1))) != (1, 1) or a.get("groups", 1) != 1
                or "patch_embed" not in RULES):
            op.kind, op.attrs = UNKNOWN, {}
            op.source_type += " (a map reshaped into tokens, not after a patch embedding)"
            continue
        conv.kind, conv.shape = "patch_embed", op.shape
        conv.attrs = {"patch_embed": a["conv"], "patch": k[0], "bias": a.get("bias", True)}
        op.kind, op.attrs = IDENTITY, {}
    return ops


def upsample_by_shapes(x, out, mode: str, what: str):
    """``upsample`` of ``mode`` ("nearest" or "bilinear") for an importer's upsampling node whose
    input is ``x`` and output ``out`` (C, H, W): the factor is worked out from the shapes (as an
    output size or a scale factor gives it), and must be whole; ``what`` names the node in the
    message where it is not."""
    x = tuple(x)
    if len(x) != 3 or out is None or len(out) != 3 or out[0] != x[0]:
        return UNKNOWN, f"{what} of other than a C×H×W map"
    if out[1] % x[1] or out[2] % x[2]:
        return UNKNOWN, f"{what} of {x[1]}×{x[2]} to {out[1]}×{out[2]}, not by a whole factor"
    if "upsample" not in RULES:
        return UNKNOWN, ""
    return "upsample", {"upsample": (out[1] // x[1], out[2] // x[2]), "mode": mode}


def centre_crop(hw, bounds):
    """``crop`` for an importer's slice of a map's rows and columns: ``hw`` the map's (H, W),
    ``bounds`` the kept (start, stop) of each, clamped to it; where they keep the centre as
    ``crop`` does ((H − h) // 2 rows cut at the top). Else a message saying where they start."""
    size = [stop - start for start, stop in bounds]
    if min(size) <= 0:
        return UNKNOWN, f"a slice of {hw[0]}×{hw[1]} that keeps nothing"
    if any(start != (n - k) // 2 for (start, _), n, k in zip(bounds, hw, size)):
        return UNKNOWN, (f"a crop of {hw[0]}×{hw[1]} to {size[0]}×{size[1]} that is not its "
                         f"centre (rows from {bounds[0][0]}, columns from {bounds[1][0]}; "
                         f"archcalc's crop keeps the centre, cutting (H − h) // 2 rows at the top)")
    return "crop", {"crop": size}


def unsupported_message(ops: list[Op], what: str) -> str:
    """One message listing each unsupported op type, how many times and where."""
    by_type: dict[str, list[str]] = {}
    for op in ops:
        by_type.setdefault(op.source_type or op.kind, []).append(op.where or op.name)
    lines = []
    for t, places in by_type.items():
        shown = ", ".join(places[:5]) + (f", … ({len(places) - 5} more)" if len(places) > 5 else "")
        lines.append(f"  {t} ×{len(places)}: {shown}")
    return (f"{what} has {sum(len(p) for p in by_type.values())} operation"
            f"{'s' * (sum(len(p) for p in by_type.values()) != 1)} archcalc cannot count:\n"
            + "\n".join(lines) + "\n  (--skip-unknown keeps them as rows that are not counted, "
            "named in the table's footer)")


def _short_type(op: Op) -> str:
    """``Resize`` for ``Resize (scales computed in the graph)``: the source's operation name."""
    m = re.fullmatch(r"\w+ \(activation '([^']+)'\)", op.source_type or "")
    if m:                                   # Keras: Activation (activation 'gelu') → gelu
        return m.group(1)
    return (op.source_type or "operation").split(" (")[0]


def keep_uncounted(ops: list[Op]) -> str:
    """Turn each unsupported op into an ``uncounted`` layer with the output shape the source
    reported (in place); the spec's note that names them, for the table's footer."""
    missing = [op for op in ops if (op.shape is None and not op.keeps_shape)
               or (op.shape is not None and len(op.shape) not in (1, 3))]
    if missing:
        raise ImportFailure(
            "--skip-unknown keeps an operation archcalc cannot count with the output shape its "
            "source reports (C×H×W or a vector), and the source reports none for: "
            + ", ".join(f"{op.where or op.name} ({_short_type(op)})" for op in missing[:5])
            + (", …" if len(missing) > 5 else ""))
    by_type: dict[str, list[str]] = {}
    for op in ops:
        t = _short_type(op)
        by_type.setdefault(t, []).append(op.name)
        op.kind = "uncounted"
        if op.shape is None:            # element-wise: the input's shape
            op.attrs = {"uncounted": t}
            continue
        shape = tuple(op.shape)
        op.attrs = ({"uncounted": t, "c": shape[0], "flat": True} if len(shape) == 1 else
                    {"uncounted": t, "c": shape[0], "h": shape[1], "w": shape[2]})
    listed = "; ".join(f"{t} ×{len(names)} ({', '.join(names[:5])}"
                       f"{', …' if len(names) > 5 else ''})" for t, names in by_type.items())
    n = len(ops)
    return (f"not counted: {n} operation{'s' * (n != 1)} archcalc has no rule for, kept by "
            f"--skip-unknown as 'uncounted' rows with the output shapes the source reported: "
            f"{listed}; their parameters and operations are in no total")


def tidy(g: Graph) -> Graph:
    """Identities out, DenseNet-style concats nested, duplicate concats merged."""
    alias: dict[str, str] = {}
    seen_cat: dict[tuple[str, ...], str] = {}
    out: list[Op] = []
    readers = Counter(i for op in g.ops for i in op.inputs)
    scales: dict[str, Op] = {}

    def res(n: str) -> str:
        while n in alias:
            n = alias[n]
        return n

    for op in g.ops:
        ins = tuple(res(i) for i in op.inputs)
        if op.kind == IDENTITY or (op.kind == "concat" and len(ins) == 1):
            alias[op.name] = ins[0]
            continue
        if op.kind == SCALE:
            scales[op.name] = Op(op.name, op.kind, op.attrs, ins, op.shape, op.where,
                                 op.source_type)
            continue                # folded into the add that reads it, below, or refused
        if op.kind == "add" and len(ins) == 2:
            scaled = [i for i in ins if i in scales and readers[i] == 1]
            if len(scaled) == 1:
                # x + c·F(x) (Inception-ResNet): the add's scale, on the residual branch
                s = scales.pop(scaled[0])
                other = ins[1] if ins[0] == scaled[0] else ins[0]
                ins = (s.inputs[0], other)
                op = Op(op.name, op.kind, dict(op.attrs, scale=s.attrs["scale"]), ins,
                        op.shape, op.where, op.source_type)
        if op.kind == "concat":
            if ins in seen_cat:
                alias[op.name] = seen_cat[ins]
                continue
            original = ins
            for m in range(len(ins) - 1, 1, -1):
                if ins[:m] in seen_cat:
                    ins = (seen_cat[ins[:m]],) + ins[m:]
                    break
            seen_cat[original] = op.name
            seen_cat.setdefault(ins, op.name)
        out.append(Op(op.name, op.kind, op.attrs, ins, op.shape, op.where, op.source_type))
    for s in scales.values():
        if not any(s.name in op.inputs for op in out):
            continue
        out.insert(next(i for i, op in enumerate(out) if s.name in op.inputs),
                   Op(s.name, UNKNOWN, {}, s.inputs, s.shape, s.where,
                      f"{s.source_type} (by a constant, not into a residual sum)"))
    return Graph(out, res(g.output), g.input, g.sep, g.classes, inputs=g.inputs)


# --- 2. structure ------------------------------------------------------------------------

@dataclass
class Leaf:
    op: Op


@dataclass
class Join:
    op: Op
    branches: list                # each a chain of Leaf / Join items, or a network input's
    post: list = field(default_factory=list)      # name: that input, unchanged
    source: str = ""              # the network input the join's block reads (``from``)


@dataclass
class Group:
    path: str
    items: list


def structure(g: Graph) -> list:
    """The graph as a chain of ``Leaf`` and ``Join`` items (joins holding their branches)."""
    ops = {op.name: op for op in g.ops}
    order = {op.name: i for i, op in enumerate(g.ops)}
    parent: dict[str, str | None] = {INPUT: None}
    depth: dict[str, int] = {INPUT: 0}
    root = INPUT
    if g.inputs:                    # several inputs: each one a child of one virtual root
        root = ROOT
        parent, depth = {ROOT: None}, {ROOT: 0}
        for name in g.input_names:
            parent[name], depth[name] = ROOT, 1

    def lca(a: str, b: str) -> str:
        while a != b:
            if depth[a] < depth[b]:
                a, b = b, a
            a = parent[a]
        return a

    def head(i: str, d: str) -> str:
        """The ancestor of ``i`` just below ``d``: which of ``d``'s branches ``i`` is on (``d``
        itself for the branch that is ``d``, the identity)."""
        while i != d and parent[i] != d:
            i = parent[i]
        return i

    def nest(op: Op, d: str) -> list[Op]:
        """A join whose inputs include several of one branch of its fork (torch's exporter
        writes Inception-v3's cat(a, cat(b, c), d) as one Concat of a, b, c, d, where b and c
        fork inside a branch) made a join of joins: each contiguous run of inputs on one branch
        joined first, by a join of the same kind, as the source had it. Concatenating in order
        or adding is the same either way; runs that are not contiguous are left (refused
        below)."""
        heads = [head(i, d) for i in op.inputs]
        runs, start = [], 0
        for k in range(1, len(heads) + 1):
            if k == len(heads) or heads[k] != heads[start]:
                runs.append((start, k))
                start = k
        if len(runs) == len(heads) or len(set(heads)) != len(runs):
            return []
        made, inputs = [], []
        for a, b in runs:
            if b - a == 1:
                inputs.append(op.inputs[a])
                continue
            part = op.inputs[a:b]
            shapes = [ops[i].shape for i in part]
            shape = None
            if all(x is not None for x in shapes):
                shape = ((sum(x[0] for x in shapes), *shapes[0][1:]) if op.kind == "concat"
                         else shapes[0])
            name = f"{op.name}_{len(made) + 1}"
            while name in ops:
                name += "_"
            inner = Op(name, op.kind, dict(op.attrs), tuple(part), shape,
                       f"{op.where} (its inputs {a + 1}–{b})", op.source_type)
            made.append(inner)
            inputs.append(name)
        op.inputs = tuple(inputs)
        return made

    def fork(inputs) -> str:
        """The nearest tensor every one of ``inputs`` comes from."""
        d = inputs[0]
        for i in inputs[1:]:
            d = lca(d, i)
        return d

    def place(op: Op) -> None:
        d = fork(op.inputs)
        if len(op.inputs) > 2 and op.kind in JOINS:
            for inner in nest(op, d):
                ops[inner.name] = inner
                nested.append((op.name, inner))
                place(inner)
            d = fork(op.inputs)         # the same tensor: the runs came from its branches
        parent[op.name], depth[op.name] = d, depth[d] + 1

    nested: list[tuple[str, Op]] = []     # (join, a join made inside it)
    for op in g.ops:
        if not op.inputs:
            raise ImportFailure(f"{op.where or op.name}: an operation with no input tensor "
                                f"({op.source_type or op.kind}) cannot be written as a layer")
        for i in op.inputs:
            if i not in depth:
                raise ImportFailure(f"{op.where or op.name} reads {i!r}, which is not produced "
                                    "before it (the graph is not in order, or reads a tensor "
                                    "archcalc did not import)")
        place(op)
        if len(op.inputs) > 1 and op.kind not in JOINS:
            raise ImportFailure(f"{op.where or op.name}: a {op.source_type or op.kind} with "
                                f"{len(op.inputs)} inputs; archcalc joins branches only by "
                                "concat, add and mul")
    for join, inner in nested:          # the joins made, each before the one it feeds
        g.ops.insert(next(k for k, o in enumerate(g.ops) if o.name == join), inner)

    def chain(start: str, end: str) -> list:
        items = []
        cur = end
        while cur != start:
            if start == ROOT and cur in g.input_names:
                # a branch that begins at a network input: its first layer, or the block of
                # its first join, says which (``from``); a branch with nothing on the input is
                # written as the input's name (the join reads it unchanged)
                if not items:
                    return cur
                if isinstance(items[-1], Join):
                    items[-1].source = cur
                break
            if cur == INPUT or cur == ROOT:
                raise ImportFailure("internal: a branch does not start at its fork")
            op = ops[cur]
            if len(op.inputs) == 1:
                items.append(Leaf(op))
                cur = op.inputs[0]
            else:
                fork = parent[cur]
                items.append(Join(op, [chain(fork, i) for i in op.inputs]))
                cur = fork
        items.reverse()
        return items

    top = chain(root, g.output)
    if isinstance(top, str):
        raise ImportFailure(f"the model returns its input '{top}' unchanged: there is no layer "
                            "to write")
    placed = Counter(_ops_in(top))
    twice = [n for n, c in placed.items() if c > 1]
    if twice:
        first = min(twice, key=order.get)
        readers = [o.where or o.name for o in g.ops if first in o.inputs]
        raise ImportFailure(
            f"the output of {ops[first].where or first} is read by {', '.join(readers)}, from "
            "inside different branches; the spec language joins branches that fork from one "
            "tensor (concat, add, mul blocks) and cannot write this graph")
    unused = [op for op in g.ops if op.name not in placed]
    if unused:
        names = ", ".join(op.where or op.name for op in unused[:5])
        raise ImportFailure(
            f"{len(unused)} operation{'s' * (len(unused) != 1)} do not lead to the model's "
            f"output ({names}{', …' if len(unused) > 5 else ''}); archcalc imports one output")
    return top


def _ops_in(items: list):
    for it in items:
        if isinstance(it, Leaf):
            yield it.op.name
        elif isinstance(it, Join):
            for b in it.branches:
                if not isinstance(b, str):          # an input's name: no op
                    yield from _ops_in(b)
            yield it.op.name
            yield from _ops_in(it.post)
        else:
            yield from _ops_in(it.items)


# --- 3. scopes ---------------------------------------------------------------------------

class Names:
    """Prefix arithmetic on the source's dotted (or underscored) names."""

    def __init__(self, sep: str, owners: frozenset = frozenset()):
        self.sep = sep
        self.owners = owners        # Graph.join_owners

    def parts(self, name: str) -> list[str]:
        return name.split(self.sep)

    def common(self, names: list[str]) -> str:
        ps = [self.parts(n) for n in names]
        out = []
        for level in zip(*ps):
            if len(set(level)) != 1:
                break
            out.append(level[0])
        # a name is never its own scope: keep at least one segment back from the shortest
        shortest = min(len(p) for p in ps)
        return self.sep.join(out[:shortest - 1])

    def child(self, path: str, prefix: str) -> str | None:
        """The scope one level below ``prefix`` that holds ``path`` (``None``: ``path`` is at
        the level of ``prefix``'s children itself, a leaf there)."""
        rest = self.rel(path, prefix)
        parts = self.parts(rest)
        if len(parts) == 1:
            return None
        return (prefix + self.sep if prefix else "") + parts[0]

    def rel(self, path: str, prefix: str) -> str:
        if prefix and path.startswith(prefix + self.sep):
            return path[len(prefix) + len(self.sep):]
        return path


def _path(item, names: Names) -> str:
    if isinstance(item, Leaf):
        return item.op.name
    if isinstance(item, Group):
        return item.path
    return item.path       # Join: set by scope()


def scope(items: list, prefix: str, names: Names) -> list:
    """Group consecutive items of one module scope, recursively; a join learns its instance
    path (the common scope of its branches' layers) and takes the layers after it that belong
    to the same instance as its ``post``."""
    for it in items:
        if isinstance(it, Join):
            inside = [n for b in it.branches if not isinstance(b, str) for n in _ops_in(b)]
            it.path = (names.common(inside) if len(inside) > 1 else
                       names.common(inside + [it.op.name]) if inside else "")
            if not it.path or (prefix and not (it.path == prefix and prefix in names.owners)
                               and not it.path.startswith(prefix + names.sep)):
                it.path = ""
    # post layers: right after a join, the layers of its instance
    out: list = []
    i = 0
    while i < len(items):
        it = items[i]
        out.append(it)
        i += 1
        if isinstance(it, Join) and it.path:
            while (i < len(items) and isinstance(items[i], Leaf)
                   and items[i].op.name.startswith(it.path + names.sep)):
                it.post.append(items[i])
                i += 1
    items = out
    for it in items:
        if isinstance(it, Join):
            base = it.path or prefix
            it.branches = [b if isinstance(b, str) else scope(b, base, names)
                           for b in it.branches]
            it.post = scope(it.post, base, names)
    def key_of(item) -> str | None:
        path = _path(item, names)
        if not path or (path == prefix and prefix in names.owners):
            return None                 # a join of the module being scoped (one of several)
        key = names.child(path, prefix)
        if key is None and isinstance(item, Join):
            return path     # the join of module `path` itself (SqueezeNet's Fire: a squeeze
        return key          # conv, then the concat of its expands): grouped with its layers

    grouped: list = []
    i = 0
    while i < len(items):
        key = key_of(items[i])
        j = i
        while key is not None and j + 1 < len(items) and key_of(items[j + 1]) == key:
            j += 1
        run = items[i:j + 1]
        if key is None or (len(run) == 1 and _path(run[0], names) == key):
            grouped.extend(run)
        else:
            grouped.append(Group(key, scope(run, key, names)))
        i = j + 1
    return grouped


# --- 4. blocks ---------------------------------------------------------------------------

def _compact(kind: str, attr, value):
    """A checked attribute value in its shortest spec form."""
    if attr is not None and attr.type == "pair" and isinstance(value, (tuple, list)):
        return value[0] if value[0] == value[1] else list(value)
    if attr is not None and attr.type == "padding" and isinstance(value, (tuple, list)):
        t, b, l, r = value
        if t == b == l == r:
            return t
        return [t, l] if (t == b and l == r) else list(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def layer_item(op: Op, name: str) -> dict:
    """``{kind: main, attr: value, …, name: name}`` with every schema attribute, in compact form
    (defaults are dropped only when the text is written, so instances compare position by
    position)."""
    from ..core.spec import CHECKERS, BadValue

    rule = RULES[op.kind]
    item: dict = {}
    specs = ([rule.main] if rule.main else []) + list(rule.attrs)
    for a in specs:
        v = op.attrs.get(a.name, None)
        if v is None:
            if a.default is REQUIRED:
                raise ImportFailure(f"internal: {op.where or op.name}: {op.kind} without "
                                    f"'{a.name}'")
            v = a.default
            if v is None:
                continue
        if isinstance(v, tuple):
            v = list(v)
        try:
            v = CHECKERS[a.type](v)
        except BadValue as e:
            raise ImportFailure(f"{op.where or op.name}: {op.source_type or op.kind}'s "
                                f"{a.name} must be {e}, found {v!r}") from None
        item[a.name] = _compact(op.kind, a, v)
    if rule.main is None or rule.main.name not in item:     # no main value, or left out
        item = {op.kind: True, **item}
    for k in op.attrs:
        if k not in item and k != op.kind:
            raise ImportFailure(f"internal: {op.where or op.name}: {op.kind} has no "
                                f"attribute '{k}'")
    if op.kind == "uncounted":
        item["note"] = "not counted"
    item["name"] = name
    return item


def _is_default(kind: str, key: str, value) -> bool:
    """Whether ``value`` is what the loader would use for ``key`` anyway."""
    from ..core.spec import CHECKERS, BadValue

    rule = RULES[kind]
    for a in ([rule.main] if rule.main else []) + list(rule.attrs):
        if a.name == key:
            if a.default is REQUIRED or a.default is None or isinstance(value, str):
                return False
            try:
                return _compact(kind, a, CHECKERS[a.type](a.default)) == value
            except BadValue:
                return False
    return False


def _key(v) -> str:
    return json.dumps(v, sort_keys=True)


@dataclass(eq=False)
class Instance:
    """A join body, or a group of one source module, on its way to becoming a block use."""

    kind: str                     # "layers" or a join kind
    cls: str                      # the source's class name ("" where it has none)
    raw: dict                     # body lists of layer dicts and nested Instances
    name: str                     # relative to the chain it sits in
    height: int = 0
    body: dict = field(default_factory=dict)        # the same, every nested instance resolved
    template: "Template | None" = None
    args: dict = field(default_factory=dict)
    run: dict | None = None       # a group that is one run of a block: written as that run
    source: str = ""              # the network input its use reads (``from``), if any


@dataclass(eq=False)
class Template:
    kind: str
    cls: str
    skel: tuple
    instances: list = field(default_factory=list)
    block: str = ""
    params: list = field(default_factory=list)          # names, in order
    defaults: dict = field(default_factory=dict)
    body: dict = field(default_factory=dict)


def _lists(body: dict):
    """(path, list) for each list of items in a body (a branch that is an input's name holds
    none)."""
    for key, val in body.items():
        if key in JOINS:
            for b, br in enumerate(val):
                if not isinstance(br, str):
                    yield (key, b), br
        elif key != "join":
            yield (key,), val


def positions(body: dict) -> dict:
    """A finished body as {position: value}: ``("add", 0, 3, "k")`` is the kernel of the fourth
    layer of branch 0; ``("layers", 2, "first", "s")`` an override of a run."""
    out = {}

    def walk(prefix, d):
        for k, v in d.items():
            if isinstance(v, dict):      # first / last overrides, { each = [...] }
                walk(prefix + (k,), v)
            else:
                out[prefix + (k,)] = v
    for path, items in _lists(body):
        for i, item in enumerate(items):
            walk(path + (i,), item)
    walk(("join",), body.get("join", {}))
    return out


def _set(body: dict, pos: tuple, value) -> None:
    if pos[0] == "join":
        d, rest = body["join"], pos[1:]
    else:
        lst = body[pos[0]][pos[1]] if pos[0] in JOINS else body[pos[0]]
        rest = pos[2:] if pos[0] in JOINS else pos[1:]
        d, rest = lst[rest[0]], rest[1:]
    for k in rest[:-1]:
        d = d[k]
    d[rest[-1]] = value


def _item_sig(item: dict) -> tuple:
    head = ("use", item["use"]) if "use" in item else ("layer", next(iter(item)))
    keys = []
    for k, v in item.items():
        keys.append((k, tuple(sorted(v)) if isinstance(v, dict) else None))
    return head + (item["name"], tuple(sorted(keys, key=str)))


def _skel(kind: str, body: dict) -> tuple:
    out = []
    for key, val in body.items():
        if key in JOINS:
            out += [((key, b), br if isinstance(br, str) else tuple(_item_sig(i) for i in br))
                    for b, br in enumerate(val)]        # an input's name stands as itself
        elif key != "join":
            out.append(((key,), tuple(_item_sig(i) for i in val)))
    return tuple(out) + (("join", tuple(sorted(body.get("join", {})))),)


def _merge(a: tuple, b: tuple) -> tuple | None:
    """The skeleton both fit, where a join's branch may be empty in one of them; else ``None``.
    It is one of the two (the other's branches a subset of its own): Writer.resolve writes the
    block from its fullest instance, so [[A], []] and [[], [B]] (a transformer's attention
    and MLP residuals, written without their classes) are two blocks, not one missing A."""
    if a == b:
        return a
    if len(a) != len(b):
        return None
    out = []
    for (pa, xa), (pb, xb) in zip(a, b):
        if pa != pb:
            return None
        if (isinstance(xa, str) or isinstance(xb, str)) and xa != xb:
            return None         # an input, unchanged, is no layers left out (nor another input)
        if xa == xb or not xb:
            out.append((pa, xa))
        elif not xa and pa[0] in JOINS:
            out.append((pa, xb))
        elif not xb and pa[0] in JOINS:
            out.append((pa, xa))
        else:
            return None
    out = tuple(out)
    return out if out in (a, b) else None


_ABSENT = object()


def _type(values: list) -> str:
    """The JSON type of a param's values (params of different types are never merged)."""
    v = next(x for x in values if x is not _ABSENT)
    return "bool" if isinstance(v, bool) else type(v).__name__


BLOCK_WORDS = {"add": "residual", "concat": "branches", "mul": "gate", "layers": "group"}


def _index(name: str):
    """``("layer1.", 0)`` for ``layer1.0``: a name ending in a number (or, after a digit, in one
    letter: Caffe's ``res2a``), as the instances of a repeated block are named."""
    m = re.fullmatch(r"(.*?)(\d+)", name)
    if m:
        return m.group(1), int(m.group(2))
    m = re.fullmatch(r"(.*\d)([a-z])", name)
    if m:
        return m.group(1), ord(m.group(2)) - ord("a")
    return None


def _foldable(item: dict) -> bool:
    """Whether a use may be one repeat of a run (one use with ``n``): a use of a block, once,
    reading the chain (a ``from`` would hold for the run's first repeat only)."""
    return "use" in item and item["n"] == 1 and "from" not in item


class Writer:
    """Steps 4 and 5 for one scoped structure."""

    def __init__(self, g: Graph):
        self.g = g
        self.names = Names(g.sep)
        self.instances: list[Instance] = []
        self.templates: list[Template] = []
        self.block_names: set[str] = set()

    # -- build: items → layer dicts and Instances
    def rel(self, path: str, prefix: str) -> str:
        name = self.names.rel(path, prefix)
        taken = (INPUT,) + self.g.input_names
        while name in taken:
            name += "_"
        return name

    def build(self, items: list, prefix: str) -> list:
        out: list = []
        for it in items:
            if isinstance(it, Leaf):
                item = layer_item(it.op, self.rel(it.op.name, prefix))
                if self.g.inputs and it.op.inputs[0] in self.g.input_names:
                    item["from"] = it.op.inputs[0]       # the network input it reads
                out.append(item)
            elif isinstance(it, Join):
                base = it.path or prefix
                raw: dict = {it.op.kind: [b if isinstance(b, str) else self.build(b, base)
                                          for b in it.branches]}
                if it.post:
                    raw["post"] = self.build(it.post, base)
                attrs = {k: v for k, v in layer_item(it.op, "").items()
                         if k not in (it.op.kind, "name") and not _is_default(it.op.kind, k, v)}
                if attrs:
                    raw["join"] = attrs
                name = (self.rel(it.path, prefix) if it.path and it.path != prefix
                        else self.rel(it.op.name, prefix))
                own = it.path and it.path != prefix     # not one of its module's joins
                out.append(self.instance(it.op.kind, self.g.classes.get(it.path, "") if own
                                         else "", raw, name))
                out[-1].source = it.source
            else:
                cls = self.g.classes.get(it.path, "")
                if cls:
                    out.append(self.instance("layers", cls, {"layers": self.build(it.items, it.path)},
                                             self.rel(it.path, prefix)))
                else:
                    out.extend(self.build(it.items, prefix))
        return out

    def instance(self, kind, cls, raw, name) -> Instance:
        inst = Instance(kind, cls, raw, name)
        inst.height = 1 + max((c.height for _, lst in _lists(raw) for c in lst
                               if isinstance(c, Instance)), default=0)
        self.instances.append(inst)
        return inst

    # -- resolve, bottom-up
    def levels(self) -> None:
        """Heights, made equal for the instances of one source class, so that all of them are
        compared together (a block with an optional branch holding a block is one level
        higher than its twins without it)."""
        nested: set[tuple] = set()           # classes found inside themselves: not equalized

        def below(inst):
            for _, lst in _lists(inst.raw):
                for c in lst:
                    if isinstance(c, Instance):
                        yield c
                        yield from below(c)
        for inst in self.instances:
            if inst.cls and any((c.kind, c.cls) == (inst.kind, inst.cls) for c in below(inst)):
                nested.add((inst.kind, inst.cls))
        for _ in range(len(self.instances) + 1):
            by_cls: dict[tuple, int] = {}
            for inst in self.instances:
                if inst.cls and (inst.kind, inst.cls) not in nested:
                    key = (inst.kind, inst.cls)
                    by_cls[key] = max(by_cls.get(key, 0), inst.height)
            changed = False
            for inst in self.instances:          # children before parents
                h = 1 + max((c.height for _, lst in _lists(inst.raw) for c in lst
                             if isinstance(c, Instance)), default=0)
                if (inst.kind, inst.cls) in by_cls:
                    h = max(h, by_cls[(inst.kind, inst.cls)])
                if h != inst.height:
                    inst.height, changed = h, True
            if not changed:
                return
        raise ImportFailure("internal: block levels do not settle (a module class inside "
                            "itself?)")

    def resolve_all(self, top: list) -> list[dict]:
        self.levels()
        for h in sorted({i.height for i in self.instances}):
            level = [i for i in self.instances if i.height == h]
            for inst in level:
                inst.body = {k: (v if k == "join" else
                                 [br if isinstance(br, str) else self.finish(br) for br in v]
                                 if k in JOINS else self.finish(v))
                             for k, v in inst.raw.items()}
                lay = inst.body.get("layers")
                if inst.kind == "layers" and len(lay) == 1 and lay[0].get("n", 1) > 1:
                    inst.run = lay[0]
                    continue
                self.place(inst)
            for t in self.templates:
                if not t.block and t.instances[0].height == h:
                    self.resolve(t)
        return self.finish(top, root=True)

    def finish(self, raw: list, root: bool = False) -> list[dict]:
        out: list[dict] = []
        sep = self.g.sep
        for r in raw:
            if isinstance(r, dict):
                out.append(r)
            elif r.run is not None:
                out.append(dict(r.run, name=r.name + (sep + r.run["name"] if r.run["name"] else "")))
            elif r.kind == "layers" and len(r.template.instances) == 1:
                out.extend(dict(x, name=r.name + sep + x["name"]) for x in r.body["layers"])
            else:
                out.append({"use": r.template.block, **r.args, "n": 1, "name": r.name,
                            **({"from": r.source} if r.source else {})})
        return self.fold_runs(out, root)

    def fold_runs(self, items: list[dict], root: bool) -> list[dict]:
        out: list[dict] = []
        i = 0
        while i < len(items):
            j = i
            m = _index(items[i]["name"]) if _foldable(items[i]) else None
            while m and j + 1 < len(items):
                b = items[j + 1]
                nxt = _index(b["name"]) if _foldable(b) else None
                if (not nxt or nxt[0] != m[0] or nxt[1] != m[1] + (j + 1 - i)
                        or b["use"] != items[i]["use"]):
                    break
                j += 1
            base = m[0].rstrip("._-/") if m else ""
            whole = i == 0 and j == len(items) - 1 and not root
            # only a run numbered from the start (0 or 1: X.0, X.1 … or X1, X2 …) is folded:
            # its repeats are renamed X_1, X_2 …, which must not meet another run's names
            if j > i and m[1] in (0, 1) and (base or whole):
                out.append(self.run(items[i:j + 1], base))
            else:
                out.extend(items[i:j + 1])
            i = j + 1
        return out

    def run(self, items: list[dict], base: str) -> dict:
        t = next(t for t in self.templates if t.block == items[0]["use"])
        out: dict = {"use": t.block, "n": len(items), "name": base}
        first: dict = {}
        last: dict = {}
        for p in t.params:
            vs = [it[p] for it in items]
            ks = [_key(v) for v in vs]
            if len(set(ks)) == 1:
                out[p] = vs[0]
            elif len(set(ks[1:])) == 1:
                out[p], first[p] = vs[1], vs[0]
            elif len(set(ks[:-1])) == 1:
                out[p], last[p] = vs[0], vs[-1]
            elif len(vs) > 3 and len(set(ks[1:-1])) == 1:
                out[p], first[p], last[p] = vs[1], vs[0], vs[-1]
            else:
                out[p] = {"each": vs}
        if first:
            out["first"] = first
        if last:
            out["last"] = last
        return out

    # -- templates
    def place(self, inst: Instance) -> None:
        skel = _skel(inst.kind, inst.body)
        for t in self.templates:
            if t.kind == inst.kind and t.cls == inst.cls and not t.block:
                merged = _merge(t.skel, skel)
                if merged is not None:
                    t.skel = merged
                    t.instances.append(inst)
                    inst.template = t
                    return
        t = Template(inst.kind, inst.cls, skel, [inst])
        self.templates.append(t)
        inst.template = t

    def block_name(self, t: Template) -> str:
        base = re.sub(r"[^A-Za-z0-9_-]+", "_", t.cls).strip("_") or BLOCK_WORDS[t.kind]
        name, k = base, 2
        while name in self.block_names:
            name, k = f"{base}{k}", k + 1
        self.block_names.add(name)
        return name

    def resolve(self, t: Template) -> None:
        """The block's body with ``$params`` where its instances differ, and each instance's
        arguments; a branch that only some instances have is kept by ``if = "$flag"``."""
        t.block = self.block_name(t)
        insts = t.instances
        if len(insts) == 1 and t.kind == "layers":
            return                                  # spliced where it is used
        pos = [positions(i.body) for i in insts]
        ref = insts[max(range(len(insts)), key=lambda k: len(pos[k]))]
        optional = [path for path, items in _lists(ref.body)
                    if path[0] in JOINS and items
                    and any(not dict(_lists(i.body))[path] for i in insts)]
        taken = set(RESERVED)
        params: list[str] = []
        vectors: dict[str, list] = {}
        where: dict[tuple, str] = {}
        for p in positions(ref.body):
            key = p[-2] if p[-1] == "each" else p[-1]
            if key in ("name", "use"):
                continue
            values = [d.get(p, _ABSENT) for d in pos]
            present = {_key(v) for v in values if v is not _ABSENT}
            if len(present) <= 1 and _ABSENT not in values:
                continue
            if len(present) <= 1:
                continue                            # the same wherever the layer exists
            kind_key = self._head(ref.body, p)
            base = "depth" if key == "n" else MAIN_PARAM.get(key, key) if key == kind_key else key
            base = re.sub(r"[^A-Za-z0-9_]+", "_", base).strip("_") or "x"
            for name in params:
                vec = vectors[name]
                if _type(vec) == _type(values) and all(
                        a is _ABSENT or b is _ABSENT or _key(a) == _key(b)
                        for a, b in zip(vec, values)):
                    vectors[name] = [b if a is _ABSENT else a for a, b in zip(vec, values)]
                    where[p] = name
                    break
            else:
                name = self._fresh(base, taken)
                params.append(name)
                vectors[name] = values
                where[p] = name
        flags: dict[tuple, str] = {}
        for path in optional:
            first = dict(_lists(ref.body))[path][0]["name"]
            base = re.sub(r"[^A-Za-z0-9_]+", "_", first.split(self.g.sep)[0]).strip("_")
            if not base or base[0].isdigit():       # Keras's 0_conv: say what it is
                base = "shortcut" if t.kind == "add" else f"branch{path[1]}"
            name = self._fresh(base, taken)
            params.append(name)
            flags[path] = name
            vectors[name] = [bool(dict(_lists(i.body))[path]) for i in insts]
        t.params = params
        for name in params:
            vec = vectors[name]
            present = [v for v in vec if v is not _ABSENT]
            counts = Counter(_key(v) for v in present)
            best = max(counts, key=lambda s: counts[s])
            if counts[best] * 2 > len(insts) or len(present) < len(vec):
                t.defaults[name] = json.loads(best)
        for k, inst in enumerate(insts):
            inst.args = {name: (t.defaults[name] if vectors[name][k] is _ABSENT
                                else vectors[name][k]) for name in params}
        body = json.loads(json.dumps(ref.body))
        for p, name in where.items():
            _set(body, p, f"${name}")
        for path, name in flags.items():
            for item in (body[path[0]][path[1]]):
                item["if"] = f"${name}"
        t.body = body

    @staticmethod
    def _head(body: dict, p: tuple) -> str | None:
        """The kind (or "use") key of the item at position ``p``."""
        lst = body[p[0]][p[1]] if p[0] in JOINS else body.get(p[0])
        if not isinstance(lst, list):
            return None
        item = lst[p[2] if p[0] in JOINS else p[1]]
        return next(iter(item))

    @staticmethod
    def _fresh(base: str, taken: set) -> str:
        name, k = base, 2
        while name in taken:
            name, k = f"{base}{k}", k + 1
        taken.add(name)
        return name


# --- 5. TOML -----------------------------------------------------------------------------

def value_text(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(value_text(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{key_text(k)} = {value_text(x)}" for k, x in v.items()) + " }"
    return str(v)


def key_text(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k, ensure_ascii=False)


def item_text(item: dict, defaults: dict[str, dict]) -> str:
    """One layer or ``use`` as a one-line inline table, without values the loader defaults."""
    if "use" in item:
        d = defaults.get(item["use"], {})
        shown = {"use": item["use"]}
        if item.get("n", 1) != 1:
            shown["n"] = item["n"]
        for k, v in item.items():
            if k in ("use", "n", "name", "first", "last", "if"):
                continue
            if k in d and _key(d[k]) == _key(v):
                continue
            shown[k] = v
        for k in ("if", "name", "first", "last"):
            if item.get(k) not in (None, "", {}):
                shown[k] = item[k]
        return value_text(shown)
    kind = next(iter(item))
    shown = {kind: item[kind]}
    for k, v in item.items():
        if k in (kind, "name", "if", "note") or _is_default(kind, k, v):
            continue
        shown[k] = v
    for k in ("if", "note", "name"):
        if k in item:
            shown[k] = item[k]
    return value_text(shown)


def _items_text(items: list[dict], defaults, indent: str) -> str:
    if not items:
        return "[]"
    return "[\n" + "".join(f"{indent}  {item_text(i, defaults)},\n" for i in items) + indent + "]"


def toml(layers: list[dict], templates: list[Template], g: Graph, meta: Meta) -> str:
    blocks = [t for t in templates if t.block and t.body]
    defaults = {t.block: t.defaults for t in blocks}
    # blocks in order of first use, reading the text from the top
    order: list[Template] = []
    by_name = {t.block: t for t in blocks}

    def visit(items):
        for it in items:
            t = by_name.get(it.get("use"))
            if t is not None and t not in order:
                order.append(t)
                for _, lst in _lists(t.body):
                    visit(lst)
    visit(layers)
    out = [f"# {line}".rstrip() for line in meta.header]
    out.append("")
    out.append(f"name = {value_text(meta.name)}")
    out.append(f"description = {value_text(meta.description)}")
    out.append(f"source = {value_text(meta.source)}")
    if g.inputs:
        out.append("inputs = { " + ", ".join(f"{key_text(n)} = {value_text(list(x))}"
                                            for n, x in g.inputs) + " }")
    else:
        out.append(f"input = {value_text(list(g.input))}")
    if meta.notes:
        out.append("notes = [\n" + "".join(f"  {value_text(n)},\n" for n in meta.notes) + "]")
    out.append("")
    out.append("layers = " + _items_text(layers, defaults, ""))
    for t in order:
        out.append("")
        out.append(f"[blocks.{key_text(t.block)}]")
        if t.params:
            out.append(f"params = {value_text(t.params)}")
        if t.defaults:
            out.append(f"defaults = {value_text(t.defaults)}")
        for key, val in t.body.items():
            if key in JOINS:
                out.append(f"{key} = [\n" + "".join(
                    f"  {value_text(br) if isinstance(br, str) else _items_text(br, defaults, '  ')},\n"
                    for br in val) + "]")
            elif key == "join":
                out.append(f"join = {value_text(val)}")
            else:
                out.append(f"{key} = " + _items_text(val, defaults, ""))
    return "\n".join(out) + "\n"


# --- the whole path ----------------------------------------------------------------------

def write_spec(g: Graph, meta: Meta) -> str:
    """The spec text for ``g``, checked by loading it back (see the module's docstring)."""
    g = tidy(g)
    top = structure(g)
    names = Names(g.sep, g.join_owners)
    top = scope(top, "", names)
    w = Writer(g)
    layers = w.resolve_all(w.build(top, ""))
    text = toml(layers, w.templates, g, meta)
    check_round_trip(text, g)
    return text


def load_text(text: str, label: str):
    """The ``Network`` a spec text defines (``label`` stands for the file in messages)."""
    from ..core.spec import SpecFile

    sf = SpecFile(label, tomllib.loads(text))
    return sf.network(next(iter(sf.variants)))


def check_round_trip(text: str, g: Graph) -> None:
    """Load the written spec and compare each layer's kind and output shape with the source's
    (as multisets: the spec names layers its own way)."""
    from ..core import engine
    from ..core.records import Shape

    try:
        net = load_text(text, "<imported spec>")
        rows = engine.rows(net, None if g.inputs else Shape(*g.input))
    except ArchcalcError as e:
        raise ImportFailure("the spec written for this model does not load, so the import "
                            "would not be faithful (the source computes something archcalc's "
                            "rules refuse, such as an add that broadcasts one channel over "
                            f"several, or an importer's mistake: please report it): {e}") \
            from None
    ours = Counter((r.kind, (r.output.c,) if r.output.flat else (r.output.c, r.output.h,
                                                                    r.output.w)) for r in rows)
    theirs = Counter((op.kind, tuple(op.shape)) for op in g.ops if op.shape is not None)
    kinds = Counter(op.kind for op in g.ops)
    if sum(kinds.values()) != len(rows) or kinds != Counter(r.kind for r in rows):
        raise ImportFailure(f"internal: the written spec has {len(rows)} layers for "
                            f"{sum(kinds.values())} imported operations")
    missing = theirs - ours
    if missing:
        (kind, shape), _ = next(iter(missing.items()))
        where = next(op.where or op.name for op in g.ops
                     if op.kind == kind and op.shape is not None and tuple(op.shape) == shape)
        raise ImportFailure(f"{where}: the source says this {kind} outputs "
                            f"{'×'.join(map(str, shape))}, and archcalc's rule for it gives "
                            "another shape; the import would not be faithful")
