"""Plain records that flow from the engine to the renderers: data only, no formatting."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Shape:
    """A feature map ``C × H × W`` (batch excluded). ``flat`` marks a vector (after flatten/fc)."""

    c: int
    h: int = 1
    w: int = 1
    flat: bool = False

    @property
    def elements(self) -> int:
        return self.c * self.h * self.w

    def as_list(self) -> list[int]:
        return [self.c, self.h, self.w]

    def __str__(self) -> str:
        if self.flat:
            return f"{self.c}"
        return f"{self.c}×{self.h}×{self.w}"


@dataclass(frozen=True, slots=True)
class Note:
    """Something a reader must know about a row.

    ``kind`` is ``"fraction"`` for an output size the formula did not give as an integer and the
    layer floored silently (``--strict`` refuses these), ``"ceil"`` for a ceil-mode rounding the
    spec asked for, and ``"spec"`` for a remark written in the spec itself.
    """

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class Counts:
    """What one layer costs. ``fixed`` parameters exist but are not trained (LeNet-5's RBF
    prototypes); they are never part of ``params``. ``buffers`` are non-trainable state that a
    framework stores with the weights (batch norm's running mean and variance, 2·C): not
    parameters either, but Keras counts them as "non-trainable params"."""

    weights: int = 0
    biases: int = 0
    fixed: int = 0
    macs: int = 0
    buffers: int = 0

    @property
    def params(self) -> int:
        return self.weights + self.biases


@dataclass(frozen=True, slots=True)
class LayerRow:
    """One layer of an analysed network."""

    name: str
    kind: str
    attrs: dict
    inputs: tuple[str, ...]
    input_shapes: tuple[Shape, ...]
    output: Shape
    counts: Counts
    notes: tuple[Note, ...] = ()
    geometry: str = ""          # e.g. "11×11 s4 p0", for the K/S/P column
    aux: bool = False           # part of an auxiliary (training-only) head: not in inference totals

    @property
    def params(self) -> int:
        return self.counts.params


@dataclass(frozen=True, slots=True)
class Accuracy:
    """A network's published ImageNet-style result: top-1 and top-5 in percent, as accuracy
    or as error (as the source prints it), with the source's citation."""

    top1: float | None
    top5: float | None
    metric: str            # "accuracy" or "error"
    source: str

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


@dataclass(frozen=True, slots=True)
class Analysis:
    """An analysed network: its rows, their totals and where the spec came from."""

    network: str
    description: str
    source: str
    spec_file: str
    input: Shape
    rows: tuple[LayerRow, ...]
    notes: tuple[str, ...] = ()
    even_inputs: tuple[int, ...] = field(default=())   # nearest inputs with no fraction anywhere
    accuracy: Accuracy | None = None                    # published top-1/top-5, with its source

    @property
    def totals(self) -> Counts:
        """Inference totals: every row except those of auxiliary heads."""
        return _sum(r for r in self.rows if not r.aux)

    @property
    def totals_with_aux(self) -> Counts:
        """Training-time totals: every row, auxiliary heads included."""
        return _sum(self.rows)

    @property
    def has_aux(self) -> bool:
        return any(r.aux for r in self.rows)

    @property
    def fractions(self) -> list[LayerRow]:
        return [r for r in self.rows if any(n.kind == "fraction" for n in r.notes)]


def _sum(rows) -> Counts:
    rows = list(rows)
    return Counts(
        weights=sum(r.counts.weights for r in rows),
        biases=sum(r.counts.biases for r in rows),
        fixed=sum(r.counts.fixed for r in rows),
        macs=sum(r.counts.macs for r in rows),
        buffers=sum(r.counts.buffers for r in rows),
    )
