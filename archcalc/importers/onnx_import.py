"""An ONNX file in: the graph, and the shapes onnx's own shape inference gives; no runtime.

The weights are never read: the file is mapped, not loaded, and the model's bytes are passed to
onnx with every large initializer's data left out (its name, type and dimensions kept, which is
all a conv or a Gemm needs to be counted); small ones (a Reshape's target shape, a dropout ratio)
keep their values. Each node becomes an archcalc layer by the table ``OPS`` (by ``op_type``): a
new kind is one entry there. Nodes that only compute constants or shapes (Shape, Gather,
Constant …) are not layers: a tensor is data when it comes from the graph's input.
"""

from __future__ import annotations

import ast
import mmap
import os
import re

import onnx
from onnx import helper, numpy_helper

from . import MAX_MODEL_BYTES
from .spec_writer import (GROUPED, IDENTITY, INPUT, LAYOUT, SCALE, SWAPPED, TOKENS, UNGROUPED,
                          UNKNOWN, WHERE, Dims, Graph, ImportFailure, Op, centre_crop,
                          fuse_patches, fuse_shuffles, input_names, layout_of,
                          upsample_by_shapes, with_layout)

KEEP_DATA_BYTES = 4096          # an initializer larger than this is read without its data


# --- reading without the weights ----------------------------------------------------------

