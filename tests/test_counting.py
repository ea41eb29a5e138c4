"""Every count is computed in one place, so every view of it agrees: the text table's total
lines and the JSON's totals, `check` marking archcalc's own table, the depth of a network.

Each test here compares two outputs a user sees (or an output with a recount written out in the
test), never a number with the same code's other copy of it.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import archcalc
from archcalc.analysis import conventions as CV
from archcalc.api import Table, options
from archcalc.cli import main
from archcalc.render.report import PRESET_COLUMN
from archcalc.core import spec

NETWORKS = sorted(spec.catalogue())
PRESETS = (None, *CV.PRESETS)
EXTRAS = "bias,bn,act,pool,add"

# The text table's header of each totalled column, and its key in the JSON's totals.
TEXT_TO_JSON = {"params": "params", "fixed": "fixed_params", "MACs": "macs", "FLOPs": "flops",
                "activations": "activations", "act. bytes": "activation_bytes",
                "param bytes": "param_bytes", "fvcore flops": "fvcore_flops",
                "ptflops MACs": "ptflops_macs", "Keras params": "keras_params",
                "torchinfo mult-adds": "torchinfo_mult_adds", "thop MACs": "thop_macs",
                "train FLOPs": "training_flops"}
JSON_TOTAL = {"total": "totals", "total with aux": "totals_with_aux"}


def text_totals(text: str) -> dict[str, dict[str, int]]:
    """The total lines of a text table, by label: {header: value} of every non-blank cell.
    Columns are cut at the rule of dashes under the headers."""
    lines = text.splitlines()
    rule = next(i for i, ln in enumerate(lines) if ln.startswith("---") and i > 0)
    spans, start = [], None
    for j, ch in enumerate(lines[rule] + " "):
        if ch == "-" and start is None:
            start = j
        elif ch != "-" and start is not None:
            spans.append((start, j))
            start = None
    headers = [lines[rule - 1][a:b].strip() for a, b in spans]
    out = {}
    for ln in lines[rule + 1:]:
        if not ln.strip():
            break
        if ln.startswith("total"):
            cells = [ln[a:b].strip() for a, b in spans]
            out[cells[0]] = {h: int(c.replace(",", "")) for h, c in zip(headers, cells)
                             if c and h != "layer"}
    return out


@pytest.mark.parametrize("net", NETWORKS)
def test_json_totals_equal_the_text_totals(net):
    """For every preset, with --aux, every --count extra, the memory columns and --training:
    each total line of the text table is the JSON's totals (or totals_with_aux), column for
    column."""
    a = archcalc.analyse(net)
    for preset in PRESETS:
        t = Table(a, options(aux=True, count=EXTRAS, convention=preset, memory=True,
                             training=True))
        text = text_totals(t.to_text())
        assert "total" in text
        # the memory footer's forward pass stores the input and the activations column's total
        c, h, w = t.data["input"]
        assert (t.data["memory"]["forward_activation_values"]
                == c * h * w + t.data["totals"]["activations"]), (net, preset)
        assert ("total with aux" in text) == t.analysis.has_aux
        for label, cells in text.items():
            totals = t.data[JSON_TOTAL[label]]
            for header, value in cells.items():
                key = TEXT_TO_JSON[header]
                assert totals[key] == value, (net, preset, label, header)


def test_googlenet_flops_with_aux_recounted_by_hand():
    """The issue's case: ``table googlenet --aux --count act,bias``. FLOPs with the auxiliary
    heads, recounted from the rows: 2 per MAC, one per output value of a layer with biases, one
    per output value of ReLU and softmax. The text printed 3,188,558,800 and the JSON's
    totals_with_aux 3,182,088,192 (2 × MACs, the extras left out); the recount says the text."""
    a = archcalc.analyse("googlenet")
    macs = sum(r.counts.macs for r in a.rows)
    bias = sum(r.output.elements for r in a.rows if r.counts.biases)
    act = sum(r.output.elements for r in a.rows if r.kind in ("relu", "softmax"))
    assert 2 * macs + bias + act == 3_188_558_800
    args = ["table", "googlenet", "--aux", "--count", "act,bias"]
    text = CliRunner().invoke(main, args + ["--wide"]).output
    assert text_totals(text)["total with aux"]["FLOPs"] == 3_188_558_800
    data = json.loads(CliRunner().invoke(main, args + ["--format", "json"]).output)
    assert data["totals_with_aux"]["flops"] == 3_188_558_800


def _score(net: str, args: list[str], tmp_path) -> dict:
    """``check NET`` run on archcalc's own ``table NET --format csv`` with ``args``."""
    r = CliRunner().invoke(main, ["table", net, "--format", "csv", *args])
    assert r.exit_code == 0, r.output
    path = tmp_path / f"{net}.csv"
    path.write_text(r.output, encoding="utf-8")
    r = CliRunner().invoke(main, ["check", net, str(path), "--format", "json"])
    return json.loads(r.output)["score"]


