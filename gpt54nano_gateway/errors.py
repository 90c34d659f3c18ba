"""The error tree, and the pure mapping from an HTTP error response to it.

::

    GatewayError                       .message .status_code .code (Cloudflare/OpenAI code)
     |                                 .request_id .attempts .body (parsed JSON or text)
     |                                 .meta (GatewayMeta|None) .headers (response headers)
     |                                 .partial (ChatCompletion|None: what a stream delivered)
     +-- ConfigurationError (also ValueError)    missing credentials, bad base_url, insecure http
     +-- GatewayConnectionError                  connect/reset/protocol error before a response
     |    +-- GatewayTimeoutError                connect/read/idle/total deadline
     +-- APIStatusError                          HTTP status >= 400, or 200 with success:false
     |    +-- BadRequestError 400 | AuthenticationError 401 | PaymentRequiredError 402
     |    +-- PermissionDeniedError 403 | NotFoundError 404 | RequestTimeoutError 408
     |    +-- ConflictError 409 | PayloadTooLargeError 413 | UnprocessableEntityError 422/424
     |    +-- RateLimitError 429 (retryable) | QuotaExceededError 429 codes 3036/4006/2045/2041
     |    +-- InternalServerError 5xx
     +-- StreamError                             error event inside an SSE stream (.partial)
     +-- StreamTruncatedError                    ended without [DONE] and without finish_reason,
     |                                           or the connection dropped mid-stream (.partial)
     +-- ResponseParseError                      body is not the expected JSON / shape

Cloudflare answers errors in four body shapes, depending on the layer that failed
(``docs/reference/cloudflare-wire.md`` §4): the v4 API envelope ``{"success": false, "errors":
[...]}``, AI Gateway's ``AiGatewayError`` (singular ``error`` list + ``internalCode``), Workers
AI's ``AiError`` (``internalCode`` + ``message``) and OpenAI's ``{"error": {...}}``.
`error_payload` reads all four; `error_from_response` turns a response into the matching class.

No error keeps the request (its headers hold the token); the client scrubs the token from a body
before it gets here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .wire import ChatCompletion, GatewayMeta

__all__ = [
    "QUOTA_CODES",
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "GatewayConnectionError",
    "GatewayError",
    "GatewayTimeoutError",
    "InternalServerError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "QuotaExceededError",
    "RateLimitError",
    "RequestTimeoutError",
    "ResponseParseError",
    "StreamError",
    "StreamTruncatedError",
    "UnprocessableEntityError",
    "error_from_response",
    "error_payload",
    "request_id_from_headers",
    "status_for_code",
    "stream_error_class",
]

# 429 codes that mean "a limit that will not lift within a retry": daily free allocation
# (3036 documented, 4006 observed) and spend limits (2045 observed, 2041 seen elsewhere).
QUOTA_CODES = frozenset({3036, 4006, 2045, 2041})
_MAX_BODY_TEXT = 8192


class GatewayError(Exception):
    """Root of every error the transport raises."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: int | str | None = None,
        request_id: str | None = None,
        attempts: int = 1,
        body: Any = None,
        meta: GatewayMeta | None = None,
        headers: Mapping[str, str] | None = None,
        partial: ChatCompletion | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.code = code
        self.request_id = request_id
        self.attempts = attempts
        self.body = body
        self.meta = meta
        # Response headers (Retry-After...) for the retry policy; never request headers.
        self.headers: Mapping[str, str] = headers or {}
        self.partial = partial

    def __str__(self) -> str:
        details = [
            f"{name}={value}"
            for name, value in (
                ("status", self.status_code),
                ("code", self.code),
                ("request_id", self.request_id),
            )
            if value is not None
        ]
        if self.attempts > 1:
            details.append(f"attempts={self.attempts}")
        return f"{self.message} ({', '.join(details)})" if details else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class ConfigurationError(GatewayError, ValueError):
    """Missing credentials or an invalid setting, found before anything was sent."""


