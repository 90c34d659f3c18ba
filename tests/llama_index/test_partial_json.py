"""Streamed tool-call arguments are parsed incrementally: each fragment read once (issue 16).

The linearity tests count work (characters handed to a JSON parser, parse calls), never time:
timings are in benchmarks/bench_tool_stream.py.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from llama_index.core.agent.workflow import AgentStream, FunctionAgent, ToolCallResult
from llama_index.core.base.llms.types import ToolCallBlock
from llama_index.core.llms.llm import ToolSelection

from gpt54nano_emulator import Reply
from gpt54nano_gateway.accumulator import StreamAccumulator
from gpt54nano_gateway.wire import ChatCompletionChunk
from llama_index_gpt54nano import GPT54Nano, _tools
from llama_index_gpt54nano._partial_json import PartialJSONObject
from llama_index_gpt54nano._stream import ChatResponseAssembler

# --- the parser -----------------------------------------------------------------------------


def _random_value(rnd: random.Random, depth: int) -> Any:
    roll = rnd.random()
    if depth > 3 or roll < 0.35:
        return rnd.choice(
            [0, -7, 2.5e-3, 12345678901234, True, False, None, "", "plain", 'q"\\/\n\té😀']
        )
    if roll < 0.65:
        return [_random_value(rnd, depth + 1) for _ in range(rnd.randint(0, 3))]
    keys = ["k", 'a "q"', "é", "😀", ""]
    return {
        f"{rnd.choice(keys)}{i}": _random_value(rnd, depth + 1) for i in range(rnd.randint(0, 3))
    }


def _split(rnd: random.Random, text: str) -> list[str]:
    cuts = sorted(rnd.sample(range(1, len(text)), min(len(text) - 1, rnd.randint(0, 12))))
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


def test_any_object_split_anywhere_parses_to_what_json_loads_gives() -> None:
    rnd = random.Random(16)
    for _ in range(300):
        document = {f"arg{i}": _random_value(rnd, 0) for i in range(rnd.randint(0, 4))}
        text = json.dumps(document, ensure_ascii=rnd.random() < 0.5, indent=rnd.choice([None, 1]))
        parser = PartialJSONObject()
        fragments = _split(rnd, text)
        for fragment in fragments:
            parser.feed(fragment)
            assert isinstance(parser.value(), dict)
        assert parser.complete and parser.value() == document
        # Each character once, but for a cut escape (at most 12 characters) read again.
        assert len(text) <= parser.chars_parsed <= len(text) + 12 * len(fragments)


def test_one_character_at_a_time_with_escapes_and_a_surrogate_pair() -> None:
    text = r'{"s": "\ud83d\ude00 \\ \" \u00e9\n", "l": [1, {"z": [true, null]}], "n": -1.5e-3}'
    parser = PartialJSONObject()
    for char in text:
        parser.feed(char)
        parser.value()
    assert parser.value() == json.loads(text)
    assert parser.chars_parsed <= len(text) + 12 * len(text)  # a cut escape is read again


def test_the_partial_value_shows_what_has_arrived() -> None:
    parser = PartialJSONObject()
    steps = [
        ('{"a": 1, "b": "hel', {"a": 1, "b": "hel"}),
        ('lo", "c": [1, 2, {"d": "x', {"a": 1, "b": "hello", "c": [1, 2, {"d": "x"}]}),
        ('y"}, 3', {"a": 1, "b": "hello", "c": [1, 2, {"d": "xy"}]}),  # 3 may go on: 30...
        ('], "e": ', {"a": 1, "b": "hello", "c": [1, 2, {"d": "xy"}, 3], "e": None}),
        ("tr", {"a": 1, "b": "hello", "c": [1, 2, {"d": "xy"}, 3], "e": None}),
        ('ue, "ke', {"a": 1, "b": "hello", "c": [1, 2, {"d": "xy"}, 3], "e": True}),
        ('y": "\\u00', {"a": 1, "b": "hello", "c": [1, 2, {"d": "xy"}, 3], "e": True, "key": ""}),
        ('e9"}', {"a": 1, "b": "hello", "c": [1, 2, {"d": "xy"}, 3], "e": True, "key": "é"}),
    ]
    seen = []
    for fragment, expected in steps:
        parser.feed(fragment)
        seen.append(parser.value())
        assert parser.value() == expected
    assert parser.complete
    assert seen[1]["c"][2] == {"d": "x"}  # an earlier value is not changed by later fragments
    assert seen[2]["c"] is not seen[1]["c"]


@pytest.mark.parametrize(
    "text",
    ["[1]", '"x"', '{"a" 1}', '{"a": 1,}', '{"a": tru}', '{"a": 1}x', '{"a": "\\q"}', "{,}", "5"],
)
def test_malformed_or_non_object_arguments_give_an_empty_dict(text: str) -> None:
    parser = PartialJSONObject()
    parser.feed(text)
    parser.feed("}")
    assert parser.value() == {} and not parser.complete


# --- the stream: one parse per fragment, reused by get_tool_calls_from_response ------------


def _chunk(delta: dict[str, Any], finish_reason: str | None = None) -> ChatCompletionChunk:
    return ChatCompletionChunk.model_validate(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "openai/gpt-5.4-nano",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }
    )


def _tool_stream(fragments: int) -> tuple[str, Iterator[ChatCompletionChunk]]:
    arguments = json.dumps({"text": "x" * (8 * fragments - 12)})
    assert len(arguments) == 8 * fragments

    def chunks() -> Iterator[ChatCompletionChunk]:
        yield _chunk(
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "echo", "arguments": ""},
                    }
                ],
            }
        )
        for start in range(0, len(arguments), 8):
            piece = arguments[start : start + 8]
            yield _chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
        yield _chunk({}, finish_reason="tool_calls")

    return arguments, chunks()


class _Work:
    """Characters handed to a JSON parser: core's parse_partial_json and ours."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.core_calls = self.core_chars = self.feed_chars = 0
        core = _tools.parse_partial_json
        feed = PartialJSONObject.feed

        def counting_core(text: str) -> Any:
            self.core_calls += 1
            self.core_chars += len(text)
            return core(text)

        def counting_feed(parser: PartialJSONObject, fragment: str) -> None:
            self.feed_chars += len(fragment)
            feed(parser, fragment)

        monkeypatch.setattr(_tools, "parse_partial_json", counting_core)
        monkeypatch.setattr(PartialJSONObject, "feed", counting_feed)


