"""The layer table: an ``Analysis`` in, a ``render.table.Table`` out, rendered in every format.

The table is a list of columns (``COLUMNS``: a machine name, a header, how to read a row's
value, whether it is totalled); every format — text, github, markdown, csv, tsv, json, latex,
html — renders the same chosen columns through ``render.table``. Numbers stay exact integers
until there, and are formatted (thousands separators, or SI prefixes with ``--units si``) only
in the human-readable formats; csv, tsv and json carry the exact integers.
"""

from __future__ import annotations

from typing import Callable

from ..analysis import counting as N
from . import table as T
from . import units as U
from ..core.kinds import RULES, weighted_text
from ..core.records import Analysis, LayerRow, Record, _set

from .formats import FORMATS  # noqa: F401  (the formats of every table)


class Options(Record):
    """How to count and what to show.

    ``bias=False`` counts weights only, as many lecture tables do; ``aux=True`` adds a second
    total that includes the auxiliary heads; ``count`` names the extra operations the FLOPs
    column adds (``conventions.EXTRAS``); ``convention`` a preset that reproduces another tool
    (``conventions.PRESETS``; ``None``: the default, not named in the footer); ``units`` and
    ``kilo`` how numbers are printed; ``dtype``, ``batch`` and ``optimizer`` the memory
    estimate that ``memory=True`` shows; ``rf=True`` the receptive-field columns; ``columns``
    the columns to show, in order (empty: the default set); ``training=True`` a column of a
    training step's FLOPs (forward and backward, ``counting.training_flops``); ``depth`` or
    ``by`` a rollup: the rows as a tree of stages and blocks with their subtotals
    (``analysis.rollup``): to this depth, or by "block" or "stage"."""

    __slots__ = ("bias", "aux", "count", "convention", "units", "kilo", "dtype", "batch",
                 "optimizer", "memory", "rf", "columns", "training", "depth", "by")
    bias: bool
    aux: bool
    count: tuple[str, ...]
    convention: str | None
    units: str
    kilo: int
    dtype: str
    batch: int
    optimizer: str
    memory: bool
    rf: bool
    columns: tuple[str, ...]
    training: bool
    depth: int | None
    by: str | None

    def __init__(self, bias: bool = True, aux: bool = False, count: tuple[str, ...] = (),
                 convention: str | None = None, units: str = "exact", kilo: int = 1000,
                 dtype: str = "fp32", batch: int = 1, optimizer: str = "sgd",
                 memory: bool = False, rf: bool = False, columns: tuple[str, ...] = (),
                 training: bool = False, depth: int | None = None, by: str | None = None):
        _set(self, "bias", bias)
        _set(self, "aux", aux)
        _set(self, "count", count)
        _set(self, "convention", convention)
        _set(self, "units", units)
        _set(self, "kilo", kilo)
        _set(self, "dtype", dtype)
        _set(self, "batch", batch)
        _set(self, "optimizer", optimizer)
        _set(self, "memory", memory)
        _set(self, "rf", rf)
        _set(self, "columns", columns)
        _set(self, "training", training)
        _set(self, "depth", depth)
        _set(self, "by", by)


def counted_params(c, opt: Options) -> int:
    """The params of a row or ``Counts`` as ``opt`` counts them: weights + biases, or weights."""
    return N.params(c, opt.bias)


layer_params = counted_params


# --- columns ---------------------------------------------------------------------------------

class Column(Record):
    """One column: ``value(row, ctx)`` is the exact value (an int or a string); ``kind`` says
    how a human-readable format prints it: ``text``, ``size`` (H, W, C: separators only),
    ``count`` (units apply), ``bytes``; counts and bytes are totalled. ``short``: the header
    abbreviated, when a text table is fitted to a narrow terminal; ``spare``: what gives every
    cell of the column when a fitted text table leaves it out (``render.table.Column``). ``own``:
    the value depends on the layer's name or its inputs' names (its receptive field); every other
    column's value depends only on what a layer's repeats share (``shared_key``), and is computed
    once for them. ``field``: for an own value that depends only on the layer's receptive field
    and whether the layer joins branches, the function of those two that gives it (``value``
    gives it through the table's ``Context``): worked out once per field."""

    __slots__ = ("key", "header", "value", "kind", "short", "own", "spare", "field")
    key: str
    header: str
    value: Callable[[LayerRow, "Context"], object]
    kind: str
    short: str
    own: bool
    spare: str
    field: Callable[[object, bool], str] | None

    def __init__(self, key: str, header: str, value: Callable[[LayerRow, "Context"], object],
                 kind: str = "count", short: str = "", own: bool = False, spare: str = "",
                 field: Callable[[object, bool], str] | None = None):
        _set(self, "key", key)
        _set(self, "header", header)
        _set(self, "value", value)
        _set(self, "kind", kind)
        _set(self, "short", short)
        _set(self, "own", own)
        _set(self, "spare", spare)
        _set(self, "field", field)

    @property
    def totalled(self) -> bool:
        return self.kind in ("count", "bytes")


class Context:
    """What the cells need beyond the row, computed once per table (and only when used)."""

    __slots__ = ("a", "opt", "_fields", "_rf", "_row", "_field")

    def __init__(self, a: Analysis, opt: Options):
        self.a, self.opt, self._fields, self._rf = a, opt, None, {}
        self._row = self._field = None

    def rf_text(self, fn, r: LayerRow) -> str:
        """``fn(field of r, whether r joins branches)`` (a column's ``field``), once per field
        object (the layers that do not change a field share it: a relu's is its input's)."""
        if r is not self._row:      # a row's field, found once for its several columns
            self._row, self._field = r, self.fields[r.name]
        f = self._field
        join = len(r.inputs) > 1
        key = (fn, id(f), join)            # f lives as long as the fields: a fixed id
        got = self._rf.get(key)
        if got is None:
            if len(self._rf) >= SHARED_CACHE:
                self._rf.clear()
            got = self._rf[key] = fn(f, join)
        return got

    @property
    def fields(self) -> dict:
        if self._fields is None:
            from ..analysis import receptive

            self._fields = receptive.fields(self.a)
        return self._fields

    @property
    def bytes_per(self) -> int:
        from ..analysis.memory import DTYPES

        return DTYPES[self.opt.dtype]


