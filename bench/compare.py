"""archcalc beside the tools people use today, at scale, and the verifier: one command, one run.

    python bench/compare.py [--runs 7] [--update BENCHMARKS.md]

Run it with an interpreter whose environment has archcalc installed (`pip install -e .`). It
measures, and prints as Markdown (``--update FILE`` also writes each part's figures into FILE, between its markers
``<!-- bench:PART -->`` and ``<!-- /bench:PART -->``, so that one part can be rerun alone):

0. Start-up: ``archcalc --version`` and ``archcalc table vgg16`` as whole processes, with their
   ratios to ``python -c 'import click'`` (the floor), and where the time goes
   (``bench/startup.py``, which also runs alone).
1. Whole processes, side by side on the same networks: ``python -c pass`` (the floor),
   ``archcalc table NAME``, and on the equivalent torchvision model torchinfo's ``summary``,
   fvcore's ``FlopCountAnalysis`` and ptflops' ``get_model_complexity_info``. Each command runs
   once to warm the file cache, then ``--runs`` times, interleaved so that noise on this shared
   machine hits all alike; the table gives the median wall time and the largest peak RSS of each
   (from ``os.wait4``, the child's own resource usage), and the ratios to archcalc. Each tool also
   prints the parameter count it found, so the table shows they measured the same network.
   The tools live in a separate environment, ``bench/.venv`` (git-ignored), made on first use with
   ``torch==2.14.1 torchvision==0.29.1 torchinfo fvcore ptflops``; none is a dependency of archcalc.
2. In this process: analysing the whole zoo once (load + engine for every bundled network), and
   synthetic networks of 1,000, 10,000 and 100,000 layers (one spec, a block repeated), each the
   median of ``--runs``, with the cost of each 10× step as a ratio.
3. ``archcalc verify --all`` as a whole process, once per device available (torch counts
   parameters and FLOPs on the meta device; the forward pass runs on the CPU, and on CUDA where
   there is a GPU), where the installed archcalc has the command.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv"
TOOLS = ["torch==2.14.1", "torchvision==0.29.1", "torchinfo", "fvcore", "ptflops"]

# archcalc network → (torchvision constructor, its keyword arguments). The archcalc spec is the
# one that describes that torchvision model (its ``-torchvision`` variant where there is one).
NETWORKS = {
    "alexnet-torchvision": ("alexnet", {}),
    "vgg16": ("vgg16", {}),
    "resnet50-torchvision": ("resnet50", {}),
    "densenet121": ("densenet121", {}),
    "inception-v3": ("inception_v3", {"aux_logits": True, "init_weights": False}),
}

# Each tool as a whole process: build the model, run the tool, print the parameters it counted.
PRELUDE = """
import sys, torch, torchvision
c, h, w = {c}, {h}, {w}
model = torchvision.models.{ctor}(weights=None, **{kwargs!r}).eval()
"""
TOOL_CODE = {
    "torchinfo": PRELUDE + """
from torchinfo import summary
s = summary(model, input_size=(1, c, h, w), verbose=0)
print("params", s.total_params)
""",
    "fvcore": PRELUDE + """
from fvcore.nn import FlopCountAnalysis, parameter_count
flops = FlopCountAnalysis(model, torch.zeros(1, c, h, w))
flops.unsupported_ops_warnings(False); flops.uncalled_modules_warnings(False)
flops.total()
print("params", parameter_count(model)[""])
""",
    "ptflops": PRELUDE + """
from ptflops import get_model_complexity_info
macs, params = get_model_complexity_info(model, (c, h, w), as_strings=False,
                                         print_per_layer_stat=False, verbose=False)
print("params", params)
""",
}


# --- running processes ------------------------------------------------------------------------

def measure(cmd: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in bytes and stdout of one run of ``cmd`` as a whole process."""
    t = time.perf_counter()
    # From a neutral folder: in the checkout, `python -c 'import archcalc'` would import the
    # source tree (compiling it, where bytecode is not written) instead of the installed package.
    p = Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
              cwd=tempfile.gettempdir())
    out, err = p.communicate()
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}\n{err[-2000:]}")
    return wall, p.rss, out


class Popen(subprocess.Popen):
    """A Popen that reaps its child with os.wait4, keeping the child's own peak RSS (RUSAGE_CHILDREN
    would give the largest of all children so far)."""

    rss = 0

    def _try_wait(self, wait_flags):
        pid, status, usage = os.wait4(self.pid, wait_flags)
        if pid:
            self.rss = usage.ru_maxrss * 1024          # Linux reports kilobytes
        return pid, status



