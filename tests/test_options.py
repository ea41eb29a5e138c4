"""One options layer: the command line and the Python API refuse the same values, with the same
message, and accept the same values (issue 12); the hostile options of issue 17."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import archcalc
from archcalc import commands, options
from archcalc.cli import main

BIG = str(10 ** 300)

# (the command line's arguments after `table alexnet`, the API's keyword arguments): each pair
# is the same request through the two faces, and each is refused.
REFUSED = [
    # sizes
    (["--input", "0"], {"input": 0}),
    (["--input", "3x0x224"], {"input": (3, 0, 224)}),
    (["--input", "224x0"], {"input": [224, 0]}),
    (["--input", f"3x{BIG}x{BIG}"], {"input": (3, 10 ** 300, 10 ** 300)}),
    (["--input", "1000000001"], {"input": 1_000_000_001}),
    (["--input", "3x224x224x1"], {"input": "3x224x224x1"}),
    (["--input", ""], {"input": ""}),
    (["--input", "3x-5x7"], {"input": "3x-5x7"}),
    (["--input", "8"], {"input": 8}),                               # the spec's own check
    # --set
    (["--set", "classes=-1"], {"params": {"classes": -1}}),
    (["--set", "classes=1.5"], {"params": {"classes": 1.5}}),
    (["--set", "clases=10"], {"params": {"clases": 10}}),
    (["--set", "classes=10\ng2=2"], {"params": {"classes": "10\ng2=2"}}),
    (["--set", "=3"], {"params": {"": 3}}),
    (["--set", "classes=1000000001"], {"params": {"classes": 1_000_000_001}}),
    (["--set", "classes=10", "--input", "8"], {"params": {"classes": 10}, "input": 8}),
    # the table's options
    (["--columns", "layer,nope"], {"columns": ["layer", "nope"]}),
    (["--columns", "layer,nope"], {"columns": "layer,nope"}),
    (["--columns", ""], {"columns": ""}),
    (["--columns", ","], {"columns": ","}),
    (["--count", "bias,relu"], {"count": "bias,relu"}),
    (["--count", "bias", "--count", "relu"], {"count": ["bias", "relu"]}),
    (["--convention", "tf"], {"convention": "tf"}),
    (["--convention", "Keras"], {"convention": "Keras"}),
    (["--units", "SI"], {"units": "SI"}),
    (["--kilo", "1023"], {"kilo": 1023}),
    (["--kilo", "1k"], {"kilo": "1k"}),
    (["--dtype", "fp64"], {"dtype": "fp64"}),
    (["--optimizer", "adamw"], {"optimizer": "adamw"}),
    (["--batch", "0"], {"batch": 0}),
    (["--batch", "-3"], {"batch": -3}),
    (["--batch", "1" + "0" * 320], {"batch": 10 ** 320}),
    (["--batch", "9" * 5000], {"batch": 10 ** 5000 - 1}),
    (["--batch", "2.5"], {"batch": "2.5"}),
]


def cli_error(args: list[str]) -> str:
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2, (args, r.output)
    assert r.stderr.startswith("archcalc: error: "), r.stderr
    return r.stderr[len("archcalc: error: "):].rstrip("\n")


def api_error(call) -> str:
    with pytest.raises(archcalc.ArchcalcError) as e:
        call()
    return str(e.value)


@pytest.mark.parametrize("args, kwargs", REFUSED)
def test_the_api_refuses_what_the_cli_refuses_with_the_same_message(args, kwargs):
    cli = cli_error(["table", "alexnet", *args])
    api = api_error(lambda: archcalc.analyze("alexnet", **kwargs))
    assert api == cli
    assert "Traceback" not in cli and len(cli) < 600, cli


def test_the_600_digit_input_of_the_issue():
    # archcalc.analyze returned a 600-digit MAC count here, which the CLI refused.
    message = api_error(lambda: archcalc.analyze("alexnet", input=(3, 10 ** 300, 10 ** 300)))
    assert message.startswith("--input: every size must be at least 1 and at most "
                              "1,000,000,000, found 3x")
    assert "(301 digits)" in message
    # The engine's records, through archcalc.analyse, are refused alike.
    from archcalc import Shape

    assert api_error(lambda: archcalc.analyse("alexnet", Shape(3, 10 ** 300, 10 ** 300))) \
        == message


@pytest.mark.parametrize("network, message", [
    ("alexnte", "unknown network 'alexnte' (did you mean 'alexnet'?)"),
    ("vgg", "'vgg' is a family"),
    ("no/such/file.toml", "no such spec file"),
])
def test_networks_refused_alike(network, message):
    cli = cli_error(["table", network])
    assert message in cli
    assert api_error(lambda: archcalc.analyze(network)) == cli


def test_a_format_refused_alike():
    cli = cli_error(["table", "alexnet", "--format", "xls"])
    assert cli == "--format: unknown 'xls'; choose from " + ", ".join(options.choices("--format"))
    assert api_error(lambda: archcalc.analyze("alexnet").render("xls")) == cli


@pytest.mark.parametrize("args, kwargs", [
    (["--input", "224x224"], {"input": (224, 224)}),
    (["--input", "3x224x224"], {"input": "3x224x224"}),
    (["--input", " 1 × 224 , 224 "], {"input": (1, 224, 224)}),
    (["--kilo", "1024", "--units", "si"], {"kilo": "1024", "units": "si"}),
    (["--batch", "007", "--memory"], {"batch": "7", "memory": True}),
    (["--set", "classes=10", "--count", "bias,act", "--columns", "layer,MACs,flops"],
     {"params": {"classes": 10}, "count": ("bias", "act"), "columns": ["layer", "MACs", "flops"]}),
    (["--count", "act,act,bias"], {"count": "act, act, bias"}),
])
def test_the_api_accepts_what_the_cli_accepts_with_the_same_table(args, kwargs):
    r = CliRunner().invoke(main, ["table", "alexnet", "--format", "json", *args])
    assert r.exit_code == 0, r.output
    assert archcalc.analyze("alexnet", **kwargs).to_json() == r.output


def test_a_change_by_set_is_named_in_the_message_of_both():
    cli = cli_error(["table", "alexnet", "--set", "classes=10", "--input", "8"])
    assert cli.startswith("--input 3×8×8 is too small for alexnet (with --set classes=10): ")
    import archcalc

    with pytest.raises(archcalc.ArchcalcError) as e:
        archcalc.analyze("alexnet", input=8, params={"classes": 10})
    assert str(e.value) == cli


def test_set_values_are_one_line_each():
    # Issue 17: `--set $'classes=10\ng2=2'` set classes and silently dropped g2.
    message = cli_error(["table", "alexnet", "--set", "classes=10\ng2=2"])
    assert message == ("--set: expected one NAME=VALUE on one line (a --set for each param), "
                       "found 'classes=10\\ng2=2'")
    for bad in ("classes=1\r", "classes=\x1b[31m10", "cla\tsses=10"):
        assert cli_error(["table", "alexnet", "--set", bad]).startswith("--set: expected one")


def test_an_empty_input_is_an_error_not_the_default():
    # Issue 17: `--input ''` was accepted and ignored.
    for command in (["table", "alexnet"], ["explain", "alexnet"], ["quiz", "alexnet"],
                    ["graph", "alexnet"]):
        assert cli_error([*command, "--input", ""]).startswith("--input: expected 224")


def test_unknown_keyword_and_non_flag_values_of_the_api():
    assert "did you mean 'columns'" in api_error(
        lambda: archcalc.analyze("alexnet", colums=["layer"]))
    assert api_error(lambda: archcalc.analyze("alexnet", memory="yes")) == \
        "--memory: expected True or False, found 'yes'"
    assert api_error(lambda: archcalc.analyze("alexnet", count=[1])).startswith(
        "--count: expected names separated by commas")
    assert api_error(lambda: archcalc.analyze("alexnet", input=(3, 2.5, 224))) == \
        "--input: expected 224, 224x224 or 3x224x224 (whole numbers), found (3, 2.5, 224)"
    assert api_error(lambda: archcalc.analyze(224)).startswith(
        "expected a network's name or a spec file's path, found 224")


@pytest.mark.parametrize("args, call", [
    (["quiz", "alexnet", "--fraction", "nan"], lambda: commands.quiz("alexnet", fraction="nan")),
    (["quiz", "alexnet", "--fraction", "1.5"], lambda: commands.quiz("alexnet", fraction=1.5)),
    (["quiz", "alexnet", "--seed", "x"], lambda: commands.quiz("alexnet", seed="x")),
    (["quiz", "alexnet", "--blank", "W,Q"], lambda: commands.quiz("alexnet", blank=["W", "Q"])),
    (["quiz", "alexnet", "--example", "-1"], lambda: commands.quiz("alexnet", example=-1)),
    (["quiz", "alexnet", "--format", "yaml"], lambda: commands.quiz("alexnet", format="yaml")),
    (["explain", "alexnet", "nope"], lambda: commands.explain("alexnet", ["nope"])),
    (["compare", "alexnet", "--sort", "size"], lambda: commands.compare(["alexnet"], "size")),
    (["compare", "alexnet", "--kilo", "1"], lambda: commands.compare(["alexnet"], kilo=1)),
    (["graph", "alexnet", "--format", "png"], lambda: commands.graph("alexnet", format="png")),
    (["table", "alexnet", "--layout", "grid"], lambda: commands.table("alexnet", layout="grid")),
    (["check", "alexnet", "x.csv", "--k", "1200"], lambda: commands.check("alexnet", "x.csv", k=1200)),
    (["check", "alexnet", "x.csv", "--table", "0"],
     lambda: commands.check("alexnet", "x.csv", table=0)),
    (["check", "alexnet", "x.csv", "--column", "W"],
     lambda: commands.check("alexnet", "x.csv", columns=["W"])),
    (["verify", "alexnet", "--device", "tpu"], lambda: commands.verify(["alexnet"], device="tpu")),
    (["verify", "alexnet", "--batch", "0"], lambda: commands.verify(["alexnet"], batch=0)),
    (["verify", "alexnet", "--all"], lambda: commands.verify(["alexnet"], all=True)),
])
def test_every_command_refuses_alike_through_the_functions_the_web_app_calls(args, call):
    assert api_error(call) == cli_error(args)


def test_choices_come_from_the_modules_that_own_them():
    from archcalc.analysis import compare, conventions, dtypes
    from archcalc.homework import quiz
    from archcalc.render import report, units

    assert options.choices("--format") == report.FORMATS
    assert options.choices("--convention") == conventions.PRESETS
    assert options.choices("--count") == conventions.EXTRAS
    assert options.choices("--units") == units.UNITS
    assert options.choices("--kilo") == tuple(map(str, units.KILOS))
    assert options.choices("--dtype") == tuple(dtypes.DTYPES)
    assert options.choices("--optimizer") == tuple(dtypes.OPTIMIZERS)
    assert options.choices("--sort") == compare.SORT_KEYS
    assert options.choices("--blank") == quiz.COLUMNS