@pytest.mark.parametrize("net", NETWORKS)
def test_check_marks_archcalcs_own_memory_table_all_right(net, tmp_path):
    """The issue's case: ``table alexnet --format csv --memory`` checked against alexnet scored
    142/154, check counting the output of in-place layers (ReLU, dropout, flatten, softmax)
    that the activations column, like the memory footer, does not."""
    s = _score(net, ["--memory"], tmp_path)
    assert s["right"] == s["marked"] > 0 and s["wrong"] == s["missing"] == 0, s


def _covering() -> list[str]:
    """The fewest small networks that hold every layer kind between them (smallest first)."""
    from archcalc.core.kinds import RULES

    sizes = sorted((len(archcalc.analyse(n).rows), n) for n in NETWORKS)
    kinds = {n: {r.kind for r in archcalc.analyse(n).rows} for _, n in sizes}
    sizes_of = {n: size for size, n in sizes}
    left, chosen = set(RULES), []
    while left:
        best = max((n for _, n in sizes), key=lambda n: (len(kinds[n] & left), -sizes_of[n]))
        if not kinds[best] & left:
            break
        chosen.append(best)
        left -= kinds[best]
    return chosen


@pytest.mark.parametrize("preset", [p for p in PRESETS if p])
def test_check_marks_archcalcs_own_table_all_right_under_every_preset(preset, tmp_path):
    """Every preset's table (its extra column beside the memory columns) checked against its
    network: all right, on networks that hold every layer kind between them (the whole zoo
    under the default preset is the test above)."""
    for net in _covering():
        s = _score(net, ["--memory", "--convention", preset], tmp_path)
        assert s["right"] == s["marked"] > 0 and s["wrong"] == s["missing"] == 0, (net, s)


@pytest.mark.parametrize("net, depth", [
    ("lenet5", 7), ("alexnet", 8), ("vgg16", 16), ("vgg19", 19), ("googlenet", 22),
    ("resnet18", 18), ("resnet50", 50), ("resnet152", 152), ("resnet110", 110),
    ("densenet121", 121), ("densenet-bc-100", 100), ("inception-v3", 48), ("xception", 37),
])
def test_depth_is_the_papers_count_of_weighted_layers(net, depth):
    """Depth as the papers count it: every conv and fc on the longest path, shortcuts and
    projections beside it (LeNet-5's seven layers, AlexNet's "eight learned layers",
    GoogLeNet's "22 layers deep", the number in VGG's, ResNet's and DenseNet's names; Xception's
    36 convolutional layers and its classifier; Inception-v3 as torchvision builds it, 48, as
    MathWorks' documentation of the pretrained network says). ``compare`` prints it."""
    out = CliRunner().invoke(main, ["compare", net, "--format", "json"]).output
    assert json.loads(out)["networks"][0]["depth"] == depth


@pytest.mark.parametrize("relu, rule", [
    ("0", "none for a layer that makes no new tensor"),
    ("290,400", "every layer's output values, in-place layers too"),
])
def test_check_reads_either_activations_rule_from_the_cells(relu, rule):
    """A hand table may count an in-place ReLU's output (96·55·55 = 290,400 in AlexNet) or not,
    as archcalc's memory rule does not: check decides which from the cells, says so, and marks
    the table by it."""
    rows = [("conv1", 290_400), ("relu1", int(relu.replace(",", ""))), ("pool1", 96 * 27 * 27)]
    text = "layer\tactivations\n" + "".join(f"{n}\t{v:,}\n" for n, v in rows)
    r = CliRunner().invoke(main, ["check", "alexnet", "-", "--format", "json"], input=text)
    d = json.loads(r.output)
    assert d["score"]["wrong"] == 0 and d["score"]["right"] == 3, d["score"]
    assert d["convention"]["how"]["activations"].startswith(rule)


# --- --training --------------------------------------------------------------------------------

def _cli_total(args: list[str], header: str) -> int:
    return text_totals(CliRunner().invoke(main, args + ["--wide"]).output)["total"][header]


def test_training_flops_of_vgg16_are_six_times_its_published_macs():
    """VGG-16's 15,470,264,320 multiply-adds (torchvision's documentation: 15.47 GFLOPS,
    REFERENCE_NUMBERS.md), all in weighted layers: forward 2 × MACs, backward ≈ 2 × MACs for the
    input and weight gradients at 2 FLOPs each, 6 × 15,470,264,320 in all, the "6 × MACs" rule of
    thumb."""
    assert _cli_total(["table", "vgg16", "--training"], "train FLOPs") == 6 * 15_470_264_320


def test_training_adds_only_the_weighted_layers_backward_to_the_forward_flops():
    """ResNet-18 with batch norm and activations counted: the forward FLOPs column (with its
    extras) plus 4 × the MACs of the convolutions and the fc layer, recounted from the rows."""
    args = ["table", "resnet18", "--training", "--count", "bn,act"]
    a = archcalc.analyse("resnet18")
    weighted_macs = sum(r.counts.macs for r in a.rows if r.kind in ("conv", "fc"))
    forward = _cli_total(args, "FLOPs")
    assert _cli_total(args, "train FLOPs") == forward + 4 * weighted_macs
    # a layer without weights has no backward FLOPs here: its train FLOPs are its FLOPs
    data = json.loads(CliRunner().invoke(main, args + ["--format", "json"]).output)
    for layer in data["layers"]:
        if layer["kind"] in ("bn", "relu", "maxpool", "add", "gap", "flatten"):
            assert layer["training_flops"] == layer["flops"], layer["name"]


