"""The conventions of the counting columns, each decided from the cells like the rest of the
table's convention (``convention``): activations of a layer that makes no new tensor counted
as none or as its output, the bytes per value of a memory column in bytes, and the operations a
FLOPs column adds to 2 × MACs (``table --count``)."""

from __future__ import annotations

from ...analysis import counting as N
from .convention import EVIDENCE, TableConvention, cells, votes
from .reading import read_cell
from .truth import layer_value


def in_place(sheet, how) -> bool:
    """Whether the activations columns count nothing for a layer that makes no new tensor
    (archcalc's memory rule, ``counting.activations``: ReLU in place, dropout, flatten) or
    every layer's output values; said only where a column counts activations."""
    if not any(c.field == "activations" for c in sheet.marked_cols):
        return True
    none, every = votes(sheet, "activations", N.activations, lambda r: r.output.elements)
    in_place = none >= every
    detail = (f"{cells(none)} count none for such a layer, {every} its output"
              + ("; the table mixes both: the fewer are marked wrong" if none and every
                 else "") if (none or every) else "no cell tells; archcalc's memory rule")
    how.append(("activations", ("none for a layer that makes no new tensor (in place, the "
                                 "identity or a view)" if in_place else
                                 "every layer's output values, in-place layers too")
                + f" ({detail})"))
    return in_place


DTYPES = {4: "fp32", 2: "fp16/bf16", 1: "int8", 8: "fp64"}


def bytes_per_value(sheet, steps, conv: TableConvention, given: int | None, how) -> int:
    """Bytes per value of the memory columns in bytes: 4 (fp32) unless two cells or more fit
    another size and none fit 4."""
    cols = [c for c in sheet.marked_cols if c.field in ("activation_bytes", "param_bytes")]
    if given is not None:
        if cols:
            how.append(("bytes", f"{given} per value, {DTYPES.get(given, '')} (as the option "
                                 "says)"))
        return given
    if not cols:
        return 4
    fits = {b: 0 for b in DTYPES}
    for r, col, text in sheet.cells_of("activation_bytes", "param_bytes"):
        vals = [v for v in read_cell(text, conv.k_base, col.unit, col.field).values if v is not None]
        if not vals:
            continue
        hit = set()
        for b in DTYPES:
            t = layer_value(steps, r, col.field, _with_bpv(conv, b), col.header)
            if t and any(v.matches(t) for v in vals):
                hit.add(b)
        if len(hit) == 1:
            fits[hit.pop()] += 1
    best = max(fits, key=lambda b: (fits[b], b == 4))
    if best != 4 and (fits[best] < EVIDENCE or fits[4]):
        best = 4
    how.append(("bytes", f"{best} per value, {DTYPES[best]} ("
                + ", ".join(f"{cells(n)} fit {b}" for b, n in fits.items() if n)
                + ("" if any(fits.values()) else "no cell tells; fp32 by default") + ")"))
    return best


def _with_bpv(conv: TableConvention, b: int) -> TableConvention:
    from dataclasses import replace

    return replace(conv, bpv=b)


def extras(sheet, flops: frozenset, how) -> tuple[str, ...]:
    """The operations a FLOPs column adds to 2 × MACs, as ``table --count`` adds them (bias
    additions, batch norm, activations, pooling, joins): a row has at most one kind of them,
    so each kind is decided alone, by the cells of its rows — counted where two cells or more
    fit 2 × MACs plus them and none fits 2 × MACs alone."""
    if not flops:
        return ()
    EXTRAS, extra_ops = N.EXTRAS, N.extra_ops
    fits = {k: [0, 0] for k in EXTRAS}     # kind → [cells that fit without, with]
    rows = {k: 0 for k in EXTRAS}          # kind → the cells that could tell
    for r, col, text in sheet.cells_of("macs"):
        if col.header not in flops:
            continue
        ops = {k: v for k, v in extra_ops(r).items() if v}
        if not ops:
            continue
        vals = [v for v in read_cell(text, 1000, col.unit).values if v is not None]
        base = N.flops_of_macs(r.counts.macs)
        for k, v in ops.items():
            rows[k] += 1
            without = any(x.matches(base) for x in vals)
            with_ = any(x.matches(base + v) for x in vals)
            fits[k][0] += without and not with_
            fits[k][1] += with_ and not without
    # Two cells, or every cell that could tell where the table has one (ResNet-18's fc is its
    # only layer with biases: its cell decides no other).
    count = tuple(k for k in EXTRAS if fits[k][1] >= min(EVIDENCE, rows[k]) and fits[k][1]
                  and not fits[k][0])
    if count:
        how.append(("FLOPs", "2 × MACs + " + ", ".join(
            f"{k} ({cells(fits[k][1])})" for k in count) + " (as table --count adds them)"))
    return count
