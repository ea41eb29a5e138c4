"""The cell-expression parser: exact, bounded, never eval, and the same as Python's arithmetic."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archcalc.homework.expr import MAX_DEPTH, MAX_TOKENS, ExprError, parse


@pytest.mark.parametrize("text, value", [
    ("(227-11+0)/4+1", 55), ("(227- 11+ 0)/4 +1", 55), ("11x11x3x96", 34_848),
    ("5*5*96*256", 614_400), ("3·3·256·384", 884_736), ("3 × 3 × 384 × 384", 1_327_104),
    ("(13- 3+2)/1+1", 13), ("(27 − 3)/2 + 1", 13), ("(55 – 3)/2 + 1", 27), ("2^10", 1024),
    ("2**10", 1024), ("2^3^2", 512), ("-3+4", 1), ("1,327,104", 1_327_104), ("34\u00a0848", 34_848),
    ("10⁹", 10 ** 9), ("[2+3]·4", 20), ("9,216÷4", 2304), ("(224-11)/4+1", Fraction(217, 4)),
])
def test_values(text, value):
    v = parse(text)
    assert v.value == value and v.exact


@pytest.mark.parametrize("text, value, lo, hi", [
    ("35K", 35_000, 34_500, 35_500), ("1.3M", 1_300_000, 1_250_000, 1_350_000),
    ("62.4 M", 62_400_000, 62_350_000, 62_450_000), ("1.8×10^9", 1_800_000_000,
                                                     1_750_000_000, 1_850_000_000),
    ("2.7k", 2_700, 2_650, 2_750),
])
def test_suffixes_are_judged_to_the_precision_written(text, value, lo, hi):
    v = parse(text)
    assert v.value == value
    assert v.matches(lo) and v.matches(hi) and not v.matches(lo - 1) and not v.matches(hi + 1)


def test_k_1024():
    assert parse("35K", k_base=1024).value == 35 * 1024
    assert parse("1M", k_base=1024).value == 1024 ** 2


@pytest.mark.parametrize("text, message", [
    ("9^9^9", "beyond 10^100"), ("10^101", "beyond 10^100"), ("1/0", "division by zero"),
    ("2^0.5", "whole-number"), ("3 x", "ends too soon"), ("1,3", "unexpected ','"),
    ("(1+2", "')' expected"), ("", "empty"), ("abc", "unexpected 'a'"),
    ("__import__('os')", "unexpected"), ("2 3", "operator is missing"),
    ("(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1), "nested"),
    ("+".join(["1"] * MAX_TOKENS), f"more than {MAX_TOKENS}"), ("1" * 2000, "longer than"),
    ("9" * 200, "digits"), ("99999999999^99999999999", "beyond"),
    ("(10^99)*(10^99)", "beyond"),
])
def test_refusals_are_clear(text, message):
    # A power is refused from the sizes of its operands, before it is computed: were it computed,
    # 9^9^9 would not return at all, rather than merely slowly.
    with pytest.raises(ExprError) as e:
        parse(text)
    assert message in str(e.value)


# --- hypothesis: the parser agrees with Python's arithmetic on the same numbers -------------

PLUS = ["+"]
MINUS = ["-", "−", "–"]
TIMES = ["*", "×", "x", "·"]
DIV = ["/", "÷"]


def trees(max_leaves=12):
    leaf = st.integers(min_value=0, max_value=99_999).map(lambda n: ("num", n))
    return st.recursive(leaf, lambda kids: st.one_of(
        st.tuples(st.sampled_from(["+", "-", "*", "/"]), kids, kids),
        st.tuples(st.just("^"), kids, st.integers(0, 3).map(lambda n: ("num", n))),
        st.tuples(st.just("neg"), kids),
    ), max_leaves=max_leaves)


def python_value(t):
    """Python's own arithmetic (on Fractions, so / is exact) on the tree."""
    op = t[0]
    if op == "num":
        return Fraction(t[1])
    if op == "neg":
        return -python_value(t[1])
    a, b = python_value(t[1]), python_value(t[2])
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    return a ** int(b)


def render(t, draw_symbol):
    op = t[0]
    if op == "num":
        n = t[1]
        return draw_symbol(["num"], n)
    if op == "neg":
        return f"-({render(t[1], draw_symbol)})"
    sym = {"+": PLUS, "-": MINUS, "*": TIMES, "/": DIV, "^": ["^", "**"]}[op]
    return f"({render(t[1], draw_symbol)}){draw_symbol(sym, None)}({render(t[2], draw_symbol)})"


@settings(max_examples=300, deadline=None)
@given(trees(), st.data())
def test_parser_agrees_with_python(tree, data):
    def symbol(choices, n):
        if n is not None:
            return data.draw(st.sampled_from([str(n), f"{n:,}"]))
        return data.draw(st.sampled_from(choices))

    text = render(tree, symbol)
    try:
        expected = python_value(tree)
    except ZeroDivisionError:
        with pytest.raises(ExprError):
            parse(text)
        return
    try:
        v = parse(text)
    except ExprError as e:           # only the documented bounds may refuse a valid tree
        assert "beyond" in str(e) or "more than" in str(e) or "nested" in str(e), (text, e)
        return
    assert v.value == expected and v.exact, text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789+-*/^()x×·,. KMG−", max_size=40))
def test_any_text_is_a_value_or_a_clear_error(text):
    try:
        parse(text)
    except ExprError as e:
        assert str(e)


def flat_expressions():
    """Expressions with few parentheses, so that precedence and associativity matter:
    (ours, Python's) texts of the same tokens."""
    number = st.integers(0, 9_999)
    op = st.sampled_from([("+", "+"), ("-", "-"), ("−", "-"), ("*", "*"), ("×", "*"),
                          ("x", "*"), ("·", "*"), ("/", "/"), ("÷", "/"), ("^", "**"),
                          ("**", "**")])

    @st.composite
    def expression(draw, depth=0):
        ours, py = [], []
        for i in range(draw(st.integers(1, 5))):
            if i:
                o, p = draw(op)
                ours.append(o)
                py.append(p)
                if p == "**":                       # small exponents only
                    e = draw(st.integers(0, 3))
                    neg = draw(st.booleans())
                    ours.append(("-" if neg else "") + str(e))
                    py.append(f"{'-' if neg else ''}Fraction({e})")
                    continue
            if depth < 2 and draw(st.booleans()) and draw(st.booleans()):
                o, p = draw(expression(depth + 1))
                ours.append(f"({o})")
                py.append(f"({p})")
            else:
                n = draw(number)
                neg = draw(st.booleans()) and draw(st.booleans())
                ours.append(("-" if neg else "") + draw(st.sampled_from([str(n), f"{n:,}"])))
                py.append(("-" if neg else "") + f"Fraction({n})")
        return " ".join(ours), " ".join(py)

    return expression()


@settings(max_examples=400, deadline=None)
@given(flat_expressions())
def test_precedence_is_pythons(pair):
    ours, py = pair
    try:
        expected = eval(py, {"Fraction": Fraction, "__builtins__": {}})   # the test's oracle only
    except ZeroDivisionError:
        with pytest.raises(ExprError):
            parse(ours)
        return
    try:
        v = parse(ours)
    except ExprError as e:       # the documented refusals: huge values, fractional powers
        assert "beyond" in str(e) or "whole-number" in str(e), (ours, e)
        return
    assert v.value == expected, (ours, py)
