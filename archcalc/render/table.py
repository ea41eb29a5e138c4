"""One table model and one renderer for every table archcalc prints.

The layer table, ``compare``, the paper views, ``quiz`` and ``check`` each build a ``Table``:
columns (a machine ``key``, a ``header``, a ``kind``), rows of exact values, total rows, a
title, lines above the table (``head``) and lines below it (``foot``). ``render(table, fmt)``
writes it in any of ``FORMATS`` — text, github, markdown, csv, tsv, json, latex, html — and
``chunks(table, fmt)`` yields the same text in pieces. A table may also carry a ``machine``
table, which CSV and TSV write instead (exact values where the human-readable formats show
references, say), and a ``document``: the view's JSON, which the JSON format writes instead of
the table's own rows.

Numbers stay exact integers until a human-readable format prints them (``show``: thousands
separators, or SI prefixes with ``units="si"``); CSV, TSV and JSON carry the exact integers.

Escaping is written here once, per format, for every table:

- text, github, markdown, latex, html: control characters in a cell, a header or a line are
  shown escaped (``core.printable``: ``\\x1b``, ``\\r``, ``\\n``), so a name from a spec file
  can neither act on the terminal nor break a row.
- github, markdown: ``\\`` and ``|`` are escaped with a backslash (a ``|`` would end the cell),
  ``<`` and ``>`` written as entities (they could open HTML); ``*``, ``_``, `````, ``#`` and
  brackets are left as they are: the bundled names and notes use them as plain text (conv5_3,
  "#3×3 reduce"), and in a table cell they cannot break the table.
- latex: ``latex_escape``: LaTeX's special characters, and the Unicode symbols pdflatex cannot
  set without extra packages (× as ``$\\times$``).
- html: ``html.escape``.
- csv, tsv: the csv module's quoting: a field holding the delimiter, a quote, a newline or a
  carriage return is quoted (a row with a carriage return is quoted field by field: the csv
  module would not quote it on its own with ``\\n`` line ends).
- json: the json module's escaping.

Streaming: CSV, TSV and JSON are written row by row as the rows are produced (``rows`` may be a
generator; a JSON document may hold a ``Stream``, an array written item by item, and a
``Lazy`` value, computed when the writer reaches it), so their output never exists as one
string. The text-like formats need every cell's width first: they read the rows once and keep
their cells, a long table's compressed (``Kept``), until they write them;
``text_table`` is the one place that lays out the plain-text table (where fitting the terminal's
width belongs).

Layout of the text-like formats: the title and the head lines, a blank line, the table, then the
foot lines right under it; a foot line ``""`` is a blank line (HTML and LaTeX leave it out). A
line may be a ``Strong`` (bold where the format has bold) or an ``Item`` (a list item: indented
in text, a ``- `` bullet in Markdown).
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, Sequence


from ..core.bulk import streamed_without_gc
from ..core.printable import printable
from ..core.records import Record, _set
from . import units as U
from .formats import FORMATS

__all__ = ["FORMATS", "Column", "Table", "Strong", "Item", "Stream", "Lazy", "render", "chunks",
           "show", "latex_escape", "markdown_escape", "html_escape", "simple_table",
           "markdown_table", "text_table"]

KINDS = ("text", "size", "count", "bytes")


class Column(Record):
    """A column: ``key`` names it in CSV, TSV and JSON, ``header`` in the human-readable
    formats; ``kind`` says how those print a number: ``text`` (as it is, left-aligned),
    ``size`` (thousands separators), ``count`` (``--units`` applies), ``bytes`` (with
    ``--units si``, decimal and binary prefixes). Counts and bytes are totalled. ``short``: the
    header abbreviated, for a text table fitted to a narrow terminal (default: the header cut,
    with a full stop). ``spare``: where the column can be left out of a text table fitted to a
    narrow terminal, what gives its every cell instead (FLOPs' ``"2 × MACs"``, which the foot
    says too); "" (the default) where it cannot. (The renderer reads only these attributes,
    ``short`` and ``spare`` where there are: a view's own column class may add more.)"""

    __slots__ = ("key", "header", "kind", "short", "spare")
    key: str
    header: str
    kind: str
    short: str
    spare: str

    def __init__(self, key: str, header: str, kind: str = "text", short: str = "",
                 spare: str = ""):
        _set(self, "key", key)
        _set(self, "header", header)
        _set(self, "kind", kind)
        _set(self, "short", short)
        _set(self, "spare", spare)

    @property
    def totalled(self) -> bool:
        return self.kind in ("count", "bytes")


def align(col) -> str:
    return "left" if col.kind == "text" else "right"


class Strong(str):
    """A head or foot line set in bold where the format has bold (Markdown, LaTeX, HTML)."""


class Item(str):
    """A head or foot line that is an item of a list: indented by two spaces in text, a ``- ``
    bullet in Markdown."""


class Table:
    """A table to render: its columns, its rows of exact values (int, str, or None: blank; any
    iterable, read once, or a function that gives them, called once), the total
    rows, the title and the lines above and below (``totals``
    and ``foot`` may be functions, called after the rows were read); ``units`` and ``kilo`` how
    counts print; ``blank`` what a None cell shows in the text format (a quiz's "?");
    ``machine`` the table CSV and TSV write instead (or a function giving it); ``document`` what
    JSON writes instead, when given; ``cell_attrs`` (HTML only) a body cell's extra attributes
    from its row's number, its column and its exact value (the web app's data-value and
    working). A plain class, not a dataclass: ``archcalc table`` makes no dataclass at start-up
    (``core.records.Record``)."""

    __slots__ = ("columns", "rows", "totals", "title", "head", "foot", "units", "kilo", "blank",
                 "machine", "document", "cell_attrs")

    def __init__(self, columns: Sequence, rows: Iterable[Sequence],
                 totals: Sequence[Sequence] | Callable[[], Sequence[Sequence]] = (),
                 title: str = "", head: Sequence[str] = (),
                 foot: Sequence[str] | Callable[[], Sequence[str]] = (),
                 units: str = "exact", kilo: int = 1000, blank: str = "",
                 machine: "Table | Callable[[], Table] | None" = None,
                 document: Callable[[], object] | None = None,
                 cell_attrs: Callable[[int, object, object], dict] | None = None):
        self.columns, self.rows, self.totals = columns, rows, totals
        self.title, self.head, self.foot = title, head, foot
        self.units, self.kilo, self.blank = units, kilo, blank
        self.machine, self.document, self.cell_attrs = machine, document, cell_attrs

    def __repr__(self) -> str:
        return f"Table({self.title!r}, {len(self.columns)} columns)"


def resolve(x):
    """``totals``, ``foot`` and ``machine`` may be given as functions, called only when a
    format needs them, and after the rows were read (a view may sum while its rows stream)."""
    return x() if callable(x) else x


# --- cells and escaping ------------------------------------------------------------------------

def show(col, v, units: str = "exact", kilo: int = 1000) -> str:
    """A value as a human-readable format prints it."""
    if v is None:
        return ""
    if not isinstance(v, int) or col.kind == "text":
        return str(v)
    if col.kind == "bytes" and units != "exact":
        return U.nbytes(v)
    if col.kind == "count":
        return U.number(v, units, kilo)
    return f"{v:,}"


_LATEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
          "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
          "^": r"\textasciicircum{}", "|": r"\textbar{}", "<": r"\textless{}",
          ">": r"\textgreater{}"}

