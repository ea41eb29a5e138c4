"""Marking a table: every cell of a matched row compared with the engine's value under the
table's convention — "right", "wrong" or "missing", with the worked arithmetic — then, once
every cell is marked, each wrong one diagnosed from the catalogue.

``mark`` is the whole flow; ``mark_cells`` is its first pass (no diagnoses), which is also how
the table is marked against a sibling network.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction

from ...core.records import Analysis
from .. import explain
from ..answers import Column, Table
from ..expr import Value
from . import truth as T
from .convention import TableConvention, decide
from .diagnoses import SHOWN, Around, Ctx, diagnose
from .reading import Reading, rounded
from .result import CheckOptions, MarkedCell, Marking
from .rows import Row
from .sheet import Sheet, sheet
from .variants import Variants


@dataclass
class Pending:
    """A wrong cell waiting for its diagnosis: one ``Ctx`` for a value, one per wrong axis
    (``axes``: the axis, its size, the size written) for a shape."""

    cell: MarkedCell
    ctxs: tuple[Ctx, ...]
    axes: tuple[tuple[str, int, int], ...] = ()


@dataclass
class Marked:
    a: Analysis                       # the network marked against (its pools as the table's)
    sheet: Sheet
    readings: dict[tuple[int, int], Reading]
    cells: list[MarkedCell] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)


def mark(table: Table, opts: CheckOptions, variants: Variants) -> Marking:
    steps = T.Steps()
    sh = sheet(table, variants.a, opts.mapping, opts.by_order)
    conv = decide(sh, opts, variants, steps)
    m = mark_cells(sh, variants, conv, steps)
    values = sum(not p.axes for p in m.pending)
    siblings = _siblings(table, opts, variants, conv) if values >= 2 else ()
    around = Around(m.a, steps, {f: m.sheet.unit_of(f) for f in _fields(m.sheet)},
                    column_values(m.sheet, m.readings), left_out(m.sheet, m.a),
                    tuple(variants.other_inputs()) if any(
                        c.row is not None for p in m.pending for c in p.ctxs) else (),
                    siblings)
    for p in m.pending:
        if p.axes:
            why = []
            for (k, want, got), ctx in zip(p.axes, p.ctxs):
                found = diagnose(replace(ctx, around=around))
                why.append(f"{k} is {want}, not {got}" + (f" ({found[0][1]})" if found else ""))
            p.cell.diagnosis = "; ".join(why)
            continue
        found = diagnose(replace(p.ctxs[0], around=around))
        if found:
            p.cell.diagnosis = "; ".join(t for _, t in found[:SHOWN])
            p.cell.diagnoses = [d for d, _ in found]
    res = Marking(variants.a.network, table, conv, m.cells, list(sh.unmatched), sh.unmarked)
    res.notes += sibling_note(m.cells, siblings, variants.a.network)
    return res


def _fields(sh: Sheet) -> list[str]:
    return list(dict.fromkeys(c.field for c in sh.marked_cols))


def _siblings(table: Table, opts: CheckOptions, variants: Variants,
              conv: TableConvention) -> tuple[tuple[str, dict], ...]:
    """The table marked against each sibling network under the same convention:
    (name, (line, column) → its ``MarkedCell``)."""
    out = []
    for name, v in variants.siblings():
        m = mark_cells(sheet(table, v.a, opts.mapping, opts.by_order), v, conv, T.Steps())
        out.append((name, {(c.line, c.column): c for c in m.cells}))
    return tuple(out)


def sibling_note(cells: list[MarkedCell], siblings, network: str) -> list[str]:
    mine = sum(c.verdict == "right" for c in cells)
    best = max(((sum(c.verdict == "right" for c in sc.values()), name)
                for name, sc in siblings), default=None)
    if best and best[0] > mine:
        return [f"the table fits {best[1]} better than {network}: {best[0]} cells "
                f"right against {mine}; are its layers labelled as the wrong variant?"]
    return []


def column_values(sh: Sheet, readings) -> dict[str, tuple[tuple[str, int], ...]]:
    """field → (row as written, the whole value written) of every readable cell of a layer
    row in that field's columns, column by column, row by row."""
    out: dict[str, list] = {}
    for col in sh.marked_cols:
        vals = out.setdefault(col.field, [])
        for r in sh.rows:
            if r.kind != "layer":
                continue
            rd = readings.get((r.index, col.index))
            v = rd.final if rd else None
            if v is not None and v.exact and v.value.denominator == 1:
                vals.append((r.name, int(v.value)))
    return {k: tuple(v) for k, v in out.items()}


def left_out(sh: Sheet, a: Analysis) -> str:
    """The layers with parameters or operations that the table does not list."""
    listed = {r.layer.name for r in sh.rows if r.layer is not None}
    missing = [r.name for r in a.rows if (r.counts.params or r.counts.macs)
               and not r.aux and r.name not in listed]
    shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6
                                      else "")
    return shown or "none"


# --- the first pass: every cell marked --------------------------------------------------------

