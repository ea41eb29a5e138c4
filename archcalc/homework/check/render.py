"""A ``Marking`` as text (the grid of marks, then each wrong cell with its working and
diagnosis, what was not matched or not marked, and the score) or as the JSON contract."""

from __future__ import annotations

from ..answers import FIELDS
from .result import MarkedCell, Marking

MARKS = {"right": "✓", "wrong": "✗", "missing": "·"}


def _expected(c: MarkedCell) -> str:
    return f"{c.expected:,}" if isinstance(c.expected, int) else str(c.expected)


def render_text(res: Marking) -> str:
    from tabulate import tabulate

    t = res.table
    out = [f"{t.source}: a {t.fmt.upper() if t.fmt != 'markdown' else 'Markdown'} table "
           f"(line {t.first_line}, {len(t.rows)} rows) marked against {res.network}"]
    if t.others:
        out.append(f"  (the file has {len(t.others) + 1} tables; this is table {t.index}; "
                   "--table N picks another)")
    out.append(f"convention: {res.convention.text()}")
    headers = [""]
    cols: list[str] = []
    for c in res.cells:
        if c.column not in cols:
            cols.append(c.column)
    headers += cols
    grid: dict[tuple[int, str], str] = {}
    rows: dict[int, str] = {}
    for c in res.cells:
        rows.setdefault(c.line, c.row)
        grid[(c.line, c.column)] = MARKS[c.verdict] + (
            f" {_expected(c)}" if c.verdict == "wrong" else "")
    body = [[rows[ln]] + [grid.get((ln, col), "") for col in cols] for ln in rows]
    out += ["", tabulate(body, headers, tablefmt="simple", disable_numparse=True)]
    wrong = [c for c in res.cells if c.verdict == "wrong"]
    if wrong:
        out += ["", "wrong:"]
        for c in wrong:
            out.append(f"  {c.row} {c.column}: {c.given!r} — expected {_expected(c)}")
            if c.working:
                out.append(f"      working: {c.working}")
            if c.diagnosis:
                out.append(f"      diagnosis: {c.diagnosis}")
    missing = [c for c in res.cells if c.verdict == "missing"]
    if missing:
        out += ["", f"missing ({len(missing)} blank cells, not marked wrong): "
                + ", ".join(f"{c.row} {c.column}" for c in missing[:12])
                + (f" and {len(missing) - 12} more" if len(missing) > 12 else "")]
    for line, name, hint in res.unmatched:
        out.append(f"not matched: row '{name}' (line {line}) is not a layer of {res.network}"
                   f"{hint}; its cells are not marked (--by-order matches rows by position)")
    for h in res.unmarked:
        out.append(f"not marked: column '{h}' (--column '{h}=FIELD' maps it to one of "
                   f"{', '.join(FIELDS)})")
    for n in res.notes:
        out.append(f"note: {n}")
    s = res.score()
    out += ["", f"score: {s['right']}/{s['marked']} marked cells right"
                f" ({s['wrong']} wrong, {s['missing']} missing)"]
    return "\n".join(out) + "\n"


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
        "unmarked_columns": list(res.unmarked),
        "notes": list(res.notes),
    }
