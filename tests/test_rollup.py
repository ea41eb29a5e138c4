"""Rollups (issue 15): the rows as a tree of stages, block instances and layers, from the spec's
own structure; each group's subtotal checked against the torchvision module it stands for
(parameters, and MACs from torch's FLOP counter: FLOPs / 2 for convs and linears)."""

from __future__ import annotations

import pytest

import archcalc
from archcalc.analysis import rollup as R


def names(lines):
    return [(l.node.name, l.depth, l.collapsed) for l in lines]   # (a layer's node: its row)


def spec(tmp_path, body: str):
    p = tmp_path / "n.toml"
    p.write_text('name = "n"\ndescription = "d"\nsource = "s"\n' + body)
    return archcalc.analyse(str(p))


def test_resnet50_at_depth_1_is_torchinfo_s_view():
    # torchinfo.summary(torchvision resnet50, depth=1): conv1, bn1, relu, maxpool, layer1 …
    # layer4, avgpool, fc; the spec names Table 1's stages conv2 … conv5
    t = R.tree(archcalc.analyse("resnet50"))
    assert names(R.lines(t, depth=1)) == [
        ("conv1", 1, False), ("bn", 1, False), ("relu", 1, False), ("pool1", 1, False),
        ("conv2", 1, True), ("conv3", 1, True), ("conv4", 1, True), ("conv5", 1, True),
        ("pool5", 1, False), ("fc", 1, False)]
    assert R.lines(t, by="stage") == R.lines(t, depth=1)
    assert [g.label for g in t if isinstance(g, R.Group)] == [
        "3 × bottleneck", "4 × bottleneck", "6 × bottleneck", "3 × bottleneck"]
    two = names(R.lines(t, depth=2))
    assert two[4:9] == [("conv2", 1, False), ("conv2_1", 2, True), ("conv2_2", 2, True),
                        ("conv2_3", 2, True), ("conv3", 1, False)]
    assert R.max_depth(t) == 3
    assert names(R.lines(t, depth=3)) == names(R.lines(t, depth=9))


def test_by_block_lists_each_outermost_block_instance_once():
    t = R.tree(archcalc.analyse("densenet121"))
    assert names(R.lines(t, by="block")) == [
        ("conv0", 1, False), ("norm0", 1, False), ("relu0", 1, False), ("pool0", 1, False),
        ("denseblock1", 1, True), ("transition1", 1, True), ("denseblock2", 1, True),
        ("transition2", 1, True), ("denseblock3", 1, True), ("transition3", 1, True),
        ("denseblock4", 1, True), ("norm5", 1, False), ("relu5", 1, False), ("pool5", 1, False),
        ("classifier", 1, False)]
    # a dense block is one stage of dense layers: no extra level for the repeat
    block = next(n for n in t if isinstance(n, R.Group) and n.name == "denseblock3")
    assert (block.kind, block.repeats, block.block, block.label) == (
        "stage", 24, "dense_layer", "24 × dense_layer")
    assert block.children[0].name == "denseblock3/denselayer_1" and block.children[0].depth == 2


def test_groups_come_from_the_spec_not_from_the_look_of_a_name():
    # Inception-v3's Mixed_7b has branch3x3_1 (a conv) beside branch3x3_2 (a block): siblings
    # named like two repeats of one item, which they are not
    t = R.tree(archcalc.analyse("inception-v3"))
    m7b = next(n for n in t if isinstance(n, R.Group) and n.name == "Mixed_7b")
    assert all(c.kind == "block" for c in m7b.children if isinstance(c, R.Group))
    assert "Mixed_7b/branch3x3" not in {c.name for c in m7b.children if isinstance(c, R.Group)}
    assert "Mixed_7b/branch3x3_2" in {c.name for c in m7b.children if isinstance(c, R.Group)}


