"""Run the verifier over networks: check the device, load, analyse, build, compare, report."""

from __future__ import annotations

import os
import sys
from dataclasses import replace

import click

from ..core import engine, spec
from ..core.errors import ArchcalcError
from . import require_torch


def prepare(device: str) -> None:
    """Check that ``device`` can be used (``ArchcalcError`` saying why not) and size torch's
    CPU thread pool to the cores this process may use."""
    torch = require_torch()
    if device == "cuda" and not torch.cuda.is_available():
        built = (f"built with CUDA {torch.version.cuda}" if torch.version.cuda
                 else "a CPU-only build")
        raise ArchcalcError(f"--device cuda: no CUDA device is available (torch "
                            f"{torch.__version__}, {built}); use --device cpu")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    torch.set_num_threads(max(1, cores or 1))


# The largest forward pass verify allocates (README § Limits): estimated before anything is
# allocated, so that `--batch 100000000` or `--input 50000` is a message, not a crash or the
# out-of-memory killer.
MAX_FORWARD_BYTES = 8 * 2**30


def forward_bytes(a, batch: int) -> tuple[int, int]:
    """An upper bound of a real forward pass's memory, in float32 bytes: (every parameter and
    buffer, aux heads included since they are built too; every layer's output for the whole
    batch, as if all were alive at once)."""
    t = a.totals_with_aux
    outputs = a.input_elements + sum(r.output.elements for r in a.rows)
    return 4 * (t.params + t.fixed + t.buffers), 4 * batch * outputs


def check_size(net, batch: int) -> None:
    """``ArchcalcError`` if verifying ``net`` at ``batch`` could take more than
    MAX_FORWARD_BYTES."""
    weights, outputs = forward_bytes(engine.analyse(net), batch)
    if weights + outputs > MAX_FORWARD_BYTES:
        gib = lambda b: f"{b / 2**30:,.1f} GiB"      # noqa: E731
        raise ArchcalcError(
            f"{net.name}: a forward pass at batch {batch:,} and "
            + (f"input {net.input}" if len(net.inputs) == 1 else
               "inputs " + ", ".join(f"{n} {x}" for n, x in net.inputs))
            + " could take "
            f"{gib(weights + outputs)} in float32 ({gib(weights)} of parameters and buffers, "
            f"{gib(outputs)} of layer outputs); verify allocates at most "
            f"{MAX_FORWARD_BYTES // 2**30} GiB: use a smaller --batch, --input or --set, or "
            f"--device meta (shapes, parameters and FLOPs only: it allocates nothing)")


def verify(net, device: str = "cpu", batch: int = 1, changed: str = ""):
    """The ``NetworkCheck`` of one loaded network, with its cross-check. ``changed`` says how
    the spec was changed (``--set``), which leaves the reference implementation out."""
    from .check import check
    from .reference import cross_check

    a = engine.analyse(net)
    return replace(check(net, a, device, batch), reference=cross_check(a, batch, changed))


def zoo() -> list[str]:
    """Every bundled network, in ``archcalc list`` order."""
    return list(spec.catalogue())      # by file, then its variants in order


def run(nets, device: str, batch: int, rows: str, changed: str = "",
        width: int | None = None) -> int:
    """Verify the loaded networks ``nets`` and print a report for each, its text fitted to
    ``width`` (None: whole); the exit status (0 all agree, 1 any disagreement). Raises
    ``ArchcalcError`` if the device cannot be used."""
    prepare(device)                 # first: says how to install torch if it is missing
    from .render import CONVENTIONS, META, fit, render

    for n in nets if device != "meta" else ():   # meta allocates nothing; others checked first
        check_size(n, batch)
    bar = len(nets) > 1 and sys.stderr.isatty()
    results = []
    if bar:
        with click.progressbar(nets, label="verifying", file=sys.stderr,
                               item_show_func=lambda n: n.name if n else "") as items:
            results = [verify(n, device, batch, changed) for n in items]
        for r in results:
            click.echo(render(r, rows, width), nl=False)
    else:
        for n in nets:
            results.append(verify(n, device, batch, changed))
            click.echo(render(results[-1], rows, width), nl=False)
    if len(results) > 1:
        bad = [r.network for r in results if not r.ok]
        click.echo("\n" + fit(f"{len(results) - len(bad)} of {len(results)} networks agree"
                              + (f"; disagree: {', '.join(bad)}" if bad else ""), width))
        if rows != "all":
            click.echo("\n" + fit(CONVENTIONS + (META if device == "meta" else ""), width))
    return 0 if all(r.ok for r in results) else 1
