"""Both clients against the real emulator over loopback HTTP (real sockets, real SSE framing).

The emulator is the independent check: it writes Cloudflare's documented bodies and headers
itself, so these tests catch a transport that only agrees with its own mocks.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from gpt54nano_gateway import (
    APIStatusError,
    AsyncGatewayClient,
    AuthenticationError,
    BadRequestError,
    ChatCompletion,
    ChatRequest,
    GatewayClient,
    GatewayConfig,
    GatewayConnectionError,
    GatewayOptions,
    GatewayTimeoutError,
    InternalServerError,
    QuotaExceededError,
    RateLimitError,
    RetryPolicy,
    StreamError,
    StreamTruncatedError,
    _pool,
)

pytest.importorskip("starlette")
from gpt54nano_emulator import Fault, Reply

REQUEST = ChatRequest.model_validate({"messages": [{"role": "user", "content": "Say hi"}]})
TOOLS_REQUEST = ChatRequest.model_validate(
    {
        "messages": [{"role": "user", "content": "Weather in Paris?"}],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
                },
            }
        ],
    }
)


@pytest.fixture(params=["sync", "async-aiohttp", "async-httpx"])
def io_mode(request: pytest.FixtureRequest) -> str:
    """Here async runs twice: on the aiohttp pool (the default with the extra) and on httpx's."""
    return str(request.param)


@pytest.fixture
def run_io(io_mode: str) -> Callable[..., Any]:
    """As in conftest; ``run_io.async_transport`` is the async pool this run uses."""

    def run(sync_fn: Callable[[], Any], async_fn: Callable[[], Any]) -> Any:
        return sync_fn() if io_mode == "sync" else asyncio.run(_call(async_fn))

    run.async_transport = io_mode.removeprefix("async-") if io_mode != "sync" else "auto"  # type: ignore[attr-defined]
    return run


async def _call(async_fn: Callable[[], Any]) -> Any:
    return await async_fn()


class Clients:
    """A sync and an async client on one config; ``run_io`` picks one per test run."""

    def __init__(self, emulator: Any, run_io: Callable[..., Any], **overrides: Any) -> None:
        self.run_io = run_io
        self.slept: list[float] = []

        async def async_sleep(seconds: float) -> None:
            self.slept.append(seconds)

        values: dict[str, Any] = {
            "account_id": emulator.account_id,
            "api_token": emulator.api_token,
            "base_url": emulator.base_url,
            "async_transport": getattr(run_io, "async_transport", "auto"),
        }
        values.update(overrides)
        self.config = GatewayConfig(**values)
        policy = RetryPolicy(
            max_retries=self.config.max_retries,
            jitter=False,
            sleep=self.slept.append,
            async_sleep=async_sleep,
        )
        self.sync = GatewayClient(self.config, retry_policy=policy)
        self.aio = AsyncGatewayClient(self.config, retry_policy=policy)

    def create(self, request: ChatRequest = REQUEST, **kw: Any) -> ChatCompletion:
        async def go() -> ChatCompletion:
            return await self.aio.create(request, **kw)

        return self.run_io(lambda: self.sync.create(request, **kw), go)  # type: ignore[no-any-return]

    def stream(self, request: ChatRequest = REQUEST, **kw: Any) -> tuple[int, ChatCompletion]:
        def sync() -> tuple[int, ChatCompletion]:
            with self.sync.stream(request, **kw) as stream:
                count = sum(1 for _ in stream)
                return count, stream.completion()

        async def aio() -> tuple[int, ChatCompletion]:
            async with self.aio.stream(request, **kw) as stream:
                count = 0
                async for _ in stream:
                    count += 1
                return count, await stream.completion()

        return self.run_io(sync, aio)  # type: ignore[no-any-return]


def test_create_against_the_emulator(emulator: Any, run_io: Any) -> None:
    emulator.queue_reply(Reply(content="Hello from the emulator"))
    completion = Clients(emulator, run_io).create()
    assert completion.choices[0].message.content == "Hello from the emulator"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.total_tokens > 0
    meta = completion.meta
    assert meta is not None
    assert meta.log_id and meta.log_id == meta.request_id and meta.ray_id
    assert (meta.step, meta.key_source, meta.attempts, meta.status_code) == ("0", "Unified", 1, 200)
    recorded = emulator.requests[-1]
    assert recorded.body["model"] == "openai/gpt-5.4-nano"
    assert recorded.headers["user-agent"].startswith("gpt54nano/")


