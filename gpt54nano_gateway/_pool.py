"""Process-wide connection pools, so that building a client per request stays cheap.

Building an ``ssl.SSLContext`` costs ~20 ms and a fresh ``httpx.Client`` pays a TCP+TLS handshake
on its first request; code that creates a model object per request (common under LangChain and
LlamaIndex) would pay both every time. So:

- one ``SSLContext`` is built on first use and shared by every pooled client;
- clients with equal connection settings (`pool_key`: limits and proxy) share one
  ``httpx.Client`` per process;
- async clients share one ``httpx.AsyncClient`` per event loop (an ``AsyncClient`` is bound to the
  loop its connections were opened on), and a loop's pools are closed when that loop ends.

Event loops: no pooled socket may outlive its loop. A socket still open when its loop closes is
a ``ResourceWarning: unclosed transport`` (an error under ``-W error``, and a failed test for the
next test of a pytest-asyncio suite), and makes uvloop's ``loop.close()`` raise ``OSError: [Errno
16]``. asyncio has no "loop closing" callback, but every runner (``asyncio.run``, ``asyncio.Runner``
and so pytest-asyncio, ``uvloop.run``) calls ``loop.shutdown_asyncgens()`` before it closes the
loop, and that closes every async generator started on the loop. So the first pool of a loop
starts one small generator there (`_close_at_shutdown`), parked at its ``yield``; when the loop
shuts down, its ``finally`` closes that loop's pools, and only that loop's. A loop closed
without ``shutdown_asyncgens`` (a bare ``loop.close()``) gets its pools dropped on the next
lookup from another loop, as before (they cannot be closed without a running loop).

Async backend: with the ``aiohttp`` extra installed, the async pools run on aiohttp's connection
pool (``_aiohttp_transport``: httpcore's pool costs several times more CPU per request at a few
hundred requests in flight); ``GatewayConfig(async_transport="httpx")`` keeps httpcore's. The
backend is part of the lookup key, and the same per-loop and fork rules apply to both.

Fork safety: a child process never touches its parent's pools. ``os.register_at_fork`` gives the
child a fresh lock (another thread may have held it at the fork) and empty pool tables, so its
first request opens its own connections. The inherited clients are only forgotten, never closed:
their sockets are shared with the parent, and closing (or finalising) them in the child could
disturb the parent's connections, so they are parked in ``_forked_away`` for the child's lifetime.

Proxies follow the standard variables as httpx reads them, but are resolved per config by
`resolve_proxy` (not frozen when the first pool was built), never apply to a loopback host, and are
off with ``GatewayConfig(trust_env=False)``.

Timeouts are not connection settings: the clients pass them per request, so every client shares
the same pool whatever its timeouts. The pooled clients never follow redirects and keep no
cookies (`_NoCookies`).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import ssl
import sys
import threading
import urllib.request
import weakref
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import urlsplit

import httpx

if TYPE_CHECKING:
    import asyncio

    from .config import GatewayConfig

__all__ = [
    "DEFAULT_POOL_KEY",
    "AsyncBackend",
    "PoolKey",
    "aclose_async_pool",
    "async_backend",
    "async_pool",
    "close_sync_pools",
    "pool_count",
    "pool_key",
    "resolve_proxy",
    "shared_ssl_context",
    "sync_pool",
]

# (max_connections, max_keepalive_connections, keepalive_expiry, proxy URL or None): what the
# pooled httpx clients are built with, taken from the config (`pool_key`), so configs with
# different limits or proxies get different pools. httpx's own default limits (100 / 20):
# httpcore's pool scans every connection per request, so larger limits cost ~9x the CPU per
# request at 256 in flight (benchmarks/RESULTS.md); async clients use aiohttp's pool instead
# when the `aiohttp` extra is installed (`async_backend`).
PoolKey = tuple[int, int, float, str | None]
DEFAULT_POOL_KEY: PoolKey = (100, 20, 15.0, None)


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_proxy(url: str, trust_env: bool) -> str | None:
    """The proxy a request to ``url`` goes through: ``HTTPS_PROXY`` / ``HTTP_PROXY`` (by the
    URL's scheme), else ``ALL_PROXY``, unless ``NO_PROXY`` matches the host; never one for a
    loopback host, and none at all with ``trust_env=False``. Read when called (once per client,
    not per request), so a change in the environment applies to configs built after it."""
    if not trust_env:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    if _is_loopback(host):
        return None
    proxies = urllib.request.getproxies_environment()
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
    if proxies.get("no") and bypass(host, proxies):
        return None
    return proxies.get(parts.scheme) or proxies.get("all") or None


AsyncBackend = Literal["httpx", "aiohttp"]
_aiohttp_installed: bool | None = None


def async_backend(config: GatewayConfig) -> AsyncBackend:
    """The async pool ``config`` uses: aiohttp when installed (``"auto"``) or asked for, httpx
    when asked for or when the proxy is not an HTTP(S) one (aiohttp speaks only those)."""
    global _aiohttp_installed
    choice = config.async_transport
    if choice == "httpx":
        return "httpx"
    if _aiohttp_installed is None:
        import importlib.util  # here, not at import: once per process, off the import path

        _aiohttp_installed = importlib.util.find_spec("aiohttp") is not None
    proxy = resolve_proxy(config.chat_completions_url, config.trust_env)
    usable = proxy is None or urlsplit(proxy).scheme in ("http", "https")
    if choice == "aiohttp" and not (_aiohttp_installed and usable):
        from .errors import ConfigurationError

        why = (
            "aiohttp is not installed (pip install 'gpt54nano[aiohttp]')"
            if not _aiohttp_installed
            else f"the proxy {proxy!r} is not an HTTP(S) one"
        )
        raise ConfigurationError(f"async_transport='aiohttp': {why}")
    return "aiohttp" if _aiohttp_installed and usable else "httpx"


def pool_key(config: GatewayConfig) -> PoolKey:
    """The connection settings of ``config`` that decide which shared pool it uses."""
    return (
        config.max_connections,
        config.max_keepalive_connections,
        config.keepalive_expiry,
        resolve_proxy(config.chat_completions_url, config.trust_env),
    )


_lock = threading.Lock()
_ssl_context: ssl.SSLContext | None = None
_sync: dict[PoolKey, httpx.Client] = {}
_async: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[PoolKey, AsyncBackend], httpx.AsyncClient]
] = weakref.WeakKeyDictionary()
# One `_close_at_shutdown` generator per loop with pools: referenced here, since the loop itself
# holds its generators only weakly.
_closers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncGenerator[None, None]] = (
    weakref.WeakKeyDictionary()
)


# Pools inherited over fork(): kept referenced so the child never finalises the parent's sockets.
_forked_away: list[object] = []


def _after_fork_in_child() -> None:
    global _lock
    _lock = threading.Lock()  # the parent's may have been held by a thread that is gone here
    _forked_away.append((dict(_sync), dict(_async), dict(_closers)))
    _sync.clear()
    _async.clear()
    _closers.clear()


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_after_fork_in_child)


def shared_ssl_context() -> ssl.SSLContext:
    """The process's one TLS context (certifi roots, as httpx uses by default)."""
    global _ssl_context
    if _ssl_context is None:
        with _lock:
            if _ssl_context is None:
                _ssl_context = httpx.create_ssl_context()
    return _ssl_context


def _limits(key: PoolKey) -> httpx.Limits:
    return httpx.Limits(
        max_connections=key[0], max_keepalive_connections=key[1], keepalive_expiry=key[2]
    )


class _NoCookies(httpx.Cookies):
    """A cookie store that keeps nothing, for the pooled clients.

    A pool is shared by every config in the process (other accounts, other tokens), so a cookie
    one response sets must not ride along on another credential's requests; Cloudflare's API
    authenticates by token, never by cookie (the aiohttp pool has no jar either). Keeping none
    also skips httpx's per-response extraction, which builds a urllib request and an
    ``email.message`` for every response even when it sets no cookie: about a quarter of the
    transport's instructions per request (benchmarks/callgrind_requests.py).
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


C = TypeVar("C", httpx.Client, httpx.AsyncClient)


def _keep_no_cookies(client: C) -> C:
    # httpx offers no public way to replace a client's cookie store (its constructor and
    # setter copy into a plain `Cookies`), so this sets the attribute `client.cookies` reads,
    # after checking it is there; on a layout it does not recognise, the client keeps its
    # cookies as before (costlier, not wrong for one credential).
    if type(getattr(client, "_cookies", None)) is httpx.Cookies:
        client._cookies = _NoCookies()
    return client


def _httpx_options(key: PoolKey, context: ssl.SSLContext) -> dict[str, Any]:
    """The options of a pooled client on httpx's own transport, sync or async."""
    return {
        "verify": context,
        "limits": _limits(key),
        "proxy": key[3],
        "trust_env": False,  # proxies are resolved per config (resolve_proxy)
        "follow_redirects": False,
        "timeout": None,
    }


def sync_pool(key: PoolKey = DEFAULT_POOL_KEY) -> httpx.Client:
    """The shared ``httpx.Client`` for ``key`` (created on first use, never closed by clients)."""
    client = _sync.get(key)
    if client is None or client.is_closed:
        context = shared_ssl_context()
        with _lock:
            client = _sync.get(key)
            if client is None or client.is_closed:
                client = _keep_no_cookies(httpx.Client(**_httpx_options(key, context)))
                _sync[key] = client
    return client


def _async_client(key: PoolKey, backend: AsyncBackend) -> httpx.AsyncClient:
    context = shared_ssl_context()
    if backend == "aiohttp":
        from ._aiohttp_transport import AiohttpTransport  # aiohttp loads on first use only

        transport = AiohttpTransport(limits=_limits(key), ssl_context=context, proxy=key[3])
        # No proxy= here: httpx would mount its own transport for it, around ours.
        return _keep_no_cookies(
            httpx.AsyncClient(
                transport=transport, trust_env=False, follow_redirects=False, timeout=None
            )
        )
    return _keep_no_cookies(httpx.AsyncClient(**_httpx_options(key, context)))


def async_pool(
    key: PoolKey = DEFAULT_POOL_KEY, backend: AsyncBackend = "httpx"
) -> httpx.AsyncClient:
    """The shared ``httpx.AsyncClient`` for ``key`` and ``backend`` on the running event loop."""
    # asyncio is loaded whenever a loop runs; looking it up keeps it out of our import.
    loop: asyncio.AbstractEventLoop = sys.modules["asyncio"].get_running_loop()
    pools = _async.get(loop)
    client = pools.get((key, backend)) if pools is not None else None
    if client is not None and not client.is_closed:
        return client
    shared_ssl_context()  # built outside the lock, which it takes
    with _lock:
        # A new loop is the moment old ones are likely dead: drop their pools. Their idle
        # connections hold a reference to their loop, so the weak key alone would not free them.
        for dead in [other for other in _async if other.is_closed()]:
            del _async[dead]
            _closers.pop(dead, None)
        pools = _async.setdefault(loop, {})
        client = pools.get((key, backend))
        if client is None or client.is_closed:
            client = _async_client(key, backend)
            pools[(key, backend)] = client
        start_closer = loop not in _closers
        if start_closer:
            closer = _closers[loop] = _close_at_shutdown(loop)
    if start_closer:
        _start(closer, loop)
    return client


async def _close_at_shutdown(loop: asyncio.AbstractEventLoop) -> AsyncGenerator[None, None]:
    """Parked at its ``yield`` for the loop's lifetime; closed by ``loop.shutdown_asyncgens()``
    (every runner calls it before closing the loop), it closes the loop's pools."""
    try:
        yield
    finally:
        with _lock:
            pools = _async.pop(loop, None) or {}
            _closers.pop(loop, None)
        for client in pools.values():
            await client.aclose()


def _start(closer: AsyncGenerator[None, None], loop: asyncio.AbstractEventLoop) -> None:
    """Run ``closer`` to its ``yield``, here and now: its first step registers it with the
    running loop (the loop's asyncgen hooks), so that the loop's shutdown closes it."""
    if getattr(loop, "_asyncgens_shutdown_called", False):
        return  # already shutting down: starting one now would only warn; dropped as before
    with contextlib.suppress(StopIteration):  # StopIteration: parked at its yield
        next(closer.asend(None).__await__())


def close_sync_pools() -> None:
    """Close the shared sync pools and their idle connections (a new pool is built on next use).
    For tests that count sockets, and for an orderly shutdown."""
    with _lock:
        clients = list(_sync.values())
        _sync.clear()
    for client in clients:
        client.close()


async def aclose_async_pool() -> None:
    """Close the running loop's shared async pool (a new one is built on next use)."""
    loop: asyncio.AbstractEventLoop = sys.modules["asyncio"].get_running_loop()
    with _lock:
        pools = _async.pop(loop, {})
    for client in pools.values():
        await client.aclose()


def pool_count() -> tuple[int, int]:
    """(sync pools, event loops with async pools): for tests of the no-leak rule."""
    return len(_sync), len(_async)
