"""Marking a table pasted from a paper — GoogLeNet's, ResNet's or DenseNet's Table 1, with its
own columns (type, patch size/stride, output size, depth, #1×1 …, params, ops) and stage rows
— against the paper view that ``archcalc table NETWORK --layout paper`` prints: the same rows,
the same columns, each cell compared as that view compares the paper's printed cell (✓ right,
≈ within the paper's rounding, ✗ wrong, with the view's explanation).
"""

from __future__ import annotations

import re
from fractions import Fraction

from ...analysis import paper as P
from ...core.errors import ArchcalcError
from ...core.names import plain
from ...core.records import Analysis
from ..answers import Table
from .convention import TableConvention
from .result import MarkedCell, Marking

MIN_COLUMNS = 3         # headings shared with the paper's table for a paste to be read as one


def recognise(a: Analysis, table: Table):
    """(the paper table, pasted column index → its column) when ``table`` is a paste of the
    paper table of ``a``'s network, else ``None``."""
    try:
        t = P.table_for(a.network)
    except ArchcalcError:
        return None
    by_heading = {plain(c.heading): c for c in t.columns}
    cols = {i: by_heading[plain(h)] for i, h in enumerate(table.header)
            if plain(h) in by_heading}
    numeric = [c for c in cols.values() if c.value in P.NUMERIC or c.value in ("channels",
                                                                                "config")]
    if len(cols) < MIN_COLUMNS or not numeric:
        return None
    return t, cols


def mark(a: Analysis, table: Table, t, cols) -> Marking:
    view = P.compute(a, t)
    label_col = next((c for c in t.columns if c.value in ("type", "label")), None)
    if label_col is None:       # columns of configurations only (VGG's Table 1): by position
        return _mark_by_position(a, table, t, cols, view)
    label_at = next((i for i, c in cols.items() if c is label_col), 0)
    at = t.columns.index(label_col)
    names = [plain(cells[at].text) for cells in view.cells]
    # The view as `table --layout paper` prints it (each computed cell with its mark, the
    # printed values beside, the total row): archcalc's own paper table reads back as printed.
    from ...render import paper as RP

    body, totals, _ = RP._body(view, marks=True)
    shown_head, shown = [c.header for c in RP._columns(view)], body + totals
    shown_at = {plain(h): n for n, h in enumerate(shown_head)}
    beside = {i for i, h in enumerate(table.header) if i not in cols and plain(h) in shown_at}
    out: list[MarkedCell] = []
    unmatched: list[tuple[int, str, str]] = []
    rows: list[tuple[int, str, str, str]] = []
    j = 0
    for i, cells in enumerate(table.rows):
        label = cells[label_at] if label_at < len(cells) else ""
        key = plain(re.sub(r"\s*[✗✓≈]\s*(?:\[\d+\])?\s*$", "", label))   # the view's mark
        k = next((k for k in range(j, len(names)) if names[k] == key), None)
        if k is None and plain(label) == "total" and len(shown) > len(names):
            rows.append((table.lines[i], label, "", "total"))
            out += _as_printed(table, i, label, {**{ci: None for ci in cols}, **dict.fromkeys(
                beside)}, shown[-1], shown_at, label_at)
            continue
        if k is None:
            unmatched.append((table.lines[i], label, " (not a row of the paper's table, or "
                                                     "out of its order)"))
            continue
        j = k + 1
        rspec, group = t.rows[k], view.groups[k]
        rows.append((table.lines[i], label, group.main.name, "paper row"))
        for ci, c in cols.items():
            if c is label_col:
                continue
            text = cells[ci].strip() if ci < len(cells) else ""
            computed = view.cells[k][t.columns.index(c)]
            cell = MarkedCell(label, table.header[ci], c.key, text, computed.text, "right",
                              line=table.lines[i], layer=group.main.name)
            printed = shown[k][shown_at[plain(table.header[ci])]] if plain(
                table.header[ci]) in shown_at else None
            if text and printed is not None and _same(text, printed):
                out.append(cell)                    # as the view prints it
                continue
            if not text:
                if computed.text and computed.value not in (0, None) or (
                        computed.text and computed.value is None):
                    cell.verdict = "missing"
                    out.append(cell)
                continue
            try:
                got = P.compare(t, view.by_column[k][t.columns.index(c)], c, rspec,
                                f"rows[{k}]", text)
            except ArchcalcError as e:
                cell.verdict, cell.diagnosis = "unread", f"not read: {str(e).splitlines()[0]}"
                out.append(cell)
                continue
            if got.mark == P.NEAR:                  # within the paper's rounding
                v, tol = Fraction(got.value or 0), Fraction(str(t.tolerance))
                cell.precision = (v * (1 - tol), v * (1 + tol))
            elif got.mark == P.DISAGREE:
                cell.verdict = "wrong"
                cell.diagnosis, cell.diagnoses = diagnosis(text, computed, c,
                                                           table.header[ci])
            out.append(cell)
        out += _as_printed(table, i, label, dict.fromkeys(beside), shown[k], shown_at, label_at,
                           group.main.name)
    how = (("layout", f"{t.title}, as `archcalc table {a.network} --layout paper` computes it: "
                       f"{'; '.join(t.notes[:2])}"),)
    return Marking(a.network, table, TableConvention(how=how), out, unmatched,
                   [h for i, h in enumerate(table.header) if i not in cols and i not in beside],
                   rows=rows)


