"""Reading one cell as written: a number, an expression, "expression = value", or a shape.

Nothing here knows the network: a cell is text in, a ``Reading`` out (its parts, each part's
exact value with the precision written, or why it cannot be read — a cell that cannot be read
is "not read", never wrong).

Numbers are read as people write them: thousands grouped with commas, dots, apostrophes or
spaces (``1,327,104``, ``1.327.104``, ``1'327'104``, ``1 327 104``) or in the Indian way
(``2,15,808``), a decimal comma before a suffix (``1,3M``), SI suffixes and words (``35K``,
``3.2 million``, ``1.4 Mio``, ``138 mln``, and the East Asian 万/만 = 10⁴, 亿/억 = 10⁸), and
implicit multiplication before a parenthesis (``100(300*300*3)+100``). A number with a suffix
is judged to the figures written, and zeros before the suffix are not significant: ``800K`` is
8×10⁵, anything from 750,000 to 850,000.

Shapes: ``55x55x96``, ``55 × 55 × 96``, ``[55x55x96]``, ``96@55x55`` (LeNet), tuples and lists
``(28, 28, 8)``, ``[1, 8, 28, 28]`` with a batch axis, Keras' ``(None, 26, 26, 32)``,
torchsummary's ``[-1, 64, 224, 224]``, ``torch.Size([1, 6, 28, 28])``, and vectors written as
``4096``, ``1x1x4096``, ``(120, 1)`` or ``(None, 84)``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

from ..expr import ExprError, Value, is_plain_number, parse

NOT_APPLICABLE = ("-", "–", "—", "n/a", "na", "none", "/", "nil")
# A cell that repeats the cell above it.
DITTO = ('"', "''", "〃", "”", "″", "“", "ditto", "do", "do.", "same", "same as above",
         "as above", "idem", "-\"-", "-//-", "–//–", "〃〃", "同上", "上同", "위와 같음", "上に同じ")


@dataclass(frozen=True)
class Reading:
    """A cell: its parts split at "=", each part's value (``None`` where unreadable)."""

    text: str
    parts: tuple[str, ...] = ()
    values: tuple[Value | None, ...] = ()
    error: str = ""
    shape: tuple[int, ...] = ()       # for the one-column output: the numbers written
    order: str = ""                   # "CHW" or "HWC" when the writing says so ("6@28x28")

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


def is_ditto(text: str) -> bool:
    return text.strip().lower() in DITTO


# A unit word after a number ("params", "weights", "개"); not a lone x or an SI suffix.
_TRAILING_WORD = re.compile(r"(?<=[\d)\]kKMGBT])\s+(?![xXkKMGBT]\s*$)[^\W\d_]+\s*$")
_TRAILING_CJK = re.compile(r"(?<=\d)\s*[个개個]\s*$")

# Scale words: the exponent of 10 they stand for (K, M, G, T follow the table's K).
_WORDS = {"thousand": 3, "thousands": 3, "tsd": 3, "mil": 3, "million": 6, "millions": 6,
          "mio": 6, "mln": 6, "mn": 6, "billion": 9, "billions": 9, "bn": 9, "mrd": 9,
          "milliard": 9, "milliards": 9, "trillion": 12, "万": 4, "만": 4, "萬": 4, "亿": 8,
          "억": 8, "億": 8}
_SI = {"k": 1, "K": 1, "M": 2, "G": 3, "B": 3, "T": 4}
# Byte units: KiB, MiB, GiB (and a header's Ki, Mi, Gi) are powers of 1024 whatever the table's
# K; KB, MB, GB follow it.
_BINARY = {"Ki": ("K", 1024), "Mi": ("M", 1024), "Gi": ("G", 1024), "KiB": ("K", 1024),
           "MiB": ("M", 1024), "GiB": ("G", 1024)}
