"""The async stream loop's direct path (``_direct``): a `DirectBody`'s reads awaited by the loop.

The general path (httpx's ``aiter_raw`` over the body's ``__aiter__``) is the reference: the
direct one must give the same chunks and the same errors, release or drop the connection the same
way, and leave the response as ``aiter_raw`` leaves it (consumed, closed, ``elapsed`` set). A fake
body drives the edge cases exactly; the emulator checks the real aiohttp body.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gpt54nano_gateway import (
    AsyncGatewayClient,
    ChatRequest,
    GatewayClient,
    GatewayConfig,
    GatewayTimeoutError,
    ResponseParseError,
    RetryPolicy,
    StreamTruncatedError,
)
from gpt54nano_gateway._direct import DirectBody, direct_body

REQUEST = ChatRequest.model_validate({"messages": [{"role": "user", "content": "Say hi"}]})
EVENTS = [
    b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",'
    b'"choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}]}\n\n',
    b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",'
    b'"choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]}\n\n',
    b"data: [DONE]\n\n",
]


STALL = object()


class FakeBody(DirectBody):
    """Hands out ``items`` one per read; an exception in ``items`` is raised by that read."""

    failures = (OSError,)

    def __init__(self, items: list[Any]) -> None:
        self.items, self.reads, self.closed = list(items), 0, 0
        self.read = self._read

    async def _read(self) -> bytes:
        self.reads += 1
        if not self.items:
            return b""
        item = self.items.pop(0)
        if item is STALL:
            await asyncio.Event().wait()  # a read that never ends (until cancelled)
        if isinstance(item, BaseException):
            raise item
        return bytes(item)

    def failure(self, exc: BaseException) -> httpx.TransportError:
        return httpx.ReadError(f"mapped: {exc}")

    async def __aiter__(self) -> AsyncIterator[bytes]:  # the general path's view of the same
        try:
            while data := await self._read():
                yield data
        except self.failures as exc:
            raise self.failure(exc) from None

    async def aclose(self) -> None:
        self.closed += 1


def _client(
    items: list[Any], *, headers: dict[str, str] | None = None, **values: Any
) -> tuple[AsyncGatewayClient, list[FakeBody]]:
    bodies: list[FakeBody] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(FakeBody(items))
        head = {"content-type": "text/event-stream", **(headers or {})}
        return httpx.Response(200, headers=head, stream=bodies[-1])

    class Transport(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return await handler(request)

    config = GatewayConfig(account_id="a", api_token="t", **values)
    policy = RetryPolicy(max_retries=0)
    http = httpx.AsyncClient(transport=Transport())
    return AsyncGatewayClient(config, http_client=http, retry_policy=policy), bodies


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_a_direct_body_is_read_by_the_loop_and_released_at_its_end() -> None:
    client, bodies = _client(EVENTS)

    async def go() -> tuple[list[str], Any, httpx.Response]:
        async with client.stream(REQUEST) as chunks:
            response = chunks._response
            assert direct_body(response) is bodies[0]
            texts = [c.choices[0].delta.content or "" async for c in chunks]
            assert response.is_stream_consumed and response.is_closed
            assert response.elapsed.total_seconds() >= 0  # set by httpx's wrapper on close
            with pytest.raises(httpx.StreamConsumed):
                await response.aread()
            return texts, await chunks.completion(), response

    texts, completion, _ = _run(go())
    assert texts == ["Hel", "lo"]
    assert completion.choices[0].message.content == "Hello"
    assert bodies[0].reads == len(EVENTS) + 1 and bodies[0].closed == 1


def test_a_compressed_body_takes_the_general_path() -> None:
    client, _ = _client(EVENTS, headers={"content-encoding": "gzip"})

    async def go() -> bool:
        async with client.stream(REQUEST) as chunks:
            return direct_body(chunks._response) is None

    assert _run(go())


def test_the_direct_and_general_paths_give_the_same_chunks_and_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gpt54nano_gateway.client as client_module

    cases: list[list[Any]] = [
        EVENTS,
        [*EVENTS[:1], ConnectionResetError("rst")],  # a drop mid-stream: truncated, partial
        [*EVENTS[:1], b"data: {not json}\n\n"],  # feed's own error is not a transport error
        EVENTS[:1],  # clean end without [DONE] or finish_reason
    ]

    async def outcome(items: list[Any]) -> tuple[Any, ...]:
        client, _ = _client(items)
        seen: list[Any] = []
        try:
            async with client.stream(REQUEST) as chunks:
                async for chunk in chunks:
                    seen.append(chunk.model_dump())
        except Exception as exc:
            partial = getattr(exc, "partial", None)
            cause = type(exc.__cause__).__name__ if exc.__cause__ else None
            text = partial.choices[0].message.content if partial and partial.choices else None
            return seen, type(exc), cause, text
        return seen, None

    def run_all() -> list[tuple[Any, ...]]:
        return [_run(outcome(items)) for items in cases]

    direct = run_all()
    monkeypatch.setattr(client_module, "direct_body", lambda response: None)
    assert run_all() == direct
    assert direct[1][1:] == (StreamTruncatedError, "ReadError", "Hel")
    assert direct[2][1] is ResponseParseError
    assert direct[3][1] is StreamTruncatedError


def test_the_deadline_is_checked_per_direct_read(monkeypatch: pytest.MonkeyPatch) -> None:
    import gpt54nano_gateway._stream as stream_module

    client, _ = _client(EVENTS, total_timeout=30.0)
    now = [0.0]
    monkeypatch.setattr(stream_module.time, "monotonic", lambda: now[0])

    async def go() -> None:
        async with client.stream(REQUEST) as chunks:
            async for _ in chunks:
                now[0] = 1e9  # the next read is past any deadline

    with pytest.raises(GatewayTimeoutError) as info:
        _run(go())
    assert info.value.partial is not None and info.value.partial.choices


def test_leaving_early_or_being_cancelled_closes_the_direct_body() -> None:
    async def go() -> tuple[int, int]:
        client, bodies = _client(EVENTS)
        async with client.stream(REQUEST) as chunks:
            async for _ in chunks:
                break  # left after the first chunk
        early = bodies[0].closed

        client, bodies = _client([*EVENTS[:1], STALL])  # the second read waits

        async def consume() -> None:
            async with client.stream(REQUEST) as chunks:
                async for _ in chunks:
                    pass

        task = asyncio.ensure_future(consume())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return early, bodies[0].closed

    assert _run(go()) == (1, 1)


# -- the real aiohttp body (emulator) -------------------------------------------------------

aiohttp_required = pytest.mark.skipif(
    __import__("importlib").util.find_spec("aiohttp") is None, reason="needs the aiohttp extra"
)


def _values(emulator: Any, **more: Any) -> dict[str, Any]:
    return {
        "account_id": emulator.account_id,
        "api_token": emulator.api_token,
        "base_url": emulator.base_url,
        **more,
    }


@aiohttp_required
def test_aiohttp_streams_are_read_directly_with_the_same_chunks_as_httpx_and_sync(
    emulator: Any,
) -> None:
    def dumps(chunks: list[Any]) -> list[Any]:
        return [c.model_dump(exclude={"id", "created", "obfuscation"}) for c in chunks]

    async def on(backend: str) -> tuple[bool, list[Any], Any]:
        client = AsyncGatewayClient(GatewayConfig(async_transport=backend, **_values(emulator)))
        async with client.stream(REQUEST) as chunks:
            direct = direct_body(chunks._response) is not None
            got = [c async for c in chunks]
            final = await chunks.completion()
        return direct, dumps(got), final.choices[0].message.content

    with GatewayClient(GatewayConfig(**_values(emulator))).stream(REQUEST) as stream:
        sync = dumps(list(stream)), stream.completion().choices[0].message.content
    aio = asyncio.run(on("aiohttp"))
    general = asyncio.run(on("httpx"))
    assert aio[0] and not general[0]
    assert aio[1:] == general[1:] == sync
    assert len(sync[0]) > 2


@aiohttp_required
def test_aiohttp_stream_left_early_frees_its_slot(emulator: Any) -> None:
    config = GatewayConfig(async_transport="aiohttp", max_connections=1, **_values(emulator))

    async def go() -> str | None:
        client = AsyncGatewayClient(config, retry_policy=RetryPolicy(max_retries=0))
        for _ in range(3):  # with the one slot kept, the second stream would be a pool timeout
            async with client.stream(REQUEST) as chunks:
                async for _ in chunks:
                    break
        return (await client.create(REQUEST)).choices[0].message.content

    assert asyncio.run(go())
