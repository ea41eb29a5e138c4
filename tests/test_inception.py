"""The Inception family, NIN and Xception: totals against their cited sources, GoogLeNet's nine
modules recomputed independently, and the mechanisms these networks brought in (concat, depthwise
and separable convs, TF "same" padding, scaled residual adds, auxiliary heads)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import archcalc
from archcalc.core import formulas as F
from archcalc.cli import main
from archcalc.core.errors import SpecError
from archcalc.core.kinds import RULES, LayerError
from archcalc.core.records import Shape

REF = "/work/shared/REFERENCE_NUMBERS.md"   # the compiled reference numbers, cited by section


def analyse(name):
    return archcalc.analyse(name)


def row(a, name):
    return next(r for r in a.rows if r.name == name)


# --- totals against their sources ---------------------------------------------------------------

def test_googlenet_paper_totals():
    a = analyse("googlenet")
    # REFERENCE_NUMBERS § 6.2 [C]: original architecture (5×5 convs, biases, no BN), no aux heads.
    assert a.totals.params == 6_998_552
    # § 6.2: 1.583 G MACs; the paper's Sec. 5 budget is "1.5 billion multiply-adds".
    assert round(a.totals.macs / 1e9, 3) == 1.583
    # § 6.2 [C]: with both auxiliary heads.
    assert a.totals_with_aux.params == 13_378_280
    # Weights only: 6,998,552 − 8,280 biases (one per conv filter and per linear output).
    # (§ 6.2's "6,991,272 without biases" keeps the linear layer's 1,000 biases.)
    assert a.totals.weights == 6_990_272
    assert a.totals.weights + 1_000 == 6_991_272


def test_googlenet_torchvision_totals():
    a = analyse("googlenet-torchvision")
    # § 6.3 [TV]: GoogLeNet_Weights.IMAGENET1K_V1.meta num_params 6624904, _ops 1.498.
    assert a.totals.params == 6_624_904
    assert round(a.totals.macs / 1e9, 3) == 1.498
    # § 6.3: "With aux heads: 13,004,888".
    assert a.totals_with_aux.params == 13_004_888


def test_googlenet_torchvision_keeps_the_3x3_bug():
    # § 6.3: torchvision's "5×5" branch uses kernel_size=3 (pytorch/vision issue #906).
    a = analyse("googlenet-torchvision")
    assert row(a, "3a/5x5").attrs["k"] == (3, 3)
    assert row(a, "3a/5x5").counts.biases == 0
    assert row(analyse("googlenet"), "3a/5x5").attrs["k"] == (5, 5)


def test_googlenet_ceil_mode_pools():
    a = analyse("googlenet")
    sizes = [row(a, n).output.h for n in ("conv1", "pool1", "pool2", "pool3", "pool4")]
    assert sizes == [112, 56, 28, 14, 7]          # Table 1 output sizes
    assert any(r.kind == "lrn" for r in a.rows)   # Fig. 3: LocalRespNorm in the stem


def test_inception_v3_totals():
    a = analyse("inception-v3")
    # § 8 [TV]: Inception_V3_Weights.IMAGENET1K_V1.meta num_params 27161264 includes AuxLogits.
    assert a.totals_with_aux.params == 27_161_264
    # § 8 [C]: 23,834,568 without the aux head (= osmr/imgclsmob and timm inception_v3).
    assert a.totals.params == 23_834_568
    # § 8 [TV]: _ops 5.713 (GMACs at 299×299, eval mode: the aux branch does not run).
    assert round(a.totals.macs / 1e9, 3) == 5.713
    # § 8: the aux head is 3,326,696 parameters.
    assert a.totals_with_aux.params - a.totals.params == 3_326_696


def test_inception_v4_and_resnet_v2_totals():
    # § 9: osmr/imgclsmob 42,679,816 (timm inception_v4 42.68 M).
    assert analyse("inception-v4").totals.params == 42_679_816
    # § 9: osmr/imgclsmob 55,843,464 (timm inception_resnet_v2 55.84 M).
    assert analyse("inception-resnet-v2").totals.params == 55_843_464


def test_xception_totals():
    a = analyse("xception")
    # § 13 [P]: Xception paper Table 3, 22,855,952 parameters (= Keras trainable).
    assert a.totals.params == 22_855_952
    # § 13 [C]: ≈ 8.36 G MACs at 299×299.
    assert round(a.totals.macs / 1e9, 2) == 8.36


def test_nin_totals():
    # § 5 [C]: NIN CIFAR-10 from the authors' released configuration: 966,986; ≈ 222 M MACs.
    a = analyse("nin")
    assert a.totals.params == 966_986
    assert round(a.totals.macs / 1e6) == 222
    assert [row(a, n).output.h for n in ("pool1", "pool2")] == [16, 8]    # § 5: 32 → 16 → 8
    # § 5 [C]: NIN ImageNet (Caffe model zoo): 7,595,176; ≈ 1.10 G MACs; conv1 output 54×54.
    b = analyse("nin-imagenet")
    assert b.totals.params == 7_595_176
    assert round(b.totals.macs / 1e9, 2) == 1.10
    assert row(b, "mlpconv1/conv").output.h == 54


def test_bn_inception_totals_and_misprints():
    a = analyse("inception-v2")
    # § 7 [C]: dense 7×7 conv1, conv biases + BN γ/β + FC: 11,295,240; 11,285,224 without conv
    # biases; ≈ 2.03 G MACs (SENet Table 2 lists BN-Inception at 2.03 GFLOPs).
    assert a.totals.params == 11_295_240
    conv_biases = sum(r.counts.biases for r in a.rows if r.kind == "conv")
    assert a.totals.params - conv_biases == 11_285_224
    assert round(a.totals.macs / 1e9, 2) == 2.03
    # § 7: the printed output sizes that the channel counts contradict.
    assert row(a, "3c/concat").output == Shape(576, 14, 14)     # printed 28×28×576
    assert row(a, "4c/concat").output.c == 608                  # printed 576
    assert row(a, "4d/concat").output.c == 608                  # printed 576
    assert row(a, "4e/concat").output == Shape(1056, 7, 7)      # printed 14×14×1024
    assert row(a, "5b/concat").output == Shape(1024, 7, 7)      # printed 7×7×1024 ✓


def test_bn_inception_separable_conv1():
    # Sec. 4.2.1: "separable convolution with depth multiplier 8 on the first convolutional layer".
    a, b = analyse("inception-v2"), analyse("inception-v2-separable")
    sep = row(b, "conv1")
    assert sep.kind == "sepconv"
    assert sep.counts.weights == 7 * 7 * 3 * 8 + 3 * 8 * 64 == 2_712
    assert a.totals.params - b.totals.params == row(a, "conv1").counts.weights - 2_712


# --- GoogLeNet's nine modules, recomputed from Table 1's channel counts --------------------------

# Table 1 [P] (§ 6.1): input channels, #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj, H.
MODULES = {
    "3a": (192, 64, 96, 128, 16, 32, 32, 28),
    "3b": (256, 128, 128, 192, 32, 96, 64, 28),
    "4a": (480, 192, 96, 208, 16, 48, 64, 14),
    "4b": (512, 160, 112, 224, 24, 64, 64, 14),
    "4c": (512, 128, 128, 256, 24, 64, 64, 14),
    "4d": (512, 112, 144, 288, 32, 64, 64, 14),
    "4e": (528, 256, 160, 320, 32, 128, 128, 14),
    "5a": (832, 256, 160, 320, 32, 128, 128, 7),
    "5b": (832, 384, 192, 384, 48, 128, 128, 7),
}
# § 6.2 [C]: weights per module, computed there independently.
MODULE_WEIGHTS = {"3a": 163_328, "3b": 388_096, "4a": 375_552, "4b": 448_512, "4c": 509_440,
                  "4d": 604_672, "4e": 867_328, "5a": 1_042_432, "5b": 1_442_816}
# § 6.2 [C] MACs, in M as printed there.
MODULE_MMACS = {"3a": 128.0, "3b": 304.3, "4a": 73.6, "4b": 87.9, "4c": 99.9, "4d": 118.5,
                "4e": 170.0, "5a": 51.1, "5b": 70.7}


@pytest.mark.parametrize("name", list(MODULES))
def test_googlenet_module_params_and_ops(name):
    a = analyse("googlenet")
    rows = [r for r in a.rows if r.name.startswith(name + "/")]
    cin, c1, r3, c3, r5, c5, pp, hw = MODULES[name]
    weights = cin * c1 + cin * r3 + 9 * r3 * c3 + cin * r5 + 25 * r5 * c5 + cin * pp
    assert sum(r.counts.weights for r in rows) == weights == MODULE_WEIGHTS[name]
    assert sum(r.counts.biases for r in rows) == c1 + r3 + c3 + r5 + c5 + pp
    macs = sum(r.counts.macs for r in rows)
    assert macs == weights * hw * hw        # every conv keeps the module's grid
    assert round(macs / 1e6, 1) == MODULE_MMACS[name]
    assert row(a, f"{name}/concat").output == Shape(c1 + c3 + c5 + pp, hw, hw)


# --- auxiliary heads ---------------------------------------------------------------------------

def test_aux_rows_are_shown_but_not_totalled():
    a = analyse("googlenet")
    aux = [r for r in a.rows if r.aux]
    assert {r.name.split("/")[0] for r in aux} == {"aux1", "aux2"}
    assert row(a, "aux1/pool").input_shapes == (Shape(512, 14, 14),)    # reads 4a's output
    assert row(a, "aux2/pool").input_shapes == (Shape(528, 14, 14),)    # reads 4d's output
    assert row(a, "aux1/pool").output == Shape(512, 4, 4)               # Sec. 5: 4×4×512
    assert row(a, "4b/1x1").inputs == ("4a/concat",)                    # the chain skips aux1
    assert a.totals.params == sum(r.params for r in a.rows if not r.aux)
    assert a.totals_with_aux.params == sum(r.params for r in a.rows)


def test_cli_aux_flag_prints_both_totals():
    runner = CliRunner()
    plain = runner.invoke(main, ["table", "googlenet", "--wide"])
    assert plain.exit_code == 0
    assert "aux1/fc" in plain.output and "fc (aux)" in plain.output
    assert "total with aux" not in plain.output
    assert "6,998,552" in plain.output and "13,378,280" not in plain.output
    both = runner.invoke(main, ["table", "googlenet", "--aux", "--wide"])
    assert both.exit_code == 0
    lines = [ln for ln in both.output.splitlines() if ln.startswith("total")]
    assert len(lines) == 2
    assert "6,998,552" in lines[0] and "13,378,280" in lines[1]
    js = runner.invoke(main, ["table", "inception-v3", "--aux", "--format", "json"])
    import json

    d = json.loads(js.output)
    assert d["totals"]["params"] == 23_834_568
    assert d["totals_with_aux"]["params"] == 27_161_264
    assert any(layer["aux"] for layer in d["layers"])


def _spec(tmp_path: Path, text: str) -> str:
    p = tmp_path / "net.toml"
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_aux_on_a_single_layer_and_its_bn(tmp_path):
    path = _spec(tmp_path, '''
name = "t"
description = "t"
source = "test"
input = [3, 8, 8]
layers = [
  { conv = 4, k = 3, p = 1, name = "c1" },
  { conv = 2, k = 1, bn = true, name = "side", aux = true },
  { conv = 5, k = 1, name = "c2" },
]
''')
    a = archcalc.analyse(path)
    assert row(a, "side").aux and row(a, "bn").aux
    assert row(a, "bn").inputs == ("side",)          # the BN row follows its own conv
    assert row(a, "c2").inputs == ("c1",)            # the chain did not move
    assert a.totals.params == (27 * 4 + 4) + (4 * 5 + 5)
    assert a.totals_with_aux.params == a.totals.params + (4 * 2 + 2) + 2 * 2


def test_aux_must_be_a_boolean(tmp_path):
    path = _spec(tmp_path, '''
name = "t"
description = "t"
source = "test"
input = [3, 8, 8]
layers = [{ conv = 4, k = 3, aux = "yes" }]
''')
    with pytest.raises(SpecError, match="'aux' must be true or false"):
        archcalc.analyse(path)


# --- scaled residual add, join attributes -------------------------------------------------------

def test_inception_resnet_v2_scaled_adds():
    a = analyse("inception-resnet-v2")
    adds = [(r.name.split("/")[0], r.attrs["scale"]) for r in a.rows if r.kind == "add"]
    # TF-slim / timm: 10 blocks at 0.17, 20 at 0.10, 9 at 0.20, then one unscaled 8×8 block.
    assert adds == ([(f"block35_{i}", 0.17) for i in range(1, 11)]
                    + [(f"block17_{i}", 0.10) for i in range(1, 21)]
                    + [(f"block8_{i}", 0.20) for i in range(1, 10)]
                    + [("block8_last", 1.0)])
    assert row(a, "block35_1/add").geometry == "×0.17"
    assert not any(r.name == "block8_last/relu" for r in a.rows)
    assert row(a, "block8_9/relu").kind == "relu"
    assert sum(1 for r in a.rows if r.kind == "add") == 10 + 20 + 9 + 1
    up = row(a, "block35_1/up")
    assert up.counts.biases == 320 and up.counts.weights == 128 * 320   # the linear 1×1, with bias


def test_join_attributes_are_checked(tmp_path):
    base = '''
name = "t"
description = "t"
source = "test"
input = [4, 8, 8]
layers = [{ use = "r" }]
[blocks.r]
add = [[{ conv = 4, k = 1 }], []]
'''
    with pytest.raises(SpecError, match="'add' has no attribute 'scal'.*did you mean 'scale'"):
        archcalc.analyse(_spec(tmp_path, base + "join = { scal = 0.1 }\n"))
    with pytest.raises(SpecError, match="'scale' must be a number"):
        archcalc.analyse(_spec(tmp_path, base + 'join = { scale = "big" }\n'))
    a = archcalc.analyse(_spec(tmp_path, base + "join = { scale = 0.5 }\n"))
    assert row(a, "r/add").attrs == {"scale": 0.5}


# --- TF "same" padding --------------------------------------------------------------------------

def test_xception_asymmetric_same_padding_is_shown():
    a = analyse("xception")
    pool = row(a, "block3/pool")                   # 74 → 37: 1 pixel of padding, after the input
    assert pool.input_shapes[0].h == 74 and pool.output.h == 37
    assert pool.geometry == "3×3 s2 p=same(0,1,0,1)"
    notes = [n for n in pool.notes if n.kind == "same"]
    assert len(notes) == 1 and "0 before the input and 1 after" in notes[0].text
    assert row(a, "block2/pool").geometry == "3×3 s2 p=same"      # 147 → 74: 2 pixels, 1 + 1
    assert not [n for n in row(a, "block2/pool").notes if n.kind == "same"]
    assert row(a, "block2/sepconv1").geometry == "3×3 s1 p=same dw + 1×1"


@given(st.integers(1, 300), st.integers(1, 7), st.integers(1, 4))
def test_same_padding_gives_ceil_output(i, k, s):
    lo, hi = F.same_padding(i, k, s)
    assert hi - lo in (0, 1)
    assert F.out_len(i, k, s, lo, hi) == -(-i // s)


# --- depthwise and separable convolution --------------------------------------------------------

dims = st.integers(1, 64)


@given(dims, dims, st.integers(1, 7), st.integers(1, 7), st.integers(1, 4))
def test_depthwise_is_a_conv_grouped_by_input_channels(c, c_out, kh, kw, m):
    assert F.depthwise_weights(c, kh, kw, m) == F.conv_weights(c, c * m, kh, kw, groups=c)
    assert F.depthwise_macs(5, 3, c, kh, kw, m) == F.conv_macs(5, 3, c, c * m, kh, kw, groups=c)
    # The materialized weight tensor of the depthwise part is (C·m, 1, Kh, Kw).
    assert F.depthwise_weights(c, kh, kw, m) == (c * m) * 1 * kh * kw


@given(dims, dims, st.integers(1, 7), st.integers(1, 4), st.integers(1, 20), st.integers(1, 20))
def test_separable_is_depthwise_then_pointwise(c, c_out, k, m, h, w):
    sep = F.separable_weights(c, c_out, k, k, m)
    assert sep == c * m * k * k + c * m * c_out
    assert F.separable_macs(h, w, c, c_out, k, k, m) == h * w * sep
    # Cheaper than a dense conv whenever the kernel is bigger than 1×1 and m = 1.
    if k > 1 and m == 1 and c_out > 1:
        assert sep < F.conv_weights(c, c_out, k, k)


@given(st.integers(1, 32), st.integers(1, 32), st.integers(1, 3), st.integers(1, 2),
       st.integers(6, 20))
def test_dwconv_and_sepconv_rules_agree_with_conv(c, c_out, m, s, size):
    x = Shape(c, size, size)
    base = {"k": (3, 3), "s": (s, s), "p": (1, 1, 1, 1), "dilation": (1, 1), "bias": False,
            "bn": False}
    dw = RULES["dwconv"].apply([x], dict(base, dwconv=m))
    grouped = RULES["conv"].apply([x], dict(base, conv=c * m, groups=c, connections=None))
    assert dw.shape == grouped.shape and dw.counts == grouped.counts
    sep = RULES["sepconv"].apply([x], dict(base, sepconv=c_out, mult=m))
    pw = RULES["conv"].apply([dw.shape], dict(base, conv=c_out, k=(1, 1), s=(1, 1),
                                             p=(0, 0, 0, 0), groups=1, connections=None))
    assert sep.shape == pw.shape
    assert sep.counts.weights == dw.counts.weights + pw.counts.weights
    assert sep.counts.macs == dw.counts.macs + pw.counts.macs


# --- concat -------------------------------------------------------------------------------------

@given(st.lists(st.integers(1, 512), min_size=2, max_size=6), st.integers(1, 64),
       st.integers(1, 64))
def test_concat_adds_channels(channels, h, w):
    out = RULES["concat"].apply([Shape(c, h, w) for c in channels], {})
    assert out.shape == Shape(sum(channels), h, w)
    assert out.counts.params == 0 and out.counts.macs == 0


@given(st.integers(1, 64), st.integers(1, 64), st.integers(1, 32), st.integers(1, 32))
def test_concat_refuses_different_grids(c1, c2, h, dh):
    a, b = Shape(c1, h, h), Shape(c2, h + dh, h)
    with pytest.raises(LayerError) as e:
        RULES["concat"].apply([a, b], {})
    assert str(a) in str(e.value) and str(b) in str(e.value)


def test_concat_mismatch_names_both_branches(tmp_path):
    path = _spec(tmp_path, '''
name = "t"
description = "t"
source = "test"
input = [3, 9, 9]
layers = [{ use = "m", name = "mod" }]
[blocks.m]
concat = [[{ conv = 8, k = 1, name = "keep" }], [{ conv = 4, k = 3, s = 2, name = "shrink" }]]
''')
    with pytest.raises(SpecError) as e:
        archcalc.analyse(path)
    msg = str(e.value)
    assert "mod/keep 8×9×9" in msg and "mod/shrink 4×4×4" in msg
    assert "spatial sizes must agree" in msg
    result = CliRunner().invoke(main, ["table", path])
    assert result.exit_code == 2 and "Traceback" not in result.output


# --- the catalogue and speed --------------------------------------------------------------------

NETWORKS = ["googlenet", "googlenet-torchvision", "inception-v2", "inception-v2-separable",
            "inception-v3", "inception-v4", "inception-resnet-v2", "xception", "nin",
            "nin-imagenet"]


def test_all_listed():
    out = CliRunner().invoke(main, ["list"]).output
    names = {ln.split()[0] for ln in out.splitlines()[2:] if ln.strip()}
    assert set(NETWORKS) <= names


@pytest.mark.parametrize("name", NETWORKS)
def test_analysis_work_is_bounded(name, monkeypatch):
    """The cost of analysing a multi-branch net is bounded in layer evaluations: one pass for the
    rows, plus at most the even-input search's budget (which may finish the pass it is in); a
    repeated layer with the same inputs is worked out once, so the pass may take fewer. Time
    itself is measured by the benchmarks, never asserted in a test."""
    from archcalc.core import engine, kinds as layers, spec

    calls = []
    for rule in layers.RULES.values():
        monkeypatch.setattr(rule, "apply",
                            lambda ins, a, _f=rule.apply: calls.append(1) or _f(ins, a))
    net = spec.load(name)
    engine.analyse(net)
    n = len(net.nodes)
    assert 0 < len(calls) <= n + engine.EVEN_SEARCH_BUDGET + n
