"""Every option of every face, checked once.

The command line, the Python API and the web app hand these functions the values they were
given: strings from a command line or a form (``"224x224"``, ``"1024"``, ``"bias,act"``) or
Python values (``(3, 224, 224)``, ``1024``, ``["bias", "act"]``). Each returns what the engine
and the renderers take, or raises ``ArchcalcError`` with the one message that every face shows;
the message names the option as the command line spells it (``--input: …``), whichever face was
used, so that the API refuses what the CLI refuses, in the same words.

Light at import (it is imported at start-up): the lists of choices stay in the modules that own
them (``report.FORMATS``, ``conventions.PRESETS``, ``dtypes.DTYPES`` …) and are imported only when
a value is checked against them, or when ``--help`` shows them (``choices``).
"""

from __future__ import annotations

from .core.errors import ArchcalcError, suggest

SHOWN = 60            # characters of a bad value quoted in a message
DIGITS_SHOWN = 20     # digits of a number quoted in full; a longer one is cut, saying its length
INT_DIGITS = 4_300    # Python's own limit on int() of a string and str() of an int


# --- the choices of each option, from the modules that own them ------------------------------

def _formats():
    from .render.report import FORMATS

    return FORMATS


def _presets():
    from .analysis.conventions import PRESETS

    return PRESETS


def _extras():
    from .analysis.conventions import EXTRAS

    return EXTRAS


def _units():
    from .render.units import UNITS

    return UNITS


def _kilos():
    from .render.units import KILOS

    return KILOS


def _dtypes():
    from .analysis.dtypes import DTYPES

    return tuple(DTYPES)


def _optimizers():
    from .analysis.dtypes import OPTIMIZERS

    return tuple(OPTIMIZERS)


def _sort_keys():
    from .analysis.compare import SORT_KEYS

    return SORT_KEYS


def _rollup_by():
    from .analysis.rollup import BY

    return BY


def _quiz_columns():
    from .homework.quiz import COLUMNS

    return COLUMNS


def _check_fields():
    """What ``check --column HEADER=FIELD`` reads a column as: every field check marks, then
    ``name`` (the rows' names)."""
    from .homework.answers import FIELDS

    return FIELDS + ("name",)


# What each option with a fixed set of values takes. A command's own format list is under
# "COMMAND --format". The last few are decided here, by the command that reads them.
CHOICES = {
    "--format": _formats,                 # table, compare
    "graph --format": lambda: ("dot", "svg"),
    "--convention": _presets,
    "--count": _extras,
    "--units": _units,
    "--kilo": lambda: tuple(str(k) for k in _kilos()),
    "--dtype": _dtypes,
    "--optimizer": _optimizers,
    "--sort": _sort_keys,
    "--blank": _quiz_columns,
    "--column": _check_fields,
    "--layout": lambda: ("layers", "paper"),
    "--device": lambda: ("cpu", "cuda", "meta"),
    "--rows": lambda: ("all", "failures", "none"),
    "--by": lambda: _rollup_by(),
}


def choices(option: str) -> tuple[str, ...]:
    """The values ``option`` takes (``"--units"``, or ``"graph --format"`` for one command's)."""
    return tuple(CHOICES[option]())


# --- showing what was found ------------------------------------------------------------------

def shown(value) -> str:
    """A value as a message quotes it: a string quoted with its control characters escaped, a
    number as its digits, anything else as Python writes it; cut short when long."""
    if _whole(value) is not None:
        return _number_text(value)
    if isinstance(value, str):
        return repr(value if len(value) <= SHOWN else value[:SHOWN] + "…")
    try:
        text = repr(value)
    except ValueError:                     # an int inside with more digits than str() writes
        text = f"a {type(value).__name__} holding a number of more than {INT_DIGITS:,} digits"
    return text if len(text) <= SHOWN else text[:SHOWN] + "…"


def _digits(value) -> str | None:
    """The decimal digits of a whole number (a Python int or a string of digits, with an
    optional sign), without leading zeros; ``None`` when it has more than Python writes."""
    if isinstance(value, str):
        text = value.strip()
        sign = "-" if text.startswith("-") else ""
        body = text.lstrip("+-").lstrip("0") or "0"
        return None if len(body) > INT_DIGITS else (sign if body != "0" else "") + body
    try:
        return str(value)
    except ValueError:
        return None


def _number_text(value) -> str:
    d = _digits(value)
    if d is None:
        return f"a number of more than {INT_DIGITS:,} digits"
    return d if len(d.lstrip("-")) <= DIGITS_SHOWN else f"{d[:12]}… ({len(d.lstrip('-')):,} digits)"