def _agent_like_consumer(llm: GPT54Nano, fragments: int) -> tuple[str, list[ToolSelection]]:
    """What FunctionAgent does per streamed chunk: the tool calls of the cumulative response."""
    arguments, chunks = _tool_stream(fragments)
    accumulator, assembler = StreamAccumulator(), ChatResponseAssembler()
    selections: list[ToolSelection] = []
    for chunk in chunks:
        accumulator.feed(chunk)
        if (response := assembler.feed(chunk, accumulator)) is not None:
            selections = llm.get_tool_calls_from_response(response, error_on_no_tool_call=False)
    return arguments, selections


@pytest.mark.parametrize("fragments", [1_000, 10_000])
def test_streamed_arguments_are_parsed_once_per_fragment(
    monkeypatch: pytest.MonkeyPatch, fragments: int
) -> None:
    llm = GPT54Nano(api_key="k", account_id="a")
    work = _Work(monkeypatch)
    arguments, selections = _agent_like_consumer(llm, fragments)
    assert selections == [
        ToolSelection(tool_id="call_1", tool_name="echo", tool_kwargs=json.loads(arguments))
    ]
    # Linear: every argument character reaches a parser exactly once, whatever the length
    # (re-parsing the cumulative string per chunk would be ~fragments/2 times that).
    assert (work.core_calls, work.core_chars) == (0, 0)
    assert work.feed_chars == len(arguments) == 8 * fragments


