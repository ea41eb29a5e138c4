"""`archcalc import MODEL.onnx`: files exported in the tests from torchvision's modules with
torch.onnx.export (TorchScript exporter, training mode so that batch norm stays a layer instead of
being folded into the conv before it), compared row by row with the bundled specs; a hand-made model
with each supported operation; the weights never read; bad files.
"""

from __future__ import annotations

import os
import warnings
from collections import Counter

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torchvision")
onnx = pytest.importorskip("onnx")

from archcalc.core import engine, spec  # noqa: E402
from archcalc.importers import import_text, network, onnx_import  # noqa: E402
from archcalc.importers.spec_writer import load_text  # noqa: E402

from import_rows import comparable, difference  # noqa: E402
from wide_cli import cli  # noqa: E402



def export(model, shape, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # batch 2: batch norm in training mode refuses one value per channel (after an fc)
        torch.onnx.export(model.eval(), (torch.zeros(2, *shape),), str(path), dynamo=False,
                          training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False)
    return str(path)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    import torchvision

    d = tmp_path_factory.mktemp("onnx")
    return {"resnet18": export(torchvision.models.resnet18(), (3, 224, 224), d / "r18.onnx")}


# ONNX has no adaptive pool: torch's exporter writes AdaptiveAvgPool2d((6, 6)) on a 6×6 map (and
# (7, 7) on 7×7) as an AveragePool of window 1, the identity it is there
EXPORTED_AS = {"alexnet-torchvision": 9216, "vgg11-bn": 25088}


def round_trip(path, name):
    bundled = engine.analyse(spec.load(name))
    imported = engine.analyse(network(path))
    n = EXPORTED_AS.get(name)
    want = ({("avgpool", n, 0, 0): 1}, {("adaptive_avgpool", n, 0, 0): 1}) if n else ({}, {})
    assert tuple(dict(d) for d in difference(imported, bundled)) == want
    assert imported.totals == bundled.totals


def test_round_trip_of_an_exported_resnet(exported):
    round_trip(exported["resnet18"], "resnet18")


# torchvision's networks whose bundled spec has no difference of style beyond import_rows'
ZOO = {"alexnet-torchvision": "alexnet", "resnet34": "resnet34",
       "resnet50-torchvision": "resnet50", "resnext50-32x4d": "resnext50_32x4d",
       "wide-resnet50-2": "wide_resnet50_2", "densenet121": "densenet121",
       "densenet161": "densenet161", "vgg11-bn": "vgg11_bn",
       "resnet101-torchvision": "resnet101", "resnext101-32x8d": "resnext101_32x8d",
       "densenet169": "densenet169", "squeezenet1_0": "squeezenet1_0",
       "mobilenet_v3_large": "mobilenet_v3_large", "shufflenet_v2_x1_0": "shufflenet_v2_x1_0",
       "mnasnet1_0": "mnasnet1_0", "regnet_x_400mf": "regnet_x_400mf",
       # the other widths and sizes of the families
       "mnasnet0_5": "mnasnet0_5", "mnasnet0_75": "mnasnet0_75", "mnasnet1_3": "mnasnet1_3",
       "regnet_x_800mf": "regnet_x_800mf", "regnet_y_800mf": "regnet_y_800mf",
       "regnet_x_1_6gf": "regnet_x_1_6gf", "regnet_y_1_6gf": "regnet_y_1_6gf",
       "shufflenet_v2_x1_5": "shufflenet_v2_x1_5", "shufflenet_v2_x2_0": "shufflenet_v2_x2_0"}


@pytest.mark.skipif(not os.environ.get("ARCHCALC_IMPORT_ZOO"),
                    reason="exports are slow: set ARCHCALC_IMPORT_ZOO=1")
@pytest.mark.parametrize("name", sorted(ZOO))
def test_round_trip_of_more_exported_networks(tmp_path, name):
    import torchvision

    shape = tuple(spec.load(name).input.as_list())
    round_trip(export(torchvision.models.get_model(ZOO[name], weights=None), shape,
                      tmp_path / "m.onnx"), name)


# The rest of the bundled networks that torchvision or timm provide (archcalc.verify.reference's
# REFERENCES), exported from those modules, and where one differs from its spec by design, how:
# the paper's VGG ends in a softmax, torchvision's returns logits and pools adaptively to 7×7 (on
# a 7×7 map, which the exporter writes as an AveragePool of window 1); the -bn VGGs' specs follow
# torchvision but for that pool; timm's legacy SE-ResNet-50 has a dropout before its classifier;
# Keras's Xception, which the spec follows, ends in a softmax; GoogLeNet is exported in eval mode
# (in training mode torchvision's returns the auxiliary heads' outputs too), which has no dropout.
OTHERS = {
    **{f"vgg{d}": ({("avgpool", 25088, 0, 0): 1}, {("softmax", 1000, 0, 0): 1})
       for d in (11, 13, 16, 19)},
    **{f"vgg{d}-bn": ({("avgpool", 25088, 0, 0): 1}, {("adaptive_avgpool", 25088, 0, 0): 1})
       for d in (13, 16, 19)},
    "resnet152-torchvision": ({}, {}), "densenet201": ({}, {}),
    "mobilenet_v2-x1_4": ({}, {}), "mobilenet_v1": ({}, {}), "mobilenet_v1-x1_25": ({}, {}),
    "se-resnet50": ({("dropout", 2048, 0, 0): 1}, {}),
    "xception": ({}, {("softmax", 1000, 0, 0): 1}),
    "inception-v4": ({}, {}), "inception-resnet-v2": ({}, {}),
    "googlenet-torchvision": ({}, {("dropout", 1024, 0, 0): 1}),
}


@pytest.mark.skipif(not os.environ.get("ARCHCALC_IMPORT_ZOO"),
                    reason="exports are slow: set ARCHCALC_IMPORT_ZOO=1")
@pytest.mark.parametrize("name", sorted(OTHERS))
def test_round_trip_of_the_other_exported_references(tmp_path, name):
    from archcalc.verify.reference import REFERENCES

    ref = REFERENCES[name]
    if ref.library == "timm":
        timm = pytest.importorskip("timm")
        model = timm.create_model(ref.model, pretrained=False, **ref.kwargs)
    else:
        import torchvision

        model = torchvision.models.get_model(ref.model, weights=None, **ref.kwargs)
    bundled = engine.analyse(spec.load(name))
    shape = tuple(bundled.input.as_list())
    path = tmp_path / "m.onnx"
    path = export_eval(model, shape, path) if ref.aux else export(model, shape, path)
    imported = engine.analyse(network(path))
    assert tuple(dict(d) for d in difference(imported, bundled)) == OTHERS[name]
    assert imported.totals == bundled.totals


def test_the_exports_cover_every_reference():
    """Every bundled network that torchvision or timm provide has an ONNX round trip here."""
    from archcalc.verify.reference import REFERENCES

    covered = {"resnet18", *ZOO, *MOBILE, *OTHERS, "inception-v3", "convnext_tiny",
               "convnext_small", "convnext_base", "efficientnet_b0", "vit_b_16", "vit_b_32",
               "vit_l_16"}
    assert set(REFERENCES) - covered == set()


# The mobile family, cheap to export, in every run: depthwise convs, ReLU6 (Clip), hard-swish,
# squeeze-and-excitation written out (import_rows folds it), ShuffleNet v2's chunk (Slices
# whose ends torch computes from the input's Shape) and channel shuffle (Reshape, Transpose,
# Reshape), SqueezeNet's fire modules and RegNetY's group convs with their SE. EfficientNet-B0 (SiLU written as x · sigmoid(x), read as one silu row: the test
# below) is left out for time: exported in eval mode it equals the bundled spec's rows and totals
# but for its 9 stochastic-depth rows and its dropout, which an inference graph does not have.
MOBILE = {"mobilenet_v3_small": "mobilenet_v3_small", "shufflenet_v2_x0_5": "shufflenet_v2_x0_5",
          "squeezenet1_1": "squeezenet1_1", "mobilenet_v2": "mobilenet_v2",
          "regnet_y_400mf": "regnet_y_400mf"}


@pytest.mark.parametrize("name", sorted(MOBILE))
def test_round_trip_of_exported_mobile_networks(tmp_path, name):
    import torchvision

    shape = tuple(spec.load(name).input.as_list())
    round_trip(export(torchvision.models.get_model(MOBILE[name], weights=None), shape,
                      tmp_path / "m.onnx"), name)


def export_eval(model, shape, path):
    """In eval mode (stochastic depth is then the identity, not random ops), opset 20's
    LayerNormalization and Gelu."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (torch.zeros(1, *shape),), str(path), dynamo=False,
                          do_constant_folding=False)
    return str(path)


def test_convnext_parts_exported_are_their_kinds(tmp_path):
    """torchvision's own CNBlock and LayerNorm2d, exported: a Transpose to channels-last and
    back is no row (the map stays archcalc's C×H×W), LayerNormalization on the channels ln, one
    between those two Transposes ln2d (LayerNorm2d written out), MatMul with its bias Add
    linear, Gelu gelu, the product with a (C, 1, 1) initializer layer_scale; the stochastic
    depth of an eval-mode export is gone."""
    from torch import nn
    from torchvision.models.convnext import CNBlock, LayerNorm2d

    model = nn.Sequential(nn.Conv2d(3, 8, 4, 4), LayerNorm2d(8, eps=1e-6),
                          CNBlock(8, 1e-6, 0.0), CNBlock(8, 1e-6, 0.25),
                          nn.AdaptiveAvgPool2d(1), LayerNorm2d(8, eps=1e-6), nn.Flatten(),
                          nn.Linear(8, 10))
    a = engine.analyse(network(export_eval(model, (3, 16, 16), tmp_path / "c.onnx")))
    assert [(row.kind, str(row.output)) for row in a.rows if row.kind != "add"] == [
        ("conv", "8×4×4"), ("ln2d", "8×4×4")] + [
        ("dwconv", "8×4×4"), ("ln", "8×4×4"), ("linear", "32×4×4"), ("gelu", "32×4×4"),
        ("linear", "8×4×4"), ("layer_scale", "8×4×4")] * 2 + [
        ("gap", "8×1×1"), ("ln2d", "8×1×1"), ("flatten", "8"), ("fc", "10")]
    assert a.totals.params == sum(t.numel() for t in model.parameters())
    assert sum(row.counts.macs for row in a.rows if row.kind == "linear") == 2 * 2 * 16 * 8 * 32


TINY_VIT = dict(image_size=8, patch_size=4, num_layers=2, num_heads=2, hidden_dim=12,
                mlp_dim=20, num_classes=10)


def tiny_vit():
    from torchvision.models.vision_transformer import VisionTransformer

    return VisionTransformer(**TINY_VIT)


def tiny_vit_spec():
    """specs/vit.toml (hand-written) at the tiny ViT's sizes."""
    from archcalc.core.records import Shape

    sets = {"patch": 4, "depth": 2, "heads": 2, "dim": 12, "mlp": 20, "classes": 10}
    return engine.analyse(spec.load("vit_b_16", Shape(3, 8, 8),
                                    {k: str(v) for k, v in sets.items()}))


@pytest.mark.parametrize("opset", [20, 17])
def test_a_tiny_vision_transformer_exported_is_the_bundled_spec(tmp_path, opset):
    """torchvision's VisionTransformer at 2 layers of width 12, 2 heads (seconds): the patch
    embedding, class token and position embedding; each nn.MultiheadAttention, which torch's
    exporter writes as dozens of nodes (the packed in-projection, the reshapes to heads, the
    scaling, Q·Kᵀ, Softmax, A·V, the reshapes back, the output projection), one mhsa row of 2
    heads; ln, the MLP's linears and GELU (opset 20's Gelu node; at opset 17 its
    x · 0.5 · (1 + erf(x/√2)) nodes, one gelu row); the class token read by a Gather, token.
    Equal, row for row and in total, to specs/vit.toml at those sizes, and to torch's count."""
    model = tiny_vit()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (torch.zeros(1, 3, 8, 8),), str(tmp_path / "v.onnx"),
                          dynamo=False, do_constant_folding=False, opset_version=opset)
    imported = engine.analyse(network(str(tmp_path / "v.onnx")))
    bundled = tiny_vit_spec()
    assert tuple(dict(d) for d in difference(imported, bundled)) == ({}, {})
    assert imported.totals == bundled.totals
    assert imported.totals.params == sum(t.numel() for t in model.parameters())
    kinds = [row.kind for row in imported.rows]
    assert kinds.count("mhsa") == 2 and kinds.count("gelu") == 2 and "unknown" not in kinds
    mhsa = next(row for row in imported.rows if row.kind == "mhsa")
    assert mhsa.attrs["mhsa"] == 2 and str(mhsa.output) == "12×5×1"
    # the file records no module classes: an encoder layer (a module with two residual adds of
    # its own) is named for one, and its repeats are folded into one block, as torch's are
    text = import_text(str(tmp_path / "v.onnx"))
    assert '{ use = "encoder_layer", n = 2, name = "encoder.layers.encoder_layer" }' in text
    assert '{ mhsa = 2, name = "self_attention" }' in text


def test_a_tiny_vision_transformer_exported_by_dynamo_is_the_bundled_spec(tmp_path):
    """The same tiny ViT through torch's dynamo exporter (torch.onnx.export's default in torch
    2.14; about 13 s of CPU): its attention is written with other node names and shapes (views
    with allowzero, the in-projection's bias Add) and is still one mhsa row. Its parameters are
    drawn at random first: the dynamo exporter drops a bias that is all zeros from the file
    (the next test)."""
    model = tiny_vit()
    torch.manual_seed(0)
    for p in model.parameters():
        torch.nn.init.normal_(p)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (torch.zeros(1, 3, 8, 8),), str(tmp_path / "v.onnx"),
                          dynamo=True)
    imported = engine.analyse(network(str(tmp_path / "v.onnx")))
    bundled = tiny_vit_spec()
    assert tuple(dict(d) for d in difference(imported, bundled)) == ({}, {})
    assert imported.totals == bundled.totals
    assert imported.totals.params == sum(t.numel() for t in model.parameters())


