"""Malformed server output gives a result or a `GatewayError` subclass, never anything else.

Each case is one body that once leaked a builtin exception or a raw pydantic ``ValidationError``
(issue 11), served over loopback by `tests.support.canned`; every test runs through ``create``
and ``stream``, sync and async. The property-based version of the same rule is test_fuzz.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from gpt54nano_gateway import (
    AsyncGatewayClient,
    ChatCompletion,
    GatewayClient,
    GatewayConfig,
    GatewayError,
    InternalServerError,
    ResponseParseError,
    StreamError,
)
from gpt54nano_gateway.sse import ServerSentEvent, SSEDecoder
from tests.support.canned import JSON, SSE, CannedServer, canned_server

pytestmark = pytest.mark.timeout(60)

REQUEST = {"messages": [{"role": "user", "content": "hi"}]}
DEEP = "[" * 1000  # deeper than json.loads recurses: once a RecursionError


def chunk(**fields: Any) -> str:
    body = {
        "id": "c-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": "x"}, "finish_reason": None}],
        **fields,
    }
    return f"data: {json.dumps(body)}\n\n"


STOP = chunk(choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}])


@pytest.fixture(scope="module")
def server() -> Iterator[CannedServer]:
    with canned_server() as canned:
        yield canned


@pytest.fixture(params=["create", "stream"])
def call(request: pytest.FixtureRequest, server: CannedServer, run_io: Any) -> Any:
    """``call()``: one request through ``create`` or ``stream`` (sync or async, by run_io)."""
    config = GatewayConfig(
        account_id="acct", api_token="tok-malformed", base_url=server.base_url, max_retries=0
    )
    sync, aio = GatewayClient(config), AsyncGatewayClient(config)

    def sync_call() -> ChatCompletion:
        if request.param == "create":
            return sync.create(REQUEST)
        with sync.stream(REQUEST) as stream:
            return stream.completion()

    async def async_call() -> ChatCompletion:
        if request.param == "create":
            return await aio.create(REQUEST)
        async with aio.stream(REQUEST) as stream:
            return await stream.completion()

    return lambda: run_io(sync_call, async_call)


def raised(call: Any) -> GatewayError:
    with pytest.raises(GatewayError) as info:  # anything else fails the test as an error
        call()
    return info.value


def test_deeply_nested_json_body_is_a_parse_error(server: CannedServer, call: Any) -> None:
    server.serve(200, JSON, DEEP.encode())
    error = raised(call)
    assert type(error) is ResponseParseError
    assert (error.status_code, error.body) == (200, DEEP)


def test_deeply_nested_error_body_is_the_status_error(server: CannedServer, call: Any) -> None:
    server.serve(500, JSON, DEEP.encode())
    error = raised(call)
    assert type(error) is InternalServerError
    assert (error.status_code, error.body, error.message) == (500, DEEP, DEEP)


def test_deeply_nested_value_inside_an_object_is_a_parse_error(
    server: CannedServer, call: Any
) -> None:
    body = '{"choices": ' + DEEP
    server.serve(200, JSON, body.encode())
    error = raised(call)
    assert type(error) is ResponseParseError
    assert error.body == body


def test_envelope_with_a_result_of_the_wrong_shape_is_a_parse_error(
    server: CannedServer, call: Any
) -> None:
    body = {"success": True, "result": {"choices": "x"}}
    server.serve(200, JSON, json.dumps(body).encode())
    error = raised(call)
    assert type(error) is ResponseParseError
    assert (error.status_code, error.body) == (200, body)


@pytest.fixture
def stream_call(server: CannedServer, run_io: Any) -> Any:
    """``stream_call()``: one streamed request (sync or async, by run_io)."""
    config = GatewayConfig(
        account_id="acct", api_token="tok-malformed", base_url=server.base_url, max_retries=0
    )
    sync, aio = GatewayClient(config), AsyncGatewayClient(config)

    def sync_call() -> ChatCompletion:
        with sync.stream(REQUEST) as stream:
            return stream.completion()

    async def async_call() -> ChatCompletion:
        async with aio.stream(REQUEST) as stream:
            return await stream.completion()

    return lambda: run_io(sync_call, async_call)


def test_deeply_nested_stream_event_is_a_parse_error(
    server: CannedServer, stream_call: Any
) -> None:
    server.serve(200, SSE, f"{chunk()}data: {DEEP}\n\n".encode())
    error = raised(stream_call)
    assert type(error) is ResponseParseError
    assert error.body == DEEP
    assert error.partial is not None and error.partial.choices[0].message.content == "x"


def test_deeply_nested_error_event_is_a_stream_error(
    server: CannedServer, stream_call: Any
) -> None:
    server.serve(200, SSE, f"event: error\ndata: {DEEP}\n\n".encode())
    error = raised(stream_call)
    assert type(error) is StreamError
    assert (error.body, error.code) == (DEEP, None)


def test_chunk_with_gateway_metadata_of_the_wrong_type_is_a_parse_error(
    server: CannedServer, stream_call: Any
) -> None:
    # Once accepted by the chunk (an extra key) and then refused by completion().
    server.serve(200, SSE, f"{chunk()}{chunk(gatewayMetadata='x')}{STOP}".encode())
    error = raised(stream_call)
    assert type(error) is ResponseParseError
    assert isinstance(error.body, dict) and error.body["gatewayMetadata"] == "x"
    assert error.partial is not None and error.partial.choices[0].message.content == "x"


def test_chunk_gateway_metadata_still_reaches_the_completion(
    server: CannedServer, stream_call: Any
) -> None:
    metadata = {"keySource": "Unified", "other": 1}
    server.serve(200, SSE, f"{chunk(gatewayMetadata=metadata)}{STOP}data: [DONE]\n\n".encode())
    completion = stream_call()
    assert completion.gatewayMetadata is not None
    assert completion.gatewayMetadata.model_dump() == metadata
    assert completion.meta.key_source == "Unified"


def test_huge_retry_field_is_ignored(server: CannedServer, stream_call: Any) -> None:
    server.serve(200, SSE, f"retry: {'9' * 5000}\n{chunk()}{STOP}data: [DONE]\n\n".encode())
    completion = stream_call()
    assert (completion.choices[0].message.content, completion.choices[0].finish_reason) == (
        "x",
        "stop",
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3000", 3000), ("0", 0), ("9" * 10, 9_999_999_999), ("9" * 11, None), ("9" * 5000, None)],
)
def test_retry_takes_plain_digits_of_reasonable_length(value: str, expected: int | None) -> None:
    events = SSEDecoder().feed(f"retry: {value}\ndata: x\n\n".encode())
    assert events == [ServerSentEvent(data="x", retry=expected)]
