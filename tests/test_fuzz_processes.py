"""The attack, as a test: hypothesis drives whole ``archcalc`` processes (issue 17).

Each example is one real process, started as a user starts it (``python -m archcalc …``, in a
folder of the user's files), under a cap on its address space, its CPU time and its wall time
(``resource.setrlimit`` in the child, and a timeout). Hypothesis draws the command (every one
but ``serve``, which runs until stopped, and ``verify``, whose torch needs more than the cap: its
inputs are fuzzed by tests/test_fuzz.py), the network (a bundled name, a spec generated from the
grammar, a bundled spec with random edits, any bytes), an answers file (a table of generated
cells, or a quiz's own key), option values (each option's own kind of value, or anything), and
the ``--out`` target (new, the user's file, a folder, a dangling link, a missing folder, with or
without ``--force``), and now and then a file-size limit that makes every write fail half-way.

Every process must:
  * end with exit status 0, 1 (``check`` only: some cell wrong) or 2 (one message, starting
    ``archcalc: error:``, or click's usage error), within the caps: never a traceback, an
    ``internal error``, a signal, a hang;
  * leave the folder as it was, but for the ``--out`` target, which is written whole (and its
    JSON parses) when the command succeeded and left as it was (or absent) when it did not,
    with no temporary file left behind;
  * print JSON that holds together: a table's totals are the sums of its layers (the main
    layers; with the auxiliary heads for ``totals_with_aux``), every layer's inputs are layers
    above it; compare's FLOPs are 2 × MACs and its activation bytes the values times the dtype's
    size; check's score counts its cells' verdicts, and exit status 1 means a wrong cell (or
    nothing answered).

CI runs a fixed budget with a fixed seed (about a minute). A long run is one command (README,
Limits), e.g. 2,000 processes:

    ARCHCALC_FUZZ_PROCESSES=2000 python -m pytest -q tests/test_fuzz_processes.py
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import click
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings, strategies as st

from archcalc.cli import main
# Strategies shared with the in-process fuzz (names only: no test function is imported here).
from test_fuzz import (BUNDLED, CELL_ATTACKS, VALUES, cells, edits, headers, mutate,
                       render_table, row_names, specs_st, toml_document)

ROOT = Path(__file__).resolve().parent.parent
CI_PROCESSES = 50
PROCESSES = int(os.environ.get("ARCHCALC_FUZZ_PROCESSES", str(CI_PROCESSES)))
# No shrinking: it would rerun hundreds of processes; a failure is shown as it was drawn.
FUZZ = settings(max_examples=PROCESSES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.reuse, Phase.generate])

# The caps. The README promises 1,000,000 layers in under 30 s and 500 MB in every format:
# twice that in CPU time, and an address space of 1.5 GiB (address space is more than the
# memory used: Python and numpy reserve more than they touch).
CPU_S = 60
ADDRESS_SPACE = 3 * 2**29
WALL_S = 180

COMMANDS = sorted(set(main.list_commands(None)) - {"serve", "verify"})
EXIT_1 = {"check"}                  # the one command whose answer can be "some are wrong"
OUT_TARGETS = ["new.txt", "new.json", "new.svg", "new.png", "existing.txt", "dangling.txt",
               "link.txt", "folder", "missing/new.txt", ".", ""]
NETWORKS = ["alexnet", "lenet5", "googlenet", "resnet18", "vgg16", "nope", "bytes.toml",
            "missing.toml", "answers.csv", "folder"] + ["SPEC"] * 8     # SPEC: the spec drawn
ANSWERS = ["answers.csv", "key.csv"] * 3 + ["-", "existing.txt", "missing.csv", "folder",
                                            "bytes.toml"]
GOOD_NETWORKS = ["alexnet"] * 3 + ["lenet5", "vgg16", "resnet18", "SPEC"]
PICTURES = ["new.svg", "new.png", "new.pdf", "existing.svg", "new.txt", "dangling.txt"]


SEEN: set[str] = set()


def cap(fsize: int | None):
    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_S, CPU_S + 5))
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    return limits


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under ``folder`` → the SHA-256 of a file's bytes, a link's target, or
    ``folder``."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_symlink():
            out[rel] = "link → " + os.readlink(p)
        elif p.is_dir():
            out[rel] = "folder"
        else:
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def user_files(folder: Path, spec_text: bytes, answers_text: bytes, junk: bytes) -> None:
    (folder / "existing.txt").write_text("the user's own file\n", encoding="utf-8")
    (folder / "existing.svg").write_text("<svg>the user's picture</svg>\n", encoding="utf-8")
    (folder / "folder").mkdir()
    (folder / "folder" / "inside.txt").write_text("kept\n", encoding="utf-8")
    (folder / "spec.toml").write_bytes(spec_text)
    (folder / "answers.csv").write_bytes(answers_text)
    (folder / "bytes.toml").write_bytes(junk)
    (folder / "key.csv").write_text(
        "layer,W,H,C,params,MACs\nconv1,55,55,96,34944,105415200\n"
        "conv2,27,27,256,614656,447897600\nfc8,1,1,1000,4097000,4096000\n", encoding="utf-8")
    os.symlink("nowhere/gone.txt", folder / "dangling.txt")
    os.symlink("existing.txt", folder / "link.txt")


# --- strategies ------------------------------------------------------------------------------------

def spec_texts():
    """(the bytes of a spec file, the names of its variants): generated from the grammar, or a
    bundled spec with random edits."""
    def generated(d):
        variants = d.get("variants")
        names = list(variants) if isinstance(variants, dict) else []
        return toml_document(d).encode("utf-8", "surrogatepass"), names

    def mutated(which, es):
        _, text, names = BUNDLED[which]
        for e in es:
            text = mutate(text, e)
        return text.encode("utf-8", "surrogatepass"), names

    return st.one_of(specs_st.map(generated), st.builds(
        mutated, st.integers(0, len(BUNDLED) - 1), st.lists(edits, min_size=1, max_size=3)))


def key_rows() -> list[list[str]]:
    """AlexNet's answer key as ``archcalc quiz --answers`` writes it (CSV rows)."""
    import csv
    import io

    from click.testing import CliRunner

    out = CliRunner().invoke(main, ["quiz", "alexnet", "--answers", "--format", "csv"]).output
    return list(csv.reader(io.StringIO(out)))


