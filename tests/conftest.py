"""Shared fixtures: the emulator (one per session, reset before each test) and sync/async twins."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

# Real Cloudflare credentials from the developer's shell. Captured before any test runs, then
# hidden from every test except the `live` ones, so that no emulator test can reach Cloudflare
# by accident and `from_env` tests see exactly the environment they set up.
CLOUDFLARE_ENV_VARS = (
    "CLOUDFLARE_ACCOUNT_ID",
    "CLOUDFLARE_API_TOKEN",
    "CLOUDFLARE_AI_GATEWAY_ID",
    "CLOUDFLARE_BASE_URL",
    "CF_ACCOUNT_ID",
    "CF_AI_API_TOKEN",
)
LIVE_ENV = {name: os.environ[name] for name in CLOUDFLARE_ENV_VARS if os.environ.get(name)}


@pytest.fixture(autouse=True)
def _hide_cloudflare_credentials(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if request.node.get_closest_marker("live") is None:
        for name in CLOUDFLARE_ENV_VARS:
            monkeypatch.delenv(name, raising=False)


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
    from gpt54nano_emulator import Emulator

    with Emulator() as emu:
        yield emu


@pytest.fixture
def emulator(_emulator_session: Any) -> Any:
    """A running emulator, reset (no queued replies, faults, cache or request log) for this test."""
    _emulator_session.reset()
    return _emulator_session
