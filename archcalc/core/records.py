"""Plain records that flow from the engine to the renderers: data only, no formatting."""

from __future__ import annotations

_set = object.__setattr__


class Record:
    """An immutable value: the base of every record made on the way to a table.

    A subclass names its fields in ``__slots__`` and writes ``__init__`` with ``_set`` (the
    instance refuses assignment); equality, hashing, ``repr``, pickling and ``replace`` come from
    the fields, as a frozen dataclass's would. A slot whose name begins with ``_`` is not a
    field: a value worked out from the fields once and kept (``Analysis.totals``). Not a dataclass, because ``@dataclass`` writes
    and compiles each class's methods every time its module is imported: the records, kinds,
    spec and renderer classes cost 40 % of ``archcalc table``'s start-up after click
    (BENCHMARKS.md, issue 12); code in a class body is compiled once into the bytecode cache.
    """

    __slots__ = ()
    _fields: tuple[str, ...] = ()    # every field's name, in order (set for each subclass)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._fields = tuple(f for c in reversed(cls.__mro__) for f in c.__dict__.get("__slots__", ())
                            if not f.startswith("_"))

    def _values(self) -> tuple:
        return tuple([getattr(self, f) for f in self._fields])

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{self.__class__.__qualname__}({fields})"

    def __setattr__(self, name, value):
        raise AttributeError(f"cannot assign to field {name!r} of a {self.__class__.__name__}")

    def __delattr__(self, name):
        raise AttributeError(f"cannot delete field {name!r} of a {self.__class__.__name__}")

    def __reduce__(self):
        return self.__class__, self._values()

    def replace(self, **changes):
        """A copy with ``changes`` (field = value) made, as ``dataclasses.replace`` makes one."""
        values = {f: getattr(self, f) for f in self._fields}
        unknown = set(changes) - set(values)
        if unknown:
            raise TypeError(f"{self.__class__.__name__} has no field {sorted(unknown)[0]!r}")
        values.update(changes)
        return self.__class__(**values)



class Shape(Record):
    """A feature map ``C × H × W`` (batch excluded). ``flat`` marks a vector (after flatten/fc)."""

    __slots__ = ("c", "h", "w", "flat")
    c: int
    h: int
    w: int
    flat: bool

    def __init__(self, c: int, h: int = 1, w: int = 1, flat: bool = False):
        _set(self, "c", c)
        _set(self, "h", h)
        _set(self, "w", w)
        _set(self, "flat", flat)

    @property
    def elements(self) -> int:
        return self.c * self.h * self.w

    def as_list(self) -> list[int]:
        return [self.c, self.h, self.w]

    def __str__(self) -> str:
        if self.flat:
            return f"{self.c}"
        return f"{self.c}×{self.h}×{self.w}"


# The notes --strict refuses: a floored size that leaves input pixels out, an implicit flatten.
STRICT = ("fraction", "flatten")


class Note(Record):
    """Something a reader must know about a row.

    ``kind`` is ``"fraction"`` for an output size the formula did not give as an integer, floored
    so that input pixels are left out (``--strict`` refuses these), ``"floor"`` for one floored
    with only padding (or pixels the stride skips anyway) left out, ``"ceil"`` for a ceil-mode
    rounding the spec asked for, ``"skip"`` for windows that skip input pixels (a stride larger
    than the kernel), ``"flatten"`` for an fc that reads a C×H×W map as a vector without a
    flatten layer (``--strict`` refuses it too), ``"same"`` for TensorFlow's lopsided padding, and ``"spec"`` for a remark
    written in the spec itself.
    """

    __slots__ = ("kind", "text")
    kind: str
    text: str

    def __init__(self, kind: str, text: str):
        _set(self, "kind", kind)
        _set(self, "text", text)


class Counts(Record):
    """What one layer costs. ``fixed`` parameters exist but are not trained (LeNet-5's RBF
    prototypes); they are never part of ``params``. ``buffers`` are non-trainable state that a
    framework stores with the weights (batch norm's running mean and variance, 2·C): not
    parameters either, but Keras counts them as "non-trainable params"."""

    __slots__ = ("weights", "biases", "fixed", "macs", "buffers")
    weights: int
    biases: int
    fixed: int
    macs: int
    buffers: int

    def __init__(self, weights: int = 0, biases: int = 0, fixed: int = 0, macs: int = 0,
                 buffers: int = 0):
        _set(self, "weights", weights)
        _set(self, "biases", biases)
        _set(self, "fixed", fixed)
        _set(self, "macs", macs)
        _set(self, "buffers", buffers)

    @property
    def params(self) -> int:
        return self.weights + self.biases

    def trainable(self, bias: bool = True) -> int:
        """The parameters as a table counts them: weights + biases, or the weights only
        (``bias=False``, as many lecture tables count). The one statement of that rule."""
        return self.params if bias else self.weights


