"""The README stays true: its sample is today's output, its test command is CI's, its kind table
is complete."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from archcalc.cli import main
from archcalc.core.kinds import RULES
from archcalc.core.spec import MAX_DEPTH, MAX_FILE_BYTES, MAX_LAYERS, MAX_REPEAT, MAX_SIZE

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_sample_is_the_current_output():
    out = CliRunner().invoke(main, ["table", "alexnet"], env={"COLUMNS": None}).output
    assert f"```text\n{out}```" in README


def test_ci_runs_exactly_the_readme_test_command():
    blocks = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    test_cmd = next(b for b in blocks if "pytest" in b)
    assert test_cmd in (ROOT / ".ci" / "run").read_text().splitlines()
    assert any("archcalc table alexnet" in b for b in blocks)


def test_every_layer_kind_is_documented():
    table = README[README.index("**Layer kinds**"):]
    for kind in RULES:
        assert f"`{kind}`" in table, kind


def test_limits_are_documented():
    limits = README[README.index("### Limits"):]
    for n, what in ((MAX_FILE_BYTES, "bytes"), (MAX_REPEAT, ""), (MAX_LAYERS, "layers"),
                    (MAX_SIZE, "")):
        assert f"{n:,} {what}".strip() in limits
    assert f"{MAX_DEPTH} deep" in limits
    from archcalc.verify.run import MAX_FORWARD_BYTES

    assert f"`verify` | {MAX_FORWARD_BYTES // 2**30} GiB" in limits
