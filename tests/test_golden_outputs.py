"""What a user sees, held byte for byte: every bundled network's table in every format and with
every counting preset, the memory and receptive-field columns, the paper views, the DOT graph,
`explain` and `quiz` of a few networks, `compare` of the whole zoo and `list`.

These files were written before the redesign of issue 12 and must stay identical through it;
an intended change of output is made by regenerating them and reviewing the diff:

    ARCHCALC_UPDATE_GOLDEN=1 python -m pytest -q tests/test_golden_outputs.py

Each invocation runs in-process through click's test runner; its exit status, standard output
and standard error are recorded in one file per network (``tests/golden/outputs/NAME.txt``).
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


def invocations(net: str) -> list[list[str]]:
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
    return out


LARGEST = 40_000       # characters of one output stored in full; a larger one by its digest


def record(invocation_list: list[list[str]]) -> str:
    parts = []
    for args in invocation_list:
        r = CliRunner().invoke(main, args)
        crash = ("" if r.exception is None or isinstance(r.exception, SystemExit)
                 else f"--- exception\n{type(r.exception).__name__}: {r.exception}\n")
        stdout, stderr = (t.replace(ROOT, "") for t in (r.stdout, r.stderr))
        if len(stdout) > LARGEST:
            stdout = f"({len(stdout):,} characters, sha256 {hashlib.sha256(stdout.encode()).hexdigest()})\n"
        shown = " ".join(args).replace(ROOT, "")
        parts.append(f"=== archcalc {shown}\n[exit {r.exit_code}]\n{stdout}"
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
