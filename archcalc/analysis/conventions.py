"""The presets (``--convention``): what other tools print for the same network. archcalc's own
FLOPs (2 × MACs plus the ``--count`` extras) are defined in ``counting``.

A preset (``--convention``) reproduces another tool's printed number; each function below
states the tool's rule, read from its source and checked against its output (tests cite them).
"""

from __future__ import annotations

from ..core.kinds import RULES
from ..core.records import Analysis, LayerRow
from .counting import EXTRA_TEXT, EXTRAS, extra_ops, flops  # noqa: F401  (re-exported)


# --- presets: each is the other tool's rule, row by row ----------------------------------

def fvcore_flops(r: LayerRow) -> int:
    """fvcore 0.1.5 ``FlopCountAnalysis(model, x).total()`` in eval mode: one "flop" per
    multiply-add of conv and linear (biases not counted), batch norm 2 per value (affine, eval),
    adaptive average pooling 1 per input value; ReLU, max pooling and additions are not
    counted (fvcore/nn/jit_handles.py, flop_count.py ``_DEFAULT_SUPPORTED_OPS``)."""
    if r.kind == "bn":
        return 2 * r.output.elements
    if r.kind in ("adaptive_avgpool", "gap"):
        return r.input_shapes[0].elements
    return r.counts.macs


def ptflops_macs(r: LayerRow) -> int:
    """ptflops 0.7.5 ``get_model_complexity_info`` (default pytorch backend): conv and linear
    multiply-adds plus one per bias per output value; ReLU one per output value and pooling one
    per input value — each counted twice, by the module hook and again by ptflops' patch of
    ``torch.nn.functional`` that the module calls; batch norm 2 per value (affine)
    (ptflops/pytorch_ops.py). A network whose reference calls ``F.relu`` directly (torchvision's
    GoogLeNet, Inception-v3) is counted once there: this preset assumes ``nn.ReLU`` modules."""
    rule = RULES[r.kind]
    if rule.weighted:
        return r.counts.macs + (r.output.elements if r.counts.biases else 0)
    if r.kind == "relu":
        return 2 * r.output.elements
    if rule.category == "pooling":
        return 2 * r.input_shapes[0].elements
    if r.kind == "bn":
        return 2 * r.output.elements
    return r.counts.macs


def keras_params(r: LayerRow) -> int:
    """Keras ``model.summary()``'s "Param #": batch norm also holds its moving mean and
    variance (the row's buffers: 4·C in all, γ, β trainable; mean, variance non-trainable)."""
    return r.counts.params + r.counts.buffers


def keras_non_trainable(r: LayerRow) -> int:
    return r.counts.buffers


PRESETS = ("paper", "torchvision", "fvcore", "ptflops", "keras")
# The extra column a preset adds: (key, header, function); paper and torchvision add none.
PRESET_COLUMN = {
    "fvcore": ("fvcore_flops", "fvcore flops", fvcore_flops),
    "ptflops": ("ptflops_macs", "ptflops MACs", ptflops_macs),
    "keras": ("keras_params", "Keras params", keras_params),
}


def _si(v: int, digits: int, unit: float) -> str:
    return f"{v / unit:.{digits}f}"


def preset_summary(a: Analysis, preset: str) -> str:
    """What the tool itself prints for this network, in its own words and rounding."""
    rows = [r for r in a.rows if not r.aux]
    params = sum(r.counts.params for r in rows)
    macs = sum(r.counts.macs for r in rows)
    if preset == "paper":
        return (f"the papers count multiply-adds (ResNet's Table 1 calls them \"FLOPs\"), the "
                f"MACs column: {macs:,} = {macs / 1e9:.3g}×10⁹; params {params:,} = "
                f"{params / 1e6:.0f} M (in millions, as VGG's Table 2 prints them)")
    if preset == "torchvision":
        aux = ""
        if a.has_aux:
            aux = (f"; with the auxiliary heads Params {a.totals_with_aux.params / 1e6:.1f}M "
                   "(torchvision's documentation counts Inception-v3's aux head, not GoogLeNet's)")
        return (f"torchvision's model documentation would print: Params {params / 1e6:.1f}M, "
                f"GFLOPS {macs / 1e9:.2f} (its \"GFLOPS\" are the MACs of conv and linear "
                f"layers, biases and everything else left out){aux}")
    if preset == "fvcore":
        total = sum(fvcore_flops(r) for r in rows)
        return (f"fvcore's FlopCountAnalysis(model, x).total() (eval mode) would print: "
                f"{total:,} (it calls multiply-adds \"flops\": conv and linear without biases, batch "
                "norm 2 per value, adaptive average pooling 1 per input value)")
    if preset == "ptflops":
        total = sum(ptflops_macs(r) for r in rows)
        return (f"ptflops' get_model_complexity_info would print: Computational complexity: "
                f"{_mac_text(total)}, Number of parameters: {round(params / 1e6, 2)} M "
                "(ReLU and pooling counted twice, as ptflops 0.7.5 does)")
    total = sum(keras_params(r) for r in rows)
    fixed = sum(keras_non_trainable(r) for r in rows)
    return (f"Keras' model.summary() would print: Total params: {total:,}; Trainable params: "
            f"{total - fixed:,}; Non-trainable params: {fixed:,} (batch norm's moving mean "
            "and variance)")


def _mac_text(v: int) -> str:
    """ptflops' string: two decimals, in GMac / MMac / KMac."""
    for unit, name in ((1e9, "GMac"), (1e6, "MMac"), (1e3, "KMac")):
        if v >= unit:
            return f"{round(v / unit, 2)} {name}"
    return f"{v} Mac"
