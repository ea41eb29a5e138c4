"""``archcalc quiz``: an exercise table with cells left blank, and its answer key.

The rows are ``exercise.exercise_rows`` (the layers a lecture table lists), the columns the layer,
what is given about it, and W, H, C, params, MACs; the values are the engine's, the key's
working is ``explain``'s. Which cells are blank is chosen by a seeded ``random.Random``, so the
same seed gives the same quiz. Rendering is a thin layer over ``tabulate`` and ``csv``; a quiz's
CSV, filled in, is read by ``archcalc check`` as it is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from . import explain
from .exercise import exercise_rows
from ..core.kinds import RULES
from ..core.records import Analysis, LayerRow

COLUMNS = ("W", "H", "C", "params", "macs")
HEADERS = {"W": "W", "H": "H", "C": "C", "params": "params", "macs": "MACs"}
FORMATS = ("text", "markdown", "csv", "latex")


@dataclass(frozen=True)
class Quiz:
    network: str
    title: str
    conventions: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]           # every cell filled
    blank: frozenset[tuple[int, int]]           # (row, column) index pairs left blank
    working: tuple[tuple[str, str, str], ...]   # (row name, column header, working) of blanks


def given(r: LayerRow, previous: str = "", source=lambda name: name) -> str:
    """What the exercise tells about the layer: ``conv 96, 11×11 s4 p0``, ``fc 4,096``, and
    where its input comes from when that is not the row above (``previous``)."""
    rule = RULES[r.kind]
    main = r.attrs.get(r.kind)
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
    x = a.input
    title = f"{a.title}; input {x.c}×{x.h}×{x.w} (C×H×W)"
    conv = ("params = weights + biases" if bias else "params = weights only (no biases)") + \
        "; MACs = multiply-accumulates (FLOPs = 2 × MACs); output sizes floored unless stated"
    return Quiz(a.network, title, conv, headers, tuple(table), chosen, tuple(working))


def _latex_safe(text: str) -> str:
    return text.replace("×", "x").replace("·", "*").replace("−", "-").replace("→", "->") \
        .replace("⌈", "ceil(").replace("⌉", ")").replace("γ", "gamma").replace("β", "beta")


def render(q: Quiz, fmt: str = "text", answers: bool = False) -> str:
    """The exercise (or with ``answers`` the key, with the working of every blank cell)."""
    blank = "?" if fmt == "text" else ""
    body = [[cell if answers or (i, j) not in q.blank else blank for j, cell in enumerate(row)]
            for i, row in enumerate(q.rows)]
    if fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(q.headers)
        w.writerows(body)
        return buf.getvalue()
    from tabulate import tabulate

    if fmt == "latex":
        rows = [[_latex_safe(c) for c in row] for row in body]
        out = [f"% {_latex_safe(q.title)}", f"% {_latex_safe(q.conventions)}",
               tabulate(rows, q.headers, tablefmt="latex_booktabs", disable_numparse=True)]
        if answers and q.working:
            out.append("\\begin{itemize}")
            out += [f"  \\item {_tex(n)}, {_tex(c)}: {_tex(_latex_safe(w))}"
                    for n, c, w in q.working]
            out.append("\\end{itemize}")
        return "\n".join(out) + "\n"
    numeric = [[_n(c) if j >= 4 and c not in ("", "?") else c for j, c in enumerate(row)]
               for row in body]
    table = tabulate(numeric, q.headers, tablefmt="github" if fmt == "markdown" else "simple",
                     disable_numparse=True,
                     colalign=["left", "left"] + ["right"] * (len(q.headers) - 2))
    head = [("**" + q.title + "**") if fmt == "markdown" else q.title, q.conventions]
    out = ["\n\n".join(["\n".join(head), table])]
    if answers and q.working:
        out.append("working:" if fmt == "text" else "**working:**")
        bullet = "  " if fmt == "text" else "- "
        out += [f"{bullet}{n}, {c}: {w}" for n, c, w in q.working]
    return "\n".join(out) + "\n"


def _n(text: str) -> str:
    return f"{int(text):,}" if text.lstrip("-").isdigit() else text


def _tex(text: str) -> str:
    """Text made safe for LaTeX's text mode."""
    text = text.replace("\\", "\0")
    for a, b in (("&", r"\&"), ("%", r"\%"), ("$", r"\$"), ("#", r"\#"), ("_", r"\_"),
                 ("{", r"\{"), ("}", r"\}"), ("~", r"\~{}"), ("^", r"\^{}")):
        text = text.replace(a, b)
    return text.replace("\0", r"\textbackslash{}")