# Unicode that pdflatex without extra packages cannot typeset, as plain LaTeX, so a table pastes
# into any document; a character not listed here is kept as it is.
_LATEX_UNICODE = {
    "×": r"$\times$", "·": r"$\cdot$", "−": "$-$", "→": r"$\rightarrow$", "≥": r"$\geq$",
    "≤": r"$\leq$", "≈": r"$\approx$", "⌊": r"$\lfloor$", "⌋": r"$\rfloor$",
    "⌈": r"$\lceil$", "⌉": r"$\rceil$", "–": "--", "—": "---", "α": r"$\alpha$",
    "β": r"$\beta$", "γ": r"$\gamma$", "ε": r"$\varepsilon$", "²": r"\textsuperscript{2}",
    **{sup: rf"\textsuperscript{{{d}}}" for sup, d in zip("⁰¹³⁴⁵⁶⁷⁸⁹", "013456789")},
}


_LATEX_TABLE = str.maketrans({**_LATEX_UNICODE, **_LATEX})


def latex_escape(text: str) -> str:
    """Text for LaTeX's text mode: control characters shown escaped, then LaTeX's special
    characters and the symbols in ``_LATEX_UNICODE`` written as LaTeX."""
    return printable(text).translate(_LATEX_TABLE)


_MARKDOWN = str.maketrans({"\\": "\\\\", "|": "\\|", "<": "&lt;", ">": "&gt;"})


def markdown_escape(text: str) -> str:
    """Text for a Markdown table cell or line: control characters shown escaped, ``\\`` and
    ``|`` escaped, ``<`` and ``>`` as entities."""
    return printable(text).translate(_MARKDOWN)


def html_escape(text: str) -> str:
    """Text for HTML (and XML): control characters shown escaped, ``& < > " '`` as entities."""
    from html import escape     # only the HTML format pays for it (start-up)

    return escape(printable(text))


def attr_escape(text: str) -> str:
    """An HTML attribute's value: as ``html_escape``, but its line breaks kept as ``&#10;``
    (a layer's working is several lines, shown by the browser as such in a tooltip and the
    web app's panel), so the output stays one line and holds no control character."""
    return "&#10;".join(html_escape(part) for part in text.split("\n"))


# --- the formats -------------------------------------------------------------------------------

def render(t: Table, fmt: str = "text", width: int | None = None) -> str:
    """``t`` in format ``fmt`` (one of ``FORMATS``), as one string; ``width``: fit the text
    format into that many columns (``fitted_lines``; None: every column, every line whole)."""
    return "".join(chunks(t, fmt, width))


def chunks(t: Table, fmt: str = "text", width: int | None = None) -> Iterator[str]:
    """``t`` in format ``fmt``, in pieces whose concatenation is ``render(t, fmt, width)``: row
    by row for csv, tsv and json; line by line, once every cell's width is known, for text,
    github and markdown. Only the text format is fitted to ``width``."""
    if fmt == "json":
        return gathered(json_chunks(t.document() if t.document else default_document(t)))
    if fmt in ("csv", "tsv"):
        return csv_chunks(resolve(t.machine) or t, "\t" if fmt == "tsv" else ",")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; the formats are {', '.join(FORMATS)}")
    lines = {"latex": latex_lines, "html": html_lines}.get(fmt)
    return gathered(lines(t) if lines else text_lines(t, fmt, width), end="\n")


def _line(x: str, style: str) -> str:
    """A head or foot line in ``text`` or ``markdown``."""
    if style == "text":
        return ("  " if isinstance(x, Item) else "") + printable(x)
    s = markdown_escape(x)
    if isinstance(x, Item):
        return "- " + s
    return f"**{s}**" if isinstance(x, Strong) and s else s


_SEP = "\0"     # between a packed row's cells: no escaped cell holds it (printable writes \x00)


MEMO = 4096          # formatted cells remembered per column (then forgotten, and begun again)


class Row(list):
    """A row of values whose values but its own (``Column.own``: a layer's name) are the same
    objects as those of ``base``, a list that the rows of a repeated layer share and that does
    not change: ``cell_maker`` formats those cells once per base, found by its identity."""

    __slots__ = ("base",)


def cell_maker(cols, units: str, kilo: int, escape, blank: str = "",
               widths: list[int] | None = None) -> Callable[[Sequence], list]:
    """A function from a row's values to its cells as a human-readable format prints them
    (``show``, then ``escape``; ``None`` as ``blank``), each cell's length kept in ``widths``
    as the widest of its column when given. The cells of the columns that are not a row's
    ``own`` (its name: ``Column.own``, where a view's column class has it) are remembered by
    their values and types: a repeated layer's rows format and measure only their names anew."""
    own = [j for j, c in enumerate(cols) if getattr(c, "own", False)]
    rest = [j for j in range(len(cols)) if j not in own]
    memo: dict[tuple, list] = {}
    # An own column whose texts many rows share (a receptive field's: ``Column.field``): its
    # cells remembered by text, each escaped and measured once.
    alike = {j: {} for j in own if getattr(cols[j], "field", None)}

    def cell(j, v) -> str:
        return escape(blank if v is None else show(cols[j], v, units, kilo))

    by_base: dict[int, tuple] = {}      # id(a Row's base) → (the base, its cells)

    def make(values) -> list:
        base = values.base if type(values) is Row else None
        got = by_base.get(id(base)) if base is not None else None
        if got is not None and got[0] is base:   # (the base is kept: its id is not reused)
            cells = got[1]
        else:
            some = [values[j] for j in rest]
            key = (*some, *map(type, some))          # 1, 1.0 and True differ
            cells = memo.get(key)
            if cells is None:
                if len(memo) >= MEMO:
                    memo.clear()
                cells = memo[key] = [None if j in own else cell(j, values[j])
                                     for j in range(len(cols))]
                if widths is not None:
                    for j in rest:
                        if len(cells[j]) > widths[j]:
                            widths[j] = len(cells[j])
            if base is not None:
                if len(by_base) >= MEMO:
                    by_base.clear()
                by_base[id(base)] = (base, cells)
        cells = cells.copy()
        for j in own:
            v = values[j]
            seen = alike.get(j)
            if seen is not None and type(v) is str:
                x = seen.get(v)
                if x is not None:
                    cells[j] = x
                    continue
            x = escape(v) if type(v) is str else cell(j, v)     # (show(col, a str) is the str)
            cells[j] = x
            if widths is not None and len(x) > widths[j]:
                widths[j] = len(x)
            if seen is not None and type(v) is str:
                if len(seen) >= MEMO:
                    seen.clear()
                seen[v] = x
        return cells

    return make


