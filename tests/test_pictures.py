"""``plot`` and ``graph``: the files are produced and well formed; the DOT graph is the spec's."""

from __future__ import annotations

import re
import shutil
import sys
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

import archcalc
from archcalc.render import graph
from archcalc.cli import main


def cli(*args):
    return CliRunner().invoke(main, list(args))


def test_plot_layers_svg_names_every_weighted_layer(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "vgg16.svg"
    r = cli("plot", "vgg16", "--out", str(out))
    assert r.exit_code == 0, r.output
    root = ET.parse(out).getroot()                     # well-formed XML
    assert root.tag.endswith("svg")
    text = out.read_text(encoding="utf-8")
    for name in ("conv1_1/conv", "conv5_3/conv", "fc6", "fc7", "fc8"):
        assert f">{name}<" in text
    assert "16 weighted layers" in r.output


@pytest.mark.parametrize("name", ["lenet5", "googlenet", "xception", "resnet18",
                                  "densenet-bc-100", "inception-resnet-v2"])
def test_plot_draws_each_kind_of_network(tmp_path, name):
    # Every bundled network's data is checked in test_zoo_outputs; drawing all 58 takes about a
    # minute (resnet1202 alone 8 s), so these six cover the layer kinds: RBF and fixed params,
    # aux heads, separable convs, residual adds, dense concats, scaled residuals.
    pytest.importorskip("matplotlib")
    out = tmp_path / f"{name}.png"
    assert cli("plot", name, "--out", str(out)).exit_code == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_png_and_refusals(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "g.png"
    assert cli("plot", "googlenet", "--out", str(out)).exit_code == 0
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    r = cli("plot", "googlenet", "--out", str(out))
    assert r.exit_code == 2 and "--force" in r.output and out.read_bytes() == data
    r = cli("plot", "googlenet", "--out", str(tmp_path / "g.gif"))
    assert r.exit_code == 2 and ".svg" in r.output
    r = cli("plot", "vgg11", "vgg16", "--out", str(tmp_path / "x.svg"))
    assert r.exit_code == 2 and "--compare" in r.output


@pytest.mark.parametrize("args", [["alexnet"], ["--compare", "alexnet", "vgg16"]])
def test_plot_without_matplotlib_says_how_to_install(tmp_path, monkeypatch, args):
    # As in a core install: neither matplotlib nor numpy (which comes with it) can be imported.
    for name in [m for m in sys.modules if m.split(".")[0] in ("matplotlib", "numpy")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "numpy", None)
    r = cli("plot", *args, "--out", str(tmp_path / "p.svg"))
    assert r.exit_code == 2, r.output
    assert "pip install 'archcalc[plot]'" in r.output
    assert not (tmp_path / "p.svg").exists()


def test_plot_compare_draws_the_networks_with_accuracy(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "acc.svg"
    r = cli("plot", "--compare", "vgg16", "resnet50-torchvision", "alexnet-torchvision",
            "alexnet", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "left out: alexnet" in r.output
    text = out.read_text(encoding="utf-8")
    ET.fromstring(text)
    assert "vgg16" in text and "resnet50-torchvision" in text and ">alexnet<" not in text
    r = cli("plot", "--compare", "alexnet", "zfnet", "--out", str(tmp_path / "none.svg"))
    assert r.exit_code == 2 and "none of these networks" in r.output


def test_graph_dot_is_the_spec_graph():
    a = archcalc.analyse("resnet18")
    dot = graph.to_dot(a)
    assert dot.startswith('digraph "resnet18" {') and dot.rstrip().endswith("}")
    edges = re.findall(r'^  "([^"]+)" -> "([^"]+)"', dot, re.M) + \
        re.findall(r'^  (input) -> "([^"]+)"', dot, re.M)
    assert sorted(edges) == sorted((src, r.name) for r in a.rows for src in r.inputs)
    assert dot.count("[label=") == len(a.rows) + 1 + sum(
        len(r.inputs) for r in a.rows if len(r.inputs) > 1)
    # a shortcut: an add node with two branches, one of them the block's input
    add = next(r for r in a.rows if r.kind == "add")
    assert f'"{add.inputs[0]}" -> "{add.name}" [label="branch 0"' in dot
    assert "64×56×56" in dot


def test_graph_cli_dot_and_svg(tmp_path):
    r = cli("graph", "googlenet", "--format", "dot")
    assert r.exit_code == 0 and 'style="rounded,filled,dashed"' in r.output   # aux heads
    if shutil.which("dot") is None:
        r = cli("graph", "googlenet", "--format", "svg")
        assert r.exit_code == 2 and "Graphviz" in r.output
        pytest.skip("Graphviz's dot is not installed: the SVG rendering is not exercised")
    out = tmp_path / "g.svg"
    assert cli("graph", "googlenet", "--format", "svg", "--out", str(out)).exit_code == 0
    ET.parse(out)
