"""The residual and dense families: totals against their cited sources, the shortcut options,
the joins' errors, and hypothesis properties of residual addition and dense concatenation."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

import archcalc
from archcalc.core import engine, spec
from archcalc.cli import main
from archcalc.core.errors import SpecError


def totals(name):
    return archcalc.analyse(name).totals


def row(a, name):
    return next(r for r in a.rows if r.name == name)


# --- ResNet, ImageNet (He et al. 2015) -------------------------------------------------------

# Parameters: torchvision `num_params` of resnet18/34/50/101/152 (REFERENCE_NUMBERS.md § 10.2; the
# paper prints none). MACs: conv + fc at 224×224 with the stride on the first 1×1 conv (v1), the
# paper's Table 1 "FLOPs (multiply-adds)" 1.8 / 3.6 / 3.8 / 7.6 / 11.3 × 10⁹.
RESNET_V1 = {
    "resnet18": (11_689_512, 1_814_073_344, 1.8),
    "resnet34": (21_797_672, 3_663_761_408, 3.6),
    "resnet50": (25_557_032, 3_857_973_248, 3.8),
    "resnet101": (44_549_160, 7_570_194_432, 7.6),
    "resnet152": (60_192_808, 11_282_415_616, 11.3),
}


@pytest.mark.parametrize("name", RESNET_V1)
def test_resnet_paper_totals(name):
    params, macs, paper_g = RESNET_V1[name]
    t = totals(name)
    assert (t.params, t.macs) == (params, macs)
    # The paper prints one decimal, truncated or rounded: 3.664 → "3.6", 7.570 → "7.6".
    assert abs(t.macs / 1e9 - paper_g) < 0.1


# torchvision's "GFLOPS" column (= GMACs) 4.089 / 7.801 / 11.514 (REFERENCE_NUMBERS.md § 10.2); the
# exact counts are the issue's, from the v1.5 bottleneck (stride on the 3×3 conv).
@pytest.mark.parametrize("name, macs, tv", [
    ("resnet50-torchvision", 4_089_184_256, 4.089),
    ("resnet101-torchvision", 7_801_405_440, 7.801),
    ("resnet152-torchvision", 11_513_626_624, 11.514),
])
def test_resnet_v15_same_parameters_more_macs(name, macs, tv):
    t = totals(name)
    assert t.params == RESNET_V1[name.split("-")[0]][0]
    assert t.macs == macs and round(macs / 1e9, 3) == tv


def test_v15_footer_answers_the_question():
    out = CliRunner().invoke(main, ["table", "resnet50-torchvision"]).output
    assert "why 3.8 G in the paper and 4.1 G in torchvision" in out
    assert "v1.5" in out


def test_bottleneck_stride_placement():
    # He et al. 2015 release (v1): conv3_1's stride is on its first 1×1; torchvision (v1.5): on the 3×3.
    v1, v15 = archcalc.analyse("resnet50"), archcalc.analyse("resnet50-torchvision")
    assert str(row(v1, "conv3_1/conv1").output) == "128×28×28"
    assert str(row(v15, "conv3_1/conv1").output) == "128×56×56"
    assert row(v15, "conv3_1/conv2").geometry == "3×3 s2 p1"
    # Table 1's output sizes: conv1 112, conv2_x 56, conv3_x 28, conv4_x 14, conv5_x 7.
    assert [row(v1, n).output.h for n in ("conv1", "conv2_3/relu", "conv3_4/relu", "conv4_6/relu",
                                          "conv5_3/relu")] == [112, 56, 28, 14, 7]


def test_plain_baselines_are_resnets_without_shortcuts():
    # He et al. 2015, Sec. 4.1: the plain nets are the same stacks without the shortcuts, so they
    # differ from ResNet-18/34 by exactly the projections of option B (1×1 conv + BN at
    # conv3_1, conv4_1, conv5_1): 64·128 + 128·256 + 256·512 weights, 2·(128 + 256 + 512) BN.
    proj = 64 * 128 + 128 * 256 + 256 * 512 + 2 * (128 + 256 + 512)
    assert totals("resnet18").params - totals("plain18").params == proj
    assert totals("resnet34").params - totals("plain34").params == proj
    assert not any(r.kind == "add" for r in archcalc.analyse("plain34").rows)
    # Sec. 4.1: the 34-layer plain net has 3.6 billion FLOPs (multiply-adds).
    assert round(totals("plain34").macs / 1e9, 1) == 3.6


def test_shortcut_options_a_b_c():
    # He et al. 2015, Sec. 3.3: A adds no parameters (same as the plain net), B adds projections
    # where the shape changes, C projections on every block: each costs c_in·c_out + 2·c_out.
    a, b, c = (archcalc.analyse(n) for n in ("resnet34-a", "resnet34", "resnet34-c"))
    assert a.totals.params == totals("plain34").params
    assert sum(r.params for r in a.rows if r.kind == "zeropad") == 0
    assert [r.name for r in a.rows if r.kind == "zeropad"] == ["conv3_1/pad", "conv4_1/pad",
                                                               "conv5_1/pad"]
    blocks = {"conv2": (3, 64), "conv3": (4, 128), "conv4": (6, 256), "conv5": (3, 512)}
    every = sum(n * (c_ * c_ + 2 * c_) for n, c_ in blocks.values())
    # C's projections where the shape does not change are c·c; where it does, B's own.
    changes = 64 * 128 + 128 * 256 + 256 * 512 + 2 * (128 + 256 + 512)
    same = every - (128 * 128 + 256 * 256 + 512 * 512 + 2 * (128 + 256 + 512))
    assert c.totals.params - b.totals.params == same
    assert b.totals.params - a.totals.params == changes


# ResNeXt and Wide ResNet-50-2: torchvision num_params and "GFLOPS" (GMACs) columns
# (Xie et al. 2017, Table 1: 25.0 M, 4.2×10⁹ FLOPs; the exact counts).
def test_resnext_and_wide_resnet50():
    t = totals("resnext50-32x4d")
    assert t.params == 25_028_904 and round(t.macs / 1e9, 2) == 4.23
    assert totals("resnext101-32x8d").params == 88_791_336
    t = totals("wide-resnet50-2")
    assert t.params == 68_883_240 and round(t.macs / 1e9, 3) == 11.398
    assert row(archcalc.analyse("resnext50-32x4d"), "conv2_1/conv2").geometry == "3×3 s1 p1 g32"


# --- ResNet, CIFAR-10 (He et al. 2015, Sec. 4.2, Table 6: 0.27, 0.46, 0.66, 0.85, 1.7, 19.4 M) ----

CIFAR = {"resnet20": (3, 269_722), "resnet32": (5, 464_154), "resnet44": (7, 658_586),
         "resnet56": (9, 853_018), "resnet110": (18, 1_727_962), "resnet1202": (200, 19_421_274)}
TABLE6 = {"resnet20": "0.27", "resnet32": "0.46", "resnet44": "0.66", "resnet56": "0.85",
          "resnet110": "1.7", "resnet1202": "19.4"}


@pytest.mark.parametrize("name", CIFAR)
def test_cifar_resnet_totals(name):
    n, params = CIFAR[name]
    a = archcalc.analyse(name)
    assert a.totals.params == params
    decimals = len(TABLE6[name].split(".")[1])
    assert f"{params / 1e6:.{decimals}f}" == TABLE6[name]
    # 6n + 2 weighted layers (Sec. 4.2).
    assert sum(1 for r in a.rows if r.counts.macs) == 6 * n + 2
    # Option A everywhere: no projections, the two stage changes are zero-padded.
    assert [r.name for r in a.rows if r.kind == "zeropad"] == ["stage2_1/pad", "stage3_1/pad"]
    assert str(a.rows[-1].output) == "10"
    assert str(row(a, f"stage3_{n}/relu").output) == "64×8×8"


def test_cifar_closed_form():
    # Independent recomputation of Sec. 4.2's design: conv 3·9·16 + BN 32; per stage n blocks of
    # two 3×3 convs + BN (the first conv of stages 2 and 3 reads the previous width); fc 64·10 + 10.
    def closed(n):
        p = 3 * 9 * 16 + 32 + 64 * 10 + 10
        prev = 16
        for c in (16, 32, 64):
            p += 9 * prev * c + 9 * c * c + 4 * c + (n - 1) * (2 * 9 * c * c + 4 * c)
            prev = c
        return p
    for name, (n, params) in CIFAR.items():
        assert closed(n) == params, name


# --- DenseNet (Huang et al. 2017) ------------------------------------------------------------

# torchvision num_params and "GFLOPS" (GMACs: 2.834 / 3.36 / 4.291 / 7.728), REFERENCE_NUMBERS.md § 12;
# DenseNet-264 (Table 1, not in torchvision): the count.
DENSENET = {"densenet121": (7_978_856, "2.834"), "densenet169": (14_149_480, "3.36"),
            "densenet201": (20_013_928, "4.291"), "densenet161": (28_681_000, "7.728"),
            "densenet264": (33_337_704, None)}


@pytest.mark.parametrize("name", DENSENET)
def test_densenet_totals(name):
    params, gmacs = DENSENET[name]
    t = totals(name)
    assert t.params == params
    if gmacs:
        assert f"{t.macs / 1e9:.{len(gmacs.split('.')[1])}f}" == gmacs


def test_densenet_bc_cifar():
    # Huang et al. 2017, Table 2: DenseNet-BC (L = 100, k = 12) 0.8 M; exact 769,162 (the issue).
    a = archcalc.analyse("densenet-bc-100")
    assert a.totals.params == 769_162 and round(a.totals.params / 1e6, 1) == 0.8
    # (L − 4)/6 = 16 bottleneck layers per block, two convs each, + first conv + 2 transitions + fc = 100.
    assert sum(1 for r in a.rows if r.counts.macs) == 100


def test_densenet121_table1_shapes():
    # Huang et al. 2017, Table 1: 112, 56, 56 → 28 → 14 → 7, 1024 maps before the classifier.
    a = archcalc.analyse("densenet121")
    assert [str(row(a, n).output) for n in ("conv0", "pool0", "denseblock1/denselayer_6/concat",
            "transition1/pool", "transition2/pool", "transition3/pool", "norm5")] == [
        "64×112×112", "64×56×56", "256×56×56", "128×28×28", "256×14×14", "512×7×7", "1024×7×7"]


# --- batch norm buffers ----------------------------------------------------------------------

def test_bn_buffers_are_not_parameters():
    # REFERENCE_NUMBERS.md § 10.2: Keras ResNet50 − torchvision = 79,680 = 26,560 conv biases +
    # 53,120 BN moving mean/var; § 12: Keras DenseNet-121 − torchvision = 83,648 = 2 × BN channels.
    r50, d121 = archcalc.analyse("resnet50"), archcalc.analyse("densenet121")
    assert r50.totals.buffers == 53_120
    assert 25_636_712 - r50.totals.params - r50.totals.buffers == 26_560
    assert d121.totals.buffers == 83_648 == 8_062_504 - 7_978_856
    bn_channels = sum(r.output.c for r in d121.rows if r.kind == "bn")
    assert d121.totals.buffers == 2 * bn_channels and d121.totals.params == 7_978_856
    out = CliRunner().invoke(main, ["table", "densenet121"]).output
    assert "buffers: 83,648 non-trainable" in out and "7,978,856 + " not in out
    assert "params + buffers = 8,062,504" in out


def test_json_carries_buffers():
    import json
    d = json.loads(CliRunner().invoke(main, ["table", "resnet20", "--format", "json"]).output)
    assert d["totals"]["buffers"] == sum(x["buffers"] for x in d["layers"]) == 1_376
    assert "buffers" in d["conventions"]


# --- the joins' errors -----------------------------------------------------------------------

def net(layers, blocks, input=(3, 8, 8)):
    data = {"name": "t", "description": "test", "source": "test", "input": list(input),
            "layers": layers, "blocks": blocks}
    return spec.SpecFile("t.toml", data).network("t")


def test_add_refuses_mismatched_shapes_naming_both_inputs():
    blocks = {"res": {"add": [[{"conv": 16, "k": 3, "s": 2, "p": 1, "name": "conv"}], []]}}
    with pytest.raises(SpecError) as e:
        engine.analyse(net([{"use": "res", "name": "block"}], blocks))
    msg = str(e.value)
    assert "block/conv 16×4×4" in msg and "input 3×8×8" in msg and "shapes must agree" in msg
    assert "t.toml" in msg


def test_add_refusal_is_exit_status_2(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('name = "bad"\ndescription = "d"\nsource = "s"\ninput = [3, 8, 8]\n'
                 'layers = [{ use = "res", name = "b1" }]\n[blocks.res]\n'
                 'add = [[{ conv = 4, k = 1, name = "conv" }], []]\n', encoding="utf-8")
    r = CliRunner().invoke(main, ["table", str(p)])
    assert r.exit_code == 2
    assert "b1/conv 4×8×8" in r.output and "input 3×8×8" in r.output
    assert "Traceback" not in r.output


def test_mul_gate_must_match_channels():
    gate = [{"gap": True}, {"conv": 4, "k": 1, "name": "fc"}, "sigmoid"]
    ok = engine.analyse(net([{"use": "se", "name": "se"}],
                            {"se": {"mul": [[], [{"gap": True}, {"conv": 3, "k": 1}, "sigmoid"]]}}))
    assert str(ok.rows[-1].output) == "3×8×8" and ok.rows[-1].kind == "mul"
    with pytest.raises(SpecError) as e:
        engine.analyse(net([{"use": "se", "name": "se"}], {"se": {"mul": [[], gate]}}))
    assert "3×8×8" in str(e.value) and "4×1×1" in str(e.value)


def test_zeropad_refuses_fewer_channels():
    with pytest.raises(SpecError) as e:
        engine.analyse(net([{"zeropad": 2}], {}))
    assert "only add channels" in str(e.value)


# --- properties ------------------------------------------------------------------------------

def block_net(c_in, c_out, s, h, shortcut):
    """A residual block of two 3×3 convs (+ BN) to c_out at stride s, with the given shortcut."""
    short = {"identity": [],
             "A": [{"zeropad": c_out, "s": s, "name": "pad"}],
             "B": [{"conv": c_out, "k": 1, "s": s, "bias": False, "bn": True, "name": "proj"}]}
    residual = [{"conv": c_out, "k": 3, "s": s, "p": 1, "bias": False, "bn": True, "name": "a"},
                "relu", {"conv": c_out, "k": 3, "p": 1, "bias": False, "bn": True, "name": "b"}]
    return net([{"use": "res", "name": "r"}],
               {"res": {"add": [residual, short[shortcut]], "post": ["relu"]}}, (c_in, h, h))


shapes = dict(c_in=st.integers(1, 24), grow=st.integers(0, 24), s=st.integers(1, 3),
              h=st.integers(1, 40))


@settings(max_examples=60, deadline=None)
@given(**shapes)
def test_residual_add_shapes_agree_after_the_shortcut(c_in, grow, s, h):
    c_out = c_in + grow
    for option in ("A", "B"):
        a = engine.analyse(block_net(c_in, c_out, s, h, option))
        add = row(a, "r/add")
        assert add.input_shapes[0] == add.input_shapes[1] == add.output
        assert (add.output.c, add.output.h) == (c_out, -(-h // s))
    # The identity alone works exactly when nothing changes; otherwise it is refused.
    if (grow, s) == (0, 1) or (grow == 0 and h == 1):
        assert engine.analyse(block_net(c_in, c_out, s, h, "identity")).totals.params
    else:
        with pytest.raises(SpecError, match="shapes must agree"):
            engine.analyse(block_net(c_in, c_out, s, h, "identity"))


@settings(max_examples=60, deadline=None)
@given(**shapes)
def test_option_a_adds_nothing_option_b_adds_the_projection(c_in, grow, s, h):
    c_out = c_in + grow
    a, b = (engine.analyse(block_net(c_in, c_out, s, h, o)) for o in ("A", "B"))
    residual = 9 * c_in * c_out + 9 * c_out * c_out + 4 * c_out      # two convs + two BNs
    assert a.totals.params == residual
    assert b.totals.params - a.totals.params == c_in * c_out + 2 * c_out  # 1×1 conv + BN
    assert b.totals.params - a.totals.params == sum(r.params for r in b.rows
                                                      if r.name.startswith("r/proj")
                                                      or r.name == "r/bn3")
    ho = -(-h // s)
    assert b.totals.macs - a.totals.macs == ho * ho * c_in * c_out


@settings(max_examples=40, deadline=None)
@given(c0=st.integers(1, 64), k=st.integers(1, 48), n=st.integers(1, 12))
def test_dense_concatenation_grows_by_k_per_layer(c0, k, n):
    layer = {"concat": [[], [{"bn": True}, "relu", {"conv": 4 * k, "k": 1, "bias": False},
                             {"bn": True}, "relu", {"conv": k, "k": 3, "p": 1, "bias": False}]],
             "params": ["k"]}
    a = engine.analyse(net([{"use": "layer", "n": n, "k": k, "name": "dl"}], {"layer": layer},
                           (c0, 6, 6)))
    joins = [r for r in a.rows if r.kind == "concat"]
    assert [r.output.c for r in joins] == [c0 + i * k for i in range(1, n + 1)]
    assert all(r.input_shapes[1].c == k for r in joins)


# --- SE-ResNet-50 (Hu et al. 2018) -----------------------------------------------------------

def test_se_resnet50():
    a = archcalc.analyse("se-resnet50")
    # timm legacy_seresnet50 28,088,024 (REFERENCE_NUMBERS.md § 14); Hu et al. Table 10: 28.1 M.
    assert a.totals.params == 28_088_024
    # Hu et al. Eqn. 5: the SE weights are (2/r)·Σ N_s·C_s² (+ the fcs' biases, C/r + C per block).
    stages = [(3, 256), (4, 512), (6, 1024), (3, 2048)]
    se = sum(n * (2 * c * c // 16 + c // 16 + c) for n, c in stages)
    assert a.totals.params - totals("resnet50").params == se
    # Sec. 4: ~3.86 GFLOPs (ResNet-50) → ~3.87 (SE-ResNet-50); the fcs add 2·C²/16 MACs per block.
    se_macs = sum(n * 2 * c * c // 16 for n, c in stages)
    assert a.totals.macs - totals("resnet50").macs == se_macs
    assert round(a.totals.macs / 1e9, 2) == 3.86
    scale = sum(r.output.elements for r in a.rows if r.kind == "mul")
    assert round((a.totals.macs + scale) / 1e9, 2) == 3.87      # the spec's note says so
    # ... and the note's own numbers are these, not pasted ones gone stale.
    note = a.notes[0]
    assert f"{se_macs:,} in all" in note and f"{scale:,} in all" in note, note
    assert f"{a.totals.macs / 1e9:.3f} G" in note and f"{(a.totals.macs + scale) / 1e9:.3f} G" in note
    se_block = [r for r in a.rows if r.name.startswith("conv4_2/se/")]
    assert [r.kind for r in se_block] == ["gap", "conv", "relu", "conv", "sigmoid", "mul"]
    assert str(se_block[1].output) == "64×1×1" and str(se_block[-1].output) == "1024×14×14"


# --- Wide ResNets (Zagoruyko & Komodakis 2016) -----------------------------------------------

# Exact counts: the issue's (the authors' code); Tables 1 and 4 print 36.5 M, 8.9 M, 11.0 M.
@pytest.mark.parametrize("name, params, printed", [
    ("wrn-28-10", 36_479_194, "36.5"), ("wrn-40-4", 8_949_210, "8.9"),
    ("wrn-16-8", 10_961_370, "11.0")])
def test_wide_resnets(name, params, printed):
    a = archcalc.analyse(name)
    assert a.totals.params == params and f"{params / 1e6:.1f}" == printed
    # Sec. 2: depth = 6N + 4 with N blocks per group, two 3×3 convs each, after conv1.
    n = (int(name.split("-")[1]) - 4) // 6
    convs3 = sum(1 for r in a.rows if r.kind == "conv" and r.geometry.startswith("3×3"))
    assert convs3 == 6 * n + 1
    assert [r.name for r in a.rows if r.name.endswith("/proj")] == [
        "conv2_1/res/proj", "conv3_1/res/proj", "conv4_1/res/proj"]


# --- PyramidNet (Han et al. 2017) ------------------------------------------------------------

def pyramid_widths(alpha, n_units):
    """Han et al. 2017, Eq. 2: unit k widens to ⌊16 + k·α/N⌋, computed here with integers only."""
    return [16 + (k * alpha) // n_units for k in range(1, n_units + 1)]


@pytest.mark.parametrize("name, alpha, units, params, printed", [
    ("pyramidnet-110-a48", 48, 54, 1_739_730, "1.7"),
    ("pyramidnet-272-a200-bottleneck", 200, 90, 26_049_562, "26.0")])
def test_pyramidnet(name, alpha, units, params, printed):
    a = archcalc.analyse(name)
    widths = [r.output.c for r in a.rows if r.name.endswith("/conv2")]
    assert widths == pyramid_widths(alpha, units)
    assert widths[-1] == 16 + alpha
    # Table 4: 1.7 M and 26.0 M, printed to one decimal.
    assert a.totals.params == params and f"{params / 1e6:.1f}" == printed
    # The shortcuts are parameter-free: zero padding, with a 2×2 average pool where the map shrinks.
    pads = [r for r in a.rows if r.kind == "zeropad"]
    assert len(pads) == units and sum(r.params for r in pads) == 0
    assert [r.name for r in a.rows if r.kind == "avgpool"] == ["stage2_1/pool", "stage3_1/pool"]


def test_each_needs_one_value_per_repeat():
    layers = [{"conv": {"each": [4, 8]}, "k": 1, "n": 3, "name": "c"}]
    with pytest.raises(SpecError) as e:
        net(layers, {})
    assert "one value per repeat: n = 3, found 2 values" in str(e.value)
    ok = engine.analyse(net([{"conv": {"each": [4, 8, 6]}, "k": 1, "n": 3, "name": "c"}], {}))
    assert [r.output.c for r in ok.rows] == [4, 8, 6]


def test_pyramidnet_rounding_rules_against_the_printed_totals():
    # The spec's header compares three width rules against Table 4's 1.7 M and 26.0 M; recompute
    # each by swapping the widths into the spec: the floor of a float running sum (the Torch
    # code's accumulation) and round() (the PyTorch port) next to the exact floor the spec uses.
    import math

    path = spec.resolve("pyramidnet-110-a48")[0].path

    def running(alpha, n_units, rule):
        width, out = 16.0, []
        for _ in range(n_units):
            width += alpha / n_units
            out.append(rule(width))
        return out

    def total(name, widths, per_stage, bottleneck):
        data = spec.read_toml(path)
        v = data["variants"][name]
        over = {f"c{j + 1}": widths[j * per_stage:(j + 1) * per_stage] for j in range(3)}
        if bottleneck:
            over |= {f"out{j + 1}": [4 * w for w in over[f"c{j + 1}"]] for j in range(3)}
        v["params"] = dict(v.get("params", {}), **over)
        return engine.analyse(spec.SpecFile(path, data).network(name)).totals.params

    got = {}
    for rule_name, rule in (("float floor", math.floor), ("round", round)):
        got[rule_name] = (total("pyramidnet-110-a48", running(48, 54, rule), 18, False),
                          total("pyramidnet-272-a200-bottleneck", running(200, 90, rule), 30, True))
    assert got == {"float floor": (1_732_856, 26_046_428), "round": (1_772_706, 26_210_842)}
    # Table 4 prints 1.7 M and 26.0 M: the floored rules agree, round() does not.
    assert [f"{p / 1e6:.1f}" for p in got["float floor"]] == ["1.7", "26.0"]
    assert [f"{p / 1e6:.1f}" for p in got["round"]] == ["1.8", "26.2"]