def test_the_dynamo_exporters_rewrites_are_named_in_the_notes(tmp_path):
    """torch.onnx.export's default (the dynamo exporter) folds an eval-mode batch norm into the
    conv before it and removes the zero bias that leaves, and says so only in each node's
    metadata: the import read a conv named 'bn' and no batch norm, silently. The rewrites are
    now named in the spec's notes (and the table's footer), with the export that keeps every
    layer; the numbers are the file's."""
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, bias=False), torch.nn.BatchNorm2d(8),
                                torch.nn.ReLU())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (torch.zeros(1, 3, 8, 8),), str(tmp_path / "d.onnx"))
    imported = engine.analyse(network(str(tmp_path / "d.onnx")))
    assert [r.kind for r in imported.rows] == ["conv", "relu"]
    assert imported.totals.params == 3 * 3 * 3 * 8         # the file's: no batch norm left
    notes = " ".join(imported.notes)
    assert "FuseBatchNormIntoConv ×1" in notes and "RemoveOptionalBiasFromConv ×1" in notes
    assert "dynamo=False, training=torch.onnx.TrainingMode.TRAINING" in notes
    plain = engine.analyse(network(export(model, (3, 8, 8), tmp_path / "t.onnx")))
    assert [r.kind for r in plain.rows] == ["conv", "bn", "relu"]
    assert not plain.notes


