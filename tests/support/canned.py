"""A loopback HTTP server that answers every request with one canned response.

For tests of what the clients make of exact (often malformed) server output: the bytes go over a
real socket, with a content-length, so keep-alive and the pools behave as in production. One
response at a time (``serve``); the test sets it before each call.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

JSON = "application/json"
SSE = "text/event-stream"


class CannedServer:
    """``serve(status, content_type, body)`` sets what every following request receives."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self._server = server
        self.status, self.content_type, self.body = 200, JSON, b"{}"
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}/client/v4"

    def serve(self, status: int, content_type: str, body: bytes) -> None:
        self.status, self.content_type, self.body = status, content_type, body


@contextmanager
def canned_server() -> Iterator[CannedServer]:
    holder: list[CannedServer] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            canned = holder[0]
            self.send_response(canned.status)
            self.send_header("content-type", canned.content_type)
            self.send_header("content-length", str(len(canned.body)))
            self.end_headers()
            self.wfile.write(canned.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
    holder.append(CannedServer(server))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()
