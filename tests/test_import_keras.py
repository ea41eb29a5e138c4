"""`archcalc import MODEL.keras`: Keras 3 models built here (on the torch backend) and saved, read
back as data, compared with Keras's own count_params() and every layer's output shape; bad files.
"""

from __future__ import annotations

import json
import os
import zipfile

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

from archcalc.core import engine  # noqa: E402
from archcalc.importers import import_text, network  # noqa: E402
from wide_cli import cli  # noqa: E402

L = keras.layers



def every_layer():
    """A functional model with each layer class the Keras importer reads."""
    x = inp = keras.Input((33, 33, 3), name="image")
    x = L.ZeroPadding2D(1, name="pad")(x)
    x = L.Conv2D(16, 3, strides=2, activation="relu", name="conv1")(x)
    x = L.BatchNormalization(name="bn1")(x)
    x = L.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    a = L.DepthwiseConv2D(3, padding="same", depth_multiplier=2, name="dw")(x)
    b = L.SeparableConv2D(32, 3, padding="same", use_bias=False, name="sep")(x)
    x = L.Concatenate(name="cat")([a, b])
    g = L.GlobalAveragePooling2D(keepdims=True, name="squeeze")(x)
    g = L.Conv2D(16, 1, activation="relu", name="fc1")(g)
    g = L.Conv2D(64, 1, activation="sigmoid", name="fc2")(g)
    x = L.Multiply(name="scale")([x, g])
    y = L.Conv2D(64, 3, padding="same", name="res_conv")(x)
    y = L.ReLU(name="res_relu")(y)
    x = L.Add(name="res_add")([x, y])
    x = L.AveragePooling2D(2, name="pool2")(x)
    x = L.Activation("tanh", name="tanh")(x)
    x = L.SpatialDropout2D(0.1, name="sdrop")(x)
    x = L.Flatten(name="flat")(x)
    x = L.Dropout(0.5, name="drop")(x)
    x = L.Dense(10, name="fc")(x)
    x = L.Softmax(name="prob")(x)
    return keras.Model(inp, x, name="every")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    d = tmp_path_factory.mktemp("keras")
    model = every_layer()
    model.save(d / "every.keras")
    return model, str(d / "every.keras")


def test_every_layer_agrees_with_keras(saved):
    model, path = saved
    a = engine.analyse(network(path))
    # Keras's count_params() counts batch norm's moving mean and variance: archcalc's buffers
    assert a.totals.params + a.totals.buffers == model.count_params()
    # a layer in a join block is INSTANCE/NAME: res/conv for res_conv (the instance takes the
    # layers' common prefix), cat/dw for dw (no common prefix: the instance is the join's name)
    rows = {}
    for r in a.rows:
        rows[r.name.split("/")[-1]] = r
        rows[r.name.replace("/", "_")] = r
        if r.kind in ("concat", "add", "mul"):     # the join of block cat is cat/concat
            rows.setdefault(r.name.rsplit("/", 1)[0].split("/")[-1], r)
    for layer in model.layers:
        if layer.name in ("image", "pad"):
            continue
        shape = tuple(layer.output.shape[1:])
        want = (shape[-1], *shape[:-1]) if len(shape) == 3 else shape
        row = rows[layer.name]
        if row.kind == "gap" and layer.name == "squeeze":
            assert (row.output.c, row.output.h, row.output.w) == want
            continue
        got = (row.output.c,) if row.output.flat else (row.output.c, row.output.h, row.output.w)
        if row.kind == "gap":          # keepdims=False: the vector is the next row's
            got = (rows[layer.name + "_flatten"].output.c,)
        assert got == want, layer.name
    assert rows["conv1"].attrs["p"] == (1, 1, 1, 1)      # the ZeroPadding2D, folded
    assert rows["conv1_relu"].kind == "relu"


def test_the_json_config_alone_reads_the_same(saved, tmp_path):
    _, path = saved
    config = tmp_path / "config.json"
    config.write_bytes(zipfile.ZipFile(path).read("config.json"))
    assert engine.analyse(network(str(config))).totals == engine.analyse(network(path)).totals