def test_an_untrained_vision_transformer_exported_by_dynamo(tmp_path):
    """Untrained, the tiny ViT's out_proj biases, head and patch-embedding biases are all
    zeros, and the dynamo exporter leaves them out of the file: its attentions were then read
    node by node and the import failed on dozens of nodes. Each is one mhsa row whose output
    projection has no bias (out_bias = false), the rest as before; the total is torch's but for
    exactly the zero biases the file lacks, and the notes name the exporter's rewrites."""
    model = tiny_vit()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (torch.zeros(1, 3, 8, 8),), str(tmp_path / "v.onnx"))
    imported = engine.analyse(network(str(tmp_path / "v.onnx")))
    attention = [r for r in imported.rows if r.kind == "mhsa"]
    assert len(attention) == 2 and all(r.attrs["out_bias"] is False for r in attention)
    assert all(r.counts.biases == 3 * 12 for r in attention)
    # the biases of a Conv or a Gemm (the rewriter's RemoveOptionalBiasFrom… rules), all zero;
    # the in-projection's zero bias is an Add of its own in the file, and stays
    params = dict(model.named_parameters())
    dropped = [params[n] for n in ("conv_proj.bias", "heads.head.bias", *(
        f"encoder.layers.encoder_layer_{i}.self_attention.out_proj.bias" for i in (0, 1)))]
    assert not any(p.any() for p in dropped)
    assert imported.totals.params == sum(p.numel() for p in model.parameters()) - sum(
        p.numel() for p in dropped)
    assert "RemoveOptionalBiasFromGemm ×3" in " ".join(imported.notes)


