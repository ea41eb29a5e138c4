"""The paper view: a paper's own table computed from the spec, beside its printed values.

GoogLeNet's Table 1 (Szegedy et al. 2014, arXiv:1409.4842) must flag exactly the cells where the
paper and the arithmetic disagree (REFERENCE_NUMBERS.md § 6.2 and § 20.3): conv1's params and ops,
4c's params, 5a's params and ops. Golden text lives in tests/golden/; regenerate it with
ARCHCALC_REGEN_GOLDEN=1 after a deliberate change, and read the diff.
"""

from __future__ import annotations

import json
import re
import os
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

import archcalc
from archcalc.analysis import paper
from archcalc.cli import main
from archcalc.core.records import Shape

GOLDEN = Path(__file__).parent / "golden"


def view(name, x=None):
    return paper.compute(archcalc.analyse(name, x))


def flagged(v):
    return {(v.groups[i].name, c.key) for i, c, _ in v.disagreements()}


def cell(v, group, key):
    i = next(i for i, g in enumerate(v.groups) if g.name == group)
    j = next(j for j, c in enumerate(v.table.columns) if c.key == key)
    return v.cells[i][j]


def test_googlenet_table1_flags_exactly_the_inconsistent_cells():
    v = view("googlenet")
    # REFERENCE_NUMBERS § 6.2: conv1 2.7K/34M ✗, 4c 463K ✗, 5a 1072K/54M ✗; everything else
    # (types, patches, output sizes, depths, channel counts) agrees.
    assert flagged(v) == {("conv1", "params"), ("conv1", "ops"), ("4c", "params"),
                          ("5a", "params"), ("5a", "ops")}


def test_googlenet_table1_computed_cells():
    v = view("googlenet")
    # § 6.2 [C]: conv1 9,408 weights, 118.0 M MACs; conv2 114,688 = 112.0K (K = 1024).
    assert cell(v, "conv1", "params").value == 9_408
    assert cell(v, "conv1", "ops").value == 118_013_952
    assert cell(v, "conv2", "params").value == 114_688
    assert cell(v, "conv2", "params").text == "112.0K"
    assert cell(v, "conv2", "depth").text == "2"
    assert cell(v, "3a", "depth").text == "2"
    assert cell(v, "3a", "output").text == "28×28×256"
    assert cell(v, "linear", "params").value == 1_024_000
    # Near-misses within the paper's rounding are marked ≈, not flagged: 3b 379.0K vs 380K.
    assert cell(v, "3b", "params").mark == paper.NEAR
    assert cell(v, "3a", "params").mark == paper.AGREE          # 159.5K printed 159K


def test_googlenet_conv1_explanations_hold():
    v = view("googlenet")
    printed_params, printed_ops = cell(v, "conv1", "params"), cell(v, "conv1", "ops")
    assert printed_params.printed == "2.7K" and printed_ops.printed == "34M"
    hw = 112 * 112
    # (7+7) typed for (7×7): 2,688 weights → 2.7K at K = 1000; 33.7 M MACs → 34M.
    typo = (7 + 7) * 3 * 64
    assert f"{typo / 1000:.1f}K" == "2.7K" and f"{typo * hw / 1e6:.0f}M" == "34M"
    # BN-Inception's separable 7×7, depth multiplier 8: 2,712 weights, 34.0 M MACs.
    sep = 7 * 7 * 3 * 8 + 3 * 8 * 64
    assert f"{sep / 1000:.1f}K" == "2.7K" and f"{sep * hw / 1e6:.0f}M" == "34M"
    assert "(7+7)" in printed_params.explain and "2,712" in printed_params.explain
    # 4c: the printed params would give 92.9 M MACs, not the printed (and computed) 100M.
    assert f"{463 * 1024 * 14 * 14 / 1e6:.1f}" == "92.9"
    # 5a: the printed params and ops agree with each other, not with the channels.
    assert round(1072 * 1024 * 7 * 7 / 1e6) == 54


def test_paper_view_is_computed_not_stored():
    # At 448×448 every grid doubles: output cells change, and are flagged against the print.
    v = view("googlenet", Shape(3, 448, 448))
    assert cell(v, "3a", "output").text == "56×56×256"
    assert ("3a", "output") in flagged(v)
    assert cell(v, "3a", "params").mark == paper.AGREE        # weights do not depend on the grid


