"""`AiohttpTransport`: an ``httpx.AsyncBaseTransport`` on an ``aiohttp`` connection pool.

Why: httpcore's async pool scans every connection on every request, so at a few hundred requests
in flight its CPU per request grows several times over (benchmarks/RESULTS.md, "256 in flight");
aiohttp's connector does not. The clients keep speaking httpx (requests, responses, exceptions),
so everything above the transport (`ClientCore`'s retries, deadlines, error mapping, streaming)
is the same code on both backends: this module's one job is to turn aiohttp's results and
failures into httpx's, exactly, so that ``ClientCore._transport_error`` types them as it types
httpcore's (`to_httpx_error` is the table).

What carries over from the httpx pool:

- per-request timeouts from the request's ``timeout`` extension: ``connect`` bounds DNS + TCP +
  TLS (aiohttp's ``connect``), ``read`` bounds every wait for bytes (aiohttp's ``sock_read`` up
  to the response headers, then a `_ReadWatch` for the body's reads), ``pool``
  bounds the wait for a free slot (our own semaphore of ``max_connections``, so a full pool is
  an ``httpx.PoolTimeout`` as with httpcore, not a connect timeout);
- the process's one TLS context, no redirects, no cookie jar (the pooled httpx client keeps
  none either: ``_pool._NoCookies``), no environment proxies (the proxy is resolved per
  config), no decompression (httpx decodes ``content-encoding`` itself, so ``iter_raw`` still
  means the raw bytes);
- a response closed before its end drops its connection; a finished one goes back to the pool.

aiohttp has no limit on *idle* connections, only their expiry (``keepalive_expiry``), so
``max_keepalive_connections`` does not apply on this backend.

Lifetime: a session belongs to one event loop; ``_pool`` keeps one transport per loop and pool
key, and forgets (never closes) a parent's transports in a forked child, as for httpx's.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncGenerator, AsyncIterator
from functools import lru_cache
from typing import Any

import aiohttp
import httpx
from yarl import URL

from ._direct import DirectBody

__all__ = ["AiohttpTransport", "to_httpx_error"]


def to_httpx_error(exc: BaseException, request: httpx.Request) -> httpx.TransportError:
    """The httpx exception httpcore raises for the same failure (pure; order matters, the
    aiohttp classes overlap: every timeout is also a connection error, DNS and TLS failures are
    connector errors). The aiohttp exception is not kept as the cause: its repr carries the
    request's headers, the API token among them; its type and text are in the message."""
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    cls: type[httpx.TransportError]
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        cls = httpx.ConnectTimeout  # DNS, TCP or TLS not done within ``connect``
    elif isinstance(exc, aiohttp.ServerTimeoutError | asyncio.TimeoutError):
        cls = httpx.ReadTimeout  # no byte within ``read`` (SocketTimeoutError)
    elif isinstance(exc, aiohttp.ClientProxyConnectionError | aiohttp.ClientHttpProxyError):
        cls = httpx.ProxyError
    elif isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ServerFingerprintMismatch):
        cls = httpx.ConnectError  # refused, DNS, TLS handshake or certificate
    elif isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        # Closed before (or in the middle of) the response: httpcore says RemoteProtocolError.
        cls = httpx.RemoteProtocolError
    elif isinstance(exc, aiohttp.ClientResponseError):
        cls = httpx.RemoteProtocolError  # an unparsable status line or headers
    elif isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
        cls = httpx.UnsupportedProtocol
    elif isinstance(exc, aiohttp.ClientConnectionResetError):
        cls = httpx.WriteError  # the socket was gone when the request was written
    elif isinstance(exc, OSError):
        cls = httpx.ReadError  # ECONNRESET (an RST) and the other socket errors
    else:
        cls = httpx.NetworkError  # any other aiohttp.ClientError
    return cls(detail, request=request)


# What `handle_async_request` and the body iterator turn into httpx exceptions: every aiohttp
# failure, timeouts, socket errors, and the ValueError aiohttp raises for a malformed URL or
# header it refuses to send.
_FAILURES = (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError)


