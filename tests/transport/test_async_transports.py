"""The fault table over both async pools (aiohttp's and httpx's) and the sync client.

Every failure a network can produce reaches the caller as the same typed error, with the same
httpx exception as its cause, whichever pool carried the request: the emulator's faults (reset
before the response, RST, a cut body, a stalled first byte, a slow stream) and the ones below
the HTTP layer that take a socket of our own to produce (refused, DNS, TLS, connect timeout,
pool timeout). `to_httpx_error` is checked class by class, since some aiohttp failures cannot
be provoked on loopback (a proxy refusing, a certificate fingerprint mismatch).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from gpt54nano_gateway import (
    AsyncGatewayClient,
    ChatRequest,
    ConfigurationError,
    GatewayClient,
    GatewayConfig,
    GatewayConnectionError,
    GatewayError,
    GatewayTimeoutError,
    PoolTimeoutError,
    RetryPolicy,
    StreamTruncatedError,
)

aiohttp = pytest.importorskip("aiohttp")
pytest.importorskip("starlette")
from gpt54nano_emulator import Fault, Reply  # noqa: E402
from gpt54nano_gateway._aiohttp_transport import to_httpx_error  # noqa: E402

REQUEST = ChatRequest.model_validate({"messages": [{"role": "user", "content": "Say hi"}]})
MODES = ["sync", "async-aiohttp", "async-httpx"]


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _no_retries() -> RetryPolicy:
    async def nap(seconds: float) -> None:
        pass

    return RetryPolicy(max_retries=0, sleep=lambda s: None, async_sleep=nap)


def fail(mode: str, *, stream: bool = False, **values: Any) -> GatewayError:
    """The error one call raises in ``mode`` (no retries), the config built from ``values``."""
    backend = mode.removeprefix("async-") if mode != "sync" else "auto"
    values.setdefault("api_token", "t")
    config = GatewayConfig(async_transport=backend, **values)

    def sync() -> None:
        client = GatewayClient(config, retry_policy=_no_retries())
        if stream:
            with client.stream(REQUEST) as chunks:
                chunks.completion()
        else:
            client.create(REQUEST)

    async def aio() -> None:
        client = AsyncGatewayClient(config, retry_policy=_no_retries())
        if stream:
            async with client.stream(REQUEST) as chunks:
                await chunks.completion()
        else:
            await client.create(REQUEST)

    with pytest.raises(GatewayError) as info:
        sync() if mode == "sync" else asyncio.run(aio())
    return info.value


def kinds(error: BaseException) -> tuple[type[BaseException], type[BaseException] | None]:
    cause = error.__cause__
    return type(error), type(cause) if cause is not None else None


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP and never says a byte (a TLS handshake there never finishes)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield int(sock.getsockname()[1])


def test_refused_is_a_connection_error(mode: str, closed_port: int) -> None:
    error = fail(
        mode,
        account_id="acct",
        base_url=f"http://127.0.0.1:{closed_port}",
        allow_insecure_http=True,
    )
    assert kinds(error) == (GatewayConnectionError, httpx.ConnectError)
    assert error.attempts == 1


def test_dns_failure_is_a_connection_error(mode: str) -> None:
    error = fail(mode, account_id="acct", base_url="https://nowhere.invalid")
    assert kinds(error) == (GatewayConnectionError, httpx.ConnectError)


def test_tls_failure_is_a_connection_error(mode: str, emulator: Any) -> None:
    # TLS to the emulator's plain-HTTP port: the handshake fails on the server's HTTP answer.
    port = emulator.base_url.split(":")[2].split("/")[0]
    error = fail(mode, account_id=emulator.account_id, base_url=f"https://127.0.0.1:{port}")
    assert kinds(error) == (GatewayConnectionError, httpx.ConnectError)


def test_connect_timeout(mode: str, silent_port: int) -> None:
    error = fail(
        mode, account_id="acct", base_url=f"https://127.0.0.1:{silent_port}", connect_timeout=0.3
    )
    assert kinds(error) == (GatewayTimeoutError, httpx.ConnectTimeout)


def _emulator_values(emulator: Any, **more: Any) -> dict[str, Any]:
    return {
        "account_id": emulator.account_id,
        "api_token": emulator.api_token,
        "base_url": emulator.base_url,
        **more,
    }


@pytest.mark.parametrize("hard", [False, True], ids=["closed", "rst"])
def test_reset_before_the_response(mode: str, emulator: Any, hard: bool) -> None:
    emulator.plan_faults(Fault(kind="reset", hard=hard), next_n=1)
    error = fail(mode, **_emulator_values(emulator))
    expected = httpx.ReadError if hard else httpx.RemoteProtocolError
    assert kinds(error) == (GatewayConnectionError, expected)


@pytest.mark.parametrize("hard", [False, True], ids=["closed", "rst"])
def test_cut_body_is_truncated(mode: str, emulator: Any, hard: bool) -> None:
    emulator.queue_reply(Reply(content="alpha beta gamma delta epsilon zeta"))
    emulator.plan_faults(Fault(kind="cut", after=3, hard=hard), next_n=1)
    error = fail(mode, stream=True, **_emulator_values(emulator))
    # A clean end of the body without [DONE] is ours to notice (no cause); a dropped connection
    # leaves the chunked body incomplete.
    expected = httpx.RemoteProtocolError if hard else None
    assert kinds(error) == (StreamTruncatedError, expected)
    assert error.partial is not None and error.partial.choices


def test_stalled_first_byte_is_a_read_timeout(mode: str, emulator: Any) -> None:
    emulator.plan_faults(Fault(kind="stall", seconds=1.0), next_n=1)
    error = fail(mode, **_emulator_values(emulator, read_timeout=0.3))
    assert kinds(error) == (GatewayTimeoutError, httpx.ReadTimeout)


def test_slow_stream_is_an_idle_timeout(mode: str, emulator: Any) -> None:
    emulator.queue_reply(Reply(content="one two three four"))
    emulator.plan_faults(Fault(kind="slow", seconds=1.0), next_n=1)
    error = fail(mode, stream=True, **_emulator_values(emulator, stream_idle_timeout=0.3))
    assert kinds(error) == (GatewayTimeoutError, httpx.ReadTimeout)


def test_pool_timeout(mode: str, emulator: Any) -> None:
    backend = mode.removeprefix("async-") if mode != "sync" else "auto"
    values = _emulator_values(emulator, max_connections=1, connect_timeout=0.2)
    config = GatewayConfig(async_transport=backend, **values)

    def sync() -> GatewayError:
        client = GatewayClient(config, retry_policy=_no_retries())
        with client.stream(REQUEST), pytest.raises(GatewayError) as info:
            client.create(REQUEST)
        return info.value

    async def aio() -> GatewayError:
        client = AsyncGatewayClient(config, retry_policy=_no_retries())
        async with client.stream(REQUEST):
            with pytest.raises(GatewayError) as info:
                await client.create(REQUEST)
        return info.value

    error = sync() if mode == "sync" else asyncio.run(aio())
    assert kinds(error) == (PoolTimeoutError, httpx.PoolTimeout)


def test_no_aiohttp_exception_in_the_chain(emulator: Any) -> None:
    # Its repr carries the request headers (the token): only httpx's exception is the cause.
    emulator.plan_faults(Fault(kind="reset", hard=True), next_n=1)
    error = fail("async-aiohttp", **_emulator_values(emulator))
    cause = error.__cause__
    assert cause is not None and cause.__cause__ is None and cause.__suppress_context__


def _request() -> httpx.Request:
    return httpx.Request("POST", "https://example.com/v1")


class _Key:
    host, port, ssl, is_ssl = "example.com", 443, True, True


_CONNECTOR_OS_ERROR = (_Key(), ConnectionRefusedError(111, "refused"))

# Every aiohttp failure class -> the httpx class httpcore raises for the same thing.
TABLE: list[tuple[Callable[[], BaseException], type[httpx.TransportError]]] = [
    (lambda: aiohttp.ConnectionTimeoutError("connect"), httpx.ConnectTimeout),
    (lambda: aiohttp.SocketTimeoutError("read"), httpx.ReadTimeout),
    (lambda: aiohttp.ServerTimeoutError("read"), httpx.ReadTimeout),
    (lambda: TimeoutError(), httpx.ReadTimeout),
    (lambda: aiohttp.ClientConnectorError(*_CONNECTOR_OS_ERROR), httpx.ConnectError),
    (lambda: aiohttp.ClientConnectorDNSError(*_CONNECTOR_OS_ERROR), httpx.ConnectError),
    (
        lambda: aiohttp.ClientConnectorSSLError(_Key(), ssl.SSLError(1, "bad")),
        httpx.ConnectError,
    ),
    (
        lambda: aiohttp.ClientConnectorCertificateError(
            _Key(), ssl.SSLCertVerificationError(1, "cert")
        ),
        httpx.ConnectError,
    ),
    (lambda: aiohttp.ClientProxyConnectionError(*_CONNECTOR_OS_ERROR), httpx.ProxyError),
    (lambda: aiohttp.ServerFingerprintMismatch(b"a", b"b", "example.com", 443), httpx.ConnectError),
    (lambda: aiohttp.ServerDisconnectedError(), httpx.RemoteProtocolError),
    (lambda: aiohttp.ClientPayloadError("incomplete chunked"), httpx.RemoteProtocolError),
    (lambda: aiohttp.ClientConnectionResetError("gone"), httpx.WriteError),
    (lambda: aiohttp.ClientOSError(104, "Connection reset by peer"), httpx.ReadError),
    (lambda: ConnectionResetError(104, "reset"), httpx.ReadError),
    (lambda: aiohttp.InvalidURL("nope"), httpx.UnsupportedProtocol),
    (lambda: aiohttp.ClientConnectionError("other"), httpx.NetworkError),
    (lambda: aiohttp.ClientError("other"), httpx.NetworkError),
]


@pytest.mark.parametrize(("make", "expected"), TABLE, ids=[e.__name__ for _, e in TABLE])
def test_every_aiohttp_failure_has_its_httpx_class(
    make: Callable[[], BaseException], expected: type[httpx.TransportError]
) -> None:
    exc = make()
    mapped = to_httpx_error(exc, _request())
    assert type(mapped) is expected
    assert type(exc).__name__ in str(mapped)


def test_aiohttp_asked_for_but_missing_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gpt54nano_gateway import _pool

    monkeypatch.setattr(_pool, "_aiohttp_installed", False)
    config = GatewayConfig(account_id="acct", api_token="t", async_transport="aiohttp")
    with pytest.raises(ConfigurationError, match="aiohttp is not installed"):
        AsyncGatewayClient(config)
    auto = GatewayConfig(account_id="acct", api_token="t")
    assert AsyncGatewayClient(auto)._backend == "httpx"
