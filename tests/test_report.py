"""Formats, columns, units, memory, --set and --out: every format from the same rows, parsed
back to the same numbers."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

import archcalc
from archcalc.analysis import memory
from archcalc.render import report, table as T
from archcalc.cli import main


def cli(*args):
    return CliRunner().invoke(main, list(args))


def rows_of(fmt: str, *extra) -> list[dict]:
    out = cli("table", "alexnet", "--format", fmt, *extra).output
    return list(csv.DictReader(io.StringIO(out), delimiter="\t" if fmt == "tsv" else ","))


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_csv_and_tsv_round_trip_to_the_engine_numbers(fmt):
    a = archcalc.analyse("alexnet")
    rows = rows_of(fmt)
    for r, line in zip(a.rows, rows):
        assert line["layer"] == r.name
        assert int(line["params"]) == r.params and int(line["macs"]) == r.counts.macs
        assert int(line["flops"]) == 2 * r.counts.macs
    total = rows[len(a.rows)]
    assert total["layer"] == "total" and int(total["params"]) == a.totals.params
    assert int(total["flops"]) == 2 * a.totals.macs


def test_json_round_trips_and_totals_are_sums():
    d = json.loads(cli("table", "vgg16", "--format", "json").output)
    for key in ("params", "macs", "flops", "activations", "activation_bytes", "param_bytes"):
        assert d["totals"][key] == sum(layer[key] for layer in d["layers"]), key
    assert d["memory"]["forward_activation_values"] == 15_237_608   # VGG-16 at 224, lecture notes
    conv = next(layer for layer in d["layers"] if layer["name"] == "conv5_3/conv")
    assert conv["receptive_field"]["h"]["size"] == 196


def test_latex_is_booktabs_and_well_formed():
    out = cli("table", "alexnet", "--format", "latex").output
    lines = out.splitlines()
    assert r"\begin{tabular}{lllrrrrrrl}" in lines and r"\end{tabular}" in lines
    assert lines.index(r"\toprule") < lines.index(r"\midrule") < lines.index(r"\bottomrule")
    body = [ln for ln in lines if ln.endswith(r"\\") and "&" in ln]
    assert all(ln.count(" & ") == 9 for ln in body)          # ten columns on every row
    assert out.count(r"\begin{") == out.count(r"\end{")
    assert any(ln.startswith(r"total & ") and "62,378,344" in ln for ln in body)


def test_latex_escapes_specials():
    assert T.latex_escape("conv5_3/conv 50% & $x#") == r"conv5\_3/conv 50\% \& \$x\#"
    assert T.latex_escape("3×3 · 10⁶ → ⌈x⌉") == (r"3$\times$3 $\cdot$ 10\textsuperscript{6} "
                                                    r"$\rightarrow$ $\lceil$x$\rceil$")


def test_html_is_well_formed_and_holds_the_numbers():
    out = cli("table", "googlenet", "--format", "html").output
    root = ET.fromstring(out)                                  # raises if not well formed
    cells = [td.text for td in root.iter("td")]
    assert "6,998,552" in cells
    assert root.find("table/caption").text.startswith("googlenet — ")


@pytest.mark.parametrize("fmt", ["github", "markdown"])
def test_markdown_formats(fmt):
    out = cli("table", "alexnet", "--format", fmt).output
    assert "| conv1 " in out and "**62,378,344**" in out


def test_columns_choose_and_order():
    out = cli("table", "alexnet", "--columns", "layer,C,MACs,params", "--format", "csv").output
    assert out.splitlines()[0] == "layer,c,macs,params"
    r = cli("table", "alexnet", "--columns", "layer,parms")
    assert r.exit_code == 2 and "did you mean 'params'" in r.output


def test_units_si_with_both_kilos():
    out = cli("table", "alexnet-torchvision", "--units", "si").output
    total = next(ln for ln in out.splitlines() if ln.startswith("total"))
    assert "61.1 M" in total and "0.71 G" in total
    assert "1 k = 1,000" in out
    out = cli("table", "alexnet-torchvision", "--units", "si", "--kilo", "1024").output
    total = next(ln for ln in out.splitlines() if ln.startswith("total"))
    assert "58.3 M" in total                                    # 61,100,840 / 1024²
    assert "1 K = 1,024" in out


def test_vgg16_activation_memory():
    # CS231n's VGG-16 walk-through: the input and every conv, pool and fc output, 15,237,608.
    a = archcalc.analyse("vgg16")
    m = memory.memory(a, a.totals.params, "fp16", batch=8, optimizer="adam")
    assert m.activation_values == 15_237_608
    assert m.activation_bytes == 2 * 15_237_608
    assert m.training_values == 4 * 138_357_544 + 8 * 15_237_608


def test_memory_footer_says_what_it_counts():
    out = cli("table", "vgg16", "--memory", "--optimizer", "momentum", "--batch", "2",
              "--wide").output
    assert "= 15,237,608 values = 60,950,432 B = 60.95 MB = 58.13 MiB" in out
    assert "MB = 10⁶ B, MiB = 2²⁰ B" in out
    assert ("parameters 138,357,544 + gradients 138,357,544 + optimizer state 138,357,544 + "
            "activations kept for backward 15,237,608 × 2") in out


def test_set_overrides_a_declared_param():
    r = cli("table", "alexnet", "--input", "1x224x224", "--set", "classes=10", "--format", "json")
    d = json.loads(r.output)
    assert d["input"] == [1, 224, 224] and d["layers"][-2]["output"] == [10, 1, 1]
    assert d["layers"][-2]["params"] == 4096 * 10 + 10


@pytest.mark.parametrize("args, message", [
    (["--set", "clases=10"], "did you mean 'classes'"),
    (["--set", "classes=ten"], "expected a whole number like the declared classes = 1000"),
    (["--set", "classes"], "expected NAME=VALUE"),
    (["--set", "classes=0"], "(the spec as changed by --set classes=0)"),
])
def test_set_errors_list_the_declared_params(args, message):
    r = cli("table", "alexnet", *args)
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output
    if "clases" in args[1]:
        assert "g2 = 1" in r.output and "classes = 1000" in r.output


def test_out_refuses_to_overwrite_without_force(tmp_path):
    p = tmp_path / "t.csv"
    assert cli("table", "alexnet", "--format", "csv", "--out", str(p)).exit_code == 0
    first = p.read_text()
    assert first.startswith("layer,")
    p.write_text("mine")
    r = cli("table", "alexnet", "--out", str(p))
    assert r.exit_code == 2 and "--force" in r.output and p.read_text() == "mine"
    assert cli("table", "alexnet", "--format", "csv", "--out", str(p), "--force").exit_code == 0
    assert p.read_text() == first


def test_classes_is_declared_by_every_classifier_spec():
    from archcalc.core import engine, spec

    declared = 0
    for name, sf in spec.catalogue().items():
        net = sf.network(name)
        fcs = [n for n in net.nodes if n.kind == "fc" and not n.aux]
        if not fcs or name in ("lenet5",):          # LeNet-5 ends in RBF units, NIN in a conv
            continue
        a = engine.analyse(sf.network(name, overrides={"classes": "7"}))
        last = [r for r in a.rows if r.kind == "fc" and not r.aux][-1]
        assert last.output.c == 7, name
        declared += 1
    assert declared >= 50
