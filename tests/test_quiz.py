"""`archcalc quiz`: formats, seeds, the key, and the round trip quiz → filled answers → check
at 100 % for every bundled network."""

from __future__ import annotations

import csv
import io
from functools import lru_cache

import pytest
from click.testing import CliRunner

from archcalc.homework import answers, check, quiz
from archcalc.core import engine, spec
from archcalc.cli import main

NETWORKS = sorted(spec.catalogue())


def cli(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


@lru_cache(maxsize=None)
def analysed(name):
    return engine.analyse(spec.load(name))


def test_same_seed_same_quiz_and_blanks_only_in_chosen_columns():
    a = cli("quiz", "alexnet", "--seed", "7", "--format", "csv").output
    assert a == cli("quiz", "alexnet", "--seed", "7", "--format", "csv").output
    assert a != cli("quiz", "alexnet", "--seed", "8", "--format", "csv").output
    rows = list(csv.DictReader(io.StringIO(cli("quiz", "alexnet", "--blank", "params",
                                               "--format", "csv").output)))
    assert all(r["params"] == "" for r in rows)
    assert rows[0]["W"] == "55" and rows[0]["MACs"] == "105415200"
    assert rows[0]["given"] == "conv 96, 11×11 s4 p0"


def test_fraction_and_default_blanks():
    q = quiz.build(analysed("alexnet"))
    assert len(q.blank) == sum(1 for row in q.rows for c in row[2:] if c != "")
    half = quiz.build(analysed("alexnet"), seed=1)
    assert len(half.blank) == round(len(q.blank) / 2)
    assert quiz.build(analysed("alexnet"), seed=1, fraction=0).blank == frozenset()


def test_answers_show_the_working():
    out = cli("quiz", "alexnet", "--answers").output
    assert "conv1, params: params = 11·11·3·96 = 34,848 weights + 96 biases = 34,944" in out
    assert "34,944" in out.split("working:")[0]


@pytest.mark.parametrize("fmt, marker", [("text", "?"), ("markdown", "| layer"),
                                         ("latex", "\\toprule"), ("csv", "layer,given,W")])
def test_formats(fmt, marker):
    r = cli("quiz", "lenet5", "--format", fmt)
    assert r.exit_code == 0 and marker in r.output


def test_latex_key_is_escaped():
    out = cli("quiz", "googlenet", "--format", "latex", "--answers", "--blank", "C").output
    assert "3a/concat" in out and "\\_" in out and "×" not in out


def test_bad_blank_column():
    r = cli("quiz", "alexnet", "--blank", "W,parms")
    assert r.exit_code == 2 and "did you mean 'params'" in r.output


def fill(blank_csv: str, key_csv: str) -> str:
    """The student's work: the blank quiz with every blank cell filled from the key."""
    blank = list(csv.reader(io.StringIO(blank_csv)))
    key = list(csv.reader(io.StringIO(key_csv)))
    assert len(blank) == len(key)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    for b, k in zip(blank, key):
        w.writerow([x if x else y for x, y in zip(b, k)])
    return out.getvalue()


@pytest.mark.parametrize("name", NETWORKS)
def test_round_trip_every_network(name):
    a = analysed(name)
    q = quiz.build(a, seed=5)
    filled = fill(quiz.render(q, "csv"), quiz.render(q, "csv", answers=True))
    table = answers.parse(filled, name, answers.recognised)
    res = check.check(a, table)
    assert res.unmatched == [] and res.unmarked == []
    assert res.wrong == 0 and res.missing == 0, [
        (c.row, c.column, c.given, c.expected, c.diagnosis) for c in res.cells
        if c.verdict != "right"][:5]
    assert res.right == len(q.blank) + sum(
        1 for i, row in enumerate(q.rows) for j, c in enumerate(row)
        if j >= 2 and c != "" and (i, j) not in q.blank)


def test_round_trip_through_the_command_line(tmp_path):
    key = cli("quiz", "xception", "--answers", "--format", "csv", "--no-bias").output
    p = tmp_path / "x.csv"
    p.write_text(key, encoding="utf-8")
    r = cli("check", "xception", p)
    assert r.exit_code == 0, r.output[-2000:]


def test_markdown_quiz_is_read_by_check_too():
    key = cli("quiz", "googlenet", "--answers", "--format", "markdown").output
    table = key.split("**working:**")[0]
    r = cli("check", "googlenet", "-", input=table)
    assert r.exit_code == 0, r.output[-1500:]
    blank = cli("quiz", "googlenet", "--format", "markdown").output
    r = cli("check", "googlenet", "-", input=blank)       # an empty submission (issue 14)
    assert r.exit_code == 1 and "0 wrong" in r.output and "nothing answered" in r.output


def test_set_overrides_reach_quiz_check_and_explain(tmp_path):
    key = cli("quiz", "resnet18", "--set", "classes=10", "--answers", "--format", "csv").output
    assert key.rstrip().endswith("fc,fc 10,,,10,5130,5120")
    p = tmp_path / "k.csv"
    p.write_text(key, encoding="utf-8")
    assert cli("check", "resnet18", p, "--set", "classes=10").exit_code == 0
    assert cli("check", "resnet18", p).exit_code == 1          # 1000 classes: fc is wrong
    assert "512·10 = 5,120" in cli("explain", "resnet18", "fc", "--set", "classes=10").output


def test_example_rows_stay_filled():
    q = quiz.build(analysed("alexnet"), example=2)
    assert all(i >= 2 for i, _ in q.blank) and any(i == 2 for i, _ in q.blank)
    out = cli("quiz", "alexnet", "--example", "2", "--format", "csv").output
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["params"] == "34944" and rows[1]["W"] == "27" and rows[2]["W"] == ""


def test_readme_sample_is_the_current_output():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    cmd = "archcalc quiz lenet5 --blank params,macs --example 1"
    out = cli(*cmd.split()[1:]).output
    assert f"$ {cmd}\n{out}```" in readme
    key = cli(*cmd.split()[1:], "--answers").output
    line = ("C3, params: params = 5·5·(3·6 + 4·9 + 6·1) = 1,500 weights + 16 biases = 1,516 "
            "(LeNet's connection table: of the 16 maps, 6 see 3, 9 see 4, 1 sees 6 input maps)")
    assert " ".join(line.split()) in " ".join(key.split())        # (the key's lines are wrapped)
    assert " ".join(line.split()) in " ".join(readme.split())


def test_every_format_holds_the_same_quiz():
    """The formats quiz gained (github, tsv, json, html) carry the CSV's cells; LaTeX is the
    layer table's (booktabs, the same escaping)."""
    args = ("quiz", "alexnet", "--seed", "3")
    rows = list(csv.reader(io.StringIO(cli(*args, "--format", "csv").output)))
    assert list(csv.reader(io.StringIO(cli(*args, "--format", "tsv").output),
                           delimiter="\t")) == rows
    import json
    import xml.etree.ElementTree as ET

    d = json.loads(cli(*args, "--format", "json").output)
    keys = [c["key"] for c in d["columns"]]
    assert [c["header"] for c in d["columns"]] == rows[0]
    for line, r in zip(rows[1:], d["rows"]):
        assert [str(r[k]) if r[k] is not None else "" for k in keys] == line
    assert len(d["blanks"]) == len(quiz.build(analysed("alexnet"), seed=3).blank) > 0
    by_name = {r["layer"]: r for r in d["rows"]}
    assert all(by_name[b["row"]][b["column"]] is None for b in d["blanks"])
    root = ET.fromstring(cli(*args, "--format", "html").output)
    cells = [[(td.text or "").replace(",", "") if j >= 2 else td.text or ""
              for j, td in enumerate(tr)] for tr in root.find("table/tbody")]
    assert cells == rows[1:]
    tex = cli(*args, "--answers", "--format", "latex").output
    assert r"\begin{tabular}{llrrrrr}" in tex and r"\toprule" in tex
    assert r"conv1 & conv 96, 11$\times$11 s4 p0 & 55 & 55 & 96 & 34,944 & 105,415,200 \\" in tex
