"""Pure converters: LlamaIndex messages <-> wire, tool plumbing, strict schemas, stream assembly."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace
from typing import Any

import pytest
from llama_index.core.base.llms.types import (
    AudioBlock,
    ChatMessage,
    DocumentBlock,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
    VideoBlock,
)
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel, Field

from gpt54nano_gateway.accumulator import StreamAccumulator
from gpt54nano_gateway.meta import GatewayMeta
from gpt54nano_gateway.wire import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    request_to_wire,
)
from llama_index_gpt54nano._convert import (
    UnsupportedContentError,
    from_wire_completion,
    to_wire_message,
    to_wire_messages,
    to_wire_tool_call,
)
from llama_index_gpt54nano._stream import ChatResponseAssembler
from llama_index_gpt54nano._structured import (
    parse_structured,
    to_response_format,
    to_strict_json_schema,
)
from llama_index_gpt54nano._tools import (
    parse_tool_arguments,
    to_wire_tool,
    to_wire_tool_choice,
    tool_selections_from_message,
)

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)

WIRE_CALL = {
    "id": "call_a",
    "type": "function",
    "function": {"name": "add", "arguments": '{"a": 1}'},
}


def _validates(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The wire body the transport would send: proves the dicts pass the strict request model."""
    return request_to_wire(ChatRequest.model_validate({"messages": messages}))


# --- outbound messages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "wire_role"),
    [
        (MessageRole.SYSTEM, "system"),
        (MessageRole.DEVELOPER, "developer"),
        (MessageRole.USER, "user"),
        (MessageRole.ASSISTANT, "assistant"),
        (MessageRole.CHATBOT, "assistant"),
    ],
)
def test_text_roles(role: MessageRole, wire_role: str) -> None:
    wire = to_wire_message(ChatMessage(role=role, content="hello"))
    assert wire == {"role": wire_role, "content": "hello"}
    _validates([wire])


def test_user_with_image_document_and_audio_is_a_part_list() -> None:
    message = ChatMessage(
        role="user",
        blocks=[
            TextBlock(text="look"),
            ImageBlock(image=PNG, detail="low"),
            ImageBlock(url="https://example.com/cat.png"),
            DocumentBlock(
                data=b"%PDF-1.4 tiny", title="a.pdf", document_mimetype="application/pdf"
            ),
            AudioBlock(audio=b"RIFF....WAVE", format="wav"),
        ],
    )
    wire = to_wire_message(message)
    parts = wire["content"]
    assert [p["type"] for p in parts] == ["text", "image_url", "image_url", "file", "input_audio"]
    assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert parts[1]["image_url"]["detail"] == "low"
    assert parts[2]["image_url"] == {"url": "https://example.com/cat.png"}
    assert parts[3]["file"]["filename"] == "a.pdf"
    assert parts[3]["file"]["file_data"].startswith("data:application/pdf;base64,")
    assert parts[4]["input_audio"]["format"] == "wav"
    _validates([wire])


@pytest.mark.parametrize(
    "message",
    [
        ChatMessage(role="user", blocks=[VideoBlock(video=b"\x00\x00")]),
        ChatMessage(role="system", blocks=[ImageBlock(image=PNG)]),
        ChatMessage(role="assistant", blocks=[AudioBlock(audio=b"x", format="wav")]),
        ChatMessage(role="user", blocks=[AudioBlock(audio=b"x", format="ogg")]),
        ChatMessage(role="tool", content="5"),  # no tool_call_id
    ],
    ids=["video", "system-image", "assistant-audio", "audio-ogg", "tool-without-id"],
)
def test_unsupported_content_is_refused_before_sending(message: ChatMessage) -> None:
    with pytest.raises(UnsupportedContentError):
        to_wire_messages([message])


def test_an_image_in_an_assistant_turn_is_dropped_with_a_warning() -> None:
    history = [
        ChatMessage(role="user", content="draw a cat"),
        ChatMessage(
            role="assistant",
            blocks=[TextBlock(text="here it is"), ImageBlock(image=PNG), TextBlock(text="ok?")],
        ),
        ChatMessage(role="user", content="bluer"),
    ]
    with pytest.warns(UserWarning, match="an ImageBlock in an assistant message was not sent"):
        wire = to_wire_messages(history)
    assert wire == [
        {"role": "user", "content": "draw a cat"},
        {"role": "assistant", "content": "here it is\nok?"},
        {"role": "user", "content": "bluer"},
    ]
    _validates(wire)


