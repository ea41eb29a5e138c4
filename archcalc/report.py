"""Rendering: an ``Analysis`` in, a string out (text, GitHub Markdown, CSV or JSON).

Every format is built from the same rows; numbers stay exact integers until here, and are
formatted (thousands separators) only in the human-readable formats.
"""

from __future__ import annotations

from dataclasses import dataclass

from .records import Analysis, LayerRow

FORMATS = ("text", "github", "csv", "json")


@dataclass(frozen=True)
class Options:
    """How to count: ``bias=False`` counts weights only, as many lecture tables do;
    ``aux=True`` adds a second total that includes the auxiliary heads."""

    bias: bool = True
    aux: bool = False


def layer_params(r: LayerRow, opt: Options) -> int:
    return r.counts.params if opt.bias else r.counts.weights


def conventions(a: Analysis, opt: Options) -> dict:
    """What was counted, in words; printed under every table and put in the JSON."""
    t = a.totals
    out = {
        "params": ("trainable weights + biases" if opt.bias else
                   "weights only; biases are not counted (--no-bias)"),
        "macs": ("multiply-accumulates of the weighted layers (conv, fc; LeNet-5's subsampling "
                 "and RBF units), batch 1; bias additions, pooling, normalization and "
                 "activations are not counted"),
        "flops": "FLOPs = 2 × MACs",
        "rounding": "output sizes are floored unless a layer says ceil",
    }
    if t.fixed:
        out["fixed"] = (f"{t.fixed:,} parameters are fixed (not trained) and are not in the "
                        "params total")
    if t.buffers:
        out["buffers"] = (f"{t.buffers:,} non-trainable buffer values are not in params: batch "
                          "norm's running mean and variance, 2·C per layer (torch's "
                          "num_batches_tracked, one integer per layer, is not counted); Keras's "
                          f"'Total params' counts them: params + buffers = "
                          f"{(t.params if opt.bias else t.weights) + t.buffers:,}")
    if a.has_aux:
        ta = a.totals_with_aux
        extra = (ta.params if opt.bias else ta.weights) - (t.params if opt.bias else t.weights)
        out["aux"] = (f"rows marked (aux) are auxiliary classifier heads, used in training only: "
                      f"they are not in the inference total ({extra:,} params, "
                      f"{ta.macs - t.macs:,} MACs)"
                      + ("; the second total includes them" if opt.aux else
                         "; --aux adds a total that includes them"))
    return out


def _notes(a: Analysis) -> list[tuple[str, str]]:
    """(row name, text) for every note, in row order."""
    return [(r.name, n.text) for r in a.rows for n in r.notes]


def _hw(r: LayerRow) -> tuple[object, object]:
    return ("", "") if r.output.flat else (r.output.h, r.output.w)


def _n(v) -> str:
    return f"{v:,}" if isinstance(v, int) else str(v)


def render(a: Analysis, fmt: str = "text", opt: Options = Options()) -> str:
    if fmt == "json":
        return render_json(a, opt)
    if fmt == "csv":
        return render_csv(a, opt)
    return render_table(a, opt, markdown=(fmt == "github"))


def render_table(a: Analysis, opt: Options, markdown: bool = False) -> str:
    from tabulate import tabulate

    show_fixed = a.totals.fixed > 0
    headers = ["layer", "kind", "K/S/P", "H", "W", "C", "params", "MACs"]
    if show_fixed:
        headers.insert(7, "fixed")
    headers.append("note")
    note_no: dict[str, list[int]] = {}
    numbered = _notes(a)
    for i, (name, _) in enumerate(numbered, 1):
        note_no.setdefault(name, []).append(i)
    body = []
    for r in a.rows:
        h, w = _hw(r)
        row = [r.name, f"{r.kind} (aux)" if r.aux else r.kind, r.geometry, _n(h), _n(w),
               _n(r.output.c),
               f"{layer_params(r, opt):,}",
               f"{r.counts.macs:,}"]
        if show_fixed:
            row.insert(7, f"{r.counts.fixed:,}" if r.counts.fixed else "0")
        row.append(" ".join(f"[{i}]" for i in note_no.get(r.name, [])))
        body.append(row)
    t = a.totals
    totals = []
    for label, tt in [("total", t)] + ([("total with aux", a.totals_with_aux)]
                                       if opt.aux and a.has_aux else []):
        total = [label, "", "", "", "", "", f"{(tt.params if opt.bias else tt.weights):,}",
                 f"{tt.macs:,}"]
        if show_fixed:
            total.insert(7, f"{tt.fixed:,}")
        total.append("")
        totals.append(total)
    if markdown:
        body += [["**" + x + "**" if x else x for x in total] for total in totals]
        table = tabulate(body, headers, tablefmt="github", disable_numparse=True,
                         colalign=_align(headers))
    else:
        table = tabulate(body + totals, headers, tablefmt="simple", disable_numparse=True,
                         colalign=_align(headers))
        lines = table.split("\n")
        rule = lines[1]
        k = len(totals)
        table = "\n".join(lines[:-k] + [rule] + lines[-k:])
    x = a.input
    head = [f"{a.network} — {a.description}", f"source: {a.source}",
            f"input: {x.c}×{x.h}×{x.w} (C×H×W), batch 1"]
    conv = conventions(a, opt)
    foot = [f"params: {conv['params']}.",
            f"MACs: {conv['macs']}. FLOPs = 2 × MACs = {2 * t.macs:,}.",
            f"sizes: {conv['rounding']}."]
    if "fixed" in conv:
        foot.append(f"fixed: {conv['fixed']}.")
    if "buffers" in conv:
        foot.append(f"buffers: {conv['buffers']}.")
    if "aux" in conv:
        foot.append(f"aux: {conv['aux']}.")
    for n in a.notes:
        foot.append(f"spec: {n}.")
    if numbered:
        foot.append("notes:")
        foot += [f"  [{i}] {name}: {text}" for i, (name, text) in enumerate(numbered, 1)]
    if a.even_inputs:
        sizes = " or ".join(f"{s}×{s}" for s in a.even_inputs)
        foot.append(f"nearest inputs at which no layer drops pixels: {sizes}")
    return "\n\n".join(["\n".join(head), table, "\n".join(foot)]) + "\n"


