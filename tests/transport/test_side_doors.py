"""Side doors: credentials on an error's cause or headers, bad ports, proxies, pool limits."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
import pytest

from gpt54nano_gateway import (
    AsyncGatewayClient,
    ConfigurationError,
    GatewayClient,
    GatewayConfig,
    GatewayConnectionError,
    GatewayError,
    PoolTimeoutError,
)
from gpt54nano_gateway._pool import async_pool, pool_key, sync_pool
from gpt54nano_gateway.retry import RetryPolicy

RunIO = Callable[[Callable[[], Any], Callable[[], Any]], Any]
TOKEN = "side-door-secret-token"
REQUEST = {"messages": [{"role": "user", "content": "hi"}]}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _call(config: GatewayConfig, run_io: RunIO, **clients: Any) -> GatewayError:
    def sync() -> Any:
        return GatewayClient(config, http_client=clients.get("sync")).create(REQUEST)

    async def async_() -> Any:
        return await AsyncGatewayClient(config, http_client=clients.get("async")).create(REQUEST)

    with pytest.raises(GatewayError) as info:
        run_io(sync, async_)
    return info.value


@pytest.mark.parametrize("endpoint", ["gateway", "rest"])
def test_the_cause_of_a_connection_error_shows_no_token(endpoint: str, run_io: RunIO) -> None:
    root = "/v1" if endpoint == "gateway" else "/client/v4"
    config = GatewayConfig(
        base_url=f"http://127.0.0.1:{_free_port()}{root}",
        account_id="acct",
        api_token=TOKEN,
        endpoint=endpoint,
        max_retries=0,
    )
    error = _call(config, run_io)
    assert isinstance(error, GatewayConnectionError)
    cause = error.__cause__
    assert isinstance(cause, httpx.ConnectError)
    shown = f"{cause.request.headers!r} {dict(cause.request.headers)!r} {error!r}"
    assert TOKEN not in shown
    name = "cf-aig-authorization" if endpoint == "gateway" else "authorization"
    assert cause.request.headers[name] == "<redacted>"


def test_a_token_echoed_in_a_response_header_is_redacted(run_io: RunIO) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400,
            headers={"x-echo": request.headers["authorization"], "x-plain": "kept"},
            json={"error": {"message": "bad", "code": "x"}},
        )

    config = GatewayConfig(
        base_url="http://127.0.0.1:9/client/v4", account_id="acct", api_token=TOKEN, max_retries=0
    )
    error = _call(
        config,
        run_io,
        sync=httpx.Client(transport=httpx.MockTransport(echo)),
        **{"async": httpx.AsyncClient(transport=httpx.MockTransport(echo))},
    )
    assert error.status_code == 400
    assert dict(error.headers)["x-echo"] == "Bearer <redacted>"
    assert dict(error.headers)["x-plain"] == "kept"
    assert TOKEN not in repr(dict(error.headers))


@pytest.mark.parametrize("port", ["99999", "0", "65536", "abc", "-1"])
def test_a_base_url_with_an_invalid_port_is_refused(port: str) -> None:
    with pytest.raises(ConfigurationError, match="port"):
        GatewayConfig(base_url=f"http://127.0.0.1:{port}/client/v4", account_id="a", api_token="t")


def test_a_valid_port_is_kept() -> None:
    config = GatewayConfig(base_url="http://127.0.0.1:65535/v1", account_id="a", api_token="t")
    assert config.base_url == "http://127.0.0.1:65535/v1"


# -- proxies ----------------------------------------------------------------------------------

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture
def clean_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


def _proxy_of(**fields: Any) -> str | None:
    return pool_key(GatewayConfig(account_id="acct", api_token="t", **fields))[3]


def test_proxies_follow_the_environment_per_config(clean_proxy_env: pytest.MonkeyPatch) -> None:
    assert _proxy_of() is None
    clean_proxy_env.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    assert _proxy_of() == "http://proxy.invalid:3128"  # read per config, not frozen earlier
    assert _proxy_of(trust_env=False) is None
    assert _proxy_of(base_url="https://127.0.0.1:8443/client/v4") is None  # loopback: never
    assert _proxy_of(base_url="https://[::1]:8443/client/v4") is None
    assert _proxy_of(base_url="http://localhost:8080/client/v4") is None
    clean_proxy_env.setenv("NO_PROXY", "cloudflare.com")
    assert _proxy_of() is None
    clean_proxy_env.delenv("NO_PROXY")
    clean_proxy_env.delenv("HTTPS_PROXY")
    clean_proxy_env.setenv("ALL_PROXY", "socks5://proxy.invalid:1080")
    assert _proxy_of() == "socks5://proxy.invalid:1080"


def test_configs_with_different_proxies_use_different_pools(
    clean_proxy_env: pytest.MonkeyPatch,
) -> None:
    plain = pool_key(GatewayConfig(account_id="acct", api_token="t"))
    clean_proxy_env.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    proxied = pool_key(GatewayConfig(account_id="acct", api_token="t"))
    assert plain != proxied
    assert sync_pool(plain) is not sync_pool(proxied)


def test_loopback_never_goes_through_a_proxy(
    emulator: Any, run_io: RunIO, clean_proxy_env: pytest.MonkeyPatch
) -> None:
    dead = f"http://127.0.0.1:{_free_port()}"  # nothing listens: a proxied request would fail
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        clean_proxy_env.setenv(name, dead)
    config = GatewayConfig(
        base_url=emulator.base_url, account_id=emulator.account_id, api_token=emulator.api_token
    )

    def sync() -> Any:
        return GatewayClient(config).create(REQUEST)

    async def async_() -> Any:
        return await AsyncGatewayClient(config).create(REQUEST)

    assert "You said" in str(run_io(sync, async_).choices[0].message.content)


# -- pool limits --------------------------------------------------------------------------------


def test_limits_are_connection_settings_with_their_own_pools() -> None:
    small = GatewayConfig(account_id="acct", api_token="t", max_connections=3)
    default = GatewayConfig(account_id="acct", api_token="t")
    assert pool_key(default) == (100, 20, 15.0, pool_key(default)[3])
    assert pool_key(small)[:3] == (3, 20, 15.0)
    assert sync_pool(pool_key(small)) is not sync_pool(pool_key(default))


@pytest.mark.parametrize(
    "fields", [{"max_connections": 0}, {"max_keepalive_connections": -1}, {"keepalive_expiry": -1}]
)
def test_bad_limits_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        GatewayConfig(account_id="acct", api_token="t", **fields)


def test_pool_exhaustion_is_its_own_error_and_not_retried(emulator: Any, run_io: RunIO) -> None:
    slept: list[float] = []
    config = GatewayConfig(
        base_url=emulator.base_url,
        account_id=emulator.account_id,
        api_token=emulator.api_token,
        max_connections=1,
        connect_timeout=0.2,
    )
    policy = RetryPolicy(max_retries=2, sleep=slept.append)

    async def record(seconds: float) -> None:
        slept.append(seconds)

    apolicy = RetryPolicy(max_retries=2, async_sleep=record)

    def sync() -> Any:
        client = GatewayClient(config, retry_policy=policy)
        # The open stream holds the one connection.
        with client.stream(REQUEST), pytest.raises(PoolTimeoutError) as info:
            client.create(REQUEST)
        return info.value

    async def async_() -> Any:
        client = AsyncGatewayClient(config, retry_policy=apolicy)
        async with client.stream(REQUEST):
            with pytest.raises(PoolTimeoutError) as info:
                await client.create(REQUEST)
        assert async_pool(pool_key(config)) is not None
        return info.value

    error = run_io(sync, async_)
    assert error.attempts == 1
    assert slept == []
    assert isinstance(error.__cause__, httpx.PoolTimeout)
    assert not RetryPolicy().retryable(error)


class _CookieSetter(BaseHTTPRequestHandler):
    """Answers every chat request with a completion and a ``Set-Cookie``; records the
    ``Cookie`` header each request carried."""

    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[str | None]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        type(self).seen.append(self.headers.get("cookie"))
        body = json.dumps(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 1,
                "model": "openai/gpt-5.4-nano",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "hi"},
                        "finish_reason": "stop",
                    }
                ],
            }
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("set-cookie", "__cf_bm=from-account-a; Path=/; HttpOnly")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.mark.parametrize("async_transport", ["aiohttp", "httpx"])
def test_a_cookie_one_response_sets_never_rides_on_another_request(
    async_transport: str, run_io: RunIO
) -> None:
    # The pooled clients are shared by every config of the process: a cookie kept from account
    # A's answer would be sent with account B's token.
    _CookieSetter.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CookieSetter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/client/v4"
        configs = [
            GatewayConfig(
                account_id=account,
                api_token=f"token-{account}",
                base_url=base,
                async_transport=async_transport,
            )
            for account in ("acct-a", "acct-b", "acct-a")
        ]

        def sync() -> list[str | None]:
            for config in configs:
                assert GatewayClient(config).create(REQUEST).choices[0].message.content == "hi"
            return _CookieSetter.seen

        async def async_() -> list[str | None]:
            for config in configs:
                async with AsyncGatewayClient(config) as client:
                    answer = await client.create(REQUEST)
                    assert answer.choices[0].message.content == "hi"
            return _CookieSetter.seen

        assert run_io(sync, async_) == [None, None, None]
    finally:
        server.shutdown()
        server.server_close()