def test_stream_against_the_emulator(emulator: Any, run_io: Any) -> None:
    emulator.queue_reply(Reply(content="one two three four five"))
    count, completion = Clients(emulator, run_io).stream()
    assert count >= 3
    assert completion.choices[0].message.content == "one two three four five"
    assert completion.usage is not None and completion.usage.completion_tokens > 0
    assert completion.meta is not None and completion.meta.log_id
    body = emulator.requests[-1].body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("streaming", [False, True])
def test_tool_calls_round_trip(emulator: Any, run_io: Any, streaming: bool) -> None:
    emulator.queue_reply(
        Reply(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}])
    )
    clients = Clients(emulator, run_io)
    completion = clients.stream(TOOLS_REQUEST)[1] if streaming else clients.create(TOOLS_REQUEST)
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.tool_calls is not None
    call = choice.message.tool_calls[0]
    assert call.id and call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}


def test_gateway_endpoint_form(emulator: Any, run_io: Any) -> None:
    clients = Clients(
        emulator,
        run_io,
        endpoint="gateway",
        base_url=emulator.gateway_base_url,
        gateway_id="default",
    )
    emulator.queue_reply(Reply(content="via gateway"))
    assert clients.create().choices[0].message.content == "via gateway"
    assert "/compat/chat/completions" in emulator.requests[-1].path


def test_wrong_token_is_an_authentication_error_without_the_token(
    emulator: Any, run_io: Any
) -> None:
    clients = Clients(emulator, run_io, api_token="wrong-token-value")
    with pytest.raises(AuthenticationError) as info:
        clients.create()
    assert info.value.request_id
    assert "wrong-token-value" not in f"{info.value} {info.value!r} {info.value.body}"


def test_unknown_gateway_is_a_bad_request(emulator: Any, run_io: Any) -> None:
    with pytest.raises(BadRequestError) as info:
        Clients(emulator, run_io, gateway_id="nope").create()
    assert info.value.code == 2001


def test_429_with_retry_after_then_success(emulator: Any, run_io: Any) -> None:
    emulator.plan_faults(Fault(kind="status", status=429, code=2003, retry_after="1"), next_n=1)
    clients = Clients(emulator, run_io)
    completion = clients.create()
    assert clients.slept == [1.0]
    assert completion.meta is not None and completion.meta.attempts == 2


def test_503_twice_then_success_for_a_stream(emulator: Any, run_io: Any) -> None:
    emulator.plan_faults(Fault(kind="status", status=503), next_n=2)
    clients = Clients(emulator, run_io)
    _, completion = clients.stream()
    assert clients.slept == [0.5, 1.0]
    assert completion.meta is not None and completion.meta.attempts == 3


def test_502_html_page_exhausts_retries(emulator: Any, run_io: Any) -> None:
    emulator.plan_faults(Fault(kind="status", status=502), next_n=5)
    clients = Clients(emulator, run_io, max_retries=1)
    with pytest.raises(InternalServerError) as info:
        clients.create()
    assert info.value.attempts == 2 and info.value.status_code == 502


def test_spend_limit_is_quota_and_not_retried(emulator: Any, run_io: Any) -> None:
    emulator.plan_faults(Fault(kind="status", status=429, code=2045), next_n=3)
    clients = Clients(emulator, run_io)
    with pytest.raises(QuotaExceededError):
        clients.create()
    assert len(emulator.requests) == 1


def test_200_envelope_with_success_false(emulator: Any, run_io: Any) -> None:
    emulator.plan_faults(Fault(kind="envelope"), next_n=1)
    with pytest.raises(APIStatusError) as info:
        Clients(emulator, run_io, max_retries=0).create()
    assert info.value.code == 3040


@pytest.mark.parametrize("hard", [False, True])
def test_connection_reset_is_retried(emulator: Any, run_io: Any, hard: bool) -> None:
    emulator.plan_faults(Fault(kind="reset", hard=hard), next_n=1)
    completion = Clients(emulator, run_io).create()
    assert completion.meta is not None and completion.meta.attempts == 2


def test_reset_every_time_is_a_connection_error(emulator: Any, run_io: Any) -> None:
    emulator.plan_faults(Fault(kind="reset"), next_n=5)
    with pytest.raises(GatewayConnectionError) as info:
        Clients(emulator, run_io, max_retries=1).create()
    assert info.value.attempts == 2


