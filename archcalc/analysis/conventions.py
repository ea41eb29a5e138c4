"""The presets (``--convention``): what other tools print for the same network.

archcalc's own FLOPs (2 × MACs plus the ``--count`` extras) are defined in ``counting``. A preset
reproduces another tool's number instead, row by row, in the style of fvcore's handles: a table
from layer kind to a small function of the row, one table per preset (``TABLES``). Each table
names every layer kind: with the tool's rule for it (which may be "nothing", as fvcore ignores
ReLU), or with ``Uncounted``, for a kind the tool does not count or has no layer for. Such a
kind's cell shows what ``Uncounted`` says (nothing, or archcalc's own count) and the footer names
it, so a total is never short by a silent zero. Adding a preset means adding one table; adding a
layer kind, one entry per table. Each rule was read from the tool's source and checked against
its output (tests/test_conventions.py cites them).
"""

from __future__ import annotations

from typing import Callable, Union

from ..core.kinds import RULES
from ..core.records import Analysis, LayerRow, Record, _set
from .counting import EXTRA_TEXT, EXTRAS, extra_ops, flops  # noqa: F401  (re-exported)


def _macs(r: LayerRow) -> int:
    return r.counts.macs


def _none(r: LayerRow) -> int:
    return 0


def _inputs(r: LayerRow) -> int:
    return r.input_shapes[0].elements


def _two_per_value(r: LayerRow) -> int:
    return 2 * r.output.elements


class Uncounted(Record):
    """A kind the tool does not count, or has no layer for: its cell shows ``value(row)`` and
    the footer names the kind, saying ``why``."""

    __slots__ = ("why", "value")
    why: str
    value: Callable[[LayerRow], int]

    def __init__(self, why: str, value: Callable[[LayerRow], int] = _none):
        _set(self, "why", why)
        _set(self, "value", value)


Handler = Union[Callable[[LayerRow], int], Uncounted]

# An imported model's operation that archcalc has no rule for (``import --skip-unknown``): no
# preset knows what its tool would count for it, so every table names it.
_NO_RULE = Uncounted("operations archcalc has no rule for, kept by import --skip-unknown: "
                     "neither archcalc nor this preset counts them")


# --- squeeze-and-excitation as each tool sees torchvision's SqueezeExcitation module: an
# AdaptiveAvgPool2d, two 1×1 Conv2d on the pooled map (C → R → C, with biases), an activation
# (ReLU, or SiLU in EfficientNet), a gate (Sigmoid or Hardsigmoid) and ``scale * input``.

def _fv_se(r: LayerRow) -> int:
    return r.counts.macs + r.input_shapes[0].elements


def _pt_se(r: LayerRow) -> int:
    act = 2 * r.attrs["se"] if r.attrs["act"] == "relu" else r.attrs["se"]
    return r.counts.macs + r.counts.biases + 2 * r.input_shapes[0].elements + act


def _thop_se(r: LayerRow) -> int:
    """thop: the convs' MACs (no biases) and the pooling's (H·W + 1) per channel; the gate has
    no rule and the scale is no module (its parameters, all in the convs, are counted)."""
    x = r.input_shapes[0]
    return r.counts.macs + int((x.h * x.w + 1) * x.c)


