"""Fidelity: the official ``openai`` SDK, pointed at the emulator's REST base URL, parses every
kind of output and raises its own status errors for the fault statuses."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import openai
import pytest
from pydantic import BaseModel

from gpt54nano_emulator import Reply

from .conftest import TLS

MODEL = "openai/gpt-5.4-nano"
MESSAGES: list[Any] = [{"role": "user", "content": "What is the weather in Paris?"}]
TOOLS: list[Any] = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "strict": True,
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
                "additionalProperties": False,
            },
        },
    }
]


class City(BaseModel):
    name: str
    country: str
    population: int


def _sdk(
    run_io: Any,
    emulator: Any,
    sync_fn: Callable[[openai.OpenAI], Any],
    async_fn: Callable[[openai.AsyncOpenAI], Awaitable[Any]],
    **client_kwargs: Any,
) -> Any:
    kwargs = {
        "base_url": emulator.openai_base_url,
        "api_key": emulator.api_token,
        "max_retries": 0,
        "timeout": 10,
        **client_kwargs,
    }

    def sync() -> Any:
        http_client = openai.DefaultHttpxClient(verify=TLS)
        with openai.OpenAI(**kwargs, http_client=http_client) as client:
            return sync_fn(client)

    async def async_() -> Any:
        http_client = openai.DefaultAsyncHttpxClient(verify=TLS)
        async with openai.AsyncOpenAI(**kwargs, http_client=http_client) as client:
            return await async_fn(client)

    return run_io(sync, async_)


def test_plain_completion(emulator: Any, run_io: Any) -> None:
    emulator.queue_reply(Reply(content="Sunny in Paris."))
    completion = _sdk(
        run_io,
        emulator,
        lambda c: c.chat.completions.create(model=MODEL, messages=MESSAGES),
        lambda c: c.chat.completions.create(model=MODEL, messages=MESSAGES),
    )
    assert isinstance(completion, openai.types.chat.ChatCompletion)
    assert completion.choices[0].message.content == "Sunny in Paris."
    assert completion.choices[0].finish_reason == "stop"
    assert completion.model == "gpt-5.4-nano-2026-03-17"
    assert completion.usage is not None
    assert completion.usage.prompt_tokens_details is not None
    assert completion.usage.prompt_tokens_details.cached_tokens == 0
    assert completion.usage.completion_tokens_details is not None
    assert completion.usage.completion_tokens_details.reasoning_tokens == 0
    assert completion.model_extra == {"gatewayMetadata": {"keySource": "Unified"}}


def test_streamed_completion_with_usage(emulator: Any, run_io: Any) -> None:
    emulator.queue_reply(Reply(content="Sunny and warm in Paris today."))
    kwargs: dict[str, Any] = {
        "model": MODEL,
        "messages": MESSAGES,
        "stream": True,
        "stream_options": {"include_usage": True},
    }

    def sync(client: openai.OpenAI) -> list[Any]:
        return list(client.chat.completions.create(**kwargs))

    async def async_(client: openai.AsyncOpenAI) -> list[Any]:
        return [chunk async for chunk in await client.chat.completions.create(**kwargs)]

    chunks = _sdk(run_io, emulator, sync, async_)
    assert all(isinstance(c, openai.types.chat.ChatCompletionChunk) for c in chunks)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Sunny and warm in Paris today."
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    assert chunks[-2].choices[0].finish_reason == "stop"


def test_tool_calls(emulator: Any, run_io: Any) -> None:
    emulator.queue_reply(
        Reply(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}])
    )
    completion = _sdk(
        run_io,
        emulator,
        lambda c: c.chat.completions.create(model=MODEL, messages=MESSAGES, tools=TOOLS),
        lambda c: c.chat.completions.create(model=MODEL, messages=MESSAGES, tools=TOOLS),
    )
    message = completion.choices[0].message
    assert completion.choices[0].finish_reason == "tool_calls"
    (call,) = message.tool_calls
    assert call.type == "function"
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    assert call.id


def test_streamed_tool_calls_accumulate_in_the_sdk_helper(emulator: Any, run_io: Any) -> None:
    arguments = {"city": 'Paris, Île-de-France "75"'}
    emulator.queue_reply(Reply(tool_calls=[{"name": "get_weather", "arguments": arguments}]))
    kwargs: dict[str, Any] = {"model": MODEL, "messages": MESSAGES, "tools": TOOLS}

    def sync(client: openai.OpenAI) -> Any:
        with client.chat.completions.stream(**kwargs) as stream:
            for _ in stream:
                pass
            return stream.get_final_completion()

    async def async_(client: openai.AsyncOpenAI) -> Any:
        async with client.chat.completions.stream(**kwargs) as stream:
            async for _ in stream:
                pass
            return await stream.get_final_completion()

    final = _sdk(run_io, emulator, sync, async_)
    (call,) = final.choices[0].message.tool_calls
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == arguments
    assert final.choices[0].finish_reason == "tool_calls"


def test_structured_output_parse(emulator: Any, run_io: Any) -> None:
    messages: list[Any] = [{"role": "user", "content": "Describe Paris."}]
    parsed = _sdk(
        run_io,
        emulator,
        lambda c: c.chat.completions.parse(model=MODEL, messages=messages, response_format=City),
        lambda c: c.chat.completions.parse(model=MODEL, messages=messages, response_format=City),
    )
    city = parsed.choices[0].message.parsed
    assert isinstance(city, City)
    assert emulator.requests[-1].body["response_format"]["type"] == "json_schema"


def test_refusal(emulator: Any, run_io: Any) -> None:
    emulator.queue_reply(Reply(refusal="I can't help with that."))
    completion = _sdk(
        run_io,
        emulator,
        lambda c: c.chat.completions.create(model=MODEL, messages=MESSAGES),
        lambda c: c.chat.completions.create(model=MODEL, messages=MESSAGES),
    )
    assert completion.choices[0].message.refusal == "I can't help with that."


def _error(run_io: Any, emulator: Any, headers: dict[str, str], **client_kwargs: Any) -> Any:
    def sync(client: openai.OpenAI) -> Exception:
        try:
            client.chat.completions.create(model=MODEL, messages=MESSAGES, extra_headers=headers)
        except openai.OpenAIError as exc:
            return exc
        raise AssertionError("no error raised")

    async def async_(client: openai.AsyncOpenAI) -> Exception:
        try:
            await client.chat.completions.create(
                model=MODEL, messages=MESSAGES, extra_headers=headers
            )
        except openai.OpenAIError as exc:
            return exc
        raise AssertionError("no error raised")

    return _sdk(run_io, emulator, sync, async_, **client_kwargs)


@pytest.mark.parametrize(
    ("fault", "error_class", "status"),
    [
        ("status;status=402;code=2021", openai.APIStatusError, 402),
        ("status;status=429;code=2003", openai.RateLimitError, 429),
        ("status;status=429;code=2045", openai.RateLimitError, 429),
        ("status;status=429;code=3040", openai.RateLimitError, 429),
        ("status;status=429;code=3036", openai.RateLimitError, 429),
        ("status;status=408;code=3007", openai.APIStatusError, 408),
        ("status;status=401;code=2009", openai.AuthenticationError, 401),
        ("status;status=400;code=2001", openai.BadRequestError, 400),
        ("status;status=500", openai.InternalServerError, 500),
        ("status;status=502", openai.InternalServerError, 502),
        ("status;status=503", openai.InternalServerError, 503),
        ("status;status=504", openai.InternalServerError, 504),
    ],
)
def test_fault_statuses_raise_sdk_errors(
    emulator: Any, run_io: Any, fault: str, error_class: type, status: int
) -> None:
    error = _error(run_io, emulator, {"x-emulator-fault": fault})
    assert isinstance(error, error_class)
    assert error.status_code == status
    assert error.response.headers["cf-aig-step"] == "0"


def test_wrong_token_is_authentication_error(emulator: Any, run_io: Any) -> None:
    error = _error(run_io, emulator, {}, api_key="wrong")
    assert isinstance(error, openai.AuthenticationError)
    assert error.body == {
        "result": None,
        "success": False,
        "errors": [{"code": 10000, "message": "Authentication error"}],
        "messages": [],
    }


def test_temperature_rule_is_bad_request_with_openai_fields(emulator: Any, run_io: Any) -> None:
    def sync(client: openai.OpenAI) -> Exception:
        with pytest.raises(openai.BadRequestError) as info:
            client.chat.completions.create(model=MODEL, messages=MESSAGES, temperature=0)
        return info.value

    async def async_(client: openai.AsyncOpenAI) -> Exception:
        with pytest.raises(openai.BadRequestError) as info:
            await client.chat.completions.create(model=MODEL, messages=MESSAGES, temperature=0)
        return info.value

    error = _sdk(run_io, emulator, sync, async_)
    assert error.code == "unsupported_value"
    assert error.param == "temperature"


def test_unknown_model_is_not_found(emulator: Any, run_io: Any) -> None:
    def sync(client: openai.OpenAI) -> Exception:
        with pytest.raises(openai.NotFoundError) as info:
            client.chat.completions.create(model="openai/gpt-9", messages=MESSAGES)
        return info.value

    async def async_(client: openai.AsyncOpenAI) -> Exception:
        with pytest.raises(openai.NotFoundError) as info:
            await client.chat.completions.create(model="openai/gpt-9", messages=MESSAGES)
        return info.value

    assert _sdk(run_io, emulator, sync, async_).status_code == 404


def test_reset_is_connection_error(emulator: Any, run_io: Any) -> None:
    error = _error(run_io, emulator, {"x-emulator-fault": "reset"})
    assert isinstance(error, openai.APIConnectionError)


def test_error_event_mid_stream_raises_api_error(emulator: Any, run_io: Any) -> None:
    emulator.queue_reply(Reply(content="one two three four"))
    headers = {"x-emulator-fault": "error_event;after=2;message=upstream overloaded"}
    kwargs: dict[str, Any] = {
        "model": MODEL,
        "messages": MESSAGES,
        "stream": True,
        "extra_headers": headers,
    }

    def sync(client: openai.OpenAI) -> Exception:
        with pytest.raises(openai.APIError) as info:
            list(client.chat.completions.create(**kwargs))
        return info.value

    async def async_(client: openai.AsyncOpenAI) -> Exception:
        with pytest.raises(openai.APIError) as info:
            async for _ in await client.chat.completions.create(**kwargs):
                pass
        return info.value

    assert "upstream overloaded" in str(_sdk(run_io, emulator, sync, async_))


def test_models_listing_is_rejected_like_cloudflare(emulator: Any, run_io: Any) -> None:
    def sync(client: openai.OpenAI) -> Exception:
        with pytest.raises(openai.APIStatusError) as info:
            client.models.list()
        return info.value

    async def async_(client: openai.AsyncOpenAI) -> Exception:
        with pytest.raises(openai.APIStatusError) as info:
            await client.models.list()
        return info.value

    assert _sdk(run_io, emulator, sync, async_).status_code == 405


def test_sdk_against_the_gateway_compat_base_url(emulator: Any, run_io: Any) -> None:
    # The gateway host takes the Cloudflare token in cf-aig-authorization; the SDK's own
    # Authorization header then carries a provider key the gateway ignores (Unified Billing).
    emulator.queue_reply(Reply(content="via compat"))
    completion = _sdk(
        run_io,
        emulator,
        lambda c: c.chat.completions.create(model=MODEL, messages=MESSAGES),
        lambda c: c.chat.completions.create(model=MODEL, messages=MESSAGES),
        base_url=f"{emulator.gateway_base_url}/{emulator.account_id}/default/compat",
        api_key="unused-provider-key",
        default_headers={"cf-aig-authorization": f"Bearer {emulator.api_token}"},
    )
    assert completion.choices[0].message.content == "via compat"
    assert emulator.requests[-1].path.endswith("/default/compat/chat/completions")


ADD_TOOL: list[Any] = [
    {
        "type": "function",
        "function": {
            "name": "add",
            "parameters": {
                "type": "object",
                "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            },
        },
    }
]
ORPHAN_TOOL: list[Any] = [
    {"role": "user", "content": "Add 2 and 3"},
    {"role": "tool", "tool_call_id": "call_1", "content": "5"},
]
UNANSWERED: list[Any] = [
    {"role": "user", "content": "Add 2 and 3"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "add", "arguments": "{}"}}
        ],
    },
]
OPENAI_RULES = {
    "unknown_argument": (
        {"messages": MESSAGES, "extra_body": {"thinking": {"type": "enabled"}}},
        "Unrecognized request argument supplied: thinking",
        None,
        None,
    ),
    "tools_with_effort": (
        {"messages": MESSAGES, "tools": ADD_TOOL, "reasoning_effort": "low"},
        "Function tools with reasoning_effort are not supported for gpt-5.4-nano in "
        "/v1/chat/completions. To use function tools, use /v1/responses or set "
        "reasoning_effort to 'none'.",
        "reasoning_effort",
        None,
    ),
    "minimal_effort": (
        {"messages": MESSAGES, "reasoning_effort": "minimal"},
        "Unsupported value: 'reasoning_effort' does not support 'minimal' with this model. "
        "Supported values are: 'none', 'low', 'medium', 'high', and 'xhigh'.",
        "reasoning_effort",
        "unsupported_value",
    ),
    "orphan_tool_message": (
        {"messages": ORPHAN_TOOL, "tools": ADD_TOOL},
        "Invalid parameter: messages with role 'tool' must be a response to a preceeding "
        "message with 'tool_calls'.",
        "messages.[1].role",
        None,
    ),
    "unanswered_tool_calls": (
        {"messages": UNANSWERED, "tools": ADD_TOOL},
        "An assistant message with 'tool_calls' must be followed by tool messages responding "
        "to each 'tool_call_id'. The following tool_call_ids did not have response messages: "
        "call_1",
        "messages.[1].role",
        None,
    ),
    "context_length": (
        {"messages": [{"role": "user", "content": " word" * 128_000}]},
        "This model's maximum context length is 128000 tokens. However, your messages "
        "resulted in 128006 tokens. Please reduce the length of the messages.",
        "messages",
        "context_length_exceeded",
    ),
}


@pytest.mark.parametrize("rule", sorted(OPENAI_RULES))
def test_openai_rules_raise_bad_request_with_openai_fields(
    emulator: Any, run_io: Any, rule: str
) -> None:
    kwargs, message, param, code = OPENAI_RULES[rule]

    def sync(client: openai.OpenAI) -> Exception:
        with pytest.raises(openai.BadRequestError) as info:
            client.chat.completions.create(model=MODEL, **kwargs)
        return info.value

    async def async_(client: openai.AsyncOpenAI) -> Exception:
        with pytest.raises(openai.BadRequestError) as info:
            await client.chat.completions.create(model=MODEL, **kwargs)
        return info.value

    error = _sdk(run_io, emulator, sync, async_)
    assert isinstance(error, openai.BadRequestError)
    assert error.status_code == 400
    assert error.body == {
        "message": message,
        "type": "invalid_request_error",
        "param": param,
        "code": code,
    }
    assert (error.message, error.type, error.param, error.code) == (
        f"Error code: 400 - {{'error': {error.body!r}}}",
        "invalid_request_error",
        param,
        code,
    )
