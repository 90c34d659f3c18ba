"""Property: whatever a server sends on the Responses API, callers get a result or a `GatewayError`.

The Responses layer of tests/transport/test_fuzz.py: the emulator's ``/v1/responses`` answers
(text, function calls, reasoning with encrypted content, a refusal, ``failed`` and
``incomplete`` responses, an error; streamed and not: `responses_seeds`) are broken by
`tests.support.mutations.mutants` (with the Responses wire's keys and events) and served over
loopback. Each example goes through ``client.responses.create`` and ``client.responses.stream``
(every event read, then ``.response()``), and through ``GPT54Nano(use_responses_api=True)``
``chat`` / ``stream_chat`` (with the tool calls read, as an agent does), sync or async
(run_io). Anything but a `Response` / ``ChatResponse`` or a `GatewayError` subclass (a builtin
exception, a raw pydantic ``ValidationError``) fails, and hypothesis shrinks it to a small body.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole

from gpt54nano_gateway import (
    AsyncGatewayClient,
    GatewayClient,
    GatewayConfig,
    GatewayError,
    Response,
    ResponsesRequest,
)
from llama_index_gpt54nano import GPT54Nano
from tests.support.canned import CannedServer, canned_server
from tests.support.mutations import Seeds, mutants, responses_seeds

pytestmark = pytest.mark.timeout(120)

# Bounded: examples per io mode (sync, async) and test; each one makes two calls.
FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
REQUEST = ResponsesRequest(input="hi")
MESSAGES = [ChatMessage(role=MessageRole.USER, content="hi")]


@pytest.fixture(scope="module")
def seeds(_emulator_session: Any) -> Seeds:
    _emulator_session.reset()  # module scope: the per-test `emulator` fixture is too late
    return responses_seeds(_emulator_session)


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
def test_responses_give_a_response_or_a_gateway_error(
    data: st.DataObject, seeds: Seeds, server: CannedServer, run_io: Any
) -> None:
    config = GatewayConfig(
        account_id="acct", api_token="tok-fuzz", base_url=server.base_url, max_retries=0
    )
    sync, aio = GatewayClient(config), AsyncGatewayClient(config)

    def sync_stream() -> Response:
        with sync.responses.stream(REQUEST) as events:
            for _ in events:
                pass
            return events.response()

    async def async_create() -> Response:
        return await aio.responses.create(REQUEST)

    async def async_stream() -> Response:
        async with aio.responses.stream(REQUEST) as events:
            async for _ in events:
                pass
            return await events.response()

    mutant = data.draw(mutants(seeds, responses=True))
    server.serve(mutant.status, mutant.content_type, mutant.body)
    for result in (
        outcome(lambda: run_io(lambda: sync.responses.create(REQUEST), async_create)),
        outcome(lambda: run_io(sync_stream, async_stream)),
    ):
        assert isinstance(result, Response | GatewayError)
        if isinstance(result, Response):  # what a caller reads next must not raise either
            read = (result.output_text, result.function_calls, result.reasoning, result.refusal)
            assert isinstance(read[0], str)


@FUZZ
@given(data=st.data())
def test_llm_on_responses_gives_a_response_or_a_gateway_error(
    data: st.DataObject, seeds: Seeds, server: CannedServer, run_io: Any
) -> None:
    llm = GPT54Nano(
        base_url=server.base_url,
        account_id="acct",
        api_key="tok-fuzz",
        max_retries=0,
        use_responses_api=True,
    )

    async def achat() -> list[ChatResponse]:
        return [await llm.achat(MESSAGES)]

    async def astream() -> list[ChatResponse]:
        return [response async for response in await llm.astream_chat(MESSAGES)]

    mutant = data.draw(mutants(seeds, responses=True))
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