def test_tool_call_only_assistant_keeps_content_null() -> None:
    message = ChatMessage(
        role="assistant",
        blocks=[
            ThinkingBlock(content="let me think"),  # never sent back
            ToolCallBlock(tool_call_id="call_a", tool_name="add", tool_kwargs={"a": 1}),
        ],
    )
    wire = to_wire_message(message)
    assert wire == {"role": "assistant", "content": None, "tool_calls": [WIRE_CALL]}
    body = _validates([{"role": "user", "content": "hi"}, wire])
    assert body["messages"][1]["content"] is None


class _SdkFunction:
    def __init__(self) -> None:
        self.name = "add"
        self.arguments = '{"a": 1}'


class _SdkCall:
    """Shaped like openai's ChatCompletionMessageToolCall, without the SDK."""

    def __init__(self) -> None:
        self.id = "call_a"
        self.type = "function"
        self.function = _SdkFunction()


class _PydanticCall(BaseModel):
    id: str
    type: str = "function"
    function: dict[str, str]


@pytest.mark.parametrize(
    "call",
    [
        WIRE_CALL,
        {"tool_id": "call_a", "tool_name": "add", "tool_kwargs": {"a": 1}},
        ToolSelection(tool_id="call_a", tool_name="add", tool_kwargs={"a": 1}),
        _SdkCall(),
        _PydanticCall(id="call_a", function={"name": "add", "arguments": '{"a": 1}'}),
        ToolCallBlock(tool_call_id="call_a", tool_name="add", tool_kwargs='{"a": 1}'),
    ],
    ids=["wire-dict", "selection-dict", "ToolSelection", "sdk-object", "pydantic", "block"],
)
def test_every_history_shape_of_a_tool_call(call: Any) -> None:
    assert to_wire_tool_call(call, 0) == WIRE_CALL
    legacy = ChatMessage(role="assistant", content=None, additional_kwargs={"tool_calls": [call]})
    assert to_wire_message(legacy)["tool_calls"] == [WIRE_CALL]


def test_tool_call_without_id_gets_a_positional_one_matching_the_selection() -> None:
    message = ChatMessage(role="assistant", blocks=[ToolCallBlock(tool_name="f", tool_kwargs={})])
    wire_id = to_wire_message(message)["tool_calls"][0]["id"]
    assert wire_id == tool_selections_from_message(message)[0].tool_id == "call_0"


def test_tool_result_and_image_output_go_in_a_user_message_after_the_tool_run() -> None:
    history = [
        ChatMessage(role="user", content="draw"),
        ChatMessage(
            role="assistant",
            blocks=[
                ToolCallBlock(tool_call_id="c1", tool_name="draw", tool_kwargs={}),
                ToolCallBlock(tool_call_id="c2", tool_name="add", tool_kwargs={}),
            ],
        ),
        ChatMessage(
            role="tool",
            blocks=[TextBlock(text="drawn"), ImageBlock(image=PNG)],
            additional_kwargs={"tool_call_id": "c1"},
        ),
        ChatMessage(role="tool", content="3", additional_kwargs={"tool_call_id": "c2"}),
    ]
    wire = to_wire_messages(history)
    assert [m["role"] for m in wire] == ["user", "assistant", "tool", "tool", "user"]
    assert wire[2] == {"role": "tool", "tool_call_id": "c1", "content": "drawn"}
    assert wire[4]["content"][1]["type"] == "image_url"
    _validates(wire)
    with pytest.raises(UnsupportedContentError):
        to_wire_message(history[2])


# --- inbound ---------------------------------------------------------------------------------


def test_from_wire_completion_text_tools_reasoning_usage_meta() -> None:
    completion = ChatCompletion.model_validate(
        {
            "choices": [
                {
                    "message": {
                        "content": "",
                        "reasoning_content": "thinking",
                        "tool_calls": [WIRE_CALL],
                    },
                    "finish_reason": "tool_calls",
                }
            ],
            "usage": {
                "prompt_tokens": 10,
                "completion_tokens": 4,
                "total_tokens": 14,
                "completion_tokens_details": {"reasoning_tokens": 2},
                "prompt_tokens_details": {"cached_tokens": 8},
            },
        }
    )
    completion.meta = GatewayMeta(log_id="log-1", cache_status="MISS", ray_id="ray-1")
    response = from_wire_completion(completion)
    message = response.message
    assert message.role == MessageRole.ASSISTANT
    thinking = [b for b in message.blocks if isinstance(b, ThinkingBlock)]
    assert thinking[0].content == "thinking" and thinking[0].num_tokens == 2
    assert message.additional_kwargs["tool_calls"] == [WIRE_CALL]
    assert [s.tool_kwargs for s in tool_selections_from_message(message)] == [{"a": 1}]
    assert response.additional_kwargs["prompt_tokens"] == 10
    assert response.additional_kwargs["cached_tokens"] == 8
    assert response.additional_kwargs["reasoning_tokens"] == 2
    assert response.additional_kwargs["finish_reason"] == "tool_calls"
    assert response.additional_kwargs["gateway"]["log_id"] == "log-1"
    assert response.raw is completion
    # The answer goes back on the wire next turn unchanged.
    assert to_wire_message(message) == {
        "role": "assistant",
        "content": None,
        "tool_calls": [WIRE_CALL],
    }


