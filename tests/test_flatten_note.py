"""An fc on a spatial map flattens it implicitly, and the table says so (issue 15): the note
names the flatten and what PyTorch's nn.Linear and Keras's Dense would do without one (checked
against torch itself where it is installed), and --strict refuses it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from archcalc.cli import main
from archcalc.core import engine, spec

SPEC = '''name = "tiny"
description = "a conv and an fc"
source = "a test"
input = [3, 8, 8]
layers = [ {{ conv = 4, k = 3 }}, "relu", {between}{{ fc = 10 }} ]
'''


def rows(between=""):
    net = spec.from_text(SPEC.format(between=between)).network("tiny")
    return engine.analyse(net).rows


def test_an_fc_on_a_map_names_its_implicit_flatten():
    fc = rows()[-1]
    [note] = fc.notes
    assert note.kind == "flatten"
    assert "fc reads its 4×6×6 input as 144 values: an implicit flatten" in note.text
    assert "nn.Linear acts on the last axis only (W = 6: 4×6×10 outputs from 6·10 weights)" in note.text
    assert "Keras's Dense on the channels of each position (6×6×10 outputs from 4·10 weights)" in note.text
    assert fc.counts.weights == 144 * 10          # archcalc's count: the flatten, as Caffe


def test_an_explicit_flatten_or_a_1x1_map_has_no_note():
    assert rows('"flatten", ')[-1].notes == ()
    assert rows('"gap", ')[-1].notes == ()        # C×1×1: its C values whichever way it is read


def test_strict_refuses_an_implicit_flatten(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(SPEC.format(between=""))
    r = CliRunner().invoke(main, ["table", str(path), "--strict"])
    assert r.exit_code == 2 and "implicit flatten" in r.output and "fc:" in r.output
    path.write_text(SPEC.format(between='"flatten", '))
    assert CliRunner().invoke(main, ["table", str(path), "--strict"]).exit_code == 0


def test_what_the_note_says_of_pytorch_and_keras_is_what_they_do():
    torch = pytest.importorskip("torch")
    x = torch.zeros(1, 4, 6, 6)                   # N, C, H, W: PyTorch's layout
    linear = torch.nn.Linear(6, 10)               # acts on the last axis, W
    assert tuple(linear(x).shape) == (1, 4, 6, 10) and linear.weight.numel() == 6 * 10


def test_what_the_note_says_of_keras_is_what_it_does(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    dense = keras.layers.Dense(10)
    y = dense(keras.ops.zeros((1, 6, 6, 4)))      # N, H, W, C: Keras's layout
    assert tuple(y.shape) == (1, 6, 6, 10) and dense.kernel.shape == (4, 10)
