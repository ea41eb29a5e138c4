"""The ``archcalc`` command: parses arguments, calls the engine, prints. Nothing else."""

from __future__ import annotations

import sys

import click

from . import __version__
from .analysis.compare import SORT_KEYS
from .core.errors import ArchcalcError, suggest
from .analysis.memory import DTYPES
from .render.report import FORMATS
from .render.units import KILOS, UNITS


class UserError(click.ClickException):
    """Bad input: the message, exit status 2, no traceback."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"archcalc: error: {self.format_message()}", err=True)


def parse_input(text: str, channels: int):
    """``224`` (H = W, the spec's C), ``224x224`` (H×W) or ``3x224x224`` (C×H×W)."""
    from .api import parse_input as parse

    try:
        return parse(text, channels)
    except ArchcalcError as e:
        raise UserError(str(e)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
# The version given, not looked up: click's lookup imports importlib.metadata, which made
# `archcalc --version` slower than `archcalc table vgg16` (BENCHMARKS.md, start-up).
@click.version_option(version=__version__, message="archcalc %(version)s")
def main() -> None:
    """Exact shapes, parameters and multiply-accumulates of classic CNNs, with the working shown.

    Every number is computed from a declarative spec (a TOML file) with the textbook formulas,
    e.g. O = ⌊(I − K + 2P)/S⌋ + 1. Start with `archcalc list` and `archcalc table alexnet`.
    """


@main.command("list")
def list_cmd() -> None:
    """List the bundled networks, each with a one-line description and its source."""
    from .render import report
    from .core import spec

    try:
        infos = [i for sf in spec.catalogue().values() for i in sf.infos()]
    except ArchcalcError as e:
        raise UserError(str(e)) from None
    seen = set()
    unique = [i for i in infos if not (i.name in seen or seen.add(i.name))]
    click.echo(report.render_list(unique), nl=False)


def _split(values) -> list[str]:
    """``--count bias,act --count pool`` → ["bias", "act", "pool"]."""
    return [v.strip() for text in values for v in text.split(",") if v.strip()]


def parse_sets(values) -> dict[str, str]:
    """``--set classes=10`` (repeatable) → {"classes": "10"}."""
    out = {}
    for text in values:
        name, eq, value = text.partition("=")
        if not eq or not name.strip():
            raise UserError(f"--set: expected NAME=VALUE (e.g. --set classes=10), found {text!r}")
        out[name.strip()] = value.strip()
    return out


def table_options(f):
    """The counting, memory, units and output options shared by ``table`` and ``analyze``."""
    from .analysis.conventions import EXTRAS, PRESETS
    from .analysis.memory import OPTIMIZERS

    for decorator in reversed([
        click.option("--count", multiple=True, metavar="WHAT[,WHAT]",
                     help="Add to the FLOPs column, each labelled in the footer: "
                          + ", ".join(EXTRAS) + " (repeatable or comma-separated)."),
        click.option("--convention", type=click.Choice(PRESETS),
                     help="Reproduce what a source prints for the same network: the papers, "
                          "torchvision's docs, fvcore, ptflops or Keras (a column and a footer "
                          "line in that tool's terms)."),
        click.option("--units", type=click.Choice(UNITS), default="exact",
                     show_default=True, help="exact integers, or SI prefixes (61.1 M, 0.71 G)."),
        click.option("--kilo", type=click.Choice([str(k) for k in KILOS]), default="1000",
                     show_default=True, help="The SI step for --units si (GoogLeNet's table "
                                             "uses 1024)."),
        click.option("--memory", is_flag=True,
                     help="Add activation and parameter memory columns, and the forward and "
                          "training memory totals."),
        click.option("--dtype", type=click.Choice(list(DTYPES)), default="fp32",
                     show_default=True, help="Bytes per value for the memory figures."),
        click.option("--batch", type=click.IntRange(1), default=1, show_default=True,
                     help="Batch size of the training memory estimate."),
        click.option("--optimizer", type=click.Choice(list(OPTIMIZERS)), default="sgd",
                     show_default=True, help="Optimizer state of the training estimate."),
        click.option("--rf", is_flag=True,
                     help="Add the receptive field columns: size, jump and start, per axis."),
        click.option("--columns", metavar="COL[,COL]",
                     help="Choose and order the columns (keys or headers, e.g. "
                          "layer,c,params,macs,rf)."),
    ]):
        f = decorator(f)
    return f


def make_options(no_bias, aux, count, convention, units, kilo, memory, dtype, batch,
                 optimizer, rf, columns):
    from .render import report
    from .analysis.conventions import EXTRAS

    extras = _split(count)
    for e in extras:
        if e not in EXTRAS:
            raise UserError(f"--count: unknown '{e}'{suggest(e, EXTRAS)}; choose from "
                            + ", ".join(EXTRAS))
    keys = []
    if columns is not None and not _split([columns]):
        raise UserError(f"--columns: no column named in {columns!r}; choose from "
                        + ", ".join(report.COLUMNS))
    for name in _split([columns] if columns else []):
        try:
            keys.append(report.find_column(name))
        except KeyError:
            raise UserError(f"--columns: unknown column '{name}'"
                            f"{suggest(name, report.COLUMNS)}; choose from "
                            + ", ".join(report.COLUMNS)) from None
    return report.Options(bias=not no_bias, aux=aux, count=tuple(dict.fromkeys(extras)),
                          convention=convention, units=units, kilo=int(kilo), dtype=dtype,
                          batch=batch, optimizer=optimizer, memory=memory, rf=rf,
                          columns=tuple(keys))


def check_out(out: str, force: bool) -> None:
    """Refuse --out FILE early (it exists and no --force, a dangling link, not a regular file):
    the rules are in core.files, which also writes it."""
    from .core import files

    try:
        files.check_target(out, force)
    except ArchcalcError as e:
        raise UserError(str(e)) from None


def write_out(text: str, out: str | None, force: bool) -> None:
    """Print ``text``, or write it to ``out`` whole or not at all (core.files)."""
    if out is None:
        click.echo(text, nl=False)
        return
    from .core import files

    try:
        files.write_text(out, text, force)
    except ArchcalcError as e:
        raise UserError(str(e)) from None
    click.echo(f"wrote {out}", err=True)


def analysis(network: str, input_: str | None, sets=()):
    """Load and analyse NETWORK, turning every spec error into a user error."""
    from .core import engine, spec

    overrides = parse_sets(sets)
    try:
        net = spec.load(network, overrides=overrides or None)
        x = parse_input(input_, net.input.c) if input_ else None
        return engine.analyse(net, x)
    except ArchcalcError as e:
        given = " ".join(f"--set {k}={v}" for k, v in overrides.items())
        raise UserError(str(e) + (f"\n  (the spec as changed by {given})"
                                  if overrides and not str(e).startswith("--set") else "")
                        ) from None


@main.command("table")
@click.argument("network")
@click.option("--input", "input_", metavar="SIZE",
              help="Input size: 224 (H = W), 224x224 (H×W) or 3x224x224 (C×H×W).")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
              help="Override a param the spec declares, e.g. --set classes=10 (repeatable).")
@click.option("--no-bias", is_flag=True, help="Count weights only, without biases.")
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              default="text", show_default=True, help="Output format.")
@click.option("--standalone", is_flag=True,
              help="With --format html: one self-contained page (no network access needed to "
                   "view it) whose cells show their working on hover or click.")
