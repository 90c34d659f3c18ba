"""Shared fixtures: the emulator (one per session, reset before each test) and sync/async twins."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest

T = TypeVar("T")


@pytest.fixture(params=["sync", "async"])
def io_mode(request: pytest.FixtureRequest) -> str:
    """Runs a test twice: once through the sync API, once through the async one."""
    return str(request.param)


def _run_io(mode: str, sync_fn: Callable[[], T], async_fn: Callable[[], Awaitable[T]]) -> T:
    if mode == "sync":
        return sync_fn()
    return asyncio.run(_await(async_fn))


@pytest.fixture
def run_io(io_mode: str) -> Callable[[Callable[[], Any], Callable[[], Awaitable[Any]]], Any]:
    """``run_io(sync_fn, async_fn)``: calls ``sync_fn()`` in sync mode, or runs ``async_fn()``
    on a fresh event loop in async mode. Using it makes a test run in both modes."""
    return lambda sync_fn, async_fn: _run_io(io_mode, sync_fn, async_fn)


async def _await(async_fn: Callable[[], Awaitable[T]]) -> T:
    return await async_fn()


@pytest.fixture(scope="session")
def _emulator_session() -> Iterator[Any]:
    from gpt54nano_gateway.emulator import Emulator

    with Emulator() as emu:
        yield emu


@pytest.fixture
def emulator(_emulator_session: Any) -> Any:
    """A running emulator, reset (no queued replies, faults, cache or request log) for this test."""
    _emulator_session.reset()
    return _emulator_session
