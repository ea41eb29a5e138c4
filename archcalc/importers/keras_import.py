"""A Keras model in, read as data: a ``.keras`` file (a zip whose ``config.json`` describes the
model; its ``model.weights.h5`` is never opened) or that JSON config alone. Nothing is run and no
Keras or TensorFlow is needed. Keras 3's functional and sequential configs are read, and Keras 2's
``inbound_nodes`` form.

Keras is channels-last: the input ``[H, W, C]`` is archcalc's C×H×W. A layer's ``activation``
becomes a row of its own after it (``conv1`` then ``conv1_relu``), as archcalc counts it. A
``ZeroPadding2D`` read only by a conv or pool with ``"valid"`` padding is written as that layer's
padding (the same shapes and counts; Keras's ResNet pads so). Each layer class becomes an archcalc
layer by the table ``LAYERS``: a new kind is one entry there.
"""

from __future__ import annotations

import json
import os
import zipfile

from . import MAX_CONFIG_BYTES
from ..core.kinds import RULES
from .spec_writer import (IDENTITY, INPUT, UNKNOWN, Graph, ImportFailure, Op, centre_crop,
                          input_names)

ACTIVATIONS = {"relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh", "softmax": "softmax",
               "linear": None, None: None}
# Issue 13's new kinds, each used once core.kinds has it (until then: an unsupported activation).
NEWER = {"relu6": "relu6", "hard_swish": "hardswish", "hard_silu": "hardswish",
         "hard_sigmoid": "hardsigmoid", "silu": "silu", "swish": "silu"}
ACTIVATIONS.update({name: kind for name, kind in NEWER.items() if kind in RULES})


def _pair(v):
    return list(v) if isinstance(v, (list, tuple)) else [v, v]


def _padding(cfg):
    p = cfg.get("padding", "valid")
    return "same" if p == "same" else 0


def _channels_last(cfg, name):
    if cfg.get("data_format") not in (None, "channels_last"):
        raise ImportFailure(f"layer {name}: data_format {cfg.get('data_format')!r}; archcalc "
                            "reads channels_last Keras models")


def conv(cfg, name):
    _channels_last(cfg, name)
    return "conv", {"conv": cfg["filters"], "k": _pair(cfg["kernel_size"]),
                    "s": _pair(cfg.get("strides", 1)), "p": _padding(cfg),
                    "dilation": _pair(cfg.get("dilation_rate", 1)),
                    "groups": cfg.get("groups", 1), "bias": cfg.get("use_bias", True)}


def dwconv(cfg, name):
    _channels_last(cfg, name)
    return "dwconv", {"dwconv": cfg.get("depth_multiplier", 1), "k": _pair(cfg["kernel_size"]),
                      "s": _pair(cfg.get("strides", 1)), "p": _padding(cfg),
                      "dilation": _pair(cfg.get("dilation_rate", 1)),
                      "bias": cfg.get("use_bias", True)}


def sepconv(cfg, name):
    _channels_last(cfg, name)
    return "sepconv", {"sepconv": cfg["filters"], "mult": cfg.get("depth_multiplier", 1),
                       "k": _pair(cfg["kernel_size"]), "s": _pair(cfg.get("strides", 1)),
                       "p": _padding(cfg), "dilation": _pair(cfg.get("dilation_rate", 1)),
                       "bias": cfg.get("use_bias", True)}


