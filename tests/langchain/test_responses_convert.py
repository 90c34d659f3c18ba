"""Pure Responses converters (``langchain_gpt54nano._responses``), against the emulator's wire.

The answers come from the emulator's own pure writers (``gpt54nano_emulator.server.
_responses_out``: the exact objects and events it sends) and the bodies are checked with its
request checks, so the shapes on both sides are the served ones, without a server. The HTTP
path is in test_responses.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.base import message_to_dict
from langchain_core.utils.function_calling import convert_to_openai_tool

from gpt54nano_emulator.model._responses import respond
from gpt54nano_emulator.server import _responses_out as out
from gpt54nano_emulator.server._reasoning_seal import ReasoningSeal
from gpt54nano_emulator.server._responses_validate import check_input, check_request
from langchain_gpt54nano._responses import (
    ResponsesEventMapper,
    ResponsesParameterError,
    from_responses_output,
    from_responses_usage,
    to_responses_body,
    to_responses_input,
    use_responses_wire,
)

MODEL = "openai/gpt-5.4-nano"
SEAL = ReasoningSeal()


def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return "sunny"


WEATHER = convert_to_openai_tool(get_weather)


def _serve(body: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What the emulator answers to ``body``: the response object and the stream's events."""
    assert check_request(body) is None
    assert check_input(body, []) is None
    turn = respond(body)
    ctx = out.ResponseContext(
        request=body, response_id=out.new_id("resp"), created_at=1, model="gpt-5.4-nano-x"
    )
    output = out.output_items(turn, ctx, SEAL)
    response = out.response_object(ctx, status=turn.status, output=output, turn=turn)
    return response, out.stream_events(ctx, output, turn)


def _ask(messages: list[BaseMessage], stream: bool, **params: Any) -> AIMessage:
    body = to_responses_body(messages, {"model": MODEL, **params})
    response, events = _serve(body)
    if not stream:
        return from_responses_output(response, model=MODEL).generations[0].message  # type: ignore[return-value]
    mapper = ResponsesEventMapper(MODEL)
    full: AIMessageChunk | None = None
    for event in events:
        chunk = mapper(event)
        if chunk is not None:
            assert isinstance(chunk.message, AIMessageChunk)
            full = chunk.message if full is None else full + chunk.message
    assert full is not None and mapper.finished
    return full


def _without_index(content: Any) -> Any:
    if isinstance(content, list):
        return [_without_index(block) for block in content]
    if isinstance(content, dict):
        return {k: _without_index(v) for k, v in content.items() if k != "index"}
    return content


# --- the body -----------------------------------------------------------------------------------


def test_body_maps_chat_spellings_onto_the_responses_wire() -> None:
    schema = {"name": "Answer", "schema": {"type": "object"}, "strict": True}
    body = to_responses_body(
        [SystemMessage("be brief"), HumanMessage("hi")],
        {
            "model": MODEL,
            "max_tokens": 64,
            "reasoning_effort": "low",
            "tools": [WEATHER],
            "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
            "parallel_tool_calls": False,
            "response_format": {"type": "json_schema", "json_schema": schema},
            "verbosity": "low",
        },
    )
    assert body == {
        "model": MODEL,
        "max_output_tokens": 64,
        "tools": [{"type": "function", **WEATHER["function"]}],
        "tool_choice": {"type": "function", "name": "get_weather"},
        "parallel_tool_calls": False,
        "reasoning": {"effort": "low", "summary": "auto"},
        "text": {"format": {"type": "json_schema", **schema}, "verbosity": "low"},
        "store": False,
        "include": ["reasoning.encrypted_content"],
        "input": [
            {"type": "message", "role": "system", "content": "be brief"},
            {"type": "message", "role": "user", "content": "hi"},
        ],
    }
    assert check_request(body) is None


def test_explicit_reasoning_store_and_include_are_kept() -> None:
    body = to_responses_body(
        [HumanMessage("hi")],
        {
            "model": MODEL,
            "reasoning": {"effort": "medium", "summary": None},
            "store": True,
            "include": ["message.output_text.logprobs"],
        },
    )
    assert body["reasoning"] == {"effort": "medium"}
    assert body["store"] is True
    assert body["include"] == ["message.output_text.logprobs"]


def test_chat_only_parameters_are_refused_before_sending() -> None:
    with pytest.raises(ResponsesParameterError, match="presence_penalty, seed are not"):
        to_responses_body([HumanMessage("hi")], {"model": MODEL, "seed": 1, "presence_penalty": 1})


def test_stop_is_not_sent_and_says_so() -> None:
    with pytest.warns(UserWarning, match="no 'stop' parameter"):
        body = to_responses_body([HumanMessage("hi")], {"model": MODEL, "stop": ["x"]})
    assert "stop" not in body


