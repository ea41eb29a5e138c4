"""Importing a model of several inputs (issue 13): a torch ``PATH.py:CALLABLE`` whose forward
takes two tensors, an ONNX graph with two inputs and a Keras model with two Input layers, each
small and made here, written as ``inputs = {...}`` with ``from = "NAME"`` on the layers that read
them, and counted as the source counts itself (torch's parameters, Keras's count_params())."""

from __future__ import annotations

import os
import textwrap
import warnings

import pytest
from click.testing import CliRunner

from archcalc.cli import main
from archcalc.core import engine
from archcalc.core.records import Shape
from archcalc.importers import import_text, network

torch = pytest.importorskip("torch")

MODEL = """\
import torch
from torch import nn


class ImageMask(nn.Module):
    \"\"\"Image and mask, a conv on each, concatenated, one trunk.\"\"\"

    def __init__(self):
        super().__init__()
        self.image_conv = nn.Conv2d(3, 16, 3, padding=1)
        self.mask_conv = nn.Conv2d(1, 4, 3, padding=1)
        self.conv1 = nn.Conv2d(20, 32, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, 2)

    def forward(self, image, mask):
        x = torch.cat([torch.relu(self.image_conv(image)), torch.relu(self.mask_conv(mask))], 1)
        x = torch.relu(self.conv1(x))
        return self.fc(torch.flatten(self.pool(x), 1))


class TwoViews(nn.Module):
    \"\"\"Two views of one size, a conv on each, added.\"\"\"

    def __init__(self):
        super().__init__()
        self.left = nn.Conv2d(3, 8, 3, padding=1)
        self.right = nn.Conv2d(3, 8, 5, padding=2)
        self.head = nn.Conv2d(8, 4, 1)

    def forward(self, a, b):
        return self.head(self.left(a) + self.right(b))


class Raw(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 8, 3)

    def forward(self, image, mask):
        return self.conv(torch.cat([image, mask], 1))


class Late(nn.Module):
    \"\"\"The mask joins twice unchanged: concatenated to the trunk, then added to the output.\"\"\"

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.mix = nn.Conv2d(12, 4, 1)

    def forward(self, image, mask):
        x = torch.cat([torch.relu(self.conv(image)), mask], 1)
        return self.mix(x) + mask


class Residual(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return x + self.conv(x)


class IntoBlock(nn.Module):
    \"\"\"The mask goes straight into a residual block (a join's fork), not a layer.\"\"\"

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 2, 1)
        self.blk = Residual(2)
        self.head = nn.Conv2d(4, 4, 1)

    def forward(self, image, mask):
        return self.head(torch.cat([self.a(image), self.blk(mask)], 1))
"""

# The models whose inputs go unchanged into a join, with their inputs' sizes.
UNCHANGED = {"Raw": {"image": (3, 8, 8), "mask": (1, 8, 8)},
             "Late": {"image": (3, 8, 8), "mask": (4, 8, 8)},
             "IntoBlock": {"image": (3, 8, 8), "mask": (2, 8, 8)}}


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("two") / "two.py"
    path.write_text(MODEL)
    return str(path)


