"""ChatOpenAI parity for production code paths: generate()'s llm_output, response_format on
bind_tools/invoke, with_structured_output forms, histories from other providers. Against the
emulator, sync and async."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, FunctionMessage, HumanMessage, ToolMessage
from pydantic import BaseModel

from gpt54nano_emulator import Reply
from gpt54nano_gateway import errors
from langchain_gpt54nano import ChatGPT54Nano
from langchain_gpt54nano._llm_output import combine_llm_outputs

RunIO = Any


def _invoke(run_io: RunIO, llm: Any, prompt: Any, **kwargs: Any) -> Any:
    return run_io(lambda: llm.invoke(prompt, **kwargs), lambda: llm.ainvoke(prompt, **kwargs))


def _chat_requests(emulator: Any) -> list[Any]:
    return [r for r in emulator.requests if r.path.endswith("/chat/completions")]


# --- generate(): llm_output ------------------------------------------------------------------


def test_generate_reports_summed_token_usage_and_model_name(
    run_io: RunIO, llm: ChatGPT54Nano, emulator: Any
) -> None:
    prompts = [[HumanMessage("Hello")], [HumanMessage("Hi there, how are you today?")]]
    result = run_io(lambda: llm.generate(prompts), lambda: llm.agenerate(prompts))
    usages = [generation[0].message.usage_metadata for generation in result.generations]
    assert result.llm_output == {
        "model_name": "openai/gpt-5.4-nano",
        "token_usage": {
            "prompt_tokens": sum(u["input_tokens"] for u in usages),
            "completion_tokens": sum(u["output_tokens"] for u in usages),
            "total_tokens": sum(u["total_tokens"] for u in usages),
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
    }
    assert len(_chat_requests(emulator)) == 2
    assert all(u["input_tokens"] > 0 for u in usages)


def test_combine_llm_outputs_sums_nested_usage_and_skips_streamed_calls() -> None:
    outputs = [
        None,  # a streamed call has no llm_output
        {"token_usage": {"prompt_tokens": 3, "prompt_tokens_details": {"cached_tokens": 1}}},
        {
            "token_usage": {
                "prompt_tokens": 4,
                "completion_tokens": 2,
                "prompt_tokens_details": {"cached_tokens": 2, "audio_tokens": None},
            },
            "system_fingerprint": "fp_1",
        },
    ]
    assert combine_llm_outputs(outputs, model_name="m") == {
        "token_usage": {
            "prompt_tokens": 7,
            "completion_tokens": 2,
            "prompt_tokens_details": {"cached_tokens": 3, "audio_tokens": None},
        },
        "model_name": "m",
        "system_fingerprint": "fp_1",
    }
    assert combine_llm_outputs([None], model_name="m") == {"token_usage": {}, "model_name": "m"}


# --- response_format= on invoke and bind_tools (ChatOpenAI's forms) ----------------------------


class City(BaseModel):
    """A city and its country."""

    name: str
    country: str


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


CITY_FORMAT = {
    "type": "json_schema",
    "json_schema": {
        "name": "City",
        "description": "A city and its country.",
        "schema": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "country": {"type": "string"}},
            "required": ["name", "country"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}
LISBON = '{"name": "Lisbon", "country": "Portugal"}'


def test_invoke_with_a_response_format_class_parses_it(
    run_io: RunIO, llm: ChatGPT54Nano, emulator: Any
) -> None:
    emulator.queue_reply(Reply(content=LISBON))
    message = _invoke(run_io, llm, "Capital of Portugal?", response_format=City)
    assert message.additional_kwargs == {"parsed": City(name="Lisbon", country="Portugal")}
    assert message.content == LISBON
    assert _chat_requests(emulator)[-1].body["response_format"] == CITY_FORMAT


def test_bind_tools_with_response_format_sends_strict_tools_and_parses(
    run_io: RunIO, llm: ChatGPT54Nano, emulator: Any
) -> None:
    bound = llm.bind_tools([add], response_format=City)
    emulator.queue_reply(Reply(content=LISBON))
    answer = _invoke(run_io, bound, "Capital of Portugal?")
    emulator.queue_reply(Reply(tool_calls=[{"name": "add", "arguments": {"a": 2, "b": 3}}]))
    called = _invoke(run_io, bound, "2 + 3?")
    assert answer.additional_kwargs == {"parsed": City(name="Lisbon", country="Portugal")}
    assert called.additional_kwargs == {"parsed": None}  # a tool call: nothing to parse
    assert [(c["name"], c["args"]) for c in called.tool_calls] == [("add", {"a": 2, "b": 3})]
    body = _chat_requests(emulator)[-1].body
    assert body["response_format"] == CITY_FORMAT
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "add",
                "description": "Add two integers.",
                "parameters": {
                    "type": "object",
                    "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                    "required": ["a", "b"],
                    "additionalProperties": False,
                },
                "strict": True,
            },
        }
    ]


def test_bind_tools_takes_an_agents_json_schema_response_format(
    run_io: RunIO, llm: ChatGPT54Nano, emulator: Any
) -> None:
    # langchain.agents' ProviderStrategy form: a json_schema without a name.
    agent_form = {"type": "json_schema", "json_schema": {"schema": City.model_json_schema()}}
    bound = llm.bind_tools([add], response_format=agent_form)
    emulator.queue_reply(Reply(content=LISBON))
    message = _invoke(run_io, bound, "Capital of Portugal?")
    assert message.content == LISBON and "parsed" not in message.additional_kwargs
    sent = _chat_requests(emulator)[-1].body["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["name"] == "City"
    assert sent["json_schema"]["strict"] is True


def test_a_stream_with_a_response_format_class_ends_with_the_parsed_chunk(
    run_io: RunIO, llm: ChatGPT54Nano, emulator: Any
) -> None:
    async def collect() -> list[Any]:
        return [c async for c in llm.astream("Capital?", response_format=City)]

    emulator.queue_reply(Reply(content=LISBON))
    chunks = run_io(lambda: list(llm.stream("Capital?", response_format=City)), collect)
    lisbon = City(name="Lisbon", country="Portugal")
    # The model's last chunk carries only `parsed` (core then adds its empty end marker).
    parsed, marker = chunks[-2:]
    assert (parsed.content, parsed.additional_kwargs) == ("", {"parsed": lisbon})
    assert marker.chunk_position == "last"
    assert all("parsed" not in c.additional_kwargs for c in [*chunks[:-2], marker])
    full = sum(chunks[1:], chunks[0])
    assert (full.content, full.additional_kwargs) == (LISBON, {"parsed": lisbon})
    assert _chat_requests(emulator)[-1].body["response_format"] == CITY_FORMAT
    # streaming=True: invoke streams internally and still parses.
    emulator.queue_reply(Reply(content=LISBON))
    streaming = llm.model_copy(update={"streaming": True})
    message = _invoke(run_io, streaming, "Capital?", response_format=City)
    assert message.additional_kwargs == {"parsed": lisbon}


def test_a_response_that_is_not_the_class_is_a_typed_error(
    run_io: RunIO, llm: ChatGPT54Nano, emulator: Any
) -> None:
    emulator.queue_reply(Reply(content='{"name": "Lisbon"}'))
    with pytest.raises(errors.ResponseParseError, match="not a valid City"):
        _invoke(run_io, llm, "Capital of Portugal?", response_format=City)


def test_with_structured_output_takes_a_response_format_dict(
    run_io: RunIO, llm: ChatGPT54Nano, emulator: Any
) -> None:
    emulator.queue_reply(Reply(content=LISBON))
    structured = llm.with_structured_output(CITY_FORMAT)
    assert _invoke(run_io, structured, "Capital?") == {"name": "Lisbon", "country": "Portugal"}
    assert _chat_requests(emulator)[-1].body["response_format"] == CITY_FORMAT
    with pytest.raises(ValueError, match="give it in one place"):
        llm.with_structured_output(CITY_FORMAT, strict=False)


def test_with_structured_output_with_tools(
    run_io: RunIO, llm: ChatGPT54Nano, emulator: Any
) -> None:
    structured = llm.with_structured_output(City, tools=[add], include_raw=True)
    emulator.queue_reply(Reply(content=LISBON))
    answered = _invoke(run_io, structured, "Capital of Portugal?")
    emulator.queue_reply(Reply(tool_calls=[{"name": "add", "arguments": {"a": 1, "b": 2}}]))
    called = _invoke(run_io, structured, "1 + 2?")
    assert answered["parsed"] == City(name="Lisbon", country="Portugal")
    assert answered["parsing_error"] is None
    assert (called["parsed"], called["parsing_error"]) == (None, None)
    assert called["raw"].tool_calls[0]["args"] == {"a": 1, "b": 2}
    body = _chat_requests(emulator)[-1].body
    assert body["tools"][0]["function"]["strict"] is True
    assert body["response_format"] == CITY_FORMAT
    with pytest.raises(ValueError, match="json_schema"):
        llm.with_structured_output(City, tools=[add], method="function_calling")


# --- histories written by other code: other providers, legacy OpenAI ---------------------------


def test_tool_message_text_blocks_stay_separate(
    run_io: RunIO, llm: ChatGPT54Nano, emulator: Any
) -> None:
    call = {"name": "add", "args": {"a": 1, "b": 2}, "id": "call_1", "type": "tool_call"}
    history = [
        HumanMessage("1 + 2?"),
        AIMessage("", tool_calls=[call]),
        ToolMessage(
            [{"type": "text", "text": "first line"}, "second line", {"type": "text", "text": "3"}],
            tool_call_id="call_1",
        ),
    ]
    _invoke(run_io, llm, history)
    assert _chat_requests(emulator)[-1].body["messages"][2] == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": [
            {"type": "text", "text": "first line"},
            {"type": "text", "text": "second line"},
            {"type": "text", "text": "3"},
        ],
    }


def test_other_providers_reasoning_blocks_are_dropped(
    run_io: RunIO, llm: ChatGPT54Nano, emulator: Any
) -> None:
    anthropic = AIMessage(
        [
            {"type": "thinking", "thinking": "The user greets me.", "signature": "c2ln"},
            {"type": "redacted_thinking", "data": "ZW5j"},
            {"type": "text", "text": "Hello!"},
        ],
        response_metadata={"model_provider": "anthropic"},
    )
    standard = AIMessage(
        [
            {"type": "reasoning", "reasoning": "Count the words."},
            {"type": "text", "text": "Two words."},
        ],
        additional_kwargs={"reasoning_content": "deepseek-style reasoning"},
    )
    history = [HumanMessage("Hi"), anthropic, HumanMessage("Count: a b"), standard]
    reply = _invoke(run_io, llm, [*history, HumanMessage("Thanks")])
    assert reply.content
    assert _chat_requests(emulator)[-1].body["messages"] == [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "Count: a b"},
        {"role": "assistant", "content": "Two words."},
        {"role": "user", "content": "Thanks"},
    ]


def test_legacy_function_call_is_sent_as_a_tool_call(
    run_io: RunIO, llm: ChatGPT54Nano, emulator: Any
) -> None:
    legacy = AIMessage(
        "",
        additional_kwargs={"function_call": {"name": "add", "arguments": '{"a": 2, "b": 3}'}},
    )
    history = [
        HumanMessage("2 + 3?"),
        legacy,
        FunctionMessage("5", name="add"),
        HumanMessage("And doubled?"),
    ]
    reply = _invoke(run_io, llm.bind_tools([add]), history)
    assert isinstance(reply, AIMessage)  # the emulator's tool-history rules accepted it
    assert _chat_requests(emulator)[-1].body["messages"] == [
        {"role": "user", "content": "2 + 3?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_legacy_1",
                    "type": "function",
                    "function": {"name": "add", "arguments": '{"a": 2, "b": 3}'},
                }
            ],
        },
        {"role": "tool", "content": "5", "tool_call_id": "call_legacy_1"},
        {"role": "user", "content": "And doubled?"},
    ]
