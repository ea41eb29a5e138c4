"""The paper view as a table (``analysis.paper`` computes the cells): the computed value of each
column, the paper's printed value beside it where the data file asks, a mark for their
agreement, a total row, and a footnote per disagreement; in every format of ``render.table``."""

from __future__ import annotations

from ..analysis.paper import (AGREE, DISAGREE, NEAR, NUMERIC, Cell, Column, PaperView,
                              _coverage, _named_notes, _norm, _printed_number, _units, compute)
from ..core.records import Analysis
from . import table as T

RIGHT = NUMERIC + ("depth", "channels")      # computed columns set right-aligned


def _footnote_text(v: PaperView, i: int, c: Column, cell: Cell, also=()) -> str:
    label = next((x.printed or x.text for x in v.cells[i] if x.printed or x.text), f"row {i + 1}")
    heading = ", ".join((c.heading,) + tuple(also))
    head = f"{label}, {heading}: the paper prints {cell.printed or 'nothing'}"
    if cell.value is not None and c.value in NUMERIC:
        head += f", the arithmetic gives {cell.value:,} = {cell.text}"
        if cell.gap is not None:
            head += f" ({cell.gap:.1%} apart)"
    elif cell.text:
        head += f", the arithmetic gives {cell.text}"
    return head + ". " + (cell.explain or "No explanation is known.")


def _columns(v: PaperView) -> list[T.Column]:
    """A column per computed column, and one for the printed value beside it where the file
    asks; the key is the heading (the CSV's header)."""
    out = []
    for c in v.table.columns:
        out.append(T.Column(c.heading, c.heading, "count" if c.value in RIGHT else "text"))
        if c.beside:
            out.append(T.Column(f"paper {c.heading}", f"paper {c.heading}"))
    return out


def _body(v: PaperView, marks: bool) -> tuple[list[list[str]], list[list[str]], list[str]]:
    """The rows as shown (each cell with its mark and footnote reference), the total row, and
    the footnotes."""
    notes: list[str] = []
    body = []
    for i, row in enumerate(v.cells):
        out = []
        same: dict[tuple, tuple[int, Column, Cell, list]] = {}   # one footnote per cause a row
        for c, cell in zip(v.table.columns, row):
            ref = ""
            if cell.mark == DISAGREE or (cell.mark == NEAR and cell.explain):
                cause = (cell.printed, cell.text, cell.explain, cell.mark)
                if cause in same:
                    same[cause][3].append(c.heading)
                else:
                    notes.append("")
                    same[cause] = (len(notes), c, cell, [])
                ref = f" [{same[cause][0]}]"
            if c.beside:
                out.append(cell.text)
                shown = (f"{cell.printed} {cell.mark}" if cell.printed and marks
                         else cell.printed or (cell.mark if cell.mark else ""))
                out.append(shown + ref)
            elif (cell.mark in (AGREE, NEAR) and not cell.named
                  and _norm(cell.text) != _norm(cell.printed)):
                # A number shown more precisely than the paper printed it, and the check.
                out.append(f"{cell.text} ({cell.printed} {cell.mark}){ref}")
            else:
                out.append(cell.text + (f" {cell.mark}{ref}" if cell.mark == DISAGREE else ""))
        for n, c, cell, also in same.values():
            notes[n - 1] = _footnote_text(v, i, c, cell, also)
        body.append(out)
    if not any(c.value in NUMERIC for c in v.table.columns):
        return body, [], notes
    total = []
    for c in v.table.columns:
        if c.value in NUMERIC:
            n = sum(cell.value or 0 for cell in (r[v.table.columns.index(c)] for r in v.cells))
            total.append(_units(n, c))
        else:
            total.append("total" if not total else "")
        if c.beside:
            printed = []
            for r in v.cells:
                cell = r[v.table.columns.index(c)]
                if cell.printed:
                    printed.append(_printed_number(cell.printed, c)[0])
            total.append(f"{sum(printed):,.{c.decimals}f}{c.suffix}" if printed else "")
    return body, [total], notes


def table(a: Analysis) -> T.Table:
    """The paper view of ``a`` (the table listing its network) as a ``render.table.Table``."""
    v = compute(a)
    t = v.table
    body, totals, notes = _body(v, marks=True)
    x = a.input
    head = [f"{t.title} — computed from the spec of {a.network}, beside the printed values",
            f"printed values: {t.source}",
            f"network: {a.network} — {a.description} ({a.source}); input {x.c}×{x.h}×{x.w}"]
    foot = ["", *(f"note: {n}" for n in t.notes), *(f"note: {n}" for n in _named_notes(v))]
    if totals:
        foot.append(f"marks: {AGREE} agrees to the printed precision; {NEAR} within "
                    f"{t.tolerance:.0%} (the paper's rounding); {DISAGREE} disagrees. The total "
                    "row sums the computed cells, and beside them the printed cells.")
    else:
        checked = any(cell.mark in (AGREE, NEAR) and _norm(cell.text) != _norm(cell.printed)
                      for row in v.cells for cell in row)
        foot.append(f"marks: {DISAGREE} the printed cell disagrees with the computed one; "
                    "unmarked cells agree" + (
                        f"; a number computed more precisely than printed is followed by the "
                        f"printed value and {AGREE} (agrees to its precision)"
                        + (f", {NEAR} (within {t.tolerance:.0%})" if t.tolerance else "")
                        + f" or {DISAGREE}" if checked else "") + ".")
    foot.append(f"coverage: {_coverage(v)}.")
    if notes:
        foot.append("disagreements:")
        foot += [f"  [{i}] {n}" for i, n in enumerate(notes, 1)]
    cols = _columns(v)
    return T.Table(cols, body, totals, title=head[0], head=head[1:], foot=foot,
                   document=lambda: to_dict(v))


def render(a: Analysis, fmt: str = "text", width: int | None = None) -> str:
    """The paper view of ``a`` in any of ``render.table.FORMATS`` (text fitted to ``width``)."""
    return T.render(table(a), fmt, width)


def _cell_dict(cell: Cell) -> dict:
    d = {"computed": cell.text, "value": cell.value, "printed": cell.printed, "mark": cell.mark,
         "gap": cell.gap, "explain": cell.explain}
    if cell.named:
        d["named"] = list(cell.named)   # words of the table's `named` the printed cell adds
    return d


def to_dict(v: PaperView) -> dict:
    t = v.table
    return {
        "title": t.title,
        "source": t.source,
        "network": v.analysis.network,
        "input": v.analysis.input.as_list(),
        "notes": list(t.notes) + _named_notes(v),
        "tolerance": t.tolerance,
        "columns": [{"key": c.key, "heading": c.heading, "value": c.value} for c in t.columns],
        "rows": [
            {
                "layers": [r.name for r in g.rows],
                "cells": {c.key: _cell_dict(cell) for c, cell in zip(t.columns, row)},
            }
            for g, row in zip(v.groups, v.cells)
        ],
        "coverage": _coverage(v),
    }