# --- tools -----------------------------------------------------------------------------------


def add(a: int, b: int = 2) -> int:
    """Add two integers."""
    return a + b


def test_to_wire_tool_plain_and_strict() -> None:
    tool = FunctionTool.from_defaults(fn=add)
    plain = to_wire_tool(tool)
    assert plain["function"]["name"] == "add"
    assert "strict" not in plain["function"]
    strict = to_wire_tool(tool, strict=True)
    params = strict["function"]["parameters"]
    assert strict["function"]["strict"] is True
    assert params["additionalProperties"] is False
    assert sorted(params["required"]) == ["a", "b"]
    assert "default" not in params["properties"]["b"]


@pytest.mark.parametrize(
    ("choice", "required", "expected"),
    [
        (None, False, "auto"),
        (None, True, "required"),
        ("none", True, "none"),
        ("auto", False, "auto"),
        ("required", False, "required"),
        ("add", False, {"type": "function", "function": {"name": "add"}}),
        (
            {"type": "function", "function": {"name": "add"}},
            False,
            {"type": "function", "function": {"name": "add"}},
        ),
    ],
)
def test_tool_choice_forms(choice: Any, required: bool, expected: Any) -> None:
    assert to_wire_tool_choice(choice, tool_required=required, tool_names=["add"]) == expected


def test_tool_choice_naming_an_absent_tool_is_refused() -> None:
    with pytest.raises(ValueError, match="names no tool"):
        to_wire_tool_choice("multiply", tool_required=False, tool_names=["add"])


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ('{"a": 1, "b": 2}', {"a": 1, "b": 2}),
        ('{"a": 1, "b": "tw', {"a": 1, "b": None}),  # core's parse_partial_json drops it
        ('{"a": ', {"a": None}),
        ("", {}),
        ("}{", {}),
        ("[1, 2]", {}),
        ({"a": 1}, {"a": 1}),
        (None, {}),
    ],
)
def test_parse_tool_arguments_tolerates_partial_json(
    arguments: Any, expected: dict[str, Any]
) -> None:
    assert parse_tool_arguments(arguments) == expected


def test_selections_skip_a_nameless_partial_legacy_call() -> None:
    message = ChatMessage(
        role="assistant",
        additional_kwargs={"tool_calls": [{"id": "c", "function": {"name": "", "arguments": "{"}}]},
    )
    assert tool_selections_from_message(message) == []


# --- structured ------------------------------------------------------------------------------


class Inner(BaseModel):
    tags: list[str] = Field(default_factory=list)


class Person(BaseModel):
    """A person."""

    name: str
    age: int | None = None
    inner: Inner


def test_response_format_is_strict_everywhere() -> None:
    fmt = to_response_format(Person)
    spec = fmt["json_schema"]
    assert fmt["type"] == "json_schema" and spec["name"] == "Person" and spec["strict"] is True
    assert spec["description"] == "A person."
    schema = spec["schema"]
    assert sorted(schema["required"]) == ["age", "inner", "name"]
    assert schema["additionalProperties"] is False
    inner = schema["$defs"]["Inner"]
    assert inner["required"] == ["tags"] and inner["additionalProperties"] is False
    assert "default" not in json.dumps(schema)
    # The request model accepts it.
    ChatRequest.model_validate(
        {"messages": [{"role": "user", "content": "x"}], "response_format": fmt}
    )


def test_to_strict_json_schema_does_not_mutate() -> None:
    schema = Person.model_json_schema()
    before = json.dumps(schema, sort_keys=True)
    to_strict_json_schema(schema)
    assert json.dumps(schema, sort_keys=True) == before


