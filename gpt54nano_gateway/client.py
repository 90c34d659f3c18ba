"""`GatewayClient` and `AsyncGatewayClient`: thin mirrored I/O shells over `ClientCore`.

The two classes are the same code, method for method; they differ only by ``await``. Everything
that is not I/O (request building, retry decisions, error mapping, parsing) lives in
``_client_core.py``, SSE handling in ``_stream.py``; both are written once.

Streams: only the opening (up to the response headers) is retried. After ``data: [DONE]`` the
rest of the body is still read (normally just the end of the chunked body), so that the
connection goes back to the pool; a failure during that drain is ignored.

::

    with GatewayClient(GatewayConfig.from_env()) as client:
        completion = client.create(ChatRequest.model_validate({"messages": [...]}))
        with client.stream(request) as stream:
            for chunk in stream:
                ...
            final = stream.completion()
"""

from __future__ import annotations

from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Callable,
    Generator,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    asynccontextmanager,
    contextmanager,
)
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import httpx

from ._client_core import (
    TIMER_SLACK,
    Call,
    ClientCore,
    is_event_stream,
    is_json,
    is_uncompressed,
)
from ._direct import direct_body
from ._pool import async_backend, async_pool, pool_key, sync_pool
from ._stream import StreamCore
from .accumulator import StreamAccumulator
from .config import GatewayConfig
from .errors import GatewayError
from .meta import GatewayMeta
from .model_rules import apply_model_rules
from .options import GatewayOptions
from .retry import RetryPolicy
from .wire import ChatCompletion, ChatCompletionChunk, ChatRequest

if TYPE_CHECKING:
    from .responses_client import AsyncResponses, Responses

# Per-call gateway options: the typed object, or a mapping of its fields.
Options = GatewayOptions | Mapping[str, Any] | None
E = TypeVar("E")
R = TypeVar("R")
S = TypeVar("S", bound="_Events[Any, Any]")
AS = TypeVar("AS", bound="_AsyncEvents[Any, Any]")
E_co = TypeVar("E_co", covariant=True)
R_co = TypeVar("R_co", covariant=True)


class _Core(Protocol[E_co, R_co]):
    """A sans-I/O stream core (``StreamCore``, ``ResponsesStreamCore``)."""

    meta: GatewayMeta

    def feed(self, data: bytes) -> Sequence[E_co]: ...

    def finish(self) -> None: ...

    def snapshot(self) -> R_co: ...


__all__ = ["AsyncChatStream", "AsyncGatewayClient", "ChatStream", "GatewayClient"]


class _Events(Generic[E, R]):
    """The events of one sync stream (chunks, or Responses events); iterate it inside the
    client's ``stream(...)`` context."""

    def __init__(self, core: _Core[E, R], response: httpx.Response, client: ClientCore) -> None:
        self._core, self._response, self._client = core, response, client
        self.meta: GatewayMeta = core.meta
        self._events = self._iterate()

    def __iter__(self) -> Iterator[E]:
        return self._events

    def __next__(self) -> E:
        return next(self._events)

    def _iterate(self) -> Generator[E, None, None]:
        core = self._core
        try:
            response = self._response
            body = response.iter_raw() if is_uncompressed(response) else response.iter_bytes()
            for data in body:
                yield from core.feed(data)
        except httpx.HTTPError as exc:  # a drop or a stall mid-stream: never retried
            if (error := self._client._stream_failure(core, exc)) is None:  # type: ignore[arg-type]
                return
            raise error from exc
        core.finish()

    def snapshot(self) -> R:
        """What arrived so far (``.meta`` set)."""
        return self._core.snapshot()

    def _drain(self) -> None:
        for _ in self._events:
            pass

    def close(self) -> None:
        """Stop reading: an unfinished stream's connection is dropped, not reused."""
        self._events.close()
        self._response.close()


