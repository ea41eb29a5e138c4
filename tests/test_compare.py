"""``archcalc compare`` and published accuracy as spec data."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

import archcalc
from archcalc.analysis import compare
from archcalc.render import compare as compare_table
from archcalc.cli import main


def cli(*args):
    return CliRunner().invoke(main, list(args))


VGG = ["vgg11", "vgg11-lrn", "vgg13", "vgg16-c", "vgg16", "vgg19"]


def test_vgg_table_2():
    # Simonyan & Zisserman 2015, Table 2: "Number of parameters (in millions)":
    # A 133, A-LRN 133, B 133, C 134, D 138, E 144.
    out = cli("compare", *VGG, "--units", "si").output
    params = {ln.split()[0]: ln.split()[3] for ln in out.splitlines()[4:10]}
    assert params == {"vgg11": "133", "vgg11-lrn": "133", "vgg13": "133", "vgg16-c": "134",
                      "vgg16": "138", "vgg19": "144"}
    d = json.loads(cli("compare", *VGG, "--format", "json").output)["networks"]
    assert [n["depth"] for n in d] == [11, 11, 13, 16, 16, 19]
    assert {n["largest_layer"]["name"] for n in d} == {"fc6"}      # 25,088 × 4,096 + 4,096
    # Table 3 (single scale, S = Q = 256): D 27.0 / 8.8 top-1 / top-5 error.
    assert d[4]["accuracy"]["top1"] == 27.0 and d[4]["accuracy"]["top1_accuracy"] == 73.0


def test_resnet_table_1_flops_row():
    # He et al. 2015, Table 1, "FLOPs" (multiply-adds): 1.8, 3.6, 3.8, 7.6, 11.3 × 10⁹. The paper
    # prints one decimal, truncated or rounded (3.66 → 3.6, 7.57 → 7.6).
    names = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"]
    d = json.loads(cli("compare", *names, "--format", "json").output)["networks"]
    for n, paper in zip(d, [1.8, 3.6, 3.8, 7.6, 11.3]):
        assert abs(n["macs"] / 1e9 - paper) < 0.1, n["network"]
    assert [n["depth"] for n in d] == [18, 34, 50, 101, 152]


def test_accuracy_is_shown_with_its_source_or_said_missing():
    out = cli("compare", "alexnet", "alexnet-torchvision", "googlenet", "--wide").output
    # googlenet's 10.07% top-5 error (1 crop) is 89.93 accuracy, beside torchvision's 1-crop
    # figures: the same dataset and protocol, one column
    assert "56.522 [1]" in out and "89.93* [2]" in out and "(A) ImageNet val, 1 crop" in out
    assert "[1] torchvision AlexNet_Weights.IMAGENET1K_V1" in out
    assert "no published accuracy in the spec for: alexnet." in out


def test_sort_and_csv():
    rows = list(csv.DictReader(io.StringIO(
        cli("compare", "vgg19", "alexnet", "vgg11", "--sort", "params", "--format", "csv").output)))
    assert [r["network"] for r in rows] == ["alexnet", "vgg11", "vgg19"]
    # The lecture-notes AlexNet (seed 000; issue 2): 62,378,344 with biases; no published top-1.
    assert int(rows[0]["params"]) == 62_378_344 and rows[0]["top1_imagenet_val_dense_1_scale"] == ""
    rows = list(csv.DictReader(io.StringIO(cli(
        "compare", "alexnet", "vgg11", "vgg19", "--sort", "top1", "--reverse",
        "--format", "csv").output)))
    assert [r["network"] for r in rows] == ["vgg19", "vgg11", "alexnet"]   # none published: last


def test_every_network_compares():
    from archcalc.core import spec

    names = list(spec.catalogue())
    r = cli("compare", *names, "--format", "json")
    assert r.exit_code == 0, r.output
    assert len(json.loads(r.output)["networks"]) == len(names)


def test_depth_counts_the_longest_path():
    assert compare.depth(archcalc.analyse("googlenet")) == 22      # Szegedy et al., Table 1
    # LeCun et al. 1998, Sec. II-B: "LeNet-5 comprises 7 layers, not counting the input".
    assert compare.depth(archcalc.analyse("lenet5")) == 7


@pytest.mark.parametrize("acc, message", [
    ('{ top1 = 50.0, metric = "accuracy" }', "needs its source"),
    ('{ top1 = 150.0, metric = "error", source = "x" }', "percentage from 0 to 100"),
    ('{ top1 = 50.0, metric = "acc", source = "x" }', 'metric must be "accuracy" or "error"'),
    ('{ top3 = 50.0, metric = "error", source = "x" }', "unknown key 'top3'"),
    ('{ top1 = 5.0, metric = "error", source = "x", protocol = 10 }', 'protocol must be text'),
    ('{ top1 = 5.0, metric = "error", source = "x", dataset = [] }', 'dataset must be text'),
])
def test_accuracy_field_is_checked(tmp_path, acc, message):
    p = tmp_path / "n.toml"
    p.write_text('name = "n"\ndescription = "d"\nsource = "s"\ninput = [1, 8, 8]\n'
                 f'accuracy = {acc}\nlayers = ["flatten", {{ fc = 2 }}]\n')
    r = cli("table", str(p))
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output


def test_compare_latex_and_html_are_well_formed():
    import xml.etree.ElementTree as ET

    root = ET.fromstring(cli("compare", "vgg16", "alexnet", "--format", "html").output)
    assert [td.text for td in root.iter("td")][:2] == ["vgg16", "3×224×224"]
    tex = cli("compare", "vgg16", "alexnet", "--format", "latex").output
    rows = [ln for ln in tex.splitlines() if ln.endswith(r" \\") and not ln.startswith(r"\par")]
    width = len(compare_table.COLUMNS) + 2            # + vgg16's top-1, top-5 (dense, 1 scale)
    assert len(rows) == 3 and all(ln.count(" & ") == width - 1 for ln in rows)
    assert tex.isascii() and r"3$\times$224$\times$224" in tex


@pytest.mark.parametrize("name, top1, top5, metric", [
    ("alexnet-torchvision", 56.522, 79.066, "accuracy"),   # torchvision docs (REFERENCE_NUMBERS § AlexNet)
    ("googlenet-torchvision", 69.778, 89.530, "accuracy"),  # REFERENCE_NUMBERS: acc@1 69.778
    ("inception-v3", 77.294, 93.450, "accuracy"),           # REFERENCE_NUMBERS: acc@1 77.294
    ("resnext50-32x4d", 77.618, 93.698, "accuracy"),        # torchvision ResNeXt50_32X4D_Weights
    ("vgg19", 27.3, 9.0, "error"),                          # VGG Table 3, E, S = Q = 256
    ("xception", 79.0, 94.5, "accuracy"),                   # keras.io: 0.790 / 0.945
])
def test_published_figures(name, top1, top5, metric):
    acc = archcalc.analyse(name).accuracy
    assert (acc.top1, acc.top5, acc.metric) == (top1, top5, metric) and acc.source


def test_every_published_figure_names_its_data_and_protocol_as_its_source_does():
    """The dataset and protocol fields are written by hand beside the source's citation: they
    must say what the citation says (10-crop, dense, CIFAR-10, …)."""
    import re

    from archcalc.core import spec

    seen = set()
    for name in spec.catalogue():
        acc = archcalc.analyse(name).accuracy
        if acc is None:
            continue
        seen.add(acc.convention)
        assert acc.dataset and acc.protocol, name
        src = acc.source.lower()
        if re.search(r"cifar-10\b", src):
            assert acc.dataset == "CIFAR-10 test", name
        elif "mnist" in src:
            assert acc.dataset == "MNIST test", name
        else:
            assert acc.dataset == "ImageNet val" and re.search(r"ilsvrc|imagenet|val", src), name
        if "10-crop" in src:
            assert acc.protocol == "10 crops", name
        elif "single scale" in src or re.search(r"\bdense\b", src):
            assert acc.protocol.startswith("dense"), name
        elif acc.dataset == "ImageNet val":
            assert acc.protocol == "1 crop", name
    assert {"ImageNet val, 1 crop", "ImageNet val, 10 crops"} <= seen


def test_no_column_mixes_accuracy_and_error_or_protocols():
    # issue 15: `compare resnet18 resnet50 vgg16` put torchvision's single-crop top-1 accuracy
    # beside the paper's 10-crop error in one column
    names = ["resnet18", "resnet50", "vgg16", "alexnet-grouped", "resnet110", "lenet5", "alexnet"]
    out = cli("compare", *names, "--format", "csv").output
    rows = list(csv.DictReader(io.StringIO(out)))
    docs = {n["network"]: n["accuracy"] for n in
            json.loads(cli("compare", *names, "--format", "json").output)["networks"]}
    acc_cols = [k for k in rows[0] if k.startswith(("top1_", "top5_"))]
    assert len(acc_cols) == 2 + 2 + 2 + 1 + 1     # 1 crop, 10 crops, dense; CIFAR-10, MNIST top-1
    for k in acc_cols:
        filled = [r["network"] for r in rows if r[k]]
        assert len({(docs[n]["dataset"], docs[n]["protocol"]) for n in filled}) == 1, k
        for n in filled:             # every figure as accuracy: the printed error turned round
            which = k[:4]
            printed = docs[n][which]
            want = printed if docs[n]["metric"] == "accuracy" else round(100 - printed, 6)
            assert float(r_of(rows, n)[k]) == pytest.approx(want)
    assert {r["network"]: r["top1_imagenet_val_10_crops"] for r in rows}["resnet50"] == "77.15"
    text = cli("compare", *names, "--wide").output     # footer lines unwrapped
    assert "(B) ImageNet val, 10 crops" in text and "77.15* [2]" in text
    assert "100 − the error the source prints" in text


def r_of(rows, name):
    return next(r for r in rows if r["network"] == name)
