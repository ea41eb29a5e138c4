"""Mistakes seen from the table and the network around a cell: an arithmetic or copying
slip, K = 1024, the other input size, a fraction for a size, bytes for values, a total that is
not its rows' sum, a layer on the wrong side of its neighbour, a value copied from above, a
sibling network's value. Each is a pure function of a wrong cell's ``Ctx``."""

from __future__ import annotations

from fractions import Fraction

from .context import Ctx
from .reading import has_suffix, read_cell
from .truth import value_in

def d_slip(c: Ctx) -> str | None:
    f, v = c.reading.formula, c.reading.final
    if f is not None and v is not None and f.matches(c.expected) and not v.matches(c.expected):
        return (f"formula right, product wrong: {c.reading.parts[0]} = {c.expected:,}, "
                f"not {c.reading.parts[-1]} (an arithmetic slip)")
    return None


def d_digit(c: Ctx) -> str | None:
    """One digit miscopied or two swapped: ranked after the causes that explain a value."""
    f, v = c.reading.formula, c.reading.final
    if f is None and v is not None and v.exact and v.value.denominator == 1 and v.value > 0:
        a, b = str(int(v.value)), str(c.expected)
        if len(a) == len(b) >= 3 and a != b:        # 27 for 26 is not a "slip" worth naming
            diff = [i for i in range(len(a)) if a[i] != b[i]]
            if len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]):
                return f"one slip from {c.expected:,} (a digit miscopied or swapped)"
    return None


def d_bytes(c: Ctx) -> str | None:
    """Bytes where the column counts values, or values where it counts bytes (a row's cell or
    a total's)."""
    if c.field == "activations" and c.fits(4 * c.expected):
        return ("bytes (4 per float32 value) where this column counts values: "
                f"{c.expected:,} values = {4 * c.expected:,} bytes")
    if c.field in ("activation_bytes", "param_bytes") and c.expected % c.conv.bpv == 0:
        values = c.expected // c.conv.bpv
        if values != c.expected and c.fits(values):
            return (f"values where this column counts bytes: {values:,} values × "
                    f"{c.conv.bpv} bytes = {c.expected:,} B")
    return None


def d_k_base(c: Ctx) -> str | None:
    """K = 1024 for 1000 (or the reverse); in bytes, MiB for MB: ``1.11 MB`` for 1,161,600 B
    (1.16 MB, 1.11 MiB)."""
    unit = c.around.units.get(c.field, "")
    if not has_suffix(c.reading.text) and unit not in ("K", "M", "G"):
        return None
    other = 1024 if c.conv.k_base == 1000 else 1000
    v = read_cell(c.reading.text, other, unit, c.field).final
    if v is not None and v.matches(c.expected):
        if c.field in ("activation_bytes", "param_bytes"):
            used, meant = ("MiB (2²⁰ B)", "MB (10⁶ B)") if other == 1024 else \
                ("MB (10⁶ B)", "MiB (2²⁰ B)")
            return f"{used} where the column's unit is {meant}: K = {other}, not {c.conv.k_base}"
        return f"K = {other} used; this table's K is {c.conv.k_base}"
    return None


def d_own_formula(c: Ctx) -> str | None:
    """The value written is not what its own formula gives (and neither is right)."""
    f, v = c.reading.formula, c.reading.final
    if f is None or v is None or len(c.reading.values) < 2 or not f.exact:
        return None
    if v.matches(f.value) or f.matches(c.expected) or v.matches(c.expected):
        return None
    shown = f"{int(f.value):,}" if f.value.denominator == 1 else f"{float(f.value):,.4g}"
    return (f"the value disagrees with its own formula: {c.reading.parts[0]} = {shown}, not "
            f"{c.reading.parts[-1]}")


def d_input_size(c: Ctx) -> str | None:
    if c.row is None:
        return None
    for alt in c.around.other_inputs:
        v = value_in(c.around.steps, alt, c.row.name, c.field, c.conv, c.column)
        if v is not None and c.fits(v):
            size = alt.input
            note = ""
            if {size.h, c.around.a.input.h} == {224, 227}:
                note = (" (the AlexNet paper says 224, but (224 − 11)/4 + 1 = 54.25 is not a "
                        "whole number: the arithmetic needs 227)")
            return (f"the value for a {size.h}×{size.w} input; this network's input is "
                    f"{c.around.a.input.h}×{c.around.a.input.w}{note}")
    return None


def d_not_whole(c: Ctx) -> str | None:
    v = c.reading.final
    if c.field in ("H", "W") and v is not None and v.value.denominator != 1 and v.tol < Fraction(1, 2):
        return ("an output size is a whole number: the formula's fraction is "
                "rounded as the layer does")
    return None


def d_total(c: Ctx) -> str | None:
    if c.row is not None:
        return None
    s = c.around.column_sum(c.field)
    if s is None:
        return None
    if not any(v.matches(s) for v in c.candidates):
        return f"not the sum of its rows: they add up to {s:,}"
    if c.fits(s) and c.around.left_out != "none":
        return (f"the sum of the table's rows ({s:,}), but they leave out layers of the "
                f"network: {c.around.left_out}")
    return None


def d_sibling(c: Ctx) -> str | None:
    for name, cells in c.around.siblings:
        other = cells.get((c.line, c.column))
        if other is not None and other.verdict == "right":
            where = f" {other.layer}" if other.layer else ""
            return f"right for {name}'s layer{where}: the table may describe {name}"
    return None


def d_order(c: Ctx) -> str | None:
    """A size that is the next (or previous) resizing layer's: the table has the two layers
    in the other order (CS231n's AlexNet normalizes after pooling; the paper before)."""
    if c.row is None or c.field not in ("H", "W", "C"):
        return None
    rows = c.around.a.rows
    k = next((i for i, r in enumerate(rows) if r.name == c.row.name), None)
    if k is None:
        return None
    dims = lambda r: {"H": r.output.h, "W": r.output.w, "C": r.output.c}[c.field]
    for step, word in ((1, "after"), (-1, "before")):
        j = k + step
        while 0 <= j < len(rows) and dims(rows[j]) == c.expected and not rows[j].output.flat:
            j += step
        if 0 <= j < len(rows) and not rows[j].output.flat and c.fits(dims(rows[j])):
            side = "next" if step == 1 else "previous"
            return (f"the size {word} {rows[j].name}, the {side} layer that changes it: the "
                    f"table has {c.row.name} on the other side of it")
    return None


def d_copied(c: Ctx) -> str | None:
    index = c.around.columns.copies(c.field)
    # Only rows above this one (before this row's name first appears), never 0 or the truth.
    row = index.first_fitting(c.candidates, {0, c.expected}, index.first_of.get(c.name))
    if row is None:
        return None
    return f"the same as row {index.names[row]}'s value: copied from another row?"