class _AsyncEvents(Generic[E, R]):
    """The events of one async stream; iterate it inside the client's ``stream(...)``."""

    def __init__(self, core: _Core[E, R], response: httpx.Response, client: ClientCore) -> None:
        self._core, self._response, self._client = core, response, client
        self.meta: GatewayMeta = core.meta
        self._events = self._iterate()

    def __aiter__(self) -> AsyncIterator[E]:
        return self._events

    async def __anext__(self) -> E:
        return await self._events.__anext__()

    async def _iterate(self) -> AsyncGenerator[E, None]:
        core = self._core
        try:
            response = self._response
            direct = direct_body(response)
            if direct is not None:
                # aiohttp's body (_direct): its reads awaited here, no httpx generator between.
                response.is_stream_consumed = True  # as aiter_raw: a second reader is refused
                read, failures = direct.read, direct.failures
                while True:
                    try:
                        data = await read()
                    except failures as exc:  # only the read: feed's own errors pass through
                        raise direct.failure(exc) from None
                    if not data:
                        break
                    for event in core.feed(data):
                        yield event
                await response.aclose()  # as aiter_raw at the end: the connection is released
            else:
                body = response.aiter_raw() if is_uncompressed(response) else response.aiter_bytes()
                async for data in body:
                    for event in core.feed(data):
                        yield event
        except httpx.HTTPError as exc:  # a drop or a stall mid-stream: never retried
            if (error := self._client._stream_failure(core, exc)) is None:  # type: ignore[arg-type]
                return
            raise error from exc
        core.finish()

    def snapshot(self) -> R:
        """What arrived so far (``.meta`` set)."""
        return self._core.snapshot()

    async def _drain(self) -> None:
        async for _ in self._events:
            pass

    async def aclose(self) -> None:
        """Stop reading: an unfinished stream's connection is dropped, not reused."""
        await self._events.aclose()
        await self._response.aclose()


class ChatStream(_Events[ChatCompletionChunk, ChatCompletion]):
    """The chunks of one streamed completion; iterate it inside ``client.stream(...)``."""

    def __init__(self, core: StreamCore, response: httpx.Response, client: ClientCore) -> None:
        super().__init__(core, response, client)
        self.accumulator: StreamAccumulator = core.accumulator

    def completion(self) -> ChatCompletion:
        """Read the rest of the stream and return the assembled completion."""
        self._drain()
        return self._core.snapshot()


class AsyncChatStream(_AsyncEvents[ChatCompletionChunk, ChatCompletion]):
    """The chunks of one streamed completion; iterate it inside ``client.stream(...)``."""

    def __init__(self, core: StreamCore, response: httpx.Response, client: ClientCore) -> None:
        super().__init__(core, response, client)
        self.accumulator: StreamAccumulator = core.accumulator

    async def completion(self) -> ChatCompletion:
        """Read the rest of the stream and return the assembled completion."""
        await self._drain()
        return self._core.snapshot()


