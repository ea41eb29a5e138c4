"""Building records in bulk, without the cyclic garbage collector's passes.

Expanding a spec and analysing it allocate one small record after another and free almost
nothing, so the collector's generation counters keep tripping and each full pass walks the whole,
still growing, heap: at 100,000 layers those passes cost about as much as the work itself. The
records hold no reference cycles (reference counting frees them), so the collector is paused for
the duration and restored after.
"""

from __future__ import annotations

import functools
import gc


def without_gc(fn):
    """``fn``, run with the cyclic garbage collector paused (and restored as it was)."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        was = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if was:
                gc.enable()

    return run
