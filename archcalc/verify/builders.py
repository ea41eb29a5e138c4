"""One torch module factory per archcalc layer kind, looked up in ``BUILDERS``.

A builder takes a layer's attributes (as the spec loader checked them) and the shapes of its
inputs *as torch produced them* (per sample, batch excluded: ``(C, H, W)`` or ``(N,)``), and
returns an ``nn.Module`` that computes the layer. Builders never read the engine's shapes or
counts, so a wrong formula in the engine shows up as a disagreement instead of being copied.

Each builder is registered by its kind's name, one per kind of ``archcalc.core.kinds.RULES`` (a
test fails otherwise). A module that takes several inputs (a join) is called as
``module(*inputs)``; a builder that needs to know which of its inputs are identity shortcuts says
so with ``needs_shortcuts = True`` (the scaled add).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as TF
from torch import nn

from ..core.kinds import STANDARDIZE_AXES

Shape = tuple[int, ...]


# --- padding -----------------------------------------------------------------------------
# The padding is worked out here, not taken from the engine (``core.kinds.pad_sides``), so that
# a wrong rule in the engine shows up as a disagreement instead of being copied.

def tf_same(i: int, k: int, s: int, d: int) -> tuple[int, int]:
    """TensorFlow's ``"same"`` padding along an axis of ``i`` values, as its documentation
    states it (tf.nn.convolution, "padding"): the output is ``ceil(i / s)``, the padding is
    ``max((out − 1)·s + (k − 1)·d + 1 − i, 0)``, and ``pad // 2`` of it goes before the input,
    the rest after."""
    out = math.ceil(i / s)
    pad = max((out - 1) * s + (k - 1) * d + 1 - i, 0)
    return pad // 2, pad - pad // 2


def pad_sides(a: dict, x: Shape) -> tuple[int, int, int, int]:
    """The layer's padding as (top, bottom, left, right) for this input (torch's shape):
    as written, or TensorFlow's ``"same"`` by :func:`tf_same`."""
    if a["p"] != "same":
        return a["p"]
    (kh, kw), (sh, sw), (dh, dw) = a["k"], a["s"], a["dilation"]
    return tf_same(x[1], kh, sh, dh) + tf_same(x[2], kw, sw, dw)


def padded(make, a: dict, x: Shape, value: float = 0.0, *, torch_same: bool = False
           ) -> nn.Module:
    """``make(padding)``'s module with the layer's padding. A stride-1 ``"same"`` layer whose
    module accepts it (``torch_same``: a convolution) gets torch's own ``padding="same"``, torch
    working the sides out itself. Otherwise the module's own symmetric ``padding`` where each
    axis is padded equally, or an explicit ``ConstantPad2d`` before it (PyTorch's layers cannot
    pad one side more than the other; TensorFlow's ``"same"`` does)."""
    if torch_same and a["p"] == "same" and a["s"] == (1, 1):
        return make("same")
    t, b, l, r = pad_sides(a, x)
    if t == b and l == r:
        return make((t, l))
    return nn.Sequential(nn.ConstantPad2d((l, r, t, b), value), make(0))


# --- small custom modules (what torch.nn does not have) ------------------------------------

class PartialConv(nn.Module):
    """A convolution whose output map j sees only the input maps ``connections[j]`` (LeNet-5's
    C3, Table I): one small ``Conv2d`` per output map over its own inputs, so the parameter count
    is the table's, not a dense layer's with a mask."""

    def __init__(self, connections, *, padding, **conv):
        super().__init__()
        self.connections = [list(row) for row in connections]
        self.maps = nn.ModuleList(nn.Conv2d(len(row), 1, padding=padding, **conv)
                                  for row in self.connections)

    def forward(self, x):
        return torch.cat([m(x[:, row]) for m, row in zip(self.maps, self.connections)], dim=1)


