"""A Caffe ``.prototxt`` in, read as data (no Caffe, no protobuf package): the form in which the
original AlexNet, GoogLeNet, VGG and ResNet releases were published, and the one Netscope reads.

``parse`` reads the protobuf text format (messages in braces, ``key: value`` fields, repeated
fields, ``#`` comments) into nested lists of (key, value) pairs. Both the ``layer`` form and the
old ``layers`` form with upper-case type names are read; the input comes from ``input_shape``,
``input_dim`` or an ``Input`` layer. Caffe rounds pooling sizes up (``ceil``); a ``BatchNorm``
followed by the ``Scale`` that gives it its γ and β is one ``bn`` row; ``Split`` is the identity;
layers only for training (``include { phase: TRAIN }``, losses, accuracy) are left out, and the
spec's notes say which. Each layer type becomes an archcalc layer by the table ``LAYERS``.
"""

from __future__ import annotations

import os
import re

from . import MAX_PROTOTXT_BYTES
from .spec_writer import IDENTITY, INPUT, UNKNOWN, Graph, ImportFailure, Op

_TOKEN = re.compile(r"""\s*(?:(\#[^\n]*)|([{}:<>;,\[\]])|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
                    r"""|([A-Za-z0-9_.+\-]+))""")


def parse(text: str, path: str) -> list:
    """The protobuf text format as a list of (key, value) pairs; a message's value is such a
    list, a scalar's is an int, a float, a bool or a string."""
    tokens = []
    pos = 0
    line = 1
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            if text[pos:].strip() == "":
                break
            bad = text[pos:].lstrip()[:20]
            where = line + text[pos:pos + len(text[pos:]) - len(text[pos:].lstrip())].count("\n")
            raise ImportFailure(f"{path}:{where}: not the protobuf text format: unexpected "
                                f"{bad!r}")
        line += text[pos:m.start(m.lastindex)].count("\n")
        pos = m.end()
        if m.group(1) is None:
            tokens.append((m.group(m.lastindex), line))
    i = 0

    def error(msg):
        where = tokens[i][1] if i < len(tokens) else (tokens[-1][1] if tokens else 1)
        return ImportFailure(f"{path}:{where}: not the protobuf text format: {msg}")

    def value(tok):
        if tok[0] in "\"'":
            return bytes(tok[1:-1], "utf-8").decode("unicode_escape")
        if tok in ("true", "True"):
            return True
        if tok in ("false", "False"):
            return False
        try:
            return int(tok)
        except ValueError:
            pass
        try:
            return float(tok)
        except ValueError:
            return tok                  # an enum: MAX, AVE, SUM …

    def message(end: str | None, depth: int) -> list:
        nonlocal i
        if depth > 64:
            raise error("messages nested more than 64 deep")
        out = []
        while True:
            if i >= len(tokens):
                if end is None:
                    return out
                raise error("a '{' is never closed")
            tok = tokens[i][0]
            if tok == end:
                i += 1
                return out
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", tok):
                raise error(f"expected a field name, found {tok!r}")
            key = tok
            i += 1
            if i < len(tokens) and tokens[i][0] == ":":
                i += 1
            if i >= len(tokens):
                raise error(f"field {key!r} has no value")
            tok = tokens[i][0]
            if tok in ("{", "<"):
                i += 1
                out.append((key, message("}" if tok == "{" else ">", depth + 1)))
            elif tok == "[":
                i += 1
                while i < len(tokens) and tokens[i][0] != "]":
                    if tokens[i][0] != ",":
                        out.append((key, value(tokens[i][0])))
                    i += 1
                i += 1
            elif tok in "{}<>:[],;":
                raise error(f"field {key!r} has no value")
            else:
                out.append((key, value(tok)))
                i += 1
            if i < len(tokens) and tokens[i][0] in (";", ","):
                i += 1
    return message(None, 0)


def get(msg, key, default=None):
    for k, v in msg:
        if k == key:
            return v
    return default


def getall(msg, key) -> list:
    return [v for k, v in msg if k == key]


# --- the table ---------------------------------------------------------------------------

def _hw(p, name, default):
    """A Caffe geometry field: ``name`` (repeated: one, or H and W) or ``name_h``/``name_w``."""
    h, w = get(p, f"{name}_h"), get(p, f"{name}_w")
    if h is not None or w is not None:
        return [h if h is not None else default, w if w is not None else default]
    vals = getall(p, name if name != "kernel" else "kernel_size")
    if not vals:
        return [default, default]
    return [vals[0], vals[-1]] if len(vals) <= 2 else [vals[0], vals[1]]