def test_hand_written_attention_is_mhsa_and_one_that_does_not_match_is_named(tmp_path):
    """A timm-style attention written by hand (one packed qkv Linear, a reshape to heads and a
    permute, the three parts split, the scaled Q·Kᵀ, softmax, A·V, the reshape back and the
    output projection) is one mhsa row of 2 heads; without its output projection, or with a
    learned bias added to the scores (Swin's relative position bias: parameters mhsa does not
    count), it is not attention as mhsa counts it: the import stops with the unsupported-op
    message naming its nodes (Softmax, MatMul …)."""
    from torch import nn

    class Attention(nn.Module):
        def __init__(self, proj, scores_bias=False):
            super().__init__()
            self.qkv = nn.Linear(8, 24)
            self.proj = nn.Linear(8, 8) if proj else nn.Identity()
            self.table = nn.Parameter(torch.randn(1, 2, 4, 4)) if scores_bias else None

        def forward(self, x):                       # x: (B, N, D) tokens
            b, n, d = x.shape
            q, k, v = self.qkv(x).reshape(b, n, 3, 2, d // 2).permute(2, 0, 3, 1, 4)
            s = q @ k.transpose(-2, -1) * 0.5
            a = (s if self.table is None else s + self.table).softmax(-1)
            return self.proj((a @ v).transpose(1, 2).reshape(b, n, d))

    class Model(nn.Module):
        def __init__(self, proj, scores_bias=False):
            super().__init__()
            self.embed = nn.Conv2d(3, 8, 2, 2)
            self.attn = Attention(proj, scores_bias)
            self.ln = nn.LayerNorm(8)

        def forward(self, x):
            x = self.embed(x).flatten(2).transpose(1, 2)
            return self.ln(self.attn(x))[:, 0]

    model = Model(True)
    a = engine.analyse(network(export_eval(model, (3, 4, 4), tmp_path / "a.onnx")))
    assert [(r.name, r.kind, str(r.output)) for r in a.rows] == [
        ("embed", "patch_embed", "8×4×1"), ("attn", "mhsa", "8×4×1"), ("ln", "ln", "8×4×1"),
        ("gather", "token", "8")]
    attn = a.rows[1]
    assert attn.attrs["mhsa"] == 2 and attn.params == 4 * 8 * 8 + 4 * 8
    # N = 4 tokens of D = 8: projections 3·N·D², scores and weighted values N²·D each, output N·D²
    assert attn.counts.macs == 3 * 4 * 64 + 2 * 16 * 8 + 4 * 64
    assert a.totals.params == sum(t.numel() for t in model.parameters())

    for i, model in enumerate((Model(False), Model(True, scores_bias=True))):
        r = cli("import", export_eval(model, (3, 4, 4), tmp_path / f"b{i}.onnx"))
        assert r.exit_code == 2, r.output
        assert "Softmax" in r.output and "MatMul" in r.output, r.output
        assert "Traceback" not in r.output


@pytest.mark.parametrize("name", [
    "vit_b_16",
    *(pytest.param(n, marks=pytest.mark.skipif(not os.environ.get("ARCHCALC_IMPORT_ZOO"),
                                               reason="exports are slow: set "
                                               "ARCHCALC_IMPORT_ZOO=1"))
      for n in ("vit_b_32", "vit_l_16"))])
def test_round_trip_of_an_exported_vit(tmp_path, name):
    """torchvision's ViT-B/16 exported in eval mode (8 s of CPU on the development machine,
    most of it torch's export; ViT-B/32 as long, ViT-L/16 longer and a 1.2 GB file: those
    under ARCHCALC_IMPORT_ZOO): the bundled spec's rows and totals, each of the 12 encoder
    layers' nn.MultiheadAttention one mhsa row."""
    import torchvision

    bundled = engine.analyse(spec.load(name))
    imported = engine.analyse(network(export_eval(torchvision.models.get_model(name),
                                                  (3, 224, 224), tmp_path / "v.onnx")))
    assert tuple(dict(d) for d in difference(imported, bundled)) == ({}, {})
    assert imported.totals == bundled.totals


# Rows an inference graph does not have: stochastic depth is the identity at inference and
# dropout too, so torch's exporter writes neither
INFERENCE_ONLY = ("stochastic_depth", "dropout")


def round_trip_for_inference(path, net):
    """``path``'s import equals ``net``'s rows and totals but for the bundled rows of the kinds
    ``INFERENCE_ONLY`` names, which it lacks (and nothing else)."""
    bundled = engine.analyse(net)
    imported = engine.analyse(network(path))
    missing = Counter({row: k for row, k in comparable(bundled).items()
                       if row[0] in INFERENCE_ONLY})
    assert missing
    assert tuple(dict(d) for d in difference(imported, bundled)) == ({}, dict(missing))
    assert imported.totals == bundled.totals


@pytest.mark.skipif(not os.environ.get("ARCHCALC_IMPORT_ZOO"),
                    reason="exports are slow: set ARCHCALC_IMPORT_ZOO=1")
def test_round_trip_of_an_exported_convnext(tmp_path):
    """ConvNeXt-T exported in eval mode (minutes): the bundled spec's rows and totals but for
    its 18 stochastic-depth rows, the identity at inference, which the graph does not have."""
    import torchvision

    bundled = engine.analyse(spec.load("convnext_tiny"))
    imported = engine.analyse(network(export_eval(torchvision.models.convnext_tiny(),
                                                  (3, 224, 224), tmp_path / "c.onnx")))
    assert tuple(dict(d) for d in difference(imported, bundled)) == ({}, {
        ("stochastic_depth", 301056, 0, 0): 3, ("stochastic_depth", 150528, 0, 0): 3,
        ("stochastic_depth", 75264, 0, 0): 9, ("stochastic_depth", 37632, 0, 0): 3})
    assert imported.totals == bundled.totals


@pytest.mark.skipif(not os.environ.get("ARCHCALC_IMPORT_ZOO"),
                    reason="exports are slow: set ARCHCALC_IMPORT_ZOO=1")
@pytest.mark.parametrize("name", ["convnext_small", "convnext_base"])
def test_round_trip_of_the_larger_exported_convnexts(tmp_path, name):
    """ConvNeXt-S and -B (minutes each): rows and totals but for the stochastic-depth rows."""
    import torchvision

    model = torchvision.models.get_model(name, weights=None)
    round_trip_for_inference(export_eval(model, (3, 224, 224), tmp_path / "c.onnx"),
                             spec.load(name))


# torchvision's efficientnet_bN is B0's spec with --set width, depth and res (Tan & Le 2019,
# Table 1's compound scaling; the same coefficients as tests/test_verify.py's EFFICIENTNETS)
EFFICIENTNETS = [("b0", 1.0, 1.0, 224), ("b1", 1.0, 1.1, 240), ("b2", 1.1, 1.2, 260),
                 ("b3", 1.2, 1.4, 300), ("b4", 1.4, 1.8, 380), ("b5", 1.6, 2.2, 456),
                 ("b6", 1.8, 2.6, 528), ("b7", 2.0, 3.1, 600)]


@pytest.mark.skipif(not os.environ.get("ARCHCALC_IMPORT_ZOO"),
                    reason="exports are slow: set ARCHCALC_IMPORT_ZOO=1")
@pytest.mark.parametrize("b, width, depth, res", EFFICIENTNETS, ids=[e[0] for e in EFFICIENTNETS])
def test_round_trip_of_exported_efficientnets(tmp_path, b, width, depth, res):
    """EfficientNet-B0 … B7 exported in eval mode equal B0's spec with --set width, depth and
    res but for its stochastic-depth rows and its dropout, which an inference graph lacks."""
    import torchvision

    net = spec.load("efficientnet_b0", None, {"width": str(width), "depth": str(depth),
                                              "res": str(res)})
    model = torchvision.models.get_model(f"efficientnet_{b}", weights=None)
    round_trip_for_inference(export_eval(model, (3, res, res), tmp_path / "e.onnx"), net)


def test_silu_is_one_row_and_a_gate_stays_a_product(tmp_path):
    """torch's exporter writes SiLU as x · sigmoid(x): one silu row; a sigmoid gate that
    multiplies another tensor (squeeze-and-excitation) stays a sigmoid and a mul."""
    from torch import nn

    from archcalc.core.kinds import RULES

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.act, self.fc = nn.Conv2d(3, 8, 3), nn.SiLU(), nn.Conv2d(8, 8, 1)

        def forward(self, x):
            x = self.act(self.conv(x))
            return x * torch.sigmoid(self.fc(x.mean((2, 3), keepdim=True)))
    a = engine.analyse(network(export(M(), (3, 8, 8), tmp_path / "m.onnx")))
    silu = ["silu"] if "silu" in RULES else ["sigmoid", "mul"]
    assert [r.kind for r in a.rows] == ["conv", *silu, "gap", "conv", "sigmoid", "mul"]


def test_a_reshape_that_is_no_shuffle_and_a_slice_that_is_no_part(tmp_path):
    from torch import nn

    class M(nn.Module):
        def forward(self, x):
            n, c, h, w = x.size()
            y = x.view(n, 2, c // 2, h, w).sum(1)
            return torch.cat((y, x[:, 1:4]), 1)
    r = cli("import", export(M(), (6, 4, 4), tmp_path / "m.onnx"))
    assert r.exit_code == 2, r.output
    assert "Reshape (a reshape) ×1" in r.output and "Slice of channels 1:4 of 6" in r.output


def test_an_exported_resnet_reads_in_stages(exported):
    import tomllib

    data = tomllib.loads(import_text(exported["resnet18"]))
    stages = [i for i in data["layers"] if "use" in i]
    assert [(s["name"], s["n"]) for s in stages] == [("layer1", 2), ("layer2", 2),
                                                     ("layer3", 2), ("layer4", 2)]
    block = data["blocks"][stages[0]["use"]]
    assert [i["name"] for i in block["add"][1]] == ["downsample.0", "downsample.1"]


def test_the_weights_are_not_read(exported):
    model = onnx_import.load(exported["resnet18"])
    assert model.ByteSize() < 200_000 < os.path.getsize(exported["resnet18"]) / 100
    conv1 = next(t for t in model.graph.initializer if t.name == "conv1.weight")
    assert list(conv1.dims) == [64, 3, 7, 7] and not conv1.raw_data


def test_every_supported_operation_agrees_with_torch(tmp_path):
    from torch.utils.flop_counter import FlopCounterMode

    from test_import_torch import Every

    from torch import nn

    model = Every().eval()
    # the TorchScript exporter in training mode cannot export an adaptive pool (it does not
    # see the input's size): at 22×22 the average pool already leaves 3×3
    model.adapt = nn.Identity()
    model.lrn = nn.Identity()       # torch exports LocalResponseNorm as a decomposition
    path = export(model, (3, 22, 22), tmp_path / "every.onnx")
    a = engine.analyse(load_text(import_text(path), "every"))
    assert {r.kind for r in a.rows} >= {
        "conv", "dwconv", "bn", "relu", "maxpool", "gap", "sigmoid", "mul", "concat",
        "add", "avgpool", "flatten", "dropout", "fc", "tanh", "softmax"}
    assert a.totals.params == sum(p.numel() for p in model.parameters())
    with FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, 3, 22, 22))
    assert 2 * a.totals.macs == counter.get_total_flops()