def _whole(value) -> int | None:
    """``value`` as an int if it is a whole number: an int (not a bool) or a string of ASCII
    digits with an optional sign (spaces around allowed); a number too long for int() comes
    back as one more than any limit can be (its sign kept)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    body = text[1:] if text[:1] in "+-" else text
    if not body or not body.isascii() or not body.isdigit():
        return None
    body = body.lstrip("0") or "0"
    sign = -1 if text.startswith("-") else 1
    if len(body) > 30:                 # never int() of thousands of digits: Python refuses that
        return sign * 10 ** 30
    return sign * int(body)


# --- kinds of value ----------------------------------------------------------------------------

def choice(option: str, value, among: str | None = None):
    """``value`` if it is one of ``option``'s choices (``among``: the key of ``CHOICES`` when
    it is not ``option``); else the error naming them all and the closest."""
    allowed = choices(among or option)
    if isinstance(value, str) and value in allowed:
        return value
    raise ArchcalcError(f"{option}: unknown {shown(value)}{suggest(value, allowed)}; choose from "
                        + ", ".join(allowed))


def whole(option: str, value, lo: int = 1, hi: int | None = None) -> int:
    """``value`` (an int, or its digits as a string) as an int from ``lo`` to ``hi``
    (default: the largest number archcalc accepts, ``spec.MAX_SIZE``)."""
    if hi is None:
        from .core.spec import MAX_SIZE

        hi = MAX_SIZE
    n = _whole(value)
    if n is None or not lo <= n <= hi:
        raise ArchcalcError(f"{option}: expected a whole number from {lo:,} to {hi:,}, found "
                            f"{shown(value)}")
    return n


def fraction(option: str, value, lo: float = 0.0, hi: float = 1.0) -> float:
    """``value`` (a number, or one written as a string) as a float from ``lo`` to ``hi``; not
    NaN, not infinite."""
    x = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        x = float(value) if abs(value) < 1e300 else None
    elif isinstance(value, str) and len(value) <= 40:
        try:
            x = float(value.strip())
        except ValueError:
            x = None
    if x is None or not lo <= x <= hi:          # NaN compares false: refused here too
        raise ArchcalcError(f"{option}: expected a number from {lo:g} to {hi:g}, found "
                            f"{shown(value) if x is None else repr(x)}")
    return x


def kilo(value, option: str = "--kilo") -> int:
    """``--kilo`` (or ``check --k``): 1000 or 1024, an int or its digits."""
    n = _whole(value)
    if n not in _kilos():
        choice(option, value, among="--kilo")      # refused, naming the choices
    return n


def flag(option: str, value) -> bool:
    if not isinstance(value, bool):
        raise ArchcalcError(f"{option}: expected True or False, found {shown(value)}")
    return value


def names(option: str, value) -> list[str]:
    """``"bias,act"``, ``["bias", "act"]`` or ``("bias", "act,pool")`` (a repeated option)
    → the names, in order; ``None`` → none."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    try:
        items = list(items)
    except TypeError:
        items = [value]
    for item in items:
        if not isinstance(item, str):
            raise ArchcalcError(f"{option}: expected names separated by commas, found "
                                f"{shown(value)}")
    return [v.strip() for text in items for v in text.split(",") if v.strip()]


# --- the network: --input and --set ------------------------------------------------------------

INPUT_FORMS = "224, 224x224 or 3x224x224"


