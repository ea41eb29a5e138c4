"""The formulas against independent brute-force counts (hypothesis), and a few worked cases."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, strategies as st

from archcalc.core import formulas as F

small = st.integers(min_value=1, max_value=40)


def windows_floor(i, k, s, p_lo, p_hi, d):
    """Count window start positions, in padded coordinates, where the whole window fits."""
    padded = i + p_lo + p_hi
    keff = d * (k - 1) + 1
    return sum(1 for start in range(0, padded, s) if start + keff <= padded)


def windows_ceil(i, k, s, p_lo, p_hi, d):
    """Ceil mode: a window may hang over the end of the padded input as long as it still sees
    some of it and starts inside the input or its leading padding (Caffe / PyTorch)."""
    padded = i + p_lo + p_hi
    keff = d * (k - 1) + 1
    n = 0
    start = 0
    while True:
        fits_ceil = start <= padded - keff + (s - 1)   # ⌈(padded − K)/S⌉ + 1 windows
        if not fits_ceil or start >= i + p_lo:
            return n
        n += 1
        start += s


@given(i=small, k=st.integers(1, 7), s=st.integers(1, 5), p_lo=st.integers(0, 4),
       p_hi=st.integers(0, 4), d=st.integers(1, 3))
def test_out_len_floor_counts_window_positions(i, k, s, p_lo, p_hi, d):
    keff = d * (k - 1) + 1
    if i + p_lo + p_hi < keff:
        try:
            F.out_len(i, k, s, p_lo, p_hi, d)
        except ValueError as e:
            assert "larger than the padded input" in str(e)
        else:
            raise AssertionError("a kernel larger than the padded input must be refused")
        return
    assert F.out_len(i, k, s, p_lo, p_hi, d) == windows_floor(i, k, s, p_lo, p_hi, d)


@given(i=small, k=st.integers(1, 7), s=st.integers(1, 5), p=st.integers(0, 3),
       d=st.integers(1, 2))
def test_out_len_ceil_counts_window_positions(i, k, s, p, d):
    keff = d * (k - 1) + 1
    if i + 2 * p < keff or p > keff // 2:       # PyTorch refuses pool padding over half the kernel
        return
    assert F.out_len(i, k, s, p, p, d, ceil=True) == windows_ceil(i, k, s, p, p, d)


@given(i=small, k=st.integers(1, 7), s=st.integers(1, 5), p=st.integers(0, 4))
def test_exact_formula_and_left_out_pixels(i, k, s, p):
    if i + 2 * p < k:
        return
    exact = F.out_len_exact(i, k, s, p)
    assert exact == Fraction(i - k + 2 * p, s) + 1
    assert F.out_len(i, k, s, p) == int(exact)                 # floor, for non-negative values
    left = F.pixels_left_out(i, k, s, p)
    # the floored windows cover everything but the last `left` padded pixels
    assert (F.out_len(i, k, s, p) - 1) * s + k + left == i + 2 * p


@given(i=small, k=st.integers(1, 7), s=st.integers(1, 4), d=st.integers(1, 3))
def test_same_padding_gives_ceil_of_input_over_stride(i, k, s, d):
    lo, hi = F.same_padding(i, k, s, d)
    assert 0 <= hi - lo <= 1                    # TensorFlow puts the odd pixel after the input
    assert F.out_len(i, k, s, lo, hi, d) == -(-i // s)


def materialize(*dims):
    """A nested list with the given shape (an actual weight tensor, filled with zeros)."""
    if not dims:
        return 0.0
    return [materialize(*dims[1:]) for _ in range(dims[0])]


def count_leaves(x):
    return sum(count_leaves(y) for y in x) if isinstance(x, list) else 1


@given(c_in_g=st.integers(1, 4), c_out_g=st.integers(1, 4), groups=st.integers(1, 3),
       kh=st.integers(1, 4), kw=st.integers(1, 4))
def test_conv_weights_equal_materialized_weight_tensor(c_in_g, c_out_g, groups, kh, kw):
    c_in, c_out = c_in_g * groups, c_out_g * groups
    weight = materialize(c_out, c_in // groups, kh, kw)   # PyTorch's Conv2d.weight layout
    assert F.conv_weights(c_in, c_out, kh, kw, groups) == count_leaves(weight)


@given(n_in=st.integers(1, 30), n_out=st.integers(1, 30))
def test_fc_weights_equal_materialized_weight_matrix(n_in, n_out):
    assert F.fc_weights(n_in, n_out) == count_leaves(materialize(n_out, n_in))


def brute_conv_macs(h_in, w_in, c_in, c_out, kh, kw, s, p, groups):
    """Run a convolution's loops and count one multiply-accumulate per innermost step."""
    h_out = F.out_len(h_in, kh, s, p)
    w_out = F.out_len(w_in, kw, s, p)
    per_group = c_in // groups
    n = 0
    for _oy in range(h_out):
        for _ox in range(w_out):
            for _co in range(c_out):
                for _ci in range(per_group):
                    for _ky in range(kh):
                        for _kx in range(kw):
                            n += 1
    return h_out, w_out, n


@given(h=st.integers(3, 8), w=st.integers(3, 8), c_in_g=st.integers(1, 3),
       c_out_g=st.integers(1, 3), groups=st.integers(1, 2), k=st.integers(1, 3),
       s=st.integers(1, 2), p=st.integers(0, 1))
def test_conv_macs_equal_brute_force_loop_count(h, w, c_in_g, c_out_g, groups, k, s, p):
    c_in, c_out = c_in_g * groups, c_out_g * groups
    h_out, w_out, n = brute_conv_macs(h, w, c_in, c_out, k, k, s, p, groups)
    assert F.conv_macs(h_out, w_out, c_in, c_out, k, k, groups) == n