def test_an_input_size_can_be_given(exported):
    r = cli("table", exported["resnet18"], "--input", "3x160x160")
    assert r.exit_code == 0, r.output
    assert "input: 3×160×160" in r.output and "11,689,512" in r.output


@pytest.mark.parametrize("content, expected", [
    (b"", "the file is empty, not an ONNX model"),
    (b"\x08\x07\x12\x05hello\xff\xff\xff", "not an ONNX model"),
    (bytes(range(256)) * 8, "not an ONNX model"),
])
def test_a_corrupt_file_is_one_message(tmp_path, content, expected):
    p = tmp_path / "bad.onnx"
    p.write_bytes(content)
    out = tmp_path / "out.toml"
    r = cli("import", str(p), "--out", str(out))
    assert r.exit_code == 2 and expected in r.output and "Traceback" not in r.output
    assert not out.exists()


def test_a_truncated_export_is_one_message(exported, tmp_path):
    p = tmp_path / "cut.onnx"
    p.write_bytes(open(exported["resnet18"], "rb").read()[:5000])
    r = cli("table", str(p))
    assert r.exit_code == 2 and "not an ONNX model" in r.output


def test_unsupported_nodes_are_listed_by_name(tmp_path):
    from torch import nn

    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Upsample(scale_factor=2, mode="bicubic"),
                          nn.Conv2d(8, 8, 3), nn.Upsample(scale_factor=2, mode="bicubic"))
    path = export(model, (3, 16, 16), tmp_path / "up.onnx")
    r = cli("import", path)
    assert r.exit_code == 2
    # the Resize's scales, which torch computes from the input's Shape, are worked out
    # (_fold_shapes), so onnx infers the shapes after it and every Resize is listed
    assert "2 operations archcalc cannot count" in r.output
    assert "Resize (Resize with mode 'cubic') ×2: node /1/Resize, node /3/Resize" in r.output
    assert "not read further" not in r.output
    r = cli("table", path, "--skip-unknown")
    assert r.exit_code == 0 and "Resize ×2" in " ".join(r.output.split()), r.output
    a = engine.analyse(network(path, skip_unknown=True))
    assert [tuple(row.output.as_list()) for row in a.rows if row.kind == "uncounted"] == [
        (8, 28, 28), (8, 52, 52)]