# --- fvcore -----------------------------------------------------------------------------------
# fvcore 0.1.5 ``FlopCountAnalysis(model, x).total()`` in eval mode: one "flop" per multiply-add
# of conv and linear (biases not counted), batch norm 2 per value (affine, eval), adaptive average
# pooling 1 per input value (fvcore/nn/flop_count.py ``_DEFAULT_SUPPORTED_OPS``); ReLU, dropout,
# flatten, concatenation and padding are zero-flop operators to it (jit_analysis.py
# ``_IGNORED_OPS``); any other operator it skips, with a warning.
_FV_SKIPS = Uncounted("no handle for their operators: fvcore skips them, with a warning")
_FV_LENET = Uncounted("LeNet-5's units are no torch layer: archcalc's MACs are shown", _macs)
FVCORE: dict[str, Handler] = {
    "conv": _macs, "dwconv": _macs, "sepconv": _macs, "fc": _macs,
    "bn": _two_per_value,
    "adaptive_avgpool": _inputs, "gap": _inputs,
    "relu": _none, "dropout": _none, "flatten": _none, "concat": _none, "zeropad": _none,
    "maxpool": _FV_SKIPS, "avgpool": _FV_SKIPS, "lrn": _FV_SKIPS, "tanh": _FV_SKIPS,
    "sigmoid": _FV_SKIPS, "softmax": _FV_SKIPS, "add": _FV_SKIPS, "mul": _FV_SKIPS,
    "subsample": _FV_LENET, "rbf": _FV_LENET,
    "pwconv": _macs,
    "relu6": _FV_SKIPS, "hardswish": _FV_SKIPS, "hardsigmoid": _FV_SKIPS, "silu": _FV_SKIPS,
    "stochastic_depth": _none, "shuffle": _none, "split": _none,
    "se": Uncounted("its 1×1 convs (without biases) and its pooling (1 per input value) are "
                    "counted; its gate and its scale have no handle", _fv_se),
    "uncounted": _NO_RULE,
    # aten::linear: multiply-adds, no biases; aten::layer_norm: fvcore's "rough estimate" of 5
    # per value with the affine scale and shift (jit_handles.py norm_flop_counter)
    "linear": _macs, "ln": lambda r: 5 * r.output.elements,
    "ln2d": lambda r: 5 * r.output.elements,
    "gelu": _FV_SKIPS, "layer_scale": _FV_SKIPS,
    "patch_embed": _macs, "cls_token": _none, "token": _none, "pos_embed": _FV_SKIPS,
    "mhsa": Uncounted("its projections are counted (aten::linear, no biases); fvcore has no handle "
                      "for scaled_dot_product_attention, which computes the scores and the "
                      "weighted values", lambda r: 4 * r.output.h * r.output.c ** 2),
    # aten::_convolution, transposed: weights times input positions; aten::upsample_nearest2d
    # 1 per output value, aten::upsample_bilinear2d 4; a crop is a slice (ignored)
    "tconv": _macs, "crop": _none,
    "upsample": lambda r: (4 if r.attrs["mode"] == "bilinear" else 1) * r.output.elements,
    "rescale": _FV_SKIPS, "standardize": _FV_SKIPS,     # written as *, +, −, / in torch
}


# --- ptflops ----------------------------------------------------------------------------------
# ptflops 0.7.5 ``get_model_complexity_info`` (default pytorch backend): conv and linear
# multiply-adds plus one per bias per output value; ReLU one per output value and pooling one per
# input value, each counted twice, by the module hook and again by ptflops' patch of
# ``torch.nn.functional`` that the module calls; batch norm 2 per value (affine)
# (ptflops/pytorch_ops.py). A network whose reference calls ``F.relu`` directly (torchvision's
# GoogLeNet, Inception-v3) is counted once there: this preset assumes ``nn.ReLU`` modules.

def _with_bias(r: LayerRow) -> int:
    return r.counts.macs + extra_ops(r)["bias"]        # one addition per output value


def _twice_inputs(r: LayerRow) -> int:
    return 2 * r.input_shapes[0].elements


_PT_OPERATORS = Uncounted("torchvision writes them as + and *, which ptflops' patches of "
                          "torch.add and torch.mul do not see")
_PT_NO_HOOK = Uncounted("no hook for their modules, no patch for their functions")
_PT_LENET = Uncounted("LeNet-5's units are no torch layer: archcalc's MACs plus one per bias per "
                      "output value are shown", _with_bias)
def _pt_mhsa(r: LayerRow) -> int:
    """ptflops' hook for nn.MultiheadAttention (pytorch_ops.py multihead_attention_counter_hook):
    the MACs, plus the queries' scaling (N·D), the softmax (h·N·N), the projections' biases
    (3·N·D where the module has them) and the output projection's (N·D: "bias is always
    enabled", it says)."""
    n, d, h = r.output.h, r.output.c, r.attrs["mhsa"]
    return r.counts.macs + n * d + h * n * n + (3 * n * d if r.counts.biases else 0) + n * d


_KERAS_ONLY = Uncounted("Keras's preprocessing layers (Rescaling, Normalization): torch has "
                        "no module for them, so ptflops has no hook")