def shared_key(r: LayerRow) -> tuple:
    """What a row's values depend on but for its name and its inputs' names: rows with equal
    keys (a repeated layer's repeats, which the engine gives one attribute table, input and
    output shapes, counts and notes: the same objects) have equal values in every column that is
    not ``own``. The ids are of objects the analysis keeps alive."""
    return (r.kind, id(r.attrs), id(r.input_shapes), id(r.output), id(r.counts), id(r.notes),
            r.geometry, r.aux)


SHARED_CACHE = 4096     # shared keys remembered at once (a network without repeats: each once)


def _hw(r: LayerRow) -> tuple[object, object]:
    return ("", "") if r.output.flat else (r.output.h, r.output.w)


def _rf_column(key: str, header: str, fn_name: str, join: bool = False) -> Column:
    """A receptive-field column: ``receptive.<fn_name>`` of a layer's field (and, ``join``,
    of whether the layer joins branches)."""
    def text(f, joins: bool) -> str:
        fn = getattr(_receptive(), fn_name)
        return fn(f, joins) if join else fn(f)

    return Column(key, header, lambda r, c: c.rf_text(text, r), "text", own=True, field=text)


_receptive_module = None


def _receptive():
    global _receptive_module
    if _receptive_module is None:
        from ..analysis import receptive

        _receptive_module = receptive
    return _receptive_module


def _activations(r: LayerRow, ctx: Context) -> int:
    return N.activations(r)


# The column a ``--convention`` preset adds to the table, (key, header): the tool's own count of
# each row (``analysis.conventions``, imported only when such a column is shown); the papers
# and torchvision add none.
PRESET_COLUMN = {
    "fvcore": ("fvcore_flops", "fvcore flops"),
    "ptflops": ("ptflops_macs", "ptflops MACs"),
    "keras": ("keras_params", "Keras params"),
    "torchinfo": ("torchinfo_mult_adds", "torchinfo mult-adds"),
    "thop": ("thop_macs", "thop MACs"),
}


def _preset_count(preset: str, r: LayerRow) -> int:
    from ..analysis import conventions as CV

    return CV.count(preset, r)


COLUMNS: dict[str, Column] = {c.key: c for c in (
    Column("layer", "layer", lambda r, c: r.name, "text", own=True),
    Column("kind", "kind", lambda r, c: r.kind, "text"),
    Column("kernel_stride_padding", "K/S/P", lambda r, c: r.geometry, "text"),
    Column("h", "H", lambda r, c: _hw(r)[0], "size"),
    Column("w", "W", lambda r, c: _hw(r)[1], "size"),
    Column("c", "C", lambda r, c: r.output.c, "size"),
    Column("params", "params", lambda r, c: layer_params(r, c.opt)),
    Column("fixed", "fixed", lambda r, c: r.counts.fixed),
    Column("macs", "MACs", lambda r, c: r.counts.macs),
    Column("flops", "FLOPs", lambda r, c: N.flops(r, c.opt.count)),
    Column("training_flops", "train FLOPs", lambda r, c: N.training_flops(r, c.opt.count)),
    Column("activations", "activations", _activations, short="acts"),
    Column("activation_bytes", "act. bytes", lambda r, c: _activations(r, c) * c.bytes_per,
           "bytes", "act. B"),
    Column("param_bytes", "param bytes", lambda r, c: layer_params(r, c.opt) * c.bytes_per,
           "bytes", "par. B"),
    _rf_column("rf", "RF", "size_text"),
    _rf_column("rf_jump", "jump", "jump_text"),
    _rf_column("rf_start", "start", "start_text"),
    _rf_column("rf_via", "RF via", "via_text", join=True),
    _rf_column("rf_path", "RF path", "path_text"),
    *(Column(key, header, lambda r, c, p=preset: _preset_count(p, r)) for preset, (key, header)
      in PRESET_COLUMN.items()),
    Column("notes", "note", lambda r, c: " | ".join(n.text for n in r.notes), "text"),
)}
MEMORY_KEYS = ("activations", "activation_bytes", "param_bytes")
RF_KEYS = ("rf", "rf_jump", "rf_start", "rf_via")


def column_keys(a: Analysis, opt: Options, machine: bool = False) -> list[str]:
    """The chosen columns, in order: ``opt.columns``, or the default set (with ``fixed`` where a
    network has fixed parameters, or always in the machine formats)."""
    if opt.columns:
        return list(opt.columns)
    keys = ["layer", "kind", "kernel_stride_padding", "h", "w", "c", "params", "macs", "flops"]
    if machine or a.totals.fixed:
        keys.insert(7, "fixed")
    if opt.training:
        keys.append("training_flops")
    if opt.convention in PRESET_COLUMN:
        keys.append(PRESET_COLUMN[opt.convention][0])
    if opt.memory:
        keys += MEMORY_KEYS
    if opt.rf:
        keys += RF_KEYS
    return keys + ["notes"]


def human_columns(a: Analysis, opt: Options) -> list[Column]:
    """The columns of the human-readable layer table: FLOPs is spare there (a text table fitted
    to a narrow terminal may leave it out) when it is 2 × MACs in every row, the MACs column
    beside it and the foot saying so: without ``--count`` extras."""
    keys = column_keys(a, opt)
    cols = [COLUMNS[k] for k in keys]
    if not opt.count and "macs" in keys:
        c = COLUMNS["flops"]
        spare = c.replace(spare="2 × MACs")
        cols = [spare if x is c else x for x in cols]
    return cols


