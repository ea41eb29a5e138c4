"""Aligning the table's rows to the network's layers, and saying how each row was aligned.

Real tables label their rows in many ways: by the layer's name (``Conv1`` finds ``conv1``,
``MaxPool1`` ``pool1``), with decorations (``CONV1 (f=5, s=1)``, ``conv2d_1 (Conv2D)``), by a
kind word that repeats (``CONV3-64``, ``POOL2`` four times, ``FC`` three times, ``Softmax``),
or by number (``Layer 3``). So:

1. a total row and an input row are recognised by their words;
2. a label that names one layer of the network (decorations stripped, used once in the table)
   is that layer: "by name";
3. the other rows are aligned, in order, between the named ones, by a sequence alignment of the
   table's rows to the network's layers: a row's kind word must fit the layer's kind, the cells'
   values count as evidence, and the layers lecture tables habitually leave out (activations,
   flatten, dropout, normalization, the softmax after a classifier) are skipped cheaply, pools
   less cheaply, weighted layers dearly: "by kind and order" (or "by order" for a row with no
   kind word). A ``Softmax``/``output`` row that carries parameters stands for the classifier
   before it: "as the classifier".

With ``--by-order`` no label is read as a name: every row is aligned, the same way.
A row with a label that is neither a name, a kind word nor a number is not matched (never
guessed), with a "did you mean".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...analysis import counting as N
from ...core.errors import suggest
from ...core.names import Index, plain
from ...core.records import Analysis, LayerRow
from ..answers import FIELDS, RF_FIELDS, Column, Table
from . import stages
from .labels import INPUT_NAMES, TOTAL_NAMES, label_kind, layer_class, strip_decorations
from .reading import is_ditto, read_cell, read_shape

HOW = {"name": "by name", "kind": "by kind and order", "order": "by order",
       "classifier": "as the classifier", "stage": "as a stage (the sum of its layers)",
       "all": "as every layer of a kind (their sum)"}


@dataclass(frozen=True)
class Row:
    """A row of the table and what it stands for."""

    index: int                 # in ``Table.rows``
    name: str                  # as written
    layer: LayerRow | None     # the layer aligned ("layer" rows only)
    kind: str                  # "layer", "input", "total" or "group"
    how: str = ""              # a key of HOW
    group: tuple = ()          # a "group" row's layers (a stage, every BN layer), in order
    input: str = ""            # an "input" row's input, by the network's name for it


# What skipping a layer costs: lecture tables leave out activations, flatten, dropout and
# normalization all the time, pools sometimes, weighted layers almost never.
_SKIP = {"act": 0.05, "softmax": 0.05, "dropout": 0.05, "flatten": 0.05, "norm": 0.05,
         "join": 0.3, "pool": 1.5}
_SKIP_WEIGHTED = 3.0
_UNMATCHED = 2.5
_MISFIT = -6.0


def _skip(r: LayerRow) -> float:
    if r.aux:
        return 0.0
    return _SKIP.get(layer_class(r), _SKIP_WEIGHTED if r.counts.params else 0.3)


def weighted(r: LayerRow) -> bool:
    return bool(r.counts.params) and layer_class(r) not in _SKIP


# --- the evidence of a row's cells -------------------------------------------------------------

def _evidence(cells: dict[str, list[str]]):
    """The readable values of a row: field → values (shapes for "output")."""
    out: dict[str, list] = {}
    for fld, texts in cells.items():
        if fld in RF_FIELDS:
            continue
        for text in texts:
            rd = read_shape(text) if fld == "output" else read_cell(text, 1000)
            if fld == "output" and rd.shape:
                out.setdefault(fld, []).append(rd.shape)
            elif fld != "output" and rd.final is not None:
                out.setdefault(fld, []).append(rd.final)
    return out


def _carries(cells: dict[str, list[str]]) -> bool:
    """Whether a row's parameter cells hold a number other than 0."""
    return any(not (v.exact and v.value == 0) for v in _evidence(
        {"params": cells.get("params", [])}).get("params", []))


def _facts(r: LayerRow) -> tuple[str, set, dict]:
    """A layer's class, the shapes it may be written as, and its values by field."""
    o = r.output
    shapes = ({(o.c,), (o.c, 1), (1, o.c), (1, 1, o.c), (o.c, 1, 1)} if o.flat else
              {(o.h, o.w, o.c), (o.c, o.h, o.w), (o.c,), (o.c, 1), (1, o.c), (1, 1, o.c),
               (o.h, o.w)})
    values = {"W": () if o.flat else (o.w,), "H": () if o.flat else (o.h,), "C": (o.c,),
              "activations": (o.elements, N.activations(r)), "params": (N.params(r), N.params(r, bias=False)),
              "macs": (r.counts.macs, N.flops_of_macs(r.counts.macs))}
    values["activation_bytes"] = tuple(b * v for v in values["activations"] for b in (4, 2, 1))
    values["param_bytes"] = tuple(b * v for v in values["params"] for b in (4, 2, 1))
    return layer_class(r), shapes, values


