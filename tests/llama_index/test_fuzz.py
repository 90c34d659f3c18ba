"""Property: whatever a server sends, GPT54Nano returns a response or raises a `GatewayError`.

The LlamaIndex layer of tests/transport/test_fuzz.py: the same mutated real answers, through
``chat`` and ``stream_chat``, sync or async (run_io); the tool calls of each response are read
too (``get_tool_calls_from_response``), as an agent does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole

from gpt54nano_gateway import GatewayError
from llama_index_gpt54nano import GPT54Nano
from tests.support.canned import CannedServer, canned_server
from tests.support.mutations import Seeds, all_seeds, mutants

pytestmark = pytest.mark.timeout(120)

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
MESSAGES = [ChatMessage(role=MessageRole.USER, content="hi")]


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
def test_llm_gives_a_response_or_a_gateway_error(
    data: st.DataObject, seeds: Seeds, server: CannedServer, run_io: Any
) -> None:
    llm = GPT54Nano(base_url=server.base_url, account_id="acct", api_key="tok-fuzz", max_retries=0)

    async def achat() -> list[ChatResponse]:
        return [await llm.achat(MESSAGES)]

    async def astream() -> list[ChatResponse]:
        return [response async for response in await llm.astream_chat(MESSAGES)]

    mutant = data.draw(mutants(seeds))
    server.serve(mutant.status, mutant.content_type, mutant.body)
    for result in (
        outcome(lambda: run_io(lambda: [llm.chat(MESSAGES)], achat)),
        outcome(lambda: run_io(lambda: list(llm.stream_chat(MESSAGES)), astream)),
    ):
        if isinstance(result, GatewayError):
            continue
        assert all(isinstance(response, ChatResponse) for response in result)
        for response in result:
            llm.get_tool_calls_from_response(response, error_on_no_tool_call=False)