KEY = key_rows()


def answers_texts():
    """A table of generated cells, or AlexNet's real key with some cells, rows or the header
    changed (so that the marking itself, not only the reading, is exercised)."""
    def table(header, rows, style, encoding):
        text = render_table(header, [[name] + cs for name, cs in rows], style)
        return text.encode(encoding, "replace")

    def edited(changes, drop, style):
        rows = [list(r) for r in KEY]
        for (i, j), cell in changes:
            i, j = i % len(rows), j % len(rows[0])
            rows[i][j] = cell
        rows = [r for k, r in enumerate(rows) if k == 0 or k % 7 != drop]
        return render_table(rows[0], rows[1:], style).encode("utf-8")

    cell_values = cells | st.sampled_from(CELL_ATTACKS) | st.integers(0, 10**9).map(str)
    generated = st.builds(table, headers, st.lists(st.tuples(row_names, st.lists(
        cells | st.sampled_from(CELL_ATTACKS), max_size=6)), max_size=8),
        st.sampled_from(["csv", "tsv", "markdown"]),
        st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32", "latin-1"]))
    key = st.builds(edited, st.lists(st.tuples(st.tuples(st.integers(0, 99), st.integers(0, 9)),
                                               cell_values), max_size=6),
                    st.integers(0, 7), st.sampled_from(["csv", "tsv", "markdown"]))
    return st.one_of(generated, key)


# Each option's own kind of value, most of the time (so that examples get past the options to
# the work), else anything; 0 to 3 options an example.
GOOD = {
    "--input": ["224", "32", "64x48", "3x227x227", "1x28x28"],
    "--set": ["classes=10", "depth=3", "c=4", "flag=true", "lrn=false"],
    "--batch": ["1", "8", "256"],
    "--columns": ["layer,c,params,macs,rf", "layer,params", "params,macs,flops"],
    "--column": ["W=W", "params=params", "zzz=params", "MACs=macs"],
    "--table": ["1", "2"],
    "--blank": ["W,H,C,params,macs", "params", "W,H", "macs"],
    "--seed": ["0", "1", "42"],
    "--fraction": ["0.5", "1", "0.1", "0"],
    "--example": ["0", "1", "3"],
}
LAYERS = ["conv1", "Conv1", "pool1", "fc8", "C1", "x", "nope", "MaxPool1"]
WEIGHTED = ["table"] * 4 + ["check"] * 3 + ["compare", "quiz", "explain", "graph"] * 2 + [
    "plot", "list"]
COMMANDS = [c for c in WEIGHTED if c in COMMANDS]


def option_value(p: click.Parameter):
    name = next((o for o in p.opts if o.startswith("--")), p.opts[0])
    if isinstance(p.type, click.Choice):
        good = st.sampled_from(list(p.type.choices))
    elif name in GOOD:
        good = st.sampled_from(GOOD[name])
    else:
        good = st.sampled_from(VALUES)
    anything = st.sampled_from(VALUES) | st.text(max_size=8)
    return st.integers(0, 6).flatmap(lambda i: anything if i == 0 else good)


def command_lines(data, command: str, variants: list[str]) -> list[str]:
    args = [command]
    params = main.get_command(None, command).params
    for p in params:
        if isinstance(p, click.Argument):
            pool = {"answers": ANSWERS, "layers": LAYERS}.get(p.name, NETWORKS)
            if command in ("check", "plot") and p.name != "answers":
                pool = GOOD_NETWORKS if data.draw(st.booleans(), label="good?") else pool
            if p.nargs == 1:
                n = 1
            else:
                n = data.draw(st.integers(0 if not p.required else 1, 3), label=p.name)
            args += [data.draw(st.sampled_from(pool), label=p.name) for _ in range(n)]
    for i, a in enumerate(args):
        if a == "SPEC":         # the drawn spec file, as a whole or one of its variants
            args[i] = data.draw(st.sampled_from(["spec.toml"] + [
                f"spec.toml:{v}" for v in variants] + ["spec.toml:nope"]), label="spec")
    options = [p for p in params if isinstance(p, click.Option) and p.name not in ("out",
                                                                                     "force")]
    if options:
        for p in data.draw(st.lists(st.sampled_from(options), max_size=3,
                                    unique_by=lambda p: p.name), label="options"):
            name = next((o for o in p.opts if o.startswith("--")), p.opts[0])
            if p.is_flag:
                args.append(data.draw(st.sampled_from(p.opts + p.secondary_opts)))
            else:
                args += [name, data.draw(option_value(p), label=name)]
    out = next((p for p in params if p.name == "out"), None)
    if out is not None and (out.required or data.draw(st.booleans(), label="--out?")):
        targets = PICTURES + OUT_TARGETS[:3] if command == "plot" else OUT_TARGETS
        args += ["--out", data.draw(st.sampled_from(targets), label="--out")]
        if data.draw(st.booleans(), label="--force?"):
            args.append("--force")
    return args


# --- judging one process ------------------------------------------------------------------------------

def value_of(args: list[str], option: str) -> str | None:
    return args[args.index(option) + 1] if option in args[:-1] else None


def consistent(command: str, args: list[str], doc, code: int) -> None:
    """The JSON holds together (see the module docstring)."""
    if command == "table" and isinstance(doc, dict) and "layers" in doc:
        layers, seen = doc["layers"], {"input"}
        for layer in layers:
            assert set(layer["inputs"]) <= seen, (layer["name"], layer["inputs"])
            seen.add(layer["name"])
        for key, rows in (("totals", [x for x in layers if not x["aux"]]),
                          ("totals_with_aux", layers)):
            totals = doc.get(key) or {}
            for k, v in totals.items():
                if isinstance(v, int) and not isinstance(v, bool) and rows and all(
                        isinstance(x.get(k), int) for x in layers):
                    assert v == sum(x[k] for x in rows), (key, k)
    if command == "compare":
        dtype = value_of(args, "--dtype") or "fp32"
        size = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1, "fp64": 8}.get(dtype)
        for n in doc["networks"]:
            assert n["flops"] == 2 * n["macs"]
            if size:
                assert n["activation_bytes"] == n["activations"] * size
            if n["largest_layer"] is not None:
                assert 0 <= n["largest_layer"]["params"] <= n["params"]
            else:
                assert n["params"] == 0 and n["macs"] == 0
    if command == "check":
        verdicts = [c["verdict"] for c in doc["cells"]]
        score = doc["score"]
        assert score["right"] == verdicts.count("right")
        assert score["wrong"] == verdicts.count("wrong")
        assert score["missing"] == verdicts.count("missing")
        assert score["unread"] == verdicts.count("unread")
        # Exit 1: a wrong cell, or nothing answered (no cell right or wrong: issue 14).
        assert (code == 1) == (score["wrong"] > 0 or score["marked"] == 0)


