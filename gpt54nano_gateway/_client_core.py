"""`ClientCore`: everything the two clients share that is not I/O, written once.

`ClientCore` builds requests (URL, headers, JSON body, per-attempt timeouts), decides retries
against the overall deadline, maps httpx exceptions and error responses to the error tree, and
parses a completion. Streams are turned into chunks by ``_stream.StreamCore``. The clients in
``client.py`` only move bytes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import ValidationError

from ._json import loads
from ._stream import StreamCore, deadline_error
from ._validators import validate_json_on_first_use
from ._version import __version__
from .config import GatewayConfig
from .error_mapping import error_from_response, error_payload, request_id_from_headers
from .errors import (
    GatewayConnectionError,
    GatewayError,
    GatewayTimeoutError,
    PoolTimeoutError,
    ResponseParseError,
    StreamTruncatedError,
)
from .meta import GatewayMeta, meta_from_headers
from .options import GatewayOptions
from .redaction import RedactedHeaders, redact_headers, redact_in_place, scrub_values
from .retry import RetryPolicy
from .wire import ChatCompletion, ChatRequest, StreamOptions, request_to_wire

if TYPE_CHECKING:  # the Responses modules stay off the Chat Completions import path
    from ._responses_stream import ResponsesStreamCore
    from .responses_wire import Response

__all__ = ["Call", "ClientCore", "is_event_stream", "is_json", "is_uncompressed"]

logger = logging.getLogger("gpt54nano_gateway")

USER_AGENT = f"gpt54nano/{__version__}"


# The validator itself, bound on the first completion (_validators says why).
_validate_completion: Callable[[bytes], ChatCompletion] = validate_json_on_first_use(
    ChatCompletion, globals(), "_validate_completion"
)


@lru_cache(maxsize=64)
def parsed_url(url: str) -> httpx.URL:
    """``httpx.URL(url)``, parsed once per URL: parsing costs ~20 µs, a fifth of the budget."""
    return httpx.URL(url)


def _text(body: bytes) -> Any:
    try:
        return loads(body)
    except ValueError:
        return body[:8192].decode("utf-8", "replace")


@dataclass(slots=True)
class Call:
    """One prepared call: what to send, and the bounds it runs under."""

    content: bytes
    headers: dict[str, str]
    stream: bool
    deadline: float | None  # time.monotonic() value, or None for no overall deadline
    gateway_retries: bool
    url: httpx.URL | None = None  # None: the client's Chat Completions URL
    result_key: str = "choices"  # the key a success body has (an error envelope has not)


def as_request(request: object) -> ChatRequest:
    """``request`` as a `ChatRequest`: a mapping is validated, anything else is a `TypeError`."""
    if isinstance(request, ChatRequest):
        return request
    if isinstance(request, Mapping):
        return ChatRequest.model_validate(request)
    raise TypeError(f"request must be a ChatRequest or a mapping, not {type(request).__name__}")


def as_options(options: object) -> GatewayOptions | None:
    """Per-call ``options`` as `GatewayOptions`: a mapping is validated, a wrong type refused."""
    if options is None or isinstance(options, GatewayOptions):
        return options
    if isinstance(options, Mapping):
        return GatewayOptions.model_validate(options)
    raise TypeError(f"options must be GatewayOptions or a mapping, not {type(options).__name__}")


#: How early a read timeout cut to the overall deadline may fire (event-loop timers run up to a
#: clock tick early): a timeout that close to the deadline is reported as the deadline.
TIMER_SLACK = 0.05


class ClientCore:
    """The sans-I/O half of `GatewayClient` / `AsyncGatewayClient`."""

    def __init__(self, config: GatewayConfig, retry_policy: RetryPolicy | None) -> None:
        self.config = config
        self._policy = retry_policy or RetryPolicy(max_retries=config.max_retries)
        self._url = parsed_url(config.chat_completions_url)
        self._options = config.options or GatewayOptions()
        self._headers, self._stream_headers = self._header_pair(config.auth_headers())
        connect, read, idle = (
            config.connect_timeout,
            config.read_timeout,
            config.stream_idle_timeout,
        )
        self._timeout = httpx.Timeout(connect=connect, read=read, write=read, pool=connect)
        self._stream_timeout = httpx.Timeout(connect=connect, read=idle, write=read, pool=connect)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(config={self.config!r})"

    # -- building -------------------------------------------------------------------------

    def _header_pair(self, auth: Mapping[str, str]) -> tuple[RedactedHeaders, RedactedHeaders]:
        """The constant headers of a JSON call and of a stream call, with ``auth``."""
        common = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        common.update(auth)
        common.update(self._options.to_headers())
        return (
            RedactedHeaders({**common, "Accept": "application/json"}),
            RedactedHeaders({**common, "Accept": "text/event-stream"}),
        )

    def _defaults(self, request: ChatRequest | Mapping[str, Any], *, stream: bool) -> ChatRequest:
        """``request`` with the model and the stream flags filled in (a copy when changed)."""
        request = as_request(request)
        update: dict[str, Any] = {}
        if request.model is None:
            update["model"] = self.config.model
        if stream:
            update["stream"] = True
            if request.stream_options is None or request.stream_options.include_usage is None:
                update["stream_options"] = StreamOptions(include_usage=True)
        elif request.stream:
            update["stream"] = None
            update["stream_options"] = None
        return request.model_copy(update=update) if update else request

    def _call(
        self,
        request: ChatRequest,
        options: GatewayOptions | Mapping[str, Any] | None,
        *,
        stream: bool,
    ) -> Call:
        return self._call_for(request_to_wire(request), options, stream=stream)

    def _call_for(
        self,
        wire: dict[str, Any],
        options: GatewayOptions | Mapping[str, Any] | None,
        *,
        stream: bool,
        url: httpx.URL | None = None,
        header_pair: tuple[RedactedHeaders, RedactedHeaders] | None = None,
        result_key: str = "choices",
    ) -> Call:
        """The call for a JSON body ``wire`` (to ``url`` with ``header_pair``, default the Chat
        Completions route's)."""
        options = as_options(options)
        body = json.dumps(wire, separators=(",", ":"), ensure_ascii=False)
        plain, streaming = header_pair or (self._headers, self._stream_headers)
        headers = streaming if stream else plain
        gateway_retries = self._options.gateway_retries_enabled
        if options is not None:
            merged = self._options.merged(options)
            headers = RedactedHeaders({**headers, **options.to_headers()})
            gateway_retries = merged.gateway_retries_enabled
        total = self.config.total_timeout
        deadline = None if total is None else time.monotonic() + total
        return Call(body.encode(), headers, stream, deadline, gateway_retries, url, result_key)

    def _request(self, http: httpx.Client | httpx.AsyncClient, call: Call) -> httpx.Request:
        """The request for the next attempt, its timeouts cut to what the deadline leaves."""
        timeout = self._stream_timeout if call.stream else self._timeout
        if call.deadline is not None:
            left = call.deadline - time.monotonic()
            if left <= 0:
                raise GatewayTimeoutError("overall deadline exceeded before the request was sent")
            if left < max(timeout.read or 0.0, timeout.connect or 0.0):
                timeout = httpx.Timeout(
                    connect=min(timeout.connect or left, left),
                    read=min(timeout.read or left, left),
                    write=min(timeout.write or left, left),
                    pool=min(timeout.pool or left, left),
                )
        url = self._url if call.url is None else call.url
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("POST %s headers=%s", url, redact_headers(call.headers))
        return http.build_request(
            "POST", url, content=call.content, headers=call.headers, timeout=timeout
        )

    def _past_deadline(
        self, call: Call, attempts: int, slack: float = 0.0
    ) -> GatewayTimeoutError | None:
        """The error for a body read still going at the overall deadline (checked per read).
        ``slack``: a read timeout cut to the deadline may fire a timer tick early."""
        if call.deadline is None or time.monotonic() + slack <= call.deadline:
            return None
        return GatewayTimeoutError(
            "overall deadline exceeded while reading the response body", attempts=attempts
        )

    # -- retries --------------------------------------------------------------------------

    def _retry_delay(self, attempt: int, error: GatewayError, call: Call) -> float | None:
        left = None if call.deadline is None else call.deadline - time.monotonic()
        delay = self._policy.delay(
            attempt, error, gateway_retries=call.gateway_retries, time_left=left
        )
        if delay is not None and logger.isEnabledFor(logging.DEBUG):
            logger.debug("attempt %d failed (%s); retrying in %.2fs", attempt, error, delay)
        return delay

    # -- errors ---------------------------------------------------------------------------

    def _scrub(self, body: bytes) -> bytes:
        # A server that echoes the request must not put the token into an error we keep.
        token = self.config.api_token.get_secret_value().encode()
        return body.replace(token, b"<redacted>") if token in body else body

    def _transport_error(
        self,
        exc: Exception,
        attempts: int,
        partial: ChatCompletion | Response | None = None,
        meta: GatewayMeta | None = None,
    ) -> GatewayError:
        """Map an httpx exception (or our deadline) to the error tree, keeping it as the cause."""
        if isinstance(exc, GatewayError):
            exc.attempts = attempts
            exc.partial = exc.partial or partial
            return exc
        if isinstance(exc, httpx.HTTPError):
            # Kept as the cause: httpx's repr masks only Authorization, not cf-aig-authorization.
            with contextlib.suppress(RuntimeError):  # RuntimeError: an httpx error without request
                redact_in_place(exc.request.headers)
        cls: type[GatewayError]
        if isinstance(exc, httpx.PoolTimeout):
            cls, what = PoolTimeoutError, "no pooled connection free in time (max_connections)"
        elif isinstance(exc, httpx.TimeoutException):
            cls, what = GatewayTimeoutError, f"timed out ({type(exc).__name__})"
        elif partial is not None:
            cls, what = StreamTruncatedError, f"connection lost mid-stream ({type(exc).__name__})"
        else:
            cls, what = GatewayConnectionError, f"connection failed ({type(exc).__name__})"
        detail = str(exc)
        error = cls(
            f"{what}: {detail}" if detail else what,
            attempts=attempts,
            partial=partial,
            meta=meta,
            request_id=(meta.log_id or meta.ray_id) if meta is not None else None,
            status_code=meta.status_code if meta is not None else None,
        )
        error.__cause__ = exc
        return error

    def _error_in(
        self, response: httpx.Response, body: bytes, attempts: int, result_key: str = "choices"
    ) -> GatewayError | None:
        """The error a read response holds: any status >= 300, or a 2xx whose JSON envelope says
        ``success: false`` / carries ``errors`` (Cloudflare does that); ``None`` otherwise.
        Called inside the retry loop, so an enveloped 3040 is retried like a 429.
        ``result_key`` is the key of a success body (``output`` for a Responses object)."""
        if response.status_code >= 300:
            return self._status_error(response, body, attempts)
        if (b'"choices"' if result_key == "choices" else f'"{result_key}"'.encode()) in body:
            return None  # the common case, without a second JSON parse (create() checks the rest)
        try:
            parsed = loads(body)
        except ValueError:
            return None  # create() reports the unparsable body
        if isinstance(parsed, dict) and result_key not in parsed and error_payload(parsed):
            return self._status_error(response, body, attempts)
        return None

    def _stream_failure(
        self, core: StreamCore | ResponsesStreamCore, exc: httpx.HTTPError
    ) -> GatewayError | None:
        """The typed error for a transport failure mid-stream, carrying what arrived; ``None``
        when it failed while draining after ``[DONE]`` (the answer is complete)."""
        if core.done:
            return None
        if isinstance(exc, httpx.TimeoutException) and core.past_deadline(TIMER_SLACK):
            # The read timeout was cut to the deadline (_request): it is the deadline.
            return deadline_error(core.meta, core.snapshot())
        return self._transport_error(exc, core.meta.attempts, core.snapshot(), core.meta)

    def _safe_headers(self, response: httpx.Response) -> Mapping[str, str]:
        """The response headers, the token scrubbed (a server may echo it in a header)."""
        return scrub_values(response.headers, self.config.api_token.get_secret_value())

    def _status_error(self, response: httpx.Response, body: bytes, attempts: int) -> GatewayError:
        headers = self._safe_headers(response)
        meta = meta_from_headers(headers, response.status_code, attempts)
        return error_from_response(
            response.status_code,
            headers,
            self._scrub(body),
            attempts=attempts,
            meta=meta,
            endpoint=self.config.endpoint,
            gateway_id=self.config.gateway_id or "default",
            path=_request_path(response),
        )

    # -- parsing --------------------------------------------------------------------------

    def _parse_error(
        self, message: str, response: httpx.Response, body: bytes, attempts: int
    ) -> ResponseParseError:
        """The error for a 2xx body that is not what the route answers (its text kept)."""
        status, headers = response.status_code, self._safe_headers(response)
        return ResponseParseError(
            message,
            status_code=status,
            request_id=request_id_from_headers(headers),
            attempts=attempts,
            body=_text(self._scrub(body)),
            meta=meta_from_headers(headers, status, attempts),
        )

    def _completion(self, response: httpx.Response, body: bytes, attempts: int) -> ChatCompletion:
        """Parse a 2xx body into a completion with ``.meta``, or raise the error it holds."""
        status, headers = response.status_code, self._safe_headers(response)
        try:
            completion: ChatCompletion = _validate_completion(body)
        except ValidationError as exc:
            raise self._parse_error(
                "the response is not a JSON chat.completion "
                f"(content-type {headers.get('content-type')!r})",
                response,
                body,
                attempts,
            ) from exc
        extra = completion.__pydantic_extra__
        if extra and (extra.get("success") is False or extra.get("errors") or extra.get("error")):
            raise self._status_error(response, body, attempts)
        if "choices" not in completion.model_fields_set:
            result = extra.get("result") if extra else None
            if not (isinstance(result, dict) and "choices" in result):
                raise self._parse_error(
                    "the response JSON is not a chat.completion (no 'choices')",
                    response,
                    body,
                    attempts,
                )
            try:  # v4 envelope around a completion
                completion = ChatCompletion.model_validate(result)
            except ValidationError as exc:
                raise self._parse_error(
                    "the envelope's result is not a chat.completion", response, body, attempts
                ) from exc
        source = completion.gatewayMetadata.keySource if completion.gatewayMetadata else None
        completion.meta = meta_from_headers(headers, status, attempts, source)
        return completion

    def _not_a_stream(self, response: httpx.Response, body: bytes, attempts: int) -> GatewayError:
        """The error for a 2xx answer to a stream request that is not an event stream."""
        try:
            parsed = loads(body)
        except ValueError:
            parsed = None
        if error_payload(parsed) is not None:
            return self._status_error(response, body, attempts)
        return self._parse_error(
            f"expected an event stream, got content-type {response.headers.get('content-type')!r}",
            response,
            body,
            attempts,
        )

    def _stream_core(self, response: httpx.Response, call: Call, attempts: int) -> StreamCore:
        meta = meta_from_headers(self._safe_headers(response), response.status_code, attempts)
        return StreamCore(meta, call.deadline, self.config.api_token)


def _request_path(response: httpx.Response) -> str | None:
    try:
        return response.request.url.path
    except RuntimeError:  # a response built without a request
        return None


def is_json(response: httpx.Response) -> bool:
    return "json" in response.headers.get("content-type", "")


def is_event_stream(response: httpx.Response) -> bool:
    return "text/event-stream" in response.headers.get("content-type", "")


def is_uncompressed(response: httpx.Response) -> bool:
    """No content-encoding: the raw bytes are the body, so the decoding layer can be skipped
    (it costs a little per network read, i.e. per event on a token stream)."""
    return bool(response.headers.get("content-encoding", "identity") == "identity")
