"""The fast text-chunk builder (``_fast_chunk``) equals LangChain's constructors, exactly.

- the layout check passes on the installed langchain-core, so the fast path is really taken;
- a layout the builder does not reproduce (a validator or a field default it cannot know) is
  rejected, and streams then go through the constructors with the same result;
- over every SSE body we have (the recorded corpus and the emulator's streams: text, empty,
  unicode, tool calls, error events, malformed chunks), ``ChatGPT54Nano``'s stream gives the
  same chunks with the fast path as without it, slot by slot, the same aggregated message, and
  the same error where the stream breaks; sync and async.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGenerationChunk
from pydantic import Field, model_validator

from langchain_gpt54nano import ChatGPT54Nano, _fast_chunk
from tests.transport.test_corpus_replay import EXCHANGES, Exchange, _Replay
from tests.transport.test_corpus_replay import replay_server as replay_server  # fixture
from tests.transport.test_sse_fast import _emulator_bodies


def _slots(obj: Any) -> Any:
    """Everything an instance holds, nested models included, with the type of every value."""
    if hasattr(obj, "__pydantic_fields_set__"):
        return (
            type(obj),
            sorted(obj.__pydantic_fields_set__),
            obj.__pydantic_extra__,
            obj.__pydantic_private__,
            [(name, _slots(value)) for name, value in obj.__dict__.items()],
        )
    if isinstance(obj, dict):
        return (dict, [(key, _slots(value)) for key, value in obj.items()])
    if isinstance(obj, list):
        return (list, [_slots(value) for value in obj])
    return (type(obj), obj)


def test_the_layout_check_passes_on_the_installed_langchain_core() -> None:
    build = _fast_chunk.text_chunk_builder()
    assert build is not None
    fast = build("Hello", {"model_provider": "openai", "finish_reason": "stop"})
    expected = ChatGenerationChunk(
        message=AIMessageChunk(
            content="Hello", response_metadata={"model_provider": "openai", "finish_reason": "stop"}
        )
    )
    assert _slots(fast) == _slots(expected)
    assert fast == expected


def test_fast_chunks_are_independent_objects() -> None:
    build = _fast_chunk.text_chunk_builder()
    assert build is not None
    first, second = build("a", {}), build("a", {})
    assert isinstance(first.message, AIMessageChunk) and isinstance(second.message, AIMessageChunk)
    first.message.additional_kwargs["x"] = 1
    first.message.tool_call_chunks.append({"name": "f", "args": "", "id": "1", "index": 0})
    assert second.message.additional_kwargs == {} and second.message.tool_call_chunks == []


class _WithValidator(AIMessageChunk):
    @model_validator(mode="after")
    def _tag(self) -> _WithValidator:
        # A value derived from the input, as a later langchain-core's validator might set.
        self.name = f"len-{len(self.content)}"
        return self


class _WithFactoryDefault(AIMessageChunk):
    extra_field: set[str] = Field(default_factory=lambda: {"x"})


class _WithContentCoercion(AIMessageChunk):
    @model_validator(mode="before")
    @classmethod
    def _strip(cls, values: Any) -> Any:
        if isinstance(values, dict) and isinstance(values.get("content"), str):
            values = {**values, "content": values["content"].strip()}
        return values


@pytest.mark.parametrize("cls", [_WithValidator, _WithFactoryDefault, _WithContentCoercion])
def test_a_layout_the_builder_does_not_reproduce_is_rejected(cls: type[AIMessageChunk]) -> None:
    assert _fast_chunk.check_layout(cls, ChatGenerationChunk) is None


def _bodies() -> list[tuple[str, int, dict[str, str], bytes]]:
    return [(e.name, e.status, e.headers, e.body) for e in EXCHANGES if e.streaming]


def _stream(model: ChatGPT54Nano, messages: list[BaseMessage], io_mode: str, run: Any) -> Any:
    """Every generation chunk of one stream, and the error that ended it (or None)."""

    def sync_call() -> tuple[list[Any], Any]:
        chunks: list[Any] = []
        try:
            for chunk in model._stream(messages):
                chunks.append(chunk)
        except Exception as error:
            return chunks, error
        return chunks, None

    async def async_call() -> tuple[list[Any], Any]:
        chunks: list[Any] = []
        try:
            async for chunk in model._astream(messages):
                chunks.append(chunk)
        except Exception as error:
            return chunks, error
        return chunks, None

    return run(sync_call, async_call)


def _view(outcome: tuple[list[Any], Any]) -> Any:
    chunks, error = outcome
    total = None
    if chunks:
        total = chunks[0]
        for chunk in chunks[1:]:
            total = total + chunk
    failure = None if error is None else (type(error), str(error), getattr(error, "partial", None))
    return [_slots(c) for c in chunks], _slots(total), failure


@pytest.fixture
def both_ways(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Runs a stream with the fast path, then with the constructors; returns both views."""

    def compare(model: ChatGPT54Nano, io_mode: str, run: Any, before: Any = None) -> Any:
        messages: list[BaseMessage] = [HumanMessage("hi")]
        if before is not None:
            before()
        fast = _view(_stream(model, messages, io_mode, run))
        with monkeypatch.context() as patch:
            patch.setattr(_fast_chunk, "_builder", None)
            if before is not None:
                before()
            general = _view(_stream(model, messages, io_mode, run))
        return fast, general

    yield compare


@pytest.mark.parametrize("body", _bodies(), ids=lambda b: b[0])
def test_corpus_streams_are_the_same_with_and_without_the_fast_path(
    body: tuple[str, int, dict[str, str], bytes],
    replay_server: str,
    io_mode: str,
    run_io: Any,
    both_ways: Any,
) -> None:
    name, status, headers, raw = body
    _Replay.exchange = Exchange(name, status, headers, raw, streaming=True)
    model = ChatGPT54Nano(
        base_url=replay_server, account_id="acct", api_key="replay-token", max_retries=0
    )
    fast, general = both_ways(model, io_mode, run_io)
    assert fast == general
    assert fast[0], "the stream produced chunks"


def test_the_emulators_streams_are_the_same_with_and_without_the_fast_path(
    emulator: Any, replay_server: str, io_mode: str, run_io: Any, both_ways: Any
) -> None:
    model = ChatGPT54Nano(
        base_url=replay_server, account_id="acct", api_key="replay-token", max_retries=0
    )
    headers = {"content-type": "text/event-stream", "cf-aig-log-id": "log-1"}
    for name, raw in _emulator_bodies(emulator):
        _Replay.exchange = Exchange(name, 200, headers, raw, streaming=True)
        fast, general = both_ways(model, io_mode, run_io)
        assert fast == general, name
        assert fast[0] or fast[2], name


def test_the_fast_path_is_taken_for_text_deltas(
    llm: ChatGPT54Nano, emulator: Any, io_mode: str, run_io: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = _fast_chunk.text_chunk_builder()
    assert build is not None
    calls: list[str] = []

    def counting(content: str, metadata: dict[str, Any]) -> ChatGenerationChunk:
        calls.append(content)
        return build(content, metadata)

    monkeypatch.setattr(_fast_chunk, "_builder", counting)
    from gpt54nano_emulator import Reply

    emulator.queue_reply(Reply(content="one two three four"))
    chunks, error = _stream(llm, [HumanMessage("hi")], io_mode, run_io)
    assert error is None
    assert "".join(calls) == "one two three four"
    assert len(calls) == len(chunks) - 1  # all but the usage chunk
