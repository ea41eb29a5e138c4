"""Issue 15's messages: one error style for every message (click's own usage errors included),
an existing path read as a spec whatever its extension, a user's spec without a source or a
description, and a header whose totals are this network's when --input or --set change it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from archcalc.cli import main
from archcalc.core import spec

ROOT = Path(__file__).resolve().parents[1]
LENET = Path(spec.specs_dir()) / "lenet5.toml"
MINI = """name = "mini"
input = [1, 28, 28]
layers = [
  { conv = 8, k = 3 },
  { relu = true },
  { flatten = true },
  { fc = 10 },
]
"""


def run(*args, cwd=None):
    r = CliRunner().invoke(main, list(args), catch_exceptions=False) if cwd is None else None
    if r is None:
        p = subprocess.run([sys.executable, "-m", "archcalc", *args], cwd=cwd, text=True,
                           capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        return p.returncode, p.stdout, p.stderr
    return r.exit_code, r.stdout, r.stderr


@pytest.mark.parametrize("args, message", [
    (["table", "alexnet", "--bogus"], "No such option '--bogus'"),
    (["table"], "Missing argument 'NETWORK'"),
    (["tabel", "alexnet"], "No such command 'tabel'"),
    (["--bogus"], "No such option '--bogus'"),
    (["table", "alexnet", "--out", "."], "Invalid value for '--out'"),
    (["table", "alexnet", "--input"], "Option '--input' requires an argument"),
])
def test_clicks_own_errors_in_archcalcs_style(args, message):
    code, out, err = run(*args)
    assert code == 2 and out == ""
    assert err.startswith(f"archcalc: error: {message}"), err
    assert "Usage:" not in err and "\nError:" not in err
    if args[0] != "table" or len(args) > 1 and args[-1] != "--input":
        assert "--help` says more" in err


def test_help_and_a_bare_archcalc_are_unchanged():
    code, out, _ = run("--help", cwd=ROOT)
    assert code == 0 and out.startswith("Usage: archcalc [OPTIONS]")
    code, out, err = run(cwd=ROOT)
    assert "Commands:" in out + err and "archcalc: error" not in out + err


def test_an_existing_path_is_a_spec_whatever_its_extension(tmp_path):
    shutil.copy(LENET, tmp_path / "my-net.txt")
    code, out, err = run("table", "my-net.txt", cwd=tmp_path)
    assert code == 0, err
    assert out.startswith("lenet5 — LeNet-5")
    code, out, err = run("table", "my-net.txt:lenet5", cwd=tmp_path)
    assert code == 0 and out.startswith("lenet5 — LeNet-5"), err
    code, out, err = run("table", "my-net.txt:lenet7", cwd=tmp_path)
    assert code == 2 and err.startswith("archcalc: error: my-net.txt has no network 'lenet7'")
    code, out, err = run("table", "no-such.txt", cwd=tmp_path)
    assert code == 2 and "unknown network 'no-such.txt'" in err


def test_a_bundled_name_still_means_the_bundled_network(tmp_path):
    (tmp_path / "vgg16").write_text(MINI, encoding="utf-8")
    code, out, _ = run("table", "vgg16", cwd=tmp_path)
    assert code == 0 and out.startswith("vgg16 — VGG")
    code, out, _ = run("table", "./vgg16", cwd=tmp_path)
    assert code == 0 and out.startswith("mini\n")


def test_a_users_spec_needs_no_source_nor_description(tmp_path):
    f = tmp_path / "mini.toml"
    f.write_text(MINI, encoding="utf-8")
    code, out, err = run("table", str(f))
    assert code == 0, err
    assert out.splitlines()[:3] == ["mini", "source: no source given",
                                    "input: 1×28×28 (C×H×W), batch 1"]
    code, out, _ = run("quiz", str(f))
    assert code == 0 and out.startswith("mini; input 1×28×28")


def test_a_bundled_spec_still_names_its_source(tmp_path, monkeypatch):
    d = tmp_path / "specs"
    d.mkdir()
    (d / "mini.toml").write_text(MINI, encoding="utf-8")
    monkeypatch.setattr(spec, "specs_dir", lambda: str(d))
    with pytest.raises(spec.SpecError, match="missing required key 'description'"):
        spec.SpecFile(str(d / "mini.toml"))


def test_the_header_gives_the_totals_of_the_network_as_changed():
    code, out, _ = run("table", "alexnet")
    assert out.startswith("alexnet — AlexNet, single stream at 227×227 (the lecture-notes "
                          "network): 62.4 M parameters\nsource:")
    code, out, _ = run("table", "alexnet", "--input", "224", "--wide")   # head lines unwrapped
    lines = out.splitlines()
    # 50,844,008 as the issue quotes it; each line below checked against the totals row
    total = next(line for line in lines if line.startswith("total")).split()
    assert lines[0] == (f"alexnet with --input 3×224×224 — {total[1]} parameters, {total[2]} MACs")
    assert total[1] == "50,844,008"
    assert lines[1] == ("the spec as written: AlexNet, single stream at 227×227 (the lecture-notes "
                        "network): 62.4 M parameters")
    assert lines[3] == "input: 3×224×224 (C×H×W), batch 1"
    code, out, _ = run("table", "alexnet", "--input", "3x227x227")   # the spec's own: no change
    assert out.startswith("alexnet — AlexNet")
    code, out, _ = run("table", "vgg16", "--set", "classes=10")
    assert out.startswith("vgg16 with --set classes=10 — 134,301,514 parameters, ")


def test_an_input_too_small_is_blamed_on_input():
    code, out, err = run("table", "alexnet", "--input", "10")
    assert code == 2 and out == ""
    # By hand, floors throughout: at 67, conv1 (67 − 11)/4 + 1 = 15, pool1 7, conv2 7, pool2 3,
    # conv3-5 3, pool3 1; at 66, conv1 14, pool1 6, pool2 2, and pool3's 3×3 window no longer fits.
    assert err == (
        "archcalc: error: --input 3×10×10 is too small for alexnet: layers[0] (conv1): kernel 11 "
        "is larger than the padded input 10 + 0 + 0 = 10 along H (input 3×10×10); the smallest "
        "input that works is 3×67×67\n"
        '  the layer: { conv = 96, k = 11, s = 4, name = "conv1" }\n')
    assert "specs" not in err           # not the bundled file's fault
    code, _, err = run("table", "alexnet", "--input", "66")
    assert "layers[14] (pool3)" in err and "3×67×67" in err
    assert run("table", "alexnet", "--input", "67")[0] == 0
    code, _, err = run("table", "alexnet", "--input", "1x10x10", "--set", "classes=10")
    assert err.startswith("archcalc: error: --input 1×10×10 is too small for alexnet (with --set "
                          "classes=10): layers[0] (conv1)")


@pytest.mark.skipif(__import__("importlib").util.find_spec("torch") is None,
                    reason="torch (the verify extra) is not installed")
def test_verifys_memory_limit_names_the_meta_device():
    code, _, err = run("verify", "alexnet", "--batch", "100000000")
    assert code == 2 and "--device meta" in err
    code, out, err = run("verify", "alexnet", "--batch", "100000000", "--device", "meta")
    assert code == 0, err           # and it is right: meta allocates nothing
