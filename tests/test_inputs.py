"""Several named inputs (issue 13): ``inputs = { image = [...], mask = [...] }`` in the spec
language, ``from = "NAME"`` on the layer that reads one, ``--input NAME=CxHxW`` on every face,
and each input in the table, the JSON, the memory, the receptive field, the graph, explain, quiz
and check. The example network, examples/image_mask.toml, is worked out by hand here."""

from __future__ import annotations

import json
import os
import textwrap

import pytest
from click.testing import CliRunner

import archcalc
from archcalc import options
from archcalc.cli import main
from archcalc.core import engine, spec
from archcalc.core.errors import ArchcalcError, SpecError
from archcalc.core.records import Shape

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "image_mask.toml")


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def cli_error(*args) -> str:
    r = cli(*args)
    assert r.exit_code == 2, (args, r.output)
    assert r.stderr.startswith("archcalc: error: "), r.stderr
    assert "Traceback" not in r.output
    return r.stderr[len("archcalc: error: "):].rstrip("\n")


def api_error(call) -> str:
    with pytest.raises(ArchcalcError) as e:
        call()
    return str(e.value)


def spec_text(tmp_path, text: str, name: str = "net.toml") -> str:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return str(p)


TWO = """\
name = "two"
inputs = { image = [3, 32, 32], mask = [1, 32, 32] }
layers = [
  { use = "fuse", name = "fuse" },
  { conv = 8, k = 3, p = 1, name = "conv" },
]
[blocks.fuse]
concat = [
  [{ conv = 4, k = 3, p = 1, name = "a" }],
  [{ conv = 2, k = 1, from = "mask", name = "b" }],
]
"""


# --- the spec language -----------------------------------------------------------------------

def test_the_example_reads_each_input_where_the_spec_says():
    net = spec.load(EXAMPLE)
    assert net.inputs == (("image", Shape(3, 64, 64)), ("mask", Shape(1, 64, 64)))
    assert net.input == Shape(3, 64, 64)
    reads = {n.name: n.inputs for n in net.nodes}
    assert reads["fuse/image_conv"] == ("image",)       # the first input, named by no one
    assert reads["fuse/mask_conv"] == ("mask",)         # from = "mask"
    assert reads["fuse/concat"] == ("fuse/relu1", "fuse/relu2")


def test_the_example_counts_worked_by_hand():
    a = engine.analyse(spec.load(EXAMPLE))
    rows = {r.name: r for r in a.rows}
    # image_conv: 16 filters of 3×3×3 + 16 biases; 16·64·64 outputs × 27 MACs each
    assert rows["fuse/image_conv"].counts.params == 16 * 27 + 16 == 448
    assert rows["fuse/image_conv"].counts.macs == 16 * 64 * 64 * 27
    # mask_conv reads the one-channel mask: 4 filters of 3×3×1 + 4 biases
    assert rows["fuse/mask_conv"].input_shapes == (Shape(1, 64, 64),)
    assert rows["fuse/mask_conv"].counts.params == 4 * 9 + 4
    assert rows["fuse/mask_conv"].counts.macs == 4 * 64 * 64 * 9
    assert rows["fuse/concat"].output == Shape(20, 64, 64)
    assert rows["conv1"].counts.params == 32 * 20 * 9 + 32
    assert a.totals.params == 448 + 40 + (32 * 180 + 32) + (64 * 32 * 9 + 64) + (64 * 2 + 2)
    # the memory counts both inputs: 3·64·64 + 1·64·64 values
    assert a.input_elements == 3 * 64 * 64 + 64 * 64


def test_a_one_input_spec_is_unchanged():
    net = spec.load("alexnet")
    assert net.inputs == (("input", Shape(3, 227, 227)),)
    assert all(n.inputs != ("image",) for n in net.nodes)
    assert net.replace(input=Shape(3, 224, 224)).inputs == (("input", Shape(3, 224, 224)),)