def test_coverage_accounts_for_every_weight():
    v = view("googlenet")
    covered = {r.name for g in v.groups for r in g.rows}
    a = v.analysis
    assert sum(r.counts.weights for r in a.rows if r.name in covered) == a.totals.weights
    assert not any(r.aux for g in v.groups for r in g.rows)


def test_bn_inception_figure5_flags_its_misprints():
    v = view("inception-v2")
    # REFERENCE_NUMBERS § 7: 3c, 4c, 4d, 4e output sizes misprinted; conv2's printed depth 1
    # belies its own two convs; the dense conv1 is not the figure's separable "convolution*".
    assert flagged(v) == {("conv1", "type"), ("conv2", "depth"), ("3c", "output"),
                          ("4c", "output"), ("4d", "output"), ("4e", "output")}
    assert cell(v, "3c", "patch").text == "stride 2"
    assert cell(v, "3c", "pool").text == "max + pass through"
    assert cell(v, "5b", "pool").text == "max + 128"
    assert cell(v, "3c", "n1x1").text == "0"
    # The paper's own separable conv1 matches the starred type.
    assert ("conv1", "type") not in flagged(view("inception-v2-separable"))


@pytest.mark.parametrize("name, golden", [("googlenet", "googlenet-paper.txt"),
                                          ("inception-v2", "inception-v2-paper.txt"),
                                          ("resnet50", "resnet-paper.txt"),
                                          ("densenet121", "densenet-paper.txt")])
def test_golden_text(name, golden):
    out = CliRunner().invoke(main, ["table", name, "--layout", "paper", "--wide"])
    assert out.exit_code == 0, out.output
    path = GOLDEN / golden
    if os.environ.get("ARCHCALC_REGEN_GOLDEN"):
        path.write_text(out.output, encoding="utf-8")
    assert out.output == path.read_text(encoding="utf-8")


def test_json_and_csv_layouts():
    runner = CliRunner()
    d = json.loads(runner.invoke(main, ["table", "googlenet", "--layout", "paper",
                                        "--format", "json"]).output)
    conv1 = d["rows"][0]["cells"]
    assert conv1["params"] == {"computed": "9.2K", "value": 9408, "printed": "2.7K",
                               "mark": "✗", "gap": conv1["params"]["gap"],
                               "explain": conv1["params"]["explain"]}
    assert d["rows"][0]["layers"] == ["conv1"]
    csv = runner.invoke(main, ["table", "googlenet", "--layout", "paper", "--format", "csv"])
    assert csv.exit_code == 0
    assert csv.output.splitlines()[0].startswith("type,patch size/stride,output size,depth")


def test_no_table_for_network_is_a_clear_error():
    out = CliRunner().invoke(main, ["table", "xception", "--layout", "paper"])
    assert out.exit_code == 2
    assert "no paper table for 'xception'" in out.output and "googlenet" in out.output


# --- the data format ----------------------------------------------------------------------------

MINIMAL = '''
title = "T"
source = "S"
networks = ["googlenet"]
[[columns]]
key = "out"
heading = "output size"
value = "output"
[[rows]]
layers = ["pool1"]
paper = { out = "56×56×64" }
'''


def _table(tmp_path, text):
    p = tmp_path / "t.toml"
    p.write_text(text, encoding="utf-8")
    return paper.parse(p)


def test_minimal_table(tmp_path):
    t = _table(tmp_path, MINIMAL)
    v = paper.compute(archcalc.analyse("googlenet"), t)
    assert v.cells[0][0].text == "56×56×64" and v.cells[0][0].mark == paper.AGREE


@pytest.mark.parametrize("change, message", [
    (('value = "output"', 'value = "outptu"'), "unknown value 'outptu' (did you mean 'output'?)"),
    (('heading = "output size"', 'heading = "o"\nlayr = "x"'), "unknown key 'layr'"),
    (('paper = { out', 'paper = { ot'), "no column 'ot' (did you mean 'out'?)"),
    (('value = "output"', 'value = "channels"'), "a 'channels' column needs 'layer'"),
    (('value = "output"', 'value = "weights"\nunit = 0'), "columns[0].unit: expected a whole"),
])
def test_malformed_tables_are_refused(tmp_path, change, message):
    with pytest.raises(paper.PaperError, match=re.escape(message)):
        _table(tmp_path, MINIMAL.replace(*change))