BLOCK = 1000    # a text table's rows kept as lists; past this many, packed in compressed blocks


class Kept:
    """A text table's rows of cells, kept from the one reading of its rows to be written once
    its column widths are known (and read again for each part of a table fitted to a width).
    At most ``BLOCK`` rows are kept as lists; a longer table's rows are packed ``BLOCK`` at a
    time, column by column (each column's cells joined by ``_SEP``, the columns one after the
    other), into one string compressed by zlib at its fastest level: a million rows of
    repeated layers, whose cells differ little, take about 10 bytes each and about a
    microsecond each way, where making their cells again took ten times as long; a part of a
    fitted table unpacks only its own columns. (A block whose rows differ in length is kept
    as lists.)"""

    __slots__ = ("blocks", "last")

    def __init__(self):
        # a list of rows, or a packed block: (its rows, where each column ends in the
        # unpacked text, the compressed text)
        self.blocks: list = []
        self.last: list[list[str]] = []

    def append(self, cells: list[str]) -> None:
        self.last.append(cells)
        if len(self.last) >= BLOCK:
            self.pack()

    def pack(self) -> None:
        import zlib

        rows, self.last = self.last, []
        n = len(rows[0])
        if n and all(len(r) == n for r in rows):
            columns = [_SEP.join(c) for c in zip(*rows)]
            ends, end = [], -1
            for c in columns:
                end += len(c) + 1
                ends.append(end)
            text = _SEP.join(columns)
            self.blocks.append((len(rows), tuple(ends),
                                zlib.compress(text.encode("utf-8", "surrogatepass"), 1)))
        else:
            self.blocks.append(rows)

    def runs(self, cols: Sequence[int] | None = None) -> Iterator:
        """The rows, a block at a time: a list of rows (each a sequence of its cells), or
        with ``cols`` (column indices), for a packed block, ``Columns``: the cells of those
        columns only, a list per column."""
        for block in self.blocks:
            if type(block) is list:
                yield block
                continue
            import zlib

            m, ends, data = block
            text = zlib.decompress(data).decode("utf-8", "surrogatepass")
            starts = (0, *[e + 1 for e in ends[:-1]])
            if cols is None:
                yield list(zip(*[text[starts[j]:ends[j]].split(_SEP)
                                 for j in range(len(ends))]))
            else:
                yield Columns((m, [text[starts[j]:ends[j]].split(_SEP) for j in cols]))
        if self.last:
            yield self.last

    def __iter__(self) -> Iterator[Sequence[str]]:
        for run in self.runs():
            yield from run


class Columns(tuple):
    """Some columns of a packed block of ``Kept`` rows: ``(its rows, [each column's cells])``."""

    __slots__ = ()


def row_format(widths: list[int], aligns: list[str], cols: Sequence[int], gap: str,
               strip: bool = False, frame: tuple[str, str] = ("", "")) -> Callable[
                   [Sequence[str]], str]:
    """A function writing a row's cells ``cols`` (by index) as one line: each padded to its
    width in ``widths`` (``%-5s`` as ``ljust``, ``%5s`` as ``rjust``: a wider cell is kept
    whole), ``gap`` between them, inside ``frame`` (Markdown's ``"| "`` and ``" |"``), the
    spaces at its end taken off with ``strip``: one formatting per row instead of a padding
    call per cell. (A row with fewer cells: those it has, as ``pad`` pads them.) Its
    ``block``, given ``Columns`` of its ``cols``, writes their rows' lines, joined by line
    breaks, in one formatting."""
    from itertools import chain
    from operator import itemgetter

    template = frame[0] + gap.join(("%-" if aligns[i] == "left" else "%")
                                   + (str(widths[i]) if widths[i] else "") + "s"
                                   for i in cols) + frame[1]
    pick = itemgetter(*cols) if len(cols) > 1 else lambda cells: (cells[cols[0]],)

    def write(cells: Sequence[str]) -> str:
        try:
            line = template % pick(cells)
        except IndexError:
            padded = pad(cells, widths, aligns)
            line = frame[0] + gap.join([padded[i] for i in cols if i < len(padded)]) + frame[1]
        return line.rstrip() if strip else line

    templates: dict[int, str] = {}      # rows → the template of that many lines

    def block(columns: Columns) -> str:
        m, cells = columns
        lines = templates.get(m)
        if lines is None:
            lines = templates[m] = "\n".join([template] * m)
        text = lines % tuple(chain.from_iterable(zip(*cells)))
        return "\n".join(map(str.rstrip, text.split("\n"))) if strip else text

    write.block, write.cols = block, tuple(cols)
    return write


