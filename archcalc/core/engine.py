"""Walk a network's graph and return one plain record per layer.

The engine applies each node's rule to the shapes of its inputs; it does no formatting and no
I/O. Errors from a rule are located at the node's place in the spec.
"""

from __future__ import annotations

from .bulk import without_gc
from .errors import SpecError
from .kinds import RULES, LayerError
from .records import Analysis, LayerRow, Note, Shape, new_row
from .spec import Network

EVEN_SEARCH = 64          # how far from the given input to look for sizes with no fraction
EVEN_SEARCH_MAX_NODES = 5_000


def inputs_at(net: Network, x: Shape | None) -> tuple[tuple[str, Shape], ...]:
    """The network's inputs, ``((name, shape), …)``, with the first one's shape ``x`` (``None``:
    the network's own)."""
    if x is None or x == net.inputs[0][1]:
        return net.inputs
    return ((net.inputs[0][0], x),) + net.inputs[1:]


def rows(net: Network, x: Shape | None) -> list[LayerRow]:
    """Every layer's output shape, counts and notes for input ``x``.

    A rule is a pure function of its attributes and its input shapes, so a repeated layer (its
    repeats share one attribute table) with the same inputs is worked out once: its rows share
    the result, input and output shapes, counts, notes and K/S/P text being one object each, and
    a row costs its name and its own record (a network of a million layers fits the README's
    limits). ``x`` is the first input's shape (``None``: the spec's own); the other inputs keep
    their own."""
    env: dict[str, Shape] = dict(inputs_at(net, x))
    out: list[LayerRow] = []
    shared: dict = {}
    one = shared.setdefault
    inputs: dict = {}                # the input shapes' ids (one input's: its id) → their tuple
    done: dict[tuple, tuple] = {}    # (the attrs' id, kind, input shapes' id) → the rule's answer
    for node in net.nodes:
        # Every shape in env is one object per value (``one``), so ids stand for values, and
        # the shapes' own (field by field) hashing is done once per distinct value, not per row.
        if len(node.inputs) == 1:       # the usual layer: its one input's id is the key
            s = env[node.inputs[0]]
            ids = id(s)
            shapes = inputs.get(ids)
            if shapes is None:
                shapes = inputs[ids] = one((s,), (s,))
        else:
            shapes = tuple([env[i] for i in node.inputs])
            ids = tuple([id(s) for s in shapes])
            got = inputs.get(ids)
            if got is None:
                got = inputs[ids] = one(shapes, shapes)
            shapes = got
        key = (id(node.attrs), node.kind, id(shapes))   # node.attrs lives as long as net, and
        answer = done.get(key)                          # shapes as long as inputs: fixed ids
        if answer is None:
            rule = RULES[node.kind]
            ins = list(shapes)
            try:
                rule.check_input(ins)
                res = rule.apply(ins, node.attrs)
            except LayerError as e:
                where = (f" (input {ins[0]})" if rule.arity == 1 else
                         " (branches: " + ", ".join(f"{n} {x}" for n, x in zip(node.inputs, ins))
                         + ")")
                raise SpecError(f"{e}{where}", file=net.file, where=node.where,
                                found=str(node.found)) from None
            answer = done[key] = (one(res.shape, res.shape), one(res.counts, res.counts),
                                  one(res.notes, res.notes),
                                  rule.geometry_at(node.attrs, ins))
        shape, counts, notes, geo = answer
        env[node.name] = shape
        if node.notes:
            notes = notes + tuple(Note("spec", t) for t in node.notes)
        out.append(new_row(node.name, node.kind, node.attrs, node.inputs, shapes, shape,
                            counts, notes, geo, node.aux))
    return out


EVEN_SEARCH_BUDGET = 15_000    # layer evaluations the search may spend (start-up time matters)


def _has_fraction(net: Network, x: Shape, budget: list[int]) -> bool | None:
    """Whether some layer leaves input pixels out at input ``x`` (``None``: the network does not fit
    it); stops at the first one, since the search below tries up to 2·EVEN_SEARCH inputs and
    must not build rows. Each layer evaluated takes one from ``budget[0]``."""
    env: dict[str, Shape] = dict(inputs_at(net, x))
    for node in net.nodes:
        budget[0] -= 1
        rule = RULES[node.kind]
        ins = [env[i] for i in node.inputs]
        try:
            rule.check_input(ins)
            res = rule.apply(ins, node.attrs)
        except LayerError:
            return None
        if any(n.kind == "fraction" for n in res.notes):
            return True
        env[node.name] = res.shape
    return False


def _even_inputs(net: Network, x: Shape) -> tuple[int, ...]:
    """The nearest square input sizes (one below, one above) at which no layer's floored
    output leaves input pixels out (a note of kind "fraction")."""
    if x.h != x.w or len(net.nodes) > EVEN_SEARCH_MAX_NODES or len(net.inputs) > 1:
        # (several inputs: which of them to resize is no one question; none is searched)
        return ()
    found = []
    budget = [EVEN_SEARCH_BUDGET]
    for direction in (-1, 1):
        for d in range(1, EVEN_SEARCH + 1):
            size = x.h + direction * d
            if size < 1 or budget[0] <= 0:
                break
            if _has_fraction(net, Shape(x.c, size, size), budget) is False:
                found.append(size)
                break
    return tuple(sorted(found))


@without_gc
def analyse(net: Network, x: Shape | None = None) -> Analysis:
    """Analyse ``net`` at input ``x`` (the spec's own input when ``None``)."""
    x = x or net.input
    rs = tuple(rows(net, x))
    has_fraction = any(n.kind == "fraction" for r in rs for n in r.notes)
    return Analysis(net.name, net.description, net.source, net.file, x, rs, net.notes,
                    _even_inputs(net, x) if has_fraction else (), net.accuracy,
                    groups=net.groups, inputs=inputs_at(net, x))