class Subsample(nn.Module):
    """LeNet-5's trainable subsampling: each map's window sum times one trainable coefficient,
    plus one trainable bias per map. Computed as a depthwise convolution whose K×K weights are
    tied to the map's one coefficient (so torch counts the K·K multiply-adds per output)."""

    def __init__(self, channels: int, kernel: tuple[int, int], stride: tuple[int, int]):
        super().__init__()
        self.kernel, self.stride = kernel, stride
        self.weight = nn.Parameter(torch.empty(channels))
        self.bias = nn.Parameter(torch.empty(channels))
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.uniform_(self.weight, -1.0, 1.0)
        nn.init.zeros_(self.bias)

    def forward(self, x):
        c = self.weight.shape[0]
        w = self.weight.view(c, 1, 1, 1).expand(c, 1, *self.kernel).contiguous()
        return TF.conv2d(x, w, self.bias, self.stride, groups=c)


class RBF(nn.Module):
    """Euclidean radial basis function units (LeNet-5's output): y_j = Σ_i (x_i − w_ij)².
    The prototypes are fixed, so they are a parameter that is not trained. Computed as
    ‖x‖² − 2·x·wⱼ + ‖wⱼ‖², one matrix product: N_in·N_out multiply-adds, as torch counts them."""

    def __init__(self, n_in: int, n_out: int):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_out, n_in), requires_grad=False)
        self.reset_parameters()

    def reset_parameters(self):
        with torch.no_grad():
            self.weight.uniform_(-1.0, 1.0)    # LeNet-5 used ±1 bitmaps of the characters

    def forward(self, x):
        x = x.flatten(1)
        return ((x * x).sum(1, keepdim=True) - 2 * (x @ self.weight.t())
                + (self.weight * self.weight).sum(1))


class Linear(nn.Module):
    """A fully connected layer that reads a C×H×W input as C·H·W values (archcalc's ``fc``)."""

    def __init__(self, n_in: int, n_out: int, bias: bool):
        super().__init__()
        self.linear = nn.Linear(n_in, n_out, bias=bias)

    def forward(self, x):
        return self.linear(x.flatten(1))


class ZeroPadShortcut(nn.Module):
    """ResNet's option-A / PyramidNet shortcut: keep every s-th row and column, then append zero
    channels up to ``channels``. No parameters."""

    def __init__(self, channels: int, stride: tuple[int, int]):
        super().__init__()
        self.channels, self.stride = channels, stride

    def forward(self, x):
        sh, sw = self.stride
        x = x[:, :, ::sh, ::sw]
        return TF.pad(x, (0, 0, 0, 0, 0, self.channels - x.shape[1]))


class Concat(nn.Module):
    """Branches joined along channels."""

    def forward(self, *xs):
        return torch.cat(xs, dim=1)


class Multiply(nn.Module):
    """A feature map times its gates (squeeze-and-excitation's channel scale), broadcast."""

    def forward(self, x, *gates):
        for g in gates:
            x = x * g
        return x


class Add(nn.Module):
    """Branches summed element-wise; with ``scale`` ≠ 1 the residual branches (those at positions
    ``scaled``) are multiplied by it first: x + scale·F(x), as in Inception-ResNet."""

    def __init__(self, scale: float = 1.0, scaled: tuple[int, ...] = ()):
        super().__init__()
        self.scale, self.scaled = scale, tuple(scaled)

    def forward(self, *xs):
        out = None
        for i, x in enumerate(xs):
            term = x * self.scale if i in self.scaled and self.scale != 1 else x
            out = term if out is None else out + term
        return out

    def extra_repr(self):
        return "" if self.scale == 1 else f"scale={self.scale}, scaled={self.scaled}"


class Uncounted(nn.Module):
    """An operation archcalc cannot count (import --skip-unknown): a stand-in with no
    parameters and no arithmetic that gives the output shape the spec declares (the source
    model's own operation is not known here)."""

    def __init__(self, shape: tuple[int, ...]):
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x):
        return x.new_zeros((x.shape[0], *self.shape))


