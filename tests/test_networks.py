"""Every bundled network's totals against published numbers, each with its source beside it."""

from __future__ import annotations

import pytest

import archcalc
from archcalc.core import engine, spec
from archcalc.core.records import Shape


def totals(name):
    return archcalc.analyse(name).totals


def row(a, name):
    return next(r for r in a.rows if r.name == name)


# --- LeNet-5 ---------------------------------------------------------------------------------

def test_lenet5_per_layer_parameters():
    a = archcalc.analyse("lenet5")
    # LeCun et al. 1998, Sec. II-B: C1 156, S2 12, C3 1,516, S4 32, C5 48,120, F6 10,164.
    expected = {"C1": 156, "S2": 12, "C3": 1516, "S4": 32, "C5": 48120, "F6": 10164}
    assert {n: row(a, n).params for n in expected} == expected
    # Ibid.: "60,000 trainable parameters"; the output RBF's 84·10 = 840 values are fixed.
    assert a.totals.params == 60_000
    assert a.totals.fixed == 840
    assert row(a, "output").params == 0


def test_lenet5_connections_are_macs_plus_bias_additions():
    # LeCun et al. 1998, Sec. II-B: 340,908 connections (a bias counts as one connection).
    a = archcalc.analyse("lenet5")
    bias_adds = sum(r.counts.biases * r.output.h * r.output.w for r in a.rows)
    assert a.totals.macs + bias_adds == 340_908


def test_lenet5_shapes():
    # LeCun et al. 1998, Fig. 2: 6@28×28, 6@14×14, 16@10×10, 16@5×5, 120, 84, 10.
    a = archcalc.analyse("lenet5")
    got = [str(row(a, n).output) for n in ("C1", "S2", "C3", "S4", "C5", "F6", "output")]
    assert got == ["6×28×28", "6×14×14", "16×10×10", "16×5×5", "120×1×1", "84", "10"]


# --- AlexNet ---------------------------------------------------------------------------------

def test_alexnet_single_stream_shapes_and_totals():
    a = archcalc.analyse("alexnet")
    # ../shared/seeds/000: 55 → 27 → 27 → 13 → 13 → 13 → 13 → 6, then 9,216 → 4,096 → 4,096 → 1,000.
    sizes = [row(a, n).output.h for n in
             ("conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool3")]
    assert sizes == [55, 27, 27, 13, 13, 13, 13, 6]
    assert [row(a, n).output.c for n in ("flatten", "fc6", "fc7", "fc8")] == [9216, 4096, 4096,
                                                                            1000]
    # REFERENCE_NUMBERS.md §2.1, single-stream column: 62,378,344 with biases; 1,135.3 M MACs.
    assert a.totals.params == 62_378_344
    assert a.totals.macs == 1_135_256_096


def test_alexnet_weights_as_the_seed_table_counts_them():
    # ../shared/seeds/000 counts weights only: 11x11x3x96 = 34,848, 5x5x96x256 = 614,400,
    # 3x3x384x384 = 1,327,104; its 86,400 for conv3 and conv5 is wrong: 3·3·256·384 = 884,736.
    a = archcalc.analyse("alexnet")
    w = {n: row(a, n).counts.weights for n in ("conv1", "conv2", "conv3", "conv4", "conv5")}
    assert w == {"conv1": 34_848, "conv2": 614_400, "conv3": 884_736, "conv4": 1_327_104,
                 "conv5": 884_736}


def test_alexnet_grouped_matches_caffe():
    # REFERENCE_NUMBERS.md §2.1: the two-GPU network = Caffe bvlc_alexnet, 60,965,224.
    assert totals("alexnet-grouped").params == 60_965_224


def test_alexnet_torchvision():
    t = totals("alexnet-torchvision")
    # torchvision AlexNet_Weights.IMAGENET1K_V1.meta: num_params 61100840, _ops 0.714 (GMACs).
    assert t.params == 61_100_840
    assert round(t.macs / 1e9, 3) == 0.714


