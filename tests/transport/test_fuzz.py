"""Property: whatever a server sends, the transport returns a result or raises a `GatewayError`.

Real answers (wire corpus, emulator) are broken by `tests.support.mutations.mutants` and served
over loopback (`tests.support.canned`); each example goes through ``create`` and ``stream``, sync
or async (run_io). Anything but a `ChatCompletion` or a `GatewayError` subclass (a builtin
exception, a raw pydantic ``ValidationError``) fails, and hypothesis shrinks it to a small body.
The LangChain and LlamaIndex layers have the same test in their folders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpt54nano_gateway import (
    AsyncGatewayClient,
    ChatCompletion,
    GatewayClient,
    GatewayConfig,
    GatewayError,
)
from tests.support.canned import CannedServer, canned_server
from tests.support.mutations import Seeds, all_seeds, mutants

pytestmark = pytest.mark.timeout(120)

# Bounded: examples per io mode (sync, async), each one create and one stream.
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
REQUEST = {"messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture(scope="module")
def seeds(_emulator_session: Any) -> Seeds:
    _emulator_session.reset()  # module scope: the per-test `emulator` fixture is too late
    return all_seeds(_emulator_session)


@pytest.fixture(scope="module")
def server() -> Iterator[CannedServer]:
    with canned_server() as canned:
        yield canned


def outcome(call: Callable[[], Any]) -> Any:
    """The result, or the `GatewayError` raised; anything else propagates (and fails)."""
    try:
        return call()
    except GatewayError as error:
        return error


@FUZZ
@given(data=st.data())
def test_transport_gives_a_result_or_a_gateway_error(
    data: st.DataObject, seeds: Seeds, server: CannedServer, run_io: Any
) -> None:
    config = GatewayConfig(
        account_id="acct", api_token="tok-fuzz", base_url=server.base_url, max_retries=0
    )
    sync, aio = GatewayClient(config), AsyncGatewayClient(config)

    def sync_stream() -> ChatCompletion:
        with sync.stream(REQUEST) as stream:
            for _ in stream:
                pass
            return stream.completion()

    async def async_create() -> ChatCompletion:
        return await aio.create(REQUEST)

    async def async_stream() -> ChatCompletion:
        async with aio.stream(REQUEST) as stream:
            async for _ in stream:
                pass
            return await stream.completion()

    mutant = data.draw(mutants(seeds))
    server.serve(mutant.status, mutant.content_type, mutant.body)
    for result in (
        outcome(lambda: run_io(lambda: sync.create(REQUEST), async_create)),
        outcome(lambda: run_io(sync_stream, async_stream)),
    ):
        assert isinstance(result, ChatCompletion | GatewayError)