def test_the_first_layer_may_read_another_input_and_variants_give_their_own(tmp_path):
    path = spec_text(tmp_path, """\
        name = "fam"
        input = [3, 16, 16]
        params = { s = 8 }
        layers = [{ conv = 4, k = 3, name = "c" }]
        [variants.one]
        [variants.two]
        inputs = { a = [3, 16, 16], b = [3, "$s", "$s"] }
        params = { s = 16 }
        layers = [{ conv = 4, k = 3, from = "b", name = "cb" },
                  { conv = 4, k = 3, from = "a", name = "ca" }]
        """)
    assert spec.load(path + ":one").inputs == (("input", Shape(3, 16, 16)),)
    two = spec.load(path + ":two")
    assert two.inputs == (("a", Shape(3, 16, 16)), ("b", Shape(3, 16, 16)))
    assert [n.inputs for n in two.nodes] == [("b",), ("a",)]


def test_from_reads_the_input_only_for_the_first_repeat(tmp_path):
    path = spec_text(tmp_path, """\
        name = "rep"
        inputs = { x = [2, 8, 8], y = [3, 8, 8] }
        layers = [{ conv = 2, k = 1, name = "a" }, { conv = 3, k = 1, n = 3, from = "y", name = "b" }]
        """)
    net = spec.load(path)
    assert [n.inputs for n in net.nodes] == [("x",), ("y",), ("b_1",), ("b_2",)]


@pytest.mark.parametrize("text, where, message", [
    ('name = "x"\ninput = [3, 8, 8]\ninputs = { a = [3, 8, 8] }\nlayers = ["relu"]\n',
     "the top level", "give 'input' (one input) or 'inputs' (several, named), not both"),
    ('name = "x"\ninputs = [3, 8, 8]\nlayers = ["relu"]\n',
     "inputs", "expected a table of named inputs, each [C, H, W]"),
    ('name = "x"\ninputs = { a = [3, 8], b = [1, 8, 8] }\nlayers = ["relu"]\n',
     "inputs.a", "expected [C, H, W], three whole numbers ≥ 1"),
    ('name = "x"\ninputs = { input = [3, 8, 8], b = [1, 8, 8] }\nlayers = ["relu"]\n',
     "inputs", "'input' is the name of a network's one input"),
    ('name = "x"\ninputs = { "2d" = [3, 8, 8], b = [1, 8, 8] }\nlayers = ["relu"]\n',
     "inputs", "an input's name is a letter or _ then letters, digits, _, . or -, found '2d'"),
    ('name = "x"\ninputs = { image = [3, 8, 8], mask = [1, 8, 8] }\n'
     'layers = [{ relu = true, from = "mak" }]\n',
     "layers[0]", "'from' names one of the network's inputs ('image', 'mask'), found \"mak\" "
                  "(did you mean 'mask'?)"),
    ('name = "x"\ninputs = { image = [3, 8, 8], mask = [1, 8, 8] }\n'
     'layers = [{ relu = true, name = "mask" }, { relu = true, from = "mask" }]\n',
     "layers[0] (mask)", "a layer cannot be named 'mask': that is the name of one of the "
                         "network's inputs (rename the layer or the input)"),
    ('name = "x"\ninputs = { image = [3, 8, 8], mask = [1, 8, 8] }\nlayers = ["relu"]\n',
     "layers", "no layer reads the input 'mask'"),
    ('name = "x"\ninputs = { image = [3, 8, 8], mask = [1, 8, 8] }\n'
     'layers = ["relu", { relu = true, name = "input", from = "mask" }]\n',
     "layers[1] (input)", "a layer cannot be named 'input'"),
    ('name = "x"\nlayers = ["relu"]\n', "the top level", "missing required key 'input' (or 'inputs')"),
])
def test_each_mistake_is_one_message_with_its_place(tmp_path, text, where, message):
    path = spec_text(tmp_path, text)
    with pytest.raises(SpecError) as e:
        spec.load(path)
    assert e.value.where == where
    assert message in e.value.message
    # the command line: the same message, exit status 2, no traceback
    assert message in cli_error("table", path)


def test_a_variant_may_not_give_both(tmp_path):
    path = spec_text(tmp_path, 'name = "f"\nlayers = ["relu"]\n[variants.v]\ninput = [3, 8, 8]\n'
                               'inputs = { a = [3, 8, 8] }\n')
    with pytest.raises(SpecError) as e:
        spec.load(path + ":v")
    assert e.value.where == "variants.v" and "not both" in e.value.message


