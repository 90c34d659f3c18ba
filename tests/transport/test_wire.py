"""wire.py: strict requests (bad input fails before sending), exact bodies, tolerant responses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from gpt54nano_gateway.meta import GatewayMeta
from gpt54nano_gateway.wire import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    request_to_wire,
)
from tests.support.corpus import corpus_file

CATALOG = corpus_file("cloudflare-catalog", "openai-gpt-5.4-nano.json")
USER = {"role": "user", "content": "hi"}
TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}


def body(**fields: Any) -> dict[str, Any]:
    return {"messages": [USER], **fields}


def part(**fields: Any) -> dict[str, Any]:
    """A request whose only message is a user turn with one content part."""
    return {"messages": [{"role": "user", "content": [fields]}]}


def fn(**function: Any) -> dict[str, Any]:
    """A request with one function tool."""
    return body(tools=[{"type": "function", "function": function}])


INVALID: list[tuple[str, dict[str, Any]]] = [
    ("temperature-high", body(temperature=2.1)),
    ("temperature-negative", body(temperature=-0.1)),
    ("temperature-nan", body(temperature=float("nan"))),
    ("top_p-high", body(top_p=1.5)),
    ("top_p-negative", body(top_p=-0.1)),
    ("frequency_penalty-high", body(frequency_penalty=2.1)),
    ("frequency_penalty-low", body(frequency_penalty=-2.1)),
    ("presence_penalty-high", body(presence_penalty=2.1)),
    ("presence_penalty-low", body(presence_penalty=-2.1)),
    ("max_tokens-zero", body(max_tokens=0)),
    ("max_tokens-fraction", body(max_tokens=1.5)),
    ("max_completion_tokens-zero", body(max_completion_tokens=0)),
    ("n-zero", body(n=0)),
    ("top_logprobs-high", body(logprobs=True, top_logprobs=21)),
    ("top_logprobs-without-logprobs", body(top_logprobs=2)),
    ("logit_bias-out-of-range", body(logit_bias={"50256": 101})),
    ("stop-too-many", body(stop=["a", "b", "c", "d", "e"])),
    ("stream_options-extra-key", body(stream_options={"include_obfuscation": True})),
    ("reasoning_effort-unknown", body(reasoning_effort="extreme")),
    ("service_tier-unknown", body(service_tier="turbo")),
    ("verbosity-unknown", body(verbosity="max")),
    ("prompt_cache_retention-unknown", body(prompt_cache_retention="1h")),
    ("prompt_cache_key-not-a-string", body(prompt_cache_key=7)),
    ("safety_identifier-too-long", body(safety_identifier="u" * 65)),
    ("store-not-a-bool", body(store="maybe")),
    ("metadata-too-many-pairs", body(metadata={f"k{i}": "v" for i in range(17)})),
    ("metadata-key-too-long", body(metadata={"k" * 65: "v"})),
    ("metadata-value-too-long", body(metadata={"k": "v" * 513})),
    ("metadata-value-not-a-string", body(metadata={"k": 1})),
    ("no-messages", {"messages": []}),
    ("messages-missing", {}),
    ("unknown-role", {"messages": [{"role": "wizard", "content": "x"}]}),
    ("role-missing", {"messages": [{"content": "x"}]}),
    ("user-without-content", {"messages": [{"role": "user"}]}),
    ("message-extra-key", {"messages": [{"role": "user", "content": "x", "colour": "red"}]}),
    ("tool-without-tool_call_id", {"messages": [USER, {"role": "tool", "content": "42"}]}),
    (
        "tool-empty-tool_call_id",
        {"messages": [{"role": "tool", "content": "", "tool_call_id": ""}]},
    ),
    ("assistant-empty", {"messages": [USER, {"role": "assistant"}]}),
    ("assistant-null-content", {"messages": [USER, {"role": "assistant", "content": None}]}),
    ("tool_choice-without-tools", body(tool_choice="required")),
    (
        "named-tool_choice-without-tools",
        body(tool_choice={"type": "function", "function": {"name": "f"}}),
    ),
    ("tool_choice-unknown-string", body(tools=[TOOL], tool_choice="always")),
    ("function-name-space", fn(name="get weather")),
    ("function-name-empty", fn(name="")),
    ("function-name-too-long", fn(name="f" * 65)),
    ("function-parameters-not-object", fn(name="f", parameters={"type": "string"})),
    ("function-extra-key", fn(name="f", returns="int")),
    ("tool-type-unknown", body(tools=[{"type": "retrieval", "function": {"name": "f"}}])),
    ("response_format-unknown-type", body(response_format={"type": "xml"})),
    ("json_schema-without-spec", body(response_format={"type": "json_schema"})),
    (
        "json_schema-bad-name",
        body(response_format={"type": "json_schema", "json_schema": {"name": "a b"}}),
    ),
    ("content-part-unknown-type", part(type="video", url="x")),
    ("image-detail-unknown", part(type="image_url", image_url={"url": "u", "detail": "max"})),
    ("file-part-without-source", part(type="file", file={"filename": "a.pdf"})),
    ("audio-format-unknown", part(type="input_audio", input_audio={"data": "x", "format": "ogg"})),
    ("system-with-image", {"messages": [{"role": "system", "content": [{"type": "image_url"}]}]}),
]


# What the error must name (the field, or the rule's message), so a case cannot pass by accident.
REASON = {
    "top_logprobs-without-logprobs": "top_logprobs needs logprobs",
    "stop-too-many": "at most 4 items",
    "no-messages": "messages",
    "messages-missing": "messages",
    "unknown-role": "wizard",
    "role-missing": "discriminator 'role'",
    "assistant-empty": "needs content, tool_calls or refusal",
    "assistant-null-content": "needs content, tool_calls or refusal",
    "tool_choice-without-tools": "tool_choice needs tools",
    "named-tool_choice-without-tools": "tool_choice needs tools",
    "tool_choice-unknown-string": "tool_choice",
    "function-parameters-not-object": "of type 'object'",
    "response_format-unknown-type": "'xml'",
    "content-part-unknown-type": "'video'",
    "image-detail-unknown": "image_url.detail",
    "file-part-without-source": "file_data",
    "audio-format-unknown": "input_audio.format",
    "system-with-image": "'text'",
    "stream_options-extra-key": "include_obfuscation",
    "message-extra-key": "colour",
    "user-without-content": "user.content",
    "tool-without-tool_call_id": "tool.tool_call_id",
    "tool-empty-tool_call_id": "tool.tool_call_id",
    "function-name-space": "function.name",
    "function-name-empty": "function.name",
    "function-name-too-long": "function.name",
    "function-extra-key": "function.returns",
    "tool-type-unknown": "tools.0.type",
    "json_schema-without-spec": "json_schema.json_schema",
    "json_schema-bad-name": "json_schema.name",
}


@pytest.mark.parametrize(("name", "payload"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_request_is_a_validation_error(name: str, payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        ChatRequest.model_validate(payload)
    reason = REASON.get(name, name.split("-")[0])  # default: the field named in the case id
    assert reason in str(caught.value)


@pytest.mark.parametrize(
    "fields",
    [
        {"temperature": 0, "top_p": 1, "frequency_penalty": -2, "presence_penalty": 2},
        {"temperature": 2, "max_tokens": 1, "max_completion_tokens": 16384, "n": 128},
        {"tools": [TOOL], "tool_choice": "none"},
        {"tool_choice": "none"},
        {"tools": [TOOL], "tool_choice": {"type": "function", "function": {"name": "get_weather"}}},
        {"response_format": {"type": "json_object"}},
        {"stop": "END", "seed": 7, "logprobs": True, "top_logprobs": 20},
        {"stream": True, "stream_options": {"include_usage": True}},
        {"verbosity": "low", "service_tier": "flex", "store": False},
        {"verbosity": "high", "service_tier": "priority", "prompt_cache_retention": "24h"},
        {"service_tier": "fast", "prompt_cache_retention": "in_memory", "prompt_cache_key": "k"},
        {"safety_identifier": "u" * 64, "metadata": {f"k{i}": "v" * 512 for i in range(16)}},
        {"metadata": {"k" * 64: ""}, "service_tier": "scale", "verbosity": "medium"},
    ],
)
def test_boundary_values_are_accepted(fields: dict[str, Any]) -> None:
    ChatRequest.model_validate(body(**fields))


def test_request_to_wire_omits_unset_and_none_fields() -> None:
    request = ChatRequest.model_validate(body(temperature=None, tools=None))
    assert request_to_wire(request) == {"messages": [{"role": "user", "content": "hi"}]}


def test_request_to_wire_keeps_assistant_content_null_for_tool_call_turns() -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    request = ChatRequest.model_validate(
        {
            "messages": [
                USER,
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "content": "42", "tool_call_id": "call_1"},
                {"role": "assistant", "content": "It is 42."},
            ],
            "tools": [TOOL],
        }
    )
    wire = request_to_wire(request)
    assert isinstance(request.messages[1], AssistantMessage)
    assert wire["messages"][1] == {"role": "assistant", "content": None, "tool_calls": [call]}
    assert wire["messages"][2] == {"role": "tool", "content": "42", "tool_call_id": "call_1"}
    assert wire["messages"][3] == {"role": "assistant", "content": "It is 42."}
    assert wire["tools"] == [
        {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
    ]
    json.dumps(wire)  # plain JSON types only


def test_extra_top_level_keys_pass_through_with_nested_nulls_intact() -> None:
    schema = {"type": "object", "properties": {"x": {"type": ["string", "null"], "default": None}}}
    request = ChatRequest.model_validate(
        body(
            options={"rejectIfBusy": True},
            prediction={"type": "content", "content": None},
            response_format={"type": "json_schema", "json_schema": {"name": "s", "schema": schema}},
        )
    )
    wire = request_to_wire(request)
    assert wire["options"] == {"rejectIfBusy": True}
    assert wire["prediction"] == {"type": "content", "content": None}
    # "schema" is sent under its wire name, and a JSON-schema null default is not stripped.
    assert wire["response_format"]["json_schema"] == {"name": "s", "schema": schema}


def test_content_parts_serialise_to_openai_shapes() -> None:
    parts = [
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
    ]
    wire = request_to_wire(
        ChatRequest.model_validate({"messages": [{"role": "user", "content": parts}]})
    )
    assert wire["messages"][0]["content"] == parts


def test_response_tolerates_unknown_keys_and_keeps_them() -> None:
    payload = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-5.4-nano",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "hi", "annotations": []},
                "finish_reason": "stop",
                "future_field": 1,
            }
        ],
        "usage": {
            "prompt_tokens": 1,
            "completion_tokens": 2,
            "total_tokens": 3,
            "completion_tokens_details": {"reasoning_tokens": 0, "new_counter": 5},
            "prompt_tokens_details": {"cached_tokens": 0},
        },
        "gatewayMetadata": {"keySource": "Unified"},
        "obfuscation": "abc",
    }
    completion = ChatCompletion.model_validate(payload)
    assert completion.gatewayMetadata is not None
    assert completion.gatewayMetadata.keySource == "Unified"
    assert completion.model_extra == {"obfuscation": "abc"}
    assert completion.choices[0].message.model_extra == {"annotations": []}
    assert completion.usage is not None and completion.usage.completion_tokens_details is not None
    assert completion.usage.completion_tokens_details.reasoning_tokens == 0


def test_meta_is_never_part_of_the_wire_dump() -> None:
    completion = ChatCompletion(id="x", meta=GatewayMeta(log_id="log-1", attempts=2))
    assert completion.meta is not None and completion.meta.attempts == 2
    assert "meta" not in completion.model_dump()
    assert "log-1" not in completion.model_dump_json()


def test_chunk_tolerates_nulls_and_unknown_keys() -> None:
    chunk = ChatCompletionChunk.model_validate_json(
        '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,'
        '"delta":{"content":null,"tool_calls":[{"index":0,"function":{"arguments":"{"}}]},'
        '"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"x"}'
    )
    [choice] = chunk.choices
    assert choice.delta.tool_calls is not None
    assert choice.delta.tool_calls[0].function is not None
    assert choice.delta.tool_calls[0].function.arguments == "{"
    assert chunk.usage is None


def test_catalog_examples_validate_both_ways() -> None:
    examples = json.loads(CATALOG.read_text())["examples"]
    assert examples
    for example in examples:
        request = ChatRequest.model_validate(example["input"])
        assert request_to_wire(request) == example["input"]
        raw = example.get("raw_response")
        if isinstance(raw, dict):
            completion = ChatCompletion.model_validate(raw)
            assert completion.choices[0].message.content == example["output"]["text"]
        elif isinstance(raw, list):
            assert all(ChatCompletionChunk.model_validate(c).id for c in raw)


def test_gpt5_parameters_are_declared_fields_and_reach_the_wire() -> None:
    fields = {
        "verbosity": "low",
        "prompt_cache_key": "tenant-1",
        "prompt_cache_retention": "24h",
        "safety_identifier": "user-hash",
        "store": True,
        "service_tier": "auto",
        "metadata": {"run": "7"},
    }
    request = ChatRequest.model_validate(body(**fields))
    assert request.model_extra == {}  # declared, not passed through as extras
    wire = request_to_wire(request)
    assert {name: wire[name] for name in fields} == fields
