"""A small, safe parser for the arithmetic people write in a table cell.

``(227-11+0)/4+1``, ``11x11x3x96``, ``5*5*96*256``, ``3·3·256·384``, ``2^10``, ``1.3M``,
``34,848`` — parsed by recursive descent into an exact ``fractions.Fraction``; nothing is
ever passed to ``eval``. The grammar, loosest binding first::

    sum     := product (("+" | "-" | "−" | "–") product)*
    product := unary (("*" | "×" | "x" | "X" | "·" | "/" | "÷") unary)*
    unary   := ("-" | "+") unary | power
    power   := atom (("^" | "**") unary)?          (right-associative: 2^3^2 = 2^9)
    atom    := NUMBER SUFFIX? | "(" sum ")"

A number may carry thousands separators (``1,327,104``, ``34 848`` with a no-break space,
``34_848``), decimals, an exponent written with superscript digits (``10⁹``) and an SI suffix
(``K``/``k``, ``M``, ``G``/``B``, ``T``; K = 1000 unless ``k_base=1024``).

A value has an *interval*: a whole number is exact, but ``35K`` or ``1.3M`` is judged to the
precision written (``35K`` is anything from 34,500 to 35,500), and the interval follows the
value through the arithmetic exactly (interval arithmetic on fractions, no float anywhere):
``1G*1G`` means 2.5·10^17 … 2.25·10^18, so it is wrong for 34,944, and ``9G-9G``, whose
interval reaches zero (its sign is unknown), matches only 0, its value as written.

Bounds keep any input cheap: at most ``MAX_CHARS`` characters and ``MAX_TOKENS`` tokens,
parentheses nested at most ``MAX_DEPTH`` deep, and no value (numerator or denominator, of the
value or either end of its interval) beyond ``10^MAX_DIGITS``: such a value is an error, never
a value kept to compare. A power is refused *before* it is computed if it would exceed that,
so ``9^9^9`` is an immediate error, not a hang.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

MAX_CHARS = 1_000
MAX_TOKENS = 200
MAX_DEPTH = 50
MAX_DIGITS = 100
_MAX_BITS = int(MAX_DIGITS * 3.33) + 1      # 10^100 < 2^333

SUFFIXES = {"k": 1, "K": 1, "M": 2, "G": 3, "B": 3, "T": 4}   # power of the base (1000 or 1024)
MINUS = "-−–"
TIMES = "*×xX·⋅∙"
DIVIDE = "/÷"
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_GROUP = ",\u00a0\u202f\u2009_"             # thousands separators
_NUMBER = re.compile(
    r"(?P<int>\d{1,3}(?:[" + _GROUP + r"]\d{3})+|\d+)(?:\.(?P<frac>\d+))?"
    r"(?:\s?(?P<suffix>[kKMGBT])(?![A-Za-z]))?")
_SUPER = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+")


class ExprError(ValueError):
    """The text is not an expression this parser accepts; the message says where and why."""


class Value:
    """An exact rational as written, and the interval ``[lo, hi]`` the writer meant by it.

    A whole number is exact (``lo == value == hi``); ``35K`` is anything from 34,500 to 35,500.
    Arithmetic carries the interval exactly (interval arithmetic on ``Fraction`` endpoints), so
    ``1G*1G`` is 10^18 meaning 2.5·10^17 … 2.25·10^18, never 34,944. An inexact value whose
    interval reaches zero (``9G-9G``: −10^9 … 10^9) cannot tell even its sign at the precision
    written, so it matches only its value as written (0), never the rest of the interval.
    """

    __slots__ = ("value", "lo", "hi")

    def __init__(self, value: Fraction, tol: Fraction = Fraction(0), *,
                 lo: Fraction | None = None, hi: Fraction | None = None):
        value = Fraction(value)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "lo", value - abs(tol) if lo is None else Fraction(lo))
        object.__setattr__(self, "hi", value + abs(tol) if hi is None else Fraction(hi))

    def __setattr__(self, name, v):
        raise AttributeError("a Value is immutable")

    def __eq__(self, other) -> bool:
        return (isinstance(other, Value) and (self.value, self.lo, self.hi)
                == (other.value, other.lo, other.hi))

    def __hash__(self) -> int:
        return hash((self.value, self.lo, self.hi))

    def __repr__(self) -> str:
        return (f"Value({self.value})" if self.exact
                else f"Value({self.value}, lo={self.lo}, hi={self.hi})")

    @property
    def tol(self) -> Fraction:
        """How far the interval reaches from the value written, on its wider side (0: exact)."""
        return max(self.hi - self.value, self.value - self.lo)

    @property
    def exact(self) -> bool:
        return self.lo == self.hi

    def matches(self, expected: int | Fraction) -> bool:
        """Whether ``expected`` is what this value says, to the precision written."""
        e = Fraction(expected)
        if self.exact:
            return e == self.value
        if self.lo <= 0 <= self.hi:     # not even the sign is known: only the value as written
            return e == self.value
        return self.lo <= e <= self.hi


@dataclass(frozen=True)
class _Tok:
    kind: str        # "num", "op", "(", ")"
    text: str
    pos: int
    value: Value | None = None


def _tokens(text: str, k_base: int) -> list[_Tok]:
    out: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        m = _NUMBER.match(text, i)
        if m and ch.isdigit():
            out.append(_Tok("num", m.group(0), i, _number(m, k_base)))
            i = m.end()
            s = _SUPER.match(text, i)
            if s:                       # 10⁹ → 10 ^ 9
                out.append(_Tok("op", "^", i))
                out.append(_Tok("num", s.group(0), i,
                                Value(Fraction(int(s.group(0).translate(_SUPERSCRIPT))))))
                i = s.end()
        elif text.startswith("**", i):
            out.append(_Tok("op", "^", i))
            i += 2
        elif ch in MINUS:
            out.append(_Tok("op", "-", i))
            i += 1
        elif ch in TIMES:
            out.append(_Tok("op", "*", i))
            i += 1
        elif ch in DIVIDE:
            out.append(_Tok("op", "/", i))
            i += 1
        elif ch in "+^":
            out.append(_Tok("op", ch, i))
            i += 1
        elif ch in "()[]":
            out.append(_Tok("(" if ch in "([" else ")", ch, i))
            i += 1
        else:
            raise ExprError(_at(text, i, f"unexpected {ch!r}"))
        if len(out) > MAX_TOKENS:
            raise ExprError(f"more than {MAX_TOKENS} numbers and operators")
    return out


def _number(m: re.Match, k_base: int) -> Value:
    digits = re.sub("[" + _GROUP + "]", "", m.group("int"))
    frac = m.group("frac") or ""
    if len(digits) + len(frac) > MAX_DIGITS:
        raise ExprError(f"a number with more than {MAX_DIGITS} digits")
    v = Fraction(int(digits + frac), 10 ** len(frac))
    suffix = m.group("suffix")
    if not suffix:
        return Value(v, Fraction(1, 2 * 10 ** len(frac)) if frac else Fraction(0))
    scale = k_base ** SUFFIXES[suffix]
    # "35K": the writer rounded to the last digit shown, so it is good to half a unit of it.
    return Value(v * scale, Fraction(scale, 2 * 10 ** len(frac)))


def _at(text: str, pos: int, msg: str) -> str:
    return f"{msg} at position {pos + 1} in {text!r}"


class _Parser:
    def __init__(self, text: str, toks: list[_Tok]):
        self.text, self.toks, self.i, self.depth = text, toks, 0, 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        t = self.peek()
        if t is None:
            raise ExprError(f"{self.text!r} ends too soon: a number or '(' is missing at the end")
        self.i += 1
        return t

    def nest(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError(f"nested more than {MAX_DEPTH} deep")

    def sum(self) -> Value:
        v = self.product()
        while (t := self.peek()) and t.kind == "op" and t.text in "+-":
            self.take()
            w = self.product()
            v = _add(v, w) if t.text == "+" else _add(v, _neg(w))
        return v

    def product(self) -> Value:
        v = self.unary()
        while (t := self.peek()) and t.kind == "op" and t.text in "*/":
            self.take()
            w = self.unary()
            v = _mul(v, w) if t.text == "*" else _div(self.text, t.pos, v, w)
        return v

    def unary(self) -> Value:
        t = self.peek()
        if t and t.kind == "op" and t.text in "+-":
            self.take()
            self.nest()
            v = self.unary()
            self.depth -= 1
            return _neg(v) if t.text == "-" else v
        return self.power()

    def power(self) -> Value:
        base = self.atom()
        t = self.peek()
        if not (t and t.kind == "op" and t.text == "^"):
            return base
        self.take()
        self.nest()
        exp = self.unary()
        self.depth -= 1
        return _power(self.text, t.pos, base, exp)

    def atom(self) -> Value:
        t = self.take()
        if t.kind == "num":
            return t.value
        if t.kind == "(":
            self.nest()
            v = self.sum()
            self.depth -= 1
            close = self.peek()
            if close is None or close.kind != ")":
                where = close.pos if close else len(self.text)
                raise ExprError(_at(self.text, where, "')' expected"))
            self.take()
            return v
        raise ExprError(_at(self.text, t.pos, f"a number or '(' expected, found {t.text!r}"))


def _bounded(v: Value) -> Value:
    """``v``, or an error if its value or either end of its interval is beyond 10^MAX_DIGITS: a
    value too large to hold is refused, never kept as something that might compare equal."""
    for x in (v.value, v.lo, v.hi):
        if max(x.numerator.bit_length(), x.denominator.bit_length()) > _MAX_BITS:
            raise ExprError(f"a value beyond 10^{MAX_DIGITS}")
    return v


def _neg(v: Value) -> Value:
    return Value(-v.value, lo=-v.hi, hi=-v.lo)


def _add(a: Value, b: Value) -> Value:
    return _bounded(Value(a.value + b.value, lo=a.lo + b.lo, hi=a.hi + b.hi))


def _span(value: Fraction, ends) -> Value:
    ends = list(ends)
    return _bounded(Value(value, lo=min(ends), hi=max(ends)))


def _mul(a: Value, b: Value) -> Value:
    if a.exact and b.exact:
        return _bounded(Value(a.value * b.value))
    return _span(a.value * b.value, (x * y for x in (a.lo, a.hi) for y in (b.lo, b.hi)))


def _reaches_zero(v: Value) -> bool:
    return v.value == 0 or v.lo <= 0 <= v.hi


def _div(text: str, pos: int, a: Value, b: Value) -> Value:
    if _reaches_zero(b):
        raise ExprError(_at(text, pos, "division by zero" if b.value == 0 else
                            "division by a value that could be zero at the precision written"))
    if a.exact and b.exact:
        return _bounded(Value(a.value / b.value))
    return _span(a.value / b.value, (x / y for x in (a.lo, a.hi) for y in (b.lo, b.hi)))


def _power(text: str, pos: int, base: Value, exp: Value) -> Value:
    if not exp.exact or exp.value.denominator != 1:
        raise ExprError(_at(text, pos, "only whole-number exact powers are supported"))
    e = exp.value.numerator
    for b in {base.value, base.lo, base.hi}:
        size = max(abs(b.numerator), b.denominator).bit_length()
        # Refuse before computing: |b^e| has about |e|·log2|b| bits.
        if b not in (0, 1, -1) and abs(e) * (size - 1) > _MAX_BITS:
            raise ExprError(_at(text, pos, f"a power beyond 10^{MAX_DIGITS}"))
    if e < 0 and _reaches_zero(base):
        raise ExprError(_at(text, pos, "division by zero" if base.value == 0 else
                            "division by a value that could be zero at the precision written"))
    v = base.value ** e
    if base.exact:
        return _bounded(Value(v))
    ends = [base.lo ** e, base.hi ** e]
    if e % 2 == 0 and base.lo < 0 < base.hi:     # an even power of an interval around zero
        ends.append(Fraction(0))
    return _span(v, ends)


def parse(text: str, k_base: int = 1000) -> Value:
    """The value of ``text`` (see the module docstring), or ``ExprError`` saying why not."""
    if len(text) > MAX_CHARS:
        raise ExprError(f"longer than {MAX_CHARS} characters")
    toks = _tokens(text, k_base)
    if not toks:
        raise ExprError("empty expression")
    p = _Parser(text, toks)
    v = p.sum()
    if p.peek() is not None:
        t = p.peek()
        raise ExprError(_at(text, t.pos, f"unexpected {t.text!r} (an operator is missing?)"))
    return v


def is_plain_number(text: str) -> bool:
    """Whether ``text`` is one number (with separators or a suffix), not arithmetic."""
    return bool(_NUMBER.fullmatch(text.strip()))
