"""``archcalc serve``'s endpoints over HTTP (a real server, no browser), ``--format html
--standalone``, and the API that both use: spec text, error lines, marking, quizzes.

The numbers are checked against the CLI's own output or the published values, never against a
second copy of the same code path."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner

import archcalc
from archcalc import api
from archcalc.cli import main
from archcalc.core import spec, tomlpos

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = os.path.join(HERE, "data", "alexnet-seed-filled.tsv")

TINY = """name = "tiny"
description = "d"
source = "s"
input = [3, 32, 32]
layers = [
  { conv = 8, k = 3, p = 1, name = "conv1" }, "relu",
  { maxpool = 2, s = 2 },
  { conv = 16, k = 3 },
]
"""


def cli(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input)


def post(url, path, data=None, raw: bytes | None = None, headers=None):
    body = raw if raw is not None else json.dumps(data or {}).encode()
    req = urllib.request.Request(url + "/api/" + path, data=body, method="POST",
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def get(url, path, headers=None):
    req = urllib.request.Request(url + path, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def cli_error(text: str, tmp_path) -> str:
    """The CLI's message for a spec file holding ``text``, with the file named spec.toml."""
    path = tmp_path / "spec.toml"
    path.write_text(text, encoding="utf-8")
    r = cli("table", str(path))
    assert r.exit_code == 2
    return r.output.removeprefix("archcalc: error: ").replace(str(path), "spec.toml").rstrip("\n")


# --- where an error is written -----------------------------------------------------------------

def test_every_value_of_every_bundled_spec_has_its_line():
    import tomllib

    for path in spec.spec_files():
        text = open(path, encoding="utf-8").read()
        found = tomlpos.lines(text)

        def walk(v, at):
            if isinstance(v, dict):
                for k, x in v.items():
                    assert at + (k,) in found or isinstance(x, dict), (path, at + (k,))
                    walk(x, at + (k,))
            elif isinstance(v, list):
                for i, x in enumerate(v):
                    assert at + (i,) in found, (path, at + (i,))
                    walk(x, at + (i,))
        walk(tomllib.loads(text), ())
        # and the line found is the one that holds the value: every named layer's name
        for at, line in found.items():
            if len(at) > 1 and at[-1] == "name" and isinstance(at[-2], int):
                assert "name" in text.splitlines()[line - 1], (path, at)


@pytest.mark.parametrize("bad, line, where", [
    (TINY.replace("{ conv = 16, k = 3 }", "{ conv = 16, k = 3, q = 1 }"), 8, "layers[3]"),
    (TINY.replace('"relu"', '"rleu"'), 6, "layers[1]"),
    (TINY.replace("{ maxpool = 2, s = 2 }", "{ maxpool = 2, s = }"), 7, "spec.toml:7"),
    (TINY.replace("input = [3, 32, 32]", "input = [3, 32]"), 4, "input"),
    (TINY + '\n[blocks.b]\nlayers = [\n  "relu",\n  { conv = "$c", k = 0 },\n]\n'
     .replace("\n[blocks.b]", "\n[params]\nx = 1\n\n[blocks.b]"), None, None),
])
def test_a_spec_error_is_at_its_line_in_the_cli_words(bad, line, where, tmp_path):
    try:
        api.analyze_spec(bad)
    except archcalc.ArchcalcError as e:
        assert str(e) == cli_error(bad, tmp_path)
        assert api.error_line(bad, e) == line
        assert where in str(e)
    else:
        assert line is None          # an unused block is not an error


def test_an_error_inside_a_block_is_at_the_block_layer():
    text = TINY.replace("{ conv = 16, k = 3 },", '{ use = "b", c = 4 },') + \
        '\n[blocks.b]\nparams = ["c"]\nlayers = [\n  "relu",\n  { conv = "$c", k = 3, zz = 1 },\n]\n'
    with pytest.raises(archcalc.ArchcalcError) as e:
        api.analyze_spec(text)
    assert "blocks.b.layers[1]" in str(e.value)
    assert text.splitlines()[api.error_line(text, e.value) - 1].strip().startswith(
        '{ conv = "$c", k = 3, zz = 1 }')


