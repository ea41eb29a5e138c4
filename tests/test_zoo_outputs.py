"""Every bundled network through every output of issue 7: all formats with the memory, receptive
field and counting columns, the DOT graph and the plot's data; totals are the sums of the rows
in every machine format, and the human formats parse."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest

import archcalc
from archcalc.analysis import conventions
from archcalc.render import graph, plot, report
from archcalc.core import spec

NETWORKS = list(spec.catalogue())
OPT = report.Options(memory=True, rf=True, count=conventions.EXTRAS, convention="fvcore",
                     aux=True)
TOTALLED = [c.key for c in report.COLUMNS.values() if c.totalled]


@pytest.fixture(scope="module", params=NETWORKS)
def analysis(request):
    return archcalc.analyse(request.param)


def test_every_format(analysis):
    a = analysis
    inference = [r for r in a.rows if not r.aux]
    d = json.loads(report.render(a, "json", OPT))
    for key in ("params", "macs", "flops", "activations", "fvcore_flops"):
        assert d["totals"][key] == sum(x[key] for x, r in zip(d["layers"], a.rows)
                                       if not r.aux), key
    assert d["totals"]["flops"] == 2 * a.totals.macs + sum(
        sum(conventions.extra_ops(r).values()) for r in inference)
    rows = list(csv.DictReader(io.StringIO(report.render(a, "csv", OPT))))
    body = rows[:len(a.rows)]
    total = rows[len(a.rows)]
    assert total["layer"] == "total"
    for key in ("params", "macs", "flops", "activations", "activation_bytes"):
        assert int(total[key]) == sum(int(x[key]) for x, r in zip(body, a.rows) if not r.aux)
    tex = report.render(a, "latex", OPT)
    ncols = len(report.column_keys(a, OPT))
    assert all(ln.count(" & ") == ncols - 1 for ln in tex.splitlines() if ln.endswith(r" \\")
               and not ln.startswith(r"\par"))
    assert tex.isascii()                        # pastes into a pdflatex document as it is
    ET.fromstring(report.render(a, "html", OPT))
    for fmt in ("text", "github", "markdown"):
        assert a.network in report.render(a, fmt, OPT)
    tsv = csv.reader(io.StringIO(report.render(a, "tsv", OPT)), delimiter="\t")
    assert list(tsv) == list(csv.reader(io.StringIO(report.render(a, "csv", OPT))))


def test_python_api(analysis):
    t = archcalc.analyze(analysis.network, aux=True)
    assert t.totals["params"] == analysis.totals.params
    assert t.totals["macs"] == analysis.totals.macs
    assert len(t.rows) == len(analysis.rows)


def test_graph_and_plot_data(analysis):
    a = analysis
    dot = graph.to_dot(a)
    edges = len(re.findall(r" -> ", dot))
    assert edges == sum(len(r.inputs) for r in a.rows)
    names, series = plot.layer_series(a)
    weighted = [r for r in a.rows if r.counts.macs and not r.aux]   # the weighted layers
    assert names == [r.name for r in weighted]
    assert sum(series[0][1]) <= a.totals.params and sum(series[1][1]) == a.totals.macs
