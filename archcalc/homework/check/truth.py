"""The value a cell should hold: the engine's count for a layer row, the input row and a total
row, under the table's convention (biases or not, MACs or FLOPs in the cell's column), and the
worked arithmetic behind it (``explain.working``, worked out once per row)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...analysis import counting as N
from ...core.records import Analysis, LayerRow
from .. import explain

if TYPE_CHECKING:
    from .convention import TableConvention


class Steps:
    """``explain.working`` of a row by field, worked out once per row and bias choice."""

    def __init__(self):
        self._done: dict = {}

    def __call__(self, r: LayerRow, bias: bool) -> dict[str, explain.Step]:
        key = (id(r), bias)
        if key not in self._done:      # the row is kept beside its steps: its id stays its own
            self._done[key] = (r, {s.field: s for s in explain.working(r, bias)})
        return self._done[key][1]


def layer_value(steps: Steps, r: LayerRow, fld: str, conv: TableConvention, header: str = ""):
    """The engine's value of a cell of the layer ``r`` in the column ``header`` under the
    convention (``None``: not applicable, such as the H and W of a vector)."""
    if fld in ("H", "W") and r.output.flat:
        return None
    if fld in BYTES:                    # values × bytes per value
        v = layer_value(steps, r, BYTES[fld], conv, header)
        return None if v is None else v * conv.bpv
    if fld == "activations":
        return explain.activations(r, conv.in_place).value
    if fld == "macs":
        return N.flops(r, conv.count) if conv.counts_flops(header) else r.counts.macs
    if fld in PRESET_FIELDS:
        return preset_value(r, fld)
    if fld == "training_flops":
        return N.training_flops(r, conv.count)
    s = steps(r, conv.bias).get(fld)
    return s.value if s else None


def value_in(steps: Steps, a: Analysis, name: str, fld: str, conv: TableConvention,
             header: str = ""):
    """``layer_value`` of the layer called ``name`` in ``a`` (another analysis of the net)."""
    r = next((x for x in a.rows if x.name == name), None)
    if r is None or fld == "output":
        return None
    return layer_value(steps, r, fld, conv, header)


def extras(r: LayerRow, count: tuple[str, ...]) -> int:
    """The operations ``table --count`` adds to a row's FLOPs (bias, bn, act, pool, add)."""
    return N.flops(r, count) - N.flops(r)


def _preset_fields() -> dict[str, str]:
    from ...render.report import PRESET_COLUMN

    return {key: preset for preset, (key, *_) in PRESET_COLUMN.items()}


# The column a preset adds (``table --convention fvcore``): its field → the preset.
PRESET_FIELDS = _preset_fields()


def preset_value(r: LayerRow, fld: str) -> int:
    from ...analysis.conventions import count

    return count(PRESET_FIELDS[fld], r)


# A bytes column: the field whose values it counts, at the table's bytes per value.
BYTES = {"activation_bytes": "activations", "param_bytes": "params"}


def input_value(a: Analysis, fld: str, bpv: int = 4):
    x = a.input
    return {"H": x.h, "W": x.w, "C": x.c, "activations": x.elements, "params": 0,
            "macs": 0, "activation_bytes": x.elements * bpv, "param_bytes": 0}.get(fld)


def total_value(a: Analysis, fld: str, conv: TableConvention, header: str = ""):
    if fld in BYTES:
        v = total_value(a, BYTES[fld], conv, header)
        return None if v is None else v * conv.bpv
    rows = N.inference(a)
    if fld in PRESET_FIELDS:
        return sum(preset_value(r, fld) for r in rows)
    if fld == "training_flops":
        return sum(N.training_flops(r, conv.count) for r in rows)
    if fld == "params":
        return N.params(a.totals, conv.bias)
    if fld == "macs":
        return sum(N.flops(r, conv.count) if conv.counts_flops(header) else r.counts.macs
                   for r in rows)
    if fld == "activations":
        return sum(explain.activations(r, conv.in_place).value for r in rows)
    return None
