#!/usr/bin/env python
"""Every benchmark in one command: ``python benchmarks/run.py [--quick]`` → ``RESULTS.md``.

Side by side, in one run, against the emulator in its own process: the raw-httpx floor, our
transport, the LangChain and LlamaIndex framework floors, ``ChatGPT54Nano``, ``GPT54Nano`` and the
alternatives a user would pick instead (``ChatOpenAI``, ``ChatCloudflareWorkersAI``,
``OpenAILike``), all pointed at the emulator. Figures are client-process CPU (see ``_harness``),
each the median with min–max over repeated runs, and a ratio to the path's floor.

Measurements are interleaved (repeat 1 of every path, then repeat 2...) so that a burst of load
from elsewhere on the machine spreads over all paths instead of landing on one.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import gc
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path as FsPath
from typing import Any

sys.path.insert(0, str(FsPath(__file__).resolve().parent))

import httpx
from _harness import (
    EmulatorProcess,
    RawHttpx,
    Stat,
    Target,
    burst,
    cpu_async,
    cpu_sync,
    import_instructions,
    import_seconds,
    make_langchain_floor,
    make_llama_index_floor,
    rss_bytes,
    user_prompt,
)
from callgrind_burst import IN_FLIGHT as BURST_IN_FLIGHT

HERE = FsPath(__file__).resolve().parent
SHORT = user_prompt(None)


@dataclasses.dataclass
class Path:
    name: str
    family: str  # "transport" | "langchain" | "llama_index"
    floor: str  # name of the path it is compared to ("" for a floor)
    build: Callable[[Target], Any]  # -> an object with call/acall/stream/astream
    ours: bool = False
    note: str = ""


# --- adapters from a client object to the interface -------------------------------------------


class RawPath:
    def __init__(self, target: Target) -> None:
        self.raw = RawHttpx(target)

    def call(self, prompt: str) -> Any:
        return self.raw.create(prompt)

    async def acall(self, prompt: str) -> Any:
        return await self.raw.acreate(prompt)

    def stream(self, prompt: str) -> int:
        return self.raw.stream(prompt)

    def first(self, prompt: str) -> float:
        return self.raw.first(prompt)

    async def astream(self, prompt: str) -> int:
        return await self.raw.astream(prompt)


class TransportPath:
    def __init__(self, target: Target) -> None:
        from gpt54nano_gateway import AsyncGatewayClient, ChatRequest, GatewayClient

        self._request_cls = ChatRequest
        config = transport_config(target)
        self.client = GatewayClient(config)
        self.aclient = AsyncGatewayClient(config)

    def _request(self, prompt: str) -> Any:
        return self._request_cls.model_validate({"messages": [{"role": "user", "content": prompt}]})

    def call(self, prompt: str) -> Any:
        return self.client.create(self._request(prompt))

    async def acall(self, prompt: str) -> Any:
        return await self.aclient.create(self._request(prompt))

    def stream(self, prompt: str) -> int:
        n = 0
        with self.client.stream(self._request(prompt)) as chunks:
            for chunk in chunks:
                if chunk.choices and chunk.choices[0].delta.content:
                    n += 1
        return n

    async def astream(self, prompt: str) -> int:
        n = 0
        async with self.aclient.stream(self._request(prompt)) as chunks:
            async for chunk in chunks:
                if chunk.choices and chunk.choices[0].delta.content:
                    n += 1
        return n

    def first(self, prompt: str) -> float:
        start = time.perf_counter()
        with self.client.stream(self._request(prompt)) as chunks:
            for chunk in chunks:
                if chunk.choices and chunk.choices[0].delta.content:
                    return time.perf_counter() - start
        raise RuntimeError("no content chunk")


class LangChainPath:
    def __init__(self, model: Any) -> None:
        self.model = model

    def call(self, prompt: str) -> Any:
        return self.model.invoke(prompt)

    async def acall(self, prompt: str) -> Any:
        return await self.model.ainvoke(prompt)

    def stream(self, prompt: str) -> int:
        return sum(1 for chunk in self.model.stream(prompt) if chunk.content)

    def first(self, prompt: str) -> float:
        # Time to the first content chunk, then read the stream to its end (untimed): closing
        # the generator early can leave an inner one (the openai SDK's) for the cyclic GC, whose
        # clean-up then deadlocks on httpcore's pool lock if it runs inside handle_request.
        start = time.perf_counter()
        seconds = None
        for chunk in self.model.stream(prompt):
            if seconds is None and chunk.content:
                seconds = time.perf_counter() - start
        if seconds is None:
            raise RuntimeError("no content chunk")
        return seconds

    async def astream(self, prompt: str) -> int:
        n = 0
        async for chunk in self.model.astream(prompt):
            if chunk.content:
                n += 1
        return n


class LlamaIndexPath:
    def __init__(self, llm: Any) -> None:
        from llama_index.core.base.llms.types import ChatMessage

        self.llm = llm
        self._message = ChatMessage

    def _messages(self, prompt: str) -> list[Any]:
        return [self._message(role="user", content=prompt)]

    def call(self, prompt: str) -> Any:
        return self.llm.chat(self._messages(prompt))

    async def acall(self, prompt: str) -> Any:
        return await self.llm.achat(self._messages(prompt))

    def stream(self, prompt: str) -> int:
        return sum(1 for r in self.llm.stream_chat(self._messages(prompt)) if r.delta)

    def first(self, prompt: str) -> float:
        # As LangChainPath.first: the stream is read to its end. The full run of 2026-12-02 hung
        # here: LlamaIndex's `wrapped_gen.close()` does not close the generator it wraps, so
        # OpenAILike's openai `Stream` was closed by the cyclic GC inside the next request's
        # httpcore pool lock (not reentrant), which its close takes again.
        start = time.perf_counter()
        seconds = None
        for r in self.llm.stream_chat(self._messages(prompt)):
            if seconds is None and r.delta:
                seconds = time.perf_counter() - start
        if seconds is None:
            raise RuntimeError("no content chunk")
        return seconds

    async def astream(self, prompt: str) -> int:
        n = 0
        async for r in await self.llm.astream_chat(self._messages(prompt)):
            if r.delta:
                n += 1
        return n


# --- builders ------------------------------------------------------------------------------------


def transport_config(target: Target, **overrides: Any) -> Any:
    from gpt54nano_gateway import GatewayConfig

    return GatewayConfig(
        account_id=target.account_id,
        api_token=target.api_token,
        base_url=target.base_url,
        **overrides,
    )


def build_chat_gpt54nano(target: Target) -> Any:
    from langchain_gpt54nano import ChatGPT54Nano

    return LangChainPath(ChatGPT54Nano(config=transport_config(target)))


def build_gpt54nano(target: Target) -> Any:
    from llama_index_gpt54nano import GPT54Nano

    return LlamaIndexPath(GPT54Nano(config=transport_config(target)))


def build_chat_openai(target: Target) -> Any:
    from langchain_openai import ChatOpenAI

    return LangChainPath(
        ChatOpenAI(
            model=target.model,
            base_url=target.openai_base_url,
            api_key=target.api_token,  # type: ignore[arg-type]
            stream_usage=True,
        )
    )


def build_chat_cloudflare(target: Target) -> Any:
    from langchain_cloudflare import ChatCloudflareWorkersAI

    # 0.4.x: endpoint_format="openai_compatible" posts to
    # "{base_url}/accounts/{account_id}/ai/v1/chat/completions" (httpx base_url + relative path)
    # with the model in the body. Its default temperature (0.7) would be refused by GPT-5.x
    # (only the default 1 is accepted), so it is set to 1 as a user would have to.
    return LangChainPath(
        ChatCloudflareWorkersAI(
            model=target.model,
            account_id=target.account_id,
            api_token=target.api_token,
            base_url=target.base_url,
            endpoint_format="openai_compatible",
            temperature=1.0,
        )
    )


def build_openai_like(target: Target) -> Any:
    from llama_index.llms.openai_like import OpenAILike

    # LlamaIndex's OpenAI default temperature (0.1) is refused by GPT-5.x; 1.0 is its default.
    return LlamaIndexPath(
        OpenAILike(
            model=target.model,
            api_base=target.openai_base_url,
            api_key=target.api_token,
            is_chat_model=True,
            context_window=400_000,
            temperature=1.0,
        )
    )


PATHS: list[Path] = [
    Path("raw httpx", "transport", "", RawPath),
    Path("transport (GatewayClient)", "transport", "raw httpx", TransportPath, ours=True),
    Path(
        "LangChain floor",
        "langchain",
        "",
        lambda t: LangChainPath(make_langchain_floor(t)),
    ),
    Path("ChatGPT54Nano", "langchain", "LangChain floor", build_chat_gpt54nano, ours=True),
    Path("ChatOpenAI", "langchain", "LangChain floor", build_chat_openai),
    Path("ChatCloudflareWorkersAI", "langchain", "LangChain floor", build_chat_cloudflare),
    Path(
        "LlamaIndex floor",
        "llama_index",
        "",
        lambda t: LlamaIndexPath(make_llama_index_floor(t)),
    ),
    Path("GPT54Nano", "llama_index", "LlamaIndex floor", build_gpt54nano, ours=True),
    Path("OpenAILike", "llama_index", "LlamaIndex floor", build_openai_like),
]


# --- 256 in flight: the pool choices -------------------------------------------------------------

# The emulator used for the bursts holds every answer this long (its "stall" fault), so that all
# of a burst's requests are open at once, as real model calls (seconds long) would be. Without
# it the emulator answers faster than the client sends, and "256 in flight" would depend on how
# busy the machine happens to be.
IN_FLIGHT_HOLD = 0.2


def concurrency_variants(target: Target, concurrency: int) -> list[tuple[str, Callable[[], Any]]]:
    """(name, factory) per pool choice measured at ``concurrency``; a factory returns an async
    ``call(prompt)`` and the coroutine function that closes what it opened (or ``None``).

    Factories are called inside the event loop (httpx async clients bind to it)."""

    def raw(limits: httpx.Limits | None = None, transport: Any = None) -> Callable[[], Any]:
        def make() -> Any:
            kwargs: dict[str, Any] = {"timeout": 120.0}
            if limits is not None:
                kwargs["limits"] = limits
            if transport is not None:
                kwargs["transport"] = transport()
            raw_client = RawHttpx(target)
            raw_client._aclient = httpx.AsyncClient(**kwargs)
            return raw_client.acreate, raw_client.aclose

        return make

    def aiohttp_transport() -> Any:
        from httpx_aiohttp import AiohttpTransport

        return AiohttpTransport()

    def ours(
        http_client: Callable[[], httpx.AsyncClient] | None = None, **overrides: Any
    ) -> Callable[[], Any]:
        def make() -> Any:
            from gpt54nano_gateway import AsyncGatewayClient, ChatRequest

            config = transport_config(target, **overrides)
            http = http_client() if http_client is not None else None
            client = AsyncGatewayClient(config, http_client=http)

            async def call(prompt: str) -> Any:
                request = ChatRequest.model_validate(
                    {"messages": [{"role": "user", "content": prompt}]}
                )
                return await client.create(request)

            # The shared pool is the transport's to keep; an injected client is ours to close.
            return call, (http.aclose if http is not None else None)

        return make

    wide = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    rows = [
        ("raw httpx, default pool (100 conn, 20 keep-alive)", raw()),
        (f"raw httpx, limits {concurrency}/{concurrency}", raw(limits=wide)),
        ("raw httpx + httpx-aiohttp transport", raw(transport=aiohttp_transport)),
        ("transport (GatewayClient), default", ours()),
        ("transport, async_transport='httpx' (shared httpx pool)", ours(async_transport="httpx")),
        (
            "transport + httpx default pool (100/20)",
            ours(lambda: httpx.AsyncClient(timeout=120.0, follow_redirects=False)),
        ),
        (
            "transport + httpx-aiohttp transport",
            ours(
                lambda: httpx.AsyncClient(transport=aiohttp_transport(), timeout=120.0),
            ),
        ),
    ]
    POOL_CHOICES.update(name for name, _ in rows)
    return rows


POOL_CHOICES: set[str] = set()  # names of the pool variants (filled by concurrency_variants)


# --- sizes -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Sizes:
    repeats: int  # repeated runs behind each median (min–max)
    requests: int  # sequential requests per run (per-request CPU)
    streams_200: int  # streams of 200 chunks per run
    streams_2000: int  # streams of 2,000 chunks per run
    concurrency: int  # requests in flight at once
    bursts: int  # bursts of `concurrency` requests per run
    burst_repeats: int  # runs behind the figures at `concurrency` in flight
    rss_requests: int  # requests behind the RSS growth figure
    import_repeats: int
    ttft_streams: int = 15  # paced streams per path behind time to first token
    callgrind: bool = True  # instruction counts under valgrind (a few minutes)


FULL = Sizes(
    repeats=5,
    requests=150,
    streams_200=4,
    streams_2000=1,
    concurrency=256,
    bursts=1,
    burst_repeats=2,
    rss_requests=10_000,
    import_repeats=3,
)
QUICK = Sizes(
    repeats=3,
    requests=40,
    streams_200=2,
    streams_2000=1,
    concurrency=256,
    bursts=1,
    burst_repeats=2,
    rss_requests=1_000,
    import_repeats=3,
    ttft_streams=5,
)
# For the smoke test: every section runs, each as small as it gets.
TINY = Sizes(
    repeats=1,
    requests=3,
    streams_200=1,
    streams_2000=1,
    concurrency=8,
    bursts=1,
    burst_repeats=1,
    rss_requests=20,
    import_repeats=1,
    ttft_streams=1,
    callgrind=False,
)

# Module imported per path for the import-time figure (each in a fresh interpreter).
IMPORTS: dict[str, str] = {
    "raw httpx": "import httpx, json",
    "transport (GatewayClient)": "from gpt54nano_gateway import GatewayClient, ChatRequest",
    "LangChain floor": "import httpx; from langchain_core.language_models import BaseChatModel",
    "ChatGPT54Nano": "from langchain_gpt54nano import ChatGPT54Nano",
    "ChatOpenAI": "from langchain_openai import ChatOpenAI",
    "ChatCloudflareWorkersAI": "from langchain_cloudflare import ChatCloudflareWorkersAI",
    "LlamaIndex floor": "import httpx; from llama_index.core.llms import CustomLLM",
    "GPT54Nano": "from llama_index_gpt54nano import GPT54Nano",
    "OpenAILike": "from llama_index.llms.openai_like import OpenAILike",
}
# The import goal: every public name of the transport against its two dependencies. pydantic 2
# loads its model machinery (BaseModel and the schema code behind it) on first access, so
# `import httpx, pydantic` leaves it out; the second row puts it in, which any package defining
# one model pays, so that the rows below it show the transport's own share.
IMPORT_GOAL = (
    ("httpx + pydantic", "import httpx, pydantic"),
    (
        "httpx + pydantic's model machinery",
        "import httpx, pydantic; from pydantic import BaseModel, ConfigDict, Field, SecretStr,"
        " TypeAdapter, ValidationError, field_validator, model_validator",
    ),
    ("gpt54nano_gateway, chat path", "from gpt54nano_gateway import GatewayClient, ChatRequest"),
    (
        "gpt54nano_gateway, every public name",
        "import gpt54nano_gateway as g; [getattr(g, n) for n in g.__all__]",
    ),
)
TTFT_PACE = 50.0  # tokens per second of the paced stream behind time to first token
RSS_PATHS = ("raw httpx", "transport (GatewayClient)", "ChatGPT54Nano", "GPT54Nano")


# --- the run -------------------------------------------------------------------------------------


class Results:
    """Every figure by key, plus the reason a path is missing or a figure looks wrong."""

    def __init__(self) -> None:
        self.stats: dict[tuple[str, ...], Stat] = {}
        self.notes: dict[str, str] = {}

    def stat(self, *key: str) -> Stat:
        return self.stats.setdefault(key, Stat())

    def get(self, *key: str) -> Stat | None:
        stat = self.stats.get(key)
        return stat if stat is not None and stat.values else None


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _short(exc: BaseException) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text[:160]


def build_paths(
    target: Target, runner: asyncio.Runner, results: Results
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Builds each path and checks it answers: (paths for requests, paths for streams).

    A path that fails its check is left out of that part, with the reason as a note."""
    built: dict[str, Any] = {}
    streaming: dict[str, Any] = {}
    for path in PATHS:
        try:
            obj = path.build(target)
            obj.call(SHORT)
            runner.run(obj.acall(SHORT))
            built[path.name] = obj
        except Exception as exc:
            results.notes[path.name] = f"not measured: {_short(exc)}"
            log(f"SKIP {path.name}: {_short(exc)}")
            continue
        try:
            got = obj.stream(user_prompt(20))
            if got != 20:
                results.notes[path.name] = f"stream gave {got} content chunks for 20 tokens"
            streaming[path.name] = obj
            log(f"ready: {path.name}")
        except Exception as exc:
            results.notes[path.name] = f"streams not measured: {_short(exc)}"
            log(f"SKIP streams of {path.name}: {_short(exc)}")
    return built, streaming


