"""The table's convention — biases counted or not, MACs or FLOPs (per column), K = 1000 or 1024,
pooling sizes as the spec says or all floored or all in ceil mode, a one-column output read
H×W×C or C×H×W — each part set by an option or else decided by the cells' votes, and how it
was decided (printed in the marking's header)."""

from __future__ import annotations

from dataclasses import dataclass

from ...analysis import counting as N
from ...core.names import plain
from .reading import has_suffix, read_cell, read_shape, rounded
from .truth import layer_value


@dataclass(frozen=True)
class TableConvention:
    bias: bool = True              # params = weights + biases
    flops: frozenset = frozenset()  # headers of the operations columns that count FLOPs = 2 × MACs
    k_base: int = 1000             # K, M, G are powers of 1000 (or 1024)
    rounding: str = "spec"         # pooling sizes: as the spec says, or all "floor" / "ceil"
    order: str = "HWC"             # a one-column output "55x55x96" is H×W×C (or C×H×W)
    bpv: int = 4                   # bytes per value of a memory column in bytes (fp32)
    count: tuple = ()              # the operations a FLOPs column adds to 2 × MACs (--count)
    how: tuple[tuple[str, str], ...] = ()   # (what, how it was decided)
    in_place: bool = True          # activations: none for a layer that makes no new tensor

    def counts_flops(self, header: str) -> bool:
        return header in self.flops

    def as_dict(self) -> dict:
        return {"bias": self.bias, "flops_columns": sorted(self.flops),
                "k": self.k_base, "rounding": self.rounding, "output_order": self.order,
                "bytes_per_value": self.bpv, "flops_count": list(self.count),
                "how": dict(self.how)}

    def text(self) -> str:
        return "; ".join(f"{what}: {how}" for what, how in self.how)


def cells(n: int) -> str:
    return f"{n} cell{'' if n == 1 else 's'}"


def decide(sheet, opts, variants, steps) -> TableConvention:
    """The table's convention: each part from the option (``opts``, a ``CheckOptions``), else
    from the cells of ``sheet`` (``variants``: the network with its pools forced, for the
    rounding; ``steps``: a ``truth.Steps``)."""
    how: list[tuple[str, str]] = []
    bias = _bias(sheet, opts.bias, how)
    flops = _flops(sheet, opts.flops, how)
    from .convention_counts import bytes_per_value, extras, in_place as _in_place

    in_place = _in_place(sheet, how)
    k = _k_base(sheet, steps, opts.k_base,
                TableConvention(bias=bias, flops=flops, in_place=in_place), how)
    so_far = TableConvention(bias=bias, flops=flops, k_base=k, in_place=in_place)
    rounding = _rounding(sheet, variants, steps, so_far, opts.rounding, how)
    order = _order(sheet, how)
    bpv = bytes_per_value(sheet, steps, TableConvention(bias, flops, k, rounding, order,
                                                         in_place=in_place),
                           getattr(opts, "bytes_per_value", None), how)
    count = extras(sheet, flops, how)
    return TableConvention(bias, flops, k, rounding, order, bpv, count, tuple(how), in_place)


def votes(sheet, fld: str, a_val, b_val, header: str | None = None) -> tuple[int, int]:
    """How many cells of the ``fld`` columns (or only the one headed ``header``) match
    ``a_val(layer)`` only, and ``b_val(layer)`` only."""
    va = vb = 0
    for r, col, text in sheet.cells_of(fld):
        if header is not None and col.header != header:
            continue
        a, b = a_val(r), b_val(r)
        vals = [v for v in read_cell(text, 1000, col.unit, col.field).values if v is not None]
        if a == b or not vals:
            continue
        ma = any(v.matches(a) for v in vals)
        mb = any(v.matches(b) for v in vals)
        va += ma and not mb
        vb += mb and not ma
    return va, vb


# A convention other than the default needs this many cells for it and none against it; with
# thinner evidence the default holds and the other reading is offered as a diagnosis.
EVIDENCE = 2


def _evidence(default: bool, for_default: int, for_other: int) -> tuple[bool, str]:
    """The convention (``default`` or not) and why, from the cells that fit only one."""
    if for_other >= EVIDENCE and not for_default:
        return not default, ""
    if for_other and for_default:
        return default, ("; the table mixes both: the default holds, and the cells that "
                         "differ are marked wrong")
    if for_other:
        return default, f"; {'one cell is' if for_other == 1 else 'too few cells are'} not " \
                        f"enough to leave the default (it takes {EVIDENCE}, none against)"
    return default, ""


def _bias(sheet, given: bool | None, how) -> bool:
    if given is not None:
        how.append(("params", ("weights + biases" if given else "weights only, no biases")
                    + " (as the option says)"))
        return given
    wb, w = votes(sheet, "params", N.params, lambda r: N.params(r, bias=False))
    header_w = any(plain(c.header) in ("weights", "ofweights", "numberofweights")
                   for c in sheet.marked_cols if c.field == "params")
    if wb or w:
        bias, why = _evidence(not header_w, wb if not header_w else w, w if not header_w else wb)
        detail = f"{cells(w)} count{'s' if w == 1 else ''} weights only, {wb} weights + biases" + why
    else:
        bias = not header_w
        detail = ("the column is headed weights" if header_w else
                  "no cell tells; archcalc's default")
    how.append(("params", ("weights + biases" if bias else
                           "weights only, the table does not count biases")
                + f" ({detail})"))
    return bias


