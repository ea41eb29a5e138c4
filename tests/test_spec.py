"""The spec loader: expansion (blocks, repeats, variants, params, naming) and its error messages."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, strategies as st

from archcalc.core import engine, spec
from archcalc.core.errors import ArchcalcError, SpecError

HEAD = 'name = "t"\ndescription = "test"\nsource = "test"\n'


def write(tmp_path, body: str, head: str = HEAD):
    p = tmp_path / "t.toml"
    p.write_text(head + textwrap.dedent(body), encoding="utf-8")
    return p


def run(tmp_path, body, head=HEAD):
    return engine.analyse(spec.load(str(write(tmp_path, body, head))))


def error(tmp_path, body, head=HEAD) -> SpecError:
    with pytest.raises(ArchcalcError) as e:
        run(tmp_path, body, head)
    return e.value


# --- expansion -------------------------------------------------------------------------------

def test_blocks_repeats_first_last_and_names(tmp_path):
    a = run(tmp_path, """
        input = [3, 32, 32]
        layers = [
          { use = "cbr", n = 3, c = 8, name = "stage", first = { s = 2 }, last = { c = 16 } },
          "gap", { fc = 10 },
        ]
        [blocks.cbr]
        params = ["c", "s"]
        defaults = { s = 1 }
        layers = [{ conv = "$c", k = 3, s = "$s", p = 1, bias = false, bn = true, name = "conv" }, "relu"]
    """)
    names = [r.name for r in a.rows]
    assert names[:3] == ["stage_1/conv", "stage_1/bn", "stage_1/relu"]
    assert "stage_3/conv" in names and names[-2:] == ["gap", "fc"]
    shapes = {r.name: str(r.output) for r in a.rows}
    assert shapes["stage_1/conv"] == "8×16×16"          # first repeat: s = 2
    assert shapes["stage_3/conv"] == "16×16×16"         # last repeat: c = 16
    conv = next(r for r in a.rows if r.name == "stage_1/conv")
    assert conv.counts.biases == 0 and conv.counts.weights == 3 * 3 * 3 * 8


def test_unnamed_layers_are_numbered_by_kind(tmp_path):
    a = run(tmp_path, """
        input = [1, 8, 8]
        layers = [{ conv = 2, k = 3 }, "relu", { conv = 2, k = 3 }, "relu", "flatten"]
    """)
    assert [r.name for r in a.rows] == ["conv1", "relu1", "conv2", "relu2", "flatten"]


def test_variants_params_and_if(tmp_path):
    p = write(tmp_path, """
        input = [1, 8, 8]
        layers = [{ conv = "$c", k = 3, name = "c" }, { lrn = 5, if = "$lrn" }]
        [params]
        c = 4
        lrn = false
        [variants.small]
        description = "small"
        [variants.big]
        description = "big"
        params = { c = 8, lrn = true }
    """, head='name = "fam"\nsource = "s"\n')
    small = engine.analyse(spec.load(f"{p}:small"))
    big = engine.analyse(spec.load(f"{p}:big"))
    assert [r.name for r in small.rows] == ["c"]
    assert [r.name for r in big.rows] == ["c", "lrn"] and big.rows[0].output.c == 8
    with pytest.raises(ArchcalcError, match="defines several networks"):
        spec.load(str(p))


def test_concat_block_with_identity_branch(tmp_path):
    a = run(tmp_path, """
        input = [4, 8, 8]
        layers = [{ use = "mix", name = "m" }]
        [blocks.mix]
        concat = [[{ conv = 6, k = 1, name = "1x1" }], [{ conv = 2, k = 3, p = 1, name = "3x3" }], []]
    """)
    cat = a.rows[-1]
    assert cat.name == "m/concat" and cat.inputs == ("m/1x1", "m/3x3", "input")
    assert cat.output.c == 6 + 2 + 4


@given(cs=st.lists(st.integers(1, 64), min_size=2, max_size=5), hw=st.integers(1, 16))
def test_concat_adds_channels(cs, hw):
    from archcalc.core.kinds import RULES
    from archcalc.core.records import Shape
    out = RULES["concat"].apply([Shape(c, hw, hw) for c in cs], {}).shape
    assert (out.c, out.h, out.w) == (sum(cs), hw, hw)


def test_lenet_c3_partial_connections_and_subsampling(tmp_path):
    a = run(tmp_path, """
        input = [3, 6, 6]
        layers = [{ conv = 2, k = 3, connections = [[0], [0, 2]] }, { subsample = 2, s = 2 }]
    """)
    conv, sub = a.rows
    assert conv.counts.weights == (1 + 2) * 9 and conv.counts.macs == 4 * 4 * 27
    assert sub.params == 2 + 2 and sub.output.h == 2


# --- errors ----------------------------------------------------------------------------------

def test_unknown_attribute_is_named_with_place_and_suggestion(tmp_path):
    e = error(tmp_path, """
        input = [3, 32, 32]
        layers = [{ conv = 8, k = 3, name = "conv1" }, "relu", { conv = 8, k = 3, strid = 2, name = "conv2" }]
    """)
    s = str(e)
    assert "t.toml" in s and "layers[2] (conv2)" in s
    assert "'conv' has no attribute 'strid'" in s and "did you mean 's'" in s
    assert "strid = 2" in s                       # the layer as written


def test_wrong_type_says_expected_and_found(tmp_path):
    e = error(tmp_path, """
        input = [3, 32, 32]
        layers = [{ conv = 8, k = -3 }]
    """)
    assert "'k' must be a whole number ≥ 1" in str(e) and "k = -3" in str(e)


def test_each_variant_may_give_its_own_layers_and_a_param_may_name_a_kind(tmp_path):
    """MobileNet v3's Large and Small: one file, each variant its own layers (none at the top
    level), and a block whose activation is an argument (``"$act"``)."""
    p = write(tmp_path, """
        input = [2, 8, 8]
        [blocks.b]
        params = ["act"]
        layers = [{ conv = 2, k = 1, name = "c" }, "$act"]
        [variants.one]
        description = "one"
        layers = [{ use = "b", act = "hardswish", name = "x" }]
        [variants.two]
        description = "two"
        layers = [{ use = "b", act = "relu", name = "x" }, "flatten"]
    """, head='name = "fam"\nsource = "s"\n')
    one = engine.analyse(spec.load(f"{p}:one"))
    two = engine.analyse(spec.load(f"{p}:two"))
    assert [(r.name, r.kind) for r in one.rows] == [("x/c", "conv"), ("x/hardswish", "hardswish")]
    assert [r.kind for r in two.rows] == ["conv", "relu", "flatten"]
    p = write(tmp_path, """
        input = [2, 8, 8]
        [variants.one]
        description = "one"
        layers = ["relu"]
        [variants.two]
        description = "two"
    """, head='name = "fam"\nsource = "s"\n')
    with pytest.raises(ArchcalcError, match="missing required key 'layers' \\(at the top level, "
                       "or in every variant\\)"):
        spec.load(f"{p}:one")
    e = error(tmp_path, 'input = [1, 4, 4]\nlayers = ["$act"]\n[params]\nact = "rleu"\n')
    assert "unknown layer kind 'rleu'" in str(e) and "did you mean 'relu'" in str(e)


def test_expressions_work_out_widths_and_repeats_exactly(tmp_path):
    """"= expression" values (EfficientNet's compound scaling): params that are expressions,
    block arguments, repeats and the input all follow --set."""
    p = write(tmp_path, """
        input = [3, "$res", "= $res // 2"]
        layers = [{ use = "b", n = "$n", c = "= make_divisible(40 * $width, 8)", name = "s" }]
        [params]
        width = 1.1
        res = 20
        n = "= ceil(3 * 1.1)"
        [blocks.b]
        params = ["c"]
        layers = [{ conv = "$c", k = 1, name = "conv" }, { conv = "= $c * 6 // 4", k = 1, name = "wide" }]
    """)
    a = engine.analyse(spec.load(str(p)))
    assert a.input.as_list() == [3, 20, 10]
    assert [r.name for r in a.rows][::2] == ["s_1/conv", "s_2/conv", "s_3/conv", "s_4/conv"]
    assert [r.output.c for r in a.rows[:2]] == [48, 72]         # 44 → 48; 48·6/4
    a = engine.analyse(spec.load(str(p), None, {"width": "2.0", "res": "8"}))
    assert (a.input.as_list(), a.rows[0].output.c) == ([3, 8, 4], 80)


@pytest.mark.parametrize("x", [3.2, 8, 9.6, 12, 18, 22.4, 30, 36, 44.8, 60, 89.6, 134.4, 249.6])
def test_make_divisible_is_torchvisions(x):
    tv = pytest.importorskip("torchvision.models._utils")
    assert spec.evaluate(f"= make_divisible({x}, 8)", {}.get) == tv._make_divisible(x, 8)


@pytest.mark.parametrize("value, message", [
    ('"= 3 +"', "cannot work out \"= 3 +\": expected an expression"),
    ('"= __import__(1)"', "expected an expression"),
    ('"= $nope * 2"', "expected a known param or argument, not $nope"),
    ('"= 10 / 4"', "'conv' must be a whole number ≥ 1"),
    ('"= 1 // 0"', "no division by zero"),
    ('"$a"', "cannot work out $a: expected params that do not refer back to themselves"),
])
def test_a_bad_expression_is_one_clear_message(tmp_path, value, message):
    e = error(tmp_path, f'input = [1, 4, 4]\nlayers = [{{ conv = {value}, k = 1 }}]\n'
                        '[params]\na = "= $b + 1"\nb = "= $a"\n')
    assert message in str(e), str(e)


def test_missing_fields(tmp_path):
    e = error(tmp_path, 'layers = ["relu"]\n')
    assert "missing required key 'input'" in str(e)
    e = error(tmp_path, 'input = [1, 4, 4]\nlayers = [{ maxpool = 2 }]\n')
    assert "'maxpool' needs 's'" in str(e)
    e = error(tmp_path, 'input = [1, 4, 4]\nlayers = ["conv"]\n')
    assert "'conv' needs a value" in str(e)


def test_unknown_kind_suggests(tmp_path):
    e = error(tmp_path, 'input = [1, 4, 4]\nlayers = ["rleu"]\n')
    assert "unknown layer kind 'rleu'" in str(e) and "did you mean 'relu'" in str(e)


def test_kernel_larger_than_padded_input(tmp_path):
    e = error(tmp_path, """
        input = [3, 5, 5]
        layers = [{ conv = 8, k = 7, name = "big" }]
    """)
    assert "layers[0] (big)" in str(e)
    assert "kernel 7 is larger than the padded input 5 + 0 + 0 = 5 along H" in str(e)


def test_concat_mismatch_names_both_branches(tmp_path):
    e = error(tmp_path, """
        input = [4, 8, 8]
        layers = [{ use = "mix", name = "m" }]
        [blocks.mix]
        concat = [[{ conv = 6, k = 1 }], [{ conv = 2, k = 3 }]]
    """)
    assert "branch 0 (6×8×8)" in str(e) and "branch 1 (2×6×6)" in str(e)
    assert "layers[0] (m)" in str(e)


def test_add_mismatch(tmp_path):
    e = error(tmp_path, """
        input = [4, 8, 8]
        layers = [{ use = "res" }]
        [blocks.res]
        add = [[{ conv = 8, k = 3, p = 1 }], []]
    """)
    assert "cannot add branch 0 (8×8×8) and branch 1 (4×8×8)" in str(e)


def test_block_errors(tmp_path):
    e = error(tmp_path, 'input = [1, 4, 4]\nlayers = [{ use = "nope" }]\n')
    assert "unknown block 'nope'" in str(e)
    e = error(tmp_path, """
        input = [1, 4, 4]
        layers = [{ use = "a" }]
        [blocks.a]
        layers = [{ use = "b" }]
        [blocks.b]
        layers = [{ use = "a" }]
    """)
    assert "block 'a' uses itself (a → b → a)" in str(e)
    e = error(tmp_path, """
        input = [1, 4, 4]
        layers = [{ use = "a", wdith = 3 }]
        [blocks.a]
        params = ["width"]
        layers = [{ conv = "$width", k = 1 }]
    """)
    assert "no parameter 'wdith'" in str(e) and "did you mean 'width'" in str(e)


def test_unknown_param_reference(tmp_path):
    e = error(tmp_path, """
        input = [1, 4, 4]
        layers = [{ conv = "$widht", k = 1 }]
        [params]
        width = 3
    """)
    assert "unknown parameter '$widht'" in str(e) and "did you mean 'width'" in str(e)


def test_absurd_repeat_count_is_refused_quickly(tmp_path):
    e = error(tmp_path, 'input = [1, 4, 4]\nlayers = [{ relu = true, n = 1000000000000 }]\n')
    assert "1,000,000 repeats" in str(e)


def test_duplicate_names(tmp_path):
    e = error(tmp_path, 'input = [1, 4, 4]\nlayers = [{ relu = true, name = "a" }, '
                        '{ relu = true, name = "a" }]\n')
    assert "two layers are named 'a'" in str(e)


def test_toml_split_layer_gets_the_one_line_hint(tmp_path):
    e = error(tmp_path, 'input = [1, 4, 4]\nlayers = [\n  { conv = 8,\n    k = 3 },\n]\n')
    s = str(e)
    assert "not valid TOML" in s and "t.toml:" in s
    assert "a `{ ... }` layer stays on one line" in s


def test_not_utf8(tmp_path):
    p = tmp_path / "bin.toml"
    p.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SpecError, match="not UTF-8"):
        spec.load(str(p))


def test_unknown_network_suggests():
    with pytest.raises(ArchcalcError, match="did you mean 'alexnet'"):
        spec.load("alexnte")
    with pytest.raises(ArchcalcError, match="is a family"):
        spec.load("vgg")


def test_every_bundled_spec_loads():
    for name, sf in spec.catalogue().items():
        assert spec.load(name).nodes
        assert sf.family


def test_per_axis_kernel_same_padding_dilation_and_ceil(tmp_path):
    a = run(tmp_path, """
        input = [8, 17, 17]
        layers = [
          { conv = 8, k = [1, 7], p = [0, 3], name = "1x7" },
          { conv = 8, k = 3, p = "same", dilation = 2, name = "dil" },
          { conv = 4, k = [3, 5], s = [2, 1], p = [0, 1, 2, 2], name = "asym" },
          { maxpool = 3, s = 2, ceil = true, name = "pool" },
        ]
    """)
    rows = {r.name: r for r in a.rows}
    assert str(rows["1x7"].output) == "8×17×17" and rows["1x7"].geometry == "1×7 s1 p0,3"
    assert rows["1x7"].counts.weights == 1 * 7 * 8 * 8
    assert str(rows["dil"].output) == "8×17×17" and rows["dil"].geometry == "3×3 s1 p=same d2"
    # H: (17 − 3 + 0 + 1)/2 + 1 = 8.5 → 8; W: (17 − 5 + 2 + 2)/1 + 1 = 17
    assert (rows["asym"].output.h, rows["asym"].output.w) == (8, 17)
    [note] = rows["asym"].notes
    # the window left out reaches only the bottom padding row: no input row goes unread
    assert note.kind == "floor" and note.text.startswith("H: (17 − 3 + 0 + 1)/2 + 1 = 8.5 → 8")
    assert "only padding is left out" in note.text and "every input row is read" in note.text
    # ceil: (8 − 3)/2 + 1 = 3.5 → 4 on H; (17 − 3)/2 + 1 = 8 on W
    assert (rows["pool"].output.h, rows["pool"].output.w) == (4, 8)
    assert [n.kind for n in rows["pool"].notes] == ["ceil"]
