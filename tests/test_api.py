"""The Python API: ``archcalc.analyze`` returns plain data and the CLI's formats, number for
number."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import archcalc
from archcalc.cli import main


def test_rows_and_totals_are_plain_data():
    t = archcalc.analyze("resnet50", input=(3, 224, 224))
    assert t.totals["params"] == 25_557_032     # He et al. 2015 / torchvision's ResNet-50
    assert t.totals["macs"] == sum(r["macs"] for r in t.rows)
    assert isinstance(t.rows[0], dict) and t.rows[0]["name"] == "conv1"
    json.dumps(t.rows)                                         # plain data


@pytest.mark.parametrize("fmt, method", [("csv", "to_csv"), ("json", "to_json"),
                                         ("markdown", "to_markdown"), ("latex", "to_latex"),
                                         ("html", "to_html"), ("text", "to_text")])
def test_same_output_as_the_cli(fmt, method):
    cli = CliRunner().invoke(main, ["table", "alexnet", "--input", "224", "--count", "bias,act",
                                    "--memory", "--units", "si", "--format", fmt, "--wide"]).output
    t = archcalc.analyze("alexnet", input=224, count="bias,act", memory=True, units="si")
    assert getattr(t, method)() == cli


def test_repr_html_and_params():
    t = archcalc.analyze("alexnet", input=(1, 224, 224), params={"classes": 10}, rf=True)
    assert t._repr_html_().startswith('<div class="archcalc">')
    assert t.rows[-2]["output"] == [10, 1, 1]
    lines = t.to_text().splitlines()
    assert "RF" in next(line for line in lines if line.startswith("layer"))
    # the header gives this network's totals (by hand: conv1-5 3,723,968, fc6 26,218,496 at
    # 5×5×256, fc7 16,781,312, fc8 40,970), not the spec's description of its own (issue 15)
    assert lines[0] == ("alexnet with --input 1×224×224 --set classes=10 — 46,764,746 parameters, "
                        f"{t.totals['macs']:,} MACs")


@pytest.mark.parametrize("kwargs, message", [
    ({"count": "bias,relu"}, "--count: unknown 'relu'; choose from"),
    ({"convention": "tf"}, "--convention: unknown 'tf'; choose from"),
    ({"units": "SI"}, "--units"),
    ({"colums": ["layer"]}, "did you mean 'columns'"),
    ({"input": (3, 0, 224)}, "--input: every size must be at least 1"),
    ({"batch": 0}, "--batch"),
])
def test_bad_arguments_raise_archcalc_errors(kwargs, message):
    with pytest.raises(archcalc.ArchcalcError, match=message):
        archcalc.analyze("alexnet", **kwargs)


def test_readme_example_numbers():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    t = archcalc.analyze("resnet50", input=(3, 224, 224), count="bias", memory=True)
    assert f'{t.totals["params"]}, {t.totals["macs"]}' in readme
    assert f"'{t.rows[0]['name']}', {t.rows[0]['output']}" in readme


def test_params_reach_the_spec_whole_however_long(monkeypatch):
    # A value is handed to the loader as TOML text in full: a message may cut a long value
    # short, the loader must not.
    from archcalc.core import spec

    seen = {}
    load = spec.load
    monkeypatch.setattr(spec, "load", lambda t, overrides=None, **k: (
        seen.update(overrides or {}), load(t, **k))[1])
    archcalc.analyze("alexnet", params={"classes": 10, "widths": list(range(200))})
    assert seen == {"classes": "10", "widths": "[" + ", ".join(map(str, range(200))) + "]"}
