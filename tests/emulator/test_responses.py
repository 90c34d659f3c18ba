"""Success bodies, SSE framing, tool-call deltas and the response headers."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from gpt54nano_emulator import Reply

from .conftest import (
    RAY,
    UUID7,
    async_client,
    chat_body,
    compat_url,
    gateway_headers,
    key_paths,
    rest_headers,
    rest_url,
    sse_chunks,
    sse_data,
    sync_client,
)

COMPLETION_KEYS = {
    "choices",
    "choices[].finish_reason",
    "choices[].index",
    "choices[].message",
    "choices[].message.annotations",
    "choices[].message.content",
    "choices[].message.refusal",
    "choices[].message.role",
    "created",
    "gatewayMetadata",
    "gatewayMetadata.keySource",
    "id",
    "model",
    "object",
    "service_tier",
    "system_fingerprint",
    "usage",
    "usage.completion_tokens",
    "usage.completion_tokens_details",
    "usage.completion_tokens_details.accepted_prediction_tokens",
    "usage.completion_tokens_details.audio_tokens",
    "usage.completion_tokens_details.reasoning_tokens",
    "usage.completion_tokens_details.rejected_prediction_tokens",
    "usage.prompt_tokens",
    "usage.prompt_tokens_details",
    "usage.prompt_tokens_details.audio_tokens",
    "usage.prompt_tokens_details.cached_tokens",
    "usage.total_tokens",
}
CHUNK_TOP = {
    "choices",
    "created",
    "id",
    "model",
    "obfuscation",
    "object",
    "service_tier",
    "system_fingerprint",
    "usage",
}


def test_completion_has_the_catalog_key_set_and_values(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(content="Paris is the capital."))
    response = http.post(rest_url(emulator), json=chat_body(), headers=rest_headers(emulator))
    body = response.json()
    assert key_paths(body) == COMPLETION_KEYS
    assert body["gatewayMetadata"] == {"keySource": "Unified"}
    assert body["model"] == "gpt-5.4-nano-2026-03-17"
    assert body["service_tier"] == "default"
    assert body["system_fingerprint"] is None
    assert re.fullmatch(r"chatcmpl-[A-Za-z0-9]{29}", body["id"])
    assert abs(body["created"] - time.time()) < 60
    message = body["choices"][0]["message"]
    assert message == {
        "role": "assistant",
        "content": "Paris is the capital.",
        "refusal": None,
        "annotations": [],
    }
    assert body["choices"][0]["finish_reason"] == "stop"
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["completion_tokens"] > 0 and usage["prompt_tokens"] > 0


def test_tool_call_completion(emulator: Any, http: Any) -> None:
    emulator.queue_reply(
        Reply(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "call_1"}])
    )
    response = http.post(rest_url(emulator), json=chat_body(), headers=rest_headers(emulator))
    body = response.json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    (call,) = choice["message"]["tool_calls"]
    assert call["id"] == "call_1"
    assert call["type"] == "function"
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    assert key_paths(body) - COMPLETION_KEYS == {
        "choices[].message.tool_calls",
        "choices[].message.tool_calls[].id",
        "choices[].message.tool_calls[].type",
        "choices[].message.tool_calls[].function",
        "choices[].message.tool_calls[].function.name",
        "choices[].message.tool_calls[].function.arguments",
    }


def test_refusal_completion(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(refusal="I can't help with that."))
    response = http.post(rest_url(emulator), json=chat_body(), headers=rest_headers(emulator))
    message = response.json()["choices"][0]["message"]
    assert message["refusal"] == "I can't help with that."
    assert message["content"] is None


def test_stream_framing_and_chunks(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(content="one two three"))
    body = chat_body(stream=True, stream_options={"include_usage": True})
    response, parts = http.stream_parts(
        rest_url(emulator), json=body, headers=rest_headers(emulator)
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    chunks = sse_chunks(b"".join(parts).decode())
    for chunk in chunks:
        assert set(chunk) == CHUNK_TOP
        assert chunk["object"] == "chat.completion.chunk"
        assert chunk["model"] == "gpt-5.4-nano-2026-03-17"
        assert isinstance(chunk["obfuscation"], str) and chunk["obfuscation"]
    assert len({c["id"] for c in chunks}) == 1
    first, *middle, finish, usage = chunks
    assert first["choices"] == [
        {
            "index": 0,
            "delta": {"role": "assistant", "content": "", "refusal": None},
            "finish_reason": None,
        }
    ]
    assert "".join(c["choices"][0]["delta"]["content"] for c in middle) == "one two three"
    assert len(middle) >= 3  # one chunk per token
    assert all(c["usage"] is None for c in [first, *middle, finish])
    assert finish["choices"] == [{"index": 0, "delta": {}, "finish_reason": "stop"}]
    assert usage["choices"] == []
    assert usage["usage"]["completion_tokens"] == len(middle)


def test_stream_without_include_usage_has_no_usage_chunk(emulator: Any, http: Any) -> None:
    _, parts = http.stream_parts(
        rest_url(emulator), json=chat_body(stream=True), headers=rest_headers(emulator)
    )
    chunks = sse_chunks(b"".join(parts).decode())
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert all(c["choices"] for c in chunks)
    assert all(c["usage"] is None for c in chunks)


def test_stream_tool_call_deltas(emulator: Any, http: Any) -> None:
    arguments = {"city": "Paris", "unit": "celsius"}
    emulator.queue_reply(
        Reply(
            tool_calls=[
                {"name": "get_weather", "arguments": arguments, "id": "call_a"},
                {"name": "get_time", "arguments": "{}", "id": "call_b"},
            ]
        )
    )
    body = chat_body(stream=True, stream_options={"include_usage": True})
    _, parts = http.stream_parts(rest_url(emulator), json=body, headers=rest_headers(emulator))
    chunks = sse_chunks(b"".join(parts).decode())
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    first = deltas[0]
    assert first["role"] == "assistant" and first["content"] is None
    assert first["tool_calls"] == [
        {
            "index": 0,
            "id": "call_a",
            "type": "function",
            "function": {"name": "get_weather", "arguments": ""},
        }
    ]
    fragments: dict[int, str] = {}
    names: dict[int, str] = {}
    for delta in deltas:
        for call in delta.get("tool_calls", []):
            if "id" in call:
                names[call["index"]] = call["function"]["name"]
                assert call["function"]["arguments"] == ""
            else:
                assert set(call) == {"index", "function"}
                assert set(call["function"]) == {"arguments"}
            fragments[call["index"]] = fragments.get(call["index"], "") + call["function"].get(
                "arguments", ""
            )
    assert names == {0: "get_weather", 1: "get_time"}
    assert json.loads(fragments[0]) == arguments
    assert json.loads(fragments[1]) == {}
    assert sum(1 for d in deltas for c in d.get("tool_calls", []) if c["index"] == 0) > 2
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"
    assert chunks[-1]["choices"] == []


def test_stream_content_then_tool_call(emulator: Any, http: Any) -> None:
    emulator.queue_reply(
        Reply(content="Let me check.", tool_calls=[{"name": "f", "arguments": {}}])
    )
    _, parts = http.stream_parts(
        rest_url(emulator), json=chat_body(stream=True), headers=rest_headers(emulator)
    )
    deltas = [c["choices"][0]["delta"] for c in sse_chunks(b"".join(parts).decode())]
    assert deltas[0] == {"role": "assistant", "content": "", "refusal": None}
    first_tool = next(d for d in deltas if "tool_calls" in d)
    assert "role" not in first_tool
    assert first_tool["tool_calls"][0]["id"].startswith("call")


def test_stream_refusal_deltas(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(refusal="I can't help with that."))
    _, parts = http.stream_parts(
        rest_url(emulator), json=chat_body(stream=True), headers=rest_headers(emulator)
    )
    deltas = [c["choices"][0]["delta"] for c in sse_chunks(b"".join(parts).decode())]
    assert deltas[0] == {"role": "assistant", "content": None, "refusal": ""}
    assert "".join(d.get("refusal") or "" for d in deltas) == "I can't help with that."


def test_stream_is_written_incrementally(emulator: Any, run_io: Any) -> None:
    # With 0.15 s between the 4 events (role, "a", finish, [DONE]) the first event must arrive
    # before the first gap ends; a buffered body would deliver everything at once.
    emulator.queue_reply(Reply(content="a"))
    headers = rest_headers(emulator, **{"x-emulator-fault": "slow;seconds=0.15"})
    url, body = rest_url(emulator), chat_body(stream=True)

    def sync() -> list[tuple[float, bytes]]:
        with (
            sync_client() as client,
            client.stream("POST", url, json=body, headers=headers) as response,
        ):
            started = time.monotonic()
            return [(time.monotonic() - started, part) for part in response.iter_raw()]

    async def async_() -> list[tuple[float, bytes]]:
        async with (
            async_client() as client,
            client.stream("POST", url, json=body, headers=headers) as response,
        ):
            started = time.monotonic()
            return [(time.monotonic() - started, part) async for part in response.aiter_raw()]

    arrivals = run_io(sync, async_)
    assert arrivals[0][0] < 0.12
    assert arrivals[-1][0] - arrivals[0][0] >= 0.4  # three gaps of 0.15 s, minus timer slack
    assert len(arrivals) >= 4
    assert sse_data(b"".join(p for _, p in arrivals).decode())[-1] == "[DONE]"


def test_finish_reason_length_from_max_completion_tokens(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(content="one two three four five six"))
    body = chat_body(max_completion_tokens=2)
    response = http.post(rest_url(emulator), json=body, headers=rest_headers(emulator))
    choice = response.json()["choices"][0]
    assert choice["finish_reason"] == "length"
    assert response.json()["usage"]["completion_tokens"] == 2


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_gateway_headers_on_success(emulator: Any, http: Any, stream: bool) -> None:
    response = http.post(
        rest_url(emulator), json=chat_body(stream=stream), headers=rest_headers(emulator)
    )
    headers = response.headers
    assert re.fullmatch(UUID7, headers["cf-aig-log-id"])
    assert headers["cf-aig-request-id"] == headers["cf-aig-log-id"]
    assert headers["cf-aig-event-id"] == headers["cf-aig-log-id"]
    assert headers["cf-aig-step"] == "0"
    assert re.fullmatch(RAY, headers["cf-ray"])
    assert "cf-aig-cache-status" not in headers


def test_log_ids_differ_and_grow(emulator: Any, http: Any) -> None:
    first = http.post(rest_url(emulator), json=chat_body(), headers=rest_headers(emulator))
    second = http.post(rest_url(emulator), json=chat_body(), headers=rest_headers(emulator))
    a, b = first.headers["cf-aig-log-id"], second.headers["cf-aig-log-id"]
    assert a != b
    assert a[:13] <= b[:13]  # UUIDv7 starts with the millisecond timestamp


def test_client_event_id_is_echoed(emulator: Any, http: Any) -> None:
    headers = rest_headers(emulator, **{"cf-aig-event-id": "trace-123"})
    response = http.post(rest_url(emulator), json=chat_body(), headers=headers)
    assert response.headers["cf-aig-event-id"] == "trace-123"
    assert response.headers["cf-aig-log-id"] != "trace-123"


@pytest.mark.parametrize("kind", ["auth", "model", "schema", "rules"])
def test_gateway_headers_on_errors(emulator: Any, http: Any, kind: str) -> None:
    headers = gateway_headers(emulator)
    body = chat_body()
    if kind == "auth":
        headers = {}
    elif kind == "model":
        body["model"] = "x/y"
    elif kind == "schema":
        body["top_p"] = 9
    else:
        body["temperature"] = 0
    response = http.post(compat_url(emulator), json=body, headers=headers)
    assert response.status_code >= 400
    assert re.fullmatch(UUID7, response.headers["cf-aig-log-id"])
    assert response.headers["cf-aig-step"] == "0"
    assert re.fullmatch(RAY, response.headers["cf-ray"])


def test_deterministic_model_answers_without_queue(emulator: Any, http: Any) -> None:
    first = http.post(
        rest_url(emulator), json=chat_body("Reply with OK"), headers=rest_headers(emulator)
    )
    second = http.post(
        rest_url(emulator), json=chat_body("Reply with OK"), headers=rest_headers(emulator)
    )
    content = first.json()["choices"][0]["message"]["content"]
    assert content
    assert content == second.json()["choices"][0]["message"]["content"]