def series(cmds: dict[str, list[str]], runs: int) -> dict[str, tuple[float, int, str]]:
    """Each command once to warm up, then ``runs`` times interleaved: median wall, max RSS."""
    for cmd in cmds.values():
        measure(cmd)
    walls: dict[str, list[float]] = {k: [] for k in cmds}
    rss: dict[str, int] = {k: 0 for k in cmds}
    outs: dict[str, str] = {}
    for _ in range(runs):
        for k, cmd in cmds.items():
            w, r, o = measure(cmd)
            walls[k].append(w)
            rss[k] = max(rss[k], r)
            outs[k] = o
    return {k: (statistics.median(walls[k]), rss[k], outs[k]) for k in cmds}


def tools_python() -> str:
    py = VENV / "bin" / "python"
    if not py.exists():
        print(f"# making {VENV} with {' '.join(TOOLS)} (once; minutes)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", *TOOLS], check=True)
    return str(py)


def archcalc_script() -> str:
    return shutil.which("archcalc", path=str(Path(sys.executable).parent)) or "archcalc"


# --- the three parts ---------------------------------------------------------------------------

def ms(s: float) -> str:
    return f"{s * 1e3:,.0f} ms" if s >= 0.1 else f"{s * 1e3:.1f} ms"


def mb(b: int) -> str:
    return f"{b / 1e6:,.0f} MB"


def tools_table(runs: int, names: list[str]) -> list[str]:
    from archcalc.core import engine, spec

    py = tools_python()
    script = archcalc_script()
    out = ["| network | input | command | params found | wall (median) | peak RSS "
           "| archcalc is … faster | … less memory |", "|---|---|---|---:|---:|---:|---:|---:|"]
    floor_ratios = []
    for name in names:
        ctor, kwargs = NETWORKS[name]
        x = spec.load(name).input
        a = engine.analyse(spec.load(name))
        ours = f"{a.totals.params:,}" + (f" ({a.totals_with_aux.params:,} with aux)"
                                         if a.has_aux else "")
        cmds = {"python -c pass": [sys.executable, "-c", "pass"],
                f"archcalc table {name}": [script, "table", name]}
        for tool, code in TOOL_CODE.items():
            cmds[tool] = [py, "-c", code.format(c=x.c, h=x.h, w=x.w, ctor=ctor, kwargs=kwargs)]
        res = series(cmds, runs)
        base_wall, base_rss, _ = res[f"archcalc table {name}"]
        floor_ratios.append((name, base_wall / res["python -c pass"][0]))
        for k, (wall, rss, text) in res.items():
            found = re.search(r"params (\d+)", text)
            params = f"{int(found.group(1)):,}" if found else ours if "archcalc" in k else ""
            faster = f"{wall / base_wall:.1f}×" if k in TOOL_CODE else ""
            leaner = f"{rss / base_rss:.1f}×" if k in TOOL_CODE else ""
            shown = f"{k} (torchvision {ctor})" if k in TOOL_CODE else f"`{k}`"
            out.append(f"| {name} | {x.c}×{x.h}×{x.w} | {shown} | {params} | {ms(wall)} "
                       f"| {mb(rss)} | {faster} | {leaner} |")
    out += ["", "Start-up, `archcalc table NAME` ÷ `python -c pass`: "
            + ", ".join(f"{n} {r:.1f}×" for n, r in floor_ratios) + " (against click, the "
            "floor of the targets: the start-up part)."]
    return out


def startup_table(runs: int, name: str = "vgg16") -> list[str]:
    """Start-up against click, and where it goes: bench/startup.py's measurement."""
    sys.path.insert(0, str(HERE))
    import startup

    return startup.lines(runs, name)


def timed(fn, runs: int) -> tuple[float, float]:
    """(median CPU seconds, least wall seconds) of ``runs`` calls after a warm-up. CPU time is
    what the work costs; wall time on this shared machine also holds other processes' turns, and
    its least is the run least disturbed by them."""
    fn()
    cpu, wall = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - t)
    return statistics.median(cpu), min(wall)


SYNTHETIC = """name = "synthetic"
description = "a chain of {n:,} layers: conv + relu repeated"
source = "bench/compare.py"
input = [16, 32, 32]
layers = [{{ use = "unit", n = {units} }}]

[blocks.unit]
layers = [{{ conv = 16, k = 3, p = 1, name = "conv" }}, "relu"]
"""


