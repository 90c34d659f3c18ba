"""``total_timeout`` is an overall deadline, also while a body is read.

Small raw servers on loopback answer with headers at once, then drip: a JSON body a byte at a
time, a stream of only ``: ping`` comments, or one data line that never ends. Each drip would
last far longer than the deadline (and every single read is well inside the read and idle
timeouts), so only the overall deadline can end the call. The assertion is not a duration: the
call must raise `GatewayTimeoutError`, and the server must see the client hang up before its drip
was over (pytest-timeout bounds a hang).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from gpt54nano_gateway import AsyncGatewayClient, GatewayClient, GatewayConfig, GatewayTimeoutError
from tests.support.raw_http import read_request

pytestmark = pytest.mark.timeout(60)

DRIP_PIECES = 400  # at DRIP_EVERY apart: 20 s, forty times the deadline
DRIP_EVERY = 0.05
DEADLINE = 0.5


class DripServer:
    """Accepts one connection, sends ``head``, then ``piece`` every DRIP_EVERY seconds."""

    def __init__(self, head: bytes, piece: bytes) -> None:
        self.head, self.piece = head, piece
        self.sent = 0
        self.hung_up = threading.Event()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(4)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        conn, _ = self._sock.accept()
        with conn:
            read_request(conn)
            try:
                conn.sendall(self.head)
                for _ in range(DRIP_PIECES):
                    time.sleep(DRIP_EVERY)
                    conn.sendall(self.piece)
                    self.sent += 1
            except OSError:
                self.hung_up.set()

    def close(self) -> None:
        self._sock.close()


def _head(content_type: str, length: int | None = None) -> bytes:
    framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    return f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n{framing}\r\n\r\n".encode()


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


CASES: dict[str, tuple[bytes, bytes, bool]] = {
    # name: (head, drip piece, streamed)
    "json-body-drip": (_head("application/json", DRIP_PIECES + 10), b" ", False),
    "text-body-drip": (_head("text/plain", DRIP_PIECES + 10), b"x", False),
    "stream-only-pings": (_head("text/event-stream"), _chunk(b": ping\n\n"), True),
    "stream-endless-line": (_head("text/event-stream") + _chunk(b'data: {"id'), _chunk(b"x"), True),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_total_timeout_bounds_a_dripping_body(
    case: str, run_io: Callable[[Callable[[], Any], Callable[[], Any]], Any]
) -> None:
    head, piece, streamed = CASES[case]
    server = DripServer(head, piece)
    config = GatewayConfig(
        base_url=f"http://127.0.0.1:{server.port}/client/v4",
        account_id="acct",
        api_token="tok",
        read_timeout=10.0,
        stream_idle_timeout=10.0,
        total_timeout=DEADLINE,
        max_retries=0,
    )
    request = {"messages": [{"role": "user", "content": "hi"}]}

    def sync() -> Any:
        client = GatewayClient(config)
        if not streamed:
            return client.create(request)
        with client.stream(request) as stream:
            return stream.completion()

    async def async_() -> Any:
        client = AsyncGatewayClient(config)
        if not streamed:
            return await client.create(request)
        async with client.stream(request) as stream:
            return await stream.completion()

    try:
        with pytest.raises(GatewayTimeoutError, match="overall deadline"):
            run_io(sync, async_)
        assert server.hung_up.wait(10), "the client kept the connection open"
        assert server.sent < DRIP_PIECES
    finally:
        server.close()