class Packed:
    """A table's cells as strings (``rows``: ``Kept``), with each column's widest cell
    (``cell_widths``) and width (``widths``: the widest of its header plus two, as tabulate
    pads headers, and its cells)."""

    def __init__(self, headers: list[str], aligns: list[str], shorts: list[str] | None = None,
                 spares: list[str] | None = None):
        self.headers, self.aligns = headers, aligns
        self.shorts = shorts or [""] * len(headers)
        self.spares = spares or [""] * len(headers)
        self.cell_widths = [0] * len(headers)
        self.rows = Kept()
        self.body = 0              # how many rows come before the total rows
        self.totals = 0            # how many of the last rows are total rows

    @property
    def widths(self) -> list[int]:
        return [max(len(h) + 2, w) for h, w in zip(self.headers, self.cell_widths)]

    def measure(self, cells: list[str]) -> None:
        w = self.cell_widths
        for i, x in enumerate(cells):
            if len(x) > w[i]:
                w[i] = len(x)

    def add(self, cells: list[str]) -> None:
        self.measure(cells)
        self.rows.append(cells)

    def written(self, write: Callable[[Sequence[str]], str],
                rule: str | None = None) -> Iterator[str]:
        """Every row as ``write`` writes it, a block of rows at a time (their lines joined by
        line breaks: a million lines handed on as a thousand strings), and the line ``rule``,
        when given, before the first total row."""
        done = 0
        block = getattr(write, "block", None)
        for run in self.rows.runs(write.cols if block else None):
            if type(run) is Columns:        # (a packed block: its lines in one formatting)
                m, cells = run
                k = self.body - done
                done += m
                if rule is not None and 0 <= k < m:
                    if k:
                        yield block(Columns((k, [c[:k] for c in cells])))
                    yield rule
                    yield block(Columns((m - k, [c[k:] for c in cells])))
                else:
                    yield block(run)
                continue
            k = self.body - done         # the first total row's place in this run
            done += len(run)
            if rule is not None and 0 <= k < len(run):
                if k:
                    yield "\n".join(map(write, run[:k]))
                yield rule
                yield "\n".join(map(write, run[k:]))
            else:
                yield "\n".join(map(write, run))


def pad(cells: list[str], widths: list[int], aligns: list[str]) -> list[str]:
    return [c.ljust(w) if a == "left" else c.rjust(w) for c, w, a in zip(cells, widths, aligns)]


@streamed_without_gc    # (see core.bulk)
def text_lines(t: Table, fmt: str = "text", width: int | None = None) -> Iterator[str]:
    """``text`` (aligned columns, a rule above the totals), ``github`` or ``markdown`` (a
    Markdown table, the totals in bold; markdown marks each column's alignment), in lines
    (the table's rows a block of lines to a string: ``Packed.written``);
    with ``width``, the text format fitted into that many columns (``fitted_lines``). Rows
    are read once: their cells are kept (``Kept``) until the widths are known."""
    style = "text" if fmt == "text" else "markdown"
    if style != "text":
        width = None
    escape = printable if style == "text" else markdown_escape
    cols = list(t.columns)
    top = [_line(x, style) for x in ([t.title] if t.title else []) + list(t.head)]
    if top:
        yield from wrapped(top, width)
        yield ""
    p = Packed([escape(c.header) for c in cols], [align(c) for c in cols],
               [printable(getattr(c, "short", "") or "") for c in cols],
               [printable(getattr(c, "spare", "") or "") for c in cols])
    blank = t.blank if style == "text" else ""
    make = cell_maker(cols, t.units, t.kilo, escape, blank, p.cell_widths)
    keep = p.rows.append
    for values in resolve(t.rows):
        keep(make(values))
        p.body += 1
    for values in resolve(t.totals):
        cells = [escape(show(c, v, t.units, t.kilo)) for c, v in zip(cols, values)]
        p.add(cells if style == "text" else [f"**{x}**" if x else x for x in cells])
        p.totals += 1
    if style != "text":
        yield from markdown_lines(p, colons=fmt == "markdown")
    elif width is None:
        yield from table_lines(p)
    else:
        yield from fitted_lines(p, width)
    yield from wrapped((_line(x, style) for x in resolve(t.foot)), width)


def table_lines(p: Packed) -> Iterator[str]:
    """The plain-text table: aligned columns, a rule under the headers and above the totals;
    every column, however wide (``fitted_lines`` fits it to a width)."""
    widths, aligns = p.widths, p.aligns
    rule = "  ".join("-" * w for w in widths)
    yield "  ".join(pad(p.headers, widths, aligns)).rstrip()
    yield rule
    yield from p.written(row_format(widths, aligns, range(len(widths)), "  ", strip=True), rule)


def markdown_lines(p: Packed, colons: bool = True) -> Iterator[str]:
    """The same text as tabulate's ``pipe`` format (``colons``: the rule marks each column's
    alignment) or ``github`` format, for cells as ``simple_table`` takes them."""
    widths, aligns = p.widths, p.aligns
    if colons:
        rule = "|".join(":" + "-" * (w + 1) if a == "left" else "-" * (w + 1) + ":"
                        for w, a in zip(widths, aligns))
    else:
        rule = "|".join("-" * (w + 2) for w in widths)
    yield "| " + " | ".join(pad(p.headers, widths, aligns)) + " |"
    yield "|" + rule + "|"
    yield from p.written(row_format(widths, aligns, range(len(widths)), " | ",
                                    frame=("| ", " |")))


def _packed(rows, headers, aligns, totals=()) -> Packed:
    p = Packed(headers, aligns)
    for r in [*rows, *totals]:
        p.add(r)
    p.body, p.totals = len(rows), len(totals)
    return p


def text_table(body: list[list[str]], totals: list[list[str]], headers: list[str],
               aligns: list[str], width: int | None = None) -> str:
    """``table_lines`` of cells already strings, as one string (fitted to ``width``:
    ``fitted_lines``)."""
    p = _packed(body, headers, aligns, totals)
    return "\n".join(table_lines(p) if width is None else fitted_lines(p, width))


def simple_table(rows: list[list[str]], headers: list[str], aligns: list[str]) -> str:
    """The same text as ``tabulate(rows, headers, tablefmt="simple", disable_numparse=True,
    colalign=aligns)`` for cells that are already strings without ANSI codes, wide characters
    or surrounding spaces (tests compare the two). tabulate infers a type for every cell,
    about 8 µs each, which was half of `archcalc table resnet1202`'s time (3,700 rows)."""
    return text_table(rows, [], headers, aligns)


def markdown_table(rows: list[list[str]], headers: list[str], aligns: list[str],
                   colons: bool = True) -> str:
    """``markdown_lines`` of cells already strings, as one string."""
    return "\n".join(markdown_lines(_packed(rows, headers, aligns), colons))


def _notes(t: Table) -> list[str]:
    return [x for x in [*t.head, *resolve(t.foot)] if x.strip()]


