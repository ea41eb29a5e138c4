"""The one table renderer: its formats parsed back, its escaping, and hostile names (issue 17):
a `|`, a carriage return, a newline or an escape sequence in a layer name breaks no format."""

from __future__ import annotations

import ast
import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import archcalc
from archcalc.core.printable import printable
from archcalc.render import report, table as T
from archcalc.render.formats import FORMATS

ROOT = Path(__file__).resolve().parents[1]

HOSTILE_NAMES = ["a|b", "c\rd", "e\nf", "g\x1b[31mh\"i,j\tk<l>&m%_$", "n\u202eo\\p*q`r#s"]
HOSTILE = f'''
name = "hostile"
description = "pipes | returns \\r newlines \\n and \\u001b]0;title\\u0007 escapes"
source = "a test"
input = [3, 32, 32]
layers = [
  {{ conv = 8, k = 3, name = {json.dumps(HOSTILE_NAMES[0])} }}, "relu",
  {{ conv = 8, k = 3, name = {json.dumps(HOSTILE_NAMES[1])} }},
  {{ maxpool = 2, s = 2, name = {json.dumps(HOSTILE_NAMES[2])} }},
  {{ conv = 4, k = 1, name = {json.dumps(HOSTILE_NAMES[3])} }},
  {{ fc = 10, name = {json.dumps(HOSTILE_NAMES[4])} }},
]
'''


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "hostile.toml"
    path.write_text(HOSTILE, encoding="utf-8")
    return archcalc.analyse(str(path))


def test_printable_escapes_control_characters_only():
    assert printable("conv1") == "conv1"
    assert printable("a\rb\nc\td\x1b[0m\x07\x7f\x85") == r"a\rb\nc\td\x1b[0m\x07\x7f\x85"
    assert printable("x\u202ey\u2028") == r"x\u202ey\u2028"
    assert printable("3×3 · 10⁶ → ⌈x⌉ — 残差 ✓ é\u00a0") == "3×3 · 10⁶ → ⌈x⌉ — 残差 ✓ é\u00a0"


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_printable_output_is_one_inert_line(s):
    out = printable(s)
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in out)
    assert "\u202e" not in out and "\u2028" not in out
    if all(0x20 <= ord(ch) < 0x7F for ch in s):
        assert out == s


def test_escapes():
    assert T.latex_escape("a|b<c>d\\e") == r"a\textbar{}b\textless{}c\textgreater{}d\textbackslash{}e"
    assert T.latex_escape("x\ny") == r"x\textbackslash{}ny"
    assert T.markdown_escape("a|b\\c<d>e\nf") == r"a\|b\\c&lt;d&gt;e\\nf"
    assert T.markdown_escape("conv5_3 #1×1 [1] convolution*") == "conv5_3 #1×1 [1] convolution*"
    assert T.html_escape("<a & 'b'>\x1b") == "&lt;a &amp; &#x27;b&#x27;&gt;\\x1b"


def test_hostile_names_survive_csv_and_tsv(hostile):
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        out = report.render(hostile, fmt)
        rows = list(csv.DictReader(io.StringIO(out, newline=""), delimiter=delimiter))
        assert [r["layer"] for r in rows] == [r.name for r in hostile.rows] + ["total"]
        assert [int(r["params"]) for r in rows[:-1]] == [r.params for r in hostile.rows]


def test_hostile_names_survive_json(hostile):
    d = json.loads(report.render(hostile, "json"))
    assert [x["name"] for x in d["layers"]] == [r.name for r in hostile.rows]


def _markdown_cells(line: str) -> list[str]:
    """A Markdown table row split as GitHub splits it: at each `|` not escaped."""
    cells, cur, i = [], "", 1
    while i < len(line) - 1:
        if line[i] == "\\":
            cur += line[i:i + 2]
            i += 2
            continue
        if line[i] == "|":
            cells.append(cur.strip())
            cur = ""
        else:
            cur += line[i]
        i += 1
    return cells + [cur.strip()]


@pytest.mark.parametrize("fmt", ["github", "markdown"])
def test_hostile_names_keep_the_markdown_table_whole(hostile, fmt):
    out = report.render(hostile, fmt)
    lines = out.split("\n")
    rows = [ln for ln in lines if ln.startswith("|")]
    ncols = len(_markdown_cells(rows[0]))
    assert len(rows) == 2 + len(hostile.rows) + 1             # header, rule, layers, total
    assert all(len(_markdown_cells(r)) == ncols for r in rows)
    names = [_markdown_cells(r)[0] for r in rows[2:-1]]
    assert names == [T.markdown_escape(r.name) for r in hostile.rows]
    assert "\r" not in out and "\x1b" not in out and "\t" not in out


