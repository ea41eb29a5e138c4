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

    python bench/scale.py --processes [--layers 10000,100000,1000000]
                          [--formats text,markdown,csv,json,latex,html] [--other-formats text,json]
                          [--extras "--memory --rf;--by block"] [--extra-formats text,json,csv]
                          [--update BENCHMARKS.md]

Memory beside time, as whole processes: three networks of the layer count, each run as
`archcalc table ... --format F` with the output thrown away (it is written, to /dev/null), once
per size, format and option set:
  conv + bn + relu  a synthetic spec, one block (`conv` 3×3 + `bn` + `relu`) repeated: every
                    format of --formats, and the --extras option sets (the memory and
                    receptive-field columns; a rollup) in --extra-formats;
  relu, n = N       the issue's 96-byte `{ relu = true, n = N }`: --other-formats;
  resnet20 --set n  the bundled ResNet-20 spec with its stages' repeat count set so that the
                    network has about N layers (21 per unit of n): --other-formats.
Each figure includes reading and expanding the spec, the engine and the rendering. The table
gives the CPU time (user + system), the wall time and the peak RSS (the child's own, from
os.wait4), and per layer. ``--update FILE`` writes the table into FILE between
``<!-- bench:scale-memory -->`` and ``<!-- /bench:scale-memory -->``. The README's Limits
section promises 1,000,000 layers in under 30 s and 500 MB in every format: this measures it.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
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


SPECS = {
    "conv + bn + relu": (
        'name = "synthetic"\ndescription = "a block repeated"\nsource = "bench/scale.py"\n'
        'input = [16, 32, 32]\nlayers = [{{ use = "unit", n = {units} }}]\n'
        '[blocks.unit]\nlayers = [{{ conv = 16, k = 3, p = 1 }}, "bn", "relu"]\n', 3),
    "relu, n = N (96 bytes)": (
        'name = "t"\ndescription = "t"\nsource = "t"\ninput = [3, 32, 32]\n'
        'layers = [{{ relu = true, n = {units} }}]\n', 1),
    "resnet20 --set n": (None, 21),
}
RESNET_LAYERS = lambda n: 21 * n + 7     # noqa: E731  (resnet20 --set n=N: 2,109 at n = 100)

def run_process(cmd: list[str]) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds (user + system), peak RSS in bytes (the child's own, from
    os.wait4) and exit status."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, p.returncode


def processes(layers: list[int], formats: list[str], other: list[str], extras: list[str],
              extra_formats: list[str]) -> list[str]:
    out = ["| network | layers | format | options | CPU | wall | peak RSS | CPU µs per layer "
           "| bytes per layer | exit status |", "|---|---:|---|---|---:|---:|---:|---:|---:|---:|"]
    script = shutil.which("archcalc", path=str(Path(sys.executable).parent))
    base = [script] if script else [sys.executable, "-m", "archcalc"]
    floor = run_process([sys.executable, "-c", "import archcalc.cli"])[2]
    with tempfile.TemporaryDirectory() as d:
        for label, (text, per) in SPECS.items():
            for n in layers:
                if text is None:
                    units = max(1, (n - 7) // per)
                    target, count = ["resnet20", "--set", f"n={units}"], RESNET_LAYERS(units)
                else:
                    path = Path(d) / f"{per}-{n}.toml"
                    path.write_text(text.format(units=n // per), encoding="utf-8")
                    target, count = [str(path)], n // per * per
                runs = [(f, "") for f in (formats if label == "conv + bn + relu" else other)]
                if label == "conv + bn + relu":
                    runs += [(f, x) for x in extras if x for f in extra_formats]
                for fmt, opts in runs:
                    wall, cpu, rss, code = run_process(base + ["table", *target, "--format", fmt,
                                                               *opts.split()])
                    out.append(f"| {label} | {count:,} | {fmt} | {opts} | {cpu:,.1f} s "
                               f"| {wall:,.1f} s | {rss / 1e6:,.0f} MB | {cpu / count * 1e6:,.1f} "
                               f"| {(rss - floor) / count:,.0f} | {code} |")
                    print(out[-1], file=sys.stderr, flush=True)
    return out + ["", f"CPU: user + system time of the process. Bytes per layer: peak RSS less "
                      f"that of `python -c 'import archcalc.cli'` ({floor / 1e6:,.0f} MB), "
                      "divided by the layers. On a shared machine the wall time includes waiting "
                      "for a core; the CPU time does not."]


def update(path: str, key: str, text: str) -> None:
    doc = Path(path).read_text(encoding="utf-8")
    start, end = f"<!-- bench:{key} -->\n", f"<!-- /bench:{key} -->"
    i, j = doc.index(start) + len(start), doc.index(end)
    Path(path).write_text(doc[:i] + text + doc[j:], encoding="utf-8")


def machine() -> str:
    import re

    cpu = platform.machine()
    try:
        names = re.findall(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
        cpu = names[0] if names else cpu
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = os.getloadavg()[0]
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, load average {load:.1f} at the "
            f"start; CPython {platform.python_version()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", default=DEFAULT)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--processes", action="store_true",
                    help="memory beside time, whole processes, at --layers for --formats")
    ap.add_argument("--layers", default="10000,100000,1000000")
    ap.add_argument("--formats", default="text,markdown,csv,json,latex,html",
                    help="the formats of the synthetic conv + bn + relu network")
    ap.add_argument("--other-formats", default="text,json",
                    help="the formats of the other two networks")
    ap.add_argument("--extras", default="--memory --rf;--by block",
                    help="option sets (;-separated) run on the synthetic network")
    ap.add_argument("--extra-formats", default="text,json,csv",
                    help="the formats of each option set")
    ap.add_argument("--update", metavar="FILE", help="with --processes: write the table into FILE")
    args = ap.parse_args()
    if args.processes:
        try:
            commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                    text=True, cwd=Path(__file__).parent).stdout.strip()
        except OSError:
            commit = ""
        stamp = (f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine()}, "
                 f"at commit {commit or 'unknown'}, "
                 f"with `{' '.join(['python bench/scale.py'] + sys.argv[1:])}`.")
        rows = processes([int(x) for x in args.layers.split(",")], args.formats.split(","),
                         args.other_formats.split(","), args.extras.split(";"),
                         args.extra_formats.split(","))
        text = "\n".join(["### Whole processes: time and memory at 10⁴ … 10⁶ layers", "", stamp,
                          "", *rows, ""])
        print(text)
        if args.update:
            update(args.update, "scale-memory", text)
        return
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