def input_shape(value, channels: int, option: str = "--input"):
    """``--input``: ``None`` (the spec's own input), or a ``Shape`` from ``224`` (H = W, the
    spec's C), ``224x224`` (H×W) or ``3x224x224`` (C×H×W), written as a string (``x``, ``×``
    or ``,`` between the sizes), an int, a tuple or list of ints, or a ``Shape``. Every size
    from 1 to ``spec.MAX_SIZE``. ``option`` is how messages name it (``--input mask``: a named
    input's shape)."""
    import re

    from .core.records import Shape
    from .core.spec import MAX_SIZE

    if value is None:
        return None
    if isinstance(value, (tuple, list)) and len(value) == 1 and isinstance(value[0], str):
        value = value[0]                   # the command line's repeatable --input, given once
    bad = ArchcalcError(f"{option}: expected {INPUT_FORMS} (whole numbers), found {shown(value)}")
    if isinstance(value, str):
        parts = re.split(r"\s*[x×,]\s*", value.strip().lower())
        if not all(p.isascii() and p.isdigit() for p in parts):
            raise bad
    elif isinstance(value, Shape):
        parts = [value.c, value.h, value.w]
    elif isinstance(value, int) and not isinstance(value, bool):
        parts = [value]
    elif isinstance(value, (tuple, list)):
        parts = list(value)
        if not all(isinstance(p, int) and not isinstance(p, bool) for p in parts):
            raise bad
    else:
        raise bad
    if len(parts) not in (1, 2, 3):
        raise bad
    nums = [_whole(p) for p in parts]
    if not all(1 <= n <= MAX_SIZE for n in nums):
        text = "x".join(_number_text(p) for p in parts)
        raise ArchcalcError(f"{option}: every size must be at least 1 and at most {MAX_SIZE:,}, "
                            f"found {text if len(text) <= SHOWN else text[:SHOWN] + '…'}")
    if len(nums) == 1:
        return Shape(channels, nums[0], nums[0])
    if len(nums) == 2:
        return Shape(channels, *nums)
    return Shape(*nums)


NAMED_FORM = "NAME=CxHxW"


def input_values(value) -> list[tuple[str | None, object]]:
    """``--input``'s values, before the network is known: [(name, shape as given)], the name
    ``None`` for a plain shape. The command line gives a tuple of strings (``--input`` is
    repeatable): ``("3x224x224",)`` or ``("image=3x224x224", "mask=1x224x224")``; the API also
    a dict ``{"image": (3, 224, 224), …}``, a shape (``224``, ``(3, 224, 224)``, ``"224x224"``,
    a ``Shape``) or ``None``. A name given twice is refused here."""
    from .core.spec import is_input_name

    if value is None:
        return []
    if isinstance(value, dict):
        pairs = []
        for name, shape in value.items():
            if not is_input_name(name):
                raise ArchcalcError(f"--input: expected an input's name, found {shown(name)}")
            pairs.append((name, shape))
    elif isinstance(value, (tuple, list)) and value and all(isinstance(v, str) for v in value):
        pairs = [_named(v) for v in value]
    elif isinstance(value, str):
        pairs = [_named(value)]
    elif isinstance(value, (tuple, list)) and not value:
        return []
    else:
        pairs = [(None, value)]
    seen: dict[str | None, object] = {}
    for name, shape in pairs:
        if name in seen:
            what = f"the input '{name}' is" if name else "a plain shape is"
            raise ArchcalcError(
                f"--input: {what} given twice ({_input_text(name, seen[name])} and "
                f"{_input_text(name, shape)}); give each input once")
        seen[name] = shape
    if None in seen and len(seen) > 1:
        raise ArchcalcError(f"--input: a plain shape ({shown(seen[None])}) beside named inputs; "
                            f"give every input as {NAMED_FORM}")
    return pairs


def _named(text: str) -> tuple[str | None, str]:
    """``"image=3x224x224"`` → ("image", "3x224x224"); ``"3x224x224"`` → (None, it)."""
    from .core.spec import is_input_name

    name, eq, shape = text.partition("=")
    if not eq:
        return None, text
    name = name.strip()
    if not is_input_name(name):
        raise ArchcalcError(f"--input: expected {NAMED_FORM} (an input's name, then its shape), "
                            f"found {shown(text)}")
    return name, shape.strip()


def _input_text(name, shape) -> str:
    text = shape if isinstance(shape, str) else shown(shape)
    return f"{name}={text}" if name else text


def inputs_at(inputs, value, network: str = "the network"):
    """The network's inputs ``((name, Shape), …)`` with ``--input``'s values applied, and the
    ``--input`` texts of those that changed. A network of one input takes a plain shape (or its
    own name, ``input=3x224x224``); a network of several takes NAME=CxHxW for each input to
    change (the others keep the spec's shapes): a plain shape, an unknown name, a name given
    twice or a malformed shape is refused with one message."""
    pairs = input_values(value)
    own = dict(inputs)
    names = [n for n, _ in inputs]
    out = dict(inputs)
    changes = []
    listed = ", ".join(f"{n} {x.c}×{x.h}×{x.w}" for n, x in inputs)
    for name, given in pairs:
        if name is None:
            if len(inputs) > 1:
                raise ArchcalcError(
                    f"--input: {network} has several inputs ({listed}); give each one to change "
                    f"as {NAMED_FORM}, e.g. --input {names[0]}={_shape_text(inputs[0][1], 'x')}")
            name = names[0]
            option = "--input"
        else:
            option = f"--input {name}"
            if name not in own:
                raise ArchcalcError(
                    f"--input: {network} has no input '{name}'{suggest(name, names)}; its "
                    f"input{'s are' if len(names) > 1 else ' is'}: {listed}")
        shape = input_shape(given, own[name].c, option)
        if shape != own[name]:
            out[name] = shape
            changes.append(f"--input {_shape_text(shape)}" if len(inputs) == 1 else
                           f"--input {name}={_shape_text(shape)}")
    return tuple((n, out[n]) for n in names), changes