# --- --input on every face -------------------------------------------------------------------

REFUSED = [
    (["--input", "3x32x32"], {"input": (3, 32, 32)},
     "--input: image-mask has several inputs (image 3×64×64, mask 1×64×64); give each one to "
     "change as NAME=CxHxW, e.g. --input image=3x64x64"),
    (["--input", "imag=3x32x32"], {"input": {"imag": (3, 32, 32)}},
     "--input: image-mask has no input 'imag' (did you mean 'image'?); its inputs are: image "
     "3×64×64, mask 1×64×64"),
    (["--input", "image=3x32x32", "--input", "image=3x16x16"], None,
     "--input: the input 'image' is given twice (image=3x32x32 and image=3x16x16); give each "
     "input once"),
    (["--input", "image=abc"], {"input": {"image": "abc"}},
     "--input image: expected 224, 224x224 or 3x224x224 (whole numbers), found 'abc'"),
    (["--input", "image=0x4"], {"input": {"image": (0, 4)}},
     "--input image: every size must be at least 1 and at most 1,000,000,000, found 0x4"),
    (["--input", "3x32x32", "--input", "mask=1x32x32"], None,
     "--input: a plain shape ('3x32x32') beside named inputs; give every input as NAME=CxHxW"),
    (["--input", "=3x32x32"], None,
     "--input: expected NAME=CxHxW (an input's name, then its shape), found '=3x32x32'"),
    (["--input", "mask=1x16x16"], {"input": {"mask": (1, 16, 16)}},
     "--input mask=1×16×16 does not fit image-mask: layers[0] (fuse) > blocks.fuse.concat: "
     "cannot concatenate branch 0 (16×64×64) and branch 1 (4×16×16)"),
]


@pytest.mark.parametrize("args, kwargs, message", REFUSED)
def test_the_cli_and_the_api_refuse_alike(args, kwargs, message):
    got = cli_error("table", EXAMPLE, *args)
    assert got.startswith(message), got
    if kwargs is not None:
        assert api_error(lambda: archcalc.analyze(EXAMPLE, **kwargs)) == got
    # the CLI's own form through the API: the same
    values = tuple(args[1::2])
    assert api_error(lambda: archcalc.analyze(EXAMPLE, input=values)) == got


def test_names_not_given_keep_the_specs_shapes():
    a = archcalc.analyse(EXAMPLE, {"image": "3x32x32", "mask": (1, 32, 32)})
    assert a.inputs == (("image", Shape(3, 32, 32)), ("mask", Shape(1, 32, 32)))
    assert a.changes == ("--input image=3×32×32", "--input mask=1×32×32")
    r = cli("table", EXAMPLE, "--input", "image=48", "--input", "mask=48")
    assert r.exit_code == 0, r.output
    assert "inputs: image 3×48×48, mask 1×48×48 (C×H×W), batch 1" in r.output
    # a name given with the spec's own shape changes nothing
    same = archcalc.analyse(EXAMPLE, {"mask": (1, 64, 64)})
    assert same.changes == () and same.inputs == spec.load(EXAMPLE).inputs


def test_a_one_input_network_takes_its_plain_shape_or_its_own_name():
    assert archcalc.analyse("alexnet", "3x224x224").input == Shape(3, 224, 224)
    assert archcalc.analyse("alexnet", {"input": 224}).input == Shape(3, 224, 224)
    assert archcalc.analyse("alexnet", ("224",)).input == Shape(3, 224, 224)
    message = cli_error("table", "alexnet", "--input", "image=3x224x224")
    assert message == "--input: alexnet has no input 'image'; its input is: input 3×227×227"
    assert api_error(lambda: archcalc.analyze("alexnet", input={"image": 224})) == message


@pytest.mark.parametrize("command", [
    ["table"], ["explain"], ["quiz"], ["graph"], ["plot", "--out", "x.png"],
])
def test_every_command_that_takes_input_refuses_it_alike(command):
    got = cli_error(command[0], EXAMPLE, *command[1:], "--input", "imag=3x8x8")
    assert got.startswith("--input: image-mask has no input 'imag'"), got


