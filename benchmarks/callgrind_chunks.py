#!/usr/bin/env python
"""One stream of N chunks through one path, for ``valgrind --tool=callgrind``.

``python benchmarks/callgrind_chunks.py PATH N``; ``PATH async`` (e.g. ``"ChatGPT54Nano
async"``) streams the same answer through the path's async API in one ``asyncio.run``. The
answer comes from an ``httpx.MockTransport`` that hands out one SSE event per read, so the run
does the same work every time (no sockets, no timing-dependent read sizes) and its instruction
count is deterministic. Async paths get an ``httpx.AsyncClient`` on the same mock (our
adapters included, whatever async backend they would pick), so the count is the path's own
work per chunk, comparable with its floor's. ``run.py`` runs it for N = 100 and N = 600 and
reports (I(600) − I(100)) / 500: the instructions of one more chunk, start-up and imports
cancelled.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from _harness import RawHttpx, Target, make_langchain_floor, make_llama_index_floor, user_prompt

PATHS = (
    "raw httpx",
    "transport",
    "LangChain floor",
    "ChatGPT54Nano",
    "LlamaIndex floor",
    "GPT54Nano",
)


def events(n: int) -> list[bytes]:
    """The emulator's event shapes: a role chunk, ``n`` content chunks, the finish chunk, the
    usage chunk, ``[DONE]``."""
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1}
    base["model"] = "openai/gpt-5.4-nano"

    def chunk(delta: dict[str, Any], finish: str | None = None, usage: Any = None) -> bytes:
        choices = [] if usage else [{"index": 0, "delta": delta, "finish_reason": finish}]
        body = {**base, "choices": choices, "usage": usage}
        return b"data: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"

    out = [chunk({"role": "assistant", "content": ""})]
    out += [chunk({"content": " w" if i else "w"}) for i in range(n)]
    out.append(chunk({}, "stop"))
    usage = {"prompt_tokens": 5, "completion_tokens": n, "total_tokens": n + 5}
    out.append(chunk({}, usage=usage))
    out.append(b"data: [DONE]\n\n")
    return out


class _Events(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, items: list[bytes]) -> None:
        self.items = items

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.items)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for item in self.items:
            yield item


def _transport(n: int) -> httpx.MockTransport:
    items = events(n)

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "text/event-stream", "cf-aig-log-id": "log-1"}
        return httpx.Response(200, headers=headers, stream=_Events(items))

    return httpx.MockTransport(handler)


def mock_client(n: int) -> httpx.Client:
    return httpx.Client(transport=_transport(n))


def mock_async_client(n: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=_transport(n))


def run(path: str, n: int) -> int:
    if path.endswith(" async"):
        return asyncio.run(arun(path.removesuffix(" async"), n))
    import run as bench  # the builders of the benchmark paths

    target = Target(root_url="http://127.0.0.1:9")  # never contacted: the mock answers
    http = mock_client(n)
    prompt = user_prompt(n)
    if path == "raw httpx":
        return RawHttpx(target, client=http).stream(prompt)
    if path in ("transport", "ChatGPT54Nano", "GPT54Nano"):
        import gpt54nano_gateway.client as client_module

        client_module.sync_pool = lambda key=None: http  # type: ignore[assignment,misc]
    if path == "transport":
        return int(bench.TransportPath(target).stream(prompt))
    if path == "ChatGPT54Nano":
        return int(bench.build_chat_gpt54nano(target).stream(prompt))
    if path == "GPT54Nano":
        return int(bench.build_gpt54nano(target).stream(prompt))
    if path == "LangChain floor":
        model = make_langchain_floor(target)
        model._client = http
        return int(bench.LangChainPath(model).stream(prompt))
    if path == "LlamaIndex floor":
        llm = make_llama_index_floor(target)
        llm._client = http
        return int(bench.LlamaIndexPath(llm).stream(prompt))
    raise SystemExit(f"unknown path {path!r}; one of {PATHS} (each also with ' async')")


async def arun(path: str, n: int) -> int:
    """``run`` through the async APIs: the client is made inside the loop that uses it."""
    import run as bench

    target = Target(root_url="http://127.0.0.1:9")
    http = mock_async_client(n)
    prompt = user_prompt(n)
    if path == "raw httpx":
        raw = RawHttpx(target)
        raw._aclient = http
        return await raw.astream(prompt)
    if path in ("transport", "ChatGPT54Nano", "GPT54Nano"):
        import gpt54nano_gateway.client as client_module

        client_module.async_pool = lambda key=None, backend=None: http  # type: ignore[assignment,misc]
    if path == "transport":
        return int(await bench.TransportPath(target).astream(prompt))
    if path == "ChatGPT54Nano":
        return int(await bench.build_chat_gpt54nano(target).astream(prompt))
    if path == "GPT54Nano":
        return int(await bench.build_gpt54nano(target).astream(prompt))
    if path == "LangChain floor":
        model = make_langchain_floor(target)
        model._aclient = http
        return int(await bench.LangChainPath(model).astream(prompt))
    if path == "LlamaIndex floor":
        llm = make_llama_index_floor(target)
        llm._aclient = http
        return int(await bench.LlamaIndexPath(llm).astream(prompt))
    raise SystemExit(f"unknown path {path!r} async; one of {PATHS}")


if __name__ == "__main__":
    got = run(sys.argv[1], int(sys.argv[2]))
    print(got)