_BYTE = {"KB": ("K", None), "MB": ("M", None), "GB": ("G", None)}
_PLAIN = re.compile(r"^(?P<int>\d+)(?:\.(?P<frac>\d+))?\s*(?P<suffix>[kKMGBT]|[^\W\d_]+|[万만萬亿억億])?$")


def _clean(text: str) -> str:
    t = text.strip().strip("*`").strip()
    t = re.sub(r"^[~≈∼]\s*", "", t)
    return t


def _grouping(p: str) -> str:
    """A number's thousands grouping of any locale removed; a decimal comma made a point."""
    s = p.strip()
    m = re.fullmatch(r"(\d{1,2}(?:,\d{2})+,\d{3})(.*)", s)         # Indian: 2,15,808
    if m and not re.fullmatch(r"\d{1,3}(?:,\d{3})+", m.group(1)):
        return m.group(1).replace(",", "") + m.group(2)
    m = re.fullmatch(r"(\d{1,3}(?:\.\d{3}){2,}|\d{1,3}(?:\.\d{3})+(?=,\d))(,\d+)?(.*)", s)
    if m:                                                           # 1.327.104 / 1.327,5
        return (m.group(1).replace(".", "") + (m.group(2) or "").replace(",", ".")
                + m.group(3))
    m = re.fullmatch(r"(\d{1,3}(?:['’ ]\d{3})+)(\s*[^\d\s].*)?", s)   # 1'327'104, 1 327 104
    if m:
        return m.group(1).replace("'", "").replace("’", "").replace(" ", "") + (m.group(2) or "")
    m = re.fullmatch(r"(\d+),(\d{1,2})(\s*(?:[kKMGBT]|[^\W\d_]+|[万만萬亿억億])?)", s)
    if m:                                                           # 1,3M (a decimal comma)
        return f"{m.group(1)}.{m.group(2)}{m.group(3)}"
    return p


def _implicit_times(p: str) -> str:
    """``100(300*300*3)`` and ``(a)(b)``: a number or ')' before '(' multiplies."""
    return re.sub(r"(?<=[\d)\]])\s*(?=[(\[])", "*", p)


def _number(p: str, k_base: int) -> Value | None:
    """A plain number with a suffix or scale word, judged to the figures written (zeros before
    the suffix not significant); ``None`` when ``p`` is not one."""
    m = _PLAIN.match(p.strip())
    if not m or not m.group("suffix"):
        return None
    suffix = m.group("suffix")
    if suffix in _BINARY or suffix.upper() in _BYTE:          # 4.4 MiB, 1.16 MB
        suffix, base = _BINARY.get(suffix) or _BYTE[suffix.upper()]
        k_base = base or k_base
    if suffix in _SI:
        scale = Fraction(k_base) ** _SI[suffix]
    elif suffix.lower() in _WORDS:
        scale = Fraction(10) ** _WORDS[suffix.lower()]
    else:
        return None
    whole, frac = m.group("int"), m.group("frac") or ""
    mantissa = Fraction(int(whole + frac), 10 ** len(frac))
    if frac:
        unit = Fraction(1, 10 ** len(frac))
    else:
        unit = Fraction(10) ** (len(whole) - len(whole.rstrip("0")) if whole.strip("0") else 0)
    v, tol = mantissa * scale, unit * scale / 2
    return Value(v, lo=v - tol, hi=v + tol)


def read_part(p: str, k_base: int) -> Value:
    """One side of an "=": a number (any locale, any suffix) or an expression."""
    p = _TRAILING_CJK.sub("", p)
    p = _grouping(p)
    v = _number(p, k_base)
    if v is not None:
        return v
    p = _TRAILING_WORD.sub("", p)         # "34,944 params", "96 개" (a Korean counter word)
    p = _grouping(p)
    v = _number(p, k_base)
    if v is not None:
        return v
    return parse(_implicit_times(p), k_base)


BYTE_FIELDS = ("activation_bytes", "param_bytes")