def judge(folder: Path, before: dict, args: list[str], r: subprocess.CompletedProcess,
          fsize: int | None) -> None:
    command = args[0]
    shown = f"archcalc {' '.join(map(repr, args))}" + (f" (file size cap {fsize})"
                                                        if fsize is not None else "")
    assert r.returncode in (0, 1, 2), (shown, r.returncode, r.stderr[-2000:])
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, (shown, r.stderr)
    if r.returncode == 1:
        assert command in EXIT_1, (shown, r.stderr[-2000:])
    if r.returncode == 2:
        err = r.stderr
        assert err.startswith(("archcalc: error: ", "Usage: ")) or "Error: " in err, (shown,
                                                                                        err)
        assert r.stdout == "", (shown, r.stdout[:500])
    out = value_of(args, "--out")
    after = snapshot(folder)
    written = None
    if out and r.returncode == 0 and "wrote " in r.stderr:
        written = os.path.normpath(out)
        if (folder / written).is_symlink():     # --force through a link writes its target
            written = os.path.relpath(os.path.realpath(folder / written), folder)
        assert (folder / written).is_file() and not (folder / written).is_symlink(), shown
        assert "--force" in args or written not in before, (shown, "clobbered without --force")
        if written in before and "--force" in args:
            assert before[written] != "folder", shown
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert changed <= ({written} if written else set()), (shown, sorted(changed))
    fmt = value_of(args, "--format")
    if fmt == "json" and r.returncode in (0, 1):
        text = (folder / written).read_text(encoding="utf-8") if written else r.stdout
        consistent(command, args, json.loads(text), r.returncode)