def test_row_naming_an_unknown_layer(tmp_path):
    t = _table(tmp_path, MINIMAL.replace('["pool1"]', '["pool9"]'))
    with pytest.raises(paper.PaperError, match=r"rows\[0\]: no layer 'pool9' in googlenet"):
        paper.compute(archcalc.analyse("googlenet"), t)


def test_bundled_tables_parse_and_name_real_networks():
    from archcalc.core import spec

    cat = spec.catalogue()
    for t in paper.tables():
        assert t.source and t.title
        for name in t.networks:
            assert name in cat
            paper.compute(archcalc.analyse(name), t)


def test_columns_computed_from_other_networks(tmp_path):
    # A table whose columns are networks (the shape of ResNet's Table 1): the same row, computed
    # from googlenet and from googlenet-torchvision, whose "5×5" branch is a 3×3.
    t = _table(tmp_path, '''
title = "T"
source = "S"
networks = ["googlenet", "googlenet-torchvision"]
[[columns]]
key = "paper"
heading = "paper"
value = "weights"
network = "googlenet"
[[columns]]
key = "tv"
heading = "torchvision"
value = "weights"
network = "googlenet-torchvision"
[[rows]]
layers = ["3a/5x5"]
''')
    for name in t.networks:
        v = paper.compute(archcalc.analyse(name), t)
        assert [c.value for c in v.cells[0]] == [25 * 16 * 32, 9 * 16 * 32]
    bad = _table(tmp_path, MINIMAL.replace('value = "output"', 'value = "output"\nnetwork = "nope"'))
    with pytest.raises(paper.PaperError, match="column 'out': network 'nope'"):
        paper.compute(archcalc.analyse("googlenet"), bad)


@pytest.mark.parametrize("extra, message", [
    ('tolerance = "2%"\n', "tolerance: expected a fraction"),
    ('notes = [1]\n', "notes: expected a string or a list of strings"),
    ('kinds = { conv = 3 }\n', "kinds: expected a table"),
])
def test_malformed_top_level(tmp_path, extra, message):
    with pytest.raises(paper.PaperError, match=re.escape(message)):
        _table(tmp_path, extra + MINIMAL)


def test_malformed_row_values(tmp_path):
    with pytest.raises(paper.PaperError, match=re.escape("rows[0].paper.out: expected text")):
        _table(tmp_path, MINIMAL.replace('paper = { out = "56×56×64" }', 'paper = { out = [56] }'))


def test_googlenet_is_22_layers_deep():
    # Szegedy et al. 2014, Sec. 5: "The network is 22 layers deep when counting only layers with
    # parameters (or 27 layers if we also count pooling)." The depth column sums to that.
    v = view("googlenet")
    depth = sum(int(cell(v, g.name, "depth").text) for g in v.groups)
    pools = sum(1 for g in v.groups if g.main.kind in ("maxpool", "avgpool"))
    assert depth == 22
    assert depth + pools == 27


# --- tables whose columns are networks: ResNet's and DenseNet's Table 1 ------------------------

def test_resnet_table1():
    # He et al. 2015, Table 1: every block configuration, output size and label agrees; the FLOPs
    # row (multiply-adds) agrees to the printed precision. The softmax the table names (not a
    # spec layer: the specs end with logits) is no disagreement: those cells agree without it,
    # and a note says so (issue 15: it was a ✗ in every column).
    v = view("resnet50")
    assert flagged(v) == set()
    for k in ("r18", "r34", "r50", "r101", "r152"):
        c = cell(v, "pool5", k)
        assert (c.text, c.printed, c.mark, c.named) == (
            "average pool, 1000-d fc", "average pool, 1000-d fc, softmax", "✓", ("softmax",))
    assert cell(v, "conv4_", "r101").text == "[1×1, 256; 3×3, 256; 1×1, 1024] × 23"
    assert cell(v, "conv3_", "r18").text == "[3×3, 128; 3×3, 128] × 2"
    assert cell(v, "conv1", "r152").text == "7×7, 64, stride 2"
    assert cell(v, "conv5_", "output").text == "7×7"
    flops = {k: cell(v, v.groups[-1].name, k) for k in ("r18", "r34", "r50", "r101", "r152")}
    assert {k: c.value for k, c in flops.items()} == {
        "r18": 1_814_073_344, "r34": 3_663_761_408, "r50": 3_857_973_248,
        "r101": 7_570_194_432, "r152": 11_282_415_616}
    assert all(c.mark == "✓" for c in flops.values())
    assert cell(v, v.groups[-1].name, "output").text == ""     # `as` rows print only their cells
    out = CliRunner().invoke(main, ["table", "resnet152", "--layout", "paper", "--wide"]).output
    assert "3.858×10⁹ (3.8×10⁹ ✓)" in out and "multiply-adds" in out
    assert "note: the paper's table also names softmax (row 1×1), a layer the spec need not " \
           "have: the softmax that turns the logits into probabilities has no parameters" in out
    assert "✗ [" not in out and "disagreements:" not in out