def test_spec_text_is_bounded_like_a_file():
    with pytest.raises(archcalc.ArchcalcError, match="larger than 1,000,000 bytes"):
        api.analyze_spec("#" * 1_000_001)
    with pytest.raises(archcalc.ArchcalcError, match="larger than 1,000,000 bytes"):
        api.analyze_spec("# " + "é" * 500_000)        # 1,000,002 bytes in UTF-8


def test_api_refuses_what_the_cli_refuses():
    for bad in ("0", "3x10000000000", "banana", "1x2x3x4"):
        r = cli("table", "alexnet", "--input", bad)
        with pytest.raises(archcalc.ArchcalcError) as e:
            api.analyze("alexnet", input=bad)
        assert r.output.removeprefix("archcalc: error: ").rstrip("\n") == str(e.value)
    with pytest.raises(archcalc.ArchcalcError, match="--memory: expected True or False"):
        api.analyze("alexnet", memory="yes")


# --- --format html --standalone -----------------------------------------------------------------

def test_standalone_page_is_self_contained_with_each_cells_working():
    r = cli("table", "alexnet", "--format", "html", "--standalone")
    assert r.exit_code == 0
    page = r.output
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "fetches nothing"
    assert "<link" not in page and "@import" not in page
    # conv1's cells: the published 55×55×96 and 34,944 params, each with its working
    conv1 = re.search(r"<tr>(<td[^>]*>conv1</td>.*?)</tr>", page).group(1)
    cells = dict(re.findall(r'data-key="(\w+)"[^>]*?>([^<]*)<', conv1))
    assert (cells["h"], cells["w"], cells["c"], cells["params"]) == ("55", "55", "96", "34,944")
    assert 'data-working="params = 11·11·3·96 = 34,848 weights + 96 biases = 34,944"' in conv1
    assert 'data-working="H = (227 − 11 + 2·0)/4 + 1 = 55"' in conv1
    assert 'title="MACs = 55·55·96 · 11·11·3 = 105,415,200"' in conv1
    # the table itself is the one renderer's: the same cells as --format html
    frag = cli("table", "alexnet", "--format", "html").output
    strip = re.sub(r'\s(data-[\w-]+|title|tabindex)="[^"]*"', "", page)
    assert frag.strip() in strip


def test_standalone_working_follows_the_options():
    page = cli("table", "alexnet", "--format", "html", "--standalone", "--no-bias",
               "--count", "bias", "--memory").output
    assert 'data-working="params = 11·11·3·96 = 34,848 weights (the 96 biases are not counted)"' in page
    assert "+ 290,400 bias additions = 211,120,800" in page      # 2 × 105,415,200 + 55·55·96
    assert "activations = 96·55·55 = 290,400" in page


def test_standalone_needs_html():
    r = cli("table", "alexnet", "--standalone")
    assert r.exit_code == 2 and "--standalone" in r.output
    r = cli("table", "googlenet", "--format", "html", "--standalone", "--layout", "paper")
    assert r.exit_code == 2


# --- the app over HTTP ---------------------------------------------------------------------------

def test_network_table_is_the_clis(web_url):
    code, r = post(web_url, "table", {"network": "alexnet"})
    assert code == 200
    assert 'data-key="params" data-value="34944"' in r["html"]
    assert r["declared"]["classes"] == "1000"
    code, r = post(web_url, "render", {"network": "alexnet", "format": "csv",
                                       "options": {"memory": True, "units": "si"}})
    assert r["text"] == cli("table", "alexnet", "--format", "csv", "--memory", "--units",
                            "si").output
    code, r = post(web_url, "render", {"network": "alexnet", "format": "json",
                                       "input": "1x224x224", "set": {"classes": "10"}})
    assert r["text"] == cli("table", "alexnet", "--format", "json", "--input", "1x224x224",
                            "--set", "classes=10").output


