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