def find_column(name: str) -> str:
    """A column's key from its key or its header, any case; ``KeyError`` with the choices."""
    for c in COLUMNS.values():
        if name.lower() in (c.key.lower(), c.header.lower()):
            return c.key
    raise KeyError(name)


def _shows_memory(keys, opt: Options) -> bool:
    return opt.memory or any(k in MEMORY_KEYS for k in keys)


def _shows_rf(keys, opt: Options) -> bool:
    return opt.rf or any(k.startswith("rf") for k in keys)


# --- footer ----------------------------------------------------------------------------------

def conventions(a: Analysis, opt: Options) -> dict:
    """What was counted, in words; printed under every table and put in the JSON."""
    t = a.totals
    unsaid = N.unoffered_text(N.inference(a)) if opt.count else ""
    out = {
        "params": ("trainable weights + biases" if opt.bias else
                   "weights only; biases are not counted (--no-bias)"),
        "macs": (f"multiply-accumulates of the weighted layers ({weighted_text(a.kinds)}), batch 1; "
                 "bias additions, pooling, normalization and activations are not counted"),
        "flops": "FLOPs = 2 × MACs" + "".join(f" + {N.EXTRA_TEXT[k]}" for k in opt.count)
                 + ("; " + unsaid) * bool(unsaid),
        "rounding": "output sizes are floored unless a layer says ceil",
    }
    if t.fixed:
        out["fixed"] = (f"{t.fixed:,} parameters are fixed (not trained) and are not in the "
                        "params total")
    if t.buffers:
        held = {r.kind for r in a.rows if r.counts.buffers}
        whose = ", ".join(rule.buffers_text for kind, rule in RULES.items()
                          if kind in held and rule.buffers_text)
        out["buffers"] = (f"{t.buffers:,} non-trainable buffer values are not in params: "
                          f"{whose}; Keras's 'Total params' counts them: params + buffers = "
                          f"{counted_params(t, opt) + t.buffers:,}")
    if a.has_aux:
        ta = a.totals_with_aux
        extra = counted_params(ta, opt) - counted_params(t, opt)
        out["aux"] = (f"rows marked (aux) are auxiliary classifier heads, used in training only: "
                      f"they are not in the inference total ({extra:,} params, "
                      f"{ta.macs - t.macs:,} MACs)"
                      + ("; the second total includes them" if opt.aux else
                         "; --aux adds a total that includes them"))
    if opt.training or "training_flops" in opt.columns:
        out["training"] = ("train FLOPs = forward FLOPs + backward FLOPs; "
                           + N.training_text(a.kinds))
    if opt.convention:
        from ..analysis import conventions as CV

        out["convention"] = f"{opt.convention}: {CV.preset_summary(a, opt.convention)}"
    for preset, (key, _) in PRESET_COLUMN.items():     # a preset's column chosen alone
        if key in opt.columns and preset != opt.convention:
            from ..analysis import conventions as CV

            said = CV.uncounted(a, preset)
            if said:
                out[key] = said.removeprefix("; ")
    out["units"] = U.legend(opt.units, opt.kilo)
    return out


def _flops_line(a: Analysis, opt: Options) -> str:
    if not opt.count:       # each row's FLOPs are 2 × its MACs: so is their sum
        return f"FLOPs = 2 × MACs = {N.flops_of_macs(a.totals.macs):,}."
    rows = N.inference(a)
    total = sum(N.flops(r, opt.count) for r in rows)
    extra = {k: sum(N.extra_ops(r)[k] for r in rows) for k in opt.count}
    parts = "".join(f" + {v:,} {N.EXTRA_TEXT[k].split(' (')[0]}" for k, v in extra.items())
    unsaid = N.unoffered_text(rows)
    return (f"FLOPs = 2 × MACs{parts} = {total:,}; each extra operation is one FLOP: "
            + "; ".join(N.EXTRA_TEXT[k] for k in opt.count) + "." + (" " + unsaid) * bool(unsaid))


def _training_line(a: Analysis, opt: Options) -> str:
    rows = N.inference(a)
    forward = sum(N.flops(r, opt.count) for r in rows)
    backward = N.flops_of_macs(sum(N.backward_macs(r) for r in rows))
    return (f"train FLOPs = forward FLOPs + backward FLOPs = {forward:,} + {backward:,} = "
            f"{forward + backward:,}")


def memory_lines(a: Analysis, opt: Options,
                 activations: tuple[int | None, int | None] = (None, None)) -> list[str]:
    """The forward-pass and training memory, each labelled with what it includes
    (``activations``: the rows' activations without and with the auxiliary heads, where the
    table summed them as its rows went by; None: summed here)."""
    from ..analysis import memory as M

    t = a.totals
    m = M.memory(a, counted_params(t, opt), opt.dtype, opt.batch, opt.optimizer,
                 activations=activations[0])
    tr = M.memory(a, counted_params(a.totals_with_aux, opt),
                  opt.dtype, opt.batch, opt.optimizer, aux=True, activations=activations[1])
    b = m.bytes_per
    unit = (f"memory ({opt.dtype}, {b} byte{'s' if b > 1 else ''} per value; "
            "MB = 10⁶ B, MiB = 2²⁰ B):")
    act = m.activation_values
    lines = [
        unit,
        f"  forward activations per image: {_inputs_values(a, m.input_values)} + layer outputs "
        f"{act - m.input_values:,} = {act:,} values = {U.both_bytes(act * b)} (the input"
        f"{'s' * a.several_inputs} and "
        "every layer output that is a new tensor; in-place activations, dropout, flatten and "
        "the closing softmax add none)",
        f"  parameters: {m.params:,} values = {U.both_bytes(m.param_bytes)}",
        f"  training estimate, batch {opt.batch}, {opt.optimizer} ({M.OPTIMIZER_TEXT[opt.optimizer]}): "
        f"parameters {tr.params:,} + gradients {tr.params:,} + optimizer state {tr.state:,} + "
        f"activations kept for backward {tr.activation_values:,} × {opt.batch} = "
        f"{tr.training_values:,} values = {U.both_bytes(tr.training_bytes)}"
        + (" (auxiliary heads included)" if a.has_aux else ""),
    ]
    return lines


