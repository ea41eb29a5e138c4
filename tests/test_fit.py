"""The text format fits the terminal (issue 15): COLUMNS, the terminal's width, or 100 when the
output is not a terminal; --wide prints every column and every line whole; the other formats
are untouched. The fitted table is read back, part by part, and must hold every cell the wide
table holds (bar the columns that have no cell at all)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from archcalc.cli import main
from archcalc.render import table as T


def run(*args, columns=None) -> str:
    r = CliRunner().invoke(main, list(args), env={"COLUMNS": columns})
    assert r.exit_code == 0, r.output
    return r.stdout


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


@pytest.mark.parametrize("args", [["table", "alexnet"], ["list"]])
def test_alexnet_and_list_fit_100_columns_by_default(args):
    assert widest(run(*args)) <= 100
    assert widest(run(*args, "--wide")) > 150       # 214 and 280 before issue 15 (alexnet 176 now)


def test_columns_sets_the_width():
    assert widest(run("table", "alexnet", columns="60")) <= 60
    assert widest(run("list", columns="72")) <= 72
    assert run("table", "alexnet", columns="abc") == run("table", "alexnet")   # ignored


def test_wide_is_the_whole_table_and_machine_formats_are_untouched():
    import archcalc

    t = archcalc.analyze("alexnet")
    assert run("table", "alexnet", "--wide") == t.render("text")
    assert "note" in run("table", "alexnet", "--wide").splitlines()[4]
    assert "note" not in run("table", "alexnet").splitlines()[4]   # an empty column is left out
    for fmt in ("github", "markdown", "csv", "tsv", "json", "latex", "html"):
        assert run("table", "alexnet", "--format", fmt, columns="40") == t.render(fmt)


RULE = re.compile(r"-+( {1,2}-+)*")      # one space apart where that makes a table fit


def parts(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Each part of a fitted text table: its headers and its rows (a wrapped cell joined back
    with spaces), the columns found from the rule under the headers."""
    lines = text.splitlines()
    out, i = [], 1
    while i < len(lines):
        if not RULE.fullmatch(lines[i]):
            i += 1
            continue
        spans = [m.span() for m in re.finditer(r"-+", lines[i])]

        def cells(x: str) -> list[str]:
            return [x[a:len(x) if k == len(spans) - 1 else b].strip()
                    for k, (a, b) in enumerate(spans)]

        headers, rows, i = cells(lines[i - 1]), [], i + 1
        while i < len(lines) and lines[i]:
            if not RULE.fullmatch(lines[i]):          # (the rule above the totals)
                c = cells(lines[i])
                if c[0] or not rows:
                    rows.append(c)
                else:             # a continuation line of a wrapped cell
                    rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], c)]
            i += 1
        out.append((headers, rows))
    return out


def joined(text: str) -> list[list[str]]:
    """The fitted table's rows, its parts put side by side again (each part repeats the first
    column)."""
    ps = parts(text)
    rows = [list(r) for r in ps[0][1]]
    for _, more in ps[1:]:
        assert [r[0] for r in more] == [r[0] for r in rows]
        for r, m in zip(rows, more):
            r += m[1:]
    return rows


@pytest.mark.parametrize("columns", ["100", "80", "60", "45"])
def test_every_cell_is_kept_at_every_width(columns):
    wide = parts(run("table", "resnet18", "--memory", "--rf", "--wide"))
    assert len(wide) == 1
    headers, rows = wide[0]
    filled = [k for k in range(len(headers)) if any(r[k] for r in rows)]
    expected = [[r[k] for k in filled] for r in rows]
    fitted = run("table", "resnet18", "--memory", "--rf", columns=columns)
    assert widest(fitted) <= int(columns)
    assert joined(fitted) == expected


def test_long_text_cells_wrap_and_footers_keep_every_word():
    wide, fitted = run("list", "--wide"), run("list")
    assert joined(fitted) == parts(wide)[0][1]
    foot = run("table", "resnet50", "--wide").split("\n\nparams:")[1]
    fitted_foot = run("table", "resnet50").split("\n\nparams:")[1]
    assert fitted_foot.split() == foot.split()
    assert widest(fitted_foot) <= 100
    assert "\n      leaves" in fitted_foot or "\n      window" in fitted_foot   # under a [n] note


def test_a_split_table_says_so():
    out = run("table", "resnet50", "--memory", "--rf")
    assert "the table is in 2 parts to fit 100 columns (--wide: one table)" in out
    assert "shortened headers: acts = activations" in out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.text("ab c-", max_size=30), min_size=3, max_size=3), min_size=1,
                max_size=6),
       st.lists(st.integers(0, 10 ** 12), min_size=6, max_size=6),
       st.integers(20, 120))