def test_transposed_convs_and_upsampling_exported(tmp_path):
    """ConvTranspose (output_padding, no bias) is tconv and Resize by a whole factor (nearest,
    linear) upsample: the same U-Net-like model as the torch importer's test, exported, has
    torch's parameters and every shape onnx infers."""
    import runpy

    from test_import_torch import UPSAMPLING

    src = tmp_path / "up.py"
    src.write_text(UPSAMPLING, encoding="utf-8")
    model = runpy.run_path(str(src))["Up"]()
    a = engine.analyse(network(export(model, (3, 16, 16), tmp_path / "up.onnx")))
    kinds = [r.kind for r in a.rows]
    assert kinds.count("tconv") == 2 and kinds.count("upsample") == 2, kinds
    assert [(r.attrs["upsample"], r.attrs["mode"]) for r in a.rows if r.kind == "upsample"] == [
        ((2, 2), "nearest"), ((2, 2), "bilinear")]
    assert a.totals.params == sum(p.numel() for p in model.parameters())
    assert str(a.rows[-1].output) == "4×32×32"


def test_a_centre_crop_by_slicing_exported(tmp_path):
    """U-Net's copy and crop as a Slice of the rows and columns: the torch importer's test
    model, exported, has a crop row, torch's parameters and every shape onnx infers; a Slice
    of another part than the centre is named."""
    import runpy

    from test_import_torch import CROPPING

    src = tmp_path / "crop.py"
    src.write_text(CROPPING, encoding="utf-8")
    models = runpy.run_path(str(src))
    model = models["CopyAndCrop"]()
    a = engine.analyse(network(export(model, (3, 20, 20), tmp_path / "crop.onnx")))
    crops = [r for r in a.rows if r.kind == "crop"]
    # (the exporter writes one Slice per axis: the rows cut, then the columns)
    assert [str(r.output) for r in crops] == ["8×14×18", "8×14×14"], [r.kind for r in a.rows]
    assert a.totals.params == sum(p.numel() for p in model.parameters())
    assert str(a.rows[-1].output) == "4×12×12"
    r = cli("table", export(models["Corner"](), (3, 8, 8), tmp_path / "corner.onnx"))
    assert r.exit_code == 2
    assert "that is not its centre" in r.output, r.output


