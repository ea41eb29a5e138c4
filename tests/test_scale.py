"""Scale: large networks render the same text by the fast path, and the engine's work is one rule
application per layer (time itself is measured by bench/scale.py, never asserted here)."""

from __future__ import annotations

import pytest
from tabulate import tabulate

import archcalc
from archcalc.core import engine, kinds as layers, spec
from archcalc.render import report, table as T


@pytest.mark.parametrize("name", ["lenet5", "alexnet", "googlenet", "inception-v3", "xception",
                                  "resnet20", "densenet-bc-100", "se-resnet50"])
def test_simple_and_markdown_tables_are_tabulates_formats(name):
    a = archcalc.analyse(name)
    for opt in (report.Options(), report.Options(bias=False, aux=True, units="si")):
        t = report.table(a, opt)
        body, totals = ([[T.show(c, v, t.units, t.kilo) for c, v in zip(t.columns, r)]
                         for r in rows] for rows in (t.rows, T.resolve(t.totals)))
        headers = [c.header for c in t.columns]
        align = [T.align(c) for c in t.columns]
        for fmt, ours in (("simple", T.simple_table(body + totals, headers, align)),
                          ("pipe", T.markdown_table(body + totals, headers, align)),
                          ("github", T.markdown_table(body + totals, headers, align, False))):
            expected = tabulate(body + totals, headers, tablefmt=fmt, disable_numparse=True,
                                colalign=align)
            assert ours == expected, fmt


def test_engine_works_out_a_repeated_layer_once(monkeypatch):
    calls, per_n = [], []
    for kind, rule in layers.RULES.items():
        original = rule.apply
        monkeypatch.setattr(rule, "apply", lambda ins, a, _f=original: calls.append(1) or _f(ins, a))
    for name, n in (("resnet20", 3), ("resnet110", 18), ("resnet1202", 200)):
        net = spec.load(name)
        calls.clear()
        rows = engine.rows(net, net.input)
        # He et al. 2015, Sec. 4.2: 6n + 2 weighted layers; a rule is applied at most once per
        # layer, and once for all the repeats of a layer with the same inputs: the work does
        # not grow with n.
        assert len(rows) == len(net.nodes)
        assert sum(1 for r in rows if r.counts.macs) == 6 * n + 2
        per_n.append(len(calls))
    assert per_n[0] == per_n[1] == per_n[2] < len(spec.load("resnet20").nodes), per_n