def _align(headers: list[str]) -> list[str]:
    return ["left" if h in ("layer", "kind", "K/S/P", "note") else "right" for h in headers]


def render_csv(a: Analysis, opt: Options) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    aux = a.has_aux         # an "aux" column only for networks with auxiliary heads
    w.writerow(["layer", "kind", "kernel_stride_padding", "h", "w", "c", "params", "fixed",
                "macs", "notes"] + (["aux"] if aux else []))
    for r in a.rows:
        h, wd = _hw(r)
        w.writerow([r.name, r.kind, r.geometry, h, wd, r.output.c, layer_params(r, opt),
                    r.counts.fixed, r.counts.macs, " | ".join(n.text for n in r.notes)]
                   + ([str(r.aux).lower()] if aux else []))
    t = a.totals
    w.writerow(["total", "", "", "", "", "", t.params if opt.bias else t.weights, t.fixed,
                t.macs, ""] + ([""] if aux else []))
    if opt.aux and a.has_aux:
        ta = a.totals_with_aux
        w.writerow(["total with aux", "", "", "", "", "", ta.params if opt.bias else ta.weights,
                    ta.fixed, ta.macs, "", ""])
    return buf.getvalue()


def to_dict(a: Analysis, opt: Options = Options()) -> dict:
    """The JSON contract: ``network``, ``input`` [C, H, W], ``layers`` and ``totals``."""
    t = a.totals
    return {
        "network": a.network,
        "description": a.description,
        "source": a.source,
        "spec_file": a.spec_file,
        "input": a.input.as_list(),
        "conventions": dict(conventions(a, opt), bias_counted=opt.bias),
        "layers": [
            {
                "name": r.name,
                "kind": r.kind,
                "inputs": list(r.inputs),
                "geometry": r.geometry,
                "output": r.output.as_list(),
                "flat": r.output.flat,
                "params": layer_params(r, opt),
                "weights": r.counts.weights,
                "biases": r.counts.biases,
                "fixed_params": r.counts.fixed,
                "buffers": r.counts.buffers,
                "macs": r.counts.macs,
                "flops": 2 * r.counts.macs,
                "notes": [{"kind": n.kind, "text": n.text} for n in r.notes],
                "aux": r.aux,
            }
            for r in a.rows
        ],
        "totals": {
            "params": t.params if opt.bias else t.weights,
            "weights": t.weights,
            "biases": t.biases,
            "fixed_params": t.fixed,
            "buffers": t.buffers,
            "macs": t.macs,
            "flops": 2 * t.macs,
        },
        "notes": list(a.notes),
        "even_inputs": list(a.even_inputs),
    } | ({"totals_with_aux": _totals_dict(a.totals_with_aux, opt)} if opt.aux and a.has_aux
         else {})


def _totals_dict(t, opt: Options) -> dict:
    return {"params": t.params if opt.bias else t.weights, "weights": t.weights,
            "biases": t.biases, "fixed_params": t.fixed, "buffers": t.buffers, "macs": t.macs,
            "flops": 2 * t.macs}


def render_json(a: Analysis, opt: Options) -> str:
    import json

    return json.dumps(to_dict(a, opt), indent=2, ensure_ascii=False) + "\n"


def render_list(infos) -> str:
    from tabulate import tabulate

    rows = [[i.name, i.description, i.source] for i in infos]
    return tabulate(rows, ["network", "description", "source"], tablefmt="simple") + "\n"