def measure_requests(
    built: dict[str, Any], runner: asyncio.Runner, sizes: Sizes, results: Results
) -> None:
    for rep in range(sizes.repeats):
        log(f"per request, run {rep + 1}/{sizes.repeats}")
        for name, obj in list(built.items()):
            try:
                results.stat("request", "sync", name).add(
                    cpu_sync(lambda obj=obj: obj.call(SHORT), sizes.requests)
                )
                results.stat("request", "async", name).add(
                    runner.run(cpu_async(lambda obj=obj: obj.acall(SHORT), sizes.requests))
                )
            except Exception as exc:
                results.notes[name] = f"failed while measuring requests: {_short(exc)}"
                del built[name]


def measure_streams(
    built: dict[str, Any], runner: asyncio.Runner, sizes: Sizes, results: Results
) -> None:
    for chunks, count in ((200, sizes.streams_200), (2000, sizes.streams_2000)):
        prompt = user_prompt(chunks)
        for rep in range(sizes.repeats):
            log(f"per chunk ({chunks}), run {rep + 1}/{sizes.repeats}")
            for name, obj in list(built.items()):
                try:
                    if rep == 0:
                        # Warm-up, and a check that the answer really had `chunks` chunks.
                        got = obj.stream(prompt)
                        agot = runner.run(obj.astream(prompt))
                        if (got, agot) != (chunks, chunks):
                            results.notes[name] = (
                                f"asked for {chunks} chunks, got {got} (sync) / {agot} (async)"
                            )
                    per_stream = cpu_sync(lambda obj=obj, p=prompt: obj.stream(p), count, warmup=0)
                    results.stat("chunk", "sync", str(chunks), name).add(per_stream / chunks)
                    per_stream = runner.run(
                        cpu_async(lambda obj=obj, p=prompt: obj.astream(p), count, warmup=0)
                    )
                    results.stat("chunk", "async", str(chunks), name).add(per_stream / chunks)
                except Exception as exc:
                    results.notes[name] = f"failed while measuring streams: {_short(exc)}"
                    del built[name]


