"""The command line's last line of defence: no traceback, ever.

Bad input is reported where it is found, as one message with exit status 2 (an
``ArchcalcError`` that no command caught is reported so too). Anything else that
escapes a command is a bug in archcalc: :class:`Guarded` (the ``archcalc`` group's class) turns
it into one line on standard error, ``archcalc: internal error: …``, with a request to report
it, and exit status 3. ``ARCHCALC_DEBUG=1`` lets the exception through with its stack trace.

Also here, because a traceback would be wrong for them too: output to a closed pipe
(``archcalc table vgg16 | head -1``) ends quietly, as other command-line tools do.
"""

from __future__ import annotations

import os
import sys

import click

from .core.errors import ArchcalcError

INTERNAL_ERROR = 3
REPORT = ("this is a bug in archcalc: please report it with the command you ran "
          "(ARCHCALC_DEBUG=1 shows the stack trace)")


def debugging() -> bool:
    return os.environ.get("ARCHCALC_DEBUG", "") not in ("", "0")


def message(text: str) -> str:
    """An error message made safe to print: every control character that came into it from a
    user's file or option shown escaped (``\\x1b``, ``\\r``), line by line, so that the
    message's own line breaks stay."""
    from .core.printable import printable

    return "\n".join(printable(line) for line in text.split("\n"))


def _one_line(e: BaseException) -> str:
    from .core.printable import printable

    text = printable(str(e))
    if len(text) > 300:
        text = text[:300] + "…"
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def internal_error(e: BaseException) -> str:
    """The one-line message for an unexpected exception ``e``."""
    what = ("out of memory (MemoryError)" if isinstance(e, MemoryError) else _one_line(e))
    return f"archcalc: internal error: {what}; {REPORT}"


class Guarded(click.Group):
    """A click group whose commands never end in a traceback (see the module docstring)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit,
                click.exceptions.Abort, SystemExit, KeyboardInterrupt):
            raise                       # click's own handling: messages, exit codes
        except ArchcalcError as e:
            # Bad input found where no command caught it: still the user's message, exit 2.
            click.echo(f"archcalc: error: {message(str(e))}", err=True)
            ctx.exit(2)
        except BrokenPipeError:
            # The reader went away (``| head``): nothing more can be shown. Point stdout at
            # nothing so that Python's flush at exit does not fail a second time.
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            except (OSError, ValueError, AttributeError):
                pass
            ctx.exit(1)
        except Exception as e:          # noqa: BLE001 — the point of this class (MemoryError,
            if debugging():             # RecursionError and OSError included)
                raise
            click.echo(internal_error(e), err=True)
            ctx.exit(INTERNAL_ERROR)