RF_TEXT = ("receptive field (RF) per axis, in input pixels: its size, the jump between "
           "neighbouring outputs, and the start of output 0's field (negative: in the "
           "padding); where branches join, the union of their fields, and RF via names the "
           "branch with the largest (the rf_path column: the whole path); global: sees the "
           "whole input (after a global pool, an fc layer or a squeeze-and-excitation gate)")


def _inputs_values(a: Analysis, total: int) -> str:
    """``input 150,528``, or each input's values: ``inputs image 12,288 + mask 4,096``."""
    if not a.several_inputs:
        return f"input {total:,}"
    return "inputs " + " + ".join(f"{n} {x.elements:,}" for n, x in a.inputs)


RF_INPUTS_TEXT = ("several inputs ({}): each layer's field is in the pixels of the input it "
                  "reads; a layer that reads branches of different inputs (and every layer "
                  "after it) has its field not computed, as it spans two pixel grids")


def footer(a: Analysis, opt: Options, keys: list[str],
           activations: tuple[int | None, int | None] = (None, None)) -> list[str]:
    conv = conventions(a, opt)
    foot = [f"params: {conv['params']}.",
            f"MACs: {conv['macs']}. {_flops_line(a, opt)}",
            f"sizes: {conv['rounding']}."]
    if "training" in conv:
        rule = N.training_text(a.kinds)
        foot.append(f"training: {_training_line(a, opt)}; {rule}.")
    for key in ("fixed", "buffers", "aux", "convention", *(k for k, _ in
                                                           PRESET_COLUMN.values())):
        if key in conv:
            foot.append(f"{key}: {conv[key]}.")
    foot.append(f"units: {conv['units']}"
                + (" (bytes: MB = 10⁶ B, MiB = 2²⁰ B)." if opt.units != "exact" and
                   _shows_memory(keys, opt) else "."))
    if _shows_memory(keys, opt):
        foot += memory_lines(a, opt, activations)
    if _shows_rf(keys, opt):
        foot.append(RF_TEXT + ".")
        if len(a.inputs) > 1:
            foot.append(RF_INPUTS_TEXT.format(", ".join(n for n, _ in a.inputs)) + ".")
    for n in a.notes:
        foot.append(f"spec: {n}.")
    return foot


# --- the table ---------------------------------------------------------------------------------

def _total_rows(a: Analysis, opt: Options):
    """(label, rows summed) for the total lines."""
    out = [("total", [r for r in a.rows if not r.aux])]
    if opt.aux and a.has_aux:
        out.append(("total with aux", list(a.rows)))
    return out


class _Rows:
    """The rows of exact values, produced one at a time, each added to the total lines as it
    goes by: a table is written row by row and its totals are ready when its rows are."""

    def __init__(self, a: Analysis, opt: Options, cols):
        self.a, self.cols, self.ctx = a, cols, Context(a, opt)
        self.labels = [label for label, _ in _total_rows(a, opt)]
        self.summed = [j for j, c in enumerate(cols) if c.totalled]
        self.sums = {label: [0] * len(cols) for label in self.labels}
        self.done = False           # (every row read, its values summed)

    def __iter__(self):
        """The rows afresh, their totals summed anew (a text table reads them twice)."""
        cols, ctx = self.cols, self.ctx
        self.done = False
        self.sums = {label: [0] * len(cols) for label in self.labels}
        inference, every = self.sums["total"], self.sums.get("total with aux")
        own = [(j, c.value) for j, c in enumerate(cols) if c.own and not c.field]
        # the receptive-field columns' values, once per field (and join or not): a layer that
        # does not change its input's field (bn, relu) shares it
        field_cols = [(j, c.field) for j, c in enumerate(cols) if c.field]
        fields = ctx.fields if field_cols else None
        by_field: dict[tuple, list] = {}    # (id(field), joins) → [(column, value)]
        # A totalled column's value is summed once per group of rows that share it, times the
        # group's rows (exact, as integers are); one of a row's own values (none of the table's
        # columns yet), or one that is not an int, is added row by row.
        by_row = [j for j in self.summed if cols[j].own]
        by_group = [j for j in self.summed if not cols[j].own]
        shared: dict[tuple, list] = {}  # shared_key → [its values, aux, its rows so far]

        def fold():
            for values, aux, n in shared.values():
                for j in by_group:
                    if not aux:
                        inference[j] += values[j] * n
                    if every is not None:
                        every[j] += values[j] * n
            shared.clear()

        for r in self.a.rows:
            key = shared_key(r)
            group = shared.get(key)
            if group is None:
                if len(shared) >= SHARED_CACHE:
                    fold()
                values = [None if c.own else c.value(r, ctx) for c in cols]
                if any(type(values[j]) is not int for j in by_group):
                    fold()
                    by_row, by_group = self.summed, []
                group = shared[key] = [values, r.aux, 0]
            group[2] += 1
            values = group[0]
            row = T.Row(values)
            row.base = values
            for j, value in own:
                row[j] = value(r, ctx)
            if field_cols:
                f, join = fields[r.name], len(r.inputs) > 1
                fkey = (id(f), join)              # (the fields are kept: their ids are fixed)
                got = by_field.get(fkey)
                if got is None:
                    if len(by_field) >= SHARED_CACHE:
                        by_field.clear()
                    got = by_field[fkey] = [(j, text(f, join)) for j, text in field_cols]
                for j, v in got:
                    row[j] = v
            for j in by_row:
                if not r.aux:
                    inference[j] += row[j]
                if every is not None:
                    every[j] += row[j]
            yield r, row
        fold()
        self.done = True

    def column_sums(self, key: str) -> tuple[int | None, int | None]:
        """Column ``key``'s sums over the rows read (without and with the auxiliary heads),
        each None where the rows were not all read or the column not summed."""
        j = next((j for j, c in enumerate(self.cols) if c.key == key and c.totalled), None)
        if j is None or not self.done:
            return None, None
        inference = self.sums["total"][j]
        every = self.sums.get("total with aux")
        if every is not None:
            return inference, every[j]
        return inference, None if self.a.has_aux else inference

    def totals(self) -> list[list]:
        """The total lines: a label in the layer column, the sums in the totalled ones."""
        return [[label if c.key == "layer" else self.sums[label][j] if c.totalled else ""
                 for j, c in enumerate(self.cols)] for label in self.labels]


