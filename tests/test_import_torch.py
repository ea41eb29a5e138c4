"""`archcalc import` of PyTorch modules: round trips against the bundled specs, a hand-made model
with every supported operation (traced by torch.fx and by hooks), readability, and bad input.

Every bundled network that torchvision or timm provide (verify/reference.py's list) is imported
from its module and compared with the bundled spec, row multiset and totals.
"""

from __future__ import annotations

import os
import textwrap
import tomllib
from collections import Counter

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torchvision")
from torch import nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from archcalc.core import engine, spec  # noqa: E402
from archcalc.importers import import_text, network  # noqa: E402
from archcalc.importers import torch_import  # noqa: E402
from archcalc.importers.spec_writer import Meta, load_text, write_spec  # noqa: E402
from archcalc.verify.reference import REFERENCES  # noqa: E402

from import_rows import difference  # noqa: E402
from wide_cli import cli  # noqa: E402



# Where a bundled spec and the module it reproduces differ by design, the difference, and why.
KNOWN = {
    # the paper's VGG ends in a softmax; torchvision returns logits, and pools adaptively to 7×7,
    # which is the identity at 224×224
    **{f"vgg{d}": ({("adaptive_avgpool", 25088, 0, 0): 1}, {("softmax", 1000, 0, 0): 1})
       for d in (11, 13, 16, 19)},
    # timm's legacy SE-ResNet-50 has a dropout before its classifier
    "se-resnet50": ({("dropout", 2048, 0, 0): 1}, {}),
    # the paper's Fig. 9 keeps 0.8 of the pooled values in training; timm's head dropout has
    # p = 0 (its drop_rate's default), the identity, which the importer leaves out
    "inception-v4": ({}, {("dropout", 1536, 0, 0): 1}),
    "inception-resnet-v2": ({}, {("dropout", 1536, 0, 0): 1}),
    # Keras's Xception, which the spec follows, ends in a softmax; timm returns logits
    "xception": ({}, {("softmax", 1000, 0, 0): 1}),
}


def round_trip(network_name: str):
    ref = REFERENCES[network_name]
    bundled = engine.analyse(spec.load(network_name))
    shape = tuple(bundled.input.as_list())
    if ref.kwargs:                  # a variant by keyword (MobileNet v2's width 1.4): the module
        if ref.library == "timm":   # itself, traced as `import` traces it
            import timm

            make = lambda: timm.create_model(ref.model, pretrained=False, **ref.kwargs)  # noqa
        else:
            import torchvision

            make = lambda: torchvision.models.get_model(ref.model, weights=None,  # noqa: E731
                                                        **ref.kwargs)
        model = torch_import._on_meta(make)
        graph, _ = torch_import.trace(model, shape)
        imported = engine.analyse(load_text(write_spec(graph, Meta(ref.model, "", "", [])),
                                            ref.model))
    else:
        source = f"{'torchvision' if ref.library == 'torchvision' else 'timm'}:{ref.model}"
        imported = engine.analyse(network(source, shape))
    only_imported, only_bundled = difference(imported, bundled)
    want = KNOWN.get(network_name, ({}, {}))
    assert (dict(only_imported), dict(only_bundled)) == want
    assert imported.totals.macs == bundled.totals.macs
    if not bundled.has_aux:          # the aux heads are not in an eval-mode trace
        assert imported.totals.params == bundled.totals.params


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_round_trip_of_every_bundled_network_torch_provides(name):
    if REFERENCES[name].library == "timm":
        pytest.importorskip("timm")
    round_trip(name)


def test_an_imported_resnet50_reads_like_the_bundled_spec():
    text = import_text("torchvision:resnet50")
    data = tomllib.loads(text)
    assert text.startswith("# resnet50: imported by archcalc")
    assert "torch.fx" in text.splitlines()[1] and "3×224×224" in text.splitlines()[2]
    assert set(data["blocks"]) == {"Bottleneck", "Sequential"}
    stages = [item for item in data["layers"] if "use" in item]
    assert [(s["name"], s["n"], s["first"].get("s", 1)) for s in stages] == [
        ("layer1", 3, 1), ("layer2", 4, 2), ("layer3", 6, 2), ("layer4", 3, 2)]
    assert all(s["first"]["downsample"] is True for s in stages)
    block = data["blocks"]["Bottleneck"]
    assert block["defaults"] == {"s": 1, "downsample": False}
    assert [item["name"] for item in block["add"][0]][:3] == ["conv1", "bn1", "relu"]
    assert block["add"][1][0]["if"] == "$downsample"