EXAMPLE = os.path.join(os.path.dirname(HERE), "examples", "image_mask.toml")


def test_each_input_of_a_network_of_several(web_url, tmp_path):
    # Before: the endpoints took one --input text, so a network of two inputs could change
    # one of them at most, and the page showed one field whatever the spec declared.
    two = open(EXAMPLE, encoding="utf-8").read()
    code, r = post(web_url, "table", {"spec": two})
    assert code == 200
    assert r["inputs"] == [{"name": "image", "shape": [3, 64, 64]},
                           {"name": "mask", "shape": [1, 64, 64]}]
    # NAME=CxHxW texts, as the page sends one per field filled in (an empty one: the spec's)
    sizes = ["--input", "image=3x32x32", "--input", "mask=1x32x32"]
    for given in (["image=3x32x32", "mask=1x32x32"], ["image=3x32x32", "", "mask=1x32x32"],
                  {"image": "3x32x32", "mask": "1x32x32"}):
        code, r = post(web_url, "render", {"spec": two, "format": "json", "input": given})
        assert code == 200 and r["text"] == cli("table", EXAMPLE, "--format", "json",
                                                *sizes).output.replace(EXAMPLE, "spec.toml")
    code, r = post(web_url, "render", {"spec": two, "format": "text", "input": ["image=1x64x64"]})
    assert "inputs: image 1×64×64, mask 1×64×64 (C×H×W)" in r["text"]      # mask: the spec's
    # the single input's field still takes its plain shape; the table says it has one input
    code, r = post(web_url, "table", {"network": "alexnet", "input": ["3x224x224"]})
    assert code == 200 and r["inputs"] == [{"name": "input", "shape": [3, 227, 227]}]
    # refused as the CLI refuses them, in its words (the options layer's)
    for given, args in [(["mask=1xx48"], ["--input", "mask=1xx48"]),
                        (["msk=1x48x48"], ["--input", "msk=1x48x48"]),
                        ("3x32x32", ["--input", "3x32x32"]),
                        (["mask=1x8x8", "mask=1x9x9"], ["--input", "mask=1x8x8", "--input",
                                                        "mask=1x9x9"])]:
        code, r = post(web_url, "table", {"spec": two, "input": given})
        want = cli("table", EXAMPLE, *args)
        assert code == 400 and want.exit_code == 2, given
        assert r["error"] == want.output.removeprefix("archcalc: error: ").rstrip("\n"), given
    # the check and quiz endpoints read them too
    code, r = post(web_url, "check", {"spec": two, "input": ["image=3x32x32", "mask=1x32x32"],
                                      "answers": "| layer | output |\n|---|---|\n"
                                                 "| fuse/mask_conv | 4×32×32 |\n"})
    assert code == 200 and r["result"]["cells"][0]["verdict"] == "right", r
    code, r = post(web_url, "quiz", {"spec": two, "input": {"image": "3x32x32", "mask": "1x32x32"},
                                     "seed": 1})
    assert code == 200 and "image 3×32×32, mask 1×32×32" in " ".join(r["title"].split()), r
    for bad in ([1], {"mask": 1}, 3, ["x"] * 101):
        code, r = post(web_url, "table", {"spec": two, "input": bad})
        assert code == 400 and r["error"].startswith("input: expected CxHxW text, a list of "
                                                     "NAME=CxHxW texts"), bad