def _numbered(a: Analysis) -> list[tuple[str, str]]:
    """(layer, note) of every note, numbered from 1 in this order."""
    return [(r.name, n.text) for r in a.rows for n in r.notes]


def _human(a: Analysis, opt: Options, cols, rows: _Rows):
    """The rows for the human-readable formats: the note column holds references [1], [2] to
    the numbered notes printed under the table, and an auxiliary head's kind says so."""
    n = 0
    for r, values in rows:
        if r.aux or r.notes:
            line = []
            for c, v in zip(cols, values):
                if c.key == "notes":
                    v = " ".join(f"[{i}]" for i in range(n + 1, n + 1 + len(r.notes)))
                elif c.key == "kind" and r.aux:
                    v = f"{v} (aux)"
                line.append(v)
            n += len(r.notes)
            values = line
        yield values          # a row without notes: its note cell is "" as in the CSV


def _head(a: Analysis) -> list[str]:
    """The title, the source and the input. Where ``--input`` or ``--set`` changed the spec, the
    title gives the totals computed for this network, and the spec's description (written for
    the network as the spec has it, often with its totals) follows as that."""
    head = [a.title]
    if a.changes:
        t = a.totals
        head = [f"{a.network} with {' '.join(a.changes)} — {U.exact(t.params)} parameters, "
                f"{U.exact(t.macs)} MACs"]
        if a.description:
            head.append(f"the spec as written: {a.description}")
    return head + [f"source: {a.source or 'no source given'}", input_line(a)]


def input_line(a: Analysis) -> str:
    """``input: 3×224×224 (C×H×W), batch 1``, or with several inputs each by name in order:
    ``inputs: image 3×64×64, mask 1×64×64 (C×H×W), batch 1``."""
    if len(a.inputs) == 1:
        x = a.input
        return f"input: {x.c}×{x.h}×{x.w} (C×H×W), batch 1"
    return ("inputs: " + ", ".join(f"{n} {x.c}×{x.h}×{x.w}" for n, x in a.inputs)
            + " (C×H×W), batch 1")


def _foot_all(a: Analysis, opt: Options, cols, numbered,
              activations: tuple[int | None, int | None] = (None, None)) -> list[str]:
    foot = footer(a, opt, [c.key for c in cols], activations)
    if numbered:
        foot.append("notes:")
        foot += [f"  [{i}] {name}: {text}" for i, (name, text) in enumerate(numbered, 1)]
    if a.even_inputs:
        sizes = " or ".join(f"{s}×{s}" for s in a.even_inputs)
        foot.append(f"nearest inputs at which no layer leaves input pixels out: {sizes}")
    return foot


# --- rollups (--depth, --by) ------------------------------------------------------------------

def rolled_up(opt: Options) -> bool:
    return opt.depth is not None or opt.by is not None


def _rollup_text(opt: Options) -> str:
    how = (f"--depth {opt.depth} (torchinfo's depth: 1 = the top level)" if opt.depth
           else "--by stage (= --depth 1)" if opt.by == "stage"
           else "--by block (each outermost block instance once)")
    return (f"rollup: {how}. A Σ row is a stage (an item the spec repeats: conv3 = conv3_1 … "
            "conv3_n) or a block instance, with the subtotal of the layers under it: counts "
            "summed, the shape (and receptive field) of its output, its last layer's; a Σ row "
            "followed by its rows is shown open, one without them stands for them; each "
            "\N{MIDDLE DOT} is one level deeper. The totals count every layer once.")


class _Sums:
    """Each column's sum over rows (a group's subtotals): a row's values worked out once for
    the rows that share them (``shared_key``: a repeated layer's repeats)."""

    def __init__(self, cols, ctx: Context):
        self.cols, self.ctx, self.known = cols, ctx, {}

    def __call__(self, rows) -> list[int]:
        sums = [0] * len(self.cols)
        known, cols, ctx = self.known, self.cols, self.ctx
        for r in rows:
            key = shared_key(r)
            values = known.get(key)
            if values is None:
                if len(known) >= SHARED_CACHE:
                    known.clear()
                values = known[key] = [c.value(r, ctx) for c in cols]
            sums = [s + v for s, v in zip(sums, values)]
        return sums


def _rollup(a: Analysis, opt: Options, cols, lines=None):
    """(line, the layer rows it stands for, its exact values) per rollup line (``lines``: the
    rollup's ``R.lines``, where they were worked out already)."""
    from ..analysis import rollup as R

    ctx = Context(a, opt)
    if lines is None:
        lines = R.lines(R.tree(a), depth=opt.depth, by=opt.by)
    totalled = [c for c in cols if c.totalled]
    summed = _Sums(totalled, ctx)
    for line in lines:
        node = line.node
        if not isinstance(node, R.Group):        # a layer: its row
            yield line, [node], [c.value(node, ctx) for c in cols]
            continue
        rows = node.rows()
        last = next((r for r in reversed(rows) if not r.aux), rows[-1])
        sums = dict(zip(map(id, totalled), summed(rows)))
        values = []
        for c in cols:
            if c.key == "layer":
                v = node.name
            elif c.key == "kind":
                v = f"Σ {node.kind}: {node.label}" if node.label else f"Σ {node.kind}"
            elif c.totalled:
                v = sums[id(c)]
            elif c.key in ("kernel_stride_padding", "notes"):
                v = ""
            else:
                v = c.value(last, ctx)      # H, W, C and the receptive field of its output
            values.append(v)
        yield line, rows, values


