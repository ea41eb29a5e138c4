"""The catalogue of mistakes people make in these tables (``layer_mistakes``: one layer's
arithmetic; ``table_mistakes``: what the table and the network around a cell show), most
specific first; ``diagnose`` returns every one that explains a wrong cell.
"""

from __future__ import annotations

from typing import Callable

from .context import Around, Ctx
from .layer_mistakes import (d_biases, d_channels_and_biases, d_extras, d_flatten, d_flops,
                             d_groups, d_in_place,
                             d_input_channels, d_macs_on_input, d_one_bias, d_padding, d_plus,
                             d_pool_channels, d_rounding, d_stride)
from .table_mistakes import (d_bytes, d_copied, d_digit, d_input_size, d_k_base, d_not_whole,
                             d_order, d_own_formula, d_sibling, d_slip, d_total)

__all__ = ["CATALOGUE", "SHOWN", "Around", "Ctx", "diagnose"]


# Most specific first; the text names the first SHOWN that fit (``MarkedCell.diagnoses`` has all).
CATALOGUE: list[tuple[str, Callable[[Ctx], str | None]]] = [
    ("slip", d_slip), ("rounding", d_rounding),
    ("channels-and-biases", d_channels_and_biases), ("input-channels", d_input_channels),
    ("biases", d_biases), ("one-bias", d_one_bias), ("groups", d_groups),
    ("flatten", d_flatten), ("pool-channels", d_pool_channels), ("flops", d_flops),
    ("extras", d_extras), ("in-place", d_in_place),
    ("macs-on-input", d_macs_on_input), ("padding", d_padding), ("stride", d_stride),
    ("plus-for-times", d_plus), ("k-base", d_k_base), ("input-size", d_input_size),
    ("not-whole", d_not_whole), ("bytes", d_bytes), ("total", d_total), ("order", d_order),
    ("own-formula", d_own_formula), ("digit", d_digit), ("copied", d_copied),
    ("sibling", d_sibling),
]
SHOWN = 2


def diagnose(c: Ctx) -> list[tuple[str, str]]:
    """(id, text) of every mistake in the catalogue that explains the cell."""
    out = []
    for ident, fn in CATALOGUE:
        text = fn(c)
        if text:
            out.append((ident, text))
    return out