PTFLOPS: dict[str, Handler] = {
    "conv": _with_bias, "dwconv": _with_bias, "sepconv": _with_bias, "fc": _with_bias,
    "relu": _two_per_value,
    "maxpool": _twice_inputs, "avgpool": _twice_inputs, "adaptive_avgpool": _twice_inputs,
    "gap": _twice_inputs,
    "bn": _two_per_value,
    "dropout": _none, "flatten": _none, "concat": _none, "zeropad": _none,
    "tanh": _PT_NO_HOOK, "sigmoid": _PT_NO_HOOK,
    "lrn": Uncounted("no hook for nn.LocalResponseNorm; its patches of torch.mul, torch.add "
                     "and F.avg_pool3d see some of the operations inside it, which archcalc does "
                     "not reproduce"),
    "softmax": Uncounted("the reference models end at the logits; a model that applies "
                         "nn.Softmax adds 1 per value, through ptflops' patch of F.softmax"),
    "add": _PT_OPERATORS, "mul": _PT_OPERATORS,
    "subsample": _PT_LENET, "rbf": _PT_LENET,
    "pwconv": _with_bias,
    "relu6": lambda r: r.output.elements,       # nn.ReLU6's hook; its F.hardtanh is not patched
    "silu": lambda r: r.output.elements,        # no hook; ptflops' patch of F.silu
    "hardswish": _PT_NO_HOOK, "hardsigmoid": _PT_NO_HOOK,
    "stochastic_depth": _none, "shuffle": _none, "split": _none,
    "se": Uncounted("its modules are counted (1×1 convs with one addition per bias, the pooling "
                    "and a ReLU twice, a SiLU once); its gate (no hook) and its scale (an "
                    "operator) are not", _pt_se),
    "uncounted": _NO_RULE,
    "linear": _with_bias,                       # nn.Linear's hook: (in + 1)·out per position
    # nn.LayerNorm's hook is the batch-norm rule, 2 per value where the module has ``affine``;
    # a LayerNorm's flag is called ``elementwise_affine``, so it counts 1 per value
    "ln": lambda r: r.output.elements,
    "ln2d": Uncounted("torchvision's LayerNorm2d subclasses nn.LayerNorm, and ptflops hooks "
                      "exact module types only; its F.layer_norm is not patched"),
    "gelu": _two_per_value,                     # nn.GELU's hook and the patch of F.gelu
    "layer_scale": Uncounted("torchvision's ConvNeXt writes its layer scale as *, which "
                             "ptflops' patch of torch.mul does not see"),
    "patch_embed": _with_bias, "cls_token": _none, "token": _none,
    "pos_embed": Uncounted("torchvision's ViT adds its position embedding with +, which "
                           "ptflops' patch of torch.add does not see"),
    "mhsa": _pt_mhsa,
    "tconv": _with_bias,                        # its hook counts the input positions
    "upsample": _two_per_value,                 # nn.Upsample's hook and the patch of F.interpolate
    "crop": _none,
    "rescale": _KERAS_ONLY, "standardize": _KERAS_ONLY,
}


# --- Keras ------------------------------------------------------------------------------------
# ``model.summary()``'s "Param #": trainable weights and biases, and batch norm's moving mean and
# variance too (the row's buffers: 4·C in all, γ, β trainable; mean, variance non-trainable).
# A layer without parameters has none in whichever Keras layer computes it.

def _keras(r: LayerRow) -> int:
    return r.counts.params + r.counts.buffers


_KERAS_LENET = Uncounted("Keras has no layer for LeNet-5's units: archcalc's trainable "
                         "parameters are shown, the RBF's fixed prototypes left out", _keras)