@click.option("--strict", is_flag=True,
              help="Refuse an output size that the formula does not give as a whole number "
                   "(exit status 2) instead of flooring it.")
@click.option("--aux", is_flag=True,
              help="Also total the auxiliary classifier heads (training time); their rows are "
                   "always shown, but the inference total leaves them out.")
@click.option("--layout", type=click.Choice(["layers", "paper"]), default="layers",
              show_default=True,
              help="layers: one row per layer. paper: the paper's own table (e.g. GoogLeNet's "
                   "Table 1), every cell computed, beside the values the paper printed.")
@table_options
@click.option("--out", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write to FILE instead of printing (refuses an existing file).")
@click.option("--force", is_flag=True, help="Let --out overwrite an existing file.")
def table_cmd(network: str, input_: str | None, sets, no_bias: bool, fmt: str, standalone: bool,
              strict: bool, aux: bool, layout: str, count, convention, units, kilo, memory, dtype, batch,
              optimizer, rf, columns, out, force) -> None:
    """Print one row per layer of NETWORK: output H, W, C, parameters, MACs and FLOPs, with
    totals.

    NETWORK is a name from `archcalc list`, or the path of a spec file (PATH.toml, or
    PATH.toml:NAME for one network of a file with variants).
    """
    from .render import report

    opt = make_options(no_bias, aux, count, convention, units, kilo, memory, dtype, batch,
                       optimizer, rf, columns)
    if standalone and (fmt != "html" or layout != "layers"):
        raise UserError("--standalone: a self-contained page is made with --format html (and "
                        "the layer table's layout)")
    a = analysis(network, input_, sets)
    if strict and a.fractions:
        texts = [f"{r.name}: {n.text}" for r in a.fractions for n in r.notes
                 if n.kind == "fraction"]
        raise UserError("--strict: output sizes that are not whole numbers:\n  "
                        + "\n  ".join(texts))
    if layout == "paper":
        from .analysis import paper

        if fmt not in paper.FORMATS:
            raise UserError(f"--layout paper: --format {fmt} is not supported; choose from "
                            + ", ".join(paper.FORMATS))

        try:
            write_out(paper.render(a, fmt), out, force)
        except ArchcalcError as e:
            raise UserError(str(e)) from None
        return
    if standalone:
        from .homework.explain import table_cells

        write_out(report.html_document(a, opt, table_cells(a.rows, opt.bias, opt.count)), out,
                  force)
        return
    write_out(report.render(a, fmt, opt), out, force)


@main.command("explain")
@click.argument("network")
@click.argument("layers", nargs=-1)
@click.option("--input", "input_", metavar="SIZE",
              help="Input size: 224 (H = W), 224x224 (H×W) or 3x224x224 (C×H×W).")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
              help="Override a param the spec declares, e.g. --set classes=10 (repeatable).")
