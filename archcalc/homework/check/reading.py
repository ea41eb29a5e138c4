"""Reading one cell as written: a number, an expression, "expression = value", or a shape.

Nothing here knows the network: a cell is text in, a ``Reading`` out (its parts, each part's
exact value with the precision written, or why it cannot be read).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

from ..expr import ExprError, Value, is_plain_number, parse

NOT_APPLICABLE = ("-", "–", "—", "n/a", "na", "none", "/")


@dataclass(frozen=True)
class Reading:
    """A cell: its parts split at "=", each part's value (``None`` where unreadable)."""

    text: str
    parts: tuple[str, ...] = ()
    values: tuple[Value | None, ...] = ()
    error: str = ""
    shape: tuple[int, ...] = ()       # for the one-column output: the numbers written
    order: str = ""                   # "CHW" when the writing says so ("6@28x28")

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    @property
    def na(self) -> bool:
        return self.text.strip().lower() in NOT_APPLICABLE

    @property
    def final(self) -> Value | None:
        return self.values[-1] if self.values else None

    @property
    def formula(self) -> Value | None:
        """The first part when it is arithmetic (``3x3x256x384`` of ``3x3x256x384 = 86,400``)."""
        if self.values and not is_plain_number(self.parts[0]):
            return self.values[0]
        return None


# A unit word after a number ("params", "weights", "개"); not a lone x or an SI suffix.
_TRAILING_WORD = re.compile(r"(?<=[\d)\]])\s+(?![xXkKMGBT]\s*$)[^\W\d_]+\s*$")


def _clean(text: str) -> str:
    t = text.strip().strip("*`").strip()
    t = re.sub(r"^[~≈]\s*", "", t)
    return t


def read_cell(text: str, k_base: int, unit: str = "") -> Reading:
    """A number or expression cell (``unit``: the header's K, M or G for bare numbers)."""
    t = _clean(text)
    if not t or t.lower() in NOT_APPLICABLE:
        return Reading(t)
    parts = tuple(p.strip() for p in re.split(r"=|≈", t))
    if any(not p for p in parts):
        return Reading(t, parts, error="an '=' with nothing on one side")
    values = []
    for p in parts:
        p = _TRAILING_WORD.sub("", p)     # "34,944 params", "96 개" (a Korean counter word)
        if unit and is_plain_number(p) and not re.search(r"[kKMGBT]\s*$", p):
            p = p + unit
        try:
            values.append(parse(p, k_base))
        except ExprError as e:
            return Reading(t, parts, error=str(e))
    return Reading(t, parts, tuple(values))


def read_shape(text: str) -> Reading:
    """``55x55x96``, ``55 × 55 × 96``, ``[55x55x96]``, ``96@55x55`` or a vector's ``4096``."""
    t = _clean(text).strip("[]() ")
    if not t or t.lower() in NOT_APPLICABLE:
        return Reading(t)
    t = t.split("=")[-1].strip()
    lead = None
    if "@" in t:                          # LeNet's "6@28x28": C maps of H×W
        lead, t = (x.strip() for x in t.split("@", 1))
    nums = []
    for p in ([lead] if lead is not None else []) + re.split(r"\s*[x×X*]\s*", t):
        try:
            v = parse(p)
        except ExprError as e:
            return Reading(text.strip(), error=str(e))
        if v.value.denominator != 1 or not v.exact:
            return Reading(text.strip(), error=f"{p!r} is not a whole number")
        nums.append(int(v.value))
    if len(nums) not in (1, 2, 3) or (lead is not None and len(nums) != 3):
        return Reading(text.strip(), error="expected H×W×C, C×H×W, C@H×W, H×W or one number")
    return Reading(text.strip(), shape=tuple(nums), order="CHW" if lead is not None else "")


def rounded(how: str, part: str, v: Value) -> Value:
    """A size formula that gives a fraction, rounded as the layer rounds it (``how``: "floor"
    or "ceil") — only where the layer's own formula gives a fraction: elsewhere a fraction
    means the working is wrong."""
    if how and v.exact and v.value.denominator != 1 and not is_plain_number(part):
        f = math.ceil if how == "ceil" else math.floor
        return Value(Fraction(f(v.value)))
    return v


def has_suffix(text: str) -> bool:
    """Whether a number in ``text`` carries an SI suffix (``35K``, ``1.3 M``)."""
    return bool(re.search(r"\d\s*[kKMGBT]\b", text))
