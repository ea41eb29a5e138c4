"""The table as the marker sees it: its columns (``answers.columns``), its rows matched to the
network's layers (``rows``), and each cell's text and reading."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ...core.names import plain
from ...core.records import Analysis
from ..answers import FIELDS, Column, Table, columns
from . import rows as R
from .reading import Reading, is_ditto, read_cell, read_shape


@dataclass(frozen=True)
class Sheet:
    table: Table
    cols: tuple[Column, ...]
    rows: tuple[R.Row, ...]
    unmatched: tuple[tuple[int, str, str], ...]    # line, row as written, hint
    notes: tuple[str, ...] = ()                      # on how the rows were aligned

    @property
    def marked_cols(self) -> list[Column]:
        return [c for c in self.cols if c.field in FIELDS]

    @property
    def unmarked(self) -> list[str]:
        return [c.header for c in self.cols if c.field == ""]

    def text_at(self, i: int, col: Column) -> str:
        row = self.table.rows[i]
        return row[col.index] if col.index < len(row) else ""

    def resolved(self, i: int, col: Column) -> tuple[str, int]:
        """The cell's text, a ditto ("〃", "same", "do.") replaced by the cell it repeats, and
        that cell's line (0 when the cell is not a ditto)."""
        text, j = self.text_at(i, col), i
        while is_ditto(text) and j > 0:
            j -= 1
            text = self.text_at(j, col)
        if j == i or is_ditto(text):
            return self.text_at(i, col), 0
        return text, self.table.lines[j]

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
                    yield r.layer, col, self.resolved(r.index, col)[0]

    def read(self, k_base: int) -> dict[tuple[int, int], Reading]:
        """Every marked cell of every matched row read: (row index, column index) → reading."""
        out = {}
        for r in self.rows:
            for col in self.marked_cols:
                text = self.resolved(r.index, col)[0]
                out[(r.index, col.index)] = (read_shape(text) if col.field == "output"
                                             else read_cell(text, k_base, col.unit, col.field))
        return out

    def rebound(self, a: Analysis) -> "Sheet":
        """The same table with its rows matched to the same layers of ``a``."""
        return replace(self, rows=tuple(R.rebind(list(self.rows), a)))


def sheet(table: Table, a: Analysis, mapping: dict | None, by_order: bool) -> Sheet:
    cols = [_wordy(table, c, mapping) for c in columns(table.header, mapping)]
    rows, unmatched, notes = R.match(table, cols, a, by_order)
    return Sheet(table, tuple(cols), tuple(rows), tuple(unmatched), tuple(notes))


def _wordy(table: Table, col: Column, mapping: dict | None) -> Column:
    """A number column (by its header) whose cells are words ("tanh", "relu", "softmax": an
    "Activation" column that names the function) describes the layers: it is not marked."""
    if col.field not in FIELDS or col.field == "output" or mapping and any(
            plain(h) == plain(col.header) for h in mapping):
        return col
    texts = [row[col.index].strip() for row in table.rows if col.index < len(row)]
    texts = [t for t in texts if t and t not in ("-", "–", "—") and not is_ditto(t)]
    words = [t for t in texts if re.search(r"[^\W\d_]{2}", t) and not re.search(r"\d", t)]
    if texts and 2 * len(words) > len(texts):
        return replace(col, field="describes")
    return col