def mark_cells(sh: Sheet, variants: Variants, conv: TableConvention, steps: T.Steps) -> Marked:
    a = variants.a
    if conv.rounding != "spec" and variants.forced(conv.rounding) is not None:
        a = variants.forced(conv.rounding)
        sh = sh.rebound(a)
    m = Marked(a, sh, sh.read(conv.k_base))
    for r in sh.rows:
        for col in sh.marked_cols:
            rd = m.readings[(r.index, col.index)]
            line = sh.table.lines[r.index]
            if col.field == "output":
                cell, pending = _mark_shape(r, col, rd, line, a, conv, steps)
            else:
                cell, pending = _mark_value(r, col, sh.text_at(r.index, col), rd, line, a,
                                            conv, steps)
            if cell is None:
                continue
            m.cells.append(cell)
            if pending is not None:
                m.pending.append(pending)
    return m


def _mark_value(r: Row, col: Column, text: str, rd: Reading, line: int, a: Analysis,
                conv: TableConvention, steps: T.Steps):
    layer = r.layer
    if r.kind == "layer":
        expected = T.layer_value(steps, layer, col.field, conv, col.header)
        step = steps(layer, conv.bias).get(col.field) or (
            explain.activations(layer, conv.in_place) if col.field == "activations" else None)
        working = step.text() if step else ""
        if col.field == "macs" and conv.counts_flops(col.header) and step:
            working = f"FLOPs = 2 × MACs = 2 · {step.value:,} = {expected:,}"
    elif r.kind == "input":
        expected, working, step = T.input_value(a, col.field), "", None
    else:
        step = None
        expected = T.total_value(a, col.field, conv, col.header)
        working = (f"the network's total {explain.LABELS.get(col.field, col.field)} "
                   f"({'with' if conv.bias else 'without'} biases)"
                   if col.field == "params" else "the network's total")
        if expected is None:
            return None, None
    cell = MarkedCell(r.name, col.header, col.field, text.strip(), expected, "right", "",
                      working, line, layer.name if layer else "")
    if expected is None:              # H, W of a vector: nothing to mark unless written
        if rd.blank or rd.na or (rd.final is not None and rd.final.matches(1)):
            return None, None
        cell.verdict, cell.diagnosis = "wrong", "this layer's output is a vector: no H or W"
        return cell, None
    if rd.blank:
        cell.verdict = "missing"
        return cell, None
    if rd.na:
        if expected == 0:
            return cell, None
        cell.verdict, cell.diagnosis = "wrong", f"'{text.strip()}' written, but it is {expected:,}"
        return cell, None
    if rd.error:
        cell.verdict, cell.diagnosis = "wrong", f"cannot read this cell: {rd.error}"
        return cell, None
    how = step.rounding if r.kind == "layer" and step else ""
    vals = [rounded(how, p, v) for p, v in zip(rd.parts, rd.values)]
    if all(v.matches(expected) for v in vals):
        return cell, None
    cell.verdict = "wrong"
    if vals[-1].matches(expected):      # the value is right, the working is not
        cell.diagnosis = (f"the value is right, but the working {rd.parts[0]} gives "
                          f"{_show(vals[0])}")
        return cell, None
    cands = tuple(dict.fromkeys(vals))
    ctx = Ctx(layer, col.field, expected, cands, Reading(rd.text, rd.parts, tuple(vals)), conv,
              r.name, line, col.header)
    return cell, Pending(cell, (ctx,))


def _mark_shape(r: Row, col: Column, rd: Reading, line: int, a: Analysis,
                conv: TableConvention, steps: T.Steps):
    if r.kind == "total":
        return None, None
    layer = r.layer
    if r.kind == "input":
        x = a.input
        dims = {"H": x.h, "W": x.w, "C": x.c}
        flat = False
    else:
        o = layer.output
        dims = {"H": o.h, "W": o.w, "C": o.c}
        flat = o.flat
    order = rd.order or col.order or conv.order
    axes = ("H", "W", "C") if order == "HWC" else ("C", "H", "W")
    expected = f"{dims['C']:,}" if flat else "×".join(str(dims[k]) for k in axes)
    st = steps(layer, conv.bias) if layer else {}
    working = "; ".join(st[k].text() for k in ("H", "W", "C") if k in st)
    cell = MarkedCell(r.name, col.header, "output", rd.text, expected, "right", "", working,
                      line, layer.name if layer else "")
    if rd.blank:
        cell.verdict = "missing"
        return cell, None
    if rd.error:
        cell.verdict, cell.diagnosis = "wrong", f"cannot read this cell: {rd.error}"
        return cell, None
    sh = rd.shape
    if flat:
        ok = sh in ((dims["C"],), (1, 1, dims["C"]), (dims["C"], 1, 1))
    elif len(sh) == 3:
        ok = sh == tuple(dims[k] for k in axes)
    elif len(sh) == 2:
        ok = sh == (dims["H"], dims["W"])
    else:
        ok = False
    if ok:
        return cell, None
    cell.verdict = "wrong"
    if len(sh) == 3 and not flat and layer is not None:
        got = dict(zip(axes, sh))
        wrong = [(k, dims[k], got[k]) for k in ("H", "W", "C") if got[k] != dims[k]]
        ctxs = tuple(Ctx(layer, k, want, (Value(Fraction(g)),), Reading(str(g)), conv, r.name,
                         line, col.header) for k, want, g in wrong)
        return cell, Pending(cell, ctxs, tuple(wrong))
    return cell, None


def _show(v: Value) -> str:
    x = v.value
    return f"{int(x):,}" if x.denominator == 1 else f"{float(x):,.4g}"