def test_user_content_parts_become_input_parts() -> None:
    image = "data:image/png;base64,iVBORw0KGgo="
    items = to_responses_input(
        [
            HumanMessage(
                [
                    {"type": "text", "text": "look"},
                    {"type": "image", "url": "https://example.com/a.png"},
                    {"type": "image_url", "image_url": {"url": image, "detail": "low"}},
                    {
                        "type": "file",
                        "base64": "JVBERi0xLjQK",
                        "mime_type": "application/pdf",
                        "filename": "a.pdf",
                    },
                ]
            ),
            ToolMessage([{"type": "text", "text": "ok"}], tool_call_id="call_1"),
        ]
    )
    assert items == [
        {
            "type": "message",
            "role": "user",
            "content": [
                {"type": "input_text", "text": "look"},
                {"type": "input_image", "image_url": "https://example.com/a.png"},
                {"type": "input_image", "image_url": image, "detail": "low"},
                {
                    "type": "input_file",
                    "file_data": "data:application/pdf;base64,JVBERi0xLjQK",
                    "filename": "a.pdf",
                },
            ],
        },
        {
            "type": "function_call_output",
            "call_id": "call_1",
            "output": [{"type": "input_text", "text": "ok"}],
        },
    ]


@pytest.mark.parametrize(
    ("explicit", "output_version", "params", "policy", "expected"),
    [
        (None, None, {}, "error", False),
        (True, None, {}, "error", True),
        (False, "responses/v1", {"reasoning": {}}, "error", False),
        (None, "responses/v1", {}, "error", True),
        (None, None, {"store": False}, "error", True),
        (None, None, {"tools": [WEATHER], "reasoning_effort": "low"}, "error", True),
        (None, None, {"tools": [WEATHER], "reasoning_effort": "low"}, "drop_effort", False),
        (None, None, {"tools": [WEATHER], "reasoning_effort": "none"}, "error", False),
        (None, None, {"reasoning_effort": "low"}, "error", False),
    ],
)
def test_which_wire(
    explicit: bool | None,
    output_version: str | None,
    params: dict[str, Any],
    policy: str,
    expected: bool,
) -> None:
    decided = use_responses_wire(
        explicit=explicit, output_version=output_version, params=params, tools_with_reasoning=policy
    )
    assert decided is expected


# --- answers, and the next turn -----------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
def test_tool_turn_carries_reasoning_and_sends_it_back(stream: bool) -> None:
    question: list[BaseMessage] = [HumanMessage("What is the weather in Paris?")]
    first = _ask(question, stream, tools=[WEATHER], reasoning_effort="low")
    call_id = first.tool_calls[0]["id"]
    assert first.tool_calls == [
        {"name": "get_weather", "args": {"city": "Paris"}, "id": call_id, "type": "tool_call"}
    ]
    reasoning, call = _without_index(first.content)
    summary = (
        "**Choosing a tool**\n\nThe request needs `get_weather`, so I will call the tool with "
        "arguments taken from the message."
    )
    assert reasoning == {
        "type": "reasoning",
        "id": reasoning["id"],
        "summary": [{"type": "summary_text", "text": summary}],
        "encrypted_content": reasoning["encrypted_content"],
    }
    assert SEAL.open(reasoning["encrypted_content"])["id"] == reasoning["id"]  # type: ignore[index]
    assert call == {
        "type": "function_call",
        "id": call["id"],
        "call_id": call_id,
        "name": "get_weather",
        "arguments": '{"city": "Paris"}',
        **({} if stream else {"status": "completed"}),
    }
    assert first.usage_metadata == {
        "input_tokens": first.usage_metadata["input_tokens"],  # type: ignore[index]
        "output_tokens": 75,
        "total_tokens": first.usage_metadata["input_tokens"] + 75,  # type: ignore[index]
        "input_token_details": {"cache_read": 0, "cache_creation": 0},
        "output_token_details": {"reasoning": 64},
    }
    assert first.response_metadata["finish_reason"] == "tool_calls"
    assert first.id == first.response_metadata["id"]

    turn = [*question, first, ToolMessage("sunny", tool_call_id=call_id)]
    body = to_responses_body(turn, {"model": MODEL, "tools": [WEATHER], "reasoning_effort": "low"})
    assert body["input"][1:] == [
        {**reasoning},
        {**call},
        {"type": "function_call_output", "call_id": call_id, "output": "sunny"},
    ]
    final = _ask(turn, stream, tools=[WEATHER], reasoning_effort="low")
    assert final.text == "The tool returned: sunny"
    assert final.response_metadata["finish_reason"] == "stop"


