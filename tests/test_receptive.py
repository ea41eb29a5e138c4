"""Receptive fields: the published VGG-16 values, dilation, asymmetric kernels, and a branching
network checked against a brute-force walk over input pixels."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import archcalc
from archcalc.analysis import receptive as R
from archcalc.core.errors import ArchcalcError


def field(a, name):
    return R.fields(a)[name]


def test_vgg16_conv5_3_and_pool5():
    # Issue 7: conv5_3 sees 196×196 pixels, pool5 212×212. By hand: thirteen 3×3 convs and four
    # 2×2/2 pools before conv5_3 give 1 + 2·(2·1 + 2·2 + 3·4 + 3·8 + 3·16) + (1·1 + 1·2 + 1·4 +
    # 1·8) = 196 (each conv adds 2·jump, each pool 1·jump); each conv's padding 1 moves the start
    # by one jump: −(2·1 + 2·2 + 3·4 + 3·8 + 3·16) = −90; pool5 adds (2 − 1)·16: 212.
    a = archcalc.analyse("vgg16")
    f = field(a, "conv5_3/conv")
    assert (f.h.size, f.w.size, f.h.jump, f.h.start) == (196, 196, 16, -90)
    p = field(a, "pool5")
    assert (p.h.size, p.h.jump) == (212, 32)
    assert field(a, "fc6").is_global


def spec_file(tmp_path, layers: str, blocks: str = "") -> str:
    p = tmp_path / "net.toml"
    p.write_text('name = "net"\ndescription = "d"\nsource = "s"\ninput = [1, 64, 64]\n'
                 f"layers = [{layers}]\n{blocks}", encoding="utf-8")
    return str(p)


def test_dilation_and_asymmetric_kernels(tmp_path):
    a = archcalc.analyse(spec_file(
        tmp_path, '{ conv = 2, k = 3, dilation = 2, p = 2, name = "a" }, '
                  '{ conv = 2, k = [1, 7], p = [0, 3], name = "b" }, '
                  '{ maxpool = 2, s = 2, name = "c" }, { conv = 2, k = 3, s = 2, name = "d" }'))
    fa = field(a, "a")
    assert (fa.h.size, fa.h.start) == (5, -2)              # 2·(3 − 1) + 1
    fb = field(a, "b")
    assert (fb.h.size, fb.w.size, fb.w.start) == (5, 11, -5)
    fd = field(a, "d")
    assert (fd.h.size, fd.h.jump, fd.w.size, fd.w.jump) == (10, 4, 16, 4)
    assert R.size_text(fd) == "10×16" and R.jump_text(fd) == "4"


def test_branches_take_the_union_and_name_the_path(tmp_path):
    blocks = ('[blocks.mix]\nconcat = [[{ conv = 1, k = 1, name = "one" }], '
              '[{ conv = 1, k = 5, p = 2, name = "five" }], []]\n')
    a = archcalc.analyse(spec_file(tmp_path, '{ use = "mix", name = "m" }', blocks))
    f = field(a, "m/concat")
    assert (f.h.size, f.h.start) == (5, -2)
    assert R.path_text(f) == "m/five"


# --- brute force -----------------------------------------------------------------------------

def brute(nodes, name, idx: set[int], axis: int) -> set[int]:
    """Input pixels (padding included, as positions) that output positions ``idx`` of ``name``
    read, walking the graph back to the input one window at a time."""
    if name == "input":
        return idx
    inputs, win = nodes[name]
    if win is not None:
        k, s, p, d = win[axis]
        idx = {o * s - p + i * d for o in idx for i in range(k)}
    out: set[int] = set()
    for src in inputs:
        out |= brute(nodes, src, idx, axis)
    return out


windows = st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.integers(1, 2),
                    st.integers(1, 4), st.integers(0, 2))


def layer(name: str, kind: str, w, stride_one: bool):
    kh, sh, ph, d, kw, pw = w
    sh = 1 if stride_one else sh
    if kind == "maxpool":
        ph, pw, d = min(ph, kh // 2), min(pw, kw // 2), 1
        text = f'{{ maxpool = [{kh}, {kw}], s = {sh}, p = [{ph}, {pw}], name = "{name}" }}'
    else:
        text = (f'{{ conv = 2, k = [{kh}, {kw}], s = {sh}, p = [{ph}, {pw}], dilation = {d}, '
                f'name = "{name}" }}')
    return text, ((kh, sh, ph, d), (kw, sh, pw, d))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much,
                                                                  HealthCheck.function_scoped_fixture])
@given(trunk=st.lists(st.tuples(st.sampled_from(["conv", "maxpool"]), windows), max_size=3),
       branches=st.lists(st.lists(st.tuples(st.sampled_from(["conv", "maxpool"]), windows),
                                  max_size=2), min_size=2, max_size=3))
def test_branching_field_equals_brute_force(tmp_path, trunk, branches):
    nodes = {}
    texts = []
    prev = "input"
    for i, (kind, w) in enumerate(trunk):
        t, win = layer(f"t{i}", kind, w, stride_one=False)
        texts.append(t)
        nodes[f"t{i}"] = ((prev,), win)
        prev = f"t{i}"
    bodies = []
    ends = []
    for b, layers in enumerate(branches):
        body = []
        src = prev
        for i, (kind, w) in enumerate(layers):
            t, win = layer(f"b{b}_{i}", kind, w, stride_one=True)
            body.append(t)
            nodes[f"m/b{b}_{i}"] = ((src,), win)
            src = f"m/b{b}_{i}"
        bodies.append("[" + ", ".join(body) + "]")
        ends.append(src)
    nodes["m/concat"] = (tuple(ends), None)
    blocks = "[blocks.mix]\nconcat = [" + ", ".join(bodies) + "]\n"
    texts.append('{ use = "mix", name = "m" }')
    try:
        a = archcalc.analyse(spec_file(tmp_path, ", ".join(texts), blocks))
    except ArchcalcError:
        assume(False)            # the branches' sizes disagree, or a window does not fit
    f = field(a, "m/concat")
    for axis, got in ((0, f.h), (1, f.w)):
        zero = brute(nodes, "m/concat", {0}, axis)
        one = brute(nodes, "m/concat", {1}, axis)
        assert got.start == min(zero)
        assert got.size == max(zero) - min(zero) + 1
        assert got.jump == min(one) - min(zero)


def test_json_names_the_branch_at_each_join():
    import json

    from click.testing import CliRunner

    from archcalc.cli import main

    d = json.loads(CliRunner().invoke(main, ["table", "googlenet", "--format", "json"]).output)
    layer = next(x for x in d["layers"] if x["name"] == "3a/concat")
    # pool2's field is 27 (jump 8); the 5×5 branch adds 4·8: 59, the largest of the four
    assert layer["receptive_field"]["h"] == {"size": 59, "jump": 8, "start": -23,
                                             "via": "3a/relu5"}
    assert "via" not in next(x for x in d["layers"] if x["name"] == "3a/5x5")["receptive_field"]["h"]


def test_rf_columns_name_the_branch_at_joins():
    from click.testing import CliRunner

    from archcalc.cli import main

    out = CliRunner().invoke(main, ["table", "googlenet", "--rf", "--wide"]).output
    line = next(ln for ln in out.splitlines() if ln.startswith("3a/concat "))
    assert line.split()[-3:] == ["8", "-23", "3a/relu5"] and "59×59" in line
    out = CliRunner().invoke(main, ["table", "googlenet", "--columns", "layer,rf,rf_path",
                                    "--wide"]).output
    line = next(ln for ln in out.splitlines() if ln.startswith("3b/concat "))
    # 3a's 5×5 branch (59), then 3b's: its 1×1 reduce adds nothing, its 5×5 (5 − 1)·8: 91
    assert line.split()[1:] == ["91×91", "3a/relu5", "→", "3b/relu5"]


def test_no_field_is_computed_after_an_upsampling_layer():
    """U-Net: the contracting path's fields are computed (Fig. 1's first two 3×3 convs: 5×5);
    after a transposed conv neighbouring outputs' fields are not a whole number of input pixels
    apart, so from there on the field is "not computed", at the joins too, never "global"."""
    a = archcalc.analyse("unet")
    f = R.fields(a)
    assert R.size_text(f["l1/conv2"]) == "5×5"
    assert R.size_text(f["l1/skip/crop"]) == "5×5"
    for name in ("l1/skip/l2/skip/l3/skip/l4/skip/up", "l1/skip/concat", "out"):
        assert R.size_text(f[name]) == "not computed", name
        assert R.jump_text(f[name]) == R.start_text(f[name]) == ""
        assert not f[name].is_global


def test_square_fields_joined_share_one_axis_object():
    # (issue 17) a ResNet's adds join square fields: one Axis (and one path) for both axes, as a
    # square window over a square field makes; the JSON still writes both, with the branch
    a = archcalc.analyse("resnet20")
    fields = R.fields(a)
    adds = [r for r in a.rows if r.kind == "add"]
    assert adds and all(fields[r.name].h is fields[r.name].w for r in adds)
    f = fields["stage2_1/add"]
    assert (f.h.size, f.h.jump, f.h.path[-1]) == (f.w.size, f.w.jump, f.w.path[-1])
    from archcalc.render import report

    layer = next(x for x in report.to_dict(a)["layers"] if x["name"] == "stage2_1/add")
    assert layer["receptive_field"]["h"] == layer["receptive_field"]["w"]
    assert layer["receptive_field"]["h"]["via"] == "stage2_1/bn2"
