"""The independent cross-check: archcalc's totals against the reference implementations.

Building torch modules from our own specs catches a wrong formula, not a wrong spec. Here the
same network as torchvision or timm builds it is compared with the spec's analysis: total
parameters exactly, MACs exactly (FlopCounterMode's FLOPs / 2: conv and matrix products only,
the engine's convention), and the output shape at every stage boundary listed below, recorded by
forward hooks. Everything runs on the ``meta`` device: no weights are allocated, none downloaded.

To add a reference for a network: one ``Reference`` entry in ``REFERENCES`` — the library, the
constructor's name and keyword arguments, and the stage boundaries as pairs (archcalc layer name,
the reference model's submodule path). The archcalc side is a layer's name, or a prefix of names
(``"denseblock1/"``, ``"conv2_"``) standing for the last layer whose name starts with it. If the library is not installed the check is reported as
skipped, naming what was not checked.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

import torch
from torch.utils.flop_counter import FlopCounterMode

from ..analysis import counting as N
from ..core.records import Analysis
from .check import shape_of


@dataclass(frozen=True)
class Reference:
    """Where a network's reference implementation is and how its stages line up with the spec.

    ``aux``: the reference model holds the auxiliary heads too (its parameter count is compared
    with archcalc's total including them); its eval-mode forward does not run them, so MACs are
    compared with the inference total either way."""

    network: str
    library: str                                  # "torchvision" or "timm"
    model: str
    stages: tuple[tuple[str, str], ...] = ()      # (archcalc layer or prefix, reference submodule)
    kwargs: dict = field(default_factory=dict)
    aux: bool = False
    cpu_build: bool = False     # its constructor computes with tensors (torchvision's RegNet
                                # quantizes widths with torch ops), so it cannot run on meta
    tokens: bool = False        # its stages are sequences, (N, D) in torch: archcalc's D×N×1

    @property
    def title(self) -> str:
        return f"{self.library} {self.model}"


def _ref(network, library, model, stages=(), aux=False, cpu_build=False, tokens=False,
         **kwargs) -> Reference:
    return Reference(network, library, model, tuple(stages), kwargs, aux, cpu_build, tokens)


def _vgg(depth: int, bn: str) -> Reference:
    return _ref(f"vgg{depth}{bn}", "torchvision", f"vgg{depth}{bn.replace('-', '_')}",
                [("pool5", "features")])


_GOOGLENET = [(f"{b}/concat", f"inception{b}") for b in
              ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b")]
_INCEPTION_V3 = [(f"Mixed_{b}/concat", f"Mixed_{b}") for b in
                 ("5b", "5c", "5d", "6a", "6b", "6c", "6d", "6e", "7a", "7b", "7c")]
# timm's inception_v4.features: 0–2 the stem convs, then these modules in order.
_INCEPTION_V4 = [(f"{b}/concat", f"features.{i}") for i, b in enumerate(
    ["mixed3a", "mixed4a", "mixed5a", "A_1", "A_2", "A_3", "A_4", "reductionA"]
    + [f"B_{j}" for j in range(1, 8)] + ["reductionB", "C_1", "C_2", "C_3"], start=3)]
# timm's legacy_xception numbers its blocks from 1 where the spec (Keras) starts at block2.
_XCEPTION = ([("block2/add", "block1"), ("block3/add", "block2"), ("block4/add", "block3")]
             + [(f"block_{j}/add", f"block{j + 3}") for j in range(1, 9)]
             + [("block13/add", "block12"), ("relu4", "act4")])


# torchvision's mobilenet_v2.features: 0 the stem, 1–17 the bottlenecks, 18 the last 1×1 conv.
_MOBILENET_V2 = [("stage1/", "features.1"), ("stage2_", "features.3"), ("stage3_", "features.6"),
                 ("stage4_", "features.10"), ("stage5_", "features.13"),
                 ("stage6_", "features.16"), ("stage7/", "features.17"), ("relu8", "features")]


def _resnet(network: str, model: str, library: str = "torchvision") -> Reference:
    """torchvision's (and timm's legacy SENet's) ResNet layout: layer1–4 are the spec's stages
    conv2_x … conv5_x; torchvision's stem ends in ``maxpool``, the SENet's in ``pool0``."""
    pool = "maxpool" if library == "torchvision" else "pool0"
    return _ref(network, library, model,
                [("pool1", pool)] + [(f"conv{i + 2}_", f"layer{i + 1}") for i in range(4)])


def _densenet(depth: int) -> Reference:
    return _ref(f"densenet{depth}", "torchvision", f"densenet{depth}",
                [("pool0", "features.pool0")]
                + [(f"denseblock{i}/", f"features.denseblock{i}") for i in range(1, 5)]
                + [(f"transition{i}/", f"features.transition{i}") for i in range(1, 4)]
                + [("norm5", "features.norm5")])


REFERENCES: dict[str, Reference] = {r.network: r for r in [
    _ref("alexnet-torchvision", "torchvision", "alexnet",
         [("pool3", "features"), ("avgpool", "avgpool")]),
    *[_vgg(d, bn) for d in (11, 13, 16, 19) for bn in ("", "-bn")],
    _ref("googlenet-torchvision", "torchvision", "googlenet", _GOOGLENET, aux=True,
         aux_logits=True, init_weights=False),
    _ref("inception-v3", "torchvision", "inception_v3", _INCEPTION_V3, aux=True,
         aux_logits=True, init_weights=False),
    _ref("inception-v4", "timm", "inception_v4", _INCEPTION_V4),
    _ref("inception-resnet-v2", "timm", "inception_resnet_v2", [
        ("mixed_5b/concat", "mixed_5b"), ("block35_10/relu", "repeat"),
        ("mixed_6a/concat", "mixed_6a"), ("block17_20/relu", "repeat_1"),
        ("mixed_7a/concat", "mixed_7a"), ("block8_9/relu", "repeat_2"),
        ("block8_last/add", "block8"), ("relu6", "conv2d_7b")]),
    _ref("xception", "timm", "legacy_xception", _XCEPTION),
    # The paper's ResNet-18/34 ("v1") and torchvision's agree: basic blocks have no 1×1 conv
    # to carry the stride. For 50/101/152 torchvision strides the 3×3 ("v1.5").
    *[_resnet(f"resnet{d}", f"resnet{d}") for d in (18, 34)],
    *[_resnet(f"resnet{d}-torchvision", f"resnet{d}") for d in (50, 101, 152)],
    _resnet("resnext50-32x4d", "resnext50_32x4d"),
    _resnet("resnext101-32x8d", "resnext101_32x8d"),
    _resnet("wide-resnet50-2", "wide_resnet50_2"),
    *[_densenet(d) for d in (121, 169, 201, 161)],
    # timm's legacy SE-ResNet-50 (the Caffe release's port) strides the first 1×1 of a
    # bottleneck, as the spec's v1 ResNet-50 does, and reduces by r = 16.
    _resnet("se-resnet50", "legacy_seresnet50", "timm"),
    _ref("squeezenet1_0", "torchvision", "squeezenet1_0", [
        ("maxpool1", "features.2"), ("fire4/expand/concat", "features.5"),
        ("fire8/expand/concat", "features.10"), ("fire9/expand/concat", "features")]),
    _ref("squeezenet1_1", "torchvision", "squeezenet1_1", [
        ("maxpool1", "features.2"), ("fire3/expand/concat", "features.4"),
        ("fire5/expand/concat", "features.7"), ("fire9/expand/concat", "features")]),
    _ref("mobilenet_v2", "torchvision", "mobilenet_v2", _MOBILENET_V2),
    _ref("mobilenet_v2-x1_4", "torchvision", "mobilenet_v2", _MOBILENET_V2, width_mult=1.4),
    _ref("mobilenet_v3_large", "torchvision", "mobilenet_v3_large", [
        ("bneck1/add", "features.1"), ("bneck3/add", "features.3"), ("bneck6/add", "features.6"),
        ("bneck12/add", "features.12"), ("bneck15/add", "features.15"), ("hs2", "features")]),
    *[_ref(f"shufflenet_v2_{w}", "torchvision", f"shufflenet_v2_{w}", [
        ("maxpool", "maxpool"), ("stage2_", "stage2"), ("stage3_", "stage3"),
        ("stage4_", "stage4"), ("relu5", "conv5")]) for w in ("x0_5", "x1_0", "x1_5", "x2_0")],
    *[_ref(f"mnasnet{m}", "torchvision", f"mnasnet{m}", [
        ("stack1_", "layers.8"), ("stack2_", "layers.9"), ("stack3_", "layers.10"),
        ("stack4_", "layers.11"), ("stack5_", "layers.12"), ("stack6/", "layers.13"),
        ("relu2", "layers")]) for m in ("0_5", "0_75", "1_0", "1_3")],
    _ref("efficientnet_b0", "torchvision", "efficientnet_b0",
         [(f"stage{i + 2}_", f"features.{i + 1}") for i in range(7)]
         + [("head_silu", "features")]),
    *[_ref(net, "timm", model, [
        ("dws1/", "blocks.0"), ("dws3/", "blocks.1"), ("dws5/", "blocks.2"),
        ("dws7_5/", "blocks.3"), ("dws9/", "blocks.4")])
      for net, model in (("mobilenet_v1", "mobilenetv1_100"),
                         ("mobilenet_v1-x1_25", "mobilenetv1_125"))],
    *[_ref(f"regnet_{m}", "torchvision", f"regnet_{m}", [
        ("s1_", "trunk_output.block1"), ("s2_", "trunk_output.block2"),
        ("s3_", "trunk_output.block3"), ("s4_", "trunk_output.block4")], cpu_build=True)
      for m in ("x_400mf", "y_400mf", "x_800mf", "y_800mf", "x_1_6gf", "y_1_6gf")],
    _ref("mobilenet_v3_small", "torchvision", "mobilenet_v3_small", [
        ("bneck1/", "features.1"), ("bneck3/add", "features.3"), ("bneck8/add", "features.8"),
        ("bneck11/add", "features.11"), ("hs2", "features")]),
    # torchvision's convnext_*.features: 0 the stem, then each stage and the next downsampling.
    *[_ref(f"convnext_{m}", "torchvision", f"convnext_{m}", [
        ("stem_ln", "features.0"), ("stage1_", "features.1"), ("down2", "features.2"),
        ("stage2_", "features.3"), ("down3", "features.4"), ("stage3_", "features.5"),
        ("down4", "features.6"), ("stage4_", "features.7"), ("head_ln", "classifier.0")])
      for m in ("tiny", "small", "base")],
    # torchvision's vit_*: the encoder's layers take and give (N, D) sequences.
    *[_ref(f"vit_{m}", "torchvision", f"vit_{m}", [
        ("patch_embed", "conv_proj")] + [
        (f"layer_{i + 1}/mlp/add", f"encoder.layers.encoder_layer_{i}") for i in (0, 5, d - 1)]
        + [("ln", "encoder")], tokens=True)
      for m, d in (("b_16", 12), ("b_32", 12), ("l_16", 24))],
]}


@dataclass(frozen=True)
class Item:
    """One thing compared: what, archcalc's value, the reference's (None: not found)."""

    what: str
    ours: object
    theirs: object

    @property
    def ok(self) -> bool:
        return self.ours == self.theirs


@dataclass(frozen=True)
class ReferenceCheck:
    reference: Reference
    items: tuple[Item, ...] = ()
    skipped: str = ""            # why nothing was checked: its library is missing, the spec changed
    missing_library: bool = False

    @property
    def not_checked(self) -> str:
        """What a skipped check left out, in words."""
        return (f"not checked against {self.reference.title}: total parameters, MACs and "
                f"{len(self.reference.stages) + 1} stage shapes")

    @property
    def ok(self) -> bool:
        return all(i.ok for i in self.items)


def construct(ref: Reference):
    """The reference model on the meta device, in eval mode (ImportError if its library is
    missing). No weights are downloaded: torchvision ``weights=None``, timm ``pretrained=False``."""
    lib = importlib.import_module(ref.library)

    def build():
        if ref.library == "torchvision":
            return lib.models.get_model(ref.model, weights=None, **ref.kwargs)
        return lib.create_model(ref.model, pretrained=False, **ref.kwargs)
    if ref.cpu_build:           # built with its (random) weights, then moved to meta
        return build().to("meta").eval()
    with torch.device("meta"):
        model = build()
    return model.eval()


def cross_check(analysis: Analysis, batch: int = 1, changed: str = "") -> ReferenceCheck | None:
    """Compare ``analysis`` with its network's reference implementation; ``None`` when it has
    none. A missing library, or a spec ``changed`` from the bundled one (``--set``), gives a
    check that is skipped, with the reason."""
    ref = REFERENCES.get(analysis.network)
    if ref is None:
        return None
    if changed:
        return ReferenceCheck(ref, skipped=f"the spec was changed ({changed})")
    from ..core.progress import step

    step(f"{analysis.network}: comparing with {ref.library}'s model")
    try:
        model = construct(ref)
    except ImportError as e:
        return ReferenceCheck(ref, skipped=f"{ref.library} is not installed ({e})",
                              missing_library=True)
    seen: dict[str, tuple[int, ...]] = {}
    handles = []
    for _, path in ref.stages:
        def hook(module, args, out, path=path):
            seen[path] = tuple(out.shape[1:])
        try:
            handles.append(model.get_submodule(path).register_forward_hook(hook))
        except AttributeError:
            pass            # compared below as "not found"
    x = torch.empty(batch, *analysis.input.as_list(), device="meta")
    with FlopCounterMode(display=False) as counter:
        out = model(x)
    for h in handles:
        h.remove()

    totals = analysis.totals_with_aux if ref.aux else analysis.totals
    last = [r for r in analysis.rows if not r.aux][-1]
    items = [
        Item("total parameters" + (" (with aux heads)" if ref.aux and analysis.has_aux else ""),
             N.params(totals), sum(p.numel() for p in model.parameters())),
        Item(f"MACs (batch {batch})", analysis.totals.macs * batch,
             _half(counter.get_total_flops())),
    ]
    for name, path in ref.stages:
        row = stage_row(analysis, name)
        ours = shape_of(row.output) if row else None
        if ref.tokens and row and not row.output.flat:
            ours = (row.output.h, row.output.c)         # torch's (N, D)
        theirs = seen.get(path)
        if ref.tokens and path == "conv_proj" and theirs:
            theirs = (theirs[1] * theirs[2], theirs[0])  # the patch grid read as tokens
        items.append(Item(f"shape after {row.name if row else name} ↔ {path}", ours, theirs))
    items.append(Item(f"output ({last.name})", shape_of(last.output), tuple(out.shape[1:])))
    return ReferenceCheck(ref, tuple(items))


def stage_row(analysis: Analysis, name: str):
    """The row named ``name``, else the last inference row whose name starts with it (the end
    of a stage, e.g. ``"conv2_"`` → ``conv2_3/relu``); ``None`` if there is none."""
    rows = [r for r in analysis.rows if not r.aux]
    exact = [r for r in rows if r.name == name]
    if exact:
        return exact[0]
    prefixed = [r for r in rows if r.name.startswith(name)]
    return prefixed[-1] if prefixed else None


def _half(flops: int):
    """MACs from FLOPs: exact, or the fraction shown if torch counted an odd number."""
    return flops // 2 if flops % 2 == 0 else flops / 2