def tconv(cfg, name):
    """Conv2DTranspose: padding "valid" is no padding, (I − 1)·S + K out; "same" gives I·S, a
    padding of K − S in all, read where it splits evenly (and no output_padding is given)."""
    _channels_last(cfg, name)
    k, st = _pair(cfg["kernel_size"]), _pair(cfg.get("strides", 1))
    d = _pair(cfg.get("dilation_rate", 1))
    if cfg.get("output_padding") is not None:
        return UNKNOWN, "Conv2DTranspose with output_padding"
    if d != [1, 1]:
        return UNKNOWN, "Conv2DTranspose with a dilation"
    if cfg.get("padding", "valid") == "same":
        if any(ki < si or (ki - si) % 2 for ki, si in zip(k, st)):
            return UNKNOWN, f"Conv2DTranspose 'same' with kernel {k} and strides {st}"
        p = [(ki - si) // 2 for ki, si in zip(k, st)]
    else:
        p = [0, 0]
    return newer("tconv", {"tconv": cfg["filters"], "k": k, "s": st, "p": p,
                           "groups": cfg.get("groups", 1), "bias": cfg.get("use_bias", True)})


def upsampling(cfg, name):
    """UpSampling2D(size, interpolation): ``upsample`` where the interpolation is nearest or
    bilinear."""
    _channels_last(cfg, name)
    mode = cfg.get("interpolation", "nearest")
    if mode not in ("nearest", "bilinear"):
        return UNKNOWN, f"UpSampling2D with interpolation {mode!r}"
    return newer("upsample", {"upsample": _pair(cfg.get("size", 2)), "mode": mode})


def cropping(cfg, name, built):
    """Cropping2D((top, bottom), (left, right)) that keeps the map's centre: ``crop``, its
    size from the input's shape that Keras records (``build_config``)."""
    _channels_last(cfg, name)
    c = cfg.get("cropping", ((0, 0), (0, 0)))
    c = [c, c] if isinstance(c, int) else list(c)
    (t, b), (l, r) = [(x, x) if isinstance(x, int) else tuple(x) for x in c]
    if not (isinstance(built, list) and len(built) == 4
            and all(isinstance(d, int) for d in built[1:3])):
        return UNKNOWN, "Cropping2D without its input's shape (no build_config)"
    h, w = built[1], built[2]
    return centre_crop((h, w), [(t, h - b), (l, w - r)])


def pool(kind):
    def convert(cfg, name):
        _channels_last(cfg, name)
        size = _pair(cfg.get("pool_size", 2))
        return kind, {kind: size, "s": _pair(cfg.get("strides") or size), "p": _padding(cfg)}
    return convert


def gap(cfg, name):
    _channels_last(cfg, name)
    return [("gap", {})] + ([] if cfg.get("keepdims") else [("flatten", {})])


def bn(cfg, name):
    if not (cfg.get("center", True) and cfg.get("scale", True)):
        return UNKNOWN, "BatchNormalization without its scale or its shift"
    if cfg.get("axis", -1) not in (-1, 3, [3], [-1]):
        return UNKNOWN, f"BatchNormalization over axis {cfg.get('axis')}"
    return "bn", {"eps": cfg.get("epsilon", 1e-3)}


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def rescaling(cfg, name):
    """Rescaling(scale, offset): x·scale + offset, each one number for every value or a list of
    one per channel (Keras broadcasts a list along the last axis, the channels); constants, so
    no weights (count_params() counts none)."""
    out = {}
    for key, default in (("scale", 1.0), ("offset", 0.0)):
        v = cfg.get(key, default)
        if _number(v):
            out[key] = float(v)
        elif isinstance(v, (list, tuple)) and v and all(_number(x) for x in v):
            out[key] = [float(x) for x in v]
        else:
            return UNKNOWN, f"Rescaling with a {key} of shape {_shape_of(v)}"
    return newer("rescale", {"rescale": out["scale"], "offset": out["offset"]})


def _shape_of(v) -> str:
    shape = []
    while isinstance(v, (list, tuple)):
        shape.append(len(v))
        v = v[0] if v else None
    return "(" + ", ".join(map(str, shape)) + ")" if shape else repr(v)[:40]


# Keras's axes of a channels-last image batch (batch, H, W, C), and of a batch of vectors
# (batch, C), as archcalc's axis letters.
KERAS_AXES = {4: {1: "h", 2: "w", 3: "c"}, 2: {1: "c"}}


def normalization(cfg, name, rank=None):
    """Normalization: a mean and a variance per position along ``axis`` (the channels, -1, by
    default; ``None``: one over all values), or with ``invert`` the inverse; Keras keeps them
    as weights unless the config gives the mean and the variance. ``rank`` is the input's
    (4 for an image batch, 2 for vectors), from the layer's build config."""
    axis = cfg.get("axis", -1)
    axis = [] if axis is None else list(axis) if isinstance(axis, (list, tuple)) else [axis]
    letters = KERAS_AXES.get(rank) if rank is not None else None
    if letters is None:                 # rank unknown: only -1, the channels, whatever it is
        letters = {-1: "c"} if all(a == -1 for a in axis) else None
    if letters is None or not all(isinstance(a, int) and not isinstance(a, bool)
                                  for a in axis):
        return UNKNOWN, f"Normalization over axis {cfg.get('axis')} of a rank-{rank} input"
    if rank is not None:
        axis = [a + rank if a < 0 else a for a in axis]
    if not all(a in letters for a in axis):
        return UNKNOWN, f"Normalization over axis {cfg.get('axis')}" + (
            " (the batch)" if 0 in axis else "")
    found = {letters[a] for a in axis}
    way = "".join(x for x in "chw" if x in found)
    way = {"c": "channel", "": "all"}.get(way, way)
    stored = cfg.get("mean") is None and cfg.get("variance") is None
    attrs = {"standardize": way, "stored": stored}
    if cfg.get("invert"):
        attrs["invert"] = True
    return newer("standardize", attrs)


def newer(kind: str, attrs: dict):
    return (kind, attrs) if kind in RULES else (UNKNOWN, "")


def relu(cfg, name):
    if (cfg.get("max_value") == 6 and not cfg.get("negative_slope") and not cfg.get("threshold")
            and "relu6" in RULES):
        return "relu6", {}
    if cfg.get("max_value") is not None or cfg.get("negative_slope") or cfg.get("threshold"):
        return UNKNOWN, "ReLU with a cap, a slope or a threshold"
    return "relu", {}


def activation(cfg, name):
    act = cfg.get("activation")
    act = act if isinstance(act, str) else (act or {}).get("class_name")
    kind = ACTIVATIONS.get(act, UNKNOWN)
    if kind == UNKNOWN:
        return UNKNOWN, f"activation {act!r}"
    return (kind, {}) if kind else (IDENTITY, {})


def merge(kind):
    def convert(cfg, name):
        if kind == "concat" and cfg.get("axis", -1) not in (-1, 3):
            return UNKNOWN, f"Concatenate along axis {cfg.get('axis')}"
        return kind, {}
    return convert


LAYERS = {
    # class name → converter(config, layer name) → (kind, attrs) or a list of them
    "Conv2D": conv,
    "Convolution2D": conv,
    "DepthwiseConv2D": dwconv,
    "Conv2DTranspose": tconv,
    "Convolution2DTranspose": tconv,
    "UpSampling2D": upsampling,
    "Cropping2D": cropping,
    "SeparableConv2D": sepconv,
    "SeparableConvolution2D": sepconv,
    "Dense": lambda c, n: ("fc", {"fc": c["units"], "bias": c.get("use_bias", True)}),
    "MaxPooling2D": pool("maxpool"),
    "MaxPool2D": pool("maxpool"),
    "AveragePooling2D": pool("avgpool"),
    "AvgPool2D": pool("avgpool"),
    "GlobalAveragePooling2D": gap,
    "GlobalAvgPool2D": gap,
    "BatchNormalization": bn,
    "Rescaling": rescaling,
    "Normalization": normalization,
    "Activation": activation,
    "ReLU": relu,
    "Softmax": lambda c, n: ("softmax", {}) if c.get("axis", -1) == -1 else
    (UNKNOWN, "Softmax over another axis"),
    "Dropout": lambda c, n: ("dropout", {"dropout": c.get("rate", 0.5)}),
    "SpatialDropout2D": lambda c, n: ("dropout", {"dropout": c.get("rate", 0.5)}),
    "Flatten": lambda c, n: ("flatten", {}),
    "Reshape": lambda c, n: reshape(c),
    "Concatenate": merge("concat"),
    "Add": merge("add"),
    "Multiply": merge("mul"),
}
PADDABLE = ("conv", "dwconv", "sepconv", "maxpool", "avgpool")
UNFLATTEN = "_unflatten"        # Reshape((1, 1, C)): undone with the flatten before it


def reshape(cfg):
    """Keras's Reshape to (C,) is a flatten; to (1, 1, C), after a global average pool (MobileNet's
    head, EfficientNet's squeeze-and-excitation), the 1×1 map that archcalc's gap already gives
    (``undo_flatten``)."""
    target = list(cfg["target_shape"])
    if len(target) == 1:
        return "flatten", {}
    if len(target) == 3 and target[:2] == [1, 1]:
        return UNFLATTEN, {"c": target[2]}
    return UNKNOWN, f"to {tuple(target)}"


def undo_flatten(ops: list[Op], output: str) -> list[Op]:
    """A Reshape to (1, 1, C) of a flattened gap's C values reads the gap itself; any other is
    unsupported."""
    by_name = {op.name: op for op in ops}
    for op in ops:
        if op.kind != UNFLATTEN:
            continue
        flat = by_name.get(op.inputs[0])
        pooled = by_name.get(flat.inputs[0]) if flat is not None and flat.kind == "flatten" \
            else None
        if pooled is not None and pooled.kind == "gap":
            op.kind, op.attrs, op.inputs = IDENTITY, {}, (pooled.name,)
        else:
            op.kind, op.source_type = UNKNOWN, op.source_type + f" (to (1, 1, {op.attrs['c']}))"
            op.attrs = {}
    read = {i for op in ops for i in op.inputs} | {output}
    return [op for op in ops if not (op.kind == "flatten" and op.name not in read
                                     and op.name.endswith("_flatten"))]


# --- reading the config ------------------------------------------------------------------

def read_config(path: str) -> dict:
    """The model's config: ``config.json`` of a ``.keras`` zip, or a JSON file."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                try:
                    info = z.getinfo("config.json")
                except KeyError:
                    raise ImportFailure(f"{path}: a zip without config.json, not a .keras "
                                        "model") from None
                if info.file_size > MAX_CONFIG_BYTES:
                    raise ImportFailure(f"{path}: config.json is {info.file_size:,} bytes, more "
                                        f"than {MAX_CONFIG_BYTES:,}, the largest archcalc reads")
                raw = z.read(info)
        else:
            if os.path.getsize(path) > MAX_CONFIG_BYTES:
                raise ImportFailure(f"{path}: larger than {MAX_CONFIG_BYTES:,} bytes, the "
                                    "largest Keras config archcalc reads")
            with open(path, "rb") as f:
                raw = f.read()
    except (OSError, zipfile.BadZipFile) as e:
        raise ImportFailure(f"{path}: cannot read the file ({e})") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise ImportFailure(f"{path}: not a Keras model config (not JSON: {e})") from None
    if isinstance(data, dict) and "model_config" in data:       # Keras 2's model.to_json() + meta
        data = data["model_config"]
    if not isinstance(data, dict) or data.get("class_name") not in ("Functional", "Model",
                                                                     "Sequential"):
        raise ImportFailure(f"{path}: not a Keras model config (expected class_name "
                            "Functional or Sequential at the top)")
    return data


def _history(t) -> str:
    """The layer name of an inbound tensor, in Keras 3's or Keras 2's form."""
    if isinstance(t, dict) and t.get("class_name") == "__keras_tensor__":
        return t["config"]["keras_history"][0]
    if isinstance(t, list) and t and isinstance(t[0], str):
        return t[0]
    raise ValueError(f"an inbound tensor {str(t)[:80]}")


def _inbound(layer) -> list[str]:
    nodes = layer.get("inbound_nodes") or []
    if len(nodes) > 1:
        raise ImportFailure(f"layer {layer.get('name')} is called {len(nodes)} times (a shared "
                            "layer); archcalc writes each layer once")
    if not nodes:
        return []
    node = nodes[0]
    if isinstance(node, dict):                      # Keras 3: {"args": [...], "kwargs": {}}
        args = node.get("args", [])
        tensors = args[0] if len(args) == 1 and isinstance(args[0], list) else args
        return [_history(t) for t in tensors if isinstance(t, (dict, list))]
    return [_history(t) for t in node]              # Keras 2: [[name, 0, 0, {}], …]


def _recorded_shapes(layers: list) -> dict[str, tuple]:
    """Keras 3 records the shape of every tensor a layer reads (``inbound_nodes``' keras
    tensors): {producing layer: its output as (C, H, W) or (N,)}, channels-last turned round.
    Only an operation archcalc cannot count takes its shape from here (--skip-unknown)."""
    out: dict[str, tuple] = {}
    for layer in layers:
        for node in layer.get("inbound_nodes") or []:
            if not isinstance(node, dict):
                continue
            args = node.get("args", [])
            tensors = args[0] if len(args) == 1 and isinstance(args[0], list) else args
            for t in tensors:
                cfg = t.get("config", {}) if isinstance(t, dict) else {}
                shape, history = cfg.get("shape"), cfg.get("keras_history")
                if (isinstance(shape, list) and isinstance(history, list) and history
                        and len(shape) in (2, 4) and all(isinstance(d, int) for d in shape[1:])):
                    out[history[0]] = ((shape[3], shape[1], shape[2]) if len(shape) == 4
                                       else (shape[1],))
    return out


def _input_shape(cfg: dict, model: dict, where: str):
    shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
    if shape is None and model.get("build_config"):
        shape = model["build_config"].get("input_shape")
    if not shape or len(shape) != 4 or any(d is None for d in shape[1:]):
        return None
    h, w, c = shape[1:]
    return (c, h, w)


def read(source: str, shape):
    data = read_config(source)
    cfg = data.get("config", {})
    layers = cfg.get("layers", [])
    if not isinstance(layers, list) or not layers:
        raise ImportFailure(f"{source}: the model config has no layers")
    sequential = data["class_name"] == "Sequential"
    ops: list[Op] = []
    out_of: dict[str, str] = {}
    found_shape = None
    pads: dict[str, tuple] = {}             # a ZeroPadding2D's name → (its input, padding)
    readers: dict[str, int] = {}
    unknown_of: dict[str, str] = {}         # an unknown op → its Keras layer
    if not sequential:
        for layer in layers:
            for n in _inbound(layer):
                readers[n] = readers.get(n, 0) + 1
    prev = None
    # a functional model of several inputs: each InputLayer a named input, in the model's order
    input_layers = [(layer.get("name") or (layer.get("config") or {}).get("name") or f"layer{i}")
                    for i, layer in enumerate(layers) if layer.get("class_name") == "InputLayer"]
    declared = cfg.get("input_layers") or []
    if declared and isinstance(declared[0], str):
        declared = [declared]
    order = [d[0] for d in declared if isinstance(d, list) and d and d[0] in input_layers]
    if sorted(order) == sorted(input_layers):
        input_layers = order
    names = input_names(input_layers) if len(input_layers) > 1 else {}
    found: dict[str, tuple | None] = {}
    for i, layer in enumerate(layers):
        cls = layer.get("class_name")
        lcfg = layer.get("config", {}) or {}
        name = layer.get("name") or lcfg.get("name") or f"layer{i}"
        where = f"layer {name} ({cls})"
        if cls == "InputLayer":
            found[name] = _input_shape(lcfg, {} if names else data, where)
            out_of[name] = names.get(name, INPUT)
            prev = out_of[name]
            if not names:
                found_shape = found[name]
            continue
        if sequential:
            if i == 0 and found_shape is None:
                found_shape = _input_shape(lcfg, cfg, where) or _input_shape({}, data, where)
                prev = INPUT
            ins = [prev]
        else:
            try:
                ins = [out_of[n] for n in _inbound(layer)]
            except KeyError as e:
                raise ImportFailure(f"{source}: {where} reads {e.args[0]!r}, which is not a "
                                    "layer before it") from None
            except ValueError as e:
                raise ImportFailure(f"{source}: {where}: cannot read {e}") from None
        if cls == "ZeroPadding2D" and not sequential and readers.get(name) == 1:
            p = lcfg.get("padding", 1)
            p = [[p, p], [p, p]] if isinstance(p, int) else [
                list(x) if isinstance(x, (list, tuple)) else [x, x] for x in p]
            pads[name] = (ins[0], [p[0][0], p[0][1], p[1][0], p[1][1]])
            out_of[name] = ins[0]
            continue
        convert = LAYERS.get(cls)
        if convert is None:
            result = (UNKNOWN, "a nested model" if cls in ("Functional", "Sequential", "Model")
                      else "")
        else:
            try:
                built = (layer.get("build_config") or {}).get("input_shape")
                if convert is normalization:    # its axes depend on the input's rank
                    result = convert(lcfg, name, len(built) if isinstance(built, list) else None)
                elif convert is cropping:       # its size depends on the input's
                    result = convert(lcfg, name, built)
                else:
                    result = convert(lcfg, name)
            except KeyError as e:
                raise ImportFailure(f"{source}: {where}: its config has no {e.args[0]!r}") \
                    from None
        pieces = result if isinstance(result, list) else [result]
        kind0, attrs0 = pieces[0]
        padded = [n for n in (_inbound(layer) if not sequential else []) if n in pads]
        if padded:
            src, p = pads[padded[0]]
            if kind0 in PADDABLE and attrs0.get("p") == 0:
                attrs0["p"] = p
            else:
                ops.append(Op(padded[0], UNKNOWN, {}, (src,), None,
                              f"layer {padded[0]} (ZeroPadding2D)", "ZeroPadding2D"))
                ins = [padded[0] if x == src else x for x in ins]
        act = lcfg.get("activation") if cls not in ("Activation",) else None
        act = act if isinstance(act, str) or act is None else act.get("class_name")
        if act not in ACTIVATIONS:
            pieces.append((UNKNOWN, f"activation {act!r}"))
        elif ACTIVATIONS[act]:
            pieces.append((ACTIVATIONS[act], {}))
        last_in = tuple(ins)
        for j, (kind, attrs) in enumerate(pieces):
            op_name = name if j == 0 else f"{name}_{kind if kind != UNKNOWN else 'activation'}"
            if kind == UNKNOWN:
                ops.append(Op(op_name, UNKNOWN, {}, last_in, None, where,
                              cls + (f" ({attrs})" if attrs else ""),
                              keeps_shape=isinstance(attrs, str)
                              and attrs.startswith("activation ")))
                unknown_of[op_name] = name
            else:
                ops.append(Op(op_name, kind, attrs, last_in, None, where, cls))
            last_in = (op_name,)
        out_of[name] = prev = last_in[0]
    if sequential:
        output = prev
    else:
        outs = cfg.get("output_layers") or []
        if outs and isinstance(outs[0], str):
            outs = [outs]
        if len(outs) != 1:
            raise ImportFailure(f"{source}: the model has {len(outs)} outputs; archcalc imports "
                                "a model with one")
        output = out_of[outs[0][0]]
    several = ()
    if names:
        several = _several(source, names, found, shape)
        shape, found_shape = several[0][1], tuple(found.values())[0]
        recorded_at = all(found[k] == s for k, (_, s) in zip(names, several))
    else:
        if isinstance(shape, dict):
            raise ImportFailure(f"{source}: the model has one input; give its size as a plain "
                                "--input CxHxW")
        if shape is None:
            shape = found_shape
        if shape is None:
            raise ImportFailure(f"{source}: the config does not fix the input size; give it, "
                                "--input CxHxW")
        recorded_at = tuple(shape) == found_shape
    if recorded_at:                         # the shapes Keras recorded are at this input
        recorded = _recorded_shapes(layers)
        for op in ops:
            layer = unknown_of.get(op.name)
            if op.kind == UNKNOWN and out_of.get(layer) == op.name and layer in recorded:
                op.shape = recorded[layer]
    label = (f"{os.path.basename(source)} (Keras {data['class_name']} model "
             f"{cfg.get('name', '')!r}, read as data)")
    return (Graph(undo_flatten(ops, output), output, tuple(shape), "_", {}, inputs=several),
            label, "")


def _several(source: str, names: dict[str, str], found: dict, shape) -> tuple:
    """((name, (C, H, W)), …) of a model of several inputs: each one's recorded shape, or the
    one ``--input NAME=CxHxW`` gives (the Keras layer's name or the spec's)."""
    form = " ".join(f"--input {n}=CxHxW" for n in names.values())
    if shape is not None and not isinstance(shape, dict):
        raise ImportFailure(f"{source}: the model has {len(names)} inputs "
                            f"({', '.join(names.values())}); give each one's size: {form}")
    by_name = {**{v: k for k, v in names.items()}, **{k: k for k in names}}
    given = {}
    for g, s in (shape or {}).items():
        if g not in by_name:
            from ..core.errors import suggest

            raise ImportFailure(f"--input: the model has no input '{g}'"
                                f"{suggest(g, list(names.values()))}; its inputs are: "
                                f"{', '.join(names.values())}")
        given[by_name[g]] = tuple(s)
    out = []
    for layer, name in names.items():
        s = given.get(layer) or found.get(layer)
        if s is None:
            raise ImportFailure(f"{source}: the config does not fix the size of the input "
                                f"'{name}'; give it, --input {name}=CxHxW")
        out.append((name, tuple(s)))
    return tuple(out)


def versions() -> str:
    return "archcalc's reader of Keras configs (no Keras needed)"