def _shape_text(x, sep: str = "×") -> str:
    return f"{x.c}{sep}{x.h}{sep}{x.w}"


def at_input(net, value):
    """``net`` with ``--input``'s values applied (``inputs_at``)."""
    inputs, changes = inputs_at(net.inputs, value, net.name)
    return net.replace(inputs=inputs) if changes else net


def sets(values) -> dict[str, str]:
    """``--set``: ``["classes=10", …]`` (the command line's, repeatable), or a dict from a
    declared param to its value (``{"classes": 10}``: a Python value, or a string read as TOML
    text, as ``--set`` reads it) → {name: TOML text}. One param per value, on one line: a line
    break or another control character is refused (``classes=10\\ng2=2`` would otherwise set
    ``classes`` from a two-line text and drop ``g2``)."""
    if values is None:
        return {}
    out = {}
    if isinstance(values, dict):
        from .core.spec import toml_text

        pairs = []
        for name, value in values.items():
            if not isinstance(name, str):
                raise ArchcalcError(f"--set: expected a param's name, found {shown(name)}")
            pairs.append((f"{name}={value if isinstance(value, str) else toml_text(value)}",
                          name))
    else:
        pairs = [(text, None) for text in ([values] if isinstance(values, str) else values)]
    for text, _ in pairs:
        if not isinstance(text, str):
            raise ArchcalcError(f"--set: expected NAME=VALUE (e.g. --set classes=10), found "
                                f"{shown(text)}")
        name, eq, value = text.partition("=")
        if not eq or not name.strip():
            raise ArchcalcError(f"--set: expected NAME=VALUE (e.g. --set classes=10), found "
                                f"{shown(text)}")
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
            raise ArchcalcError(f"--set: expected one NAME=VALUE on one line (a --set for each "
                                f"param), found {shown(text)}")
        out[name.strip()] = value.strip()
    return out


def _changed(overrides: dict[str, str]) -> str:
    return " ".join(f"--set {k}={v}" for k, v in overrides.items())


def network(target, input=None, params=None, skip_unknown=False):
    """The loaded network ``target`` (a bundled name, a spec file's path, ``PATH:NAME``, or a
    model that ``archcalc import`` reads, imported in memory, ``skip_unknown`` as ``import
    --skip-unknown``) with ``params`` (``--set``, as ``sets`` takes them) and ``input``
    (``--input``, as ``input_shape`` takes it) applied."""
    return _network(target, input, params, skip_unknown)[0]


def _network(target, input, params, skip_unknown=False):
    """(``network(...)``, what changed it from the spec as written: ``("--input 3×224×224",
    "--set classes=10")``)."""
    import os

    from .core import spec

    overrides = sets(params)
    if isinstance(target, os.PathLike):
        target = os.fspath(target)
    if not isinstance(target, str):
        raise ArchcalcError(f"expected a network's name or a spec file's path, found "
                            f"{shown(target)}; `archcalc list` shows the networks")
    from .importers import kind_of

    if kind_of(target):                       # a model (model.onnx, torchvision:resnet50 …),
        if overrides:                         # imported in memory at --input
            raise ArchcalcError(f"--set changes a spec's params; {target} is a model, imported "
                                "with none (`archcalc import` writes a spec you can edit)")
        from . import __version__, importers

        return importers.network(target, import_inputs(input), tool=f"archcalc {__version__}",
                                 skip_unknown=skip_unknown), []
    try:
        net = spec.load(target, overrides=overrides or None)
    except ArchcalcError as e:
        raise _noted(e, overrides) from None
    changes = [f"--set {k}={v}" for k, v in overrides.items()]
    inputs, changed = inputs_at(net.inputs, input, net.name)
    if not changed:
        return net, changes
    return net.replace(inputs=inputs), changed + changes