def test_a_densenet_block_is_one_run_of_its_dense_layer():
    data = tomllib.loads(import_text("torchvision:densenet121"))
    runs = [i for i in data["layers"] if i.get("use") == "DenseLayer"]
    assert [(r["name"], r["n"]) for r in runs] == [
        (f"features.denseblock{b}.denselayer", n) for b, n in ((1, 6), (2, 12), (3, 24), (4, 16))]
    assert data["blocks"]["DenseLayer"]["concat"][0] == []
    assert [i["c"] for i in data["layers"] if i.get("use") == "Transition"] == [128, 256, 512]


# --- a hand-made model with each supported operation ---------------------------------------

class SE(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.fc1 = nn.Conv2d(c, c // 4, 1)
        self.fc2 = nn.Conv2d(c // 4, c, 1)

    def forward(self, x):
        g = torch.sigmoid(self.fc2(F.relu(self.fc1(F.adaptive_avg_pool2d(x, 1)))))
        return x * g


class Branches(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.a = nn.Conv2d(c, 8, 1)
        self.b = nn.Conv2d(c, 8, 3, padding=1, groups=2, bias=False)
        self.c = nn.Conv2d(c, c, 3, padding=1, groups=c)         # depthwise

    def forward(self, x):
        return torch.cat([self.a(x), self.b(x), F.max_pool2d(self.c(x), 3, 1, 1)], 1)


class Every(nn.Module):
    """Every operation the torch importer knows, once or more."""

    def __init__(self, control_flow=False):
        super().__init__()
        self.control_flow = control_flow
        self.conv = nn.Conv2d(3, 16, 5, stride=2, padding=2)
        self.bn = nn.BatchNorm2d(16)
        self.act = nn.ReLU(inplace=True)
        self.lrn = nn.LocalResponseNorm(5)
        self.pool = nn.MaxPool2d(3, 2, 1, ceil_mode=True)
        self.se = SE(16)
        self.branches = Branches(16)
        self.res = nn.Conv2d(32, 32, 3, padding=1, dilation=1)
        self.avg = nn.AvgPool2d(2)
        self.adapt = nn.AdaptiveAvgPool2d(3)
        self.flat = nn.Flatten()
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(32 * 9, 20)
        self.bn1 = nn.BatchNorm1d(20)
        self.tanh = nn.Tanh()
        self.out = nn.Linear(20, 10, bias=False)
        self.soft = nn.Softmax(dim=1)

    def forward(self, x):
        x = self.pool(self.lrn(self.act(self.bn(self.conv(x)))))
        x = self.se(x)
        x = self.branches(x)
        if self.control_flow and bool(x.sum() > float("inf")):      # fx cannot trace this
            x = x * 2
        x = F.relu(x + self.res(x))
        x = self.adapt(self.avg(x))
        x = self.drop(self.flat(x))
        x = self.tanh(self.bn1(self.fc(x)))
        return self.soft(self.out(x))


@pytest.mark.parametrize("control_flow, tracer", [(False, "torch.fx"), (True, "forward hooks")])
def test_every_supported_operation_agrees_with_torch(tmp_path, control_flow, tracer):
    from torch.utils.flop_counter import FlopCounterMode

    model = Every(control_flow).eval()
    graph, how = torch_import.trace(model, (3, 64, 64))
    assert how.startswith(tracer)
    path = tmp_path / "every.py"
    path.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {os.path.dirname(__file__)!r})
        from test_import_torch import Every
        def make():
            return Every({control_flow})
        """))
    text = import_text(f"{path}:make", (3, 64, 64))
    a = engine.analyse(load_text(text, "every"))
    kinds = {r.kind for r in a.rows}
    assert kinds >= {"conv", "dwconv", "bn", "relu", "lrn", "maxpool", "gap", "sigmoid", "mul",
                     "concat", "add", "avgpool", "adaptive_avgpool", "flatten", "dropout", "fc",
                     "tanh", "softmax"}
    assert a.totals.params == sum(p.numel() for p in model.parameters())
    with FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, 3, 64, 64))
    assert 2 * a.totals.macs == counter.get_total_flops()
    assert (a.rows[-1].output.c, a.rows[-1].output.flat) == (10, True)


# --- the command and bad input -------------------------------------------------------------

def test_import_writes_a_spec_that_table_reads(tmp_path):
    out = tmp_path / "r18.toml"
    r = cli("import", "torchvision:resnet18", "--out", str(out), "--name", "mine")
    assert r.exit_code == 0, r.output
    t = cli("table", str(out))
    assert t.exit_code == 0, t.output
    assert t.output.startswith("mine — ") and "11,689,512" in t.output
    again = cli("import", "torchvision:resnet18", "--out", str(out))
    assert again.exit_code == 2 and "already exists" in again.output


def test_table_reads_a_torchvision_model_directly():
    r = cli("table", "torchvision:alexnet")
    assert r.exit_code == 0, r.output
    assert "61,100,840" in r.output


def write(tmp_path, body: str):
    p = tmp_path / "model.py"
    p.write_text(textwrap.dedent(body))
    return p


@pytest.mark.parametrize("body, call, expected", [
    ("raise ValueError('no such layer')\n", "make",
     "running the file raised ValueError: no such layer (at model.py line 2)"),
    ("def make():\n    return 1 / 0\n", "make", "make() raised ZeroDivisionError"),
    ("def make():\n    return 3\n", "make", "returned int, not a torch.nn.Module"),
    ("def make():\n    pass\n", "mkae", "has no 'mkae' (did you mean 'make'?)"),
    ("import torch\nclass Two(torch.nn.Module):\n    def forward(self, x, mask):\n"
     "        return x * mask\ndef make():\n    return Two()\n", "make",
     "the model's forward takes 2 inputs (x, mask); give each one's size: --input x=CxHxW "
     "--input mask=CxHxW"),
])
def test_bad_python_sources_give_one_message(tmp_path, body, call, expected):
    p = write(tmp_path, "\n" + body if body.startswith("raise") else body)
    out = tmp_path / "out.toml"
    r = cli("import", f"{p}:{call}", "--input", "3x32x32", "--out", str(out))
    assert r.exit_code == 2, r.output
    assert expected in r.output and "Traceback" not in r.output
    assert not out.exists()


def test_unsupported_operations_are_listed_with_counts_and_places(tmp_path):
    p = write(tmp_path, """
        import torch
        from torch import nn
        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 8, 3)
                self.act1 = nn.Mish()
                self.act2 = nn.Mish()
                self.up = nn.Upsample(scale_factor=2, mode="bicubic")
            def forward(self, x):
                return self.up(self.act2(self.act1(self.conv(x))))
        """)
    r = cli("import", f"{p}:M", "--input", "3x16x16")
    assert r.exit_code == 2
    assert "3 operations archcalc cannot count" in r.output
    assert "Mish ×2: act1, act2" in r.output
    assert "Upsample (upsampling with mode='bicubic') ×1: up" in r.output


MOBILE = """
    import torch
    from torch import nn
    import torch.nn.functional as F
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3)
            self.r6 = nn.ReLU6()
            self.hs = nn.Hardswish()
            self.hsig = nn.Hardsigmoid()
            self.silu = nn.SiLU()
            self.shuffle = nn.ChannelShuffle(2)
        def forward(self, x):
            x = self.shuffle(self.silu(self.hsig(self.hs(self.r6(self.conv(x))))))
            return F.silu(F.hardswish(F.relu6(x)))
    """


def test_the_mobile_activations_map_to_their_kinds_once_archcalc_has_them(tmp_path):
    """ReLU6, hard-swish, hard-sigmoid, SiLU and channel shuffle are issue 13's new kinds: each
    becomes its kind where archcalc has it, and is listed as unsupported where it does not."""
    from archcalc.core.kinds import RULES

    p = write(tmp_path, MOBILE)
    wanted = {"relu6": 2, "hardswish": 2, "hardsigmoid": 1, "silu": 2, "shuffle": 1}
    r = cli("import", f"{p}:M", "--input", "3x8x8")
    if all(k in RULES for k in wanted):
        assert r.exit_code == 0, r.output
        a = engine.analyse(network(f"{p}:M", (3, 8, 8)))
        assert Counter(row.kind for row in a.rows) == Counter(conv=1, **wanted)
        assert next(row for row in a.rows if row.kind == "shuffle").attrs["shuffle"] == 2
    else:
        assert r.exit_code == 2
        for kind, source in (("relu6", "ReLU6"), ("hardswish", "Hardswish"),
                             ("hardsigmoid", "Hardsigmoid"), ("silu", "SiLU"),
                             ("shuffle", "ChannelShuffle")):
            assert (f"{source} ×" in r.output) == (kind not in RULES), (kind, r.output)


SHUFFLE_UNIT = """
    import torch
    from torch import nn
    from torchvision.ops import StochasticDepth
    def channel_shuffle(x, groups):             # as torchvision's ShuffleNet v2 writes it
        n, c, h, w = x.size()
        x = x.view(n, groups, c // groups, h, w)
        x = torch.transpose(x, 1, 2).contiguous()
        return x.view(n, c, h, w)
    class Unit(nn.Module):
        def __init__(self, hooks=False):
            super().__init__()
            self.hooks = hooks
            self.conv = nn.Conv2d(4, 4, 1)
            self.sd = StochasticDepth(0.2, "row")
        def forward(self, x):
            if self.hooks and bool(x.sum() > float("inf")):      # fx cannot trace this
                x = x * 2
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat((x1, self.sd(self.conv(x2))), dim=1)
            return channel_shuffle(out, 2)
    def fx():
        return Unit()
    def hooks():
        return Unit(True)
    """


@pytest.mark.parametrize("make, tracer", [("fx", "torch.fx"), ("hooks", "forward hooks")])
def test_a_shufflenet_unit_is_split_shuffle_and_stochastic_depth(tmp_path, make, tracer):
    """torch's chunk into equal parts of the channels is one split row per part; the channel
    shuffle written out as view, transpose, view (torchvision's ShuffleNet v2) is one shuffle
    row; torchvision's StochasticDepth is a stochastic_depth row; by torch.fx and by hooks, once
    archcalc has those kinds (until then each is listed as unsupported)."""
    from archcalc.core.kinds import RULES

    p = write(tmp_path, SHUFFLE_UNIT)
    wanted = {"split": 2, "shuffle": 1, "stochastic_depth": 1}
    r = cli("import", f"{p}:{make}", "--input", "8x6x6")
    if not all(k in RULES for k in wanted):
        assert r.exit_code == 2, r.output
        return
    assert r.exit_code == 0, r.output
    assert tracer in r.output
    a = engine.analyse(network(f"{p}:{make}", (8, 6, 6)))
    assert Counter(row.kind for row in a.rows) == Counter(conv=1, concat=1, **wanted)
    assert sorted((row.attrs["split"], row.attrs["part"]) for row in a.rows
                  if row.kind == "split") == [(2, 0), (2, 1)]
    assert next(row for row in a.rows if row.kind == "shuffle").attrs["shuffle"] == 2
    assert next(row for row in a.rows
                if row.kind == "stochastic_depth").attrs["stochastic_depth"] == 0.2
    assert (a.rows[-1].kind, str(a.rows[-1].output)) == ("shuffle", "8×6×6")


MODERN = """
    import torch
    from torch import nn
    from torchvision.models.convnext import CNBlock, LayerNorm2d
    from torchvision.models.vision_transformer import VisionTransformer
    class Hooks(nn.Module):                      # fx cannot trace this: forward hooks do
        def __init__(self, net):
            super().__init__()
            self.net = net
        def forward(self, x):
            if bool(x.sum() > float("inf")):
                x = x * 2
            return self.net(x)
    def convnext():         # torchvision's own ConvNeXt parts: a stem, two blocks, the head
        return nn.Sequential(nn.Conv2d(3, 8, 4, 4), LayerNorm2d(8, eps=1e-6),
                             CNBlock(8, 1e-6, 0.0), CNBlock(8, 1e-6, 0.25),
                             nn.AdaptiveAvgPool2d(1), LayerNorm2d(8, eps=1e-6), nn.Flatten(),
                             nn.Linear(8, 10))
    def vit():              # torchvision's own ViT: 4×4 patches of 8×8, 2 layers, 2 heads
        return VisionTransformer(image_size=8, patch_size=4, num_layers=2, num_heads=2,
                                 hidden_dim=12, mlp_dim=20, num_classes=10)
    def convnext_hooks():
        return Hooks(convnext())
    def vit_hooks():
        return Hooks(vit())
    """


@pytest.mark.parametrize("make, tracer", [("", "torch.fx"), ("_hooks", "forward hooks")])
def test_convnext_parts_are_their_kinds(tmp_path, make, tracer):
    """ConvNeXt's block permutes the map to channels-last for nn.LayerNorm and two nn.Linear
    layers and back: ln and linear rows on the C×H×W map; LayerNorm2d is ln2d; the layer
    scale (a (C, 1, 1) parameter times the branch) is layer_scale; nn.GELU is gelu."""
    p = write(tmp_path, MODERN)
    r = cli("import", f"{p}:convnext{make}", "--input", "3x16x16")
    assert r.exit_code == 0 and tracer in r.output, r.output
    a = engine.analyse(network(f"{p}:convnext{make}", (3, 16, 16)))
    assert [(row.kind, str(row.output)) for row in a.rows if row.kind != "add"] == [
        ("conv", "8×4×4"), ("ln2d", "8×4×4")] + [
        ("dwconv", "8×4×4"), ("ln", "8×4×4"), ("linear", "32×4×4"), ("gelu", "32×4×4"),
        ("linear", "8×4×4"), ("layer_scale", "8×4×4"), ("stochastic_depth", "8×4×4")] * 2 + [
        ("gap", "8×1×1"), ("ln2d", "8×1×1"), ("flatten", "8"), ("fc", "10")]
    model = torch_import._on_meta(lambda: __import__("runpy").run_path(str(p))["convnext"]())
    assert a.totals.params == sum(t.numel() for t in model.parameters())
    # 1×1 convs' MACs for the linear layers: 16 positions · 8 · 32, twice per block
    assert sum(row.counts.macs for row in a.rows if row.kind == "linear") == 2 * 2 * 16 * 8 * 32
    assert [row.attrs["stochastic_depth"] for row in a.rows
            if row.kind == "stochastic_depth"] == [0.0, 0.25]


@pytest.mark.parametrize("make, tracer", [("", "torch.fx"), ("_hooks", "forward hooks")])
def test_a_vision_transformer_is_its_kinds(tmp_path, make, tracer):
    """torchvision's VisionTransformer: conv_proj reshaped into tokens is patch_embed; the class
    token (a parameter, expanded and put before the tokens) cls_token; the position embedding
    (a parameter added) pos_embed; nn.MultiheadAttention mhsa with its heads; the MLP's
    nn.Linear on tokens linear; x[:, 0] token 0; dropouts of probability 0 left out."""
    p = write(tmp_path, MODERN)
    r = cli("import", f"{p}:vit{make}", "--input", "3x8x8")
    assert r.exit_code == 0 and tracer in r.output, r.output
    a = engine.analyse(network(f"{p}:vit{make}", (3, 8, 8)))
    layer = [("ln", "12×5×1"), ("mhsa", "12×5×1"), ("add", "12×5×1"), ("ln", "12×5×1"),
             ("linear", "20×5×1"), ("gelu", "20×5×1"), ("linear", "12×5×1"),
             ("add", "12×5×1")]
    assert [(row.kind, str(row.output)) for row in a.rows] == [
        ("patch_embed", "12×4×1"), ("cls_token", "12×5×1"), ("pos_embed", "12×5×1")] + \
        layer * 2 + [("ln", "12×5×1"), ("token", "12"), ("fc", "10")]
    assert next(row for row in a.rows if row.kind == "mhsa").attrs["mhsa"] == 2
    assert next(row for row in a.rows if row.kind == "patch_embed").attrs["patch"] == 4
    model = torch_import._on_meta(lambda: __import__("runpy").run_path(str(p))["vit"]())
    assert a.totals.params == sum(t.numel() for t in model.parameters())


def test_attention_and_layer_norm_archcalc_cannot_read_are_listed(tmp_path):
    """Cross-attention, a sequence-first MultiheadAttention and a layer norm over a
    channels-first map's last axis (its width, not its channels) are not archcalc's kinds."""
    p = write(tmp_path, """
        import torch
        from torch import nn
        class M(nn.Module):
            def __init__(self, batch_first=True, cross=False):
                super().__init__()
                self.cross = cross
                self.proj = nn.Conv2d(3, 8, 2, 2)
                self.attn = nn.MultiheadAttention(8, 2, batch_first=batch_first)
            def forward(self, x):
                t = self.proj(x).flatten(2).transpose(1, 2)
                t = t.permute(0, 2, 1).permute(0, 2, 1)
                return self.attn(t, t * 2 if self.cross else t, t, need_weights=False)[0]
        def cross():
            return M(cross=True)
        def seq_first():
            return M(batch_first=False)
        def ln_on_width():
            return nn.Sequential(nn.Conv2d(3, 8, 1), nn.LayerNorm(6))
        def self_attention():
            return M()
        """)
    # timm's way to tokens, flatten(2).transpose(1, 2), and self-attention: the kinds
    a = engine.analyse(network(f"{p}:self_attention", (3, 4, 4)))
    assert [(row.kind, str(row.output)) for row in a.rows] == [("patch_embed", "8×4×1"),
                                                               ("mhsa", "8×4×1")]
    r = cli("import", f"{p}:cross", "--input", "3x4x4")
    assert r.exit_code == 2 and "MultiheadAttention (MultiheadAttention with its query, key " \
        "and value not one tensor (cross-attention)) ×1: attn" in r.output, r.output
    r = cli("import", f"{p}:seq_first", "--input", "3x4x4")
    assert r.exit_code == 2 and "with batch_first=False" in r.output, r.output
    r = cli("import", f"{p}:ln_on_width", "--input", "3x6x6")
    assert r.exit_code == 2 and "LayerNorm (layer norm over the last axis of a " \
        "channels-first map or a vector) ×1: 1" in r.output, r.output


def test_a_view_that_is_no_shuffle_stays_unsupported(tmp_path):
    p = write(tmp_path, """
        import torch
        from torch import nn
        class M(nn.Module):
            def forward(self, x):
                n, c, h, w = x.size()
                return x.view(n, 2, c // 2, h, w).sum(1)
        """)
    r = cli("import", f"{p}:M", "--input", "4x3x3")
    assert r.exit_code == 2 and "view (a reshape) ×1" in r.output, r.output


UNKNOWN_OPS = """
    import torch
    from torch import nn
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3)
            self.act1 = nn.Mish()
            self.act2 = nn.Mish()
            self.up = nn.Upsample(scale_factor=2, mode="bicubic")
            self.head = nn.Conv2d(8, 4, 1)
        def forward(self, x):
            return self.head(self.up(self.act2(self.act1(self.conv(x)))))
    """


def test_skip_unknown_keeps_them_as_uncounted_rows_named_in_the_footer(tmp_path):
    p = write(tmp_path, UNKNOWN_OPS)
    refused = cli("import", f"{p}:M", "--input", "3x16x16")
    assert refused.exit_code == 2 and "--skip-unknown keeps them" in refused.output
    out = tmp_path / "m.toml"
    r = cli("import", f"{p}:M", "--input", "3x16x16", "--skip-unknown", "--out", str(out))
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert '{ uncounted = "Upsample", c = 8, h = 28, w = 28, note = "not counted", name = "up" }' \
        in text
    t = cli("table", str(out))
    assert t.exit_code == 0, t.output
    rows = {line.split()[0]: line.split() for line in t.output.splitlines() if line[:1].isalpha()}
    assert rows["up"][:2] == ["up", "uncounted"] and rows["up"][-1] == "[3]"
    assert "[3] up: not counted" in t.output
    assert rows["act1"][1:6] == ["uncounted", "14", "14", "8", "0"]
    assert ("spec: not counted: 3 operations archcalc has no rule for, kept by --skip-unknown "
            "as 'uncounted' rows with the output shapes the source reported: Mish ×2 (act1, "
            "act2); Upsample ×1 (up); their parameters and operations are in no total.") \
        in " ".join(t.output.split())
    # the counted layers' totals are the conv and the head: 8·27 + 8 and 4·8 + 4 parameters
    assert rows["total"][1:3] == ["260", f"{14 * 14 * 8 * 27 + 28 * 28 * 4 * 8:,}"]
    # the same in one command, and the working of an uncounted row
    direct = cli("table", f"{p}:M", "--input", "3x16x16", "--skip-unknown")
    assert direct.exit_code == 0 and direct.output.split("\n", 3)[3] == t.output.split("\n", 3)[3]
    e = cli("explain", str(out), "up")
    assert e.exit_code == 0 and "Upsample has no rule in archcalc" in e.output
    # the verifier builds the spec, an uncounted row as a stand-in of the declared shape
    v = cli("verify", str(out))
    assert v.exit_code == 0 and "M: all 5 layers agree with torch" in v.output, v.output


def test_a_model_that_needs_input_gets_asked_for_it(tmp_path):
    p = write(tmp_path, "import torch\ndef make():\n    return torch.nn.Conv2d(3, 4, 3)\n")
    r = cli("import", f"{p}:make")
    assert r.exit_code == 2 and "--input CxHxW" in r.output


def test_an_input_the_model_refuses_is_one_message(tmp_path):
    p = write(tmp_path, "import torch\ndef make():\n    return torch.nn.Conv2d(3, 4, 3)\n")
    r = cli("import", f"{p}:make", "--input", "5x16x16")
    assert r.exit_code == 2 and "forward pass at input 5×16×16 raised" in r.output
    assert "Traceback" not in r.output


def test_an_unknown_torchvision_model_suggests_one():
    r = cli("import", "torchvision:resnet5O")
    assert r.exit_code == 2 and "did you mean 'resnet50'?" in r.output


def test_a_segmentation_model_imports_with_its_backbone_built_without_weights(monkeypatch):
    """`table torchvision:fcn_resnet50` downloaded ResNet-50's weights for its backbone
    (weights=None leaves weights_backbone at its default) and, with no network, ended in an
    'internal error' (URLError): the backbone is built without weights, nothing is fetched;
    its output, {'out': x}, is read as x, and its F.interpolate back to 224×224 as an
    upsample ×8: the parameters are torch's."""
    import urllib.request

    import torchvision

    def no_network(*args, **kwargs):
        raise AssertionError("a download was attempted")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    a = engine.analyse(network("torchvision:fcn_resnet50"))
    model = torchvision.models.segmentation.fcn_resnet50(weights=None, weights_backbone=None)
    assert a.totals.params == sum(p.numel() for p in model.parameters())
    last = a.rows[-1]
    assert (last.kind, last.attrs["upsample"], str(last.output)) == (
        "upsample", (8, 8), "21×224×224")


def test_a_library_model_that_fails_to_build_is_one_message(monkeypatch):
    """An error in the library's own code while the model is built (a download with no
    network) is one message naming the source, not an internal error."""
    import torchvision

    def offline(**kwargs):
        raise OSError("<urlopen error [Errno -2] Name or service not known>")

    monkeypatch.setattr(torchvision.models, "get_model_builder", lambda name: offline)
    r = cli("table", "torchvision:resnet18")
    assert r.exit_code == 2, r.output
    assert r.output.startswith("archcalc: error: torchvision:resnet18: building the model "
                               "failed: OSError: <urlopen error"), r.output


UPSAMPLING = """
import torch
from torch import nn
import torch.nn.functional as F


class Up(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Conv2d(3, 8, 3, padding=1)
        self.down = nn.MaxPool2d(2)
        self.mid = nn.Conv2d(8, 16, 3, padding=1)
        self.up = nn.ConvTranspose2d(16, 8, 2, stride=2)
        self.dec = nn.Conv2d(16, 4, 3, padding=1)
        self.smooth = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.tc = nn.ConvTranspose2d(4, 4, 3, stride=2, padding=1, output_padding=1, bias=False)

    def forward(self, x):
        a = torch.relu(self.enc(x))
        u = self.up(torch.relu(self.mid(self.down(a))))
        y = self.dec(torch.cat([a, u], 1))
        y = self.smooth(F.interpolate(y, size=(32, 32), mode="nearest"))
        return self.tc(self.down(self.down(y)))
"""


def test_transposed_convs_and_upsampling_are_read(tmp_path):
    """A U-Net-like model: nn.ConvTranspose2d (with output_padding, without bias) was an
    unsupported op, and so were nn.Upsample and F.interpolate. They are tconv and upsample rows
    (a whole factor, nearest or bilinear, from the shapes); the parameters are torch's, each
    shape torch's (the import's own check), and the verifier agrees on every layer."""
    path = tmp_path / "up.py"
    path.write_text(UPSAMPLING, encoding="utf-8")
    import runpy

    model = runpy.run_path(str(path))["Up"]()
    a = engine.analyse(network(f"{path}:Up", (3, 16, 16)))
    kinds = [r.kind for r in a.rows]
    assert kinds.count("tconv") == 2 and kinds.count("upsample") == 2, kinds
    ups = [r for r in a.rows if r.kind == "upsample"]
    assert [(r.attrs["upsample"], r.attrs["mode"]) for r in ups] == [
        ((2, 2), "nearest"), ((2, 2), "bilinear")]
    tc = next(r for r in a.rows if r.name == "tc")
    assert (tc.attrs["output_padding"], tc.attrs["bias"]) == ((1, 1), False)
    assert a.totals.params == sum(p.numel() for p in model.parameters())
    out = tmp_path / "up.toml"
    assert cli("import", f"{path}:Up", "--input", "3x16x16", "--out", str(out)).exit_code == 0
    r = cli("verify", str(out))
    assert r.exit_code == 0, r.output


def test_upsampling_by_other_than_a_whole_factor_is_named(tmp_path):
    path = tmp_path / "odd.py"
    path.write_text("import torch.nn.functional as F\nfrom torch import nn\n\n"
                    "class Odd(nn.Module):\n    def forward(self, x):\n"
                    "        return F.interpolate(x, size=(12, 12), mode='nearest')\n",
                    encoding="utf-8")
    r = cli("table", f"{path}:Odd", "--input", "3x8x8")
    assert r.exit_code == 2
    assert "upsampling of 8×8 to 12×12, not by a whole factor" in r.output


CROPPING = """
import torch
from torch import nn


class CopyAndCrop(nn.Module):
    # U-Net's copy and crop (Ronneberger et al. 2015, Fig. 1): valid convs lose the border, the
    # copy from the way down is cut to the centre the way up has, and the two are concatenated
    def __init__(self):
        super().__init__()
        self.enc = nn.Conv2d(3, 8, 3)
        self.down = nn.MaxPool2d(2)
        self.mid = nn.Conv2d(8, 16, 3)
        self.up = nn.ConvTranspose2d(16, 8, 2, stride=2)
        self.dec = nn.Conv2d(16, 4, 3)

    def forward(self, x):
        a = torch.relu(self.enc(x))                         # 20 → 18
        u = self.up(torch.relu(self.mid(self.down(a))))     # 18 → 9 → 7 → 14
        return self.dec(torch.cat([a[:, :, 2:16, 2:16], u], 1))


class Corner(nn.Module):
    def forward(self, x):
        return x[..., :4, 1:5]
"""


def test_a_centre_crop_by_slicing_is_read(tmp_path):
    """U-Net's copy and crop written as a slice, x[:, :, 2:16, 2:16] of an 18×18 map, is a
    ``crop`` row (it was 'indexing a map', unsupported); the parameters and every shape are
    torch's, and the verifier agrees on every layer. A slice that keeps another part of the map
    than its centre is named, with where it starts."""
    path = tmp_path / "crop.py"
    path.write_text(CROPPING, encoding="utf-8")
    import runpy

    model = runpy.run_path(str(path))["CopyAndCrop"]()
    a = engine.analyse(network(f"{path}:CopyAndCrop", (3, 20, 20)))
    crop = next(r for r in a.rows if r.kind == "crop")
    assert crop.attrs["crop"] == (14, 14) and (crop.output.h, crop.output.w) == (14, 14)
    assert a.totals.params == sum(p.numel() for p in model.parameters())
    out = tmp_path / "crop.toml"
    assert cli("import", f"{path}:CopyAndCrop", "--input", "3x20x20", "--out",
               str(out)).exit_code == 0
    r = cli("verify", str(out))
    assert r.exit_code == 0, r.output
    r = cli("table", f"{path}:Corner", "--input", "3x8x8")
    assert r.exit_code == 2
    assert "a crop of 8×8 to 4×4 that is not its centre (rows from 0, columns from 1" in r.output
