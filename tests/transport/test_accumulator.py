"""StreamAccumulator: chunks in, a wire ChatCompletion out (text, tool calls, usage, n > 1)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gpt54nano_gateway.accumulator import StreamAccumulator
from gpt54nano_gateway.sse import DONE, SSEDecoder
from gpt54nano_gateway.wire import ChatCompletion, ChatCompletionChunk
from tests.support.corpus import corpus_file

RECORDED = corpus_file("openai-recorded", "test_run_stream_sync_streams_real_model.yaml")
CATALOG = corpus_file("cloudflare-catalog", "openai-gpt-5.4-nano.json")


def chunk(*choices: dict[str, Any], **top: Any) -> ChatCompletionChunk:
    body = {"id": "chatcmpl-1", "created": 1700000000, "model": "gpt-5.4-nano", **top}
    body["choices"] = list(choices)
    return ChatCompletionChunk.model_validate(body)


def delta(index: int = 0, finish_reason: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"index": index, "delta": fields, "finish_reason": finish_reason}


def call(
    index: int, id: str | None = None, name: str | None = None, args: str | None = None
) -> Any:
    fragment: dict[str, Any] = {"index": index, "function": {}}
    if id is not None:
        fragment.update(id=id, type="function")
    if name is not None:
        fragment["function"]["name"] = name
    if args is not None:
        fragment["function"]["arguments"] = args
    return fragment


def accumulate(chunks: list[ChatCompletionChunk]) -> StreamAccumulator:
    acc = StreamAccumulator()
    for c in chunks:
        acc.feed(c)
    return acc


def test_text_is_assembled_in_order_with_header_fields() -> None:
    acc = accumulate(
        [
            chunk(delta(role="assistant", content=""), system_fingerprint=None),
            chunk(delta(content="Hel")),
            chunk(delta(content="lo"), system_fingerprint="fp_1", service_tier="default"),
            chunk(delta(finish_reason="stop")),
        ]
    )
    result = acc.snapshot()
    assert acc.text == "Hello"
    assert acc.finished and acc.chunks_seen == 4
    assert (result.id, result.model, result.created) == ("chatcmpl-1", "gpt-5.4-nano", 1700000000)
    assert (result.system_fingerprint, result.service_tier) == ("fp_1", "default")
    [choice] = result.choices
    assert (choice.message.role, choice.message.content, choice.finish_reason) == (
        "assistant",
        "Hello",
        "stop",
    )
    assert choice.message.tool_calls is None and choice.message.refusal is None


def test_header_fields_come_from_the_first_chunk_that_has_them() -> None:
    acc = accumulate([chunk(delta(content="a"), id="first"), chunk(delta(content="b"), id="x")])
    assert acc.snapshot().id == "first"


def test_empty_accumulator_snapshot() -> None:
    acc = StreamAccumulator()
    assert acc.text == "" and not acc.finished and acc.chunks_seen == 0 and acc.usage is None
    assert acc.snapshot().choices == []


def test_tool_call_assembled_from_fragments() -> None:
    acc = accumulate(
        [
            chunk(delta(role="assistant", content=None, tool_calls=[call(0, "call_1", "f", "")])),
            chunk(delta(tool_calls=[call(0, args='{"ci')])),
            chunk(delta(tool_calls=[call(0, args='ty": "Paris"}')])),
            chunk(delta(finish_reason="tool_calls")),
        ]
    )
    message = acc.snapshot().choices[0].message
    assert message.content is None  # tool-call-only turn: no text, not ""
    [tool_call] = message.tool_calls or []
    assert (tool_call.id, tool_call.type, tool_call.function.name) == ("call_1", "function", "f")
    assert json.loads(tool_call.function.arguments) == {"city": "Paris"}
    assert acc.snapshot().choices[0].finish_reason == "tool_calls"


def test_several_calls_in_one_chunk() -> None:
    acc = accumulate(
        [
            chunk(delta(tool_calls=[call(0, "a", "f", '{"x": 1}'), call(1, "b", "g", "{}")])),
            chunk(delta(finish_reason="tool_calls")),
        ]
    )
    calls = acc.snapshot().choices[0].message.tool_calls or []
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
        ("a", "f", '{"x": 1}'),
        ("b", "g", "{}"),
    ]


def test_parallel_calls_interleaved_are_kept_apart_and_ordered_by_index() -> None:
    acc = accumulate(
        [
            chunk(delta(tool_calls=[call(1, "b", "g", "")])),
            chunk(delta(tool_calls=[call(0, "a", "f", "")])),
            chunk(delta(tool_calls=[call(0, args='{"x"')])),
            chunk(delta(tool_calls=[call(1, args='{"y"')])),
            chunk(delta(tool_calls=[call(0, args=": 1}")])),
            chunk(delta(tool_calls=[call(1, args=": 2}")])),
        ]
    )
    calls = acc.snapshot().choices[0].message.tool_calls or []
    assert [(c.id, c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("a", "f", {"x": 1}),
        ("b", "g", {"y": 2}),
    ]


def test_same_index_with_a_new_id_stays_one_call_and_missing_id_is_empty() -> None:
    # Documented simplification: calls are keyed by index only; the first id wins.
    acc = accumulate(
        [
            chunk(delta(tool_calls=[call(0, "first", "f", "{")])),
            chunk(delta(tool_calls=[call(0, "second", "other", "}")])),
            chunk(delta(tool_calls=[call(1, name="g", args="{}")])),
        ]
    )
    calls = acc.snapshot().choices[0].message.tool_calls or []
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
        ("first", "f", "{}"),
        ("", "g", "{}"),
    ]


def test_refusal_and_reasoning_content() -> None:
    acc = accumulate(
        [
            chunk(delta(reasoning_content="think ", refusal=None)),
            chunk(delta(reasoning_content="hard")),
            chunk(delta(refusal="I can't ")),
            chunk(delta(refusal="help with that.", finish_reason="stop")),
        ]
    )
    message = acc.snapshot().choices[0].message
    assert message.refusal == "I can't help with that."
    assert message.reasoning_content == "think hard"
    assert message.content is None and acc.text == ""


def test_usage_from_the_final_empty_choices_chunk() -> None:
    usage = {
        "prompt_tokens": 16,
        "completion_tokens": 3,
        "total_tokens": 19,
        "completion_tokens_details": {"reasoning_tokens": 2},
        "prompt_tokens_details": {"cached_tokens": 4},
    }
    acc = accumulate(
        [
            chunk(delta(content="ok"), usage=None),
            chunk(delta(finish_reason="stop"), usage=None),
            chunk(usage=usage),
        ]
    )
    result = acc.snapshot()
    assert acc.usage is not None and result.usage is not None
    assert (result.usage.prompt_tokens, result.usage.total_tokens) == (16, 19)
    assert result.usage.completion_tokens_details is not None
    assert result.usage.completion_tokens_details.reasoning_tokens == 2
    assert len(result.choices) == 1 and result.choices[0].message.content == "ok"


def test_n_greater_than_one_keeps_every_choice() -> None:
    acc = accumulate(
        [
            chunk(delta(1, role="assistant", content="B"), delta(0, role="assistant", content="A")),
            chunk(delta(0, content="a"), delta(1, content="b")),
            chunk(delta(1, finish_reason="length")),
            chunk(delta(0, finish_reason="stop")),
        ]
    )
    result = acc.snapshot()
    assert [(c.index, c.message.content, c.finish_reason) for c in result.choices] == [
        (0, "Aa", "stop"),
        (1, "Bb", "length"),
    ]
    assert acc.text == "Aa"


def test_snapshot_mid_stream_is_partial_and_not_changed_by_later_chunks() -> None:
    logprob = {"content": [{"token": "Hel", "logprob": -0.1}]}
    acc = accumulate([chunk(delta(content="Hel") | {"logprobs": logprob})])
    early = acc.snapshot()
    assert not acc.finished
    assert early.choices[0].finish_reason is None and early.choices[0].message.content == "Hel"
    acc.feed(chunk(delta(content="lo") | {"logprobs": {"content": [{"token": "lo"}]}}))
    acc.feed(chunk(delta(finish_reason="stop")))
    late = acc.snapshot()
    assert early.choices[0].message.content == "Hel"
    assert early.choices[0].logprobs == logprob
    assert late.choices[0].message.content == "Hello" and acc.finished
    assert late.choices[0].logprobs is not None
    assert [t["token"] for t in late.choices[0].logprobs["content"]] == ["Hel", "lo"]


def test_text_stays_correct_when_read_between_feeds() -> None:
    acc = StreamAccumulator()
    expected = ""
    for i in range(200):
        acc.feed(chunk(delta(content=str(i))))
        expected += str(i)
        if i % 7 == 0:
            assert acc.text == expected
    assert acc.text == expected and acc.snapshot().choices[0].message.content == expected


def test_gateway_metadata_on_a_chunk_is_kept() -> None:
    acc = accumulate([chunk(delta(content="x"), gatewayMetadata={"keySource": "Unified"})])
    result = acc.snapshot()
    assert result.gatewayMetadata is not None and result.gatewayMetadata.keySource == "Unified"


def _recorded_streams() -> list[str]:
    yaml = pytest.importorskip("yaml")
    cassette = yaml.safe_load(RECORDED.read_text())
    return [
        i["response"]["body"]["string"]
        for i in cassette["interactions"]
        if i["request"]["uri"].endswith("/chat/completions") and "body" in i["response"]
    ]


def _decode_stream(body: bytes) -> tuple[StreamAccumulator, bool]:
    decoder, acc, done = SSEDecoder(), StreamAccumulator(), False
    # Fed in 7-byte pieces so events straddle feeds, as they do on a socket.
    for start in range(0, len(body), 7):
        for event in decoder.feed(body[start : start + 7]):
            if event.data == DONE:
                done = True
                continue
            acc.feed(ChatCompletionChunk.model_validate_json(event.data))
    assert decoder.flush() == []
    return acc, done


def test_recorded_openai_stream_tool_call_then_text() -> None:
    tool_body, text_body = _recorded_streams()
    # What the bodies say, extracted by hand from the cassette.
    acc, done = _decode_stream(tool_body.encode())
    result = acc.snapshot()
    assert done and acc.finished
    [tool_call] = result.choices[0].message.tool_calls or []
    assert tool_call.id == "call_ZR5UUuTt3pf61kjwAJIYdVMj"
    assert tool_call.function.name == "get_capital"
    assert json.loads(tool_call.function.arguments) == {"country": "UK"}
    assert result.choices[0].finish_reason == "tool_calls"
    assert result.id == "chatcmpl-Dx0XpqH8w09uBXwq1zFGYdETjtnEl"
    assert result.usage is not None and result.usage.total_tokens == 68

    acc, done = _decode_stream(text_body.encode())
    assert done and acc.text == "The capital of the UK is London."
    assert acc.snapshot().usage is not None


def test_cloudflare_catalog_streaming_example() -> None:
    if not CATALOG.exists():
        pytest.skip("shared wire corpus not available")
    examples = json.loads(CATALOG.read_text())["examples"]
    [example] = [e for e in examples if isinstance(e.get("raw_response"), list)]
    acc = accumulate([ChatCompletionChunk.model_validate(c) for c in example["raw_response"]])
    result = acc.snapshot()
    assert isinstance(result, ChatCompletion)
    assert acc.text == "".join(example["output"]["text"])
    assert acc.finished and result.choices[0].finish_reason == "stop"
    assert result.model.startswith("gpt-5.4-nano")
    assert result.usage is not None and result.usage.total_tokens == 298
