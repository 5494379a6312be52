"""Keep Python's full garbage collections off the objects a run did not create.

A process that has imported Prefect holds hundreds of thousands of long-lived objects (modules,
classes, pydantic schemas). Every pull allocates millions of short-lived containers (one dict or
list per JSON object), and each time that triggers a generation-2 collection, CPython walks the
whole heap: a stall of the event loop that delays every partition's next page (measured in
bench/RESULTS.md). `gc.freeze()` moves what exists before the run out of the collector's sight
(nothing is freed or leaked by that: the objects are alive) and `gc.unfreeze()` hands them back
afterwards, so collections during the run walk only the run's own objects. Flows apply it to
their bodies; the engine knows nothing of it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_froze = False


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