def concurrency_rows(target: Target, concurrency: int) -> list[tuple[str, Callable[[], Any]]]:
    """The pool choices, then every other path as a user builds it (built once, so its pools
    live across runs as they would in an application)."""
    rows = concurrency_variants(target, concurrency)
    for path in PATHS:
        if path.name in ("raw httpx", "transport (GatewayClient)"):
            continue  # the first pool choices are these two
        try:
            obj = path.build(target)
        except Exception as exc:
            log(f"SKIP {path.name} at {concurrency} in flight: {_short(exc)}")
            continue
        rows.append((path.name, lambda obj=obj: (obj.acall, None)))
    return rows


def measure_concurrency(sizes: Sizes, results: Results) -> None:
    """Bursts against an emulator of their own that holds each answer, on a fresh event loop
    (so the transport's per-loop shared pool starts empty)."""
    with EmulatorProcess(hold=IN_FLIGHT_HOLD) as held, asyncio.Runner() as runner:
        rows = concurrency_rows(held.target, sizes.concurrency)
        for rep in range(sizes.burst_repeats):
            log(f"{sizes.concurrency} in flight, run {rep + 1}/{sizes.burst_repeats}")
            for name, make in rows:
                if results.notes.get(f"@{name}"):
                    continue

                async def one(make: Callable[[], Any] = make) -> tuple[float, float]:
                    call, close = make()
                    try:
                        return await burst(lambda: call(SHORT), sizes.concurrency, sizes.bursts)
                    finally:
                        if close is not None:
                            await close()

                try:
                    cpu, wall = runner.run(asyncio.wait_for(one(), timeout=120))
                    results.stat("burst", "cpu", name).add(cpu)
                    results.stat("burst", "wall", name).add(wall)
                except Exception as exc:
                    results.notes[f"@{name}"] = f"failed: {_short(exc)}"
                    log(f"burst {name} failed: {_short(exc)}")


