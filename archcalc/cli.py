"""The ``archcalc`` command: declares the commands, and for each parses its arguments, calls
``archcalc.commands`` and shows what comes back. Every value is checked there, by
``archcalc.options``, as for the Python API; an ``ArchcalcError`` becomes ``archcalc: error: …``
and exit status 2.

Start-up imports click and this module, nothing else (``archcalc --version`` is measured against
``import click`` in BENCHMARKS.md): ``commands`` is imported by the command that runs, and the
choices that ``--help`` shows are looked up only when it shows them (``Choice``)."""

from __future__ import annotations

import os
import sys

import click

from . import __version__
from .guard import Guarded, message


class UserError(click.ClickException):
    """Bad input: the message, exit status 2, no traceback."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"archcalc: error: {message(self.format_message())}", err=True)


class CommandLineError(UserError):
    """One of click's own errors (an unknown option, a missing argument, a value click itself
    refuses) in archcalc's style: ``archcalc: error: …``, then the command's usage and where its
    help is, exit status 2, instead of click's ``Usage: … / Error: …``."""

    def __init__(self, e: click.ClickException):
        super().__init__(e.format_message())
        self.ctx = getattr(e, "ctx", None)
        self.exit_code = e.exit_code

    def show(self, file=None) -> None:
        text = f"archcalc: error: {message(self.format_message())}"
        if self.ctx is not None:
            usage = self.ctx.get_usage().removeprefix("Usage: ")
            text += f"\n  usage: {usage}\n  `{self.ctx.command_path} --help` says more"
        click.echo(text, err=True)


def _archcalc_style(e: click.ClickException) -> click.ClickException:
    """``e`` as archcalc shows errors; click's help for a bare ``archcalc`` stays as it is."""
    if isinstance(e, (UserError, click.exceptions.NoArgsIsHelpError)):
        return e
    return CommandLineError(e)


class Ticker:
    """Progress for a run longer than about a second: a status line on standard error, drawn
    only where standard error is a terminal, after ``delay`` seconds and then every ``period``,
    with the step ``core.progress`` names and the seconds elapsed; cleared when the run ends.

    While it runs, ``sys.stdout`` and ``sys.stderr`` pass through ``_Watched``: a line written to
    standard output clears the status line first (it is drawn again under it), and anything else
    written to standard error (another progress bar, a warning) ends the status line for the rest
    of the run, so two never share a line."""

    def __init__(self, label: str, err=None, delay: float | None = None, period: float = 0.25):
        if delay is None:       # ARCHCALC_PROGRESS_AFTER: the delay in seconds (tests use 0)
            try:
                delay = float(os.environ.get("ARCHCALC_PROGRESS_AFTER", "1"))
            except ValueError:
                delay = 1.0
        self.label, self.delay, self.period = label, delay, period
        self.err = err if err is not None else sys.stderr
        self.drawn = False          # the status line is on the screen
        self.silent = False         # something else writes to standard error
        self.at_line_start = True   # standard output's last write ended its line
        import threading

        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "Ticker":
        import time

        self.start = time.monotonic()
        self.saved = sys.stdout, sys.stderr
        sys.stdout = _Watched(sys.stdout, self, out=True)
        sys.stderr = _Watched(sys.stderr, self, out=False)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join()
        sys.stdout, sys.stderr = self.saved
        self.clear()

    def _run(self) -> None:
        import time

        from .core import progress

        if self.stopped.wait(self.delay):
            return
        while True:
            with self.lock:
                if not self.silent and self.at_line_start:
                    doing = progress.now() or "working"
                    seconds = time.monotonic() - self.start
                    self._write(f"\r\x1b[K{self.label}: {doing} … {seconds:.0f} s")
                    self.drawn = True
            if self.stopped.wait(self.period):
                return

    def _write(self, text: str) -> None:
        try:
            self.err.write(text)
            self.err.flush()
        except (OSError, ValueError):       # the terminal went away: stay quiet
            self.silent = True

    def clear(self) -> None:
        with self.lock:
            if self.drawn:
                self._write("\r\x1b[K")
                self.drawn = False

    def wrote(self, text, out: bool) -> None:
        """Before ``text`` goes to standard output (``out``) or standard error."""
        self.clear()
        if out:
            if isinstance(text, str) and text:
                self.at_line_start = text.endswith("\n")
        elif text:
            self.silent = True