def test_check_and_verify_refuse_alike(tmp_path):
    answers = tmp_path / "a.md"
    answers.write_text("| layer | output |\n|---|---|\n| conv1 | 32×64×64 |\n")
    got = cli_error("check", EXAMPLE, answers, "--input", "imag=3x8x8")
    assert got.startswith("--input: image-mask has no input 'imag'"), got
    got = cli_error("verify", EXAMPLE, "--input", "imag=3x8x8")
    assert got.startswith("--input: image-mask has no input 'imag'"), got


# --- the views -------------------------------------------------------------------------------

def test_the_table_heads_each_input_and_counts_both_in_memory():
    r = cli("table", EXAMPLE, "--memory")
    assert r.exit_code == 0, r.output
    assert "inputs: image 3×64×64, mask 1×64×64 (C×H×W), batch 1" in r.output
    total = 3 * 64 * 64 + 64 * 64
    assert (f"forward activations per image: inputs image {3 * 64 * 64:,} + mask {64 * 64:,} + "
            "layer outputs") in r.output
    a = archcalc.analyse(EXAMPLE)
    from archcalc.analysis import memory

    assert memory.memory(a, a.totals.params).input_values == total


def test_one_input_networks_keep_their_head():
    r = cli("table", "alexnet")
    assert "input: 3×227×227 (C×H×W), batch 1" in r.output and "inputs:" not in r.output


def test_json_lists_the_inputs_and_csv_the_rows():
    doc = json.loads(archcalc.analyze(EXAMPLE).to_json())
    assert doc["inputs"] == [{"name": "image", "shape": [3, 64, 64]},
                             {"name": "mask", "shape": [1, 64, 64]}]
    assert doc["input"] == [3, 64, 64]
    assert "inputs" not in json.loads(archcalc.analyze("lenet5").to_json())
    csv = archcalc.analyze(EXAMPLE).to_csv().splitlines()
    assert csv[1].startswith("fuse/image_conv,conv,3×3 s1 p1,64,64,16,448,")
    assert any(line.startswith("fuse/mask_conv,conv,3×3 s1 p1,64,64,4,40,") for line in csv)


def test_the_receptive_field_is_per_input_until_the_inputs_meet():
    from archcalc.analysis import receptive

    f = receptive.fields(archcalc.analyse(EXAMPLE))
    assert receptive.size_text(f["fuse/image_conv"]) == "3×3"     # in the image's pixels
    assert receptive.size_text(f["fuse/mask_conv"]) == "3×3"      # in the mask's pixels
    assert receptive.size_text(f["fuse/concat"]) == "not computed"
    assert f["fuse/concat"].why == "inputs" and f["conv2"].why == "inputs"
    r = cli("table", EXAMPLE, "--rf")
    assert "several inputs (image, mask): each layer's field is in the pixels of the input it " \
           "reads" in " ".join(r.output.split())
    doc = json.loads(archcalc.analyze(EXAMPLE, rf=True).to_json())
    rf = {layer["name"]: layer["receptive_field"] for layer in doc["layers"]}
    assert rf["fuse/concat"] == "not computed"
    assert rf["fuse/mask_conv"]["h"] == {"size": 3, "jump": 1, "start": -1}


def test_two_branches_of_one_input_still_join_their_fields(tmp_path):
    from archcalc.analysis import receptive

    path = spec_text(tmp_path, """\
        name = "one"
        inputs = { x = [1, 16, 16], y = [1, 16, 16] }
        layers = [{ use = "two", name = "j" }, { use = "mix", name = "m" }]
        [blocks.two]
        add = [[{ conv = 1, k = 3, p = 1, name = "a" }], [{ conv = 1, k = 5, p = 2, name = "b" }]]
        [blocks.mix]
        add = [[], [{ conv = 1, k = 1, from = "y", name = "c" }]]
        """)
    f = receptive.fields(engine.analyse(spec.load(path)))
    assert receptive.size_text(f["j/add"]) == "5×5"                # both read x
    assert receptive.size_text(f["m/add"]) == "not computed"       # x's and y's branches


