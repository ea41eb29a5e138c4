"""FLOP conventions: ``--count`` extras and the presets, each reproducing its source's printed
total for at least two networks.

Where a number comes from:
* [TV] torchvision's model documentation (pytorch.org/vision/stable/models/generated/…, the
  weights' ``num_params`` and ``_ops`` "GFLOPS"): AlexNet 61.1M / 0.71, VGG-16 138.4M / 15.47,
  GoogLeNet 6.6M / 1.50 (REFERENCE_NUMBERS.md § AlexNet, § GoogLeNet).
* [FV] fvcore 0.1.5.post20221221 ``FlopCountAnalysis(model.eval(), torch.zeros(1, 3, S, S))
  .total()`` on torchvision 0.29.1 models, run on this project's machine: alexnet 714,197,696;
  vgg11_bn 7,623,967,232; googlenet (aux_logits=False) 1,504,878,688; inception_v3
  (aux_logits=False, 299) 5,731,282,144; resnet50 4,111,512,576; resnet18 1,819,065,856.
* [PT] ptflops 0.7.5 ``get_model_complexity_info(model.eval(), (3, 224, 224))`` (default pytorch
  backend), same models: alexnet 716,441,128 ("716.44 MMac", "61.1 M"); vgg11_bn 7,658,538,984
  ("7.66 GMac"); resnet50 4,132,436,968 ("4.13 GMac"); resnet18 1,825,313,768 ("1.83 GMac"). (vgg16: 15,523,225,576, "15.52 GMac": the spec `vgg16` is the paper's network,
  without torchvision's identity adaptive pool, which ptflops counts, 2 × 25,088.)
* [K] Keras ``model.summary()``: VGG16 Total params 138,357,544; Xception Total 22,910,480,
  Trainable 22,855,952, Non-trainable 54,528 (REFERENCE_NUMBERS.md § 13, § 19).
* [P] the papers: ResNet's "FLOPs" are multiply-adds, the MACs column; VGG Table 2 (millions):
  A 133, C 134, D 138, E 144.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import archcalc
from archcalc.analysis import conventions as CV
from archcalc.cli import main


def total(name: str, fn) -> int:
    a = archcalc.analyse(name)
    return sum(fn(r) for r in a.rows if not r.aux)


@pytest.mark.parametrize("name, expected", [
    ("alexnet-torchvision", 714_197_696),
    ("vgg11-bn", 7_623_967_232),
    ("googlenet-torchvision", 1_504_878_688),
    ("inception-v3", 5_731_282_144),
    ("resnet50-torchvision", 4_111_512_576),
    ("resnet18", 1_819_065_856),
])
def test_fvcore_preset(name, expected):              # [FV]
    assert total(name, CV.fvcore_flops) == expected


@pytest.mark.parametrize("name, expected, text", [
    ("alexnet-torchvision", 716_441_128, "716.44 MMac"),
    ("vgg11-bn", 7_658_538_984, "7.66 GMac"),
    ("resnet50-torchvision", 4_132_436_968, "4.13 GMac"),
    ("resnet18", 1_825_313_768, "1.83 GMac"),
])
def test_ptflops_preset(name, expected, text):       # [PT]
    assert total(name, CV.ptflops_macs) == expected
    assert text in CV.preset_summary(archcalc.analyse(name), "ptflops")


@pytest.mark.parametrize("name, printed", [
    ("alexnet-torchvision", "Params 61.1M, GFLOPS 0.71"),
    ("vgg16", "Params 138.4M, GFLOPS 15.47"),
    ("googlenet-torchvision", "Params 6.6M, GFLOPS 1.50"),
    # Inception_V3_Weights: num_params 27,161,264 (with its aux head), GFLOPS 5.71
    ("inception-v3", "GFLOPS 5.71"), ("inception-v3", "with the auxiliary heads Params 27.2M"),
])
def test_torchvision_preset(name, printed):          # [TV]
    assert printed in CV.preset_summary(archcalc.analyse(name), "torchvision")


@pytest.mark.parametrize("name, printed", [
    ("vgg16", "Total params: 138,357,544; Trainable params: 138,357,544; Non-trainable params: 0"),
    ("xception", "Total params: 22,910,480; Trainable params: 22,855,952; "
                 "Non-trainable params: 54,528"),
])
def test_keras_preset(name, printed):                # [K]
    assert printed in CV.preset_summary(archcalc.analyse(name), "keras")


@pytest.mark.parametrize("name, printed", [
    ("vgg11", "= 133 M"), ("vgg16-c", "= 134 M"), ("vgg16", "= 138 M"),
    ("vgg19", "= 144 M"),                                          # [P] VGG Table 2
])
def test_paper_preset(name, printed):
    assert printed in CV.preset_summary(archcalc.analyse(name), "paper")


def test_count_extras_are_exact_and_labelled():
    a = archcalc.analyse("alexnet-torchvision")
    bias = sum(CV.extra_ops(r)["bias"] for r in a.rows)
    # conv outputs 64·55² + 192·27² + 384·13² + 256·13² + 256·13², and the fc outputs
    assert bias == 64 * 55 ** 2 + 192 * 27 ** 2 + (384 + 256 + 256) * 13 ** 2 + 4096 + 4096 + 1000
    pool = sum(CV.extra_ops(r)["pool"] for r in a.rows)
    # three 3×3 max pools: 8 comparisons per output; the adaptive pool is the identity (6 → 6)
    assert pool == 8 * (64 * 27 ** 2 + 192 * 13 ** 2 + 256 * 6 ** 2) + 256 * 36
    out = CliRunner().invoke(main, ["table", "alexnet-torchvision", "--count", "bias,pool",
                                    "--wide"]).output
    expected = 2 * a.totals.macs + bias + pool
    assert f"= {expected:,};" in out and "bias additions" in out and "pooling (max:" in out
    t = next(ln for ln in out.splitlines() if ln.startswith("total"))
    assert f"{expected:,}" in t


def test_add_and_bn_extras():
    a = archcalc.analyse("inception-resnet-v2")
    add = next(r for r in a.rows if r.kind == "add")
    scaled = add.attrs.get("scale", 1.0) != 1
    assert CV.extra_ops(add)["add"] == (1 + scaled) * add.output.elements
    bn = next(r for r in a.rows if r.kind == "bn")
    assert CV.extra_ops(bn)["bn"] == 2 * bn.output.elements


def test_preset_column_and_footer():
    out = CliRunner().invoke(main, ["table", "vgg11-bn", "--convention", "fvcore", "--wide"]).output
    assert "fvcore flops" in out.splitlines()[4]
    assert "7,623,967,232" in out and "convention: fvcore:" in out
    r = CliRunner().invoke(main, ["table", "alexnet", "--count", "relu"])
    assert r.exit_code == 2 and "unknown 'relu'" in r.output


def test_every_preset_names_every_layer_kind():
    """A preset is one table from layer kind to the tool's rule (or ``Uncounted``): each table
    names every kind, so a new kind cannot fall through to a silent zero."""
    from archcalc.analysis import counting
    from archcalc.core.kinds import RULES

    assert set(CV.TABLES) == set(CV.PRESETS)
    for preset, table in CV.TABLES.items():
        assert set(table) == set(RULES), preset
    assert set(counting.EXTRA_OPS) == set(RULES)


@pytest.mark.parametrize("name, preset, said", [
    ("alexnet", "fvcore", "layer kinds fvcore does not count: lrn, maxpool, softmax (no handle"),
    ("resnet50", "ptflops", "layer kinds ptflops does not count: add (torchvision writes"),
    ("lenet5", "keras", "layer kinds Keras does not count: subsample, rbf (Keras has no layer"),
    ("lenet5", "torchvision", "layer kinds torchvision does not count: subsample, rbf"),
])
def test_a_kind_a_preset_does_not_count_is_named_in_the_footer(name, preset, said):
    out = CliRunner().invoke(main, ["table", name, "--convention", preset, "--wide"]).output
    assert said in out


def test_a_preset_that_counts_every_kind_names_none():
    out = CliRunner().invoke(main, ["table", "alexnet", "--convention", "keras"]).output
    assert "does not count" not in out


def test_a_preset_column_chosen_alone_names_what_it_leaves_out():
    out = CliRunner().invoke(main, ["table", "alexnet", "--columns", "layer,fvcore_flops"]).output
    assert "fvcore_flops: layer kinds fvcore does not count: lrn, maxpool, softmax" in out
