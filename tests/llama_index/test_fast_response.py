"""The per-chunk ``ChatResponse`` built without the constructors (``_fast_response``) is the one
the constructors build.

- the self-check passes on the installed llama-index-core, and a stream turns the fast path on;
- a core whose layout differs (a new field, a validator that rewrites a value) fails the
  self-check, and every response then comes from the constructors;
- the same bytes streamed through ``GPT54Nano`` with the fast path on and off give the same
  responses, compared field by field with their types, fields-set, extra and private state:
  over the recorded corpus streams, the emulator's streams (text, empty, unicode, tool calls,
  an error event, a malformed chunk) and hand-made reasoning streams; sync and async.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole, TextBlock
from pydantic import BaseModel, model_validator

from gpt54nano_emulator import Fault, Reply
from gpt54nano_gateway import AsyncGatewayClient, GatewayClient, GatewayConfig
from llama_index_gpt54nano import GPT54Nano, _fast_response
from tests.transport.test_corpus_replay import EXCHANGES

USER = [ChatMessage(role="user", content="hi")]
_SSE_HEADERS = {"content-type": "text/event-stream", "cf-aig-log-id": "log-1"}


def structure(value: Any) -> Any:
    """Everything an object holds, types included, as nested tuples (independent of the
    module's own comparison, which it checks)."""
    if isinstance(value, BaseModel):
        return (
            type(value),
            frozenset(value.__pydantic_fields_set__),
            structure(value.__pydantic_extra__),
            structure(value.__pydantic_private__),
            tuple((name, structure(item)) for name, item in value.__dict__.items()),
        )
    if isinstance(value, dict):
        return (dict, tuple((key, structure(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value), tuple(structure(item) for item in value))
    return (type(value), value)


def _chunk_event(delta: dict[str, Any], finish: str | None = None) -> bytes:
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "openai/gpt-5.4-nano",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(body).encode() + b"\n\n"


def _reasoning_body(deltas: list[dict[str, Any]]) -> bytes:
    events = [_chunk_event({"role": "assistant", "content": ""})]
    events += [_chunk_event(delta) for delta in deltas]
    events += [_chunk_event({}, "stop"), b"data: [DONE]\n\n"]
    return b"".join(events)


# The emulator streams no reasoning text: these carry it the way the wire model reads it.
HAND_MADE = {
    "reasoning-then-text": _reasoning_body(
        [
            {"reasoning_content": "think"},
            {"reasoning_content": "ing"},
            {"content": "an"},
            {"content": "swer"},
        ]
    ),
    "text-then-reasoning": _reasoning_body(
        [{"content": "an"}, {"reasoning_content": "late"}, {"content": "swer"}]
    ),
}

CORPUS = {e.name: (e.headers, e.body) for e in EXCHANGES if e.streaming and e.status == 200}

EMULATOR_CASES: dict[str, tuple[Reply, Fault | None]] = {
    "text": (Reply(content="one two three four five six"), None),
    "empty": (Reply(content=""), None),
    "unicode": (Reply(content="héllo € 𝄞 naïve"), None),
    "tools": (
        Reply(
            tool_calls=[
                {"name": "get_weather", "arguments": {"city": "Paris"}},
                {"name": "get_time", "arguments": {"zone": "CET", "fmt": "24h"}},
            ]
        ),
        None,
    ),
    "text-and-tool": (
        Reply(content="let me check", tool_calls=[{"name": "f", "arguments": {"x": 1}}]),
        None,
    ),
    "error-event": (Reply(content="a b c d e"), Fault(kind="error_event", after=2)),
    "malformed": (Reply(content="a b c d e"), Fault(kind="malformed", after=2)),
}


def _emulator_body(emulator: Any, reply: Reply, fault: Fault | None) -> bytes:
    """The raw SSE body the emulator streams for ``reply``: recorded once, replayed twice."""
    emulator.queue_reply(reply)
    if fault is not None:
        emulator.plan_faults(fault, next_n=1)
    url = f"{emulator.base_url}/accounts/{emulator.account_id}/ai/v1/chat/completions"
    request = {
        "model": "openai/gpt-5.4-nano",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    headers = {"authorization": f"Bearer {emulator.api_token}"}
    response = httpx.post(url, json=request, headers=headers)
    assert response.status_code == 200, response.text
    return response.content


class _EventReads(httpx.SyncByteStream, httpx.AsyncByteStream):
    """``body`` one SSE event per read, as a server writing one event per write sends it."""

    def __init__(self, body: bytes) -> None:
        self.reads = [event + b"\n\n" for event in body.split(b"\n\n") if event]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.reads)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for read in self.reads:
            yield read


def _replaying_llm(headers: dict[str, str], body: bytes, mode: str) -> GPT54Nano:
    """A ``GPT54Nano`` whose every request is answered with ``body`` (an httpx mock transport:
    the real transport and adapter run on it)."""
    kept = {
        k: v for k, v in headers.items() if k.lower() not in ("content-length", "content-encoding")
    }

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=kept, stream=_EventReads(body))

    transport = httpx.MockTransport(answer)
    config = GatewayConfig(
        account_id="acct",
        api_token="replay-token",
        base_url="http://127.0.0.1:9/client/v4",
        max_retries=0,
    )
    if mode == "sync":
        return GPT54Nano(
            client=GatewayClient(config, http_client=httpx.Client(transport=transport))
        )
    client = AsyncGatewayClient(config, http_client=httpx.AsyncClient(transport=transport))
    return GPT54Nano(async_client=client)


def _streamed(
    headers: dict[str, str], body: bytes, io_mode: str, run_io: Callable[..., Any]
) -> tuple[list[Any], Any]:
    """Every response of one stream, and how it ended (None, or the error's type and text)."""
    responses: list[Any] = []

    def sync_call() -> Any:
        try:
            responses.extend(_replaying_llm(headers, body, "sync").stream_chat(USER))
        except Exception as error:
            return (type(error), str(error))
        return None

    async def async_call() -> Any:
        try:
            async for response in await _replaying_llm(headers, body, "async").astream_chat(USER):
                responses.append(response)
        except Exception as error:
            return (type(error), str(error))
        return None

    outcome = run_io(sync_call, async_call)
    return responses, outcome


def _assert_paths_agree(
    headers: dict[str, str],
    body: bytes,
    io_mode: str,
    run_io: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[int, Any]:
    """Stream ``body`` with the fast path forced on, then off; the responses must be the same.
    Returns how many responses the fast builder made, and how the stream ended."""
    built = 0
    real_built = _fast_response._built

    def counting_built(*args: Any) -> Any:
        nonlocal built
        built += 1
        return real_built(*args)

    monkeypatch.setattr(_fast_response, "_built", counting_built)
    monkeypatch.setattr(_fast_response, "fast_path", True)
    fast, fast_outcome = _streamed(headers, body, io_mode, run_io)
    monkeypatch.setattr(_fast_response, "fast_path", False)
    constructed, constructed_outcome = _streamed(headers, body, io_mode, run_io)

    assert fast_outcome == constructed_outcome
    assert fast or fast_outcome is not None  # an answer yields at least one response
    for ours, theirs in zip(fast, constructed, strict=True):
        assert structure(ours) == structure(theirs)
        assert ours.message.content == theirs.message.content
        assert ours.model_dump() == theirs.model_dump()
    if fast:
        assert structure(fast[-1]) == structure(constructed[-1])  # the final response
    return built, fast_outcome


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_streams_are_the_same_either_way(
    name: str, io_mode: str, run_io: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    headers, body = CORPUS[name]
    built, outcome = _assert_paths_agree(headers, body, io_mode, run_io, monkeypatch)
    assert outcome is None
    if b'"tool_calls"' not in body:
        assert built > 0  # a text answer takes the fast path


@pytest.mark.parametrize("name", sorted(EMULATOR_CASES))
def test_emulator_streams_are_the_same_either_way(
    name: str,
    emulator: Any,
    io_mode: str,
    run_io: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reply, fault = EMULATOR_CASES[name]
    body = _emulator_body(emulator, reply, fault)
    built, outcome = _assert_paths_agree(_SSE_HEADERS, body, io_mode, run_io, monkeypatch)
    assert (outcome is None) == (fault is None)
    if not reply.tool_calls:
        assert built > 0  # a text answer takes the fast path (up to the fault)


@pytest.mark.parametrize("name", sorted(HAND_MADE))
def test_reasoning_streams_are_the_same_either_way(
    name: str, io_mode: str, run_io: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    _built, outcome = _assert_paths_agree(
        _SSE_HEADERS, HAND_MADE[name], io_mode, run_io, monkeypatch
    )
    assert outcome is None


def test_self_check_passes_and_a_stream_turns_the_fast_path_on(
    emulator: Any, io_mode: str, run_io: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _fast_response.self_check()
    monkeypatch.setattr(_fast_response, "fast_path", None)  # as in a fresh process
    body = _emulator_body(emulator, *EMULATOR_CASES["text"])
    responses, outcome = _streamed(_SSE_HEADERS, body, io_mode, run_io)
    assert outcome is None and responses
    assert _fast_response.fast_path is True


def test_built_responses_share_no_mutable_state() -> None:
    first = _fast_response._built("a", "a", None, {})
    second = _fast_response._built("a", "a", None, {})
    first.message.blocks.append(TextBlock(text="b"))
    first.message.additional_kwargs["k"] = 1
    first.delta = "changed"  # pydantic records the assignment in the fields-set
    first.message.blocks[0].text = "changed"
    assert structure(second) == structure(_fast_response._constructed("a", "a", None, {}))


class _TextBlockWithNewField(TextBlock):
    """A core whose ``TextBlock`` gained a field (the fast builder does not know it)."""

    citation: str | None = None


class _MessageWithRewritingValidator(ChatMessage):
    """A core whose ``ChatMessage`` validator writes something the fast builder does not."""

    @model_validator(mode="after")
    def _stamp(self) -> _MessageWithRewritingValidator:
        self.additional_kwargs.setdefault("stamped", True)
        return self


@pytest.mark.parametrize(
    ("name", "replacement"),
    [("TextBlock", _TextBlockWithNewField), ("ChatMessage", _MessageWithRewritingValidator)],
)
def test_a_changed_core_fails_the_self_check_and_the_constructors_build(
    name: str, replacement: type[BaseModel], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_fast_response, name, replacement)
    monkeypatch.setattr(_fast_response, "fast_path", None)
    assert not _fast_response.fast_path_enabled()
    assert _fast_response.fast_path is False
    extra = {"finish_reason": "stop"}
    response = _fast_response.text_chat_response("text", "xt", {"id": "raw"}, dict(extra))
    # What the changed core's constructors make (the module's names are the patched ones).
    blocks = [_fast_response.TextBlock(text="text")]
    expected = _fast_response.ChatResponse(
        message=_fast_response.ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks),
        delta="xt",
        raw={"id": "raw"},
        additional_kwargs=extra,
    )
    assert structure(response) == structure(expected)
    assert replacement in {type(response.message), type(response.message.blocks[0])}