def test_every_cli_format_downloads(web_url):
    for fmt in ("text", "github", "markdown", "csv", "tsv", "json", "latex", "html"):
        code, r = post(web_url, "render", {"network": "vgg16", "format": fmt})
        assert code == 200 and r["text"] == cli("table", "vgg16", "--format", fmt, "--wide").output
    code, r = post(web_url, "render", {"network": "googlenet", "format": "text",
                                       "layout": "paper"})
    assert r["text"] == cli("table", "googlenet", "--layout", "paper", "--wide").output
    code, r = post(web_url, "render", {"network": "alexnet", "format": "html-standalone"})
    assert r["text"] == cli("table", "alexnet", "--format", "html", "--standalone").output


def test_spec_errors_come_with_their_line(web_url, tmp_path):
    bad = TINY.replace("{ conv = 16, k = 3 }", "{ conv = 16, k = 3, q = 1 }")
    code, r = post(web_url, "table", {"spec": bad})
    assert code == 400 and r["line"] == 8
    assert r["error"] == cli_error(bad, tmp_path)
    code, r = post(web_url, "table", {"spec": TINY})
    assert code == 200 and r["variants"] == ["tiny"]


def test_requests_never_name_a_file(web_url):
    for name in ("../specs/alexnet.toml", "/etc/passwd", "specs/alexnet.toml", "x.toml",
                 "alexnet.toml:alexnet"):
        code, r = post(web_url, "table", {"network": name})
        assert code == 400 and "not a network name" in r["error"], name
    code, r = post(web_url, "compare", {"networks": ["alexnet", "/etc/passwd"]})
    assert code == 400 and "not a network name" in r["error"]


def test_bad_requests_get_one_message(web_url):
    import http.client

    conn = http.client.HTTPConnection(web_url.split("//")[1], timeout=60)
    conn.putrequest("POST", "/api/table")          # refused from its length, before it is sent
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", "2600000")
    conn.endheaders()
    resp = conn.getresponse()
    assert resp.status == 400 and "larger than 2,500,000 bytes" in json.loads(resp.read())["error"]
    conn.close()
    code, r = post(web_url, "table", {"spec": "#" * 1_000_001})
    assert code == 400 and "larger than 1,000,000 bytes" in r["error"]
    code, r = post(web_url, "table", raw=b"{not json")
    assert code == 400 and r["error"] == "the request is not valid JSON"
    code, r = post(web_url, "table", raw=b"[" * 100_000 + b"]" * 100_000)
    assert code == 400
    code, r = post(web_url, "table", {"network": "alexnet"},
                   headers={"Content-Type": "text/plain"})
    assert code == 400 and "must be JSON" in r["error"]
    code, r = post(web_url, "table", {"network": "alexnet", "options": {"units": "sl"}})
    assert code == 400 and r["error"] == "--units: unknown 'sl'; choose from exact, si"
    code, r = post(web_url, "table", {"network": "alexnett"})
    assert code == 400 and "did you mean 'alexnet'" in r["error"]
    code, r = post(web_url, "check", {"network": "alexnet", "answers": "1 + " * 300})
    assert code == 400
    for path, data in [("quiz", {"network": "alexnet", "seed": "x"}),
                       ("table", {"network": "alexnet", "input": "3x9999999999"}),
                       ("table", {"network": "alexnet", "set": {"classes": "ten"}}),
                       ("compare", {"networks": []})]:
        code, r = post(web_url, path, data)
        assert code == 400 and r["error"] and "Traceback" not in r["error"], (path, r)


def test_only_loopback_hosts_are_answered(web_url):
    code, body, _ = get(web_url, "/", {"Host": "attacker.example"})
    assert code == 400
    code, body, headers = get(web_url, "/")
    assert code == 200 and b"<nav" in body
    assert "script-src 'self'" in headers["content-security-policy"]
    code, body, _ = get(web_url, "/static/../../cli.py")
    assert code == 404


def test_first_page_is_light(web_url):
    code, page, _ = get(web_url, "/")
    total = len(page)
    for ref in re.findall(rb'(?:src|href)="(/[^"#]+)"', page):
        code, data, _ = get(web_url, ref.decode())
        assert code == 200, ref
        total += len(data)
    assert total < 200_000, total