def test_a_user_spec_s_repeats_and_blocks(tmp_path):
    a = spec(tmp_path, """input = [3, 32, 32]
layers = [
  { conv = 8, k = 3, p = 1, n = 3, bn = true, name = "c" },
  { use = "pair", n = 2, name = "s" },
  { use = "pair", n = 1, name = "one" },
  { use = "pair", name = "p" },
  "gap", { fc = 10, name = "out" },
]
[blocks.pair]
layers = [{ conv = 8, k = 3, p = 1, name = "a" }, "relu", { conv = 8, k = 1, name = "b" }]
""")
    t = R.tree(a)
    top = [(n.name, n.kind, n.label) for n in t if isinstance(n, R.Group)]
    # the batch norms that bn = true adds belong to the repeat of their conv
    assert top == [("c", "stage", "3 repeats"), ("s", "stage", "2 × pair"),
                   ("one", "stage", "1 × pair"), ("p", "block", "pair")]
    c = t[0]
    assert [x.kind for x in c.children] == ["conv", "bn"] * 3
    assert names(R.lines(t, by="block")) == [
        ("c_1", 2, False), ("bn1", 2, False), ("c_2", 2, False), ("bn2", 2, False),
        ("c_3", 2, False), ("bn3", 2, False), ("s_1", 2, True), ("s_2", 2, True),
        ("one_1", 2, True), ("p", 1, True), ("gap", 1, False), ("out", 1, False)]


@pytest.mark.parametrize("name", ["resnet50", "densenet121", "inception-v3", "googlenet",
                                  "vgg16", "inception-resnet-v2", "resnet110", "lenet5"])
def test_every_rollup_lists_every_layer_exactly_once(name):
    a = archcalc.analyse(name)
    t = R.tree(a)
    everything = [r.name for r in a.rows]
    options = [dict(depth=d) for d in range(1, R.max_depth(t) + 1)] + [dict(by=b) for b in R.BY]
    for kw in options:
        covered = []
        for line in R.lines(t, **kw):
            if not isinstance(line.node, R.Group):
                covered.append(line.node.name)
            elif line.collapsed:
                covered += [r.name for r in line.node.layers()]
        assert covered == everything, kw


def _torch_counts(model, x):
    """Per module path (``layer2.1``): (parameters, MACs = FLOPs / 2 of its convs and linears)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as fc:
        model(x)
    flops = fc.get_flop_counts()
    root = type(model).__name__
    out = {}
    for path, mod in model.named_modules():
        if path:
            out[path] = (sum(p.numel() for p in mod.parameters()),
                         sum(flops.get(f"{root}.{path}", {}).values()) // 2)
    return out


def _subtotals(a):
    out = {}

    def walk(nodes):
        for n in nodes:
            if isinstance(n, R.Group):
                rows = list(n.layers())
                out[n.name] = (sum(r.params for r in rows), sum(r.counts.macs for r in rows))
                walk(n.children)
    walk(R.tree(a))
    return out


def test_resnet_stage_and_block_subtotals_are_torchvision_s_modules():
    torch = pytest.importorskip("torch")
    tv = pytest.importorskip("torchvision")
    ours = _subtotals(archcalc.analyse("resnet50-torchvision"))
    theirs = _torch_counts(tv.models.resnet50().eval(), torch.zeros(1, 3, 224, 224))
    blocks = (3, 4, 6, 3)
    checked = 0
    for s, n in enumerate(blocks, start=2):
        assert ours[f"conv{s}"] == theirs[f"layer{s - 1}"]
        for j in range(1, n + 1):
            assert ours[f"conv{s}_{j}"] == theirs[f"layer{s - 1}.{j - 1}"]
            checked += 1
    assert checked == 16


def test_densenet_block_subtotals_are_torchvision_s_modules():
    torch = pytest.importorskip("torch")
    tv = pytest.importorskip("torchvision")
    ours = _subtotals(archcalc.analyse("densenet121"))
    theirs = _torch_counts(tv.models.densenet121().eval(), torch.zeros(1, 3, 224, 224))
    for i in (1, 2, 3, 4):
        assert ours[f"denseblock{i}"] == theirs[f"features.denseblock{i}"]
        assert ours[f"denseblock{i}/denselayer_1"] == theirs[f"features.denseblock{i}.denselayer1"]
    for i in (1, 2, 3):
        assert ours[f"transition{i}"] == theirs[f"features.transition{i}"]
