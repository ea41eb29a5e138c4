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
from ..answers import RF_FIELDS, Column, Table
from ..expr import Value
from . import truth as T
from .convention import TableConvention, decide
from .diagnoses import SHOWN, Around, Ctx, diagnose
from .reading import Reading, rounded
from .result import CheckOptions, MarkedCell, Marking
from . import rows as R
from . import stages
from .receptive_cells import mark_rf
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
    gaps = R.gaps(list(m.sheet.rows), m.a)
    marked_sibs = _siblings(table, opts, variants, conv) if values >= 2 or gaps else ()
    siblings = tuple((name, cells) for name, cells, *_ in marked_sibs)
    around = Around(m.a, steps, {f: m.sheet.unit_of(f) for f in _fields(m.sheet)},
                    column_values(m.sheet, m.readings), left_out(m.sheet, m.a),
                    tuple(variants.other_inputs()) if any(
                        c.row is not None for p in m.pending for c in p.ctxs) else (),
                    siblings)
    for p in m.pending:
        if p.axes:
            said = [(f"{k} is {want}, not {got}", diagnose(replace(ctx, around=around)))
                    for (k, want, got), ctx in zip(p.axes, p.ctxs)]
            first = {found[0][1] if found else "" for _, found in said}
            if len(said) > 1 and len(first) == 1 and "" not in first:   # one cause for all
                p.cell.diagnosis = "; ".join(t for t, _ in said) + f" ({first.pop()})"
            else:
                p.cell.diagnosis = "; ".join(t + (f" ({found[0][1]})" if found else "")
                                             for t, found in said)
            p.cell.diagnoses = list(dict.fromkeys(d for _, found in said for d, _ in found))
            continue
        found = diagnose(replace(p.ctxs[0], around=around))
        if found:
            p.cell.diagnosis = "; ".join(t for _, t in found[:SHOWN])
            p.cell.diagnoses = [d for d, _ in found]
    res = Marking(variants.a.network, table, conv, m.cells, list(sh.unmatched), sh.unmarked,
                  rows=[(table.lines[r.index], r.name, _layer_text(r), r.how or r.kind)
                        for r in sh.rows], gaps=gaps)
    res.notes += list(sh.notes) + sibling_note(m.cells, gaps, marked_sibs, variants.a.network)
    return res


def _layer_text(r: Row) -> str:
    if r.group:
        return f"{r.group[0].name} … {r.group[-1].name} ({len(r.group)} layers)"
    return r.layer.name if r.layer else ""


def _fields(sh: Sheet) -> list[str]:
    return list(dict.fromkeys(c.field for c in sh.marked_cols))


def _siblings(table: Table, opts: CheckOptions, variants: Variants, conv: TableConvention):
    """The table marked against each sibling network under the same convention:
    (name, (line, column) → its ``MarkedCell``, the sibling's layers without a row)."""
    out = []
    for name, v in variants.siblings():
        m = mark_cells(sheet(table, v.a, opts.mapping, opts.by_order), v, conv, T.Steps())
        out.append((name, {(c.line, c.column): c for c in m.cells},
                    R.gaps(list(m.sheet.rows), m.a), len(v.a.rows)))
    return tuple(out)


