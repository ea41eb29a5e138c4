"""What an independent attack on archcalc broke (issue 17), case by case: each test failed before
its fix. Nonsense answers marked right, tracebacks, unsafe writes, raw control characters, and
resources not bounded."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from archcalc.cli import main
from archcalc.homework.expr import ExprError, parse


def cli(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


# --- expressions: a value means what was written, never "anything" ----------------------------

@pytest.mark.parametrize("text, expected", [
    ("1G*1G", 34_944), ("9G-9G", 37_752_832), ("1K^9", 34_944), ("1K^9", 55),
    ("1K^9", 1_953_124_999_999_999_999_999_999), ("1.3M-1.2M", 50_000), ("1K-1K", 1),
    ("(1K-1K)*5", -5), ("0K", 1), ("1G*1G/1G", 34_944),
])
def test_an_imprecise_value_does_not_match_anything(text, expected):
    """Before: the half-width of ``1G*1G`` (1.25·10^18) exceeded its value, so it matched every
    small number; ``9G-9G`` was 0 ± 10^9."""
    assert not parse(text).matches(expected)


def test_interval_arithmetic_is_exact():
    v = parse("1G*1G")
    assert v.value == 10**18
    assert (v.lo, v.hi) == (Fraction(5 * 10**8) ** 2, Fraction(15 * 10**8) ** 2)
    assert v.matches(10**18) and v.matches(25 * 10**16) and not v.matches(25 * 10**16 - 1)
    assert parse("35K*2").matches(71_000) and not parse("35K*2").matches(71_001)
    assert parse("-35K").matches(-34_500) and not parse("-35K").matches(34_500)
    assert parse("1K^2").lo == 250_000 and parse("1K^2").hi == 2_250_000
    assert parse("70K/2").matches(35_250) and not parse("70K/2").matches(35_251)
    # An interval that reaches zero does not know its sign: only the value written matches.
    assert parse("0K").matches(0) and parse("1K-1K").matches(0) and not parse("9G-9G").matches(1)
    w = parse("(0-1K)^2")                       # −1500 … −500 squared: 250,000 … 2,250,000
    assert (w.lo, w.hi) == (250_000, 2_250_000)
    for text in ("5/(1K-999)", "(1K-999)^-1"):
        with pytest.raises(ExprError, match="could be zero"):
            parse(text)


def test_no_float_anywhere():
    v = parse("0.1+0.2")
    assert v.value == Fraction(3, 10) and all(isinstance(x, Fraction) for x in (v.value, v.lo,
                                                                                   v.hi))


@pytest.mark.parametrize("text", ["1K^33", "1T^8*1T^1", "(10^60)*(10^60)", "10^99*10^2",
                                  "1.5^600"])
def test_a_value_beyond_the_bound_is_an_error(text):
    with pytest.raises(ExprError, match="beyond 10\\^100"):
        parse(text)


def quiz_filled_with(network: str, cell: str) -> str:
    r = cli("quiz", network, "--format", "csv")
    assert r.exit_code == 0
    lines = r.output.splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        parts = line.split(",")
        # the blank cells are the empty ones at the end of each line (after the quoted "given")
        while parts and parts[-1] == "":
            parts.pop()
        blanks = lines[0].count(",") - (len(parts) - 1)
        out.append(",".join(parts + [cell] * blanks) if blanks else line)
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("cell", ["1K^9", "1G*1G", "9G-9G"])
def test_nonsense_in_every_cell_scores_nothing(tmp_path, cell):
    """Before: ``1K^9`` in every cell scored 18/18 (a filled quiz 52/52) in the JSON verdicts."""
    seed = tmp_path / "seed.csv"
    rows = ["conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool3", "fc6"]
    seed.write_text("layer,W,H,C,params\n" + "".join(f"{r},{cell},{cell},{cell},{cell}\n"
                                                     for r in rows), encoding="utf-8")
    quiz = tmp_path / "quiz.csv"
    quiz.write_text(quiz_filled_with("alexnet", cell), encoding="utf-8")
    for path in (seed, quiz):
        r = cli("check", "alexnet", path, "--format", "json")
        assert r.exit_code == 1, r.output
        d = json.loads(r.output)
        assert d["score"]["wrong"] > 0, d["score"]
        # Only a value as written may be right: 9G-9G is 0 (a pooling layer's parameters).
        right = [c for c in d["cells"] if c["verdict"] == "right"]
        assert all(c["expected"] == parse(cell).value for c in right), right


def test_named_cells_from_the_issue(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("layer,params\nconv1,1G*1G\nfc6,9G-9G\nconv2,614656\n", encoding="utf-8")
    r = cli("check", "alexnet", path, "--format", "json")
    d = json.loads(r.output)
    verdicts = {c["row"]: c["verdict"] for c in d["cells"]}
    assert verdicts == {"conv1": "wrong", "fc6": "wrong", "conv2": "right"}


# --- adaptive pooling: counted without enumerating its windows --------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from archcalc.core import formulas as F  # noqa: E402


@settings(max_examples=300, deadline=None, derandomize=True)
@given(i=st.integers(1, 300), o=st.integers(1, 300))
def test_adaptive_window_sum_and_max_in_closed_form(i, o):
    widths = F.adaptive_windows(i, o)
    assert F.adaptive_window_sum(i, o) == sum(widths)
    assert F.adaptive_window_max(i, o) == max(widths)


HEAD = 'name = "t"\ndescription = "t"\nsource = "t"\ninput = [3, 32, 32]\n'


@pytest.mark.parametrize("extra", [["--rf"], ["--convention", "fvcore"], ["--count", "pool"],
                                   ["--format", "json"]])
def test_a_huge_adaptive_pool_is_counted_at_once(tmp_path, extra):
    """Before: a MemoryError (or minutes) listing 10^9 window widths for the receptive field and
    the pooling FLOPs."""
    import resource
    import subprocess
    import sys

    spec = tmp_path / "ada.toml"
    spec.write_text(HEAD + "layers = [{ adaptive_avgpool = 1000000000 }]\n", encoding="utf-8")

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    r = subprocess.run([sys.executable, "-m", "archcalc", "table", str(spec), *extra],
                       capture_output=True, text=True, timeout=60, preexec_fn=cap,
                       env={**__import__("os").environ,
                            "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    assert r.returncode == 0, r.stderr
    assert "1000000000" in r.stdout.replace(",", "")


# --- tracebacks: each case answers cleanly ------------------------------------------------------

def spec_file(tmp_path: Path, layers: str, name: str = "t.toml", extra: str = "") -> Path:
    p = tmp_path / name
    p.write_text(HEAD + f"layers = {layers}\n" + extra, encoding="utf-8")
    return p


def test_a_csv_cell_beyond_the_csv_modules_field_limit(tmp_path):
    """Before: ``_csv.Error: field larger than field limit (131072)`` as a traceback."""
    p = tmp_path / "a.csv"
    p.write_text("layer,W,H\nconv1," + "1" * 140_000 + ",55\n", encoding="utf-8")
    r = cli("check", "alexnet", p, "--format", "json")
    assert r.exit_code == 0, r.output          # the long cell is not read, never wrong (issue 14)
    cells = {c["column"]: c for c in json.loads(r.output)["cells"]}
    assert cells["W"]["verdict"] == "unread" and cells["H"]["verdict"] == "right"
    assert "longer than 1,000 characters" in cells["W"]["diagnosis"] or \
        "longer than 1000 characters" in cells["W"]["diagnosis"]


@pytest.mark.parametrize("codec, bom", [("utf-32-le", b"\xff\xfe\x00\x00"),
                                        ("utf-32-be", b"\x00\x00\xfe\xff")])
def test_utf32_answers_are_decoded_not_graded_as_mojibake(tmp_path, codec, bom):
    """Before: UTF-32 (little-endian) was read as UTF-16, NUL characters and all, and graded."""
    p = tmp_path / "a.csv"
    p.write_bytes(bom + "layer,W,H,C,params\nconv1,55,55,96,34944\n".encode(codec))
    r = cli("check", "alexnet", p, "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["score"]["right"] == 4 and all("\x00" not in c["given"] for c in d["cells"])


def test_text_that_decodes_to_nul_characters_is_refused(tmp_path):
    p = tmp_path / "a.csv"
    # A UTF-16 mark, then UTF-32 text without its own mark: read as UTF-16 it holds NULs.
    p.write_bytes(b"\xff\xfe" + "layer,W\nconv1,55\n".encode("utf-32-le"))
    r = cli("check", "alexnet", p)
    assert r.exit_code == 2 and "NUL characters" in r.stderr and "UTF-8" in r.stderr, r.output


def test_a_spec_with_a_utf8_byte_order_mark_is_read(tmp_path):
    """Before: 'not valid TOML' at 1:1."""
    p = tmp_path / "bom.toml"
    p.write_bytes(b"\xef\xbb\xbf" + (HEAD + 'layers = [{ conv = 8, k = 3 }]\n').encode())
    r = cli("table", p, "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["totals"]["params"] == 3 * 3 * 3 * 8 + 8


@pytest.mark.parametrize("layers, extra", [
    ('[{ conv = 8, k = 3, name = "input" }, "relu"]', ""),
    ('["relu", { relu = true, name = "input" }]', ""),
    ('[{ use = "b", name = "input" }]', '[blocks.b]\nconcat = [["relu"], ["relu"]]\n'),
])
def test_a_layer_named_input_is_refused(tmp_path, layers, extra):
    """Before: the layer collided with the network's input (a self-loop in the graph)."""
    r = cli("table", spec_file(tmp_path, layers, extra=extra))
    assert r.exit_code == 2
    assert "cannot be named 'input'" in r.stderr and "layers[" in r.stderr, r.stderr


