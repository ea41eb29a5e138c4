"""What a row's label says: a total, an input, a layer's name with its decorations stripped
(``CONV1 (f=5, s=1)``, ``conv2d_1 (Conv2D)``), a kind word (``CONV3-64``, ``POOL2``, ``FC``,
``Softmax``, LeNet's ``C1``/``S2``/``F6``) or a bare number (``Layer 3``), in the languages of
the seeds and the common courses."""

from __future__ import annotations

import re

from ...core.kinds import RULES
from ...core.names import plain
from ...core.records import LayerRow

TOTAL_NAMES = ("total", "totals", "sum", "overall", "all", "network", "whole network",
               "합계", "총계", "总计", "合计", "合計", "gesamt", "summe", "итого", "всего")
INPUT_NAMES = ("input", "image", "data", "inputimage", "inputlayer", "img", "입력", "输入",
               "入力", "eingabe", "entrée", "entrada", "вход")

# (class, pattern on the lower-cased label): the first that matches gives the row's kind.
_KIND_WORDS = [
    ("softmax", r"soft-?max|classifier|logits|^output(?:layer)?\b|^out\b|^prediction"),
    ("fc", r"^(?:fc|f\d|dense|linear|fully|full|ip\d|affine|inner|mlp|완전연결|전결합|全连接|"
           r"全結合|vollverb)"),
    ("conv", r"^(?:conv|c\d|cnn|dwconv|sepconv|separable|depthwise|pointwise|합성곱|컨볼루션|卷积|"
             r"畳み込み|faltung)"),
    ("pool", r"^(?:pool|max|avg|average|mp\d|s\d|sub-?sampl|gap|global|adaptive|풀링|池化|"
             r"プーリング)"),
    ("norm", r"^(?:norm|lrn|bn|batch|local|layernorm|response)"),
    ("act", r"^(?:relu|tanh|sigmoid|activation|act\b|leaky|prelu|elu|gelu|swish|hswish)"),
    ("flatten", r"^(?:flatten|reshape|vector|view)"),
    ("dropout", r"^(?:dropout|drop)"),
    ("join", r"^(?:concat|add|sum\b|merge|residual|shortcut)"),
]
_ORDINAL = re.compile(r"^(?:(?:layer|l|#|no\.?|stage|step|레이어|층|第)?\s*\d+\s*(?:st|nd|rd|th|"
                      r"층|层|層|번째)?(?:\s*layer)?|(?:first|second|third|fourth|fifth|sixth|"
                      r"seventh|eighth|ninth|tenth)\s*layer)$", re.I)


def strip_decorations(label: str) -> str:
    """The label without what decorates it: parenthesised or bracketed hyperparameters
    (``CONV1 (f=5, s=1)``), a Keras type (``conv2d_1 (Conv2D)``), a colon and what follows."""
    t = re.sub(r"[(\[{].*?[)\]}]", " ", label)
    t = t.split(":")[0]
    return t.strip(" -–—*`·")        # (· : a rollup's depth, `table --depth`)


def label_kind(label: str) -> str:
    """The kind a label names ("conv", "pool", "fc", "softmax", …), "ordinal" for a bare
    number, or "" when it says none."""
    inner = re.findall(r"\((\w[\w ]*)\)", label)          # Keras: "conv2d_1 (Conv2D)"
    bare = strip_decorations(label)
    last = re.split(r"[/.]", bare)[-1]                     # "conv2_1/bn1", "layer1.0.conv1"
    for text in inner[::-1] + ([last] if last != bare else []) + [bare]:
        t = plain(text)
        if not t:
            continue
        for k, pattern in _KIND_WORDS:
            if re.search(pattern, t):
                return k
    return "ordinal" if _ORDINAL.match(strip_decorations(label).strip()) else ""


def layer_class(r: LayerRow) -> str:
    if r.kind == "softmax":
        return "softmax"
    cat = RULES[r.kind].category
    return {"convolution": "conv", "fully connected": "fc", "radial basis": "fc",
            "pooling": "pool", "subsampling": "pool", "normalization": "norm",
            "activation": "act", "regularization": "dropout", "reshape": "flatten",
            "join": "join"}.get(cat, cat)
