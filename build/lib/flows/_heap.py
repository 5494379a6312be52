"""Keep Python's full garbage collections off the objects a run did not create.

A process that has imported Prefect holds hundreds of thousands of long-lived objects (modules,
classes, pydantic schemas). Every pull allocates millions of short-lived containers (one dict or
list per JSON object), and each time that triggers a generation-2 collection, CPython walks the
whole heap: a stall of the event loop that delays every partition's next page (measured in
bench/RESULTS.md). `gc.freeze()` moves what exists before the run out of the collector's sight
(nothing is freed or leaked by that: the objects are alive) and `gc.unfreeze()` hands them back
afterwards, so collections during the run walk only the run's own objects. Flows apply it to
their bodies; the engine knows nothing of it. The first run of a process also caps glibc's
malloc arenas (`MALLOC_ARENAS`), for the same reason: the memory of a run, not of its threads.
"""

from __future__ import annotations

import ctypes
import gc
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_froze = False
_arenas_capped = False

MALLOC_ARENAS = 2
"""glibc's malloc arenas for a process that runs flows (its default: 8 per core).

A full read parses and writes pages in a dozen threads that take turns on the GIL; with an arena
per thread, memory freed in one stays reserved by it, and a pull's peak RSS grew with the size
of the entity (bench measure 3: 165 MiB at 10 000 customers, 200 at 160 000; with 2 arenas
152 and 166). The cap applies once per process, when its first run starts, and never where
MALLOC_ARENA_MAX is set: the operator's choice wins.
"""
_M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h


def _cap_malloc_arenas() -> None:
    global _arenas_capped
    if _arenas_capped or "MALLOC_ARENA_MAX" in os.environ or not sys.platform.startswith("linux"):
        return
    _arenas_capped = True
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(_M_ARENA_MAX, MALLOC_ARENAS)
    except (OSError, AttributeError):  # not glibc (musl has no such tunable): nothing to cap
        pass


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Freeze the heap for the duration of the block; nested and concurrent uses share one freeze.

    The first block to enter freezes and the last to leave unfreezes, so flows running side by
    side in threads (`sync_all`) never unfreeze under one another. A process that froze its heap
    itself (a pre-forking server does, for copy-on-write) is left as it is: unfreezing would
    undo its freeze.
    """
    global _depth, _froze
    with _lock:
        _cap_malloc_arenas()
        if _depth == 0:
            _froze = gc.get_freeze_count() == 0
            if _froze:
                gc.freeze()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _froze:
                gc.unfreeze()
                _froze = False