class GatewayConnectionError(GatewayError):
    """The connection failed before a complete response arrived."""


class GatewayTimeoutError(GatewayConnectionError):
    """A connect, read, stream-idle or overall deadline expired."""


class APIStatusError(GatewayError):
    """Cloudflare answered an error status (or a 200 whose envelope says ``success: false``)."""


class BadRequestError(APIStatusError):
    """400: the request was rejected (schema validation, unsupported parameter...)."""


class AuthenticationError(APIStatusError):
    """401: missing or invalid token."""


class PaymentRequiredError(APIStatusError):
    """402: no Unified Billing credits (code 2021), or the model is not available for them."""


class PermissionDeniedError(APIStatusError):
    """403: the token or account may not use this model."""


class NotFoundError(APIStatusError):
    """404: unknown account, route or model."""


class RequestTimeoutError(APIStatusError):
    """408: the upstream timed out (retryable)."""


class ConflictError(APIStatusError):
    """409: a conflict or lock timeout (retryable)."""


class PayloadTooLargeError(APIStatusError):
    """413: the request body is too large."""


class UnprocessableEntityError(APIStatusError):
    """422 / 424: blocked by a guardrail or otherwise unprocessable."""


class RateLimitError(APIStatusError):
    """429: rate limited or out of capacity (retryable)."""


class QuotaExceededError(RateLimitError):
    """429 with a quota code (3036, 4006, 2045, 2041): retrying before the reset is pointless."""


class InternalServerError(APIStatusError):
    """5xx: the gateway or the upstream failed."""


class StreamError(GatewayError):
    """The stream carried an error event; ``partial`` holds what arrived before it."""


class StreamTruncatedError(GatewayError):
    """The stream ended early (no ``[DONE]`` and no finish_reason, or a dropped connection)."""


