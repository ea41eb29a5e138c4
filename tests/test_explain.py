"""`archcalc explain`: every kind has an explainer, and every expression it writes, parsed by
our own parser, gives the engine's number for every cell of every bundled network."""

from __future__ import annotations

import math
from functools import lru_cache

import pytest
from click.testing import CliRunner

from archcalc.core import engine, kinds, spec
from archcalc.homework import explain, expr
from archcalc.cli import main
from archcalc.core.kinds import RULES


@lru_cache(maxsize=None)
def analysed(name: str):
    return engine.analyse(spec.load(name))


NETWORKS = sorted(spec.catalogue())


def cli(*args):
    return CliRunner().invoke(main, list(args))


def engine_value(r, field: str, bias: bool) -> int:
    return {"H": r.output.h, "W": r.output.w, "C": r.output.c,
            "params": r.counts.params if bias else r.counts.weights,
            "macs": r.counts.macs, "fixed": r.counts.fixed,
            "buffers": r.counts.buffers}[field]


@pytest.mark.parametrize("name", NETWORKS)
def test_every_expression_gives_the_engine_value(name):
    for r in analysed(name).rows:
        for bias in (True, False):
            steps = explain.working(r, bias)
            fields = [s.field for s in steps]
            assert len(fields) == len(set(fields)), (r.name, fields)
            assert {"C", "params", "macs"} <= set(fields), (r.name, fields)
            assert ("H" in fields) == (not r.output.flat), r.name
            for s in steps:
                assert s.value == engine_value(r, s.field, bias), (r.name, s)
                assert sum(t.value for t in s.terms) == s.value, (r.name, s)
                for t in s.terms:
                    v = expr.parse(t.expr).value
                    if s.rounding:
                        assert v.denominator != 1
                        v = math.floor(v) if s.rounding == "floor" else math.ceil(v)
                    assert v == t.value, (name, r.name, s.field, t.expr, t.value)


def test_the_issue_examples():
    out = cli("explain", "alexnet").output
    for line in ["W = (227 − 11 + 2·0)/4 + 1 = 55",
                 "params = 11·11·3·96 = 34,848 weights + 96 biases = 34,944",
                 "MACs = 55·55·96 · 11·11·3 = 105,415,200",
                 "C = 6·6·256 = 9,216",
                 "params = 9,216·4,096 = 37,748,736 weights + 4,096 biases = 37,752,832",
                 "C = 256 (pooling keeps the channels)"]:
        assert line in out, line


def test_grouped_partial_pool_bn_concat_add():
    assert "params = 5·5·(96/2)·256 = 307,200 weights + 256 biases = 307,456" in cli(
        "explain", "alexnet-grouped", "conv2").output
    c3 = cli("explain", "lenet5", "C3").output
    assert "5·5·(3·6 + 4·9 + 6·1) = 1,500 weights + 16 biases = 1,516" in c3
    assert "params = 32 scales γ + 32 shifts β = 64" in cli("explain", "xception", "bn1").output
    assert "C = 64 + 128 + 32 + 32 = 256" in cli("explain", "googlenet", "3a/concat").output
    add = cli("explain", "inception-resnet-v2", "block35_1/add").output
    assert "scaled by 0.17" in add and "params = 0" in add


def test_fraction_floored_and_same_padding():
    out = cli("explain", "alexnet", "conv1", "--input", "224").output
    assert "(224 − 11 + 2·0)/4 + 1 = 54.25 → 54 (floored)" in out
    x = analysed("xception")
    lopsided = [r for r in x.rows if "p=same(" in r.geometry]
    assert lopsided
    text = "\n".join(explain.lines(lopsided[0]))
    assert '"same" padding: 0 before, 1 after' in text


def test_named_layers_are_found_like_a_student_writes_them():
    r = cli("explain", "alexnet", "MaxPool1", "CONV 2")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("pool1 — maxpool") and "\nconv2 — conv" in r.output


def test_unknown_layer_is_a_clear_error():
    r = cli("explain", "alexnet", "cnv1")
    assert r.exit_code == 2
    assert "no layer 'cnv1'" in r.output and "did you mean 'conv1'" in r.output


def test_no_bias_counts_weights_only():
    out = cli("explain", "alexnet", "conv3", "--no-bias").output
    assert "params = 3·3·256·384 = 884,736 weights (the 384 biases are not counted)" in out


def test_readme_sample_is_the_current_output():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    out = cli("explain", "alexnet", "conv1", "flatten").output
    assert f"$ archcalc explain alexnet conv1 flatten\n{out}```" in readme


def test_a_kind_without_an_explainer_still_gets_the_engines_values(monkeypatch):
    r = next(x for x in analysed("alexnet").rows if x.name == "conv1")
    monkeypatch.delattr(kinds.Conv, "working")        # Rule.working: the engine's values
    steps = {s.field: s for s in explain.working(r)}
    assert steps["params"].value == 34_944 and steps["H"].value == 55
    assert "no worked arithmetic for conv yet" in steps["params"].why
