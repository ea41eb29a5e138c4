"""Errors that reach the user: each says where, what was expected, what was found, and what to do."""

from __future__ import annotations

import errno
import os
import stat


def read_regular(path: str, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of the regular file ``path``. A pipe, a device or a socket is
    refused with an ``OSError`` before it is opened: reading one could block for ever."""
    if os.path.exists(path) and not os.path.isdir(path) and not is_regular(path):
        raise OSError(errno.EINVAL, "not a regular file (a pipe, a device or a socket)", path)
    with open(path, "rb") as f:
        return f.read(limit + 1)


def is_regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def suggest(word: str, choices) -> str:
    """``" (did you mean 'x'?)"`` for the closest choice, or ``""``."""
    import difflib  # only on the error path: it costs start-up time

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class ArchcalcError(Exception):
    """Bad input from the user: printed as a message, exit status 2, never a traceback."""


class SpecError(ArchcalcError):
    """A problem in a spec file, located by file and by path (``layers[4] (conv2)``)."""

    def __init__(self, message: str, *, file: str = "", where: str = "", found: str = "",
                 hint: str = ""):
        self.message = message
        self.file = file
        self.where = where
        self.found = found
        self.hint = hint
        super().__init__(str(self))

    def located(self, *, file: str | None = None, where: str | None = None) -> "SpecError":
        """A copy with the file and/or place filled in where they were not known yet."""
        return SpecError(self.message, file=self.file or file or "",
                         where=self.where or where or "", found=self.found, hint=self.hint)

    def __str__(self) -> str:
        head = ": ".join(x for x in (self.file, self.where, self.message) if x)
        lines = [head]
        if self.found:
            lines.append(f"  found: {self.found}")
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)
