"""Text from a user's file made safe to print: control characters shown escaped.

A spec, an answers file or an option value can carry characters that act on a terminal rather
than show on it: an escape sequence (``\\x1b]0;title\\x07`` sets the window title), a carriage
return that overwrites the start of the line, a newline that breaks a table row, a right-to-left
override that reorders what follows. ``printable`` writes each of them as Python writes it in a
string literal (``\\x1b``, ``\\r``, ``\\n``, ``\\t``, ``\\u202e``), so what is printed is what
the file holds, one line, nothing acted on. Every table in a human-readable format and every
error message that quotes a file passes its text through here; machine formats (CSV, TSV,
JSON) carry the text exactly, quoted or escaped by their own rules.

This module imports nothing, so the command line's start-up and the error path can use it.
"""

from __future__ import annotations

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Characters that change how the rest of a line is shown (bidirectional embeddings, overrides
# and isolates; the left-to-right and right-to-left marks), and the line and paragraph
# separators, which some terminals and editors break lines at.
_LAYOUT = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                    "\u2066\u2067\u2068\u2069\u2028\u2029")


def is_control(ch: str) -> bool:
    """A C0 or C1 control character, DEL, or a character in ``_LAYOUT``."""
    o = ord(ch)
    return o < 0x20 or 0x7F <= o < 0xA0 or ch in _LAYOUT


def _escaped(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    o = ord(ch)
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}"


def printable(text: str) -> str:
    """``text`` with every control character written as an escape (``a\\rb`` → ``a\\\\rb``);
    other text, any language's letters and symbols included, unchanged."""
    if text.isprintable():          # the usual case, and fast: nothing to escape
        return text
    return "".join(_escaped(ch) if is_control(ch) else ch for ch in text)