def conv(layer):
    p = get(layer, "convolution_param", [])
    attrs = {"conv": get(p, "num_output"), "k": _hw(p, "kernel", None), "s": _hw(p, "stride", 1),
             "p": [*[_hw(p, "pad", 0)[0]] * 2, *[_hw(p, "pad", 0)[1]] * 2],
             "dilation": _hw(p, "dilation", 1), "groups": get(p, "group", 1),
             "bias": get(p, "bias_term", True)}
    if attrs["conv"] is None or None in attrs["k"]:
        return UNKNOWN, "Convolution without num_output or kernel_size"
    return "conv", attrs


def pool(layer):
    p = get(layer, "pooling_param", [])
    method = get(p, "pool", "MAX")
    kind = {"MAX": "maxpool", 0: "maxpool", "AVE": "avgpool", 1: "avgpool"}.get(method)
    if kind is None:
        return UNKNOWN, f"Pooling {method}"
    if get(p, "global_pooling", False):
        return ("gap", {}) if kind == "avgpool" else (UNKNOWN, "global max pooling")
    pad = _hw(p, "pad", 0)
    return kind, {kind: _hw(p, "kernel", None), "s": _hw(p, "stride", 1),
                  "p": [pad[0], pad[0], pad[1], pad[1]], "ceil": True}


def eltwise(layer):
    p = get(layer, "eltwise_param", [])
    op = get(p, "operation", "SUM")
    if getall(p, "coeff") and any(c != 1 for c in getall(p, "coeff")):
        return UNKNOWN, "Eltwise with coefficients"
    return {"SUM": ("add", {}), 1: ("add", {}), "PROD": ("mul", {}), 0: ("mul", {})}.get(
        op, (UNKNOWN, f"Eltwise {op}"))


def lrn(layer):
    p = get(layer, "lrn_param", [])
    if get(p, "norm_region", "ACROSS_CHANNELS") not in ("ACROSS_CHANNELS", 0):
        return UNKNOWN, "LRN within a channel"
    return "lrn", {"lrn": get(p, "local_size", 5), "alpha": float(get(p, "alpha", 1.0)),
                   "beta": float(get(p, "beta", 0.75)), "offset": float(get(p, "k", 1.0))}


def axis_one(kind, param):
    def convert(layer):
        axis = get(get(layer, param, []), "axis", 1)
        return (kind, {}) if axis == 1 else (UNKNOWN, f"along axis {axis}")
    return convert


LAYERS = {
    # layer type (and the old upper-case enum) → converter(layer message) → (kind, attrs)
    "Convolution": conv,
    "InnerProduct": lambda l: ("fc", {"fc": get(get(l, "inner_product_param", []), "num_output"),
                                      "bias": get(get(l, "inner_product_param", []),
                                                  "bias_term", True)}),
    "Pooling": pool,
    "ReLU": lambda l: ("relu", {}) if not get(get(l, "relu_param", []), "negative_slope")
    else (UNKNOWN, "leaky ReLU"),
    "Sigmoid": lambda l: ("sigmoid", {}),
    "TanH": lambda l: ("tanh", {}),
    "Softmax": axis_one("softmax", "softmax_param"),
    "Dropout": lambda l: ("dropout", {"dropout": float(get(get(l, "dropout_param", []),
                                                           "dropout_ratio", 0.5))}),
    "LRN": lrn,
    "Concat": axis_one("concat", "concat_param"),
    "Eltwise": eltwise,
    "Flatten": lambda l: ("flatten", {}),
    "Split": lambda l: (IDENTITY, {}),
    "BatchNorm": lambda l: ("bn", {"eps": float(get(get(l, "batch_norm_param", []), "eps",
                                                    1e-5))}),
}
OLD_TYPES = {"CONVOLUTION": "Convolution", "INNER_PRODUCT": "InnerProduct", "POOLING": "Pooling",
             "RELU": "ReLU", "SIGMOID": "Sigmoid", "TANH": "TanH", "SOFTMAX": "Softmax",
             "DROPOUT": "Dropout", "LRN": "LRN", "CONCAT": "Concat", "ELTWISE": "Eltwise",
             "FLATTEN": "Flatten", "SPLIT": "Split", "DATA": "Data",
             "SOFTMAX_LOSS": "SoftmaxWithLoss", "ACCURACY": "Accuracy"}
TRAINING_ONLY = re.compile(r".*(Loss|Accuracy)$")


def _shape(net, layer=None):
    """(C, H, W) from the net's input fields or an Input layer; ``None`` where none is given."""
    dims = None
    if layer is not None:
        shape = get(get(layer, "input_param", []), "shape")
        dims = getall(shape, "dim") if shape else None
    else:
        shape = get(net, "input_shape")
        dims = getall(shape, "dim") if shape else getall(net, "input_dim")
    if dims and len(dims) == 4:
        return tuple(dims[1:])
    return None


