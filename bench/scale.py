"""Scale benchmark: the engine's cost per layer, from ResNet-20 to ResNet-1202, as ratios.

    python bench/scale.py [--runs 7] [NAME ...]

For each network (by default the CIFAR ResNets, 6n + 2 weighted layers, n = 3 … 200), times in
this process, each the best of `--runs` runs after one warm-up (as timeit advises: on a shared machine the minimum is the run least disturbed by others):
  load     spec.load (TOML → expanded graph),
  engine   engine.rows (every layer's shape, counts and notes),
  render   report.render, the plain-text table,
and prints microseconds per layer for each, and that figure as a ratio to the first network's.
Linear growth shows as ratios near 1 while the layer count grows ~60×. Also times
`archcalc table NAME` as a whole process (median of `--runs`) for the last three networks.
No assertion: a benchmark.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from archcalc.core import engine, spec
from archcalc.render import report

DEFAULT = ["resnet20", "resnet56", "resnet110", "resnet1202", "densenet121", "densenet264"]


def best_time(fn, runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", default=DEFAULT)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    print(f"# {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}, {time.strftime('%Y-%m-%d')}, best of {args.runs} runs (the machine is shared: the minimum is the least disturbed)")
    print(f"{'network':<14}{'layers':>7}{'load µs/layer':>15}{'engine µs/layer':>17}"
          f"{'render µs/layer':>17}{'ratios to first':>26}")
    first = None
    for name in args.names:
        net = spec.load(name)
        x = net.input
        n = len(net.nodes)
        a = engine.analyse(net)
        per = [best_time(f, args.runs) / n * 1e6 for f in (
            lambda: spec.load(name),
            lambda: engine.rows(net, x),
            lambda: report.render(a, "text"))]
        first = first or per
        ratios = " ".join(f"{p / f:5.2f}" for p, f in zip(per, first))
        print(f"{name:<14}{n:>7}{per[0]:>15.1f}{per[1]:>17.1f}{per[2]:>17.1f}{ratios:>26}")
    script = shutil.which("archcalc", path=str(Path(sys.executable).parent)) or "archcalc"
    for name in args.names[-3:]:
        walls = []
        for _ in range(args.runs):
            t = time.perf_counter()
            subprocess.run([script, "table", name], stdout=subprocess.DEVNULL, check=True)
            walls.append(time.perf_counter() - t)
        print(f"`archcalc table {name}`: {statistics.median(walls):.3f} s (whole process, median)")


if __name__ == "__main__":
    main()