def test_check_marks_the_seeds_table(web_url):
    code, r = post(web_url, "check", {"network": "alexnet",
                                      "answers": open(SEED, encoding="utf-8").read(),
                                      "source": "seed.tsv"})
    assert code == 200
    wrong = {c["row"] for c in r["result"]["cells"] if c["verdict"] == "wrong"}
    assert wrong == {"Conv3", "Conv5"}
    assert r["text"] == cli("check", "alexnet", SEED, "--wide").output.replace(SEED, "seed.tsv")


def test_gradebook(web_url):
    seed = open(SEED, encoding="utf-8").read()
    code, r = post(web_url, "gradebook", {"network": "alexnet", "submissions": [
        {"name": "a.tsv", "text": seed}, {"name": "b.txt", "text": "nothing here"}]})
    assert code == 200
    # api.gradebook (issue 14): the CSV of `archcalc check --gradebook`, one row a file, and
    # the unreadable one a row saying why.
    rows = list(csv.reader(io.StringIO(r["csv"])))
    assert r["filename"] == "gradebook.csv" and len(rows) == 3
    head = rows[0]
    a, b = (dict(zip(head, row)) for row in rows[1:])
    assert (a["file"], a["score"], a["wrong"], a["note"]) == ("a.tsv", "30/32", "2", "")
    assert "Conv3" in a["wrong cells"] and "Conv5" in a["wrong cells"]
    assert b["file"] == "b.txt" and b["score"] == "" and "no table found" in b["note"]
    first = r["rows"][0]
    assert (first["file"], first["score"], first["wrong"], first["missing"]) == (
        "a.tsv", {"text": "30/32"}, 2, 0)
    # each wrong cell and its diagnosis, as the CSV's columns give them (issue 14/16: the page
    # had only the file and the score)
    assert "; ".join(c["cell"] for c in first["wrong_cells"]) == a["wrong cells"]
    assert "; ".join(f"{c['where']}: {c['diagnosis']}" for c in first["wrong_cells"]) == (
        a["diagnoses"])
    assert all(c["diagnoses"] for c in first["wrong_cells"])
    assert "no table found" in r["rows"][1]["error"]
    assert rows == list(csv.reader(io.StringIO(api.gradebook(
        [("a.tsv", seed), ("b.txt", "nothing here")], api.load("alexnet")))))


def test_gradebook_takes_the_teachers_options(web_url):
    """The page's options reach the gradebook as they reach one table (issue 14's trap): a
    student who leaves out every bias scores 3/3 when the convention is read from the cells,
    0/3 with bias = true, as `archcalc check --bias --gradebook` marks it."""
    chen = "layer\tparams\nconv1\t34,848\nconv2\t614,400\nconv3\t884,736\n"
    subs = [{"name": "chen.tsv", "text": chen}]
    code, free = post(web_url, "gradebook", {"network": "alexnet", "submissions": subs})
    assert code == 200 and [(x["file"], x["score"]) for x in free["rows"]] == [
        ("chen.tsv", {"text": "3/3"})]
    code, fixed = post(web_url, "gradebook", {"network": "alexnet", "submissions": subs,
                                              "bias": True})
    assert code == 200 and [(x["file"], x["score"]) for x in fixed["rows"]] == [
        ("chen.tsv", {"text": "0/3"})]
    assert [c["diagnoses"][0] for c in fixed["rows"][0]["wrong_cells"]] == ["biases"] * 3
    assert fixed["csv"] == api.gradebook([("chen.tsv", chen)], api.load("alexnet"), bias=True)
    code, r = post(web_url, "gradebook", {"network": "alexnet", "submissions": subs, "k": 1010})
    assert code == 400 and "k: expected 1000 or 1024" in r["error"]


