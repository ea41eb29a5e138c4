"""Start-up: `archcalc --version` and `archcalc table NAME` against `python -c 'import click'`.

    python bench/startup.py [--runs 30] [--update BENCHMARKS.md] [NAME]

The floor is importing click, the command-line library archcalc is built on (issue 12's targets:
`archcalc --version` within 1.1× of it, `archcalc table vgg16` within 1.3×). Every command runs
as a whole process with the interpreter running this script (its environment must have archcalc
installed, or PYTHONPATH pointing at a checkout), from a neutral folder, with bytecode written
(PYTHONDONTWRITEBYTECODE is left out of the children's environment: without bytecode every module
is compiled again at each start). Each command runs once to warm up, then `--runs` times,
interleaved, so that noise on a shared machine hits all alike. Two figures per command, each the
median: the wall time, and the CPU time (user + system) of the child alone, read with os.wait4,
which other processes on a busy machine inflate much less than the wall time.

Then where the time goes after click, in one `archcalc table NAME` process per run (medians):
each module's own import time in CPU time (its code run, less the modules it imports: a wrapper
around each loader times it; archcalc's modules, and the standard library's that archcalc adds
to click's), the dataclasses created on the way (each `@dataclass` timed), and the work itself
(reading the spec, analysing, printing).

`--update FILE` writes the figures into FILE between `<!-- bench:startup -->` and
`<!-- /bench:startup -->` (bench/compare.py's start-up part is this one).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"--version": 1.1, "table": 1.3}

# One process: click first (the floor), then archcalc's command line, then the command itself,
# with each @dataclass timed. Prints JSON on stderr: CPU seconds of each step and of the
# dataclasses, and the number of them.
PROBE = r'''
import sys, time, json
import importlib.abc
own, stack, hooks = {}, [], {}


class Timed:
    # A module's loader, timing its exec_module in CPU time, less its own imports' time.
    def __init__(self, loader, name):
        self.loader, self.name = loader, name

    def __getattr__(self, attr):
        return getattr(self.loader, attr)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        t = time.process_time()
        stack.append(0.0)
        try:
            self.loader.exec_module(module)
            if self.name in hooks:
                hooks.pop(self.name)(module)
        finally:
            total = time.process_time() - t
            own[self.name] = own.get(self.name, 0.0) + total - stack.pop()
            if stack:
                stack[-1] += total


class Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        for f in sys.meta_path:
            if f is not self and hasattr(f, "find_spec"):
                spec = f.find_spec(name, path, target)
                if spec is not None:
                    if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                        spec.loader = Timed(spec.loader, name)
                    return spec
        return None


t0 = time.process_time()
import click
t1 = time.process_time()
made, spent = [], [0.0]


def timing(dataclasses):
    # Each @dataclass timed, once something imports dataclasses (the probe itself does not).
    plain = dataclasses.dataclass
    def timed(cls=None, /, **kw):
        def wrap(c):
            s = time.process_time()
            out = plain(**kw)(c)
            spent[0] += time.process_time() - s
            made.append(c.__module__ + "." + c.__qualname__)
            return out
        return wrap if cls is None else wrap(cls)
    dataclasses.dataclass = timed


if "dataclasses" in sys.modules:
    timing(sys.modules["dataclasses"])
else:
    hooks["dataclasses"] = timing
sys.meta_path.insert(0, Finder())
import archcalc.cli
import io, contextlib
with contextlib.redirect_stdout(io.StringIO()):
    try:
        archcalc.cli.main(ARGS)
    except SystemExit:
        pass
t4 = time.process_time()
print(json.dumps({"click": t1 - t0, "after": t4 - t1, "dataclasses": spent[0], "made": made,
                  "own": own}), file=sys.stderr)
'''


def environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one run of ``cmd``."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         env=environment(), cwd=tempfile.gettempdir())
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}")
    return wall, usage.ru_utime + usage.ru_stime


def script() -> str:
    return shutil.which("archcalc", path=str(Path(sys.executable).parent)) or "archcalc"


def commands(name: str) -> dict[str, list[str]]:
    py = sys.executable
    return {"python -c pass": [py, "-c", "pass"],
            "python -c 'import click'": [py, "-c", "import click"],
            "archcalc --version": [script(), "--version"],
            f"archcalc table {name}": [script(), "table", name]}


def series(cmds: dict[str, list[str]], runs: int) -> dict[str, tuple[float, float]]:
    """Each command once to warm up, then ``runs`` times interleaved: (median wall, median CPU)."""
    for cmd in cmds.values():
        run(cmd)
    wall: dict[str, list[float]] = {k: [] for k in cmds}
    cpu: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(runs):
        for k, cmd in cmds.items():
            w, c = run(cmd)
            wall[k].append(w)
            cpu[k].append(c)
    return {k: (statistics.median(wall[k]), statistics.median(cpu[k])) for k in cmds}


def import_times(name: str, runs: int) -> tuple[dict[str, float], dict]:
    """Median own import time (CPU seconds, less the module's own imports) of every module that
    ``archcalc table NAME`` imports after click, and the probe's medians (click, everything
    after it, the dataclasses; the dataclasses made)."""
    probes = []
    code = PROBE.replace("ARGS", repr(["table", name]))
    for _ in range(runs):
        err = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=environment(), cwd=tempfile.gettempdir()).stderr.splitlines()
        probes.append(json.loads(err[-1]))
    modules = {m for p in probes for m in p["own"]}
    own = {m: statistics.median(p["own"].get(m, 0.0) for p in probes) for m in modules}
    probe = {k: statistics.median(p[k] for p in probes)
             for k in ("click", "after", "dataclasses")}
    probe["made"] = probes[0]["made"]
    return own, probe


def ms(s: float) -> str:
    return f"{s * 1e3:.1f} ms"


def lines(runs: int, name: str = "vgg16") -> list[str]:
    """The start-up section of BENCHMARKS.md, as Markdown lines."""
    res = series(commands(name), runs)
    floor_wall, floor_cpu = res["python -c 'import click'"]
    out = [f"Each command as a whole process, {runs} interleaved runs, medians; ratios to "
           "`python -c 'import click'`, the floor:", "",
           "| command | wall | × import click | CPU (user + system) | × import click "
           "| target |", "|---|---:|---:|---:|---:|---:|"]
    for k, (wall, cpu) in res.items():
        target = next((f"≤ {v}×" for key, v in TARGETS.items() if f"archcalc {key}" in k), "")
        out.append(f"| `{k}` | {ms(wall)} | {wall / floor_wall:.2f}× | {ms(cpu)} "
                   f"| {cpu / floor_cpu:.2f}× | {target} |")
    n = max(5, runs // 3)
    own, probe = import_times(name, n)
    work = probe["after"] - sum(own.values())
    after = probe["after"]
    out += ["", f"Where `archcalc table {name}` spends its time after click, in one process per "
            f"run (CPU time, medians of {n} runs; click itself took {ms(probe['click'])} "
            "there): each module's own import time (its code run, less the modules it imports, "
            "timed by a wrapper around its loader), then the rest.", "",
            "| what | time | share |", "|---|---:|---:|"]
    pct = lambda t: f"{100 * t / after:.0f} %"  # noqa: E731
    listed = 0.0
    for m, t in sorted(own.items(), key=lambda x: -x[1]):
        if t >= 0.0005:
            kind = "archcalc" if m.split(".")[0] == "archcalc" else "standard library"
            out.append(f"| import `{m}` ({kind}) | {ms(t)} | {pct(t)} |")
            listed += t
    small = [m for m, t in own.items() if t < 0.0005]
    rest = sum(own[m] for m in small)
    out += [f"| import {len(small)} more modules, under 0.5 ms each | {ms(rest)} | {pct(rest)} |",
            f"| **all imports after click** | **{ms(sum(own.values()))}** "
            f"| **{pct(sum(own.values()))}** |",
            f"| the work: reading the spec, expanding, analysing, printing | {ms(work)} "
            f"| {pct(work)} |",
            f"| **everything after click** | **{ms(after)}** | 100 % |"]
    made = probe["made"]
    if not made:
        out += ["", "No dataclass is created on the way (`@dataclass` writes and compiles each "
                "class's methods when its module is imported; the classes `archcalc table` "
                "defines are plain classes on `core.records.Record`), and `dataclasses` is "
                + ("imported, though." if "dataclasses" in own else "not imported.")]
        return out
    out += ["", f"Of those imports, {ms(probe['dataclasses'])} ({pct(probe['dataclasses'])} of "
            "everything after click) is "
            f"Python creating "
            f"{len(made)} dataclasses (`@dataclass` writes and compiles each class's methods "
            f"when its module is imported): {', '.join(m.removeprefix('archcalc.') for m in made)}."]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name", nargs="?", default="vgg16")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--update", metavar="FILE",
                    help="also write the figures into FILE between its bench:startup markers")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from compare import machine

    stamp = (f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine()}, "
             f"with `{' '.join(['python bench/startup.py'] + sys.argv[1:])}`.")
    text = "\n".join(["### Start-up", "", stamp, "", *lines(args.runs, args.name), ""])
    print(text)
    if args.update:
        doc = Path(args.update).read_text(encoding="utf-8")
        start, end = "<!-- bench:startup -->\n", "<!-- /bench:startup -->"
        i, j = doc.index(start) + len(start), doc.index(end)
        Path(args.update).write_text(doc[:i] + text + doc[j:], encoding="utf-8")


if __name__ == "__main__":
    main()
