"""The property issue 14 asks of ``check``: every table archcalc itself prints — any network, any
preset, any format, ``--memory`` — is marked 100 % right: every cell marked is right, every row
is matched, every column is read, and something is marked.

Each network is printed once in a format and with options chosen by its place in the catalogue
(so that every network, every format and every option set is used, in a run that stays short),
and two small networks are printed in every format under every option set. ResNet-1202 (4,000
rows, 45 s here) is left out of the first test: tests/test_counting.py checks its CSV table with
--memory like every network's.

The text format is read both ways it prints: ``--wide`` (the whole table) and fitted to 100
columns, as ``archcalc table NET`` prints off a terminal (headers abbreviated, empty columns
left out, text cells wrapped, a wide table cut into parts: ``render.table.fitted_lines``). The
fitted text is checked for a sample of networks chosen to need every one of those rules, each
under several option sets, and must mark as many cells as ``--wide`` does; for every bundled
network, set ARCHCALC_CHECK_ZOO=1 (about a minute and a half here).
"""

from __future__ import annotations

import json
import os

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
    # bytes with SI prefixes, "9.41 kB (9.19 KiB)" and "312 B", were not read (312 billion)
    ["--memory", "--units", "si"], ["--memory", "--units", "si", "--kilo", "1024", "--dtype", "fp16"],
    # rollups: a block's or stage's Σ row (`· conv2_1`, nested `· denseblock1/denselayer_1`,
    # an aux head's `aux1`) marked against the sum of its layers; the CSV's `depth` and `row`
    ["--by", "stage"], ["--depth", "2", "--memory"], ["--by", "block", "--training"],
]


def printed(network: str, fmt: str, options: list[str], wide: bool = True) -> str:
    """``archcalc table`` as it prints off a terminal: the text format fitted to 100 columns,
    unless ``wide`` (``--wide``: the whole table on each line)."""
    table = CliRunner().invoke(main, ["table", network, "--format", fmt, *options,
                                      *(["--wide"] if wide and fmt == "text" else [])])
    assert table.exit_code == 0, table.output
    return table.output


def marked(network: str, fmt: str, options: list[str], wide: bool = True) -> dict:
    out = CliRunner().invoke(main, ["check", network, "-", "--format", "json"],
                             input=printed(network, fmt, options, wide))
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
    assert_all_right(marked(network, "text", options, wide=False), (network, "fitted", options))


# Networks whose text at 100 columns needs each fitting rule: LeNet-5's K/S/P cell wraps
# ("partial", in the table of every option, whose first part is too wide), ViT's and ConvNeXt's tables come in parts (ViT's W column is one character wide),
# the memory headers are abbreviated ("acts", "act. B") and a preset's header cut ("torchin."),
# a long "RF via" name is broken inside a word, a network without notes drops the note column.
FITTED = ["lenet5", "alexnet", "googlenet", "vit_b_32", "convnext_tiny", "unet"]
FITTED_OPTIONS = [[], ["--memory", "--convention", "torchinfo", "--training", "--rf"]]


def _fitted_cases():
    networks = NETWORKS if os.environ.get("ARCHCALC_CHECK_ZOO") else FITTED
    if os.environ.get("ARCHCALC_CHECK_ZOO"):
        return [(n, OPTIONS[k % len(OPTIONS)]) for k, n in enumerate(networks)]
    return [(n, o) for n in networks for o in FITTED_OPTIONS]


@pytest.mark.parametrize("network, options", _fitted_cases(),
                         ids=lambda x: x if isinstance(x, str) else " ".join(x) or "default")
def test_the_fitted_text(network, options):
    """The text `archcalc table NET` prints at 100 columns is marked 100 % right, and as many
    of its cells are marked as of the whole (--wide) table's: every part, every abbreviated
    header and every wrapped row read back."""
    import re

    text = printed(network, "text", options, wide=False)
    out = CliRunner().invoke(main, ["check", network, "-", "--format", "json"], input=text)
    fitted = json.loads(out.output)
    assert_all_right(fitted, (network, "fitted", options))
    whole = marked(network, "text", options)
    # (a column the fitted text leaves out, FLOPs = 2 × MACs, is named under it)
    left = re.search(r"left out to fit 100 columns: (.*?) \(--wide", " ".join(text.split()))
    gone = {x.split(" = ")[0] for x in left.group(1).split(", ")} if left else set()
    assert fitted["score"]["marked"] == sum(c["column"] not in gone for c in whole["cells"]
                                            if c["verdict"] != "missing"), (network, options)


def test_the_fitted_sample_needs_every_fitting_rule():
    """The sample above is not vacuous: between them, its tables at 100 columns are cut into
    parts, wrap a cell, abbreviate a header with its short form and cut one with a full stop."""
    texts = [printed(n, "text", o, wide=False) for n in FITTED for o in FITTED_OPTIONS]
    assert any("the table is in 2 parts" in t for t in texts)
    assert any("acts = activations" in t for t in texts)
    assert any("torchin. = torchinfo mult-adds" in t for t in texts)
    assert any(line.startswith(" ") and line.strip() == "partial"       # a wrapped K/S/P cell
               for t in texts for line in t.splitlines())


def test_a_fitted_table_read_back_whole():
    """The renderer's own fitting, at a width that needs every rule at once (a table in parts,
    a one-character column, a text cell wrapped, a long word broken so that its next line is
    digits, a header cut with a full stop), read back by check's reader as the whole table:
    the same rows, each with every column's cell."""
    from archcalc.homework import answers
    from archcalc.render import table as T

    cols = [T.Column("layer", "layer"), T.Column("w", "W", "size"),
            T.Column("via", "RF via"), T.Column("params", "params", "count"),
            T.Column("keras_params", "Keras params", "count"),
            T.Column("macs", "MACs", "count")]
    rows = [["conv1", 1, "block35_10/branches/relu6", 34_944, 34_944, 105_415_200],
            ["fc8", 1, "", 4_097_000, 4_097_000, 4_096_000]]
    text = T.render(T.Table(cols, rows, totals=[["total", None, "", 4_131_944, 4_131_944,
                                                  109_511_200]]), "text", width=40)
    assert "2 parts" in text and "Keras pa. = Keras" in text and "\n" + " " * 9 in text   # as intended
    t = answers.parse(text, "-", answers.recognised)
    assert [r[0] for r in t.rows] == ["conv1", "fc8", "total"]
    assert [c.field for c in answers.columns(t.header)] == [
        "name", "W", "describes", "params", "keras_params", "macs"]
    assert t.rows[0][2].replace(" ", "") == "block35_10/branches/relu6"
    assert t.rows[0][3:] == ("34,944", "34,944", "105,415,200")