def _mark_by_position(a: Analysis, table: Table, t, cols, view) -> Marking:
    """A paper table without a label column (VGG's Table 1: one column per configuration, the
    rows unnamed): each pasted row is the view's next row whose cells it mostly agrees with
    (so a row left out, such as the 'weight layers' line, is skipped), else the next row in
    order; every configuration column is marked, as ``_cell`` compares a printed cell. A row
    the paper prints across all columns (maxpool) may be pasted as its first cell alone."""
    out: list[MarkedCell] = []
    unmatched: list[tuple[int, str, str]] = []
    rows: list[tuple[int, str, str, str]] = []
    at = {ci: t.columns.index(c) for ci, c in cols.items()}

    def given(cells, ci) -> str:
        return cells[ci].strip() if ci < len(cells) else ""

    def read(cells, ci, k) -> str:       # a configuration cell's layers as the view writes them
        text = given(cells, ci)
        return _layers(text) if cols[ci].value == "config" and t.rows[k].as_ is None else text

    def agrees(cells, k) -> bool:
        filled = [ci for ci in cols if given(cells, ci)]
        same = sum(P._norm(read(cells, ci, k)) == P._norm(view.cells[k][at[ci]].text)
                   for ci in filled)
        return bool(filled) and 2 * same > len(filled)

    j = 0
    for i, cells in enumerate(table.rows):
        if not any(given(cells, ci) for ci in cols):
            continue
        k = next((k for k in range(j, len(view.cells)) if agrees(cells, k)), None)
        how = "paper row"
        if k is None:
            k, how = (j, "paper row, by position") if j < len(view.cells) else (None, "")
        label = f"row {i + 1}"
        if k is None:
            unmatched.append((table.lines[i], label, " (more rows than the paper's table)"))
            continue
        j = k + 1
        rspec, group = t.rows[k], view.groups[k]
        rows.append((table.lines[i], label, group.main.name, how))
        # a row the paper prints across every column (maxpool, FC-4096), pasted as one cell
        spanning = (len({P._norm(view.cells[k][at[ci]].text) for ci in cols}) == 1
                    and sum(bool(given(cells, ci)) for ci in cols) == 1)
        for ci, c in cols.items():
            text = given(cells, ci)
            computed = view.cells[k][at[ci]]
            cell = MarkedCell(label, table.header[ci], c.key, text, computed.text, "right",
                              line=table.lines[i], layer=group.main.name)
            if not text:
                if computed.text and not spanning:
                    cell.verdict = "missing"
                    out.append(cell)
                continue
            text = read(cells, ci, k)
            got = P.compare(t, view.by_column[k][at[ci]], c, rspec, f"rows[{k}]", text)
            if got.mark == P.DISAGREE:
                cell.verdict = "wrong"
                cell.diagnosis, cell.diagnoses = diagnosis(text, computed, c, table.header[ci])
            out.append(cell)
    how = (("layout", f"{t.title}, as `archcalc table {a.network} --layout paper` computes it: "
                       f"{'; '.join(t.notes[:2])}"),)
    return Marking(a.network, table, TableConvention(how=how), out, unmatched,
                   [h for i, h in enumerate(table.header) if i not in cols], rows=rows)


def _layers(text: str) -> str:
    """A configuration cell's layers, however its stacked lines were pasted (commas, spaces,
    Markdown's <br>), written as the view writes them: ``conv3-64, conv3-64``."""
    return ", ".join(x for x in re.split(r"<br\s*/?>|[,\s]+", text) if x)


