"""``archcalc compare`` as a table: one row per network (``analysis.compare``'s entries), in
every format of ``render.table``."""

from __future__ import annotations

from ..analysis.compare import Entry, conventions
from . import table as T
from . import units as U
from .report import Column


def _input(e: Entry, ctx) -> str:
    """C×H×W; for a network of several inputs, each one's name and shape."""
    if len(e.a.inputs) > 1:
        return ", ".join(f"{name} {x.c}×{x.h}×{x.w}" for name, x in e.a.inputs)
    x = e.a.input
    return f"{x.c}×{x.h}×{x.w}"


def _letter(i: int) -> str:
    return chr(ord("A") + i) if i < 26 else f"A{i}"


def _slug(convention: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "_", convention.lower()).strip("_")


def accuracy_columns(entries: list[Entry], human: bool = True) -> list[Column]:
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
            out.append(Column(f"{which}_{_slug(conv)}", f"{head} ({_letter(i)})", value, "text",
                              short=f"{which} ({_letter(i)})"))
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


def table(entries: list[Entry], units: str = "exact", kilo: int = 1000) -> T.Table:
    """The comparison: the accuracy with a footnote number per source in the human-readable
    formats; CSV and TSV carry the accuracy, how the source printed it and the source in columns
    of their own."""
    refs = _sources(entries)
    cols = COLUMNS + accuracy_columns(entries)
    foot = ["", *FOOT, *filter(None, [accuracy_foot(entries)]), f"units: {U.legend(units, kilo)}."]
    sources = {e.a.accuracy.source: refs[e.a.network] for e in entries if e.a.network in refs}
    foot += [f"[{n}] {source}." for source, n in sources.items()]
    missing = [e.a.network for e in entries if e.a.network not in refs]
    if missing:
        foot.append("no published accuracy in the spec for: " + ", ".join(missing) + ".")
    return T.Table(cols, [[c.value(e, refs) for c in cols] for e in entries],
                   title=f"compare: {', '.join(e.a.network for e in entries)}", foot=foot,
                   units=units, kilo=kilo, machine=lambda: machine_table(entries),
                   document=lambda: to_dict(entries))


def _raw(col, e: Entry):
    """A cell for csv/tsv: exact integers; no largest layer is an empty cell."""
    if col.key == "largest_layer" and e.largest is None:
        return ""
    return col.value(e, {})


def machine_table(entries: list[Entry]) -> T.Table:
    cols = COLUMNS + accuracy_columns(entries, human=False)
    return T.Table(cols + [T.Column("accuracy_printed_as", "printed as"),
                           T.Column("accuracy_source", "source")],
                   [[_raw(c, e) for c in cols]
                    + ([e.a.accuracy.metric, e.a.accuracy.source] if e.a.accuracy else ["", ""])
                    for e in entries])


def to_dict(entries: list[Entry]) -> dict:
    """Exact values, and the accuracy with its metric, source, dataset and protocol (``null``
    where none)."""
    out = []
    for e in entries:
        acc = e.a.accuracy
        out.append({
            "network": e.a.network, "input": e.a.input.as_list(),
            **({"inputs": [{"name": n, "shape": x.as_list()} for n, x in e.a.inputs]}
               if len(e.a.inputs) > 1 else {}),
            "depth": e.depth,
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


def render(entries: list[Entry], fmt: str = "text", units: str = "exact",
           kilo: int = 1000, width: int | None = None) -> str:
    return T.render(table(entries, units, kilo), fmt, width)