def test_rescaling_and_normalization_are_counted_as_keras_counts_them(tmp_path):
    """keras.applications' preprocessing layers: Rescaling (two constants, nothing stored) a
    rescale row; Normalization a standardize row whose mean, variance and sample count (2·C + 1
    per channel, 3 over all values) are non-trainable weights to Keras, which count_params()
    counts: archcalc's buffers; with its mean and variance in the config, Keras keeps none."""
    x = inp = keras.Input((12, 12, 3), name="image")
    x = L.Rescaling(1 / 255, name="rescale")(x)
    x = L.Normalization(axis=-1, name="norm")(x)
    x = L.Conv2D(8, 3, name="conv")(x)
    x = L.Normalization(axis=None, name="norm_all")(x)
    x = L.Normalization(mean=[0.5] * 8, variance=[0.25] * 8, name="norm_given")(x)
    x = L.Rescaling(2.0, offset=-1.0, name="shift")(x)
    x = L.GlobalAveragePooling2D(name="pool")(x)
    x = L.Dense(4, name="fc")(x)
    model = keras.Model(inp, x)
    model.save(tmp_path / "pre.keras")
    a = engine.analyse(network(str(tmp_path / "pre.keras")))
    rows = {r.name: r for r in a.rows}
    assert [(r.kind, r.counts.buffers) for r in a.rows if r.kind in ("rescale", "standardize")] \
        == [("rescale", 0), ("standardize", 7), ("standardize", 3), ("standardize", 0),
            ("rescale", 0)]
    assert rows["rescale"].attrs["rescale"] == pytest.approx(1 / 255)
    assert (rows["shift"].attrs["rescale"], rows["shift"].attrs["offset"]) == (2.0, -1.0)
    assert a.totals.params == sum(w.numpy().size for w in model.trainable_weights)
    assert a.totals.params + a.totals.buffers == model.count_params()
    for layer in model.layers[1:]:
        shape = tuple(layer.output.shape[1:])
        want = (shape[-1], *shape[:-1]) if len(shape) == 3 else shape
        r = rows[layer.name]
        got = (r.output.c,) if r.output.flat else (r.output.c, r.output.h, r.output.w)
        if r.kind == "gap":
            got = (rows[layer.name + "_flatten"].output.c,)
        assert got == want, layer.name
    r = cli("table", str(tmp_path / "pre.keras"))
    assert r.exit_code == 0, r.output
    assert "Keras Normalization's mean, variance and sample count, 2·C + 1 per layer" in r.output
    assert "batch norm" not in r.output.split("buffers:")[1].split("\n")[0]


def chw(layer) -> tuple:
    """A Keras layer's output shape as archcalc's C×H×W (or (N,))."""
    shape = tuple(layer.output.shape[1:])
    return (shape[-1], *shape[:-1]) if len(shape) == 3 else shape


def row_shape(r) -> tuple:
    return (r.output.c,) if r.output.flat else (r.output.c, r.output.h, r.output.w)


# Before: each was refused ("Rescaling with a scale or an offset per channel", "Normalization
# with invert (its inverse)", "Normalization over axis …"). Each case: the layer, its kind's
# attributes as archcalc reads them, and its K/S/P text. count_params() of each (Keras 3.15 on
# torch): Rescaling 0 whatever its lists; Normalization 2·(sizes along its axes) + 1, invert or
# not, and 0 with its mean and variance given.
PREPROCESSING = [
    (lambda: L.Rescaling(scale=[1 / 58.395, 1 / 57.12, 1 / 57.375],
                         offset=[-123.675 / 58.395, -116.28 / 57.12, -103.53 / 57.375]),
     {"rescale": (1 / 58.395, 1 / 57.12, 1 / 57.375),
      "offset": (-123.675 / 58.395, -116.28 / 57.12, -103.53 / 57.375)},
     "× per channel + per channel"),
    (lambda: L.Rescaling(scale=0.5, offset=[1.0, 2.0, 3.0]),
     {"rescale": 0.5, "offset": (1.0, 2.0, 3.0)}, "×0.5 + per channel"),
    (lambda: L.Normalization(invert=True),
     {"standardize": "channel", "stored": True, "invert": True}, "per channel, inverse"),
    (lambda: L.Normalization(invert=True, mean=[1.0, 2.0, 3.0], variance=[4.0, 4.0, 4.0]),
     {"standardize": "channel", "stored": False, "invert": True}, "per channel, inverse"),
    (lambda: L.Normalization(axis=(1, 2)),
     {"standardize": "hw", "stored": True, "invert": False}, "per H×W"),
    (lambda: L.Normalization(axis=1), {"standardize": "h", "stored": True, "invert": False},
     "per H"),
    (lambda: L.Normalization(axis=-2), {"standardize": "w", "stored": True, "invert": False},
     "per W"),
    (lambda: L.Normalization(axis=(-1, 1)),
     {"standardize": "ch", "stored": True, "invert": False}, "per C×H"),
    (lambda: L.Normalization(axis=(1, 2, 3)),
     {"standardize": "chw", "stored": True, "invert": False}, "per C×H×W"),
    (lambda: L.Normalization(axis=(1, 2), invert=True),
     {"standardize": "hw", "stored": True, "invert": True}, "per H×W, inverse"),
]


