"""Pure converters: LangChain messages/tools -> wire dicts, wire responses -> LangChain."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.tools import tool
from pydantic import BaseModel
from typing_extensions import TypedDict

from gpt54nano_gateway.meta import GatewayMeta
from gpt54nano_gateway.wire import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    Usage,
    request_to_wire,
)
from langchain_gpt54nano._convert import (
    UnsupportedContentError,
    from_wire_chunk,
    from_wire_completion,
    meta_to_metadata,
    to_wire_message,
    to_wire_messages,
    to_wire_tool,
    to_wire_tool_choice,
    usage_to_metadata,
)

PNG_B64 = "iVBORw0KGgo="
PDF_B64 = "JVBERi0xLjQK"

# --- messages --------------------------------------------------------------------------------

MESSAGE_CASES: list[tuple[str, BaseMessage, dict[str, Any]]] = [
    ("system", SystemMessage("be brief"), {"role": "system", "content": "be brief"}),
    (
        "developer via __openai_role__",
        SystemMessage("rules", additional_kwargs={"__openai_role__": "developer"}),
        {"role": "developer", "content": "rules"},
    ),
    (
        "developer ChatMessage",
        ChatMessage(role="developer", content="rules"),
        {"role": "developer", "content": "rules"},
    ),
    (
        "human ChatMessage alias",
        ChatMessage(role="human", content="hi"),
        {"role": "user", "content": "hi"},
    ),
    (
        "human with name",
        HumanMessage("hello", name="example_user"),
        {"role": "user", "content": "hello", "name": "example_user"},
    ),
    (
        "system text blocks joined",
        SystemMessage([{"type": "text", "text": "a"}, "b"]),
        {"role": "system", "content": "ab"},
    ),
    (
        "tool message drops name and status",
        ToolMessage("42", tool_call_id="call_1", name="f", status="error"),
        {"role": "tool", "content": "42", "tool_call_id": "call_1"},
    ),
    (
        "assistant text",
        AIMessage("sure"),
        {"role": "assistant", "content": "sure"},
    ),
    (
        "assistant only tool calls -> content null",
        AIMessage(
            "",
            tool_calls=[{"name": "f", "args": {"city": "Zürich"}, "id": "c1", "type": "tool_call"}],
        ),
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "f", "arguments": '{"city": "Zürich"}'},
                }
            ],
        },
    ),
    (
        "assistant list content: tool_use / thinking / v1 tool_call blocks dropped",
        AIMessage(
            [
                {"type": "thinking", "thinking": "hmm", "signature": "x"},
                {"type": "text", "text": "let me check"},
                {"type": "tool_use", "input": {}, "id": "c1", "name": "f"},
                {"type": "tool_call", "name": "f", "args": {}, "id": "c1"},
            ],
            tool_calls=[{"name": "f", "args": {}, "id": "c1", "type": "tool_call"}],
        ),
        {
            "role": "assistant",
            "content": "let me check",
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ],
        },
    ),
]


@pytest.mark.parametrize(
    ("message", "expected"),
    [case[1:] for case in MESSAGE_CASES],
    ids=[case[0] for case in MESSAGE_CASES],
)
def test_to_wire_message(message: BaseMessage, expected: dict[str, Any]) -> None:
    wire = to_wire_message(message)
    assert wire == expected
    # Every produced message is accepted by the strict wire model and keeps its nulls.
    body = request_to_wire(ChatRequest.model_validate({"messages": [wire]}))
    assert body["messages"][0] == expected


USER_PART_CASES: list[tuple[str, Any, dict[str, Any]]] = [
    ("text", {"type": "text", "text": "hi", "id": "x"}, {"type": "text", "text": "hi"}),
    ("bare string", "hi", {"type": "text", "text": "hi"}),
    (
        "v1 image url",
        {"type": "image", "url": "https://x/y.png"},
        {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
    ),
    (
        "v1 image base64",
        {"type": "image", "base64": PNG_B64, "mime_type": "image/png"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}"}},
    ),
    (
        "v0 image source_type base64",
        {"type": "image", "source_type": "base64", "data": PNG_B64, "mime_type": "image/png"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}"}},
    ),
    (
        "v0 image source_type url",
        {"type": "image", "source_type": "url", "url": "https://x/y.png"},
        {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
    ),
    (
        "v1 pdf file",
        {
            "type": "file",
            "base64": PDF_B64,
            "mime_type": "application/pdf",
            "filename": "a.pdf",
        },
        {
            "type": "file",
            "file": {"file_data": f"data:application/pdf;base64,{PDF_B64}", "filename": "a.pdf"},
        },
    ),
    (
        "v0 pdf file",
        {
            "type": "file",
            "source_type": "base64",
            "data": PDF_B64,
            "mime_type": "application/pdf",
            "filename": "a.pdf",
        },
        {
            "type": "file",
            "file": {"file_data": f"data:application/pdf;base64,{PDF_B64}", "filename": "a.pdf"},
        },
    ),
    (
        "openai image_url",
        {"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "low"}},
        {"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "low"}},
    ),
    (
        "legacy image_url string",
        {"type": "image_url", "image_url": "https://x/y.png"},
        {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
    ),
    (
        "openai file",
        {
            "type": "file",
            "file": {"filename": "a.pdf", "file_data": "data:application/pdf;base64,"},
        },
        {
            "type": "file",
            "file": {"filename": "a.pdf", "file_data": "data:application/pdf;base64,"},
        },
    ),
    (
        "openai input_audio",
        {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}},
        {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}},
    ),
    (
        "v1 audio",
        {"type": "audio", "base64": "AAAA", "mime_type": "audio/wav"},
        {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}},
    ),
    (
        "anthropic image",
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "QQ"}},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,QQ"}},
    ),
]


@pytest.mark.parametrize(
    ("block", "expected"),
    [case[1:] for case in USER_PART_CASES],
    ids=[case[0] for case in USER_PART_CASES],
)
def test_user_content_parts(block: Any, expected: dict[str, Any]) -> None:
    wire = to_wire_message(HumanMessage(content=[block]))
    assert wire == {"role": "user", "content": [expected]}
    ChatRequest.model_validate({"messages": [wire]})  # the wire model accepts it


BAD_MESSAGES: list[tuple[str, BaseMessage]] = [
    ("unknown block type", HumanMessage(content=[{"type": "video_frame", "data": "x"}])),
    ("file by URL", HumanMessage(content=[{"type": "file", "url": "https://x/a.pdf"}])),
    ("image without mime type", HumanMessage(content=[{"type": "image", "base64": PNG_B64}])),
    ("image in a system message", SystemMessage(content=[{"type": "image", "url": "https://x"}])),
    (
        "unknown block in a tool message",
        ToolMessage(content=[{"type": "video", "url": "u"}], tool_call_id="c"),
    ),
    ("function message", FunctionMessage(content="x", name="f")),
    ("unknown ChatMessage role", ChatMessage(role="critic", content="x")),
    (
        "tool call without id",
        AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": None, "type": "tool_call"}]),
    ),
]


@pytest.mark.parametrize(
    "message", [case[1] for case in BAD_MESSAGES], ids=[c[0] for c in BAD_MESSAGES]
)
def test_unsupported_content_is_a_clear_value_error(message: BaseMessage) -> None:
    with pytest.raises(UnsupportedContentError) as caught:
        to_wire_messages([message])
    assert isinstance(caught.value, ValueError)


def test_tool_results_with_images_send_them_in_a_user_message_after_the_run() -> None:
    call = {"name": "snap", "args": {}, "id": "c1", "type": "tool_call"}
    second = {"name": "note", "args": {}, "id": "c2", "type": "tool_call"}
    wire = to_wire_messages(
        [
            HumanMessage(content="look"),
            AIMessage(content="", tool_calls=[call, second]),
            ToolMessage(
                content=[
                    {"type": "text", "text": "a cat"},
                    {"type": "image", "url": "https://x/c.png"},
                ],
                tool_call_id="c1",
            ),
            ToolMessage(content="noted", tool_call_id="c2"),
            HumanMessage(content="and?"),
        ]
    )
    assert [m["role"] for m in wire] == ["user", "assistant", "tool", "tool", "user", "user"]
    assert wire[2] == {"role": "tool", "content": "a cat", "tool_call_id": "c1"}
    assert wire[4]["content"][1] == {"type": "image_url", "image_url": {"url": "https://x/c.png"}}
    assert wire[5] == {"role": "user", "content": "and?"}


# --- tools -------------------------------------------------------------------------------


class GetWeather(BaseModel):
    """Get the weather."""

    city: str


class GetTime(TypedDict):
    """Get the time."""

    zone: str


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


JSON_TOOL = {
    "type": "function",
    "function": {"name": "lookup", "description": "Look up.", "parameters": {"type": "object"}},
}


@pytest.mark.parametrize(
    ("tool_like", "name"),
    [
        (GetWeather, "GetWeather"),
        (GetTime, "GetTime"),
        (add, "add"),
        (multiply, "multiply"),
        (JSON_TOOL, "lookup"),
    ],
)
def test_to_wire_tool_every_form(tool_like: Any, name: str) -> None:
    wire = to_wire_tool(tool_like)
    assert wire["type"] == "function"
    assert wire["function"]["name"] == name
    assert "strict" not in wire["function"]
    strict = to_wire_tool(tool_like, strict=True)["function"]
    assert strict["strict"] is True
    ChatRequest.model_validate({"messages": [{"role": "user", "content": "x"}], "tools": [wire]})


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (None, None),
        (False, None),
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("any", "required"),
        (True, "required"),
        ("add", {"type": "function", "function": {"name": "add"}}),
        (
            {"type": "function", "function": {"name": "add"}},
            {"type": "function", "function": {"name": "add"}},
        ),
    ],
)
def test_to_wire_tool_choice(choice: Any, expected: Any) -> None:
    assert to_wire_tool_choice(choice, ["add", "multiply"]) == expected


@pytest.mark.parametrize("choice", ["subtract", 3])
def test_to_wire_tool_choice_rejects_unknown(choice: Any) -> None:
    with pytest.raises(ValueError, match="tool_choice"):
        to_wire_tool_choice(choice, ["add"])


# --- responses ---------------------------------------------------------------------------

USAGE = {
    "prompt_tokens": 12,
    "completion_tokens": 7,
    "total_tokens": 19,
    "prompt_tokens_details": {"cached_tokens": 4},
    "completion_tokens_details": {"reasoning_tokens": 3},
}


def test_usage_to_metadata_details() -> None:
    metadata = usage_to_metadata(Usage.model_validate(USAGE))
    assert metadata == {
        "input_tokens": 12,
        "output_tokens": 7,
        "total_tokens": 19,
        "input_token_details": {"cache_read": 4},
        "output_token_details": {"reasoning": 3},
    }


def test_usage_to_metadata_without_details() -> None:
    metadata = usage_to_metadata(Usage(prompt_tokens=2, completion_tokens=3))
    assert metadata == {"input_tokens": 2, "output_tokens": 3, "total_tokens": 5}


def _completion(message: dict[str, Any], finish: str = "stop", **extra: Any) -> ChatCompletion:
    completion = ChatCompletion.model_validate(
        {
            "id": "chatcmpl-1",
            "model": "gpt-5.4-nano-2026-03-17",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": USAGE,
            "service_tier": "default",
            **extra,
        }
    )
    completion.meta = GatewayMeta(log_id="log-1", cache_status="HIT", step="0", ray_id="ray-1")
    return completion


def test_from_wire_completion_text_and_metadata() -> None:
    result = from_wire_completion(
        _completion({"role": "assistant", "content": "hi"}), model="openai/gpt-5.4-nano"
    )
    message = result.generations[0].message
    assert isinstance(message, AIMessage)
    assert message.content == "hi"
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_token_details"] == {"cache_read": 4}
    assert message.response_metadata == {
        "model_name": "openai/gpt-5.4-nano",
        "upstream_model": "gpt-5.4-nano-2026-03-17",
        "model_provider": "openai",
        "finish_reason": "stop",
        "id": "chatcmpl-1",
        "service_tier": "default",
        "gateway": {
            "log_id": "log-1",
            "cache_status": "HIT",
            "step": "0",
            "ray_id": "ray-1",
            "attempts": 1,
        },
    }


def test_from_wire_completion_tool_calls_valid_empty_and_invalid() -> None:
    calls = [
        {"id": "a", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}},
        {"id": "b", "type": "function", "function": {"name": "g", "arguments": ""}},
        {"id": "c", "type": "function", "function": {"name": "h", "arguments": "{oops"}},
    ]
    result = from_wire_completion(
        _completion({"role": "assistant", "content": None, "tool_calls": calls}, "tool_calls"),
        model="m",
    )
    message = result.generations[0].message
    assert isinstance(message, AIMessage)
    assert message.content == ""
    assert [(c["name"], c["args"], c["id"]) for c in message.tool_calls] == [
        ("f", {"x": 1}, "a"),
        ("g", {}, "b"),
    ]
    assert [(c["name"], c["args"], c["id"]) for c in message.invalid_tool_calls] == [
        ("h", "{oops", "c")
    ]


def test_from_wire_completion_refusal_without_usage() -> None:
    completion = ChatCompletion.model_validate(
        {"choices": [{"message": {"role": "assistant", "refusal": "no"}, "finish_reason": "stop"}]}
    )
    message = from_wire_completion(completion, model="openai/gpt-5.4-nano").generations[0].message
    assert message.additional_kwargs == {"refusal": "no"}
    assert message.response_metadata["model_name"] == "openai/gpt-5.4-nano"
    assert message.usage_metadata is None


def _chunk(
    choices: list[dict[str, Any]], usage: dict[str, Any] | None = None
) -> ChatCompletionChunk:
    return ChatCompletionChunk.model_validate(
        {"id": "chatcmpl-2", "model": "gpt-5.4-nano-2026-03-17", "choices": choices, "usage": usage}
    )


def test_from_wire_chunk_stream_aggregates_once() -> None:
    gateway = meta_to_metadata(GatewayMeta(log_id="log-2", ray_id="ray-2"))
    wire = [
        _chunk([{"delta": {"role": "assistant", "content": ""}}]),
        _chunk([{"delta": {"content": "Hel"}}]),
        _chunk([{"delta": {"content": "lo"}}]),
        _chunk([{"delta": {}, "finish_reason": "stop"}]),
        _chunk([], usage=USAGE),
    ]
    chunks = [from_wire_chunk(c, model="m", gateway=gateway) for c in wire]
    assert [c.text for c in chunks] == ["", "Hel", "lo", "", ""]
    assert [c.message.usage_metadata is not None for c in chunks] == [False] * 4 + [True]
    full = chunks[0]
    for chunk in chunks[1:]:
        full += chunk
    metadata = full.message.response_metadata
    # Each string appears once: nothing was concatenated by the merge.
    assert metadata["model_name"] == "m"
    assert metadata["upstream_model"] == "gpt-5.4-nano-2026-03-17"
    assert metadata["finish_reason"] == "stop"
    assert metadata["gateway"] == {"log_id": "log-2", "ray_id": "ray-2", "attempts": 1}
    assert metadata["model_provider"] == "openai"
    assert full.message.usage_metadata is not None
    assert full.message.usage_metadata["total_tokens"] == 19


def test_from_wire_chunk_tool_call_chunks_keep_index() -> None:
    wire = [
        _chunk(
            [
                {
                    "delta": {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "a",
                                "type": "function",
                                "function": {"name": "f", "arguments": ""},
                            }
                        ]
                    }
                }
            ]
        ),
        _chunk(
            [
                {
                    "delta": {
                        "tool_calls": [
                            {
                                "index": 1,
                                "id": "b",
                                "type": "function",
                                "function": {"name": "g", "arguments": '{"y"'},
                            }
                        ]
                    }
                }
            ]
        ),
        _chunk([{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": '{"x": 1}'}}]}}]),
        _chunk([{"delta": {"tool_calls": [{"index": 1, "function": {"arguments": ": 2}"}}]}}]),
        _chunk([{"delta": {}, "finish_reason": "tool_calls"}]),
    ]
    chunks = [from_wire_chunk(c, model="m") for c in wire]
    assert chunks[2].message.tool_call_chunks[0]["index"] == 0  # type: ignore[attr-defined]
    full = chunks[0]
    for chunk in chunks[1:]:
        full += chunk
    calls = full.message.tool_calls  # type: ignore[attr-defined]
    assert [(c["name"], c["args"], c["id"]) for c in calls] == [
        ("f", {"x": 1}, "a"),
        ("g", {"y": 2}, "b"),
    ]


def test_from_wire_chunk_usage_can_be_left_out() -> None:
    chunk = from_wire_chunk(_chunk([], usage=USAGE), model="m", include_usage=False)
    assert chunk.message.usage_metadata is None  # type: ignore[attr-defined]


def test_tool_arguments_keep_unicode() -> None:
    wire = to_wire_message(
        AIMessage(
            "", tool_calls=[{"name": "f", "args": {"n": "你好"}, "id": "c", "type": "tool_call"}]
        )
    )
    arguments = wire["tool_calls"][0]["function"]["arguments"]
    assert "你好" in arguments
    assert json.loads(arguments) == {"n": "你好"}
