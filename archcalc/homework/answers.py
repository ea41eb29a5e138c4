"""Reading a hand-made table: CSV, TSV, a Markdown pipe table, or the tab-separated text people
paste from a slide or a spreadsheet (often with prose around it, as in the seed notes).

``read(path)`` returns the table's cells exactly as written, with the line each row came from;
recognising what the columns mean is ``columns(header)``. Nothing here knows about networks.
The answers file is only ever read: opened read-only, at most ``MAX_BYTES`` of it.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

from ..core.errors import ArchcalcError, read_regular
from ..core.names import plain

MAX_BYTES = 1_000_000        # an answers file larger than this is refused
MAX_ROWS = 20_000
MAX_COLUMNS = 64


class AnswersError(ArchcalcError):
    """The answers cannot be read: exit status 2, with the file named."""


@dataclass(frozen=True)
class Table:
    source: str                        # the file name, or "<stdin>"
    fmt: str                           # "tsv", "csv" or "markdown"
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # cells as written (padded to the header's width)
    lines: tuple[int, ...]             # 1-based line of each row in the file
    first_line: int                    # the header's line
    others: tuple[int, ...] = ()       # header lines of other tables found in the file
    index: int = 1                     # which of the file's tables this is (1-based)


# --- bytes to text ---------------------------------------------------------------------------

def read_text(path: str, stdin=None) -> tuple[str, str]:
    """(text, source name) of ``path`` (``-``: standard input), bounded and decoded."""
    if path == "-":
        stream = (stdin or sys.stdin.buffer)
        data = stream.read(MAX_BYTES + 1)
        source = "<stdin>"
    else:
        source = path
        try:
            data = read_regular(path, MAX_BYTES)   # read-only: never written
        except FileNotFoundError:
            raise AnswersError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise AnswersError(f"{path}: is a directory, not an answers file") from None
        except OSError as e:
            raise AnswersError(f"{path}: cannot be read: {e.strerror or e}") from None
    if isinstance(data, str):
        data = data.encode("utf-8")
    return from_bytes(data, source), source


def from_bytes(data: bytes, source: str) -> str:
    """The text of an answers file's bytes, within ``MAX_BYTES`` (``source`` names it)."""
    if len(data) > MAX_BYTES:
        raise AnswersError(f"{source}: larger than {MAX_BYTES:,} bytes; an answers table is "
                           "a few kilobytes (is this the right file?)")
    return decode(data, source)


