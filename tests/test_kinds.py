"""Every layer kind states its facts (category, weighted, new tensor, pooling) in its rule, and
the facts agree with what the rules compute on the bundled zoo."""

from __future__ import annotations

import pytest

import archcalc
from archcalc.core import spec
from archcalc.core.kinds import CATEGORIES, RULES


def test_every_kind_has_a_category():
    for kind, rule in RULES.items():
        assert rule.category in CATEGORIES, kind
    assert set(CATEGORIES) == {r.category for r in RULES.values()}, "a category with no kind"


def test_pooling_reduction_is_stated_for_pools_only():
    for kind, rule in RULES.items():
        assert (rule.pooling in ("max", "average")) == (rule.category == "pooling"), kind


# No bundled network uses a depthwise conv on its own (Xception uses sepconv), nor an uncounted
# operation (an import's, with --skip-unknown): a small one does.
DWCONV = """
name = "dw"
description = "a depthwise conv"
source = "tests"
input = [8, 15, 15]
layers = [{ conv = 16, k = 3 }, "bn", "relu", { dwconv = 2, k = 3, s = 2, p = 1 }, "gap",
          "flatten", { fc = 10 }, { uncounted = "GELU" }]
"""


@pytest.fixture(scope="module")
def zoo(tmp_path_factory):
    f = tmp_path_factory.mktemp("dw") / "dw.toml"
    f.write_text(DWCONV)
    return [archcalc.analyse(n) for n in sorted(spec.catalogue())] + [archcalc.analyse(str(f))]


def test_facts_agree_with_the_rules_counts(zoo):
    seen = set()
    for a in zoo:
        for r in a.rows:
            rule = RULES[r.kind]
            seen.add(r.kind)
            # weighted: exactly the kinds whose work the rules count as MACs
            assert bool(r.counts.macs) == rule.weighted, (a.network, r.name)
            if rule.category in ("pooling", "activation", "regularization", "join", "reshape",
                                 "not counted"):
                assert r.counts.params == r.counts.fixed == 0, (a.network, r.name)
            if not rule.new_tensor:     # in place, the identity or a view: no value is added
                assert r.output.elements == r.input_shapes[0].elements, (a.network, r.name)
            if rule.category == "pooling":
                assert r.output.c == r.input_shapes[0].c, (a.network, r.name)
            if rule.main_counts_outputs:
                assert r.output.c == r.attrs[r.kind], (a.network, r.name)
    assert seen == set(RULES), f"kinds no bundled network uses: {set(RULES) - seen}"