@FUZZ
@given(data=st.data(), spec=spec_texts(), answers_text=answers_texts(),
       junk=st.binary(max_size=200), command=st.sampled_from(COMMANDS),
       fsize=st.sampled_from([None] * 6 + [1, 64]))
def test_whole_processes_end_cleanly_under_caps(tmp_path_factory, data, spec, answers_text,
                                                junk, command, fsize):
    spec_text, variants = spec
    args = command_lines(data, command, variants)
    # Each process costs a second: the same command on the same files runs once (once passed:
    # a failing one runs again when hypothesis replays it).
    key = hashlib.sha256(repr((args, fsize, spec_text if any("spec.toml" in a for a in args)
                               else b"", answers_text if {"answers.csv", "-"} & set(args)
                               else b"", junk if "bytes.toml" in args else b"")).encode(
        "utf-8", "surrogatepass")).hexdigest()
    assume(key not in SEEN)
    folder = tmp_path_factory.mktemp("proc")
    user_files(folder, spec_text, answers_text, junk)
    stdin = answers_text if "-" in args[1:] else b""
    before = snapshot(folder)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OPENBLAS_NUM_THREADS="1")      # numpy's BLAS reserves address space per core
    env.pop("ARCHCALC_DEBUG", None)
    try:
        r = subprocess.run([sys.executable, "-m", "archcalc", *args], cwd=folder, input=stdin,
                           capture_output=True, timeout=WALL_S, preexec_fn=cap(fsize), env=env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"archcalc {args!r} ran past {WALL_S} s")
    r = subprocess.CompletedProcess(r.args, r.returncode,
                                    r.stdout.decode("utf-8", "replace"),
                                    r.stderr.decode("utf-8", "replace"))
    if os.environ.get("ARCHCALC_FUZZ_LOG"):
        with open(os.environ["ARCHCALC_FUZZ_LOG"], "a", encoding="utf-8") as log:
            log.write(json.dumps({"args": args, "fsize": fsize, "status": r.returncode,
                                  "stderr": r.stderr[-300:]}, ensure_ascii=False) + "\n")
    judge(folder, before, args, r, fsize)
    SEEN.add(key)


def test_the_readme_states_these_caps():
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert (f"a cap of {ADDRESS_SPACE / 2**30:g} GiB of address space, {CPU_S} s of CPU and "
            f"{WALL_S} s of wall time") in text
    assert f"CI runs {CI_PROCESSES} processes" in text
