"""Marking a hand-made table cell by cell against a network, with a diagnosis for each mistake.

The flow is one way, one module a step:

- ``reading``: a cell as written → a number, an expression, "expression = value", or a shape;
- ``rows`` and ``sheet``: the table's rows matched to the network's layers, its columns named;
- ``convention``: the table's convention decided from its cells (biases or not, MACs or FLOPs,
  K = 1000 or 1024, floor or ceil, H×W×C or C×H×W), unless an option says it;
- ``truth``: the value each cell should hold under that convention, and its working;
- ``marking``: each cell marked right, wrong or missing, then each wrong one diagnosed;
- ``diagnoses``: the catalogue of mistakes, pure functions of a wrong cell and what was
  computed around it;
- ``variants``: the only step that runs the engine — the network at the other input size, with
  its pools floored or in ceil mode, and its sibling networks, each once, when first asked for;
- ``render``: the marking as text or JSON.
"""

from __future__ import annotations

from ...core.records import Analysis
from ..answers import Table
from .convention import TableConvention
from .diagnoses import CATALOGUE, SHOWN, Ctx, diagnose
from . import paper_layout
from .marking import mark
from .reading import Reading, read_cell, read_shape
from .render import render, render_text, to_dict
from .result import CheckOptions, MarkedCell, Marking
from .variants import Variants

__all__ = ["CATALOGUE", "SHOWN", "CheckOptions", "Ctx", "MarkedCell", "Marking", "Reading",
           "TableConvention", "Variants", "check", "diagnose", "read_cell", "read_shape",
           "render", "render_text", "to_dict"]


def check(a: Analysis, table: Table, opts: CheckOptions = CheckOptions(), net=None,
          family: bool = True) -> Marking:
    """Mark ``table`` against the analysed network ``a`` (``net``: its graph, for the variants
    a diagnosis compares with: another input size, the pools forced, and, with ``family``, the
    sibling variants of its spec file)."""
    pasted = paper_layout.recognise(a, table) if not opts.mapping else None
    if pasted is not None:              # a paper's own table: marked against its paper view
        return paper_layout.mark(a, table, *pasted)
    return mark(table, opts, Variants(a, net, family))
