"""What a diagnosis looks at: the wrong cell (``Ctx``) and what was computed around it before
any diagnosis ran (``Around``: the table's other cells, the network at the other input size,
the table marked against the sibling networks)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from fractions import Fraction

from ...analysis import counting as N
from ...core.records import Analysis, Counts, LayerRow
from ..expr import Value
from .convention import TableConvention
from .copies import Columns
from .reading import Reading
from .truth import Steps


@dataclass(frozen=True)
class Around:
    """What a diagnosis may look at beyond its cell, computed before any diagnosis runs."""

    a: Analysis                       # the network as marked (its pools as the table has them)
    steps: Steps
    units: dict[str, str]             # field → the unit its first column's header gives
    values: dict[str, tuple[tuple[str, int], ...]]   # field → (row as written, whole value
    #                                   written) of each readable cell of a layer row, in order
    left_out: str                     # the weighted layers the table does not list
    other_inputs: tuple[Analysis, ...] = ()          # the network at 224 ↔ 227
    siblings: tuple[tuple[str, dict], ...] = ()      # (variant, (line, column) → MarkedCell)

    @cached_property
    def columns(self) -> Columns:
        """Each field's values indexed, once (a pass per wrong cell was quadratic)."""
        return Columns(self.values)

    def column_sum(self, fld: str) -> int | None:
        return self.columns.sum(fld)


@dataclass(frozen=True)
class Ctx:
    """What a diagnosis may look at: the cell, the layer, and the marking around it."""

    row: LayerRow | None
    field: str
    expected: int
    candidates: tuple[Value, ...]     # the values written (the final value and the formula's)
    reading: Reading
    conv: TableConvention
    name: str = ""                    # the row as written
    line: int = 0
    column: str = ""
    around: Around | None = None

    def fits(self, x: int | Fraction | None) -> bool:
        if x is None or x == self.expected:
            return False
        return any(v.matches(x) for v in self.candidates)

    @property
    def flops(self) -> bool:
        """Whether this cell's column counts FLOPs = 2 × MACs."""
        return self.conv.counts_flops(self.column)

    def scaled(self, macs: int) -> int:
        """A MAC count as the table counts it (× 2 for FLOPs)."""
        return N.flops_of_macs(macs) if self.flops else macs

    def with_bias(self, weights: int, biases: int) -> int:
        return N.params(Counts(weights, biases), self.conv.bias)
