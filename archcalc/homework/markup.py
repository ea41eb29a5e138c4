"""Tables written in markup rather than as a grid of separators: an HTML ``<table>``, a LaTeX
``tabular`` and archcalc's own JSON table (``archcalc table --format json``), each read as a
header and rows of plain text cells, with the line each row came from (``answers`` looks for
them beside its CSV, TSV and Markdown tables).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

Found = tuple[str, list[int], list[list[str]]]     # (format, line numbers, cells), header first


# --- HTML -------------------------------------------------------------------------------------

class _Tables(HTMLParser):
    """Every ``<table>``'s rows: the text of each ``<th>``/``<td>``, and each row's line."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[list[int], list[list[str]]]] = []
        self._stack: list[tuple[list[int], list[list[str]]]] = []
        self._cell: list[str] | None = None
        self._skip = 0                  # inside <script>, <style>, <caption>

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "caption"):
            self._skip += 1
        elif tag == "table":
            self._stack.append(([], []))
        elif self._stack and tag == "tr":
            self._stack[-1][0].append(self.getpos()[0] - 1)
            self._stack[-1][1].append([])
        elif self._stack and tag in ("td", "th") and self._stack[-1][1]:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "caption"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("td", "th") and self._cell is not None and self._stack:
            self._stack[-1][1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())

    def handle_data(self, data):
        if self._cell is not None and not self._skip:
            self._cell.append(data)


def html_tables(text: str) -> list[Found]:
    if not re.search(r"<table\b", text, re.I):
        return []
    p = _Tables()
    try:
        p.feed(text)
        p.close()
    except Exception:                    # html.parser is lenient; anything else: no table
        return []
    out = []
    for nums, rows in sorted(p.tables, key=lambda t: t[0][:1]):
        keep = [(n, r) for n, r in zip(nums, rows) if r]
        if len(keep) >= 2:
            out.append(("html", [n for n, _ in keep], [r for _, r in keep]))
    return out


# --- LaTeX ------------------------------------------------------------------------------------

_TEX = [(r"\$\\times\$", "×"), (r"\\times", "×"), (r"\\cdot", "·"), (r"\\,", ""),
        (r"\\textbf\{([^{}]*)\}", r"\1"), (r"\\emph\{([^{}]*)\}", r"\1"),
        (r"\\text\w*\{([^{}]*)\}", r"\1"), (r"\\mathrm\{([^{}]*)\}", r"\1"),
        (r"\\multicolumn\{\d+\}\{[^{}]*\}\{([^{}]*)\}", r"\1"), (r"\\([_%&#$])", r"\1"),
        (r"---", "—"), (r"--", "–"), (r"\$", ""), (r"[{}]", "")]
_RULES = re.compile(r"\\(?:toprule|midrule|bottomrule|hline|cline\{[^}]*\}|cmidrule\S*)")


def _tex_cell(c: str) -> str:
    c = c.strip()
    for pat, rep in _TEX:
        c = re.sub(pat, rep, c)
    return " ".join(c.split())


def latex_tables(lines: list[str]) -> list[Found]:
    out = []
    i = 0
    while i < len(lines):
        if not re.search(r"\\begin\{(?:tabular|longtable|tabularx)\*?\}", lines[i]):
            i += 1
            continue
        nums, rows = [], []
        i += 1
        while i < len(lines) and not re.search(r"\\end\{(?:tabular|longtable|tabularx)",
                                              lines[i]):
            s = _RULES.sub("", lines[i]).strip()
            if "&" in s:
                s = re.sub(r"\\\\\s*(?:\[[^\]]*\])?\s*$", "", s)
                rows.append([_tex_cell(c) for c in re.split(r"(?<!\\)&", s)])
                nums.append(i)
            i += 1
        if len(rows) >= 2:
            out.append(("latex", nums, rows))
    return out


# --- archcalc's JSON table ---------------------------------------------------------------------

# The fields of a layer that ``check`` marks, with the header they are read under.
_JSON_FIELDS = (("params", "params"), ("macs", "MACs"), ("flops", "FLOPs"),
                ("activations", "activations"), ("training_flops", "train FLOPs"))


def json_tables(text: str, lines: list[str]) -> list[Found]:
    """``archcalc table --format json``: its layers and totals as a table (the output shape,
    given as [C, H, W], under a header that says so)."""
    if not text.lstrip().startswith("{"):
        return []
    try:
        d = json.loads(text)
    except ValueError:
        return []
    layers = d.get("layers") if isinstance(d, dict) else None
    if not isinstance(layers, list) or not layers or not all(
            isinstance(x, dict) and isinstance(x.get("name"), str) for x in layers):
        return []
    keys = [(k, h) for k, h in _JSON_FIELDS if any(k in x for x in layers)]
    header = ["layer", "output (C×H×W)"] + [h for _, h in keys]
    rows, nums = [header], [0]
    at = 0
    for x in layers:
        at = _line_of(lines, f'"name": {json.dumps(x["name"])}', at)
        rows.append([x["name"], _shape(x)] + [_num(x.get(k)) for k, _ in keys])
        nums.append(at)
    totals = d.get("totals")
    if isinstance(totals, dict):
        at = _line_of(lines, '"totals"', at)
        rows.append(["total", ""] + [_num(totals.get(k)) for k, _ in keys])
        nums.append(at)
    return [("json", nums, rows)]


def _line_of(lines: list[str], needle: str, start: int) -> int:
    return next((i for i in range(start, len(lines)) if needle in lines[i]), start)


def _shape(x: dict) -> str:
    o = x.get("output")
    if not isinstance(o, list) or not all(isinstance(v, int) for v in o):
        return ""
    if x.get("flat") and o:
        return str(o[0])
    return "×".join(str(v) for v in o)


def _num(v) -> str:
    return str(v) if isinstance(v, int) and not isinstance(v, bool) else ""
