"""Small pieces for raw-socket test servers: the ones that send exact byte sequences (pauses,
drips, cut-offs) that an HTTP server library would not let a test control."""

from __future__ import annotations

import socket

__all__ = ["read_request"]


def read_request(conn: socket.socket) -> bytes:
    """Reads one request (head and its content-length body) from ``conn``; returns its head."""
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            raise ConnectionError("the client closed before sending a whole request head")
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        piece = conn.recv(65536)
        if not piece:
            raise ConnectionError("the client closed before sending the whole request body")
        body += piece
    return head
