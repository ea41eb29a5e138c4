"""Every layer kind states its facts (category, weighted, new tensor, pooling) in its rule, and
the facts agree with what the rules compute on the bundled zoo."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import archcalc
from archcalc.cli import main
from archcalc.core import spec
from archcalc.core.kinds import CATEGORIES, RULES, WEIGHTED, WEIGHTED_TEXT, Rule, weighted_text


def test_every_kind_has_a_category():
    for kind, rule in RULES.items():
        assert rule.category in CATEGORIES, kind
    assert set(CATEGORIES) == {r.category for r in RULES.values()}, "a category with no kind"


def test_every_kind_has_every_facet():
    """A kind is one definition: its rule (shape, counts, category) and its explanation here,
    its torch builder registered by its name under verify/, and a row in the README's table."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("**Layer kinds**"):]
    table = table[:table.index("\n\n", table.index("|"))]
    rows = {k for line in table.splitlines() if line.startswith("| `")
            for k in line.split(" | ")[0].strip("| ").replace("`", "").split(", ")}
    try:
        from archcalc.verify.builders import BUILDERS
    except ImportError:                          # torch not installed: the rest still holds
        BUILDERS = None
    for kind, rule in RULES.items():
        assert rule.kind == kind and rule.doc, kind
        assert type(rule).working is not Rule.working, f"{kind}: no explanation (Rule.working)"
        assert kind in rows, f"{kind}: no row in the README's layer-kind table"
        if BUILDERS is not None:
            assert kind in BUILDERS, f"{kind}: no torch builder in verify/builders.py"
    assert rows <= set(RULES), f"README rows for no kind: {rows - set(RULES)}"


def test_the_footer_names_every_weighted_category():
    assert set(WEIGHTED) <= set(CATEGORIES)
    for category, words in WEIGHTED.items():
        kinds_of = [k for k, r in RULES.items() if r.category == category]
        assert words in weighted_text(kinds_of), category
    assert weighted_text(["conv", "relu"]) == WEIGHTED_TEXT == "conv, fc"
    assert "LeNet-5" not in weighted_text(["conv", "fc", "bn"])   # a DenseNet's footer
    assert weighted_text(["conv", "se"]).endswith("; squeeze-and-excitation's fcs")
    assert all(RULES[k].weighted for k in ("conv", "fc", "subsample", "rbf"))
    assert not any(RULES[k].weighted for k in ("bn", "maxpool", "relu", "add", "flatten"))


def test_pooling_reduction_is_stated_for_pools_only():
    for kind, rule in RULES.items():
        assert (rule.pooling in ("max", "average")) == (rule.category == "pooling"), kind


# Kinds no bundled network uses yet (a depthwise multiplier, the mobile family's kinds not in
# MobileNet v2, upsampling, an uncounted operation: an import's, with --skip-unknown; Keras's
# preprocessing layers, rescale and standardize): a small
# network does. tests/test_verify.py builds the same one in torch.
DWCONV = """
name = "dw"
description = "a depthwise conv and the mobile kinds"
source = "tests"
input = [8, 15, 15]
layers = [{ rescale = 0.5, offset = -1.0 }, { standardize = "all" }, { conv = 16, k = 3 },
          { standardize = "channel" }, "bn", "relu", { dwconv = 2, k = 3, s = 2, p = 1 },
          "hardswish",
          { pwconv = 24, bias = false }, "silu", { se = 6, act = "silu", gate = "hardsigmoid" },
          { shuffle = 4 }, { pwconv = 24, groups = 4 }, "hardsigmoid", { se = 8 },
          { split = 3, part = 2 }, { upsample = 2, mode = "bilinear" },
          { stochastic_depth = 0.2 }, "gap", "flatten", { fc = 10 }, { uncounted = "GELU" }]
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
                assert r.output.elements <= r.input_shapes[0].elements, (a.network, r.name)
            if rule.category == "pooling":
                assert r.output.c == r.input_shapes[0].c, (a.network, r.name)
            if rule.main_counts_outputs:
                assert r.output.c == rule.main_value(r.attrs), (a.network, r.name)
            if r.counts.buffers:        # the footer says what they are (report.conventions)
                assert rule.buffers_text, (a.network, r.name)
    assert seen == set(RULES), f"kinds no bundled network uses: {set(RULES) - seen}"


def test_every_windowed_kind_stores_one_window_schema(zoo):
    """Kernel, stride, padding and dilation under the same names for every windowed kind, the
    kind's own key (``maxpool = 3``) read as the kernel; non-windowed kinds store none of them."""
    window = {"k", "s", "p", "dilation"}
    for a in zoo:
        for r in a.rows:
            rule = RULES[r.kind]
            if rule.windowed:
                assert window <= set(r.attrs), (a.network, r.name)
                assert r.kind not in r.attrs or RULES[r.kind].main.key == r.kind
                assert r.geometry.startswith("{}×{}".format(*r.attrs["k"])), (a.network, r.name)
            else:
                assert not {"k", "p", "dilation"} & set(r.attrs), (a.network, r.name)


