"""The network a table is marked against, and the variants of it a table may have been written
for: the other input size people mix up (224 ↔ 227), every pooling layer floored or in ceil
mode, and the other networks of its spec file (VGG-13 beside VGG-16).

This is the one module of ``check`` that runs the engine; the analysis itself is passed in,
and each variant is analysed once, when something first asks for it.
"""

from __future__ import annotations

from ...core.kinds import RULES
from ...core.records import Analysis, Shape


class Variants:
    def __init__(self, a: Analysis, net=None, family: bool = True):
        self.a, self.net, self.family = a, net, family
        self._forced: dict[str, Analysis | None] = {}
        self.forced_error: dict[str, str] = {}     # rounding → why the network does not fit
        self._other: list[Analysis] | None = None
        self._siblings: list[tuple[str, Variants]] | None = None

    def forced(self, rounding: str) -> Analysis | None:
        """The network with every pooling layer floored (``"floor"``) or in ceil mode
        (``"ceil"``); ``None`` when that is the spec's own network or cannot be built (then
        ``forced_error`` says why)."""
        if rounding not in self._forced:
            self._forced[rounding] = None
            if self.net is not None:
                from ...core import engine
                from ...core.errors import ArchcalcError

                ceil = rounding == "ceil"
                nodes = tuple(n.replace(attrs=dict(n.attrs, ceil=ceil))
                              if RULES[n.kind].has_attr("ceil") and n.attrs.get("ceil") != ceil
                              else n for n in self.net.nodes)
                if nodes != self.net.nodes:
                    try:
                        self._forced[rounding] = engine.analyse(self.net.replace(nodes=nodes),
                                                                self.a.input)
                    except ArchcalcError as e:   # GoogLeNet floored: pool5 no longer fits
                        self.forced_error[rounding] = str(e).splitlines()[0]
        return self._forced[rounding]

    def other_inputs(self) -> list[Analysis]:
        """The network at the input sizes people mix up (224 ↔ 227)."""
        if self._other is None:
            self._other = []
            x = self.a.input
            if self.net is not None and x.h == x.w and x.h in (224, 227):
                from ...core import engine
                from ...core.errors import ArchcalcError

                other = 224 if x.h == 227 else 227
                try:
                    self._other.append(engine.analyse(self.net, Shape(x.c, other, other)))
                except ArchcalcError:
                    pass
        return self._other

    def siblings(self) -> list[tuple[str, "Variants"]]:
        """The other networks of the same spec file, each analysed at this input size when it
        is not the spec's own (none when ``family`` is off)."""
        if self._siblings is None:
            self._siblings = []
            if self.net is not None and self.family:
                from ...core import engine, spec
                from ...core.errors import ArchcalcError

                try:
                    sf, _ = spec.resolve(self.net.file + ":" + self.net.name)
                    for name in sf.variants:
                        if name == self.net.name:
                            continue
                        sib_net = sf.network(name)
                        sib = engine.analyse(sib_net, self.a.input
                                             if self.a.input != self.net.input else None)
                        self._siblings.append((name, Variants(sib, sib_net, family=False)))
                except ArchcalcError:
                    pass
        return self._siblings