def test_stream_and_invoke_agree() -> None:
    question: list[BaseMessage] = [HumanMessage("Say hello")]
    streamed = _ask(question, True, reasoning_effort="low")
    invoked = _ask(question, False, reasoning_effort="low")
    # Item ids differ per answer; everything else is the same.
    for block in (*streamed.content, *invoked.content):
        assert isinstance(block, dict)
        block.pop("id", None)
        block.pop("encrypted_content", None)
    assert _without_index(streamed.content) == invoked.content
    assert streamed.usage_metadata == invoked.usage_metadata
    same = ("model_name", "upstream_model", "model_provider", "finish_reason", "status")
    assert {k: streamed.response_metadata[k] for k in same} == {
        k: invoked.response_metadata[k] for k in same
    }


def test_v1_content_blocks_go_back_as_the_same_items() -> None:
    first = _ask([HumanMessage("What is the weather in Paris?")], False, tools=[WEATHER],
                 reasoning_effort="low")  # fmt: skip
    v1 = AIMessage(
        content=first.content_blocks,  # type: ignore[arg-type]
        tool_calls=first.tool_calls,
        response_metadata={**first.response_metadata, "output_version": "v1"},
    )
    assert to_responses_input([v1]) == to_responses_input([first])


def test_v0_keeps_reasoning_beside_the_text_and_resends_it() -> None:
    body = to_responses_body(
        [HumanMessage("Say hello")], {"model": MODEL, "reasoning_effort": "low"}
    )
    response, _ = _serve(body)
    message = from_responses_output(response, model=MODEL, output_version="v0").generations[0]
    ai = message.message
    assert isinstance(ai, AIMessage)
    reasoning = ai.additional_kwargs["reasoning"]
    assert ai.content == [{"type": "text", "text": ai.text, "annotations": []}]
    assert ai.id is not None and ai.id.startswith("msg_")
    items = to_responses_input([ai])
    assert items == [
        {"type": "reasoning", **reasoning},
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": ai.text, "annotations": []}],
        },
    ]


def test_store_false_drops_reasoning_it_cannot_resend() -> None:
    ai = AIMessage(
        content=[
            {"type": "reasoning", "id": "rs_1", "summary": []},
            {"type": "text", "text": "hi", "id": "msg_1"},
        ]
    )
    assert to_responses_input([ai], store=False) == [
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "hi", "annotations": []}],
        }
    ]
    assert to_responses_input([ai], store=True)[0] == {
        "type": "reasoning",
        "id": "rs_1",
        "summary": [],
    }


def test_refusal_and_incomplete() -> None:
    response = {
        "id": "resp_1",
        "object": "response",
        "status": "incomplete",
        "model": "gpt-5.4-nano-x",
        "incomplete_details": {"reason": "content_filter"},
        "output": [
            {
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "content": [{"type": "refusal", "refusal": "No."}],
            }
        ],
    }
    message = from_responses_output(response, model=MODEL).generations[0].message
    assert (
        message_to_dict(message)["data"] | {"usage_metadata": None}
        == message_to_dict(
            AIMessage(
                content=[{"type": "refusal", "refusal": "No.", "id": "msg_1"}],
                id="resp_1",
                additional_kwargs={"refusal": "No."},
                response_metadata={
                    "id": "resp_1",
                    "object": "response",
                    "status": "incomplete",
                    "model_name": MODEL,
                    "upstream_model": "gpt-5.4-nano-x",
                    "model_provider": "openai",
                    "finish_reason": "content_filter",
                    "incomplete_details": {"reason": "content_filter"},
                },
            )
        )["data"]
    )


def test_usage_details() -> None:
    usage = {
        "input_tokens": 10,
        "input_tokens_details": {"cached_tokens": 4},
        "output_tokens": 7,
        "output_tokens_details": {"reasoning_tokens": 3},
        "total_tokens": 17,
    }
    assert from_responses_usage(usage) == {
        "input_tokens": 10,
        "output_tokens": 7,
        "total_tokens": 17,
        "input_token_details": {"cache_read": 4},
        "output_token_details": {"reasoning": 3},
    }


def test_invalid_arguments_become_invalid_tool_calls() -> None:
    response = {
        "id": "resp_1",
        "status": "completed",
        "output": [
            {"type": "function_call", "id": "fc_1", "call_id": "c1", "name": "f", "arguments": "{"}
        ],
    }
    message = from_responses_output(response, model=MODEL).generations[0].message
    assert isinstance(message, AIMessage)
    assert message.tool_calls == []
    assert [(c["id"], c["name"], c["args"]) for c in message.invalid_tool_calls] == [
        ("c1", "f", "{")
    ]
    # Resent as it came (the model sees its own malformed call and the error after it).
    assert to_responses_input([message]) == response["output"]
