"""Rollups: the layer rows as a tree of stages, blocks and layers, with a subtotal per group —
what torchinfo's nested view and its ``depth`` show, from the spec's own structure.

The tree comes from the spec, never from the look of a name (``Analysis.groups``):

* a **block instance** is one ``use = "block"`` of the spec (``conv3_2``, an instance of
  ``bottleneck``); its rows are named ``conv3_2/…``;
* a **stage** is a repeated item (``n = 4``, ``name = "conv3"``): its repeats ``conv3_1`` …
  ``conv3_4``, block instances or layers (a stage of one repeat is still a stage);
* a block instance whose body is one stage and nothing else (DenseNet's ``denseblock1``, four
  to 48 ``denselayer``) is shown as that stage, named after the instance: the stage adds no level.

Depth as torchinfo counts it: the top-level groups and layers are at depth 1, their children at
2, and so on. A layer is its row itself (``LayerRow``, no node of its own: a million layers' tree
holds no object per layer); its depth is its group's plus one (a top-level layer's: 1).
``lines(tree, depth=N)`` lists every group and layer down to depth N, a group at depth N as one
subtotal row; ``lines(tree, by="block")`` lists the layers outside any block and one subtotal
row per outermost block instance; ``by="stage"`` is depth 1.

A subtotal is the sum over the layers under the group, each layer counted once; the output of a
group is the output of its last layer that is not in an auxiliary head. A group whose layers are
all auxiliary (GoogLeNet's ``aux1``) is auxiliary itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Union

from ..core.bulk import without_gc
from ..core.records import Analysis, LayerRow

BY = ("block", "stage")


@dataclass(slots=True)    # (slots: a tree of a million layers in less memory)
class Group:
    """A stage or a block instance: ``name`` its path (``conv3``, ``conv3_2``), ``kind``
    ``"stage"`` or ``"block"``; ``block`` the block it instantiates (a stage: its repeats' block,
    where they are instances of one block); ``repeats`` a stage's ``n``; ``instance``: it is one
    ``use`` of a block (a block instance, or one shown as the stage it holds)."""

    name: str
    kind: str
    depth: int = 0
    block: str = ""
    repeats: int = 0
    instance: bool = False
    children: list[Union["Group", LayerRow]] = field(default_factory=list)

    def layers(self) -> Iterator[LayerRow]:
        """Every layer row under this group, in order."""
        for c in self.children:
            if type(c) is Group:
                yield from c.layers()
            else:
                yield c

    def rows(self) -> list[LayerRow]:
        """``list(self.layers())``, made without a generator per level."""
        out = []
        for c in self.children:
            if type(c) is Group:
                out.extend(c.rows())
            else:
                out.append(c)
        return out

    @property
    def aux(self) -> bool:
        return all(r.aux for r in self.layers())

    @property
    def label(self) -> str:
        """What the group is: ``4 × bottleneck`` (a stage), ``bottleneck`` (a block instance),
        ``3 repeats`` (a stage of layers)."""
        if self.kind == "stage":
            return f"{self.repeats} × {self.block}" if self.block else f"{self.repeats} repeats"
        return self.block


Node = Union[Group, LayerRow]


def _chain(path: str, repeats: dict[str, str], chains: dict) -> tuple[tuple[str, str], ...]:
    """The groups that the rows of block instance ``path`` lie in (``""``: none), outermost
    first, as (path, kind): for ``conv3_2``, ``(("conv3", "stage"), ("conv3_2", "block"))``.
    ``chains`` (path → its chain, kept between calls) spares working out an outer instance's
    chain again for each instance inside it."""
    if not path:
        return ()
    got = chains.get(path)
    if got is None:
        outer = _chain(path.rpartition("/")[0], repeats, chains)
        stage = repeats.get(path)
        got = outer + (((stage, "stage"), (path, "block")) if stage is not None else
                       ((path, "block"),))
        if len(chains) >= 4096:
            chains.clear()
        chains[path] = got
    return got


@without_gc     # a node per layer, made in bulk (see core.bulk)
def tree(a: Analysis) -> list[Node]:
    """The top-level nodes of ``a``'s rows as a tree (see the module's docstring)."""
    top: list[Node] = []
    stack: list[tuple[tuple[str, str], Group]] = []       # the open groups, outermost first
    chains: dict = {}
    repeats, uses, stages = a.groups.repeats, a.groups.uses, a.groups.stages
    into = top              # the children of the innermost open group
    before = None           # the block instance of the row before, if that row was no repeat
    for r in a.rows:
        name = r.name
        parent = name.rpartition("/")[0]
        # A row in the block instance of the row before, neither of them a repeat: its groups
        # are the open ones (most rows of a repeated block; no chain worked out).
        if parent == before and name not in repeats:
            into.append(r)
            continue
        chain = _chain(parent, repeats, chains)
        stage = repeats.get(name)
        if stage is None:
            before = parent
        else:                   # a repeat of a layer: in the stage of its repeats
            chain, before = chain + ((stage, "stage"),), None
        keep = 0
        while keep < len(stack) and keep < len(chain) and stack[keep][0] == chain[keep]:
            keep += 1
        del stack[keep:]
        for key in chain[keep:]:
            path, kind = key
            g = Group(path, kind, 0, uses.get(path, ""),
                      stages.get(path, 0) if kind == "stage" else 0, kind == "block", [])
            (stack[-1][1].children if stack else top).append(g)
            stack.append((key, g))
        into = stack[-1][1].children if stack else top
        into.append(r)
    for n in top:
        if type(n) is Group:
            _fold(n)
    _number(top, 1)
    return top


def _fold(n: Group) -> None:
    """A stage takes its repeats' block where they are instances of one block; a block
    instance whose only child is a stage becomes that stage, under the instance's name."""
    for c in n.children:
        if type(c) is Group:
            _fold(c)
    if n.kind == "stage":
        blocks = {c.block if type(c) is Group and c.instance else "" for c in n.children}
        n.block = blocks.pop() if len(blocks) == 1 else ""
    elif len(n.children) == 1 and type(n.children[0]) is Group and (
            n.children[0].kind == "stage"):
        inner = n.children[0]
        n.children, n.repeats, n.block, n.kind = (inner.children, inner.repeats, inner.block,
                                                  "stage")