def test_a_pools_toml_key_is_its_kernel(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text('name = "p"\ndescription = "d"\nsource = "s"\ninput = [1, 9, 9]\n'
                 'layers = [{ maxpool = [3, 2], s = 2 }, { avgpool = 2, s = 1, p = 1 }, '
                 '{ subsample = 2, s = 2 }]\n')
    rows = archcalc.analyse(str(f)).rows
    assert [(r.attrs["k"], r.attrs["p"], r.attrs["dilation"]) for r in rows] == [
        ((3, 2), (0, 0, 0, 0), (1, 1)), ((2, 2), (1, 1, 1, 1), (1, 1)),
        ((2, 2), (0, 0, 0, 0), (1, 1))]
    assert [RULES[r.kind].main_value(r.attrs) for r in rows] == [(3, 2), (2, 2), (2, 2)]
    assert [r.output.as_list() for r in rows] == [[1, 4, 4], [1, 5, 5], [1, 2, 2]]


def test_the_mobile_kinds_count_as_written(zoo):
    """Hand counts of the small network's mobile kinds (15×15 → 7×7 after the strided dwconv)."""
    rows = {r.name: r for r in zoo[-1].rows}
    dw = rows["dwconv"]       # 16 maps × 2 filters of 3×3 each, with biases: a conv, groups = 16
    assert (dw.output.as_list(), dw.counts.weights, dw.counts.biases, dw.counts.macs) == (
        [32, 7, 7], 32 * 9, 32, 7 * 7 * 32 * 9)
    pw = rows["pwconv1"]
    assert (pw.geometry, pw.counts.params, pw.counts.macs) == ("1×1 s1 p0", 32 * 24, 49 * 32 * 24)
    assert rows["pwconv2"].counts.params == (24 // 4) * 24 + 24
    se = rows["se1"]          # fc 24 → 6 and 6 → 24, biases on both
    assert (se.output, se.counts.weights, se.counts.biases, se.counts.macs) == (
        se.input_shapes[0], 2 * 24 * 6, 6 + 24, 2 * 24 * 6)
    split = rows["split"]     # the third of three parts: channels 16 … 23
    assert (split.output.as_list(), split.geometry, split.counts.params) == ([8, 7, 7], "3/3", 0)
    for name in ("hardswish", "silu", "shuffle", "hardsigmoid", "stochastic_depth"):
        r = rows[name]
        assert r.output == r.input_shapes[0] and r.counts.params == r.counts.macs == 0, name


def test_a_shuffle_needs_groups_that_divide_the_channels(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('name = "s"\ndescription = "d"\nsource = "s"\ninput = [6, 4, 4]\n'
                 'layers = [{ shuffle = 4 }]\n')
    with pytest.raises(Exception, match="shuffle = 4 groups must divide the input's 6 channels"):
        archcalc.analyse(str(f))


def test_an_se_gate_must_be_one_it_knows(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('name = "s"\ndescription = "d"\nsource = "s"\ninput = [6, 4, 4]\n'
                 'layers = [{ se = 2, gate = "tanh" }]\n')
    with pytest.raises(Exception, match='gate = "tanh" is not one of sigmoid, hardsigmoid'):
        archcalc.analyse(str(f))


def test_a_split_needs_parts_that_divide_the_channels(tmp_path):
    f = tmp_path / "s.toml"
    for layer, message in (("{ split = 4 }", "split = 4 parts must divide the input's 6 channels"),
                           ("{ split = 2, part = 2 }", r"part = 2 is not one of the 2 parts")):
        f.write_text('name = "s"\ndescription = "d"\nsource = "s"\ninput = [6, 4, 4]\n'
                     f'layers = [{layer}]\n')
        with pytest.raises(Exception, match=message):
            archcalc.analyse(str(f))


def test_the_convnext_kinds_count_as_written():
    """Hand counts of ConvNeXt-T's first block (96 channels at 56×56) and its head: nn.Linear on
    each position's channels counts as a 1×1 conv, layer norm 2·C, layer scale C, GELU nothing."""
    rows = {r.name: r for r in archcalc.analyse("convnext_tiny").rows}
    pw1, pw2 = rows["stage1_1/pw1"], rows["stage1_1/pw2"]
    assert (pw1.output.as_list(), pw1.counts.weights, pw1.counts.biases, pw1.counts.macs) == (
        [384, 56, 56], 96 * 384, 384, 56 * 56 * 96 * 384)
    assert (pw2.output.as_list(), pw2.counts.params, pw2.counts.macs) == (
        [96, 56, 56], 384 * 96 + 96, 56 * 56 * 384 * 96)
    for name, params in (("stage1_1/ln", 2 * 96), ("stem_ln", 2 * 96), ("head_ln", 2 * 768),
                         ("stage1_1/scale", 96), ("stage1_1/gelu", 0)):
        r = rows[name]
        assert r.output == r.input_shapes[0], name
        assert (r.counts.params, r.counts.macs, r.counts.buffers) == (params, 0, 0), name


def test_linear_on_a_vector_is_an_fc(tmp_path):
    f = tmp_path / "l.toml"
    f.write_text('name = "l"\ndescription = "d"\nsource = "s"\ninput = [6, 4, 4]\n'
                 'layers = ["flatten", { linear = 5 }, "ln", "gelu", { linear = 3, bias = false }]\n')
    rows = archcalc.analyse(str(f)).rows
    assert [str(r.output) for r in rows] == ["96", "5", "5", "5", "3"]
    assert [(r.counts.params, r.counts.macs) for r in rows] == [
        (0, 0), (96 * 5 + 5, 96 * 5), (10, 0), (0, 0), (15, 15)]


def test_ln2d_needs_a_map(tmp_path):
    f = tmp_path / "l.toml"
    f.write_text('name = "l"\ndescription = "d"\nsource = "s"\ninput = [6, 4, 4]\n'
                 'layers = ["flatten", "ln2d"]\n')
    with pytest.raises(Exception, match="ln2d needs a C×H×W feature map"):
        archcalc.analyse(str(f))


def test_the_vit_kinds_count_as_written():
    """Hand counts of ViT-B/16 (Dosovitskiy et al. 2021, Sec. 3.1): 196 patches of 16·16·3
    projected to 768, a class token (197 tokens), 197·768 position embeddings, and attention
    with Q, K, V and output projections (4·768² + 4·768) and its two products (197²·768 each)."""
    rows = {r.name: r for r in archcalc.analyse("vit_b_16").rows}
    n, d = 197, 768
    pe = rows["patch_embed"]
    assert (pe.output.as_list(), pe.counts.params, pe.counts.macs) == (
        [d, 196, 1], 16 * 16 * 3 * d + d, 196 * d * 16 * 16 * 3)
    assert (rows["class_token"].output.as_list(), rows["class_token"].counts.params) == (
        [d, n, 1], d)
    assert rows["pos_embed"].counts.params == n * d
    a = rows["layer_1/attn/mhsa"]
    assert (a.output.as_list(), a.counts.weights, a.counts.biases) == ([d, n, 1], 4 * d * d, 4 * d)
    assert a.counts.macs == 3 * n * d * d + n * n * d + n * n * d + n * d * d
    t = rows["class_out"]
    assert (str(t.output), t.counts.params) == ("768", 0)


def test_an_attention_without_an_output_bias(tmp_path):
    """out_bias = false (an ONNX export of an untrained attention, whose zero out_proj.bias the
    exporter leaves out): 3·D biases, not 4·D, and explain says whose they are."""
    f = tmp_path / "a.toml"
    f.write_text('name = "a"\ninput = [3, 8, 8]\nlayers = [{ patch_embed = 8, patch = 4 }, '
                 '{ mhsa = 2, out_bias = false }]\n', encoding="utf-8")
    a = next(r for r in archcalc.analyse(str(f)).rows if r.kind == "mhsa")
    assert (a.counts.weights, a.counts.biases) == (4 * 8 * 8, 3 * 8)
    out = CliRunner().invoke(main, ["explain", str(f), "mhsa"]).output
    assert "+ 3·8 = 24 biases of Q, K, V (none on the output projection) = 280" in out


@pytest.mark.parametrize("layers, message", [
    ('[{ patch_embed = 8, patch = 5 }]', "patch = 5 must divide the input's 12×12"),
    ('[{ patch_embed = 8, patch = 4 }, { mhsa = 3 }]', "mhsa = 3 heads must divide the token width 8"),
    ('[{ patch_embed = 8, patch = 4 }, { token = 9 }]', r"token = 9 is not one of the 9 tokens"),
    ('["cls_token"]', "cls_token needs a sequence of tokens, D×N×1"),
])
def test_the_vit_kinds_refuse_what_does_not_fit(tmp_path, layers, message):
    f = tmp_path / "v.toml"
    f.write_text('name = "v"\ndescription = "d"\nsource = "s"\ninput = [3, 12, 12]\n'
                 f'layers = {layers}\n')
    with pytest.raises(Exception, match=message):
        archcalc.analyse(str(f))


def test_the_unet_kinds_count_as_written(tmp_path):
    """A transposed conv's size (I − 1)·S − 2P + D·(K − 1) + output_padding + 1 and its MACs, one
    per weight per input position (PyTorch's ConvTranspose2d); upsample and crop: no counts."""
    f = tmp_path / "u.toml"
    f.write_text('name = "u"\ndescription = "d"\nsource = "s"\ninput = [4, 9, 9]\n'
                 'layers = [{ tconv = 6, k = 3, s = 2, p = 1, output_padding = 1 }, '
                 '{ upsample = 2, mode = "bilinear" }, { crop = [30, 28] }, { upsample = [1, 2] }]\n')
    t, up, crop, up2 = archcalc.analyse(str(f)).rows
    assert t.output.as_list() == [6, (9 - 1) * 2 - 2 + 2 + 1 + 1, 18]
    assert (t.counts.weights, t.counts.biases, t.counts.macs) == (3 * 3 * 4 * 6, 6, 9 * 9 * 3 * 3 * 4 * 6)
    assert t.geometry == "3×3 s2 p1 op1"
    assert (up.output.as_list(), up.geometry) == ([6, 36, 36], "×2 bilinear")
    assert (crop.output.as_list(), crop.counts.params) == ([6, 30, 28], 0)
    assert up2.output.as_list() == [6, 30, 56]
    for r in (up, crop, up2):
        assert r.counts.params == r.counts.macs == 0


@pytest.mark.parametrize("layers, message", [
    ('[{ tconv = 2, k = 3, s = 2, output_padding = 2 }]',
     "output_padding 2 along H must be smaller than the stride 2"),
    ('[{ crop = 10 }]', "crop = 10×10 is larger than the input's 8×8"),
    ('[{ upsample = 2, mode = "bicubic" }]', 'mode = "bicubic" is not one of nearest, bilinear'),
    ('[{ tconv = 2, k = 3, p = "same" }]', 'tconv takes explicit padding, not "same"'),
])
def test_the_unet_kinds_refuse_what_does_not_fit(tmp_path, layers, message):
    f = tmp_path / "u.toml"
    f.write_text('name = "u"\ndescription = "d"\nsource = "s"\ninput = [3, 8, 8]\n'
                 f'layers = {layers}\n')
    with pytest.raises(Exception, match=message):
        archcalc.analyse(str(f))


def test_the_keras_preprocessing_variants_count_as_written(tmp_path):
    """Per-channel rescaling is constants (nothing counted); standardization along other axes
    keeps a mean and a variance per position along them, and Keras's sample count: 2·n + 1."""
    f = tmp_path / "k.toml"
    f.write_text('name = "k"\ninput = [3, 8, 6]\nlayers = [\n'
                 '  { rescale = [0.5, 0.25, 2.0], offset = [-1.0, 0.0, 1.0] },\n'
                 '  { rescale = 2.0, offset = [1, 2, 3] },\n'
                 '  { standardize = "hw", invert = true }, { standardize = "h" },\n'
                 '  { standardize = "cw" }, { standardize = "chw", stored = false },\n'
                 '  "flatten", { standardize = "channel" }, { rescale = [2.0] },\n]\n')
    rows = archcalc.analyse(str(f)).rows
    assert [r.counts.buffers for r in rows] == [0, 0, 2 * 8 * 6 + 1, 2 * 8 + 1, 2 * 3 * 6 + 1,
                                                0, 0, 2 * 144 + 1, 0]
    assert all(r.counts.params == r.counts.macs == 0 for r in rows)
    assert rows[0].attrs["rescale"] == (0.5, 0.25, 2.0)
    assert [r.geometry for r in rows[:4]] == ["× per channel + per channel",
                                              "×2 + per channel", "per H×W, inverse", "per H"]


@pytest.mark.parametrize("layer, message", [
    ('{ rescale = [0.5, 0.5] }', "rescale has 2 values; one per channel is 3"),
    ('{ rescale = 1, offset = [1, 2, 3, 4] }', "offset has 4 values; one per channel is 3"),
    ('{ rescale = [] }', "'rescale' must be a number or a non-empty list of numbers"),
    ('{ rescale = [1, "x", 2] }', "'rescale' must be a number or a list of numbers"),
    ('{ standardize = "hc" }', 'standardize = "hc" is not one of channel, all, h, w, hw'),
])
def test_the_keras_preprocessing_variants_refuse_what_does_not_fit(tmp_path, layer, message):
    f = tmp_path / "k.toml"
    f.write_text(f'name = "k"\ninput = [3, 8, 6]\nlayers = [{layer}]\n')
    with pytest.raises(Exception, match=message.replace("[", r"\[").replace("(", r"\(")):
        archcalc.analyse(str(f))
    f.write_text(f'name = "k"\ninput = [3, 8, 6]\nlayers = ["flatten", {{ standardize = "w" }}]\n')
    with pytest.raises(Exception, match='standardize = "w" needs a C×H×W map, found 144 values'):
        archcalc.analyse(str(f))