@click.option("--no-bias", is_flag=True, help="Count weights only, without biases.")
def explain_cmd(network: str, layers: tuple[str, ...], input_: str | None, sets,
                no_bias: bool) -> None:
    """Write out the arithmetic of every cell of NETWORK's layers, as a student would.

    For each layer (or only the LAYERS named, e.g. `conv1 pool1`; case, spaces and
    punctuation are ignored, and MaxPool1 finds pool1): its output H, W and C, its parameters
    (weights + biases) and its MACs, each as the formula with the numbers put in, e.g.
    W = (227 − 11 + 2·0)/4 + 1 = 55.
    """
    from .homework import explain
    from .core.names import Index

    a = analysis(network, input_, sets)
    rows = list(a.rows)
    if layers:
        index = Index(r.name for r in rows)
        by_name = {r.name: r for r in rows}
        picked = []
        for name in layers:
            hit = index.find(name)
            if hit is None:
                raise UserError(f"{a.network} has no layer '{name}'"
                                f"{suggest(name, by_name)}; `archcalc table {network}` lists "
                                "them")
            picked.append(by_name[hit])
        rows = picked
    click.echo(explain.render(rows, bias=not no_bias), nl=False)


@main.command("check")
@click.argument("network")
@click.argument("answers")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: every verdict, for autograders.")
@click.option("--by-order", is_flag=True,
              help="Match rows to layers by position (the layers `archcalc quiz` lists), "
                   "not by name.")
@click.option("--column", "mapping", multiple=True, metavar="HEADER=FIELD",
              help="Read the column headed HEADER as FIELD (W, H, C, output, params, macs, "
                   "activations, name); may be repeated.")
@click.option("--bias/--no-bias", default=None,
              help="The table counts biases (or not); default: decided from the cells.")
@click.option("--flops/--macs", default=None,
              help="The operations column counts FLOPs = 2 × MACs (or MACs); default: decided "
                   "from the cells.")
@click.option("--k", "k_base", type=click.Choice(["1000", "1024"]), default=None,
              help="What K, M, G mean; default: decided from the cells (else 1000).")
@click.option("--floor/--ceil", "floor", default=None,
              help="Pooling sizes all floored (PyTorch's default) or all in ceil mode (Caffe); "
                   "default: as the spec says, unless the cells fit one of these better.")
@click.option("--table", "which", type=click.IntRange(1), default=None,
              help="Which table of the file to mark (default: the first one archcalc "
                   "recognises).")
@click.option("--input", "input_", metavar="SIZE",
              help="Input size of the network: 224 (H = W), 224x224 or 3x224x224.")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
              help="Override a param the spec declares, e.g. --set classes=10 (repeatable).")
