"""Client-side cost of the transport against a raw httpx + json floor, over real loopback HTTP.

The emulator runs in ANOTHER process (``python -m gpt54nano_emulator``), so
``time.process_time()`` in this process measures only the client's CPU: building the request,
httpx, reading, parsing. Each figure is the median over ``--repeats`` runs of ``--requests``
calls (streams: ``--streams`` calls).

- per request: ``GatewayClient.create`` vs ``httpx.Client.post`` + ``json.loads``;
- per stream chunk (200- and 2000-chunk streams): ``GatewayClient.stream`` (SSE decoder, typed
  ``ChatCompletionChunk`` per event, accumulation) vs ``httpx.Client.stream`` + ``iter_lines`` +
  ``json.loads`` per ``data:`` line;
- the same for the async clients;
- import time: ``import gpt54nano_gateway`` (lazy), the full public surface, against
  ``import httpx, pydantic`` (subprocess wall time, median of ``--imports`` runs).

Targets (issue 2): ≤ floor + 0.1 ms per request, ≤ floor + 3 µs per chunk, import ≤ httpx +
pydantic + 30 ms.

Floor and transport run interleaved, repeat by repeat, and the overhead column is the median of
the paired differences: on a loaded machine that is far steadier than two separate medians.

Run: ``.venv/bin/python benchmarks/bench_transport.py`` (about a minute).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import httpx

from gpt54nano_gateway import AsyncGatewayClient, ChatRequest, GatewayClient, GatewayConfig

ACCOUNT, TOKEN = "acct-bench", "bench-token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_emulator() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gpt54nano_emulator",
            "--port",
            str(port),
            "--account-id",
            ACCOUNT,
            "--api-token",
            TOKEN,
            "--log-level",
            "warning",
            "--tokens-per-second",  # the CLI paces streams for people by default
            "0",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    root = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{root}/__emulator/requests", timeout=1).status_code == 200:
                return process, root
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the emulator did not start")


def cpu_paired(
    floor: Callable[[], int], ours: Callable[[], int], repeats: int
) -> tuple[float, float, float]:
    """Median CPU seconds per unit for ``floor`` and ``ours`` (each returns how many units it
    did) and the median of their per-repeat difference. The two run interleaved, in alternating
    order, so that load drifting on a shared machine hits both alike."""
    floor(), ours()  # warm: pools, first-use model builds
    floors, ourses, diffs = [], [], []
    for index in range(repeats):
        pair = []
        for run in (floor, ours) if index % 2 == 0 else (ours, floor):
            start = time.process_time()
            units = run()
            pair.append(((time.process_time() - start) / units, run is floor))
        f = next(v for v, is_floor in pair if is_floor)
        o = next(v for v, is_floor in pair if not is_floor)
        floors.append(f)
        ourses.append(o)
        diffs.append(o - f)
    return statistics.median(floors), statistics.median(ourses), statistics.median(diffs)


def body_for(words: int | None) -> dict[str, Any]:
    text = f'Reply with "{" ".join(["w"] * words)}"' if words else "Reply with hello"
    return {"messages": [{"role": "user", "content": text}]}


class Bench:
    def __init__(self, root: str, requests: int, streams: int, repeats: int) -> None:
        self.url = f"{root}/client/v4/accounts/{ACCOUNT}/ai/v1/chat/completions"
        self.config = GatewayConfig(
            account_id=ACCOUNT, api_token=TOKEN, base_url=f"{root}/client/v4", max_retries=0
        )
        self.headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        self.requests, self.streams, self.repeats = requests, streams, repeats

    # -- floors: what any client has to do -------------------------------------------------

    def raw_create(self, http: httpx.Client) -> int:
        body = {**body_for(None), "model": "openai/gpt-5.4-nano"}
        for _ in range(self.requests):
            response = http.post(self.url, content=json.dumps(body), headers=self.headers)
            json.loads(response.content)["choices"][0]["message"]["content"]
        return self.requests

    def raw_stream(self, http: httpx.Client, words: int) -> int:
        body = {**body_for(words), "model": "openai/gpt-5.4-nano", "stream": True}
        chunks = 0
        for _ in range(self.streams):
            with http.stream("POST", self.url, content=json.dumps(body), headers=self.headers) as r:
                for line in r.iter_lines():
                    if line.startswith("data: ") and line != "data: [DONE]":
                        json.loads(line[6:])
                        chunks += 1
        return chunks

    async def araw_create(self, http: httpx.AsyncClient) -> int:
        body = {**body_for(None), "model": "openai/gpt-5.4-nano"}
        for _ in range(self.requests):
            response = await http.post(self.url, content=json.dumps(body), headers=self.headers)
            json.loads(response.content)["choices"][0]["message"]["content"]
        return self.requests

    async def araw_stream(self, http: httpx.AsyncClient, words: int) -> int:
        body = {**body_for(words), "model": "openai/gpt-5.4-nano", "stream": True}
        chunks = 0
        for _ in range(self.streams):
            async with http.stream(
                "POST", self.url, content=json.dumps(body), headers=self.headers
            ) as r:
                async for line in r.aiter_lines():
                    if line.startswith("data: ") and line != "data: [DONE]":
                        json.loads(line[6:])
                        chunks += 1
        return chunks

    # -- the transport (a client per call, as adapters building a model per request do) ------

    def create(self) -> int:
        request = ChatRequest.model_validate(body_for(None))
        for _ in range(self.requests):
            assert GatewayClient(self.config).create(request).choices[0].message.content
        return self.requests

    def stream(self, words: int) -> int:
        request = ChatRequest.model_validate(body_for(words))
        chunks = 0
        for _ in range(self.streams):
            with GatewayClient(self.config).stream(request) as stream:
                for _chunk in stream:
                    chunks += 1
        return chunks

    async def acreate(self) -> int:
        request = ChatRequest.model_validate(body_for(None))
        for _ in range(self.requests):
            assert (
                (await AsyncGatewayClient(self.config).create(request)).choices[0].message.content
            )
        return self.requests

    async def astream(self, words: int) -> int:
        request = ChatRequest.model_validate(body_for(words))
        chunks = 0
        for _ in range(self.streams):
            async with AsyncGatewayClient(self.config).stream(request) as stream:
                async for _chunk in stream:
                    chunks += 1
        return chunks


_FULL_SURFACE = (
    "from gpt54nano_gateway import GatewayClient, AsyncGatewayClient, ChatRequest, "
    "ChatCompletionChunk, GatewayConfig, StreamAccumulator"
)


# Byte-code caching on, into a scratch directory: an installed wheel ships compiled .pyc files,
# while a checkout run with PYTHONDONTWRITEBYTECODE=1 would recompile our sources on every
# import (~15 ms) and charge it to the import time.
_IMPORT_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
_IMPORT_ENV["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "gpt54nano-bench-pycache")


def _timed_import(setup: str, statement: str) -> float:
    """Seconds ``statement`` takes in a fresh interpreter after ``setup`` (timed in-process, so
    interpreter start-up noise stays out)."""
    code = (
        f"import time\n{setup}\nstart = time.perf_counter()\n{statement}\n"
        "print(time.perf_counter() - start)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, env=_IMPORT_ENV
    )
    return float(result.stdout)


def import_times(runs: int) -> dict[str, float]:
    cases = {
        # the floor: what any httpx + pydantic client pays
        "import httpx, pydantic": ("pass", "import httpx, pydantic"),
        # names load lazily (PEP 562): the bare import touches neither httpx nor pydantic
        "import gpt54nano_gateway": ("pass", "import gpt54nano_gateway"),
        # everything a client needs, on top of an already imported httpx + pydantic
        "full surface, after httpx+pydantic": ("import httpx, pydantic", _FULL_SURFACE),
        # pydantic 2 loads its model machinery on the first class definition, not on import:
        # what any pydantic-based client pays for its first model, for comparison
        "first BaseModel, after httpx+pydantic": (
            "import httpx, pydantic",
            "from pydantic import BaseModel\nclass M(BaseModel):\n    x: int",
        ),
    }
    results = {}
    for name, (setup, statement) in cases.items():
        _timed_import(setup, statement)  # warm the byte-code cache
        results[name] = statistics.median(_timed_import(setup, statement) for _ in range(runs))
    return results


def in_process(requests: int, chunks: int, repeats: int) -> list[tuple[str, float, float]]:
    """The same comparison over ``httpx.MockTransport`` (no sockets, no server): pure client CPU,
    best of ``repeats``. Steadier than loopback on a busy machine; same code paths otherwise."""
    completion = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1776470688,
        "model": "gpt-5.4-nano-2026-03-17",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello! How can I help?"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 6, "total_tokens": 11},
        "gatewayMetadata": {"keySource": "Unified"},
    }
    chunk = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1776470696,
        "model": "gpt-5.4-nano-2026-03-17",
        "choices": [{"index": 0, "delta": {"content": "w "}, "finish_reason": None}],
        "usage": None,
        "obfuscation": "l1",
    }
    final = {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    events = [f"data: {json.dumps(chunk)}\n\n".encode()] * chunks
    events += [f"data: {json.dumps(final)}\n\n".encode(), b"data: [DONE]\n\n"]
    json_body = json.dumps(completion).encode()
    headers = {"content-type": "application/json", "cf-aig-log-id": "l", "cf-ray": "r"}

    def handler(request: httpx.Request) -> httpx.Response:
        if b'"stream":true' in request.content:
            return httpx.Response(
                200, headers={"content-type": "text/event-stream"}, content=iter(events)
            )
        return httpx.Response(200, headers=headers, content=json_body)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    config = GatewayConfig(
        account_id=ACCOUNT, api_token=TOKEN, base_url="http://127.0.0.1:9/client/v4"
    )
    url, auth = config.chat_completions_url, {"Authorization": f"Bearer {TOKEN}"}
    body = {**body_for(None), "model": "openai/gpt-5.4-nano"}
    request = ChatRequest.model_validate(body_for(None))

    def raw_create() -> None:
        for _ in range(requests):
            json.loads(http.post(url, content=json.dumps(body), headers=auth).content)

    def our_create() -> None:
        for _ in range(requests):
            GatewayClient(config, http_client=http).create(request)

    def raw_stream() -> None:
        stream_body = json.dumps({**body, "stream": True}, separators=(",", ":"))
        with http.stream("POST", url, content=stream_body, headers=auth) as response:
            for line in response.iter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    json.loads(line[6:])

    def our_stream() -> None:
        with GatewayClient(config, http_client=http).stream(request) as stream:
            for _chunk in stream:
                pass

    def best(run: Callable[[], None]) -> float:
        run()
        samples = []
        for _ in range(repeats):
            start = time.process_time()
            run()
            samples.append(time.process_time() - start)
        return min(samples)

    units = chunks + 2
    return [
        ("sync create, per request", best(raw_create) / requests, best(our_create) / requests),
        (
            f"sync stream {chunks} chunks, per chunk",
            best(raw_stream) / units,
            best(our_stream) / units,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--streams", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--imports", type=int, default=9)
    args = parser.parse_args()

    process, root = start_emulator()
    rows: list[tuple[str, float, float, float, str, str]] = []
    try:
        bench = Bench(root, args.requests, args.streams, args.repeats)
        raw = httpx.Client(timeout=60)
        cases: list[tuple[str, Callable[[], int], Callable[[], int], str]] = [
            ("sync create, per request", lambda: bench.raw_create(raw), bench.create, "+100 µs")
        ]
        for words in (200, 2000):
            cases.append(
                (
                    f"sync stream {words} chunks, per chunk",
                    lambda w=words: bench.raw_stream(raw, w),  # type: ignore[misc]
                    lambda w=words: bench.stream(w),  # type: ignore[misc]
                    "+3 µs",
                )
            )
        loop = asyncio.new_event_loop()
        araw = httpx.AsyncClient(timeout=60)
        # The async cases run on one loop, driven synchronously so the same pairing applies.
        cases.append(
            (
                "async create, per request",
                lambda: loop.run_until_complete(bench.araw_create(araw)),
                lambda: loop.run_until_complete(bench.acreate()),
                "+100 µs",
            )
        )
        for words in (200, 2000):
            cases.append(
                (
                    f"async stream {words} chunks, per chunk",
                    lambda w=words: loop.run_until_complete(bench.araw_stream(araw, w)),  # type: ignore[misc]
                    lambda w=words: loop.run_until_complete(bench.astream(w)),  # type: ignore[misc]
                    "+3 µs",
                )
            )
        for name, floor_run, our_run, target in cases:
            floor, ours, diff = cpu_paired(floor_run, our_run, args.repeats)
            rows.append((name, floor * 1e6, ours * 1e6, diff * 1e6, target, "µs"))
        raw.close()
        loop.run_until_complete(araw.aclose())
        loop.close()
    finally:
        process.terminate()
        process.wait(timeout=10)

    mock_rows = in_process(args.requests, 2000, max(args.repeats, 7))
    imports = import_times(args.imports)
    floor_import = imports["import httpx, pydantic"]
    rows.append(
        (
            "import gpt54nano_gateway (lazy)",
            floor_import * 1e3,
            imports["import gpt54nano_gateway"] * 1e3,
            (imports["import gpt54nano_gateway"] - floor_import) * 1e3,
            "+30 ms",
            "ms",
        )
    )
    machinery = imports["first BaseModel, after httpx+pydantic"]
    rows.append(
        (
            "(pydantic's first model, for scale)",
            floor_import * 1e3,
            (floor_import + machinery) * 1e3,
            machinery * 1e3,
            "-",
            "ms",
        )
    )
    extra = imports["full surface, after httpx+pydantic"]
    rows.append(
        (
            "import + load the client surface",
            floor_import * 1e3,
            (floor_import + extra) * 1e3,
            extra * 1e3,
            "+30 ms",
            "ms",
        )
    )

    print(
        f"\nclient CPU (time.process_time), median of {args.repeats} runs;"
        " the emulator runs in another process"
    )
    print(f"{'measure':<40} {'floor':>10} {'gpt54nano':>10} {'overhead':>10} {'target':>9}")
    for name, floor_value, ours_value, overhead, target, unit in rows:
        print(
            f"{name:<40} {floor_value:>8.1f}{unit:>2} {ours_value:>8.1f}{unit:>2} "
            f"{overhead:>+8.1f}{unit:>2} {target:>9}"
        )
    print("\nsame, in process over httpx.MockTransport (no sockets), best of runs")
    for name, floor_value, ours_value in mock_rows:
        print(
            f"{name:<40} {floor_value * 1e6:>8.1f}µs {ours_value * 1e6:>8.1f}µs "
            f"{(ours_value - floor_value) * 1e6:>+8.1f}µs"
        )
    print(
        "overhead: median of paired (interleaved) differences; imports: in-process timing,"
        " median of fresh interpreters"
    )


if __name__ == "__main__":
    main()