KERAS: dict[str, Handler] = {
    "conv": _keras, "dwconv": _keras, "sepconv": _keras, "fc": _keras, "bn": _keras,
    "maxpool": _keras, "avgpool": _keras, "adaptive_avgpool": _keras, "gap": _keras,
    "zeropad": _keras, "lrn": _keras, "relu": _keras, "tanh": _keras, "sigmoid": _keras,
    "softmax": _keras, "dropout": _keras, "flatten": _keras, "concat": _keras, "add": _keras,
    "mul": _keras,
    "subsample": _KERAS_LENET, "rbf": _KERAS_LENET,
    "pwconv": _keras, "relu6": _keras, "hardswish": _keras, "hardsigmoid": _keras,
    "silu": _keras, "stochastic_depth": _keras, "shuffle": _keras, "split": _keras, "se": _keras,
    "uncounted": _NO_RULE,
    "gelu": _keras, "ln": _keras, "ln2d": _keras, "layer_scale": _keras, "linear": _keras,
    "patch_embed": _keras, "cls_token": _keras, "pos_embed": _keras, "token": _keras,
    "mhsa": _keras, "tconv": _keras, "upsample": _keras, "crop": _keras,
    # Normalization's mean, variance and sample count are non-trainable weights to Keras
    "rescale": _keras, "standardize": _keras,
}


# --- torchvision ------------------------------------------------------------------------------
# The model documentation's "GFLOPS": the multiply-adds of conv and linear layers, biases and
# everything else left out; its params count every trainable value (archcalc's params).
_TV_LENET = Uncounted("LeNet-5's units are no torch layer: archcalc's MACs are counted", _macs)
TORCHVISION: dict[str, Handler] = {
    "conv": _macs, "dwconv": _macs, "sepconv": _macs, "fc": _macs,
    "bn": _none, "lrn": _none, "maxpool": _none, "avgpool": _none, "adaptive_avgpool": _none,
    "gap": _none, "zeropad": _none, "relu": _none, "tanh": _none, "sigmoid": _none,
    "softmax": _none, "dropout": _none, "flatten": _none, "concat": _none, "add": _none,
    "mul": _none,
    "subsample": _TV_LENET, "rbf": _TV_LENET,
    "pwconv": _macs, "se": _macs,               # the SE's 1×1 convs are in its GFLOPS
    "relu6": _none, "hardswish": _none, "hardsigmoid": _none, "silu": _none,
    "stochastic_depth": _none, "shuffle": _none, "split": _none,
    "uncounted": _NO_RULE,
    "linear": _macs, "gelu": _none, "ln": _none, "ln2d": _none, "layer_scale": _none,
    "patch_embed": _macs, "mhsa": _macs,        # the attention products are in ViT's GFLOPS
    "cls_token": _none, "pos_embed": _none, "token": _none,
    "tconv": _macs, "upsample": _none, "crop": _none,
    "rescale": _none, "standardize": _none,
}

# --- torchinfo --------------------------------------------------------------------------------
# torchinfo 1.8.0 ``summary(model, input_size=(1, 3, H, W))``: a layer's "mult-adds" come from its
# parameters alone (torchinfo/layer_info.py ``calculate_macs``): a convolution's weights and
# biases times its output positions (H·W: its multiply-adds plus one bias addition per output
# value), a linear layer's weights and biases (once per image), batch norm's weight and bias (2
# per channel, not per value); a layer without parameters adds nothing, whatever its work.

def _ti_conv(r: LayerRow) -> int:
    return (r.counts.weights + r.counts.biases) * r.output.h * r.output.w


def _ti_params(r: LayerRow) -> int:
    return r.counts.weights + r.counts.biases


_TI_LENET = Uncounted("LeNet-5's units are no torch layer: archcalc's MACs are shown", _macs)
_TI_PARAMETER = Uncounted("parameters of their block (torchvision's CNBlock, VisionTransformer, "
                          "Encoder), no leaf layer: in the total params, without mult-adds")