@streamed_without_gc    # (see core.bulk)
def latex_lines(t: Table) -> Iterator[str]:
    """A booktabs ``table`` with the title as caption and the lines around it as a note below;
    needs ``\\usepackage{booktabs}``; symbols are written as LaTeX (× as ``$\\times$``)."""
    cols = list(t.columns)
    spec = "".join("l" if align(c) == "left" else "r" for c in cols)

    make = cell_maker(cols, t.units, t.kilo, latex_escape)

    def row(values) -> str:
        return " & ".join(make(values)) + r" \\"

    yield from [r"% archcalc table: needs \usepackage{booktabs}", r"\begin{table}", r"\centering"]
    if t.title:
        yield r"\caption{" + latex_escape(t.title) + "}"
    yield from [r"\begin{tabular}{" + spec + "}", r"\toprule",
                " & ".join(latex_escape(c.header) for c in cols) + r" \\", r"\midrule"]
    yield from (row(r) for r in resolve(t.rows))
    totals = resolve(t.totals)
    if totals:
        yield r"\midrule"
        yield from (row(r) for r in totals)
    yield from [r"\bottomrule", r"\end{tabular}"]
    notes = [(r"\textbf{%s}" if isinstance(x, Strong) else "%s") % latex_escape(x.strip())
             for x in _notes(t)]
    yield r"\par\footnotesize " + r" \\ ".join(notes)
    yield r"\end{table}"


@streamed_without_gc    # (see core.bulk)
def html_lines(t: Table) -> Iterator[str]:
    """An HTML fragment (also well-formed XML): a table with caption, head, body, the totals in
    its foot, and the lines around it as a list."""
    cols = list(t.columns)
    styles = [f' style="text-align:{align(c)}"' for c in cols]
    more = t.cell_attrs

    make = cell_maker(cols, t.units, t.kilo, html_escape)

    def tr(values, tag="td", i=None) -> str:
        out = []
        cells = [html_escape(v) for v in values] if tag == "th" else make(values)
        for c, s, v, x in zip(cols, styles, values, cells):
            if i is not None:
                s += "".join(f' {k}="{attr_escape(str(a))}"'
                             for k, a in more(i, c, v).items())
            out.append(f"<{tag}{s}>{x}</{tag}>")
        return "<tr>" + "".join(out) + "</tr>"

    yield '<div class="archcalc">'
    yield "<table>"
    if t.title:
        yield f"<caption>{html_escape(t.title)}</caption>"
    yield "<thead>" + tr([c.header for c in cols], "th") + "</thead>"
    yield "<tbody>"
    yield from (tr(r, i=i if more else None) for i, r in enumerate(resolve(t.rows)))
    yield "</tbody>"
    totals = resolve(t.totals)
    if totals:
        yield "<tfoot>"
        yield from (tr(r) for r in totals)
        yield "</tfoot>"
    yield "</table>"
    notes = [(f"<strong>{x}</strong>" if isinstance(n, Strong) else x)
             for n, x in ((n, html_escape(n.strip())) for n in _notes(t))]
    yield "<ul>" + "".join(f"<li>{x}</li>" for x in notes) + "</ul>"
    yield "</div>"


# --- machine formats, streamed -----------------------------------------------------------------

CHUNK = 1 << 16       # characters gathered before a piece is handed on


@streamed_without_gc    # (see core.bulk)
def csv_chunks(t: Table, delimiter: str = ",") -> Iterator[str]:
    """CSV (or TSV): the column keys, then every row and total row of exact values (``None``
    as an empty field), written by the csv module."""
    import csv
    import io

    buf = io.StringIO()
    plain = csv.writer(buf, lineterminator="\n", delimiter=delimiter)
    quoted = csv.writer(buf, lineterminator="\n", delimiter=delimiter, quoting=csv.QUOTE_ALL)
    plain.writerow([c.key for c in t.columns])
    for rows in (t.rows, lambda: resolve(t.totals)):
        for row in resolve(rows):
            (quoted if any(isinstance(v, str) and "\r" in v for v in row) else plain).writerow(row)
            if buf.tell() >= CHUNK:
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
    yield buf.getvalue()


def gathered(pieces: Iterable[str], size: int | None = None, end: str = "") -> Iterator[str]:
    """``pieces``, each followed by ``end`` (lines: ``"\\n"``), joined into pieces of about
    ``size`` characters (default ``CHUNK``): fewer, larger writes."""
    size = size or CHUNK
    buf: list[str] = []
    n = 0
    for p in pieces:
        buf.append(p)
        n += len(p)
        if n >= size:
            yield end.join(buf) + end
            buf, n = [], 0
    if buf:
        yield end.join(buf) + end


class Stream:
    """A JSON array written item by item as ``iterable`` yields them (an item that is a dict may
    hold a ``Stream`` or a ``Lazy`` itself: a tree written node by node)."""

    def __init__(self, iterable: Iterable):
        self.iterable = iterable


class Lazy:
    """A JSON value computed by ``fn()`` only when the writer reaches it: after every value
    before it in the document has been written (a total summed while its rows streamed)."""

    def __init__(self, fn: Callable[[], object]):
        self.fn = fn


class Shared(dict):
    """Entries of a JSON object that many objects hold alike (a layer's repeats: their kind,
    shape and counts), to be one part of a ``Joined``: encoded once per indentation and reused
    (a million layers write the same few entries a million times). Its values are plain JSON
    values; it must not change once written."""

    __slots__ = ("_text",)

    def encoded(self, nl: str) -> str:
        text = getattr(self, "_text", None)     # (unset at first: no exception raised here)
        if text is None:
            text = self._text = {}
        got = text.get(nl)
        if got is None:
            got = text[nl] = _entries(self, nl)
        return got


class _Hole(str):
    """A hole in a ``Pattern``'s entries: its own object (a spec's string "\\x00" is not a
    hole), written raw, a control character that no text written as JSON holds."""

    __slots__ = ()


HOLE = _Hole("\x00")        # in a ``Pattern``'s entries: an integer filled in per object
TEXT_HOLE = _Hole("\x01")   # ... or a string