def _varint(buf, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _fields(buf, start: int, end: int):
    """(field number, wire type, start of the field, start of its value, end) of each field."""
    i = start
    while i < end:
        f0 = i
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            _, j = _varint(buf, i)
            yield field, wire, f0, i, j
        elif wire == 1:
            yield field, wire, f0, i, i + 8
            j = i + 8
        elif wire == 2:
            n, v = _varint(buf, i)
            j = v + n
            yield field, wire, f0, v, j
        elif wire == 5:
            j = i + 4
            yield field, wire, f0, i, j
        else:
            raise ValueError(f"wire type {wire}")
        if j > end:
            raise ValueError("a field runs past the end of the file")
        i = j


def _tag(field: int, payload: bytes) -> bytes:
    out = bytearray()
    for v in ((field << 3) | 2, len(payload)):
        while True:
            b = v & 0x7F
            v >>= 7
            out.append(b | (0x80 if v else 0))
            if not v:
                break
    return bytes(out) + payload


TENSOR_DATA = {4, 5, 6, 7, 9, 10, 11, 13}      # TensorProto's value fields (and external_data)


def _tensor_without_data(buf, start, end) -> bytes:
    size = sum(v_end - v for f, w, _, v, v_end in _fields(buf, start, end) if f in TENSOR_DATA)
    if size <= KEEP_DATA_BYTES:
        return bytes(buf[start:end])
    return b"".join(bytes(buf[f0:j]) for f, w, f0, v, j in _fields(buf, start, end)
                    if f not in TENSOR_DATA and f != 14)       # 14: data_location


def _graph_without_data(buf, start, end) -> bytes:
    parts = []
    for f, w, f0, v, j in _fields(buf, start, end):
        if f == 5 and w == 2:                                   # initializer
            parts.append(_tag(5, _tensor_without_data(buf, v, j)))
        else:
            parts.append(bytes(buf[f0:j]))
    return b"".join(parts)


def load(path: str) -> onnx.ModelProto:
    """The model's graph, its initializers' data left out where large (see the docstring)."""
    size = os.path.getsize(path)
    if size > MAX_MODEL_BYTES:
        raise ImportFailure(f"{path}: {size:,} bytes is larger than {MAX_MODEL_BYTES:,}, the "
                            "largest ONNX file archcalc reads (protobuf's own limit)")
    if size == 0:
        raise ImportFailure(f"{path}: the file is empty, not an ONNX model")
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        try:
            parts = []
            for field, wire, f0, v, j in _fields(buf, 0, size):
                if field == 7 and wire == 2:                    # ModelProto.graph
                    parts.append(_tag(7, _graph_without_data(buf, v, j)))
                else:
                    parts.append(bytes(buf[f0:j]))
            model = onnx.ModelProto()
            model.ParseFromString(b"".join(parts))
        except Exception as e:      # noqa: BLE001: any malformed byte string
            raise ImportFailure(f"{path}: not an ONNX model (the file does not parse as one: "
                                f"{str(e) or type(e).__name__})") from None
    if not model.HasField("graph") or not model.graph.node:
        raise ImportFailure(f"{path}: not an ONNX model (it has no graph of nodes)")
    return model


# --- the table ---------------------------------------------------------------------------

class Ctx:
    """What a converter sees: the node's attributes, the shapes of its data inputs, its output
    shape, and its constant inputs (dims, and values where they were small enough to keep)."""

    def __init__(self, node, ins, out, consts):
        self.node = node
        self.attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        self.ins = ins
        self.out = out
        self.consts = consts            # input index → (dims, value or None)

    def attr(self, name, default=None):
        v = self.attrs.get(name, default)
        if isinstance(v, float):
            return float(f"{v:.7g}")      # a float32 attribute, as it was written (1e-05)
        return v.decode() if isinstance(v, bytes) else v

    def const(self, i):
        return self.consts.get(i, (None, None))


def _pads(c: Ctx, n: int = 2):
    auto = c.attr("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER",):
        return "same"
    if auto == "SAME_LOWER":
        return None
    p = list(c.attr("pads", [0] * 2 * n))
    return [p[0], p[2], p[1], p[3]]            # ONNX: begins (H, W), then ends (H, W)


def _pair(v, default):
    v = list(v) if v is not None else list(default)
    return v


def conv(c: Ctx):
    dims, _ = c.const(1)
    if dims is None or len(dims) != 4:
        return UNKNOWN, "Conv with a computed weight"
    c_out, _, kh, kw = dims
    g = c.attr("group", 1)
    p = _pads(c)
    if p is None:
        return UNKNOWN, "Conv with SAME_LOWER padding"
    attrs = dict(k=[kh, kw], s=_pair(c.attr("strides"), [1, 1]), p=p,
                 dilation=_pair(c.attr("dilations"), [1, 1]),
                 bias=len(c.node.input) > 2 and bool(c.node.input[2]))
    if g > 1 and g == c.ins[0][0] and c_out % g == 0:
        return "dwconv", dict(attrs, dwconv=c_out // g)
    return "conv", dict(attrs, conv=c_out, groups=g)


def conv_transpose(c: Ctx):
    dims, _ = c.const(1)
    if dims is None or len(dims) != 4:
        return UNKNOWN, "ConvTranspose with a computed weight"
    if c.attr("output_shape") is not None or c.attr("auto_pad", "NOTSET") != "NOTSET":
        return UNKNOWN, "ConvTranspose sized by output_shape or auto_pad"
    _, c_out_g, kh, kw = dims                # ONNX: (C_in, C_out / groups, kH, kW)
    g = c.attr("group", 1)
    return newer("tconv", attrs={
        "tconv": c_out_g * g, "k": [kh, kw], "s": _pair(c.attr("strides"), [1, 1]),
        "p": _pads(c), "dilation": _pair(c.attr("dilations"), [1, 1]),
        "output_padding": _pair(c.attr("output_padding"), [0, 0]), "groups": g,
        "bias": len(c.node.input) > 2 and bool(c.node.input[2])})


def resize(c: Ctx):
    """Resize by a whole factor along H and W, nearest or (bi)linear: ``upsample``."""
    mode = {"nearest": "nearest", "linear": "bilinear"}.get(c.attr("mode", "nearest"))
    if mode is None:
        return UNKNOWN, f"Resize with mode {c.attr('mode')!r}"
    return upsample_by_shapes(c.ins[0], c.out, mode, "Resize")


def gemm(c: Ctx):
    dims, _ = c.const(1)
    if dims is None or len(dims) != 2 or len(c.ins[0]) != 1 or c.attr("transA", 0):
        return UNKNOWN, "Gemm that is not a fully connected layer"
    units = dims[0] if c.attr("transB", 0) else dims[1]
    return "fc", {"fc": units, "bias": len(c.node.input) > 2 and bool(c.node.input[2])}


def matmul(c: Ctx):
    dims, _ = c.const(1)
    if dims is not None and len(dims) == 2 and layout_of(c.ins[0]) in ("hwc", "seq"):
        return "linear", {"linear": dims[1], "bias": False}     # nn.Linear on the channels
    if dims is None or len(dims) != 2 or len(c.ins[0]) != 1:
        return UNKNOWN, "MatMul that is not a fully connected layer"
    return "fc", {"fc": dims[1], "bias": False}


def pool(kind):
    def convert(c: Ctx):
        p = _pads(c)
        if p is None:
            return UNKNOWN, "pooling with SAME_LOWER padding"
        a = {kind: list(c.attr("kernel_shape")), "s": _pair(c.attr("strides"), [1, 1]),
             "p": p, "ceil": bool(c.attr("ceil_mode", 0))}
        if kind == "maxpool":
            a["dilation"] = _pair(c.attr("dilations"), [1, 1])
        return kind, a
    return convert


def binary(kind):
    def convert(c: Ctx):
        if len(c.ins) == 2:
            if kind == "mul" and tuple(c.ins[0]) != tuple(c.out or c.ins[0]):
                return "mul", {"order": (1, 0)}
            return kind, {}
        dims, value = next(iter(c.consts.values()), (None, None))
        x = c.ins[0]
        ch = Dims(x, layout_of(x)).archcalc()[0] if x else None
        if kind == "mul" and dims is not None and (
                (not layout_of(x) and len(x) == 3 and tuple(dims) in ((ch, 1, 1), (1, ch, 1, 1)))
                or (layout_of(x) in ("hwc", "seq") and tuple(dims) == (ch,))):
            return "layer_scale", {}    # one learned factor per channel (ConvNeXt)
        if kind == "add" and layout_of(x) == "seq" and dims is not None and \
                tuple(dims) in ((1, *x), tuple(x)):
            return "pos_embed", {}      # one learned D-vector per token (ViT)
        if kind == "mul" and value is not None and value.size == 1:
            return SCALE, {"scale": float(f"{float(value.reshape(-1)[0]):.7g}")}
        if kind == "add" and c.consts:
            return "bias", {}           # folded into the fc before it, where there is one
        return UNKNOWN, f"{kind} of a tensor and a constant"
    return convert


def softmax(c: Ctx):
    axis = c.attr("axis", -1)
    rank = len(c.ins[0]) + 1
    if axis % rank == 1 and (rank == 2 or axis in (1, 1 - rank)):
        return "softmax", {}
    return UNKNOWN, f"Softmax over axis {axis}"


def flatten(c: Ctx):
    if c.attr("axis", 1) != 1:
        return UNKNOWN, f"Flatten at axis {c.attr('axis')}"
    return ("flatten", {}) if len(c.ins[0]) > 1 else (IDENTITY, {})


def reshape(c: Ctx):
    x, out = tuple(c.ins[0]), tuple(c.out) if c.out is not None else None
    if out is not None and len(out) == 1 and len(x) > 1:
        return "flatten", {}
    if out == x:
        return IDENTITY, {}
    if out is not None and not layout_of(c.ins[0]) and len(x) == 3 and out == (x[0], x[1] * x[2]):
        return TOKENS, {LAYOUT: "dn"}               # a map's positions read as tokens (ViT)
    if out is not None and len(x) == 3 and len(out) == 4 and out[0] * out[1] == x[0] \
            and out[2:] == x[1:]:
        return GROUPED, {"groups": out[0]}          # a channel shuffle's first step
    if out is not None and len(x) == 4 and len(out) == 3 and x[0] * x[1] == out[0] \
            and x[2:] == out[1:]:
        return UNGROUPED, {}                        # and its last
    return UNKNOWN, "Reshape"


def transpose(c: Ctx):
    perm, lay = tuple(c.attr("perm", [])), layout_of(c.ins[0])
    to = {("", (0, 2, 3, 1)): "hwc", ("hwc", (0, 3, 1, 2)): "",
          ("dn", (0, 2, 1)): "seq", ("seq", (0, 2, 1)): "dn"}.get((lay, perm))
    if to is not None and (len(c.ins[0]) == 3 or lay in ("dn", "seq")):
        return IDENTITY, {LAYOUT: to}               # a map to channels-last and back; tokens
    if list(c.attr("perm", [])) == [0, 2, 1, 3, 4]:
        return SWAPPED, {}                          # G × C/G → C/G × G
    return UNKNOWN, f"Transpose {list(c.attr('perm', []))}"


def slice_(c: Ctx):
    """A Slice of one equal part of the channels (torch's chunk) is a split; a Slice of a
    map's rows or columns (step 1) that keeps its centre, a crop (U-Net's copy and crop)."""
    vals = [c.const(i)[1] for i in (1, 2, 3, 4)]
    starts, ends, axes, steps = (None if v is None else [int(x) for x in v.reshape(-1)]
                                 for v in vals)
    rank = len(c.ins[0]) + 1
    if starts is not None and ends is not None and rank == 4 and layout_of(c.ins[0]) == "":
        on = [a % rank for a in (axes if axes is not None else range(len(starts)))]
        if on and set(on) <= {2, 3} and (steps is None or set(steps) == {1}):
            hw = tuple(c.ins[0])[1:]
            bounds = [(0, hw[0]), (0, hw[1])]
            for a, s, e in zip(on, starts, ends):
                bounds[a - 2] = slice(s, e).indices(hw[a - 2])[:2]  # (ONNX's clamping)
            return centre_crop(hw, bounds)
    if starts is None or ends is None or len(starts) != 1 or \
            (axes or [0])[0] % rank != 1 or (steps or [1]) != [1]:
        return UNKNOWN, "Slice that is not a part of the channels"
    ch = c.ins[0][0]
    start, end = max(0, min(starts[0], ch)), max(0, min(ends[0], ch))
    part = end - start
    if part <= 0 or ch % part or start % part:
        return UNKNOWN, f"Slice of channels {start}:{end} of {ch}"
    return newer("split", "", {"split": ch // part, "part": start // part})


def gather(c: Ctx):
    """One token of a sequence, ``x[:, i]`` (ViT's classifier reads the class token): token."""
    _, value = c.const(1)
    rank = len(c.ins[0]) + 1
    if layout_of(c.ins[0]) != "seq" or c.attr("axis", 0) % rank != 1 or value is None or \
            value.size != 1 or value.ndim != 0:
        return UNKNOWN, "Gather that is not one token of a sequence"
    n = c.ins[0][0]
    i = int(value.reshape(-1)[0])
    if not -n <= i < n:
        return UNKNOWN, f"Gather of token {i} of {n}"
    return "token", {"token": i % n, LAYOUT: ""}


def layer_norm(c: Ctx):
    """LayerNormalization over the last axis of a channels-last map or of tokens: ``ln`` (one
    a Transpose to channels-last reads, and a Transpose back alone reads, is made ``ln2d`` by
    fuse_ln2d)."""
    rank = len(c.ins[0]) + 1
    if c.attr("axis", -1) % rank != rank - 1 or layout_of(c.ins[0]) not in ("hwc", "seq"):
        return UNKNOWN, f"LayerNormalization at axis {c.attr('axis', -1)} of " \
            f"{'a channels-first map or a vector' if not layout_of(c.ins[0]) else 'its input'}"
    if len(c.node.input) < 3 or not c.node.input[2]:
        return UNKNOWN, "LayerNormalization without a bias"
    return "ln", {"eps": float(c.attr("epsilon", 1e-5))}


def concat(c: Ctx):
    rank = len(c.ins[0]) + 1
    if layout_of(c.ins[0]) == "seq":
        dims, _ = c.const(0)
        if len(c.ins) == 1 and dims is not None and tuple(dims[1:]) == (1, c.ins[0][1]) and \
                c.attr("axis") % rank == 1:
            return "cls_token", {}      # a learned token put before the sequence (ViT)
        return UNKNOWN, "Concat on a sequence of tokens"
    if c.attr("axis") % rank == 1:
        return "concat", {}
    return UNKNOWN, f"Concat along axis {c.attr('axis')}"


def dropout(c: Ctx):
    ratio = c.attr("ratio")
    if ratio is None:
        _, value = c.const(1)
        ratio = float(f"{float(value.reshape(-1)[0]):.7g}") if value is not None else 0.5
    return "dropout", {"dropout": float(ratio)}


def reduce_mean(c: Ctx):
    axes = c.attr("axes")
    if axes is None:
        _, value = c.const(1)
        axes = list(value.reshape(-1)) if value is not None else None
    rank = len(c.ins[0]) + 1
    if axes is not None and rank == 4 and sorted(int(a) % 4 for a in axes) == [2, 3]:
        return [("gap", {})] + ([] if c.attr("keepdims", 1) else [("flatten", {})])
    return UNKNOWN, f"ReduceMean over axes {axes}"


def newer(kind: str, what: str = "", attrs: dict | None = None):
    """``(kind, attrs)`` for a kind issue 13's redesign adds, once core.kinds has it."""
    from ..core.kinds import RULES

    return (kind, dict(attrs or {})) if kind in RULES else (UNKNOWN, what)


def clip(c: Ctx):
    """Clip(0, 6) is ReLU6 (torch's exporter writes its bounds as constant inputs)."""
    lo, hi = c.attr("min"), c.attr("max")
    for i, name in ((1, "lo"), (2, "hi")):
        _, value = c.const(i)
        if value is not None and value.size == 1:
            if name == "lo":
                lo = float(value.reshape(-1)[0])
            else:
                hi = float(value.reshape(-1)[0])
    if (lo, hi) == (0, 6):
        return newer("relu6")
    return UNKNOWN, f"Clip({lo}, {hi})"


def hard_sigmoid(c: Ctx):
    alpha, beta = c.attr("alpha", 0.2), c.attr("beta", 0.5)
    if abs(alpha - 1 / 6) < 1e-6 and beta == 0.5:       # torch's and Keras 3's: x/6 + 1/2
        return newer("hardsigmoid")
    return UNKNOWN, f"HardSigmoid with alpha {alpha}, beta {beta}"


OPS = {
    "Clip": clip,
    "HardSwish": lambda c: newer("hardswish"),
    "HardSigmoid": hard_sigmoid,
    "Conv": conv,
    "ConvTranspose": conv_transpose,
    "Resize": resize,
    "Gemm": gemm,
    "MatMul": matmul,
    "BatchNormalization": lambda c: ("bn", {"eps": float(c.attr("epsilon", 1e-5))}),
    "Relu": lambda c: ("relu", {}),
    "Sigmoid": lambda c: ("sigmoid", {}),
    "Tanh": lambda c: ("tanh", {}),
    "Softmax": softmax,
    "MaxPool": pool("maxpool"),
    "AveragePool": pool("avgpool"),
    "GlobalAveragePool": lambda c: ("gap", {}),
    "LayerNormalization": layer_norm,
    "Gelu": lambda c: newer("gelu"),      # (opset 20; either approximation: no MACs)
    "Flatten": flatten,
    "Reshape": reshape,
    "Transpose": transpose,
    "Slice": slice_,
    "Gather": gather,
    "Concat": concat,
    "Add": binary("add"),
    "Sum": binary("add"),
    "Mul": binary("mul"),
    "Dropout": dropout,
    "Identity": lambda c: (IDENTITY, {}),
    "LRN": lambda c: ("lrn", {"lrn": c.attr("size"), "alpha": c.attr("alpha", 1e-4),
                              "beta": c.attr("beta", 0.75), "offset": c.attr("bias", 1.0)}),
    "ReduceMean": reduce_mean,
}
META_OPS = {"Shape", "Size"}
JOIN_OPS = {"Add", "Sum", "Mul", "Concat"}            # read a data tensor's shape, not its values


# --- shape arithmetic --------------------------------------------------------------------
# torch's exporter writes x.chunk(2, dim=1) as Slices whose ends are computed from the input's
# Shape (Shape, Gather, Add, Div, Mul); onnx's data propagation stops at Div, so the slices, and
# everything after them, get no shape. Such arithmetic on shapes and constants is worked out
# here, its nodes replaced by Constants, and the shapes inferred again (at most MAX_FOLDS times).
MAX_FOLDS = 4
FOLDABLE = {"Shape", "Gather", "Add", "Sub", "Mul", "Div", "Unsqueeze", "Squeeze", "Concat",
            "Cast", "Constant", "Reshape", "ConstantOfShape", "Equal", "Where"}
# (the last four: torch's x.expand(n, -1, -1), ViT's class token, writes its target shape with
# them)


def _fold_shapes(model) -> bool:
    """Replace the nodes that compute small integer constants from shapes by Constants;
    whether any new one was made."""
    import numpy as np

    g = model.graph
    full = {}
    for vi in list(g.value_info) + list(g.input) + list(g.output):
        t = vi.type.tensor_type
        if t.HasField("shape"):
            d = [x.dim_value if x.HasField("dim_value") else None for x in t.shape.dim]
            if None not in d:
                full[vi.name] = d
    vals: dict[str, object] = {}
    for t in g.initializer:
        if t.data_type == onnx.TensorProto.INT64 and len(t.dims) <= 1 and \
                (t.raw_data or t.int64_data):
            vals[t.name] = numpy_helper.to_array(t)
    changed = False
    for i, node in enumerate(g.node):
        if node.op_type not in FOLDABLE:
            continue
        try:
            v = _fold(node, vals, full, np)
        except Exception:       # noqa: BLE001: anything unusual is simply not folded
            v = None
        if v is None or v.size > 64:
            continue
        vals[node.output[0]] = v
        if node.op_type != "Constant":
            g.node[i].CopyFrom(helper.make_node(
                "Constant", [], [node.output[0]], name=node.name,
                value=numpy_helper.from_array(np.asarray(v), node.output[0])))
            changed = True
    return changed


def _fold(node, vals, full, np):
    a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
    op = node.op_type
    if op == "Constant":
        t = a.get("value")
        return numpy_helper.to_array(t) if isinstance(t, onnx.TensorProto) else None
    if op == "Shape":
        d = full.get(node.input[0])
        if d is None and node.input[0] in vals:
            d = list(vals[node.input[0]].shape)
        return None if d is None else np.array(d, dtype=np.int64)[a.get("start", 0):
                                                                   a.get("end", None)]
    ins = [vals.get(i) for i in node.input if i]
    if any(x is None for x in ins) or not ins:
        return None
    if op == "Gather":
        return np.take(ins[0], ins[1], axis=a.get("axis", 0))
    if op in ("Add", "Sub", "Mul"):
        return {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply}[op](ins[0], ins[1])
    if op == "Div":
        if ins[0].dtype.kind in "iu":
            return (np.trunc(ins[0] / ins[1])).astype(ins[0].dtype)
        return ins[0] / ins[1]
    if op in ("Unsqueeze", "Squeeze"):
        axes = a.get("axes", list(ins[1]) if len(ins) > 1 else None)
        if op == "Unsqueeze":
            return np.expand_dims(ins[0], tuple(int(x) for x in axes))
        return np.squeeze(ins[0], None if axes is None else tuple(int(x) for x in axes))
    if op == "Concat":
        return np.concatenate(ins, axis=a.get("axis", 0))
    if op == "Cast":
        return ins[0].astype(helper.tensor_dtype_to_np_dtype(a["to"]))
    if op == "Reshape":
        return ins[0].reshape([int(d) for d in ins[1]]) if 0 not in list(ins[1]) else None
    if op == "ConstantOfShape":
        t = a.get("value")
        fill = numpy_helper.to_array(t).reshape(-1)[0] if t is not None else np.float32(0)
        return np.full([int(d) for d in ins[0]], fill, dtype=np.asarray(fill).dtype)
    if op == "Equal":
        return np.equal(ins[0], ins[1])
    if op == "Where":
        return np.where(ins[0], ins[1], ins[2])
    return None


# --- names -------------------------------------------------------------------------------

def _scopes(node) -> tuple[list[str], list[str]] | None:
    """The torch module paths and classes that hold ``node`` (torch.onnx's dynamo exporter
    records them), outermost first; ``None`` where the file does not say."""
    props = {p.key: p.value for p in node.metadata_props}
    if "pkg.torch.onnx.name_scopes" not in props:
        return None
    try:
        scopes = ast.literal_eval(props["pkg.torch.onnx.name_scopes"])
        classes = ast.literal_eval(props.get("pkg.torch.onnx.class_hierarchy", "[]"))
    except (ValueError, SyntaxError):
        return None
    return list(scopes[1:-1]), list(classes[1:-1])


def _path(node) -> tuple[str, bool]:
    """A module path for ``node`` and whether it is the node's own module (``conv1``) rather
    than the module that called a function (``layer1.0`` for the residual add)."""
    sc = _scopes(node)
    if sc is not None:
        scopes, classes = sc
        if not scopes:
            return "", False
        own = bool(classes) and classes[-1].startswith("torch.nn.modules.")
        return scopes[-1], own
    name = node.name or ""
    segs = [s for s in name.split("/") if s]
    if segs and segs[-1].split("_")[0] == node.op_type:
        # torch's TorchScript exporter: /layer1/layer1.0/conv1/Conv, /layer1/layer1.0/Add,
        # /layer1/layer1.0/downsample/downsample.0/Conv (a scope restates its parent's name)
        path, last = "", ""
        for s in segs[:-1]:
            if last and s.startswith(last + "."):
                path = path[:len(path) - len(last)] + s
            else:
                path = f"{path}.{s}" if path else s
            last = s
        return path, True
    return re.sub(r"[/:]+", ".", name).strip("."), True


# --- the importer ------------------------------------------------------------------------

def versions() -> str:
    return f"onnx {onnx.__version__}"


def read(source: str, shape):
    model = load(source)
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    inputs = [i for i in g.input if i.name not in inits]
    if not inputs:
        raise ImportFailure(f"{source}: the graph has no input")
    names = input_names([i.name for i in inputs]) if len(inputs) > 1 else {}
    given = _given_shapes(source, inputs, names, shape)
    changed = False
    named = []
    for x in inputs:
        dims = [d.dim_value if d.HasField("dim_value") else None
                for d in x.type.tensor_type.shape.dim]
        own = given.get(x.name)
        form = f"--input {names[x.name]}=CxHxW" if names else "--input CxHxW"
        if own is None:
            if len(dims) != 4 or None in dims[1:]:
                raise ImportFailure(f"{source}: the input {x.name!r} has shape "
                                    f"{['?' if d is None else d for d in dims]}; give it, "
                                    f"{form}")
            own = tuple(dims[1:])
        else:
            if len(dims) not in (0, 4):
                raise ImportFailure(f"{source}: the input {x.name!r} has {len(dims)} "
                                    "dimensions; archcalc reads an N×C×H×W image input")
            del x.type.tensor_type.shape.dim[:]
            for d in (1, *own):
                x.type.tensor_type.shape.dim.add().dim_value = d
            changed = True
        named.append((x, tuple(own)))
    if changed:
        del g.value_info[:]
        for o in g.output:
            o.type.tensor_type.ClearField("shape")
    shape = named[0][1]
    for _ in range(MAX_FOLDS):
        try:
            model = onnx.shape_inference.infer_shapes(model, data_prop=True)
        except Exception as e:      # noqa: BLE001: onnx's inference refuses the graph
            at = ", ".join(("" if not names else names[x.name] + " ") + "×".join(map(str, s))
                           for x, s in named)
            raise ImportFailure(f"{source}: onnx's shape inference refused the graph at input"
                                f"{'s' * bool(names)} {at}: {str(e).splitlines()[0][:300]}") \
                from None
        if not _fold_shapes(model):
            break
    g = model.graph
    shapes = {}
    full = {}                           # whole shapes, for constants computed in the graph
    for vi in list(g.value_info) + list(g.output) + list(g.input):
        t = vi.type.tensor_type
        if t.HasField("shape"):
            d = [x.dim_value if x.HasField("dim_value") else None for x in t.shape.dim]
            shapes[vi.name] = None if None in d or not d else tuple(d[1:])
            full[vi.name] = None if None in d else tuple(d)
    for x, own in named:
        shapes[x.name] = own
    consts: dict[str, tuple] = {}
    for t in g.initializer:
        value = None
        if any(t.HasField(f) for f in ("raw_data",)) or t.float_data or t.int64_data \
                or t.int32_data or t.double_data:
            try:
                value = numpy_helper.to_array(t)
            except Exception:       # noqa: BLE001
                value = None
        consts[t.name] = (tuple(t.dims), value)
    data = {x.name: names.get(x.name, INPUT) for x, _ in named}
    layout: dict[str, str] = {}         # a data tensor → how archcalc reads it (Dims)
    turned: dict[str, tuple] = {}       # a Transpose's op → (its input's layout, its output's)
    ops: list[Op] = []
    used: dict[str, int] = {}
    emit, skip = find_patterns(g, full, consts)
    containers = {".".join(p.split(".")[:k]) for p in (_path(n)[0] for n in g.node)
                  for k in range(1, p.count(".") + 1)}
    for index, node in enumerate(g.node):
        if index in skip:
            continue                # a part of a subgraph read as one op (find_patterns)
        if node.op_type == "Constant":
            v = helper.get_attribute_value(node.attribute[0]) if node.attribute else None
            arr = numpy_helper.to_array(v) if isinstance(v, onnx.TensorProto) else None
            consts[node.output[0]] = (tuple(arr.shape) if arr is not None else None, arr)
            continue
        data_ins = [i for i in node.input if i in data]
        whole = emit.get(index)
        if whole is not None:
            data_ins = [whole[0]]
        if not data_ins or node.op_type in META_OPS:
            continue                # computes a constant or a shape
        ins = [shapes.get(i) and Dims(shapes[i], layout.get(i, "")) for i in data_ins]
        if any(s is None for s in ins) and any(op.kind == UNKNOWN for op in ops):
            from .spec_writer import unsupported_message

            raise ImportFailure(unsupported_message([o for o in ops if o.kind == UNKNOWN],
                                                    source)
                                + "\n  (the graph after them has no inferred shapes and was "
                                "not read further)")
        if any(s is None for s in ins):
            raise ImportFailure(f"{source}: node {node.name or node.op_type}: onnx's shape "
                                "inference gives no shape for its input")
        out = shapes.get(node.output[0])
        c = Ctx(node, ins, out, {k: consts[i] if i in consts else (full[i], None)
                                 for k, i in enumerate(node.input)
                                 if i in consts or (i not in data and full.get(i))})
        conv_fn = OPS.get(node.op_type)
        stype = node.op_type
        if whole is not None:
            result, stype = whole[1], whole[2]
            if result[0] == "mhsa" and layout_of(ins[0]) != "seq":
                result = UNKNOWN, "attention on " + (WHERE.get(layout_of(ins[0])) or
                                                     "a map, not a sequence of tokens")
        else:
            result = conv_fn(c) if conv_fn else (UNKNOWN, "")
        lay = ""
        if out is not None:
            result, lay = with_layout(result, ins, out, stype)
            out = Dims(out, lay).archcalc()
        path, own = _path(node)
        if own and node.op_type in JOIN_OPS and path in containers:
            own = False     # a module's own add (a residual's), named path.add, path.add_1
        if whole is not None and whole[3]:
            path, own = whole[3], True      # the attention's module: its nodes' common scope
        base = (path if own else f"{path}.{node.op_type.lower()}" if path
                else node.op_type.lower()) or node.op_type.lower()
        k = used.get(base, 0)
        used[base] = k + 1
        name = base if k == 0 else f"{base}_{k}"
        where = f"node {node.name}" if node.name else f"a {node.op_type} node"
        pieces = result if isinstance(result, list) else [result]
        prev = tuple(data[i] for i in data_ins)
        for j, (kind, attrs) in enumerate(pieces):
            op_name = name if j == 0 else f"{name}_{kind}"
            last = j == len(pieces) - 1
            if kind == "bias":          # x + b after a MatMul: the fc's (or linear's) bias
                fc = next((o for o in reversed(ops) if o.name == prev[0]), None)
                if fc is not None and fc.kind in ("fc", "linear") and \
                        not fc.attrs.get("bias"):
                    fc.attrs["bias"] = True
                    fc.shape = out
                    op_name = fc.name
                    break
                kind, attrs = UNKNOWN, "Add of a tensor and a constant"
            if kind == UNKNOWN:
                ops.append(Op(op_name, UNKNOWN, {}, prev, out, where,
                              stype + (f" ({attrs})" if attrs else "")))
            elif kind == IDENTITY and node.op_type == "Transpose":
                ops.append(Op(op_name, kind, {}, prev, out, where, node.op_type))
                turned[op_name] = (layout_of(ins[0]), lay)
            else:
                order = attrs.pop("order", None)
                ops.append(Op(op_name, kind, attrs, tuple(prev[i] for i in order) if order
                              else prev, out if last else None, where, stype))
            prev = (op_name,)
        for o in node.output[:1]:
            data[o] = prev[0]
            layout[o] = lay
    outs = [o.name for o in g.output]
    if len(outs) != 1 or outs[0] not in data:
        raise ImportFailure(f"{source}: the graph has {len(outs)} outputs; archcalc imports a "
                            "model with one")
    classes = {}
    for node in g.node:
        sc = _scopes(node)
        if sc:
            for p, cls in zip(*sc):
                classes[p] = cls.rsplit(".", 1)[-1]
    owners = frozenset()
    if not classes:
        classes = _instance_classes(ops)
        owners = frozenset(classes)
    label = (f"{os.path.basename(source)} (ONNX, opset "
             f"{max((o.version for o in model.opset_import if o.domain in ('', 'ai.onnx')), default='?')}"
             f"{', from ' + model.producer_name + ' ' + model.producer_version if model.producer_name else ''})")
    several = tuple((names[x.name], own) for x, own in named) if names else ()
    return (Graph(fuse_patches(fuse_shuffles(fuse_silu(fuse_ln2d(ops, turned)))), data[outs[0]],
                  tuple(shape), ".", classes, notes=_rewritten(g), inputs=several,
                  join_owners=owners), label, "")


REWRITER = "pkg.onnxscript.rewriter.rule_name"


def _rewritten(g) -> list[str]:
    """A note on the exporter's rewrites, where the file records them: torch.onnx.export's
    default (the dynamo exporter) optimises the graph with onnxscript's rewriter, which in an
    eval-mode model folds each batch norm into the conv before it and removes zero biases, and
    names the rules it applied in each node's metadata. What they took out is not in the file."""
    rules: dict[str, int] = {}
    for node in g.node:
        for p in node.metadata_props:
            if p.key == REWRITER:
                for rule in dict.fromkeys(x.strip() for x in p.value.split(",") if x.strip()):
                    rules[rule] = rules.get(rule, 0) + 1
    if not rules:
        return []
    listed = ", ".join(f"{r} ×{k}" for r, k in sorted(rules.items(), key=lambda x: (-x[1], x[0])))
    return [f"the exporter rewrote this graph before writing it (onnxscript's rules, by the nodes "
            f"they made: {listed}): what a rewrite folded away, such as a batch norm fused into "
            "the conv before it (which then bears the batch norm's name) or a bias it found zero, "
            "is not in the file, so it is not in this table; torch.onnx.export(model, args, path, "
            "dynamo=False, training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False) "
            "writes every layer"]


def _instance_classes(ops: list[Op]) -> dict[str, str]:
    """Where the file records no module classes (torch's TorchScript exporter), a module
    that holds two joins or more of its own (a transformer encoder layer: the attention's
    residual add and the MLP's) is given its name less its index as a class
    (``encoder_layer`` for ``encoder.layers.encoder_layer_0``), so that the spec writer
    folds the repeated layers into one block as it does with the torch importer's classes."""
    joins: dict[str, int] = {}
    for op in ops:
        head, _, last = op.name.rpartition(".")
        if head and op.kind in ("add", "mul", "concat") and \
                re.fullmatch(r"(add|sum|mul|concat)(_\d+)?", last):
            joins[head] = joins.get(head, 0) + 1
    out = {}
    for path, n in joins.items():
        base = re.sub(r"[._]?\d+$", "", path.rpartition(".")[2])
        if n >= 2 and base and base != path.rpartition(".")[2]:
            out[path] = base
    return out


def _given_shapes(source: str, inputs, names: dict[str, str], shape) -> dict:
    """``--input`` by the graph's input name: a plain shape for a graph of one input, or
    NAME=CxHxW (the graph's name or the spec's) for each input of several to set."""
    if shape is None:
        return {}
    if not isinstance(shape, dict):
        if len(inputs) > 1:
            form = " ".join(f"--input {names[i.name]}=CxHxW" for i in inputs)
            raise ImportFailure(f"{source}: the graph has {len(inputs)} inputs "
                                f"({', '.join(names[i.name] for i in inputs)}); give each "
                                f"one's size: {form}")
        return {inputs[0].name: tuple(shape)}
    if len(inputs) == 1:
        raise ImportFailure(f"{source}: the graph has one input ({inputs[0].name}); give its "
                            "size as a plain --input CxHxW")
    by_name = {**{v: k for k, v in names.items()}, **{k: k for k in names}}
    out = {}
    for given, s in shape.items():
        if given not in by_name:
            from ..core.errors import suggest

            raise ImportFailure(f"--input: the graph has no input '{given}'"
                                f"{suggest(given, list(names.values()))}; its inputs are: "
                                f"{', '.join(names.values())}")
        out[by_name[given]] = tuple(s)
    return out


def fuse_ln2d(ops: list[Op], turned: dict[str, tuple]) -> list[Op]:
    """A layer norm between a Transpose to channels-last that only it reads and a Transpose
    back that alone reads it normalizes a channels-first map's channels: ``ln2d`` (torchvision's
    LayerNorm2d, which torch's exporter writes out as those three nodes)."""
    readers: dict[str, list[Op]] = {}
    for op in ops:
        for i in op.inputs:
            readers.setdefault(i, []).append(op)
    for op in ops:
        if op.kind != "ln" or turned.get(op.inputs[0]) != ("", "hwc") or \
                len(readers.get(op.inputs[0], [])) != 1:
            continue
        after = readers.get(op.name, [])
        if len(after) == 1 and turned.get(after[0].name) == ("hwc", ""):
            op.kind = "ln2d"
    return ops


def fuse_silu(ops: list[Op]) -> list[Op]:
    """x · sigmoid(x), as torch's exporter writes SiLU (ONNX has no SiLU operator before opset
    24): one ``silu`` op, where archcalc has the kind and the sigmoid is read by that product
    alone (a squeeze-and-excitation gate multiplies another tensor, and stays as it is)."""
    from ..core.kinds import RULES

    if "silu" not in RULES:
        return ops
    by_name = {op.name: op for op in ops}
    readers: dict[str, int] = {}
    for op in ops:
        for i in op.inputs:
            readers[i] = readers.get(i, 0) + 1
    drop = set()
    for op in ops:
        if op.kind != "mul" or len(op.inputs) != 2:
            continue
        for x, sig in (op.inputs, op.inputs[::-1]):
            s = by_name.get(sig)
            if s is not None and s.kind == "sigmoid" and s.inputs == (x,) and \
                    readers.get(s.name) == 1:
                op.kind, op.attrs, op.inputs = "silu", {}, (x,)
                op.source_type = "Sigmoid and Mul (x · sigmoid(x))"
                drop.add(s.name)
                break
    return [op for op in ops if op.name not in drop]


# --- subgraphs that are one layer ---------------------------------------------------------
# torch's exporter writes some modules as many nodes: nn.MultiheadAttention as its projections,
# the reshapes to heads, Q·Kᵀ, the scaling, Softmax, A·V and the reshapes back; GELU, where the
# opset has no Gelu (before 20), as x · 0.5 · (1 + erf(x/√2)). Each such subgraph is found
# before the nodes are read, checked piece by piece, and read as one op; a subgraph that does
# not match is read node by node (and its nodes named, where archcalc has no kind for them).

SHAPE_OPS = {"Transpose", "Reshape", "Squeeze", "Unsqueeze", "Identity", "Dropout"}
# what lies between the projections and the attention products: the reshapes to heads, the
# packed projection's parts (Gather, Slice, Split), the scaling by a constant, a cast
HEAD_OPS = SHAPE_OPS | {"Gather", "Slice", "Split", "Mul", "Div", "Cast", "Add"}


class _Pattern:
    """The graph's data flow, for finding subgraphs: each tensor's producer and readers, which
    tensors are data (computed from an input), their full shapes and small constants' values."""

    def __init__(self, g, full, consts):
        import numpy as np

        self.np = np
        self.nodes = list(g.node)
        self.full = full
        self.dims = {k: v[0] for k, v in consts.items()}
        self.values = {k: v[1] for k, v in consts.items() if v[1] is not None}
        inits = {t.name for t in g.initializer}
        self.data = {i.name for i in g.input if i.name not in inits}
        self.producer: dict[str, int] = {}
        self.readers: dict[str, list[int]] = {}
        for k, node in enumerate(self.nodes):
            if node.op_type == "Constant":
                v = helper.get_attribute_value(node.attribute[0]) if node.attribute else None
                if isinstance(v, onnx.TensorProto):
                    self.values[node.output[0]] = numpy_helper.to_array(v)
                continue
            for o in node.output:
                self.producer[o] = k
            if node.op_type not in META_OPS:
                for i in node.input:
                    self.readers.setdefault(i, []).append(k)
                if any(i in self.data for i in node.input):
                    self.data.update(o for o in node.output if o)

    def data_ins(self, node) -> list[str]:
        return [i for i in node.input if i in self.data]

    def const_ins(self, node) -> list[str]:
        return [i for i in node.input if i and i not in self.data]

    def scalar(self, name):
        v = self.values.get(name)
        return float(v.reshape(-1)[0]) if v is not None and v.size == 1 else None

    def only_reader(self, t: str):
        r = self.readers.get(t, [])
        return self.nodes[r[0]] if len(r) == 1 else None, (r[0] if len(r) == 1 else None)

    def weight(self, name) -> tuple | None:
        d = self.dims.get(name)
        d = self.full.get(name) if d is None else d
        return tuple(d) if d is not None else None

    def by_scalar(self, node) -> bool:
        """A product or quotient of one data tensor and one constant of one value (a scaling:
        no parameters hide in it)."""
        c = self.const_ins(node)
        if node.op_type not in ("Mul", "Div") or len(self.data_ins(node)) != 1 or len(c) != 1:
            return False
        w = self.weight(c[0])
        return w is not None and all(x == 1 for x in w)

    def projection(self, node):
        """(in, out) features of a MatMul or Gemm by a constant 2-D weight, else None."""
        if node.op_type not in ("MatMul", "Gemm") or len(self.data_ins(node)) != 1 or \
                node.input[0] not in self.data or len(node.input) < 2:
            return None
        w = self.weight(node.input[1])
        if w is None or len(w) != 2:
            return None
        if node.op_type == "Gemm":
            a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
            if a.get("transA", 0):
                return None
            return (w[1], w[0]) if a.get("transB", 0) else w
        return w


def _gelu(p: _Pattern, k: int):
    """x · 0.5 · (1 + erf(x/√2)) around the Erf node ``k``: (x, the nodes, the last one)."""
    erf = p.nodes[k]
    if erf.input[0] not in p.producer:
        return None
    kd = p.producer[erf.input[0]]
    d = p.nodes[kd]
    c = p.const_ins(d)
    if d.op_type not in ("Div", "Mul") or len(p.data_ins(d)) != 1 or len(c) != 1:
        return None
    s = p.scalar(c[0])
    if s is None or abs((s if d.op_type == "Div" else 1 / s) - 2 ** 0.5) > 1e-5 or \
            d.input[0] not in p.data:
        return None
    x = d.input[0]
    add, ka = p.only_reader(erf.output[0])
    if add is None or add.op_type != "Add" or len(p.const_ins(add)) != 1 or \
            p.scalar(p.const_ins(add)[0]) != 1.0:
        return None
    region = [kd, k, ka]
    m1, k1 = p.only_reader(add.output[0])
    if m1 is None or m1.op_type != "Mul":
        return None
    other = next((i for i in m1.input if i != add.output[0]), None)
    half = p.scalar(other) if other not in p.data else None
    if other == x or half == 0.5:           # (x · (1 + erf)) · 0.5 or ((1 + erf) · 0.5) · x
        m2, k2 = p.only_reader(m1.output[0])
        want = (lambda n: p.scalar(next((i for i in n.input if i != m1.output[0]), "")) == 0.5) \
            if other == x else (lambda n: x in n.input)
        if m2 is None or m2.op_type != "Mul" or not want(m2):
            return None
        region += [k1, k2]
    else:                                   # (x · 0.5) · (1 + erf)
        kh = p.producer.get(other)
        h = p.nodes[kh] if kh is not None else None
        if h is None or h.op_type != "Mul" or x not in h.input or \
                p.scalar(next((i for i in h.input if i != x), "")) != 0.5 or \
                p.only_reader(other)[1] != k1:
            return None
        region += [kh, k1]
    # the inner tensors are read by the subgraph alone
    for j in region[:-1]:
        if any(r not in region for o in p.nodes[j].output for r in p.readers.get(o, [])):
            return None
    return x, region


def _attention(p: _Pattern, k: int):
    """Self-attention around the Softmax node ``k`` (torch's nn.MultiheadAttention as its
    exporter writes it, or a hand-written one): (x, the nodes, the last one, mhsa's attributes)
    where every piece is there: one Softmax between two products of data (Q·Kᵀ, A·V); Q, K and
    V projected from the same tensor by one packed (D → 3·D) or three (D → D) MatMul or Gemm;
    the heads' reshapes; an output projection D → D; all biases or none, or the input
    projections' alone."""
    np = p.np
    region = {k}
    # forward: Softmax → (dropout) → A·V → reshapes → output projection (+ bias) → reshapes
    t = p.nodes[k].output[0]
    while True:
        n, j = p.only_reader(t)
        if n is None:
            return None
        region.add(j)
        if n.op_type in ("Dropout", "Identity"):
            t = n.output[0]
            continue
        break
    if n.op_type != "MatMul" or len(p.data_ins(n)) != 2 or n.input[0] != t:
        return None
    av = n
    t = av.output[0]
    while True:
        n, j = p.only_reader(t)
        if n is None:
            return None
        if n.op_type in SHAPE_OPS:
            region.add(j)
            t = n.output[0]
            continue
        break
    out_proj = p.projection(n)
    if out_proj is None:
        return None
    region.add(j)
    biases = [len(n.input) > 2 and bool(n.input[2])]
    t = n.output[0]
    n, j = p.only_reader(t)
    if n is not None and n.op_type == "Add" and len(p.const_ins(n)) == 1 and not biases[0] and \
            p.weight(p.const_ins(n)[0]) in ((out_proj[1],), (1, out_proj[1])):
        region.add(j)
        biases[0] = True
        t = n.output[0]
    after = t                       # the reshapes back are added once x's shape is known
    # backward: A·V's V and Q·Kᵀ's Q and K through the heads' reshapes to the projections
    ks = p.nodes[k]
    src = ks.input[0]
    # the scaling after Q·Kᵀ (an added mask or position bias is not mhsa: it stops here)
    while src in p.producer and (p.by_scalar(p.nodes[p.producer[src]]) or
                                 p.nodes[p.producer[src]].op_type in ("Cast", "Identity")):
        region.add(p.producer[src])
        src = p.data_ins(p.nodes[p.producer[src]])[0]
    qk = p.nodes[p.producer[src]] if src in p.producer else None
    if qk is None or qk.op_type != "MatMul" or len(p.data_ins(qk)) != 2:
        return None
    region.add(p.producer[src])
    projs: dict[int, tuple] = {}
    todo = [qk.input[0], qk.input[1], av.input[1]]
    seen = set()
    while todo:
        t = todo.pop()
        if t in seen:
            continue
        seen.add(t)
        if t not in p.producer:
            return None
        j = p.producer[t]
        n = p.nodes[j]
        w = p.projection(n)
        if w is not None:
            projs[j] = w
            continue
        if n.op_type not in HEAD_OPS or (n.op_type in ("Mul", "Div") and not p.by_scalar(n)):
            return None
        if n.op_type == "Add":          # only a projection's bias (checked below)
            below = p.producer.get(p.data_ins(n)[0]) if len(p.data_ins(n)) == 1 else None
            if below is None or p.projection(p.nodes[below]) is None or \
                    len(p.const_ins(n)) != 1 or \
                    p.weight(p.const_ins(n)[0]) not in ((p.projection(p.nodes[below])[1],),):
                return None
        region.add(j)
        todo.extend(p.data_ins(n))
    # the bias of each input projection: an Add of a constant right after it
    ins = set()
    for j, w in projs.items():
        n = p.nodes[j]
        region.add(j)
        has = len(n.input) > 2 and bool(n.input[2])
        r, jr = p.only_reader(n.output[0])
        if r is not None and r.op_type == "Add" and jr in region and len(p.const_ins(r)) == 1:
            has = has or p.weight(p.const_ins(r)[0]) in ((w[1],), (1, w[1]))
        biases.append(has)
        x = n.input[0]
        # a transpose (batch-first to sequence-first) read by the projections alone
        while x in p.producer and p.only_reader(x)[1] in region or x in p.producer and all(
                r in region for r in p.readers.get(x, [])):
            n = p.nodes[p.producer[x]]
            perm = next((list(a.ints) for a in n.attribute if a.name == "perm"), None)
            if not (n.op_type in ("Identity", "Dropout") or
                    n.op_type == "Transpose" and perm == [1, 0, 2]):
                break
            region.add(p.producer[x])
            x = n.input[0]
        ins.add(x)
    if len(ins) != 1:
        return None
    x = ins.pop()
    xs = p.full.get(x)
    if xs is None or len(xs) != 3:
        return None
    b, nt, d = xs
    shapes = sorted(projs.values())
    # all biases or none; or the input projections' alone: the dynamo exporter leaves an
    # all-zero bias out of the file (an untrained nn.MultiheadAttention's out_proj.bias)
    out_bias, in_biases = biases[0], set(biases[1:])
    if not ((shapes == [(d, 3 * d)]) or shapes == [(d, d)] * 3) or out_proj != (d, d) or \
            len(in_biases) != 1 or out_bias and in_biases == {False}:
        return None
    # forward again: the reshapes back to x's shape
    t = after
    while p.full.get(t) != xs:
        n, j = p.only_reader(t)
        if n is None or n.op_type not in SHAPE_OPS:
            return None
        region.add(j)
        t = n.output[0]
    # the heads: the last dimension of the reshapes to heads, D/h; the scores B·h·N·N values
    heads = {d // s[-1] for j in region if p.nodes[j].op_type == "Reshape"
             for s in [p.full.get(p.nodes[j].output[0])] if s and s[-1] < d and d % s[-1] == 0}
    scores = p.full.get(ks.input[0])
    if len(heads) != 1 or scores is None:
        return None
    h = heads.pop()
    if int(np.prod(scores)) != b * h * nt * nt or scores[-1] != nt:
        return None
    if sum(p.nodes[j].op_type == "Softmax" for j in region) != 1:
        return None
    # every tensor inside is read inside only
    for j in region:
        for o in p.nodes[j].output:
            if o != t and any(r not in region for r in p.readers.get(o, [])):
                return None
    last = next(j for j in region if t in p.nodes[j].output)
    attrs = {"mhsa": h, "bias": biases[1]}
    if biases[1] and not out_bias:
        attrs["out_bias"] = False
    return x, region, last, attrs


def find_patterns(g, full, consts) -> tuple[dict, set]:
    """{the last node's index: (its data input, the converter's result)} for each subgraph read
    as one op, and the indices of their other nodes (which are then not read)."""
    p = _Pattern(g, full, consts)
    emit, skip = {}, set()
    for k, node in enumerate(p.nodes):
        if node.op_type == "Erf" and node.input[0] in p.data:
            found = _gelu(p, k)
            if found:
                x, region = found
                emit[region[-1]] = (x, newer("gelu"), "Div, Erf, Add, Mul (x · Φ(x))", "")
                skip.update(region[:-1])
        elif node.op_type == "Softmax" and node.input[0] in p.data:
            found = _attention(p, k)
            if found:
                x, region, last, attrs = found
                paths = [_path(p.nodes[j])[0].split(".") for j in region]
                common = []
                for level in zip(*paths):
                    if len(set(level)) != 1:
                        break
                    common.append(level[0])
                emit[last] = (x, ("mhsa", dict(attrs, **{LAYOUT: "seq"})),
                              f"{len(region)} nodes (MatMul, Softmax, Reshape …: attention)",
                              ".".join(common))
                skip.update(region - {last})
    return emit, skip
