"""Spec files: TOML in, a small graph of layer nodes out.

This is the only module that knows TOML. It checks every key and value against the layer
rules' schemas, expands blocks, repeats, variants and ``$param`` references, names every
layer, and returns a ``Network``: a list of ``Node`` records in topological order, each naming
its inputs, so multi-branch networks are graphs from the start.

The grammar (README § "Writing a spec" has the long form):

* top level: ``name``, ``description``, ``source``, ``input = [C, H, W]`` (or several named
  inputs, ``inputs = { image = [3, 224, 224], mask = [1, 224, 224] }``), ``layers``, and
  optionally ``notes``, ``[params]``, ``[defaults]``, ``[blocks.X]``, ``[variants.X]``;
* a layer is a bare string (``"relu"``) or a one-line inline table with exactly one op key
  (``{ conv = 96, k = 11, s = 4 }``) or ``use = "block"``, plus ``name``, ``n`` (repeats),
  ``first``/``last`` (overrides for the first/last repeat), ``if`` (keep only when true),
  ``from`` (the layer reads the network's input of that name, not the chain's current output) and
  ``note``; a value ``{ each = [...] }`` gives one value per repeat;
* a block has ``params``, ``defaults`` and one body: ``layers`` (a chain), ``concat``
  (parallel branches joined on channels), ``add`` (parallel branches summed element-wise) or
  ``mul`` (branch 0 scaled by per-channel gates: squeeze-and-excitation);
  ``[]`` is the identity branch, a network input's name (``concat = ["image", "mask"]``) a
  branch that is that input unchanged, ``post`` lists layers applied after the join, and ``join``
  gives the join's attributes (``join = { scale = 0.17 }`` for Inception-ResNet's scaled add);
* ``aux = true`` on a layer or ``use`` makes it a side branch (an auxiliary classifier): it reads
  the chain's current output, its rows are flagged ``aux`` (kept out of the inference totals),
  and the next layer reads the same output it did;
* ``"$x"`` is replaced by block argument or param ``x`` (a layer written ``"$act"`` is the
  kind that ``act`` names: MobileNet v3's ReLU or hard-swish); a value ``"= expression"`` is
  worked out exactly from them (``evaluate``: + − × ÷, ``ceil``, ``floor``, ``make_divisible``),
  as EfficientNet's compound scaling needs; ``input`` and ``inputs`` may use both.
"""

from __future__ import annotations

import math
import os
import re

from .bulk import without_gc
from .errors import ArchcalcError, SpecError, read_regular, suggest
from .kinds import REQUIRED, RULES
from .records import Accuracy, Groups, Record, Shape, _set

# Limits: each keeps a mistyped or hostile spec from costing unbounded time or memory, and each is
# enforced with a message that names it (README § "Limits").
MAX_REPEAT = 1_000_000        # largest ``n`` accepted
MAX_LAYERS = 1_000_000        # largest expanded network (counted before anything is built)
MAX_DEPTH = 32                # deepest nesting of blocks
MAX_SIZE = 1_000_000_000      # largest size, channel count, kernel, stride, padding or unit count
MAX_FILE_BYTES = 1_000_000    # largest spec file read (the bundled ones are under 10 kB)

TOP_KEYS = ("name", "description", "source", "input", "inputs", "layers", "notes", "params", "defaults",
            "blocks", "variants", "accuracy")
VARIANT_KEYS = ("description", "source", "input", "inputs", "layers", "notes", "params", "defaults",
                "accuracy")
ACCURACY_KEYS = ("top1", "top5", "metric", "source", "dataset", "protocol")
# Block bodies made of parallel branches, each named by the join kind that joins them.
JOINS = tuple(k for k, r in RULES.items() if r.category == "join")
BLOCK_KEYS = ("description", "params", "defaults", "layers") + JOINS + ("post", "join")
COMMON_KEYS = ("name", "n", "first", "last", "if", "note", "aux", "from")
# The one input of a network written ``input = [C, H, W]``; in ``inputs = {...}`` it names none.
SINGLE_INPUT = "input"
_NAME_START = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_"
_NAME_CHARS = frozenset(_NAME_START + "0123456789.-")


def is_input_name(name) -> bool:
    """Whether ``name`` may name one of a network's inputs (in a spec and in ``--input
    NAME=SIZE``): a letter or _, then letters, digits, _, . or -."""
    return (isinstance(name, str) and name[:1] != "" and name[0] in _NAME_START
            and _NAME_CHARS.issuperset(name))

# Long names people write for the formula's letters, so a message can point at the right key.
ALIASES = {"stride": "s", "strides": "s", "kernel": "k", "kernel_size": "k", "padding": "p",
           "pad": "p", "group": "groups", "dilation_rate": "dilation", "biases": "bias",
           "ceil_mode": "ceil", "repeat": "n", "repeats": "n"}


def _suggest_key(key: str, names) -> str:
    names = list(names)
    close = [ALIASES[a] for a in ALIASES if a == key or suggest(key, [a])] + \
        [n for n in names if suggest(key, [n])]
    close = [c for c in close if c in names]
    return f" (did you mean '{close[0]}'?)" if close else ""


class _NodeFields:
    """A ``Node``'s fields, assignable: ``new_node(...)`` is ``Node(...)`` made faster, as
    ``records.new_row`` makes a ``LayerRow`` (see there)."""

    __slots__ = ("name", "kind", "attrs", "inputs", "where", "found", "notes", "aux")

    def __init__(self, name, kind, attrs, inputs, where, found, notes=(), aux=False):
        self.name = name
        self.kind = kind
        self.attrs = attrs
        self.inputs = inputs
        self.where = where
        self.found = found
        self.notes = notes
        self.aux = aux
        self.__class__ = Node


new_node = _NodeFields


class Node(_NodeFields, Record):
    """One layer of the expanded graph. ``where`` (e.g. ``"layers[4] (conv2)"``) and ``found``
    (the spec text of the layer, as written) are for error messages; ``aux`` marks a layer in an
    auxiliary head (``aux = true``): a side branch, not in inference totals."""

    __slots__ = ()
    name: str
    kind: str
    attrs: dict
    inputs: tuple[str, ...]
    where: str
    found: "str | Found"
    notes: tuple[str, ...]
    aux: bool

    def __init__(self, name: str, kind: str, attrs: dict, inputs: tuple[str, ...], where: str,
                 found: "str | Found", notes: tuple[str, ...] = (), aux: bool = False):
        _set(self, "name", name)
        _set(self, "kind", kind)
        _set(self, "attrs", attrs)
        _set(self, "inputs", inputs)
        _set(self, "where", where)
        _set(self, "found", found)
        _set(self, "notes", notes)
        _set(self, "aux", aux)


class Network(Record):
    """An expanded network: its layers in order, and what its spec says about it. ``inputs``
    are its named inputs in order, ``((name, shape), …)``: ``(("input", shape),)`` for a spec
    written ``input = [C, H, W]`` (a ``Shape`` given here means that); ``input`` is the first
    one's shape."""

    __slots__ = ("name", "description", "source", "file", "inputs", "nodes", "notes", "accuracy",
                 "groups")
    name: str
    description: str
    source: str
    file: str
    inputs: tuple[tuple[str, Shape], ...]
    nodes: tuple[Node, ...]
    notes: tuple[str, ...]
    accuracy: Accuracy | None
    groups: Groups

    def __init__(self, name: str, description: str, source: str, file: str, inputs,
                 nodes: tuple[Node, ...], notes: tuple[str, ...] = (),
                 accuracy: Accuracy | None = None, groups: Groups | None = None):
        _set(self, "name", name)
        _set(self, "description", description)
        _set(self, "source", source)
        _set(self, "file", file)
        _set(self, "inputs", ((SINGLE_INPUT, inputs),) if isinstance(inputs, Shape)
             else tuple(inputs))
        _set(self, "nodes", nodes)
        _set(self, "notes", notes)
        _set(self, "accuracy", accuracy)
        _set(self, "groups", Groups() if groups is None else groups)

    @property
    def input(self) -> Shape:
        """The first input's shape (a one-input network's only one)."""
        return self.inputs[0][1]

    def replace(self, **changes):
        """``Record.replace``; ``input=shape`` changes the first input's shape."""
        if "input" in changes:
            x = changes.pop("input")
            changes["inputs"] = ((self.inputs[0][0], x),) + tuple(self.inputs[1:])
        return super().replace(**changes)


