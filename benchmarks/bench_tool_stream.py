"""Streamed tool-call arguments: time per stream for 1,000 and 10,000 argument fragments (issue 16).

Run: ``python benchmarks/bench_tool_stream.py [--fragments 1000 10000] [--repeats 3]``.
For the "before" figures, run it against another checkout of the adapter, e.g.
``PYTHONPATH=/path/to/old/checkout python benchmarks/bench_tool_stream.py``.

Two figures per size (median of ``--repeats``, seconds):

* ``adapter``: in process, no I/O. The chunks of one tool call whose JSON arguments arrive in
  8-character fragments (as OpenAI and the emulator stream them) go through the transport's
  ``StreamAccumulator`` and the adapter's ``ChatResponseAssembler``, and after every chunk
  ``get_tool_calls_from_response(response, error_on_no_tool_call=False)`` is called, which is
  exactly what ``FunctionAgent`` does per chunk. CPU time of the client.
* ``FunctionAgent``: a real ``FunctionAgent(streaming=True)`` run against the in-process
  emulator (loopback HTTP; the emulator answers the first turn with that tool call), wall
  time of the whole run, both turns, the emulator's own work included.

A stream of N fragments is linear when the 10,000 figure is ~10x the 1,000 one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Iterator
from typing import Any

from gpt54nano_gateway.accumulator import StreamAccumulator
from gpt54nano_gateway.wire import ChatCompletionChunk
from llama_index_gpt54nano import GPT54Nano
from llama_index_gpt54nano._stream import ChatResponseAssembler


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


def _arguments(fragments: int) -> str:
    return json.dumps({"text": "x" * (8 * fragments - 12)})


def _chunks(fragments: int) -> list[ChatCompletionChunk]:
    arguments = _arguments(fragments)
    opening = {
        "role": "assistant",
        "tool_calls": [
            {"index": 0, "id": "call_1", "type": "function", "function": {"name": "echo"}}
        ],
    }
    chunks = [_chunk(opening)]
    for start in range(0, len(arguments), 8):
        piece = arguments[start : start + 8]
        chunks.append(_chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}))
    chunks.append(_chunk({}, finish_reason="tool_calls"))
    return chunks


def adapter_seconds(llm: GPT54Nano, chunks: list[ChatCompletionChunk]) -> float:
    start = time.process_time()
    accumulator, assembler = StreamAccumulator(), ChatResponseAssembler()
    selections: Any = None
    for chunk in chunks:
        accumulator.feed(chunk)
        if (response := assembler.feed(chunk, accumulator)) is not None:
            selections = llm.get_tool_calls_from_response(response, error_on_no_tool_call=False)
    elapsed = time.process_time() - start
    assert len(selections[0].tool_kwargs["text"]) == len(chunks[1:-1]) * 8 - 12
    return elapsed


def echo(text: str) -> str:
    """Echo the text back."""
    return f"got {len(text)} characters"


def agent_seconds(emulator: Any, fragments: int) -> float:
    from llama_index.core.agent.workflow import FunctionAgent, ToolCallResult

    from gpt54nano_emulator import Reply

    emulator.reset()
    text = "x" * (8 * fragments - 12)
    emulator.queue_reply(Reply(tool_calls=[{"name": "echo", "arguments": {"text": text}}]))
    llm = GPT54Nano(
        account_id=emulator.account_id, api_key=emulator.api_token, base_url=emulator.base_url
    )
    agent = FunctionAgent(tools=[echo], llm=llm, streaming=True)

    async def main() -> list[str]:
        handler = agent.run(user_msg="echo a long text")
        outputs = [
            str(event.tool_output)
            async for event in handler.stream_events()
            if isinstance(event, ToolCallResult)
        ]
        await handler
        return outputs

    start = time.perf_counter()
    outputs = asyncio.run(main())
    elapsed = time.perf_counter() - start
    assert outputs == [f"got {len(text)} characters"], outputs
    return elapsed


def _iter_sizes(values: list[int]) -> Iterator[int]:
    yield from sorted(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fragments", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-agent", action="store_true", help="skip the FunctionAgent runs")
    args = parser.parse_args()

    from gpt54nano_emulator import Emulator

    llm = GPT54Nano(api_key="bench", account_id="bench")
    rows = []
    with Emulator() as emulator:
        for fragments in _iter_sizes(args.fragments):
            chunks = _chunks(fragments)
            adapter = statistics.median(adapter_seconds(llm, chunks) for _ in range(args.repeats))
            agent = (
                None
                if args.no_agent
                else statistics.median(
                    agent_seconds(emulator, fragments) for _ in range(args.repeats)
                )
            )
            rows.append((fragments, adapter, agent))
            shown = "-" if agent is None else f"{agent:.2f}"
            print(f"{fragments:>7,} fragments: adapter {adapter:.3f} s  FunctionAgent {shown} s")
    print()
    print("| fragments | adapter CPU (s) | FunctionAgent wall (s) |")
    print("|---:|---:|---:|")
    for fragments, adapter, agent in rows:
        shown = "-" if agent is None else f"{agent:.2f}"
        print(f"| {fragments:,} | {adapter:.3f} | {shown} |")


if __name__ == "__main__":
    main()
