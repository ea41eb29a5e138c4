"""Reading a hand-made table: CSV, TSV, a Markdown pipe table, or the tab-separated text people
paste from a slide or a spreadsheet (often with prose around it, as in the seed notes).

``read(path)`` returns the table's cells exactly as written, with the line each row came from;
recognising what the columns mean is ``columns(header)``. Nothing here knows about networks.
The answers file is only ever read: opened read-only, at most ``MAX_BYTES`` of it.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, replace

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
    from .listings import aligned_tables, listing_tables, ruled_tables
    from .markup import html_tables, json_tables, latex_tables

    markup = json_tables(text, lines) or html_tables(text) or latex_tables(lines)
    if markup:                              # archcalc's JSON, an HTML page, a LaTeX tabular
        mine = {i for _, nums, _ in markup for i in nums}
        found = [t for t in found if not mine & set(t[1])] + markup
    listed = listing_tables(lines)          # a listing's lines may hold tabs: it comes first
    mine = {i for _, nums, _ in listed for i in nums}
    found = [t for t in found if not mine & set(t[1])] + listed
    taken = {i for _, nums, _ in found for i in nums}
    used: dict[int, set[int]] = {}          # a ruled table's lines, its later parts' included
    for t in ruled_tables(lines, used) + aligned_tables(lines):    # columns aligned by
        #                                   spaces: under a rule of dashes, or model summaries
        if not taken & set(t[1]):
            found.append(t)
            taken |= set(t[1]) | (used.get(t[1][0], set()) if t[0] == "ruled" else set())
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

# Headers, read through ``names.plain`` (case, spaces, punctuation and look-alike letters
# ignored): the field each one means, in the languages of the seeds and the common courses.
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("layer", "layers", "name", "layer name", "stage", "레이어", "층", "계층", "层",
             "层名", "网络层", "層", "レイヤー", "レイヤ", "schicht", "couche", "capa", "слой",
             "module", "operator"),
    "W": ("w", "width", "wout", "out w", "output width", "out width", "w_out", "너비", "폭",
          "宽", "宽度", "幅", "breite", "largeur", "ancho", "ширина"),
    "H": ("h", "height", "hout", "out h", "output height", "out height", "h_out", "높이", "高",
          "高度", "高さ", "höhe", "hohe", "hauteur", "alto", "высота"),
    "C": ("c", "d", "depth", "channels", "channel", "ch", "cout", "c_out", "output channels",
          "out channels", "maps", "feature maps", "feature map", "# feature maps",
          "output depth", "number of channels", "num channels", "채널", "채널 수", "깊이", "通道",
          "通道数", "深度", "チャネル", "チャンネル", "チャネル数", "kanäle", "kanale", "tiefe",
          "canaux", "profondeur", "canales", "profundidad", "каналы", "глубина"),
    "output": ("output", "output size", "output shape", "shape", "out", "output volume",
               "output dimensions", "dimensions", "dims", "size", "out size", "output dim",
               "activation shape", "activation volume", "feature map size", "tensor shape",
               "volume", "출력", "출력 크기", "출력 사이즈", "출력 형태", "출력 shape", "출력크기",
               "输出", "输出尺寸", "输出大小", "输出形状", "输出维度", "出力", "出力サイズ",
               "出力形状", "ausgabe", "ausgabegröße", "ausgabeform", "sortie", "taille de sortie",
               "salida", "tamaño de salida", "выход", "размер выхода"),
    "params": ("params", "param", "parameters", "parameter", "of parameter", "of parameters",
               "of params", "number of parameters", "num params", "n params", "param count",
               "param #", "# params", "weights", "of weights", "number of weights",
               "learnable parameters", "trainable parameters", "trainable params",
               "parameter count", "파라미터", "파라미터 수", "파라미터수", "매개변수",
               "매개변수 수", "가중치", "가중치 수", "参数", "参数量", "参数数量", "参数个数",
               "权重", "パラメータ", "パラメータ数", "パラメーター数", "重み", "parameteranzahl",
               "anzahl parameter", "gewichte", "paramètres", "nombre de paramètres", "poids",
               "parámetros", "pesos", "параметры", "число параметров", "веса"),
    "macs": ("macs", "mac", "mult-adds", "multiply-adds", "madds", "flops", "flop", "ops",
             "operations", "computations", "multiply-accumulates", "of macs", "of flops",
             "of ops", "computation", "mult adds", "multiply adds", "multadd", "muladds",
             "maccs", "macc", "multiplications", "multiplies", "연산량", "연산 수", "연산",
             "计算量", "运算量", "乘加", "乘加次数", "浮点运算", "演算量", "演算数",
             "rechenaufwand", "operationen", "opérations", "operaciones", "операции",
             "количество операций"),
    "activations": ("memory", "mem", "activations", "activation", "activation memory",
                    "output values", "of activations", "activation size", "activations size",
                    "number of activations", "activation count", "neurons", "# neurons",
                    "메모리", "활성화", "활성화 크기", "内存", "显存", "激活", "激活值",
                    "メモリ", "活性化", "speicher", "aktivierungen", "mémoire", "memoria",
                    "память", "активации"),
    # Memory in bytes (values × bytes per value): a header with a byte unit ("memory (KB)",
    # "Memory [MiB]") is one of these too.
    "activation_bytes": ("activation bytes", "act bytes", "activations bytes", "act. bytes",
                         "activation_bytes", "memory bytes", "bytes", "activation memory bytes",
                         "output bytes", "feature map bytes"),
    "param_bytes": ("param bytes", "param_bytes", "parameter bytes", "params bytes",
                    "weight bytes", "weights bytes", "parameter memory", "param memory",
                    "params memory", "weights memory", "model size", "weight memory"),
    # The receptive field, as `archcalc table --rf` prints it: its size (11×11, global), jump
    # (the stride between neighbouring outputs, in input pixels) and start.
    "rf": ("rf", "receptive field", "rf size", "receptive field size", "receptive fields"),
    "rf_jump": ("jump", "rf jump", "rf_jump", "effective stride", "receptive field jump"),
    "rf_start": ("start", "rf start", "rf_start", "receptive field start"),
    # The column a preset of `table --convention` adds: that tool's count.
    "fvcore_flops": ("fvcore flops", "fvcore_flops", "fvcore"),
    "ptflops_macs": ("ptflops macs", "ptflops_macs", "ptflops"),
    "keras_params": ("keras params", "keras_params", "keras param #"),
    "torchinfo_mult_adds": ("torchinfo mult-adds", "torchinfo_mult_adds", "torchinfo"),
    "thop_macs": ("thop macs", "thop_macs", "thop"),
    # A training step's FLOPs (``table --training``): forward FLOPs + backward FLOPs.
    "training_flops": ("train flops", "training flops", "training_flops", "train_flops",
                       "flops per training step", "training step flops"),
    # Columns that describe the layer (the quiz's own "given" column among them): not marked.
    "describes": ("kind", "type", "layer type", "given", "kernel", "ksp", "description",
                  "operation", "op", "notes", "note", "size stride padding",
                  "patch size stride", "filter", "filters", "kernel size", "stride", "padding",
                  "input", "input size", "kernel stride padding", "fixed", "aux",
                  "activation function", "nonlinearity", "non-linearity", "act", "f", "s", "p",
                  "k", "pad", "filter size", "pool size", "input shape", "input channels",
                  "in channels", "cin", "c_in", "# filters", "number of filters", "connections",
                  "특징", "설명", "종류", "크기", "비고", "类型", "说明", "备注", "種類", "説明",
                  "typ", "beschreibung", "remarque", "tipo", "тип", "описание", "rf via",
                  "rf_via", "via", "row"),
}

_BY_ALIAS = {plain(a): f for f, names in ALIASES.items() for a in names}
FIELDS = ("W", "H", "C", "output", "params", "macs", "activations", "activation_bytes",
          "param_bytes", "rf", "rf_jump", "rf_start", "fvcore_flops", "ptflops_macs",
          "keras_params", "torchinfo_mult_adds", "thop_macs", "training_flops")


def _printed() -> None:
    """The headers archcalc's own layer table prints, and their ``short`` forms (what a text
    table fitted to a narrow terminal prints instead: ``acts``, ``act. B``), read as the field
    of their column: taken from the report's columns themselves, so that a header or an
    abbreviation added there is read here too. (A header cut with a full stop, ``torchin.``,
    is read in ``column``.)"""
    from ..render.report import COLUMNS

    as_field = {"h": "H", "w": "W", "c": "C", "flops": "macs"}
    for key, col in COLUMNS.items():
        field = as_field.get(key, key)
        if field in FIELDS:
            for h in (col.header, col.short):
                if h:
                    _BY_ALIAS.setdefault(plain(h), field)


_printed()
RF_FIELDS = ("rf", "rf_jump", "rf_start")
# A byte unit in a header: "memory (KB)", "Memory [MiB]", "params (MB)", "act. bytes (KiB)".
_BYTES = re.compile(r"^(?P<rest>.*?)(?:\s+in)?[\s(\[,]*\b(?P<unit>bytes|b|kb|mb|gb|kib|mib|gib)"
                    r"[)\]]?\s*$", re.I)
_BYTE_UNITS = {"bytes": "", "b": "", "kb": "K", "mb": "M", "gb": "G", "kib": "Ki", "mib": "Mi",
               "gib": "Gi"}
_AS_BYTES = {"activations": "activation_bytes", "activation_bytes": "activation_bytes",
             "params": "param_bytes", "param_bytes": "param_bytes"}
_UNIT = re.compile(r"^(?P<rest>.*?)(?:\s+in)?[\s(\[,]*\b(?P<unit>[KMGB]|thousands?|millions?|"
                   r"billions?|mio|mln|mrd|(?:[x×]\s*)?10\^?[369]|(?:[x×]\s*)?1e[369])"
                   r"[)\]]?\s*$", re.I)
_UNITS = {"k": "K", "thousand": "K", "thousands": "K", "m": "M", "million": "M",
          "millions": "M", "g": "G", "b": "G", "billion": "G", "billions": "G", "mio": "M",
          "mln": "M", "mrd": "G", "3": "K", "6": "M", "9": "G"}


_ORDER = re.compile(r"^(output(?:\s*(?:size|shape))?|out|shape|size)\s*[(\[]?\s*"
                    r"([CHWсн])\s*[x×*]\s*([CHWсн])\s*[x×*]\s*([CHWсн])\s*[)\]]?$", re.I)


@dataclass(frozen=True)
class Column:
    index: int
    header: str
    field: str            # a key of ALIASES, or "" when not recognised
    unit: str = ""        # "K", "M" or "G" when the header gives one: "Params (M)", "GFLOPs"
    #                       ("Ki", "Mi", "Gi": powers of 1024 whatever K is, "Memory (MiB)")
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
    m = _BYTES.match(header)
    if m and _AS_BYTES.get(_BY_ALIAS.get(plain(m.group("rest")), "")):   # "memory (KB)"
        return Column(index, header, _AS_BYTES[_BY_ALIAS[plain(m.group("rest"))]],
                      _BYTE_UNITS[m.group("unit").lower()])
    m = _UNIT.match(header)
    if m and plain(m.group("rest")) in _BY_ALIAS:       # "Params (M)", "MACs [G]"
        unit = m.group("unit").lower()
        return Column(index, header, _BY_ALIAS[plain(m.group("rest"))],
                      _UNITS.get(unit) or _UNITS[unit[-1]])
    if len(key) > 1 and key[0] in "kmg" and key[1:] in ("flops", "macs", "params", "ops"):
        return Column(index, header, _BY_ALIAS[key[1:]], key[0].upper())   # "GFLOPs"
    cut = _cut(header)
    if cut:
        return Column(index, header, cut)
    return Column(index, header, "")


def _cut(header: str) -> str:
    """The field of a header cut with a full stop, as a text table fitted to a narrow terminal
    prints one that has no short form (``torchin.`` for ``torchinfo mult-adds``, ``Keras p.``
    for ``Keras params``: ``render.table._short``): the one field whose headers begin so, or
    ""."""
    h = header.strip()
    stem = plain(h[:-1])
    if not h.endswith(".") or len(stem) < 3:
        return ""
    found = {f for a, f in _BY_ALIAS.items() if a.startswith(stem)}
    return found.pop() if len(found) == 1 else ""


def columns(header, mapping: dict[str, str] | None = None) -> list[Column]:
    cols = [column(i, h, mapping) for i, h in enumerate(header)]
    # "depth" beside a channels column is not the channels: a rollup's depth (`table --depth`
    # as CSV), a paper's number of layers
    if sum(c.field == "C" for c in cols) > 1:
        cols = [replace(c, field="describes") if c.field == "C" and plain(c.header) == "depth"
                and not (mapping and any(plain(h) == "depth" for h in mapping)) else c
                for c in cols]
    if not any(c.field == "name" for c in cols) and cols and cols[0].field in ("", "describes"):
        cols[0] = Column(0, cols[0].header, "name")    # an unnamed first column names the rows
    return cols


def recognised(header, mapping: dict[str, str] | None = None) -> bool:
    """A header that has a column archcalc can mark."""
    return any(c.field in FIELDS for c in columns(header, mapping))
