"""What ``check`` is asked (``CheckOptions``) and what it answers (``Marking``: a ``MarkedCell``
per cell, the rows and columns it could not mark, and the table's convention)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..answers import Table
from .convention import TableConvention


@dataclass(frozen=True)
class CheckOptions:
    mapping: dict | None = None    # header → field, for headers archcalc does not know
    by_order: bool = False
    bias: bool | None = None       # None: decide from the cells
    flops: bool | None = None
    k_base: int | None = None
    rounding: str | None = None
    bytes_per_value: int | None = None   # memory columns in bytes: 4 (fp32), 2, 1 or 8


@dataclass
class MarkedCell:
    row: str                   # as written in the answers file
    column: str                # the header as written
    field: str
    given: str
    expected: int | str | None
    verdict: str               # "right", "wrong", "missing" or "unread" (not read: never wrong)
    diagnosis: str = ""
    working: str = ""
    line: int = 0
    layer: str = ""            # the layer it was matched to ("" for a total row)
    diagnoses: list = field(default_factory=list)   # ids of CATALOGUE entries that fit
    precision: tuple | None = None   # (lo, hi): what a value written to fewer figures means
    as_above: int = 0          # the line whose cell a ditto ("〃", "same") repeats

    @property
    def rounded(self) -> bool:
        """Right to the figures written, not exactly: ``800K`` for 802,816."""
        return self.verdict == "right" and self.precision is not None

    def as_dict(self) -> dict:
        out = {"row": self.row, "column": self.column, "given": self.given,
               "expected": self.expected, "verdict": self.verdict,
               "diagnosis": self.diagnosis or None, "diagnoses": list(self.diagnoses),
               "layer": self.layer or None,
               "field": self.field, "working": self.working or None, "line": self.line,
               "rounded": self.rounded}
        if self.precision is not None:
            out["precision"] = {"from": _num(self.precision[0]), "to": _num(self.precision[1])}
        if self.as_above:
            out["as_above"] = self.as_above
        return out


def _num(x):
    return int(x) if x.denominator == 1 else float(x)


@dataclass
class Marking:
    network: str
    table: Table
    convention: TableConvention
    cells: list[MarkedCell]
    unmatched: list[tuple[int, str, str]] = field(default_factory=list)  # line, row, hint
    unmarked: list[str] = field(default_factory=list)     # headers not marked
    notes: list[str] = field(default_factory=list)
    rows: list[tuple[int, str, str, str]] = field(default_factory=list)  # line, row, layer, how
    gaps: list[str] = field(default_factory=list)    # weighted layers between rows, no row

    @property
    def right(self) -> int:
        return sum(c.verdict == "right" for c in self.cells)

    @property
    def wrong(self) -> int:
        return sum(c.verdict == "wrong" for c in self.cells)

    @property
    def missing(self) -> int:
        return sum(c.verdict == "missing" for c in self.cells)

    @property
    def unread(self) -> int:
        return sum(c.verdict == "unread" for c in self.cells)

    @property
    def rounded(self) -> int:
        return sum(c.rounded for c in self.cells)

    @property
    def marked(self) -> int:
        return self.right + self.wrong

    def score(self) -> dict:
        return {"right": self.right, "wrong": self.wrong, "missing": self.missing,
                "unread": self.unread, "rounded": self.rounded, "marked": self.marked,
                "text": f"{self.right}/{self.marked}"}

    @property
    def exit_code(self) -> int:
        """1 when a cell is wrong, or when nothing is answered (no cell right or wrong)."""
        return 1 if self.wrong or not self.marked else 0