def test_check_takes_the_dtype_of_check(web_url):
    """`archcalc check --dtype` has its control on the page: conv1's activations in bytes at
    fp16, one cell (too few to decide the dtype from), is wrong as fp32 and right at fp16,
    for one table and for a gradebook; a dtype check does not know is refused in its words."""
    table = "layer\tact. bytes\nconv1\t580,800\n"
    for dtype, score in ((None, "0/1"), ("fp16", "1/1")):
        req = {"network": "alexnet", "answers": table, **({"dtype": dtype} if dtype else {})}
        code, r = post(web_url, "check", req)
        assert code == 200 and r["result"]["score"]["text"] == score
        code, g = post(web_url, "gradebook", {**req, "submissions": [{"name": "a",
                                                                      "text": table}]})
        assert code == 200 and g["rows"][0]["score"]["text"] == score
    code, r = post(web_url, "check", {"network": "alexnet", "answers": table, "dtype": "fp64"})
    assert code == 400 and "--dtype" in r["error"] and "fp16" in r["error"]


def test_quiz_and_its_marking(web_url):
    from archcalc.homework import quiz as Q

    code, r = post(web_url, "quiz", {"network": "alexnet", "seed": 3})
    assert code == 200
    key = Q.build(api.analysis_of(api.load("alexnet")), Q.COLUMNS, 3)
    blanks = sorted(key.blank)
    assert [(i, j) for i, row in enumerate(r["rows"]) for j, c in enumerate(row)
            if c is None] == blanks
    answers = {f"{i},{j}": key.rows[i][j] for i, j in blanks}
    i, j = blanks[0]
    answers[f"{i},{j}"] = str(int(key.rows[i][j]) + 1)
    code, m = post(web_url, "quiz/mark", {"network": "alexnet", "seed": 3, "answers": answers})
    assert code == 200
    s = m["result"]["score"]
    assert (s["right"], s["wrong"], s["missing"]) == (len(blanks) - 1, 1, 0)
    del answers[f"{i},{j}"]
    code, m = post(web_url, "quiz/mark", {"network": "alexnet", "seed": 3, "answers": answers})
    assert m["result"]["score"]["missing"] == 1


def test_compare_and_chart(web_url):
    code, r = post(web_url, "compare", {"networks": ["vgg16", "resnet50", "alexnet"],
                                        "sort": "params"})
    assert code == 200
    assert r["html"] == cli("compare", "vgg16", "resnet50", "alexnet", "--sort", "params",
                            "--format", "html").output
    assert r["chart"].startswith("data:image/svg+xml;base64,")
    assert r["skipped"] == ["alexnet"]
    code, r = post(web_url, "compare/render", {"networks": ["vgg16", "resnet50"],
                                               "format": "csv"})
    assert r["text"] == cli("compare", "vgg16", "resnet50", "--format", "csv").output


def test_serve_binds_loopback_unless_told():
    r = cli("serve", "--host", "0.0.0.0")
    assert r.exit_code == 2 and "--allow-remote" in r.output


def test_serve_says_what_is_missing(monkeypatch):
    from archcalc import web

    monkeypatch.setattr(web, "missing", lambda: "archcalc serve needs the web extra")
    r = cli("serve")
    assert r.exit_code == 2 and "needs the web extra" in r.output


def test_remote_host_warns(monkeypatch):
    from archcalc import web

    seen = {}
    monkeypatch.setattr(web, "missing", lambda: None)
    monkeypatch.setattr(web, "serve", lambda host, port, open_, echo: seen.update(host=host))
    r = cli("serve", "--host", "0.0.0.0", "--allow-remote")
    assert r.exit_code == 0 and "warning" in r.output and seen == {"host": "0.0.0.0"}


def test_a_port_in_use_is_one_message():
    import socket

    pytest.importorskip("uvicorn", reason="the web extra is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        r = cli("serve", "--port", str(s.getsockname()[1]))
    assert r.exit_code == 2 and "cannot listen on 127.0.0.1" in r.output
    assert "Traceback" not in r.output