def sibling_note(cells: list[MarkedCell], gaps: list[str], siblings, network: str) -> list[str]:
    """A sibling fits better when more of its cells are right, or as many with fewer of its
    weighted layers left without a row (of two that fit as well, the one with fewer layers)."""
    mine = (sum(c.verdict == "right" for c in cells), -len(gaps))
    best = max(((sum(c.verdict == "right" for c in sc.values()), -len(sg), -size, name)
                for name, sc, sg, size in siblings), default=None)
    if best and best[:2] > mine:
        why = (f"{best[0]} cells right against {mine[0]}" if best[0] > mine[0] else
               f"as many cells right, and a row for each of its layers where {network}'s "
               f"{', '.join(gaps)} {'has' if len(gaps) == 1 else 'have'} none")
        return [f"the table fits {best[3]} better than {network}: {why}; are its layers "
                "labelled as the wrong variant?"]
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
    rf = None                           # the receptive fields, worked out when first needed
    for r in sh.rows:
        for col in sh.marked_cols:
            rd = m.readings[(r.index, col.index)]
            line = sh.table.lines[r.index]
            if col.field in RF_FIELDS:
                if rf is None:
                    from ...analysis.receptive import fields

                    rf = fields(a)
                cell, pending = mark_rf(r, col, sh.resolved(r.index, col)[0], line, rf), None
            elif col.field == "output":
                cell, pending = _mark_shape(r, col, rd, line, a, conv, steps)
            else:
                cell, pending = _mark_value(r, col, sh.resolved(r.index, col)[0], rd, line, a,
                                            conv, steps)
            if cell is None:
                continue
            cell.as_above = sh.resolved(r.index, col)[1]
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
        if col.field in T.BYTES and expected is not None:
            values = T.layer_value(steps, layer, T.BYTES[col.field], conv, col.header)
            working = (f"{values:,} {'values' if col.field == 'activation_bytes' else 'parameters'}"
                       f" × {conv.bpv} bytes = {expected:,} B")
        if col.field == "macs" and conv.counts_flops(col.header) and step:
            extra = T.extras(layer, conv.count)
            working = (f"FLOPs = 2 × MACs = 2 · {step.value:,} = {expected:,}" if not extra
                       else f"FLOPs = 2 × MACs + {extra:,} (the operations --count adds) = "
                            f"2 · {step.value:,} + {extra:,} = {expected:,}")
    elif r.kind == "group":
        step = None
        expected, working = stages.value(r, col, conv, steps)
        if expected is None:
            return None, None
    elif r.kind == "input":
        expected, working, step = T.input_value(a, col.field, conv.bpv), "", None
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
        if col.field == "C" and layer is not None and layer.output.flat:
            return None, None       # "-" for a vector's maps: not marked
        if expected == 0:
            return cell, None
        cell.verdict, cell.diagnosis = "wrong", f"'{text.strip()}' written, but it is {expected:,}"
        return cell, None
    if rd.error:
        cell.verdict, cell.diagnosis = "unread", f"not read: {rd.error}"
        return cell, None
    how = step.rounding if r.kind == "layer" and step else ""
    vals = [rounded(how, p, v) for p, v in zip(rd.parts, rd.values)]
    if all(v.matches(expected) for v in vals):
        loose = [v for v in vals if not v.exact and v.value != expected]
        if loose:                       # right to the figures written: "800K" for 802,816
            cell.precision = (loose[-1].lo, loose[-1].hi)
        return cell, None
    cell.verdict = "wrong"
    if vals[-1].matches(expected):      # the value is right, the working is not
        cell.diagnosis = (f"the value is right, but the working {rd.parts[0]} gives "
                          f"{_show(vals[0])}")
        return cell, None
    if r.kind == "group":               # a stage's sum: its own diagnosis
        cell.diagnosis, cell.diagnoses = stages.mistake(r, col, vals, conv, steps)
        return cell, None
    cands = tuple(dict.fromkeys(vals))
    ctx = Ctx(layer, col.field, expected, cands, Reading(rd.text, rd.parts, tuple(vals)), conv,
              r.name, line, col.header)
    return cell, Pending(cell, (ctx,))


def _mark_shape(r: Row, col: Column, rd: Reading, line: int, a: Analysis,
                conv: TableConvention, steps: T.Steps):
    if r.kind == "total" or r.kind == "group" and r.how != "stage":
        return None, None
    layer = r.layer
    if r.kind == "input":
        x = dict(a.inputs).get(r.input, a.input)
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
        cell.verdict, cell.diagnosis = "unread", f"not read: {rd.error}"
        return cell, None
    sh = rd.shape
    if flat:
        n = dims["C"]
        ok = sh in ((n,), (1, 1, n), (n, 1, 1), (n, 1), (1, n))
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
