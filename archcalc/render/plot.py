"""``archcalc plot``: pictures, drawn with matplotlib (the optional ``plot`` extra), imported
only here.

* ``layers``: per weighted layer, its parameters, MACs and stored activation values as bars on a
  log axis, with the layer names — VGG's parameters sit in its fc layers, its compute in its
  convs, and that is seen at a glance;
* ``accuracy``: the classic chart, published top-1 accuracy against MACs, each network a bubble
  whose area is proportional to its parameters.
"""

from __future__ import annotations

from ..analysis import counting as N
from ..analysis.compare import Entry
from ..core.errors import ArchcalcError
from ..core.records import Analysis

FORMATS = ("svg", "png", "pdf")


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise ArchcalcError("plotting needs matplotlib: pip install 'archcalc[plot]'") from None
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"       # text stays text: names can be found
    matplotlib.rcParams["svg.hashsalt"] = "archcalc"   # the same SVG on every run
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: str, force: bool) -> None:
    """Write the picture whole or not at all (core.files: never half a file, never over one
    without ``force``)."""
    from ..core import files

    ext = path.rsplit(".", 1)[-1].lower()
    meta = {"Date": None} if ext == "svg" else ({"CreationDate": None} if ext == "pdf" else {})
    with files.replacing(path, force, binary=True) as f:
        fig.savefig(f, format=ext, bbox_inches="tight", metadata=meta)


def fmt_of(path: str) -> str:
    ext = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if ext not in FORMATS:
        raise ArchcalcError(f"--out {path}: the file name must end in "
                            + ", ".join("." + f for f in FORMATS))
    return ext


def layer_series(a: Analysis) -> tuple[list[str], list[tuple[str, list[int]]]]:
    """What ``layers`` draws: the weighted layers' names (aux heads left out) and, per series,
    one exact value per layer."""
    rows = [r for r in N.inference(a) if N.weighted(r)]
    if not rows:
        raise ArchcalcError(f"{a.network} has no weighted layers to draw")
    return [r.name for r in rows], [("params", [r.params for r in rows]),
                                    ("MACs", [r.counts.macs for r in rows]),
                                    ("activations (output values)",
                                     [N.activations(r) for r in rows])]


COLORS = ("#4c72b0", "#dd8452", "#55a868")


def layers(a: Analysis, path: str, force: bool = False) -> int:
    """Bars per weighted layer on a log axis; returns the number of layers drawn."""
    plt = _pyplot()                 # first: says how to install matplotlib if it is missing
    import numpy as np              # comes with matplotlib

    names, series = layer_series(a)
    x = np.arange(len(names))
    width = 0.27
    fig, ax = plt.subplots(figsize=(min(max(6.0, 0.32 * len(names) + 2), 60), 5))
    for i, ((label, values), color) in enumerate(zip(series, COLORS)):
        # a zero has no place on a log axis: it is drawn as no bar
        ax.bar(x + (i - 1) * width, [v if v > 0 else np.nan for v in values], width,
               label=label, color=color)
    ax.set_yscale("log")
    ax.set_xticks(x, names, rotation=90, fontsize=7)
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_ylabel("count (log scale)")
    t = a.totals
    ax.set_title(f"{a.network}: {t.params:,} params, {t.macs:,} MACs, per weighted layer",
                 fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="y", which="major", alpha=0.3)
    try:
        _save(fig, path, force)
    finally:
        plt.close(fig)
    return len(names)


def accuracy(entries: list[Entry], path: str, force: bool = False
             ) -> tuple[list[str], list[str]]:
    """Top-1 accuracy against MACs, bubble area ∝ params; returns (drawn, skipped)."""
    drawn = [e for e in entries if e.a.accuracy and e.a.accuracy.as_accuracy("top1") is not None]
    skipped = [e.a.network for e in entries if e not in drawn]
    if not drawn:
        raise ArchcalcError("none of these networks carries a published top-1 figure: "
                            + ", ".join(skipped))
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 6))
    biggest = max(e.params for e in drawn)
    for e in drawn:
        acc = e.a.accuracy.as_accuracy("top1")
        ax.scatter(e.macs / 1e9, acc, s=2000 * e.params / biggest, alpha=0.45,
                   edgecolors="black", linewidths=0.5)
        ax.annotate(f"{e.a.network}\n{e.params / 1e6:.1f} M", (e.macs / 1e9, acc),
                    fontsize=8, ha="center", va="center")
    ax.set_xscale("log")
    ax.set_xlabel("MACs (×10⁹, log scale)")
    ax.set_ylabel("top-1 accuracy (%), as published (100 − error where error is printed)")
    ax.set_title("published top-1 accuracy against MACs; bubble area ∝ parameters",
                 fontsize=10)
    ax.grid(alpha=0.3)
    ax.margins(0.15)
    try:
        _save(fig, path, force)
    finally:
        plt.close(fig)
    return [e.a.network for e in drawn], skipped