def uncounted(a: dict, ins: list[Shape]) -> nn.Module:
    x = tuple(ins[0])
    if a["flat"] or len(x) == 1 and (a["h"] is None or a["w"] is None):
        return Uncounted((a["c"] if a["c"] is not None else math.prod(x) if a["flat"] else x[0],))
    own = dict(zip("chw", x))
    return Uncounted(tuple(own[k] if a[k] is None else a[k] for k in "chw"))
class ChannelShuffle(nn.Module):
    """ShuffleNet's channel shuffle: the channels as ``groups`` × C/groups, transposed."""

    def __init__(self, groups: int):
        super().__init__()
        self.groups = groups

    def forward(self, x):
        n, c, h, w = x.shape
        x = x.view(n, self.groups, c // self.groups, h, w).transpose(1, 2)
        return x.reshape(n, c, h, w)


class ChannelSplit(nn.Module):
    """One of ``parts`` equal parts of the channels (torch's chunk: a view)."""

    def __init__(self, parts: int, part: int):
        super().__init__()
        self.parts, self.part = parts, part

    def forward(self, x):
        return x.chunk(self.parts, dim=1)[self.part]


class SqueezeExcitation(nn.Module):
    """Squeeze-and-excitation: global average pool, 1×1 conv C → R, activation, 1×1 conv
    R → C, gate, and the input scaled by it (torchvision.ops.SqueezeExcitation's layout)."""

    ACTS = {"relu": nn.ReLU, "silu": nn.SiLU}
    GATES = {"sigmoid": nn.Sigmoid, "hardsigmoid": nn.Hardsigmoid}

    def __init__(self, channels: int, squeezed: int, act: str, gate: str, bias: bool):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeezed, 1, bias=bias)
        self.act = self.ACTS[act]()
        self.fc2 = nn.Conv2d(squeezed, channels, 1, bias=bias)
        self.gate = self.GATES[gate]()

    def forward(self, x):
        return x * self.gate(self.fc2(self.act(self.fc1(self.pool(x)))))