def import_inputs(value):
    """``--input`` for a model imported (the model names its inputs): ``None`` (the sizes the
    source records), a shape tuple (its one input), or {name: shape tuple} (NAME=CxHxW)."""
    pairs = input_values(value)
    if not pairs:
        return None
    if pairs[0][0] is None:
        return tuple(input_shape(pairs[0][1], 3).as_list())
    return {name: tuple(input_shape(shape, 3, f"--input {name}").as_list())
            for name, shape in pairs}


def _noted(e: ArchcalcError, overrides: dict[str, str]) -> ArchcalcError:
    """``e``, saying how the spec was changed when ``--set`` changed it."""
    if not overrides or str(e).startswith("--set"):
        return e
    return ArchcalcError(f"{e}\n  (the spec as changed by {_changed(overrides)})")


def analysis(target, input=None, params=None, skip_unknown=False):
    """``network(...)`` analysed: the engine's ``Analysis``."""
    from .core import engine
    from .core.progress import step

    step(f"reading {target}")
    net, changes = _network(target, input, params, skip_unknown)
    step(f"analysing {net.name} ({len(net.nodes):,} layers)")
    try:
        a = engine.analyse(net)
    except ArchcalcError as e:
        if changes and changes[0].startswith("--input"):
            raise _input_error(net, e, changes) from None
        raise _noted(e, sets(params)) from None
    return a.replace(changes=tuple(changes)) if changes else a


SMALLEST_SEARCH_BUDGET = 60_000     # layer evaluations the search for a fitting input may spend


def _fits(net, x) -> bool:
    from .core import engine

    try:
        engine.rows(net, x)
    except ArchcalcError:
        return False
    return True


def _input_error(net, e: ArchcalcError, changes: list[str]) -> ArchcalcError:
    """The engine's error at the input ``--input`` gave, blamed on ``--input``: where it fails,
    and the smallest square input at or above it that every layer takes (searched by halving
    between it and the spec's own input; "smallest" proven by trying each size below it where
    that costs under SMALLEST_SEARCH_BUDGET layer evaluations, else "N works, N − 1 does not")."""
    from .core.errors import SpecError
    from .core.spec import load

    x = net.input
    given = changes[0]
    what = f"{e.where}: {e.message}" if isinstance(e, SpecError) else str(e)
    if len(net.inputs) > 1:        # several inputs: no one size to search
        given = " ".join(c for c in changes if c.startswith("--input"))
        changes = [given] + [c for c in changes if not c.startswith("--input")]
    own = load(net.file + ":" + net.name).input if net.file else None
    with_set = [c for c in changes[1:]]
    tail = f" (with {' '.join(with_set)})" if with_set else ""
    found = f"\n  the layer: {e.found}" if isinstance(e, SpecError) and e.found else ""
    if own is None or len(net.inputs) > 1 or x.h != x.w or own.h != own.w or own.h <= x.h or not _fits(
            net.replace(input=own), own.replace(c=x.c)):
        return ArchcalcError(f"{given} does not fit {net.name}{tail}: {what}{found}")
    lo, hi = x.h, own.h                 # lo does not fit, hi does
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _fits(net, x.replace(h=mid, w=mid)):
            hi = mid
        else:
            lo = mid
    below = hi - 1 - x.h                # sizes between the given one and hi - 1, untried
    if below * len(net.nodes) <= SMALLEST_SEARCH_BUDGET:
        smaller = [s for s in range(x.h + 1, hi - 1) if _fits(net, x.replace(h=s, w=s))]
        hi = smaller[0] if smaller else hi
        works = f"the smallest input that works is {x.c}×{hi}×{hi}"
    else:
        works = f"{x.c}×{hi}×{hi} works ({hi - 1}×{hi - 1} does not)"
    return ArchcalcError(f"{given} is too small for {net.name}{tail}: {what}; {works}{found}")


# --- the layer table's options -------------------------------------------------------------------

TABLE_DEFAULTS = {"bias": True, "aux": False, "count": (), "convention": None, "units": "exact",
                  "kilo": 1000, "dtype": "fp32", "batch": 1, "optimizer": "sgd",
                  "memory": False, "rf": False, "columns": (), "training": False, "depth": None,
                  "by": None}
# The command line's name of each (``bias=False`` is ``--no-bias``).
TABLE_FLAGS = {"bias": "--no-bias", "aux": "--aux", "memory": "--memory", "rf": "--rf",
               "training": "--training"}


