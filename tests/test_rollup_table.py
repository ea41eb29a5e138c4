"""`archcalc table --depth N` and `--by block|stage` (issue 15): the rolled-up layer table in every
format, its subtotals, the JSON's tree, and the options' messages. The stage subtotals quoted
here are torchvision's module parameter counts (tests/test_rollup.py checks them with torch)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from archcalc.render import formats
from wide_cli import cli



def row(out: str, name: str) -> list[str]:
    return next(ln.split("  ") for ln in out.splitlines() if ln.startswith(name + " "))


def cells(out: str, name: str) -> list[str]:
    return [c.strip() for c in row(out, name) if c.strip()]


def test_resnet50_by_stage_prints_each_stage_s_subtotal():
    out = cli("table", "resnet50", "--by", "stage").output
    # torchvision resnet50: layer1 … layer4 hold 215,808, 1,219,584, 7,098,368, 14,964,736
    # parameters (torchinfo's depth-1 Param #)
    for stage, blocks, params in (("conv2", 3, "215,808"), ("conv3", 4, "1,219,584"),
                                  ("conv4", 6, "7,098,368"), ("conv5", 3, "14,964,736")):
        c = cells(out, stage)
        assert c[1] == f"Σ stage: {blocks} × bottleneck" and params in c
    body = out.split("\n\n")[1]           # the table, between the head and the foot
    assert "conv3 " in body and "conv3_1" not in body
    flat = cli("table", "resnet50").output
    total = [ln.split() for ln in out.splitlines() if ln.startswith("total")]
    assert total == [ln.split() for ln in flat.splitlines() if ln.startswith("total")]
    assert "rollup: --by stage (= --depth 1)" in out
    assert cli("table", "resnet50", "--depth", "1").output == out.replace(
        "rollup: --by stage (= --depth 1)", "rollup: --depth 1 (torchinfo's depth: 1 = the top level)")


def test_depth_2_opens_the_stages_and_indents_their_blocks():
    out = cli("table", "resnet50", "--depth", "2").output
    lines = out.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.startswith("conv3 "))
    assert [ln.split()[:2] for ln in lines[i:i + 6]] == [
        ["conv3", "Σ"], ["·", "conv3_1"], ["·", "conv3_2"], ["·", "conv3_3"], ["·", "conv3_4"],
        ["conv4", "Σ"]]
    # the block with the projection shortcut holds more than the others
    assert "379,392" in lines[i + 1] and "280,064" in lines[i + 2]
    # at the deepest level every layer is listed under its block
    deep = cli("table", "resnet50", "--depth", "3").output
    assert "· · conv3_1/conv1" in deep


def test_by_block_in_csv_sums_to_the_total():
    out = cli("table", "densenet121", "--by", "block", "--format", "csv").output
    rows = list(csv.DictReader(io.StringIO(out)))
    body, total = rows[:-1], rows[-1]
    assert total["layer"] == "total"
    assert sum(int(r["params"]) for r in body) == int(total["params"]) == 7_978_856
    assert sum(int(r["macs"]) for r in body) == int(total["macs"])
    kinds = [(r["layer"], r["row"]) for r in body if r["row"] != "layer"]
    assert kinds[:3] == [("denseblock1", "stage"), ("transition1", "block"),
                         ("denseblock2", "stage")]
    assert {r["depth"] for r in body} == {"1"}


def test_json_carries_the_tree():
    d = json.loads(cli("table", "resnet50", "--depth", "2", "--format", "json").output)
    assert len(d["layers"]) == 174           # the layers stay as they are
    tree = d["rollup"]["tree"]
    assert d["rollup"]["depth"] == 2 and d["rollup"]["by"] is None
    conv3 = next(n for n in tree if n.get("name") == "conv3")
    assert (conv3["kind"], conv3["block"], conv3["repeats"], conv3["params"],
            conv3["output"], conv3["collapsed"]) == ("stage", "bottleneck", 4, 1_219_584,
                                                     [512, 28, 28], False)
    assert [c["name"] for c in conv3["children"]] == ["conv3_1", "conv3_2", "conv3_3",
                                                      "conv3_4"]
    assert all(c["collapsed"] and "children" not in c for c in conv3["children"])
    assert tree[0] == {"layer": "conv1", "depth": 1}
    assert sum(n.get("params", 0) for n in tree) + sum(
        l["params"] for l in d["layers"] if "/" not in l["name"]) == d["totals"]["params"]


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_every_format_rolls_up(fmt):
    r = cli("table", "googlenet", "--by", "block", "--format", fmt)
    assert r.exit_code == 0 and "3a" in r.output
    if fmt not in ("json", "csv", "tsv"):       # the machine formats name every layer
        assert "4e/relu1" not in r.output


@pytest.mark.parametrize("args, message", [
    (["--depth", "0"], "--depth: expected a whole number from 1 to 99, found 0"),
    (["--depth", "two"], "--depth: expected a whole number"),
    (["--by", "stages"], "--by"),
    (["--depth", "1", "--by", "block"], "--depth and --by: choose one"),
    (["--depth", "1", "--format", "html", "--standalone"], "--standalone"),
    (["--by", "stage", "--layout", "paper"], "--layout paper"),
])
def test_rollup_options_are_checked(args, message):
    r = cli("table", "resnet50", *args)
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output


def test_the_web_table_page_rolls_up(web_url):
    from tests.test_web import post

    code, r = post(web_url, "table", {"network": "resnet50", "options": {"by": "stage"}})
    assert code == 200
    html = r["html"]
    assert ">conv3<" in html and "Σ stage: 4 × bottleneck" in html and ">conv3_1/conv1<" not in html
    # the layers shown keep their working; a Σ row has none
    assert 'data-key="params" data-value="9408" data-working' in html
    code, r = post(web_url, "render", {"network": "resnet50", "format": "csv",
                                       "options": {"depth": 2}})
    assert r["text"] == cli("table", "resnet50", "--format", "csv", "--depth", "2").output
    code, r = post(web_url, "table", {"network": "resnet50", "options": {"depth": 0}})
    assert code == 400 and "--depth" in json.dumps(r)
