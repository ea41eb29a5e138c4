"""What a long run is doing now, for a face to show: the command line draws it as a status line
on a terminal (``cli.Ticker``), after about a second.

No I/O here, and nothing to set up: the loader, the engine, the views and the verifier only name
their step (``step("resnet1202: building layer 812 of 4,207 in torch")``), which costs an
assignment; whoever shows progress reads ``now()`` from its own thread.
"""

from __future__ import annotations

_now = [""]


def step(text: str) -> None:
    """Say what the run is doing now (``""``: nothing worth naming)."""
    _now[0] = text


def now() -> str:
    return _now[0]
