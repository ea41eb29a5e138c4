"""Matching the table's rows to the network's layers: by name (``names.Index``: ``Conv1`` finds
``conv1``, ``MaxPool1`` finds ``pool1``), or by position (``--by-order``) to the layers an
exercise table lists; a total row and an input row are recognised by their names."""

from __future__ import annotations

from dataclasses import dataclass

from ...core.errors import suggest
from ...core.names import Index, plain
from ...core.records import Analysis, LayerRow
from ..answers import Table
from ..exercise import exercise_rows

TOTAL_NAMES = ("total", "totals", "sum", "overall", "all", "network", "whole network")
INPUT_NAMES = ("input", "image", "data", "inputimage")


@dataclass(frozen=True)
class Row:
    """A row of the table and what it stands for."""

    index: int                 # in ``Table.rows``
    name: str                  # as written
    layer: LayerRow | None     # the layer matched ("layer" rows only)
    kind: str                  # "layer", "input" or "total"


def match(table: Table, name_col: int, a: Analysis,
          by_order: bool) -> tuple[list[Row], list[tuple[int, str, str]]]:
    """The rows matched, and those not matched: (line, name as written, a "did you mean")."""
    by_name = {r.name: r for r in a.rows}
    index = Index(by_name)
    totals = {plain(t) for t in TOTAL_NAMES}
    order = iter(exercise_rows(a))
    rows: list[Row] = []
    unmatched: list[tuple[int, str, str]] = []
    for i, cells in enumerate(table.rows):
        name = cells[name_col] if name_col < len(cells) else ""
        key = plain(name)
        if key in totals:
            rows.append(Row(i, name, None, "total"))
            continue
        if key in INPUT_NAMES and index.find(name) is None:
            rows.append(Row(i, name, None, "input"))
            continue
        if by_order:
            layer = next(order, None)
            hit = layer.name if layer else None
        else:
            hit = index.find(name)
        if hit is None:
            hint = suggest(name, by_name) if name else ""
            unmatched.append((table.lines[i], name, hint))
            continue
        rows.append(Row(i, name, by_name[hit], "layer"))
    return rows, unmatched


def rebind(rows: list[Row], a: Analysis) -> list[Row]:
    """The same rows matched to the same layers of ``a`` (the network with other sizes)."""
    by_name = {r.name: r for r in a.rows}
    return [Row(r.index, r.name, by_name[r.layer.name] if r.layer else None, r.kind)
            for r in rows]