def _rollup_human(a: Analysis, opt: Options, cols, lines=None):
    """The rollup's rows for the human-readable formats: names indented by level, note
    references of every layer a line stands for, auxiliary groups marked."""
    from ..analysis import rollup as R

    numbers: dict[str, list[int]] = {}
    for i, (name, _) in enumerate(_numbered(a), 1):
        numbers.setdefault(name, []).append(i)
    for line, rows, values in _rollup(a, opt, cols, lines):
        group = isinstance(line.node, R.Group)
        aux = line.node.aux
        shown = rows if not group or line.collapsed else []
        out = []
        for c, v in zip(cols, values):
            if c.key == "layer":
                v = "\N{MIDDLE DOT} " * (line.depth - 1) + v
            elif c.key == "notes":
                v = " ".join(f"[{i}]" for r in shown for i in numbers.get(r.name, []))
            elif c.key == "kind" and aux:
                v = f"{v} (aux)"
            out.append(v)
        yield out


def _rollup_totals(a: Analysis, opt: Options, cols):
    rows = _Rows(a, opt, cols)
    for _ in rows:
        pass
    return rows.totals()


def rollup_table(a: Analysis, opt: Options) -> T.Table:
    """The layer table rolled up (``--depth`` or ``--by``): one line per group or layer shown,
    the totals over every layer as in the flat table."""
    from ..analysis import rollup as R

    cols = human_columns(a, opt)
    head = _head(a)
    kept: list = []     # the rollup's lines, worked out once for a text table's two readings

    def lines():
        if not kept:
            kept.append(R.lines(R.tree(a), depth=opt.depth, by=opt.by))
        return kept[0]

    return T.Table(cols, lambda: _rollup_human(a, opt, cols, lines()),
                   lambda: _rollup_totals(a, opt, cols), title=head[0], head=head[1:],
                   foot=lambda: ["", *_foot_all(a, opt, cols, _numbered(a)), _rollup_text(opt)],
                   units=opt.units, kilo=opt.kilo, machine=lambda: rollup_machine(a, opt),
                   document=lambda: document(a, opt))


def rollup_machine(a: Analysis, opt: Options) -> T.Table:
    """CSV and TSV of a rollup: the machine columns, and each line's ``depth`` and ``row``
    (``layer``, or ``stage``/``block`` for a subtotal, ``open`` where its rows follow)."""
    from ..analysis import rollup as R

    cols = [COLUMNS[k] for k in column_keys(a, opt, machine=True)]
    extra = [T.Column("depth", "depth", "size"), T.Column("row", "row")]
    has_aux = a.has_aux          # a property that reads every row: once, not once per line
    if has_aux:
        extra.append(T.Column("aux", "aux"))

    def rows():
        for line, _, values in _rollup(a, opt, cols):
            node = line.node
            group = isinstance(node, R.Group)
            kind = (node.kind + ("" if line.collapsed else " open")) if group else "layer"
            aux = node.aux
            yield values + [line.depth, kind] + ([str(aux).lower()] if has_aux else [])

    return T.Table(cols + extra, rows(),
                   lambda: [t + [""] * len(extra) for t in _rollup_totals(a, opt, cols)])


def rollup_tree(a: Analysis, opt: Options) -> "T.Stream":
    """The JSON's ``rollup.tree``: each group with its subtotals and, unless the rollup stops
    at it (``collapsed``), its children; a layer as ``{"layer": name, "depth": d}``."""
    from ..analysis import rollup as R

    ctx = Context(a, opt)
    keys = ("params", "macs", "flops", "activations") + (("training_flops",) if opt.training
                                                          else ())
    top = R.tree(a)
    summed = _Sums([COLUMNS[k] for k in keys], ctx)
    # A collapsed group's entries, its name a hole, by what they depend on: its place and its
    # rows' shared_keys (the instances of a block repeated n times: made and encoded once).
    shared: dict[tuple, T.Pattern] = {}

    def entries(n, rows, collapsed: bool) -> dict:
        last = next((r for r in reversed(rows) if not r.aux), rows[-1])
        return {"kind": n.kind, "block": n.block or None,
                "repeats": n.repeats if n.kind == "stage" else None, "depth": n.depth,
                "aux": all(r.aux for r in rows), "output": last.output.as_list(),
                "layers": len(rows), **dict(zip(keys, summed(rows))), "collapsed": collapsed}

    def node(n, depth: int):
        if type(n) is not R.Group:              # a layer: its row
            return {"layer": n.name, "depth": depth}
        rows = n.rows()
        if R.collapsed(n, opt.depth, opt.by):
            key = (n.kind, n.block, n.repeats, n.depth, *map(shared_key, rows))
            got = shared.get(key)
            if got is None:
                if len(shared) >= SHARED_CACHE:
                    shared.clear()
                got = shared[key] = T.Pattern({"name": T.TEXT_HOLE, **entries(n, rows, True)})
            return T.Filled((got, (n.name,)))
        return {"name": n.name, **entries(n, rows, False),
                "children": T.Stream(node(c, depth + 1) for c in n.children)}  # as written

    return T.Stream(node(n, 1) for n in top)


def table(a: Analysis, opt: Options = Options()) -> T.Table:
    """The layer table in the renderer's model: the human-readable columns and rows, the CSV's
    machine columns (``machine``), and the JSON contract (``document``); each computed only
    when its format is written, its rows one at a time."""
    if rolled_up(opt):
        return rollup_table(a, opt)
    cols = human_columns(a, opt)
    rows = _Rows(a, opt, cols)
    head = _head(a)
    return T.Table(cols, lambda: _human(a, opt, cols, rows), rows.totals, title=head[0],
                   head=head[1:],
                   foot=lambda: ["", *_foot_all(a, opt, cols, _numbered(a),
                                                rows.column_sums("activations"))],
                   units=opt.units, kilo=opt.kilo, machine=lambda: machine_table(a, opt),
                   document=lambda: document(a, opt))


