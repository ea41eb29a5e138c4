"""What the importers' round trips compare: an analysis's inference rows as a multiset.

Rows are (kind, output, params, MACs). Three differences of style between a hand-written spec and
the module it describes are normalised, each on both sides:
* ``flatten`` rows are left out: a flatten is a view, and archcalc's ``fc`` reads a C×H×W map as
  a vector, so a spec writes one or not as it likes (torchvision's forward calls torch.flatten);
* a row with no parameters and no MACs has its output compared by its number of values (a dropout
  written before that flatten sees the same 1,024 values as one after it);
* an adaptive average pool to 1×1 is a global average pool (``gap``);
* a depthwise conv followed at once by a 1×1 conv reading it is one depthwise-separable row
  (``sepconv``: Keras's SeparableConv2D is one layer, timm's Xception two modules);
* a pointwise conv (``pwconv``) is a conv (a 1×1 kernel: the same counts);
* squeeze-and-excitation written out (a global pool, a conv or fc, an activation, another, a
  sigmoid or hard-sigmoid gate, and the product with the map it read) is one ``se`` row with
  their parameters and MACs summed, as the ``se`` kind writes it in one row.
"""

from __future__ import annotations

from collections import Counter


GATES, ACTS, FCS = ("sigmoid", "hardsigmoid"), ("relu", "silu"), ("conv", "fc", "pwconv")


def _se_parts(rows) -> dict[str, tuple]:
    """{the product's name: the names of the SE parts it closes}, for each written-out SE."""
    by_name = {r.name: r for r in rows}
    out = {}
    for r in rows:
        if r.kind != "mul" or len(r.inputs) != 2:
            continue
        chain, cur = [], by_name.get(r.inputs[1])
        while cur is not None and len(chain) < 7 and cur.kind != "gap":
            chain.append(cur)
            cur = by_name.get(cur.inputs[0]) if len(cur.inputs) == 1 else None
        if cur is None or cur.inputs != (r.inputs[0],):
            continue
        kinds = [c.kind for c in reversed(chain) if c.kind != "flatten"]
        if (len(kinds) == 4 and kinds[0] in FCS and kinds[1] in ACTS and kinds[2] in FCS
                and kinds[3] in GATES):
            out[r.name] = tuple(c.name for c in chain) + (cur.name,)
    return out


def comparable(analysis) -> Counter:
    rows = [r for r in analysis.rows if not r.aux]
    se = _se_parts(rows)
    parts = {n for names in se.values() for n in names}
    by_name = {r.name: r for r in rows}
    folded = []
    for r in rows:
        if r.name in parts:
            continue
        if r.name in se:
            group = [by_name[n] for n in se[r.name]] + [r]
            folded.append(("se", str(r.output), sum(x.params for x in group),
                           sum(x.counts.macs for x in group)))
        elif r.kind != "flatten":
            folded.append(r)
    rows = [r for r in folded if not isinstance(r, tuple)]
    out = [r for r in folded if isinstance(r, tuple)]
    i = 0
    while i < len(rows):
        r = rows[i]
        nxt = rows[i + 1] if i + 1 < len(rows) else None
        if (r.kind == "dwconv" and nxt is not None and nxt.kind in ("conv", "pwconv")
                and nxt.inputs == (r.name,) and nxt.attrs["k"] == (1, 1) and not r.counts.biases):
            out.append(("sepconv", str(nxt.output), r.params + nxt.params,
                        r.counts.macs + nxt.counts.macs))
            i += 2
            continue
        kind = "conv" if r.kind == "pwconv" else r.kind
        if kind == "adaptive_avgpool" and r.attrs["adaptive_avgpool"] == (1, 1):
            kind = "gap"
        shape = (str(r.output) if r.params or r.counts.macs else r.output.elements)
        out.append((kind, shape, r.params, r.counts.macs))
        i += 1
    return Counter(out)


def difference(imported, bundled) -> tuple[Counter, Counter]:
    a, b = comparable(imported), comparable(bundled)
    return a - b, b - a