# --- ZFNet -----------------------------------------------------------------------------------

def test_zfnet_figure3_sizes_and_total():
    a = archcalc.analyse("zfnet")
    # Zeiler & Fergus 2013, Fig. 3: 110 → 55 → 26 → 13 → 13 → 13 → 13 → 6.
    sizes = [row(a, n).output.h for n in
             ("conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool3")]
    assert sizes == [110, 55, 26, 13, 13, 13, 13, 6]
    # REFERENCE_NUMBERS.md §3 [C]: 62,357,608 with these padding choices; MACs ≈ 1.168 G.
    assert a.totals.params == 62_357_608
    assert round(a.totals.macs / 1e9, 3) == 1.168


# --- VGG -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, params, gmacs, paper_m", [
    # torchvision VGG*_Weights.IMAGENET1K_V1.meta num_params / _ops; Simonyan & Zisserman
    # 2015 Table 2 (millions). C is not in torchvision: REFERENCE_NUMBERS.md §4 [C].
    ("vgg11", 132_863_336, 7.609, 133),
    ("vgg11-lrn", 132_863_336, 7.609, 133),
    ("vgg13", 133_047_848, 11.308, 133),
    ("vgg16-c", 133_638_952, 11.771, 134),
    ("vgg16", 138_357_544, 15.470, 138),
    ("vgg19", 143_667_240, 19.632, 144),
])
def test_vgg_paper_configurations(name, params, gmacs, paper_m):
    t = totals(name)
    assert t.params == params
    assert round(t.macs / 1e9, 3) == gmacs
    assert round(t.params / 1e6) == paper_m


# --- the mobile family (issue 13) -----------------------------------------------------------

@pytest.mark.parametrize("name, params, gmacs", [
    # torchvision *_Weights.IMAGENET1K_V1.meta: num_params and _ops (its "GFLOPS": GMACs of conv
    # and linear), pytorch.org/vision/stable/models; timm mobilenetv1_100 (no published _ops).
    ("squeezenet1_0", 1_248_424, 0.819), ("squeezenet1_1", 1_235_496, 0.349),
    ("mobilenet_v2", 3_504_872, 0.301),
    ("mobilenet_v3_large", 5_483_032, 0.217), ("mobilenet_v3_small", 2_542_856, 0.057),
    ("shufflenet_v2_x0_5", 1_366_792, 0.040), ("shufflenet_v2_x1_0", 2_278_604, 0.145),
    ("shufflenet_v2_x1_5", 3_503_624, 0.296), ("shufflenet_v2_x2_0", 7_393_996, 0.583),
    ("mnasnet0_5", 2_218_512, 0.104), ("mnasnet0_75", 3_170_208, 0.215),
    ("mnasnet1_0", 4_383_312, 0.314), ("mnasnet1_3", 6_282_256, 0.526),
    ("efficientnet_b0", 5_288_548, 0.386),
    ("regnet_x_400mf", 5_495_976, 0.414), ("regnet_y_400mf", 4_344_144, 0.402),
    ("regnet_x_800mf", 7_259_656, 0.800), ("regnet_y_800mf", 6_432_512, 0.834),
    ("regnet_x_1_6gf", 9_190_136, 1.603), ("regnet_y_1_6gf", 11_202_430, 1.612),
])
def test_mobile_family_as_torchvision_publishes_it(name, params, gmacs):
    t = totals(name)
    assert (t.params, round(t.macs / 1e9, 3)) == (params, gmacs)


# --- ConvNeXt (issue 13) ---------------------------------------------------------------------