class _LayerRowFields:
    """A ``LayerRow``'s fields, assignable: ``new_row(...)`` (the engine's, a million times) is
    ``LayerRow(...)`` at a quarter of the cost. Its ``__init__`` stores the fields as plain
    attributes (``_set``, field by field, costs five times as much) and then makes the object a
    ``LayerRow`` by assigning its ``__class__``, which Python allows because ``LayerRow`` adds
    no storage to this class."""

    __slots__ = ("name", "kind", "attrs", "inputs", "input_shapes", "output", "counts", "notes",
                 "geometry", "aux")

    def __init__(self, name, kind, attrs, inputs, input_shapes, output, counts, notes=(),
                 geometry="", aux=False):
        self.name = name
        self.kind = kind
        self.attrs = attrs
        self.inputs = inputs
        self.input_shapes = input_shapes
        self.output = output
        self.counts = counts
        self.notes = notes
        self.geometry = geometry
        self.aux = aux
        self.__class__ = LayerRow


new_row = _LayerRowFields


class LayerRow(_LayerRowFields, Record):
    """One layer of an analysed network. ``geometry`` is e.g. ``"11×11 s4 p0"``, for the
    K/S/P column; ``aux`` marks part of an auxiliary (training-only) head, not in inference
    totals. ``new_row`` makes one faster."""

    __slots__ = ()
    name: str
    kind: str
    attrs: dict
    inputs: tuple[str, ...]
    input_shapes: tuple[Shape, ...]
    output: Shape
    counts: Counts
    notes: tuple[Note, ...]
    geometry: str
    aux: bool

    def __init__(self, name: str, kind: str, attrs: dict, inputs: tuple[str, ...],
                 input_shapes: tuple[Shape, ...], output: Shape, counts: Counts,
                 notes: tuple[Note, ...] = (), geometry: str = "", aux: bool = False):
        _set(self, "name", name)
        _set(self, "kind", kind)
        _set(self, "attrs", attrs)
        _set(self, "inputs", inputs)
        _set(self, "input_shapes", input_shapes)
        _set(self, "output", output)
        _set(self, "counts", counts)
        _set(self, "notes", notes)
        _set(self, "geometry", geometry)
        _set(self, "aux", aux)

    @property
    def params(self) -> int:
        return self.counts.params


class Accuracy(Record):
    """A network's published ImageNet-style result: top-1 and top-5 in percent, as accuracy
    or as error (as the source prints it), with the source's citation, the data it was
    measured on and the evaluation protocol (crops): figures are comparable only where both
    are the same."""

    __slots__ = ("top1", "top5", "metric", "source", "dataset", "protocol")
    top1: float | None
    top5: float | None
    metric: str            # "accuracy" or "error"
    source: str
    dataset: str           # "ImageNet val", "CIFAR-10 test"; "" where the spec does not say
    protocol: str          # "1 crop", "10 crops", "dense, 1 scale"; "" where not said

    @property
    def convention(self) -> str:
        """``"ImageNet val, 1 crop"``: what a figure must share with another to be compared
        with it in one column or on one axis."""
        return ", ".join(x for x in (self.dataset or "dataset not given",
                                     self.protocol or "protocol not given"))

    def __init__(self, top1: float | None, top5: float | None, metric: str, source: str,
                 dataset: str = "", protocol: str = ""):
        _set(self, "top1", top1)
        _set(self, "top5", top5)
        _set(self, "metric", metric)
        _set(self, "source", source)
        _set(self, "dataset", dataset)
        _set(self, "protocol", protocol)

    def as_accuracy(self, which: str) -> float | None:
        """Top-1 or top-5 accuracy in percent (100 − error where the source prints error)."""
        v = self.top1 if which == "top1" else self.top5
        if v is None:
            return None
        return v if self.metric == "accuracy" else round(100 - v, 6)

    def text(self, which: str) -> str:
        """``"71.592% acc."`` or ``"27.0% err."``, as printed; ``""`` if not given."""
        v = self.top1 if which == "top1" else self.top5
        return "" if v is None else f"{v}% {'acc.' if self.metric == 'accuracy' else 'err.'}"


class Groups(Record):
    """How the spec groups its rows, for rollups (``analysis.rollup``): ``repeats`` maps the
    path of each repeat of a repeated item (``conv3_2``, ``denseblock1/denselayer_4``, or a
    repeated layer's own name) to the repeat's path (``conv3``, ``denseblock1/denselayer``);
    ``uses`` maps each block instance's path (``conv3_2``) to the block it instantiates
    (``bottleneck``); ``stages`` maps each repeat's path to its ``n``. Names are the rows'
    names, whose ``/`` separates block instances."""

    __slots__ = ("repeats", "uses", "stages")
    repeats: dict[str, str]
    uses: dict[str, str]
    stages: dict[str, int]

    def __init__(self, repeats: dict[str, str] | None = None, uses: dict[str, str] | None = None,
                 stages: dict[str, int] | None = None):
        _set(self, "repeats", {} if repeats is None else repeats)
        _set(self, "uses", {} if uses is None else uses)
        _set(self, "stages", {} if stages is None else stages)

    def __hash__(self) -> int:       # its dicts, as sorted pairs
        return hash(tuple(tuple(sorted(d.items())) for d in self._values()))