class StochasticDepth(nn.Module):
    """Drops the whole input of a sample with probability p while training (mode "row"), scaling
    the kept ones by 1/(1 − p); the identity in eval mode, which is how it is verified."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        keep = torch.empty((x.shape[0],) + (1,) * (x.dim() - 1), device=x.device)
        return x * keep.bernoulli_(1 - self.p).div_(1 - self.p)


class ChannelsLast(nn.Module):
    """``inner`` applied to the last axis of a channels-last view (PyTorch's nn.Linear and
    nn.LayerNorm act on the last axis): a C×H×W map is permuted to H×W×C and back, as
    torchvision's ConvNeXt does; a vector is passed as it is."""

    def __init__(self, inner: nn.Module):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        if x.dim() == 2:
            return self.inner(x)
        return self.inner(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class LayerScale(nn.Module):
    """Each channel times a learned factor (ConvNeXt's ``layer_scale * block(x)``)."""

    def __init__(self, channels: int, init: float):
        super().__init__()
        self.init = init
        self.gamma = nn.Parameter(torch.empty(channels, 1, 1))
        self.reset_parameters()

    def reset_parameters(self):
        with torch.no_grad():
            self.gamma.fill_(self.init)

    def forward(self, x):
        return self.gamma * x


class Rescale(nn.Module):
    """x·scale + offset (Keras's Rescaling); a scale or offset given per channel is a constant
    of one value per channel, made at each call (no parameter, no buffer: Keras keeps none)."""

    def __init__(self, scale, offset, flat: bool):
        super().__init__()
        self.scale, self.offset = scale, offset
        self.shape = (-1,) if flat else (-1, 1, 1)

    def constant(self, v, x):
        if isinstance(v, tuple):
            return torch.tensor(v, dtype=x.dtype, device=x.device).reshape(self.shape)
        return v

    def forward(self, x):
        return x * self.constant(self.scale, x) + self.constant(self.offset, x)


class Standardize(nn.Module):
    """(x − mean)/√variance by stored statistics (Keras's Normalization), or its inverse
    x·√variance + mean (``invert``): one mean and variance per position along ``axes`` (archcalc's
    "c", "h", "w" of C×H×W; "" for one over all values); where Keras keeps them as weights
    (``stored``), a mean, a variance and the sample count as floating-point buffers (torch's name
    for non-trainable state), else plain constants."""

    def __init__(self, shape: tuple, axes: str, stored: bool, invert: bool = False):
        super().__init__()
        full = tuple(shape) + (1,) * (3 - len(shape))            # (C,) flat: (C, 1, 1)
        stats = tuple(n if x in axes else 1 for n, x in zip(full, "chw"))[:len(shape)] \
            if axes else ()
        self.stored, self.invert = stored, invert
        if stored:
            self.register_buffer("mean", torch.zeros(stats))
            self.register_buffer("variance", torch.ones(stats))
            self.register_buffer("count", torch.zeros(()))

    def reset_parameters(self):
        """The statistics of a fresh layer (mean 0, variance 1, no samples), once the model is
        materialized: memory left as it was could hold a negative variance."""
        if self.stored:
            with torch.no_grad():
                self.mean.zero_()
                self.variance.fill_(1.0)
                self.count.zero_()

    def forward(self, x):
        mean, variance = (self.mean, self.variance) if self.stored else (0.0, torch.tensor(1.0))
        sd = torch.sqrt(variance).clamp_min(1e-7)      # constants of the config: here 0 and 1
        return x * sd + mean if self.invert else (x - mean) / sd


# A sequence of N tokens of width D is archcalc's D×N×1 map: (batch, D, N, 1) here; torch's
# transformer layers take (batch, N, D).

def _tokens(x):
    return x.flatten(2).transpose(1, 2)                     # (B, D, N, 1) → (B, N, D)


def _map(t):
    return t.transpose(1, 2).unsqueeze(-1)                  # (B, N, D) → (B, D, N, 1)


class PatchEmbed(nn.Module):
    """ViT's patch embedding: a P×P conv with stride P, its map read as a sequence."""

    def __init__(self, c_in: int, d: int, p: int, bias: bool):
        super().__init__()
        self.proj = nn.Conv2d(c_in, d, p, stride=p, bias=bias)

    def forward(self, x):
        return self.proj(x).flatten(2).unsqueeze(-1)


class ClassToken(nn.Module):
    """A learned token put before the sequence."""

    def __init__(self, d: int):
        super().__init__()
        self.token = nn.Parameter(torch.empty(1, d, 1, 1))
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.normal_(self.token, std=0.02)

    def forward(self, x):
        return torch.cat([self.token.expand(x.shape[0], -1, -1, -1), x], dim=2)


class PositionEmbedding(nn.Module):
    """A learned embedding added to each position's token."""

    def __init__(self, d: int, n: int):
        super().__init__()
        self.pos = nn.Parameter(torch.empty(1, d, n, 1))
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.normal_(self.pos, std=0.02)

    def forward(self, x):
        return x + self.pos


class Token(nn.Module):
    """One token of the sequence, as a vector (x[:, i])."""

    def __init__(self, i: int):
        super().__init__()
        self.i = i

    def forward(self, x):
        return x[:, :, self.i, 0]


class SelfAttention(nn.Module):
    """Multi-head self-attention written out (not nn.MultiheadAttention, whose fused fast path
    FlopCounterMode does not see): a D → 3·D projection to queries, keys and values, per head
    softmax(Q·Kᵀ/√(D/h))·V as two batched matrix products, an output projection D → D."""

    def __init__(self, d: int, heads: int, bias: bool, out_bias: bool = True):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d, bias=bias)
        self.out = nn.Linear(d, d, bias=bias and out_bias)

    def forward(self, x):
        t = _tokens(x)
        b, n, d = t.shape
        q, k, v = self.qkv(t).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        a = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d // self.heads), dim=-1)
        return _map(self.out((a @ v).transpose(1, 2).reshape(b, n, d)))


