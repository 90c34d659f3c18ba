"""Client CPU per request and per stream event on the Responses API: GPT54Nano vs OpenAIResponses.

Run: ``python benchmarks/bench_llama_index_responses.py [--repeats 9] [--calls 25] [--streams 4]``.

Same method as ``bench_llama_index.py``: the emulator runs in another process, so
``time.process_time`` counts only the client side. Two LlamaIndex classes against the same
emulator route (``/ai/v1/responses``), same questions:

* ``GPT54Nano(use_responses_api=True)``: this project's adapter (transport
  ``client.responses``, ``_responses`` converters);
* ``OpenAIResponses``: llama-index-llms-openai's class (openai SDK), pointed at
  ``…/accounts/{id}/ai/v1``.

Per request: CPU of one non-streamed chat. Per event: the marginal CPU of one more streamed
text delta, ``(cpu(long stream) - cpu(short stream)) / (deltas(long) - deltas(short))``. Both
with a plain question and with ``reasoning_effort="low"`` (a reasoning item with its summary and
encrypted content; ``OpenAIResponses`` is given ``reasoning_options`` and the ``include``).
Medians over ``--repeats``, clients interleaved within each repeat, ratios paired.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from llama_index.core.base.llms.types import ChatMessage

from llama_index_gpt54nano import GPT54Nano

ACCOUNT, TOKEN = "acct-bench", "bench-token"
SHORT = [ChatMessage(role="user", content='Reply with "ok"')]
LONG_TEXT = " ".join(f"word{i % 50}" for i in range(400))
LONG = [ChatMessage(role="user", content=f'Reply with "{LONG_TEXT}"')]


def start_emulator() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "gpt54nano_emulator", "--port", "0",
         "--account-id", ACCOUNT, "--api-token", TOKEN, "--log-level", "warning",
         "--tokens-per-second", "0"],  # unpaced: the CLI's default paces streams for people
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert process.stderr is not None
    line = process.stderr.readline()
    root = line.rsplit(" ", 1)[-1].strip()
    if not root.startswith("http://"):
        process.kill()
        raise RuntimeError(f"emulator did not start: {line!r}")
    return process, root


def cpu(fn: Callable[[], Any], times: int) -> float:
    start = time.process_time()
    for _ in range(times):
        fn()
    return (time.process_time() - start) / times


def deltas(llm: Any, messages: list[ChatMessage]) -> int:
    return sum(1 for r in llm.stream_chat(messages) if r.delta)


def clients(rest: str, effort: str | None) -> dict[str, Any]:
    from llama_index.llms.openai import OpenAIResponses

    reasoning = {"effort": effort, "summary": "auto"} if effort else None
    return {
        "GPT54Nano": GPT54Nano(
            account_id=ACCOUNT,
            api_key=TOKEN,
            base_url=rest,
            use_responses_api=True,
            reasoning_effort=effort,
            max_retries=0,
        ),
        "OpenAIResponses": OpenAIResponses(
            model="openai/gpt-5.4-nano",
            api_base=f"{rest}/accounts/{ACCOUNT}/ai/v1",
            api_key=TOKEN,
            context_window=128_000,
            # Any reasoning_options (even {}) makes it leave out temperature (GPT-5 refuses its
            # default 0.1); they reach the wire only for models it knows, not this one.
            reasoning_options={},
            store=False,
            max_retries=0,
            # So the same reasoning goes through additional_kwargs, with the encrypted content.
            additional_kwargs={"reasoning": reasoning, "include": ["reasoning.encrypted_content"]}
            if reasoning
            else {},
        ),
    }


def measure(rest: str, effort: str | None, args: argparse.Namespace) -> dict[str, Any]:
    llms = clients(rest, effort)
    ref = llms["GPT54Nano"]
    short_n, long_n = deltas(ref, SHORT), deltas(ref, LONG)
    for name, llm in llms.items():  # warm-up; and both see the same answer
        for _ in range(3):
            llm.chat(SHORT)
            assert deltas(llm, LONG) == long_n, name
    per_request: dict[str, list[float]] = {name: [] for name in llms}
    per_event: dict[str, list[float]] = {name: [] for name in llms}
    for _ in range(args.repeats):
        for name, llm in llms.items():
            per_request[name].append(cpu(lambda llm=llm: llm.chat(SHORT), args.calls))
            long = cpu(lambda llm=llm: list(llm.stream_chat(LONG)), args.streams)
            short = cpu(lambda llm=llm: list(llm.stream_chat(SHORT)), args.streams)
            per_event[name].append((long - short) / (long_n - short_n))
    return {"request": per_request, "event": per_event, "deltas": (short_n, long_n)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--calls", type=int, default=25, help="chats per repeat")
    parser.add_argument("--streams", type=int, default=4, help="streams per repeat")
    args = parser.parse_args()
    process, root = start_emulator()
    try:
        rest = f"{root}/client/v4"
        results = {effort or "none": measure(rest, effort, args) for effort in (None, "low")}
    finally:
        process.terminate()
        process.wait(timeout=10)

    print(
        f"LlamaIndex on the Responses API, client CPU (time.process_time, median of "
        f"{args.repeats} repeats; {args.calls} chats, {args.streams} streams per repeat)"
    )
    print(f"{'effort':<7} {'client':<16} {'per chat µs':>12} {'per event µs':>13}")
    for effort, result in results.items():
        for name in result["request"]:
            request = statistics.median(result["request"][name]) * 1e6
            event = statistics.median(result["event"][name]) * 1e6
            print(f"{effort:<7} {name:<16} {request:>12.0f} {event:>13.1f}")
        for kind in ("request", "event"):
            values = result[kind]
            ratio = statistics.median(
                a / b for a, b in zip(values["GPT54Nano"], values["OpenAIResponses"], strict=True)
            )
            print(f"{effort:<7} GPT54Nano / OpenAIResponses per {kind}: {ratio:.2f}x (paired)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