class Pattern:
    """Entries of JSON objects alike but for some integers and strings (``HOLE``s and
    ``TEXT_HOLE``s in ``entries``): a receptive field's sizes, jumps and starts (and at a join
    the branch it comes through), new at most layers, where a ``Shared`` encoded once per field
    would be encoded a million times; a layer's name, kind and inputs. It is encoded once per
    indentation into a ``%``-template (``%d`` for each number, ``%s`` for each string, quoted)
    that a ``Filled`` part fills in."""

    __slots__ = ("entries", "quoted", "_text")

    def __init__(self, entries: dict):
        self.entries, self._text = entries, {}
        texts = [x is TEXT_HOLE for x in _holes(entries)]
        # which holes are strings: True for all, a bool per hole for some, None for none
        self.quoted = True if all(texts) else tuple(texts) if any(texts) else None

    def template(self, inner: str) -> str:
        got = self._text.get(inner)
        if got is None:
            dumps(0)        # (json's quote function, imported)
            got = self._text[inner] = _entries(self.entries, inner).replace(
                "%", "%%").replace(HOLE, "%d").replace(TEXT_HOLE, "%s")
        return got

    def fill(self, inner: str, values: tuple) -> str:
        text, q = self.template(inner), self.quoted
        if q is True:
            values = tuple(map(_quote, values))
        elif q:
            values = tuple([_quote(v) if t else v for t, v in zip(q, values)])
        return text % values


def _holes(x) -> Iterator[str]:
    """A ``Pattern``'s holes, in the order its entries are written."""
    if x is HOLE or x is TEXT_HOLE:
        yield x
    elif type(x) is dict or type(x) is list:
        for v in (x.values() if type(x) is dict else x):
            yield from _holes(v)


class Filled(tuple):
    """A part of a ``Joined``: ``(pattern, values)``, the entries of a ``Pattern`` with its
    holes filled by ``values``, in the order the entries are written; on its own, the object
    of those entries (a rollup's collapsed group: its name in the hole)."""

    __slots__ = ()

    def items(self):
        values = iter(self[1])

        def fill(x):
            if x is HOLE or x is TEXT_HOLE:
                return next(values)
            if type(x) is list:
                return [fill(v) for v in x]
            return {k: fill(v) for k, v in x.items()} if type(x) is dict else x

        return fill(self[0].entries).items()


class KeptFilled(Filled):
    """A ``Filled`` part that many objects hold alike (a receptive field that a layer's next
    layers share): filled once per indentation, its text kept."""

    def text(self, inner: str) -> str:
        got = self.__dict__.get(inner)
        if got is None:
            got = self.__dict__[inner] = self[0].fill(inner, self[1])
        return got


class Joined(tuple):
    """A JSON object written as the entries of its parts in order: plain dicts (encoded each
    time), ``Shared`` entries (encoded once) and ``Filled`` patterns; no key in two parts."""

    __slots__ = ()


def materialize(v):
    """A document with its ``Stream`` and ``Lazy`` values made plain lists and values, and each
    ``Joined`` one dict, in the order the writer would meet them."""
    if isinstance(v, Lazy):
        return materialize(v.fn())
    if isinstance(v, Stream):
        return [materialize(x) for x in v.iterable]
    if isinstance(v, Joined):
        return {k: materialize(x) for part in v for k, x in part.items()}
    if isinstance(v, Filled):
        return {k: materialize(x) for k, x in v.items()}
    if isinstance(v, dict):
        return {k: materialize(x) for k, x in v.items()}
    if isinstance(v, list):
        return [materialize(x) for x in v]
    return v


@streamed_without_gc    # (see core.bulk)
def json_chunks(doc) -> Iterator[str]:
    """``json.dumps(materialize(doc), indent=2, ensure_ascii=False) + "\\n"``, in pieces: one
    per item of each ``Stream``."""
    yield from _json(doc, 0)
    yield "\n"


def _json(v, level: int) -> Iterator[str]:
    if isinstance(v, Lazy):
        v = v.fn()
    inner, outer = "\n" + "  " * (level + 1), "\n" + "  " * level
    if isinstance(v, dict) and v:
        sep = "{"
        for k, x in v.items():
            yield sep + inner + dumps(str(k)) + ": "
            yield from _json(x, level + 1)
            sep = ","
        yield outer + "}"
    elif isinstance(v, Stream):
        sep = "["
        for x in v.iterable:
            if type(x) is dict and any(isinstance(y, (Stream, Lazy)) for y in x.values()):
                yield sep + inner    # a node of a tree, its children streamed in turn
                yield from _json(x, level + 1)
            else:
                yield sep + inner + dumps(x, inner)
            sep = ","
        yield "[]" if sep == "[" else outer + "]"
    else:
        yield dumps(v, outer)


def dumps(v, newline: str = "\n") -> str:
    """``json.dumps(v, indent=2, ensure_ascii=False)`` with each line break followed by
    ``newline``'s indentation, for plain data (dicts with string keys, lists, tuples, strings,
    numbers, booleans, None; ``Joined`` objects), about five times faster: json's indented
    encoder is written in Python and generic, and was most of the time of a large network's
    JSON. Strings are escaped by json's own function."""
    global _quote
    if _quote is None:
        from json.encoder import encode_basestring

        _quote = encode_basestring
    try:
        return _enc(v, newline)
    except TypeError:     # floats, subclasses, other keys: json's own rules
        import json

        return json.dumps(materialize(v), indent=2, ensure_ascii=False).replace("\n", newline)


_quote = None       # json.encoder.encode_basestring, imported by the first dumps


def _enc(v, nl: str) -> str:
    t = type(v)
    if t is str:
        return _quote(v)
    if t is int:
        return int.__repr__(v)
    if t is dict:
        if not v:
            return "{}"
        inner = nl + "  "
        return "{" + inner + _entries(v, inner) + nl + "}"
    if t is list or t is tuple:
        if not v:
            return "[]"
        inner = nl + "  "
        return "[" + inner + ("," + inner).join([_quote(x) if type(x) is str else _enc(x, inner)
                                                 for x in v]) + nl + "]"
    if t is Filled:         # an object alike others but for its holes (a collapsed group)
        inner = nl + "  "
        return "{" + inner + v[0].fill(inner, v[1]) + nl + "}"
    if t is Joined:
        inner = nl + "  "
        texts = []
        for p in v:
            if type(p) is Shared:
                try:
                    text = p._text[inner]       # (a layer's shared parts: met once per layer)
                except (AttributeError, KeyError):
                    text = p.encoded(inner)
            elif type(p) is Filled:
                text = p[0].fill(inner, p[1])
            elif type(p) is KeptFilled:
                text = p.text(inner)
            else:
                text = _entries(p, inner)
            if text:
                texts.append(text)
        return "{" + inner + ("," + inner).join(texts) + nl + "}" if texts else "{}"
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if t is _Hole:
        return str.__str__(v)
    if isinstance(v, str):
        return _quote(v)
    raise TypeError