def scale_table(runs: int) -> list[str]:
    from archcalc.core import engine, spec

    names = list(spec.catalogue())
    zoo_cpu, zoo_wall = timed(lambda: [engine.analyse(spec.load(n)) for n in names], runs)
    layers = sum(len(spec.load(n).nodes) for n in names)
    out = [f"The whole zoo, {len(names)} networks ({layers:,} layers), loaded and analysed once: "
           f"{ms(zoo_cpu)} CPU (median of {runs}), {ms(zoo_wall)} wall (least).", "",
           "A synthetic chain (`conv` 3×3 + `relu`, one block repeated), loaded (TOML → graph) "
           f"and analysed (rows), CPU time the median of {runs} runs, wall time the least:", "",
           "| layers | load, CPU | engine, CPU | total, CPU | × the previous | total, wall "
           "| × the previous |", "|---:|---:|---:|---:|---:|---:|---:|"]
    prev = None
    with tempfile.TemporaryDirectory() as d:
        for n in (1_000, 10_000, 100_000):
            path = Path(d) / f"synthetic{n}.toml"
            path.write_text(SYNTHETIC.format(n=n, units=n // 2), encoding="utf-8")
            net = spec.load(str(path))
            assert len(net.nodes) == n
            load = timed(lambda: spec.load(str(path)), runs)
            rows = timed(lambda: engine.analyse(net), runs)
            both = timed(lambda: engine.analyse(spec.load(str(path))), runs)
            steps = [f"{both[i] / prev[i]:.1f}×" if prev else "" for i in (0, 1)]
            out.append(f"| {n:,} | {ms(load[0])} | {ms(rows[0])} | {ms(both[0])} | {steps[0]} "
                       f"| {ms(both[1])} | {steps[1]} |")
            prev = both
        cmd = [archcalc_script(), "table", str(path)]
        wall, rss, _ = series({"big": cmd}, max(1, runs // 2))["big"]
    out += ["", f"`archcalc table` of the 100,000-layer spec as a whole process (reading, "
            f"analysing and printing the text table): {wall:,.2f} s wall, {mb(rss)} peak RSS."]
    return out


def verify_table(runs: int) -> list[str]:
    """``archcalc verify --all`` once per device: torch counts parameters and FLOPs on the meta
    device (no memory allocated) and runs the real forward pass on the device named."""
    script = archcalc_script()
    probe = subprocess.run([script, "verify", "--help"], capture_output=True, text=True)
    if probe.returncode != 0:
        return ["`archcalc verify` is not in this installation of archcalc: not measured."]
    devices = ["meta", "cpu"]
    cuda = subprocess.run([sys.executable, "-c", "import torch; print(torch.cuda.is_available())"],
                          capture_output=True, text=True).stdout.strip()
    devices += ["cuda"] if cuda == "True" else []
    out = ["| command | wall | peak RSS | exit status | verdict |", "|---|---:|---:|---:|---|"]
    for device in devices:
        cmd = [script, "verify", "--all", "--device", device]
        t = time.perf_counter()
        p = Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        text, _ = p.communicate()
        wall = time.perf_counter() - t
        lines = [x for x in text.splitlines() if x.strip()]
        verdict = next((x for x in lines if "networks agree" in x), lines[-1] if lines else "")
        verdict = verdict.replace("|", "/")
        out.append(f"| `archcalc verify --all --device {device}` | {wall:,.1f} s | {mb(p.rss)} "
                   f"| {p.returncode} | {verdict} |")
    if cuda != "True":
        out += ["", "CUDA is not available on this machine: `--device cuda` was not measured."]
    return out


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        names = re.findall(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
        cpu = f"{names[0]}" if names else cpu
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import archcalc

    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB; {platform.system()} "
            f"{platform.release()}; CPython {platform.python_version()}; "
            f"archcalc {archcalc.__version__}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--networks", default=",".join(NETWORKS),
                    help="comma-separated, from: " + ", ".join(NETWORKS))
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: startup,tools,scale,verify")
    ap.add_argument("--update", metavar="FILE",
                    help="also write each part's figures into FILE between its markers")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    stamp = (f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine()}, "
             f"with `{' '.join(['python bench/compare.py'] + sys.argv[1:])}`.")
    parts = [("startup", "Start-up", lambda: startup_table(args.runs * 3)),
             ("tools", "Whole processes, side by side", lambda: tools_table(
                 args.runs, args.networks.split(","))),
             ("scale", "In this process: the zoo, and networks of 1,000 to 100,000 layers",
              lambda: scale_table(args.runs)),
             ("verify", "`archcalc verify` of the whole zoo", lambda: verify_table(args.runs))]
    for key, title, fn in parts:
        if key in skip:
            continue
        print(f"# {title} …", file=sys.stderr)
        text = "\n".join([f"### {title}", "", stamp, "", *fn(), ""])
        print(text, flush=True)
        if args.update:        # each part between its own markers, so parts can be rerun alone
            doc = Path(args.update).read_text(encoding="utf-8")
            start, end = f"<!-- bench:{key} -->\n", f"<!-- /bench:{key} -->"
            i, j = doc.index(start) + len(start), doc.index(end)
            Path(args.update).write_text(doc[:i] + text + doc[j:], encoding="utf-8")


if __name__ == "__main__":
    main()