TORCHINFO: dict[str, Handler] = {
    "conv": _ti_conv, "dwconv": _ti_conv, "sepconv": _ti_conv, "fc": _ti_params,
    "bn": _ti_params,
    **{kind: _none for kind in ("lrn", "maxpool", "avgpool", "adaptive_avgpool", "gap",
                                "zeropad", "relu", "tanh", "sigmoid", "softmax", "dropout",
                                "flatten", "concat", "add", "mul")},
    "subsample": _TI_LENET, "rbf": _TI_LENET,
    "pwconv": _ti_conv,
    "se": _ti_params,                           # its two 1×1 convs on 1×1 maps
    **{kind: _none for kind in ("relu6", "hardswish", "hardsigmoid", "silu",
                                "stochastic_depth", "shuffle", "split", "gelu")},
    "uncounted": _NO_RULE,
    # nn.Linear on a channels-last map: its weights and biases once (torchinfo multiplies by the
    # output's first axis, the batch, only for a module whose class name is not a Conv), as for
    # layer norm's 2·C.
    "linear": _ti_params, "ln": _ti_params, "ln2d": _ti_params,
    "patch_embed": _ti_conv, "token": _none,
    "layer_scale": _TI_PARAMETER, "cls_token": _TI_PARAMETER, "pos_embed": _TI_PARAMETER,
    "mhsa": Uncounted("nn.MultiheadAttention is no leaf layer to torchinfo (it holds out_proj) "
                      "and calls out_proj's weights without calling the module: no mult-adds"),
    "tconv": _ti_conv, "upsample": _none, "crop": _none,
    "rescale": _none, "standardize": _none,     # no parameters (the statistics are buffers)
}


# --- thop -------------------------------------------------------------------------------------
# thop 0.1.1.post2209072238 ``profile(model, inputs=(x,))`` (thop/profile.py ``register_hooks``,
# thop/vision/basic_hooks.py and calc_func.py): per module type, conv and linear multiply-adds
# (no biases), batch norm 4 per value (2 for the normalization, doubled for the affine scale and
# shift), average pooling 1 per output value, adaptive average pooling (window + 1) per output
# value with the window as the float ratio of input to output size, softmax 3n − 1 per vector of
# n (n exponentials, n − 1 additions, n divisions); ReLU, max pooling, dropout and padding are
# registered as zero. A module type without a rule (LRN, tanh, sigmoid, torchvision's + and *)
# counts as zero operations and zero parameters; flatten and concatenation have no rule either,
# but do no arithmetic and have no parameters, so thop's zero is their count.

def _thop_adaptive(r: LayerRow) -> int:
    x, o = r.input_shapes[0], r.output
    window = (x.h / o.h) * (x.w / o.w)        # thop's float64 arithmetic, reproduced as such
    return int((window + 1) * o.elements)


def _thop_softmax(r: LayerRow) -> int:
    o = r.output
    return o.h * o.w * (3 * o.c - 1)


_THOP_NO_RULE = Uncounted("no rule for their module type: thop counts them as zero operations "
                          "and zero parameters")
_THOP_OPERATORS = Uncounted("torchvision writes them as + and *, which are no modules, so thop "
                            "does not see them")
_THOP_LENET = Uncounted("LeNet-5's units are no torch layer: thop would count them as zero "
                        "operations and zero parameters")
_THOP_PARAMETER = Uncounted("no module: a parameter of torchvision's VisionTransformer, "
                            "which thop neither sees nor counts")
