"""Process-level helpers shared by every layer."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Hold the cyclic garbage collector during a bulk load.

    Building tens of thousands of small objects (a 25,000-mention article) sets the collector
    off again and again, each pass scanning the whole heap; none of these objects form cycles,
    so collection can wait until the load is done.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
