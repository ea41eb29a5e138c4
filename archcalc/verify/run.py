"""Run the verifier over networks: check the device, load, analyse, build, compare, report."""

from __future__ import annotations

import os
import sys
from dataclasses import replace

import click

from .. import engine, spec
from ..errors import ArchcalcError
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


def verify(net, device: str = "cpu", batch: int = 1, changed: str = ""):
    """The ``NetworkCheck`` of one loaded network, with its cross-check. ``changed`` says how
    the spec was changed (``--set``), which leaves the reference implementation out."""
    from .check import check
    from .reference import cross_check

    a = engine.analyse(net)
    return replace(check(net, a, device, batch), reference=cross_check(a, batch, changed))


def zoo() -> list[str]:
    """Every bundled network, in ``archcalc list`` order."""
    names = [i.name for sf in spec.catalogue().values() for i in sf.infos()]
    return list(dict.fromkeys(names))


def run(nets, device: str, batch: int, rows: str, changed: str = "") -> int:
    """Verify the loaded networks ``nets`` and print a report for each; the exit status (0 all
    agree, 1 any disagreement). Raises ``ArchcalcError`` if the device cannot be used."""
    from .render import CONVENTIONS, render

    prepare(device)
    bar = len(nets) > 1 and sys.stderr.isatty()
    results = []
    if bar:
        with click.progressbar(nets, label="verifying", file=sys.stderr,
                               item_show_func=lambda n: n.name if n else "") as items:
            results = [verify(n, device, batch, changed) for n in items]
        for r in results:
            click.echo(render(r, rows), nl=False)
    else:
        for n in nets:
            results.append(verify(n, device, batch, changed))
            click.echo(render(results[-1], rows), nl=False)
    if len(results) > 1:
        bad = [r.network for r in results if not r.ok]
        click.echo(f"\n{len(results) - len(bad)} of {len(results)} networks agree"
                   + (f"; disagree: {', '.join(bad)}" if bad else ""))
        if rows != "all":
            click.echo("\n" + CONVENTIONS)
    return 0 if all(r.ok for r in results) else 1
