"""What a user sees, held byte for byte: every bundled network's table in every format and with
every counting preset, the memory and receptive-field columns, the paper views, the DOT graph,
`explain` and `quiz` of a few networks, `compare` of the whole zoo and `list`.

These files were written before the redesign of issue 12 and must stay identical through it;
an intended change of output is made by regenerating them and reviewing the diff:

    ARCHCALC_UPDATE_GOLDEN=1 python -m pytest -q tests/test_golden_outputs.py

Each invocation runs in-process through click's test runner; its exit status, standard output
and standard error are recorded in one file per network (``tests/golden/outputs/NAME.txt``).

Width (issue 15): a text table is fitted to the terminal, and the runner's output is not one, so
it is fitted to 100 columns unless COLUMNS says otherwise. The invocations held from before are
run with ``--wide`` (every column, every line whole: the bytes they had); each network's default
table, with and without ``--memory --rf``, and the zoo's ``list`` and ``compare`` are held at the
default width too, and ``alexnet`` at COLUMNS=60 (an invocation may start with ``COLUMNS=N``, and
end with ``<FILE``: standard input from ``tests/data/FILE``).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from archcalc.analysis import conventions
from archcalc.render import report
from archcalc.core import spec
from archcalc.cli import main

OUT = Path(__file__).parent / "golden" / "outputs"
DATA = Path(__file__).parent / "data"
ROOT = str(Path(__file__).resolve().parents[1]) + os.sep   # left out of what is recorded
NETWORKS = sorted(spec.catalogue())
# A few networks of each kind of arithmetic: a plain chain, LeNet-5's special units, an
# Inception with auxiliary heads, a residual and a dense network, and a separable one.
DEEP = ("alexnet", "lenet5", "googlenet", "resnet50", "densenet121", "xception")
# The largest networks repeat the arithmetic of their small siblings thousands of times: a few
# outputs each.
BIG = ("resnet1202",)
PAPER = ("googlenet", "resnet50", "densenet121", "inception-v2", "vgg16")


TABLES = ("table", "list", "compare", "quiz", "check")     # the commands whose text is fitted


def wide(args: list[str]) -> list[str]:
    """``args`` with ``--wide`` where it prints a text table (its output as before issue 15)."""
    fmt = args[args.index("--format") + 1] if "--format" in args else "text"
    return args + ["--wide"] if args[0] in TABLES and fmt == "text" else args


def fitted(net: str) -> list[list[str]]:
    """The default width (100: the runner is not a terminal)."""
    out = [["table", net], ["table", net, "--memory", "--rf"]]
    if net in PAPER:
        out.append(["table", net, "--layout", "paper"])
    if net in DEEP:
        out.append(["quiz", net, "--seed", "1", "--answers"])
    return out


def invocations(net: str) -> list[list[str]]:
    return [wide(args) for args in held(net)] + fitted(net)


def held(net: str) -> list[list[str]]:
    if net in BIG:
        return [["table", net, "--format", f] for f in ("text", "json", "csv")] + [
            ["table", net, "--memory", "--rf", "--count", ",".join(conventions.EXTRAS)],
            ["table", net, "--convention", "keras"]]
    out = [["table", net, "--format", f] for f in report.FORMATS]
    out += [["table", net, "--memory", "--rf", "--format", f] for f in ("text", "json", "csv")]
    out += [["table", net, "--convention", p] for p in conventions.PRESETS]
    out += [["table", net, "--aux", "--count", ",".join(conventions.EXTRAS), "--format", f]
            for f in ("text", "json")]
    out += [["table", net, "--no-bias", "--units", "si"],
            ["table", net, "--units", "si", "--kilo", "1024", "--format", "markdown"],
            ["table", net, "--layout", "paper"],
            ["graph", net]]
    if net in PAPER:
        out += [["table", net, "--layout", "paper", "--format", f]
                for f in ("github", "csv", "json")]
    if net in DEEP:
        out += [["table", net, "--training", "--count", "bn,act"],
                ["table", net, "--training", "--format", "json"]]
        out += [["explain", net],
                ["explain", net, "--no-bias"],
                ["quiz", net, "--seed", "1"],
                ["quiz", net, "--seed", "1", "--answers"]]
        out += [["quiz", net, "--seed", "1", "--answers", "--format", f]
                for f in ("markdown", "csv", "latex")]
    return out


def zoo_invocations() -> list[list[str]]:
    out = [["list"]]
    out += [["compare", *NETWORKS, "--format", f] for f in ("text", "csv", "json")]
    out += [["compare", *NETWORKS, "--units", "si", "--sort", "macs"]]
    for f in ("alexnet-seed-filled.tsv", "alexnet-seed-blank.tsv"):
        out += [["check", "alexnet", str(DATA / f), "--format", fmt] for fmt in ("text", "json")]
    return [wide(args) for args in out] + [
        ["list"], ["compare", *NETWORKS], ["compare", *NETWORKS, "--units", "si"],
        ["COLUMNS=60", "table", "alexnet"], ["COLUMNS=60", "list"],
        ["check", "alexnet", "-", "<alexnet-seed-filled.tsv"],     # (where the file is would
        ["check", "alexnet", "-", "--format", "csv", "<alexnet-seed-filled.tsv"]]   # wrap)


LARGEST = 40_000       # characters of one output stored in full; a larger one by its digest


def record(invocation_list: list[list[str]]) -> str:
    parts = []
    for args in invocation_list:
        env = {"COLUMNS": None}         # the developer's terminal does not count
        while args and "=" in args[0]:
            name, _, value = args[0].partition("=")
            env[name] = value
            args = args[1:]
        stdin, given = None, args
        if args[-1].startswith("<"):
            stdin = (DATA / args[-1][1:]).read_text(encoding="utf-8")
            given = args[:-1]
        r = CliRunner().invoke(main, given, env=env, input=stdin)
        crash = ("" if r.exception is None or isinstance(r.exception, SystemExit)
                 else f"--- exception\n{type(r.exception).__name__}: {r.exception}\n")
        stdout, stderr = (t.replace(ROOT, "") for t in (r.stdout, r.stderr))
        if len(stdout) > LARGEST:
            stdout = f"({len(stdout):,} characters, sha256 {hashlib.sha256(stdout.encode()).hexdigest()})\n"
        shown = " ".join(args).replace(ROOT, "")
        before = "".join(f"{k}={v} " for k, v in env.items() if v is not None)
        parts.append(f"=== {before}archcalc {shown}\n[exit {r.exit_code}]\n{stdout}"
                     f"--- stderr\n{stderr}{crash}")
    return "".join(parts)


def check(name: str, text: str) -> None:
    path = OUT / f"{name}.txt"
    if os.environ.get("ARCHCALC_UPDATE_GOLDEN"):
        OUT.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    if text != expected:        # name the first differing invocation, not a 100 kB diff
        got, want = text.split("=== "), expected.split("=== ")
        first = next((g, w) for g, w in zip(got + [""] * len(want), want + [""] * len(got))
                     if g != w)
        assert first[0] == first[1]


@pytest.mark.parametrize("net", NETWORKS)
def test_network_outputs(net):
    check(net, record(invocations(net)))


def test_zoo_outputs():
    check("_zoo", record(zoo_invocations()))