def _values_fit(ev, shapes: set, values: dict) -> float:
    score = 0.0
    for fld, vals in ev.items():
        for v in vals:
            if fld == "output":
                score += 1.5 if v in shapes else -0.3
            else:
                score += 1.0 if any(v.matches(t) for t in values.get(fld, ())) else -0.3
    return score


def _fit(kind: str, ev, r: LayerRow, facts, classifier: bool) -> tuple[float, str]:
    """How well a row (its label's kind, its values) fits the layer, and how it would be
    aligned."""
    c, shapes, values = facts
    how = "kind"
    if kind in ("", "ordinal"):             # no kind word: a row for a layer tables list
        base, how = (-1.0 if c in _SKIP and c not in ("pool", "join") else 1.0), "order"
    elif kind == c or (kind == "softmax" and c == "act" and r.kind == "softmax"):
        base = 3.0
    elif kind == "softmax" and c == "fc" and classifier:
        base, how = 3.0, "classifier"
    else:
        return _MISFIT, how
    return base + _values_fit(ev, shapes, values), how


def _align(rows: list[tuple[int, str, dict]], layers: list[LayerRow]):
    """The best monotone alignment of ``rows`` (index, kind, evidence) to ``layers``: its
    score, and index → (layer, how) for the rows aligned."""
    n, m = len(rows), len(layers)
    if not n or not m:
        return float("-inf"), {}
    skips = [_skip(r) for r in layers]
    facts = [_facts(r) for r in layers]
    fits = []
    for _, kind, ev, classifier in rows:
        fits.append([_fit(kind, ev, r, f, classifier) for r, f in zip(layers, facts)])
    neg = float("-inf")
    best = [[neg] * (m + 1) for _ in range(n + 1)]
    move = [[0] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for j in range(1, m + 1):
        best[0][j], move[0][j] = best[0][j - 1] - skips[j - 1], 1
    for i in range(1, n + 1):
        best[i][0], move[i][0] = best[i - 1][0] - _UNMATCHED, 2
        for j in range(1, m + 1):
            cands = ((best[i][j - 1] - skips[j - 1], 1), (best[i - 1][j] - _UNMATCHED, 2))
            f = fits[i - 1][j - 1][0]
            if f > _MISFIT:
                cands += ((best[i - 1][j - 1] + f, 3),)
            best[i][j], move[i][j] = max(cands, key=lambda t: t[0])
    out = {}
    i, j = n, m
    while i or j:
        mv = move[i][j]
        if mv == 3:
            out[rows[i - 1][0]] = (layers[j - 1], fits[i - 1][j - 1][1])
            i, j = i - 1, j - 1
        elif mv == 2:
            i -= 1
        else:
            j -= 1
    return best[n][m], out


# --- the whole table ---------------------------------------------------------------------------

MAX_CELLS = 3_000_000       # rows × layers beyond which rows are matched by name only


def match(table: Table, cols: list[Column], a: Analysis, by_order: bool):
    """The rows aligned (with how); those not, as (line, name as written, a "did you mean");
    and notes on the alignment."""
    name_col = next((c.index for c in cols if c.field == "name"), 0)
    marked = [c for c in cols if c.field in FIELDS]
    by_name = {r.name: r for r in a.rows}
    position = {r.name: k for k, r in enumerate(a.rows)}
    index = Index(by_name)
    totals = {plain(t) for t in TOTAL_NAMES}
    inputs = {plain(t) for t in INPUT_NAMES}
    own_inputs = {plain(n): n for n, _ in a.inputs} if len(a.inputs) > 1 else {}
    labels = [cells[name_col] if name_col < len(cells) else "" for cells in table.rows]
    counts: dict[str, int] = {}
    for lab in labels:
        counts[lab.strip().casefold()] = counts.get(lab.strip().casefold(), 0) + 1

    def cell_texts(i: int) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for col in marked:
            text, j = table.rows[i][col.index] if col.index < len(table.rows[i]) else "", i
            while is_ditto(text) and j > 0:
                j -= 1
                text = table.rows[j][col.index] if col.index < len(table.rows[j]) else ""
            out.setdefault(col.field, []).append(text)
        return out

    fixed: dict[int, Row] = {}
    loose: list[tuple[int, str]] = []          # (row index, kind) of the rows to align
    unmatched: list[tuple[int, str, str]] = []
    for i, name in enumerate(labels):
        key = plain(name)
        bare = strip_decorations(name)
        if key in totals or plain(bare) in totals:
            fixed[i] = Row(i, name, None, "total")
            continue
        hit = None
        if not by_order and counts[name.strip().casefold()] == 1:   # "POOL2" four times is a
            #                                   kind word, not pool2
            # A framework's own name ("dense_1 (Dense)", Keras counts from 0) is a name only
            # as written, never through the words a spec shortens ("dense_1" is not fc1).
            # torchsummary's "ReLU-2" counts every module: a kind word, never a name.
            words = not re.search(r"\(\s*[A-Za-z]\w*\s*\)\s*$", name)
            if not re.fullmatch(r"[A-Z][A-Za-z0-9]*-\d+", name.strip()):
                hit = index.find(name, words) or (index.find(bare, words) if bare else None)
        kind = label_kind(name)
        named = own_inputs.get(key) or own_inputs.get(plain(bare))
        if hit is None and named:                   # the network's own name for an input
            fixed[i] = Row(i, name, None, "input", input=named)
            continue
        if hit is None and (key in inputs or plain(bare) in inputs):
            fixed[i] = Row(i, name, None, "input", input=a.inputs[0][0])
            continue
        if hit is not None and by_name[hit].kind == "softmax" and _carries(cell_texts(i)):
            hit, kind = None, "softmax"         # a Softmax row with parameters: the classifier
        if hit is not None:
            fixed[i] = Row(i, name, by_name[hit], "layer", "name")
            continue
        group = (stages.find(name, a) or (stages.find(bare, a) if bare and bare != name
                                          else None)   # "· conv2_1": a rollup's block
                 if not by_order and counts[name.strip().casefold()] == 1 else None)
        if group is not None:
            members, how = group
            fixed[i] = Row(i, name, members[-1] if how == "stage" else None, "group", how,
                           members)
            continue
        if kind or by_order:
            loose.append((i, kind))
            continue
        hint = suggest(name, by_name) if name and len(unmatched) < 20 else ""
        unmatched.append((table.lines[i], name, hint))

    # The unnamed rows between two named ones are aligned to the layers between them.
    layers = [r for r in a.rows]
    notes: list[str] = []
    anchors = sorted((i, position[r.layer.name]) for i, r in fixed.items() if r.layer)
    segments: list[tuple[list[tuple[int, str]], int, int]] = []
    for i, kind in loose:
        before = [p for k, p in anchors if k < i]
        after = [p for k, p in anchors if k > i]
        lo = (before[-1] + 1) if before else 0
        hi = after[0] if after and (not before or after[0] > before[-1]) else len(layers)
        if segments and segments[-1][1:] == (lo, hi):
            segments[-1][0].append((i, kind))
        else:
            segments.append(([(i, kind)], lo, hi))
    last_weighted = max((k for k, r in enumerate(layers) if layer_class(r) == "fc"
                         and not r.aux), default=-1)
    for seg, lo, hi in segments:
        window = layers[lo:hi]
        if len(seg) * len(window) > MAX_CELLS:
            window = []
        rows = []
        for i, kind in seg:
            ev = _evidence(cell_texts(i))
            rows.append((i, kind, ev, kind == "softmax" and _carries(cell_texts(i))))
        score, aligned = _align(rows, window)
        if not anchors and len(rows) > 1 and (len(rows) * len(window) <= 50_000
                                              or 3 * len(aligned) < 2 * len(rows)):
            # Perhaps a table written from the output back (tried where it is cheap, or
            # where many rows were left over).
            back, flipped = _align(rows[::-1], window)
            if back > score:
                aligned = flipped
                notes.append("the table lists the layers from the output back to the "
                             "input; its rows are aligned in that order")
        for i, kind in seg:
            if i in aligned:
                layer, how = aligned[i]
                if how == "classifier" and layers.index(layer) != last_weighted:
                    how = "kind"
                fixed[i] = Row(i, labels[i], layer, "layer", how)
            else:
                unmatched.append((table.lines[i], labels[i], suggest(labels[i], by_name)
                                  if labels[i] and len(unmatched) < 20 else ""))
    unmatched.sort()
    return [fixed[i] for i in sorted(fixed)], unmatched, notes


def rebind(rows: list[Row], a: Analysis) -> list[Row]:
    """The same rows matched to the same layers of ``a`` (the network with other sizes)."""
    by_name = {r.name: r for r in a.rows}
    return [Row(r.index, r.name, by_name[r.layer.name] if r.layer else None, r.kind, r.how,
                tuple(by_name[x.name] for x in r.group)) for r in rows]


def gaps(rows: list[Row], a: Analysis) -> list[str]:
    """The weighted layers between the first and the last row aligned that no row stands for
    (a table that leaves out a layer, or describes a sibling network)."""
    aligned = [r for r in rows if r.layer is not None]
    if not aligned:
        return []
    pos = {r.name: k for k, r in enumerate(a.rows)}
    listed = {r.layer.name for r in rows if r.layer is not None}
    listed |= {x.name for r in rows for x in r.group}
    lo = min(pos[r.layer.name] for r in aligned)
    hi = max(pos[r.layer.name] for r in aligned)
    return [r.name for r in a.rows[lo:hi + 1]
            if weighted(r) and not r.aux and r.name not in listed]