@pytest.mark.parametrize("make, attrs, geometry", PREPROCESSING)
def test_per_channel_rescaling_and_normalization_variants(tmp_path, make, attrs, geometry):
    x = inp = keras.Input((8, 6, 3), name="image")
    layer = make()
    x = layer(x)
    x = L.Conv2D(2, 1, name="conv")(x)
    model = keras.Model(inp, x)
    path = str(tmp_path / "pre.keras")
    model.save(path)
    a = engine.analyse(network(path))
    r = a.rows[0]
    assert r.kind == next(iter(attrs)) and r.attrs == attrs     # the config's floats, exactly
    assert r.geometry == geometry
    assert row_shape(r) == chw(layer) == (3, 8, 6)
    assert r.counts.params + r.counts.buffers == layer.count_params()
    assert a.totals.params + a.totals.buffers == model.count_params()
    assert a.totals.params == sum(w.numpy().size for w in model.trainable_weights)


def test_the_variants_written_read_verified_and_explained(tmp_path):
    # the spec written for them loads back, explains its numbers, and the verifier builds each
    torch = pytest.importorskip("torch")
    from archcalc.verify.run import verify

    x = inp = keras.Input((8, 6, 3), name="image")
    x = L.Rescaling(scale=[0.5, 0.25, 2.0], offset=[-1.0, 0.0, 1.0], name="scale")(x)
    x = L.Normalization(axis=(1, 2), invert=True, name="unnorm")(x)
    x = L.Flatten(name="flat")(x)
    x = L.Normalization(axis=1, name="norm_vec")(x)       # a vector's axis 1: its values
    model = keras.Model(inp, x)
    path = str(tmp_path / "pre.keras")
    model.save(path)
    text = import_text(path)
    assert ('{ rescale = [0.5, 0.25, 2.0], offset = [-1.0, 0.0, 1.0], name = "scale" }'
            in text)
    assert '{ standardize = "hw", invert = true, name = "unnorm" }' in text
    net = network(path)
    a = engine.analyse(net)
    assert [r.counts.buffers for r in a.rows] == [0, 2 * 8 * 6 + 1, 0, 2 * 144 + 1]
    assert a.totals.buffers == model.count_params()
    out = cli("explain", path, "scale").output
    assert "rescaling by ×(0.5, 0.25, 2) + (-1, 0, 1) (constants, one per channel)" in out
    out = cli("explain", path, "unnorm").output
    assert "buffers = 2·(8·6) = 96 means and variances + 1 Keras's sample count = 97" in out
    assert "x·√variance + mean keeps the shape" in out
    nc = verify(net, "cpu", batch=2)
    assert nc.ok, [c for c in nc.failures]
    torch_model = pytest.importorskip("archcalc.verify.model")
    # the torch model computes what Keras computes (statistics of a fresh layer: 0 and 1; the
    # flatten reads C×H×W in torch, H×W×C in Keras: the same values in another order)
    import numpy as np

    built = torch_model.materialize(torch_model.build(net).model, "cpu")
    batch = torch.rand(2, 3, 8, 6)
    ours = np.sort(built(batch).detach().numpy(), axis=1)
    theirs = np.sort(keras.ops.convert_to_numpy(model(batch.permute(0, 2, 3, 1).numpy())), axis=1)
    assert ours == pytest.approx(theirs, rel=1e-5, abs=1e-6)


def test_a_materialized_normalization_starts_from_fresh_statistics():
    # Before: the verifier's torch Normalization kept whatever memory to_empty gave its mean
    # and variance (no reset_parameters), and `archcalc verify` of a Keras model with a
    # Normalization failed at random: "torch's output is not finite".
    pytest.importorskip("torch")
    from archcalc.core import spec as S
    from archcalc.verify import model as M

    net = S.SpecFile("n.toml", {"name": "n", "input": [3, 64, 64],
                                "layers": [{"standardize": "channel"}]}).network("n")
    layer = M.materialize(M.build(net).model, "cpu").layers[0]
    assert layer.mean.tolist() == [[[0.0]]] * 3 and layer.variance.tolist() == [[[1.0]]] * 3
    assert layer.count.item() == 0


