"""Text for a verification: a row table with ✓/✗, the cross-check, and a one-line verdict."""

from __future__ import annotations

from ..core.printable import printable
from ..render.table import text_table, wrapped
from .check import LayerCheck, NetworkCheck
from .reference import ReferenceCheck

OK, BAD = "✓", "✗"


def _shape(s) -> str:
    if s is None:
        return "—"
    if isinstance(s, tuple):
        return "×".join(f"{d}" for d in s)
    return str(s)


def _num(v) -> str:
    if v is None:
        return "—"
    return f"{v:,}" if isinstance(v, int) else str(v)


def _params(c: LayerCheck, torch: bool) -> str:
    """Trainable parameters, then any fixed ones and buffers: ``256 + 256 buf``."""
    p, f, b = ((c.torch_params, c.torch_fixed, c.torch_buffers) if torch
               else (c.params, c.fixed, c.buffers))
    if p is None:
        return "—"
    parts = [f"{p:,}"] if p or not (f or b) else []
    parts += [f"{f:,} fixed"] if f else []
    parts += [f"{b:,} buf"] if b else []
    return " + ".join(parts)


def _row(c: LayerCheck) -> list[str]:
    mark = OK if c.ok else BAD + " " + ", ".join(c.mismatches)
    return [printable(c.name) + (" (aux)" if c.aux else ""), c.kind, _shape(c.shape), _shape(c.torch_shape),
            _params(c, False), _params(c, True), _num(c.flops), _num(c.torch_flops), mark]


def verdict(nc: NetworkCheck) -> str:
    """One sentence, starting with ✓ or ✗ and the network's name: whether everything agreed,
    and if not, where it first did not."""
    where = f"{nc.device}, batch {nc.batch}"
    bad = nc.failures
    parts = []
    if bad:
        first = bad[0]
        parts.append(f"{len(bad)} of {len(nc.layers)} layers disagree, first {printable(first.name)} "
                     f"({_what(first)})")
    ref = nc.reference
    if ref is not None and not ref.ok:
        wrong = [i for i in ref.items if not i.ok]
        parts.append(f"{len(wrong)} of {len(ref.items)} {ref.reference.title} checks disagree, "
                     f"first: {wrong[0].what}")
    if parts:
        return f"{BAD} {printable(nc.network)}: " + "; ".join(parts) + f" ({where})"
    tail = ""
    if ref is not None:
        tail = (f"; {ref.reference.title} not checked: {ref.skipped}" if ref.skipped
                else f"; {ref.reference.title} agrees ({len(ref.items)} checks)")
    return (f"{OK} {printable(nc.network)}: all {len(nc.layers)} layers agree with torch{tail} "
            f"({where})")     # (in shape, params, buffers and FLOPs: the lines above say so)


def _what(c: LayerCheck) -> str:
    if c.error:
        return f"torch: {c.error}"
    out = []
    for m in c.mismatches:
        if m == "shape":
            out.append(f"shape archcalc {_shape(c.shape)}, torch {_shape(c.torch_shape)}")
        elif m == "params":
            out.append(f"params archcalc {c.params:,}, torch {c.torch_params:,}")
        elif m == "fixed":
            out.append(f"fixed params archcalc {c.fixed:,}, torch {c.torch_fixed:,}")
        elif m == "buffers":
            out.append(f"buffers archcalc {c.buffers:,}, torch {c.torch_buffers:,}")
        elif m == "flops":
            out.append(f"FLOPs archcalc {c.flops:,}, torch {c.torch_flops:,}")
        elif m == "values":
            out.append("torch's output is not finite")
    return "; ".join(out)


def _table(rows: list[list[str]], headers: list[str], aligns: list[str],
           width: int | None = None) -> str:
    """A plain-text table drawn as every archcalc table is (``render.table``), each cell with its
    control characters shown escaped, fitted to ``width`` (None: whole)."""
    return text_table([[printable(c) for c in r] for r in rows], [], headers, aligns, width)


def fit(text: str, width: int | None) -> str:
    """Lines of prose wrapped to ``width`` (None: as they are), as every table's foot is."""
    return "\n".join(wrapped(text.split("\n"), width))


def render_reference(ref: ReferenceCheck, width: int | None = None) -> str:
    if ref.skipped:
        hint = " Install it with pip install 'archcalc[xcheck]'." if ref.missing_library else ""
        return fit(f"cross-check skipped: {ref.skipped}; {ref.not_checked}.{hint}", width) + "\n"
    value = lambda v: _shape(v) if isinstance(v, tuple) else _num(v)     # noqa: E731
    rows = [[i.what, value(i.ours), value(i.theirs), OK if i.ok else BAD] for i in ref.items]
    table = _table(rows, ["cross-check", "archcalc", ref.reference.title, ""],
                   ["left", "right", "right", "left"], width)
    return table + "\n"


CONVENTIONS = (
    "shape: per sample (C×H×W, or N for a vector), torch's from forward hooks on a real forward "
    "pass (the network's outputs must come out finite).\nparams: trainable, counted from each layer's torch module; fixed = parameters not "
    "trained; buf = floating-point buffers (batch norm's running mean and variance), which are "
    "not parameters.\nFLOPs: torch's "
    "FlopCounterMode on the meta device (2 per multiply-accumulate of conv and matrix products, "
    "nothing else) beside archcalc's 2 × MACs × batch.")


META = ("\nmeta: the forward pass ran on the meta device, which computes shapes and no values: "
        "nothing was allocated, and the outputs' finiteness was not checked.")


def render(nc: NetworkCheck, rows: str = "all", width: int | None = None) -> str:
    """The report for one network: ``rows`` "all" (every layer, the cross-check, the
    conventions), "failures" (only what disagrees) or "none" (the verdict line only); its text
    fitted to ``width`` as every table's is (None: whole, ``--wide``)."""
    shown = nc.layers if rows == "all" else nc.failures if rows == "failures" else ()
    ref = nc.reference
    show_ref = ref is not None and rows != "none" and (rows == "all" or not ref.ok
                                                       or bool(ref.skipped))
    out = []
    if shown or show_ref:
        out.append(fit(f"{printable(nc.network)} — archcalc vs torch ({nc.device}, batch "
                       f"{nc.batch}, {nc.input_text})", width))
    if shown:
        table = _table([_row(c) for c in shown],
                       ["layer", "kind", "shape", "torch", "params", "torch", "FLOPs", "torch", ""],
                       ["left", "left"] + ["right"] * 6 + ["left"], width)
        out += ["", table]
    if show_ref:
        out += ["", render_reference(ref, width).rstrip("\n")]
    if rows == "all":
        out += ["", fit(CONVENTIONS + (META if nc.device == "meta" else ""), width)]
    if out:
        out.append("")
    out.append(fit(verdict(nc), width))     # its first line starts "✓ NAME:" or "✗ NAME:"
    return "\n".join(out) + "\n"
