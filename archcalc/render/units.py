"""Printing numbers: exact with thousands separators (the default), or with SI prefixes.

Counts stay exact integers everywhere else; this is the one place that rounds, and only for
printing. ``--units si`` writes 61,100,840 as ``61.1 M`` and 714,197,696 as ``0.71 G``: each
value takes the largest prefix at which it reads at least 0.5, then three significant digits
(two decimals below 1). With ``kilo = 1000`` the prefixes are k, M, G, T (1 k = 1000); with
``kilo = 1024`` (GoogLeNet's Table 1 counts so) they are K, M, G, T with 1 K = 1024, 1 M = 1024².
"""

from __future__ import annotations

from ..core.working import exact  # noqa: F401  (``62,378,344``; one definition, the working's)

UNITS = ("exact", "si")
KILOS = (1000, 1024)
PREFIXES = {1000: ("", "k", "M", "G", "T"), 1024: ("", "K", "M", "G", "T")}
BYTE_PREFIXES = {1000: ("B", "kB", "MB", "GB", "TB"), 1024: ("B", "KiB", "MiB", "GiB", "TiB")}




def scaled(v: int, kilo: int = 1000, prefixes: tuple[str, ...] | None = None) -> str:
    """``61.1 M``: ``v`` in the largest prefix at which it reads ≥ 0.5 (never below 1 unit)."""
    prefixes = prefixes or PREFIXES[kilo]
    i = 0
    while i + 1 < len(prefixes) and abs(v) >= kilo ** (i + 1) // 2:
        i += 1
    if i == 0:
        return f"{v:,}" + (f" {prefixes[0]}" if prefixes[0] else "")
    x = v / kilo ** i
    text = f"{x:.2f}" if abs(x) < 1 else f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"
    return f"{text} {prefixes[i]}"


def number(v: int, units: str = "exact", kilo: int = 1000) -> str:
    """A count as printed in a table cell."""
    return exact(v) if units == "exact" else scaled(v, kilo)


def nbytes(v: int) -> str:
    """Bytes with both prefixes, decimal then binary: ``1.61 MB (1.53 MiB)``."""
    dec, binary = scaled(v, 1000, BYTE_PREFIXES[1000]), scaled(v, 1024, BYTE_PREFIXES[1024])
    return dec if dec == binary else f"{dec} ({binary})"


def both_bytes(v: int) -> str:
    """``60,950,432 B = 60.95 MB = 58.13 MiB``: exact, then decimal and binary, each named."""
    if v < 1000:
        return f"{v:,} B"
    return f"{v:,} B = {_fixed(v, 1000, BYTE_PREFIXES[1000])} = {_fixed(v, 1024, BYTE_PREFIXES[1024])}"


def _fixed(v: int, kilo: int, names: tuple[str, ...]) -> str:
    i = 0
    while i + 1 < len(names) and v >= kilo ** (i + 1):
        i += 1
    return f"{v / kilo ** i:,.2f} {names[i]}"


def legend(units: str, kilo: int) -> str:
    """The footer line that says how numbers were printed."""
    if units == "exact":
        return "exact integers (--units si for SI prefixes)"
    p = PREFIXES[kilo]
    return (f"numbers are rounded for printing with SI prefixes, 1 {p[1]} = {kilo:,}, "
            f"1 M = {kilo ** 2:,}, 1 G = {kilo ** 3:,} (--kilo {kilo}); three significant "
            "digits, two decimals below 1")