def _entries(d: dict, inner: str) -> str:
    """A dict's entries as ``dumps`` writes them inside its braces, each line break followed
    by ``inner``; ``TypeError`` for a key that is not a str."""
    quote = _quote
    out = []
    last = text = None      # a nested object met twice in a row is written once: {"h": a, "w": a}
    for k, x in d.items():
        if type(k) is not str:
            raise TypeError(f"a JSON key must be a str, not {type(k).__name__}")
        t = type(x)           # the usual values written here, not through _enc: a third faster
        if t is str:
            out.append(quote(k) + ": " + quote(x))
        elif t is int:
            out.append(quote(k) + ": " + int.__repr__(x))
        elif (t is list or t is tuple) and len(x) == 1 and type(x[0]) is str:  # one input
            out.append(quote(k) + ": [" + inner + "  " + quote(x[0]) + inner + "]")
        elif t is dict and x:                                       # (as _enc writes it)
            if x is not last:
                deeper = inner + "  "
                last, text = x, "{" + deeper + _entries(x, deeper) + inner + "}"
            out.append(quote(k) + ": " + text)
        else:
            out.append(quote(k) + ": " + _enc(x, inner))
    return ("," + inner).join(out)


def default_document(t: Table) -> dict:
    """The JSON of a table without a ``document`` of its own: title, the lines around it,
    the columns, and each row and total row as an object keyed by the column keys."""
    m = resolve(t.machine) or t
    keys = [c.key for c in m.columns]
    return {
        "title": t.title,
        "head": [str(x) for x in t.head],
        "columns": [{"key": c.key, "header": c.header, "kind": c.kind} for c in m.columns],
        "rows": Stream(dict(zip(keys, r)) for r in resolve(m.rows)),
        "totals": Lazy(lambda: [dict(zip(keys, r)) for r in resolve(m.totals)]),
        "foot": Lazy(lambda: [str(x) for x in resolve(t.foot) if x]),
    }


# --- the text format fitted to a width (the terminal's) -----------------------------------------

WRAP_MIN = 12         # a text column is wrapped no narrower than this (or its header)


# What `textwrap.wrap(text, width, break_on_hyphens=False, ...)` gives, for the two ways this
# module wraps (footers: long words kept whole; cells: broken). Written out because importing
# textwrap compiles regular expressions this never uses, 1.7 ms of `archcalc table`'s start-up,
# more than all the wrapping it does (issue 12; BENCHMARKS.md). tests/test_fit.py holds it equal
# to textwrap's, on generated text.
_SPACES = "\t\n\x0b\x0c\r "       # textwrap's whitespace: every one becomes a space
_TO_SPACE = {ord(c): " " for c in _SPACES}
_SPACE_RUN = None


