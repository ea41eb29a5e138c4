"""``archcalc compare``: one entry per network — input, depth, params, MACs, FLOPs, activation
memory, the largest layer and the published accuracy (``render.compare`` sets them as a table).

Depth is the number of weighted layers (conv, fc, …) on the longest path from the input to
the output, as papers count it: VGG-16 has 16, ResNet-50 50 (its projection shortcuts sit
beside the three convs of a block, not after them), GoogLeNet 22. Auxiliary heads are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import counting as N
from . import memory as M
from ..core.records import Analysis, LayerRow

SORT_KEYS = ("network", "depth", "params", "macs", "flops", "activations", "top1", "top5")


depth = N.depth     # weighted layers on the longest input-to-output path, aux heads left out


def largest(a: Analysis) -> LayerRow | None:
    """The layer with the most parameters (the first, on a tie); ``None`` for a network with no
    layer outside its auxiliary heads (``layers = []``, every layer behind a false condition),
    which compares as zero."""
    return max((r for r in a.rows if not r.aux), key=lambda r: r.params, default=None)


@dataclass(frozen=True)
class Entry:
    a: Analysis
    depth: int
    activations: int
    largest: LayerRow | None
    bytes_per: int = 4
    flops: int = 0

    @property
    def params(self) -> int:
        return N.params(self.a.totals)

    @property
    def macs(self) -> int:
        return self.a.totals.macs


def entry(a: Analysis, dtype: str = "fp32") -> Entry:
    m = M.memory(a, N.params(a.totals), dtype)
    return Entry(a, depth(a), m.activation_values, largest(a), m.bytes_per,
                 sum(N.flops(r) for r in N.inference(a)))


def sort_value(e: Entry, key: str):
    """The value ``--sort key`` orders by; networks without the figure go last."""
    if key == "network":
        return (0, e.a.network)
    if key in ("top1", "top5"):
        v = e.a.accuracy.as_accuracy(key) if e.a.accuracy else None
        return (1, 0) if v is None else (0, v)
    return (0, {"depth": e.depth, "params": e.params, "macs": e.macs, "flops": e.flops,
                "activations": e.activations}[key])


def ordered(entries: list[Entry], sort: str | None, reverse: bool = False) -> list[Entry]:
    """``entries`` by ``sort`` (a ``SORT_KEYS`` name; smallest first, ``reverse`` largest
    first, networks without an accuracy figure last either way), or as given (reversed)."""
    out = list(entries)
    if sort:
        out.sort(key=lambda e: sort_value(e, sort), reverse=reverse)
        if reverse and sort in ("top1", "top5"):     # still: networks without a figure last
            out.sort(key=lambda e: sort_value(e, sort)[0])
    elif reverse:
        out.reverse()
    return out


def conventions(entries: list[Entry]) -> list[str]:
    """The datasets and protocols of the entries' published figures (``Accuracy.convention``),
    in order of first appearance: one pair of accuracy columns each."""
    return list(dict.fromkeys(e.a.accuracy.convention for e in entries if e.a.accuracy))
