"""GPT54Nano on malformed server output: a ChatResponse or a `GatewayError`, nothing else.

Served over loopback by `tests.support.canned`; chat and stream_chat, sync and async (run_io).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole

from gpt54nano_gateway import EmptyResponseError, GatewayError
from llama_index_gpt54nano import GPT54Nano
from tests.support.canned import JSON, SSE, CannedServer, canned_server

pytestmark = pytest.mark.timeout(60)

USAGE = {"prompt_tokens": 3, "completion_tokens": 0, "total_tokens": 3}
MESSAGES = [ChatMessage(role=MessageRole.USER, content="hi")]


@pytest.fixture(scope="module")
def server() -> Iterator[CannedServer]:
    with canned_server() as canned:
        yield canned


@pytest.fixture
def chat(server: CannedServer, run_io: Any) -> Any:
    """``chat(streaming)``: the last response of one chat (sync or async, by run_io)."""

    def call(streaming: bool) -> ChatResponse:
        llm = GPT54Nano(
            base_url=server.base_url, account_id="acct", api_key="tok-malformed", max_retries=0
        )

        def sync_call() -> ChatResponse:
            if not streaming:
                return llm.chat(MESSAGES)
            *_, last = llm.stream_chat(MESSAGES)
            return last

        async def async_call() -> ChatResponse:
            if not streaming:
                return await llm.achat(MESSAGES)
            responses = [r async for r in await llm.astream_chat(MESSAGES)]
            return responses[-1]

        response: ChatResponse = run_io(sync_call, async_call)
        return response

    return call


def events(*chunks: dict[str, Any]) -> bytes:
    body = "".join(f"data: {json.dumps({'id': 'c-1', 'model': 'm', **c})}\n\n" for c in chunks)
    return f"{body}data: [DONE]\n\n".encode()


@pytest.mark.parametrize(
    ("streaming", "content_type", "body"),
    [
        (False, JSON, json.dumps({"id": "c-1", "model": "m", "choices": []}).encode()),
        (False, JSON, json.dumps({"choices": [], "usage": USAGE}).encode()),
        (True, SSE, b"data: [DONE]\n\n"),
        (True, SSE, events({"choices": [], "usage": USAGE})),
    ],
    ids=["no-choices", "only-usage", "stream-only-done", "stream-only-usage"],
)
def test_an_answer_without_any_choice_is_an_empty_response_error(
    server: CannedServer, chat: Any, streaming: bool, content_type: str, body: bytes
) -> None:
    server.serve(200, content_type, body)
    with pytest.raises(GatewayError) as info:
        chat(streaming)
    error = info.value
    assert type(error) is EmptyResponseError
    assert error.partial is not None and error.partial.choices == []
    assert error.status_code == 200


@pytest.mark.parametrize("arguments", ["[1]", "5", "[" * 1000])
def test_tool_arguments_that_are_not_an_object_read_as_no_arguments(
    server: CannedServer, chat: Any, arguments: str
) -> None:
    call = {"id": "call-1", "type": "function", "function": {"name": "f", "arguments": arguments}}
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    server.serve(
        200,
        JSON,
        json.dumps(
            {"choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}]}
        ).encode(),
    )
    response = chat(False)
    llm = GPT54Nano(account_id="acct", api_key="tok", base_url=server.base_url)
    selections = llm.get_tool_calls_from_response(response)
    assert [(s.tool_id, s.tool_name, s.tool_kwargs) for s in selections] == [("call-1", "f", {})]
