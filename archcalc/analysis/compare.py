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


def conventions(entries: list[Entry]) -> list[str]:
    """The datasets and protocols of the entries' published figures (``Accuracy.convention``),
    in order of first appearance: one pair of accuracy columns each."""
    return list(dict.fromkeys(e.a.accuracy.convention for e in entries if e.a.accuracy))


def _letter(i: int) -> str:
    return chr(ord("A") + i) if i < 26 else f"A{i}"


def _slug(convention: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "_", convention.lower()).strip("_")


def accuracy_columns(entries: list[Entry], human: bool = True) -> list[report.Column]:
    """top-1 and top-5 per convention (a top-5 column only where a figure has one): each
    column holds figures measured one way only, as accuracy (100 − error where the source
    prints error: marked * in the human-readable formats)."""
    out = []
    for i, conv in enumerate(conventions(entries)):
        members = [e for e in entries if e.a.accuracy and e.a.accuracy.convention == conv]
        for which, head in (("top1", "top-1"), ("top5", "top-5")):
            if all(e.a.accuracy.as_accuracy(which) is None for e in members):
                continue
            value = _acc(which, conv) if human else _acc_raw(which, conv)
            out.append(report.Column(f"{which}_{_slug(conv)}", f"{head} ({_letter(i)})",
                                     value, "text"))
    return out


def _acc(which: str, conv: str):
    def value(e: Entry, ctx) -> str:
        acc = e.a.accuracy
        v = acc.as_accuracy(which) if acc and acc.convention == conv else None
        if v is None:
            return "—"
        return f"{v:g}{'*' if acc.metric == 'error' else ''} [{ctx[e.a.network]}]"
    return value


def _acc_raw(which: str, conv: str):
    def value(e: Entry, ctx):
        acc = e.a.accuracy
        v = acc.as_accuracy(which) if acc and acc.convention == conv else None
        return "" if v is None else f"{v:g}"
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
]
FOOT = [
    "depth: weighted layers (conv, fc) on the longest path from input to output; auxiliary heads "
    "are left out.",
    "params: trainable weights + biases. MACs: multiply-accumulates of the weighted layers; "
    "FLOPs = 2 × MACs.",
    "activations: values a forward pass stores per image (the input and every layer output that "
    "is a new tensor, as lecture notes count them); act. bytes: those values in the chosen dtype "
    "(--dtype).",
]


def accuracy_foot(entries: list[Entry]) -> str:
    convs = conventions(entries)
    if not convs:
        return ""
    return ("top-1, top-5: published accuracy in percent, one pair of columns per dataset and "
            "evaluation protocol, so that no column holds figures measured otherwise: "
            + "; ".join(f"({_letter(i)}) {c}" for i, c in enumerate(convs))
            + ". * = 100 − the error the source prints; [n]: the source, below; — where the "
            "network has no figure in that column.")


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
    cols = COLUMNS + accuracy_columns(entries)
    cells = [[report.cell(c, c.value(e, refs), units, kilo) for c in cols] for e in entries]
    foot = list(FOOT)
    if accuracy_foot(entries):
        foot.append(accuracy_foot(entries))
    foot.append(f"units: {U.legend(units, kilo)}.")
    sources = {e.a.accuracy.source: refs[e.a.network] for e in entries if e.a.network in refs}
    foot += [f"[{n}] {source}." for source, n in sources.items()]
    missing = [e.a.network for e in entries if e.a.network not in refs]
    if missing:
        foot.append("no published accuracy in the spec for: " + ", ".join(missing) + ".")
    return report.Grid(f"compare: {', '.join(e.a.network for e in entries)}", [], cols,
                       cells, [], foot)


def to_dict(entries: list[Entry]) -> dict:
    """Exact values, and the accuracy with its metric, source, dataset and protocol (``null``
    where none)."""
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
                "dataset": acc.dataset or None, "protocol": acc.protocol or None,
                "convention": acc.convention,
                "top1_accuracy": acc.as_accuracy("top1"), "top5_accuracy": acc.as_accuracy("top5")},
        })
    foot = FOOT + ([accuracy_foot(entries)] if accuracy_foot(entries) else [])
    return {"networks": out, "conventions": foot}


def _raw(col, e: Entry):
    """A cell for csv/tsv: exact integers; no largest layer is an empty cell."""
    if col.key == "largest_layer" and e.largest is None:
        return ""
    return col.value(e, {})


def render(entries: list[Entry], fmt: str, units: str = "exact", kilo: int = 1000) -> str:
    if fmt == "json":
        import json

        return json.dumps(to_dict(entries), indent=2, ensure_ascii=False) + "\n"
    if fmt in ("csv", "tsv"):
        cols = COLUMNS + accuracy_columns(entries, human=False)
        rows = [[_raw(c, e) for c in cols]
                + ([e.a.accuracy.metric, e.a.accuracy.source] if e.a.accuracy else ["", ""])
                for e in entries]
        return report.write_csv([c.key for c in cols] + ["accuracy_printed_as",
                                                         "accuracy_source"], rows,
                                "\t" if fmt == "tsv" else ",")
    return report.render_grid(grid(entries, units, kilo), fmt)