def test_what_archcalc_cannot_state_is_still_refused(tmp_path):
    from archcalc.importers import keras_import as K

    x = inp = keras.Input((8, 6, 3), name="image")
    x = L.Rescaling(scale=[[1.0, 2.0, 3.0]], name="odd")(x)   # Keras broadcasts it; a (1, 3)
    model = keras.Model(inp, L.Conv2D(2, 1, name="conv")(x))  # constant is no per-channel list
    path = str(tmp_path / "pre.keras")
    model.save(path)
    r = cli("import", path)
    assert r.exit_code == 2 and "Rescaling with a scale of shape (1, 3)" in r.output, r.output
    # configs Keras itself would not build, or whose input rank is not known (a Keras 2 config
    # without build_config): axis 1 is H of an image and the values of a vector
    assert K.normalization({"axis": [0]}, "n", 4) == ("unknown", "Normalization over axis [0] "
                                                                 "(the batch)")
    assert K.normalization({"axis": [1]}, "n", None)[0] == "unknown"
    assert K.normalization({"axis": [1]}, "n", 3)[0] == "unknown"
    assert K.normalization({"axis": [-1]}, "n", None)[1]["standardize"] == "channel"
    assert K.normalization({"axis": [1]}, "n", 2)[1]["standardize"] == "channel"


@pytest.mark.skipif(not os.environ.get("ARCHCALC_IMPORT_ZOO"),
                    reason="keras.applications models are slow to build: ARCHCALC_IMPORT_ZOO=1")
@pytest.mark.parametrize("name", ["ResNet50", "VGG16", "Xception", "DenseNet121",
                                  "EfficientNetB0", "MobileNetV3Small"])
def test_keras_applications(tmp_path, name):
    """(EfficientNet-B0 and MobileNetV3-Small begin with Rescaling and Normalization.)"""
    model = getattr(keras.applications, name)(weights=None, input_shape=(224, 224, 3))
    path = tmp_path / "m.keras"
    model.save(path)
    a = engine.analyse(network(str(path)))
    assert a.totals.params + a.totals.buffers == model.count_params()
    assert a.rows[-1].output.c == model.output.shape[-1]


def edit(path, tmp_path, change):
    data = json.loads(zipfile.ZipFile(path).read("config.json"))
    change(data)
    out = tmp_path / "edited.json"
    out.write_text(json.dumps(data))
    return str(out)


def test_an_unknown_layer_class_is_named(saved, tmp_path):
    _, path = saved

    def rename(data):
        for layer in data["config"]["layers"]:
            if layer["name"] in ("tanh", "res_relu"):
                layer["class_name"] = "Mish"
    r = cli("import", edit(path, tmp_path, rename))
    assert r.exit_code == 2
    assert "2 operations archcalc cannot count" in r.output
    assert "Mish ×2: layer res_relu (Mish), layer tanh (Mish)" in r.output


@pytest.mark.parametrize("content, expected", [
    (b"{not json", "not a Keras model config (not JSON"),
    (b'{"class_name": "Dense"}', "expected class_name Functional or Sequential"),
])
def test_bad_configs(tmp_path, content, expected):
    p = tmp_path / "m.json"
    p.write_bytes(content)
    out = tmp_path / "o.toml"
    r = cli("import", str(p), "--out", str(out))
    assert r.exit_code == 2 and expected in r.output and not out.exists()


def test_a_zip_without_a_config(tmp_path):
    p = tmp_path / "m.keras"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("model.weights.h5", b"")
    r = cli("table", str(p))
    assert r.exit_code == 2 and "a zip without config.json" in r.output


def test_a_sequential_model(tmp_path):
    model = keras.Sequential([keras.Input((28, 28, 1)), L.Conv2D(6, 5, activation="tanh"),
                              L.AveragePooling2D(2), L.Flatten(), L.Dense(10)], name="seq")
    model.save(tmp_path / "seq.keras")
    text = import_text(str(tmp_path / "seq.keras"))
    a = engine.analyse(network(str(tmp_path / "seq.keras")))
    assert a.totals.params == model.count_params() and "input = [1, 28, 28]" in text