def test_partial_connection_weights_lenet_c3():
    # LeCun et al. 1998, Table I: 6 maps see 3 S2 maps, 9 see 4, 1 sees all 6; 5×5 kernels.
    fan_in = [3] * 6 + [4] * 9 + [6]
    assert F.partial_conv_weights(fan_in, 5, 5) == 1500      # + 16 biases = the paper's 1,516


def test_worked_text_matches_the_seed_notation():
    # ../shared/seeds/000: "(227- 11+ 0)/4 +1 = 55"
    assert F.out_len_text(227, 11, 4, 0) == "(227 − 11 + 2·0)/4 + 1"
    assert F.fraction_text(F.out_len_exact(224, 11, 4, 0)) == "54.25"
    assert F.fraction_text(Fraction(163, 3)) == "54 1/3"
    assert F.out_len_text(10, 3, 1, 0, 0, dilation=2) == "(10 − (2·(3 − 1) + 1) + 2·0)/1 + 1"


@given(st.integers(0, 10**60), st.sampled_from([2, 4, 5, 8, 16, 20, 25, 40, 3, 6, 7, 12]))
def test_fraction_text_is_exact_for_any_size(num, den):
    """No float: a float rounds (and overflows past 1e308) where the sizes are large."""
    x = Fraction(num, den)
    text = F.fraction_text(x)
    if " " in text:
        whole, part = text.split(" ")
        n, d = part.split("/")
        assert Fraction(int(whole)) + Fraction(int(n), int(d)) == x
    else:
        assert Fraction(text) == x


# --- which input pixels the windows read: the statements of the fraction notes ------------------

def read_positions(i, k, s, p_lo, p_hi, d, windows):
    """Input positions (0 … i − 1) that the first ``windows`` windows read, tap by tap."""
    return {start - p_lo + t * d for start in range(0, windows * s, s) for t in range(k)
            if 0 <= start - p_lo + t * d < i}


def brute_windows(i, k, s, p_lo, p_hi, d, ceil):
    return (windows_ceil if ceil else windows_floor)(i, k, s, p_lo, p_hi, d)


@given(i=small, k=st.integers(1, 7), s=st.integers(1, 6), p_lo=st.integers(0, 4),
       p_hi=st.integers(0, 4), d=st.integers(1, 4), ceil=st.booleans())
def test_unread_inputs_match_enumerated_windows(i, k, s, p_lo, p_hi, d, ceil):
    if i + p_lo + p_hi < d * (k - 1) + 1:
        return
    o = brute_windows(i, k, s, p_lo, p_hi, d, ceil)
    read = read_positions(i, k, s, p_lo, p_hi, d, o)
    assert F.unread_inputs(i, k, s, p_lo, p_hi, d, ceil) == i - len(read)


@given(i=small, k=st.integers(1, 7), s=st.integers(1, 6), p_lo=st.integers(0, 4),
       p_hi=st.integers(0, 4), d=st.integers(1, 4))
def test_dropped_inputs_are_those_only_the_floored_away_window_reads(i, k, s, p_lo, p_hi, d):
    if i + p_lo + p_hi < d * (k - 1) + 1:
        return
    o = windows_floor(i, k, s, p_lo, p_hi, d)
    read = read_positions(i, k, s, p_lo, p_hi, d, o)
    whole = (i + p_lo + p_hi - (d * (k - 1) + 1)) % s == 0
    # the window the floor drops: the next start, which no longer fits the padded input
    extra = read_positions(i, k, s, p_lo, p_hi, d, o + 1) - read
    assert F.dropped_inputs(i, k, s, p_lo, p_hi, d) == (0 if whole else len(extra))
    if d == 1 and extra and not whole:
        # undilated, they are the last pixels of the input: nothing after them is read
        assert extra == set(range(i - len(extra), i))
    # "only padding": a fraction whose dropped window reads no input pixel the others miss
    # leaves every input pixel read, unless the stride's or the dilation's gaps miss some
    if not whole and not extra and F.unread_inputs(i, k, s, p_lo, p_hi, d) == 0:
        assert read == set(range(i))


@given(i=small, k=st.integers(1, 7), s=st.integers(1, 6), p_lo=st.integers(0, 4),
       p_hi=st.integers(0, 4), d=st.integers(1, 3))
def test_nearest_inputs_without_drops_are_the_nearest(i, k, s, p_lo, p_hi, d):
    fits = max(d * (k - 1) + 1 - p_lo - p_hi, 1)
    if i < fits or F.dropped_inputs(i, k, s, p_lo, p_hi, d) == 0:
        return
    sizes = F.inputs_without_drops(i, k, s, p_lo, p_hi, d)
    below = [x for x in range(fits, i) if F.dropped_inputs(x, k, s, p_lo, p_hi, d) == 0]
    above = next(x for x in range(i + 1, i + 10 * s * d + 10)
                 if F.dropped_inputs(x, k, s, p_lo, p_hi, d) == 0)
    assert sizes == tuple(([below[-1]] if below else []) + [above])


def test_unread_inputs_of_large_kernels_are_arithmetic():
    # a billion-pixel axis, undilated and dilated: no enumeration
    assert F.unread_inputs(10**9, 1, 2) == 10**9 // 2
    assert F.unread_inputs(10**9 + 1, 3, 2, 0, 0, 2) == 10**9 // 2
    assert F.dropped_inputs(224, 11, 4) == 1                       # AlexNet at 224
    assert F.dropped_inputs(224, 7, 2, 3, 3) == 0                  # ResNet's conv1: padding only
    assert F.unread_inputs(224, 7, 2, 3, 3) == 0
    assert (F.dropped_inputs(56, 1, 2), F.unread_inputs(56, 1, 2)) == (0, 28)   # 1×1 stride 2
