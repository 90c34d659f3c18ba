"""`DirectBody`: the narrow hook that lets the async stream loop await a transport's reads itself.

Why: every ``async for`` over an async generator costs ~1–2 µs per item, and between a
transport's body and ``_AsyncEvents`` httpx puts three (``Response.aiter_raw``,
``BoundAsyncStream.__aiter__``, the body's own ``__aiter__``), each item a network read, i.e. about
one event of a token stream. A body that subclasses `DirectBody` (``_aiohttp_transport``'s) offers
its read coroutine; the loop awaits it and maps its failures itself, so one generator is left per
chunk. Everything else stays httpx's: the response is marked consumed, and closing goes through
``response.aclose()`` (``elapsed``, then the body's ``aclose``) exactly as ``aiter_raw`` does it.

Any other body (httpx's own pool, a mock, an injected client's transport, a compressed or already
started response) takes the general path; so does every body if httpx stops wrapping transport
streams the way this module expects (`direct_body` checks the wrapper's type).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

__all__ = ["DirectBody", "direct_body"]


class DirectBody(httpx.AsyncByteStream):
    """A response body whose reads may be awaited directly (one read per call)."""

    #: The next bytes of the body, ``b""`` at its end. Raises only ``failures`` (or cancellation).
    read: Callable[[], Awaitable[bytes]]
    #: What ``read`` raises for a network failure; `failure` turns each into httpx's exception.
    failures: tuple[type[BaseException], ...] = ()

    def failure(self, exc: BaseException) -> httpx.TransportError:
        """The httpx exception for a failure of ``read`` (the one ``__aiter__`` would raise)."""
        raise NotImplementedError


# httpx wraps a transport's stream in this to time ``response.elapsed`` (httpx._client); looked
# up defensively: without it (another httpx), no response is read directly.
_BOUND: type | None = getattr(getattr(httpx, "_client", None), "BoundAsyncStream", None)


def direct_body(response: httpx.Response) -> DirectBody | None:
    """``response``'s body if the stream loop may read it directly, else ``None``: a `DirectBody`
    under httpx's timing wrapper only, no ``content-encoding`` (the bytes read are the body, as
    with ``aiter_raw``), and not read or closed yet (those raise on the general path)."""
    stream = response.stream
    if _BOUND is None or type(stream) is not _BOUND or response.is_stream_consumed:
        return None
    body = getattr(stream, "_stream", None)
    if not isinstance(body, DirectBody) or response.is_closed:
        return None
    if response.headers.get("content-encoding", "identity") != "identity":
        return None
    return body