def test_a_reshape_to_a_1x1_map_after_global_pooling(tmp_path):
    """keras.applications' MobileNet ends GlobalAveragePooling2D, Reshape((1, 1, C)), a 1×1
    Conv2D, Reshape((n,)) (EfficientNet's squeeze-and-excitation starts so): the first reshape
    reads the gap's 1×1 map, the second is a flatten; another Reshape is unsupported."""
    x = keras.Input((8, 8, 3))
    y = L.GlobalAveragePooling2D()(L.Conv2D(16, 3, name="c")(x))
    y = L.Reshape((1, 1, 16))(y)
    y = L.Reshape((10,))(L.Conv2D(10, 1, name="head")(y))
    model = keras.Model(x, y)
    model.save(tmp_path / "m.keras")
    a = engine.analyse(network(str(tmp_path / "m.keras")))
    assert [r.kind for r in a.rows] == ["conv", "gap", "conv", "flatten"]
    assert a.totals.params == model.count_params()
    assert (a.rows[-1].output.c, a.rows[-1].output.flat) == (10, True)
    z = L.Reshape((16, 4, 16))(L.Flatten()(L.Conv2D(16, 1)(x)))
    keras.Model(x, L.Conv2D(2, 1)(z)).save(tmp_path / "r.keras")
    r = cli("import", str(tmp_path / "r.keras"))
    assert r.exit_code == 2 and "Reshape (to (16, 4, 16)) ×1" in r.output, r.output


def test_skip_unknown_takes_the_shapes_keras_recorded(tmp_path):
    """An unknown activation keeps its input's shape; an unknown layer takes the shape that
    Keras recorded for the tensor its reader reads."""
    x = inp = keras.Input((16, 16, 3))
    x = L.Conv2D(8, 3, name="conv")(x)
    x = L.Activation("gelu", name="act")(x)
    x = L.UpSampling2D(2, interpolation="bicubic", name="up")(x)
    x = L.Conv2D(4, 1, name="head")(x)
    model = keras.Model(inp, x)
    model.save(tmp_path / "u.keras")
    path = str(tmp_path / "u.keras")
    refused = cli("import", path)
    assert refused.exit_code == 2 and ("UpSampling2D (UpSampling2D with interpolation 'bicubic') "
                                       "×1: layer up (UpSampling2D)") in refused.output
    text = import_text(path, skip_unknown=True)
    assert ('{ uncounted = "gelu", c = 8, h = 14, w = 14, note = "not counted", name = "act" }'
            in text)
    assert '{ uncounted = "UpSampling2D", c = 8, h = 28, w = 28, note = "not counted", ' \
           'name = "up" }' in text
    a = engine.analyse(network(path, skip_unknown=True))
    assert a.totals.params == model.count_params()
    assert [tuple(r.output.as_list()) for r in a.rows] == [
        (8, 14, 14), (8, 14, 14), (8, 28, 28), (4, 28, 28)]
    # at another input the recorded shapes do not hold: an activation keeps its input's shape,
    # and the layer is named, not guessed
    r = cli("import", path, "--input", "3x20x20", "--skip-unknown")
    assert r.exit_code == 2 and "reports none for: layer up (UpSampling2D)" in r.output
    assert "layer act" not in r.output


def test_relu6_and_the_hard_activations_once_archcalc_has_them(tmp_path):
    """relu6 (and ReLU(max_value=6)), hard_swish, hard_sigmoid and silu are issue 13's new
    kinds: each becomes its kind where archcalc has it, and is listed where not."""
    from archcalc.core.kinds import RULES

    x = inp = keras.Input((8, 8, 3))
    x = L.Conv2D(8, 3, activation="relu6", name="conv")(x)
    x = L.ReLU(max_value=6.0, name="cap")(x)
    x = L.Activation("hard_swish", name="hs")(x)          # saved as its new name, hard_silu
    x = L.Activation("hard_sigmoid", name="hsig")(x)
    x = L.Activation("silu", name="silu")(x)
    keras.Model(inp, x).save(tmp_path / "hard.keras")
    path = str(tmp_path / "hard.keras")
    wanted = ["conv", "relu6", "relu6", "hardswish", "hardsigmoid", "silu"]
    r = cli("import", path)
    if all(k in RULES for k in wanted):
        assert r.exit_code == 0, r.output
        assert [row.kind for row in engine.analyse(network(path)).rows] == wanted
    else:
        assert r.exit_code == 2
        for kind, text in (("relu6", "activation 'relu6'"), ("hardswish", "'hard_silu'"),
                           ("hardsigmoid", "'hard_sigmoid'"), ("silu", "'silu'")):
            assert (text in r.output) == (kind not in RULES), (kind, r.output)