class ResponseParseError(GatewayError):
    """A success status whose body is not a Chat Completions object."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: RequestTimeoutError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: UnprocessableEntityError,
    424: UnprocessableEntityError,
    429: RateLimitError,
}


def request_id_from_headers(headers: Mapping[str, str]) -> str | None:
    """The id to quote in a support ticket: the gateway log id, else the request id, else cf-ray."""
    return headers.get("cf-aig-log-id") or headers.get("cf-aig-request-id") or headers.get("cf-ray")


def _as_code(value: Any) -> int | str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value:
        return int(value) if value.isdigit() else value
    return None


def _first_entry(entries: Any) -> tuple[int | str | None, str | None]:
    if isinstance(entries, list) and entries and isinstance(entries[0], Mapping):
        first = entries[0]
        message = first.get("message")
        return _as_code(first.get("code")), message if isinstance(message, str) else None
    return None, None


def error_payload(body: Any) -> tuple[int | str | None, str] | None:
    """``(code, message)`` when ``body`` is one of the four error shapes, else ``None``."""
    if not isinstance(body, Mapping):
        return None
    error = body.get("error")
    if isinstance(error, Mapping):  # OpenAI: {"error": {"message", "type", "code", "param"}}
        message = error.get("message")
        # The code is what the body says (often null); the type stays readable in ``.body``.
        text = message if isinstance(message, str) and message else "error"
        return _as_code(error.get("code")), text
    if isinstance(error, str) and error:  # some proxies: {"error": "text"}
        return _as_code(body.get("code")), error
    # AiGatewayError: {"error": [{code, message}], "internalCode", "message", "name"...};
    # v4 envelope: {"success": false, "errors": [{code, message}]}.
    entries = error if isinstance(error, list) and error else body.get("errors")
    code, message = _first_entry(entries)
    internal = _as_code(body.get("internalCode"))
    top_message = body.get("message") if isinstance(body.get("message"), str) else None
    if code is None and message is None and internal is None:
        if body.get("success") is False:
            return None, top_message or "request failed (success: false)"
        return None
    code = internal if internal is not None else code
    return code, message or top_message or "request failed"


def _decode(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        text = body.decode("utf-8", "replace")
        return text[:_MAX_BODY_TEXT] + ("..." if len(text) > _MAX_BODY_TEXT else "")


def error_class(status: int, code: int | str | None) -> type[APIStatusError]:
    """The class for an HTTP status and error code."""
    if status == 429 and code in QUOTA_CODES:
        return QuotaExceededError
    cls = _BY_STATUS.get(status)
    if cls is not None:
        return cls
    return InternalServerError if status >= 500 else APIStatusError


# The HTTP status Cloudflare documents for its error codes (docs/reference/cloudflare-wire.md §4.2):
# used to type an error that arrives inside a 200 stream, where no status tells it.
_STATUS_BY_CODE: dict[int, int] = {
    2001: 400, 2008: 400, 2040: 400, 5007: 400, 5004: 400, 7003: 400,
    2009: 401, 10000: 401,
    2021: 402,
    5035: 403, 5018: 403, 5016: 403, 3023: 403, 3041: 403,
    3042: 404,
    3007: 408, 3008: 408,
    3006: 413,
    2016: 424, 2017: 424,
    2003: 429, 2041: 429, 2045: 429, 3036: 429, 3040: 429, 4006: 429,
    7013: 503,
}  # fmt: skip
_stream_variants: dict[type[APIStatusError], type[StreamError]] = {}


def status_for_code(code: int | str | None) -> int | None:
    """The HTTP status Cloudflare uses for an error ``code``, when documented."""
    return _STATUS_BY_CODE.get(code) if isinstance(code, int) else None


def stream_error_class(status: int | None, code: int | str | None) -> type[StreamError]:
    """`StreamError`, or for a known status a class that is both a `StreamError` and the
    status class (``except RateLimitError`` and ``except StreamError`` both catch it)."""
    if status is None or status < 400:
        return StreamError
    base = error_class(status, code)
    variant = _stream_variants.get(base)
    if variant is None:
        variant = type(f"Stream{base.__name__}", (StreamError, base), {"__module__": __name__})
        _stream_variants[base] = variant
        globals()[variant.__name__] = variant  # findable by name, so pickle can load it
    return variant


_TITLE = re.compile(r"<title>\s*(.*?)\s*</title>", re.IGNORECASE | re.DOTALL)


def _html_title(text: str) -> str | None:
    if not text.lstrip().startswith("<"):
        return None
    found = _TITLE.search(text)
    return found.group(1) if found and found.group(1) else None


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    attempts: int,
    meta: GatewayMeta | None = None,
) -> APIStatusError:
    """The typed error for an HTTP error response (or a 200 whose envelope says it failed)."""
    headers = {key.lower(): value for key, value in headers.items()}
    parsed = _decode(body)
    found = error_payload(parsed)
    if found is not None:
        code, message = found
    else:
        code = None
        message = parsed if isinstance(parsed, str) and parsed.strip() else f"HTTP {status}"
        if (title := _html_title(message)) is not None:
            message = title  # Cloudflare's 502/504 pages: the title says it all
    # A 200 envelope with success:false may say the real status in httpCode (AiGatewayError).
    effective = status
    if status < 400 and isinstance(parsed, Mapping):
        http_code = parsed.get("httpCode")
        if isinstance(http_code, int) and not isinstance(http_code, bool) and http_code >= 400:
            effective = http_code
        elif (documented := status_for_code(code)) is not None:
            effective = documented  # e.g. 3040 "capacity exceeded" inside a 200 is a 429
    cls = error_class(effective, code) if effective >= 400 else APIStatusError
    request_id = request_id_from_headers(headers)
    if request_id is None and isinstance(parsed, Mapping):
        body_id = parsed.get("requestId")
        request_id = body_id if isinstance(body_id, str) else None
    return cls(
        message,
        status_code=status,
        code=code,
        request_id=request_id,
        attempts=attempts,
        body=parsed,
        meta=meta,
        headers=headers,
    )