class TransposedConv(nn.Module):
    """nn.ConvTranspose2d without padding, then its padding cut off each side (as PyTorch's
    ``padding`` does, for one side or both)."""

    def __init__(self, c_in: int, a: dict):
        super().__init__()
        self.conv = nn.ConvTranspose2d(c_in, a["tconv"], a["k"], stride=a["s"],
                                       output_padding=a["output_padding"], groups=a["groups"],
                                       bias=a["bias"], dilation=a["dilation"])
        self.sides = a["p"]

    def forward(self, x):
        t, b, l, r = self.sides
        y = self.conv(x)
        return y[:, :, t:y.shape[2] - b, l:y.shape[3] - r]


class CentreCrop(nn.Module):
    """The centre h×w of each map (U-Net's copy and crop)."""

    def __init__(self, h: int, w: int):
        super().__init__()
        self.h, self.w = h, w

    def forward(self, x):
        top, left = (x.shape[2] - self.h) // 2, (x.shape[3] - self.w) // 2
        return x[:, :, top:top + self.h, left:left + self.w]


# --- the builders ------------------------------------------------------------------------

def conv(a: dict, ins: list[Shape]) -> nn.Module:
    x = ins[0]
    opts = dict(kernel_size=a["k"], stride=a["s"], dilation=a["dilation"], bias=a["bias"])
    if a.get("connections") is not None:
        return padded(lambda p: PartialConv(a["connections"], padding=p, **opts), a, x,
                      torch_same=True)
    return padded(lambda p: nn.Conv2d(x[0], a["conv"], groups=a["groups"], padding=p, **opts),
                  a, x, torch_same=True)


def pwconv(a: dict, ins: list[Shape]) -> nn.Module:
    return nn.Conv2d(ins[0][0], a["pwconv"], 1, a["s"], groups=a["groups"], bias=a["bias"])


def dwconv(a: dict, ins: list[Shape]) -> nn.Module:
    c = ins[0][0]
    return padded(lambda p: nn.Conv2d(c, c * a["dwconv"], a["k"], a["s"], p, a["dilation"],
                                      groups=c, bias=a["bias"]), a, ins[0], torch_same=True)


def sepconv(a: dict, ins: list[Shape]) -> nn.Module:
    """Keras' SeparableConv2D: a depthwise conv without bias, then a 1×1 conv with the bias."""
    c, m = ins[0][0], a["mult"]
    depthwise = padded(lambda p: nn.Conv2d(c, c * m, a["k"], a["s"], p, a["dilation"], groups=c,
                                           bias=False), a, ins[0], torch_same=True)
    return nn.Sequential(depthwise, nn.Conv2d(c * m, a["sepconv"], 1, bias=a["bias"]))


def maxpool(a: dict, ins: list[Shape]) -> nn.Module:
    return padded(lambda p: nn.MaxPool2d(a["k"], a["s"], p, a["dilation"], ceil_mode=a["ceil"]),
                  a, ins[0], float("-inf"))


def avgpool(a: dict, ins: list[Shape]) -> nn.Module:
    # Symmetric padding uses PyTorch's default divisor (the padding counts). Values only:
    # shapes, parameters and FLOPs do not depend on it.
    return padded(lambda p: nn.AvgPool2d(a["k"], a["s"], p, ceil_mode=a["ceil"]), a, ins[0])


def batchnorm(a: dict, ins: list[Shape]) -> nn.Module:
    x = ins[0]
    return (nn.BatchNorm1d if len(x) == 1 else nn.BatchNorm2d)(x[0], eps=a["eps"])


def add(a: dict, ins: list[Shape], shortcuts: tuple[int, ...] = ()) -> nn.Module:
    """``shortcuts``: positions of the identity branches, which the scale does not touch."""
    return Add(a["scale"], tuple(i for i in range(len(ins)) if i not in shortcuts))


add.needs_shortcuts = True      # model.build passes which inputs are identity shortcuts


