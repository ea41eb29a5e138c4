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


def verify(target: str, device: str = "cpu", batch: int = 1, net=None):
    """The ``NetworkCheck`` of one network (a name or a spec path), with its cross-check."""
    from .check import check
    from .reference import cross_check

    net = net or spec.load(target)
    a = engine.analyse(net)
    return replace(check(net, a, device, batch), reference=cross_check(a, batch))


def zoo() -> list[str]:
    """Every bundled network, in ``archcalc list`` order."""
    names = [i.name for sf in spec.catalogue().values() for i in sf.infos()]
    return list(dict.fromkeys(names))


def run(targets: list[str], device: str, batch: int, rows: str) -> int:
    """Verify ``targets`` and print a report for each; the exit status (0 all agree, 1 any
    disagreement). Bad input raises ``ArchcalcError`` before any network is run."""
    from .render import CONVENTIONS, render

    prepare(device)
    nets = [spec.load(t) for t in targets]       # every name checked before any work
    bar = len(nets) > 1 and sys.stderr.isatty()
    results = []
    if bar:
        with click.progressbar(nets, label="verifying", file=sys.stderr,
                               item_show_func=lambda n: n.name if n else "") as items:
            results = [verify(n.name, device, batch, n) for n in items]
        for r in results:
            click.echo(render(r, rows), nl=False)
    else:
        for n in nets:
            results.append(verify(n.name, device, batch, n))
            click.echo(render(results[-1], rows), nl=False)
    if len(results) > 1:
        bad = [r.network for r in results if not r.ok]
        click.echo(f"\n{len(results) - len(bad)} of {len(results)} networks agree"
                   + (f"; disagree: {', '.join(bad)}" if bad else ""))
        if rows != "all":
            click.echo("\n" + CONVENTIONS)
    return 0 if all(r.ok for r in results) else 1