def wrap(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "",
         break_long_words: bool = True) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken at runs of spaces (kept within a
    line, dropped at its ends but the first line's start); a word longer than a line is broken
    (``break_long_words``) or left whole on a line of its own."""
    if (break_long_words and not initial_indent and not subsequent_indent
            and " " not in text and text.isprintable()):
        # one word, no whitespace in it (a receptive field's "666667×666667" in a narrowed
        # column, a million times): the loop below would cut it into lines of the width
        return [text[i:i + width] for i in range(0, len(text), max(width, 1))]
    global _SPACE_RUN
    if _SPACE_RUN is None:
        import re

        _SPACE_RUN = re.compile(f"([{re.escape(_SPACES)}]+)")
    text = text.expandtabs().translate(_TO_SPACE)
    chunks = [c for c in _SPACE_RUN.split(text) if c][::-1]      # the next chunk last
    lines: list[str] = []
    while chunks:
        indent = subsequent_indent if lines else initial_indent
        room = width - len(indent)
        if lines and chunks[-1].strip() == "":
            chunks.pop()
        line: list[str] = []
        used = 0
        while chunks and used + len(chunks[-1]) <= room:
            used += len(chunks[-1])
            line.append(chunks.pop())
        if chunks and len(chunks[-1]) > room:           # a word longer than the line
            if break_long_words:
                cut = 1 if room < 1 else room - used
                line.append(chunks[-1][:cut])
                chunks[-1] = chunks[-1][cut:]
                if not chunks[-1]:      # (textwrap loops for ever here, on an indent wider
                    chunks.pop()        # than the width and a no-break space)
            elif not line:
                line.append(chunks.pop())
        if line and line[-1].strip() == "":
            line.pop()
        if line:
            lines.append(indent + "".join(line))
    return lines


def wrapped(lines: Iterable[str], width: int | None) -> Iterator[str]:
    """Head and foot lines, each wrapped at spaces to ``width`` (None: as they are). A line
    keeps its indentation; its continuation lines are indented two more, or under the text of
    a ``[3]`` note. A word longer than the width (a path) is left whole."""
    for line in lines:
        if width is None or len(line) <= width:
            yield line
            continue
        indent = line[:len(line) - len(line.lstrip(" "))]
        text = line[len(indent):]
        close = text.find("] ")          # a note's mark, "[3] "
        mark = text[:1] == "[" and close > 1 and text[1:close].isdecimal()
        more = indent + (" " * (close + 2) if mark else "  ")
        yield from wrap(line[len(indent):], width, initial_indent=indent,
                        subsequent_indent=more, break_long_words=False) or [line]


SHORT_MIN = 8         # a header without a short form is cut only when longer than this


def _short(header: str, short: str, room: int) -> str:
    """``header`` in at most ``room`` characters if it can be: its ``short`` form, else, when
    longer than ``SHORT_MIN``, cut with a full stop (to no fewer than ``SHORT_MIN``); a short
    header (jump, note) is kept."""
    if len(header) <= room:
        return header
    if short:
        return short
    if len(header) <= SHORT_MIN:
        return header
    return header[:max(room, SHORT_MIN) - 1] + "."


def fitted_lines(p: Packed, width: int) -> Iterator[str]:
    """The plain-text table fitted into ``width`` columns, each step taken only while the table
    is still too wide, after the first:

    1. columns with no cell (a ``note`` column of a network without notes) are left out;
    2. the headers lose tabulate's padding of two;
    3. a header wider than its column's cells is abbreviated (its column's ``short``, or if
       longer than ``SHORT_MIN``, cut);
    4. a column whose every cell another gives (its ``spare``: FLOPs = 2 × MACs) is left
       out, the last such column first, where that makes the table fit whole, or fit by
       wrapping where wrapping alone would not (never only to narrow its parts);
    5. text columns other than the first (descriptions, sources, notes) are wrapped at spaces,
       the widest first, to no narrower than ``WRAP_MIN`` (or their header), as far as the
       table (or in step 7, each part) is too wide and no further;
    6. the columns are set one space apart instead of two, where that makes the table fit
       whole (steps 4 and 5 are then taken at that spacing);
    7. what is still too wide is cut into parts, each a table of the first column and the
       columns that fit beside it (wrapped as in step 5), one under the other.

    Numbers are never cut or wrapped. A line under the table names the abbreviations, the
    columns left out and how to have them, and the parts."""
    n = len(p.headers)
    keep = [i for i in range(n) if p.cell_widths[i] > 0 or i == 0]
    headers = list(p.headers)
    w = {i: max(len(headers[i]) + 2, p.cell_widths[i]) for i in keep}

    gap = 2                     # spaces between columns

    def size(cols, g=None) -> int:
        return sum(w[i] for i in cols) + (g or gap) * (len(cols) - 1)

    shortened = []
    if size(keep) > width:
        w = {i: max(len(headers[i]), p.cell_widths[i]) for i in keep}
    if size(keep) > width:
        for i in keep:
            short = _short(headers[i], p.shorts[i], p.cell_widths[i])
            if short != headers[i]:
                shortened.append((i, f"{short} = {headers[i]}"))
                headers[i] = short
                w[i] = max(len(short), p.cell_widths[i])
    wrap_min = {i: max(WRAP_MIN, len(headers[i])) for i in keep[1:] if p.aligns[i] == "left"}

    def narrowest(cols, g) -> int:        # the narrowest wrapping makes ``cols``
        return size(cols, g) - sum(max(0, w[i] - wrap_min[i]) for i in cols if i in wrap_min)

    def plan(g):
        """(the columns kept, the spare ones left out) with ``g`` spaces between columns:
        spare columns are left out where that makes the table fit whole, or fit by wrapping
        where wrapping alone would not; never only to make its parts narrower."""
        spared, fewer = [], list(keep)
        for i in reversed(keep[1:]):
            if size(fewer, g) <= width:
                break
            if p.spares[i]:
                fewer.remove(i)
                spared.append(i)
        if spared and (size(fewer, g) <= width
                       or narrowest(fewer, g) <= width < narrowest(keep, g)):
            return fewer, spared
        return keep, []

    keep2, spared = plan(2)
    if narrowest(keep2, 2) > width:     # one space between columns, where that makes it fit
        keep1, spared1 = plan(1)
        if narrowest(keep1, 1) <= width:
            gap, keep2, spared = 1, keep1, spared1
    keep = keep2
    wrap_min = {i: x for i, x in wrap_min.items() if i in keep}

    def narrow(cols) -> None:
        """Wrap ``cols``' text columns until they fit the width, or can be no narrower: one
        character at a time off the widest (a few hundred steps)."""
        excess = size(cols) - width
        while excess > 0:
            can = [i for i in cols if i in wrap_min and w[i] > wrap_min[i]]
            if not can:
                break
            w[max(can, key=lambda j: w[j])] -= 1
            excess -= 1

    # Each part takes the columns that fit beside the first, wrapped where that makes them
    # fit; then only a part too wide is wrapped, as much as it is too wide (a narrowing of the
    # whole table would cut words, a receptive field's "666667×666667", in parts that have
    # room for them).
    parts, part = [], [keep[0]]
    for i in keep[1:]:
        if len(part) > 1 and narrowest(part + [i], gap) > width:
            parts.append(part)
            part = [keep[0], i]
        else:
            part.append(i)
    parts.append(part)
    for part in parts:
        narrow(part)

    def lines(cols, cells) -> Iterator[str]:
        pieces = [wrap(cells[i], w[i]) or [""]
                  if len(cells[i]) > w[i] else [cells[i]] for i in cols]
        for k in range(max(len(x) for x in pieces)):
            yield (" " * gap).join((x[k] if k < len(x) else "").ljust(w[i])
                            if p.aligns[i] == "left" else (x[k] if k < len(x) else "").rjust(w[i])
                            for i, x in zip(cols, pieces)).rstrip()

    full = [w.get(i, 0) for i in range(n)]
    for number, cols in enumerate(parts):
        if number:
            yield ""
        rule = (" " * gap).join("-" * w[i] for i in cols)
        yield from lines(cols, headers)
        yield rule
        # A row is written by the part's template (a cell wider than its column comes whole),
        # in several lines where a cell of a narrowed column is wider than it: line k holds
        # the k-th line of each wrapped cell, and the first line the other cells.
        narrowed = [i for i in cols if w[i] < p.cell_widths[i]]
        write = row_format(full, p.aligns, cols, " " * gap, strip=True)

        # What a row's narrowed cells make (None: no line more; else the first line's pieces
        # of the wrapped cells and the lines after it), by those cells: a receptive field's
        # cells, which a layer's next layers share, are wrapped once.
        wrapped_by: dict[tuple, tuple | None] = {}

        def wrapping(cells, write=write, narrowed=narrowed) -> str:
            key = tuple([cells[i] for i in narrowed if i < len(cells)])
            got = wrapped_by.get(key, wrapped_by)
            if got is wrapped_by:
                long = [i for i in narrowed if i < len(cells) and len(cells[i]) > w[i]]
                got = None
                if long:
                    pieces = [(i, wrap(cells[i], w[i]) or [""]) for i in long]
                    more = []
                    for k in range(1, max(len(x) for _, x in pieces)):
                        line = [""] * len(cells)
                        for i, x in pieces:
                            line[i] = x[k] if k < len(x) else ""
                        more.append("\n" + write(line))
                    got = ([(i, x[0]) for i, x in pieces], "".join(more))
                if len(wrapped_by) >= MEMO:
                    wrapped_by.clear()
                wrapped_by[key] = got
            if got is None:
                return write(cells)
            line = list(cells)
            for i, x in got[0]:
                line[i] = x
            return write(line) + got[1]

        yield from p.written(wrapping if narrowed else write, rule)
    said = []
    shortened = [x for i, x in shortened if i in keep]
    if shortened:
        said.append("shortened headers: " + ", ".join(shortened))
    if spared:
        said.append(f"left out to fit {width} columns: "
                    + ", ".join(f"{p.headers[i]} = {p.spares[i]}" for i in reversed(spared))
                    + " (--wide: every column)")
    if len(parts) > 1:
        said.append(f"the table is in {len(parts)} parts to fit {width} columns (--wide: one "
                    "table)")
    if said:
        yield ""
        yield from wrapped(said, width)
