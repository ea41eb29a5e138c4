"""The paper view: a paper's own table, every cell computed from the spec, beside what it printed.

``archcalc table googlenet --layout paper`` prints GoogLeNet's Table 1 with each cell computed
from the analysed rows, the paper's printed value beside it, and a mark for their agreement.
The layout and the printed values are *data*: one TOML file per table in ``specs/papers/``
(shipped in the wheel with the specs; the network catalogue reads only ``specs/*.toml``, so these
files are never taken for networks). Nothing about a particular paper is written in this module.

Data format (``title``, ``source``, ``networks``, ``columns`` and ``rows`` are required; so are a
column's ``key``, ``heading`` and ``value`` and a row's ``layers``)::

    title = "Table 1: GoogLeNet incarnation of the Inception architecture"
    source = "Szegedy et al. 2014, arXiv:1409.4842, Table 1"   # citation of the printed values
    networks = ["googlenet"]     # networks whose `--layout paper` this table is
    tolerance = 0.02             # relative gap still put down to the paper's rounding (≈)
    notes = ["params: weights without biases, K = 1024", ...]   # printed under the table
    named = { softmax = "why" }  # words the paper's table names for a layer the spec need not
                                 #   have: a printed cell that differs from the computed one
                                 #   only by such a word (", softmax") agrees, and a note says
                                 #   which rows name it and why

    [kinds]                      # the "type" value: layer kind → the paper's word; fields
    conv = "convolution"         #   {group} (the row's group), {value} (the kind's own attribute)
    concat = "inception ({group})"   # and {percent} (100 × value: dropout 0.4 → 40)

    [[columns]]                  # in order; `key` names the column in the rows' `paper` tables
    key = "params"
    heading = "params"
    value = "weights"            # what to compute: a key of VALUES (below)
    unit = 1024                  # numbers: shown as value / unit with `decimals` and `suffix`
    suffix = "K"
    decimals = 1
    beside = true                # the paper's value gets a column of its own beside this one
    # format = "{h}×{w}×{c}"     # output: fields h, w, c; patch: kh, kw, k, sh, sw, s;
                                 #   pool: pool, proj; depth: d ("{d} weight layers");
                                 #   input: h, w, c
    # layer = "1x1"              # channels, pool: the layer "<group>/<layer>"
    # absent = "0"               # channels: shown for a module row (one with a join) that lacks
                                 #   the layer; pool: shown for {proj} when there is no projection
    # strided = "stride {s}"     # patch of a row with no window of its own that shrinks the
                                 #   grid by s (a strided module); default: nothing
    # proj = "pool_proj"         # pool: the projection after the pool ("<group>/<proj>")
    # words = { maxpool = "max", avgpool = "avg" }   # pool: the pool kind in words
    # network = "resnet50"       # compute this column from another network (a table whose
                                 #   columns are networks, e.g. ResNet's Table 1); rows must
                                 #   name layers that exist in each such network
    # formats = { conv = "{k}×{k}, {c}{stride}", fc = "{c}-d fc" }   # config: how a layer
                                 #   standing alone is written, per kind (fields k, s, c: its
                                 #   kernel, stride, output channels; stride: ", stride S" when
                                 #   S ≠ 1, else nothing; hi, wi: its input size);
                                 #   kinds without a format are left out (BN, ReLU)
    # inner = { conv = "{k}×{k}, {c}" }   # config: the same inside a repeated block
    # block = "[{layers}] × {n}"  # config: n consecutive blocks alike; {layers} joined by `sep`;
                                 #   {repeated}: the block written n times, joined by `sep`
    # sep = "; "

    [[rows]]
    layers = ["3a/"]             # layer names; "x/" = every layer under x/; "x*" = every layer
                                 #   whose name starts with x (a stage: "conv2_*"); "*" = all;
                                 #   "x?" = x where the network has it (VGG's A-LRN's norm1)
    main = "3a/concat"           # the layer whose kind and window give type and patch (default:
                                 #   the row's last join, else its first layer with MACs, else
                                 #   its first layer)
    paper = { type = "inception (3a)", output = "28×28×256", depth = 2, params = "159K" }
    explain = { params = "why the printed value differs, where that is known" }
    as = { value = "macs", unit = 1000000000, decimals = 3, suffix = "×10⁹" }   # a row of
                                 #   another value (ResNet's FLOPs row): the columns it prints
                                 #   a value for are computed so; the others stay blank

Values (``VALUES``): ``type``, ``patch`` (the main layer's K/S), ``output`` (the row's last layer),
``input`` (the input of the row's first layer: VGG's "input (224 × 224 RGB image)"),
``depth`` (the longest chain of layers with MACs inside the row), ``channels`` (of one named
layer), ``pool`` (a module's pool kind and its projection's channels), ``config`` (the layers as
ResNet's and DenseNet's Table 1 write them: each block instance's longest chain of weighted
layers, consecutive alike blocks as "[…] × n", single layers as themselves), ``label`` (the
paper's own row label, shown as printed: not computed), ``weights`` (no biases), ``params``
(weights + biases) and ``macs``, summed over the row. Adding a kind of cell means adding one
function to ``VALUES``.
Auxiliary heads are never part of a row unless named explicitly.

Marks: a printed number agrees (✓) when it is within one unit of its own last printed digit,
is near (≈) within ``tolerance`` (relative), and disagrees (✗) otherwise; other printed cells
agree when equal as text (spaces ignored, ``x`` read as ``×``). A blank printed cell reads as
zero (a pool's depth); a blank beside a non-zero computed value, or the other way round, is a ✗.
Every ✗ is footnoted with the file's ``explain`` text, or says that no explanation is known.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace

from . import counting as N
from ..core.errors import ArchcalcError, suggest
from ..core.kinds import RULES
from ..core.records import Analysis, LayerRow

TOP_KEYS = ("title", "source", "networks", "tolerance", "notes", "kinds", "named", "columns",
            "rows")
COLUMN_KEYS = ("key", "heading", "value", "format", "layer", "unit", "suffix", "decimals",
               "beside", "absent", "proj", "words", "strided", "network", "formats", "inner",
               "block", "sep")
ROW_KEYS = ("layers", "main", "paper", "explain", "as")
AS_KEYS = ("value", "unit", "decimals", "suffix", "format")
NUMERIC = ("weights", "params", "macs")
AGREE, NEAR, DISAGREE = "✓", "≈", "✗"


class PaperError(ArchcalcError):
    """A paper-table file that does not fit its network, or is malformed."""


# --- the data file -----------------------------------------------------------------------------

def papers_dir() -> str:
    from ..core.spec import specs_dir

    return os.path.join(specs_dir(), "papers")


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    value: str
    format: str = ""
    layer: str = ""
    unit: int = 1
    suffix: str = ""
    decimals: int = 0
    beside: bool = False
    absent: str = ""
    proj: str = ""
    words: dict | None = None
    strided: str = ""
    network: str = ""
    formats: dict | None = None
    inner: dict | None = None
    block: str = "[{layers}] × {n}"
    sep: str = "; "


@dataclass(frozen=True)
class RowSpec:
    layers: tuple[str, ...]
    main: str
    paper: dict
    explain: dict
    as_: dict | None = None     # ``as``: compute the row's printed columns with another value


@dataclass(frozen=True)
class PaperTable:
    file: str
    title: str
    source: str
    networks: tuple[str, ...]
    tolerance: float
    notes: tuple[str, ...]
    kinds: dict
    columns: tuple[Column, ...]
    rows: tuple[RowSpec, ...]
    named: dict = None          # word → why the spec need not have that layer


def _fail(file: str, where: str, msg: str) -> PaperError:
    return PaperError(f"{file}: {where}: {msg}")


def _check_keys(file: str, where: str, table: dict, allowed) -> None:
    for k in table:
        if k not in allowed:
            raise _fail(file, where, f"unknown key '{k}'{suggest(k, allowed)}; allowed: "
                        + ", ".join(allowed))


def parse(path) -> PaperTable:
    """Read and check one paper-table file."""
    from ..core.spec import read_toml

    file = str(path)
    d = read_toml(file)
    _check_keys(file, "the top level", d, TOP_KEYS)
    for k in ("title", "source", "networks", "columns", "rows"):
        if k not in d:
            raise _fail(file, "the top level", f"missing required key '{k}'")
    nets = d["networks"]
    if not isinstance(nets, list) or not nets or not all(isinstance(n, str) for n in nets):
        raise _fail(file, "networks", "expected a list of network names")
    for k in ("title", "source"):
        if not isinstance(d[k], str):
            raise _fail(file, k, f"expected a string, found {d[k]!r}")
    tol = d.get("tolerance", 0)
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol < 1:
        raise _fail(file, "tolerance", f"expected a fraction 0 ≤ x < 1 (0.02 = 2 %), found {tol!r}")
    notes = d.get("notes", [])
    notes = notes if isinstance(notes, list) else [notes]
    if not all(isinstance(n, str) for n in notes):
        raise _fail(file, "notes", "expected a string or a list of strings")
    kinds = d.get("kinds", {})
    if not isinstance(kinds, dict) or not all(isinstance(w, str) for w in kinds.values()):
        raise _fail(file, "kinds", 'expected a table: kind = "the paper\'s word"')
    named = d.get("named", {})
    if not isinstance(named, dict) or not all(isinstance(w, str) for w in named.values()):
        raise _fail(file, "named", 'expected a table: word = "why the spec need not have it"')
    for list_key in ("columns", "rows"):
        if not isinstance(d[list_key], list) or not d[list_key]:
            raise _fail(file, list_key, f"expected [[{list_key}]] tables")
    cols = []
    for i, c in enumerate(d["columns"]):
        where = f"columns[{i}]"
        if not isinstance(c, dict):
            raise _fail(file, where, "expected a table")
        _check_keys(file, where, c, COLUMN_KEYS)
        for k in ("key", "heading", "value"):
            if k not in c:
                raise _fail(file, where, f"missing required key '{k}'")
        if c["value"] not in VALUES:
            raise _fail(file, where, f"unknown value '{c['value']}'{suggest(c['value'], VALUES)}"
                        f"; values: {', '.join(VALUES)}")
        if c["value"] == "channels" and not c.get("layer"):
            raise _fail(file, where, "a 'channels' column needs 'layer', the layer name within "
                        "the row's group (e.g. \"1x1\")")
        for k, ok, what in (("unit", lambda v: isinstance(v, int) and v >= 1, "a whole number ≥ 1"),
                            ("decimals", lambda v: isinstance(v, int) and 0 <= v <= 6,
                             "a whole number 0–6"),
                            ("beside", lambda v: isinstance(v, bool), "true or false")):
            if k in c and (isinstance(c[k], bool) != (k == "beside") or not ok(c[k])):
                raise _fail(file, f"{where}.{k}", f"expected {what}, found {c[k]!r}")
        for k in ("words", "formats", "inner"):
            if k in c and not (isinstance(c[k], dict)
                               and all(isinstance(w, str) for w in c[k].values())):
                raise _fail(file, f"{where}.{k}", "expected a table: kind = \"text\"")
        if c["value"] == "config" and not c.get("formats"):
            raise _fail(file, where, "a 'config' column needs 'formats': how each kind of layer "
                        "is written, e.g. { conv = \"{k}×{k}, {c}\" }")
        for k in ("key", "heading", "value", "format", "layer", "suffix", "absent", "proj",
                  "strided", "network", "block", "sep"):
            if k in c and not isinstance(c[k], str):
                raise _fail(file, f"{where}.{k}", f"expected a string, found {c[k]!r}")
        cols.append(Column(**c))
    keys = [c.key for c in cols]
    rows = []
    for i, r in enumerate(d["rows"]):
        where = f"rows[{i}]"
        if not isinstance(r, dict):
            raise _fail(file, where, "expected a table")
        _check_keys(file, where, r, ROW_KEYS)
        layers = r.get("layers")
        if not isinstance(layers, list) or not layers or not all(isinstance(x, str)
                                                                 for x in layers):
            raise _fail(file, where, "'layers' must be a non-empty list of layer names")
        if not isinstance(r.get("main", ""), str):
            raise _fail(file, f"{where}.main", "expected a layer name")
        for k in ("paper", "explain"):
            if not isinstance(r.get(k, {}), dict):
                raise _fail(file, f"{where}.{k}", "expected a table: column key = value")
            for ck, cv in r.get(k, {}).items():
                if isinstance(cv, bool) or not isinstance(cv, (str, int, float)):
                    raise _fail(file, f"{where}.{k}.{ck}", f"expected text or a number, "
                                f"found {cv!r}")
            for ck in r.get(k, {}):
                if ck not in keys:
                    raise _fail(file, f"{where}.{k}",
                                f"no column '{ck}'{suggest(ck, keys)}; columns: {', '.join(keys)}")
        as_ = r.get("as")
        if as_ is not None:
            if not isinstance(as_, dict):
                raise _fail(file, f"{where}.as", "expected a table: { value = \"macs\", … }")
            _check_keys(file, f"{where}.as", as_, AS_KEYS)
            if as_.get("value") not in VALUES:
                raise _fail(file, f"{where}.as.value", f"expected one of {', '.join(VALUES)}, "
                            f"found {as_.get('value')!r}")
            try:
                Column(key="", heading="", **as_)
            except TypeError as e:
                raise _fail(file, f"{where}.as", str(e)) from None
        rows.append(RowSpec(tuple(layers), r.get("main", ""), dict(r.get("paper", {})),
                            dict(r.get("explain", {})), as_))
    return PaperTable(file, d["title"], d["source"], tuple(nets), float(tol), tuple(notes),
                      dict(kinds), tuple(cols), tuple(rows), dict(named))


def tables() -> list[PaperTable]:
    """Every bundled paper table."""
    d = papers_dir()
    names = sorted(f for f in os.listdir(d) if f.endswith(".toml")) if os.path.isdir(d) else []
    return [parse(os.path.join(d, f)) for f in names]


def table_for(network: str) -> PaperTable:
    found = [t for t in tables() if network in t.networks]
    if not found:
        have = sorted({n for t in tables() for n in t.networks})
        raise PaperError(f"no paper table for '{network}'{suggest(network, have)}; "
                         f"--layout paper exists for: {', '.join(have) or 'none'}")
    return found[0]


# --- computing the cells -----------------------------------------------------------------------

@dataclass(frozen=True)
class Group:
    """The analysed layers one paper row stands for."""

    name: str                       # e.g. "3a"
    rows: tuple[LayerRow, ...]
    main: LayerRow
    by_name: dict
    prefix: str = ""                # for a row of "x/" or "x*": what its names start with


def _select(a: Analysis, spec: RowSpec, where: str, file: str) -> Group:
    chosen: dict[str, LayerRow] = {}
    names = [r.name for r in a.rows]
    for pat in spec.layers:
        optional = pat.endswith("?")          # a layer only some of the table's networks have
        pat = pat.rstrip("?")
        if pat == "*":
            hit = [r for r in a.rows if not r.aux]
        elif pat.endswith("/") or pat.endswith("*"):
            hit = [r for r in a.rows if r.name.startswith(pat.rstrip("*"))]
        else:
            hit = [r for r in a.rows if r.name == pat]
        if not hit and not optional:
            raise _fail(file, where, f"no layer '{pat}' in {a.network}{suggest(pat, names)}")
        for r in hit:
            chosen[r.name] = r
    rows = tuple(r for r in a.rows if r.name in chosen)       # network order
    if spec.main:
        if spec.main not in chosen:
            raise _fail(file, where, f"main = '{spec.main}' is not one of the row's layers")
        main = chosen[spec.main]
    else:
        joins = [r for r in rows if len(r.inputs) > 1]
        main = joins[-1] if joins else next((r for r in rows if N.weighted(r)), rows[0])
    first = spec.layers[0]
    prefix = first.rstrip("*") if first != "*" and first[-1] in "/*" else ""
    return Group(first.rstrip("/*") if first != "*" else a.network, rows, main, chosen, prefix)


def _pair(v) -> tuple[int, int] | None:
    if isinstance(v, tuple) and len(v) == 2 and all(isinstance(x, int) for x in v):
        return v
    return None


def _one(p: tuple[int, int]) -> str:
    return str(p[0]) if p[0] == p[1] else f"{p[0]},{p[1]}"


def v_type(t: PaperTable, g: Group, c: Column):
    kind = g.main.kind
    value = RULES[kind].main_value(g.main.attrs)
    pct = value * 100 if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
    if isinstance(pct, float) and pct.is_integer():
        pct = int(pct)
    return t.kinds.get(kind, kind).format(group=g.name, value=value, percent=pct), None


def v_patch(t: PaperTable, g: Group, c: Column):
    a = g.main.attrs
    k = a["k"] if RULES[g.main.kind].windowed else None
    s = _pair(a.get("s"))
    if k is None or s is None:
        first, last = g.rows[0].input_shapes[0], g.rows[-1].output
        if c.strided and not last.flat and last.h and first.h > last.h:
            stride = -(-first.h // last.h)
            return c.strided.format(s=stride), None
        return "", None
    fmt = c.format or "{kh}×{kw}/{s}"
    return fmt.format(kh=k[0], kw=k[1], k=_one(k), sh=s[0], sw=s[1], s=_one(s)), None


def v_output(t: PaperTable, g: Group, c: Column):
    x = g.rows[-1].output
    return (c.format or "{h}×{w}×{c}").format(h=x.h, w=x.w, c=x.c), None


def v_input(t: PaperTable, g: Group, c: Column):
    x = g.rows[0].input_shapes[0]
    return (c.format or "{h}×{w}×{c}").format(h=x.h, w=x.w, c=x.c), None


def v_depth(t: PaperTable, g: Group, c: Column):
    d = N.longest(g.rows).length
    return (c.format or "{d}").format(d=d), d


def _is_module(g: Group) -> bool:
    return any(len(r.inputs) > 1 for r in g.rows)


def v_channels(t: PaperTable, g: Group, c: Column):
    r = g.by_name.get(f"{g.name}/{c.layer}")
    if r is None:
        return (c.absent if _is_module(g) else ""), None
    return str(r.output.c), r.output.c


def v_pool(t: PaperTable, g: Group, c: Column):
    pool = g.by_name.get(f"{g.name}/{c.layer}")
    if pool is None:
        return "", None
    proj = g.by_name.get(f"{g.name}/{c.proj}") if c.proj else None
    word = (c.words or {}).get(pool.kind, pool.kind)
    return (c.format or "{pool} + {proj}").format(
        pool=word, proj=c.absent if proj is None else proj.output.c), None


def _fields(r: LayerRow) -> dict:
    a, x = r.attrs, r.input_shapes[0] if r.input_shapes else r.output
    k = a["k"] if RULES[r.kind].windowed else (0, 0)
    s = _pair(a.get("s")) or (1, 1)
    return {"k": _one(k), "s": _one(s), "c": r.output.c, "hi": x.h, "wi": x.w,
            "stride": "" if s == (1, 1) else f", stride {_one(s)}"}


def _chain(rows: list[LayerRow], kinds) -> list[LayerRow]:
    """The longest chain of weighted layers (of the given kinds) through ``rows``: a residual
    block's main branch rather than its projection, a dense layer's two convs."""
    return N.longest(rows, lambda r: r.kind in kinds and N.weighted(r)).rows()


def v_config(t: PaperTable, g: Group, c: Column):
    """Single layers as themselves, and each run of alike block instances as ``[…] × n``
    (``block``; ``{repeated}``: the instance written n times, as VGG's Table 1 does), in the
    network's order."""
    prefix = g.prefix
    inner = c.inner or c.formats
    order: list[tuple[str, object]] = []        # ("single", text) or ("block", instance)
    instances: dict[str, list[LayerRow]] = {}
    for r in g.rows:
        rest = r.name[len(prefix):] if prefix and r.name.startswith(prefix) else ""
        if "/" in rest.strip("/"):
            inst = rest.strip("/").split("/")[0]
            if inst not in instances:
                instances[inst] = []
                order.append(("block", inst))
            instances[inst].append(r)
        elif r.kind in c.formats:
            order.append(("single", c.formats[r.kind].format(**_fields(r))))
    parts: list[list] = []          # [kind, text, count]
    for what, item in order:
        if what == "single":
            parts.append([what, item, 1])
            continue
        text = c.sep.join(inner[r.kind].format(**_fields(r)) for r in _chain(instances[item],
                                                                             inner))
        if parts and parts[-1][0] == "block" and parts[-1][1] == text:
            parts[-1][2] += 1
        else:
            parts.append(["block", text, 1])
    out = [text if what == "single" else
           c.block.format(layers=text, n=n, repeated=c.sep.join([text] * n))
           for what, text, n in parts]
    return ", ".join(out), None


def v_label(t: PaperTable, g: Group, c: Column):
    return "", None           # filled in from the paper's own text by ``_cell``


def _numeric(count):
    def value(t: PaperTable, g: Group, c: Column):
        n = sum(count(r) for r in g.rows)
        return ("", 0) if n == 0 else (_units(n, c), n)
    return value


VALUES = {
    "type": v_type,
    "patch": v_patch,
    "output": v_output,
    "input": v_input,
    "depth": v_depth,
    "channels": v_channels,
    "pool": v_pool,
    "config": v_config,
    "label": v_label,
    "weights": _numeric(lambda r: N.params(r, bias=False)),
    "params": _numeric(N.params),
    "macs": _numeric(lambda r: r.counts.macs),
}


def _units(n: int, c: Column) -> str:
    return f"{n / c.unit:,.{c.decimals}f}{c.suffix}"


@dataclass(frozen=True)
class Cell:
    text: str                 # the computed value as shown
    value: int | None         # the computed number, exact, where the column has one
    printed: str              # the paper's value as printed ("" when it printed none)
    mark: str                 # "" (nothing printed, nothing computed), ✓, ≈ or ✗
    gap: float | None         # relative gap, for numeric columns
    explain: str              # from the data file
    named: tuple[str, ...] = ()   # words of the table's ``named`` the printed cell adds (agrees)


def _printed_number(text: str, c: Column) -> tuple[float, float]:
    """A printed number in the column's unit, and one unit of its last digit."""
    s = text.strip().replace(",", "")
    if c.suffix and s.endswith(c.suffix):
        s = s[: -len(c.suffix)]
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", s):
        raise ValueError(text)
    decimals = len(s.split(".")[1]) if "." in s else 0
    return float(s), 10.0 ** -decimals


def _norm(s: str) -> str:
    return re.sub(r"\s+", "", s).replace("x", "×")


def _without_named(t: PaperTable, printed: str) -> tuple[str, tuple[str, ...]]:
    """The printed text without the ``named`` words it lists as items of its own (", softmax"
    at the end, "softmax, " at the start), and the words taken out."""
    taken = []
    for word in t.named or {}:
        w = re.escape(word)
        shorter = re.sub(rf"\s*[,;]\s*{w}\s*$|^\s*{w}\s*[,;]\s*", "", printed)
        if shorter != printed:
            printed = shorter
            taken.append(word)
    return printed, tuple(taken)


def _cell(t: PaperTable, g: Group, c: Column, spec: RowSpec, where: str) -> Cell:
    if c.value == "label":
        label = str(spec.paper.get(c.key, ""))
        return Cell(label, None, label, "", None, "")
    if spec.as_ is not None:
        if c.key not in spec.paper:
            return Cell("", None, "", "", None, "")
        c = replace(c, **spec.as_)
    text, value = VALUES[c.value](t, g, c)
    printed = spec.paper.get(c.key, "")
    printed = str(printed)
    explain = spec.explain.get(c.key, "")
    if not printed and (not text or value == 0):     # a blank reads as zero (depth 0)
        return Cell(text, value, "", "", None, explain)
    if not printed or not text:
        return Cell(text, value, printed, DISAGREE, None, explain)
    if c.value in NUMERIC:
        try:
            p, one = _printed_number(printed, c)
        except ValueError:
            raise _fail(t.file, f"{where}.paper.{c.key}",
                        f"expected a number with suffix '{c.suffix}', found {printed!r}") from None
        x = value / c.unit
        gap = abs(x - p) / p if p else float("inf")
        mark = AGREE if abs(x - p) < one else NEAR if gap <= t.tolerance else DISAGREE
        return Cell(text, value, printed, mark, gap, explain)
    if _norm(text) == _norm(printed):
        return Cell(text, value, printed, AGREE, None, explain)
    shorter, named = _without_named(t, printed)
    if named and _norm(text) == _norm(shorter):
        return Cell(text, value, printed, AGREE, None, explain, named)
    return Cell(text, value, printed, DISAGREE, None, explain)


def compare(t: PaperTable, g: Group, c: Column, spec: RowSpec, where: str, text: str) -> Cell:
    """Column ``c`` of row ``spec`` computed for ``g`` and compared with ``text`` written in
    its place, as the paper's own printed cell is (``archcalc check`` marks a pasted paper
    table this way)."""
    return _cell(t, g, c, replace(spec, paper={**spec.paper, c.key: text}), where)


@dataclass(frozen=True)
class PaperView:
    """A paper table computed for one analysis: data only; ``render.paper`` sets it as a table."""

    table: PaperTable
    analysis: Analysis
    groups: tuple[Group, ...]
    cells: tuple[tuple[Cell, ...], ...]       # [row][column]
    by_column: tuple[tuple[Group, ...], ...] = ()   # [row][column]: the group each cell is of
                                                    #   (a column's own ``network``'s)

    def disagreements(self) -> list[tuple[int, Column, Cell]]:
        return [(i, c, cell) for i, row in enumerate(self.cells)
                for c, cell in zip(self.table.columns, row) if cell.mark == DISAGREE]


def compute(a: Analysis, t: PaperTable | None = None) -> PaperView:
    """Every cell of table ``t`` (by default the one listing ``a``'s network) for analysis ``a``;
    a column with ``network`` set is computed from that network, analysed at its own input."""
    t = t or table_for(a.network)
    analyses = {a.network: a}
    for c in t.columns:
        if c.network and c.network not in analyses:
            from ..core import engine, spec

            try:
                analyses[c.network] = engine.analyse(spec.load(c.network))
            except ArchcalcError as e:
                raise _fail(t.file, f"column '{c.key}'", f"network '{c.network}': {e}") from None
    groups, cells, by_column = [], [], []
    for i, rspec in enumerate(t.rows):
        where = f"rows[{i}]"
        per_net = {}
        for name in {c.network or a.network for c in t.columns}:
            per_net[name] = _select(analyses[name], rspec, where, t.file)
        groups.append(per_net[a.network] if a.network in per_net
                      else _select(a, rspec, where, t.file))
        by_column.append(tuple(per_net[c.network or a.network] for c in t.columns))
        cells.append(tuple(_cell(t, g, c, rspec, where) for g, c in zip(by_column[-1],
                                                                         t.columns)))
    return PaperView(t, a, tuple(groups), tuple(cells), tuple(by_column))


# --- what the rows cover ------------------------------------------------------------------

def _named_notes(v: PaperView) -> list[str]:
    """One line per word of the table's ``named`` that some printed cell adds: which rows, and
    why those cells agree without it."""
    out = []
    for word, why in (v.table.named or {}).items():
        rows = []
        for i, row in enumerate(v.cells):
            if any(word in cell.named for cell in row):
                label = next((x.printed or x.text for x in row if x.printed or x.text),
                             f"row {i + 1}")
                rows.append(label)
        if rows:
            out.append(f"the paper's table also names {word} (row {', '.join(rows)}), a layer "
                       f"the spec need not have: {why}; those cells are compared without it "
                       f"and agree")
    return out


def _coverage(v: PaperView) -> str:
    a = v.analysis
    covered = {r.name for g in v.groups for r in g.rows}
    t = a.totals
    w = sum(r.counts.weights for r in a.rows if r.name in covered and not r.aux)
    m = sum(r.counts.macs for r in a.rows if r.name in covered and not r.aux)
    missing = [r.name for r in a.rows if not r.aux and r.name not in covered
               and (r.counts.weights or r.counts.macs)]
    text = (f"the rows cover {w:,} of the network's {t.weights:,} weights and {m:,} of its "
            f"{t.macs:,} MACs (auxiliary heads are not in the table)")
    if missing:
        text += "; not in any row: " + ", ".join(missing)
    return text