@pytest.mark.parametrize("block", ["\\u0000", "\\u0001"])
def test_a_block_named_like_a_json_templates_hole(tmp_path, block):
    """The JSON writes a rollup's collapsed groups from a template whose holes were the
    characters U+0000 and U+0001: a block of that name ended in an internal error."""
    layers = f'[{{ use = "{block}", n = 2 }}]'
    extra = f'[blocks."{block}"]\nlayers = [{{ conv = 4, k = 3 }}, "relu"]\n'
    r = cli("table", spec_file(tmp_path, layers, extra=extra), "--by", "block", "--format",
            "json")
    assert r.exit_code == 0, r.output
    tree = json.loads(r.output)["rollup"]["tree"]
    assert [g["block"] for g in tree] == [chr(int(block[2:], 16))] * 2


# --- memory that grows with the layers, not faster ----------------------------------------------

def test_receptive_field_paths_grow_linearly_with_depth():
    """Before: each join copied the whole path so far (a tuple), so the fields of a deep
    residual network took memory growing with the square of its depth (tables with --format json
    or --rf of resnet20 at n = 2,000: 559 MB, 382 MB after)."""
    import tracemalloc

    from archcalc.analysis import receptive
    from archcalc.core import engine, spec

    def analysed(n: int):
        return engine.analyse(spec.load("resnet20", overrides={"n": str(n)}))

    def cost(n: int) -> int:
        a = analysed(n)
        tracemalloc.start()
        fields = receptive.fields(a)
        size = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        assert len(fields) == len(a.rows) + 1
        return size

    small, large = cost(150), cost(600)
    assert large < 4.6 * small, (small, large)       # 4× the layers: about 4× the memory
    deep = receptive.fields(analysed(30))
    paths = [f.h.path for f in deep.values() if not f.is_global and f.h.path]
    longest = max(paths, key=len)
    assert longest.prev in paths and list(longest)[:-1] == list(longest.prev)  # shared, not copied