def test_skip_unknown_keeps_an_unsupported_node_with_its_inferred_shape(tmp_path):
    from torch import nn

    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.LeakyReLU(0.1), nn.Conv2d(8, 4, 3, stride=2))
    path = export(model, (3, 16, 16), tmp_path / "leaky.onnx")
    refused = cli("import", path)
    assert refused.exit_code == 2 and "LeakyRelu ×1: node /1/LeakyRelu" in refused.output
    r = cli("table", path, "--skip-unknown")
    assert r.exit_code == 0, r.output
    assert "LeakyRelu ×1 (" in " ".join(r.output.split())
    a = engine.analyse(network(path, skip_unknown=True))
    up = next(row for row in a.rows if row.kind == "uncounted")
    assert up.attrs["uncounted"] == "LeakyRelu" and tuple(up.output.as_list()) == (8, 14, 14)
    assert a.totals.params == sum(p.numel() for p in model.parameters())


def test_relu6_and_the_hard_activations_once_archcalc_has_them(tmp_path):
    """Clip(0, 6), HardSwish and HardSigmoid (x/6 + 1/2) are issue 13's relu6, hardswish and
    hardsigmoid: each becomes its kind where archcalc has it, and is listed where not."""
    from torch import nn

    from archcalc.core.kinds import RULES

    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU6(), nn.Hardswish(), nn.Hardsigmoid())
    path = export(model, (3, 8, 8), tmp_path / "hard.onnx")
    kinds = {"relu6": "Clip", "hardswish": "HardSwish", "hardsigmoid": "HardSigmoid"}
    r = cli("import", path)
    if all(k in RULES for k in kinds):
        assert r.exit_code == 0, r.output
        a = engine.analyse(network(path))
        assert [row.kind for row in a.rows] == ["conv", "relu6", "hardswish", "hardsigmoid"]
    else:
        assert r.exit_code == 2
        for kind, op in kinds.items():
            assert (f"{op} ×1" in r.output) == (kind not in RULES), (kind, r.output)


def test_a_missing_file():
    r = cli("import", "no/such/model.onnx")
    assert r.exit_code == 2 and "no such file: no/such/model.onnx" in r.output


def test_inception_v3s_flattened_concats_are_nested_again(tmp_path):
    """torch's exporter writes InceptionE's cat(a, cat(b, c), cat(d, e), f) as one Concat of six
    inputs, where b and c (d and e) fork inside one branch: the import joins each such run first,
    as the source did (it refused the graph before). Inception-v3 exported for inference (about
    10 s) then equals the bundled spec's rows and totals but for the dropout an inference graph
    does not have."""
    import torchvision

    from archcalc.verify.reference import REFERENCES

    bundled = engine.analyse(spec.load("inception-v3"))
    model = torchvision.models.inception_v3(weights=None,
                                            **dict(REFERENCES["inception-v3"].kwargs or {}))
    imported = engine.analyse(network(export_eval(model, (3, 299, 299), tmp_path / "i.onnx")))
    assert tuple(dict(d) for d in difference(imported, bundled)) == (
        {}, {("dropout", 2048, 0, 0): 1})
    assert imported.totals == bundled.totals