def check_cmd(network: str, answers: str, fmt: str, by_order: bool, mapping: tuple[str, ...],
              bias: bool | None, flops: bool | None, k_base: str | None, floor: bool | None,
              which: int | None, input_: str | None, sets) -> None:
    """Mark a hand-made table of NETWORK, cell by cell, and diagnose each mistake.

    ANSWERS is a CSV, tab-separated or Markdown table (or text with one pasted in), or - for
    standard input; it is only read, never written. Rows are matched to layers by name (Conv1
    finds conv1, MaxPool1 pool1); columns by header (W, H, C, output "55x55x96", params / "# of
    Parameter" / weights, MACs / FLOPs, memory / activations). A cell may be a number
    ("34,848", "35K", "1.3M"), an expression ("11x11x3x96", "(227-11+0)/4+1") or both
    ("3x3x256x384 = 884,736"): then both are checked. The table's convention (biases or not,
    MACs or FLOPs, K = 1000 or 1024, floor or ceil) is decided from its cells unless an option
    says it.

    Exit status: 0 when every marked cell is right (blank cells are reported as missing), 1
    when some are wrong, 2 when the answers cannot be read.
    """
    import json

    from .homework import answers as A
    from .homework import check as C
    from .core import engine, spec

    cols = {}
    for m in mapping:
        head, sep, fld = m.rpartition("=")
        fields = A.FIELDS + ("name",)
        if not sep or not head.strip() or fld.strip() not in fields:
            raise UserError(f"--column: expected HEADER=FIELD with FIELD one of "
                            f"{', '.join(fields)}, found {m!r}{suggest(fld.strip(), fields)}")
        cols[head.strip()] = fld.strip()
    try:
        net = spec.load(network, overrides=parse_sets(sets) or None)
        x = parse_input(input_, net.input.c) if input_ else None
        a = engine.analyse(net, x)
        text, source = A.read_text(answers)
        table = A.parse(text, source, lambda h: A.recognised(h, cols), which)
    except ArchcalcError as e:
        raise UserError(str(e)) from None
    opts = C.Options(cols, by_order, bias, flops, int(k_base) if k_base else None,
                     None if floor is None else ("floor" if floor else "ceil"))
    res = C.check(a, table, opts, net, family=not sets)
    if not res.cells:
        raise UserError(f"{source}: no row of the table matches a layer of {a.network}"
                        + ("" if by_order else "; --by-order matches rows by position")
                        + (f" (rows: {', '.join(n for _, n, _ in res.unmatched[:5])})"
                           if res.unmatched else ""))
    if fmt == "json":
        click.echo(json.dumps(C.to_dict(res), indent=2, ensure_ascii=False))
    else:
        click.echo(C.render_text(res), nl=False)
    sys.exit(res.exit_code)


@main.command("quiz")
@click.argument("network")
@click.option("--blank", default="W,H,C,params,macs", show_default=True, metavar="COLUMNS",
              help="The columns whose cells are left blank, comma-separated.")
@click.option("--seed", type=int, default=None,
              help="Leave a random share of those cells blank, chosen by this seed (the same "
                   "seed gives the same quiz).")
@click.option("--fraction", type=click.FloatRange(0, 1), default=None,
              help="The share of those cells left blank (default: all of them; half with "
                   "--seed).")
@click.option("--answers", is_flag=True, help="Print the key: every cell filled, and the "
                                               "worked arithmetic of each blank one.")
@click.option("--example", type=click.IntRange(0), default=0, show_default=True, metavar="N",
              help="Leave the first N rows filled in, as a worked example (the seed's template "
                   "fills Conv1 and MaxPool1).")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "csv", "latex"]),
              default="text", show_default=True, help="Output format.")
@click.option("--no-bias", is_flag=True, help="Count weights only, without biases.")
@click.option("--input", "input_", metavar="SIZE",
              help="Input size: 224 (H = W), 224x224 (H×W) or 3x224x224 (C×H×W).")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
              help="Override a param the spec declares, e.g. --set classes=10 (repeatable).")
def quiz_cmd(network: str, blank: str, seed: int | None, fraction: float | None,
             answers: bool, example: int, fmt: str, no_bias: bool, input_: str | None,
             sets) -> None:
    """Print an exercise table for NETWORK with cells left blank, or its answer key.

    One row per layer that has parameters, operations or a new shape, with what is given
    about it (kind, kernel, stride, padding) and the columns W, H, C, params and MACs. The CSV,
    filled in, is marked by `archcalc check NETWORK FILE` as it is.
    """
    from .homework import quiz

    cols = [c.strip() for c in blank.split(",") if c.strip()]
    lower = {c.lower(): c for c in quiz.COLUMNS}
    picked = []
    for c in cols:
        if c.lower() not in lower:
            raise UserError(f"--blank: unknown column '{c}'{suggest(c, quiz.COLUMNS)}; "
                            f"the columns are {', '.join(quiz.COLUMNS)}")
        picked.append(lower[c.lower()])
    a = analysis(network, input_, sets)
    q = quiz.build(a, tuple(picked), seed, fraction, bias=not no_bias, example=example)
    click.echo(quiz.render(q, fmt, answers), nl=False)