def measure_imports(sizes: Sizes, results: Results) -> None:
    for name, module in IMPORTS.items():
        log(f"import time: {module}")
        try:
            stat = import_seconds(module, sizes.import_repeats)
            results.stats[("import", name)] = stat
        except subprocess.CalledProcessError as exc:
            results.notes[f"import {name}"] = f"import failed: {exc.stderr[-200:]!r}"


def measure_import_goal(sizes: Sizes, results: Results) -> None:
    for name, statement in IMPORT_GOAL:
        log(f"import time: {statement}")
        results.stats[("import-goal", name)] = import_seconds(statement, sizes.import_repeats)
    if not sizes.callgrind or shutil.which("valgrind") is None:
        return
    log("import instructions (callgrind)")
    start_up = import_instructions("pass")
    for name, statement in IMPORT_GOAL:
        results.stat("import-goal-instructions", name).add(
            import_instructions(statement) - start_up
        )


def measure_ttft(sizes: Sizes, results: Results) -> None:
    """Wall time from the call to the first content chunk, on an emulator pacing its stream
    (TTFT_PACE tokens/s, as a model does), so the client's own start-up work shows."""
    with EmulatorProcess(extra_args=["--tokens-per-second", str(TTFT_PACE)]) as paced:
        objs = {}
        for path in PATHS:
            try:
                obj = path.build(paced.target)
                obj.first(user_prompt(3))  # warm-up: pools, caches, first-use model builds
                objs[path.name] = obj
            except Exception as exc:
                results.notes[f"ttft {path.name}"] = f"not measured: {_short(exc)}"
        log(f"time to first token: {sizes.ttft_streams} paced streams per path")
        for _ in range(sizes.ttft_streams):
            for name, obj in objs.items():
                try:
                    cpu = time.process_time()
                    results.stat("ttft", name).add(obj.first(user_prompt(3)))
                    results.stat("ttft-cpu", name).add(time.process_time() - cpu)
                except Exception as exc:
                    results.notes[f"ttft {name}"] = f"failed: {_short(exc)}"


CALLGRIND_PATHS = ("raw httpx", "transport", "LangChain floor", "ChatGPT54Nano")
CALLGRIND_PATHS += ("LlamaIndex floor", "GPT54Nano")
CALLGRIND_FLOORS = {
    "transport": "raw httpx",
    "ChatGPT54Nano": "LangChain floor",
    "GPT54Nano": "LlamaIndex floor",
    "ChatGPT54Nano async": "LangChain floor async",
}


@dataclasses.dataclass(frozen=True)
class CallgrindKind:
    """One deterministic count: ``script PATH N`` under callgrind at two sizes N; one more unit
    costs (I(large) − I(small)) / ((large − small) · per_size), start-up and imports cancelled."""

    script: str
    sizes: tuple[int, int]
    key: str  # the results key
    paths: tuple[str, ...]
    what: str  # the section heading's "Instructions per …"
    unit: str  # the column's "instructions per …"
    mode: str  # the heading's last part
    source: str  # what one run does
    floors: dict[str, str] = dataclasses.field(default_factory=lambda: CALLGRIND_FLOORS)
    per_size: int = 1  # units in one step of N (a burst is BURST_IN_FLIGHT requests)


CALLGRIND_KINDS = {
    "chunk": CallgrindKind(
        "callgrind_chunks.py",
        (100, 600),
        "callgrind",
        # with the async stream through LangChain (callgrind_chunks.py's "PATH async")
        (*CALLGRIND_PATHS, "LangChain floor async", "ChatGPT54Nano async"),
        "stream chunk",
        "chunk",
        "sync; `… async`: the async API",
        "one stream from an `httpx.MockTransport` handing out one event per read, no sockets",
    ),
    "request": CallgrindKind(
        "callgrind_requests.py",
        (10, 60),
        "callgrind-request",
        CALLGRIND_PATHS,
        "request (non-streamed)",
        "request",
        "sync",
        "sequential requests answered by an `httpx.MockTransport` (one JSON body), no sockets",
    ),
    "async chunk": CallgrindKind(
        "callgrind_async.py",
        (100, 600),
        "callgrind-async",
        # paths of its own (callgrind_async.PATHS: a real socket, no mock)
        (
            "raw aiohttp",
            "raw httpx",
            "transport",
            "transport (httpx pool)",
            "ChatGPT54Nano",
            "GPT54Nano",
        ),
        "stream chunk",
        "chunk",
        "async",
        "one async stream over loopback TCP from a server in the same loop, one event per read"
        " (the server's instructions are in every row: compare rows)",
        floors={"transport": "raw aiohttp", "transport (httpx pool)": "raw httpx"},
    ),
    # One more stream to its first token (one-token answers): time to first token, deterministic.
    "first token": CallgrindKind(
        "callgrind_first_token.py",
        (5, 30),
        "callgrind-first-token",
        CALLGRIND_PATHS,
        "stream to its first token",
        "stream",
        "sync",
        "sequential one-token streams from `callgrind_chunks`' mock, each the path's `first` of"
        " the time-to-first-token rows (the transport paths drop the stream at the first token,"
        " the adapters and their floors read its end)",
    ),
    # One more burst, per request. httpcore's pool is slow under callgrind (~5 min a run): the
    # non-default `async_transport='httpx'` is left to the µs rows.
    "burst": CallgrindKind(
        "callgrind_burst.py",
        (1, 2),
        "callgrind-burst",
        ("raw httpx", "raw httpx + httpx-aiohttp", "transport"),
        f"request at {BURST_IN_FLIGHT} in flight",
        "request",
        "async",
        f"bursts of {BURST_IN_FLIGHT} non-streamed requests after a warm-up burst, built as the"
        " in-flight rows build them, against a server in the same loop that holds each answer"
        " until 100 requests wait (every pool's connection limit). User-space instructions only:"
        " the kernel's share of the CPU per request (sockets, epoll), which the µs rows include,"
        " is not counted",
        floors={"transport": "raw httpx", "raw httpx + httpx-aiohttp": "raw httpx"},
        per_size=BURST_IN_FLIGHT,
    ),
}