# What a wrong cell of a pasted paper table is diagnosed as, by name (``MarkedCell.diagnoses``,
# the JSON's ``diagnoses``), as ``diagnoses.CATALOGUE`` names a layer table's:
PAPER_DIAGNOSES = {
    "as-printed": "the value the paper itself prints, where it disagrees with the arithmetic "
                  "(the paper view's explanation, where one is known)",
    "shape": "an output size that differs in a named axis",
    "flops": "twice the multiply-adds: FLOPs where the column counts multiply-adds",
    "k-base": "the count divided by 1000 where the column's K is 1024 (or the reverse)",
    "layer-count": "a configuration cell with more or fewer layers than the configuration",
    "layer": "a configuration cell with a layer that differs",
    "differs": "none of the above: what the column computes there",
    "printed-differs": "a printed-value cell (``paper params``) other than the paper's",
}


def diagnosis(text: str, computed, c, heading: str) -> tuple[str, list[str]]:
    """Why the pasted ``text`` differs from the view's ``computed`` cell of column ``c``
    (headed ``heading``): the text, and the names of every diagnosis that fits
    (``PAPER_DIAGNOSES``), most specific first."""
    want = computed.text
    found: list[tuple[str, str]] = []
    if computed.printed and _same(text, computed.printed) and computed.mark == P.DISAGREE:
        found.append(("as-printed", f"{text} is what the paper prints here; the arithmetic "
                      f"gives {want}: " + (computed.explain or "no explanation is known")))
    if c.value == "config":
        got = [x.strip() for x in text.split(",") if x.strip()]
        have = [x.strip() for x in want.split(",") if x.strip()]
        if len(got) != len(have):
            found.append(("layer-count", f"{len(got)} layer{'' if len(got) == 1 else 's'} "
                          f"written; configuration {heading} has {len(have)} here: {want}"))
        else:
            i = next((i for i, (x, y) in enumerate(zip(got, have))
                      if P._norm(x) != P._norm(y)), None)
            if i is not None:
                found.append(("layer", f"layer {i + 1} of this row is {have[i]} in "
                              f"configuration {heading}, not {got[i]}"))
    elif c.value in ("output", "input"):
        found += _shape(text, want, c)
    elif c.value in P.NUMERIC and computed.value is not None:
        found += _numeric(text, computed.value, c, want)
    if not found:
        found.append(("differs", f"{heading} computes {want} here"))
    return "; ".join(t for _, t in found[:2]), [d for d, _ in found]


def _shape(text: str, want: str, c) -> list[tuple[str, str]]:
    """The axes in which an output size differs, named as the column writes them (H×W×C)."""
    axes = re.findall(r"\{(\w)\}", c.format or "{h}×{w}×{c}")
    got, have = (re.findall(r"\d+", x) for x in (text, want))
    if len(got) != len(have) or len(have) != len(axes):
        return []
    said = [f"{a.upper()} is {y}, not {x}" for a, x, y in zip(axes, got, have) if x != y]
    return [("shape", "; ".join(said))] if said else []


def _numeric(text: str, value: int, c, want: str) -> list[tuple[str, str]]:
    """A count that is the computed one doubled (FLOPs for multiply-adds), or divided by the
    other K."""
    try:
        x, one = P._printed_number(text, c)
    except ValueError:
        return []

    def near(v) -> bool:
        return abs(x - v) < one

    out = []
    if c.value == "macs" and near(2 * value / c.unit):
        out.append(("flops", f"{text} is 2 × {want}: FLOPs, where this column counts "
                             "multiply-adds"))
    if c.unit in (1000, 1024) and near(value / (2024 - c.unit)):
        out.append(("k-base", f"{text} is {value:,} divided by {2024 - c.unit}; this column's "
                              f"K is {c.unit} ({want})"))
    return out


def _same(a: str, b: str) -> bool:
    return P._norm(a.strip("* ")) == P._norm(b.strip("* "))


def _as_printed(table: Table, i: int, label: str, columns, printed_row, shown_at,
                label_at: int, layer: str = "") -> list[MarkedCell]:
    """The cells of a row compared with the view's printed row as text: the printed values
    beside the computed ones (``paper params``), and the total row."""
    out = []
    cells = table.rows[i]
    for ci in columns:
        if ci == label_at or plain(table.header[ci]) not in shown_at:
            continue
        text = cells[ci].strip() if ci < len(cells) else ""
        want = printed_row[shown_at[plain(table.header[ci])]]
        if not text and not want:
            continue
        cell = MarkedCell(label, table.header[ci], "printed", text, want, "right",
                          line=table.lines[i], layer=layer)
        if not text:
            cell.verdict = "missing"
        elif not _same(text, want):
            cell.verdict = "wrong"
            cell.diagnosis = f"{table.header[ci]} is {want or 'blank'} here, as printed"
            cell.diagnoses = ["printed-differs"]
        out.append(cell)
    return out