class Analysis(Record):
    """An analysed network: its rows, their totals and where the spec came from.
    ``even_inputs`` are the nearest inputs with no fraction anywhere; ``accuracy`` the
    published top-1/top-5, with its source; ``changes`` how the user changed the spec as written
    (``("--input 3×224×224", "--set classes=10")``), so that its description, written for the
    spec as it is, is not shown as this network's (``description`` and ``source`` may be empty
    for a user's own spec); ``groups`` its repeats and block instances (rollups); ``inputs``
    its named inputs in order, ``((name, shape), …)``, of which ``input`` is the first one's
    shape (``(("input", input),)`` for a network of one input)."""

    __slots__ = ("network", "description", "source", "spec_file", "input", "rows", "notes",
                 "even_inputs", "accuracy", "changes", "groups", "inputs", "_totals",
                 "_totals_with_aux", "_kinds")
    network: str
    description: str
    source: str
    spec_file: str
    input: Shape
    rows: tuple[LayerRow, ...]
    notes: tuple[str, ...]
    even_inputs: tuple[int, ...]
    accuracy: Accuracy | None
    changes: tuple[str, ...]
    groups: Groups
    inputs: tuple[tuple[str, Shape], ...]

    def __init__(self, network: str, description: str, source: str, spec_file: str,
                 input: Shape, rows: tuple[LayerRow, ...], notes: tuple[str, ...] = (),
                 even_inputs: tuple[int, ...] = (), accuracy: Accuracy | None = None,
                 changes: tuple[str, ...] = (), groups: Groups | None = None,
                 inputs: tuple | None = None):
        _set(self, "network", network)
        _set(self, "description", description)
        _set(self, "source", source)
        _set(self, "spec_file", spec_file)
        _set(self, "input", input)
        _set(self, "rows", rows)
        _set(self, "notes", notes)
        _set(self, "even_inputs", even_inputs)
        _set(self, "accuracy", accuracy)
        _set(self, "changes", changes)
        _set(self, "groups", Groups() if groups is None else groups)
        _set(self, "inputs", (("input", input),) if inputs is None else tuple(inputs))

    @property
    def several_inputs(self) -> bool:
        return len(self.inputs) > 1

    @property
    def input_elements(self) -> int:
        """Values of every input together, per sample."""
        return sum(x.elements for _, x in self.inputs)

    @property
    def title(self) -> str:
        """``name — description``, or the name alone where the spec gives no description."""
        return f"{self.network} — {self.description}" if self.description else self.network

    @property
    def totals(self) -> Counts:
        """Inference totals: every row except those of auxiliary heads (summed once: a
        million rows are read once, not once per footer line that asks)."""
        try:
            return self._totals
        except AttributeError:
            _set(self, "_totals", _sum(r for r in self.rows if not r.aux))
            return self._totals

    @property
    def totals_with_aux(self) -> Counts:
        """Training-time totals: every row, auxiliary heads included (summed once)."""
        try:
            return self._totals_with_aux
        except AttributeError:
            _set(self, "_totals_with_aux", _sum(self.rows))
            return self._totals_with_aux

    @property
    def kinds(self) -> frozenset[str]:
        """The kinds of layer the network has (read once from its rows)."""
        try:
            return self._kinds
        except AttributeError:
            _set(self, "_kinds", frozenset({r.kind for r in self.rows}))
            return self._kinds

    @property
    def has_aux(self) -> bool:
        return any(r.aux for r in self.rows)

    @property
    def fractions(self) -> list[LayerRow]:
        return [r for r in self.rows if any(n.kind == "fraction" for n in r.notes)]

    @property
    def refused(self) -> list[tuple[str, Note]]:
        """What ``--strict`` refuses: (layer, note) for every note of a kind in STRICT."""
        return [(r.name, n) for r in self.rows for n in r.notes if n.kind in STRICT]


def _sum(rows) -> Counts:
    """The rows' counts summed: each distinct ``Counts`` object (a repeated layer's repeats
    share one) times the rows that hold it, exact as integers are."""
    from collections import Counter
    from operator import attrgetter

    counts = list(map(attrgetter("counts"), rows))
    one = {id(c): c for c in counts}
    w = b = f = m = x = 0
    for k, n in Counter(map(id, counts)).items():
        c = one[k]
        w += c.weights * n
        b += c.biases * n
        f += c.fixed * n
        m += c.macs * n
        x += c.buffers * n
    return Counts(weights=w, biases=b, fixed=f, macs=m, buffers=x)
