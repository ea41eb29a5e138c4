"""The values of a table's columns, indexed once for the diagnoses that look at whole columns:
their sums (a wrong total) and the rows that hold each value ("copied from another row?")."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from fractions import Fraction

from ..expr import Value


class Columns:
    """field → (row as written, whole value written) of each readable cell, in order."""

    def __init__(self, values: dict[str, tuple[tuple[str, int], ...]]):
        self.values = values
        self.sums = {f: sum(v for _, v in vals) for f, vals in values.items() if vals}
        self.indexes: dict[str, Copies] = {}

    def sum(self, fld: str) -> int | None:
        return self.sums.get(fld)

    def copies(self, fld: str) -> "Copies":
        if fld not in self.indexes:
            self.indexes[fld] = Copies(self.values.get(fld, ()))
        return self.indexes[fld]


class Copies:
    """One field's whole values as written, row by row, indexed so that "which row above this
    one holds a value this cell's value could mean" costs a logarithm, not a pass over the rows
    (a pass per wrong cell made marking quadratic: 20,000 rows of ``conv1,1`` took 378 s).

    The values are sorted, each with the first row that holds it; a sparse table gives the
    smallest such row over any range of values."""

    def __init__(self, vals: tuple[tuple[str, int], ...]):
        self.names = [name for name, _ in vals]
        self.first_of: dict[str, int] = {}
        first_at: dict[int, int] = {}
        for i, (name, v) in enumerate(vals):
            self.first_of.setdefault(name, i)
            first_at.setdefault(v, i)
        self.keys = sorted(first_at)
        n = len(self.keys)
        self.levels = [[first_at[k] for k in self.keys]]   # levels[j][i]: the least row of
        j = 1                                               # keys i … i + 2^j − 1
        while (1 << j) <= n:
            prev, half = self.levels[-1], 1 << (j - 1)
            self.levels.append([min(prev[i], prev[i + half]) for i in range(n - (1 << j) + 1)])
            j += 1

    def _least(self, i: int, j: int) -> int | None:
        """The least row among keys[i:j]."""
        if i >= j:
            return None
        k = (j - i).bit_length() - 1
        return min(self.levels[k][i], self.levels[k][j - (1 << k)])

    def earliest(self, lo: Fraction, hi: Fraction, without: set[int], before: int) -> int | None:
        """The first row above row ``before`` whose value lies in [lo, hi] and is none of
        ``without``."""
        best = None
        edges = sorted(x for x in without if lo <= x <= hi)
        starts = [lo] + [x + 1 for x in edges]
        ends = [x - 1 for x in edges] + [hi]
        for a, b in zip(starts, ends):
            row = self._least(bisect_left(self.keys, a), bisect_right(self.keys, b))
            if row is not None and row < before and (best is None or row < best):
                best = row
        return best

    def first_fitting(self, candidates: tuple[Value, ...], without: set[int],
                      before: int | None) -> int | None:
        """The first row above row ``before`` (all rows: ``None``) whose value one of the
        ``candidates`` means (``Value.matches``) and is none of ``without``."""
        before = len(self.names) if before is None else before
        best = None
        for v in candidates:
            if v.exact or v.lo <= 0 <= v.hi:    # only the value as written
                lo = hi = v.value
            else:
                lo, hi = v.lo, v.hi
            row = self.earliest(lo, hi, without, before)
            if row is not None and (best is None or row < best):
                best = row
        return best
