"""The pure Chat <-> Responses converters, and the ``tools_with_reasoning="responses"`` reroute
they exist for (end to end against the emulator, both clients)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gpt54nano_gateway import (
    ChatCompletion,
    ChatRequest,
    ConfigurationError,
    Response,
    ResponsesRequest,
    apply_model_rules,
    chat_request_to_responses,
    needs_responses_wire,
    response_to_chat_completion,
)
from gpt54nano_gateway.model_rules import ToolsWithReasoningError

from .test_responses import Clients, streaming

pytest.importorskip("starlette")
from gpt54nano_emulator import Reply

CHAT_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        "strict": True,
    },
}


def chat(**fields: Any) -> ChatRequest:
    return ChatRequest.model_validate(
        {"messages": [{"role": "user", "content": "Weather in Paris?"}], **fields}
    )


def test_a_full_chat_request_converts_field_by_field() -> None:
    request = ChatRequest.model_validate(
        {
            "model": "openai/gpt-5.4-nano",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is this?"},
                        {"type": "image_url", "image_url": {"url": "https://x/cat.png"}},
                    ],
                },
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "call_1", "content": "21C"},
            ],
            "tools": [CHAT_TOOL],
            "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
            "parallel_tool_calls": False,
            "reasoning_effort": "low",
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": {"type": "object"}, "strict": True},
            },
            "verbosity": "low",
            "max_completion_tokens": 500,
            "temperature": 1,
            "top_p": 0.9,
            "user": "u1",
            "metadata": {"k": "v"},
            "store": False,
            "prompt_cache_key": "pk",
            "safety_identifier": "sid",
        }
    )
    converted = chat_request_to_responses(request)
    assert converted == ResponsesRequest.model_validate(
        {
            "model": "openai/gpt-5.4-nano",
            "input": [
                {"role": "system", "content": "Be brief."},
                {
                    "role": "user",
                    "content": [
                        {"type": "input_text", "text": "What is this?"},
                        {"type": "input_image", "image_url": "https://x/cat.png", "detail": "auto"},
                    ],
                },
                {
                    "type": "function_call",
                    "call_id": "call_1",
                    "name": "get_weather",
                    "arguments": '{"city":"Paris"}',
                },
                {"type": "function_call_output", "call_id": "call_1", "output": "21C"},
            ],
            "tools": [
                {
                    "type": "function",
                    "name": "get_weather",
                    "description": "Weather for a city",
                    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
                    "strict": True,
                }
            ],
            "tool_choice": {"type": "function", "name": "get_weather"},
            "parallel_tool_calls": False,
            "reasoning": {"effort": "low"},
            "text": {
                "format": {
                    "type": "json_schema",
                    "name": "answer",
                    "schema": {"type": "object"},
                    "strict": True,
                },
                "verbosity": "low",
            },
            "max_output_tokens": 500,
            "temperature": 1,
            "top_p": 0.9,
            "user": "u1",
            "metadata": {"k": "v"},
            "store": False,
            "prompt_cache_key": "pk",
            "safety_identifier": "sid",
        }
    )


@pytest.mark.parametrize(
    ("fields", "named"),
    [({"stop": "x"}, "'stop'"), ({"seed": 3}, "'seed'"), ({"n": 2}, "'n'")],
)
def test_parameters_without_an_equivalent_are_refused(fields: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        chat_request_to_responses(chat(**fields))


def test_an_unknown_extra_is_refused_by_the_responses_model() -> None:
    with pytest.raises(ValueError, match="unknown Responses API parameter 'frobnicate'"):
        chat_request_to_responses(chat(frobnicate=1))


def test_response_to_chat_completion_keeps_everything() -> None:
    response = Response.model_validate(
        {
            "id": "resp_1",
            "created_at": 1700000000,
            "model": "gpt-5.4-nano-2026-03-17",
            "status": "completed",
            "output": [
                {
                    "id": "rs_1",
                    "type": "reasoning",
                    "summary": [{"type": "summary_text", "text": "Hm."}],
                },
                {
                    "id": "fc_1",
                    "type": "function_call",
                    "call_id": "call_9",
                    "name": "f",
                    "arguments": "{}",
                },
            ],
            "usage": {
                "input_tokens": 10,
                "output_tokens": 5,
                "total_tokens": 15,
                "input_tokens_details": {"cached_tokens": 2},
                "output_tokens_details": {"reasoning_tokens": 3},
            },
        }
    )
    assert response_to_chat_completion(response) == ChatCompletion.model_validate(
        {
            "id": "resp_1",
            "created": 1700000000,
            "model": "gpt-5.4-nano-2026-03-17",
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": "call_9",
                                "type": "function",
                                "function": {"name": "f", "arguments": "{}"},
                            }
                        ],
                        "reasoning_content": "Hm.",
                    },
                    "finish_reason": "tool_calls",
                }
            ],
            "usage": {
                "prompt_tokens": 10,
                "completion_tokens": 5,
                "total_tokens": 15,
                "prompt_tokens_details": {"cached_tokens": 2},
                "completion_tokens_details": {"reasoning_tokens": 3},
            },
        }
    )
    cut = Response.model_validate(
        {
            "status": "incomplete",
            "incomplete_details": {"reason": "max_output_tokens"},
            "output": [],
        }
    )
    assert response_to_chat_completion(cut).choices[0].finish_reason == "length"


def test_the_responses_policy() -> None:
    tools_effort = chat(model="openai/gpt-5.4-nano", tools=[CHAT_TOOL], reasoning_effort="low")
    assert needs_responses_wire(tools_effort, "responses")
    assert not needs_responses_wire(tools_effort, "error")
    assert not needs_responses_wire(
        chat(model="openai/gpt-5.4-nano", tools=[CHAT_TOOL]), "responses"
    )
    with pytest.raises(ToolsWithReasoningError, match="chat_request_to_responses"):
        apply_model_rules(tools_effort, tools_with_reasoning="responses")


@streaming
def test_reroute_a_chat_turn_with_tools_and_effort(
    emulator: Any, run_io: Any, streaming: bool
) -> None:
    emulator.queue_reply(
        Reply(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}])
    )
    clients = Clients(emulator, run_io)
    request = chat(model="openai/gpt-5.4-nano", tools=[CHAT_TOOL], reasoning_effort="medium")
    assert needs_responses_wire(request, "responses")
    first = response_to_chat_completion(
        clients.respond(chat_request_to_responses(request), streaming)
    )
    assert emulator.requests[-1].path.endswith("/ai/v1/responses")
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.tool_calls is not None
    call = choice.message.tool_calls[0]
    assert (call.function.name, json.loads(call.function.arguments)) == (
        "get_weather",
        {"city": "Paris"},
    )
    assert first.meta is not None and first.meta.log_id
    # The next Chat turn answers the call by its id; converted, the emulator pairs them.
    follow_up = ChatRequest.model_validate(
        {
            **request.model_dump(exclude_none=True),
            "messages": [
                *request.model_dump(exclude_none=True)["messages"],
                {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
                {"role": "tool", "tool_call_id": call.id, "content": "21 degrees"},
            ],
        }
    )
    second = response_to_chat_completion(
        clients.respond(chat_request_to_responses(follow_up), streaming)
    )
    assert second.choices[0].finish_reason == "stop"
    assert "21" in (second.choices[0].message.content or "")
