#!/usr/bin/env python
"""Client CPU of ChatGPT54Nano vs a minimal LangChain floor and ChatOpenAI, in one run.

``python benchmarks/bench_langchain.py [--quick]``

All three are LangChain chat models pointed at the same emulator, which runs in its own process
(``python -m gpt54nano_gateway.emulator --port N``), so only client work is counted
(``time.process_time``). Two figures per model, each the median over interleaved repeats:

- per request: CPU of one ``invoke`` of a short answer;
- per chunk: CPU of one ``stream`` of a long answer, divided by the content chunks it yielded.

The floor is a bare ``BaseChatModel`` whose ``_generate`` / ``_stream`` do one raw httpx call
and a ``json`` parse (``_harness.make_langchain_floor``). Targets: ChatGPT54Nano within 1.10x
of the floor per request and 1.20x per chunk.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (  # the harness lives next to this script
    EmulatorProcess,
    Stat,
    Target,
    cpu_sync,
    long_answer_prompt,
    make_langchain_floor,
    user_prompt,
)

TARGET_REQUEST = 1.10
TARGET_CHUNK = 1.20


def build_models(target: Target) -> dict[str, Any]:
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    from langchain_gpt54nano import ChatGPT54Nano

    return {
        "LangChain floor": make_langchain_floor(target),
        "ChatGPT54Nano": ChatGPT54Nano(
            model=target.model,
            base_url=target.base_url,
            account_id=target.account_id,
            api_key=target.api_token,
        ),
        "ChatOpenAI": ChatOpenAI(
            model=target.model,
            base_url=target.openai_base_url,
            api_key=SecretStr(target.api_token),
            stream_usage=True,
        ),
    }


def stream_chunks(model: Any, prompt: str) -> int:
    """Streams one answer; returns the number of content chunks."""
    return sum(1 for chunk in model.stream(prompt) if chunk.content)


def measure(quick: bool) -> dict[str, dict[str, Stat]]:
    repeats = 3 if quick else 7
    invokes = 40 if quick else 150
    streams = 4 if quick else 12
    chunks = 200
    short, long = user_prompt(None), long_answer_prompt(chunks)
    with EmulatorProcess() as emulator:
        models = build_models(emulator.target)
        stats = {name: {"request": Stat(), "chunk": Stat()} for name in models}
        for name, model in models.items():  # warm-up and a sanity check on every path
            assert model.invoke(short).content, name
            counted = stream_chunks(model, long)
            assert counted >= chunks * 0.9, f"{name} streamed {counted} chunks"
        for _ in range(repeats):
            # Interleaved: a burst of load elsewhere spreads over all models.
            for name, model in models.items():
                request: Callable[[], Any] = lambda m=model: m.invoke(short)  # noqa: E731
                stats[name]["request"].add(cpu_sync(request, invokes, warmup=2))
                counted = stream_chunks(model, long)
                per_stream = cpu_sync(lambda m=model: stream_chunks(m, long), streams, warmup=1)
                stats[name]["chunk"].add(per_stream / counted)
    return stats


def report(stats: dict[str, dict[str, Stat]]) -> list[str]:
    floor = stats["LangChain floor"]
    lines = [
        "| model | CPU per invoke, µs (min–max) | × floor | CPU per stream chunk, µs (min–max) "
        "| × floor |",
        "|---|---|---|---|---|",
    ]
    for name, figures in stats.items():
        req = figures["request"].median / floor["request"].median
        chunk = figures["chunk"].median / floor["chunk"].median
        lines.append(
            f"| {name} | {figures['request'].fmt()} | {req:.2f} | "
            f"{figures['chunk'].fmt(digits=1)} | {chunk:.2f} |"
        )
    ours = stats["ChatGPT54Nano"]
    req = ours["request"].median / floor["request"].median
    chunk = ours["chunk"].median / floor["chunk"].median
    lines.append("")
    lines.append(
        f"ChatGPT54Nano: {req:.2f}x the floor per request (target <= {TARGET_REQUEST:.2f}), "
        f"{chunk:.2f}x per chunk (target <= {TARGET_CHUNK:.2f}): "
        + ("targets met" if req <= TARGET_REQUEST and chunk <= TARGET_CHUNK else "TARGET MISSED")
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    args = parser.parse_args()
    started = time.perf_counter()
    stats = measure(args.quick)
    print("\n".join(report(stats)))
    print(f"\n({time.perf_counter() - started:.0f} s, client-process CPU, medians)")


if __name__ == "__main__":
    main()