def read(source: str, shape):
    size = os.path.getsize(source)
    if size > MAX_PROTOTXT_BYTES:
        raise ImportFailure(f"{source}: {size:,} bytes is more than {MAX_PROTOTXT_BYTES:,}, the "
                            "largest prototxt archcalc reads")
    try:
        with open(source, "rb") as f:
            text = f.read().decode("utf-8")
    except UnicodeDecodeError as e:
        raise ImportFailure(f"{source}: not UTF-8 text (byte {e.start})") from None
    except OSError as e:
        raise ImportFailure(f"{source}: cannot read the file ({e.strerror})") from None
    net = parse(text, source)
    layers = getall(net, "layer") or getall(net, "layers")
    if not layers:
        raise ImportFailure(f"{source}: no 'layer {{ … }}' in the file: not a Caffe net")
    producer: dict[str, str] = {}
    found = None
    inputs = getall(net, "input")
    if inputs:
        if len(inputs) > 1:
            raise ImportFailure(f"{source}: the net has {len(inputs)} inputs ("
                                f"{', '.join(inputs)}); archcalc imports a model with one")
        producer[inputs[0]] = INPUT
        found = _shape(net)
    ops: list[Op] = []
    left_out: list[str] = []
    names: set[str] = set()
    last = None
    pending_bn: dict[str, Op] = {}
    for k, layer in enumerate(layers):
        name = str(get(layer, "name", f"layer{k}"))
        ltype = get(layer, "type", "")
        ltype = OLD_TYPES.get(ltype, ltype) if isinstance(ltype, str) else str(ltype)
        phases = [get(inc, "phase") for inc in getall(layer, "include")]
        bottoms, tops = getall(layer, "bottom"), getall(layer, "top")
        if "TRAIN" in phases or TRAINING_ONLY.fullmatch(ltype):
            left_out.append(f"{name} ({ltype})")
            continue
        if ltype in ("Input", "Data", "ImageData", "MemoryData", "DummyData"):
            if producer and INPUT in producer.values():
                raise ImportFailure(f"{source}: the net has several inputs; archcalc imports "
                                    "a model with one")
            for t in tops[:1]:
                producer[t] = INPUT
            found = _shape(net, layer) if ltype == "Input" else found
            continue
        try:
            ins = tuple(producer[b] for b in bottoms)
        except KeyError as e:
            raise ImportFailure(f"{source}: layer {name} reads blob {e.args[0]!r}, which no "
                                "layer before it writes") from None
        if not ins:
            raise ImportFailure(f"{source}: layer {name} ({ltype}) has no bottom")
        where = f"layer {name}"
        op_name = re.sub(r"[/]+", "_", name)
        while op_name in names:
            op_name += "_"
        names.add(op_name)
        if ltype == "Scale" and ins[0] in pending_bn and get(get(layer, "scale_param", []),
                                                             "bias_term", False):
            # BatchNorm (statistics) + Scale (γ, β): one batch norm
            for t in tops:
                producer[t] = ins[0]
            pending_bn.pop(ins[0])
            continue
        convert = LAYERS.get(ltype)
        kind, attrs = convert(layer) if convert else (UNKNOWN, "")
        if kind == UNKNOWN:
            # a layer computed in place (top = bottom: PReLU, ELU, Power …) keeps its shape
            op = Op(op_name, UNKNOWN, {}, ins, None, where, ltype + (f" ({attrs})" if attrs
                                                                       else ""),
                    keeps_shape=len(bottoms) == 1 and list(tops) == list(bottoms))
        else:
            op = Op(op_name, kind, attrs, ins, None, where, ltype)
        ops.append(op)
        if ltype == "BatchNorm":
            pending_bn[op_name] = op
        for t in tops:
            producer[t] = op_name if kind != IDENTITY or len(ins) != 1 else op_name
        last = op_name
    for name, op in pending_bn.items():
        op.kind, op.attrs = UNKNOWN, {}
        op.source_type = "BatchNorm (without the Scale layer that gives it γ and β)"
    if last is None:
        raise ImportFailure(f"{source}: no layer to import")
    if shape is None:
        shape = found
    if shape is None:
        raise ImportFailure(f"{source}: the net does not give its input size (input_shape, "
                            "input_dim or an Input layer); give it, --input CxHxW")
    label = f"{os.path.basename(source)} (Caffe net {get(net, 'name', '')!r}, read as data)"
    notes = [f"left out, as training-only: {', '.join(left_out)}"] if left_out else []
    return Graph(ops, last, tuple(shape), "_", {}, notes), label, ""


def versions() -> str:
    return "archcalc's reader of the protobuf text format (no Caffe needed)"