def test_an_add_that_broadcasts_is_refused_without_internal(tmp_path):
    """Keras's Add broadcasts a one-channel map over four; archcalc's add refuses it, and the
    import said 'internal: the written spec does not load'. The message says why the import
    would not be faithful, and what the spec refused."""
    x = keras.Input((8, 8, 4))
    y = keras.layers.Conv2D(1, 1)(x)
    keras.Model(x, keras.layers.Add()([x, y])).save(str(tmp_path / "m.keras"))
    r = cli("table", str(tmp_path / "m.keras"))
    assert r.exit_code == 2, r.output
    assert "internal" not in r.output
    assert "does not load, so the import would not be faithful" in r.output
    assert "cannot add branch 0 (4×8×8) and branch 1 (1×8×8)" in r.output


def test_a_centre_cropping_is_read(tmp_path):
    """Cropping2D that keeps the map's centre (U-Net's copy and crop, ((2, 2), (2, 2)), or
    ((1, 2), (0, 1)), whose extra row and column are cut at the bottom and right as crop cuts
    them) is crop, its size from the input's shape Keras records: count_params() and every
    layer's output shape. Cropping another part is named."""
    L = keras.layers
    inp = keras.Input((18, 18, 3), name="image")
    a = L.Conv2D(8, 3, name="enc")(inp)                                     # 16×16
    u = L.Conv2DTranspose(8, 2, strides=2, name="up")(L.MaxPooling2D(2, name="down")(
        L.Conv2D(8, 3, name="mid")(a)))                                     # 14 → 7 → 14
    x = L.Concatenate(name="cat")([L.Cropping2D(1, name="copy")(a), u])     # 14×14
    x = L.Cropping2D(((1, 2), (0, 1)), name="odd")(x)                       # 11×13
    model = keras.Model(inp, L.Conv2D(4, 3, name="dec")(x))
    model.save(str(tmp_path / "m.keras"))
    got = engine.analyse(network(str(tmp_path / "m.keras")))
    crops = [r for r in got.rows if r.kind == "crop"]
    # (the concatenation's branches are a block: their rows are named cat/…)
    assert [(r.name, r.attrs["crop"]) for r in crops] == [("cat/copy", (14, 14)),
                                                         ("odd", (11, 13))]
    assert got.totals.params == model.count_params()
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers[1:]}
    seen = [r.name.rpartition("/")[2] for r in got.rows]
    assert {"copy", "odd", "up", "dec"} <= set(seen) and set(seen) <= set(shapes) | {"concat"}
    for r, name in zip(got.rows, seen):
        if name in shapes:
            assert (r.output.h, r.output.w, r.output.c) == shapes[name], r.name
    corner = keras.Model(inp, L.Cropping2D(((2, 0), (0, 0)))(inp))
    corner.save(str(tmp_path / "corner.keras"))
    r = cli("table", str(tmp_path / "corner.keras"))
    assert r.exit_code == 2 and "a crop of 18×18 to 16×18 that is not its centre" in r.output


def test_transposed_convs_and_upsampling(tmp_path):
    """Conv2DTranspose ('valid', and 'same' where K − S splits evenly) is tconv, UpSampling2D
    (nearest, bilinear) upsample: Keras's count_params() and every layer's output shape."""
    L = keras.layers
    inp = keras.Input((8, 8, 3), name="image")
    x = L.Conv2DTranspose(6, 2, strides=2, name="up1")(inp)                  # 16×16
    x = L.Conv2DTranspose(4, 4, strides=2, padding="same", use_bias=False, name="up2")(x)
    x = L.UpSampling2D(2, name="near")(x)                                    # 64×64
    x = L.UpSampling2D((1, 2), interpolation="bilinear", name="bil")(x)      # 64×128
    x = L.Conv2DTranspose(2, 3, name="up3")(x)                               # 66×130
    model = keras.Model(inp, x)
    model.save(str(tmp_path / "m.keras"))
    a = engine.analyse(network(str(tmp_path / "m.keras")))
    assert [r.kind for r in a.rows] == ["tconv", "tconv", "upsample", "upsample", "tconv"]
    assert a.totals.params == model.count_params()
    for r, layer in zip(a.rows, model.layers[1:]):
        h, w, c = layer.output.shape[1:]
        assert (r.output.c, r.output.h, r.output.w) == (c, h, w), layer.name
    odd = keras.Model(inp, L.Conv2DTranspose(2, 3, strides=2, padding="same")(inp))
    odd.save(str(tmp_path / "odd.keras"))
    r = cli("table", str(tmp_path / "odd.keras"))
    assert r.exit_code == 2 and "Conv2DTranspose 'same' with kernel [3, 3] and strides [2, 2]" \
        in r.output
