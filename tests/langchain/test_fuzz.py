"""Property: whatever a server sends, ChatGPT54Nano returns a message or raises a `GatewayError`.

The LangChain layer of tests/transport/test_fuzz.py: the same mutated real answers, through
``invoke`` and ``stream``, sync or async (run_io). A builtin exception, a raw pydantic
``ValidationError`` or langchain-core's own ``ValueError`` fails the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, AIMessageChunk

from gpt54nano_gateway import GatewayError
from langchain_gpt54nano import ChatGPT54Nano
from tests.support.canned import CannedServer, canned_server
from tests.support.mutations import Seeds, all_seeds, mutants

pytestmark = pytest.mark.timeout(120)

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


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
def test_chat_model_gives_a_message_or_a_gateway_error(
    data: st.DataObject, seeds: Seeds, server: CannedServer, run_io: Any
) -> None:
    llm = ChatGPT54Nano(
        base_url=server.base_url, account_id="acct", api_key="tok-fuzz", max_retries=0
    )

    async def ainvoke() -> AIMessage:
        return await llm.ainvoke("hi")

    async def astream() -> list[AIMessageChunk]:
        return [chunk async for chunk in llm.astream("hi")]

    mutant = data.draw(mutants(seeds))
    server.serve(mutant.status, mutant.content_type, mutant.body)
    invoked = outcome(lambda: run_io(lambda: llm.invoke("hi"), ainvoke))
    assert isinstance(invoked, AIMessage | GatewayError)
    streamed = outcome(lambda: run_io(lambda: list(llm.stream("hi")), astream))
    assert isinstance(streamed, GatewayError) or all(
        isinstance(chunk, AIMessageChunk) for chunk in streamed
    )
