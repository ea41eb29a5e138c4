"""The table as the marker sees it: its columns (``answers.columns``), its rows matched to the
network's layers (``rows``), and each cell's text and reading."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ...core.records import Analysis
from ..answers import FIELDS, Column, Table, columns
from . import rows as R
from .reading import Reading, read_cell, read_shape


@dataclass(frozen=True)
class Sheet:
    table: Table
    cols: tuple[Column, ...]
    rows: tuple[R.Row, ...]
    unmatched: tuple[tuple[int, str, str], ...]    # line, row as written, hint

    @property
    def marked_cols(self) -> list[Column]:
        return [c for c in self.cols if c.field in FIELDS]

    @property
    def unmarked(self) -> list[str]:
        return [c.header for c in self.cols if c.field == ""]

    def text_at(self, i: int, col: Column) -> str:
        row = self.table.rows[i]
        return row[col.index] if col.index < len(row) else ""

    def unit_of(self, fld: str) -> str:
        """The unit of the first column of ``fld`` ("" when its header gives none)."""
        return next((col.unit for col in self.marked_cols if col.field == fld), "")

    def cells_of(self, *fields: str):
        """(layer, column, text) of every cell of a matched layer row in the given columns."""
        for r in self.rows:
            if r.kind != "layer":
                continue
            for col in self.marked_cols:
                if col.field in fields:
                    yield r.layer, col, self.text_at(r.index, col)

    def read(self, k_base: int) -> dict[tuple[int, int], Reading]:
        """Every marked cell of every matched row read: (row index, column index) → reading."""
        out = {}
        for r in self.rows:
            for col in self.marked_cols:
                text = self.text_at(r.index, col)
                out[(r.index, col.index)] = (read_shape(text) if col.field == "output"
                                             else read_cell(text, k_base, col.unit))
        return out

    def rebound(self, a: Analysis) -> "Sheet":
        """The same table with its rows matched to the same layers of ``a``."""
        return replace(self, rows=tuple(R.rebind(list(self.rows), a)))


def sheet(table: Table, a: Analysis, mapping: dict | None, by_order: bool) -> Sheet:
    cols = columns(table.header, mapping)
    name_col = next((c.index for c in cols if c.field == "name"), 0)
    rows, unmatched = R.match(table, name_col, a, by_order)
    return Sheet(table, tuple(cols), tuple(rows), tuple(unmatched))
