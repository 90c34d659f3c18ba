"""Raw httpx against the Responses routes: whole bodies, the typed event sequence, OpenAI's 400s,
the gateway provider route, ``previous_response_id`` and the stored/returned reasoning."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from gpt54nano_emulator import Reply

from .conftest import UUID7, gateway_headers, rest_headers

MODEL = "openai/gpt-5.4-nano"
ID = r"[0-9a-f]{50}"


def url(emu: Any) -> str:
    return f"{emu.openai_base_url}/responses"


def gw_url(emu: Any, gateway: str = "default") -> str:
    return f"{emu.gateway_base_url}/{emu.account_id}/{gateway}/openai/responses"


def typed_events(text: str) -> list[dict[str, Any]]:
    """``event: <type>`` + ``data: <json>`` blocks; the two types must agree; no [DONE]."""
    assert text.endswith("\n\n")
    out = []
    for block in text[:-2].split("\n\n"):
        event_line, data_line = block.split("\n")
        assert event_line.startswith("event: ") and data_line.startswith("data: ")
        data = json.loads(data_line[len("data: ") :])
        assert data["type"] == event_line[len("event: ") :]
        out.append(data)
    return out


def test_plain_body_whole(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(content="Hello there."))
    r = http.post(
        url(emulator), headers=rest_headers(emulator), json={"model": MODEL, "input": "hi"}
    )
    assert r.status_code == 200
    assert re.match(UUID7, r.headers["cf-aig-log-id"])
    body = r.json()
    assert re.fullmatch(f"resp_{ID}", body.pop("id"))
    assert isinstance(body.pop("created_at"), int)
    assert isinstance(body.pop("completed_at"), int)
    message = body["output"][0]
    assert re.fullmatch(f"msg_{ID}", message.pop("id"))
    assert body == {
        "object": "response",
        "status": "completed",
        "background": False,
        "billing": {"payer": "developer"},
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "max_tool_calls": None,
        "model": "gpt-5.4-nano-2026-03-17",
        "output": [
            {
                "type": "message",
                "status": "completed",
                "content": [
                    {
                        "type": "output_text",
                        "annotations": [],
                        "logprobs": [],
                        "text": "Hello there.",
                    }
                ],
                "role": "assistant",
            }
        ],
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "prompt_cache_key": None,
        "prompt_cache_retention": None,
        "reasoning": {"effort": "none", "summary": None},
        "safety_identifier": None,
        "service_tier": "default",
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_logprobs": 0,
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": {
            "input_tokens": body["usage"]["input_tokens"],
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": 3,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": body["usage"]["input_tokens"] + 3,
        },
        "user": None,
        "metadata": {},
    }


def test_stream_event_sequence(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(content="Hi you", reasoning="Think"))
    body = {
        "model": MODEL,
        "input": "hi",
        "stream": True,
        "reasoning": {"effort": "low", "summary": "auto"},
    }
    r = http.post(url(emulator), headers=rest_headers(emulator), json=body)
    assert r.headers["content-type"].startswith("text/event-stream")
    events = typed_events(r.text)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert [e["type"] for e in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert (
        "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta") == "Hi you"
    )
    final = events[-1]["response"]
    assert final["output"][0]["summary"] == [{"type": "summary_text", "text": "Think"}]
    assert "encrypted_content" not in final["output"][0]  # not included
    assert events[0]["response"]["status"] == "in_progress"
    assert events[0]["response"]["usage"] is None


def test_gateway_provider_route(emulator: Any, http: Any) -> None:
    body = {"model": "gpt-5.4-nano", "input": "Say hello"}
    r = http.post(gw_url(emulator), headers=gateway_headers(emulator), json=body)
    assert r.status_code == 200 and r.json()["output"][0]["content"][0]["text"] == "hello"
    denied = http.post(gw_url(emulator), headers=rest_headers(emulator), json=body)
    assert denied.status_code == 401 and denied.json()["name"] == "AiGatewayError"
    prefixed = http.post(
        gw_url(emulator), headers=gateway_headers(emulator), json={**body, "model": MODEL}
    )
    assert prefixed.status_code == 404
    assert prefixed.json()["error"]["code"] == "model_not_found"


def test_rest_auth_and_method(emulator: Any, http: Any) -> None:
    r = http.post(url(emulator), json={"model": MODEL, "input": "hi"})
    assert r.status_code == 401 and r.json()["errors"][0]["code"] == 10000
    r = http.get(url(emulator), headers=rest_headers(emulator))
    assert r.status_code == 405 and r.json()["errors"][0]["code"] == 7001


def _error(message: str, param: str | None, code: str | None) -> dict[str, Any]:
    return {
        "error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}
    }


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            {"messages": []},
            _error("Unknown parameter: 'messages'.", "messages", "unknown_parameter"),
        ),
        (
            {"max_output_tokens": 5},
            _error(
                "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, "
                "but got 5 instead.",
                "max_output_tokens",
                "integer_below_min_value",
            ),
        ),
        (
            {"reasoning": {"effort": "minimal"}},
            _error(
                "Unsupported value: 'reasoning.effort' does not support 'minimal' with this model. "
                "Supported values are: 'none', 'low', 'medium', 'high', and 'xhigh'.",
                "reasoning.effort",
                "unsupported_value",
            ),
        ),
        (
            {"reasoning": {"summary": "long"}},
            _error(
                "Invalid value: 'long'. Supported values are: 'auto', 'concise', and 'detailed'.",
                "reasoning.summary",
                "invalid_value",
            ),
        ),
        (
            {"tools": [{"type": "function", "function": {"name": "f"}}]},
            _error(
                "Missing required parameter: 'tools[0].name'.",
                "tools[0].name",
                "missing_required_parameter",
            ),
        ),
        (
            {"text": {"format": {"type": "json_object"}}},
            _error(
                "Response input messages must contain the word 'json' in some form to use "
                "'text.format' of type 'json_object'.",
                "input",
                None,
            ),
        ),
        (
            {"input": [{"role": "tool", "content": "x"}]},
            _error(
                "Invalid value: 'tool'. Supported values are: 'assistant', 'system', 'developer', "
                "and 'user'.",
                "input[0].role",
                "invalid_value",
            ),
        ),
        (
            {"input": [{"type": "function_call_output", "call_id": "call_1", "output": "x"}]},
            _error(
                "No tool call found for function call output with call_id call_1.", "input", None
            ),
        ),
        (
            {
                "input": [
                    {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"}
                ]
            },
            _error("No tool output found for function call call_1.", "input", None),
        ),
        (
            {"previous_response_id": "resp_nope"},
            _error(
                "Previous response with id 'resp_nope' not found.",
                "previous_response_id",
                "previous_response_not_found",
            ),
        ),
    ],
)
def test_openai_rejections(emulator: Any, http: Any, extra: dict[str, Any], expected: Any) -> None:
    body = {"model": MODEL, "input": "hi", **extra}
    r = http.post(url(emulator), headers=rest_headers(emulator), json=body)
    assert (r.status_code, r.json()) == (400, expected)


def test_reasoning_without_content_under_store_false(emulator: Any, http: Any) -> None:
    item = {"type": "reasoning", "id": "rs_x", "summary": []}
    reply = {"role": "assistant", "content": [{"type": "output_text", "text": "ok"}]}
    body = {
        "model": MODEL,
        "input": [item, reply, {"role": "user", "content": "hi"}],
        "store": False,
    }
    r = http.post(url(emulator), headers=rest_headers(emulator), json=body)
    assert r.status_code == 404
    assert r.json()["error"]["message"].startswith(
        "Item with id 'rs_x' not found. Items are not persisted"
    )


def test_previous_response_id_chains_stored_turn(emulator: Any, http: Any) -> None:
    tools = [
        {
            "type": "function",
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        }
    ]
    first = http.post(
        url(emulator),
        headers=rest_headers(emulator),
        json={
            "model": MODEL,
            "input": "Weather in Paris?",
            "tools": tools,
            "reasoning": {"effort": "low"},
        },
    ).json()
    reasoning, call = first["output"]
    assert reasoning["summary"] == [] and "encrypted_content" not in reasoning
    second = http.post(
        url(emulator),
        headers=rest_headers(emulator),
        json={
            "model": MODEL,
            "tools": tools,
            "previous_response_id": first["id"],
            "input": [
                {"type": "function_call_output", "call_id": call["call_id"], "output": "Rainy"}
            ],
        },
    )
    assert second.status_code == 200, second.text
    assert second.json()["output"][-1]["content"][0]["text"] == "The tool returned: Rainy"
    # a stored reasoning item may come back without encrypted_content
    third = http.post(
        url(emulator),
        headers=rest_headers(emulator),
        json={
            "model": MODEL,
            "tools": tools,
            "input": [
                {"role": "user", "content": "Weather in Paris?"},
                reasoning,
                call,
                {"type": "function_call_output", "call_id": call["call_id"], "output": "Rainy"},
            ],
        },
    )
    assert third.status_code == 200
    assert emulator.requests[-1].reasoning_returned == (reasoning["id"],)


def test_stream_faults(emulator: Any, http: Any) -> None:
    body = {"model": MODEL, "input": "hi", "stream": True}
    r = http.post(
        url(emulator),
        headers=rest_headers(emulator, **{"x-emulator-fault": "error_event;after=2;message=boom"}),
        json=body,
    )
    events = typed_events(r.text)
    assert events[-1] == {
        "type": "error",
        "sequence_number": 2,
        "code": "server_error",
        "message": "boom",
        "param": None,
    }
    r = http.post(
        url(emulator),
        headers=rest_headers(emulator, **{"x-emulator-fault": "cut;after=3"}),
        json=body,
    )
    assert [e["type"] for e in typed_events(r.text)][-1] == "response.output_item.added"
    r = http.post(
        url(emulator),
        headers=rest_headers(emulator, **{"x-emulator-fault": "malformed;after=1"}),
        json=body,
    )
    assert '"item_id":"msg_malformed","delta":\n\n' in r.text
    rest = r.text.replace(
        'event: response.output_text.delta\ndata: {"type":"response.output_text.delta",'
        '"item_id":"msg_malformed","delta":\n\n',
        "",
    )
    assert [e["type"] for e in typed_events(rest)][-1] == "response.completed"


def test_failed_reply_streams_response_failed(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(content="x", finish_reason="failed"))
    body = {"model": MODEL, "input": "hi", "stream": True}
    events = typed_events(http.post(url(emulator), headers=rest_headers(emulator), json=body).text)
    assert events[-1]["type"] == "response.failed"
    assert events[-1]["response"]["error"] == {
        "code": "server_error",
        "message": "An error occurred while processing your request.",
    }


def test_reasoning_budget_exhausted(emulator: Any, http: Any) -> None:
    body = {
        "model": MODEL,
        "input": "hi",
        "max_output_tokens": 16,
        "reasoning": {"effort": "xhigh"},
    }
    r = http.post(url(emulator), headers=rest_headers(emulator), json=body).json()
    assert r["status"] == "incomplete" and r["incomplete_details"] == {
        "reason": "max_output_tokens"
    }
    assert [item["type"] for item in r["output"]] == ["reasoning"]
    assert (
        r["usage"]["output_tokens"] == r["usage"]["output_tokens_details"]["reasoning_tokens"] == 16
    )


def test_cache_hit_replays_stream_on_gateway_route(emulator: Any, http: Any) -> None:
    body = {"model": "gpt-5.4-nano", "input": "Say cached", "stream": True}
    headers = gateway_headers(emulator, **{"cf-aig-cache-ttl": "60"})
    first = http.post(gw_url(emulator), headers=headers, json=body)
    second = http.post(gw_url(emulator), headers=headers, json=body)
    assert (first.headers["cf-aig-cache-status"], second.headers["cf-aig-cache-status"]) == (
        "MISS",
        "HIT",
    )
    assert typed_events(second.text) == typed_events(first.text)


def test_seal_refuses_every_single_character_change() -> None:
    from gpt54nano_emulator.server._reasoning_seal import ReasoningSeal

    seal = ReasoningSeal()
    token = seal.seal("rs_1", "resp_1", "thinking")
    assert seal.open(token) == {"id": "rs_1", "response_id": "resp_1", "reasoning": "thinking"}
    assert ReasoningSeal().open(token) is None  # another emulator's secret
    for index in range(0, len(token), 7):
        changed = token[:index] + ("B" if token[index] != "B" else "C") + token[index + 1 :]
        assert seal.open(changed) is None, index
