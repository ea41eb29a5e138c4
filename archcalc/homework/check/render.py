"""A ``Marking`` as a table of the common renderer (``render.table``), in every format: the
grid of marks, with the wrong cells' working and diagnoses, the rounded, unread and unaligned
cells, what was not matched or not marked, and the score around it; CSV and TSV give one line per
marked cell (row, column, given, expected, verdict, diagnosis), JSON the contract of
``to_dict``."""

from __future__ import annotations

from ...render import table as T
from ..answers import FIELDS
from .result import MarkedCell, Marking
from .rows import HOW

MARKS = {"right": "✓", "wrong": "✗", "missing": "·", "unread": "?"}
ROUNDED = "≈"   # right to the figures written
CELL_KEYS = ("row", "column", "given", "expected", "verdict", "diagnosis")


def _expected(c: MarkedCell) -> str:
    return f"{c.expected:,}" if isinstance(c.expected, int) else str(c.expected)


def _n(k: int) -> str:
    return f"{k} cell{'' if k == 1 else 's'}"


def _above(c: MarkedCell) -> str:
    return f" (repeated from line {c.as_above})" if c.as_above else ""


def table(res: Marking) -> T.Table:
    t = res.table
    kind = {"markdown": "Markdown table", "listing": "layer listing",
            "aligned": "space-aligned table", "ruled": "text table", "html": "HTML table",
            "latex": "LaTeX table", "json": "JSON table"}.get(t.fmt, f"{t.fmt.upper()} table")
    title = (f"{t.source}: a {kind} (line {t.first_line}, {len(t.rows)} rows) marked against "
             f"{res.network}")
    head = []
    if t.others:
        head.append(f"  (the file has {len(t.others) + 1} tables; this is table {t.index}; "
                    "--table N picks another)")
    head.append(f"convention: {res.convention.text()}")
    cols: list[str] = []
    for c in res.cells:
        if c.column not in cols:
            cols.append(c.column)
    order = {h: i for i, h in enumerate(t.header)}
    cols.sort(key=lambda h: order.get(h, len(order)))         # as the table has them
    grid: dict[tuple[int, str], str] = {}
    rows: dict[int, str] = {}
    for c in res.cells:
        rows.setdefault(c.line, c.row)
        grid[(c.line, c.column)] = (ROUNDED if c.rounded else MARKS[c.verdict]) + (
            f" {_expected(c)}" if c.verdict == "wrong" else "")
    body = [[rows[ln]] + [grid.get((ln, col), "") for col in cols] for ln in rows]
    foot: list[str] = []
    wrong = [c for c in res.cells if c.verdict == "wrong"]
    if wrong:
        foot += ["", "wrong:"]
        for c in wrong:
            foot.append(f"  {c.row} {c.column}: {c.given!r}{_above(c)} — expected {_expected(c)}")
            if c.working:
                foot.append(f"      working: {c.working}")
            if c.diagnosis:
                foot.append(f"      diagnosis: {c.diagnosis}")
    missing = [c for c in res.cells if c.verdict == "missing"]
    if missing:
        foot += ["", f"missing ({len(missing)} blank cells, not marked wrong): "
                 + ", ".join(f"{c.row} {c.column}" for c in missing[:12])
                 + (f" and {len(missing) - 12} more" if len(missing) > 12 else "")]
    rounded = [c for c in res.cells if c.rounded]
    if rounded:
        foot += ["", f"rounded ({_n(len(rounded))} right to the figures written, marked "
                     f"{ROUNDED}): "
                 + ", ".join(f"{c.row} {c.column} {c.given!r} for {_expected(c)}"
                             for c in rounded[:12])
                 + (f" and {len(rounded) - 12} more" if len(rounded) > 12 else "")]
    unread = [c for c in res.cells if c.verdict == "unread"]
    if unread:
        foot += ["", f"not read ({_n(len(unread))}, not marked wrong):"]
        foot += [f"  {c.row} {c.column}: {c.given!r}{_above(c)} — {c.diagnosis}"
                 for c in unread]
    shown = [(line, name, layer, how) for line, name, layer, how in res.rows
             if how in HOW and how != "name"]
    for how in dict.fromkeys(h for *_, h in shown):
        these = [f"{name} → {layer}" for _, name, layer, h in shown if h == how]
        foot.append(f"aligned {HOW[how]}: " + ", ".join(these[:12])
                    + (f" and {len(these) - 12} more" if len(these) > 12 else ""))
    if res.gaps:
        foot.append(f"no row for: {', '.join(res.gaps)} (weighted layers of {res.network} "
                    "between the rows aligned)")
    for line, name, hint in res.unmatched:
        foot.append(f"not matched: row '{name}' (line {line}) is not a layer of {res.network}"
                    f"{hint}; its cells are not marked (--by-order matches rows by position)")
    for h in res.unmarked:
        foot.append(f"not marked: column '{h}' (--column '{h}=FIELD' maps it to one of "
                    f"{', '.join(FIELDS)})")
    for n in res.notes:
        foot.append(f"note: {n}")
    s = res.score()
    if not s["marked"]:
        foot += ["", "nothing answered: no cell of the table could be marked right or wrong"]
    foot += ["", f"score: {s['right']}/{s['marked']} marked cells right"
                 + (f", {s['rounded']} of them rounded" if s["rounded"] else "")
                 + f" ({s['wrong']} wrong, {s['missing']} missing"
                 + (f", {s['unread']} not read" if s["unread"] else "") + ")"]
    cells = T.Table([T.Column(k, k) for k in CELL_KEYS],
                    [[c.row, c.column, c.given, c.expected, c.verdict, c.diagnosis or None]
                     for c in res.cells])
    return T.Table([T.Column("row", "")] + [T.Column(c, c) for c in cols], body, title=title,
                   head=head, foot=foot, machine=cells, document=lambda: to_dict(res))


def render(res: Marking, fmt: str = "text", width: int | None = None) -> str:
    """The marking in any of ``render.table.FORMATS`` (text fitted to ``width``)."""
    return T.render(table(res), fmt, width)


def render_text(res: Marking) -> str:
    return render(res, "text")


def to_dict(res: Marking) -> dict:
    """The JSON contract: ``cells`` ({row, column, given, expected, verdict, diagnosis}, …),
    ``convention`` and ``score``."""
    return {
        "network": res.network,
        "answers": res.table.source,
        "cells": [c.as_dict() for c in res.cells],
        "convention": res.convention.as_dict(),
        "score": res.score(),
        "unmatched_rows": [{"row": n, "line": ln} for ln, n, _ in res.unmatched],
        "rows": [{"row": n, "line": ln, "layer": layer or None, "how": how}
                 for ln, n, layer, how in res.rows],
        "layers_without_row": list(res.gaps),
        "unmarked_columns": list(res.unmarked),
        "notes": list(res.notes),
    }