def test_a_block_edited_after_the_stream_is_parsed_afresh() -> None:
    llm = GPT54Nano(api_key="k", account_id="a")
    _, chunks = _tool_stream(3)
    accumulator, assembler = StreamAccumulator(), ChatResponseAssembler()
    for chunk in chunks:
        accumulator.feed(chunk)
        assembler.feed(chunk, accumulator)
    assert assembler.last is not None
    message = assembler.last.message
    block = next(b for b in message.blocks if isinstance(b, ToolCallBlock))
    block.tool_kwargs = '{"text": "edited"}'
    selections = llm.get_tool_calls_from_response(assembler.last)
    assert selections == [
        ToolSelection(tool_id="call_1", tool_name="echo", tool_kwargs={"text": "edited"})
    ]


# --- FunctionAgent over the emulator --------------------------------------------------------


def echo(text: str) -> str:
    """Echo the text back."""
    return f"got {len(text)} characters"


def test_function_agent_streams_long_arguments_with_one_parse_per_fragment(
    llm: GPT54Nano,
    emulator: Any,
    streaming: bool,
    monkeypatch: pytest.MonkeyPatch,
    bodies: Callable[[], list[dict[str, Any]]],
) -> None:
    text = "y" * 8_000  # the emulator streams 8 characters per fragment: ~1,000 fragments
    emulator.queue_reply(Reply(tool_calls=[{"name": "echo", "arguments": {"text": text}}]))
    work = _Work(monkeypatch)
    agent = FunctionAgent(tools=[echo], llm=llm, streaming=streaming)

    async def main() -> tuple[list[AgentStream], list[ToolCallResult], str]:
        handler = agent.run(user_msg="echo a long text")
        streams, results = [], []
        async for event in handler.stream_events():
            if isinstance(event, AgentStream):
                streams.append(event)
            elif isinstance(event, ToolCallResult):
                results.append(event)
        return streams, results, str(await handler)

    streams, results, answer = asyncio.run(main())
    assert [(r.tool_name, r.tool_kwargs, str(r.tool_output)) for r in results] == [
        ("echo", {"text": text}, "got 8000 characters")
    ]
    assert answer
    arguments_length = len(json.dumps({"text": text}))
    if streaming:
        assert len(streams) > 1_000
        # The events' partial arguments grow with the stream, each a prefix of the text.
        partial = [s.tool_calls[0].tool_kwargs.get("text") or "" for s in streams if s.tool_calls]
        assert all(text.startswith(p) for p in partial) and partial[-1] == text
        assert (work.core_calls, work.feed_chars) == (0, arguments_length)
    else:
        # One complete response, parsed once by core's parser (per get_tool_calls call).
        assert work.feed_chars == 0 and work.core_chars == work.core_calls * arguments_length
        assert work.core_calls <= 3
    assert len(bodies()) == 2


def test_stream_chat_with_tools_parses_each_fragment_once_sync_and_async(
    llm: GPT54Nano, emulator: Any, monkeypatch: pytest.MonkeyPatch, run_io: Callable[..., Any]
) -> None:
    from llama_index.core.tools import FunctionTool

    text = "z" * 4_000
    emulator.queue_reply(Reply(tool_calls=[{"name": "echo", "arguments": {"text": text}}]))
    tools = [FunctionTool.from_defaults(fn=echo)]
    work = _Work(monkeypatch)

    def consume(responses: Any) -> list[list[ToolSelection]]:
        return [llm.get_tool_calls_from_response(r, error_on_no_tool_call=False) for r in responses]

    async def aconsume() -> list[list[ToolSelection]]:
        stream = await llm.astream_chat_with_tools(tools, user_msg="echo")
        return [
            llm.get_tool_calls_from_response(r, error_on_no_tool_call=False) async for r in stream
        ]

    seen = run_io(lambda: consume(llm.stream_chat_with_tools(tools, user_msg="echo")), aconsume)
    assert len(seen) > 500
    assert seen[-1] == [
        ToolSelection(tool_id=seen[-1][0].tool_id, tool_name="echo", tool_kwargs={"text": text})
    ]
    assert (work.core_calls, work.feed_chars) == (0, len(json.dumps({"text": text})))
