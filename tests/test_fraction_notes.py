"""The notes on output sizes say only what is true (issue 15): each statement of a layer's
fraction or skip note is checked against a brute-force enumeration of which input positions
the windows read, and --strict refuses only where the rounding leaves input pixels out."""

from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from archcalc.core import engine, spec
from archcalc.core.records import Shape


def layer_notes(i, k, s, lo, hi, d, pool=False, ceil=False):
    """The notes of one windowed layer along H (W is left alone: 1×1 windows at stride 1)."""
    if pool:
        layer = (f'{{ maxpool = [{k}, 1], s = [{s}, 1], p = [{lo}, {hi}, 0, 0], '
                 f'dilation = [{d}, 1], ceil = {str(ceil).lower()} }}')
    else:
        layer = (f'{{ conv = 1, k = [{k}, 1], s = [{s}, 1], p = [{lo}, {hi}, 0, 0], '
                 f'dilation = [{d}, 1] }}')
    text = (f'name = "t"\ndescription = "t"\nsource = "t"\ninput = [1, {i}, 3]\n'
            f'layers = [{layer}]\n')
    net = spec.from_text(text).network("t")
    [row] = engine.analyse(net).rows
    return row.notes


def windows(i, k, s, lo, hi, d, ceil):
    """Window starts in padded coordinates, counted one by one: every start whose window fits
    the padded input (floor), or that still starts inside the input or its leading padding
    while the rounded-up formula allows it (ceil mode)."""
    padded, keff = i + lo + hi, d * (k - 1) + 1
    out = []
    start = 0
    while True:
        fits = start + keff <= padded
        if ceil:
            fits = start <= padded - keff + s - 1 and start < i + lo
        if not fits:
            return out
        out.append(start)
        start += s


def read(i, k, lo, d, starts):
    return {st - lo + t * d for st in starts for t in range(k) if 0 <= st - lo + t * d < i}


def number(text, pattern):
    m = re.search(pattern, text)
    return None if m is None else int((m.group(1) or "1").replace(",", ""))


@settings(max_examples=300, deadline=None)
@given(i=st.integers(1, 40), k=st.integers(1, 7), s=st.integers(1, 6), lo=st.integers(0, 4),
       hi=st.integers(0, 4), d=st.integers(1, 3), pool=st.booleans(), ceil=st.booleans())
def test_every_statement_matches_the_enumerated_windows(i, k, s, lo, hi, d, pool, ceil):
    if i + lo + hi < d * (k - 1) + 1:
        return
    if pool and max(lo, hi) > k // 2:          # PyTorch refuses pool padding over half the kernel
        return
    ceil = ceil and pool
    starts = windows(i, k, s, lo, hi, d, ceil)
    seen = read(i, k, lo, d, starts)
    unread = sorted(set(range(i)) - seen)
    whole = (i + lo + hi - d * (k - 1) - 1) % s == 0
    # what the window after the last one (the one the floor drops) would read that none reads
    extra = read(i, k, lo, d, [len(starts) * s]) - seen if not (whole or ceil) else set()
    notes = [n for n in layer_notes(i, k, s, lo, hi, d, pool, ceil) if n.text.startswith("H")]
    if whole and not unread:
        assert notes == []
        return
    [note] = notes
    text = note.text
    # the kind: --strict refuses "fraction", and only where the rounding loses input pixels
    assert (note.kind == "fraction") == bool(extra)
    assert note.kind == ("fraction" if extra else "ceil" if ceil and not whole
                         else "floor" if not whole else "skip")
    if extra:
        n = number(text, r"the last (?:([\d,]+) )?input rows? at the bottom (?:is|are) read by no"
                   if d == 1 else r"([\d,]+) input rows? near the bottom")
        assert n == len(extra)
        if d == 1:                                 # "the last n": they are the input's end
            assert extra == set(range(i - n, i))
        assert "nearest input sizes that leave no input pixel out" in text
    else:
        assert "nearest input sizes" not in text
    if "only padding is left out" in text:
        r = (i + lo + hi - d * (k - 1) - 1) % s
        assert number(text, r"ends ([\d,]+) pixels? short") == r
        # the r padded positions after the last window are all padding
        last = max(st + (k - 1) * d for st in starts)
        assert last + r == i + lo + hi - 1 and r <= hi
    if "every input row is read" in text:
        assert not unread
    if note.kind == "floor" and not unread:
        assert "every input row is read" in text
    total = number(text, r"([\d,]+) of the [\d,]+ input rows are read by no window")
    if total is not None:
        assert total == len(unread) and f"of the {i:,} input" in text
    else:
        # no count of unread pixels: they are none, or all of them named already
        named = len(extra) or number(text, r"the last (?:([\d,]+) )?input rows? at the bottom")
        assert len(unread) == (named or 0)
    if "a further window would skip" in text:
        n = number(text, r"the last (?:([\d,]+) )?input rows? at the bottom")
        assert unread[-n:] == list(range(i - n, i)) and not extra


def test_resnet50_at_224_loses_no_input_pixel():
    """The issue's case: conv1 (7×7 s2 p3 on 224) and pool1 (3×3 s2 p1 on 112) leave out a
    padding pixel only; the 1×1 stride-2 convs skip every other row by design."""
    a = engine.analyse(spec.load("resnet50"))
    assert a.fractions == [] and a.even_inputs == ()
    conv1 = next(r for r in a.rows if r.name == "conv1")
    [note] = conv1.notes
    assert note.kind == "floor" and "only padding is left out" in note.text
    assert "every input row and column is read" in note.text
    proj = next(r for r in a.rows if r.name == "conv3_1/proj")
    [note] = proj.notes
    assert "stride 2 is larger than the kernel 1, so the windows skip pixels" in note.text
    assert "28 of the 56 input rows and as many columns are read by no window" in note.text


def test_alexnet_at_224_leaves_an_input_pixel_out():
    a = engine.analyse(spec.load("alexnet", Shape(3, 224, 224)))
    conv1 = next(r for r in a.rows if r.name == "conv1")
    [note] = [n for n in conv1.notes if n.kind == "fraction"]
    assert "the last input row and column at the bottom and right are read by no window" in note.text
    assert "nearest input sizes that leave no input pixel out: 223, 227" in note.text
    assert 227 in a.even_inputs