class NetworkInfo(Record):
    """What ``archcalc list`` shows, without expanding the graph."""

    __slots__ = ("name", "description", "source", "file")
    name: str
    description: str
    source: str
    file: str

    def __init__(self, name: str, description: str, source: str, file: str):
        _set(self, "name", name)
        _set(self, "description", description)
        _set(self, "source", source)
        _set(self, "file", file)


# --- values ----------------------------------------------------------------------------------

class Found:
    """A layer as the file wrote it, for an error's "found:" line (``Node.found``), made into
    text only when an error shows it (``str``): writing every layer out as text cost a tenth of
    reading a spec."""

    __slots__ = ("raw",)

    def __init__(self, raw):
        self.raw = raw

    def __str__(self) -> str:
        return _show(self.raw)

    def __eq__(self, other) -> bool:        # as the text it stands for (a Node compares so)
        if not isinstance(other, (Found, str)):
            return NotImplemented
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


def _show(v) -> str:
    """A value written back as TOML, for messages; a very long one is cut short."""
    return _clip(toml_text(v))


def _clip(text: str) -> str:
    """``text`` for a message: a very long one is cut short, saying how long it was."""
    return text if len(text) <= 300 else f"{text[:300]} … ({len(text):,} characters)"


def toml_text(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_text(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(toml_text(x) for x in v) + "]"
    return repr(v)


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


class BadValue(Exception):
    """A value of the wrong type or range; the caller adds the place."""


def _whole(v, lo: int, expected: str) -> int:
    """``v`` if it is a whole number from ``lo`` to MAX_SIZE; else BadValue(expected)."""
    if not _is_int(v) or v < lo:
        raise BadValue(expected)
    if v > MAX_SIZE:
        raise BadValue(f"at most {MAX_SIZE:,} (the largest size archcalc accepts)")
    return v


def _count(v, lo=1):
    return _whole(v, lo, f"a whole number ≥ {lo}")


def _pair(v, low: int = 1):
    msg = f"a whole number ≥ {low} or a pair [H, W] of them"
    if _is_int(v):
        return (_whole(v, low, msg),) * 2
    if isinstance(v, list) and len(v) == 2:
        return (_whole(v[0], low, msg), _whole(v[1], low, msg))
    raise BadValue(msg)


def _padding(v):
    if v == "same":
        return "same"
    msg = 'a whole number ≥ 0, [Ph, Pw], [top, bottom, left, right] or "same"'
    if _is_int(v):
        return (_whole(v, 0, msg),) * 4
    if isinstance(v, list) and all(_whole(x, 0, msg) is x for x in v):
        if len(v) == 2:
            return (v[0], v[0], v[1], v[1])
        if len(v) == 4:
            return tuple(v)
    raise BadValue(msg)


def _bool(v):
    if not isinstance(v, bool):
        raise BadValue("true or false")
    return v


def _number(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
        raise BadValue("a number ≥ 0")
    if v > MAX_SIZE:
        raise BadValue(f"at most {MAX_SIZE:,} (the largest number archcalc accepts)")
    return v


def _real(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise BadValue("a number")
    if abs(v) > MAX_SIZE:
        raise BadValue(f"at most {MAX_SIZE:,} either side of 0 (the largest number archcalc "
                       "accepts)")
    return v


def _reals(v):
    """A number, or a list of them (one per channel: a per-channel scale), kept as a tuple."""
    if isinstance(v, list):
        if not v:
            raise BadValue("a number or a non-empty list of numbers (one per channel)")
        try:
            return tuple(_real(x) for x in v)
        except BadValue as e:
            raise BadValue(f"a number or a list of numbers (one per channel), each {e}") from None
    return _real(v)


def _connections(v):
    msg = "a list with, for each output map, the list of input maps it sees: [[0, 1, 2], …]"
    if not isinstance(v, list) or not v:
        raise BadValue(msg)
    rows = []
    for row in v:
        if (not isinstance(row, list) or not row
                or not all(_is_int(i) and 0 <= i <= MAX_SIZE for i in row)
                or len(set(row)) != len(row)):
            raise BadValue(msg + " (each row non-empty, without repeats)")
        rows.append(tuple(row))
    return tuple(rows)


def _text(v):
    if not isinstance(v, str):
        raise BadValue("a string")
    return v


CHECKERS = {"count": _count, "count0": lambda v: _count(v, 0), "pair": _pair, "pair0": lambda v: _pair(v, 0), "padding": _padding, "bool": _bool,
            "number": _number, "real": _real, "reals": _reals, "connections": _connections, "text": _text}


def _toml_value(text: str):
    """A ``--set`` value: TOML (``10``, ``true``, ``[2, 2]``, ``"x"``), or else the bare text."""
    import tomllib

    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):  # a 5,000-digit number, [[[…
        return text


def _type_name(v) -> str:
    if isinstance(v, bool):
        return "true or false"
    if _is_int(v):
        return "a whole number"
    if isinstance(v, float):
        return "a number"
    if isinstance(v, list):
        return "a list"
    return "a string" if isinstance(v, str) else type(v).__name__


# --- arithmetic: "= expression" values -------------------------------------------------------
# A value written "= …" is worked out from params and block arguments, exactly (fractions): the
# compound scaling of EfficientNet ("= make_divisible($c * $width, 8)", "= ceil($n * $depth)").
# Only what the grammar below allows is read (Python's parser gives the tree, nothing runs).

MAX_EXPRESSION = 300          # longest expression accepted, in characters


def _make_divisible(x: Fraction, d: Fraction) -> Fraction:
    """TensorFlow's and torchvision's rounding of a width to a multiple of ``d``: the nearest
    multiple (halves up), at least ``d``, and one ``d`` more where that lost over 10 % of ``x``."""
    if d <= 0 or d.denominator != 1:
        raise BadValue("make_divisible's divisor must be a whole number ≥ 1")
    new = max(d, math.floor(x + d / 2) // d * d)
    return new + d if new < Fraction(9, 10) * x else new


_FUNCTIONS = {
    "ceil": (1, lambda x: Fraction(math.ceil(x))),
    "floor": (1, lambda x: Fraction(math.floor(x))),
    "make_divisible": (2, _make_divisible),
}
_OPERATORS = {"Add": lambda a, b: a + b, "Sub": lambda a, b: a - b,
              "Mult": lambda a, b: a * b, "Div": lambda a, b: a / b,
              "FloorDiv": lambda a, b: Fraction(a // b)}


def is_expression(v) -> bool:
    return isinstance(v, str) and v.startswith("=")


def evaluate(text: str, values) -> int | float:
    """The value of ``"= expression"``: numbers, ``$name`` (looked up with ``values(name)``,
    ``None`` when unknown), ``+ - * / //``, parentheses, ``ceil``, ``floor`` and
    ``make_divisible(x, d)``. A whole result is an int, another a float (which a count then
    refuses, naming it). BadValue says what is wrong."""
    global Fraction             # only a spec with expressions pays for these (start-up); the
    import ast                  # arithmetic above (_FUNCTIONS, _OPERATORS) uses Fraction too
    from fractions import Fraction

    body = text[1:].strip()
    if len(body) > MAX_EXPRESSION:
        raise BadValue(f"an expression of at most {MAX_EXPRESSION} characters")
    names = {}

    def name(m):
        names[f"_{m.group(1)}"] = m.group(1)
        return f"_{m.group(1)}"
    try:
        tree = ast.parse(re.sub(r"\$([A-Za-z_][A-Za-z0-9_]*)", name, body), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise BadValue("an expression: numbers, $params, + - * / //, ( ), ceil(x), floor(x), "
                       "make_divisible(x, d)") from None

    def go(n):
        if isinstance(n, ast.Constant) and type(n.value) in (int, float):
            return Fraction(str(n.value))
        if isinstance(n, ast.Name) and n.id in names:
            v = values(names[n.id])
            if v is None:
                raise BadValue(f"a known param or argument, not ${names[n.id]}")
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise BadValue(f"numbers: ${names[n.id]} is {_show(v)}")
            return Fraction(str(v)) if isinstance(v, float) else Fraction(v)
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
            x = go(n.operand)
            return -x if isinstance(n.op, ast.USub) else x
        if isinstance(n, ast.BinOp) and type(n.op).__name__ in _OPERATORS:
            a, b = go(n.left), go(n.right)
            if isinstance(n.op, (ast.Div, ast.FloorDiv)) and b == 0:
                raise BadValue("no division by zero")
            out = _OPERATORS[type(n.op).__name__](a, b)
            if abs(out) > MAX_SIZE ** 2:
                raise BadValue(f"values of at most {MAX_SIZE ** 2:,} along the way")
            return out
        if (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in _FUNCTIONS
                and not n.keywords and len(n.args) == _FUNCTIONS[n.func.id][0]):
            return _FUNCTIONS[n.func.id][1](*(go(a) for a in n.args))
        raise BadValue("an expression: numbers, $params, + - * / //, ( ), ceil(x), floor(x), "
                       "make_divisible(x, d)")
    out = go(tree.body)
    return int(out) if out.denominator == 1 else float(out)


def lookup(env: dict, params: dict):
    """``values`` for ``evaluate``: a block argument or param by name, a param that is itself an
    expression worked out first (``c2 = "= make_divisible(16 * $width, 8)"``); a param that
    refers back to itself is an error."""
    busy: set[str] = set()

    def get(k):
        v = env[k] if k in env else params.get(k)
        if is_expression(v):
            if k in busy:
                raise BadValue(f"params that do not refer back to themselves (${k} does)")
            busy.add(k)
            try:
                return evaluate(v, get)
            finally:
                busy.discard(k)
        return v
    return get


# --- loading files ---------------------------------------------------------------------------

def specs_dir() -> str:
    """The bundled specs: inside the package when installed, beside it in a checkout."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # archcalc/
    for d in (os.path.join(package, "specs"), os.path.join(os.path.dirname(package), "specs")):
        if os.path.isdir(d):
            return d
    return os.path.join(package, "specs")


def is_bundled(path: str) -> bool:
    """Whether ``path`` is one of archcalc's own spec files (``specs_dir()``)."""
    return os.path.dirname(os.path.abspath(path)) == os.path.abspath(specs_dir())


def read_toml(path: str) -> dict:
    """The spec file ``path`` parsed; a bundled one from its cache when the file is unchanged."""
    bundled = is_bundled(path)
    if bundled:
        key, data = _cached(path)
        if data is not None:
            return data
    try:
        raw = read_regular(path, MAX_FILE_BYTES)
    except OSError as e:
        raise SpecError(f"cannot read the file ({e.strerror})", file=path) from None
    if len(raw) > MAX_FILE_BYTES:
        raise SpecError(f"the file is larger than {MAX_FILE_BYTES:,} bytes, the largest spec "
                        "archcalc reads", file=path)
    try:
        text = raw.decode("utf-8-sig")     # a byte-order mark, as some editors write, is skipped
    except UnicodeDecodeError as e:
        raise SpecError(f"the file is not UTF-8 text (byte {e.start} is 0x{raw[e.start]:02x})",
                        file=path) from None
    data = parse_toml(text, path)
    if bundled and key is not None:
        _cache(path, key, data)
    return data


# A bundled spec file's parsed content is kept, as CPython keeps a module's bytecode, in
# ``__pycache__`` beside it (``vgg.toml`` → ``__pycache__/vgg.toml.marshal``), with the file's
# modification time and size: reading it back costs a tenth of a millisecond, where importing
# tomllib and parsing the file cost about 8 ms of ``archcalc table``'s start-up (BENCHMARKS.md,
# issue 12). A changed file is parsed again; a cache that cannot be read or written is ignored.
# Only the bundled files (specs_dir()): archcalc writes nothing beside a user's own spec.
_CACHE_FORMAT = 1


def _cache_path(path: str) -> str:
    return os.path.join(os.path.dirname(path), "__pycache__", os.path.basename(path) + ".marshal")


def _cached(path: str) -> tuple[tuple | None, dict | None]:
    """(the file's key, its cached content if the cache matches it, else None)."""
    import marshal

    try:
        st = os.stat(path)
    except OSError:
        return None, None
    key = (_CACHE_FORMAT, st.st_mtime_ns, st.st_size)
    try:
        with open(_cache_path(path), "rb") as f:
            saved, data = marshal.loads(f.read())   # load(f) reads piece by piece: 8× slower
    except (OSError, EOFError, ValueError, TypeError):
        return key, None
    return key, (data if saved == key and isinstance(data, dict) else None)


def _cache(path: str, key: tuple, data: dict) -> None:
    import marshal

    target = _cache_path(path)
    tmp = f"{target}.{os.getpid()}.tmp"
    try:
        blob = marshal.dumps((key, data))       # ValueError for a value marshal cannot keep
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(blob)
        os.replace(tmp, target)
    except (OSError, ValueError):
        try:
            os.remove(tmp)
        except OSError:
            pass


def parse_toml(text: str, file: str) -> dict:
    """TOML text → a dict, each failure a ``SpecError`` at ``file:line:column``."""
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise _toml_error(file, text, e) from None
    except RecursionError:
        raise SpecError("not valid TOML: arrays or tables nested too deeply", file=file) from None
    except ValueError as e:     # tomllib turns digits into an int: Python caps that at 4,300
        raise SpecError(f"not valid TOML: a number is too long to read ({e})".split(
            "; use sys.")[0] + ")", file=file) from None


def from_text(text: str, file: str = "spec.toml") -> "SpecFile":
    """A spec given as text (the web app's editor), under the limits of a spec file; ``file``
    is the name its messages give."""
    size = len(text) if len(text) > MAX_FILE_BYTES else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        raise SpecError(f"the spec is larger than {MAX_FILE_BYTES:,} bytes, the largest spec "
                        "archcalc reads", file=file)
    return SpecFile(file, parse_toml(text, file))


def _toml_error(file: str, text: str, e: Exception) -> SpecError:
    from .printable import printable

    msg = str(e)
    m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
    if not m:
        return SpecError(f"not valid TOML: {msg}", file=file)
    line, col = int(m.group(1)), int(m.group(2))
    lines = text.splitlines()
    shown = lines[line - 1] if 0 < line <= len(lines) else ""
    hint = ""
    before = "\n".join(lines[:line - 1]) + "\n" + shown[:col - 1]
    if before.count("{") > before.count("}"):
        hint = "a `{ ... }` layer stays on one line (TOML inline tables cannot span lines)"
    # The line as printable text (a control character in it shown escaped, never sent to the
    # terminal raw), the caret under the same character.
    caret = len(printable(shown[:col - 1]))
    return SpecError(f"not valid TOML: {msg[:m.start()].strip()}", file=f"{file}:{line}:{col}",
                     found=f"{printable(shown)}\n         {' ' * caret}^", hint=hint)


class SpecFile:
    """One parsed spec file, with its networks (the variants, or the file's one network)."""

    def __init__(self, path: str, data: dict | None = None):
        self.path = path
        self.file = path
        self.data = read_toml(path) if data is None else data
        d = self.data
        self._keys(d, TOP_KEYS, "the top level")
        # A bundled spec names its source and describes itself (README § Writing a spec); a
        # user's own need not: the table then says "no source given".
        self.bundled = is_bundled(path)
        required = ("name", "description", "source") if self.bundled else ("name",)
        for key in required:
            if key not in d and not (key != "name" and "variants" in d):
                raise self.error(f"missing required key '{key}'", "the top level")
        variants = d.get("variants")
        for key in ("input", "layers"):
            keys = (key, key + "s") if key == "input" else (key,)
            every = (isinstance(variants, dict) and variants
                     and all(isinstance(v, dict) and any(k in v for k in keys)
                             for v in variants.values()))
            if not any(k in d for k in keys) and not every:
                raise self.error(f"missing required key '{key}'" + (
                    " (or 'inputs')" if key == "input" else "") + (
                    " (at the top level, or in every variant)" if variants else ""),
                    "the top level")
        if "input" in d and "inputs" in d:
            raise self.error("give 'input' (one input) or 'inputs' (several, named), not both",
                             "the top level",
                             hint="inputs = { image = [3, 224, 224], mask = [1, 224, 224] }")
        self.family = self._str(d, "name", "name")
        variants = d.get("variants")
        if variants is None:
            self.variants = {self.family: {}}
        else:
            if not isinstance(variants, dict) or not variants:
                raise self.error("expected a table of variants, [variants.NAME]", "variants",
                                 found=_show(variants))
            self.variants = {}
            for vname, v in variants.items():
                where = f"variants.{vname}"
                if not isinstance(v, dict):
                    raise self.error("expected a table", where, found=_show(v))
                self._keys(v, VARIANT_KEYS, where)
                if "input" in v and "inputs" in v:
                    raise self.error("give 'input' (one input) or 'inputs' (several, named), "
                                     "not both", where)
                for key in required[1:]:
                    if key not in v and key not in d:
                        raise self.error(f"missing required key '{key}' (in the variant, or at "
                                         "the top level for all variants)", where)
                self.variants[vname] = v

    # -- small checks
    def error(self, message: str, where: str = "", found: str = "", hint: str = "") -> SpecError:
        return SpecError(message, file=self.file, where=where, found=found, hint=hint)

    def _keys(self, table: dict, allowed, where: str) -> None:
        for k in table:
            if k not in allowed:
                raise self.error(f"unknown key '{k}'{suggest(k, allowed)}", where,
                                 hint="allowed here: " + ", ".join(allowed))

    def _str(self, table, key, where) -> str:
        v = table.get(key, "")
        if not isinstance(v, str):
            raise self.error(f"'{key}' must be a string", where, found=_show(v))
        return v

    # -- networks
    def infos(self) -> list[NetworkInfo]:
        out = []
        for vname, v in self.variants.items():
            out.append(NetworkInfo(
                vname, self._str(v, "description", f"variants.{vname}") if "description" in v
                else self._str(self.data, "description", "description"),
                self._str(v, "source", f"variants.{vname}") if "source" in v else
                self._str(self.data, "source", "source"), self.file))
        return out

    @without_gc
    def network(self, name: str, input_override: Shape | None = None,
                overrides: dict[str, str] | None = None) -> Network:
        """The network ``name``; ``overrides`` (``--set NAME=VALUE``, values as TOML text)
        replace declared params after the variant's own."""
        if name not in self.variants:
            raise ArchcalcError(f"{self.file} has no network '{name}'{suggest(name, self.variants)}"
                                f"; it has: {', '.join(self.variants)}")
        v = self.variants[name]
        info = next(i for i in self.infos() if i.name == name)
        vwhere = f"variants.{name}." if v else ""
        params = self._params(v, vwhere)
        if overrides:
            params = {**params, **self._overrides(params, overrides, name)}
        defaults = self._defaults(v, vwhere)
        inputs = self._inputs(v, vwhere, params)
        if input_override is not None:
            inputs = ((inputs[0][0], input_override),) + inputs[1:]
        notes = self.data.get("notes", [])
        notes = list(notes) if isinstance(notes, list) else [notes]
        vnotes = v.get("notes", [])
        notes += list(vnotes) if isinstance(vnotes, list) else [vnotes]
        if not all(isinstance(n, str) for n in notes):
            raise self.error("'notes' must be a string or a list of strings", "notes")
        layers = v["layers"] if "layers" in v else self.data["layers"]
        lwhere = vwhere + "layers" if "layers" in v else "layers"
        ex = _Expander(self, params, defaults, inputs)
        ex.size(layers, lwhere, env={}, stack=())
        ex.chain(layers, lwhere, prefix="", src=inputs[0][0], env={}, stack=())
        if len(inputs) > 1:
            ex.unread(lwhere)
        return Network(name, info.description, info.source, self.file, inputs,
                       tuple(ex.nodes), tuple(notes), self._accuracy(v, vwhere),
                       Groups(ex.repeats, ex.uses, ex.stages))

    def declared(self, name: str) -> dict:
        """The params that network ``name`` declares, with its values (what ``--set`` may
        change)."""
        v = self.variants[name]
        return self._params(v, f"variants.{name}." if v else "")

    def _params(self, v: dict, vwhere: str) -> dict:
        base = self.data.get("params", {})
        if not isinstance(base, dict):
            raise self.error("expected a table of params", "params", found=_show(base))
        over = v.get("params", {})
        if not isinstance(over, dict):
            raise self.error("expected a table of params", vwhere + "params", found=_show(over))
        for k in over:
            if k not in base:
                raise self.error(f"unknown param '{k}'{suggest(k, base)}", vwhere + "params",
                                 hint="a variant may only change params that [params] declares")
        return {**base, **over}

    def _accuracy(self, v: dict, vwhere: str) -> Accuracy | None:
        """``accuracy = { top1 = 71.592, top5 = 90.382, metric = "accuracy", source = "…" }``:
        the network's own published result (a family's networks each carry their own)."""
        if "accuracy" in self.data and "variants" in self.data:
            raise self.error("a file with variants gives each variant its own accuracy",
                             "accuracy")
        acc = v.get("accuracy", self.data.get("accuracy"))
        if acc is None:
            return None
        where = vwhere + "accuracy"
        if not isinstance(acc, dict):
            raise self.error("expected { top1 = …, top5 = …, metric = \"accuracy\" or "
                             "\"error\", source = \"…\" }", where, found=_show(acc))
        self._keys(acc, ACCURACY_KEYS, where)
        if acc.get("metric") not in ("accuracy", "error"):
            raise self.error('metric must be "accuracy" or "error"', where,
                             found=_show(acc.get("metric")))
        if not isinstance(acc.get("source"), str) or not acc["source"]:
            raise self.error("every published figure needs its source (source = \"…\")", where)
        for key, example in (("dataset", "ImageNet val"), ("protocol", "1 crop")):
            if key in acc and not isinstance(acc[key], str):
                raise self.error(f'{key} must be text, e.g. {key} = "{example}"', where,
                                 found=_show(acc[key]))
        values = []
        for key in ("top1", "top5"):
            x = acc.get(key)
            if x is not None and (isinstance(x, bool) or not isinstance(x, (int, float))
                                  or not 0 <= x <= 100):
                raise self.error(f"{key} must be a percentage from 0 to 100", where,
                                 found=_show(x))
            values.append(None if x is None else float(x))
        if values == [None, None]:
            raise self.error("give top1, top5 or both", where)
        return Accuracy(values[0], values[1], acc["metric"], acc["source"],
                        acc.get("dataset", ""), acc.get("protocol", ""))

    def _overrides(self, params: dict, overrides: dict[str, str], name: str) -> dict:
        """``--set`` values, each read as a TOML value and of its param's declared type."""
        declared = ", ".join(f"{k} = {_show(v)}" for k, v in params.items()) or "none"
        out = {}
        for key, text in overrides.items():
            given = _clip(f"{key}={text}")
            if key not in params:
                raise ArchcalcError(
                    f"--set {given}: {name} has no param '{_clip(key)}'{suggest(key, params)}; "
                    f"its declared params are: {declared}")
            value = _toml_value(text)
            want = params[key]
            ok = (type(value) is type(want) or
                  (isinstance(want, float) and _is_int(value)))
            if not ok:
                raise ArchcalcError(
                    f"--set {given}: expected {_type_name(want)} like the declared "
                    f"{key} = {_show(want)}, found {_type_name(value)} {_show(value)}")
            out[key] = float(value) if isinstance(want, float) else value
        return out

    def _defaults(self, v: dict, vwhere: str) -> dict:
        out: dict[str, dict] = {}
        for where, table in (("defaults", self.data.get("defaults", {})),
                             (vwhere + "defaults", v.get("defaults", {}))):
            if not isinstance(table, dict):
                raise self.error("expected a table: kind = { attr = value }", where)
            for kind, attrs in table.items():
                if kind not in RULES:
                    raise self.error(f"unknown layer kind '{kind}'{suggest(kind, RULES)}", where)
                if not isinstance(attrs, dict):
                    raise self.error("expected a table of attributes", f"{where}.{kind}",
                                     found=_show(attrs))
                names = [a.name for a in RULES[kind].attrs]
                for a in attrs:
                    if a not in names:
                        raise self.error(f"'{kind}' has no attribute '{a}'{suggest(a, names)}",
                                         f"{where}.{kind}")
                out.setdefault(kind, {}).update(attrs)
        return out

    def _inputs(self, v: dict, vwhere: str, params: dict) -> tuple[tuple[str, Shape], ...]:
        """The network's inputs: ``input = [C, H, W]`` (one, named ``input``) or ``inputs = {
        image = [3, 224, 224], mask = [1, 224, 224] }`` (several, named, in order), the
        variant's own or else the top level's."""
        table = v if ("input" in v or "inputs" in v) else self.data
        where = vwhere if table is v else ""
        if "input" in table:
            return ((SINGLE_INPUT, self._input(table["input"], where + "input", params)),)
        given = table["inputs"]
        where += "inputs"
        example = "inputs = { image = [3, 224, 224], mask = [1, 224, 224] }"
        if not isinstance(given, dict) or not given:
            raise self.error("expected a table of named inputs, each [C, H, W]", where,
                             found=_show(given), hint=example)
        out = []
        for name, shape in given.items():
            if not is_input_name(name):
                raise self.error(f"an input's name is a letter or _ then letters, digits, _, . "
                                 f"or -, found '{_clip(name)}'", where, hint=example)
            if name == SINGLE_INPUT and len(given) > 1:
                raise self.error(f"'{SINGLE_INPUT}' is the name of a network's one input "
                                 "(input = [C, H, W]); name each of several inputs for what it "
                                 "holds", where, hint=example)
            out.append((name, self._input(shape, f"{where}.{name}", params)))
        return tuple(out)

    def _input(self, v, where: str, params: dict | None = None) -> Shape:
        """``input = [C, H, W]``; each may be a ``"$param"`` or an ``"= expression"`` of the
        params (EfficientNet's resolution: ``input = [3, "$res", "$res"]``)."""
        msg = "expected [C, H, W], three whole numbers ≥ 1"
        if not isinstance(v, list) or len(v) != 3:
            raise self.error(msg, where, found=_show(v))
        params = params or {}
        try:
            get = lookup({}, params)
            v = [get(x[1:]) if isinstance(x, str) and x.startswith("$") else
                 evaluate(x, get) if is_expression(x) else x for x in v]
            return Shape(*(_whole(x, 1, msg) for x in v))
        except BadValue as e:
            raise self.error(str(e) if str(e) == msg else f"{msg}, each {e}", where,
                             found=_show(v)) from None


# --- expansion -------------------------------------------------------------------------------

class _Instance:
    """One layer or block instance before it is named and emitted (changed as it is: a plain
    class). ``op`` is a kind in RULES, or "use"; ``item`` the substituted values; ``auto`` the
    base for an automatic name; ``aux`` a side branch, whose output the chain does not move past;
    ``sugar`` the BN row that ``bn = true`` adds, which reads the previous row; ``source`` the
    network input it reads (``from = "mask"``), or "" for the chain's current output."""

    __slots__ = ("op", "item", "name", "where", "found", "block", "notes", "auto", "assigned",
                 "aux", "sugar", "repeat", "repeats", "source")

    def __init__(self, op: str, item: dict, name: str | None, where: str, found: str,
                 block: str = "", notes: tuple[str, ...] = (), auto: str = "", assigned: str = "",
                 aux: bool = False, sugar: bool = False, repeat: str = "", repeats: int = 0):
        self.op, self.item, self.name, self.where, self.found = op, item, name, where, found
        self.block, self.notes, self.auto, self.assigned = block, notes, auto, assigned
        self.aux, self.sugar = aux, sugar
        # the item's name where it repeats (``n``): NAME_1 … NAME_n, and its ``n`` (rollups)
        self.repeat, self.repeats = repeat, repeats
        self.source = ""


def _is_each(v) -> bool:
    """``{ each = [...] }``: one value per repeat of a repeated layer (PyramidNet's widths)."""
    return isinstance(v, dict) and list(v) == ["each"]


def _ops(item: dict) -> list[str]:
    """The layer kinds named in an item; a kind that is also an attribute of the other kind
    there (``bn`` on a conv) is an attribute."""
    kinds = [k for k in item if k in RULES]
    if len(kinds) > 1:
        kinds = [k for k in kinds
                 if all(o == k or o in {a.name for a in RULES[k].attrs} for o in kinds)]
    return kinds


class _Expander:
    def __init__(self, spec: SpecFile, params: dict, defaults: dict,
                 inputs: tuple = ((SINGLE_INPUT, None),)):
        self.spec = spec
        # the network's inputs' names: a layer may read one (``from``) and none may take one
        # ("input" is never a layer's name, whatever the inputs are called)
        self.inputs = tuple(n for n, _ in inputs)
        self.reserved = frozenset(self.inputs + (SINGLE_INPUT,))
        self.params = params
        self.defaults = defaults
        self.nodes: list[Node] = []
        # Where rows group (rollups): a repeat's instance path → the repeat's path (conv3_2 →
        # conv3), and a block instance's path → its block (conv3_2 → bottleneck).
        self.repeats: dict[str, str] = {}
        self.uses: dict[str, str] = {}
        self.stages: dict[str, int] = {}
        self._sizes: dict[tuple, int] = {}     # (block, its arguments) → layers; see size()
        self._built: dict[tuple, object] = {}  # see cached()
        self._uses: dict[tuple, tuple] = {}    # see use()
        blocks = spec.data.get("blocks", {})
        if not isinstance(blocks, dict):
            raise spec.error("expected tables [blocks.NAME]", "blocks")
        self.blocks = blocks

    def err(self, message, where, found="", hint="") -> SpecError:
        if isinstance(found, Found):
            found = str(found)
        return self.spec.error(message, where, found, hint)

    def too_many(self, where, found="") -> SpecError:
        return self.err(f"the network would have more than {MAX_LAYERS:,} layers, the most "
                        "archcalc accepts", where, found,
                        hint="check the repeat counts 'n' here and in the blocks this uses")

    # -- size: counted before anything is built
    def size(self, items, where: str, env: dict, stack: tuple) -> int:
        """How many layers ``items`` expand to, counted without building them, so that nested
        repeats (10**6 copies of a block that repeats 10**6 times) are refused at once. Items
        that are malformed count as one layer: the expansion itself reports what is wrong."""
        total = 0
        for i, raw in enumerate(items if isinstance(items, list) else ()):
            total += self._item_size(raw, env, stack)
            if total > MAX_LAYERS:
                raise self.too_many(f"{where}[{i}]", _show(raw))
        return total

    def _item_size(self, raw, env: dict, stack: tuple) -> int:
        if not isinstance(raw, dict):
            return 1

        def value(v):
            try:
                if isinstance(v, str) and v.startswith("$"):
                    return lookup(env, self.params)(v[1:])
                if is_expression(v):
                    return evaluate(v, lookup(env, self.params))
            except BadValue:
                return None             # the expansion reports it, at its place
            return v

        n = value(raw.get("n", 1))
        if value(raw.get("if", True)) is False or not _is_int(n) or not 0 <= n <= MAX_REPEAT:
            return 0
        item = {k: value(v) for k, v in raw.items() if k not in ("first", "last", "n", "if")}
        over = {k: {a: value(v) for a, v in raw[k].items()} if isinstance(raw.get(k), dict)
                else {} for k in ("first", "last")}
        kinds = ["use"] if "use" in raw else _ops(raw)

        def one(extra: dict) -> int:
            """The layers of one repeat, with the first/last overrides in ``extra``."""
            this = {**item, **extra}
            if kinds == ["use"]:
                args = {k: v for k, v in this.items()
                        if k not in ("use", "name", "note", "aux", "from")}
                return self._block_size(this.get("use"), args, stack)
            if len(kinds) != 1 or "bn" not in {a.name for a in RULES[kinds[0]].attrs}:
                return 1
            bn = this["bn"] if "bn" in this else self.defaults.get(kinds[0], {}).get("bn")
            return 1 + (bn is True)        # `bn = true` adds a batch-norm row

        if n <= 1:
            return n * one({**over["first"], **over["last"]})
        return one(over["first"]) + (n - 2) * one({}) + one(over["last"])

    def _block_size(self, bid, args: dict, stack: tuple) -> int:
        block = self.blocks.get(bid) if isinstance(bid, str) else None
        if not isinstance(block, dict) or bid in stack or len(stack) >= MAX_DEPTH:
            return 1
        defaults = block.get("defaults")
        env = {**defaults, **args} if isinstance(defaults, dict) else args
        key = (bid, repr(sorted(env.items())))
        if key not in self._sizes:
            stack, where = stack + (bid,), f"blocks.{bid}"
            if "layers" in block:
                size = self.size(block["layers"], where + ".layers", env, stack)
            else:
                join = next((j for j in JOINS if isinstance(block.get(j), list)), None)
                branches = block[join] if join else []
                size = 1 + self.size(block.get("post", []), where + ".post", env, stack) + sum(
                    self.size(b, f"{where}.{join}[{j}]", env, stack)
                    for j, b in enumerate(branches))
            self._sizes[key] = size
        return self._sizes[key]

    # -- substitution
    def subst(self, v, env: dict, where: str, found: str):
        if isinstance(v, str) and v.startswith("$"):
            key = v[1:]
            if key in env or key in self.params:
                try:
                    return lookup(env, self.params)(key)
                except BadValue as e:
                    raise self.err(f"cannot work out {v}: expected {e}", where, found) from None
            known = list(env) + list(self.params)
            raise self.err(f"unknown parameter '{v}'{suggest(key, known)}", where, found,
                           hint=("known here: " + ", ".join("$" + k for k in known)) if known
                           else "declare it in [params] or in the block's params")
        if is_expression(v):
            try:
                return evaluate(v, lookup(env, self.params))
            except BadValue as e:
                raise self.err(f"cannot work out {_show(v)}: expected {e}", where, found) from None
        if isinstance(v, list):
            return [self.subst(x, env, where, found) for x in v]
        if _is_each(v):
            return {"each": self.subst(v["each"], env, where, found)}
        return v

    # -- instances of one chain
    def instances(self, items, where: str, env: dict, stack: tuple) -> list[_Instance]:
        if not isinstance(items, list):
            raise self.err("expected a list of layers", where, _show(items))
        out: list[_Instance] = []
        for i, raw in enumerate(items):
            here = f"{where}[{i}]"
            found = Found(raw)
            if isinstance(raw, str) and raw.startswith("$"):
                raw = self.subst(raw, env, here, found)     # "$act": a kind given as a param
            if isinstance(raw, str):
                raw = {raw: None} if raw in RULES else raw
            if isinstance(raw, str):
                raise self.err(f"unknown layer kind '{raw}'{suggest(raw, RULES)}", here, found,
                               hint="layer kinds: " + ", ".join(RULES))
            if not isinstance(raw, dict):
                raise self.err('expected a layer: "relu" or { conv = 64, k = 3 }', here, found)
            item = {k: (v if k in ("first", "last") else self.subst(v, env, here, found))
                    for k, v in raw.items()}
            ops = ["use"] if "use" in item else _ops(item)
            if len(ops) != 1:
                unknown = [k for k in item if k not in COMMON_KEYS and k not in RULES
                           and k != "use"]
                if not ops and unknown:
                    raise self.err(f"unknown layer kind '{unknown[0]}'"
                                   f"{suggest(unknown[0], list(RULES) + ['use'])}", here, found)
                raise self.err("expected exactly one layer kind (or 'use') in a layer, found "
                               + (", ".join(ops) if ops else "none"), here, found)
            op = ops[0]
            name = item.get("name")
            if name is not None and (not isinstance(name, str) or not name or "/" in name):
                raise self.err("'name' must be a non-empty string without '/'", here, found)
            here = f"{here} ({name})" if name else here
            keep = item.get("if", True)
            if not isinstance(keep, bool):
                raise self.err("'if' must be true or false", here, found)
            aux = item.get("aux", False)
            if not isinstance(aux, bool):
                raise self.err("'aux' must be true or false", here, found,
                               hint="aux = true marks an auxiliary head: a side branch that reads "
                                    "the chain here and is left out of the inference totals")
            if not keep:
                continue
            source = item.get("from", "")
            if "from" in item and source not in self.inputs:
                names = ", ".join(f"'{i}'" for i in self.inputs)
                raise self.err(f"'from' names one of the network's inputs ({names}), found "
                               f"{_show(source)}"
                               f"{suggest(source, self.inputs) if isinstance(source, str) else ''}",
                               here, found,
                               hint="from = \"NAME\" makes the layer read that input instead of "
                                    "the previous layer's output")
            n = item.get("n", 1)
            if not _is_int(n) or n < 0:
                raise self.err("'n' (repeats) must be a whole number ≥ 0", here, found)
            if n > MAX_REPEAT:
                raise self.err(f"'n' = {n:,} is more than the {MAX_REPEAT:,} repeats archcalc "
                               "accepts", here, found)
            note = item.get("note")
            if note is not None and not isinstance(note, str):
                raise self.err("'note' must be a string", here, found)
            for key in ("first", "last"):
                if key in item and not isinstance(item[key], dict):
                    raise self.err(f"'{key}' must be a table of overrides", here, found)
            each = {k: v["each"] for k, v in item.items() if _is_each(v)}
            for k, values in each.items():
                if not isinstance(values, list) or len(values) != n:
                    got = (f"{len(values)} value{'s' * (len(values) != 1)}"
                           if isinstance(values, list) else _show(values))
                    raise self.err(f"'{k} = {{ each = [...] }}' needs a list of one value per "
                                   f"repeat: n = {n}, found {got}", here, found)
            notes = (note,) if note else ()
            plain = None        # the checked attributes a repeat without overrides shares
            for r in range(n):
                over = {}
                if r == 0:
                    over.update(item.get("first", {}))
                if r == n - 1:
                    over.update(item.get("last", {}))
                iname = (f"{name}_{r + 1}" if "n" in item else name) if name else None
                if plain is not None and not over and not each:
                    # A repeat like the last: the same checked values (a million repeats of a
                    # layer are checked once, and share one attribute table).
                    inst = _Instance(op, plain[0].item, iname, here, found, plain[0].block,
                                     notes, plain[0].auto, aux=aux, repeat=plain[0].repeat,
                                     repeats=n)
                    out.append(inst)
                    if plain[1] is not None:
                        out.append(_Instance("bn", plain[1].item, None, here, found,
                                             auto="bn", aux=aux, sugar=True,
                                             repeat=plain[0].repeat, repeats=n))
                    continue
                this = {k: each[k][r] if k in each else v for k, v in item.items()
                        if k not in ("first", "last", "n", "if")}
                for k, v in over.items():
                    this[k] = self.subst(v, env, here, found)
                inst = _Instance(op, this, iname, here, found, notes=notes, aux=aux,
                                 repeat=name if name and "n" in item else "", repeats=n)
                if r == 0:
                    inst.source = source     # the first repeat reads it; the others, the chain
                sugar = None
                if op == "use":
                    inst.block = self.block_name(this["use"], here, found)
                    inst.auto = inst.block
                    out.append(inst)
                else:
                    inst.auto = op
                    out.append(inst)
                    attrs = self.check_attrs(op, this, here, found)
                    inst.item = attrs
                    if attrs.get("bn"):
                        sugar = _Instance("bn", self.check_attrs("bn", {"bn": None}, here,
                                                                 found),
                                          None, here, found, auto="bn", aux=aux, sugar=True,
                                          repeat=inst.repeat, repeats=n)
                        out.append(sugar)
                if not over and not each:
                    plain = (inst, sugar)
            if len(out) > MAX_LAYERS:
                raise self.too_many(here, found)
        return out

    def block_name(self, v, where, found) -> str:
        if not isinstance(v, str) or v not in self.blocks:
            raise self.err(f"unknown block '{v}'{suggest(v, self.blocks)}", where, found,
                           hint=("blocks in this file: " + ", ".join(self.blocks))
                           if self.blocks else "define it as [blocks.NAME]")
        return v

    def check_attrs(self, op: str, item: dict, where: str, found: str) -> dict:
        rule = RULES[op]
        allowed = {a.name: a for a in rule.attrs}
        for k in item:
            if k not in allowed and k != op and k not in COMMON_KEYS:
                names = list(allowed) + list(COMMON_KEYS)
                raise self.err(f"'{op}' has no attribute '{k}'{_suggest_key(k, names)}", where,
                               found,
                               hint=f"{op} takes: " + ", ".join(
                                   [op] * (rule.main is not None) + list(allowed)))
        out = {}
        specs = ([rule.main] if rule.main else []) + list(rule.attrs)
        given = dict(self.defaults.get(op, {}))
        given.update({k: v for k, v in item.items() if k not in COMMON_KEYS})
        if rule.main is None:
            if given.get(op) not in (None, True):
                raise self.err(f"'{op}' takes no value: write \"{op}\", or {{ {op} = true, ... }}"
                               " to give it a name, 'n' or 'if'", where, found)
            given.pop(op, None)
        for a in specs:
            v = given.get(a.name)
            if v is True and a is rule.main and a.type != "bool" and a.default is not REQUIRED:
                v = None                # { dropout = true, name = … }: the kind's default value
            if v is None:
                if a.default is REQUIRED:
                    what = (f"'{op}' needs a value: {a.doc}" if a is rule.main
                            else f"'{op}' needs '{a.name}': {a.doc}")
                    raise self.err(what, where, found)
                v = a.default
                if v is None:
                    out[a.key] = None
                    continue
            try:
                out[a.key] = CHECKERS[a.type](v)
            except BadValue as e:
                raise self.err(f"'{a.name}' must be {e}", where, found,
                               hint=a.doc) from None
        return rule.stored(out)

    # -- naming
    def name_all(self, insts: list[_Instance], where: str) -> None:
        taken = {i.name for i in insts if i.name}
        totals: dict[str, int] = {}
        for i in insts:
            if not i.name:
                totals[i.auto] = totals.get(i.auto, 0) + 1
        counters: dict[str, int] = {}
        for i in insts:
            if i.name:
                i.assigned = i.name
                continue
            if totals[i.auto] == 1 and i.auto not in taken:
                i.assigned = i.auto
            else:
                while True:
                    counters[i.auto] = counters.get(i.auto, 0) + 1
                    cand = f"{i.auto}{counters[i.auto]}"
                    if cand not in taken:
                        break
                i.assigned = cand
            taken.add(i.assigned)
        seen: dict[str, str] = {}
        for i in insts:
            if i.assigned in seen:
                raise self.err(f"two layers are named '{i.assigned}' ({seen[i.assigned]} and "
                               f"{i.where}); names must be unique", where, i.found)
            seen[i.assigned] = i.where

    # -- emitting
    def chain(self, items, where: str, prefix: str, src: str, env: dict, stack: tuple) -> str:
        return self.emit(self.named(items, where, env, stack), prefix, src, stack)

    def named(self, items, where: str, env: dict, stack: tuple) -> list[_Instance]:
        """The checked, named instances of the layers ``items`` (``cached``)."""
        def build():
            insts = self.instances(items, where, env, stack)
            self.name_all(insts, where)
            return insts
        return self.cached(where, env, stack, build)

    def cached(self, where: str, env: dict, stack: tuple, build):
        """``build()``'s checked, named instances, once per place in the spec and arguments: a
        block repeated 50,000 times is checked once and emitted 50,000 times (instances are not
        changed by emitting them)."""
        key = (where, stack, repr(env))
        if key not in self._built:
            self._built[key] = build()
        return self._built[key]

    def emit(self, insts: list[_Instance], prefix: str, src: str, stack: tuple) -> str:
        last = src          # the previous instance's output; a `bn = true` row always reads it
        nodes, reserved = self.nodes, self.reserved
        for inst in insts:
            if len(nodes) > MAX_LAYERS:     # size() counted first; this is a backstop
                raise self.too_many(inst.where, inst.found)
            name = prefix + inst.assigned
            if name in reserved:
                if name == SINGLE_INPUT:
                    raise self.err("a layer cannot be named 'input': that name is the network's "
                                   "input, which every first layer reads (rename the layer)",
                                   inst.where, inst.found)
                raise self.err(f"a layer cannot be named '{name}': that is the name of one of "
                               "the network's inputs (rename the layer or the input)",
                               inst.where, inst.found)
            if inst.repeat:
                self.repeats[name] = prefix + inst.repeat
                self.stages[prefix + inst.repeat] = inst.repeats
            start = len(nodes)
            into = last if inst.sugar else (inst.source or src)
            if inst.op == "use":
                self.uses[name] = inst.block
                out = self.use(inst, name, into, stack)
            else:
                nodes.append(new_node(name, inst.op, inst.item, (into,), inst.where, inst.found,
                                      inst.notes))
                out = name
            if inst.aux:
                # A side branch: mark its rows, and leave the chain's output where it was.
                nodes[start:] = [n.replace(aux=True) for n in nodes[start:]]
            else:
                src = out
            last = out
        return src

    def unread(self, where: str) -> None:
        """Refuse a declared input that no layer reads: its shape would count in the input's
        memory, yet nothing in the network would use it (most likely a ``from`` forgotten or
        misspelt), so the totals would describe a network the spec does not mean."""
        read = {i for node in self.nodes for i in node.inputs}
        for name in self.inputs:
            if name not in read:
                raise self.err(f"no layer reads the input '{name}'", where,
                               hint=f'give the layer that reads it from = "{name}" (the first '
                                    f"layer reads the first input, '{self.inputs[0]}', unless it "
                                    "names another)")

    def use(self, inst: _Instance, name: str, src: str, stack: tuple) -> str:
        # A block used 300,000 times (a `use` with n = 300,000) is checked once: the repeats
        # share one item (its arguments), which lives as long as the expansion, so its id, the
        # place and the stack of blocks it is used from stand for what the check depends on.
        key = (id(inst.item), inst.where, stack)
        body = self._uses.get(key)
        if body is None:
            body = self._uses[key] = self.block_body(inst, stack)
        layers, parts, stack = body
        if layers is not None:
            return self.emit(layers, name + "/", src, stack)
        per_branch, join, post = parts
        # a branch is its layers' output, or a network input the join reads unchanged
        outs = tuple(b if isinstance(b, str) else self.emit(b, name + "/", src, stack)
                     for b in per_branch)
        jname = f"{name}/{join.assigned}"
        self.nodes.append(Node(jname, join.op, join.item, outs, join.where, join.found,
                               inst.notes))
        return self.emit(post, name + "/", jname, stack)

    def block_body(self, inst: _Instance, stack: tuple) -> tuple:
        """The block ``inst`` uses, checked with its arguments: ``(instances, None, stack)`` for
        a body of ``layers``, ``(None, (branches, join, post), stack)`` for a join block; the
        stack with the block on it."""
        bid = inst.block
        where = inst.where
        if bid in stack:
            chain = " → ".join(stack[stack.index(bid):] + (bid,))
            raise self.err(f"block '{bid}' uses itself ({chain})", where, inst.found)
        if len(stack) >= MAX_DEPTH:
            raise self.err(f"blocks nest more than {MAX_DEPTH} deep", where, inst.found)
        block = self.blocks[bid]
        bwhere = f"blocks.{bid}"
        if not isinstance(block, dict):
            raise self.err("expected a table", bwhere, _show(block))
        self.spec._keys(block, BLOCK_KEYS, bwhere)
        declared = block.get("params", [])
        if not isinstance(declared, list) or not all(isinstance(p, str) for p in declared):
            raise self.err("'params' must be a list of names", bwhere, _show(declared))
        bdefaults = block.get("defaults", {})
        if not isinstance(bdefaults, dict):
            raise self.err("'defaults' must be a table", bwhere, _show(bdefaults))
        for k in bdefaults:
            if k not in declared:
                raise self.err(f"default for undeclared parameter '{k}'{suggest(k, declared)}",
                               bwhere + ".defaults")
        args = dict(bdefaults)
        for k, v in inst.item.items():
            if k in ("use", "name", "note", "aux", "from"):
                continue
            if k not in declared:
                raise self.err(f"block '{bid}' has no parameter '{k}'{suggest(k, declared)}",
                               where, inst.found,
                               hint=("its parameters: " + ", ".join(declared)) if declared
                               else "it takes no parameters")
            args[k] = v
        missing = [p for p in declared if p not in args]
        if missing:
            raise self.err(f"block '{bid}' needs parameter '{missing[0]}'", where, inst.found)
        bodies = [k for k in ("layers",) + JOINS if k in block]
        if len(bodies) != 1:
            raise self.err("a block needs exactly one body: 'layers', 'concat', 'add' or 'mul'", bwhere)
        stack = stack + (bid,)
        body_where = f"{where} > {bwhere}"
        if "layers" in block:
            for key in ("post", "join"):
                if key in block:
                    raise self.err(f"'{key}' belongs to a 'concat', 'add' or 'mul' block"
                                   + ("; put the layers at the end of 'layers'"
                                      if key == "post" else ""), bwhere)
            lwhere = body_where + ".layers"
            return self.named(block["layers"], lwhere, args, stack), None, stack
        return None, self.cached(
            body_where, args, stack, lambda: self.join_parts(block, bodies[0], bwhere, body_where,
                                                             args, stack)), stack

    def join_parts(self, block: dict, join_kind: str, bwhere: str, body_where: str, args: dict,
                   stack: tuple):
        """A join block's checked and named branches, join and post layers."""
        branches = block[join_kind]
        if not isinstance(branches, list) or len(branches) < 2:
            raise self.err(f"'{join_kind}' must be a list of at least two branches (lists of "
                           "layers; [] is the identity; an input's name is that input, "
                           "unchanged)", f"{bwhere}.{join_kind}", _show(branches))
        per_branch = [self.input_branch(b, f"{body_where}.{join_kind}[{j}]", args)
                      if isinstance(b, str) else
                      self.instances(b, f"{body_where}.{join_kind}[{j}]", args, stack)
                      for j, b in enumerate(branches)]
        jraw = block.get("join", {})
        if not isinstance(jraw, dict):
            raise self.err(f"'join' must be a table of attributes of the {join_kind}, e.g. "
                           "{ scale = 0.1 }", f"{bwhere}.join", _show(jraw))
        jwhere = f"{body_where}.join"
        jattrs = self.check_attrs(join_kind, {k: self.subst(v, args, jwhere, _show(jraw))
                                              for k, v in jraw.items()}, jwhere, _show(jraw))
        join = _Instance(join_kind, jattrs, None, f"{body_where}.{join_kind}", _show(branches),
                         auto=join_kind)
        post = self.instances(block.get("post", []), body_where + ".post", args, stack)
        self.name_all([i for b in per_branch if not isinstance(b, str) for i in b] + [join]
                      + post, body_where)
        return per_branch, join, post

    def input_branch(self, raw: str, where: str, args: dict) -> str:
        """A branch written as a network input's name (``concat = ["image", "mask"]``, or
        ``"$param"`` naming one): the join reads that input unchanged, as ``torch.cat([image,
        mask])`` does; the name it stands for. (Chosen over ``from`` on the join: a join's
        branches are where a spec says what the join reads, ``[]`` already writes a branch that
        is a tensor unchanged, and a string where a list of layers would be cannot be mistaken
        for one.)"""
        found = _show(raw)
        name = self.subst(raw, args, where, found) if raw.startswith("$") else raw
        if name in self.inputs:
            return name
        names = ", ".join(f"'{i}'" for i in self.inputs)
        close = suggest(name, self.inputs) if isinstance(name, str) else ""
        raise self.err(f"a branch is a list of layers ([] is the identity) or the name of one "
                       f"of the network's inputs ({names}), found {_show(name)}{close}", where,
                       found, hint=(f'a branch of one layer is a list: [{found}]'
                                    if isinstance(name, str) and name in RULES else
                                    'a branch named "mask" is the input mask, unchanged'))


# --- the catalogue ---------------------------------------------------------------------------

def spec_files() -> list[str]:
    d = specs_dir()
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".toml"))


def catalogue() -> dict[str, SpecFile]:
    """Every bundled network name → the spec file that defines it."""
    out: dict[str, SpecFile] = {}
    for path in spec_files():
        sf = SpecFile(path)
        for name in sf.variants:
            if name in out:
                raise SpecError(f"network '{name}' is also defined in {out[name].file}",
                                file=sf.file)
            out[name] = sf
    return out


def _find(name: str) -> SpecFile | None:
    """The bundled file defining ``name``, reading first the files whose name starts it
    (``vgg16`` → ``vgg.toml``), so a lookup rarely parses the whole catalogue."""
    files = spec_files()
    stem = {f: os.path.basename(f)[:-5] for f in files}
    likely = sorted((f for f in files if name.startswith(stem[f])), key=lambda f: -len(stem[f]))
    for f in likely + [f for f in files if f not in likely]:
        sf = SpecFile(f)
        if name in sf.variants:
            return sf
    return None


def resolve(target: str) -> tuple[SpecFile, str]:
    """A network name, a path to a spec file, or ``PATH:NAME`` → (file, network name).

    A path is what ends in ``.toml``, holds a ``/``, or names an existing file, whatever its
    extension (``my-net.txt``); a bundled network's name still means the bundled network when a
    file of that name exists too (``./vgg16`` is the file)."""
    path, variant = target, ""
    if ":" in target:
        before, after = target.rsplit(":", 1)
        if before.endswith(".toml") or os.path.isfile(before):
            path, variant = before, after
    pathlike = path.endswith(".toml") or "/" in path or os.sep in path
    if not pathlike and os.path.isfile(path):
        pathlike = _find(path) is None
    if pathlike:
        if not os.path.exists(path):
            raise ArchcalcError(f"no such spec file: {path}")
        sf = SpecFile(path)
        if variant:
            return sf, variant
        if len(sf.variants) == 1:
            return sf, next(iter(sf.variants))
        raise ArchcalcError(f"{path} defines several networks ({', '.join(sf.variants)}); "
                            f"pick one as {path}:NAME")
    sf = _find(target)
    if sf is None:
        cat = catalogue()
        families = {f.family: f for f in cat.values()}
        if target in families:
            raise ArchcalcError(f"'{target}' is a family; its networks are: "
                                f"{', '.join(families[target].variants)}")
        raise ArchcalcError(f"unknown network '{target}'{suggest(target, cat)}; "
                            "`archcalc list` shows them all")
    return sf, target


def load(target: str, input_override: Shape | None = None,
         overrides: dict[str, str] | None = None) -> Network:
    sf, name = resolve(target)
    return sf.network(name, input_override, overrides)