class _Watched:
    """A standard stream that tells the ``Ticker`` what is written to it; otherwise the stream."""

    def __init__(self, stream, ticker: Ticker, out: bool):
        self._stream, self._ticker, self._out = stream, ticker, out

    def write(self, text):
        self._ticker.wrote(text, self._out)
        return self._stream.write(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _ticking(ctx) -> bool:
    """Whether this run may show a status line: standard error is a terminal, and the command
    is not one that shows its own progress or runs until stopped (``serve``)."""
    try:
        terminal = sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
    return terminal and _command(ctx) not in ("", "serve")


def _command(ctx) -> str:
    """The command a group's context is about to run (``table``), or ``""``."""
    args = [*getattr(ctx, "_protected_args", ()), *ctx.args]   # click 8.2+: not yet parsed
    return args[0] if args else ""


# --- declaring commands: built when first looked up -----------------------------------------------
# A command's options are declared with ``option``/``argument`` below, which only note what to
# build; ``Group.get_command`` builds the click command (its ``click.Option``s, each costly to
# make) the first time the command is looked up. ``archcalc table`` thus builds only the table
# command, and ``archcalc --version`` none (start-up, issue 12: BENCHMARKS.md).

DECLARED: dict[str, object] = {}    # command name → its function, with its options noted on it


def option(*decls, **attrs):
    """``click.option(*decls, **attrs)``, applied when the command is built."""
    return _noted(click.option, decls, attrs)


def argument(*decls, **attrs):
    """``click.argument(*decls, **attrs)``, applied when the command is built."""
    return _noted(click.argument, decls, attrs)


# A file to write, as the type of an --out option: ``click.Path(dir_okay=False)``, made when the
# command is built (each click.Path asks gettext for its name: a tenth of a millisecond).
FILE = object()


def _noted(decorator, decls, attrs):
    def note(f):
        f.__dict__.setdefault("_declared", []).append((decorator, decls, attrs))
        return f
    return note


def command(name: str):
    """Declare the command ``name`` (``Group.get_command`` builds it)."""
    def declare(f):
        DECLARED[name] = f
        return f
    return declare


def _build(name: str) -> click.Command:
    f = DECLARED[name]
    # The decorators noted bottom first, as Python applied them: replayed in that order, they
    # give the options in the order of the source, as click's decorators would have.
    for decorator, decls, attrs in f.__dict__.get("_declared", ()):
        if attrs.get("type") is FILE:
            attrs = {**attrs, "type": click.Path(dir_okay=False)}
        f = decorator(*decls, **attrs)(f)
    return click.command(name)(f)


class Group(Guarded):
    """The commands, each run with its ``ArchcalcError`` shown as a ``UserError`` and click's own
    errors in the same style (``CommandLineError``), never a traceback (``guard.Guarded``), and
    with a status line on a terminal when it runs longer than about a second (``Ticker``)."""

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except click.ClickException as e:
            raise _archcalc_style(e) from None

    def invoke(self, ctx):
        from .core.errors import ArchcalcError

        try:
            if not _ticking(ctx):
                return super().invoke(ctx)
            with Ticker(f"archcalc {_command(ctx)}"):
                return super().invoke(ctx)
        except ArchcalcError as e:
            raise UserError(str(e)) from None
        except click.ClickException as e:
            raise _archcalc_style(e) from None

    def list_commands(self, ctx) -> list[str]:
        return sorted({*self.commands, *DECLARED})

    def get_command(self, ctx, name: str):
        if name not in self.commands and name in DECLARED:
            self.add_command(_build(name))
        return self.commands.get(name)


class Choice(click.Choice):
    """An option's choices (``options.CHOICES``), shown by ``--help`` and offered by shell
    completion, and looked up only then: start-up imports no module for its tuple. The value is
    passed on as given and checked by ``archcalc.options``, which the API shares, so that both
    refuse it in the same words."""

    def __init__(self, option: str):
        self.option = option
        self.case_sensitive = True

    @property
    def choices(self) -> tuple[str, ...]:
        from .options import choices

        return choices(self.option)

    def convert(self, value, param, ctx):
        return value


class HelpOf(click.Option):
    """An option whose help is written when ``--help`` shows it (``help_of()``): a list of
    values from ``options.CHOICES`` is then looked up there, not at start-up."""

    def __init__(self, *args, help_of, **kwargs):
        self.help_of = help_of
        super().__init__(*args, **kwargs)

    @property
    def help(self) -> str:
        return self.help_of()

    @help.setter
    def help(self, value) -> None:       # click sets it in __init__: the text is help_of's
        pass


def _column_help() -> str:
    from .options import choices

    return (f"Read the column headed HEADER as FIELD ({', '.join(choices('--column'))}); may "
            "be repeated.")


SKIP_UNKNOWN_HELP = ("For a model: keep each operation archcalc cannot count as an "
                     "'uncounted' row with the shape the model gives it, named in the footer "
                     "(without it, the import fails and lists them).")


# --- options shared by several commands, each declared once -------------------------------------

def spec_options(f):
    """--input and --set: the network as the spec gives it, changed."""
    f = option("--set", "sets", multiple=True, metavar="NAME=VALUE",
                     help="Override a param the spec declares, e.g. --set classes=10 "
                          "(repeatable; one param each).")(f)
    return input_option(f)


INPUT_HELP = ("Input size: 224 (H = W), 224x224 (H×W) or 3x224x224 (C×H×W); for a network of "
              "several inputs, NAME=SIZE for each one to change (repeatable).")


def input_option(f, help: str = INPUT_HELP):
    return option("--input", "input_", metavar="SIZE|NAME=SIZE", multiple=True,
                        help=help)(f)


def no_bias_option(f):
    return option("--no-bias", is_flag=True,
                        help="Count weights only, without biases.")(f)


def format_option(among: str = "--format", default: str = "text", help: str = "Output format."):
    return option("--format", "fmt", type=Choice(among), default=default,
                        show_default=True, help=help)


def wide_option(f):
    return option("--wide", is_flag=True,
                        help="Print the text table whole: every column side by side and every "
                             "line unwrapped, however wide (by default it is fitted to the "
                             "terminal: COLUMNS, or 100 when not a terminal).")(f)


def text_width(wide: bool) -> int | None:
    """The width the text format is fitted to: None with --wide; else the COLUMNS variable
    when it holds a positive number, the terminal's width when standard output is one, and
    100 otherwise (a pipe, a file, a test)."""
    if wide:
        return None
    import os

    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        if sys.stdout.isatty():
            return os.get_terminal_size(sys.stdout.fileno()).columns or 100
    except (OSError, ValueError, AttributeError):
        pass
    return 100


def out_options(f):
    """--out FILE and --force."""
    f = option("--force", is_flag=True, help="Let --out overwrite an existing file.")(f)
    return option("--out", type=FILE, metavar="FILE",
                        help="Write to FILE instead of printing (refuses an existing file).")(f)


def units_options(f):
    """--units and --kilo: how numbers are printed."""
    f = option("--kilo", type=Choice("--kilo"), default="1000", show_default=True,
                     help="The SI step for --units si (GoogLeNet's table uses 1024).")(f)
    return option("--units", type=Choice("--units"), default="exact", show_default=True,
                        help="exact integers, or SI prefixes (61.1 M, 0.71 G).")(f)


def dtype_option(f):
    return option("--dtype", type=Choice("--dtype"), default="fp32", show_default=True,
                        help="Bytes per value for the memory figures.")(f)


def table_options(f):
    """How the layer table counts and what it shows: the options of ``options.table``."""
    for decorator in reversed([
        option("--count", type=Choice("--count"), multiple=True,
                     help="Add these operations to the FLOPs column, each labelled in the "
                          "footer (repeatable, or comma-separated: --count bias,act)."),
        option("--convention", type=Choice("--convention"),
                     help="Reproduce what a source prints for the same network: the papers, "
                          "torchvision's docs, fvcore, ptflops, Keras, torchinfo or thop (a "
                          "column and a footer line in that tool's terms)."),
        option("--training", is_flag=True,
                     help="Add a column of a training step's FLOPs: the forward pass and the "
                          "backward, ≈ 2 × the forward MACs per weighted layer (the rule is "
                          "in the footer)."),
        units_options,
        option("--memory", is_flag=True,
                     help="Add activation and parameter memory columns, and the forward and "
                          "training memory totals."),
        dtype_option,
        option("--batch", default="1", show_default=True, metavar="N",
                     help="Batch size of the training memory estimate."),
        option("--optimizer", type=Choice("--optimizer"), default="sgd",
                     show_default=True, help="Optimizer state of the training estimate."),
        option("--rf", is_flag=True,
                     help="Add the receptive field columns: size, jump and start, per axis."),
        option("--columns", metavar="COL[,COL]",
                     help="Choose and order the columns (keys or headers, e.g. "
                          "layer,c,params,macs,rf)."),
        option("--depth", metavar="N",
                     help="Roll the rows up as torchinfo's depth does: 1 = stages and "
                          "top-level blocks, each one subtotal row; larger = deeper, each "
                          "group's subtotal above its rows."),
        option("--by", type=Choice("--by"),
                     help="Subtotals only: one row per block instance (block) or per stage "
                          "(stage, = --depth 1), the layers outside them as they are."),
    ]):
        f = decorator(f)
    return f


# --- showing ---------------------------------------------------------------------------------------

def check_out(out: str, force: bool) -> None:
    """Refuse --out FILE early (it exists and no --force, a dangling link, not a regular file):
    the rules are in core.files, which also writes it."""
    from .core import files

    files.check_target(out, force)


def write_out(text, out: str | None, force: bool) -> None:
    """Print ``text`` (a string, or its pieces: a table written row by row), or write it to
    ``out`` whole or not at all (core.files)."""
    pieces = [text] if isinstance(text, str) else text
    if out is None:
        # Written as they are: click.echo would strip what looks like a terminal escape from a
        # CSV field when the output is not a terminal (the human-readable formats hold none:
        # render.table shows them escaped).
        for piece in pieces:
            sys.stdout.write(piece)
        sys.stdout.flush()
        return
    from .core import files

    with files.replacing(out, force) as f:
        for piece in pieces:
            f.write(piece)
    click.echo(f"wrote {out}", err=True)


# --- the commands ----------------------------------------------------------------------------------

@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
# The version given, not looked up: click's lookup imports importlib.metadata, which made
# `archcalc --version` slower than `archcalc table vgg16` (BENCHMARKS.md, start-up).
@click.version_option(version=__version__, message="archcalc %(version)s")
def main() -> None:
    """Exact shapes, parameters and multiply-accumulates of CNNs (the classics, the modern
    families, your own model), with the working shown.

    Every number is computed from a declarative spec (a TOML file) with the textbook formulas,
    e.g. O = ⌊(I − K + 2P)/S⌋ + 1. Start with `archcalc list` and `archcalc table alexnet`.
    """


@command("list")
@format_option()
@wide_option
def list_cmd(fmt: str, wide: bool) -> None:
    """List the bundled networks, each with a one-line description and its source."""
    from . import commands

    write_out(commands.networks_list(fmt, text_width(wide)), None, False)


@command("table")
@argument("network")
@spec_options
@no_bias_option
@format_option()
@option("--standalone", is_flag=True,
              help="With --format html: one self-contained page (no network access needed to "
                   "view it) whose cells show their working on hover or click.")
@option("--strict", is_flag=True,
              help="Refuse a layer whose output size, floored from a fraction, leaves input "
                   "pixels out, and an fc that flattens a feature map implicitly (exit status "
                   "2); padding left out is not refused.")
@option("--skip-unknown", is_flag=True, help=SKIP_UNKNOWN_HELP)
@option("--aux", is_flag=True,
              help="Also total the auxiliary classifier heads (training time); their rows are "
                   "always shown, but the inference total leaves them out.")
@option("--layout", type=Choice("--layout"), default="layers", show_default=True,
              help="layers: one row per layer. paper: the paper's own table (e.g. GoogLeNet's "
                   "Table 1), every cell computed, beside the values the paper printed.")
@table_options
@wide_option
@out_options
def table_cmd(network: str, input_: str | None, sets, no_bias: bool, fmt: str,
              standalone: bool, strict: bool, skip_unknown: bool, layout: str, wide: bool,
              out, force, **counting) -> None:
    """Print one row per layer of NETWORK: output H, W, C, parameters, MACs and FLOPs, with
    totals.

    NETWORK is a name from `archcalc list`, or the path of a spec file (PATH.toml, or
    PATH.toml:NAME for one network of a file with variants), or a model to import first, as
    `archcalc import` reads it (model.onnx, model.keras, torchvision:resnet50 …).
    """
    from . import commands

    write_out(commands.table(network, input_, sets, format=fmt, standalone=standalone,
                             strict=strict, layout=layout, skip_unknown=skip_unknown,
                             bias=not no_bias, pieces=True, width=text_width(wide), **counting),
              out, force)


@command("import")
@argument("source")
@lambda f: input_option(f, help="Input size, e.g. 3x224x224 (224: 3 channels); for a model of "
                         "several inputs, NAME=CxHxW for each (repeatable); default: the size "
                         "the source records (ONNX, Keras, Caffe, timm; torchvision: "
                         "3x224x224).")
@option("--name", help="The network's name in the spec (default: from the source).")
@option("--out", type=FILE, metavar="FILE.toml",
              help="Write the spec to FILE instead of printing it (refuses an existing file).")
@option("--force", is_flag=True, help="Let --out overwrite an existing file.")
@option("--skip-unknown", is_flag=True, help=SKIP_UNKNOWN_HELP)
def import_cmd(source: str, input_: str | None, name: str | None, out: str | None,
               force: bool, skip_unknown: bool) -> None:
    """Write an archcalc spec (TOML, as in specs/) for your own model, which every command then
    reads: `archcalc import model.onnx --out model.toml && archcalc table model.toml`.

    SOURCE is one of: torchvision:NAME or timm:NAME (built with no weights: nothing is
    downloaded); PATH.py:CALLABLE, a function or class in your own Python file that returns a
    torch.nn.Module (archcalc RUNS THAT FILE, because you named it: import only code you
    trust); MODEL.onnx (the graph and its shapes, read without the weights); MODEL.keras or its
    config.json (read as data: no TensorFlow, nothing run); MODEL.prototxt (Caffe, read as
    data). Needs the source's extra: pip install 'archcalc[torch]', '[onnx]' or '[keras]'.
    """
    if out is not None:
        check_out(out, force)
    command = ("archcalc import " + " ".join(sys.argv[2:])) if sys.argv[1:2] == ["import"] else ""
    from . import commands

    write_out(commands.import_spec(source, input_, name, command, skip_unknown), out, force)


@command("explain")
@argument("network")
@argument("layers", nargs=-1)
@spec_options
@no_bias_option
def explain_cmd(network: str, layers: tuple[str, ...], input_: str | None, sets,
                no_bias: bool) -> None:
    """Write out the arithmetic of every cell of NETWORK's layers, as a student would.

    For each layer (or only the LAYERS named, e.g. `conv1 pool1`; case, spaces and
    punctuation are ignored, and MaxPool1 finds pool1): its output H, W and C, its parameters
    (weights + biases) and its MACs, each as the formula with the numbers put in, e.g.
    W = (227 − 11 + 2·0)/4 + 1 = 55.
    """
    from . import commands

    click.echo(commands.explain(network, layers, input_, sets, bias=not no_bias), nl=False)


@command("check")
@argument("network")
@argument("answers", nargs=-1, required=True)
@format_option(help="json: every verdict, for autograders; csv, tsv: one line per marked cell.")
@wide_option
@option("--by-order", is_flag=True,
              help="Match rows to layers by position (the layers `archcalc quiz` lists), "
                   "not by name.")
@option("--column", "mapping", multiple=True, metavar="HEADER=FIELD", cls=HelpOf,
              help_of=_column_help)
@option("--bias/--no-bias", default=None,
              help="The table counts biases (or not); default: decided from the cells.")
@option("--flops/--macs", default=None,
              help="The operations column counts FLOPs = 2 × MACs (or MACs); default: decided "
                   "from the cells.")
@option("--k", "k_base", type=Choice("--kilo"), default=None,
              help="What K, M, G mean; default: decided from the cells (else 1000).")
@option("--floor/--ceil", "floor", default=None,
              help="Pooling sizes all floored (PyTorch's default) or all in ceil mode (Caffe); "
                   "default: as the spec says, unless the cells fit one of these better.")
@option("--dtype", type=Choice("--dtype"), default=None,
              help="What a memory column in bytes counts per value (fp32: 4 bytes); default: "
                   "decided from the cells (else fp32).")
@option("--table", "which", metavar="N", default=None,
              help="Which table of the file to mark (default: the first one archcalc "
                   "recognises).")
@option("--gradebook", metavar="FILE.csv", default=None,
              help="Mark every ANSWERS file and write one CSV row each: score, wrong cells, "
                   "diagnoses (an unreadable file is a row saying why). The name must end in "
                   ".csv; written as --out is (whole, never over a file without --force).")
@option("--force", is_flag=True, help="Let --gradebook overwrite an existing file.")
@spec_options
def check_cmd(network: str, answers: tuple[str, ...], fmt: str, wide: bool, by_order: bool,
              mapping: tuple[str, ...], bias: bool | None, flops: bool | None,
              k_base: str | None, floor: bool | None, dtype: str | None, which: str | None,
              gradebook: str | None, force: bool, input_: str | None, sets) -> None:
    """Mark a hand-made table of NETWORK, cell by cell, and diagnose each mistake.

    ANSWERS is a CSV, tab-separated or Markdown table (or text with one pasted in), or - for
    standard input; it is only read, never written. Rows are matched to layers by name (Conv1
    finds conv1, MaxPool1 pool1); columns by header (W, H, C, output "55x55x96", params / "# of
    Parameter" / weights, MACs / FLOPs, memory / activations). A cell may be a number
    ("34,848", "35K", "1.3M"), an expression ("11x11x3x96", "(227-11+0)/4+1") or both
    ("3x3x256x384 = 884,736"): then both are checked. The table's convention (biases or not,
    MACs or FLOPs, K = 1000 or 1024, floor or ceil) is decided from its cells unless an option
    says it.

    Several ANSWERS files are marked one after another; with --gradebook FILE.csv each is a
    row of a teacher's gradebook, and a file that cannot be read is a row saying why.

    Exit status: 0 when every marked cell is right (blank cells are reported as missing), 1
    when some are wrong or nothing is answered, 2 when the answers cannot be read (with
    several files: 1 when any of them is not clean).
    """
    from . import commands

    text, code = commands.check(network, answers, format=fmt, by_order=by_order,
                                columns=mapping, bias=bias, flops=flops, k=k_base, floor=floor,
                                dtype=dtype,
                                table=which, input=input_, sets=sets, gradebook=gradebook,
                                force=force, width=text_width(wide))
    write_out(text, None, False)
    sys.exit(code)


@command("quiz")
@argument("network")
@option("--blank", default="W,H,C,params,macs", show_default=True, metavar="COLUMNS",
              help="The columns whose cells are left blank, comma-separated.")
@option("--seed", metavar="N", default=None,
              help="Leave a random share of those cells blank, chosen by this seed (the same "
                   "seed gives the same quiz).")
@option("--fraction", metavar="F", default=None,
              help="The share of those cells left blank, from 0 to 1 (default: all of them; "
                   "half with --seed).")
@option("--answers", is_flag=True, help="Print the key: every cell filled, and the "
                                               "worked arithmetic of each blank one.")
@option("--example", default="0", show_default=True, metavar="N",
              help="Leave the first N rows filled in, as a worked example (the seed's template "
                   "fills Conv1 and MaxPool1).")
@format_option()
@wide_option
@no_bias_option
@spec_options
def quiz_cmd(network: str, blank: str, seed: str | None, fraction: str | None,
             answers: bool, example: str, fmt: str, wide: bool, no_bias: bool,
             input_: str | None, sets) -> None:
    """Print an exercise table for NETWORK with cells left blank, or its answer key.

    One row per layer that has parameters, operations or a new shape, with what is given
    about it (kind, kernel, stride, padding) and the columns W, H, C, params and MACs. The CSV,
    filled in, is marked by `archcalc check NETWORK FILE` as it is.
    """
    from . import commands

    write_out(commands.quiz(network, blank, seed, fraction, answers, example, fmt,
                            bias=not no_bias, input=input_, sets=sets,
                            width=text_width(wide)), None, False)


@command("compare")
@argument("networks", nargs=-1, required=True)
@option("--sort", type=Choice("--sort"),
              help="Order the rows by this column (smallest first; accuracy: lowest first, "
                   "networks without one last).")
@option("--reverse", is_flag=True, help="Largest first.")
@format_option()
@units_options
@option("--dtype", type=Choice("--dtype"), default="fp32", show_default=True,
              help="Bytes per value of the activation memory.")
@wide_option
@out_options
def compare_cmd(networks, sort, reverse, fmt, units, kilo, dtype, wide, out, force) -> None:
    """Compare NETWORKS side by side: input, depth (weighted layers), params, MACs, FLOPs,
    activation memory, the largest layer and the published top-1/top-5 accuracy, each with its
    source, in one pair of columns per dataset and evaluation protocol (1 crop, 10 crops, …).

    `archcalc compare vgg11 vgg11-lrn vgg13 vgg16-c vgg16 vgg19 --units si` is the VGG paper's
    Table 2 (parameters in millions) with the rest beside it.
    """
    from . import commands

    write_out(commands.compare(networks, sort, reverse, fmt, units, kilo, dtype,
                               text_width(wide)), out, force)


@command("plot")
@argument("networks", nargs=-1, required=True)
@option("--compare", "compare_", is_flag=True,
              help="Draw published top-1 accuracy against MACs for all NETWORKS, bubble area "
                   "proportional to parameters (networks without a published top-1 are listed "
                   "and left out).")
@input_option
@option("--out", type=FILE, metavar="FILE.svg|.png|.pdf",
              required=True, help="The picture to write (refuses an existing file).")
@option("--force", is_flag=True, help="Let --out overwrite an existing file.")
def plot_cmd(networks, compare_, input_, out, force) -> None:
    """Draw NETWORK's parameters, MACs and activation values per weighted layer as bars on a
    log axis, with the layer names; or, with --compare, the accuracy-against-operations chart.

    Needs matplotlib (pip install 'archcalc[plot]').
    """
    from . import commands
    from .render.plot import fmt_of

    fmt_of(out)
    check_out(out, force)
    for line in commands.plot(networks, out, compare_, input_, force):
        click.echo(line, err=True)
    click.echo(f"wrote {out}", err=True)


@command("graph")
@argument("network")
@spec_options
@format_option("graph --format", default="dot",
               help="dot: Graphviz text (needs nothing installed); svg: drawn by Graphviz's "
                    "dot.")
@out_options
def graph_cmd(network, input_, sets, fmt, out, force) -> None:
    """Draw NETWORK's architecture: one node per layer with its output shape; branches, joins
    and shortcuts as edges (Graphviz DOT, or SVG where Graphviz is installed)."""
    from . import commands

    write_out(commands.graph(network, input_, sets, fmt), out, force)


@command("serve")
@option("--port", default="8000", show_default=True, metavar="N",
              help="The port to listen on.")
@option("--open", "open_", is_flag=True, help="Open the app in the default browser.")
@option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on; anything but loopback needs --allow-remote.")
@option("--allow-remote", is_flag=True,
              help="Let --host be an address other machines can reach (the app has no login: "
                   "anyone who reaches it can use it).")
def serve_cmd(port: str, open_: bool, host: str, allow_remote: bool) -> None:
    """Run archcalc in the browser: networks, a spec editor, marking, quizzes and comparisons,
    at http://127.0.0.1:8000/ (this machine only, unless --host and --allow-remote).

    Needs the web extra: pip install 'archcalc[web]'.
    """
    from . import commands

    commands.serve(host, port, open_, allow_remote, echo=lambda m: click.echo(m, err=True))


@command("verify")
@argument("networks", nargs=-1, metavar="[NETWORK]...")
@option("--all", "all_", is_flag=True, help="Verify every network in `archcalc list`.")
@option("--device", type=Choice("--device"), default="cpu", show_default=True,
              help="Where the forward pass runs: cpu, cuda, or meta (shapes only: nothing is "
                   "allocated and no value is computed, so finiteness is not checked).")
@option("--batch", default="1", show_default=True, metavar="N",
              help="Samples in the input tensor (FLOPs scale with it).")
@option("--rows", type=Choice("--rows"), default=None,
              help="Which layer rows to print (default: all for named networks, failures "
                   "with --all).")
@wide_option
@spec_options
def verify_cmd(networks: tuple[str, ...], all_: bool, device: str, batch: str,
               rows: str | None, wide: bool, input_: str | None, sets: tuple[str, ...]) -> None:
    """Check archcalc's numbers against torch: build each NETWORK as real torch modules.

    One torch module per layer, run on a real input: each layer's output shape (forward
    hooks), parameters (counted from the module) and FLOPs (torch's FlopCounterMode, on the
    meta device) are compared with archcalc's rows, ✓ or ✗ per row, then a one-line verdict.
    Networks with a reference implementation (torchvision, timm) are also compared with it:
    total parameters, MACs and the shape at every stage boundary; not when --set changes the
    spec.

    Exit status: 0 when everything agrees, 1 on any disagreement, 2 on bad input. Needs torch:
    pip install 'archcalc[verify]' ('archcalc[xcheck]' adds torchvision and timm).
    """
    from . import commands

    sys.exit(commands.verify(networks, all_, device, batch, rows, input_, sets,
                             text_width(wide)))


def run() -> None:
    """The ``archcalc`` program (its console script and ``python -m archcalc``): ``main``, then,
    once standard output and standard error are flushed, the process ends at once
    (``os._exit``). Python's own teardown would free every module and record one by one, memory
    the system takes back anyway: 12 ms of ``archcalc table vgg16``'s 100 (BENCHMARKS.md, start-
    up). Nothing is left to it: ``--out`` files are written whole before ``main`` returns, and
    archcalc registers no exit handlers. Calling ``main`` (the tests, a script) exits as usual."""
    try:
        main(prog_name="archcalc")
        code = 0
    except SystemExit as e:
        code = e.code
    if code is None:
        code = 0
    elif not isinstance(code, int):         # sys.exit("text"), as Python shows it
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):       # a reader gone (| head): nothing more to show
            pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