def test_any_table_fits_when_its_numbers_can(texts, numbers, width):
    cols = [T.Column("name", "name"), T.Column("a", "a long header"), T.Column("b", "b"),
            T.Column("n", "n", "count")]
    rows = [[f"r{i}", x[1], x[2], numbers[i]] for i, x in enumerate(texts)]
    out = T.render(T.Table(cols, rows, foot=["a foot line " * 12]), "text", width)
    lines = out.splitlines()
    # (the narrowest a part can be: the first column, "name", beside the widest number)
    assert max(map(len, lines)) <= max(width, len("name") + 2 + len(f"{10**12:,}"))
    got = {r[0]: r for r in joined(out)}
    shown = [[T.show(c, v) for c, v in zip(cols, r)] for r in rows]
    filled = [k for k in range(len(cols)) if k == 0 or any(x[k] for x in shown)]
    for x in shown:
        kept = [x[k] for k in filled]
        assert ["".join(y.split()) for y in got[x[0]]] == ["".join(y.split()) for y in kept]


# --- issue 15: the tables that were split or wrapped where they can fit -----------------------

@pytest.mark.parametrize("network", ["alexnet", "resnet50", "resnet152", "vgg19-bn", "mobilenet_v2"])
def test_training_fits_in_one_table(network):
    """`table NET --training` was cut into two parts at 100 columns: FLOPs, which the foot gives
    as 2 × MACs, is left out (and the line under the table says so), and where that is not
    enough the columns are set one space apart; every other cell is kept. (Ten networks whose
    layer names are long, DenseNet's and Inception-v3's, still need two parts.)"""
    fitted = run("table", network, "--training")
    assert "parts to fit" not in fitted and widest(fitted) <= 100
    assert "left out to fit 100 columns: FLOPs = 2 × MACs (--wide: every column)" in " ".join(
        fitted.split())
    (headers, rows), = parts(run("table", network, "--training", "--wide"))
    keep = [k for k, h in enumerate(headers) if h != "FLOPs" and any(r[k] for r in rows)]
    assert joined(fitted) == [[r[k] for k in keep] for r in rows]
    assert "train FLOPs" in fitted.split("\n\n")[1]


def test_by_stage_keeps_its_sigma_labels_whole():
    """`table resnet50 --by stage` wrapped 'Σ stage: 3 × bottleneck' over two lines at 100
    columns: it leaves out FLOPs (2 × MACs) instead, and each label is whole on its line."""
    out = run("table", "resnet50", "--by", "stage")
    labels = [x for x in out.split("\n\n")[1].splitlines() if "Σ" in x]
    assert len(labels) == 4 and all(re.search(r"Σ stage: \d × bottleneck", x) for x in labels)
    table = out.split("\n\n")[1].splitlines()
    assert all(x[0] != " " for x in table)           # no continuation line
    assert widest(out) <= 100 and "parts to fit" not in out


def test_rollup_json_carries_training_flops():
    """The rollup's JSON tree lacked training_flops with --training: each group has it, the
    sum of its layers' (as the flat JSON gives them), and has it only with --training."""
    import json

    flat = {x["name"]: x for x in json.loads(run("table", "resnet50", "--training", "--format",
                                                 "json"))["layers"]}
    tree = json.loads(run("table", "resnet50", "--training", "--by", "block", "--format",
                          "json"))["rollup"]["tree"]
    groups = [n for n in tree if "name" in n]
    assert groups
    for g in groups:
        names = [k for k in flat if k == g["name"] or k.startswith(g["name"] + "_")
                 or k.startswith(g["name"] + "/")]
        assert g["training_flops"] == sum(flat[k]["training_flops"] for k in names), g["name"]
    plain = json.loads(run("table", "resnet50", "--by", "block", "--format", "json"))
    assert all("training_flops" not in n for n in plain["rollup"]["tree"])


def _zoo() -> list[str]:
    from archcalc.core import spec

    return list(spec.catalogue())


# Every command's default text output (no --wide): each line at most 100 *characters* (×, →, Σ
# and ✓ are two or three bytes each in UTF-8, so a byte count would be the wrong measure).
DEFAULT_TEXT = [
    ["list"], ["compare", *_zoo()], ["table", "alexnet"], ["table", "resnet50", "--memory", "--rf"],
    ["table", "resnet50", "--training"], ["table", "resnet50", "--by", "stage"],
    ["table", "resnet50", "--depth", "2", "--training"], ["table", "googlenet", "--layout", "paper"],
    ["table", "vit_b_16", "--convention", "torchinfo"], ["quiz", "googlenet", "--seed", "1"],
    ["quiz", "alexnet", "--seed", "1", "--answers"], ["explain", "resnet50", "conv1"],
    ["check", "alexnet", "tests/data/alexnet-seed-filled.tsv"], ["verify", "lenet5"],
    ["verify", "resnet18", "--device", "meta"], ["verify", "lenet5", "alexnet", "--rows", "none"],
]


