"""The benchmark stays runnable and BENCHMARKS.md stays its output (the timings themselves are
never asserted: they are measured by `python bench/compare.py --update BENCHMARKS.md`)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from archcalc.core import spec

ROOT = Path(__file__).resolve().parent.parent


def load_compare():
    s = importlib.util.spec_from_file_location("compare", ROOT / "bench" / "compare.py")
    module = importlib.util.module_from_spec(s)
    s.loader.exec_module(module)
    return module


def test_every_compared_network_is_bundled_and_named_for_torchvision():
    compare = load_compare()
    for name, (ctor, _) in compare.NETWORKS.items():
        net = spec.load(name)
        assert ctor.replace("_", "") in name.replace("-", ""), (name, ctor)
        assert net.input.c == 3


def test_the_synthetic_spec_has_the_layers_it_says(tmp_path):
    compare = load_compare()
    for n in (1_000, 10_000):
        path = tmp_path / f"s{n}.toml"
        path.write_text(compare.SYNTHETIC.format(n=n, units=n // 2), encoding="utf-8")
        assert len(spec.load(str(path)).nodes) == n


def test_benchmarks_md_holds_every_part_with_its_command():
    text = (ROOT / "BENCHMARKS.md").read_text(encoding="utf-8")
    for part in ("startup", "tools", "scale", "verify"):
        section = text[text.index(f"<!-- bench:{part} -->"):text.index(f"<!-- /bench:{part} -->")]
        assert re.search(r"Measured \d{4}-\d\d-\d\d .* with `python bench/"
                         r"(compare|startup).py[^`]*`", section), part
        assert "|---" in section, part


def test_the_start_up_benchmark_runs(tmp_path):
    # Two runs of each command, so the script's arithmetic and its table are exercised; the
    # figures themselves are never asserted.
    s = importlib.util.spec_from_file_location("startup", ROOT / "bench" / "startup.py")
    startup = importlib.util.module_from_spec(s)
    s.loader.exec_module(startup)
    if startup.script() == "archcalc":
        pytest.skip("no archcalc script beside this interpreter")
    text = "\n".join(startup.lines(1, "lenet5"))
    assert "| `archcalc --version` |" in text and "× import click" in text
    assert "dataclasses" in text and "everything after click" in text
