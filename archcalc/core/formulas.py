"""The arithmetic of CNN layers, as small pure functions on Python integers.

Nothing here knows about specs, TOML, rows or torch: the engine, the explainer and the
verifier all call these functions, so this module is the one place where the arithmetic lives.

Conventions used throughout:

* sizes are counts of pixels along one axis; padding is given per side (``p_lo`` before the
  input, ``p_hi`` after it), so the symmetric case of the textbook formula is ``p_lo = p_hi = P``;
* a *MAC* is one multiply-accumulate (one multiply and one add); FLOPs ≈ 2 × MACs;
* bias additions are not MACs: a bias is counted as a parameter, not as an operation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fractions import Fraction


def effective_kernel(k: int, dilation: int = 1) -> int:
    """Extent of a dilated kernel: ``dilation·(k − 1) + 1`` input pixels."""
    return dilation * (k - 1) + 1


def padded_span(i: int, k: int, p_lo: int, p_hi: int, dilation: int = 1) -> int:
    """``I + p_lo + p_hi − K_eff``: how far the window can slide; negative if it does not fit."""
    return i + p_lo + p_hi - effective_kernel(k, dilation)


def out_len(i: int, k: int, s: int, p_lo: int = 0, p_hi: int | None = None,
            dilation: int = 1, ceil: bool = False) -> int:
    """Output length along one axis: ``⌊(I − K_eff + p_lo + p_hi)/S⌋ + 1``.

    With ``ceil=True`` the division rounds up, and — the rule Caffe and PyTorch share — the
    last window must start inside the input or its leading padding, so a window that would
    start wholly in the trailing padding is dropped.

    Raises ``ValueError`` when the (dilated) kernel is larger than the padded input.
    """
    if p_hi is None:
        p_hi = p_lo
    span = padded_span(i, k, p_lo, p_hi, dilation)
    if span < 0:
        raise ValueError(
            f"kernel {effective_kernel(k, dilation)} is larger than the padded input "
            f"{i} + {p_lo} + {p_hi} = {i + p_lo + p_hi}")
    if not ceil:
        return span // s + 1
    o = -(-span // s) + 1
    if (o - 1) * s >= i + p_lo:
        o -= 1
    return o


def out_len_exact(i: int, k: int, s: int, p_lo: int = 0, p_hi: int | None = None,
                  dilation: int = 1) -> Fraction:
    """The textbook formula without rounding: ``(I − K_eff + p_lo + p_hi)/S + 1``."""
    from fractions import Fraction  # only when a size is shown as a fraction

    if p_hi is None:
        p_hi = p_lo
    return Fraction(padded_span(i, k, p_lo, p_hi, dilation), s) + 1


def pixels_left_out(i: int, k: int, s: int, p_lo: int = 0, p_hi: int | None = None,
                    dilation: int = 1) -> int:
    """Trailing pixels (of the padded input) that no window covers when the output is floored."""
    if p_hi is None:
        p_hi = p_lo
    return padded_span(i, k, p_lo, p_hi, dilation) % s


def _covered_d1(a: int, b: int, k: int, s: int, o: int) -> int:
    """Positions in ``[a, b)`` (padded coordinates) that some window ``[j·s, j·s + k)``,
    ``0 ≤ j < o``, reads: the windows of an undilated kernel."""
    if s <= k:                                  # the windows overlap or touch: one run
        return max(0, min(b, (o - 1) * s + k) - max(a, 0))

    def below(n: int) -> int:                   # covered positions < n; runs of k, period s
        if n <= 0:
            return 0
        m = n // s
        return o * k if m >= o else m * k + min(n - m * s, k)

    return below(b) - below(a)


UNREAD_CLASSES = 100_000    # a dilated kernel's residue classes counted one by one, at most


def _covered_dilated(a: int, b: int, k: int, s: int, d: int, o: int) -> int | None:
    """Positions in ``[a, b)`` that some tap ``j·s + t·d`` (``j < o``, ``t < k``) reads, or
    ``None`` when that would take more than UNREAD_CLASSES steps.

    With g = gcd(s, d), s = g·s′ and d = g·d′, only multiples of g are read: x = g·y with
    y = j·s′ + t·d′. The taps t ≡ c (mod s′) give the residue c·d′ of y modulo s′, a different
    one for each c < s′; the taps c, c + s′, c + 2s′ … shift the window index by d′ each, so
    class c reads y = c·d′ + s′·J for J in the union of runs [m·d′, m·d′ + o) — one run when
    o ≥ d′."""
    import math

    g = math.gcd(s, d)
    s1, d1 = s // g, d // g
    if min(k, s1) > UNREAD_CLASSES:
        return None
    ya, yb = -(-a // g), -(-b // g)
    total = 0
    for c in range(min(k, s1)):
        n = (k - 1 - c) // s1 + 1              # taps in this class
        base = c * d1

        def below(m: int) -> int:               # J < m in the class's runs
            if m <= 0:
                return 0
            if o >= d1:
                return min(m, (n - 1) * d1 + o)
            q = m // d1
            return n * o if q >= n else q * o + min(m - q * d1, o)

        lo, hi = -(-(ya - base) // s1), -(-(yb - base) // s1)
        total += below(hi) - below(lo)
    return total


def unread_inputs(i: int, k: int, s: int, p_lo: int = 0, p_hi: int | None = None,
                  dilation: int = 1, ceil: bool = False) -> int | None:
    """Input pixels along one axis that no window reads (padding aside): the gaps a stride
    larger than the kernel, or a dilated kernel, leaves between windows, and whatever the
    last window stops short of. ``None`` only for a dilated kernel too large to count."""
    if p_hi is None:
        p_hi = p_lo
    o = out_len(i, k, s, p_lo, p_hi, dilation, ceil)
    if dilation == 1:
        covered = _covered_d1(p_lo, p_lo + i, k, s, o)
    else:
        covered = _covered_dilated(p_lo, p_lo + i, k, s, dilation, o)
        if covered is None:
            return None
    return i - covered


def dropped_inputs(i: int, k: int, s: int, p_lo: int = 0, p_hi: int | None = None,
                   dilation: int = 1) -> int:
    """Input pixels that the floored output leaves out: those the last window, the one the
    rounding drops because it does not fit the padded input, would read and no kept window
    reads. 0 when the formula gives a whole number or what the rounding drops is padding
    (or pixels the stride skips anyway).

    The dropped window starts at o·s (padded coordinates) and its tap t reads o·s + t·d. That
    position is also tap t + s′ of the window before, with s′ = s/gcd(s, d), when t + s′ < k
    and o ≥ d′ = d/gcd(s, d) (a multiple m > 1 of s′ only repeats this), and no kept window
    reads it otherwise."""
    import math

    if p_hi is None:
        p_hi = p_lo
    if pixels_left_out(i, k, s, p_lo, p_hi, dilation) == 0:
        return 0
    o = out_len(i, k, s, p_lo, p_hi, dilation)
    g = math.gcd(s, dilation)
    s1, d1 = s // g, dilation // g
    t_lo = 0 if o < d1 else max(0, k - s1)
    start = o * s
    # taps t with p_lo ≤ start + t·d < p_lo + i
    t_a = max(t_lo, -(-(p_lo - start) // dilation))
    t_b = min(k, -(-(p_lo + i - start) // dilation))
    return max(0, t_b - t_a)


NEAREST_SEARCH = 256        # sizes tried each way for a dilated kernel's nearest whole inputs


def inputs_without_drops(i: int, k: int, s: int, p_lo: int = 0, p_hi: int | None = None,
                         dilation: int = 1) -> tuple[int, ...]:
    """The nearest input sizes, one below ``i`` and one above, at which this layer's floored
    output leaves no input pixel out (see :func:`dropped_inputs`); a size is missing where
    there is none (below: the kernel would not fit; a dilated kernel: none within
    NEAREST_SEARCH)."""
    if p_hi is None:
        p_hi = p_lo
    fits = effective_kernel(k, dilation) - p_lo - p_hi       # the smallest input that fits
    if dilation == 1:
        # Undilated, the dropped pixels are the last r − p_hi − max(0, s − k) of the input
        # (r: the padded pixels left over): fewer inputs by that many, or more by s − r.
        dropped = dropped_inputs(i, k, s, p_lo, p_hi)
        r = pixels_left_out(i, k, s, p_lo, p_hi)
        below, above = i - dropped, i + s - r
        return tuple(x for x in (below, above) if x >= max(fits, 1) and x != i)
    found = []
    for step in (-1, 1):
        for n in range(1, NEAREST_SEARCH + 1):
            x = i + step * n
            if x < max(fits, 1):
                break
            if dropped_inputs(x, k, s, p_lo, p_hi, dilation) == 0:
                found.append(x)
                break
    return tuple(found)


def same_padding(i: int, k: int, s: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's ``"same"`` padding along one axis: ``(before, after)``.

    The output is ``⌈I/S⌉``; the total padding is whatever that needs, and when it is odd the
    extra pixel goes after the input. For stride 1 this is ``K_eff − 1`` in total, the same as
    PyTorch's ``padding="same"``.
    """
    out = -(-i // s)
    total = max((out - 1) * s + effective_kernel(k, dilation) - i, 0)
    return total // 2, total - total // 2


def subsampled_len(i: int, s: int) -> int:
    """Length after keeping every ``s``-th element from the first (``x[::s]``): ⌈i/s⌉. This is
    ResNet's option-A shortcut, the same as a 1×1 window at stride s without padding."""
    return -(-i // s)


def adaptive_windows(i: int, o: int) -> list[int]:
    """Widths of PyTorch's adaptive pooling windows along one axis of length ``i`` pooled to
    ``o``: window j spans ⌊j·i/o⌋ … ⌈(j+1)·i/o⌉ − 1."""
    return [-(-(j + 1) * i // o) - j * i // o for j in range(o)]


def adaptive_window_sum(i: int, o: int) -> int:
    """Σ of :func:`adaptive_windows` (input positions read, counted with overlaps), without
    enumerating ``o`` windows: i + o − gcd(i, o). Window j is ⌈(r_j + i)/o⌉ wide, where
    r_j = j·i mod o runs over the multiples of g = gcd(i, o), each g times; summing, the
    floors telescope to i and the ceilings add one per window whose end is not exact, o − g."""
    import math

    return i + o - math.gcd(i, o)


def adaptive_window_max(i: int, o: int) -> int:
    """The widest of :func:`adaptive_windows`, without enumerating them: window j is
    ⌈(r_j + i)/o⌉ wide with r_j = j·i mod o at most o − gcd(i, o), so ⌈(i + o − g)/o⌉."""
    import math

    return -(-(i + o - math.gcd(i, o)) // o)


def conv_weights(c_in: int, c_out: int, kh: int, kw: int, groups: int = 1) -> int:
    """Weights of a convolution: ``Kh·Kw·(C_in/groups)·C_out``."""
    return kh * kw * (c_in // groups) * c_out


def conv_macs(h_out: int, w_out: int, c_in: int, c_out: int, kh: int, kw: int,
              groups: int = 1) -> int:
    """MACs of a convolution: one per weight per output position, ``H·W·C_out·Kh·Kw·C_in/groups``."""
    return h_out * w_out * c_out * kh * kw * (c_in // groups)


def depthwise_weights(c_in: int, kh: int, kw: int, multiplier: int = 1) -> int:
    """Weights of a depthwise convolution: each input map gets ``multiplier`` filters of its own,
    ``Kh·Kw·C_in·multiplier`` (a conv with ``groups = C_in`` and ``C_in·multiplier`` outputs)."""
    return kh * kw * c_in * multiplier


def depthwise_macs(h_out: int, w_out: int, c_in: int, kh: int, kw: int,
                   multiplier: int = 1) -> int:
    """MACs of a depthwise convolution: ``H·W·C_in·multiplier·Kh·Kw``."""
    return h_out * w_out * c_in * multiplier * kh * kw


def separable_weights(c_in: int, c_out: int, kh: int, kw: int, multiplier: int = 1) -> int:
    """Weights of a depthwise-separable convolution (depthwise ``Kh×Kw`` then pointwise 1×1):
    ``Kh·Kw·C_in·m + C_in·m·C_out``."""
    return depthwise_weights(c_in, kh, kw, multiplier) + conv_weights(c_in * multiplier, c_out, 1, 1)


def separable_macs(h_out: int, w_out: int, c_in: int, c_out: int, kh: int, kw: int,
                   multiplier: int = 1) -> int:
    """MACs of a depthwise-separable convolution: ``H·W·C_in·m·(Kh·Kw + C_out)``."""
    return (depthwise_macs(h_out, w_out, c_in, kh, kw, multiplier)
            + conv_macs(h_out, w_out, c_in * multiplier, c_out, 1, 1))


def partial_conv_weights(fan_ins: list[int] | tuple[int, ...], kh: int, kw: int) -> int:
    """Weights of a convolution whose output map ``j`` sees only ``fan_ins[j]`` input maps
    (LeNet-5's C3 connection table): ``Σ_j fan_in_j·Kh·Kw``."""
    return sum(fan_ins) * kh * kw


def fc_weights(n_in: int, n_out: int) -> int:
    """Weights of a fully connected layer: ``N_in·N_out``."""
    return n_in * n_out


def fc_macs(n_in: int, n_out: int) -> int:
    """MACs of a fully connected layer: ``N_in·N_out``."""
    return n_in * n_out


def tconv_out_len(i: int, k: int, s: int, p_lo: int, p_hi: int, d: int = 1,
                  output_padding: int = 0) -> int:
    """Output length of a transposed convolution (PyTorch's ConvTranspose2d):
    ``(I − 1)·S − P_lo − P_hi + D·(K − 1) + output_padding + 1``."""
    return (i - 1) * s - p_lo - p_hi + d * (k - 1) + output_padding + 1


def attention_macs(n: int, d: int) -> int:
    """MACs of multi-head self-attention over ``n`` tokens of width ``d`` (any number of heads):
    the Q, K, V projections ``3·N·D²``, the scores Q·Kᵀ ``N²·D`` (per head N·N·D/h), the weighted
    values A·V ``N²·D``, the output projection ``N·D²``."""
    return 3 * n * d * d + n * n * d + n * n * d + n * d * d


def out_len_text(i: int, k: int, s: int, p_lo: int = 0, p_hi: int | None = None,
                 dilation: int = 1) -> str:
    """The output-size formula with the numbers put in, as a student writes it:
    ``(227 − 11 + 2·0)/4 + 1``."""
    if p_hi is None:
        p_hi = p_lo
    kern = f"{effective_kernel(k, dilation)}" if dilation == 1 else f"({dilation}·({k} − 1) + 1)"
    pad = f"2·{p_lo}" if p_lo == p_hi else f"{p_lo} + {p_hi}"
    return f"({i} − {kern} + {pad})/{s} + 1"


def fraction_text(x: Fraction) -> str:
    """A rational as a short decimal when it has one (``54.25``), else ``54 1/3``."""
    if x.denominator == 1:
        return str(x.numerator)
    if x < 0:
        return "-" + fraction_text(-x)
    d, twos, fives = x.denominator, 0, 0
    while d % 2 == 0:
        d, twos = d // 2, twos + 1
    while d % 5 == 0:
        d, fives = d // 5, fives + 1
    whole, rest = divmod(x.numerator, x.denominator)
    if d == 1:
        # Exact digits, from integers: a float would round (or overflow) for large sizes.
        places = max(twos, fives)
        digits = str(rest * 10 ** places // x.denominator).zfill(places).rstrip("0")
        return f"{whole}.{digits}"
    return f"{whole} {rest}/{x.denominator}"
