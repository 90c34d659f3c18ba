"""The async pools of an event loop are closed when that loop ends, and only that loop's.

Against the emulator, over real sockets: a loop run by ``asyncio.run`` / ``uvloop.run`` (both call
``loop.shutdown_asyncgens()`` before closing) leaves its pool closed and unregistered, while a
loop still running in another thread keeps its pool open and working. The user-level proof (a
pytest-asyncio suite under ``-W error``) is tests/proof/test_event_loops.py.
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
import pytest

from gpt54nano_gateway import AsyncGatewayClient, GatewayConfig, _pool

pytestmark = pytest.mark.timeout(60)

REQUEST = {"messages": [{"role": "user", "content": "Hi"}]}
Runner = Callable[[Coroutine[Any, Any, Any]], Any]


def _uvloop_run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    import uvloop

    return uvloop.run(coroutine)


RUNNERS = [
    pytest.param(asyncio.run, id="asyncio.run"),
    pytest.param(
        _uvloop_run,
        id="uvloop.run",
        marks=pytest.mark.skipif(importlib.util.find_spec("uvloop") is None, reason="no uvloop"),
    ),
]


def _config(emulator: Any, **fields: Any) -> GatewayConfig:
    return GatewayConfig(
        account_id=emulator.account_id,
        api_token=emulator.api_token,
        base_url=emulator.base_url,
        **fields,
    )


@pytest.mark.parametrize("run", RUNNERS)
def test_a_loop_that_ends_closes_its_pools(emulator: Any, run: Runner) -> None:
    configs = [_config(emulator), _config(emulator, max_connections=3)]  # two pools on one loop

    async def use_pools() -> list[httpx.AsyncClient]:
        pools = []
        for config in configs:
            client = AsyncGatewayClient(config)
            await client.create(REQUEST)
            pools.append(client._http)
        return pools

    pools = run(use_pools())
    assert [pool.is_closed for pool in pools] == [True, True]
    assert _pool.pool_count()[1] == 0  # nothing registered for the ended loop


@pytest.mark.parametrize("run", RUNNERS)
def test_another_loops_pool_is_left_alone(emulator: Any, run: Runner) -> None:
    config = _config(emulator)
    background = asyncio.new_event_loop()
    thread = threading.Thread(target=background.run_forever, daemon=True)
    thread.start()

    def on_background(coroutine: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, background).result(timeout=30)

    async def call() -> httpx.AsyncClient:
        client = AsyncGatewayClient(config)
        await client.create(REQUEST)
        return client._http

    try:
        kept = on_background(call())
        ended = run(call())
        assert (ended.is_closed, kept.is_closed) == (True, False)
        assert on_background(call()) is kept  # still the background loop's pool, still working
    finally:
        on_background(_pool.aclose_async_pool())
        background.call_soon_threadsafe(background.stop)
        thread.join(timeout=10)
        background.close()