BUILDERS = {
    "conv": conv,
    "pwconv": pwconv,
    "dwconv": dwconv,
    "sepconv": sepconv,
    "maxpool": maxpool,
    "avgpool": avgpool,
    "subsample": lambda a, ins: Subsample(ins[0][0], a["k"], a["s"]),
    "adaptive_avgpool": lambda a, ins: nn.AdaptiveAvgPool2d(a["adaptive_avgpool"]),
    "gap": lambda a, ins: nn.AdaptiveAvgPool2d(1),
    "zeropad": lambda a, ins: ZeroPadShortcut(a["zeropad"], a["s"]),
    "lrn": lambda a, ins: nn.LocalResponseNorm(a["lrn"], a["alpha"], a["beta"], a["offset"]),
    "bn": batchnorm,
    "relu": lambda a, ins: nn.ReLU(),
    "tanh": lambda a, ins: nn.Tanh(),
    "sigmoid": lambda a, ins: nn.Sigmoid(),
    "softmax": lambda a, ins: nn.Softmax(dim=1),
    "relu6": lambda a, ins: nn.ReLU6(),
    "hardswish": lambda a, ins: nn.Hardswish(),
    "hardsigmoid": lambda a, ins: nn.Hardsigmoid(),
    "silu": lambda a, ins: nn.SiLU(),
    "gelu": lambda a, ins: nn.GELU(),
    "ln": lambda a, ins: ChannelsLast(nn.LayerNorm(ins[0][0], eps=a["eps"])),
    "ln2d": lambda a, ins: ChannelsLast(nn.LayerNorm(ins[0][0], eps=a["eps"])),
    "layer_scale": lambda a, ins: LayerScale(ins[0][0], a["layer_scale"] or 1.0),
    "rescale": lambda a, ins: Rescale(a["rescale"], a["offset"], len(ins[0]) == 1),
    "standardize": lambda a, ins: Standardize(ins[0], STANDARDIZE_AXES[a["standardize"]],
                                              a["stored"], a["invert"]),
    "linear": lambda a, ins: ChannelsLast(nn.Linear(ins[0][0], a["linear"], bias=a["bias"])),
    "patch_embed": lambda a, ins: PatchEmbed(ins[0][0], a["patch_embed"], a["patch"], a["bias"]),
    "cls_token": lambda a, ins: ClassToken(ins[0][0]),
    "pos_embed": lambda a, ins: PositionEmbedding(ins[0][0], ins[0][1]),
    "token": lambda a, ins: Token(a["token"]),
    "mhsa": lambda a, ins: SelfAttention(ins[0][0], a["mhsa"], a["bias"], a["out_bias"]),
    "tconv": lambda a, ins: TransposedConv(ins[0][0], a),
    "upsample": lambda a, ins: nn.Upsample(scale_factor=tuple(float(v) for v in a["upsample"]),
                                           mode=a["mode"],
                                           align_corners=False if a["mode"] == "bilinear" else None),
    "crop": lambda a, ins: CentreCrop(*a["crop"]),
    "dropout": lambda a, ins: nn.Dropout(a["dropout"]),
    "stochastic_depth": lambda a, ins: StochasticDepth(a["stochastic_depth"] or 0.0),
    "shuffle": lambda a, ins: ChannelShuffle(a["shuffle"]),
    "split": lambda a, ins: ChannelSplit(a["split"], a["part"]),
    "se": lambda a, ins: SqueezeExcitation(ins[0][0], a["se"], a["act"], a["gate"], a["bias"]),
    "flatten": lambda a, ins: nn.Flatten(1),
    "fc": lambda a, ins: Linear(math.prod(ins[0]), a["fc"], a["bias"]),
    "rbf": lambda a, ins: RBF(math.prod(ins[0]), a["rbf"]),
    "concat": lambda a, ins: Concat(),
    "add": add,
    "mul": lambda a, ins: Multiply(),
    "uncounted": uncounted,
}

