"""Malformed Responses API output: a `GatewayError` subclass, never a builtin exception or a hang.

Each case is one body that leaked (found by test_fuzz_responses.py, or by reading the code it
drives), served over loopback by `tests.support.canned`, through the transport's
``client.responses`` and through ``GPT54Nano(use_responses_api=True)``, sync and async.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole

from gpt54nano_gateway import (
    AsyncGatewayClient,
    GatewayClient,
    GatewayConfig,
    Response,
    ResponseParseError,
    ResponsesRequest,
    StreamTruncatedError,
)
from gpt54nano_gateway.responses_convert import response_to_chat_completion
from llama_index_gpt54nano import GPT54Nano
from tests.support.canned import JSON, SSE, CannedServer, canned_server

pytestmark = pytest.mark.timeout(30)  # a padding loop over a huge index once hung here

REQUEST = ResponsesRequest(input="hi")
HEADER = {"id": "resp_1", "object": "response", "created_at": 1, "model": "m", "output": []}
MESSAGE = {"type": "message", "id": "msg_1", "role": "assistant", "content": []}
HUGE = 10**12


def event(**fields: Any) -> str:
    return f"event: {fields['type']}\ndata: {json.dumps(fields)}\n\n"


def created(**header: Any) -> str:
    return event(type="response.created", response={**HEADER, "status": "in_progress", **header})


def added(item: dict[str, Any], index: int = 0) -> str:
    return event(type="response.output_item.added", output_index=index, item=item)


@pytest.fixture(scope="module")
def server() -> Iterator[CannedServer]:
    with canned_server() as canned:
        yield canned


def config(server: CannedServer) -> GatewayConfig:
    return GatewayConfig(
        account_id="acct", api_token="tok-malformed", base_url=server.base_url, max_retries=0
    )


def stream_response(server: CannedServer, run_io: Any) -> Response:
    sync, aio = GatewayClient(config(server)), AsyncGatewayClient(config(server))

    def read() -> Response:
        with sync.responses.stream(REQUEST) as events:
            list(events)
            return events.response()

    async def aread() -> Response:
        async with aio.responses.stream(REQUEST) as events:
            [e async for e in events]
            return await events.response()

    return run_io(read, aread)  # type: ignore[no-any-return]


def create_response(server: CannedServer, run_io: Any) -> Response:
    sync, aio = GatewayClient(config(server)), AsyncGatewayClient(config(server))
    return run_io(lambda: sync.responses.create(REQUEST), lambda: aio.responses.create(REQUEST))  # type: ignore[no-any-return]


# Each stream is refused at the event that is not what its type says (before: a raw pydantic
# ValidationError, a TypeError or an IndexError when the partial response was assembled).
BAD_EVENTS = {
    "created: a non-finite id": created().replace('"resp_1"', "1e99999"),
    "completed: output not a list": event(type="response.completed", response={"output": "x"}),
    "failed: output not a list": event(type="response.failed", response={"output": 5}),
    "item added: content not a list": added({**MESSAGE, "content": 5}),
    "item added: a content part not an object": added({**MESSAGE, "content": ["x"]}),
    "item added: a reasoning item without an id": added({"type": "reasoning", "summary": []}),
    "item done: a summary not a list": event(
        type="response.output_item.done",
        output_index=0,
        item={"type": "reasoning", "id": "rs_1", "summary": 3},
    ),
    "delta: a negative content index": added(MESSAGE)
    + event(type="response.output_text.delta", output_index=0, content_index=-1, delta="x"),
    "delta: a negative summary index": event(
        type="response.reasoning_summary_text.delta", output_index=0, summary_index=-2, delta="x"
    ),
    "delta: a negative output index": event(
        type="response.output_text.delta", output_index=-1, delta="x"
    ),
}


@pytest.mark.parametrize("body", list(BAD_EVENTS.values()), ids=list(BAD_EVENTS))
def test_an_event_of_the_wrong_shape_is_a_parse_error(
    body: str, server: CannedServer, run_io: Any
) -> None:
    server.serve(200, SSE, (created() + body).encode())
    with pytest.raises(ResponseParseError) as info:
        stream_response(server, run_io)
    assert str(info.value).startswith("a stream event is not a JSON Responses event")
    assert info.value.status_code == 200
    assert isinstance(info.value.partial, Response)


def test_a_huge_content_index_does_not_pad_the_parts(server: CannedServer, run_io: Any) -> None:
    # Once a loop padded the message's parts up to the index: a hang (and memory) on one event.
    body = (
        created()
        + added(MESSAGE)
        + event(type="response.output_text.delta", output_index=0, content_index=HUGE, delta="x")
        + event(type="response.output_text.delta", output_index=0, content_index=0, delta="a")
    )
    server.serve(200, SSE, body.encode())
    with pytest.raises(StreamTruncatedError) as info:
        stream_response(server, run_io)
    partial = info.value.partial
    assert isinstance(partial, Response)
    assert partial.model_dump(exclude={"meta"})["output"] == [
        {
            **MESSAGE,
            "status": None,
            "content": [
                {"type": "output_text", "text": "a", "annotations": []},
                {"type": "output_text", "text": "x", "annotations": []},
            ],
        }
    ]


def test_a_huge_summary_index_does_not_pad_the_summary(server: CannedServer, run_io: Any) -> None:
    reasoning = {"type": "reasoning", "id": "rs_1", "summary": []}
    body = (
        created()
        + added(reasoning)
        + event(
            type="response.reasoning_summary_text.delta",
            output_index=0,
            summary_index=HUGE,
            delta="later",
        )
    )
    server.serve(200, SSE, body.encode())
    with pytest.raises(StreamTruncatedError) as info:
        stream_response(server, run_io)
    partial = info.value.partial
    assert isinstance(partial, Response)
    assert partial.model_dump(exclude={"meta"})["output"] == [
        {**reasoning, "encrypted_content": None, "status": None,
         "summary": [{"type": "summary_text", "text": "later"}]},
    ]  # fmt: skip


def test_a_non_finite_created_at_is_a_parse_error(server: CannedServer, run_io: Any) -> None:
    # Once a Response with created_at=inf, and response_to_chat_completion's int() overflowed.
    body = json.dumps({**HEADER, "status": "completed"}).replace(
        '"created_at": 1', '"created_at": 1e99999'
    )
    server.serve(200, JSON, body.encode())
    with pytest.raises(ResponseParseError) as info:
        create_response(server, run_io)
    assert str(info.value).startswith("the response is not a JSON Responses API object")
    # A finite one still converts.
    server.serve(200, JSON, json.dumps({**HEADER, "status": "completed"}).encode())
    assert response_to_chat_completion(create_response(server, run_io)).created == 1


def test_llama_index_stream_with_a_huge_summary_index(server: CannedServer, run_io: Any) -> None:
    # GPT54Nano's stream assembler once padded the summary up to the index, per event.
    llm = GPT54Nano(
        base_url=server.base_url,
        account_id="acct",
        api_key="tok-malformed",
        max_retries=0,
        use_responses_api=True,
    )
    reasoning = {"type": "reasoning", "id": "rs_1", "summary": []}
    delta = "response.reasoning_summary_text.delta"
    body = (
        created()
        + added(reasoning)
        + event(type=delta, output_index=0, summary_index=HUGE, delta="b")
        + event(type=delta, output_index=0, summary_index=0, delta="a")
        + event(type="response.completed", response={**HEADER, "status": "completed"})
    )
    server.serve(200, SSE, body.encode())
    messages = [ChatMessage(role=MessageRole.USER, content="hi")]

    async def astream() -> list[Any]:
        return [r async for r in await llm.astream_chat(messages)]

    responses = run_io(lambda: list(llm.stream_chat(messages)), astream)
    thinking = [r.additional_kwargs.get("thinking_delta") for r in responses]
    assert thinking == ["b", "a", None]
    assert [
        block.content for block in responses[1].message.blocks if block.block_type == "thinking"
    ] == ["a\n\nb"]
