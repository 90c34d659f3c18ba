"""The read timeout of a streamed body: one wait for bytes longer than it fails, nothing else does.

On the aiohttp pool a `_ReadWatch` keeps this bound (aiohttp's own ``sock_read`` re-arms a timer
on every socket read, the largest per-chunk cost of an async stream); the httpx pools keep
httpcore's. The same table runs over the sync client and both async pools, so the three agree:

- a pause longer than the timeout mid-stream fails with what arrived, and fails at the timeout,
  not when the pause ends;
- pauses each shorter than the timeout pass, however long they add up to;
- a consumer slower than the timeout is not timed out (the time between reads is its own).

A small raw server sends each event after a scripted pause, over a real socket.
"""

from __future__ import annotations

import asyncio
import gc
import json
import socket
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gpt54nano_gateway import (
    AsyncGatewayClient,
    ChatRequest,
    GatewayClient,
    GatewayConfig,
    GatewayTimeoutError,
    RetryPolicy,
)
from tests.support.raw_http import read_request

pytestmark = pytest.mark.timeout(60)
aiohttp = pytest.importorskip("aiohttp")
from gpt54nano_gateway import _aiohttp_transport  # noqa: E402

REQUEST = ChatRequest.model_validate({"messages": [{"role": "user", "content": "Say hi"}]})
MODES = ["sync", "async-aiohttp", "async-httpx"]
TIMEOUT = 0.5  # the stream's read (idle) timeout


def _event(content: str) -> bytes:
    chunk = {"id": "c", "choices": [{"index": 0, "delta": {"content": content}}]}
    return b"data: " + json.dumps(chunk).encode() + b"\n\n"


_END = (
    b'data: {"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}\n\n'
    b"data: [DONE]\n\n"
)


class PacedServer:
    """Answers every POST with an SSE body, one HTTP chunk per ``(pause, bytes)`` of ``script``,
    sent after its pause (seconds), then the finish chunk and ``[DONE]``."""

    def __init__(self, script: list[tuple[float, bytes]]) -> None:
        self.script = script
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self.base_url = f"http://127.0.0.1:{self._sock.getsockname()[1]}/client/v4"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            read_request(conn)
            try:
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                    b"transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
                )
                for pause, piece in self.script:
                    time.sleep(pause)
                    conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
                conn.sendall(b"%x\r\n%s\r\n0\r\n\r\n" % (len(_END), _END))
            except OSError:  # the client hung up (a timeout)
                pass

    def close(self) -> None:
        self._sock.close()


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[PacedServer] = []

    def start(script: list[tuple[float, bytes]]) -> PacedServer:
        servers.append(PacedServer(script))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _config(mode: str, server: PacedServer) -> GatewayConfig:
    backend = mode.removeprefix("async-") if mode != "sync" else "auto"
    return GatewayConfig(
        account_id="acct",
        api_token="t",
        base_url=server.base_url,
        stream_idle_timeout=TIMEOUT,
        async_transport=backend,
    )


def _no_retries() -> RetryPolicy:
    async def nap(seconds: float) -> None:
        pass

    return RetryPolicy(max_retries=0, sleep=lambda s: None, async_sleep=nap)


def read_stream(mode: str, server: PacedServer, consumer_pause: float = 0.0) -> str:
    """The streamed text, the consumer pausing ``consumer_pause`` s after each chunk."""
    config = _config(mode, server)

    def sync() -> str:
        with GatewayClient(config, retry_policy=_no_retries()).stream(REQUEST) as chunks:
            for _ in chunks:
                time.sleep(consumer_pause)
            return chunks.completion().choices[0].message.content or ""

    async def aio() -> str:
        client = AsyncGatewayClient(config, retry_policy=_no_retries())
        async with client.stream(REQUEST) as chunks:
            async for _ in chunks:
                await asyncio.sleep(consumer_pause)
            return (await chunks.completion()).choices[0].message.content or ""

    return sync() if mode == "sync" else asyncio.run(aio())


@pytest.mark.parametrize("mode", MODES)
def test_a_pause_longer_than_the_timeout_fails_at_the_timeout_with_what_arrived(
    mode: str, serve: Any
) -> None:
    server = serve([(0, _event("Hel")), (0, _event("lo")), (6 * TIMEOUT, _event(" there"))])
    started = time.monotonic()
    with pytest.raises(GatewayTimeoutError) as info:
        read_stream(mode, server)
    elapsed = time.monotonic() - started
    assert type(info.value.__cause__) is httpx.ReadTimeout
    partial = info.value.partial
    assert partial is not None and partial.choices[0].message.content == "Hello"
    # Raised by the timeout, not by the end of the pause (3 s): a bound with a wide margin.
    assert elapsed < 4 * TIMEOUT


@pytest.mark.parametrize("mode", MODES)
def test_pauses_each_shorter_than_the_timeout_pass_however_long_in_all(
    mode: str, serve: Any
) -> None:
    words = ["a", " b", " c", " d", " e", " f"]
    server = serve([(TIMEOUT / 2, _event(word)) for word in words])  # 1.5 s in all, 3× TIMEOUT
    assert read_stream(mode, server) == "a b c d e f"


@pytest.mark.parametrize("mode", MODES)
def test_a_consumer_slower_than_the_timeout_is_not_timed_out(mode: str, serve: Any) -> None:
    server = serve([(0, _event("one")), (0, _event(" two")), (0, _event(" three"))])
    assert read_stream(mode, server, consumer_pause=2 * TIMEOUT) == "one two three"


def test_an_abandoned_body_keeps_no_timer() -> None:
    # A body read once and then dropped, never closed: the watch's timer fires once, finds no
    # read waiting and is not re-armed, so nothing of the body stays alive on the loop.
    async def main() -> tuple[bool, bool]:
        with_server = PacedServer([(0, _event("x")), (30, _event("y"))])
        transport = _aiohttp_transport.AiohttpTransport()
        request = httpx.Request(
            "POST",
            with_server.base_url,
            json={},
            extensions={"timeout": {"connect": 5.0, "read": 0.2, "pool": 5.0}},
        )
        response = await transport.handle_async_request(request)
        body = response.stream
        assert isinstance(body, _aiohttp_transport._Body)
        watched = body._watch is not None
        assert await body.read()
        ref = weakref.ref(body)
        del body, response
        await asyncio.sleep(0.6)  # the timer's period, three times over
        gc.collect()
        # Neither the body nor its watch (which the loop's timer would hold) is left.
        watches = [o for o in gc.get_objects() if isinstance(o, _aiohttp_transport._ReadWatch)]
        alive = ref() is not None or bool(watches)
        await transport.aclose()
        with_server.close()
        return watched, alive

    assert asyncio.run(main()) == (True, False)


class _NoReadTimeout:
    pass


class _Connection:
    def __init__(self, protocol: object) -> None:
        self.protocol = protocol


class _Response:
    def __init__(self, connection: object) -> None:
        self.connection = connection


@pytest.mark.parametrize(
    "response",
    [_Response(None), _Response(_Connection(None)), _Response(_Connection(_NoReadTimeout()))],
    ids=["released", "no protocol", "no read_timeout property"],
)
def test_aiohttp_keeps_its_own_read_timeout_where_it_cannot_be_taken_over(
    response: Any,
) -> None:
    assert _aiohttp_transport._take_over_read_timeout(response) is False
