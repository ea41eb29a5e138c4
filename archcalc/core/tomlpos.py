"""Where a place in a spec is written: the line of ``layers[4]`` or ``blocks.stage.layers[1]``.

``tomllib`` gives values without positions; a spec error names its place as a path
(``SpecError.where``). ``lines(text)`` scans TOML text once and maps every key and every array
element to the line its value starts on, so the editor of ``archcalc serve`` can put the CLI's
message at its line. It reads only what it needs (headers, keys, strings, brackets, braces and
comments) and never fails: text that ``tomllib`` rejects has its own line in the TOML error, and
a place it cannot find is ``None``.
"""

from __future__ import annotations

import re

Path = tuple  # of str (keys) and int (array indices)

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_PLACE = re.compile(r"\.?([A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')|\[(\d+)\]")


class _Scanner:
    def __init__(self, text: str):
        self.s = text
        self.i = 0
        self.line = 1
        self.out: dict[Path, int] = {}

    # -- characters
    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def advance(self, n: int = 1) -> None:
        self.line += self.s.count("\n", self.i, self.i + n)
        self.i += n

    def blank(self, newlines: bool) -> None:
        """Spaces, and comments; newlines too inside arrays."""
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in " \t\r" or (newlines and c == "\n"):
                self.advance()
            elif c == "#":
                end = self.s.find("\n", self.i)
                self.advance((len(self.s) if end < 0 else end) - self.i)
            else:
                return

    # -- pieces
    def string(self) -> str:
        q = self.peek()
        if self.s.startswith(q * 3, self.i):
            end = self.s.find(q * 3, self.i + 3)
            end = len(self.s) if end < 0 else end + 3
            while end < len(self.s) and self.s[end] == q:     # """a"""" ends with the last three
                end += 1
            text = self.s[self.i + 3:end - 3]
            self.advance(end - self.i)
            return text
        j = self.i + 1
        while j < len(self.s) and self.s[j] not in (q, "\n"):
            j += 2 if q == '"' and self.s[j] == "\\" else 1
        text = self.s[self.i + 1:j]
        self.advance(min(j + 1, len(self.s)) - self.i)
        return text

    def key(self) -> list[str]:
        """A dotted key: ``a.b``, ``"a b".c``."""
        parts = []
        while True:
            self.blank(False)
            c = self.peek()
            if c in "\"'":
                parts.append(self.string())
            else:
                m = _BARE.match(self.s, self.i)
                if not m:
                    return parts
                parts.append(m.group())
                self.advance(m.end() - self.i)
            self.blank(False)
            if self.peek() != ".":
                return parts
            self.advance()

    def value(self, path: Path) -> None:
        self.blank(False)
        self.out.setdefault(path, self.line)
        c = self.peek()
        if c == "[":
            self.advance()
            k = 0
            while True:
                self.blank(True)
                if self.peek() in ("]", ""):
                    self.advance()
                    return
                if self.peek() == ",":
                    self.advance()
                    continue
                start = self.i
                self.value(path + (k,))
                k += 1
                if self.i == start:           # not TOML: step over it rather than loop
                    self.advance()
        elif c == "{":
            self.advance()
            while True:
                self.blank(True)
                if self.peek() in ("}", ""):
                    self.advance()
                    return
                if self.peek() == ",":
                    self.advance()
                    continue
                start = self.i
                key = self.key()
                self.blank(False)
                if key and self.peek() == "=":
                    self.advance()
                    self.value(path + tuple(key))
                if self.i == start:
                    self.advance()
        elif c in "\"'":
            self.string()
        else:
            m = re.compile(r"[^,\]}\s#]+").match(self.s, self.i)
            if m:
                self.advance(m.end() - self.i)

    def document(self) -> dict[Path, int]:
        table: Path = ()
        arrays: dict[Path, int] = {}
        while self.i < len(self.s):
            self.blank(True)
            if self.i >= len(self.s):
                break
            start = self.i
            if self.peek() == "[":
                double = self.peek(1) == "["
                self.advance(2 if double else 1)
                key = tuple(self.key())
                self.blank(False)
                self.advance(2 if double else 1)
                if double:                        # [[array.of.tables]]
                    n = arrays.get(key, 0)
                    arrays[key] = n + 1
                    table = key + (n,)
                else:
                    table = key
                self.out.setdefault(table, self.line)
            else:
                key = self.key()
                self.blank(False)
                if key and self.peek() == "=":
                    self.advance()
                    self.value(table + tuple(key))
            self.blank(False)
            if self.i == start or self.peek() not in ("\n", ""):   # not TOML: skip the line
                end = self.s.find("\n", self.i + (self.i == start))
                self.advance((len(self.s) if end < 0 else end) - self.i)
        return self.out


def lines(text: str) -> dict[Path, int]:
    """Every key path and array element of ``text`` → the line (1-based) its value starts on."""
    try:
        return _Scanner(text).document()
    except (IndexError, RecursionError):      # pathological nesting: no positions, no error
        return {}


def parse_place(where: str) -> Path:
    """``blocks.stage.layers[1] (conv)`` → ("blocks", "stage", "layers", 1); after a ``>``
    (a place inside a block used from a layer) the innermost place counts."""
    where = where.rsplit(" > ", 1)[-1]
    where = re.sub(r"\s*\(.*\)\s*$", "", where).strip()
    out: list = []
    for m in _PLACE.finditer(where):
        if m.group(2) is not None:
            out.append(int(m.group(2)))
        else:
            out.append(m.group(1).strip("\"'"))
    return tuple(out)


def line_of(text: str, where: str) -> int | None:
    """The line of ``text`` where the place ``where`` (a ``SpecError.where``) is written: the
    longest part of its path that the text has; ``None`` when no part is found."""
    place = parse_place(where)
    found = lines(text)
    for n in range(len(place), 0, -1):
        if place[:n] in found:
            return found[place[:n]]
    return None