@main.command("compare")
@click.argument("networks", nargs=-1, required=True)
@click.option("--sort", type=click.Choice(SORT_KEYS),
              help="Order the rows by this column (smallest first; accuracy: lowest first, "
                   "networks without one last).")
@click.option("--reverse", is_flag=True, help="Largest first.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Output format.")
@click.option("--units", type=click.Choice(UNITS), default="exact", show_default=True,
              help="exact integers, or SI prefixes (133 M, 15.5 G).")
@click.option("--kilo", type=click.Choice([str(k) for k in KILOS]), default="1000",
              show_default=True,
              help="The SI step for --units si.")
@click.option("--dtype", type=click.Choice(list(DTYPES)), default="fp32",
              show_default=True, help="Bytes per value of the activation memory.")
@click.option("--out", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write to FILE instead of printing (refuses an existing file).")
@click.option("--force", is_flag=True, help="Let --out overwrite an existing file.")
def compare_cmd(networks, sort, reverse, fmt, units, kilo, dtype, out, force) -> None:
    """Compare NETWORKS side by side: input, depth (weighted layers), params, MACs, FLOPs,
    activation memory, the largest layer and the published top-1/top-5, each with its source.

    `archcalc compare vgg11 vgg11-lrn vgg13 vgg16-c vgg16 vgg19 --units si` is the VGG paper's
    Table 2 (parameters in millions) with the rest beside it.
    """
    from .analysis import compare

    entries = compare.ordered([compare.entry(analysis(n, None), dtype) for n in networks],
                              sort, reverse)
    write_out(compare.render(entries, fmt, units, int(kilo)), out, force)


@main.command("plot")
@click.argument("networks", nargs=-1, required=True)
@click.option("--compare", "compare_", is_flag=True,
              help="Draw published top-1 accuracy against MACs for all NETWORKS, bubble area "
                   "proportional to parameters (networks without a published top-1 are listed "
                   "and left out).")
@click.option("--input", "input_", metavar="SIZE", help="Input size, as for `table`.")
@click.option("--out", type=click.Path(dir_okay=False), metavar="FILE.svg|.png|.pdf",
              required=True, help="The picture to write (refuses an existing file).")
@click.option("--force", is_flag=True, help="Let --out overwrite an existing file.")
def plot_cmd(networks, compare_, input_, out, force) -> None:
    """Draw NETWORK's parameters, MACs and activation values per weighted layer as bars on a
    log axis, with the layer names; or, with --compare, the accuracy-against-operations chart.

    Needs matplotlib (pip install 'archcalc[plot]').
    """
    from .render import plot

    try:
        plot.fmt_of(out)
    except ArchcalcError as e:
        raise UserError(str(e)) from None
    check_out(out, force)
    if not compare_ and len(networks) > 1:
        raise UserError("plot draws one network; add --compare to chart several")
    try:
        if compare_:
            from .analysis import compare

            entries = [compare.entry(analysis(n, input_)) for n in networks]
            drawn, skipped = plot.accuracy(entries, out, force)
            if skipped:
                click.echo("no published top-1 accuracy, left out: " + ", ".join(skipped),
                           err=True)
        else:
            n = plot.layers(analysis(networks[0], input_), out, force)
            click.echo(f"{n} weighted layers", err=True)
    except ArchcalcError as e:
        raise UserError(str(e)) from None
    except OSError as e:
        raise UserError(f"--out: cannot write {out} ({e.strerror})") from None
    click.echo(f"wrote {out}", err=True)


@main.command("graph")
@click.argument("network")
@click.option("--input", "input_", metavar="SIZE", help="Input size, as for `table`.")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
              help="Override a param the spec declares (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["dot", "svg"]), default="dot",
              show_default=True,
              help="dot: Graphviz text (needs nothing installed); svg: drawn by Graphviz's dot.")
