"""Rows that stand for several layers: a stage or block of the network (ResNet's ``conv2_x``,
DenseNet's ``Dense Block (1)``, GoogLeNet's ``Inception (3a)``) or every layer of a kind (``all
BN layers``). Such a row is marked against the sum of its layers' values (a stage's output
size is its last layer's), and a value that is one of its layers' or blocks' alone is said.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...core.names import plain
from ...core.records import Analysis
from ..answers import Column
from . import truth as T
from .convention import TableConvention
from .labels import label_kind, layer_class

if TYPE_CHECKING:
    from .rows import Row


def find(label: str, a: Analysis):
    """(the layers, "stage") when ``label`` names a stage or block of the network — the layers
    whose path starts with it (``conv2_x`` → conv2_1/…, conv2_2/…; ``Dense Block (1)`` →
    denseblock1/…; ``Inception (3a)`` → 3a/…) — or (the layers, "all") for every layer of a
    kind (``all BN layers``, ``ReLU layers``); ``None`` otherwise."""
    t = label.strip()
    m = re.fullmatch(r"(?:all|every|the)?\s*(?:the\s+)?(.+?)\s*(?:layers|layer\s+s|\(all\))",
                     t, re.I)
    if m:
        k = label_kind(m.group(1))
        rows = [r for r in a.rows if not r.aux and layer_class(r) == k
                and (k != "norm" or r.kind == "bn" or "bn" not in plain(m.group(1)))]
        if k and len(rows) >= 2:
            return tuple(rows), "all"
        return None
    def norm(x: str) -> str:
        return re.sub(r"[\s()\[\]]", "", x.casefold())

    keys = {norm(re.sub(r"[\s_-]*x$", "", t, flags=re.I)), norm(t)}
    keys |= {norm(x) for x in re.findall(r"\(([^()]+)\)", t)}
    keys.discard("")
    for key in sorted(keys, key=len, reverse=True):
        exact = [r for r in a.rows if "/" in r.name and (
            norm(r.name.split("/")[0]) == key
            or "/" in key and norm(r.name).startswith(key + "/"))]   # a rollup's nested block
        # conv2_x → conv2_1, conv2_2 …, unless the label names a block itself (layer_1 is not
        # layer_10)
        rows = exact if len(exact) >= 2 else [r for r in a.rows if "/" in r.name and re.fullmatch(
            re.escape(key) + r"[_.-]?\d+", norm(r.name.split("/")[0]))]
        if not all(r.aux for r in rows):     # an auxiliary head's rows only when named alone
            rows = [r for r in rows if not r.aux]
        if len(rows) >= 2:
            return tuple(rows), "stage"
    return None


# The fields a row for a whole stage (or every layer of a kind) sums over its layers.
SUMMED = ("params", "macs", "activations", "activation_bytes", "param_bytes",
          "training_flops") + tuple(
    T.PRESET_FIELDS)


def value(r: Row, col: Column, conv: TableConvention, steps: T.Steps):
    """(the value, its working) of a cell of a row that stands for several layers: the sum of
    theirs, or a stage's output size (its last layer's); ``None`` where it has none."""
    if col.field not in SUMMED:
        if r.how != "stage":
            return None, ""
        return T.layer_value(steps, r.layer, col.field, conv, col.header), (
            f"the output of the stage's last layer, {r.layer.name}")
    vals = [(x.name, T.layer_value(steps, x, col.field, conv, col.header) or 0)
            for x in r.group]
    total = sum(v for _, v in vals)
    shown = [f"{v:,} ({n})" for n, v in vals if v][:6]
    more = sum(1 for _, v in vals if v) - len(shown)
    return total, (f"the sum over the {len(vals)} layers it stands for: "
                   + (" + ".join(shown) + (f" + {more} more" if more > 0 else "")
                      if shown else "all 0") + f" = {total:,}")


def mistake(r: Row, col: Column, vals, conv: TableConvention, steps: T.Steps):
    """A row for a whole stage whose value is one of its layers', or one of its blocks' (the
    layers under one path prefix): (the diagnosis, its ids)."""
    if col.field not in SUMMED:
        return "", []
    per = {x.name: T.layer_value(steps, x, col.field, conv, col.header) or 0 for x in r.group}
    blocks: dict[str, int] = {}
    for x in r.group:
        if x.name.count("/") >= 1:
            b = x.name.rsplit("/", 1)[0]
            blocks[b] = blocks.get(b, 0) + per[x.name]
    for name, v in list(per.items()) + list(blocks.items()):
        if v and v != sum(per.values()) and any(w.matches(v) for w in vals):
            return (f"the value of {name} alone; this row stands for all {len(per)} layers "
                    f"of {r.name} (their sum is {sum(per.values()):,})", ["stage-part"])
    return "", []
