"""After a tool answered, the scripted model answers with what the tool returned (over loopback,
sync and async): the text answer, a structured reply and a final output-tool call carry the
tool's number or string, not one from the request, so an agent that loses a tool result fails."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import MODEL, rest_headers, rest_url

MULTIPLY = {
    "type": "function",
    "function": {
        "name": "multiply",
        "description": "Multiply two integers",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    },
}
ANSWER_SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "integer"}},
    "required": ["answer"],
    "additionalProperties": False,
}


def _history(result: str, question: str = "What is 6 times 7? Use the multiply tool.") -> list[Any]:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "multiply", "arguments": '{"a": 6, "b": 7}'},
    }
    return [
        {"role": "user", "content": question},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": result},
    ]


def _answer(emulator: Any, http: Any, **body: Any) -> dict[str, Any]:
    response = http.post(
        rest_url(emulator), json={"model": MODEL, **body}, headers=rest_headers(emulator)
    )
    assert response.status_code == 200, response.text
    message: dict[str, Any] = response.json()["choices"][0]["message"]
    return message


# A wrong product on purpose: the answer must be the tool's, not arithmetic on the request.
@pytest.mark.parametrize("result", ["41", '{"product": 41}', "The product is 41."])
def test_structured_output_takes_the_number_the_tool_returned(
    emulator: Any, http: Any, result: str
) -> None:
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": "Answer", "schema": ANSWER_SCHEMA, "strict": True},
    }
    message = _answer(
        emulator, http, messages=_history(result), tools=[MULTIPLY], response_format=response_format
    )
    assert json.loads(message["content"]) == {"answer": 41}


def test_a_stated_key_of_a_json_result_fills_that_property(emulator: Any, http: Any) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "temperature": {"type": "integer"}},
        "required": ["city", "temperature"],
    }
    messages = _history(
        '{"city": "Lyon", "temperature": 17}', "What is the weather in Paris on day 3?"
    )
    response_format = {"type": "json_schema", "json_schema": {"name": "W", "schema": schema}}
    message = _answer(emulator, http, messages=messages, response_format=response_format)
    assert json.loads(message["content"]) == {"city": "Lyon", "temperature": 17}


def test_a_string_result_is_the_string_that_comes_back(emulator: Any, http: Any) -> None:
    schema = {"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]}
    messages = _history("XK-204", "Look up the code for 'order one'.")
    response_format = {"type": "json_schema", "json_schema": {"name": "C", "schema": schema}}
    message = _answer(emulator, http, messages=messages, response_format=response_format)
    assert json.loads(message["content"]) == {"code": "XK-204"}


def test_json_object_without_keys_answers_the_result(emulator: Any, http: Any) -> None:
    messages = _history("41")
    message = _answer(emulator, http, messages=messages, response_format={"type": "json_object"})
    assert json.loads(message["content"]) == {"answer": 41}


def test_the_text_answer_quotes_the_result(emulator: Any, http: Any) -> None:
    message = _answer(emulator, http, messages=_history("41"), tools=[MULTIPLY])
    assert message["content"] == "The tool returned: 41"


def test_a_final_output_tool_call_carries_the_result(emulator: Any, http: Any) -> None:
    # LangChain's ToolStrategy: the structured answer is a forced call to an output tool.
    output_tool = {
        "type": "function",
        "function": {
            "name": "Answer",
            "description": "The final answer",
            "parameters": ANSWER_SCHEMA,
        },
    }
    message = _answer(
        emulator,
        http,
        messages=_history("41"),
        tools=[MULTIPLY, output_tool],
        tool_choice="required",
    )
    (call,) = message["tool_calls"]
    assert call["function"]["name"] == "Answer"
    assert json.loads(call["function"]["arguments"]) == {"answer": 41}


def test_the_newest_step_wins_over_an_older_one(emulator: Any, http: Any) -> None:
    older = _history("12")
    second_call = {
        "id": "call_2",
        "type": "function",
        "function": {"name": "multiply", "arguments": '{"a": 12, "b": 2}'},
    }
    messages = [
        *older,
        {"role": "assistant", "content": None, "tool_calls": [second_call]},
        {"role": "tool", "tool_call_id": "call_2", "content": "24"},
    ]
    response_format = {"type": "json_schema", "json_schema": {"name": "A", "schema": ANSWER_SCHEMA}}
    message = _answer(emulator, http, messages=messages, response_format=response_format)
    assert json.loads(message["content"]) == {"answer": 24}