def torch_model(path, name):
    import importlib.util

    spec = importlib.util.spec_from_file_location("two_inputs_model", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return getattr(mod, name)()


SHAPES = {"image": (3, 64, 64), "mask": (1, 64, 64)}


def test_torch_forward_of_two_tensors(model_file):
    text = import_text(f"{model_file}:ImageMask", SHAPES)
    assert "inputs = { image = [3, 64, 64], mask = [1, 64, 64] }" in text
    assert 'from = "image"' in text and 'from = "mask"' in text
    net = network(f"{model_file}:ImageMask", SHAPES)
    assert net.inputs == (("image", Shape(3, 64, 64)), ("mask", Shape(1, 64, 64)))
    a = engine.analyse(net)
    model = torch_model(model_file, "ImageMask")
    assert a.totals.params == sum(p.numel() for p in model.parameters())
    rows = {r.name.rsplit("/", 1)[-1]: r for r in a.rows}
    assert rows["mask_conv"].input_shapes == (Shape(1, 64, 64),)
    # the table of the model itself, at other sizes
    r = cli("table", f"{model_file}:ImageMask", "--input", "image=3x32x32", "--input",
            "mask=1x32x32")
    assert r.exit_code == 0, r.output
    assert "inputs: image 3×32×32, mask 1×32×32 (C×H×W), batch 1" in r.output


def test_torch_two_branches_added(model_file):
    shapes = {"a": (3, 16, 16), "b": (3, 16, 16)}
    net = network(f"{model_file}:TwoViews", shapes)
    a = engine.analyse(net)
    model = torch_model(model_file, "TwoViews")
    assert a.totals.params == sum(p.numel() for p in model.parameters())
    out = model(torch.zeros(1, 3, 16, 16), torch.zeros(1, 3, 16, 16))
    assert a.rows[-1].output == Shape(*out.shape[1:])


@pytest.mark.parametrize("given, message", [
    ({"image": (3, 64, 64)}, "--input: no size for the model's input mask; give each one's size: "
                             "--input image=CxHxW --input mask=CxHxW"),
    ((3, 64, 64), "the model's forward takes 2 inputs (image, mask); give each one's size: "
                  "--input image=CxHxW --input mask=CxHxW"),
    ({"image": (3, 64, 64), "msk": (1, 64, 64)},
     "--input: the model's forward has no input 'msk' (did you mean 'mask'?); its inputs are: "
     "image, mask"),
])
def test_torch_inputs_missing_or_unknown(model_file, given, message):
    from archcalc.importers.spec_writer import ImportFailure

    with pytest.raises(ImportFailure) as e:
        import_text(f"{model_file}:ImageMask", given)
    assert message in str(e.value)
    args = ["import", f"{model_file}:ImageMask"]
    if isinstance(given, dict):
        for k, v in given.items():
            args += ["--input", f"{k}={'x'.join(map(str, v))}"]
    else:
        args += ["--input", "x".join(map(str, given))]
    r = cli(*args)
    assert r.exit_code == 2 and message in r.stderr and "Traceback" not in r.output


def source_rows(model, shapes) -> list:
    """(kind, output shape) of each conv and join the torch model runs, in order: the source's
    own account of the layers, from forward hooks."""
    got = []
    hooks = [m.register_forward_hook(lambda m, i, o: got.append(("conv", tuple(o.shape[1:]))))
             for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    model(*(torch.zeros(1, *x) for x in shapes.values()))
    for h in hooks:
        h.remove()
    return got


def check_unchanged(net, model, shapes, joins):
    """The imported network's totals and rows against the torch model's own: parameters,
    each conv's output shape, the output, and the joins that read an input (``joins``: the
    inputs each reads, by kind)."""
    a = engine.analyse(net)
    assert a.totals.params == sum(p.numel() for p in model.parameters())
    assert sorted(("conv", (r.output.c, r.output.h, r.output.w)) for r in a.rows
                  if r.kind == "conv") == \
        sorted(source_rows(model, shapes))
    out = model(*(torch.zeros(1, *x) for x in shapes.values()))
    assert a.rows[-1].output == Shape(*out.shape[1:])
    read = sorted((r.kind, tuple(i for i in r.inputs if i in shapes)) for r in a.rows
                  if r.kind in ("concat", "add") and any(i in shapes for i in r.inputs))
    assert read == sorted(joins)
    return a


# Before: "the input 'mask' goes unchanged into a join (… straight into a branching block)",
# exit 2, for each of these.
@pytest.mark.parametrize("name, joins", [
    ("Raw", [("concat", ("image", "mask"))]),
    ("Late", [("concat", ("mask",)), ("add", ("mask",))]),
    ("IntoBlock", [("add", ("mask",))]),
])
def test_torch_an_input_straight_into_a_join(model_file, name, joins):
    shapes = UNCHANGED[name]
    text = import_text(f"{model_file}:{name}", shapes)
    if name == "Raw":
        assert 'concat = [\n  "image",\n  "mask",\n]' in text     # torch.cat([image, mask])
    if name == "IntoBlock":
        assert 'from = "mask", name = "blk" }' in text      # the block's use reads the mask
    net = network(f"{model_file}:{name}", shapes)
    check_unchanged(net, torch_model(model_file, name).eval(), shapes, joins)
    args = [a for k, v in shapes.items() for a in ("--input", f"{k}={'x'.join(map(str, v))}")]
    r = cli("table", f"{model_file}:{name}", *args)
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("name", ["Raw", "Late", "IntoBlock"])
def test_onnx_an_input_straight_into_a_join(model_file, tmp_path, name):
    pytest.importorskip("onnx")
    shapes = UNCHANGED[name]
    model = torch_model(model_file, name).eval()
    path = tmp_path / f"{name}.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, tuple(torch.zeros(1, *x) for x in shapes.values()), str(path),
                          dynamo=False, input_names=list(shapes), output_names=["out"])
    joins = {"Raw": [("concat", ("image", "mask"))],
             "Late": [("concat", ("mask",)), ("add", ("mask",))],
             "IntoBlock": [("add", ("mask",))]}[name]
    check_unchanged(network(str(path)), model, shapes, joins)


def test_onnx_graph_of_two_inputs(model_file, tmp_path):
    pytest.importorskip("onnx")
    model = torch_model(model_file, "ImageMask").eval()
    path = tmp_path / "two.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros(1, 3, 64, 64), torch.zeros(1, 1, 64, 64)),
                          str(path), dynamo=False, input_names=["image", "mask"],
                          output_names=["scores"])
    text = import_text(str(path))
    assert "inputs = { image = [3, 64, 64], mask = [1, 64, 64] }" in text
    assert 'from = "mask"' in text
    a = engine.analyse(network(str(path)))
    assert a.totals.params == sum(p.numel() for p in model.parameters())
    # sizes by the graph's names; a plain one refused
    r = cli("table", path, "--input", "image=3x32x32", "--input", "mask=1x32x32")
    assert r.exit_code == 0 and "inputs: image 3×32×32, mask 1×32×32" in r.output, r.output
    r = cli("table", path, "--input", "3x32x32")
    assert r.exit_code == 2
    assert "the graph has 2 inputs (image, mask); give each one's size: --input image=CxHxW " \
           "--input mask=CxHxW" in r.stderr


