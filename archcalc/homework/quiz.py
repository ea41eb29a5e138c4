"""``archcalc quiz``: an exercise table with cells left blank, and its answer key.

The rows are ``exercise.exercise_rows`` (the layers a lecture table lists), the columns the layer,
what is given about it, and W, H, C, params, MACs; the values are the engine's, the key's
working is ``explain``'s. Which cells are blank is chosen by a seeded ``random.Random``, so the
same seed gives the same quiz. ``table`` sets it as a ``render.table`` table, so it is written in
every format (a blank shows as ``?`` in text and empty elsewhere, ``null`` in JSON); a quiz's
CSV, filled in, is read by ``archcalc check`` as it is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from . import explain
from .exercise import exercise_rows
from ..core.kinds import RULES
from ..core.records import Analysis, LayerRow
from ..render import table as T

COLUMNS = ("W", "H", "C", "params", "macs")
HEADERS = {"W": "W", "H": "H", "C": "C", "params": "params", "macs": "MACs"}


@dataclass(frozen=True)
class Quiz:
    network: str
    title: str
    conventions: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]           # every cell filled ("" for the H and W of a
                                                # flat output)
    blank: frozenset[tuple[int, int]]           # (row, column) index pairs left blank
    working: tuple[tuple[str, str, str], ...]   # (row name, column header, working) of blanks


def given(r: LayerRow, previous: str = "", source=lambda name: name) -> str:
    """What the exercise tells about the layer: ``conv 96, 11×11 s4 p0``, ``fc 4,096``, and
    where its input comes from when that is not the row above (``previous``)."""
    rule = RULES[r.kind]
    main = rule.main_value(r.attrs)
    head = r.kind
    if rule.main_counts_outputs and isinstance(main, int):
        head += f" {main:,}"
    elif rule.category == "join":
        head += f" of {len(r.inputs)} branches"
    text = head if not r.geometry else (f"{head}, {r.geometry}" if head != r.kind
                                        else f"{head} {r.geometry}")
    ins = [source(i) for i in r.inputs]
    if len(ins) == 1 and ins[0] not in (previous, "input"):
        text += f" (on {ins[0]})"
    elif len(ins) > 1:
        text += " (" + ", ".join(ins) + ")"
    return text


def _cell(r: LayerRow, col: str, steps: dict[str, explain.Step]) -> str:
    if col in ("H", "W") and r.output.flat:
        return ""
    return str(steps[col].value)


def build(a: Analysis, blank=COLUMNS, seed: int | None = None, fraction: float | None = None,
          bias: bool = True, example: int = 0) -> Quiz:
    """The quiz for ``a``: cells of the ``blank`` columns left blank — all of them, or with
    ``fraction`` (default ½ when a ``seed`` is given) a seeded random share of them; the
    first ``example`` rows stay filled in, as a worked example."""
    rows = exercise_rows(a)
    if not rows:
        from ..core.errors import ArchcalcError

        raise ArchcalcError(f"{a.network}: nothing to ask: a quiz lists the layers with "
                            "parameters, operations or a new shape, and this network has none")
    cols = [c for c in COLUMNS if c in blank]
    headers = ("layer", "given") + tuple(HEADERS[c] for c in COLUMNS)
    listed = {r.name for r in rows}
    by_name = {r.name: r for r in a.rows}

    def source(name: str) -> str:
        """The listed row an input comes from, through the layers the table leaves out."""
        while name in by_name and name not in listed and len(by_name[name].inputs) == 1:
            name = by_name[name].inputs[0]
        return name

    prev = [""] + [r.name for r in rows[:-1]]
    steps = [{s.field: s for s in explain.working(r, bias)} for r in rows]   # once per row
    table = [(r.name, given(r, p, source)) + tuple(_cell(r, c, st) for c in COLUMNS)
             for r, p, st in zip(rows, prev, steps)]
    candidates = [(i, 2 + COLUMNS.index(c)) for i, r in enumerate(rows) for c in cols
                  if i >= example and table[i][2 + COLUMNS.index(c)] != ""]
    if fraction is None:
        fraction = 1.0 if seed is None else 0.5
    k = round(fraction * len(candidates))
    chosen = frozenset(random.Random(seed or 0).sample(candidates, k)) if k < len(candidates) \
        else frozenset(candidates)
    working = []
    for i, j in sorted(chosen):
        working.append((rows[i].name, headers[j], steps[i][COLUMNS[j - 2]].text()))
    title = f"{a.title}; " + ("input" if len(a.inputs) == 1 else "inputs ") + ", ".join(
        (f"{n} " if len(a.inputs) > 1 else " ") + f"{x.c}×{x.h}×{x.w}" for n, x in a.inputs) \
        + " (C×H×W)"
    conv = ("params = weights + biases" if bias else "params = weights only (no biases)") + \
        "; MACs = multiply-accumulates (FLOPs = 2 × MACs); output sizes floored unless stated"
    return Quiz(a.network, title, conv, headers, tuple(table), chosen, tuple(working))


# --- the quiz as a table, in every format of render.table ---------------------------------

COLUMN_KINDS = {"W": "size", "H": "size", "C": "size", "params": "count", "macs": "count"}


def _exact(text: str):
    """A number cell as the exact integer it writes (``"34944"`` → 34944), other text as it
    is."""
    return int(text) if text.lstrip("-").isdigit() else text


def table(q: Quiz, answers: bool = False) -> T.Table:
    """The quiz ``q``: its title (bold where the format has bold) and conventions above, the
    working under the key."""
    cols = [T.Column(q.headers[0], q.headers[0]), T.Column(q.headers[1], q.headers[1])]
    cols += [T.Column(h, h, COLUMN_KINDS[c]) for c, h in zip(COLUMNS, q.headers[2:])]
    rows = [[None if not answers and (i, j) in q.blank else _exact(v) if j >= 2 else v
             for j, v in enumerate(row)] for i, row in enumerate(q.rows)]
    foot = []
    if answers and q.working:
        foot = [T.Strong("working:")] + [T.Item(f"{n}, {c}: {w}") for n, c, w in q.working]
    return T.Table(cols, rows, title=T.Strong(q.title), head=[q.conventions], foot=foot,
                   blank="?", document=lambda: to_dict(q, answers))


def to_dict(q: Quiz, answers: bool = False) -> dict:
    """The JSON: every row's cells by column (``null``: left blank, or H and W of a flat
    output), which cells are blank, and with ``answers`` every cell and the working."""
    keys = ("layer", "given") + COLUMNS
    rows = []
    for i, row in enumerate(q.rows):
        rows.append({k: None if v == "" or (not answers and (i, j) in q.blank)
                     else _exact(v) if j >= 2 else v for j, (k, v) in enumerate(zip(keys, row))})
    out = {
        "network": q.network,
        "title": q.title,
        "conventions": q.conventions,
        "answers": answers,
        "columns": [{"key": k, "header": h} for k, h in zip(keys, q.headers)],
        "rows": rows,
        "blanks": [{"row": q.rows[i][0], "column": keys[j]} for i, j in sorted(q.blank)],
    }
    if answers:
        out["working"] = [{"row": n, "column": c, "working": w} for n, c, w in q.working]
    return out


def render(q: Quiz, fmt: str = "text", answers: bool = False, width: int | None = None) -> str:
    """The exercise (or with ``answers`` the key) in any of ``render.table.FORMATS`` (text
    fitted to ``width``)."""
    return T.render(table(q, answers), fmt, width)
