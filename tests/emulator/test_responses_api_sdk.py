"""Fidelity: the official ``openai`` SDK parses everything the Responses routes send (reasoning
items, function calls, structured output, usage, incomplete) and raises its own error classes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import openai
import pytest
from openai.types.responses import (
    Response,
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseReasoningItem,
)
from pydantic import BaseModel

from gpt54nano_emulator import Reply

from .conftest import TLS

MODEL = "openai/gpt-5.4-nano"
TOOLS: list[Any] = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "Weather for a city",
        "strict": True,
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    }
]
REASONING: Any = {"effort": "low", "summary": "auto"}
INCLUDE: Any = ["reasoning.encrypted_content"]


class City(BaseModel):
    name: str
    country: str
    population: int


def _sdk(
    run_io: Any,
    emulator: Any,
    sync_fn: Callable[[openai.OpenAI], Any],
    async_fn: Callable[[openai.AsyncOpenAI], Awaitable[Any]],
) -> Any:
    kwargs: dict[str, Any] = {
        "base_url": emulator.openai_base_url,
        "api_key": emulator.api_token,
        "max_retries": 0,
        "timeout": 10,
    }

    def sync() -> Any:
        with openai.OpenAI(**kwargs, http_client=openai.DefaultHttpxClient(verify=TLS)) as c:
            return sync_fn(c)

    async def async_() -> Any:
        http_client = openai.DefaultAsyncHttpxClient(verify=TLS)
        async with openai.AsyncOpenAI(**kwargs, http_client=http_client) as c:
            return await async_fn(c)

    return run_io(sync, async_)


def _create(run_io: Any, emulator: Any, **kwargs: Any) -> Any:
    async def acreate(c: openai.AsyncOpenAI) -> Any:
        return await c.responses.create(**kwargs)

    return _sdk(run_io, emulator, lambda c: c.responses.create(**kwargs), acreate)


def test_create_with_reasoning_and_function_call(emulator: Any, run_io: Any) -> None:
    response = _create(
        run_io,
        emulator,
        model=MODEL,
        input="What is the weather in Paris?",
        tools=TOOLS,
        reasoning=REASONING,
        include=INCLUDE,
        store=False,
    )
    assert isinstance(response, Response)
    assert response.status == "completed"
    assert response.model == "gpt-5.4-nano-2026-03-17"
    reasoning, call = response.output
    assert isinstance(reasoning, ResponseReasoningItem)
    assert [s.type for s in reasoning.summary] == ["summary_text"]
    assert reasoning.summary[0].text.startswith("**Choosing a tool**")
    assert reasoning.encrypted_content and reasoning.encrypted_content.startswith("gAAAAA")
    assert isinstance(call, ResponseFunctionToolCall)
    assert (call.name, call.arguments, call.status) == (
        "get_weather",
        '{"city": "Paris"}',
        "completed",
    )
    assert response.usage is not None
    assert response.usage.output_tokens_details.reasoning_tokens > 0
    assert response.usage.input_tokens_details.cached_tokens == 0
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens


def test_two_turns_send_reasoning_back(emulator: Any, run_io: Any) -> None:
    first = _create(
        run_io,
        emulator,
        model=MODEL,
        input="What is the weather in Paris?",
        tools=TOOLS,
        reasoning=REASONING,
        include=INCLUDE,
        store=False,
    )
    reasoning, call = first.output
    second_input: Any = [
        {"role": "user", "content": "What is the weather in Paris?"},
        reasoning.model_dump(exclude_none=True),
        call.model_dump(exclude_none=True),
        {"type": "function_call_output", "call_id": call.call_id, "output": "Sunny, 21C"},
    ]
    second = _create(
        run_io,
        emulator,
        model=MODEL,
        input=second_input,
        tools=TOOLS,
        reasoning=REASONING,
        include=INCLUDE,
        store=False,
    )
    assert second.output_text == "The tool returned: Sunny, 21C"
    assert emulator.requests[-1].reasoning_returned == (reasoning.id,)
    assert emulator.requests[0].reasoning_returned == ()

    tampered = dict(second_input[1])
    tampered["encrypted_content"] = tampered["encrypted_content"][:-6] + "AAAAA="
    with pytest.raises(openai.BadRequestError) as info:
        _create(
            run_io,
            emulator,
            model=MODEL,
            input=[second_input[0], tampered, *second_input[2:]],
            tools=TOOLS,
            reasoning=REASONING,
            include=INCLUDE,
            store=False,
        )
    assert info.value.code == "invalid_encrypted_content"
    assert emulator.requests[-1].reasoning_returned == ()


def test_parse_structured_output(emulator: Any, run_io: Any) -> None:
    text = "Tell me about the city: name is Paris, country is France, population is 2100000"

    async def aparse(c: openai.AsyncOpenAI) -> Any:
        return await c.responses.parse(model=MODEL, input=text, text_format=City)

    parsed = _sdk(
        run_io,
        emulator,
        lambda c: c.responses.parse(model=MODEL, input=text, text_format=City),
        aparse,
    )
    assert parsed.output_parsed == City(name="Paris", country="France", population=2100000)
    body = emulator.requests[-1].body
    assert body["text"]["format"]["type"] == "json_schema"


def test_incomplete_when_max_output_tokens_cuts(emulator: Any, run_io: Any) -> None:
    emulator.queue_reply(Reply(content="one two three four five six seven eight " * 10))
    response = _create(run_io, emulator, model=MODEL, input="Talk", max_output_tokens=16)
    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == "max_output_tokens"
    message = response.output[0]
    assert isinstance(message, ResponseOutputMessage)
    assert message.status == "incomplete"
    assert response.usage is not None and response.usage.output_tokens == 16


def test_stream_events_and_final_response(emulator: Any, run_io: Any) -> None:
    kwargs: dict[str, Any] = {
        "model": MODEL,
        "input": "What is the weather in Paris?",
        "tools": TOOLS,
        "reasoning": REASONING,
        "include": INCLUDE,
        "store": False,
    }

    def sync(c: openai.OpenAI) -> Any:
        with c.responses.stream(**kwargs) as stream:
            return [e.type for e in stream], stream.get_final_response()

    async def async_(c: openai.AsyncOpenAI) -> Any:
        async with c.responses.stream(**kwargs) as stream:
            return [e.type async for e in stream], await stream.get_final_response()

    types, final = _sdk(run_io, emulator, sync, async_)
    assert types[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.reasoning_summary_part.added",
    ]
    assert "response.reasoning_summary_text.delta" in types
    assert "response.function_call_arguments.delta" in types
    assert types[-1] == "response.completed"
    assert [item.type for item in final.output] == ["reasoning", "function_call"]
    assert final.output[1].arguments == '{"city": "Paris"}'


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("status;status=400;shape=openai", openai.BadRequestError),
        ("status;status=401;code=2009", openai.AuthenticationError),
        ("status;status=429;code=2003", openai.RateLimitError),
        ("status;status=500", openai.InternalServerError),
        ("status;status=503", openai.InternalServerError),
    ],
)
def test_faults_raise_sdk_errors(
    emulator: Any, run_io: Any, fault: str, error: type[Exception]
) -> None:
    kwargs: dict[str, Any] = {
        "model": MODEL,
        "input": "hi",
        "extra_headers": {"x-emulator-fault": fault},
    }
    with pytest.raises(error):
        _create(run_io, emulator, **kwargs)


def test_stream_error_event_raises(emulator: Any, run_io: Any) -> None:
    kwargs: dict[str, Any] = {
        "model": MODEL,
        "input": "hi",
        "extra_headers": {"x-emulator-fault": "error_event;after=3"},
    }

    def sync(c: openai.OpenAI) -> Any:
        with c.responses.stream(**kwargs) as stream:
            return [e.type for e in stream]

    async def async_(c: openai.AsyncOpenAI) -> Any:
        async with c.responses.stream(**kwargs) as stream:
            return [e.type async for e in stream]

    types = _sdk(run_io, emulator, sync, async_)
    assert types == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "error",
    ]