def test_hostile_names_are_shown_escaped_in_text(hostile):
    out = report.render(hostile, "text")
    assert "\r" not in out and "\x1b" not in out and "\t" not in out and "\u202e" not in out
    assert r"c\rd" in out and r"e\nf" in out and r"g\x1b[31m" in out and r"\x1b]0;title\x07" in out
    lines = out.split("\n")
    header = next(i for i, ln in enumerate(lines) if ln.startswith("layer"))
    body = lines[header + 2: header + 2 + len(hostile.rows)]
    assert [ln.split("  ")[0].rstrip() for ln in body] == [printable(r.name) for r in hostile.rows]


def test_hostile_names_in_latex_and_html(hostile):
    root = ET.fromstring(report.render(hostile, "html"))     # well-formed XML
    names = [tr.find("td").text for tr in root.find("table/tbody")]
    assert names == [printable(r.name) for r in hostile.rows]
    tex = report.render(hostile, "latex")
    body = [ln for ln in tex.splitlines() if ln.endswith(r"\\") and " & " in ln]
    assert all(ln.count(" & ") == body[0].count(" & ") for ln in body)
    assert "\r" not in tex and "\x1b" not in tex and "|" not in tex.replace(r"\textbar{}", "")


def test_every_format_of_a_plain_table():
    t = T.Table([T.Column("name", "name"), T.Column("n", "count", "count")],
                [["a", 1234], ["b|c", None]], totals=[["total", 1234]], title="a title",
                head=["above"], foot=["", T.Strong("bold"), T.Item("item")], blank="?")
    assert T.render(t, "text") == (
        "a title\nabove\n\nname      count\n------  -------\na         1,234\nb|c           ?\n"
        "------  -------\ntotal     1,234\n\nbold\n  item\n")
    md = T.render(t, "markdown")
    assert "| b\\|c      |           |" in md and "**bold**\n- item\n" in md
    assert list(csv.reader(io.StringIO(T.render(t, "csv")))) == [
        ["name", "n"], ["a", "1234"], ["b|c", ""], ["total", "1234"]]
    assert json.loads(T.render(t, "json"))["rows"] == [{"name": "a", "n": 1234},
                                                        {"name": "b|c", "n": None}]
    root = ET.fromstring(T.render(t, "html"))
    assert root.find("table/tfoot/tr/td").text == "total"
    assert "<strong>bold</strong>" in T.render(t, "html")
    assert r"\textbf{bold}" in T.render(t, "latex")
    for fmt in FORMATS:
        assert T.render(t, fmt) == "".join(T.chunks(t, fmt))


def test_streamed_json_is_json_dumps():
    doc = {"a": 1, "rows": T.Stream({"i": i, "s": "é\n"} for i in range(3)),
           "empty": T.Stream(iter(())), "nested": {"x": [1, {"y": None}], "e": {}},
           "later": T.Lazy(lambda: {"k": [1, 2]})}
    plain = {"a": 1, "rows": [{"i": i, "s": "é\n"} for i in range(3)], "empty": [],
             "nested": {"x": [1, {"y": None}], "e": {}}, "later": {"k": [1, 2]}}
    assert "".join(T.json_chunks(doc)) == json.dumps(plain, indent=2, ensure_ascii=False) + "\n"


def test_csv_is_written_in_pieces(monkeypatch):
    monkeypatch.setattr(T, "CHUNK", 100)
    t = T.Table([T.Column("i", "i", "count")], ([i] for i in range(1000)))
    pieces = list(T.chunks(t, "csv"))
    assert len(pieces) > 10 and "".join(pieces) == "i\n" + "".join(f"{i}\n" for i in range(1000))


def _imports(path: Path) -> set[str]:
    """The archcalc modules a module imports, resolved from relative imports."""
    pkg = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1] if node.level else []
            mod = ".".join(base + ([node.module] if node.module else []))
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


@pytest.mark.parametrize("layer", ["analysis", "core"])
def test_views_do_not_import_the_renderers(layer):
    """Data flows one way: the views of analysis/ hand data to render/, never the reverse."""
    for path in sorted((ROOT / "archcalc" / layer).rglob("*.py")):
        bad = [m for m in _imports(path) if m.startswith("archcalc.render")]
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


@pytest.mark.parametrize("net", ["googlenet", "densenet121"])
def test_paper_view_in_every_format(net):
    """The paper views (one with a total row, one without) in the formats they gained."""
    from click.testing import CliRunner

    from archcalc.cli import main

    def out(fmt):
        r = CliRunner().invoke(main, ["table", net, "--layout", "paper", "--format", fmt])
        assert r.exit_code == 0, r.output
        return r.output

    rows = list(csv.reader(io.StringIO(out("csv"))))
    assert list(csv.reader(io.StringIO(out("tsv")), delimiter="\t")) == rows
    root = ET.fromstring(out("html"))
    assert [th.text for th in root.find("table/thead/tr")] == rows[0]
    body = [[td.text or "" for td in tr] for tr in root.find("table/tbody")]
    foot = [[td.text or "" for td in tr] for tr in root.findall("table/tfoot/tr")]
    assert body + foot == rows[1:]
    tex = out("latex")
    lines = [ln for ln in tex.splitlines() if ln.endswith(r"\\") and " & " in ln]
    assert len(lines) == len(rows) and all(ln.count(" & ") == len(rows[0]) - 1 for ln in lines)
    md = [ln for ln in out("markdown").splitlines() if ln.startswith("|")]
    assert len(md) == len(rows) + 1
    assert [c.replace("**", "") for c in _markdown_cells(md[-1])] == rows[-1]
    assert all(len(_markdown_cells(ln)) == len(rows[0]) for ln in md)