def _number(nodes: list[Node], depth: int) -> None:
    for n in nodes:
        if type(n) is Group:
            n.depth = depth
            _number(n.children, depth + 1)


def max_depth(nodes: list[Node], depth: int = 1) -> int:
    """The depth of the deepest node of ``nodes`` (at ``depth``)."""
    return max((max(n.depth, max_depth(n.children, depth + 1)) if type(n) is Group else depth
                for n in nodes), default=0)


@dataclass(frozen=True, slots=True)   # (slots: a line per block instance of a million layers)
class Line:
    """One row of a rolled-up table at ``depth``: a layer (its row), or a group
    (``collapsed``: its subtotal stands for the rows under it, which are not listed; else its
    children follow it)."""

    node: Node
    depth: int
    collapsed: bool = False


@without_gc     # a line per group or layer shown, made in bulk
def lines(nodes: list[Node], depth: int | None = None, by: str | None = None) -> list[Line]:
    """What a rollup lists, in order: every node down to ``depth`` (a group at ``depth`` as
    one collapsed subtotal), or with ``by="block"`` the layers outside blocks and one
    collapsed line per outermost block instance (``by="stage"``: depth 1)."""
    if by == "stage":
        depth, by = 1, None
    out: list[Line] = []

    def walk(ns: list[Node], d: int) -> None:
        for n in ns:
            if type(n) is not Group:
                if depth is None or d <= depth:
                    out.append(Line(n, d))
            elif collapsed(n, depth, by):
                out.append(Line(n, d, collapsed=True))
            elif by == "block":
                walk(n.children, d + 1)        # (a stage of blocks: not a line of its own)
            else:
                out.append(Line(n, d))
                walk(n.children, d + 1)

    walk(nodes, 1)
    return out


def collapsed(n: Group, depth: int | None = None, by: str | None = None) -> bool:
    """Whether the rollup stops at group ``n`` (one subtotal line for the rows under it), for
    a group that ``lines`` reaches: with ``by="block"`` each block instance, else each group
    at ``depth`` (``by="stage"``: depth 1)."""
    if by == "stage":
        depth, by = 1, None
    if by == "block":
        return n.instance
    return depth is not None and n.depth >= depth
