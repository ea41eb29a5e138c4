"""The command line: golden text, the JSON contract, formats, options and every error path.

Regenerate the golden files after an intended change with ARCHCALC_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from archcalc.cli import main

GOLDEN = Path(__file__).parent / "golden"


def cli(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("ARCHCALC_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("args, golden", [
    (["table", "alexnet"], "alexnet.txt"),
    (["table", "alexnet", "--no-bias"], "alexnet-no-bias.txt"),
    (["table", "alexnet", "--input", "224"], "alexnet-224.txt"),
    (["table", "lenet5"], "lenet5.txt"),
])
def test_golden_tables(args, golden):
    r = cli(*args, "--wide")      # as before issue 15 (tests/test_fit.py: the fitted table)
    assert r.exit_code == 0, r.output
    check_golden(golden, r.output)


def test_alexnet_table_shows_the_seed_values():
    out = cli("table", "alexnet", "--no-bias").output
    conv3 = next(line for line in out.splitlines() if line.startswith("conv3 "))
    assert "884,736" in conv3 and "86,400" not in out
    assert "weights only; biases are not counted" in out


def test_json_contract():
    r = cli("table", "alexnet", "--format", "json")
    d = json.loads(r.output)
    assert d["network"] == "alexnet" and d["input"] == [3, 227, 227]
    for layer in d["layers"]:
        assert {"name", "kind", "output", "params", "macs"} <= set(layer)
        assert len(layer["output"]) == 3
    conv1 = d["layers"][0]
    assert conv1 == {**conv1, "name": "conv1", "kind": "conv", "output": [96, 55, 55],
                     "params": 34_944, "macs": 105_415_200}
    assert d["totals"]["params"] == sum(x["params"] for x in d["layers"]) == 62_378_344
    assert d["totals"]["macs"] == 1_135_256_096
    assert d["conventions"]["bias_counted"] is True


def test_json_names_block_layers_with_instance_prefix():
    d = json.loads(cli("table", "vgg16", "--format", "json").output)
    names = [x["name"] for x in d["layers"]]
    assert "conv3_3/conv" in names
    stage3 = sum(x["params"] for x in d["layers"] if x["name"].startswith("conv3_"))
    assert stage3 == 3 * 3 * 128 * 256 + 256 + 2 * (3 * 3 * 256 * 256 + 256)


def test_csv_and_github_formats():
    rows = list(csv.DictReader(io.StringIO(cli("table", "alexnet", "--format", "csv").output)))
    assert rows[0]["layer"] == "conv1" and rows[0]["params"] == "34944"
    assert rows[-1]["layer"] == "total" and int(rows[-1]["params"]) == 62_378_344
    md = cli("table", "alexnet", "--format", "github").output
    assert "| conv1 " in md and "| **total** " in md


def test_input_forms():
    assert json.loads(cli("table", "vgg16", "--input", "3x32x32", "--format", "json")
                      .output)["input"] == [3, 32, 32]
    assert json.loads(cli("table", "vgg16", "--input", "64x96", "--format", "json")
                      .output)["input"] == [3, 64, 96]


def test_fraction_is_shown_and_strict_refuses_it():
    out = cli("table", "alexnet", "--input", "224", "--wide").output   # notes unwrapped
    assert "(224 − 11 + 2·0)/4 + 1 = 54.25 → 54" in out
    assert "nearest inputs at which no layer leaves input pixels out" in out and "227×227" in out
    r = cli("table", "alexnet", "--input", "224", "--strict")
    assert r.exit_code == 2 and "--strict" in r.output and "54.25" in r.output
    assert cli("table", "alexnet", "--strict").exit_code == 0
    # only padding left out (conv1, pool1) and 1×1 stride-2 shortcuts: accepted (issue 15)
    r = cli("table", "resnet50", "--strict", "--wide")
    assert r.exit_code == 0 and "only padding is left out" in r.output
    assert "nearest inputs" not in r.output
    # Fig. 3's 110 needs a floor, but what it drops is a padding pixel: every input pixel is read
    assert cli("table", "zfnet", "--strict").exit_code == 0


@pytest.mark.parametrize("args, message", [
    (["table", "alexnte"], "unknown network 'alexnte' (did you mean 'alexnet'?)"),
    (["table", "vgg"], "'vgg' is a family"),
    (["table", "alexnet", "--input", "0"], "at least 1"),
    (["table", "alexnet", "--input", "3x-5x7"], "expected 224, 224x224 or 3x224x224"),
    (["table", "alexnet", "--input", "10**9"], "expected 224, 224x224 or 3x224x224"),
    (["table", "alexnet", "--input", "8"], "larger than the padded input"),
    (["table", "no/such/file.toml"], "no such spec file"),
])
def test_errors_exit_2_with_a_message(args, message):
    r = cli(*args)
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert "Traceback" not in r.output


def test_user_spec_file(tmp_path):
    p = tmp_path / "mine.toml"
    p.write_text('name = "mine"\ndescription = "d"\nsource = "s"\ninput = [1, 28, 28]\n'
                 'layers = [{ conv = 4, k = 5, name = "c" }, "flatten", { fc = 10 }]\n')
    r = cli("table", str(p), "--format", "json")
    assert r.exit_code == 0
    assert json.loads(r.output)["totals"]["params"] == (25 * 4 + 4) + (4 * 24 * 24 * 10 + 10)
    p.write_text(p.read_text().replace("k = 5", "k = 50"))
    before = p.read_bytes()
    r = cli("table", str(p))
    assert r.exit_code == 2 and "layers[0] (c)" in r.output
    assert p.read_bytes() == before              # a failing run never touches the user's file


def test_list_shows_every_network():
    out = cli("list").output
    for name in ("lenet5", "alexnet", "alexnet-grouped", "alexnet-torchvision", "zfnet", "vgg11",
                 "vgg11-lrn", "vgg13", "vgg16-c", "vgg16", "vgg19", "vgg11-bn", "vgg13-bn",
                 "vgg16-bn", "vgg19-bn"):
        assert f"\n{name} " in out
    assert "LeCun et al. 1998" in out


def test_python_dash_m_and_no_traceback_in_a_real_process():
    ok = subprocess.run([sys.executable, "-m", "archcalc", "table", "lenet5"],
                        capture_output=True, text=True)
    assert ok.returncode == 0 and "60,000" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "archcalc", "table", "lenet"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "did you mean 'lenet5'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_the_program_ends_at_once_with_its_output_whole(tmp_path):
    # cli.run ends the process with os._exit once its streams are flushed (start-up, issue 12):
    # a long output piped, an --out file and an error's status must come out as with main.
    args = ["table", "resnet152", "--format", "csv"]
    piped = subprocess.run([sys.executable, "-m", "archcalc", *args], capture_output=True)
    assert piped.returncode == 0
    assert piped.stdout.decode() == CliRunner().invoke(main, args).stdout
    out = tmp_path / "t.json"
    wrote = subprocess.run([sys.executable, "-m", "archcalc", "table", "resnet152", "--format",
                            "json", "--out", str(out)], capture_output=True, text=True)
    assert wrote.returncode == 0 and wrote.stderr == f"wrote {out}\n"
    assert json.loads(out.read_text())["network"] == "resnet152"
    unknown = subprocess.run([sys.executable, "-m", "archcalc", "table", "--bogus"],
                             capture_output=True, text=True)
    assert unknown.returncode == 2 and "No such option '--bogus'" in unknown.stderr


def test_startup_does_not_import_heavy_modules():
    code = ("import sys; from archcalc.cli import main; "
            "main(['table', 'vgg16'], standalone_mode=False); "
            "print(sorted(m for m in ('torch', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip().endswith("[]")


def test_version_is_the_installed_packages():
    from importlib.metadata import version

    assert cli("--version").output == f"archcalc {version('archcalc')}\n"