JSONS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() |
    st.floats(allow_nan=False) | st.floats(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=4),
    max_leaves=20)


@given(JSONS)
@settings(max_examples=300, deadline=None)
def test_fast_dumps_is_json_dumps(v):
    assert T.dumps(v) == json.dumps(v, indent=2, ensure_ascii=False)
    assert "".join(T.json_chunks({"x": T.Stream([v, v])})) == json.dumps(
        {"x": [v, v]}, indent=2, ensure_ascii=False) + "\n"


def test_every_table_command_offers_the_same_formats():
    from archcalc.cli import main

    for name in ("table", "compare", "quiz", "list", "check"):
        (opt,) = [p for p in main.get_command(None, name).params if p.name == "fmt"]
        assert tuple(opt.type.choices) == FORMATS, name


def test_list_in_every_format():
    from click.testing import CliRunner

    from archcalc.cli import main
    from archcalc.core import spec

    rows = list(csv.DictReader(io.StringIO(CliRunner().invoke(main, ["list", "--format",
                                                                     "csv"]).output)))
    names = {r["network"] for r in rows}
    assert names == set(spec.catalogue()) and len(rows) == len(names)
    d = json.loads(CliRunner().invoke(main, ["list", "--format", "json"]).output)
    assert d["networks"] == rows
    root = ET.fromstring(CliRunner().invoke(main, ["list", "--format", "html"]).output)
    assert [tr.find("td").text for tr in root.find("table/tbody")] == [r["network"] for r in rows]


def test_the_command_line_writes_csv_fields_exactly(tmp_path):
    """A name with an escape sequence reaches the CSV as it is in the spec (click.echo would
    strip the sequence when the output is not a terminal), and the text shows it escaped."""
    from click.testing import CliRunner

    from archcalc.cli import main

    path = tmp_path / "hostile.toml"
    path.write_text(HOSTILE, encoding="utf-8")
    out = CliRunner().invoke(main, ["table", str(path), "--format", "csv"]).stdout
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert [r["layer"] for r in rows[:-1]] == [n for n in [HOSTILE_NAMES[0], "relu",
                                                           *HOSTILE_NAMES[1:]]]
    text = CliRunner().invoke(main, ["table", str(path)]).stdout
    assert "\x1b" not in text and r"g\x1b[31mh" in text


def test_check_in_every_format(tmp_path):
    # check's marking through the common renderer: CSV one line per marked cell, as the JSON's
    # cells; a row name with a terminal escape is shown escaped in text (it was printed raw).
    from click.testing import CliRunner

    from archcalc.cli import main

    answers = tmp_path / "a.csv"
    answers.write_text("layer,C,params\nconv1,96,34944\n\x1b[2Jpool1,96,1\n", encoding="utf-8")

    def run(*more):
        r = CliRunner().invoke(main, ["check", "alexnet", str(answers), *more])
        assert r.exit_code in (0, 1), r.output
        return r.stdout

    cells = json.loads(run("--format", "json"))["cells"]
    rows = list(csv.DictReader(io.StringIO(run("--format", "csv"))))
    assert [(r["row"], r["column"], r["verdict"]) for r in rows] == \
        [(c["row"], c["column"], c["verdict"]) for c in cells]
    for fmt in FORMATS:
        assert "\x1b" not in run("--format", fmt) or fmt in ("csv", "tsv", "json")
    assert "\\x1b[2Jpool1" in run()
    ET.fromstring(run("--format", "html"))


def test_an_html_cells_attribute_keeps_its_line_breaks_and_escapes_the_rest():
    """A layer's working is several lines: the web app shows it so (its panel and the tooltip),
    so an attribute's line breaks are written ``&#10;``, not escaped as ``\\n`` text (which the
    browser test caught); a terminal escape in it is still shown escaped, and the HTML stays one
    line per row."""
    t = T.Table([T.Column("layer", "layer")], [["conv1"]],
                cell_attrs=lambda i, c, v: {"title": "conv1\n  H = 55\x1b[31m <b>"})
    html = T.render(t, "html")
    assert 'title="conv1&#10;  H = 55\\x1b[31m &lt;b&gt;"' in html
    assert "\x1b" not in html and "\\n" not in html
    cell = ET.fromstring(next(line for line in html.splitlines() if "<td" in line))
    assert cell.find("td").get("title") == "conv1\n  H = 55\\x1b[31m <b>"
