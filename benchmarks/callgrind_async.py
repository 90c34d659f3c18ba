#!/usr/bin/env python
"""One async stream of N chunks through one path over a real socket, for callgrind.

``python benchmarks/callgrind_async.py PATH N``. The async twin of ``callgrind_chunks.py``: the
same events, but over loopback TCP and aiohttp's (or httpcore's) real reading path, since an
async stream's cost is mostly the event loop's and the HTTP client's per read. The server is
an ``asyncio.Protocol`` in the same loop (so it is counted too, the same few hundred
instructions for every path: compare paths, not absolutes), answering any POST with a chunked
SSE body, one event per write.

Why in-process and in lock-step: a server in another process writes as fast as it likes and the
client's reads then hold a timing-dependent number of events. Here the next event is written
two loop iterations after the previous one, which is after the client's socket callback has
received the previous one (the iteration after a write) and so one read is one event, every
run (``main`` checks it for the raw aiohttp path, which counts its reads).
"""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import RawHttpx, Target, body_for, user_prompt
from callgrind_chunks import events

PATHS = (
    "raw aiohttp",
    "raw httpx",
    "transport",
    "transport (httpx pool)",
    "ChatGPT54Nano",
    "GPT54Nano",
)

_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n"
    b"cf-aig-log-id: log-1\r\n\r\n"
)


def request_end(received: bytes) -> int | None:
    """Where the first whole request in ``received`` ends (head and content-length body), or
    ``None`` while it is still arriving."""
    head, sep, body = received.partition(b"\r\n\r\n")
    if not sep:
        return None
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.lower().split(b"\r\n")[1:]
            if line.startswith(b"content-length:")
        ),
        0,
    )
    if len(body) < length:
        return None
    return len(head) + len(sep) + length


class _Server(asyncio.Protocol):
    """Answers the request (once its body is in) with ``items``, one HTTP chunk per write."""

    def __init__(self, items: list[bytes]) -> None:
        self.items, self.received = items, b""

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.received += data
        end = request_end(self.received)
        if end is None:
            return
        self.received = b""
        self.transport.write(_HEAD)
        self._next(0)

    def _next(self, i: int) -> None:
        loop = asyncio.get_running_loop()
        if i == len(self.items):
            self.transport.write(b"0\r\n\r\n")
            return
        item = self.items[i]
        self.transport.write(b"%x\r\n%s\r\n" % (len(item), item))
        # Two hops: the client's read callback runs in the next iteration, after the first.
        loop.call_soon(loop.call_soon, self._next, i + 1)


async def raw_aiohttp(target: Target, prompt: str) -> int:
    """The floor: aiohttp's reads, each split into its ``data:`` events and parsed."""
    import json

    import aiohttp

    n = reads = 0
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            target.chat_url, json=body_for(target, prompt, stream=True), headers=target.headers
        ) as resp,
    ):
        resp.raise_for_status()
        content = resp.content
        while data := await content.readany():
            reads += 1
            for event in data.split(b"\n\n"):
                if event.startswith(b"data: ") and event[6:] != b"[DONE]":
                    chunk = json.loads(event[6:])
                    if chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
                        n += 1
    raw_aiohttp.reads = reads  # type: ignore[attr-defined]
    return n


def _path(name: str, target: Target) -> Any:
    import run as bench  # the builders of the benchmark paths

    if name == "raw aiohttp":
        return lambda prompt: raw_aiohttp(target, prompt)
    if name == "raw httpx":
        return RawHttpx(target).astream
    if name == "transport":
        return bench.TransportPath(target).astream
    if name == "transport (httpx pool)":
        from gpt54nano_gateway import AsyncGatewayClient

        path = bench.TransportPath(target)
        path.aclient = AsyncGatewayClient(bench.transport_config(target, async_transport="httpx"))
        return path.astream
    if name == "ChatGPT54Nano":
        return bench.build_chat_gpt54nano(target).astream
    if name == "GPT54Nano":
        return bench.build_gpt54nano(target).astream
    raise SystemExit(f"unknown path {name!r}; one of {PATHS}")


async def main(name: str, n: int) -> int:
    loop = asyncio.get_running_loop()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = await loop.create_server(lambda: _Server(events(n)), sock=sock)
    target = Target(root_url=f"http://127.0.0.1:{sock.getsockname()[1]}")
    async with server:
        got = await _path(name, target)(user_prompt(n))
    if name == "raw aiohttp" and raw_aiohttp.reads < n + 4:  # type: ignore[attr-defined]
        raise SystemExit(f"{raw_aiohttp.reads} reads for {n + 4} events: not one per read")  # type: ignore[attr-defined]
    return int(got)


if __name__ == "__main__":
    print(asyncio.run(main(sys.argv[1], int(sys.argv[2]))))
