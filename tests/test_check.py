"""`archcalc check`: the seed tables, formats, conventions, errors, and every diagnosis in the
catalogue with a case that triggers it and a case that must not."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from archcalc.homework import answers, check
from archcalc.core import engine, spec
from archcalc.cli import main

DATA = Path(__file__).parent / "data"
FILLED = DATA / "alexnet-seed-filled.tsv"
BLANK = DATA / "alexnet-seed-blank.tsv"


def cli(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def run_json(*args, input=None):
    r = cli("check", *args, "--format", "json", input=input)
    assert r.exit_code in (0, 1), r.output
    return r.exit_code, json.loads(r.output)


# --- the seed tables (the acceptance cases) -----------------------------------------

def test_seed_filled_table_has_exactly_two_wrong_cells():
    code, d = run_json("alexnet", FILLED)
    assert code == 1
    wrong = [c for c in d["cells"] if c["verdict"] == "wrong"]
    assert [(c["row"], c["column"]) for c in wrong] == [("Conv3", "# of Parameter"),
                                                       ("Conv5", "# of Parameter")]
    for c in wrong:
        assert c["expected"] == 884_736 and "86,400" in c["given"]
        assert "formula right, product wrong" in c["diagnosis"] and "884,736" in c["diagnosis"]
    assert all(c["verdict"] == "right" for c in d["cells"] if c not in wrong)
    assert len(d["cells"]) == 8 * 4           # W, Н, С (Cyrillic in the seed) and params
    assert d["convention"]["bias"] is False
    assert d["score"] == {"right": 30, "wrong": 2, "missing": 0, "unread": 0, "rounded": 0,
                          "marked": 32, "text": "30/32"}


def test_seed_filled_table_text_says_the_convention():
    r = cli("check", "alexnet", FILLED)
    assert r.exit_code == 1
    assert "weights only, the table does not count biases" in r.output
    assert "score: 30/32" in r.output
    assert "not marked: column 'Size (Stride/Padding)'" not in r.output   # a known "describes"


def test_seed_blank_template_reports_missing_not_wrong():
    # One params cell is not evidence enough to leave archcalc's default (weights + biases), so
    # the template's worked example counts as forgetting the biases unless the course says so.
    code, d = run_json("alexnet", BLANK)
    assert code == 1
    assert [(c["row"], c["column"], c["diagnoses"][0]) for c in d["cells"]
            if c["verdict"] == "wrong"] == [("Conv1", "# of Parameter", "biases")]
    code, d = run_json("alexnet", BLANK, "--no-bias")
    assert code == 0
    verdicts = {(c["row"], c["column"]): c["verdict"] for c in d["cells"]}
    assert verdicts[("Conv1", "# of Parameter")] == "right"          # 11x11x3x96
    assert verdicts[("MaxPool1", "W")] == "right"
    assert verdicts[("Conv2", "W")] == "missing"
    assert list(verdicts.values()).count("missing") == 24
    assert "wrong" not in verdicts.values()


def test_json_contract():
    _, d = run_json("alexnet", FILLED)
    assert {"cells", "convention", "score"} <= set(d)
    for c in d["cells"]:
        assert {"row", "column", "given", "expected", "verdict", "diagnosis"} <= set(c)
        assert c["verdict"] in ("right", "wrong", "missing")


# --- formats ---------------------------------------------------------------------------------

SMALL = [("layer", "W", "C", "params"), ("conv1", "55", "96", "34,944"),
         ("pool1", "27", "96", "0"), ("conv2", "27", "256", "614,656")]


def test_csv_markdown_tsv_and_prose_around_a_pasted_table(tmp_path):
    csv_text = "\n".join(",".join(f'"{c}"' for c in row) for row in SMALL) + "\n"
    md = "\n".join(["| " + " | ".join(SMALL[0]) + " |", "|---|---:|---:|---:|"]
                   + ["| " + " | ".join(r) + " |" for r in SMALL[1:]]) + "\n"
    tsv = "Notes from the lecture.\n\n" + "\n".join("\t".join(r) for r in SMALL) + "\n\nEnd.\n"
    for name, text in (("a.csv", csv_text), ("a.md", md), ("a.txt", tsv)):
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        code, d = run_json("alexnet", p)
        assert code == 0 and d["score"]["right"] == 9, (name, d["score"])


def test_stdin_and_utf16_and_bom(tmp_path):
    text = "\n".join("\t".join(r) for r in SMALL) + "\n"
    code, d = run_json("alexnet", "-", input=text)
    assert code == 0 and d["score"]["right"] == 9
    for enc in ("utf-16", "utf-8-sig"):
        p = tmp_path / f"{enc}.tsv"
        p.write_bytes(text.encode(enc))
        assert run_json("alexnet", p)[0] == 0


def test_header_aliases_units_and_mapping(tmp_path):
    p = tmp_path / "t.tsv"
    p.write_text("Layer\tOutput\tParams (K)\tMult-Adds\tMemory\tMy col\n"
                 "CONV 1\t55x55x96\t34.944\t105,415,200\t290,400\t7\n"
                 "Max Pool 1\t27 × 27 × 96\t0\t0\t69,984\t7\n", encoding="utf-8")
    code, d = run_json("alexnet", p)
    assert code == 0, d
    assert d["unmarked_columns"] == ["My col"]
    code, d = run_json("alexnet", p, "--column", "My col=C")
    assert code == 1 and {c["column"] for c in d["cells"] if c["verdict"] == "wrong"} == {"My col"}


def test_rows_unmatched_are_reported_and_by_order(tmp_path):
    p = tmp_path / "t.tsv"
    p.write_text("layer\tW\nconvv1\t55\nsecond\t27\nconv1\t55\n", encoding="utf-8")
    r = cli("check", "alexnet", p)
    assert r.exit_code == 0
    assert "not matched: row 'convv1'" in r.output and "did you mean 'conv1'" in r.output
    assert "not matched: row 'second'" in r.output
    code, d = run_json("alexnet", p, "--by-order")
    assert [(c["row"], c["verdict"]) for c in d["cells"]] == [
        ("convv1", "right"), ("second", "right"), ("conv1", "wrong")]   # 3rd is conv2: 27
    r = cli("check", "alexnet", "-", input="layer\tW\nfoo\t55\n")
    assert r.exit_code == 2 and "--by-order" in r.output


def test_total_row(tmp_path):
    p = tmp_path / "t.tsv"
    p.write_text("layer\tparams\nconv1\t34,944\nTotal\t62,378,344\n", encoding="utf-8")
    code, d = run_json("alexnet", p)
    assert code == 0 and d["cells"][-1]["expected"] == 62_378_344


# --- errors: exit 2, the file named, never a traceback, never a write -------------------------

@pytest.mark.parametrize("content, message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
    (b"layer\tW\nconv1\t\xff\xfe55\n", "not UTF-8"),
    (b"just some prose\nand more\n", "no table found"),
    (b"PK\x03\x04rest", "binary"),
    (b"layer,params\nconv1,34,944\n", "must be quoted"),
])
def test_unreadable_answers(tmp_path, content, message):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    r = cli("check", "alexnet", p)
    assert r.exit_code == 2 and message in r.output and "bad.txt" in r.output
    assert "Traceback" not in r.output


def test_too_large_and_missing_and_directory(tmp_path):
    big = tmp_path / "big.tsv"
    big.write_bytes(b"layer\tW\n" + b"conv1\t55\n" * (answers.MAX_BYTES // 8))
    r = cli("check", "alexnet", big)
    assert r.exit_code == 2 and f"larger than {answers.MAX_BYTES:,} bytes" in r.output
    assert cli("check", "alexnet", tmp_path / "nope.tsv").exit_code == 2
    assert cli("check", "alexnet", tmp_path).exit_code == 2
    assert cli("check", "alexnt", FILLED).exit_code == 2


def test_a_huge_power_in_a_cell_is_a_wrong_cell_not_a_hang(tmp_path):
    p = tmp_path / "t.tsv"
    p.write_text("layer\tparams\nconv1\t9^9^9\n", encoding="utf-8")
    code, d = run_json("alexnet", p)
    assert code == 1 and "beyond 10^100" in d["cells"][0]["diagnosis"]


def test_the_answers_file_is_never_written(tmp_path):
    p = tmp_path / "a.tsv"
    p.write_bytes(FILLED.read_bytes())
    os.chmod(p, 0o444)
    before = (p.read_bytes(), p.stat().st_mtime_ns)
    cli("check", "alexnet", p)
    cli("check", "alexnet", p, "--format", "json")
    assert (p.read_bytes(), p.stat().st_mtime_ns) == before


def test_bad_column_option():
    r = cli("check", "alexnet", FILLED, "--column", "Foo=parms")
    assert r.exit_code == 2 and "did you mean 'params'" in r.output


# --- the catalogue: each diagnosis, a case that triggers it and one that must not ------------

def mark(network: str, rows, *options: str, header=None):
    """Mark a small table given as [(row name, {column: cell})]; return {(row, column): cell}."""
    cols = header or sorted({c for _, cells in rows for c in cells},
                            key=["W", "H", "C", "params", "MACs", "memory"].index)
    text = "\n".join(["\t".join(["layer"] + cols)]
                     + ["\t".join([n] + [cells.get(c, "") for c in cols]) for n, cells in rows])
    r = cli("check", network, "-", "--format", "json", *options, input=text + "\n")
    assert r.exit_code in (0, 1), r.output
    return {(c["row"], c["column"]): c for c in json.loads(r.output)["cells"]}


def ids(network, rows, cell, *options):
    """The diagnosis ids that fit ``cell`` (via the library, which keeps them)."""
    text = "\n".join(["\t".join(["layer", cell[1]])]
                     + ["\t".join([n, cells.get(cell[1], "")]) for n, cells in rows]) + "\n"
    a = engine.analyse(spec.load(network))
    table = answers.parse(text, "<test>", answers.recognised)
    opts = {"--bias": dict(bias=True), "--no-bias": dict(bias=False), "--macs": dict(flops=False),
            "--flops": dict(flops=True), "--k1000": dict(k_base=1000),
            "--by-order": dict(by_order=True)}
    kw = {}
    for o in options:
        kw.update(opts[o])
    res = check.check(a, table, check.CheckOptions(**kw), spec.load(network))
    c = next(x for x in res.cells if (x.row, x.column) == cell)
    return c.verdict, c.diagnoses, c.diagnosis, res


# lenet5's total activations in bytes (fp32), as `archcalc table --format json` prints it.
LENET_ACT_BYTES = f"{json.loads(cli('table', 'lenet5', '--format', 'json').output)['totals']['activation_bytes']:,}"

CASES = [
    # (id, network, rows, cell, options, fires)
    ("slip", "alexnet", [("conv3", {"params": "3x3x256x384 = 86,400"})], ("conv3", "params"),
     ("--no-bias",), True),
    ("digit", "alexnet", [("conv3", {"params": "884,763"})], ("conv3", "params"),
     ("--no-bias",), True),
    ("digit", "alexnet", [("conv3", {"params": "884,000"})], ("conv3", "params"),
     ("--no-bias",), False),
    ("channels-and-biases", "alexnet", [("conv2", {"params": "5x5x256"})], ("conv2", "params"),
     ("--bias",), True),
    ("channels-and-biases", "alexnet", [("conv2", {"params": "5x5x96x256"})],
     ("conv2", "params"), ("--bias",), False),
    ("padding", "alexnet", [("conv2", {"W": "(27-5)/1+1"})], ("conv2", "W"), (), True),
    ("padding", "alexnet", [("conv2", {"W": "24"})], ("conv2", "W"), (), False),
    ("stride", "alexnet", [("conv1", {"W": "217"})], ("conv1", "W"), (), True),
    ("stride", "alexnet", [("conv1", {"W": "200"})], ("conv1", "W"), (), False),
    ("plus-for-times", "alexnet", [("fc6", {"params": "(6+6)*256*4096"})], ("fc6", "params"),
     ("--no-bias",), True),
    ("plus-for-times", "alexnet", [("fc6", {"params": "(6*6*256)*4096 + 4096"})],
     ("fc6", "params"), ("--no-bias",), False),
    ("bytes", "alexnet", [("conv1", {"memory": "1,161,600"})], ("conv1", "memory"), (), True),
    ("bytes", "alexnet", [("conv1", {"memory": "1,000,000"})], ("conv1", "memory"), (), False),
    ("slip", "alexnet", [("conv3", {"params": "900,000"})], ("conv3", "params"),
     ("--no-bias",), False),
    ("input-channels", "alexnet", [("conv1", {"params": "11x11x96"})], ("conv1", "params"),
     ("--no-bias",), True),
    ("input-channels", "alexnet", [("conv1", {"params": "50,000"})], ("conv1", "params"),
     ("--no-bias",), False),
    # a pointwise conv is a conv (1×1) to the diagnoses too: 96 filters of 1·1·16
    ("input-channels", "mobilenet_v2", [("stage2_1/expand", {"params": "1x1x96"})],
     ("stage2_1/expand", "params"), ("--no-bias",), True),
    ("input-channels", "mobilenet_v2", [("stage2_1/expand", {"params": "2,000"})],
     ("stage2_1/expand", "params"), ("--no-bias",), False),
    ("biases", "alexnet", [("conv1", {"params": "34,848"})], ("conv1", "params"),
     ("--bias",), True),
    ("biases", "alexnet", [("conv1", {"params": "34,944"})], ("conv1", "params"),
     ("--no-bias",), True),
    ("biases", "alexnet", [("conv1", {"params": "34,845"})], ("conv1", "params"),
     ("--bias",), False),
    ("one-bias", "alexnet", [("conv1", {"params": "34,849"})], ("conv1", "params"),
     ("--bias",), True),
    ("one-bias", "alexnet", [("conv1", {"params": "34,848"})], ("conv1", "params"),
     ("--bias",), False),
    ("input-size", "alexnet", [("conv1", {"W": "54"})], ("conv1", "W"), (), True),
    ("input-size", "alexnet", [("conv1", {"W": "53"})], ("conv1", "W"), (), False),
    ("macs-on-input", "alexnet", [("conv1", {"MACs": "227·227·96·11·11·3"})],
     ("conv1", "MACs"), ("--macs",), True),
    ("macs-on-input", "alexnet", [("conv1", {"MACs": "1"})], ("conv1", "MACs"), ("--macs",),
     False),
    ("flops", "alexnet", [("conv1", {"MACs": "210,830,400"})], ("conv1", "MACs"), ("--macs",),
     True),
    ("flops", "alexnet", [("conv1", {"MACs": "105,415,201"})], ("conv1", "MACs"), ("--macs",),
     False),
    ("extras", "alexnet", [("conv1", {"FLOPs": "211,120,800"}),
                           ("conv2", {"FLOPs": "895,795,200"})], ("conv1", "FLOPs"), (), True),                 # 290,400 bias additions counted
    ("extras", "alexnet", [("conv1", {"FLOPs": "211,000,000"})], ("conv1", "FLOPs"), (), False),
    ("k-base", "alexnet", [("fc6", {"params": "36M"})], ("fc6", "params"),
     ("--no-bias", "--k1000"), True),
    ("k-base", "alexnet", [("fc6", {"params": "30M"})], ("fc6", "params"),
     ("--no-bias", "--k1000"), False),
    ("pool-channels", "alexnet", [("pool1", {"C": "256"})], ("pool1", "C"), (), True),
    ("pool-channels", "alexnet", [("conv1", {"C": "256"})], ("conv1", "C"), (), False),
    ("flatten", "alexnet", [("flatten", {"C": "256"})], ("flatten", "C"), (), True),
    ("flatten", "alexnet", [("fc6", {"params": "256x4096 + 4096"})], ("fc6", "params"),
     ("--bias",), True),
    ("flatten", "alexnet", [("fc7", {"params": "1"})], ("fc7", "params"), ("--bias",), False),
    # ViT (issue 13/14): its token rows are not a flatten and its head reads the class token,
    # a vector of 768 taken from the tokens: the flatten diagnosis said "the flatten size is
    # 50·1·768 = 38,400" of class_out and "767 inputs used ... (the flatten size)" of a head
    # whose biases were left out; a linear over tokens counted for one token is no flatten.
    ("flatten", "vit_b_32", [("class_out", {"C": "38400"})], ("class_out", "C"), (), False),
    ("flatten", "vit_b_32", [("head", {"params": "768,000"})], ("head", "params"), ("--bias",),
     False),
    ("flatten", "vit_b_32", [("layer_1/mlp/fc1", {"MACs": "768x3072"})],
     ("layer_1/mlp/fc1", "MACs"), (), False),
    ("groups", "alexnet-grouped", [("conv2", {"params": "5x5x96x256 + 256"})],
     ("conv2", "params"), ("--bias",), True),
    ("groups", "lenet5", [("C3", {"params": "5x5x6x16 + 16"})], ("C3", "params"), ("--bias",),
     True),
    ("groups", "alexnet", [("conv2", {"params": "5x5x48x256 + 256"})], ("conv2", "params"),
     ("--bias",), False),
    ("total", "alexnet", [("conv1", {"params": "34,944"}), ("total", {"params": "1,000"})],
     ("total", "params"), ("--bias",), True),
    ("total", "alexnet", [("conv1", {"params": "34,944"}), ("total", {"params": "34,944"})],
     ("total", "params"), ("--bias",), True),     # the sum of its rows, but rows are missing
    ("total", "alexnet", [("conv1", {"params": "34,944"}), ("total", {"params": "62,000,000"})],
     ("total", "params"), ("--bias",), True),
    # The sum of its rows, and they list every layer: the rows are wrong, not the total.
    ("total", "lenet5", [("C1", {"params": "150"}), ("S2", {"params": "12"}),
                         ("C3", {"params": "1,516"}), ("S4", {"params": "32"}),
                         ("C5", {"params": "48,120"}), ("F6", {"params": "10,164"}),
                         ("output", {"params": "0"}), ("total", {"params": "59,994"})],
     ("total", "params"), ("--bias",), False),
    ("own-formula", "alexnet", [("conv1", {"params": "11x11x3x96 = 35,000"})],
     ("conv1", "params"), ("--bias",), True),
    ("own-formula", "alexnet", [("conv1", {"params": "11x11x3x96 = 34,848"})],
     ("conv1", "params"), ("--bias",), False),
    ("bytes", "lenet5", [("C1", {"memory": "4,704"}), ("total", {"memory": LENET_ACT_BYTES})],
     ("total", "memory"), (), True),                # a total in bytes where values are counted
    ("bytes", "alexnet", [("conv1", {"act. bytes": "290,400"})], ("conv1", "act. bytes"), (),
     True),                                         # values where the column counts bytes
    ("bytes", "alexnet", [("conv1", {"act. bytes": "290,000"})], ("conv1", "act. bytes"), (),
     False),
    ("k-base", "alexnet", [("conv1", {"memory (MB)": "1.11"})], ("conv1", "memory (MB)"), (),
     True),                                         # 1,161,600 B is 1.16 MB, 1.11 MiB
    ("k-base", "alexnet", [("conv1", {"memory (MB)": "1.0"})], ("conv1", "memory (MB)"), (),
     False),
    ("in-place", "alexnet", [("conv1", {"memory": "290,400"}), ("relu1", {"memory": "290,400"}),
                             ("pool1", {"memory": "69,984"}), ("relu2", {"memory": "0"}),
                             ("relu3", {"memory": "0"})], ("relu1", "memory"), (), True),
    ("in-place", "alexnet", [("relu1", {"memory": "290,000"}), ("relu2", {"memory": "0"}),
                             ("relu3", {"memory": "0"})], ("relu1", "memory"), (), False),
    ("copied", "alexnet", [("conv4", {"C": "384"}), ("conv5", {"C": "384"})], ("conv5", "C"),
     (), True),
    ("copied", "alexnet", [("conv4", {"C": "384"}), ("conv5", {"C": "300"})], ("conv5", "C"),
     (), False),
    ("not-whole", "alexnet", [("conv1", {"W": "(224-11)/4+1 = 54.25"})], ("conv1", "W"), (),
     True),
    ("not-whole", "alexnet", [("conv1", {"W": "56"})], ("conv1", "W"), (), False),
    ("order", "alexnet", [("norm1", {"W": "27"})], ("norm1", "W"), (), True),   # CS231n's
    ("order", "alexnet", [("norm1", {"W": "30"})], ("norm1", "W"), (), False),
    ("rounding", "googlenet", [("pool1", {"W": "55"})], ("pool1", "W"), (), True),
    ("rounding", "googlenet", [("pool1", {"W": "54"})], ("pool1", "W"), (), False),
]


@pytest.mark.parametrize("ident, network, rows, cell, options, fires", CASES,
                         ids=[f"{c[0]}-{'fires' if c[5] else 'not'}-{i}"
                              for i, c in enumerate(CASES)])
def test_catalogue(ident, network, rows, cell, options, fires):
    verdict, found, text, _ = ids(network, rows, cell, *options)
    assert verdict == "wrong", (verdict, text)
    assert (ident in found) == fires, (found, text)


def test_every_catalogue_entry_is_tested():
    """Each diagnosis is shown to fire, and to stay silent on a near case (the sibling's are
    test_sibling_variant's)."""
    fires = {c[0] for c in CASES if c[5]}
    silent = {c[0] for c in CASES if not c[5]}
    assert {i for i, _ in check.CATALOGUE} - {"sibling"} <= fires & silent


def test_sibling_variant(tmp_path):
    key = cli("quiz", "vgg13", "--answers", "--format", "csv").output
    p = tmp_path / "vgg13.csv"
    p.write_text(key, encoding="utf-8")
    r = cli("check", "vgg16", p, "--by-order")
    # Aligned by kind and order, every row of VGG-13's key is right for the VGG-16 layer of its
    # kind and place, and VGG-16's third conv of stages 3-5 has no row: said, and VGG-13 named.
    assert r.exit_code == 0, r.output
    assert "no row for: conv3_3/conv, conv4_3/conv, conv5_3/conv" in r.output
    assert "the table fits vgg13 better than vgg16" in r.output
    # Matched by name (VGG-13's layer names are VGG-16's too), the same.
    r = cli("check", "vgg16", p)
    assert r.exit_code == 0 and "the table fits vgg13 better than vgg16" in r.output
    assert "no row for: conv3_3/conv, conv4_3/conv, conv5_3/conv" in r.output
    # Its total is VGG-13's: wrong for VGG-16, and the diagnosis says whose it is.
    total = engine.analyse(spec.load("vgg13")).totals.params
    p.write_text(key.rstrip("\n") + f"\ntotal,,,,,{total},\n", encoding="utf-8")
    r = cli("check", "vgg16", p, "--by-order")
    assert r.exit_code == 1 and "right for vgg13's layer" in r.output
    own = tmp_path / "vgg16.csv"
    own.write_text(cli("quiz", "vgg16", "--answers", "--format", "csv").output, encoding="utf-8")
    r = cli("check", "vgg16", own, "--by-order")
    assert r.exit_code == 0 and "fits" not in r.output


def test_value_right_but_working_wrong():
    cells = mark("alexnet", [("conv1", {"W": "(224-11)/4+1 = 55"})])
    c = cells[("conv1", "W")]
    assert c["verdict"] == "wrong" and "gives 54" in c["diagnosis"]


def test_a_size_formula_is_rounded_as_its_layer_rounds():
    # At 224 the formula itself gives 54.25, which the conv floors: the formula alone is right,
    # and a conv is floored whatever the pooling convention.
    for opts in ((), ("--ceil",)):
        cells = mark("alexnet", [("conv1", {"W": "(224-11)/4+1"})], "--input", "224", *opts)
        assert cells[("conv1", "W")]["verdict"] == "right"
    # At 227 the formula gives a whole number, so a formula giving a fraction is wrong working.
    cells = mark("alexnet", [("conv1", {"W": "(224-11+4)/4+1"})])
    assert cells[("conv1", "W")]["verdict"] == "wrong"


def test_pooling_convention_decided_from_the_cells():
    """AlexNet at 224 pools 26.5 → 26 (floored, as the spec says); a table written in Caffe's
    ceil mode (27, 13, 6) is marked under that convention, and says so."""
    table = "layer\tW\npool1\t27\npool2\t(27-3)/2+1\npool3\t6\n"
    r = cli("check", "alexnet", "-", "--input", "224", input=table)
    assert r.exit_code == 0, r.output
    assert "pooling: all in ceil mode" in r.output
    r = cli("check", "alexnet", "-", "--input", "224", "--floor", input=table)
    assert r.exit_code == 1 and "rounded up, but this layer is floored" in r.output
    # GoogLeNet floored does not fit (pool5's 7×7 window on 6×6): said, and the spec is kept.
    r = cli("check", "googlenet", "-", "--floor", input="layer\tW\npool1\t(112-3)/2+1\n")
    assert r.exit_code == 0 and "does not fit" in r.output


def test_convention_detection_flops_and_k1024(tmp_path):
    cells = mark("alexnet", [("conv1", {"MACs": "210,830,400"}), ("conv2", {"MACs": "895.8M"})])
    assert all(c["verdict"] == "right" for c in cells.values())
    cells = mark("alexnet", [("fc6", {"params": "36M"}), ("fc7", {"params": "16M"})])
    assert all(c["verdict"] == "right" for c in cells.values()), cells


def test_output_column_in_either_order():
    cells = mark("alexnet", [("conv1", {"C": "96"})])
    assert cells[("conv1", "C")]["verdict"] == "right"
    for text in ("55x55x96", "96x55x55", "[55 × 55 × 96]"):
        p = "layer\toutput\nconv1\t" + text + "\npool1\t" + (
            "96x27x27" if text.startswith("96") else "27x27x96") + "\n"
        r = cli("check", "alexnet", "-", input=p)
        assert r.exit_code == 0, (text, r.output)
    r = cli("check", "alexnet", "-", input="layer\toutput\nconv1\t55x55x96\npool1\t27x27x256\n")
    assert r.exit_code == 1 and "pooling changed the channel count" in r.output


def test_readme_sample_is_the_current_output(tmp_path, monkeypatch):
    import re

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    sec = readme[readme.index("### `archcalc check`"):]
    blocks = re.findall(r"```text\n(.*?)```", sec, re.S)
    table, out = blocks[0], blocks[1]
    monkeypatch.chdir(tmp_path)
    Path("homework.md").write_text(table, encoding="utf-8")
    r = cli("check", "alexnet", "homework.md")
    assert r.exit_code == 1 and r.output == out


def test_readme_states_the_limits():
    from archcalc.homework import expr

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"| an answers file for `check` | {answers.MAX_BYTES:,} bytes" in readme
    assert (f"| a cell of an answers table | {expr.MAX_CHARS:,} characters; {expr.MAX_TOKENS} "
            f"numbers and operators; parentheses {expr.MAX_DEPTH} deep; no value beyond "
            f"10^{expr.MAX_DIGITS}") in readme


@pytest.mark.parametrize("text, verdict", [
    ("34,848 weights", "right"), ("(11 * 11 * 3) * 96 개 = 35K", "right"), ("35 K", "right"),
    ("~35K", "right"), ("**34,848**", "right"), ("3 x", "unread"), ("34,848 x", "unread"),
])
def test_cells_as_people_write_them(text, verdict):
    cells = mark("alexnet", [("conv1", {"params": text})], "--no-bias")
    assert cells[("conv1", "params")]["verdict"] == verdict


def test_a_file_with_several_tables_and_prose(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("Lecture notes\n\nInput: 227x227x3\n\n" + BLANK.read_text(encoding="utf-8")
                 + "\nThe filled one:\n\n" + FILLED.read_text(encoding="utf-8") + "\nEnd\n",
                 encoding="utf-8")
    r = cli("check", "alexnet", p, "--no-bias")
    assert r.exit_code == 0 and "this is table 1" in r.output and "24 missing" in r.output
    code, d = run_json("alexnet", p, "--table", "2")
    assert code == 1 and d["score"]["wrong"] == 2
    assert cli("check", "alexnet", p, "--table", "3").exit_code == 2


def test_a_spec_file_as_the_network(tmp_path):
    spec_file = Path(spec.specs_dir()) / "lenet5.toml"
    r = cli("check", spec_file, "-", input="layer\tparams\nC3\t1,516\nC1\t156\n")
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("name", ["alexnet", "lenet5", "googlenet", "xception"])
def test_archcalcs_own_csv_is_marked_right(name):
    """`archcalc table --format csv` has a MACs and a FLOPs column: each is decided alone."""
    table = cli("table", name, "--format", "csv").output
    code, d = run_json(name, "-", input=table)
    assert code == 0 and d["score"]["wrong"] == 0 and d["unmarked_columns"] == []
    flops = [c for c in d["cells"] if c["column"] == "flops" and c["layer"] == "conv1"]
    assert not flops or flops[0]["expected"] == 2 * next(
        c["expected"] for c in d["cells"] if c["column"] == "macs" and c["layer"] == "conv1")


def test_lenet_at_notation():
    r = cli("check", "lenet5", "-", input="layer\toutput\nC1\t6@28x28\nS2\t6@14x14\nC3\t16@10x11\n")
    assert r.exit_code == 1 and "W is 10, not 11" in r.output and "2/3" in r.output


def test_a_mixed_convention_keeps_the_default_and_marks_the_rest():
    r = cli("check", "alexnet", "-",
            input="layer\tparams\nconv1\t34,848\nconv2\t614,400\nconv3\t885,120\n")
    assert r.exit_code == 1 and "mixes both: the default holds" in r.output
    assert "conv1 params: '34,848'" in r.output and "forgot the biases" in r.output
    assert "conv3 params" not in r.output


def test_a_convention_needs_two_cells_and_none_against():
    one = "layer\tparams\nconv1\t34,848\n"
    r = cli("check", "alexnet", "-", "--wide", input=one)     # the convention line unwrapped
    assert r.exit_code == 1 and "one cell is not enough to leave the default" in r.output
    two = one + "conv2\t614,400\n"
    r = cli("check", "alexnet", "-", "--wide", input=two)
    assert r.exit_code == 0 and "weights only, the table does not count biases" in r.output
    # One cell in ceil mode does not switch the pooling (a d2l AlexNet's 6×6×256 would have).
    r = cli("check", "alexnet", "-", "--input", "224", "--wide", input="layer\tW\npool1\t27\n")
    assert r.exit_code == 1 and "rounded up, but this layer is floored" in r.output


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

CELLS = st.one_of(st.sampled_from(["", "-", "55", "11x11x3x96 = 34,848", "35K", "1.3M", "9^9^9",
                                   "(227-11)/4+1", "55x55x96", "6@28x28", "= 3", "1,3", "x",
                                   "34,944 params", "2^-1", "1/0", "((((", "NaN", "∞"]),
                  st.text(max_size=12))
NAMES = st.one_of(st.sampled_from(["conv1", "MaxPool1", "Conv 2", "total", "input", "fc6", ""]),
                  st.text(max_size=8))
HEADERS = st.sampled_from(["W", "H", "C", "output", "params", "MACs", "FLOPs", "memory",
                           "# of Parameter", "Params (M)", "GFLOPs", "notes", "?"])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(HEADERS, min_size=1, max_size=4),
       st.lists(st.tuples(NAMES, st.lists(CELLS, min_size=4, max_size=4)), max_size=6),
       st.sampled_from(["\t", "csv", "md"]))
def test_any_table_is_marked_or_refused_never_a_traceback(headers, rows, fmt):
    def line(cells):
        if fmt == "\t":
            return "\t".join(c.replace("\t", " ").replace("\n", " ") for c in cells)
        if fmt == "md":
            return "| " + " | ".join(c.replace("|", "/").replace("\n", " ") for c in cells) + " |"
        return ",".join('"' + c.replace('"', "'").replace("\n", " ") + '"' for c in cells)

    head = ["layer"] + headers
    lines = [line(head)] + (["|" + "---|" * len(head)] if fmt == "md" else [])
    lines += [line([n] + cells[:len(headers)]) for n, cells in rows]
    r = cli("check", "alexnet", "-", input="\n".join(lines) + "\n")
    assert r.exit_code in (0, 1, 2), r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert "Traceback" not in r.output


@pytest.mark.parametrize("header, cell, verdict", [
    ("Output (C×H×W)", "96x55x55", "right"), ("output size (H x W x C)", "96x55x55", "wrong"),
    ("Shape [HxWxC]", "55x55x96", "right"), ("Output", "96x55x55", "right"),
])
def test_the_header_may_give_the_output_order(header, cell, verdict):
    r = cli("check", "alexnet", "-", "--format", "json", input=f"layer\t{header}\nconv1\t{cell}\n")
    assert json.loads(r.output)["cells"][0]["verdict"] == verdict


def test_sibling_variant_with_a_wrong_output_column(tmp_path):
    """A wrong shape was diagnosed while the cells were still being marked, before the
    siblings could be: the sibling note was lost for any table with a wrong output cell."""
    key = cli("quiz", "vgg13", "--answers", "--format", "csv").output.splitlines()
    rows = [key[0] + ",output"] + [ln + "," for ln in key[1:]]
    rows[1] = rows[1][:-1] + ',"224x224x128"'          # conv1_1 is 224×224×64
    p = tmp_path / "vgg13.csv"
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    r = cli("check", "vgg16", p, "--by-order")
    assert r.exit_code == 1
    assert "C is 64, not 128" in r.output
    assert "the table fits vgg13 better than vgg16" in r.output


def test_check_is_split_and_only_variants_runs_the_engine():
    """Each part of `check` is one module small enough to read at once; the analysis is passed
    in, and only `variants` analyses anything else; quiz does not import the marker."""
    import ast

    pkg = Path(check.__file__).parent
    for f in pkg.glob("*.py"):
        src = f.read_text(encoding="utf-8")
        assert len(src.splitlines()) <= 320, f.name
        engine_used = any(
            (isinstance(n, ast.ImportFrom) and (n.module or "").endswith("core")
             and any(a.name in ("engine", "spec") for a in n.names))
            or (isinstance(n, ast.ImportFrom) and (n.module or "").endswith(("core.engine",
                                                                             "core.spec")))
            for n in ast.walk(ast.parse(src)))
        assert engine_used == (f.name == "variants.py"), f.name
    quiz_src = (pkg.parent / "quiz.py").read_text(encoding="utf-8")
    assert "from .check" not in quiz_src and "import check" not in quiz_src


# --- cells as people write them: every notation read, or "not read" with the reason ---------

@pytest.mark.parametrize("column, text, verdict", [
    ("params", "1,327,488", "right"), ("params", "1.327", "wrong"),    # one dot: a decimal point
    ("params", "1.327.488", "right"), ("params", "1'327'488", "right"),
    ("params", "1 327 488", "right"), ("params", "13,27,488", "right"),  # Indian grouping
    ("params", "1,3M", "rounded"), ("params", "1.3 million", "rounded"),
    ("params", "1.33 Mio", "rounded"), ("params", "132.7万", "rounded"),
    ("params", "1327K", "rounded"), ("params", "1300K", "rounded"),   # 13×10⁵: zeros not figures
    ("params", "1000K", "rounded"), ("params", "2000K", "wrong"),
    ("params", "384(3*3*384)+384", "right"),
    ("params", "ditto", "unread"),                                   # nothing above to repeat
    ("output", "(13, 13, 384)", "right"), ("output", "[1, 384, 13, 13]", "right"),
    ("output", "(None, 13, 13, 384)", "right"), ("output", "torch.Size([1, 384, 13, 13])", "right"),
    ("output", "[-1, 384, 13, 13]", "right"), ("output", "13 x 13 x 384", "right"),
    ("output", "(13,13,385)", "wrong"), ("output", "13x13", "right"), ("output", "13x", "unread"),
])
def test_notations_of_numbers_and_shapes(column, text, verdict):
    r = cli("check", "alexnet", "-", "--format", "json", "--bias",
            input=f"layer\t{column}\nconv4\t{text}\n")
    c = json.loads(r.output)["cells"][0]
    assert ("rounded" if c["rounded"] else c["verdict"]) == verdict, c


def test_vectors_and_their_notations():
    for text in ("4096", "(4096, 1)", "(None, 4096)", "1x1x4096", "[1, 4096]", "4,096"):
        r = cli("check", "alexnet", "-", "--format", "json", input=f"layer\toutput\nfc7\t{text}\n")
        assert json.loads(r.output)["cells"][0]["verdict"] == "right", text


def test_ditto_repeats_the_cell_above():
    text = "layer\tC\tparams\nconv3\t384\t885,120\nconv4\t〃\tsame\nconv5\t\"\t〃\n"
    r = cli("check", "alexnet", "-", "--format", "json", input=text)
    cells = {(c["row"], c["column"]): c for c in json.loads(r.output)["cells"]}
    assert cells[("conv4", "C")]["verdict"] == "right" and cells[("conv4", "C")]["as_above"] == 2
    assert cells[("conv4", "params")]["verdict"] == "wrong"          # conv4 has 1,327,488
    assert cells[("conv5", "C")]["verdict"] == "wrong"               # 384 repeated; it is 256


def test_unread_is_counted_apart_and_nothing_answered_is_exit_1():
    code, d = run_json("alexnet", "-", input="layer\tparams\nconv1\t34,944\nconv2\t12 maybe 3\n")
    assert code == 0 and d["score"]["unread"] == 1 and d["score"]["marked"] == 1
    r = cli("check", "alexnet", "-", input="layer\tparams\nconv1\t\nconv2\t?\n")
    assert r.exit_code == 1 and "nothing answered" in r.output


def test_rounded_cells_carry_their_precision():
    code, d = run_json("alexnet", "-", input="layer\tmemory\npool1\t27*27*96=70K\n")
    c = d["cells"][0]
    assert c["verdict"] == "right" and c["rounded"] and c["precision"] == {"from": 65000,
                                                                          "to": 75000}
    assert d["score"]["rounded"] == 1


@pytest.mark.parametrize("header, field", [
    ("Activation Shape", "output"), ("Activation Size", "activations"), ("# Parameters", "params"),
    ("Param #", "params"), ("Output Shape", "output"), ("파라미터 수", "params"),
    ("출력 크기", "output"), ("参数量", "params"), ("输出尺寸", "output"), ("パラメータ数", "params"),
    ("Ausgabegröße", "output"), ("Paramètres", "params"), ("Параметры", "params"),
    ("Feature Map", "C"), ("Size (Stride/Padding)", "describes"), ("Mult-Adds", "macs"),
])
def test_header_vocabulary(header, field):
    assert answers.column(0, header).field == field


@pytest.mark.parametrize("header, unit", [
    ("Params (M)", "M"), ("params (k)", "K"), ("flop (M)", "M"), ("Params (10^6)", "M"),
    ("params in millions", "M"), ("FLOPs (x10^9)", "G"), ("GFLOPs", "G"),
])
def test_units_read_from_the_header(header, unit):
    assert answers.column(0, header).unit == unit


# --- teacher mode: a folder of submissions in one run ---------------------------------------

def test_gradebook_marks_every_submission_and_never_stops(tmp_path):
    good = tmp_path / "good.tsv"
    good.write_bytes(FILLED.read_bytes())
    empty = tmp_path / "empty.tsv"
    empty.write_text("layer\tparams\nconv1\t\nconv2\t\n", encoding="utf-8")
    junk = tmp_path / "junk.txt"
    junk.write_text("no table here\n", encoding="utf-8")
    book = tmp_path / "book.csv"
    r = cli("check", "alexnet", good, empty, junk, tmp_path / "absent.tsv", "--gradebook", book)
    assert r.exit_code == 1, r.output
    import csv as _csv

    rows = list(_csv.reader(book.read_text(encoding="utf-8").splitlines()))
    assert rows[0][:3] == ["file", "score", "right"]
    assert [row[0] for row in rows[1:]] == [str(good), str(empty), str(junk),
                                           str(tmp_path / "absent.tsv")]
    g = rows[1]
    assert g[1] == "30/32" and g[4] == "2" and "Conv3 # of Parameter" in g[7]
    assert "formula right, product wrong" in g[8]
    assert rows[2][9] == "nothing answered"
    assert "no table found" in rows[3][9] and "no such file" in rows[4][9]
    assert f"gradebook: {book} (4 submissions)" in r.output
    # The gradebook is never overwritten without --force, and the refusal is exit 2.
    r = cli("check", "alexnet", good, "--gradebook", book)
    assert r.exit_code == 2 and "--gradebook" in r.output
    r = cli("check", "alexnet", good, "--gradebook", book, "--force")
    assert r.exit_code == 1 and len(book.read_text(encoding="utf-8").splitlines()) == 2


def test_gradebook_goes_through_the_safe_write_of_out(tmp_path, monkeypatch):
    """`--gradebook 1` wrote a CSV file named `1` (issue 14). A gradebook's name must end in
    .csv (a name without it is refused, exit 2, nothing written: `1` is likelier a slip than a
    wish), and the file is written as --out is: never over a file without --force, never
    through a dangling symbolic link, whole or not at all."""
    monkeypatch.chdir(tmp_path)
    good = tmp_path / "good.tsv"
    good.write_bytes(FILLED.read_bytes())
    for name in ("1", "marks.txt", "marks", ""):
        r = cli("check", "alexnet", good, "--gradebook", name)
        assert r.exit_code == 2, (name, r.output)
        assert "--gradebook" in r.output and "FILE.csv" in r.output and "Traceback" not in r.output
    assert "did you mean --gradebook 1.csv?" in cli("check", "alexnet", good, "--gradebook",
                                                    "1").output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.tsv"]
    link = tmp_path / "book.csv"
    link.symlink_to(tmp_path / "nowhere" / "book.csv")
    r = cli("check", "alexnet", good, "--gradebook", link, "--force")
    assert r.exit_code == 2 and "symbolic link" in r.output and "--gradebook" in r.output
    assert not (tmp_path / "nowhere").exists()
    r = cli("check", "alexnet", good, "--gradebook", "MARKS.CSV")
    assert r.exit_code == 1 and (tmp_path / "MARKS.CSV").read_text(encoding="utf-8").startswith(
        "file,score")
    # Whole or not at all: a write that fails leaves the old gradebook as it was, and no
    # temporary file behind.
    from archcalc.core import files

    def fail(*a, **k):
        raise OSError(28, "No space left on device")

    before = (tmp_path / "MARKS.CSV").read_bytes()
    monkeypatch.setattr(files.os, "replace", fail)
    r = cli("check", "alexnet", good, good, "--gradebook", "MARKS.CSV", "--force")
    assert r.exit_code == 2 and "Traceback" not in r.output, r.output
    assert (tmp_path / "MARKS.CSV").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["MARKS.CSV", "book.csv", "good.tsv"]


def test_several_submissions_without_a_gradebook():
    r = cli("check", "alexnet", FILLED, BLANK, "--no-bias")
    assert r.exit_code == 1 and r.output.count("score:") == 2
    r = cli("check", "alexnet", FILLED, FILLED, "--format", "json")
    assert [d["score"]["text"] for d in json.loads(r.output)] == ["30/32", "30/32"]


def test_api_gradebook():
    from archcalc import api

    text = api.gradebook([("a.tsv", FILLED.read_text(encoding="utf-8")), ("b", "nothing")],
                         api.load("alexnet"))
    lines = text.splitlines()
    assert lines[1].startswith("a.tsv,30/32,30,") and "no table found" in lines[2]


def test_by_order_reads_a_path_labels_last_part(tmp_path):
    """'conv2_1/bn1' is a batch norm (its last part), not a conv: a residual network's quiz
    key aligned by order, with its BN rows, is marked right row for row."""
    p = tmp_path / "r18.csv"
    p.write_text(cli("quiz", "resnet18", "--answers", "--format", "csv").output, encoding="utf-8")
    r = cli("check", "resnet18", p, "--by-order")
    assert r.exit_code == 0 and "not matched" not in r.output, r.output[-800:]


@pytest.mark.parametrize("fmt, kind", [("text", "text table"), ("latex", "LaTeX table"),
                                       ("html", "HTML table"), ("json", "JSON table")])
def test_archcalcs_own_table_in_every_format_is_read(fmt, kind):
    """`archcalc table --format text` (a blank cell stays in its column under the dashes), the
    LaTeX tabular, the HTML table and the JSON are read as tables and marked all right."""
    table = cli("table", "lenet5", "--format", fmt).output
    r = cli("check", "lenet5", "-", input=table)
    assert f"a {kind} " in r.output, r.output
    code, d = run_json("lenet5", "-", input=table)
    assert code == 0 and d["score"]["wrong"] == 0 and not d["unmatched_rows"], d["score"]
    assert d["score"]["marked"] >= 13 * 4 and not d["unmarked_columns"]
    rows = {c["row"] for c in d["cells"]}
    assert {"C1", "S2", "C3", "F6", "output", "total"} <= rows


def test_a_ruled_text_table_keeps_blank_cells_in_their_column():
    text = ("layer   K/S/P      H    W    C   params\n"
            "------  -------  ---  ---  ---  -------\n"
            "conv1   11 s4     55   55   96   34,944\n"
            "relu1             55   55   96        0\n"
            "fc6                         4096  37,752,832\n")
    code, d = run_json("alexnet", "-", input=text)
    got = {(c["row"], c["column"]): c["verdict"] for c in d["cells"]}
    assert got[("relu1", "H")] == got[("relu1", "C")] == "right"
    assert got[("fc6", "params")] == "right" and ("fc6", "H") not in got


def test_receptive_field_columns_are_marked():
    """`table --rf`'s columns (RF, jump, start) are marked; a square field may be written as
    one number, a global one as 'global' with no jump or start. AlexNet's conv2 sees 51×51
    input pixels, 8 apart, starting at −16 (CS231n's receptive field arithmetic)."""
    text = ("layer\tRF\tjump\tstart\tRF via\nconv1\t11\t4\t0\t\npool1\t19x19\t8\t0\t\n"
            "conv2\t51\t8\t-15\t\nnorm2\t51×51\t8\t-16\t\nfc6\tglobal\t-\t-\t\n")
    code, d = run_json("alexnet", "-", input=text)
    got = {(c["row"], c["column"]): c["verdict"] for c in d["cells"]}
    assert got.pop(("conv2", "start")) == "wrong"
    assert set(got.values()) == {"right"} and len(got) == 12
    assert d["unmarked_columns"] == [] and code == 1
    conv2 = next(c for c in d["cells"] if (c["row"], c["column"]) == ("conv2", "start"))
    assert conv2["expected"] == "-16"


def test_a_row_for_a_whole_stage_or_every_layer_of_a_kind():
    """`conv2_x` (ResNet's Table 1), `Dense Block (1)`, `Inception (3a)` and `all BN layers`
    stand for several layers: marked against their sum (and a stage's output, its last
    layer's), never lost; one layer's value for the stage is diagnosed."""
    text = ("layer\toutput\tparams\nconv1\t112x112x64\t9,408\nconv2_x\t56x56x64\t147,968\n"
            "conv3_x\t28x28x128\t73,728\nall BN layers\t\t9,600\n")
    code, d = run_json("resnet18", "-", input=text)
    assert code == 1 and not d["unmatched_rows"]
    got = {(c["row"], c["column"]): c for c in d["cells"]}
    assert got[("conv2_x", "params")]["verdict"] == "right"       # 2 blocks of 2 convs + 4 BN
    assert got[("conv2_x", "output")]["verdict"] == "right"
    assert got[("all BN layers", "params")]["verdict"] == "right"  # 20 BN layers, 2·C each
    assert ("all BN layers", "output") not in got
    c = got[("conv3_x", "params")]
    assert c["verdict"] == "wrong" and c["expected"] == 525_568
    assert c["diagnoses"] == ["stage-part"] and "conv3_1/conv1 alone" in c["diagnosis"]
    how = {r["row"]: r["how"] for r in d["rows"]}
    assert how == {"conv1": "name", "conv2_x": "stage", "conv3_x": "stage",
                   "all BN layers": "all"}
    # 3a by hand: 192·64+64 + 192·96+96 + 9·96·128+128 + 192·16+16 + 25·16·32+32 + 192·32+32
    code, d = run_json("googlenet", "-", input="layer\tparams\nInception (3a)\t163,696\n")
    assert code == 0, d["cells"]
    # torchvision densenet121's features.denseblock1: 335,040 parameters
    code, d = run_json("densenet121", "-", input="layer\tparams\nDense Block (1)\t335,040\n")
    assert code == 0, d["cells"]


def test_the_readmes_gradebook_example(tmp_path, monkeypatch):
    """The README's teacher-mode example, run: --bias catches the student who leaves out every
    bias (3/3 without it), and a file with no table is a row saying why."""
    import shutil

    monkeypatch.chdir(tmp_path)
    shutil.copy(DATA / "alexnet-seed-filled.tsv", "ana.tsv")
    shutil.copy(DATA / "alexnet-seed-blank.tsv", "ben.tsv")
    Path("chen.tsv").write_text("layer\tparams\nconv1\t34,848\nconv2\t614,400\nconv3\t884,736\n",
                                encoding="utf-8")
    Path("dana.txt").write_text("my homework, sorry it is late\n", encoding="utf-8")
    r = cli("check", "alexnet", "ana.tsv", "ben.tsv", "chen.tsv", "dana.txt", "--bias",
            "--gradebook", "marks.csv")
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    shown = readme.split("$ archcalc check alexnet ana.tsv ben.tsv chen.tsv dana.txt --bias "
                         "--gradebook marks.csv\n")[1].split("```")[0]
    lines = [x.strip() for x in shown.strip().splitlines()]
    said = [x for x in r.output.splitlines() if x.strip()]
    assert r.exit_code == 1 and said == lines
    book = Path("marks.csv").read_text(encoding="utf-8")
    assert book.splitlines()[3].startswith('chen.tsv,0/3,0,0,3,0,0,"conv1 params: 34,848 '
                                           '(expected 34,944); ')
    assert cli("check", "alexnet", "chen.tsv").output.rstrip().endswith(
        "score: 3/3 marked cells right (0 wrong, 0 missing)")


def test_several_submissions_each_name_their_step(tmp_path, monkeypatch):
    """A teacher's run names the submission it is marking, as the step a terminal's status line
    shows (core.progress, drawn by cli.Ticker): no progress bar of its own on standard error."""
    from archcalc import commands
    from archcalc.core import progress

    said = []
    monkeypatch.setattr(progress, "step", said.append)
    for name in ("a.tsv", "b.tsv"):
        (tmp_path / name).write_text("layer\tparams\nconv1\t34,944\n", encoding="utf-8")
    text, code = commands.check("alexnet", [str(tmp_path / "a.tsv"), str(tmp_path / "b.tsv")])
    assert code == 0 and text.count("1/1") == 2
    assert [s for s in said if s.startswith("marking")] == [
        f"marking {tmp_path / 'a.tsv'} (1 of 2)", f"marking {tmp_path / 'b.tsv'} (2 of 2)"]


def test_check_help_lists_every_column_field_check_accepts():
    """`check --help` listed 8 of the fields `--column HEADER=FIELD` accepts (issue 14): it
    lists them from the one vocabulary, each one accepted."""
    import re

    text = " ".join(cli("check", "--help").output.split())
    listed = re.search(r"Read the column headed HEADER as FIELD \(([^)]*)\)", text).group(1)
    listed = listed.split(", ")
    assert set(listed) == set(answers.FIELDS) | {"name"}
    for field in listed:
        r = cli("check", "alexnet", "-", "--column", f"Mine={field}",
                input="layer\tMine\nconv1\t1\n")
        assert "--column" not in r.output, (field, r.output)
    r = cli("check", "alexnet", "-", "--column", "Mine=nothing", input="layer\tW\nconv1\t55\n")
    assert r.exit_code == 2 and "training_flops" in r.output


def test_bytes_as_table_units_si_prints_them():
    """`table --memory --units si` prints bytes as "9.41 kB (9.19 KiB)" (decimal, then binary)
    and "312 B": check read the first as unreadable and the second as 312 billion. In a bytes
    column they are 9,410 ± 5 bytes (decimal whatever the table's K) and 312 bytes; elsewhere
    "1.2B" is still 1.2 billion."""
    from archcalc.homework.check.reading import read_cell

    assert read_cell("312 B", 1000, "", "param_bytes").final.value == 312
    v = read_cell("9.41 kB (9.19 KiB)", 1024, "", "activation_bytes").final
    assert v.matches(9408) and not v.matches(9408 * 1024 // 1000 + 20)
    assert read_cell("0.58 MB (0.55 MiB)", 1000, "", "activation_bytes").final.matches(580_800)
    assert read_cell("1.2B", 1000, "", "params").final.value == 1_200_000_000
    table = "layer\tparam bytes\nC1\t312 B\nS2\t24 B\n"
    r = cli("check", "lenet5", "-", "--dtype", "fp16", input=table)
    assert "score: 2/2" in r.output, r.output