def test_parse_structured_accepts_a_fenced_answer() -> None:
    person = parse_structured(
        Person, '```json\n{"name": "Ada", "age": 36, "inner": {"tags": []}}\n```'
    )
    assert person.name == "Ada"
    with pytest.raises(ValueError):
        parse_structured(Person, '{"name": 3}')


# --- stream assembly -------------------------------------------------------------------------


def _chunk(**delta: Any) -> ChatCompletionChunk:
    finish = delta.pop("finish_reason", None)
    return ChatCompletionChunk.model_validate(
        {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    )


def _feed_all(chunks: list[ChatCompletionChunk]) -> list[Any]:
    accumulator = StreamAccumulator()
    assembler = ChatResponseAssembler(GatewayMeta(log_id="L"))
    out = []
    for chunk in chunks:
        accumulator.feed(chunk)
        response = assembler.feed(chunk, accumulator)
        if response is not None:
            out.append(response)
    return out


def test_stream_text_is_cumulative_and_delta_is_new_text() -> None:
    usage = ChatCompletionChunk.model_validate(
        {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}
    )
    responses = _feed_all(
        [
            _chunk(role="assistant", content=""),
            _chunk(content="Hel"),
            _chunk(content="lo"),
            _chunk(finish_reason="stop"),
            usage,
        ]
    )
    assert [r.message.content for r in responses] == ["Hel", "Hello", "Hello", "Hello"]
    assert [r.delta for r in responses] == ["Hel", "lo", "", ""]
    assert responses[-1].additional_kwargs["total_tokens"] == 5
    assert responses[-2].additional_kwargs["finish_reason"] == "stop"
    with_meta = [i for i, r in enumerate(responses) if "gateway" in r.additional_kwargs]
    assert with_meta == [0, 2, 3]  # the first response and the closing ones
    assert responses[-1].additional_kwargs["gateway"] == {"log_id": "L", "attempts": 1}


def test_stream_parallel_tool_calls_in_one_chunk_and_split_arguments() -> None:
    responses = _feed_all(
        [
            _chunk(
                tool_calls=[
                    {"index": 0, "id": "c0", "function": {"name": "add", "arguments": '{"a": '}},
                    {"index": 1, "id": "c1", "function": {"name": "mul", "arguments": ""}},
                ]
            ),
            _chunk(tool_calls=[{"index": 0, "function": {"arguments": "1}"}}]),
            _chunk(tool_calls=[{"index": 1, "function": {"arguments": '{"x": 2}'}}]),
            _chunk(finish_reason="tool_calls"),
        ]
    )
    first, last = responses[0], responses[-1]
    assert len(first.message.additional_kwargs["tool_calls"]) == 2
    partial = tool_selections_from_message(first.message)
    assert [(s.tool_name, s.tool_kwargs) for s in partial] == [("add", {"a": None}), ("mul", {})]
    final = tool_selections_from_message(last.message)
    assert [(s.tool_id, s.tool_kwargs) for s in final] == [("c0", {"a": 1}), ("c1", {"x": 2})]
    blocks = [b for b in last.message.blocks if isinstance(b, ToolCallBlock)]
    assert [b.tool_kwargs for b in blocks] == ['{"a": 1}', '{"x": 2}']
    assert to_wire_message(last.message)["content"] is None


def test_stream_reasoning_becomes_a_thinking_block_and_thinking_delta() -> None:
    responses = _feed_all([_chunk(reasoning_content="hmm"), _chunk(content="ok")])
    assert responses[0].additional_kwargs["thinking_delta"] == "hmm"
    thinking = [b for b in responses[1].message.blocks if isinstance(b, ThinkingBlock)]
    assert thinking[0].content == "hmm"
    assert responses[1].message.content == "ok"


def test_stream_responses_do_not_share_mutable_kwargs() -> None:
    responses = _feed_all(
        [
            _chunk(
                tool_calls=[{"index": 0, "id": "c", "function": {"name": "f", "arguments": "{}"}}]
            ),
            _chunk(content="x"),
        ]
    )
    responses[0].message.additional_kwargs["extra"] = 1
    assert "extra" not in responses[1].message.additional_kwargs


def test_stream_sdk_namespace_objects_are_not_needed() -> None:
    # get_tool_calls must also read plain objects left in history by other LLM classes.
    call = SimpleNamespace(id="c9", function=SimpleNamespace(name="f", arguments="{}"))
    message = ChatMessage(role="assistant", additional_kwargs={"tool_calls": [call]})
    assert tool_selections_from_message(message)[0].tool_id == "c9"
