"""run_engine: the flows' sync tasks run engine coroutines, with or without a loop around them."""

from __future__ import annotations

import asyncio
import threading

import pytest

from flows._engine import run_engine


def test_runs_a_coroutine_on_a_fresh_loop_and_returns_its_result() -> None:
    async def work() -> tuple[int, int]:
        await asyncio.sleep(0)
        return 42, threading.get_ident()

    value, ident = run_engine(work)
    assert value == 42 and ident == threading.get_ident()


def test_errors_come_out_as_they_are() -> None:
    async def work() -> None:
        raise LookupError("page 3 failed")

    with pytest.raises(LookupError, match="page 3 failed"):
        run_engine(work)


async def test_inside_a_running_loop_the_coroutine_runs_on_a_helper_thread() -> None:
    outer = threading.get_ident()

    async def work() -> int:
        await asyncio.sleep(0)
        return threading.get_ident()

    assert run_engine(work) != outer


def test_an_error_of_the_work_is_not_chained_to_the_missing_loop() -> None:
    async def work() -> None:
        raise LookupError("the real cause")

    with pytest.raises(LookupError) as raised:
        run_engine(work)
    assert raised.value.__context__ is None  # no "During handling of ... no running event loop"
