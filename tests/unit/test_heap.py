"""frozen_heap: the heap before a run is out of the collector's sight during it, and only then."""

from __future__ import annotations

import gc
import threading

from flows._heap import frozen_heap


def collectable() -> set[int]:
    """Ids of the objects the collector walks (its three generations, not the frozen ones)."""
    return {id(o) for generation in range(3) for o in gc.get_objects(generation=generation)}


def test_objects_from_before_the_run_are_frozen_and_handed_back_after() -> None:
    assert gc.get_freeze_count() == 0
    before: list[int] = []  # a container: the collector tracks it (a bare object() it does not)
    with frozen_heap():
        frozen = gc.get_freeze_count()
        assert frozen > 0
        during = [[] for _ in range(1000)]  # the run's own objects stay collectable
        # Not the freeze count: other threads (Prefect's) may free frozen objects meanwhile.
        walked = collectable()
        assert id(during) in walked and id(before) not in walked
        del during
    assert gc.get_freeze_count() == 0
    assert id(before) in collectable()


def test_nested_and_concurrent_runs_share_one_freeze_until_the_last_leaves() -> None:
    first_in = threading.Event()
    second_left = threading.Event()
    seen: dict[str, int] = {}

    def first() -> None:
        with frozen_heap():
            first_in.set()
            second_left.wait(10)
            seen["first, after second left"] = gc.get_freeze_count()

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(10)
    with frozen_heap(), frozen_heap():
        seen["second, nested"] = gc.get_freeze_count()
    second_left.set()
    thread.join(10)
    assert seen["second, nested"] > 0
    assert seen["first, after second left"] > 0  # the second run did not unfreeze the first's
    assert gc.get_freeze_count() == 0


def test_the_freeze_is_released_when_the_run_fails() -> None:
    try:
        with frozen_heap():
            raise RuntimeError("page 7 failed")
    except RuntimeError:
        pass
    assert gc.get_freeze_count() == 0


def test_works_as_a_decorator_for_flow_bodies() -> None:
    @frozen_heap()
    def body() -> int:
        return gc.get_freeze_count()

    assert body() > 0 and gc.get_freeze_count() == 0


def test_a_heap_the_process_froze_itself_stays_frozen() -> None:
    gc.freeze()
    try:
        theirs = gc.get_freeze_count()
        # Frozen objects that other threads of the test session free (Prefect's services, say)
        # leave the count; an unfreeze would empty it.
        with frozen_heap():
            assert gc.get_freeze_count() > theirs // 2
        assert gc.get_freeze_count() > theirs // 2  # not unfrozen under them
    finally:
        gc.unfreeze()