def test_onnx_input_names_become_spec_names():
    from archcalc.importers.spec_writer import input_names

    assert input_names(["input", "input.1", "0", "a b"]) == {
        "input": "input_", "input.1": "input.1", "0": "_0", "a b": "a_b"}


def test_keras_model_of_two_input_layers(tmp_path):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    L = keras.layers
    image = keras.Input((64, 64, 3), name="image")
    mask = keras.Input((64, 64, 1), name="mask")
    a = L.Conv2D(16, 3, padding="same", activation="relu", name="image_conv")(image)
    b = L.Conv2D(4, 3, padding="same", activation="relu", name="mask_conv")(mask)
    x = L.Concatenate(name="cat")([a, b])
    x = L.Conv2D(32, 3, padding="same", activation="relu", name="conv1")(x)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    out = L.Dense(2, name="fc")(x)
    m = keras.Model([image, mask], out)
    path = str(tmp_path / "two.keras")
    m.save(path)
    text = import_text(path)
    assert "inputs = { image = [3, 64, 64], mask = [1, 64, 64] }" in text
    a = engine.analyse(network(path))
    assert a.totals.params == m.count_params()
    assert [r.output for r in a.rows if r.kind == "concat"] == [Shape(20, 64, 64)]
    # one input's size changed, the other the recorded one
    at = engine.analyse(network(path, {"mask": (1, 32, 32), "image": (3, 32, 32)}))
    assert at.inputs == (("image", Shape(3, 32, 32)), ("mask", Shape(1, 32, 32)))
    r = cli("table", path, "--input", "msk=1x32x32")
    assert r.exit_code == 2
    assert "--input: the model has no input 'msk' (did you mean 'mask'?)" in r.stderr


def test_keras_input_layers_straight_into_joins(tmp_path):
    # Before: "the input 'mask' goes unchanged into a join", exit 2.
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    L = keras.layers
    image = keras.Input((16, 16, 3), name="image")
    mask = keras.Input((16, 16, 1), name="mask")
    x = L.Concatenate(name="stack")([image, mask])
    x = L.Conv2D(8, 3, padding="same", activation="relu", name="conv1")(x)
    x = L.Concatenate(name="hint")([x, mask])
    x = L.Conv2D(4, 1, name="mix")(x)
    out = L.Dense(2, name="fc")(L.GlobalAveragePooling2D(name="gap")(x))
    m = keras.Model([image, mask], out)
    path = str(tmp_path / "stack.keras")
    m.save(path)
    a = engine.analyse(network(path))
    assert a.totals.params == m.count_params() == 346
    rows = {r.name.rsplit("/", 1)[-1]: r for r in a.rows}
    for layer in ("conv1", "mix"):              # Keras's (None, H, W, C) is archcalc's C×H×W
        _, h, w, c = m.get_layer(layer).output.shape
        assert rows[layer].output == Shape(c, h, w)
    assert rows["fc"].output.c == m.output.shape[-1] == 2
    joins = [r for r in a.rows if r.kind == "concat"]
    assert [(r.inputs, r.output) for r in joins] == [
        (("image", "mask"), Shape(4, 16, 16)), ((joins[1].inputs[0], "mask"), Shape(9, 16, 16))]
    # and two Input layers added, as the first layer
    a_in = keras.Input((8, 8, 2), name="a")
    b_in = keras.Input((8, 8, 2), name="b")
    m2 = keras.Model([a_in, b_in], L.Conv2D(3, 3, name="c")(L.Add(name="sum")([a_in, b_in])))
    path2 = str(tmp_path / "sum.keras")
    m2.save(path2)
    a2 = engine.analyse(network(path2))
    assert a2.totals.params == m2.count_params() == 57
    assert [(r.kind, r.inputs) for r in a2.rows][0] == ("add", ("a", "b"))
    assert a2.rows[-1].output == Shape(3, 6, 6)