def table(**given):
    """The layer table's ``report.Options`` from keyword values (the names of
    ``TABLE_DEFAULTS``; ``count`` and ``columns`` a comma-separated string or a list), each
    checked."""
    from .render.report import COLUMNS, Options, find_column

    for k in given:
        if k not in TABLE_DEFAULTS:
            raise ArchcalcError(f"unknown option '{k}'{suggest(k, TABLE_DEFAULTS)}; the options "
                                "are: " + ", ".join(TABLE_DEFAULTS))
    v = {**TABLE_DEFAULTS, **given}
    for k, option in TABLE_FLAGS.items():
        flag(option if k != "bias" else "bias", v[k])
    extras = names("--count", v["count"])
    for e in extras:
        choice("--count", e)
    convention = None if v["convention"] is None else choice("--convention", v["convention"])
    keys = []
    if v["columns"] not in (None, (), []):     # none: the default columns
        cols = names("--columns", v["columns"])
        if not cols:
            raise ArchcalcError(f"--columns: no column named in {shown(v['columns'])}; choose "
                                "from " + ", ".join(COLUMNS))
        for name in cols:
            try:
                keys.append(find_column(name))
            except KeyError:
                raise ArchcalcError(f"--columns: unknown column {shown(name)}"
                                    f"{suggest(name, COLUMNS)}; choose from "
                                    + ", ".join(COLUMNS)) from None
    depth = None if v["depth"] is None else whole("--depth", v["depth"], 1, 99)
    by = None if v["by"] is None else choice("--by", v["by"])
    if depth is not None and by is not None:
        raise ArchcalcError("--depth and --by: choose one (--by stage is --depth 1; --by block "
                            "lists each block instance once)")
    return Options(bias=v["bias"], aux=v["aux"], count=tuple(dict.fromkeys(extras)),
                   convention=convention, units=choice("--units", v["units"]), kilo=kilo(v["kilo"]),
                   dtype=choice("--dtype", v["dtype"]), batch=whole("--batch", v["batch"]),
                   optimizer=choice("--optimizer", v["optimizer"]), memory=v["memory"],
                   rf=v["rf"], columns=tuple(keys), training=v["training"], depth=depth, by=by)


# --- the homework commands' own options ------------------------------------------------------------

def quiz_columns(blank) -> tuple[str, ...]:
    """``--blank``: ``"W,H,params"`` or a list → the quiz's column names (any case)."""
    columns = choices("--blank")
    lower = {c.lower(): c for c in columns}
    picked = []
    for c in names("--blank", blank):
        if c.lower() not in lower:
            raise ArchcalcError(f"--blank: unknown column {shown(c)}{suggest(c, columns)}; "
                                f"the columns are {', '.join(columns)}")
        picked.append(lower[c.lower()])
    return tuple(picked)


def bytes_per_value(dtype) -> int | None:
    """``check --dtype NAME`` (the CLI's, the web page's): what a memory column in bytes counts
    per value; ``None`` (not given) lets the cells decide."""
    if dtype is None or dtype == "":
        return None
    from .analysis.memory import DTYPES

    return DTYPES[choice("--dtype", dtype)]


def gradebook(value) -> str:
    """``check --gradebook FILE.csv``: the gradebook is a CSV file, so its name must end in
    ``.csv`` (any case). A name without it is refused rather than written: ``--gradebook 1``
    is far likelier a slip (a count, a file meant as a submission) than a wish for a CSV file
    named ``1``. Where and how it is written is ``core.files``' one safe path of ``--out``
    (whole or not at all, never over a file without ``--force``, never through a dangling
    link)."""
    if not isinstance(value, str) or not value.strip():
        raise ArchcalcError(f"--gradebook: expected a CSV file's name (FILE.csv), found "
                            f"{shown(value)}")
    if not value.lower().endswith(".csv"):
        raise ArchcalcError(f"--gradebook: the gradebook is a CSV file: name it FILE.csv, found "
                            f"{shown(value)} (did you mean --gradebook {value}.csv?)")
    return value


def column_mapping(pairs) -> dict[str, str]:
    """``check --column HEADER=FIELD`` (repeatable; a string or a list) → {header: field}."""
    fields = choices("--column")
    out = {}
    for m in [pairs] if isinstance(pairs, str) else (pairs or ()):
        head, sep, fld = m.rpartition("=") if isinstance(m, str) else ("", "", "")
        if not sep or not head.strip() or fld.strip() not in fields:
            raise ArchcalcError(f"--column: expected HEADER=FIELD with FIELD one of "
                                f"{', '.join(fields)}, found {shown(m)}"
                                f"{suggest(fld.strip(), fields)}")
        out[head.strip()] = fld.strip()
    return out
