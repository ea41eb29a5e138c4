"""The rows an exercise table lists, shared by ``quiz`` (which prints them) and ``check`` (which
aligns a table written by position to them)."""

from __future__ import annotations

from ..core.kinds import RULES
from ..core.records import Analysis, LayerRow


def exercise_rows(a: Analysis) -> list[LayerRow]:
    """The layers an exercise table lists: those with parameters, operations or a new shape
    (activations, dropout and normalizations that keep the shape are left out) and every join."""
    return [r for r in a.rows
            if r.counts.params or r.counts.macs or r.counts.fixed or len(r.inputs) != 1
            or RULES[r.kind].category == "pooling" or not r.input_shapes
            or r.output != r.input_shapes[0]]
