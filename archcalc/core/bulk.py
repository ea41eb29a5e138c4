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


def streamed_without_gc(fn):
    """``fn``, a generator function, run with the collector paused from its first item to its
    last (or until it is closed), the consumer's work between items included: a document
    written piece by piece makes and frees objects in bulk, and the collector's full passes
    would walk the whole heap (a million layers' records) again and again."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        was = gc.isenabled()
        gc.disable()
        try:
            yield from fn(*args, **kwargs)
        finally:
            if was:
                gc.enable()

    return run
