"""A teacher's gradebook: many submissions marked in one run, one CSV row each — the file, its
score, each wrong cell with what was expected, the diagnoses — and a submission that cannot be
read is a row saying why, never the end of the run.

The face (the CLI, the API, the web app) reads each submission and marks it; this module only
collects the markings and writes the rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Callable, Iterable

from ...core.errors import ArchcalcError
from .result import Marking

HEADER = ("file", "score", "right", "rounded", "wrong", "missing", "not read", "wrong cells",
          "diagnoses", "note")


@dataclass(frozen=True)
class Entry:
    name: str
    marking: Marking | None
    error: str = ""             # why the submission could not be marked

    @property
    def failed(self) -> bool:
        """Not a clean submission: unreadable, something wrong, or nothing answered."""
        return self.marking is None or self.marking.exit_code != 0


def mark_all(submissions: Iterable[tuple[str, object]],
             mark: Callable[[str, object], Marking]) -> list[Entry]:
    """Each (name, submission) marked by ``mark``; an error becomes the entry's note."""
    out = []
    for name, sub in submissions:
        try:
            out.append(Entry(name, mark(name, sub)))
        except ArchcalcError as e:
            out.append(Entry(name, None, str(e).splitlines()[0]))
    return out


def wrong_cells(e: Entry) -> list[dict]:
    """Each wrong cell of a submission as the gradebook gives it: ``cell`` (where, what was
    written and what was expected), ``diagnosis`` (its text, "" when none fits) and
    ``diagnoses`` (the names of every one that fits); the CSV's two columns join them, the web
    page lists them."""
    if e.marking is None:
        return []
    return [{"cell": f"{c.row} {c.column}: {c.given} (expected {_value(c.expected)})",
             "where": f"{c.row} {c.column}", "diagnosis": c.diagnosis or "",
             "diagnoses": list(c.diagnoses)}
            for c in e.marking.cells if c.verdict == "wrong"]


def row(e: Entry) -> list[str]:
    m = e.marking
    if m is None:
        return [e.name, "", "", "", "", "", "", "", "", e.error]
    s = m.score()
    wrong = wrong_cells(e)
    cells = "; ".join(c["cell"] for c in wrong)
    why = "; ".join(f"{c['where']}: {c['diagnosis']}" for c in wrong if c["diagnosis"])
    note = "nothing answered" if not s["marked"] else ""
    return [e.name, s["text"], str(s["right"]), str(s["rounded"]), str(s["wrong"]),
            str(s["missing"]), str(s["unread"]), cells, why, note]


def _value(x) -> str:
    return f"{x:,}" if isinstance(x, int) else str(x)


def to_csv(entries: list[Entry]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    for e in entries:
        w.writerow(row(e))
    return buf.getvalue()


def summary(e: Entry) -> str:
    """One line of the run's report: ``a.tsv: 30/32 (2 wrong, 0 missing)``."""
    if e.marking is None:
        return f"{e.name}: not marked — {e.error}"
    r = row(e)
    extra = (f", {r[6]} not read" if r[6] != "0" else "") + (f"; {r[9]}" if r[9] else "")
    return f"{e.name}: {r[1]} ({r[4]} wrong, {r[5]} missing{extra})"