@pytest.mark.parametrize("hard", [False, True])
def test_cut_stream_is_truncated_with_partial(emulator: Any, run_io: Any, hard: bool) -> None:
    emulator.queue_reply(Reply(content="alpha beta gamma delta epsilon zeta"))
    emulator.plan_faults(Fault(kind="cut", after=3, hard=hard), next_n=1)
    with pytest.raises(StreamTruncatedError) as info:
        Clients(emulator, run_io).stream()
    partial = info.value.partial
    assert partial is not None and partial.choices
    assert "alpha beta gamma delta epsilon zeta".startswith(
        partial.choices[0].message.content or ""
    )
    assert len(emulator.requests) == 1  # never retried once events arrived


def test_error_event_mid_stream(emulator: Any, run_io: Any) -> None:
    emulator.queue_reply(Reply(content="alpha beta gamma delta"))
    emulator.plan_faults(Fault(kind="error_event", after=2, message="upstream broke"), next_n=1)
    with pytest.raises(StreamError, match="upstream broke") as info:
        Clients(emulator, run_io).stream()
    assert info.value.partial is not None


def test_stalled_first_byte_hits_the_read_timeout(emulator: Any, run_io: Any) -> None:
    emulator.plan_faults(Fault(kind="stall", seconds=1.0), next_n=1)
    with pytest.raises(GatewayTimeoutError):
        Clients(emulator, run_io, read_timeout=0.2, max_retries=0).create()


def test_slow_stream_hits_the_idle_timeout_with_partial(emulator: Any, run_io: Any) -> None:
    emulator.queue_reply(Reply(content="alpha beta gamma delta"))
    emulator.plan_faults(Fault(kind="slow", seconds=1.0), next_n=1)
    with pytest.raises(GatewayTimeoutError) as info:
        Clients(emulator, run_io, stream_idle_timeout=0.2, max_retries=0).stream()
    assert info.value.partial is not None


def test_gateway_options_reach_the_gateway_and_cache_hits(emulator: Any, run_io: Any) -> None:
    clients = Clients(emulator, run_io)
    options = GatewayOptions(cache_ttl=300, metadata={"user": 7}, event_id="evt-42")
    first = clients.create(options=options)
    second = clients.create(options=options)
    assert first.meta is not None and second.meta is not None
    assert (first.meta.cache_status, second.meta.cache_status) == ("MISS", "HIT")
    assert second.meta.event_id == "evt-42"
    headers = emulator.requests[0].headers
    assert headers["cf-aig-cache-ttl"] == "300"
    assert json.loads(headers["cf-aig-metadata"]) == {"user": 7}


def test_clients_built_per_request_reuse_one_connection(emulator: Any, run_io: Any) -> None:
    values = {"account_id": emulator.account_id, "api_token": emulator.api_token}
    backend = run_io.async_transport
    config = GatewayConfig(base_url=emulator.base_url, async_transport=backend, **values)
    origin = emulator.root_url

    def sync() -> list[str]:
        for _ in range(3):
            client = GatewayClient(config)
            client.create(REQUEST)
            with client.stream(REQUEST) as stream:  # a finished stream frees its connection
                stream.completion()
        return _connections(_pool.sync_pool(), origin)

    async def aio() -> list[str]:
        idle: set[int] = set()
        for _ in range(3):
            client = AsyncGatewayClient(config)
            await client.create(REQUEST)
            idle |= _idle_aiohttp(client._http) if backend == "aiohttp" else set()
            async with client.stream(REQUEST) as stream:
                await stream.completion()
            idle |= _idle_aiohttp(client._http) if backend == "aiohttp" else set()
        if backend == "aiohttp":  # one connection object was idle after each of the six calls
            return [f"Request Count: {6 if len(idle) == 1 else 0}]>"] * len(idle)
        return _connections(_pool.async_pool(), origin)

    connections = run_io(sync, aio)
    assert len(connections) == 1
    served = int(connections[0].rsplit("Request Count: ", 1)[1].rstrip("]>"))
    assert served >= 6  # one TCP connection served all six calls of three clients


def _idle_aiohttp(client: httpx.AsyncClient) -> set[int]:
    session = client._transport._session  # type: ignore[attr-defined]
    return {id(proto) for idle in session.connector._conns.values() for proto, _ in idle}


def _connections(client: httpx.Client | httpx.AsyncClient, origin: str) -> list[str]:
    pool = client._transport._pool  # type: ignore[union-attr]
    return [repr(c) for c in pool.connections if f"'{origin}'" in repr(c)]


def test_rate_limit_mid_stream_error_is_typed(emulator: Any, run_io: Any) -> None:
    emulator.plan_faults(Fault(kind="error_event", after=0, code=3040, message="busy"), next_n=1)
    with pytest.raises(StreamError) as info:
        Clients(emulator, run_io).stream()
    assert info.value.code == 3040
    assert isinstance(info.value, RateLimitError)