def read_cell(text: str, k_base: int, unit: str = "", field: str = "") -> Reading:
    """A number or expression cell (``unit``: the header's K, M or G for bare numbers;
    ``field``: its column's, where a memory column in bytes reads ``312 B`` as 312 bytes, not
    billions, and ``9.41 kB (9.19 KiB)``, as ``table --units si`` prints bytes, as its first
    figure, the second restating it in binary prefixes)."""
    t = _clean(text)
    if field in BYTE_FIELDS:
        binary = re.search(r"\s*\(\s*[\d.,]+\s*[KMGT]iB\s*\)$", t)
        if binary:           # beside its binary restatement, a kB or MB is decimal
            t, k_base = t[:binary.start()], 1000
        t = re.sub(r"(?<=\d)\s*B$", "", t)
    if not t or t.lower() in NOT_APPLICABLE:
        return Reading(t)
    parts = tuple(p.strip() for p in re.split(r"=|≈|→|->|⇒", t))
    if any(not p for p in parts):
        return Reading(t, parts, error="an '=' with nothing on one side")
    while len(parts) > 1 and _TUPLE.match(parts[0]):     # "(120,400)→(120*400)+120=48120"
        parts = parts[1:]                                # a matrix's shape, not arithmetic
    values = []
    for p in parts:
        q = _grouping(_TRAILING_WORD.sub("", _TRAILING_CJK.sub("", p)))
        if unit and is_plain_number(q) and not re.search(r"[kKMGBT]\s*$", q):
            p = q + unit
        try:
            values.append(read_part(p, k_base))
        except ExprError as e:
            return Reading(t, parts, error=str(e))
    return Reading(t, parts, tuple(values))


_TUPLE = re.compile(r"^[(\[]\s*\d+\s*(?:[,x×]\s*\d+\s*)+[)\]]$")
_BATCH = ("none", "?", "-1", "n", "b", "m", "batch", "batch_size", "bs", "null")


def read_shape(text: str) -> Reading:
    """An output shape as written (see the module docstring); a lone number is a vector."""
    t = _clean(text)
    order = ""
    m = re.fullmatch(r"(?:torch\.)?Size\s*\((.*)\)", t)
    if m:
        t, order = m.group(1), "CHW"
    bracketed = t[:1] in "([" and t[-1:] in ")]"
    t = t.strip("[]() ")
    if not t or t.lower() in NOT_APPLICABLE:
        return Reading(t)
    t = t.split("=")[-1].strip()
    lead = None
    if "@" in t:                          # LeNet's "6@28x28": C maps of H×W
        lead, t = (x.strip() for x in t.split("@", 1))
        order = "CHW"
    if "," in t and (bracketed or ", " in t or any(
            not re.fullmatch(r"\d{3}", g.strip()) for g in t.split(",")[1:])):
        items = [x.strip().strip("[]() ") for x in t.split(",")]
        items = [x for x in items if x]                  # "(84,)"
    else:
        items = re.split(r"\s*[x×X*]\s*", t)
    if len(items) > 1 and items[0].lower() in _BATCH:
        order = order or ("CHW" if items[0] == "-1" else "HWC" if items[0].lower() == "none"
                          else "")
        items = items[1:]
    nums = []
    for p in ([lead] if lead is not None else []) + items:
        try:
            v = read_part(p, 1000)
        except ExprError as e:
            return Reading(text.strip(), error=str(e))
        if v.value.denominator != 1 or not v.exact:
            return Reading(text.strip(), error=f"{p!r} is not a whole number")
        nums.append(int(v.value))
    if len(nums) == 4 and nums[0] == 1:                  # a batch of one: [1, 8, 28, 28]
        nums = nums[1:]
    if len(nums) not in (1, 2, 3) or (lead is not None and len(nums) != 3):
        return Reading(text.strip(), error="expected H×W×C, C×H×W, C@H×W, H×W or one number")
    return Reading(text.strip(), shape=tuple(nums), order=order)


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
