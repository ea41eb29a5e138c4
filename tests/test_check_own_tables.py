"""The property issue 14 asks of ``check``: every table archcalc itself prints — any network, any
preset, any format, ``--memory`` — is marked 100 % right: every cell marked is right, every row
is matched, every column is read, and something is marked.

Each network is printed once in a format and with options chosen by its place in the catalogue
(so that every network, every format and every option set is used, in a run that stays short),
and two small networks are printed in every format under every option set. ResNet-1202 (4,000
rows, 45 s here) is left out of the first test: tests/test_counting.py checks its CSV table with
--memory like every network's.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from archcalc.cli import main
from archcalc.core import spec

NETWORKS = [n for n in sorted(spec.catalogue()) if n != "resnet1202"]
FORMATS = ["text", "github", "markdown", "csv", "tsv", "json", "latex", "html"]
OPTIONS = [
    [], ["--no-bias"], ["--memory"], ["--memory", "--dtype", "fp16"], ["--memory", "--no-bias"],
    ["--units", "si"], ["--units", "si", "--kilo", "1024"], ["--rf"], ["--aux"],
    ["--convention", "paper"], ["--convention", "torchvision"], ["--convention", "fvcore"],
    ["--convention", "ptflops"], ["--convention", "keras"], ["--convention", "torchinfo"],
    ["--convention", "thop"], ["--memory", "--convention", "keras"],
    ["--count", "bias,bn,act,pool,add"], ["--count", "act"], ["--training"],
    ["--training", "--count", "bias"],
]


def marked(network: str, fmt: str, options: list[str]) -> dict:
    # The text format --wide: the whole table, as a terminal wide enough shows it. Fitted to 100
    # columns (off a terminal) a wide table is abbreviated and split into parts, which check
    # does not yet read back.
    r = CliRunner()
    wide = ["--wide"] if fmt == "text" else []
    table = r.invoke(main, ["table", network, "--format", fmt, *options, *wide])
    assert table.exit_code == 0, table.output
    out = r.invoke(main, ["check", network, "-", "--format", "json"], input=table.output)
    assert out.exit_code in (0, 1), out.output
    return json.loads(out.output)


def assert_all_right(d: dict, what) -> None:
    bad = [(c["row"], c["column"], c["given"], c["expected"], c["diagnosis"])
           for c in d["cells"] if c["verdict"] != "right"]
    assert not bad, (what, bad[:5])
    assert d["score"]["marked"] > 0, what
    assert not d["unmatched_rows"], (what, d["unmatched_rows"][:5])
    assert not d["unmarked_columns"], (what, d["unmarked_columns"])


@pytest.mark.parametrize("k, network", list(enumerate(NETWORKS)))
def test_every_network_in_some_format_and_options(k, network):
    fmt = FORMATS[k % len(FORMATS)]
    options = OPTIONS[(k // len(FORMATS) + k) % len(OPTIONS)]
    assert_all_right(marked(network, fmt, options), (network, fmt, options))


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: " ".join(o) or "default")
@pytest.mark.parametrize("network", ["lenet5", "alexnet"])
def test_every_format_and_options(network, options):
    for fmt in FORMATS:
        assert_all_right(marked(network, fmt, options), (network, fmt, options))


def _paper_networks() -> list[str]:
    from archcalc.analysis import paper

    out = []
    for n in NETWORKS:
        try:
            paper.table_for(n)
        except Exception:
            continue
        out.append(n)
    return out


@pytest.mark.parametrize("network", _paper_networks())
def test_the_paper_layout(network):
    """`table --layout paper` (GoogLeNet's, Inception-v2's, ResNet's, DenseNet's and VGG's Table 1)
    read back row for row against the paper view: its computed cells with their marks, the
    printed values beside them, the continuation rows and the total row. (Its JSON is a
    different structure, not a table, and is not read.)"""
    for fmt in ("text", "github", "csv"):
        assert_all_right(marked(network, fmt, ["--layout", "paper"]), (network, fmt))