def machine_table(a: Analysis, opt: Options) -> T.Table:
    """CSV and TSV: machine names as headers, exact integers, the notes' text; an ``aux``
    column for networks with auxiliary heads."""
    cols = [COLUMNS[k] for k in column_keys(a, opt, machine=True)]
    rows = _Rows(a, opt, cols)
    if not a.has_aux:
        return T.Table(cols, lambda: (values for _, values in rows), rows.totals)
    return T.Table(cols + [T.Column("aux", "aux")],
                   lambda: (values + [str(r.aux).lower()] for r, values in rows),
                   lambda: [t + [""] for t in rows.totals()])


def render(a: Analysis, fmt: str = "text", opt: Options = Options(),
           width: int | None = None) -> str:
    """The layer table in ``fmt`` (text fitted to ``width``: ``render.table.fitted_lines``)."""
    return T.render(table(a, opt), fmt, width)


def chunks(a: Analysis, fmt: str = "text", opt: Options = Options(), width: int | None = None):
    """``render(a, fmt, opt, width)`` in pieces (row by row for csv, tsv and json)."""
    return T.chunks(table(a, opt), fmt, width)


def interactive_html(a: Analysis, opt: Options, working: list[dict] | None = None) -> str:
    """``--format html``'s fragment with, on every body cell, its column (``data-key``) and exact
    value (``data-value``, for sorting), and where ``working`` (per row, column key → text, as
    ``homework.explain.cells`` gives it) has one, the cell's working: ``data-working``, a
    ``title`` shown on hover, and ``tabindex`` so that the keyboard reaches it."""
    def attrs(i: int, c, v) -> dict:
        at = {"data-key": c.key}
        if isinstance(v, int) and c.kind != "text":
            at["data-value"] = str(v)
        text = working[i].get(c.key) if working else None
        if text:
            at.update({"data-working": text, "title": text, "tabindex": "0"})
        return at

    if working and rolled_up(opt):         # one working per line shown: a layer's own, a Σ none
        from ..analysis import rollup as R

        by_name = {r.name: w for r, w in zip(a.rows, working)}
        working = [{} if isinstance(line.node, R.Group) else by_name[line.node.name]
                   for line in R.lines(R.tree(a), depth=opt.depth, by=opt.by)]
    t = table(a, opt)
    t.cell_attrs = attrs
    return T.render(t, "html")


def _asset(name: str) -> str:
    import os

    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "assets", name),
              encoding="utf-8") as f:
        return f.read()


def html_document(a: Analysis, opt: Options, working: list[dict] | None = None) -> str:
    """``--format html --standalone``: one self-contained HTML file (its style and its few
    lines of script inline, nothing fetched) with ``interactive_html``'s table: each cell's
    working shows on hover, and on click or Enter in a panel under the table."""
    from html import escape

    title = escape(f"{a.network} — archcalc")
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>", f"<style>\n{_asset('table.css')}</style>", "</head>",
        "<body>", "<main>", interactive_html(a, opt, working).rstrip("\n"),
        '<p id="working" class="working" role="status" aria-live="polite">Click a number (or '
        "focus it and press Enter) to see its working.</p>", "</main>",
        f"<script>\n{_asset('table.js')}</script>", "</body>", "</html>"]) + "\n"


def to_dict(a: Analysis, opt: Options = Options()) -> dict:
    """The JSON contract as plain data: ``document`` with its layers in a list."""
    return T.materialize(document(a, opt))


