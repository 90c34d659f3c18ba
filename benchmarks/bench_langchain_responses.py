#!/usr/bin/env python
"""Client CPU on the Responses wire: ChatGPT54Nano vs ChatOpenAI, both `use_responses_api=True`.

``python benchmarks/bench_langchain_responses.py [--quick]``

Both are pointed at the same emulator, which runs in its own process
(``python -m gpt54nano_emulator --port N``), so only client work is counted
(``time.process_time``). Two figures per model, each the median over interleaved repeats:

- per request: CPU of one ``invoke`` of a short answer (``POST …/ai/v1/responses``);
- per stream event: CPU of one ``stream`` of a long answer, divided by the
  ``response.output_text.delta`` events the emulator sent (one per content chunk; the few
  lifecycle events around them are part of the per-stream cost spread over the deltas).

No floor here: ``bench_langchain.py`` measures the Chat Completions wire against one.
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
    user_prompt,
)


def build_models(target: Target) -> dict[str, Any]:
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    from langchain_gpt54nano import ChatGPT54Nano

    return {
        "ChatGPT54Nano(use_responses_api=True)": ChatGPT54Nano(
            model=target.model,
            base_url=target.base_url,
            account_id=target.account_id,
            api_key=target.api_token,
            use_responses_api=True,
        ),
        "ChatOpenAI(use_responses_api=True)": ChatOpenAI(
            model=target.model,
            base_url=target.openai_base_url,
            api_key=SecretStr(target.api_token),
            use_responses_api=True,
        ),
    }


def stream_chunks(model: Any, prompt: str) -> int:
    """Streams one answer; returns the number of text chunks (one per text delta event)."""
    return sum(1 for chunk in model.stream(prompt) if chunk.text)


def measure(quick: bool) -> dict[str, dict[str, Stat]]:
    repeats = 5 if quick else 15
    invokes = 30 if quick else 60
    streams = 3 if quick else 5
    chunks = 200
    short, long = user_prompt(None), long_answer_prompt(chunks)
    # Unpaced: the stand-alone emulator paces streams at 30 tokens/s by default, which would
    # turn every delta into its own wake-up and measure the pacing, not the client.
    with EmulatorProcess(extra_args=["--tokens-per-second", "0"]) as emulator:
        models = build_models(emulator.target)
        stats = {name: {"request": Stat(), "event": Stat()} for name in models}
        for name, model in models.items():  # warm-up and a sanity check on every path
            assert model.invoke(short).text, name
            counted = stream_chunks(model, long)
            assert counted >= chunks * 0.9, f"{name} streamed {counted} chunks"
        names = list(models)
        for repeat in range(repeats):
            order = names if repeat % 2 == 0 else names[::-1]
            for name in order:
                model = models[name]
                request: Callable[[], Any] = lambda m=model: m.invoke(short)  # noqa: E731
                stats[name]["request"].add(cpu_sync(request, invokes, warmup=2))
                counted = stream_chunks(model, long)
                per_stream = cpu_sync(lambda m=model: stream_chunks(m, long), streams, warmup=1)
                stats[name]["event"].add(per_stream / counted)
    return stats


def report(stats: dict[str, dict[str, Stat]]) -> list[str]:
    lines = [
        "| model | CPU per invoke, µs (min–max) | CPU per text delta event, µs (min–max) |",
        "|---|---|---|",
    ]
    for name, figures in stats.items():
        lines.append(f"| {name} | {figures['request'].fmt()} | {figures['event'].fmt(digits=1)} |")
    ours, theirs = stats.values()
    lines.append("")
    lines.append(
        f"ChatGPT54Nano / ChatOpenAI: {ours['request'].median / theirs['request'].median:.2f}x "
        f"per request, {ours['event'].median / theirs['event'].median:.2f}x per stream event "
        "(medians)."
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
