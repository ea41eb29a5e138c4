"""``archcalc compare``: one row per network — input, depth, params, MACs, FLOPs, activation
memory, the largest layer and the published accuracy — in every format the tables have.

Depth is the number of weighted layers (conv, fc, …) on the longest path from the input to
the output, as papers count it: VGG-16 has 16, ResNet-50 50 (its projection shortcuts sit
beside the three convs of a block, not after them), GoogLeNet 22. Auxiliary heads are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import counting as N
from . import memory as M
from ..render import report
from ..render import units as U
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


def _input(e: Entry, ctx) -> str:
    x = e.a.input
    return f"{x.c}×{x.h}×{x.w}"


def _acc(which: str):
    def value(e: Entry, ctx) -> str:
        acc = e.a.accuracy
        text = acc.text(which) if acc else ""
        return f"{text} [{ctx[e.a.network]}]" if text else "—"
    return value


COLUMNS = [
    report.Column("network", "network", lambda e, c: e.a.network, "text"),
    report.Column("input", "input", _input, "text"),
    report.Column("depth", "depth", lambda e, c: e.depth, "size"),
    report.Column("params", "params", lambda e, c: e.params),
    report.Column("macs", "MACs", lambda e, c: e.macs),
    report.Column("flops", "FLOPs", lambda e, c: e.flops),
    report.Column("activations", "activations", lambda e, c: e.activations),
    report.Column("activation_bytes", "act. bytes", lambda e, c: e.activations * e.bytes_per,
                  "bytes"),
    report.Column("largest_layer", "largest layer",
                  lambda e, c: e.largest.name if e.largest else "—", "text"),
    report.Column("largest_params", "its params",
                  lambda e, c: e.largest.params if e.largest else 0),
    report.Column("top1", "top-1", _acc("top1"), "text"),
    report.Column("top5", "top-5", _acc("top5"), "text"),
]
FOOT = [
    "depth: weighted layers (conv, fc) on the longest path from input to output; auxiliary heads "
    "are left out.",
    "params: trainable weights + biases. MACs: multiply-accumulates of the weighted layers; "
    "FLOPs = 2 × MACs.",
    "activations: values a forward pass stores per image (the input and every layer output that "
    "is a new tensor, as lecture notes count them); act. bytes: those values in the chosen dtype "
    "(--dtype).",
    "top-1, top-5: as the source prints them (acc. = accuracy, err. = error, in percent), each "
    "with its source below; — where the spec carries none.",
]


def _sources(entries: list[Entry]) -> dict[str, int]:
    """A footnote number per network that carries a published figure, one per source."""
    numbers: dict[str, int] = {}
    out: dict[str, int] = {}
    for e in entries:
        if e.a.accuracy:
            out[e.a.network] = numbers.setdefault(e.a.accuracy.source, len(numbers) + 1)
    return out


def grid(entries: list[Entry], units: str = "exact", kilo: int = 1000) -> report.Grid:
    refs = _sources(entries)
    cells = [[report.cell(c, c.value(e, refs), units, kilo) for c in COLUMNS] for e in entries]
    foot = list(FOOT)
    foot.append(f"units: {U.legend(units, kilo)}.")
    sources = {e.a.accuracy.source: refs[e.a.network] for e in entries if e.a.network in refs}
    foot += [f"[{n}] {source}." for source, n in sources.items()]
    missing = [e.a.network for e in entries if e.a.network not in refs]
    if missing:
        foot.append("no published accuracy in the spec for: " + ", ".join(missing) + ".")
    return report.Grid(f"compare: {', '.join(e.a.network for e in entries)}", [], COLUMNS,
                       cells, [], foot)


def to_dict(entries: list[Entry]) -> dict:
    """Exact values, and the accuracy with its metric and source (``null`` where none)."""
    out = []
    for e in entries:
        acc = e.a.accuracy
        out.append({
            "network": e.a.network, "input": e.a.input.as_list(), "depth": e.depth,
            "params": e.params, "macs": e.macs, "flops": e.flops,
            "activations": e.activations, "activation_bytes": e.activations * e.bytes_per,
            "largest_layer": (None if e.largest is None else
                              {"name": e.largest.name, "params": e.largest.params}),
            "accuracy": None if acc is None else {
                "top1": acc.top1, "top5": acc.top5, "metric": acc.metric, "source": acc.source,
                "top1_accuracy": acc.as_accuracy("top1"), "top5_accuracy": acc.as_accuracy("top5")},
        })
    return {"networks": out, "conventions": FOOT}


def _raw(col, e: Entry):
    """A cell for csv/tsv: exact integers; the accuracy as printed, without a footnote."""
    if col.key in ("top1", "top5"):
        return e.a.accuracy.text(col.key) if e.a.accuracy else ""
    if col.key == "largest_layer" and e.largest is None:
        return ""
    return col.value(e, {})


def render(entries: list[Entry], fmt: str, units: str = "exact", kilo: int = 1000) -> str:
    if fmt == "json":
        import json

        return json.dumps(to_dict(entries), indent=2, ensure_ascii=False) + "\n"
    if fmt in ("csv", "tsv"):
        rows = [[_raw(c, e) for c in COLUMNS] + [e.a.accuracy.source if e.a.accuracy else ""]
                for e in entries]
        return report.write_csv([c.key for c in COLUMNS] + ["accuracy_source"], rows,
                                "\t" if fmt == "tsv" else ",")
    return report.render_grid(grid(entries, units, kilo), fmt)
