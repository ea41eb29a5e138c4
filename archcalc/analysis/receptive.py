"""Receptive fields: per layer and per axis, the size, the jump and the start offset.

For one axis, a layer with kernel K, stride S, leading padding P and dilation D maps the field
of its input (size r, jump j between neighbouring outputs, start s of output 0's field, all in
input pixels) to

    r' = r + (D·(K − 1))·j        j' = j·S        s' = s − P·j

(Araujo et al., "Computing Receptive Fields of Convolutional Neural Networks", Distill 2019).
``s`` is the input pixel where output 0's field begins; a negative start lies in the padding.
Where branches join, the field of output 0 is the union of the branches' fields: it starts at
the smallest start and ends at the largest end, and the path through the branch with the
largest field is named. A global pool or an fc layer sees the whole input (``global``). After a
layer that enlarges the map (a transposed conv, an upsample) neighbouring outputs' fields are not
a whole number of input pixels apart, and no field is computed (``not computed``). In a
network of several inputs each layer's field is in the pixels of the input it reads; where
branches that read different inputs join, the field spans two pixel grids and is not computed
either (``why`` = "inputs"), nor after such a join.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.bulk import without_gc
from ..core.kinds import RULES
from ..core.records import Analysis


class Path:
    """The joins' chosen inputs on the way to a layer, oldest first: a persistent list, so that
    a join adds one cell and shares the rest (a tuple copied at every join grew with the square
    of the depth: 10 kB per layer of a 6,000-join ResNet). Iterating gives the names in order;
    ``path[-1]`` is the last one; an empty path is ``None``, never a ``Path``."""

    __slots__ = ("prev", "name", "length")

    def __init__(self, prev: "Path | None", name: str):
        self.prev, self.name = prev, name
        self.length = 1 + (prev.length if prev else 0)

    def __len__(self) -> int:
        return self.length

    def __iter__(self):
        names, p = [], self
        while p is not None:
            names.append(p.name)
            p = p.prev
        return reversed(names)

    def __getitem__(self, i: int) -> str:
        if i in (-1, self.length - 1):
            return self.name
        return list(self)[i]

    def __eq__(self, other) -> bool:
        if isinstance(other, Path):
            return self.length == other.length and list(self) == list(other)
        return tuple(self) == other

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"Path({list(self)!r})"


@dataclass(frozen=True, slots=True)
class Axis:
    size: int            # input pixels from the first to the last one output 0 sees
    jump: int            # input pixels between neighbouring outputs
    start: int           # input pixel where output 0's field begins (negative: in the padding)
    path: Path | None = None   # at each join on the way, the input through the largest field

    @property
    def end(self) -> int:
        return self.start + self.size - 1


@dataclass(frozen=True, slots=True)
class Field:
    """A layer's receptive field; ``h``/``w`` are ``None`` when it sees the whole input, or
    when the field is not computed (``computed`` false: after an upsampling layer, ``why`` =
    "upsampling", or after branches of different inputs joined, ``why`` = "inputs")."""

    h: Axis | None
    w: Axis | None
    computed: bool = True
    why: str = ""

    @property
    def is_global(self) -> bool:
        return self.h is None and self.computed


GLOBAL = Field(None, None)
NOT_COMPUTED = Field(None, None, False, "upsampling")
MIXED = Field(None, None, False, "inputs")
_ONE = Axis(1, 1, 0)
ORIGIN = Field(_ONE, _ONE)      # one object for both axes: see fields()


def step(x: Axis, k: int, s: int, p: int, d: int = 1) -> Axis:
    """One layer along one axis (the recurrence in the module docstring)."""
    if k == 1 and s == 1 and p == 0:
        return x            # a 1×1 window, stride 1, no padding: the same field, shared
    return Axis(x.size + d * (k - 1) * x.jump, x.jump * s, x.start - p * x.jump, x.path)


def join(names: tuple[str, ...], xs: list[Axis]) -> Axis:
    """The union of the branches' fields; the path goes through the largest one."""
    best = max(range(len(xs)), key=lambda i: xs[i].size)
    start = min(x.start for x in xs)
    end = max(x.end for x in xs)
    return Axis(end - start + 1, xs[best].jump, start, Path(xs[best].path, names[best]))