def test_a_named_word_agrees_only_as_a_whole_item():
    t = replace(view("resnet50").table, named={"softmax": "why"})
    assert paper._without_named(t, "average pool, 1000-d fc, softmax") == (
        "average pool, 1000-d fc", ("softmax",))
    assert paper._without_named(t, "softmax; 3×3 conv") == ("3×3 conv", ("softmax",))
    assert paper._without_named(t, "softmaxish, fc") == ("softmaxish, fc", ())
    assert paper._without_named(t, "average pool, 1000-d fc") == ("average pool, 1000-d fc", ())


def test_densenet_table1():
    # Huang et al. 2017, Table 1: every cell agrees, the classification layer's softmax named
    # by the paper aside (a note, no ✗: issue 15).
    v = view("densenet121")
    assert flagged(v) == set()
    assert {cell(v, "classifier", k).named for k in ("d121", "d169", "d201", "d264")} == {
        ("softmax",)}
    assert cell(v, "denseblock3", "d264").text == "[1×1 conv; 3×3 conv] × 64"
    assert cell(v, "transition2/pool", "output").text == "14×14"
    assert cell(v, "conv0", "d121").text == "7×7 conv, stride 2"


def test_vgg_table1():
    # Simonyan & Zisserman 2015, Table 1 with Table 2's parameters as its last row: every cell
    # agrees for all six configurations, each computed from its own spec; the layers of a cell
    # are in the network's order (A-LRN's LRN after its conv), each conv written once per layer
    # (not "[…] × n"), and the LRN row exists only in A-LRN ("norm1?").
    v = view("vgg16")
    assert flagged(v) == set()
    assert cell(v, "conv1_", "a").text == "conv3-64"
    assert cell(v, "conv1_", "alrn").text == "conv3-64, LRN"
    assert cell(v, "conv3_", "c").text == "conv3-256, conv3-256, conv1-256"
    assert cell(v, "conv5_", "e").text == "conv3-512, conv3-512, conv3-512, conv3-512"
    assert cell(v, "conv1_1/conv", "d").text == "input (224 × 224 RGB image)"
    assert [c.text for c in v.cells[0]] == [f"{n} weight layers" for n in (11, 11, 13, 16, 16,
                                                                          19)]
    assert [c.value for c in v.cells[-1]] == [132_863_336, 132_863_336, 133_047_848,
                                              133_638_952, 138_357_544, 143_667_240]
    assert [c.printed for c in v.cells[-1]] == ["133", "133", "133", "134", "138", "144"]
    assert all(c.mark == "✓" for row in v.cells for c in row)


def test_config_needs_formats_and_as_is_checked(tmp_path):
    base = MINIMAL.replace('value = "output"', 'value = "config"')
    with pytest.raises(paper.PaperError, match="a 'config' column needs 'formats'"):
        _table(tmp_path, base)
    bad_as = MINIMAL.replace('paper = {', 'as = { value = "flops" }\npaper = {')
    with pytest.raises(paper.PaperError, match=re.escape("rows[0].as.value: expected one of")):
        _table(tmp_path, bad_as)
    bad_key = MINIMAL.replace('paper = {', 'as = { value = "macs", units = 3 }\npaper = {')
    with pytest.raises(paper.PaperError, match="unknown key 'units'"):
        _table(tmp_path, bad_key)
