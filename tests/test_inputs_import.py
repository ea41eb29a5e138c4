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
"""


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


def test_an_input_straight_into_a_join_is_one_message(model_file):
    r = cli("import", f"{model_file}:Raw", "--input", "image=3x8x8", "--input", "mask=1x8x8")
    assert r.exit_code == 2
    assert "the input 'mask' goes unchanged into a join" in r.stderr


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
