#!/usr/bin/env python
"""Bursts of 256 concurrent async requests through one pool choice, for callgrind.

``python benchmarks/callgrind_burst.py PATH B``: one warm-up burst, then ``B`` bursts of
``IN_FLIGHT`` simultaneous non-streamed requests, each built by ``run.concurrency_variants`` as
the 256-in-flight rows build it. ``run.py`` reports (I(large) − I(small)) / ((large − small) ·
IN_FLIGHT): the instructions of one more request at that concurrency, where the CPU µs per
request of those rows swing by a fifth between runs.

The server is an ``asyncio.Protocol`` in the same loop (counted too, the same work for every
path: compare paths, not absolutes). It holds every answer until ``CONNECTIONS`` requests are
waiting, as the emulator's 200 ms hold does, so every connection a pool may open is busy at once
and the rest of the burst queues in the pool: each path here opens at most 100 (httpx's, aiohttp's
and our default limit). The last wave of a burst is smaller: the server answers it once no
request has arrived for ``QUIET`` seconds of wall time. Waiting costs no instructions (the loop
sleeps in ``epoll_wait``), so the count does not depend on the hold's length.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import Target
from callgrind_async import request_end
from callgrind_requests import completion_body

IN_FLIGHT = 256
CONNECTIONS = 100  # the connection limit of every path's pool (see above)
QUIET = 0.5  # seconds without a new request before a partial hold is answered
PATHS = {
    "raw httpx": "raw httpx, default pool (100 conn, 20 keep-alive)",
    "raw httpx + httpx-aiohttp": "raw httpx + httpx-aiohttp transport",
    "transport": "transport (GatewayClient), default",
    "transport (httpx pool)": "transport, async_transport='httpx' (shared httpx pool)",
}

_BODY = completion_body()
_ANSWER = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncf-aig-log-id: log-1\r\n"
    b"content-length: %d\r\n\r\n%s" % (len(_BODY), _BODY)
)


class _Hold:
    """The requests waiting for their answer, across connections."""

    def __init__(self) -> None:
        self.waiting: list[asyncio.Transport] = []
        self._timer: asyncio.TimerHandle | None = None

    def add(self, transport: asyncio.Transport) -> None:
        self.waiting.append(transport)
        if self._timer is not None:
            self._timer.cancel()
        if len(self.waiting) >= CONNECTIONS:
            self.release()
        else:
            self._timer = asyncio.get_running_loop().call_later(QUIET, self.release)

    def release(self) -> None:
        waiting, self.waiting, self._timer = self.waiting, [], None
        for transport in waiting:
            if not transport.is_closing():
                transport.write(_ANSWER)


class _Server(asyncio.Protocol):
    def __init__(self, hold: _Hold) -> None:
        self.hold, self.received = hold, b""

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.received += data
        # keep-alive: more than one request per connection over time
        while (end := request_end(self.received)) is not None:
            self.received = self.received[end:]
            self.hold.add(self.transport)


async def main(name: str, bursts: int) -> int:
    import run as bench  # the pool choices of the 256-in-flight rows

    loop = asyncio.get_running_loop()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    hold = _Hold()
    server = await loop.create_server(lambda: _Server(hold), sock=sock, backlog=1024)
    target = Target(root_url=f"http://127.0.0.1:{sock.getsockname()[1]}")
    variants = dict(bench.concurrency_variants(target, IN_FLIGHT))
    try:
        make = variants[PATHS[name]]
    except KeyError:
        raise SystemExit(f"unknown path {name!r}; one of {tuple(PATHS)}") from None
    done = 0
    async with server:
        call, close = make()
        try:
            for _ in range(bursts + 1):  # the first: warm-up (connections, first-use builds)
                answers = await asyncio.gather(*(call("hi") for _ in range(IN_FLIGHT)))
                done += len(answers)
        finally:
            if close is not None:
                await close()
    return done


if __name__ == "__main__":
    print(asyncio.run(main(sys.argv[1], int(sys.argv[2]))))