def _instructions(script: str, path: str, size: int) -> subprocess.Popen[str]:
    out = os.path.join(
        tempfile.gettempdir(), f"callgrind.{os.getpid()}.{script}.{path}.{size}".replace(" ", "_")
    )
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable]
    cmd += [str(HERE / script), path, str(size)]
    # A fixed hash seed: set and dict iteration orders (and so the instruction count) otherwise
    # change from one interpreter to the next by a few thousand instructions per chunk.
    # One BLAS thread: numpy (imported by llama-index) otherwise starts OpenBLAS workers whose
    # idle spinning callgrind counts, tens of millions of instructions varying with wall time.
    env = {**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    proc.out_file = out  # type: ignore[attr-defined]
    return proc


def _read_total(proc: subprocess.Popen[str]) -> int:
    _, err = proc.communicate(timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(err.strip()[-300:])
    out = proc.out_file  # type: ignore[attr-defined]
    with open(out) as handle:
        for line in handle:
            if line.startswith("summary:"):
                total = int(line.split()[1])
                break
        else:
            raise RuntimeError("no summary line")
    os.remove(out)
    return total


def measure_callgrind(sizes: Sizes, results: Results) -> None:
    """Instructions per chunk and per request under callgrind: deterministic, unlike CPU µs on
    a shared machine. Two runs per path and kind (its two sizes), two at a time (one per core)."""
    if not sizes.callgrind or shutil.which("valgrind") is None:
        results.notes["callgrind"] = "not run (valgrind missing or --tiny)"
        return
    jobs = [
        (kind, path, n)
        for kind, spec in CALLGRIND_KINDS.items()
        for path in spec.paths
        for n in spec.sizes
    ]
    log(f"callgrind: {len(jobs)} runs, two at a time")
    totals: dict[tuple[str, str, int], int] = {}
    for i in range(0, len(jobs), 2):
        running = [
            (job, _instructions(CALLGRIND_KINDS[job[0]].script, job[1], job[2]))
            for job in jobs[i : i + 2]
        ]
        for job, proc in running:
            try:
                totals[job] = _read_total(proc)
            except Exception as exc:
                results.notes[f"callgrind {job[0]} {job[1]}"] = f"failed: {_short(exc)}"
    for kind, spec in CALLGRIND_KINDS.items():
        small, large = spec.sizes
        for path in spec.paths:
            if (kind, path, small) in totals and (kind, path, large) in totals:
                one_more = (totals[(kind, path, large)] - totals[(kind, path, small)]) / (
                    (large - small) * spec.per_size
                )
                results.stat(spec.key, path).add(one_more)


def measure_rss(target: Target, sizes: Sizes, results: Results) -> None:
    """One child process per path, all at once: growth does not depend on timing, and the
    children keep both cores busy where one alone would wait on the emulator half the time."""
    log(f"RSS over {sizes.rss_requests} requests: {', '.join(RSS_PATHS)} (in parallel)")
    children = {
        name: subprocess.Popen(
            [
                sys.executable,
                str(HERE / "run.py"),
                "--rss-child",
                name,
                "--root-url",
                target.root_url,
                "--rss-requests",
                str(sizes.rss_requests),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in RSS_PATHS
    }
    for name, child in children.items():
        out, err = child.communicate(timeout=600)
        if child.returncode != 0:
            results.notes[f"rss {name}"] = f"failed: {err.strip()[-300:]}"
            continue
        data = json.loads(out.strip().splitlines()[-1])
        results.stat("rss", "growth", name).add(data["growth"])
        results.stat("rss", "base", name).add(data["base"])


def rss_child(name: str, root_url: str, requests: int) -> None:
    """Runs in its own process: RSS before and after ``requests`` sequential requests.

    Alternates sync and async; one request in five is a (20-chunk) stream. A warm-up fills the
    pools and caches first, so that growth means a leak and not a first-use cost."""
    target = Target(root_url=root_url)
    path = next(p for p in PATHS if p.name == name)
    obj = path.build(target)
    stream_prompt = user_prompt(20)
    with asyncio.Runner() as runner:

        def one(i: int) -> None:
            kind = i % 10
            if kind == 8:
                obj.stream(stream_prompt)
            elif kind == 9:
                runner.run(obj.astream(stream_prompt))
            elif kind % 2:
                runner.run(obj.acall(SHORT))
            else:
                obj.call(SHORT)

        for i in range(400):
            one(i)
        gc.collect()
        base = rss_bytes()
        for i in range(requests):
            one(i)
        gc.collect()
        end = rss_bytes()
    print(json.dumps({"base": base, "end": end, "growth": end - base}))


# --- the report ----------------------------------------------------------------------------------


def _ratio(value: Stat | None, floor: Stat | None) -> str:
    if value is None or floor is None:
        return "–"
    return f"{value.median / floor.median:.2f}×"


def _versions() -> str:
    names = [
        "httpx",
        "pydantic",
        "langchain-core",
        "langchain-openai",
        "langchain-cloudflare",
        "openai",
        "llama-index-core",
        "llama-index-llms-openai-like",
        "httpx-aiohttp",
        "aiohttp",
    ]
    out = []
    for name in names:
        try:
            out.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            out.append(f"{name} (absent)")
    return ", ".join(out)


def _verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("pass" if ok else "**FAIL**")


def render(results: Results, sizes: Sizes, meta: dict[str, Any]) -> str:
    lines: list[str] = []
    add = lines.append
    add("# Benchmark results")
    add("")
    add(
        f"Generated by `python benchmarks/run.py{' --quick' if meta['quick'] else ''}"
        f"{' --tiny' if meta.get('tiny') else ''}` "
        f"on {meta['started']} UTC in {meta['elapsed']:.0f} s."
    )
    add(
        f"Machine: {meta['cpus']} CPUs, Python {platform.python_version()}, "
        f"load average {meta['load_before']} before / {meta['load_after']} after."
    )
    add(f"Versions: {_versions()}.")
    add("")
    add(
        "All figures are **client-process CPU** (`time.process_time`), the emulator running in "
        "its own process, except the wall times at 256 in flight. Each is the median "
        f"(min–max) of {sizes.repeats} runs; the ratio is median / the floor's median. "
        "Floors: raw httpx (one `httpx` call + `json`), and the bare LangChain `BaseChatModel` / "
        "LlamaIndex `CustomLLM` doing that one raw httpx call (`benchmarks/_harness.py`)."
    )
    add("")

    add(f"## CPU per request (µs; {sizes.requests} sequential requests per run)")
    add("")
    add("| path | sync | × floor | async | × floor |")
    add("|---|---|---|---|---|")
    for path in PATHS:
        sync = results.get("request", "sync", path.name)
        asyn = results.get("request", "async", path.name)
        if sync is None and asyn is None:
            add(f"| {path.name} | n/a | | n/a | |")
            continue
        fs = results.get("request", "sync", path.floor) if path.floor else None
        fa = results.get("request", "async", path.floor) if path.floor else None
        add(
            f"| {path.name} | {sync.fmt() if sync else 'n/a'} | {_ratio(sync, fs)} "
            f"| {asyn.fmt() if asyn else 'n/a'} | {_ratio(asyn, fa)} |"
        )
    add("")

    add("## CPU per stream chunk (µs per chunk; whole stream's CPU / chunks)")
    add("")
    add(
        "| path | 200 sync | × floor | 200 async | × floor | 2,000 sync | × floor "
        "| 2,000 async | × floor |"
    )
    add("|---|---|---|---|---|---|---|---|---|")
    for path in PATHS:
        cells = []
        for chunks in ("200", "2000"):
            for mode in ("sync", "async"):
                value = results.get("chunk", mode, chunks, path.name)
                floor = results.get("chunk", mode, chunks, path.floor) if path.floor else None
                cells += [value.fmt(digits=1) if value else "n/a", _ratio(value, floor)]
        add(f"| {path.name} | " + " | ".join(cells) + " |")
    add("")

    add(
        f"## {sizes.concurrency} concurrent async requests "
        f"({sizes.bursts} burst(s) of {sizes.concurrency} per run, after a warm-up burst; "
        f"{sizes.burst_repeats} runs)"
    )
    add("")
    add(
        f"An emulator of their own holds every answer {IN_FLIGHT_HOLD * 1000:.0f} ms, so that all "
        f"{sizes.concurrency} are open at once; wall per request = a burst's wall time "
        f"/ {sizes.concurrency}. The emulator speaks HTTP/1.1 only, so HTTP/2 cannot be measured "
        "here (and httpx needs the `h2` extra for it)."
    )
    add("")
    add("| client | CPU per request (µs) | × raw default | wall per request (µs) |")
    add("|---|---|---|---|")
    base = results.get("burst", "cpu", "raw httpx, default pool (100 conn, 20 keep-alive)")
    for key, stat in results.stats.items():
        if key[:2] != ("burst", "cpu"):
            continue
        wall = results.get("burst", "wall", key[2])
        add(f"| {key[2]} | {stat.fmt()} | {_ratio(stat, base)} | {wall.fmt() if wall else 'n/a'} |")
    for key, note in results.notes.items():
        if key.startswith("@"):
            add(f"| {key[1:]} | {note} | | |")
    add("")
    pools = {
        key[2]: stat
        for key, stat in results.stats.items()
        if key[:2] == ("burst", "cpu") and stat.values and key[2] in POOL_CHOICES
    }
    if pools:
        best = min(pools, key=lambda name: pools[name].median)
        add(
            f"Cheapest pool choice at {sizes.concurrency} in flight: **{best}** "
            f"({pools[best].median * 1e6:.0f} µs CPU per request, "
            f"{_ratio(pools[best], base)} the raw-httpx default pool)."
        )
        add("")

    add(f"## Import time (ms, fresh interpreter, {sizes.import_repeats} runs)")
    add("")
    add("| path | statement | ms | × floor |")
    add("|---|---|---|---|")
    for path in PATHS:
        stat = results.get("import", path.name)
        floor = results.get("import", path.floor) if path.floor else None
        add(
            f"| {path.name} | `{IMPORTS[path.name]}` | "
            f"{stat.fmt(scale=1e3) if stat else 'n/a'} | {_ratio(stat, floor)} |"
        )
    add("")

    add(
        f"## RSS growth over {sizes.rss_requests:,} requests "
        "(own process; sync and async, one in five streamed; after 400 warm-up requests)"
    )
    add("")
    add("| path | RSS after warm-up (MB) | growth (MB) |")
    add("|---|---|---|")
    for name in RSS_PATHS:
        growth = results.get("rss", "growth", name)
        base_rss = results.get("rss", "base", name)
        if growth is None or base_rss is None:
            add(f"| {name} | n/a | {results.notes.get(f'rss {name}', 'n/a')} |")
            continue
        add(f"| {name} | {base_rss.median / 1e6:.1f} | {growth.median / 1e6:.2f} |")
    add("")

    add("## Marginal CPU per stream chunk (µs; one more chunk: 2,000-chunk minus 200-chunk stream)")
    add("")
    add("| path | sync | × floor | async | × floor |")
    add("|---|---|---|---|---|")
    for path in PATHS:
        cells = []
        for mode in ("sync", "async"):
            value = marginal(results, mode, path.name)
            floor = marginal(results, mode, path.floor) if path.floor else None
            cells.append(f"{value * 1e6:.1f}" if value is not None else "n/a")
            cells.append(f"{value / floor:.2f}×" if value is not None and floor else "–")
        add(f"| {path.name} | " + " | ".join(cells) + " |")
    add("")
    for spec in CALLGRIND_KINDS.values():
        cg = {path: results.get(spec.key, path) for path in spec.paths}
        if not any(cg.values()):
            continue
        small, large = spec.sizes
        step = large - small
        per = f"{step}" if spec.per_size == 1 else f"({step} × {spec.per_size})"
        add(
            f"## Instructions per {spec.what} (callgrind, deterministic; "
            f"(I({large}) − I({small})) / {per}, {spec.mode})"
        )
        add("")
        add(f"`valgrind --tool=callgrind python benchmarks/{spec.script} PATH N`: {spec.source}.")
        add("")
        add(f"| path | instructions per {spec.unit} | × floor |")
        add("|---|---|---|")
        for path, stat in cg.items():
            floor = cg.get(spec.floors.get(path, ""))
            add(
                f"| {path} | {stat.median:,.0f} | "
                f"{(f'{stat.median / floor.median:.2f}×') if stat and floor else '–'} |"
                if stat
                else f"| {path} | n/a | – |"
            )
        add("")
    if any(results.get("ttft", p.name) for p in PATHS):
        add(
            f"## Time to first token (ms, wall; emulator pacing {TTFT_PACE:.0f} tokens/s, "
            f"{sizes.ttft_streams} streams per path)"
        )
        add("")
        add(
            "Beside the wall time, the client's CPU over the same span (`time.process_time`):"
            " the wall time also holds the emulator's own work and the scheduling of two"
            " processes on two cores, the CPU only the client's."
        )
        add("")
        add("| path | ms | − floor (ms) | client CPU (ms) | − floor (ms) |")
        add("|---|---|---|---|---|")
        for path in PATHS:
            cells = []
            for key in ("ttft", "ttft-cpu"):
                stat = results.get(key, path.name)
                floor = results.get(key, path.floor) if path.floor else None
                diff = f"{(stat.median - floor.median) * 1e3:+.2f}" if stat and floor else "–"
                cells += [stat.fmt(scale=1e3, digits=2) if stat else "n/a", diff]
            add(f"| {path.name} | {' | '.join(cells)} |")
        add("")
    goal = [(name, results.get("import-goal", name)) for name, _ in IMPORT_GOAL]
    if all(stat for _, stat in goal):
        add("## Import time of the transport's public names (fresh interpreter)")
        add("")
        add(
            "Milliseconds, and instructions under callgrind (deterministic; the interpreter's"
            " start-up, `python -c pass`, subtracted). pydantic 2 loads BaseModel and its schema"
            " code on first access, so `import httpx, pydantic` does not include them; the second"
            " row does, and any package that defines a model pays it."
        )
        add("")
        add("| statement | ms | M instructions | − httpx + pydantic (M) |")
        add("|---|---|---|---|")
        deps = results.get("import-goal-instructions", IMPORT_GOAL[0][0])
        for (name, stat), (_, statement) in zip(goal, IMPORT_GOAL, strict=True):
            count = results.get("import-goal-instructions", name)
            mega = f"{count.median / 1e6:.1f}" if count else "n/a"
            extra = f"{(count.median - deps.median) / 1e6:+.1f}" if count and deps else "–"
            add(f"| `{statement}` | {stat.fmt(scale=1e3) if stat else 'n/a'} | {mega} | {extra} |")
        add("")

    add("## Targets")
    add("")
    add("| target | figure | verdict |")
    add("|---|---|---|")
    for row in targets(results, sizes):
        add(f"| {row[0]} | {row[1]} | {_verdict(row[2])} |")
    add("")
    notes = {k: v for k, v in results.notes.items() if not k.startswith("@")}
    if notes:
        add("## Notes")
        add("")
        for key, note in notes.items():
            add(f"- {key}: {note}")
        add("")
    return "\n".join(lines)


def marginal(results: Results, mode: str, name: str) -> float | None:
    """CPU of one more chunk (s): the 2,000-chunk stream minus the 200-chunk one, per chunk
    (the per-stream costs, opening and closing, cancel)."""
    small = results.get("chunk", mode, "200", name)
    large = results.get("chunk", mode, "2000", name)
    if small is None or large is None:
        return None
    return (large.median * 2000 - small.median * 200) / 1800


def _row(label: str, figure: float | None, fmt: str, ok: Callable[[float], bool]) -> Any:
    return (
        label,
        fmt.format(figure) if figure is not None else "n/a",
        ok(figure) if figure is not None else None,
    )


# Raw httpx's sync marginal CPU per chunk on the machine where issue 16 set its µs bounds.
ISSUE_RAW_CHUNK = 12.6e-6


def _scale_text(scale: float | None) -> str:
    if not scale:
        return "n/a"
    return f"{scale:.2f} (this run's raw httpx / {ISSUE_RAW_CHUNK * 1e6:.1f} µs)"


def targets(results: Results, sizes: Sizes) -> list[tuple[str, str, bool | None]]:
    """The goals of issue 16, then the earlier ones kept as no-regression checks."""
    rows: list[tuple[str, str, bool | None]] = []
    ours_t, raw_t = (
        marginal(results, "sync", "transport (GatewayClient)"),
        marginal(results, "sync", "raw httpx"),
    )
    extra = (ours_t - raw_t) * 1e6 if ours_t is not None and raw_t is not None else None
    rows.append(
        _row(
            "transport: sync marginal CPU per chunk ≤ raw httpx + 3 µs",
            extra,
            "{:+.1f} µs",
            lambda v: v <= 3.0,
        )
    )
    # The issue set its µs bounds where raw httpx took ISSUE_RAW_CHUNK per chunk; on a slower
    # (or busier) machine every path is slower, so the bounds also appear scaled by this run's
    # raw httpx marginal, and the sync bound as the ratio it was there.
    scale = raw_t / ISSUE_RAW_CHUNK if raw_t else None
    rows.append(
        _row(
            f"transport: sync marginal CPU per chunk ≤ raw httpx + 3 µs × {_scale_text(scale)}",
            extra - 3.0 * scale if extra is not None and scale else None,
            "{:+.1f} µs over the bound",
            lambda v: v <= 0,
        )
    )
    value, base = results.get("callgrind", "transport"), results.get("callgrind", "raw httpx")
    bound = (ISSUE_RAW_CHUNK + 3e-6) / ISSUE_RAW_CHUNK
    rows.append(
        _row(
            f"transport: instructions per chunk ≤ {bound:.2f}× raw httpx (callgrind; + 3 µs over"
            f" {ISSUE_RAW_CHUNK * 1e6:.1f} µs as a ratio)",
            value.median / base.median if value and base else None,
            "{:.3f}×",
            lambda v: v <= bound,
        )
    )
    for ours, floor, bound in (
        ("ChatGPT54Nano", "LangChain floor", 1.00),
        ("GPT54Nano", "LlamaIndex floor", 1.05),
    ):
        value, base = marginal(results, "sync", ours), marginal(results, "sync", floor)
        ratio = value / base if value is not None and base else None
        rows.append(
            _row(
                f"{ours}: sync marginal CPU per chunk ≤ {bound:.2f}× {floor}",
                ratio,
                "{:.3f}×",
                lambda v, b=bound: v <= b,
            )
        )
    # The same per-chunk goals in instructions (callgrind): what a change did, whatever the
    # machine's load; the CPU rows above are the goals themselves.
    for ours, floor, bound in (
        ("ChatGPT54Nano", "LangChain floor", 1.00),
        ("GPT54Nano", "LlamaIndex floor", 1.05),
        ("ChatGPT54Nano async", "LangChain floor async", 1.00),
    ):
        value, base = results.get("callgrind", ours), results.get("callgrind", floor)
        ratio = value.median / base.median if value and base else None
        rows.append(
            _row(
                f"{ours}: instructions per chunk ≤ {bound:.2f}× {floor} (callgrind)",
                ratio,
                "{:.3f}×",
                lambda v, b=bound: v <= b,
            )
        )
    aio = marginal(results, "async", "transport (GatewayClient)")
    rows.append(
        _row(
            "transport: async marginal CPU per chunk ≤ 8 µs",
            aio * 1e6 if aio else None,
            "{:.1f} µs",
            lambda v: v <= 8.0,
        )
    )
    rows.append(
        _row(
            f"transport: async marginal CPU per chunk ≤ 8 µs × {_scale_text(scale)}",
            aio * 1e6 - 8.0 * scale if aio and scale else None,
            "{:+.1f} µs over the bound",
            lambda v: v <= 0,
        )
    )
    # Its deterministic companion: what the transport adds per chunk over raw aiohttp's reads
    # (callgrind_async.py, one event per read); no bound, it shows what a change did.
    value, base = (
        results.get("callgrind-async", "transport"),
        results.get("callgrind-async", "raw aiohttp"),
    )
    if value and base:
        extra_i = f"{value.median - base.median:+,.0f} instructions ({value.median:,.0f} in all)"
        rows.append(("transport: async instructions per chunk over raw aiohttp", extra_i, None))
    value = results.get("burst", "cpu", "transport (GatewayClient), default")
    base = results.get("burst", "cpu", "raw httpx, default pool (100 conn, 20 keep-alive)")
    ratio = value.median / base.median if value and base else None
    rows.append(
        _row(
            f"transport (aiohttp pool): CPU per request at {sizes.concurrency} in flight ≤ 0.25×"
            " raw httpx default pool",
            ratio,
            "{:.3f}×",
            lambda v: v <= 0.25,
        )
    )
    value = results.get("callgrind-burst", "transport")
    base = results.get("callgrind-burst", "raw httpx")
    rows.append(
        _row(
            f"transport (aiohttp pool): instructions per request at {BURST_IN_FLIGHT} in flight ≤"
            " 0.25× raw httpx default pool (callgrind, user space only)",
            value.median / base.median if value and base else None,
            "{:.3f}×",
            lambda v: v <= 0.25,
        )
    )
    names = results.get("import-goal", "gpt54nano_gateway, every public name")
    count = results.get("import-goal-instructions", "gpt54nano_gateway, every public name")
    base_ms = results.get("import-goal", "httpx + pydantic")
    base_count = results.get("import-goal-instructions", "httpx + pydantic")
    for floor in ("httpx + pydantic", "httpx + pydantic's model machinery"):
        deps = results.get("import-goal", floor)
        extra = (names.median - deps.median) * 1e3 if names and deps else None
        rows.append(
            _row(
                f"import of every public name ≤ {floor} + 45 ms",
                extra,
                "{:+.0f} ms",
                lambda v: v <= 45,
            )
        )
        # The same in instructions, turned into ms at `import httpx, pydantic`'s own rate:
        # import wall times on a shared machine swing by a third from one run to the next.
        floor_count = results.get("import-goal-instructions", floor)
        estimate = (
            (count.median - floor_count.median) * base_ms.median * 1e3 / base_count.median
            if count and floor_count and base_ms and base_count
            else None
        )
        rows.append(
            _row(
                f"import of every public name ≤ {floor} + 45 ms, in instructions (as ms at"
                " the rate of `import httpx, pydantic`)",
                estimate,
                "{:+.0f} ms",
                lambda v: v <= 45,
            )
        )
    for ours, floor in (
        ("transport (GatewayClient)", "raw httpx"),
        ("ChatGPT54Nano", "LangChain floor"),
        ("GPT54Nano", "LlamaIndex floor"),
    ):
        for key, what in (("ttft", "time to first token"), ("ttft-cpu", "client CPU to it")):
            value, base = results.get(key, ours), results.get(key, floor)
            diff = (value.median - base.median) * 1e3 if value and base else None
            rows.append(
                _row(
                    f"{ours}: {what} ≤ {floor}'s (paced stream)",
                    diff,
                    "{:+.2f} ms",
                    lambda v: v <= 0,
                )
            )
        cg_ours = ours.removesuffix(" (GatewayClient)")
        value = results.get("callgrind-first-token", cg_ours)
        base = results.get("callgrind-first-token", floor)
        rows.append(
            _row(
                f"{ours}: client instructions to the first token ≤ {floor}'s (callgrind)",
                value.median / base.median if value and base else None,
                "{:.3f}×",
                lambda v: v <= 1.00,
            )
        )
    # The earlier goals (benchmarks of 2026-11-25), kept: per request, no regression.
    for ours, floor in (("ChatGPT54Nano", "LangChain floor"), ("GPT54Nano", "LlamaIndex floor")):
        for mode in ("sync", "async"):
            value = results.get("request", mode, ours)
            base = results.get("request", mode, floor)
            ratio = value.median / base.median if value and base else None
            rows.append(
                _row(
                    f"{ours} ≤ 1.10× {floor} per request ({mode})",
                    ratio,
                    "{:.3f}×",
                    lambda v: v <= 1.10,
                )
            )
    for ours, floor in (("ChatGPT54Nano", "LangChain floor"), ("GPT54Nano", "LlamaIndex floor")):
        value = results.get("callgrind-request", ours)
        base = results.get("callgrind-request", floor)
        ratio = value.median / base.median if value and base else None
        rows.append(
            _row(
                f"{ours} ≤ 1.10× {floor} instructions per request (callgrind, sync)",
                ratio,
                "{:.3f}×",
                lambda v: v <= 1.10,
            )
        )
    for mode in ("sync", "async"):
        value = results.get("request", mode, "transport (GatewayClient)")
        base = results.get("request", mode, "raw httpx")
        extra = (value.median - base.median) * 1e6 if value and base else None
        rows.append(
            _row(
                f"transport ≤ raw httpx + 100 µs per request ({mode})",
                extra,
                "{:+.0f} µs",
                lambda v: v <= 100,
            )
        )
    for name in RSS_PATHS:
        growth = results.get("rss", "growth", name)
        if name == "raw httpx":
            continue
        rows.append(
            _row(
                f"{name}: RSS growth < 5 MB over {sizes.rss_requests:,} requests",
                growth.median / 1e6 if growth else None,
                "{:.2f} MB",
                lambda v: v < 5,
            )
        )
    return rows


EXCERPT_START = "<!-- benchmarks excerpt: generated by benchmarks/run.py from RESULTS.md -->"
EXCERPT_END = "<!-- end of benchmarks excerpt -->"


def write_excerpt(report: str) -> None:
    """Copy the run's "Targets" table into README.md (between the markers): the excerpt is
    regenerated by every full run, never edited by hand."""
    readme = HERE.parent / "README.md"
    text = readme.read_text()
    if EXCERPT_START not in text or EXCERPT_END not in text:
        return
    head = report.splitlines()[2]  # "Generated by ... on ... in ... s."
    table = report.split("## Targets\n\n", 1)[1].split("\n\n", 1)[0]
    body = f"{EXCERPT_START}\n{head}\n\n{table}\n{EXCERPT_END}"
    before, rest = text.split(EXCERPT_START, 1)
    after = rest.split(EXCERPT_END, 1)[1]
    readme.write_text(before + body + after)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about 2 minutes)")
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"), help="where to write the table")
    parser.add_argument(
        "--sections",
        default="requests,streams,concurrency,imports,rss,ttft,callgrind",
        help="comma-separated subset of requests,streams,concurrency,imports,rss,ttft,callgrind",
    )
    parser.add_argument("--tiny", action="store_true", help="every section at its smallest")
    parser.add_argument(
        "--ttft-streams", type=int, help="paced streams per path behind time to first token"
    )
    parser.add_argument("--rss-child", help=argparse.SUPPRESS)
    parser.add_argument("--root-url", help=argparse.SUPPRESS)
    parser.add_argument("--rss-requests", type=int, default=10_000, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        rss_child(args.rss_child, args.root_url, args.rss_requests)
        return 0

    sizes = TINY if args.tiny else QUICK if args.quick else FULL
    if args.ttft_streams is not None:
        sizes = dataclasses.replace(sizes, ttft_streams=args.ttft_streams)
    sections = set(args.sections.split(","))
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    load_before = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    results = Results()
    with EmulatorProcess() as emu, asyncio.Runner() as runner:
        target = emu.target
        built, streaming = build_paths(target, runner, results)
        if "requests" in sections:
            measure_requests(built, runner, sizes, results)
        if "streams" in sections:
            measure_streams(streaming, runner, sizes, results)
        if "rss" in sections:
            measure_rss(target, sizes, results)
    if "concurrency" in sections:
        measure_concurrency(sizes, results)
    if "imports" in sections:
        measure_imports(sizes, results)
        measure_import_goal(sizes, results)
    if "ttft" in sections:
        measure_ttft(sizes, results)
    if "callgrind" in sections:
        measure_callgrind(sizes, results)
    meta = {
        "quick": args.quick,
        "tiny": args.tiny,
        "started": started.strftime("%Y-%m-%d %H:%M"),
        "elapsed": time.perf_counter() - t0,
        "cpus": os.cpu_count(),
        "load_before": load_before,
        "load_after": "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
    }
    report = render(results, sizes, meta)
    FsPath(args.out).write_text(report + "\n")
    if not args.tiny and not args.quick and args.out == str(HERE / "RESULTS.md"):
        write_excerpt(FsPath(args.out).read_text())
    print(report)
    log(f"wrote {args.out} in {meta['elapsed']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