def test_the_graph_draws_each_input():
    dot = cli("graph", EXAMPLE).output
    assert '"image" [label="image 3×64×64", shape=oval];' in dot
    assert '"mask" [label="mask 1×64×64", shape=oval];' in dot
    assert '"mask" -> "fuse/mask_conv";' in dot
    assert 'input [label="input 3×227×227", shape=oval];' in cli("graph", "alexnet").output


def test_explain_and_quiz_on_the_example():
    r = cli("explain", EXAMPLE, "fuse/mask_conv")
    assert r.exit_code == 0, r.output
    assert "input 1×64×64 → 4×64×64" in r.output
    assert "params = 3·3·1·4 = 36 weights + 4 biases = 40" in r.output
    q = cli("quiz", EXAMPLE).output
    assert "inputs image 3×64×64, mask 1×64×64 (C×H×W)" in " ".join(q.split())
    assert "(on mask)" in q


def test_check_marks_each_input_row_against_its_own_shape(tmp_path):
    answers = tmp_path / "answers.md"
    answers.write_text(
        "| layer | output | params |\n|---|---|---|\n| image | 3×64×64 | |\n"
        "| mask | 2×64×64 | |\n| fuse/mask_conv | 4×64×64 | 40 |\n| conv1 | 32×64×64 | 5,792 |\n")
    r = cli("check", EXAMPLE, answers)
    assert "mask output: '2×64×64' — expected 1×64×64" in r.output, r.output
    assert "image output" not in r.output.split("wrong:")[1].split("\n\n")[0]


# --- the verifier ----------------------------------------------------------------------------

def test_verify_builds_and_runs_the_two_input_network_on_cpu():
    pytest.importorskip("torch")
    from archcalc.verify.run import verify

    net = options.network(EXAMPLE, {"image": 48, "mask": 48})
    nc = verify(net, "cpu", batch=2)
    assert nc.ok, [c for c in nc.failures]
    shapes = {c.name: c.torch_shape for c in nc.layers}
    assert shapes["fuse/mask_conv"] == (4, 48, 48) and shapes["fuse/concat"] == (20, 48, 48)
    assert nc.input_text == "inputs image 3×48×48, mask 1×48×48"
    r = cli("verify", EXAMPLE, "--rows", "none")
    assert r.exit_code == 0, r.output
    assert "image-mask: all 13 layers agree with torch" in r.output


def test_the_readme_example_is_the_current_output(monkeypatch):
    monkeypatch.chdir(ROOT)
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    out = CliRunner().invoke(main, ["table", "examples/image_mask.toml"],
                             env={"COLUMNS": None}).output
    assert f"```text\n{out}```" in readme


def test_compare_shows_every_input():
    # Before: compare printed and wrote the first input only (3×64×64).
    text = cli("compare", EXAMPLE, "--wide").output
    row = next(line for line in text.splitlines() if line.startswith("image-mask"))
    assert "image 3×64×64, mask 1×64×64" in row
    entry = json.loads(cli("compare", EXAMPLE, "--format", "json").output)["networks"][0]
    assert entry["input"] == [3, 64, 64]
    assert entry["inputs"] == [{"name": "image", "shape": [3, 64, 64]},
                               {"name": "mask", "shape": [1, 64, 64]}]
    one = json.loads(cli("compare", "alexnet", "--format", "json").output)["networks"][0]
    assert "inputs" not in one


# --- an input straight into a join -----------------------------------------------------------
# A branch may be written as a network input's name: the join reads that input unchanged
# (torch.cat([image, mask]), image + mask). examples/image_mask_stack.toml, worked by hand.

STACK = os.path.join(ROOT, "examples", "image_mask_stack.toml")


def test_a_branch_that_names_an_input_is_that_input_unchanged():
    net = spec.load(STACK)
    reads = {n.name: n.inputs for n in net.nodes}
    assert reads["stack/concat"] == ("image", "mask")       # no layer on either input
    assert reads["hint/concat"] == ("relu", "mask")         # the trunk ([]) and the mask
    rows = {r.name: r for r in engine.analyse(net).rows}
    assert rows["stack/concat"].output == Shape(4, 64, 64)
    # conv1 sees 3 + 1 = 4 channels: 16 filters of 3·3·4 + 16 biases; 64·64·16 outputs × 36
    assert rows["conv1"].counts.params == 16 * 3 * 3 * 4 + 16 == 592
    assert rows["conv1"].counts.macs == 64 * 64 * 16 * 36 == 2_359_296
    assert rows["hint/concat"].output == Shape(17, 64, 64)
    assert rows["hint/mix"].counts.params == 17 * 8 + 8 == 144
    assert rows["hint/mix"].counts.macs == 64 * 64 * 8 * 17 == 557_056


