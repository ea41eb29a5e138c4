"""``archcalc compare`` as a table: one row per network (``analysis.compare``'s entries), in
every format of ``render.table``."""

from __future__ import annotations

from ..analysis.compare import Entry
from . import table as T
from . import units as U
from .report import Column


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
    Column("network", "network", lambda e, c: e.a.network, "text"),
    Column("input", "input", _input, "text"),
    Column("depth", "depth", lambda e, c: e.depth, "size"),
    Column("params", "params", lambda e, c: e.params),
    Column("macs", "MACs", lambda e, c: e.macs),
    Column("flops", "FLOPs", lambda e, c: e.flops),
    Column("activations", "activations", lambda e, c: e.activations, short="acts"),
    Column("activation_bytes", "act. bytes", lambda e, c: e.activations * e.bytes_per, "bytes",
           "act. B"),
    Column("largest_layer", "largest layer",
           lambda e, c: e.largest.name if e.largest else "—", "text"),
    Column("largest_params", "its params", lambda e, c: e.largest.params if e.largest else 0),
    Column("top1", "top-1", _acc("top1"), "text"),
    Column("top5", "top-5", _acc("top5"), "text"),
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


def table(entries: list[Entry], units: str = "exact", kilo: int = 1000) -> T.Table:
    """The comparison: the accuracy with a footnote number per source in the human-readable
    formats; CSV and TSV carry the accuracy as printed and its source in a column of its own."""
    refs = _sources(entries)
    foot = ["", *FOOT, f"units: {U.legend(units, kilo)}."]
    sources = {e.a.accuracy.source: refs[e.a.network] for e in entries if e.a.network in refs}
    foot += [f"[{n}] {source}." for source, n in sources.items()]
    missing = [e.a.network for e in entries if e.a.network not in refs]
    if missing:
        foot.append("no published accuracy in the spec for: " + ", ".join(missing) + ".")
    return T.Table(COLUMNS, [[c.value(e, refs) for c in COLUMNS] for e in entries],
                   title=f"compare: {', '.join(e.a.network for e in entries)}", foot=foot,
                   units=units, kilo=kilo, machine=lambda: machine_table(entries),
                   document=lambda: to_dict(entries))


def _raw(col, e: Entry):
    """A cell for csv/tsv: exact integers; the accuracy as printed, without a footnote."""
    if col.key in ("top1", "top5"):
        return e.a.accuracy.text(col.key) if e.a.accuracy else ""
    if col.key == "largest_layer" and e.largest is None:
        return ""
    return col.value(e, {})


def machine_table(entries: list[Entry]) -> T.Table:
    cols = COLUMNS + [T.Column("accuracy_source", "source")]
    return T.Table(cols, [[_raw(c, e) for c in COLUMNS]
                          + [e.a.accuracy.source if e.a.accuracy else ""] for e in entries])


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


def render(entries: list[Entry], fmt: str = "text", units: str = "exact",
           kilo: int = 1000, width: int | None = None) -> str:
    return T.render(table(entries, units, kilo), fmt, width)