@lru_cache(maxsize=256)
def _client_timeout(connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
    # Cached: the clients reuse a handful of timeout pairs (deadline-cut ones are rarer).
    return aiohttp.ClientTimeout(total=None, connect=connect, sock_read=read)


@lru_cache(maxsize=64)
def _url(url: str) -> URL:
    return URL(url, encoded=True)  # httpx has already encoded it


class _ReadWatch:
    """The ``read`` timeout of a response body, on one timer per timeout period.

    Why: aiohttp's ``sock_read`` cancels and re-arms a timer on every socket read, ~21,000
    instructions per read, the largest part of an async stream chunk's cost beyond raw aiohttp
    (benchmarks/callgrind_async.py). Here a read only notes when it started waiting; the timer,
    armed at that start plus the timeout, fails the wait if it is still the same one and
    otherwise re-arms itself for the current wait. So a read that waits longer than the timeout
    fails (aiohttp's ``SocketTimeoutError``, an ``httpx.ReadTimeout``), and time spent by a slow
    consumer between reads is not counted, as with ``sock_read``. With no read waiting, a firing
    timer is not re-armed (the next read arms it): a dropped body keeps no timer alive.
    """

    __slots__ = ("_content", "_handle", "_loop", "_since", "_timeout")

    def __init__(self, content: aiohttp.StreamReader, timeout: float) -> None:
        self._content, self._timeout = content, timeout
        self._loop = asyncio.get_running_loop()
        self._since: float | None = None  # when the pending read started waiting, if one is
        self._handle: asyncio.TimerHandle | None = None

    async def read(self) -> bytes:
        self._since = since = self._loop.time()
        if self._handle is None:
            self._handle = self._loop.call_at(since + self._timeout, self._check)
        data = await self._content.readany()
        self._since = None
        return data

    def _check(self) -> None:
        since = self._since
        if since is None:
            self._handle = None
            return
        due = since + self._timeout
        if self._loop.time() < due:  # a later read than the one the timer was armed for
            self._handle = self._loop.call_at(due, self._check)
            return
        self._handle = None
        self._content.set_exception(aiohttp.SocketTimeoutError("Timeout on reading data"))

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


def _take_over_read_timeout(response: aiohttp.ClientResponse) -> bool:
    """Stop aiohttp's per-read timer for the rest of ``response`` (its headers are in), so that
    a `_ReadWatch` bounds the body's reads instead. ``False`` where that cannot be done (the
    body is complete and its connection already released, or an aiohttp without the
    protocol's ``read_timeout`` property): aiohttp's own ``sock_read`` then stays on."""
    connection = response.connection
    protocol = connection.protocol if connection is not None else None
    if protocol is None or not isinstance(getattr(type(protocol), "read_timeout", None), property):
        return False
    protocol.read_timeout = None  # its next read drops the timer it armed for this one
    return True


class _Body(DirectBody):
    """A response body read from aiohttp, failures as httpx exceptions; closing frees the slot.

    As a `DirectBody`, the async stream loop awaits ``read`` itself and maps its ``failures``
    with `failure`, the same mapping as ``__aiter__``'s, without the layers. ``read`` is
    ``content.readany``, behind a `_ReadWatch` when there is a read timeout to keep."""

    failures = _FAILURES

    def __init__(
        self,
        response: aiohttp.ClientResponse,
        request: httpx.Request,
        slots: asyncio.Semaphore,
        read_timeout: float | None,
    ) -> None:
        self._response, self._request, self._slots = response, request, slots
        self._closed = False
        self._watch: _ReadWatch | None = None
        if read_timeout is not None and _take_over_read_timeout(response):
            self._watch = _ReadWatch(response.content, read_timeout)
            self.read = self._watch.read
        else:
            self.read = response.content.readany

    def failure(self, exc: BaseException) -> httpx.TransportError:
        return to_httpx_error(exc, self._request)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        read = self.read
        try:
            while data := await read():
                yield data
        except _FAILURES as exc:
            raise to_httpx_error(exc, self._request) from None

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._watch is not None:
            self._watch.cancel()
        response = self._response
        try:
            if response.content.at_eof():
                response.release()  # read to the end: the connection goes back to the pool
            else:
                response.close()  # unfinished: drop the connection, never reuse it
        finally:
            self._slots.release()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """``httpx.AsyncClient(transport=AiohttpTransport(...))``: httpx's API on aiohttp's pool."""

    def __init__(
        self,
        *,
        limits: httpx.Limits | None = None,
        ssl_context: ssl.SSLContext | None = None,
        proxy: str | None = None,
    ) -> None:
        limits = limits or httpx.Limits()
        self._max = limits.max_connections or 0  # None: no limit
        self._expiry = limits.keepalive_expiry
        self._ssl: ssl.SSLContext | bool = ssl_context if ssl_context is not None else True
        self._proxy = proxy
        self._session: aiohttp.ClientSession | None = None
        self._slots: asyncio.Semaphore | None = None
        self._closer: AsyncGenerator[None, None] | None = None

    def _open_session(self) -> tuple[aiohttp.ClientSession, asyncio.Semaphore]:
        # Built on first use, inside the loop that will run it (a session is bound to its loop).
        connector = aiohttp.TCPConnector(
            ssl=self._ssl,
            limit=0,  # the semaphore below is the limit, so a full pool is a PoolTimeout
            keepalive_timeout=self._expiry if self._expiry is not None else 15.0,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),  # a shared pool keeps no cookies (_pool)
            auto_decompress=False,  # httpx decodes content-encoding itself
            trust_env=False,  # the proxy is resolved per config (_pool.resolve_proxy)
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
        )
        # A huge bound when unlimited: one code path, and a semaphore never blocks below it.
        self._slots = asyncio.Semaphore(self._max or 1 << 30)
        return self._session, self._slots

    @staticmethod
    async def _close_with_the_loop(session: aiohttp.ClientSession) -> AsyncGenerator[None, None]:
        # An async generator left suspended is closed by ``loop.shutdown_asyncgens()``, which
        # ``asyncio.run`` (and anyio, pytest-asyncio) call before closing the loop: so the shared
        # session is closed inside its loop, instead of aiohttp logging "Unclosed client
        # session" when a pool of a finished ``asyncio.run`` is dropped.
        try:
            yield
        finally:
            if not session.closed:
                await session.close()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session, slots = self._session, self._slots
        if session is None or slots is None:
            session, slots = self._open_session()
            self._closer = self._close_with_the_loop(session)
            await self._closer.__anext__()
        timeouts: dict[str, Any] = request.extensions.get("timeout", {})
        if slots.locked():
            try:
                async with asyncio.timeout(timeouts.get("pool")):
                    await slots.acquire()
            except TimeoutError:
                raise httpx.PoolTimeout(
                    "no connection free within the pool timeout", request=request
                ) from None
        else:
            await slots.acquire()  # free: returns without suspending
        try:
            body = request.content if isinstance(request.stream, httpx.ByteStream) else None
            if body is None:
                body = await request.aread()
            response = await session.request(
                request.method,
                _url(str(request.url)),
                data=body,
                headers=request.headers.multi_items(),
                allow_redirects=False,
                proxy=self._proxy,
                timeout=_client_timeout(timeouts.get("connect"), timeouts.get("read")),
            )
        except BaseException as exc:
            slots.release()
            if isinstance(exc, _FAILURES):
                raise to_httpx_error(exc, request) from None
            raise
        return httpx.Response(
            response.status,
            headers=response.raw_headers,
            stream=_Body(response, request, slots, timeouts.get("read")),
            request=request,
            extensions={
                "http_version": f"HTTP/{response.version.major}.{response.version.minor}".encode()
                if response.version is not None
                else b"HTTP/1.1",
                "reason_phrase": (response.reason or "").encode(),
            },
        )

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def is_closed(self) -> bool:
        """No session open (none yet, or closed)."""
        return self._session is None or self._session.closed
