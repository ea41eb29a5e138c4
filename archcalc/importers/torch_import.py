"""A PyTorch module in: ``torchvision:NAME``, ``timm:NAME`` or ``PATH.py:CALLABLE``.

The model is built without weights (torchvision ``weights=None``, timm ``pretrained=False``) on
torch's ``meta`` device where it can be, so nothing is downloaded and no parameter memory is
allocated. It is traced with ``torch.fx`` (every module call and function call, with the shapes
torch computes for them: ``ShapeProp``); a model fx cannot trace (Python control flow on tensor
values) is run once instead, with forward hooks on its modules and a ``TorchFunctionMode`` that
sees the functions called between them. Either way each operation is turned into an archcalc
layer by the tables ``MODULES`` (by module class) and ``FUNCTIONS`` (by function or method
name): a new kind is one entry in each.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import operator
import os
import sys

import torch
from torch import nn

from .spec_writer import (GROUPED, IDENTITY, INPUT, LAYOUT, SWAPPED, TOKENS, UNGROUPED,
                          UNKNOWN, WHERE, Dims, Graph, ImportFailure, Op, fuse_patches,
                          centre_crop, fuse_shuffles, upsample_by_shapes)
from .spec_writer import layout_of as _layout, with_layout as _with_layout

# --- the tables --------------------------------------------------------------------------

Shape = tuple  # per sample: (C, H, W) or (N,)


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _padding(p, k=None, s=(1, 1), d=(1, 1)):
    if isinstance(p, str):
        if p == "valid":
            return (0, 0)
        return "same"           # PyTorch's "same" (stride 1): TensorFlow's rule, extra after
    return _pair(p)


def conv(m: nn.Conv2d, ins, out):
    c_in = ins[0][0]
    attrs = dict(k=_pair(m.kernel_size), s=_pair(m.stride),
                 p=list(_padding(m.padding)) if m.padding != "same" else "same",
                 dilation=_pair(m.dilation), bias=m.bias is not None)
    if m.groups > 1 and m.groups == c_in and m.out_channels % c_in == 0:
        return "dwconv", dict(attrs, dwconv=m.out_channels // c_in)
    return "conv", dict(attrs, conv=m.out_channels, groups=m.groups)


def tconv(m: nn.ConvTranspose2d, ins, out):
    if m.padding_mode != "zeros":
        return UNKNOWN, f"ConvTranspose2d with padding_mode={m.padding_mode!r}"
    return "tconv", dict(tconv=m.out_channels, k=_pair(m.kernel_size), s=_pair(m.stride),
                         p=list(_pair(m.padding)), dilation=_pair(m.dilation),
                         output_padding=_pair(m.output_padding), groups=m.groups,
                         bias=m.bias is not None)


def upsample(mode, ins, out):
    """nn.Upsample or F.interpolate by a whole factor, nearest or bilinear: ``upsample``."""
    if mode not in ("nearest", "bilinear"):
        return UNKNOWN, f"upsampling with mode={mode!r}"
    return upsample_by_shapes(ins[0], out, mode, "upsampling")


def linear(m: nn.Linear, ins, out):
    if _layout(ins[0]) in ("hwc", "seq"):
        return "linear", {"linear": m.out_features, "bias": m.bias is not None}
    if len(ins[0]) != 1:
        return UNKNOWN, f"Linear on a {len(ins[0]) + 1}-D input (archcalc's fc reads a vector)"
    return "fc", {"fc": m.out_features, "bias": m.bias is not None}


def layer_norm(shape, affine: bool, eps, ins, kind="ln"):
    """nn.LayerNorm over the last axis: ``ln`` where that axis is the channels (a channels-last
    map, a token's features), with its learned scale and shift."""
    shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    x = ins[0]
    if kind == "ln" and _layout(x) not in ("hwc", "seq"):
        return UNKNOWN, "layer norm over the last axis of a channels-first map or a vector"
    if len(shape) != 1 or shape[0] != Dims(x, _layout(x)).archcalc()[0]:
        return UNKNOWN, f"layer norm over {shape}, not over the channels"
    if not affine:
        return UNKNOWN, "layer norm without a learned scale and shift"
    return kind, {"eps": float(eps)}


def mha(m: nn.MultiheadAttention, ins, out, same_qkv: bool):
    """nn.MultiheadAttention as self-attention over a sequence: ``mhsa``."""
    why = ("its query, key and value not one tensor (cross-attention)" if not same_qkv else
           "batch_first=False (the sequence first, then the batch)" if not m.batch_first else
           "keys or values of another width" if not m._qkv_same_embed_dim else
           "bias_k, bias_v or add_zero_attn" if m.bias_k is not None or m.add_zero_attn else
           "a sequence it reads as tokens" if _layout(ins[0]) != "seq" else
           "biases on some projections only"
           if (m.in_proj_bias is None) != (m.out_proj.bias is None) else "")
    if why:
        return UNKNOWN, f"MultiheadAttention with {why}"
    return "mhsa", {"mhsa": m.num_heads, "bias": m.in_proj_bias is not None, LAYOUT: "seq"}


def maxpool(m: nn.MaxPool2d, ins, out):
    k = _pair(m.kernel_size)
    return "maxpool", {"maxpool": k, "s": _pair(m.stride or m.kernel_size),
                       "p": list(_pair(m.padding)), "dilation": _pair(m.dilation),
                       "ceil": bool(m.ceil_mode)}


def avgpool(m: nn.AvgPool2d, ins, out):
    return "avgpool", {"avgpool": _pair(m.kernel_size), "s": _pair(m.stride or m.kernel_size),
                       "p": list(_pair(m.padding)), "ceil": bool(m.ceil_mode)}


def adaptive(size):
    size = _pair(size)
    if None in size:
        return UNKNOWN, "adaptive average pooling that keeps one axis"
    if size == (1, 1):
        return "gap", {}
    return "adaptive_avgpool", {"adaptive_avgpool": size}


def flatten_module(m: nn.Flatten, ins, out):
    if m.start_dim == 1 and m.end_dim == -1:
        return ("flatten", {}) if len(ins[0]) > 1 else (IDENTITY, {})
    return UNKNOWN, f"Flatten({m.start_dim}, {m.end_dim})"


def softmax_dim(dim, ins):
    if dim in (1, -len(ins[0]) - 1) or (len(ins[0]) == 1 and dim == -1):
        return "softmax", {}
    return UNKNOWN, f"softmax over dim {dim}"


def newer(kind: str, attrs: dict | None = None, what: str = ""):
    """``(kind, attrs)`` for a kind that issue 13's redesign adds (relu6, hardswish, …), once
    archcalc has it; until then the operation is unsupported and listed as such."""
    from ..core.kinds import RULES

    return (kind, dict(attrs or {})) if kind in RULES else (UNKNOWN, what)


def f_hardtanh(args, kwargs, ins, out):
    lo, hi = _arg(args, kwargs, 1, "min_val", -1.0), _arg(args, kwargs, 2, "max_val", 1.0)
    return newer("relu6") if (lo, hi) == (0, 6) else (UNKNOWN, f"hardtanh({lo}, {hi})")


MODULES = [
    # (class, converter(module, input shapes, output shape) → (kind, attrs))
    (nn.ReLU6, lambda m, i, o: newer("relu6")),
    (nn.Hardtanh, lambda m, i, o: f_hardtanh((None, m.min_val, m.max_val), {}, i, o)),
    (nn.Hardswish, lambda m, i, o: newer("hardswish")),
    (nn.Hardsigmoid, lambda m, i, o: newer("hardsigmoid")),
    (nn.SiLU, lambda m, i, o: newer("silu")),
    (nn.ChannelShuffle, lambda m, i, o: newer("shuffle", {"shuffle": m.groups})),
    (nn.Conv2d, conv),
    (nn.ConvTranspose2d, tconv),
    (nn.Upsample, lambda m, i, o: upsample(m.mode, i, o)),
    (nn.Linear, linear),
    (nn.BatchNorm2d, lambda m, i, o: ("bn", {"eps": m.eps})),
    (nn.BatchNorm1d, lambda m, i, o: ("bn", {"eps": m.eps})),
    (nn.ReLU, lambda m, i, o: ("relu", {})),
    (nn.Sigmoid, lambda m, i, o: ("sigmoid", {})),
    (nn.Tanh, lambda m, i, o: ("tanh", {})),
    (nn.Softmax, lambda m, i, o: softmax_dim(m.dim, i)),
    (nn.Dropout, lambda m, i, o: dropout(m.p)),
    (nn.Dropout2d, lambda m, i, o: dropout(m.p)),
    (nn.GELU, lambda m, i, o: newer("gelu")),
    (nn.LayerNorm, lambda m, i, o: layer_norm(m.normalized_shape, m.elementwise_affine
                                              and getattr(m, "bias", None) is not None, m.eps, i)),
    (nn.MaxPool2d, maxpool),
    (nn.AvgPool2d, avgpool),
    (nn.AdaptiveAvgPool2d, lambda m, i, o: adaptive(m.output_size)),
    (nn.LocalResponseNorm, lambda m, i, o: ("lrn", {"lrn": m.size, "alpha": m.alpha,
                                                    "beta": m.beta, "offset": m.k})),
    (nn.Flatten, flatten_module),
    (nn.Identity, lambda m, i, o: (IDENTITY, {})),
]


# Modules of libraries built on torch, by (module, class name), so that torch_import imports
# none of them: each is a leaf for the hooks (torch.fx sees the function it calls).
NAMED = {
    ("torchvision.ops.stochastic_depth", "StochasticDepth"):
        lambda m, i, o: newer("stochastic_depth", {"stochastic_depth": float(m.p)}),
    # ConvNeXt's LayerNorm2d: nn.LayerNorm over the channels of a channels-first map (it
    # permutes to channels-last and back itself)
    ("torchvision.models.convnext", "LayerNorm2d"):
        lambda m, i, o: layer_norm(m.normalized_shape, m.elementwise_affine
                                   and getattr(m, "bias", None) is not None, m.eps, i, "ln2d")
        if len(i[0]) == 3 and not _layout(i[0]) else (UNKNOWN, "LayerNorm2d of a non-map"),
}


def dropout(p):
    """A dropout; of probability 0 the identity (ViT's), which a spec leaves out."""
    return (IDENTITY, {}) if float(p) == 0 else ("dropout", {"dropout": float(p)})


def module_op(m: nn.Module, ins, out):
    for cls, fn in MODULES:
        if type(m) is cls or (isinstance(m, cls) and type(m).forward is cls.forward):
            return fn(m, ins, out)
    named = NAMED.get((type(m).__module__, type(m).__name__))
    if named is not None:
        return named(m, ins, out)
    return UNKNOWN, ""


class T:
    """A tensor argument of a function call: the ``i``-th tensor input."""

    def __init__(self, i: int):
        self.i = i


class Dyn:
    """A value computed from tensors at run time (``x.size(0)``): not a constant."""


class W:
    """A stored tensor (a parameter or buffer read as a value, e.g. by ``F.conv2d``), with its
    shape; ``None`` is passed as ``None``."""

    def __init__(self, shape):
        self.shape = tuple(shape)


def _arg(args, kwargs, i, name, default=None):
    if len(args) > i:
        return args[i]
    return kwargs.get(name, default)


def _same(ins, out):
    return (IDENTITY, {}) if tuple(ins[0]) == tuple(out) else (UNKNOWN, "a reshape")


def _tokens(ins, out):
    """A C×H×W map reshaped to C × H·W: its positions read as tokens (ViT's patch embedding)."""
    x = tuple(ins[0])
    if not _layout(ins[0]) and len(x) == 3 and tuple(out) == (x[0], x[1] * x[2]):
        return TOKENS, {LAYOUT: "dn"}
    return None


def f_flatten(args, kwargs, ins, out):
    start = _arg(args, kwargs, 1, "start_dim", 0)
    end = _arg(args, kwargs, 2, "end_dim", -1)
    if start == 1 and end == -1 and not _layout(ins[0]):
        return ("flatten", {}) if len(ins[0]) > 1 else (IDENTITY, {})
    if start == 2 and end == -1 and _tokens(ins, out):
        return _tokens(ins, out)
    return UNKNOWN, f"flatten({start}, {end})"


def f_view(args, kwargs, ins, out):
    if _tokens(ins, out):
        return _tokens(ins, out)
    if len(out) == 1 and len(ins[0]) > 1 and not _layout(ins[0]):
        return "flatten", {}             # x.view(x.size(0), -1): the batch kept, the rest flat
    x = tuple(ins[0])
    if len(x) == 3 and len(out) == 4 and out[0] * out[1] == x[0] and out[2:] == x[1:]:
        return GROUPED, {"groups": out[0]}          # C×H×W as G × C/G × H × W
    if len(x) == 4 and len(out) == 3 and x[0] * x[1] == out[0] and x[2:] == out[1:]:
        return UNGROUPED, {}                        # and back
    return _same(ins, out)


def f_transpose(args, kwargs, ins, out):
    dims = {_arg(args, kwargs, 1, "dim0"), _arg(args, kwargs, 2, "dim1")}
    if _layout(ins[0]) in ("dn", "seq") and dims in ({1, 2}, {-2, -1}, {1, -1}, {-2, 2}):
        return IDENTITY, {LAYOUT: "seq" if _layout(ins[0]) == "dn" else "dn"}   # timm's ViT
    if len(ins[0]) == 4 and dims in ({1, 2}, {-4, -3}, {1, -3}, {-4, 2}):
        return SWAPPED, {}                          # G × C/G → C/G × G
    return UNKNOWN, f"transpose of dims {sorted(d for d in dims if d is not None)}"


def f_permute(args, kwargs, ins, out):
    """The permutes that change only how archcalc reads the tensor: a map to channels-last and
    back (ConvNeXt), tokens (D, N) to (N, D) and back (ViT)."""
    dims = [a for a in args[1:]] or list(kwargs.get("dims", ()))
    if len(dims) == 1 and isinstance(dims[0], (list, tuple)):
        dims = list(dims[0])
    dims = tuple(d % (len(ins[0]) + 1) if isinstance(d, int) else d for d in dims)
    to = {("", (0, 2, 3, 1)): "hwc", ("hwc", (0, 3, 1, 2)): "",
          ("dn", (0, 2, 1)): "seq", ("seq", (0, 2, 1)): "dn"}.get((_layout(ins[0]), dims))
    if to is None or (to == "hwc" and len(ins[0]) != 3):
        return UNKNOWN, f"permute{dims} of {WHERE.get(_layout(ins[0]), 'a map')}"
    return IDENTITY, {LAYOUT: to}


def f_getitem(args, kwargs, ins, out):
    """``x[:, i]`` of a sequence: token i (ViT's class token); ``x[:, :, a:b, c:d]`` (or
    ``x[..., a:b, c:d]``) of a map, where it is the map's centre: ``crop`` (U-Net's copy and
    crop)."""
    idx = args[1] if len(args) > 1 else None
    if _layout(ins[0]) == "seq" and isinstance(idx, tuple) and len(idx) == 2 and \
            idx[0] == slice(None) and isinstance(idx[1], int) and not isinstance(idx[1], bool):
        return "token", {"token": idx[1] % ins[0][0], LAYOUT: ""}
    bounds = _map_slices(idx) if _layout(ins[0]) == "" and len(ins[0]) == 3 else None
    if bounds is not None:
        hw = tuple(ins[0])[1:]
        return centre_crop(hw, [s.indices(n)[:2] for s, n in zip(bounds, hw)])
    return UNKNOWN, f"indexing {WHERE.get(_layout(ins[0]), 'a tensor')}"


def _map_slices(idx):
    """The slices of the rows and the columns, for an index of every sample and channel and a
    whole-number slice (step 1) of each of a map's rows and columns; else None."""
    if not isinstance(idx, tuple):
        return None
    if len(idx) == 3 and idx[0] is Ellipsis:
        idx = (slice(None), slice(None), *idx[1:])
    if len(idx) != 4 or idx[0] != slice(None) or idx[1] != slice(None) or not all(
            isinstance(s, slice) and all(v is None or type(v) is int
                                         for v in (s.start, s.stop, s.step))
            and s.step in (None, 1) for s in idx[2:]):
        return None
    return idx[2:]


def f_layer_norm(args, kwargs, ins, out):
    w, b = _arg(args, kwargs, 2, "weight"), _arg(args, kwargs, 3, "bias")
    return layer_norm(_arg(args, kwargs, 1, "normalized_shape"),
                      isinstance(w, W) and isinstance(b, W),
                      _arg(args, kwargs, 5, "eps", 1e-5), ins)


def chunk_parts(args, kwargs, ins) -> int | None:
    """G for ``x.chunk(G, dim=1)`` into equal parts of the channels, else None."""
    g, dim = _arg(args, kwargs, 1, "chunks"), _arg(args, kwargs, 2, "dim", 0)
    x = tuple(ins[0])
    if isinstance(g, int) and dim in (1, -len(x)) and len(x) == 3 and x[0] % g == 0:
        return g
    return None


def f_binary(kind):
    def convert(args, kwargs, ins, out):
        tensors = [a for a in args[:2] if isinstance(a, T)]
        if len(tensors) == 2:
            if kind == "mul" and tuple(ins[0]) != tuple(out):
                return "mul", {"order": (1, 0)}          # gate * map: the map goes first
            return kind, {}
        const = [a for a in args[:2] if not isinstance(a, T)]
        if tensors and const and isinstance(const[0], W):
            return stored_operand(kind, const[0].shape, ins[0])
        if kind == "mul" and const and isinstance(const[0], (int, float)) \
                and not isinstance(const[0], bool):
            return "scale", {"scale": float(const[0])}
        return UNKNOWN, f"{kind} of a tensor and a constant"
    return convert


def stored_operand(kind, shape, x):
    """A tensor plus or times a parameter of the model: ViT's position embedding (one D-vector
    per token, added), a layer scale (one factor per channel, multiplied: ConvNeXt's (C, 1, 1)
    on a map, (C,) on the last axis)."""
    shape, lay = tuple(shape), _layout(x)
    if kind == "add" and lay == "seq" and shape in ((1, *x), tuple(x)):
        return "pos_embed", {}
    c = Dims(x, lay).archcalc()[0]
    if kind == "mul" and ((not lay and len(x) == 3 and shape in ((c, 1, 1), (1, c, 1, 1)))
                          or (lay in ("hwc", "seq") and shape == (c,))):
        return "layer_scale", {}
    return UNKNOWN, f"{kind} of a tensor and a stored {tuple(shape)} parameter"


def f_cat(args, kwargs, ins, out):
    dim = _arg(args, kwargs, 1, "dim", 0)
    parts = args[0] if args else kwargs.get("tensors", ())
    if _layout(ins[0]) == "seq" and len(parts) == 2 and isinstance(parts[0], W) and \
            isinstance(parts[1], T) and dim in (1, -2) and \
            parts[0].shape == (1, 1, ins[0][1]):
        return "cls_token", {}          # a learned token put before the sequence (ViT)
    if _layout(ins[0]):
        return UNKNOWN, f"cat of {WHERE[_layout(ins[0])]}"
    rank = len(ins[0]) + 1
    if dim in (1, 1 - rank):
        return "concat", {}
    return UNKNOWN, f"cat along dim {dim}"


def f_pool(kind):
    def convert(args, kwargs, ins, out):
        k = _pair(_arg(args, kwargs, 1, "kernel_size"))
        s = _arg(args, kwargs, 2, "stride") or k
        p = _arg(args, kwargs, 3, "padding", 0)
        if kind == "maxpool":
            d = _arg(args, kwargs, 4, "dilation", 1)
            ceil = _arg(args, kwargs, 5, "ceil_mode", False)
            return kind, {kind: k, "s": _pair(s), "p": list(_pair(p)), "dilation": _pair(d),
                          "ceil": bool(ceil)}
        ceil = _arg(args, kwargs, 4, "ceil_mode", False)
        return kind, {kind: k, "s": _pair(s), "p": list(_pair(p)), "ceil": bool(ceil)}
    return convert


def f_mean(args, kwargs, ins, out):
    dims = _arg(args, kwargs, 1, "dim")
    keep = _arg(args, kwargs, 2, "keepdim", False)
    dims = tuple(sorted(d % (len(ins[0]) + 1) for d in (dims if isinstance(dims, (list, tuple))
                                                        else [dims])))
    if len(ins[0]) == 3 and dims == (2, 3):
        return [("gap", {})] + ([] if keep else [("flatten", {})])
    return UNKNOWN, f"mean over dims {dims}"


def f_conv2d(args, kwargs, ins, out):
    w = _arg(args, kwargs, 1, "weight")
    if not isinstance(w, W) or len(w.shape) != 4:
        return UNKNOWN, "conv2d with a computed weight"
    b = _arg(args, kwargs, 2, "bias")
    groups = _arg(args, kwargs, 6, "groups", 1)
    c_out, _, kh, kw = w.shape
    pad = _padding(_arg(args, kwargs, 4, "padding", 0))
    attrs = dict(k=(kh, kw), s=_pair(_arg(args, kwargs, 3, "stride", 1)),
                 p=list(pad) if pad != "same" else "same",
                 dilation=_pair(_arg(args, kwargs, 5, "dilation", 1)), bias=isinstance(b, W))
    if groups > 1 and groups == ins[0][0] and c_out % groups == 0:
        return "dwconv", dict(attrs, dwconv=c_out // groups)
    return "conv", dict(attrs, conv=c_out, groups=groups)


def f_linear(args, kwargs, ins, out):
    w = _arg(args, kwargs, 1, "weight")
    if not isinstance(w, W) or len(w.shape) != 2:
        return UNKNOWN, "linear with a computed weight"
    if len(ins[0]) != 1:
        return UNKNOWN, f"linear on a {len(ins[0]) + 1}-D input (archcalc's fc reads a vector)"
    return "fc", {"fc": w.shape[0], "bias": isinstance(_arg(args, kwargs, 2, "bias"), W)}


def f_batch_norm(args, kwargs, ins, out):
    weight, bias = _arg(args, kwargs, 3, "weight"), _arg(args, kwargs, 4, "bias")
    if not (isinstance(weight, W) and isinstance(bias, W)):
        return UNKNOWN, "batch norm without a learned scale and shift"
    return "bn", {"eps": float(_arg(args, kwargs, 7, "eps", 1e-5))}


def f_dropout(args, kwargs, ins, out):
    return dropout(_arg(args, kwargs, 1, "p", 0.5))


FUNCTIONS = {
    # name of the function or method (an in-place '_' dropped) → converter(args, kwargs, input
    # shapes, output shape); tensors in args are T markers, run-time values Dyn
    "relu": lambda a, k, i, o: ("relu", {}),
    "relu6": lambda a, k, i, o: newer("relu6"),
    "hardtanh": f_hardtanh,
    "hardswish": lambda a, k, i, o: newer("hardswish"),
    "hardsigmoid": lambda a, k, i, o: newer("hardsigmoid"),
    "silu": lambda a, k, i, o: newer("silu"),
    "channel_shuffle": lambda a, k, i, o: newer("shuffle", {"shuffle": _arg(a, k, 1, "groups")}),
    "sigmoid": lambda a, k, i, o: ("sigmoid", {}),
    "tanh": lambda a, k, i, o: ("tanh", {}),
    "softmax": lambda a, k, i, o: softmax_dim(_arg(a, k, 1, "dim"), i),
    "gelu": lambda a, k, i, o: newer("gelu"),
    "layer_norm": f_layer_norm,
    "permute": f_permute,
    "getitem": f_getitem,
    "flatten": f_flatten,
    "view": f_view,
    "reshape": f_view,
    "transpose": f_transpose,
    "stochastic_depth": lambda a, k, i, o: newer(
        "stochastic_depth", {"stochastic_depth": float(_arg(a, k, 1, "p", 0.0))}),
    "contiguous": lambda a, k, i, o: _same(i, o),
    "clone": lambda a, k, i, o: _same(i, o),
    "detach": lambda a, k, i, o: _same(i, o),
    "dropout": f_dropout,
    "dropout2d": f_dropout,
    "add": f_binary("add"),
    "iadd": f_binary("add"),
    "radd": f_binary("add"),
    "mul": f_binary("mul"),
    "imul": f_binary("mul"),
    "rmul": f_binary("mul"),
    "cat": f_cat,
    "concat": f_cat,
    "concatenate": f_cat,
    "adaptive_avg_pool2d": lambda a, k, i, o: adaptive(_arg(a, k, 1, "output_size")),
    "avg_pool2d": f_pool("avgpool"),
    "max_pool2d": f_pool("maxpool"),
    "mean": f_mean,
    "conv2d": f_conv2d,
    "interpolate": lambda a, k, i, o: upsample(_arg(a, k, 3, "mode", "nearest"), i, o),
    "linear": f_linear,
    "batch_norm": f_batch_norm,
}
NOT_TENSOR_OPS = {"size", "dim", "getattr", "numel", "shape"}


def function_name(target) -> str:
    name = target if isinstance(target, str) else getattr(target, "__name__", str(target))
    if name.startswith("__") and name.endswith("__"):
        name = name[2:-2]
    if name.endswith("_") and not name.endswith("__"):
        name = name[:-1]
    return name


# --- loading the model -------------------------------------------------------------------

def build_model(source: str):
    """(model in eval mode, a label for the header, (C, H, W) the source suggests or None)."""
    kind, _, name = source.partition(":")
    if kind == "torchvision":
        import torchvision

        known = torchvision.models.list_models()
        if name not in known:
            from ..core.errors import suggest

            raise ImportFailure(f"torchvision has no model '{name}'{suggest(name, known)}; "
                                "torchvision.models.list_models() lists them")
        # a detection or segmentation model's backbone has weights of its own, downloaded
        # unless weights_backbone=None says otherwise (fcn_resnet50's are ResNet-50's)
        import inspect

        builder = torchvision.models.get_model_builder(name)
        kwargs = {"weights": None}
        if "weights_backbone" in inspect.signature(builder).parameters:
            kwargs["weights_backbone"] = None
        model = _library_model(source, lambda: builder(**kwargs))
        args = ", ".join(f"{k}=None" for k in kwargs)
        return model, f"torchvision {torchvision.__version__} models.{name}({args})", None
    if kind == "timm":
        import timm

        if not timm.is_model(name):
            from ..core.errors import suggest

            raise ImportFailure(f"timm has no model '{name}'"
                                f"{suggest(name, timm.list_models())}; timm.list_models() "
                                "lists them")
        model = _library_model(source, lambda: timm.create_model(name, pretrained=False))
        size = tuple(model.pretrained_cfg.get("input_size", ())) or None
        return model, f"timm {timm.__version__} create_model('{name}', pretrained=False)", size
    path, _, attr = source.rpartition(":")
    return _user_model(path, attr), f"{os.path.basename(path)}:{attr}()", None


def _not_one_output(out) -> str:
    """The message for a model whose forward returns other than one tensor (``out``: what it
    returned, or fx's record of it): a dict by its keys (torchvision's segmentation models
    return {'out': …, 'aux': …})."""
    if isinstance(out, dict):
        keys = ", ".join(repr(k) for k in list(out)[:8])
        return (f"the model returns a dict of {len(out)} ({keys}); archcalc imports a model "
                "with one output, a tensor")
    return "the model returns several tensors (or none); archcalc imports a model with one output"


def _library_model(source: str, make):
    """``_on_meta(make)`` for a library's model: a failure of the library's own code (a
    download it tried, with no network) is one message naming the source."""
    try:
        return _on_meta(make)
    except ImportFailure:
        raise
    except Exception as e:      # noqa: BLE001: the library's code
        first = (str(e).splitlines() or [""])[0][:300]
        raise ImportFailure(f"{source}: building the model failed: {type(e).__name__}: "
                            f"{first}") from None


def _on_meta(make):
    """``make()`` with parameters on the meta device (nothing allocated), or on the CPU where
    the model's own code needs real tensors while it is built."""
    try:
        with torch.device("meta"):
            model = make()
    except ImportFailure:
        raise
    except Exception:       # noqa: BLE001: the model's own code; built again on the CPU
        model = make()
    return model.eval() if isinstance(model, nn.Module) else model


def _user_model(path: str, attr: str):
    """Run the user's file (they named it) and call ``attr`` in it for the model."""
    if not os.path.isfile(path):
        raise ImportFailure(f"no such file: {path}")
    if not attr.isidentifier():
        raise ImportFailure(f"{path}:{attr}: expected PATH.py:CALLABLE, the name of a function "
                            "or class in the file that returns the model")
    mod_name = "_archcalc_user_model"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        try:
            spec.loader.exec_module(module)
        except SystemExit as e:
            raise ImportFailure(f"{path}: the file called exit({e.code}) while it was run") \
                from None
        except Exception as e:     # noqa: BLE001: the user's code; reported, not a traceback
            raise ImportFailure(f"{path}: running the file raised {_error_text(e, path)}") \
                from None
        if not hasattr(module, attr):
            from ..core.errors import suggest

            names = [n for n in vars(module) if not n.startswith("_")]
            raise ImportFailure(f"{path} has no '{attr}'{suggest(attr, names)}")
        target = getattr(module, attr)
        if isinstance(target, nn.Module):
            return target.eval()
        if not callable(target):
            raise ImportFailure(f"{path}:{attr} is not callable (a function or a class that "
                                "returns an nn.Module)")
        try:
            model = _on_meta(target)
        except Exception as e:     # noqa: BLE001
            raise ImportFailure(f"{path}:{attr}() raised {_error_text(e, path)}") from None
        if not isinstance(model, nn.Module):
            raise ImportFailure(f"{path}:{attr}() returned {type(model).__name__}, not a "
                                "torch.nn.Module")
        return model.eval()
    finally:
        sys.path.pop(0)
        sys.modules.pop(mod_name, None)


def _error_text(e: Exception, path: str) -> str:
    """``ValueError: … (at model.py line 12)``: the exception and the user's line that raised."""
    import traceback

    line = ""
    for frame in reversed(traceback.extract_tb(e.__traceback__)):
        if os.path.abspath(frame.filename) == os.path.abspath(path):
            line = f" (at {os.path.basename(path)} line {frame.lineno})"
            break
    return f"{type(e).__name__}: {e}{line}"


# --- tracing -----------------------------------------------------------------------------

def trace(model: nn.Module, shape: tuple[int, int, int]) -> tuple[Graph, str]:
    """The model's graph at input ``shape`` (C, H, W), and how it was traced."""
    try:
        return trace_fx(model, shape), "torch.fx"
    except ImportFailure:
        raise
    except Exception as fx_error:        # noqa: BLE001: fx refuses many models; hooks do not
        if isinstance(shape, dict):
            raise ImportFailure(f"torch.fx could not trace the model ({_short_type(fx_error)}: "
                                f"{_short(fx_error)}); a model of several inputs is read with "
                                "torch.fx only") from None
        how = f"forward hooks (torch.fx: {type(fx_error).__name__})"
        try:
            return trace_hooks(model, shape), how
        except ImportFailure:
            raise
        except Exception as e:           # noqa: BLE001
            if _device(model).type == "meta":
                # the forward needs values (control flow on them): real tensors, on the CPU
                try:
                    return trace_hooks(_materialize(model), shape), how
                except ImportFailure:
                    raise
                except Exception as e2:  # noqa: BLE001
                    e = e2
            raise ImportFailure(f"the model's forward pass at input "
                                f"{'×'.join(map(str, shape))} raised {_short_type(e)}: {_short(e)}") \
                from None


def _classes(model: nn.Module) -> dict[str, str]:
    return {n: type(m).__name__ for n, m in model.named_modules() if n}


class _Namer:
    """Unique op names from module paths: a module called twice is ``path``, ``path_1``."""

    def __init__(self):
        self.used: dict[str, int] = {}

    def __call__(self, base: str) -> str:
        k = self.used.get(base, 0)
        self.used[base] = k + 1
        name = base if k == 0 else f"{base}_{k}"
        while name in self.used and k:
            k += 1
            name = f"{base}_{k}"
        self.used[name] = max(self.used.get(name, 0), 1)
        return name


def _emit(ops: list[Op], name: str, result, inputs: tuple[str, ...], shape, where: str,
          source_type: str) -> str:
    """Add the op(s) a converter returned; the name of the last one (the node's output)."""
    pieces = result if isinstance(result, list) else [result]
    last_in = inputs
    for j, (kind, attrs) in enumerate(pieces):
        last = j == len(pieces) - 1
        op_name = name if j == 0 else f"{name}_{kind}"
        if kind == UNKNOWN:
            ops.append(Op(op_name, UNKNOWN, {}, last_in, shape, where,
                          source_type + (f" ({attrs})" if attrs else "")))
        else:
            order = attrs.pop("order", None) if isinstance(attrs, dict) else None
            ins = tuple(last_in[i] for i in order) if order else last_in
            ops.append(Op(op_name, kind, attrs, ins, shape if last else None, where, source_type))
        last_in = (op_name,)
    return last_in[0]


def trace_fx(model: nn.Module, shape) -> Graph:
    import torch.fx as fx
    from torch.fx.passes.shape_prop import ShapeProp

    class Tracer(fx.Tracer):
        # the modules of libraries that NAMED maps are leaves, as torch.nn's are
        def is_leaf_module(self, m, qualname):
            return (type(m).__module__, type(m).__name__) in NAMED or \
                super().is_leaf_module(m, qualname)

    tracer = Tracer()
    gm = fx.GraphModule(model, tracer.trace(model), type(model).__name__)
    placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
    required = [n for n in placeholders if not n.args]
    named = input_shapes(required, shape)      # several inputs: ((name, shape), …)
    if named:
        xs = [torch.empty(1, *x, device=_device(model)) for _, x in named]
        rest = [p.args[0] for p in placeholders[len(named):]]
        shown = ", ".join(f"{n} {'×'.join(map(str, x))}" for n, x in named)
    else:
        xs = [torch.empty(1, *shape, device=_device(model))]
        rest = [p.args[0] for p in placeholders[1:]]
        shown = "×".join(map(str, shape))
    try:
        # ShapeProp prints a traceback to stderr before it raises: the message below says it
        with contextlib.redirect_stderr(io.StringIO()):
            ShapeProp(gm).propagate(*xs, *rest)
    except Exception as e:      # noqa: BLE001: the model refuses this input
        raise ImportFailure(f"the model's forward pass at input{'s' * bool(named)} {shown} "
                            f"raised {_short_type(e)}: {_short(e)}") from None
    ops: list[Op] = []
    out_of: dict[str, str] = ({p.name: str(p.target) for p in required} if named else
                              {placeholders[0].name: INPUT})
    stored: dict[str, W] = {}
    namer = _Namer()
    output = None
    chunks: dict[str, tuple] = {}        # a chunk's node → (G, its input's op, name, place)
    layout: dict[str, str] = {}          # a node → how archcalc reads its tensor (Dims)
    pairs: dict[str, str] = {}           # a MultiheadAttention's node → its op (output, weights)

    def dims(n):
        return Dims(n.meta["tensor_meta"].shape[1:], layout.get(n.name, ""))
    for node in gm.graph.nodes:
        if node.op == "placeholder":
            continue
        if node.op == "call_module" and \
                isinstance(gm.get_submodule(node.target), nn.MultiheadAttention):
            mod = gm.get_submodule(node.target)
            qkv = [_arg(node.args, node.kwargs, i, k) for i, k in enumerate(("query", "key",
                                                                               "value"))]
            if not all(isinstance(a, fx.Node) and a.name in out_of for a in qkv):
                raise ImportFailure(f"{node.target}: MultiheadAttention reads a tensor that is "
                                    "not one of the network's")
            x = dims(qkv[0])
            result = mha(mod, [x], x, qkv[0] is qkv[1] is qkv[2])
            attrs = result[1] if isinstance(result[1], dict) else {}
            attrs.pop(LAYOUT, None)
            name = namer(str(node.target))
            pairs[node.name] = _emit(ops, name, result, (out_of[qkv[0].name],),
                                     x.archcalc(), str(node.target), type(mod).__name__)
            continue
        if node.op == "call_function" and node.target is operator.getitem and \
                isinstance(node.args[0], fx.Node) and node.args[0].name in pairs:
            if node.args[1] == 0:        # the attention's output: a sequence like its input
                out_of[node.name] = pairs[node.args[0].name]
                layout[node.name] = "seq"
            elif node.meta.get("tensor_meta") is not None and \
                    hasattr(node.meta["tensor_meta"], "shape"):
                name = namer(f"{node.args[0].target}.weights")
                ops.append(Op(name, UNKNOWN, {}, (pairs[node.args[0].name],), None, name,
                              "MultiheadAttention's attention weights"))
                out_of[node.name] = name
            continue
        if node.op in ("call_method", "call_function") and \
                function_name(node.target) == "chunk" and node.args and \
                isinstance(node.args[0], fx.Node) and node.args[0].name in out_of:
            x = node.args[0]
            stack = node.meta.get("nn_module_stack") or {}
            owner = next(reversed(stack.values()))[0] if stack else ""
            g = chunk_parts([T(0)] + list(node.args[1:]), node.kwargs,
                            [tuple(x.meta["tensor_meta"].shape[1:])])
            chunks[node.name] = (g, out_of[x.name], f"{owner}.chunk" if owner else "chunk",
                                 f"{owner or 'forward'} (chunk)")
            continue
        if node.op == "call_function" and node.target is operator.getitem and \
                isinstance(node.args[0], fx.Node) and node.args[0].name in chunks:
            g, src, base, where = chunks[node.args[0].name]
            part = node.args[1]
            out = tuple(node.meta["tensor_meta"].shape[1:])
            result = (newer("split", {"split": g, "part": part}) if g else
                      (UNKNOWN, "a chunk not into equal parts of the channels"))
            out_of[node.name] = _emit(ops, namer(base), result, (src,), out, where, "chunk")
            continue
        if node.op == "output":
            res = node.args[0]
            if isinstance(res, dict) and len(res) == 1:     # {'out': x}: a segmentation model's
                res = next(iter(res.values()))
            if isinstance(res, (tuple, list)):
                res = res[0] if len(res) == 1 else res
            if not hasattr(res, "name") or res.name not in out_of:
                raise ImportFailure(_not_one_output(res))
            output = out_of[res.name]
            continue
        meta = node.meta.get("tensor_meta")
        if meta is None or not hasattr(meta, "shape"):
            continue            # a size, a tuple: not a tensor
        if node.op == "get_attr":
            stored[node.name] = W(meta.shape)     # a parameter read as a value: an argument
            continue
        tensors = [a for a in node.all_input_nodes if a.name in out_of]
        ins = [dims(a) for a in tensors]
        out = tuple(meta.shape[1:])
        if not tensors and any(a.name in stored for a in node.all_input_nodes):
            # computed from parameters alone (ViT's class token expanded to the batch): still
            # a stored value, an argument of whatever reads it
            stored[node.name] = W(meta.shape)
            continue
        if not tensors:
            name = namer(str(node.target))
            ops.append(Op(name, UNKNOWN, {}, (), out, name,
                          "a tensor made from no input (a constant)"))
            out_of[node.name] = name
            continue
        markers = {a.name: T(i) for i, a in enumerate(tensors)}

        def conv_arg(a):
            if isinstance(a, fx.Node):
                return markers.get(a.name) or stored.get(a.name) or Dyn()
            if isinstance(a, (list, tuple)):
                return type(a)(conv_arg(x) for x in a)
            return a
        args = [conv_arg(a) for a in node.args]
        kwargs = {k: conv_arg(v) for k, v in node.kwargs.items()}
        if node.op == "call_module":
            mod = gm.get_submodule(node.target)
            result = module_op(mod, ins, out)
            base, where, stype = str(node.target), str(node.target), type(mod).__name__
        else:
            fname = function_name(node.target)
            stack = node.meta.get("nn_module_stack") or {}
            owner = next(reversed(stack.values()))[0] if stack else ""
            base = f"{owner}.{fname}" if owner else fname
            conv_fn = FUNCTIONS.get(fname)
            result = conv_fn(args, kwargs, ins, out) if conv_fn else (UNKNOWN, "")
            where = f"{base} ({node.op} {fname})"
            stype = fname if node.op == "call_method" else _qual(node.target)
        result, lay = _with_layout(result, ins, out, stype)
        layout[node.name] = lay
        name = namer(base)
        out_of[node.name] = _emit(ops, name, result, tuple(out_of[a.name] for a in tensors),
                                  Dims(out, lay).archcalc(), where, stype)
    first = named[0][1] if named else tuple(shape)
    return Graph(fuse_patches(fuse_shuffles(ops)), output, tuple(first), ".", _classes(model),
                 inputs=tuple(named))


def forward_inputs(model: nn.Module) -> list[str]:
    """The names of the tensors ``model``'s forward requires (its parameters without a
    default), as its signature gives them."""
    import inspect

    try:
        sig = inspect.signature(model.forward)
    except (TypeError, ValueError):
        return []
    return [p.name for p in sig.parameters.values()
            if p.default is inspect.Parameter.empty
            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def input_shapes(required, shape) -> tuple:
    """For a forward of several required tensors, ((name, (C, H, W)), …) in its order, from
    ``--input NAME=CxHxW`` (``shape`` a dict); ``()`` for a forward of one. A missing name, an
    unknown one or a plain shape is refused, naming the forward's inputs."""
    names = [str(n.target) for n in required]
    if len(names) <= 1:
        if isinstance(shape, dict):
            raise ImportFailure(f"the model's forward takes one input ({', '.join(names)}); "
                                "give its size as a plain --input CxHxW")
        return ()
    form = " ".join(f"--input {n}=CxHxW" for n in names)
    if not isinstance(shape, dict):
        raise ImportFailure(f"the model's forward takes {len(names)} inputs ({', '.join(names)});"
                            f" give each one's size: {form}")
    from ..core.errors import suggest

    for given in shape:
        if given not in names:
            raise ImportFailure(f"--input: the model's forward has no input '{given}'"
                                f"{suggest(given, names)}; its inputs are: {', '.join(names)}")
    missing = [n for n in names if n not in shape]
    if missing:
        raise ImportFailure(f"--input: no size for the model's input{'s' * (len(missing) > 1)} "
                            f"{', '.join(missing)}; give each one's size: {form}")
    if INPUT in names:
        raise ImportFailure(f"the model's forward names an input '{INPUT}' beside others; "
                            "archcalc keeps that name for a network's one input (rename it)")
    return tuple((n, tuple(shape[n])) for n in names)


def _short_type(e: BaseException) -> str:
    while e.__cause__ is not None or (e.__context__ is not None and not e.__suppress_context__):
        e = e.__cause__ or e.__context__
    return type(e).__name__


def _qual(target) -> str:
    mod = getattr(target, "__module__", "") or ""
    name = getattr(target, "__name__", str(target))
    if mod in ("_operator", "operator"):
        return f"operator.{name}"
    if mod.startswith("torch"):
        return f"{'torch.nn.functional' if 'functional' in mod else 'torch'}.{name}"
    return f"{mod}.{name}" if mod else name


def _short(e: BaseException) -> str:
    """The innermost cause's first line (fx wraps errors in its own, with a traceback)."""
    while e.__cause__ is not None or (e.__context__ is not None and not e.__suppress_context__):
        e = e.__cause__ or e.__context__
    text = [line for line in str(e).strip().splitlines() if line.strip()]
    return text[0][:300] if text else ""


def _materialize(model: nn.Module) -> nn.Module:
    """The model's parameters on the CPU, initialised by each module's own rule."""
    model = model.to_empty(device="cpu")
    with torch.no_grad():
        for m in model.modules():
            if hasattr(m, "reset_parameters"):
                m.reset_parameters()
    return model.eval()


def _device(model: nn.Module):
    for p in model.parameters():
        return p.device
    for b in model.buffers():
        return b.device
    return torch.device("meta")


def trace_hooks(model: nn.Module, shape) -> Graph:
    """Run the model once: leaf modules through forward hooks, the functions between them
    through a TorchFunctionMode, tensors followed by identity."""
    from torch.overrides import TorchFunctionMode

    ops: list[Op] = []
    producer: dict[int, str] = {}
    keep: list = []                      # keep tensors alive so their ids stay unique
    namer = _Namer()
    paths = {m: n for n, m in model.named_modules()}
    leaves = {m for m in model.modules() if _is_leaf(m)}
    stack: list[str] = []
    depth = [0]                          # > 0 while inside a leaf module

    layout: dict[int, str] = {}          # a tensor's id → how archcalc reads it (Dims)
    stored = {id(t) for t in (*model.parameters(), *model.buffers())}   # read as values: W

    def per_sample(t):
        return Dims(t.shape[1:], layout.get(id(t), ""))

    def record(base, result, tensors, out, where, stype):
        ins_names = tuple(producer[id(t)] for t in tensors)
        result, lay = _with_layout(result, [per_sample(t) for t in tensors], per_sample(out),
                                   stype)
        name = namer(base)
        last = _emit(ops, name, result, ins_names, Dims(out.shape[1:], lay).archcalc(), where,
                     stype)
        producer[id(out)] = last
        layout[id(out)] = lay
        keep.append(out)

    def pre(mod, args):
        if mod in leaves:
            depth[0] += 1
        stack.append(paths.get(mod, ""))

    def post(mod, args, out):
        stack.pop()
        if mod not in leaves:
            return
        depth[0] -= 1
        if depth[0]:
            return
        tensors = [a for a in args if isinstance(a, torch.Tensor) and id(a) in producer]
        if isinstance(mod, nn.MultiheadAttention) and isinstance(out, tuple) and tensors:
            # (output, attention weights or None): the output, as fx's getitem(…, 0) reads it
            path = paths.get(mod, "")
            x = per_sample(tensors[0])
            record(path, mha(mod, [x], x, len(args) >= 3 and args[0] is args[1] is args[2]),
                   tensors[:1], out[0], path, type(mod).__name__)
            return
        if not isinstance(out, torch.Tensor):
            raise ImportFailure(f"{paths.get(mod)}: {type(mod).__name__} returns "
                                f"{type(out).__name__}, not one tensor")
        path = paths.get(mod, "")
        record(path, module_op(mod, [per_sample(t) for t in tensors], per_sample(out)),
               tensors, out, path, type(mod).__name__)

    class Mode(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            out = func(*args, **kwargs)
            if (not depth[0] and isinstance(out, tuple) and args
                    and function_name(getattr(func, "__name__", "")) == "chunk"
                    and isinstance(args[0], torch.Tensor) and id(args[0]) in producer):
                x = args[0]
                g = chunk_parts([T(0)] + list(args[1:]), kwargs, [per_sample(x)])
                owner = stack[-1] if stack else ""
                for part, piece in enumerate(out):
                    record(f"{owner}.chunk" if owner else "chunk",
                           newer("split", {"split": g, "part": part}) if g else
                           (UNKNOWN, "a chunk not into equal parts of the channels"),
                           [x], piece, f"{owner or 'forward'} (chunk)", "chunk")
                return out
            if depth[0] or not isinstance(out, torch.Tensor):
                return out
            flat = []

            def mark(a):
                if isinstance(a, torch.Tensor) and id(a) in producer:
                    flat.append(a)
                    return T(len(flat) - 1)
                if isinstance(a, torch.Tensor) and id(a) in stored:
                    return W(a.shape)
                if isinstance(a, torch.Tensor):
                    return Dyn()
                if isinstance(a, (list, tuple)):
                    return type(a)(mark(x) for x in a)
                return a
            margs = [mark(a) for a in args]
            mkw = {k: mark(v) for k, v in kwargs.items()}
            if not flat:
                if any(isinstance(a, W) for a in [*margs, *mkw.values()]):
                    # computed from parameters alone (ViT's class token expanded to the
                    # batch): still a stored value, as torch.fx's get_attr nodes are
                    stored.add(id(out))
                    keep.append(out)
                return out
            fname = function_name(getattr(func, "__name__", str(func)))
            if fname in NOT_TENSOR_OPS:
                return out
            owner = stack[-1] if stack else ""
            base = f"{owner}.{fname}" if owner else fname
            conv_fn = FUNCTIONS.get(fname)
            result = (conv_fn(margs, mkw, [per_sample(t) for t in flat], per_sample(out))
                      if conv_fn else (UNKNOWN, ""))
            record(base, result, flat, out, f"{base} ({fname})", fname)
            return out

    handles = []
    for m in model.modules():
        handles.append(m.register_forward_pre_hook(pre))
        handles.append(m.register_forward_hook(post))
    x = torch.empty(1, *shape, device=_device(model))
    producer[id(x)] = INPUT
    try:
        with torch.no_grad(), Mode():
            out = model(x)
    finally:
        for h in handles:
            h.remove()
    if isinstance(out, dict) and len(out) == 1:
        out = next(iter(out.values()))
    if isinstance(out, (tuple, list)) and len(out) == 1:
        out = out[0]
    if not isinstance(out, torch.Tensor) or id(out) not in producer:
        raise ImportFailure(_not_one_output(out))
    # what the forward computed only to decide its control flow (x.sum() > 0) never reaches
    # the output: not part of the network
    live = {producer[id(out)]}
    for op in reversed(ops):
        if op.name in live:
            live.update(op.inputs)
    return Graph(fuse_patches(fuse_shuffles([op for op in ops if op.name in live])),
                 producer[id(out)], tuple(shape), ".", _classes(model))


def _is_leaf(m: nn.Module) -> bool:
    if any(type(m) is cls for cls, _ in MODULES) or (type(m).__module__,
                                                     type(m).__name__) in NAMED:
        return True
    if isinstance(m, (nn.Sequential, nn.ModuleList, nn.ModuleDict)):
        return False
    return type(m).__module__.startswith("torch.nn")


# --- the importer ------------------------------------------------------------------------

def versions() -> str:
    return f"torch {torch.__version__.split('+')[0]}"


def read(source: str, shape: tuple[int, int, int] | None):
    """(Graph, label, how it was traced, the input the source suggests)."""
    model, label, suggested = build_model(source)
    if shape is None:
        shape = suggested
    several = forward_inputs(model)
    if len(several) > 1 and not isinstance(shape, dict):
        form = " ".join(f"--input {n}=CxHxW" for n in several)
        raise ImportFailure(f"{source}: the model's forward takes {len(several)} inputs "
                            f"({', '.join(several)}); give each one's size: {form}")
    if shape is None:
        if source.startswith("torchvision:"):
            shape = (3, 224, 224)
        else:
            raise ImportFailure(f"{source}: give the input size, --input CxHxW (e.g. "
                                "--input 3x224x224); a PyTorch module does not record it")
    g, how = trace(model, shape)
    return g, label, how
