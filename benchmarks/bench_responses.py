"""Client CPU of the Responses API path, beside Chat Completions and the openai SDK, over loopback.

The emulator runs in ANOTHER process (``bench_transport.start_emulator``), so
``time.process_time()`` here is the client's CPU only. Paths, all against the same emulator:

- floor: raw ``httpx`` POST to ``/ai/v1/responses`` + ``json.loads`` (stream: ``iter_lines`` +
  ``json.loads`` per ``data:`` line);
- ``client.responses.create`` / ``client.responses.stream`` (typed events + the accumulator);
- ``client.create`` / ``client.stream`` (Chat Completions, for comparison);
- openai-python ``OpenAI(base_url=…/ai/v1).responses.create`` (``stream=True`` for streams).

Per request: a one-word answer. Per stream event: a 2,000-word answer, CPU divided by the events
the path saw (the Responses stream has ~2 events of framing per answer plus one delta per word;
Chat has one chunk per word). Sync and async. Each figure is the median over ``--repeats``
interleaved runs (each path's runs alternate with the others', so drifting load hits all alike).

Run: ``.venv/bin/python benchmarks/bench_responses.py [--out benchmarks/RESPONSES_RESULTS.md]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_transport import ACCOUNT, TOKEN, body_for, start_emulator

from gpt54nano_gateway import (
    AsyncGatewayClient,
    ChatRequest,
    GatewayClient,
    GatewayConfig,
    ResponsesRequest,
)

Run = Callable[[], int]


def prompt(words: int | None) -> str:
    return str(body_for(words)["messages"][0]["content"])


class Paths:
    def __init__(self, root: str, requests: int, streams: int) -> None:
        self.base = f"{root}/client/v4/accounts/{ACCOUNT}/ai/v1"
        self.config = GatewayConfig(
            account_id=ACCOUNT, api_token=TOKEN, base_url=f"{root}/client/v4", max_retries=0
        )
        self.headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        self.requests, self.streams = requests, streams
        self.http = httpx.Client(timeout=60)
        self.ahttp = httpx.AsyncClient(timeout=60)
        import openai

        self.sdk = openai.OpenAI(base_url=self.base, api_key=TOKEN, max_retries=0)
        self.asdk = openai.AsyncOpenAI(base_url=self.base, api_key=TOKEN, max_retries=0)
        self.loop = asyncio.new_event_loop()

    def close(self) -> None:
        self.http.close()
        self.sdk.close()
        self.loop.run_until_complete(self.ahttp.aclose())
        self.loop.run_until_complete(self.asdk.close())
        self.loop.close()

    def body(self, words: int | None, stream: bool) -> bytes:
        body: dict[str, Any] = {"model": "openai/gpt-5.4-nano", "input": prompt(words)}
        if stream:
            body["stream"] = True
        return json.dumps(body).encode()

    # -- per request -------------------------------------------------------------------------

    def raw_create(self) -> int:
        content = self.body(None, False)
        for _ in range(self.requests):
            r = self.http.post(f"{self.base}/responses", content=content, headers=self.headers)
            assert json.loads(r.content)["output"]
        return self.requests

    def ours_create(self) -> int:
        request = ResponsesRequest(input=prompt(None))
        for _ in range(self.requests):
            assert GatewayClient(self.config).responses.create(request).output_text
        return self.requests

    def chat_create(self) -> int:
        request = ChatRequest.model_validate(body_for(None))
        for _ in range(self.requests):
            assert GatewayClient(self.config).create(request).choices[0].message.content
        return self.requests

    def sdk_create(self) -> int:
        for _ in range(self.requests):
            r = self.sdk.responses.create(model="openai/gpt-5.4-nano", input=prompt(None))
            assert r.output_text
        return self.requests

    def araw_create(self) -> int:
        async def go() -> int:
            content = self.body(None, False)
            for _ in range(self.requests):
                r = await self.ahttp.post(
                    f"{self.base}/responses", content=content, headers=self.headers
                )
                assert json.loads(r.content)["output"]
            return self.requests

        return self.loop.run_until_complete(go())

    def aours_create(self) -> int:
        async def go() -> int:
            request = ResponsesRequest(input=prompt(None))
            for _ in range(self.requests):
                assert (await AsyncGatewayClient(self.config).responses.create(request)).output_text
            return self.requests

        return self.loop.run_until_complete(go())

    def achat_create(self) -> int:
        async def go() -> int:
            request = ChatRequest.model_validate(body_for(None))
            for _ in range(self.requests):
                completion = await AsyncGatewayClient(self.config).create(request)
                assert completion.choices[0].message.content
            return self.requests

        return self.loop.run_until_complete(go())

    def asdk_create(self) -> int:
        async def go() -> int:
            for _ in range(self.requests):
                r = await self.asdk.responses.create(
                    model="openai/gpt-5.4-nano", input=prompt(None)
                )
                assert r.output_text
            return self.requests

        return self.loop.run_until_complete(go())

    # -- per stream event --------------------------------------------------------------------

    def raw_stream(self, words: int) -> int:
        content, events = self.body(words, True), 0
        for _ in range(self.streams):
            with self.http.stream(
                "POST", f"{self.base}/responses", content=content, headers=self.headers
            ) as r:
                for line in r.iter_lines():
                    if line.startswith("data: "):
                        json.loads(line[6:])
                        events += 1
        return events

    def ours_stream(self, words: int) -> int:
        request, events = ResponsesRequest(input=prompt(words)), 0
        for _ in range(self.streams):
            with GatewayClient(self.config).responses.stream(request) as stream:
                for _event in stream:
                    events += 1
                assert stream.response().output_text
        return events

    def chat_stream(self, words: int) -> int:
        request, chunks = ChatRequest.model_validate(body_for(words)), 0
        for _ in range(self.streams):
            with GatewayClient(self.config).stream(request) as stream:
                for _chunk in stream:
                    chunks += 1
        return chunks

    def sdk_stream(self, words: int) -> int:
        events = 0
        for _ in range(self.streams):
            stream = self.sdk.responses.create(
                model="openai/gpt-5.4-nano", input=prompt(words), stream=True
            )
            for _event in stream:
                events += 1
        return events

    def araw_stream(self, words: int) -> int:
        async def go() -> int:
            content, events = self.body(words, True), 0
            for _ in range(self.streams):
                async with self.ahttp.stream(
                    "POST", f"{self.base}/responses", content=content, headers=self.headers
                ) as r:
                    async for line in r.aiter_lines():
                        if line.startswith("data: "):
                            json.loads(line[6:])
                            events += 1
            return events

        return self.loop.run_until_complete(go())

    def aours_stream(self, words: int) -> int:
        async def go() -> int:
            request, events = ResponsesRequest(input=prompt(words)), 0
            for _ in range(self.streams):
                async with AsyncGatewayClient(self.config).responses.stream(request) as stream:
                    async for _event in stream:
                        events += 1
                    assert (await stream.response()).output_text
            return events

        return self.loop.run_until_complete(go())

    def achat_stream(self, words: int) -> int:
        async def go() -> int:
            request, chunks = ChatRequest.model_validate(body_for(words)), 0
            for _ in range(self.streams):
                async with AsyncGatewayClient(self.config).stream(request) as stream:
                    async for _chunk in stream:
                        chunks += 1
            return chunks

        return self.loop.run_until_complete(go())

    def asdk_stream(self, words: int) -> int:
        async def go() -> int:
            events = 0
            for _ in range(self.streams):
                stream = await self.asdk.responses.create(
                    model="openai/gpt-5.4-nano", input=prompt(words), stream=True
                )
                async for _event in stream:
                    events += 1
            return events

        return self.loop.run_until_complete(go())


def interleaved(runs: dict[str, Run], repeats: int) -> dict[str, tuple[float, float, float]]:
    """Median (min, max) CPU seconds per unit of each run; the order rotates every repeat."""
    names = list(runs)
    for name in names:
        runs[name]()  # warm: pools, first-use model builds
    per: dict[str, list[float]] = {name: [] for name in names}
    for index in range(repeats):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.process_time()
            units = runs[name]()
            per[name].append((time.process_time() - start) / units)
    return {n: (statistics.median(v), min(v), max(v)) for n, v in per.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--streams", type=int, default=3)
    parser.add_argument("--words", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    process, root = start_emulator()
    try:
        p = Paths(root, args.requests, args.streams)
        w = args.words
        tables = {
            "sync, per request": {
                "floor: raw httpx /responses": p.raw_create,
                "client.responses.create": p.ours_create,
                "client.create (Chat Completions)": p.chat_create,
                "openai SDK client.responses.create": p.sdk_create,
            },
            "async, per request": {
                "floor: raw httpx /responses": p.araw_create,
                "client.responses.create": p.aours_create,
                "client.create (Chat Completions)": p.achat_create,
                "openai SDK client.responses.create": p.asdk_create,
            },
            f"sync, per stream event ({w}-word answer)": {
                "floor: raw httpx /responses": lambda: p.raw_stream(w),
                "client.responses.stream": lambda: p.ours_stream(w),
                "client.stream (Chat, per chunk)": lambda: p.chat_stream(w),
                "openai SDK responses stream=True": lambda: p.sdk_stream(w),
            },
            f"async, per stream event ({w}-word answer)": {
                "floor: raw httpx /responses": lambda: p.araw_stream(w),
                "client.responses.stream": lambda: p.aours_stream(w),
                "client.stream (Chat, per chunk)": lambda: p.achat_stream(w),
                "openai SDK responses stream=True": lambda: p.asdk_stream(w),
            },
        }
        lines = [
            "# Responses API: client CPU (benchmarks/bench_responses.py)",
            "",
            f"Median (min-max) of {args.repeats} interleaved runs; {args.requests} requests or "
            f"{args.streams} streams a run; client process CPU only (the emulator runs in "
            "another process). Python "
            f"{sys.version.split()[0]}, httpx {httpx.__version__}, "
            f"openai {__import__('openai').__version__}.",
            "",
        ]
        for title, runs in tables.items():
            results = interleaved(runs, args.repeats)
            floor = results["floor: raw httpx /responses"][0]
            lines += [
                f"## {title}",
                "",
                "| path | µs | min-max | vs floor |",
                "|---|---:|---:|---:|",
            ]
            for name, (median, low, high) in results.items():
                lines.append(
                    f"| {name} | {median * 1e6:.1f} | {low * 1e6:.1f}-{high * 1e6:.1f} "
                    f"| {(median - floor) * 1e6:+.1f} |"
                )
            lines.append("")
            print("\n".join(lines[-len(results) - 5 :]), flush=True)
        p.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
    if args.out is not None:
        args.out.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