def document(a: Analysis, opt: Options = Options()) -> dict:
    """The JSON contract: ``network``, ``input`` [C, H, W], ``layers`` and ``totals``; every
    column's exact value is in each layer (and each totalled one in ``totals``), with the
    memory estimate and the receptive field of every layer. The layers are a ``Stream``, made
    one at a time as they are written; the totals, summed as they go by, follow them."""
    from ..analysis import memory as M

    ctx = Context(a, opt)
    extra_cols = [COLUMNS[k] for k in ("flops", "activations", "activation_bytes",
                                       "param_bytes")]
    if opt.training:
        extra_cols.insert(1, COLUMNS["training_flops"])
    if opt.convention in PRESET_COLUMN:
        extra_cols.append(COLUMNS[PRESET_COLUMN[opt.convention][0]])
    # Each total is the sum of its layers' values, as the text table's total lines are: one
    # computation for the inference total and the total with the auxiliary heads.
    keys = ("params", "weights", "biases", "fixed_params", "buffers", "macs",
            *(c.key for c in extra_cols))
    sums = {label: dict.fromkeys(keys, 0) for label in ("total", "total with aux")}

    def layers():
        # A layer's object: its own entries (name, inputs, receptive field) between entries its
        # repeats share (shared_key), each group made and encoded once; the totals add each
        # group's values times its count (exact integers: the same sums as row by row).
        fields = ctx.fields
        shared: dict[tuple, list] = {}  # shared_key → [middle, tail, aux, its layers so far]
        rf: dict[object, T.Shared] = {}  # id(field), (id(field), True) at a join → its entry
        for r in a.rows:
            key = shared_key(r)
            got = shared.get(key)
            if got is None:
                if len(shared) >= SHARED_CACHE:
                    fold(shared)
                middle = {
                    "geometry": r.geometry,
                    "output": r.output.as_list(),
                    "flat": r.output.flat,
                    "params": layer_params(r, opt),
                    "weights": r.counts.weights,
                    "biases": r.counts.biases,
                    "fixed_params": r.counts.fixed,
                    "buffers": r.counts.buffers,
                    "macs": r.counts.macs,
                }
                middle.update({c.key: c.value(r, ctx) for c in extra_cols})
                got = shared[key] = [T.Shared(middle), T.Shared(
                    notes=[{"kind": n.kind, "text": n.text} for n in r.notes], aux=r.aux),
                    r.aux, 0]
            got[3] += 1
            join = len(r.inputs) > 1
            f = fields[r.name]
            fkey = (id(f), True) if join else id(f)
            field = rf.get(fkey)
            if field is None:
                if len(rf) >= SHARED_CACHE:
                    rf.clear()
                field = rf[fkey] = _rf_part(f, join)
            head = HEAD_PATTERNS.get(len(r.inputs))
            yield T.Joined((T.Filled((head, (r.name, r.kind, *r.inputs))) if head else
                            {"name": r.name, "kind": r.kind, "inputs": list(r.inputs)},
                            got[0], field, got[1]))
        fold(shared)

    def fold(shared: dict) -> None:
        inference, every = sums["total"], sums["total with aux"]
        for middle, _, aux, n in shared.values():
            for k in keys:
                every[k] += middle[k] * n
                if not aux:
                    inference[k] += middle[k] * n
        shared.clear()

    def memory() -> dict:
        # (the params and activations of the layers, with and without the auxiliary heads:
        # summed as the layers were written)
        m = M.memory(a, sums["total"]["params"], opt.dtype, opt.batch, opt.optimizer,
                     activations=sums["total"]["activations"])
        tr = M.memory(a, sums["total with aux"]["params"], opt.dtype, opt.batch,
                      opt.optimizer, aux=True, activations=sums["total with aux"]["activations"])
        return {
            "dtype": opt.dtype, "bytes_per_value": m.bytes_per, "batch": opt.batch,
            "optimizer": opt.optimizer,
            "forward_activation_values": m.activation_values,
            "forward_activation_bytes": m.activation_bytes,
            "param_bytes": m.param_bytes,
            "training_values": tr.training_values,
            "training_bytes": tr.training_bytes,
        }

    out = {
        "network": a.network,
        "description": a.description,
        "source": a.source,
        "spec_file": a.spec_file,
        "input": a.input.as_list(),
        **({"inputs": [{"name": n, "shape": x.as_list()} for n, x in a.inputs]}
           if len(a.inputs) > 1 else {}),
        "conventions": dict(conventions(a, opt), bias_counted=opt.bias, count=list(opt.count),
                            preset=opt.convention),
        "layers": T.Stream(layers()),
        "totals": T.Lazy(lambda: sums["total"]),
        "memory": T.Lazy(memory),
        "notes": list(a.notes),
        "even_inputs": list(a.even_inputs),
        "accuracy": None if a.accuracy is None else {
            "top1": a.accuracy.top1, "top5": a.accuracy.top5, "metric": a.accuracy.metric,
            "source": a.accuracy.source, "dataset": a.accuracy.dataset or None,
            "protocol": a.accuracy.protocol or None},
    }
    if opt.aux and a.has_aux:
        out["totals_with_aux"] = T.Lazy(lambda: sums["total with aux"])
    if rolled_up(opt):
        out["rollup"] = T.Lazy(lambda: {"depth": opt.depth, "by": opt.by,
                                        "tree": rollup_tree(a, opt)})
    return out


# A layer's first entries, for one or two inputs (a chain, a join of two), as a template
HEAD_PATTERNS = {n: T.Pattern({"name": T.TEXT_HOLE, "kind": T.TEXT_HOLE,
                               "inputs": [T.TEXT_HOLE] * n}) for n in (1, 2)}
# _rf_dict's entries, as templates: a field; a field at a join, with the branch it comes through
_RF_AXIS = {"size": T.HOLE, "jump": T.HOLE, "start": T.HOLE}
RF_PATTERN = T.Pattern({"receptive_field": {"h": _RF_AXIS, "w": dict(_RF_AXIS)}})
RF_JOIN_PATTERN = T.Pattern({"receptive_field": {ax: _RF_AXIS | {"via": T.TEXT_HOLE}
                                                 for ax in "hw"}})


def _rf_part(f, join: bool):
    """A layer's ``receptive_field`` entry, as a part of its JSON object (``_rf_dict``)."""
    if f.h is not None:
        h, w = f.h, f.w
        if not join:
            return T.KeptFilled((RF_PATTERN, (h.size, h.jump, h.start, w.size, w.jump, w.start)))
        if h.path and w.path:
            return T.KeptFilled((RF_JOIN_PATTERN, (h.size, h.jump, h.start, h.path[-1],
                                                   w.size, w.jump, w.start, w.path[-1])))
    return T.Shared(receptive_field=_rf_dict(f, join))


def _rf_dict(f, join: bool) -> dict | str:
    """Size, jump and start per axis; at a join, ``via``: the input through which the largest
    field comes (following ``via`` back from join to join gives the whole path, which the
    ``rf_path`` column prints; repeating it on every layer would grow with the square of the
    depth)."""
    if f.h is None:
        return "global" if f.is_global else "not computed"
    if f.h is f.w and not join:     # one axis object for both (receptive.fields): one dict
        x = {"size": f.h.size, "jump": f.h.jump, "start": f.h.start}
        return {"h": x, "w": x}
    return {ax: {"size": x.size, "jump": x.jump, "start": x.start}
            | ({"via": x.path[-1]} if join and x.path else {})
            for ax, x in (("h", f.h), ("w", f.w))}


LIST_COLUMNS = [T.Column("network", "network"), T.Column("description", "description"),
                T.Column("source", "source")]


def list_table(infos) -> T.Table:
    """``archcalc list``: one row per network (``spec`` infos)."""
    rows = [[i.name, i.description, i.source] for i in infos]
    keys = [c.key for c in LIST_COLUMNS]
    return T.Table(LIST_COLUMNS, rows,
                   document=lambda: {"networks": [dict(zip(keys, r)) for r in rows]})


def render_list(infos, fmt: str = "text", width: int | None = None) -> str:
    return T.render(list_table(infos), fmt, width)
