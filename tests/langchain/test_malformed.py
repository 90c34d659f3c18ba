"""ChatGPT54Nano on malformed server output: an AIMessage or a `GatewayError`, nothing else.

Each case once leaked a builtin or pydantic exception through ``invoke`` (issue 11). Served over
loopback by `tests.support.canned`; ``invoke`` runs sync and async (run_io), streamed and not.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage

from gpt54nano_gateway import EmptyResponseError, GatewayError
from langchain_gpt54nano import ChatGPT54Nano
from tests.support.canned import JSON, SSE, CannedServer, canned_server

pytestmark = pytest.mark.timeout(60)

USAGE = {"prompt_tokens": 3, "completion_tokens": 0, "total_tokens": 3}


def completion(**fields: Any) -> bytes:
    body = {"id": "c-1", "object": "chat.completion", "created": 1, "model": "m", **fields}
    return json.dumps(body).encode()


def events(*chunks: dict[str, Any]) -> bytes:
    body = "".join(f"data: {json.dumps({'id': 'c-1', 'model': 'm', **c})}\n\n" for c in chunks)
    return f"{body}data: [DONE]\n\n".encode()


@pytest.fixture(scope="module")
def server() -> Iterator[CannedServer]:
    with canned_server() as canned:
        yield canned


@pytest.fixture
def invoke(server: CannedServer, run_io: Any) -> Any:
    """``invoke(streaming)``: one ``invoke`` (sync or async, by run_io)."""

    def call(streaming: bool) -> AIMessage:
        llm = ChatGPT54Nano(
            base_url=server.base_url,
            account_id="acct",
            api_key="tok-malformed",
            max_retries=0,
            streaming=streaming,
        )
        message: AIMessage = run_io(lambda: llm.invoke("hi"), lambda: llm.ainvoke("hi"))
        return message

    return call


@pytest.mark.parametrize(
    ("streaming", "content_type", "body"),
    [
        (False, JSON, completion(choices=[])),
        (False, JSON, completion(choices=[], usage=USAGE)),
        (True, SSE, b"data: [DONE]\n\n"),
        (True, SSE, events({"choices": [], "usage": USAGE})),
    ],
    ids=["no-choices", "only-usage", "stream-only-done", "stream-only-usage"],
)
def test_an_answer_without_any_choice_is_an_empty_response_error(
    server: CannedServer, invoke: Any, streaming: bool, content_type: str, body: bytes
) -> None:
    server.serve(200, content_type, body)
    with pytest.raises(GatewayError) as info:
        invoke(streaming)
    error = info.value
    assert type(error) is EmptyResponseError
    assert error.partial is not None and error.partial.choices == []
    assert error.status_code == 200


CALL = {"id": "call-1", "type": "function", "function": {"name": "lookup", "arguments": "[1]"}}


@pytest.mark.parametrize("arguments", ["[1]", "5", '"text"'])
@pytest.mark.parametrize("streaming", [False, True], ids=["invoke", "streamed"])
def test_tool_arguments_that_are_json_but_not_an_object_are_invalid_tool_calls(
    server: CannedServer, invoke: Any, streaming: bool, arguments: str
) -> None:
    call = {**CALL, "function": {"name": "lookup", "arguments": arguments}}
    if streaming:
        server.serve(
            200,
            SSE,
            events(
                {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, **call}]}}]},
                {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
            ),
        )
    else:
        message = {"role": "assistant", "content": None, "tool_calls": [call]}
        server.serve(
            200,
            JSON,
            completion(choices=[{"index": 0, "message": message, "finish_reason": "tool_calls"}]),
        )
    message = invoke(streaming)
    assert message.tool_calls == []
    assert [(c["name"], c["args"], c["id"]) for c in message.invalid_tool_calls] == [
        ("lookup", arguments, "call-1")
    ]
