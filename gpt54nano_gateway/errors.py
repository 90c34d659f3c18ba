"""The error tree: every exception the transport raises is one of these classes.

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
     |    |    +-- GuardrailBlockedError 424 codes 2016/2017 (.blocked: "prompt"|"response")
     |    |         +-- DlpBlockedError 424 codes 2029/2030 (DLP policy)
     |    +-- RateLimitError 429 (retryable) | QuotaExceededError 429 codes 3036/4006/2045/2041
     |    +-- InternalServerError 5xx
     |         +-- GuardrailUnavailableError 503 code 7013 (retryable)
     +-- StreamError                             error event inside an SSE stream (.partial)
     +-- StreamTruncatedError                    ended without [DONE] and without finish_reason,
     |                                           or the connection dropped mid-stream (.partial)
     +-- ResponseParseError                      body is not the expected JSON / shape
     |    +-- EmptyResponseError                 no choice at all (the adapters need one)
     +-- LogNotFoundError (also NotFoundError)   a gateway log that never appeared

Cloudflare answers errors in four body shapes, depending on the layer that failed
(``docs/reference/cloudflare-wire.md`` §4): the v4 API envelope ``{"success": false, "errors":
[...]}``, AI Gateway's ``AiGatewayError`` (singular ``error`` list + ``internalCode``), Workers
AI's ``AiError`` (``internalCode`` + ``message``) and OpenAI's ``{"error": {...}}``.
``error_mapping.py`` reads all four and picks the class; this module only defines them.

No error keeps the request (its headers hold the token); the client scrubs the token from a body
before it gets here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .meta import GatewayMeta
    from .wire import ChatCompletion

__all__ = [
    "QUOTA_CODES",
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "DlpBlockedError",
    "EmptyResponseError",
    "GatewayConnectionError",
    "GatewayError",
    "GatewayTimeoutError",
    "GuardrailBlockedError",
    "GuardrailUnavailableError",
    "InternalServerError",
    "LogNotFoundError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "PoolTimeoutError",
    "QuotaExceededError",
    "RateLimitError",
    "RequestTimeoutError",
    "ResponseParseError",
    "StreamError",
    "StreamTruncatedError",
    "UnprocessableEntityError",
]

# 429 codes that mean "a limit that will not lift within a retry": daily free allocation
# (3036 documented, 4006 observed) and spend limits (2045 observed, 2041 seen elsewhere).
QUOTA_CODES = frozenset({3036, 4006, 2045, 2041})

# AI Gateway guardrail / DLP codes (wire doc §4.2): which side of the call was blocked.
GUARDRAIL_BLOCK_CODES: dict[int, Literal["prompt", "response"]] = {2016: "prompt", 2017: "response"}
DLP_BLOCK_CODES: dict[int, Literal["prompt", "response"]] = {2029: "prompt", 2030: "response"}
GUARDRAIL_UNAVAILABLE_CODE = 7013


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


class PoolTimeoutError(GatewayTimeoutError):
    """No connection of the shared pool became free in time (``connect_timeout``): every one of
    ``max_connections`` was busy. Not retried: another attempt would only queue again; raise
    ``GatewayConfig.max_connections`` or lower the concurrency."""


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


class GuardrailBlockedError(UnprocessableEntityError):
    """424 / 2016 or 2017: AI Gateway guardrails blocked the prompt or the model's response.

    ``blocked`` says which. A blocked response was still generated (and billed: its log keeps
    the tokens). Never retried: the same content is blocked again.
    """

    @property
    def blocked(self) -> Literal["prompt", "response"]:
        code = self.code if isinstance(self.code, int) else 0
        return {**GUARDRAIL_BLOCK_CODES, **DLP_BLOCK_CODES}.get(code, "prompt")


class DlpBlockedError(GuardrailBlockedError):
    """424 / 2029 or 2030: a Data Loss Prevention policy blocked the request or the response
    (``meta.dlp`` holds the ``cf-aig-dlp`` findings when the gateway sent them)."""


class RateLimitError(APIStatusError):
    """429: rate limited or out of capacity (retryable)."""


class QuotaExceededError(RateLimitError):
    """429 with a quota code (3036, 4006, 2045, 2041): retrying before the reset is pointless."""


class InternalServerError(APIStatusError):
    """5xx: the gateway or the upstream failed."""


class GuardrailUnavailableError(InternalServerError):
    """503 / 7013: a guardrail with a Block rule could not evaluate the content (its scanner is
    unavailable), so the gateway failed closed. Retried like any 503: the outage is transient
    and nothing was evaluated or sent to the model."""


class StreamError(GatewayError):
    """The stream carried an error event; ``partial`` holds what arrived before it."""


class StreamTruncatedError(GatewayError):
    """The stream ended early (no ``[DONE]`` and no finish_reason, or a dropped connection)."""


class ResponseParseError(GatewayError):
    """A success status whose body is not a Chat Completions object."""


class EmptyResponseError(ResponseParseError):
    """A success without any answer in it: a completion with ``choices: []``, or a stream that
    ended before any choice arrived (only ``data: [DONE]``, or only a usage chunk). The
    transport returns such a completion as it came; the adapters, which must return a message,
    raise this."""

    @classmethod
    def of(cls, completion: ChatCompletion, *, streamed: bool) -> EmptyResponseError:
        """The error for ``completion`` (kept as ``partial``, its ``.meta`` as ``meta``)."""
        meta = completion.meta
        return cls(
            "the stream ended before any choice arrived"
            if streamed
            else "the completion has no choices",
            status_code=meta.status_code if meta is not None else None,
            request_id=(meta.log_id or meta.ray_id) if meta is not None else None,
            attempts=meta.attempts if meta is not None else 1,
            meta=meta,
            partial=completion,
        )


class LogNotFoundError(NotFoundError):
    """A gateway log that was still missing after the bounded wait (`GatewayLogs.get`): not
    written yet, not collected (``cf-aig-collect-log: false``), or of another gateway."""