@pytest.mark.parametrize("args", DEFAULT_TEXT, ids=lambda a: " ".join(a[:4]))
def test_every_commands_default_text_fits_100_characters(args):
    r = CliRunner().invoke(main, args, env={"COLUMNS": None})
    assert r.exit_code in (0, 1), r.output
    lines = r.stdout.splitlines()
    too_long = [(len(x), x) for x in lines if len(x) > 100]
    assert not too_long, too_long[:3]


# render.table.wrap is written out to spare start-up the import of textwrap (issue 12): it must
# wrap as textwrap does, in both ways the tables use it, on text with runs of spaces, tabs,
# newlines, other whitespace that textwrap does not split at, and words longer than the line.
# Widths wider than the indents: below that, textwrap can loop for ever (CPython 3.11).
_WRAP_TEXT = st.text(alphabet=st.sampled_from(list("ab-.\u00a0      \t\n\r\x0b\x0c")),
                     max_size=80) | st.lists(
    st.text(alphabet="abcdefghij", min_size=0, max_size=25), max_size=12).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(text=_WRAP_TEXT, width=st.integers(7, 30), first=st.sampled_from(["", " ", "    "]),
       more=st.sampled_from(["", "  ", "      "]), whole=st.booleans())
def test_wrap_is_textwraps(text, width, first, more, whole):
    import textwrap

    expected = textwrap.wrap(text, width, initial_indent=first, subsequent_indent=more,
                             break_long_words=not whole, break_on_hyphens=False)
    assert T.wrap(text, width, initial_indent=first, subsequent_indent=more,
                  break_long_words=not whole) == expected


@pytest.mark.parametrize("args", [["compare", "resnet18", "resnet50", "vgg16"],
                                  ["compare", *_zoo()]], ids=["three", "zoo"])
def test_shortened_headers_keep_their_brackets(args):
    """`compare resnet18 resnet50 vgg16` cut the header 'top-1 (C)' to 'top-1 (.' to fit 100
    columns: an accuracy column's short form is 'top1 (C)', and no shortened header leaves a
    bracket open."""
    out = " ".join(run(*args).split())
    said = re.search(r"shortened headers: (.*?) (the table|$)", out)
    shorts = [x.split(" = ")[0] for x in said.group(1).split(", ")] if said else []
    assert all(s.count("(") == s.count(")") for s in shorts), shorts
    if args[1:] == ["resnet18", "resnet50", "vgg16"]:
        assert "top1 (C) = top-1 (C)" in out


def test_footers_name_lenet5s_units_only_for_lenet5():
    """Every table's footer said 'weighted layers (conv, fc; LeNet-5's subsampling and RBF
    units)', and --training's '1 × for LeNet-5's RBF units', DenseNet's too: they are named
    only where the network has them."""
    dense = " ".join(run("table", "densenet121", "--training").split())
    assert "LeNet-5" not in dense and "weighted layers (conv, fc), batch 1" in dense
    lenet = " ".join(run("table", "lenet5", "--training").split())
    assert "(conv, fc; LeNet-5's subsampling; RBF units)" in lenet
    assert "(1 × for LeNet-5's RBF units, whose fixed prototypes get no gradient)" in lenet


# --- issue 17: a table that comes in parts wraps only a part that is too wide -----------------

def test_a_part_with_room_keeps_its_text_cells_whole():
    # At a million layers the receptive field is "666667×666667" (13 characters), in the second
    # part of `table --memory --rf` at 100 columns, which had room for it; the whole table's
    # excess narrowed it to 12 first, and every row read "666667×66666" over a "7". Each part
    # now wraps only as far as it is too wide itself.
    cols = [T.Column("layer", "layer"), *[T.Column(f"n{i}", f"n{i}", "count") for i in range(6)],
            T.Column("rf", "RF"), T.Column("more", "more", "count")]
    rows = [[f"unit{i}/conv", *[10 ** 12 + i] * 6, f"{666663 + i}×{666663 + i}", 1]
            for i in range(3)]
    out = T.render(T.Table(cols, rows), "text", 100)
    assert "in 2 parts" in out
    assert widest(out) <= 100
    for i in range(3):
        assert f" {666663 + i}×{666663 + i} " in out     # whole, on one line
    assert not re.search(r"^\s+\d+$", out, re.M)          # no line holding a cut-off digit
    # A part that is too wide by itself still wraps, as little as it must.
    rows = [["a", *[1] * 6, "word " * 30, 1]]
    out = T.render(T.Table(cols, rows), "text", 40)
    assert widest(out) <= 40
    assert "word word" in out
