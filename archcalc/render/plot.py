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


def _tick_text(v: float, si: bool) -> str:
    """A tick at 1, 2 or 5 times a power of ten as plain text: ``0.5``, ``20``, ``2,000``, or
    with SI prefixes (``si``) ``500``, ``2 k``, ``50 M``, ``1 G`` — never ``2×10⁰``."""
    if si and v >= 1000:
        for i, prefix in ((4, "T"), (3, "G"), (2, "M"), (1, "k")):
            if v >= 1000 ** i:
                return f"{v / 1000 ** i:,.10g} {prefix}"
    return f"{v:,.10g}"


def _plain_log_axis(axis, si: bool = False) -> None:
    """A log axis labelled with plain numbers (``_tick_text``), never ``2×10⁰``: a tick at
    every power of ten, and at 2 and 5 times them where the axis spans three decades or fewer
    (at 1 to 9 times them where it spans about one); no labels on the minor ticks."""
    import math

    from matplotlib import ticker

    lo, hi = sorted(axis.get_view_interval())
    decades = math.log10(hi / lo) if lo > 0 else 99
    subs = (tuple(float(k) for k in range(1, 10)) if decades <= 1.2
            else (1.0, 2.0, 5.0) if decades <= 3 else (1.0,))
    axis.set_major_locator(ticker.LogLocator(base=10, subs=subs, numticks=99))
    axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: _tick_text(v, si)))
    axis.set_minor_formatter(ticker.NullFormatter())


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``22nd``."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _thin_labels(ax, names: list[str]) -> int:
    """Name every n-th bar where the names (written upwards, 7 pt) would overlap side by side
    (n = 1 when they fit); returns n. Measured on one probe label, the longest, so that a
    thousand-layer chart is not drawn twice."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    probe = ax.text(0, 0, max(names, key=len), rotation=90, fontsize=7)
    width = probe.get_window_extent(renderer).width
    probe.remove()
    x0, x1 = (ax.transData.transform((i, 0))[0] for i in (0, 1))
    step = max(1, -(-int(width * 1.15) // max(int(x1 - x0), 1)))
    ax.set_xticks(range(0, len(names), step), names[::step], rotation=90, fontsize=7)
    return step


def layers_figure(a: Analysis):
    """The figure of :func:`layers`, not yet saved (the tests measure its labels)."""
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
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_ylabel("count (log scale; k = 10³, M = 10⁶, G = 10⁹)")
    _plain_log_axis(ax.yaxis, si=True)
    t = a.totals
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="y", which="major", alpha=0.3)
    step = _thin_labels(ax, names)
    every = "" if step == 1 else f" (every {ordinal(step)} named)"
    ax.set_title(f"{a.network}: {t.params:,} params, {t.macs:,} MACs, per weighted layer{every}",
                 fontsize=10)
    return fig


def layers(a: Analysis, path: str, force: bool = False) -> int:
    """Bars per weighted layer on a log axis; returns the number of layers drawn."""
    plt = _pyplot()
    fig = layers_figure(a)
    try:
        _save(fig, path, force)
    finally:
        plt.close(fig)
    return len(layer_series(a)[0])


def _overlaps(a, b, pad: float = 1.0) -> bool:
    return not (a.x1 + pad <= b.x0 or b.x1 + pad <= a.x0 or a.y1 + pad <= b.y0
                or b.y1 + pad <= a.y0)


def _place_labels(ax, points: list[tuple[float, float, float, str]]) -> None:
    """Write each label (x, y, bubble radius in points, text) beside its bubble where it
    overlaps no label placed before it and stays inside the axes: tried in 16 directions, ring
    by ring farther out (a leader line joins a label set off its bubble's edge). The biggest
    bubbles are labelled first."""
    import math

    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    inside = ax.get_window_extent(renderer)
    px = fig.dpi / 72                                  # pixels per point
    placed: list[tuple[float, float, float, float]] = []
    bubbles = []                                       # a label keeps off other bubbles too
    for x, y, r, _ in points:
        cx, cy = ax.transData.transform((x, y))
        bubbles.append((x, y, (cx - r * px, cy - r * px, cx + r * px, cy + r * px)))
    angles = [k * math.pi / 8 for k in (4, 12, 0, 8, 2, 6, 14, 10, 1, 3, 5, 7, 9, 11, 13, 15)]
    for x, y, r, text in sorted(points, key=lambda p: -p[2]):
        probe = ax.annotate(text, (x, y), xytext=(0, 0), textcoords="offset points",
                            ha="center", va="center", fontsize=8)
        box = probe.get_window_extent(renderer)
        probe.remove()
        w, h = box.width, box.height
        cx, cy = ax.transData.transform((x, y))
        choice = None
        for ring in range(40):
            gap = r + 3 + 6 * ring
            for t in angles:
                dx, dy = math.cos(t), math.sin(t)
                ox, oy = cx + dx * gap * px, cy + dy * gap * px
                ha = "left" if dx > 0.3 else "right" if dx < -0.3 else "center"
                va = "bottom" if dy > 0.3 else "top" if dy < -0.3 else "center"
                x0 = ox if ha == "left" else ox - w if ha == "right" else ox - w / 2
                y0 = oy if va == "bottom" else oy - h if va == "top" else oy - h / 2
                b = (x0, y0, x0 + w, y0 + h)
                if (b[0] >= inside.x0 and b[2] <= inside.x1 and b[1] >= inside.y0
                        and b[3] <= inside.y1
                        and not any(b[0] < q[2] + 2 and q[0] < b[2] + 2 and b[1] < q[3] + 2
                                    and q[1] < b[3] + 2 for q in placed)
                        and not any(b[0] < q[2] and q[0] < b[2] and b[1] < q[3] and q[1] < b[3]
                                    for bx, by, q in bubbles if (bx, by) != (x, y))):
                    choice = (dx * gap, dy * gap, ha, va, ring, b)
                    break
            if choice:
                break
        if choice is None:          # nowhere free within 40 rings: above the bubble
            choice = (0, r + 3, "center", "bottom", 0, (cx - w / 2, cy + (r + 3) * px,
                                                        cx + w / 2, cy + (r + 3) * px + h))
        ox, oy, ha, va, ring, b = choice
        ax.annotate(text, (x, y), xytext=(ox, oy), textcoords="offset points", ha=ha, va=va,
                    fontsize=8, arrowprops=dict(arrowstyle="-", lw=0.5, color="0.4",
                                                shrinkA=0, shrinkB=r) if ring else None)
        placed.append(b)


def accuracy_figure(entries: list[Entry]):
    """The figure of :func:`accuracy` and the networks drawn and left out. One panel per
    dataset and protocol (figures measured otherwise are not put on one axis): each network a
    bubble at its MACs and published top-1 accuracy, area ∝ parameters."""
    drawn = [e for e in entries if e.a.accuracy and e.a.accuracy.as_accuracy("top1") is not None]
    skipped = [e.a.network for e in entries if e not in drawn]
    if not drawn:
        raise ArchcalcError("none of these networks carries a published top-1 figure: "
                            + ", ".join(skipped))
    plt = _pyplot()
    groups: dict[str, list[Entry]] = {}
    for e in drawn:
        groups.setdefault(e.a.accuracy.convention, []).append(e)
    n = len(groups)
    cols = min(n, 2)
    rows = -(-n // cols)
    scale = 1.0 if max(len(m) for m in groups.values()) <= 12 else 1.4   # room for labels
    fig, axes = plt.subplots(rows, cols, figsize=(8 * scale * cols, 6 * scale * rows),
                             squeeze=False)
    biggest = max(e.params for e in drawn)
    labels = []
    for ax, (convention, members) in zip(axes.flat, groups.items()):
        points = []
        converted = False
        for e in members:
            acc = e.a.accuracy.as_accuracy("top1")
            converted |= e.a.accuracy.metric == "error"
            size = max(2000 * e.params / biggest, 12)        # LeNet-5 still seen
            ax.scatter(e.macs / 1e9, acc, s=size, alpha=0.45, edgecolors="black",
                       linewidths=0.5)
            points.append((e.macs / 1e9, acc, (size / 3.14159) ** 0.5,
                           f"{e.a.network}\n{e.params / 1e6:.1f} M"))
        ax.set_xscale("log")
        ax.set_xlabel("MACs, in billions (log scale)")
        ax.set_ylabel("top-1 accuracy (%)" + (", 100 − the printed error" if converted else ""))
        ax.set_title(convention, fontsize=10)
        ax.grid(alpha=0.3)
        ax.margins(0.2)
        if ax.get_ylim()[1] > 100:  # no accuracy above 100 %, even as a margin
            ax.set_ylim(top=100)
        labels.append((ax, points))
    for ax in list(axes.flat)[n:]:
        ax.remove()
    for ax, _ in labels:
        _plain_log_axis(ax.xaxis)
    fig.suptitle("published top-1 accuracy against MACs; bubble area ∝ parameters; one panel "
                 "per dataset and evaluation protocol", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.97))   # first: the labels go where the axes end up
    for ax, points in labels:
        _place_labels(ax, points)
    return fig, [e.a.network for e in drawn], skipped


def accuracy(entries: list[Entry], path: str, force: bool = False
             ) -> tuple[list[str], list[str]]:
    """Top-1 accuracy against MACs, bubble area ∝ params; returns (drawn, skipped)."""
    fig, drawn, skipped = accuracy_figure(entries)
    plt = _pyplot()
    try:
        _save(fig, path, force)
    finally:
        plt.close(fig)
    return drawn, skipped
