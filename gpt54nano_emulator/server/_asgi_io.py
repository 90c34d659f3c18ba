"""How bytes leave the emulator at the ASGI level: SSE bodies written event by event, JSON
bodies sent in halves, and TCP connections dropped under a running request (the faults that
need more than a status code)."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from . import _wire_out
from ._faults import Fault, stream_error_event

_RAW_SEND = "gpt54nano_emulator.raw_send"
# A chunk whose JSON stops mid-object (the "malformed" fault).
_MALFORMED_EVENT = (
    b'data: {"id":"chatcmpl-malformed","object":"chat.completion.chunk","choices":[{\n\n'
)


class KeepRawSend:
    """Outermost ASGI layer: keeps uvicorn's own ``send`` in the scope (see drop_connection)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[_RAW_SEND] = send
        await self.app(scope, receive, send)


class NoResponse(Response):
    """Sends nothing: the connection was already closed under the app."""

    def __init__(self) -> None:
        super().__init__()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Let uvicorn's connection_lost run, so it marks the cycle disconnected and does not
        # answer "500 ASGI callable returned without starting response" on a dead socket.
        for _ in range(3):
            await asyncio.sleep(0)


async def drop_connection(scope: Scope, *, hard: bool) -> None:
    """Close the client's TCP connection under the running request.

    uvicorn's ``send`` is a bound method of its request/response cycle, which holds the asyncio
    transport; the outermost middleware keeps it in the scope. ``close()`` sends a FIN (httpx:
    ``RemoteProtocolError: Server disconnected without sending a response`` before headers, or an
    incomplete-body error mid-body); ``hard`` sets ``SO_LINGER 0`` first so ``abort()`` sends a
    RST (httpx: ``ReadError: Connection reset by peer``). Raising in the app instead would make
    uvicorn answer a clean 500 before headers, which is not a reset.
    """
    raw_send = scope.get(_RAW_SEND)
    transport = getattr(getattr(raw_send, "__self__", None), "transport", None)
    if transport is None:  # not uvicorn's h11/httptools protocol
        raise RuntimeError("the emulator can only drop connections when served by uvicorn")
    if hard:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    else:
        transport.close()
    for _ in range(3):
        await asyncio.sleep(0)


async def partial_body(
    scope: Scope, data: bytes, *, cut: bool, delay: float, hard: bool
) -> AsyncIterator[bytes]:
    """A JSON body sent in two halves: ``slow`` waits between them, ``cut`` drops the connection
    after the first half (the declared content-length is never reached)."""
    half = len(data) // 2
    yield data[:half]
    if cut:
        await drop_connection(scope, hard=hard)
        return
    if delay:
        await asyncio.sleep(delay)
    yield data[half:]


async def sse_body(
    scope: Scope, events: list[bytes], fault: Fault | None, *, pace: float = 0.0
) -> AsyncIterator[bytes]:
    """Writes the events one by one (each is flushed to the socket as its own chunk), ``pace``
    seconds apart (0 = as fast as possible; a "slow" fault's delay wins)."""
    kind = fault.kind if fault is not None else None
    after = fault.after if fault is not None else 0
    delay = fault.seconds if fault is not None and kind == "slow" else pace
    for index, event in enumerate(events):
        if fault is not None and index == after:
            if kind == "cut":
                if fault.hard:
                    await drop_connection(scope, hard=False)
                return  # clean end of body, without [DONE]
            if kind == "error_event":
                yield _wire_out.sse_event(stream_error_event(fault))
                return
            if kind == "malformed":
                yield _MALFORMED_EVENT
        if delay and index:
            await asyncio.sleep(delay)
        yield event
