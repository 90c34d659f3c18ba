"""OpenAI's own rejections, relayed by every chat route with OpenAI's body (each test runs sync and
async, over loopback): unknown arguments, the GPT-5.4 reasoning rules, tool histories and the
context length. Bodies are compared whole."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gpt54nano_emulator import Reply
from gpt54nano_emulator.model._tokens import count_tokens

from .conftest import (
    chat_body,
    compat_url,
    gateway_headers,
    openai_url,
    rest_headers,
    rest_url,
)

ROUTES = ("rest", "compat", "openai")
TOOL = {
    "type": "function",
    "function": {
        "name": "add",
        "description": "Add two integers",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    },
}


def _post(emulator: Any, http: Any, body: dict[str, Any], route: str = "rest") -> Any:
    if route == "rest":
        return http.post(rest_url(emulator), json=body, headers=rest_headers(emulator))
    if route == "compat":
        return http.post(compat_url(emulator), json=body, headers=gateway_headers(emulator))
    native = {**body, "model": body["model"].removeprefix("openai/")}
    return http.post(openai_url(emulator), json=native, headers=gateway_headers(emulator))


def _error(message: str, param: str | None, code: str | None = None) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": "invalid_request_error",
            "param": param,
            "code": code,
        }
    }


# --- unknown arguments ---------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_an_unknown_argument_is_unrecognized(emulator: Any, http: Any, route: str) -> None:
    response = _post(emulator, http, chat_body(extra_body={"x": 1}), route)
    assert response.status_code == 400
    assert response.json() == _error("Unrecognized request argument supplied: extra_body", None)


def test_several_unknown_arguments_are_listed_in_body_order(emulator: Any, http: Any) -> None:
    response = _post(emulator, http, chat_body(maxTokens=5, thinking={"type": "enabled"}))
    assert response.status_code == 400
    assert response.json() == _error(
        "Unrecognized request arguments supplied: maxTokens, thinking", None
    )


def test_an_unknown_argument_is_refused_even_when_null(emulator: Any, http: Any) -> None:
    response = _post(emulator, http, chat_body(top_k=None))
    assert response.json() == _error("Unrecognized request argument supplied: top_k", None)


CURRENT_ARGUMENTS: dict[str, Any] = {
    "audio": None,
    "frequency_penalty": 0,
    "function_call": None,
    "functions": None,
    "logit_bias": {"50256": -100},
    "logprobs": False,
    "max_completion_tokens": 200,
    "max_tokens": None,
    "metadata": {"run": "ci"},
    "modalities": ["text"],
    "moderation": None,
    "n": 1,
    "parallel_tool_calls": True,
    "prediction": None,
    "presence_penalty": 0,
    "prompt_cache_key": "k-1",
    "prompt_cache_options": None,
    "prompt_cache_retention": "24h",
    "reasoning_effort": "low",
    "response_format": {"type": "text"},
    "safety_identifier": "user-1",
    "seed": 7,
    "service_tier": "auto",
    "stop": ["\n\n"],
    "store": False,
    "stream": False,
    "stream_options": None,
    "temperature": 1,
    "tool_choice": "none",
    "top_logprobs": None,
    "top_p": 1,
    "user": "u",
    "verbosity": "low",
    "web_search_options": None,
}


@pytest.mark.parametrize("route", ["compat", "openai"])
def test_every_current_argument_is_accepted(emulator: Any, http: Any, route: str) -> None:
    # REST and compat validate the same catalog schema; compat stands for both here, REST for
    # the schema-null cases below.
    body = {**chat_body(), **{k: v for k, v in CURRENT_ARGUMENTS.items() if v is not None}}
    if route == "openai":
        body |= CURRENT_ARGUMENTS  # no catalog schema on the provider-native route
    emulator.queue_reply(Reply(content="ok"))
    response = _post(emulator, http, body, route)
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"] == "ok"


def test_the_catalog_schema_is_checked_before_the_arguments(emulator: Any, http: Any) -> None:
    # Cloudflare's per-model schema runs first (7003), OpenAI never sees the body.
    response = _post(emulator, http, chat_body(top_p=5, bogus=1))
    assert response.status_code == 400
    assert response.json()["internalCode"] == 7003


# --- GPT-5.4 reasoning rules ---------------------------------------------------------------


def _tools_with_effort_error(model: str) -> dict[str, Any]:
    return _error(
        f"Function tools with reasoning_effort are not supported for {model} in "
        "/v1/chat/completions. To use function tools, use /v1/responses or set "
        "reasoning_effort to 'none'.",
        "reasoning_effort",
    )


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("effort", ["low", "medium", "high", "xhigh"])
def test_function_tools_with_reasoning_effort_are_refused(
    emulator: Any, http: Any, route: str, effort: str
) -> None:
    body = chat_body("Add 2 and 3", tools=[TOOL], reasoning_effort=effort)
    response = _post(emulator, http, body, route)
    assert response.status_code == 400
    assert response.json() == _tools_with_effort_error("gpt-5.4-nano")


def test_the_message_names_the_requested_model(emulator: Any, http: Any) -> None:
    body = chat_body("Add 2 and 3", tools=[TOOL], reasoning_effort="high")
    body["model"] = "openai/gpt-5.4-mini"
    response = _post(emulator, http, body)
    assert response.json() == _tools_with_effort_error("gpt-5.4-mini")


@pytest.mark.parametrize("extra", [{}, {"reasoning_effort": "none"}, {"reasoning_effort": None}])
def test_function_tools_without_effort_or_with_none_are_accepted(
    emulator: Any, http: Any, extra: dict[str, Any]
) -> None:
    body = chat_body("Add 2 and 3", tools=[TOOL], **extra)
    response = _post(emulator, http, body, "openai")
    assert response.status_code == 200
    (call,) = response.json()["choices"][0]["message"]["tool_calls"]
    assert call["function"]["name"] == "add"


def test_reasoning_effort_without_tools_is_accepted(emulator: Any, http: Any) -> None:
    response = _post(emulator, http, chat_body(reasoning_effort="high", tools=[]))
    assert response.status_code == 200


@pytest.mark.parametrize("route", ROUTES)
def test_minimal_reasoning_effort_is_an_unsupported_value(
    emulator: Any, http: Any, route: str
) -> None:
    response = _post(emulator, http, chat_body(reasoning_effort="minimal"), route)
    assert response.status_code == 400
    assert response.json() == _error(
        "Unsupported value: 'reasoning_effort' does not support 'minimal' with this model. "
        "Supported values are: 'none', 'low', 'medium', 'high', and 'xhigh'.",
        "reasoning_effort",
        "unsupported_value",
    )


def test_minimal_with_tools_reports_the_value_first(emulator: Any, http: Any) -> None:
    body = chat_body(tools=[TOOL], reasoning_effort="minimal")
    assert _post(emulator, http, body).json()["error"]["code"] == "unsupported_value"


# --- tool histories ------------------------------------------------------------------------


def _call(call_id: str, a: int = 2, b: int = 3) -> dict[str, Any]:
    arguments = f'{{"a": {a}, "b": {b}}}'
    return {"id": call_id, "type": "function", "function": {"name": "add", "arguments": arguments}}


def _history(*messages: dict[str, Any]) -> dict[str, Any]:
    return chat_body(tools=[TOOL]) | {
        "messages": [{"role": "user", "content": "Add 2 and 3"}, *messages]
    }


ORPHAN = (
    "Invalid parameter: messages with role 'tool' must be a response to a preceeding message "
    "with 'tool_calls'."
)


def _unanswered(ids: str) -> str:
    return (
        "An assistant message with 'tool_calls' must be followed by tool messages responding "
        "to each 'tool_call_id'. The following tool_call_ids did not have response messages: " + ids
    )


@pytest.mark.parametrize("route", ROUTES)
def test_a_tool_message_without_tool_calls_before_it_is_refused(
    emulator: Any, http: Any, route: str
) -> None:
    body = _history({"role": "tool", "tool_call_id": "call_1", "content": "5"})
    response = _post(emulator, http, body, route)
    assert response.status_code == 400
    assert response.json() == _error(ORPHAN, "messages.[1].role")


def test_a_tool_message_answering_an_unknown_id_is_refused(emulator: Any, http: Any) -> None:
    body = _history(
        {"role": "assistant", "content": None, "tool_calls": [_call("call_1")]},
        {"role": "tool", "tool_call_id": "call_1", "content": "5"},
        {"role": "tool", "tool_call_id": "call_9", "content": "7"},
    )
    assert _post(emulator, http, body).json() == _error(ORPHAN, "messages.[3].role")


def test_a_tool_message_after_a_user_turn_is_refused(emulator: Any, http: Any) -> None:
    body = _history(
        {"role": "assistant", "content": None, "tool_calls": [_call("call_1")]},
        {"role": "tool", "tool_call_id": "call_1", "content": "5"},
        {"role": "user", "content": "and again"},
        {"role": "tool", "tool_call_id": "call_1", "content": "5"},
    )
    assert _post(emulator, http, body).json() == _error(ORPHAN, "messages.[4].role")


@pytest.mark.parametrize("route", ROUTES)
def test_unanswered_tool_calls_are_refused(emulator: Any, http: Any, route: str) -> None:
    body = _history(
        {"role": "assistant", "content": None, "tool_calls": [_call("call_1"), _call("call_2")]},
        {"role": "tool", "tool_call_id": "call_1", "content": "5"},
        {"role": "user", "content": "go on"},
    )
    response = _post(emulator, http, body, route)
    assert response.status_code == 400
    assert response.json() == _error(_unanswered("call_2"), "messages.[1].role")


def test_tool_calls_at_the_end_of_the_history_are_unanswered(emulator: Any, http: Any) -> None:
    body = _history(
        {"role": "assistant", "content": None, "tool_calls": [_call("call_1"), _call("call_2")]}
    )
    response = _post(emulator, http, body)
    assert response.json() == _error(_unanswered("call_1, call_2"), "messages.[1].role")


def test_a_complete_tool_history_is_accepted_in_any_answer_order(emulator: Any, http: Any) -> None:
    body = _history(
        {"role": "assistant", "content": None, "tool_calls": [_call("call_1"), _call("call_2")]},
        {"role": "tool", "tool_call_id": "call_2", "content": "9"},
        {"role": "tool", "tool_call_id": "call_1", "content": "5"},
    )
    response = _post(emulator, http, body, "openai")
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == (
        "The tools returned: (1) 9; (2) 5"
    )


# --- context length ------------------------------------------------------------------------


def test_a_prompt_over_the_context_is_context_length_exceeded(emulator: Any, http: Any) -> None:
    # " word" is one token in the emulator's estimate: 128,000 of them, the message overhead
    # (3) and the reply overhead (3) make 128,006.
    body = chat_body(" word" * 128_000)
    response = _post(emulator, http, body)
    assert response.status_code == 400
    assert response.json() == _error(
        "This model's maximum context length is 128000 tokens. However, your messages "
        "resulted in 128006 tokens. Please reduce the length of the messages.",
        "messages",
        "context_length_exceeded",
    )


def test_the_context_message_splits_messages_and_functions(emulator: Any, http: Any) -> None:
    body = chat_body(" word" * 128_000, tools=[TOOL])
    in_functions = count_tokens(json.dumps([TOOL], ensure_ascii=False))  # the tool schemas
    response = _post(emulator, http, body, "openai")
    assert response.json() == _error(
        "This model's maximum context length is 128000 tokens. However, your messages "
        f"resulted in {128_006 + in_functions} tokens (128006 in the messages, {in_functions} "
        "in the functions). Please reduce the length of the messages or functions.",
        "messages",
        "context_length_exceeded",
    )


def test_a_prompt_at_the_context_is_accepted_and_counted(emulator: Any, http: Any) -> None:
    body = chat_body(" word" * 127_994)
    response = _post(emulator, http, body)
    assert response.status_code == 200
    assert response.json()["usage"]["prompt_tokens"] == 128_000


def test_large_output_budgets_stay_accepted(emulator: Any, http: Any) -> None:
    # No public body shows a rejection above the catalog's 16,384 (OpenAI lists 128,000).
    response = _post(emulator, http, chat_body(max_completion_tokens=100_000))
    assert response.status_code == 200


def test_a_refused_stream_request_gets_the_json_error_not_a_stream(
    emulator: Any, http: Any
) -> None:
    body = chat_body("Add 2 and 3", tools=[TOOL], reasoning_effort="low", stream=True)
    response = _post(emulator, http, body)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json() == _tools_with_effort_error("gpt-5.4-nano")


def test_a_refused_request_takes_no_queued_reply(emulator: Any, http: Any) -> None:
    emulator.queue_reply(Reply(content="kept"))
    assert _post(emulator, http, chat_body(reasoning_effort="minimal")).status_code == 400
    after = _post(emulator, http, chat_body())
    assert after.json()["choices"][0]["message"]["content"] == "kept"
