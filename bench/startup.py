"""Start-up benchmark: `archcalc table NAME` against `python -c pass`, as a ratio in one run.

    python bench/startup.py [--runs 30] [NAME ...]

Both commands run as whole processes with the same interpreter (the one running this script,
whose environment must have archcalc installed). Each is run once to warm the file cache, then
`--runs` times, interleaved so that machine noise hits both alike; the medians are compared.
Also prints where `archcalc`'s own start-up time goes (python -X importtime, top entries).
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


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", default=["vgg16"])
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    script = shutil.which("archcalc", path=str(Path(sys.executable).parent)) or "archcalc"
    floor = [sys.executable, "-c", "pass"]
    print(f"# {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}, {time.strftime('%Y-%m-%d')}")
    print(f"# floor: {' '.join(floor)}")
    for name in args.names:
        cmd = [script, "table", name]
        timed(floor), timed(cmd)
        a, b = [], []
        for _ in range(args.runs):
            a.append(timed(floor))
            b.append(timed(cmd))
        fa, fb = statistics.median(a), statistics.median(b)
        print(f"archcalc table {name:<12} median {fb * 1e3:7.1f} ms   python -c pass "
              f"{fa * 1e3:6.1f} ms   ratio {fb / fa:5.2f}x   (target ≤ 1.5x)")
    imp = subprocess.run([sys.executable, "-X", "importtime", "-c",
                          "import archcalc.cli, archcalc.core.spec, archcalc.core.engine, archcalc.render.report, "
                          "tabulate"], capture_output=True, text=True).stderr
    rows = []
    for line in imp.splitlines()[1:]:
        parts = line.split("|")
        if len(parts) == 3 and parts[2].startswith(" ") and not parts[2].startswith("  "):
            rows.append((int(parts[1]), parts[2].strip()))
    print("# top-level imports by cumulative time (µs):")
    for us, mod in sorted(rows, reverse=True)[:8]:
        print(f"#   {us:>7}  {mod}")


if __name__ == "__main__":
    main()
