"""The torch-backed verifier: the whole zoo agrees with torch and with torchvision/timm, a bug
planted in the engine is caught at the right layer, and every bad input exits 2.

The zoo is verified once (one module-scoped run of `archcalc verify --all`, about half a minute
on two CPU cores); the other tests use small networks.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import assume, given, settings, strategies as st

torch = pytest.importorskip("torch", reason="the verifier needs torch: pip install '.[verify]'")

from archcalc.core import engine, formulas, kinds as layers  # noqa: E402
from archcalc.cli import main  # noqa: E402
from archcalc.core.kinds import RULES  # noqa: E402
from archcalc.core.records import Counts  # noqa: E402
from archcalc.core.errors import SpecError  # noqa: E402
from archcalc.core.spec import SpecFile  # noqa: E402
from archcalc.verify import builders, model, run  # noqa: E402
from archcalc.verify.check import check  # noqa: E402
from archcalc.verify.reference import REFERENCES  # noqa: E402


def cli(*args):
    return CliRunner().invoke(main, ["verify", *args])


def network(layers_toml: list, input=(1, 8, 8), blocks=None, name="t"):
    data = {"name": name, "description": "test", "source": "test", "input": list(input),
            "layers": layers_toml}
    if blocks:
        data["blocks"] = blocks
    return SpecFile("<test>", data).network(name)


# --- coverage of the layer kinds and the zoo ------------------------------------------------

def test_every_layer_kind_has_a_builder():
    missing = sorted(set(RULES) - set(builders.BUILDERS))
    assert not missing, f"layer kinds with no torch builder in archcalc/verify/builders.py: {missing}"
    assert set(builders.BUILDERS) == set(RULES), "a builder registered for no layer kind"


def test_every_reference_names_a_bundled_network():
    assert set(REFERENCES) <= set(run.zoo())


@pytest.fixture(scope="module")
def zoo_run():
    return CliRunner().invoke(main, ["verify", "--all", "--rows", "failures"])


def test_the_whole_zoo_agrees_with_torch(zoo_run):
    assert zoo_run.exit_code == 0, zoo_run.output
    for name in run.zoo():
        assert re.search(rf"^✓ {re.escape(name)}: all \d+ layers agree with torch", zoo_run.output,
                         re.M), f"{name}: no agreeing verdict line\n{zoo_run.output}"
    n = len(run.zoo())
    assert f"{n} of {n} networks agree" in zoo_run.output


def test_every_reference_implementation_was_checked_and_agrees(zoo_run):
    # Not skipped: CI installs torchvision and timm ('.[xcheck]'), so a skip here is a failure.
    # A verdict longer than the width (100 here) goes on, indented two, on the next line.
    verdicts = re.sub(r"\n  (?=\S)", " ", zoo_run.output)
    for name, ref in REFERENCES.items():
        assert re.search(rf"^✓ {re.escape(name)}: .*; {re.escape(ref.title)} agrees \(\d+ checks\)",
                         verdicts, re.M), f"{name} vs {ref.title}\n{zoo_run.output}"


def test_the_zoos_verification_fits_100_columns(zoo_run):
    # Issue 15: inception-resnet-v2's verdict was one line of 113 characters.
    assert max(len(line) for line in zoo_run.output.splitlines()) <= 100


# --- the verifier must be able to fail --------------------------------------------------------

def test_an_off_by_one_output_size_is_caught_at_the_first_layer(monkeypatch):
    real = formulas.out_len
    monkeypatch.setattr(formulas, "out_len", lambda *a, **k: real(*a, **k) + 1)
    r = cli("alexnet", "--rows", "failures")
    assert r.exit_code == 1, r.output
    assert "✗ alexnet:" in r.output and "first conv1 (shape archcalc 96×56×56, torch 96×55×55;" \
        in r.output
    assert re.search(r"^conv1 .*✗ shape", r.output, re.M)


def test_a_dropped_conv_bias_is_caught_at_every_conv(monkeypatch):
    apply = layers.Conv.apply

    def no_bias(self, ins, a):
        res = apply(self, ins, a)
        return layers.Result(res.shape, Counts(res.counts.weights, 0, 0, res.counts.macs),
                             res.notes)

    monkeypatch.setattr(layers.Conv, "apply", no_bias)
    r = cli("alexnet", "--rows", "failures")
    assert r.exit_code == 1
    assert "first conv1 (params archcalc 34,848, torch 34,944)" in r.output
    failed = re.findall(r"^(\S+) .*✗ params$", r.output, re.M)
    assert failed == ["conv1", "conv2", "conv3", "conv4", "conv5"]


def test_a_wrong_spec_is_caught_by_the_reference_cross_check(tmp_path):
    # A spec that calls itself alexnet-torchvision but has conv1 with 96 filters, not 64:
    # its own torch model agrees with it; torchvision's AlexNet does not.
    body = (Path(run.spec.specs_dir()) / "alexnet.toml").read_text(encoding="utf-8")
    assert body.count("conv = 64") == 1
    spec = tmp_path / "wrong.toml"
    spec.write_text(body.replace("conv = 64", "conv = 96"), encoding="utf-8")
    r = cli(f"{spec}:alexnet-torchvision", "--rows", "failures")
    assert r.exit_code == 1, r.output
    assert re.search(r"^total parameters .*✗", r.output, re.M)
    assert "torchvision alexnet checks disagree, first: total parameters" in r.output


def test_a_layer_torch_refuses_is_reported_there_and_the_rest_not_reached(monkeypatch):
    class Refuses(torch.nn.Module):
        def forward(self, x):
            raise RuntimeError("mat1 and mat2 shapes cannot be multiplied\nmore detail")

    monkeypatch.setitem(builders.BUILDERS, "lrn", lambda a, ins: Refuses())
    r = cli("alexnet", "--rows", "failures", "--wide")     # the verdict on one line
    assert r.exit_code == 1
    assert "first norm1 (torch: RuntimeError: mat1 and mat2 shapes cannot be multiplied)" \
        in r.output
    assert re.search(r"^norm1 .*✗ torch$", r.output, re.M)
    assert re.search(r"^fc8 .*✗ torch$", r.output, re.M)     # not reached


def test_an_output_that_is_not_finite_is_a_disagreement(monkeypatch):
    class Infinite(torch.nn.Module):
        def forward(self, x):
            return x * float("inf")

    monkeypatch.setitem(builders.BUILDERS, "softmax", lambda a, ins: Infinite())
    r = cli("alexnet", "--rows", "failures")
    assert r.exit_code == 1
    assert "first softmax (torch's output is not finite)" in r.output


def test_meta_checks_shapes_counts_and_flops_without_allocating(monkeypatch):
    # The same comparison with nothing allocated: a batch whose real forward pass would be
    # refused (over the size limit) is fine on meta, and a wrong formula is still caught there.
    r = cli("alexnet", "--device", "meta", "--batch", "100000", "--rows", "none")
    assert r.exit_code == 0, r.output
    assert "✓ alexnet:" in r.output and "(meta, batch 100000)" in r.output
    assert cli("alexnet", "--batch", "100000").exit_code == 2
    real = formulas.out_len
    monkeypatch.setattr(formulas, "out_len", lambda *a, **k: real(*a, **k) + 1)
    r = cli("alexnet", "--device", "meta")
    assert r.exit_code == 1 and "first conv1 (shape archcalc 96×56×56, torch 96×55×55;" in r.output
    assert "finiteness was not checked" in r.output


# --- torch modules follow the spec -----------------------------------------------------------

def test_a_scaled_add_scales_the_residual_branch_not_the_shortcut():
    net = network([{"use": "res", "name": "r"}], input=(2, 4, 4), blocks={
        "res": {"add": [[{"conv": 2, "k": 1, "bias": False, "name": "f"}], []],
                "join": {"scale": 0.25}}})
    built = model.build(net)
    assert built.failed_at is None
    torch.manual_seed(0)
    m = model.materialize(built.model, "cpu")
    x = torch.randn(1, 2, 4, 4)
    f = m.layers[0]
    assert torch.allclose(m(x), x + 0.25 * f(x))


def test_lenet_partial_table_and_rbf_are_what_the_paper_says():
    net = run.spec.load("lenet5")
    m = model.build(net).model
    c3 = m.layers[m.names.index("C3")]
    assert [conv.in_channels for conv in c3.maps] == [3] * 6 + [4] * 9 + [6]
    rbf = m.layers[m.names.index("output")]
    assert not rbf.weight.requires_grad and rbf.weight.shape == (10, 84)


def test_tf_same_padding_is_asymmetric_in_torch_too():
    # Xception's 3×3/2 max pool on 74: TF pads 0 before and 1 after (37 out), which PyTorch's
    # symmetric padding cannot express.
    net = network([{"maxpool": 3, "s": 2, "p": "same"}], input=(1, 74, 74))
    pool = model.build(net).model.layers[0]
    assert isinstance(pool[0], torch.nn.ConstantPad2d) and pool[0].padding == (0, 1, 0, 1)


def test_tf_same_padding_is_the_documented_rule():
    # TensorFlow's documented examples (tf.nn.convolution): in 5, k 3, s 2 → out 3, pad 2 = 1+1;
    # in 74, k 3, s 2 → 37, pad 1 = 0+1 (after); in 6, k 1, s 2 → 3, no padding; k 3, d 2,
    # s 1 → pad (3 − 1)·2 = 4 = 2+2.
    assert builders.tf_same(5, 3, 2, 1) == (1, 1)
    assert builders.tf_same(74, 3, 2, 1) == (0, 1)
    assert builders.tf_same(6, 1, 2, 1) == (0, 0)
    assert builders.tf_same(9, 3, 1, 2) == (2, 2)


@pytest.mark.parametrize("layer", [{"conv": 2, "k": 3, "s": 1, "p": "same"},
                                   {"conv": 2, "k": 4, "s": 2, "p": "same"},
                                   {"maxpool": 3, "s": 2, "p": "same"}])
def test_a_wrong_same_padding_in_the_engine_is_caught(monkeypatch, layer):
    """The verifier works "same" padding out itself (torch's padding="same" for a stride-1 conv,
    TensorFlow's rule otherwise): a pixel too many on each side in the engine's rule is a
    disagreement (while the verifier reused the engine's rule, it agreed)."""
    net = network([layer], input=(2, 9, 9))
    assert not check(net, engine.analyse(net)).layers[0].mismatches
    right = formulas.same_padding
    monkeypatch.setattr(formulas, "same_padding",
                        lambda i, k, s, d=1: tuple(x + 1 for x in right(i, k, s, d)))
    assert "shape" in check(net, engine.analyse(net)).layers[0].mismatches


@settings(max_examples=40, deadline=None)
@given(i=st.integers(1, 24), k=st.integers(1, 5), s=st.integers(1, 4), p=st.integers(0, 2),
       d=st.integers(1, 2), ceil=st.booleans(), kind=st.sampled_from(["conv", "maxpool", "avgpool"]))
def test_any_window_geometry_agrees_with_torch(i, k, s, p, d, ceil, kind):
    if kind == "conv":
        layer = {"conv": 3, "k": k, "s": s, "p": p, "dilation": d}
    elif kind == "maxpool":
        layer = {"maxpool": k, "s": s, "p": min(p, k // 2), "dilation": d, "ceil": ceil}
    else:
        layer = {"avgpool": k, "s": s, "p": min(p, k // 2), "ceil": ceil}
    net = network([layer], input=(2, i, i))
    try:
        a = engine.analyse(net)
    except SpecError:
        assume(False)   # the engine refuses (kernel larger than the input): nothing to compare
    nc = check(net, a)
    # Shapes, parameters and FLOPs. Not values: a dilated max pool whose window can fall wholly
    # in the padding (i = 1, k = 2, d = 2, p = 1) is accepted by both, and PyTorch outputs −inf.
    assert set(nc.layers[0].mismatches) <= {"values"}, nc.layers[0]


# --- options, devices and bad input ------------------------------------------------------------

def test_batch_scales_flops_and_keeps_per_sample_shapes():
    r = cli("lenet5", "--batch", "3")
    assert r.exit_code == 0, r.output
    assert re.search(r"^C1 +conv +6×28×28 +6×28×28 +156 +156 +705,600 +705,600 +✓", r.output,
                     re.M)
    assert "(cpu, batch 3)" in r.output


def test_input_and_set_change_the_network_verified():
    r = cli("resnet18", "--input", "160", "--rows", "none")
    assert r.exit_code == 0, r.output
    assert "✓ resnet18:" in r.output and "torchvision resnet18 agrees" in r.output
    r = cli("resnet18", "--set", "classes=10", "--rows", "failures", "--wide")
    assert r.exit_code == 0, r.output
    assert "torchvision resnet18 not checked: the spec was changed (--set classes=10)" in r.output
    r = cli("resnet18", "--input", "3x160x128")
    assert "(cpu, batch 1, input 3×160×128)" in r.output
    assert re.search(r"^fc +fc +1000 +1000 ", r.output, re.M)


def test_all_shows_a_progress_bar_on_a_terminal(monkeypatch, capsys):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    nets = [run.spec.load("lenet5"), run.spec.load("nin")]
    assert run.run(nets, "cpu", 1, "failures") == 0
    assert "verifying" in term.getvalue() and "nin" in term.getvalue()
    out = capsys.readouterr().out
    assert "✓ lenet5:" in out and "2 of 2 networks agree" in out


def test_no_progress_bar_when_not_a_terminal(capsys):
    nets = [run.spec.load("lenet5"), run.spec.load("nin")]
    assert run.run(nets, "cpu", 1, "none") == 0
    captured = capsys.readouterr()
    assert "verifying" not in captured.err and "2 of 2 networks agree" in captured.out


@pytest.mark.parametrize("args, message", [
    (["lenet"], "did you mean 'lenet5'"),
    ([], "give one or more network names, or --all"),
    (["--all", "lenet5"], "give network names or --all (not both)"),
    (["lenet5", "--batch", "0"], "--batch"),
    (["lenet5", "--device", "tpu"], "--device"),
])
def test_bad_input_exits_2(args, message):
    r = cli(*args)
    assert r.exit_code == 2 and message in r.output, r.output


def test_cuda_asked_but_missing_exits_2(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    r = cli("lenet5", "--device", "cuda")
    assert r.exit_code == 2
    assert "--device cuda: no CUDA device is available" in r.output and "--device cpu" in r.output


def test_torch_missing_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    # As in a fresh process: none of the verifier's modules that import torch is loaded yet.
    for name in [m for m in sys.modules if m.startswith("archcalc.verify.")]:
        monkeypatch.delitem(sys.modules, name)
    r = cli("lenet5")
    assert r.exit_code == 2
    assert "needs torch, which is not installed" in r.output
    assert "pip install 'archcalc[verify]'" in r.output


def test_a_missing_reference_library_is_reported_not_silent(monkeypatch):
    monkeypatch.setitem(sys.modules, "torchvision", None)
    r = cli("alexnet-torchvision", "--wide")       # the lines unwrapped
    assert r.exit_code == 0, r.output
    assert "cross-check skipped: torchvision is not installed" in r.output
    assert "not checked against torchvision alexnet: total parameters, MACs and 3 stage shapes" \
        in r.output
    assert "; torchvision alexnet not checked: torchvision is not installed" in r.output
    assert "pip install 'archcalc[xcheck]'" in r.output


def test_help_does_not_import_torch():
    code = ("import sys; from archcalc.cli import main\n"
            "try:\n    main(['verify', '--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('torch', 'torchvision', 'timm') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "Exit status: 0 when everything agrees" in out.stdout
    assert out.stdout.strip().endswith("[]")


@pytest.mark.skipif(not torch.cuda.is_available(),
                    reason="no CUDA device: the --device cuda path is tested only where one is")
def test_cuda_runs_the_same_comparison():
    r = cli("lenet5", "googlenet", "xception", "inception-resnet-v2", "--device", "cuda")
    assert r.exit_code == 0, r.output
    assert "(cuda, batch 1)" in r.output and "4 of 4 networks agree" in r.output


def test_the_mobile_kinds_agree_with_torch_and_torchvision():
    """The mobile family's kinds, built from the spec, agree with torch; and squeeze-and-
    excitation's count is torchvision.ops.SqueezeExcitation's (an independent implementation)."""
    import tomllib
    from tests.test_kinds import DWCONV
    data = tomllib.loads(DWCONV)
    net = SpecFile("<test>", data).network("dw")
    a = engine.analyse(net)
    result = check(net, a)
    assert result.ok, result.failures[:3]
    assert {c.name for c in result.layers} >= {"se1", "shuffle", "pwconv2", "stochastic_depth",
                                               "split"}
    ops = pytest.importorskip("torchvision.ops")
    for c, r in ((24, 6), (96, 24), (960, 240)):
        se = ops.SqueezeExcitation(c, r)
        assert sum(p.numel() for p in se.parameters()) == RULES["se"].apply(
            [layers.Shape(c, 7, 7)], {"se": r, "act": "relu", "gate": "sigmoid",
                                      "bias": True}).counts.params


# EfficientNet-B1 … B7 (Tan & Le 2019, Sec. 3.3, Table 2) as torchvision builds them: width and
# depth coefficients (torchvision's width_mult, depth_mult) and the paper's resolutions.
EFFICIENTNETS = [("b1", 1.0, 1.1, 240), ("b2", 1.1, 1.2, 260), ("b3", 1.2, 1.4, 300),
                 ("b4", 1.4, 1.8, 380), ("b5", 1.6, 2.2, 456), ("b6", 1.8, 2.6, 528),
                 ("b7", 2.0, 3.1, 600)]


@pytest.mark.parametrize("b, width, depth, res", EFFICIENTNETS)
def test_set_turns_efficientnet_b0_into_b1_to_b7(b, width, depth, res):
    """--set width, depth and res on B0's spec gives torchvision's efficientnet_bN: the same
    parameters and the same MACs (FlopCounterMode on the meta device, nothing allocated)."""
    tv = pytest.importorskip("torchvision")
    from torch.utils.flop_counter import FlopCounterMode
    from archcalc.core import spec
    net = spec.load("efficientnet_b0", None, {"width": str(width), "depth": str(depth),
                                              "res": str(res)})
    a = engine.analyse(net)
    assert a.input.as_list() == [3, res, res]
    with torch.device("meta"):
        model = tv.models.get_model(f"efficientnet_{b}", weights=None).eval()
    with FlopCounterMode(display=False) as counter:
        model(torch.empty(1, 3, res, res, device="meta"))
    assert a.totals.params == sum(p.numel() for p in model.parameters())
    assert 2 * a.totals.macs == counter.get_total_flops()


def test_the_convnext_kinds_agree_with_torch():
    """ln, ln2d, linear (on a map and on a vector), gelu and layer_scale, built from a spec,
    agree with torch layer by layer (shape, params, FLOPs)."""
    import tomllib
    data = tomllib.loads('''
name = "cn"
description = "the ConvNeXt kinds"
source = "tests"
input = [8, 9, 9]
layers = [{ conv = 16, k = 2, s = 2 }, "ln2d", { linear = 32 }, "gelu", { linear = 16 },
          { layer_scale = 0.5 }, "ln", "gap", "flatten", { linear = 10 }, "ln",
          { linear = 4, bias = false }]
''')
    net = SpecFile("<test>", data).network("cn")
    result = check(net, engine.analyse(net))
    assert result.ok, result.failures[:3]
    assert {c.name for c in result.layers} >= {"ln2d", "linear1", "gelu", "layer_scale", "ln1",
                                               "linear4"}


def test_the_vit_kinds_agree_with_torch_and_nn_multiheadattention():
    """patch_embed, cls_token, pos_embed, mhsa and token, built from a spec, agree with torch
    layer by layer (FlopCounterMode counts the attention products as batched matrix products);
    and mhsa's parameters are nn.MultiheadAttention's (an independent implementation)."""
    import tomllib
    data = tomllib.loads('''
name = "vt"
description = "the ViT kinds"
source = "tests"
input = [3, 12, 12]
layers = [{ patch_embed = 16, patch = 4 }, "cls_token", "pos_embed", "ln", { mhsa = 4 },
          { mhsa = 2, bias = false }, { mhsa = 4, out_bias = false }, { token = 0 }, { fc = 5 }]
''')
    net = SpecFile("<test>", data).network("vt")
    result = check(net, engine.analyse(net))
    assert result.ok, result.failures[:3]
    assert {c.name for c in result.layers} >= {"patch_embed", "cls_token", "pos_embed", "mhsa1",
                                               "mhsa2", "mhsa3", "token"}
    for d, h, bias, out_bias in ((16, 4, True, True), (768, 12, True, True),
                                 (64, 2, False, True), (64, 2, True, False)):
        mha = torch.nn.MultiheadAttention(d, h, bias=bias)
        if not out_bias:            # as an exporter leaves an all-zero out_proj.bias out
            mha.out_proj.bias = None
        assert sum(p.numel() for p in mha.parameters()) == RULES["mhsa"].apply(
            [layers.Shape(d, 10, 1)], {"mhsa": h, "bias": bias, "out_bias": out_bias}
        ).counts.params


def test_the_unet_kinds_agree_with_torch():
    """tconv (padding, output_padding, groups, dilation), upsample (nearest, bilinear) and crop,
    built from a spec, agree with torch layer by layer."""
    import tomllib
    data = tomllib.loads('''
name = "un"
description = "the U-Net kinds"
source = "tests"
input = [4, 9, 9]
layers = [{ tconv = 6, k = 3, s = 2, p = 1, output_padding = 1 }, { upsample = 2, mode = "bilinear" },
          { crop = [30, 28] }, { upsample = [1, 2] }, { tconv = 4, k = 2, s = 2, groups = 2, bias = false },
          { tconv = 2, k = 3, s = 1, dilation = 2, p = [1, 0, 2, 1] }]
''')
    net = SpecFile("<test>", data).network("un")
    result = check(net, engine.analyse(net))
    assert result.ok, result.failures[:3]
    assert {c.name for c in result.layers} >= {"tconv1", "tconv2", "tconv3", "upsample1", "crop"}