# --- the top-level guard: an unexpected exception is one line and exit status 3 ----------------

ROOT = Path(__file__).resolve().parent.parent
BOOM = ("import sys, archcalc.core.engine as e\n"
        "def boom(*a, **k):\n"
        "    raise RuntimeError('boom \\x1b]0;title\\x07 \\r end')\n"
        "e.analyse = boom\n"
        "from archcalc.cli import main\n"
        "sys.argv = ['archcalc', 'table', 'alexnet']\n"
        "main(prog_name='archcalc')\n")


def run_boom(debug: str | None):
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("ARCHCALC_DEBUG", None)
    if debug is not None:
        env["ARCHCALC_DEBUG"] = debug
    return subprocess.run([sys.executable, "-c", BOOM], capture_output=True, text=True,
                          timeout=120, env=env)


def test_an_unexpected_exception_is_one_line_and_exit_status_3():
    r = run_boom(None)
    assert r.returncode == 3, r.stderr
    assert r.stdout == "" and "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("archcalc: internal error: RuntimeError: boom")
    assert "please report it" in lines[0] and "ARCHCALC_DEBUG=1" in lines[0]
    assert "\\x1b]0;title\\x07 \\r end" in lines[0] and "\x1b" not in r.stderr


def test_archcalc_debug_shows_the_stack_trace():
    r = run_boom("1")
    assert r.returncode == 1 and "Traceback" in r.stderr and "RuntimeError: boom" in r.stderr


