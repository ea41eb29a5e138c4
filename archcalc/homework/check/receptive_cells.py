"""Receptive field cells, as ``archcalc table --rf`` prints them: the size (``11×11``, one
number for a square field, ``global``), the jump and the start of each layer's field, marked
against ``analysis.receptive``."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..answers import Column
from .result import MarkedCell

if TYPE_CHECKING:
    from .rows import Row


def mark_rf(r: Row, col: Column, text: str, line: int, rf: dict):
    """A receptive field cell (its size, jump or start, as ``table --rf`` prints them): a pair
    H×W (or one number where both are the same), or ``global``."""
    from ...analysis import receptive as RF

    if r.kind != "layer":
        return None
    f = rf[r.layer.name]
    expected = {"rf": RF.size_text, "rf_jump": RF.jump_text,
                "rf_start": RF.start_text}[col.field](f)
    given = text.strip()
    if not expected and given in ("", "-", "–", "—"):
        return None                     # the jump and start of a global field: none
    cell = MarkedCell(r.name, col.header, col.field, given, expected, "right", "",
                      _rf_working(f), line, r.layer.name)
    if not given:
        cell.verdict = "missing"
        return cell
    if _rf_numbers(given) != _rf_numbers(expected) and not (
            len(_rf_numbers(given)) == 1 and len(set(_rf_numbers(expected))) == 1):
        cell.verdict = "wrong"
    elif len(_rf_numbers(given)) == 1 and _rf_numbers(given)[0] != _rf_numbers(expected)[0]:
        cell.verdict = "wrong"
    return cell


def _rf_numbers(text: str):
    t = text.strip().replace("−", "-").lower()
    if t in ("global", "whole input", "all", "full", "whole image"):
        return ("global",)
    return tuple(int(x) for x in re.findall(r"-?\d+", t))


def _rf_working(f) -> str:
    if f.is_global:
        return "the layer sees the whole input (a global pool or a fully connected layer)"
    if f.h is None and f.why == "inputs":
        return ("not computed: the layer reads branches of different inputs, whose pixels are "
                "two grids")
    if f.h is None:
        return ("not computed: after a transposed conv or an upsample, neighbouring outputs' "
                "fields are not a whole number of input pixels apart")
    return (f"receptive field {f.h.size}×{f.w.size} input pixels, neighbouring outputs "
            f"{f.h.jump}×{f.w.jump} apart, output 0's field starting at ({f.h.start}, "
            f"{f.w.start}) (r' = r + (K − 1)·j, j' = j·S, s' = s − P·j)")