def decode(data: bytes, source: str) -> str:
    """UTF-8 (with or without a byte-order mark), or UTF-16 or UTF-32 with one; anything else is
    refused with the place of the first byte that is not UTF-8. Text that decodes to NUL
    characters was decoded wrongly (UTF-32 read as UTF-16, say) and is refused, never graded."""
    # UTF-32's little-endian mark begins with UTF-16's (FF FE), so it is tried first.
    for bom, codec in ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                       (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            name = codec.upper().replace("UTF", "UTF-")
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                raise AnswersError(f"{source}: starts like {name} text but is not") from None
            if "\x00" in text:
                raise AnswersError(f"{source}: starts like {name} text but holds NUL "
                                   "characters when read so; save the file as UTF-8")
            return text
    if b"\x00" in data[:4096] or data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise AnswersError(f"{source}: a binary file (a spreadsheet?), not text; save or "
                           "export the table as CSV or tab-separated text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise AnswersError(f"{source}: not UTF-8 text (byte 0x{data[e.start]:02x} on line "
                           f"{line}); save the file as UTF-8") from None


# --- text to a table -------------------------------------------------------------------------

_MD_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _blocks(lines: list[str], keep) -> list[list[int]]:
    """Runs of consecutive line numbers (0-based) for which ``keep(line)`` holds."""
    out: list[list[int]] = []
    run: list[int] = []
    for i, line in enumerate(lines):
        if keep(line):
            run.append(i)
        elif run:
            out.append(run)
            run = []
    if run:
        out.append(run)
    return out


def _md_cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", s)]


def _candidates(text: str) -> list[tuple[str, list[int], list[list[str]]]]:
    """Every table in the text: (format, line numbers, cells), header first."""
    lines = text.splitlines()
    found = []
    for block in _blocks(lines, lambda s: s.lstrip().startswith("|")):
        rule = [k for k, i in enumerate(block) if _MD_RULE.match(lines[i])]
        if rule and rule[0] >= 1:
            k = rule[0]
            body = [block[k - 1]] + block[k + 1:]
            found.append(("markdown", body, [_md_cells(lines[i]) for i in body]))
    for block in _blocks(lines, lambda s: "\t" in s):
        if len(block) >= 2:
            found.append(("tsv", block, [lines[i].split("\t") for i in block]))
    if not found:
        found += _csv_tables(lines)
    return sorted(found, key=lambda t: t[1][0])


def _csv_tables(lines: list[str]):
    import csv

    out = []
    for block in _blocks(lines, lambda s: s.strip() != ""):
        texts = [lines[i] for i in block]
        delim = ";" if texts[0].count(";") > texts[0].count(",") else ","
        if delim not in texts[0] or len(block) < 2:
            continue
        # The file is bounded (MAX_BYTES), so no field needs the csv module's own limit
        # (131,072 characters); a cell that long is refused when it is read as a number.
        csv.field_size_limit(max(csv.field_size_limit(), MAX_BYTES + 1))
        try:
            rows = list(csv.reader(texts, delimiter=delim))
        except csv.Error as e:          # e.g. a NUL character: not a table archcalc can mark
            raise AnswersError(f"line {block[0] + 1}: not a CSV table archcalc can read ({e})"
                               ) from None
        out.append(("csv", block, rows))
    return out


def parse(text: str, source: str, recognised, which: int | None = None) -> Table:
    """The table in ``text``: the ``which``-th (1-based) of those whose header
    ``recognised(header)`` accepts, by default the first."""
    try:
        found = _candidates(text)
    except AnswersError as e:
        raise AnswersError(f"{source}: {e}") from None
    tables = [t for t in found if recognised([c.strip() for c in t[2][0]])]
    if not tables:
        raise AnswersError(
            f"{source}: no table found: expected a CSV, tab-separated or Markdown table whose "
            "first row names its columns (a layer column, then e.g. W, H, C, params, MACs)")
    if which is not None and not 1 <= which <= len(tables):
        raise AnswersError(f"{source}: --table {which}, but the file has {len(tables)} "
                           f"table{'s' if len(tables) != 1 else ''}")
    fmt, nums, cells = tables[(which or 1) - 1]
    header = tuple(c.strip() for c in cells[0])
    if len(header) > MAX_COLUMNS or len(cells) > MAX_ROWS:
        raise AnswersError(f"{source}: a table of at most {MAX_ROWS:,} rows and {MAX_COLUMNS} "
                           f"columns is accepted; this one has {len(cells):,} rows and "
                           f"{len(header)} columns")
    rows, lines = [], []
    for n, row in zip(nums[1:], cells[1:]):
        row = [c.strip() for c in row]
        if not any(row):
            continue
        if fmt == "csv" and len(row) > len(header) and any(row[len(header):]):
            raise AnswersError(
                f"{source}: line {n + 1} has {len(row)} cells but the header has "
                f"{len(header)}; in a CSV file a number with thousands separators must be "
                f'quoted ("34,944") or written without them')
        rows.append(tuple((row + [""] * len(header))[:max(len(header), len(row))]))
        lines.append(n + 1)
    others = tuple(t[1][0] + 1 for t in tables if t[1] is not nums)
    return Table(source, fmt, header, tuple(rows), tuple(lines), nums[0] + 1, others,
                 which or 1)


# --- what the columns mean -------------------------------------------------------------------

# Headers, after ``names.plain`` (lower case, letters and digits): the field each one means.
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("layer", "layers", "name", "layername", "stage"),
    "W": ("w", "width", "wout", "outw", "outputwidth", "outwidth"),
    "H": ("h", "height", "hout", "outh", "outputheight", "outheight"),
    "C": ("c", "d", "depth", "channels", "channel", "ch", "cout", "outputchannels", "maps",
          "featuremaps", "outputdepth"),
    "output": ("output", "outputsize", "outputshape", "shape", "out", "outputvolume",
               "outputdimensions", "dimensions", "dims", "size", "outsize"),
    "params": ("params", "param", "parameters", "parameter", "ofparameter", "ofparameters",
               "ofparams", "numberofparameters", "numparams", "nparams", "paramcount",
               "weights", "ofweights", "numberofweights", "learnableparameters",
               "trainableparameters", "trainableparams"),
    "macs": ("macs", "mac", "multadds", "multiplyadds", "madds", "flops", "flop", "ops",
             "operations", "computations", "multiplyaccumulates", "ofmacs", "offlops",
             "ofops", "computation"),
    "activations": ("memory", "mem", "activations", "activation", "activationmemory",
                    "outputvalues", "ofactivations"),
    # Columns that describe the layer (the quiz's own "given" column among them): not marked.
    "describes": ("kind", "type", "layertype", "given", "kernel", "ksp", "description",
                  "operation", "op", "notes", "note", "sizestridepadding", "patchsizestride",
                  "filter", "filters", "kernelsize", "stride", "padding", "input", "inputsize",
                  "kernelstridepadding", "fixed", "aux"),   # the last three: `table --format csv`
}
_BY_ALIAS = {a: f for f, names in ALIASES.items() for a in names}
FIELDS = ("W", "H", "C", "output", "params", "macs", "activations")
_UNIT = re.compile(r"^(?P<rest>.*?)[\s(\[]*\b(?P<unit>[KMGB]|thousands?|millions?|billions?)"
                   r"[)\]]?\s*$", re.I)
_UNITS = {"k": "K", "thousand": "K", "thousands": "K", "m": "M", "million": "M",
          "millions": "M", "g": "G", "b": "G", "billion": "G", "billions": "G"}


_ORDER = re.compile(r"^(output(?:\s*(?:size|shape))?|out|shape|size)\s*[(\[]?\s*"
                    r"([CHWсн])\s*[x×*]\s*([CHWсн])\s*[x×*]\s*([CHWсн])\s*[)\]]?$", re.I)


@dataclass(frozen=True)
class Column:
    index: int
    header: str
    field: str            # a key of ALIASES, or "" when not recognised
    unit: str = ""        # "K", "M" or "G" when the header gives one: "Params (M)", "GFLOPs"
    order: str = ""       # "HWC" or "CHW" when the header gives it: "Output (C×H×W)"


def column(index: int, header: str, mapping: dict[str, str] | None = None) -> Column:
    """What the column headed ``header`` holds (``mapping``: the user's own header → field)."""
    for h, f in (mapping or {}).items():
        if plain(h) == plain(header):
            return Column(index, header, f)
    key = plain(header)
    m = _ORDER.match(header.strip())
    if m:                                               # "Output (C×H×W)", "shape [HxWxC]"
        order = "".join(plain(m.group(i)) for i in (2, 3, 4)).upper()   # Cyrillic С, Н too
        if order in ("HWC", "CHW"):
            return Column(index, header, "output", order=order)
    if key in _BY_ALIAS:
        return Column(index, header, _BY_ALIAS[key])
    m = _UNIT.match(header)
    if m and plain(m.group("rest")) in _BY_ALIAS:       # "Params (M)", "MACs [G]"
        return Column(index, header, _BY_ALIAS[plain(m.group("rest"))],
                      _UNITS[m.group("unit").lower()])
    if len(key) > 1 and key[0] in "kmg" and key[1:] in ("flops", "macs", "params", "ops"):
        return Column(index, header, _BY_ALIAS[key[1:]], key[0].upper())   # "GFLOPs"
    return Column(index, header, "")


def columns(header, mapping: dict[str, str] | None = None) -> list[Column]:
    cols = [column(i, h, mapping) for i, h in enumerate(header)]
    if not any(c.field == "name" for c in cols) and cols and cols[0].field in ("", "describes"):
        cols[0] = Column(0, cols[0].header, "name")    # an unnamed first column names the rows
    return cols


def recognised(header, mapping: dict[str, str] | None = None) -> bool:
    """A header that has a column archcalc can mark."""
    return any(c.field in FIELDS for c in columns(header, mapping))