def origins(a: Analysis) -> dict[str, str]:
    """In a network of several inputs, the input each layer's output depends on, by layer name
    ("" where it depends on several); ``{}`` for a network of one input."""
    if len(a.inputs) < 2:
        return {}
    out = {name: name for name, _ in a.inputs}
    for r in a.rows:
        srcs = {out[i] for i in r.inputs}
        out[r.name] = srcs.pop() if len(srcs) == 1 else ""
    return out


_SAME = "same"      # fields(): a layer's window that leaves the field as it was


@without_gc     # a field per layer, made in bulk (see core.bulk)
def fields(a: Analysis) -> dict[str, Field]:
    """Every layer's receptive field, by layer name, in the pixels of the input it reads."""
    env: dict[str, Field] = {name: ORIGIN for name, _ in a.inputs}
    mixed = origins(a)
    windows: dict[tuple, object] = {}   # a repeated layer's window, worked out once
    for r in a.rows:
        if mixed and mixed[r.name] == "":
            env[r.name] = next((f for f in (env[i] for i in r.inputs) if not f.computed), MIXED)
            continue
        if len(r.inputs) == 1:
            only = env[r.inputs[0]]
            if only.h is None:           # global, or not computed: so is this layer's
                env[r.name] = only
                continue
            ins = [only]
        elif not r.inputs:
            ins = []
        else:
            ins = [env[i] for i in r.inputs]
            if any(not f.computed for f in ins):
                env[r.name] = next(f for f in ins if not f.computed)
                continue
            if any(f.is_global for f in ins):
                env[r.name] = GLOBAL
                continue
            h = join(r.inputs, [f.h for f in ins])
            # square fields joined: one axis object for both, as below (made once)
            w = h if all(f.w is f.h for f in ins) else join(r.inputs, [f.w for f in ins])
            env[r.name] = Field(h, w)
            continue
        key = (r.kind, id(r.attrs), id(r.input_shapes))    # both live as long as ``a``
        win = windows.get(key, windows)
        if win is windows:
            win = RULES[r.kind].rf_window(r.attrs, list(r.input_shapes))
            if win not in (None, "upsampling") and all(k == 1 and s == 1 and p == 0
                                                       for k, s, p, _ in win):
                win = _SAME     # a 1×1 window, stride 1, no padding: the field as it was
            windows[key] = win
        if win is _SAME:
            env[r.name] = ins[0]
        elif win is None:
            env[r.name] = GLOBAL
        elif win == "upsampling":
            env[r.name] = NOT_COMPUTED
        else:
            x = ins[0]
            (kh, sh, ph, dh), hw = win
            h = step(x.h, kh, sh, ph, dh)
            # a square window over a square field: one axis object for both (made once)
            w = h if x.w is x.h and hw == win[0] else step(x.w, *hw)
            env[r.name] = x if h is x.h and w is x.w else Field(h, w)
    return env


def _pair(h: int, w: int, sep: str = "×") -> str:
    return str(h) if h == w else f"{h}{sep}{w}"


def size_text(f: Field) -> str:
    if f.h is None:
        return "global" if f.computed else "not computed"
    return f"{f.h.size}×{f.w.size}"


def jump_text(f: Field) -> str:
    return "" if f.h is None else _pair(f.h.jump, f.w.jump)


def start_text(f: Field) -> str:
    return "" if f.h is None else _pair(f.h.start, f.w.start, ",")


def via_text(f: Field, join: bool) -> str:
    """At a join, the branch the largest field comes through (``""`` elsewhere)."""
    if not join or f.h is None or not (f.h.path or f.w.path):
        return ""
    vh, vw = f.h.path[-1], f.w.path[-1]
    return vh if vh == vw else f"H: {vh}; W: {vw}"


def path_text(f: Field) -> str:
    """The branches the largest field goes through, e.g. ``3a/b3_3x3 → 3b/b3_3x3``."""
    if f.h is None or not (f.h.path or f.w.path):
        return ""
    ph, pw = " → ".join(f.h.path), " → ".join(f.w.path)
    return ph if ph == pw else f"H: {ph}; W: {pw}"