def test_an_input_into_a_join_in_memory_rf_json_and_graph():
    from archcalc.analysis import receptive

    a = archcalc.analyse(STACK)
    f = receptive.fields(a)
    assert receptive.size_text(f["stack/concat"]) == "not computed"   # two pixel grids
    assert f["conv1"].why == "inputs"
    doc = json.loads(archcalc.analyze(STACK, rf=True).to_json())
    layer = next(x for x in doc["layers"] if x["name"] == "stack/concat")
    assert layer["output"] == [4, 64, 64] and layer["receptive_field"] == "not computed"
    text = " ".join(cli("table", STACK, "--memory").output.split())
    # each input counted once, as an input, though a join reads it (and one of them twice)
    assert "inputs image 12,288 + mask 4,096 + layer outputs 184,330 = 200,714 values" in text
    dot = cli("graph", STACK).output
    assert '"image" -> "stack/concat" [label="branch 0", fontsize=8];' in dot
    assert '"mask" -> "stack/concat" [label="branch 1", fontsize=8];' in dot
    assert '"mask" -> "hint/concat" [label="branch 1", fontsize=8];' in dot


def test_the_same_input_on_both_sides_keeps_its_field(tmp_path):
    from archcalc.analysis import receptive

    path = spec_text(tmp_path, """\
        name = "twice"
        inputs = { x = [2, 8, 8], y = [2, 8, 8] }
        layers = [{ use = "j", name = "j" }, { use = "s", name = "s" }]
        [blocks.j]
        add = ["x", "x"]
        [blocks.s]
        add = [[], "y"]
        """)
    a = engine.analyse(spec.load(path))
    f = receptive.fields(a)
    assert receptive.size_text(f["j/add"]) == "1×1"                 # x + x: one grid
    assert receptive.size_text(f["s/add"]) == "not computed"        # then y joins
    assert [r.output for r in a.rows] == [Shape(2, 8, 8)] * 2


@pytest.mark.parametrize("branch, message", [
    ('"mak"', "a branch is a list of layers ([] is the identity) or the name of one of the "
              "network's inputs ('image', 'mask'), found \"mak\" (did you mean 'mask'?)"),
    ('"relu"', "found \"relu\""),
])
def test_a_branch_naming_no_input_is_one_message(tmp_path, branch, message):
    path = spec_text(tmp_path, f"""\
        name = "x"
        inputs = {{ image = [3, 8, 8], mask = [1, 8, 8] }}
        layers = [{{ use = "j", name = "j" }}]
        [blocks.j]
        concat = ["image", {branch}]
        """)
    with pytest.raises(SpecError) as e:
        spec.load(path)
    assert e.value.where == "layers[0] (j) > blocks.j.concat[1]"
    assert message in e.value.message
    assert message in cli_error("table", path)
    if branch == '"relu"':
        assert e.value.hint == 'a branch of one layer is a list: ["relu"]'


def test_a_branch_may_name_the_input_through_a_param(tmp_path):
    path = spec_text(tmp_path, """\
        name = "p"
        inputs = { image = [3, 8, 8], mask = [1, 8, 8] }
        layers = [{ use = "j", name = "j", other = "mask" }]
        [blocks.j]
        params = ["other"]
        concat = [[], "$other"]
        """)
    assert spec.load(path).nodes[0].inputs == ("image", "mask")


def test_verify_builds_a_join_of_inputs():
    pytest.importorskip("torch")
    from archcalc.verify.run import verify

    nc = verify(spec.load(STACK), "cpu", batch=2)
    assert nc.ok, [c for c in nc.failures]
    shapes = {c.name: c.torch_shape for c in nc.layers}
    assert shapes["stack/concat"] == (4, 64, 64) and shapes["hint/concat"] == (17, 64, 64)