def test_the_guard_in_process(monkeypatch):
    from archcalc.core import engine

    def boom(*a, **k):
        raise MemoryError()

    monkeypatch.setattr(engine, "analyse", boom)
    monkeypatch.delenv("ARCHCALC_DEBUG", raising=False)
    r = cli("table", "alexnet")
    assert r.exit_code == 3 and "internal error: out of memory (MemoryError)" in r.stderr


def test_output_to_a_closed_pipe_ends_quietly():
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.Popen([sys.executable, "-m", "archcalc", "table", "resnet152"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    p.stdout.readline()
    p.stdout.close()                        # as `| head -1` does
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) in (0, 1) and "Traceback" not in err and "internal" not in err, err


# --- each traceback of the attack, answered -----------------------------------------------------

def test_a_quiz_with_nothing_to_ask_says_so(tmp_path):
    """Before: an IndexError from tabulate."""
    for fmt in ("text", "csv", "markdown", "latex"):
        r = cli("quiz", spec_file(tmp_path, '["relu"]'), "--format", fmt)
        assert r.exit_code == 2 and "nothing to ask" in r.stderr, r.output


@pytest.mark.parametrize("layers, extra", [
    ("[]", ""),                                                         # no layer at all
    ('[{ conv = 8, k = 3, if = "$on" }]', "[params]\non = false\n"),     # every layer off
    ('[{ use = "head", aux = true }]', '[blocks.head]\nlayers = [{ conv = 8, k = 3 }]\n'),
])
def test_a_network_with_no_main_layer_compares_as_zero(tmp_path, layers, extra):
    """Before: ``max() arg is an empty sequence``, a traceback (exit 1)."""
    path = spec_file(tmp_path, layers, extra=extra)
    r = cli("compare", path, "lenet5", "--format", "json")
    assert r.exit_code == 0, r.output
    empty, lenet = json.loads(r.stdout)["networks"]
    assert (empty["depth"], empty["params"], empty["macs"], empty["flops"]) == (0, 0, 0, 0)
    assert empty["largest_layer"] is None and lenet["largest_layer"]["name"] == "C5"
    assert empty["activations"] == 3 * 32 * 32          # the input is still stored
    text = cli("compare", path, "lenet5")
    assert text.exit_code == 0
    line = next(x for x in text.stdout.splitlines() if x.startswith("t "))
    assert line.split()[2:6] == ["0", "0", "0", "0"] and " — " in line
    csv = cli("compare", path, "lenet5", "--format", "csv").stdout.splitlines()
    assert csv[1].split(",")[8:10] == ["", "0"]
    r = cli("explain", path)
    assert r.exit_code == 0 and ("no layers to explain" in r.stdout) == ("aux" not in layers)


def test_toml_errors_show_the_line_with_control_characters_escaped(tmp_path):
    p = tmp_path / "esc.toml"
    p.write_bytes(b'name = "t\x1b]0;pwned\x07"\x1b[2J junk\n')
    r = cli("table", p)
    assert r.exit_code == 2 and "\x1b" not in r.stderr and "\x07" not in r.stderr
    found, caret = r.stderr.splitlines()[1:3]
    assert found == '  found: name = "t\\x1b]0;pwned\\x07"\\x1b[2J junk'
    assert caret.index("^") == found.index("\\x1b")       # under the character it is about


def test_error_messages_escape_control_characters(tmp_path):
    p = spec_file(tmp_path, '[{ conv = 8, k = 99, name = "x\\ry\\u001b[31m" }]')
    r = cli("table", p)
    assert r.exit_code == 2 and "\x1b" not in r.stderr and "\r" not in r.stderr, r.stderr
    assert "x\\ry\\x1b[31m" in r.stderr


def test_a_repeated_layer_is_checked_once_and_shares_its_attributes(tmp_path, monkeypatch):
    """A 96-byte spec, { relu = true, n = 1000000 }, took 75 s and 7.6 GB: each repeat was
    checked and given its own attribute table. Now the repeats without first/last/each share."""
    from archcalc.core import spec

    calls = []
    original = spec._Expander.check_attrs
    monkeypatch.setattr(spec._Expander, "check_attrs",
                        lambda self, *a: calls.append(a[0]) or original(self, *a))
    p = spec_file(tmp_path, '[{ conv = 8, k = 3, p = 1, bn = true, n = 1000, '
                            'first = { s = 2 }, last = { k = 1, p = 0 } }]')
    net = spec.load(str(p))
    assert len(net.nodes) == 2000 and len(calls) <= 6, calls
    convs = [n for n in net.nodes if n.kind == "conv"]
    assert [c.name for c in convs[:3]] == ["conv1", "conv2", "conv3"]
    assert convs[0].attrs["s"] == (2, 2) or convs[0].attrs["s"] == 2
    assert convs[-1].attrs["k"] != convs[1].attrs["k"]
    assert len({id(c.attrs) for c in convs[1:-1]}) == 1            # one shared table
    import archcalc.core.engine as engine

    a = engine.analyse(net)
    assert a.rows[2].output.h == 16 and a.rows[-1].output.h == 16


def test_the_rows_of_a_repeated_layer_share_their_values(tmp_path):
    """A row costs its name and its record: equal shapes, counts, notes and K/S/P text are one
    object, and a layer whose window is 1×1 with stride 1 keeps its input's receptive field
    (each was a new object per layer: 310 bytes a row more, and 200 in the fields)."""
    import tracemalloc

    from archcalc.analysis import receptive
    from archcalc.core import engine, spec

    p = spec_file(tmp_path, '[{ use = "unit", n = 2000 }]',
                  extra='[blocks.unit]\nlayers = [{ conv = 8, k = 3, p = 1 }, "bn", "relu"]\n')
    net = spec.load(str(p))
    a = engine.analyse(net)
    convs = [r for r in a.rows if r.kind == "conv"][1:]
    for attr in ("counts", "output", "input_shapes", "notes", "geometry"):
        assert len({id(getattr(r, attr)) for r in convs}) == 1, attr
    assert convs[0].geometry == "3×3 s1 p1" and convs[0].counts.macs == 32 * 32 * 8 * 9 * 8
    fields = receptive.fields(a)
    for unit in ("unit7", "unit1999"):
        assert fields[f"{unit}/relu"] is fields[f"{unit}/bn"] is fields[f"{unit}/conv"]
    assert fields["unit2/conv"].h.size == fields["unit1/conv"].h.size + 2
    tracemalloc.start()
    rows = engine.rows(net, net.input)
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(rows) == 6000 and held < 200 * len(rows), held / len(rows)


# --- check: linear in rows × columns ---------------------------------------------------------------

def marking_work(tmp_path, n: int, monkeypatch) -> int:
    """Value.matches calls made marking ``n`` rows of a chain of n convs, every cell wrong and
    each value different (the worst case for "copied from another row?")."""
    from archcalc.homework import expr

    calls = [0]
    original = expr.Value.matches

    def counted(self, x):
        calls[0] += 1
        return original(self, x)

    monkeypatch.setattr(expr.Value, "matches", counted)
    net = spec_file(tmp_path, f"[{{ conv = 4, k = 1, n = {n} }}]", name=f"chain{n}.toml")
    answers = tmp_path / f"answers{n}.csv"
    answers.write_text("layer,params,MACs\n" + "".join(
        f"conv{i},{100_000 + i},{7 * i + 3}\n" for i in range(1, n + 1)), encoding="utf-8")
    r = cli("check", net, answers, "--format", "json")
    assert r.exit_code == 1 and json.loads(r.stdout)["score"]["wrong"] == 2 * n
    return calls[0]


def test_check_is_linear_in_the_wrong_cells(tmp_path, monkeypatch):
    """Before: each wrong cell looked through every value of its column above it for one it
    could have been copied from (and summed the column again), so marking was quadratic: 20,000
    rows of ``conv1,1`` took 378 s. Counted in work, not time: twice the rows, twice the work."""
    small, large = marking_work(tmp_path, 150, monkeypatch), marking_work(tmp_path, 300,
                                                                          monkeypatch)
    assert large <= 2.2 * small, (small, large)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(vals=st.lists(st.tuples(st.sampled_from("abcde"), st.integers(-3, 40)), max_size=30),
       cands=st.lists(st.tuples(st.integers(-5, 45), st.integers(0, 6), st.integers(0, 6)),
                      min_size=1, max_size=2),
       expected=st.integers(-3, 40), name=st.sampled_from("abcdefz"))
def test_the_copied_index_finds_what_a_pass_over_the_rows_finds(vals, cands, expected, name):
    """The index (check/copies.py) against the pass it replaced, written out here."""
    from archcalc.homework.check.copies import Columns
    from archcalc.homework.expr import Value

    candidates = tuple(Value(Fraction(v), lo=Fraction(v) - a, hi=Fraction(v) + b)
                       for v, a, b in cands)

    def passed() -> str | None:
        for row, v in vals:
            if row == name:
                break
            if v and v != expected and any(c.matches(v) for c in candidates):
                return row
        return None

    index = Columns({"params": tuple(vals)}).copies("params")
    row = index.first_fitting(candidates, {0, expected}, index.first_of.get(name))
    found = None if row is None else index.names[row]
    assert found == passed()


ESCAPES = ('[{ conv = 8, k = 3, name = "x\\ry\\u001b[31m" }, '
           '{ relu = true, note = "n\\u001b]0;title\\u0007" }]')


@pytest.mark.parametrize("command", [["explain"], ["graph"]])
def test_names_from_a_spec_reach_the_terminal_escaped(tmp_path, command):
    """Before: a terminal-title escape or a carriage return in a layer name went out raw."""
    r = cli(*command, spec_file(tmp_path, ESCAPES))
    assert r.exit_code == 0, r.output
    import re

    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", r.output), repr(r.output)
    assert "x\\ry\\x1b[31m" in r.output.replace("\\\\", "\\")
