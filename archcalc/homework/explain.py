"""``archcalc explain``: the worked arithmetic of every cell of a row, as a student writes it.

Each layer kind works out its own cells (``Rule.working`` in ``core.kinds``, returning the
``Step`` records of ``core.working``); this module only asks the kind and prints the steps: one
block per row, its title, and one line per cell, H and W merged where their arithmetic is the
same. ``check`` and ``quiz`` read the same steps.
"""

from __future__ import annotations

from ..analysis import counting as N
from ..core import working as W
from ..core.kinds import RULES
from ..core.printable import printable
from ..core.records import LayerRow
from ..core.working import LABELS, Step, Term, exact as _n

__all__ = ["LABELS", "Step", "Term", "activations", "working", "flops", "cells", "table_cells",
           "lines", "layer_title", "render"]


def working(r: LayerRow, bias: bool = True) -> list[Step]:
    """The worked arithmetic of every cell of ``r``; ``bias=False`` counts weights only."""
    return RULES[r.kind].working(r, bias)


def activations(r: LayerRow, in_place: bool = True) -> Step:
    """What a "memory" or "activations" column counts: the output's values (C·H·W), none for
    a layer whose output is no new tensor (``counting.activations``); with ``in_place=False``
    every layer's output values, as some tables count them."""
    if in_place and not N.new_tensor(r):
        return W.same("activations", N.activations(r),
                      f"{r.kind} makes no new tensor: in place, the identity or a view")
    return W.activations(r)


def flops(r: LayerRow, count: tuple[str, ...] = ()) -> Step:
    """FLOPs = 2 × MACs, plus the ``--count`` extras asked for (``counting.extra_ops``)."""
    macs = r.counts.macs
    terms = [Term(f"2·{_n(macs)}", N.flops_of_macs(macs), "(2 × MACs)" if count else "")]
    extra = N.extra_ops(r) if count else {}
    terms += [Term(_n(extra[k]), extra[k], N.EXTRA_TEXT[k].split(" (")[0])
              for k in count if extra[k]]
    return Step("flops", tuple(terms), N.flops(r, count))


# report's column keys → the field of the step that works the cell out
CELL_FIELDS = {"h": "H", "w": "W", "c": "C", "params": "params", "fixed": "fixed",
               "macs": "macs"}


def cells(r: LayerRow, bias: bool = True, count: tuple[str, ...] = (),
          stored: int | None = None) -> dict[str, str]:
    """The working of each cell of ``r``'s table row, by the column keys of
    ``render.report.COLUMNS`` (H, W, C, params, fixed, MACs, FLOPs, and activations where
    ``stored``, the values the memory column counts, is given; the layer's name: all of it, as
    ``archcalc explain`` writes it): what ``--format html
    --standalone`` and ``archcalc serve`` show when a cell is clicked."""
    by = {s.field: s for s in working(r, bias)}
    out = {"layer": render([r], bias).rstrip("\n")}    # the layer's whole working
    out |= {key: by[f].text() for key, f in CELL_FIELDS.items()
           if f in by and not (f in ("H", "W") and r.output.flat)}
    out["flops"] = flops(r, count).text()
    if stored is not None:
        act = activations(r)
        out["activations"] = act.text() if stored == act.value else (
            f"activations = 0 ({r.kind}: its output, {_n(act.value)} values, is no new "
            "tensor; the memory count leaves out in-place activations, dropout, flatten and "
            "the closing softmax)")
    return out


def table_cells(rows, bias: bool = True, count: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """``cells`` of every row, for the layer table's interactive HTML."""
    from ..analysis.memory import activations as stored

    return [cells(r, bias, count, stored(r)) for r in rows]


def lines(r: LayerRow, bias: bool = True) -> list[str]:
    """The working as lines of text; H and W are merged when their arithmetic is the same."""
    return _lines(working(r, bias))


def _lines(steps: list[Step]) -> list[str]:
    by = {s.field: s for s in steps}
    out = []
    for s in steps:
        if s.field == "W" and "H" in by and by["H"].rhs() == s.rhs():
            continue
        if s.field == "H" and "W" in by and by["W"].rhs() == s.rhs():
            out.append(s.text("H = W"))
        else:
            out.append(s.text())
    return out


def layer_title(r: LayerRow) -> str:
    """``conv1 — conv 11×11 s4 p0, 96 filters; input 3×227×227``."""
    what = r.kind + (f" {r.geometry}" if r.geometry else "")
    ins = ", ".join(str(x) for x in r.input_shapes)
    src = f"; input{'s' if len(r.input_shapes) > 1 else ''} {ins}"
    return f"{r.name}{' (aux)' if r.aux else ''} — {what}{src} → {r.output}"


def render(rows, bias: bool = True) -> str:
    """``archcalc explain``: every row's title and its working, a blank line between rows."""
    blocks = []
    for r in rows:
        steps = working(r, bias)
        if all(s.value == 0 or s.terms[0].expr == _n(s.value) for s in steps) and not (
                r.counts.params or r.counts.macs or r.counts.fixed) and (
                r.input_shapes and r.output == r.input_shapes[0]) and len(r.input_shapes) == 1:
            why = next((s.why for s in steps if s.field == "C"), "")
            blocks.append(f"{layer_title(r)}\n  {why}; no parameters, no MACs")
            continue
        blocks.append("\n".join([layer_title(r)] + [f"  {t}" for t in _lines(steps)]))
    # A name or a note from a spec file may hold control characters: shown escaped, line by line.
    return "\n".join(printable(line) for line in "\n\n".join(blocks).split("\n")) + "\n"