@pytest.mark.parametrize("name, params, gmacs, paper_mparams, paper_gmacs", [
    # torchvision ConvNeXt_*_Weights.IMAGENET1K_V1.meta num_params and _ops (GMACs of conv and
    # linear layers); Liu et al. 2022, arXiv:2201.03545, Table 1: parameters (M) and FLOPs (G,
    # multiply-adds) at 224².
    ("convnext_tiny", 28_589_128, 4.456, 29, 4.5),
    ("convnext_small", 50_223_688, 8.684, 50, 8.7),
    ("convnext_base", 88_591_464, 15.355, 89, 15.4),
])
def test_convnext_as_torchvision_publishes_it_and_the_paper_prints_it(name, params, gmacs,
                                                                      paper_mparams, paper_gmacs):
    t = totals(name)
    assert (t.params, round(t.macs / 1e9, 3)) == (params, gmacs)
    assert (round(t.params / 1e6), round(t.macs / 1e9, 1)) == (paper_mparams, paper_gmacs)


@pytest.mark.parametrize("name, params, gmacs", [
    # torchvision ViT_*_Weights.IMAGENET1K_V1.meta num_params and _ops (GMACs of conv and matrix
    # products, the attention's included). The paper's Table 1 (86 M, 307 M) is in the notes.
    ("vit_b_16", 86_567_656, 17.564), ("vit_b_32", 88_224_232, 4.409),
    ("vit_l_16", 304_326_632, 61.555),
])
def test_vit_as_torchvision_publishes_it(name, params, gmacs):
    t = totals(name)
    assert (t.params, round(t.macs / 1e9, 3)) == (params, gmacs)


@pytest.mark.parametrize("name, paper_mmacs, paper_mparams", [
    # Howard et al. 2017, arXiv:1704.04861, Table 6: million mult-adds and parameters per α.
    ("mobilenet_v1", 569, 4.2), ("mobilenet_v1-x0_75", 325, 2.6),
    ("mobilenet_v1-x0_5", 149, 1.3), ("mobilenet_v1-x0_25", 41, 0.5),
])
def test_mobile_family_as_the_papers_print_it(name, paper_mmacs, paper_mparams):
    """Where a paper's printed totals differ from the reference implementation's (MobileNet v2's
    Table 4: 300 M, 3.4 M; ShuffleNet v2's Table 5: 146 M at 1×), the spec's notes say so."""
    t = totals(name)
    assert round(t.macs / 1e6) == paper_mmacs
    assert round(t.params / 1e6, 1) == paper_mparams


@pytest.mark.parametrize("name, params", [
    # torchvision vgg*_bn IMAGENET1K_V1 meta num_params.
    ("vgg11-bn", 132_868_840),
    ("vgg13-bn", 133_053_736),
    ("vgg16-bn", 138_365_992),
    ("vgg19-bn", 143_678_248),
])
def test_vgg_bn_as_torchvision(name, params):
    t = totals(name)
    assert t.params == params
    plain = totals(name.removesuffix("-bn"))
    assert t.macs == plain.macs                    # torchvision's _ops ignore batch norm


def test_vgg16_weights_and_biases_split():
    # REFERENCE_NUMBERS.md §4: VGG-16 = 138,344,128 weights + 13,416 biases.
    t = totals("vgg16")
    assert (t.weights, t.biases) == (138_344_128, 13_416)


def test_vgg16_c_ends_stages_with_1x1():
    a = archcalc.analyse("vgg16-c")
    assert row(a, "conv3_3/conv").attrs["k"] == (1, 1)
    assert row(a, "conv3_2/conv").attrs["k"] == (3, 3)


# --- invariants over the whole zoo -----------------------------------------------------------

ALL = sorted(spec.catalogue())


@pytest.mark.parametrize("name", ALL)
def test_totals_are_sums_of_rows_and_names_unique(name):
    a = archcalc.analyse(name)
    t = a.totals
    # Auxiliary heads are shown but kept out of the inference totals (issue 3).
    assert t.params == sum(r.params for r in a.rows if not r.aux)
    assert t.macs == sum(r.counts.macs for r in a.rows if not r.aux)
    assert a.totals_with_aux.params == sum(r.params for r in a.rows)
    assert all(isinstance(r.counts.macs, int) and isinstance(r.params, int) for r in a.rows)
    names = [r.name for r in a.rows]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("name", ALL)
