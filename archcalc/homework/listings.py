"""Tables that are not grids of separators: the layer listings that lecture notes and tools print,
read as tables with a header (``answers`` looks for them where it finds no CSV, TSV or Markdown
table at those lines).

- *Listings*, one layer a line, each with its output shape in brackets, then ``key: value``
  pairs or a description: CS231n's ``CONV3-64: [224x224x64]  memory: 224*224*64=3.2M
  weights: (3*3*3)*64 = 1,728``, its ``[55x55x96] CONV1: 96 11x11 filters at stride 4``, and
  d2l's ``Conv2d output shape:  torch.Size([1, 6, 28, 28])``; ``TOTAL params: 138M`` lines
  after one are its total row.
- *Aligned columns*, separated by runs of spaces: Keras' ``model.summary()`` (a layer name that
  wraps onto the next line is joined back, as in ``max_pooling2d (MaxPooling2D`` + ``)``),
  torchsummary's, and Keras 3's box-drawn one; their ``Total params: N`` line is the total row.
"""

from __future__ import annotations

import re

_SHAPE = r"(?:torch\.Size\(\s*\[[^\]]*\]\s*\)|\[[^\]]+\]|\((?:None|\?|-?\d+)(?:\s*,\s*(?:None|\?|-?\d+))*\s*,?\))"
_BULLET = r"^\s*(?:[-*•]\s+|#\s*)?"
_SHAPE_FIRST = re.compile(_BULLET + r"(?P<shape>" + _SHAPE + r")\s+(?P<label>[^:\[\]]+?)\s*"
                          r"(?::\s*(?P<rest>.*))?$")
_LABEL_FIRST = re.compile(_BULLET + r"(?P<label>[^\s:\[\]][^:\[\]]*?)(?:\s+output\s+shape)?\s*:\s*"
                          r"(?P<shape>" + _SHAPE + r")(?P<rest>.*)$", re.I)
_PAIR = re.compile(r"(?:^|\s)(?P<key>[A-Za-z#][\w #./-]{0,30}?)\s*:\s*")
_TOTAL = re.compile(_BULLET + r"total\s+(?P<key>[A-Za-z#][\w #]*?)\s*:\s*(?P<value>.+?)\s*$", re.I)
_RULE = re.compile(r"^\s*[=_\-─━┏┓┗┛┡┩┣┫╇┳┻┃│╋┼+ ]*$")
_BOX = str.maketrans({"│": "|", "┃": "|"})


def _pairs(rest: str) -> tuple[dict[str, str], str]:
    """``memory: 3.2M   weights: 1,728`` → {"memory": "3.2M", "weights": "1,728"}; text that
    is not a pair (a description) is returned beside them."""
    found = list(_PAIR.finditer(rest))
    if not found:
        return {}, rest.strip()
    out = {}
    for k, m in enumerate(found):
        end = found[k + 1].start() if k + 1 < len(found) else len(rest)
        out[m.group("key").strip().lower()] = rest[m.end():end].strip()
    return out, rest[:found[0].start()].strip()


def listing_tables(lines: list[str]) -> list[tuple[str, list[int], list[list[str]]]]:
    """Every listing in the text: ("listing", line numbers with the header's first, cells)."""
    out = []
    i = 0
    while i < len(lines):
        rows, nums = [], []
        while i < len(lines):
            m = _SHAPE_FIRST.match(lines[i]) or _LABEL_FIRST.match(lines[i])
            if not m:
                break
            pairs, desc = _pairs(m.group("rest") or "")
            rows.append((m.group("label").strip(), m.group("shape"), pairs, desc))
            nums.append(i)
            i += 1
        if len(rows) < 3:
            i += 1
            continue
        j = i
        while j < len(lines) and (not lines[j].strip() or _TOTAL.match(lines[j])):
            m = _TOTAL.match(lines[j])
            if m:                           # the TOTAL lines are one total row
                if rows[-1][0] != "TOTAL":
                    rows.append(("TOTAL", "", {}, ""))
                    nums.append(j)
                rows[-1][2][m.group("key").strip().lower()] = m.group("value")
            j += 1
        keys = list(dict.fromkeys(k for label, _, pairs, _ in rows if label != "TOTAL"
                                  for k in pairs))
        rows = [(label, shape, _same_column(pairs, keys), desc)
                for label, shape, pairs, desc in rows]
        keys += [k for k in dict.fromkeys(k for _, _, pairs, _ in rows for k in pairs)
                 if k not in keys]
        described = any(desc for *_, desc in rows)
        header = ["layer", "output"] + keys + (["description"] if described else [])
        cells = [header] + [[label, shape] + [pairs.get(k, "") for k in keys]
                            + ([desc] if described else [])
                            for label, shape, pairs, desc in rows]
        out.append(("listing", [nums[0]] + nums, cells))
    return out


def _same_column(pairs: dict[str, str], keys: list[str]) -> dict[str, str]:
    """A total's pairs put under the rows' column that means the same ("TOTAL params" under
    the rows' "weights")."""
    from .answers import column

    out = {}
    for k, v in pairs.items():
        if k not in keys:
            fld = column(0, k).field
            k = next((key for key in keys if fld and column(0, key).field == fld), k)
        out[k] = v
    return out


