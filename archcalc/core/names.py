"""Matching the names people write (``Conv1``, ``MaxPool1``, ``FC 6``) to layer names
(``conv1``, ``pool1``, ``fc6``): case, spaces and punctuation are ignored, look-alike letters from
other scripts are read as Latin, and common words are read as the short names specs use."""

from __future__ import annotations

import re
import unicodedata

# Cyrillic and Greek capitals and small letters that look like Latin ones (tables pasted from
# slides often carry them: the seed's header "Н" and "С" are Cyrillic).
_LOOKALIKES = str.maketrans(
    "АВСЕНІЈКМОРЅТХУаеіјосрхуѕнтмквΑΒΕΗΙΚΜΝΟΡΤΧΥΖαβεικνορτυχ",
    "ABCEHIJKMOPSTXYaeijocpxyshtmkbABEHIKMNOPTXYZaBeiKvoptuX")

# Longer words first: each is read as the short form a spec uses.
_WORDS = [
    (r"max\s*pooling|max\s*pool|avg\s*pooling|avg\s*pool|average\s*pooling|average\s*pool"
     r"|pooling|mpool", "pool"),
    (r"convolutional|convolution", "conv"),
    (r"fully[\s_-]*connected|full\s*connection|dense|linear", "fc"),
    (r"local\s*response\s*normali[sz]ation|normali[sz]ation|lrn", "norm"),
    (r"batch\s*norm(?:ali[sz]ation)?", "bn"),
]


def plain(text: str) -> str:
    """Lower case, Latin letters and digits only: ``"Conv 1"`` → ``"conv1"``."""
    text = unicodedata.normalize("NFKC", text).translate(_LOOKALIKES).casefold()
    return re.sub(r"[\W_]+", "", text)


def canonical(text: str) -> str:
    """``plain`` after reading common words as short names: ``"MaxPool1"`` → ``"pool1"``."""
    text = unicodedata.normalize("NFKC", text).translate(_LOOKALIKES).casefold()
    for pattern, short in _WORDS:
        text = re.sub(pattern, short, text)
    return re.sub(r"[\W_]+", "", text)


class Index:
    """Find a layer by a name as written; ``None`` when nothing or more than one layer fits."""

    def __init__(self, names):
        self.names = list(names)
        self._exact = {n: n for n in self.names}
        self._plain = _unique((plain(n), n) for n in self.names)
        self._canon = _unique((canonical(n), n) for n in self.names)

    def find(self, written: str, words: bool = True) -> str | None:
        """The layer ``written`` names (``words``: also reading common words as short names,
        ``MaxPool1`` → ``pool1``)."""
        w = written.strip()
        tables = ((self._exact, w), (self._plain, plain(w)))
        for table, key in tables + (((self._canon, canonical(w)),) if words else ()):
            hit = table.get(key)
            if hit is not None:
                return hit or None
        return None


def _unique(pairs) -> dict[str, str]:
    """key → name, or key → "" where several names share the key (ambiguous)."""
    out: dict[str, str] = {}
    for k, n in pairs:
        out[k] = "" if k in out and out[k] != n else n
    return out
