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


@dataclass
class MarkedCell:
    row: str                   # as written in the answers file
    column: str                # the header as written
    field: str
    given: str
    expected: int | str | None
    verdict: str               # "right", "wrong", "missing"
    diagnosis: str = ""
    working: str = ""
    line: int = 0
    layer: str = ""            # the layer it was matched to ("" for a total row)
    diagnoses: list = field(default_factory=list)   # ids of CATALOGUE entries that fit

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "given": self.given,
                "expected": self.expected, "verdict": self.verdict,
                "diagnosis": self.diagnosis or None, "diagnoses": list(self.diagnoses),
                "layer": self.layer or None,
                "field": self.field, "working": self.working or None, "line": self.line}


@dataclass
class Marking:
    network: str
    table: Table
    convention: TableConvention
    cells: list[MarkedCell]
    unmatched: list[tuple[int, str, str]] = field(default_factory=list)  # line, row, hint
    unmarked: list[str] = field(default_factory=list)     # headers not marked
    notes: list[str] = field(default_factory=list)

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
    def marked(self) -> int:
        return self.right + self.wrong

    def score(self) -> dict:
        return {"right": self.right, "wrong": self.wrong, "missing": self.missing,
                "marked": self.marked, "text": f"{self.right}/{self.marked}"}

    @property
    def exit_code(self) -> int:
        return 1 if self.wrong else 0
