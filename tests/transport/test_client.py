"""GatewayClient / AsyncGatewayClient over exact fault sequences (httpx.MockTransport).

Every test runs twice, once per client, through the ``run_io`` fixture. Real-socket behaviour
(pool reuse, real SSE framing) is covered by test_loopback.py against the emulator.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import statistics
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from gpt54nano_gateway import (
    APIStatusError,
    AsyncGatewayClient,
    BadRequestError,
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    ConfigurationError,
    GatewayClient,
    GatewayConfig,
    GatewayConnectionError,
    GatewayOptions,
    GatewayRetries,
    GatewayTimeoutError,
    InternalServerError,
    QuotaExceededError,
    RateLimitError,
    ResponseParseError,
    RetryPolicy,
    StreamError,
    StreamTruncatedError,
    _client_core,
    _pool,
    _stream,
)

TOKEN = "tok-super-secret-value"
URL = "http://127.0.0.1:9/client/v4/accounts/acct/ai/v1/chat/completions"
REQUEST = ChatRequest.model_validate({"messages": [{"role": "user", "content": "Hi"}]})
COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1776470688,
    "model": "gpt-5.4-nano-2026-03-17",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hello!", "refusal": None},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
    "gatewayMetadata": {"keySource": "Unified"},
}
GATEWAY_HEADERS = {
    "cf-aig-log-id": "log-1",
    "cf-aig-request-id": "req-1",
    "cf-aig-event-id": "evt-1",
    "cf-aig-cache-status": "MISS",
    "cf-aig-step": "0",
    "cf-ray": "ray-1",
}

Handler = Callable[[httpx.Request], httpx.Response]


def config(**overrides: Any) -> GatewayConfig:
    values: dict[str, Any] = {
        "account_id": "acct",
        "api_token": TOKEN,
        "base_url": "http://127.0.0.1:9/client/v4",
    }
    values.update(overrides)
    return GatewayConfig(**values)


def chunk(content: str | None = None, finish: str | None = None, **delta: Any) -> str:
    if content is not None:
        delta["content"] = content
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return json.dumps({"id": "c1", "object": "chat.completion.chunk", "choices": [choice]})


USAGE_CHUNK = json.dumps(
    {
        "id": "c1",
        "choices": [],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    }
)
FULL_STREAM = [
    chunk("", role="assistant"),
    chunk("Hel"),
    chunk("lo"),
    chunk(finish="stop"),
    USAGE_CHUNK,
    "[DONE]",
]


class Harness:
    """One sync and one async client over the same handler; ``run_io`` picks one per test run."""

    def __init__(
        self,
        io_mode: str,
        run_io: Callable[..., Any],
        handler: Handler,
        *,
        cfg: GatewayConfig | None = None,
        max_retries: int = 2,
    ) -> None:
        self.io_mode, self.run_io = io_mode, run_io
        self.requests: list[httpx.Request] = []
        self.slept: list[float] = []

        def recording(request: httpx.Request) -> httpx.Response:
            request.read()
            self.requests.append(request)
            return handler(request)

        async def async_sleep(seconds: float) -> None:
            self.slept.append(seconds)

        policy = RetryPolicy(
            max_retries=max_retries, jitter=False, sleep=self.slept.append, async_sleep=async_sleep
        )
        transport = httpx.MockTransport(recording)
        cfg = cfg or config()
        self.sync = GatewayClient(
            cfg, http_client=httpx.Client(transport=transport), retry_policy=policy
        )
        self.aio = AsyncGatewayClient(
            cfg, http_client=httpx.AsyncClient(transport=transport), retry_policy=policy
        )

    def create(self, request: ChatRequest = REQUEST, **kw: Any) -> ChatCompletion:
        async def go() -> ChatCompletion:
            return await self.aio.create(request, **kw)

        return self.run_io(lambda: self.sync.create(request, **kw), go)  # type: ignore[no-any-return]

    def stream(
        self, request: ChatRequest = REQUEST, **kw: Any
    ) -> tuple[list[ChatCompletionChunk], ChatCompletion]:
        """All chunks and the final completion."""

        def sync() -> tuple[list[ChatCompletionChunk], ChatCompletion]:
            with self.sync.stream(request, **kw) as stream:
                chunks = list(stream)
                return chunks, stream.completion()

        async def aio() -> tuple[list[ChatCompletionChunk], ChatCompletion]:
            async with self.aio.stream(request, **kw) as stream:
                chunks = [c async for c in stream]
                return chunks, await stream.completion()

        return self.run_io(sync, aio)  # type: ignore[no-any-return]

    def sent_body(self, index: int = -1) -> dict[str, Any]:
        return json.loads(self.requests[index].content)  # type: ignore[no-any-return]

    def sse(
        self, events: list[str], *, fail: Exception | None = None, **headers: str
    ) -> httpx.Response:
        """An event-stream response that yields one event per read, then optionally raises."""
        pieces = [f"data: {e}\n\n".encode() for e in events]
        if self.io_mode == "sync":

            def body() -> Iterator[bytes]:
                yield from pieces
                if fail is not None:
                    raise fail

            stream: Any = body()
        else:

            async def abody() -> AsyncIterator[bytes]:
                for piece in pieces:
                    yield piece
                if fail is not None:
                    raise fail

            stream = abody()
        return httpx.Response(
            200, headers={"content-type": "text/event-stream", **headers}, content=stream
        )


def sequence(*responses: httpx.Response | Exception | Callable[[], httpx.Response]) -> Handler:
    """A handler answering the given responses (or raising the given exceptions) in order."""
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item() if callable(item) else item

    return handler


def ok() -> httpx.Response:
    return httpx.Response(200, json=COMPLETION, headers=GATEWAY_HEADERS)


# --- create ---------------------------------------------------------------------------------


def test_create_sends_the_documented_request(io_mode: str, run_io: Any) -> None:
    h = Harness(io_mode, run_io, sequence(ok))
    completion = h.create()
    assert completion.choices[0].message.content == "Hello!"
    assert completion.usage is not None and completion.usage.total_tokens == 7
    sent = h.requests[0]
    assert (sent.method, str(sent.url)) == ("POST", URL)
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["user-agent"].startswith("gpt54nano/")
    assert sent.headers["content-type"] == "application/json"
    assert h.sent_body() == {
        "messages": [{"role": "user", "content": "Hi"}],
        "model": "openai/gpt-5.4-nano",
    }


def test_create_attaches_gateway_metadata(io_mode: str, run_io: Any) -> None:
    meta = Harness(io_mode, run_io, sequence(ok)).create().meta
    assert meta is not None
    assert (meta.log_id, meta.request_id, meta.event_id) == ("log-1", "req-1", "evt-1")
    assert (meta.cache_status, meta.step, meta.ray_id) == ("MISS", "0", "ray-1")
    assert (meta.key_source, meta.attempts, meta.status_code) == ("Unified", 1, 200)


def test_gateway_endpoint_uses_cf_aig_authorization(io_mode: str, run_io: Any) -> None:
    cfg = config(endpoint="gateway", base_url="http://127.0.0.1:9/v1", gateway_id="gw1")
    h = Harness(io_mode, run_io, sequence(ok), cfg=cfg)
    h.create()
    sent = h.requests[0]
    assert str(sent.url) == "http://127.0.0.1:9/v1/acct/gw1/compat/chat/completions"
    assert sent.headers["cf-aig-authorization"] == f"Bearer {TOKEN}"
    assert "authorization" not in sent.headers


def test_model_rules_are_applied(io_mode: str, run_io: Any) -> None:
    h = Harness(io_mode, run_io, sequence(ok))
    request = ChatRequest.model_validate(
        {"messages": [{"role": "user", "content": "Hi"}], "temperature": 0.2, "max_tokens": 50}
    )
    with pytest.warns(UserWarning, match="temperature"):
        h.create(request)
    body = h.sent_body()
    assert "temperature" not in body and "max_tokens" not in body
    assert body["max_completion_tokens"] == 50


def test_options_per_client_and_per_call_become_headers(io_mode: str, run_io: Any) -> None:
    cfg = config(gateway_id="gw", options=GatewayOptions(cache_ttl=120, event_id="client"))
    h = Harness(io_mode, run_io, sequence(ok), cfg=cfg)
    h.create(options=GatewayOptions(event_id="call", skip_cache=True))
    sent = h.requests[0].headers
    assert sent["cf-aig-gateway-id"] == "gw"
    assert sent["cf-aig-cache-ttl"] == "120"
    assert sent["cf-aig-event-id"] == "call"
    assert sent["cf-aig-skip-cache"] == "true"
    h.create()
    assert h.requests[1].headers["cf-aig-event-id"] == "client"
    assert "cf-aig-skip-cache" not in h.requests[1].headers


def test_429_with_retry_after_then_200(io_mode: str, run_io: Any) -> None:
    limited = httpx.Response(
        429,
        headers={"retry-after": "2"},
        json={"success": False, "errors": [{"code": 2003, "message": "Rate limited"}]},
    )
    h = Harness(io_mode, run_io, sequence(limited, ok))
    completion = h.create()
    assert h.slept == [2.0]
    assert completion.meta is not None and completion.meta.attempts == 2
    assert len(h.requests) == 2


def test_503_503_200(io_mode: str, run_io: Any) -> None:
    h = Harness(io_mode, run_io, sequence(httpx.Response(503), httpx.Response(503), ok))
    completion = h.create()
    assert h.slept == [0.5, 1.0]
    assert completion.meta is not None and completion.meta.attempts == 3


def test_200_envelope_with_a_capacity_error_is_retried_as_a_rate_limit(
    io_mode: str, run_io: Any
) -> None:
    busy = {"success": False, "errors": [{"code": 3040, "message": "Capacity exceeded"}]}
    h = Harness(io_mode, run_io, sequence(httpx.Response(200, json=busy), ok))
    assert h.create().meta.attempts == 2  # type: ignore[union-attr]
    h = Harness(io_mode, run_io, sequence(httpx.Response(200, json=busy)), max_retries=1)
    with pytest.raises(RateLimitError) as info:
        h.create()
    assert info.value.status_code == 200 and info.value.code == 3040
    assert len(h.requests) == 2


def test_retries_exhausted_raise_the_last_error(io_mode: str, run_io: Any) -> None:
    h = Harness(
        io_mode, run_io, sequence(httpx.Response(502, text="bad gateway", headers={"cf-ray": "r9"}))
    )
    with pytest.raises(InternalServerError) as info:
        h.create()
    assert info.value.attempts == 3
    assert info.value.request_id == "r9"
    assert info.value.meta is not None and info.value.meta.attempts == 3
    assert len(h.requests) == 3


def test_connect_error_is_retried_then_typed(io_mode: str, run_io: Any) -> None:
    h = Harness(io_mode, run_io, sequence(httpx.ConnectError("refused"), ok))
    assert h.create().meta.attempts == 2  # type: ignore[union-attr]
    h = Harness(io_mode, run_io, sequence(httpx.ConnectError("refused")))
    with pytest.raises(GatewayConnectionError) as info:
        h.create()
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert info.value.attempts == 3


def test_read_timeout_is_a_retried_gateway_timeout(io_mode: str, run_io: Any) -> None:
    h = Harness(io_mode, run_io, sequence(httpx.ReadTimeout("slow")), max_retries=1)
    with pytest.raises(GatewayTimeoutError) as info:
        h.create()
    assert len(h.requests) == 2
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


@pytest.mark.parametrize("code", [3036, 2045])
def test_quota_429_is_not_retried(io_mode: str, run_io: Any, code: int) -> None:
    body = {"success": False, "errors": [{"code": code, "message": "limit"}]}
    h = Harness(io_mode, run_io, sequence(httpx.Response(429, json=body)))
    with pytest.raises(QuotaExceededError):
        h.create()
    assert len(h.requests) == 1 and h.slept == []


def test_bad_request_is_not_retried(io_mode: str, run_io: Any) -> None:
    body = {"error": {"message": "Unsupported value", "type": "invalid_request_error", "code": "x"}}
    h = Harness(io_mode, run_io, sequence(httpx.Response(400, json=body)))
    with pytest.raises(BadRequestError, match="Unsupported value"):
        h.create()
    assert len(h.requests) == 1


def test_200_with_success_false_is_an_error(io_mode: str, run_io: Any) -> None:
    body = {"result": None, "success": False, "errors": [{"code": 7003, "message": "No route"}]}
    h = Harness(io_mode, run_io, sequence(httpx.Response(200, json=body)))
    with pytest.raises(APIStatusError) as info:
        h.create()
    assert (info.value.status_code, info.value.code) == (200, 7003)


def test_200_envelope_with_a_completion_result_is_unwrapped(io_mode: str, run_io: Any) -> None:
    body = {"result": COMPLETION, "success": True, "errors": [], "messages": []}
    h = Harness(io_mode, run_io, sequence(httpx.Response(200, json=body)))
    assert h.create().choices[0].message.content == "Hello!"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"method=POST pathname=/bin/chat/completions", "text/plain"),
        (b'{"contentType": "application/json", "method": "POST"}', "application/json"),
        (b'{"choices": "not a list"}', "application/json"),
    ],
)
def test_200_that_is_not_a_completion_is_a_parse_error(
    io_mode: str, run_io: Any, content: bytes, content_type: str
) -> None:
    response = httpx.Response(200, content=content, headers={"content-type": content_type})
    h = Harness(io_mode, run_io, sequence(response))
    with pytest.raises(ResponseParseError) as info:
        h.create()
    assert info.value.status_code == 200
    assert len(h.requests) == 1


def test_redirects_are_not_followed(io_mode: str, run_io: Any) -> None:
    redirect = httpx.Response(307, headers={"location": "https://evil.example/steal"})
    h = Harness(io_mode, run_io, sequence(redirect))
    with pytest.raises(APIStatusError) as info:
        h.create()
    assert info.value.status_code == 307
    assert [str(r.url) for r in h.requests] == [URL]


def test_redirects_are_not_followed_even_by_an_injected_client(io_mode: str, run_io: Any) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"location": "https://evil.example/steal"})

    transport = httpx.MockTransport(handler)
    cfg = config(max_retries=0)
    sync = GatewayClient(cfg, http_client=httpx.Client(transport=transport, follow_redirects=True))
    aio = AsyncGatewayClient(
        cfg, http_client=httpx.AsyncClient(transport=transport, follow_redirects=True)
    )

    async def go() -> ChatCompletion:
        return await aio.create(REQUEST)

    with pytest.raises(APIStatusError):
        run_io(lambda: sync.create(REQUEST), go)
    assert seen == [URL]


def test_plain_http_to_a_remote_host_is_refused_before_sending() -> None:
    with pytest.raises(ConfigurationError):
        GatewayClient(config(base_url="http://gateway.example.com/client/v4"))


def test_the_token_never_appears_in_errors(io_mode: str, run_io: Any) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400, json={"error": {"message": f"bad: {request.headers['authorization']}"}}
        )

    h = Harness(io_mode, run_io, echo)
    with pytest.raises(BadRequestError) as info:
        h.create()
    error = info.value
    for text in (str(error), repr(error), json.dumps(error.body), repr(vars(error))):
        assert TOKEN not in text


def test_the_token_never_appears_in_client_reprs() -> None:
    for client in (GatewayClient(config()), AsyncGatewayClient(config(endpoint="gateway"))):
        assert TOKEN not in repr(client)
        assert TOKEN not in repr(vars(client))
        call = client._call(REQUEST, GatewayOptions(event_id="e"), stream=True)
        assert TOKEN not in repr(call)
        assert "<redacted>" in repr(call)


def test_gateway_retries_limit_client_retries_to_one(io_mode: str, run_io: Any) -> None:
    h = Harness(io_mode, run_io, sequence(httpx.Response(503)), max_retries=5)
    options = GatewayOptions(retries=GatewayRetries(max_attempts=3, retry_delay_ms=200))
    with pytest.raises(InternalServerError):
        h.create(options=options)
    assert len(h.requests) == 2
    assert h.requests[0].headers["cf-aig-max-attempts"] == "3"


def test_overall_deadline_bounds_retries(io_mode: str, run_io: Any) -> None:
    slow_down = httpx.Response(503, headers={"retry-after": "30"})
    h = Harness(io_mode, run_io, sequence(slow_down), cfg=config(total_timeout=5.0))
    with pytest.raises(InternalServerError):
        h.create()
    assert len(h.requests) == 1 and h.slept == []


def test_debug_logging_redacts_credentials(
    io_mode: str, run_io: Any, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = config(endpoint="gateway", base_url="http://127.0.0.1:9/v1")
    h = Harness(io_mode, run_io, sequence(httpx.Response(503), ok), cfg=cfg)
    with caplog.at_level(logging.DEBUG, logger="gpt54nano_gateway"):
        h.create()
    assert "<redacted>" in caplog.text and "retrying" in caplog.text
    assert TOKEN not in caplog.text


# --- streams --------------------------------------------------------------------------------


def test_stream_yields_chunks_and_the_final_completion(io_mode: str, run_io: Any) -> None:
    h = Harness(io_mode, run_io, lambda r: h.sse(FULL_STREAM, **GATEWAY_HEADERS))
    chunks, completion = h.stream()
    assert len(chunks) == 5
    assert completion.choices[0].message.content == "Hello"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.total_tokens == 5
    assert completion.meta is not None and completion.meta.log_id == "log-1"
    body = h.sent_body()
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert h.requests[0].headers["accept"] == "text/event-stream"


def test_gzip_encoded_stream_is_decoded(io_mode: str, run_io: Any) -> None:
    payload = gzip.compress("".join(f"data: {e}\n\n" for e in FULL_STREAM).encode())
    headers = {"content-type": "text/event-stream", "content-encoding": "gzip"}
    h = Harness(io_mode, run_io, lambda r: httpx.Response(200, headers=headers, content=payload))
    _, completion = h.stream()
    assert completion.choices[0].message.content == "Hello"


def test_stream_keeps_an_explicit_include_usage(io_mode: str, run_io: Any) -> None:
    h = Harness(io_mode, run_io, lambda r: h.sse(FULL_STREAM))
    request = ChatRequest.model_validate(
        {
            "messages": [{"role": "user", "content": "Hi"}],
            "stream_options": {"include_usage": False},
        }
    )
    h.stream(request)
    assert h.sent_body()["stream_options"] == {"include_usage": False}


def test_stream_assembles_tool_calls(io_mode: str, run_io: Any) -> None:
    call = {
        "index": 0,
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": ""},
    }
    events = [
        chunk(role="assistant", tool_calls=[call]),
        chunk(tool_calls=[{"index": 0, "function": {"arguments": '{"city":'}}]),
        chunk(tool_calls=[{"index": 0, "function": {"arguments": '"Paris"}'}}]),
        chunk(finish="tool_calls"),
        "[DONE]",
    ]
    h = Harness(io_mode, run_io, lambda r: h.sse(events))
    _, completion = h.stream()
    tool_calls = completion.choices[0].message.tool_calls
    assert tool_calls is not None
    assert (tool_calls[0].id, tool_calls[0].function.name) == ("call_1", "get_weather")
    assert json.loads(tool_calls[0].function.arguments) == {"city": "Paris"}


def test_stream_opening_is_retried(io_mode: str, run_io: Any) -> None:
    answers = [httpx.Response(503)]
    h = Harness(io_mode, run_io, lambda r: answers.pop() if answers else h.sse(FULL_STREAM))
    _, completion = h.stream()
    assert completion.meta is not None and completion.meta.attempts == 2
    assert h.slept == [0.5]


def test_dropped_connection_mid_stream_is_truncation_with_partial(
    io_mode: str, run_io: Any
) -> None:
    drop = httpx.RemoteProtocolError("peer closed connection without sending complete message body")
    h = Harness(io_mode, run_io, lambda r: h.sse(FULL_STREAM[:3], fail=drop, **GATEWAY_HEADERS))
    with pytest.raises(StreamTruncatedError) as info:
        h.stream()
    assert info.value.request_id == "log-1" and info.value.meta is not None
    assert isinstance(info.value.__cause__, httpx.RemoteProtocolError)
    assert info.value.partial is not None
    assert info.value.partial.choices[0].message.content == "Hello"
    assert len(h.requests) == 1  # never retried after the first event


def test_read_error_mid_stream_is_never_a_raw_httpx_error(io_mode: str, run_io: Any) -> None:
    h = Harness(io_mode, run_io, lambda r: h.sse(FULL_STREAM[:2], fail=httpx.ReadError("reset")))
    with pytest.raises(StreamTruncatedError) as info:
        h.stream()
    assert info.value.partial is not None and info.value.partial.choices[0].message.content == "Hel"


def test_a_failure_after_done_is_ignored(io_mode: str, run_io: Any) -> None:
    # The body is drained after [DONE] so the connection can be reused; a server that stalls or
    # drops there has still delivered the whole answer.
    h = Harness(io_mode, run_io, lambda r: h.sse(FULL_STREAM, fail=httpx.ReadTimeout("idle")))
    _, completion = h.stream()
    assert completion.choices[0].message.content == "Hello"


def test_stream_without_done_and_without_finish_reason_is_truncated(
    io_mode: str, run_io: Any
) -> None:
    h = Harness(io_mode, run_io, lambda r: h.sse(FULL_STREAM[:3]))
    with pytest.raises(StreamTruncatedError, match="without \\[DONE\\]") as info:
        h.stream()
    assert info.value.partial is not None
    assert info.value.partial.choices[0].message.content == "Hello"


def test_stream_with_finish_reason_but_no_done_is_accepted(io_mode: str, run_io: Any) -> None:
    h = Harness(io_mode, run_io, lambda r: h.sse(FULL_STREAM[:-1]))
    _, completion = h.stream()
    assert completion.choices[0].message.content == "Hello"


def test_errors_event_first_raises_a_typed_stream_error(io_mode: str, run_io: Any) -> None:
    event = json.dumps({"errors": [{"code": 3040, "message": "Capacity temporarily exceeded"}]})
    h = Harness(io_mode, run_io, lambda r: h.sse([event, *FULL_STREAM]))
    with pytest.raises(StreamError) as info:
        h.stream()
    error = info.value
    assert isinstance(error, RateLimitError)  # 3040 is Cloudflare's 429 "out of capacity"
    assert error.code == 3040 and "Capacity" in error.message
    assert error.partial is not None and error.partial.choices == []


def test_openai_error_event_mid_stream_keeps_the_partial(io_mode: str, run_io: Any) -> None:
    event = json.dumps({"error": {"message": "upstream failed", "type": "server_error"}})
    h = Harness(io_mode, run_io, lambda r: h.sse([*FULL_STREAM[:3], event]))
    with pytest.raises(StreamError, match="upstream failed") as info:
        h.stream()
    assert info.value.partial is not None
    assert info.value.partial.choices[0].message.content == "Hello"


def test_read_timeout_mid_stream_is_a_timeout_with_partial(io_mode: str, run_io: Any) -> None:
    h = Harness(io_mode, run_io, lambda r: h.sse(FULL_STREAM[:2], fail=httpx.ReadTimeout("idle")))
    with pytest.raises(GatewayTimeoutError) as info:
        h.stream()
    assert info.value.partial is not None and info.value.partial.choices[0].message.content == "Hel"


def test_overall_deadline_is_checked_per_event(
    io_mode: str, run_io: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = [0]

    class FakeTime:
        """Time stands still while the call is prepared and the first event read, then jumps."""

        @staticmethod
        def monotonic() -> float:
            calls[0] += 1
            return 0.0 if calls[0] <= 3 else 99.0

    monkeypatch.setattr(_client_core, "time", FakeTime)
    monkeypatch.setattr(_stream, "time", FakeTime)
    h = Harness(io_mode, run_io, lambda r: h.sse(FULL_STREAM), cfg=config(total_timeout=10.0))
    with pytest.raises(GatewayTimeoutError, match="deadline") as info:
        h.stream()
    assert calls[0] == 4  # deadline set, request sent, first event in time, second one late
    assert info.value.partial is not None and info.value.partial.choices  # the first event


def test_stream_idle_timeout_is_the_read_timeout_of_stream_requests(
    io_mode: str, run_io: Any
) -> None:
    cfg = config(
        read_timeout=100.0, stream_idle_timeout=7.0, connect_timeout=3.0, total_timeout=None
    )
    h = Harness(
        io_mode,
        run_io,
        lambda r: h.sse(FULL_STREAM) if r.headers["accept"] != "application/json" else ok(),
        cfg=cfg,
    )
    h.stream()
    h.create()
    stream_timeout, create_timeout = (r.extensions["timeout"] for r in h.requests)
    assert stream_timeout["read"] == 7.0 and stream_timeout["connect"] == 3.0
    assert create_timeout["read"] == 100.0


def test_timeouts_are_cut_to_the_remaining_deadline(io_mode: str, run_io: Any) -> None:
    h = Harness(io_mode, run_io, sequence(ok), cfg=config(read_timeout=100.0, total_timeout=2.0))
    h.create()
    assert h.requests[0].extensions["timeout"]["read"] <= 2.0


def test_stream_answered_with_json_error_body(io_mode: str, run_io: Any) -> None:
    body = {"success": False, "errors": [{"code": 7003, "message": "No route"}]}
    h = Harness(io_mode, run_io, sequence(httpx.Response(200, json=body)))
    with pytest.raises(APIStatusError, match="No route"):
        h.stream()
    h = Harness(
        io_mode,
        run_io,
        sequence(httpx.Response(200, text="hello", headers={"content-type": "text/plain"})),
    )
    with pytest.raises(ResponseParseError, match="event stream"):
        h.stream()


def test_breaking_out_early_closes_the_response(io_mode: str, run_io: Any) -> None:
    closed: list[bool] = []

    class Tracking(httpx.ByteStream):
        def close(self) -> None:
            closed.append(True)

        async def aclose(self) -> None:
            closed.append(True)

    payload = "".join(f"data: {e}\n\n" for e in FULL_STREAM).encode()
    h = Harness(
        io_mode,
        run_io,
        lambda r: httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=Tracking(payload)
        ),
    )

    def sync() -> str:
        with h.sync.stream(REQUEST) as stream:
            for _ in stream:
                break
            return stream.snapshot().choices[0].message.content or ""

    async def aio() -> str:
        async with h.aio.stream(REQUEST) as stream:
            async for _ in stream:
                break
            return stream.snapshot().choices[0].message.content or ""

    assert run_io(sync, aio) == "Hello"  # one read holds every event; snapshot sees them
    assert closed


# --- pools and construction -----------------------------------------------------------------


def test_clients_share_one_sync_pool_and_one_ssl_context() -> None:
    a, b = GatewayClient(config()), GatewayClient(config(read_timeout=5.0))
    assert a._http is b._http
    assert a._http is _pool.sync_pool()
    a.close()
    assert not b._http.is_closed  # closing a client leaves the shared pool open
    assert _pool.shared_ssl_context() is _pool.shared_ssl_context()


def test_async_pools_are_per_event_loop_and_dead_loops_are_dropped() -> None:
    async def pool_of_this_loop() -> httpx.AsyncClient:
        a, b = AsyncGatewayClient(config()), AsyncGatewayClient(config())
        assert a._http is b._http
        return a._http

    first = asyncio.run(pool_of_this_loop())
    for _ in range(5):
        assert asyncio.run(pool_of_this_loop()) is not first
    # Pools of closed loops are dropped: only the last loop's pool is still registered.
    assert _pool.pool_count()[1] <= 1


def test_shared_pools_can_be_closed_and_are_rebuilt() -> None:
    client = GatewayClient(config())
    first = client._http
    _pool.close_sync_pools()
    assert first.is_closed
    assert client._http is not first and not client._http.is_closed  # the client carries on

    async def cycle() -> bool:
        pool = AsyncGatewayClient(config())._http
        await _pool.aclose_async_pool()
        return pool.is_closed and AsyncGatewayClient(config())._http is not pool

    assert asyncio.run(cycle())


def test_injected_http_client_is_used_and_left_open() -> None:
    http = httpx.Client(transport=httpx.MockTransport(lambda r: ok()))
    with GatewayClient(config(), http_client=http) as client:
        assert client._http is http
        client.create(REQUEST)
    assert not http.is_closed
    http.close()


def test_construction_costs_under_a_millisecond() -> None:
    cfg = config()
    GatewayClient(cfg)  # warm: the shared pool and SSL context are built once
    timings = []
    for _ in range(200):
        start = time.perf_counter()
        GatewayClient(cfg)
        AsyncGatewayClient(cfg)
        timings.append((time.perf_counter() - start) / 2)
    assert statistics.median(timings) < 0.001


def test_client_without_config_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "CLOUDFLARE_ACCOUNT_ID",
        "CF_ACCOUNT_ID",
        "CLOUDFLARE_API_TOKEN",
        "CF_AI_API_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError, match="CLOUDFLARE_API_TOKEN"):
        GatewayClient()
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", "envacct")
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", TOKEN)
    assert AsyncGatewayClient().config.account_id == "envacct"
