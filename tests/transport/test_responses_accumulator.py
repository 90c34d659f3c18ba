"""The pure `ResponsesAccumulator`: typed events in, a `Response` out (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from gpt54nano_gateway import (
    InternalServerError,
    RateLimitError,
    Response,
    ResponsesAccumulator,
    ResponseStreamEvent,
    StreamError,
    StreamTruncatedError,
)

HEADER = {"id": "resp_1", "object": "response", "created_at": 1700000000, "model": "gpt-5.4-nano"}
REASONING = {"id": "rs_1", "type": "reasoning", "summary": [], "encrypted_content": "sealed"}
MESSAGE = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "status": "in_progress",
    "content": [],
}
CALL = {
    "id": "fc_1",
    "type": "function_call",
    "call_id": "call_1",
    "name": "get_weather",
    "arguments": "",
    "status": "in_progress",
}
FINAL_OUTPUT = [
    {**REASONING, "summary": [{"type": "summary_text", "text": "Think first."}]},
    {
        **MESSAGE,
        "status": "completed",
        "content": [{"type": "output_text", "text": "Hello there", "annotations": []}],
    },
    {**CALL, "arguments": '{"city":"Paris"}', "status": "completed"},
]
USAGE = {
    "input_tokens": 10,
    "output_tokens": 20,
    "total_tokens": 30,
    "input_tokens_details": {"cached_tokens": 4},
    "output_tokens_details": {"reasoning_tokens": 12},
}


def _events(
    *, with_item_done: bool = True, terminal: str | None = "completed"
) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {**HEADER, "status": "in_progress", "output": []}},
        {
            "type": "response.in_progress",
            "response": {**HEADER, "status": "in_progress", "output": []},
        },
        {"type": "response.output_item.added", "output_index": 0, "item": REASONING},
        {"type": "response.reasoning_summary_part.added", "output_index": 0, "summary_index": 0},
        {
            "type": "response.reasoning_summary_text.delta",
            "output_index": 0,
            "summary_index": 0,
            "delta": "Think ",
        },
        {
            "type": "response.reasoning_summary_text.delta",
            "output_index": 0,
            "summary_index": 0,
            "delta": "first.",
        },
        {"type": "response.output_item.added", "output_index": 1, "item": MESSAGE},
        {
            "type": "response.content_part.added",
            "output_index": 1,
            "content_index": 0,
            "part": {"type": "output_text", "text": ""},
        },
        {
            "type": "response.output_text.delta",
            "item_id": "msg_1",
            "content_index": 0,
            "delta": "Hello",
        },
        {
            "type": "response.output_text.delta",
            "output_index": 1,
            "content_index": 0,
            "delta": " there",
        },
        {"type": "response.output_text.annotation.added", "output_index": 1, "annotation": {}},
        {"type": "response.output_item.added", "output_index": 2, "item": CALL},
        {"type": "response.function_call_arguments.delta", "output_index": 2, "delta": '{"city":'},
        {"type": "response.function_call_arguments.delta", "output_index": 2, "delta": '"Paris"}'},
        {
            "type": "response.function_call_arguments.done",
            "output_index": 2,
            "arguments": '{"city":"Paris"}',
        },
    ]
    if with_item_done:
        events += [
            {"type": "response.output_item.done", "output_index": i, "item": item}
            for i, item in enumerate(FINAL_OUTPUT)
        ]
    if terminal is not None:
        status = {"completed": "completed", "incomplete": "incomplete", "failed": "failed"}[
            terminal
        ]
        final: dict[str, Any] = {**HEADER, "status": status, "output": FINAL_OUTPUT, "usage": USAGE}
        if terminal == "failed":
            final["error"] = {"code": "rate_limit_exceeded", "message": "slow down"}
        events.append({"type": f"response.{terminal}", "response": final})
    return [{**event, "sequence_number": n} for n, event in enumerate(events)]


def _fed(events: list[dict[str, Any]]) -> ResponsesAccumulator:
    accumulator = ResponsesAccumulator()
    for event in events:
        accumulator.add(ResponseStreamEvent.model_validate(event))
    return accumulator


def test_the_final_response_is_the_terminal_event_s() -> None:
    accumulator = _fed(_events())
    assert accumulator.done and accumulator.failure is None
    expected = Response.model_validate(
        {**HEADER, "status": "completed", "output": FINAL_OUTPUT, "usage": USAGE}
    )
    assert accumulator.final() == expected
    assert expected.output_text == "Hello there"
    assert expected.usage is not None and expected.usage.input_tokens_details.cached_tokens == 4


@pytest.mark.parametrize("with_item_done", [False, True])
def test_assembled_output_equals_the_final_output(with_item_done: bool) -> None:
    # Without the terminal event the snapshot is assembled from the deltas (or from
    # output_item.done); it must say what the final response says.
    snapshot = _fed(_events(with_item_done=with_item_done, terminal=None)).snapshot()
    final = Response.model_validate({**HEADER, "output": FINAL_OUTPUT})
    assert snapshot.status == "in_progress"
    assert snapshot.output_text == final.output_text == "Hello there"
    assert snapshot.function_calls[0].arguments == '{"city":"Paris"}'
    assert snapshot.reasoning[0].summary[0].text == "Think first."
    assert snapshot.reasoning[0].encrypted_content == "sealed"
    if with_item_done:
        assert snapshot.output == final.output


def test_a_snapshot_mid_stream_is_partial_and_later_events_do_not_change_it() -> None:
    events = _events()
    accumulator = _fed(events[:9])
    early = accumulator.snapshot()
    assert early.output_text == "Hello"
    for event in events[9:]:
        accumulator.add(ResponseStreamEvent.model_validate(event))
    assert early.output_text == "Hello"
    assert accumulator.snapshot().output_text == "Hello there"


def test_no_terminal_event_is_truncated_with_the_partial() -> None:
    accumulator = _fed(_events(terminal=None)[:10])
    assert not accumulator.done
    with pytest.raises(StreamTruncatedError) as info:
        accumulator.final()
    assert isinstance(info.value.partial, Response)
    assert info.value.partial.output_text == "Hello there"


def test_incomplete_is_a_result() -> None:
    response = _fed(_events(terminal="incomplete")).final()
    assert response.status == "incomplete"


def test_failed_is_a_typed_stream_error_with_the_response() -> None:
    accumulator = _fed(_events(terminal="failed"))
    assert accumulator.done
    with pytest.raises(RateLimitError) as info:
        accumulator.final()
    error = info.value
    assert isinstance(error, StreamError)
    assert (error.code, error.status_code) == ("rate_limit_exceeded", 429)
    assert "slow down" in error.message
    assert isinstance(error.partial, Response) and error.partial.status == "failed"


def test_error_event_is_a_typed_stream_error() -> None:
    events = [
        *_events(terminal=None)[:9],
        {"type": "error", "code": "server_error", "message": "boom", "param": None},
    ]
    accumulator = _fed(events)
    with pytest.raises(InternalServerError) as info:
        accumulator.final()
    assert isinstance(info.value, StreamError) and "boom" in info.value.message
    assert isinstance(info.value.partial, Response) and info.value.partial.output_text == "Hello"


def test_unknown_code_is_a_plain_stream_error() -> None:
    accumulator = _fed([{"type": "error", "code": "weird", "message": "?"}])
    with pytest.raises(StreamError) as info:
        accumulator.final()
    assert type(info.value) is StreamError and info.value.code == "weird"


def test_refusal_deltas_and_unknown_events() -> None:
    accumulator = _fed(
        [
            {"type": "response.created", "response": HEADER},
            {"type": "response.output_item.added", "output_index": 0, "item": MESSAGE},
            {
                "type": "response.refusal.delta",
                "output_index": 0,
                "content_index": 0,
                "delta": "No, ",
            },
            {
                "type": "response.refusal.delta",
                "output_index": 0,
                "content_index": 0,
                "delta": "sorry",
            },
            {"type": "response.something_new", "output_index": 0, "whatever": [1, 2]},
        ]
    )
    snapshot = accumulator.snapshot()
    assert snapshot.refusal == "No, sorry" and snapshot.output_text == ""
    assert snapshot.id == "resp_1"


def test_empty_accumulator() -> None:
    accumulator = ResponsesAccumulator()
    assert accumulator.snapshot() == Response()
    with pytest.raises(StreamTruncatedError):
        accumulator.final()