@click.option("--out", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write to FILE instead of printing (refuses an existing file).")
@click.option("--force", is_flag=True, help="Let --out overwrite an existing file.")
def graph_cmd(network, input_, sets, fmt, out, force) -> None:
    """Draw NETWORK's architecture: one node per layer with its output shape; branches, joins
    and shortcuts as edges (Graphviz DOT, or SVG where Graphviz is installed)."""
    from .render import graph

    dot = graph.to_dot(analysis(network, input_, sets))
    if fmt == "svg":
        try:
            dot = graph.to_svg(dot)
        except ArchcalcError as e:
            raise UserError(str(e)) from None
    write_out(dot, out, force)


@main.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="The port to listen on.")
@click.option("--open", "open_", is_flag=True, help="Open the app in the default browser.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on; anything but loopback needs --allow-remote.")
@click.option("--allow-remote", is_flag=True,
              help="Let --host be an address other machines can reach (the app has no login: "
                   "anyone who reaches it can use it).")
def serve_cmd(port: int, open_: bool, host: str, allow_remote: bool) -> None:
    """Run archcalc in the browser: networks, a spec editor, marking, quizzes and comparisons,
    at http://127.0.0.1:8000/ (this machine only, unless --host and --allow-remote).

    Needs the web extra: pip install 'archcalc[web]'.
    """
    from . import web

    if host not in web.LOOPBACK and not allow_remote:
        raise UserError(f"--host {host}: only loopback (127.0.0.1, localhost, ::1) unless "
                        "--allow-remote is given as well")
    why = web.missing()
    if why:
        raise UserError(why)
    if host not in web.LOOPBACK:
        click.echo(f"archcalc serve: warning: listening on {host}: any machine that reaches "
                   "this address can use the app (it has no login)", err=True)
    try:
        web.serve(host, port, open_, echo=lambda m: click.echo(m, err=True))
    except ArchcalcError as e:
        raise UserError(str(e)) from None


@main.command("verify")
@click.argument("networks", nargs=-1, metavar="[NETWORK]...")
@click.option("--all", "all_", is_flag=True, help="Verify every network in `archcalc list`.")
@click.option("--device", type=click.Choice(["cpu", "cuda", "meta"]), default="cpu",
              show_default=True,
              help="Where the forward pass runs: cpu, cuda, or meta (shapes only: nothing is "
                   "allocated and no value is computed, so finiteness is not checked).")
@click.option("--batch", type=click.IntRange(min=1), default=1, show_default=True,
              metavar="N", help="Samples in the input tensor (FLOPs scale with it).")
@click.option("--rows", type=click.Choice(["all", "failures", "none"]), default=None,
              help="Which layer rows to print (default: all for named networks, failures "
                   "with --all).")
@click.option("--input", "input_", metavar="SIZE",
              help="Input size: 224 (H = W), 224x224 (H×W) or 3x224x224 (C×H×W).")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
              help="Override a param the spec declares, e.g. --set classes=10 (repeatable); "
                   "the reference cross-check is then left out.")
def verify_cmd(networks: tuple[str, ...], all_: bool, device: str, batch: int,
               rows: str | None, input_: str | None, sets: tuple[str, ...]) -> None:
    """Check archcalc's numbers against torch: build each NETWORK as real torch modules.

    One torch module per layer, run on a real input: each layer's output shape (forward
    hooks), parameters (counted from the module) and FLOPs (torch's FlopCounterMode, on the
    meta device) are compared with archcalc's rows, ✓ or ✗ per row, then a one-line verdict.
    Networks with a reference implementation (torchvision, timm) are also compared with it:
    total parameters, MACs and the shape at every stage boundary.

    Exit status: 0 when everything agrees, 1 on any disagreement, 2 on bad input. Needs torch:
    pip install 'archcalc[verify]' ('archcalc[xcheck]' adds torchvision and timm).
    """
    if all_ == bool(networks):
        raise UserError("verify: give network names or --all (not both)" if all_ else
                        "verify: give one or more network names, or --all for every network")
    from dataclasses import replace

    from .core import spec
    from .verify import run

    overrides = parse_sets(sets)
    try:
        nets = [spec.load(t, overrides=overrides or None)
                for t in (run.zoo() if all_ else networks)]     # all checked before any runs
        if input_:
            nets = [replace(n, input=parse_input(input_, n.input.c)) for n in nets]
        changed = " ".join(f"--set {k}={v}" for k, v in overrides.items())
        code = run.run(nets, device, batch, rows or ("failures" if all_ else "all"), changed)
    except ArchcalcError as e:
        raise UserError(str(e)) from None
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
