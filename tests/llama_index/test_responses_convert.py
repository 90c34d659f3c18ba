"""Pure Responses-API converters: history -> input items, call -> body, output -> ChatResponse."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from llama_index.core.base.llms.types import (
    AudioBlock,
    ChatMessage,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)

from gpt54nano_gateway.errors import ConfigurationError
from llama_index_gpt54nano._convert import UnsupportedContentError
from llama_index_gpt54nano._responses import (
    ResponsesParameterError,
    ResponsesStreamAssembler,
    from_responses_output,
    to_responses_body,
    to_responses_input,
    to_responses_text_format,
    to_responses_tool,
    to_responses_tool_choice,
)
from llama_index_gpt54nano._responses_llm import CHAT_ONLY, wants_responses

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def thinking(item_id: str, encrypted: str | None, text: str | None = "why") -> ThinkingBlock:
    info: dict[str, Any] = {"type": "reasoning", "id": item_id}
    if encrypted is not None:
        info["encrypted_content"] = encrypted
    return ThinkingBlock(content=text, additional_information=info)


def call(call_id: str, name: str = "add", args: str = '{"a": 1}') -> ToolCallBlock:
    return ToolCallBlock(tool_call_id=call_id, tool_name=name, tool_kwargs=args)


def test_history_becomes_input_items_in_block_order() -> None:
    history = [
        ChatMessage(role="system", content="Be brief."),
        ChatMessage(role="user", content="Add 1 and 2"),
        ChatMessage(
            role="assistant",
            blocks=[thinking("rs_1", "gAAAAA-one"), TextBlock(text=""), call("c1"), call("c2")],
        ),
        ChatMessage(role="tool", content="3", additional_kwargs={"tool_call_id": "c1"}),
        ChatMessage(role="tool", content="4", additional_kwargs={"tool_call_id": "c2"}),
        ChatMessage(role="assistant", blocks=[thinking("rs_2", "gAAAAA-two"), TextBlock(text="3")]),
    ]
    assert to_responses_input(history) == [
        {"type": "message", "role": "system", "content": "Be brief."},
        {"type": "message", "role": "user", "content": "Add 1 and 2"},
        {
            "type": "reasoning",
            "id": "rs_1",
            "summary": [{"type": "summary_text", "text": "why"}],
            "encrypted_content": "gAAAAA-one",
        },
        {"type": "function_call", "call_id": "c1", "name": "add", "arguments": '{"a": 1}'},
        {"type": "function_call", "call_id": "c2", "name": "add", "arguments": '{"a": 1}'},
        {"type": "function_call_output", "call_id": "c1", "output": "3"},
        {"type": "function_call_output", "call_id": "c2", "output": "4"},
        {
            "type": "reasoning",
            "id": "rs_2",
            "summary": [{"type": "summary_text", "text": "why"}],
            "encrypted_content": "gAAAAA-two",
        },
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "3"}]},
    ]


def test_reasoning_that_cannot_go_back_is_left_out() -> None:
    # No id (Chat Completions reasoning_content), an id without encrypted content while
    # nothing is stored, and reasoning with nothing after it (the API refuses that).
    message = ChatMessage(
        role="assistant",
        blocks=[
            ThinkingBlock(content="chat wire reasoning"),
            thinking("rs_bare", None),
            TextBlock(text="hi"),
            thinking("rs_last", "gAAAAA-x"),
        ],
    )
    assert to_responses_input([message]) == [
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "hi"}]}
    ]
    # With store: true an id is enough.
    assert to_responses_input([message], stored=True)[0] == {
        "type": "reasoning",
        "id": "rs_bare",
        "summary": [{"type": "summary_text", "text": "why"}],
    }


def test_legacy_tool_calls_and_media() -> None:
    legacy = ChatMessage(
        role="assistant",
        content=None,
        additional_kwargs={
            "tool_calls": [
                {"id": "c9", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ]
        },
    )
    user = ChatMessage(
        role="user",
        blocks=[TextBlock(text="what is this?"), ImageBlock(url="https://x.test/a.png")],
    )
    tool = ChatMessage(
        role="tool",
        blocks=[TextBlock(text="a picture"), ImageBlock(image=PNG, image_mimetype="image/png")],
        additional_kwargs={"tool_call_id": "c9"},
    )
    image_data = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert to_responses_input([user, legacy, tool]) == [
        {
            "type": "message",
            "role": "user",
            "content": [
                {"type": "input_text", "text": "what is this?"},
                {"type": "input_image", "image_url": "https://x.test/a.png", "detail": "auto"},
            ],
        },
        {"type": "function_call", "call_id": "c9", "name": "f", "arguments": "{}"},
        {
            "type": "function_call_output",
            "call_id": "c9",
            "output": [
                {"type": "input_text", "text": "a picture"},
                {"type": "input_image", "image_url": image_data, "detail": "auto"},
            ],
        },
    ]


def test_unsendable_blocks_are_refused_before_sending() -> None:
    with pytest.raises(UnsupportedContentError, match="no audio"):
        to_responses_input(
            [ChatMessage(role="user", blocks=[AudioBlock(audio=b"x", format="wav")])]
        )
    with pytest.raises(UnsupportedContentError, match="tool_call_id"):
        to_responses_input([ChatMessage(role="tool", content="3")])


def test_tools_choice_and_format_are_flattened() -> None:
    chat_tool = {
        "type": "function",
        "function": {"name": "add", "description": "Add.", "parameters": {"type": "object"}},
    }
    assert to_responses_tool(chat_tool) == {
        "type": "function",
        "name": "add",
        "description": "Add.",
        "parameters": {"type": "object"},
        "strict": False,  # the Responses default is true: always said
    }
    strict = {"type": "function", "function": {"name": "f", "parameters": {}, "strict": True}}
    assert to_responses_tool(strict)["strict"] is True
    assert to_responses_tool_choice({"type": "function", "function": {"name": "add"}}) == {
        "type": "function",
        "name": "add",
    }
    assert to_responses_tool_choice("required") == "required"
    fmt = {"type": "json_schema", "json_schema": {"name": "P", "schema": {}, "strict": True}}
    assert to_responses_text_format(fmt) == {
        "type": "json_schema",
        "name": "P",
        "schema": {},
        "strict": True,
    }


def test_body_translates_chat_spellings_and_asks_for_reasoning_back() -> None:
    body = to_responses_body(
        [ChatMessage(role="user", content="hi")],
        model="openai/gpt-5.4-nano",
        settings={
            "temperature": None,
            "max_tokens": 500,
            "reasoning_effort": "low",
            "verbosity": "low",
            "response_format": {"type": "json_object"},
            "tool_choice": "auto",
            "prompt_cache_key": "k",
            "verbose": True,  # not a request parameter: not this function's business
        },
        reasoning_summary="auto",
        chat_only=CHAT_ONLY,
    )
    assert body == {
        "model": "openai/gpt-5.4-nano",
        "max_output_tokens": 500,
        "tool_choice": "auto",
        "prompt_cache_key": "k",
        "input": [{"type": "message", "role": "user", "content": "hi"}],
        "store": False,
        "include": ["reasoning.encrypted_content"],
        "reasoning": {"effort": "low", "summary": "auto"},
        "text": {"verbosity": "low", "format": {"type": "json_object"}},
    }
    plain = to_responses_body(
        [ChatMessage(role="user", content="hi")],
        model="m",
        settings={"reasoning_effort": "none", "store": True},
        reasoning_summary="auto",
    )
    assert plain == {
        "model": "m",
        "store": True,
        "input": [{"type": "message", "role": "user", "content": "hi"}],
        "reasoning": {"effort": "none"},
    }


def test_chat_only_parameters_are_refused_not_dropped() -> None:
    assert {"stop", "seed", "n", "logit_bias"} <= CHAT_ONLY
    with pytest.raises(ResponsesParameterError, match="'stop' is a Chat Completions") as info:
        to_responses_body(
            [], model="m", settings={"stop": ["x"]}, reasoning_summary=None, chat_only=CHAT_ONLY
        )
    assert isinstance(info.value, ConfigurationError)


def test_route() -> None:
    assert wants_responses(None, "low", [{"type": "function"}]) is True
    assert wants_responses(None, "none", [{"type": "function"}]) is False
    assert wants_responses(None, "low", None) is False
    assert wants_responses(False, "low", [{"type": "function"}]) is False
    assert wants_responses(True, None, None) is True


OUTPUT: dict[str, Any] = {
    "id": "resp_1",
    "object": "response",
    "status": "completed",
    "output": [
        {
            "id": "rs_1",
            "type": "reasoning",
            "encrypted_content": "gAAAAA-one",
            "summary": [{"type": "summary_text", "text": "**Choosing**"}],
        },
        {
            "id": "fc_1",
            "type": "function_call",
            "status": "completed",
            "arguments": '{"a":2,"b":3}',
            "call_id": "call_1",
            "name": "add",
        },
    ],
    "usage": {
        "input_tokens": 40,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 30,
        "output_tokens_details": {"reasoning_tokens": 12},
        "total_tokens": 70,
    },
}


def test_output_becomes_a_chat_response() -> None:
    response = from_responses_output(OUTPUT)
    assert response.message.blocks == [
        ThinkingBlock(
            content="**Choosing**",
            num_tokens=12,
            additional_information={
                "type": "reasoning",
                "id": "rs_1",
                "encrypted_content": "gAAAAA-one",
            },
        ),
        ToolCallBlock(tool_call_id="call_1", tool_name="add", tool_kwargs='{"a":2,"b":3}'),
    ]
    assert response.message.additional_kwargs == {
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "add", "arguments": '{"a":2,"b":3}'},
            }
        ]
    }
    assert response.additional_kwargs == {
        "prompt_tokens": 40,
        "completion_tokens": 30,
        "total_tokens": 70,
        "cached_tokens": 0,
        "reasoning_tokens": 12,
        "finish_reason": "tool_calls",
        "status": "completed",
        "response_id": "resp_1",
    }
    # And back: the same items go out on the next turn (ids of calls are optional).
    assert to_responses_input([response.message]) == [
        {
            "type": "reasoning",
            "id": "rs_1",
            "summary": [{"type": "summary_text", "text": "**Choosing**"}],
            "encrypted_content": "gAAAAA-one",
        },
        {"type": "function_call", "call_id": "call_1", "name": "add", "arguments": '{"a":2,"b":3}'},
    ]


def test_stream_assembler_yields_cumulative_text_thinking_and_calls() -> None:
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {}},
        {"type": "response.output_item.added", "output_index": 0, "item": {"type": "reasoning"}},
        {
            "type": "response.reasoning_summary_text.delta",
            "output_index": 0,
            "summary_index": 0,
            "delta": "**Cho",
        },
        {
            "type": "response.reasoning_summary_text.delta",
            "output_index": 0,
            "summary_index": 0,
            "delta": "osing**",
        },
        {
            "type": "response.output_item.added",
            "output_index": 1,
            "item": {"type": "function_call", "call_id": "call_1", "name": "add", "arguments": ""},
        },
        {"type": "response.function_call_arguments.delta", "output_index": 1, "delta": '{"a":2,'},
        {"type": "response.function_call_arguments.delta", "output_index": 1, "delta": '"b":3}'},
        {"type": "response.output_item.done", "output_index": 1, "item": {}},
        {"type": "response.completed", "response": OUTPUT},
    ]
    assembler = ResponsesStreamAssembler()
    out = [r for r in map(assembler.feed, events) if r is not None]
    assert [r.additional_kwargs.get("thinking_delta") for r in out[:2]] == ["**Cho", "osing**"]
    assert out[1].message.blocks[0] == ThinkingBlock(content="**Choosing**")
    assert out[2].message.blocks[-1] == ToolCallBlock(
        tool_call_id="call_1", tool_name="add", tool_kwargs=""
    )
    assert out[3].additional_kwargs["tool_call_delta"] == {
        "call_id": "call_1",
        "name": "add",
        "delta": '{"a":2,',
    }
    assert out[4].message.blocks[-1].tool_kwargs == '{"a":2,"b":3}'  # type: ignore[union-attr]
    final = out[-1]
    expected = from_responses_output(OUTPUT)
    assert final.message == expected.message and final.delta == ""
    assert final.additional_kwargs == expected.additional_kwargs
    assert len(out) == 6


def test_stream_text_deltas_add_up() -> None:
    assembler = ResponsesStreamAssembler()
    events = [
        {"type": "response.output_item.added", "output_index": 0, "item": {"type": "message"}},
        {"type": "response.output_text.delta", "output_index": 0, "delta": "Hel"},
        {"type": "response.output_text.delta", "output_index": 0, "delta": "lo"},
    ]
    out = [r for r in map(assembler.feed, events) if r is not None]
    assert [(r.delta, r.message.content) for r in out] == [("Hel", "Hel"), ("lo", "Hello")]
    assert out[0].message.role == MessageRole.ASSISTANT