THOP: dict[str, Handler] = {
    "conv": _macs, "dwconv": _macs, "sepconv": _macs, "fc": _macs,
    "bn": lambda r: 4 * r.output.elements,
    "avgpool": lambda r: r.output.elements,
    "adaptive_avgpool": _thop_adaptive, "gap": _thop_adaptive,
    "softmax": _thop_softmax,
    "relu": _none, "maxpool": _none, "dropout": _none, "zeropad": _none, "flatten": _none,
    "concat": _none,
    "lrn": _THOP_NO_RULE, "tanh": _THOP_NO_RULE, "sigmoid": _THOP_NO_RULE,
    "add": _THOP_OPERATORS, "mul": _THOP_OPERATORS,
    "subsample": _THOP_LENET, "rbf": _THOP_LENET,
    "pwconv": _macs, "relu6": _none,
    "hardswish": _THOP_NO_RULE, "hardsigmoid": _THOP_NO_RULE, "silu": _THOP_NO_RULE,
    "stochastic_depth": _none, "shuffle": _none, "split": _none,    # nothing to count
    "se": _thop_se,
    "uncounted": _NO_RULE,
    "linear": _macs,                            # count_linear: in_features per output value
    "ln": lambda r: 4 * r.output.elements,      # count_normalization: 2 per value, × 2 affine
    "ln2d": _THOP_NO_RULE, "gelu": _THOP_NO_RULE,
    "layer_scale": Uncounted("no module: a parameter of torchvision's CNBlock, multiplied in "
                             "its forward; thop sees neither the product nor the parameters"),
    "patch_embed": _macs, "token": _none,
    "cls_token": _THOP_PARAMETER, "pos_embed": _THOP_PARAMETER,
    "mhsa": _THOP_NO_RULE,
    # count_convNd for nn.ConvTranspose2d too: output values × C_in/groups × Kh·Kw, as if each
    # output read a whole window (S² times a stride-S, K = S transposed conv's multiply-adds)
    "tconv": lambda r: r.output.elements * (r.input_shapes[0].c // r.attrs["groups"])
    * r.attrs["k"][0] * r.attrs["k"][1],
    "upsample": lambda r: (11 if r.attrs["mode"] == "bilinear" else 1) * r.output.elements,
    "crop": _none,
    "rescale": _THOP_NO_RULE, "standardize": _THOP_NO_RULE,
}

# --- the papers -------------------------------------------------------------------------------
# Papers count multiply-adds (ResNet's Table 1 calls them "FLOPs"): archcalc's MACs, every kind.
PAPER: dict[str, Handler] = {**{kind: _macs for kind in RULES}, "uncounted": _NO_RULE}


PRESETS = ("paper", "torchvision", "fvcore", "ptflops", "keras", "torchinfo", "thop")
TABLES: dict[str, dict[str, Handler]] = {
    "paper": PAPER, "torchvision": TORCHVISION, "fvcore": FVCORE, "ptflops": PTFLOPS,
    "keras": KERAS, "torchinfo": TORCHINFO, "thop": THOP,
}
# The tool's name in a sentence.
TOOL = {"paper": "the papers", "torchvision": "torchvision", "fvcore": "fvcore",
        "ptflops": "ptflops", "keras": "Keras", "torchinfo": "torchinfo", "thop": "thop"}


def count(preset: str, r: LayerRow) -> int:
    """The row as ``preset``'s tool counts it (an ``Uncounted`` kind: what it says is shown)."""
    h = TABLES[preset][r.kind]
    return h.value(r) if isinstance(h, Uncounted) else h(r)


def fvcore_flops(r: LayerRow) -> int:
    return count("fvcore", r)


def ptflops_macs(r: LayerRow) -> int:
    return count("ptflops", r)


def keras_params(r: LayerRow) -> int:
    return count("keras", r)


def keras_non_trainable(r: LayerRow) -> int:
    return r.counts.buffers


def uncounted(a: Analysis, preset: str) -> str:
    """The footer's statement of the kinds in ``a`` that ``preset``'s tool does not count
    (``""`` if none): "…; layer kinds fvcore does not count: maxpool, add (no handle …)"."""
    table = TABLES[preset]
    by_why: dict[str, list[str]] = {}
    for r in a.rows:
        h = table[r.kind]
        if isinstance(h, Uncounted) and r.kind not in by_why.get(h.why, []):
            by_why.setdefault(h.why, []).append(r.kind)
    if not by_why:
        return ""
    return (f"; layer kinds {TOOL[preset]} does not count: "
            + "; ".join(f"{', '.join(kinds)} ({why})" for why, kinds in by_why.items()))


def _si(v: int, digits: int, unit: float) -> str:
    return f"{v / unit:.{digits}f}"


def preset_summary(a: Analysis, preset: str) -> str:
    """What the tool itself prints for this network, in its own words and rounding, and the
    kinds of the network it does not count."""
    rows = [r for r in a.rows if not r.aux]
    params = sum(r.counts.params for r in rows)
    total = sum(count(preset, r) for r in rows)
    if preset == "paper":
        text = (f"the papers count multiply-adds (ResNet's Table 1 calls them \"FLOPs\"), the "
                f"MACs column: {total:,} = {total / 1e9:.3g}×10⁹; params {params:,} = "
                f"{params / 1e6:.0f} M (in millions, as VGG's Table 2 prints them)")
    elif preset == "torchvision":
        aux = ""
        if a.has_aux:
            aux = (f"; with the auxiliary heads Params {a.totals_with_aux.params / 1e6:.1f}M "
                   "(torchvision's documentation counts Inception-v3's aux head, not GoogLeNet's)")
        text = (f"torchvision's model documentation would print: Params {params / 1e6:.1f}M, "
                f"GFLOPS {total / 1e9:.2f} (its \"GFLOPS\" are the MACs of conv and linear "
                f"layers, biases and everything else left out){aux}")
    elif preset == "fvcore":
        text = (f"fvcore's FlopCountAnalysis(model, x).total() (eval mode) would print: "
                f"{total:,} (it calls multiply-adds \"flops\": conv and linear without biases, "
                "batch norm 2 per value, adaptive average pooling 1 per input value)")
    elif preset == "ptflops":
        text = (f"ptflops' get_model_complexity_info would print: Computational complexity: "
                f"{_mac_text(total)}, Number of parameters: {round(params / 1e6, 2)} M "
                "(ReLU and pooling counted twice, as ptflops 0.7.5 does)")
    elif preset == "torchinfo":
        fixed = sum(r.counts.fixed for r in rows)
        text = (f"torchinfo's summary(model, input_size=(1, {a.input.c}, {a.input.h}, "
                f"{a.input.w})) would print: Total params: {params + fixed:,}; Trainable params: "
                f"{params:,}; Non-trainable params: {fixed:,}; Total mult-adds"
                f"{_torchinfo_num(total)} (torchinfo 1.8.0's \"mult-adds\" come from parameters "
                "alone: conv weights and biases times output positions, linear weights and "
                "biases, batch norm 2 per channel; its unit label Units.GIGABYTES means 10⁹ "
                "mult-adds, Units.MEGABYTES 10⁶)")
    elif preset == "thop":
        counted = sum(r.counts.params for r in rows
                      if not isinstance(TABLES["thop"][r.kind], Uncounted))
        text = (f"thop's profile(model, inputs=(x,)) would return ({total:.1f}, {counted:.1f}), "
                f"clever_format \"%.3f\": {_clever(total)}, {_clever(counted)} (its MACs: conv "
                "and linear without biases, batch norm 4 per value, average pooling 1 per "
                "output value, adaptive average pooling its window + 1 per output value, "
                "softmax 3n − 1 per vector of n; ReLU and max pooling zero)")
        if any(r.kind == "tconv" for r in rows):
            text += ("; a transposed conv counted as if each output value read a whole window "
                     "(output values × C_in/groups × Kh·Kw: S² times its multiply-adds where "
                     "K = S)")
        if any(r.kind in ("avgpool", "adaptive_avgpool", "gap") for r in rows):
            text += ("; average pooling counted as modules (nn.AvgPool2d, "
                     "nn.AdaptiveAvgPool2d): thop's hooks do not see F.avg_pool2d or "
                     "F.adaptive_avg_pool2d, which torchvision's Inception-v3 and DenseNet call")
    else:
        fixed = sum(keras_non_trainable(r) for r in rows)
        text = (f"Keras' model.summary() would print: Total params: {total:,}; Trainable "
                f"params: {total - fixed:,}; Non-trainable params: {fixed:,} (batch norm's "
                "moving mean and variance)")
    return text + uncounted(a, preset)


def _mac_text(v: int) -> str:
    """ptflops' string: two decimals, in GMac / MMac / KMac."""
    for unit, name in ((1e9, "GMac"), (1e6, "MMac"), (1e3, "KMac")):
        if v >= unit:
            return f"{round(v / unit, 2)} {name}"
    return f"{v} Mac"


def _torchinfo_num(v: int) -> str:
    """torchinfo 1.8.0's ``format_output_num`` for its mult-adds: in 10⁶, 10⁹ or 10¹², two
    decimals (none if whole), the unit as Python 3.11 formats its ``Units`` enum."""
    for unit, name in ((1e12, "TERABYTES"), (1e9, "GIGABYTES"), (0, "MEGABYTES")):
        if v >= unit:
            x = v / (unit or 1e6)
            return f" (Units.{name}): " + (f"{int(x):,d}" if x.is_integer() else f"{x:,.2f}")
    raise AssertionError


def _clever(v: int) -> str:
    """thop's ``clever_format(v, "%.3f")``."""
    for unit, name in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")):
        if v > unit:
            return "%.3f%s" % (v / unit, name)
    return "%.3fB" % v
