"""The command-line runner of the tests that read a text table whole: ``cli`` adds ``--wide`` to
a ``table`` in text (at the default 100 columns a footer wraps and a Σ row's kind may too, and a
table may come in parts), so that each row and footer line is read as one line."""

from __future__ import annotations

from click.testing import CliRunner

from archcalc.cli import main


def cli(*args):
    args = list(args)
    if args[0] == "table" and "--format" not in args:
        args.append("--wide")
    return CliRunner().invoke(main, args)