def test_every_network_is_listed_with_description_and_source(name):
    sf = spec.catalogue()[name]
    info = next(i for i in sf.infos() if i.name == name)
    assert info.description and info.source


def test_input_override_changes_the_arithmetic():
    net = spec.load("alexnet")
    a = engine.analyse(net, Shape(3, 224, 224))
    conv1 = row(a, "conv1")
    assert conv1.output.h == 54
    [note] = [n for n in conv1.notes if n.kind == "fraction"]
    assert "(224 − 11 + 2·0)/4 + 1 = 54.25 → 54" in note.text
    assert "the last input row and column at the bottom and right are read by no window" in note.text
    assert "nearest input sizes that leave no input pixel out: 223, 227" in note.text
    assert 227 in a.even_inputs


# --- U-Net (issue 13) ---------------------------------------------------------------------------

def test_unet_is_the_papers_figure_1():
    """Ronneberger et al. 2015, Fig. 1: 572×572 in, 388×388 out; each level's sizes after its two
    valid convs, the crops of the copies, the up-convolutions' outputs."""
    a = archcalc.analyse("unet")
    rows = {r.name: r for r in a.rows}
    assert a.input.as_list() == [1, 572, 572] and rows["out"].output.as_list() == [2, 388, 388]
    prefix = ""
    for level, (down, crop, c) in enumerate(((568, 392, 64), (280, 200, 128), (136, 104, 256),
                                             (64, 56, 512)), start=1):
        prefix += f"l{level}/"
        assert rows[prefix + "conv2"].output.as_list() == [c, down, down]
        assert rows[prefix + "skip/crop"].output.as_list() == [c, crop, crop]
        assert rows[prefix + "skip/up"].output.as_list() == [c, crop, crop]
        assert rows[prefix + "skip/concat"].output.as_list() == [2 * c, crop, crop]
        prefix += "skip/"
    assert rows[prefix + "l5/conv2"].output.as_list() == [1024, 28, 28]


def test_unet_equals_the_paper_built_in_torch():
    """The paper's network written directly in torch (no torchvision or timm U-Net exists):
    the same parameters, the same MACs (FlopCounterMode on the meta device) and output."""
    torch = pytest.importorskip("torch")
    from torch import nn
    from torch.utils.flop_counter import FlopCounterMode

    def two(cin, c):
        return nn.Sequential(nn.Conv2d(cin, c, 3), nn.ReLU(), nn.Conv2d(c, c, 3), nn.ReLU())

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            cs = (64, 128, 256, 512)
            self.down = nn.ModuleList(two(cin, c) for cin, c in zip((1,) + cs[:-1], cs))
            self.bottom = two(512, 1024)
            self.up = nn.ModuleList(nn.ConvTranspose2d(2 * c, c, 2, stride=2) for c in cs)
            self.dec = nn.ModuleList(two(2 * c, c) for c in cs)
            self.out = nn.Conv2d(64, 2, 1)

        def forward(self, x):
            skips = []
            for d in self.down:
                x = d(x)
                skips.append(x)
                x = nn.functional.max_pool2d(x, 2)
            x = self.bottom(x)
            for i in reversed(range(4)):
                x = self.up[i](x)
                s = skips[i]
                t = (s.shape[2] - x.shape[2]) // 2
                x = self.dec[i](torch.cat([s[:, :, t:t + x.shape[2], t:t + x.shape[3]], x], 1))
            return self.out(x)

    a = archcalc.analyse("unet")
    with torch.device("meta"):
        m = UNet()
    with FlopCounterMode(display=False) as counter:
        y = m(torch.empty(1, 1, 572, 572, device="meta"))
    assert tuple(y.shape[1:]) == (2, 388, 388)
    assert a.totals.params == sum(p.numel() for p in m.parameters()) == 31_030_658
    assert 2 * a.totals.macs == counter.get_total_flops()