@pytest.mark.parametrize("fmt", ["text", "github", "markdown", "csv", "tsv", "json", "latex",
                                 "html"])
def test_training_shows_in_every_format_with_its_rule(fmt):
    out = CliRunner().invoke(main, ["table", "alexnet", "--training", "--format", fmt]).output
    total = f"{6 * 1_135_256_096:,}"
    if fmt in ("csv", "tsv", "json"):
        assert "training_flops" in out and total.replace(",", "") in out
    else:
        assert "train FLOPs" in out and total in out
    if fmt not in ("csv", "tsv"):     # the machine tables carry no footer
        assert "the backward pass of a weighted layer is" in out


def test_training_is_checked_as_every_option_is():
    from archcalc.core.errors import ArchcalcError

    with pytest.raises(ArchcalcError, match="--training: expected True or False"):
        options(training="yes")


def test_training_gives_fixed_weights_no_gradient():
    """LeNet-5's RBF output: 840 distance MACs against fixed prototypes (10 × 84), so its
    backward pass is the input gradient alone: 2 × 840 forward + 2 × 840 backward FLOPs."""
    data = json.loads(CliRunner().invoke(main, ["table", "lenet5", "--training", "--format",
                                                "json"]).output)
    out = next(layer for layer in data["layers"] if layer["kind"] == "rbf")
    assert (out["macs"], out["training_flops"]) == (840, 4 * 840)


@pytest.mark.parametrize("net", NETWORKS)
def test_every_presets_memory_table_is_the_default_one_plus_its_column(net):
    """Every network under every preset: ``table --format csv --memory --convention P`` is the
    default table (which ``check`` marks 100 % right for every network, above) with the preset's
    own column added and nothing else changed; ``check`` leaves that column unmarked (it is a
    tool's count, not a field of the sheet) and the covering test above runs ``check`` on each
    preset's table. Together: 100 % for every network and every preset."""
    import csv
    import io

    from archcalc.render import report

    a = archcalc.analyse(net)

    def table(preset=None):
        text = report.render(a, "csv", options(memory=True, convention=preset))
        return list(csv.reader(io.StringIO(text)))

    default = table()
    for preset in CV.PRESETS:
        rows = table(preset)
        extra = [k for k in rows[0] if k not in default[0]]
        assert extra == ([PRESET_COLUMN[preset][0]] if preset in PRESET_COLUMN else [])
        keep = [i for i, k in enumerate(rows[0]) if k not in extra]
        assert [[row[i] for i in keep] for row in rows] == default, (net, preset)


@pytest.mark.parametrize("net, said", [
    ("convnext_tiny", "The operations of 23 layer norm rows, 18 layer scale rows are in no --count "
                      "extra, so not in these FLOPs."),
    ("alexnet", "The operations of 2 local response normalization rows are in no --count extra, "
                "so not in these FLOPs."),
])
def test_extras_name_the_arithmetic_none_of_them_covers(net, said):
    # `--count bn` on ConvNeXt added "0 batch norm" and said nothing of its layer norms: a silent
    # zero. The rows are counted here from the JSON's kinds, apart from the footer's code.
    out = CliRunner().invoke(main, ["table", net, "--count", "bn,act", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["conventions"]["flops"].endswith("; " + said)
    kinds = [r["kind"] for r in data["layers"]]
    named = {"ln": 0, "ln2d": 0, "layer_scale": 0, "lrn": 0}
    for k in kinds:
        if k in named:
            named[k] += 1
    n = [int(w.replace(",", "")) for w in said.split() if w.replace(",", "").isdigit()]
    assert n == [x for x in (named["ln"] + named["ln2d"], named["layer_scale"], named["lrn"]) if x]
    text = CliRunner().invoke(main, ["table", net, "--count", "bn,act", "--wide"]).output
    assert said in " ".join(text.split())


def test_extras_say_nothing_more_where_every_operation_is_covered():
    out = CliRunner().invoke(main, ["table", "resnet18", "--count", "bn,act", "--wide"])
    assert out.exit_code == 0 and "in no --count extra" not in out.output


@pytest.mark.parametrize("net", ["googlenet", "resnet1202", "densenet121", "inception-v3"])
def test_analysis_totals_are_the_rows_summed_one_by_one(net):
    """``Analysis.totals`` (and ``totals_with_aux``) sum each distinct ``Counts`` object times
    the rows that share it (issue 17: a million rows); recounted here row by row, without and
    with the auxiliary heads."""
    a = archcalc.analyse(net)
    fields = ("weights", "biases", "fixed", "macs", "buffers")
    for total, rows in ((a.totals, [r for r in a.rows if not r.aux]),
                        (a.totals_with_aux, a.rows)):
        assert [getattr(total, f) for f in fields] == [
            sum(getattr(r.counts, f) for r in rows) for f in fields]
