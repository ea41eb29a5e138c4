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

A value has a *tolerance*: a whole number is exact, but ``35K`` or ``1.3M`` is judged to the
precision written (``35K`` is anything from 34,500 to 35,500), and the tolerance follows the
value through the arithmetic.

Bounds keep any input cheap: at most ``MAX_CHARS`` characters and ``MAX_TOKENS`` tokens,
parentheses nested at most ``MAX_DEPTH`` deep, and no value (numerator or denominator) beyond
``10^MAX_DIGITS`` — a power is refused *before* it is computed if it would exceed that, so
``9^9^9`` is an immediate error, not a hang.
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


@dataclass(frozen=True)
class Value:
    """An exact rational and the half-width of the interval the writer meant (0: exact)."""

    value: Fraction
    tol: Fraction = Fraction(0)

    @property
    def exact(self) -> bool:
        return self.tol == 0

    def matches(self, expected: int | Fraction) -> bool:
        """Whether ``expected`` is what this value says, to the precision written."""
        return abs(Fraction(expected) - self.value) <= self.tol


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
            v = _bounded(Value(v.value + w.value if t.text == "+" else v.value - w.value,
                               v.tol + w.tol))
        return v

    def product(self) -> Value:
        v = self.unary()
        while (t := self.peek()) and t.kind == "op" and t.text in "*/":
            self.take()
            w = self.unary()
            if t.text == "*":
                v = _bounded(Value(v.value * w.value,
                                   abs(v.value) * w.tol + abs(w.value) * v.tol + v.tol * w.tol))
            else:
                if w.value == 0 or (w.tol and abs(w.value) <= w.tol):
                    raise ExprError(_at(self.text, t.pos, "division by zero"))
                q = v.value / w.value
                lo = abs(w.value) - w.tol
                v = _bounded(Value(q, (v.tol + abs(q) * w.tol) / lo if (v.tol or w.tol)
                                   else Fraction(0)))
        return v

    def unary(self) -> Value:
        t = self.peek()
        if t and t.kind == "op" and t.text in "+-":
            self.take()
            self.nest()
            v = self.unary()
            self.depth -= 1
            return Value(-v.value, v.tol) if t.text == "-" else v
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
    x = v.value
    if max(x.numerator.bit_length(), x.denominator.bit_length()) > _MAX_BITS:
        raise ExprError(f"a value beyond 10^{MAX_DIGITS}")
    return v


def _power(text: str, pos: int, base: Value, exp: Value) -> Value:
    if not exp.exact or exp.value.denominator != 1:
        raise ExprError(_at(text, pos, "only whole-number exact powers are supported"))
    e = exp.value.numerator
    b = base.value
    size = max(abs(b.numerator), b.denominator).bit_length()
    # Refuse before computing: |b^e| has about |e|·log2|b| bits.
    if b not in (0, 1, -1) and abs(e) * (size - 1) > _MAX_BITS:
        raise ExprError(_at(text, pos, f"a power beyond 10^{MAX_DIGITS}"))
    if b == 0 and e < 0:
        raise ExprError(_at(text, pos, "division by zero"))
    v = b ** e
    if base.exact:
        return _bounded(Value(v))
    hi = max(abs(b - base.tol) ** e, abs(b + base.tol) ** e) if b - base.tol != 0 or e > 0 else None
    if hi is None:
        raise ExprError(_at(text, pos, "division by zero"))
    return _bounded(Value(v, abs(hi - abs(v))))


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
