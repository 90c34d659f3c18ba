#!/usr/bin/env python
"""Client CPU of ChatGPT54Nano vs a minimal LangChain floor and ChatOpenAI, in one run.

``python benchmarks/bench_langchain.py [--quick]``

All three are LangChain chat models pointed at the same emulator, which runs in its own process
(``python -m gpt54nano_emulator --port N``), so only client work is counted
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
    """Per model: "request" and "chunk" CPU seconds, and "request_ratio" / "chunk_ratio" to
    the floor measured in the same repeat (paired, so load drifting over the run cancels)."""
    repeats = 5 if quick else 15
    invokes = 30 if quick else 60
    streams = 3 if quick else 5
    chunks = 200
    short, long = user_prompt(None), long_answer_prompt(chunks)
    with EmulatorProcess() as emulator:
        models = build_models(emulator.target)
        keys = ("request", "chunk", "request_ratio", "chunk_ratio")
        stats = {name: {key: Stat() for key in keys} for name in models}
        for name, model in models.items():  # warm-up and a sanity check on every path
            assert model.invoke(short).content, name
            counted = stream_chunks(model, long)
            assert counted >= chunks * 0.9, f"{name} streamed {counted} chunks"
        names = list(models)
        for repeat in range(repeats):
            # Interleaved, in alternating order: a burst of load elsewhere on the machine
            # spreads over all models instead of landing on one.
            order = names if repeat % 2 == 0 else names[::-1]
            figures: dict[str, tuple[float, float]] = {}
            for name in order:
                model = models[name]
                request: Callable[[], Any] = lambda m=model: m.invoke(short)  # noqa: E731
                per_request = cpu_sync(request, invokes, warmup=2)
                counted = stream_chunks(model, long)
                per_stream = cpu_sync(lambda m=model: stream_chunks(m, long), streams, warmup=1)
                figures[name] = (per_request, per_stream / counted)
            floor_request, floor_chunk = figures["LangChain floor"]
            for name, (per_request, per_chunk) in figures.items():
                stats[name]["request"].add(per_request)
                stats[name]["chunk"].add(per_chunk)
                stats[name]["request_ratio"].add(per_request / floor_request)
                stats[name]["chunk_ratio"].add(per_chunk / floor_chunk)
    return stats


def report(stats: dict[str, dict[str, Stat]]) -> list[str]:
    lines = [
        "| model | CPU per invoke, µs (min–max) | × floor | CPU per stream chunk, µs (min–max) "
        "| × floor |",
        "|---|---|---|---|---|",
    ]
    for name, figures in stats.items():
        lines.append(
            f"| {name} | {figures['request'].fmt()} | {figures['request_ratio'].median:.2f} | "
            f"{figures['chunk'].fmt(digits=1)} | {figures['chunk_ratio'].median:.2f} |"
        )
    ours = stats["ChatGPT54Nano"]
    req, chunk = ours["request_ratio"].median, ours["chunk_ratio"].median
    lines.append("")
    lines.append("× floor: median over repeats of the ratio to the floor measured in that repeat.")
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