def _flops(sheet, given: bool | None, how) -> frozenset:
    """The operations columns that count FLOPs = 2 × MACs: each column by its header unless
    its own cells say otherwise (a table may have both a MACs and a FLOPs column)."""
    out = set()
    for col in sheet.marked_cols:
        if col.field != "macs":
            continue
        if given is not None:
            flops, detail = given, "as the option says"
        else:
            m, f = votes(sheet, "macs", lambda r: r.counts.macs, N.flops, col.header)
            header_f = "flop" in plain(col.header)
            if m or f:
                flops, why = _evidence(header_f, f if header_f else m, m if header_f else f)
                detail = f"{cells(m)} match MACs, {f} FLOPs" + why
            else:
                flops, detail = header_f, "from the header"
        if flops:
            out.add(col.header)
        how.append((f"'{col.header}'", ("FLOPs = 2 × MACs" if flops else
                                        "MACs (multiply-accumulates)") + f" ({detail})"))
    return frozenset(out)


def _k_base(sheet, steps, given: int | None, conv: TableConvention, how) -> int:
    if given is not None:
        how.append(("K", f"{given} (as the option says)"))
        return given
    k1 = k2 = 0
    for r, col, text in sheet.cells_of("W", "H", "C", "params", "macs", "activations",
                                       "activation_bytes", "param_bytes"):
        if not has_suffix(text) and not col.unit:
            continue
        t = layer_value(steps, r, col.field, conv, col.header)
        if t is None:
            continue
        a = read_cell(text, 1000, col.unit, col.field).final
        b = read_cell(text, 1024, col.unit, col.field).final
        ma, mb = bool(a and a.matches(t)), bool(b and b.matches(t))
        k1 += ma and not mb
        k2 += mb and not ma
    binary, why = _evidence(False, k1, k2)
    k = 1024 if binary else 1000
    if k1 or k2:
        how.append(("K", f"{k} ({cells(k1)} read right with K = 1000, {k2} with 1024{why})"))
    return k


def _rounding(sheet, variants, steps, conv: TableConvention, given: str | None, how) -> str:
    """Pooling sizes as the spec says, or all floored, or all in ceil mode (Caffe): the one
    whose sizes more cells of the table agree with."""
    if given is not None:
        if variants.forced(given) is not None:
            how.append(("pooling", f"{'ceil mode' if given == 'ceil' else 'floored'} "
                                   "(as the option says)"))
            return given
        if given in variants.forced_error:
            how.append(("pooling", f"as the spec says: with every pool "
                                   f"{'in ceil mode' if given == 'ceil' else 'floored'} the "
                                   f"network does not fit ({variants.forced_error[given]})"))
        return "spec"
    choices = {"spec": variants.a, "floor": variants.forced("floor"),
               "ceil": variants.forced("ceil")}
    choices = {k: {r.name: r for r in v.rows} for k, v in choices.items() if v is not None}
    if len(choices) == 1:
        return "spec"
    fits = {k: 0 for k in choices}
    against = {k: 0 for k in choices}       # cells that fit another choice but not this one
    for r, col, text in sheet.cells_of("H", "W", "C", "output", "macs", "activations",
                                       "params"):
        rd = read_shape(text) if col.field == "output" else read_cell(text, 1000, col.unit)
        if not (rd.shape or rd.final):
            continue
        hit = set()
        for k, rows in choices.items():
            row = rows[r.name]
            o = row.output
            if col.field == "output":
                ok = rd.shape in ((o.h, o.w, o.c), (o.c, o.h, o.w), (o.c,))
            else:
                v = layer_value(steps, row, col.field, conv, col.header)
                st = steps(row, True).get(col.field)
                got = rounded(st.rounding if st else "", rd.parts[-1], rd.final)
                ok = v is not None and got.matches(v)
            if ok:
                hit.add(k)
        if len(hit) < len(choices):
            for k in choices:
                if k in hit:
                    fits[k] += 1
                elif hit:
                    against[k] += 1
    best = max(fits, key=lambda k: (fits[k], k == "spec"))
    if best != "spec" and (fits[best] < EVIDENCE or against[best]):
        best = "spec"           # too few cells for it, or some against it: the spec holds
    if any(fits[k] for k in fits if k != "spec") or best != "spec":
        words = {"spec": "as the spec says", "floor": "all floored", "ceil": "all in ceil mode"}
        how.append(("pooling", f"{words[best]} ("
                    + ", ".join(f"{cells(n)} fit {words[k]}" for k, n in fits.items())
                    + ")"))
    return best


def _order(sheet, how) -> str:
    outs = [c for c in sheet.marked_cols if c.field == "output"]
    if not outs:
        return "HWC"
    if all(c.order for c in outs):
        how.append(("output", ", ".join(f"'{c.header}' {'×'.join(c.order)}" for c in outs)
                    + " (as the header says)"))
        return outs[0].order
    hwc = chw = 0
    for r, col, text in sheet.cells_of("output"):
        if col.order:
            continue                # the header says the order
        sh, o = read_shape(text).shape, r.output
        if len(sh) == 3:
            hwc += sh == (o.h, o.w, o.c) and sh != (o.c, o.h, o.w)
            chw += sh == (o.c, o.h, o.w) and sh != (o.h, o.w, o.c)
    order = "CHW" if chw > hwc else "HWC"
    how.append(("output", f"{'C×H×W' if order == 'CHW' else 'H×W×C'} "
                          f"({cells(hwc)} read H×W×C, {chw} C×H×W)"))
    return order
