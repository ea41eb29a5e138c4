"""`archcalc import MODEL.prototxt`: Caffe nets read as data, with archcalc's own reader of the
protobuf text format."""

from __future__ import annotations

from pathlib import Path

import pytest

from archcalc.core import engine, spec
from archcalc.importers import caffe_import, import_text, network
from archcalc.importers.spec_writer import ImportFailure

from import_rows import difference
from wide_cli import cli

DATA = Path(__file__).parent / "data" / "caffe"



def test_the_reference_alexnet_is_the_bundled_two_gpu_alexnet():
    a = engine.analyse(network(str(DATA / "alexnet_deploy.prototxt")))
    b = engine.analyse(spec.load("alexnet-grouped"))
    assert difference(a, b) == ({}, {})
    assert a.totals == b.totals and a.totals.params == 60_965_224


EVERY = """
name: "every"   # each layer type the reader knows
input: "data"
input_dim: 1 input_dim: 3 input_dim: 8 input_dim: 8
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }
layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" }
layer { name: "scale1" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "split" type: "Split" bottom: "conv1" top: "a" top: "b" }
layer { name: "res_conv" type: "Convolution" bottom: "a" top: "res_conv"
        convolution_param { num_output: 4 kernel_size: 1 bias_term: false } }
layer { name: "res" type: "Eltwise" bottom: "res_conv" bottom: "b" top: "res"
        eltwise_param { operation: SUM } }
layer { name: "cat" type: "Concat" bottom: "res" bottom: "b" top: "cat" }
layer { name: "pool" type: "Pooling" bottom: "cat" top: "pool"
        pooling_param { pool: MAX kernel_h: 2 kernel_w: 2 stride: 2 } }
layer { name: "norm" type: "LRN" bottom: "pool" top: "norm" lrn_param { local_size: 3 } }
layer { name: "global" type: "Pooling" bottom: "norm" top: "global"
        pooling_param { pool: AVE global_pooling: true } }
layer { name: "flat" type: "Flatten" bottom: "global" top: "flat" }
layer { name: "fc" type: "InnerProduct" bottom: "flat" top: "fc"
        inner_product_param { num_output: 5 } }
layer { name: "drop" type: "Dropout" bottom: "fc" top: "fc" }
layer { name: "tanh" type: "TanH" bottom: "fc" top: "fc" }
layer { name: "sig" type: "Sigmoid" bottom: "fc" top: "fc" }
layer { name: "prob" type: "Softmax" bottom: "fc" top: "prob" }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss"
        include { phase: TRAIN } }
"""


def test_every_layer_type(tmp_path):
    p = tmp_path / "every.prototxt"
    p.write_text(EVERY)
    a = engine.analyse(network(str(p)))
    # by hand: conv1 3·3·3·4 + 4, bn 2·4, res_conv 4·4, fc 8·5 + 5
    assert a.totals.params == 112 + 8 + 16 + 45 and a.totals.buffers == 8
    # MACs: conv1 8·8·4·27, res_conv 8·8·4·4, fc 8·5
    assert a.totals.macs == 6912 + 1024 + 40
    kinds = [r.kind for r in a.rows]
    assert kinds.count("bn") == 1 and "add" in kinds and "concat" in kinds
    assert a.rows[-1].kind == "softmax" and a.rows[-1].output.c == 5
    assert "left out, as training-only: loss (SoftmaxWithLoss)" in import_text(str(p))


def test_the_old_layers_form(tmp_path):
    p = tmp_path / "old.prototxt"
    p.write_text('name: "old" input: "data" input_shape { dim: 1 dim: 1 dim: 28 dim: 28 }\n'
                 'layers { name: "conv" type: CONVOLUTION bottom: "data" top: "conv"\n'
                 '  convolution_param { num_output: 20 kernel_size: 5 } }\n'
                 'layers { name: "pool" type: POOLING bottom: "conv" top: "pool"\n'
                 '  pooling_param { pool: MAX kernel_size: 2 stride: 2 } }\n'
                 'layers { name: "ip" type: INNER_PRODUCT bottom: "pool" top: "ip"\n'
                 '  inner_product_param { num_output: 10 } }\n')
    a = engine.analyse(network(str(p)))
    assert a.totals.params == 20 * 25 + 20 + 20 * 12 * 12 * 10 + 10


@pytest.mark.parametrize("text, expected", [
    ('layer { name: "x" ', "a '{' is never closed"),
    ('layer { name: "x" } }', "expected a field name, found '}'"),
    ('layer { name: }', "field 'name' has no value"),
    ('name: "x" @', "unexpected '@'"),
])
def test_malformed_text_is_located(text, expected):
    with pytest.raises(ImportFailure, match=expected):
        caffe_import.parse(text, "net.prototxt")


def test_an_unknown_layer_type_is_listed(tmp_path):
    p = tmp_path / "up.prototxt"
    p.write_text(EVERY.replace('type: "TanH"', 'type: "PReLU"')
                 .replace('type: "Sigmoid"', 'type: "PReLU"'))
    out = tmp_path / "o.toml"
    r = cli("import", str(p), "--out", str(out))
    assert r.exit_code == 2 and "PReLU ×2: layer tanh, layer sig" in r.output
    assert not out.exists()


def test_a_net_without_an_input_size_asks_for_one(tmp_path):
    p = tmp_path / "n.prototxt"
    p.write_text('input: "data"\nlayer { name: "r" type: "ReLU" bottom: "data" top: "r" }\n')
    r = cli("import", str(p))
    assert r.exit_code == 2 and "--input CxHxW" in r.output
    ok = cli("table", str(p), "--input", "2x4x4")
    assert ok.exit_code == 0, ok.output


def test_skip_unknown_keeps_an_in_place_layer_and_names_the_rest(tmp_path):
    """Caffe records no shapes: a layer computed in place (top = bottom) keeps its input's, so
    --skip-unknown can keep it; a layer of unknown type that makes a new blob is named."""
    net = ('input: "data"\ninput_dim: 1\ninput_dim: 1\ninput_dim: 8\ninput_dim: 8\n'
           'layer { name: "c" type: "Convolution" bottom: "data" top: "c"\n'
           '  convolution_param { num_output: 2 kernel_size: 3 } }\n'
           'layer { name: "p" type: "PReLU" bottom: "c" top: "c" }\n')
    p = tmp_path / "n.prototxt"
    p.write_text(net)
    r = cli("table", str(p), "--skip-unknown")
    assert r.exit_code == 0, r.output
    row = next(line.split() for line in r.output.splitlines() if line.startswith("p "))
    assert row[:5] == ["p", "uncounted", "6", "6", "2"] and "PReLU ×1 (p)" in r.output
    # every preset names the kind too, in the footer its other uncounted kinds use
    for preset in ("fvcore", "thop", "paper"):
        r = cli("table", str(p), "--skip-unknown", "--convention", preset)
        assert r.exit_code == 0, r.output
        assert "does not count: uncounted (operations archcalc has no rule for" in r.output
    p.write_text(net + 'layer { name: "u" type: "Deconvolution" bottom: "c" top: "u"\n'
                 '  convolution_param { num_output: 2 kernel_size: 2 stride: 2 } }\n')
    r = cli("table", str(p), "--skip-unknown")
    assert r.exit_code == 2 and "reports none for: layer u (Deconvolution)" in r.output
    assert "layer p" not in r.output