def _split(line: str) -> list[str]:
    t = line.translate(_BOX).strip()
    if "|" in t:
        return [c.strip() for c in t.strip("|").split("|")]
    return [c for c in re.split(r"\s{2,}", t) if c]


def aligned_tables(lines: list[str]) -> list[tuple[str, list[int], list[list[str]]]]:
    """Tables whose columns are aligned by spaces (model summaries): a header of at least two
    columns, then rows split the same way; rule lines are skipped, a wrapped name joined."""
    out = []
    i = 0
    while i < len(lines):
        head = _split(lines[i]) if lines[i].strip() and not _RULE.match(lines[i]) else []
        if len(head) < 2 or not re.search(r"shape|param|output", lines[i], re.I):
            i += 1
            continue
        rows, nums = [head], [i]
        j = i + 1
        while j < len(lines):
            s = lines[j]
            if not s.strip() or _RULE.match(s):
                j += 1
                continue
            cells = _split(s)
            total = re.match(r"^\s*total\s+params\s*:\s*(.+)$", s, re.I)
            if total:
                k = next((n for n, h in enumerate(head) if re.search(r"param", h, re.I)),
                         len(head) - 1)
                rows.append(["Total"] + [""] * (k - 1) + [total.group(1).strip()]
                            + [""] * (len(head) - k - 1))
                nums.append(j)
                break
            if len(cells) == 1 and len(rows) > 1 and (len(rows[-1]) >= 2):
                rows[-1][0] = rows[-1][0] + cells[0]       # Keras wraps "(MaxPooling2D" + ")"
                j += 1
                continue
            if len(cells) < 2:
                break
            rows.append(cells)
            nums.append(j)
            j += 1
        if len(rows) >= 3:
            out.append(("aligned", nums, rows))
        i = j if len(rows) >= 3 else i + 1
    return out


_DASHES = re.compile(r"^\s*-{2,}(?: {1,}-+)+\s*$")     # a one-character column: one dash


def ruled_tables(lines: list[str], used: dict[int, set[int]] | None = None
                 ) -> list[tuple[str, list[int], list[list[str]]]]:
    """Tables whose header is underlined by one run of dashes per column (``archcalc table``'s
    text, tabulate's "simple" format): each cell is cut at its column's dashes, so a blank cell
    stays in its column; a second rule before the total row is skipped.

    archcalc's own text fitted to a terminal (``render.table.fitted_lines``) is read back whole:
    a line whose first cell is blank and whose written cells lie under text cells continues the
    row above (a text cell wrapped: "3×3 s1 p1" + "ceil"), and a table cut into parts (each the first
    column and the columns that fit beside it, one under the other) is joined again row by
    row, when the parts follow each other and their first columns are the same. ``used``
    receives, by each table's header line, every line it was read from (its later parts'
    lines included)."""
    out = []
    i = 0
    while i + 1 < len(lines):
        if not (lines[i].strip() and _DASHES.match(lines[i + 1])):
            i += 1
            continue
        spans = [m.span() for m in re.finditer(r"-+", lines[i + 1])]

        def cut(s: str) -> list[str]:
            cells = []
            for k, (a, b) in enumerate(spans):
                end = spans[k + 1][0] if k + 1 < len(spans) else len(s)
                cells.append(s[a:max(b, end)].strip() if k + 1 == len(spans) else s[a:b].strip())
            return cells

        rows, nums = [cut(lines[i])], [i]
        j = i + 2
        while j < len(lines) and lines[j].strip():
            if not _DASHES.match(lines[j]):
                cells = cut(lines[j])
                if len(rows) > 1 and _continues(rows[-1], cells):
                    rows[-1] = [f"{a} {b}" if b else a for a, b in zip(rows[-1], cells)]
                else:
                    rows.append(cells)
                    nums.append(j)
            j += 1
        if len(rows) >= 2:
            last = out[-1] if out else None
            if (last is not None and _follows(lines, last[3], i)
                    and [r[0] for r in last[2]] == [r[0] for r in rows]):
                last[2][:] = [a + b[1:] for a, b in zip(last[2], rows)]
                last[3] = j
            else:
                out.append(["ruled", nums, rows, j])
            if used is not None:
                used.setdefault(out[-1][1][0], set()).update(range(i, j))
        i = j
    return [(fmt, nums, rows) for fmt, nums, rows, _ in out]


_NUMBER = re.compile(r"[\s+-]*\d[\d\s,.'’]*(?:\s*[A-Za-z]{1,3})?(?:\s*\(.*\))?")   # 34,944; 1.2 MB


def _continues(above: list[str], cells: list[str]) -> bool:
    """A wrapped text cell's next line: the first cell blank, every other written cell under a
    written text cell (numbers are never wrapped; a long name is broken anywhere, so the
    piece may be digits: ``block35_10/branches/relu`` + ``6``)."""
    written = [k for k, c in enumerate(cells) if c]
    return (not cells[0] and bool(written) and all(
        above[k] and not _NUMBER.fullmatch(above[k]) for k in written))


def _follows(lines: list[str], end: int, start: int) -> bool:
    """Whether only blank lines lie between a table ending before line ``end`` and the header
    at ``start`` (the next part of a table cut into parts)."""
    return start >= end and all(not lines[k].strip() for k in range(end, start))