class GatewayClient(ClientCore):
    """Synchronous client. Without ``http_client`` it uses the process-wide shared pool."""

    def __init__(
        self,
        config: GatewayConfig | None = None,
        *,
        http_client: httpx.Client | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        super().__init__(config or GatewayConfig.from_env(), retry_policy)
        # Neither the shared pool nor an injected client is ours to close. The pool is looked
        # up per call, so that closing it (close_sync_pools) never strands a client.
        self._injected = http_client
        self._pool_key = pool_key(self.config)

    @property
    def _http(self) -> httpx.Client:
        return self._injected if self._injected is not None else sync_pool(self._pool_key)

    def create(
        self, request: ChatRequest | Mapping[str, Any], *, options: Options = None
    ) -> ChatCompletion:
        """Send ``request`` and return the completion (``.meta`` set)."""
        prepared = apply_model_rules(
            self._defaults(request, stream=False), route_model=self.config.route_model
        )
        response, body, attempts = self._fetch(self._call(prepared, options, stream=False))
        return self._completion(response, body, attempts)

    @cached_property
    def responses(self) -> Responses:
        """The Responses API (``/v1/responses``) on this client: ``create`` and ``stream``."""
        from .responses_client import Responses

        return Responses(self)

    def _fetch(self, call: Call) -> tuple[httpx.Response, bytes, int]:
        """Send a non-stream call: the response, its whole body and the attempts."""
        response, attempts, body = self._open(call)
        try:
            if body is None:
                body = self._read(response, call, attempts)
        except httpx.HTTPError as exc:
            late = self._past_deadline(call, attempts, TIMER_SLACK)
            if isinstance(exc, httpx.TimeoutException) and late is not None:
                raise late from exc  # the read timeout was cut to the deadline: it is the deadline
            raise self._transport_error(exc, attempts) from exc
        finally:
            response.close()
        return response, body, attempts

    def stream(
        self, request: ChatRequest | Mapping[str, Any], *, options: Options = None
    ) -> AbstractContextManager[ChatStream]:
        """Open a streamed completion: ``with client.stream(req) as chunks: for c in chunks``."""
        prepared = apply_model_rules(
            self._defaults(request, stream=True), route_model=self.config.route_model
        )
        call = self._call(prepared, options, stream=True)
        return self._streaming(
            call,
            lambda response, attempts: ChatStream(
                self._stream_core(response, call, attempts), response, self
            ),
        )

    @contextmanager
    def _streaming(
        self, call: Call, open_stream: Callable[[httpx.Response, int], S]
    ) -> Iterator[S]:
        """Open ``call`` as a stream; ``open_stream(response, attempts)`` wraps the body."""
        response, attempts, body = self._open(call)
        stream = None
        try:
            if not is_event_stream(response):
                if body is None:
                    body = self._read(response, call, attempts)
                raise self._not_a_stream(response, body, attempts)
            stream = open_stream(response, attempts)
            yield stream
        finally:
            if stream is not None:
                stream.close()
            response.close()

    def _read(self, response: httpx.Response, call: Call, attempts: int) -> bytes:
        """The whole body, the overall deadline checked per network read (a slow drip)."""
        pieces = []
        for piece in response.iter_bytes():
            if (late := self._past_deadline(call, attempts)) is not None:
                raise late
            pieces.append(piece)
        return b"".join(pieces)

    def _open(self, call: Call) -> tuple[httpx.Response, int, bytes | None]:
        """Send until a 2xx arrives or the retry policy gives up: the response (headers only),
        the attempts, and the body when it had to be read (a JSON 2xx)."""
        http = self._http
        attempt = 0
        while True:
            attempt += 1
            try:
                request = self._request(http, call)
                # Explicit: an injected client may follow redirects; ours never do (a redirect
                # would carry the token to another origin).
                response = http.send(request, stream=True, follow_redirects=False)
                if 200 <= response.status_code < 300 and not is_json(response):
                    return response, attempt, None
                try:
                    body = self._read(response, call, attempt)
                    found = self._error_in(response, body, attempt, call.result_key)
                except BaseException:
                    response.close()
                    raise
                if found is None:
                    return response, attempt, body  # a JSON 2xx, already read: create() parses it
                response.close()
                error = found
            except (httpx.HTTPError, GatewayError) as exc:
                error = self._transport_error(exc, attempt)
            delay = self._retry_delay(attempt, error, call)
            if delay is None:
                raise error
            self._policy.sleep(delay)

    def close(self) -> None:
        """Release this client. The shared pool and an injected ``http_client`` stay open."""

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncGatewayClient(ClientCore):
    """Asynchronous client. Without ``http_client`` it uses the shared pool of the running loop."""

    def __init__(
        self,
        config: GatewayConfig | None = None,
        *,
        http_client: httpx.AsyncClient | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        super().__init__(config or GatewayConfig.from_env(), retry_policy)
        self._injected = http_client  # the pool is per event loop: looked up per call
        self._pool_key = pool_key(self.config)
        self._backend = async_backend(self.config) if http_client is None else "httpx"

    @property
    def _http(self) -> httpx.AsyncClient:
        if self._injected is not None:
            return self._injected
        return async_pool(self._pool_key, self._backend)

    async def create(
        self, request: ChatRequest | Mapping[str, Any], *, options: Options = None
    ) -> ChatCompletion:
        """Send ``request`` and return the completion (``.meta`` set)."""
        prepared = apply_model_rules(
            self._defaults(request, stream=False), route_model=self.config.route_model
        )
        response, body, attempts = await self._fetch(self._call(prepared, options, stream=False))
        return self._completion(response, body, attempts)

    @cached_property
    def responses(self) -> AsyncResponses:
        """The Responses API (``/v1/responses``) on this client: ``create`` and ``stream``."""
        from .responses_client import AsyncResponses

        return AsyncResponses(self)

    async def _fetch(self, call: Call) -> tuple[httpx.Response, bytes, int]:
        """Send a non-stream call: the response, its whole body and the attempts."""
        response, attempts, body = await self._open(call)
        try:
            if body is None:
                body = await self._read(response, call, attempts)
        except httpx.HTTPError as exc:
            late = self._past_deadline(call, attempts, TIMER_SLACK)
            if isinstance(exc, httpx.TimeoutException) and late is not None:
                raise late from exc  # the read timeout was cut to the deadline: it is the deadline
            raise self._transport_error(exc, attempts) from exc
        finally:
            await response.aclose()
        return response, body, attempts

    def stream(
        self, request: ChatRequest | Mapping[str, Any], *, options: Options = None
    ) -> AbstractAsyncContextManager[AsyncChatStream]:
        """Open a streamed completion: ``async with client.stream(req) as chunks: async for``."""
        prepared = apply_model_rules(
            self._defaults(request, stream=True), route_model=self.config.route_model
        )
        call = self._call(prepared, options, stream=True)
        return self._streaming(
            call,
            lambda response, attempts: AsyncChatStream(
                self._stream_core(response, call, attempts), response, self
            ),
        )

    @asynccontextmanager
    async def _streaming(
        self, call: Call, open_stream: Callable[[httpx.Response, int], AS]
    ) -> AsyncIterator[AS]:
        """Open ``call`` as a stream; ``open_stream(response, attempts)`` wraps the body."""
        response, attempts, body = await self._open(call)
        stream = None
        try:
            if not is_event_stream(response):
                if body is None:
                    body = await self._read(response, call, attempts)
                raise self._not_a_stream(response, body, attempts)
            stream = open_stream(response, attempts)
            yield stream
        finally:
            if stream is not None:
                await stream.aclose()
            await response.aclose()

    async def _read(self, response: httpx.Response, call: Call, attempts: int) -> bytes:
        """The whole body, the overall deadline checked per network read (a slow drip)."""
        pieces = []
        async for piece in response.aiter_bytes():
            if (late := self._past_deadline(call, attempts)) is not None:
                raise late
            pieces.append(piece)
        return b"".join(pieces)

    async def _open(self, call: Call) -> tuple[httpx.Response, int, bytes | None]:
        """Send until a 2xx arrives or the retry policy gives up: the response (headers only),
        the attempts, and the body when it had to be read (a JSON 2xx)."""
        http = self._http
        attempt = 0
        while True:
            attempt += 1
            try:
                request = self._request(http, call)
                response = await http.send(request, stream=True, follow_redirects=False)
                if 200 <= response.status_code < 300 and not is_json(response):
                    return response, attempt, None
                try:
                    body = await self._read(response, call, attempt)
                    found = self._error_in(response, body, attempt, call.result_key)
                except BaseException:
                    await response.aclose()
                    raise
                if found is None:
                    return response, attempt, body  # a JSON 2xx, already read: create() parses it
                await response.aclose()
                error = found
            except (httpx.HTTPError, GatewayError) as exc:
                error = self._transport_error(exc, attempt)
            delay = self._retry_delay(attempt, error, call)
            if delay is None:
                raise error
            await self._policy.async_sleep(delay)

    async def aclose(self) -> None:
        """Release this client. The shared pool and an injected ``http_client`` stay open."""

    async def __aenter__(self) -> AsyncGatewayClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
