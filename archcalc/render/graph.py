"""``archcalc graph``: the architecture as a Graphviz DOT graph, each node with its output
shape; branches, joins (concat, add, mul) and shortcuts are edges of the spec's own graph.

DOT is plain text and needs nothing installed; SVG comes from Graphviz's ``dot`` program
where it is installed."""

from __future__ import annotations

import shutil
import subprocess

from ..core.errors import ArchcalcError
from ..core.printable import printable
from ..core.kinds import RULES
from ..core.records import Analysis, LayerRow


def _quote(text: str) -> str:
    """A DOT string: a name or a description from a spec file with its control characters
    shown escaped (never sent raw to a terminal or to Graphviz), line by line (a label's lines
    stay lines), then DOT's own escaping."""
    text = "\n".join(printable(line) for line in text.split("\n"))
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _label(r: LayerRow) -> str:
    first = f"{r.name}\n{r.kind}" + (f" {r.geometry}" if r.geometry else "")
    counts = f"\n{r.params:,} params" if r.params else ""
    return f"{first}\n{r.output}{counts}"


def _style(r: LayerRow) -> str:
    attrs = []
    if RULES[r.kind].category == "join":
        attrs += ["shape=ellipse", 'fillcolor="#fde9c9"']
    elif r.params or r.counts.macs:
        attrs += ['fillcolor="#dbe8f7"']
    else:
        attrs += ['fillcolor="#f2f2f2"']
    if r.aux:
        attrs += ["style=\"rounded,filled,dashed\""]
    return ", ".join(attrs)


def to_dot(a: Analysis) -> str:
    """The graph: one node per layer (name, kind and K/S/P, output shape, params), one edge per
    input; the edges into a join are its branches, one of them the shortcut where it adds."""
    lines = [f"digraph {_quote(a.network)} {{",
             f"  label={_quote(a.title)}; labelloc=t;",
             "  node [shape=box, style=\"rounded,filled\", fontname=Helvetica, fontsize=10];",
             "  edge [arrowsize=0.6];"]
    for name, x in a.inputs:        # each input an oval, named as the layers reading it name it
        node = name if name == "input" else _quote(name)
        lines.append(f"  {node} [label={_quote(f'{name} {x.c}×{x.h}×{x.w}')}, shape=oval];")
    for r in a.rows:
        lines.append(f"  {_quote(r.name)} [label={_quote(_label(r))}, {_style(r)}];")
    for r in a.rows:
        for i, src in enumerate(r.inputs):
            edge = f"  {_quote(src)} -> {_quote(r.name)}"
            if RULES[r.kind].category == "join" and len(r.inputs) > 1:
                edge += f" [label={_quote(f'branch {i}')}, fontsize=8]"
            lines.append(edge + ";")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_svg(dot: str) -> str:
    """SVG from Graphviz's ``dot``; a clear error where it is not installed."""
    exe = shutil.which("dot")
    if exe is None:
        raise ArchcalcError("--format svg needs Graphviz's `dot` program, which is not installed "
                            "(e.g. apt-get install graphviz); --format dot prints the graph as "
                            "text for any Graphviz viewer")
    done = subprocess.run([exe, "-Tsvg"], input=dot, capture_output=True, text=True,
                          timeout=300)
    if done.returncode != 0:
        raise ArchcalcError(f"dot failed: {done.stderr.strip()[:500]}")
    return done.stdout
